//! Applicability conditions: the small expression language catalogs use in
//! `when = "..."` (e.g. `not (ismap_registered or gov_cloud)`), its parser,
//! its type checker against the profile schema, and its evaluation against a
//! [`Profile`]. The grammar is in `docs/catalog-format.md`.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use crate::profile::{AttributeType, Profile, Value, attribute};

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A type-checked condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// A boolean attribute.
    Flag(&'static str),
    Compare {
        attribute: &'static str,
        op: CompareOp,
        value: Value,
    },
    In {
        attribute: &'static str,
        values: Vec<Value>,
    },
    /// A named condition of the catalog.
    Named(String, Arc<Condition>),
    Not(Box<Condition>),
    And(Vec<Condition>),
    Or(Vec<Condition>),
}

impl Condition {
    /// Whether the condition holds for `profile`.
    pub fn holds(&self, profile: &Profile) -> bool {
        match self {
            Condition::Flag(name) => profile.flag(name),
            Condition::Compare {
                attribute,
                op,
                value,
            } => match profile.get(attribute) {
                Some(actual) => match op {
                    CompareOp::Eq => actual == value,
                    CompareOp::Ne => actual != value,
                    CompareOp::Lt => actual < value,
                    CompareOp::Le => actual <= value,
                    CompareOp::Gt => actual > value,
                    CompareOp::Ge => actual >= value,
                },
                None => false,
            },
            Condition::In { attribute, values } => {
                profile.get(attribute).is_some_and(|v| values.contains(v))
            }
            Condition::Named(_, inner) => inner.holds(profile),
            Condition::Not(inner) => !inner.holds(profile),
            Condition::And(parts) => parts.iter().all(|c| c.holds(profile)),
            Condition::Or(parts) => parts.iter().any(|c| c.holds(profile)),
        }
    }
}

/// A parse or type error at a byte range of the expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionError {
    pub span: Range<usize>,
    pub message: String,
}

/// Named conditions visible to an expression.
pub type NamedConditions = BTreeMap<String, Arc<Condition>>;

/// Parses and type-checks `source`.
pub fn parse(source: &str, named: &NamedConditions) -> Result<Condition, ConditionError> {
    let tokens = lex(source)?;
    let mut parser = Parser {
        tokens,
        pos: 0,
        end: source.len(),
        named,
    };
    let cond = parser.expr()?;
    match parser.peek() {
        None => Ok(cond),
        Some(t) => Err(ConditionError {
            span: t.span.clone(),
            message: "条件式の終わりに余分な記述があります (unexpected token)".into(),
        }),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Name(String),
    Str(String),
    Int(i64),
    Op(CompareOp),
    In,
    And,
    Or,
    Not,
    True,
    False,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    span: Range<usize>,
}

fn lex(src: &str) -> Result<Vec<Token>, ConditionError> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = src.char_indices().collect();
    let mut i = 0;
    let at = |i: usize| chars.get(i).map(|c| c.0).unwrap_or(src.len());
    while let Some(&(start, c)) = chars.get(i) {
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let single = match c {
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            '[' => Some(Tok::LBracket),
            ']' => Some(Tok::RBracket),
            ',' => Some(Tok::Comma),
            _ => None,
        };
        if let Some(tok) = single {
            out.push(Token {
                tok,
                span: start..start + 1,
            });
            i += 1;
            continue;
        }
        let next = chars.get(i + 1).map(|c| c.1);
        let op = match (c, next) {
            ('=', Some('=')) => Some((CompareOp::Eq, 2)),
            ('!', Some('=')) => Some((CompareOp::Ne, 2)),
            ('<', Some('=')) => Some((CompareOp::Le, 2)),
            ('>', Some('=')) => Some((CompareOp::Ge, 2)),
            ('<', _) => Some((CompareOp::Lt, 1)),
            ('>', _) => Some((CompareOp::Gt, 1)),
            _ => None,
        };
        if let Some((op, len)) = op {
            out.push(Token {
                tok: Tok::Op(op),
                span: start..at(i + len),
            });
            i += len;
            continue;
        }
        if c == '"' || c == '\'' {
            let mut j = i + 1;
            let mut s = String::new();
            loop {
                match chars.get(j) {
                    None => {
                        return Err(ConditionError {
                            span: start..src.len(),
                            message: "文字列が閉じられていません (unterminated string)".into(),
                        });
                    }
                    Some(&(_, q)) if q == c => break,
                    Some(&(_, ch)) => s.push(ch),
                }
                j += 1;
            }
            out.push(Token {
                tok: Tok::Str(s),
                span: start..at(j + 1),
            });
            i = j + 1;
            continue;
        }
        if c.is_ascii_digit() || (c == '-' && next.is_some_and(|n| n.is_ascii_digit())) {
            let mut j = i + 1;
            while chars.get(j).is_some_and(|c| c.1.is_ascii_digit()) {
                j += 1;
            }
            let text = &src[start..at(j)];
            let n = text.parse::<i64>().map_err(|_| ConditionError {
                span: start..at(j),
                message: format!("整数 `{text}` を読めません (bad integer)"),
            })?;
            out.push(Token {
                tok: Tok::Int(n),
                span: start..at(j),
            });
            i = j;
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let mut j = i + 1;
            while chars
                .get(j)
                .is_some_and(|c| c.1.is_ascii_alphanumeric() || c.1 == '_')
            {
                j += 1;
            }
            let word = &src[start..at(j)];
            let tok = match word {
                "and" => Tok::And,
                "or" => Tok::Or,
                "not" => Tok::Not,
                "in" => Tok::In,
                "true" => Tok::True,
                "false" => Tok::False,
                _ => Tok::Name(word.to_owned()),
            };
            out.push(Token {
                tok,
                span: start..at(j),
            });
            i = j;
            continue;
        }
        return Err(ConditionError {
            span: start..at(i + 1),
            message: format!("条件式に使えない文字 `{c}` があります (unexpected character)"),
        });
    }
    Ok(out)
}

struct Parser<'a> {
    tokens: Vec<Token>,
    pos: usize,
    end: usize,
    named: &'a NamedConditions,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn eat(&mut self, tok: &Tok) -> bool {
        if self.peek().is_some_and(|t| &t.tok == tok) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn error_here(&self, message: impl Into<String>) -> ConditionError {
        let span = self
            .peek()
            .map(|t| t.span.clone())
            .unwrap_or(self.end..self.end);
        ConditionError {
            span,
            message: message.into(),
        }
    }

    fn expr(&mut self) -> Result<Condition, ConditionError> {
        let mut parts = vec![self.and()?];
        while self.eat(&Tok::Or) {
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Condition::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Condition, ConditionError> {
        let mut parts = vec![self.unary()?];
        while self.eat(&Tok::And) {
            parts.push(self.unary()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Condition::And(parts)
        })
    }

    fn unary(&mut self) -> Result<Condition, ConditionError> {
        if self.eat(&Tok::Not) {
            return Ok(Condition::Not(Box::new(self.unary()?)));
        }
        if self.eat(&Tok::LParen) {
            let inner = self.expr()?;
            if !self.eat(&Tok::RParen) {
                return Err(self.error_here("`)` が必要です (expected `)`)"));
            }
            return Ok(inner);
        }
        self.test()
    }

    fn test(&mut self) -> Result<Condition, ConditionError> {
        let Some(Token {
            tok: Tok::Name(name),
            span,
        }) = self.peek().cloned()
        else {
            return Err(self.error_here(
                "属性名、条件名、`not` または `(` が必要です (expected an attribute or condition name)",
            ));
        };
        self.pos += 1;
        if let Some(cond) = self.named.get(&name) {
            return Ok(Condition::Named(name, cond.clone()));
        }
        let Some(attr) = attribute(&name) else {
            return Err(ConditionError {
                span,
                message: format!(
                    "不明な属性または条件 `{name}` です。属性は docs/profile.md、条件はこのカタログの [[conditions]] で定義してください (unknown attribute)"
                ),
            });
        };
        let op = match self.peek().map(|t| t.tok.clone()) {
            Some(Tok::Op(op)) => Some(op),
            Some(Tok::In) => None,
            _ => {
                if attr.kind == AttributeType::Bool {
                    return Ok(Condition::Flag(attr.name));
                }
                return Err(ConditionError {
                    span,
                    message: format!(
                        "属性 `{name}` は真偽値ではないため、比較が必要です（例: {name} == ...） (non-boolean attribute used as a condition)"
                    ),
                });
            }
        };
        self.pos += 1;
        match op {
            Some(op) => {
                let value = self.value(attr.name, attr.kind)?;
                let ordering = matches!(
                    op,
                    CompareOp::Lt | CompareOp::Le | CompareOp::Gt | CompareOp::Ge
                );
                if ordering && !matches!(attr.kind, AttributeType::Int { .. }) {
                    return Err(ConditionError {
                        span,
                        message: format!(
                            "属性 `{name}` は整数ではないため大小比較できません (ordering comparison on a non-integer attribute)"
                        ),
                    });
                }
                Ok(Condition::Compare {
                    attribute: attr.name,
                    op,
                    value,
                })
            }
            None => {
                if !self.eat(&Tok::LBracket) {
                    return Err(self.error_here("`in` の後には `[` が必要です (expected `[`)"));
                }
                let mut values = vec![self.value(attr.name, attr.kind)?];
                while self.eat(&Tok::Comma) {
                    values.push(self.value(attr.name, attr.kind)?);
                }
                if !self.eat(&Tok::RBracket) {
                    return Err(self.error_here("`]` が必要です (expected `]`)"));
                }
                Ok(Condition::In {
                    attribute: attr.name,
                    values,
                })
            }
        }
    }

    fn value(&mut self, name: &str, kind: AttributeType) -> Result<Value, ConditionError> {
        let Some(token) = self.next() else {
            return Err(ConditionError {
                span: self.end..self.end,
                message: "値が必要です (expected a value)".into(),
            });
        };
        let value = match token.tok {
            Tok::Str(s) => Value::Str(s),
            Tok::Int(i) => Value::Int(i),
            Tok::True => Value::Bool(true),
            Tok::False => Value::Bool(false),
            _ => {
                return Err(ConditionError {
                    span: token.span,
                    message: "値（文字列、整数、true/false）が必要です (expected a value)".into(),
                });
            }
        };
        if !kind.accepts(&value) {
            return Err(ConditionError {
                span: token.span,
                message: format!(
                    "属性 `{name}` と値 {value} の型が合いません。{kind} を指定してください (type mismatch)"
                ),
            });
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holds(src: &str, profile: &Profile) -> Result<bool, ConditionError> {
        parse(src, &NamedConditions::new()).map(|c| c.holds(profile))
    }

    #[test]
    fn evaluates_boolean_structure_and_comparisons() {
        let mut p = Profile::default();
        assert_eq!(p.set("gov_cloud", Value::Bool(true)), Ok(()));
        assert_eq!(holds("ismap_registered or gov_cloud", &p), Ok(true));
        assert_eq!(holds("not (ismap_registered or gov_cloud)", &p), Ok(false));
        assert_eq!(holds("gov_cloud and not lgwan_asp", &p), Ok(true));
        assert_eq!(holds("service_model == \"saas\"", &p), Ok(true));
        assert_eq!(holds("service_model != 'saas'", &p), Ok(false));
        assert_eq!(
            holds("network_segment in [\"lgwan\", \"closed\"]", &p),
            Ok(false)
        );
        assert_eq!(holds("confidentiality_class >= 2", &p), Ok(true));
        assert_eq!(holds("confidentiality_class > 2", &p), Ok(false));
        assert_eq!(holds("gov_cloud == false", &p), Ok(false));
    }

    #[test]
    fn named_conditions_are_resolved() {
        let mut named = NamedConditions::new();
        let base = parse("ismap_registered or lgwan_asp", &named).map_err(|e| e.message);
        let Ok(base) = base else {
            unreachable!("fixture parses: {base:?}")
        };
        named.insert("listed".into(), Arc::new(base));
        let cond = parse("not listed", &named).map_err(|e| e.message);
        assert!(matches!(cond, Ok(Condition::Not(_))));
        let mut p = Profile::default();
        assert_eq!(cond.as_ref().map(|c| c.holds(&p)), Ok(true));
        assert_eq!(p.set("lgwan_asp", Value::Bool(true)), Ok(()));
        assert_eq!(cond.map(|c| c.holds(&p)), Ok(false));
    }

    #[test]
    fn errors_point_at_the_offending_token() {
        let named = NamedConditions::new();
        let cases: &[(&str, Range<usize>, &str)] = &[
            ("ismap", 0..5, "不明な属性"),
            ("gov_cloud and ismap_registerd", 14..29, "不明な属性"),
            ("service_model == \"cloud\"", 17..24, "型が合いません"),
            ("confidentiality_class == 4", 25..26, "型が合いません"),
            ("service_model", 0..13, "真偽値ではない"),
            ("service_model > \"saas\"", 0..13, "大小比較"),
            ("gov_cloud and", 13..13, "属性名"),
            ("(gov_cloud", 10..10, "`)`"),
            ("gov_cloud lgwan_asp", 10..19, "余分な記述"),
            ("gov_cloud & lgwan_asp", 10..11, "使えない文字"),
            ("network_segment == \"lgwan", 19..25, "閉じられていません"),
        ];
        for (src, span, msg) in cases {
            let err = parse(src, &named).err();
            assert!(
                err.as_ref()
                    .is_some_and(|e| &e.span == span && e.message.contains(msg)),
                "{src}: {err:?}"
            );
        }
    }
}

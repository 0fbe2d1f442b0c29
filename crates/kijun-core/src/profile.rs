//! Service profiles: the attributes of one external service that decide which
//! requirements apply to whom (ISMAP registration, service model, network
//! segment, …). The attribute schema here is the only vocabulary catalog
//! conditions may use; `docs/profile.md` documents it for people.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use toml::Spanned;

use crate::error::{LoadError, Reporter};

/// The type of a profile attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttributeType {
    Bool,
    /// One of a fixed set of lowercase strings.
    Enum(&'static [&'static str]),
    /// An integer within `min..=max`.
    Int {
        min: i64,
        max: i64,
    },
}

impl fmt::Display for AttributeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttributeType::Bool => write!(f, "true または false"),
            AttributeType::Enum(values) => {
                let quoted: Vec<String> = values.iter().map(|v| format!("\"{v}\"")).collect();
                write!(f, "{}", quoted.join(" / "))
            }
            AttributeType::Int { min, max } => write!(f, "{min}〜{max} の整数"),
        }
    }
}

/// The value of a profile attribute.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(untagged)]
pub enum Value {
    Bool(bool),
    Int(i64),
    Str(String),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Str(s) => write!(f, "\"{s}\""),
        }
    }
}

impl AttributeType {
    /// Whether `value` is a valid value of this type.
    pub fn accepts(&self, value: &Value) -> bool {
        match (self, value) {
            (AttributeType::Bool, Value::Bool(_)) => true,
            (AttributeType::Enum(values), Value::Str(s)) => values.contains(&s.as_str()),
            (AttributeType::Int { min, max }, Value::Int(i)) => (*min..=*max).contains(i),
            _ => false,
        }
    }
}

/// One attribute of the schema.
#[derive(Debug, Clone, Copy)]
pub struct Attribute {
    pub name: &'static str,
    pub kind: AttributeType,
    /// Japanese label (UI, templates).
    pub label: &'static str,
    /// Japanese explanation, shown as a comment in `kijun template profile`.
    pub help: &'static str,
    default: DefaultValue,
}

#[derive(Debug, Clone, Copy)]
enum DefaultValue {
    Bool(bool),
    Int(i64),
    Str(&'static str),
}

impl Attribute {
    pub fn default_value(&self) -> Value {
        match self.default {
            DefaultValue::Bool(b) => Value::Bool(b),
            DefaultValue::Int(i) => Value::Int(i),
            DefaultValue::Str(s) => Value::Str(s.to_owned()),
        }
    }
}

/// Service models.
pub const SERVICE_MODELS: &[&str] = &["saas", "paas", "iaas"];
/// Network segments: インターネット接続系, LGWAN接続系, 閉域網.
pub const NETWORK_SEGMENTS: &[&str] = &["internet", "lgwan", "closed"];

/// The attribute schema. Defaults lean to the demanding side, so a profile
/// that leaves an attribute out never hides a requirement.
pub const ATTRIBUTES: &[Attribute] = &[
    Attribute {
        name: "ismap_registered",
        kind: AttributeType::Bool,
        label: "ISMAP登録",
        help: "ISMAPクラウドサービスリストに登録されている",
        default: DefaultValue::Bool(false),
    },
    Attribute {
        name: "ismap_liu_registered",
        kind: AttributeType::Bool,
        label: "ISMAP-LIU登録",
        help: "ISMAP-LIUクラウドサービスリストに登録されている",
        default: DefaultValue::Bool(false),
    },
    Attribute {
        name: "lgwan_asp",
        kind: AttributeType::Bool,
        label: "LGWAN-ASP",
        help: "LGWAN-ASPとして登録されている",
        default: DefaultValue::Bool(false),
    },
    Attribute {
        name: "gov_cloud",
        kind: AttributeType::Bool,
        label: "ガバメントクラウド",
        help: "ガバメントクラウド上で提供される",
        default: DefaultValue::Bool(false),
    },
    Attribute {
        name: "service_model",
        kind: AttributeType::Enum(SERVICE_MODELS),
        label: "サービスモデル",
        help: "\"saas\" / \"paas\" / \"iaas\"",
        default: DefaultValue::Str("saas"),
    },
    Attribute {
        name: "handles_personal_info",
        kind: AttributeType::Bool,
        label: "個人情報の取扱い",
        help: "個人情報を取り扱う",
        default: DefaultValue::Bool(true),
    },
    Attribute {
        name: "confidentiality_class",
        kind: AttributeType::Int { min: 1, max: 3 },
        label: "最高機密性",
        help: "取り扱う情報の最高機密性 1 / 2 / 3（機密性3が最も高い）",
        default: DefaultValue::Int(2),
    },
    Attribute {
        name: "network_segment",
        kind: AttributeType::Enum(NETWORK_SEGMENTS),
        label: "利用ネットワーク",
        help: "\"internet\"（インターネット接続系） / \"lgwan\"（LGWAN接続系） / \"closed\"（閉域網）",
        default: DefaultValue::Str("internet"),
    },
    Attribute {
        name: "subcontracting",
        kind: AttributeType::Bool,
        label: "再委託",
        help: "再委託がある",
        default: DefaultValue::Bool(true),
    },
    Attribute {
        name: "remote_maintenance",
        kind: AttributeType::Bool,
        label: "遠隔保守",
        help: "事業者が遠隔で保守運用を行う",
        default: DefaultValue::Bool(true),
    },
    Attribute {
        name: "provider_assigns_credentials",
        kind: AttributeType::Bool,
        label: "認証情報の割当て",
        help: "パスワード等の認証情報の割り当てを外部サービス提供者が行う",
        default: DefaultValue::Bool(true),
    },
    Attribute {
        name: "provider_key_management",
        kind: AttributeType::Bool,
        label: "提供者の鍵管理機能",
        help: "外部サービス提供者が提供する鍵管理機能を利用する",
        default: DefaultValue::Bool(true),
    },
];

/// Looks an attribute up by name.
pub fn attribute(name: &str) -> Option<&'static Attribute> {
    ATTRIBUTES.iter().find(|a| a.name == name)
}

/// A concrete service's attributes: every schema attribute has a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Profile {
    /// The service's name, for display only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(flatten)]
    values: BTreeMap<&'static str, Value>,
}

impl Default for Profile {
    fn default() -> Self {
        Profile {
            name: None,
            values: ATTRIBUTES
                .iter()
                .map(|a| (a.name, a.default_value()))
                .collect(),
        }
    }
}

/// Why a profile value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    #[error(
        "不明な属性 `{0}` です。使える属性は `kijun template profile` で確認してください (unknown attribute)"
    )]
    UnknownAttribute(String),
    #[error("属性 `{name}` の値 {value} は不正です。{expected} を指定してください (invalid value)")]
    InvalidValue {
        name: String,
        value: String,
        expected: String,
    },
}

impl Profile {
    /// The value of attribute `name`, or `None` for a name outside the schema.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }

    /// The boolean attribute `name` (false for unknown or non-boolean names;
    /// conditions are type-checked at load time, so that cannot happen there).
    pub fn flag(&self, name: &str) -> bool {
        matches!(self.values.get(name), Some(Value::Bool(true)))
    }

    /// Sets attribute `name`, checking its type.
    pub fn set(&mut self, name: &str, value: Value) -> Result<(), ProfileError> {
        let attr = attribute(name).ok_or_else(|| ProfileError::UnknownAttribute(name.into()))?;
        if !attr.kind.accepts(&value) {
            return Err(ProfileError::InvalidValue {
                name: name.into(),
                value: value.to_string(),
                expected: attr.kind.to_string(),
            });
        }
        self.values.insert(attr.name, value);
        Ok(())
    }

    /// Every attribute with its value, in schema order.
    pub fn attributes(&self) -> impl Iterator<Item = (&'static Attribute, &Value)> {
        ATTRIBUTES
            .iter()
            .filter_map(|a| self.values.get(a.name).map(|v| (a, v)))
    }

    /// Parses a profile file. Attributes left out keep their defaults; an
    /// unknown key or an ill-typed value is an error with its location.
    pub fn from_toml(file: &str, text: &str) -> Result<Profile, LoadError> {
        let reporter = Reporter::new(file, text);
        let table: BTreeMap<Spanned<String>, Spanned<toml::Value>> = match toml::from_str(text) {
            Ok(t) => t,
            Err(e) => return Err(reporter.toml_error(&e)),
        };
        let mut reporter = reporter;
        let mut profile = Profile::default();
        for (key, value) in table {
            let span = value.span();
            let value = value.into_inner();
            if key.get_ref() == "name" {
                match value {
                    toml::Value::String(s) => profile.name = Some(s),
                    _ => reporter.error(span, "`name` は文字列で指定してください"),
                }
                continue;
            }
            let converted = match value {
                toml::Value::Boolean(b) => Some(Value::Bool(b)),
                toml::Value::Integer(i) => Some(Value::Int(i)),
                toml::Value::String(s) => Some(Value::Str(s)),
                _ => None,
            };
            let result = match converted {
                Some(v) => profile.set(key.get_ref(), v),
                None => match attribute(key.get_ref()) {
                    None => Err(ProfileError::UnknownAttribute(key.get_ref().clone())),
                    Some(a) => Err(ProfileError::InvalidValue {
                        name: key.get_ref().clone(),
                        value: "(配列または表)".into(),
                        expected: a.kind.to_string(),
                    }),
                },
            };
            if let Err(e) = result {
                let at = match e {
                    ProfileError::UnknownAttribute(_) => key.span(),
                    ProfileError::InvalidValue { .. } => span,
                };
                reporter.error(at, e.to_string());
            }
        }
        reporter.finish(profile)
    }

    /// This profile as a TOML document with a Japanese comment per attribute.
    pub fn to_toml_template(&self) -> String {
        let mut out = String::from(
            "# kijun サービスプロファイル (service profile)\n\
             # 各属性は、どの要求事項が誰に適用されるかを決めます。詳細: docs/profile.md\n\n",
        );
        match &self.name {
            Some(name) => out.push_str(&format!(
                "# サービス名（表示用）\nname = {}\n\n",
                toml_string(name)
            )),
            None => out.push_str("# サービス名（表示用）\n# name = \"〇〇システム\"\n\n"),
        }
        for (attr, value) in self.attributes() {
            out.push_str(&format!("# {}: {}\n", attr.label, attr.help));
            let rendered = match value {
                Value::Str(s) => toml_string(s),
                other => other.to_string(),
            };
            out.push_str(&format!("{} = {}\n\n", attr.name, rendered));
        }
        out
    }
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_cover_every_attribute_and_round_trip_through_the_template() {
        let profile = Profile::default();
        assert_eq!(profile.attributes().count(), ATTRIBUTES.len());
        let text = profile.to_toml_template();
        assert!(text.contains("ismap_registered = false"));
        assert!(text.contains("service_model = \"saas\""));
        let parsed = Profile::from_toml("t.toml", &text).map_err(|e| e.to_string());
        assert_eq!(parsed, Ok(profile));
    }

    #[test]
    fn unknown_attribute_is_reported_at_its_key() {
        let err = Profile::from_toml("p.toml", "ismap_registered = true\nismap = true\n")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.starts_with("p.toml:2:1: 不明な属性 `ismap`"), "{err}");
    }

    #[test]
    fn ill_typed_values_are_reported_at_the_value() {
        let err = Profile::from_toml(
            "p.toml",
            "service_model = \"cloud\"\nconfidentiality_class = 4\nlgwan_asp = \"yes\"\n",
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 3, "{err}");
        assert!(
            lines[0].starts_with("p.toml:1:17: 属性 `service_model`"),
            "{err}"
        );
        assert!(
            lines[1].starts_with("p.toml:2:25: 属性 `confidentiality_class`"),
            "{err}"
        );
        assert!(
            lines[2].starts_with("p.toml:3:13: 属性 `lgwan_asp`"),
            "{err}"
        );
    }

    #[test]
    fn bad_toml_is_reported_with_location() {
        let err = Profile::from_toml("p.toml", "ismap_registered = \n")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.starts_with("p.toml:1:"), "{err}");
    }
}

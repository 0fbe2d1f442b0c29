//! Answers (回答): what a vendor says about each requirement, per party —
//! `conforms`, `partial` (with a remediation plan and due date),
//! `does_not_conform` or `not_applicable` (with a mandatory reason) — given
//! per requirement or per common control, and the loader for answer files.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::catalog::{Date, Party};
use crate::control::ControlVocabulary;
use crate::error::{LoadError, Reporter};
use crate::library::CatalogSet;

/// A vendor's answer status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 適合
    Conforms,
    /// 一部適合
    Partial,
    /// 不適合
    DoesNotConform,
    /// 該当なし
    NotApplicable,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Conforms => "conforms",
            Status::Partial => "partial",
            Status::DoesNotConform => "does_not_conform",
            Status::NotApplicable => "not_applicable",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Conforms => "適合",
            Status::Partial => "一部適合",
            Status::DoesNotConform => "不適合",
            Status::NotApplicable => "該当なし",
        }
    }
}

/// How a partial answer will be brought to conformance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Remediation {
    pub plan: String,
    pub due: Date,
}

/// One answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    /// Why the requirement does not apply (mandatory for `not_applicable`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Plan and due date; only a `partial` answer with both can make a
    /// required item conditional instead of rejected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remediation: Option<Remediation>,
}

impl Answer {
    /// A bare answer with `status` (reason filled for `not_applicable`).
    pub fn new(status: Status) -> Answer {
        Answer {
            status,
            comment: None,
            evidence: Vec::new(),
            reason: (status == Status::NotApplicable).then(|| "（理由）".to_owned()),
            remediation: None,
        }
    }
}

/// Key of a requirement-level answer.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct RequirementKey {
    pub catalog: String,
    pub requirement: String,
    pub party: Party,
}

/// Key of a control-level answer.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ControlKey {
    pub control: String,
    pub party: Party,
}

/// Every answer of one vendor submission.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnswerSet {
    pub requirements: BTreeMap<RequirementKey, Answer>,
    pub controls: BTreeMap<ControlKey, Answer>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    answers: Vec<Spanned<RawAnswer>>,
    #[serde(default)]
    control_answers: Vec<Spanned<RawAnswer>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAnswer {
    catalog: Option<Spanned<String>>,
    requirement: Option<Spanned<String>>,
    control: Option<Spanned<String>>,
    party: Party,
    status: Option<Status>,
    comment: Option<String>,
    #[serde(default)]
    evidence: Vec<String>,
    reason: Option<String>,
    plan: Option<String>,
    due: Option<Spanned<toml::value::Datetime>>,
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.trim().is_empty())
}

impl AnswerSet {
    pub fn set_requirement(
        &mut self,
        catalog: &str,
        requirement: &str,
        party: Party,
        answer: Answer,
    ) {
        self.requirements.insert(
            RequirementKey {
                catalog: catalog.into(),
                requirement: requirement.into(),
                party,
            },
            answer,
        );
    }

    pub fn set_control(&mut self, control: &str, party: Party, answer: Answer) {
        self.controls.insert(
            ControlKey {
                control: control.into(),
                party,
            },
            answer,
        );
    }

    pub fn requirement(&self, catalog: &str, requirement: &str, party: Party) -> Option<&Answer> {
        self.requirements.get(&RequirementKey {
            catalog: catalog.into(),
            requirement: requirement.into(),
            party,
        })
    }

    pub fn control(&self, control: &str, party: Party) -> Option<&Answer> {
        self.controls.get(&ControlKey {
            control: control.into(),
            party,
        })
    }

    /// Parses an answer file. Every reference is checked against `catalogs`
    /// and `controls`; a `not_applicable` answer without a reason, an answer
    /// without a status, a due date that is not a date and a duplicate
    /// answer are errors. A row whose status is left out is skipped (that is
    /// how the template marks an unanswered item).
    pub fn from_toml(
        file: &str,
        text: &str,
        catalogs: &CatalogSet,
        controls: &ControlVocabulary,
    ) -> Result<AnswerSet, LoadError> {
        let reporter = Reporter::new(file, text);
        let raw: RawFile = match toml::from_str(text) {
            Ok(r) => r,
            Err(e) => return Err(reporter.toml_error(&e)),
        };
        let mut reporter = reporter;
        let mut set = AnswerSet::default();

        for a in raw.answers {
            let span = a.span();
            let a = a.into_inner();
            let (Some(catalog), Some(requirement)) = (&a.catalog, &a.requirement) else {
                reporter.error(
                    span,
                    "[[answers]] には catalog と requirement が必要です (missing catalog or requirement)",
                );
                continue;
            };
            if let Some(c) = &a.control {
                reporter.error(
                    c.span(),
                    "[[answers]] に control は書けません。共通管理策への回答は [[control_answers]] に書いてください",
                );
                continue;
            }
            let Some(cat) = catalogs.get(catalog.get_ref()) else {
                reporter.error(
                    catalog.span(),
                    format!(
                        "不明なカタログ `{}` です。`kijun catalog list` で確認してください (unknown catalog)",
                        catalog.get_ref()
                    ),
                );
                continue;
            };
            if cat.requirement(requirement.get_ref()).is_none() {
                reporter.error(
                    requirement.span(),
                    format!(
                        "カタログ `{}` に要求事項 `{}` はありません (unknown requirement)",
                        catalog.get_ref(),
                        requirement.get_ref()
                    ),
                );
                continue;
            }
            let key = RequirementKey {
                catalog: catalog.get_ref().clone(),
                requirement: requirement.get_ref().clone(),
                party: a.party,
            };
            let what = format!(
                "{}/{} ({})",
                key.catalog,
                key.requirement,
                key.party.label()
            );
            if let Some(answer) = convert(a, span.clone(), &what, &mut reporter) {
                match set.requirements.entry(key) {
                    std::collections::btree_map::Entry::Occupied(_) => reporter.error(
                        span,
                        format!("{what} への回答が重複しています (duplicate answer)"),
                    ),
                    std::collections::btree_map::Entry::Vacant(slot) => {
                        slot.insert(answer);
                    }
                }
            }
        }

        for a in raw.control_answers {
            let span = a.span();
            let a = a.into_inner();
            let Some(control) = &a.control else {
                reporter.error(
                    span,
                    "[[control_answers]] には control が必要です (missing control)",
                );
                continue;
            };
            if a.catalog.is_some() || a.requirement.is_some() {
                reporter.error(
                    span,
                    "[[control_answers]] に catalog / requirement は書けません。要求事項への回答は [[answers]] に書いてください",
                );
                continue;
            }
            if !controls.contains(control.get_ref()) {
                reporter.error(
                    control.span(),
                    format!(
                        "不明な共通管理策 `{}` です。`kijun catalog controls` で確認してください (unknown control)",
                        control.get_ref()
                    ),
                );
                continue;
            }
            let key = ControlKey {
                control: control.get_ref().clone(),
                party: a.party,
            };
            let what = format!("共通管理策 {} ({})", key.control, key.party.label());
            if let Some(answer) = convert(a, span.clone(), &what, &mut reporter) {
                match set.controls.entry(key) {
                    std::collections::btree_map::Entry::Occupied(_) => reporter.error(
                        span,
                        format!("{what} への回答が重複しています (duplicate answer)"),
                    ),
                    std::collections::btree_map::Entry::Vacant(slot) => {
                        slot.insert(answer);
                    }
                }
            }
        }
        reporter.finish(set)
    }
}

fn convert(
    a: RawAnswer,
    span: std::ops::Range<usize>,
    what: &str,
    reporter: &mut Reporter<'_>,
) -> Option<Answer> {
    let status = a.status?;
    let reason = non_empty(a.reason);
    if status == Status::NotApplicable && reason.is_none() {
        reporter.error(
            span,
            format!(
                "{what}: 該当なし (not_applicable) には理由 (reason) が必要です (missing reason)"
            ),
        );
        return None;
    }
    let due = match &a.due {
        Some(d) => match Date::from_toml(d.get_ref()) {
            Some(date) => Some(date),
            None => {
                reporter.error(
                    d.span(),
                    format!("{what}: due は日付 (例: 2027-03-31) で書いてください"),
                );
                return None;
            }
        },
        None => None,
    };
    let plan = non_empty(a.plan);
    let remediation = match (plan, due) {
        (Some(plan), Some(due)) => Some(Remediation { plan, due }),
        (None, None) => None,
        (Some(_), None) | (None, Some(_)) => {
            reporter.error(
                span,
                format!("{what}: 是正計画 (plan) と期限 (due) は両方を書いてください (incomplete remediation)"),
            );
            return None;
        }
    };
    Some(Answer {
        status,
        comment: non_empty(a.comment),
        evidence: a.evidence,
        reason,
        remediation,
    })
}

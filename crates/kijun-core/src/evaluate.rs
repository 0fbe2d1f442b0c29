//! Applicability and evaluation: for a concrete service profile, which
//! requirements of a catalog bind which party at which level (the applicable
//! *items*), what each item's status is given an answer set (requirement-level
//! answers override answers pre-filled through common controls), and the
//! verdict per catalog with its gaps. This is where a requirement is judged.

use serde::Serialize;

use crate::answer::{Answer, AnswerSet, Status};
use crate::catalog::{Catalog, Date, Level, Party, Phase, Requirement};
use crate::profile::Profile;

/// One applicable item: a requirement binding one party at one level.
#[derive(Debug, Clone, Copy)]
pub struct Applicable<'c> {
    pub requirement: &'c Requirement,
    pub party: Party,
    pub level: Level,
}

/// Every applicable item of `catalog` for `profile`, in catalog order,
/// integrator before provider within a requirement.
pub fn applicable_items<'c>(catalog: &'c Catalog, profile: &Profile) -> Vec<Applicable<'c>> {
    let mut items = Vec::new();
    for requirement in &catalog.requirements {
        let Some(rule) = requirement.obligations.rule_for(profile) else {
            continue;
        };
        for party in Party::ALL {
            if let Some(level) = rule.level(party) {
                items.push(Applicable {
                    requirement,
                    party,
                    level,
                });
            }
        }
    }
    items
}

/// The status of an item after answers are resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Conforms,
    Partial,
    DoesNotConform,
    NotApplicable,
    Unanswered,
}

impl ItemStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Conforms => "conforms",
            ItemStatus::Partial => "partial",
            ItemStatus::DoesNotConform => "does_not_conform",
            ItemStatus::NotApplicable => "not_applicable",
            ItemStatus::Unanswered => "unanswered",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ItemStatus::Conforms => "適合",
            ItemStatus::Partial => "一部適合",
            ItemStatus::DoesNotConform => "不適合",
            ItemStatus::NotApplicable => "該当なし",
            ItemStatus::Unanswered => "未回答",
        }
    }
}

impl From<Status> for ItemStatus {
    fn from(s: Status) -> Self {
        match s {
            Status::Conforms => ItemStatus::Conforms,
            Status::Partial => ItemStatus::Partial,
            Status::DoesNotConform => ItemStatus::DoesNotConform,
            Status::NotApplicable => ItemStatus::NotApplicable,
        }
    }
}

/// Where an item's answer came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AnswerSource {
    /// Answered for this requirement.
    Requirement,
    /// Pre-filled from the answer to a common control.
    Control {
        control: String,
    },
    None,
}

/// The verdict on a catalog.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// 不承認: a required item does not conform or is unanswered.
    Rejected,
    /// 条件付き承認: required items conform or are partial with a plan.
    Conditional,
    /// 承認: every required item conforms.
    Approved,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Rejected => "rejected",
            Verdict::Conditional => "conditional",
            Verdict::Approved => "approved",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Verdict::Rejected => "不承認",
            Verdict::Conditional => "条件付き承認",
            Verdict::Approved => "承認",
        }
    }
}

/// How serious a gap is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// A required item that blocks approval.
    Blocking,
    /// A required item accepted under a remediation plan (a condition).
    Condition,
    /// A recommended item that is not met (指摘事項).
    Finding,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Blocking => "承認不可",
            Severity::Condition => "条件",
            Severity::Finding => "指摘",
        }
    }
}

/// An evaluated item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    pub requirement_id: String,
    pub phase: Phase,
    pub party: Party,
    pub level: Level,
    pub status: ItemStatus,
    pub source: AnswerSource,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer: Option<Answer>,
}

/// An item that is not fully met.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    pub requirement_id: String,
    pub party: Party,
    pub level: Level,
    pub status: ItemStatus,
    pub severity: Severity,
    /// Japanese explanation.
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<Date>,
}

/// Counts of items by level and status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub required: usize,
    pub recommended: usize,
    pub conforms: usize,
    pub partial: usize,
    pub does_not_conform: usize,
    pub not_applicable: usize,
    pub unanswered: usize,
}

/// The evaluation of one catalog.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CatalogEvaluation {
    pub id: String,
    pub title: String,
    pub verdict: Verdict,
    pub summary: Summary,
    pub items: Vec<Item>,
    pub gaps: Vec<Gap>,
}

/// The evaluation of a service against several catalogs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub catalogs: Vec<CatalogEvaluation>,
}

/// A rank for "how good" an answer is; higher is better. Used to pick the
/// weakest control answer when a requirement has several answered controls.
fn rank(answer: &Answer) -> u8 {
    match answer.status {
        Status::DoesNotConform => 1,
        Status::Partial if answer.remediation.is_none() => 2,
        Status::Partial => 3,
        Status::Conforms | Status::NotApplicable => 4,
    }
}

/// The answer for one item: the requirement-level answer if there is one,
/// otherwise the weakest answer among the requirement's answered controls.
pub fn resolve<'a>(
    answers: &'a AnswerSet,
    catalog: &Catalog,
    requirement: &Requirement,
    party: Party,
) -> (Option<&'a Answer>, AnswerSource) {
    if let Some(a) = answers.requirement(&catalog.id, &requirement.id, party) {
        return (Some(a), AnswerSource::Requirement);
    }
    requirement
        .controls
        .iter()
        .filter_map(|c| answers.control(c, party).map(|a| (a, c)))
        .min_by_key(|(a, _)| rank(a))
        .map_or((None, AnswerSource::None), |(a, c)| {
            (Some(a), AnswerSource::Control { control: c.clone() })
        })
}

/// Evaluates one catalog.
pub fn evaluate_catalog(
    catalog: &Catalog,
    profile: &Profile,
    answers: &AnswerSet,
) -> CatalogEvaluation {
    let mut items = Vec::new();
    let mut gaps = Vec::new();
    let mut summary = Summary::default();
    for applicable in applicable_items(catalog, profile) {
        let req = applicable.requirement;
        let (answer, source) = resolve(answers, catalog, req, applicable.party);
        let status = answer.map_or(ItemStatus::Unanswered, |a| a.status.into());
        match applicable.level {
            Level::Required => summary.required += 1,
            Level::Recommended => summary.recommended += 1,
        }
        match status {
            ItemStatus::Conforms => summary.conforms += 1,
            ItemStatus::Partial => summary.partial += 1,
            ItemStatus::DoesNotConform => summary.does_not_conform += 1,
            ItemStatus::NotApplicable => summary.not_applicable += 1,
            ItemStatus::Unanswered => summary.unanswered += 1,
        }
        if let Some(gap) = gap_for(req, applicable.party, applicable.level, status, answer) {
            gaps.push(gap);
        }
        items.push(Item {
            requirement_id: req.id.clone(),
            phase: req.phase,
            party: applicable.party,
            level: applicable.level,
            status,
            source,
            answer: answer.cloned(),
        });
    }
    let verdict = if gaps.iter().any(|g| g.severity == Severity::Blocking) {
        Verdict::Rejected
    } else if gaps.iter().any(|g| g.severity == Severity::Condition) {
        Verdict::Conditional
    } else {
        Verdict::Approved
    };
    CatalogEvaluation {
        id: catalog.id.clone(),
        title: catalog.title.clone(),
        verdict,
        summary,
        items,
        gaps,
    }
}

fn gap_for(
    req: &Requirement,
    party: Party,
    level: Level,
    status: ItemStatus,
    answer: Option<&Answer>,
) -> Option<Gap> {
    let remediation = answer.and_then(|a| a.remediation.as_ref());
    let (severity, message) = match (level, status) {
        (_, ItemStatus::Conforms | ItemStatus::NotApplicable) => return None,
        (Level::Required, ItemStatus::Partial) => match remediation {
            Some(r) => (
                Severity::Condition,
                format!(
                    "一部適合。是正計画「{}」を{}までに完了すること",
                    r.plan,
                    r.due.japanese()
                ),
            ),
            None => (
                Severity::Blocking,
                "一部適合だが是正計画と期限がないため承認できません".to_owned(),
            ),
        },
        (Level::Required, ItemStatus::DoesNotConform) => {
            (Severity::Blocking, "必須項目が不適合です".to_owned())
        }
        (Level::Required, ItemStatus::Unanswered) => {
            (Severity::Blocking, "必須項目が未回答です".to_owned())
        }
        (Level::Recommended, s) => (Severity::Finding, format!("推奨項目が{}です", s.label())),
    };
    Some(Gap {
        requirement_id: req.id.clone(),
        party,
        level,
        status,
        severity,
        message,
        due: remediation.map(|r| r.due),
    })
}

/// Evaluates `profile` against each catalog.
pub fn evaluate(catalogs: &[&Catalog], profile: &Profile, answers: &AnswerSet) -> Evaluation {
    Evaluation {
        catalogs: catalogs
            .iter()
            .map(|c| evaluate_catalog(c, profile, answers))
            .collect(),
    }
}

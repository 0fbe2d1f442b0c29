//! The assessment workflow: the life of each item (requirement × party)
//! from the vendor's draft to the reviewer's acceptance, what each role may
//! do in each state, the check of a vendor answer, and how far a recorded
//! verdict may go given the answers.

use serde::{Deserialize, Serialize};

use crate::answer::{Answer, Remediation, Status};
use crate::evaluate::Verdict;
use crate::service::RecordDate;

/// Where an item is in its review cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    /// The vendor is answering (drafts allowed).
    Open,
    /// Submitted by the vendor, waiting for review.
    Submitted,
    /// Accepted by the reviewer.
    Accepted,
    /// Returned by the reviewer with a comment; the vendor answers again.
    Returned,
}

impl ItemState {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemState::Open => "open",
            ItemState::Submitted => "submitted",
            ItemState::Accepted => "accepted",
            ItemState::Returned => "returned",
        }
    }

    pub fn parse(s: &str) -> Option<ItemState> {
        [
            ItemState::Open,
            ItemState::Submitted,
            ItemState::Accepted,
            ItemState::Returned,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ItemState::Open => "回答中",
            ItemState::Submitted => "審査待ち",
            ItemState::Accepted => "確認済み",
            ItemState::Returned => "差戻し",
        }
    }

    /// The vendor may (re)write its answer.
    pub fn vendor_may_edit(self) -> bool {
        matches!(self, ItemState::Open | ItemState::Returned)
    }

    /// The reviewer may accept or return it.
    pub fn reviewer_may_review(self) -> bool {
        matches!(self, ItemState::Submitted | ItemState::Accepted)
    }
}

/// A reviewer's decision on one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    Accept,
    Return,
}

/// A vendor's answer as sent (API, forms, answer library): checked into an
/// [`Answer`] by [`AnswerInput::check`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerInput {
    pub status: Option<Status>,
    #[serde(default)]
    pub comment: Option<String>,
    #[serde(default)]
    pub evidence: Vec<String>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub plan: Option<String>,
    #[serde(default)]
    pub due: Option<RecordDate>,
}

/// Why an answer was refused, with the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("回答 (status) を選んでください (missing status)")]
    MissingStatus,
    #[error("該当なしの場合は理由 (reason) が必要です (missing reason)")]
    MissingReason,
    #[error("是正計画 (plan) と期限 (due) は両方を入力してください (incomplete remediation)")]
    IncompleteRemediation,
}

impl AnswerError {
    pub fn field(&self) -> &'static str {
        match self {
            AnswerError::MissingStatus => "status",
            AnswerError::MissingReason => "reason",
            AnswerError::IncompleteRemediation => "plan",
        }
    }
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_ref()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

impl AnswerInput {
    /// The checked answer (the same rules as the answer-file loader).
    pub fn check(&self) -> Result<Answer, AnswerError> {
        let status = self.status.ok_or(AnswerError::MissingStatus)?;
        let reason = non_empty(&self.reason);
        if status == Status::NotApplicable && reason.is_none() {
            return Err(AnswerError::MissingReason);
        }
        let remediation = match (non_empty(&self.plan), self.due) {
            (Some(plan), Some(due)) => Some(Remediation { plan, due: due.0 }),
            (None, None) => None,
            _ => return Err(AnswerError::IncompleteRemediation),
        };
        Ok(Answer {
            status,
            comment: non_empty(&self.comment),
            evidence: self
                .evidence
                .iter()
                .map(|e| e.trim().to_owned())
                .filter(|e| !e.is_empty())
                .collect(),
            reason,
            remediation,
        })
    }

    /// The input form of a stored answer.
    pub fn of(answer: &Answer) -> AnswerInput {
        AnswerInput {
            status: Some(answer.status),
            comment: answer.comment.clone(),
            evidence: answer.evidence.clone(),
            reason: answer.reason.clone(),
            plan: answer.remediation.as_ref().map(|r| r.plan.clone()),
            due: answer.remediation.as_ref().map(|r| RecordDate(r.due)),
        }
    }
}

/// Whether a reviewer may record `recorded` when the answers support
/// `computed`: never a better verdict than the answers support (an
/// approval needs every required item met), any stricter one.
pub fn verdict_allowed(computed: Verdict, recorded: Verdict) -> bool {
    recorded <= computed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_checked_like_answer_files() {
        let mut a = AnswerInput::default();
        assert_eq!(a.check(), Err(AnswerError::MissingStatus));
        a.status = Some(Status::NotApplicable);
        assert_eq!(a.check().map_err(|e| e.field()), Err("reason"));
        a.reason = Some("  再委託なし ".into());
        assert_eq!(a.check().map(|x| x.reason), Ok(Some("再委託なし".into())));
        let mut p = AnswerInput {
            status: Some(Status::Partial),
            plan: Some("取得予定".into()),
            ..Default::default()
        };
        assert_eq!(p.check(), Err(AnswerError::IncompleteRemediation));
        p.due = crate::service::parse_date("2027-03-31").map(RecordDate);
        let checked = p.check();
        assert!(
            checked.as_ref().is_ok_and(|x| x.remediation.is_some()),
            "{checked:?}"
        );
        if let Ok(answer) = checked {
            assert_eq!(AnswerInput::of(&answer).check(), Ok(answer));
        }
    }

    #[test]
    fn states_and_verdicts() {
        assert!(ItemState::Open.vendor_may_edit() && ItemState::Returned.vendor_may_edit());
        assert!(!ItemState::Submitted.vendor_may_edit() && !ItemState::Accepted.vendor_may_edit());
        assert!(
            ItemState::Submitted.reviewer_may_review() && !ItemState::Open.reviewer_may_review()
        );
        for s in ["open", "submitted", "accepted", "returned"] {
            assert_eq!(ItemState::parse(s).map(ItemState::as_str), Some(s));
        }
        assert!(verdict_allowed(Verdict::Approved, Verdict::Conditional));
        assert!(verdict_allowed(Verdict::Conditional, Verdict::Rejected));
        assert!(!verdict_allowed(Verdict::Conditional, Verdict::Approved));
        assert!(!verdict_allowed(Verdict::Rejected, Verdict::Conditional));
    }
}

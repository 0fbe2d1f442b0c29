//! Termination of an overseen service (更改・廃棄): the checklist a
//! termination case walks through, each item's life cycle, the rule that
//! decides when a case may close, and the notice check against the
//! one-month rule of seed 003 1.(3).
//!
//! Pure: dates are parameters, nothing reads a clock, a file or a
//! database. The checklist is built from the seeds' 更改・廃棄 requirements
//! (seed 000 「更改・廃棄時の要件」, seed 001 「情報資産」, seed 003 「4.
//! 更改・廃棄時の対策」, seed 004 「提供された情報の返還等」「データの廃棄等」);
//! each item names where it comes from. The vendor's deletion certificate
//! (データ消去証明書, seed 001 AST-01 ②) is recorded on the case itself and is
//! required for closing it. The rules are documented in
//! `docs/termination.md`.

use std::fmt;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::oversight::OversightError;
use crate::oversight::alerts::notice_deadline;

/// Who is responsible for a checklist item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponsibleParty {
    /// 外部サービス提供者 (the company operating the service).
    Provider,
    /// 導入事業者 (the company that introduced the service; seed 004's 乙).
    Integrator,
    /// The municipality itself (当局・本市・甲).
    Municipality,
}

impl ResponsibleParty {
    pub const ALL: [ResponsibleParty; 3] = [
        ResponsibleParty::Provider,
        ResponsibleParty::Integrator,
        ResponsibleParty::Municipality,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ResponsibleParty::Provider => "provider",
            ResponsibleParty::Integrator => "integrator",
            ResponsibleParty::Municipality => "municipality",
        }
    }

    pub fn parse(s: &str) -> Option<ResponsibleParty> {
        ResponsibleParty::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ResponsibleParty::Provider => "外部サービス提供者",
            ResponsibleParty::Integrator => "導入事業者",
            ResponsibleParty::Municipality => "当局（自治体）",
        }
    }
}

impl fmt::Display for ResponsibleParty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One kind of checklist item of a termination case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// The method of migrating the information assets to the next system.
    MigrationMethod,
    /// Returning / handing over the municipality's data.
    DataReturn,
    /// The municipality confirms it received the returned data.
    ReturnReceipt,
    /// Deleting all data, backups and replicas included.
    DataDeletion,
    /// The deletion method (e.g. cryptographic erasure).
    DeletionMethod,
    /// Disposing of media, equipment and documents.
    MediaDisposal,
    /// Disposing of every user account.
    UserAccounts,
    /// Deleting or returning the administrator accounts.
    AdminAccounts,
    /// Disposing of special accounts (storage accounts …) with their
    /// credentials.
    SpecialAccounts,
    /// The disposal report (情報の廃棄の実施報告書).
    DeletionReport,
}

impl ItemKind {
    /// Every kind, in checklist order.
    pub const ALL: [ItemKind; 10] = [
        ItemKind::MigrationMethod,
        ItemKind::DataReturn,
        ItemKind::ReturnReceipt,
        ItemKind::DataDeletion,
        ItemKind::DeletionMethod,
        ItemKind::MediaDisposal,
        ItemKind::UserAccounts,
        ItemKind::AdminAccounts,
        ItemKind::SpecialAccounts,
        ItemKind::DeletionReport,
    ];

    /// The stable id (snake_case), as in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::MigrationMethod => "migration_method",
            ItemKind::DataReturn => "data_return",
            ItemKind::ReturnReceipt => "return_receipt",
            ItemKind::DataDeletion => "data_deletion",
            ItemKind::DeletionMethod => "deletion_method",
            ItemKind::MediaDisposal => "media_disposal",
            ItemKind::UserAccounts => "user_accounts",
            ItemKind::AdminAccounts => "admin_accounts",
            ItemKind::SpecialAccounts => "special_accounts",
            ItemKind::DeletionReport => "deletion_report",
        }
    }

    pub fn parse(s: &str) -> Option<ItemKind> {
        ItemKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Position in the checklist (1-based).
    pub fn position(self) -> usize {
        ItemKind::ALL
            .iter()
            .position(|k| *k == self)
            .map_or(0, |i| i + 1)
    }

    /// The Japanese label, in the seeds' words.
    pub fn label(self) -> &'static str {
        match self {
            ItemKind::MigrationMethod => {
                "本市が求める他の外部サービス等（次期システム）への情報資産の移行方法"
            }
            ItemKind::DataReturn => {
                "提供を受けた情報・作成した情報を記録した資料等の返還・引渡し（データの回収）"
            }
            ItemKind::ReturnReceipt => "返還されたデータの受領と次期システムへの移行の確認",
            ItemKind::DataDeletion => {
                "外部サービスで取り扱った全ての情報の削除（バックアップ等により複製されたものを含む）"
            }
            ItemKind::DeletionMethod => {
                "削除の方法（暗号鍵の削除（暗号化消去）等により復元困難な状態とする方法）"
            }
            ItemKind::MediaDisposal => {
                "基盤となる装置・記憶媒体・書類の処分（漏えいが発生しない方法での廃棄）"
            }
            ItemKind::UserAccounts => "利用者アカウントのすべての廃棄",
            ItemKind::AdminAccounts => "管理者アカウントの削除・返却",
            ItemKind::SpecialAccounts => {
                "特殊なアカウント（ストレージアカウントなど）の関連情報（資格情報等）を含めた廃棄"
            }
            ItemKind::DeletionReport => "情報の廃棄の実施報告書の提出",
        }
    }

    /// Where the duty comes from (catalog id and requirement id).
    pub fn seed_refs(self) -> &'static [&'static str] {
        match self {
            ItemKind::MigrationMethod => &["seed-001 AST-01 ①", "seed-004 DISP-02"],
            ItemKind::DataReturn => &["seed-004 RETURN", "seed-004 DISP-02"],
            ItemKind::ReturnReceipt => &["seed-004 DISP-02"],
            ItemKind::DataDeletion => &[
                "seed-003 4-1",
                "seed-001 AST-01 ②",
                "seed-000 TRM-01",
                "seed-004 RETURN",
                "seed-004 DISP-01",
            ],
            ItemKind::DeletionMethod => &["seed-003 4-1", "seed-001 AST-01 ②"],
            ItemKind::MediaDisposal => &["seed-003 4-2", "seed-001 AST-02", "seed-000 TRM-01"],
            ItemKind::UserAccounts => &["seed-000 TRM-02"],
            ItemKind::AdminAccounts => &["seed-000 TRM-03"],
            ItemKind::SpecialAccounts => &["seed-003 4-4"],
            ItemKind::DeletionReport => &["seed-003 4-3"],
        }
    }

    /// Who answers for the item unless the case says otherwise. The seeds
    /// put deletion, disposal and accounts on the provider (seed 003 4.,
    /// seed 001 情報資産); seed 004 puts returning the data on 乙, the
    /// contractor (the integrator); receiving it is the municipality's.
    pub fn default_party(self) -> ResponsibleParty {
        match self {
            ItemKind::DataReturn => ResponsibleParty::Integrator,
            ItemKind::ReturnReceipt => ResponsibleParty::Municipality,
            _ => ResponsibleParty::Provider,
        }
    }

    /// Whether the case can close only with this item signed off. Special
    /// accounts are asked for only 「がある場合は」 (seed 003 4.(4)).
    pub fn required(self) -> bool {
        !matches!(self, ItemKind::SpecialAccounts)
    }
}

impl fmt::Display for ItemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a checklist item is in its life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    /// Nothing submitted yet.
    Pending,
    /// Submitted, waiting for the reviewer.
    Submitted,
    /// Sent back by the reviewer with a comment.
    Returned,
    /// Signed off by the reviewer (final).
    SignedOff,
}

impl ItemState {
    pub const ALL: [ItemState; 4] = [
        ItemState::Pending,
        ItemState::Submitted,
        ItemState::Returned,
        ItemState::SignedOff,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ItemState::Pending => "pending",
            ItemState::Submitted => "submitted",
            ItemState::Returned => "returned",
            ItemState::SignedOff => "signed_off",
        }
    }

    pub fn parse(s: &str) -> Option<ItemState> {
        ItemState::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ItemState::Pending => "未提出",
            ItemState::Submitted => "提出済み（確認待ち）",
            ItemState::Returned => "差戻し",
            ItemState::SignedOff => "確認済み",
        }
    }
}

/// What is done to an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemAction {
    /// The responsible party submits (or re-submits) its note and evidence.
    Submit,
    /// The reviewer signs the item off.
    SignOff,
    /// The reviewer sends it back with a comment.
    Return,
}

impl ItemAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemAction::Submit => "submit",
            ItemAction::SignOff => "sign_off",
            ItemAction::Return => "return",
        }
    }
}

/// Why a termination rule refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TerminationError {
    /// The action is not allowed in the item's state.
    #[error(
        "項目「{kind}」は{}の状態のため、この操作（{}）はできません (not allowed in state {})",
        from.label(), action.as_str(), from.as_str()
    )]
    InvalidTransition {
        kind: ItemKind,
        from: ItemState,
        action: ItemAction,
    },
    /// Returning an item needs a reason.
    #[error("差し戻す場合は理由 (comment) を入力してください (comment required)")]
    CommentRequired,
    /// The case is closed; nothing changes any more.
    #[error("終了手続は完了（クローズ）済みのため変更できません (case closed)")]
    CaseClosed,
    /// The effective date is before the notice.
    #[error(
        "終了日 {effective_on} が告知日 {announced_on} より前です (effective date before the notice)"
    )]
    EffectiveBeforeNotice {
        announced_on: Date,
        effective_on: Date,
    },
    #[error(transparent)]
    Date(#[from] OversightError),
}

/// The state an item moves to when `action` is applied in state `from`:
/// pending → submitted → signed_off, or submitted → returned → submitted
/// again. A submitted item may be re-submitted (replacing what waits for
/// review); a signed-off item is final.
pub fn transition(
    kind: ItemKind,
    from: ItemState,
    action: ItemAction,
) -> Result<ItemState, TerminationError> {
    use ItemAction as A;
    use ItemState as S;
    match (from, action) {
        (S::Pending | S::Submitted | S::Returned, A::Submit) => Ok(S::Submitted),
        (S::Submitted, A::SignOff) => Ok(S::SignedOff),
        (S::Submitted, A::Return) => Ok(S::Returned),
        _ => Err(TerminationError::InvalidTransition { kind, from, action }),
    }
}

/// Applies a reviewer's decision: a return needs a non-blank comment.
pub fn review(
    kind: ItemKind,
    from: ItemState,
    action: ItemAction,
    comment: Option<&str>,
) -> Result<ItemState, TerminationError> {
    if action == ItemAction::Return && comment.is_none_or(|c| c.trim().is_empty()) {
        return Err(TerminationError::CommentRequired);
    }
    transition(kind, from, action)
}

/// One item as the closure check sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemFacts {
    pub kind: ItemKind,
    pub required: bool,
    pub state: ItemState,
}

/// What still stands between a case and its closure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Closure {
    /// Every required item not signed off yet, in checklist order.
    pub unsigned_items: Vec<ItemKind>,
    /// Whether the vendor's deletion certificate is recorded.
    pub certificate_recorded: bool,
}

impl Closure {
    /// The case may close.
    pub fn ready(&self) -> bool {
        self.unsigned_items.is_empty() && self.certificate_recorded
    }

    /// What is missing, in Japanese, one line each.
    pub fn missing(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .unsigned_items
            .iter()
            .map(|k| format!("{}（{}）: 確認済みでない", k.label(), k.as_str()))
            .collect();
        if !self.certificate_recorded {
            out.push("データ消去証明書が記録されていない".to_owned());
        }
        out
    }
}

/// The closure check: every required item signed off and the deletion
/// certificate recorded.
pub fn closure(items: &[ItemFacts], certificate_recorded: bool) -> Closure {
    let mut unsigned_items: Vec<ItemKind> = items
        .iter()
        .filter(|i| i.required && i.state != ItemState::SignedOff)
        .map(|i| i.kind)
        .collect();
    unsigned_items.sort_by_key(|k| k.position());
    Closure {
        unsigned_items,
        certificate_recorded,
    }
}

/// The termination notice against seed 003 1.(3) 「1か月前までに」.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NoticeCheck {
    #[serde(with = "crate::oversight::day")]
    pub announced_on: Date,
    #[serde(with = "crate::oversight::day")]
    pub effective_on: Date,
    /// The last day the notice could be given ([`notice_deadline`]).
    #[serde(with = "crate::oversight::day")]
    pub deadline: Date,
    /// Announced on or before the deadline.
    pub on_time: bool,
}

impl NoticeCheck {
    /// The finding in Japanese.
    pub fn message(&self) -> String {
        if self.on_time {
            format!(
                "終了の告知（{}）は 1 か月前（{}）までに行われています",
                self.announced_on, self.deadline
            )
        } else {
            format!(
                "終了の告知（{}）が 1 か月前（{}）までに行われていません（終了日 {}、seed-003 1-3）",
                self.announced_on, self.deadline, self.effective_on
            )
        }
    }
}

/// Checks the notice: `announced_on` must not be after one calendar month
/// before `effective_on` (the rule of [`notice_deadline`], shared with the
/// oversight alerts). An effective date before the notice is an error.
pub fn notice_check(
    announced_on: Date,
    effective_on: Date,
) -> Result<NoticeCheck, TerminationError> {
    if effective_on < announced_on {
        return Err(TerminationError::EffectiveBeforeNotice {
            announced_on,
            effective_on,
        });
    }
    let deadline = notice_deadline(effective_on)?;
    Ok(NoticeCheck {
        announced_on,
        effective_on,
        deadline,
        on_time: announced_on <= deadline,
    })
}

/// Refuses a change to a closed case.
pub fn ensure_open(closed: bool) -> Result<(), TerminationError> {
    if closed {
        Err(TerminationError::CaseClosed)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn kinds_have_unique_stable_ids_labels_and_seed_references() {
        let ids: std::collections::BTreeSet<&str> =
            ItemKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(ids.len(), ItemKind::ALL.len());
        for k in ItemKind::ALL {
            assert_eq!(ItemKind::parse(k.as_str()), Some(k));
            assert!(!k.label().is_empty());
            assert!(!k.seed_refs().is_empty(), "{k}");
            assert!(k.seed_refs().iter().all(|r| r.starts_with("seed-00")));
            assert_eq!(serde_json::to_value(k).ok(), Some(k.as_str().into()));
        }
        assert_eq!(ItemKind::parse("nope"), None);
        assert_eq!(ItemKind::MigrationMethod.position(), 1);
        assert_eq!(ItemKind::DeletionReport.position(), 10);
        assert!(ItemKind::DeletionMethod.label().contains("暗号化消去"));
        assert!(ItemKind::DataDeletion.label().contains("バックアップ"));
        assert!(ItemKind::SpecialAccounts.label().contains("資格情報"));
        assert_eq!(
            ItemKind::ReturnReceipt.default_party(),
            ResponsibleParty::Municipality
        );
        assert_eq!(
            ItemKind::DataReturn.default_party(),
            ResponsibleParty::Integrator
        );
        assert_eq!(
            ItemKind::DataDeletion.default_party(),
            ResponsibleParty::Provider
        );
        assert!(!ItemKind::SpecialAccounts.required());
        assert!(ItemKind::DeletionReport.required());
    }

    #[test]
    fn items_move_pending_submitted_signed_off_or_returned_and_back() {
        let k = ItemKind::DataDeletion;
        let s = transition(k, ItemState::Pending, ItemAction::Submit);
        assert_eq!(s, Ok(ItemState::Submitted));
        assert_eq!(
            transition(k, ItemState::Submitted, ItemAction::Return),
            Ok(ItemState::Returned)
        );
        assert_eq!(
            transition(k, ItemState::Returned, ItemAction::Submit),
            Ok(ItemState::Submitted)
        );
        assert_eq!(
            transition(k, ItemState::Submitted, ItemAction::SignOff),
            Ok(ItemState::SignedOff)
        );
        // Nothing moves a signed-off item, nor is an unsubmitted one reviewed.
        for action in [ItemAction::Submit, ItemAction::SignOff, ItemAction::Return] {
            assert!(matches!(
                transition(k, ItemState::SignedOff, action),
                Err(TerminationError::InvalidTransition { .. })
            ));
        }
        for from in [ItemState::Pending, ItemState::Returned] {
            for action in [ItemAction::SignOff, ItemAction::Return] {
                assert_eq!(
                    transition(k, from, action),
                    Err(TerminationError::InvalidTransition {
                        kind: k,
                        from,
                        action
                    })
                );
            }
        }
    }

    #[test]
    fn a_return_needs_a_comment() {
        let k = ItemKind::AdminAccounts;
        for blank in [None, Some(""), Some("  ")] {
            assert_eq!(
                review(k, ItemState::Submitted, ItemAction::Return, blank),
                Err(TerminationError::CommentRequired)
            );
        }
        assert_eq!(
            review(
                k,
                ItemState::Submitted,
                ItemAction::Return,
                Some("証跡不足")
            ),
            Ok(ItemState::Returned)
        );
        assert_eq!(
            review(k, ItemState::Submitted, ItemAction::SignOff, None),
            Ok(ItemState::SignedOff)
        );
        let e = review(k, ItemState::Pending, ItemAction::SignOff, None);
        assert!(e.is_err_and(|e| e.to_string().contains("未提出")));
    }

    #[test]
    fn closure_lists_every_unsigned_required_item_and_the_certificate() {
        let mut items: Vec<ItemFacts> = ItemKind::ALL
            .iter()
            .rev()
            .map(|&kind| ItemFacts {
                kind,
                required: kind.required(),
                state: ItemState::Pending,
            })
            .collect();
        let c = closure(&items, false);
        assert!(!c.ready());
        assert_eq!(c.unsigned_items.len(), 9);
        assert_eq!(c.unsigned_items[0], ItemKind::MigrationMethod);
        assert!(!c.unsigned_items.contains(&ItemKind::SpecialAccounts));
        assert_eq!(c.missing().len(), 10);
        assert!(c.missing()[9].contains("データ消去証明書"));
        for i in &mut items {
            if i.kind != ItemKind::UserAccounts {
                i.state = ItemState::SignedOff;
            }
        }
        items[0].state = ItemState::Submitted; // deletion_report
        let c = closure(&items, true);
        assert_eq!(
            c.unsigned_items,
            [ItemKind::UserAccounts, ItemKind::DeletionReport]
        );
        assert!(!c.ready());
        items[0].state = ItemState::SignedOff;
        for i in &mut items {
            if i.kind == ItemKind::UserAccounts {
                i.state = ItemState::SignedOff;
            }
        }
        assert!(closure(&items, true).ready());
        assert!(!closure(&items, false).ready());
        // An optional item left pending does not hold the case open.
        for i in &mut items {
            if i.kind == ItemKind::SpecialAccounts {
                i.state = ItemState::Pending;
            }
        }
        assert!(closure(&items, true).ready());
    }

    #[test]
    fn the_notice_is_checked_against_the_shared_one_month_rule() {
        let c = notice_check(date(2026, 4, 30), date(2026, 5, 31));
        let c = c.ok();
        assert_eq!(
            c.map(|c| (c.deadline, c.on_time)),
            Some((date(2026, 4, 30), true))
        );
        let late = notice_check(date(2026, 5, 1), date(2026, 5, 31)).ok();
        assert_eq!(late.map(|c| c.on_time), Some(false));
        assert!(late.is_some_and(|c| c.message().contains("行われていません")));
        // Month ends: 3/31 → 2/28 (notice_deadline's rule).
        let c = notice_check(date(2026, 2, 28), date(2026, 3, 31)).ok();
        assert_eq!(c.map(|c| c.on_time), Some(true));
        let c = notice_check(date(2026, 3, 1), date(2026, 3, 31)).ok();
        assert_eq!(c.map(|c| c.on_time), Some(false));
        assert_eq!(
            notice_deadline(date(2026, 3, 31)).ok(),
            notice_check(date(2026, 1, 1), date(2026, 3, 31))
                .ok()
                .map(|c| c.deadline)
        );
        assert!(matches!(
            notice_check(date(2026, 6, 1), date(2026, 5, 31)),
            Err(TerminationError::EffectiveBeforeNotice { .. })
        ));
        assert_eq!(ensure_open(true), Err(TerminationError::CaseClosed));
        assert_eq!(ensure_open(false), Ok(()));
    }
}

//! Contract deliverables (納品物・提出物): what the vendor must hand in, for
//! which period, by when, and whether it did.
//!
//! Each [`DeliverableKind`] has a cadence (once, monthly, per fiscal year),
//! a default due rule and, where a seed lists what the document must
//! contain, a checklist that every submitted version answers. A reviewer
//! may set a concrete due date per service and period (or mark one not
//! required); [`statuses`] merges those with the default rules into the
//! list of expected deliverables and their state as of a day.

use std::collections::BTreeMap;
use std::fmt;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::settings::SlaSettings;
use super::{FieldError, Month, OversightError, check_text, trim};
use crate::calendar::ClosedDayCalendar;
use crate::sla::{FiscalYear, tokyo_date};

/// How many months or fiscal years of default expectations are listed at
/// most (the most recent ones).
const MAX_PERIODS: usize = 240;

/// How often a deliverable is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cadence {
    /// Once (re-submitted when its content changes).
    Once,
    /// Every month.
    Monthly,
    /// Every fiscal year (年度).
    FiscalYear,
}

/// One entry of a deliverable's content checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ChecklistItem {
    pub key: &'static str,
    pub label: &'static str,
}

const fn item(key: &'static str, label: &'static str) -> ChecklistItem {
    ChecklistItem { key, label }
}

/// Seed 004 (サービス実施計画書): the contents the plan must state.
pub const IMPLEMENTATION_PLAN_CONTENTS: &[ChecklistItem] = &[
    item(
        "capital_and_officers",
        "乙（再委託先を含む。）の資本関係、役員等の情報",
    ),
    item("organisation", "本サービスの実施体制"),
    item(
        "content_and_schedule",
        "本サービスの実施内容と実施スケジュール",
    ),
    item("contacts", "連絡体制（障害対応等の緊急時を含む。）"),
    item("security_plan", "セキュリティ対策実施計画"),
    item("security_organisation", "セキュリティ対策の実施体制"),
    item(
        "security_measures",
        "セキュリティ対策の内容（主に技術的対策）",
    ),
    item(
        "training",
        "本サービスの従事者全員へのセキュリティ教育・研修の内容とスケジュール",
    ),
    item(
        "audit",
        "セキュリティ監査の内容とスケジュール（第三者が実施する場合は実施機関名も記載）",
    ),
    item(
        "certifications",
        "情報セキュリティに関する認証等を取得している場合は当該認証等の内容",
    ),
    item("other", "その他必要な事項"),
];

/// Seed 004 (サービス実績報告書 and サービスレベルの保証): what the monthly
/// report states.
pub const MONTHLY_REPORT_CONTENTS: &[ChecklistItem] = &[
    item("performance", "本サービスの実施実績"),
    item("usage", "サービス利用状況（稼働状況）"),
    item(
        "failures_and_incidents",
        "障害・インシデント管理（発生日時、内容、対応（恒久対策も含む。））",
    ),
    item(
        "inquiries",
        "問合せ管理（問合せ日時、問合せ者、問合せ内容、回答日時、回答者、回答内容）",
    ),
    item("issues_and_risks", "課題・リスク管理"),
    item(
        "security_plan_status",
        "「セキュリティ対策実施計画」の実施状況",
    ),
    item("sla", "サービスレベルの目標達成状況と根拠資料"),
    item("other", "その他必要な事項"),
];

/// Seed 001 (情報資産): the end-of-use document, submitted before use.
pub const EXIT_PLAN_CONTENTS: &[ChecklistItem] = &[
    item(
        "migration",
        "外部サービスの利用を終了する際の、本市が求める他の外部サービス等への情報資産の移行方法",
    ),
    item(
        "deletion",
        "複製を含む全ての情報資産の再利用が不可能な方法での削除及びその証明書の提出",
    ),
];

/// Seed 003 1.(8): what the municipality must be told about
/// subcontractors.
pub const SUBCONTRACTOR_CONTENTS: &[ChecklistItem] = &[
    item("company", "再委託先事業者情報"),
    item("work", "再委託内容"),
    item("security_officer", "再委託先の情報セキュリティ責任者"),
    item("personal_info_manager", "再委託先の個人情報管理者"),
    item("staff", "再委託先の従事者の情報"),
];

/// What the vendor hands in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliverableKind {
    /// サービス実施計画書 (seed 004), re-submitted whenever it changes.
    ImplementationPlan,
    /// サービス実績報告書 (seed 004), every month.
    MonthlyReport,
    /// 第三者機関のセキュリティ監査の結果 (seed 000: at least yearly).
    AuditReport,
    /// 情報セキュリティポリシー (seed 001 基本情報).
    SecurityPolicy,
    /// 情報セキュリティ対策の具体的な対策を定めた資料 (seed 001 基本情報).
    SecurityMeasures,
    /// 外部サービス利用の終了に関する文書: migration and certified deletion,
    /// before use (seed 001 情報資産).
    ExitPlan,
    /// サポート体制図・問合せ窓口 (seed 000 事業者体制).
    SupportStructure,
    /// 秘密保持に関する誓約書・NDA (seed 000 事業者体制).
    Confidentiality,
    /// 再委託先の情報 (seed 003 1.(8)); expected when the service record
    /// lists subcontractors.
    SubcontractorInfo,
}

impl DeliverableKind {
    pub const ALL: [DeliverableKind; 9] = [
        DeliverableKind::ImplementationPlan,
        DeliverableKind::MonthlyReport,
        DeliverableKind::AuditReport,
        DeliverableKind::SecurityPolicy,
        DeliverableKind::SecurityMeasures,
        DeliverableKind::ExitPlan,
        DeliverableKind::SupportStructure,
        DeliverableKind::Confidentiality,
        DeliverableKind::SubcontractorInfo,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliverableKind::ImplementationPlan => "implementation_plan",
            DeliverableKind::MonthlyReport => "monthly_report",
            DeliverableKind::AuditReport => "audit_report",
            DeliverableKind::SecurityPolicy => "security_policy",
            DeliverableKind::SecurityMeasures => "security_measures",
            DeliverableKind::ExitPlan => "exit_plan",
            DeliverableKind::SupportStructure => "support_structure",
            DeliverableKind::Confidentiality => "confidentiality",
            DeliverableKind::SubcontractorInfo => "subcontractor_info",
        }
    }

    pub fn parse(s: &str) -> Option<DeliverableKind> {
        DeliverableKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            DeliverableKind::ImplementationPlan => "サービス実施計画書",
            DeliverableKind::MonthlyReport => "サービス実績報告書（月次報告）",
            DeliverableKind::AuditReport => "第三者機関によるセキュリティ監査の結果",
            DeliverableKind::SecurityPolicy => "情報セキュリティポリシー",
            DeliverableKind::SecurityMeasures => "情報セキュリティ対策の具体的な対策を定めた資料",
            DeliverableKind::ExitPlan => {
                "外部サービス利用の終了に関する文書（移行方法・削除と証明書）"
            }
            DeliverableKind::SupportStructure => "サポート体制図・問合せ窓口",
            DeliverableKind::Confidentiality => "秘密保持に関する誓約書・秘密保持契約 (NDA)",
            DeliverableKind::SubcontractorInfo => "再委託先の情報",
        }
    }

    /// Where the duty comes from.
    pub fn source(self) -> &'static str {
        match self {
            DeliverableKind::ImplementationPlan => "seed-004 サービス実施計画書",
            DeliverableKind::MonthlyReport => "seed-004 サービス実績報告書・サービスレベルの保証",
            DeliverableKind::AuditReport => "seed-000 監査（年1回以上の監査実施、監査結果を提出）",
            DeliverableKind::SecurityPolicy | DeliverableKind::SecurityMeasures => {
                "seed-001 基本情報"
            }
            DeliverableKind::ExitPlan => "seed-001 情報資産（サービス利用前に文書で提出）",
            DeliverableKind::SupportStructure => "seed-000 事業者体制（サポート体制図の提出）",
            DeliverableKind::Confidentiality => "seed-000 事業者体制（誓約書の提出・NDA の締結）",
            DeliverableKind::SubcontractorInfo => "seed-003 1.(8)",
        }
    }

    pub fn cadence(self) -> Cadence {
        match self {
            DeliverableKind::MonthlyReport => Cadence::Monthly,
            DeliverableKind::AuditReport => Cadence::FiscalYear,
            _ => Cadence::Once,
        }
    }

    /// What each version must state (empty: no checklist).
    pub fn checklist(self) -> &'static [ChecklistItem] {
        match self {
            DeliverableKind::ImplementationPlan => IMPLEMENTATION_PLAN_CONTENTS,
            DeliverableKind::MonthlyReport => MONTHLY_REPORT_CONTENTS,
            DeliverableKind::ExitPlan => EXIT_PLAN_CONTENTS,
            DeliverableKind::SubcontractorInfo => SUBCONTRACTOR_CONTENTS,
            _ => &[],
        }
    }

    /// The default due rule in words.
    pub fn due_rule(self) -> &'static str {
        match self.cadence() {
            Cadence::Once => "契約開始日まで（利用開始前）",
            Cadence::Monthly => {
                "翌月の第 N 開庁日まで（N は SLA 設定の monthly_report_open_day、既定 10）"
            }
            Cadence::FiscalYear => "年度末（3月31日）まで",
        }
    }
}

impl fmt::Display for DeliverableKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which instance of a deliverable: `once`, a month `YYYY-MM`, or a fiscal
/// year `FY2026` (2026-04-01 to 2027-03-31).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Period {
    Once,
    Month(Month),
    FiscalYear(FiscalYear),
}

impl Period {
    pub fn parse(text: &str) -> Option<Period> {
        if text == "once" {
            return Some(Period::Once);
        }
        if let Some(y) = text.strip_prefix("FY") {
            if y.len() != 4 || !y.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let year: i16 = y.parse().ok()?;
            return (1900..=2999)
                .contains(&year)
                .then_some(Period::FiscalYear(FiscalYear(year)));
        }
        Month::parse(text).map(Period::Month)
    }

    /// The period parsed for `kind`, or a message saying what it takes.
    pub fn parse_for(kind: DeliverableKind, text: &str) -> Result<Period, FieldError> {
        let period = Period::parse(text);
        match (kind.cadence(), period) {
            (Cadence::Once, Some(p @ Period::Once))
            | (Cadence::Monthly, Some(p @ Period::Month(_)))
            | (Cadence::FiscalYear, Some(p @ Period::FiscalYear(_))) => Ok(p),
            (cadence, _) => Err(FieldError::new(
                "period",
                format!(
                    "{} の期間は {} で指定してください（`{text}` は使えません）",
                    kind.label(),
                    match cadence {
                        Cadence::Once => "once",
                        Cadence::Monthly => "YYYY-MM（対象月）",
                        Cadence::FiscalYear => "FY 年（例: FY2026 = 2026年度）",
                    }
                ),
            )),
        }
    }

    /// `2026年5月`, `2026年度`, or empty for `once`.
    pub fn label(self) -> String {
        match self {
            Period::Once => String::new(),
            Period::Month(m) => m.label(),
            Period::FiscalYear(y) => y.to_string(),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Once => f.write_str("once"),
            Period::Month(m) => m.fmt(f),
            Period::FiscalYear(y) => write!(f, "FY{:04}", y.0),
        }
    }
}

impl Serialize for Period {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

// ---------------------------------------------------------------------------
// Versions

/// A submitted version: a note, the evidence files kijun already stores
/// (their ids), the checklist of contents, and for a monthly report the
/// improvement plan an SLA miss requires.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionInput {
    #[serde(default)]
    pub note: String,
    /// Ids of evidence files (証跡ファイル) stored in kijun.
    #[serde(default)]
    pub evidence_ids: Vec<String>,
    /// Checklist key → whether this version states it (keys of
    /// [`DeliverableKind::checklist`]; those left out are `false`).
    #[serde(default)]
    pub checklist: BTreeMap<String, bool>,
    /// 改善策 (seed 004: required when an SLA target was missed in the
    /// month); monthly reports only.
    #[serde(default)]
    pub improvement_plan: String,
    /// The vendor's own SLA figures for the month (monthly reports only);
    /// the monthly report shows where they differ from kijun's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported_figures: Option<super::figures::ReportedFigures>,
}

impl VersionInput {
    /// Checks the version of a `kind` deliverable.
    pub fn validate(&self, kind: DeliverableKind) -> Result<(), FieldError> {
        check_text("note", "備考", &self.note, super::records::LONG_TEXT, false)?;
        if self.evidence_ids.len() > 50 {
            return Err(FieldError::new(
                "evidence_ids",
                "証跡ファイル (evidence_ids) は 50 件までです",
            ));
        }
        for (i, id) in self.evidence_ids.iter().enumerate() {
            if id.trim().is_empty() || self.evidence_ids[..i].contains(id) {
                return Err(FieldError::new(
                    "evidence_ids",
                    format!("証跡ファイルの ID `{id}` が空か重複しています"),
                ));
            }
        }
        let known = kind.checklist();
        for key in self.checklist.keys() {
            if !known.iter().any(|c| c.key == key) {
                return Err(FieldError::new(
                    format!("checklist.{key}"),
                    format!(
                        "{} の記載事項に `{key}` はありません（使えるのは {}）",
                        kind.label(),
                        if known.is_empty() {
                            "なし".to_owned()
                        } else {
                            known.iter().map(|c| c.key).collect::<Vec<_>>().join(", ")
                        }
                    ),
                ));
            }
        }
        if kind != DeliverableKind::MonthlyReport && !self.improvement_plan.trim().is_empty() {
            return Err(FieldError::new(
                "improvement_plan",
                "改善策 (improvement_plan) は月次報告にだけ記載できます",
            ));
        }
        check_text(
            "improvement_plan",
            "改善策",
            &self.improvement_plan,
            super::records::LONG_TEXT,
            false,
        )?;
        match &self.reported_figures {
            Some(_) if kind != DeliverableKind::MonthlyReport => Err(FieldError::new(
                "reported_figures",
                "SLA の報告値 (reported_figures) は月次報告にだけ記載できます",
            )),
            Some(f) => f.validate(),
            None => Ok(()),
        }
    }

    /// Trims texts and lists every checklist key of `kind` (missing ones
    /// as `false`).
    pub fn normalise(&mut self, kind: DeliverableKind) {
        trim(&mut self.note);
        trim(&mut self.improvement_plan);
        for id in &mut self.evidence_ids {
            trim(id);
        }
        for c in kind.checklist() {
            self.checklist.entry(c.key.to_owned()).or_insert(false);
        }
    }
}

/// Where a version is in its review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionState {
    /// Waiting for the reviewer.
    Submitted,
    /// Accepted by the reviewer (受理).
    Accepted,
    /// Returned with a comment (差戻し); the vendor submits a new version.
    Returned,
    /// Replaced by a newer version before it was reviewed.
    Superseded,
}

impl VersionState {
    pub fn as_str(self) -> &'static str {
        match self {
            VersionState::Submitted => "submitted",
            VersionState::Accepted => "accepted",
            VersionState::Returned => "returned",
            VersionState::Superseded => "superseded",
        }
    }

    pub fn parse(s: &str) -> Option<VersionState> {
        [
            VersionState::Submitted,
            VersionState::Accepted,
            VersionState::Returned,
            VersionState::Superseded,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

// ---------------------------------------------------------------------------
// Due rules and status

/// What the default due rules need to know about a service.
#[derive(Debug, Clone, Copy)]
pub struct DueContext<'a> {
    /// The contract's start (service record); one-off documents are due by
    /// then, monthly reports start with its month.
    pub contract_start: Option<Date>,
    /// The contract's end; no default expectation after its month and
    /// fiscal year.
    pub contract_end: Option<Date>,
    /// Whether the service record lists subcontractors.
    pub has_subcontractors: bool,
    pub settings: &'a SlaSettings,
    pub calendar: &'a ClosedDayCalendar,
}

/// The `n`-th open day (開庁日) of `month` (n ≥ 1; 0 is taken as 1).
pub fn nth_open_day(
    month: Month,
    n: u8,
    calendar: &ClosedDayCalendar,
) -> Result<Date, OversightError> {
    let mut day = calendar.first_open_day_from(month.first_day()?)?;
    for _ in 1..n.max(1) {
        day = calendar.next_open_day(day)?;
    }
    Ok(day)
}

/// The default due date of `kind` for `period`: once → the contract's
/// start (unknown → `None`); a month → the `monthly_report_open_day`-th
/// open day of the next month; a fiscal year → its last day (31 March).
pub fn default_due(
    _kind: DeliverableKind,
    period: Period,
    ctx: &DueContext<'_>,
) -> Result<Option<Date>, OversightError> {
    Ok(match period {
        Period::Once => ctx.contract_start,
        Period::Month(m) => Some(nth_open_day(
            m.next(),
            ctx.settings.monthly_report_open_day,
            ctx.calendar,
        )?),
        Period::FiscalYear(y) => Some(y.last_day()?),
    })
}

/// A deliverable as stored: the reviewer's due date and requirement for
/// one period, and the versions submitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliverableFacts {
    pub kind: DeliverableKind,
    pub period: Period,
    /// Set by a reviewer; `None`: the default rule.
    pub due: Option<Date>,
    /// `false`: the reviewer waived it.
    pub required: bool,
    /// Oldest first.
    pub versions: Vec<VersionFacts>,
}

/// What the rules need of a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VersionFacts {
    pub version: u32,
    pub submitted_at: Timestamp,
    pub state: VersionState,
    /// The version states an improvement plan.
    pub has_improvement_plan: bool,
}

/// A deliverable's state as of a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliverableState {
    /// Waived by the reviewer.
    NotRequired,
    /// Nothing submitted yet, not due yet (or no due date known).
    Upcoming,
    /// Nothing (accepted or waiting) submitted and the due date has passed.
    Missing,
    /// The latest version waits for the reviewer.
    Submitted,
    /// The latest version was accepted.
    Accepted,
    /// The latest version was returned, not yet due again.
    Returned,
}

/// An expected deliverable and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliverableStatus {
    pub kind: DeliverableKind,
    pub period: Period,
    pub label: String,
    pub source: &'static str,
    /// The due date in force (the reviewer's, else the default rule's);
    /// `null` when neither gives one.
    #[serde(with = "super::opt_day")]
    pub due: Option<Date>,
    /// Whether a reviewer set the due date.
    pub due_set_by_reviewer: bool,
    pub required: bool,
    pub state: DeliverableState,
    /// When the first version was submitted.
    pub first_submitted_at: Option<Timestamp>,
    /// Whether the first version came by the due date (Asia/Tokyo date ≤
    /// due); `null` until something is submitted or without a due date.
    pub on_time: Option<bool>,
    pub latest_version: Option<u32>,
}

fn periods_between(first: Month, last: Month) -> Vec<Month> {
    let mut months = Vec::new();
    let mut m = first;
    while m <= last {
        months.push(m);
        m = m.next();
    }
    let skip = months.len().saturating_sub(MAX_PERIODS);
    months.split_off(skip)
}

/// The deliverables expected of a service as of `today` by the default
/// rules, without stored facts: the one-off documents, a monthly report
/// for each month from `reports_from` (or the contract start's month) to
/// this month, and an audit report for each fiscal year from the contract
/// start's to this one — never past the contract end.
pub fn default_expectations(ctx: &DueContext<'_>, today: Date) -> Vec<(DeliverableKind, Period)> {
    let mut out = Vec::new();
    for kind in DeliverableKind::ALL {
        if kind.cadence() == Cadence::Once
            && (kind != DeliverableKind::SubcontractorInfo || ctx.has_subcontractors)
        {
            out.push((kind, Period::Once));
        }
    }
    let this_month = Month::of(today);
    let last_month = ctx
        .contract_end
        .map_or(this_month, |end| this_month.min(Month::of(end)));
    let first_month = ctx
        .settings
        .reports_from
        .or(ctx.contract_start.map(Month::of));
    if let Some(first) = first_month {
        for m in periods_between(first, last_month) {
            out.push((DeliverableKind::MonthlyReport, Period::Month(m)));
        }
    }
    if let Some(start) = ctx.contract_start {
        let this_year = FiscalYear::of_date(today);
        let last = ctx
            .contract_end
            .map_or(this_year, |end| this_year.min(FiscalYear::of_date(end)));
        let mut y = FiscalYear::of_date(start);
        let mut years = Vec::new();
        while y <= last {
            years.push(y);
            y = FiscalYear(y.0.saturating_add(1));
        }
        let skip = years.len().saturating_sub(MAX_PERIODS);
        for y in years.split_off(skip) {
            out.push((DeliverableKind::AuditReport, Period::FiscalYear(y)));
        }
    }
    out
}

/// Every expected deliverable (the default expectations and every stored
/// one) with its due date and state as of `today`, by kind and period.
pub fn statuses(
    ctx: &DueContext<'_>,
    facts: &[DeliverableFacts],
    today: Date,
) -> Result<Vec<DeliverableStatus>, OversightError> {
    let mut keys: BTreeMap<(DeliverableKind, Period), Option<&DeliverableFacts>> = BTreeMap::new();
    for key in default_expectations(ctx, today) {
        keys.insert(key, None);
    }
    for f in facts {
        keys.insert((f.kind, f.period), Some(f));
    }
    let mut out = Vec::with_capacity(keys.len());
    for ((kind, period), fact) in keys {
        let reviewer_due = fact.and_then(|f| f.due);
        let due = match reviewer_due {
            Some(d) => Some(d),
            None => default_due(kind, period, ctx)?,
        };
        let required = fact.is_none_or(|f| f.required);
        let versions = fact.map_or(&[][..], |f| f.versions.as_slice());
        let latest = versions.iter().max_by_key(|v| v.version);
        let first = versions.iter().min_by_key(|v| v.version);
        let overdue = due.is_some_and(|d| today > d);
        let state = if !required {
            DeliverableState::NotRequired
        } else {
            match latest.map(|v| v.state) {
                Some(VersionState::Accepted) => DeliverableState::Accepted,
                Some(VersionState::Submitted | VersionState::Superseded) => {
                    DeliverableState::Submitted
                }
                Some(VersionState::Returned) if overdue => DeliverableState::Missing,
                Some(VersionState::Returned) => DeliverableState::Returned,
                None if overdue => DeliverableState::Missing,
                None => DeliverableState::Upcoming,
            }
        };
        let first_submitted_at = first.map(|v| v.submitted_at);
        let on_time = match (first_submitted_at, due) {
            (Some(at), Some(d)) => Some(tokyo_date(at) <= d),
            _ => None,
        };
        let period_label = period.label();
        out.push(DeliverableStatus {
            kind,
            period,
            label: if period_label.is_empty() {
                kind.label().to_owned()
            } else {
                format!("{}（{period_label}）", kind.label())
            },
            source: kind.source(),
            due,
            due_set_by_reviewer: reviewer_due.is_some(),
            required,
            state,
            first_submitted_at,
            on_time,
            latest_version: latest.map(|v| v.version),
        });
    }
    Ok(out)
}

/// The latest version of a month's report states an improvement plan and
/// is not returned.
pub fn has_improvement_plan(facts: &[DeliverableFacts], month: Month) -> bool {
    facts
        .iter()
        .find(|f| f.kind == DeliverableKind::MonthlyReport && f.period == Period::Month(month))
        .and_then(|f| f.versions.iter().max_by_key(|v| v.version))
        .is_some_and(|v| v.has_improvement_plan && v.state != VersionState::Returned)
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    fn ctx<'a>(
        settings: &'a SlaSettings,
        calendar: &'a ClosedDayCalendar,
        start: Option<Date>,
    ) -> DueContext<'a> {
        DueContext {
            contract_start: start,
            contract_end: None,
            has_subcontractors: false,
            settings,
            calendar,
        }
    }

    #[test]
    fn monthly_reports_are_due_on_the_tenth_open_day_of_the_next_month() -> TestResult {
        let cal = ClosedDayCalendar::japan()?;
        let settings = SlaSettings::default();
        let c = ctx(&settings, &cal, None);
        let due = |m: &str| -> Result<Option<Date>, Box<dyn std::error::Error>> {
            let m = Month::parse(m).ok_or("month")?;
            Ok(default_due(
                DeliverableKind::MonthlyReport,
                Period::Month(m),
                &c,
            )?)
        };
        // May 2026: 6/1 (Mon) is the 1st open day, 6/12 (Fri) the 10th.
        assert_eq!(due("2026-05")?, Some(date(2026, 6, 12)));
        // April 2026 → May: 5/1 (Fri) 1st; 5/4–5/6 are holidays; 5/7 2nd …
        // 5/15 (Fri) 8th, 5/18 9th, 5/19 (Tue) 10th.
        assert_eq!(due("2026-04")?, Some(date(2026, 5, 19)));
        // December 2025 → January 2026: 1/1–1/3 year-end, 1/12 成人の日.
        // 1/5 1st … 1/9 5th, 1/13 6th … 1/16 9th, 1/19 (Mon) 10th.
        assert_eq!(due("2025-12")?, Some(date(2026, 1, 19)));
        let first = nth_open_day(Month::parse("2026-05").ok_or("m")?, 1, &cal)?;
        assert_eq!(first, date(2026, 5, 1));
        Ok(())
    }

    #[test]
    fn periods_parse_per_cadence() -> TestResult {
        assert_eq!(
            Period::parse_for(DeliverableKind::AuditReport, "FY2026")?,
            Period::FiscalYear(FiscalYear(2026))
        );
        assert_eq!(Period::FiscalYear(FiscalYear(2026)).to_string(), "FY2026");
        assert!(Period::parse_for(DeliverableKind::AuditReport, "2026-05").is_err());
        assert!(Period::parse_for(DeliverableKind::MonthlyReport, "once").is_err());
        assert_eq!(
            Period::parse_for(DeliverableKind::ExitPlan, "once")?,
            Period::Once
        );
        assert_eq!(Period::parse("FY26"), None);
        Ok(())
    }

    #[test]
    fn versions_check_their_checklist_against_the_kind() {
        let mut v = VersionInput {
            checklist: [("audit".to_owned(), true)].into_iter().collect(),
            ..VersionInput::default()
        };
        assert_eq!(v.validate(DeliverableKind::ImplementationPlan), Ok(()));
        assert_eq!(
            v.validate(DeliverableKind::ExitPlan).map_err(|e| e.field),
            Err("checklist.audit".to_owned())
        );
        v.normalise(DeliverableKind::ImplementationPlan);
        assert_eq!(v.checklist.len(), IMPLEMENTATION_PLAN_CONTENTS.len());
        assert_eq!(v.checklist.get("audit"), Some(&true));
        assert_eq!(v.checklist.get("training"), Some(&false));
        let plan = VersionInput {
            improvement_plan: "監視を強化".into(),
            ..VersionInput::default()
        };
        assert!(plan.validate(DeliverableKind::MonthlyReport).is_ok());
        assert!(plan.validate(DeliverableKind::AuditReport).is_err());
        let figures = VersionInput {
            reported_figures: Some(super::super::figures::ReportedFigures {
                availability_percent: Some("99.9".into()),
                ..Default::default()
            }),
            ..VersionInput::default()
        };
        assert!(figures.validate(DeliverableKind::MonthlyReport).is_ok());
        assert_eq!(
            figures
                .validate(DeliverableKind::AuditReport)
                .map_err(|e| e.field),
            Err("reported_figures".to_owned())
        );
    }

    #[test]
    fn statuses_merge_defaults_with_the_reviewers_dates() -> TestResult {
        let cal = ClosedDayCalendar::japan()?;
        let settings = SlaSettings::default();
        let mut c = ctx(&settings, &cal, Some(date(2026, 4, 1)));
        c.contract_end = Some(date(2031, 3, 31));
        let today = date(2026, 6, 15);
        let facts = vec![
            DeliverableFacts {
                kind: DeliverableKind::ImplementationPlan,
                period: Period::Once,
                due: Some(date(2026, 3, 16)),
                required: true,
                versions: vec![VersionFacts {
                    version: 1,
                    submitted_at: "2026-03-16T14:59:59Z".parse()?,
                    state: VersionState::Accepted,
                    has_improvement_plan: false,
                }],
            },
            DeliverableFacts {
                kind: DeliverableKind::Confidentiality,
                period: Period::Once,
                due: None,
                required: false,
                versions: vec![],
            },
        ];
        let list = statuses(&c, &facts, today)?;
        let find =
            |k: DeliverableKind, p: Period| list.iter().find(|s| s.kind == k && s.period == p);
        let plan = find(DeliverableKind::ImplementationPlan, Period::Once).ok_or("plan")?;
        // 2026-03-16T14:59:59Z is 23:59:59 JST on the 16th: on time.
        assert_eq!(
            (plan.state, plan.on_time, plan.due_set_by_reviewer),
            (DeliverableState::Accepted, Some(true), true)
        );
        let nda = find(DeliverableKind::Confidentiality, Period::Once).ok_or("nda")?;
        assert_eq!(nda.state, DeliverableState::NotRequired);
        let policy = find(DeliverableKind::SecurityPolicy, Period::Once).ok_or("policy")?;
        assert_eq!(
            (policy.state, policy.due),
            (DeliverableState::Missing, Some(date(2026, 4, 1)))
        );
        // April's report is due 5/19 (missing), May's 6/12 (missing on 6/15),
        // June's not yet.
        let april = Period::Month(Month::parse("2026-04").ok_or("m")?);
        let june = Period::Month(Month::parse("2026-06").ok_or("m")?);
        assert_eq!(
            find(DeliverableKind::MonthlyReport, april).map(|s| s.state),
            Some(DeliverableState::Missing)
        );
        assert_eq!(
            find(DeliverableKind::MonthlyReport, june).map(|s| s.state),
            Some(DeliverableState::Upcoming)
        );
        assert!(find(DeliverableKind::SubcontractorInfo, Period::Once).is_none());
        let fy = find(
            DeliverableKind::AuditReport,
            Period::FiscalYear(FiscalYear(2026)),
        )
        .ok_or("audit")?;
        assert_eq!(
            (fy.state, fy.due),
            (DeliverableState::Upcoming, Some(date(2027, 3, 31)))
        );
        Ok(())
    }
}

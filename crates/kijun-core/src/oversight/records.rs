//! The records a municipality keeps about a service in operation, one type
//! per kind: outages (障害・停止), inquiries (問合せ), security incidents
//! (情報セキュリティインシデント), change and termination notices (変更・終了の
//! 告知), the vendor's security-plan items (セキュリティ対策実施計画) and their
//! monthly status, and issues and risks (課題・リスク). Each type is the JSON
//! body of the API (unknown fields refused), the document the store keeps,
//! and a CSV row (see [`super::csv`]). [`RecordData::validate`] checks what
//! serde cannot, naming the field at fault.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{FieldError, Month, check_text, trim, truncate_micros};

/// Longest one-line text (names, titles, owners).
pub const SHORT_TEXT: usize = 200;
/// Longest free text (descriptions, answers, countermeasures).
pub const LONG_TEXT: usize = 10_000;

/// Defines a closed set of string values with their Japanese labels: the
/// enum, its serde form (the value) and the table CSV imports read labels
/// from.
macro_rules! labelled_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $value:literal / $label:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $value)] $variant),+
        }

        impl $name {
            /// Every value with its Japanese label.
            pub const VALUES: &'static [(&'static str, &'static str)] = &[$(($value, $label)),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $value),+ }
            }

            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// The value named by its JSON value or its Japanese label.
            pub fn parse(text: &str) -> Option<$name> {
                match text {
                    $($value | $label => Some($name::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

labelled_enum!(
    /// How an outage was noticed (seed 001: 稼働監視・障害監視).
    DetectedBy {
        Manual = "manual" / "手動",
        Monitoring = "monitoring" / "監視",
    }
);

labelled_enum!(
    /// How serious an incident is.
    IncidentSeverity {
        Low = "low" / "低",
        Medium = "medium" / "中",
        High = "high" / "高",
        Critical = "critical" / "重大",
    }
);

labelled_enum!(
    /// What a notice announces (seed 003 1.(3)).
    NoticeKind {
        Change = "change" / "変更",
        Termination = "termination" / "終了",
    }
);

labelled_enum!(
    /// The month's status of a security-plan item.
    PlanState {
        Planned = "planned" / "予定",
        Done = "done" / "実施済み",
        Delayed = "delayed" / "遅延",
        NotDone = "not_done" / "未実施",
    }
);

labelled_enum!(
    /// 課題 or リスク.
    IssueKind {
        Issue = "issue" / "課題",
        Risk = "risk" / "リスク",
    }
);

labelled_enum!(
    /// Whether an issue or risk is still being handled.
    IssueStatus {
        Open = "open" / "対応中",
        Closed = "closed" / "完了",
    }
);

labelled_enum!(
    /// The kinds of records.
    RecordKind {
        Outage = "outage" / "障害・停止",
        Inquiry = "inquiry" / "問合せ",
        Incident = "incident" / "情報セキュリティインシデント",
        Notice = "notice" / "変更・終了の告知",
        PlanItem = "plan_item" / "セキュリティ対策実施計画の項目",
        PlanStatus = "plan_status" / "セキュリティ対策実施計画の実施状況",
        Issue = "issue" / "課題・リスク",
    }
);

impl RecordKind {
    pub const ALL: [RecordKind; 7] = [
        RecordKind::Outage,
        RecordKind::Inquiry,
        RecordKind::Incident,
        RecordKind::Notice,
        RecordKind::PlanItem,
        RecordKind::PlanStatus,
        RecordKind::Issue,
    ];

    /// The path segment of the kind's collection (`/services/{id}/outages`).
    pub fn collection(self) -> &'static str {
        match self {
            RecordKind::Outage => "outages",
            RecordKind::Inquiry => "inquiries",
            RecordKind::Incident => "incidents",
            RecordKind::Notice => "notices",
            RecordKind::PlanItem => "plan-items",
            RecordKind::PlanStatus => "plan-status",
            RecordKind::Issue => "issues",
        }
    }

    /// Whether vendor users of the service's organisations may file and
    /// edit their own organisation's records of this kind (the others are
    /// kept by the municipality; vendors read them).
    pub fn vendor_writable(self) -> bool {
        matches!(
            self,
            RecordKind::Outage
                | RecordKind::Inquiry
                | RecordKind::Incident
                | RecordKind::PlanStatus
        )
    }
}

/// The time a record is filed under (its list order and the `from` /
/// `until` filters): an instant, a date or a month; plan items have none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordTime {
    Instant(Timestamp),
    Day(Date),
    Month(Month),
    None,
}

/// One kind of record.
pub trait RecordData: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {
    const KIND: RecordKind;

    /// What serde cannot check: order of times, required and bounded
    /// texts. The error names the field.
    fn validate(&self) -> Result<(), FieldError>;

    /// Trims texts and truncates instants to microseconds (the stored
    /// precision).
    fn normalise(&mut self);

    /// The time the record is filed under.
    fn time(&self) -> RecordTime;

    /// Whether the record still needs something (an ongoing outage, an
    /// unanswered inquiry, an incident not closed, a plan item's month not
    /// done, an open issue). Notices and plan items are never open.
    fn is_open(&self) -> bool;

    /// The record this one refers to (a plan status: its item).
    fn reference(&self) -> Option<&str> {
        None
    }

    /// Points the record at another record (a plan status named its item
    /// by title in a CSV file: the item's id once found). No-op for kinds
    /// without a reference.
    fn set_reference(&mut self, _id: String) {}
}

fn micros(ts: &mut Timestamp) {
    *ts = truncate_micros(*ts);
}

fn opt_micros(ts: &mut Option<Timestamp>) {
    if let Some(t) = ts {
        micros(t);
    }
}

fn not_before(
    field: &str,
    label: &str,
    value: Option<Timestamp>,
    earlier_field: &str,
    earlier_label: &str,
    earlier: Timestamp,
) -> Result<(), FieldError> {
    match value {
        Some(v) if v < earlier => Err(FieldError::new(
            field,
            format!(
                "{label} ({field}) が{earlier_label} ({earlier_field}) より前です。日時を確認してください"
            ),
        )),
        _ => Ok(()),
    }
}

// ---------------------------------------------------------------------------
// Outages

/// A stop of the service (障害・停止), seed 004: 障害等の発生日時、内容、
/// 対応（恒久対策も含む。）.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutageInput {
    /// When the stop began.
    pub start: Timestamp,
    /// When the service was back; `null` while the stop goes on.
    #[serde(default)]
    pub end: Option<Timestamp>,
    /// 正当な理由のある停止 (planned maintenance or a stop the contract
    /// excuses): excluded from availability.
    #[serde(default)]
    pub justified: bool,
    /// 重大障害: the service stopped (even partly) or work was seriously
    /// affected by mis-processing.
    #[serde(default)]
    pub major: bool,
    /// 原因.
    #[serde(default)]
    pub cause: String,
    /// 対応（暫定対応）.
    #[serde(default)]
    pub countermeasure: String,
    /// 恒久対策.
    #[serde(default)]
    pub permanent_fix: String,
    pub detected_by: DetectedBy,
    /// 障害等の内容.
    pub description: String,
}

impl RecordData for OutageInput {
    const KIND: RecordKind = RecordKind::Outage;

    fn validate(&self) -> Result<(), FieldError> {
        not_before("end", "復旧日時", self.end, "start", "発生日時", self.start)?;
        check_text("description", "内容", &self.description, LONG_TEXT, true)?;
        check_text("cause", "原因", &self.cause, LONG_TEXT, false)?;
        check_text(
            "countermeasure",
            "対応",
            &self.countermeasure,
            LONG_TEXT,
            false,
        )?;
        check_text(
            "permanent_fix",
            "恒久対策",
            &self.permanent_fix,
            LONG_TEXT,
            false,
        )
    }

    fn normalise(&mut self) {
        micros(&mut self.start);
        opt_micros(&mut self.end);
        for s in [
            &mut self.cause,
            &mut self.countermeasure,
            &mut self.permanent_fix,
            &mut self.description,
        ] {
            trim(s);
        }
    }

    fn time(&self) -> RecordTime {
        RecordTime::Instant(self.start)
    }

    fn is_open(&self) -> bool {
        self.end.is_none()
    }
}

impl OutageInput {
    /// The outage for [`crate::sla`], an ongoing one ending at `now` (at
    /// the start if `now` is before it).
    pub fn to_sla(&self, now: Timestamp) -> crate::sla::Outage {
        crate::sla::Outage {
            start: self.start,
            end: self.end.unwrap_or(now).max(self.start),
            justified: self.justified,
            major: self.major,
        }
    }
}

// ---------------------------------------------------------------------------
// Inquiries

/// A question of the municipality and the vendor's first answer (seed 004
/// 問合せ管理: 問合せ日時、問合せ者、問合せ内容、回答日時、回答者、回答内容).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InquiryInput {
    pub asked_at: Timestamp,
    /// 問合せ者.
    pub asked_by: String,
    pub content: String,
    /// The first answer (一次回答); `null` while unanswered.
    #[serde(default)]
    pub first_answered_at: Option<Timestamp>,
    #[serde(default)]
    pub answered_by: String,
    #[serde(default)]
    pub answer: String,
}

impl RecordData for InquiryInput {
    const KIND: RecordKind = RecordKind::Inquiry;

    fn validate(&self) -> Result<(), FieldError> {
        check_text("asked_by", "問合せ者", &self.asked_by, SHORT_TEXT, true)?;
        check_text("content", "問合せ内容", &self.content, LONG_TEXT, true)?;
        not_before(
            "first_answered_at",
            "回答日時",
            self.first_answered_at,
            "asked_at",
            "問合せ日時",
            self.asked_at,
        )?;
        check_text(
            "answered_by",
            "回答者",
            &self.answered_by,
            SHORT_TEXT,
            false,
        )?;
        check_text("answer", "回答内容", &self.answer, LONG_TEXT, false)?;
        if self.first_answered_at.is_none()
            && (!self.answer.trim().is_empty() || !self.answered_by.trim().is_empty())
        {
            return Err(FieldError::new(
                "first_answered_at",
                "回答がある場合は回答日時 (first_answered_at) を入力してください",
            ));
        }
        Ok(())
    }

    fn normalise(&mut self) {
        micros(&mut self.asked_at);
        opt_micros(&mut self.first_answered_at);
        for s in [
            &mut self.asked_by,
            &mut self.content,
            &mut self.answered_by,
            &mut self.answer,
        ] {
            trim(s);
        }
    }

    fn time(&self) -> RecordTime {
        RecordTime::Instant(self.asked_at)
    }

    fn is_open(&self) -> bool {
        self.first_answered_at.is_none()
    }
}

// ---------------------------------------------------------------------------
// Incidents

/// A security incident and the times of its handling (seed 000: report
/// within 24 h; seed 003 1.(6): investigate within 24 h of the incident or
/// of a reported suspicion, provide logs; seed 004: triage, interim fix,
/// permanent countermeasure).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentInput {
    /// When the incident occurred (発生).
    pub occurred_at: Timestamp,
    /// When the vendor detected it (検知).
    #[serde(default)]
    pub detected_at: Option<Timestamp>,
    /// When a suspicion of it was reported to the vendor (疑いの連絡).
    #[serde(default)]
    pub suspicion_reported_at: Option<Timestamp>,
    /// When the vendor reported it to the municipality (本市への報告).
    #[serde(default)]
    pub reported_to_municipality_at: Option<Timestamp>,
    /// When the investigation started (調査着手).
    #[serde(default)]
    pub investigation_started_at: Option<Timestamp>,
    /// 収束.
    #[serde(default)]
    pub contained_at: Option<Timestamp>,
    /// 復旧.
    #[serde(default)]
    pub recovered_at: Option<Timestamp>,
    /// 完了 (the record is closed).
    #[serde(default)]
    pub closed_at: Option<Timestamp>,
    pub severity: IncidentSeverity,
    /// 影響範囲・被害状況.
    #[serde(default)]
    pub impact: String,
    /// Whether the vendor provided the logs (seed 003 1.(6)④).
    #[serde(default)]
    pub logs_provided: bool,
    pub description: String,
}

impl RecordData for IncidentInput {
    const KIND: RecordKind = RecordKind::Incident;

    fn validate(&self) -> Result<(), FieldError> {
        let occurred = ("occurred_at", "発生日時", self.occurred_at);
        for (field, label, value) in [
            ("detected_at", "検知日時", self.detected_at),
            (
                "reported_to_municipality_at",
                "本市への報告日時",
                self.reported_to_municipality_at,
            ),
            ("contained_at", "収束日時", self.contained_at),
            ("recovered_at", "復旧日時", self.recovered_at),
            ("closed_at", "完了日時", self.closed_at),
        ] {
            not_before(field, label, value, occurred.0, occurred.1, occurred.2)?;
        }
        // A suspicion may be reported before the incident is pinned down;
        // the investigation may start from either.
        let first = self
            .suspicion_reported_at
            .map_or(self.occurred_at, |s| s.min(self.occurred_at));
        not_before(
            "investigation_started_at",
            "調査着手日時",
            self.investigation_started_at,
            "occurred_at",
            "発生日時（または疑いの連絡日時）",
            first,
        )?;
        if let Some(closed) = self.closed_at {
            for (field, label, value) in [
                ("detected_at", "検知日時", self.detected_at),
                (
                    "reported_to_municipality_at",
                    "本市への報告日時",
                    self.reported_to_municipality_at,
                ),
                (
                    "investigation_started_at",
                    "調査着手日時",
                    self.investigation_started_at,
                ),
                ("contained_at", "収束日時", self.contained_at),
                ("recovered_at", "復旧日時", self.recovered_at),
            ] {
                if value.is_some_and(|v| v > closed) {
                    return Err(FieldError::new(
                        "closed_at",
                        format!("完了日時 (closed_at) が{label} ({field}) より前です"),
                    ));
                }
            }
        }
        check_text("impact", "影響範囲", &self.impact, LONG_TEXT, false)?;
        check_text("description", "内容", &self.description, LONG_TEXT, true)
    }

    fn normalise(&mut self) {
        micros(&mut self.occurred_at);
        for t in [
            &mut self.detected_at,
            &mut self.suspicion_reported_at,
            &mut self.reported_to_municipality_at,
            &mut self.investigation_started_at,
            &mut self.contained_at,
            &mut self.recovered_at,
            &mut self.closed_at,
        ] {
            opt_micros(t);
        }
        trim(&mut self.impact);
        trim(&mut self.description);
    }

    fn time(&self) -> RecordTime {
        RecordTime::Instant(self.occurred_at)
    }

    fn is_open(&self) -> bool {
        self.closed_at.is_none()
    }
}

// ---------------------------------------------------------------------------
// Notices

/// A change or termination notice of the service (seed 003 1.(3): at least
/// one month before, on the web site, in writing, by telephone or e-mail).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticeInput {
    pub kind: NoticeKind,
    /// The day the notice was given (告知日).
    #[serde(with = "super::day")]
    pub announced_on: Date,
    /// The day the change or termination takes effect (実施日).
    #[serde(with = "super::day")]
    pub effective_on: Date,
    pub content: String,
    /// How it was given (HP 掲載、書面、電話、メール等).
    #[serde(default)]
    pub method: String,
}

impl RecordData for NoticeInput {
    const KIND: RecordKind = RecordKind::Notice;

    fn validate(&self) -> Result<(), FieldError> {
        check_text("content", "内容", &self.content, LONG_TEXT, true)?;
        check_text("method", "告知の方法", &self.method, SHORT_TEXT, false)
    }

    fn normalise(&mut self) {
        trim(&mut self.content);
        trim(&mut self.method);
    }

    fn time(&self) -> RecordTime {
        RecordTime::Day(self.announced_on)
    }

    fn is_open(&self) -> bool {
        false
    }
}

// ---------------------------------------------------------------------------
// Security plan

/// One item of the vendor's security plan (セキュリティ対策実施計画, part of
/// the implementation plan in seed 004).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanItemInput {
    pub title: String,
    #[serde(default)]
    pub description: String,
}

impl RecordData for PlanItemInput {
    const KIND: RecordKind = RecordKind::PlanItem;

    fn validate(&self) -> Result<(), FieldError> {
        check_text("title", "項目", &self.title, SHORT_TEXT, true)?;
        check_text("description", "内容", &self.description, LONG_TEXT, false)
    }

    fn normalise(&mut self) {
        trim(&mut self.title);
        trim(&mut self.description);
    }

    fn time(&self) -> RecordTime {
        RecordTime::None
    }

    fn is_open(&self) -> bool {
        false
    }
}

/// A plan item's status in one month (seed 004 月次報告:「セキュリティ対策
/// 実施計画」の実施状況). One per item and month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanStatusInput {
    /// The plan item's id.
    pub item_id: String,
    pub month: Month,
    pub status: PlanState,
    #[serde(default)]
    pub note: String,
}

impl RecordData for PlanStatusInput {
    const KIND: RecordKind = RecordKind::PlanStatus;

    fn validate(&self) -> Result<(), FieldError> {
        check_text("item_id", "項目", &self.item_id, SHORT_TEXT, true)?;
        check_text("note", "備考", &self.note, LONG_TEXT, false)
    }

    fn normalise(&mut self) {
        trim(&mut self.item_id);
        trim(&mut self.note);
    }

    fn time(&self) -> RecordTime {
        RecordTime::Month(self.month)
    }

    fn is_open(&self) -> bool {
        self.status != PlanState::Done
    }

    fn reference(&self) -> Option<&str> {
        Some(&self.item_id)
    }

    fn set_reference(&mut self, id: String) {
        self.item_id = id;
    }
}

// ---------------------------------------------------------------------------
// Issues and risks

/// An issue or a risk (課題・リスク管理, seed 004).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueInput {
    pub kind: IssueKind,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub status: IssueStatus,
    /// 担当.
    #[serde(default)]
    pub owner: String,
    /// 期限.
    #[serde(default, with = "super::opt_day")]
    pub due: Option<Date>,
    /// 起票日.
    #[serde(with = "super::day")]
    pub raised_on: Date,
}

impl RecordData for IssueInput {
    const KIND: RecordKind = RecordKind::Issue;

    fn validate(&self) -> Result<(), FieldError> {
        check_text("title", "件名", &self.title, SHORT_TEXT, true)?;
        check_text("description", "内容", &self.description, LONG_TEXT, false)?;
        check_text("owner", "担当", &self.owner, SHORT_TEXT, false)?;
        if self.due.is_some_and(|d| d < self.raised_on) {
            return Err(FieldError::new(
                "due",
                "期限 (due) が起票日 (raised_on) より前です",
            ));
        }
        Ok(())
    }

    fn normalise(&mut self) {
        trim(&mut self.title);
        trim(&mut self.description);
        trim(&mut self.owner);
    }

    fn time(&self) -> RecordTime {
        RecordTime::Day(self.raised_on)
    }

    fn is_open(&self) -> bool {
        self.status == IssueStatus::Open
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn outages_check_their_times_and_texts() -> TestResult {
        let mut o: OutageInput = serde_json::from_value(serde_json::json!({
            "start": "2026-05-10T01:00:00+09:00",
            "end": "2026-05-10T00:59:59+09:00",
            "detected_by": "monitoring",
            "description": "  全機能停止  ",
        }))?;
        assert_eq!(o.validate().map_err(|e| e.field), Err("end".to_owned()));
        o.end = None;
        o.normalise();
        assert_eq!(o.validate(), Ok(()));
        assert_eq!(o.description, "全機能停止");
        assert!(o.is_open());
        assert_eq!(o.start.to_string(), "2026-05-09T16:00:00Z");
        let unknown: Result<OutageInput, _> = serde_json::from_value(serde_json::json!({
            "start": "2026-05-10T01:00:00Z", "detected_by": "manual", "description": "x", "colour": 1
        }));
        assert!(unknown.is_err());
        Ok(())
    }

    #[test]
    fn inquiries_need_an_answer_time_with_an_answer() -> TestResult {
        let i: InquiryInput = serde_json::from_value(serde_json::json!({
            "asked_at": "2026-07-17T16:00:00+09:00", "asked_by": "情報政策課", "content": "ログの保存期間は？",
            "answer": "1年です",
        }))?;
        assert_eq!(
            i.validate().map_err(|e| e.field),
            Err("first_answered_at".to_owned())
        );
        Ok(())
    }

    #[test]
    fn incident_times_follow_the_occurrence_and_precede_closing() -> TestResult {
        let base = serde_json::json!({
            "occurred_at": "2026-06-01T10:00:00+09:00",
            "severity": "high",
            "description": "不正アクセスの疑い",
        });
        let with = |k: &str, v: &str| -> Result<IncidentInput, serde_json::Error> {
            let mut b = base.clone();
            b[k] = serde_json::json!(v);
            serde_json::from_value(b)
        };
        assert_eq!(
            with("detected_at", "2026-06-01T09:59:00+09:00")?
                .validate()
                .map_err(|e| e.field),
            Err("detected_at".to_owned())
        );
        // Investigating a reported suspicion before the occurrence is pinned down is fine.
        let mut early = with("suspicion_reported_at", "2026-06-01T08:00:00+09:00")?;
        early.investigation_started_at = Some("2026-06-01T09:00:00+09:00".parse()?);
        assert_eq!(early.validate(), Ok(()));
        let mut closed = with("closed_at", "2026-06-02T10:00:00+09:00")?;
        closed.recovered_at = Some("2026-06-03T10:00:00+09:00".parse()?);
        assert_eq!(
            closed.validate().map_err(|e| e.field),
            Err("closed_at".to_owned())
        );
        Ok(())
    }

    #[test]
    fn labels_and_values_parse_alike() {
        assert_eq!(PlanState::parse("not_done"), Some(PlanState::NotDone));
        assert_eq!(PlanState::parse("未実施"), Some(PlanState::NotDone));
        assert_eq!(PlanState::parse("NotDone"), None);
        assert_eq!(RecordKind::PlanStatus.collection(), "plan-status");
        assert!(RecordKind::Incident.vendor_writable());
        assert!(!RecordKind::Notice.vendor_writable());
    }
}

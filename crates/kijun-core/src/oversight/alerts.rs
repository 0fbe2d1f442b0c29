//! The alert rules: pure functions of a service's records, its register
//! details, its SLA settings and deliverables, the closed-day calendar and
//! `now` (a parameter: nothing here reads the clock).
//!
//! | kind | rule | source |
//! |---|---|---|
//! | `incident_investigation_late` | investigation started more than 24 h after the incident occurred, or after a suspicion was reported if that came first | seed 003 1.(6)③ |
//! | `incident_report_late` | the municipality told more than 24 h after the incident occurred | seed 000 事業者体制 |
//! | `notice_too_late` | a change or termination announced later than one calendar month before it takes effect | seed 003 1.(3) |
//! | `expiring` | an ISMAP / ISMAP-LIU / LGWAN-ASP registration, a certification or the contract ends within 90 days (or has ended) | service register |
//! | `deliverable_missing` | a required deliverable not handed in (or returned) by its due date; a reminder within 7 days before | seeds 000, 001, 003, 004 |
//! | `deliverable_late` | the first version came after the due date | seeds 000, 001, 003, 004 |
//! | `improvement_plan_required` | an SLA target missed in a month and that month's report states no improvement plan | seed 004 サービスレベルの保証 |
//!
//! Every alert is `pending` (the deadline is ahead and the duty not yet
//! done) or `breached` (the deadline passed without it, or it was done
//! late). A duty done exactly at its deadline is on time. Each alert's
//! [`Alert::dedupe_key`] is stable for the same facts, so a notifier sends
//! it once (and once more when it turns from pending to breached).

use std::collections::BTreeSet;
use std::fmt;

use jiff::civil::Date;
use jiff::tz::{TimeZone, offset};
use jiff::{SignedDuration, Timestamp, ToSpan};
use serde::Serialize;

use super::deliverables::{
    self, DeliverableFacts, DeliverableKind, DeliverableState, DeliverableStatus, DueContext,
    Period,
};
use super::records::{IncidentInput, InquiryInput, NoticeInput, NoticeKind, OutageInput};
use super::settings::SlaSettings;
use super::{Month, OversightError, date_range, end_of_day};
use crate::calendar::ClosedDayCalendar;
use crate::service::{RecordDate, ServiceDetails};
use crate::sla::{self, FiscalYear, tokyo_date};

/// Seed 000 and seed 003 1.(6)③: 24 hours.
pub const INCIDENT_LIMIT: SignedDuration = SignedDuration::from_hours(24);
/// Registrations, certifications and the contract are flagged this many
/// days before they end (inclusive), as on the dashboard.
pub const EXPIRY_WINDOW_DAYS: i32 = 90;
/// A deliverable not yet handed in is flagged this many days before its
/// due date (inclusive).
pub const DUE_SOON_DAYS: i32 = 7;

/// What an alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    IncidentInvestigationLate,
    IncidentReportLate,
    NoticeTooLate,
    Expiring,
    DeliverableMissing,
    DeliverableLate,
    ImprovementPlanRequired,
}

impl AlertKind {
    pub const ALL: [AlertKind; 7] = [
        AlertKind::IncidentInvestigationLate,
        AlertKind::IncidentReportLate,
        AlertKind::NoticeTooLate,
        AlertKind::Expiring,
        AlertKind::DeliverableMissing,
        AlertKind::DeliverableLate,
        AlertKind::ImprovementPlanRequired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::IncidentInvestigationLate => "incident_investigation_late",
            AlertKind::IncidentReportLate => "incident_report_late",
            AlertKind::NoticeTooLate => "notice_too_late",
            AlertKind::Expiring => "expiring",
            AlertKind::DeliverableMissing => "deliverable_missing",
            AlertKind::DeliverableLate => "deliverable_late",
            AlertKind::ImprovementPlanRequired => "improvement_plan_required",
        }
    }

    pub fn parse(s: &str) -> Option<AlertKind> {
        AlertKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Where the duty comes from.
    pub fn source(self) -> &'static str {
        match self {
            AlertKind::IncidentInvestigationLate => {
                "seed-003 1.(6)③ インシデント発生後（疑いの連絡を受けた場合も）24時間以内に調査に着手"
            }
            AlertKind::IncidentReportLate => {
                "seed-000 事業者体制 インシデント発生から24時間以内に当局の指定する連絡先へ連絡"
            }
            AlertKind::NoticeTooLate => "seed-003 1.(3) 終了又は変更の1か月前までに事前に告知",
            AlertKind::Expiring => {
                "サービス台帳（ISMAP・ISMAP-LIU・LGWAN-ASP 登録、認証、契約期間）"
            }
            AlertKind::DeliverableMissing | AlertKind::DeliverableLate => {
                "契約の提出物（seed-000・001・003・004）"
            }
            AlertKind::ImprovementPlanRequired => {
                "seed-004 サービスレベルの保証（目標値を達成していない場合は改善策を提示し実行）"
            }
        }
    }
}

impl fmt::Display for AlertKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether the deadline is still ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    /// The duty is not done and its deadline is ahead.
    Pending,
    /// The deadline passed without the duty done, or it was done late.
    Breached,
}

impl AlertStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertStatus::Pending => "pending",
            AlertStatus::Breached => "breached",
        }
    }

    pub fn parse(s: &str) -> Option<AlertStatus> {
        match s {
            "pending" => Some(AlertStatus::Pending),
            "breached" => Some(AlertStatus::Breached),
            _ => None,
        }
    }
}

/// How urgent an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertSeverity {
    Warning,
    High,
    Critical,
}

/// The record an alert is about: a record kind (`incident`, `notice`) and
/// its id, `deliverable` and `kind/period` (`monthly_report/2026-05`), or
/// an entry of the service record (`registration` `ismap` / `ismap_liu` /
/// `lgwan_asp`, `certification` and its name, `contract` `contract`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Subject {
    pub kind: String,
    pub id: String,
}

impl Subject {
    fn new(kind: &str, id: impl Into<String>) -> Subject {
        Subject {
            kind: kind.to_owned(),
            id: id.into(),
        }
    }
}

/// One alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert {
    pub kind: AlertKind,
    pub severity: AlertSeverity,
    pub status: AlertStatus,
    pub service_id: String,
    pub subject: Subject,
    /// Japanese, for people (times in Asia/Tokyo).
    pub message: String,
    /// The deadline: the duty is on time at or before it, breached after
    /// it. For a duty due on a date, the end of that date in Asia/Tokyo
    /// (00:00 of the next day) — see `deadline_date`.
    pub deadline: Timestamp,
    /// The due date of a date duty (notices, expiries, deliverables).
    #[serde(with = "super::opt_day")]
    pub deadline_date: Option<Date>,
    /// When the duty was done, if it was done late.
    pub fulfilled_at: Option<Timestamp>,
    pub source: &'static str,
    /// Stable for the same facts: `kind:status:service:subject kind:subject
    /// id:deadline`.
    pub dedupe_key: String,
    /// Rule-specific facts (the SLA misses of a month).
    #[serde(skip_serializing_if = "serde_json::Value::is_null")]
    pub details: serde_json::Value,
}

struct Draft<'a> {
    kind: AlertKind,
    severity: AlertSeverity,
    status: AlertStatus,
    service_id: &'a str,
    subject: Subject,
    message: String,
    deadline: Timestamp,
    deadline_date: Option<Date>,
    fulfilled_at: Option<Timestamp>,
    details: serde_json::Value,
}

impl Draft<'_> {
    fn build(self) -> Alert {
        let dedupe_key = format!(
            "{}:{}:{}:{}:{}:{}",
            self.kind.as_str(),
            self.status.as_str(),
            self.service_id,
            self.subject.kind,
            self.subject.id,
            self.deadline
        );
        Alert {
            kind: self.kind,
            severity: self.severity,
            status: self.status,
            service_id: self.service_id.to_owned(),
            subject: self.subject,
            message: self.message,
            deadline: self.deadline,
            deadline_date: self.deadline_date,
            fulfilled_at: self.fulfilled_at,
            source: self.kind.source(),
            dedupe_key,
            details: self.details,
        }
    }
}

/// `2026-05-10 07:00`, Asia/Tokyo (UTC+9 without summer time since 1951).
pub fn jst(ts: Timestamp) -> String {
    TimeZone::fixed(offset(9))
        .to_datetime(ts)
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
}

fn add(ts: Timestamp, d: SignedDuration) -> Result<Timestamp, OversightError> {
    ts.checked_add(d).map_err(date_range)
}

// ---------------------------------------------------------------------------
// Incidents

/// A 24-hour duty of an incident: done at `done`, due `start + 24 h`.
#[allow(clippy::too_many_arguments)]
fn within_24h(
    kind: AlertKind,
    service_id: &str,
    incident_id: &str,
    start: Timestamp,
    done: Option<Timestamp>,
    now: Timestamp,
    what: &str,
    from: &str,
) -> Result<Option<Alert>, OversightError> {
    let deadline = add(start, INCIDENT_LIMIT)?;
    let (status, message) = match done {
        Some(at) if at <= deadline => return Ok(None),
        Some(at) => (
            AlertStatus::Breached,
            format!(
                "{what}が期限に遅れました: {from}（{}）から24時間以内（{} まで）のところ、{}",
                jst(start),
                jst(deadline),
                jst(at)
            ),
        ),
        None if now > deadline => (
            AlertStatus::Breached,
            format!(
                "{what}が期限を過ぎても記録されていません: {from}（{}）から24時間以内（{} まで）",
                jst(start),
                jst(deadline)
            ),
        ),
        None => (
            AlertStatus::Pending,
            format!(
                "{what}の期限は {} です（{from} {} から24時間以内）",
                jst(deadline),
                jst(start)
            ),
        ),
    };
    Ok(Some(
        Draft {
            kind,
            severity: match status {
                AlertStatus::Pending => AlertSeverity::High,
                AlertStatus::Breached => AlertSeverity::Critical,
            },
            status,
            service_id,
            subject: Subject::new("incident", incident_id),
            message,
            deadline,
            deadline_date: None,
            fulfilled_at: done,
            details: serde_json::Value::Null,
        }
        .build(),
    ))
}

/// Seed 003 1.(6)③: the investigation starts at the latest 24 hours after
/// the incident occurred — or after a suspicion of it was reported, if that
/// came first. Exactly 24 h is on time.
pub fn incident_investigation(
    service_id: &str,
    incident_id: &str,
    incident: &IncidentInput,
    now: Timestamp,
) -> Result<Option<Alert>, OversightError> {
    let (start, from) = match incident.suspicion_reported_at {
        Some(s) if s < incident.occurred_at => (s, "疑いの連絡"),
        _ => (incident.occurred_at, "インシデントの発生"),
    };
    within_24h(
        AlertKind::IncidentInvestigationLate,
        service_id,
        incident_id,
        start,
        incident.investigation_started_at,
        now,
        "インシデントの調査着手",
        from,
    )
}

/// Seed 000 (事業者体制): the municipality is told at the latest 24 hours
/// after the incident occurred. Exactly 24 h is on time.
pub fn incident_report(
    service_id: &str,
    incident_id: &str,
    incident: &IncidentInput,
    now: Timestamp,
) -> Result<Option<Alert>, OversightError> {
    within_24h(
        AlertKind::IncidentReportLate,
        service_id,
        incident_id,
        incident.occurred_at,
        incident.reported_to_municipality_at,
        now,
        "本市へのインシデントの連絡",
        "インシデントの発生",
    )
}

// ---------------------------------------------------------------------------
// Notices

/// The last day a notice of a change taking effect on `effective_on` may
/// be given (seed 003 1.(3) 「1か月前までに」): the same day of the month
/// before, or that month's last day when it has no such day (3/31 → 2/28,
/// 2/29 in a leap year; 3/29 and 3/30 → 2/28 too).
pub fn notice_deadline(effective_on: Date) -> Result<Date, OversightError> {
    effective_on.checked_sub(1.month()).map_err(date_range)
}

/// Seed 003 1.(3): a change or termination is announced at least one
/// calendar month before it takes effect ([`notice_deadline`]; announcing
/// on that day is on time).
pub fn notice_lead_time(
    service_id: &str,
    notice_id: &str,
    notice: &NoticeInput,
) -> Result<Option<Alert>, OversightError> {
    let last_day = notice_deadline(notice.effective_on)?;
    if notice.announced_on <= last_day {
        return Ok(None);
    }
    let what = match notice.kind {
        NoticeKind::Change => "変更",
        NoticeKind::Termination => "終了",
    };
    Ok(Some(
        Draft {
            kind: AlertKind::NoticeTooLate,
            severity: AlertSeverity::High,
            status: AlertStatus::Breached,
            service_id,
            subject: Subject::new("notice", notice_id),
            message: format!(
                "サービスの{what}（{} 実施）の告知が {} で、1か月前（{last_day}）までに行われていません",
                notice.effective_on, notice.announced_on
            ),
            deadline: end_of_day(last_day)?,
            deadline_date: Some(last_day),
            fulfilled_at: Some(sla::tokyo_time(
                notice.announced_on,
                jiff::civil::Time::midnight(),
            )?),
            details: serde_json::Value::Null,
        }
        .build(),
    ))
}

// ---------------------------------------------------------------------------
// Expiring registrations, certifications, the contract

/// A register date as a civil date.
pub fn civil(d: RecordDate) -> Option<Date> {
    Date::new(
        i16::try_from(d.0.year).ok()?,
        i8::try_from(d.0.month).ok()?,
        i8::try_from(d.0.day).ok()?,
    )
    .ok()
}

/// Everything in the service record with an end: ISMAP, ISMAP-LIU and
/// LGWAN-ASP registrations, certifications and the contract, ending within
/// [`EXPIRY_WINDOW_DAYS`] of `today` (valid until today + 90 days is
/// flagged, + 91 is not) or already ended. Pending while the end date is
/// today or later (valid through that day), breached after.
pub fn expiring(
    service_id: &str,
    details: &ServiceDetails,
    today: Date,
) -> Result<Vec<Alert>, OversightError> {
    let mut ends: Vec<(Subject, String, Date)> = Vec::new();
    for (key, label, reg) in [
        ("ismap", "ISMAP 登録", &details.ismap),
        ("ismap_liu", "ISMAP-LIU 登録", &details.ismap_liu),
        ("lgwan_asp", "LGWAN-ASP 登録", &details.lgwan_asp),
    ] {
        if let Some(r) = reg
            && let Some(until) = r.valid_until.and_then(civil)
        {
            let what = if r.number.trim().is_empty() {
                label.to_owned()
            } else {
                format!("{label}（{}）", r.number.trim())
            };
            ends.push((Subject::new("registration", key), what, until));
        }
    }
    for c in &details.certifications {
        if let Some(until) = c.valid_until.and_then(civil) {
            ends.push((
                Subject::new("certification", c.name.clone()),
                format!("認証「{}」", c.name),
                until,
            ));
        }
    }
    if let Some(end) = details.contract_end.and_then(civil) {
        ends.push((
            Subject::new("contract", "contract"),
            "契約期間".to_owned(),
            end,
        ));
    }
    let mut out = Vec::new();
    for (subject, what, until) in ends {
        let days_left = today.until(until).map_err(date_range)?.get_days();
        if days_left > EXPIRY_WINDOW_DAYS {
            continue;
        }
        let contract = subject.kind == "contract";
        let (status, severity, message) = if days_left < 0 {
            (
                AlertStatus::Breached,
                AlertSeverity::High,
                if contract {
                    format!(
                        "契約期間が {until} に終了しています。利用終了の手続き（データの移行・削除と削除証明書）を確認してください"
                    )
                } else {
                    format!(
                        "{what}の有効期限 {until} を過ぎています（{} 日経過）",
                        -days_left
                    )
                },
            )
        } else {
            (
                AlertStatus::Pending,
                if days_left <= 30 {
                    AlertSeverity::High
                } else {
                    AlertSeverity::Warning
                },
                if contract {
                    format!(
                        "契約期間が {until} に終了します（残り {days_left} 日）。更新または利用終了の準備を確認してください"
                    )
                } else {
                    format!(
                        "{what}の有効期限は {until} です（残り {days_left} 日）。更新の予定を確認してください"
                    )
                },
            )
        };
        out.push(
            Draft {
                kind: AlertKind::Expiring,
                severity,
                status,
                service_id,
                subject,
                message,
                deadline: end_of_day(until)?,
                deadline_date: Some(until),
                fulfilled_at: None,
                details: serde_json::json!({"days_left": days_left}),
            }
            .build(),
        );
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// Deliverables

fn deliverable_subject(kind: DeliverableKind, period: Period) -> Subject {
    Subject::new("deliverable", format!("{}/{period}", kind.as_str()))
}

/// Missing and late deliverables from their [`deliverables::statuses`]:
/// - `deliverable_missing`, breached: required, nothing accepted or
///   waiting (nothing submitted, or the latest version returned) and the
///   due date has passed (handing in on the due date is on time);
/// - `deliverable_missing`, pending: the same within [`DUE_SOON_DAYS`]
///   before the due date (due today counts);
/// - `deliverable_late`, breached: the first version came after the due
///   date (its Asia/Tokyo date later than the due date).
pub fn deliverable_alerts(
    service_id: &str,
    statuses: &[DeliverableStatus],
    today: Date,
) -> Result<Vec<Alert>, OversightError> {
    let mut out = Vec::new();
    for s in statuses.iter().filter(|s| s.required) {
        let Some(due) = s.due else { continue };
        let days_left = today.until(due).map_err(date_range)?.get_days();
        let missing = match s.state {
            DeliverableState::Missing => Some(AlertStatus::Breached),
            DeliverableState::Upcoming | DeliverableState::Returned
                if (0..=DUE_SOON_DAYS).contains(&days_left) =>
            {
                Some(AlertStatus::Pending)
            }
            _ => None,
        };
        if let Some(status) = missing {
            let returned = s.latest_version.is_some();
            let message = match status {
                AlertStatus::Breached if returned => format!(
                    "{} が差し戻されたまま、提出期限 {due} を過ぎています",
                    s.label
                ),
                AlertStatus::Breached => {
                    format!("{} が提出期限 {due} を過ぎても提出されていません", s.label)
                }
                AlertStatus::Pending => {
                    format!("{} の提出期限は {due} です（残り {days_left} 日）", s.label)
                }
            };
            out.push(
                Draft {
                    kind: AlertKind::DeliverableMissing,
                    severity: match status {
                        AlertStatus::Pending => AlertSeverity::Warning,
                        AlertStatus::Breached => AlertSeverity::High,
                    },
                    status,
                    service_id,
                    subject: deliverable_subject(s.kind, s.period),
                    message,
                    deadline: end_of_day(due)?,
                    deadline_date: Some(due),
                    fulfilled_at: None,
                    details: serde_json::Value::Null,
                }
                .build(),
            );
        }
        if s.on_time == Some(false)
            && let Some(at) = s.first_submitted_at
        {
            out.push(
                Draft {
                    kind: AlertKind::DeliverableLate,
                    severity: AlertSeverity::Warning,
                    status: AlertStatus::Breached,
                    service_id,
                    subject: deliverable_subject(s.kind, s.period),
                    message: format!(
                        "{} の提出が期限 {due} に遅れました（{} に提出）",
                        s.label,
                        jst(at)
                    ),
                    deadline: end_of_day(due)?,
                    deadline_date: Some(due),
                    fulfilled_at: Some(at),
                    details: serde_json::Value::Null,
                }
                .build(),
            );
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// SLA per month

/// One SLA target missed in a month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "target", rename_all = "snake_case")]
pub enum SlaMiss {
    /// サービス稼働率 below the target over the (complete) month.
    Availability {
        /// Rounded toward zero, three decimals.
        percent: String,
        target_percent: String,
        down_minutes: u64,
        committed_minutes: u64,
    },
    /// A major failure that started in the month took longer than the
    /// limit to recover (or is still going on past it).
    Recovery {
        outage_id: String,
        duration_minutes: i64,
        limit_minutes: i64,
        ongoing: bool,
    },
    /// An inquiry asked in the month got its first answer after the limit
    /// (closed days excluded), or none by now past the deadline.
    FirstAnswer {
        inquiry_id: String,
        deadline: Timestamp,
        answered_at: Option<Timestamp>,
    },
    /// A major failure started in the month and the fiscal year's count is
    /// above the limit.
    MajorFailures {
        fiscal_year: FiscalYear,
        count: u32,
        max: u32,
    },
}

impl SlaMiss {
    /// Japanese, one line.
    pub fn describe(&self) -> String {
        match self {
            SlaMiss::Availability {
                percent,
                target_percent,
                ..
            } => format!("サービス稼働率 {percent} %（目標 {target_percent} % 以上）"),
            SlaMiss::Recovery {
                duration_minutes,
                limit_minutes,
                ongoing,
                ..
            } => format!(
                "重大障害の復旧時間 {}時間{}分{}（目標 {} 時間以内）",
                duration_minutes / 60,
                duration_minutes % 60,
                if *ongoing { "（継続中）" } else { "" },
                limit_minutes / 60
            ),
            SlaMiss::FirstAnswer {
                deadline,
                answered_at,
                ..
            } => match answered_at {
                Some(at) => format!("問合せへの一次回答 {}（期限 {}）", jst(*at), jst(*deadline)),
                None => format!("問合せへの一次回答なし（期限 {}）", jst(*deadline)),
            },
            SlaMiss::MajorFailures {
                fiscal_year,
                count,
                max,
            } => format!("重大障害の発生件数 {fiscal_year} {count} 件（目標 {max} 件以内）"),
        }
    }
}

/// The SLA results of one month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthlySla {
    pub month: Month,
    /// Whether the month is over (availability is judged on whole months
    /// only).
    pub complete: bool,
    pub availability: Option<sla::Availability>,
    pub misses: Vec<SlaMiss>,
}

/// The SLA results of `month` as of `now` with [`crate::sla`]: availability
/// of the whole month under the settings' schedule (only once the month is
/// over), recovery of the major failures that started in it, first answers
/// to the inquiries asked in it, and the fiscal year's major failures up to
/// its end. Ongoing outages count up to `now`.
pub fn monthly_sla(
    month: Month,
    settings: &SlaSettings,
    calendar: &ClosedDayCalendar,
    outages: &[(String, OutageInput)],
    inquiries: &[(String, InquiryInput)],
    now: Timestamp,
) -> Result<MonthlySla, OversightError> {
    let targets = &settings.targets;
    let (start, end) = (month.start()?, month.end()?);
    let complete = now >= end;
    let sla_outages: Vec<sla::Outage> = outages.iter().map(|(_, o)| o.to_sla(now)).collect();
    let mut misses = Vec::new();
    let availability = if complete {
        let a = sla::availability(start, end, &settings.schedule, calendar, &sla_outages)?;
        if !a.meets(targets.availability) {
            misses.push(SlaMiss::Availability {
                percent: a.display(3),
                target_percent: plain_percent(targets.availability),
                down_minutes: a.down_minutes,
                committed_minutes: a.committed_minutes(),
            });
        }
        Some(a)
    } else {
        None
    };
    for (id, o) in outages {
        if !o.major || o.start < start || o.start >= end || o.start > now {
            continue;
        }
        let check = sla::recovery(&o.to_sla(now), targets.max_recovery)?;
        if !check.within_limit {
            misses.push(SlaMiss::Recovery {
                outage_id: id.clone(),
                duration_minutes: check.duration.as_mins(),
                limit_minutes: targets.max_recovery.as_mins(),
                ongoing: o.end.is_none(),
            });
        }
    }
    for (id, q) in inquiries {
        if q.asked_at < start || q.asked_at >= end || q.asked_at > now {
            continue;
        }
        let deadline = sla::deadline(q.asked_at, targets.first_answer_limit, calendar)?;
        let late = match q.first_answered_at {
            Some(at) => {
                !sla::inquiry_response(q.asked_at, at, targets.first_answer_limit, calendar)?
                    .within_limit
            }
            None => now > deadline,
        };
        if late {
            misses.push(SlaMiss::FirstAnswer {
                inquiry_id: id.clone(),
                deadline,
                answered_at: q.first_answered_at,
            });
        }
    }
    let cutoff = end.min(now);
    let started_in_month = sla_outages
        .iter()
        .any(|o| o.major && o.start >= start && o.start < cutoff);
    if started_in_month {
        let at = cutoff
            .checked_sub(SignedDuration::from_nanos(1))
            .map_err(date_range)?;
        let count = sla::major_failures_to_date(
            &sla_outages,
            at,
            targets.max_major_failures_per_fiscal_year,
        );
        if !count.within_limit {
            misses.push(SlaMiss::MajorFailures {
                fiscal_year: count.fiscal_year,
                count: count.count,
                max: count.max,
            });
        }
    }
    Ok(MonthlySla {
        month,
        complete,
        availability,
        misses,
    })
}

/// A target such as 99.8 % as `99.8` (up to four decimals, no trailing
/// zeros).
fn plain_percent(p: sla::Percent) -> String {
    let text = p.display(4);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// The months any record touches up to `now`: each outage from its
/// start's month to its end's (or now's), each inquiry's month.
pub fn months_with_records(
    outages: &[(String, OutageInput)],
    inquiries: &[(String, InquiryInput)],
    now: Timestamp,
) -> BTreeSet<Month> {
    let current = Month::of_instant(now);
    let mut months = BTreeSet::new();
    for (_, o) in outages {
        if o.start > now {
            continue;
        }
        let last = Month::of_instant(o.end.unwrap_or(now).min(now));
        let mut m = Month::of_instant(o.start);
        for _ in 0..240 {
            if m > last || m > current {
                break;
            }
            months.insert(m);
            m = m.next();
        }
    }
    for (_, q) in inquiries {
        if q.asked_at <= now {
            months.insert(Month::of_instant(q.asked_at));
        }
    }
    months
}

/// Seed 004 サービスレベルの保証: a month in which any SLA target was missed
/// ([`monthly_sla`]) needs an improvement plan in that month's report
/// (サービス実績報告書). Fulfilled once the report's latest version (not
/// returned) states one; pending until the report's due date, breached
/// after it.
#[allow(clippy::too_many_arguments)]
pub fn improvement_plans(
    service_id: &str,
    ctx: &DueContext<'_>,
    outages: &[(String, OutageInput)],
    inquiries: &[(String, InquiryInput)],
    reports: &[DeliverableFacts],
    now: Timestamp,
) -> Result<Vec<Alert>, OversightError> {
    let today = tokyo_date(now);
    let mut out = Vec::new();
    for month in months_with_records(outages, inquiries, now) {
        let result = monthly_sla(month, ctx.settings, ctx.calendar, outages, inquiries, now)?;
        if result.misses.is_empty() || deliverables::has_improvement_plan(reports, month) {
            continue;
        }
        let period = Period::Month(month);
        let reviewer_due = reports
            .iter()
            .find(|f| f.kind == DeliverableKind::MonthlyReport && f.period == period)
            .and_then(|f| f.due);
        let due = match reviewer_due {
            Some(d) => d,
            None => deliverables::default_due(DeliverableKind::MonthlyReport, period, ctx)?
                .unwrap_or(today),
        };
        let status = if today > due {
            AlertStatus::Breached
        } else {
            AlertStatus::Pending
        };
        let missed: Vec<String> = result.misses.iter().map(SlaMiss::describe).collect();
        out.push(
            Draft {
                kind: AlertKind::ImprovementPlanRequired,
                severity: match status {
                    AlertStatus::Pending => AlertSeverity::Warning,
                    AlertStatus::Breached => AlertSeverity::High,
                },
                status,
                service_id,
                subject: deliverable_subject(DeliverableKind::MonthlyReport, period),
                message: format!(
                    "{}に SLA の目標を達成していません（{}）。{}の月次報告（サービス実績報告書）に改善策を記載してください（提出期限 {due}）",
                    month.label(),
                    missed.join("、"),
                    month.label()
                ),
                deadline: end_of_day(due)?,
                deadline_date: Some(due),
                fulfilled_at: None,
                details: serde_json::json!({"month": month, "misses": result.misses}),
            }
            .build(),
        );
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// Everything about one service

/// What the rules read about one service.
#[derive(Debug, Clone, Copy)]
pub struct ServiceFacts<'a> {
    pub service_id: &'a str,
    pub details: &'a ServiceDetails,
    pub settings: &'a SlaSettings,
    pub calendar: &'a ClosedDayCalendar,
    pub outages: &'a [(String, OutageInput)],
    pub inquiries: &'a [(String, InquiryInput)],
    pub incidents: &'a [(String, IncidentInput)],
    pub notices: &'a [(String, NoticeInput)],
    pub deliverables: &'a [DeliverableFacts],
}

impl<'a> ServiceFacts<'a> {
    /// The due-rule context of the service.
    pub fn due_context(&self) -> DueContext<'a> {
        DueContext {
            contract_start: self.details.contract_start.and_then(civil),
            contract_end: self.details.contract_end.and_then(civil),
            has_subcontractors: !self.details.subcontractors.is_empty(),
            settings: self.settings,
            calendar: self.calendar,
        }
    }

    /// The deliverables expected of the service and their state as of
    /// `now` (Asia/Tokyo date).
    pub fn deliverable_statuses(
        &self,
        now: Timestamp,
    ) -> Result<Vec<DeliverableStatus>, OversightError> {
        deliverables::statuses(&self.due_context(), self.deliverables, tokyo_date(now))
    }
}

/// Every alert of a service as of `now`, by deadline (then dedupe key).
pub fn service_alerts(
    facts: &ServiceFacts<'_>,
    now: Timestamp,
) -> Result<Vec<Alert>, OversightError> {
    let today = tokyo_date(now);
    let mut out = Vec::new();
    for (id, incident) in facts.incidents {
        out.extend(incident_investigation(facts.service_id, id, incident, now)?);
        out.extend(incident_report(facts.service_id, id, incident, now)?);
    }
    for (id, notice) in facts.notices {
        out.extend(notice_lead_time(facts.service_id, id, notice)?);
    }
    out.extend(expiring(facts.service_id, facts.details, today)?);
    out.extend(deliverable_alerts(
        facts.service_id,
        &facts.deliverable_statuses(now)?,
        today,
    )?);
    out.extend(improvement_plans(
        facts.service_id,
        &facts.due_context(),
        facts.outages,
        facts.inquiries,
        facts.deliverables,
        now,
    )?);
    out.sort_by(|a, b| (a.deadline, &a.dedupe_key).cmp(&(b.deadline, &b.dedupe_key)));
    Ok(out)
}

#[cfg(test)]
mod tests;

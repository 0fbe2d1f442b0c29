//! Hand-computed cases for every alert rule, with the exact boundaries.

use jiff::civil::{date, time};

use super::*;
use crate::oversight::deliverables::{VersionFacts, VersionState};
use crate::oversight::records::{DetectedBy, IncidentSeverity};
use crate::service::{Certification, Registration};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// `y-m-d h:mi:s` Asia/Tokyo.
fn jst_at(y: i16, m: i8, d: i8, h: i8, mi: i8, s: i8) -> Result<Timestamp, OversightError> {
    Ok(sla::tokyo_time(date(y, m, d), time(h, mi, s, 0))?)
}

fn incident(occurred: Timestamp) -> IncidentInput {
    IncidentInput {
        occurred_at: occurred,
        detected_at: None,
        suspicion_reported_at: None,
        reported_to_municipality_at: None,
        investigation_started_at: None,
        contained_at: None,
        recovered_at: None,
        closed_at: None,
        severity: IncidentSeverity::High,
        impact: String::new(),
        logs_provided: false,
        description: "不正アクセス".into(),
    }
}

fn micro(ts: Timestamp, n: i64) -> Result<Timestamp, OversightError> {
    add(ts, SignedDuration::from_micros(n))
}

#[test]
fn investigation_within_24_hours_exactly_is_on_time() -> TestResult {
    let occurred = jst_at(2026, 6, 1, 10, 0, 0)?;
    let deadline = jst_at(2026, 6, 2, 10, 0, 0)?;
    let mut i = incident(occurred);
    let later = jst_at(2026, 6, 9, 0, 0, 0)?;

    // Started exactly 24 h later: on time.
    i.investigation_started_at = Some(deadline);
    assert_eq!(incident_investigation("s1", "i1", &i, later)?, None);

    // One microsecond later: breached, with when it started.
    i.investigation_started_at = Some(micro(deadline, 1)?);
    let a = incident_investigation("s1", "i1", &i, later)?.ok_or("alert")?;
    assert_eq!(
        (a.kind, a.status, a.severity),
        (
            AlertKind::IncidentInvestigationLate,
            AlertStatus::Breached,
            AlertSeverity::Critical
        )
    );
    assert_eq!(a.deadline, deadline);
    assert_eq!(a.fulfilled_at, i.investigation_started_at);
    assert_eq!(a.subject, Subject::new("incident", "i1"));
    assert_eq!(
        a.dedupe_key,
        "incident_investigation_late:breached:s1:incident:i1:2026-06-02T01:00:00Z"
    );
    assert!(a.message.contains("2026-06-02 10:00"), "{}", a.message);

    // Not started: pending up to and at the deadline, breached after it.
    i.investigation_started_at = None;
    let pending = incident_investigation("s1", "i1", &i, deadline)?.ok_or("pending")?;
    assert_eq!(pending.status, AlertStatus::Pending);
    assert_eq!(pending.severity, AlertSeverity::High);
    let breached = incident_investigation("s1", "i1", &i, micro(deadline, 1)?)?.ok_or("b")?;
    assert_eq!(breached.status, AlertStatus::Breached);
    assert_ne!(pending.dedupe_key, breached.dedupe_key);
    assert_eq!(breached.fulfilled_at, None);

    // 25 hours: breached.
    i.investigation_started_at = Some(jst_at(2026, 6, 2, 11, 0, 0)?);
    assert!(incident_investigation("s1", "i1", &i, later)?.is_some());
    Ok(())
}

#[test]
fn an_earlier_suspicion_report_starts_the_investigation_clock() -> TestResult {
    let mut i = incident(jst_at(2026, 6, 1, 10, 0, 0)?);
    // A suspicion reported at 08:00 (before the occurrence was pinned down):
    // the investigation is due by 08:00 the next day.
    i.suspicion_reported_at = Some(jst_at(2026, 6, 1, 8, 0, 0)?);
    i.investigation_started_at = Some(jst_at(2026, 6, 2, 9, 0, 0)?);
    let a = incident_investigation("s1", "i1", &i, jst_at(2026, 6, 3, 0, 0, 0)?)?.ok_or("a")?;
    assert_eq!(a.deadline, jst_at(2026, 6, 2, 8, 0, 0)?);
    assert!(a.message.contains("疑いの連絡"), "{}", a.message);
    // A suspicion reported after the occurrence changes nothing.
    i.suspicion_reported_at = Some(jst_at(2026, 6, 1, 12, 0, 0)?);
    assert_eq!(
        incident_investigation("s1", "i1", &i, jst_at(2026, 6, 3, 0, 0, 0)?)?,
        None
    );
    Ok(())
}

#[test]
fn the_municipality_is_told_within_24_hours() -> TestResult {
    let occurred = jst_at(2026, 6, 1, 23, 30, 0)?;
    let mut i = incident(occurred);
    i.reported_to_municipality_at = Some(jst_at(2026, 6, 2, 23, 30, 0)?);
    let now = jst_at(2026, 6, 5, 0, 0, 0)?;
    assert_eq!(incident_report("s1", "i1", &i, now)?, None);
    i.reported_to_municipality_at = Some(jst_at(2026, 6, 2, 23, 30, 1)?);
    let a = incident_report("s1", "i1", &i, now)?.ok_or("a")?;
    assert_eq!(
        (a.kind, a.status),
        (AlertKind::IncidentReportLate, AlertStatus::Breached)
    );
    // Unreported 23 h 59 min after: pending.
    i.reported_to_municipality_at = None;
    let a = incident_report("s1", "i1", &i, jst_at(2026, 6, 2, 23, 29, 0)?)?.ok_or("p")?;
    assert_eq!(a.status, AlertStatus::Pending);
    Ok(())
}

fn notice(announced: Date, effective: Date) -> NoticeInput {
    NoticeInput {
        kind: NoticeKind::Change,
        announced_on: announced,
        effective_on: effective,
        content: "画面の変更".into(),
        method: "メール".into(),
    }
}

#[test]
fn one_month_before_is_counted_in_calendar_months() -> TestResult {
    // The same day of the month before…
    assert_eq!(notice_deadline(date(2026, 5, 15))?, date(2026, 4, 15));
    assert_eq!(notice_deadline(date(2026, 3, 1))?, date(2026, 2, 1));
    assert_eq!(notice_deadline(date(2027, 1, 31))?, date(2026, 12, 31));
    // …or that month's last day when it has no such day.
    assert_eq!(notice_deadline(date(2026, 3, 31))?, date(2026, 2, 28));
    assert_eq!(notice_deadline(date(2026, 3, 30))?, date(2026, 2, 28));
    assert_eq!(notice_deadline(date(2026, 3, 29))?, date(2026, 2, 28));
    assert_eq!(notice_deadline(date(2028, 3, 31))?, date(2028, 2, 29));
    assert_eq!(notice_deadline(date(2026, 5, 31))?, date(2026, 4, 30));
    // Counted back from the effective date: for 2/28 the notice is due by
    // 1/28, although 1/31 + one month is 2/28 too (counting back is never
    // more lenient than counting forward).
    assert_eq!(notice_deadline(date(2026, 2, 28))?, date(2026, 1, 28));
    assert!(notice_lead_time("s1", "n1", &notice(date(2026, 1, 31), date(2026, 2, 28)))?.is_some());
    assert_eq!(
        notice_lead_time("s1", "n1", &notice(date(2026, 1, 28), date(2026, 2, 28)))?,
        None
    );

    // Announced on the last day: on time; the day after: too late.
    assert_eq!(
        notice_lead_time("s1", "n1", &notice(date(2026, 2, 28), date(2026, 3, 31)))?,
        None
    );
    let a = notice_lead_time("s1", "n1", &notice(date(2026, 3, 1), date(2026, 3, 31)))?
        .ok_or("late")?;
    assert_eq!(
        (a.kind, a.status, a.deadline_date),
        (
            AlertKind::NoticeTooLate,
            AlertStatus::Breached,
            Some(date(2026, 2, 28))
        )
    );
    // The deadline is the end of 2/28 in Tokyo.
    assert_eq!(a.deadline, jst_at(2026, 3, 1, 0, 0, 0)?);
    assert_eq!(a.fulfilled_at, Some(jst_at(2026, 3, 1, 0, 0, 0)?));
    assert_eq!(
        notice_lead_time("s1", "n1", &notice(date(2026, 4, 15), date(2026, 5, 15)))?,
        None
    );
    assert!(notice_lead_time("s1", "n1", &notice(date(2026, 4, 16), date(2026, 5, 15)))?.is_some());
    Ok(())
}

fn until(y: u16, m: u8, d: u8) -> RecordDate {
    RecordDate(crate::catalog::Date {
        year: y,
        month: m,
        day: d,
    })
}

#[test]
fn expiry_within_90_days_inclusive() -> TestResult {
    let today = date(2026, 6, 1);
    let details = ServiceDetails {
        ismap: Some(Registration {
            number: "C21-0001-1".into(),
            // 2026-08-30 is 90 days after 6/1: flagged.
            valid_until: Some(until(2026, 8, 30)),
        }),
        lgwan_asp: Some(Registration {
            number: "A-1".into(),
            // 91 days: not yet.
            valid_until: Some(until(2026, 8, 31)),
        }),
        certifications: vec![
            Certification {
                name: "ISO/IEC 27017".into(),
                issuer: "JQA".into(),
                scope: String::new(),
                // Today: still valid, pending.
                valid_until: Some(until(2026, 6, 1)),
            },
            Certification {
                name: "SOC 2".into(),
                issuer: "x".into(),
                scope: String::new(),
                // Yesterday: expired.
                valid_until: Some(until(2026, 5, 31)),
            },
        ],
        contract_end: Some(until(2026, 7, 2)),
        ..ServiceDetails::default()
    };
    let alerts = expiring("s1", &details, today)?;
    let found: Vec<(&str, &str, AlertStatus, AlertSeverity)> = alerts
        .iter()
        .map(|a| {
            (
                a.subject.kind.as_str(),
                a.subject.id.as_str(),
                a.status,
                a.severity,
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "registration",
                "ismap",
                AlertStatus::Pending,
                AlertSeverity::Warning
            ),
            (
                "certification",
                "ISO/IEC 27017",
                AlertStatus::Pending,
                AlertSeverity::High
            ),
            (
                "certification",
                "SOC 2",
                AlertStatus::Breached,
                AlertSeverity::High
            ),
            (
                "contract",
                "contract",
                AlertStatus::Pending,
                AlertSeverity::Warning
            ),
        ]
    );
    assert_eq!(alerts[0].details["days_left"], 90);
    assert!(
        alerts[0].message.contains("C21-0001-1"),
        "{}",
        alerts[0].message
    );
    assert_eq!(alerts[0].deadline_date, Some(date(2026, 8, 30)));
    assert!(
        alerts[2].message.contains("1 日経過"),
        "{}",
        alerts[2].message
    );
    Ok(())
}

fn report_facts(month: &str, versions: Vec<VersionFacts>) -> Result<DeliverableFacts, String> {
    Ok(DeliverableFacts {
        kind: DeliverableKind::MonthlyReport,
        period: Period::Month(Month::parse(month).ok_or("month")?),
        due: None,
        required: true,
        versions,
    })
}

#[test]
fn deliverables_due_soon_missing_and_late() -> TestResult {
    let calendar = ClosedDayCalendar::japan()?;
    let settings = SlaSettings {
        reports_from: Month::parse("2026-05"),
        ..SlaSettings::default()
    };
    let ctx = DueContext {
        contract_start: None,
        contract_end: None,
        has_subcontractors: false,
        settings: &settings,
        calendar: &calendar,
    };
    let may = |today: Date,
               facts: &[DeliverableFacts]|
     -> Result<Vec<Alert>, Box<dyn std::error::Error>> {
        let s = deliverables::statuses(&ctx, facts, today)?;
        Ok(deliverable_alerts("s1", &s, today)?
            .into_iter()
            .filter(|a| a.subject.id == "monthly_report/2026-05")
            .collect())
    };
    // May's report is due 2026-06-12 (the 10th open day of June).
    assert!(
        may(date(2026, 6, 4), &[])?.is_empty(),
        "8 days before: nothing"
    );
    let soon = may(date(2026, 6, 5), &[])?;
    assert_eq!(
        soon.iter().map(|a| (a.kind, a.status)).collect::<Vec<_>>(),
        [(AlertKind::DeliverableMissing, AlertStatus::Pending)]
    );
    assert_eq!(soon[0].deadline_date, Some(date(2026, 6, 12)));
    assert_eq!(soon[0].deadline, jst_at(2026, 6, 13, 0, 0, 0)?);
    assert_eq!(may(date(2026, 6, 12), &[])?[0].status, AlertStatus::Pending);
    assert_eq!(
        may(date(2026, 6, 13), &[])?[0].status,
        AlertStatus::Breached
    );

    // Submitted at 23:59:59 JST on the due date: on time, nothing.
    let version = |at: &str, state| -> Result<VersionFacts, jiff::Error> {
        Ok(VersionFacts {
            version: 1,
            submitted_at: at.parse()?,
            state,
            has_improvement_plan: false,
        })
    };
    let on_time = report_facts(
        "2026-05",
        vec![version("2026-06-12T14:59:59Z", VersionState::Submitted)?],
    )?;
    assert!(may(date(2026, 6, 20), &[on_time])?.is_empty());
    // At 00:00 JST the next day: late.
    let late = report_facts(
        "2026-05",
        vec![version("2026-06-12T15:00:00Z", VersionState::Accepted)?],
    )?;
    let a = may(date(2026, 6, 20), &[late])?;
    assert_eq!(
        a.iter().map(|a| (a.kind, a.status)).collect::<Vec<_>>(),
        [(AlertKind::DeliverableLate, AlertStatus::Breached)]
    );
    assert_eq!(a[0].fulfilled_at, Some("2026-06-12T15:00:00Z".parse()?));
    // Returned and past the due date: missing again.
    let returned = report_facts(
        "2026-05",
        vec![version("2026-06-10T00:00:00Z", VersionState::Returned)?],
    )?;
    let a = may(date(2026, 6, 20), &[returned])?;
    assert_eq!(a[0].kind, AlertKind::DeliverableMissing);
    assert!(a[0].message.contains("差し戻された"), "{}", a[0].message);
    Ok(())
}

fn outage(start: Timestamp, end: Option<Timestamp>, major: bool) -> OutageInput {
    OutageInput {
        start,
        end,
        justified: false,
        major,
        cause: String::new(),
        countermeasure: String::new(),
        permanent_fix: String::new(),
        detected_by: DetectedBy::Monitoring,
        description: "停止".into(),
    }
}

#[test]
fn a_missed_availability_month_requires_an_improvement_plan() -> TestResult {
    let calendar = ClosedDayCalendar::japan()?;
    let settings = SlaSettings::default();
    let ctx = DueContext {
        contract_start: None,
        contract_end: None,
        has_subcontractors: false,
        settings: &settings,
        calendar: &calendar,
    };
    // docs/sla.md example 1: 87 minutes down in April 2026 → 99.798 % < 99.8 %.
    let down87 = vec![(
        "o1".to_owned(),
        outage(
            jst_at(2026, 4, 14, 10, 0, 0)?,
            Some(jst_at(2026, 4, 14, 11, 27, 0)?),
            false,
        ),
    )];
    let plans = |outages: &[(String, OutageInput)], reports: &[DeliverableFacts], now| {
        improvement_plans("s1", &ctx, outages, &[], reports, now)
    };
    // April's report is due 2026-05-19 (10th open day of May).
    let a = plans(&down87, &[], jst_at(2026, 5, 10, 0, 0, 0)?)?;
    assert_eq!(a.len(), 1);
    assert_eq!(
        (a[0].kind, a[0].status, a[0].deadline_date),
        (
            AlertKind::ImprovementPlanRequired,
            AlertStatus::Pending,
            Some(date(2026, 5, 19))
        )
    );
    assert_eq!(a[0].subject.id, "monthly_report/2026-04");
    assert!(
        a[0].message
            .contains("サービス稼働率 99.798 %（目標 99.8 % 以上）"),
        "{}",
        a[0].message
    );
    assert_eq!(a[0].details["misses"][0]["target"], "availability");
    // Still within April: availability is judged on the whole month only.
    assert!(plans(&down87, &[], jst_at(2026, 4, 30, 23, 0, 0)?)?.is_empty());
    // After the due date without a plan: breached.
    let late = plans(&down87, &[], jst_at(2026, 5, 20, 0, 0, 0)?)?;
    assert_eq!(late[0].status, AlertStatus::Breached);
    // A report stating an improvement plan fulfils it; a returned one does not.
    let with_plan = |state| -> Result<DeliverableFacts, Box<dyn std::error::Error>> {
        Ok(report_facts(
            "2026-04",
            vec![VersionFacts {
                version: 1,
                submitted_at: jst_at(2026, 5, 12, 0, 0, 0)?,
                state,
                has_improvement_plan: true,
            }],
        )?)
    };
    let now = jst_at(2026, 5, 20, 0, 0, 0)?;
    assert!(plans(&down87, &[with_plan(VersionState::Submitted)?], now)?.is_empty());
    assert_eq!(
        plans(&down87, &[with_plan(VersionState::Returned)?], now)?.len(),
        1
    );
    // 86 minutes is the most 99.8 % allows: nothing.
    let down86 = vec![(
        "o1".to_owned(),
        outage(
            jst_at(2026, 4, 14, 10, 0, 0)?,
            Some(jst_at(2026, 4, 14, 11, 26, 0)?),
            false,
        ),
    )];
    assert!(plans(&down86, &[], now)?.is_empty());
    Ok(())
}

#[test]
fn recovery_first_answers_and_major_failure_counts_per_month() -> TestResult {
    let calendar = ClosedDayCalendar::japan()?;
    let settings = SlaSettings::default();
    let sla_of = |month: &str,
                  outages: &[(String, OutageInput)],
                  inquiries: &[(String, InquiryInput)],
                  now|
     -> Result<Vec<SlaMiss>, Box<dyn std::error::Error>> {
        let m = Month::parse(month).ok_or("month")?;
        Ok(monthly_sla(m, &settings, &calendar, outages, inquiries, now)?.misses)
    };
    // A major failure 01:00–07:00 (exactly 6 h) is on time; 07:00:01 is not.
    let start = jst_at(2026, 5, 10, 1, 0, 0)?;
    let six = vec![(
        "o1".to_owned(),
        outage(start, Some(jst_at(2026, 5, 10, 7, 0, 0)?), true),
    )];
    let now = jst_at(2026, 5, 11, 0, 0, 0)?;
    assert!(sla_of("2026-05", &six, &[], now)?.is_empty());
    let longer = vec![(
        "o1".to_owned(),
        outage(start, Some(jst_at(2026, 5, 10, 7, 0, 1)?), true),
    )];
    let misses = sla_of("2026-05", &longer, &[], now)?;
    assert!(
        matches!(&misses[..], [SlaMiss::Recovery { outage_id, ongoing: false, .. }] if outage_id == "o1"),
        "{misses:?}"
    );
    // Still going on 6 h 1 min later: missed already.
    let ongoing = vec![("o1".to_owned(), outage(start, None, true))];
    let misses = sla_of("2026-05", &ongoing, &[], jst_at(2026, 5, 10, 7, 1, 0)?)?;
    assert!(
        matches!(&misses[..], [SlaMiss::Recovery { ongoing: true, .. }]),
        "{misses:?}"
    );

    // docs/sla.md example 5: asked Fri 2026-07-17 16:00, 7/20 海の日:
    // the first answer is due Wed 7/22 16:00.
    let asked = jst_at(2026, 7, 17, 16, 0, 0)?;
    let question = |answered: Option<Timestamp>| InquiryInput {
        asked_at: asked,
        asked_by: "情報政策課".into(),
        content: "質問".into(),
        first_answered_at: answered,
        answered_by: String::new(),
        answer: String::new(),
    };
    let deadline = jst_at(2026, 7, 22, 16, 0, 0)?;
    let q = |a| vec![("q1".to_owned(), question(a))];
    let later = jst_at(2026, 7, 30, 0, 0, 0)?;
    assert!(sla_of("2026-07", &[], &q(Some(deadline)), later)?.is_empty());
    assert_eq!(
        sla_of("2026-07", &[], &q(Some(micro(deadline, 1)?)), later)?.len(),
        1
    );
    assert!(sla_of("2026-07", &[], &q(None), deadline)?.is_empty());
    assert!(matches!(
        &sla_of("2026-07", &[], &q(None), micro(deadline, 1)?)?[..],
        [SlaMiss::FirstAnswer {
            answered_at: None,
            ..
        }]
    ));

    // Four major failures in FY2026 (limit 3): the fourth month misses.
    let hour_major = |y, m, d| -> Result<(String, OutageInput), OversightError> {
        let s = jst_at(y, m, d, 0, 0, 0)?;
        Ok((
            format!("{y}-{m}-{d}"),
            outage(s, Some(add(s, SignedDuration::from_hours(1))?), true),
        ))
    };
    let four = vec![
        hour_major(2026, 4, 1)?,
        hour_major(2026, 8, 1)?,
        hour_major(2026, 12, 1)?,
        hour_major(2027, 2, 1)?,
    ];
    let end_fy = jst_at(2027, 3, 31, 0, 0, 0)?;
    let count_misses = |month: &str| -> Result<usize, Box<dyn std::error::Error>> {
        Ok(sla_of(month, &four, &[], end_fy)?
            .iter()
            .filter(|m| matches!(m, SlaMiss::MajorFailures { .. }))
            .count())
    };
    assert_eq!(count_misses("2026-12")?, 0, "third: within the limit");
    assert_eq!(count_misses("2027-02")?, 1, "fourth: over");
    assert_eq!(count_misses("2027-03")?, 0, "no failure in March");
    Ok(())
}

#[test]
fn a_service_lists_every_alert_by_deadline() -> TestResult {
    let calendar = ClosedDayCalendar::japan()?;
    let settings = SlaSettings::default();
    let details = ServiceDetails::default();
    let mut inc = incident(jst_at(2026, 6, 1, 10, 0, 0)?);
    inc.investigation_started_at = Some(jst_at(2026, 6, 2, 11, 0, 0)?);
    inc.reported_to_municipality_at = Some(jst_at(2026, 6, 1, 12, 0, 0)?);
    let incidents = vec![("i1".to_owned(), inc)];
    let notices = vec![("n1".to_owned(), notice(date(2026, 5, 20), date(2026, 6, 1)))];
    let facts = ServiceFacts {
        service_id: "s1",
        details: &details,
        settings: &settings,
        calendar: &calendar,
        outages: &[],
        inquiries: &[],
        incidents: &incidents,
        notices: &notices,
        deliverables: &[],
    };
    let alerts = service_alerts(&facts, jst_at(2026, 6, 10, 0, 0, 0)?)?;
    let kinds: Vec<AlertKind> = alerts.iter().map(|a| a.kind).collect();
    // The notice's deadline (end of 5/1) comes before the incident's (6/2 10:00).
    assert_eq!(
        kinds,
        [
            AlertKind::NoticeTooLate,
            AlertKind::IncidentInvestigationLate
        ]
    );
    let json = serde_json::to_value(&alerts[1])?;
    assert_eq!(json["kind"], "incident_investigation_late");
    assert_eq!(json["status"], "breached");
    assert_eq!(json["deadline"], "2026-06-02T01:00:00Z");
    assert_eq!(json["deadline_date"], serde_json::Value::Null);
    assert!(json.get("details").is_none());
    Ok(())
}

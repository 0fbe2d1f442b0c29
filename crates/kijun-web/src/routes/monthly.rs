//! The monthly service report (サービス実績報告書, seed 004) over HTTP:
//! `GET /api/v1/services/{id}/monthly-report/{YYYY-MM}?format=pdf|html|xlsx`.
//!
//! The report is computed as of now from the service's oversight records:
//! the four SLA figures with `kijun_core::sla::report::compute_month`'s
//! exact comparisons (ongoing outages count up to now; unanswered
//! inquiries are late once past their deadline), the month's outages,
//! incidents, inquiries, issues and risks, the security plan's status, and
//! — when any target was missed — the improvement plan the report must
//! state with the monthly-report deliverable's state. `kijun-report` lays
//! it out (PDF, HTML), `kijun-exchange` writes the workbook from the same
//! document.
//!
//! Who may read it: as the service's oversight records — tenant staff and
//! viewers, and vendor users of the service's provider or integrator
//! organisation (the figures cover every record; the listed rows only
//! those filed by the municipality or their own organisation); anyone
//! else gets 404. Every download is audit-logged
//! (`monthly_report_exported`).

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use kijun_core::calendar::ClosedDayCalendar;
use kijun_core::oversight::alerts::{civil, jst};
use kijun_core::oversight::deliverables::{
    DeliverableFacts, DeliverableKind, DeliverableState, DueContext, Period, VersionFacts,
    VersionState, statuses,
};
use kijun_core::oversight::figures::{ComputedFigures, ReportedFigures, differences};
use kijun_core::oversight::records::{
    IncidentInput, InquiryInput, IssueInput, IssueStatus, OutageInput, PlanItemInput,
    PlanStatusInput,
};
use kijun_core::oversight::{Month, RecordData, SlaSettings};
use kijun_core::service::ServiceDetails;
use kijun_core::sla::report::{
    Inquiry, JustifiedStop, MonthlyInput, ReportMonth, ReportedOutage, compute_month,
};
use kijun_core::sla::{self, Percent};
use kijun_exchange::{ReportSheet, SheetBlock, SheetColumn};
use kijun_report::date::ja_date;
use kijun_report::{
    Block, Document, FigureMismatch, Improvement, IncidentRow, InquiryRow, IssueRow, MonthlyReport,
    OutageRow, PlanRow, SlaFigure, SlaOutcome,
};
use kijun_store::assessment::ServiceRecord;
use kijun_store::oversight::{OversightRecord, RecordFilter};
use serde::Deserialize;

use crate::audit_log::Event;
use crate::error::{ApiError, ApiQuery};
use crate::principal::Principal;
use crate::routes::oversight::{OversightAccess, service_access};
use crate::routes::reports::{ReportFormat, render};
use crate::state::AppState;

/// The output format of the monthly report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MonthlyFormat {
    #[default]
    Pdf,
    Html,
    /// One-sheet Excel workbook.
    Xlsx,
}

impl MonthlyFormat {
    fn as_str(self) -> &'static str {
        match self {
            MonthlyFormat::Pdf => "pdf",
            MonthlyFormat::Html => "html",
            MonthlyFormat::Xlsx => "xlsx",
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonthlyQuery {
    #[serde(default)]
    pub format: MonthlyFormat,
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> ApiError {
    ApiError::internal(format!("stored {what} unreadable: {e}"))
}

fn bad_month() -> ApiError {
    ApiError::bad_request(
        "invalid_field",
        "月は YYYY-MM で指定してください（祝日が分かる年の範囲内）",
    )
    .with_field("month")
}

/// Whether `access` sees a record filed by `organisation_id`.
fn sees(access: &OversightAccess, organisation_id: Option<&str>) -> bool {
    match access {
        OversightAccess::Vendor(org) => organisation_id.is_none_or(|o| o == org),
        _ => true,
    }
}

/// Decoded records of one kind, with whether the caller sees each.
fn decode<T: RecordData>(
    records: &[OversightRecord],
    access: &OversightAccess,
) -> Result<Vec<(String, T, bool)>, ApiError> {
    records
        .iter()
        .filter(|r| r.kind == T::KIND.as_str())
        .map(|r| {
            serde_json::from_value::<T>(r.data.clone())
                .map(|t| (r.id.clone(), t, sees(access, r.organisation_id.as_deref())))
                .map_err(|e| corrupt("record", e))
        })
        .collect()
}

/// `7時間30分`.
fn hm(d: SignedDuration) -> String {
    let mins = d.as_mins().max(0);
    format!("{}時間{}分", mins / 60, mins % 60)
}

/// A limit as the contract states it: `6時間`, `90分`.
fn limit_text(d: SignedDuration) -> String {
    let mins = d.as_mins();
    if mins % 60 == 0 {
        format!("{}時間", mins / 60)
    } else {
        hm(d)
    }
}

/// `99.8` (up to four decimals, no trailing zeros).
fn plain_percent(p: Percent) -> String {
    let text = p.display(4);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn ja_month_day(d: Option<Date>) -> String {
    d.map_or_else(|| "－".to_owned(), ja_date)
}

fn state_label(s: DeliverableState) -> &'static str {
    match s {
        DeliverableState::NotRequired => "提出不要",
        DeliverableState::Upcoming => "未提出（期限前）",
        DeliverableState::Missing => "未提出（期限超過）",
        DeliverableState::Submitted => "提出済み（確認待ち）",
        DeliverableState::Accepted => "受理",
        DeliverableState::Returned => "差戻し",
    }
}

/// Everything the report is computed from.
struct Inputs {
    service: ServiceRecord,
    access: OversightAccess,
    tenant: String,
    provider: String,
    integrator: Option<String>,
    settings: SlaSettings,
    calendar: ClosedDayCalendar,
    records: Vec<OversightRecord>,
    deliverables: Vec<kijun_store::oversight::DeliverableRecord>,
    versions: Vec<kijun_store::oversight::DeliverableVersion>,
}

async fn load(
    state: &AppState,
    service: ServiceRecord,
    access: OversightAccess,
) -> Result<Inputs, ApiError> {
    let mut records = Vec::new();
    for kind in [
        "outage",
        "inquiry",
        "incident",
        "plan_item",
        "plan_status",
        "issue",
    ] {
        records.extend(
            state
                .store
                .oversight_records(&service.id, kind, &RecordFilter::default())
                .await?,
        );
    }
    let settings: SlaSettings = match state.store.sla_settings(&service.id).await? {
        None => SlaSettings::default(),
        Some(v) => serde_json::from_value(v).map_err(|e| corrupt("SLA settings", e))?,
    };
    let calendar = settings.calendar().map_err(|e| corrupt("closed days", e))?;
    let deliverables = state.store.deliverables_of_service(&service.id).await?;
    let versions = state
        .store
        .deliverable_versions_of_service(&service.id)
        .await?;
    let tenant = state
        .store
        .tenant(&service.tenant_id)
        .await?
        .map(|t| t.name)
        .unwrap_or_default();
    let orgs: BTreeMap<String, String> = state
        .store
        .organisations()
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let org_name = |id: Option<&String>| {
        id.and_then(|id| orgs.get(id))
            .cloned()
            .filter(|s| !s.is_empty())
    };
    let provider = org_name(service.provider_org_id.as_ref()).unwrap_or_else(|| "－".to_owned());
    let integrator = org_name(service.integrator_org_id.as_ref());
    Ok(Inputs {
        service,
        access,
        tenant,
        provider,
        integrator,
        settings,
        calendar,
        records,
        deliverables,
        versions,
    })
}

/// The report of `month` as of `now`.
fn build(inputs: &Inputs, month: Month, now: Timestamp) -> Result<MonthlyReport, ApiError> {
    let report_month = ReportMonth::new(month.year(), month.month()).map_err(|_| bad_month())?;
    let (start, end) = (
        month.start().map_err(ApiError::internal)?,
        month.end().map_err(ApiError::internal)?,
    );
    let complete = now >= end;
    let targets = inputs.settings.targets;
    let calendar = &inputs.calendar;
    let access = &inputs.access;

    let outages: Vec<(String, OutageInput, bool)> = decode(&inputs.records, access)?;
    let inquiries: Vec<(String, InquiryInput, bool)> = decode(&inputs.records, access)?;
    let incidents: Vec<(String, IncidentInput, bool)> = decode(&inputs.records, access)?;
    let items: Vec<(String, PlanItemInput, bool)> = decode(&inputs.records, access)?;
    let plan_status: Vec<(String, PlanStatusInput, bool)> = decode(&inputs.records, access)?;
    let issues: Vec<(String, IssueInput, bool)> = decode(&inputs.records, access)?;

    // --- SLA figures (every record, ongoing outages up to now).
    let until = |o: &OutageInput| o.end.unwrap_or(now).max(o.start);
    let known: Vec<&OutageInput> = outages
        .iter()
        .map(|(_, o, _)| o)
        .filter(|o| o.start <= now)
        .collect();
    let input = MonthlyInput {
        targets,
        schedule: inputs.settings.schedule.clone(),
        extra_closed_days: Vec::new(),
        justified_stops: known
            .iter()
            .filter(|o| o.justified)
            .map(|o| JustifiedStop {
                start: o.start,
                end: until(o),
                reason: o.description.clone(),
            })
            .collect(),
        outages: known
            .iter()
            .filter(|o| !o.justified)
            .map(|o| ReportedOutage {
                start: o.start,
                end: until(o),
                major: o.major,
                description: Some(o.description.clone()),
            })
            .collect(),
        inquiries: inquiries
            .iter()
            .filter_map(|(id, q, _)| {
                q.first_answered_at.map(|at| Inquiry {
                    id: id.clone(),
                    asked_at: q.asked_at,
                    first_answered_at: at,
                })
            })
            .collect(),
    };
    let m = compute_month(&input, report_month, calendar).map_err(ApiError::internal)?;

    let mut figures = Vec::new();
    let a = &m.availability;
    figures.push(SlaFigure {
        item: "サービス稼働率".into(),
        target: format!("{}% 以上", plain_percent(a.target)),
        actual: if !complete {
            "月の終了後に確定".into()
        } else {
            match a.percent {
                Some(p) => format!("{}%", p.display(3)),
                None => "対象時間なし".into(),
            }
        },
        outcome: match (complete, a.met) {
            (false, _) => SlaOutcome::Pending,
            (true, true) => SlaOutcome::Met,
            (true, false) => SlaOutcome::Missed,
        },
        basis: format!(
            "予定稼働 {} 分、正当な理由のある停止 {} 分、停止 {} 分（分単位、(予定 − 正当な停止 − 停止) ÷ (予定 − 正当な停止) × 100、小数第3位未満切捨て）",
            a.planned_minutes, a.justified_stop_minutes, a.down_minutes
        ),
    });
    let longest = m.major_failures.iter().map(|f| f.recovery).max();
    figures.push(SlaFigure {
        item: "重大障害の復旧時間".into(),
        target: format!("{}以内", limit_text(targets.max_recovery)),
        actual: match longest {
            None => "重大障害なし".into(),
            Some(d) => format!("最長 {}（{} 件）", hm(d), m.major_failures.len()),
        },
        outcome: if m.major_failures.iter().all(|f| f.met) {
            SlaOutcome::Met
        } else {
            SlaOutcome::Missed
        },
        basis: format!(
            "対象月に発生した重大障害 {} 件、うち目標超過 {} 件（発生から復旧まで、継続中は現在まで）",
            m.major_failures.len(),
            m.major_failures.iter().filter(|f| !f.met).count()
        ),
    });

    // Inquiries asked in the month, with the unanswered ones.
    let mut inquiry_rows = Vec::new();
    let mut late = 0usize;
    let mut waiting = 0usize;
    let mut longest_answer: Option<SignedDuration> = None;
    let mut asked: Vec<&(String, InquiryInput, bool)> = inquiries
        .iter()
        .filter(|(_, q, _)| start <= q.asked_at && q.asked_at < end && q.asked_at <= now)
        .collect();
    asked.sort_by_key(|(_, q, _)| q.asked_at);
    for (id, q, visible) in &asked {
        let (response, outcome) = match m.inquiries.iter().find(|r| &r.id == id) {
            Some(r) => {
                longest_answer = longest_answer.max(Some(r.response));
                if !r.met {
                    late += 1;
                }
                (
                    hm(r.response),
                    if r.met {
                        SlaOutcome::Met
                    } else {
                        SlaOutcome::Missed
                    },
                )
            }
            None => {
                let deadline = sla::deadline(q.asked_at, targets.first_answer_limit, calendar)
                    .map_err(ApiError::internal)?;
                if now > deadline {
                    late += 1;
                    (
                        format!("未回答（期限 {} 超過）", jst(deadline)),
                        SlaOutcome::Missed,
                    )
                } else {
                    waiting += 1;
                    (
                        format!("未回答（期限 {}）", jst(deadline)),
                        SlaOutcome::Pending,
                    )
                }
            }
        };
        if *visible {
            inquiry_rows.push(InquiryRow {
                asked_at: jst(q.asked_at),
                asked_by: q.asked_by.clone(),
                content: q.content.clone(),
                answered_at: q.first_answered_at.map_or_else(|| "未回答".into(), jst),
                answered_by: q.answered_by.clone(),
                answer: q.answer.clone(),
                response,
                outcome,
            });
        }
    }
    figures.push(SlaFigure {
        item: "問合せに係る回答時間".into(),
        target: format!("{}以内（閉庁日を除く）", limit_text(targets.first_answer_limit)),
        actual: match longest_answer {
            None if asked.is_empty() => "問合せなし".into(),
            None => format!("回答済みなし（{} 件）", asked.len()),
            Some(d) => format!("最長 {}（{} 件）", hm(d), asked.len()),
        },
        outcome: if late > 0 {
            SlaOutcome::Missed
        } else if waiting > 0 {
            SlaOutcome::Pending
        } else {
            SlaOutcome::Met
        },
        basis: format!(
            "対象月の問合せ {} 件、期限超過 {late} 件、回答待ち {waiting} 件（問合せから一次回答まで、閉庁日を除く）",
            asked.len()
        ),
    });
    let fy = &m.major_failures_fiscal_year;
    figures.push(SlaFigure {
        item: "重大障害の発生件数".into(),
        target: format!("{}回/年 以内", fy.target),
        actual: format!("{} {} 回", fy.fiscal_year, fy.count),
        outcome: if fy.met {
            SlaOutcome::Met
        } else {
            SlaOutcome::Missed
        },
        basis: format!(
            "{}の4月1日から対象月末までに発生した重大障害",
            fy.fiscal_year
        ),
    });

    // --- Outages and incidents of the month (those the caller sees).
    let mut outage_rows = Vec::new();
    let (mut n_outages, mut n_major) = (0usize, 0usize);
    let mut in_month: Vec<&(String, OutageInput, bool)> = outages
        .iter()
        .filter(|(_, o, _)| o.start < end && o.start <= now && until(o) >= start)
        .collect();
    in_month.sort_by_key(|(_, o, _)| o.start);
    for (_, o, visible) in in_month {
        if !visible {
            continue;
        }
        n_outages += 1;
        if o.major && !o.justified {
            n_major += 1;
        }
        outage_rows.push(OutageRow {
            start: jst(o.start),
            end: o.end.map_or_else(|| "継続中".into(), jst),
            class: if o.justified {
                "正当な理由のある停止".into()
            } else if o.major {
                "重大障害".into()
            } else {
                "障害".into()
            },
            duration: format!(
                "{}{}",
                hm(until(o).duration_since(o.start)),
                if o.end.is_none() {
                    "（継続中）"
                } else {
                    ""
                }
            ),
            description: o.description.clone(),
            cause: o.cause.clone(),
            countermeasure: o.countermeasure.clone(),
            permanent_fix: o.permanent_fix.clone(),
        });
    }
    let mut incident_rows = Vec::new();
    let mut active: Vec<&(String, IncidentInput, bool)> = incidents
        .iter()
        .filter(|(_, i, v)| *v && i.occurred_at < end && i.closed_at.is_none_or(|c| c >= start))
        .collect();
    active.sort_by_key(|(_, i, _)| i.occurred_at);
    for (_, i, _) in active {
        incident_rows.push(IncidentRow {
            occurred: jst(i.occurred_at),
            severity: i.severity.label().into(),
            description: i.description.clone(),
            impact: i.impact.clone(),
            reported: i
                .reported_to_municipality_at
                .map_or_else(|| "未報告".into(), jst),
            closed: i.closed_at.map_or_else(|| "対応中".into(), jst),
        });
    }

    // --- Issues and risks raised by the month's end, open or raised in it.
    let last_day = month.last_day().map_err(ApiError::internal)?;
    let first_day = month.first_day().map_err(ApiError::internal)?;
    let mut issue_list: Vec<&(String, IssueInput, bool)> = issues
        .iter()
        .filter(|(_, i, v)| {
            *v && i.raised_on <= last_day
                && (i.status == IssueStatus::Open || i.raised_on >= first_day)
        })
        .collect();
    issue_list.sort_by_key(|(_, i, _)| i.raised_on);
    let issue_rows: Vec<IssueRow> = issue_list
        .iter()
        .map(|(_, i, _)| IssueRow {
            kind: i.kind.label().into(),
            title: i.title.clone(),
            description: i.description.clone(),
            status: i.status.label().into(),
            owner: i.owner.clone(),
            raised_on: ja_date(i.raised_on),
            due: ja_month_day(i.due),
        })
        .collect();
    let open_issues = issue_rows
        .iter()
        .filter(|i| i.status == IssueStatus::Open.label())
        .count();

    // --- The security plan's items and their status in the month.
    let status_of: HashMap<&str, &PlanStatusInput> = plan_status
        .iter()
        .filter(|(_, s, v)| *v && s.month == month)
        .map(|(_, s, _)| (s.item_id.as_str(), s))
        .collect();
    let plan_rows: Vec<PlanRow> = items
        .iter()
        .filter(|(_, _, v)| *v)
        .map(|(id, item, _)| match status_of.get(id.as_str()) {
            Some(s) => PlanRow {
                item: item.title.clone(),
                status: s.status.label().into(),
                note: s.note.clone(),
            },
            None => PlanRow {
                item: item.title.clone(),
                status: "未報告".into(),
                note: String::new(),
            },
        })
        .collect();
    let plan_done = plan_rows
        .iter()
        .filter(|p| p.status == kijun_core::oversight::records::PlanState::Done.label())
        .count();

    // --- Improvement plan and the monthly-report deliverable.
    let misses: Vec<String> = figures
        .iter()
        .filter(|f| f.outcome == SlaOutcome::Missed)
        .map(|f| format!("{} {}（目標 {}）", f.item, f.actual, f.target))
        .collect();
    let (deliverable, plan, reported) = deliverable_state(inputs, month, now)?;
    // The vendor's own figures against kijun's (once the month is over).
    let computed = ComputedFigures {
        availability: m.availability.percent,
        major_failures: u32::try_from(m.major_failures.len()).unwrap_or(u32::MAX),
        longest_major_recovery_minutes: longest
            .map_or(0, |d| u32::try_from(d.as_mins()).unwrap_or(u32::MAX)),
        late_inquiries: u32::try_from(late).unwrap_or(u32::MAX),
        major_failures_fiscal_year: fy.count,
    };
    let (mismatches, check) = match &reported {
        None => (Vec::new(), "事業者の報告値なし".to_owned()),
        Some(_) if !complete => (Vec::new(), "月の終了後に照合".to_owned()),
        Some(r) => {
            let d: Vec<FigureMismatch> = differences(r, &computed)
                .into_iter()
                .map(|d| FigureMismatch {
                    item: d.label.to_owned(),
                    reported: d.reported,
                    computed: d.computed,
                })
                .collect();
            let text = if d.is_empty() {
                "一致（報告された項目すべて）".to_owned()
            } else {
                format!("相違 {} 項目（下表）", d.len())
            };
            (d, text)
        }
    };
    let improvement = Improvement {
        required: !misses.is_empty(),
        misses,
        deliverable,
        plan,
    };

    let performance = vec![
        (
            "障害・停止".to_owned(),
            format!("{n_outages} 件（うち重大障害 {n_major} 件）"),
        ),
        (
            "情報セキュリティインシデント".to_owned(),
            format!("{} 件", incident_rows.len()),
        ),
        (
            "問合せ".to_owned(),
            format!(
                "{} 件（未回答 {} 件）",
                inquiry_rows.len(),
                inquiry_rows
                    .iter()
                    .filter(|q| q.answered_at == "未回答")
                    .count()
            ),
        ),
        (
            "課題・リスク".to_owned(),
            format!("{} 件（対応中 {open_issues} 件）", issue_rows.len()),
        ),
        (
            "セキュリティ対策実施計画".to_owned(),
            format!("{} 項目中 {plan_done} 項目実施済み", plan_rows.len()),
        ),
        ("事業者の報告値との照合".to_owned(), check),
        (
            "SLA の目標".to_owned(),
            if improvement.required {
                "未達の項目あり（改善策が必要）".to_owned()
            } else {
                "未達の項目なし".to_owned()
            },
        ),
    ];

    let tz = TimeZone::get("Asia/Tokyo").unwrap_or(TimeZone::UTC);
    Ok(MonthlyReport {
        tenant: inputs.tenant.clone(),
        service_name: inputs.service.name.clone(),
        provider: inputs.provider.clone(),
        integrator: inputs.integrator.clone(),
        month_label: month.label(),
        period: format!("{}〜{}", ja_date(first_day), ja_date(last_day)),
        complete,
        performance,
        sla: figures,
        mismatches,
        outages: outage_rows,
        incidents: incident_rows,
        inquiries: inquiry_rows,
        issues: issue_rows,
        plan: plan_rows,
        improvement,
        generated_at: now.to_zoned_datetime(tz),
    })
}

/// (項目, 内容) pairs.
type Pairs = Vec<(String, String)>;

/// What the month's monthly-report deliverable says: its state as pairs,
/// the improvement plan and the vendor's own SLA figures of its latest
/// visible version (not returned).
type MonthlyDeliverable = (Pairs, Option<String>, Option<ReportedFigures>);

/// The month's monthly-report deliverable as (項目, 内容) pairs, and the
/// improvement plan its latest visible version (not returned) states.
fn deliverable_state(
    inputs: &Inputs,
    month: Month,
    now: Timestamp,
) -> Result<MonthlyDeliverable, ApiError> {
    let kind = DeliverableKind::MonthlyReport;
    let period = Period::Month(month);
    let stored = inputs
        .deliverables
        .iter()
        .find(|d| d.kind == kind.as_str() && d.period == month.to_string());
    let versions: Vec<&kijun_store::oversight::DeliverableVersion> = stored
        .map(|d| {
            inputs
                .versions
                .iter()
                .filter(|v| v.deliverable_id == d.id)
                .collect()
        })
        .unwrap_or_default();
    let mut facts_versions = Vec::new();
    for v in &versions {
        facts_versions.push(VersionFacts {
            version: u32::try_from(v.version).map_err(|e| corrupt("version", e))?,
            submitted_at: v.submitted_at,
            state: VersionState::parse(&v.state)
                .ok_or_else(|| corrupt("version state", &v.state))?,
            has_improvement_plan: plan_text(v).is_some(),
        });
    }
    let due = stored
        .and_then(|d| d.due_on.as_deref())
        .map(|t| kijun_core::oversight::parse_day(t).ok_or_else(|| corrupt("due date", t)))
        .transpose()?;
    let facts = [DeliverableFacts {
        kind,
        period,
        due,
        required: stored.is_none_or(|d| d.required),
        versions: facts_versions,
    }];
    let details: ServiceDetails = inputs
        .service
        .details
        .get("details")
        .and_then(|d| serde_json::from_value(d.clone()).ok())
        .unwrap_or_default();
    let ctx = DueContext {
        contract_start: details.contract_start.and_then(civil),
        contract_end: details.contract_end.and_then(civil),
        has_subcontractors: !details.subcontractors.is_empty(),
        settings: &inputs.settings,
        calendar: &inputs.calendar,
    };
    let status = statuses(&ctx, &facts, sla::tokyo_date(now))
        .map_err(ApiError::internal)?
        .into_iter()
        .find(|s| s.kind == kind && s.period == period);
    let latest = versions
        .iter()
        .filter(|v| sees(&inputs.access, v.organisation_id.as_deref()))
        .max_by_key(|v| v.version);
    let standing = latest.filter(|v| v.state != VersionState::Returned.as_str());
    let plan = standing.and_then(|v| plan_text(v));
    let reported = standing
        .and_then(|v| v.data.get("reported_figures"))
        .and_then(|f| serde_json::from_value::<ReportedFigures>(f.clone()).ok())
        .filter(|f| !f.is_empty());
    let mut pairs = Vec::new();
    if let Some(s) = status {
        pairs.push(("提出物".to_owned(), s.label.clone()));
        pairs.push(("提出期限".to_owned(), ja_month_day(s.due)));
        pairs.push((
            "提出状況".to_owned(),
            match s.latest_version {
                Some(v) => format!("{}（第{v}版）", state_label(s.state)),
                None => state_label(s.state).to_owned(),
            },
        ));
    }
    pairs.push((
        "改善策の記載".to_owned(),
        if plan.is_some() { "あり" } else { "なし" }.to_owned(),
    ));
    Ok((pairs, plan, reported))
}

fn plan_text(v: &kijun_store::oversight::DeliverableVersion) -> Option<String> {
    v.data
        .get("improvement_plan")
        .and_then(serde_json::Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(str::to_owned)
}

/// A relative column width of the document as Excel characters.
fn sheet_width(relative: f32) -> f64 {
    f64::from(relative) * 6.0
}

/// The workbook's content: the document's blocks as headings, texts and
/// tables (key-value blocks as two-column tables).
pub fn report_sheet(doc: &Document) -> ReportSheet {
    let mut blocks = Vec::new();
    for b in &doc.blocks {
        match b {
            Block::Heading { level, text } => blocks.push(SheetBlock::Heading {
                level: *level,
                text: text.clone(),
            }),
            Block::Paragraph(text) => blocks.push(SheetBlock::Text(text.clone())),
            Block::KeyValue(pairs) => blocks.push(SheetBlock::Table {
                columns: vec![
                    SheetColumn {
                        header: "項目".into(),
                        width: 20.0,
                    },
                    SheetColumn {
                        header: "内容".into(),
                        width: 30.0,
                    },
                ],
                rows: pairs
                    .iter()
                    .map(|(k, v)| vec![k.clone(), v.clone()])
                    .collect(),
            }),
            Block::Table(t) => blocks.push(SheetBlock::Table {
                columns: t
                    .columns
                    .iter()
                    .map(|c| SheetColumn {
                        header: c.header.clone(),
                        width: sheet_width(c.width),
                    })
                    .collect(),
                rows: t
                    .rows
                    .iter()
                    .map(|r| match r {
                        kijun_report::Row::Cells(cells) => cells.clone(),
                        kijun_report::Row::Group(text) => vec![text.clone()],
                    })
                    .collect(),
            }),
            Block::PageBreak { .. } => {}
        }
    }
    ReportSheet {
        title: doc.title.clone(),
        meta: doc.meta.clone(),
        blocks,
    }
}

/// `GET /api/v1/services/{id}/monthly-report/{month}?format=pdf|html|xlsx`:
/// the サービス実績報告書 of the month as of now.
pub async fn monthly_report(
    State(state): State<AppState>,
    p: Principal,
    Path((id, month)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<MonthlyQuery>,
) -> Result<Response, ApiError> {
    let (service, access) = service_access(&state, &p, &id).await?;
    let month = Month::parse(&month).ok_or_else(bad_month)?;
    ReportMonth::new(month.year(), month.month()).map_err(|_| bad_month())?;
    let inputs = load(&state, service, access).await?;
    let report = build(&inputs, month, state.now())?;
    let doc = kijun_report::monthly_report(&report);
    state
        .audit(
            Some(&p),
            None,
            Event {
                action: "monthly_report_exported",
                tenant_id: Some(&inputs.service.tenant_id),
                target: Some(format!("service:{}", inputs.service.id)),
                details: serde_json::json!({"month": month, "format": q.format.as_str()}),
            },
        )
        .await?;
    let name = format!("monthly-report-{}-{month}", inputs.service.id);
    match q.format {
        MonthlyFormat::Pdf => render(doc, ReportFormat::Pdf, &name).await,
        MonthlyFormat::Html => render(doc, ReportFormat::Html, &name).await,
        MonthlyFormat::Xlsx => {
            let sheet = report_sheet(&doc);
            let bytes =
                tokio::task::spawn_blocking(move || kijun_exchange::write_report_sheet(&sheet))
                    .await
                    .map_err(ApiError::internal)?
                    .map_err(ApiError::internal)?;
            let ascii: String = name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            Ok((
                [
                    (
                        header::CONTENT_TYPE,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                            .to_owned(),
                    ),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{ascii}.xlsx\""),
                    ),
                ],
                bytes,
            )
                .into_response())
        }
    }
}

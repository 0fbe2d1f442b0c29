//! Printable reports of an assessment, as PDF (Japanese font embedded) or
//! as HTML with print CSS: the assessment result report (審査結果報告書,
//! reviewers only) and the printable checklist (reviewers: both parties;
//! vendors: their own party). The data comes from the store and the
//! evaluation; `kijun-report` lays it out.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use kijun_core::CatalogSet;
use kijun_core::catalog::{Catalog, Party};
use kijun_core::evaluate::{CatalogEvaluation, ItemStatus, Verdict};
use kijun_report::{
    AnswerStatus, AssessmentReport, CatalogResult, ChecklistCategory, ChecklistPhase,
    ChecklistReport, ChecklistRow, ConditionRow, Document, GapRow, ItemCounts, Level, PartyCell,
};
use kijun_store::Store;
use kijun_store::assessment::{AssessmentRecord, ItemRecord};
use serde::Deserialize;
use serde_json::Value;

use crate::audit_log::Event;
use crate::error::{ApiError, ApiQuery};
use crate::principal::Principal;
use crate::routes::assessments::{Access, assessment_access, evaluation_of, stored_profile};
use crate::state::AppState;

/// The output format of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    #[default]
    Pdf,
    Html,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    #[serde(default)]
    pub format: ReportFormat,
}

fn tokyo() -> TimeZone {
    TimeZone::get("Asia/Tokyo").unwrap_or(TimeZone::UTC)
}

fn report_party(p: Party) -> kijun_report::Party {
    match p {
        Party::Integrator => kijun_report::Party::Integrator,
        Party::Provider => kijun_report::Party::Provider,
    }
}

fn report_level(l: kijun_core::catalog::Level) -> Level {
    match l {
        kijun_core::catalog::Level::Required => Level::Required,
        kijun_core::catalog::Level::Recommended => Level::Recommended,
    }
}

fn report_status(s: ItemStatus) -> AnswerStatus {
    match s {
        ItemStatus::Conforms => AnswerStatus::Conforms,
        ItemStatus::Partial => AnswerStatus::Partial,
        ItemStatus::DoesNotConform => AnswerStatus::DoesNotConform,
        ItemStatus::NotApplicable => AnswerStatus::NotApplicable,
        ItemStatus::Unanswered => AnswerStatus::Unanswered,
    }
}

fn report_verdict(v: Option<&str>) -> kijun_report::Verdict {
    match v {
        Some("approved") => kijun_report::Verdict::Approved,
        Some("conditional") => kijun_report::Verdict::Conditional,
        Some("rejected") => kijun_report::Verdict::Rejected,
        _ => kijun_report::Verdict::Undecided,
    }
}

fn computed_verdict(v: Verdict) -> kijun_report::Verdict {
    report_verdict(Some(v.as_str()))
}

fn civil(d: kijun_core::catalog::Date) -> Option<Date> {
    Date::new(
        i16::try_from(d.year).ok()?,
        i8::try_from(d.month).ok()?,
        i8::try_from(d.day).ok()?,
    )
    .ok()
}

fn phase_label(phase: &str) -> &'static str {
    match phase {
        "selection" => "選定",
        "build" => "導入・構築",
        "operation" => "運用・保守（見直し）",
        "termination" => "更改・廃棄",
        _ => "－",
    }
}

/// The stored answer's status of an item.
fn item_status(item: &ItemRecord) -> AnswerStatus {
    match item
        .answer
        .as_ref()
        .and_then(|a| a.get("status"))
        .and_then(Value::as_str)
    {
        Some("conforms") => AnswerStatus::Conforms,
        Some("partial") => AnswerStatus::Partial,
        Some("does_not_conform") => AnswerStatus::DoesNotConform,
        Some("not_applicable") => AnswerStatus::NotApplicable,
        _ => AnswerStatus::Unanswered,
    }
}

fn answer_text(item: &ItemRecord) -> String {
    let get = |k: &str| {
        item.answer
            .as_ref()
            .and_then(|a| a.get(k))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .trim()
            .to_owned()
    };
    [get("comment"), get("reason"), get("plan")]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn state_label(state: &str) -> &'static str {
    match state {
        "open" => "回答中",
        "submitted" => "提出済",
        "accepted" => "確認済",
        "returned" => "差戻し",
        _ => "－",
    }
}

/// Tenant name, service name, provider and integrator names.
pub async fn names(
    store: &Store,
    a: &AssessmentRecord,
) -> Result<(String, String, String, Option<String>), ApiError> {
    let tenant = store
        .tenant(&a.tenant_id)
        .await?
        .map(|t| t.name)
        .unwrap_or_default();
    let service = store.service(&a.service_id).await?;
    let orgs: BTreeMap<String, String> = store
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
    let (name, provider, integrator) = match &service {
        Some(s) => (
            s.name.clone(),
            org_name(s.provider_org_id.as_ref()).unwrap_or_else(|| "－".to_owned()),
            org_name(s.integrator_org_id.as_ref()),
        ),
        None => (String::new(), "－".to_owned(), None),
    };
    Ok((tenant, name, provider, integrator))
}

/// The 審査結果報告書 of an assessment (decided or not: an undecided one
/// shows the computed result and 未判定).
pub async fn assessment_report_data(
    store: &Store,
    catalogs: &CatalogSet,
    a: &AssessmentRecord,
    now: jiff::Timestamp,
) -> Result<AssessmentReport, ApiError> {
    let (tenant, service_name, provider, integrator) = names(store, a).await?;
    let evaluations: Vec<CatalogEvaluation> = evaluation_of(store, catalogs, a).await?;
    let profile = stored_profile(&serde_json::json!({"profile": a.profile}))?;
    let profile_rows = profile
        .attributes()
        .map(|(attr, v)| {
            let shown = match v {
                kijun_core::profile::Value::Bool(true) => "はい".to_owned(),
                kijun_core::profile::Value::Bool(false) => "いいえ".to_owned(),
                kijun_core::profile::Value::Int(i) => i.to_string(),
                kijun_core::profile::Value::Str(s) => s.clone(),
            };
            (attr.label.to_owned(), shown)
        })
        .collect();
    let results: Vec<CatalogResult> = evaluations
        .iter()
        .map(|e| CatalogResult {
            id: e.id.clone(),
            title: e.title.clone(),
            verdict: computed_verdict(e.verdict),
            counts: ItemCounts {
                required: e.summary.required,
                recommended: e.summary.recommended,
                conforms: e.summary.conforms,
                partial: e.summary.partial,
                does_not_conform: e.summary.does_not_conform,
                not_applicable: e.summary.not_applicable,
                unanswered: e.summary.unanswered,
            },
        })
        .collect();
    let gaps = evaluations
        .iter()
        .flat_map(|e| {
            let catalog = catalogs.get(&e.id);
            e.gaps.iter().map(move |g| {
                let req = catalog.and_then(|c| c.requirement(&g.requirement_id));
                GapRow {
                    catalog: e.title.clone(),
                    requirement_no: g.requirement_id.clone(),
                    requirement: req.map(|r| r.text.clone()).unwrap_or_default(),
                    party: report_party(g.party),
                    level: report_level(g.level),
                    status: report_status(g.status),
                    comment: g.message.clone(),
                    due: g.due.and_then(civil),
                }
            })
        })
        .collect();
    let decision = a.decision.clone().unwrap_or(Value::Null);
    let text = |k: &str| {
        decision
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let conditions = decision
        .get("conditions")
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .map(|c| ConditionRow {
                    text: c
                        .get("text")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    party: None,
                    due: c
                        .get("due")
                        .and_then(Value::as_str)
                        .and_then(|d| d.parse::<Date>().ok()),
                })
                .collect()
        })
        .unwrap_or_default();
    let decided_on = decision
        .get("decided_at")
        .and_then(Value::as_str)
        .and_then(|t| t.parse::<jiff::Timestamp>().ok())
        .map(|t| t.to_zoned_datetime(tokyo()).date());
    let reviewer = Some(text("decided_by")).filter(|s| !s.is_empty());
    Ok(AssessmentReport {
        tenant,
        service_name,
        provider,
        integrator,
        profile: profile_rows,
        phase: phase_label(&a.phase).to_owned(),
        catalogs: results,
        overall: report_verdict(a.verdict.as_deref()),
        gaps,
        conditions,
        note: text("note"),
        reviewer,
        decided_on,
        generated_at: now.to_zoned_datetime(tokyo()),
    })
}

/// The printable checklist of one catalog of an assessment: one row per
/// requirement, with the answer of each party shown (`party`: only that
/// party's side, for a vendor).
pub fn checklist_report_data(
    catalog: &Catalog,
    items: &[ItemRecord],
    party: Option<Party>,
    tenant: &str,
    service_name: &str,
    now: jiff::Timestamp,
) -> ChecklistReport {
    // requirement id → (integrator item, provider item)
    let mut by_req: BTreeMap<&str, [Option<&ItemRecord>; 2]> = BTreeMap::new();
    for i in items.iter().filter(|i| i.key.catalog_id == catalog.id) {
        let slot = match i.key.party.as_str() {
            "integrator" => 0,
            _ => 1,
        };
        if party.is_some_and(|p| p.as_str() != i.key.party) {
            continue;
        }
        by_req.entry(i.key.requirement_id.as_str()).or_default()[slot] = Some(i);
    }
    let cell = |i: Option<&ItemRecord>| {
        let i = i?;
        let level = match i.level.as_str() {
            "required" => Level::Required,
            _ => Level::Recommended,
        };
        Some(PartyCell {
            level,
            answer: item_status(i),
            state: state_label(&i.state).to_owned(),
        })
    };
    let mut phases: Vec<ChecklistPhase> = Vec::new();
    for (n, req) in catalog.requirements.iter().enumerate() {
        let Some([integ, prov]) = by_req.get(req.id.as_str()).copied() else {
            continue;
        };
        let phase_label = catalog.phase_label(req.phase).to_owned();
        if phases.last().is_none_or(|p| p.label != phase_label) {
            phases.push(ChecklistPhase {
                label: phase_label,
                categories: Vec::new(),
            });
        }
        let category = req.category.clone().unwrap_or_else(|| "－".to_owned());
        let Some(phase) = phases.last_mut() else {
            continue;
        };
        if phase.categories.last().is_none_or(|c| c.label != category) {
            phase.categories.push(ChecklistCategory {
                label: category,
                rows: Vec::new(),
            });
        }
        let Some(cat) = phase.categories.last_mut() else {
            continue;
        };
        let explanation = [integ, prov]
            .into_iter()
            .flatten()
            .map(|i| {
                let t = answer_text(i);
                if t.is_empty() {
                    t
                } else {
                    format!("（{}）{t}", party_label(&i.key.party))
                }
            })
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        let comment = [integ, prov]
            .into_iter()
            .flatten()
            .filter_map(|i| i.review_comment.clone())
            .filter(|c| !c.trim().is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        cat.rows.push(ChecklistRow {
            no: (n + 1).to_string(),
            item: req.subcategory.clone().unwrap_or_default(),
            requirement: req.text.clone(),
            examples: req
                .examples
                .iter()
                .map(|e| format!("・{}", e.text()))
                .collect::<Vec<_>>()
                .join("\n"),
            integrator: cell(integ),
            provider: cell(prov),
            explanation,
            reviewer_comment: comment,
        });
    }
    ChecklistReport {
        tenant: tenant.to_owned(),
        service_name: service_name.to_owned(),
        catalog_id: catalog.id.clone(),
        catalog_title: catalog.title.clone(),
        phases,
        generated_at: now.to_zoned_datetime(tokyo()),
    }
}

fn party_label(p: &str) -> &'static str {
    match p {
        "integrator" => "導入事業者",
        _ => "外部サービス提供者",
    }
}

/// Renders `doc` in `format` off the async runtime (PDF layout is CPU
/// work) as an attachment named `name` (without extension).
pub async fn render(doc: Document, format: ReportFormat, name: &str) -> Result<Response, ApiError> {
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
    match format {
        ReportFormat::Html => {
            let html = kijun_report::render_html(&doc);
            Ok((
                [
                    (header::CONTENT_TYPE, "text/html; charset=utf-8".to_owned()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("inline; filename=\"{ascii}.html\""),
                    ),
                ],
                html,
            )
                .into_response())
        }
        ReportFormat::Pdf => {
            let bytes = tokio::task::spawn_blocking(move || kijun_report::render_pdf(&doc))
                .await
                .map_err(ApiError::internal)?
                .map_err(ApiError::internal)?;
            Ok((
                [
                    (header::CONTENT_TYPE, "application/pdf".to_owned()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{ascii}.pdf\""),
                    ),
                ],
                bytes,
            )
                .into_response())
        }
    }
}

/// Joins several documents into one: the first one's title and metadata,
/// each following document's blocks after a page break.
pub fn concat(mut docs: Vec<Document>) -> Option<Document> {
    if docs.is_empty() {
        return None;
    }
    let mut first = docs.remove(0);
    for d in docs {
        first.page_break(Some(d.orientation));
        first.blocks.extend(d.blocks);
    }
    Some(first)
}

/// `GET /api/v1/assessments/{id}/report?format=pdf|html`: the 審査結果報告書
/// (reviewers and auditors of the tenant; vendors get 404).
pub async fn assessment_report(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> Result<Response, ApiError> {
    let (a, access) = assessment_access(&state, &p, &id).await?;
    if matches!(access, Access::Vendor(_)) {
        return Err(ApiError::not_found());
    }
    let data = assessment_report_data(&state.store, &state.catalogs, &a, state.now()).await?;
    let doc = kijun_report::assessment_report(&data);
    state
        .audit(
            Some(&p),
            None,
            Event {
                action: "assessment_report_exported",
                tenant_id: Some(&a.tenant_id),
                target: Some(format!("assessment:{}", a.id)),
                details: serde_json::json!({"format": format_name(q.format)}),
            },
        )
        .await?;
    render(doc, q.format, &format!("assessment-report-{}", a.id)).await
}

fn format_name(f: ReportFormat) -> &'static str {
    match f {
        ReportFormat::Pdf => "pdf",
        ReportFormat::Html => "html",
    }
}

/// The format of an assessment's checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChecklistFormat {
    #[default]
    Pdf,
    Html,
    /// The Excel workbook to fill in and send back.
    Xlsx,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecklistQuery {
    #[serde(default)]
    pub format: ChecklistFormat,
    /// `integrator`, `provider` or `both` (staff; default both). A vendor
    /// always gets its own party.
    pub party: Option<String>,
}

/// `GET /api/v1/assessments/{id}/checklist?format=pdf|html|xlsx[&party=]`:
/// the checklist of every catalog of the assessment, printable or as the
/// workbook to fill in (vendors: their party's side only).
pub async fn checklist_report(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ChecklistQuery>,
) -> Result<Response, ApiError> {
    let format = match q.format {
        ChecklistFormat::Xlsx => {
            return crate::routes::exchange::export_xlsx(&state, &p, &id, q.party.as_deref()).await;
        }
        ChecklistFormat::Pdf => ReportFormat::Pdf,
        ChecklistFormat::Html => ReportFormat::Html,
    };
    let (a, access) = assessment_access(&state, &p, &id).await?;
    let parties = crate::routes::exchange::export_parties(access, q.party.as_deref())?;
    let party = match parties.as_slice() {
        [one] => Some(*one),
        _ => None,
    };
    let (tenant, service_name, _, _) = names(&state.store, &a).await?;
    let items = state.store.items(&a.id, party.map(Party::as_str)).await?;
    let now = state.now();
    let docs = a
        .catalogs
        .iter()
        .filter_map(|c| state.catalogs.get(c))
        .map(|c| {
            kijun_report::checklist_report(&checklist_report_data(
                c,
                &items,
                party,
                &tenant,
                &service_name,
                now,
            ))
        })
        .collect();
    let doc = concat(docs).ok_or_else(ApiError::not_found)?;
    state
        .audit(
            Some(&p),
            None,
            Event {
                action: "checklist_report_exported",
                tenant_id: Some(&a.tenant_id),
                target: Some(format!("assessment:{}", a.id)),
                details: serde_json::json!({"format": format_name(format), "party": party}),
            },
        )
        .await?;
    render(doc, format, &format!("checklist-{}", a.id)).await
}

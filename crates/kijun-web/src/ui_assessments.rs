//! The UI of assessments (the service register's screens are in
//! `ui_services`): the assessment list with filters, and the checklist laid
//! out like the seed documents (No, 項目, 要求事項, 実施基準・実施例, party and
//! level, answer, check) where vendors answer their own party's items and
//! reviewers confirm or return them and record the verdict. Every action
//! calls the same handler as the JSON API.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use kijun_core::catalog::Party;
use kijun_core::evaluate::Verdict;
use kijun_core::service::{RecordDate, parse_date};
use kijun_core::workflow::{AnswerInput, ItemState, ReviewDecision};
use kijun_store::Role;
use serde::Deserialize;
use serde_json::Value;

use crate::error::{ApiError, ApiJson};
use crate::principal::Principal;
use crate::routes::assessments::{
    self, Access, Condition, NewAssessment, NewInvitation, Review, VerdictInput,
};
use crate::state::AppState;
use crate::ui::{CsrfField, Nav, UiForm, UiUser, jp_date};
use crate::ui::{DoneQuery, csrf_of, render};

pub(crate) fn phase_label(p: &str) -> &'static str {
    match p {
        "selection" => "選定",
        "build" => "導入・構築",
        "operation" => "運用・保守",
        "termination" => "更改・廃棄",
        _ => "",
    }
}

pub(crate) fn verdict_label(v: Option<&str>) -> &'static str {
    match v {
        Some("approved") => "承認",
        Some("conditional") => "条件付き承認",
        Some("rejected") => "不承認",
        _ => "",
    }
}

pub(crate) fn status_label(s: &str) -> &'static str {
    if s == "decided" {
        "判定済み"
    } else {
        "審査中"
    }
}

/// The tenant a staff page is about: the user's own, or for a system
/// administrator the `tenant` query parameter or the first tenant.
pub(crate) async fn page_tenant(
    state: &AppState,
    p: &Principal,
    wanted: Option<String>,
) -> Result<Option<String>, ApiError> {
    if let Some(t) = &p.tenant_id {
        return Ok(Some(t.clone()));
    }
    if p.role != Role::SystemAdmin {
        return Ok(None);
    }
    let tenants = state.store.tenants().await?;
    Ok(wanted
        .filter(|w| tenants.iter().any(|t| &t.id == w))
        .or_else(|| tenants.first().map(|t| t.id.clone())))
}

pub(crate) fn error_response(e: ApiError) -> Response {
    let page = Plain {
        nav: None,
        error: Some(e.message.clone()),
        notice: None,
    };
    let mut r = render(&page);
    *r.status_mut() = e.status;
    r
}

#[derive(Template)]
#[template(
    source = "{% extends \"base.html\" %}{% block title %}エラー{% endblock %}{% block content %}<h1>エラー</h1><p><a href=\"/\">ホームへ</a></p>{% endblock %}",
    ext = "html"
)]
struct Plain {
    nav: Option<Nav>,
    error: Option<String>,
    notice: Option<String>,
}

// ---------------------------------------------------------------------------
// Opening an assessment from a service's page (`ui_services`)

/// One assessment in a list (the assessment list, a service's page).
pub struct AssessmentRow {
    pub due: String,
    pub id: String,
    pub service: String,
    pub phase: &'static str,
    pub catalogs: String,
    pub status: &'static str,
    pub verdict: &'static str,
    pub opened: String,
}

#[derive(Deserialize)]
pub struct OpenForm {
    csrf_token: String,
    phase: String,
    #[serde(default)]
    due_date: String,
    #[serde(flatten)]
    rest: HashMap<String, String>,
}

impl CsrfField for OpenForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

/// Checkboxes `catalog` may repeat; the form parser keeps the last, so the
/// template names them `catalog` and the raw query is read here instead.
pub async fn open_assessment(
    State(state): State<AppState>,
    Path(id): Path<String>,
    UiForm(p, f): UiForm<OpenForm>,
) -> Response {
    let catalogs: Vec<String> = f
        .rest
        .iter()
        .filter(|(k, _)| k.starts_with("catalog_"))
        .map(|(k, _)| k.trim_start_matches("catalog_").to_owned())
        .collect();
    let mut catalogs = catalogs;
    catalogs.sort();
    let req = NewAssessment {
        phase: f.phase,
        catalogs,
        due_date: parse_date(&f.due_date).map(RecordDate),
    };
    match assessments::open_assessment(
        State(state.clone()),
        p.clone(),
        Path(id.clone()),
        ApiJson(req),
    )
    .await
    {
        Ok(resp) => {
            let body = axum::body::to_bytes(resp.into_body(), 1 << 20).await.ok();
            let aid = body
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                .and_then(|v| v["id"].as_str().map(str::to_owned))
                .unwrap_or_default();
            Redirect::to(&format!("/assessments/{aid}")).into_response()
        }
        Err(e) => crate::ui_services::service_view(&state, &p, &id, Some(e.message), None).await,
    }
}

// ---------------------------------------------------------------------------
// Assessment list and checklist

#[derive(Template)]
#[template(path = "assessments.html")]
struct AssessmentsPage {
    nav: Option<Nav>,
    error: Option<String>,
    notice: Option<String>,
    staff: bool,
    status: String,
    phase: String,
    due: String,
    phases: Vec<(&'static str, &'static str)>,
    rows: Vec<AssessmentRow>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    tenant: Option<String>,
    status: Option<String>,
    phase: Option<String>,
    /// `overdue` (open and past due) or `soon` (open, due within 14 days).
    due: Option<String>,
}

pub async fn assessments_page(
    State(state): State<AppState>,
    UiUser(p): UiUser,
    Query(q): Query<ListQuery>,
) -> Response {
    let build = async {
        let staff = p.role != Role::Vendor;
        let list = if staff {
            let tenant = page_tenant(&state, &p, q.tenant.clone())
                .await?
                .ok_or_else(ApiError::forbidden)?;
            assessments::list_assessments(State(state.clone()), p.clone(), Path(tenant))
                .await?
                .0
        } else {
            state.store.assessments_of_invitee(&p.user.id).await?
        };
        let status = q.status.clone().unwrap_or_default();
        let phase = q.phase.clone().unwrap_or_default();
        let due = q.due.clone().unwrap_or_default();
        let today = crate::routes::dashboard::tokyo_today(state.now());
        let soon = today
            .checked_add(jiff::Span::new().days(14))
            .unwrap_or(today);
        let due_matches = |a: &kijun_store::assessment::AssessmentRecord| {
            let d = a
                .due_date
                .as_deref()
                .and_then(|d| d.parse::<jiff::civil::Date>().ok());
            match due.as_str() {
                "overdue" => a.status == "open" && d.is_some_and(|d| d < today),
                "soon" => a.status == "open" && d.is_some_and(|d| d >= today && d <= soon),
                _ => true,
            }
        };
        // The service names, one query per tenant (not one per row; a
        // vendor's list may span tenants).
        let mut names: std::collections::HashMap<String, String> = std::collections::HashMap::new();
        let mut tenants: Vec<&str> = list.iter().map(|a| a.tenant_id.as_str()).collect();
        tenants.sort_unstable();
        tenants.dedup();
        for t in tenants {
            for svc in state.store.services_in_tenant(t).await? {
                names.insert(svc.id, svc.name);
            }
        }
        let mut rows = Vec::new();
        for a in list.into_iter().filter(|a| {
            (status.is_empty() || a.status == status)
                && (phase.is_empty() || a.phase == phase)
                && due_matches(a)
        }) {
            let service = names.get(&a.service_id).cloned().unwrap_or_default();
            rows.push(AssessmentRow {
                service,
                phase: phase_label(&a.phase),
                catalogs: a.catalogs.join(", "),
                status: status_label(&a.status),
                verdict: verdict_label(a.verdict.as_deref()),
                opened: jp_date(a.opened_at),
                due: a.due_date.clone().unwrap_or_default(),
                id: a.id,
            });
        }
        Ok::<_, ApiError>(AssessmentsPage {
            nav: Nav::of(&p),
            error: None,
            notice: None,
            staff,
            status,
            phase,
            due,
            phases: vec![
                ("selection", "選定"),
                ("build", "導入・構築"),
                ("operation", "運用・保守"),
                ("termination", "更改・廃棄"),
            ],
            rows,
        })
    };
    match build.await {
        Ok(page) => render(&page),
        Err(e) => error_response(e),
    }
}

pub struct ChecklistRow {
    pub anchor: String,
    pub catalog_id: String,
    pub requirement_id: String,
    pub party: String,
    pub party_label: &'static str,
    pub level_label: &'static str,
    pub category: String,
    pub text: String,
    pub examples: Vec<String>,
    pub status: String,
    pub status_label: &'static str,
    pub comment: String,
    pub reason: String,
    pub plan: String,
    pub due: String,
    pub state_label: &'static str,
    pub review_comment: String,
    pub editable: bool,
    pub reviewable: bool,
    /// Submitted and not yet confirmed.
    pub confirmable: bool,
    /// Filled from the vendor's library, not yet confirmed.
    pub prefilled: bool,
}

pub struct ChecklistGroup {
    pub title: String,
    pub rows: Vec<ChecklistRow>,
}

#[derive(Template)]
#[template(path = "checklist.html")]
struct ChecklistPage {
    nav: Option<Nav>,
    error: Option<String>,
    notice: Option<String>,
    csrf_token: String,
    id: String,
    service: String,
    phase: &'static str,
    status: &'static str,
    verdict: &'static str,
    computed: &'static str,
    party_label: Option<&'static str>,
    vendor: bool,
    manage: bool,
    open: bool,
    counts: (usize, usize, usize, usize),
    groups: Vec<ChecklistGroup>,
    vendors: Vec<(String, String)>,
    /// (id, filename, SHA-256, size) of the files the principal may see.
    evidence: Vec<(String, String, String, u64)>,
    /// The decision's reasoned note (staff only).
    note: String,
    /// The decision's conditions (staff only).
    conditions: Vec<ConditionView>,
}

/// One condition of a decision, as the checklist page lists it.
struct ConditionView {
    index: usize,
    text: String,
    due: String,
    overdue: bool,
    /// `2026年5月1日 山田（証明書を受領）` once met.
    met: Option<String>,
}

/// The conditions of a decision document, with whether each is overdue on
/// `today` (Asia/Tokyo) or met.
fn condition_views(decision: Option<&Value>, today: jiff::civil::Date) -> Vec<ConditionView> {
    let Some(cs) = decision
        .and_then(|d| d.get("conditions"))
        .and_then(Value::as_array)
    else {
        return Vec::new();
    };
    let text = |c: &Value, k: &str| {
        c.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    cs.iter()
        .enumerate()
        .map(|(index, c)| {
            let due_date = text(c, "due").parse::<jiff::civil::Date>().ok();
            let met = c
                .get("met_at")
                .and_then(Value::as_str)
                .and_then(|t| t.parse::<jiff::Timestamp>().ok())
                .map(|at| {
                    format!(
                        "{} {}（{}）",
                        jp_date(at),
                        text(c, "met_by"),
                        text(c, "met_note")
                    )
                });
            ConditionView {
                index,
                text: text(c, "text"),
                due: due_date.map_or_else(|| text(c, "due"), crate::ui::jp_civil_date),
                overdue: met.is_none() && due_date.is_some_and(|d| d < today),
                met,
            }
        })
        .collect()
}

fn answer_status_label(s: &str) -> &'static str {
    match s {
        "conforms" => "適合",
        "partial" => "一部適合",
        "does_not_conform" => "不適合",
        "not_applicable" => "該当なし",
        _ => "未回答",
    }
}

/// The checklist rows, grouped by catalog and phase heading as in the seeds.
fn checklist_groups(
    state: &AppState,
    items: &[kijun_store::assessment::ItemRecord],
    open: bool,
    vendor: bool,
    manage: bool,
) -> Vec<ChecklistGroup> {
    let mut groups: Vec<ChecklistGroup> = Vec::new();
    for item in items {
        let catalog = state.catalogs.get(&item.key.catalog_id);
        let req = catalog.and_then(|c| c.requirement(&item.key.requirement_id));
        let title = match (catalog, req) {
            (Some(c), Some(r)) => format!("{} — {}", c.title, c.phase_label(r.phase)),
            _ => item.key.catalog_id.clone(),
        };
        let answer = item
            .answer
            .as_ref()
            .and_then(|v| serde_json::from_value::<AnswerInput>(v.clone()).ok())
            .unwrap_or_default();
        let state_ = ItemState::parse(&item.state).unwrap_or(ItemState::Open);
        let status = answer
            .status
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default();
        let row = ChecklistRow {
            anchor: format!(
                "{}-{}-{}",
                item.key.catalog_id, item.key.requirement_id, item.key.party
            ),
            catalog_id: item.key.catalog_id.clone(),
            requirement_id: item.key.requirement_id.clone(),
            party: item.key.party.clone(),
            party_label: if item.key.party == "integrator" {
                "導入事業者"
            } else {
                "外部サービス提供者"
            },
            level_label: if item.level == "required" {
                "必須"
            } else {
                "推奨"
            },
            category: req
                .map(|r| {
                    [r.category.as_deref(), r.subcategory.as_deref()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" / ")
                })
                .unwrap_or_default(),
            text: req.map(|r| r.text.clone()).unwrap_or_default(),
            examples: req
                .map(|r| r.examples.iter().map(|e| e.text().to_owned()).collect())
                .unwrap_or_default(),
            status_label: answer_status_label(&status),
            status,
            comment: answer.comment.clone().unwrap_or_default(),
            reason: answer.reason.clone().unwrap_or_default(),
            plan: answer.plan.clone().unwrap_or_default(),
            due: answer.due.map(|d| d.0.to_string()).unwrap_or_default(),
            state_label: state_.label(),
            review_comment: item.review_comment.clone().unwrap_or_default(),
            editable: open && vendor && state_.vendor_may_edit(),
            reviewable: open && manage && state_.reviewer_may_review(),
            confirmable: open && manage && state_ == ItemState::Submitted,
            prefilled: item.prefilled,
        };
        match groups.last_mut() {
            Some(g) if g.title == title => g.rows.push(row),
            _ => groups.push(ChecklistGroup {
                title,
                rows: vec![row],
            }),
        }
    }
    groups
}

async fn checklist_view(
    state: &AppState,
    p: &Principal,
    id: &str,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    let build = async {
        let (a, access) = assessments::assessment_access(state, p, id).await?;
        let service = state
            .store
            .service(&a.service_id)
            .await?
            .map(|s| s.name)
            .unwrap_or_default();
        let vendor_party = match access {
            Access::Vendor(party) => Some(party),
            _ => None,
        };
        let items = state
            .store
            .items(&a.id, vendor_party.map(Party::as_str))
            .await?;
        let open = a.status == "open";
        let manage = access == Access::Manage;
        let groups = checklist_groups(state, &items, open, vendor_party.is_some(), manage);
        let n = |s: &str| items.iter().filter(|i| i.state == s).count();
        let computed = if manage {
            let eval =
                assessments::get_evaluation(State(state.clone()), p.clone(), Path(a.id.clone()))
                    .await?
                    .0;
            match eval["verdict"].as_str() {
                Some("approved") => "承認",
                Some("conditional") => "条件付き承認",
                _ => "不承認",
            }
        } else {
            ""
        };
        let vendors = if manage {
            let orgs = state.store.organisations().await?;
            let mut list = Vec::new();
            for o in &orgs {
                for u in state.store.users_in_organisation(&o.id).await? {
                    list.push((u.id, format!("{}（{}）", u.display_name, o.name)));
                }
            }
            list
        } else {
            Vec::new()
        };
        let evidence =
            crate::routes::evidence::list(State(state.clone()), p.clone(), Path(a.id.clone()))
                .await?
                .0
                .into_iter()
                .map(|r| (r.id, r.filename, r.sha256, r.size))
                .collect();
        Ok::<_, ApiError>(ChecklistPage {
            nav: Nav::of(p),
            error,
            notice,
            csrf_token: csrf_of(p),
            id: a.id.clone(),
            service,
            phase: phase_label(&a.phase),
            status: status_label(&a.status),
            verdict: verdict_label(a.verdict.as_deref()),
            computed,
            party_label: vendor_party.map(Party::label),
            vendor: vendor_party.is_some(),
            manage,
            open,
            counts: (n("open"), n("submitted"), n("accepted"), n("returned")),
            groups,
            vendors,
            evidence,
            note: if vendor_party.is_some() {
                String::new()
            } else {
                a.decision
                    .as_ref()
                    .and_then(|d| d.get("note"))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            },
            conditions: if vendor_party.is_some() {
                Vec::new()
            } else {
                condition_views(
                    a.decision.as_ref(),
                    crate::routes::dashboard::tokyo_today(state.now()),
                )
            },
        })
    };
    match build.await {
        Ok(page) => render(&page),
        Err(e) => error_response(e),
    }
}

#[derive(Deserialize)]
pub struct ConditionMetForm {
    csrf_token: String,
    note: String,
}

impl CsrfField for ConditionMetForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

/// Marks a condition of the decision as met (the form on the checklist).
pub async fn condition_met(
    State(state): State<AppState>,
    Path((id, n)): Path<(String, usize)>,
    UiForm(p, f): UiForm<ConditionMetForm>,
) -> Response {
    match assessments::condition_met(
        State(state.clone()),
        p.clone(),
        Path((id.clone(), n)),
        ApiJson(assessments::ConditionMet { note: f.note }),
    )
    .await
    {
        Ok(_) => Redirect::to(&format!("/assessments/{id}?done=condition_met")).into_response(),
        Err(e) if e.status == axum::http::StatusCode::NOT_FOUND => error_response(e),
        Err(e) => checklist_view(&state, &p, &id, Some(e.message), None).await,
    }
}

/// The checklist; `?done=` names the action just completed (the form posts
/// redirect here, so reloading never repeats an action).
pub async fn checklist_page(
    State(state): State<AppState>,
    UiUser(p): UiUser,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Response {
    let notice = match q.done.as_deref() {
        Some("submitted") => Some("回答を提出しました".to_owned()),
        Some("invited") => Some("招待しました".to_owned()),
        Some("decided") => Some("判定を記録しました".to_owned()),
        Some("uploaded") => Some("証跡ファイルを登録しました".to_owned()),
        Some("condition_met") => Some("条件の達成を記録しました".to_owned()),
        Some("imported") => Some(
            "チェックリストの回答を取り込みました（変わった項目だけを保存しました）".to_owned(),
        ),
        Some("prefilled") => {
            Some("回答マスタから補完しました。内容を確認して保存してください".to_owned())
        }
        _ => None,
    };
    checklist_view(&state, &p, &id, None, notice).await
}

#[derive(Deserialize)]
pub struct AnswerForm {
    csrf_token: String,
    status: String,
    comment: String,
    reason: String,
    plan: String,
    due: String,
}

impl CsrfField for AnswerForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

pub async fn answer_item(
    State(state): State<AppState>,
    Path((id, catalog, requirement, party)): Path<(String, String, String, String)>,
    UiForm(p, f): UiForm<AnswerForm>,
) -> Response {
    let status = serde_json::from_value(Value::String(f.status.clone())).ok();
    let due = if f.due.is_empty() {
        None
    } else {
        parse_date(&f.due).map(RecordDate)
    };
    let some = |s: String| Some(s).filter(|s| !s.trim().is_empty());
    let input = AnswerInput {
        status,
        comment: some(f.comment),
        evidence: Vec::new(),
        reason: some(f.reason),
        plan: some(f.plan),
        due,
    };
    let anchor = format!("{catalog}-{requirement}-{party}");
    match assessments::answer_item(
        State(state.clone()),
        p.clone(),
        Path((id.clone(), catalog, requirement, party)),
        ApiJson(input),
    )
    .await
    {
        Ok(_) => Redirect::to(&format!("/assessments/{id}#item-{anchor}")).into_response(),
        Err(e) => checklist_view(&state, &p, &id, Some(e.message), None).await,
    }
}

#[derive(Deserialize)]
pub struct ReviewForm {
    csrf_token: String,
    decision: ReviewDecision,
    #[serde(default)]
    comment: String,
}

impl CsrfField for ReviewForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

pub async fn review_item(
    State(state): State<AppState>,
    Path((id, catalog, requirement, party)): Path<(String, String, String, String)>,
    UiForm(p, f): UiForm<ReviewForm>,
) -> Response {
    let req = Review {
        decision: f.decision,
        comment: Some(f.comment),
    };
    let anchor = format!("{catalog}-{requirement}-{party}");
    match assessments::review_item(
        State(state.clone()),
        p.clone(),
        Path((id.clone(), catalog, requirement, party)),
        ApiJson(req),
    )
    .await
    {
        Ok(_) => Redirect::to(&format!("/assessments/{id}#item-{anchor}")).into_response(),
        Err(e) => checklist_view(&state, &p, &id, Some(e.message), None).await,
    }
}

#[derive(Deserialize)]
pub struct CsrfOnlyForm {
    csrf_token: String,
}

impl CsrfField for CsrfOnlyForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

pub async fn prefill(
    State(state): State<AppState>,
    Path(id): Path<String>,
    UiForm(p, _): UiForm<CsrfOnlyForm>,
) -> Response {
    match crate::routes::library::prefill_assessment(
        State(state.clone()),
        p.clone(),
        Path(id.clone()),
    )
    .await
    {
        Ok(_) => Redirect::to(&format!("/assessments/{id}?done=prefilled")).into_response(),
        Err(e) => checklist_view(&state, &p, &id, Some(e.message), None).await,
    }
}

pub async fn submit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    UiForm(p, _): UiForm<CsrfOnlyForm>,
) -> Response {
    match assessments::submit(State(state.clone()), p.clone(), Path(id.clone())).await {
        Ok(_) => Redirect::to(&format!("/assessments/{id}?done=submitted")).into_response(),
        Err(e) => checklist_view(&state, &p, &id, Some(e.message), None).await,
    }
}

#[derive(Deserialize)]
pub struct InviteForm {
    csrf_token: String,
    user_id: String,
    party: Party,
}

impl CsrfField for InviteForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

pub async fn invite(
    State(state): State<AppState>,
    Path(id): Path<String>,
    UiForm(p, f): UiForm<InviteForm>,
) -> Response {
    let req = NewInvitation {
        user_id: f.user_id,
        party: f.party,
    };
    match assessments::invite(
        State(state.clone()),
        p.clone(),
        Path(id.clone()),
        ApiJson(req),
    )
    .await
    {
        Ok(_) => Redirect::to(&format!("/assessments/{id}?done=invited")).into_response(),
        Err(e) => checklist_view(&state, &p, &id, Some(e.message), None).await,
    }
}

#[derive(Deserialize)]
pub struct VerdictForm {
    csrf_token: String,
    verdict: Verdict,
    note: String,
    #[serde(default)]
    condition: String,
    #[serde(default)]
    condition_due: String,
}

impl CsrfField for VerdictForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

pub async fn verdict(
    State(state): State<AppState>,
    Path(id): Path<String>,
    UiForm(p, f): UiForm<VerdictForm>,
) -> Response {
    let mut conditions = Vec::new();
    if !f.condition.trim().is_empty() {
        match parse_date(&f.condition_due) {
            Some(d) => conditions.push(Condition {
                text: f.condition,
                due: RecordDate(d),
            }),
            None => {
                return checklist_view(
                    &state,
                    &p,
                    &id,
                    Some("条件の期限を入力してください".into()),
                    None,
                )
                .await;
            }
        }
    }
    let req = VerdictInput {
        verdict: f.verdict,
        note: f.note,
        conditions,
    };
    match assessments::record_verdict(
        State(state.clone()),
        p.clone(),
        Path(id.clone()),
        ApiJson(req),
    )
    .await
    {
        Ok(_) => Redirect::to(&format!("/assessments/{id}?done=decided")).into_response(),
        Err(e) => checklist_view(&state, &p, &id, Some(e.message), None).await,
    }
}

// ---------------------------------------------------------------------------
// Vendor organisations

pub struct OrgRow {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub users: String,
}

#[derive(Template)]
#[template(path = "vendors.html")]
struct VendorsPage {
    nav: Option<Nav>,
    error: Option<String>,
    notice: Option<String>,
    csrf_token: String,
    orgs: Vec<OrgRow>,
}

async fn vendors_view(
    state: &AppState,
    p: &Principal,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    if !matches!(p.role, Role::SystemAdmin | Role::TenantAdmin) {
        return error_response(ApiError::forbidden());
    }
    let build = async {
        let mut orgs = Vec::new();
        for o in state.store.organisations().await? {
            let users: Vec<String> = state
                .store
                .users_in_organisation(&o.id)
                .await?
                .into_iter()
                .map(|u| u.username)
                .collect();
            orgs.push(OrgRow {
                kind: if o.kind == "integrator" {
                    "導入事業者"
                } else {
                    "外部サービス提供者"
                },
                users: users.join(", "),
                id: o.id,
                name: o.name,
            });
        }
        Ok::<_, ApiError>(VendorsPage {
            nav: Nav::of(p),
            error,
            notice,
            csrf_token: csrf_of(p),
            orgs,
        })
    };
    match build.await {
        Ok(page) => render(&page),
        Err(e) => error_response(e),
    }
}

pub async fn vendors_page(State(state): State<AppState>, UiUser(p): UiUser) -> Response {
    vendors_view(&state, &p, None, None).await
}

#[derive(Deserialize)]
pub struct OrgForm {
    csrf_token: String,
    name: String,
    kind: String,
}

impl CsrfField for OrgForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

pub async fn vendors_create(
    State(state): State<AppState>,
    UiForm(p, f): UiForm<OrgForm>,
) -> Response {
    let req = crate::routes::admin::NewOrganisation {
        name: f.name.clone(),
        kind: f.kind,
    };
    match crate::routes::admin::create_organisation(State(state.clone()), p.clone(), ApiJson(req))
        .await
    {
        Ok(_) => {
            vendors_view(
                &state,
                &p,
                None,
                Some(format!("組織 {} を登録しました", f.name.trim())),
            )
            .await
        }
        Err(e) => vendors_view(&state, &p, Some(e.message), None).await,
    }
}

#[derive(Deserialize)]
pub struct VendorUserForm {
    csrf_token: String,
    organisation_id: String,
    username: String,
    display_name: String,
    initial_password: String,
}

impl CsrfField for VendorUserForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

pub async fn vendor_user_create(
    State(state): State<AppState>,
    UiForm(p, f): UiForm<VendorUserForm>,
) -> Response {
    let req = crate::routes::admin::NewVendorUser {
        username: f.username.clone(),
        display_name: f.display_name,
        email: None,
        initial_password: f.initial_password,
    };
    match crate::routes::admin::create_vendor_user(
        State(state.clone()),
        p.clone(),
        Path(f.organisation_id),
        ApiJson(req),
    )
    .await
    {
        Ok(_) => {
            vendors_view(
                &state,
                &p,
                None,
                Some(format!("利用者 {} を追加しました", f.username)),
            )
            .await
        }
        Err(e) => vendors_view(&state, &p, Some(e.message), None).await,
    }
}

// ---------------------------------------------------------------------------
// Dashboard

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    nav: Option<Nav>,
    error: Option<String>,
    notice: Option<String>,
    display_name: String,
    tenant: String,
    today: String,
    statuses: Vec<(&'static str, usize)>,
    waiting: Vec<crate::routes::dashboard::WaitingAssessment>,
    overdue: Vec<crate::routes::dashboard::OverdueCondition>,
    expiring: Vec<crate::routes::dashboard::Expiring>,
    due: Vec<crate::routes::dashboard::ReassessmentDue>,
    months: u32,
    alerts: Vec<crate::routes::dashboard::DashboardAlert>,
    alerts_total: usize,
}

/// The tenant dashboard for tenant staff (the home page).
pub async fn dashboard_page(state: &AppState, p: &Principal) -> Option<Response> {
    if p.role == Role::Vendor {
        return None;
    }
    let build = async {
        let Some(tenant) = page_tenant(state, p, None).await? else {
            return Ok(None);
        };
        let name = state
            .store
            .tenant(&tenant)
            .await?
            .map(|t| t.name)
            .unwrap_or_default();
        let now = state.now();
        let today = crate::routes::dashboard::tokyo_today(now);
        let d = crate::routes::dashboard::current(state, &tenant, now).await?;
        let statuses = ["未審査", "審査中", "承認", "条件付き承認", "不承認"]
            .into_iter()
            .map(|s| (s, d.services_by_status.get(s).copied().unwrap_or(0)))
            .collect();
        Ok::<_, ApiError>(Some(DashboardPage {
            nav: Nav::of(p),
            error: None,
            notice: None,
            display_name: p.user.display_name.clone(),
            tenant: name,
            today: format!("{}年{}月{}日", today.year(), today.month(), today.day()),
            statuses,
            waiting: d.waiting.clone(),
            overdue: d.overdue_conditions.clone(),
            expiring: d.expiring.clone(),
            due: d.reassessment_due.clone(),
            months: d.reassessment_months,
            alerts: d.alerts.clone(),
            alerts_total: d.alerts_total,
        }))
    };
    match build.await {
        Ok(Some(page)) => Some(render(&page)),
        Ok(None) => None,
        Err(e) => Some(error_response(e)),
    }
}

// ---------------------------------------------------------------------------
// Printable view

#[derive(Template)]
#[template(path = "print.html")]
struct PrintPage {
    id: String,
    service: String,
    phase: &'static str,
    catalogs: String,
    opened: String,
    status: &'static str,
    verdict: &'static str,
    note: String,
    decided: String,
    conditions: Vec<(String, String)>,
    groups: Vec<ChecklistGroup>,
}

/// The assessment as one printable page (A4 landscape; print to PDF from
/// the browser). Vendors get their own party's items only.
pub async fn print_page(
    State(state): State<AppState>,
    UiUser(p): UiUser,
    Path(id): Path<String>,
) -> Response {
    let build = async {
        let (a, access) = assessments::assessment_access(&state, &p, &id).await?;
        let service = state
            .store
            .service(&a.service_id)
            .await?
            .map(|s| s.name)
            .unwrap_or_default();
        let vendor_party = match access {
            Access::Vendor(party) => Some(party),
            _ => None,
        };
        let items = state
            .store
            .items(&a.id, vendor_party.map(Party::as_str))
            .await?;
        let groups = checklist_groups(&state, &items, false, false, false);
        let decision = a.decision.clone().unwrap_or(Value::Null);
        let text = |k: &str| {
            decision
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let conditions = if vendor_party.is_some() {
            Vec::new()
        } else {
            decision
                .get("conditions")
                .and_then(Value::as_array)
                .map(|cs| {
                    cs.iter()
                        .map(|c| {
                            (
                                c.get("text")
                                    .and_then(Value::as_str)
                                    .unwrap_or_default()
                                    .to_owned(),
                                c.get("due")
                                    .and_then(Value::as_str)
                                    .unwrap_or_default()
                                    .to_owned(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        let decided_at = decision
            .get("decided_at")
            .and_then(Value::as_str)
            .and_then(|t| t.parse::<jiff::Timestamp>().ok())
            .map(crate::ui::jp_datetime)
            .unwrap_or_default();
        Ok::<_, ApiError>(PrintPage {
            id: a.id.clone(),
            service,
            phase: phase_label(&a.phase),
            catalogs: a.catalogs.join(", "),
            opened: jp_date(a.opened_at),
            status: status_label(&a.status),
            verdict: verdict_label(a.verdict.as_deref()),
            note: if vendor_party.is_some() {
                String::new()
            } else {
                text("note")
            },
            decided: if decided_at.is_empty() {
                String::new()
            } else {
                format!("{} {}", text("decided_by"), decided_at)
            },
            conditions,
            groups,
        })
    };
    match build.await {
        Ok(page) => render(&page),
        Err(e) => error_response(e),
    }
}

// ---------------------------------------------------------------------------
// Evidence upload from the checklist (multipart form)

/// The fields of a multipart form posted from the checklist page: the
/// checked CSRF token, the text fields and the first file (name, declared
/// type, bytes). `Err` is the page to show instead (too large, unreadable,
/// or a bad CSRF token).
struct Upload {
    fields: std::collections::BTreeMap<String, String>,
    file: Option<(String, String, Vec<u8>)>,
}

async fn read_upload(
    state: &AppState,
    p: &Principal,
    id: &str,
    mut multipart: axum::extract::Multipart,
) -> Result<Upload, Response> {
    let mut upload = Upload {
        fields: Default::default(),
        file: None,
    };
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                let msg = if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    format!(
                        "ファイルが大きすぎます（上限 {} バイト）",
                        state.config.max_evidence_bytes
                    )
                } else {
                    "ファイルを受け取れませんでした".to_owned()
                };
                return Err(checklist_view(state, p, id, Some(msg), None).await);
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let filename = field.file_name().unwrap_or("file").to_owned();
            let declared = field
                .content_type()
                .unwrap_or("application/octet-stream")
                .to_owned();
            match field.bytes().await {
                Ok(b) => upload.file = Some((filename, declared, b.to_vec())),
                Err(_) => {
                    return Err(checklist_view(
                        state,
                        p,
                        id,
                        Some("ファイルを受け取れませんでした".into()),
                        None,
                    )
                    .await);
                }
            }
        } else if let Ok(text) = field.text().await {
            upload.fields.insert(name, text);
        }
    }
    let expected = csrf_of(p);
    let sent = upload.fields.get("csrf_token").map_or("", String::as_str);
    if expected.is_empty()
        || !crate::principal::constant_time_eq(sent.as_bytes(), expected.as_bytes())
    {
        return Err(error_response(ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "csrf",
            "不正なリクエストです。画面を再読み込みしてください",
        )));
    }
    Ok(upload)
}

/// `POST /assessments/{id}/evidence` (HTML form, multipart): the file goes
/// through the same checks and encryption as the API upload.
pub async fn upload_evidence(
    State(state): State<AppState>,
    UiUser(p): UiUser,
    Path(id): Path<String>,
    multipart: axum::extract::Multipart,
) -> Response {
    let file = match read_upload(&state, &p, &id, multipart).await {
        Ok(u) => u.file,
        Err(page) => return page,
    };
    let Some((name, declared, bytes)) = file.filter(|f| !f.2.is_empty()) else {
        return checklist_view(
            &state,
            &p,
            &id,
            Some("ファイルを選んでください".into()),
            None,
        )
        .await;
    };
    // Browsers label CSV files in several ways; the content decides.
    let declared = if name.to_lowercase().ends_with(".csv") && declared != "text/csv" {
        "text/csv".to_owned()
    } else {
        declared
    };
    let mut headers = axum::http::HeaderMap::new();
    if let Ok(v) = declared.parse() {
        headers.insert(axum::http::header::CONTENT_TYPE, v);
    }
    let query = crate::error::ApiQuery(crate::routes::evidence::UploadQuery { filename: name });
    match crate::routes::evidence::upload(
        State(state.clone()),
        p.clone(),
        Path(id.clone()),
        query,
        headers,
        Ok(bytes.into()),
    )
    .await
    {
        Ok(_) => Redirect::to(&format!("/assessments/{id}?done=uploaded")).into_response(),
        Err(e) => checklist_view(&state, &p, &id, Some(e.message), None).await,
    }
}

/// A filled checklist (.xlsx) uploaded from the checklist page: a vendor's
/// own party, or staff naming the party. Every problem is listed, nothing
/// is stored unless the whole file is valid.
pub async fn import_checklist(
    State(state): State<AppState>,
    UiUser(p): UiUser,
    Path(id): Path<String>,
    multipart: axum::extract::Multipart,
) -> Response {
    let (party, file) = match read_upload(&state, &p, &id, multipart).await {
        Ok(u) => (
            u.fields.get("party").cloned().filter(|s| !s.is_empty()),
            u.file.map(|f| f.2),
        ),
        Err(page) => return page,
    };
    let Some(bytes) = file.filter(|f| !f.is_empty()) else {
        return checklist_view(
            &state,
            &p,
            &id,
            Some("記入済みのチェックリスト (.xlsx) を選んでください".into()),
            None,
        )
        .await;
    };
    match crate::routes::exchange::import_file(&state, &p, &id, party.as_deref(), &bytes).await {
        Ok(_) => Redirect::to(&format!("/assessments/{id}?done=imported")).into_response(),
        Err(e) if e.status == axum::http::StatusCode::NOT_FOUND => error_response(e),
        Err(e) => {
            let mut msg = e.message.clone();
            for problem in &e.problems {
                msg.push('\n');
                msg.push_str(&problem.message);
            }
            checklist_view(&state, &p, &id, Some(msg), None).await
        }
    }
}

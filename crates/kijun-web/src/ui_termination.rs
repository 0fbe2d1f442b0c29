//! The server-rendered termination case page (`/termination-cases/{id}`):
//! the case's notice check and certificate, the checklist with each item's
//! responsible party, due date, state, submission and review comment, and
//! the forms to submit an item, sign it off or return it, record the
//! deletion certificate and close the case. Every form calls the same
//! handler as the JSON API (`routes::termination`), so the screen and the
//! API cannot differ in what they allow; forms are checked for the
//! session's CSRF token and a completed sign-in by `UiForm`, and every
//! action redirects back with a `?done=` notice (post, redirect, get).

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::Date;
use kijun_core::oversight::parse_day;
use kijun_core::termination::{ItemKind, ItemState, ResponsibleParty};
use serde::Deserialize;
use serde_json::Value;

use crate::error::{ApiError, ApiJson};
use crate::principal::Principal;
use crate::routes::oversight::OversightAccess;
use crate::routes::termination::{
    self, CertificateInput, Decision, OpenCase, ReviewItem, SubmitItem,
};
use crate::state::AppState;
use crate::ui::{CsrfField, Nav, UiForm, UiUser, jp_civil_date, jp_date};
use crate::ui::{DoneQuery, csrf_of, render};
use crate::ui_assessments::error_response;

fn done_notice(done: Option<&str>) -> Option<String> {
    let text = match done? {
        "opened" => "終了手続を開始しました",
        "submitted" => "項目を提出しました",
        "reviewed" => "確認を記録しました",
        "certificate" => "データ消去証明書を記録しました",
        "closed" => "終了手続を完了しました",
        _ => return None,
    };
    Some(text.to_owned())
}

struct CertificateRow {
    filename: String,
    sha256: String,
    issued: String,
}

struct ItemRow {
    kind: String,
    position: i64,
    label: &'static str,
    refs: String,
    party: &'static str,
    required: bool,
    due: String,
    state: &'static str,
    note: String,
    evidence: Vec<String>,
    evidence_text: String,
    comment: String,
    can_submit: bool,
    can_review: bool,
}

#[derive(Template)]
#[template(path = "termination.html")]
struct CasePage {
    nav: Option<Nav>,
    error: Option<String>,
    notice: Option<String>,
    csrf_token: String,
    id: String,
    service_id: String,
    service_name: String,
    /// Tenant staff or viewers (who may open the service's page).
    staff: bool,
    manage: bool,
    open: bool,
    status: &'static str,
    effective: String,
    announced: String,
    notice_text: String,
    note: String,
    certificate: Option<CertificateRow>,
    closed: String,
    missing: Vec<String>,
    items: Vec<ItemRow>,
}

fn day_text(v: &Value) -> String {
    v.as_str()
        .and_then(parse_day)
        .map(jp_civil_date)
        .unwrap_or_default()
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

/// The case page, with `error` shown above it (a form that failed).
async fn case_view(
    state: &AppState,
    p: &Principal,
    id: &str,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    let build = async {
        let Json(v) =
            termination::get_case(State(state.clone()), p.clone(), Path(id.to_owned())).await?;
        let service_id = text(&v["service_id"]);
        let (service, access) =
            crate::routes::oversight::service_access(state, p, &service_id).await?;
        let manage = access == OversightAccess::Manage;
        let open = v["status"] == "open";
        let items = v["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|i| {
                let kind = ItemKind::parse(i["kind"].as_str().unwrap_or_default());
                let st = ItemState::parse(i["state"].as_str().unwrap_or_default());
                let evidence: Vec<String> = i["evidence_ids"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|e| e.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                let may_write = !matches!(access, OversightAccess::Read);
                ItemRow {
                    kind: text(&i["kind"]),
                    position: i["position"].as_i64().unwrap_or_default(),
                    label: kind.map_or("", ItemKind::label),
                    refs: kind.map(|k| k.seed_refs().join("、")).unwrap_or_default(),
                    party: ResponsibleParty::parse(i["responsible"].as_str().unwrap_or_default())
                        .map_or("", ResponsibleParty::label),
                    required: i["required"] == true,
                    due: day_text(&i["due_on"]),
                    state: st.map_or("", ItemState::label),
                    note: text(&i["note"]),
                    evidence_text: evidence.join(", "),
                    evidence,
                    comment: text(&i["review_comment"]),
                    can_submit: open && may_write && st.is_some_and(|s| s != ItemState::SignedOff),
                    can_review: open && manage && st == Some(ItemState::Submitted),
                }
            })
            .collect();
        let certificate = v["certificate"].as_object().map(|c| CertificateRow {
            filename: text(&c["filename"]),
            sha256: text(&c["sha256"]),
            issued: day_text(&c["issued_on"]),
        });
        let closed = v["closed_at"]
            .as_str()
            .and_then(|t| t.parse::<jiff::Timestamp>().ok())
            .map(jp_date)
            .unwrap_or_default();
        let missing = v["closure"]["missing"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|m| m.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        Ok::<_, ApiError>(CasePage {
            nav: Nav::of(p),
            error,
            notice,
            csrf_token: csrf_of(p),
            id: text(&v["id"]),
            service_id,
            service_name: service.name,
            staff: !matches!(access, OversightAccess::Vendor(_)),
            manage,
            open,
            status: if open { "手続中" } else { "完了" },
            effective: day_text(&v["effective_on"]),
            announced: day_text(&v["announced_on"]),
            notice_text: text(&v["notice"]["message"]),
            note: text(&v["note"]),
            certificate,
            closed,
            missing: if open { missing } else { Vec::new() },
            items,
        })
    };
    match build.await {
        Ok(page) => render(&page),
        Err(e) => error_response(e),
    }
}

/// A form that failed: the page again with the error above it and the
/// error's status (400, 403, 409); 404 as the plain error page.
async fn failed(state: &AppState, p: &Principal, id: &str, e: ApiError) -> Response {
    if e.status == axum::http::StatusCode::NOT_FOUND {
        return error_response(e);
    }
    let status = e.status;
    let mut r = case_view(state, p, id, Some(e.message), None).await;
    if r.status().is_success() {
        *r.status_mut() = status;
    }
    r
}

/// `GET /termination-cases/{id}`.
pub async fn case_page(
    State(state): State<AppState>,
    UiUser(p): UiUser,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Response {
    case_view(&state, &p, &id, None, done_notice(q.done.as_deref())).await
}

fn parse_form_date(s: &str, field: &str) -> Result<Option<Date>, ApiError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    parse_day(s).map(Some).ok_or_else(|| {
        ApiError::bad_request(
            "invalid_field",
            format!("{field} は YYYY-MM-DD で入力してください"),
        )
    })
}

fn required_date(s: &str, field: &str) -> Result<Date, ApiError> {
    parse_form_date(s, field)?.ok_or_else(|| {
        ApiError::bad_request("invalid_field", format!("{field} を入力してください"))
    })
}

/// The service page's form that opens a case.
#[derive(Deserialize)]
pub struct OpenForm {
    csrf_token: String,
    #[serde(default)]
    announced_on: String,
    #[serde(default)]
    effective_on: String,
    #[serde(default)]
    note: String,
}

impl CsrfField for OpenForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

/// `POST /services/{id}/termination-cases` (the service page's form).
pub async fn open_case(
    State(state): State<AppState>,
    Path(id): Path<String>,
    UiForm(p, f): UiForm<OpenForm>,
) -> Response {
    let result = async {
        let input = OpenCase {
            announced_on: required_date(&f.announced_on, "告知日")?,
            effective_on: required_date(&f.effective_on, "終了日")?,
            due_on: None,
            note: f.note.clone(),
        };
        let resp = termination::open_case(
            State(state.clone()),
            p.clone(),
            Path(id.clone()),
            ApiJson(input),
        )
        .await?;
        let body = axum::body::to_bytes(resp.into_body(), 1 << 22)
            .await
            .map_err(ApiError::internal)?;
        let v: Value = serde_json::from_slice(&body).map_err(ApiError::internal)?;
        Ok::<_, ApiError>(text(&v["id"]))
    };
    match result.await {
        Ok(cid) => Redirect::to(&format!("/termination-cases/{cid}?done=opened")).into_response(),
        Err(e) => crate::ui_services::service_view(&state, &p, &id, Some(e.message), None).await,
    }
}

#[derive(Deserialize)]
pub struct SubmitForm {
    csrf_token: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    evidence_ids: String,
    #[serde(default)]
    due_on: String,
}

impl CsrfField for SubmitForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

/// `POST /termination-cases/{id}/items/{kind}/submit`.
pub async fn submit_item(
    State(state): State<AppState>,
    Path((id, kind)): Path<(String, String)>,
    UiForm(p, f): UiForm<SubmitForm>,
) -> Response {
    let result = async {
        let input = SubmitItem {
            note: f.note.clone(),
            evidence_ids: f
                .evidence_ids
                .split([',', '\n', ' ', '、'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            due_on: parse_form_date(&f.due_on, "期限")?,
        };
        termination::submit_item(
            State(state.clone()),
            p.clone(),
            Path((id.clone(), kind.clone())),
            ApiJson(input),
        )
        .await
    };
    match result.await {
        Ok(_) => Redirect::to(&format!("/termination-cases/{id}?done=submitted")).into_response(),
        Err(e) => failed(&state, &p, &id, e).await,
    }
}

#[derive(Deserialize)]
pub struct ReviewForm {
    csrf_token: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
}

impl CsrfField for ReviewForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

/// `POST /termination-cases/{id}/items/{kind}/review`.
pub async fn review_item(
    State(state): State<AppState>,
    Path((id, kind)): Path<(String, String)>,
    UiForm(p, f): UiForm<ReviewForm>,
) -> Response {
    let result = async {
        let decision = match f.decision.as_str() {
            "sign_off" => Decision::SignOff,
            "return" => Decision::Return,
            _ => {
                return Err(ApiError::bad_request(
                    "invalid_field",
                    "確認の内容を選んでください",
                ));
            }
        };
        let input = ReviewItem {
            decision,
            comment: Some(f.comment.clone()),
        };
        termination::review_item(
            State(state.clone()),
            p.clone(),
            Path((id.clone(), kind.clone())),
            ApiJson(input),
        )
        .await
    };
    match result.await {
        Ok(_) => Redirect::to(&format!("/termination-cases/{id}?done=reviewed")).into_response(),
        Err(e) => failed(&state, &p, &id, e).await,
    }
}

#[derive(Deserialize)]
pub struct CertificateForm {
    csrf_token: String,
    #[serde(default)]
    evidence_id: String,
    #[serde(default)]
    issued_on: String,
}

impl CsrfField for CertificateForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

/// `POST /termination-cases/{id}/certificate`.
pub async fn record_certificate(
    State(state): State<AppState>,
    Path(id): Path<String>,
    UiForm(p, f): UiForm<CertificateForm>,
) -> Response {
    let result = async {
        let input = CertificateInput {
            evidence_id: f.evidence_id.trim().to_owned(),
            issued_on: required_date(&f.issued_on, "発行日")?,
        };
        termination::record_certificate(
            State(state.clone()),
            p.clone(),
            Path(id.clone()),
            ApiJson(input),
        )
        .await
    };
    match result.await {
        Ok(_) => Redirect::to(&format!("/termination-cases/{id}?done=certificate")).into_response(),
        Err(e) => failed(&state, &p, &id, e).await,
    }
}

#[derive(Deserialize)]
pub struct CloseForm {
    csrf_token: String,
}

impl CsrfField for CloseForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

/// `POST /termination-cases/{id}/close`.
pub async fn close_case(
    State(state): State<AppState>,
    Path(id): Path<String>,
    UiForm(p, _f): UiForm<CloseForm>,
) -> Response {
    match termination::close_case(State(state.clone()), p.clone(), Path(id.clone())).await {
        Ok(_) => Redirect::to(&format!("/termination-cases/{id}?done=closed")).into_response(),
        Err(e) => failed(&state, &p, &id, e).await,
    }
}

//! The service register's screens: the register (list and registration)
//! and a service's page, which shows everything the register keeps about
//! the service — name, purpose, department, vendor organisations, profile
//! attributes, contract period, data locations, governing law and court,
//! ISMAP / ISMAP-LIU / LGWAN-ASP registrations, certifications and the
//! nested subcontractor chain (再委託) — to everyone who may see it, and
//! lets staff who may edit services change each part through plain HTML
//! forms (post, redirect, get).
//!
//! Who may do what is decided exactly as in the JSON API: the service is
//! read through [`assessments::get_service`] (another tenant's service and
//! vendors get 404), editing needs the roles the API's update allows (else
//! 403), and every change is saved through [`assessments::update_service`]
//! itself — the same checks, the same store call, the same `service_updated`
//! audit entry. Each form is checked completely before anything is saved
//! (errors are shown next to their fields), so nothing is half-saved; a
//! form carries the service's `updated_at` as its version, and a form whose
//! version is stale (someone else changed the service meanwhile, so a row
//! number may point elsewhere) is refused with 409.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kijun_core::catalog::Date;
use kijun_core::profile::{ATTRIBUTES, Attribute, AttributeType};
use kijun_core::service::{
    Certification, RecordDate, Registration, ServiceDetails, Subcontractor, parse_date,
};
use kijun_store::Role;
use kijun_store::assessment::ServiceRecord;
use serde::Deserialize;
use serde_json::Value;

use crate::error::{ApiError, ApiJson};
use crate::principal::{Principal, Via};
use crate::routes::assessments::{self, ServiceInput};
use crate::state::AppState;
use crate::ui::{CsrfField, Nav, UiForm, UiUser, jp_civil_date, jp_date};
use crate::ui::{DoneQuery, csrf_of, render, with_status};
use crate::ui_assessments::{
    AssessmentRow, error_response, page_tenant, phase_label, status_label, verdict_label,
};

/// Forms are posted by fully signed-in sessions only (`UiForm` checks the
/// session and the CSRF token; MFA and a due password change are checked
/// here, as `ui.rs` does for its forms).
fn fully_signed_in(p: &Principal) -> Option<Response> {
    if let Via::Session {
        mfa_verified: false,
        ..
    } = p.via
    {
        return Some(Redirect::to("/mfa").into_response());
    }
    p.password_change_required
        .then(|| Redirect::to("/password").into_response())
}

/// Whether a principal who sees the service may edit it: the API's rule
/// (`routes::assessments`: administrators and reviewers manage, viewers
/// read; vendors never see a service).
fn may_edit(p: &Principal) -> bool {
    matches!(
        p.role,
        Role::SystemAdmin | Role::TenantAdmin | Role::Reviewer
    )
}

/// The service if the principal may edit it: 404 when the API would not
/// show it, 403 when it would show but not change it.
async fn editable_service(
    state: &AppState,
    p: &Principal,
    id: &str,
) -> Result<ServiceRecord, ApiError> {
    let s = assessments::get_service(State(state.clone()), p.clone(), Path(id.to_owned()))
        .await?
        .0;
    if !may_edit(p) {
        return Err(ApiError::forbidden());
    }
    Ok(s)
}

/// The stored details and profile of a service.
fn stored(s: &ServiceRecord) -> Result<(ServiceDetails, serde_json::Map<String, Value>), ApiError> {
    let details = match s.details.get("details") {
        Some(v) if !v.is_null() => {
            serde_json::from_value::<ServiceDetails>(v.clone()).map_err(ApiError::internal)?
        }
        _ => ServiceDetails::default(),
    };
    let profile = s
        .details
        .get("profile")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| k != "name")
        .collect();
    Ok((details, profile))
}

/// The basic fields of a service as the API takes them.
struct Basic {
    name: String,
    purpose: String,
    department: String,
    provider_org_id: Option<String>,
    integrator_org_id: Option<String>,
}

impl Basic {
    fn of(s: &ServiceRecord) -> Basic {
        Basic {
            name: s.name.clone(),
            purpose: s.purpose.clone(),
            department: s.department.clone(),
            provider_org_id: s.provider_org_id.clone(),
            integrator_org_id: s.integrator_org_id.clone(),
        }
    }
}

/// Saves through the API's own update handler.
async fn save(
    state: &AppState,
    p: &Principal,
    id: &str,
    basic: Basic,
    profile: serde_json::Map<String, Value>,
    details: &ServiceDetails,
) -> Result<(), ApiError> {
    let input = ServiceInput {
        name: basic.name,
        purpose: basic.purpose,
        department: basic.department,
        provider_org_id: basic.provider_org_id,
        integrator_org_id: basic.integrator_org_id,
        profile,
        details: Some(serde_json::to_value(details).map_err(ApiError::internal)?),
    };
    let _updated = assessments::update_service(
        State(state.clone()),
        p.clone(),
        Path(id.to_owned()),
        ApiJson(input),
    )
    .await?;
    Ok(())
}

/// The version a form carries: the service's last update.
fn version(s: &ServiceRecord) -> String {
    s.updated_at.to_string()
}

fn stale_version() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "conflict",
        "この画面を開いた後に、このサービスの登録内容が更新されました。サービスの画面で最新の内容を確認してから、もう一度操作してください",
    )
}

/// `2026年5月1日`.
fn jp_record_date(d: Option<RecordDate>) -> String {
    d.map(|d| format!("{}年{}月{}日", d.0.year, d.0.month, d.0.day))
        .unwrap_or_default()
}

fn input_date(d: Option<RecordDate>) -> String {
    d.map(|d| d.0.to_string()).unwrap_or_default()
}

fn today(state: &AppState) -> Date {
    let t = crate::routes::dashboard::tokyo_today(state.now());
    Date {
        year: u16::try_from(t.year()).unwrap_or(0),
        month: u8::try_from(t.month()).unwrap_or(0),
        day: u8::try_from(t.day()).unwrap_or(0),
    }
}

/// `2027年3月31日` with `（期限切れ）` once the date has passed.
fn validity(d: Option<RecordDate>, today: Date) -> String {
    match d {
        None => String::new(),
        Some(x) if x.0 < today => format!("{}（期限切れ）", jp_record_date(d)),
        Some(_) => jp_record_date(d),
    }
}

const MAX_DEPTH: usize = 10;

/// Where a post/redirect/get lands, and the notice it shows.
fn done_notice(done: Option<&str>) -> Option<String> {
    let text = match done? {
        "created" => "サービスを登録しました",
        "basic" => "基本情報と属性を保存しました",
        "contract" => "契約・データの所在を保存しました",
        "registrations" => "登録状況（ISMAP・ISMAP-LIU・LGWAN-ASP）を保存しました",
        "cert_added" => "認証を追加しました",
        "cert_saved" => "認証を保存しました",
        "cert_removed" => "認証を削除しました",
        "sub_added" => "再委託先を追加しました",
        "sub_saved" => "再委託先を保存しました",
        "sub_removed" => "再委託先を削除しました",
        _ => return None,
    };
    Some(text.to_owned())
}

// ---------------------------------------------------------------------------
// The register

pub struct ServiceRow {
    pub id: String,
    pub name: String,
    pub department: String,
    pub purpose: String,
    pub updated: String,
}

#[derive(Template)]
#[template(path = "services.html")]
struct ServicesPage {
    nav: Option<Nav>,
    error: Option<String>,
    notice: Option<String>,
    csrf_token: String,
    manage: bool,
    services: Vec<ServiceRow>,
    providers: Vec<(String, String)>,
    integrators: Vec<(String, String)>,
}

#[derive(Deserialize)]
pub struct TenantQuery {
    tenant: Option<String>,
}

async fn services_view(
    state: &AppState,
    p: &Principal,
    tenant: Option<String>,
    error: Option<String>,
) -> Response {
    let build = async {
        let tenant = page_tenant(state, p, tenant)
            .await?
            .ok_or_else(ApiError::forbidden)?;
        let list =
            assessments::list_services(State(state.clone()), p.clone(), Path(tenant.clone()))
                .await?
                .0;
        let orgs = state.store.organisations().await?;
        let pick = |kind: &str| {
            orgs.iter()
                .filter(|o| o.kind == kind)
                .map(|o| (o.id.clone(), o.name.clone()))
                .collect::<Vec<_>>()
        };
        Ok::<_, ApiError>(ServicesPage {
            nav: Nav::of(p),
            error,
            notice: None,
            csrf_token: csrf_of(p),
            manage: may_edit(p),
            services: list
                .into_iter()
                .map(|s| ServiceRow {
                    id: s.id,
                    name: s.name,
                    department: s.department,
                    purpose: s.purpose,
                    updated: jp_date(s.updated_at),
                })
                .collect(),
            providers: pick("provider"),
            integrators: pick("integrator"),
        })
    };
    match build.await {
        Ok(page) => render(&page),
        Err(e) => error_response(e),
    }
}

pub async fn services_page(
    State(state): State<AppState>,
    UiUser(p): UiUser,
    Query(q): Query<TenantQuery>,
) -> Response {
    services_view(&state, &p, q.tenant, None).await
}

#[derive(Deserialize)]
pub struct ServiceForm {
    csrf_token: String,
    name: String,
    purpose: String,
    department: String,
    provider_org_id: String,
    integrator_org_id: String,
    service_model: String,
    confidentiality_class: String,
    network_segment: String,
    #[serde(flatten)]
    flags: HashMap<String, String>,
}

impl CsrfField for ServiceForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

const FLAGS: &[&str] = &[
    "ismap_registered",
    "ismap_liu_registered",
    "lgwan_asp",
    "gov_cloud",
    "handles_personal_info",
    "subcontracting",
    "remote_maintenance",
];

pub async fn services_create(
    State(state): State<AppState>,
    UiForm(p, f): UiForm<ServiceForm>,
) -> Response {
    if let Some(r) = fully_signed_in(&p) {
        return r;
    }
    let tenant = match page_tenant(&state, &p, None).await {
        Ok(Some(t)) => t,
        Ok(None) => return error_response(ApiError::forbidden()),
        Err(e) => return error_response(e),
    };
    let mut profile = serde_json::Map::new();
    for flag in FLAGS {
        profile.insert(
            (*flag).into(),
            Value::Bool(f.flags.get(*flag).is_some_and(|v| v == "true")),
        );
    }
    profile.insert("service_model".into(), Value::String(f.service_model));
    profile.insert("network_segment".into(), Value::String(f.network_segment));
    profile.insert(
        "confidentiality_class".into(),
        Value::from(f.confidentiality_class.parse::<i64>().unwrap_or(2)),
    );
    let non_empty = |s: String| Some(s).filter(|s| !s.is_empty());
    let input = ServiceInput {
        name: f.name,
        purpose: f.purpose,
        department: f.department,
        provider_org_id: non_empty(f.provider_org_id),
        integrator_org_id: non_empty(f.integrator_org_id),
        profile,
        details: None,
    };
    match assessments::create_service(
        State(state.clone()),
        p.clone(),
        Path(tenant.clone()),
        ApiJson(input),
    )
    .await
    {
        Ok(resp) => {
            let body = axum::body::to_bytes(resp.into_body(), 1 << 20).await.ok();
            let id = body
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                .and_then(|v| v["id"].as_str().map(str::to_owned))
                .unwrap_or_default();
            Redirect::to(&format!("/services/{id}?done=created")).into_response()
        }
        Err(e) => services_view(&state, &p, Some(tenant), Some(e.message)).await,
    }
}

// ---------------------------------------------------------------------------
// A service's page

pub struct RegistrationRow {
    pub label: &'static str,
    pub number: String,
    pub valid_until: String,
}

pub struct CertificationRow {
    /// 1-based, as in the URLs.
    pub number: usize,
    pub name: String,
    pub issuer: String,
    pub scope: String,
    pub valid_until: String,
}

/// One subcontractor of the flattened chain, in document order. The
/// template opens a nested list before the first child of a node and
/// closes `closes` levels after a leaf.
pub struct SubcontractorRow {
    /// `1.2`: the second subcontractor of the first one (URL and label).
    pub path: String,
    pub depth: usize,
    /// Heading level (the section is `h2`, the first tier `h3`, …).
    pub level: usize,
    pub open: bool,
    pub leaf: bool,
    pub closes: usize,
    pub can_add_below: bool,
    pub name: String,
    pub work: String,
    pub security_officer: String,
    pub personal_info_manager: String,
    pub staff: String,
}

fn path_text(path: &[usize]) -> String {
    path.iter()
        .map(|i| (i + 1).to_string())
        .collect::<Vec<_>>()
        .join(".")
}

/// `1.2` → `[0, 1]`; `None` for anything else.
fn parse_path(text: &str) -> Option<Vec<usize>> {
    let path: Option<Vec<usize>> = text
        .split('.')
        .map(|n| n.parse::<usize>().ok().and_then(|n| n.checked_sub(1)))
        .collect();
    path.filter(|p| !p.is_empty() && p.len() <= MAX_DEPTH)
}

fn node<'a>(list: &'a [Subcontractor], path: &[usize]) -> Option<&'a Subcontractor> {
    let (first, rest) = path.split_first()?;
    let s = list.get(*first)?;
    if rest.is_empty() {
        Some(s)
    } else {
        node(&s.subcontractors, rest)
    }
}

fn node_mut<'a>(list: &'a mut [Subcontractor], path: &[usize]) -> Option<&'a mut Subcontractor> {
    let (first, rest) = path.split_first()?;
    let s = list.get_mut(*first)?;
    if rest.is_empty() {
        Some(s)
    } else {
        node_mut(&mut s.subcontractors, rest)
    }
}

/// The list that holds the node at `path`'s children (`[]`: the top tier).
fn children_mut<'a>(
    list: &'a mut Vec<Subcontractor>,
    parent: &[usize],
) -> Option<&'a mut Vec<Subcontractor>> {
    if parent.is_empty() {
        Some(list)
    } else {
        node_mut(list, parent).map(|n| &mut n.subcontractors)
    }
}

fn descendants(s: &Subcontractor) -> usize {
    s.subcontractors.iter().map(|c| 1 + descendants(c)).sum()
}

fn tree_rows(list: &[Subcontractor], prefix: &[usize], out: &mut Vec<SubcontractorRow>) {
    for (i, s) in list.iter().enumerate() {
        let mut path = prefix.to_vec();
        path.push(i);
        let depth = path.len();
        out.push(SubcontractorRow {
            path: path_text(&path),
            depth,
            level: depth + 2,
            open: depth > 1 && i == 0,
            leaf: s.subcontractors.is_empty(),
            closes: 0,
            can_add_below: depth < MAX_DEPTH,
            name: s.name.clone(),
            work: s.work.clone(),
            security_officer: s.security_officer.clone(),
            personal_info_manager: s.personal_info_manager.clone(),
            staff: s.staff.clone(),
        });
        if !s.subcontractors.is_empty() {
            tree_rows(&s.subcontractors, &path, out);
            if let Some(last) = out.last_mut() {
                last.closes += 1;
            }
        }
    }
}

/// The Japanese label of a profile attribute's value.
fn attribute_value_label(attr: &Attribute, value: &Value) -> String {
    match (attr.kind, value) {
        (AttributeType::Bool, Value::Bool(b)) => if *b { "はい" } else { "いいえ" }.to_owned(),
        (AttributeType::Enum(_), Value::String(s)) => enum_label(attr.name, s).to_owned(),
        (AttributeType::Int { .. }, Value::Number(n)) if attr.name == "confidentiality_class" => {
            format!("機密性{n}")
        }
        (_, other) => other.to_string(),
    }
}

fn enum_label<'a>(attr: &str, value: &'a str) -> &'a str {
    match (attr, value) {
        ("service_model", "saas") => "SaaS",
        ("service_model", "paas") => "PaaS",
        ("service_model", "iaas") => "IaaS",
        ("network_segment", "internet") => "インターネット接続系",
        ("network_segment", "lgwan") => "LGWAN接続系",
        ("network_segment", "closed") => "閉域網",
        _ => value,
    }
}

#[derive(Template)]
#[template(path = "service.html")]
struct ServicePage {
    nav: Option<Nav>,
    error: Option<String>,
    notice: Option<String>,
    csrf_token: String,
    manage: bool,
    id: String,
    version: String,
    name: String,
    purpose: String,
    department: String,
    provider: String,
    integrator: String,
    attributes: Vec<(String, String)>,
    contract_start: String,
    contract_end: String,
    data_locations: Vec<String>,
    governing_law: String,
    court: String,
    registrations: Vec<RegistrationRow>,
    certifications: Vec<CertificationRow>,
    subcontractors: Vec<SubcontractorRow>,
    /// The profile says there is no subcontracting, yet some are recorded.
    subcontracting_mismatch: bool,
    assessments: Vec<AssessmentRow>,
    /// The service's termination cases (its termination history).
    terminations: Vec<TerminationRow>,
    catalogs: Vec<(String, String)>,
}

/// One termination case on the service's page.
struct TerminationRow {
    id: String,
    effective: String,
    announced: String,
    notice: &'static str,
    status: &'static str,
    signed_off: usize,
    total: usize,
    closed: String,
}

/// The service's page (with `error` shown above it, e.g. from a form that
/// failed).
pub async fn service_view(
    state: &AppState,
    p: &Principal,
    id: &str,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    let build = async {
        let s = assessments::get_service(State(state.clone()), p.clone(), Path(id.to_owned()))
            .await?
            .0;
        let (details, profile) = stored(&s)?;
        let orgs = state.store.organisations().await?;
        let org_name = |id: &Option<String>| {
            id.as_ref()
                .and_then(|i| orgs.iter().find(|o| &o.id == i))
                .map_or("（未定）".to_owned(), |o| o.name.clone())
        };
        let attributes = ATTRIBUTES
            .iter()
            .filter_map(|attr| {
                profile
                    .get(attr.name)
                    .map(|v| (attr.label.to_owned(), attribute_value_label(attr, v)))
            })
            .collect();
        let today = today(state);
        let registration = |label: &'static str, r: &Option<Registration>| RegistrationRow {
            label,
            number: r.as_ref().map(|r| r.number.clone()).unwrap_or_default(),
            valid_until: validity(r.as_ref().and_then(|r| r.valid_until), today),
        };
        let mut subcontractors = Vec::new();
        tree_rows(&details.subcontractors, &[], &mut subcontractors);
        let list = state.store.assessments_in_tenant(&s.tenant_id).await?;
        let cases = state.store.termination_cases_of_service(&s.id).await?;
        let day = |d: Option<jiff::civil::Date>| d.map(jp_civil_date).unwrap_or_default();
        let terminations = crate::routes::termination::history_rows(&cases)
            .into_iter()
            .map(|h| TerminationRow {
                effective: day(h.effective_on),
                announced: day(h.announced_on),
                notice: if h.notice_on_time {
                    "期限内"
                } else {
                    "期限後（1か月前までに告知されていない）"
                },
                status: h.status,
                signed_off: h.signed_off,
                total: h.total,
                closed: h.closed_at.map(jp_date).unwrap_or_default(),
                id: h.id,
            })
            .collect();
        Ok::<_, ApiError>(ServicePage {
            nav: Nav::of(p),
            error,
            notice,
            csrf_token: csrf_of(p),
            manage: may_edit(p),
            version: version(&s),
            provider: org_name(&s.provider_org_id),
            integrator: org_name(&s.integrator_org_id),
            attributes,
            contract_start: jp_record_date(details.contract_start),
            contract_end: jp_record_date(details.contract_end),
            data_locations: details.data_locations.clone(),
            governing_law: details.governing_law.clone(),
            court: details.court.clone(),
            registrations: vec![
                registration("ISMAP", &details.ismap),
                registration("ISMAP-LIU", &details.ismap_liu),
                registration("LGWAN-ASP", &details.lgwan_asp),
            ],
            certifications: details
                .certifications
                .iter()
                .enumerate()
                .map(|(i, c)| CertificationRow {
                    number: i + 1,
                    name: c.name.clone(),
                    issuer: c.issuer.clone(),
                    scope: c.scope.clone(),
                    valid_until: validity(c.valid_until, today),
                })
                .collect(),
            subcontracting_mismatch: !subcontractors.is_empty()
                && profile.get("subcontracting") == Some(&Value::Bool(false)),
            subcontractors,
            assessments: list
                .into_iter()
                .filter(|a| a.service_id == s.id)
                .map(|a| AssessmentRow {
                    service: s.name.clone(),
                    phase: phase_label(&a.phase),
                    catalogs: a.catalogs.join(", "),
                    status: status_label(&a.status),
                    verdict: verdict_label(a.verdict.as_deref()),
                    opened: jp_date(a.opened_at),
                    due: a.due_date.clone().unwrap_or_default(),
                    id: a.id,
                })
                .collect(),
            terminations,
            catalogs: state
                .catalogs
                .iter()
                .map(|c| (c.id.clone(), c.title.clone()))
                .collect(),
            id: s.id,
            name: s.name,
            purpose: s.purpose,
            department: s.department,
        })
    };
    match build.await {
        Ok(page) => render(&page),
        Err(e) => error_response(e),
    }
}

/// `GET /services/{id}`; `?done=` names the change just saved.
pub async fn service_page(
    State(state): State<AppState>,
    UiUser(p): UiUser,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Response {
    service_view(&state, &p, &id, None, done_notice(q.done.as_deref())).await
}

// ---------------------------------------------------------------------------
// Edit forms: one page layout (`service_edit.html`) for every form

/// Field-level problems, in the order of the form.
#[derive(Default)]
struct Errors(Vec<(&'static str, String)>);

impl Errors {
    fn add(&mut self, field: &'static str, message: impl Into<String>) {
        if self.get(field).is_none() {
            self.0.push((field, message.into()));
        }
    }

    fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One form control.
pub struct Field {
    /// The control's `id` and `name`.
    pub id: &'static str,
    pub label: String,
    /// `text`, `textarea`, `date`, `select` or `checkbox`.
    pub kind: &'static str,
    pub value: String,
    /// `(value, label)` for a select.
    pub options: Vec<(String, String)>,
    pub hint: String,
    pub error: Option<String>,
    pub required: bool,
    pub checked: bool,
}

impl Field {
    fn new(id: &'static str, label: impl Into<String>, kind: &'static str) -> Field {
        Field {
            id,
            label: label.into(),
            kind,
            value: String::new(),
            options: Vec::new(),
            hint: String::new(),
            error: None,
            required: false,
            checked: false,
        }
    }

    fn text(id: &'static str, label: impl Into<String>, value: &str) -> Field {
        Field::new(id, label, "text").value(value)
    }

    fn value(mut self, v: &str) -> Field {
        self.value = v.to_owned();
        self
    }

    fn hint(mut self, h: impl Into<String>) -> Field {
        self.hint = h.into();
        self
    }

    fn required(mut self) -> Field {
        self.required = true;
        self
    }

    fn options(mut self, options: Vec<(String, String)>) -> Field {
        self.options = options;
        self
    }

    /// The ids of the hint and error, for `aria-describedby`.
    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if !self.hint.is_empty() {
            ids.push(format!("{}-hint", self.id));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.id));
        }
        ids.join(" ")
    }
}

/// A fieldset.
pub struct Group {
    pub legend: String,
    pub hint: String,
    pub fields: Vec<Field>,
}

fn group(legend: &str, fields: Vec<Field>) -> Group {
    Group {
        legend: legend.to_owned(),
        hint: String::new(),
        fields,
    }
}

/// A second form on the page that removes what the first edits.
pub struct Danger {
    pub heading: String,
    pub text: String,
    pub action: String,
    pub button: String,
    pub confirm: Option<Field>,
}

#[derive(Template)]
#[template(path = "service_edit.html")]
struct EditPage {
    nav: Option<Nav>,
    error: Option<String>,
    notice: Option<String>,
    csrf_token: String,
    id: String,
    service: String,
    title: String,
    intro: Vec<String>,
    action: String,
    version: String,
    hidden: Vec<(&'static str, String)>,
    groups: Vec<Group>,
    submit: &'static str,
    /// `(field id, message)`: the error summary.
    summary: Vec<(&'static str, String)>,
    danger: Option<Danger>,
}

/// What an edit page shows besides its fields.
struct PageSpec {
    title: String,
    intro: Vec<String>,
    action: String,
    hidden: Vec<(&'static str, String)>,
    submit: &'static str,
    danger: Option<Danger>,
}

fn edit_page(
    p: &Principal,
    s: &ServiceRecord,
    version: String,
    spec: PageSpec,
    mut groups: Vec<Group>,
    errors: &Errors,
    error: Option<String>,
) -> EditPage {
    for g in &mut groups {
        for f in &mut g.fields {
            f.error = errors.get(f.id).map(str::to_owned);
        }
    }
    let mut danger = spec.danger;
    if let Some(field) = danger.as_mut().and_then(|d| d.confirm.as_mut()) {
        field.error = errors.get(field.id).map(str::to_owned);
    }
    EditPage {
        nav: Nav::of(p),
        error,
        notice: None,
        csrf_token: csrf_of(p),
        id: s.id.clone(),
        service: s.name.clone(),
        title: spec.title,
        intro: spec.intro,
        action: spec.action,
        version,
        hidden: spec.hidden,
        groups,
        submit: spec.submit,
        summary: errors.0.clone(),
        danger,
    }
}

/// A form as posted: the CSRF token and every other field by name.
#[derive(Deserialize)]
pub struct RawForm {
    csrf_token: String,
    #[serde(flatten)]
    fields: HashMap<String, String>,
}

impl CsrfField for RawForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

impl RawForm {
    /// The field's value, trimmed, line ends as `\n` ("" when absent).
    fn get(&self, name: &str) -> String {
        self.fields
            .get(name)
            .map(|v| v.trim().replace("\r\n", "\n"))
            .unwrap_or_default()
    }
}

/// A one-line or multi-line text: required or not, at most `max` characters.
fn check_text(
    errors: &mut Errors,
    id: &'static str,
    label: &str,
    text: &str,
    max: usize,
    required: bool,
) {
    let n = text.chars().count();
    if required && n == 0 {
        errors.add(id, format!("{label}を入力してください"));
    } else if n > max {
        errors.add(
            id,
            format!("{label}は{max}文字以内で入力してください（現在 {n} 文字）"),
        );
    }
}

/// An optional date from `<input type="date">` (`YYYY-MM-DD`).
fn check_date(
    errors: &mut Errors,
    id: &'static str,
    label: &str,
    text: &str,
) -> Option<RecordDate> {
    if text.is_empty() {
        return None;
    }
    match parse_date(text) {
        Some(d) => Some(RecordDate(d)),
        None => {
            errors.add(
                id,
                format!(
                    "{label}は実在する日付を 2026-05-01 のように年-月-日で入力してください（入力: {text}）"
                ),
            );
            None
        }
    }
}

/// How a failed save is shown: authorisation failures as the error page
/// (404/403 as the API), anything else above the form with its status.
fn save_failed(e: ApiError, page: EditPage) -> Response {
    if matches!(e.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN) {
        return error_response(e);
    }
    let status = e.status;
    let page = EditPage {
        error: Some(e.message),
        ..page
    };
    with_status(render(&page), status)
}

fn invalid(page: EditPage) -> Response {
    let page = EditPage {
        error: Some(format!(
            "入力内容に誤りがあります（{} 件）。各項目の説明に従って修正してください。登録内容は変更されていません",
            page.summary.len()
        )),
        ..page
    };
    with_status(render(&page), StatusCode::BAD_REQUEST)
}

fn stale(page: EditPage) -> Response {
    save_failed(stale_version(), page)
}

fn back_to(id: &str, done: &str, anchor: &str) -> Response {
    Redirect::to(&format!("/services/{id}?done={done}#{anchor}")).into_response()
}

// ---------------------------------------------------------------------------
// Basic information and profile attributes

struct BasicValues {
    name: String,
    purpose: String,
    department: String,
    provider_org_id: String,
    integrator_org_id: String,
    /// Attribute name → the form's value (`true`/`false`, enum, number).
    attributes: HashMap<&'static str, String>,
}

fn attr_id(attr: &Attribute) -> &'static str {
    match attr.name {
        "ismap_registered" => "attr_ismap_registered",
        "ismap_liu_registered" => "attr_ismap_liu_registered",
        "lgwan_asp" => "attr_lgwan_asp",
        "gov_cloud" => "attr_gov_cloud",
        "service_model" => "attr_service_model",
        "handles_personal_info" => "attr_handles_personal_info",
        "confidentiality_class" => "attr_confidentiality_class",
        "network_segment" => "attr_network_segment",
        "subcontracting" => "attr_subcontracting",
        "remote_maintenance" => "attr_remote_maintenance",
        "provider_assigns_credentials" => "attr_provider_assigns_credentials",
        "provider_key_management" => "attr_provider_key_management",
        other => other,
    }
}

fn profile_value_text(v: &kijun_core::profile::Value) -> String {
    match v {
        kijun_core::profile::Value::Bool(b) => b.to_string(),
        kijun_core::profile::Value::Int(i) => i.to_string(),
        kijun_core::profile::Value::Str(s) => s.clone(),
    }
}

fn json_form_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

async fn org_options(
    state: &AppState,
) -> Result<(Vec<(String, String)>, Vec<(String, String)>), ApiError> {
    let orgs = state.store.organisations().await?;
    let pick = |kind: &str| {
        let mut list = vec![(String::new(), "（未定）".to_owned())];
        list.extend(
            orgs.iter()
                .filter(|o| o.kind == kind)
                .map(|o| (o.id.clone(), o.name.clone())),
        );
        list
    };
    Ok((pick("provider"), pick("integrator")))
}

fn basic_groups(
    v: &BasicValues,
    providers: Vec<(String, String)>,
    integrators: Vec<(String, String)>,
) -> Vec<Group> {
    let mut attributes = Vec::new();
    for attr in ATTRIBUTES {
        let id = attr_id(attr);
        let value = v.attributes.get(attr.name).cloned().unwrap_or_default();
        let field = match attr.kind {
            AttributeType::Bool => Field {
                checked: value == "true",
                ..Field::new(id, attr.help, "checkbox")
            },
            AttributeType::Enum(values) => {
                Field::new(id, attr.label, "select").value(&value).options(
                    values
                        .iter()
                        .map(|x| ((*x).to_owned(), enum_label(attr.name, x).to_owned()))
                        .collect(),
                )
            }
            AttributeType::Int { min, max } => Field::new(id, attr.label, "select")
                .value(&value)
                .hint(attr.help)
                .options(
                    (min..=max)
                        .map(|n| {
                            let label = if attr.name == "confidentiality_class" {
                                format!("機密性{n}")
                            } else {
                                n.to_string()
                            };
                            (n.to_string(), label)
                        })
                        .collect(),
                ),
        };
        attributes.push(field);
    }
    vec![
        group(
            "基本情報",
            vec![
                Field::text("name", "サービス名", &v.name).required(),
                Field::new("purpose", "利用目的", "textarea")
                    .value(&v.purpose)
                    .required(),
                Field::text("department", "所管課", &v.department).required(),
                Field::new("provider_org_id", "外部サービス提供者", "select")
                    .value(&v.provider_org_id)
                    .options(providers),
                Field::new("integrator_org_id", "導入事業者", "select")
                    .value(&v.integrator_org_id)
                    .options(integrators),
            ],
        ),
        Group {
            legend: "サービスの属性（適用される要求事項を決めます）".into(),
            hint:
                "変更はこれから開始する審査に適用されます。開始済みの審査の対象項目は変わりません。"
                    .into(),
            fields: attributes,
        },
    ]
}

fn basic_spec(id: &str) -> PageSpec {
    PageSpec {
        title: "基本情報・属性の編集".into(),
        intro: Vec::new(),
        action: format!("/services/{id}/basic"),
        hidden: Vec::new(),
        submit: "保存する",
        danger: None,
    }
}

pub async fn basic_page(
    State(state): State<AppState>,
    UiUser(p): UiUser,
    Path(id): Path<String>,
) -> Response {
    let build = async {
        let s = editable_service(&state, &p, &id).await?;
        let (_, profile) = stored(&s)?;
        let (providers, integrators) = org_options(&state).await?;
        let values = BasicValues {
            name: s.name.clone(),
            purpose: s.purpose.clone(),
            department: s.department.clone(),
            provider_org_id: s.provider_org_id.clone().unwrap_or_default(),
            integrator_org_id: s.integrator_org_id.clone().unwrap_or_default(),
            attributes: ATTRIBUTES
                .iter()
                .map(|a| {
                    let v = profile
                        .get(a.name)
                        .map(json_form_value)
                        .unwrap_or_else(|| profile_value_text(&a.default_value()));
                    (a.name, v)
                })
                .collect(),
        };
        Ok::<_, ApiError>(edit_page(
            &p,
            &s,
            version(&s),
            basic_spec(&s.id),
            basic_groups(&values, providers, integrators),
            &Errors::default(),
            None,
        ))
    };
    match build.await {
        Ok(page) => render(&page),
        Err(e) => error_response(e),
    }
}

pub async fn basic_submit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    UiForm(p, f): UiForm<RawForm>,
) -> Response {
    if let Some(r) = fully_signed_in(&p) {
        return r;
    }
    let prepared = async {
        let s = editable_service(&state, &p, &id).await?;
        let (details, _) = stored(&s)?;
        let (providers, integrators) = org_options(&state).await?;
        Ok::<_, ApiError>((s, details, providers, integrators))
    };
    let (s, details, providers, integrators) = match prepared.await {
        Ok(x) => x,
        Err(e) => return error_response(e),
    };
    let mut errors = Errors::default();
    let values = BasicValues {
        name: f.get("name"),
        purpose: f.get("purpose"),
        department: f.get("department"),
        provider_org_id: f.get("provider_org_id"),
        integrator_org_id: f.get("integrator_org_id"),
        attributes: ATTRIBUTES
            .iter()
            .map(|a| {
                let v = f.get(attr_id(a));
                let v = match a.kind {
                    AttributeType::Bool => (v == "true").to_string(),
                    _ => v,
                };
                (a.name, v)
            })
            .collect(),
    };
    check_text(&mut errors, "name", "サービス名", &values.name, 200, true);
    check_text(
        &mut errors,
        "purpose",
        "利用目的",
        &values.purpose,
        2000,
        true,
    );
    check_text(
        &mut errors,
        "department",
        "所管課",
        &values.department,
        200,
        true,
    );
    for (id, label, value, options) in [
        (
            "provider_org_id",
            "外部サービス提供者",
            &values.provider_org_id,
            &providers,
        ),
        (
            "integrator_org_id",
            "導入事業者",
            &values.integrator_org_id,
            &integrators,
        ),
    ] {
        if !options.iter().any(|(o, _)| o == value) {
            errors.add(
                id,
                format!("選んだ{label}は登録されていません。一覧から選び直してください"),
            );
        }
    }
    let mut profile = serde_json::Map::new();
    for attr in ATTRIBUTES {
        let value = values
            .attributes
            .get(attr.name)
            .cloned()
            .unwrap_or_default();
        let json = match attr.kind {
            AttributeType::Bool => Some(Value::Bool(value == "true")),
            AttributeType::Enum(allowed) => allowed
                .contains(&value.as_str())
                .then(|| Value::String(value.clone())),
            AttributeType::Int { min, max } => value
                .parse::<i64>()
                .ok()
                .filter(|n| (min..=max).contains(n))
                .map(Value::from),
        };
        match json {
            Some(v) => {
                profile.insert(attr.name.to_owned(), v);
            }
            None => errors.add(
                attr_id(attr),
                format!("{}を一覧から選んでください", attr.label),
            ),
        }
    }
    let page = |errors: &Errors| {
        edit_page(
            &p,
            &s,
            f.get("version"),
            basic_spec(&s.id),
            basic_groups(&values, providers.clone(), integrators.clone()),
            errors,
            None,
        )
    };
    if f.get("version") != version(&s) {
        return stale(page(&errors));
    }
    if !errors.is_empty() {
        return invalid(page(&errors));
    }
    let non_empty = |s: &str| Some(s.to_owned()).filter(|s| !s.is_empty());
    let basic = Basic {
        name: values.name.clone(),
        purpose: values.purpose.clone(),
        department: values.department.clone(),
        provider_org_id: non_empty(&values.provider_org_id),
        integrator_org_id: non_empty(&values.integrator_org_id),
    };
    match save(&state, &p, &s.id, basic, profile, &details).await {
        Ok(()) => back_to(&s.id, "basic", "basic"),
        Err(e) => save_failed(e, page(&errors)),
    }
}

// ---------------------------------------------------------------------------
// Contract period, data locations, governing law and court

struct ContractValues {
    contract_start: String,
    contract_end: String,
    data_locations: String,
    governing_law: String,
    court: String,
}

fn contract_groups(v: &ContractValues) -> Vec<Group> {
    vec![
        group(
            "契約期間",
            vec![
                Field::new("contract_start", "契約開始日", "date").value(&v.contract_start),
                Field::new("contract_end", "契約終了日", "date").value(&v.contract_end),
            ],
        ),
        group(
            "データの所在",
            vec![
                Field::new("data_locations", "データの保存場所", "textarea")
                    .value(&v.data_locations)
                    .hint("国・地域・データセンター等を1行に1か所ずつ入力してください（例: 日本（東京リージョン））"),
            ],
        ),
        group(
            "準拠法・管轄裁判所",
            vec![
                Field::text("governing_law", "準拠法", &v.governing_law)
                    .hint("例: 日本法"),
                Field::text("court", "管轄裁判所", &v.court).hint("例: 東京地方裁判所"),
            ],
        ),
    ]
}

fn contract_spec(id: &str) -> PageSpec {
    PageSpec {
        title: "契約・データの所在の編集".into(),
        intro: Vec::new(),
        action: format!("/services/{id}/contract"),
        hidden: Vec::new(),
        submit: "保存する",
        danger: None,
    }
}

pub async fn contract_page(
    State(state): State<AppState>,
    UiUser(p): UiUser,
    Path(id): Path<String>,
) -> Response {
    let build = async {
        let s = editable_service(&state, &p, &id).await?;
        let (d, _) = stored(&s)?;
        let values = ContractValues {
            contract_start: input_date(d.contract_start),
            contract_end: input_date(d.contract_end),
            data_locations: d.data_locations.join("\n"),
            governing_law: d.governing_law.clone(),
            court: d.court.clone(),
        };
        Ok::<_, ApiError>(edit_page(
            &p,
            &s,
            version(&s),
            contract_spec(&s.id),
            contract_groups(&values),
            &Errors::default(),
            None,
        ))
    };
    match build.await {
        Ok(page) => render(&page),
        Err(e) => error_response(e),
    }
}

pub async fn contract_submit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    UiForm(p, f): UiForm<RawForm>,
) -> Response {
    if let Some(r) = fully_signed_in(&p) {
        return r;
    }
    let prepared = async {
        let s = editable_service(&state, &p, &id).await?;
        let (details, profile) = stored(&s)?;
        Ok::<_, ApiError>((s, details, profile))
    };
    let (s, mut details, profile) = match prepared.await {
        Ok(x) => x,
        Err(e) => return error_response(e),
    };
    let values = ContractValues {
        contract_start: f.get("contract_start"),
        contract_end: f.get("contract_end"),
        data_locations: f.get("data_locations"),
        governing_law: f.get("governing_law"),
        court: f.get("court"),
    };
    let mut errors = Errors::default();
    let start = check_date(
        &mut errors,
        "contract_start",
        "契約開始日",
        &values.contract_start,
    );
    let end = check_date(
        &mut errors,
        "contract_end",
        "契約終了日",
        &values.contract_end,
    );
    if let (Some(s), Some(e)) = (start, end)
        && e < s
    {
        errors.add(
            "contract_end",
            format!(
                "契約終了日は契約開始日（{}）以降の日付にしてください",
                jp_record_date(Some(s))
            ),
        );
    }
    let locations: Vec<String> = values
        .data_locations
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    if locations.len() > 50 {
        errors.add(
            "data_locations",
            format!(
                "データの保存場所は50か所までにしてください（現在 {} 行）",
                locations.len()
            ),
        );
    } else if let Some((i, _)) = locations
        .iter()
        .enumerate()
        .find(|(_, l)| l.chars().count() > 200)
    {
        errors.add(
            "data_locations",
            format!(
                "データの保存場所の{}行目が長すぎます。1行は200文字以内にしてください",
                i + 1
            ),
        );
    }
    check_text(
        &mut errors,
        "governing_law",
        "準拠法",
        &values.governing_law,
        200,
        false,
    );
    check_text(
        &mut errors,
        "court",
        "管轄裁判所",
        &values.court,
        200,
        false,
    );
    let page = |errors: &Errors| {
        edit_page(
            &p,
            &s,
            f.get("version"),
            contract_spec(&s.id),
            contract_groups(&values),
            errors,
            None,
        )
    };
    if f.get("version") != version(&s) {
        return stale(page(&errors));
    }
    if !errors.is_empty() {
        return invalid(page(&errors));
    }
    details.contract_start = start;
    details.contract_end = end;
    details.data_locations = locations;
    details.governing_law = values.governing_law.clone();
    details.court = values.court.clone();
    match save(&state, &p, &s.id, Basic::of(&s), profile, &details).await {
        Ok(()) => back_to(&s.id, "contract", "contract"),
        Err(e) => save_failed(e, page(&errors)),
    }
}

// ---------------------------------------------------------------------------
// Registrations: ISMAP, ISMAP-LIU, LGWAN-ASP

/// `(number field, valid-until field, label)` per registration.
const REGISTRATIONS: [(&str, &str, &str); 3] = [
    ("ismap_number", "ismap_valid_until", "ISMAP"),
    ("ismap_liu_number", "ismap_liu_valid_until", "ISMAP-LIU"),
    ("lgwan_asp_number", "lgwan_asp_valid_until", "LGWAN-ASP"),
];

fn registration_groups(values: &[(String, String); 3]) -> Vec<Group> {
    REGISTRATIONS
        .iter()
        .zip(values)
        .map(|(&(number, until, label), (n, u))| Group {
            legend: (*label).to_owned(),
            hint: format!("{label}に登録されていない場合は、両方とも空欄にしてください。"),
            fields: vec![
                Field::text(number, format!("{label} 登録番号"), n),
                Field::new(until, format!("{label} 登録の有効期限"), "date").value(u),
            ],
        })
        .collect()
}

fn registration_spec(id: &str) -> PageSpec {
    PageSpec {
        title: "登録状況（ISMAP・ISMAP-LIU・LGWAN-ASP）の編集".into(),
        intro: vec![
            "登録の有無による適用項目の違いは、サービスの属性（基本情報・属性の編集）で設定します。"
                .into(),
        ],
        action: format!("/services/{id}/registrations"),
        hidden: Vec::new(),
        submit: "保存する",
        danger: None,
    }
}

pub async fn registrations_page(
    State(state): State<AppState>,
    UiUser(p): UiUser,
    Path(id): Path<String>,
) -> Response {
    let build = async {
        let s = editable_service(&state, &p, &id).await?;
        let (d, _) = stored(&s)?;
        let pair = |r: &Option<Registration>| {
            r.as_ref()
                .map(|r| (r.number.clone(), input_date(r.valid_until)))
                .unwrap_or_default()
        };
        let values = [pair(&d.ismap), pair(&d.ismap_liu), pair(&d.lgwan_asp)];
        Ok::<_, ApiError>(edit_page(
            &p,
            &s,
            version(&s),
            registration_spec(&s.id),
            registration_groups(&values),
            &Errors::default(),
            None,
        ))
    };
    match build.await {
        Ok(page) => render(&page),
        Err(e) => error_response(e),
    }
}

pub async fn registrations_submit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    UiForm(p, f): UiForm<RawForm>,
) -> Response {
    if let Some(r) = fully_signed_in(&p) {
        return r;
    }
    let prepared = async {
        let s = editable_service(&state, &p, &id).await?;
        let (details, profile) = stored(&s)?;
        Ok::<_, ApiError>((s, details, profile))
    };
    let (s, mut details, profile) = match prepared.await {
        Ok(x) => x,
        Err(e) => return error_response(e),
    };
    let values = REGISTRATIONS.map(|(n, u, _)| (f.get(n), f.get(u)));
    let mut errors = Errors::default();
    let mut parsed: Vec<Option<Registration>> = Vec::new();
    for (&(number_id, until_id, label), (number, until)) in REGISTRATIONS.iter().zip(&values) {
        check_text(
            &mut errors,
            number_id,
            &format!("{label} の登録番号"),
            number,
            100,
            false,
        );
        let date = check_date(
            &mut errors,
            until_id,
            &format!("{label} 登録の有効期限"),
            until,
        );
        if number.is_empty() && !until.is_empty() {
            errors.add(
                number_id,
                format!(
                    "{label} の有効期限を入力する場合は登録番号も入力してください（登録がない場合は有効期限も空欄にします）"
                ),
            );
        }
        parsed.push((!number.is_empty()).then(|| Registration {
            number: number.clone(),
            valid_until: date,
        }));
    }
    let page = |errors: &Errors| {
        edit_page(
            &p,
            &s,
            f.get("version"),
            registration_spec(&s.id),
            registration_groups(&values),
            errors,
            None,
        )
    };
    if f.get("version") != version(&s) {
        return stale(page(&errors));
    }
    if !errors.is_empty() {
        return invalid(page(&errors));
    }
    let mut parsed = parsed.into_iter();
    details.ismap = parsed.next().flatten();
    details.ismap_liu = parsed.next().flatten();
    details.lgwan_asp = parsed.next().flatten();
    match save(&state, &p, &s.id, Basic::of(&s), profile, &details).await {
        Ok(()) => back_to(&s.id, "registrations", "registrations"),
        Err(e) => save_failed(e, page(&errors)),
    }
}

// ---------------------------------------------------------------------------
// Certifications

/// The certifications the form offers by name; anything else is その他.
const CERTIFICATION_KINDS: &[&str] = &[
    "ISO/IEC 27001",
    "ISO/IEC 27017",
    "ISO/IEC 27018",
    "SOC 2",
    "SOC 3",
    "FedRAMP",
    "CSゴールドマーク",
    "プライバシーマーク",
];
const OTHER: &str = "other";

/// `(kind, other name)` of a stored name; spacing and case do not matter
/// (`CS ゴールドマーク` is CSゴールドマーク).
fn certification_kind(name: &str) -> (String, String) {
    let squash = |s: &str| {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    match CERTIFICATION_KINDS
        .iter()
        .find(|k| squash(k) == squash(name))
    {
        Some(k) => ((*k).to_owned(), String::new()),
        None => (OTHER.to_owned(), name.to_owned()),
    }
}

struct CertificationValues {
    kind: String,
    other_name: String,
    issuer: String,
    scope: String,
    valid_until: String,
}

fn certification_groups(v: &CertificationValues) -> Vec<Group> {
    let mut kinds = vec![(String::new(), "（選んでください）".to_owned())];
    kinds.extend(
        CERTIFICATION_KINDS
            .iter()
            .map(|k| ((*k).to_owned(), (*k).to_owned())),
    );
    kinds.push((OTHER.to_owned(), "その他".to_owned()));
    vec![group(
        "認証",
        vec![
            Field::new("kind", "認証の種類", "select")
                .value(&v.kind)
                .options(kinds)
                .required(),
            Field::text(
                "other_name",
                "認証の名称（「その他」を選んだ場合）",
                &v.other_name,
            )
            .hint("例: ISO/IEC 27701、ISMAP 以外の政府認証など"),
            Field::text("issuer", "認証機関", &v.issuer)
                .hint("認証・監査を行った機関の名称")
                .required(),
            Field::new("scope", "適用範囲", "textarea").value(&v.scope),
            Field::new("valid_until", "有効期限", "date").value(&v.valid_until),
        ],
    )]
}

/// Checks the form; the certification when everything is right.
fn parse_certification(
    f: &RawForm,
    errors: &mut Errors,
) -> (CertificationValues, Option<Certification>) {
    let v = CertificationValues {
        kind: f.get("kind"),
        other_name: f.get("other_name"),
        issuer: f.get("issuer"),
        scope: f.get("scope"),
        valid_until: f.get("valid_until"),
    };
    let name = if v.kind == OTHER {
        check_text(errors, "other_name", "認証の名称", &v.other_name, 200, true);
        v.other_name.clone()
    } else if CERTIFICATION_KINDS.contains(&v.kind.as_str()) {
        v.kind.clone()
    } else {
        errors.add("kind", "認証の種類を一覧から選んでください（一覧にない場合は「その他」を選び、名称を入力してください）");
        String::new()
    };
    check_text(errors, "issuer", "認証機関", &v.issuer, 200, true);
    check_text(errors, "scope", "適用範囲", &v.scope, 1000, false);
    let valid_until = check_date(errors, "valid_until", "有効期限", &v.valid_until);
    let cert = errors.is_empty().then(|| Certification {
        name,
        issuer: v.issuer.clone(),
        scope: v.scope.clone(),
        valid_until,
    });
    (v, cert)
}

fn certification_spec(id: &str, number: Option<usize>, name: &str) -> PageSpec {
    match number {
        None => PageSpec {
            title: "認証の追加".into(),
            intro: Vec::new(),
            action: format!("/services/{id}/certifications"),
            hidden: Vec::new(),
            submit: "追加する",
            danger: None,
        },
        Some(n) => PageSpec {
            title: format!("認証の編集: {name}"),
            intro: Vec::new(),
            action: format!("/services/{id}/certifications/{n}"),
            hidden: Vec::new(),
            submit: "保存する",
            danger: Some(Danger {
                heading: "この認証の削除".into(),
                text: format!("認証「{name}」を登録内容から削除します。"),
                action: format!("/services/{id}/certifications/{n}/delete"),
                button: "この認証を削除する".into(),
                confirm: None,
            }),
        },
    }
}

/// `n` (1-based) as an index into `len` rows.
fn row_index(n: &str, len: usize) -> Option<usize> {
    n.parse::<usize>()
        .ok()
        .and_then(|n| n.checked_sub(1))
        .filter(|i| *i < len)
}

pub async fn certification_new(
    State(state): State<AppState>,
    UiUser(p): UiUser,
    Path(id): Path<String>,
) -> Response {
    match editable_service(&state, &p, &id).await {
        Ok(s) => {
            let values = CertificationValues {
                kind: String::new(),
                other_name: String::new(),
                issuer: String::new(),
                scope: String::new(),
                valid_until: String::new(),
            };
            render(&edit_page(
                &p,
                &s,
                version(&s),
                certification_spec(&s.id, None, ""),
                certification_groups(&values),
                &Errors::default(),
                None,
            ))
        }
        Err(e) => error_response(e),
    }
}

pub async fn certification_create(
    State(state): State<AppState>,
    Path(id): Path<String>,
    UiForm(p, f): UiForm<RawForm>,
) -> Response {
    if let Some(r) = fully_signed_in(&p) {
        return r;
    }
    let prepared = async {
        let s = editable_service(&state, &p, &id).await?;
        let (details, profile) = stored(&s)?;
        Ok::<_, ApiError>((s, details, profile))
    };
    let (s, mut details, profile) = match prepared.await {
        Ok(x) => x,
        Err(e) => return error_response(e),
    };
    let mut errors = Errors::default();
    let (values, cert) = parse_certification(&f, &mut errors);
    let page = |errors: &Errors| {
        edit_page(
            &p,
            &s,
            f.get("version"),
            certification_spec(&s.id, None, ""),
            certification_groups(&values),
            errors,
            None,
        )
    };
    if f.get("version") != version(&s) {
        return stale(page(&errors));
    }
    let Some(cert) = cert else {
        return invalid(page(&errors));
    };
    details.certifications.push(cert);
    match save(&state, &p, &s.id, Basic::of(&s), profile, &details).await {
        Ok(()) => back_to(&s.id, "cert_added", "certifications"),
        Err(e) => save_failed(e, page(&errors)),
    }
}

pub async fn certification_page(
    State(state): State<AppState>,
    UiUser(p): UiUser,
    Path((id, n)): Path<(String, String)>,
) -> Response {
    let build = async {
        let s = editable_service(&state, &p, &id).await?;
        let (d, _) = stored(&s)?;
        let i = row_index(&n, d.certifications.len()).ok_or_else(ApiError::not_found)?;
        let c = d.certifications.get(i).ok_or_else(ApiError::not_found)?;
        let (kind, other_name) = certification_kind(&c.name);
        let values = CertificationValues {
            kind,
            other_name,
            issuer: c.issuer.clone(),
            scope: c.scope.clone(),
            valid_until: input_date(c.valid_until),
        };
        Ok::<_, ApiError>(edit_page(
            &p,
            &s,
            version(&s),
            certification_spec(&s.id, Some(i + 1), &c.name),
            certification_groups(&values),
            &Errors::default(),
            None,
        ))
    };
    match build.await {
        Ok(page) => render(&page),
        Err(e) => error_response(e),
    }
}

pub async fn certification_submit(
    State(state): State<AppState>,
    Path((id, n)): Path<(String, String)>,
    UiForm(p, f): UiForm<RawForm>,
) -> Response {
    if let Some(r) = fully_signed_in(&p) {
        return r;
    }
    let prepared = async {
        let s = editable_service(&state, &p, &id).await?;
        let (details, profile) = stored(&s)?;
        let i = row_index(&n, details.certifications.len()).ok_or_else(ApiError::not_found)?;
        Ok::<_, ApiError>((s, details, profile, i))
    };
    let (s, mut details, profile, i) = match prepared.await {
        Ok(x) => x,
        Err(e) => return error_response(e),
    };
    let old_name = details
        .certifications
        .get(i)
        .map(|c| c.name.clone())
        .unwrap_or_default();
    let mut errors = Errors::default();
    let (values, cert) = parse_certification(&f, &mut errors);
    let page = |errors: &Errors| {
        edit_page(
            &p,
            &s,
            f.get("version"),
            certification_spec(&s.id, Some(i + 1), &old_name),
            certification_groups(&values),
            errors,
            None,
        )
    };
    if f.get("version") != version(&s) {
        return stale(page(&errors));
    }
    let Some(cert) = cert else {
        return invalid(page(&errors));
    };
    match details.certifications.get_mut(i) {
        Some(old) => *old = cert,
        None => return error_response(ApiError::not_found()),
    }
    match save(&state, &p, &s.id, Basic::of(&s), profile, &details).await {
        Ok(()) => back_to(&s.id, "cert_saved", "certifications"),
        Err(e) => save_failed(e, page(&errors)),
    }
}

pub async fn certification_delete(
    State(state): State<AppState>,
    Path((id, n)): Path<(String, String)>,
    UiForm(p, f): UiForm<RawForm>,
) -> Response {
    if let Some(r) = fully_signed_in(&p) {
        return r;
    }
    let prepared = async {
        let s = editable_service(&state, &p, &id).await?;
        let (details, profile) = stored(&s)?;
        let i = row_index(&n, details.certifications.len()).ok_or_else(ApiError::not_found)?;
        Ok::<_, ApiError>((s, details, profile, i))
    };
    let (s, mut details, profile, i) = match prepared.await {
        Ok(x) => x,
        Err(e) => return error_response(e),
    };
    if f.get("version") != version(&s) {
        return with_status(
            service_view(&state, &p, &s.id, Some(stale_version().message), None).await,
            StatusCode::CONFLICT,
        );
    }
    if i >= details.certifications.len() {
        return error_response(ApiError::not_found());
    }
    details.certifications.remove(i);
    match save(&state, &p, &s.id, Basic::of(&s), profile, &details).await {
        Ok(()) => back_to(&s.id, "cert_removed", "certifications"),
        Err(e) if matches!(e.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN) => {
            error_response(e)
        }
        Err(e) => with_status(
            service_view(&state, &p, &s.id, Some(e.message), None).await,
            e.status,
        ),
    }
}

// ---------------------------------------------------------------------------
// Subcontractors (再委託), nested to any depth the core allows

struct SubcontractorValues {
    name: String,
    work: String,
    security_officer: String,
    personal_info_manager: String,
    staff: String,
}

fn subcontractor_groups(v: &SubcontractorValues) -> Vec<Group> {
    vec![group(
        "再委託先の情報",
        vec![
            Field::text("name", "再委託先事業者名", &v.name)
                .hint("事業者の名称（所在地なども記載できます）")
                .required(),
            Field::new("work", "再委託内容", "textarea")
                .value(&v.work)
                .required(),
            Field::text(
                "security_officer",
                "情報セキュリティ責任者",
                &v.security_officer,
            )
            .hint("氏名・役職・連絡先など"),
            Field::text(
                "personal_info_manager",
                "個人情報管理者",
                &v.personal_info_manager,
            )
            .hint("氏名・役職・連絡先など"),
            Field::new("staff", "従事者の情報", "textarea")
                .value(&v.staff)
                .hint("従事者の人数・所属・資格・従事場所など"),
        ],
    )]
}

fn parse_subcontractor(f: &RawForm, errors: &mut Errors) -> SubcontractorValues {
    let v = SubcontractorValues {
        name: f.get("name"),
        work: f.get("work"),
        security_officer: f.get("security_officer"),
        personal_info_manager: f.get("personal_info_manager"),
        staff: f.get("staff"),
    };
    check_text(errors, "name", "再委託先事業者名", &v.name, 200, true);
    check_text(errors, "work", "再委託内容", &v.work, 1000, true);
    check_text(
        errors,
        "security_officer",
        "情報セキュリティ責任者",
        &v.security_officer,
        200,
        false,
    );
    check_text(
        errors,
        "personal_info_manager",
        "個人情報管理者",
        &v.personal_info_manager,
        200,
        false,
    );
    check_text(errors, "staff", "従事者の情報", &v.staff, 2000, false);
    v
}

/// The names from the top tier down to the node at `path`.
fn chain_names(list: &[Subcontractor], path: &[usize]) -> Vec<String> {
    (1..=path.len())
        .filter_map(|n| node(list, &path[..n]).map(|s| s.name.clone()))
        .collect()
}

fn new_subcontractor_spec(id: &str, parent: &[usize], list: &[Subcontractor]) -> PageSpec {
    let chain = chain_names(list, parent);
    PageSpec {
        title: if parent.is_empty() {
            "再委託先の追加".into()
        } else {
            format!(
                "再委託先の追加: {} の下",
                chain.last().map(String::as_str).unwrap_or_default()
            )
        },
        intro: if parent.is_empty() {
            vec!["外部サービス提供者・導入事業者から直接の再委託先（第1階層）を追加します。".into()]
        } else {
            vec![format!(
                "{} からの再委託先（第{}階層）を追加します。",
                chain.join(" → "),
                parent.len() + 1
            )]
        },
        action: format!("/services/{id}/subcontractors"),
        hidden: vec![("parent", path_text(parent))],
        submit: "追加する",
        danger: None,
    }
}

fn edit_subcontractor_spec(
    id: &str,
    path: &[usize],
    list: &[Subcontractor],
    below: usize,
) -> PageSpec {
    let chain = chain_names(list, path);
    let name = chain.last().cloned().unwrap_or_default();
    let p = path_text(path);
    PageSpec {
        title: format!("再委託先の編集: {name}"),
        intro: vec![format!(
            "再委託の経路: {}（第{}階層）",
            chain.join(" → "),
            path.len()
        )],
        action: format!("/services/{id}/subcontractors/{p}"),
        hidden: Vec::new(),
        submit: "保存する",
        danger: Some(Danger {
            heading: "この再委託先の削除".into(),
            text: if below == 0 {
                format!("再委託先「{name}」を登録内容から削除します。")
            } else {
                format!(
                    "再委託先「{name}」と、その下の再委託先 {below} 件をすべて登録内容から削除します。"
                )
            },
            action: format!("/services/{id}/subcontractors/{p}/delete"),
            button: "この再委託先を削除する".into(),
            confirm: (below > 0).then(|| Field {
                checked: false,
                ..Field::new(
                    "confirm_subtree",
                    format!("下位の再委託先 {below} 件も削除することを確認しました"),
                    "checkbox",
                )
            }),
        }),
    }
}

#[derive(Deserialize)]
pub struct ParentQuery {
    #[serde(default)]
    parent: String,
}

/// The parent path of a new subcontractor: `""` for the top tier, else an
/// existing node that may still have children (depth below the limit).
fn parent_path(text: &str, list: &[Subcontractor]) -> Result<Vec<usize>, ApiError> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let path = parse_path(text).ok_or_else(ApiError::not_found)?;
    node(list, &path).ok_or_else(ApiError::not_found)?;
    Ok(path)
}

fn too_deep() -> ApiError {
    ApiError::bad_request(
        "invalid_field",
        format!("再委託は{MAX_DEPTH}階層まで登録できます。この再委託先の下には追加できません"),
    )
}

pub async fn subcontractor_new(
    State(state): State<AppState>,
    UiUser(p): UiUser,
    Path(id): Path<String>,
    Query(q): Query<ParentQuery>,
) -> Response {
    let build = async {
        let s = editable_service(&state, &p, &id).await?;
        let (d, _) = stored(&s)?;
        let parent = parent_path(&q.parent, &d.subcontractors)?;
        if parent.len() >= MAX_DEPTH {
            return Err(too_deep());
        }
        let values = SubcontractorValues {
            name: String::new(),
            work: String::new(),
            security_officer: String::new(),
            personal_info_manager: String::new(),
            staff: String::new(),
        };
        Ok::<_, ApiError>(edit_page(
            &p,
            &s,
            version(&s),
            new_subcontractor_spec(&s.id, &parent, &d.subcontractors),
            subcontractor_groups(&values),
            &Errors::default(),
            None,
        ))
    };
    match build.await {
        Ok(page) => render(&page),
        Err(e) => error_response(e),
    }
}

pub async fn subcontractor_create(
    State(state): State<AppState>,
    Path(id): Path<String>,
    UiForm(p, f): UiForm<RawForm>,
) -> Response {
    if let Some(r) = fully_signed_in(&p) {
        return r;
    }
    let prepared = async {
        let s = editable_service(&state, &p, &id).await?;
        let (details, profile) = stored(&s)?;
        let parent = parent_path(&f.get("parent"), &details.subcontractors)?;
        Ok::<_, ApiError>((s, details, profile, parent))
    };
    let (s, mut details, profile, parent) = match prepared.await {
        Ok(x) => x,
        Err(e) => return error_response(e),
    };
    let mut errors = Errors::default();
    let values = parse_subcontractor(&f, &mut errors);
    let spec = new_subcontractor_spec(&s.id, &parent, &details.subcontractors);
    let page = |errors: &Errors, spec: PageSpec| {
        edit_page(
            &p,
            &s,
            f.get("version"),
            spec,
            subcontractor_groups(&values),
            errors,
            None,
        )
    };
    if f.get("version") != version(&s) {
        return stale(page(&errors, spec));
    }
    if parent.len() >= MAX_DEPTH {
        return save_failed(too_deep(), page(&errors, spec));
    }
    if !errors.is_empty() {
        return invalid(page(&errors, spec));
    }
    let Some(list) = children_mut(&mut details.subcontractors, &parent) else {
        return error_response(ApiError::not_found());
    };
    list.push(Subcontractor {
        name: values.name.clone(),
        work: values.work.clone(),
        security_officer: values.security_officer.clone(),
        personal_info_manager: values.personal_info_manager.clone(),
        staff: values.staff.clone(),
        subcontractors: Vec::new(),
    });
    match save(&state, &p, &s.id, Basic::of(&s), profile, &details).await {
        Ok(()) => back_to(&s.id, "sub_added", "subcontractors"),
        Err(e) => save_failed(e, page(&errors, spec)),
    }
}

pub async fn subcontractor_page(
    State(state): State<AppState>,
    UiUser(p): UiUser,
    Path((id, path)): Path<(String, String)>,
) -> Response {
    let build = async {
        let s = editable_service(&state, &p, &id).await?;
        let (d, _) = stored(&s)?;
        let path = parse_path(&path).ok_or_else(ApiError::not_found)?;
        let n = node(&d.subcontractors, &path).ok_or_else(ApiError::not_found)?;
        let values = SubcontractorValues {
            name: n.name.clone(),
            work: n.work.clone(),
            security_officer: n.security_officer.clone(),
            personal_info_manager: n.personal_info_manager.clone(),
            staff: n.staff.clone(),
        };
        Ok::<_, ApiError>(edit_page(
            &p,
            &s,
            version(&s),
            edit_subcontractor_spec(&s.id, &path, &d.subcontractors, descendants(n)),
            subcontractor_groups(&values),
            &Errors::default(),
            None,
        ))
    };
    match build.await {
        Ok(page) => render(&page),
        Err(e) => error_response(e),
    }
}

/// The node at the path's text, with the service, its details and profile.
async fn subcontractor_target(
    state: &AppState,
    p: &Principal,
    id: &str,
    path: &str,
) -> Result<
    (
        ServiceRecord,
        ServiceDetails,
        serde_json::Map<String, Value>,
        Vec<usize>,
    ),
    ApiError,
> {
    let s = editable_service(state, p, id).await?;
    let (details, profile) = stored(&s)?;
    let path = parse_path(path).ok_or_else(ApiError::not_found)?;
    node(&details.subcontractors, &path).ok_or_else(ApiError::not_found)?;
    Ok((s, details, profile, path))
}

pub async fn subcontractor_submit(
    State(state): State<AppState>,
    Path((id, path)): Path<(String, String)>,
    UiForm(p, f): UiForm<RawForm>,
) -> Response {
    if let Some(r) = fully_signed_in(&p) {
        return r;
    }
    let (s, mut details, profile, path) = match subcontractor_target(&state, &p, &id, &path).await {
        Ok(x) => x,
        Err(e) => return error_response(e),
    };
    let below = node(&details.subcontractors, &path).map_or(0, descendants);
    let mut errors = Errors::default();
    let values = parse_subcontractor(&f, &mut errors);
    let spec = edit_subcontractor_spec(&s.id, &path, &details.subcontractors, below);
    let page = |errors: &Errors, spec: PageSpec| {
        edit_page(
            &p,
            &s,
            f.get("version"),
            spec,
            subcontractor_groups(&values),
            errors,
            None,
        )
    };
    if f.get("version") != version(&s) {
        return stale(page(&errors, spec));
    }
    if !errors.is_empty() {
        return invalid(page(&errors, spec));
    }
    let Some(n) = node_mut(&mut details.subcontractors, &path) else {
        return error_response(ApiError::not_found());
    };
    n.name = values.name.clone();
    n.work = values.work.clone();
    n.security_officer = values.security_officer.clone();
    n.personal_info_manager = values.personal_info_manager.clone();
    n.staff = values.staff.clone();
    match save(&state, &p, &s.id, Basic::of(&s), profile, &details).await {
        Ok(()) => back_to(&s.id, "sub_saved", "subcontractors"),
        Err(e) => save_failed(e, page(&errors, spec)),
    }
}

pub async fn subcontractor_delete(
    State(state): State<AppState>,
    Path((id, path)): Path<(String, String)>,
    UiForm(p, f): UiForm<RawForm>,
) -> Response {
    if let Some(r) = fully_signed_in(&p) {
        return r;
    }
    let (s, mut details, profile, path) = match subcontractor_target(&state, &p, &id, &path).await {
        Ok(x) => x,
        Err(e) => return error_response(e),
    };
    let Some(n) = node(&details.subcontractors, &path) else {
        return error_response(ApiError::not_found());
    };
    let below = descendants(n);
    let values = SubcontractorValues {
        name: n.name.clone(),
        work: n.work.clone(),
        security_officer: n.security_officer.clone(),
        personal_info_manager: n.personal_info_manager.clone(),
        staff: n.staff.clone(),
    };
    let spec = edit_subcontractor_spec(&s.id, &path, &details.subcontractors, below);
    let mut errors = Errors::default();
    if below > 0 && f.get("confirm_subtree") != "true" {
        errors.add(
            "confirm_subtree",
            format!(
                "この再委託先の下にある再委託先 {below} 件も削除されます。削除してよい場合はチェックを入れてから、もう一度「この再委託先を削除する」を押してください"
            ),
        );
    }
    let page = |errors: &Errors, spec: PageSpec| {
        edit_page(
            &p,
            &s,
            f.get("version"),
            spec,
            subcontractor_groups(&values),
            errors,
            None,
        )
    };
    if f.get("version") != version(&s) {
        return stale(page(&errors, spec));
    }
    if !errors.is_empty() {
        return invalid(page(&errors, spec));
    }
    let removed = path.split_last().and_then(|(last, parent)| {
        children_mut(&mut details.subcontractors, parent)
            .filter(|list| *last < list.len())
            .map(|list| list.remove(*last))
    });
    if removed.is_none() {
        return error_response(ApiError::not_found());
    }
    match save(&state, &p, &s.id, Basic::of(&s), profile, &details).await {
        Ok(()) => back_to(&s.id, "sub_removed", "subcontractors"),
        Err(e) => save_failed(e, page(&errors, spec)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(name: &str, children: Vec<Subcontractor>) -> Subcontractor {
        Subcontractor {
            name: name.into(),
            work: String::new(),
            security_officer: String::new(),
            personal_info_manager: String::new(),
            staff: String::new(),
            subcontractors: children,
        }
    }

    #[test]
    fn the_tree_flattens_into_balanced_nested_lists() {
        let tree = vec![
            sub(
                "A",
                vec![sub("A1", vec![sub("A1a", vec![])]), sub("A2", vec![])],
            ),
            sub("B", vec![]),
        ];
        let mut rows = Vec::new();
        tree_rows(&tree, &[], &mut rows);
        let mut html = String::from("<ol>");
        for r in &rows {
            if r.open {
                html.push_str("<ol>");
            }
            html.push_str(&format!("<li>{}", r.name));
            if r.leaf {
                html.push_str("</li>");
                for _ in 0..r.closes {
                    html.push_str("</ol></li>");
                }
            }
        }
        html.push_str("</ol>");
        assert_eq!(
            html,
            "<ol><li>A<ol><li>A1<ol><li>A1a</li></ol></li><li>A2</li></ol></li><li>B</li></ol>"
        );
        let paths: Vec<(&str, usize)> = rows.iter().map(|r| (r.path.as_str(), r.level)).collect();
        assert_eq!(
            paths,
            [("1", 3), ("1.1", 4), ("1.1.1", 5), ("1.2", 4), ("2", 3)]
        );
        assert_eq!(descendants(&tree[0]), 3);
    }

    #[test]
    fn paths_are_one_based_and_checked() {
        assert_eq!(parse_path("1.2"), Some(vec![0, 1]));
        assert_eq!(parse_path("0"), None);
        assert_eq!(parse_path(""), None);
        assert_eq!(parse_path("1..2"), None);
        assert_eq!(parse_path("1.x"), None);
        assert_eq!(parse_path(&["1"; MAX_DEPTH + 1].join(".")), None);
        let tree = vec![sub("A", vec![sub("A1", vec![])])];
        assert_eq!(node(&tree, &[0, 0]).map(|s| s.name.as_str()), Some("A1"));
        assert!(node(&tree, &[0, 1]).is_none());
        assert!(parent_path("2", &tree).is_err());
        assert_eq!(chain_names(&tree, &[0, 0]), ["A", "A1"]);
    }

    #[test]
    fn certification_names_map_to_the_known_kinds() {
        assert_eq!(
            certification_kind("CS ゴールドマーク"),
            ("CSゴールドマーク".to_owned(), String::new())
        );
        assert_eq!(
            certification_kind("iso/iec 27001"),
            ("ISO/IEC 27001".to_owned(), String::new())
        );
        assert_eq!(
            certification_kind("ISO/IEC 27701"),
            (OTHER.to_owned(), "ISO/IEC 27701".to_owned())
        );
    }

    #[test]
    fn dates_show_in_japanese_and_expire() {
        let d = parse_date("2026-05-01").map(RecordDate);
        assert_eq!(jp_record_date(d), "2026年5月1日");
        let later = Date {
            year: 2026,
            month: 5,
            day: 2,
        };
        assert_eq!(validity(d, later), "2026年5月1日（期限切れ）");
        let same = Date {
            year: 2026,
            month: 5,
            day: 1,
        };
        assert_eq!(validity(d, same), "2026年5月1日");
    }
}

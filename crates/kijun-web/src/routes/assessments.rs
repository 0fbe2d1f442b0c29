//! The service register and assessments over HTTP: services, opening an
//! assessment (items derived from the service profile), inviting vendor
//! users per party, vendor answers and submission, item review, the
//! computed evaluation, the recorded verdict and the history.
//!
//! Who may do what: a tenant's administrators and reviewers (and system
//! administrators) run assessments; viewers read; an invited vendor user
//! sees the assessment and only its own party's items, and answers them.
//! Everything else — another tenant's objects, an assessment a vendor is not
//! invited to, the other party's items — answers 404.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use kijun_core::answer::AnswerSet;
use kijun_core::catalog::{Catalog, Party};
use kijun_core::evaluate::{Verdict, applicable_items, evaluate_catalog};
use kijun_core::profile::{Profile, Value as AttrValue};
use kijun_core::service::{RecordDate, ServiceDetails};
use kijun_core::workflow::{AnswerInput, ItemState, ReviewDecision, verdict_allowed};
use kijun_store::Role;
use kijun_store::assessment::{
    Actor, AnswerWrite, AssessmentRecord, ItemKey, ItemRecord, ServiceRecord,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::audit_log::Event;
use crate::error::{ApiError, ApiJson};
use crate::principal::Principal;
use crate::state::AppState;

// ---------------------------------------------------------------------------
// Access

/// How the principal relates to an assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Tenant staff who run assessments.
    Manage,
    /// Tenant viewers.
    Read,
    /// An invited vendor user answering `Party`'s items.
    Vendor(Party),
}

fn staff_access(p: &Principal, tenant_id: &str) -> Option<Access> {
    if !p.sees_tenant(tenant_id) {
        return None;
    }
    match p.role {
        Role::SystemAdmin | Role::TenantAdmin | Role::Reviewer => Some(Access::Manage),
        Role::Viewer => Some(Access::Read),
        Role::Vendor => None,
    }
}

fn party_of(s: &str) -> Option<Party> {
    match s {
        "integrator" => Some(Party::Integrator),
        "provider" => Some(Party::Provider),
        _ => None,
    }
}

/// The assessment `id` and the principal's access, or 404.
pub async fn assessment_access(
    state: &AppState,
    p: &Principal,
    id: &str,
) -> Result<(AssessmentRecord, Access), ApiError> {
    let a = state
        .store
        .assessment(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if let Some(access) = staff_access(p, &a.tenant_id) {
        return Ok((a, access));
    }
    if p.role == Role::Vendor {
        let inv = state.store.invitations(&a.id).await?;
        if let Some(party) = inv
            .iter()
            .find(|i| i.user_id == p.user.id)
            .and_then(|i| party_of(&i.party))
        {
            return Ok((a, Access::Vendor(party)));
        }
    }
    Err(ApiError::not_found())
}

fn require_manage(access: Access) -> Result<(), ApiError> {
    if access == Access::Manage {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

fn actor(p: &Principal) -> Actor {
    Actor {
        id: Some(p.user.id.clone()),
        name: Some(p.user.display_name.clone()),
    }
}

// ---------------------------------------------------------------------------
// Services

/// A service as the API reads and writes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceInput {
    pub name: String,
    pub purpose: String,
    pub department: String,
    pub provider_org_id: Option<String>,
    pub integrator_org_id: Option<String>,
    /// Profile attributes (docs/profile.md); those left out take defaults.
    #[serde(default)]
    pub profile: serde_json::Map<String, Value>,
    #[serde(default)]
    pub details: Option<Value>,
}

/// A profile from a JSON object, every attribute checked.
pub fn profile_from_json(map: &serde_json::Map<String, Value>) -> Result<Profile, ApiError> {
    let mut profile = Profile::default();
    for (key, value) in map {
        let v = match value {
            Value::Bool(b) => Some(AttrValue::Bool(*b)),
            Value::Number(n) => n.as_i64().map(AttrValue::Int),
            Value::String(s) => Some(AttrValue::Str(s.clone())),
            _ => None,
        };
        let result = match v {
            Some(v) => profile.set(key, v),
            None => Err(kijun_core::profile::ProfileError::InvalidValue {
                name: key.clone(),
                value: value.to_string(),
                expected: "真偽値・整数・文字列".into(),
            }),
        };
        result.map_err(|e| {
            ApiError::bad_request("invalid_field", e.to_string())
                .with_field(format!("profile.{key}"))
        })?;
    }
    Ok(profile)
}

fn check_details(details: &Option<Value>) -> Result<ServiceDetails, ApiError> {
    let d: ServiceDetails = match details {
        Some(v) => serde_json::from_value(v.clone()).map_err(|e| {
            ApiError::bad_request("invalid_field", format!("details: {e}")).with_field("details")
        })?,
        None => ServiceDetails::default(),
    };
    d.validate()
        .map_err(|e| ApiError::bad_request("invalid_field", e.to_string()).with_field("details"))?;
    Ok(d)
}

async fn check_orgs(state: &AppState, input: &ServiceInput) -> Result<(), ApiError> {
    let orgs = state.store.organisations().await?;
    for (field, id, kind) in [
        ("provider_org_id", &input.provider_org_id, "provider"),
        ("integrator_org_id", &input.integrator_org_id, "integrator"),
    ] {
        if let Some(id) = id
            && !orgs.iter().any(|o| &o.id == id && o.kind == kind)
        {
            return Err(ApiError::bad_request(
                "invalid_field",
                format!("{kind} の組織が見つかりません"),
            )
            .with_field(field));
        }
    }
    Ok(())
}

fn service_document(profile: &Profile, details: &ServiceDetails) -> Result<Value, ApiError> {
    Ok(json!({
        "profile": serde_json::to_value(profile).map_err(ApiError::internal)?,
        "details": serde_json::to_value(details).map_err(ApiError::internal)?,
    }))
}

fn valid_text(s: &str, max: usize) -> bool {
    let n = s.trim().chars().count();
    (1..=max).contains(&n)
}

fn check_names(input: &ServiceInput) -> Result<(), ApiError> {
    for (field, value, max) in [
        ("name", &input.name, 200),
        ("purpose", &input.purpose, 2000),
        ("department", &input.department, 200),
    ] {
        if !valid_text(value, max) {
            return Err(ApiError::bad_request(
                "invalid_field",
                format!("{field} は1〜{max}文字で入力してください"),
            )
            .with_field(field));
        }
    }
    Ok(())
}

/// Checks a service input (names, profile, details, organisations) and
/// builds the stored document.
async fn checked_document(state: &AppState, input: &ServiceInput) -> Result<Value, ApiError> {
    check_names(input)?;
    let profile = profile_from_json(&input.profile)?;
    let details = check_details(&input.details)?;
    check_orgs(state, input).await?;
    service_document(&profile, &details)
}

pub async fn create_service(
    State(state): State<AppState>,
    p: Principal,
    Path(tenant_id): Path<String>,
    ApiJson(input): ApiJson<ServiceInput>,
) -> Result<Response, ApiError> {
    let access = staff_access(&p, &tenant_id).ok_or_else(ApiError::not_found)?;
    state
        .store
        .tenant(&tenant_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    require_manage(access)?;
    let doc = checked_document(&state, &input).await?;
    let s = state
        .store
        .create_service(
            &tenant_id,
            input.name.trim(),
            input.purpose.trim(),
            input.department.trim(),
            input.provider_org_id.as_deref(),
            input.integrator_org_id.as_deref(),
            &doc,
            state.now(),
        )
        .await?;
    state
        .audit(
            Some(&p),
            None,
            Event {
                action: "service_created",
                tenant_id: Some(&tenant_id),
                target: Some(format!("service:{}", s.id)),
                details: json!({"name": s.name}),
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(s)).into_response())
}

pub async fn list_services(
    State(state): State<AppState>,
    p: Principal,
    Path(tenant_id): Path<String>,
) -> Result<Json<Vec<ServiceRecord>>, ApiError> {
    staff_access(&p, &tenant_id).ok_or_else(ApiError::not_found)?;
    Ok(Json(state.store.services_in_tenant(&tenant_id).await?))
}

async fn visible_service(
    state: &AppState,
    p: &Principal,
    id: &str,
) -> Result<(ServiceRecord, Access), ApiError> {
    let s = state
        .store
        .service(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let access = staff_access(p, &s.tenant_id).ok_or_else(ApiError::not_found)?;
    Ok((s, access))
}

pub async fn get_service(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<ServiceRecord>, ApiError> {
    Ok(Json(visible_service(&state, &p, &id).await?.0))
}

pub async fn update_service(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ServiceInput>,
) -> Result<Json<ServiceRecord>, ApiError> {
    let (s, access) = visible_service(&state, &p, &id).await?;
    require_manage(access)?;
    let doc = checked_document(&state, &input).await?;
    state
        .store
        .update_service(
            &id,
            input.name.trim(),
            input.purpose.trim(),
            input.department.trim(),
            input.provider_org_id.as_deref(),
            input.integrator_org_id.as_deref(),
            &doc,
            state.now(),
        )
        .await?;
    state
        .audit(
            Some(&p),
            None,
            Event {
                action: "service_updated",
                tenant_id: Some(&s.tenant_id),
                target: Some(format!("service:{id}")),
                details: json!({"name": input.name}),
            },
        )
        .await?;
    Ok(Json(
        state
            .store
            .service(&id)
            .await?
            .ok_or_else(ApiError::not_found)?,
    ))
}

// ---------------------------------------------------------------------------
// Assessments

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAssessment {
    /// `selection`, `build`, `operation`, `termination`.
    pub phase: String,
    pub catalogs: Vec<String>,
    pub due_date: Option<RecordDate>,
}

pub fn stored_profile(doc: &Value) -> Result<Profile, ApiError> {
    let map = doc
        .get("profile")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let filtered: serde_json::Map<String, Value> =
        map.into_iter().filter(|(k, _)| k != "name").collect();
    profile_from_json(&filtered)
}

pub async fn open_assessment(
    State(state): State<AppState>,
    p: Principal,
    Path(service_id): Path<String>,
    ApiJson(req): ApiJson<NewAssessment>,
) -> Result<Response, ApiError> {
    let (service, access) = visible_service(&state, &p, &service_id).await?;
    require_manage(access)?;
    if !matches!(
        req.phase.as_str(),
        "selection" | "build" | "operation" | "termination"
    ) {
        return Err(ApiError::bad_request(
            "invalid_field",
            "phase は selection / build / operation / termination のいずれかです",
        )
        .with_field("phase"));
    }
    if req.catalogs.is_empty() {
        return Err(
            ApiError::bad_request("invalid_field", "カタログを1つ以上指定してください")
                .with_field("catalogs"),
        );
    }
    let mut catalogs: Vec<&Catalog> = Vec::new();
    for id in &req.catalogs {
        let c = state.catalogs.get(id).ok_or_else(|| {
            ApiError::bad_request("invalid_field", format!("カタログ `{id}` はありません"))
                .with_field("catalogs")
        })?;
        if catalogs.iter().any(|x| x.id == c.id) {
            return Err(ApiError::bad_request(
                "invalid_field",
                format!("カタログ `{id}` が重複しています"),
            )
            .with_field("catalogs"));
        }
        catalogs.push(c);
    }
    let profile = stored_profile(&service.details)?;
    let mut items = Vec::new();
    for c in &catalogs {
        for a in applicable_items(c, &profile) {
            items.push((
                ItemKey {
                    catalog_id: c.id.clone(),
                    requirement_id: a.requirement.id.clone(),
                    party: a.party.as_str().to_owned(),
                },
                a.level.as_str().to_owned(),
            ));
        }
    }
    let now = state.now();
    let record = AssessmentRecord {
        id: uuid_string()?,
        tenant_id: service.tenant_id.clone(),
        service_id: service.id.clone(),
        phase: req.phase.clone(),
        catalogs: req.catalogs.clone(),
        profile: serde_json::to_value(&profile).map_err(ApiError::internal)?,
        status: "open".into(),
        due_date: req.due_date.map(|d| d.0.to_string()),
        opened_by: p.user.id.clone(),
        opened_at: now,
        verdict: None,
        decision: None,
        updated_at: now,
    };
    state
        .store
        .create_assessment(&record, &items, &actor(&p))
        .await?;
    state
        .audit(Some(&p), None, Event {
            action: "assessment_opened",
            tenant_id: Some(&record.tenant_id),
            target: Some(format!("assessment:{}", record.id)),
            details: json!({"service": service.name, "phase": record.phase, "catalogs": record.catalogs, "items": items.len()}),
        })
        .await?;
    let created = state
        .store
        .assessment(&record.id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

fn uuid_string() -> Result<String, ApiError> {
    let b = crate::crypto::random_bytes::<16>()?;
    let h = crate::crypto::hex(&b);
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    ))
}

pub async fn list_assessments(
    State(state): State<AppState>,
    p: Principal,
    Path(tenant_id): Path<String>,
) -> Result<Json<Vec<AssessmentRecord>>, ApiError> {
    staff_access(&p, &tenant_id).ok_or_else(ApiError::not_found)?;
    Ok(Json(state.store.assessments_in_tenant(&tenant_id).await?))
}

/// The assessments the signed-in vendor user is invited to.
pub async fn my_assessments(
    State(state): State<AppState>,
    p: Principal,
) -> Result<Json<Vec<Value>>, ApiError> {
    let list = state.store.assessments_of_invitee(&p.user.id).await?;
    Ok(Json(list.into_iter().map(|a| vendor_view(&a)).collect()))
}

/// What a vendor sees of an assessment (no profile snapshot, no decision note).
fn vendor_view(a: &AssessmentRecord) -> Value {
    json!({"id": a.id, "service_id": a.service_id, "phase": a.phase, "catalogs": a.catalogs, "status": a.status,
           "due_date": a.due_date, "opened_at": a.opened_at, "verdict": a.verdict})
}

#[derive(Serialize)]
struct Counts {
    open: usize,
    submitted: usize,
    accepted: usize,
    returned: usize,
}

fn counts(items: &[ItemRecord]) -> Counts {
    let n = |s: &str| items.iter().filter(|i| i.state == s).count();
    Counts {
        open: n("open"),
        submitted: n("submitted"),
        accepted: n("accepted"),
        returned: n("returned"),
    }
}

pub async fn get_assessment(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (a, access) = assessment_access(&state, &p, &id).await?;
    Ok(Json(match access {
        Access::Vendor(party) => {
            let items = state.store.items(&a.id, Some(party.as_str())).await?;
            json!({"assessment": vendor_view(&a), "party": party, "counts": counts(&items)})
        }
        _ => {
            let items = state.store.items(&a.id, None).await?;
            let invitations = state.store.invitations(&a.id).await?;
            json!({"assessment": a, "counts": counts(&items), "invitations": invitations})
        }
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewInvitation {
    pub user_id: String,
    pub party: Party,
}

pub async fn invite(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<NewInvitation>,
) -> Result<StatusCode, ApiError> {
    let (a, access) = assessment_access(&state, &p, &id).await?;
    require_manage(access)?;
    if a.status != "open" {
        return Err(ApiError::conflict("判定済みの審査には招待できません"));
    }
    let user = state
        .store
        .user(&req.user_id)
        .await?
        .filter(|u| u.role == Role::Vendor)
        .ok_or_else(|| {
            ApiError::bad_request("invalid_field", "事業者の利用者を指定してください")
                .with_field("user_id")
        })?;
    let service = state
        .store
        .service(&a.service_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let expected_org = match req.party {
        Party::Provider => &service.provider_org_id,
        Party::Integrator => &service.integrator_org_id,
    };
    if let Some(org) = expected_org
        && user.organisation_id.as_deref() != Some(org.as_str())
    {
        return Err(ApiError::bad_request(
            "invalid_field",
            format!(
                "この利用者はサービスの{}の組織に属していません",
                req.party.label()
            ),
        )
        .with_field("user_id"));
    }
    state
        .store
        .invite(&a.id, &user.id, req.party.as_str(), state.now(), &actor(&p))
        .await?;
    state
        .audit(
            Some(&p),
            None,
            Event {
                action: "assessment_invited",
                tenant_id: Some(&a.tenant_id),
                target: Some(format!("assessment:{}", a.id)),
                details: json!({"user": user.username, "party": req.party}),
            },
        )
        .await?;
    // Pre-fill the party's items from the vendor's library (what it may use here).
    if let Some(org) = &user.organisation_id {
        let n = crate::routes::library::prefill(&state, &a, req.party.as_str(), org, &actor(&p))
            .await?;
        if n > 0 {
            state
                .audit(
                    Some(&p),
                    None,
                    Event {
                        action: "assessment_prefilled",
                        tenant_id: Some(&a.tenant_id),
                        target: Some(format!("assessment:{}", a.id)),
                        details: json!({"party": req.party, "items": n}),
                    },
                )
                .await?;
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The items as the API answers them, serialised into one buffer.
fn items_json<A: Serialize>(
    state: &AppState,
    items: &[ItemRecord<A>],
) -> Result<Response, ApiError> {
    let body = state
        .requirement_json
        .list(items)
        .map_err(ApiError::internal)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

pub async fn list_items(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (a, access) = assessment_access(&state, &p, &id).await?;
    let party = match access {
        Access::Vendor(party) => Some(party.as_str()),
        _ => None,
    };
    let items = state.store.raw_items(&a.id, party).await?;
    items_json(&state, &items)
}

/// The item at the path, if the principal may see it (vendors: only their
/// own party's).
async fn visible_item(
    state: &AppState,
    p: &Principal,
    id: &str,
    catalog: &str,
    requirement: &str,
    party: &str,
) -> Result<(AssessmentRecord, Access, ItemRecord), ApiError> {
    let (a, access) = assessment_access(state, p, id).await?;
    if let Access::Vendor(own) = access
        && own.as_str() != party
    {
        return Err(ApiError::not_found());
    }
    let key = ItemKey {
        catalog_id: catalog.to_owned(),
        requirement_id: requirement.to_owned(),
        party: party.to_owned(),
    };
    let item = state
        .store
        .item(&a.id, &key)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok((a, access, item))
}

pub async fn answer_item(
    State(state): State<AppState>,
    p: Principal,
    Path((id, catalog, requirement, party)): Path<(String, String, String, String)>,
    ApiJson(input): ApiJson<AnswerInput>,
) -> Result<Response, ApiError> {
    let (a, access, item) = visible_item(&state, &p, &id, &catalog, &requirement, &party).await?;
    if !matches!(access, Access::Vendor(_)) {
        return Err(ApiError::forbidden());
    }
    if a.status != "open" {
        return Err(ApiError::conflict("判定済みの審査には回答できません"));
    }
    input
        .check()
        .map_err(|e| ApiError::bad_request("invalid_field", e.to_string()).with_field(e.field()))?;
    let value = serde_json::to_value(&input).map_err(ApiError::internal)?;
    let library = crate::routes::library::remembered(
        &state,
        &p,
        &a,
        &item.key.catalog_id,
        &item.key.requirement_id,
        &item.key.party,
        &value,
    );
    let audit = state.audit_entry(
        Some(&p),
        None,
        Event {
            action: "assessment_answered",
            tenant_id: Some(&a.tenant_id),
            target: Some(format!("assessment:{}:{}", a.id, item.key.label())),
            details: value.clone(),
        },
    );
    let write = AnswerWrite {
        assessment_id: &a.id,
        key: &item.key,
        answer: &value,
        library: library.as_ref(),
        audit: &audit,
    };
    let Some(saved) = state
        .store
        .save_answer(&write, state.now(), &actor(&p))
        .await?
    else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_editable",
            "提出済み・確認済みの項目は変更できません",
        ));
    };
    Ok(Json(state.requirement_json.view(&saved)).into_response())
}

/// The vendor submits every open or returned item of its party; all of
/// them must be answered.
pub async fn submit(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (a, access) = assessment_access(&state, &p, &id).await?;
    let Access::Vendor(party) = access else {
        return Err(ApiError::forbidden());
    };
    if a.status != "open" {
        return Err(ApiError::conflict("判定済みの審査です"));
    }
    let items = state.store.items(&a.id, Some(party.as_str())).await?;
    let pending: Vec<&ItemRecord> = items
        .iter()
        .filter(|i| ItemState::parse(&i.state).is_some_and(ItemState::vendor_may_edit))
        .collect();
    let unconfirmed = pending.iter().filter(|i| i.prefilled).count();
    if unconfirmed > 0 {
        return Err(ApiError::bad_request(
            "unconfirmed_prefill",
            format!(
                "回答マスタから補完した {unconfirmed} 件の回答が未確認です。内容を確認して保存してから提出してください"
            ),
        ));
    }
    let unanswered = pending.iter().filter(|i| i.answer.is_none()).count();
    if unanswered > 0 {
        return Err(ApiError::bad_request(
            "unanswered_items",
            format!("未回答の項目が {unanswered} 件あります。すべて回答してから提出してください"),
        ));
    }
    if pending.is_empty() {
        return Err(ApiError::conflict("提出する項目がありません"));
    }
    let n = state
        .store
        .submit_party(&a.id, party.as_str(), state.now(), &actor(&p))
        .await?;
    if n == 0 {
        // A verdict or another submission came in since the items were read.
        return Err(ApiError::conflict(
            "提出する項目がありません（判定済みか、既に提出されています）",
        ));
    }
    state
        .audit(
            Some(&p),
            None,
            Event {
                action: "assessment_submitted",
                tenant_id: Some(&a.tenant_id),
                target: Some(format!("assessment:{}", a.id)),
                details: json!({"party": party, "items": n}),
            },
        )
        .await?;
    Ok(Json(json!({"submitted": n})))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Review {
    pub decision: ReviewDecision,
    pub comment: Option<String>,
}

pub async fn review_item(
    State(state): State<AppState>,
    p: Principal,
    Path((id, catalog, requirement, party)): Path<(String, String, String, String)>,
    ApiJson(req): ApiJson<Review>,
) -> Result<Response, ApiError> {
    let (a, access, item) = visible_item(&state, &p, &id, &catalog, &requirement, &party).await?;
    require_manage(access)?;
    if a.status != "open" {
        return Err(ApiError::conflict("判定済みの審査です"));
    }
    let comment = req
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    if req.decision == ReviewDecision::Return && comment.is_none() {
        return Err(ApiError::bad_request(
            "invalid_field",
            "差し戻す場合は理由 (comment) を入力してください",
        )
        .with_field("comment"));
    }
    let accept = req.decision == ReviewDecision::Accept;
    if !state
        .store
        .review_item(&a.id, &item.key, accept, comment, state.now(), &actor(&p))
        .await?
    {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_reviewable",
            "提出されていない項目は確認できません",
        ));
    }
    state
        .audit(
            Some(&p),
            None,
            Event {
                action: if accept {
                    "assessment_item_accepted"
                } else {
                    "assessment_item_returned"
                },
                tenant_id: Some(&a.tenant_id),
                target: Some(format!("assessment:{}:{}", a.id, item.key.label())),
                details: json!({"comment": comment}),
            },
        )
        .await?;
    let saved = state
        .store
        .items(&a.id, Some(&party))
        .await?
        .into_iter()
        .find(|i| i.key == item.key)
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(state.requirement_json.view(&saved)).into_response())
}

/// The answers of an assessment as an answer set, as `kijun assess` would
/// read them from a file.
fn answer_set(items: &[ItemRecord]) -> Result<AnswerSet, ApiError> {
    let mut set = AnswerSet::default();
    for i in items {
        let (Some(v), Some(party)) = (&i.answer, party_of(&i.key.party)) else {
            continue;
        };
        let input: AnswerInput = serde_json::from_value(v.clone()).map_err(ApiError::internal)?;
        let answer = input.check().map_err(ApiError::internal)?;
        set.set_requirement(&i.key.catalog_id, &i.key.requirement_id, party, answer);
    }
    Ok(set)
}

pub async fn evaluation(
    state: &AppState,
    a: &AssessmentRecord,
) -> Result<Vec<kijun_core::evaluate::CatalogEvaluation>, ApiError> {
    evaluation_of(&state.store, &state.catalogs, a).await
}

/// [`evaluation`] from a store and catalogs (also used by the CLI).
pub async fn evaluation_of(
    store: &kijun_store::Store,
    catalogs: &kijun_core::CatalogSet,
    a: &AssessmentRecord,
) -> Result<Vec<kijun_core::evaluate::CatalogEvaluation>, ApiError> {
    let items = store.items(&a.id, None).await?;
    let set = answer_set(&items)?;
    let profile = stored_profile(&json!({"profile": a.profile}))?;
    a.catalogs
        .iter()
        .map(|id| {
            catalogs
                .get(id)
                .map(|c| evaluate_catalog(c, &profile, &set))
                .ok_or_else(|| {
                    ApiError::internal(format!(
                        "catalog {id} of assessment {} is no longer loaded",
                        a.id
                    ))
                })
        })
        .collect()
}

/// The evaluation computed from the answers (the same shape as `kijun
/// assess --format json`'s `catalogs`). Not for vendors.
pub async fn get_evaluation(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (a, access) = assessment_access(&state, &p, &id).await?;
    if matches!(access, Access::Vendor(_)) {
        return Err(ApiError::not_found());
    }
    let catalogs = evaluation(&state, &a).await?;
    let overall = catalogs
        .iter()
        .map(|c| c.verdict)
        .min()
        .unwrap_or(Verdict::Rejected);
    Ok(Json(json!({"verdict": overall, "catalogs": catalogs})))
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub text: String,
    pub due: RecordDate,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerdictInput {
    pub verdict: Verdict,
    pub note: String,
    #[serde(default)]
    pub conditions: Vec<Condition>,
}

/// Records the verdict with a reasoned note. Every item must have been
/// reviewed and accepted (a rejection may be recorded at any time); the
/// verdict may not be better than the answers support; a conditional
/// approval carries conditions with due dates — those of the partial
/// answers' plans are added by kijun.
pub async fn record_verdict(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<VerdictInput>,
) -> Result<Json<Value>, ApiError> {
    let (a, access) = assessment_access(&state, &p, &id).await?;
    require_manage(access)?;
    if a.status != "open" {
        return Err(ApiError::conflict("この審査は判定済みです"));
    }
    if req.note.trim().is_empty() {
        return Err(
            ApiError::bad_request("invalid_field", "判定理由 (note) を入力してください")
                .with_field("note"),
        );
    }
    let items = state.store.items(&a.id, None).await?;
    if req.verdict != Verdict::Rejected && items.iter().any(|i| i.state != "accepted") {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "review_incomplete",
            "すべての項目を確認（受理）してから判定してください（不承認はいつでも記録できます）",
        ));
    }
    let evaluations = evaluation(&state, &a).await?;
    let computed = evaluations
        .iter()
        .map(|c| c.verdict)
        .min()
        .unwrap_or(Verdict::Rejected);
    if !verdict_allowed(computed, req.verdict) {
        return Err(ApiError::bad_request(
            "verdict_not_supported",
            format!(
                "回答の内容では「{}」より良い判定はできません",
                computed.label()
            ),
        )
        .with_field("verdict"));
    }
    let mut conditions: Vec<Value> = req
        .conditions
        .iter()
        .map(|c| json!({"text": c.text.trim(), "due": c.due, "source": "reviewer"}))
        .collect();
    for e in &evaluations {
        for g in e
            .gaps
            .iter()
            .filter(|g| g.severity == kijun_core::evaluate::Severity::Condition)
        {
            conditions.push(json!({"text": format!("{}/{}（{}）: {}", e.id, g.requirement_id, g.party.label(), g.message), "due": g.due, "source": "answer"}));
        }
    }
    if req.verdict == Verdict::Conditional && conditions.is_empty() {
        return Err(
            ApiError::bad_request("invalid_field", "条件付き承認には条件と期限が必要です")
                .with_field("conditions"),
        );
    }
    let decision = json!({
        "verdict": req.verdict,
        "computed_verdict": computed,
        "note": req.note.trim(),
        "conditions": conditions,
        "decided_by": p.user.display_name,
        "decided_at": state.now(),
    });
    if !state
        .store
        .record_verdict(
            &a.id,
            req.verdict.as_str(),
            &decision,
            state.now(),
            &actor(&p),
        )
        .await?
    {
        return Err(ApiError::conflict("この審査は判定済みです"));
    }
    state
        .audit(
            Some(&p),
            None,
            Event {
                action: "assessment_decided",
                tenant_id: Some(&a.tenant_id),
                target: Some(format!("assessment:{}", a.id)),
                details: decision.clone(),
            },
        )
        .await?;
    Ok(Json(decision))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionMet {
    /// How the condition was met (e.g. the certificate received).
    pub note: String,
}

/// Records that condition `n` (0-based, in the decision's order) of a
/// decided assessment has been met: who, when and how. It then no longer
/// shows as overdue. Tenant staff only; once per condition (409 after).
pub async fn condition_met(
    State(state): State<AppState>,
    p: Principal,
    Path((id, n)): Path<(String, usize)>,
    ApiJson(req): ApiJson<ConditionMet>,
) -> Result<Json<Value>, ApiError> {
    let (a, access) = assessment_access(&state, &p, &id).await?;
    require_manage(access)?;
    let note = req.note.trim();
    if note.is_empty() || note.chars().count() > 2000 {
        return Err(ApiError::bad_request(
            "invalid_field",
            "達成の内容 (note) を 2000 文字以内で入力してください",
        )
        .with_field("note"));
    }
    let Some(current) = a.decision.clone().filter(|_| a.status == "decided") else {
        return Err(ApiError::conflict("判定前の審査には条件がありません"));
    };
    let mut updated = current.clone();
    let Some(condition) = updated
        .get_mut("conditions")
        .and_then(Value::as_array_mut)
        .and_then(|cs| cs.get_mut(n))
        .and_then(Value::as_object_mut)
    else {
        return Err(ApiError::not_found());
    };
    if condition.contains_key("met_at") {
        return Err(ApiError::conflict(
            "この条件は達成済みとして記録されています",
        ));
    }
    let now = state.now();
    condition.insert("met_at".into(), json!(now));
    condition.insert("met_by".into(), json!(p.user.display_name));
    condition.insert("met_note".into(), json!(note));
    let details = json!({"condition": n, "text": condition.get("text"), "note": note});
    let audit = state.audit_entry(
        Some(&p),
        None,
        Event {
            action: "assessment_condition_met",
            tenant_id: Some(&a.tenant_id),
            target: Some(format!("assessment:{}", a.id)),
            details: details.clone(),
        },
    );
    if !state
        .store
        .amend_decision(
            &a.id,
            &current,
            &updated,
            "condition_met",
            &details,
            &audit,
            now,
            &actor(&p),
        )
        .await?
    {
        return Err(ApiError::conflict(
            "判定が他の操作で更新されました。画面を再読み込みしてからやり直してください",
        ));
    }
    Ok(Json(updated))
}

pub async fn history(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (a, access) = assessment_access(&state, &p, &id).await?;
    let entries = state.store.assessment_history(&a.id).await?;
    let visible: Vec<_> = match access {
        // A vendor sees the events of its own party's items and the general ones.
        Access::Vendor(party) => entries
            .into_iter()
            .filter(|e| {
                e.item
                    .as_deref()
                    .is_none_or(|i| i.ends_with(&format!("/{}", party.as_str())))
            })
            .filter(|e| e.event != "decided" && e.event != "invited")
            .collect(),
        _ => entries,
    };
    Ok(Json(json!(visible)))
}

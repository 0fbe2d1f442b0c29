//! Oversight of a service in operation over HTTP (`/api/v1/services/{id}/…`):
//! the records kept per service (outages, inquiries, incidents, notices,
//! security-plan items and their monthly status, issues and risks) with
//! CRUD, filtered lists and CSV import; the contract deliverables with the
//! reviewers' due dates and the vendors' versions (submit, accept, return);
//! the service's SLA settings and a month's SLA results; and the alerts
//! computed as of now for a service and for a whole tenant.
//!
//! Who may do what, checked on every request: tenant staff (system and
//! tenant administrators, reviewers) read and write; viewers read (writes
//! are 403); vendor users of the service's provider or integrator
//! organisation read the service's records filed by the municipality or by
//! their own organisation and file and edit their own organisation's
//! outages, inquiries, incidents, plan statuses and deliverable versions —
//! never accept or return a version, nor change what the municipality
//! keeps (403). Anything else — another tenant's service, a service of
//! another vendor, another vendor's record — answers 404 like a missing
//! one. Every change is audit-logged in the transaction that makes it.

use std::collections::{BTreeMap, HashMap};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jiff::Timestamp;
use jiff::civil::Date;
use kijun_core::calendar::ClosedDayCalendar;
use kijun_core::oversight::alerts::{self, Alert, AlertKind, AlertStatus, ServiceFacts};
use kijun_core::oversight::deliverables::{
    Cadence, ChecklistItem, DeliverableFacts, DeliverableKind, DeliverableStatus, Period,
    VersionFacts, VersionInput, VersionState,
};
use kijun_core::oversight::records::{
    IncidentInput, InquiryInput, IssueInput, NoticeInput, OutageInput, PlanItemInput,
    PlanStatusInput, RecordKind, RecordTime,
};
use kijun_core::oversight::{FieldError, Month, RecordData, SlaSettings, csv};
use kijun_core::service::ServiceDetails;
use kijun_core::workflow::ReviewDecision;
use kijun_store::Role;
use kijun_store::assessment::{Actor, ServiceRecord};
use kijun_store::oversight::{
    DeleteOutcome, DeliverableRecord, DeliverableVersion, OversightRecord, RecordFilter,
    RecordWrite,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::audit_log::Event;
use crate::error::{ApiError, ApiJson, ApiQuery, Problem};
use crate::principal::Principal;
use crate::state::AppState;

// ---------------------------------------------------------------------------
// Routes

fn kind_routes<T: RecordData>(max_file_bytes: usize) -> Router<AppState> {
    let c = T::KIND.collection();
    Router::new()
        .route(
            &format!("/services/{{id}}/{c}"),
            get(list_records::<T>).post(create_record::<T>),
        )
        .route(
            &format!("/services/{{id}}/{c}/import"),
            post(import_records::<T>).layer(DefaultBodyLimit::max(max_file_bytes)),
        )
        .route(
            &format!("/services/{{id}}/{c}/{{rid}}"),
            get(get_record::<T>)
                .put(update_record::<T>)
                .delete(delete_record::<T>),
        )
}

/// Every route of this module, relative to `/api/v1`; CSV imports take
/// files up to `max_file_bytes` (the server's `max_evidence_bytes`).
pub fn router(max_file_bytes: usize) -> Router<AppState> {
    Router::new()
        .merge(kind_routes::<OutageInput>(max_file_bytes))
        .merge(kind_routes::<InquiryInput>(max_file_bytes))
        .merge(kind_routes::<IncidentInput>(max_file_bytes))
        .merge(kind_routes::<NoticeInput>(max_file_bytes))
        .merge(kind_routes::<PlanItemInput>(max_file_bytes))
        .merge(kind_routes::<PlanStatusInput>(max_file_bytes))
        .merge(kind_routes::<IssueInput>(max_file_bytes))
        .route("/services/{id}/deliverables", get(list_deliverables))
        .route(
            "/services/{id}/deliverables/{kind}/{period}",
            get(get_deliverable).put(put_deliverable),
        )
        .route(
            "/services/{id}/deliverables/{kind}/{period}/versions",
            post(submit_version),
        )
        .route(
            "/services/{id}/deliverables/{kind}/{period}/versions/{version}/review",
            post(review_version),
        )
        .route(
            "/services/{id}/sla-settings",
            get(get_settings).put(put_settings),
        )
        .route("/services/{id}/sla/{month}", get(month_sla))
        .route("/services/{id}/alerts", get(service_alerts))
        .route("/tenants/{id}/alerts", get(tenant_alerts))
}

// ---------------------------------------------------------------------------
// Access

/// How the principal relates to a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OversightAccess {
    /// Tenant staff: read and write everything.
    Manage,
    /// Tenant viewers: read.
    Read,
    /// A user of the service's provider or integrator organisation.
    Vendor(String),
}

impl OversightAccess {
    /// The organisation whose records are visible besides the staff's
    /// (`None`: everything is).
    fn organisation(&self) -> Option<&str> {
        match self {
            OversightAccess::Vendor(org) => Some(org),
            _ => None,
        }
    }

    fn sees(&self, organisation_id: Option<&str>) -> bool {
        match self {
            OversightAccess::Vendor(org) => organisation_id.is_none_or(|o| o == org),
            _ => true,
        }
    }

    pub fn require_manage(&self) -> Result<(), ApiError> {
        match self {
            OversightAccess::Manage => Ok(()),
            _ => Err(ApiError::forbidden()),
        }
    }

    /// May file records of `kind`: the organisation they are filed for
    /// (`None`: the municipality).
    pub(crate) fn filing_org(&self, kind: RecordKind) -> Result<Option<String>, ApiError> {
        match self {
            OversightAccess::Manage => Ok(None),
            OversightAccess::Read => Err(ApiError::forbidden()),
            OversightAccess::Vendor(org) if kind.vendor_writable() => Ok(Some(org.clone())),
            OversightAccess::Vendor(_) => Err(ApiError::forbidden()),
        }
    }

    /// May submit deliverable versions: the organisation they are
    /// submitted for (`None`: the municipality); viewers may not.
    pub(crate) fn submitting_org(&self) -> Result<Option<String>, ApiError> {
        match self {
            OversightAccess::Manage => Ok(None),
            OversightAccess::Read => Err(ApiError::forbidden()),
            OversightAccess::Vendor(org) => Ok(Some(org.clone())),
        }
    }

    /// May change `record` (already known to be visible).
    fn may_edit(&self, record: &OversightRecord, kind: RecordKind) -> Result<(), ApiError> {
        self.may_edit_filed_by(record.organisation_id.as_deref(), kind)
    }

    /// May change a visible record of `kind` filed by `organisation_id`
    /// (`None`: the municipality).
    pub(crate) fn may_edit_filed_by(
        &self,
        organisation_id: Option<&str>,
        kind: RecordKind,
    ) -> Result<(), ApiError> {
        match self {
            OversightAccess::Manage => Ok(()),
            OversightAccess::Read => Err(ApiError::forbidden()),
            OversightAccess::Vendor(org)
                if kind.vendor_writable() && organisation_id == Some(org.as_str()) =>
            {
                Ok(())
            }
            OversightAccess::Vendor(_) => Err(ApiError::forbidden()),
        }
    }
}

fn staff(p: &Principal, tenant_id: &str) -> Option<OversightAccess> {
    if !p.sees_tenant(tenant_id) {
        return None;
    }
    match p.role {
        Role::SystemAdmin | Role::TenantAdmin | Role::Reviewer => Some(OversightAccess::Manage),
        Role::Viewer => Some(OversightAccess::Read),
        Role::Vendor => None,
    }
}

/// The service `id` and the principal's access to it, or 404.
pub async fn service_access(
    state: &AppState,
    p: &Principal,
    id: &str,
) -> Result<(ServiceRecord, OversightAccess), ApiError> {
    let s = state
        .store
        .service(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if let Some(access) = staff(p, &s.tenant_id) {
        return Ok((s, access));
    }
    if p.role == Role::Vendor
        && let Some(org) = &p.user.organisation_id
        && (s.provider_org_id.as_ref() == Some(org) || s.integrator_org_id.as_ref() == Some(org))
    {
        let org = org.clone();
        return Ok((s, OversightAccess::Vendor(org)));
    }
    Err(ApiError::not_found())
}

fn actor(p: &Principal) -> Actor {
    Actor {
        id: Some(p.user.id.clone()),
        name: Some(p.user.display_name.clone()),
    }
}

fn field_error(e: FieldError) -> ApiError {
    ApiError::bad_request("invalid_field", e.message).with_field(e.field)
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> ApiError {
    ApiError::internal(format!("stored {what} unreadable: {e}"))
}

// ---------------------------------------------------------------------------
// Records

/// A record as the API shows it: its id, service, filing organisation and
/// times, and the kind's fields.
pub fn record_view(r: &OversightRecord) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("id".into(), json!(r.id));
    m.insert("service_id".into(), json!(r.service_id));
    m.insert("organisation_id".into(), json!(r.organisation_id));
    m.insert("created_at".into(), json!(r.created_at));
    m.insert("created_by".into(), json!(r.created_by));
    m.insert("updated_at".into(), json!(r.updated_at));
    m.insert("updated_by".into(), json!(r.updated_by));
    if let Value::Object(data) = &r.data {
        for (k, v) in data {
            m.insert(k.clone(), v.clone());
        }
    }
    Value::Object(m)
}

/// The stored form of a checked record.
fn record_write<T: RecordData>(t: &T) -> Result<RecordWrite, ApiError> {
    let filed_at = match t.time() {
        RecordTime::Instant(ts) => kijun_store::time::format(ts),
        RecordTime::Day(d) => d.to_string(),
        RecordTime::Month(m) => m.to_string(),
        RecordTime::None => String::new(),
    };
    Ok(RecordWrite {
        filed_at,
        is_open: t.is_open(),
        ref_id: t.reference().map(str::to_owned),
        data: serde_json::to_value(t).map_err(ApiError::internal)?,
    })
}

/// A record of `T`'s kind on `service`, visible to `access`, or 404.
async fn visible_record<T: RecordData>(
    state: &AppState,
    service: &ServiceRecord,
    access: &OversightAccess,
    rid: &str,
) -> Result<OversightRecord, ApiError> {
    let r = state
        .store
        .oversight_record(rid)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if r.service_id != service.id
        || r.kind != T::KIND.as_str()
        || !access.sees(r.organisation_id.as_deref())
    {
        return Err(ApiError::not_found());
    }
    Ok(r)
}

/// Checks a record against the database: a plan status's item must be a
/// plan item of the same service.
async fn check_reference<T: RecordData>(
    state: &AppState,
    service_id: &str,
    t: &T,
) -> Result<(), ApiError> {
    if let Some(item) = t.reference() {
        let found = state.store.oversight_record(item).await?;
        if !found.is_some_and(|r| r.service_id == service_id && r.kind == "plan_item") {
            return Err(ApiError::bad_request(
                "invalid_field",
                format!("セキュリティ対策実施計画の項目 `{item}` はこのサービスにありません"),
            )
            .with_field("item_id"));
        }
    }
    Ok(())
}

/// The `filed_at` bound of a list filter for `kind`.
fn bound(kind: RecordKind, text: &str, field: &str) -> Result<String, ApiError> {
    let bad = |what: &str| {
        ApiError::bad_request(
            "invalid_field",
            format!("{field} は{what}で指定してください"),
        )
        .with_field(field)
    };
    match kind {
        RecordKind::Outage | RecordKind::Inquiry | RecordKind::Incident => {
            if let Ok(ts) = text.parse::<Timestamp>() {
                return Ok(kijun_store::time::format(ts));
            }
            let day = kijun_core::oversight::parse_day(text).ok_or_else(|| {
                bad("日時（2026-05-01T00:00:00+09:00）または日付（2026-05-01、日本時間の 0 時）")
            })?;
            let ts = kijun_core::sla::tokyo_time(day, jiff::civil::Time::midnight())
                .map_err(ApiError::internal)?;
            Ok(kijun_store::time::format(ts))
        }
        RecordKind::Notice | RecordKind::Issue => kijun_core::oversight::parse_day(text)
            .map(|d| d.to_string())
            .ok_or_else(|| bad("日付（YYYY-MM-DD）")),
        RecordKind::PlanStatus => Month::parse(text)
            .map(|m| m.to_string())
            .ok_or_else(|| bad("年月（YYYY-MM）")),
        RecordKind::PlanItem => Err(ApiError::bad_request(
            "invalid_field",
            format!("{field} はセキュリティ対策実施計画の項目には使えません"),
        )
        .with_field(field)),
    }
}

/// `?from=&until=&open=` of a record list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// From (inclusive) this time, date or month, by the kind.
    pub from: Option<String>,
    /// Until (exclusive).
    pub until: Option<String>,
    /// Only open (`true`) or only finished (`false`) records.
    pub open: Option<bool>,
}

/// `GET /services/{id}/{kind}`.
pub async fn list_records<T: RecordData>(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Vec<Value>>, ApiError> {
    let (service, access) = service_access(&state, &p, &id).await?;
    let filter = RecordFilter {
        from: q
            .from
            .as_deref()
            .map(|t| bound(T::KIND, t, "from"))
            .transpose()?,
        until: q
            .until
            .as_deref()
            .map(|t| bound(T::KIND, t, "until"))
            .transpose()?,
        is_open: q.open,
        visible_to_organisation: access.organisation().map(str::to_owned),
        ref_id: None,
    };
    let records = state
        .store
        .oversight_records(&service.id, T::KIND.as_str(), &filter)
        .await?;
    Ok(Json(records.iter().map(record_view).collect()))
}

/// `POST /services/{id}/{kind}`.
pub async fn create_record<T: RecordData>(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    ApiJson(mut input): ApiJson<T>,
) -> Result<Response, ApiError> {
    let (service, access) = service_access(&state, &p, &id).await?;
    let org = access.filing_org(T::KIND)?;
    input.normalise();
    input.validate().map_err(field_error)?;
    check_reference(&state, &service.id, &input).await?;
    let write = record_write(&input)?;
    let audit = state.audit_entry(
        Some(&p),
        None,
        Event {
            action: "oversight_record_created",
            tenant_id: Some(&service.tenant_id),
            target: None,
            details: json!({"kind": T::KIND.as_str(), "service_id": service.id, "organisation_id": org, "data": write.data}),
        },
    );
    let created = state
        .store
        .create_oversight_record(
            &service.tenant_id,
            &service.id,
            T::KIND.as_str(),
            org.as_deref(),
            &write,
            &actor(&p),
            &audit,
            state.now(),
        )
        .await
        .map_err(conflict)?;
    Ok((StatusCode::CREATED, Json(record_view(&created))).into_response())
}

fn conflict(e: kijun_store::StoreError) -> ApiError {
    match e {
        kijun_store::StoreError::Conflict(what) => ApiError::conflict(format!(
            "{what}は既に登録されています。登録済みのものを更新してください"
        )),
        other => other.into(),
    }
}

/// `GET /services/{id}/{kind}/{rid}`.
pub async fn get_record<T: RecordData>(
    State(state): State<AppState>,
    p: Principal,
    Path((id, rid)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let (service, access) = service_access(&state, &p, &id).await?;
    let r = visible_record::<T>(&state, &service, &access, &rid).await?;
    Ok(Json(record_view(&r)))
}

/// The service, the access and the record `rid` of `T`'s kind if the
/// principal may change it: 404 if the service or record is not visible
/// to it, 403 if it is but may not be changed (viewers first, so a viewer
/// learns nothing about which records exist).
pub(crate) async fn editable_record<T: RecordData>(
    state: &AppState,
    p: &Principal,
    id: &str,
    rid: &str,
) -> Result<(ServiceRecord, OversightAccess, OversightRecord), ApiError> {
    let (service, access) = service_access(state, p, id).await?;
    if access == OversightAccess::Read {
        return Err(ApiError::forbidden());
    }
    let record = visible_record::<T>(state, &service, &access, rid).await?;
    access.may_edit(&record, T::KIND)?;
    Ok((service, access, record))
}

/// `PUT /services/{id}/{kind}/{rid}`: replaces the record's fields.
pub async fn update_record<T: RecordData>(
    State(state): State<AppState>,
    p: Principal,
    Path((id, rid)): Path<(String, String)>,
    ApiJson(mut input): ApiJson<T>,
) -> Result<Json<Value>, ApiError> {
    let (service, _, before) = editable_record::<T>(&state, &p, &id, &rid).await?;
    input.normalise();
    input.validate().map_err(field_error)?;
    check_reference(&state, &service.id, &input).await?;
    let write = record_write(&input)?;
    let audit = state.audit_entry(
        Some(&p),
        None,
        Event {
            action: "oversight_record_updated",
            tenant_id: Some(&service.tenant_id),
            target: Some(format!("oversight:{}:{rid}", T::KIND.as_str())),
            details: json!({"kind": T::KIND.as_str(), "service_id": service.id, "before": before.data, "after": write.data}),
        },
    );
    let updated = state
        .store
        .update_oversight_record(&rid, &write, &actor(&p), &audit, state.now())
        .await
        .map_err(conflict)?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(record_view(&updated)))
}

/// `DELETE /services/{id}/{kind}/{rid}` (tenant staff only).
pub async fn delete_record<T: RecordData>(
    State(state): State<AppState>,
    p: Principal,
    Path((id, rid)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let (service, access) = service_access(&state, &p, &id).await?;
    if access == OversightAccess::Read {
        return Err(ApiError::forbidden());
    }
    let record = visible_record::<T>(&state, &service, &access, &rid).await?;
    access.require_manage()?;
    let audit = state.audit_entry(
        Some(&p),
        None,
        Event {
            action: "oversight_record_deleted",
            tenant_id: Some(&service.tenant_id),
            target: Some(format!("oversight:{}:{rid}", T::KIND.as_str())),
            details: json!({"kind": T::KIND.as_str(), "service_id": service.id, "organisation_id": record.organisation_id, "data": record.data}),
        },
    );
    match state
        .store
        .delete_oversight_record(&rid, &audit, state.now())
        .await?
    {
        DeleteOutcome::Deleted => Ok(StatusCode::NO_CONTENT),
        DeleteOutcome::NotFound => Err(ApiError::not_found()),
        DeleteOutcome::Referenced(n) => Err(ApiError::conflict(format!(
            "この項目には実施状況が {n} 件登録されています。先に実施状況を削除してください"
        ))),
    }
}

fn problem(p: csv::CsvProblem) -> Problem {
    Problem {
        sheet: None,
        row: p.row,
        column: p.column,
        heading: p.heading,
        value: p.value,
        message: p.message,
    }
}

fn invalid_csv(problems: Vec<Problem>) -> ApiError {
    ApiError::bad_request(
        "invalid_csv",
        format!(
            "CSV ファイルに {} 件の問題があります。problems の行・列を直して、ファイル全体を取り込み直してください（何も保存していません）",
            problems.len()
        ),
    )
    .with_problems(problems)
}

/// `POST /services/{id}/{kind}/import`: the body is a CSV file
/// (`text/csv`, UTF-8, a header row); every row is checked and stored in
/// one transaction, or nothing is.
pub async fn import_records<T: RecordData>(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (service, access) = service_access(&state, &p, &id).await?;
    let org = access.filing_org(T::KIND)?;
    let is_csv = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            let mut parts = v.split(';');
            parts
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("text/csv"))
                && parts.all(|param| {
                    param.split_once('=').is_some_and(|(k, v)| {
                        k.trim().eq_ignore_ascii_case("charset")
                            && v.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
                    }) || param.trim().is_empty()
                })
        });
    let is_xlsx = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case(kijun_exchange::XLSX_MEDIA_TYPE)
        });
    if is_xlsx {
        let (sheet, cells) = kijun_exchange::records::record_rows(&body).map_err(|errors| {
            invalid_csv(
                errors
                    .iter()
                    .map(|e| Problem {
                        sheet: None,
                        row: None,
                        column: None,
                        heading: None,
                        value: None,
                        message: e.to_string(),
                    })
                    .collect(),
            )
        })?;
        let rows = csv::import_rows::<T>(&cells).map_err(|problems| {
            invalid_csv(
                problems
                    .into_iter()
                    .map(|p| Problem {
                        sheet: Some(sheet.clone()),
                        ..problem(p)
                    })
                    .collect(),
            )
        })?;
        return store_imported(&state, &p, &service, org, rows).await;
    }
    if !is_csv {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Content-Type: text/csv（UTF-8）または Excel (xlsx) で送ってください",
        ));
    }
    let text = std::str::from_utf8(&body).map_err(|e| {
        invalid_csv(vec![Problem {
            sheet: None,
            row: None,
            column: None,
            heading: None,
            value: None,
            message: format!(
                "UTF-8 として読めません（{} バイト目）。Shift_JIS などのファイルは UTF-8 で保存し直してください",
                e.valid_up_to() + 1
            ),
        }])
    })?;
    let rows = csv::import::<T>(text)
        .map_err(|problems| invalid_csv(problems.into_iter().map(problem).collect()))?;
    store_imported(&state, &p, &service, org, rows).await
}

/// Stores checked imported rows (CSV or Excel) in one transaction.
async fn store_imported<T: RecordData>(
    state: &AppState,
    p: &Principal,
    service: &ServiceRecord,
    org: Option<String>,
    mut rows: Vec<(u32, T)>,
) -> Result<Response, ApiError> {
    if rows.is_empty() {
        return Err(invalid_csv(vec![Problem {
            sheet: None,
            row: Some(2),
            column: None,
            heading: None,
            value: None,
            message: "データの行がありません".into(),
        }]));
    }
    resolve_references(state, &service.id, &mut rows).await?;
    let mut writes = Vec::with_capacity(rows.len());
    for (_, r) in &rows {
        writes.push((String::new(), record_write(r)?));
    }
    let audit = state.audit_entry(
        Some(p),
        None,
        Event {
            action: "oversight_records_imported",
            tenant_id: Some(&service.tenant_id),
            target: Some(format!("service:{}", service.id)),
            details: json!({"kind": T::KIND.as_str(), "service_id": service.id, "organisation_id": org}),
        },
    );
    let ids = state
        .store
        .create_oversight_records(
            &service.tenant_id,
            &service.id,
            T::KIND.as_str(),
            org.as_deref(),
            &writes,
            &actor(p),
            &audit,
            state.now(),
        )
        .await
        .map_err(conflict)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"imported": ids.len(), "ids": ids})),
    )
        .into_response())
}

/// Plan statuses in a CSV name their item by id or by exact title: each
/// must be one plan item of the service, and each item and month may have
/// one status (in the file and in the database).
async fn resolve_references<T: RecordData>(
    state: &AppState,
    service_id: &str,
    rows: &mut [(u32, T)],
) -> Result<(), ApiError> {
    if T::KIND != RecordKind::PlanStatus {
        return Ok(());
    }
    let items = state
        .store
        .oversight_records(service_id, "plan_item", &RecordFilter::default())
        .await?;
    let existing = state
        .store
        .oversight_records(service_id, "plan_status", &RecordFilter::default())
        .await?;
    let column = csv::columns(T::KIND)
        .iter()
        .position(|c| c.name == "item_id")
        .map(csv::column_letter);
    let mut seen: BTreeMap<(String, String), u32> = BTreeMap::new();
    let mut problems = Vec::new();
    for (row, record) in rows.iter_mut() {
        let Some(named) = record.reference().map(str::to_owned) else {
            continue;
        };
        let by_title: Vec<&OversightRecord> = items
            .iter()
            .filter(|i| i.data.get("title").and_then(Value::as_str) == Some(named.as_str()))
            .collect();
        let id = if items.iter().any(|i| i.id == named) {
            named.clone()
        } else if let [one] = by_title.as_slice() {
            one.id.clone()
        } else {
            problems.push(Problem {
                sheet: None,
                row: Some(*row),
                column: column.clone(),
                heading: Some("item_id".into()),
                value: Some(named.clone()),
                message: if by_title.len() > 1 {
                    "同じ名前の項目が複数あります。項目の ID で指定してください".into()
                } else {
                    "このサービスのセキュリティ対策実施計画にない項目です（項目の ID または名前で指定）".into()
                },
            });
            continue;
        };
        record.set_reference(id.clone());
        let month = record_write(record)?.filed_at;
        let key = (id.clone(), month.clone());
        let duplicate = if let Some(first) = seen.get(&key) {
            Some(format!("{first} 行目と同じ項目・同じ月です"))
        } else if existing
            .iter()
            .any(|e| e.ref_id.as_deref() == Some(id.as_str()) && e.filed_at == month)
        {
            Some("この項目・この月の実施状況は登録済みです（更新は API の PUT で）".into())
        } else {
            None
        };
        if let Some(message) = duplicate {
            problems.push(Problem {
                sheet: None,
                row: Some(*row),
                column: column.clone(),
                heading: Some("item_id".into()),
                value: Some(named),
                message,
            });
        }
        seen.entry(key).or_insert(*row);
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(invalid_csv(problems))
    }
}

// ---------------------------------------------------------------------------
// Everything the rules read about a service

/// A service's records, deliverables and settings, decoded.
struct ServiceData {
    service: ServiceRecord,
    details: ServiceDetails,
    settings: SlaSettings,
    calendar: ClosedDayCalendar,
    outages: Vec<(String, OutageInput)>,
    inquiries: Vec<(String, InquiryInput)>,
    incidents: Vec<(String, IncidentInput)>,
    notices: Vec<(String, NoticeInput)>,
    facts: Vec<DeliverableFacts>,
    stored: Vec<DeliverableRecord>,
    versions: Vec<DeliverableVersion>,
    /// Record id → the organisation that filed it.
    filed_by: HashMap<String, Option<String>>,
}

fn decode<T: RecordData>(records: &[&OversightRecord]) -> Result<Vec<(String, T)>, ApiError> {
    records
        .iter()
        .filter(|r| r.kind == T::KIND.as_str())
        .map(|r| {
            serde_json::from_value::<T>(r.data.clone())
                .map(|t| (r.id.clone(), t))
                .map_err(|e| corrupt("record", e))
        })
        .collect()
}

fn service_details(s: &ServiceRecord) -> ServiceDetails {
    s.details
        .get("details")
        .and_then(|d| serde_json::from_value(d.clone()).ok())
        .unwrap_or_default()
}

fn decode_settings(doc: Option<Value>) -> Result<SlaSettings, ApiError> {
    match doc {
        None => Ok(SlaSettings::default()),
        Some(v) => serde_json::from_value(v).map_err(|e| corrupt("SLA settings", e)),
    }
}

fn version_facts(v: &DeliverableVersion) -> Result<VersionFacts, ApiError> {
    Ok(VersionFacts {
        version: u32::try_from(v.version).map_err(|e| corrupt("version", e))?,
        submitted_at: v.submitted_at,
        state: VersionState::parse(&v.state).ok_or_else(|| corrupt("version state", &v.state))?,
        has_improvement_plan: v
            .data
            .get("improvement_plan")
            .and_then(Value::as_str)
            .is_some_and(|s| !s.trim().is_empty()),
    })
}

fn deliverable_facts(
    stored: &[DeliverableRecord],
    versions: &[DeliverableVersion],
) -> Result<Vec<DeliverableFacts>, ApiError> {
    stored
        .iter()
        .map(|d| {
            let kind =
                DeliverableKind::parse(&d.kind).ok_or_else(|| corrupt("deliverable", &d.kind))?;
            let period =
                Period::parse_for(kind, &d.period).map_err(|e| corrupt("deliverable period", e))?;
            let due = d
                .due_on
                .as_deref()
                .map(|t| kijun_core::oversight::parse_day(t).ok_or_else(|| corrupt("due date", t)))
                .transpose()?;
            let versions = versions
                .iter()
                .filter(|v| v.deliverable_id == d.id)
                .map(version_facts)
                .collect::<Result<Vec<_>, _>>()?;
            Ok(DeliverableFacts {
                kind,
                period,
                due,
                required: d.required,
                versions,
            })
        })
        .collect()
}

fn service_data(
    service: ServiceRecord,
    records: &[&OversightRecord],
    stored: Vec<DeliverableRecord>,
    versions: Vec<DeliverableVersion>,
    settings: Option<Value>,
) -> Result<ServiceData, ApiError> {
    let settings = decode_settings(settings)?;
    let calendar = settings.calendar().map_err(|e| corrupt("closed days", e))?;
    let facts = deliverable_facts(&stored, &versions)?;
    Ok(ServiceData {
        details: service_details(&service),
        service,
        calendar,
        outages: decode(records)?,
        inquiries: decode(records)?,
        incidents: decode(records)?,
        notices: decode(records)?,
        facts,
        stored,
        versions,
        filed_by: records
            .iter()
            .map(|r| (r.id.clone(), r.organisation_id.clone()))
            .collect(),
        settings,
    })
}

async fn load_service_data(
    state: &AppState,
    service: ServiceRecord,
) -> Result<ServiceData, ApiError> {
    let mut records = Vec::new();
    for kind in ["outage", "inquiry", "incident", "notice"] {
        records.extend(
            state
                .store
                .oversight_records(&service.id, kind, &RecordFilter::default())
                .await?,
        );
    }
    let stored = state.store.deliverables_of_service(&service.id).await?;
    let versions = state
        .store
        .deliverable_versions_of_service(&service.id)
        .await?;
    let settings = state.store.sla_settings(&service.id).await?;
    let refs: Vec<&OversightRecord> = records.iter().collect();
    service_data(service, &refs, stored, versions, settings)
}

impl ServiceData {
    fn facts(&self) -> ServiceFacts<'_> {
        ServiceFacts {
            service_id: &self.service.id,
            details: &self.details,
            settings: &self.settings,
            calendar: &self.calendar,
            outages: &self.outages,
            inquiries: &self.inquiries,
            incidents: &self.incidents,
            notices: &self.notices,
            deliverables: &self.facts,
        }
    }

    fn alerts(&self, now: Timestamp) -> Result<Vec<Alert>, ApiError> {
        alerts::service_alerts(&self.facts(), now).map_err(ApiError::internal)
    }
}

// ---------------------------------------------------------------------------
// Alerts

/// `?kind=&status=` of an alert list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertQuery {
    pub kind: Option<String>,
    pub status: Option<String>,
}

fn alert_filter(q: &AlertQuery) -> Result<(Option<AlertKind>, Option<AlertStatus>), ApiError> {
    let kind = q
        .kind
        .as_deref()
        .map(|k| {
            AlertKind::parse(k).ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_field",
                    format!(
                        "kind は {} のいずれかです",
                        AlertKind::ALL.map(AlertKind::as_str).join(" / ")
                    ),
                )
                .with_field("kind")
            })
        })
        .transpose()?;
    let status = q
        .status
        .as_deref()
        .map(|s| {
            AlertStatus::parse(s).ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_field",
                    "status は pending / breached のいずれかです",
                )
                .with_field("status")
            })
        })
        .transpose()?;
    Ok((kind, status))
}

fn keep(alert: &Alert, kind: Option<AlertKind>, status: Option<AlertStatus>) -> bool {
    kind.is_none_or(|k| alert.kind == k) && status.is_none_or(|s| alert.status == s)
}

/// `GET /services/{id}/alerts`: the service's alerts as of now. A vendor
/// sees those about its own organisation's and the municipality's records
/// and about the service itself.
pub async fn service_alerts(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<AlertQuery>,
) -> Result<Json<Vec<Alert>>, ApiError> {
    let (service, access) = service_access(&state, &p, &id).await?;
    let (kind, status) = alert_filter(&q)?;
    let data = load_service_data(&state, service).await?;
    let list = data
        .alerts(state.now())?
        .into_iter()
        .filter(|a| keep(a, kind, status))
        .filter(|a| {
            data.filed_by
                .get(&a.subject.id)
                .is_none_or(|org| access.sees(org.as_deref()))
        })
        .collect();
    Ok(Json(list))
}

/// `GET /tenants/{id}/alerts`: every service's alerts as of now (tenant
/// staff and viewers).
pub async fn tenant_alerts(
    State(state): State<AppState>,
    p: Principal,
    Path(tenant_id): Path<String>,
    ApiQuery(q): ApiQuery<AlertQuery>,
) -> Result<Json<Vec<Alert>>, ApiError> {
    staff(&p, &tenant_id).ok_or_else(ApiError::not_found)?;
    state
        .store
        .tenant(&tenant_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let (kind, status) = alert_filter(&q)?;
    let mut out = tenant_alerts_at(&state, &tenant_id, state.now()).await?;
    out.retain(|a| keep(a, kind, status));
    Ok(Json(out))
}

/// Every alert of every service of `tenant_id` as of `now`, by deadline
/// (what `GET /tenants/{id}/alerts` lists; also the dashboard and the
/// alert notifier in `crate::alerting`). No access check: callers check.
pub async fn tenant_alerts_at(
    state: &AppState,
    tenant_id: &str,
    now: Timestamp,
) -> Result<Vec<Alert>, ApiError> {
    // Tenant-wide: bounded like the dashboard (see `AppState::heavy`).
    let _permit = state.heavy.acquire().await.map_err(ApiError::internal)?;
    tenant_alerts_unbounded(state, tenant_id, now).await
}

/// [`tenant_alerts_at`] for a caller that already holds an
/// `AppState::heavy` permit (the dashboard: one permit for the whole page,
/// so no request holds a tenant's alerts while it waits for another).
pub async fn tenant_alerts_unbounded(
    state: &AppState,
    tenant_id: &str,
    now: Timestamp,
) -> Result<Vec<Alert>, ApiError> {
    let services = state.store.services_in_tenant(tenant_id).await?;
    let records = state
        .store
        .oversight_records_in_tenant(tenant_id, &["outage", "inquiry", "incident", "notice"])
        .await?;
    let stored = state.store.deliverables_in_tenant(tenant_id).await?;
    let versions = state
        .store
        .deliverable_versions_in_tenant(tenant_id)
        .await?;
    let mut settings: HashMap<String, Value> = state
        .store
        .sla_settings_in_tenant(tenant_id)
        .await?
        .into_iter()
        .collect();
    let mut records_of: HashMap<&str, Vec<&OversightRecord>> = HashMap::new();
    for r in &records {
        records_of.entry(r.service_id.as_str()).or_default().push(r);
    }
    let service_of: HashMap<&str, &str> = stored
        .iter()
        .map(|d| (d.id.as_str(), d.service_id.as_str()))
        .collect();
    let mut versions_of: HashMap<&str, Vec<DeliverableVersion>> = HashMap::new();
    for v in versions {
        if let Some(service) = service_of.get(v.deliverable_id.as_str()).copied() {
            versions_of.entry(service).or_default().push(v);
        }
    }
    let mut stored_of: HashMap<&str, Vec<DeliverableRecord>> = HashMap::new();
    for d in &stored {
        stored_of
            .entry(d.service_id.as_str())
            .or_default()
            .push(d.clone());
    }
    let mut out = Vec::new();
    for service in services {
        let id = service.id.clone();
        let mine = records_of.remove(id.as_str()).unwrap_or_default();
        let data = service_data(
            service,
            &mine,
            stored_of.remove(id.as_str()).unwrap_or_default(),
            versions_of.remove(id.as_str()).unwrap_or_default(),
            settings.remove(&id),
        )?;
        out.extend(data.alerts(now)?);
    }
    out.sort_by(|a, b| (a.deadline, &a.dedupe_key).cmp(&(b.deadline, &b.dedupe_key)));
    Ok(out)
}

/// `GET /services/{id}/sla/{month}`: the month's SLA results as of now
/// (what the monthly report states).
pub async fn month_sla(
    State(state): State<AppState>,
    p: Principal,
    Path((id, month)): Path<(String, String)>,
) -> Result<Json<alerts::MonthlySla>, ApiError> {
    let (service, _) = service_access(&state, &p, &id).await?;
    let month = Month::parse(&month).ok_or_else(|| {
        ApiError::bad_request("invalid_field", "月は YYYY-MM で指定してください")
            .with_field("month")
    })?;
    let data = load_service_data(&state, service).await?;
    let result = alerts::monthly_sla(
        month,
        &data.settings,
        &data.calendar,
        &data.outages,
        &data.inquiries,
        state.now(),
    )
    .map_err(ApiError::internal)?;
    Ok(Json(result))
}

// ---------------------------------------------------------------------------
// Deliverables

/// A deliverable as the API shows it.
#[derive(Debug, Serialize)]
pub struct DeliverableView {
    #[serde(flatten)]
    pub status: DeliverableStatus,
    /// The stored deliverable's id (`null` until a reviewer sets a due date
    /// or a version is submitted).
    pub id: Option<String>,
    pub note: String,
    pub cadence: Cadence,
    /// The default due rule in words.
    pub due_rule: &'static str,
    /// What each version states (empty: no checklist).
    pub checklist: &'static [ChecklistItem],
    /// The versions the caller may see, oldest first.
    pub versions: Vec<DeliverableVersion>,
}

fn deliverable_view(
    data: &ServiceData,
    access: &OversightAccess,
    status: DeliverableStatus,
) -> DeliverableView {
    let period = status.period.to_string();
    let stored = data
        .stored
        .iter()
        .find(|d| d.kind == status.kind.as_str() && d.period == period);
    let versions = stored
        .map(|d| {
            data.versions
                .iter()
                .filter(|v| v.deliverable_id == d.id && access.sees(v.organisation_id.as_deref()))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    DeliverableView {
        id: stored.map(|d| d.id.clone()),
        note: stored.map(|d| d.note.clone()).unwrap_or_default(),
        cadence: status.kind.cadence(),
        due_rule: status.kind.due_rule(),
        checklist: status.kind.checklist(),
        versions,
        status,
    }
}

fn statuses(data: &ServiceData, now: Timestamp) -> Result<Vec<DeliverableStatus>, ApiError> {
    data.facts()
        .deliverable_statuses(now)
        .map_err(ApiError::internal)
}

/// `GET /services/{id}/deliverables`: every deliverable expected of the
/// service (default rules and stored ones) with its due date, state and
/// versions.
pub async fn list_deliverables(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<Vec<DeliverableView>>, ApiError> {
    let (service, access) = service_access(&state, &p, &id).await?;
    let data = load_service_data(&state, service).await?;
    let list = statuses(&data, state.now())?
        .into_iter()
        .map(|s| deliverable_view(&data, &access, s))
        .collect();
    Ok(Json(list))
}

fn kind_and_period(kind: &str, period: &str) -> Result<(DeliverableKind, Period), ApiError> {
    let kind = DeliverableKind::parse(kind).ok_or_else(ApiError::not_found)?;
    let period = Period::parse_for(kind, period).map_err(field_error)?;
    Ok((kind, period))
}

fn one_view(
    data: &ServiceData,
    access: &OversightAccess,
    kind: DeliverableKind,
    period: Period,
    now: Timestamp,
) -> Result<DeliverableView, ApiError> {
    let status = statuses(data, now)?
        .into_iter()
        .find(|s| s.kind == kind && s.period == period);
    let status = match status {
        Some(s) => s,
        None => {
            // Neither expected by default nor stored yet: its default state.
            let extra = [DeliverableFacts {
                kind,
                period,
                due: None,
                required: true,
                versions: Vec::new(),
            }];
            let f = ServiceFacts {
                deliverables: &extra,
                ..data.facts()
            };
            f.deliverable_statuses(now)
                .map_err(ApiError::internal)?
                .into_iter()
                .find(|s| s.kind == kind && s.period == period)
                .ok_or_else(ApiError::not_found)?
        }
    };
    Ok(deliverable_view(data, access, status))
}

/// `GET /services/{id}/deliverables/{kind}/{period}`.
pub async fn get_deliverable(
    State(state): State<AppState>,
    p: Principal,
    Path((id, kind, period)): Path<(String, String, String)>,
) -> Result<Json<DeliverableView>, ApiError> {
    let (service, access) = service_access(&state, &p, &id).await?;
    let (kind, period) = kind_and_period(&kind, &period)?;
    let data = load_service_data(&state, service).await?;
    Ok(Json(one_view(&data, &access, kind, period, state.now())?))
}

fn yes() -> bool {
    true
}

/// What a reviewer sets on a deliverable.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliverableInput {
    /// The concrete due date; `null`: the default rule.
    #[serde(default, with = "kijun_core::oversight::opt_day")]
    pub due: Option<Date>,
    /// `false`: not required of this service (waived).
    #[serde(default = "yes")]
    pub required: bool,
    #[serde(default)]
    pub note: String,
}

/// `PUT /services/{id}/deliverables/{kind}/{period}` (tenant staff).
pub async fn put_deliverable(
    State(state): State<AppState>,
    p: Principal,
    Path((id, kind, period)): Path<(String, String, String)>,
    ApiJson(input): ApiJson<DeliverableInput>,
) -> Result<Json<DeliverableView>, ApiError> {
    let (service, access) = service_access(&state, &p, &id).await?;
    access.require_manage()?;
    let (kind, period) = kind_and_period(&kind, &period)?;
    let note = input.note.trim();
    if note.chars().count() > 2000 {
        return Err(ApiError::bad_request(
            "invalid_field",
            "note は 2000 文字以内で入力してください",
        )
        .with_field("note"));
    }
    let due = input.due.map(|d| d.to_string());
    let audit = state.audit_entry(
        Some(&p),
        None,
        Event {
            action: "deliverable_updated",
            tenant_id: Some(&service.tenant_id),
            target: Some(format!("service:{}", service.id)),
            details: json!({"kind": kind, "period": period, "due": due, "required": input.required, "note": note}),
        },
    );
    state
        .store
        .put_deliverable(
            &service.tenant_id,
            &service.id,
            kind.as_str(),
            &period.to_string(),
            due.as_deref(),
            input.required,
            note,
            &audit,
            state.now(),
        )
        .await?;
    let data = load_service_data(&state, service).await?;
    Ok(Json(one_view(&data, &access, kind, period, state.now())?))
}

/// Each evidence id must be a file of the service's tenant; a vendor may
/// link only files uploaded by its own organisation's users.
pub(crate) async fn check_evidence(
    state: &AppState,
    service: &ServiceRecord,
    access: &OversightAccess,
    ids: &[String],
) -> Result<(), ApiError> {
    for id in ids {
        let bad = || {
            ApiError::bad_request("invalid_field", format!("証跡ファイル `{id}` がありません"))
                .with_field("evidence_ids")
        };
        let ev = state.store.evidence(id).await?.ok_or_else(bad)?;
        if ev.tenant_id != service.tenant_id {
            return Err(bad());
        }
        if let OversightAccess::Vendor(org) = access {
            let owner = state.store.user(&ev.owner_user_id).await?;
            if owner.and_then(|u| u.organisation_id).as_ref() != Some(org) {
                return Err(bad());
            }
        }
    }
    Ok(())
}

/// `POST /services/{id}/deliverables/{kind}/{period}/versions`: tenant
/// staff, or a vendor user of the service's organisations.
pub async fn submit_version(
    State(state): State<AppState>,
    p: Principal,
    Path((id, kind, period)): Path<(String, String, String)>,
    ApiJson(mut input): ApiJson<VersionInput>,
) -> Result<Response, ApiError> {
    let (service, access) = service_access(&state, &p, &id).await?;
    let org = access.submitting_org()?;
    let (kind, period) = kind_and_period(&kind, &period)?;
    input.validate(kind).map_err(field_error)?;
    input.normalise(kind);
    check_evidence(&state, &service, &access, &input.evidence_ids).await?;
    let data = serde_json::to_value(&input).map_err(ApiError::internal)?;
    let audit = state.audit_entry(
        Some(&p),
        None,
        Event {
            action: "deliverable_submitted",
            tenant_id: Some(&service.tenant_id),
            target: None,
            details: json!({"service_id": service.id, "kind": kind, "period": period, "organisation_id": org, "data": data}),
        },
    );
    let version = state
        .store
        .submit_deliverable_version(
            &service.tenant_id,
            &service.id,
            kind.as_str(),
            &period.to_string(),
            org.as_deref(),
            &data,
            &actor(&p),
            &audit,
            state.now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(version)).into_response())
}

/// A reviewer's decision on a version.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionReview {
    pub decision: ReviewDecision,
    #[serde(default)]
    pub comment: Option<String>,
}

/// `POST /services/{id}/deliverables/{kind}/{period}/versions/{version}/review`
/// (tenant staff): accept or return the latest version.
pub async fn review_version(
    State(state): State<AppState>,
    p: Principal,
    Path((id, kind, period, number)): Path<(String, String, String, String)>,
    ApiJson(req): ApiJson<VersionReview>,
) -> Result<Json<DeliverableVersion>, ApiError> {
    let (service, access) = service_access(&state, &p, &id).await?;
    access.require_manage()?;
    let (kind, period) = kind_and_period(&kind, &period)?;
    let number: i64 = number.parse().map_err(|_| ApiError::not_found())?;
    let stored = state
        .store
        .deliverable_of(&service.id, kind.as_str(), &period.to_string())
        .await?
        .ok_or_else(ApiError::not_found)?;
    state
        .store
        .deliverable_version(&stored.id, number)
        .await?
        .ok_or_else(ApiError::not_found)?;
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
    if comment.is_some_and(|c| c.chars().count() > 2000) {
        return Err(ApiError::bad_request(
            "invalid_field",
            "comment は 2000 文字以内で入力してください",
        )
        .with_field("comment"));
    }
    let accept = req.decision == ReviewDecision::Accept;
    let audit = state.audit_entry(
        Some(&p),
        None,
        Event {
            action: "deliverable_reviewed",
            tenant_id: Some(&service.tenant_id),
            target: Some(format!("deliverable:{}", stored.id)),
            details: json!({"service_id": service.id, "kind": kind, "period": period, "version": number,
                            "decision": if accept { "accepted" } else { "returned" }, "comment": comment}),
        },
    );
    state
        .store
        .review_deliverable_version(
            &stored.id,
            number,
            accept,
            comment,
            &actor(&p),
            &audit,
            state.now(),
        )
        .await?
        .map(Json)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::CONFLICT,
                "not_reviewable",
                "確認できるのは最新の版で、提出済み（submitted）か受理済み（accepted）のものだけです",
            )
        })
}

// ---------------------------------------------------------------------------
// SLA settings

/// `GET /services/{id}/sla-settings`: the stored settings or the defaults.
pub async fn get_settings(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<SlaSettings>, ApiError> {
    let (service, _) = service_access(&state, &p, &id).await?;
    Ok(Json(decode_settings(
        state.store.sla_settings(&service.id).await?,
    )?))
}

/// `PUT /services/{id}/sla-settings` (tenant staff): replaces the whole
/// settings document; what is left out takes its default.
pub async fn put_settings(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    ApiJson(settings): ApiJson<SlaSettings>,
) -> Result<Json<SlaSettings>, ApiError> {
    let (service, access) = service_access(&state, &p, &id).await?;
    access.require_manage()?;
    settings.validate().map_err(field_error)?;
    let doc = serde_json::to_value(&settings).map_err(ApiError::internal)?;
    let audit = state.audit_entry(
        Some(&p),
        None,
        Event {
            action: "sla_settings_updated",
            tenant_id: Some(&service.tenant_id),
            target: Some(format!("service:{}", service.id)),
            details: json!({"settings": doc}),
        },
    );
    state
        .store
        .put_sla_settings(
            &service.tenant_id,
            &service.id,
            &doc,
            &actor(&p),
            &audit,
            state.now(),
        )
        .await?;
    Ok(Json(settings))
}

//! Availability monitoring over HTTP (`/api/v1/services/{id}/monitoring`):
//! a service's optional HTTP(S) probe — URL, interval, expected status,
//! timeout and the failures in a row that open an outage — and the last
//! state of its probes. The probing itself is [`crate::monitor`].
//!
//! Access follows the oversight routes
//! ([`crate::routes::oversight::service_access`]): tenant staff read and
//! write, viewers and vendor users of the service's organisations read
//! (writes are 403); anyone else gets 404. Every change is audit-logged
//! in the transaction that makes it (`monitoring_updated`,
//! `monitoring_deleted`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kijun_core::oversight::monitoring::{MAX_INTERVAL_SECONDS, MonitorSettings};
use kijun_store::monitoring::Monitor;
use serde_json::{Value, json};

use crate::audit_log::Event;
use crate::error::{ApiError, ApiJson};
use crate::monitor::Prober;
use crate::notify::webhook;
use crate::principal::Principal;
use crate::routes::oversight::{OversightAccess, service_access};
use crate::state::AppState;

/// The monitor as the API shows it.
fn view(m: &Monitor) -> Value {
    json!({
        "service_id": m.service_id,
        "settings": m.settings,
        "state": m.state,
        "next_probe_at": m.next_probe_at,
        "created_at": m.created_at,
        "updated_at": m.updated_at,
    })
}

fn require_manage(access: &OversightAccess) -> Result<(), ApiError> {
    match access {
        OversightAccess::Manage => Ok(()),
        _ => Err(ApiError::forbidden()),
    }
}

/// `GET /services/{id}/monitoring`: the settings and last state; 404 if
/// the service has no monitor.
pub async fn get(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (service, _) = service_access(&state, &p, &id).await?;
    let m = state
        .store
        .monitor(&service.id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(view(&m)))
}

/// `PUT /services/{id}/monitoring` (tenant staff): sets the probe (the
/// last state is kept); the first probe is due at once.
pub async fn put(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    ApiJson(mut settings): ApiJson<MonitorSettings>,
) -> Result<Json<Value>, ApiError> {
    let (service, access) = service_access(&state, &p, &id).await?;
    require_manage(&access)?;
    settings.url = settings.url.trim().to_owned();
    let min = state
        .config
        .monitoring_min_interval_seconds
        .clamp(1, MAX_INTERVAL_SECONDS);
    settings
        .validate(min)
        .map_err(|e| ApiError::bad_request("invalid_field", e.message).with_field(e.field))?;
    webhook::parse_url(
        &settings.url,
        Prober::rules(state.config.monitoring_allow_private_addresses),
    )
    .map_err(|m| ApiError::bad_request("invalid_field", m).with_field("url"))?;
    let doc = serde_json::to_value(&settings).map_err(ApiError::internal)?;
    let audit = state.audit_entry(
        Some(&p),
        None,
        Event {
            action: "monitoring_updated",
            tenant_id: Some(&service.tenant_id),
            target: Some(format!("service:{}", service.id)),
            details: json!({"settings": doc}),
        },
    );
    let now = state.now();
    let m = state
        .store
        .put_monitor(&service.tenant_id, &service.id, &doc, now, &audit, now)
        .await?;
    Ok(Json(view(&m)))
}

/// `DELETE /services/{id}/monitoring` (tenant staff): stops probing; an
/// outage it opened stays as recorded. 404 if there was no monitor.
pub async fn delete(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (service, access) = service_access(&state, &p, &id).await?;
    require_manage(&access)?;
    let audit = state.audit_entry(
        Some(&p),
        None,
        Event {
            action: "monitoring_deleted",
            tenant_id: Some(&service.tenant_id),
            target: Some(format!("service:{}", service.id)),
            details: json!({}),
        },
    );
    if state
        .store
        .delete_monitor(&service.id, &audit, state.now())
        .await?
    {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ApiError::not_found())
    }
}

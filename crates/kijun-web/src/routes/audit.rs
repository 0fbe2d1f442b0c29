//! Reading and exporting the audit log (JSON, JSON lines, CSV) for a tenant
//! and a time range. System administrators read any chain; tenant
//! administrators read their own tenant's. Every export is itself logged.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use kijun_store::{AuditEntry, AuditFilter, Role};
use serde::Deserialize;
use serde_json::json;

use crate::audit_log::Event;
use crate::error::{ApiError, ApiQuery};
use crate::principal::Principal;
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    tenant_id: Option<String>,
    from: Option<String>,
    until: Option<String>,
    format: Option<String>,
    limit: Option<i64>,
}

fn parse_time(value: &Option<String>, field: &'static str) -> Result<Option<Timestamp>, ApiError> {
    value
        .as_deref()
        .map(|v| {
            v.parse::<Timestamp>().map_err(|_| {
                ApiError::bad_request(
                    "invalid_field",
                    "日時は ISO 8601 (例: 2026-05-01T00:00:00Z) で指定してください",
                )
                .with_field(field)
            })
        })
        .transpose()
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// CSV with a Japanese header row (UTF-8 with BOM, so Excel opens it).
pub fn to_csv(entries: &[AuditEntry]) -> String {
    let mut out = String::from(
        "\u{feff}連番,日時(UTC),テナント,操作者ID,操作者,操作,対象,接続元,詳細,前ハッシュ,ハッシュ\r\n",
    );
    for e in entries {
        let row = [
            e.seq.to_string(),
            e.at.to_string(),
            e.tenant_id.clone().unwrap_or_default(),
            e.actor_id.clone().unwrap_or_default(),
            e.actor_name.clone().unwrap_or_default(),
            e.action.clone(),
            e.target.clone().unwrap_or_default(),
            e.source_addr.clone().unwrap_or_default(),
            e.details.clone(),
            e.prev_hash.clone(),
            e.hash.clone(),
        ];
        let fields: Vec<String> = row.iter().map(|f| csv_field(f)).collect();
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
}

pub async fn list(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Response, ApiError> {
    let tenant_id = match (p.role, &q.tenant_id) {
        (Role::SystemAdmin, t) => t.clone(),
        (Role::TenantAdmin, None) => p.tenant_id.clone(),
        (Role::TenantAdmin, Some(t)) if p.tenant_id.as_deref() == Some(t) => Some(t.clone()),
        (Role::TenantAdmin, Some(_)) => return Err(ApiError::not_found()),
        _ => return Err(ApiError::forbidden()),
    };
    let filter = AuditFilter {
        tenant_id: tenant_id.clone(),
        from: parse_time(&q.from, "from")?,
        until: parse_time(&q.until, "until")?,
        limit: q.limit.map(|l| l.clamp(1, 100_000)),
    };
    let entries = state.store.audit_entries(&filter).await?;
    let format = q.format.as_deref().unwrap_or("json");
    if !matches!(format, "json" | "jsonl" | "csv") {
        return Err(ApiError::bad_request(
            "invalid_field",
            "format は json / jsonl / csv のいずれかです",
        )
        .with_field("format"));
    }
    state
        .audit(Some(&p), None, Event {
            action: "audit_exported",
            tenant_id: tenant_id.as_deref(),
            target: None,
            details: json!({"format": format, "from": q.from, "until": q.until, "entries": entries.len()}),
        })
        .await?;
    Ok(match format {
        "csv" => (
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            to_csv(&entries),
        )
            .into_response(),
        "jsonl" => {
            let mut out = String::new();
            for e in &entries {
                out.push_str(&serde_json::to_string(e).map_err(ApiError::internal)?);
                out.push('\n');
            }
            ([(header::CONTENT_TYPE, "application/x-ndjson")], out).into_response()
        }
        _ => Json(entries).into_response(),
    })
}

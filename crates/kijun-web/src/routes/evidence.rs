//! Evidence files (証跡) of an assessment over HTTP: upload (raw body; the
//! `Content-Type` header declares the type, checked against the content),
//! list and download. Files are encrypted at rest per tenant
//! (`kijun_store::evidence`); every download is audit-logged with the
//! file's SHA-256. A vendor sees only its own party's files.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kijun_store::evidence::{EvidenceError, EvidenceRecord};
use serde::Deserialize;
use serde_json::json;

use crate::audit_log::Event;
use crate::error::{ApiError, ApiQuery};
use crate::principal::Principal;
use crate::routes::assessments::{Access, assessment_access};
use crate::state::AppState;

fn evidence_error(e: EvidenceError) -> ApiError {
    match e {
        EvidenceError::Empty
        | EvidenceError::NotAllowed { .. }
        | EvidenceError::ContentType { .. } => {
            ApiError::bad_request("invalid_evidence", e.to_string())
        }
        EvidenceError::TooLarge { .. } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            e.to_string(),
        ),
        EvidenceError::MasterKeyMismatch { .. } => {
            crate::log::error(&e.to_string());
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "master_key_mismatch",
                "証跡ファイルを復号できません。サーバーのマスター鍵の設定を管理者に確認してください",
            )
        }
        EvidenceError::Tampered { .. } => {
            crate::log::error(&e.to_string());
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "evidence_tampered",
                "証跡ファイルが改ざんされているため提供できません",
            )
        }
        other => ApiError::internal(other),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    pub filename: String,
}

/// Uploads one file to assessment `id`.
pub async fn upload(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<UploadQuery>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, ApiError> {
    let (a, access) = assessment_access(&state, &p, &id).await?;
    let body = body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!(
                    "ファイルが大きすぎます（上限 {} バイト）",
                    state.config.max_evidence_bytes
                ),
            )
        } else {
            ApiError::bad_request("bad_request", "ファイルを受け取れませんでした")
        }
    })?;
    if a.status != "open" {
        return Err(ApiError::conflict("判定済みの審査には証跡を追加できません"));
    }
    let party = match access {
        Access::Vendor(party) => Some(party.as_str()),
        Access::Manage => None,
        Access::Read => return Err(ApiError::forbidden()),
    };
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or(v).trim().to_owned())
        .unwrap_or_default();
    let max = u64::try_from(state.config.max_evidence_bytes).unwrap_or(u64::MAX);
    let record = state
        .store
        .put_evidence(
            &state.vault,
            state.blobs.as_ref(),
            &a.tenant_id,
            &p.user.id,
            &q.filename,
            &declared,
            &body,
            max,
            state.now(),
        )
        .await
        .map_err(evidence_error)?;
    state
        .store
        .attach_evidence(&a.id, &record.id, party)
        .await?;
    state
        .audit(Some(&p), None, Event {
            action: "evidence_uploaded",
            tenant_id: Some(&a.tenant_id),
            target: Some(format!("evidence:{}", record.id)),
            details: json!({"assessment": a.id, "filename": record.filename, "sha256": record.sha256, "size": record.size}),
        })
        .await?;
    Ok((StatusCode::CREATED, Json(record)).into_response())
}

/// The evidence of assessment `id` the principal may see.
pub async fn list(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<Vec<EvidenceRecord>>, ApiError> {
    let (a, access) = assessment_access(&state, &p, &id).await?;
    let mut out = Vec::new();
    for (evidence_id, party) in state.store.assessment_evidence(&a.id).await? {
        if visible(access, party.as_deref())
            && let Some(r) = state.store.evidence(&evidence_id).await?
        {
            out.push(r);
        }
    }
    Ok(Json(out))
}

fn visible(access: Access, party: Option<&str>) -> bool {
    match access {
        Access::Manage | Access::Read => true,
        Access::Vendor(own) => party == Some(own.as_str()),
    }
}

/// Downloads one file (decrypted, its SHA-256 checked); audit-logged.
pub async fn download(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (assessment_id, party) = state
        .store
        .evidence_link(&id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let (a, access) = assessment_access(&state, &p, &assessment_id).await?;
    if !visible(access, party.as_deref()) {
        return Err(ApiError::not_found());
    }
    let record = state
        .store
        .evidence(&id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let bytes = state
        .store
        .read_evidence(&state.vault, state.blobs.as_ref(), &record)
        .await
        .map_err(evidence_error)?;
    state
        .audit(Some(&p), None, Event {
            action: "evidence_downloaded",
            tenant_id: Some(&a.tenant_id),
            target: Some(format!("evidence:{}", record.id)),
            details: json!({"assessment": a.id, "filename": record.filename, "sha256": record.sha256}),
        })
        .await?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&record.content_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    let encoded: String = record
        .filename
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename*=UTF-8''{encoded}")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = HeaderValue::from_str(&record.sha256) {
        headers.insert("x-content-sha256", v);
    }
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}

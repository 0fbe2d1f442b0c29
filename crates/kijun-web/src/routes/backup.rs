//! Backups through the API: `POST /api/v1/admin/backups` takes an online,
//! encrypted backup of the database and evidence blobs into the data
//! directory's `backups/`, and `GET` lists them. Only system
//! administrators may (seed 001: backup operations are restricted to
//! designated persons); every run is audit-logged. Verification and
//! restore are host operations (`kijun backup verify|restore`), since a
//! restore replaces the running instance's data.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kijun_store::backup::BackupError;
use serde::Serialize;
use serde_json::json;

use crate::audit_log::Event;
use crate::error::ApiError;
use crate::principal::Principal;
use crate::state::AppState;

/// A backup file as listed.
#[derive(Debug, Serialize)]
pub struct BackupFile {
    pub name: String,
    pub size: u64,
    /// When the file was last written (UTC, ISO 8601).
    pub modified_at: Option<String>,
}

fn backup_dir(state: &AppState) -> std::path::PathBuf {
    state.config.data_dir.join("backups")
}

fn from_backup_error(e: BackupError) -> ApiError {
    match e {
        BackupError::Postgres => ApiError::new(
            StatusCode::CONFLICT,
            "backup_unsupported",
            BackupError::Postgres.to_string(),
        ),
        other => ApiError::internal(other),
    }
}

/// Takes a backup now.
pub async fn create(State(state): State<AppState>, p: Principal) -> Result<Response, ApiError> {
    if !p.is_system_admin() {
        return Err(ApiError::forbidden());
    }
    let now = state.now();
    let name = format!("kijun-{}.kjbk", now.strftime("%Y%m%dT%H%M%S%.6fZ"));
    let path = backup_dir(&state).join(&name);
    let summary = state
        .store
        .create_backup(
            &state.config.data_dir.join("blobs"),
            &path,
            &state.backup_key,
            now,
        )
        .await
        .map_err(from_backup_error)?;
    state
        .audit(
            Some(&p),
            None,
            Event {
                action: "backup_created",
                tenant_id: None,
                target: Some(format!("backup:{name}")),
                details: json!({"file": name, "size": summary.size, "sha256": summary.sha256,
                                "blobs": summary.blobs, "database_bytes": summary.database_bytes}),
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "name": name,
            "size": summary.size,
            "sha256": summary.sha256,
            "blobs": summary.blobs,
            "database_bytes": summary.database_bytes,
            "created_at": summary.created_at,
        })),
    )
        .into_response())
}

/// The backup files in the data directory, newest first.
pub async fn list(
    State(state): State<AppState>,
    p: Principal,
) -> Result<Json<Vec<BackupFile>>, ApiError> {
    if !p.is_system_admin() {
        return Err(ApiError::forbidden());
    }
    let dir = backup_dir(&state);
    let mut files = tokio::task::spawn_blocking(move || {
        let mut files = Vec::new();
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if !name.ends_with(".kjbk") {
                    continue;
                }
                let meta = e.metadata().ok();
                files.push(BackupFile {
                    name,
                    size: meta.as_ref().map_or(0, std::fs::Metadata::len),
                    modified_at: meta
                        .and_then(|m| m.modified().ok())
                        .and_then(|t| jiff::Timestamp::try_from(t).ok())
                        .map(|t| t.to_string()),
                });
            }
        }
        files
    })
    .await
    .map_err(ApiError::internal)?;
    files.sort_by(|a, b| b.name.cmp(&a.name));
    Ok(Json(files))
}

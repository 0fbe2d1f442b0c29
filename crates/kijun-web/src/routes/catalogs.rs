//! The criteria catalogs the server knows (read-only for every signed-in
//! user; vendors see the requirements they are asked to answer).

use axum::Json;
use axum::extract::{Path, State};
use kijun_core::Catalog;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::principal::Principal;
use crate::state::AppState;

pub async fn list(State(state): State<AppState>, _p: Principal) -> Json<Vec<Value>> {
    Json(
        state
            .catalogs
            .iter()
            .map(|c| {
                json!({
                    "id": c.id,
                    "title": c.title,
                    "issuer": c.issuer,
                    "version": c.version,
                    "source": c.source,
                    "requirement_count": c.requirements.len(),
                })
            })
            .collect(),
    )
}

pub async fn show(
    State(state): State<AppState>,
    _p: Principal,
    Path(id): Path<String>,
) -> Result<Json<Catalog>, ApiError> {
    state
        .catalogs
        .get(&id)
        .cloned()
        .map(Json)
        .ok_or_else(ApiError::not_found)
}

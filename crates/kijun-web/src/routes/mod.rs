//! HTTP routes: probes and metrics, authentication, administration, audit.

pub mod admin;
pub mod assessments;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod catalogs;
pub mod dashboard;
pub mod evidence;
pub mod exchange;
pub mod health;
pub mod library;
pub mod monitoring;
pub mod monthly;
pub mod notify;
pub mod oversight;
pub mod reports;
pub mod termination;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::principal::source_addr;

/// The client's address as recorded by the server (for anonymous requests).
pub struct ClientAddr(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(source_addr(parts)))
    }
}

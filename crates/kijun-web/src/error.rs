//! The one error shape of the JSON API — `{"error": {"code", "message",
//! "field"?}}` with a 4xx/5xx status — and the JSON body extractor that turns
//! every malformed request (bad JSON, unknown or missing fields, wrong
//! content type, oversized body) into that shape instead of a panic or 500.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// An API error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    /// Stable machine-readable code (documented in the OpenAPI document).
    pub code: &'static str,
    /// Japanese message for people.
    pub message: String,
    /// The request field at fault, if one is.
    pub field: Option<String>,
    /// Seconds to wait, for 429.
    pub retry_after: Option<i64>,
    /// Every problem of an uploaded file (e.g. a checklist), each with where
    /// it is; all of them at once.
    pub problems: Vec<Problem>,
}

/// One problem in an uploaded file: where (sheet, row as the spreadsheet
/// numbers it, column letter and heading), the value found, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heading: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    pub message: String,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    #[serde(skip_serializing_if = "<[Problem]>::is_empty")]
    problems: &'a [Problem],
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
            retry_after: None,
            problems: Vec::new(),
        }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> ApiError {
        self.field = Some(field.into());
        self
    }

    pub fn with_problems(mut self, problems: Vec<Problem>) -> ApiError {
        self.problems = problems;
        self
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// The object does not exist *or belongs to another tenant*: the two are
    /// indistinguishable by design.
    pub fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "対象が見つかりません")
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "ログインが必要です",
        )
    }

    pub fn forbidden() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "この操作を行う権限がありません",
        )
    }

    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, "conflict", message)
    }

    /// An unexpected server-side failure. The detail goes to the log, never
    /// to the client.
    pub fn internal(detail: impl std::fmt::Display) -> ApiError {
        crate::log::error(&format!("internal error: {detail}"));
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "サーバー内部でエラーが発生しました。時間をおいて再度お試しください",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            error: Inner {
                code: self.code,
                message: &self.message,
                field: self.field.as_deref(),
                problems: &self.problems,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.max(1).to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}

impl From<kijun_store::StoreError> for ApiError {
    fn from(e: kijun_store::StoreError) -> Self {
        match e {
            kijun_store::StoreError::Conflict(what) => {
                ApiError::conflict(format!("{what} は既に存在します"))
            }
            other => ApiError::internal(other),
        }
    }
}

impl From<crate::crypto::CryptoError> for ApiError {
    fn from(e: crate::crypto::CryptoError) -> Self {
        ApiError::internal(e)
    }
}

impl From<kijun_core::auth::AuthError> for ApiError {
    fn from(e: kijun_core::auth::AuthError) -> Self {
        ApiError::internal(e)
    }
}

/// A JSON request body: `application/json`, at most the configured size,
/// unknown fields refused (request types use `deny_unknown_fields`).
pub struct ApiJson<T>(pub T);

fn backticked(message: &str, after: &str) -> Option<String> {
    let rest = &message[message.find(after)? + after.len()..];
    let start = rest.find('`')? + 1;
    let end = start + rest[start..].find('`')?;
    Some(rest[start..end].to_owned())
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(';')
                    .next()
                    .is_some_and(|m| m.trim() == "application/json")
            });
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Content-Type: application/json で送ってください",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    "リクエストが大きすぎます",
                )
            } else {
                ApiError::bad_request("bad_request", "リクエスト本文を読み取れません")
            }
        })?;
        serde_json::from_slice(&bytes).map(ApiJson).map_err(|e| {
            let msg = e.to_string();
            let field =
                backticked(&msg, "unknown field").or_else(|| backticked(&msg, "missing field"));
            let (code, message) = match e.classify() {
                serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                    ("invalid_json", "JSON の形式が正しくありません".to_owned())
                }
                _ if msg.starts_with("unknown field") => (
                    "unknown_field",
                    format!(
                        "不明な項目 `{}` があります",
                        field.as_deref().unwrap_or("?")
                    ),
                ),
                _ if msg.starts_with("missing field") => (
                    "missing_field",
                    format!(
                        "必須の項目 `{}` がありません",
                        field.as_deref().unwrap_or("?")
                    ),
                ),
                _ => (
                    "invalid_field",
                    format!("項目の値が正しくありません: {msg}"),
                ),
            };
            let err = ApiError::bad_request(code, message);
            match field {
                Some(f) => err.with_field(f),
                None => err,
            }
        })
    }
}

/// A query string: unknown parameters and ill-typed values are refused with
/// the API error body (`invalid_field`), like a JSON body's.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> axum::extract::FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        serde_urlencoded_compat(query).map(ApiQuery).map_err(|msg| {
            let field =
                backticked(&msg, "unknown field").or_else(|| backticked(&msg, "missing field"));
            let err = ApiError::bad_request(
                "invalid_field",
                format!("クエリ文字列が正しくありません: {msg}"),
            );
            match field {
                Some(f) => err.with_field(f),
                None => err,
            }
        })
    }
}

/// Parses a query string through axum's own `Query` machinery.
fn serde_urlencoded_compat<T: DeserializeOwned>(query: &str) -> Result<T, String> {
    let uri: axum::http::Uri = format!("/?{query}")
        .parse()
        .map_err(|e: axum::http::uri::InvalidUri| e.to_string())?;
    axum::extract::Query::<T>::try_from_uri(&uri)
        .map(|q| q.0)
        .map_err(|e| e.body_text())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_are_extracted_from_serde_messages() {
        assert_eq!(
            backticked(
                "unknown field `colour`, expected one of `a`",
                "unknown field"
            ),
            Some("colour".to_owned())
        );
        assert_eq!(
            backticked("missing field `name` at line 1", "missing field"),
            Some("name".to_owned())
        );
        assert_eq!(backticked("invalid type", "missing field"), None);
    }
}

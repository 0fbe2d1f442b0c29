//! Who is asking: the request's [`Principal`], authenticated by a session
//! cookie or an API token, checked on every request — suspension, session
//! timeouts, MFA, forced password change and CSRF — before any handler runs.
//! Handlers take a [`Principal`] (fully signed in) or a [`PendingLogin`]
//! (password accepted, second factor still due) as an argument, so an
//! unauthenticated handler cannot be written by accident.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use jiff::Timestamp;
use kijun_store::{Role, User};

use crate::crypto::digest;
use crate::error::ApiError;
use crate::state::AppState;

/// The session cookie's name (with the `__Host-` prefix when Secure).
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-kijun_session"
    } else {
        "kijun_session"
    }
}

/// The `Set-Cookie` value for a new session id.
pub fn session_cookie(id: &str, secure: bool) -> String {
    let secure_attr = if secure { "; Secure" } else { "" };
    format!(
        "{}={id}; Path=/; HttpOnly; SameSite=Strict{secure_attr}",
        cookie_name(secure)
    )
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(secure: bool) -> String {
    let secure_attr = if secure { "; Secure" } else { "" };
    format!(
        "{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure_attr}",
        cookie_name(secure)
    )
}

fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The client's address, if the server recorded it.
pub fn source_addr(parts: &Parts) -> Option<String> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
}

/// How the principal authenticated.
#[derive(Debug, Clone)]
pub enum Via {
    Session {
        id_hash: String,
        csrf_token: String,
        mfa_verified: bool,
    },
    Token {
        id: String,
    },
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: User,
    /// The effective role (an API token may carry less than its user).
    pub role: Role,
    /// The effective tenant (`None` for system administrators and vendors).
    pub tenant_id: Option<String>,
    pub via: Via,
    pub source_addr: Option<String>,
    /// The password must be changed before anything else.
    pub password_change_required: bool,
}

impl Principal {
    /// The user's display name for the audit log.
    pub fn actor(&self) -> (Option<String>, Option<String>) {
        (
            Some(self.user.id.clone()),
            Some(self.user.display_name.clone()),
        )
    }

    pub fn is_system_admin(&self) -> bool {
        self.role == Role::SystemAdmin
    }

    /// Whether the principal may see objects of `tenant_id`. Callers answer
    /// "not found" when it may not, so another tenant's objects are
    /// indistinguishable from objects that do not exist.
    pub fn sees_tenant(&self, tenant_id: &str) -> bool {
        self.is_system_admin() || self.tenant_id.as_deref() == Some(tenant_id)
    }

    /// Whether the principal administers users of `tenant_id`.
    pub fn administers(&self, tenant_id: &str) -> bool {
        self.is_system_admin()
            || (self.role == Role::TenantAdmin && self.tenant_id.as_deref() == Some(tenant_id))
    }
}

/// A session whose password step passed, whatever the MFA state: only the
/// MFA, enrolment and logout endpoints take this.
pub struct PendingLogin(pub Principal);

const CSRF_HEADER: &str = "x-csrf-token";

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Authenticates the request. `header_csrf`: check the `X-CSRF-Token`
/// header on unsafe methods (the JSON API); the HTML forms check their
/// hidden field instead (see `ui::UiForm`).
pub async fn authenticate(
    parts: &Parts,
    state: &AppState,
    header_csrf: bool,
) -> Result<Principal, ApiError> {
    let now = state.now();
    let addr = source_addr(parts);
    if let Some(auth) = parts.headers.get(header::AUTHORIZATION) {
        let token = auth
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(ApiError::unauthorized)?;
        return authenticate_token(state, token.trim(), now, addr).await;
    }
    let secure = state.config.cookies_secure();
    let id = cookie(parts, cookie_name(secure)).ok_or_else(ApiError::unauthorized)?;
    let id_hash = digest(id);
    // One query: the session, its user and the tenant's settings.
    let Some(found) = state.store.session_with_user(&id_hash).await? else {
        return Err(ApiError::unauthorized());
    };
    let (session, user) = (found.session, found.user);
    let expired = now >= session.created_at + state.config.session_absolute_timeout
        || now >= session.last_seen_at + state.config.session_idle_timeout;
    if user.suspended_at.is_some() {
        state.store.delete_session(&id_hash).await?;
        return Err(ApiError::unauthorized());
    }
    if expired {
        state.store.delete_session(&id_hash).await?;
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "session_expired",
            "一定時間操作がなかったため、ログアウトしました。もう一度ログインしてください",
        ));
    }
    // Record activity at most every 30 s (fewer writes), but often enough
    // for short idle timeouts too.
    let touch_every =
        (state.config.session_idle_timeout / 2).min(jiff::SignedDuration::from_secs(30));
    if now.duration_since(session.last_seen_at) >= touch_every {
        state.store.touch_session(&id_hash, now).await?;
    }
    if header_csrf && is_unsafe(&parts.method) {
        let sent = parts
            .headers
            .get(CSRF_HEADER)
            .map(|v| v.as_bytes())
            .unwrap_or_default();
        if !constant_time_eq(sent, session.csrf_token.as_bytes()) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "csrf",
                "不正なリクエストです（CSRF トークンが一致しません）。画面を再読み込みしてください",
            ));
        }
    }
    let settings = crate::state::TenantSettings::from_document(found.tenant_settings)?;
    let mfa_waived = user.mfa_exempt && state.config.closed_network && settings.mfa_exempt_allowed;
    let expired_password = user
        .password_changed_at
        .is_some_and(|at| settings.password_policy.is_expired(at, now));
    Ok(Principal {
        role: user.role,
        tenant_id: user.tenant_id.clone(),
        password_change_required: user.must_change_password || expired_password,
        via: Via::Session {
            id_hash,
            csrf_token: session.csrf_token,
            mfa_verified: session.mfa_verified || mfa_waived,
        },
        user,
        source_addr: addr,
    })
}

async fn authenticate_token(
    state: &AppState,
    token: &str,
    now: Timestamp,
    addr: Option<String>,
) -> Result<Principal, ApiError> {
    let Some(t) = state.store.api_token_by_hash(&digest(token)).await? else {
        return Err(ApiError::unauthorized());
    };
    if t.revoked_at.is_some() || now >= t.expires_at {
        return Err(ApiError::unauthorized());
    }
    let user = state.store.user(&t.user_id).await?;
    let Some(user) = user.filter(|u| u.suspended_at.is_none()) else {
        return Err(ApiError::unauthorized());
    };
    state.store.touch_api_token(&t.id, now).await?;
    Ok(Principal {
        role: t.role,
        tenant_id: t.tenant_id.clone(),
        via: Via::Token { id: t.id },
        user,
        source_addr: addr,
        password_change_required: false,
    })
}

impl FromRequestParts<AppState> for PendingLogin {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let p = authenticate(parts, state, true).await?;
        match p.via {
            Via::Session { .. } => Ok(PendingLogin(p)),
            Via::Token { .. } => Err(ApiError::forbidden()),
        }
    }
}

/// A principal that has passed MFA but may still have to change its
/// password: only the password-change and `me` endpoints take this.
pub struct SignedIn(pub Principal);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let p = authenticate(parts, state, true).await?;
        if let Via::Session {
            mfa_verified: false,
            ..
        } = p.via
        {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "mfa_required",
                "多要素認証（確認コードの入力）が必要です",
            ));
        }
        Ok(SignedIn(p))
    }
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let SignedIn(p) = SignedIn::from_request_parts(parts, state).await?;
        if p.password_change_required {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "password_change_required",
                "パスワードの変更が必要です",
            ));
        }
        Ok(p)
    }
}

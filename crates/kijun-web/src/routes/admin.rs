//! Administration: tenants, users (create, roles, suspension, unlock),
//! tenant security settings, and the caller's API tokens. Every handler
//! checks tenant and role on the server; an object of another tenant
//! answers 404.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::SignedDuration;
use kijun_store::{ApiToken, NewUser, Role, Tenant, User};
use serde::Deserialize;
use serde_json::json;

use crate::audit_log::Event;
use crate::crypto::{digest, random_token};
use crate::error::{ApiError, ApiJson};
use crate::principal::{Principal, Via};
use crate::routes::auth::{UserView, valid_display_name, vet_new_account};
use crate::state::{AppState, TenantSettings};

fn valid_slug(s: &str) -> bool {
    (2..=40).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
}

// -- tenants ----------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTenant {
    pub slug: String,
    pub name: String,
}

pub async fn create_tenant(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(req): ApiJson<NewTenant>,
) -> Result<Response, ApiError> {
    let t = new_tenant(&state, &p, req).await?;
    Ok((StatusCode::CREATED, Json(t)).into_response())
}

/// Creates a tenant (system administrators only; shared with the UI).
pub async fn new_tenant(
    state: &AppState,
    p: &Principal,
    req: NewTenant,
) -> Result<Tenant, ApiError> {
    if !p.is_system_admin() {
        return Err(ApiError::forbidden());
    }
    if !valid_slug(&req.slug) {
        return Err(ApiError::bad_request(
            "invalid_field",
            "slug は英小文字・数字・- の2〜40文字で指定してください",
        )
        .with_field("slug"));
    }
    if !valid_display_name(&req.name) {
        return Err(
            ApiError::bad_request("invalid_field", "名称は1〜100文字で指定してください")
                .with_field("name"),
        );
    }
    let t = state
        .store
        .create_tenant(&req.slug, req.name.trim(), state.now())
        .await?;
    state
        .audit(
            Some(p),
            None,
            Event {
                action: "tenant_created",
                tenant_id: None,
                target: Some(format!("tenant:{}", t.id)),
                details: json!({"slug": t.slug, "name": t.name}),
            },
        )
        .await?;
    Ok(t)
}

pub async fn list_tenants(
    State(state): State<AppState>,
    p: Principal,
) -> Result<Json<Vec<Tenant>>, ApiError> {
    let all = state.store.tenants().await?;
    Ok(Json(
        all.into_iter().filter(|t| p.sees_tenant(&t.id)).collect(),
    ))
}

async fn visible_tenant(state: &AppState, p: &Principal, id: &str) -> Result<Tenant, ApiError> {
    if !p.sees_tenant(id) {
        return Err(ApiError::not_found());
    }
    state
        .store
        .tenant(id)
        .await?
        .ok_or_else(ApiError::not_found)
}

pub async fn get_tenant(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<Tenant>, ApiError> {
    Ok(Json(visible_tenant(&state, &p, &id).await?))
}

pub async fn get_settings(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<TenantSettings>, ApiError> {
    let t = visible_tenant(&state, &p, &id).await?;
    if !p.administers(&t.id) {
        return Err(ApiError::forbidden());
    }
    Ok(Json(state.tenant_settings(Some(&t.id)).await?))
}

pub async fn put_settings(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    ApiJson(settings): ApiJson<TenantSettings>,
) -> Result<Json<TenantSettings>, ApiError> {
    let t = visible_tenant(&state, &p, &id).await?;
    if !p.administers(&t.id) {
        return Err(ApiError::forbidden());
    }
    if settings.mfa_exempt_allowed && !state.config.closed_network {
        return Err(ApiError::bad_request(
            "mfa_exemption_not_allowed",
            "多要素認証の免除は、閉域網での運用を宣言したサーバー (closed_network = true) でのみ設定できます",
        )
        .with_field("mfa_exempt_allowed"));
    }
    if !(1..=120).contains(&settings.reassessment_months) {
        return Err(ApiError::bad_request(
            "invalid_field",
            "再審査の周期は1〜120か月で指定してください",
        )
        .with_field("reassessment_months"));
    }
    if settings.password_policy.min_length < 8 {
        return Err(ApiError::bad_request(
            "invalid_field",
            "パスワードの最小文字数は8以上にしてください",
        )
        .with_field("password_policy.min_length"));
    }
    let value = serde_json::to_value(&settings).map_err(ApiError::internal)?;
    state.store.set_tenant_settings(&t.id, &value).await?;
    state
        .audit(
            Some(&p),
            None,
            Event {
                action: "tenant_settings_changed",
                tenant_id: Some(&t.id),
                target: Some(format!("tenant:{}", t.id)),
                details: value,
            },
        )
        .await?;
    Ok(Json(settings))
}

// -- users ----------------------------------------------------------------------

pub async fn list_users(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<Vec<UserView>>, ApiError> {
    let t = visible_tenant(&state, &p, &id).await?;
    if !(p.administers(&t.id) || p.role == Role::Reviewer) {
        return Err(ApiError::forbidden());
    }
    let now = state.now();
    let users = state.store.users_in_tenant(&t.id).await?;
    Ok(Json(users.iter().map(|u| UserView::of(u, now)).collect()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTenantUser {
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub role: Role,
    pub initial_password: String,
}

pub async fn create_user(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<NewTenantUser>,
) -> Result<Response, ApiError> {
    let user = new_tenant_user(&state, &p, &id, req).await?;
    Ok((StatusCode::CREATED, Json(UserView::of(&user, state.now()))).into_response())
}

/// Creates a user of tenant `id` (its administrators; shared with the UI).
pub async fn new_tenant_user(
    state: &AppState,
    p: &Principal,
    id: &str,
    req: NewTenantUser,
) -> Result<User, ApiError> {
    let t = visible_tenant(state, p, id).await?;
    if !p.administers(&t.id) {
        return Err(ApiError::forbidden());
    }
    if !matches!(req.role, Role::TenantAdmin | Role::Reviewer | Role::Viewer) {
        return Err(ApiError::bad_request(
            "invalid_field",
            "テナントの利用者の役割は tenant_admin / reviewer / viewer のいずれかです",
        )
        .with_field("role"));
    }
    let settings = state.tenant_settings(Some(&t.id)).await?;
    let hash = vet_new_account(
        state,
        &settings.password_policy,
        &req.username,
        &req.display_name,
        &req.initial_password,
        "initial_password",
    )
    .await?;
    let now = state.now();
    let user = state
        .store
        .create_user(
            &NewUser {
                tenant_id: Some(t.id.clone()),
                organisation_id: None,
                username: req.username,
                display_name: req.display_name.trim().to_owned(),
                email: req.email,
                role: req.role,
                password_hash: Some(hash),
                must_change_password: true,
            },
            now,
        )
        .await?;
    state
        .audit(
            Some(p),
            None,
            Event {
                action: "user_created",
                tenant_id: Some(&t.id),
                target: Some(format!("user:{}", user.id)),
                details: json!({"username": user.username, "role": user.role}),
            },
        )
        .await?;
    Ok(user)
}

/// The user `id` if the principal may see it: itself, or a user of a
/// tenant it administers; system administrators see everyone.
async fn visible_user(state: &AppState, p: &Principal, id: &str) -> Result<User, ApiError> {
    let user = state
        .store
        .user(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let visible = p.is_system_admin()
        || user.id == p.user.id
        || user.tenant_id.as_deref().is_some_and(|t| p.administers(t));
    if visible {
        Ok(user)
    } else {
        Err(ApiError::not_found())
    }
}

/// The user `id` if the principal administers it (and it is not itself).
async fn managed_user(state: &AppState, p: &Principal, id: &str) -> Result<User, ApiError> {
    let user = visible_user(state, p, id).await?;
    let manages =
        p.is_system_admin() || user.tenant_id.as_deref().is_some_and(|t| p.administers(t));
    if !manages {
        return Err(ApiError::forbidden());
    }
    if user.id == p.user.id {
        return Err(ApiError::bad_request(
            "self",
            "自分自身に対してこの操作はできません",
        ));
    }
    Ok(user)
}

pub async fn get_user(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<UserView>, ApiError> {
    let user = visible_user(&state, &p, &id).await?;
    Ok(Json(UserView::of(&user, state.now())))
}

async fn user_event(
    state: &AppState,
    p: &Principal,
    user: &User,
    action: &str,
    details: serde_json::Value,
) -> Result<(), ApiError> {
    state
        .audit(
            Some(p),
            None,
            Event {
                action,
                tenant_id: user.tenant_id.as_deref(),
                target: Some(format!("user:{}", user.id)),
                details,
            },
        )
        .await
}

/// What an administrator can do to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountAction {
    Suspend,
    Reactivate,
    Unlock,
    /// Account disposal (アカウントの廃棄): credentials, MFA secret and
    /// tokens removed, the row kept for the audit trail.
    Dispose,
}

/// Applies `action` to user `id` (shared by the API and the UI).
pub async fn account_action(
    state: &AppState,
    p: &Principal,
    id: &str,
    action: AccountAction,
) -> Result<User, ApiError> {
    let user = managed_user(state, p, id).await?;
    let (event, ()) = match action {
        AccountAction::Suspend => (
            "user_suspended",
            state
                .store
                .set_suspended(&user.id, Some(state.now()))
                .await?,
        ),
        AccountAction::Reactivate => (
            "user_reactivated",
            state.store.set_suspended(&user.id, None).await?,
        ),
        AccountAction::Unlock => (
            "user_unlocked",
            state.store.set_login_state(&user.id, 0, None).await?,
        ),
        AccountAction::Dispose => {
            if !state.store.dispose_user(&user.id, state.now()).await? {
                return Err(ApiError::not_found());
            }
            user_event(
                state,
                p,
                &user,
                "user_disposed",
                json!({"username": user.username, "display_name": user.display_name,
                       "removed": ["password", "password_history", "totp_secret", "recovery_codes",
                                   "sessions", "api_tokens", "email"]}),
            )
            .await?;
            // The account is gone from every listing; answer with what it was.
            return Ok(user);
        }
    };
    user_event(state, p, &user, event, json!({"username": user.username})).await?;
    state.store.user(id).await?.ok_or_else(ApiError::not_found)
}

/// Suspends an account at once: its sessions end and its API tokens are
/// revoked in the same transaction.
pub async fn suspend_user(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<UserView>, ApiError> {
    let user = account_action(&state, &p, &id, AccountAction::Suspend).await?;
    Ok(Json(UserView::of(&user, state.now())))
}

/// Disposes of an account: 204; it no longer signs in or appears, and its
/// name stays in the audit trail.
pub async fn dispose_user(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    account_action(&state, &p, &id, AccountAction::Dispose).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn reactivate_user(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<UserView>, ApiError> {
    let user = account_action(&state, &p, &id, AccountAction::Reactivate).await?;
    Ok(Json(UserView::of(&user, state.now())))
}

pub async fn unlock_user(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<UserView>, ApiError> {
    let user = account_action(&state, &p, &id, AccountAction::Unlock).await?;
    Ok(Json(UserView::of(&user, state.now())))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleChange {
    role: Role,
}

pub async fn set_role(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<RoleChange>,
) -> Result<Json<UserView>, ApiError> {
    let user = change_role(&state, &p, &id, req.role).await?;
    Ok(Json(UserView::of(&user, state.now())))
}

/// Changes user `id`'s role (shared by the API and the UI). Tenant users
/// take tenant roles only; system administrators and vendors keep theirs.
pub async fn change_role(
    state: &AppState,
    p: &Principal,
    id: &str,
    role: Role,
) -> Result<User, ApiError> {
    let req = RoleChange { role };
    let user = managed_user(state, p, id).await?;
    let allowed = match user.tenant_id {
        Some(_) => matches!(req.role, Role::TenantAdmin | Role::Reviewer | Role::Viewer),
        None => user.role == req.role,
    };
    if !allowed {
        return Err(
            ApiError::bad_request("invalid_field", "この利用者にその役割は設定できません")
                .with_field("role"),
        );
    }
    state.store.set_role(&user.id, req.role).await?;
    user_event(
        state,
        p,
        &user,
        "role_changed",
        json!({"from": user.role, "to": req.role}),
    )
    .await?;
    state.store.user(id).await?.ok_or_else(ApiError::not_found)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MfaExemption {
    exempt: bool,
}

/// Exempts a user from MFA — only on a deployment declared closed-network
/// whose tenant allows it (seed 001: 閉域網で利用する場合を除く).
pub async fn set_mfa_exempt(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<MfaExemption>,
) -> Result<Json<UserView>, ApiError> {
    let user = managed_user(&state, &p, &id).await?;
    if req.exempt {
        let allowed = state.config.closed_network
            && state
                .tenant_settings(user.tenant_id.as_deref())
                .await?
                .mfa_exempt_allowed;
        if !allowed {
            return Err(ApiError::bad_request(
                "mfa_exemption_not_allowed",
                "多要素認証の免除は、閉域網での運用を宣言したサーバーで、テナントが免除を許可している場合だけ設定できます",
            )
            .with_field("exempt"));
        }
    }
    state.store.set_mfa_exempt(&user.id, req.exempt).await?;
    user_event(
        &state,
        &p,
        &user,
        "mfa_exemption_changed",
        json!({"username": user.username, "exempt": req.exempt}),
    )
    .await?;
    let user = state
        .store
        .user(&id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(UserView::of(&user, state.now())))
}

// -- vendor organisations ------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOrganisation {
    pub name: String,
    /// `integrator` (導入事業者) or `provider` (外部サービス提供者).
    pub kind: String,
}

fn may_manage_vendors(p: &Principal) -> bool {
    matches!(p.role, Role::SystemAdmin | Role::TenantAdmin)
}

/// Registers a vendor organisation (system or tenant administrators).
pub async fn create_organisation(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(req): ApiJson<NewOrganisation>,
) -> Result<Response, ApiError> {
    if !may_manage_vendors(&p) {
        return Err(ApiError::forbidden());
    }
    if !matches!(req.kind.as_str(), "integrator" | "provider") {
        return Err(ApiError::bad_request(
            "invalid_field",
            "kind は integrator（導入事業者）か provider（外部サービス提供者）です",
        )
        .with_field("kind"));
    }
    if !valid_display_name(&req.name) {
        return Err(
            ApiError::bad_request("invalid_field", "名称は1〜100文字で指定してください")
                .with_field("name"),
        );
    }
    let org = state
        .store
        .create_organisation(req.name.trim(), &req.kind, state.now())
        .await?;
    state
        .audit(
            Some(&p),
            None,
            Event {
                action: "organisation_created",
                tenant_id: None,
                target: Some(format!("organisation:{}", org.id)),
                details: json!({"name": org.name, "kind": org.kind}),
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(org)).into_response())
}

pub async fn list_organisations(
    State(state): State<AppState>,
    p: Principal,
) -> Result<Json<Vec<kijun_store::Organisation>>, ApiError> {
    let all = state.store.organisations().await?;
    Ok(Json(match p.role {
        Role::SystemAdmin | Role::TenantAdmin | Role::Reviewer => all,
        // A vendor sees only its own organisation; a viewer none.
        Role::Vendor => all
            .into_iter()
            .filter(|o| p.user.organisation_id.as_deref() == Some(o.id.as_str()))
            .collect(),
        Role::Viewer => Vec::new(),
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewVendorUser {
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub initial_password: String,
}

/// Creates a vendor user of organisation `id` (role `vendor`, no tenant:
/// it sees nothing of any tenant until invited to an assessment).
pub async fn create_vendor_user(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<NewVendorUser>,
) -> Result<Response, ApiError> {
    if !may_manage_vendors(&p) {
        return Err(ApiError::forbidden());
    }
    let org = state
        .store
        .organisations()
        .await?
        .into_iter()
        .find(|o| o.id == id)
        .ok_or_else(ApiError::not_found)?;
    let hash = vet_new_account(
        &state,
        &kijun_core::auth::PasswordPolicy::default(),
        &req.username,
        &req.display_name,
        &req.initial_password,
        "initial_password",
    )
    .await?;
    let now = state.now();
    let user = state
        .store
        .create_user(
            &NewUser {
                tenant_id: None,
                organisation_id: Some(org.id.clone()),
                username: req.username,
                display_name: req.display_name.trim().to_owned(),
                email: req.email,
                role: Role::Vendor,
                password_hash: Some(hash),
                must_change_password: true,
            },
            now,
        )
        .await?;
    state
        .audit(Some(&p), None, Event {
            action: "vendor_user_created",
            tenant_id: None,
            target: Some(format!("user:{}", user.id)),
            details: json!({"username": user.username, "organisation": org.name, "kind": org.kind}),
        })
        .await?;
    Ok((StatusCode::CREATED, Json(UserView::of(&user, now))).into_response())
}

// -- API tokens -------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    name: String,
    expires_in_days: i64,
    role: Option<Role>,
    tenant_id: Option<String>,
}

fn rank(role: Role) -> u8 {
    match role {
        Role::Vendor => 0,
        Role::Viewer => 1,
        Role::Reviewer => 2,
        Role::TenantAdmin => 3,
        Role::SystemAdmin => 4,
    }
}

/// Creates an API token for the signed-in user, scoped to a tenant and a
/// role no stronger than the user's own; the secret is shown once.
pub async fn create_token(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(req): ApiJson<NewToken>,
) -> Result<Response, ApiError> {
    if let Via::Token { .. } = p.via {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "API トークンで API トークンは作成できません",
        ));
    }
    if !valid_display_name(&req.name) {
        return Err(
            ApiError::bad_request("invalid_field", "名前は1〜100文字で指定してください")
                .with_field("name"),
        );
    }
    if !(1..=state.config.api_token_max_days).contains(&req.expires_in_days) {
        return Err(ApiError::bad_request(
            "invalid_field",
            format!(
                "有効期間は1〜{}日で指定してください",
                state.config.api_token_max_days
            ),
        )
        .with_field("expires_in_days"));
    }
    let role = req.role.unwrap_or(p.user.role);
    let tenant_id = match (&p.user.tenant_id, req.tenant_id) {
        (Some(own), None) => Some(own.clone()),
        (Some(own), Some(t)) if *own == t => Some(t),
        (Some(_), Some(_)) => return Err(ApiError::not_found().with_field("tenant_id")),
        (None, t) => t,
    };
    let role_ok = match (&tenant_id, p.user.role) {
        (None, user_role) => role == user_role,
        (Some(t), Role::SystemAdmin) => {
            state.store.tenant(t).await?.is_some()
                && matches!(role, Role::TenantAdmin | Role::Reviewer | Role::Viewer)
        }
        (Some(_), user_role) => {
            rank(role) <= rank(user_role)
                && role != Role::SystemAdmin
                && (role == Role::Vendor) == (user_role == Role::Vendor)
        }
    };
    if !role_ok {
        return Err(ApiError::bad_request(
            "invalid_field",
            "その役割・テナントのトークンは作成できません",
        )
        .with_field("role"));
    }
    let now = state.now();
    let secret = format!("kijun_{}", random_token()?);
    let token = ApiToken {
        id: uuid_like()?,
        user_id: p.user.id.clone(),
        tenant_id: tenant_id.clone(),
        role,
        name: req.name.trim().to_owned(),
        token_hash: digest(&secret),
        created_at: now,
        expires_at: now + SignedDuration::from_hours(24 * req.expires_in_days),
        revoked_at: None,
        last_used_at: None,
    };
    state.store.create_api_token(&token).await?;
    state
        .audit(Some(&p), None, Event {
            action: "api_token_created",
            tenant_id: tenant_id.as_deref().or(p.user.tenant_id.as_deref()),
            target: Some(format!("token:{}", token.id)),
            details: json!({"name": token.name, "role": role, "tenant_id": tenant_id, "expires_at": token.expires_at}),
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": token.id, "token": secret, "role": role, "tenant_id": tenant_id, "expires_at": token.expires_at})),
    )
        .into_response())
}

fn uuid_like() -> Result<String, ApiError> {
    Ok(random_token()?[..32].to_owned())
}

pub async fn list_tokens(
    State(state): State<AppState>,
    p: Principal,
) -> Result<Json<Vec<ApiToken>>, ApiError> {
    Ok(Json(state.store.api_tokens_of_user(&p.user.id).await?))
}

pub async fn revoke_token(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let token = state
        .store
        .api_token(&id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if token.user_id != p.user.id && !p.is_system_admin() {
        return Err(ApiError::not_found());
    }
    state.store.revoke_api_token(&token.id, state.now()).await?;
    state
        .audit(
            Some(&p),
            None,
            Event {
                action: "api_token_revoked",
                tenant_id: token.tenant_id.as_deref(),
                target: Some(format!("token:{}", token.id)),
                details: json!({"name": token.name}),
            },
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

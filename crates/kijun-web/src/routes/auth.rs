//! First-administrator setup, login (password, then TOTP or a recovery
//! code), MFA enrolment, logout, the caller's own account and password
//! change. Failures answer one generic message that never says whether the
//! account exists; the audit log records the real reason.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::{SignedDuration, Timestamp};
use kijun_core::auth::{
    LockedUntil, LoginAttempts, PasswordPolicy, Totp, TotpAlgorithm, TotpSecret,
    generate_recovery_codes, hash_password, hash_recovery_code, needs_rehash, qr_svg,
    verify_password, verify_recovery_code,
};
use kijun_store::{NewUser, Role, Session, User};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit_log::Event;
use crate::crypto::{digest, random_bytes, random_token};
use crate::error::{ApiError, ApiJson};
use crate::metrics::Metrics;
use crate::principal::{PendingLogin, Principal, SignedIn, Via, clear_cookie, session_cookie};
use crate::routes::ClientAddr;
use crate::state::AppState;

const GENERIC_LOGIN_FAILURE: &str = "ログインできませんでした。ユーザー名とパスワードを確認してください。続けて失敗する場合は管理者に連絡してください";

fn login_failed() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "login_failed",
        GENERIC_LOGIN_FAILURE,
    )
}

fn invalid_code() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_code",
        "確認コードが正しくありません。認証アプリの最新のコードを入力してください",
    )
}

/// Hashes on a blocking thread (PBKDF2 600,000 rounds must not stall the
/// async workers).
async fn hash_blocking(state: &AppState, password: String) -> Result<String, ApiError> {
    let config = state.config.password_hash;
    let salt = random_bytes::<16>()?;
    tokio::task::spawn_blocking(move || hash_password(&password, &config, &salt))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::from)
}

async fn verify_blocking(password: String, phc: String) -> Result<bool, ApiError> {
    tokio::task::spawn_blocking(move || verify_password(&password, &phc))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::from)
}

/// Checks `password` against `policy` (and the user's history) and answers
/// every violation at once.
pub async fn check_policy(
    policy: &PasswordPolicy,
    password: &str,
    username: &str,
    history: Vec<String>,
    field: &'static str,
) -> Result<(), ApiError> {
    let (p, pw, name) = (policy.clone(), password.to_owned(), username.to_owned());
    let result = tokio::task::spawn_blocking(move || p.check(&pw, &name, &history))
        .await
        .map_err(ApiError::internal)?;
    result.map_err(|violations| {
        let list: Vec<String> = violations.iter().map(ToString::to_string).collect();
        ApiError::bad_request(
            "password_policy",
            format!("パスワードが規則を満たしていません: {}", list.join(" / ")),
        )
        .with_field(field)
    })
}

fn attempts_of(user: &User) -> LoginAttempts {
    LoginAttempts {
        consecutive_failures: u32::try_from(user.failed_logins).unwrap_or(0),
        locked_until: user.locked_until.map(|t| {
            if t == Timestamp::MAX {
                LockedUntil::AdministratorUnlock
            } else {
                LockedUntil::Time(t)
            }
        }),
        last_failure_at: None,
    }
}

fn stored_lock(a: &LoginAttempts) -> Option<Timestamp> {
    a.locked_until.map(|l| match l {
        LockedUntil::Time(t) => t,
        LockedUntil::AdministratorUnlock => Timestamp::MAX,
    })
}

/// Records a failed password or code for `user`; locks the account when
/// the tenant's policy says so.
async fn register_failure(
    state: &AppState,
    user: &User,
    addr: &Option<String>,
    action: &str,
) -> Result<(), ApiError> {
    let now = state.now();
    let policy = state.lockout_policy(user.tenant_id.as_deref()).await?;
    let mut attempts = attempts_of(user);
    let locked = attempts.register_failure(now, &policy);
    let failures = i32::try_from(attempts.consecutive_failures).unwrap_or(i32::MAX);
    state
        .store
        .set_login_state(&user.id, failures, stored_lock(&attempts))
        .await?;
    state
        .audit(
            None,
            addr.clone(),
            Event {
                action,
                tenant_id: user.tenant_id.as_deref(),
                target: Some(format!("user:{}", user.id)),
                details: json!({"username": user.username, "consecutive_failures": failures}),
            },
        )
        .await?;
    if let Some(lock) = locked {
        Metrics::inc(&state.metrics.lockouts);
        state
            .audit(
                None,
                addr.clone(),
                Event {
                    action: "account_locked",
                    tenant_id: user.tenant_id.as_deref(),
                    target: Some(format!("user:{}", user.id)),
                    details: json!({"username": user.username, "locked_until": lock}),
                },
            )
            .await?;
    }
    Ok(())
}

/// The user as the API shows it.
#[derive(Serialize)]
pub struct UserView {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub role: Role,
    pub role_label: &'static str,
    pub tenant_id: Option<String>,
    pub organisation_id: Option<String>,
    pub mfa_enrolled: bool,
    pub mfa_exempt: bool,
    pub suspended: bool,
    pub locked: bool,
    pub must_change_password: bool,
    pub created_at: Timestamp,
}

impl UserView {
    pub fn of(u: &User, now: Timestamp) -> UserView {
        UserView {
            id: u.id.clone(),
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            email: u.email.clone(),
            role: u.role,
            role_label: u.role.label(),
            tenant_id: u.tenant_id.clone(),
            organisation_id: u.organisation_id.clone(),
            mfa_enrolled: u.mfa_enrolled(),
            mfa_exempt: u.mfa_exempt,
            suspended: u.suspended_at.is_some(),
            locked: attempts_of(u).is_locked(now),
            must_change_password: u.must_change_password,
            created_at: u.created_at,
        }
    }
}

// ---------------------------------------------------------------------------
// Setup

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetupRequest {
    pub token: String,
    pub username: String,
    pub display_name: String,
    pub password: String,
}

pub fn valid_username(s: &str) -> bool {
    (3..=64).contains(&s.chars().count())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
}

pub fn valid_display_name(s: &str) -> bool {
    let n = s.trim().chars().count();
    (1..=100).contains(&n) && !s.chars().any(char::is_control)
}

/// Checks a new account's name, display name and first password (against
/// `policy`) and hashes the password: every way of creating an account
/// (setup, tenant users, vendor users) goes through here.
pub async fn vet_new_account(
    state: &AppState,
    policy: &PasswordPolicy,
    username: &str,
    display_name: &str,
    password: &str,
    password_field: &'static str,
) -> Result<String, ApiError> {
    if !valid_username(username) {
        return Err(ApiError::bad_request(
            "invalid_field",
            "ユーザー名は英数字と . _ - @ の3〜64文字で指定してください",
        )
        .with_field("username"));
    }
    if !valid_display_name(display_name) {
        return Err(
            ApiError::bad_request("invalid_field", "表示名は1〜100文字で指定してください")
                .with_field("display_name"),
        );
    }
    check_policy(policy, password, username, Vec::new(), password_field).await?;
    hash_blocking(state, password.to_owned()).await
}

/// Creates the first system administrator with the one-time setup token
/// printed by `kijun serve` on first start.
pub async fn setup(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    ApiJson(req): ApiJson<SetupRequest>,
) -> Result<Response, ApiError> {
    let user = setup_admin(&state, addr, req).await?;
    Ok((StatusCode::CREATED, Json(UserView::of(&user, state.now()))).into_response())
}

/// Creates the first system administrator (shared by the API and the UI).
pub async fn setup_admin(
    state: &AppState,
    addr: Option<String>,
    req: SetupRequest,
) -> Result<User, ApiError> {
    if state.store.user_count().await? > 0 {
        return Err(ApiError::conflict("初期設定は完了しています"));
    }
    let hash = vet_new_account(
        state,
        &PasswordPolicy::default(),
        &req.username,
        &req.display_name,
        &req.password,
        "password",
    )
    .await?;
    let now = state.now();
    if !state
        .store
        .consume_setup_token(&digest(req.token.trim()), now)
        .await?
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "invalid_setup_token",
            "初期設定トークンが正しくないか、使用済みです",
        )
        .with_field("token"));
    }

    let user = state
        .store
        .create_user(
            &NewUser {
                tenant_id: None,
                organisation_id: None,
                username: req.username,
                display_name: req.display_name,
                email: None,
                role: Role::SystemAdmin,
                password_hash: Some(hash),
                must_change_password: false,
            },
            now,
        )
        .await?;
    state
        .audit(
            None,
            addr,
            Event {
                action: "setup_admin_created",
                tenant_id: None,
                target: Some(format!("user:{}", user.id)),
                details: json!({"username": user.username}),
            },
        )
        .await?;
    Ok(user)
}

// ---------------------------------------------------------------------------
// Login

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Serialize)]
pub struct LoginResponse {
    /// What the client must do next: `mfa`, `mfa_enrollment`,
    /// `password_change` or `done`.
    pub next: &'static str,
    pub csrf_token: String,
    pub user: UserView,
}

fn rate_limited(wait: SignedDuration) -> ApiError {
    let secs = wait.as_secs().max(1);
    let mut e = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        format!("ログインの試行が多すぎます。{secs}秒後に再度お試しください"),
    );
    e.retry_after = Some(secs);
    e
}

pub async fn login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let (session_id, body) = password_login(&state, addr, req).await?;
    Ok((
        [(
            header::SET_COOKIE,
            session_cookie(&session_id, state.config.cookies_secure()),
        )],
        Json(body),
    )
        .into_response())
}

/// The password step of a login (shared by the API and the UI): returns
/// the new session id (for the cookie) and what comes next.
pub async fn password_login(
    state: &AppState,
    addr: Option<String>,
    req: LoginRequest,
) -> Result<(String, LoginResponse), ApiError> {
    let now = state.now();
    let account_key = req.username.trim().to_lowercase();
    {
        let mut limiters = state.limiters.lock().map_err(ApiError::internal)?;
        let ip = addr.as_deref().and_then(|a| a.parse().ok());
        if let Some(ip) = ip
            && let Err(retry) = limiters.per_address.check_and_record(&ip, now)
        {
            return Err(rate_limited(retry.wait));
        }
        if let Err(retry) = limiters.per_account.check_and_record(&account_key, now) {
            return Err(rate_limited(retry.wait));
        }
    }
    let user = state.store.user_by_username(req.username.trim()).await?;
    let Some(user) = user else {
        // Spend the same time as for a real account.
        let _ = verify_blocking(req.password, state.dummy_hash.to_string()).await;
        Metrics::inc(&state.metrics.login_failures);
        state
            .audit(
                None,
                addr,
                Event {
                    action: "login_failed",
                    tenant_id: None,
                    target: None,
                    details: json!({"username": req.username, "reason": "unknown_user"}),
                },
            )
            .await?;
        return Err(login_failed());
    };
    let refuse = |reason: &'static str| (reason, user.clone());
    let blocked = if user.suspended_at.is_some() {
        Some(refuse("suspended"))
    } else if attempts_of(&user).is_locked(now) {
        Some(refuse("locked"))
    } else {
        None
    };
    let ok = match &user.password_hash {
        Some(h) => verify_blocking(req.password.clone(), h.clone()).await?,
        None => false,
    };
    if let Some((reason, user)) = blocked {
        Metrics::inc(&state.metrics.login_failures);
        state
            .audit(
                None,
                addr,
                Event {
                    action: "login_refused",
                    tenant_id: user.tenant_id.as_deref(),
                    target: Some(format!("user:{}", user.id)),
                    details: json!({"username": user.username, "reason": reason}),
                },
            )
            .await?;
        return Err(login_failed());
    }
    if !ok {
        Metrics::inc(&state.metrics.login_failures);
        register_failure(state, &user, &addr, "login_failed").await?;
        return Err(login_failed());
    }
    Metrics::inc(&state.metrics.logins);
    state.store.set_login_state(&user.id, 0, None).await?;
    if let Some(h) = &user.password_hash
        && needs_rehash(h, &state.config.password_hash)
    {
        let new_hash = hash_blocking(state, req.password).await?;
        state
            .store
            .set_password_hash(&user.id, &new_hash, false, now)
            .await?;
    }
    let session_id = random_token()?;
    let csrf = random_token()?;
    let settings = state.tenant_settings(user.tenant_id.as_deref()).await?;
    let mfa_waived = user.mfa_exempt && state.config.closed_network && settings.mfa_exempt_allowed;
    state
        .store
        .create_session(&Session {
            id_hash: digest(&session_id),
            user_id: user.id.clone(),
            csrf_token: csrf.clone(),
            mfa_verified: mfa_waived,
            created_at: now,
            last_seen_at: now,
            source_addr: addr.clone(),
        })
        .await?;
    let password_change = user.must_change_password
        || user
            .password_changed_at
            .is_some_and(|at| settings.password_policy.is_expired(at, now));
    let next = if !mfa_waived && user.mfa_enrolled() {
        "mfa"
    } else if !mfa_waived {
        "mfa_enrollment"
    } else if password_change {
        "password_change"
    } else {
        "done"
    };
    state
        .audit(
            None,
            addr,
            Event {
                action: "login_password_ok",
                tenant_id: user.tenant_id.as_deref(),
                target: Some(format!("user:{}", user.id)),
                details: json!({"username": user.username, "next": next}),
            },
        )
        .await?;
    let body = LoginResponse {
        next,
        csrf_token: csrf,
        user: UserView::of(&user, now),
    };
    Ok((session_id, body))
}

// ---------------------------------------------------------------------------
// Second factor

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MfaRequest {
    pub code: Option<String>,
    pub recovery_code: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct SealedTotp {
    algorithm: TotpAlgorithm,
    secret: String,
}

fn session_hash(p: &Principal) -> Result<&str, ApiError> {
    match &p.via {
        Via::Session { id_hash, .. } => Ok(id_hash),
        Via::Token { .. } => Err(ApiError::forbidden()),
    }
}

pub fn mfa_done(p: &Principal) -> bool {
    matches!(
        p.via,
        Via::Session {
            mfa_verified: true,
            ..
        }
    )
}

fn next_after_mfa(p: &Principal) -> &'static str {
    if p.password_change_required {
        "password_change"
    } else {
        "done"
    }
}

pub async fn verify_mfa(
    State(state): State<AppState>,
    PendingLogin(p): PendingLogin,
    ApiJson(req): ApiJson<MfaRequest>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let next = second_factor(&state, &p, req).await?;
    Ok(Json(json!({"next": next})))
}

/// The second step of a login (shared by the API and the UI): a TOTP code
/// or a recovery code. Returns what comes next.
pub async fn second_factor(
    state: &AppState,
    p: &Principal,
    req: MfaRequest,
) -> Result<&'static str, ApiError> {
    let now = state.now();
    if mfa_done(p) {
        return Ok(next_after_mfa(p));
    }
    let user = &p.user;
    if attempts_of(user).is_locked(now) {
        return Err(invalid_code());
    }
    let Some(sealed) = &user.totp_secret else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "mfa_not_enrolled",
            "多要素認証が未登録です。先に登録してください",
        ));
    };
    let accepted = match (&req.code, &req.recovery_code) {
        (Some(code), None) => {
            let opened = state.secrets.open(sealed, &format!("totp:{}", user.id))?;
            let stored: SealedTotp = serde_json::from_slice(&opened).map_err(ApiError::internal)?;
            let totp = Totp::new(TotpSecret::from_base32(&stored.secret)?, stored.algorithm)?;
            let last = user.totp_last_step.and_then(|s| u64::try_from(s).ok());
            match totp.verify(code, now, last) {
                Some(step) => {
                    state
                        .store
                        .use_totp_step(&user.id, i64::try_from(step).unwrap_or(i64::MAX))
                        .await?
                }
                None => false,
            }
        }
        (None, Some(rc)) => {
            let hashes = state.store.recovery_codes(&user.id).await?;
            match verify_recovery_code(rc, &hashes) {
                Some(i) => match hashes.get(i) {
                    Some(h) => {
                        let used = state.store.use_recovery_code(&user.id, h, now).await?;
                        if used {
                            state
                                .audit(Some(p), None, Event {
                                    action: "recovery_code_used",
                                    tenant_id: user.tenant_id.as_deref(),
                                    target: Some(format!("user:{}", user.id)),
                                    details: json!({"remaining": hashes.len().saturating_sub(1)}),
                                })
                                .await?;
                        }
                        used
                    }
                    None => false,
                },
                None => false,
            }
        }
        _ => {
            return Err(ApiError::bad_request(
                "invalid_field",
                "code（確認コード）か recovery_code（回復コード）のどちらか一方を指定してください",
            )
            .with_field("code"));
        }
    };
    if !accepted {
        Metrics::inc(&state.metrics.mfa_failures);
        register_failure(state, user, &p.source_addr, "mfa_failed").await?;
        return Err(invalid_code());
    }
    state
        .store
        .set_session_mfa_verified(session_hash(p)?)
        .await?;
    state.store.set_login_state(&user.id, 0, None).await?;
    state
        .audit(Some(p), None, Event {
            action: "login",
            tenant_id: user.tenant_id.as_deref(),
            target: Some(format!("user:{}", user.id)),
            details: json!({"factor": if req.code.is_some() { "totp" } else { "recovery_code" }}),
        })
        .await?;
    Ok(next_after_mfa(p))
}

#[derive(Serialize, Deserialize)]
struct Enrollment {
    user_id: String,
    algorithm: TotpAlgorithm,
    secret: String,
    expires_at: Timestamp,
}

/// Starts TOTP enrolment: a new secret, its `otpauth://` URI and QR code,
/// and an opaque token (the secret sealed to this session) for the confirm.
pub async fn enroll_mfa(
    State(state): State<AppState>,
    PendingLogin(p): PendingLogin,
    // Read (and ignore) any body a client sends, e.g. `{}`: an unread body
    // makes the server close a keep-alive connection the client may reuse.
    _body: axum::body::Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    let e = start_enrollment(&state, &p)?;
    Ok(Json(json!({
        "secret": e.secret,
        "otpauth_uri": e.otpauth_uri,
        "qr_svg": e.qr_svg,
        "enrollment_token": e.enrollment_token,
    })))
}

/// A started TOTP enrolment.
pub struct EnrollmentStart {
    pub secret: String,
    pub otpauth_uri: String,
    pub qr_svg: String,
    pub enrollment_token: String,
}

/// Starts a TOTP enrolment (shared by the API and the UI).
pub fn start_enrollment(state: &AppState, p: &Principal) -> Result<EnrollmentStart, ApiError> {
    if p.user.mfa_enrolled() && !mfa_done(p) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "mfa_required",
            "登録済みの多要素認証で確認してから再登録してください",
        ));
    }
    let secret = TotpSecret::new(&random_bytes::<20>()?)?;
    let algorithm = state.config.totp_algorithm;
    let totp = Totp::new(secret.clone(), algorithm)?;
    let uri = totp.otpauth_uri(kijun_core::auth::totp::DEFAULT_ISSUER, &p.user.username)?;
    let svg = qr_svg(&uri)?;
    let enrollment = Enrollment {
        user_id: p.user.id.clone(),
        algorithm,
        secret: secret.to_base32(),
        expires_at: state.now() + SignedDuration::from_mins(10),
    };
    let plain = serde_json::to_vec(&enrollment).map_err(ApiError::internal)?;
    let token = state
        .secrets
        .seal(&plain, &format!("totp-enroll:{}", session_hash(p)?))?;
    Ok(EnrollmentStart {
        secret: secret.to_base32(),
        otpauth_uri: uri,
        qr_svg: svg,
        enrollment_token: token,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfirmEnrollment {
    pub enrollment_token: String,
    pub code: String,
}

/// Finishes enrolment with a first code; returns the recovery codes, shown
/// this once.
pub async fn confirm_mfa(
    State(state): State<AppState>,
    PendingLogin(p): PendingLogin,
    ApiJson(req): ApiJson<ConfirmEnrollment>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let codes = finish_enrollment(&state, &p, req).await?;
    Ok(Json(
        json!({"recovery_codes": codes, "next": next_after_mfa(&p)}),
    ))
}

/// Finishes a TOTP enrolment (shared by the API and the UI); returns the
/// recovery codes, shown once.
pub async fn finish_enrollment(
    state: &AppState,
    p: &Principal,
    req: ConfirmEnrollment,
) -> Result<Vec<String>, ApiError> {
    let now = state.now();
    let opened = state
        .secrets
        .open(
            &req.enrollment_token,
            &format!("totp-enroll:{}", session_hash(p)?),
        )
        .map_err(|_| {
            ApiError::bad_request(
                "invalid_enrollment",
                "登録手続きが無効です。最初からやり直してください",
            )
            .with_field("enrollment_token")
        })?;
    let e: Enrollment = serde_json::from_slice(&opened).map_err(ApiError::internal)?;
    if e.user_id != p.user.id || now >= e.expires_at {
        return Err(ApiError::bad_request(
            "invalid_enrollment",
            "登録手続きの有効期限が切れました。最初からやり直してください",
        )
        .with_field("enrollment_token"));
    }
    let totp = Totp::new(TotpSecret::from_base32(&e.secret)?, e.algorithm)?;
    let Some(step) = totp.verify(&req.code, now, None) else {
        Metrics::inc(&state.metrics.mfa_failures);
        return Err(invalid_code().with_field("code"));
    };
    let sealed = state.secrets.seal(
        &serde_json::to_vec(&SealedTotp {
            algorithm: e.algorithm,
            secret: e.secret,
        })
        .map_err(ApiError::internal)?,
        &format!("totp:{}", p.user.id),
    )?;
    let codes = generate_recovery_codes(&random_bytes::<120>()?);
    let hashes: Vec<String> = codes.iter().map(|c| hash_recovery_code(c)).collect();
    state
        .store
        .set_mfa(&p.user.id, Some(&sealed), &hashes)
        .await?;
    state
        .store
        .use_totp_step(&p.user.id, i64::try_from(step).unwrap_or(i64::MAX))
        .await?;
    state
        .store
        .set_session_mfa_verified(session_hash(p)?)
        .await?;
    state
        .audit(
            Some(p),
            None,
            Event {
                action: "mfa_enrolled",
                tenant_id: p.user.tenant_id.as_deref(),
                target: Some(format!("user:{}", p.user.id)),
                details: json!({"algorithm": e.algorithm}),
            },
        )
        .await?;
    Ok(codes)
}

pub async fn logout(
    State(state): State<AppState>,
    PendingLogin(p): PendingLogin,
) -> Result<Response, ApiError> {
    end_session(&state, &p).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(
            header::SET_COOKIE,
            clear_cookie(state.config.cookies_secure()),
        )],
    )
        .into_response())
}

/// Ends the principal's session (shared by the API and the UI).
pub async fn end_session(state: &AppState, p: &Principal) -> Result<(), ApiError> {
    state.store.delete_session(session_hash(p)?).await?;
    state
        .audit(
            Some(p),
            None,
            Event {
                action: "logout",
                tenant_id: p.user.tenant_id.as_deref(),
                target: Some(format!("user:{}", p.user.id)),
                details: json!({}),
            },
        )
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------
// The caller's own account

pub async fn me(
    State(state): State<AppState>,
    SignedIn(p): SignedIn,
) -> Result<Json<serde_json::Value>, ApiError> {
    let settings = state.tenant_settings(p.user.tenant_id.as_deref()).await?;
    Ok(Json(json!({
        "user": UserView::of(&p.user, state.now()),
        "effective_role": p.role,
        "effective_tenant_id": p.tenant_id,
        "password_change_required": p.password_change_required,
        "password_policy": settings.password_policy.describe(),
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    SignedIn(p): SignedIn,
    ApiJson(req): ApiJson<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    set_own_password(&state, &p, req).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Changes the principal's own password (shared by the API and the UI).
pub async fn set_own_password(
    state: &AppState,
    p: &Principal,
    req: PasswordChange,
) -> Result<(), ApiError> {
    if let Via::Token { .. } = p.via {
        return Err(ApiError::forbidden());
    }
    let Some(current) = p.user.password_hash.clone() else {
        return Err(ApiError::forbidden());
    };
    if !verify_blocking(req.current_password, current).await? {
        return Err(
            ApiError::bad_request("wrong_password", "現在のパスワードが正しくありません")
                .with_field("current_password"),
        );
    }
    let settings = state.tenant_settings(p.user.tenant_id.as_deref()).await?;
    let history_len = i64::try_from(settings.password_policy.history).unwrap_or(i64::MAX);
    let history = state
        .store
        .password_history(&p.user.id, history_len)
        .await?;
    check_policy(
        &settings.password_policy,
        &req.new_password,
        &p.user.username,
        history,
        "new_password",
    )
    .await?;
    let hash = hash_blocking(state, req.new_password).await?;
    state
        .store
        .set_password_hash(&p.user.id, &hash, true, state.now())
        .await?;
    state
        .audit(
            Some(p),
            None,
            Event {
                action: "password_changed",
                tenant_id: p.user.tenant_id.as_deref(),
                target: Some(format!("user:{}", p.user.id)),
                details: json!({}),
            },
        )
        .await?;
    Ok(())
}

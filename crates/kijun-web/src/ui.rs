//! The server-rendered Japanese UI: login, first-run setup, MFA challenge and
//! enrolment, password change, user and tenant administration, and the audit
//! log viewer. Plain HTML forms that work without JavaScript; every form
//! carries a CSRF token (the session's, or a double-submit cookie before
//! login). The work itself is done by the same functions the JSON API uses.

use askama::Template;
use axum::extract::{Form, FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use kijun_store::{AuditFilter, Role};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::crypto::random_token;
use crate::error::ApiError;
use crate::principal::{
    Principal, Via, authenticate, clear_cookie, constant_time_eq, session_cookie, source_addr,
};
use crate::routes::admin::{self, AccountAction, NewTenant, NewTenantUser};
use crate::routes::auth::{
    self, ConfirmEnrollment, LoginRequest, MfaRequest, PasswordChange, SetupRequest, UserView,
};
use crate::state::AppState;

/// `2026年5月1日 09:30` in Asia/Tokyo.
pub fn jp_datetime(ts: Timestamp) -> String {
    let tz = TimeZone::get("Asia/Tokyo").unwrap_or(TimeZone::UTC);
    ts.to_zoned_datetime(tz)
        .strftime("%Y年%-m月%-d日 %H:%M")
        .to_string()
}

/// `2026年5月1日` in Asia/Tokyo.
pub fn jp_date(ts: Timestamp) -> String {
    let tz = TimeZone::get("Asia/Tokyo").unwrap_or(TimeZone::UTC);
    ts.to_zoned_datetime(tz)
        .strftime("%Y年%-m月%-d日")
        .to_string()
}

/// `2026年5月1日` for a calendar date.
pub fn jp_civil_date(d: jiff::civil::Date) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// The header's menu, for signed-in pages.
pub struct Nav {
    pub display_name: String,
    pub role_label: &'static str,
    pub csrf_token: String,
    pub admin: bool,
    pub system_admin: bool,
    pub audit: bool,
    /// Tenant staff (not vendors): the service register.
    pub staff: bool,
}

impl Nav {
    pub fn of(p: &Principal) -> Option<Nav> {
        let csrf = match &p.via {
            Via::Session { csrf_token, .. } => csrf_token.clone(),
            Via::Token { .. } => return None,
        };
        Some(Nav {
            display_name: p.user.display_name.clone(),
            role_label: p.role.label(),
            csrf_token: csrf,
            admin: matches!(p.role, Role::SystemAdmin | Role::TenantAdmin),
            system_admin: p.role == Role::SystemAdmin,
            audit: matches!(p.role, Role::SystemAdmin | Role::TenantAdmin),
            staff: p.role != Role::Vendor,
        })
    }
}

/// A page rendered to HTML (a template error is a 500).
pub(crate) fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => ApiError::internal(e).into_response(),
    }
}

/// A page response with `status` unless it is already an error (a form
/// shown again with its problem is 400 or 409, not 200).
pub(crate) fn with_status(mut r: Response, status: axum::http::StatusCode) -> Response {
    if r.status().is_success() {
        *r.status_mut() = status;
    }
    r
}

/// `?done=` on a page a form redirected to: names the action just
/// completed, so the page shows a notice (and a reload repeats nothing).
#[derive(serde::Deserialize)]
pub struct DoneQuery {
    pub(crate) done: Option<String>,
}

/// The session's CSRF token for the page's forms (none for API tokens).
pub(crate) fn csrf_of(p: &Principal) -> String {
    match &p.via {
        Via::Session { csrf_token, .. } => csrf_token.clone(),
        Via::Token { .. } => String::new(),
    }
}

// ---------------------------------------------------------------------------
// Extractors

/// Where an unauthenticated or half-authenticated browser must go.
fn redirect_for(e: &ApiError) -> Response {
    match e.code {
        "mfa_required" => Redirect::to("/mfa").into_response(),
        "password_change_required" => Redirect::to("/password").into_response(),
        "unauthenticated" | "session_expired" => Redirect::to("/login").into_response(),
        _ => error_page(e),
    }
}

fn error_page(e: &ApiError) -> Response {
    let page = Message {
        nav: None,
        error: Some(e.message.clone()),
        notice: None,
        heading: "エラー".into(),
        link: "/".into(),
    };
    let mut r = render(&page);
    *r.status_mut() = e.status;
    r
}

#[derive(Template)]
#[template(
    source = "{% extends \"base.html\" %}{% block title %}{{ heading }}{% endblock %}{% block content %}<h1>{{ heading }}</h1><p><a href=\"{{ link }}\">戻る</a></p>{% endblock %}",
    ext = "html"
)]
struct Message {
    nav: Option<Nav>,
    error: Option<String>,
    notice: Option<String>,
    heading: String,
    link: String,
}

/// A browser session in any state (password done; MFA maybe pending).
pub struct UiPending(pub Principal);

impl FromRequestParts<AppState> for UiPending {
    type Rejection = Response;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match authenticate(parts, state, false).await {
            Ok(p) if matches!(p.via, Via::Session { .. }) => Ok(UiPending(p)),
            Ok(_) => Err(Redirect::to("/login").into_response()),
            Err(e) => Err(redirect_for(&e)),
        }
    }
}

/// A browser session that passed MFA (the password may still be due).
pub struct UiSignedIn(pub Principal);

impl FromRequestParts<AppState> for UiSignedIn {
    type Rejection = Response;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let UiPending(p) = UiPending::from_request_parts(parts, state).await?;
        if let Via::Session {
            mfa_verified: false,
            ..
        } = p.via
        {
            let to = if p.user.mfa_enrolled() {
                "/mfa"
            } else {
                "/mfa/enroll"
            };
            return Err(Redirect::to(to).into_response());
        }
        Ok(UiSignedIn(p))
    }
}

/// A fully signed-in browser session.
pub struct UiUser(pub Principal);

impl FromRequestParts<AppState> for UiUser {
    type Rejection = Response;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let UiSignedIn(p) = UiSignedIn::from_request_parts(parts, state).await?;
        if p.password_change_required {
            return Err(Redirect::to("/password").into_response());
        }
        Ok(UiUser(p))
    }
}

/// A form with a `csrf_token` field.
pub trait CsrfField {
    fn csrf_token(&self) -> &str;
}

/// A form posted from a fully signed-in session page (MFA done, no
/// password change due): the hidden `csrf_token` must equal the session's
/// token, else the request is refused before the handler runs. A session
/// still waiting for MFA or a password change is sent there instead.
pub struct UiForm<T>(pub Principal, pub T);

impl<T: DeserializeOwned + CsrfField + Send> FromRequest<AppState> for UiForm<T> {
    type Rejection = Response;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let UiPendingForm(p, form) = UiPendingForm::<T>::from_request(req, state).await?;
        if let Some(r) = fully_signed_in(&p) {
            return Err(r);
        }
        Ok(UiForm(p, form))
    }
}

/// A form posted from a session page in any state — the MFA, enrolment,
/// password-change and sign-out forms, which a session must reach before
/// it is fully signed in. Same CSRF check as [`UiForm`].
pub struct UiPendingForm<T>(pub Principal, pub T);

impl<T: DeserializeOwned + CsrfField + Send> FromRequest<AppState> for UiPendingForm<T> {
    type Rejection = Response;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let p = match authenticate(&parts, state, false).await {
            Ok(p) => p,
            Err(e) => return Err(redirect_for(&e)),
        };
        let req = Request::from_parts(parts, body);
        let Form(form) = Form::<T>::from_request(req, state).await.map_err(|_| {
            error_page(&ApiError::bad_request(
                "bad_request",
                "入力内容を読み取れません",
            ))
        })?;
        let expected = csrf_of(&p);
        if expected.is_empty()
            || !constant_time_eq(form.csrf_token().as_bytes(), expected.as_bytes())
        {
            return Err(error_page(&ApiError::new(
                StatusCode::FORBIDDEN,
                "csrf",
                "不正なリクエストです（CSRF トークンが一致しません）。画面を再読み込みしてからやり直してください",
            )));
        }
        Ok(UiPendingForm(p, form))
    }
}

const FORM_COOKIE: &str = "kijun_form";

fn form_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == FORM_COOKIE)
        .map(|(_, v)| v.to_owned())
}

/// The double-submit token for forms shown before login: reuses the
/// browser's cookie or makes a new one.
fn anon_token(headers: &HeaderMap) -> Result<(String, Option<String>), ApiError> {
    match form_cookie(headers) {
        Some(t) if t.len() == 64 => Ok((t, None)),
        _ => {
            let t = random_token()?;
            let cookie = format!("{FORM_COOKIE}={t}; Path=/; HttpOnly; SameSite=Strict");
            Ok((t.clone(), Some(cookie)))
        }
    }
}

fn with_cookie(mut r: Response, cookie: Option<String>) -> Response {
    if let Some(c) = cookie
        && let Ok(v) = c.parse()
    {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

fn anon_csrf_ok(headers: &HeaderMap, sent: &str) -> bool {
    form_cookie(headers)
        .is_some_and(|c| c.len() == 64 && constant_time_eq(c.as_bytes(), sent.as_bytes()))
}

fn anon_csrf_error() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "csrf",
        "不正なリクエストです。画面を再読み込みしてからやり直してください",
    )
}

// ---------------------------------------------------------------------------
// Login, setup, MFA, password

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    nav: Option<Nav>,
    error: Option<String>,
    notice: Option<String>,
    form_token: String,
    username: String,
}

pub async fn login_page(headers: HeaderMap) -> Response {
    match anon_token(&headers) {
        Ok((token, cookie)) => with_cookie(
            render(&LoginPage {
                nav: None,
                error: None,
                notice: None,
                form_token: token,
                username: String::new(),
            }),
            cookie,
        ),
        Err(e) => error_page(&e),
    }
}

#[derive(Deserialize)]
pub struct LoginForm {
    csrf_token: String,
    username: String,
    password: String,
}

pub async fn login_submit(
    State(state): State<AppState>,
    parts: Parts,
    Form(f): Form<LoginForm>,
) -> Response {
    let headers = &parts.headers;
    if !anon_csrf_ok(headers, &f.csrf_token) {
        return error_page(&anon_csrf_error());
    }
    let username = f.username.clone();
    match auth::password_login(
        &state,
        source_addr(&parts),
        LoginRequest {
            username: f.username,
            password: f.password,
        },
    )
    .await
    {
        Ok((session_id, body)) => {
            let to = match body.next {
                "mfa" => "/mfa",
                "mfa_enrollment" => "/mfa/enroll",
                "password_change" => "/password",
                _ => "/",
            };
            let mut r = Redirect::to(to).into_response();
            if let Ok(v) = session_cookie(&session_id, state.config.cookies_secure()).parse() {
                r.headers_mut().append(header::SET_COOKIE, v);
            }
            r
        }
        Err(e) => {
            let mut r = render(&LoginPage {
                nav: None,
                error: Some(e.message.clone()),
                notice: None,
                form_token: f.csrf_token,
                username,
            });
            *r.status_mut() = e.status;
            r
        }
    }
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    nav: Option<Nav>,
    error: Option<String>,
    notice: Option<String>,
    form_token: String,
    token: String,
    policy: Vec<String>,
}

#[derive(Deserialize)]
pub struct SetupQuery {
    token: Option<String>,
}

pub async fn setup_page(headers: HeaderMap, Query(q): Query<SetupQuery>) -> Response {
    match anon_token(&headers) {
        Ok((form_token, cookie)) => with_cookie(
            render(&SetupPage {
                nav: None,
                error: None,
                notice: None,
                form_token,
                token: q.token.unwrap_or_default(),
                policy: kijun_core::auth::PasswordPolicy::default().describe(),
            }),
            cookie,
        ),
        Err(e) => error_page(&e),
    }
}

#[derive(Deserialize)]
pub struct SetupForm {
    csrf_token: String,
    token: String,
    username: String,
    display_name: String,
    password: String,
}

pub async fn setup_submit(
    State(state): State<AppState>,
    parts: Parts,
    Form(f): Form<SetupForm>,
) -> Response {
    if !anon_csrf_ok(&parts.headers, &f.csrf_token) {
        return error_page(&anon_csrf_error());
    }
    let token = f.token.clone();
    let req = SetupRequest {
        token: f.token,
        username: f.username,
        display_name: f.display_name,
        password: f.password,
    };
    match auth::setup_admin(&state, source_addr(&parts), req).await {
        Ok(_) => Redirect::to("/login").into_response(),
        Err(e) => render(&SetupPage {
            nav: None,
            error: Some(e.message.clone()),
            notice: None,
            form_token: f.csrf_token,
            token,
            policy: kijun_core::auth::PasswordPolicy::default().describe(),
        }),
    }
}

#[derive(Template)]
#[template(path = "mfa.html")]
struct MfaPage {
    nav: Option<Nav>,
    error: Option<String>,
    notice: Option<String>,
    csrf_token: String,
}

pub async fn mfa_page(UiPending(p): UiPending) -> Response {
    if auth::mfa_done(&p) {
        return Redirect::to("/").into_response();
    }
    if !p.user.mfa_enrolled() {
        return Redirect::to("/mfa/enroll").into_response();
    }
    render(&MfaPage {
        nav: None,
        error: None,
        notice: None,
        csrf_token: csrf_of(&p),
    })
}

#[derive(Deserialize)]
pub struct MfaForm {
    csrf_token: String,
    code: Option<String>,
    recovery_code: Option<String>,
}

impl CsrfField for MfaForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

fn after_mfa(next: &str) -> &'static str {
    if next == "password_change" {
        "/password"
    } else {
        "/"
    }
}

pub async fn mfa_submit(
    State(state): State<AppState>,
    UiPendingForm(p, f): UiPendingForm<MfaForm>,
) -> Response {
    let non_empty = |s: Option<String>| s.filter(|v| !v.trim().is_empty());
    let req = MfaRequest {
        code: non_empty(f.code),
        recovery_code: non_empty(f.recovery_code),
    };
    match auth::second_factor(&state, &p, req).await {
        Ok(next) => Redirect::to(after_mfa(next)).into_response(),
        Err(e) => {
            let mut r = render(&MfaPage {
                nav: None,
                error: Some(e.message.clone()),
                notice: None,
                csrf_token: csrf_of(&p),
            });
            *r.status_mut() = e.status;
            r
        }
    }
}

#[derive(Template)]
#[template(path = "enroll.html")]
struct EnrollPage {
    nav: Option<Nav>,
    error: Option<String>,
    notice: Option<String>,
    csrf_token: String,
    qr_svg: String,
    secret: String,
    enrollment_token: String,
}

fn enroll_view(state: &AppState, p: &Principal, error: Option<String>) -> Response {
    match auth::start_enrollment(state, p) {
        Ok(e) => render(&EnrollPage {
            nav: None,
            error,
            notice: None,
            csrf_token: csrf_of(p),
            qr_svg: e.qr_svg,
            secret: e.secret,
            enrollment_token: e.enrollment_token,
        }),
        Err(e) => error_page(&e),
    }
}

pub async fn enroll_page(State(state): State<AppState>, UiPending(p): UiPending) -> Response {
    enroll_view(&state, &p, None)
}

#[derive(Deserialize)]
pub struct EnrollForm {
    csrf_token: String,
    enrollment_token: String,
    code: String,
}

impl CsrfField for EnrollForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

#[derive(Template)]
#[template(path = "recovery.html")]
struct RecoveryPage {
    nav: Option<Nav>,
    error: Option<String>,
    notice: Option<String>,
    codes: Vec<String>,
    next: &'static str,
}

pub async fn enroll_submit(
    State(state): State<AppState>,
    UiPendingForm(p, f): UiPendingForm<EnrollForm>,
) -> Response {
    let req = ConfirmEnrollment {
        enrollment_token: f.enrollment_token,
        code: f.code,
    };
    match auth::finish_enrollment(&state, &p, req).await {
        Ok(codes) => render(&RecoveryPage {
            nav: None,
            error: None,
            notice: Some("多要素認証を登録しました".into()),
            codes,
            next: if p.password_change_required {
                "/password"
            } else {
                "/"
            },
        }),
        Err(e) => enroll_view(&state, &p, Some(e.message)),
    }
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    nav: Option<Nav>,
    error: Option<String>,
    notice: Option<String>,
    csrf_token: String,
    required: bool,
    policy: Vec<String>,
}

async fn password_view(
    state: &AppState,
    p: &Principal,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    let policy = match state.tenant_settings(p.user.tenant_id.as_deref()).await {
        Ok(s) => s.password_policy.describe(),
        Err(e) => return error_page(&e),
    };
    render(&PasswordPage {
        nav: if p.password_change_required {
            None
        } else {
            Nav::of(p)
        },
        error,
        notice,
        csrf_token: csrf_of(p),
        required: p.password_change_required,
        policy,
    })
}

pub async fn password_page(State(state): State<AppState>, UiSignedIn(p): UiSignedIn) -> Response {
    password_view(&state, &p, None, None).await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    csrf_token: String,
    current_password: String,
    new_password: String,
}

impl CsrfField for PasswordForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

pub async fn password_submit(
    State(state): State<AppState>,
    UiPendingForm(p, f): UiPendingForm<PasswordForm>,
) -> Response {
    let req = PasswordChange {
        current_password: f.current_password,
        new_password: f.new_password,
    };
    match auth::set_own_password(&state, &p, req).await {
        Ok(()) if p.password_change_required => Redirect::to("/").into_response(),
        Ok(()) => password_view(&state, &p, None, Some("パスワードを変更しました".into())).await,
        Err(e) => password_view(&state, &p, Some(e.message), None).await,
    }
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    csrf_token: String,
}

impl CsrfField for CsrfOnly {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

pub async fn logout_submit(
    State(state): State<AppState>,
    UiPendingForm(p, _): UiPendingForm<CsrfOnly>,
) -> Response {
    if let Err(e) = auth::end_session(&state, &p).await {
        return error_page(&e);
    }
    let mut r = Redirect::to("/login").into_response();
    if let Ok(v) = clear_cookie(state.config.cookies_secure()).parse() {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

// ---------------------------------------------------------------------------
// Home and administration

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    nav: Option<Nav>,
    error: Option<String>,
    notice: Option<String>,
    display_name: String,
    role_label: &'static str,
    tenant_name: Option<String>,
}

pub async fn home(State(state): State<AppState>, UiUser(p): UiUser) -> Response {
    if let Some(dashboard) = crate::ui_assessments::dashboard_page(&state, &p).await {
        return dashboard;
    }
    let tenant_name = match &p.tenant_id {
        Some(t) => match state.store.tenant(t).await {
            Ok(t) => t.map(|t| t.name),
            Err(e) => return error_page(&e.into()),
        },
        None => None,
    };
    render(&HomePage {
        nav: Nav::of(&p),
        error: None,
        notice: None,
        display_name: p.user.display_name.clone(),
        role_label: p.role.label(),
        tenant_name,
    })
}

pub struct TenantRow {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub created: String,
}

async fn visible_tenants(state: &AppState, p: &Principal) -> Result<Vec<TenantRow>, ApiError> {
    Ok(state
        .store
        .tenants()
        .await?
        .into_iter()
        .filter(|t| p.sees_tenant(&t.id))
        .map(|t| TenantRow {
            created: jp_date(t.created_at),
            id: t.id,
            slug: t.slug,
            name: t.name,
        })
        .collect())
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    nav: Option<Nav>,
    error: Option<String>,
    notice: Option<String>,
    csrf_token: String,
    tenants: Vec<TenantRow>,
    tenant_id: String,
    users: Vec<UserView>,
    policy: Vec<String>,
}

#[derive(Deserialize)]
pub struct TenantQuery {
    tenant: Option<String>,
}

async fn users_view(
    state: &AppState,
    p: &Principal,
    tenant: Option<String>,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    let build = async {
        let tenants = visible_tenants(state, p).await?;
        let tenant_id = tenant
            .filter(|t| tenants.iter().any(|x| &x.id == t))
            .or_else(|| p.tenant_id.clone())
            .or_else(|| tenants.first().map(|t| t.id.clone()))
            .unwrap_or_default();
        if !tenant_id.is_empty() && !p.administers(&tenant_id) {
            return Err(ApiError::forbidden());
        }
        let users = if tenant_id.is_empty() {
            Vec::new()
        } else {
            state.store.users_in_tenant(&tenant_id).await?
        };
        let policy = state
            .tenant_settings(Some(&tenant_id))
            .await?
            .password_policy
            .describe();
        let now = state.now();
        Ok::<_, ApiError>(UsersPage {
            nav: Nav::of(p),
            error,
            notice,
            csrf_token: csrf_of(p),
            tenants: if p.is_system_admin() {
                tenants
            } else {
                Vec::new()
            },
            tenant_id,
            users: users.iter().map(|u| UserView::of(u, now)).collect(),
            policy,
        })
    };
    match build.await {
        Ok(page) => render(&page),
        Err(e) => error_page(&e),
    }
}

pub async fn users_page(
    State(state): State<AppState>,
    UiUser(p): UiUser,
    Query(q): Query<TenantQuery>,
) -> Response {
    users_view(&state, &p, q.tenant, None, None).await
}

#[derive(Deserialize)]
pub struct NewUserForm {
    csrf_token: String,
    tenant_id: String,
    username: String,
    display_name: String,
    role: Role,
    initial_password: String,
}

impl CsrfField for NewUserForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

fn fully_signed_in(p: &Principal) -> Option<Response> {
    if let Via::Session {
        mfa_verified: false,
        ..
    } = p.via
    {
        return Some(Redirect::to("/mfa").into_response());
    }
    p.password_change_required
        .then(|| Redirect::to("/password").into_response())
}

pub async fn users_create(
    State(state): State<AppState>,
    UiForm(p, f): UiForm<NewUserForm>,
) -> Response {
    if let Some(r) = fully_signed_in(&p) {
        return r;
    }
    let tenant = f.tenant_id.clone();
    let req = NewTenantUser {
        username: f.username,
        display_name: f.display_name,
        email: None,
        role: f.role,
        initial_password: f.initial_password,
    };
    match admin::new_tenant_user(&state, &p, &tenant, req).await {
        Ok(u) => {
            users_view(
                &state,
                &p,
                Some(tenant),
                None,
                Some(format!("利用者 {} を追加しました", u.username)),
            )
            .await
        }
        Err(e) => users_view(&state, &p, Some(tenant), Some(e.message), None).await,
    }
}

#[derive(Deserialize)]
pub struct RoleForm {
    csrf_token: String,
    role: Role,
}

impl CsrfField for RoleForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

pub async fn user_role(
    State(state): State<AppState>,
    Path(id): Path<String>,
    UiForm(p, f): UiForm<RoleForm>,
) -> Response {
    if let Some(r) = fully_signed_in(&p) {
        return r;
    }
    match admin::change_role(&state, &p, &id, f.role).await {
        Ok(u) => {
            let msg = format!("{}: 役割を{}に変更しました", u.username, u.role.label());
            users_view(&state, &p, u.tenant_id.clone(), None, Some(msg)).await
        }
        Err(e) => users_view(&state, &p, None, Some(e.message), None).await,
    }
}

pub async fn user_action(
    State(state): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    UiForm(p, _): UiForm<CsrfOnly>,
) -> Response {
    if let Some(r) = fully_signed_in(&p) {
        return r;
    }
    let (action, done) = match action.as_str() {
        "suspend" => (AccountAction::Suspend, "利用を停止しました"),
        "reactivate" => (AccountAction::Reactivate, "利用を再開しました"),
        "unlock" => (AccountAction::Unlock, "ロックを解除しました"),
        "dispose" => (
            AccountAction::Dispose,
            "アカウントを廃棄しました（パスワード・多要素認証・トークンを削除）",
        ),
        _ => return error_page(&ApiError::not_found()),
    };
    match admin::account_action(&state, &p, &id, action).await {
        Ok(u) => {
            users_view(
                &state,
                &p,
                u.tenant_id.clone(),
                None,
                Some(format!("{}: {done}", u.username)),
            )
            .await
        }
        Err(e) => users_view(&state, &p, None, Some(e.message), None).await,
    }
}

#[derive(Template)]
#[template(path = "tenants.html")]
struct TenantsPage {
    nav: Option<Nav>,
    error: Option<String>,
    notice: Option<String>,
    csrf_token: String,
    tenants: Vec<TenantRow>,
}

async fn tenants_view(
    state: &AppState,
    p: &Principal,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    if !p.is_system_admin() {
        return error_page(&ApiError::forbidden());
    }
    match visible_tenants(state, p).await {
        Ok(tenants) => render(&TenantsPage {
            nav: Nav::of(p),
            error,
            notice,
            csrf_token: csrf_of(p),
            tenants,
        }),
        Err(e) => error_page(&e),
    }
}

pub async fn tenants_page(State(state): State<AppState>, UiUser(p): UiUser) -> Response {
    tenants_view(&state, &p, None, None).await
}

#[derive(Deserialize)]
pub struct NewTenantForm {
    csrf_token: String,
    slug: String,
    name: String,
}

impl CsrfField for NewTenantForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

pub async fn tenants_create(
    State(state): State<AppState>,
    UiForm(p, f): UiForm<NewTenantForm>,
) -> Response {
    if let Some(r) = fully_signed_in(&p) {
        return r;
    }
    match admin::new_tenant(
        &state,
        &p,
        NewTenant {
            slug: f.slug,
            name: f.name,
        },
    )
    .await
    {
        Ok(t) => {
            tenants_view(
                &state,
                &p,
                None,
                Some(format!("団体 {} を追加しました", t.name)),
            )
            .await
        }
        Err(e) => tenants_view(&state, &p, Some(e.message), None).await,
    }
}

pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub source: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    nav: Option<Nav>,
    error: Option<String>,
    notice: Option<String>,
    tenants: Vec<TenantRow>,
    tenant_id: String,
    from: String,
    until: String,
    csv_link: String,
    entries: Vec<AuditRow>,
}

#[derive(Deserialize)]
pub struct AuditQuery {
    tenant: Option<String>,
    from: Option<String>,
    until: Option<String>,
}

/// A `YYYY-MM-DD` date in Asia/Tokyo as the UTC instant of its start
/// (`plus_days` later).
fn tokyo_day_start(date: &str, plus_days: i64) -> Option<Timestamp> {
    let d: jiff::civil::Date = date.parse().ok()?;
    let d = d.checked_add(jiff::Span::new().days(plus_days)).ok()?;
    let tz = TimeZone::get("Asia/Tokyo").ok()?;
    d.to_zoned_datetime(tz).ok().map(|z| z.timestamp())
}

pub async fn audit_page(
    State(state): State<AppState>,
    UiUser(p): UiUser,
    Query(q): Query<AuditQuery>,
) -> Response {
    let build = async {
        let tenant_id = match p.role {
            Role::SystemAdmin => q.tenant.clone().filter(|t| !t.is_empty()),
            Role::TenantAdmin => p.tenant_id.clone(),
            _ => return Err(ApiError::forbidden()),
        };
        let from = q.from.clone().unwrap_or_default();
        let until = q.until.clone().unwrap_or_default();
        let filter = AuditFilter {
            tenant_id: tenant_id.clone(),
            from: tokyo_day_start(&from, 0),
            until: tokyo_day_start(&until, 1),
            limit: Some(1000),
        };
        let entries = state.store.audit_entries(&filter).await?;
        let mut csv_link = String::from("/api/v1/audit?format=csv");
        if let Some(t) = &tenant_id {
            csv_link.push_str(&format!("&tenant_id={t}"));
        }
        if let Some(f) = filter.from {
            csv_link.push_str(&format!("&from={f}"));
        }
        if let Some(u) = filter.until {
            csv_link.push_str(&format!("&until={u}"));
        }
        Ok(AuditPage {
            nav: Nav::of(&p),
            error: None,
            notice: None,
            tenants: if p.is_system_admin() {
                visible_tenants(&state, &p).await?
            } else {
                Vec::new()
            },
            tenant_id: tenant_id.unwrap_or_default(),
            from,
            until,
            csv_link,
            entries: entries
                .into_iter()
                .rev()
                .map(|e| AuditRow {
                    seq: e.seq,
                    at: jp_datetime(e.at),
                    actor: e.actor_name.unwrap_or_else(|| "（匿名）".into()),
                    action: e.action,
                    target: e.target.unwrap_or_default(),
                    source: e.source_addr.unwrap_or_default(),
                })
                .collect(),
        })
    };
    match build.await {
        Ok(page) => render(&page),
        Err(e) => error_page(&e),
    }
}

pub struct TokenRow {
    pub name: String,
    pub role: &'static str,
    pub expires: String,
    pub last_used: String,
    pub state: &'static str,
}

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage {
    nav: Option<Nav>,
    error: Option<String>,
    notice: Option<String>,
    user: UserView,
    affiliation: String,
    password_changed: String,
    created: String,
    tokens: Vec<TokenRow>,
}

/// The signed-in user's own account and API tokens.
pub async fn profile_page(State(state): State<AppState>, UiUser(p): UiUser) -> Response {
    let build = async {
        let now = state.now();
        let affiliation = match (&p.user.tenant_id, &p.user.organisation_id) {
            (Some(t), _) => state
                .store
                .tenant(t)
                .await?
                .map(|t| t.name)
                .unwrap_or_default(),
            (None, Some(o)) => state
                .store
                .organisations()
                .await?
                .into_iter()
                .find(|x| &x.id == o)
                .map(|x| {
                    format!(
                        "{}（{}）",
                        x.name,
                        if x.kind == "integrator" {
                            "導入事業者"
                        } else {
                            "外部サービス提供者"
                        }
                    )
                })
                .unwrap_or_default(),
            (None, None) => "システム".into(),
        };
        let tokens = state
            .store
            .api_tokens_of_user(&p.user.id)
            .await?
            .into_iter()
            .map(|t| TokenRow {
                name: t.name,
                role: t.role.label(),
                expires: jp_date(t.expires_at),
                last_used: t
                    .last_used_at
                    .map(jp_datetime)
                    .unwrap_or_else(|| "—".into()),
                state: if t.revoked_at.is_some() {
                    "失効"
                } else if now >= t.expires_at {
                    "期限切れ"
                } else {
                    "有効"
                },
            })
            .collect();
        Ok::<_, ApiError>(ProfilePage {
            nav: Nav::of(&p),
            error: None,
            notice: None,
            user: UserView::of(&p.user, now),
            affiliation,
            password_changed: p
                .user
                .password_changed_at
                .map(jp_datetime)
                .unwrap_or_else(|| "—".into()),
            created: jp_date(p.user.created_at),
            tokens,
        })
    };
    match build.await {
        Ok(page) => render(&page),
        Err(e) => error_page(&e),
    }
}

/// `/`: home when signed in, else the login page.
pub async fn root(state: State<AppState>, user: Result<UiUser, Response>) -> Response {
    match user {
        Ok(u) => home(state, u).await,
        Err(r) => r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_japanese_in_tokyo_time() {
        let ts: Timestamp = "2026-04-30T15:30:00Z"
            .parse()
            .unwrap_or(Timestamp::UNIX_EPOCH);
        assert_eq!(jp_datetime(ts), "2026年5月1日 00:30");
        assert_eq!(jp_date(ts), "2026年5月1日");
        assert_eq!(
            tokyo_day_start("2026-05-01", 0).map(|t| t.to_string()),
            Some("2026-04-30T15:00:00Z".into())
        );
        assert_eq!(
            tokyo_day_start("2026-05-01", 1).map(|t| t.to_string()),
            Some("2026-05-01T15:00:00Z".into())
        );
        assert_eq!(tokyo_day_start("5/1", 0), None);
    }
}

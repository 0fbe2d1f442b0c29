//! The server-rendered page of a tenant's notification channels (通知先,
//! `/admin/tenants/{id}/notifications`, with `/admin/notifications` leading
//! to the administrator's tenant): the e-mail recipients and webhooks with
//! the alert kinds each receives, a form to add one and a button to remove
//! one. A webhook's signing secret is write-only: the page says whether one
//! is set and never shows it, nor puts it back into a form that failed; of
//! a webhook's URL only the origin is shown (a chat service's URL carries
//! its credential in the path).
//!
//! Who may do what is decided exactly as in the JSON API: the list, the
//! creation and the removal go through `routes::notify`'s handlers
//! (`administered_tenant`: another tenant answers 404, a user of the tenant
//! who does not administer it 403), with the same checks and audit
//! entries. Forms are checked for the session's CSRF token and a completed
//! sign-in by `UiForm`; a valid form redirects back with a `?done=` notice,
//! an invalid one shows the page again with the error at its field.

use std::collections::HashMap;

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kijun_store::notify::ChannelKind;
use serde::Deserialize;

use crate::error::{ApiError, ApiJson};
use crate::notify::ALERT_KINDS;
use crate::principal::Principal;
use crate::routes::notify::{self, NewChannelRequest};
use crate::state::AppState;
use crate::ui::{CsrfField, Nav, UiForm, UiUser, jp_datetime};
use crate::ui::{DoneQuery, csrf_of, render};
use crate::ui_assessments::{error_response, page_tenant};

/// A form as posted: the CSRF token and every other field by name (the
/// kinds are checkboxes named `kind_<kind>`).
#[derive(Deserialize)]
pub struct ChannelForm {
    csrf_token: String,
    #[serde(flatten)]
    fields: HashMap<String, String>,
}

impl CsrfField for ChannelForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

impl ChannelForm {
    fn get(&self, name: &str) -> String {
        self.fields
            .get(name)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    }
}

/// The alert kinds a channel may receive (`test` is sent on request only).
fn kinds() -> impl Iterator<Item = &'static (&'static str, &'static str)> {
    ALERT_KINDS.iter().filter(|(k, _)| *k != "test")
}

fn kind_label(kind: &str) -> &str {
    ALERT_KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(kind, |(_, l)| l)
}

pub struct ChannelRow {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub target: String,
    pub secret: &'static str,
    pub kinds: String,
    pub updated: String,
}

/// What was entered in a failed form (never the secret) and the error.
#[derive(Default)]
pub struct Entered {
    pub channel: String,
    pub name: String,
    pub address: String,
    pub url: String,
    pub kinds: Vec<String>,
    /// `(field, message)`.
    pub error: Option<(String, String)>,
}

impl Entered {
    /// The error of `field`, if it is the one at fault.
    pub fn error_of(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    pub fn has_kind(&self, kind: &&str) -> bool {
        self.kinds.iter().any(|k| k == kind)
    }
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct ChannelsPage {
    nav: Option<Nav>,
    error: Option<String>,
    notice: Option<String>,
    csrf_token: String,
    tenant_id: String,
    tenant_name: String,
    channels: Vec<ChannelRow>,
    kinds: Vec<(&'static str, &'static str)>,
    entered: Entered,
}

async fn channels_view(
    state: &AppState,
    p: &Principal,
    tenant_id: &str,
    error: Option<String>,
    notice: Option<String>,
    entered: Entered,
) -> Response {
    let build = async {
        let Json(list) =
            notify::list_channels(State(state.clone()), p.clone(), Path(tenant_id.to_owned()))
                .await?;
        let tenant = state
            .store
            .tenant(tenant_id)
            .await?
            .ok_or_else(ApiError::not_found)?;
        let channels = list
            .into_iter()
            .map(|c| ChannelRow {
                kind: match c.channel {
                    ChannelKind::Email => "メール",
                    ChannelKind::Webhook => "Webhook",
                },
                // A webhook URL's path may carry a chat service's
                // credential: only its origin is shown (as the audit log).
                target: match (c.address, c.url) {
                    (Some(a), _) => a,
                    (None, Some(u)) => format!("{}/…", crate::notify::webhook::origin(&u)),
                    (None, None) => String::new(),
                },
                secret: match (c.channel, c.has_secret) {
                    (ChannelKind::Email, _) => "—",
                    (ChannelKind::Webhook, true) => "設定済み（表示しません）",
                    (ChannelKind::Webhook, false) => "未設定",
                },
                kinds: if c.kinds.is_empty() {
                    "すべての種類".into()
                } else {
                    c.kinds
                        .iter()
                        .map(|k| kind_label(k))
                        .collect::<Vec<_>>()
                        .join("、")
                },
                updated: jp_datetime(c.updated_at),
                id: c.id,
                name: c.name,
            })
            .collect();
        Ok::<_, ApiError>(ChannelsPage {
            nav: Nav::of(p),
            error,
            notice,
            csrf_token: csrf_of(p),
            tenant_id: tenant.id,
            tenant_name: tenant.name,
            channels,
            kinds: kinds().copied().collect(),
            entered,
        })
    };
    match build.await {
        Ok(page) => render(&page),
        Err(e) => error_response(e),
    }
}

#[derive(Deserialize)]
pub struct TenantQuery {
    tenant: Option<String>,
}

/// `GET /admin/notifications`: the administrator's tenant's page (a system
/// administrator's: `?tenant=` or the first tenant).
pub async fn notifications_home(
    State(state): State<AppState>,
    UiUser(p): UiUser,
    Query(q): Query<TenantQuery>,
) -> Response {
    match page_tenant(&state, &p, q.tenant).await {
        Ok(Some(t)) => Redirect::to(&format!("/admin/tenants/{t}/notifications")).into_response(),
        Ok(None) => error_response(ApiError::not_found()),
        Err(e) => error_response(e),
    }
}

/// `GET /admin/tenants/{id}/notifications`.
pub async fn notifications_page(
    State(state): State<AppState>,
    UiUser(p): UiUser,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Response {
    let notice = match q.done.as_deref() {
        Some("created") => Some("通知先を追加しました".to_owned()),
        Some("deleted") => Some("通知先を削除しました".to_owned()),
        _ => None,
    };
    channels_view(&state, &p, &id, None, notice, Entered::default()).await
}

/// `POST /admin/tenants/{id}/notifications/channels`.
pub async fn create_channel(
    State(state): State<AppState>,
    Path(id): Path<String>,
    UiForm(p, f): UiForm<ChannelForm>,
) -> Response {
    let chosen: Vec<String> = kinds()
        .filter(|(k, _)| f.get(&format!("kind_{k}")) == "true")
        .map(|(k, _)| (*k).to_owned())
        .collect();
    let channel = f.get("type");
    let optional = |name: &str| Some(f.get(name)).filter(|v| !v.is_empty());
    let result = async {
        let kind = ChannelKind::parse(&channel).ok_or_else(|| {
            ApiError::bad_request("invalid_field", "通知の方法を選んでください").with_field("type")
        })?;
        let (address, url, secret) = match kind {
            ChannelKind::Email => (Some(f.get("address")), None, None),
            ChannelKind::Webhook => (None, Some(f.get("url")), optional("secret")),
        };
        notify::create_channel(
            State(state.clone()),
            p.clone(),
            Path(id.clone()),
            ApiJson(NewChannelRequest {
                channel: kind,
                name: f.get("name"),
                address,
                url,
                secret,
                kinds: chosen.clone(),
            }),
        )
        .await
    };
    match result.await {
        Ok(_) => {
            Redirect::to(&format!("/admin/tenants/{id}/notifications?done=created")).into_response()
        }
        Err(e) if matches!(e.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN) => {
            error_response(e)
        }
        Err(e) => {
            let status = e.status;
            let entered = Entered {
                channel,
                name: f.get("name"),
                address: f.get("address"),
                url: f.get("url"),
                kinds: chosen,
                error: Some((e.field.clone().unwrap_or_default(), e.message.clone())),
            };
            let mut r = channels_view(&state, &p, &id, Some(e.message), None, entered).await;
            if r.status().is_success() {
                *r.status_mut() = status;
            }
            r
        }
    }
}

/// `POST /admin/tenants/{id}/notifications/channels/{channel_id}/delete`.
pub async fn delete_channel(
    State(state): State<AppState>,
    Path((id, channel_id)): Path<(String, String)>,
    UiForm(p, _f): UiForm<ChannelForm>,
) -> Response {
    match notify::delete_channel(
        State(state.clone()),
        p.clone(),
        Path((id.clone(), channel_id)),
    )
    .await
    {
        Ok(_) => {
            Redirect::to(&format!("/admin/tenants/{id}/notifications?done=deleted")).into_response()
        }
        Err(e) => error_response(e),
    }
}

//! A tenant's notification channels (e-mail recipients and webhooks), its
//! delivery log, and the test notification, under
//! `/api/v1/tenants/{id}/notifications/…`. For the tenant's administrators
//! (and system administrators) only, exactly like the tenant settings:
//! another tenant answers 404, a non-administrator of the tenant 403. Every
//! change is audit-logged in the same transaction; webhook secrets are
//! write-only (sealed with the master key, never returned) and the audit
//! log records a webhook URL's origin only.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use kijun_store::Tenant;
use kijun_store::notify::{
    Channel, ChannelKind, ChannelUpdate, DeliveryStatus, LogEntry, LogFilter, NewChannel,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit_log::Event;
use crate::error::{ApiError, ApiJson, ApiQuery};
use crate::notify::{Alert, email, known_kind, seal_secret, webhook};
use crate::principal::Principal;
use crate::routes::auth::valid_display_name;
use crate::state::AppState;

/// The most channels a tenant may have.
const MAX_CHANNELS: usize = 50;

/// A channel as the API shows it: never the webhook secret.
#[derive(Debug, Serialize)]
pub struct ChannelView {
    pub id: String,
    #[serde(rename = "type")]
    pub channel: ChannelKind,
    pub name: String,
    /// E-mail: the address.
    pub address: Option<String>,
    /// Webhook: the URL.
    pub url: Option<String>,
    /// Webhook: a secret is set (always, for webhooks).
    pub has_secret: bool,
    pub kinds: Vec<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl ChannelView {
    pub fn of(c: &Channel) -> ChannelView {
        let (address, url) = match c.channel {
            ChannelKind::Email => (Some(c.target.clone()), None),
            ChannelKind::Webhook => (None, Some(c.target.clone())),
        };
        ChannelView {
            id: c.id.clone(),
            channel: c.channel,
            name: c.name.clone(),
            address,
            url,
            has_secret: c.secret.is_some(),
            kinds: c.kinds.clone(),
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// `POST …/notifications/channels`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewChannelRequest {
    #[serde(rename = "type")]
    pub channel: ChannelKind,
    pub name: String,
    pub address: Option<String>,
    pub url: Option<String>,
    pub secret: Option<String>,
    #[serde(default)]
    pub kinds: Vec<String>,
}

/// `PUT …/notifications/channels/{channel_id}`: replaces name, address or
/// URL and kinds; `secret` omitted keeps the stored one.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelUpdateRequest {
    pub name: String,
    pub address: Option<String>,
    pub url: Option<String>,
    pub secret: Option<String>,
    #[serde(default)]
    pub kinds: Vec<String>,
}

/// The tenant `id` if the principal administers it: 404 if it may not see
/// it (or it does not exist), 403 if it sees but does not administer it.
async fn administered_tenant(
    state: &AppState,
    p: &Principal,
    id: &str,
) -> Result<Tenant, ApiError> {
    if !p.sees_tenant(id) {
        return Err(ApiError::not_found());
    }
    let t = state
        .store
        .tenant(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if !p.administers(&t.id) {
        return Err(ApiError::forbidden());
    }
    Ok(t)
}

fn invalid(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::bad_request("invalid_field", message).with_field(field)
}

fn check_kinds(kinds: &[String]) -> Result<Vec<String>, ApiError> {
    let mut out: Vec<String> = Vec::new();
    for k in kinds {
        if !known_kind(k) || k == "test" {
            return Err(invalid(
                "kinds",
                format!("通知の種類 `{k}` はありません（docs/notifications.md の一覧を参照）"),
            ));
        }
        if !out.contains(k) {
            out.push(k.clone());
        }
    }
    Ok(out)
}

fn check_secret(secret: &str) -> Result<(), ApiError> {
    let n = secret.chars().count();
    if !(16..=256).contains(&n) || secret.chars().any(char::is_control) {
        return Err(invalid(
            "secret",
            "秘密鍵は制御文字を含まない16〜256文字で指定してください",
        ));
    }
    Ok(())
}

/// The checked target of a channel: the address or the URL.
fn check_target(
    state: &AppState,
    kind: ChannelKind,
    address: Option<&str>,
    url: Option<&str>,
) -> Result<String, ApiError> {
    match (kind, address, url) {
        (ChannelKind::Email, Some(a), None) => {
            let a = a.trim();
            if email::valid_address(a) {
                Ok(a.to_owned())
            } else {
                Err(invalid("address", "メールアドレスの形式が正しくありません"))
            }
        }
        (ChannelKind::Email, None, _) => Err(invalid(
            "address",
            "メールアドレス (address) を指定してください",
        )),
        (ChannelKind::Email, Some(_), Some(_)) => {
            Err(invalid("url", "メールの通知先には url を指定できません"))
        }
        (ChannelKind::Webhook, None, Some(u)) => {
            let u = u.trim();
            webhook::parse_url(u, state.outbox.webhook_rules()).map_err(|m| invalid("url", m))?;
            Ok(u.to_owned())
        }
        (ChannelKind::Webhook, _, None) => {
            Err(invalid("url", "Webhook の URL (url) を指定してください"))
        }
        (ChannelKind::Webhook, Some(_), Some(_)) => Err(invalid(
            "address",
            "Webhook の通知先には address を指定できません",
        )),
    }
}

fn shown_target(kind: ChannelKind, target: &str) -> String {
    match kind {
        ChannelKind::Email => target.to_owned(),
        ChannelKind::Webhook => webhook::origin(target),
    }
}

pub async fn list_channels(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<Vec<ChannelView>>, ApiError> {
    let t = administered_tenant(&state, &p, &id).await?;
    let channels = state.store.notification_channels(&t.id).await?;
    Ok(Json(channels.iter().map(ChannelView::of).collect()))
}

pub async fn get_channel(
    State(state): State<AppState>,
    p: Principal,
    Path((id, channel_id)): Path<(String, String)>,
) -> Result<Json<ChannelView>, ApiError> {
    let t = administered_tenant(&state, &p, &id).await?;
    let c = state
        .store
        .notification_channel(&t.id, &channel_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(ChannelView::of(&c)))
}

pub async fn create_channel(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<NewChannelRequest>,
) -> Result<Response, ApiError> {
    let t = administered_tenant(&state, &p, &id).await?;
    if !valid_display_name(&req.name) {
        return Err(invalid("name", "名称は1〜100文字で指定してください"));
    }
    let target = check_target(
        &state,
        req.channel,
        req.address.as_deref(),
        req.url.as_deref(),
    )?;
    let kinds = check_kinds(&req.kinds)?;
    let channel_id = kijun_store::notify::new_id();
    let secret = match (req.channel, req.secret.as_deref()) {
        (ChannelKind::Email, None) => None,
        (ChannelKind::Email, Some(_)) => {
            return Err(invalid(
                "secret",
                "メールの通知先には secret を指定できません",
            ));
        }
        (ChannelKind::Webhook, None) => {
            return Err(invalid(
                "secret",
                "Webhook の署名に使う秘密鍵 (secret) を指定してください",
            ));
        }
        (ChannelKind::Webhook, Some(s)) => {
            check_secret(s)?;
            Some(seal_secret(&state, &channel_id, s)?)
        }
    };
    if state.store.notification_channels(&t.id).await?.len() >= MAX_CHANNELS {
        return Err(ApiError::conflict(format!(
            "通知先は1テナントにつき {MAX_CHANNELS} 件までです"
        )));
    }
    let name = req.name.trim().to_owned();
    let audit = state.audit_entry(
        Some(&p),
        None,
        Event {
            action: "notification_channel_created",
            tenant_id: Some(&t.id),
            target: Some(format!("notification_channel:{channel_id}")),
            details: json!({
                "type": req.channel,
                "name": name,
                "target": shown_target(req.channel, &target),
                "kinds": kinds,
            }),
        },
    );
    let c = state
        .store
        .create_notification_channel(
            &NewChannel {
                id: channel_id,
                tenant_id: t.id.clone(),
                channel: req.channel,
                name,
                target,
                secret,
                kinds,
            },
            &audit,
            state.now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(ChannelView::of(&c))).into_response())
}

pub async fn update_channel(
    State(state): State<AppState>,
    p: Principal,
    Path((id, channel_id)): Path<(String, String)>,
    ApiJson(req): ApiJson<ChannelUpdateRequest>,
) -> Result<Json<ChannelView>, ApiError> {
    let t = administered_tenant(&state, &p, &id).await?;
    let existing = state
        .store
        .notification_channel(&t.id, &channel_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if !valid_display_name(&req.name) {
        return Err(invalid("name", "名称は1〜100文字で指定してください"));
    }
    let target = check_target(
        &state,
        existing.channel,
        req.address.as_deref(),
        req.url.as_deref(),
    )?;
    let kinds = check_kinds(&req.kinds)?;
    let secret = match (existing.channel, req.secret.as_deref()) {
        (_, None) => None,
        (ChannelKind::Email, Some(_)) => {
            return Err(invalid(
                "secret",
                "メールの通知先には secret を指定できません",
            ));
        }
        (ChannelKind::Webhook, Some(s)) => {
            check_secret(s)?;
            Some(seal_secret(&state, &existing.id, s)?)
        }
    };
    let name = req.name.trim().to_owned();
    let audit = state.audit_entry(
        Some(&p),
        None,
        Event {
            action: "notification_channel_updated",
            tenant_id: Some(&t.id),
            target: Some(format!("notification_channel:{}", existing.id)),
            details: json!({
                "type": existing.channel,
                "name": name,
                "target": shown_target(existing.channel, &target),
                "kinds": kinds,
                "secret_changed": secret.is_some(),
            }),
        },
    );
    let c = state
        .store
        .update_notification_channel(
            &t.id,
            &existing.id,
            &ChannelUpdate {
                name,
                target,
                secret,
                kinds,
            },
            &audit,
            state.now(),
        )
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(ChannelView::of(&c)))
}

pub async fn delete_channel(
    State(state): State<AppState>,
    p: Principal,
    Path((id, channel_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let t = administered_tenant(&state, &p, &id).await?;
    let existing = state
        .store
        .notification_channel(&t.id, &channel_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let audit = state.audit_entry(
        Some(&p),
        None,
        Event {
            action: "notification_channel_deleted",
            tenant_id: Some(&t.id),
            target: Some(format!("notification_channel:{}", existing.id)),
            details: json!({
                "type": existing.channel,
                "name": existing.name,
                "target": shown_target(existing.channel, &existing.target),
            }),
        },
    );
    if state
        .store
        .delete_notification_channel(&t.id, &existing.id, &audit, state.now())
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found())
    }
}

/// `GET …/notifications/deliveries` query.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogQuery {
    status: Option<String>,
    channel: Option<String>,
    kind: Option<String>,
    notification_id: Option<String>,
    from: Option<String>,
    until: Option<String>,
    limit: Option<i64>,
}

fn parse_time(value: Option<&str>, field: &'static str) -> Result<Option<Timestamp>, ApiError> {
    value
        .map(|v| {
            v.parse::<Timestamp>().map_err(|_| {
                invalid(
                    field,
                    "日時は ISO 8601 (例: 2026-05-01T00:00:00Z) で指定してください",
                )
            })
        })
        .transpose()
}

pub async fn deliveries(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<LogQuery>,
) -> Result<Json<Vec<LogEntry>>, ApiError> {
    let t = administered_tenant(&state, &p, &id).await?;
    let filter = LogFilter {
        status: q
            .status
            .as_deref()
            .map(|s| {
                DeliveryStatus::parse(s).ok_or_else(|| {
                    invalid(
                        "status",
                        "status は pending / failed / sent / gave_up のいずれかです",
                    )
                })
            })
            .transpose()?,
        channel: q
            .channel
            .as_deref()
            .map(|s| {
                ChannelKind::parse(s)
                    .ok_or_else(|| invalid("channel", "channel は email / webhook のいずれかです"))
            })
            .transpose()?,
        kind: q.kind,
        notification_id: q.notification_id,
        from: parse_time(q.from.as_deref(), "from")?,
        until: parse_time(q.until.as_deref(), "until")?,
        limit: Some(q.limit.unwrap_or(100).clamp(1, 1000)),
    };
    Ok(Json(state.store.delivery_log(&t.id, &filter).await?))
}

/// `POST …/notifications/test`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestRequest {
    /// Only this channel (default: every channel of the tenant).
    pub channel_id: Option<String>,
    /// Repeating a request with the same key sends nothing again.
    pub idempotency_key: Option<String>,
}

/// What a test notification queued.
#[derive(Debug, Serialize)]
pub struct TestQueued {
    /// `None` when the idempotency key was used before.
    pub notification_id: Option<String>,
    pub deliveries: usize,
    /// The idempotency key had been used: nothing new was queued.
    pub duplicate: bool,
}

pub async fn send_test(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<TestRequest>,
) -> Result<Response, ApiError> {
    let t = administered_tenant(&state, &p, &id).await?;
    let channels = match &req.channel_id {
        Some(cid) => vec![
            state
                .store
                .notification_channel(&t.id, cid)
                .await?
                .ok_or_else(ApiError::not_found)?,
        ],
        None => state.store.notification_channels(&t.id).await?,
    };
    if channels.is_empty() {
        return Err(ApiError::conflict(
            "通知先がありません。先に通知先を登録してください",
        ));
    }
    let dedupe_key = match &req.idempotency_key {
        Some(k) if (1..=100).contains(&k.chars().count()) && !k.chars().any(char::is_control) => {
            format!("test:{k}")
        }
        Some(_) => {
            return Err(invalid(
                "idempotency_key",
                "idempotency_key は制御文字を含まない1〜100文字で指定してください",
            ));
        }
        None => format!("test:{}", kijun_store::notify::new_id()),
    };
    let now = state.now();
    let at = now.in_tz("Asia/Tokyo").map_err(ApiError::internal)?;
    let body = format!(
        "kijun からのテスト通知です。\n\nテナント: {}\n送信を依頼した人: {}\n依頼日時: {}\n\nこの通知が届いていれば、通知先の設定は正しく動作しています。",
        t.name,
        p.user.display_name,
        at.strftime("%Y年%m月%d日 %H:%M:%S")
    );
    let payload = json!({"test": true, "requested_by": p.user.id});
    let enqueued = state
        .notify_channels(
            &Alert {
                tenant_id: &t.id,
                kind: "test",
                subject: "【kijun】テスト通知",
                body: &body,
                payload: &payload,
                dedupe_key: &dedupe_key,
            },
            &channels,
            now,
        )
        .await?;
    let queued = TestQueued {
        duplicate: enqueued.is_none(),
        deliveries: enqueued.as_ref().map_or(0, |e| e.deliveries.len()),
        notification_id: enqueued.map(|e| e.notification_id),
    };
    state
        .audit(
            Some(&p),
            None,
            Event {
                action: "notification_test_sent",
                tenant_id: Some(&t.id),
                target: queued
                    .notification_id
                    .as_ref()
                    .map(|n| format!("notification:{n}")),
                details: json!({
                    "channels": channels.iter().map(|c| &c.id).collect::<Vec<_>>(),
                    "deliveries": queued.deliveries,
                    "duplicate": queued.duplicate,
                }),
            },
        )
        .await?;
    Ok((StatusCode::ACCEPTED, Json(queued)).into_response())
}

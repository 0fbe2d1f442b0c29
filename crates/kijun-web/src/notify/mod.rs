//! Sending notifications (通知): alerts go out as e-mail over SMTP and as
//! signed webhooks, through an outbox in the database, with retries and a
//! delivery log.
//!
//! - [`AppState::notify`] is what alert rules call: it enqueues the alert
//!   once per tenant and dedupe key, with one delivery per channel of the
//!   tenant that wants the alert's kind, and wakes the worker.
//! - [`spawn_worker`] runs with the server: every `worker_interval` (or at
//!   once when woken) it claims due deliveries with a lease
//!   ([`kijun_store::Store::claim_deliveries`]), sends them, and records
//!   each attempt; a failed attempt is retried after the configured
//!   backoff (1 min, 5 min, 30 min, 2 h, 6 h by default), then given up.
//! - [`email`]: the SMTP sender; [`webhook`]: the signed POST and its
//!   client; [`config`]: `[server.smtp]` and `[server.notifications]`.
//!
//! The channels and the log are managed over HTTP in
//! `routes/notify.rs`. See `docs/notifications.md`.

pub mod config;
pub mod email;
pub mod webhook;

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use kijun_store::StoreError;
use kijun_store::notify::{
    Channel, ChannelKind, Claimed, Enqueued, NewDelivery, NewNotification, Outcome,
};

use crate::log;
use crate::state::AppState;
use config::{NotificationsConfig, SmtpConfig};

/// The alert kinds a channel can subscribe to: id and Japanese label.
/// The ids are those of the alert rules (`AlertKind::as_str` in
/// `kijun_core::oversight::alerts`), which pass them as `kind`; `test` is
/// the test notification, which goes to the chosen channels whatever they
/// subscribe to.
pub const ALERT_KINDS: &[(&str, &str)] = &[
    (
        "incident_investigation_late",
        "インシデントの調査への着手が24時間以内でない（期限が近いものを含む）",
    ),
    (
        "incident_report_late",
        "インシデントの報告が24時間以内でない（期限が近いものを含む）",
    ),
    (
        "notice_too_late",
        "変更・終了の告知が効力発生の1か月前より遅い",
    ),
    (
        "expiring",
        "登録（ISMAP・ISMAP-LIU・LGWAN-ASP）・認証・契約の期限が90日以内",
    ),
    (
        "deliverable_missing",
        "提出物が期限までに提出されていない（期限の7日前からの予告を含む）",
    ),
    ("deliverable_late", "提出物が期限後に提出された"),
    (
        "improvement_plan_required",
        "SLA の目標値を達成できなかった月の報告に改善策がない",
    ),
    (
        "outage_detected",
        "稼働監視で障害を検知した（連続して応答に失敗した）",
    ),
    ("test", "テスト通知"),
];

/// Whether `kind` is one of [`ALERT_KINDS`].
pub fn known_kind(kind: &str) -> bool {
    ALERT_KINDS.iter().any(|(k, _)| *k == kind)
}

/// Errors of the notification subsystem.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("通知の設定が正しくありません: {0}")]
    Config(String),
    #[error("{0}")]
    Crypto(#[from] crate::crypto::CryptoError),
}

impl From<NotifyError> for crate::error::ApiError {
    fn from(e: NotifyError) -> Self {
        match e {
            NotifyError::Store(e) => e.into(),
            other => crate::error::ApiError::internal(other),
        }
    }
}

/// Why one attempt failed; `permanent`: trying again cannot help, so the
/// delivery is given up at once.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    pub message: String,
    pub permanent: bool,
}

impl SendError {
    pub fn transient(message: impl Into<String>) -> SendError {
        SendError {
            message: message.into(),
            permanent: false,
        }
    }

    pub fn permanent(message: impl Into<String>) -> SendError {
        SendError {
            message: message.into(),
            permanent: true,
        }
    }
}

/// The senders and the worker's wake-up call, shared by the state.
pub struct Outbox {
    pub config: NotificationsConfig,
    mailer: Option<email::Mailer>,
    webhooks: webhook::Client,
    wake: tokio::sync::Notify,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox")
            .field("config", &self.config)
            .field("email", &self.mailer.is_some())
            .finish_non_exhaustive()
    }
}

fn duration(d: jiff::SignedDuration) -> Duration {
    Duration::try_from(d).unwrap_or(Duration::from_secs(1))
}

impl Outbox {
    /// The senders for the configuration. Installs the CRYPTREC rustls
    /// provider as the process default (lettre's TLS takes that one) and
    /// loads the system's CA certificates for HTTPS webhooks.
    pub fn new(
        smtp: Option<&SmtpConfig>,
        config: NotificationsConfig,
    ) -> Result<Outbox, NotifyError> {
        config.check()?;
        // Already installed (a second server in one process): the same provider.
        let _ = rustls::crypto::CryptoProvider::install_default(crate::tls::crypto_provider());
        let timeout = duration(config.send_timeout);
        let mailer = smtp.map(|s| email::Mailer::new(s, timeout)).transpose()?;
        let mut roots = rustls::RootCertStore::empty();
        let found = rustls_native_certs::load_native_certs();
        let (added, _) = roots.add_parsable_certificates(found.certs);
        if added == 0 {
            log::error(
                "notifications: no CA certificates found in the system store; HTTPS webhooks will fail",
            );
        }
        let webhooks = webhook::Client::new(
            roots,
            webhook::Rules {
                require_https: config.webhook_require_https,
                allow_private: config.webhook_allow_private_addresses,
            },
            timeout,
        )
        .map_err(NotifyError::Config)?;
        Ok(Outbox {
            config,
            mailer,
            webhooks,
            wake: tokio::sync::Notify::new(),
        })
    }

    /// Whether e-mail can be sent (`[server.smtp]` is configured).
    pub fn email_enabled(&self) -> bool {
        self.mailer.is_some()
    }

    /// The deployment's webhook rules.
    pub fn webhook_rules(&self) -> webhook::Rules {
        self.webhooks.rules()
    }

    /// Wakes the worker of this instance.
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

/// An alert to send.
#[derive(Debug, Clone)]
pub struct Alert<'a> {
    pub tenant_id: &'a str,
    /// One of [`ALERT_KINDS`].
    pub kind: &'a str,
    /// Japanese subject line (e-mail subject, webhook `subject`).
    pub subject: &'a str,
    /// Japanese plain-text body.
    pub body: &'a str,
    /// Machine-readable details (webhook `payload`), e.g. ids and dates.
    pub payload: &'a serde_json::Value,
    /// The same key in the same tenant is sent only once, e.g.
    /// the alert rules' `Alert::dedupe_key`.
    pub dedupe_key: &'a str,
}

/// The deliveries for `channels`.
fn deliveries_for<'a>(channels: impl IntoIterator<Item = &'a Channel>) -> Vec<NewDelivery> {
    channels
        .into_iter()
        .map(|c| NewDelivery {
            channel: c.channel,
            channel_id: Some(c.id.clone()),
            target: match c.channel {
                ChannelKind::Email => c.target.clone(),
                ChannelKind::Webhook => c.id.clone(),
            },
        })
        .collect()
}

impl AppState {
    /// Enqueues `alert` at `now` with one delivery per channel of its
    /// tenant that wants its kind, and wakes the worker. `None` if the
    /// tenant already had an alert with the same dedupe key: nothing is
    /// sent again. An alert with no matching channel is still recorded (its
    /// key is used).
    pub async fn notify(
        &self,
        alert: &Alert<'_>,
        now: Timestamp,
    ) -> Result<Option<Enqueued>, NotifyError> {
        let channels = self.store.notification_channels(alert.tenant_id).await?;
        if !known_kind(alert.kind) {
            log::error(&format!(
                "notifications: alert kind `{}` is not in ALERT_KINDS; only channels for every kind get it",
                alert.kind
            ));
        }
        let deliveries = deliveries_for(channels.iter().filter(|c| c.wants(alert.kind)));
        self.enqueue(alert, &deliveries, now).await
    }

    /// Enqueues `alert` for exactly `channels` (the test notification).
    pub async fn notify_channels(
        &self,
        alert: &Alert<'_>,
        channels: &[Channel],
        now: Timestamp,
    ) -> Result<Option<Enqueued>, NotifyError> {
        self.enqueue(alert, &deliveries_for(channels), now).await
    }

    async fn enqueue(
        &self,
        alert: &Alert<'_>,
        deliveries: &[NewDelivery],
        now: Timestamp,
    ) -> Result<Option<Enqueued>, NotifyError> {
        let enqueued = self
            .store
            .enqueue_notification(
                &NewNotification {
                    tenant_id: alert.tenant_id,
                    kind: alert.kind,
                    subject: alert.subject,
                    body: alert.body,
                    payload: alert.payload,
                    dedupe_key: alert.dedupe_key,
                },
                deliveries,
                now,
            )
            .await?;
        if enqueued.as_ref().is_some_and(|e| !e.deliveries.is_empty()) {
            self.outbox.wake();
        }
        Ok(enqueued)
    }
}

/// The AES-GCM associated data of a webhook's sealed secret.
pub fn secret_context(channel_id: &str) -> String {
    format!("webhook:{channel_id}")
}

/// Sends one claimed delivery.
async fn send(state: &AppState, c: &Claimed) -> Result<(), SendError> {
    let d = &c.delivery;
    match d.channel {
        ChannelKind::Email => {
            let mailer = state.outbox.mailer.as_ref().ok_or_else(|| {
                SendError::transient(
                    "SMTP サーバーが設定されていません（[server.smtp]）。サーバーの管理者に連絡してください",
                )
            })?;
            let message = mailer.message(
                &d.target,
                &c.notification.subject,
                &c.notification.body,
                &d.id,
            )?;
            mailer.send(message).await
        }
        ChannelKind::Webhook => {
            let channel = state
                .store
                .notification_channel(&d.tenant_id, &d.target)
                .await
                .map_err(|e| SendError::transient(format!("データベースエラー: {e}")))?
                .ok_or_else(|| SendError::permanent("通知先の Webhook が削除されています"))?;
            let sealed = channel
                .secret
                .as_deref()
                .ok_or_else(|| SendError::permanent("Webhook の秘密鍵がありません"))?;
            let secret = state
                .secrets
                .open(sealed, &secret_context(&channel.id))
                .map_err(|e| {
                    SendError::permanent(format!("Webhook の秘密鍵を復号できません: {e}"))
                })?;
            state
                .outbox
                .webhooks
                .send(
                    &channel.target,
                    &secret,
                    &c.notification,
                    &d.id,
                    state.now(),
                )
                .await
        }
    }
}

/// One pass of the worker at `now`: claims up to `batch_size` due
/// deliveries, sends each and records the attempt (its time read when it
/// ends). Returns how many were attempted.
pub async fn run_once(state: &AppState, now: Timestamp) -> Result<usize, NotifyError> {
    let config = &state.outbox.config;
    let lease_until = now
        .checked_add(config.lease)
        .map_err(|e| NotifyError::Config(e.to_string()))?;
    let claimed = state
        .store
        .claim_deliveries(now, lease_until, i64::from(config.batch_size))
        .await?;
    for c in &claimed {
        let result = send(state, c).await;
        let at = state.now();
        let attempt = c.delivery.attempts + 1;
        let outcome = match &result {
            Ok(()) => Outcome::Sent,
            Err(e) => Outcome::Failed {
                error: &e.message,
                retry_at: if e.permanent {
                    None
                } else {
                    config.retry_at(attempt, at)
                },
            },
        };
        let recorded = state
            .store
            .record_attempt(&c.delivery.id, &c.claim_token, outcome, at)
            .await?;
        if !recorded {
            log::error(&format!(
                "notifications: delivery {} was claimed by another worker after its lease ran out",
                c.delivery.id
            ));
        } else if let Err(e) = &result {
            log::error(&format!(
                "notifications: delivery {} ({}) attempt {attempt} failed: {e}",
                c.delivery.id,
                c.delivery.channel.as_str()
            ));
        }
    }
    Ok(claimed.len())
}

/// Starts the worker: a pass every `worker_interval`, or at once when
/// something was enqueued on this instance; a full batch is followed by
/// another pass straight away.
pub fn spawn_worker(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let interval = duration(state.outbox.config.worker_interval);
        let batch = usize::try_from(state.outbox.config.batch_size).unwrap_or(usize::MAX);
        loop {
            let full = match run_once(&state, state.now()).await {
                Ok(n) => n >= batch,
                Err(e) => {
                    log::error(&format!("notifications: worker pass failed: {e}"));
                    false
                }
            };
            if !full {
                tokio::select! {
                    () = tokio::time::sleep(interval) => {}
                    () = state.outbox.wake.notified() => {}
                }
            }
        }
    })
}

/// A secret for a new webhook when sealed under `state`'s master key.
pub fn seal_secret(
    state: &AppState,
    channel_id: &str,
    secret: &str,
) -> Result<String, NotifyError> {
    Ok(state
        .secrets
        .seal(secret.as_bytes(), &secret_context(channel_id))?)
}

/// `Arc` of a new outbox, for the state.
pub fn outbox(
    smtp: Option<&SmtpConfig>,
    config: NotificationsConfig,
) -> Result<Arc<Outbox>, NotifyError> {
    Outbox::new(smtp, config).map(Arc::new)
}

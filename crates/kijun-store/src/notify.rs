//! Notifications (通知): each tenant's channels (e-mail recipients and
//! webhooks), the outbox of alerts, and their deliveries with every attempt.
//!
//! The outbox is the only way out: an alert is enqueued once per tenant and
//! dedupe key ([`Store::enqueue_notification`]) together with one delivery
//! per matching channel, in one transaction. Workers then *claim* due
//! deliveries ([`Store::claim_deliveries`]): the claim is a conditional
//! `UPDATE` that sets a lease (`claimed_until`) and a fresh claim token, so
//! two workers — several app instances on one PostgreSQL database — never
//! hold the same delivery at once; only the holder of the current claim can
//! record the attempt ([`Store::record_attempt`]). A worker that dies while
//! sending loses its lease when it runs out and the delivery is tried again
//! (at-least-once: receivers deduplicate on the delivery id). Time is always
//! a parameter.

use jiff::Timestamp;
use serde::Serialize;
use sqlx::Row;

use crate::audit::NewAuditEntry;
use crate::db::{Backend, Store, StoreError, begin_write, on_pool};
use crate::time;

/// How a notification reaches its recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    /// E-mail over SMTP.
    Email,
    /// An HTTPS POST signed with HMAC-SHA256.
    Webhook,
}

impl ChannelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Email => "email",
            ChannelKind::Webhook => "webhook",
        }
    }

    pub fn parse(s: &str) -> Option<ChannelKind> {
        match s {
            "email" => Some(ChannelKind::Email),
            "webhook" => Some(ChannelKind::Webhook),
            _ => None,
        }
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Not tried yet.
    Pending,
    /// The last attempt failed; tried again at `next_attempt_at`.
    Failed,
    /// Delivered.
    Sent,
    /// Every attempt failed (or the failure was permanent): no more tries.
    GaveUp,
}

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 4] = [
        DeliveryStatus::Pending,
        DeliveryStatus::Failed,
        DeliveryStatus::Sent,
        DeliveryStatus::GaveUp,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::GaveUp => "gave_up",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryStatus> {
        DeliveryStatus::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// A tenant's notification channel. `secret` is the webhook's HMAC secret
/// as the caller sealed it; it is never shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    pub id: String,
    pub tenant_id: String,
    pub channel: ChannelKind,
    /// A label for people (e.g. 情報政策課).
    pub name: String,
    /// The e-mail address, or the webhook's URL.
    pub target: String,
    /// The sealed webhook secret (`None` for e-mail).
    pub secret: Option<String>,
    /// The alert kinds sent here; empty: every kind.
    pub kinds: Vec<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Channel {
    /// Whether alerts of `kind` go to this channel.
    pub fn wants(&self, kind: &str) -> bool {
        self.kinds.is_empty() || self.kinds.iter().any(|k| k == kind)
    }
}

/// A new channel. The id comes from [`new_id`], so the caller can bind the
/// sealed secret to it before storing.
#[derive(Debug, Clone)]
pub struct NewChannel {
    pub id: String,
    pub tenant_id: String,
    pub channel: ChannelKind,
    pub name: String,
    pub target: String,
    pub secret: Option<String>,
    pub kinds: Vec<String>,
}

/// A change to a channel: name, target and kinds are replaced; `secret`
/// `None` keeps the stored one.
#[derive(Debug, Clone)]
pub struct ChannelUpdate {
    pub name: String,
    pub target: String,
    pub secret: Option<String>,
    pub kinds: Vec<String>,
}

/// A fresh random id (UUID v4) for a channel.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// An alert to enqueue.
#[derive(Debug, Clone)]
pub struct NewNotification<'a> {
    pub tenant_id: &'a str,
    pub kind: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub payload: &'a serde_json::Value,
    /// The same key in the same tenant is enqueued (and sent) only once.
    pub dedupe_key: &'a str,
}

/// One delivery to create with a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    pub channel: ChannelKind,
    /// The channel it came from (for the log and for cancelling it when the
    /// channel is deleted).
    pub channel_id: Option<String>,
    /// The e-mail address, or the webhook channel's id.
    pub target: String,
}

/// A notification newly enqueued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enqueued {
    pub notification_id: String,
    /// The ids of its deliveries, in the order given.
    pub deliveries: Vec<String>,
}

/// A stored notification.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notification {
    pub id: String,
    pub tenant_id: String,
    pub kind: String,
    pub subject: String,
    pub body: String,
    pub payload: serde_json::Value,
    pub dedupe_key: String,
    pub created_at: Timestamp,
}

/// A stored delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivery {
    pub id: String,
    pub notification_id: String,
    pub tenant_id: String,
    pub channel: ChannelKind,
    pub channel_id: Option<String>,
    /// The e-mail address, or the webhook channel's id.
    pub target: String,
    pub status: DeliveryStatus,
    /// Attempts made so far.
    pub attempts: i64,
    /// When it is due (pending, failed); `None` once sent or given up.
    pub next_attempt_at: Option<Timestamp>,
    pub last_error: Option<String>,
    pub sent_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

/// A delivery claimed by a worker, with its notification.
#[derive(Debug, Clone, PartialEq)]
pub struct Claimed {
    pub delivery: Delivery,
    pub notification: Notification,
    /// Proves the claim to [`Store::record_attempt`].
    pub claim_token: String,
}

/// What one attempt came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome<'a> {
    Sent,
    /// Failed; tried again at `retry_at`, or given up when `None`.
    Failed {
        error: &'a str,
        retry_at: Option<Timestamp>,
    },
}

/// One attempt, as the delivery log shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attempt {
    /// 1 for the first attempt.
    pub attempt: i64,
    pub at: Timestamp,
    pub ok: bool,
    pub error: Option<String>,
}

/// A line of the delivery log: the delivery, what it carried and every
/// attempt, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogEntry {
    #[serde(flatten)]
    pub delivery: Delivery,
    pub kind: String,
    pub subject: String,
    pub history: Vec<Attempt>,
}

/// Filters of the delivery log; `None`: any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    pub status: Option<DeliveryStatus>,
    pub channel: Option<ChannelKind>,
    pub kind: Option<String>,
    pub notification_id: Option<String>,
    /// Deliveries created at or after this instant.
    pub from: Option<Timestamp>,
    /// Deliveries created before this instant.
    pub until: Option<Timestamp>,
    /// At most this many, newest first.
    pub limit: Option<i64>,
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} `{value}`"))
}

fn opt_time(s: Option<String>) -> Result<Option<Timestamp>, StoreError> {
    s.as_deref().map(time::parse).transpose()
}

fn kinds_text(kinds: &[String]) -> Result<String, StoreError> {
    serde_json::to_string(kinds).map_err(|e| StoreError::Corrupt(format!("kinds: {e}")))
}

const CHANNEL_COLUMNS: &str =
    "id, tenant_id, channel, name, target, secret, kinds, created_at, updated_at";

type ChannelRow = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    String,
);

macro_rules! channel_rows {
    ($rows:expr) => {
        $rows
            .iter()
            .map(|r| {
                Ok::<ChannelRow, sqlx::Error>((
                    r.try_get("id")?,
                    r.try_get("tenant_id")?,
                    r.try_get("channel")?,
                    r.try_get("name")?,
                    r.try_get("target")?,
                    r.try_get("secret")?,
                    r.try_get("kinds")?,
                    r.try_get("created_at")?,
                    r.try_get("updated_at")?,
                ))
            })
            .collect::<Result<Vec<ChannelRow>, sqlx::Error>>()
    };
}

fn to_channel(r: ChannelRow) -> Result<Channel, StoreError> {
    let (id, tenant_id, channel, name, target, secret, kinds, created_at, updated_at) = r;
    Ok(Channel {
        channel: ChannelKind::parse(&channel).ok_or_else(|| corrupt("channel", &channel))?,
        kinds: serde_json::from_str(&kinds).map_err(|_| corrupt("kinds", &kinds))?,
        created_at: time::parse(&created_at)?,
        updated_at: time::parse(&updated_at)?,
        id,
        tenant_id,
        name,
        target,
        secret,
    })
}

/// Delivery columns, prefixed `d.` (the tables are joined).
const DELIVERY_COLUMNS: &str = "d.id, d.notification_id, d.tenant_id, d.channel, d.channel_id, \
     d.target, d.status, d.attempts, d.next_attempt_at, d.last_error, d.sent_at, d.created_at";

/// The delivery's text columns as read, before parsing.
struct DeliveryRow {
    id: String,
    notification_id: String,
    tenant_id: String,
    channel: String,
    channel_id: Option<String>,
    target: String,
    status: String,
    attempts: i64,
    next_attempt_at: Option<String>,
    last_error: Option<String>,
    sent_at: Option<String>,
    created_at: String,
}

macro_rules! delivery_row {
    ($r:expr) => {
        DeliveryRow {
            id: $r.try_get("id")?,
            notification_id: $r.try_get("notification_id")?,
            tenant_id: $r.try_get("tenant_id")?,
            channel: $r.try_get("channel")?,
            channel_id: $r.try_get("channel_id")?,
            target: $r.try_get("target")?,
            status: $r.try_get("status")?,
            attempts: $r.try_get("attempts")?,
            next_attempt_at: $r.try_get("next_attempt_at")?,
            last_error: $r.try_get("last_error")?,
            sent_at: $r.try_get("sent_at")?,
            created_at: $r.try_get("created_at")?,
        }
    };
}

fn to_delivery(r: DeliveryRow) -> Result<Delivery, StoreError> {
    Ok(Delivery {
        channel: ChannelKind::parse(&r.channel).ok_or_else(|| corrupt("channel", &r.channel))?,
        status: DeliveryStatus::parse(&r.status).ok_or_else(|| corrupt("status", &r.status))?,
        next_attempt_at: opt_time(r.next_attempt_at)?,
        sent_at: opt_time(r.sent_at)?,
        created_at: time::parse(&r.created_at)?,
        id: r.id,
        notification_id: r.notification_id,
        tenant_id: r.tenant_id,
        channel_id: r.channel_id,
        target: r.target,
        attempts: r.attempts,
        last_error: r.last_error,
    })
}

/// Where a delivery is due: waiting, its time come, nobody holding it.
const DUE: &str = "d.status IN ('pending', 'failed') AND d.next_attempt_at <= $1 \
     AND (d.claimed_until IS NULL OR d.claimed_until <= $1)";

/// The delivery log's filters on `d` (deliveries) and `n` (notifications):
/// `$1` tenant, `$2` status, `$3` channel, `$4` kind, `$5` notification,
/// `$6` from, `$7` until; an empty string matches anything.
const LOG_WHERE: &str = "d.tenant_id = $1 AND ($2 = '' OR d.status = $2) \
     AND ($3 = '' OR d.channel = $3) AND ($4 = '' OR n.kind = $4) \
     AND ($5 = '' OR d.notification_id = $5) AND d.created_at >= $6 AND d.created_at < $7";

impl Store {
    // -- channels -------------------------------------------------------------

    /// Stores a new channel and appends `audit` to the tenant's audit chain
    /// in the same transaction.
    pub async fn create_notification_channel(
        &self,
        new: &NewChannel,
        audit: &NewAuditEntry,
        now: Timestamp,
    ) -> Result<Channel, StoreError> {
        let at = time::format(now);
        let kinds = kinds_text(&new.kinds)?;
        on_pool!(self, pool => {
            let (_gate, mut tx) = begin_write!(self, pool);
            sqlx::query(
                "INSERT INTO notification_channels (id, tenant_id, channel, name, target, secret, kinds, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
            )
            .bind(&new.id)
            .bind(&new.tenant_id)
            .bind(new.channel.as_str())
            .bind(&new.name)
            .bind(&new.target)
            .bind(&new.secret)
            .bind(&kinds)
            .bind(&at)
            .execute(&mut *tx)
            .await?;
            append_in_tx!(tx, &new.tenant_id, at.clone(), audit);
            tx.commit().await?;
        });
        Ok(Channel {
            id: new.id.clone(),
            tenant_id: new.tenant_id.clone(),
            channel: new.channel,
            name: new.name.clone(),
            target: new.target.clone(),
            secret: new.secret.clone(),
            kinds: new.kinds.clone(),
            created_at: time::parse(&at)?,
            updated_at: time::parse(&at)?,
        })
    }

    /// A tenant's channels, oldest first.
    pub async fn notification_channels(&self, tenant_id: &str) -> Result<Vec<Channel>, StoreError> {
        let rows = on_pool!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {CHANNEL_COLUMNS} FROM notification_channels WHERE tenant_id = $1 ORDER BY created_at, id"
            )))
            .bind(tenant_id)
            .fetch_all(pool)
            .await?;
            channel_rows!(rows)?
        });
        rows.into_iter().map(to_channel).collect()
    }

    /// Channel `id` of `tenant_id` (`None` if it does not exist *or*
    /// belongs to another tenant).
    pub async fn notification_channel(
        &self,
        tenant_id: &str,
        id: &str,
    ) -> Result<Option<Channel>, StoreError> {
        let rows = on_pool!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {CHANNEL_COLUMNS} FROM notification_channels WHERE tenant_id = $1 AND id = $2"
            )))
            .bind(tenant_id)
            .bind(id)
            .fetch_all(pool)
            .await?;
            channel_rows!(rows)?
        });
        rows.into_iter().next().map(to_channel).transpose()
    }

    /// Changes channel `id` of `tenant_id` and appends `audit` in the same
    /// transaction; `None` (and nothing written) if there is no such
    /// channel in the tenant.
    pub async fn update_notification_channel(
        &self,
        tenant_id: &str,
        id: &str,
        update: &ChannelUpdate,
        audit: &NewAuditEntry,
        now: Timestamp,
    ) -> Result<Option<Channel>, StoreError> {
        let at = time::format(now);
        let kinds = kinds_text(&update.kinds)?;
        let changed = on_pool!(self, pool => {
            let (_gate, mut tx) = begin_write!(self, pool);
            let n = sqlx::query(
                "UPDATE notification_channels SET name = $1, target = $2, kinds = $3, \
                 secret = COALESCE($4, secret), updated_at = $5 WHERE tenant_id = $6 AND id = $7",
            )
            .bind(&update.name)
            .bind(&update.target)
            .bind(&kinds)
            .bind(&update.secret)
            .bind(&at)
            .bind(tenant_id)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 1 {
                append_in_tx!(tx, tenant_id, at.clone(), audit);
                tx.commit().await?;
            } else {
                tx.rollback().await?;
            }
            n == 1
        });
        if changed {
            self.notification_channel(tenant_id, id).await
        } else {
            Ok(None)
        }
    }

    /// Deletes channel `id` of `tenant_id`, gives up its deliveries still
    /// waiting (`last_error` says why) and appends `audit`, in one
    /// transaction. False (nothing written) if there is no such channel.
    pub async fn delete_notification_channel(
        &self,
        tenant_id: &str,
        id: &str,
        audit: &NewAuditEntry,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let at = time::format(now);
        let deleted = on_pool!(self, pool => {
            let (_gate, mut tx) = begin_write!(self, pool);
            let n = sqlx::query("DELETE FROM notification_channels WHERE tenant_id = $1 AND id = $2")
                .bind(tenant_id)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 1 {
                sqlx::query(
                    "UPDATE notification_deliveries SET status = 'gave_up', next_attempt_at = NULL, \
                     last_error = $1 WHERE tenant_id = $2 AND channel_id = $3 AND status IN ('pending', 'failed')",
                )
                .bind("通知先が削除されたため、送信を中止しました")
                .bind(tenant_id)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                append_in_tx!(tx, tenant_id, at.clone(), audit);
                tx.commit().await?;
            } else {
                tx.rollback().await?;
            }
            n == 1
        });
        Ok(deleted)
    }

    // -- the outbox -----------------------------------------------------------

    /// Enqueues `n` with `deliveries` (each due at `now`) in one
    /// transaction. `None` if the tenant already has a notification with the
    /// same dedupe key: nothing is written and nothing will be sent again.
    pub async fn enqueue_notification(
        &self,
        n: &NewNotification<'_>,
        deliveries: &[NewDelivery],
        now: Timestamp,
    ) -> Result<Option<Enqueued>, StoreError> {
        let id = new_id();
        let at = time::format(now);
        let payload = n.payload.to_string();
        let ids: Vec<String> = deliveries.iter().map(|_| new_id()).collect();
        let inserted = on_pool!(self, pool => {
            let (_gate, mut tx) = begin_write!(self, pool);
            let inserted = sqlx::query(
                "INSERT INTO notifications (id, tenant_id, kind, subject, body, payload, dedupe_key, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (tenant_id, dedupe_key) DO NOTHING",
            )
            .bind(&id)
            .bind(n.tenant_id)
            .bind(n.kind)
            .bind(n.subject)
            .bind(n.body)
            .bind(&payload)
            .bind(n.dedupe_key)
            .bind(&at)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if inserted {
                for (d, delivery_id) in deliveries.iter().zip(&ids) {
                    sqlx::query(
                        "INSERT INTO notification_deliveries (id, notification_id, tenant_id, channel, channel_id, target, \
                         status, attempts, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7)",
                    )
                    .bind(delivery_id)
                    .bind(&id)
                    .bind(n.tenant_id)
                    .bind(d.channel.as_str())
                    .bind(&d.channel_id)
                    .bind(&d.target)
                    .bind(&at)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
            } else {
                tx.rollback().await?;
            }
            inserted
        });
        Ok(inserted.then_some(Enqueued {
            notification_id: id,
            deliveries: ids,
        }))
    }

    /// The deliveries due at `now` that nobody holds, oldest due first (at
    /// most `limit`). Reading only: [`Store::claim_deliveries`] takes them.
    pub async fn due_deliveries(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> Result<Vec<Delivery>, StoreError> {
        let now = time::format(now);
        let rows = on_pool!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {DELIVERY_COLUMNS} FROM notification_deliveries d WHERE {DUE} \
                 ORDER BY d.next_attempt_at, d.id LIMIT $2"
            )))
            .bind(&now)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| Ok::<_, sqlx::Error>(delivery_row!(r)))
                .collect::<Result<Vec<_>, _>>()?
        });
        rows.into_iter().map(to_delivery).collect()
    }

    /// Claims up to `limit` deliveries due at `now` until `lease_until`:
    /// one conditional `UPDATE` that re-checks the due condition on each row
    /// it changes, so two concurrent claims never take the same delivery.
    /// The candidates are picked once, in a materialised CTE (PostgreSQL
    /// could otherwise re-run a `LIMIT` subquery and exceed the limit), and
    /// on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so concurrent claims
    /// pass over each other's rows instead of waiting. Returns the claimed
    /// deliveries with their notifications and the claim token.
    pub async fn claim_deliveries(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: i64,
    ) -> Result<Vec<Claimed>, StoreError> {
        let token = new_id();
        let now = time::format(now);
        let until = time::format(lease_until);
        // PostgreSQL: concurrent claims skip each other's rows instead of
        // waiting; SQLite has one writer at a time anyway.
        let lock = match self.backend() {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        };
        let rows = on_pool!(self, pool => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "WITH picked AS MATERIALIZED (SELECT d.id FROM notification_deliveries d WHERE {DUE} \
                 ORDER BY d.next_attempt_at, d.id LIMIT $4{lock}) \
                 UPDATE notification_deliveries SET claimed_until = $2, claim_token = $3 \
                 WHERE id IN (SELECT id FROM picked) \
                 AND status IN ('pending', 'failed') AND next_attempt_at <= $1 \
                 AND (claimed_until IS NULL OR claimed_until <= $1)"
            )))
            .bind(&now)
            .bind(&until)
            .bind(&token)
            .bind(limit)
            .execute(pool)
            .await?;
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {DELIVERY_COLUMNS}, n.kind, n.subject, n.body, n.payload, n.dedupe_key, \
                 n.created_at AS n_created_at FROM notification_deliveries d \
                 JOIN notifications n ON n.id = d.notification_id \
                 WHERE d.claim_token = $1 ORDER BY d.next_attempt_at, d.id"
            )))
            .bind(&token)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok::<_, sqlx::Error>((
                        delivery_row!(r),
                        r.try_get::<String, _>("kind")?,
                        r.try_get::<String, _>("subject")?,
                        r.try_get::<String, _>("body")?,
                        r.try_get::<String, _>("payload")?,
                        r.try_get::<String, _>("dedupe_key")?,
                        r.try_get::<String, _>("n_created_at")?,
                    ))
                })
                .collect::<Result<Vec<_>, _>>()?
        });
        rows.into_iter()
            .map(|(d, kind, subject, body, payload, dedupe_key, created)| {
                let delivery = to_delivery(d)?;
                Ok(Claimed {
                    notification: Notification {
                        id: delivery.notification_id.clone(),
                        tenant_id: delivery.tenant_id.clone(),
                        kind,
                        subject,
                        body,
                        payload: serde_json::from_str(&payload)
                            .map_err(|_| corrupt("payload", &payload))?,
                        dedupe_key,
                        created_at: time::parse(&created)?,
                    },
                    delivery,
                    claim_token: token.clone(),
                })
            })
            .collect()
    }

    /// Records one attempt of a claimed delivery made at `now`: the attempt
    /// row and the delivery's new state (sent; failed and due again at
    /// `retry_at`; or given up), releasing the claim, in one transaction.
    /// False (nothing written) if `claim_token` no longer holds the
    /// delivery — its lease ran out and another worker claimed it.
    pub async fn record_attempt(
        &self,
        delivery_id: &str,
        claim_token: &str,
        outcome: Outcome<'_>,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let at = time::format(now);
        let (status, error, next, sent_at) = match outcome {
            Outcome::Sent => (DeliveryStatus::Sent, None, None, Some(at.clone())),
            Outcome::Failed { error, retry_at } => (
                if retry_at.is_some() {
                    DeliveryStatus::Failed
                } else {
                    DeliveryStatus::GaveUp
                },
                Some(error.to_owned()),
                retry_at.map(time::format),
                None,
            ),
        };
        let recorded = on_pool!(self, pool => {
            let (_gate, mut tx) = begin_write!(self, pool);
            let row = sqlx::query(
                "UPDATE notification_deliveries SET status = $1, attempts = attempts + 1, \
                 next_attempt_at = $2, last_error = $3, sent_at = $4, claimed_until = NULL, claim_token = NULL \
                 WHERE id = $5 AND claim_token = $6 RETURNING attempts",
            )
            .bind(status.as_str())
            .bind(&next)
            .bind(&error)
            .bind(&sent_at)
            .bind(delivery_id)
            .bind(claim_token)
            .fetch_optional(&mut *tx)
            .await?;
            match row {
                Some(row) => {
                    let attempt: i64 = row.try_get("attempts")?;
                    sqlx::query(
                        "INSERT INTO notification_attempts (delivery_id, attempt, at, ok, error) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(delivery_id)
                    .bind(attempt)
                    .bind(&at)
                    .bind(status == DeliveryStatus::Sent)
                    .bind(&error)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    true
                }
                None => {
                    tx.rollback().await?;
                    false
                }
            }
        });
        Ok(recorded)
    }

    /// A tenant's delivery log, newest first, with every attempt.
    pub async fn delivery_log(
        &self,
        tenant_id: &str,
        filter: &LogFilter,
    ) -> Result<Vec<LogEntry>, StoreError> {
        let status = filter.status.map(DeliveryStatus::as_str).unwrap_or("");
        let channel = filter.channel.map(ChannelKind::as_str).unwrap_or("");
        let kind = filter.kind.as_deref().unwrap_or("");
        let notification = filter.notification_id.as_deref().unwrap_or("");
        let from = filter.from.map(time::format).unwrap_or_default();
        let until = filter
            .until
            .map(time::format)
            .unwrap_or_else(|| "9999".to_owned());
        let limit = filter.limit.unwrap_or(i64::MAX).max(0);
        let selected = format!(
            "FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id \
             WHERE {LOG_WHERE} ORDER BY d.created_at DESC, d.id DESC LIMIT $8"
        );
        let (rows, attempts) = on_pool!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {DELIVERY_COLUMNS}, n.kind, n.subject {selected}"
            )))
            .bind(tenant_id)
            .bind(status)
            .bind(channel)
            .bind(kind)
            .bind(notification)
            .bind(&from)
            .bind(&until)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            let rows = rows
                .iter()
                .map(|r| {
                    Ok::<_, sqlx::Error>((
                        delivery_row!(r),
                        r.try_get::<String, _>("kind")?,
                        r.try_get::<String, _>("subject")?,
                    ))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let attempts = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT delivery_id, attempt, at, ok, error FROM notification_attempts \
                 WHERE delivery_id IN (SELECT d.id {selected}) ORDER BY delivery_id, attempt"
            )))
            .bind(tenant_id)
            .bind(status)
            .bind(channel)
            .bind(kind)
            .bind(notification)
            .bind(&from)
            .bind(&until)
            .bind(limit)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| {
                Ok::<_, sqlx::Error>((
                    r.try_get::<String, _>("delivery_id")?,
                    r.try_get::<i64, _>("attempt")?,
                    r.try_get::<String, _>("at")?,
                    r.try_get::<bool, _>("ok")?,
                    r.try_get::<Option<String>, _>("error")?,
                ))
            })
            .collect::<Result<Vec<_>, _>>()?;
            (rows, attempts)
        });
        let mut history: std::collections::HashMap<String, Vec<Attempt>> =
            std::collections::HashMap::new();
        for (delivery_id, attempt, at, ok, error) in attempts {
            history.entry(delivery_id).or_default().push(Attempt {
                attempt,
                at: time::parse(&at)?,
                ok,
                error,
            });
        }
        rows.into_iter()
            .map(|(d, kind, subject)| {
                let delivery = to_delivery(d)?;
                Ok(LogEntry {
                    history: history.remove(&delivery.id).unwrap_or_default(),
                    delivery,
                    kind,
                    subject,
                })
            })
            .collect()
    }
}

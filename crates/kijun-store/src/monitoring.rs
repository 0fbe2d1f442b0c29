//! Availability monitoring (稼働監視) as stored: each service's optional
//! probe settings (a JSON document checked by
//! `kijun_core::oversight::monitoring`) and the last state of its probes —
//! consecutive failures, last status, last check, the outage opened for
//! the current run of failures — never every sample.
//!
//! Several instances may probe from one PostgreSQL database: a due probe
//! is claimed with a lease ([`Store::claim_due_monitors`], like the
//! notification outbox), and its result is written only under the lease's
//! token ([`Store::record_probe`]) in one transaction with the outage
//! record it opens or closes and that change's audit entry — so one run
//! of failures never opens two outages.

use jiff::Timestamp;
use serde::Serialize;
use sqlx::Row;

use crate::audit::{NewAuditEntry, SYSTEM_CHAIN};
use crate::db::{Backend, Store, StoreError, begin_write, on_pool};
use crate::oversight::RecordWrite;
use crate::time;

/// The last state of a service's probe.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProbeState {
    pub consecutive_failures: i64,
    pub first_failure_at: Option<Timestamp>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub last_checked_at: Option<Timestamp>,
    pub open_outage_id: Option<String>,
}

/// A service's monitor: its settings and last state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Monitor {
    pub service_id: String,
    pub tenant_id: String,
    /// `MonitorSettings` JSON.
    pub settings: serde_json::Value,
    pub state: ProbeState,
    pub next_probe_at: Timestamp,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A monitor claimed for probing, with its lease's token.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedMonitor {
    pub monitor: Monitor,
    pub claim_token: String,
}

/// What a probe does to the service's outage records.
#[derive(Debug, Clone)]
pub enum OutageChange<'a> {
    None,
    /// File a new outage record (by the system, for the municipality) and
    /// remember it as the open one; `audit` gets its target and id.
    Open {
        write: &'a RecordWrite,
        audit: &'a NewAuditEntry,
    },
    /// Set `end` on the open outage and mark it closed, unless it was
    /// closed or deleted meanwhile (then nothing is written or logged).
    Close {
        outage_id: &'a str,
        end: Timestamp,
        audit: &'a NewAuditEntry,
    },
}

/// What recording a probe did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeRecorded {
    /// Stored; the outage opened (its id) or closed, if any.
    Stored {
        opened: Option<String>,
        closed: bool,
    },
    /// The lease was lost (taken over by another instance, or the monitor
    /// was removed): nothing was written.
    LeaseLost,
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn chain_of(entry: &NewAuditEntry) -> String {
    entry
        .tenant_id
        .clone()
        .unwrap_or_else(|| SYSTEM_CHAIN.to_owned())
}

fn opt_time(s: Option<String>) -> Result<Option<Timestamp>, StoreError> {
    s.as_deref().map(time::parse).transpose()
}

const COLUMNS: &str = "service_id, tenant_id, settings, consecutive_failures, first_failure_at, last_status, \
     last_error, last_checked_at, open_outage_id, next_probe_at, created_at, updated_at";

type MonitorRow = (
    (String, String, String, i64, Option<String>, Option<i64>),
    (
        Option<String>,
        Option<String>,
        Option<String>,
        String,
        String,
        String,
    ),
);

macro_rules! monitor_row {
    ($r:expr) => {{
        let r = $r;
        Ok::<MonitorRow, sqlx::Error>((
            (
                r.try_get("service_id")?,
                r.try_get("tenant_id")?,
                r.try_get("settings")?,
                r.try_get("consecutive_failures")?,
                r.try_get("first_failure_at")?,
                r.try_get("last_status")?,
            ),
            (
                r.try_get("last_error")?,
                r.try_get("last_checked_at")?,
                r.try_get("open_outage_id")?,
                r.try_get("next_probe_at")?,
                r.try_get("created_at")?,
                r.try_get("updated_at")?,
            ),
        ))
    }};
}

fn monitor(row: MonitorRow) -> Result<Monitor, StoreError> {
    let (
        (service_id, tenant_id, settings, consecutive_failures, first_failure_at, last_status),
        (last_error, last_checked_at, open_outage_id, next_probe_at, created_at, updated_at),
    ) = row;
    Ok(Monitor {
        service_id,
        tenant_id,
        settings: serde_json::from_str(&settings)
            .map_err(|e| StoreError::Corrupt(format!("json: {e}")))?,
        state: ProbeState {
            consecutive_failures,
            first_failure_at: opt_time(first_failure_at)?,
            last_status,
            last_error,
            last_checked_at: opt_time(last_checked_at)?,
            open_outage_id,
        },
        next_probe_at: time::parse(&next_probe_at)?,
        created_at: time::parse(&created_at)?,
        updated_at: time::parse(&updated_at)?,
    })
}

impl Store {
    /// The monitor of service `service_id`, if one is configured.
    pub async fn monitor(&self, service_id: &str) -> Result<Option<Monitor>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM service_monitors WHERE service_id = $1"
        ));
        let row: Option<MonitorRow> = on_pool!(self, pool => sqlx::query(sql)
            .bind(service_id)
            .fetch_optional(pool)
            .await?
            .map(|r| monitor_row!(r))
            .transpose()?);
        row.map(monitor).transpose()
    }

    /// Sets a service's probe settings (creating the monitor, or keeping
    /// the last state of an existing one), due at `next_probe_at`, and
    /// appends `audit` in the same transaction.
    pub async fn put_monitor(
        &self,
        tenant_id: &str,
        service_id: &str,
        settings: &serde_json::Value,
        next_probe_at: Timestamp,
        audit: &NewAuditEntry,
        now: Timestamp,
    ) -> Result<Monitor, StoreError> {
        let at = time::format(now);
        let chain = chain_of(audit);
        on_pool!(self, pool => {
            let (_gate, mut tx) = begin_write!(self, pool);
            sqlx::query(
                "INSERT INTO service_monitors (service_id, tenant_id, settings, next_probe_at, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (service_id) DO UPDATE SET \
                 settings = excluded.settings, next_probe_at = excluded.next_probe_at, updated_at = excluded.updated_at",
            )
            .bind(service_id)
            .bind(tenant_id)
            .bind(settings.to_string())
            .bind(time::format(next_probe_at))
            .bind(&at)
            .execute(&mut *tx)
            .await?;
            append_in_tx!(tx, &chain, at.clone(), audit);
            tx.commit().await?;
        });
        self.monitor(service_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("stored monitor not found".into()))
    }

    /// Removes a service's monitor and appends `audit` in the same
    /// transaction; `false` if there was none. An open outage stays open.
    pub async fn delete_monitor(
        &self,
        service_id: &str,
        audit: &NewAuditEntry,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let at = time::format(now);
        let chain = chain_of(audit);
        let deleted = on_pool!(self, pool => {
            let (_gate, mut tx) = begin_write!(self, pool);
            let n = sqlx::query("DELETE FROM service_monitors WHERE service_id = $1")
                .bind(service_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 1 {
                append_in_tx!(tx, &chain, at.clone(), audit);
                tx.commit().await?;
                true
            } else {
                tx.rollback().await?;
                false
            }
        });
        Ok(deleted)
    }

    /// Claims up to `limit` monitors due at `now` (and not under another
    /// lease) until `lease_until`.
    pub async fn claim_due_monitors(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: i64,
    ) -> Result<Vec<ClaimedMonitor>, StoreError> {
        let token = new_id();
        let now = time::format(now);
        let until = time::format(lease_until);
        // PostgreSQL: concurrent claims skip each other's rows instead of
        // waiting; SQLite has one writer at a time anyway.
        let lock = match self.backend() {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        };
        let due = "next_probe_at <= $1 AND (claimed_until IS NULL OR claimed_until <= $1)";
        let rows: Vec<MonitorRow> = on_pool!(self, pool => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "WITH picked AS MATERIALIZED (SELECT service_id FROM service_monitors WHERE {due} \
                 ORDER BY next_probe_at, service_id LIMIT $4{lock}) \
                 UPDATE service_monitors SET claimed_until = $2, claim_token = $3 \
                 WHERE service_id IN (SELECT service_id FROM picked) AND {due}"
            )))
            .bind(&now)
            .bind(&until)
            .bind(&token)
            .bind(limit)
            .execute(pool)
            .await?;
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM service_monitors WHERE claim_token = $1 ORDER BY next_probe_at, service_id"
            )))
            .bind(&token)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| monitor_row!(r))
            .collect::<Result<Vec<_>, _>>()?
        });
        rows.into_iter()
            .map(|r| {
                Ok(ClaimedMonitor {
                    monitor: monitor(r)?,
                    claim_token: token.clone(),
                })
            })
            .collect()
    }

    /// Records a probe of a claimed monitor: its new `state` (the id of an
    /// outage opened here is filled in), next due at `next_probe_at`, the
    /// lease released, and `change` to the outage records with its audit
    /// entry — all in one transaction, and only while the lease
    /// `claim_token` still holds (and, when opening, no outage is open).
    pub async fn record_probe(
        &self,
        service_id: &str,
        claim_token: &str,
        state: &ProbeState,
        next_probe_at: Timestamp,
        change: OutageChange<'_>,
        now: Timestamp,
    ) -> Result<ProbeRecorded, StoreError> {
        let at = time::format(now);
        let opened_id = match change {
            OutageChange::Open { .. } => Some(new_id()),
            _ => None,
        };
        let open_outage_id = opened_id.clone().or_else(|| state.open_outage_id.clone());
        let only_if_none_open = if opened_id.is_some() {
            " AND open_outage_id IS NULL"
        } else {
            ""
        };
        let sql = sqlx::AssertSqlSafe(format!(
            "UPDATE service_monitors SET consecutive_failures = $1, first_failure_at = $2, last_status = $3, \
             last_error = $4, last_checked_at = $5, open_outage_id = $6, next_probe_at = $7, \
             claimed_until = NULL, claim_token = NULL, updated_at = $8 \
             WHERE service_id = $9 AND claim_token = $10{only_if_none_open}"
        ));
        let outcome = on_pool!(self, pool => {
            let (_gate, mut tx) = begin_write!(self, pool);
            let n = sqlx::query(sql)
                .bind(state.consecutive_failures)
                .bind(state.first_failure_at.map(time::format))
                .bind(state.last_status)
                .bind(&state.last_error)
                .bind(state.last_checked_at.map(time::format))
                .bind(&open_outage_id)
                .bind(time::format(next_probe_at))
                .bind(&at)
                .bind(service_id)
                .bind(claim_token)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n != 1 {
                tx.rollback().await?;
                ProbeRecorded::LeaseLost
            } else {
                let mut closed = false;
                match change {
                    OutageChange::None => {}
                    OutageChange::Open { write, audit } => {
                        let id = opened_id.clone().unwrap_or_default();
                        let tenant: String = sqlx::query_scalar(
                            "SELECT tenant_id FROM service_monitors WHERE service_id = $1",
                        )
                        .bind(service_id)
                        .fetch_one(&mut *tx)
                        .await?;
                        sqlx::query(
                            "INSERT INTO oversight_records (id, tenant_id, service_id, kind, organisation_id, filed_at, is_open, \
                             ref_id, data, created_at, created_by, updated_at, updated_by) \
                             VALUES ($1, $2, $3, 'outage', NULL, $4, $5, NULL, $6, $7, NULL, $7, NULL)",
                        )
                        .bind(&id)
                        .bind(&tenant)
                        .bind(service_id)
                        .bind(&write.filed_at)
                        .bind(write.is_open)
                        .bind(write.data.to_string())
                        .bind(&at)
                        .execute(&mut *tx)
                        .await?;
                        let mut entry = audit.clone();
                        entry.target = Some(format!("oversight:outage:{id}"));
                        if let serde_json::Value::Object(m) = &mut entry.details {
                            m.insert("id".into(), serde_json::json!(id));
                        }
                        append_in_tx!(tx, &chain_of(&entry), at.clone(), &entry);
                    }
                    OutageChange::Close { outage_id, end, audit } => {
                        let row = sqlx::query(
                            "SELECT data, is_open FROM oversight_records WHERE id = $1 AND kind = 'outage' AND service_id = $2",
                        )
                        .bind(outage_id)
                        .bind(service_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                        let found = match row {
                            Some(r) => Some((r.try_get::<String, _>("data")?, r.try_get::<bool, _>("is_open")?)),
                            None => None,
                        };
                        if let Some((data, true)) = found {
                            let mut data: serde_json::Value = serde_json::from_str(&data)
                                .map_err(|e| StoreError::Corrupt(format!("json: {e}")))?;
                            if let serde_json::Value::Object(m) = &mut data {
                                m.insert("end".into(), serde_json::json!(end));
                            }
                            sqlx::query(
                                "UPDATE oversight_records SET data = $1, is_open = FALSE, updated_at = $2, updated_by = NULL \
                                 WHERE id = $3",
                            )
                            .bind(data.to_string())
                            .bind(&at)
                            .bind(outage_id)
                            .execute(&mut *tx)
                            .await?;
                            let mut entry = audit.clone();
                            entry.target = Some(format!("oversight:outage:{outage_id}"));
                            append_in_tx!(tx, &chain_of(&entry), at.clone(), &entry);
                            closed = true;
                        }
                    }
                }
                tx.commit().await?;
                ProbeRecorded::Stored {
                    opened: opened_id.clone(),
                    closed,
                }
            }
        });
        Ok(outcome)
    }
}

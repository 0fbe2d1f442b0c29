//! Oversight of services in operation, as stored: the records kept per
//! service (outages, inquiries, incidents, notices, security-plan items and
//! their monthly status, issues and risks — JSON documents validated by
//! `kijun_core::oversight::records`, with the columns lists and filters
//! need), the contract deliverables with the due dates reviewers set and
//! their submitted versions, and each service's SLA settings.
//!
//! Every change is one transaction that also appends its audit entry
//! (`append_in_tx!`), so a change is never stored without its log entry nor
//! logged without being stored. Timestamps are the store's fixed-width UTC
//! text (`time::format`).

use jiff::Timestamp;
use serde::Serialize;
use sqlx::Row;

use crate::assessment::Actor;
use crate::audit::{NewAuditEntry, SYSTEM_CHAIN};
use crate::db::{Store, StoreError, begin_write, on_pool};
use crate::time;

/// A stored record of a service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OversightRecord {
    pub id: String,
    pub tenant_id: String,
    pub service_id: String,
    /// `outage`, `inquiry`, `incident`, `notice`, `plan_item`,
    /// `plan_status`, `issue`.
    pub kind: String,
    /// The vendor organisation that filed it; `None`: tenant staff.
    pub organisation_id: Option<String>,
    /// What the record is filed under: fixed-width UTC text, a date or a
    /// month, depending on the kind (`""` for plan items).
    pub filed_at: String,
    pub is_open: bool,
    /// The record this one refers to (a plan status: its item).
    pub ref_id: Option<String>,
    /// The kind's document (`kijun_core::oversight::records`).
    pub data: serde_json::Value,
    pub created_at: Timestamp,
    pub created_by: Option<String>,
    pub updated_at: Timestamp,
    pub updated_by: Option<String>,
}

/// What is written for a record.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordWrite {
    pub filed_at: String,
    pub is_open: bool,
    pub ref_id: Option<String>,
    pub data: serde_json::Value,
}

/// Which records to list.
#[derive(Debug, Clone, Default)]
pub struct RecordFilter {
    /// `filed_at` ≥ this (same form as the kind's `filed_at`).
    pub from: Option<String>,
    /// `filed_at` < this.
    pub until: Option<String>,
    pub is_open: Option<bool>,
    /// Only records of this organisation and those filed by staff (what a
    /// vendor user sees).
    pub visible_to_organisation: Option<String>,
    /// Only records referring to this one.
    pub ref_id: Option<String>,
}

/// What deleting a record did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteOutcome {
    Deleted,
    NotFound,
    /// Other records (plan statuses) refer to it: nothing deleted.
    Referenced(i64),
}

/// A deliverable a reviewer set a due date for, or one a version was
/// submitted for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliverableRecord {
    pub id: String,
    pub tenant_id: String,
    pub service_id: String,
    pub kind: String,
    pub period: String,
    /// `YYYY-MM-DD` set by a reviewer; `None`: the default rule.
    pub due_on: Option<String>,
    pub required: bool,
    pub note: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// One submitted version of a deliverable.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeliverableVersion {
    pub deliverable_id: String,
    pub version: i64,
    pub organisation_id: Option<String>,
    pub submitted_by: Option<String>,
    pub submitted_by_name: Option<String>,
    pub submitted_at: Timestamp,
    /// `kijun_core::oversight::deliverables::VersionInput` JSON.
    pub data: serde_json::Value,
    /// `submitted`, `accepted`, `returned`, `superseded`.
    pub state: String,
    pub review_comment: Option<String>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<Timestamp>,
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn parse_json(s: &str) -> Result<serde_json::Value, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("json: {e}")))
}

fn opt_time(s: Option<String>) -> Result<Option<Timestamp>, StoreError> {
    s.as_deref().map(time::parse).transpose()
}

fn chain_of(entry: &NewAuditEntry) -> String {
    entry
        .tenant_id
        .clone()
        .unwrap_or_else(|| SYSTEM_CHAIN.to_owned())
}

/// `entry` with `target` and `details.id` set (when the id is made here).
fn with_target(entry: &NewAuditEntry, target: String, id: &str) -> NewAuditEntry {
    let mut e = entry.clone();
    e.target = Some(target);
    if let serde_json::Value::Object(m) = &mut e.details {
        m.insert("id".into(), serde_json::json!(id));
    }
    e
}

const RECORD_COLUMNS: &str = "SELECT id, tenant_id, service_id, kind, organisation_id, filed_at, is_open, ref_id, data, \
     created_at, created_by, updated_at, updated_by FROM oversight_records";

type RecordRow = (
    (String, String, String, String, Option<String>, String, bool),
    (
        Option<String>,
        String,
        String,
        Option<String>,
        String,
        Option<String>,
    ),
);

macro_rules! record_row {
    ($r:expr) => {{
        let r = $r;
        Ok::<RecordRow, sqlx::Error>((
            (
                r.try_get("id")?,
                r.try_get("tenant_id")?,
                r.try_get("service_id")?,
                r.try_get("kind")?,
                r.try_get("organisation_id")?,
                r.try_get("filed_at")?,
                r.try_get("is_open")?,
            ),
            (
                r.try_get("ref_id")?,
                r.try_get("data")?,
                r.try_get("created_at")?,
                r.try_get("created_by")?,
                r.try_get("updated_at")?,
                r.try_get("updated_by")?,
            ),
        ))
    }};
}

fn record(row: RecordRow) -> Result<OversightRecord, StoreError> {
    let (
        (id, tenant_id, service_id, kind, organisation_id, filed_at, is_open),
        (ref_id, data, created_at, created_by, updated_at, updated_by),
    ) = row;
    Ok(OversightRecord {
        id,
        tenant_id,
        service_id,
        kind,
        organisation_id,
        filed_at,
        is_open,
        ref_id,
        data: parse_json(&data)?,
        created_at: time::parse(&created_at)?,
        created_by,
        updated_at: time::parse(&updated_at)?,
        updated_by,
    })
}

const DELIVERABLE_COLUMNS: &str = "SELECT id, tenant_id, service_id, kind, period, due_on, required, note, created_at, updated_at \
     FROM oversight_deliverables";

type DeliverableRow = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    bool,
    String,
    String,
    String,
);

macro_rules! deliverable_row {
    ($r:expr) => {{
        let r = $r;
        Ok::<DeliverableRow, sqlx::Error>((
            r.try_get("id")?,
            r.try_get("tenant_id")?,
            r.try_get("service_id")?,
            r.try_get("kind")?,
            r.try_get("period")?,
            r.try_get("due_on")?,
            r.try_get("required")?,
            r.try_get("note")?,
            r.try_get("created_at")?,
            r.try_get("updated_at")?,
        ))
    }};
}

fn deliverable(row: DeliverableRow) -> Result<DeliverableRecord, StoreError> {
    let (id, tenant_id, service_id, kind, period, due_on, required, note, created, updated) = row;
    Ok(DeliverableRecord {
        id,
        tenant_id,
        service_id,
        kind,
        period,
        due_on,
        required,
        note,
        created_at: time::parse(&created)?,
        updated_at: time::parse(&updated)?,
    })
}

const VERSION_COLUMNS: &str = "v.deliverable_id, v.version, v.organisation_id, v.submitted_by, v.submitted_by_name, \
     v.submitted_at, v.data, v.state, v.review_comment, v.reviewed_by, v.reviewed_at";

type VersionRow = (
    (String, i64, Option<String>, Option<String>, Option<String>),
    (
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    ),
);

macro_rules! version_row {
    ($r:expr) => {{
        let r = $r;
        Ok::<VersionRow, sqlx::Error>((
            (
                r.try_get("deliverable_id")?,
                r.try_get("version")?,
                r.try_get("organisation_id")?,
                r.try_get("submitted_by")?,
                r.try_get("submitted_by_name")?,
            ),
            (
                r.try_get("submitted_at")?,
                r.try_get("data")?,
                r.try_get("state")?,
                r.try_get("review_comment")?,
                r.try_get("reviewed_by")?,
                r.try_get("reviewed_at")?,
            ),
        ))
    }};
}

fn version(row: VersionRow) -> Result<DeliverableVersion, StoreError> {
    let (
        (deliverable_id, version, organisation_id, submitted_by, submitted_by_name),
        (submitted_at, data, state, review_comment, reviewed_by, reviewed_at),
    ) = row;
    Ok(DeliverableVersion {
        deliverable_id,
        version,
        organisation_id,
        submitted_by,
        submitted_by_name,
        submitted_at: time::parse(&submitted_at)?,
        data: parse_json(&data)?,
        state,
        review_comment,
        reviewed_by,
        reviewed_at: opt_time(reviewed_at)?,
    })
}

/// Inserts record `$w` of `$kind` with id `$id` inside `$tx`.
macro_rules! insert_record_in_tx {
    ($tx:expr, $id:expr, $tenant:expr, $service:expr, $kind:expr, $org:expr, $w:expr, $at:expr, $actor:expr) => {{
        let w: &RecordWrite = $w;
        sqlx::query(
            "INSERT INTO oversight_records (id, tenant_id, service_id, kind, organisation_id, filed_at, is_open, ref_id, data, \
             created_at, created_by, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $10, $11)",
        )
        .bind($id)
        .bind($tenant)
        .bind($service)
        .bind($kind)
        .bind($org)
        .bind(&w.filed_at)
        .bind(w.is_open)
        .bind(&w.ref_id)
        .bind(w.data.to_string())
        .bind($at)
        .bind(&$actor.id)
        .execute(&mut *$tx)
        .await
    }};
}

fn unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

impl Store {
    // -- records ----------------------------------------------------------

    /// Files a record of `kind` for a service of `tenant_id` (by
    /// `organisation_id`, or by staff when `None`) and appends `audit` (its
    /// target becomes `oversight:<kind>:<id>`) in the same transaction. A
    /// second status of one plan item for one month is a
    /// [`StoreError::Conflict`].
    #[allow(clippy::too_many_arguments)]
    pub async fn create_oversight_record(
        &self,
        tenant_id: &str,
        service_id: &str,
        kind: &str,
        organisation_id: Option<&str>,
        write: &RecordWrite,
        actor: &Actor,
        audit: &NewAuditEntry,
        now: Timestamp,
    ) -> Result<OversightRecord, StoreError> {
        let id = new_id();
        self.create_oversight_records(
            tenant_id,
            service_id,
            kind,
            organisation_id,
            &[(id.clone(), write.clone())],
            actor,
            audit,
            now,
        )
        .await?;
        self.oversight_record(&id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("created record not found".into()))
    }

    /// Files many records of one kind at once (a CSV import) in one
    /// transaction with one audit entry (`details.count` and `details.ids`
    /// added): all of them or none. Ids are made here when empty. Returns
    /// the ids in order.
    #[allow(clippy::too_many_arguments)]
    pub async fn create_oversight_records(
        &self,
        tenant_id: &str,
        service_id: &str,
        kind: &str,
        organisation_id: Option<&str>,
        writes: &[(String, RecordWrite)],
        actor: &Actor,
        audit: &NewAuditEntry,
        now: Timestamp,
    ) -> Result<Vec<String>, StoreError> {
        let at = time::format(now);
        let ids: Vec<String> = writes
            .iter()
            .map(|(id, _)| if id.is_empty() { new_id() } else { id.clone() })
            .collect();
        let mut entry = match ids.as_slice() {
            [one] => with_target(audit, format!("oversight:{kind}:{one}"), one),
            _ => {
                let mut e = audit.clone();
                if let serde_json::Value::Object(m) = &mut e.details {
                    m.insert("count".into(), serde_json::json!(ids.len()));
                    m.insert("ids".into(), serde_json::json!(ids));
                }
                e
            }
        };
        if entry.target.is_none() {
            entry.target = Some(format!("service:{service_id}"));
        }
        let chain = chain_of(&entry);
        let result: Result<(), sqlx::Error> = on_pool!(self, pool => {
            let (_gate, mut tx) = begin_write!(self, pool);
            let mut outcome = Ok(());
            for (id, (_, w)) in ids.iter().zip(writes) {
                if let Err(e) = insert_record_in_tx!(tx, id, tenant_id, service_id, kind, organisation_id, w, &at, actor) {
                    outcome = Err(e);
                    break;
                }
            }
            match outcome {
                Ok(()) => {
                    append_in_tx!(tx, &chain, at.clone(), &entry);
                    tx.commit().await?;
                    Ok(())
                }
                Err(e) => {
                    tx.rollback().await?;
                    Err(e)
                }
            }
        });
        match result {
            Ok(()) => Ok(ids),
            Err(e) if unique_violation(&e) => {
                Err(StoreError::Conflict("同じ項目・同じ月の実施状況".into()))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Replaces a record's document (and its columns) and appends `audit`
    /// in the same transaction. `None` if there is no such record.
    pub async fn update_oversight_record(
        &self,
        id: &str,
        write: &RecordWrite,
        actor: &Actor,
        audit: &NewAuditEntry,
        now: Timestamp,
    ) -> Result<Option<OversightRecord>, StoreError> {
        let at = time::format(now);
        let chain = chain_of(audit);
        let result: Result<u64, sqlx::Error> = on_pool!(self, pool => {
            let (_gate, mut tx) = begin_write!(self, pool);
            let n = sqlx::query(
                "UPDATE oversight_records SET filed_at = $1, is_open = $2, ref_id = $3, data = $4, updated_at = $5, updated_by = $6 \
                 WHERE id = $7",
            )
            .bind(&write.filed_at)
            .bind(write.is_open)
            .bind(&write.ref_id)
            .bind(write.data.to_string())
            .bind(&at)
            .bind(&actor.id)
            .bind(id)
            .execute(&mut *tx)
            .await;
            match n {
                Ok(r) if r.rows_affected() == 1 => {
                    append_in_tx!(tx, &chain, at.clone(), audit);
                    tx.commit().await?;
                    Ok(1)
                }
                Ok(_) => {
                    tx.rollback().await?;
                    Ok(0)
                }
                Err(e) => {
                    tx.rollback().await?;
                    Err(e)
                }
            }
        });
        match result {
            Ok(1) => self.oversight_record(id).await,
            Ok(_) => Ok(None),
            Err(e) if unique_violation(&e) => {
                Err(StoreError::Conflict("同じ項目・同じ月の実施状況".into()))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes a record and appends `audit` in the same transaction; a plan
    /// item that statuses refer to is kept.
    pub async fn delete_oversight_record(
        &self,
        id: &str,
        audit: &NewAuditEntry,
        now: Timestamp,
    ) -> Result<DeleteOutcome, StoreError> {
        let at = time::format(now);
        let chain = chain_of(audit);
        let outcome = on_pool!(self, pool => {
            let (_gate, mut tx) = begin_write!(self, pool);
            let refs: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM oversight_records WHERE kind = 'plan_status' AND ref_id = $1",
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            if refs > 0 {
                tx.rollback().await?;
                DeleteOutcome::Referenced(refs)
            } else {
                let n = sqlx::query("DELETE FROM oversight_records WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if n == 1 {
                    append_in_tx!(tx, &chain, at.clone(), audit);
                    tx.commit().await?;
                    DeleteOutcome::Deleted
                } else {
                    tx.rollback().await?;
                    DeleteOutcome::NotFound
                }
            }
        });
        Ok(outcome)
    }

    /// One record.
    pub async fn oversight_record(&self, id: &str) -> Result<Option<OversightRecord>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!("{RECORD_COLUMNS} WHERE id = $1"));
        let row: Option<RecordRow> = on_pool!(self, pool => sqlx::query(sql)
            .bind(id)
            .fetch_optional(pool)
            .await?
            .map(|r| record_row!(r))
            .transpose()?);
        row.map(record).transpose()
    }

    /// A service's records of `kind`, by `filed_at` then creation.
    pub async fn oversight_records(
        &self,
        service_id: &str,
        kind: &str,
        filter: &RecordFilter,
    ) -> Result<Vec<OversightRecord>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "{RECORD_COLUMNS} WHERE service_id = $1 AND kind = $2 \
             AND ($3 IS NULL OR filed_at >= $3) AND ($4 IS NULL OR filed_at < $4) \
             AND ($5 IS NULL OR is_open = $5) \
             AND ($6 IS NULL OR organisation_id IS NULL OR organisation_id = $6) \
             AND ($7 IS NULL OR ref_id = $7) \
             ORDER BY filed_at, created_at, id"
        ));
        let rows: Vec<RecordRow> = on_pool!(self, pool => sqlx::query(sql)
            .bind(service_id)
            .bind(kind)
            .bind(&filter.from)
            .bind(&filter.until)
            .bind(filter.is_open)
            .bind(&filter.visible_to_organisation)
            .bind(&filter.ref_id)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| record_row!(r))
            .collect::<Result<Vec<_>, _>>()?);
        rows.into_iter().map(record).collect()
    }

    /// Every record of the given kinds in a tenant (for tenant-wide alerts),
    /// by service, kind and `filed_at`.
    pub async fn oversight_records_in_tenant(
        &self,
        tenant_id: &str,
        kinds: &[&str],
    ) -> Result<Vec<OversightRecord>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "{RECORD_COLUMNS} WHERE tenant_id = $1 ORDER BY service_id, kind, filed_at, created_at, id"
        ));
        let rows: Vec<RecordRow> = on_pool!(self, pool => sqlx::query(sql)
            .bind(tenant_id)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| record_row!(r))
            .collect::<Result<Vec<_>, _>>()?);
        rows.into_iter()
            .filter(|r| kinds.contains(&r.0.3.as_str()))
            .map(record)
            .collect()
    }

    // -- deliverables -----------------------------------------------------

    async fn select_deliverables(
        &self,
        filter: &'static str,
        arg: &str,
    ) -> Result<Vec<DeliverableRecord>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "{DELIVERABLE_COLUMNS} WHERE {filter} ORDER BY service_id, kind, period"
        ));
        let rows: Vec<DeliverableRow> = on_pool!(self, pool => sqlx::query(sql)
            .bind(arg.to_owned())
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| deliverable_row!(r))
            .collect::<Result<Vec<_>, _>>()?);
        rows.into_iter().map(deliverable).collect()
    }

    /// The deliverables stored for a service.
    pub async fn deliverables_of_service(
        &self,
        service_id: &str,
    ) -> Result<Vec<DeliverableRecord>, StoreError> {
        self.select_deliverables("service_id = $1", service_id)
            .await
    }

    /// The deliverables stored for every service of a tenant.
    pub async fn deliverables_in_tenant(
        &self,
        tenant_id: &str,
    ) -> Result<Vec<DeliverableRecord>, StoreError> {
        self.select_deliverables("tenant_id = $1", tenant_id).await
    }

    async fn select_versions(
        &self,
        filter: &'static str,
        arg: &str,
    ) -> Result<Vec<DeliverableVersion>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {VERSION_COLUMNS} FROM oversight_deliverable_versions v \
             JOIN oversight_deliverables d ON d.id = v.deliverable_id WHERE {filter} \
             ORDER BY v.deliverable_id, v.version"
        ));
        let rows: Vec<VersionRow> = on_pool!(self, pool => sqlx::query(sql)
            .bind(arg.to_owned())
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| version_row!(r))
            .collect::<Result<Vec<_>, _>>()?);
        rows.into_iter().map(version).collect()
    }

    /// Every version of every deliverable of a service, oldest first per
    /// deliverable.
    pub async fn deliverable_versions_of_service(
        &self,
        service_id: &str,
    ) -> Result<Vec<DeliverableVersion>, StoreError> {
        self.select_versions("d.service_id = $1", service_id).await
    }

    /// Every version of every deliverable of a tenant.
    pub async fn deliverable_versions_in_tenant(
        &self,
        tenant_id: &str,
    ) -> Result<Vec<DeliverableVersion>, StoreError> {
        self.select_versions("d.tenant_id = $1", tenant_id).await
    }

    /// Sets a deliverable's due date (`None`: the default rule), whether it
    /// is required and a note, creating it if needed, and appends `audit`
    /// in the same transaction.
    #[allow(clippy::too_many_arguments)]
    pub async fn put_deliverable(
        &self,
        tenant_id: &str,
        service_id: &str,
        kind: &str,
        period: &str,
        due_on: Option<&str>,
        required: bool,
        note: &str,
        audit: &NewAuditEntry,
        now: Timestamp,
    ) -> Result<DeliverableRecord, StoreError> {
        let at = time::format(now);
        let chain = chain_of(audit);
        let id = new_id();
        on_pool!(self, pool => {
            let (_gate, mut tx) = begin_write!(self, pool);
            sqlx::query(
                "INSERT INTO oversight_deliverables (id, tenant_id, service_id, kind, period, due_on, required, note, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) \
                 ON CONFLICT (service_id, kind, period) DO UPDATE SET due_on = excluded.due_on, required = excluded.required, \
                 note = excluded.note, updated_at = excluded.updated_at",
            )
            .bind(&id)
            .bind(tenant_id)
            .bind(service_id)
            .bind(kind)
            .bind(period)
            .bind(due_on)
            .bind(required)
            .bind(note)
            .bind(&at)
            .execute(&mut *tx)
            .await?;
            append_in_tx!(tx, &chain, at.clone(), audit);
            tx.commit().await?;
        });
        self.deliverable_of(service_id, kind, period)
            .await?
            .ok_or_else(|| StoreError::Corrupt("stored deliverable not found".into()))
    }

    /// A service's deliverable of `kind` for `period`, if stored.
    pub async fn deliverable_of(
        &self,
        service_id: &str,
        kind: &str,
        period: &str,
    ) -> Result<Option<DeliverableRecord>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "{DELIVERABLE_COLUMNS} WHERE service_id = $1 AND kind = $2 AND period = $3"
        ));
        let row: Option<DeliverableRow> = on_pool!(self, pool => sqlx::query(sql)
            .bind(service_id)
            .bind(kind)
            .bind(period)
            .fetch_optional(pool)
            .await?
            .map(|r| deliverable_row!(r))
            .transpose()?);
        row.map(deliverable).transpose()
    }

    /// Submits a new version of a service's deliverable (creating the
    /// deliverable with the default due rule if needed): numbered after the
    /// last one, `submitted`; a version still waiting for review becomes
    /// `superseded`. Appends `audit` in the same transaction.
    #[allow(clippy::too_many_arguments)]
    pub async fn submit_deliverable_version(
        &self,
        tenant_id: &str,
        service_id: &str,
        kind: &str,
        period: &str,
        organisation_id: Option<&str>,
        data: &serde_json::Value,
        actor: &Actor,
        audit: &NewAuditEntry,
        now: Timestamp,
    ) -> Result<DeliverableVersion, StoreError> {
        let at = time::format(now);
        let chain = chain_of(audit);
        let new = new_id();
        let (deliverable_id, number) = on_pool!(self, pool => {
            let (_gate, mut tx) = begin_write!(self, pool);
            sqlx::query(
                "INSERT INTO oversight_deliverables (id, tenant_id, service_id, kind, period, due_on, required, note, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, NULL, TRUE, '', $6, $6) ON CONFLICT (service_id, kind, period) DO NOTHING",
            )
            .bind(&new)
            .bind(tenant_id)
            .bind(service_id)
            .bind(kind)
            .bind(period)
            .bind(&at)
            .execute(&mut *tx)
            .await?;
            // Lock the deliverable's row: versions of one deliverable are
            // numbered one at a time.
            let id: String = sqlx::query_scalar(
                "UPDATE oversight_deliverables SET updated_at = $1 WHERE service_id = $2 AND kind = $3 AND period = $4 RETURNING id",
            )
            .bind(&at)
            .bind(service_id)
            .bind(kind)
            .bind(period)
            .fetch_one(&mut *tx)
            .await?;
            let number: i64 = sqlx::query_scalar(
                "SELECT COALESCE(MAX(version), 0) + 1 FROM oversight_deliverable_versions WHERE deliverable_id = $1",
            )
            .bind(&id)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE oversight_deliverable_versions SET state = 'superseded' WHERE deliverable_id = $1 AND state = 'submitted'",
            )
            .bind(&id)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO oversight_deliverable_versions (deliverable_id, version, organisation_id, submitted_by, submitted_by_name, \
                 submitted_at, data, state) VALUES ($1, $2, $3, $4, $5, $6, $7, 'submitted')",
            )
            .bind(&id)
            .bind(number)
            .bind(organisation_id)
            .bind(&actor.id)
            .bind(&actor.name)
            .bind(&at)
            .bind(data.to_string())
            .execute(&mut *tx)
            .await?;
            let mut entry = with_target(audit, format!("deliverable:{id}"), &id);
            if let serde_json::Value::Object(m) = &mut entry.details {
                m.insert("version".into(), serde_json::json!(number));
            }
            append_in_tx!(tx, &chain, at.clone(), &entry);
            tx.commit().await?;
            (id, number)
        });
        self.deliverable_version(&deliverable_id, number)
            .await?
            .ok_or_else(|| StoreError::Corrupt("submitted version not found".into()))
    }

    /// One version.
    pub async fn deliverable_version(
        &self,
        deliverable_id: &str,
        number: i64,
    ) -> Result<Option<DeliverableVersion>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {VERSION_COLUMNS} FROM oversight_deliverable_versions v WHERE v.deliverable_id = $1 AND v.version = $2"
        ));
        let row: Option<VersionRow> = on_pool!(self, pool => sqlx::query(sql)
            .bind(deliverable_id)
            .bind(number)
            .fetch_optional(pool)
            .await?
            .map(|r| version_row!(r))
            .transpose()?);
        row.map(version).transpose()
    }

    /// Accepts or returns the latest version of a deliverable if it is
    /// waiting for review or accepted, and appends `audit` in the same
    /// transaction. `None`: it is not the latest version or not in review.
    #[allow(clippy::too_many_arguments)]
    pub async fn review_deliverable_version(
        &self,
        deliverable_id: &str,
        number: i64,
        accept: bool,
        comment: Option<&str>,
        actor: &Actor,
        audit: &NewAuditEntry,
        now: Timestamp,
    ) -> Result<Option<DeliverableVersion>, StoreError> {
        let at = time::format(now);
        let chain = chain_of(audit);
        let state = if accept { "accepted" } else { "returned" };
        let changed = on_pool!(self, pool => {
            let (_gate, mut tx) = begin_write!(self, pool);
            sqlx::query("UPDATE oversight_deliverables SET updated_at = updated_at WHERE id = $1")
                .bind(deliverable_id)
                .execute(&mut *tx)
                .await?;
            let n = sqlx::query(
                "UPDATE oversight_deliverable_versions SET state = $1, review_comment = $2, reviewed_by = $3, reviewed_at = $4 \
                 WHERE deliverable_id = $5 AND version = $6 AND state IN ('submitted', 'accepted') \
                 AND version = (SELECT MAX(version) FROM oversight_deliverable_versions WHERE deliverable_id = $5)",
            )
            .bind(state)
            .bind(comment)
            .bind(&actor.id)
            .bind(&at)
            .bind(deliverable_id)
            .bind(number)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 1 {
                append_in_tx!(tx, &chain, at.clone(), audit);
                tx.commit().await?;
            } else {
                tx.rollback().await?;
            }
            n == 1
        });
        if changed {
            self.deliverable_version(deliverable_id, number).await
        } else {
            Ok(None)
        }
    }

    // -- SLA settings -----------------------------------------------------

    /// A service's SLA settings document, if stored.
    pub async fn sla_settings(
        &self,
        service_id: &str,
    ) -> Result<Option<serde_json::Value>, StoreError> {
        let text: Option<String> = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT settings FROM oversight_settings WHERE service_id = $1",
        )
        .bind(service_id)
        .fetch_optional(pool)
        .await?);
        text.as_deref().map(parse_json).transpose()
    }

    /// The SLA settings documents of every service of a tenant that has
    /// them: `(service id, document)`.
    pub async fn sla_settings_in_tenant(
        &self,
        tenant_id: &str,
    ) -> Result<Vec<(String, serde_json::Value)>, StoreError> {
        let rows: Vec<(String, String)> = on_pool!(self, pool => sqlx::query(
            "SELECT service_id, settings FROM oversight_settings WHERE tenant_id = $1 ORDER BY service_id",
        )
        .bind(tenant_id)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| Ok::<_, sqlx::Error>((r.try_get("service_id")?, r.try_get("settings")?)))
        .collect::<Result<Vec<_>, _>>()?);
        rows.into_iter()
            .map(|(s, t)| Ok((s, parse_json(&t)?)))
            .collect()
    }

    /// Replaces a service's SLA settings and appends `audit` in the same
    /// transaction.
    pub async fn put_sla_settings(
        &self,
        tenant_id: &str,
        service_id: &str,
        settings: &serde_json::Value,
        actor: &Actor,
        audit: &NewAuditEntry,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let at = time::format(now);
        let chain = chain_of(audit);
        on_pool!(self, pool => {
            let (_gate, mut tx) = begin_write!(self, pool);
            sqlx::query(
                "INSERT INTO oversight_settings (service_id, tenant_id, settings, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (service_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at, \
                 updated_by = excluded.updated_by",
            )
            .bind(service_id)
            .bind(tenant_id)
            .bind(settings.to_string())
            .bind(&at)
            .bind(&actor.id)
            .execute(&mut *tx)
            .await?;
            append_in_tx!(tx, &chain, at.clone(), audit);
            tx.commit().await?;
        });
        Ok(())
    }
}

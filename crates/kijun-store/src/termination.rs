//! Termination cases of services (更改・廃棄), as stored: the case (notice
//! dates, status, the vendor's deletion certificate) and one row per
//! checklist item with its responsible party, due date, state, latest
//! submission and the reviewer's sign-off or return.
//!
//! The rules (which transitions exist, what a case needs to close) are
//! kijun-core's `termination`; this module makes each change one
//! transaction with its audit entry (`append_in_tx!`) and guards it with
//! the state the caller checked, so two reviewers acting at once cannot
//! both succeed: a guarded change that finds another state changes nothing
//! and answers `None`. Dates are `YYYY-MM-DD` text, timestamps the store's
//! fixed-width UTC text (`time::format`).

use std::collections::HashMap;

use jiff::Timestamp;
use serde::Serialize;
use sqlx::Row;

use crate::assessment::Actor;
use crate::audit::{NewAuditEntry, SYSTEM_CHAIN};
use crate::db::{Store, StoreError, begin_write, on_pool};
use crate::time;

/// The vendor's deletion certificate (データ消去証明書) recorded on a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeletionCertificate {
    /// The evidence file holding the certificate.
    pub evidence_id: String,
    /// The file's name and SHA-256 as registered at upload.
    pub filename: String,
    pub sha256: String,
    /// The date printed on the certificate (`YYYY-MM-DD`).
    pub issued_on: String,
    pub recorded_at: Timestamp,
    pub recorded_by: Option<String>,
}

/// One checklist item of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TerminationItem {
    /// `kijun_core::termination::ItemKind` id.
    pub kind: String,
    pub position: i64,
    /// `provider`, `integrator` or `municipality`.
    pub responsible: String,
    pub required: bool,
    /// `YYYY-MM-DD`.
    pub due_on: Option<String>,
    /// `pending`, `submitted`, `returned`, `signed_off`.
    pub state: String,
    /// The latest submission's note.
    pub note: String,
    /// The latest submission's evidence files.
    pub evidence_ids: Vec<String>,
    /// The vendor organisation that submitted it (`None`: staff or nobody
    /// yet).
    pub organisation_id: Option<String>,
    pub submitted_at: Option<Timestamp>,
    pub submitted_by: Option<String>,
    pub submitted_by_name: Option<String>,
    /// The reviewer's comment (a return's reason, or a sign-off remark).
    pub review_comment: Option<String>,
    pub reviewed_at: Option<Timestamp>,
    pub reviewed_by: Option<String>,
    pub reviewed_by_name: Option<String>,
}

/// A termination case with its items in checklist order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TerminationCase {
    pub id: String,
    pub tenant_id: String,
    pub service_id: String,
    /// `open` or `closed`.
    pub status: String,
    /// The day the vendor announced the termination (`YYYY-MM-DD`).
    pub announced_on: String,
    /// The day the service ends (`YYYY-MM-DD`).
    pub effective_on: String,
    pub note: String,
    pub certificate: Option<DeletionCertificate>,
    pub opened_at: Timestamp,
    pub opened_by: Option<String>,
    pub closed_at: Option<Timestamp>,
    pub closed_by: Option<String>,
    pub updated_at: Timestamp,
    pub items: Vec<TerminationItem>,
}

/// An item as a case is opened with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTerminationItem {
    pub kind: String,
    pub position: i64,
    pub responsible: String,
    pub required: bool,
    pub due_on: Option<String>,
}

/// A submission of an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemSubmission {
    pub note: String,
    pub evidence_ids: Vec<String>,
    /// A new due date; `None` keeps the current one.
    pub due_on: Option<String>,
    /// The submitting vendor organisation (`None`: staff).
    pub organisation_id: Option<String>,
}

/// What closing a case did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloseOutcome {
    Closed(Box<TerminationCase>),
    /// Not open any more (closed meanwhile, or missing).
    NotOpen,
    /// A required item is not signed off or the certificate is missing
    /// (checked again inside the transaction).
    NotReady,
}

/// What the close transaction found.
enum Step {
    Closed,
    NotOpen,
    NotReady,
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

const CASE_COLUMNS: &str = "SELECT id, tenant_id, service_id, status, announced_on, effective_on, note, \
     certificate_evidence_id, certificate_filename, certificate_sha256, certificate_issued_on, \
     certificate_recorded_at, certificate_recorded_by, opened_at, opened_by, closed_at, closed_by, updated_at \
     FROM termination_cases";

const ITEM_COLUMNS: &str = "SELECT case_id, kind, position, responsible, required, due_on, state, note, evidence_ids, \
     organisation_id, submitted_at, submitted_by, submitted_by_name, review_comment, reviewed_at, reviewed_by, \
     reviewed_by_name FROM termination_items";

/// A case row as read.
struct CaseRow {
    id: String,
    tenant_id: String,
    service_id: String,
    status: String,
    announced_on: String,
    effective_on: String,
    note: String,
    cert_evidence: Option<String>,
    cert_filename: Option<String>,
    cert_sha256: Option<String>,
    cert_issued: Option<String>,
    cert_at: Option<String>,
    cert_by: Option<String>,
    opened_at: String,
    opened_by: Option<String>,
    closed_at: Option<String>,
    closed_by: Option<String>,
    updated_at: String,
}

macro_rules! case_row {
    ($r:expr) => {{
        let r = $r;
        Ok::<CaseRow, sqlx::Error>(CaseRow {
            id: r.try_get("id")?,
            tenant_id: r.try_get("tenant_id")?,
            service_id: r.try_get("service_id")?,
            status: r.try_get("status")?,
            announced_on: r.try_get("announced_on")?,
            effective_on: r.try_get("effective_on")?,
            note: r.try_get("note")?,
            cert_evidence: r.try_get("certificate_evidence_id")?,
            cert_filename: r.try_get("certificate_filename")?,
            cert_sha256: r.try_get("certificate_sha256")?,
            cert_issued: r.try_get("certificate_issued_on")?,
            cert_at: r.try_get("certificate_recorded_at")?,
            cert_by: r.try_get("certificate_recorded_by")?,
            opened_at: r.try_get("opened_at")?,
            opened_by: r.try_get("opened_by")?,
            closed_at: r.try_get("closed_at")?,
            closed_by: r.try_get("closed_by")?,
            updated_at: r.try_get("updated_at")?,
        })
    }};
}

/// An item row as read.
struct ItemRow {
    case_id: String,
    kind: String,
    position: i64,
    responsible: String,
    required: bool,
    due_on: Option<String>,
    state: String,
    note: String,
    evidence_ids: String,
    organisation_id: Option<String>,
    submitted_at: Option<String>,
    submitted_by: Option<String>,
    submitted_by_name: Option<String>,
    review_comment: Option<String>,
    reviewed_at: Option<String>,
    reviewed_by: Option<String>,
    reviewed_by_name: Option<String>,
}

macro_rules! item_row {
    ($r:expr) => {{
        let r = $r;
        Ok::<ItemRow, sqlx::Error>(ItemRow {
            case_id: r.try_get("case_id")?,
            kind: r.try_get("kind")?,
            position: r.try_get("position")?,
            responsible: r.try_get("responsible")?,
            required: r.try_get("required")?,
            due_on: r.try_get("due_on")?,
            state: r.try_get("state")?,
            note: r.try_get("note")?,
            evidence_ids: r.try_get("evidence_ids")?,
            organisation_id: r.try_get("organisation_id")?,
            submitted_at: r.try_get("submitted_at")?,
            submitted_by: r.try_get("submitted_by")?,
            submitted_by_name: r.try_get("submitted_by_name")?,
            review_comment: r.try_get("review_comment")?,
            reviewed_at: r.try_get("reviewed_at")?,
            reviewed_by: r.try_get("reviewed_by")?,
            reviewed_by_name: r.try_get("reviewed_by_name")?,
        })
    }};
}

fn item(r: ItemRow) -> Result<(String, TerminationItem), StoreError> {
    let evidence_ids: Vec<String> = serde_json::from_str(&r.evidence_ids)
        .map_err(|e| StoreError::Corrupt(format!("termination item evidence ids: {e}")))?;
    Ok((
        r.case_id,
        TerminationItem {
            kind: r.kind,
            position: r.position,
            responsible: r.responsible,
            required: r.required,
            due_on: r.due_on,
            state: r.state,
            note: r.note,
            evidence_ids,
            organisation_id: r.organisation_id,
            submitted_at: opt_time(r.submitted_at)?,
            submitted_by: r.submitted_by,
            submitted_by_name: r.submitted_by_name,
            review_comment: r.review_comment,
            reviewed_at: opt_time(r.reviewed_at)?,
            reviewed_by: r.reviewed_by,
            reviewed_by_name: r.reviewed_by_name,
        },
    ))
}

fn case(r: CaseRow, items: Vec<TerminationItem>) -> Result<TerminationCase, StoreError> {
    let certificate = match (
        r.cert_evidence,
        r.cert_filename,
        r.cert_sha256,
        r.cert_issued,
    ) {
        (Some(evidence_id), Some(filename), Some(sha256), Some(issued_on)) => {
            Some(DeletionCertificate {
                evidence_id,
                filename,
                sha256,
                issued_on,
                recorded_at: r
                    .cert_at
                    .as_deref()
                    .map(time::parse)
                    .transpose()?
                    .ok_or_else(|| StoreError::Corrupt("certificate without time".into()))?,
                recorded_by: r.cert_by,
            })
        }
        _ => None,
    };
    Ok(TerminationCase {
        id: r.id,
        tenant_id: r.tenant_id,
        service_id: r.service_id,
        status: r.status,
        announced_on: r.announced_on,
        effective_on: r.effective_on,
        note: r.note,
        certificate,
        opened_at: time::parse(&r.opened_at)?,
        opened_by: r.opened_by,
        closed_at: opt_time(r.closed_at)?,
        closed_by: r.closed_by,
        updated_at: time::parse(&r.updated_at)?,
        items,
    })
}

fn evidence_json(ids: &[String]) -> String {
    serde_json::Value::from(ids.to_vec()).to_string()
}

impl Store {
    async fn select_cases(
        &self,
        filter: &'static str,
        arg: &str,
    ) -> Result<Vec<TerminationCase>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "{CASE_COLUMNS} WHERE {filter} ORDER BY opened_at, id"
        ));
        let items_sql = sqlx::AssertSqlSafe(format!(
            "{ITEM_COLUMNS} WHERE case_id IN (SELECT id FROM termination_cases WHERE {filter}) \
             ORDER BY case_id, position"
        ));
        let (rows, item_rows): (Vec<CaseRow>, Vec<ItemRow>) = on_pool!(self, pool => {
            let rows = sqlx::query(sql)
                .bind(arg.to_owned())
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| case_row!(r))
                .collect::<Result<Vec<_>, _>>()?;
            let items = sqlx::query(items_sql)
                .bind(arg.to_owned())
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| item_row!(r))
                .collect::<Result<Vec<_>, _>>()?;
            (rows, items)
        });
        let mut items: HashMap<String, Vec<TerminationItem>> = HashMap::new();
        for r in item_rows {
            let (case_id, i) = item(r)?;
            items.entry(case_id).or_default().push(i);
        }
        rows.into_iter()
            .map(|r| {
                let mine = items.remove(&r.id).unwrap_or_default();
                case(r, mine)
            })
            .collect()
    }

    /// One case with its items.
    pub async fn termination_case(&self, id: &str) -> Result<Option<TerminationCase>, StoreError> {
        Ok(self.select_cases("id = $1", id).await?.pop())
    }

    /// A service's cases (its termination history), oldest first.
    pub async fn termination_cases_of_service(
        &self,
        service_id: &str,
    ) -> Result<Vec<TerminationCase>, StoreError> {
        self.select_cases("service_id = $1", service_id).await
    }

    /// Every case of a tenant, oldest first.
    pub async fn termination_cases_in_tenant(
        &self,
        tenant_id: &str,
    ) -> Result<Vec<TerminationCase>, StoreError> {
        self.select_cases("tenant_id = $1", tenant_id).await
    }

    /// Opens a case for a service with its checklist `items` and appends
    /// `audit` (target `termination:<id>`) in the same transaction. A
    /// second open case of one service is a [`StoreError::Conflict`].
    #[allow(clippy::too_many_arguments)]
    pub async fn open_termination_case(
        &self,
        tenant_id: &str,
        service_id: &str,
        announced_on: &str,
        effective_on: &str,
        note: &str,
        items: &[NewTerminationItem],
        actor: &Actor,
        audit: &NewAuditEntry,
        now: Timestamp,
    ) -> Result<TerminationCase, StoreError> {
        let at = time::format(now);
        let chain = chain_of(audit);
        let id = new_id();
        let mut entry = audit.clone();
        entry.target = Some(format!("termination:{id}"));
        if let serde_json::Value::Object(m) = &mut entry.details {
            m.insert("id".into(), serde_json::json!(id));
        }
        on_pool!(self, pool => {
            let (_gate, mut tx) = begin_write!(self, pool);
            let inserted = sqlx::query(
                "INSERT INTO termination_cases (id, tenant_id, service_id, status, announced_on, effective_on, note, \
                 opened_at, opened_by, updated_at) VALUES ($1, $2, $3, 'open', $4, $5, $6, $7, $8, $7)",
            )
            .bind(&id)
            .bind(tenant_id)
            .bind(service_id)
            .bind(announced_on)
            .bind(effective_on)
            .bind(note)
            .bind(&at)
            .bind(&actor.id)
            .execute(&mut *tx)
            .await;
            match inserted {
                Err(e) if matches!(&e, sqlx::Error::Database(d) if d.is_unique_violation()) => {
                    tx.rollback().await?;
                    return Err(StoreError::Conflict(
                        "このサービスの完了していない終了手続".into(),
                    ));
                }
                other => other?,
            };
            for i in items {
                sqlx::query(
                    "INSERT INTO termination_items (case_id, tenant_id, kind, position, responsible, required, due_on, \
                     state, note, evidence_ids) VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', '', '[]')",
                )
                .bind(&id)
                .bind(tenant_id)
                .bind(&i.kind)
                .bind(i.position)
                .bind(&i.responsible)
                .bind(i.required)
                .bind(&i.due_on)
                .execute(&mut *tx)
                .await?;
            }
            append_in_tx!(tx, &chain, at.clone(), &entry);
            tx.commit().await?;
        });
        self.termination_case(&id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("opened termination case not found".into()))
    }

    /// Stores a submission of item `kind` of open case `case_id` if the
    /// item is still in `expected_state`, making it `submitted`, and
    /// appends `audit` in the same transaction. `None`: the case is not
    /// open or the item moved meanwhile (nothing changed).
    #[allow(clippy::too_many_arguments)]
    pub async fn submit_termination_item(
        &self,
        case_id: &str,
        kind: &str,
        expected_state: &str,
        submission: &ItemSubmission,
        actor: &Actor,
        audit: &NewAuditEntry,
        now: Timestamp,
    ) -> Result<Option<TerminationCase>, StoreError> {
        let at = time::format(now);
        let chain = chain_of(audit);
        let evidence = evidence_json(&submission.evidence_ids);
        let changed = on_pool!(self, pool => {
            let (_gate, mut tx) = begin_write!(self, pool);
            // Lock the case: changes of one case happen one at a time.
            let open = sqlx::query(
                "UPDATE termination_cases SET updated_at = $1 WHERE id = $2 AND status = 'open'",
            )
            .bind(&at)
            .bind(case_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let n = if open == 1 {
                sqlx::query(
                    "UPDATE termination_items SET state = 'submitted', note = $1, evidence_ids = $2, \
                     due_on = COALESCE($3, due_on), organisation_id = $4, submitted_at = $5, submitted_by = $6, \
                     submitted_by_name = $7 WHERE case_id = $8 AND kind = $9 AND state = $10",
                )
                .bind(&submission.note)
                .bind(&evidence)
                .bind(&submission.due_on)
                .bind(&submission.organisation_id)
                .bind(&at)
                .bind(&actor.id)
                .bind(&actor.name)
                .bind(case_id)
                .bind(kind)
                .bind(expected_state)
                .execute(&mut *tx)
                .await?
                .rows_affected()
            } else {
                0
            };
            if n == 1 {
                append_in_tx!(tx, &chain, at.clone(), audit);
                tx.commit().await?;
            } else {
                tx.rollback().await?;
            }
            n == 1
        });
        if changed {
            self.termination_case(case_id).await
        } else {
            Ok(None)
        }
    }

    /// Signs off (`new_state` = `signed_off`) or returns (`returned`) item
    /// `kind` of open case `case_id` if it is still `submitted`, with the
    /// reviewer's comment, and appends `audit` in the same transaction.
    /// `None`: nothing changed.
    #[allow(clippy::too_many_arguments)]
    pub async fn review_termination_item(
        &self,
        case_id: &str,
        kind: &str,
        new_state: &str,
        comment: Option<&str>,
        actor: &Actor,
        audit: &NewAuditEntry,
        now: Timestamp,
    ) -> Result<Option<TerminationCase>, StoreError> {
        let at = time::format(now);
        let chain = chain_of(audit);
        let changed = on_pool!(self, pool => {
            let (_gate, mut tx) = begin_write!(self, pool);
            let open = sqlx::query(
                "UPDATE termination_cases SET updated_at = $1 WHERE id = $2 AND status = 'open'",
            )
            .bind(&at)
            .bind(case_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let n = if open == 1 {
                sqlx::query(
                    "UPDATE termination_items SET state = $1, review_comment = $2, reviewed_at = $3, reviewed_by = $4, \
                     reviewed_by_name = $5 WHERE case_id = $6 AND kind = $7 AND state = 'submitted'",
                )
                .bind(new_state)
                .bind(comment)
                .bind(&at)
                .bind(&actor.id)
                .bind(&actor.name)
                .bind(case_id)
                .bind(kind)
                .execute(&mut *tx)
                .await?
                .rows_affected()
            } else {
                0
            };
            if n == 1 {
                append_in_tx!(tx, &chain, at.clone(), audit);
                tx.commit().await?;
            } else {
                tx.rollback().await?;
            }
            n == 1
        });
        if changed {
            self.termination_case(case_id).await
        } else {
            Ok(None)
        }
    }

    /// Records (or replaces) the deletion certificate of open case
    /// `case_id` and appends `audit` in the same transaction. `None`: the
    /// case is not open.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_deletion_certificate(
        &self,
        case_id: &str,
        evidence_id: &str,
        filename: &str,
        sha256: &str,
        issued_on: &str,
        actor: &Actor,
        audit: &NewAuditEntry,
        now: Timestamp,
    ) -> Result<Option<TerminationCase>, StoreError> {
        let at = time::format(now);
        let chain = chain_of(audit);
        let changed = on_pool!(self, pool => {
            let (_gate, mut tx) = begin_write!(self, pool);
            let n = sqlx::query(
                "UPDATE termination_cases SET certificate_evidence_id = $1, certificate_filename = $2, \
                 certificate_sha256 = $3, certificate_issued_on = $4, certificate_recorded_at = $5, \
                 certificate_recorded_by = $6, updated_at = $5 WHERE id = $7 AND status = 'open'",
            )
            .bind(evidence_id)
            .bind(filename)
            .bind(sha256)
            .bind(issued_on)
            .bind(&at)
            .bind(&actor.id)
            .bind(case_id)
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
            self.termination_case(case_id).await
        } else {
            Ok(None)
        }
    }

    /// Closes open case `case_id` if every required item is signed off and
    /// the certificate is recorded (checked inside the transaction), and
    /// appends `audit` in the same transaction.
    pub async fn close_termination_case(
        &self,
        case_id: &str,
        actor: &Actor,
        audit: &NewAuditEntry,
        now: Timestamp,
    ) -> Result<CloseOutcome, StoreError> {
        let at = time::format(now);
        let chain = chain_of(audit);
        let outcome = on_pool!(self, pool => {
            let (_gate, mut tx) = begin_write!(self, pool);
            let open = sqlx::query(
                "UPDATE termination_cases SET updated_at = $1 WHERE id = $2 AND status = 'open'",
            )
            .bind(&at)
            .bind(case_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if open != 1 {
                tx.rollback().await?;
                Step::NotOpen
            } else {
                let unsigned: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM termination_items WHERE case_id = $1 AND required AND state <> 'signed_off'",
                )
                .bind(case_id)
                .fetch_one(&mut *tx)
                .await?;
                let n = sqlx::query(
                    "UPDATE termination_cases SET status = 'closed', closed_at = $1, closed_by = $2 \
                     WHERE id = $3 AND certificate_evidence_id IS NOT NULL",
                )
                .bind(&at)
                .bind(&actor.id)
                .bind(case_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if unsigned == 0 && n == 1 {
                    append_in_tx!(tx, &chain, at.clone(), audit);
                    tx.commit().await?;
                    Step::Closed
                } else {
                    tx.rollback().await?;
                    Step::NotReady
                }
            }
        });
        match outcome {
            Step::Closed => Ok(CloseOutcome::Closed(Box::new(
                self.termination_case(case_id)
                    .await?
                    .ok_or_else(|| StoreError::Corrupt("closed case not found".into()))?,
            ))),
            Step::NotOpen => Ok(CloseOutcome::NotOpen),
            Step::NotReady => Ok(CloseOutcome::NotReady),
        }
    }
}

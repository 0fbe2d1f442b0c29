//! Everything of one tenant, as rows: which tables hold a tenant's data,
//! how its rows are found, and the three whole-tenant operations built on
//! that — reading every row in one snapshot (for `kijun tenant export` and
//! for the hashes of a deletion certificate), restoring them into an empty
//! tenant in one transaction (`kijun tenant import`), and deleting them all,
//! data key first, in one transaction (`kijun tenant purge`).
//!
//! [`TENANT_TABLES`] is the one list: a table added by a migration must be
//! listed here or in [`SHARED_TABLES`], or the store test that compares the
//! lists with the live schema fails. Columns are read from the schema, so a
//! new column is exported without a change here.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::audit::{AuditEntry, NewAuditEntry, SYSTEM_CHAIN};
use crate::db::{Backend, Store, StoreError, begin_write, on_pool};
use crate::evidence::{BlobStore, EvidenceError, Vault};
use crate::time;

/// Whether a tenant table's rows leave kijun in an export.
#[derive(Debug, Clone, Copy)]
pub enum Export {
    /// Exported, without the named columns (instance-bound values such as
    /// the data key id, or operational state reset on import).
    Rows { omit: &'static [&'static str] },
    /// Never exported (credentials and keys); deleted by a purge.
    Never { reason: &'static str },
}

/// A table holding tenant data and how to find one tenant's rows in it.
#[derive(Debug, Clone, Copy)]
pub struct TenantTable {
    pub name: &'static str,
    /// SQL condition selecting the tenant's rows; `$1` is the tenant id.
    pub scope: &'static str,
    /// A total order of the rows, so exports are byte-for-byte repeatable.
    pub order_by: &'static str,
    pub export: Export,
    /// Also written as CSV for a person to open.
    pub csv: bool,
}

const USERS_OF: &str = "user_id IN (SELECT id FROM users WHERE tenant_id = $1)";
const ASSESSMENTS_OF: &str = "assessment_id IN (SELECT id FROM assessments WHERE tenant_id = $1)";
const USER_STATE: &[&str] = &[
    "totp_secret",
    "totp_last_step",
    "failed_logins",
    "locked_until",
];

/// The tenant tables in insert order (a table after those it references);
/// a purge deletes in the reverse order.
pub const TENANT_TABLES: &[TenantTable] = &[
    TenantTable {
        name: "tenants",
        scope: "id = $1",
        order_by: "id",
        export: Export::Rows { omit: &[] },
        csv: false,
    },
    TenantTable {
        name: "tenant_settings",
        scope: "tenant_id = $1",
        order_by: "tenant_id",
        export: Export::Rows { omit: &[] },
        csv: false,
    },
    TenantTable {
        name: "users",
        scope: "tenant_id = $1",
        order_by: "id",
        // TOTP secrets are sealed under this instance's master key: imported
        // users enrol MFA again. Lockout counters start afresh.
        export: Export::Rows { omit: USER_STATE },
        csv: true,
    },
    TenantTable {
        name: "password_history",
        scope: USERS_OF,
        order_by: "user_id, changed_at, hash",
        export: Export::Never {
            reason: "credentials",
        },
        csv: false,
    },
    TenantTable {
        name: "recovery_codes",
        scope: USERS_OF,
        order_by: "user_id, code_hash",
        export: Export::Never {
            reason: "credentials",
        },
        csv: false,
    },
    TenantTable {
        name: "sessions",
        scope: USERS_OF,
        order_by: "id_hash",
        export: Export::Never {
            reason: "credentials",
        },
        csv: false,
    },
    TenantTable {
        name: "api_tokens",
        scope: "tenant_id = $1 OR user_id IN (SELECT id FROM users WHERE tenant_id = $1)",
        order_by: "id",
        export: Export::Never {
            reason: "credentials",
        },
        csv: false,
    },
    TenantTable {
        name: "services",
        scope: "tenant_id = $1",
        order_by: "id",
        export: Export::Rows { omit: &[] },
        csv: true,
    },
    TenantTable {
        name: "assessments",
        scope: "tenant_id = $1",
        order_by: "id",
        export: Export::Rows { omit: &[] },
        csv: true,
    },
    TenantTable {
        name: "assessment_invitations",
        scope: ASSESSMENTS_OF,
        order_by: "assessment_id, user_id",
        export: Export::Rows { omit: &[] },
        csv: false,
    },
    TenantTable {
        name: "assessment_items",
        scope: ASSESSMENTS_OF,
        order_by: "assessment_id, catalog_id, requirement_id, party",
        export: Export::Rows { omit: &[] },
        csv: true,
    },
    TenantTable {
        name: "assessment_history",
        scope: ASSESSMENTS_OF,
        order_by: "assessment_id, seq",
        export: Export::Rows { omit: &[] },
        csv: false,
    },
    TenantTable {
        name: "tenant_keys",
        scope: "tenant_id = $1",
        order_by: "tenant_id",
        export: Export::Never {
            reason: "data key: destroyed by a purge, a new one is made on import",
        },
        csv: false,
    },
    TenantTable {
        name: "evidence",
        scope: "tenant_id = $1",
        order_by: "id",
        // The files are in the export decrypted; on import they are
        // encrypted under the new instance's data key.
        export: Export::Rows {
            omit: &["key_id", "blob_key"],
        },
        csv: true,
    },
    TenantTable {
        name: "assessment_evidence",
        scope: ASSESSMENTS_OF,
        order_by: "evidence_id",
        export: Export::Rows { omit: &[] },
        csv: false,
    },
    TenantTable {
        name: "answer_library",
        scope: "origin_tenant_id = $1",
        order_by: "organisation_id, product, scope, entry_key, party",
        export: Export::Rows { omit: &[] },
        csv: false,
    },
    TenantTable {
        name: "library_consents",
        scope: "tenant_id = $1",
        order_by: "organisation_id",
        export: Export::Rows { omit: &[] },
        csv: false,
    },
    TenantTable {
        name: "oversight_records",
        scope: "tenant_id = $1",
        order_by: "id",
        export: Export::Rows { omit: &[] },
        csv: true,
    },
    TenantTable {
        name: "oversight_deliverables",
        scope: "tenant_id = $1",
        order_by: "id",
        export: Export::Rows { omit: &[] },
        csv: true,
    },
    TenantTable {
        name: "oversight_deliverable_versions",
        scope: "deliverable_id IN (SELECT id FROM oversight_deliverables WHERE tenant_id = $1)",
        order_by: "deliverable_id, version",
        export: Export::Rows { omit: &[] },
        csv: false,
    },
    TenantTable {
        name: "oversight_settings",
        scope: "tenant_id = $1",
        order_by: "service_id",
        export: Export::Rows { omit: &[] },
        csv: false,
    },
    TenantTable {
        name: "notification_channels",
        scope: "tenant_id = $1",
        order_by: "id",
        // Webhook secrets are sealed under this instance's master key; set
        // a new one after an import (deliveries fail clearly until then).
        export: Export::Rows { omit: &["secret"] },
        csv: false,
    },
    TenantTable {
        name: "notifications",
        scope: "tenant_id = $1",
        order_by: "id",
        export: Export::Rows { omit: &[] },
        csv: false,
    },
    TenantTable {
        name: "notification_deliveries",
        scope: "tenant_id = $1",
        order_by: "id",
        export: Export::Rows { omit: &[] },
        csv: false,
    },
    TenantTable {
        name: "notification_attempts",
        scope: "delivery_id IN (SELECT id FROM notification_deliveries WHERE tenant_id = $1)",
        order_by: "delivery_id, attempt",
        export: Export::Rows { omit: &[] },
        csv: false,
    },
    TenantTable {
        name: "service_monitors",
        scope: "tenant_id = $1",
        order_by: "service_id",
        export: Export::Rows { omit: &[] },
        csv: false,
    },
    TenantTable {
        name: "termination_cases",
        scope: "tenant_id = $1",
        order_by: "id",
        export: Export::Rows { omit: &[] },
        csv: true,
    },
    TenantTable {
        name: "termination_items",
        scope: "tenant_id = $1",
        order_by: "case_id, kind",
        export: Export::Rows { omit: &[] },
        csv: false,
    },
    TenantTable {
        name: "audit_log",
        scope: "chain = $1",
        order_by: "seq",
        export: Export::Rows { omit: &[] },
        csv: true,
    },
    TenantTable {
        name: "audit_heads",
        scope: "chain = $1",
        order_by: "chain",
        export: Export::Rows { omit: &[] },
        csv: false,
    },
    TenantTable {
        name: "audit_checkpoints",
        scope: "chain = $1",
        order_by: "chain",
        export: Export::Rows { omit: &[] },
        csv: false,
    },
];

/// Tables that hold no tenant's data, and why.
pub const SHARED_TABLES: &[(&str, &str)] = &[
    (
        "organisations",
        "vendor organisations serve several tenants; the referenced ones are exported beside the tenant",
    ),
    ("setup_tokens", "first-administrator setup of the instance"),
    (
        "audit_gate",
        "the instance's audit deletion gate (SQLite only)",
    ),
    ("_sqlx_migrations", "the schema version"),
];

/// Rows outside the tenant tables that a tenant's rows refer to: vendor
/// organisations and the vendor (and system) users invited to or owning
/// the tenant's evidence. Exported so an import can create the missing
/// ones; never deleted by a purge (other tenants may use them).
pub const SHARED_REFERENCES: &[TenantTable] = &[
    TenantTable {
        name: "organisations",
        scope: "id IN (SELECT provider_org_id FROM services WHERE tenant_id = $1 \
                UNION SELECT integrator_org_id FROM services WHERE tenant_id = $1 \
                UNION SELECT organisation_id FROM users WHERE tenant_id IS NULL AND id IN (\
                  SELECT user_id FROM assessment_invitations WHERE assessment_id IN (SELECT id FROM assessments WHERE tenant_id = $1) \
                  UNION SELECT owner_user_id FROM evidence WHERE tenant_id = $1) \
                UNION SELECT organisation_id FROM library_consents WHERE tenant_id = $1 \
                UNION SELECT organisation_id FROM answer_library WHERE origin_tenant_id = $1 \
                UNION SELECT organisation_id FROM oversight_records WHERE tenant_id = $1 \
                UNION SELECT organisation_id FROM termination_items WHERE tenant_id = $1 \
                UNION SELECT organisation_id FROM oversight_deliverable_versions WHERE deliverable_id IN (\
                  SELECT id FROM oversight_deliverables WHERE tenant_id = $1))",
        order_by: "id",
        export: Export::Rows { omit: &[] },
        csv: false,
    },
    TenantTable {
        name: "users",
        scope: "tenant_id IS NULL AND id IN (\
                SELECT user_id FROM assessment_invitations WHERE assessment_id IN (SELECT id FROM assessments WHERE tenant_id = $1) \
                UNION SELECT owner_user_id FROM evidence WHERE tenant_id = $1)",
        order_by: "id",
        export: Export::Rows { omit: USER_STATE },
        csv: false,
    },
];

/// The SQL type of a column, as far as kijun's schema uses them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    Text,
    Int32,
    Int64,
    Bool,
}

/// Some rows of one table, columns in schema order, each value as JSON
/// (text, integer, boolean or null).
#[derive(Debug, Clone, PartialEq)]
pub struct TableRows {
    pub table: String,
    pub columns: Vec<(String, ColumnKind)>,
    pub rows: Vec<Vec<Value>>,
}

impl TableRows {
    /// JSON lines: one object per row, keys sorted — the export's file
    /// format, and what a deletion certificate hashes.
    pub fn to_jsonl(&self) -> String {
        let mut out = String::new();
        for row in &self.rows {
            let object: BTreeMap<&str, &Value> = self
                .columns
                .iter()
                .map(|(name, _)| name.as_str())
                .zip(row.iter())
                .collect();
            out.push_str(&serde_json::to_string(&object).unwrap_or_default());
            out.push('\n');
        }
        out
    }

    /// Parses [`TableRows::to_jsonl`] output back for `columns`; names the
    /// line and column of anything that does not fit.
    pub fn from_jsonl(
        table: &str,
        columns: Vec<(String, ColumnKind)>,
        text: &str,
    ) -> Result<TableRows, String> {
        let mut rows = Vec::new();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let mut object: serde_json::Map<String, Value> = serde_json::from_str(line)
                .map_err(|e| format!("{table}.jsonl {} 行目: JSON として読めません: {e}", n + 1))?;
            let mut row = Vec::with_capacity(columns.len());
            for (name, kind) in &columns {
                let value = object.remove(name).unwrap_or(Value::Null);
                let fits = match (&value, kind) {
                    (Value::Null, _) => true,
                    (Value::String(_), ColumnKind::Text) => true,
                    (Value::Number(v), ColumnKind::Int32 | ColumnKind::Int64) => v.is_i64(),
                    (Value::Bool(_), ColumnKind::Bool) => true,
                    _ => false,
                };
                if !fits {
                    return Err(format!(
                        "{table}.jsonl {} 行目 列 {name}: 値 {value} の型が列 ({kind:?}) と合いません",
                        n + 1
                    ));
                }
                row.push(value);
            }
            if let Some(extra) = object.keys().next() {
                return Err(format!(
                    "{table}.jsonl {} 行目: このインスタンスにない列 {extra} があります (newer export?)",
                    n + 1
                ));
            }
            rows.push(row);
        }
        Ok(TableRows {
            table: table.to_owned(),
            columns,
            rows,
        })
    }

    /// SHA-256 (hex) of [`TableRows::to_jsonl`].
    pub fn sha256(&self) -> String {
        hex(&Sha256::digest(self.to_jsonl().as_bytes()))
    }

    /// The value of `column` in `row`.
    pub fn get<'a>(&self, row: &'a [Value], column: &str) -> Option<&'a Value> {
        let i = self.columns.iter().position(|(c, _)| c == column)?;
        row.get(i)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// All of a tenant's exported rows, read in one snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct TenantRows {
    /// The tenant tables with `Export::Rows`, in [`TENANT_TABLES`] order.
    pub tables: Vec<TableRows>,
    /// [`SHARED_REFERENCES`], in order.
    pub shared: Vec<TableRows>,
}

impl TenantRows {
    pub fn table(&self, name: &str) -> Option<&TableRows> {
        self.tables.iter().find(|t| t.table == name)
    }
}

/// One deleted evidence file, for the deletion certificate.
#[derive(Debug, Clone, Serialize)]
pub struct PurgedFile {
    pub evidence_id: String,
    pub sha256: String,
    pub size: i64,
}

/// What a purge deleted: the certificate's content.
#[derive(Debug, Clone, Serialize)]
pub struct PurgeReport {
    pub tenant_id: String,
    pub slug: String,
    pub name: String,
    /// The destroyed data key (None: the tenant never stored evidence).
    pub destroyed_key_id: Option<String>,
    pub master_key_id: Option<String>,
    /// Table → (rows deleted, SHA-256 of the rows in export form; for
    /// never-exported tables the hash of the row count only).
    pub tables: Vec<PurgedTable>,
    pub files: Vec<PurgedFile>,
    /// Blobs that could not be removed (undecryptable: their key is gone).
    pub blobs_left: Vec<String>,
    /// The system audit entry that records the purge.
    pub certificate: AuditEntry,
}

#[derive(Debug, Clone, Serialize)]
pub struct PurgedTable {
    pub table: String,
    pub rows: u64,
    /// SHA-256 of the table's rows in export form (`None` for tables
    /// that are never exported).
    pub sha256: Option<String>,
}

/// Who purges, for the certificate.
#[derive(Debug, Clone)]
pub struct PurgeBy {
    pub actor_id: Option<String>,
    pub actor_name: String,
    /// Free-form facts added to the certificate (e.g. the export manifest's
    /// SHA-256, or that the export was waived).
    pub details: Value,
}

fn kind_of(sql_type: &str, backend: Backend) -> Result<ColumnKind, StoreError> {
    match (sql_type.to_ascii_lowercase().as_str(), backend) {
        ("text", _) => Ok(ColumnKind::Text),
        ("bigint", _) | ("integer", Backend::Sqlite) => Ok(ColumnKind::Int64),
        ("integer", Backend::Postgres) => Ok(ColumnKind::Int32),
        ("boolean", _) => Ok(ColumnKind::Bool),
        (other, _) => Err(StoreError::Corrupt(format!(
            "column type {other} is not supported by tenant export"
        ))),
    }
}

const SQLITE_COLUMNS: &str = "SELECT name, type FROM pragma_table_info($1) ORDER BY cid";
const PG_COLUMNS: &str = "SELECT column_name::text AS name, data_type::text AS type FROM information_schema.columns \
                          WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position";
const SQLITE_TABLES: &str = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";
const PG_TABLES: &str = "SELECT table_name::text AS name FROM information_schema.tables \
                         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name";

/// Reads `columns` of `$rows` (fetched rows of either backend) into JSON.
macro_rules! decode_rows {
    ($rows:expr, $columns:expr) => {{
        let mut out = Vec::with_capacity($rows.len());
        for r in &$rows {
            let mut row = Vec::with_capacity($columns.len());
            for (i, (_, kind)) in $columns.iter().enumerate() {
                let v = match kind {
                    ColumnKind::Text => r.try_get::<Option<String>, _>(i)?.map(Value::from),
                    ColumnKind::Int32 => r.try_get::<Option<i32>, _>(i)?.map(Value::from),
                    ColumnKind::Int64 => r.try_get::<Option<i64>, _>(i)?.map(Value::from),
                    ColumnKind::Bool => r.try_get::<Option<bool>, _>(i)?.map(Value::from),
                };
                row.push(v.unwrap_or(Value::Null));
            }
            out.push(row);
        }
        out
    }};
}

/// Binds `$value` (JSON of `$kind`) to `$query`.
macro_rules! bind_value {
    ($query:expr, $kind:expr, $value:expr) => {
        match $kind {
            ColumnKind::Text => $query.bind($value.as_str().map(str::to_owned)),
            ColumnKind::Int32 => $query.bind($value.as_i64().and_then(|v| i32::try_from(v).ok())),
            ColumnKind::Int64 => $query.bind($value.as_i64()),
            ColumnKind::Bool => $query.bind($value.as_bool()),
        }
    };
}

/// The columns of `table` (all of them, in schema order), read in `$tx`.
macro_rules! columns_in_tx {
    ($tx:expr, $backend:expr, $table:expr) => {{
        let sql = match $backend {
            Backend::Sqlite => SQLITE_COLUMNS,
            Backend::Postgres => PG_COLUMNS,
        };
        let rows = sqlx::query(sql).bind($table).fetch_all(&mut *$tx).await?;
        let mut columns = Vec::with_capacity(rows.len());
        for r in &rows {
            let name: String = r.try_get("name")?;
            let sql_type: String = r.try_get("type")?;
            columns.push((name, kind_of(&sql_type, $backend)?));
        }
        if columns.is_empty() {
            return Err(StoreError::Corrupt(format!("table {} not found", $table)));
        }
        columns
    }};
}

/// Inserts `$row` of `$table` ([`TableRows`]) in `$tx`.
macro_rules! insert_row {
    ($tx:expr, $table:expr, $row:expr) => {{
        let names: Vec<&str> = $table.columns.iter().map(|(c, _)| c.as_str()).collect();
        let marks: Vec<String> = (1..=names.len()).map(|i| format!("${i}")).collect();
        let sql = sqlx::AssertSqlSafe(format!(
            "INSERT INTO {} ({}) VALUES ({})",
            $table.table,
            names.join(", "),
            marks.join(", ")
        ));
        let mut query = sqlx::query(sql);
        for ((_, kind), value) in $table.columns.iter().zip($row.iter()) {
            query = bind_value!(query, kind, value);
        }
        query.execute(&mut *$tx).await
    }};
}

impl Store {
    /// Every table of the database, for the completeness check of
    /// [`TENANT_TABLES`] and [`SHARED_TABLES`].
    pub async fn table_names(&self) -> Result<Vec<String>, StoreError> {
        let sql = match self.backend() {
            Backend::Sqlite => SQLITE_TABLES,
            Backend::Postgres => PG_TABLES,
        };
        Ok(on_pool!(self, pool => sqlx::query(sql)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>("name"))
            .collect::<Result<Vec<_>, _>>()?))
    }

    /// The exported columns of a table (schema order, omitted ones left out).
    pub async fn export_columns(
        &self,
        table: &TenantTable,
    ) -> Result<Vec<(String, ColumnKind)>, StoreError> {
        let backend = self.backend();
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let all = columns_in_tx!(tx, backend, table.name);
            tx.commit().await?;
            exported(table, all)
        }))
    }

    /// How many rows of tenant `tenant_id` each tenant table holds.
    pub async fn tenant_row_counts(
        &self,
        tenant_id: &str,
    ) -> Result<Vec<(&'static str, i64)>, StoreError> {
        let mut counts = Vec::new();
        for t in TENANT_TABLES {
            let sql =
                sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {} WHERE {}", t.name, t.scope));
            let n: i64 = on_pool!(self, pool => sqlx::query_scalar(sql)
                .bind(tenant_id)
                .fetch_one(pool)
                .await?);
            counts.push((t.name, n));
        }
        Ok(counts)
    }

    /// Every exported row of the tenant and the shared rows it refers to,
    /// read in one transaction (a consistent snapshot while the server
    /// keeps writing).
    pub async fn tenant_rows(&self, tenant_id: &str) -> Result<TenantRows, StoreError> {
        let backend = self.backend();
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            if backend == Backend::Postgres {
                sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .execute(&mut *tx)
                    .await?;
            }
            let mut tables = Vec::new();
            let mut shared = Vec::new();
            for (list, into) in [(TENANT_TABLES, &mut tables), (SHARED_REFERENCES, &mut shared)] {
                for t in list {
                    if matches!(t.export, Export::Never { .. }) {
                        continue;
                    }
                    let all = columns_in_tx!(tx, backend, t.name);
                    let columns = exported(t, all);
                    let names: Vec<&str> = columns.iter().map(|(c, _)| c.as_str()).collect();
                    let sql = sqlx::AssertSqlSafe(format!(
                        "SELECT {} FROM {} WHERE {} ORDER BY {}",
                        names.join(", "), t.name, t.scope, t.order_by
                    ));
                    let rows = sqlx::query(sql).bind(tenant_id).fetch_all(&mut *tx).await?;
                    let rows = decode_rows!(rows, columns);
                    into.push(TableRows { table: t.name.to_owned(), columns, rows });
                }
            }
            tx.commit().await?;
            TenantRows { tables, shared }
        }))
    }

    /// Restores an exported tenant into this instance in one transaction:
    /// the tenant must not exist here (by id or slug); missing shared rows
    /// (vendor organisations and users) are created, present ones kept;
    /// every evidence file in `files` (id → plaintext) is encrypted under a
    /// new data key wrapped by `vault`. On any error nothing is stored and
    /// the blobs written so far are removed.
    pub async fn import_tenant(
        &self,
        rows: &TenantRows,
        files: &HashMap<String, Vec<u8>>,
        vault: &Vault,
        blobs: &dyn BlobStore,
        now: Timestamp,
    ) -> Result<(), EvidenceError> {
        let tenant = rows
            .table("tenants")
            .and_then(|t| t.rows.first().map(|r| (t, r)))
            .ok_or_else(|| StoreError::Corrupt("tenants.jsonl に行がありません".into()))?;
        let text = |column: &str| {
            tenant
                .0
                .get(tenant.1, column)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| StoreError::Corrupt(format!("tenants.jsonl: {column} がありません")))
        };
        let (tenant_id, slug) = (text("id")?, text("slug")?);
        let mut written: Vec<String> = Vec::new();
        let result = self
            .import_tenant_tx(
                rows,
                files,
                vault,
                blobs,
                now,
                &tenant_id,
                &slug,
                &mut written,
            )
            .await;
        if result.is_err() {
            for key in &written {
                let _ = blobs.delete(key).await;
            }
        }
        result
    }

    #[allow(clippy::too_many_arguments)]
    async fn import_tenant_tx(
        &self,
        rows: &TenantRows,
        files: &HashMap<String, Vec<u8>>,
        vault: &Vault,
        blobs: &dyn BlobStore,
        now: Timestamp,
        tenant_id: &str,
        slug: &str,
        written: &mut Vec<String>,
    ) -> Result<(), EvidenceError> {
        let key = crate::evidence::new_data_key()?;
        let wrapped = vault.wrap(tenant_id, key.key_id(), key.bytes())?;
        on_pool!(self, pool => {
            let (_gate, mut tx) = begin_write!(self, pool);
            let clash: Option<String> = sqlx::query_scalar(
                "SELECT slug FROM tenants WHERE id = $1 OR slug = $2",
            )
            .bind(tenant_id)
            .bind(slug)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(existing) = clash {
                return Err(StoreError::Conflict(format!(
                    "テナント {existing}（id {tenant_id} または slug {slug}）。空のインスタンスか、このテナントのないインスタンスに取り込んでください"
                ))
                .into());
            }
            // Shared rows first (users reference organisations).
            for table in &rows.shared {
                for row in &table.rows {
                    let id = table.get(row, "id").and_then(Value::as_str).unwrap_or_default();
                    let sql = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {} WHERE id = $1", table.table));
                    let present: i64 = sqlx::query_scalar(sql).bind(id).fetch_one(&mut *tx).await?;
                    if present == 0 {
                        insert_row!(tx, table, row).map_err(|e| conflict(&table.table, row, table, e))?;
                    }
                }
            }
            for table in &rows.tables {
                for row in &table.rows {
                    if table.table == "tenants" {
                        insert_row!(tx, table, row).map_err(|e| conflict(&table.table, row, table, e))?;
                        sqlx::query(
                            "INSERT INTO tenant_keys (tenant_id, key_id, master_key_id, wrapped_key, created_at) \
                             VALUES ($1, $2, $3, $4, $5)",
                        )
                        .bind(tenant_id)
                        .bind(key.key_id())
                        .bind(vault.master_key_id())
                        .bind(&wrapped)
                        .bind(time::format(now))
                        .execute(&mut *tx)
                        .await?;
                        continue;
                    }
                    if table.table == "evidence" {
                        let id = table.get(row, "id").and_then(Value::as_str).unwrap_or_default().to_owned();
                        let plain = files.get(&id).ok_or_else(|| StoreError::Corrupt(format!(
                            "証跡ファイル {id} がエクスポートにありません (evidence file missing)"
                        )))?;
                        let blob_key = format!("evidence/{tenant_id}/{id}");
                        let blob = crate::evidence::seal_blob(&key, tenant_id, &id, plain)?;
                        blobs.put(&blob_key, blob).await?;
                        written.push(blob_key.clone());
                        let mut with_key = table.clone();
                        with_key.columns.push(("key_id".into(), ColumnKind::Text));
                        with_key.columns.push(("blob_key".into(), ColumnKind::Text));
                        let mut row = row.clone();
                        row.push(Value::from(key.key_id()));
                        row.push(Value::from(blob_key));
                        insert_row!(tx, with_key, &row).map_err(|e| conflict("evidence", &row, &with_key, e))?;
                        continue;
                    }
                    insert_row!(tx, table, row).map_err(|e| conflict(&table.table, row, table, e))?;
                }
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Deletes every row of the tenant in one transaction — its data key
    /// first, so any copy of its evidence blobs anywhere is undecryptable
    /// from then on — and records a deletion certificate (what, when, by
    /// whom, which key, the SHA-256 of each table's rows and of each file)
    /// in the system audit chain in the same transaction. The blobs are
    /// removed after the commit.
    pub async fn purge_tenant(
        &self,
        tenant_id: &str,
        blobs: &dyn BlobStore,
        by: &PurgeBy,
        now: Timestamp,
    ) -> Result<PurgeReport, StoreError> {
        let tenant = self
            .tenant(tenant_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("テナント {tenant_id} がありません")))?;
        let snapshot = self.tenant_rows(tenant_id).await?;
        let key = self.tenant_key(tenant_id).await?;
        let evidence = self.evidence_in_tenant(tenant_id).await?;
        let counts = self.tenant_row_counts(tenant_id).await?;
        let tables: Vec<PurgedTable> = counts
            .iter()
            .map(|(name, n)| PurgedTable {
                table: (*name).to_owned(),
                rows: u64::try_from(*n).unwrap_or(0),
                sha256: snapshot.table(name).map(TableRows::sha256),
            })
            .collect();
        let files: Vec<PurgedFile> = evidence
            .iter()
            .map(|e| PurgedFile {
                evidence_id: e.id.clone(),
                sha256: e.sha256.clone(),
                size: i64::try_from(e.size).unwrap_or(i64::MAX),
            })
            .collect();
        let details = serde_json::json!({
            "tenant": {"id": tenant.id, "slug": tenant.slug, "name": tenant.name},
            "destroyed_key_id": key.as_ref().map(|k| k.key_id.clone()),
            "master_key_id": key.as_ref().map(|k| k.master_key_id.clone()),
            "tables": tables,
            "files": files,
            "by": by.details,
        });
        let entry = NewAuditEntry {
            tenant_id: None,
            actor_id: by.actor_id.clone(),
            actor_name: Some(by.actor_name.clone()),
            action: "tenant_purged".into(),
            target: Some(format!("tenant:{tenant_id}")),
            source_addr: None,
            details,
        };
        let (open_gate, close_gate) = crate::audit::deletion_gate(self.backend());
        let at = time::format(now);
        let row = on_pool!(self, pool => {
            let (_gate, mut tx) = begin_write!(self, pool);
            // One transaction: the data key (tenant_keys, after the evidence
            // rows that reference it) goes with everything else or not at all.
            sqlx::query(open_gate).execute(&mut *tx).await?;
            for t in TENANT_TABLES.iter().rev() {
                let sql = sqlx::AssertSqlSafe(format!("DELETE FROM {} WHERE {}", t.name, t.scope));
                sqlx::query(sql).bind(tenant_id).execute(&mut *tx).await?;
            }
            sqlx::query(close_gate).execute(&mut *tx).await?;
            let row = append_in_tx!(tx, SYSTEM_CHAIN, at.clone(), &entry);
            tx.commit().await?;
            row
        });
        let mut blobs_left = Vec::new();
        for e in &evidence {
            if blobs.delete(&e.blob_key).await.is_err() {
                blobs_left.push(e.blob_key.clone());
            }
        }
        Ok(PurgeReport {
            tenant_id: tenant.id,
            slug: tenant.slug,
            name: tenant.name,
            destroyed_key_id: key.as_ref().map(|k| k.key_id.clone()),
            master_key_id: key.map(|k| k.master_key_id),
            tables,
            files,
            blobs_left,
            certificate: crate::audit::to_entry(row)?,
        })
    }
}

/// An insert that failed, named by table and row id.
fn conflict(table: &str, row: &[Value], rows: &TableRows, e: sqlx::Error) -> StoreError {
    let id = ["id", "username", "name"]
        .iter()
        .find_map(|c| rows.get(row, c).and_then(Value::as_str))
        .unwrap_or("?");
    StoreError::Import(format!(
        "{table} の行 {id}: {e}（同じ名前・ID の行がこのインスタンスに既にあるか、参照先の行がありません）"
    ))
}

fn exported(table: &TenantTable, all: Vec<(String, ColumnKind)>) -> Vec<(String, ColumnKind)> {
    match table.export {
        Export::Rows { omit } => all
            .into_iter()
            .filter(|(c, _)| !omit.contains(&c.as_str()))
            .collect(),
        Export::Never { .. } => Vec::new(),
    }
}

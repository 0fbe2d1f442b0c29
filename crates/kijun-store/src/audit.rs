//! The audit log: append-only, one SHA-256 hash chain per tenant plus a
//! `system` chain. Each entry's hash covers its content, its position and
//! the previous entry's hash, so [`Store::verify_audit`] can say at which
//! entry a chain was modified, cut, reordered or had rows inserted.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::db::{Store, StoreError, begin_write, on_pool};
use crate::time;

/// The action of the entry a retention prune writes.
pub const PRUNE_ACTION: &str = "audit_pruned";

/// The chain of entries that belong to no tenant.
pub const SYSTEM_CHAIN: &str = "system";
/// `prev_hash` of the first entry of a chain.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What to append.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewAuditEntry {
    pub tenant_id: Option<String>,
    pub actor_id: Option<String>,
    /// Frozen at the time of the event: survives the actor's deletion.
    pub actor_name: Option<String>,
    /// e.g. `login`, `login_failed`, `user_suspended`.
    pub action: String,
    pub target: Option<String>,
    pub source_addr: Option<String>,
    pub details: serde_json::Value,
}

/// A stored entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub chain: String,
    pub seq: i64,
    pub at: Timestamp,
    pub tenant_id: Option<String>,
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub source_addr: Option<String>,
    /// JSON text, as hashed.
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The fields of an entry as stored (text timestamp), the unit of hashing.
#[derive(Debug, Clone)]
pub(crate) struct Row_ {
    pub(crate) chain: String,
    pub(crate) seq: i64,
    pub(crate) at: String,
    pub(crate) tenant_id: Option<String>,
    pub(crate) actor_id: Option<String>,
    pub(crate) actor_name: Option<String>,
    pub(crate) action: String,
    pub(crate) target: Option<String>,
    pub(crate) source_addr: Option<String>,
    pub(crate) details: String,
    pub(crate) prev_hash: String,
    pub(crate) hash: String,
}

/// SHA-256 over a canonical JSON array of every field but `hash`.
pub(crate) fn entry_hash(r: &Row_, seq: i64) -> String {
    let canonical = serde_json::json!([
        "kijun-audit-v1",
        r.chain,
        seq,
        r.at,
        r.tenant_id,
        r.actor_id,
        r.actor_name,
        r.action,
        r.target,
        r.source_addr,
        r.details,
        r.prev_hash,
    ]);
    let digest = Sha256::digest(canonical.to_string().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Filter for reading entries.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// `None`: the system chain.
    pub tenant_id: Option<String>,
    pub from: Option<Timestamp>,
    pub until: Option<Timestamp>,
    pub limit: Option<i64>,
}

/// Where and how a chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AuditProblem {
    /// The entry's content (or its position) was changed.
    Modified { seq: i64 },
    /// Entries before `seq` are missing (`expected` was next).
    Deleted { expected: i64, seq: i64 },
    /// The entry was moved here from position `original_seq`.
    Reordered { seq: i64, original_seq: i64 },
    /// The entry does not follow the one before it (inserted entry).
    Inserted { seq: i64 },
    /// Entries after `last_seq` were deleted (the head says `head_seq`).
    TruncatedTail { last_seq: i64, head_seq: i64 },
    /// The chain has entries but no head record, or a head that does not
    /// match its last entry.
    HeadMismatch { seq: i64 },
    /// The retention checkpoint (entries up to `seq` pruned) is not the one
    /// the chain's last `audit_pruned` entry records.
    CheckpointNotAttested { seq: i64 },
}

impl AuditProblem {
    /// The entry the problem is reported at.
    pub fn seq(&self) -> i64 {
        match self {
            AuditProblem::Modified { seq }
            | AuditProblem::Deleted { seq, .. }
            | AuditProblem::Reordered { seq, .. }
            | AuditProblem::Inserted { seq }
            | AuditProblem::HeadMismatch { seq }
            | AuditProblem::CheckpointNotAttested { seq } => *seq,
            AuditProblem::TruncatedTail { last_seq, .. } => *last_seq + 1,
        }
    }

    /// Japanese description.
    pub fn message(&self) -> String {
        match self {
            AuditProblem::Modified { seq } => format!("エントリ #{seq} の内容が改ざんされています"),
            AuditProblem::Deleted { expected, seq } => {
                format!(
                    "エントリ #{expected}〜#{} が削除されています（次に #{seq} があります）",
                    seq - 1
                )
            }
            AuditProblem::Reordered { seq, original_seq } => {
                format!(
                    "エントリ #{seq} は本来 #{original_seq} の位置にあったものです（順序の入れ替え）"
                )
            }
            AuditProblem::Inserted { seq } => {
                format!("エントリ #{seq} は直前のエントリに連結していません（挿入または入れ替え）")
            }
            AuditProblem::TruncatedTail { last_seq, head_seq } => format!(
                "末尾のエントリ #{}〜#{head_seq} が削除されています",
                last_seq + 1
            ),
            AuditProblem::HeadMismatch { seq } => {
                format!("チェーンの先頭記録がエントリ #{seq} と一致しません")
            }
            AuditProblem::CheckpointNotAttested { seq } => format!(
                "保存期間による削除の記録（#{seq} まで削除）が監査ログ上の削除記録と一致しません"
            ),
        }
    }
}

/// The verification of one chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    pub chain: String,
    pub entries: usize,
    /// The first problem found, if any.
    pub problem: Option<AuditProblem>,
}

/// The verification of every chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    pub chains: Vec<ChainReport>,
}

impl Verification {
    pub fn is_intact(&self) -> bool {
        self.chains.iter().all(|c| c.problem.is_none())
    }
}

/// Verifies one chain's rows (sorted by seq) against its head.
fn verify_chain(
    rows: &[Row_],
    head: Option<(i64, String)>,
    checkpoint: Option<(i64, String)>,
) -> Option<AuditProblem> {
    // Entries up to the checkpoint were pruned by retention; the chain
    // continues from the checkpoint's hash, and the last `audit_pruned`
    // entry must vouch for exactly that checkpoint.
    let (first_seq, first_prev) = match &checkpoint {
        Some((seq, hash)) => (seq + 1, hash.clone()),
        None => (1, GENESIS.to_owned()),
    };
    // The original order is the order of the links: walk them from the
    // genesis to learn each intact entry's original position.
    let by_prev: BTreeMap<&str, &Row_> = rows.iter().map(|r| (r.prev_hash.as_str(), r)).collect();
    let mut original_pos: BTreeMap<&str, i64> = BTreeMap::new();
    let mut link = first_prev.as_str();
    let mut pos = first_seq;
    while let Some(r) = by_prev.get(link) {
        if original_pos.insert(r.hash.as_str(), pos).is_some() {
            break;
        }
        link = r.hash.as_str();
        pos += 1;
    }
    let mut expected = first_seq;
    let mut prev_hash = first_prev.clone();
    for r in rows {
        if entry_hash(r, r.seq) != r.hash {
            // Moved rather than edited? The entry it links to tells where it
            // was: right after that entry.
            let original = original_pos.get(r.hash.as_str()).copied();
            if let Some(original_seq) = original
                .filter(|s| *s != r.seq)
                .filter(|s| entry_hash(r, *s) == r.hash)
            {
                return Some(AuditProblem::Reordered {
                    seq: r.seq,
                    original_seq,
                });
            }
            return Some(AuditProblem::Modified { seq: r.seq });
        }
        if r.seq != expected {
            return Some(AuditProblem::Deleted {
                expected,
                seq: r.seq,
            });
        }
        if r.prev_hash != prev_hash {
            return Some(AuditProblem::Inserted { seq: r.seq });
        }
        prev_hash = r.hash.clone();
        expected += 1;
    }
    let last_seq = expected - 1;
    if let Some((cp_seq, cp_hash)) = &checkpoint {
        let attested = rows
            .iter()
            .rev()
            .find(|r| r.action == PRUNE_ACTION)
            .and_then(|r| serde_json::from_str::<serde_json::Value>(&r.details).ok())
            .is_some_and(|d| {
                d["through_seq"].as_i64() == Some(*cp_seq)
                    && d["through_hash"].as_str() == Some(cp_hash.as_str())
            });
        if !attested {
            return Some(AuditProblem::CheckpointNotAttested { seq: *cp_seq });
        }
    }
    match head {
        Some((head_seq, _)) if head_seq > last_seq => {
            Some(AuditProblem::TruncatedTail { last_seq, head_seq })
        }
        Some((head_seq, head_hash)) if head_seq == last_seq && head_hash == prev_hash => None,
        None if rows.is_empty() => None,
        _ => Some(AuditProblem::HeadMismatch { seq: last_seq }),
    }
}

/// Appends `$entry` (a [`NewAuditEntry`]) at `$at` (stored text) to
/// `$chain` inside the open transaction `$tx`, which must be the only writer
/// of the chain: the head row is locked first. Evaluates to the new row.
macro_rules! append_in_tx {
    ($tx:expr, $chain:expr, $at:expr, $entry:expr) => {{
        let chain: &str = $chain;
        let entry: &$crate::audit::NewAuditEntry = $entry;
        let at: String = $at;
        let details = entry.details.to_string();
            // Take the write lock as the head is read: a no-op upsert of the
            // head row returning it (SQLite: the database write lock;
            // PostgreSQL: the row lock, held to commit).
            let head = sqlx::query(
                "INSERT INTO audit_heads (chain, seq, hash) VALUES ($1, 0, $2) \
                 ON CONFLICT (chain) DO UPDATE SET seq = audit_heads.seq RETURNING seq, hash",
            )
            .bind(chain)
            .bind($crate::audit::GENESIS)
            .fetch_one(&mut *$tx)
            .await?;
            let head_seq: i64 = head.try_get("seq")?;
            let head_hash: String = head.try_get("hash")?;
            let mut row = $crate::audit::Row_ {
                chain: chain.to_owned(),
                seq: head_seq + 1,
                at: at.clone(),
                tenant_id: entry.tenant_id.clone(),
                actor_id: entry.actor_id.clone(),
                actor_name: entry.actor_name.clone(),
                action: entry.action.clone(),
                target: entry.target.clone(),
                source_addr: entry.source_addr.clone(),
                details: details.clone(),
                prev_hash: head_hash,
                hash: String::new(),
            };
            row.hash = $crate::audit::entry_hash(&row, row.seq);
            sqlx::query(
                "INSERT INTO audit_log (chain, seq, at, tenant_id, actor_id, actor_name, action, target, \
                 source_addr, details, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(&row.chain)
            .bind(row.seq)
            .bind(&row.at)
            .bind(&row.tenant_id)
            .bind(&row.actor_id)
            .bind(&row.actor_name)
            .bind(&row.action)
            .bind(&row.target)
            .bind(&row.source_addr)
            .bind(&row.details)
            .bind(&row.prev_hash)
            .bind(&row.hash)
            .execute(&mut *$tx)
            .await?;
            sqlx::query("UPDATE audit_heads SET seq = $1, hash = $2 WHERE chain = $3")
                .bind(row.seq)
                .bind(&row.hash)
                .bind(chain)
                .execute(&mut *$tx)
                .await?;
        row
    }};
}

const SELECT_COLUMNS: &str = "SELECT chain, seq, at, tenant_id, actor_id, actor_name, action, target, source_addr, details, prev_hash, hash FROM audit_log";

macro_rules! read_rows {
    ($rows:expr) => {
        $rows
            .iter()
            .map(|r| {
                Ok::<_, sqlx::Error>(Row_ {
                    chain: r.try_get("chain")?,
                    seq: r.try_get("seq")?,
                    at: r.try_get("at")?,
                    tenant_id: r.try_get("tenant_id")?,
                    actor_id: r.try_get("actor_id")?,
                    actor_name: r.try_get("actor_name")?,
                    action: r.try_get("action")?,
                    target: r.try_get("target")?,
                    source_addr: r.try_get("source_addr")?,
                    details: r.try_get("details")?,
                    prev_hash: r.try_get("prev_hash")?,
                    hash: r.try_get("hash")?,
                })
            })
            .collect::<Result<Vec<Row_>, sqlx::Error>>()
    };
}

pub(crate) fn to_entry(r: Row_) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        at: time::parse(&r.at)?,
        chain: r.chain,
        seq: r.seq,
        tenant_id: r.tenant_id,
        actor_id: r.actor_id,
        actor_name: r.actor_name,
        action: r.action,
        target: r.target,
        source_addr: r.source_addr,
        details: r.details,
        prev_hash: r.prev_hash,
        hash: r.hash,
    })
}

/// The statements that open and close the audit log's deletion gate inside
/// a transaction (SQLite: the `audit_gate` row the trigger reads;
/// PostgreSQL: a transaction-local setting): used by retention pruning and
/// by a tenant purge, the only two deleters.
pub(crate) fn deletion_gate(backend: crate::db::Backend) -> (&'static str, &'static str) {
    match backend {
        crate::db::Backend::Sqlite => (
            "UPDATE audit_gate SET open = 1 WHERE id = 1",
            "UPDATE audit_gate SET open = 0 WHERE id = 1",
        ),
        crate::db::Backend::Postgres => (
            "SELECT set_config('kijun.audit_prune', 'on', true)",
            "SELECT set_config('kijun.audit_prune', 'off', true)",
        ),
    }
}

impl Store {
    /// Appends an entry at time `at` to its tenant's chain (or the system
    /// chain). Appends to one chain are serialised by locking the chain's
    /// head row first, on both backends.
    pub async fn append_audit(
        &self,
        entry: &NewAuditEntry,
        at: Timestamp,
    ) -> Result<AuditEntry, StoreError> {
        let chain = entry
            .tenant_id
            .clone()
            .unwrap_or_else(|| SYSTEM_CHAIN.to_owned());
        let at = time::format(at);
        let row = on_pool!(self, pool => {
            let (_gate, mut tx) = begin_write!(self, pool);
            let row = append_in_tx!(tx, &chain, at.clone(), entry);
            tx.commit().await?;
            row
        });
        to_entry(row)
    }

    /// Deletes the entries of a chain (a tenant's, or the system chain)
    /// older than `before` — the retention period has passed — in one
    /// transaction: it records the last deleted entry as the chain's
    /// checkpoint and appends an `audit_pruned` entry (by `actor`) that
    /// vouches for it. Returns how many entries were deleted.
    pub async fn prune_audit(
        &self,
        tenant_id: Option<&str>,
        before: Timestamp,
        now: Timestamp,
        actor: &NewAuditEntry,
    ) -> Result<i64, StoreError> {
        let chain = tenant_id.map_or_else(|| SYSTEM_CHAIN.to_owned(), str::to_owned);
        let (open_gate, close_gate) = deletion_gate(self.backend());
        let before_text = time::format(before);
        let now_text = time::format(now);
        let deleted = on_pool!(self, pool => {
            let (_gate, mut tx) = begin_write!(self, pool);
            sqlx::query(
                "INSERT INTO audit_heads (chain, seq, hash) VALUES ($1, 0, $2) \
                 ON CONFLICT (chain) DO UPDATE SET seq = audit_heads.seq",
            )
            .bind(&chain)
            .bind(GENESIS)
            .execute(&mut *tx)
            .await?;
            let last = sqlx::query(
                "SELECT seq, hash FROM audit_log WHERE chain = $1 AND at < $2 ORDER BY seq DESC LIMIT 1",
            )
            .bind(&chain)
            .bind(&before_text)
            .fetch_optional(&mut *tx)
            .await?;
            match last {
                None => {
                    tx.commit().await?;
                    0
                }
                Some(last) => {
                    let through_seq: i64 = last.try_get("seq")?;
                    let through_hash: String = last.try_get("hash")?;
                    sqlx::query(open_gate).execute(&mut *tx).await?;
                    let deleted = sqlx::query("DELETE FROM audit_log WHERE chain = $1 AND seq <= $2")
                        .bind(&chain)
                        .bind(through_seq)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    sqlx::query(close_gate).execute(&mut *tx).await?;
                    sqlx::query(
                        "INSERT INTO audit_checkpoints (chain, seq, hash, pruned_at) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, pruned_at = excluded.pruned_at",
                    )
                    .bind(&chain)
                    .bind(through_seq)
                    .bind(&through_hash)
                    .bind(&now_text)
                    .execute(&mut *tx)
                    .await?;
                    let deleted = i64::try_from(deleted).unwrap_or(i64::MAX);
                    let record = NewAuditEntry {
                        tenant_id: tenant_id.map(str::to_owned),
                        action: PRUNE_ACTION.to_owned(),
                        details: serde_json::json!({
                            "through_seq": through_seq,
                            "through_hash": through_hash,
                            "deleted": deleted,
                            "before": before_text,
                        }),
                        ..actor.clone()
                    };
                    let _row = append_in_tx!(tx, &chain, now_text.clone(), &record);
                    tx.commit().await?;
                    deleted
                }
            }
        });
        Ok(deleted)
    }

    /// Entries of one chain (a tenant's, or the system chain), oldest first,
    /// within `[from, until)`.
    pub async fn audit_entries(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
        let chain = filter
            .tenant_id
            .clone()
            .unwrap_or_else(|| SYSTEM_CHAIN.to_owned());
        let from = filter.from.map(time::format).unwrap_or_default();
        let until = filter
            .until
            .map(time::format)
            .unwrap_or_else(|| "9999".to_owned());
        let limit = filter.limit.unwrap_or(i64::MAX);
        let rows = on_pool!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "{SELECT_COLUMNS} WHERE chain = $1 AND at >= $2 AND at < $3 ORDER BY seq LIMIT $4"
            )))
            .bind(&chain)
            .bind(&from)
            .bind(&until)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            read_rows!(rows)?
        });
        rows.into_iter().map(to_entry).collect()
    }

    /// Verifies every chain: each entry's hash, the sequence, the links and
    /// the head; reports the first problem of each chain.
    pub async fn verify_audit(&self) -> Result<Verification, StoreError> {
        let (rows, heads, checkpoints) = on_pool!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT_COLUMNS} ORDER BY chain, seq")))
                .fetch_all(pool)
                .await?;
            let rows = read_rows!(rows)?;
            let checkpoints = sqlx::query("SELECT chain, seq, hash FROM audit_checkpoints")
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| Ok::<_, sqlx::Error>((r.try_get::<String, _>("chain")?, (r.try_get::<i64, _>("seq")?, r.try_get::<String, _>("hash")?))))
                .collect::<Result<BTreeMap<String, (i64, String)>, _>>()?;
            let heads = sqlx::query("SELECT chain, seq, hash FROM audit_heads")
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| Ok::<_, sqlx::Error>((r.try_get::<String, _>("chain")?, (r.try_get::<i64, _>("seq")?, r.try_get::<String, _>("hash")?))))
                .collect::<Result<BTreeMap<String, (i64, String)>, _>>()?;
            (rows, heads, checkpoints)
        });
        let mut by_chain: BTreeMap<String, Vec<Row_>> = BTreeMap::new();
        for r in rows {
            by_chain.entry(r.chain.clone()).or_default().push(r);
        }
        for chain in heads.keys() {
            by_chain.entry(chain.clone()).or_default();
        }
        let chains = by_chain
            .into_iter()
            .map(|(chain, rows)| {
                let head = heads.get(&chain).cloned();
                ChainReport {
                    problem: verify_chain(&rows, head, checkpoints.get(&chain).cloned()),
                    entries: rows.len(),
                    chain,
                }
            })
            .collect();
        Ok(Verification { chains })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<Row_> {
        let mut rows: Vec<Row_> = Vec::new();
        for seq in 1..=n {
            let mut r = Row_ {
                chain: "t".into(),
                seq,
                at: format!("2026-01-01T00:00:{seq:02}.000000Z"),
                tenant_id: Some("t".into()),
                actor_id: None,
                actor_name: Some("管理者".into()),
                action: "login".into(),
                target: None,
                source_addr: Some("127.0.0.1".into()),
                details: "{}".into(),
                prev_hash: rows.last().map_or(GENESIS.to_owned(), |p| p.hash.clone()),
                hash: String::new(),
            };
            r.hash = entry_hash(&r, seq);
            rows.push(r);
        }
        rows
    }

    fn head(rows: &[Row_]) -> Option<(i64, String)> {
        rows.last().map(|r| (r.seq, r.hash.clone()))
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let rows = chain(5);
        assert_eq!(verify_chain(&rows, head(&rows), None), None);
        assert_eq!(verify_chain(&[], None, None), None);
    }

    #[test]
    fn each_kind_of_tampering_is_reported_at_its_entry() {
        let rows = chain(6);
        let h = head(&rows);

        let mut modified = rows.clone();
        modified[2].action = "logout".into();
        assert_eq!(
            verify_chain(&modified, h.clone(), None),
            Some(AuditProblem::Modified { seq: 3 })
        );

        let mut deleted = rows.clone();
        deleted.remove(3);
        assert_eq!(
            verify_chain(&deleted, h.clone(), None),
            Some(AuditProblem::Deleted {
                expected: 4,
                seq: 5
            })
        );

        let mut swapped = rows.clone();
        swapped[1].seq = 3;
        swapped[2].seq = 2;
        swapped.sort_by_key(|r| r.seq);
        assert_eq!(
            verify_chain(&swapped, h.clone(), None),
            Some(AuditProblem::Reordered {
                seq: 2,
                original_seq: 3
            })
        );

        let truncated = rows[..4].to_vec();
        assert_eq!(
            verify_chain(&truncated, h.clone(), None),
            Some(AuditProblem::TruncatedTail {
                last_seq: 4,
                head_seq: 6
            })
        );

        // A forged entry with a correct own hash but a wrong link.
        let mut inserted = rows.clone();
        inserted[4].prev_hash = GENESIS.replace('0', "1");
        inserted[4].hash = entry_hash(&inserted[4], 5);
        assert_eq!(
            verify_chain(&inserted, h, None),
            Some(AuditProblem::Inserted { seq: 5 })
        );
    }
}

//! Master key rotation (docs/operations.md): every tenant data key is
//! unwrapped with the old master key and wrapped again with the new one,
//! and every other value sealed under the master key (TOTP secrets, webhook
//! secrets) is re-sealed, in one transaction with its audit entry. Evidence
//! blobs are not touched: they are encrypted under the data keys, which do
//! not change.

use jiff::Timestamp;
use serde::Serialize;
use sqlx::Row;

use crate::audit::{NewAuditEntry, SYSTEM_CHAIN};
use crate::db::{Store, StoreError, begin_write, on_pool};
use crate::evidence::{EvidenceError, TenantKeyRow, Vault};

/// Re-seals one sealed value: `(sealed, context) → sealed again` under the
/// new key (the caller owns the sealing format and contexts).
pub type Reseal<'a> = &'a (dyn Fn(&str, &str) -> Result<String, String> + Sync);

/// What a rotation changed.
#[derive(Debug, Clone, Serialize)]
pub struct Rotation {
    pub old_master_key_id: String,
    pub new_master_key_id: String,
    pub tenant_keys: usize,
    pub totp_secrets: usize,
    pub webhook_secrets: usize,
}

impl Store {
    /// Re-wraps every tenant data key from `old` to `new` and re-seals the
    /// TOTP and webhook secrets with `reseal`, all or nothing. A data key
    /// not wrapped by `old` fails the whole rotation (wrong old key).
    pub async fn rotate_master_key(
        &self,
        old: &Vault,
        new: &Vault,
        reseal: Reseal<'_>,
        actor_name: &str,
        now: Timestamp,
    ) -> Result<Rotation, EvidenceError> {
        let at = crate::time::format(now);
        let rotation = on_pool!(self, pool => {
            let (_gate, mut tx) = begin_write!(self, pool);
            let rows = sqlx::query(
                "SELECT tenant_id, key_id, master_key_id, wrapped_key, created_at FROM tenant_keys ORDER BY tenant_id",
            )
            .fetch_all(&mut *tx)
            .await?;
            let mut tenant_keys = 0;
            for r in &rows {
                let row = TenantKeyRow {
                    tenant_id: r.try_get("tenant_id")?,
                    key_id: r.try_get("key_id")?,
                    master_key_id: r.try_get("master_key_id")?,
                    wrapped_key: r.try_get("wrapped_key")?,
                    created_at: r.try_get("created_at")?,
                };
                let key = old.unwrap_key(&row)?;
                let wrapped = new.wrap(&row.tenant_id, &row.key_id, key.bytes())?;
                sqlx::query("UPDATE tenant_keys SET master_key_id = $1, wrapped_key = $2 WHERE tenant_id = $3")
                    .bind(new.master_key_id())
                    .bind(&wrapped)
                    .bind(&row.tenant_id)
                    .execute(&mut *tx)
                    .await?;
                tenant_keys += 1;
            }
            let mut counts = [0usize; 2];
            for (i, (select, update, context)) in [
                (
                    "SELECT id, totp_secret AS sealed FROM users WHERE totp_secret IS NOT NULL ORDER BY id",
                    "UPDATE users SET totp_secret = $1 WHERE id = $2",
                    "totp:",
                ),
                (
                    "SELECT id, secret AS sealed FROM notification_channels WHERE secret IS NOT NULL ORDER BY id",
                    "UPDATE notification_channels SET secret = $1 WHERE id = $2",
                    "webhook:",
                ),
            ]
            .into_iter()
            .enumerate()
            {
                let rows = sqlx::query(select).fetch_all(&mut *tx).await?;
                for r in &rows {
                    let id: String = r.try_get("id")?;
                    let sealed: String = r.try_get("sealed")?;
                    let again = reseal(&sealed, &format!("{context}{id}")).map_err(|e| {
                        StoreError::Corrupt(format!(
                            "{context}{id} を古いマスター鍵で復号できません: {e}"
                        ))
                    })?;
                    sqlx::query(update).bind(&again).bind(&id).execute(&mut *tx).await?;
                    counts[i] += 1;
                }
            }
            let rotation = Rotation {
                old_master_key_id: old.master_key_id().to_owned(),
                new_master_key_id: new.master_key_id().to_owned(),
                tenant_keys,
                totp_secrets: counts[0],
                webhook_secrets: counts[1],
            };
            let entry = NewAuditEntry {
                tenant_id: None,
                actor_id: None,
                actor_name: Some(actor_name.to_owned()),
                action: "master_key_rotated".into(),
                target: None,
                source_addr: None,
                details: serde_json::to_value(&rotation).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            };
            append_in_tx!(tx, SYSTEM_CHAIN, at.clone(), &entry);
            tx.commit().await?;
            rotation
        });
        Ok(rotation)
    }
}

//! Applying each tenant's audit retention period: entries older than the
//! tenant's `audit_retention_days` are pruned (see
//! `kijun_store::Store::prune_audit`). Run every six hours by the server
//! and on demand by `kijun audit prune`.

use jiff::{SignedDuration, Timestamp};
use kijun_store::{NewAuditEntry, Store, StoreError};

use crate::state::TenantSettings;

/// What one pass pruned: tenant slug and number of entries.
pub type Pruned = Vec<(String, i64)>;

/// Prunes every tenant whose settings set a retention period.
pub async fn apply(store: &Store, now: Timestamp) -> Result<Pruned, StoreError> {
    let mut pruned = Vec::new();
    for tenant in store.tenants().await? {
        let settings: TenantSettings = match store.tenant_settings(&tenant.id).await? {
            Some(v) => serde_json::from_value(v)
                .map_err(|e| StoreError::Corrupt(format!("tenant settings: {e}")))?,
            None => continue,
        };
        let Some(days) = settings.audit_retention_days else {
            continue;
        };
        let before = now - SignedDuration::from_hours(24 * i64::from(days));
        let actor = NewAuditEntry {
            actor_name: Some("kijun（保存期間の適用）".into()),
            ..Default::default()
        };
        let n = store
            .prune_audit(Some(&tenant.id), before, now, &actor)
            .await?;
        if n > 0 {
            pruned.push((tenant.slug, n));
        }
    }
    Ok(pruned)
}

//! The vendors' answer library (回答マスタ) as stored: an organisation's
//! answers per requirement or per common control (and per party, optionally
//! per product), and its per-tenant consents to reuse them across tenants.

use jiff::Timestamp;
use serde::Serialize;
use sqlx::Row;

use crate::db::{Store, StoreError, begin_write, on_pool};
use crate::time;

/// One library entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LibraryEntry {
    pub organisation_id: String,
    /// The vendor's product the answer is about (`""`: any).
    pub product: String,
    /// `requirement` (key `catalog/requirement`) or `control` (key `control id`).
    pub scope: String,
    pub key: String,
    pub party: String,
    /// `kijun_core::workflow::AnswerInput` JSON.
    pub answer: serde_json::Value,
    /// The tenant whose assessment the answer came from (`None`: entered in
    /// the library directly).
    pub origin_tenant_id: Option<String>,
    pub updated_at: Timestamp,
}

/// An organisation's consent to use its library in a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Consent {
    pub organisation_id: String,
    pub tenant_id: String,
    pub granted_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

/// Adds or replaces library entry `$e` inside the open transaction `$tx`.
macro_rules! upsert_library_in_tx {
    ($tx:expr, $e:expr, $updated_by:expr) => {{
        let e: &$crate::library::LibraryEntry = $e;
        let updated_by: Option<&str> = $updated_by;
        sqlx::query(
            "INSERT INTO answer_library (organisation_id, product, scope, entry_key, party, answer, origin_tenant_id, updated_at, updated_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (organisation_id, product, scope, entry_key, party) DO UPDATE SET \
             answer = excluded.answer, origin_tenant_id = excluded.origin_tenant_id, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        )
        .bind(&e.organisation_id)
        .bind(&e.product)
        .bind(&e.scope)
        .bind(&e.key)
        .bind(&e.party)
        .bind(e.answer.to_string())
        .bind(&e.origin_tenant_id)
        .bind($crate::time::format(e.updated_at))
        .bind(updated_by)
        .execute(&mut *$tx)
        .await?;
    }};
}

impl Store {
    /// Adds or replaces an entry.
    pub async fn upsert_library_entry(
        &self,
        e: &LibraryEntry,
        updated_by: Option<&str>,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            let (_gate, mut tx) = begin_write!(self, pool);
            upsert_library_in_tx!(tx, e, updated_by);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Removes an entry; false if there was none.
    pub async fn delete_library_entry(
        &self,
        organisation_id: &str,
        product: &str,
        scope: &str,
        key: &str,
        party: &str,
    ) -> Result<bool, StoreError> {
        let _gate = self.write_gate().await;
        let n = on_pool!(self, pool => sqlx::query(
            "DELETE FROM answer_library WHERE organisation_id = $1 AND product = $2 AND scope = $3 AND entry_key = $4 AND party = $5",
        )
        .bind(organisation_id)
        .bind(product)
        .bind(scope)
        .bind(key)
        .bind(party)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Every entry of an organisation.
    pub async fn library(&self, organisation_id: &str) -> Result<Vec<LibraryEntry>, StoreError> {
        #[allow(clippy::type_complexity)]
        let rows: Vec<(
            String,
            String,
            String,
            String,
            String,
            Option<String>,
            String,
        )> = on_pool!(self, pool => sqlx::query(
            "SELECT product, scope, entry_key, party, answer, origin_tenant_id, updated_at FROM answer_library \
             WHERE organisation_id = $1 ORDER BY scope, entry_key, party, product",
        )
        .bind(organisation_id)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| Ok::<_, sqlx::Error>((
            r.try_get("product")?, r.try_get("scope")?, r.try_get("entry_key")?, r.try_get("party")?,
            r.try_get("answer")?, r.try_get("origin_tenant_id")?, r.try_get("updated_at")?,
        )))
        .collect::<Result<Vec<_>, _>>()?);
        rows.into_iter()
            .map(
                |(product, scope, key, party, answer, origin_tenant_id, updated)| {
                    Ok(LibraryEntry {
                        organisation_id: organisation_id.to_owned(),
                        product,
                        scope,
                        key,
                        party,
                        answer: serde_json::from_str(&answer)
                            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                        origin_tenant_id,
                        updated_at: time::parse(&updated)?,
                    })
                },
            )
            .collect()
    }

    /// Grants (or re-grants) consent to use the library in `tenant_id`.
    pub async fn grant_consent(
        &self,
        organisation_id: &str,
        tenant_id: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let _gate = self.write_gate().await;
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO library_consents (organisation_id, tenant_id, granted_at) VALUES ($1, $2, $3) \
             ON CONFLICT (organisation_id, tenant_id) DO UPDATE SET granted_at = excluded.granted_at, revoked_at = NULL",
        )
        .bind(organisation_id)
        .bind(tenant_id)
        .bind(time::format(now))
        .execute(pool)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Revokes a consent; false if none was active.
    pub async fn revoke_consent(
        &self,
        organisation_id: &str,
        tenant_id: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let _gate = self.write_gate().await;
        let n = on_pool!(self, pool => sqlx::query(
            "UPDATE library_consents SET revoked_at = $1 WHERE organisation_id = $2 AND tenant_id = $3 AND revoked_at IS NULL",
        )
        .bind(time::format(now))
        .bind(organisation_id)
        .bind(tenant_id)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// An organisation's consents (active and revoked).
    pub async fn consents(&self, organisation_id: &str) -> Result<Vec<Consent>, StoreError> {
        let rows: Vec<(String, String, Option<String>)> = on_pool!(self, pool => sqlx::query(
            "SELECT tenant_id, granted_at, revoked_at FROM library_consents WHERE organisation_id = $1 ORDER BY tenant_id",
        )
        .bind(organisation_id)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| Ok::<_, sqlx::Error>((r.try_get("tenant_id")?, r.try_get("granted_at")?, r.try_get("revoked_at")?)))
        .collect::<Result<Vec<_>, _>>()?);
        rows.into_iter()
            .map(|(tenant_id, granted, revoked)| {
                Ok(Consent {
                    organisation_id: organisation_id.to_owned(),
                    tenant_id,
                    granted_at: time::parse(&granted)?,
                    revoked_at: revoked.as_deref().map(time::parse).transpose()?,
                })
            })
            .collect()
    }
}

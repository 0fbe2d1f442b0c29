//! Tenants: the municipalities a deployment serves (one for a city's own
//! server, many for a prefecture-wide one).

use jiff::Timestamp;
use serde::Serialize;
use sqlx::Row;

use crate::db::{Store, StoreError, on_pool};
use crate::time;

/// A tenant (municipality).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tenant {
    pub id: String,
    /// Short stable name used in URLs (`funabashi`).
    pub slug: String,
    pub name: String,
    pub created_at: Timestamp,
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

impl Store {
    /// Creates a tenant; a slug already taken is a [`StoreError::Conflict`].
    pub async fn create_tenant(
        &self,
        slug: &str,
        name: &str,
        now: Timestamp,
    ) -> Result<Tenant, StoreError> {
        let tenant = Tenant {
            id: uuid::Uuid::new_v4().to_string(),
            slug: slug.to_owned(),
            name: name.to_owned(),
            created_at: now,
        };
        let at = time::format(now);
        let _gate = self.write_gate().await;
        let result = on_pool!(self, pool => sqlx::query(
            "INSERT INTO tenants (id, slug, name, created_at) VALUES ($1, $2, $3, $4)"
        )
        .bind(&tenant.id)
        .bind(&tenant.slug)
        .bind(&tenant.name)
        .bind(&at)
        .execute(pool)
        .await
        .map(|_| ()));
        match result {
            Ok(_) => Ok(tenant),
            Err(e) if is_unique_violation(&e) => {
                Err(StoreError::Conflict(format!("テナント `{slug}`")))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Every tenant, by slug.
    pub async fn tenants(&self) -> Result<Vec<Tenant>, StoreError> {
        self.select_tenants(
            "SELECT id, slug, name, created_at FROM tenants ORDER BY slug",
            None,
        )
        .await
    }

    /// The tenant with `id`, if any.
    pub async fn tenant(&self, id: &str) -> Result<Option<Tenant>, StoreError> {
        Ok(self
            .select_tenants(
                "SELECT id, slug, name, created_at FROM tenants WHERE id = $1",
                Some(id),
            )
            .await?
            .pop())
    }

    async fn select_tenants(
        &self,
        sql: &'static str,
        id: Option<&str>,
    ) -> Result<Vec<Tenant>, StoreError> {
        let rows = on_pool!(self, pool => {
            let mut q = sqlx::query(sql);
            if let Some(id) = id {
                q = q.bind(id.to_owned());
            }
            q.fetch_all(pool)
                .await?
                .iter()
                .map(|r| {
                    Ok::<_, sqlx::Error>((
                        r.try_get::<String, _>("id")?,
                        r.try_get::<String, _>("slug")?,
                        r.try_get::<String, _>("name")?,
                        r.try_get::<String, _>("created_at")?,
                    ))
                })
                .collect::<Result<Vec<_>, _>>()?
        });
        rows.into_iter()
            .map(|(id, slug, name, at)| {
                Ok(Tenant {
                    id,
                    slug,
                    name,
                    created_at: time::parse(&at)?,
                })
            })
            .collect()
    }
}

//! Services and assessments as stored: the service register, assessments
//! with their applicable items (one row per requirement × party), vendor
//! invitations, answers, reviews, verdicts and the per-assessment history
//! of every transition. The rules of who may do what live in kijun-core's
//! `workflow` and in kijun-web; this module makes each transition one
//! transaction and refuses those whose item is not in the expected state.

use jiff::Timestamp;
use serde::Serialize;
use sqlx::Row;

use crate::db::{Store, StoreError, begin_write, on_pool};
use crate::time;

/// A service of the register.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceRecord {
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    pub purpose: String,
    pub department: String,
    pub provider_org_id: Option<String>,
    pub integrator_org_id: Option<String>,
    /// `kijun_core::service::ServiceDetails` plus the profile, as JSON.
    pub details: serde_json::Value,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// An assessment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssessmentRecord {
    pub id: String,
    pub tenant_id: String,
    pub service_id: String,
    pub phase: String,
    pub catalogs: Vec<String>,
    /// The service profile the items were derived from (a snapshot).
    pub profile: serde_json::Value,
    /// `open` or `decided`.
    pub status: String,
    pub due_date: Option<String>,
    pub opened_by: String,
    pub opened_at: Timestamp,
    pub verdict: Option<String>,
    /// The reviewer's decision: verdict, note, conditions, who and when.
    pub decision: Option<serde_json::Value>,
    pub updated_at: Timestamp,
}

/// Identifies one item of an assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemKey {
    pub catalog_id: String,
    pub requirement_id: String,
    pub party: String,
}

impl ItemKey {
    pub fn label(&self) -> String {
        format!("{}/{}/{}", self.catalog_id, self.requirement_id, self.party)
    }
}

/// One applicable item and its answer and review state. The answer is
/// parsed (`A` = [`serde_json::Value`], the default) or, for responses
/// that pass it through unchanged, the stored JSON text checked to be
/// valid JSON ([`RawItemRecord`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemRecord<A = serde_json::Value> {
    #[serde(flatten)]
    pub key: ItemKey,
    pub level: String,
    pub position: i64,
    /// The vendor's answer (`kijun_core::workflow::AnswerInput` JSON).
    pub answer: Option<A>,
    /// `open`, `submitted`, `accepted`, `returned`.
    pub state: String,
    pub review_comment: Option<String>,
    /// Answered from the vendor's library; the vendor has not confirmed it.
    pub prefilled: bool,
    pub updated_at: Timestamp,
}

/// An item whose answer is the stored JSON text, not parsed into a tree.
pub type RawItemRecord = ItemRecord<Box<serde_json::value::RawValue>>;

/// A vendor user invited to answer one party's items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Invitation {
    pub assessment_id: String,
    pub user_id: String,
    pub party: String,
    pub invited_at: Timestamp,
}

/// One transition of an assessment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryEntry {
    pub seq: i64,
    pub at: Timestamp,
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    pub event: String,
    pub item: Option<String>,
    pub details: serde_json::Value,
}

/// A vendor's answer to save with [`Store::save_answer`], and what is
/// recorded with it in the same transaction.
pub struct AnswerWrite<'a> {
    pub assessment_id: &'a str,
    pub key: &'a ItemKey,
    /// `kijun_core::workflow::AnswerInput` JSON.
    pub answer: &'a serde_json::Value,
    /// The answer as kept in the vendor organisation's library, if any.
    pub library: Option<&'a crate::library::LibraryEntry>,
    pub audit: &'a crate::audit::NewAuditEntry,
}

/// Who did it, for the history.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub id: Option<String>,
    pub name: Option<String>,
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn json_text(v: &serde_json::Value) -> String {
    v.to_string()
}

fn parse_json(s: &str) -> Result<serde_json::Value, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("json: {e}")))
}

/// The columns of [`ITEM_COLUMNS`] as decoded, before parsing.
type ItemRow = (
    String,
    String,
    String,
    String,
    i64,
    Option<String>,
    String,
    Option<String>,
    bool,
    String,
);

/// Decodes one row selected with [`ITEM_COLUMNS`] into an [`ItemRow`]
/// (a macro: the row type differs per backend).
macro_rules! item_row {
    ($r:expr) => {{
        let r = $r;
        Ok::<ItemRow, sqlx::Error>((
            r.try_get("catalog_id")?,
            r.try_get("requirement_id")?,
            r.try_get("party")?,
            r.try_get("level")?,
            r.try_get("position")?,
            r.try_get("answer")?,
            r.try_get("state")?,
            r.try_get("review_comment")?,
            r.try_get("prefilled")?,
            r.try_get("updated_at")?,
        ))
    }};
}

fn item_record(row: ItemRow) -> Result<ItemRecord, StoreError> {
    item_record_with(row, |a| parse_json(&a))
}

/// An [`ItemRow`] as a [`RawItemRecord`]: the answer is only checked to
/// be JSON.
fn raw_item_record(row: ItemRow) -> Result<RawItemRecord, StoreError> {
    item_record_with(row, |a| {
        serde_json::value::RawValue::from_string(a)
            .map_err(|e| StoreError::Corrupt(format!("json: {e}")))
    })
}

fn item_record_with<A>(
    row: ItemRow,
    answer_of: impl Fn(String) -> Result<A, StoreError>,
) -> Result<ItemRecord<A>, StoreError> {
    let (
        catalog_id,
        requirement_id,
        party,
        level,
        position,
        answer,
        state,
        review_comment,
        prefilled,
        updated,
    ) = row;
    Ok(ItemRecord {
        key: ItemKey {
            catalog_id,
            requirement_id,
            party,
        },
        level,
        position,
        answer: answer.map(answer_of).transpose()?,
        state,
        review_comment,
        prefilled,
        updated_at: time::parse(&updated)?,
    })
}

const SERVICE_COLUMNS: &str = "SELECT id, tenant_id, name, purpose, department, provider_org_id, integrator_org_id, details, created_at, updated_at FROM services";
const ASSESSMENT_COLUMNS: &str = "SELECT id, tenant_id, service_id, phase, catalogs, profile, status, due_date, opened_by, opened_at, verdict, decision, updated_at FROM assessments";
const ITEM_COLUMNS: &str = "SELECT catalog_id, requirement_id, party, level, position, answer, state, review_comment, prefilled, updated_at FROM assessment_items";

/// The items of an assessment (`$1`), of one party or all (`$2`, `''`),
/// as one SQLite JSON array of [`ITEM_COLUMNS`] rows in position order.
const ITEMS_AS_JSON: &str = "SELECT json_group_array(json_array(catalog_id, requirement_id, party, level, position, \
    answer, state, review_comment, prefilled, updated_at) ORDER BY position) \
    FROM assessment_items WHERE assessment_id = $1 AND ($2 = '' OR party = $2)";

/// An [`ItemRow`] as [`ITEMS_AS_JSON`] gives it (`prefilled` as 0 or 1).
type JsonItemRow = (
    String,
    String,
    String,
    String,
    i64,
    Option<String>,
    String,
    Option<String>,
    i64,
    String,
);

/// Takes an assessment's write lock (PostgreSQL: its row lock, held to
/// commit; SQLite: the database write lock). Every transaction that
/// writes an assessment's items or history takes it as its first
/// statement, so writers lock in one order — the assessment, then its
/// items, library entries and the audit head — and cannot deadlock
/// (store test `writers_of_an_assessment_lock_it_before_its_items`); it
/// also makes the history's next sequence number safe to read.
macro_rules! lock_assessment_in_tx {
    ($tx:expr, $assessment:expr) => {{
        sqlx::query("UPDATE assessments SET updated_at = updated_at WHERE id = $1")
            .bind($assessment)
            .execute(&mut *$tx)
            .await?;
    }};
}

/// Appends a history row; the transaction holds the assessment's lock
/// ([`lock_assessment_in_tx!`]).
macro_rules! history_in_tx {
    ($tx:expr, $assessment:expr, $at:expr, $actor:expr, $event:expr, $item:expr, $details:expr) => {{
        // The next sequence number is read in the insert itself.
        sqlx::query(
            "INSERT INTO assessment_history (assessment_id, seq, at, actor_id, actor_name, event, item, details) \
             SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5, $6, $7 FROM assessment_history WHERE assessment_id = $1",
        )
        .bind($assessment)
        .bind($at)
        .bind(&$actor.id)
        .bind(&$actor.name)
        .bind($event)
        .bind($item)
        .bind(json_text($details))
        .execute(&mut *$tx)
        .await?;
    }};
}

impl Store {
    // -- services ---------------------------------------------------------

    /// Creates a service of `tenant_id`.
    #[allow(clippy::too_many_arguments)]
    pub async fn create_service(
        &self,
        tenant_id: &str,
        name: &str,
        purpose: &str,
        department: &str,
        provider_org_id: Option<&str>,
        integrator_org_id: Option<&str>,
        details: &serde_json::Value,
        now: Timestamp,
    ) -> Result<ServiceRecord, StoreError> {
        let id = new_id();
        let at = time::format(now);
        let _gate = self.write_gate().await;
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO services (id, tenant_id, name, purpose, department, provider_org_id, integrator_org_id, details, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
        )
        .bind(&id)
        .bind(tenant_id)
        .bind(name)
        .bind(purpose)
        .bind(department)
        .bind(provider_org_id)
        .bind(integrator_org_id)
        .bind(json_text(details))
        .bind(&at)
        .execute(pool)
        .await
        .map(|_| ()))?;
        self.service(&id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("created service not found".into()))
    }

    /// Replaces a service's fields.
    #[allow(clippy::too_many_arguments)]
    pub async fn update_service(
        &self,
        id: &str,
        name: &str,
        purpose: &str,
        department: &str,
        provider_org_id: Option<&str>,
        integrator_org_id: Option<&str>,
        details: &serde_json::Value,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let _gate = self.write_gate().await;
        on_pool!(self, pool => sqlx::query(
            "UPDATE services SET name = $1, purpose = $2, department = $3, provider_org_id = $4, integrator_org_id = $5, \
             details = $6, updated_at = $7 WHERE id = $8",
        )
        .bind(name)
        .bind(purpose)
        .bind(department)
        .bind(provider_org_id)
        .bind(integrator_org_id)
        .bind(json_text(details))
        .bind(time::format(now))
        .bind(id)
        .execute(pool)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    async fn select_services(
        &self,
        filter: &'static str,
        arg: &str,
    ) -> Result<Vec<ServiceRecord>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!("{SERVICE_COLUMNS} WHERE {filter} ORDER BY name"));
        #[allow(clippy::type_complexity)]
        let rows: Vec<(
            String,
            String,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            String,
            String,
            String,
        )> = on_pool!(self, pool => sqlx::query(sql)
                .bind(arg.to_owned())
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| Ok::<_, sqlx::Error>((
                    r.try_get("id")?, r.try_get("tenant_id")?, r.try_get("name")?, r.try_get("purpose")?,
                    r.try_get("department")?, r.try_get("provider_org_id")?, r.try_get("integrator_org_id")?,
                    r.try_get("details")?, r.try_get("created_at")?, r.try_get("updated_at")?,
                )))
                .collect::<Result<Vec<_>, _>>()?);
        rows.into_iter()
            .map(
                |(
                    id,
                    tenant_id,
                    name,
                    purpose,
                    department,
                    provider_org_id,
                    integrator_org_id,
                    details,
                    created,
                    updated,
                )| {
                    Ok(ServiceRecord {
                        id,
                        tenant_id,
                        name,
                        purpose,
                        department,
                        provider_org_id,
                        integrator_org_id,
                        details: parse_json(&details)?,
                        created_at: time::parse(&created)?,
                        updated_at: time::parse(&updated)?,
                    })
                },
            )
            .collect()
    }

    pub async fn service(&self, id: &str) -> Result<Option<ServiceRecord>, StoreError> {
        Ok(self.select_services("id = $1", id).await?.pop())
    }

    pub async fn services_in_tenant(
        &self,
        tenant_id: &str,
    ) -> Result<Vec<ServiceRecord>, StoreError> {
        self.select_services("tenant_id = $1", tenant_id).await
    }

    /// Every service, in any tenant, whose provider or integrator is the
    /// organisation `org_id` (what its vendor users may oversee), by name.
    pub async fn services_of_organisation(
        &self,
        org_id: &str,
    ) -> Result<Vec<ServiceRecord>, StoreError> {
        self.select_services("provider_org_id = $1 OR integrator_org_id = $1", org_id)
            .await
    }

    // -- assessments ------------------------------------------------------

    /// Creates an assessment with its items (in the given order) in one
    /// transaction, and records it in the history.
    pub async fn create_assessment(
        &self,
        record: &AssessmentRecord,
        items: &[(ItemKey, String)],
        actor: &Actor,
    ) -> Result<(), StoreError> {
        let at = time::format(record.opened_at);
        let catalogs = serde_json::to_string(&record.catalogs)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        on_pool!(self, pool => {
            let (_gate, mut tx) = begin_write!(self, pool);
            sqlx::query(
                "INSERT INTO assessments (id, tenant_id, service_id, phase, catalogs, profile, status, due_date, opened_by, opened_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8, $9, $9)",
            )
            .bind(&record.id)
            .bind(&record.tenant_id)
            .bind(&record.service_id)
            .bind(&record.phase)
            .bind(&catalogs)
            .bind(json_text(&record.profile))
            .bind(&record.due_date)
            .bind(&record.opened_by)
            .bind(&at)
            .execute(&mut *tx)
            .await?;
            for (position, (key, level)) in items.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO assessment_items (assessment_id, catalog_id, requirement_id, party, level, position, state, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, 'open', $7)",
                )
                .bind(&record.id)
                .bind(&key.catalog_id)
                .bind(&key.requirement_id)
                .bind(&key.party)
                .bind(level)
                .bind(i64::try_from(position).unwrap_or(i64::MAX))
                .bind(&at)
                .execute(&mut *tx)
                .await?;
            }
            let details = serde_json::json!({"phase": record.phase, "catalogs": record.catalogs, "items": items.len()});
            history_in_tx!(tx, &record.id, &at, actor, "opened", None::<String>, &details);
            tx.commit().await?;
        });
        Ok(())
    }

    async fn select_assessments(
        &self,
        filter: &'static str,
        arg: &str,
    ) -> Result<Vec<AssessmentRecord>, StoreError> {
        self.select_assessments_with(ASSESSMENT_COLUMNS, filter, arg)
            .await
    }

    async fn select_assessments_with(
        &self,
        columns: &str,
        filter: &'static str,
        arg: &str,
    ) -> Result<Vec<AssessmentRecord>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!("{columns} WHERE {filter} ORDER BY opened_at DESC"));
        #[allow(clippy::type_complexity)]
        let rows: Vec<(
            (String, String, String, String, String, String, String),
            (
                Option<String>,
                String,
                String,
                Option<String>,
                Option<String>,
                String,
            ),
        )> = on_pool!(self, pool => sqlx::query(sql)
            .bind(arg.to_owned())
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| Ok::<_, sqlx::Error>((
                (r.try_get("id")?, r.try_get("tenant_id")?, r.try_get("service_id")?, r.try_get("phase")?,
                 r.try_get("catalogs")?, r.try_get("profile")?, r.try_get("status")?),
                (r.try_get("due_date")?, r.try_get("opened_by")?, r.try_get("opened_at")?, r.try_get("verdict")?,
                 r.try_get("decision")?, r.try_get("updated_at")?),
            )))
            .collect::<Result<Vec<_>, _>>()?);
        rows.into_iter()
            .map(
                |(
                    (id, tenant_id, service_id, phase, catalogs, profile, status),
                    (due_date, opened_by, opened_at, verdict, decision, updated),
                )| {
                    Ok(AssessmentRecord {
                        id,
                        tenant_id,
                        service_id,
                        phase,
                        catalogs: serde_json::from_str(&catalogs)
                            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                        profile: parse_json(&profile)?,
                        status,
                        due_date,
                        opened_by,
                        opened_at: time::parse(&opened_at)?,
                        verdict,
                        decision: decision.as_deref().map(parse_json).transpose()?,
                        updated_at: time::parse(&updated)?,
                    })
                },
            )
            .collect()
    }

    pub async fn assessment(&self, id: &str) -> Result<Option<AssessmentRecord>, StoreError> {
        Ok(self.select_assessments("id = $1", id).await?.pop())
    }

    pub async fn assessments_in_tenant(
        &self,
        tenant_id: &str,
    ) -> Result<Vec<AssessmentRecord>, StoreError> {
        self.select_assessments("tenant_id = $1", tenant_id).await
    }

    /// [`Store::assessments_in_tenant`] without each assessment's service
    /// profile (`profile` is an empty object): for tenant-wide overviews
    /// such as the dashboard, which never read it, at a fraction of the
    /// memory.
    pub async fn assessment_overviews_in_tenant(
        &self,
        tenant_id: &str,
    ) -> Result<Vec<AssessmentRecord>, StoreError> {
        let columns = ASSESSMENT_COLUMNS.replacen(", profile,", ", '{}' AS profile,", 1);
        self.select_assessments_with(&columns, "tenant_id = $1", tenant_id)
            .await
    }

    /// The tenants an organisation works for: those with a service it
    /// provides or integrates, and those where any of its users is invited
    /// to an assessment. Sorted, no duplicates.
    pub async fn tenants_of_organisation(
        &self,
        organisation_id: &str,
    ) -> Result<Vec<String>, StoreError> {
        let tenants: Vec<String> = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT tenant_id FROM services WHERE provider_org_id = $1 OR integrator_org_id = $1 \
             UNION SELECT a.tenant_id FROM assessment_invitations i \
             JOIN assessments a ON a.id = i.assessment_id \
             JOIN users u ON u.id = i.user_id WHERE u.organisation_id = $1 \
             ORDER BY 1",
        )
        .bind(organisation_id)
        .fetch_all(pool)
        .await)?;
        Ok(tenants)
    }

    /// The assessments a vendor user is invited to.
    pub async fn assessments_of_invitee(
        &self,
        user_id: &str,
    ) -> Result<Vec<AssessmentRecord>, StoreError> {
        self.select_assessments(
            "id IN (SELECT assessment_id FROM assessment_invitations WHERE user_id = $1)",
            user_id,
        )
        .await
    }

    // -- invitations ------------------------------------------------------

    pub async fn invite(
        &self,
        assessment_id: &str,
        user_id: &str,
        party: &str,
        now: Timestamp,
        actor: &Actor,
    ) -> Result<(), StoreError> {
        let at = time::format(now);
        let result = on_pool!(self, pool => {
            let (_gate, mut tx) = begin_write!(self, pool);
            lock_assessment_in_tx!(tx, assessment_id);
            let inserted = sqlx::query(
                "INSERT INTO assessment_invitations (assessment_id, user_id, party, invited_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(assessment_id)
            .bind(user_id)
            .bind(party)
            .bind(&at)
            .execute(&mut *tx)
            .await;
            match inserted {
                Err(e) => Err(e),
                Ok(_) => {
                    let details = serde_json::json!({"user_id": user_id, "party": party});
                    history_in_tx!(tx, assessment_id, &at, actor, "invited", None::<String>, &details);
                    tx.commit().await
                }
            }
        });
        match result {
            Ok(()) => Ok(()),
            Err(sqlx::Error::Database(d)) if d.is_unique_violation() => {
                Err(StoreError::Conflict("招待".into()))
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn invitations(&self, assessment_id: &str) -> Result<Vec<Invitation>, StoreError> {
        let rows: Vec<(String, String, String)> = on_pool!(self, pool => sqlx::query(
            "SELECT user_id, party, invited_at FROM assessment_invitations WHERE assessment_id = $1 ORDER BY invited_at, user_id",
        )
        .bind(assessment_id)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| Ok::<_, sqlx::Error>((r.try_get("user_id")?, r.try_get("party")?, r.try_get("invited_at")?)))
        .collect::<Result<Vec<_>, _>>()?);
        rows.into_iter()
            .map(|(user_id, party, at)| {
                Ok(Invitation {
                    assessment_id: assessment_id.to_owned(),
                    user_id,
                    party,
                    invited_at: time::parse(&at)?,
                })
            })
            .collect()
    }

    // -- items ------------------------------------------------------------

    /// The items of an assessment in checklist order, optionally only one
    /// party's.
    pub async fn items(
        &self,
        assessment_id: &str,
        party: Option<&str>,
    ) -> Result<Vec<ItemRecord>, StoreError> {
        self.item_rows(assessment_id, party)
            .await?
            .into_iter()
            .map(item_record)
            .collect()
    }

    /// [`Store::items`] with each answer as its stored JSON text (checked,
    /// not parsed into a tree), for the item list the API passes through.
    pub async fn raw_items(
        &self,
        assessment_id: &str,
        party: Option<&str>,
    ) -> Result<Vec<RawItemRecord>, StoreError> {
        self.item_rows(assessment_id, party)
            .await?
            .into_iter()
            .map(raw_item_record)
            .collect()
    }

    async fn item_rows(
        &self,
        assessment_id: &str,
        party: Option<&str>,
    ) -> Result<Vec<ItemRow>, StoreError> {
        if let crate::db::Pool::Sqlite(pool) = &self.pool {
            // One row for all items: sqlx's SQLite driver hands every row
            // from its worker thread to the task over a channel, and an
            // assessment has hundreds of items (docs/architecture.md).
            let text: String = sqlx::query_scalar(ITEMS_AS_JSON)
                .bind(assessment_id)
                .bind(party.unwrap_or(""))
                .fetch_one(pool)
                .await?;
            let rows: Vec<JsonItemRow> = serde_json::from_str(&text)
                .map_err(|e| StoreError::Corrupt(format!("items of {assessment_id}: {e}")))?;
            return Ok(rows
                .into_iter()
                .map(
                    |(c, r, p, l, pos, answer, state, comment, prefilled, updated)| {
                        (
                            c,
                            r,
                            p,
                            l,
                            pos,
                            answer,
                            state,
                            comment,
                            prefilled != 0,
                            updated,
                        )
                    },
                )
                .collect());
        }
        let sql = sqlx::AssertSqlSafe(format!(
            "{ITEM_COLUMNS} WHERE assessment_id = $1 AND ($2 = '' OR party = $2) ORDER BY position"
        ));
        Ok(on_pool!(self, pool => sqlx::query(sql)
                .bind(assessment_id)
                .bind(party.unwrap_or(""))
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| item_row!(r))
                .collect::<Result<Vec<_>, _>>()?))
    }

    /// One item of an assessment, if it exists.
    pub async fn item(
        &self,
        assessment_id: &str,
        key: &ItemKey,
    ) -> Result<Option<ItemRecord>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "{ITEM_COLUMNS} WHERE assessment_id = $1 AND catalog_id = $2 AND requirement_id = $3 AND party = $4"
        ));
        let row: Option<ItemRow> = on_pool!(self, pool => sqlx::query(sql)
                .bind(assessment_id)
                .bind(&key.catalog_id)
                .bind(&key.requirement_id)
                .bind(&key.party)
                .fetch_optional(pool)
                .await?
                .map(|r| item_row!(r))
                .transpose()?);
        row.map(item_record).transpose()
    }

    /// Item counts per state of every open assessment of a tenant, in one
    /// query: assessment id → (state → count).
    pub async fn open_item_counts(
        &self,
        tenant_id: &str,
    ) -> Result<
        std::collections::BTreeMap<String, std::collections::BTreeMap<String, i64>>,
        StoreError,
    > {
        let rows: Vec<(String, String, i64)> = on_pool!(self, pool => sqlx::query(
            "SELECT i.assessment_id, i.state, COUNT(*) AS n FROM assessment_items i \
             JOIN assessments a ON a.id = i.assessment_id \
             WHERE a.tenant_id = $1 AND a.status = 'open' GROUP BY i.assessment_id, i.state",
        )
        .bind(tenant_id)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| Ok::<_, sqlx::Error>((r.try_get("assessment_id")?, r.try_get("state")?, r.try_get("n")?)))
        .collect::<Result<Vec<_>, _>>()?);
        let mut out: std::collections::BTreeMap<String, std::collections::BTreeMap<String, i64>> =
            Default::default();
        for (id, state, n) in rows {
            out.entry(id).or_default().insert(state, n);
        }
        Ok(out)
    }

    /// Saves a vendor's (draft) answer, only while the item is open or
    /// returned, together with everything recorded with it — the assessment
    /// history, the vendor's answer library entry and the audit entry — in
    /// one transaction (all or nothing, one commit). `None` if the item is
    /// not editable (submitted or accepted) or does not exist; then nothing
    /// is written.
    pub async fn save_answer(
        &self,
        write: &AnswerWrite<'_>,
        now: Timestamp,
        actor: &Actor,
    ) -> Result<Option<ItemRecord>, StoreError> {
        let at = time::format(now);
        let key = write.key;
        let sql = sqlx::AssertSqlSafe(format!(
            "UPDATE assessment_items SET answer = $1, prefilled = FALSE, updated_at = $2 \
             WHERE assessment_id = $3 AND catalog_id = $4 AND requirement_id = $5 AND party = $6 \
             AND state IN ('open', 'returned') \
             AND EXISTS (SELECT 1 FROM assessments WHERE id = $3 AND status = 'open') RETURNING {}",
            ITEM_COLUMNS
                .trim_start_matches("SELECT ")
                .trim_end_matches(" FROM assessment_items")
        ));
        let chain = write
            .audit
            .tenant_id
            .clone()
            .unwrap_or_else(|| crate::audit::SYSTEM_CHAIN.to_owned());
        let saved: Option<ItemRow> = on_pool!(self, pool => {
            let (_gate, mut tx) = begin_write!(self, pool);
            lock_assessment_in_tx!(tx, write.assessment_id);
            let row = sqlx::query(sql)
                .bind(json_text(write.answer))
                .bind(&at)
                .bind(write.assessment_id)
                .bind(&key.catalog_id)
                .bind(&key.requirement_id)
                .bind(&key.party)
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| item_row!(r))
                .transpose()?;
            if row.is_some() {
                history_in_tx!(tx, write.assessment_id, &at, actor, "answered", Some(key.label()), write.answer);
                if let Some(e) = write.library {
                    upsert_library_in_tx!(tx, e, actor.id.as_deref());
                }
                append_in_tx!(tx, &chain, at.clone(), write.audit);
                tx.commit().await?;
            } else {
                tx.rollback().await?;
            }
            row
        });
        saved.map(item_record).transpose()
    }

    /// Saves many answers of one assessment at once — a vendor's filled
    /// checklist coming back — in one transaction: every item must be open
    /// or returned, else nothing is written and the items that are not
    /// are returned as `Err(keys)`. Answers equal to the stored one (and not
    /// pre-filled) are left alone, so importing the same file twice changes
    /// nothing the second time. Each changed item gets its history row and
    /// library entry; `audit` (one entry for the whole import, written only
    /// if something changed) gets `"changed"` added to its details.
    /// Returns the number of items changed.
    pub async fn import_answers(
        &self,
        assessment_id: &str,
        answers: &[(
            ItemKey,
            serde_json::Value,
            Option<crate::library::LibraryEntry>,
        )],
        audit: &crate::audit::NewAuditEntry,
        now: Timestamp,
        actor: &Actor,
    ) -> Result<Result<usize, Vec<ItemKey>>, StoreError> {
        let at = time::format(now);
        let chain = audit
            .tenant_id
            .clone()
            .unwrap_or_else(|| crate::audit::SYSTEM_CHAIN.to_owned());
        let sql = format!(
            "{ITEM_COLUMNS} WHERE assessment_id = $1 AND catalog_id = $2 AND requirement_id = $3 AND party = $4"
        );
        let outcome = on_pool!(self, pool => {
            let (_gate, mut tx) = begin_write!(self, pool);
            lock_assessment_in_tx!(tx, assessment_id);
            // A verdict recorded since the caller looked freezes every item.
            let open: Option<String> = sqlx::query_scalar(
                "SELECT status FROM assessments WHERE id = $1 AND status = 'open'",
            )
            .bind(assessment_id)
            .fetch_optional(&mut *tx)
            .await?;
            let mut frozen = Vec::new();
            let mut changed = Vec::new();
            for (key, answer, library) in answers {
                if open.is_none() {
                    frozen.push(key.clone());
                    continue;
                }
                let row = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                    .bind(assessment_id)
                    .bind(&key.catalog_id)
                    .bind(&key.requirement_id)
                    .bind(&key.party)
                    .fetch_optional(&mut *tx)
                    .await?
                    .map(|r| item_row!(r))
                    .transpose()?;
                let Some(row) = row else {
                    frozen.push(key.clone());
                    continue;
                };
                let current = item_record(row)?;
                if current.answer.as_ref() == Some(answer) && !current.prefilled {
                    continue;
                }
                if !matches!(current.state.as_str(), "open" | "returned") {
                    frozen.push(key.clone());
                    continue;
                }
                changed.push((key, answer, library));
            }
            if !frozen.is_empty() {
                tx.rollback().await?;
                Err(frozen)
            } else {
                for (key, answer, library) in &changed {
                    sqlx::query(
                        "UPDATE assessment_items SET answer = $1, prefilled = FALSE, updated_at = $2 \
                         WHERE assessment_id = $3 AND catalog_id = $4 AND requirement_id = $5 AND party = $6",
                    )
                    .bind(json_text(answer))
                    .bind(&at)
                    .bind(assessment_id)
                    .bind(&key.catalog_id)
                    .bind(&key.requirement_id)
                    .bind(&key.party)
                    .execute(&mut *tx)
                    .await?;
                    history_in_tx!(tx, assessment_id, &at, actor, "answered", Some(key.label()), *answer);
                    if let Some(e) = library {
                        upsert_library_in_tx!(tx, e, actor.id.as_deref());
                    }
                }
                if !changed.is_empty() {
                    let mut entry = audit.clone();
                    if let serde_json::Value::Object(m) = &mut entry.details {
                        m.insert("changed".into(), serde_json::json!(changed.len()));
                    }
                    append_in_tx!(tx, &chain, at.clone(), &entry);
                }
                tx.commit().await?;
                Ok(changed.len())
            }
        });
        Ok(outcome)
    }

    /// Pre-fills an unanswered open item from the library (marked as
    /// pre-filled until the vendor confirms it by saving). False if the item
    /// already has an answer or is not open.
    pub async fn prefill_answer(
        &self,
        assessment_id: &str,
        key: &ItemKey,
        answer: &serde_json::Value,
        source: &str,
        now: Timestamp,
        actor: &Actor,
    ) -> Result<bool, StoreError> {
        let at = time::format(now);
        let changed = on_pool!(self, pool => {
            let (_gate, mut tx) = begin_write!(self, pool);
            lock_assessment_in_tx!(tx, assessment_id);
            let n = sqlx::query(
                "UPDATE assessment_items SET answer = $1, prefilled = TRUE, updated_at = $2 \
                 WHERE assessment_id = $3 AND catalog_id = $4 AND requirement_id = $5 AND party = $6 AND state = 'open' AND answer IS NULL \
                 AND EXISTS (SELECT 1 FROM assessments WHERE id = $3 AND status = 'open')",
            )
            .bind(json_text(answer))
            .bind(&at)
            .bind(assessment_id)
            .bind(&key.catalog_id)
            .bind(&key.requirement_id)
            .bind(&key.party)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 1 {
                let details = serde_json::json!({"source": source, "answer": answer});
                history_in_tx!(tx, assessment_id, &at, actor, "prefilled", Some(key.label()), &details);
            }
            tx.commit().await?;
            n == 1
        });
        Ok(changed)
    }

    /// Submits every open or returned item of `party` (all must have an
    /// answer; the caller checks) while the assessment is open. Returns how
    /// many were submitted; nothing is recorded when none was.
    pub async fn submit_party(
        &self,
        assessment_id: &str,
        party: &str,
        now: Timestamp,
        actor: &Actor,
    ) -> Result<u64, StoreError> {
        let at = time::format(now);
        let n = on_pool!(self, pool => {
            let (_gate, mut tx) = begin_write!(self, pool);
            lock_assessment_in_tx!(tx, assessment_id);
            let n = sqlx::query(
                "UPDATE assessment_items SET state = 'submitted', updated_at = $1 \
                 WHERE assessment_id = $2 AND party = $3 AND state IN ('open', 'returned') AND answer IS NOT NULL \
                 AND EXISTS (SELECT 1 FROM assessments WHERE id = $2 AND status = 'open')",
            )
            .bind(&at)
            .bind(assessment_id)
            .bind(party)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n > 0 {
                sqlx::query("UPDATE assessment_invitations SET submitted_at = $1 WHERE assessment_id = $2 AND party = $3")
                    .bind(&at)
                    .bind(assessment_id)
                    .bind(party)
                    .execute(&mut *tx)
                    .await?;
                let details = serde_json::json!({"party": party, "items": n});
                history_in_tx!(tx, assessment_id, &at, actor, "submitted", None::<String>, &details);
            }
            tx.commit().await?;
            n
        });
        Ok(n)
    }

    /// Accepts or returns a submitted (or accepted) item. False if the item
    /// is not in review.
    pub async fn review_item(
        &self,
        assessment_id: &str,
        key: &ItemKey,
        accept: bool,
        comment: Option<&str>,
        now: Timestamp,
        actor: &Actor,
    ) -> Result<bool, StoreError> {
        let at = time::format(now);
        let state = if accept { "accepted" } else { "returned" };
        let changed = on_pool!(self, pool => {
            let (_gate, mut tx) = begin_write!(self, pool);
            lock_assessment_in_tx!(tx, assessment_id);
            let n = sqlx::query(
                "UPDATE assessment_items SET state = $1, review_comment = $2, updated_at = $3 \
                 WHERE assessment_id = $4 AND catalog_id = $5 AND requirement_id = $6 AND party = $7 AND state IN ('submitted', 'accepted')",
            )
            .bind(state)
            .bind(comment)
            .bind(&at)
            .bind(assessment_id)
            .bind(&key.catalog_id)
            .bind(&key.requirement_id)
            .bind(&key.party)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 1 {
                let details = serde_json::json!({"decision": state, "comment": comment});
                history_in_tx!(tx, assessment_id, &at, actor, if accept { "accepted" } else { "returned" }, Some(key.label()), &details);
            }
            tx.commit().await?;
            n == 1
        });
        Ok(changed)
    }

    /// Records the verdict and closes the assessment (only once: false if
    /// it is already decided).
    pub async fn record_verdict(
        &self,
        assessment_id: &str,
        verdict: &str,
        decision: &serde_json::Value,
        now: Timestamp,
        actor: &Actor,
    ) -> Result<bool, StoreError> {
        let at = time::format(now);
        let changed = on_pool!(self, pool => {
            let (_gate, mut tx) = begin_write!(self, pool);
            let n = sqlx::query(
                "UPDATE assessments SET status = 'decided', verdict = $1, decision = $2, updated_at = $3 WHERE id = $4 AND status = 'open'",
            )
            .bind(verdict)
            .bind(json_text(decision))
            .bind(&at)
            .bind(assessment_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 1 {
                history_in_tx!(tx, assessment_id, &at, actor, "decided", None::<String>, decision);
            }
            tx.commit().await?;
            n == 1
        });
        Ok(changed)
    }

    /// Replaces a decided assessment's decision document with `updated`
    /// (e.g. a condition marked as met), only if it is still `current`
    /// (another reviewer's change in between makes this return false), with
    /// its history row (`event`, `details`) and audit entry in the same
    /// transaction. The assessment's `updated_at` — the decision's date for
    /// the re-assessment cycle — is kept.
    #[allow(clippy::too_many_arguments)]
    pub async fn amend_decision(
        &self,
        assessment_id: &str,
        current: &serde_json::Value,
        updated: &serde_json::Value,
        event: &str,
        details: &serde_json::Value,
        audit: &crate::audit::NewAuditEntry,
        now: Timestamp,
        actor: &Actor,
    ) -> Result<bool, StoreError> {
        let at = time::format(now);
        let chain = audit
            .tenant_id
            .clone()
            .unwrap_or_else(|| crate::audit::SYSTEM_CHAIN.to_owned());
        let changed = on_pool!(self, pool => {
            let (_gate, mut tx) = begin_write!(self, pool);
            // Locked before it is read: a concurrent amendment waits and
            // then finds the decision changed.
            lock_assessment_in_tx!(tx, assessment_id);
            let stored: Option<Option<String>> = sqlx::query_scalar(
                "SELECT decision FROM assessments WHERE id = $1 AND status = 'decided'",
            )
            .bind(assessment_id)
            .fetch_optional(&mut *tx)
            .await?;
            let still = stored
                .flatten()
                .map(|t| parse_json(&t))
                .transpose()?
                .is_some_and(|d| &d == current);
            if still {
                sqlx::query("UPDATE assessments SET decision = $1 WHERE id = $2")
                    .bind(json_text(updated))
                    .bind(assessment_id)
                    .execute(&mut *tx)
                    .await?;
                history_in_tx!(tx, assessment_id, &at, actor, event, None::<String>, details);
                append_in_tx!(tx, &chain, at.clone(), audit);
                tx.commit().await?;
            } else {
                tx.rollback().await?;
            }
            still
        });
        Ok(changed)
    }

    /// The history of an assessment, oldest first.
    pub async fn assessment_history(
        &self,
        assessment_id: &str,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        #[allow(clippy::type_complexity)]
        let rows: Vec<(
            i64,
            String,
            Option<String>,
            Option<String>,
            String,
            Option<String>,
            String,
        )> = on_pool!(self, pool => sqlx::query(
            "SELECT seq, at, actor_id, actor_name, event, item, details FROM assessment_history WHERE assessment_id = $1 ORDER BY seq",
        )
        .bind(assessment_id)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| Ok::<_, sqlx::Error>((
            r.try_get("seq")?, r.try_get("at")?, r.try_get("actor_id")?, r.try_get("actor_name")?,
            r.try_get("event")?, r.try_get("item")?, r.try_get("details")?,
        )))
        .collect::<Result<Vec<_>, _>>()?);
        rows.into_iter()
            .map(|(seq, at, actor_id, actor_name, event, item, details)| {
                Ok(HistoryEntry {
                    seq,
                    at: time::parse(&at)?,
                    actor_id,
                    actor_name,
                    event,
                    item,
                    details: parse_json(&details)?,
                })
            })
            .collect()
    }

    // -- evidence links ---------------------------------------------------

    /// Attaches evidence to an assessment (`party`: the uploading vendor's
    /// party, `None` for tenant staff).
    pub async fn attach_evidence(
        &self,
        assessment_id: &str,
        evidence_id: &str,
        party: Option<&str>,
    ) -> Result<(), StoreError> {
        let _gate = self.write_gate().await;
        on_pool!(self, pool => sqlx::query("INSERT INTO assessment_evidence (evidence_id, assessment_id, party) VALUES ($1, $2, $3)")
            .bind(evidence_id)
            .bind(assessment_id)
            .bind(party)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// The assessment and uploader party an evidence file is attached to.
    pub async fn evidence_link(
        &self,
        evidence_id: &str,
    ) -> Result<Option<(String, Option<String>)>, StoreError> {
        let row: Option<(String, Option<String>)> = on_pool!(self, pool => sqlx::query(
            "SELECT assessment_id, party FROM assessment_evidence WHERE evidence_id = $1",
        )
        .bind(evidence_id)
        .fetch_optional(pool)
        .await?
        .map(|r| Ok::<_, sqlx::Error>((r.try_get("assessment_id")?, r.try_get("party")?)))
        .transpose()?);
        Ok(row)
    }

    /// The evidence ids attached to an assessment, with the uploader party.
    pub async fn assessment_evidence(
        &self,
        assessment_id: &str,
    ) -> Result<Vec<(String, Option<String>)>, StoreError> {
        let rows: Vec<(String, Option<String>)> = on_pool!(self, pool => sqlx::query(
            "SELECT evidence_id, party FROM assessment_evidence WHERE assessment_id = $1 ORDER BY evidence_id",
        )
        .bind(assessment_id)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| Ok::<_, sqlx::Error>((r.try_get("evidence_id")?, r.try_get("party")?)))
        .collect::<Result<Vec<_>, _>>()?);
        Ok(rows)
    }
}

//! The store test suite, run against both backends: every test runs once on
//! a fresh SQLite file and once on a fresh PostgreSQL database.
//!
//! PostgreSQL is found at `KIJUN_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`). When it cannot be reached
//! the `postgres::…` tests are reported as ignored by name — unless
//! `KIJUN_REQUIRE_POSTGRES=1` (set by `.ci/run`), when they fail.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use jiff::{Timestamp, ToSpan};
use kijun_store::assessment::AnswerWrite;
use kijun_store::audit::SYSTEM_CHAIN;
use kijun_store::evidence::{self, BlobError, BlobStore, EvidenceError, FsBlobStore, Vault};
use kijun_store::library::LibraryEntry;
use kijun_store::{
    ApiToken, AuditFilter, AuditProblem, Backend, NewAuditEntry, NewUser, Role, Session, Store,
    StoreError,
};
use libtest_mimic::{Arguments, Failed, Trial};
use sha2::{Digest, Sha256};
use sqlx::Connection;

type TestResult = Result<(), Failed>;
type TestFn = fn(Db) -> Pin<Box<dyn Future<Output = TestResult> + Send>>;

/// A fresh database for one test: its URL and an open, migrated store.
struct Db {
    url: String,
    store: Store,
}

impl Db {
    /// Runs raw SQL as an attacker with direct database access would.
    async fn raw(&self, sql: &str) -> Result<(), sqlx::Error> {
        match self.store.backend() {
            Backend::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&self.url).await?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
                    .execute(&mut c)
                    .await?;
            }
            Backend::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.url).await?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
                    .execute(&mut c)
                    .await?;
            }
        }
        Ok(())
    }

    async fn drop_append_only_triggers(&self) -> Result<(), sqlx::Error> {
        match self.store.backend() {
            Backend::Sqlite => {
                self.raw("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;")
                    .await
            }
            Backend::Postgres => {
                self.raw("DROP TRIGGER audit_log_no_update ON audit_log;")
                    .await
            }
        }
    }
}

fn check(cond: bool, msg: impl Into<String>) -> TestResult {
    if cond { Ok(()) } else { Err(msg.into().into()) }
}

fn fail<E: std::fmt::Display>(e: E) -> Failed {
    e.to_string().into()
}

fn t0() -> Timestamp {
    "2026-04-01T00:00:00Z".parse().unwrap()
}

fn entry(tenant: Option<&str>, action: &str) -> NewAuditEntry {
    NewAuditEntry {
        tenant_id: tenant.map(str::to_owned),
        actor_id: Some("u1".into()),
        actor_name: Some("審査 太郎".into()),
        action: action.into(),
        target: Some("user:u2".into()),
        source_addr: Some("192.0.2.1".into()),
        details: serde_json::json!({"reason": "テスト"}),
    }
}

async fn seed_chain(store: &Store, tenant: Option<&str>, n: i64) -> TestResult {
    for i in 0..n {
        store
            .append_audit(
                &entry(tenant, &format!("action_{}", i + 1)),
                t0() + i.minutes(),
            )
            .await
            .map_err(fail)?;
    }
    Ok(())
}

async fn first_problem(store: &Store, chain: &str) -> Result<Option<AuditProblem>, Failed> {
    let v = store.verify_audit().await.map_err(fail)?;
    Ok(v.chains
        .into_iter()
        .find(|c| c.chain == chain)
        .and_then(|c| c.problem))
}

// ---------------------------------------------------------------------------
// Tests

async fn migrations_are_applied_once(db: Db) -> TestResult {
    let applied = db.store.applied_migrations().await.map_err(fail)?;
    check(
        applied.last() == Some(&kijun_store::db::latest_migration()),
        format!("{applied:?}"),
    )?;
    db.store.migrate().await.map_err(fail)?;
    check(
        db.store.applied_migrations().await.map_err(fail)? == applied,
        "migrate twice changes nothing",
    )?;
    db.store.ping().await.map_err(fail)
}

async fn tenants_are_created_and_slugs_are_unique(db: Db) -> TestResult {
    let a = db
        .store
        .create_tenant("funabashi", "船橋市", t0())
        .await
        .map_err(fail)?;
    db.store
        .create_tenant("chiba-pref", "千葉県", t0())
        .await
        .map_err(fail)?;
    let dup = db.store.create_tenant("funabashi", "別の市", t0()).await;
    check(
        matches!(dup, Err(StoreError::Conflict(_))),
        format!("{dup:?}"),
    )?;
    let all = db.store.tenants().await.map_err(fail)?;
    let slugs: Vec<&str> = all.iter().map(|t| t.slug.as_str()).collect();
    check(slugs == ["chiba-pref", "funabashi"], format!("{slugs:?}"))?;
    let got = db.store.tenant(&a.id).await.map_err(fail)?;
    check(got.as_ref() == Some(&a), format!("{got:?}"))?;
    check(
        db.store.tenant("nope").await.map_err(fail)?.is_none(),
        "unknown id",
    )
}

async fn audit_entries_chain_per_tenant_and_filter_by_time(db: Db) -> TestResult {
    let t = db
        .store
        .create_tenant("funabashi", "船橋市", t0())
        .await
        .map_err(fail)?;
    seed_chain(&db.store, Some(&t.id), 5).await?;
    seed_chain(&db.store, None, 2).await?;
    let tenant_entries = db
        .store
        .audit_entries(&AuditFilter {
            tenant_id: Some(t.id.clone()),
            ..Default::default()
        })
        .await
        .map_err(fail)?;
    let seqs: Vec<i64> = tenant_entries.iter().map(|e| e.seq).collect();
    check(seqs == [1, 2, 3, 4, 5], format!("{seqs:?}"))?;
    check(
        tenant_entries[1].prev_hash == tenant_entries[0].hash,
        "linked",
    )?;
    check(
        tenant_entries[0].actor_name.as_deref() == Some("審査 太郎"),
        "actor name kept",
    )?;
    check(tenant_entries[0].at == t0(), "timestamp round trip")?;
    let system = db
        .store
        .audit_entries(&AuditFilter::default())
        .await
        .map_err(fail)?;
    check(
        system.len() == 2 && system.iter().all(|e| e.chain == SYSTEM_CHAIN),
        "system chain",
    )?;
    let window = db
        .store
        .audit_entries(&AuditFilter {
            tenant_id: Some(t.id.clone()),
            from: Some(t0() + 1.minutes()),
            until: Some(t0() + 3.minutes()),
            limit: None,
        })
        .await
        .map_err(fail)?;
    let seqs: Vec<i64> = window.iter().map(|e| e.seq).collect();
    check(seqs == [2, 3], format!("window {seqs:?}"))?;
    let v = db.store.verify_audit().await.map_err(fail)?;
    check(v.is_intact() && v.chains.len() == 2, format!("{v:?}"))
}

async fn audit_log_is_append_only_in_the_database(db: Db) -> TestResult {
    seed_chain(&db.store, None, 3).await?;
    check(
        db.raw("UPDATE audit_log SET action = 'x' WHERE seq = 2")
            .await
            .is_err(),
        "update refused",
    )?;
    check(
        db.raw("DELETE FROM audit_log WHERE seq = 2").await.is_err(),
        "delete refused",
    )?;
    check(
        db.store.verify_audit().await.map_err(fail)?.is_intact(),
        "still intact",
    )
}

async fn verify_reports_a_modified_entry(db: Db) -> TestResult {
    seed_chain(&db.store, None, 6).await?;
    db.drop_append_only_triggers().await.map_err(fail)?;
    db.raw("UPDATE audit_log SET actor_name = '改ざん' WHERE chain = 'system' AND seq = 4")
        .await
        .map_err(fail)?;
    let p = first_problem(&db.store, SYSTEM_CHAIN).await?;
    check(
        p == Some(AuditProblem::Modified { seq: 4 }),
        format!("{p:?}"),
    )
}

async fn verify_reports_a_deleted_entry(db: Db) -> TestResult {
    seed_chain(&db.store, None, 6).await?;
    db.drop_append_only_triggers().await.map_err(fail)?;
    db.raw("DELETE FROM audit_log WHERE chain = 'system' AND seq = 3")
        .await
        .map_err(fail)?;
    let p = first_problem(&db.store, SYSTEM_CHAIN).await?;
    check(
        p == Some(AuditProblem::Deleted {
            expected: 3,
            seq: 4,
        }),
        format!("{p:?}"),
    )
}

async fn verify_reports_reordered_entries(db: Db) -> TestResult {
    seed_chain(&db.store, None, 6).await?;
    db.drop_append_only_triggers().await.map_err(fail)?;
    db.raw(
        "UPDATE audit_log SET seq = -1 WHERE chain = 'system' AND seq = 2; \
         UPDATE audit_log SET seq = 2 WHERE chain = 'system' AND seq = 5; \
         UPDATE audit_log SET seq = 5 WHERE chain = 'system' AND seq = -1;",
    )
    .await
    .map_err(fail)?;
    let p = first_problem(&db.store, SYSTEM_CHAIN).await?;
    check(
        p == Some(AuditProblem::Reordered {
            seq: 2,
            original_seq: 5,
        }),
        format!("{p:?}"),
    )
}

async fn verify_reports_a_deleted_tail(db: Db) -> TestResult {
    seed_chain(&db.store, None, 6).await?;
    db.drop_append_only_triggers().await.map_err(fail)?;
    db.raw("DELETE FROM audit_log WHERE chain = 'system' AND seq >= 5")
        .await
        .map_err(fail)?;
    let p = first_problem(&db.store, SYSTEM_CHAIN).await?;
    check(
        p == Some(AuditProblem::TruncatedTail {
            last_seq: 4,
            head_seq: 6,
        }),
        format!("{p:?}"),
    )
}

async fn verify_reports_an_inserted_entry(db: Db) -> TestResult {
    seed_chain(&db.store, None, 4).await?;
    db.drop_append_only_triggers().await.map_err(fail)?;
    // Shift the tail up and forge an entry in the gap.
    db.raw(
        "UPDATE audit_log SET seq = seq + 100 WHERE chain = 'system' AND seq >= 3; \
         UPDATE audit_log SET seq = seq - 99 WHERE chain = 'system' AND seq >= 100; \
         INSERT INTO audit_log (chain, seq, at, action, details, prev_hash, hash) \
         VALUES ('system', 3, '2026-04-01T00:02:30.000000Z', 'forged', '{}', 'x', 'y');",
    )
    .await
    .map_err(fail)?;
    let p = first_problem(&db.store, SYSTEM_CHAIN).await?;
    check(
        p == Some(AuditProblem::Modified { seq: 3 }),
        format!("{p:?}"),
    )
}

async fn a_tampered_tenant_chain_leaves_other_chains_intact(db: Db) -> TestResult {
    let a = db
        .store
        .create_tenant("a", "A市", t0())
        .await
        .map_err(fail)?;
    let b = db
        .store
        .create_tenant("b", "B市", t0())
        .await
        .map_err(fail)?;
    seed_chain(&db.store, Some(&a.id), 3).await?;
    seed_chain(&db.store, Some(&b.id), 3).await?;
    db.drop_append_only_triggers().await.map_err(fail)?;
    db.raw(&format!(
        "UPDATE audit_log SET target = 'x' WHERE chain = '{}' AND seq = 2",
        a.id
    ))
    .await
    .map_err(fail)?;
    let v = db.store.verify_audit().await.map_err(fail)?;
    for c in &v.chains {
        let expected = if c.chain == a.id {
            Some(AuditProblem::Modified { seq: 2 })
        } else {
            None
        };
        check(
            c.problem == expected,
            format!("{}: {:?}", c.chain, c.problem),
        )?;
    }
    Ok(())
}

async fn concurrent_appends_keep_one_unbroken_chain(db: Db) -> TestResult {
    let store = Arc::new(db.store.clone());
    let mut tasks = Vec::new();
    for w in 0..4 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..20 {
                store
                    .append_audit(
                        &entry(None, &format!("w{w}-{i}")),
                        t0() + (w * 100 + i).seconds(),
                    )
                    .await?;
            }
            Ok::<_, StoreError>(())
        }));
    }
    for t in tasks {
        t.await.map_err(fail)?.map_err(fail)?;
    }
    let v = db.store.verify_audit().await.map_err(fail)?;
    check(v.is_intact(), format!("{v:?}"))?;
    check(
        v.chains
            .iter()
            .any(|c| c.chain == SYSTEM_CHAIN && c.entries == 80),
        format!("{v:?}"),
    )
}

fn new_user(tenant: Option<&str>, username: &str, role: Role) -> NewUser {
    NewUser {
        tenant_id: tenant.map(str::to_owned),
        organisation_id: None,
        username: username.into(),
        display_name: format!("{username} さん"),
        email: None,
        role,
        password_hash: Some(format!("$hash${username}$1")),
        must_change_password: false,
    }
}

async fn users_are_unique_and_keep_password_history(db: Db) -> TestResult {
    let t = db
        .store
        .create_tenant("a", "A市", t0())
        .await
        .map_err(fail)?;
    let u = db
        .store
        .create_user(&new_user(Some(&t.id), "reviewer1", Role::Reviewer), t0())
        .await
        .map_err(fail)?;
    check(
        u.role == Role::Reviewer && u.tenant_id.as_deref() == Some(t.id.as_str()),
        format!("{u:?}"),
    )?;
    check(u.password_changed_at == Some(t0()), "change time set")?;
    let dup = db
        .store
        .create_user(&new_user(None, "reviewer1", Role::Viewer), t0())
        .await;
    check(
        matches!(dup, Err(StoreError::Conflict(_))),
        format!("{dup:?}"),
    )?;
    db.store
        .set_password_hash(&u.id, "$hash$2", true, t0() + 1.hours())
        .await
        .map_err(fail)?;
    db.store
        .set_password_hash(&u.id, "$hash$2-rehashed", false, t0() + 2.hours())
        .await
        .map_err(fail)?;
    let history = db.store.password_history(&u.id, 5).await.map_err(fail)?;
    check(
        history == ["$hash$2", "$hash$reviewer1$1"],
        format!("{history:?}"),
    )?;
    let again = db
        .store
        .user_by_username("reviewer1")
        .await
        .map_err(fail)?
        .ok_or("user")?;
    check(
        again.password_hash.as_deref() == Some("$hash$2-rehashed"),
        "rehash stored",
    )?;
    check(
        again.password_changed_at == Some(t0() + 1.hours()),
        "rehash keeps the change time",
    )?;
    let in_tenant = db.store.users_in_tenant(&t.id).await.map_err(fail)?;
    check(
        in_tenant.len() == 1 && db.store.user_count().await.map_err(fail)? == 1,
        "counts",
    )
}

async fn suspension_ends_sessions_and_tokens(db: Db) -> TestResult {
    let u = db
        .store
        .create_user(&new_user(None, "admin", Role::SystemAdmin), t0())
        .await
        .map_err(fail)?;
    let session = Session {
        id_hash: "s1".into(),
        user_id: u.id.clone(),
        csrf_token: "c".into(),
        mfa_verified: true,
        created_at: t0(),
        last_seen_at: t0(),
        source_addr: Some("127.0.0.1".into()),
    };
    db.store.create_session(&session).await.map_err(fail)?;
    let token = ApiToken {
        id: "tok1".into(),
        user_id: u.id.clone(),
        tenant_id: None,
        role: Role::SystemAdmin,
        name: "ci".into(),
        token_hash: "th1".into(),
        created_at: t0(),
        expires_at: t0() + 24.hours(),
        revoked_at: None,
        last_used_at: None,
    };
    db.store.create_api_token(&token).await.map_err(fail)?;
    check(
        db.store.session("s1").await.map_err(fail)? == Some(session),
        "session round trip",
    )?;
    db.store
        .set_suspended(&u.id, Some(t0() + 1.minutes()))
        .await
        .map_err(fail)?;
    check(
        db.store.session("s1").await.map_err(fail)?.is_none(),
        "session ended",
    )?;
    let tok = db
        .store
        .api_token_by_hash("th1")
        .await
        .map_err(fail)?
        .ok_or("token")?;
    check(
        tok.revoked_at == Some(t0() + 1.minutes()),
        format!("{tok:?}"),
    )?;
    let u2 = db.store.user(&u.id).await.map_err(fail)?.ok_or("user")?;
    check(u2.suspended_at.is_some(), "suspended")?;
    db.store.set_suspended(&u.id, None).await.map_err(fail)?;
    check(
        db.store
            .user(&u.id)
            .await
            .map_err(fail)?
            .ok_or("user")?
            .suspended_at
            .is_none(),
        "reactivated",
    )
}

async fn totp_steps_recovery_and_setup_tokens_are_single_use(db: Db) -> TestResult {
    let u = db
        .store
        .create_user(&new_user(None, "admin", Role::SystemAdmin), t0())
        .await
        .map_err(fail)?;
    db.store
        .set_mfa(&u.id, Some("sealed"), &["h1".into(), "h2".into()])
        .await
        .map_err(fail)?;
    check(
        db.store.use_totp_step(&u.id, 100).await.map_err(fail)?,
        "first use",
    )?;
    check(
        !db.store.use_totp_step(&u.id, 100).await.map_err(fail)?,
        "replay refused",
    )?;
    check(
        !db.store.use_totp_step(&u.id, 99).await.map_err(fail)?,
        "older step refused",
    )?;
    check(
        db.store.use_totp_step(&u.id, 101).await.map_err(fail)?,
        "next step",
    )?;
    check(
        db.store
            .use_recovery_code(&u.id, "h1", t0())
            .await
            .map_err(fail)?,
        "code once",
    )?;
    check(
        !db.store
            .use_recovery_code(&u.id, "h1", t0())
            .await
            .map_err(fail)?,
        "code twice",
    )?;
    check(
        db.store.recovery_codes(&u.id).await.map_err(fail)? == ["h2"],
        "one left",
    )?;
    db.store
        .create_setup_token("st", t0())
        .await
        .map_err(fail)?;
    check(
        db.store
            .consume_setup_token("st", t0())
            .await
            .map_err(fail)?,
        "setup once",
    )?;
    check(
        !db.store
            .consume_setup_token("st", t0())
            .await
            .map_err(fail)?,
        "setup twice",
    )?;
    check(
        !db.store
            .consume_setup_token("nope", t0())
            .await
            .map_err(fail)?,
        "unknown",
    )
}

async fn tenant_settings_are_upserted(db: Db) -> TestResult {
    let t = db
        .store
        .create_tenant("a", "A市", t0())
        .await
        .map_err(fail)?;
    check(
        db.store
            .tenant_settings(&t.id)
            .await
            .map_err(fail)?
            .is_none(),
        "none yet",
    )?;
    db.store
        .set_tenant_settings(&t.id, &serde_json::json!({"min_length": 12}))
        .await
        .map_err(fail)?;
    db.store
        .set_tenant_settings(&t.id, &serde_json::json!({"min_length": 14}))
        .await
        .map_err(fail)?;
    let s = db.store.tenant_settings(&t.id).await.map_err(fail)?;
    check(
        s == Some(serde_json::json!({"min_length": 14})),
        format!("{s:?}"),
    )
}

async fn retention_pruning_keeps_the_chain_verifiable(db: Db) -> TestResult {
    let t = db
        .store
        .create_tenant("a", "A市", t0())
        .await
        .map_err(fail)?;
    seed_chain(&db.store, Some(&t.id), 6).await?;
    let actor = NewAuditEntry {
        actor_name: Some("kijun".into()),
        ..Default::default()
    };
    let now = t0() + 1.hours();
    let deleted = db
        .store
        .prune_audit(Some(&t.id), t0() + 3.minutes(), now, &actor)
        .await
        .map_err(fail)?;
    check(deleted == 3, format!("deleted {deleted}"))?;
    let entries = db
        .store
        .audit_entries(&AuditFilter {
            tenant_id: Some(t.id.clone()),
            ..Default::default()
        })
        .await
        .map_err(fail)?;
    let seqs: Vec<i64> = entries.iter().map(|e| e.seq).collect();
    check(seqs == [4, 5, 6, 7], format!("{seqs:?}"))?;
    check(entries[3].action == "audit_pruned", "the prune is recorded")?;
    check(
        entries[3].details.contains("\"through_seq\":3"),
        entries[3].details.clone(),
    )?;
    check(
        db.store.verify_audit().await.map_err(fail)?.is_intact(),
        "intact after pruning",
    )?;
    // Pruning again, past the first prune's own record.
    let deleted = db
        .store
        .prune_audit(Some(&t.id), now + 1.minutes(), now + 2.minutes(), &actor)
        .await
        .map_err(fail)?;
    check(deleted == 4, format!("second prune deleted {deleted}"))?;
    check(
        db.store.verify_audit().await.map_err(fail)?.is_intact(),
        "intact after the second prune",
    )?;
    // Nothing old enough: nothing happens.
    let deleted = db
        .store
        .prune_audit(Some(&t.id), t0(), now, &actor)
        .await
        .map_err(fail)?;
    check(deleted == 0, "no-op")?;
    // Deletion outside a prune is still refused.
    check(
        db.raw("DELETE FROM audit_log").await.is_err(),
        "append-only outside prunes",
    )
}

async fn a_forged_checkpoint_is_detected(db: Db) -> TestResult {
    seed_chain(&db.store, None, 6).await?;
    let actor = NewAuditEntry::default();
    db.store
        .prune_audit(None, t0() + 2.minutes(), t0() + 1.hours(), &actor)
        .await
        .map_err(fail)?;
    // An attacker deletes entries 3 and 4 and moves the checkpoint over them.
    db.drop_append_only_triggers().await.map_err(fail)?;
    db.raw(
        "DELETE FROM audit_log WHERE chain = 'system' AND seq IN (3, 4); \
         UPDATE audit_checkpoints SET seq = 4, hash = (SELECT prev_hash FROM audit_log WHERE chain = 'system' AND seq = 5) WHERE chain = 'system';",
    )
    .await
    .map_err(fail)?;
    let p = first_problem(&db.store, SYSTEM_CHAIN).await?;
    check(
        p == Some(AuditProblem::CheckpointNotAttested { seq: 4 }),
        format!("{p:?}"),
    )
}

// ---------------------------------------------------------------------------
// Evidence files

const MASTER_KEY: [u8; 32] = [0x42; 32];
const OTHER_MASTER_KEY: [u8; 32] = [0x17; 32];
const MAX_SIZE: u64 = 10 * 1024 * 1024;

/// A tenant with one user, a vault and a blob store in a fresh directory.
struct EvidenceFixture {
    tenant: String,
    user: String,
    vault: Vault,
    blobs: FsBlobStore,
    dir: tempfile::TempDir,
}

async fn tenant_with_user(store: &Store, slug: &str) -> Result<(String, String), Failed> {
    let t = store
        .create_tenant(slug, &format!("{slug}市"), t0())
        .await
        .map_err(fail)?;
    let u = store
        .create_user(
            &new_user(Some(&t.id), &format!("{slug}-vendor"), Role::Vendor),
            t0(),
        )
        .await
        .map_err(fail)?;
    Ok((t.id, u.id))
}

async fn evidence_fixture(db: &Db) -> Result<EvidenceFixture, Failed> {
    let (tenant, user) = tenant_with_user(&db.store, "funabashi").await?;
    let dir = tempfile::tempdir().map_err(fail)?;
    Ok(EvidenceFixture {
        tenant,
        user,
        vault: Vault::new(&MASTER_KEY),
        blobs: FsBlobStore::new(dir.path().join("blobs")),
        dir,
    })
}

/// `len` bytes of CSV text whose lines differ from one another.
fn csv_bytes(len: usize) -> Vec<u8> {
    let mut s = String::from("番号,項目,回答\n");
    let mut i = 0u64;
    while s.len() < len {
        s.push_str(&format!("{i},要件{},{}\n", i * 7 % 1000, i * 31 % 977));
        i += 1;
    }
    let mut cut = len;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    s.truncate(cut);
    while s.len() < len {
        s.push('\n');
    }
    s.into_bytes()
}

fn pdf_bytes(len: usize) -> Vec<u8> {
    let mut v = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut x: u32 = 12345;
    while v.len() < len {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        v.push((x >> 16) as u8);
    }
    v.truncate(len);
    v
}

/// A minimal ZIP archive (stored, empty entries) with these entry names.
fn zip_with(names: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for name in names {
        let offset = out.len() as u32;
        out.extend_from_slice(b"PK\x03\x04");
        out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        out.extend_from_slice(&[0; 12]);
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(name.as_bytes());
        central.extend_from_slice(b"PK\x01\x02");
        central.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        central.extend_from_slice(&[0; 12]);
        central.extend_from_slice(&(name.len() as u16).to_le_bytes());
        central.extend_from_slice(&[0; 12]);
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let cd_offset = out.len() as u32;
    let cd_size = central.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06");
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&(names.len() as u16).to_le_bytes());
    out.extend_from_slice(&(names.len() as u16).to_le_bytes());
    out.extend_from_slice(&cd_size.to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn evidence_is_encrypted_at_rest_and_reads_back(db: Db) -> TestResult {
    let f = evidence_fixture(&db).await?;
    let plain = csv_bytes(150 * 1024);
    let put = |name: &'static str| {
        db.store.put_evidence(
            &f.vault,
            &f.blobs,
            &f.tenant,
            &f.user,
            name,
            "text/csv",
            &plain,
            MAX_SIZE,
            t0(),
        )
    };
    let a = put("../../秘密/回答一覧.csv").await.map_err(fail)?;
    let b = put("回答一覧.csv").await.map_err(fail)?;
    check(
        a.filename == "回答一覧.csv",
        format!("filename {:?}", a.filename),
    )?;
    check(
        a.content_type == "text/csv" && a.size == plain.len() as u64 && a.owner_user_id == f.user,
        format!("{a:?}"),
    )?;
    check(
        a.sha256 == sha256_hex(&plain),
        "recorded SHA-256 is the plaintext's",
    )?;
    check(a.key_id == b.key_id && a.id != b.id, "one key, two ids")?;

    let disk_a = std::fs::read(f.blobs.path_of(&a.blob_key).map_err(fail)?).map_err(fail)?;
    let disk_b = std::fs::read(f.blobs.path_of(&b.blob_key).map_err(fail)?).map_err(fail)?;
    check(
        f.blobs
            .path_of(&a.blob_key)
            .map_err(fail)?
            .starts_with(f.dir.path()),
        "blob under the root",
    )?;
    check(
        disk_a.len() == evidence::BLOB_HEADER_LEN + plain.len() + 3 * evidence::CHUNK_OVERHEAD,
        format!("blob length {}", disk_a.len()),
    )?;
    check(
        disk_a != plain && disk_a != disk_b,
        "ciphertext differs per upload",
    )?;
    for probe in [
        &plain[..32],
        &plain[70_000..70_032],
        &plain[plain.len() - 32..],
    ] {
        check(
            !disk_a.windows(32).any(|w| w == probe) && !disk_b.windows(32).any(|w| w == probe),
            "no plaintext on disk",
        )?;
    }
    let leftovers: Vec<String> = std::fs::read_dir(
        f.blobs
            .path_of(&a.blob_key)
            .map_err(fail)?
            .parent()
            .ok_or("parent")?,
    )
    .map_err(fail)?
    .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
    .filter(|n| n.starts_with('.'))
    .collect();
    check(
        leftovers.is_empty(),
        format!("temporary files left: {leftovers:?}"),
    )?;

    let got = db.store.evidence(&a.id).await.map_err(fail)?;
    check(got.as_ref() == Some(&a), format!("{got:?}"))?;
    let read = db
        .store
        .read_evidence(&f.vault, &f.blobs, &a)
        .await
        .map_err(fail)?;
    check(read == plain, "exact bytes back")?;
    check(sha256_hex(&read) == a.sha256, "digest")?;
    let listed = db.store.evidence_in_tenant(&f.tenant).await.map_err(fail)?;
    check(listed.len() == 2, format!("{} listed", listed.len()))?;
    check(
        db.store.evidence("nope").await.map_err(fail)?.is_none(),
        "unknown id",
    )
}

async fn evidence_with_a_wrong_master_key_fails_closed(db: Db) -> TestResult {
    let f = evidence_fixture(&db).await?;
    let plain = pdf_bytes(5000);
    let rec = db
        .store
        .put_evidence(
            &f.vault,
            &f.blobs,
            &f.tenant,
            &f.user,
            "a.pdf",
            "application/pdf",
            &plain,
            MAX_SIZE,
            t0(),
        )
        .await
        .map_err(fail)?;
    let wrong = Vault::new(&OTHER_MASTER_KEY);
    check(
        wrong.master_key_id() != f.vault.master_key_id(),
        "ids differ",
    )?;
    let read = db.store.read_evidence(&wrong, &f.blobs, &rec).await;
    let Err(e) = read else {
        return Err("read with a wrong master key succeeded".into());
    };
    let msg = e.to_string();
    check(
        matches!(e, EvidenceError::MasterKeyMismatch { .. })
            && msg.contains("マスター鍵が一致しません")
            && msg.contains(f.vault.master_key_id())
            && msg.contains(wrong.master_key_id()),
        msg.clone(),
    )?;
    let put = db
        .store
        .put_evidence(
            &wrong,
            &f.blobs,
            &f.tenant,
            &f.user,
            "b.pdf",
            "application/pdf",
            &plain,
            MAX_SIZE,
            t0(),
        )
        .await;
    check(
        matches!(put, Err(EvidenceError::MasterKeyMismatch { .. })),
        format!("{put:?}"),
    )?;
    let key = db
        .store
        .tenant_key(&f.tenant)
        .await
        .map_err(fail)?
        .ok_or("key")?;
    check(
        key.key_id == rec.key_id && key.master_key_id == f.vault.master_key_id(),
        "the stored key is untouched",
    )?;
    check(
        db.store
            .evidence_in_tenant(&f.tenant)
            .await
            .map_err(fail)?
            .len()
            == 1,
        "nothing stored with the wrong key",
    )?;

    // A wrapped key copied to another tenant's row does not open there.
    let (other, other_user) = tenant_with_user(&db.store, "ichikawa").await?;
    db.store
        .put_evidence(
            &f.vault,
            &f.blobs,
            &other,
            &other_user,
            "c.pdf",
            "application/pdf",
            &plain,
            MAX_SIZE,
            t0(),
        )
        .await
        .map_err(fail)?;
    db.raw(&format!(
        "UPDATE tenant_keys SET wrapped_key = (SELECT wrapped_key FROM tenant_keys WHERE tenant_id = '{}') WHERE tenant_id = '{other}'",
        f.tenant
    ))
    .await
    .map_err(fail)?;
    let moved = db.store.tenant_data_key(&f.vault, &other, t0()).await;
    check(
        matches!(moved, Err(EvidenceError::KeyUnwrap { .. })),
        format!("{moved:?}"),
    )?;
    // The right key still reads.
    let back = db
        .store
        .read_evidence(&f.vault, &f.blobs, &rec)
        .await
        .map_err(fail)?;
    check(back == plain, "right key reads")
}

async fn tampered_evidence_blobs_are_detected(db: Db) -> TestResult {
    let f = evidence_fixture(&db).await?;
    let plain = csv_bytes(150 * 1024); // 3 chunks: 64 KiB, 64 KiB, 22 KiB
    let put = |tenant: String, user: String| {
        let plain = plain.clone();
        let (vault, blobs, store) = (&f.vault, &f.blobs, &db.store);
        async move {
            store
                .put_evidence(
                    vault,
                    blobs,
                    &tenant,
                    &user,
                    "x.csv",
                    "text/csv",
                    &plain,
                    MAX_SIZE,
                    t0(),
                )
                .await
        }
    };
    let one = put(f.tenant.clone(), f.user.clone()).await.map_err(fail)?;
    let two = put(f.tenant.clone(), f.user.clone()).await.map_err(fail)?;
    let (t2, u2) = tenant_with_user(&db.store, "ichikawa").await?;
    let three = put(t2, u2).await.map_err(fail)?;
    let original = f.blobs.get(&one.blob_key).await.map_err(fail)?;
    let h = evidence::BLOB_HEADER_LEN;
    let full = evidence::CHUNK_SIZE + evidence::CHUNK_OVERHEAD;
    check(original.len() == h + 2 * full + 22 * 1024 + 28, "layout")?;

    let flip = |at: usize| {
        let mut b = original.clone();
        b[at] ^= 0x01;
        b
    };
    let mut swapped = original.clone();
    swapped[h..h + full].copy_from_slice(&original[h + full..h + 2 * full]);
    swapped[h + full..h + 2 * full].copy_from_slice(&original[h..h + full]);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("flipped ciphertext byte", flip(h + full + 12 + 100)),
        ("flipped nonce byte", flip(h + 3)),
        ("flipped tag byte", flip(original.len() - 1)),
        ("flipped header byte", flip(7)),
        ("swapped chunks", swapped),
        ("last chunk dropped", original[..h + 2 * full].to_vec()),
        ("last chunk cut", original[..original.len() - 1].to_vec()),
        ("last chunk duplicated", {
            let mut b = original.clone();
            b.extend_from_slice(&original[h + 2 * full..]);
            b
        }),
        ("header only", original[..h].to_vec()),
    ];
    for (what, bytes) in cases {
        f.blobs.put(&one.blob_key, bytes).await.map_err(fail)?;
        let r = db.store.read_evidence(&f.vault, &f.blobs, &one).await;
        check(
            matches!(r, Err(EvidenceError::Tampered { .. })),
            format!("{what}: {r:?}"),
        )?;
    }
    f.blobs
        .put(&one.blob_key, original.clone())
        .await
        .map_err(fail)?;
    check(
        db.store
            .read_evidence(&f.vault, &f.blobs, &one)
            .await
            .map_err(fail)?
            == plain,
        "restored blob reads",
    )?;

    // The blob of one evidence copied over another's (same plaintext, same
    // tenant and key) or another tenant's.
    for target in [&two, &three] {
        let saved = f.blobs.get(&target.blob_key).await.map_err(fail)?;
        f.blobs
            .put(&target.blob_key, original.clone())
            .await
            .map_err(fail)?;
        let r = db.store.read_evidence(&f.vault, &f.blobs, target).await;
        check(
            matches!(r, Err(EvidenceError::Tampered { .. })),
            format!("copied blob: {r:?}"),
        )?;
        f.blobs.put(&target.blob_key, saved).await.map_err(fail)?;
    }

    // A record pointing at another evidence's blob, or with an edited digest.
    let mut pointed = two.clone();
    pointed.blob_key = one.blob_key.clone();
    let r = db.store.read_evidence(&f.vault, &f.blobs, &pointed).await;
    check(
        matches!(r, Err(EvidenceError::Tampered { .. })),
        format!("pointed: {r:?}"),
    )?;
    db.raw(&format!(
        "UPDATE evidence SET sha256 = '{}' WHERE id = '{}'",
        "0".repeat(64),
        two.id
    ))
    .await
    .map_err(fail)?;
    let edited = db
        .store
        .evidence(&two.id)
        .await
        .map_err(fail)?
        .ok_or("two")?;
    let r = db.store.read_evidence(&f.vault, &f.blobs, &edited).await;
    check(
        matches!(&r, Err(EvidenceError::Tampered { reason, .. }) if reason.contains("SHA-256")),
        format!("digest edit: {r:?}"),
    )?;

    // A missing blob.
    f.blobs.delete(&three.blob_key).await.map_err(fail)?;
    f.blobs.delete(&three.blob_key).await.map_err(fail)?;
    let r = db.store.read_evidence(&f.vault, &f.blobs, &three).await;
    check(
        matches!(r, Err(EvidenceError::Blob(BlobError::NotFound(_)))),
        format!("missing: {r:?}"),
    )?;
    let bad_key = f.blobs.put("../escape", vec![1]).await;
    check(
        matches!(bad_key, Err(BlobError::InvalidKey(_))),
        format!("{bad_key:?}"),
    )
}

async fn evidence_types_are_checked_by_content(db: Db) -> TestResult {
    let f = evidence_fixture(&db).await?;
    let put = |name: &'static str, declared: &'static str, bytes: Vec<u8>, max: u64| {
        let (vault, blobs, store, tenant, user) = (
            &f.vault,
            &f.blobs,
            &db.store,
            f.tenant.clone(),
            f.user.clone(),
        );
        async move {
            store
                .put_evidence(
                    vault,
                    blobs,
                    &tenant,
                    &user,
                    name,
                    declared,
                    &bytes,
                    max,
                    t0(),
                )
                .await
        }
    };

    // Refusals before anything is stored (no key is made either).
    let r = put("a.png", "image/png", pdf_bytes(2000), MAX_SIZE).await;
    check(
        matches!(&r, Err(EvidenceError::ContentType { declared, detected })
            if declared == "image/png" && detected == "application/pdf"),
        format!("pdf as png: {r:?}"),
    )?;
    let mut exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xFF\xFF".to_vec();
    exe.extend_from_slice(&[0u8; 200]);
    for declared in ["application/octet-stream", "application/pdf", "text/plain"] {
        let r = put("setup.pdf", declared, exe.clone(), MAX_SIZE).await;
        check(
            matches!(r, Err(EvidenceError::NotAllowed { .. })),
            format!("exe as {declared}: {r:?}"),
        )?;
    }
    let r = put("a.txt", "text/plain", b"abc\0def".to_vec(), MAX_SIZE).await;
    check(
        matches!(r, Err(EvidenceError::NotAllowed { .. })),
        format!("NUL: {r:?}"),
    )?;
    let shift_jis = b"\x94\xD4\x8D\x86,\x8D\x80\x96\xDA\n".to_vec();
    let r = put("sjis.csv", "text/csv", shift_jis, MAX_SIZE).await;
    check(
        matches!(r, Err(EvidenceError::NotAllowed { .. })),
        format!("Shift_JIS: {r:?}"),
    )?;
    let r = put(
        "a.html",
        "text/html",
        b"<script>alert(1)</script>".to_vec(),
        MAX_SIZE,
    )
    .await;
    check(
        matches!(r, Err(EvidenceError::ContentType { .. })),
        format!("html: {r:?}"),
    )?;
    let r = put("empty.txt", "text/plain", Vec::new(), MAX_SIZE).await;
    check(
        matches!(r, Err(EvidenceError::Empty)),
        format!("empty: {r:?}"),
    )?;
    let r = put("big.pdf", "application/pdf", pdf_bytes(1001), 1000).await;
    check(
        matches!(
            r,
            Err(EvidenceError::TooLarge {
                size: 1001,
                max: 1000
            })
        ),
        format!("too large: {r:?}"),
    )?;
    let docx = zip_with(&["[Content_Types].xml", "_rels/.rels", "word/document.xml"]);
    let xlsx = zip_with(&["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml"]);
    let pptx = zip_with(&["[Content_Types].xml", "ppt/presentation.xml"]);
    let plain_zip = zip_with(&["word/document.xml", "readme.txt"]);
    let docm = zip_with(&[
        "[Content_Types].xml",
        "word/document.xml",
        "word/vbaProject.bin",
    ]);
    const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    const PPTX: &str = "application/vnd.openxmlformats-officedocument.presentationml.presentation";
    let r = put("a.docx", DOCX, xlsx.clone(), MAX_SIZE).await;
    check(
        matches!(&r, Err(EvidenceError::ContentType { detected, .. }) if detected == XLSX),
        format!("xlsx as docx: {r:?}"),
    )?;
    for (what, bytes) in [("zip", plain_zip), ("docm", docm)] {
        let r = put("a.docx", DOCX, bytes, MAX_SIZE).await;
        check(
            matches!(r, Err(EvidenceError::NotAllowed { .. })),
            format!("{what}: {r:?}"),
        )?;
    }
    check(
        db.store
            .tenant_key(&f.tenant)
            .await
            .map_err(fail)?
            .is_none(),
        "refusals make no key",
    )?;

    // Accepted: each allowed kind, the size limit itself, text/* family.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0".to_vec();
    let jpeg = b"\xFF\xD8\xFF\xE0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0\xFF\xD9".to_vec();
    let accepted: Vec<(&str, &str, Vec<u8>, &str)> = vec![
        (
            "a.pdf",
            "application/pdf",
            pdf_bytes(1000),
            "application/pdf",
        ),
        ("a.png", "image/png", png, "image/png"),
        ("a.jpg", "IMAGE/JPEG", jpeg, "image/jpeg"),
        ("a.docx", DOCX, docx, DOCX),
        ("a.xlsx", XLSX, xlsx, XLSX),
        ("a.pptx", PPTX, pptx, PPTX),
        ("a.csv", "text/csv", csv_bytes(300), "text/csv"),
        (
            "a.txt",
            "text/plain; charset=UTF-8",
            "メモ\r\n".as_bytes().to_vec(),
            "text/plain",
        ),
    ];
    let n = accepted.len();
    for (name, declared, bytes, stored) in accepted {
        let rec = put(name, declared, bytes.clone(), 1000)
            .await
            .map_err(|e| fail(format!("{name} ({declared}): {e}")))?;
        check(
            rec.content_type == stored,
            format!("{name}: {}", rec.content_type),
        )?;
        let back = db
            .store
            .read_evidence(&f.vault, &f.blobs, &rec)
            .await
            .map_err(fail)?;
        check(back == bytes, format!("{name} round trip"))?;
    }
    check(
        db.store
            .evidence_in_tenant(&f.tenant)
            .await
            .map_err(fail)?
            .len()
            == n,
        "only accepted files are registered",
    )
}

async fn tenant_data_keys_are_created_once_and_differ_between_tenants(db: Db) -> TestResult {
    let f = evidence_fixture(&db).await?;
    check(
        db.store
            .tenant_key(&f.tenant)
            .await
            .map_err(fail)?
            .is_none(),
        "no key before the first file",
    )?;
    let mut ids = Vec::new();
    for i in 0..3 {
        let rec = db
            .store
            .put_evidence(
                &f.vault,
                &f.blobs,
                &f.tenant,
                &f.user,
                "a.txt",
                "text/plain",
                b"hello",
                MAX_SIZE,
                t0() + i.hours(),
            )
            .await
            .map_err(fail)?;
        ids.push(rec.key_id);
    }
    let key = db
        .store
        .tenant_key(&f.tenant)
        .await
        .map_err(fail)?
        .ok_or("key")?;
    check(
        ids.iter().all(|id| *id == key.key_id),
        format!("{ids:?} vs {key:?}"),
    )?;
    check(
        key.created_at == t0() && key.master_key_id == f.vault.master_key_id(),
        format!("{key:?}"),
    )?;
    let a1 = db
        .store
        .tenant_data_key(&f.vault, &f.tenant, t0() + 5.hours())
        .await
        .map_err(fail)?;
    let a2 = db
        .store
        .tenant_data_key(&f.vault, &f.tenant, t0() + 6.hours())
        .await
        .map_err(fail)?;
    check(a1 == a2 && a1.key_id() == key.key_id, "reused")?;

    let (other, _) = tenant_with_user(&db.store, "ichikawa").await?;
    let b = db
        .store
        .tenant_data_key(&f.vault, &other, t0())
        .await
        .map_err(fail)?;
    check(
        b != a1 && b.key_id() != a1.key_id(),
        "tenants have different keys",
    )?;

    // Concurrent first requests agree on one key.
    let (third, _) = tenant_with_user(&db.store, "urayasu").await?;
    let (x, y) = tokio::join!(
        db.store.tenant_data_key(&f.vault, &third, t0()),
        db.store.tenant_data_key(&f.vault, &third, t0()),
    );
    let (x, y) = (x.map_err(fail)?, y.map_err(fail)?);
    check(
        x == y && x != a1 && x != b,
        "one key per tenant under concurrency",
    )
}

async fn services_of_an_organisation_span_tenants(db: Db) -> TestResult {
    let org = db
        .store
        .create_organisation("クラウド株式会社", "provider", t0())
        .await
        .map_err(fail)?;
    let other = db
        .store
        .create_organisation("導入株式会社", "integrator", t0())
        .await
        .map_err(fail)?;
    let mut tenants = Vec::new();
    for slug in ["a", "b", "c"] {
        tenants.push(
            db.store
                .create_tenant(slug, slug, t0())
                .await
                .map_err(fail)?,
        );
    }
    let mut made = Vec::new();
    for (t, name, provider, integrator) in [
        (&tenants[0], "電子申請", Some(&org.id), None),
        (&tenants[1], "文書管理", None, Some(&org.id)),
        (&tenants[1], "会議録", Some(&other.id), Some(&other.id)),
        (&tenants[2], "財務会計", None, None),
    ] {
        made.push(
            db.store
                .create_service(
                    &t.id,
                    name,
                    "目的",
                    "課",
                    provider.map(String::as_str),
                    integrator.map(String::as_str),
                    &serde_json::json!({"profile": {}}),
                    t0(),
                )
                .await
                .map_err(fail)?,
        );
    }
    let names = |list: Vec<kijun_store::assessment::ServiceRecord>| {
        list.into_iter().map(|s| s.name).collect::<Vec<_>>()
    };
    let mine = names(
        db.store
            .services_of_organisation(&org.id)
            .await
            .map_err(fail)?,
    );
    check(
        mine == ["文書管理", "電子申請"],
        format!("provider or integrator, across tenants, by name: {mine:?}"),
    )?;
    let theirs = names(
        db.store
            .services_of_organisation(&other.id)
            .await
            .map_err(fail)?,
    );
    check(theirs == ["会議録"], format!("{theirs:?}"))?;
    let none = db
        .store
        .services_of_organisation("missing")
        .await
        .map_err(fail)?;
    check(
        none.is_empty() && made.len() == 4,
        "no services of an unknown organisation",
    )
}

/// A tenant (`slug`, `name`) with one service and an open assessment `id`
/// of it on seed-004 with `keys`, opened by `actor`.
async fn assessment_fixture(
    db: &Db,
    (slug, name): (&str, &str),
    id: &str,
    profile: serde_json::Value,
    keys: &[(kijun_store::assessment::ItemKey, String)],
    actor: &kijun_store::assessment::Actor,
) -> Result<
    (
        kijun_store::Tenant,
        kijun_store::assessment::AssessmentRecord,
    ),
    Failed,
> {
    let t = db
        .store
        .create_tenant(slug, name, t0())
        .await
        .map_err(fail)?;
    let svc = db
        .store
        .create_service(
            &t.id,
            "電子申請",
            "申請",
            "情報政策課",
            None,
            None,
            &serde_json::json!({"profile": {}}),
            t0(),
        )
        .await
        .map_err(fail)?;
    let record = kijun_store::assessment::AssessmentRecord {
        id: id.into(),
        tenant_id: t.id.clone(),
        service_id: svc.id.clone(),
        phase: "selection".into(),
        catalogs: vec!["seed-004".into()],
        profile,
        status: "open".into(),
        due_date: Some("2027-03-31".into()),
        opened_by: "u1".into(),
        opened_at: t0(),
        verdict: None,
        decision: None,
        updated_at: t0(),
    };
    db.store
        .create_assessment(&record, keys, actor)
        .await
        .map_err(fail)?;
    Ok((t, record))
}

async fn assessments_round_trip_and_concurrent_answers_keep_one_history(db: Db) -> TestResult {
    use kijun_store::assessment::{Actor, ItemKey};
    let keys: Vec<(ItemKey, String)> = (0..40)
        .map(|i| {
            let party = if i % 2 == 0 { "provider" } else { "integrator" };
            (
                ItemKey {
                    catalog_id: "seed-004".into(),
                    requirement_id: format!("R{i}"),
                    party: party.into(),
                },
                "required".into(),
            )
        })
        .collect();
    let actor = Actor {
        id: Some("u1".into()),
        name: Some("審査".into()),
    };
    let (t, _) = assessment_fixture(
        &db,
        ("a", "A市"),
        "a1",
        serde_json::json!({}),
        &keys,
        &actor,
    )
    .await?;
    let items = db.store.items("a1", None).await.map_err(fail)?;
    check(
        items.len() == 40 && items[39].position == 39,
        "items and positions",
    )?;
    check(
        db.store
            .items("a1", Some("provider"))
            .await
            .map_err(fail)?
            .len()
            == 20,
        "one party",
    )?;

    // Two vendors answer at once: every history row gets its own number.
    let store = Arc::new(db.store.clone());
    let mut tasks = Vec::new();
    for party in ["provider", "integrator"] {
        let store = store.clone();
        let keys = keys.clone();
        let tenant = t.id.clone();
        tasks.push(tokio::spawn(async move {
            for (k, _) in keys.iter().filter(|(k, _)| k.party == party) {
                let answer = serde_json::json!({"status": "conforms"});
                let audit = entry(Some(&tenant), "assessment_answered");
                store
                    .save_answer(
                        &AnswerWrite {
                            assessment_id: "a1",
                            key: k,
                            answer: &answer,
                            library: None,
                            audit: &audit,
                        },
                        t0(),
                        &Actor::default(),
                    )
                    .await?;
            }
            Ok::<_, StoreError>(())
        }));
    }
    for t in tasks {
        t.await.map_err(fail)?.map_err(fail)?;
    }
    let history = db.store.assessment_history("a1").await.map_err(fail)?;
    let seqs: Vec<i64> = history.iter().map(|h| h.seq).collect();
    check(seqs == (1..=41).collect::<Vec<i64>>(), format!("{seqs:?}"))?;
    // Each answer wrote its audit entry in the same transaction: one
    // unbroken chain of 40 entries.
    let logged = db
        .store
        .audit_entries(&AuditFilter {
            tenant_id: Some(t.id.clone()),
            ..AuditFilter::default()
        })
        .await
        .map_err(fail)?;
    check(
        logged
            .iter()
            .filter(|e| e.action == "assessment_answered")
            .count()
            == 40,
        format!("{} audit entries", logged.len()),
    )?;
    check(
        db.store.verify_audit().await.map_err(fail)?.is_intact(),
        "chain intact",
    )?;

    check(
        db.store
            .submit_party("a1", "provider", t0(), &actor)
            .await
            .map_err(fail)?
            == 20,
        "submitted",
    )?;
    let counts = db.store.open_item_counts(&t.id).await.map_err(fail)?;
    let c = counts.get("a1").ok_or("counts")?;
    check(
        c.get("submitted") == Some(&20) && c.get("open") == Some(&20),
        format!("{counts:?}"),
    )?;
    let k0 = &keys[0].0;
    let partial = serde_json::json!({"status": "partial"});
    let audit = entry(Some(&t.id), "assessment_answered");
    let write = |answer, library| AnswerWrite {
        assessment_id: "a1",
        key: k0,
        answer,
        library,
        audit: &audit,
    };
    let audit_count = |entries: Vec<kijun_store::AuditEntry>| entries.len();
    let tenant_log = AuditFilter {
        tenant_id: Some(t.id.clone()),
        ..AuditFilter::default()
    };
    let before = audit_count(db.store.audit_entries(&tenant_log).await.map_err(fail)?);
    check(
        db.store
            .save_answer(&write(&partial, None), t0(), &actor)
            .await
            .map_err(fail)?
            .is_none(),
        "frozen",
    )?;
    check(
        audit_count(db.store.audit_entries(&tenant_log).await.map_err(fail)?) == before,
        "a refused answer logs nothing",
    )?;
    check(
        db.store
            .review_item("a1", k0, false, Some("要修正"), t0(), &actor)
            .await
            .map_err(fail)?,
        "returned",
    )?;
    // The list (one aggregated row on SQLite) and the single-item read
    // agree on every field: answers, review comments, states, times.
    let listed = db.store.items("a1", None).await.map_err(fail)?;
    check(
        listed
            .iter()
            .any(|i| i.answer.is_some() && i.review_comment.is_some()),
        "answered and returned items listed",
    )?;
    for i in &listed {
        let one = db.store.item("a1", &i.key).await.map_err(fail)?;
        check(one.as_ref() == Some(i), format!("{:?} vs {one:?}", i.key))?;
    }
    check(
        listed.windows(2).all(|w| w[0].position < w[1].position),
        "in position order",
    )?;
    // The raw list (answers as stored JSON text) is the same list.
    let raw = db.store.raw_items("a1", None).await.map_err(fail)?;
    check(raw.len() == listed.len(), "raw list length")?;
    for (r, i) in raw.iter().zip(&listed) {
        let answer: Option<serde_json::Value> = r
            .answer
            .as_ref()
            .map(|a| serde_json::from_str(a.get()))
            .transpose()
            .map_err(fail)?;
        check(
            r.key == i.key
                && answer == i.answer
                && r.state == i.state
                && r.review_comment == i.review_comment
                && r.prefilled == i.prefilled
                && r.updated_at == i.updated_at
                && r.position == i.position
                && r.level == i.level,
            format!("raw {:?}", r.key),
        )?;
    }
    // All or nothing: a library entry that cannot be stored (no such
    // organisation) rolls back the answer, its history and its audit entry.
    let conforms = serde_json::json!({"status": "conforms", "comment": "対応済み"});
    let orphan = LibraryEntry {
        organisation_id: "no-such-org".into(),
        product: String::new(),
        scope: "requirement".into(),
        key: "seed-004/R0".into(),
        party: "provider".into(),
        answer: conforms.clone(),
        origin_tenant_id: Some(t.id.clone()),
        updated_at: t0(),
    };
    let history_before = db.store.assessment_history("a1").await.map_err(fail)?.len();
    check(
        db.store
            .save_answer(&write(&conforms, Some(&orphan)), t0(), &actor)
            .await
            .is_err(),
        "foreign key refused",
    )?;
    let item = db.store.item("a1", k0).await.map_err(fail)?.ok_or("item")?;
    check(
        item.answer == Some(serde_json::json!({"status": "conforms"})),
        format!("answer unchanged: {:?}", item.answer),
    )?;
    check(
        db.store.assessment_history("a1").await.map_err(fail)?.len() == history_before,
        "no history",
    )?;
    check(
        audit_count(db.store.audit_entries(&tenant_log).await.map_err(fail)?) == before,
        "no audit entry",
    )?;
    let org = db
        .store
        .create_organisation("提供者株式会社", "provider", t0())
        .await
        .map_err(fail)?;
    let kept = LibraryEntry {
        organisation_id: org.id.clone(),
        ..orphan.clone()
    };
    let saved = db
        .store
        .save_answer(&write(&conforms, Some(&kept)), t0(), &actor)
        .await
        .map_err(fail)?
        .ok_or("editable again")?;
    check(
        saved.answer.as_ref() == Some(&conforms) && saved.state == "returned",
        format!("{saved:?}"),
    )?;
    check(
        db.store.library(&org.id).await.map_err(fail)?.len() == 1,
        "kept in the library",
    )?;
    check(
        db.store
            .record_verdict(
                "a1",
                "rejected",
                &serde_json::json!({"note": "x"}),
                t0(),
                &actor,
            )
            .await
            .map_err(fail)?,
        "decided",
    )?;
    check(
        !db.store
            .record_verdict("a1", "approved", &serde_json::json!({}), t0(), &actor)
            .await
            .map_err(fail)?,
        "once",
    )?;
    let a = db
        .store
        .assessment("a1")
        .await
        .map_err(fail)?
        .ok_or("assessment")?;
    check(
        a.status == "decided"
            && a.verdict.as_deref() == Some("rejected")
            && a.due_date.as_deref() == Some("2027-03-31"),
        format!("{a:?}"),
    )
}

/// A filled checklist comes back: all answers in one transaction, nothing
/// written if one item is frozen, the same file again changes nothing.
/// Runs `op` while another transaction holds the assessment's lock, and
/// checks that `op` waits for it without holding any of the assessment's
/// item rows (PostgreSQL: the lock order that rules out deadlocks with a
/// checklist import, which locks the assessment first).
async fn waits_for_the_assessment_before_its_items(
    db: &Db,
    label: &str,
    op: Pin<Box<dyn Future<Output = Result<(), StoreError>> + Send>>,
) -> TestResult {
    let mut holder = sqlx::PgConnection::connect(&db.url).await.map_err(fail)?;
    let mut watcher = sqlx::PgConnection::connect(&db.url).await.map_err(fail)?;
    sqlx::raw_sql("BEGIN; UPDATE assessments SET updated_at = updated_at WHERE id = 'a1'")
        .execute(&mut holder)
        .await
        .map_err(fail)?;
    let task = tokio::spawn(op);
    let mut waiting = false;
    for _ in 0..250 {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND wait_event_type = 'Lock' AND query LIKE 'UPDATE assessments SET updated_at = updated_at%'",
        )
        .fetch_one(&mut watcher)
        .await
        .map_err(fail)?;
        if n > 0 {
            waiting = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    check(waiting, format!("{label}: waits for the assessment's lock"))?;
    let items = sqlx::raw_sql(
        "SET LOCAL lock_timeout = '2s'; SELECT 1 FROM assessment_items WHERE assessment_id = 'a1' FOR UPDATE",
    )
    .execute(&mut holder)
    .await;
    let _ = sqlx::raw_sql("ROLLBACK").execute(&mut holder).await;
    check(
        items.is_ok(),
        format!("{label}: holds no item while it waits ({items:?})"),
    )?;
    task.await.map_err(fail)?.map_err(fail)?;
    Ok(())
}

async fn writers_of_an_assessment_lock_it_before_its_items(db: Db) -> TestResult {
    use kijun_store::assessment::{Actor, ItemKey};
    let key = |i: usize| ItemKey {
        catalog_id: "seed-004".into(),
        requirement_id: format!("R{i}"),
        party: "provider".into(),
    };
    let keys: Vec<(ItemKey, String)> = (0..4).map(|i| (key(i), "required".into())).collect();
    let actor = Actor {
        id: Some("u1".into()),
        name: Some("審査".into()),
    };
    let (t, _) = assessment_fixture(
        &db,
        ("a", "A市"),
        "a1",
        serde_json::json!({}),
        &keys,
        &actor,
    )
    .await?;
    let store = Arc::new(db.store.clone());
    let answer = serde_json::json!({"status": "conforms"});
    let audit = entry(Some(&t.id), "assessment_answered");

    if matches!(db.store.backend(), Backend::Postgres) {
        let (s, a, au, k) = (store.clone(), answer.clone(), audit.clone(), key(0));
        waits_for_the_assessment_before_its_items(
            &db,
            "save_answer",
            Box::pin(async move {
                let w = AnswerWrite {
                    assessment_id: "a1",
                    key: &k,
                    answer: &a,
                    library: None,
                    audit: &au,
                };
                s.save_answer(&w, t0(), &Actor::default()).await.map(|_| ())
            }),
        )
        .await?;
        let (s, a, k) = (store.clone(), answer.clone(), key(1));
        waits_for_the_assessment_before_its_items(
            &db,
            "prefill_answer",
            Box::pin(async move {
                s.prefill_answer(
                    "a1",
                    &k,
                    &a,
                    "requirement:seed-004/R1",
                    t0(),
                    &Actor::default(),
                )
                .await
                .map(|_| ())
            }),
        )
        .await?;
        let (s, a, au) = (store.clone(), answer.clone(), audit.clone());
        waits_for_the_assessment_before_its_items(
            &db,
            "import_answers",
            Box::pin(async move {
                let answers = vec![(key(2), a.clone(), None), (key(3), a, None)];
                s.import_answers("a1", &answers, &au, t0(), &Actor::default())
                    .await
                    .map(|_| ())
            }),
        )
        .await?;
        let s = store.clone();
        waits_for_the_assessment_before_its_items(
            &db,
            "submit_party",
            Box::pin(async move {
                s.submit_party("a1", "provider", t0(), &Actor::default())
                    .await
                    .map(|_| ())
            }),
        )
        .await?;
        let (s, k) = (store.clone(), key(0));
        waits_for_the_assessment_before_its_items(
            &db,
            "review_item",
            Box::pin(async move {
                s.review_item("a1", &k, false, Some("要修正"), t0(), &Actor::default())
                    .await
                    .map(|_| ())
            }),
        )
        .await?;
        let items = db.store.items("a1", None).await.map_err(fail)?;
        let states: Vec<&str> = items.iter().map(|i| i.state.as_str()).collect();
        check(
            states == ["returned", "submitted", "submitted", "submitted"],
            format!("every operation went through after the wait: {states:?}"),
        )?;
    }

    // On both backends: once a verdict is recorded, the vendor-side writes
    // find the assessment closed inside their own transaction.
    db.store
        .record_verdict(
            "a1",
            "approved",
            &serde_json::json!({"verdict": "approved"}),
            t0(),
            &actor,
        )
        .await
        .map_err(fail)?;
    let history_before = db.store.assessment_history("a1").await.map_err(fail)?.len();
    let k0 = key(0);
    let write = AnswerWrite {
        assessment_id: "a1",
        key: &k0,
        answer: &answer,
        library: None,
        audit: &audit,
    };
    check(
        db.store
            .save_answer(&write, t0(), &actor)
            .await
            .map_err(fail)?
            .is_none(),
        "no answer after the verdict",
    )?;
    let imported = db
        .store
        .import_answers(
            "a1",
            &[(key(0), answer.clone(), None)],
            &audit,
            t0(),
            &actor,
        )
        .await
        .map_err(fail)?;
    check(
        imported == Err(vec![key(0)]),
        format!("no import after the verdict: {imported:?}"),
    )?;
    check(
        db.store
            .submit_party("a1", "provider", t0(), &actor)
            .await
            .map_err(fail)?
            == 0,
        "no submission after the verdict",
    )?;
    check(
        db.store.assessment_history("a1").await.map_err(fail)?.len() == history_before,
        "nothing recorded after the verdict",
    )?;
    Ok(())
}

async fn imported_answers_are_all_or_nothing_and_idempotent(db: Db) -> TestResult {
    use kijun_store::assessment::{Actor, AssessmentRecord, ItemKey};
    let keys: Vec<(ItemKey, String)> = (0..6)
        .map(|i| {
            (
                ItemKey {
                    catalog_id: "seed-004".into(),
                    requirement_id: format!("R{i}"),
                    party: "provider".into(),
                },
                "required".into(),
            )
        })
        .collect();
    let actor = Actor {
        id: Some("v1".into()),
        name: Some("提供者".into()),
    };
    let (t, record) = assessment_fixture(
        &db,
        ("imp", "B市"),
        "imp1",
        serde_json::json!({"ismap_registered": true}),
        &keys,
        &actor,
    )
    .await?;
    // The dashboard's overview: everything but the profile.
    let full = db.store.assessments_in_tenant(&t.id).await.map_err(fail)?;
    let light = db
        .store
        .assessment_overviews_in_tenant(&t.id)
        .await
        .map_err(fail)?;
    check(
        full.len() == 1 && full[0].profile == record.profile,
        format!("{full:?}"),
    )?;
    check(
        light
            == vec![AssessmentRecord {
                profile: serde_json::json!({}),
                ..full[0].clone()
            }],
        format!("{light:?}"),
    )?;
    let answers: Vec<(ItemKey, serde_json::Value, Option<LibraryEntry>)> = keys
        .iter()
        .map(|(k, _)| (k.clone(), serde_json::json!({"status": "conforms"}), None))
        .collect();
    let audit = NewAuditEntry {
        tenant_id: Some(t.id.clone()),
        action: "answers_imported".into(),
        details: serde_json::json!({"file_sha256": "00"}),
        ..NewAuditEntry::default()
    };
    let log = AuditFilter {
        tenant_id: Some(t.id.clone()),
        ..AuditFilter::default()
    };
    let imports = |entries: Vec<kijun_store::AuditEntry>| {
        entries
            .into_iter()
            .filter(|e| e.action == "answers_imported")
            .collect::<Vec<_>>()
    };

    // One item submitted (frozen): nothing of the file is written.
    let (k0, _) = &keys[0];
    db.store
        .import_answers("imp1", &answers[..1], &audit, t0(), &actor)
        .await
        .map_err(fail)?
        .map_err(|k| fail(format!("{k:?}")))?;
    db.store
        .submit_party("imp1", "provider", t0(), &actor)
        .await
        .map_err(fail)?;
    let changed: Vec<(ItemKey, serde_json::Value, Option<LibraryEntry>)> = answers
        .iter()
        .map(|(k, _, l)| {
            (
                k.clone(),
                serde_json::json!({"status": "partial"}),
                l.clone(),
            )
        })
        .collect();
    let refused = db
        .store
        .import_answers("imp1", &changed, &audit, t0(), &actor)
        .await
        .map_err(fail)?;
    check(refused == Err(vec![k0.clone()]), format!("{refused:?}"))?;
    let items = db.store.items("imp1", None).await.map_err(fail)?;
    check(
        items[1..].iter().all(|i| i.answer.is_none()),
        "nothing written",
    )?;
    check(
        imports(db.store.audit_entries(&log).await.map_err(fail)?).len() == 1,
        "only the first import logged",
    )?;

    // Returned: editable again; the whole file goes in, once.
    db.store
        .review_item("imp1", k0, false, Some("再回答"), t0(), &actor)
        .await
        .map_err(fail)?;
    let n = db
        .store
        .import_answers("imp1", &changed, &audit, t0(), &actor)
        .await
        .map_err(fail)?
        .map_err(|k| fail(format!("{k:?}")))?;
    check(n == 6, format!("changed {n}"))?;
    let again = db
        .store
        .import_answers("imp1", &changed, &audit, t0(), &actor)
        .await
        .map_err(fail)?
        .map_err(|k| fail(format!("{k:?}")))?;
    check(again == 0, format!("second import changed {again}"))?;
    let logged = imports(db.store.audit_entries(&log).await.map_err(fail)?);
    check(
        logged.len() == 2 && logged[1].details.contains("\"changed\":6"),
        format!("{logged:?}"),
    )?;
    let items = db.store.items("imp1", None).await.map_err(fail)?;
    check(
        items
            .iter()
            .all(|i| i.answer == Some(serde_json::json!({"status": "partial"}))),
        "all answers stored",
    )?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Oversight (issue 6)

/// A tenant, a provider organisation and a service of that provider.
async fn oversight_service(db: &Db) -> Result<(String, String, String), Failed> {
    let t = db
        .store
        .create_tenant("ov", "監督市", t0())
        .await
        .map_err(fail)?;
    let org = db
        .store
        .create_organisation("クラウド株式会社", "provider", t0())
        .await
        .map_err(fail)?;
    let svc = db
        .store
        .create_service(
            &t.id,
            "電子申請",
            "申請",
            "情報政策課",
            Some(&org.id),
            None,
            &serde_json::json!({"profile": {}}),
            t0(),
        )
        .await
        .map_err(fail)?;
    Ok((t.id, org.id, svc.id))
}

fn oversight_entry(tenant: &str, action: &str) -> NewAuditEntry {
    NewAuditEntry {
        tenant_id: Some(tenant.to_owned()),
        actor_id: Some("u1".into()),
        actor_name: Some("審査 太郎".into()),
        action: action.into(),
        target: None,
        source_addr: None,
        details: serde_json::json!({"kind": "test"}),
    }
}

async fn actions_of(db: &Db, tenant: &str) -> Result<Vec<String>, Failed> {
    Ok(db
        .store
        .audit_entries(&AuditFilter {
            tenant_id: Some(tenant.to_owned()),
            ..Default::default()
        })
        .await
        .map_err(fail)?
        .into_iter()
        .map(|e| e.action)
        .collect())
}

async fn oversight_records_filter_update_delete_and_audit(db: Db) -> TestResult {
    use kijun_store::assessment::Actor;
    use kijun_store::oversight::{DeleteOutcome, RecordFilter, RecordWrite};
    let (tenant, org, svc) = oversight_service(&db).await?;
    let staff = Actor {
        id: Some("u1".into()),
        name: Some("審査 太郎".into()),
    };
    let outage = |filed: &str, open: bool, n: i64| RecordWrite {
        filed_at: filed.to_owned(),
        is_open: open,
        ref_id: None,
        data: serde_json::json!({"description": format!("停止 {n}")}),
    };
    let created = db
        .store
        .create_oversight_record(
            &tenant,
            &svc,
            "outage",
            None,
            &outage("2026-05-01T00:00:00.000000Z", false, 1),
            &staff,
            &oversight_entry(&tenant, "oversight_record_created"),
            t0(),
        )
        .await
        .map_err(fail)?;
    check(
        created.kind == "outage" && created.created_at == t0(),
        format!("{created:?}"),
    )?;
    check(
        created.created_by.as_deref() == Some("u1") && created.organisation_id.is_none(),
        "staff record",
    )?;
    let vendor = db
        .store
        .create_oversight_record(
            &tenant,
            &svc,
            "outage",
            Some(&org),
            &outage("2026-05-20T00:00:00.000000Z", true, 2),
            &staff,
            &oversight_entry(&tenant, "oversight_record_created"),
            t0(),
        )
        .await
        .map_err(fail)?;
    // Filters: time window, open, a vendor's view.
    let list = |filter: RecordFilter| {
        let store = db.store.clone();
        let svc = svc.clone();
        async move {
            store
                .oversight_records(&svc, "outage", &filter)
                .await
                .map(|v| v.into_iter().map(|r| r.id).collect::<Vec<_>>())
        }
    };
    check(
        list(RecordFilter::default()).await.map_err(fail)?
            == [created.id.clone(), vendor.id.clone()],
        "ordered by filed_at",
    )?;
    check(
        list(RecordFilter {
            from: Some("2026-05-10".into()),
            until: Some("2026-06-01".into()),
            ..Default::default()
        })
        .await
        .map_err(fail)?
            == [vendor.id.clone()],
        "window",
    )?;
    check(
        list(RecordFilter {
            is_open: Some(false),
            ..Default::default()
        })
        .await
        .map_err(fail)?
            == [created.id.clone()],
        "open",
    )?;
    check(
        list(RecordFilter {
            visible_to_organisation: Some("other".into()),
            ..Default::default()
        })
        .await
        .map_err(fail)?
            == [created.id.clone()],
        "another vendor sees only staff records",
    )?;
    // Update.
    let updated = db
        .store
        .update_oversight_record(
            &vendor.id,
            &outage("2026-05-20T00:00:00.000000Z", false, 3),
            &staff,
            &oversight_entry(&tenant, "oversight_record_updated"),
            t0() + 1.hours(),
        )
        .await
        .map_err(fail)?
        .ok_or_else(|| fail("updated"))?;
    check(
        !updated.is_open
            && updated.data["description"] == "停止 3"
            && updated.updated_at == t0() + 1.hours()
            && updated.created_at == t0()
            && updated.organisation_id.as_deref() == Some(org.as_str()),
        format!("{updated:?}"),
    )?;
    check(
        db.store
            .update_oversight_record(
                "nope",
                &outage("x", false, 0),
                &staff,
                &oversight_entry(&tenant, "oversight_record_updated"),
                t0(),
            )
            .await
            .map_err(fail)?
            .is_none(),
        "unknown id",
    )?;
    // A plan item with a status cannot be deleted; one status per month.
    let item = db
        .store
        .create_oversight_record(
            &tenant,
            &svc,
            "plan_item",
            None,
            &RecordWrite {
                filed_at: String::new(),
                is_open: false,
                ref_id: None,
                data: serde_json::json!({"title": "脆弱性診断"}),
            },
            &staff,
            &oversight_entry(&tenant, "oversight_record_created"),
            t0(),
        )
        .await
        .map_err(fail)?;
    let status = |note: &str| RecordWrite {
        filed_at: "2026-05".into(),
        is_open: false,
        ref_id: Some(item.id.clone()),
        data: serde_json::json!({"item_id": item.id, "month": "2026-05", "status": "done", "note": note}),
    };
    db.store
        .create_oversight_record(
            &tenant,
            &svc,
            "plan_status",
            Some(&org),
            &status("実施"),
            &staff,
            &oversight_entry(&tenant, "oversight_record_created"),
            t0(),
        )
        .await
        .map_err(fail)?;
    let before = actions_of(&db, &tenant).await?.len();
    let dup = db
        .store
        .create_oversight_record(
            &tenant,
            &svc,
            "plan_status",
            Some(&org),
            &status("二重"),
            &staff,
            &oversight_entry(&tenant, "oversight_record_created"),
            t0(),
        )
        .await;
    check(
        matches!(dup, Err(StoreError::Conflict(_))),
        format!("{dup:?}"),
    )?;
    check(
        actions_of(&db, &tenant).await?.len() == before,
        "a refused write logs nothing",
    )?;
    let refused = db
        .store
        .delete_oversight_record(
            &item.id,
            &oversight_entry(&tenant, "oversight_record_deleted"),
            t0(),
        )
        .await
        .map_err(fail)?;
    check(
        refused == DeleteOutcome::Referenced(1),
        format!("{refused:?}"),
    )?;
    let deleted = db
        .store
        .delete_oversight_record(
            &created.id,
            &oversight_entry(&tenant, "oversight_record_deleted"),
            t0(),
        )
        .await
        .map_err(fail)?;
    check(deleted == DeleteOutcome::Deleted, format!("{deleted:?}"))?;
    check(
        db.store
            .delete_oversight_record(
                &created.id,
                &oversight_entry(&tenant, "oversight_record_deleted"),
                t0(),
            )
            .await
            .map_err(fail)?
            == DeleteOutcome::NotFound,
        "gone",
    )?;
    check(
        db.store
            .oversight_record(&created.id)
            .await
            .map_err(fail)?
            .is_none(),
        "deleted",
    )?;
    // Every change is in the audit log, targeted, and the chain verifies.
    let actions = actions_of(&db, &tenant).await?;
    check(
        actions
            == [
                "oversight_record_created",
                "oversight_record_created",
                "oversight_record_updated",
                "oversight_record_created",
                "oversight_record_created",
                "oversight_record_deleted",
            ],
        format!("{actions:?}"),
    )?;
    let entries = db
        .store
        .audit_entries(&AuditFilter {
            tenant_id: Some(tenant.clone()),
            ..Default::default()
        })
        .await
        .map_err(fail)?;
    check(
        entries[0].target.as_deref() == Some(format!("oversight:outage:{}", created.id).as_str()),
        format!("{:?}", entries[0].target),
    )?;
    check(
        db.store.verify_audit().await.map_err(fail)?.is_intact(),
        "chain intact",
    )?;
    let in_tenant = db
        .store
        .oversight_records_in_tenant(&tenant, &["outage", "plan_status"])
        .await
        .map_err(fail)?;
    check(
        in_tenant
            .iter()
            .map(|r| r.kind.as_str())
            .collect::<Vec<_>>()
            == ["outage", "plan_status"],
        format!("{in_tenant:?}"),
    )
}

async fn oversight_imports_are_all_or_nothing(db: Db) -> TestResult {
    use kijun_store::assessment::Actor;
    use kijun_store::oversight::{RecordFilter, RecordWrite};
    let (tenant, org, svc) = oversight_service(&db).await?;
    let actor = Actor {
        id: Some("v1".into()),
        name: Some("提供者".into()),
    };
    let status = |item: &str, month: &str| {
        (
            String::new(),
            RecordWrite {
                filed_at: month.to_owned(),
                is_open: true,
                ref_id: Some(item.to_owned()),
                data: serde_json::json!({"item_id": item, "month": month, "status": "planned"}),
            },
        )
    };
    let entry = oversight_entry(&tenant, "oversight_records_imported");
    // The third row repeats the first: nothing is stored, nothing logged.
    let bad = [
        status("i1", "2026-04"),
        status("i1", "2026-05"),
        status("i1", "2026-04"),
    ];
    let result = db
        .store
        .create_oversight_records(
            &tenant,
            &svc,
            "plan_status",
            Some(&org),
            &bad,
            &actor,
            &entry,
            t0(),
        )
        .await;
    check(
        matches!(result, Err(StoreError::Conflict(_))),
        format!("{result:?}"),
    )?;
    check(
        db.store
            .oversight_records(&svc, "plan_status", &RecordFilter::default())
            .await
            .map_err(fail)?
            .is_empty(),
        "nothing stored",
    )?;
    check(actions_of(&db, &tenant).await?.is_empty(), "nothing logged")?;
    let good = [
        status("i1", "2026-04"),
        status("i1", "2026-05"),
        status("i2", "2026-04"),
    ];
    let ids = db
        .store
        .create_oversight_records(
            &tenant,
            &svc,
            "plan_status",
            Some(&org),
            &good,
            &actor,
            &entry,
            t0(),
        )
        .await
        .map_err(fail)?;
    check(ids.len() == 3, format!("{ids:?}"))?;
    let stored = db
        .store
        .oversight_records(&svc, "plan_status", &RecordFilter::default())
        .await
        .map_err(fail)?;
    check(
        stored.len() == 3
            && stored.iter().all(|r| {
                r.organisation_id.as_deref() == Some(org.as_str())
                    && r.created_by.as_deref() == Some("v1")
            }),
        format!("{stored:?}"),
    )?;
    let entries = db
        .store
        .audit_entries(&AuditFilter {
            tenant_id: Some(tenant.clone()),
            ..Default::default()
        })
        .await
        .map_err(fail)?;
    check(
        entries.len() == 1
            && entries[0].action == "oversight_records_imported"
            && entries[0].details.contains("\"count\":3"),
        format!("{entries:?}"),
    )
}

async fn deliverable_versions_supersede_and_are_reviewed_once(db: Db) -> TestResult {
    use kijun_store::assessment::Actor;
    let (tenant, org, svc) = oversight_service(&db).await?;
    let vendor = Actor {
        id: Some("v1".into()),
        name: Some("提供者".into()),
    };
    let reviewer = Actor {
        id: Some("u1".into()),
        name: Some("審査 太郎".into()),
    };
    let d = db
        .store
        .put_deliverable(
            &tenant,
            &svc,
            "implementation_plan",
            "once",
            Some("2026-03-16"),
            true,
            "契約書別紙の期日",
            &oversight_entry(&tenant, "deliverable_updated"),
            t0(),
        )
        .await
        .map_err(fail)?;
    check(
        d.due_on.as_deref() == Some("2026-03-16") && d.required,
        format!("{d:?}"),
    )?;
    // Setting it again updates the same deliverable.
    let again = db
        .store
        .put_deliverable(
            &tenant,
            &svc,
            "implementation_plan",
            "once",
            None,
            true,
            "",
            &oversight_entry(&tenant, "deliverable_updated"),
            t0(),
        )
        .await
        .map_err(fail)?;
    check(
        again.id == d.id && again.due_on.is_none(),
        format!("{again:?}"),
    )?;
    let submit = |n: i64| {
        let store = db.store.clone();
        let (tenant, svc, org, vendor) = (tenant.clone(), svc.clone(), org.clone(), vendor.clone());
        async move {
            store
                .submit_deliverable_version(
                    &tenant,
                    &svc,
                    "implementation_plan",
                    "once",
                    Some(&org),
                    &serde_json::json!({"note": format!("第{n}版")}),
                    &vendor,
                    &oversight_entry(&tenant, "deliverable_submitted"),
                    t0() + n.hours(),
                )
                .await
        }
    };
    let v1 = submit(1).await.map_err(fail)?;
    let v2 = submit(2).await.map_err(fail)?;
    check(
        (v1.version, v2.version, v2.state.as_str()) == (1, 2, "submitted"),
        format!("{v1:?} {v2:?}"),
    )?;
    check(
        v2.submitted_by_name.as_deref() == Some("提供者"),
        "submitter",
    )?;
    let review = |n: i64, accept: bool| {
        let store = db.store.clone();
        let (tenant, did, reviewer) = (tenant.clone(), d.id.clone(), reviewer.clone());
        async move {
            store
                .review_deliverable_version(
                    &did,
                    n,
                    accept,
                    Some("確認しました"),
                    &reviewer,
                    &oversight_entry(&tenant, "deliverable_reviewed"),
                    t0() + 5.hours(),
                )
                .await
        }
    };
    check(
        review(1, true).await.map_err(fail)?.is_none(),
        "v1 was superseded",
    )?;
    let accepted = review(2, true)
        .await
        .map_err(fail)?
        .ok_or_else(|| fail("accepted"))?;
    check(
        accepted.state == "accepted"
            && accepted.reviewed_by.as_deref() == Some("u1")
            && accepted.reviewed_at == Some(t0() + 5.hours()),
        format!("{accepted:?}"),
    )?;
    let versions = db
        .store
        .deliverable_versions_of_service(&svc)
        .await
        .map_err(fail)?;
    check(
        versions
            .iter()
            .map(|v| v.state.as_str())
            .collect::<Vec<_>>()
            == ["superseded", "accepted"],
        format!("{versions:?}"),
    )?;
    // A new month's report creates its deliverable on submission.
    db.store
        .submit_deliverable_version(
            &tenant,
            &svc,
            "monthly_report",
            "2026-04",
            None,
            &serde_json::json!({"improvement_plan": "監視の強化"}),
            &reviewer,
            &oversight_entry(&tenant, "deliverable_submitted"),
            t0(),
        )
        .await
        .map_err(fail)?;
    let all = db
        .store
        .deliverables_in_tenant(&tenant)
        .await
        .map_err(fail)?;
    check(
        all.iter()
            .map(|d| (d.kind.as_str(), d.period.as_str(), d.due_on.is_none()))
            .collect::<Vec<_>>()
            == [
                ("implementation_plan", "once", true),
                ("monthly_report", "2026-04", true),
            ],
        format!("{all:?}"),
    )?;
    check(
        db.store
            .deliverable_versions_in_tenant(&tenant)
            .await
            .map_err(fail)?
            .len()
            == 3,
        "versions in tenant",
    )?;
    // SLA settings.
    check(
        db.store.sla_settings(&svc).await.map_err(fail)?.is_none(),
        "none yet",
    )?;
    let settings = serde_json::json!({"monthly_report_open_day": 5});
    db.store
        .put_sla_settings(
            &tenant,
            &svc,
            &settings,
            &reviewer,
            &oversight_entry(&tenant, "sla_settings_updated"),
            t0(),
        )
        .await
        .map_err(fail)?;
    check(
        db.store.sla_settings(&svc).await.map_err(fail)? == Some(settings.clone()),
        "stored",
    )?;
    check(
        db.store
            .sla_settings_in_tenant(&tenant)
            .await
            .map_err(fail)?
            == [(svc.clone(), settings)],
        "in tenant",
    )?;
    let actions = actions_of(&db, &tenant).await?;
    check(
        actions
            == [
                "deliverable_updated",
                "deliverable_updated",
                "deliverable_submitted",
                "deliverable_submitted",
                "deliverable_reviewed",
                "deliverable_submitted",
                "sla_settings_updated",
            ],
        format!("{actions:?}"),
    )?;
    check(
        db.store.verify_audit().await.map_err(fail)?.is_intact(),
        "chain intact",
    )
}

async fn termination_cases_walk_to_closure_one_guarded_transaction_each(db: Db) -> TestResult {
    use kijun_store::assessment::Actor;
    use kijun_store::termination::{CloseOutcome, ItemSubmission, NewTerminationItem};
    let f = evidence_fixture(&db).await?;
    let svc = db
        .store
        .create_service(
            &f.tenant,
            "電子申請",
            "申請",
            "情報政策課",
            None,
            None,
            &serde_json::json!({"profile": {}}),
            t0(),
        )
        .await
        .map_err(fail)?
        .id;
    let cert = db
        .store
        .put_evidence(
            &f.vault,
            &f.blobs,
            &f.tenant,
            &f.user,
            "消去証明書.pdf",
            "application/pdf",
            &pdf_bytes(3000),
            MAX_SIZE,
            t0(),
        )
        .await
        .map_err(fail)?;
    let reviewer = Actor {
        id: Some("u1".into()),
        name: Some("審査 太郎".into()),
    };
    let items: Vec<NewTerminationItem> = [("data_deletion", true), ("special_accounts", false)]
        .iter()
        .enumerate()
        .map(|(i, (kind, required))| NewTerminationItem {
            kind: (*kind).to_owned(),
            position: i64::try_from(i).unwrap_or(0) + 1,
            responsible: "provider".into(),
            required: *required,
            due_on: Some("2026-06-30".into()),
        })
        .collect();
    let c = db
        .store
        .open_termination_case(
            &f.tenant,
            &svc,
            "2026-04-01",
            "2026-06-30",
            "契約満了",
            &items,
            &reviewer,
            &oversight_entry(&f.tenant, "termination_opened"),
            t0(),
        )
        .await
        .map_err(fail)?;
    check(
        c.status == "open"
            && c.items.len() == 2
            && c.items[0].kind == "data_deletion"
            && c.items.iter().all(|i| i.state == "pending")
            && c.certificate.is_none(),
        format!("{c:?}"),
    )?;
    let second = db
        .store
        .open_termination_case(
            &f.tenant,
            &svc,
            "2026-04-02",
            "2026-07-31",
            "",
            &items,
            &reviewer,
            &oversight_entry(&f.tenant, "termination_opened"),
            t0(),
        )
        .await;
    check(
        matches!(second, Err(StoreError::Conflict(_))),
        format!("second open case: {second:?}"),
    )?;
    let close = |who: &'static str| {
        let reviewer = reviewer.clone();
        let entry = oversight_entry(&f.tenant, who);
        let store = db.store.clone();
        let id = c.id.clone();
        async move {
            store
                .close_termination_case(&id, &reviewer, &entry, t0())
                .await
        }
    };
    check(
        close("termination_closed").await.map_err(fail)? == CloseOutcome::NotReady,
        "closing with nothing signed off",
    )?;
    let submission = ItemSubmission {
        note: "全データを暗号化消去".into(),
        evidence_ids: vec![cert.id.clone()],
        due_on: Some("2026-07-15".into()),
        organisation_id: None,
    };
    let submitted_entry = oversight_entry(&f.tenant, "termination_item_submitted");
    let reviewed_entry = oversight_entry(&f.tenant, "termination_item_reviewed");
    let submit = |expected: &'static str| {
        db.store.submit_termination_item(
            &c.id,
            "data_deletion",
            expected,
            &submission,
            &reviewer,
            &submitted_entry,
            t0(),
        )
    };
    let s = submit("pending").await.map_err(fail)?;
    let item = s.as_ref().map(|c| c.items[0].clone());
    check(
        item.as_ref().is_some_and(|i| {
            i.state == "submitted"
                && i.evidence_ids == [cert.id.clone()]
                && i.due_on.as_deref() == Some("2026-07-15")
                && i.submitted_by_name.as_deref() == Some("審査 太郎")
        }),
        format!("{item:?}"),
    )?;
    // The guard: submitting again "from pending" changes nothing.
    check(
        submit("pending").await.map_err(fail)?.is_none(),
        "stale submit",
    )?;
    let review = |state: &'static str, comment: Option<&'static str>| {
        db.store.review_termination_item(
            &c.id,
            "data_deletion",
            state,
            comment,
            &reviewer,
            &reviewed_entry,
            t0(),
        )
    };
    let r = review("returned", Some("バックアップの削除が未記載"))
        .await
        .map_err(fail)?;
    check(
        r.as_ref().is_some_and(|c| {
            c.items[0].state == "returned"
                && c.items[0].review_comment.as_deref() == Some("バックアップの削除が未記載")
        }),
        format!("{r:?}"),
    )?;
    check(
        review("signed_off", None).await.map_err(fail)?.is_none(),
        "returned is not reviewable",
    )?;
    check(
        submit("returned").await.map_err(fail)?.is_some(),
        "resubmitted",
    )?;
    check(
        review("signed_off", None).await.map_err(fail)?.is_some(),
        "signed off",
    )?;
    // The optional item stays pending; the certificate is still missing.
    check(
        close("termination_closed").await.map_err(fail)? == CloseOutcome::NotReady,
        "closing without the certificate",
    )?;
    let with_cert = db
        .store
        .record_deletion_certificate(
            &c.id,
            &cert.id,
            &cert.filename,
            &cert.sha256,
            "2026-07-01",
            &reviewer,
            &oversight_entry(&f.tenant, "deletion_certificate_recorded"),
            t0(),
        )
        .await
        .map_err(fail)?;
    check(
        with_cert
            .as_ref()
            .and_then(|c| c.certificate.as_ref())
            .is_some_and(|k| {
                k.sha256 == cert.sha256
                    && k.filename == "消去証明書.pdf"
                    && k.issued_on == "2026-07-01"
            }),
        format!("{with_cert:?}"),
    )?;
    let closed = close("termination_closed").await.map_err(fail)?;
    let CloseOutcome::Closed(closed) = closed else {
        return Err(format!("not closed: {closed:?}").into());
    };
    check(
        closed.status == "closed" && closed.closed_at == Some(t0()),
        format!("{closed:?}"),
    )?;
    check(
        close("termination_closed").await.map_err(fail)? == CloseOutcome::NotOpen,
        "closed twice",
    )?;
    check(
        submit("signed_off").await.map_err(fail)?.is_none(),
        "closed case unchanged",
    )?;
    let history = db
        .store
        .termination_cases_of_service(&svc)
        .await
        .map_err(fail)?;
    check(
        history.len() == 1 && history[0].status == "closed" && history[0].items.len() == 2,
        format!("{history:?}"),
    )?;
    check(
        db.store
            .termination_cases_in_tenant(&f.tenant)
            .await
            .map_err(fail)?
            .len()
            == 1,
        "in tenant",
    )?;
    let actions = actions_of(&db, &f.tenant).await?;
    check(
        actions
            == [
                "termination_opened",
                "termination_item_submitted",
                "termination_item_reviewed",
                "termination_item_submitted",
                "termination_item_reviewed",
                "deletion_certificate_recorded",
                "termination_closed",
            ],
        format!("{actions:?}"),
    )?;
    check(
        db.store.verify_audit().await.map_err(fail)?.is_intact(),
        "chain intact",
    )
}

const TESTS: &[(&str, TestFn)] = &[
    ("migrations_are_applied_once", |db| {
        Box::pin(migrations_are_applied_once(db))
    }),
    ("tenants_are_created_and_slugs_are_unique", |db| {
        Box::pin(tenants_are_created_and_slugs_are_unique(db))
    }),
    ("audit_entries_chain_per_tenant_and_filter_by_time", |db| {
        Box::pin(audit_entries_chain_per_tenant_and_filter_by_time(db))
    }),
    ("audit_log_is_append_only_in_the_database", |db| {
        Box::pin(audit_log_is_append_only_in_the_database(db))
    }),
    ("verify_reports_a_modified_entry", |db| {
        Box::pin(verify_reports_a_modified_entry(db))
    }),
    ("verify_reports_a_deleted_entry", |db| {
        Box::pin(verify_reports_a_deleted_entry(db))
    }),
    ("verify_reports_reordered_entries", |db| {
        Box::pin(verify_reports_reordered_entries(db))
    }),
    ("verify_reports_a_deleted_tail", |db| {
        Box::pin(verify_reports_a_deleted_tail(db))
    }),
    ("verify_reports_an_inserted_entry", |db| {
        Box::pin(verify_reports_an_inserted_entry(db))
    }),
    ("a_tampered_tenant_chain_leaves_other_chains_intact", |db| {
        Box::pin(a_tampered_tenant_chain_leaves_other_chains_intact(db))
    }),
    ("concurrent_appends_keep_one_unbroken_chain", |db| {
        Box::pin(concurrent_appends_keep_one_unbroken_chain(db))
    }),
    ("users_are_unique_and_keep_password_history", |db| {
        Box::pin(users_are_unique_and_keep_password_history(db))
    }),
    ("suspension_ends_sessions_and_tokens", |db| {
        Box::pin(suspension_ends_sessions_and_tokens(db))
    }),
    (
        "totp_steps_recovery_and_setup_tokens_are_single_use",
        |db| Box::pin(totp_steps_recovery_and_setup_tokens_are_single_use(db)),
    ),
    ("tenant_settings_are_upserted", |db| {
        Box::pin(tenant_settings_are_upserted(db))
    }),
    ("retention_pruning_keeps_the_chain_verifiable", |db| {
        Box::pin(retention_pruning_keeps_the_chain_verifiable(db))
    }),
    ("a_forged_checkpoint_is_detected", |db| {
        Box::pin(a_forged_checkpoint_is_detected(db))
    }),
    ("evidence_is_encrypted_at_rest_and_reads_back", |db| {
        Box::pin(evidence_is_encrypted_at_rest_and_reads_back(db))
    }),
    ("evidence_with_a_wrong_master_key_fails_closed", |db| {
        Box::pin(evidence_with_a_wrong_master_key_fails_closed(db))
    }),
    ("tampered_evidence_blobs_are_detected", |db| {
        Box::pin(tampered_evidence_blobs_are_detected(db))
    }),
    ("evidence_types_are_checked_by_content", |db| {
        Box::pin(evidence_types_are_checked_by_content(db))
    }),
    (
        "tenant_data_keys_are_created_once_and_differ_between_tenants",
        |db| Box::pin(tenant_data_keys_are_created_once_and_differ_between_tenants(db)),
    ),
    ("services_of_an_organisation_span_tenants", |db| {
        Box::pin(services_of_an_organisation_span_tenants(db))
    }),
    (
        "assessments_round_trip_and_concurrent_answers_keep_one_history",
        |db| Box::pin(assessments_round_trip_and_concurrent_answers_keep_one_history(db)),
    ),
    ("writers_of_an_assessment_lock_it_before_its_items", |db| {
        Box::pin(writers_of_an_assessment_lock_it_before_its_items(db))
    }),
    ("imported_answers_are_all_or_nothing_and_idempotent", |db| {
        Box::pin(imported_answers_are_all_or_nothing_and_idempotent(db))
    }),
    ("oversight_records_filter_update_delete_and_audit", |db| {
        Box::pin(oversight_records_filter_update_delete_and_audit(db))
    }),
    ("oversight_imports_are_all_or_nothing", |db| {
        Box::pin(oversight_imports_are_all_or_nothing(db))
    }),
    (
        "deliverable_versions_supersede_and_are_reviewed_once",
        |db| Box::pin(deliverable_versions_supersede_and_are_reviewed_once(db)),
    ),
    (
        "termination_cases_walk_to_closure_one_guarded_transaction_each",
        |db| Box::pin(termination_cases_walk_to_closure_one_guarded_transaction_each(db)),
    ),
    ("notifications_are_enqueued_once_per_dedupe_key", |db| {
        Box::pin(notifications_are_enqueued_once_per_dedupe_key(db))
    }),
    (
        "deliveries_are_claimed_by_one_worker_until_the_lease_ends",
        |db| {
            Box::pin(deliveries_are_claimed_by_one_worker_until_the_lease_ends(
                db,
            ))
        },
    ),
    ("attempts_are_logged_retried_and_given_up", |db| {
        Box::pin(attempts_are_logged_retried_and_given_up(db))
    }),
    (
        "notification_channels_are_tenant_scoped_and_audited",
        |db| Box::pin(notification_channels_are_tenant_scoped_and_audited(db)),
    ),
    (
        "monitor_probes_are_leased_and_open_one_outage_per_run",
        |db| Box::pin(monitor_probes_are_leased_and_open_one_outage_per_run(db)),
    ),
    ("every_table_is_tenant_data_or_shared", |db| {
        Box::pin(every_table_is_tenant_data_or_shared(db))
    }),
    ("a_purge_deletes_every_row_and_shreds_the_data_key", |db| {
        Box::pin(a_purge_deletes_every_row_and_shreds_the_data_key(db))
    }),
    (
        "a_tenant_imports_into_another_instance_as_it_was_exported",
        |db| {
            Box::pin(a_tenant_imports_into_another_instance_as_it_was_exported(
                db,
            ))
        },
    ),
];

// ---------------------------------------------------------------------------
// Harness

fn pg_admin_url() -> String {
    std::env::var("KIJUN_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Whether PostgreSQL answers at the admin URL.
fn postgres_available() -> Result<(), String> {
    runtime().block_on(async {
        let connect = sqlx::PgConnection::connect(&pg_admin_url());
        match tokio::time::timeout(std::time::Duration::from_secs(5), connect).await {
            Ok(Ok(c)) => {
                let _ = c.close().await;
                Ok(())
            }
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("timed out".into()),
        }
    })
}

fn run_sqlite(f: TestFn) -> TestResult {
    let dir = tempfile::tempdir().map_err(fail)?;
    let url = format!("sqlite://{}", dir.path().join("kijun.sqlite3").display());
    runtime().block_on(async {
        let store = Store::open(&url).await.map_err(fail)?;
        let result = f(Db {
            url,
            store: store.clone(),
        })
        .await;
        store.close().await;
        result
    })
}

fn run_postgres(f: TestFn) -> TestResult {
    runtime().block_on(async {
        let admin = pg_admin_url();
        let name = format!("kijun_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(&admin).await.map_err(fail)?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .map_err(fail)?;
        let base = admin
            .rsplit_once('/')
            .map_or(admin.as_str(), |(b, _)| b)
            .to_owned();
        let url = format!("{base}/{name}");
        let result = match Store::open(&url).await {
            Ok(store) => {
                let r = f(Db {
                    url,
                    store: store.clone(),
                })
                .await;
                store.close().await;
                r
            }
            Err(e) => Err(fail(e)),
        };
        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&mut conn)
        .await;
        result
    })
}

fn main() {
    let args = Arguments::from_args();
    let require = std::env::var("KIJUN_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    let pg = postgres_available();
    if let Err(e) = &pg {
        if require {
            eprintln!(
                "PostgreSQL is required (KIJUN_REQUIRE_POSTGRES=1) but unreachable at {}: {e}",
                pg_admin_url()
            );
        } else {
            eprintln!(
                "PostgreSQL unreachable at {} ({e}): the postgres::* tests below are skipped (shown as ignored)",
                pg_admin_url()
            );
        }
    }
    let mut trials = Vec::new();
    for (name, f) in TESTS {
        let f = *f;
        trials.push(Trial::test(format!("sqlite::{name}"), move || {
            run_sqlite(f)
        }));
        let skip = pg.is_err() && !require;
        let pg_err = pg.clone().err();
        trials.push(
            Trial::test(format!("postgres::{name}"), move || match &pg_err {
                Some(e) => Err(format!("PostgreSQL unreachable: {e}").into()),
                None => run_postgres(f),
            })
            .with_ignored_flag(skip),
        );
    }
    trials.push(Trial::test(
        "migration_files_match_between_backends",
        || {
            let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
            let list = |b: &str| -> Result<Vec<String>, Failed> {
                let mut names: Vec<String> = std::fs::read_dir(root.join(b))
                    .map_err(fail)?
                    .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
                    .collect();
                names.sort();
                Ok(names)
            };
            let (s, p) = (list("sqlite")?, list("postgres")?);
            let embedded: Vec<String> = kijun_store::db::MIGRATION_FILES
                .iter()
                .map(|s| s.to_string())
                .collect();
            check(s == p, format!("sqlite {s:?} vs postgres {p:?}"))?;
            check(
                s == embedded,
                format!("directory {s:?} vs embedded {embedded:?}"),
            )
        },
    ));
    libtest_mimic::run(&args, trials).exit();
}

// ---------------------------------------------------------------------------
// Notifications (kijun_store::notify)

use kijun_store::notify::{
    ChannelKind, ChannelUpdate, DeliveryStatus, LogFilter, NewChannel, NewDelivery,
    NewNotification, Outcome,
};

fn channel_audit(tenant: &str, action: &str) -> NewAuditEntry {
    NewAuditEntry {
        tenant_id: Some(tenant.to_owned()),
        action: action.into(),
        ..Default::default()
    }
}

fn alert<'a>(tenant: &'a str, key: &'a str, payload: &'a serde_json::Value) -> NewNotification<'a> {
    NewNotification {
        tenant_id: tenant,
        kind: "improvement_plan_required",
        subject: "【kijun】SLA 目標の未達",
        body: "稼働率が目標を下回りました。",
        payload,
        dedupe_key: key,
    }
}

fn email_to(address: &str) -> NewDelivery {
    NewDelivery {
        channel: ChannelKind::Email,
        channel_id: None,
        target: address.into(),
    }
}

async fn notifications_are_enqueued_once_per_dedupe_key(db: Db) -> TestResult {
    let a = db
        .store
        .create_tenant("city-a", "A市", t0())
        .await
        .map_err(fail)?;
    let b = db
        .store
        .create_tenant("city-b", "B市", t0())
        .await
        .map_err(fail)?;
    let payload = serde_json::json!({"service": "s1", "month": "2026-03"});
    let first = db
        .store
        .enqueue_notification(
            &alert(&a.id, "sla:s1:2026-03", &payload),
            &[email_to("a@example.lg.jp"), email_to("b@example.lg.jp")],
            t0(),
        )
        .await
        .map_err(fail)?;
    check(
        first.as_ref().is_some_and(|e| e.deliveries.len() == 2),
        format!("{first:?}"),
    )?;
    let again = db
        .store
        .enqueue_notification(
            &alert(&a.id, "sla:s1:2026-03", &payload),
            &[email_to("c@example.lg.jp")],
            t0() + 1.minutes(),
        )
        .await
        .map_err(fail)?;
    check(
        again.is_none(),
        format!("duplicate key enqueued: {again:?}"),
    )?;
    let other_tenant = db
        .store
        .enqueue_notification(
            &alert(&b.id, "sla:s1:2026-03", &payload),
            &[email_to("x@example.lg.jp")],
            t0(),
        )
        .await
        .map_err(fail)?;
    check(other_tenant.is_some(), "keys are per tenant")?;
    let due = db
        .store
        .due_deliveries(t0() + 1.minutes(), 100)
        .await
        .map_err(fail)?;
    check(due.len() == 3, format!("{due:?}"))?;
    let log = db
        .store
        .delivery_log(&a.id, &LogFilter::default())
        .await
        .map_err(fail)?;
    let targets: Vec<&str> = log.iter().map(|e| e.delivery.target.as_str()).collect();
    check(
        targets.len() == 2 && !targets.contains(&"c@example.lg.jp"),
        format!("{targets:?}"),
    )?;
    check(
        log.iter()
            .all(|e| e.subject == "【kijun】SLA 目標の未達" && e.history.is_empty()),
        "subject kept, no attempts yet",
    )
}

async fn deliveries_are_claimed_by_one_worker_until_the_lease_ends(db: Db) -> TestResult {
    let t = db
        .store
        .create_tenant("city-a", "A市", t0())
        .await
        .map_err(fail)?;
    let payload = serde_json::json!({});
    let targets: Vec<NewDelivery> = (0..40)
        .map(|i| email_to(&format!("u{i}@example.lg.jp")))
        .collect();
    db.store
        .enqueue_notification(&alert(&t.id, "k", &payload), &targets, t0())
        .await
        .map_err(fail)?;
    let now = t0() + 1.seconds();
    let lease = now + 5.minutes();
    // Four workers claim at once: no delivery goes to two of them.
    let (w1, w2, w3, w4) = tokio::join!(
        db.store.claim_deliveries(now, lease, 15),
        db.store.claim_deliveries(now, lease, 15),
        db.store.claim_deliveries(now, lease, 15),
        db.store.claim_deliveries(now, lease, 15),
    );
    let mut seen = std::collections::HashSet::new();
    let mut all = Vec::new();
    for w in [w1, w2, w3, w4] {
        let w = w.map_err(fail)?;
        check(w.len() <= 15, "limit")?;
        let tokens: std::collections::HashSet<&str> =
            w.iter().map(|c| c.claim_token.as_str()).collect();
        check(tokens.len() <= 1, "one token per claim")?;
        for c in &w {
            check(
                seen.insert(c.delivery.id.clone()),
                format!("{} claimed twice", c.delivery.id),
            )?;
            check(
                c.notification.kind == "improvement_plan_required",
                "notification joined",
            )?;
        }
        all.extend(w);
    }
    let rest = db
        .store
        .claim_deliveries(now, lease, 100)
        .await
        .map_err(fail)?;
    for c in &rest {
        check(seen.insert(c.delivery.id.clone()), "claimed twice")?;
    }
    check(
        all.len() + rest.len() == 40,
        format!("{} + {}", all.len(), rest.len()),
    )?;
    // Held until the lease ends: nothing is due, nothing can be claimed.
    check(
        db.store
            .due_deliveries(now + 1.minutes(), 100)
            .await
            .map_err(fail)?
            .is_empty(),
        "held deliveries are not due",
    )?;
    check(
        db.store
            .claim_deliveries(now + 1.minutes(), lease, 100)
            .await
            .map_err(fail)?
            .is_empty(),
        "held deliveries cannot be claimed",
    )?;
    // A worker that died: after the lease another claims it, and the
    // first one's late report is refused.
    let old = all
        .first()
        .cloned()
        .ok_or_else(|| fail("nothing claimed"))?;
    let after = lease + 1.seconds();
    let again = db
        .store
        .claim_deliveries(after, after + 5.minutes(), 100)
        .await
        .map_err(fail)?;
    check(again.len() == 40, format!("{}", again.len()))?;
    let mine = again
        .iter()
        .find(|c| c.delivery.id == old.delivery.id)
        .ok_or_else(|| fail("re-claimed"))?;
    check(mine.claim_token != old.claim_token, "a new claim token")?;
    check(
        !db.store
            .record_attempt(&old.delivery.id, &old.claim_token, Outcome::Sent, after)
            .await
            .map_err(fail)?,
        "a stale claim cannot record",
    )?;
    check(
        db.store
            .record_attempt(&mine.delivery.id, &mine.claim_token, Outcome::Sent, after)
            .await
            .map_err(fail)?,
        "the current claim records",
    )?;
    check(
        !db.store
            .record_attempt(&mine.delivery.id, &mine.claim_token, Outcome::Sent, after)
            .await
            .map_err(fail)?,
        "recorded once: the claim is released",
    )
}

async fn attempts_are_logged_retried_and_given_up(db: Db) -> TestResult {
    let t = db
        .store
        .create_tenant("city-a", "A市", t0())
        .await
        .map_err(fail)?;
    let payload = serde_json::json!({"n": 1});
    let e = db
        .store
        .enqueue_notification(
            &alert(&t.id, "k1", &payload),
            &[
                email_to("a@example.lg.jp"),
                NewDelivery {
                    channel: ChannelKind::Webhook,
                    channel_id: Some("w1".into()),
                    target: "w1".into(),
                },
            ],
            t0(),
        )
        .await
        .map_err(fail)?
        .ok_or_else(|| fail("enqueued"))?;
    let lease = |at: Timestamp| at + 5.minutes();
    let claimed = db
        .store
        .claim_deliveries(t0(), lease(t0()), 10)
        .await
        .map_err(fail)?;
    check(claimed.len() == 2, "both due")?;
    check(
        claimed[0].notification.payload == payload,
        "payload round trip",
    )?;
    for c in &claimed {
        let ok = db
            .store
            .record_attempt(
                &c.delivery.id,
                &c.claim_token,
                Outcome::Failed {
                    error: "HTTP 500",
                    retry_at: Some(t0() + 1.minutes()),
                },
                t0(),
            )
            .await
            .map_err(fail)?;
        check(ok, "recorded")?;
    }
    check(
        db.store
            .due_deliveries(t0() + 30.seconds(), 10)
            .await
            .map_err(fail)?
            .is_empty(),
        "not due before the backoff",
    )?;
    let retry = db
        .store
        .claim_deliveries(t0() + 1.minutes(), lease(t0() + 1.minutes()), 10)
        .await
        .map_err(fail)?;
    check(retry.len() == 2, "due after the backoff")?;
    check(
        retry.iter().all(|c| {
            c.delivery.attempts == 1
                && c.delivery.status == DeliveryStatus::Failed
                && c.delivery.last_error.as_deref() == Some("HTTP 500")
        }),
        format!("{retry:?}"),
    )?;
    let at = t0() + 1.minutes();
    for c in &retry {
        let outcome = match c.delivery.channel {
            ChannelKind::Email => Outcome::Sent,
            ChannelKind::Webhook => Outcome::Failed {
                error: "接続できません",
                retry_at: None,
            },
        };
        db.store
            .record_attempt(&c.delivery.id, &c.claim_token, outcome, at)
            .await
            .map_err(fail)?;
    }
    check(
        db.store
            .due_deliveries(t0() + 24.hours(), 10)
            .await
            .map_err(fail)?
            .is_empty(),
        "sent and given-up deliveries are never due",
    )?;
    let log = db
        .store
        .delivery_log(&t.id, &LogFilter::default())
        .await
        .map_err(fail)?;
    check(log.len() == 2, format!("{log:?}"))?;
    let email = log
        .iter()
        .find(|l| l.delivery.channel == ChannelKind::Email)
        .ok_or_else(|| fail("email in log"))?;
    check(
        email.delivery.status == DeliveryStatus::Sent
            && email.delivery.attempts == 2
            && email.delivery.sent_at == Some(at)
            && email.delivery.next_attempt_at.is_none()
            && email.delivery.notification_id == e.notification_id,
        format!("{email:?}"),
    )?;
    let history: Vec<(i64, bool, Option<&str>)> = email
        .history
        .iter()
        .map(|a| (a.attempt, a.ok, a.error.as_deref()))
        .collect();
    check(
        history == [(1, false, Some("HTTP 500")), (2, true, None)],
        format!("{history:?}"),
    )?;
    check(email.history[0].at == t0(), "attempt time kept")?;
    let webhook = log
        .iter()
        .find(|l| l.delivery.channel == ChannelKind::Webhook)
        .ok_or_else(|| fail("webhook in log"))?;
    check(
        webhook.delivery.status == DeliveryStatus::GaveUp && webhook.history.len() == 2,
        format!("{webhook:?}"),
    )?;
    // Filters.
    let only = |filter: LogFilter| {
        let store = db.store.clone();
        let tenant = t.id.clone();
        async move { store.delivery_log(&tenant, &filter).await }
    };
    let gave_up = only(LogFilter {
        status: Some(DeliveryStatus::GaveUp),
        ..Default::default()
    })
    .await
    .map_err(fail)?;
    check(
        gave_up.len() == 1 && gave_up[0].delivery.channel == ChannelKind::Webhook,
        "status filter",
    )?;
    let emails = only(LogFilter {
        channel: Some(ChannelKind::Email),
        ..Default::default()
    })
    .await
    .map_err(fail)?;
    check(
        emails.len() == 1 && emails[0].history.len() == 2,
        "channel filter keeps the history",
    )?;
    check(
        only(LogFilter {
            kind: Some("deliverable_missing".into()),
            ..Default::default()
        })
        .await
        .map_err(fail)?
        .is_empty(),
        "kind filter",
    )?;
    check(
        only(LogFilter {
            from: Some(t0() + 1.seconds()),
            ..Default::default()
        })
        .await
        .map_err(fail)?
        .is_empty(),
        "time filter",
    )?;
    check(
        only(LogFilter {
            limit: Some(1),
            ..Default::default()
        })
        .await
        .map_err(fail)?
        .len()
            == 1,
        "limit",
    )?;
    let other = db
        .store
        .create_tenant("city-b", "B市", t0())
        .await
        .map_err(fail)?;
    check(
        db.store
            .delivery_log(&other.id, &LogFilter::default())
            .await
            .map_err(fail)?
            .is_empty(),
        "another tenant's log is empty",
    )
}

async fn notification_channels_are_tenant_scoped_and_audited(db: Db) -> TestResult {
    let a = db
        .store
        .create_tenant("city-a", "A市", t0())
        .await
        .map_err(fail)?;
    let b = db
        .store
        .create_tenant("city-b", "B市", t0())
        .await
        .map_err(fail)?;
    let id = kijun_store::notify::new_id();
    let created = db
        .store
        .create_notification_channel(
            &NewChannel {
                id: id.clone(),
                tenant_id: a.id.clone(),
                channel: ChannelKind::Webhook,
                name: "監視基盤".into(),
                target: "https://hooks.example.jp/kijun".into(),
                secret: Some("v1.sealed".into()),
                kinds: vec!["improvement_plan_required".into()],
            },
            &channel_audit(&a.id, "notification_channel_created"),
            t0(),
        )
        .await
        .map_err(fail)?;
    check(
        created.wants("improvement_plan_required") && !created.wants("notice_too_late"),
        "kinds",
    )?;
    let listed = db.store.notification_channels(&a.id).await.map_err(fail)?;
    check(listed == [created.clone()], format!("{listed:?}"))?;
    check(
        db.store
            .notification_channels(&b.id)
            .await
            .map_err(fail)?
            .is_empty()
            && db
                .store
                .notification_channel(&b.id, &id)
                .await
                .map_err(fail)?
                .is_none(),
        "invisible from another tenant",
    )?;
    let update = ChannelUpdate {
        name: "監視基盤（本番）".into(),
        target: "https://hooks.example.jp/kijun2".into(),
        secret: None,
        kinds: vec![],
    };
    check(
        db.store
            .update_notification_channel(
                &b.id,
                &id,
                &update,
                &channel_audit(&b.id, "notification_channel_updated"),
                t0(),
            )
            .await
            .map_err(fail)?
            .is_none(),
        "another tenant cannot update",
    )?;
    let updated = db
        .store
        .update_notification_channel(
            &a.id,
            &id,
            &update,
            &channel_audit(&a.id, "notification_channel_updated"),
            t0() + 1.minutes(),
        )
        .await
        .map_err(fail)?
        .ok_or_else(|| fail("updated"))?;
    check(
        updated.secret.as_deref() == Some("v1.sealed")
            && updated.wants("notice_too_late")
            && updated.updated_at == t0() + 1.minutes(),
        "the secret is kept when not given; empty kinds take every kind",
    )?;
    let payload = serde_json::json!({});
    db.store
        .enqueue_notification(
            &alert(&a.id, "k", &payload),
            &[NewDelivery {
                channel: ChannelKind::Webhook,
                channel_id: Some(id.clone()),
                target: id.clone(),
            }],
            t0(),
        )
        .await
        .map_err(fail)?;
    check(
        !db.store
            .delete_notification_channel(
                &b.id,
                &id,
                &channel_audit(&b.id, "notification_channel_deleted"),
                t0(),
            )
            .await
            .map_err(fail)?,
        "another tenant cannot delete",
    )?;
    check(
        db.store
            .delete_notification_channel(
                &a.id,
                &id,
                &channel_audit(&a.id, "notification_channel_deleted"),
                t0() + 2.minutes(),
            )
            .await
            .map_err(fail)?,
        "deleted",
    )?;
    let log = db
        .store
        .delivery_log(&a.id, &LogFilter::default())
        .await
        .map_err(fail)?;
    check(
        log.len() == 1
            && log[0].delivery.status == DeliveryStatus::GaveUp
            && log[0].delivery.channel_id.as_deref() == Some(id.as_str()),
        format!("pending deliveries of a deleted channel are given up: {log:?}"),
    )?;
    let actions: Vec<String> = db
        .store
        .audit_entries(&AuditFilter {
            tenant_id: Some(a.id.clone()),
            ..Default::default()
        })
        .await
        .map_err(fail)?
        .into_iter()
        .map(|e| e.action)
        .collect();
    check(
        actions
            == [
                "notification_channel_created",
                "notification_channel_updated",
                "notification_channel_deleted",
            ],
        format!("{actions:?}"),
    )?;
    check(
        db.store
            .audit_entries(&AuditFilter {
                tenant_id: Some(b.id.clone()),
                ..Default::default()
            })
            .await
            .map_err(fail)?
            .is_empty(),
        "refused changes write no audit entry",
    )
}

// ---------------------------------------------------------------------------
// Availability monitoring

async fn monitor_probes_are_leased_and_open_one_outage_per_run(db: Db) -> TestResult {
    use kijun_store::monitoring::{OutageChange, ProbeRecorded, ProbeState};
    use kijun_store::oversight::RecordWrite;
    let t = db
        .store
        .create_tenant("a", "A市", t0())
        .await
        .map_err(fail)?;
    let svc = db
        .store
        .create_service(
            &t.id,
            "電子申請",
            "申請",
            "情報政策課",
            None,
            None,
            &serde_json::json!({"profile": {}}),
            t0(),
        )
        .await
        .map_err(fail)?;
    let settings =
        serde_json::json!({"url": "https://svc.example.jp/health", "interval_seconds": 60});
    let m = db
        .store
        .put_monitor(
            &t.id,
            &svc.id,
            &settings,
            t0(),
            &entry(Some(&t.id), "monitoring_updated"),
            t0(),
        )
        .await
        .map_err(fail)?;
    check(
        m.state == ProbeState::default() && m.settings == settings,
        format!("{m:?}"),
    )?;
    let lease = t0() + 5.minutes();
    // One claim gets it; a second one at the same time does not.
    let first = db
        .store
        .claim_due_monitors(t0(), lease, 10)
        .await
        .map_err(fail)?;
    let second = db
        .store
        .claim_due_monitors(t0(), lease, 10)
        .await
        .map_err(fail)?;
    check(
        first.len() == 1 && second.is_empty(),
        format!("{first:?} {second:?}"),
    )?;
    let token = first[0].claim_token.clone();
    let failing = ProbeState {
        consecutive_failures: 3,
        first_failure_at: Some(t0()),
        last_status: Some(500),
        last_error: Some("HTTP 500".into()),
        last_checked_at: Some(t0()),
        open_outage_id: None,
    };
    let write = RecordWrite {
        filed_at: kijun_store::time::format(t0()),
        is_open: true,
        ref_id: None,
        data: serde_json::json!({"start": t0(), "end": null, "justified": false, "major": false, "cause": "",
            "countermeasure": "", "permanent_fix": "", "detected_by": "monitoring", "description": "稼働監視"}),
    };
    let audit = entry(Some(&t.id), "oversight_record_created");
    let open = || OutageChange::Open {
        write: &write,
        audit: &audit,
    };
    // A wrong token writes nothing.
    let lost = db
        .store
        .record_probe(
            &svc.id,
            "not-the-token",
            &failing,
            t0() + 1.minute(),
            open(),
            t0(),
        )
        .await
        .map_err(fail)?;
    check(lost == ProbeRecorded::LeaseLost, format!("{lost:?}"))?;
    let stored = db
        .store
        .record_probe(&svc.id, &token, &failing, t0() + 1.minute(), open(), t0())
        .await
        .map_err(fail)?;
    let ProbeRecorded::Stored {
        opened: Some(outage_id),
        closed: false,
    } = stored
    else {
        return Err(format!("expected an opened outage: {stored:?}").into());
    };
    // The lease is released: claimable again once due; an instance that
    // still thinks nothing is open cannot open a second outage.
    let again = db
        .store
        .claim_due_monitors(t0() + 1.minute(), lease + 1.minute(), 10)
        .await
        .map_err(fail)?;
    check(
        again.len() == 1
            && again[0].monitor.state.open_outage_id.as_deref() == Some(outage_id.as_str()),
        format!("{again:?}"),
    )?;
    let twice = db
        .store
        .record_probe(
            &svc.id,
            &again[0].claim_token,
            &failing,
            t0() + 2.minutes(),
            open(),
            t0(),
        )
        .await
        .map_err(fail)?;
    check(
        twice == ProbeRecorded::LeaseLost,
        format!("second open refused: {twice:?}"),
    )?;
    let records = db
        .store
        .oversight_records(&svc.id, "outage", &Default::default())
        .await
        .map_err(fail)?;
    check(
        records.len() == 1 && records[0].is_open,
        format!("{records:?}"),
    )?;
    // The first success closes it at its time.
    let end = t0() + 3.minutes();
    let close_audit = entry(Some(&t.id), "oversight_record_updated");
    let up = ProbeState {
        last_status: Some(200),
        last_checked_at: Some(end),
        ..ProbeState::default()
    };
    let closed = db
        .store
        .record_probe(
            &svc.id,
            &again[0].claim_token,
            &up,
            end + 1.minute(),
            OutageChange::Close {
                outage_id: &outage_id,
                end,
                audit: &close_audit,
            },
            end,
        )
        .await
        .map_err(fail)?;
    check(
        closed
            == ProbeRecorded::Stored {
                opened: None,
                closed: true,
            },
        format!("{closed:?}"),
    )?;
    let o = db
        .store
        .oversight_record(&outage_id)
        .await
        .map_err(fail)?
        .ok_or_else(|| Failed::from("outage gone"))?;
    check(
        !o.is_open
            && o.data["end"] == serde_json::json!(end)
            && o.data["detected_by"] == "monitoring",
        format!("{o:?}"),
    )?;
    let m = db.store.monitor(&svc.id).await.map_err(fail)?;
    check(
        m.as_ref()
            .is_some_and(|m| m.state == up && m.next_probe_at == end + 1.minute()),
        format!("{m:?}"),
    )?;
    let actions: Vec<String> = db
        .store
        .audit_entries(&AuditFilter {
            tenant_id: Some(t.id.clone()),
            ..Default::default()
        })
        .await
        .map_err(fail)?
        .into_iter()
        .map(|e| e.action)
        .collect();
    check(
        actions
            .iter()
            .filter(|a| a.as_str() == "oversight_record_created")
            .count()
            == 1
            && actions.iter().any(|a| a == "oversight_record_updated")
            && actions.iter().any(|a| a == "monitoring_updated"),
        format!("{actions:?}"),
    )?;
    let deleted = db
        .store
        .delete_monitor(&svc.id, &entry(Some(&t.id), "monitoring_deleted"), end)
        .await
        .map_err(fail)?;
    let gone = db
        .store
        .delete_monitor(&svc.id, &entry(Some(&t.id), "monitoring_deleted"), end)
        .await
        .map_err(fail)?;
    check(deleted && !gone, "deleted once")
}

// ---------------------------------------------------------------------------
// Whole-tenant data (kijun_store::tenant_data)

use kijun_store::tenant_data::{self, PurgeBy};

async fn every_table_is_tenant_data_or_shared(db: Db) -> TestResult {
    let tables = db.store.table_names().await.map_err(fail)?;
    let known: Vec<&str> = tenant_data::TENANT_TABLES
        .iter()
        .map(|t| t.name)
        .chain(tenant_data::SHARED_TABLES.iter().map(|(n, _)| *n))
        .collect();
    let unlisted: Vec<&String> = tables
        .iter()
        .filter(|t| !known.contains(&t.as_str()))
        .collect();
    check(
        unlisted.is_empty(),
        format!(
            "tables neither tenant data nor shared (list them in tenant_data.rs): {unlisted:?}"
        ),
    )?;
    let missing: Vec<&&str> = known
        .iter()
        // audit_gate exists on SQLite only (PostgreSQL uses a setting).
        .filter(|k| **k != "audit_gate" && !tables.iter().any(|t| t == *k))
        .collect();
    check(
        missing.is_empty(),
        format!("listed but absent: {missing:?}"),
    )?;
    // Every scope and order is valid SQL on this backend.
    let counts = db.store.tenant_row_counts("none").await.map_err(fail)?;
    check(counts.iter().all(|(_, n)| *n == 0), format!("{counts:?}"))?;
    db.store.tenant_rows("none").await.map_err(fail)?;
    Ok(())
}

/// A tenant with a service, a vendor organisation, a user, an evidence
/// file and audit entries; and a second tenant beside it.
async fn lifecycle_fixture(
    db: &Db,
    f: &EvidenceFixture,
) -> Result<((String, String), evidence::EvidenceRecord), Failed> {
    let org = db
        .store
        .create_organisation("クラウド株式会社", "provider", t0())
        .await
        .map_err(fail)?;
    db.store
        .create_service(
            &f.tenant,
            "電子申請",
            "申請",
            "情報政策課",
            Some(&org.id),
            None,
            &serde_json::json!({"profile": {}}),
            t0(),
        )
        .await
        .map_err(fail)?;
    seed_chain(&db.store, Some(&f.tenant), 3).await?;
    let record = db
        .store
        .put_evidence(
            &f.vault,
            &f.blobs,
            &f.tenant,
            &f.user,
            "回答.csv",
            "text/csv",
            &csv_bytes(1000),
            MAX_SIZE,
            t0(),
        )
        .await
        .map_err(fail)?;
    let (other, other_user) = tenant_with_user(&db.store, "kashiwa").await?;
    seed_chain(&db.store, Some(&other), 2).await?;
    Ok(((other, other_user), record))
}

async fn a_purge_deletes_every_row_and_shreds_the_data_key(db: Db) -> TestResult {
    let f = evidence_fixture(&db).await?;
    let ((other, other_user), record) = lifecycle_fixture(&db, &f).await?;
    let other_before = db.store.tenant_row_counts(&other).await.map_err(fail)?;
    let before = db.store.tenant_row_counts(&f.tenant).await.map_err(fail)?;
    check(
        before.iter().filter(|(_, n)| *n > 0).count() >= 6,
        format!("fixture fills tables: {before:?}"),
    )?;
    // A copy of the blob kept elsewhere (an old backup, say).
    let path = f.blobs.path_of(&record.blob_key).map_err(fail)?;
    let copy = std::fs::read(&path).map_err(fail)?;
    let by = PurgeBy {
        actor_id: None,
        actor_name: "運用者 (CLI)".into(),
        details: serde_json::json!({"export": "waived"}),
    };
    let report = db
        .store
        .purge_tenant(&f.tenant, &f.blobs, &by, t0() + 1.hours())
        .await
        .map_err(fail)?;
    let after = db.store.tenant_row_counts(&f.tenant).await.map_err(fail)?;
    let left: Vec<_> = after.iter().filter(|(_, n)| *n > 0).collect();
    check(left.is_empty(), format!("rows left: {left:?}"))?;
    check(!path.exists(), "blob removed")?;
    check(
        db.store
            .tenant_key(&f.tenant)
            .await
            .map_err(fail)?
            .is_none(),
        "data key destroyed",
    )?;
    check(
        report.destroyed_key_id.as_deref() == Some(record.key_id.as_str()),
        format!("certificate names the key: {:?}", report.destroyed_key_id),
    )?;
    check(
        report.files.len() == 1 && report.files[0].sha256 == record.sha256,
        "certificate lists the file's SHA-256",
    )?;
    // The surviving copy cannot be read: put it back and try.
    f.blobs.put(&record.blob_key, copy).await.map_err(fail)?;
    let read = db.store.read_evidence(&f.vault, &f.blobs, &record).await;
    check(
        read.is_err(),
        "copied blob is undecryptable after the purge",
    )?;
    // Another tenant's data key cannot open it either.
    db.store
        .put_evidence(
            &f.vault,
            &f.blobs,
            &other,
            &other_user,
            "x.csv",
            "text/csv",
            &csv_bytes(100),
            MAX_SIZE,
            t0(),
        )
        .await
        .map_err(fail)?;
    let mut stolen = record.clone();
    stolen.tenant_id = other.clone();
    stolen.key_id = db
        .store
        .tenant_key(&other)
        .await
        .map_err(fail)?
        .map(|k| k.key_id)
        .unwrap_or_default();
    check(
        db.store
            .read_evidence(&f.vault, &f.blobs, &stolen)
            .await
            .is_err(),
        "another tenant's key does not open it",
    )?;
    // The other tenant is untouched but for the new evidence row.
    let other_after = db.store.tenant_row_counts(&other).await.map_err(fail)?;
    for ((t, a), (_, b)) in other_before.iter().zip(other_after.iter()) {
        if !["evidence", "tenant_keys"].contains(t) {
            check(a == b, format!("{t}: {a} → {b}"))?;
        }
    }
    // The certificate is in the system chain and every chain verifies.
    let system = db
        .store
        .audit_entries(&AuditFilter::default())
        .await
        .map_err(fail)?;
    check(
        system.iter().any(|e| {
            e.action == "tenant_purged"
                && serde_json::from_str::<serde_json::Value>(&e.details)
                    .is_ok_and(|d| d["destroyed_key_id"] == serde_json::json!(record.key_id))
        }),
        "certificate entry",
    )?;
    let v = db.store.verify_audit().await.map_err(fail)?;
    check(v.is_intact(), format!("{v:?}"))
}

async fn a_tenant_imports_into_another_instance_as_it_was_exported(db: Db) -> TestResult {
    let f = evidence_fixture(&db).await?;
    let (_, record) = lifecycle_fixture(&db, &f).await?;
    let rows = db.store.tenant_rows(&f.tenant).await.map_err(fail)?;
    let plain = db
        .store
        .read_evidence(&f.vault, &f.blobs, &record)
        .await
        .map_err(fail)?;
    // The other instance: its own database, master key and blob store.
    let dir = tempfile::tempdir().map_err(fail)?;
    let target = Store::open(&format!(
        "sqlite://{}",
        dir.path().join("k.sqlite3").display()
    ))
    .await
    .map_err(fail)?;
    let vault = Vault::new(&OTHER_MASTER_KEY);
    let blobs = FsBlobStore::new(dir.path().join("blobs"));
    let files = std::collections::HashMap::from([(record.id.clone(), plain.clone())]);
    // Round-trip the rows through their file form first.
    let mut parsed = rows.clone();
    for t in parsed.tables.iter_mut().chain(parsed.shared.iter_mut()) {
        *t = tenant_data::TableRows::from_jsonl(&t.table, t.columns.clone(), &t.to_jsonl())
            .map_err(fail)?;
    }
    check(parsed == rows, "JSON lines round trip")?;
    target
        .import_tenant(&parsed, &files, &vault, &blobs, t0())
        .await
        .map_err(fail)?;
    let again = target.tenant_rows(&f.tenant).await.map_err(fail)?;
    check(again == rows, "export of the import equals the export")?;
    let imported = target
        .evidence(&record.id)
        .await
        .map_err(fail)?
        .ok_or("evidence row")?;
    check(imported.key_id != record.key_id, "a new data key")?;
    let read = target
        .read_evidence(&vault, &blobs, &imported)
        .await
        .map_err(fail)?;
    check(read == plain, "file readable under the new master key")?;
    let v = target.verify_audit().await.map_err(fail)?;
    check(v.is_intact(), format!("imported chain verifies: {v:?}"))?;
    // A second import of the same tenant is refused and changes nothing.
    let counts = target.tenant_row_counts(&f.tenant).await.map_err(fail)?;
    let again = target
        .import_tenant(&parsed, &files, &vault, &blobs, t0())
        .await;
    check(
        matches!(again, Err(EvidenceError::Store(StoreError::Conflict(_)))),
        format!("{again:?}"),
    )?;
    check(
        target.tenant_row_counts(&f.tenant).await.map_err(fail)? == counts,
        "nothing written by the refused import",
    )?;
    // A file missing from the export fails the whole import.
    let empty = tempfile::tempdir().map_err(fail)?;
    let third = Store::open(&format!(
        "sqlite://{}",
        empty.path().join("k.sqlite3").display()
    ))
    .await
    .map_err(fail)?;
    let blobs3 = FsBlobStore::new(empty.path().join("blobs"));
    let missing = third
        .import_tenant(&parsed, &Default::default(), &vault, &blobs3, t0())
        .await;
    check(missing.is_err(), "missing file refused")?;
    check(
        third.tenants().await.map_err(fail)?.is_empty(),
        "nothing of the refused import stored",
    )?;
    target.close().await;
    third.close().await;
    Ok(())
}

//! Connecting to SQLite or PostgreSQL, running the embedded migrations, and
//! the one switch between backends: [`on_pool!`] runs the same query text on
//! whichever pool the [`Store`] holds.

use std::borrow::Cow;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::{AssertSqlSafe, SqlSafeStr};

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "データベースの URL `{0}` を解釈できません。sqlite://パス または postgres://… を指定してください (unsupported database URL)"
    )]
    UnsupportedUrl(String),
    #[error("データベースエラー: {0}")]
    Database(#[from] sqlx::Error),
    #[error("マイグレーションに失敗しました: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("保存されたデータが不正です: {0} (corrupt data)")]
    Corrupt(String),
    #[error("{0} は既に存在します (conflict)")]
    Conflict(String),
    #[error("取り込めません: {0} (import refused)")]
    Import(String),
}

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The store: a connection pool to one database.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) pool: Pool,
    /// SQLite's writers queue here (see [`Store::write_gate`]).
    write_gate: std::sync::Arc<tokio::sync::Mutex<()>>,
}

/// Held for the length of a write transaction on SQLite (nothing on
/// PostgreSQL); see [`Store::write_gate`].
pub(crate) struct WriteGate(#[allow(dead_code)] Option<tokio::sync::OwnedMutexGuard<()>>);

/// Runs `$body` with `$pool` bound to the store's pool, whichever backend it
/// is: the query text is the same, only the driver differs.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.pool {
            $crate::db::Pool::Sqlite($pool) => $body,
            $crate::db::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// Begins a write transaction on `$pool` (inside `on_pool!`) after taking
/// the store's write gate ([`Store::write_gate`]); evaluates to
/// `(gate, tx)`, and the gate must live as long as the transaction. Every
/// write transaction begins here; only read-only snapshots call
/// `pool.begin()` themselves.
macro_rules! begin_write {
    ($store:expr, $pool:ident) => {{
        let gate = $store.write_gate().await;
        (gate, $pool.begin().await?)
    }};
}
pub(crate) use begin_write;

struct EmbeddedMigration {
    version: i64,
    description: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

/// The migrations, one entry per version with the SQL of each backend.
const MIGRATIONS: &[EmbeddedMigration] = &[
    EmbeddedMigration {
        version: 1,
        description: "tenants and audit",
        sqlite: include_str!("../migrations/sqlite/0001_tenants_and_audit.sql"),
        postgres: include_str!("../migrations/postgres/0001_tenants_and_audit.sql"),
    },
    EmbeddedMigration {
        version: 2,
        description: "accounts",
        sqlite: include_str!("../migrations/sqlite/0002_accounts.sql"),
        postgres: include_str!("../migrations/postgres/0002_accounts.sql"),
    },
    EmbeddedMigration {
        version: 3,
        description: "audit retention",
        sqlite: include_str!("../migrations/sqlite/0003_audit_retention.sql"),
        postgres: include_str!("../migrations/postgres/0003_audit_retention.sql"),
    },
    EmbeddedMigration {
        version: 4,
        description: "services and assessments",
        sqlite: include_str!("../migrations/sqlite/0004_assessments.sql"),
        postgres: include_str!("../migrations/postgres/0004_assessments.sql"),
    },
    EmbeddedMigration {
        version: 5,
        description: "evidence",
        sqlite: include_str!("../migrations/sqlite/0005_evidence.sql"),
        postgres: include_str!("../migrations/postgres/0005_evidence.sql"),
    },
    EmbeddedMigration {
        version: 6,
        description: "assessment evidence",
        sqlite: include_str!("../migrations/sqlite/0006_assessment_evidence.sql"),
        postgres: include_str!("../migrations/postgres/0006_assessment_evidence.sql"),
    },
    EmbeddedMigration {
        version: 7,
        description: "answer library",
        sqlite: include_str!("../migrations/sqlite/0007_answer_library.sql"),
        postgres: include_str!("../migrations/postgres/0007_answer_library.sql"),
    },
    EmbeddedMigration {
        version: 8,
        description: "bigint positions",
        sqlite: include_str!("../migrations/sqlite/0008_bigint_positions.sql"),
        postgres: include_str!("../migrations/postgres/0008_bigint_positions.sql"),
    },
    EmbeddedMigration {
        version: 9,
        description: "oversight",
        sqlite: include_str!("../migrations/sqlite/0009_oversight.sql"),
        postgres: include_str!("../migrations/postgres/0009_oversight.sql"),
    },
    EmbeddedMigration {
        version: 10,
        description: "notifications",
        sqlite: include_str!("../migrations/sqlite/0010_notifications.sql"),
        postgres: include_str!("../migrations/postgres/0010_notifications.sql"),
    },
    EmbeddedMigration {
        version: 11,
        description: "monitoring",
        sqlite: include_str!("../migrations/sqlite/0011_monitoring.sql"),
        postgres: include_str!("../migrations/postgres/0011_monitoring.sql"),
    },
    EmbeddedMigration {
        version: 12,
        description: "termination",
        sqlite: include_str!("../migrations/sqlite/0012_termination.sql"),
        postgres: include_str!("../migrations/postgres/0012_termination.sql"),
    },
];

/// Every migration file name under `migrations/<backend>/` that the binary
/// embeds, for the test that the two sets match the directories.
pub const MIGRATION_FILES: &[&str] = &[
    "0001_tenants_and_audit.sql",
    "0002_accounts.sql",
    "0003_audit_retention.sql",
    "0004_assessments.sql",
    "0005_evidence.sql",
    "0006_assessment_evidence.sql",
    "0007_answer_library.sql",
    "0008_bigint_positions.sql",
    "0009_oversight.sql",
    "0010_notifications.sql",
    "0011_monitoring.sql",
    "0012_termination.sql",
];

fn migrator(backend: Backend) -> Migrator {
    let migrations = MIGRATIONS
        .iter()
        .map(|m| {
            let sql = match backend {
                Backend::Sqlite => m.sqlite,
                Backend::Postgres => m.postgres,
            };
            Migration::new(
                m.version,
                Cow::Borrowed(m.description),
                MigrationType::Simple,
                AssertSqlSafe(sql).into_sql_str(),
                false,
            )
        })
        .collect();
    Migrator::with_migrations(migrations)
}

impl Store {
    /// Connects to `url`: `sqlite://PATH` (created if missing; WAL, foreign
    /// keys on, busy timeout) or `postgres://…`. Does not migrate.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            // SQLite has one writer anyway, and each connection is a thread
            // with its own page cache and allocator arena: four serve two
            // cores at full speed while keeping memory low (measured with
            // `kijun bench`: 8 → 116 MB peak, 4 → 93 MB; docs/benchmarks.md).
            let pool = SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(options)
                .await?;
            Ok(Store {
                pool: Pool::Sqlite(pool),
                write_gate: Default::default(),
            })
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            Ok(Store {
                pool: Pool::Postgres(pool),
                write_gate: Default::default(),
            })
        } else {
            Err(StoreError::UnsupportedUrl(url.to_owned()))
        }
    }

    /// Taken before a write transaction begins (or a single-statement
    /// write runs) and held until it ends.
    ///
    /// SQLite has one writer at a time, and a connection that finds the
    /// database locked waits in SQLite's busy handler, which polls with
    /// sleeps of 1 ms growing to 100 ms: under concurrent writes most of
    /// the time went to those sleeps (`kijun bench` (d): 607 updates/s,
    /// p99 62 ms; with this gate about 1,000 updates/s; docs/benchmarks.md).
    /// Here the process's writers queue instead and each is woken the
    /// moment the one before it has committed. A session's periodic
    /// `last_seen_at` update outside the gate was enough to cost another
    /// writer 180 ms of sleeps, so single-statement writes take it too.
    /// Other processes (the CLI beside a running server) still meet the
    /// busy handler. PostgreSQL locks rows, so its writers do not queue
    /// here. Never take it twice in one call path: it is not reentrant.
    pub(crate) async fn write_gate(&self) -> WriteGate {
        match self.pool {
            Pool::Sqlite(_) => WriteGate(Some(self.write_gate.clone().lock_owned().await)),
            Pool::Postgres(_) => WriteGate(None),
        }
    }

    /// Opens (creating if needed) the SQLite database file `path`.
    pub async fn open_sqlite(path: &Path) -> Result<Store, StoreError> {
        Store::connect(&format!("sqlite://{}", path.display())).await
    }

    /// Connects and applies every pending migration.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        let store = Store::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Applies every pending migration (PostgreSQL takes an advisory lock, so
    /// several instances starting at once migrate exactly once).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let m = migrator(self.backend());
        match &self.pool {
            Pool::Sqlite(p) => m.run(p).await?,
            Pool::Postgres(p) => m.run(p).await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// A trivial round trip, for readiness checks.
    pub async fn ping(&self) -> Result<(), StoreError> {
        on_pool!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// The migration versions applied to this database, ascending.
    pub async fn applied_migrations(&self) -> Result<Vec<i64>, StoreError> {
        let versions: Vec<i64> = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT version FROM _sqlx_migrations WHERE success = TRUE ORDER BY version"
        )
        .fetch_all(pool)
        .await)?;
        Ok(versions)
    }

    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await);
    }
}

/// The latest migration version the binary knows.
pub fn latest_migration() -> i64 {
    MIGRATIONS.iter().map(|m| m.version).max().unwrap_or(0)
}

//! Connecting to the database and migrating it; instances that start together take turns.

use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, ExecResult,
    QueryResult, Statement,
};
use standoff_migration::{Migrator, MigratorTrait};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The database used when none is named: a SQLite file in the working directory.
pub const DEFAULT_URL: &str = "sqlite://standoff.db?mode=rwc";
/// Connections a pool opens at most, unless told otherwise.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 10;
/// Seconds to open a connection, unless told otherwise.
pub const DEFAULT_CONNECT_TIMEOUT_SECS: u64 = 3;
/// Seconds to wait for a pooled connection, unless told otherwise.
pub const DEFAULT_ACQUIRE_TIMEOUT_SECS: u64 = 3;

/// Where the data lives and how the pool behaves.
#[derive(clap::Args, Debug, Clone)]
pub struct DatabaseSettings {
    /// A SQLite file (created if missing) or a PostgreSQL URL.
    #[arg(long = "database-url", env = "DATABASE_URL", default_value = DEFAULT_URL, global = true)]
    pub url: String,
    /// Most connections the pool opens.
    #[arg(long, env = "STANDOFF_DB_MAX_CONNECTIONS", default_value_t = DEFAULT_MAX_CONNECTIONS, global = true)]
    pub max_connections: u32,
    /// Seconds to wait for a new database connection before failing.
    #[arg(long, env = "STANDOFF_DB_CONNECT_TIMEOUT_SECS", default_value_t = DEFAULT_CONNECT_TIMEOUT_SECS, global = true)]
    pub connect_timeout_secs: u64,
    /// Seconds a request waits for a pooled connection before failing: when the database is
    /// down, requests fail this fast instead of hanging.
    #[arg(long, env = "STANDOFF_DB_ACQUIRE_TIMEOUT_SECS", default_value_t = DEFAULT_ACQUIRE_TIMEOUT_SECS, global = true)]
    pub acquire_timeout_secs: u64,
}

impl DatabaseSettings {
    /// Settings for a given URL, with the default pool.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            connect_timeout_secs: DEFAULT_CONNECT_TIMEOUT_SECS,
            acquire_timeout_secs: DEFAULT_ACQUIRE_TIMEOUT_SECS,
        }
    }

    /// The file of a SQLite URL (`sqlite://path?mode=rwc`); `None` for other databases.
    pub fn sqlite_path(&self) -> Option<std::path::PathBuf> {
        let rest = self.url.strip_prefix("sqlite://")?;
        let path = rest.split('?').next().unwrap_or(rest);
        (!path.is_empty() && path != ":memory:").then(|| std::path::PathBuf::from(path))
    }

    /// The URL with any password replaced, for logs.
    pub fn redacted_url(&self) -> String {
        match (self.url.find("://"), self.url.rfind('@')) {
            (Some(scheme_end), Some(at)) if at > scheme_end => {
                let userinfo = &self.url[scheme_end + 3..at];
                match userinfo.split_once(':') {
                    Some((user, _)) => format!(
                        "{}{}:***{}",
                        &self.url[..scheme_end + 3],
                        user,
                        &self.url[at..]
                    ),
                    None => self.url.clone(),
                }
            }
            _ => self.url.clone(),
        }
    }
}

/// Counts the SQL statements run on a connection: how tests and benchmarks check that a page
/// costs the same number of statements whatever its size.
#[derive(Clone, Debug, Default)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    /// Statements run so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Opens the pool, counting statements; SQLite files switch to WAL so readers never wait for
/// a writer.
pub async fn connect(
    settings: &DatabaseSettings,
) -> Result<(DatabaseConnection, StatementCounter), DbErr> {
    let mut options = ConnectOptions::new(settings.url.clone());
    options
        .sqlx_logging(false)
        .max_connections(settings.max_connections.max(1))
        .connect_timeout(Duration::from_secs(settings.connect_timeout_secs.max(1)))
        .acquire_timeout(Duration::from_secs(settings.acquire_timeout_secs.max(1)));
    let mut db = Database::connect(options).await?;
    let counter = StatementCounter::default();
    let inner = counter.0.clone();
    db.set_metric_callback(move |info| {
        inner.fetch_add(1, Ordering::Relaxed);
        tracing::trace!(
            target: "standoff::sql",
            elapsed_us = info.elapsed.as_micros() as u64,
            failed = info.failed,
            sql = %info.statement.sql
        );
    });
    if db.get_database_backend() == DbBackend::Sqlite {
        db.execute_unprepared("PRAGMA journal_mode=WAL").await?;
    }
    Ok((db, counter))
}

/// Connects to a Standoff database that exists already, never making one: the CLI's token
/// commands, which would otherwise make an empty `standoff.db` wherever they were run and
/// print a token the service, reading its own database, rejects.
pub async fn connect_existing(
    settings: &DatabaseSettings,
) -> crate::CoreResult<(DatabaseConnection, StatementCounter)> {
    let url = &settings.url;
    let missing = || {
        crate::CoreError::NotFound(format!(
            "no Standoff database at {}; run `standoff serve` or `standoff migrate` first",
            settings.redacted_url()
        ))
    };
    // SQLite's `mode=rwc` creates a missing file; `mode=rw` opens only an existing one.
    let existing = DatabaseSettings {
        url: url.replace("mode=rwc", "mode=rw"),
        ..settings.clone()
    };
    let (db, counter) = connect(&existing).await.map_err(|_| missing())?;
    let manager = standoff_migration::SchemaManager::new(&db);
    if !manager.has_table("api_token").await? {
        return Err(missing());
    }
    Ok((db, counter))
}

/// A pool shared fairly: one request's statements run at most `permits` at a time, so a
/// query that asks for thirty aggregates at once (aliases) waits its turn instead of taking
/// every connection from the requests beside it.
#[derive(Clone, Debug)]
pub struct FairShare {
    db: DatabaseConnection,
    permits: Arc<tokio::sync::Semaphore>,
}

impl FairShare {
    /// `db` for one request, running at most `permits` statements at once.
    pub fn new(db: DatabaseConnection, permits: usize) -> Self {
        Self {
            db,
            permits: Arc::new(tokio::sync::Semaphore::new(permits.max(1))),
        }
    }

    /// The pool itself, for writes (which run one at a time anyway).
    pub fn pool(&self) -> &DatabaseConnection {
        &self.db
    }

    async fn turn(&self) -> Result<tokio::sync::SemaphorePermit<'_>, DbErr> {
        self.permits
            .acquire()
            .await
            .map_err(|_| DbErr::Custom("the request's statements were stopped".into()))
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for FairShare {
    fn get_database_backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        let _turn = self.turn().await?;
        self.db.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        let _turn = self.turn().await?;
        self.db.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        let _turn = self.turn().await?;
        self.db.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        let _turn = self.turn().await?;
        self.db.query_all_raw(stmt).await
    }
}

/// Advisory lock key that instances take in turn to migrate and seed ("STNDSET").
const SETUP_LOCK: i64 = 0x53_54_4e_44_53_45_54;

/// Holds PostgreSQL's session advisory lock for set-up on a connection of its own, so that
/// instances starting together take turns: the first migrates and seeds, the rest find the
/// work done. SQLite has nothing to hold (one file, one writer).
struct SetupLock(Option<sea_orm::sqlx::pool::PoolConnection<sea_orm::sqlx::Postgres>>);

impl SetupLock {
    async fn take(db: &DatabaseConnection) -> Result<Self, DbErr> {
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(Self(None));
        }
        let sql_err = |e: sea_orm::sqlx::Error| DbErr::Custom(format!("set-up lock: {e}"));
        let mut conn = db
            .get_postgres_connection_pool()
            .acquire()
            .await
            .map_err(sql_err)?;
        sea_orm::sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(SETUP_LOCK)
            .execute(&mut *conn)
            .await
            .map_err(sql_err)?;
        Ok(Self(Some(conn)))
    }

    /// Closing the connection ends its session, which releases the lock even if an unlock
    /// statement could not run.
    async fn release(self) {
        if let Some(conn) = self.0 {
            let _ = conn.close().await;
        }
    }
}

/// Runs set-up work (migrating, seeding an empty database) while holding the set-up lock, so
/// that of several instances starting together only one does it.
pub async fn during_setup<T, E: From<DbErr>>(
    db: &DatabaseConnection,
    work: impl Future<Output = Result<T, E>>,
) -> Result<T, E> {
    let lock = SetupLock::take(db).await?;
    let result = work.await;
    lock.release().await;
    result
}

/// Applies every pending migration and fills in what the rules compute for older rows; on
/// PostgreSQL, one instance at a time.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    during_setup(db, async {
        Migrator::up(db, None).await?;
        crate::order::backfill(db).await
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_stay_out_of_logs() {
        let s = DatabaseSettings::new("postgres://app:s3cret@db:5432/standoff");
        assert_eq!(s.redacted_url(), "postgres://app:***@db:5432/standoff");
        let s = DatabaseSettings::new("sqlite://standoff.db?mode=rwc");
        assert_eq!(s.redacted_url(), "sqlite://standoff.db?mode=rwc");
    }
}

//! Connecting to the database, migrating it and seeding it when empty.

use crate::config::DatabaseSettings;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};
use sea_orm::{EntityTrait, PaginatorTrait};
use standoff_migration::{Migrator, MigratorTrait};
use standoff_seeds::{LoadReport, SeedError};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

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

/// Applies every pending migration; on PostgreSQL, one instance at a time.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    let lock = SetupLock::take(db).await?;
    let result = Migrator::up(db, None).await;
    lock.release().await;
    result
}

/// Loads the bundled story when the database holds no actor yet; on PostgreSQL, one instance
/// at a time, so two starting together do not both seed.
pub async fn seed_if_empty(db: &DatabaseConnection) -> Result<Option<LoadReport>, SeedError> {
    let lock = SetupLock::take(db).await?;
    let result = async {
        if standoff_entities::actor::Entity::find().count(db).await? > 0 {
            return Ok(None);
        }
        let story = standoff_seeds::parse(standoff_seeds::CHICAGO_2025)?;
        standoff_seeds::load(db, &story).await.map(Some)
    }
    .await;
    lock.release().await;
    result
}

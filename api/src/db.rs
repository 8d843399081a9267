//! Connecting to the database, migrating it and seeding it when empty.

use crate::config::DatabaseSettings;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};
use sea_orm::{EntityTrait, PaginatorTrait};
use standoff_migration::{Migrator, MigratorTrait};
use standoff_seeds::{LoadReport, SeedError};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

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
    options.sqlx_logging(false);
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

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Loads the bundled story when the database holds no actor yet.
pub async fn seed_if_empty(db: &DatabaseConnection) -> Result<Option<LoadReport>, SeedError> {
    if standoff_entities::actor::Entity::find().count(db).await? > 0 {
        return Ok(None);
    }
    let story = standoff_seeds::parse(standoff_seeds::CHICAGO_2025)?;
    standoff_seeds::load(db, &story).await.map(Some)
}

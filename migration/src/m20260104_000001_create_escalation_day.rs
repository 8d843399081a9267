//! A daily roll-up of the escalation series: per UTC day and side, how many non-retracted
//! actions and their summed intensity. Triggers keep it in step with every insert, correction,
//! retraction and delete, so an unfiltered series over a million actions reads a few thousand
//! rows instead of aggregating the archive. Replaced by the span roll-up of
//! `m20261203_000001_escalation_spans`, which also keys each row by its last possible day.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const CREATE_TABLE: &str = "CREATE TABLE escalation_day (\
    day VARCHAR(10) NOT NULL, side VARCHAR(16) NOT NULL, \
    actions BIGINT NOT NULL, intensity_sum DOUBLE PRECISION NOT NULL, \
    PRIMARY KEY (day, side))";

const SQLITE_UP: &[&str] = &[
    CREATE_TABLE,
    "CREATE TRIGGER escalation_day_insert AFTER INSERT ON action WHEN NOT new.retracted BEGIN \
     INSERT INTO escalation_day (day, side, actions, intensity_sum) \
     SELECT substr(new.occurred_at, 1, 10), side, 1, new.intensity FROM actor WHERE id = new.actor_id \
     ON CONFLICT (day, side) DO UPDATE SET actions = actions + 1, \
     intensity_sum = intensity_sum + excluded.intensity_sum; END",
    "CREATE TRIGGER escalation_day_delete AFTER DELETE ON action WHEN NOT old.retracted BEGIN \
     UPDATE escalation_day SET actions = actions - 1, intensity_sum = intensity_sum - old.intensity \
     WHERE day = substr(old.occurred_at, 1, 10) \
     AND side = (SELECT side FROM actor WHERE id = old.actor_id); END",
    "CREATE TRIGGER escalation_day_update \
     AFTER UPDATE OF occurred_at, intensity, retracted, actor_id ON action BEGIN \
     UPDATE escalation_day SET actions = actions - 1, intensity_sum = intensity_sum - old.intensity \
     WHERE NOT old.retracted AND day = substr(old.occurred_at, 1, 10) \
     AND side = (SELECT side FROM actor WHERE id = old.actor_id); \
     INSERT INTO escalation_day (day, side, actions, intensity_sum) \
     SELECT substr(new.occurred_at, 1, 10), side, 1, new.intensity FROM actor \
     WHERE id = new.actor_id AND NOT new.retracted \
     ON CONFLICT (day, side) DO UPDATE SET actions = actions + 1, \
     intensity_sum = intensity_sum + excluded.intensity_sum; END",
];

const POSTGRES_UP: &[&str] = &[
    CREATE_TABLE,
    "CREATE FUNCTION escalation_day_sync() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
       IF TG_OP IN ('UPDATE', 'DELETE') AND NOT OLD.retracted THEN \
         UPDATE escalation_day SET actions = actions - 1, \
           intensity_sum = intensity_sum - OLD.intensity \
         WHERE day = to_char(OLD.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') \
           AND side = (SELECT side FROM actor WHERE id = OLD.actor_id); \
       END IF; \
       IF TG_OP IN ('INSERT', 'UPDATE') AND NOT NEW.retracted THEN \
         INSERT INTO escalation_day (day, side, actions, intensity_sum) \
         SELECT to_char(NEW.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), side, 1, NEW.intensity \
         FROM actor WHERE id = NEW.actor_id \
         ON CONFLICT (day, side) DO UPDATE SET actions = escalation_day.actions + 1, \
           intensity_sum = escalation_day.intensity_sum + EXCLUDED.intensity_sum; \
       END IF; \
       RETURN NULL; \
     END $$",
    "CREATE TRIGGER escalation_day_sync \
     AFTER INSERT OR DELETE OR UPDATE OF occurred_at, intensity, retracted, actor_id ON action \
     FOR EACH ROW EXECUTE FUNCTION escalation_day_sync()",
];

/// What this roll-up held, computed from the actions themselves: how the table is filled.
fn rollup_from_actions(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => {
            "SELECT to_char(action.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, \
             actor.side AS side, COUNT(*) AS actions, SUM(action.intensity) AS intensity_sum \
             FROM action JOIN actor ON actor.id = action.actor_id WHERE NOT action.retracted \
             GROUP BY 1, 2"
        }
        _ => {
            "SELECT substr(action.occurred_at, 1, 10) AS day, actor.side AS side, \
             COUNT(*) AS actions, SUM(action.intensity) AS intensity_sum \
             FROM action JOIN actor ON actor.id = action.actor_id WHERE NOT action.retracted \
             GROUP BY 1, 2"
        }
    }
}

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS escalation_day_update",
    "DROP TRIGGER IF EXISTS escalation_day_delete",
    "DROP TRIGGER IF EXISTS escalation_day_insert",
    "DROP TABLE IF EXISTS escalation_day",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS escalation_day_sync ON action",
    "DROP FUNCTION IF EXISTS escalation_day_sync()",
    "DROP TABLE IF EXISTS escalation_day",
];

/// Runs SQL statements in order (also used by the migration that replaces this roll-up).
pub(crate) async fn run(manager: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    let db = manager.get_connection();
    for sql in statements {
        db.execute_unprepared(sql).await?;
    }
    Ok(())
}

/// Makes the per-day roll-up and fills it: this migration's step, and the undoing of the one
/// that replaces it.
pub(crate) async fn create(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    make(manager, SQLITE_UP, POSTGRES_UP, |backend| {
        format!(
            "INSERT INTO escalation_day (day, side, actions, intensity_sum) {}",
            rollup_from_actions(backend)
        )
    })
    .await
}

/// Makes a roll-up with the backend's statements, then fills it with what the actions recorded
/// before it already hold (`fill` gives that `INSERT` for the backend).
pub(crate) async fn make(
    manager: &SchemaManager<'_>,
    sqlite: &[&str],
    postgres: &[&str],
    fill: impl Fn(DbBackend) -> String,
) -> Result<(), DbErr> {
    let backend = manager.get_database_backend();
    match backend {
        DbBackend::Postgres => run(manager, postgres).await?,
        _ => run(manager, sqlite).await?,
    }
    manager
        .get_connection()
        .execute_unprepared(&fill(backend))
        .await?;
    Ok(())
}

/// Drops the per-day roll-up and its triggers.
pub(crate) async fn drop(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    match manager.get_database_backend() {
        DbBackend::Postgres => run(manager, POSTGRES_DOWN).await,
        _ => run(manager, SQLITE_DOWN).await,
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop(manager).await
    }
}

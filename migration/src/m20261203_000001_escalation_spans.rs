//! The escalation roll-up keyed by each action's first and last possible day: per pair of UTC
//! days and side, how many non-retracted actions and their summed intensity. With both days a
//! month-precision action is never pinned to its first day: the core places each row in the
//! finest bucket that holds its whole span. Triggers keep it in step with every insert,
//! correction (of either end of the date), retraction and delete.

use crate::m20260104_000001_create_escalation_day::{make, run};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The roll-up's table: `day` and `until_day` (`YYYY-MM-DD`), `side`, `actions`,
/// `intensity_sum`.
pub const ESCALATION_SPAN_TABLE: &str = "escalation_span";

const CREATE_TABLE: &str = "CREATE TABLE escalation_span (\
    day VARCHAR(10) NOT NULL, until_day VARCHAR(10) NOT NULL, side VARCHAR(16) NOT NULL, \
    actions BIGINT NOT NULL, intensity_sum DOUBLE PRECISION NOT NULL, \
    PRIMARY KEY (day, until_day, side))";

// A row written before dates had a latest instant has none until the core backfills it on
// start; until then its span is its first day, and the backfill's update moves it.
pub(crate) const SQLITE_UP: &[&str] = &[
    CREATE_TABLE,
    "CREATE TRIGGER escalation_span_insert AFTER INSERT ON action WHEN NOT new.retracted BEGIN \
     INSERT INTO escalation_span (day, until_day, side, actions, intensity_sum) \
     SELECT substr(new.occurred_at, 1, 10), \
       substr(coalesce(new.occurred_until, new.occurred_at), 1, 10), side, 1, new.intensity \
     FROM actor WHERE id = new.actor_id \
     ON CONFLICT (day, until_day, side) DO UPDATE SET actions = actions + 1, \
     intensity_sum = intensity_sum + excluded.intensity_sum; END",
    "CREATE TRIGGER escalation_span_delete AFTER DELETE ON action WHEN NOT old.retracted BEGIN \
     UPDATE escalation_span SET actions = actions - 1, intensity_sum = intensity_sum - old.intensity \
     WHERE day = substr(old.occurred_at, 1, 10) \
     AND until_day = substr(coalesce(old.occurred_until, old.occurred_at), 1, 10) \
     AND side = (SELECT side FROM actor WHERE id = old.actor_id); END",
    "CREATE TRIGGER escalation_span_update \
     AFTER UPDATE OF occurred_at, occurred_until, intensity, retracted, actor_id ON action BEGIN \
     UPDATE escalation_span SET actions = actions - 1, intensity_sum = intensity_sum - old.intensity \
     WHERE NOT old.retracted AND day = substr(old.occurred_at, 1, 10) \
     AND until_day = substr(coalesce(old.occurred_until, old.occurred_at), 1, 10) \
     AND side = (SELECT side FROM actor WHERE id = old.actor_id); \
     INSERT INTO escalation_span (day, until_day, side, actions, intensity_sum) \
     SELECT substr(new.occurred_at, 1, 10), \
       substr(coalesce(new.occurred_until, new.occurred_at), 1, 10), side, 1, new.intensity \
     FROM actor WHERE id = new.actor_id AND NOT new.retracted \
     ON CONFLICT (day, until_day, side) DO UPDATE SET actions = actions + 1, \
     intensity_sum = intensity_sum + excluded.intensity_sum; END",
];

pub(crate) const POSTGRES_UP: &[&str] = &[
    CREATE_TABLE,
    "CREATE FUNCTION escalation_span_sync() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
       IF TG_OP IN ('UPDATE', 'DELETE') AND NOT OLD.retracted THEN \
         UPDATE escalation_span SET actions = actions - 1, \
           intensity_sum = intensity_sum - OLD.intensity \
         WHERE day = to_char(OLD.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') \
           AND until_day = to_char(coalesce(OLD.occurred_until, OLD.occurred_at) \
             AT TIME ZONE 'UTC', 'YYYY-MM-DD') \
           AND side = (SELECT side FROM actor WHERE id = OLD.actor_id); \
       END IF; \
       IF TG_OP IN ('INSERT', 'UPDATE') AND NOT NEW.retracted THEN \
         INSERT INTO escalation_span (day, until_day, side, actions, intensity_sum) \
         SELECT to_char(NEW.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), \
           to_char(coalesce(NEW.occurred_until, NEW.occurred_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD'), \
           side, 1, NEW.intensity \
         FROM actor WHERE id = NEW.actor_id \
         ON CONFLICT (day, until_day, side) DO UPDATE SET actions = escalation_span.actions + 1, \
           intensity_sum = escalation_span.intensity_sum + EXCLUDED.intensity_sum; \
       END IF; \
       RETURN NULL; \
     END $$",
    "CREATE TRIGGER escalation_span_sync \
     AFTER INSERT OR DELETE OR UPDATE OF occurred_at, occurred_until, intensity, retracted, actor_id \
     ON action FOR EACH ROW EXECUTE FUNCTION escalation_span_sync()",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS escalation_span_update",
    "DROP TRIGGER IF EXISTS escalation_span_delete",
    "DROP TRIGGER IF EXISTS escalation_span_insert",
    "DROP TABLE IF EXISTS escalation_span",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS escalation_span_sync ON action",
    "DROP FUNCTION IF EXISTS escalation_span_sync()",
    "DROP TABLE IF EXISTS escalation_span",
];

/// What the roll-up must hold, computed from the actions themselves: how the table is filled
/// when it is made, and what `standoff check` compares it with.
pub fn rollup_from_actions(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => {
            "SELECT to_char(action.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, \
             to_char(coalesce(action.occurred_until, action.occurred_at) AT TIME ZONE 'UTC', \
               'YYYY-MM-DD') AS until_day, \
             actor.side AS side, COUNT(*) AS actions, SUM(action.intensity) AS intensity_sum \
             FROM action JOIN actor ON actor.id = action.actor_id WHERE NOT action.retracted \
             GROUP BY 1, 2, 3"
        }
        _ => {
            "SELECT substr(action.occurred_at, 1, 10) AS day, \
             substr(coalesce(action.occurred_until, action.occurred_at), 1, 10) AS until_day, \
             actor.side AS side, COUNT(*) AS actions, SUM(action.intensity) AS intensity_sum \
             FROM action JOIN actor ON actor.id = action.actor_id WHERE NOT action.retracted \
             GROUP BY 1, 2, 3"
        }
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::m20260104_000001_create_escalation_day::drop(manager).await?;
        make(manager, SQLITE_UP, POSTGRES_UP, |backend| {
            format!(
                "INSERT INTO escalation_span (day, until_day, side, actions, intensity_sum) {}",
                rollup_from_actions(backend)
            )
        })
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DbBackend::Postgres => run(manager, POSTGRES_DOWN).await?,
            _ => run(manager, SQLITE_DOWN).await?,
        }
        crate::m20260104_000001_create_escalation_day::create(manager).await
    }
}

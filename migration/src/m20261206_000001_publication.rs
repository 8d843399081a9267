//! Drafts and publication: each action has a publication state (only a published action is
//! public), when it is or was published, and who recorded, approved and published it; a story
//! may require a second editor's approval; each change says whether readers may know of it.
//! The escalation roll-up counts published actions only, so its triggers are made again.
//!
//! Existing actions were all public, so they become published, and existing changes public.

use crate::m20260104_000001_create_escalation_day::run;
use crate::m20261203_000001_escalation_spans as spans;
use crate::sizes;
use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Action {
    Table,
    Publication,
    PublishAt,
    RecordedBy,
    ApprovedBy,
    PublishedBy,
}

#[derive(DeriveIden)]
enum Story {
    Table,
    ReviewRequired,
}

#[derive(DeriveIden)]
enum Change {
    Table,
    Public,
}

/// The index the scheduler reads: scheduled actions by when they are due.
const DUE_INDEX: &str = "idx_action_publication_due";

fn len(size: usize) -> u32 {
    <u32 as std::convert::TryFrom<usize>>::try_from(size).unwrap_or(u32::MAX)
}

// The triggers have new names: SQLite through sqlx does not make a trigger again under a name
// dropped in the same migration.
const SQLITE_EARLIER_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS escalation_span_update",
    "DROP TRIGGER IF EXISTS escalation_span_delete",
    "DROP TRIGGER IF EXISTS escalation_span_insert",
];

const POSTGRES_EARLIER_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS escalation_span_sync ON action",
    "DROP FUNCTION IF EXISTS escalation_span_sync()",
];

const SQLITE_TRIGGERS_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS escalation_published_update",
    "DROP TRIGGER IF EXISTS escalation_published_delete",
    "DROP TRIGGER IF EXISTS escalation_published_insert",
];

const POSTGRES_TRIGGERS_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS escalation_published_sync ON action",
    "DROP FUNCTION IF EXISTS escalation_published_sync()",
];

// The roll-up's triggers of the earlier migration, with "counted" now meaning neither
// retracted nor unpublished; a change of publication moves an action in or out.
const SQLITE_TRIGGERS: &[&str] = &[
    "CREATE TRIGGER escalation_published_insert AFTER INSERT ON action \
     WHEN NOT new.retracted AND new.publication = 'PUBLISHED' BEGIN \
     INSERT INTO escalation_span (day, until_day, side, actions, intensity_sum) \
     SELECT substr(new.occurred_at, 1, 10), \
       substr(coalesce(new.occurred_until, new.occurred_at), 1, 10), side, 1, new.intensity \
     FROM actor WHERE id = new.actor_id \
     ON CONFLICT (day, until_day, side) DO UPDATE SET actions = actions + 1, \
     intensity_sum = intensity_sum + excluded.intensity_sum; END",
    "CREATE TRIGGER escalation_published_delete AFTER DELETE ON action \
     WHEN NOT old.retracted AND old.publication = 'PUBLISHED' BEGIN \
     UPDATE escalation_span SET actions = actions - 1, intensity_sum = intensity_sum - old.intensity \
     WHERE day = substr(old.occurred_at, 1, 10) \
     AND until_day = substr(coalesce(old.occurred_until, old.occurred_at), 1, 10) \
     AND side = (SELECT side FROM actor WHERE id = old.actor_id); END",
    "CREATE TRIGGER escalation_published_update \
     AFTER UPDATE OF occurred_at, occurred_until, intensity, retracted, actor_id, publication \
     ON action BEGIN \
     UPDATE escalation_span SET actions = actions - 1, intensity_sum = intensity_sum - old.intensity \
     WHERE NOT old.retracted AND old.publication = 'PUBLISHED' \
     AND day = substr(old.occurred_at, 1, 10) \
     AND until_day = substr(coalesce(old.occurred_until, old.occurred_at), 1, 10) \
     AND side = (SELECT side FROM actor WHERE id = old.actor_id); \
     INSERT INTO escalation_span (day, until_day, side, actions, intensity_sum) \
     SELECT substr(new.occurred_at, 1, 10), \
       substr(coalesce(new.occurred_until, new.occurred_at), 1, 10), side, 1, new.intensity \
     FROM actor WHERE id = new.actor_id AND NOT new.retracted AND new.publication = 'PUBLISHED' \
     ON CONFLICT (day, until_day, side) DO UPDATE SET actions = actions + 1, \
     intensity_sum = intensity_sum + excluded.intensity_sum; END",
];

const POSTGRES_TRIGGERS: &[&str] = &[
    "CREATE FUNCTION escalation_published_sync() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
       IF TG_OP IN ('UPDATE', 'DELETE') AND NOT OLD.retracted \
         AND OLD.publication = 'PUBLISHED' THEN \
         UPDATE escalation_span SET actions = actions - 1, \
           intensity_sum = intensity_sum - OLD.intensity \
         WHERE day = to_char(OLD.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') \
           AND until_day = to_char(coalesce(OLD.occurred_until, OLD.occurred_at) \
             AT TIME ZONE 'UTC', 'YYYY-MM-DD') \
           AND side = (SELECT side FROM actor WHERE id = OLD.actor_id); \
       END IF; \
       IF TG_OP IN ('INSERT', 'UPDATE') AND NOT NEW.retracted \
         AND NEW.publication = 'PUBLISHED' THEN \
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
    "CREATE TRIGGER escalation_published_sync \
     AFTER INSERT OR DELETE OR UPDATE OF occurred_at, occurred_until, intensity, retracted, \
       actor_id, publication \
     ON action FOR EACH ROW EXECUTE FUNCTION escalation_published_sync()",
];

/// What the roll-up must hold, computed from the published actions themselves: how it is
/// filled, and what `standoff check` compares it with.
pub fn rollup_from_actions(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => {
            "SELECT to_char(action.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, \
             to_char(coalesce(action.occurred_until, action.occurred_at) AT TIME ZONE 'UTC', \
               'YYYY-MM-DD') AS until_day, \
             actor.side AS side, COUNT(*) AS actions, SUM(action.intensity) AS intensity_sum \
             FROM action JOIN actor ON actor.id = action.actor_id \
             WHERE NOT action.retracted AND action.publication = 'PUBLISHED' \
             GROUP BY 1, 2, 3"
        }
        _ => {
            "SELECT substr(action.occurred_at, 1, 10) AS day, \
             substr(coalesce(action.occurred_until, action.occurred_at), 1, 10) AS until_day, \
             actor.side AS side, COUNT(*) AS actions, SUM(action.intensity) AS intensity_sum \
             FROM action JOIN actor ON actor.id = action.actor_id \
             WHERE NOT action.retracted AND action.publication = 'PUBLISHED' \
             GROUP BY 1, 2, 3"
        }
    }
}

async fn add(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    column: ColumnDef,
) -> Result<(), DbErr> {
    manager
        .alter_table(Table::alter().table(table).add_column(column).to_owned())
        .await
}

async fn remove(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    column: impl IntoIden,
) -> Result<(), DbErr> {
    manager
        .alter_table(Table::alter().table(table).drop_column(column).to_owned())
        .await
}

/// Drops the roll-up's triggers (`drop`), makes them again from `make`, and refills it.
async fn retrigger(
    manager: &SchemaManager<'_>,
    drop: [&[&str]; 2],
    make: [&[&str]; 2],
    fill: &str,
) -> Result<(), DbErr> {
    let [sqlite_drop, postgres_drop] = drop;
    let [sqlite, postgres] = make;
    match manager.get_database_backend() {
        DbBackend::Postgres => {
            run(manager, postgres_drop).await?;
            run(manager, postgres).await?;
        }
        _ => {
            run(manager, sqlite_drop).await?;
            run(manager, sqlite).await?;
        }
    }
    let db = manager.get_connection();
    db.execute_unprepared("DELETE FROM escalation_span").await?;
    db.execute_unprepared(&format!(
        "INSERT INTO escalation_span (day, until_day, side, actions, intensity_sum) {fill}"
    ))
    .await?;
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one column at a time.
        add(
            manager,
            Action::Table,
            string_len(Action::Publication, 16)
                .default("PUBLISHED")
                .to_owned(),
        )
        .await?;
        add(
            manager,
            Action::Table,
            timestamp_with_time_zone_null(Action::PublishAt),
        )
        .await?;
        for column in [Action::RecordedBy, Action::ApprovedBy, Action::PublishedBy] {
            add(
                manager,
                Action::Table,
                string_len_null(column, len(sizes::AUTHOR)),
            )
            .await?;
        }
        add(
            manager,
            Story::Table,
            boolean(Story::ReviewRequired).default(false).to_owned(),
        )
        .await?;
        add(
            manager,
            Change::Table,
            boolean(Change::Public).default(true).to_owned(),
        )
        .await?;
        manager
            .create_index(
                Index::create()
                    .name(DUE_INDEX)
                    .table(Action::Table)
                    .col(Action::Publication)
                    .col(Action::PublishAt)
                    .to_owned(),
            )
            .await?;
        let fill = rollup_from_actions(manager.get_database_backend());
        retrigger(
            manager,
            [SQLITE_EARLIER_DOWN, POSTGRES_EARLIER_DOWN],
            [SQLITE_TRIGGERS, POSTGRES_TRIGGERS],
            fill,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        // The earlier triggers, without the earlier migration's CREATE TABLE.
        retrigger(
            manager,
            [SQLITE_TRIGGERS_DOWN, POSTGRES_TRIGGERS_DOWN],
            [&spans::SQLITE_UP[1..], &spans::POSTGRES_UP[1..]],
            spans::rollup_from_actions(backend),
        )
        .await?;
        manager
            .drop_index(
                Index::drop()
                    .name(DUE_INDEX)
                    .table(Action::Table)
                    .to_owned(),
            )
            .await?;
        remove(manager, Change::Table, Change::Public).await?;
        remove(manager, Story::Table, Story::ReviewRequired).await?;
        for column in [
            Action::PublishedBy,
            Action::ApprovedBy,
            Action::RecordedBy,
            Action::PublishAt,
            Action::Publication,
        ] {
            remove(manager, Action::Table, column).await?;
        }
        Ok(())
    }
}

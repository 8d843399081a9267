//! The scheduler's index holds scheduled actions only. Over every action, keyed by publication
//! first, SQLite (which keeps no statistics unless asked) took `publication = 'PUBLISHED'` for
//! a narrow search and sorted a million published actions for each page of the timeline
//! instead of walking the order index: 9.6 s a page. A partial index cannot be chosen by a query
//! that does not ask for scheduled actions, and is a few rows in size.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The index's name, as the publication migration made it.
const DUE_INDEX: &str = "idx_action_publication_due";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(&format!("DROP INDEX IF EXISTS {DUE_INDEX}"))
            .await?;
        // The same statement on SQLite and PostgreSQL; sea-query's builder has no partial index
        // for SQLite.
        db.execute_unprepared(&format!(
            "CREATE INDEX IF NOT EXISTS {DUE_INDEX} ON action (publish_at) WHERE publication = 'SCHEDULED'"
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(&format!("DROP INDEX IF EXISTS {DUE_INDEX}"))
            .await?;
        db.execute_unprepared(&format!(
            "CREATE INDEX IF NOT EXISTS {DUE_INDEX} ON action (publication, publish_at)"
        ))
        .await?;
        Ok(())
    }
}

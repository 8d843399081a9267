//! A full-text index over each action's title, summary and quote: an FTS5 table kept in step
//! by triggers on SQLite, a GIN index over a `tsvector` expression on PostgreSQL.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The PostgreSQL text an action is searched by; a query must use this exact expression for
/// the planner to use the index.
pub const POSTGRES_DOCUMENT: &str = "to_tsvector('simple'::regconfig, \"action\".\"title\" || ' ' || \
     coalesce(\"action\".\"summary\", '') || ' ' || coalesce(\"action\".\"quote\", ''))";

/// The SQLite FTS5 table whose rowids are action ids.
pub const SQLITE_TABLE: &str = "action_search";

const SQLITE_UP: &[&str] = &[
    "CREATE VIRTUAL TABLE action_search USING fts5(title, summary, quote, \
     content='action', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER action_search_insert AFTER INSERT ON action BEGIN \
     INSERT INTO action_search(rowid, title, summary, quote) \
     VALUES (new.id, new.title, new.summary, new.quote); END",
    "CREATE TRIGGER action_search_delete AFTER DELETE ON action BEGIN \
     INSERT INTO action_search(action_search, rowid, title, summary, quote) \
     VALUES ('delete', old.id, old.title, old.summary, old.quote); END",
    "CREATE TRIGGER action_search_update AFTER UPDATE OF title, summary, quote ON action BEGIN \
     INSERT INTO action_search(action_search, rowid, title, summary, quote) \
     VALUES ('delete', old.id, old.title, old.summary, old.quote); \
     INSERT INTO action_search(rowid, title, summary, quote) \
     VALUES (new.id, new.title, new.summary, new.quote); END",
    // Actions recorded before this migration.
    "INSERT INTO action_search(action_search) VALUES ('rebuild')",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS action_search_update",
    "DROP TRIGGER IF EXISTS action_search_delete",
    "DROP TRIGGER IF EXISTS action_search_insert",
    "DROP TABLE IF EXISTS action_search",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(&format!(
                    "CREATE INDEX idx_action_search ON action USING GIN ({POSTGRES_DOCUMENT})"
                ))
                .await?;
            }
            _ => {
                for sql in SQLITE_UP {
                    db.execute_unprepared(sql).await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared("DROP INDEX IF EXISTS idx_action_search")
                    .await?;
            }
            _ => {
                for sql in SQLITE_DOWN {
                    db.execute_unprepared(sql).await?;
                }
            }
        }
        Ok(())
    }
}

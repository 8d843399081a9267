//! Reversible schema migrations for Standoff, portable across SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20260101_000001_create_core_tables;
mod m20260102_000001_create_api_token;
mod m20260103_000001_create_action_search;
mod m20260104_000001_create_escalation_day;
mod m20261201_000001_create_story;
mod m20261202_000001_known_dates_and_order;
mod m20261203_000001_escalation_spans;
mod m20261205_000001_story_periods;
mod m20261206_000001_publication;
mod m20261207_000001_partial_due_index;
pub mod sizes;

pub use m20260103_000001_create_action_search::{POSTGRES_DOCUMENT, SQLITE_TABLE};
pub use m20261203_000001_escalation_spans::ESCALATION_SPAN_TABLE;
pub use m20261206_000001_publication::rollup_from_actions;

/// Runs Standoff's migrations in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20260101_000001_create_core_tables::Migration),
            Box::new(m20260102_000001_create_api_token::Migration),
            Box::new(m20260103_000001_create_action_search::Migration),
            Box::new(m20260104_000001_create_escalation_day::Migration),
            Box::new(m20261201_000001_create_story::Migration),
            Box::new(m20261202_000001_known_dates_and_order::Migration),
            Box::new(m20261203_000001_escalation_spans::Migration),
            Box::new(m20261205_000001_story_periods::Migration),
            Box::new(m20261206_000001_publication::Migration),
            Box::new(m20261207_000001_partial_due_index::Migration),
        ]
    }
}

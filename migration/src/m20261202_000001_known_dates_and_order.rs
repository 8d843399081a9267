//! Dates as known and causal order: each action keeps the latest instant its date allows, its
//! date in EDTF, the source's wording of it, and a stored order key that puts every answer
//! after what it answers. The timeline indexes move from `occurred_at` to the order key.
//!
//! Existing rows get their values from the core on its next start (`standoff_core::order`),
//! where the rules live; the columns are nullable or defaulted until then.

use crate::sizes;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Action {
    Table,
    OccurredUntil,
    DateEdtf,
    DateText,
    OrderKey,
}

fn len(size: usize) -> u32 {
    <u32 as std::convert::TryFrom<usize>>::try_from(size).unwrap_or(u32::MAX)
}

/// The timeline indexes, each a filter column (or none) then the order: the names they had
/// under `occurred_at` and have under `order_key` (new names, as SQLite through sqlx would
/// not re-create a dropped name within one migration).
const ORDERED: [(&str, &str, Option<&str>); 5] = [
    ("idx_action_timeline", "idx_action_order", None),
    (
        "idx_action_actor",
        "idx_action_actor_order",
        Some("actor_id"),
    ),
    ("idx_action_kind", "idx_action_kind_order", Some("kind")),
    (
        "idx_action_category",
        "idx_action_category_order",
        Some("category"),
    ),
    (
        "idx_action_status",
        "idx_action_status_order",
        Some("status"),
    ),
];

/// The indexes of date ranges.
const RANGES: [(&str, &str); 2] = [
    ("idx_action_occurred", "occurred_at"),
    ("idx_action_occurred_until", "occurred_until"),
];

fn index(name: &str, columns: &[&str]) -> IndexCreateStatement {
    let mut stmt = Index::create()
        .name(name)
        .table(Alias::new("action"))
        .to_owned();
    for column in columns {
        stmt.col(Alias::new(*column));
    }
    stmt
}

async fn drop(manager: &SchemaManager<'_>, name: &str) -> Result<(), DbErr> {
    manager
        .drop_index(Index::drop().name(name).if_exists().to_owned())
        .await
}

/// Moves the timeline indexes from one order column to the other.
async fn reindex(manager: &SchemaManager<'_>, to_order_key: bool) -> Result<(), DbErr> {
    for (old, new, lead) in ORDERED {
        let (from, to, order) = if to_order_key {
            (old, new, "order_key")
        } else {
            (new, old, "occurred_at")
        };
        drop(manager, from).await?;
        let mut columns: Vec<&str> = lead.into_iter().collect();
        columns.extend([order, "id"]);
        manager.create_index(index(to, &columns)).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one column at a time.
        let columns = [
            timestamp_with_time_zone_null(Action::OccurredUntil),
            string_len_null(Action::DateEdtf, len(sizes::EDTF)),
            string_len_null(Action::DateText, len(sizes::DATE_TEXT)),
            big_integer(Action::OrderKey).default(0).to_owned(),
        ];
        for column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Action::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        reindex(manager, true).await?;
        // Date ranges ask "could it have happened by then" and "could it have happened since".
        for (name, column) in RANGES {
            manager.create_index(index(name, &[column])).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, _) in RANGES {
            drop(manager, name).await?;
        }
        reindex(manager, false).await?;
        for column in [
            Action::OrderKey,
            Action::DateText,
            Action::DateEdtf,
            Action::OccurredUntil,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Action::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

//! A story's periods: named spans of its timeline ("The DC deployment", "Talks"), kept as a
//! JSON list in the story's row because a story has a handful and they are always read with
//! it. TimelineJS shows them as eras.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Story {
    Table,
    Periods,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Story::Table)
                    .add_column(text(Story::Periods).default("[]"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Story::Table)
                    .drop_column(Story::Periods)
                    .to_owned(),
            )
            .await
    }
}

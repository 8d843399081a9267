//! Editor tokens: only their SHA-256 hash is stored; the token itself is shown once.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApiToken {
    Table,
    Id,
    Name,
    Role,
    Hash,
    CreatedAt,
    RevokedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiToken::Table)
                    .col(big_pk_auto(ApiToken::Id))
                    .col(string_len_uniq(ApiToken::Name, 100))
                    .col(string_len(ApiToken::Role, 24))
                    .col(string_len_uniq(ApiToken::Hash, 64))
                    .col(timestamp_with_time_zone(ApiToken::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiToken::RevokedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ApiToken::Table).to_owned())
            .await
    }
}

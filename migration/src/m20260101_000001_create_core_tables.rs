//! The feud's tables: actors, actions and their targets, responses, sources, citations and the
//! change log, with the indexes the timeline order and each filter need.

use crate::sizes;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Actor {
    Table,
    Id,
    Slug,
    Name,
    Kind,
    Side,
    Title,
    Party,
    MemberOfId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Action {
    Table,
    Id,
    Key,
    ActorId,
    Kind,
    Category,
    Status,
    OccurredAt,
    Precision,
    ReportedAt,
    Title,
    Summary,
    Quote,
    Place,
    Magnitude,
    Intensity,
    IntensityReason,
    Revision,
    Retracted,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ActionTarget {
    Table,
    ActionId,
    ActorId,
}

#[derive(DeriveIden)]
enum Response {
    Table,
    Id,
    ActionId,
    RespondsToId,
    Stance,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Source {
    Table,
    Id,
    Key,
    Url,
    Publisher,
    Title,
    PublishedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Citation {
    Table,
    Id,
    ActionId,
    SourceId,
    Excerpt,
}

#[derive(DeriveIden)]
enum Change {
    Table,
    Seq,
    Kind,
    Entity,
    EntityId,
    ActionId,
    At,
    Author,
    Note,
    Data,
}

/// A column length as the schema builder takes it.
fn len(size: usize) -> u32 {
    <u32 as std::convert::TryFrom<usize>>::try_from(size).unwrap_or(u32::MAX)
}

/// Enum columns hold the variant's upper-case name; 24 characters fit every vocabulary.
fn enum_col<T: IntoIden>(name: T) -> ColumnDef {
    string_len(name, 24)
}

fn enum_col_null<T: IntoIden>(name: T) -> ColumnDef {
    string_len_null(name, 24)
}

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Restrict)
        .take()
}

fn index(name: &str, table: impl IntoIden, cols: &[&'static str]) -> IndexCreateStatement {
    let mut stmt = Index::create().name(name).table(table).to_owned();
    for col in cols {
        stmt.col(Alias::new(*col));
    }
    stmt
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Actor::Table)
                    .col(big_pk_auto(Actor::Id))
                    .col(string_len_uniq(Actor::Slug, len(sizes::SLUG)))
                    .col(string_len(Actor::Name, len(sizes::NAME)))
                    .col(enum_col(Actor::Kind))
                    .col(enum_col(Actor::Side))
                    .col(string_len_null(Actor::Title, len(sizes::NAME)))
                    .col(string_len_null(Actor::Party, len(sizes::PARTY)))
                    .col(big_integer_null(Actor::MemberOfId))
                    .col(timestamp_with_time_zone(Actor::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_actor_member_of",
                        (Actor::Table, Actor::MemberOfId),
                        (Actor::Table, Actor::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Source::Table)
                    .col(big_pk_auto(Source::Id))
                    .col(string_len_null(Source::Key, len(sizes::SLUG)).unique_key())
                    .col(text_null(Source::Url))
                    .col(string_len_null(Source::Publisher, len(sizes::NAME)))
                    .col(text(Source::Title))
                    .col(timestamp_with_time_zone_null(Source::PublishedAt))
                    .col(timestamp_with_time_zone(Source::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Action::Table)
                    .col(big_pk_auto(Action::Id))
                    .col(string_len_null(Action::Key, len(sizes::SLUG)).unique_key())
                    .col(big_integer(Action::ActorId))
                    .col(enum_col(Action::Kind))
                    .col(enum_col_null(Action::Category))
                    .col(enum_col(Action::Status))
                    .col(timestamp_with_time_zone(Action::OccurredAt))
                    .col(enum_col(Action::Precision))
                    .col(timestamp_with_time_zone_null(Action::ReportedAt))
                    .col(text(Action::Title))
                    .col(text_null(Action::Summary))
                    .col(text_null(Action::Quote))
                    .col(string_len_null(Action::Place, len(sizes::NAME)))
                    .col(big_integer_null(Action::Magnitude))
                    .col(double(Action::Intensity))
                    .col(text_null(Action::IntensityReason))
                    .col(integer(Action::Revision).default(1))
                    .col(boolean(Action::Retracted).default(false))
                    .col(timestamp_with_time_zone(Action::CreatedAt))
                    .col(timestamp_with_time_zone(Action::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_action_actor",
                        (Action::Table, Action::ActorId),
                        (Actor::Table, Actor::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ActionTarget::Table)
                    .col(big_integer(ActionTarget::ActionId))
                    .col(big_integer(ActionTarget::ActorId))
                    .primary_key(
                        Index::create()
                            .col(ActionTarget::ActionId)
                            .col(ActionTarget::ActorId),
                    )
                    .foreign_key(&mut fk(
                        "fk_action_target_action",
                        (ActionTarget::Table, ActionTarget::ActionId),
                        (Action::Table, Action::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_action_target_actor",
                        (ActionTarget::Table, ActionTarget::ActorId),
                        (Actor::Table, Actor::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Response::Table)
                    .col(big_pk_auto(Response::Id))
                    .col(big_integer(Response::ActionId))
                    .col(big_integer(Response::RespondsToId))
                    .col(enum_col(Response::Stance))
                    .col(timestamp_with_time_zone(Response::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_response_action",
                        (Response::Table, Response::ActionId),
                        (Action::Table, Action::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_response_responds_to",
                        (Response::Table, Response::RespondsToId),
                        (Action::Table, Action::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Citation::Table)
                    .col(big_pk_auto(Citation::Id))
                    .col(big_integer(Citation::ActionId))
                    .col(big_integer(Citation::SourceId))
                    .col(text_null(Citation::Excerpt))
                    .foreign_key(&mut fk(
                        "fk_citation_action",
                        (Citation::Table, Citation::ActionId),
                        (Action::Table, Action::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_citation_source",
                        (Citation::Table, Citation::SourceId),
                        (Source::Table, Source::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Change::Table)
                    .col(big_pk_auto(Change::Seq))
                    .col(enum_col(Change::Kind))
                    .col(string_len(Change::Entity, 32))
                    .col(big_integer(Change::EntityId))
                    .col(big_integer_null(Change::ActionId))
                    .col(timestamp_with_time_zone(Change::At))
                    .col(string_len(Change::Author, len(sizes::AUTHOR)))
                    .col(text_null(Change::Note))
                    .col(json_null(Change::Data))
                    .to_owned(),
            )
            .await?;

        // Every foreign key is indexed, and the timeline order (occurred_at, id) leads the
        // indexes its filters use, so a filtered page is an index range scan.
        let indexes = [
            index("idx_actor_side", Actor::Table, &["side"]),
            index("idx_actor_member_of", Actor::Table, &["member_of_id"]),
            index("idx_action_timeline", Action::Table, &["occurred_at", "id"]),
            index(
                "idx_action_actor",
                Action::Table,
                &["actor_id", "occurred_at", "id"],
            ),
            index(
                "idx_action_kind",
                Action::Table,
                &["kind", "occurred_at", "id"],
            ),
            index(
                "idx_action_category",
                Action::Table,
                &["category", "occurred_at", "id"],
            ),
            index(
                "idx_action_status",
                Action::Table,
                &["status", "occurred_at", "id"],
            ),
            index(
                "idx_action_target_actor",
                ActionTarget::Table,
                &["actor_id", "action_id"],
            ),
            index(
                "idx_response_responds_to",
                Response::Table,
                &["responds_to_id"],
            ),
            index("idx_citation_action", Citation::Table, &["action_id"]),
            index("idx_citation_source", Citation::Table, &["source_id"]),
            index("idx_change_action", Change::Table, &["action_id"]),
            index("idx_change_entity", Change::Table, &["entity", "entity_id"]),
        ];
        for stmt in indexes {
            manager.create_index(stmt).await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("uq_response_pair")
                    .table(Response::Table)
                    .col(Response::ActionId)
                    .col(Response::RespondsToId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Dropping a table drops its indexes; children go before their parents.
        for table in [
            Change::Table.into_iden(),
            Citation::Table.into_iden(),
            Response::Table.into_iden(),
            ActionTarget::Table.into_iden(),
            Action::Table.into_iden(),
            Source::Table.into_iden(),
            Actor::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

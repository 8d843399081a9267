//! Stories: each feud a newsroom covers, with its own timeline; an action belongs to one or
//! more stories, actors and sources to none (they are shared). A database from before stories
//! gets one story holding every action it has, named from the bundled story file when its
//! actions are that file's.

use crate::sizes;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Story {
    Table,
    Id,
    Slug,
    Title,
    Summary,
    TimeZone,
    Locale,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum StoryAction {
    Table,
    StoryId,
    ActionId,
}

#[derive(DeriveIden)]
enum Action {
    Table,
    Id,
}

/// The bundled story file, whose `[story]` names the story existing actions are put in.
const BUNDLED: &str = include_str!("../../seeds/stories/chicago-2025.toml");

/// The story that existing actions go into: the bundled file's when one of their keys is in
/// it, otherwise a plain archive.
fn adopted(existing_keys: &[String]) -> (String, String, Option<String>, String, String) {
    let plain = || {
        (
            "archive".to_owned(),
            "Archive".to_owned(),
            None,
            "UTC".to_owned(),
            "en".to_owned(),
        )
    };
    let Ok(file) = BUNDLED.parse::<toml::Table>() else {
        return plain();
    };
    let keys: Vec<&str> = file
        .get("actions")
        .and_then(|a| a.as_array())
        .map(|actions| {
            actions
                .iter()
                .filter_map(|a| a.get("key").and_then(|k| k.as_str()))
                .collect()
        })
        .unwrap_or_default();
    let story = file.get("story").and_then(|s| s.as_table());
    let text = |name: &str| {
        story
            .and_then(|s| s.get(name))
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    match (text("slug"), text("title")) {
        (Some(slug), Some(title)) if existing_keys.iter().any(|k| keys.contains(&k.as_str())) => (
            slug,
            title,
            text("summary"),
            text("time_zone").unwrap_or_else(|| "UTC".to_owned()),
            text("locale").unwrap_or_else(|| "en".to_owned()),
        ),
        _ => plain(),
    }
}

fn len(size: usize) -> u32 {
    <u32 as std::convert::TryFrom<usize>>::try_from(size).unwrap_or(u32::MAX)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Story::Table)
                    .col(big_pk_auto(Story::Id))
                    .col(string_len_uniq(Story::Slug, len(sizes::SLUG)))
                    .col(text(Story::Title))
                    .col(text_null(Story::Summary))
                    .col(string_len(Story::TimeZone, len(sizes::TIME_ZONE)))
                    .col(string_len(Story::Locale, len(sizes::LOCALE)))
                    .col(timestamp_with_time_zone(Story::CreatedAt))
                    .col(timestamp_with_time_zone(Story::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StoryAction::Table)
                    .col(big_integer(StoryAction::StoryId))
                    .col(big_integer(StoryAction::ActionId))
                    .primary_key(
                        Index::create()
                            .col(StoryAction::StoryId)
                            .col(StoryAction::ActionId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_story_action_story")
                            .from(StoryAction::Table, StoryAction::StoryId)
                            .to(Story::Table, Story::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_story_action_action")
                            .from(StoryAction::Table, StoryAction::ActionId)
                            .to(Action::Table, Action::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        // The filter asks "is this action in one of these stories", by action.
        manager
            .create_index(
                Index::create()
                    .name("idx_story_action_action")
                    .table(StoryAction::Table)
                    .col(StoryAction::ActionId)
                    .col(StoryAction::StoryId)
                    .to_owned(),
            )
            .await?;

        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        let keys: Vec<String> = db
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT key FROM action WHERE key IS NOT NULL",
            ))
            .await?
            .iter()
            .filter_map(|row| row.try_get_by_index::<String>(0).ok())
            .collect();
        let any = db
            .query_one_raw(Statement::from_string(
                backend,
                "SELECT id FROM action LIMIT 1",
            ))
            .await?
            .is_some();
        if any {
            let (slug, title, summary, time_zone, locale) = adopted(&keys);
            let placeholders = match backend {
                DbBackend::Postgres => "$1, $2, $3, $4, $5",
                _ => "?, ?, ?, ?, ?",
            };
            db.execute_raw(Statement::from_sql_and_values(
                backend,
                format!(
                    "INSERT INTO story (slug, title, summary, time_zone, locale, \
                     created_at, updated_at) VALUES ({placeholders}, \
                     CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                [
                    slug.into(),
                    title.into(),
                    summary.into(),
                    time_zone.into(),
                    locale.into(),
                ],
            ))
            .await?;
            db.execute_unprepared(
                "INSERT INTO story_action (story_id, action_id) \
                 SELECT story.id, action.id FROM story, action",
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(StoryAction::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Story::Table).to_owned())
            .await
    }
}

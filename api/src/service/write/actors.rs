//! Creating actors and adding sources.

use super::check::{self, MAX_SHORT};
use super::{LogEntry, append};
use crate::service::feed::ChangeFeed;
use crate::service::tokens::Editor;
use crate::service::{ServiceError, ServiceResult};
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use standoff_entities::{ActorKind, ChangeKind, Side, actor, source};

/// A new actor as an editor describes it.
#[derive(Debug, Clone)]
pub struct NewActor {
    /// Unique, stable identifier.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Person, office, agency, ...
    pub kind: ActorKind,
    /// Level of government.
    pub side: Side,
    /// Title or office.
    pub title: Option<String>,
    /// Political party.
    pub party: Option<String>,
    /// Slug of the actor it belongs to.
    pub member_of: Option<String>,
}

/// A new source.
#[derive(Debug, Clone)]
pub struct NewSource {
    /// The document's title.
    pub title: String,
    /// Where it is published.
    pub url: Option<String>,
    /// Who published it.
    pub publisher: Option<String>,
    /// When.
    pub published_at: Option<DateTime<Utc>>,
}

/// Creates an actor; a slug already in use is CONFLICT.
pub async fn create_actor(
    db: &DatabaseConnection,
    feed: &ChangeFeed,
    editor: &Editor,
    input: NewActor,
) -> ServiceResult<actor::Model> {
    let slug = check::slug(&input.slug)?;
    let name = check::text("name", &input.name, MAX_SHORT)?;
    let title = check::optional_text("title", input.title.as_deref(), MAX_SHORT)?;
    let party = check::optional_text("party", input.party.as_deref(), MAX_SHORT)?;

    let txn = standoff_entities::change_log::begin_write(db).await?;
    let taken = actor::Entity::find()
        .filter(actor::Column::Slug.eq(&slug))
        .one(&txn)
        .await?;
    if taken.is_some() {
        return Err(ServiceError::Conflict(format!(
            "an actor has the slug {slug:?} already"
        )));
    }
    let member_of_id = match &input.member_of {
        Some(parent) => Some(
            actor::Entity::find()
                .filter(actor::Column::Slug.eq(parent))
                .one(&txn)
                .await?
                .ok_or_else(|| {
                    ServiceError::BadInput(format!("memberOf names unknown actor {parent:?}"))
                })?
                .id,
        ),
        None => None,
    };
    let model = actor::Entity::insert(actor::ActiveModel {
        slug: Set(slug.clone()),
        name: Set(name),
        kind: Set(input.kind),
        side: Set(input.side),
        title: Set(title),
        party: Set(party),
        member_of_id: Set(member_of_id),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .exec_with_returning(&txn)
    .await
    .map_err(|e| {
        ServiceError::from(e).conflict_on_unique(format!("an actor has the slug {slug:?} already"))
    })?;
    let seq = append(
        &txn,
        editor,
        LogEntry::about(ChangeKind::ActorCreated, "actor", model.id),
    )
    .await?;
    txn.commit().await?;
    feed.announce(seq);
    Ok(model)
}

/// Adds a source that actions can then cite.
pub async fn add_source(
    db: &DatabaseConnection,
    feed: &ChangeFeed,
    editor: &Editor,
    input: NewSource,
) -> ServiceResult<source::Model> {
    let title = check::text("title", &input.title, MAX_SHORT)?;
    let url = input.url.as_deref().map(check::url).transpose()?;
    let publisher = check::optional_text("publisher", input.publisher.as_deref(), MAX_SHORT)?;

    let txn = standoff_entities::change_log::begin_write(db).await?;
    let model = source::Entity::insert(source::ActiveModel {
        key: Set(None),
        url: Set(url),
        publisher: Set(publisher),
        title: Set(title),
        published_at: Set(input.published_at),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .exec_with_returning(&txn)
    .await?;
    let seq = append(
        &txn,
        editor,
        LogEntry::about(ChangeKind::SourceAdded, "source", model.id),
    )
    .await?;
    txn.commit().await?;
    feed.announce(seq);
    Ok(model)
}

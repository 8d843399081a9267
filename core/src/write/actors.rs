//! Creating actors and adding sources.

use super::{Changes, WriteTxn, Writer};
use crate::change_log::LogEntry;
use crate::check::{self, MAX_NAME, MAX_PARTY, MAX_SHORT};
use crate::public_id::{self, NodeType};
use crate::{CoreError, CoreResult};
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
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

impl NewActor {
    /// Checks what needs no database and tidies the texts.
    pub fn checked(self) -> CoreResult<Self> {
        let slug = check::slug("slug", &self.slug)?;
        if self.member_of.as_deref() == Some(slug.as_str()) {
            return Err(CoreError::BadInput(
                "an actor cannot be a member of itself".into(),
            ));
        }
        Ok(Self {
            name: check::text("name", &self.name, MAX_NAME)?,
            title: check::optional_text("title", self.title.as_deref(), MAX_NAME)?,
            party: check::optional_text("party", self.party.as_deref(), MAX_PARTY)?,
            member_of: self
                .member_of
                .as_deref()
                .map(|parent| check::slug("memberOf", parent))
                .transpose()?,
            slug,
            ..self
        })
    }
}

/// A new source.
#[derive(Debug, Clone)]
pub struct NewSource {
    /// A stable key given by an importer (a story file), so loading twice finds the same row.
    pub key: Option<String>,
    /// The document's title.
    pub title: String,
    /// Where it is published.
    pub url: Option<String>,
    /// Who published it.
    pub publisher: Option<String>,
    /// When.
    pub published_at: Option<DateTime<Utc>>,
}

impl NewSource {
    /// Checks what needs no database and tidies the texts.
    pub fn checked(self) -> CoreResult<Self> {
        Ok(Self {
            key: self
                .key
                .as_deref()
                .map(|k| check::slug("key", k))
                .transpose()?,
            title: check::text("title", &self.title, MAX_SHORT)?,
            url: self.url.as_deref().map(check::url).transpose()?,
            publisher: check::optional_text("publisher", self.publisher.as_deref(), MAX_NAME)?,
            published_at: check::optional_instant("publishedAt", self.published_at)?,
        })
    }
}

/// The actor a `memberOf` slug names; an unknown one is BAD_USER_INPUT.
async fn parent_id(txn: &WriteTxn, slug: &str) -> CoreResult<actor::Model> {
    actor::Entity::find()
        .filter(actor::Column::Slug.eq(slug))
        .one(txn.db())
        .await?
        .ok_or_else(|| CoreError::BadInput(format!("memberOf names unknown actor {slug:?}")))
}

/// Refuses to make actor `id` a member of `parent` when `parent` is `id` or belongs, however
/// indirectly, to it: membership is a tree. The walk is bounded by the number of actors.
async fn refuse_circle(txn: &WriteTxn, id: i64, parent: actor::Model) -> CoreResult<()> {
    let mut seen = std::collections::HashSet::new();
    let mut at = Some(parent);
    while let Some(actor) = at {
        if actor.id == id {
            return Err(CoreError::BadInput(format!(
                "an actor cannot be a member of {:?}, which belongs to it",
                actor.slug
            )));
        }
        if !seen.insert(actor.id) {
            break;
        }
        at = match actor.member_of_id {
            Some(up) => actor::Entity::find_by_id(up).one(txn.db()).await?,
            None => None,
        };
    }
    Ok(())
}

/// Creates an actor inside `txn`; a slug already in use is CONFLICT.
pub async fn create_actor_in(
    txn: &mut WriteTxn,
    author: &str,
    input: NewActor,
) -> CoreResult<actor::Model> {
    let input = input.checked()?;
    let slug = input.slug;
    let taken = actor::Entity::find()
        .filter(actor::Column::Slug.eq(&slug))
        .one(txn.db())
        .await?;
    if taken.is_some() {
        return Err(CoreError::Conflict(format!(
            "an actor has the slug {slug:?} already"
        )));
    }
    let member_of_id = match &input.member_of {
        Some(parent) => Some(parent_id(txn, parent).await?.id),
        None => None,
    };
    let model = actor::Entity::insert(actor::ActiveModel {
        slug: Set(slug.clone()),
        name: Set(input.name),
        kind: Set(input.kind),
        side: Set(input.side),
        title: Set(input.title),
        party: Set(input.party),
        member_of_id: Set(member_of_id),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .exec_with_returning(txn.db())
    .await
    .map_err(|e| {
        CoreError::from(e).conflict_on_unique(format!("an actor has the slug {slug:?} already"))
    })?;
    txn.append(
        author,
        LogEntry::about(ChangeKind::ActorCreated, "actor", model.id),
    )
    .await?;
    Ok(model)
}

/// Creates an actor in a transaction of its own.
pub async fn create_actor(writer: &Writer<'_>, input: NewActor) -> CoreResult<actor::Model> {
    let input = input.checked()?;
    let mut txn = writer.begin().await?;
    let model = create_actor_in(&mut txn, writer.author(), input).await?;
    writer.commit(txn).await?;
    Ok(model)
}

/// Adds a source inside `txn`; a key already in use is CONFLICT.
pub async fn add_source_in(
    txn: &mut WriteTxn,
    author: &str,
    input: NewSource,
) -> CoreResult<source::Model> {
    let input = input.checked()?;
    let key = input.key.clone();
    let model = source::Entity::insert(source::ActiveModel {
        key: Set(input.key),
        url: Set(input.url),
        publisher: Set(input.publisher),
        title: Set(input.title),
        published_at: Set(input.published_at),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .exec_with_returning(txn.db())
    .await
    .map_err(|e| {
        CoreError::from(e).conflict_on_unique(format!("a source has the key {key:?} already"))
    })?;
    txn.append(
        author,
        LogEntry::about(ChangeKind::SourceAdded, "source", model.id),
    )
    .await?;
    Ok(model)
}

/// Adds a source that actions can then cite, in a transaction of its own.
pub async fn add_source(writer: &Writer<'_>, input: NewSource) -> CoreResult<source::Model> {
    let input = input.checked()?;
    let mut txn = writer.begin().await?;
    let model = add_source_in(&mut txn, writer.author(), input).await?;
    writer.commit(txn).await?;
    Ok(model)
}

/// A correction to a shared actor, as a story file states it: each field given is set, each
/// left out is kept (a file never clears a field it does not mention).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActorCorrection {
    /// Display name.
    pub name: Option<String>,
    /// Person, office, agency, ...
    pub kind: Option<ActorKind>,
    /// Level of government.
    pub side: Option<Side>,
    /// Title or office.
    pub title: Option<String>,
    /// Political party.
    pub party: Option<String>,
    /// Slug of the actor it belongs to.
    pub member_of: Option<String>,
}

/// Corrects the actor `slug` inside `txn`, logging its old and new values with `note`.
pub async fn correct_actor_in(
    txn: &mut WriteTxn,
    author: &str,
    slug: &str,
    fix: ActorCorrection,
    note: &str,
) -> CoreResult<actor::Model> {
    let found = actor::Entity::find()
        .filter(actor::Column::Slug.eq(slug))
        .one(txn.db())
        .await?
        .ok_or_else(|| CoreError::NotFound(format!("no actor has the slug {slug:?}")))?;
    // The core's own checks on the corrected whole, as on a new actor.
    let whole = NewActor {
        slug: found.slug.clone(),
        name: fix.name.clone().unwrap_or_else(|| found.name.clone()),
        kind: fix.kind.unwrap_or(found.kind),
        side: fix.side.unwrap_or(found.side),
        title: fix.title.clone().or_else(|| found.title.clone()),
        party: fix.party.clone().or_else(|| found.party.clone()),
        member_of: fix.member_of.clone(),
    }
    .checked()?;
    let member_of_id = match &whole.member_of {
        Some(parent) => {
            let parent = parent_id(txn, parent).await?;
            let parent_id = parent.id;
            refuse_circle(txn, found.id, parent).await?;
            Some(parent_id)
        }
        None => found.member_of_id,
    };
    let mut changed = Changes::default();
    changed.field("name", json!(found.name), json!(whole.name));
    changed.field("kind", json!(found.kind), json!(whole.kind));
    changed.field("side", json!(found.side), json!(whole.side));
    changed.field("title", json!(found.title), json!(whole.title));
    changed.field("party", json!(found.party), json!(whole.party));
    let parent = |id: Option<i64>| id.map(|id| public_id::encode(NodeType::Actor, id));
    changed.field(
        "memberOf",
        json!(parent(found.member_of_id)),
        json!(parent(member_of_id)),
    );
    if changed.is_empty() {
        return Ok(found);
    }
    let model = actor::Entity::update(actor::ActiveModel {
        id: Set(found.id),
        name: Set(whole.name),
        kind: Set(whole.kind),
        side: Set(whole.side),
        title: Set(whole.title),
        party: Set(whole.party),
        member_of_id: Set(member_of_id),
        ..Default::default()
    })
    .exec(txn.db())
    .await?;
    let entry = changed.entry(
        ChangeKind::ActorCorrected,
        "actor",
        model.id,
        Some(note.into()),
    );
    txn.append(author, entry).await?;
    Ok(model)
}

/// A correction to a shared source, as a story file states it: each field given is set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceCorrection {
    /// The document's title.
    pub title: Option<String>,
    /// Where it is published.
    pub url: Option<String>,
    /// Who published it.
    pub publisher: Option<String>,
    /// When.
    pub published_at: Option<DateTime<Utc>>,
}

/// Corrects the source of `key` inside `txn`, logging its old and new values with `note`.
pub async fn correct_source_in(
    txn: &mut WriteTxn,
    author: &str,
    key: &str,
    fix: SourceCorrection,
    note: &str,
) -> CoreResult<source::Model> {
    let found = source::Entity::find()
        .filter(source::Column::Key.eq(key))
        .one(txn.db())
        .await?
        .ok_or_else(|| CoreError::NotFound(format!("no source has the key {key:?}")))?;
    let whole = NewSource {
        key: found.key.clone(),
        title: fix.title.unwrap_or_else(|| found.title.clone()),
        url: fix.url.or_else(|| found.url.clone()),
        publisher: fix.publisher.or_else(|| found.publisher.clone()),
        published_at: fix.published_at.or(found.published_at),
    }
    .checked()?;
    let mut changed = Changes::default();
    changed.field("title", json!(found.title), json!(whole.title));
    changed.field("url", json!(found.url), json!(whole.url));
    changed.field("publisher", json!(found.publisher), json!(whole.publisher));
    changed.field(
        "publishedAt",
        json!(found.published_at),
        json!(whole.published_at),
    );
    if changed.is_empty() {
        return Ok(found);
    }
    let model = source::Entity::update(source::ActiveModel {
        id: Set(found.id),
        title: Set(whole.title),
        url: Set(whole.url),
        publisher: Set(whole.publisher),
        published_at: Set(whole.published_at),
        ..Default::default()
    })
    .exec(txn.db())
    .await?;
    let entry = changed.entry(
        ChangeKind::SourceCorrected,
        "source",
        model.id,
        Some(note.into()),
    );
    txn.append(author, entry).await?;
    Ok(model)
}

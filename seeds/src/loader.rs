//! Writes a checked story into the database in one transaction.

use crate::file::{ActionRecord, parse_date};
use crate::{SeedError, Story};
use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};
use standoff_entities::{
    ChangeKind, action, action_target, actor, change, change_log, citation, response, source,
};
use std::collections::HashMap;

/// The change log's author for rows the loader writes.
const SEED_AUTHOR: &str = "seed";

/// Bound parameters per `IN (...)` lookup, well under SQLite's and PostgreSQL's limits.
const LOOKUP_CHUNK: usize = 500;

/// What a load did: how many records it created and how many it found already there.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LoadReport {
    /// Actors written by this load.
    pub actors_created: usize,
    /// Actors whose slug was already in the database.
    pub actors_existing: usize,
    /// Sources written by this load.
    pub sources_created: usize,
    /// Sources whose key was already in the database.
    pub sources_existing: usize,
    /// Actions written by this load.
    pub actions_created: usize,
    /// Actions whose key was already in the database.
    pub actions_existing: usize,
    /// Response links written by this load.
    pub responses_created: usize,
}

impl std::fmt::Display for LoadReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "created {} actors, {} sources, {} actions, {} responses; already present: {} actors, {} sources, {} actions",
            self.actors_created,
            self.sources_created,
            self.actions_created,
            self.responses_created,
            self.actors_existing,
            self.sources_existing,
            self.actions_existing
        )
    }
}

/// Loads a story in one transaction: everything or, on any error, nothing.
pub async fn load(db: &DatabaseConnection, story: &Story) -> Result<LoadReport, SeedError> {
    story.check()?;
    let txn = change_log::begin_write(db).await?;
    // One lock and one notification for the whole load (see `change_log`).
    change_log::lock_for_append(&txn).await?;
    let report = write_story(&txn, story).await?;
    let newest = change::Entity::find()
        .order_by_desc(change::Column::Seq)
        .one(&txn)
        .await?;
    if let Some(newest) = newest {
        change_log::notify_appended(&txn, newest.seq).await?;
    }
    txn.commit().await?;
    Ok(report)
}

async fn write_story<C: ConnectionTrait>(db: &C, story: &Story) -> Result<LoadReport, SeedError> {
    let mut report = LoadReport::default();
    let actor_ids = write_actors(db, story, &mut report).await?;
    let source_ids = write_sources(db, story, &mut report).await?;

    let keys: Vec<String> = story
        .actions
        .iter()
        .flat_map(|a| std::iter::once(&a.key).chain(a.responds_to.iter().map(|r| &r.action)))
        .cloned()
        .collect();
    let mut action_ids = existing_action_keys(db, &keys).await?;
    let mut created = Vec::new();
    for record in &story.actions {
        if action_ids.contains_key(&record.key) {
            report.actions_existing += 1;
            continue;
        }
        let id = write_action(db, record, &actor_ids, &source_ids).await?;
        action_ids.insert(record.key.clone(), id);
        created.push((id, record));
        report.actions_created += 1;
    }
    // Responses go last so that an action may answer one listed after it in the file.
    for (id, record) in created {
        for link in &record.responds_to {
            let answered = *action_ids.get(&link.action).ok_or_else(|| {
                SeedError::invalid(
                    format!("action {:?}", record.key),
                    format!("responds to unknown action {:?}", link.action),
                )
            })?;
            let now = Utc::now();
            let inserted = response::Entity::insert(response::ActiveModel {
                action_id: Set(id),
                responds_to_id: Set(answered),
                stance: Set(link.stance),
                created_at: Set(now),
                ..Default::default()
            })
            .exec(db)
            .await?;
            log_change(
                db,
                ChangeKind::Responded,
                "response",
                inserted.last_insert_id,
                Some(id),
            )
            .await?;
            report.responses_created += 1;
        }
    }
    Ok(report)
}

async fn write_actors<C: ConnectionTrait>(
    db: &C,
    story: &Story,
    report: &mut LoadReport,
) -> Result<HashMap<String, i64>, SeedError> {
    let mut slugs: Vec<String> = story.actors.iter().map(|a| a.slug.clone()).collect();
    for a in &story.actors {
        slugs.extend(a.member_of.iter().cloned());
    }
    for a in &story.actions {
        slugs.push(a.actor.clone());
        slugs.extend(a.targets.iter().cloned());
    }
    slugs.sort();
    slugs.dedup();
    let mut ids = HashMap::new();
    for chunk in slugs.chunks(LOOKUP_CHUNK) {
        let found = actor::Entity::find()
            .filter(actor::Column::Slug.is_in(chunk.iter().cloned()))
            .all(db)
            .await?;
        ids.extend(found.into_iter().map(|a| (a.slug, a.id)));
    }

    let mut created = Vec::new();
    for record in &story.actors {
        if ids.contains_key(&record.slug) {
            report.actors_existing += 1;
            continue;
        }
        let inserted = actor::Entity::insert(actor::ActiveModel {
            slug: Set(record.slug.clone()),
            name: Set(record.name.trim().to_owned()),
            kind: Set(record.kind),
            side: Set(record.side),
            title: Set(record.title.clone()),
            party: Set(record.party.clone()),
            member_of_id: Set(None),
            created_at: Set(Utc::now()),
            ..Default::default()
        })
        .exec(db)
        .await?;
        let id = inserted.last_insert_id;
        ids.insert(record.slug.clone(), id);
        log_change(db, ChangeKind::ActorCreated, "actor", id, None).await?;
        created.push((id, record));
        report.actors_created += 1;
    }
    // Membership is set once every actor exists, so the file's order does not matter.
    for (id, record) in created {
        let Some(parent) = &record.member_of else {
            continue;
        };
        let parent_id = *ids.get(parent).ok_or_else(|| {
            SeedError::invalid(
                format!("actor {:?}", record.slug),
                format!("member_of names unknown actor {parent:?}"),
            )
        })?;
        if parent_id == id {
            return Err(SeedError::invalid(
                format!("actor {:?}", record.slug),
                "an actor cannot be a member of itself",
            ));
        }
        actor::Entity::update(actor::ActiveModel {
            id: Set(id),
            member_of_id: Set(Some(parent_id)),
            ..Default::default()
        })
        .exec(db)
        .await?;
    }
    Ok(ids)
}

async fn write_sources<C: ConnectionTrait>(
    db: &C,
    story: &Story,
    report: &mut LoadReport,
) -> Result<HashMap<String, i64>, SeedError> {
    let mut keys: Vec<String> = story.sources.iter().map(|s| s.key.clone()).collect();
    for a in &story.actions {
        keys.extend(a.citations.iter().map(|c| c.source.clone()));
    }
    keys.sort();
    keys.dedup();
    let mut ids = HashMap::new();
    for chunk in keys.chunks(LOOKUP_CHUNK) {
        let found = source::Entity::find()
            .filter(source::Column::Key.is_in(chunk.iter().cloned()))
            .all(db)
            .await?;
        ids.extend(found.into_iter().filter_map(|s| Some((s.key?, s.id))));
    }
    for record in &story.sources {
        if ids.contains_key(&record.key) {
            report.sources_existing += 1;
            continue;
        }
        let published_at = match &record.published_at {
            Some(text) => Some(
                parse_date(text)
                    .map_err(|m| SeedError::invalid(format!("source {:?}", record.key), m))?
                    .at,
            ),
            None => None,
        };
        let inserted = source::Entity::insert(source::ActiveModel {
            key: Set(Some(record.key.clone())),
            url: Set(record.url.clone()),
            publisher: Set(record.publisher.clone()),
            title: Set(record.title.trim().to_owned()),
            published_at: Set(published_at),
            created_at: Set(Utc::now()),
            ..Default::default()
        })
        .exec(db)
        .await?;
        ids.insert(record.key.clone(), inserted.last_insert_id);
        log_change(
            db,
            ChangeKind::SourceAdded,
            "source",
            inserted.last_insert_id,
            None,
        )
        .await?;
        report.sources_created += 1;
    }
    Ok(ids)
}

async fn existing_action_keys<C: ConnectionTrait>(
    db: &C,
    keys: &[String],
) -> Result<HashMap<String, i64>, SeedError> {
    let mut keys = keys.to_vec();
    keys.sort();
    keys.dedup();
    let mut ids = HashMap::new();
    for chunk in keys.chunks(LOOKUP_CHUNK) {
        let found = action::Entity::find()
            .filter(action::Column::Key.is_in(chunk.iter().cloned()))
            .all(db)
            .await?;
        ids.extend(found.into_iter().filter_map(|a| Some((a.key?, a.id))));
    }
    Ok(ids)
}

async fn write_action<C: ConnectionTrait>(
    db: &C,
    record: &ActionRecord,
    actor_ids: &HashMap<String, i64>,
    source_ids: &HashMap<String, i64>,
) -> Result<i64, SeedError> {
    let name = format!("action {:?}", record.key);
    let known_actor = |slug: &String| {
        actor_ids
            .get(slug)
            .copied()
            .ok_or_else(|| SeedError::invalid(&name, format!("unknown actor slug {slug:?}")))
    };
    let actor_id = known_actor(&record.actor)?;
    let mut target_ids = Vec::new();
    for slug in &record.targets {
        let id = known_actor(slug)?;
        if !target_ids.contains(&id) {
            target_ids.push(id);
        }
    }
    let occurred = parse_date(&record.occurred_at).map_err(|m| SeedError::invalid(&name, m))?;
    let precision = record.precision.unwrap_or(occurred.precision);
    let reported_at = match &record.reported_at {
        Some(text) => Some(
            parse_date(text)
                .map_err(|m| SeedError::invalid(&name, m))?
                .at,
        ),
        None => None,
    };
    let intensity = record
        .intensity
        .or_else(|| record.category.map(|c| c.default_intensity()))
        .unwrap_or(0.0);
    let now = Utc::now();
    let inserted = action::Entity::insert(action::ActiveModel {
        key: Set(Some(record.key.clone())),
        actor_id: Set(actor_id),
        kind: Set(record.kind),
        category: Set(record.category),
        status: Set(record.status),
        occurred_at: Set(precision.truncate(occurred.at)),
        precision: Set(precision),
        reported_at: Set(reported_at),
        title: Set(record.title.trim().to_owned()),
        summary: Set(record.summary.clone()),
        quote: Set(record.quote.clone()),
        place: Set(record.place.clone()),
        magnitude: Set(record.magnitude),
        intensity: Set(intensity),
        intensity_reason: Set(record.intensity_reason.clone()),
        revision: Set(1),
        retracted: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(db)
    .await?;
    let id = inserted.last_insert_id;

    if !target_ids.is_empty() {
        action_target::Entity::insert_many(target_ids.into_iter().map(|actor_id| {
            action_target::ActiveModel {
                action_id: Set(id),
                actor_id: Set(actor_id),
            }
        }))
        .exec(db)
        .await?;
    }
    let mut citations = Vec::new();
    for c in &record.citations {
        let source_id = *source_ids.get(&c.source).ok_or_else(|| {
            SeedError::invalid(&name, format!("cites unknown source {:?}", c.source))
        })?;
        citations.push(citation::ActiveModel {
            action_id: Set(id),
            source_id: Set(source_id),
            excerpt: Set(c.excerpt.clone()),
            ..Default::default()
        });
    }
    citation::Entity::insert_many(citations).exec(db).await?;
    log_change(db, ChangeKind::Recorded, "action", id, Some(id)).await?;
    Ok(id)
}

async fn log_change<C: ConnectionTrait>(
    db: &C,
    kind: ChangeKind,
    entity: &str,
    entity_id: i64,
    action_id: Option<i64>,
) -> Result<(), SeedError> {
    change::Entity::insert(change::ActiveModel {
        kind: Set(kind),
        entity: Set(entity.to_owned()),
        entity_id: Set(entity_id),
        action_id: Set(action_id),
        at: Set(Utc::now()),
        author: Set(SEED_AUTHOR.to_owned()),
        note: Set(None),
        data: Set(None),
        ..Default::default()
    })
    .exec(db)
    .await?;
    Ok(())
}

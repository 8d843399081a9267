//! Writes a checked story into the database in one transaction, through the core's writes:
//! a story file is checked and logged by the same code as a mutation.

use crate::file::ActorRecord;
use crate::{SeedError, Story};
use sea_orm::DatabaseConnection;
use standoff_core::lookup;
use standoff_core::write::WriteTxn;
use standoff_core::write::actions::{record_action_in, record_response_in};
use standoff_core::write::actors::{add_source_in, create_actor_in};
use std::collections::HashMap;

/// The change log's author for rows the loader writes.
const SEED_AUTHOR: &str = "seed";

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
    let mut txn = WriteTxn::begin(db).await?;
    let report = write_story(&mut txn, story).await?;
    txn.commit(None).await?;
    Ok(report)
}

async fn write_story(txn: &mut WriteTxn, story: &Story) -> Result<LoadReport, SeedError> {
    let mut report = LoadReport::default();
    write_actors(txn, story, &mut report).await?;
    let source_ids = write_sources(txn, story, &mut report).await?;

    let keys: Vec<String> = story
        .actions
        .iter()
        .flat_map(|a| std::iter::once(&a.key).chain(a.responds_to.iter().map(|r| &r.action)))
        .cloned()
        .collect();
    let mut action_ids = lookup::action_ids_by_key(txn.db(), &keys).await?;
    let mut created = Vec::new();
    for record in &story.actions {
        if action_ids.contains_key(&record.key) {
            report.actions_existing += 1;
            continue;
        }
        let name = record.name();
        let mut new = record.to_new()?;
        // Responses go last, so an action may answer one listed after it in the file.
        let links = std::mem::take(&mut new.responds_to);
        let new = new.resolve(
            |key| {
                source_ids.get(key).copied().ok_or_else(|| {
                    SeedError::invalid(&name, format!("cites unknown source {key:?}"))
                })
            },
            |_| Err(SeedError::invalid(&name, "responses are linked later")),
        )?;
        let model = record_action_in(txn, SEED_AUTHOR, new)
            .await
            .map_err(|e| SeedError::rejected(&name, e))?;
        action_ids.insert(record.key.clone(), model.id);
        created.push((model.id, name, links));
        report.actions_created += 1;
    }
    for (id, name, links) in created {
        for (answered, stance) in links {
            let answered_id = *action_ids.get(&answered).ok_or_else(|| {
                SeedError::invalid(&name, format!("responds to unknown action {answered:?}"))
            })?;
            record_response_in(txn, SEED_AUTHOR, id, answered_id, stance)
                .await
                .map_err(|e| SeedError::rejected(&name, e))?;
            report.responses_created += 1;
        }
    }
    Ok(report)
}

/// Creates the file's new actors, each after the actor it is a member of, so the file's order
/// does not matter.
async fn write_actors(
    txn: &mut WriteTxn,
    story: &Story,
    report: &mut LoadReport,
) -> Result<(), SeedError> {
    let slugs: Vec<String> = story.actors.iter().map(|a| a.slug.clone()).collect();
    let existing = lookup::actor_ids_by_slug(txn.db(), &slugs).await?;
    let mut known: std::collections::HashSet<&str> = existing.keys().map(String::as_str).collect();
    let mut pending: Vec<&ActorRecord> = Vec::new();
    for record in &story.actors {
        if known.contains(record.slug.as_str()) {
            report.actors_existing += 1;
        } else {
            pending.push(record);
        }
    }
    while !pending.is_empty() {
        // An actor whose parent is neither known nor pending goes too: the core names the
        // unknown parent.
        let in_file = |slug: &str| pending.iter().any(|p| p.slug == slug);
        let next = pending
            .iter()
            .position(|r| {
                r.member_of
                    .as_deref()
                    .is_none_or(|parent| known.contains(parent) || !in_file(parent))
            })
            .unwrap_or(0);
        let record = pending.remove(next);
        create_actor_in(txn, SEED_AUTHOR, record.to_new())
            .await
            .map_err(|e| SeedError::rejected(&record.name(), e))?;
        known.insert(record.slug.as_str());
        report.actors_created += 1;
    }
    Ok(())
}

/// Adds the file's new sources; returns the id of every source the file's citations name.
async fn write_sources(
    txn: &mut WriteTxn,
    story: &Story,
    report: &mut LoadReport,
) -> Result<HashMap<String, i64>, SeedError> {
    let mut keys: Vec<String> = story.sources.iter().map(|s| s.key.clone()).collect();
    for a in &story.actions {
        keys.extend(a.citations.iter().map(|c| c.source.clone()));
    }
    let mut ids = lookup::source_ids_by_key(txn.db(), &keys).await?;
    for record in &story.sources {
        if ids.contains_key(&record.key) {
            report.sources_existing += 1;
            continue;
        }
        let model = add_source_in(txn, SEED_AUTHOR, record.to_new()?)
            .await
            .map_err(|e| SeedError::rejected(&record.name(), e))?;
        ids.insert(record.key.clone(), model.id);
        report.sources_created += 1;
    }
    Ok(ids)
}

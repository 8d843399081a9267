//! Brings the database in line with a story file, in one transaction, through the core's
//! writes: a story file is checked and logged by the same code as a mutation.
//!
//! New records are added; an action whose fields changed in the file is corrected (revision
//! bumped, old values and the note "seed file changed" in the change log, author `seed`);
//! records the file no longer lists are left as they are and reported. A record that exists
//! with content the loader cannot correct (another story's action key) is an error naming it,
//! and the whole load writes nothing. Actors and sources are shared by every story: where a
//! stored one differs from the file, the difference is reported, and corrected only when asked.

use crate::file::{ActionRecord, ActorRecord};
use crate::{SeedError, Story};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use standoff_core::lookup;
use standoff_core::write::WriteTxn;
use standoff_core::write::actions::{
    ActionPatch, NewAction, NewCitation, Patch, correct_action_in, record_action_in,
    record_response_in,
};
use standoff_core::write::actors::{
    ActorCorrection, NewActor, SourceCorrection, add_source_in, correct_actor_in,
    correct_source_in, create_actor_in,
};
use standoff_core::write::stories::{
    StoryPatch, add_to_story_in, create_story_in, periods_json, update_story_in,
};
use standoff_entities::{action, actor, response, source, story_action};
use std::collections::{HashMap, HashSet};

/// The change log's author for rows the loader writes.
const SEED_AUTHOR: &str = "seed";
/// The note a correction made by loading a changed file carries.
const CHANGED: &str = "seed file changed";

/// What a load did (or, on a dry run, would do).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LoadReport {
    /// Whether the file's story was created.
    pub story_created: bool,
    /// Whether the story's title, summary or settings were updated from the file.
    pub story_updated: bool,
    /// Actors written by this load.
    pub actors_created: usize,
    /// Actors whose slug was already in the database, as the file describes them.
    pub actors_existing: usize,
    /// Sources written by this load.
    pub sources_created: usize,
    /// Sources whose key was already in the database, as the file describes them.
    pub sources_existing: usize,
    /// Actions written by this load.
    pub actions_created: usize,
    /// Actions already in the database as the file describes them.
    pub actions_existing: usize,
    /// Keys of actions corrected to match the file.
    pub actions_corrected: Vec<String>,
    /// Keys of the story's actions that the file no longer lists, left as they are.
    pub actions_left: Vec<String>,
    /// Response links written by this load.
    pub responses_created: usize,
    /// Fields in which stored actors and sources differ from the file.
    pub shared_differences: Vec<SharedDifference>,
    /// Whether those differences were corrected (`--correct-shared`) rather than kept.
    pub shared_corrected: bool,
}

impl std::fmt::Display for LoadReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.story_created {
            write!(f, "created the story; ")?;
        } else if self.story_updated {
            write!(f, "updated the story; ")?;
        }
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
        )?;
        if !self.actions_corrected.is_empty() {
            write!(
                f,
                "; corrected {} actions: {}",
                self.actions_corrected.len(),
                self.actions_corrected.join(", ")
            )?;
        }
        if !self.shared_differences.is_empty() {
            let listed: Vec<String> = self
                .shared_differences
                .iter()
                .map(ToString::to_string)
                .collect();
            if self.shared_corrected {
                write!(
                    f,
                    "; corrected {} fields of shared actors and sources: {}",
                    listed.len(),
                    listed.join("; ")
                )?;
            } else {
                write!(
                    f,
                    "; {} fields of shared actors and sources differ from the file and were kept \
                     as stored (load with --correct-shared to correct them): {}",
                    listed.len(),
                    listed.join("; ")
                )?;
            }
        }
        if !self.actions_left.is_empty() {
            write!(
                f,
                "; left {} actions the file no longer lists: {}",
                self.actions_left.len(),
                self.actions_left.join(", ")
            )?;
        }
        Ok(())
    }
}

/// How a load treats the database.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LoadOptions {
    /// Work out and report what the load would do, and write nothing.
    pub dry_run: bool,
    /// Correct stored actors and sources whose fields differ from the file (they are shared
    /// by every story, so by default a difference is only reported).
    pub correct_shared: bool,
}

/// A field in which a stored actor or source, shared by every story, differs from the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedDifference {
    /// Which record, e.g. `actor "donald-trump"`.
    pub record: String,
    /// The file's name for the field.
    pub field: &'static str,
    /// The stored value (empty when there is none).
    pub stored: String,
    /// The file's value.
    pub file: String,
}

impl std::fmt::Display for SharedDifference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: stored {:?}, file {:?}",
            self.record, self.field, self.stored, self.file
        )
    }
}

/// Loads a story in one transaction: everything or, on any error, nothing. Shared actors and
/// sources that differ from the file are reported, not corrected.
pub async fn load(db: &DatabaseConnection, story: &Story) -> Result<LoadReport, SeedError> {
    plan(db, story, LoadOptions::default()).await
}

/// Works out what loading `story` does, inside a transaction that commits unless
/// `options.dry_run`.
pub async fn plan(
    db: &DatabaseConnection,
    story: &Story,
    options: LoadOptions,
) -> Result<LoadReport, SeedError> {
    story.check()?;
    let mut txn = WriteTxn::begin(db).await?;
    let mut report = write_story(&mut txn, story, options).await?;
    report.shared_corrected = options.correct_shared;
    if options.dry_run {
        // Dropped without a commit: the transaction rolls back.
        drop(txn);
    } else {
        txn.commit(None).await?;
    }
    Ok(report)
}

async fn write_story(
    txn: &mut WriteTxn,
    story: &Story,
    options: LoadOptions,
) -> Result<LoadReport, SeedError> {
    let mut report = LoadReport::default();
    let story_id = write_story_record(txn, story, &mut report).await?;
    write_actors(txn, story, options, &mut report).await?;
    let source_ids = write_sources(txn, story, options, &mut report).await?;

    let keys: Vec<String> = story
        .actions
        .iter()
        .flat_map(|a| std::iter::once(&a.key).chain(a.responds_to.iter().map(|r| &r.action)))
        .cloned()
        .collect();
    let mut action_ids = lookup::action_ids_by_key(txn.db(), &keys).await?;
    let existing: Vec<i64> = story
        .actions
        .iter()
        .filter_map(|a| action_ids.get(&a.key).copied())
        .collect();
    let stored = Stored::load(txn, &existing).await?;
    let mut linked = Vec::new();
    for record in &story.actions {
        let name = record.name();
        let mut new = record.to_new(story.story_slug())?;
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
        let id = match action_ids.get(&record.key) {
            Some(&id) => {
                reconcile(txn, story, story_id, &stored, id, record, new, &mut report).await?;
                id
            }
            None => {
                let model = record_action_in(txn, SEED_AUTHOR, new)
                    .await
                    .map_err(|e| SeedError::rejected(&name, e))?;
                action_ids.insert(record.key.clone(), model.id);
                report.actions_created += 1;
                model.id
            }
        };
        linked.push((id, name, links));
    }
    for (id, name, links) in linked {
        for (answered, stance) in links {
            let answered_id = *action_ids.get(&answered).ok_or_else(|| {
                SeedError::invalid(&name, format!("responds to unknown action {answered:?}"))
            })?;
            if stored.links.contains(&(id, answered_id)) {
                continue;
            }
            record_response_in(txn, SEED_AUTHOR, id, answered_id, stance)
                .await
                .map_err(|e| SeedError::rejected(&name, e))?;
            report.responses_created += 1;
        }
    }
    if let Some(story_id) = story_id {
        let listed: HashSet<&str> = story.actions.iter().map(|a| a.key.as_str()).collect();
        let in_story = sea_orm::sea_query::Query::select()
            .column(story_action::Column::ActionId)
            .from(story_action::Entity)
            .and_where(story_action::Column::StoryId.eq(story_id))
            .to_owned();
        let members = action::Entity::find()
            .filter(action::Column::Id.in_subquery(in_story))
            .all(txn.db())
            .await?;
        report.actions_left = members
            .into_iter()
            .filter_map(|a| a.key)
            .filter(|key| !listed.contains(key.as_str()))
            .collect();
        report.actions_left.sort();
    }
    Ok(report)
}

/// Makes or finds the file's story, updating its title and settings from the file.
async fn write_story_record(
    txn: &mut WriteTxn,
    story: &Story,
    report: &mut LoadReport,
) -> Result<Option<i64>, SeedError> {
    let Some(info) = &story.story else {
        return Ok(None);
    };
    let name = info.name();
    let wanted = info
        .to_new()
        .checked()
        .map_err(|e| SeedError::rejected(&name, e))?;
    match standoff_core::stories::story_by_slug(txn.db(), &wanted.slug).await? {
        None => {
            let model = create_story_in(txn, SEED_AUTHOR, wanted)
                .await
                .map_err(|e| SeedError::rejected(&name, e))?;
            report.story_created = true;
            Ok(Some(model.id))
        }
        Some(found) => {
            let patch = StoryPatch {
                title: (found.title != wanted.title).then(|| wanted.title.clone()),
                summary: if found.summary == wanted.summary {
                    Patch::Keep
                } else {
                    wanted.summary.clone().map_or(Patch::Clear, Patch::Set)
                },
                time_zone: (found.time_zone != wanted.time_zone).then(|| wanted.time_zone.clone()),
                locale: (found.locale != wanted.locale).then(|| wanted.locale.clone()),
                periods: (found.periods
                    != periods_json(&wanted.periods).map_err(|e| SeedError::rejected(&name, e))?)
                .then(|| wanted.periods.clone()),
                review_required: info
                    .review_required
                    .filter(|review| *review != found.review_required),
            };
            let changes = patch.title.is_some()
                || !matches!(patch.summary, Patch::Keep)
                || patch.time_zone.is_some()
                || patch.locale.is_some()
                || patch.periods.is_some()
                || patch.review_required.is_some();
            if changes {
                update_story_in(txn, SEED_AUTHOR, &wanted.slug, patch, Some(CHANGED.into()))
                    .await
                    .map_err(|e| SeedError::rejected(&name, e))?;
                report.story_updated = true;
            }
            Ok(Some(found.id))
        }
    }
}

/// What the database holds of the file's existing actions.
#[derive(Default)]
struct Stored {
    actions: HashMap<i64, action::Model>,
    targets: HashMap<i64, Vec<String>>,
    citations: HashMap<i64, Vec<(i64, Option<String>)>>,
    stories: HashMap<i64, Vec<i64>>,
    links: HashSet<(i64, i64)>,
}

impl Stored {
    async fn load(txn: &WriteTxn, ids: &[i64]) -> Result<Self, SeedError> {
        if ids.is_empty() {
            return Ok(Self::default());
        }
        let db = txn.db();
        let mut stored = Self {
            actions: lookup::actions(db, ids, standoff_core::filter::Visibility::Newsroom).await?,
            ..Self::default()
        };
        for (id, actors) in lookup::targets(db, ids).await? {
            let mut slugs: Vec<String> = actors.into_iter().map(|a| a.slug).collect();
            slugs.sort();
            stored.targets.insert(id, slugs);
        }
        for (id, cites) in lookup::citations(db, ids).await? {
            stored.citations.insert(
                id,
                cites
                    .into_iter()
                    .map(|(c, _)| (c.source_id, c.excerpt))
                    .collect(),
            );
        }
        for (id, stories) in lookup::stories_of(db, ids).await? {
            stored
                .stories
                .insert(id, stories.into_iter().map(|s| s.id).collect());
        }
        let links = response::Entity::find()
            .filter(response::Column::ActionId.is_in(ids.iter().copied()))
            .all(db)
            .await?;
        stored.links = links
            .into_iter()
            .map(|l| (l.action_id, l.responds_to_id))
            .collect();
        Ok(stored)
    }
}

/// Brings a stored action in line with its record: into the file's story, and corrected where
/// its fields differ.
#[expect(clippy::too_many_arguments, reason = "one record's whole context")]
async fn reconcile(
    txn: &mut WriteTxn,
    story: &Story,
    story_id: Option<i64>,
    stored: &Stored,
    id: i64,
    record: &ActionRecord,
    new: NewAction,
    report: &mut LoadReport,
) -> Result<(), SeedError> {
    let name = record.name();
    let new = new.checked().map_err(|e| SeedError::rejected(&name, e))?;
    let Some(before) = stored.actions.get(&id) else {
        return Err(SeedError::invalid(&name, "the stored action disappeared"));
    };
    if let (Some(story_id), Some(slug)) = (story_id, story.story_slug()) {
        let memberships = stored.stories.get(&id).map_or(&[][..], Vec::as_slice);
        if !memberships.contains(&story_id) {
            if !memberships.is_empty() {
                return Err(SeedError::invalid(
                    &name,
                    "the key belongs to an action of another story; give this action a key of its own",
                ));
            }
            add_to_story_in(txn, SEED_AUTHOR, slug, id)
                .await
                .map_err(|e| SeedError::rejected(&name, e))?;
        }
    }
    let patch = differences(before, stored, id, &new);
    if patch.is_empty() {
        report.actions_existing += 1;
        return Ok(());
    }
    correct_action_in(txn, SEED_AUTHOR, id, patch.into_patch(), CHANGED)
        .await
        .map_err(|e| SeedError::rejected(&name, e))?;
    report.actions_corrected.push(record.key.clone());
    Ok(())
}

/// The fields in which a record differs from its stored action.
struct Differences(ActionPatch, bool);

impl Differences {
    fn is_empty(&self) -> bool {
        !self.1
    }

    fn into_patch(self) -> ActionPatch {
        self.0
    }
}

fn optional<T: PartialEq + Clone>(
    stored: &Option<T>,
    file: &Option<T>,
    any: &mut bool,
) -> Patch<T> {
    if stored == file {
        return Patch::Keep;
    }
    *any = true;
    file.clone().map_or(Patch::Clear, Patch::Set)
}

fn required<T: PartialEq + Clone>(stored: &T, file: &T, any: &mut bool) -> Option<T> {
    (stored != file).then(|| {
        *any = true;
        file.clone()
    })
}

fn differences(before: &action::Model, stored: &Stored, id: i64, new: &NewAction) -> Differences {
    let mut any = false;
    let stored_date = standoff_core::date::of(before);
    let mut patch = ActionPatch {
        kind: required(&before.kind, &new.kind, &mut any),
        category: optional(&before.category, &new.category, &mut any),
        status: required(&before.status, &new.status, &mut any),
        date: required(&stored_date, &new.date, &mut any),
        date_text: optional(&before.date_text, &new.date_text, &mut any),
        reported_at: optional(&before.reported_at, &new.reported_at, &mut any),
        title: required(&before.title, &new.title, &mut any),
        summary: optional(&before.summary, &new.summary, &mut any),
        quote: optional(&before.quote, &new.quote, &mut any),
        place: optional(&before.place, &new.place, &mut any),
        magnitude: optional(&before.magnitude, &new.magnitude, &mut any),
        ..ActionPatch::default()
    };
    // An override is the intensity and its reason; without one the category decides.
    let overridden = before.intensity_reason.as_ref().map(|_| before.intensity);
    if overridden != new.intensity || before.intensity_reason != new.intensity_reason {
        any = true;
        patch.intensity = new.intensity.map_or(Patch::Clear, Patch::Set);
        patch.intensity_reason = new.intensity_reason.clone();
    }
    let mut targets = new.targets.clone();
    targets.sort();
    targets.dedup();
    if stored.targets.get(&id).map_or(&[][..], Vec::as_slice) != targets.as_slice() {
        any = true;
        patch.targets = Some(new.targets.clone());
    }
    let cited: Vec<(i64, Option<String>)> = new
        .citations
        .iter()
        .map(|c| (c.source, c.excerpt.clone()))
        .collect();
    if stored.citations.get(&id).map_or(&[][..], Vec::as_slice) != cited.as_slice() {
        any = true;
        patch.citations = Some(
            new.citations
                .iter()
                .map(|c| NewCitation {
                    source: c.source,
                    excerpt: c.excerpt.clone(),
                })
                .collect(),
        );
    }
    Differences(patch, any)
}

/// Creates the file's new actors, each after the actor it is a member of, so the file's order
/// does not matter. An actor already stored is compared with the file's fields (those it
/// gives): a difference is reported and, when asked, corrected. A record naming a stored actor
/// by slug alone needs that actor to exist.
async fn write_actors(
    txn: &mut WriteTxn,
    story: &Story,
    options: LoadOptions,
    report: &mut LoadReport,
) -> Result<(), SeedError> {
    let slugs: Vec<String> = story.actors.iter().map(|a| a.slug.clone()).collect();
    let existing = lookup::actor_ids_by_slug(txn.db(), &slugs).await?;
    let ids: Vec<i64> = existing.values().copied().collect();
    let stored = lookup::actors(txn.db(), &ids).await?;
    // The slugs of the stored actors and of their parents, which the file need not list.
    let parents: Vec<i64> = stored.values().filter_map(|a| a.member_of_id).collect();
    let by_id: HashMap<i64, String> = stored
        .values()
        .chain(lookup::actors(txn.db(), &parents).await?.values())
        .map(|a| (a.id, a.slug.clone()))
        .collect();
    let mut known: HashSet<&str> = existing.keys().map(String::as_str).collect();
    let mut pending: Vec<(&ActorRecord, NewActor)> = Vec::new();
    // Applied once the file's new actors exist, since a correction may name one as a parent.
    let mut corrections = Vec::new();
    for record in &story.actors {
        match existing.get(&record.slug).and_then(|id| stored.get(id)) {
            Some(found) => {
                let (fix, differences) = actor_differences(record, found, &by_id)?;
                report.actors_existing += 1;
                if !differences.is_empty() && options.correct_shared {
                    corrections.push((record, fix));
                }
                report.shared_differences.extend(differences);
            }
            None if record.is_reference() => {
                return Err(SeedError::invalid(
                    record.name(),
                    "no stored actor has this slug; a new actor needs its name, kind and side",
                ));
            }
            None => pending.push((record, record.to_new()?)),
        }
    }
    while !pending.is_empty() {
        // An actor whose parent is neither known nor pending goes too: the core names the
        // unknown parent.
        let in_file = |slug: &str| pending.iter().any(|(p, _)| p.slug == slug);
        let next = pending
            .iter()
            .position(|(r, _)| {
                r.member_of
                    .as_deref()
                    .is_none_or(|parent| known.contains(parent) || !in_file(parent))
            })
            .unwrap_or(0);
        let (record, new) = pending.remove(next);
        create_actor_in(txn, SEED_AUTHOR, new)
            .await
            .map_err(|e| SeedError::rejected(&record.name(), e))?;
        known.insert(record.slug.as_str());
        report.actors_created += 1;
    }
    for (record, fix) in corrections {
        correct_actor_in(txn, SEED_AUTHOR, &record.slug, fix, CHANGED)
            .await
            .map_err(|e| SeedError::rejected(&record.name(), e))?;
    }
    Ok(())
}

/// A vocabulary word as story files write it (`PERSON`, `FEDERAL`).
fn file_word(word: impl serde::Serialize) -> String {
    match serde_json::to_value(word) {
        Ok(serde_json::Value::String(text)) => text,
        _ => String::new(),
    }
}

/// Where a stored actor differs from the file's record, comparing only the fields the file
/// gives (a second story may name a shared actor without repeating everything about it), and
/// the correction that would bring it in line.
fn actor_differences(
    record: &ActorRecord,
    found: &actor::Model,
    slugs: &HashMap<i64, String>,
) -> Result<(ActorCorrection, Vec<SharedDifference>), SeedError> {
    let new = record.to_new()?;
    let mut fix = ActorCorrection::default();
    let mut differences = Vec::new();
    let mut note = |field: &'static str, stored: Option<String>, file: String| {
        differences.push(SharedDifference {
            record: record.name(),
            field,
            stored: stored.unwrap_or_default(),
            file,
        });
    };
    // The file's texts as the core would store them.
    if let Some(name) = record.name.as_ref().map(|_| new.name.clone())
        && name != found.name
    {
        note("name", Some(found.name.clone()), name.clone());
        fix.name = Some(name);
    }
    if let Some(kind) = record.kind
        && kind != found.kind
    {
        note("kind", Some(file_word(found.kind)), file_word(kind));
        fix.kind = Some(kind);
    }
    if let Some(side) = record.side
        && side != found.side
    {
        note("side", Some(file_word(found.side)), file_word(side));
        fix.side = Some(side);
    }
    if let Some(title) = new.title
        && Some(&title) != found.title.as_ref()
    {
        note("title", found.title.clone(), title.clone());
        fix.title = Some(title);
    }
    if let Some(party) = new.party
        && Some(&party) != found.party.as_ref()
    {
        note("party", found.party.clone(), party.clone());
        fix.party = Some(party);
    }
    let parent = found.member_of_id.and_then(|id| slugs.get(&id).cloned());
    if let Some(member_of) = new.member_of
        && Some(&member_of) != parent.as_ref()
    {
        note("member_of", parent, member_of.clone());
        fix.member_of = Some(member_of);
    }
    Ok((fix, differences))
}

/// Adds the file's new sources; returns the id of every source the file's citations name.
/// A source already stored is compared with the fields the file gives: a difference is
/// reported and, when asked, corrected.
async fn write_sources(
    txn: &mut WriteTxn,
    story: &Story,
    options: LoadOptions,
    report: &mut LoadReport,
) -> Result<HashMap<String, i64>, SeedError> {
    let mut keys: Vec<String> = story.sources.iter().map(|s| s.key.clone()).collect();
    for a in &story.actions {
        keys.extend(a.citations.iter().map(|c| c.source.clone()));
    }
    let mut ids = lookup::source_ids_by_key(txn.db(), &keys).await?;
    let known: Vec<i64> = ids.values().copied().collect();
    let stored = source::Entity::find()
        .filter(source::Column::Id.is_in(known))
        .all(txn.db())
        .await?;
    let stored: HashMap<String, source::Model> = stored
        .into_iter()
        .filter_map(|s| Some((s.key.clone()?, s)))
        .collect();
    for record in &story.sources {
        let name = record.name();
        let new = record.to_new()?;
        if let Some(found) = stored.get(&record.key) {
            report.sources_existing += 1;
            let mut fix = SourceCorrection::default();
            let mut differences = Vec::new();
            let mut note = |field: &'static str, stored: Option<String>, file: String| {
                differences.push(SharedDifference {
                    record: name.clone(),
                    field,
                    stored: stored.unwrap_or_default(),
                    file,
                });
            };
            if !record.is_reference() && new.title != found.title {
                note("title", Some(found.title.clone()), new.title.clone());
                fix.title = Some(new.title.clone());
            }
            if let Some(url) = &new.url
                && Some(url) != found.url.as_ref()
            {
                note("url", found.url.clone(), url.clone());
                fix.url = Some(url.clone());
            }
            if let Some(publisher) = &new.publisher
                && Some(publisher) != found.publisher.as_ref()
            {
                note("publisher", found.publisher.clone(), publisher.clone());
                fix.publisher = Some(publisher.clone());
            }
            if let Some(at) = new.published_at
                && Some(at) != found.published_at
            {
                note(
                    "published_at",
                    found.published_at.map(|a| a.to_rfc3339()),
                    at.to_rfc3339(),
                );
                fix.published_at = Some(at);
            }
            if !differences.is_empty() && options.correct_shared {
                correct_source_in(txn, SEED_AUTHOR, &record.key, fix, CHANGED)
                    .await
                    .map_err(|e| SeedError::rejected(&name, e))?;
            }
            report.shared_differences.extend(differences);
            continue;
        }
        if record.is_reference() {
            return Err(SeedError::invalid(
                name,
                "no stored source has this key; a new source needs its title",
            ));
        }
        let model = add_source_in(txn, SEED_AUTHOR, new)
            .await
            .map_err(|e| SeedError::rejected(&name, e))?;
        ids.insert(record.key.clone(), model.id);
        report.sources_created += 1;
    }
    Ok(ids)
}

//! The timeline filter: what callers ask for, checked and resolved into [`Clause`]s that give
//! both the SQL condition (the timeline, its count, an actor's actions, escalation, exports)
//! and the in-memory judgement of live events, from one description of each condition.

mod cache;
mod clause;
mod search;

pub use crate::visibility::Visibility;
pub use cache::FilterCache;
use cache::Named;
pub use clause::{Clause, Facts};
pub use search::{postgres_query, sqlite_match};

use crate::{CoreError, CoreResult};
use chrono::{DateTime, Utc};
use sea_orm::{Condition, ConnectionTrait, DbBackend};
use standoff_entities::{ActionKind, ActionStatus, Category, Side};
use std::collections::HashSet;

/// Most actor slugs one filter may name.
pub const MAX_FILTER_ACTORS: usize = 50;
/// Most story slugs one filter may name.
pub const MAX_FILTER_STORIES: usize = 50;
/// Longest text search accepted, in characters.
pub const MAX_FILTER_TEXT: usize = 200;

/// A timeline filter as the caller gives it; empty lists mean "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ActionFilter {
    /// Actor slugs; an action matches when one of them acted (or is a target, with `involving`).
    pub actors: Vec<String>,
    /// Also match actions aimed at one of `actors`.
    pub involving: bool,
    /// Story slugs; an action matches when it belongs to one of them (none: every story).
    pub stories: Vec<String>,
    /// Sides of the acting actor.
    pub sides: Vec<Side>,
    /// Kinds of action.
    pub kinds: Vec<ActionKind>,
    /// PLOVER categories.
    pub categories: Vec<Category>,
    /// Statuses.
    pub statuses: Vec<ActionStatus>,
    /// Actions that may have happened at or after this instant (their latest instant is not
    /// earlier).
    pub from: Option<DateTime<Utc>>,
    /// Actions that may have happened at or before this instant (their earliest is not later).
    pub to: Option<DateTime<Utc>>,
    /// Case-insensitive words to find in the title, summary or quote.
    pub text: Option<String>,
    /// Include retracted actions, which are hidden by default.
    pub include_retracted: bool,
}

/// A filter whose slugs have been looked up: its clauses, all of which an action must pass.
/// Cheap to clone and reuse across queries.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResolvedFilter {
    clauses: Vec<Clause>,
}

impl Default for ResolvedFilter {
    /// Every published action that is not retracted: what readers see.
    fn default() -> Self {
        Self {
            clauses: vec![Clause::NotRetracted, Clause::Published],
        }
    }
}

impl ActionFilter {
    /// Checks the filter and looks its actor slugs up, failing on any unknown slug.
    pub async fn resolve<C: ConnectionTrait>(
        self,
        db: &C,
        known: &FilterCache,
    ) -> CoreResult<ResolvedFilter> {
        // Taken apart field by field, so a new field does not compile until it has a clause.
        let ActionFilter {
            actors,
            involving,
            stories,
            sides,
            kinds,
            categories,
            statuses,
            from,
            to,
            text,
            include_retracted,
        } = self;
        let from = crate::check::optional_instant("from", from)?;
        let to = crate::check::optional_instant("to", to)?;
        if let (Some(from), Some(to)) = (from, to)
            && from > to
        {
            return Err(CoreError::BadInput(
                "the filter's from is after its to".into(),
            ));
        }
        if actors.len() > MAX_FILTER_ACTORS {
            return Err(CoreError::LimitExceeded(format!(
                "a filter names at most {MAX_FILTER_ACTORS} actors"
            )));
        }
        if stories.len() > MAX_FILTER_STORIES {
            return Err(CoreError::LimitExceeded(format!(
                "a filter names at most {MAX_FILTER_STORIES} stories"
            )));
        }
        if let Some(text) = &text
            && text.chars().count() > MAX_FILTER_TEXT
        {
            return Err(CoreError::LimitExceeded(format!(
                "a text search is at most {MAX_FILTER_TEXT} characters"
            )));
        }
        // Readers' view unless the caller opens it up (`for_newsroom`).
        let mut clauses = vec![Clause::Published];
        if !include_retracted {
            clauses.push(Clause::NotRetracted);
        }
        let ids = ids_of(db, known, Named::Actor, &actors).await?;
        if !ids.is_empty() {
            clauses.push(Clause::Actors { ids, involving });
        }
        let ids = ids_of(db, known, Named::Story, &stories).await?;
        if !ids.is_empty() {
            clauses.push(Clause::Stories(ids));
        }
        // A vocabulary list is at most the vocabulary, however long the caller made it: each
        // value becomes one bound parameter.
        if !sides.is_empty() {
            clauses.push(Clause::Sides(distinct(sides)));
        }
        if !kinds.is_empty() {
            clauses.push(Clause::Kinds(distinct(kinds)));
        }
        if !categories.is_empty() {
            clauses.push(Clause::Categories(distinct(categories)));
        }
        if !statuses.is_empty() {
            clauses.push(Clause::Statuses(distinct(statuses)));
        }
        if let Some(from) = from {
            clauses.push(Clause::From(from));
        }
        if let Some(to) = to {
            clauses.push(Clause::To(to));
        }
        if let Some(text) = text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let postgres = db.get_database_backend() == DbBackend::Postgres;
            let query = search::index_query(text, postgres);
            let common = match &query {
                Some(query) => known.is_common(db, query).await?,
                None => false,
            };
            clauses.push(Clause::Text {
                query,
                postgres,
                common,
            });
        }
        Ok(ResolvedFilter { clauses })
    }
}

/// The values of `list` without repeats, in their first order.
fn distinct<T: Copy + Eq + std::hash::Hash>(mut list: Vec<T>) -> Vec<T> {
    let mut seen = HashSet::new();
    list.retain(|v| seen.insert(*v));
    list
}

/// The ids of `slugs` (actors' or stories'), sorted, from the cache where it knows them; an
/// unknown slug is NOT_FOUND.
async fn ids_of<C: ConnectionTrait>(
    db: &C,
    known: &FilterCache,
    kind: Named,
    slugs: &[String],
) -> CoreResult<Vec<i64>> {
    let what = match kind {
        Named::Actor => "actor",
        Named::Story => "story",
    };
    if let Some(bad) = slugs.iter().find(|s| !crate::check::is_slug(s)) {
        return Err(CoreError::NotFound(format!(
            "no {what} has the slug {bad:?}"
        )));
    }
    let mut ids: Vec<i64> = Vec::new();
    let mut unknown: Vec<String> = Vec::new();
    for slug in slugs {
        match known.get(kind, slug) {
            Some(id) => ids.push(id),
            None => unknown.push(slug.clone()),
        }
    }
    if !unknown.is_empty() {
        let found = match kind {
            Named::Actor => crate::lookup::actor_ids_by_slug(db, &unknown).await?,
            Named::Story => crate::lookup::story_ids_by_slug(db, &unknown).await?,
        };
        if let Some(missing) = unknown.iter().find(|s| !found.contains_key(*s)) {
            return Err(CoreError::NotFound(format!(
                "no {what} has the slug {missing:?}"
            )));
        }
        known.remember(kind, &found);
        ids.extend(found.into_values());
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

impl ResolvedFilter {
    /// Narrows the filter to actions of one actor (an actor's own `actions` list).
    pub fn of_actor(mut self, actor_id: i64) -> Self {
        self.clauses.push(Clause::ActorIs(actor_id));
        self
    }

    /// Narrows the filter to actions of one story (a story's own `actions` list), on top of any
    /// stories it already names.
    pub fn in_story(mut self, story_id: i64) -> Self {
        self.clauses.push(Clause::Stories(vec![story_id]));
        self
    }

    /// Lets retracted actions through: an event stream must tell of a retraction, and a
    /// replay must show what was recorded before it.
    pub fn with_retracted(mut self) -> Self {
        self.clauses.retain(|c| *c != Clause::NotRetracted);
        self
    }

    /// Lets unpublished actions (drafts, those in review or scheduled) through: an editor's
    /// view.
    pub fn for_newsroom(mut self) -> Self {
        self.clauses.retain(|c| *c != Clause::Published);
        self
    }

    /// The filter in the view `visibility` gives.
    pub fn seen_by(self, visibility: Visibility) -> Self {
        match visibility {
            Visibility::Public => self,
            Visibility::Newsroom => self.for_newsroom(),
        }
    }

    /// Whether this filter shows readers' view: only published actions, and so only the
    /// changes readers may know of.
    pub fn is_public(&self) -> bool {
        self.clauses.contains(&Clause::Published)
    }

    /// The view this filter shows.
    pub fn visibility(&self) -> Visibility {
        if self.is_public() {
            Visibility::Public
        } else {
            Visibility::Newsroom
        }
    }

    /// The sides this filter keeps, when sides are all it asks about besides showing readers'
    /// view without retracted actions (an empty list: every side); `None` when it has any
    /// other condition. Such a filter can be answered from per-day, per-side roll-ups, which
    /// count exactly those actions.
    pub fn only_sides(&self) -> Option<&[Side]> {
        let mut sides: &[Side] = &[];
        let (mut hides_retracted, mut published) = (false, false);
        for clause in &self.clauses {
            match clause {
                Clause::NotRetracted => hides_retracted = true,
                Clause::Published => published = true,
                Clause::Sides(only) => sides = only,
                _ => return None,
            }
        }
        (hides_retracted && published).then_some(sides)
    }

    /// Whether a page should be found by sorting every match rather than by walking the
    /// timeline: a rare search on PostgreSQL, whose planner cannot tell from a prefix search's
    /// statistics that walking would pass nearly every action before it found a page.
    pub fn sorts_matches(&self) -> bool {
        self.clauses.iter().any(|c| {
            matches!(
                c,
                Clause::Text {
                    postgres: true,
                    common: false,
                    ..
                }
            )
        })
    }

    /// Whether the filter searches text, which only the database's index can judge.
    pub fn searches_text(&self) -> bool {
        self.clauses
            .iter()
            .any(|c| matches!(c, Clause::Text { .. }))
    }

    /// Whether an action passes, judged in memory by the same clauses as [`Self::condition`];
    /// `None` when a clause needs the database (see [`Self::searches_text`]).
    pub fn matches(&self, facts: Facts<'_>) -> Option<bool> {
        let mut passes = true;
        for clause in &self.clauses {
            passes &= clause.judge(facts)?;
        }
        Some(passes)
    }

    /// The SQL condition on `action` rows this filter stands for.
    pub fn condition(&self) -> Condition {
        self.clauses.iter().fold(Condition::all(), |cond, clause| {
            cond.add(clause.condition())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retracted_actions_hide_by_default_and_show_on_request() {
        let filter = ResolvedFilter::default();
        assert_eq!(filter.only_sides(), Some(&[][..]));
        assert_eq!(filter.clone().with_retracted().only_sides(), None);
        assert_eq!(filter.clone().for_newsroom().only_sides(), None);
        assert!(filter.is_public() && !filter.clone().for_newsroom().is_public());
        assert!(!filter.searches_text());
    }
}

//! The timeline filter: what callers ask for, checked and resolved into one SQL condition that
//! the timeline, its count, an actor's actions and the escalation series all share.

use super::{ServiceError, ServiceResult};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SimpleExpr};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use sea_orm::{DbBackend, Statement};
use standoff_entities::{ActionKind, ActionStatus, Category, Side, action, action_target, actor};
use standoff_migration::{POSTGRES_DOCUMENT, SQLITE_TABLE};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// Most actor slugs one filter may name.
pub const MAX_FILTER_ACTORS: usize = 50;
/// Longest text search accepted, in characters.
pub const MAX_FILTER_TEXT: usize = 200;

/// A timeline filter as the caller gives it; empty lists mean "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ActionFilter {
    /// Actor slugs; an action matches when one of them acted (or is a target, with `involving`).
    pub actors: Vec<String>,
    /// Also match actions aimed at one of `actors`.
    pub involving: bool,
    /// Sides of the acting actor.
    pub sides: Vec<Side>,
    /// Kinds of action.
    pub kinds: Vec<ActionKind>,
    /// PLOVER categories.
    pub categories: Vec<Category>,
    /// Statuses.
    pub statuses: Vec<ActionStatus>,
    /// Earliest `occurred_at`, inclusive.
    pub from: Option<DateTime<Utc>>,
    /// Latest `occurred_at`, inclusive.
    pub to: Option<DateTime<Utc>>,
    /// Case-insensitive words to find in the title, summary or quote.
    pub text: Option<String>,
    /// Include retracted actions, which are hidden by default.
    pub include_retracted: bool,
}

/// What resolving filters has learnt, shared by an instance's requests.
///
/// Actor ids by slug: slugs never change and actors are never deleted, so a slug once found
/// stays right on every instance; unknown slugs are always asked of the database, so actors
/// recorded elsewhere are found too. And which searches match many actions: for those a page
/// is found fastest by walking the timeline and checking each action, for rare ones by
/// fetching the matches and sorting them, and neither planner can tell the two apart alone. Word frequencies drift
/// slowly, so each judgement is kept for ten minutes; the cache holds a bounded number.
#[derive(Debug, Clone, Default)]
pub struct FilterCache {
    slugs: Arc<RwLock<HashMap<String, i64>>>,
    searches: Arc<RwLock<HashMap<String, (bool, Instant)>>>,
}

/// Matches above which a search counts as common.
const COMMON_SEARCH: u64 = 2000;
/// How long a search's judgement is trusted.
const SEARCH_JUDGEMENT_TTL: Duration = Duration::from_secs(600);
/// Most searches whose judgement is kept.
const MAX_JUDGED_SEARCHES: usize = 10_000;

impl FilterCache {
    fn get(&self, slug: &str) -> Option<i64> {
        self.slugs
            .read()
            .ok()
            .and_then(|map| map.get(slug).copied())
    }

    fn remember(&self, found: &[(i64, String)]) {
        if let Ok(mut map) = self.slugs.write() {
            for (id, slug) in found {
                map.insert(slug.clone(), *id);
            }
        }
    }

    /// Whether an SQLite full-text query matches more than a few thousand actions, asking the
    /// index (one quick statement) only when the last answer is missing or stale.
    async fn is_common<C: ConnectionTrait>(&self, db: &C, query: &str) -> ServiceResult<bool> {
        if let Some((common, at)) = self
            .searches
            .read()
            .ok()
            .and_then(|m| m.get(query).copied())
            && at.elapsed() < SEARCH_JUDGEMENT_TTL
        {
            return Ok(common);
        }
        let backend = db.get_database_backend();
        let sql = match backend {
            // All matches, counted from the GIN index alone (a bitmap scan; a few thousand
            // entries for a common word, a handful for a rare one).
            DbBackend::Postgres => format!(
                "SELECT COUNT(*) AS n FROM \"action\" \
                 WHERE {POSTGRES_DOCUMENT} @@ to_tsquery('simple'::regconfig, $1)"
            ),
            _ => format!(
                "SELECT COUNT(*) AS n FROM (SELECT rowid FROM {SQLITE_TABLE} \
                 WHERE {SQLITE_TABLE} MATCH ? LIMIT {})",
                COMMON_SEARCH + 1
            ),
        };
        let row = db
            .query_one_raw(Statement::from_sql_and_values(backend, sql, [query.into()]))
            .await?;
        let matches: i64 = match row {
            Some(row) => row.try_get("", "n")?,
            None => 0,
        };
        let common = u64::try_from(matches).unwrap_or(0) > COMMON_SEARCH;
        if let Ok(mut map) = self.searches.write() {
            if map.len() >= MAX_JUDGED_SEARCHES {
                map.clear();
            }
            map.insert(query.to_owned(), (common, Instant::now()));
        }
        Ok(common)
    }
}

/// A filter whose slugs have been looked up; cheap to clone and reuse across queries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ResolvedFilter {
    filter: ActionFilter,
    actor_ids: Vec<i64>,
    only_actor: Option<i64>,
    /// Text search is written differently for each backend's full-text index.
    postgres: bool,
    /// Whether the text search matches many actions (see `FilterCache`).
    common_text: bool,
}

impl ActionFilter {
    /// Checks the filter and looks its actor slugs up, failing on any unknown slug.
    pub async fn resolve<C: ConnectionTrait>(
        self,
        db: &C,
        known: &FilterCache,
    ) -> ServiceResult<ResolvedFilter> {
        if let (Some(from), Some(to)) = (self.from, self.to)
            && from > to
        {
            return Err(ServiceError::BadInput(
                "the filter's from is after its to".into(),
            ));
        }
        if self.actors.len() > MAX_FILTER_ACTORS {
            return Err(ServiceError::LimitExceeded(format!(
                "a filter names at most {MAX_FILTER_ACTORS} actors"
            )));
        }
        if let Some(text) = &self.text
            && text.chars().count() > MAX_FILTER_TEXT
        {
            return Err(ServiceError::LimitExceeded(format!(
                "a text search is at most {MAX_FILTER_TEXT} characters"
            )));
        }
        let mut actor_ids: Vec<i64> = Vec::new();
        let mut unknown: Vec<&str> = Vec::new();
        for slug in &self.actors {
            match known.get(slug) {
                Some(id) => actor_ids.push(id),
                None => unknown.push(slug),
            }
        }
        if !unknown.is_empty() {
            let wanted: HashSet<&str> = unknown.iter().copied().collect();
            let found: Vec<(i64, String)> = actor::Entity::find()
                .select_only()
                .column(actor::Column::Id)
                .column(actor::Column::Slug)
                .filter(actor::Column::Slug.is_in(wanted.iter().copied()))
                .into_tuple()
                .all(db)
                .await?;
            let present: HashSet<&str> = found.iter().map(|(_, s)| s.as_str()).collect();
            if let Some(missing) = unknown.iter().find(|s| !present.contains(*s)) {
                return Err(ServiceError::NotFound(format!(
                    "no actor has the slug {missing:?}"
                )));
            }
            known.remember(&found);
            actor_ids.extend(found.into_iter().map(|(id, _)| id));
        }
        actor_ids.sort_unstable();
        actor_ids.dedup();
        let postgres = db.get_database_backend() == DbBackend::Postgres;
        let query = match self.text.as_deref() {
            Some(text) if postgres => postgres_query(text),
            Some(text) => sqlite_match(text),
            None => None,
        };
        let common_text = match query {
            Some(query) => known.is_common(db, &query).await?,
            None => false,
        };
        Ok(ResolvedFilter {
            filter: self,
            actor_ids,
            only_actor: None,
            postgres,
            common_text,
        })
    }
}

impl ResolvedFilter {
    /// Narrows the filter to actions of one actor (an actor's own `actions` list).
    pub fn of_actor(mut self, actor_id: i64) -> Self {
        self.only_actor = Some(actor_id);
        self
    }

    /// Lets retracted actions through: an event stream must tell of a retraction, and a
    /// replay must show what was recorded before it.
    pub fn with_retracted(mut self) -> Self {
        self.filter.include_retracted = true;
        self
    }

    /// The sides this filter keeps, when sides are all it asks about (an empty list: every
    /// side); `None` when it has any other condition. Such a filter can be answered from
    /// per-day, per-side roll-ups.
    pub fn only_sides(&self) -> Option<&[Side]> {
        let f = &self.filter;
        let plain = !f.include_retracted
            && self.only_actor.is_none()
            && f.actors.is_empty()
            && f.kinds.is_empty()
            && f.categories.is_empty()
            && f.statuses.is_empty()
            && f.from.is_none()
            && f.to.is_none()
            && !self.searches_text();
        plain.then_some(f.sides.as_slice())
    }

    /// Whether a page should be found by sorting every match rather than by walking the
    /// timeline: a rare search on PostgreSQL, whose planner cannot tell from a prefix search's
    /// statistics that walking would pass nearly every action before it found a page.
    pub fn sorts_matches(&self) -> bool {
        self.postgres && self.searches_text() && !self.common_text
    }

    /// Whether the filter searches text, which only the database's index can judge.
    pub fn searches_text(&self) -> bool {
        self.filter
            .text
            .as_deref()
            .is_some_and(|t| !t.trim().is_empty())
    }

    /// Whether an action passes every condition but the text search (see `searches_text`),
    /// judged in memory: the same rules as `condition`, for the shared log reader's batches.
    pub fn matches(&self, action: &action::Model, side: Side, targets: &[i64]) -> bool {
        let f = &self.filter;
        (f.include_retracted || !action.retracted)
            && self.only_actor.is_none_or(|id| action.actor_id == id)
            && (self.actor_ids.is_empty()
                || self.actor_ids.contains(&action.actor_id)
                || (f.involving && targets.iter().any(|t| self.actor_ids.contains(t))))
            && listed(&f.sides, side)
            && listed(&f.kinds, action.kind)
            && (f.categories.is_empty()
                || action.category.is_some_and(|c| f.categories.contains(&c)))
            && listed(&f.statuses, action.status)
            && f.from.is_none_or(|from| action.occurred_at >= from)
            && f.to.is_none_or(|to| action.occurred_at <= to)
    }

    /// The SQL condition on `action` rows this filter stands for.
    pub fn condition(&self) -> Condition {
        let f = &self.filter;
        let mut cond = Condition::all();
        if !f.include_retracted {
            cond = cond.add(action::Column::Retracted.eq(false));
        }
        if let Some(id) = self.only_actor {
            cond = cond.add(action::Column::ActorId.eq(id));
        }
        if !self.actor_ids.is_empty() {
            let by_actor = action::Column::ActorId.is_in(self.actor_ids.clone());
            cond = if f.involving {
                let targeted = Query::select()
                    .column(action_target::Column::ActionId)
                    .from(action_target::Entity)
                    .and_where(action_target::Column::ActorId.is_in(self.actor_ids.clone()))
                    .to_owned();
                cond.add(
                    Condition::any()
                        .add(by_actor)
                        .add(action::Column::Id.in_subquery(targeted)),
                )
            } else {
                cond.add(by_actor)
            };
        }
        if !f.sides.is_empty() {
            // A correlated EXISTS rather than `actor_id IN (actors on the side)`: SQLite would
            // drive the IN form through every action of those actors and sort them all, where
            // this walks the timeline in order and stops at the page's end.
            let on_side = Query::select()
                .expr(Expr::val(1))
                .from(actor::Entity)
                .and_where(
                    Expr::col((actor::Entity, actor::Column::Id))
                        .equals((action::Entity, action::Column::ActorId)),
                )
                .and_where(actor::Column::Side.is_in(f.sides.clone()))
                .to_owned();
            cond = cond.add(Expr::exists(on_side));
        }
        if !f.kinds.is_empty() {
            cond = cond.add(action::Column::Kind.is_in(f.kinds.clone()));
        }
        if !f.categories.is_empty() {
            cond = cond.add(action::Column::Category.is_in(f.categories.clone()));
        }
        if !f.statuses.is_empty() {
            cond = cond.add(action::Column::Status.is_in(f.statuses.clone()));
        }
        if let Some(from) = f.from {
            cond = cond.add(action::Column::OccurredAt.gte(from));
        }
        if let Some(to) = f.to {
            cond = cond.add(action::Column::OccurredAt.lte(to));
        }
        if let Some(text) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            cond = cond.add(self.text_condition(text));
        }
        cond
    }
}

impl ResolvedFilter {
    /// Actions whose title, summary or quote hold every word of `text` (the last may be the
    /// start of a word), found through the full-text index. Text without words finds nothing.
    fn text_condition(&self, text: &str) -> SimpleExpr {
        if self.postgres {
            let Some(query) = postgres_query(text) else {
                return Expr::cust("1 = 0");
            };
            return Expr::cust_with_values(
                format!("{POSTGRES_DOCUMENT} @@ to_tsquery('simple'::regconfig, $1)"),
                [query],
            );
        }
        let Some(query) = sqlite_match(text) else {
            return Expr::cust("1 = 0");
        };
        // `+` keeps SQLite from driving the query by the matches: for a common search it walks
        // the timeline in order and stops at the page's end instead of sorting every match.
        let id = if self.common_text {
            "+\"action\".\"id\""
        } else {
            "\"action\".\"id\""
        };
        Expr::cust_with_values(
            format!("{id} IN (SELECT rowid FROM {SQLITE_TABLE} WHERE {SQLITE_TABLE} MATCH ?)"),
            [query],
        )
    }
}

/// The FTS5 query for a search text: each word quoted, the last also as a prefix.
pub fn sqlite_match(text: &str) -> Option<String> {
    let words = words(text);
    let (last, rest) = words.split_last()?;
    let mut terms: Vec<String> = rest.iter().map(|w| format!("\"{w}\"")).collect();
    terms.push(format!("\"{last}\"*"));
    Some(terms.join(" "))
}

/// The `to_tsquery` text for a search: the words joined by `&`, the last also as a prefix.
/// Words are letters and digits only, so they cannot break the query syntax.
pub fn postgres_query(text: &str) -> Option<String> {
    let words = words(text);
    let (last, rest) = words.split_last()?;
    let mut terms: Vec<String> = rest.to_vec();
    terms.push(format!("{last}:*"));
    Some(terms.join(" & "))
}

/// Whether `item` is listed, an empty list standing for "any".
fn listed<T: PartialEq>(items: &[T], item: T) -> bool {
    items.is_empty() || items.contains(&item)
}

/// The words of a search text: runs of letters and digits, lower-cased, at most 16.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .map(str::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_words_are_letters_and_digits_only() {
        assert_eq!(words("' OR 1=1 --"), vec!["or", "1", "1"]);
        assert_eq!(words("KILLING \"field\"*"), vec!["killing", "field"]);
        assert!(words("%_\\").is_empty());
    }
}

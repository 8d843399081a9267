//! The timeline filter: what callers ask for, checked and resolved into one SQL condition that
//! the timeline, its count, an actor's actions and the escalation series all share.

use super::{ServiceError, ServiceResult};
use chrono::{DateTime, Utc};
use sea_orm::DbBackend;
use sea_orm::sea_query::{Expr, Query, SimpleExpr};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use standoff_entities::{ActionKind, ActionStatus, Category, Side, action, action_target, actor};
use standoff_migration::{POSTGRES_DOCUMENT, SQLITE_TABLE};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

/// Most actor slugs one filter may name.
pub const MAX_FILTER_ACTORS: usize = 50;
/// Longest text search accepted, in characters.
pub const MAX_FILTER_TEXT: usize = 200;

/// A timeline filter as the caller gives it; empty lists mean "any".
#[derive(Debug, Clone, Default)]
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

/// Actor ids by slug, as found so far. Slugs never change and actors are never deleted, so a
/// slug once found stays right on every instance; unknown slugs are always asked of the
/// database, so actors recorded elsewhere are found too.
#[derive(Debug, Clone, Default)]
pub struct KnownSlugs(Arc<RwLock<HashMap<String, i64>>>);

impl KnownSlugs {
    fn get(&self, slug: &str) -> Option<i64> {
        self.0.read().ok().and_then(|map| map.get(slug).copied())
    }

    fn remember(&self, found: &[(i64, String)]) {
        if let Ok(mut map) = self.0.write() {
            for (id, slug) in found {
                map.insert(slug.clone(), *id);
            }
        }
    }
}

/// A filter whose slugs have been looked up; cheap to clone and reuse across queries.
#[derive(Debug, Clone, Default)]
pub struct ResolvedFilter {
    filter: ActionFilter,
    actor_ids: Vec<i64>,
    only_actor: Option<i64>,
    /// Text search is written differently for each backend's full-text index.
    postgres: bool,
}

impl ActionFilter {
    /// Checks the filter and looks its actor slugs up, failing on any unknown slug.
    pub async fn resolve<C: ConnectionTrait>(
        self,
        db: &C,
        known: &KnownSlugs,
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
        Ok(ResolvedFilter {
            filter: self,
            actor_ids,
            only_actor: None,
            postgres: db.get_database_backend() == DbBackend::Postgres,
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
            let on_side = Query::select()
                .column(actor::Column::Id)
                .from(actor::Entity)
                .and_where(actor::Column::Side.is_in(f.sides.clone()))
                .to_owned();
            cond = cond.add(action::Column::ActorId.in_subquery(on_side));
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
        let words = words(text);
        let Some((last, rest)) = words.split_last() else {
            return Expr::cust("1 = 0");
        };
        if self.postgres {
            // Words are letters and digits only, so they cannot break the query syntax.
            let mut terms: Vec<String> = rest.to_vec();
            terms.push(format!("{last}:*"));
            Expr::cust_with_values(
                format!("{POSTGRES_DOCUMENT} @@ to_tsquery('simple'::regconfig, $1)"),
                [terms.join(" & ")],
            )
        } else {
            let mut terms: Vec<String> = rest.iter().map(|w| format!("\"{w}\"")).collect();
            terms.push(format!("\"{last}\"*"));
            Expr::cust_with_values(
                format!(
                    "\"action\".\"id\" IN (SELECT rowid FROM {SQLITE_TABLE} \
                     WHERE {SQLITE_TABLE} MATCH ?)"
                ),
                [terms.join(" ")],
            )
        }
    }
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

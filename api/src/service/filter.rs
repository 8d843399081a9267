//! The timeline filter: what callers ask for, checked and resolved into one SQL condition that
//! the timeline, its count, an actor's actions and the escalation series all share.

use super::{ServiceError, ServiceResult};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use standoff_entities::{ActionKind, ActionStatus, Category, Side, action, action_target, actor};
use std::collections::HashSet;

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

/// A filter whose slugs have been looked up; cheap to clone and reuse across queries.
#[derive(Debug, Clone, Default)]
pub struct ResolvedFilter {
    filter: ActionFilter,
    actor_ids: Vec<i64>,
    only_actor: Option<i64>,
}

impl ActionFilter {
    /// Checks the filter and looks its actor slugs up, failing on any unknown slug.
    pub async fn resolve<C: ConnectionTrait>(self, db: &C) -> ServiceResult<ResolvedFilter> {
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
        let mut actor_ids = Vec::new();
        if !self.actors.is_empty() {
            let wanted: HashSet<&str> = self.actors.iter().map(String::as_str).collect();
            let found: Vec<(i64, String)> = actor::Entity::find()
                .select_only()
                .column(actor::Column::Id)
                .column(actor::Column::Slug)
                .filter(actor::Column::Slug.is_in(wanted.iter().copied()))
                .into_tuple()
                .all(db)
                .await?;
            let known: HashSet<&str> = found.iter().map(|(_, s)| s.as_str()).collect();
            if let Some(missing) = self.actors.iter().find(|s| !known.contains(s.as_str())) {
                return Err(ServiceError::NotFound(format!(
                    "no actor has the slug {missing:?}"
                )));
            }
            actor_ids = found.into_iter().map(|(id, _)| id).collect();
        }
        Ok(ResolvedFilter {
            filter: self,
            actor_ids,
            only_actor: None,
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
            let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
            let mut any = Condition::any();
            for col in [
                action::Column::Title,
                action::Column::Summary,
                action::Column::Quote,
            ] {
                any = any.add(
                    Expr::expr(Func::lower(Expr::col((action::Entity, col))))
                        .like(LikeExpr::new(pattern.clone()).escape('\\')),
                );
            }
            cond = cond.add(any);
        }
        cond
    }
}

/// Makes `%`, `_` and `\` in user text match themselves in a LIKE pattern.
fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_in_user_text_are_literal() {
        assert_eq!(escape_like("100%_a\\b"), "100\\%\\_a\\\\b");
    }
}

//! One clause per filter condition, each written once with both of its meanings: the SQL
//! condition queries use and the in-memory judgement live subscribers use. Both are exhaustive
//! matches over [`Clause`], so a new condition does not compile until it has both.

use super::search;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition};
use standoff_entities::{
    ActionKind, ActionStatus, Category, Publication, Side, action, action_target, actor,
    story_action,
};

/// What an in-memory judgement knows of an action: the row, its actor's side and its targets.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// The action as it is now.
    pub action: &'a action::Model,
    /// The acting actor's side.
    pub side: Side,
    /// The ids of the actors it is aimed at.
    pub targets: &'a [i64],
    /// The ids of the stories it belongs to.
    pub stories: &'a [i64],
}

/// One condition of a resolved filter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Clause {
    /// Not retracted (the default).
    NotRetracted,
    /// Published: what readers may see (the default; editors' reads leave it out).
    Published,
    /// Acted by this actor (an actor's own `actions`).
    ActorIs(i64),
    /// Acted by one of these actors or, with `involving`, aimed at one of them.
    Actors {
        /// Their ids, sorted.
        ids: Vec<i64>,
        /// Whether targets count too.
        involving: bool,
    },
    /// Belongs to one of these stories (their ids, sorted).
    Stories(Vec<i64>),
    /// The acting actor is on one of these sides.
    Sides(Vec<Side>),
    /// One of these kinds.
    Kinds(Vec<ActionKind>),
    /// One of these categories (an action without one never matches).
    Categories(Vec<Category>),
    /// One of these statuses.
    Statuses(Vec<ActionStatus>),
    /// Occurred at or after.
    From(DateTime<Utc>),
    /// Occurred at or before.
    To(DateTime<Utc>),
    /// Holds every word of a search, through the full-text index only.
    Text {
        /// The index query (`None`: the text had no words, so nothing matches).
        query: Option<String>,
        /// The index is PostgreSQL's rather than SQLite's.
        postgres: bool,
        /// The search matches many actions (see `FilterCache`).
        common: bool,
    },
}

impl Clause {
    /// The SQL condition on `action` rows.
    pub fn condition(&self) -> Condition {
        let cond = Condition::all();
        match self {
            Self::NotRetracted => cond.add(action::Column::Retracted.eq(false)),
            Self::Published => cond.add(action::Column::Publication.eq(Publication::Published)),
            Self::ActorIs(id) => cond.add(action::Column::ActorId.eq(*id)),
            Self::Actors { ids, involving } => {
                let by_actor = action::Column::ActorId.is_in(ids.clone());
                if *involving {
                    let targeted = Query::select()
                        .column(action_target::Column::ActionId)
                        .from(action_target::Entity)
                        .and_where(action_target::Column::ActorId.is_in(ids.clone()))
                        .to_owned();
                    cond.add(
                        Condition::any()
                            .add(by_actor)
                            .add(action::Column::Id.in_subquery(targeted)),
                    )
                } else {
                    cond.add(by_actor)
                }
            }
            Self::Stories(ids) => {
                let member = Query::select()
                    .expr(Expr::val(1))
                    .from(story_action::Entity)
                    .and_where(
                        Expr::col((story_action::Entity, story_action::Column::ActionId))
                            .equals((action::Entity, action::Column::Id)),
                    )
                    .and_where(story_action::Column::StoryId.is_in(ids.clone()))
                    .to_owned();
                cond.add(Expr::exists(member))
            }
            Self::Sides(sides) => {
                // A correlated EXISTS rather than `actor_id IN (actors on the side)`: SQLite
                // would drive the IN form through every action of those actors and sort them
                // all, where this walks the timeline in order and stops at the page's end.
                let on_side = Query::select()
                    .expr(Expr::val(1))
                    .from(actor::Entity)
                    .and_where(
                        Expr::col((actor::Entity, actor::Column::Id))
                            .equals((action::Entity, action::Column::ActorId)),
                    )
                    .and_where(actor::Column::Side.is_in(sides.clone()))
                    .to_owned();
                cond.add(Expr::exists(on_side))
            }
            Self::Kinds(kinds) => cond.add(action::Column::Kind.is_in(kinds.clone())),
            Self::Categories(categories) => {
                cond.add(action::Column::Category.is_in(categories.clone()))
            }
            Self::Statuses(statuses) => cond.add(action::Column::Status.is_in(statuses.clone())),
            Self::From(from) => cond.add(action::Column::OccurredUntil.gte(*from)),
            Self::To(to) => cond.add(action::Column::OccurredAt.lte(*to)),
            Self::Text {
                query,
                postgres,
                common,
            } => cond.add(search::condition(query.as_deref(), *postgres, *common)),
        }
    }

    /// Whether an action passes, judged in memory; `None` when only the database can tell
    /// (a text search, which needs the full-text index's own tokenising).
    pub fn judge(&self, facts: Facts<'_>) -> Option<bool> {
        let action = facts.action;
        Some(match self {
            Self::NotRetracted => !action.retracted,
            Self::Published => action.publication == Publication::Published,
            Self::ActorIs(id) => action.actor_id == *id,
            Self::Actors { ids, involving } => {
                ids.contains(&action.actor_id)
                    || (*involving && facts.targets.iter().any(|t| ids.contains(t)))
            }
            Self::Stories(ids) => facts.stories.iter().any(|s| ids.contains(s)),
            Self::Sides(sides) => sides.contains(&facts.side),
            Self::Kinds(kinds) => kinds.contains(&action.kind),
            Self::Categories(categories) => {
                action.category.is_some_and(|c| categories.contains(&c))
            }
            Self::Statuses(statuses) => statuses.contains(&action.status),
            Self::From(from) => crate::date::of(action).until >= *from,
            Self::To(to) => action.occurred_at <= *to,
            Self::Text { .. } => return None,
        })
    }
}

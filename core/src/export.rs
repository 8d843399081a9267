//! Whole filtered timelines with their relations, for exports and feeds (not paged: capped).

use super::filter::ResolvedFilter;
use super::lookup::{self, Link};
use super::timeline::TimeOrder;
use super::{CoreError, CoreResult};
use sea_orm::{ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect};
use standoff_entities::{action, actor, citation, source};

/// Most actions one export holds.
pub const MAX_EXPORT: u64 = 1000;
/// Actions an export holds when the caller does not say.
pub const DEFAULT_EXPORT: u64 = 500;

/// An action with what a reader needs to see beside it.
#[derive(Debug, Clone)]
pub struct ExportedAction {
    /// The action.
    pub action: action::Model,
    /// Who acted.
    pub actor: actor::Model,
    /// Its citations with their sources.
    pub citations: Vec<(citation::Model, source::Model)>,
    /// The earlier actions it answers.
    pub responds_to: Vec<Link>,
}

fn checked_limit(limit: Option<u64>) -> CoreResult<u64> {
    let limit = limit.unwrap_or(DEFAULT_EXPORT);
    if limit > MAX_EXPORT {
        return Err(CoreError::LimitExceeded(format!(
            "an export holds at most {MAX_EXPORT} actions"
        )));
    }
    Ok(limit)
}

/// Loads the relations of `actions`, one statement per relation.
async fn with_relations<C: ConnectionTrait>(
    db: &C,
    actions: Vec<action::Model>,
) -> CoreResult<Vec<ExportedAction>> {
    let ids: Vec<i64> = actions.iter().map(|a| a.id).collect();
    let mut actor_ids: Vec<i64> = actions.iter().map(|a| a.actor_id).collect();
    actor_ids.sort_unstable();
    actor_ids.dedup();
    let actors = lookup::actors(db, &actor_ids).await?;
    let mut citations = lookup::citations(db, &ids).await?;
    let mut links = lookup::responses_from(db, &ids).await?;
    actions
        .into_iter()
        .map(|a| {
            let actor = actors
                .get(&a.actor_id)
                .cloned()
                .ok_or_else(|| CoreError::Internal(format!("action {} has no actor", a.id)))?;
            Ok(ExportedAction {
                citations: citations.remove(&a.id).unwrap_or_default(),
                responds_to: links.remove(&a.id).unwrap_or_default(),
                actor,
                action: a,
            })
        })
        .collect()
}

/// The filtered timeline in order, up to `limit` actions (500 by default, 1000 at most).
pub async fn timeline<C: ConnectionTrait>(
    db: &C,
    filter: &ResolvedFilter,
    order: TimeOrder,
    limit: Option<u64>,
) -> CoreResult<Vec<ExportedAction>> {
    let limit = checked_limit(limit)?;
    let dir = match order {
        TimeOrder::Asc => Order::Asc,
        TimeOrder::Desc => Order::Desc,
    };
    let actions = action::Entity::find()
        .filter(filter.condition())
        .order_by(action::Column::OrderKey, dir.clone())
        .order_by(action::Column::Id, dir)
        .limit(limit)
        .all(db)
        .await?;
    with_relations(db, actions).await
}

/// The most recently recorded, corrected or retracted actions matching `filter` (retracted
/// ones included), newest change first: what a feed reader should see.
pub async fn recently_changed<C: ConnectionTrait>(
    db: &C,
    filter: &ResolvedFilter,
    limit: Option<u64>,
) -> CoreResult<Vec<ExportedAction>> {
    let limit = checked_limit(limit.or(Some(50)))?;
    let actions = action::Entity::find()
        .filter(filter.clone().with_retracted().condition())
        .order_by_desc(action::Column::UpdatedAt)
        .order_by_desc(action::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    with_relations(db, actions).await
}

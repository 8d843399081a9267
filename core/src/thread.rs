//! The escalation thread of an action: what it answered and what answered it, transitively.

use super::{CoreError, CoreResult};
use crate::filter::Visibility;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use standoff_entities::{action, response};
use std::collections::HashSet;

/// Deepest thread one request may walk.
pub const MAX_THREAD_DEPTH: i32 = 50;
/// How many links each way a thread follows when the caller does not say.
pub const DEFAULT_THREAD_DEPTH: i32 = 10;

/// Walks `depth` response links up (what it answered) and down (what answered it) from an
/// action, one query per level and direction, and returns the actions found, the start
/// included, in time order. Retracted actions are left out, except the start itself.
pub async fn thread<C: ConnectionTrait>(
    db: &C,
    start_id: i64,
    depth: i32,
    visibility: Visibility,
) -> CoreResult<Vec<action::Model>> {
    if depth < 0 {
        return Err(CoreError::BadInput("depth cannot be negative".into()));
    }
    if depth > MAX_THREAD_DEPTH {
        return Err(CoreError::LimitExceeded(format!(
            "a thread walks at most {MAX_THREAD_DEPTH} links deep"
        )));
    }
    if crate::lookup::actions(db, &[start_id], visibility)
        .await?
        .is_empty()
    {
        return Err(CoreError::NotFound(format!(
            "no action has the id {}",
            crate::public_id::action(start_id)
        )));
    }

    let mut seen: HashSet<i64> = HashSet::from([start_id]);
    for upward in [true, false] {
        let mut frontier = vec![start_id];
        for _ in 0..depth {
            if frontier.is_empty() {
                break;
            }
            let from_col = if upward {
                response::Column::ActionId
            } else {
                response::Column::RespondsToId
            };
            let links = response::Entity::find()
                .filter(from_col.is_in(frontier.clone()))
                .all(db)
                .await?;
            frontier = links
                .into_iter()
                .map(|r| {
                    if upward {
                        r.responds_to_id
                    } else {
                        r.action_id
                    }
                })
                .filter(|id| seen.insert(*id))
                .collect();
        }
    }
    let ids: Vec<i64> = seen.into_iter().collect();
    Ok(action::Entity::find()
        .filter(action::Column::Id.is_in(ids))
        .filter(
            sea_orm::Condition::any()
                .add(action::Column::Retracted.eq(false))
                .add(action::Column::Id.eq(start_id)),
        )
        .filter(crate::lookup::seen(visibility))
        .order_by_asc(action::Column::OrderKey)
        .order_by_asc(action::Column::Id)
        .all(db)
        .await?)
}

//! Whole filtered timelines with their relations, for exports and feeds (not paged: capped).

use super::cursor::TimelineCursor;
use super::filter::{ResolvedFilter, Visibility};
use super::lookup::{self, Link};
use super::timeline::{TimeOrder, beyond};
use super::{CoreError, CoreResult};
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect,
};
use standoff_entities::{action, actor, change, citation, source, story};

/// Most actions one export holds.
pub const MAX_EXPORT: u64 = 1000;
/// Actions an export holds when the caller does not say.
pub const DEFAULT_EXPORT: u64 = 500;
/// Actions one step of a streamed export reads: a bounded batch, so a whole archive streams in
/// constant memory.
pub const STREAM_BATCH: u64 = 500;

/// An action with what a reader needs to see beside it.
#[derive(Debug, Clone)]
pub struct ExportedAction {
    /// The action.
    pub action: action::Model,
    /// Who acted.
    pub actor: actor::Model,
    /// Whom it was aimed at, by name (loaded for the table exports only, empty elsewhere).
    pub targets: Vec<actor::Model>,
    /// The stories it belongs to, by slug (loaded for the table exports only, empty elsewhere).
    pub stories: Vec<story::Model>,
    /// Its citations with their sources.
    pub citations: Vec<(citation::Model, source::Model)>,
    /// The earlier actions it answers.
    pub responds_to: Vec<Link>,
    /// Its corrections, oldest first (the change-log entries, with the editors' notes).
    pub corrections: Vec<change::Model>,
    /// Its latest retraction, while it is retracted.
    pub retraction: Option<change::Model>,
}

impl ExportedAction {
    /// The newest correction's note, shown to readers beside a corrected action.
    pub fn latest_correction(&self) -> Option<&change::Model> {
        self.corrections.last()
    }
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
/// `members`: also targets and stories, which only the table exports show, so the feed, the
/// TimelineJS export and story pages do not pay two statements for them.
async fn with_relations<C: ConnectionTrait>(
    db: &C,
    actions: Vec<action::Model>,
    members: bool,
) -> CoreResult<Vec<ExportedAction>> {
    let ids: Vec<i64> = actions.iter().map(|a| a.id).collect();
    let mut actor_ids: Vec<i64> = actions.iter().map(|a| a.actor_id).collect();
    actor_ids.sort_unstable();
    actor_ids.dedup();
    let actors = lookup::actors(db, &actor_ids).await?;
    let (mut targets, mut stories) = if members {
        (
            lookup::targets(db, &ids).await?,
            lookup::stories_of(db, &ids).await?,
        )
    } else {
        Default::default()
    };
    let mut citations = lookup::citations(db, &ids).await?;
    // Exports are read by anyone: what they show of an action's links and corrections is
    // what readers see.
    let mut links = lookup::responses_from(db, &ids, Visibility::Public).await?;
    let mut corrections = crate::changes::corrections(db, &ids, Visibility::Public).await?;
    let mut retractions = crate::changes::retractions(db, &ids).await?;
    actions
        .into_iter()
        .map(|a| {
            let actor = actors
                .get(&a.actor_id)
                .cloned()
                .ok_or_else(|| CoreError::Internal(format!("action {} has no actor", a.id)))?;
            Ok(ExportedAction {
                targets: targets.remove(&a.id).unwrap_or_default(),
                stories: stories.remove(&a.id).unwrap_or_default(),
                citations: citations.remove(&a.id).unwrap_or_default(),
                responds_to: links.remove(&a.id).unwrap_or_default(),
                corrections: corrections.remove(&a.id).unwrap_or_default(),
                retraction: retractions.remove(&a.id).filter(|_| a.retracted),
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
    // Retracted actions are never exported, whatever the filter asks: a retraction is told
    // where readers follow changes (the feed, the widget), not re-published as a slide.
    let actions = action::Entity::find()
        .filter(filter.condition())
        .filter(action::Column::Retracted.eq(false))
        .order_by(action::Column::OrderKey, dir.clone())
        .order_by(action::Column::Id, dir)
        .limit(limit)
        .all(db)
        .await?;
    with_relations(db, actions, false).await
}

/// One batch of a streamed export: up to `size` filtered actions after `after` in timeline
/// order, with their relations. With `updated_since`, only actions recorded, corrected,
/// retracted or restored since then, retracted ones included (marked so), which is what a
/// notebook syncing incrementally must apply.
pub async fn batch<C: ConnectionTrait>(
    db: &C,
    filter: &ResolvedFilter,
    updated_since: Option<DateTime<Utc>>,
    after: Option<&TimelineCursor>,
    size: u64,
) -> CoreResult<Vec<ExportedAction>> {
    let mut query = action::Entity::find();
    query = match updated_since {
        Some(since) => query
            .filter(filter.clone().with_retracted().condition())
            .filter(action::Column::UpdatedAt.gte(since)),
        None => query.filter(filter.condition()),
    };
    if let Some(after) = after {
        query = query.filter(beyond(after, true));
    }
    let actions = query
        .order_by_asc(action::Column::OrderKey)
        .order_by_asc(action::Column::Id)
        .limit(size)
        .all(db)
        .await?;
    with_relations(db, actions, true).await
}

/// The retracted actions matching `filter`, with their retractions, for pages that must say
/// what was withdrawn and why (up to the export cap, newest first).
pub async fn retracted<C: ConnectionTrait>(
    db: &C,
    filter: &ResolvedFilter,
) -> CoreResult<Vec<ExportedAction>> {
    let actions = action::Entity::find()
        .filter(filter.clone().with_retracted().condition())
        .filter(action::Column::Retracted.eq(true))
        .order_by_desc(action::Column::UpdatedAt)
        .limit(MAX_EXPORT)
        .all(db)
        .await?;
    with_relations(db, actions, false).await
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
    with_relations(db, actions, false).await
}

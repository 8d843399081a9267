//! Timeline events read from the change log: what subscriptions replay and stream. Both read
//! the same rows in sequence order, so replay and live delivery cannot disagree.

use super::CoreResult;
use super::filter::ResolvedFilter;
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect,
    RelationTrait,
};
use standoff_entities::{ChangeKind, action, change};

/// Change kinds that concern an action on the timeline. Readers see only the public ones, so
/// of the publication steps only the publication itself reaches them.
const TIMELINE_KINDS: [ChangeKind; 10] = [
    ChangeKind::Recorded,
    ChangeKind::Corrected,
    ChangeKind::Retracted,
    ChangeKind::Restored,
    ChangeKind::Responded,
    ChangeKind::Published,
    ChangeKind::Submitted,
    ChangeKind::Approved,
    ChangeKind::Scheduled,
    ChangeKind::Unpublished,
];

/// One change to an action, with the action as it is now.
#[derive(Debug, Clone)]
pub struct TimelineChange {
    /// The change's position in the log.
    pub seq: i64,
    /// Recorded, corrected, retracted or responded.
    pub kind: ChangeKind,
    /// When the change was written.
    pub at: DateTime<Utc>,
    /// Whether readers may know of it.
    pub public: bool,
    /// The action it concerns.
    pub action: action::Model,
}

/// A batch of events and the log position the reader has now covered.
#[derive(Debug, Clone)]
pub struct EventBatch {
    /// Matching events, in log order.
    pub events: Vec<TimelineChange>,
    /// Every change up to here has been considered, matching or not.
    pub position: i64,
    /// Whether more matching events may lie beyond `position` right now.
    pub more: bool,
}

/// Up to `limit` timeline events after `after` whose action matches `filter`; for a filter of
/// readers' view, only the changes readers may know of.
///
/// The log's head is read first and the scan stops there, so a reader knows exactly how far
/// it has looked even when nothing matched: it resumes from `position` without a gap.
pub async fn events_after<C: ConnectionTrait>(
    db: &C,
    after: i64,
    filter: &ResolvedFilter,
    limit: u64,
) -> CoreResult<EventBatch> {
    let head = crate::change_log::head(db).await?;
    if head <= after {
        return Ok(EventBatch {
            events: Vec::new(),
            position: after,
            more: false,
        });
    }
    let rows = change::Entity::find()
        .join(JoinType::InnerJoin, change::Relation::Action.def())
        .select_also(action::Entity)
        .filter(change::Column::Seq.gt(after))
        .filter(change::Column::Seq.lte(head))
        .filter(change::Column::Kind.is_in(TIMELINE_KINDS))
        .filter(filter.condition())
        .filter(if filter.is_public() {
            sea_orm::Condition::all().add(change::Column::Public.eq(true))
        } else {
            sea_orm::Condition::all()
        })
        .order_by_asc(change::Column::Seq)
        .limit(limit)
        .all(db)
        .await?;
    let full = rows.len() as u64 == limit;
    let events: Vec<TimelineChange> = rows
        .into_iter()
        .filter_map(|(c, a)| {
            a.map(|action| TimelineChange {
                seq: c.seq,
                kind: c.kind,
                at: c.at,
                public: c.public,
                action,
            })
        })
        .collect();
    let position = match (full, events.last()) {
        (true, Some(last)) => last.seq,
        _ => head,
    };
    Ok(EventBatch {
        more: full,
        events,
        position,
    })
}

//! The change log: every write in commit order, paged by sequence number.

use super::CoreResult;
use super::cursor::ChangeCursor;
use super::page::{Page, PageRequest};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use standoff_entities::change;

/// One page of the change log, oldest first.
pub async fn changes_page<C: ConnectionTrait>(
    db: &C,
    request: &PageRequest<ChangeCursor>,
) -> CoreResult<Page<change::Model>> {
    let mut cond = Condition::all();
    if let Some(ChangeCursor(after)) = request.after {
        cond = cond.add(change::Column::Seq.gt(after));
    }
    if let Some(ChangeCursor(before)) = request.before {
        cond = cond.add(change::Column::Seq.lt(before));
    }
    let dir = if request.from_end {
        Order::Desc
    } else {
        Order::Asc
    };
    let rows = change::Entity::find()
        .filter(cond)
        .order_by(change::Column::Seq, dir)
        .limit(request.size + 1)
        .all(db)
        .await?;
    Ok(Page::assemble(rows, request, |c| {
        ChangeCursor(c.seq).encode()
    }))
}

/// How many changes the log holds.
pub async fn count_changes<C: ConnectionTrait>(db: &C) -> CoreResult<u64> {
    Ok(change::Entity::find().count(db).await?)
}

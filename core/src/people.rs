//! Actors: lookup by slug and the alphabetical, side-filtered list.

use super::CoreResult;
use super::cursor::ActorCursor;
use super::page::{Page, PageRequest};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use standoff_entities::{Side, actor};

/// The actor with this slug, if any.
pub async fn actor_by_slug<C: ConnectionTrait>(
    db: &C,
    slug: &str,
) -> CoreResult<Option<actor::Model>> {
    Ok(actor::Entity::find()
        .filter(actor::Column::Slug.eq(slug))
        .one(db)
        .await?)
}

fn side_condition(side: Option<Side>) -> Condition {
    let mut cond = Condition::all();
    if let Some(side) = side {
        cond = cond.add(actor::Column::Side.eq(side));
    }
    cond
}

/// One page of actors ordered by slug, optionally on one side.
pub async fn actors_page<C: ConnectionTrait>(
    db: &C,
    side: Option<Side>,
    request: &PageRequest<ActorCursor>,
) -> CoreResult<Page<actor::Model>> {
    let mut cond = side_condition(side);
    if let Some(ActorCursor(after)) = &request.after {
        cond = cond.add(actor::Column::Slug.gt(after.clone()));
    }
    if let Some(ActorCursor(before)) = &request.before {
        cond = cond.add(actor::Column::Slug.lt(before.clone()));
    }
    let dir = if request.from_end {
        Order::Desc
    } else {
        Order::Asc
    };
    let rows = actor::Entity::find()
        .filter(cond)
        .order_by(actor::Column::Slug, dir)
        .limit(request.size + 1)
        .all(db)
        .await?;
    Ok(Page::assemble(rows, request, |a| {
        ActorCursor(a.slug.clone()).encode()
    }))
}

/// How many actors there are, optionally on one side.
pub async fn count_actors<C: ConnectionTrait>(db: &C, side: Option<Side>) -> CoreResult<u64> {
    Ok(actor::Entity::find()
        .filter(side_condition(side))
        .count(db)
        .await?)
}

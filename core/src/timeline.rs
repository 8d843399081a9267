//! The timeline: actions in causal `(order_key, id)` order (see [`crate::order`]), paged by
//! keyset, never by offset.

use super::cursor::TimelineCursor;
use super::filter::ResolvedFilter;
use super::joined::with_joined;
use super::page::{Page, PageRequest};
use super::pruned::{ActionColumns, ActorColumns};
use super::{CoreError, CoreResult};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, JoinType, Order, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, RelationTrait,
};
use standoff_entities::{action, actor};
use std::collections::HashMap;

/// Which way the timeline runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimeOrder {
    /// Oldest first.
    #[default]
    Asc,
    /// Newest first.
    Desc,
}

/// The cursor of an action's place on the timeline.
pub fn cursor_of(model: &action::Model) -> TimelineCursor {
    TimelineCursor {
        order_key: model.order_key,
        id: model.id,
    }
}

/// Rows strictly after (`later`) or before a keyset position.
pub(crate) fn beyond(c: &TimelineCursor, later: bool) -> Condition {
    use action::Column::{Id, OrderKey};
    let (at, tie) = if later {
        (OrderKey.gt(c.order_key), Id.gt(c.id))
    } else {
        (OrderKey.lt(c.order_key), Id.lt(c.id))
    };
    // The first term repeats what the second implies, because it is the one a planner can
    // turn into an index range: without it SQLite walks the index from its start to the cursor.
    let bound = if later {
        OrderKey.gte(c.order_key)
    } else {
        OrderKey.lte(c.order_key)
    };
    Condition::all().add(bound).add(
        Condition::any()
            .add(at)
            .add(Condition::all().add(OrderKey.eq(c.order_key)).add(tie)),
    )
}

/// Narrows `cond` to the rows between the request's cursors. "After" means later in the list's
/// order, which is earlier in time when the list runs newest first.
fn within(
    mut cond: Condition,
    request: &PageRequest<TimelineCursor>,
    ascending: bool,
) -> Condition {
    if let Some(after) = &request.after {
        cond = cond.add(beyond(after, ascending));
    }
    if let Some(before) = &request.before {
        cond = cond.add(beyond(before, !ascending));
    }
    cond
}

/// The statement that reads one page of the filtered timeline in the given order, with each
/// action's actor (fetched in the same statement, since every timeline shows who acted); one
/// row more than the page, to tell whether another follows.
pub fn page_query(
    filter: &ResolvedFilter,
    order: TimeOrder,
    request: &PageRequest<TimelineCursor>,
) -> sea_orm::Select<action::Entity> {
    let ascending = order == TimeOrder::Asc;
    let cond = within(filter.condition(), request, ascending);
    let fetch_ascending = ascending != request.from_end;
    let dir = if fetch_ascending {
        Order::Asc
    } else {
        Order::Desc
    };
    // An expression the timeline index cannot serve makes the planner gather the matches
    // first (see `ResolvedFilter::sorts_matches`); the order itself is the same.
    let time = if filter.sorts_matches() {
        Expr::cust("\"action\".\"order_key\" + 0")
    } else {
        Expr::col((action::Entity, action::Column::OrderKey))
    };
    action::Entity::find()
        .join(JoinType::LeftJoin, action::Relation::Actor.def())
        .filter(cond)
        .order_by(time, dir.clone())
        .order_by(action::Column::Id, dir)
        .limit(request.size + 1)
}

/// One page of the filtered timeline in the given order, with each action's actor. Only
/// `columns` of the actions and `actor_columns` of the actors are read: the models' other
/// fields hold placeholders (see [`crate::pruned`]).
pub async fn page<C: ConnectionTrait>(
    db: &C,
    filter: &ResolvedFilter,
    order: TimeOrder,
    request: &PageRequest<TimelineCursor>,
    columns: ActionColumns,
    actor_columns: ActorColumns,
) -> CoreResult<(Page<action::Model>, HashMap<i64, actor::Model>)> {
    if request.size == 0 {
        let empty = Page {
            items: Vec::new(),
            has_next: false,
            has_previous: false,
        };
        return Ok((empty, HashMap::new()));
    }
    let query = page_query(filter, order, request);
    let rows = with_joined(db, query, columns, actor_columns).await?;
    let mut actors = HashMap::new();
    let mut actions = Vec::with_capacity(rows.len());
    for (action, actor) in rows {
        if let Some(actor) = actor {
            actors.insert(actor.id, actor);
        }
        actions.push(action);
    }
    Ok((
        Page::assemble(actions, request, |m| cursor_of(m).encode()),
        actors,
    ))
}

/// One page of each listed actor's own actions (in time order), for all of them in one
/// statement: a window numbers each actor's matching actions and keeps the first of each.
pub async fn pages_of_actors<C: ConnectionTrait>(
    db: &C,
    filter: &ResolvedFilter,
    actor_ids: &[i64],
    request: &PageRequest<TimelineCursor>,
) -> CoreResult<HashMap<i64, Page<action::Model>>> {
    use sea_orm::QueryTrait;
    use sea_orm::sea_query::{Alias, Asterisk, Func, Query, WindowStatement};
    let mut pages: HashMap<i64, Vec<action::Model>> =
        actor_ids.iter().map(|id| (*id, Vec::new())).collect();
    if request.size > 0 && !actor_ids.is_empty() {
        let cond = within(
            filter
                .condition()
                .add(action::Column::ActorId.is_in(actor_ids.iter().copied())),
            request,
            true,
        );
        let dir = if request.from_end {
            Order::Desc
        } else {
            Order::Asc
        };
        let mut inner = action::Entity::find().filter(cond).into_query();
        inner.expr_window_as(
            Func::cust(Alias::new("ROW_NUMBER")),
            WindowStatement::partition_by((action::Entity, action::Column::ActorId))
                .order_by((action::Entity, action::Column::OrderKey), dir.clone())
                .order_by((action::Entity, action::Column::Id), dir)
                .to_owned(),
            Alias::new("rn"),
        );
        let outer = Query::select()
            .column(Asterisk)
            .from_subquery(inner, Alias::new("ranked"))
            .and_where(Expr::col(Alias::new("rn")).lte(request.size + 1))
            .order_by(Alias::new("rn"), Order::Asc)
            .to_owned();
        let statement = db.get_database_backend().build(&outer);
        let rows = action::Entity::find()
            .from_raw_sql(statement)
            .all(db)
            .await?;
        for row in rows {
            pages.entry(row.actor_id).or_default().push(row);
        }
    }
    Ok(pages
        .into_iter()
        .map(|(id, rows)| (id, Page::assemble(rows, request, |m| cursor_of(m).encode())))
        .collect())
}

/// How many actions match the filter.
pub async fn count<C: ConnectionTrait>(db: &C, filter: &ResolvedFilter) -> CoreResult<u64> {
    Ok(action::Entity::find()
        .filter(filter.condition())
        .count(db)
        .await?)
}

/// One action by id, retracted or not (a direct link keeps working after a retraction).
pub async fn action_by_id<C: ConnectionTrait>(
    db: &C,
    id: i64,
) -> CoreResult<Option<action::Model>> {
    Ok(action::Entity::find_by_id(id).one(db).await?)
}

/// One action by id, or NOT_FOUND naming it.
pub async fn require_action<C: ConnectionTrait>(db: &C, id: i64) -> CoreResult<action::Model> {
    action_by_id(db, id).await?.ok_or_else(|| {
        CoreError::NotFound(format!(
            "no action has the id {}",
            crate::public_id::action(id)
        ))
    })
}

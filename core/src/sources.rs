//! Sources: the newest-first list an editor picks from, searchable by title or publisher;
//! readers see only the sources published actions cite.

use super::cursor::SourceCursor;
use super::page::{Page, PageRequest};
use super::{CoreError, CoreResult};
use crate::filter::Visibility;
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use standoff_entities::source;

/// Longest search of the sources, in characters.
pub const MAX_SEARCH: usize = 200;

/// Sources whose title or publisher holds `search`, case-insensitively (every source without
/// one). LIKE's wildcards in the search are taken literally.
fn matching(search: Option<&str>) -> CoreResult<Condition> {
    let Some(search) = search.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(Condition::all());
    };
    if search.chars().count() > MAX_SEARCH {
        return Err(CoreError::LimitExceeded(format!(
            "a source search is at most {MAX_SEARCH} characters"
        )));
    }
    let escaped: String = search
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            _ => vec![c],
        })
        .collect();
    let pattern = format!("%{escaped}%");
    let like = |column: source::Column| {
        Expr::expr(Func::lower(Expr::col(column)))
            .like(sea_orm::sea_query::LikeExpr::new(pattern.clone()).escape('\\'))
    };
    Ok(Condition::any()
        .add(like(source::Column::Title))
        .add(like(source::Column::Publisher)))
}

/// One page of sources, newest first, optionally searched.
pub async fn sources_page<C: ConnectionTrait>(
    db: &C,
    search: Option<&str>,
    visibility: Visibility,
    request: &PageRequest<SourceCursor>,
) -> CoreResult<Page<source::Model>> {
    let mut cond = Condition::all()
        .add(matching(search)?)
        .add(crate::lookup::sources_seen(visibility));
    if let Some(SourceCursor(after)) = request.after {
        cond = cond.add(source::Column::Id.lt(after));
    }
    if let Some(SourceCursor(before)) = request.before {
        cond = cond.add(source::Column::Id.gt(before));
    }
    let dir = if request.from_end {
        Order::Asc
    } else {
        Order::Desc
    };
    let rows = source::Entity::find()
        .filter(cond)
        .order_by(source::Column::Id, dir)
        .limit(request.size + 1)
        .all(db)
        .await?;
    Ok(Page::assemble(rows, request, |s| {
        SourceCursor(s.id).encode()
    }))
}

/// How many sources match `search`.
pub async fn count_sources<C: ConnectionTrait>(
    db: &C,
    search: Option<&str>,
    visibility: Visibility,
) -> CoreResult<u64> {
    Ok(source::Entity::find()
        .filter(matching(search)?)
        .filter(crate::lookup::sources_seen(visibility))
        .count(db)
        .await?)
}

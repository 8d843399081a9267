//! Rows of one entity with another joined in, each read with only the columns asked for.
//!
//! sea-orm's pair selectors name every column of both entities with a prefix and build each
//! prefixed name again for every column of every row they decode: on a timeline page that was
//! about a tenth of the CPU time. Here both entities' columns are selected in order, unnamed,
//! and decoded by position (see [`crate::pruned`]).

use super::CoreResult;
use super::pruned::{Columns, Prunable};
use sea_orm::{ConnectionTrait, QuerySelect, QueryTrait, Select};

/// The rows `select` finds, each as `A`'s model with `a` read and the model of `B` (which
/// `select` has joined in) with `b` read; `B` is absent where a left join found none.
pub async fn with_joined<A, B, C>(
    db: &C,
    select: Select<A>,
    a: Columns<A>,
    b: Columns<B>,
) -> CoreResult<Vec<(A::Model, Option<B::Model>)>>
where
    A: Prunable,
    B: Prunable,
    C: ConnectionTrait,
{
    let select = select.select_only().columns(a.iter()).columns(b.iter());
    let rows = db
        .query_all_raw(select.build(db.get_database_backend()))
        .await?;
    rows.iter()
        .map(|row| Ok((a.decode(row, 0)?, b.decode_optional(row, a.len())?)))
        .collect()
}

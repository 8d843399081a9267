//! Rows of one entity with another joined in, decoded without sea-orm's pair selectors.
//!
//! `select_also` names every column of both entities with a prefix, and sea-orm builds each
//! prefixed name again for every column of every row it decodes: on a timeline page that was
//! about a tenth of the CPU time. Here the entity with more columns keeps its own names and
//! only the joined one (a few columns) carries a prefix.

use super::CoreResult;
use sea_orm::{
    ConnectionTrait, DbErr, EntityTrait, FromQueryResult, IdenStatic, Iterable, QueryResult,
    QuerySelect, QueryTrait, Select,
};

/// The prefix of the joined entity's columns.
const JOINED: &str = "j_";

/// The rows `select` finds, each as its own entity's model and the model of `B` (which
/// `select` has joined in; absent where a left join found none).
pub async fn with_joined<A, B, C>(
    db: &C,
    select: Select<A>,
) -> CoreResult<Vec<(A::Model, Option<B::Model>)>>
where
    A: EntityTrait,
    B: EntityTrait,
    C: ConnectionTrait,
{
    with_joined_as::<_, B, _, _>(db, select, |row| A::Model::from_query_result(row, "")).await
}

/// As [`with_joined`], with `A`'s part of each row decoded by `decode` (a pruned select's
/// columns come first, so it can read them by position).
pub async fn with_joined_as<A, B, C, M>(
    db: &C,
    select: Select<A>,
    decode: impl Fn(&QueryResult) -> Result<M, DbErr>,
) -> CoreResult<Vec<(M, Option<B::Model>)>>
where
    A: EntityTrait,
    B: EntityTrait,
    C: ConnectionTrait,
{
    let mut select = select;
    for column in B::Column::iter() {
        select = select.column_as(column, format!("{JOINED}{}", column.as_str()));
    }
    let rows = db
        .query_all_raw(select.build(db.get_database_backend()))
        .await?;
    rows.iter()
        .map(|row| {
            Ok((
                decode(row)?,
                B::Model::from_query_result_optional(row, JOINED)?,
            ))
        })
        .collect()
}

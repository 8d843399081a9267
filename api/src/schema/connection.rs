//! Relay connections: turning paging arguments into a checked request and a service page into a
//! connection object.

use crate::error::CoreResultExt;
use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{ObjectType, OutputType};
use standoff_core::CoreResult;
use standoff_core::page::{Page, PageRequest};

/// Checks Relay's `first`/`after`/`last`/`before`, decoding the cursors with `decode`.
pub fn page_request<C>(
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
    decode: impl Fn(&str) -> CoreResult<C>,
) -> async_graphql::Result<PageRequest<C>> {
    let after = after.as_deref().map(&decode).transpose().gql()?;
    let before = before.as_deref().map(&decode).transpose().gql()?;
    PageRequest::new(first, last, after, before).gql()
}

/// Wraps a service page as a connection whose extra fields (such as `totalCount`) are `fields`.
pub fn connection<M, N, F>(
    page: Page<M>,
    mut wrap: impl FnMut(M) -> N,
    fields: F,
) -> Connection<String, N, F, EmptyFields>
where
    N: OutputType,
    F: ObjectType,
{
    let mut c = Connection::with_additional_fields(page.has_previous, page.has_next, fields);
    c.edges.extend(
        page.items
            .into_iter()
            .map(|(cursor, model)| Edge::new(cursor, wrap(model))),
    );
    c
}

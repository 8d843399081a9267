//! `sources` and `checkDate`: what the desk asks while an editor writes.

use crate::error::CoreResultExt;
use crate::schema::connection::{connection, page_request};
use crate::schema::enums::DatePrecision;
use crate::schema::object::{Source, SourceConnection, SourceTotal, database};
use crate::schema::viewer::visibility;
use crate::schema::when::When;
use async_graphql::{Context, Object, Result, SimpleObject};
use standoff_core::cursor::SourceCursor;
use standoff_core::{date, sources};

/// How Standoff reads a date as written: what would be stored.
#[derive(SimpleObject)]
pub struct DateCheck {
    /// The date in EDTF, as it would be recorded.
    pub edtf: String,
    /// How precisely it is known.
    pub precision: DatePrecision,
    /// The earliest instant it allows.
    pub occurred_at: When,
    /// The latest instant it allows.
    pub occurred_until: When,
    /// The date written for readers, in UTC.
    pub display_date: String,
}

/// The desk's questions.
#[derive(Default)]
pub struct DeskQuery;

#[Object]
impl DeskQuery {
    /// Sources, newest first, optionally those whose title or publisher holds `search`; readers
    /// see those that published actions cite, editors every one.
    async fn sources(
        &self,
        ctx: &Context<'_>,
        search: Option<String>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<SourceConnection> {
        let request = page_request(first, after, last, before, SourceCursor::decode)?;
        let page =
            sources::sources_page(database(ctx), search.as_deref(), visibility(ctx), &request)
                .await
                .gql()?;
        Ok(connection(
            page,
            Source,
            SourceTotal(search, visibility(ctx)),
        ))
    }

    /// How a date as written would be read (the same rules as every date input), or
    /// BAD_USER_INPUT saying what forms are accepted: for forms that check as the editor types.
    async fn check_date(&self, text: String) -> Result<DateCheck> {
        let known = date::parse(&text)
            .map_err(standoff_core::CoreError::BadInput)
            .gql()?;
        Ok(DateCheck {
            display_date: date::display(&known, "UTC"),
            precision: known.precision.into(),
            occurred_at: known.at.into(),
            occurred_until: known.until.into(),
            edtf: known.edtf,
        })
    }
}

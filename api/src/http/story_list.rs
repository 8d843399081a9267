//! `/stories`: every story the newsroom covers, what the widget's credit links to when it
//! shows more than one story. Drawn on the server; pages of 50 by slug.

use super::AppState;
use super::export::escape;
use super::story::page;
use crate::error::ApiError;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use standoff_core::cursor::StoryCursor;
use standoff_core::filter::Visibility;
use standoff_core::page::PageRequest;
use standoff_core::words::Lang;
use standoff_core::{CoreError, date, stories};
use std::fmt::Write;

/// Where a page of the list starts.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// The cursor of the last story on the page before.
    after: Option<String>,
}

/// One page of stories, each with its summary, how many actions it holds and when they span.
pub async fn list(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let params: ListParams = serde_urlencoded::from_str(query.as_deref().unwrap_or(""))
        .map_err(|e| CoreError::BadInput(format!("the query string does not parse: {e}")))?;
    let after = params
        .after
        .as_deref()
        .map(StoryCursor::decode)
        .transpose()?;
    let request = PageRequest::new(Some(50), None, after, None)?;
    let found = stories::stories_page(&state.db, &request).await?;
    let ids: Vec<i64> = found.items.iter().map(|(_, s)| s.id).collect();
    let spans = stories::spans(&state.db, &ids, Visibility::Public).await?;
    let mut body = String::from(
        "<header><p class=\"story-kicker\">Standoff</p><h1>Sourced timelines</h1>\
         <p class=\"story-summary\">Every feud this newsroom keeps a sourced, time-ordered \
         record of.</p></header><ul class=\"story-list\">",
    );
    for (_, story) in &found.items {
        let span = spans.get(&story.id).copied().unwrap_or_default();
        let lang = Lang::En;
        let _ = write!(
            body,
            "<li><h2><a href=\"/stories/{}\">{}</a></h2>",
            escape(&story.slug),
            escape(&story.title)
        );
        if let Some(summary) = &story.summary {
            let _ = write!(body, "<p>{}</p>", escape(summary));
        }
        let _ = write!(
            body,
            "<p class=\"story-small\">{}",
            lang.count(span.actions, standoff_core::words::Noun::Action)
        );
        if let Some(last) = span.last_at {
            let _ = write!(
                body,
                ", the latest {}",
                escape(&date::day_in(last, &story.time_zone, lang))
            );
        }
        body.push_str(".</p></li>");
    }
    body.push_str("</ul>");
    if found.items.is_empty() {
        body.push_str("<p>No stories yet.</p>");
    }
    if let (true, Some((cursor, _))) = (found.has_next, found.items.last()) {
        let _ = write!(
            body,
            "<p><a href=\"/stories?after={}\">More stories</a></p>",
            escape(cursor)
        );
    }
    Ok(page(
        StatusCode::OK,
        Lang::En,
        "Standoff: sourced timelines",
        "",
        &body,
    ))
}

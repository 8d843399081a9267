//! `/export/timelinejs.json`: the filtered timeline as Knight Lab TimelineJS3 JSON.

use super::{Scope, action_html, api_name, escape, scope};
use crate::error::ApiError;
use crate::http::AppState;
use crate::schema::id::{NodeType, encode};
use axum::Json;
use axum::extract::{RawQuery, State};
use chrono::{DateTime, Datelike, Timelike, Utc};
use serde_json::{Value, json};
use standoff_core::date;
use standoff_core::export::{self, ExportedAction};
use standoff_entities::DatePrecision;

/// TimelineJS's date object for the unit of `precision` at `at`, never finer than known.
fn date_object(at: DateTime<Utc>, precision: DatePrecision, display: &str) -> Value {
    let mut date = json!({ "year": at.year(), "display_date": display });
    if precision != DatePrecision::Year {
        date["month"] = json!(at.month());
    }
    if matches!(precision, DatePrecision::Day | DatePrecision::Minute) {
        date["day"] = json!(at.day());
    }
    if precision == DatePrecision::Minute {
        date["hour"] = json!(at.hour());
        date["minute"] = json!(at.minute());
    }
    date
}

/// A slide's dates: one unit as its start alone; a span as a start and an end; an open start
/// ("by August 2025") as the last unit it allows, labelled so.
fn dates(item: &ExportedAction, scope: &Scope) -> (Value, Option<Value>) {
    let known = date::of(&item.action);
    let shown = scope.date(&item.action);
    let p = known.precision;
    let last = p.truncate(known.until);
    if known.open_start() {
        return (date_object(last, p, &shown), None);
    }
    let start = date_object(known.at, p, &shown);
    if known.is_one_unit() {
        (start, None)
    } else {
        (start, Some(date_object(last, p, &shown)))
    }
}

fn event(item: &ExportedAction, scope: &Scope) -> Value {
    let (start, end) = dates(item, scope);
    let mut event = json!({
        "unique_id": encode(NodeType::Action, item.action.id).0,
        "start_date": start,
        "text": { "headline": escape(&item.action.title), "text": action_html(item) },
        "group": api_name(&item.actor.side),
    });
    if let Some(end) = end {
        event["end_date"] = end;
    }
    // TimelineJS wants media to have an address; the first cited source with one is the
    // slide's media, credited to its publisher.
    if let Some((_, source)) = item.citations.iter().find(|(_, s)| s.url.is_some()) {
        event["media"] = json!({
            "url": source.url,
            "credit": source.publisher.clone().unwrap_or_else(|| source.title.clone()),
            "caption": source.title,
        });
    }
    event
}

/// The filtered timeline (same parameters as the `timeline` query) in TimelineJS3 form.
pub async fn export(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let scope = scope(&state.db, &state.filter_cache, query.as_deref()).await?;
    let params = &scope.params;
    let items = export::timeline(&state.db, &scope.filter, params.order, params.limit).await?;
    let span = match (items.first(), items.last()) {
        (Some(first), Some(last)) => format!(
            "{} actions, {} to {}",
            items.len(),
            scope.date(&first.action),
            scope.date(&last.action)
        ),
        _ => "No actions match this filter.".to_owned(),
    };
    let headline = scope.title("the feud, in time order");
    Ok(Json(json!({
        "title": { "text": { "headline": escape(&headline), "text": escape(&span) } },
        "events": items.iter().map(|i| event(i, &scope)).collect::<Vec<_>>(),
    })))
}

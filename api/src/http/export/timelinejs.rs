//! `/export/timelinejs.json`: the filtered timeline as Knight Lab TimelineJS3 JSON.

use super::{Scope, action_html, api_name, escape, scope};
use crate::error::ApiError;
use crate::http::AppState;
use crate::schema::id::{NodeType, encode};
use axum::Json;
use axum::extract::{RawQuery, State};
use chrono::{Datelike, Timelike};
use serde_json::{Value, json};
use standoff_core::export::{self, ExportedAction};
use standoff_entities::DatePrecision;

/// TimelineJS's date object, as precise as the action's date is known.
fn start_date(item: &ExportedAction, scope: &Scope) -> Value {
    let (at, precision) = (item.action.occurred_at, item.action.precision);
    let mut date = json!({ "year": at.year(), "display_date": scope.date(&item.action) });
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

fn event(item: &ExportedAction, scope: &Scope) -> Value {
    let mut event = json!({
        "unique_id": encode(NodeType::Action, item.action.id).0,
        "start_date": start_date(item, scope),
        "text": { "headline": escape(&item.action.title), "text": action_html(item) },
        "group": api_name(&item.actor.side),
    });
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

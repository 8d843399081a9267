//! `/export/timelinejs.json`: the filtered timeline as Knight Lab TimelineJS3 JSON.

use super::{Scope, action_html, escape, scope};
use crate::error::ApiError;
use crate::http::AppState;
use crate::schema::id::{NodeType, encode};
use axum::Json;
use axum::extract::{RawQuery, State};
use chrono::{DateTime, Datelike, Timelike, Utc};
use serde_json::{Value, json};
use standoff_core::export::{self, ExportedAction};
use standoff_core::words::{Noun, Phrase};
use standoff_core::{date, stories};
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
        "text": { "headline": escape(&item.action.title), "text": action_html(item, scope) },
        "group": scope.lang.side(item.actor.side),
    });
    if let Some(end) = end {
        event["end_date"] = end;
    }
    // Media only where a cited source is an image: TimelineJS draws any other address as a
    // broken picture, and the source is credited in the slide's text already.
    if let Some((_, source)) = item
        .citations
        .iter()
        .find(|(_, s)| s.url.as_deref().is_some_and(is_image))
    {
        event["media"] = json!({
            "url": source.url,
            "credit": source.publisher.clone().unwrap_or_else(|| source.title.clone()),
            "caption": source.title,
        });
    }
    event
}

/// A story's periods as TimelineJS eras: each a labelled band from its first to its last unit.
fn eras(story: &standoff_entities::story::Model, scope: &Scope) -> Result<Vec<Value>, ApiError> {
    let mut eras = Vec::new();
    for period in stories::periods(story)? {
        let known = period.date()?;
        let p = known.precision;
        let shown = date::display_in(&known, scope.time_zone(), scope.lang);
        eras.push(json!({
            "start_date": date_object(known.at, p, &shown),
            "end_date": date_object(p.truncate(known.until), p, &shown),
            "text": { "headline": escape(&period.label) },
        }));
    }
    Ok(eras)
}

/// True when an address names a picture TimelineJS can show, by its file's extension.
fn is_image(url: &str) -> bool {
    let path = url
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    [".jpg", ".jpeg", ".png", ".gif", ".webp", ".svg"]
        .iter()
        .any(|ext| path.ends_with(ext))
}

/// The filtered timeline (same parameters as the `timeline` query) in TimelineJS3 form.
pub async fn export(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let scope = scope(&state.db, &state.filter_cache, query.as_deref()).await?;
    let params = &scope.params;
    let items = export::timeline(&state.db, &scope.filter, params.order, params.limit).await?;
    let lang = scope.lang;
    let span = match (items.first(), items.last()) {
        (Some(first), Some(last)) => lang.fill(
            Phrase::Span,
            &[
                (
                    "actions",
                    &lang.count(u64::try_from(items.len()).unwrap_or(0), Noun::Action),
                ),
                ("first", &scope.date(&first.action)),
                ("last", &scope.date(&last.action)),
            ],
        ),
        _ => lang.phrase(Phrase::NoActions).to_owned(),
    };
    // A story's own title and summary head its timeline.
    let (headline, text) = match &scope.story {
        Some(story) => (
            story.title.clone(),
            match &story.summary {
                Some(summary) => format!("<p>{}</p><p>{}</p>", escape(summary), escape(&span)),
                None => format!("<p>{}</p>", escape(&span)),
            },
        ),
        None => (
            scope.title(Phrase::TimelineTitle),
            format!("<p>{}</p>", escape(&span)),
        ),
    };
    let mut doc = json!({
        "title": { "text": { "headline": escape(&headline), "text": text } },
        "events": items.iter().map(|i| event(i, &scope)).collect::<Vec<_>>(),
    });
    if let Some(story) = &scope.story {
        let eras = eras(story, &scope)?;
        if !eras.is_empty() {
            doc["eras"] = Value::Array(eras);
        }
    }
    Ok(Json(doc))
}

//! `/export/actions.csv` and `/export/actions.ndjson`: one row per action with ACLED-style
//! columns, for spreadsheets and notebooks. Streamed a batch at a time in timeline order, so
//! a whole archive leaves the service in constant memory.

use super::{api_name, scope};
use crate::error::ApiError;
use crate::http::AppState;
use crate::schema::id::{NodeType, encode};
use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use standoff_core::date;
use standoff_core::export::{self, ExportedAction, STREAM_BATCH};
use standoff_core::timeline::cursor_of;

/// The columns, in order: the CSV header and the NDJSON keys.
const COLUMNS: [&str; 26] = [
    "id",
    "stories",
    "occurred_at",
    "occurred_until",
    "date_edtf",
    "date_text",
    "precision",
    "time_precision",
    "actor",
    "actor_name",
    "actor_side",
    "targets",
    "kind",
    "category",
    "status",
    "intensity",
    "title",
    "summary",
    "quote",
    "place",
    "magnitude",
    "source_titles",
    "source_urls",
    "revision",
    "retracted",
    "updated_at",
];

/// One action as a row; lists stay lists in NDJSON and are joined with "; " in CSV.
#[derive(Serialize)]
struct Row {
    id: String,
    stories: Vec<String>,
    occurred_at: String,
    occurred_until: String,
    date_edtf: String,
    date_text: Option<String>,
    precision: String,
    time_precision: u8,
    actor: String,
    actor_name: String,
    actor_side: String,
    targets: Vec<String>,
    kind: String,
    category: Option<String>,
    status: String,
    intensity: f64,
    title: String,
    summary: Option<String>,
    quote: Option<String>,
    place: Option<String>,
    magnitude: Option<i64>,
    source_titles: Vec<String>,
    source_urls: Vec<String>,
    revision: i32,
    retracted: bool,
    updated_at: String,
}

fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl Row {
    fn of(item: &ExportedAction) -> Self {
        let a = &item.action;
        let known = date::of(a);
        Self {
            id: encode(NodeType::Action, a.id).0,
            stories: item.stories.iter().map(|s| s.slug.clone()).collect(),
            occurred_at: instant(known.at),
            occurred_until: instant(known.until),
            date_edtf: known.edtf.clone(),
            date_text: a.date_text.clone(),
            precision: api_name(&known.precision),
            time_precision: date::acled_time_precision(&known),
            actor: item.actor.slug.clone(),
            actor_name: item.actor.name.clone(),
            actor_side: api_name(&item.actor.side),
            targets: item.targets.iter().map(|t| t.slug.clone()).collect(),
            kind: api_name(&a.kind),
            category: a.category.as_ref().map(api_name),
            status: api_name(&a.status),
            intensity: a.intensity,
            title: a.title.clone(),
            summary: a.summary.clone(),
            quote: a.quote.clone(),
            place: a.place.clone(),
            magnitude: a.magnitude,
            source_titles: item
                .citations
                .iter()
                .map(|(_, s)| s.title.clone())
                .collect(),
            source_urls: item
                .citations
                .iter()
                .filter_map(|(_, s)| s.url.clone())
                .collect(),
            revision: a.revision,
            retracted: a.retracted,
            updated_at: instant(a.updated_at),
        }
    }

    /// The row's fields in column order, as CSV writes them.
    fn fields(&self) -> [String; 26] {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        [
            self.id.clone(),
            self.stories.join("; "),
            self.occurred_at.clone(),
            self.occurred_until.clone(),
            self.date_edtf.clone(),
            text(&self.date_text),
            self.precision.clone(),
            self.time_precision.to_string(),
            self.actor.clone(),
            self.actor_name.clone(),
            self.actor_side.clone(),
            self.targets.join("; "),
            self.kind.clone(),
            text(&self.category),
            self.status.clone(),
            self.intensity.to_string(),
            self.title.clone(),
            text(&self.summary),
            text(&self.quote),
            text(&self.place),
            self.magnitude.map(|m| m.to_string()).unwrap_or_default(),
            self.source_titles.join("; "),
            self.source_urls.join("; "),
            self.revision.to_string(),
            self.retracted.to_string(),
            self.updated_at.clone(),
        ]
    }
}

/// The two shapes of the same rows.
#[derive(Clone, Copy)]
enum Format {
    Csv,
    Ndjson,
}

impl Format {
    fn encode(self, rows: &[ExportedAction], header: bool) -> Result<Bytes, ApiError> {
        match self {
            Format::Csv => {
                let mut out = csv::Writer::from_writer(Vec::new());
                let mut write = || -> Result<(), csv::Error> {
                    if header {
                        out.write_record(COLUMNS)?;
                    }
                    for item in rows {
                        out.write_record(Row::of(item).fields())?;
                    }
                    out.flush()?;
                    Ok(())
                };
                write().map_err(|e| ApiError::internal(&format!("CSV export: {e}")))?;
                let bytes = out
                    .into_inner()
                    .map_err(|e| ApiError::internal(&format!("CSV export: {e}")))?;
                Ok(Bytes::from(bytes))
            }
            Format::Ndjson => {
                let mut out = Vec::new();
                for item in rows {
                    serde_json::to_writer(&mut out, &Row::of(item))
                        .map_err(|e| ApiError::internal(&format!("NDJSON export: {e}")))?;
                    out.push(b'\n');
                }
                Ok(Bytes::from(out))
            }
        }
    }

    fn media_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8; header=present",
            Format::Ndjson => "application/x-ndjson; charset=utf-8",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Ndjson => "ndjson",
        }
    }
}

/// The filtered timeline as CSV.
pub async fn csv(state: State<AppState>, query: RawQuery) -> Result<Response, ApiError> {
    stream(state, query, Format::Csv).await
}

/// The filtered timeline as NDJSON, one JSON object per line.
pub async fn ndjson(state: State<AppState>, query: RawQuery) -> Result<Response, ApiError> {
    stream(state, query, Format::Ndjson).await
}

/// Reads and checks the parameters and the first batch before answering, so a bad request or
/// a database failure is a proper error response; then streams the rest batch by batch.
async fn stream(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    format: Format,
) -> Result<Response, ApiError> {
    let scope = scope(&state.db, &state.filter_cache, query.as_deref()).await?;
    let since = scope.params.updated_since;
    // Rows still to send: all of them unless `limit` says.
    let mut left = scope.params.limit;
    let size = |left: Option<u64>| left.map_or(STREAM_BATCH, |n| n.min(STREAM_BATCH));
    let want = size(left);
    let first = export::batch(&state.db, &scope.filter, since, None, want).await?;
    let head = format.encode(&first, true)?;
    let mut more = first.len() as u64 == want && want > 0;
    let mut cursor = first.last().map(|item| cursor_of(&item.action));
    left = left.map(|n| n.saturating_sub(first.len() as u64));
    drop(first);
    let name = scope.story.as_ref().map_or_else(
        || "standoff-actions".to_owned(),
        |s| format!("{}-actions", s.slug),
    );
    let (db, filter) = (state.db.clone(), scope.filter);
    let body = async_stream::stream! {
        yield Ok::<Bytes, std::io::Error>(head);
        while more && left != Some(0) {
            let Some(after) = cursor.take() else { break };
            let want = size(left);
            let batch = match export::batch(&db, &filter, since, Some(&after), want).await {
                Ok(batch) => batch,
                Err(e) => {
                    // The headers are sent: the body ends early, which the client sees.
                    tracing::error!(error = %e, "a streamed export stopped");
                    yield Err(std::io::Error::other(e.to_string()));
                    break;
                }
            };
            more = batch.len() as u64 == want;
            left = left.map(|n| n.saturating_sub(batch.len() as u64));
            cursor = batch.last().map(|item| cursor_of(&item.action));
            match format.encode(&batch, false) {
                Ok(bytes) => yield Ok(bytes),
                Err(e) => {
                    tracing::error!(error = %e.body(), "a streamed export stopped");
                    yield Err(std::io::Error::other(e.body()));
                    break;
                }
            }
        }
    };
    Ok((
        [
            (header::CONTENT_TYPE, format.media_type().to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{name}.{}\"", format.extension()),
            ),
        ],
        Body::from_stream(body),
    )
        .into_response())
}

//! `/oembed`: the oEmbed provider endpoint (https://oembed.com), so a CMS that unfurls links
//! embeds a story from its page's address or its widget's: a `rich` answer holding the widget's
//! iframe and the script that sizes it.

use super::AppState;
use super::export::{base_url, escape};
use super::params::TimelineParams;
use crate::error::{ApiError, Code};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};
use standoff_core::{check, stories};

/// Widest and tallest the widget is offered, when the consumer allows more or says nothing.
const WIDTH: u32 = 640;
const HEIGHT: u32 = 720;
/// Narrowest and shortest that still shows a readable timeline.
const MIN_WIDTH: u32 = 280;
const MIN_HEIGHT: u32 = 240;

/// What an oEmbed consumer asks.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OembedParams {
    url: String,
    maxwidth: Option<u32>,
    maxheight: Option<u32>,
    format: Option<String>,
}

/// The HTML that embeds the widget for `query` on another page: the iframe (at most `width`
/// wide, else the page's width; `height` until the widget says its own) and the script that
/// sizes it. The story page shows it and oEmbed answers it.
pub(crate) fn snippet(
    base: &str,
    query: &str,
    title: &str,
    width: Option<u32>,
    height: u32,
) -> String {
    let src = if query.is_empty() {
        format!("{base}/embed/timeline")
    } else {
        format!("{base}/embed/timeline?{query}")
    };
    let (width, max) = match width {
        Some(w) => (w.to_string(), format!(";max-width:{w}px")),
        None => ("100%".to_owned(), String::new()),
    };
    format!(
        "<iframe src=\"{}\" title=\"{}\" width=\"{width}\" height=\"{height}\" \
         style=\"border:0;width:100%{max}\" loading=\"lazy\"></iframe>\
         <script src=\"{base}/embed.js\" async></script>",
        escape(&src),
        escape(&format!("Timeline: {title}"))
    )
}

/// The discovery link for a page of this service at `url`, for its `<head>`.
pub(crate) fn discovery(base: &str, url: &str, title: &str) -> String {
    let query = serde_urlencoded::to_string([("url", url)]).unwrap_or_default();
    format!(
        "<link rel=\"alternate\" type=\"application/json+oembed\" href=\"{}\" title=\"{}\">",
        escape(&format!("{base}/oembed?{query}")),
        escape(title)
    )
}

/// What an address of this service embeds: the widget's query string and its title.
async fn embeddable(state: &AppState, base: &str, url: &str) -> Result<(String, String), ApiError> {
    let not_ours = || {
        ApiError::new(
            Code::NotFound,
            format!("{url:?} is not a Standoff story page or widget here"),
        )
    };
    // Either scheme: a proxy in front may end TLS, so the address a reader has may say https.
    let host = base.split_once("://").map_or(base, |(_, host)| host);
    let rest = ["https://", "http://"]
        .iter()
        .find_map(|scheme| url.strip_prefix(scheme))
        .and_then(|after| after.strip_prefix(host))
        .ok_or_else(not_ours)?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let query = query.split('#').next().unwrap_or("");
    if let Some(slug) = path.strip_prefix("/stories/") {
        let slug = check::slug("story", slug).map_err(|_| not_ours())?;
        let story = stories::story_by_slug(&state.db, &slug)
            .await?
            .ok_or_else(not_ours)?;
        return Ok((format!("stories={}", story.slug), story.title));
    }
    if path == "/embed/timeline" {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
            .map_err(|_| ApiError::bad_input("the widget address's query does not parse"))?;
        let params = TimelineParams::parse(&pairs)?;
        let title = match params.filter.stories.as_slice() {
            [one] => stories::story_by_slug(&state.db, one)
                .await?
                .map(|s| s.title),
            _ => None,
        };
        return Ok((
            query.to_owned(),
            title.unwrap_or_else(|| "Standoff: live timeline".to_owned()),
        ));
    }
    Err(not_ours())
}

/// The oEmbed answer for a story page or widget address of this service; 404 for any other.
pub async fn oembed(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<OembedParams>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(p) = params.map_err(|e| {
        ApiError::bad_input(format!(
            "oEmbed takes url, maxwidth, maxheight and format: {e}"
        ))
    })?;
    if p.format.as_deref().is_some_and(|f| f != "json") {
        // oEmbed's answer to a format the provider does not give.
        return Err(ApiError::bad_input("this provider answers in JSON only")
            .with_status(StatusCode::NOT_IMPLEMENTED));
    }
    let base = base_url(&headers);
    let (query, title) = embeddable(&state, &base, &p.url).await?;
    let width = p.maxwidth.map_or(WIDTH, |w| w.min(WIDTH)).max(MIN_WIDTH);
    let height = p
        .maxheight
        .map_or(HEIGHT, |h| h.min(HEIGHT))
        .max(MIN_HEIGHT);
    let html = snippet(&base, &query, &title, Some(width), height);
    Ok(Json(json!({
        "version": "1.0",
        "type": "rich",
        "provider_name": "Standoff",
        "provider_url": base,
        "title": title,
        "html": html,
        "width": width,
        "height": height,
        "cache_age": 300,
    })))
}

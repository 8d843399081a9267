//! `/stories/{slug}`: a story's public page, what an editor links to: its timeline (dates in
//! the story's time zone), its escalation chart, its sources and the code to embed it. Drawn
//! on the server, so it reads without JavaScript; an unknown slug is a 404 page.

use super::AppState;
use super::export::{base_url, escape, side_words};
use super::oembed;
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use standoff_core::export::{self, DEFAULT_EXPORT, ExportedAction};
use standoff_core::filter::ActionFilter;
use standoff_core::timeline::TimeOrder;
use standoff_core::{date, stories};
use standoff_entities::story;
use std::collections::BTreeMap;
use std::fmt::Write;

const STYLE: &str = include_str!("../../../web/story/story.css");

/// Same-origin resources only; the page is not an embed, so it may not be framed.
const POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; \
    form-action 'none'; frame-ancestors 'none'";

/// A date for `<time datetime>`, which takes a year, a month, a day or an instant but no
/// interval: a span gives its first day.
fn machine_date(d: &date::KnownDate) -> String {
    if d.precision == standoff_entities::DatePrecision::Minute {
        d.at.to_rfc3339()
    } else if d.is_one_unit() {
        d.edtf.clone()
    } else {
        d.at.format("%Y-%m-%d").to_string()
    }
}

/// A page with `head` (links such as oEmbed discovery) in its head.
fn page(status: StatusCode, title: &str, head: &str, body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><link rel=\"stylesheet\" href=\"/stories.css\">{head}</head>\
         <body><main class=\"story\">{body}</main></body></html>",
        escape(title)
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, POLICY),
        ],
        html,
    )
        .into_response()
}

fn action_item(story: &story::Model, item: &ExportedAction, html: &mut String) {
    let a = &item.action;
    let side = item.actor.side;
    let _ = write!(
        html,
        "<li class=\"story-action side-{}\" id=\"action-{}\"><p class=\"story-meta\">\
         <time datetime=\"{}\">{}</time><span class=\"story-side\">{}</span>\
         <span class=\"story-actor\">{}</span></p><h3>{}</h3>",
        super::export::api_name(&side),
        a.id,
        machine_date(&date::of(a)),
        escape(&date::display(&date::of(a), &story.time_zone)),
        side_words(side),
        escape(&item.actor.name),
        escape(&a.title),
    );
    if let Some(summary) = &a.summary {
        let _ = write!(html, "<p>{}</p>", escape(summary));
    }
    if let Some(quote) = &a.quote {
        let _ = write!(html, "<blockquote>“{}”</blockquote>", escape(quote));
    }
    for (link, answered) in &item.responds_to {
        let _ = write!(
            html,
            "<p class=\"story-small\">{} <a href=\"#action-{}\">{}</a></p>",
            super::export::stance_words(link.stance),
            answered.id,
            escape(&answered.title)
        );
    }
    if let Some(correction) = item.latest_correction() {
        let _ = write!(
            html,
            "<p class=\"story-correction\"><strong>Corrected</strong> {}: {}</p>",
            escape(&date::day_in(correction.at, &story.time_zone)),
            escape(correction.note.as_deref().unwrap_or_default())
        );
    }
    html.push_str("</li>");
}

/// One correction or retraction as readers are told it.
struct Notice {
    at: chrono::DateTime<chrono::Utc>,
    action_id: Option<i64>,
    title: String,
    what: &'static str,
    note: String,
}

/// Every correction of the shown actions and every retraction in the story, newest first.
fn notices(items: &[ExportedAction], retracted: &[ExportedAction]) -> Vec<Notice> {
    let mut out: Vec<Notice> = items
        .iter()
        .flat_map(|item| {
            item.corrections.iter().map(move |c| Notice {
                at: c.at,
                action_id: Some(item.action.id),
                title: item.action.title.clone(),
                what: "Corrected",
                note: c.note.clone().unwrap_or_default(),
            })
        })
        .collect();
    out.extend(retracted.iter().filter_map(|item| {
        item.retraction.as_ref().map(|r| Notice {
            at: r.at,
            action_id: None,
            title: item.action.title.clone(),
            what: "Retracted",
            note: r.note.clone().unwrap_or_default(),
        })
    }));
    out.sort_by_key(|n| std::cmp::Reverse(n.at));
    out
}

/// The page's schema.org description, with its corrections, as JSON-LD safe inside `<script>`.
fn json_ld(story: &story::Model, url: &str, notices: &[Notice]) -> String {
    let corrections: Vec<serde_json::Value> = notices
        .iter()
        .map(|n| {
            serde_json::json!({
                "@type": "CorrectionComment",
                "datePublished": n.at.to_rfc3339(),
                "text": format!("{} \u{201c}{}\u{201d}: {}", n.what, n.title, n.note),
            })
        })
        .collect();
    let mut doc = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "CreativeWork",
        "name": story.title,
        "url": url,
        "dateModified": story.updated_at.to_rfc3339(),
        "inLanguage": story.locale,
    });
    if let Some(summary) = &story.summary {
        doc["description"] = serde_json::json!(summary);
    }
    if !corrections.is_empty() {
        doc["correction"] = serde_json::json!(corrections);
    }
    // "</" would end the script element early; JSON allows "<\/" for it.
    doc.to_string().replace("</", "<\\/")
}

/// The story's page; 404 when no story has the slug.
pub async fn page_of(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Some(story) = stories::story_by_slug(&state.db, &slug).await? else {
        return Ok(page(
            StatusCode::NOT_FOUND,
            "No such story",
            "",
            "<p class=\"story-kicker\">Standoff</p><h1>No such story</h1>\
             <p>No story has this address. It may have moved, or the link may be mistyped.</p>",
        ));
    };
    let filter = ActionFilter {
        stories: vec![story.slug.clone()],
        ..ActionFilter::default()
    }
    .resolve(&state.db, &state.filter_cache)
    .await?;
    let items = export::timeline(&state.db, &filter, TimeOrder::Asc, None).await?;
    let retracted = export::retracted(&state.db, &filter).await?;
    let notices = notices(&items, &retracted);
    let span = stories::spans(&state.db, &[story.id])
        .await?
        .remove(&story.id)
        .unwrap_or_default();
    let base = base_url(&headers);
    let slug_q = escape(&story.slug);
    let mut body = String::new();
    let _ = write!(
        body,
        "<header><p class=\"story-kicker\">A sourced timeline</p><h1>{}</h1>",
        escape(&story.title)
    );
    if let Some(summary) = &story.summary {
        let _ = write!(body, "<p class=\"story-summary\">{}</p>", escape(summary));
    }
    let count = span.actions;
    let _ = write!(
        body,
        "<p class=\"story-span\">{count} action{}",
        if count == 1 { "" } else { "s" }
    );
    if let (Some(first), Some(last)) = (items.first(), items.last()) {
        let _ = write!(
            body,
            ", {} to {}",
            escape(&date::display(&date::of(&first.action), &story.time_zone)),
            escape(&date::display(&date::of(&last.action), &story.time_zone)),
        );
    }
    body.push_str(".</p></header>");
    let _ = write!(
        body,
        "<section class=\"story-chart\" aria-labelledby=\"chart-heading\">\
         <h2 id=\"chart-heading\">How each side escalated</h2>\
         <div class=\"story-chart-frame\" tabindex=\"0\" role=\"region\" \
         aria-label=\"Escalation chart, scrollable\">\
         <img src=\"/charts/escalation.svg?stories={slug_q}&amp;bucket=month\" \
         alt=\"Line chart of the summed intensity of each side's actions per month; \
         negative values are conflict.\" width=\"800\" height=\"420\"></div>\
         <p class=\"story-chart-hint\">Scroll sideways to see the whole chart.</p></section>"
    );
    body.push_str(
        "<section aria-labelledby=\"timeline-heading\"><h2 id=\"timeline-heading\">\
         What happened, in time order</h2><ol class=\"story-timeline\">",
    );
    for item in &items {
        action_item(&story, item, &mut body);
    }
    body.push_str("</ol>");
    if u64::try_from(items.len()).unwrap_or(u64::MAX) < count {
        let _ = write!(
            body,
            "<p class=\"story-small\">The first {DEFAULT_EXPORT} actions are shown; \
             the <a href=\"/embed/timeline?stories={slug_q}\">live timeline</a> holds them all.</p>"
        );
    }
    body.push_str("</section>");
    if !notices.is_empty() {
        body.push_str(
            "<section aria-labelledby=\"corrections-heading\"><h2 id=\"corrections-heading\">\
             Corrections and retractions</h2><ul class=\"story-notices\">",
        );
        for n in &notices {
            let title = match n.action_id {
                Some(id) => format!("<a href=\"#action-{id}\">{}</a>", escape(&n.title)),
                None => format!(
                    "<span class=\"story-retracted\">{}</span>",
                    escape(&n.title)
                ),
            };
            let _ = write!(
                body,
                "<li><strong>{}</strong> {}: {title}. {}</li>",
                n.what,
                escape(&date::day_in(n.at, &story.time_zone)),
                escape(&n.note)
            );
        }
        body.push_str("</ul></section>");
    }
    let mut sources: BTreeMap<i64, &standoff_entities::source::Model> = BTreeMap::new();
    for item in &items {
        for (_, source) in &item.citations {
            sources.insert(source.id, source);
        }
    }
    body.push_str(
        "<section aria-labelledby=\"sources-heading\"><h2 id=\"sources-heading\">Sources</h2>\
         <ul class=\"story-sources\">",
    );
    for source in sources.values() {
        let name = match &source.url {
            Some(url) => format!("<a href=\"{}\">{}</a>", escape(url), escape(&source.title)),
            None => escape(&source.title),
        };
        let publisher = source
            .publisher
            .as_deref()
            .map(|p| format!(", {}", escape(p)))
            .unwrap_or_default();
        let _ = write!(body, "<li>{name}{publisher}</li>");
    }
    body.push_str("</ul></section>");
    let embed = oembed::snippet(
        &base,
        &format!("stories={}", story.slug),
        &story.title,
        None,
        640,
    );
    let playground = if state.playground {
        format!(" · Query: <a href=\"/?story={slug_q}\">GraphQL playground</a>")
    } else {
        String::new()
    };
    let _ = write!(
        body,
        "<section class=\"story-embed\" aria-labelledby=\"embed-heading\">\
         <h2 id=\"embed-heading\">Embed this timeline</h2><pre><code>{}</code></pre>\
         <p class=\"story-small\">Feed: <a href=\"/feed.atom?stories={slug_q}\">Atom</a> · \
         Data: <a href=\"/export/timelinejs.json?stories={slug_q}\">TimelineJS</a> · \
         <a href=\"/export/actions.csv?stories={slug_q}\">CSV</a> · \
         <a href=\"/export/actions.ndjson?stories={slug_q}\">NDJSON</a>{playground}\
         </p></section><footer class=\"story-footer\">Sourced timeline by Standoff.</footer>\
         <script type=\"application/ld+json\">{}</script>",
        escape(&embed),
        json_ld(&story, &format!("{base}/stories/{}", story.slug), &notices)
    );
    let url = format!("{base}/stories/{}", story.slug);
    Ok(page(
        StatusCode::OK,
        &story.title,
        &oembed::discovery(&base, &url, &story.title),
        &body,
    ))
}

/// The story page's stylesheet.
pub async fn style() -> impl IntoResponse {
    super::asset(super::CSS, STYLE)
}

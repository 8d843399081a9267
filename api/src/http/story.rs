//! `/stories/{slug}`: a story's public page, what an editor links to: its timeline (dates in
//! the story's time zone), its escalation chart, its sources and the code to embed it. Drawn
//! on the server, so it reads without JavaScript; an unknown slug is a 404 page.

use super::AppState;
use super::export::{base_url, escape};
use super::oembed;
use crate::error::ApiError;
use crate::schema::id::{NodeType, encode};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use standoff_core::escalation::{self, Bucket, EscalationRow};
use standoff_core::export::{self, DEFAULT_EXPORT, ExportedAction};
use standoff_core::filter::ActionFilter;
use standoff_core::filter::Visibility;
use standoff_core::timeline::TimeOrder;
use standoff_core::words::{Lang, Noun, Phrase};
use standoff_core::{date, stories};
use standoff_entities::{ActionStatus, story};
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
pub(super) fn page(
    status: StatusCode,
    lang: Lang,
    title: &str,
    head: &str,
    body: &str,
) -> Response {
    let html = format!(
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><link rel=\"stylesheet\" href=\"/stories.css\">\
         <link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\">{head}</head>\
         <body><main class=\"story\">{body}</main></body></html>",
        lang.code(),
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

fn action_item(story: &story::Model, lang: Lang, item: &ExportedAction, html: &mut String) {
    let a = &item.action;
    let side = item.actor.side;
    let _ = write!(
        html,
        "<li class=\"story-action side-{}\" id=\"action-{}\"><p class=\"story-meta\">\
         <time datetime=\"{}\">{}</time><span class=\"story-side\">{}</span>\
         <span class=\"story-actor\">{}</span></p><h3>{}</h3>",
        super::export::api_name(&side),
        encode(NodeType::Action, a.id).0,
        machine_date(&date::of(a)),
        escape(&date::display_in(&date::of(a), &story.time_zone, lang)),
        lang.side(side),
        escape(&item.actor.name),
        escape(&a.title),
    );
    if a.status != ActionStatus::CarriedOut {
        let _ = write!(
            html,
            "<p class=\"story-status\">{}</p>",
            lang.status(a.status)
        );
    }
    if let Some(summary) = &a.summary {
        let _ = write!(html, "<p>{}</p>", escape(summary));
    }
    if let Some(quote) = &a.quote {
        let _ = write!(html, "<blockquote>“{}”</blockquote>", escape(quote));
    }
    if let Some(place) = &a.place {
        let _ = write!(
            html,
            "<p class=\"story-small\">{}: {}</p>",
            lang.phrase(Phrase::Place),
            escape(place)
        );
    }
    for (link, answered) in &item.responds_to {
        let _ = write!(
            html,
            "<p class=\"story-small\">{} <a href=\"#action-{}\">{}</a></p>",
            lang.stance(link.stance),
            encode(NodeType::Action, answered.id).0,
            escape(&answered.title)
        );
    }
    if let Some(correction) = item.latest_correction() {
        let _ = write!(
            html,
            "<p class=\"story-correction\"><strong>{}</strong> {}: {}</p>",
            lang.phrase(Phrase::Corrected),
            escape(&date::day_in(correction.at, &story.time_zone, lang)),
            escape(correction.note.as_deref().unwrap_or_default())
        );
    }
    html.push_str("</li>");
}

/// The escalation chart and, for readers who cannot see its lines, its numbers as a table.
fn chart_section(
    story: &story::Model,
    lang: Lang,
    bucket: Bucket,
    rows: &[EscalationRow],
    html: &mut String,
) {
    let slug_q = escape(&story.slug);
    let per = match bucket {
        Bucket::Day => Noun::Day,
        Bucket::Week => Noun::Week,
        Bucket::Month => Noun::Month,
        Bucket::Year => Noun::Year,
    };
    let per = lang.noun(per, false);
    let say = |p| escape(lang.phrase(p));
    let _ = write!(
        html,
        "<section class=\"story-chart\" aria-labelledby=\"chart-heading\">\
         <h2 id=\"chart-heading\">{}</h2>\
         <div class=\"story-chart-frame\" tabindex=\"0\" role=\"region\" aria-label=\"{}\">\
         <img src=\"/charts/escalation.svg?stories={slug_q}&amp;lang={}\" alt=\"{}\" \
         width=\"800\" height=\"450\"></div><p class=\"story-chart-hint\">{}</p>\
         <details class=\"story-chart-data\"><summary>{}</summary>\
         <div class=\"story-table-frame\" tabindex=\"0\" role=\"region\" aria-label=\"{}\">\
         <table><caption>{}</caption><thead><tr><th scope=\"col\">{}</th>\
         <th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr>\
         </thead><tbody>",
        say(Phrase::ChartHeading),
        say(Phrase::ChartScrollable),
        lang.code(),
        escape(&lang.fill(Phrase::ChartAlt, &[("unit", per)])),
        say(Phrase::ScrollHint),
        say(Phrase::ChartNumbers),
        say(Phrase::ChartNumbersScrollable),
        escape(&lang.fill(Phrase::ChartCaption, &[("unit", per)])),
        say(Phrase::ColumnWhen),
        say(Phrase::ColumnSide),
        say(Phrase::ColumnActions),
        say(Phrase::ColumnSum),
    );
    for row in rows {
        let last = row.bucket_end - chrono::Duration::days(1);
        let when = match row.width {
            Bucket::Day => date::day_in(row.bucket_start, "UTC", lang),
            _ => format!(
                "{} \u{2013} {}",
                date::day_in(row.bucket_start, "UTC", lang),
                date::day_in(last, "UTC", lang)
            ),
        };
        let _ = write!(
            html,
            "<tr><td>{when}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            lang.side(row.side),
            row.actions,
            row.intensity_sum
        );
    }
    let _ = write!(
        html,
        "</tbody></table></div><p class=\"story-small\">\
         <a href=\"/charts/escalation.csv?stories={slug_q}&amp;lang={}\">{}</a></p>\
         </details></section>",
        lang.code(),
        say(Phrase::DownloadCsv)
    );
}

/// One correction or retraction as readers are told it.
struct Notice {
    at: chrono::DateTime<chrono::Utc>,
    action_id: Option<i64>,
    title: String,
    what: Phrase,
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
                what: Phrase::Corrected,
                note: c.note.clone().unwrap_or_default(),
            })
        })
        .collect();
    out.extend(retracted.iter().filter_map(|item| {
        item.retraction.as_ref().map(|r| Notice {
            at: r.at,
            action_id: None,
            title: item.action.title.clone(),
            what: Phrase::Retracted,
            note: r.note.clone().unwrap_or_default(),
        })
    }));
    out.sort_by_key(|n| std::cmp::Reverse(n.at));
    out
}

/// The page's schema.org description, with its corrections, as JSON-LD safe inside `<script>`.
fn json_ld(story: &story::Model, lang: Lang, url: &str, notices: &[Notice]) -> String {
    let corrections: Vec<serde_json::Value> = notices
        .iter()
        .map(|n| {
            serde_json::json!({
                "@type": "CorrectionComment",
                "datePublished": n.at.to_rfc3339(),
                "text": format!(
                    "{} \u{201c}{}\u{201d}: {}",
                    lang.phrase(n.what),
                    n.title,
                    n.note
                ),
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

/// The language a page's address asks for (`?lang=es`). Anything else in the address (a
/// newsroom's tracking parameters) is left alone: a reader's page never refuses a link.
fn page_lang(query: Option<&str>) -> Option<Lang> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query?).ok()?;
    pairs
        .iter()
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Lang::from_tag(v))
}

/// The story's page, in the language asked for or the story's own; 404 when no story has the
/// slug.
pub async fn page_of(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let Some(story) = stories::story_by_slug(&state.db, &slug).await? else {
        return Ok(page(
            StatusCode::NOT_FOUND,
            Lang::En,
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
    let span = stories::spans(&state.db, &[story.id], Visibility::Public)
        .await?
        .remove(&story.id)
        .unwrap_or_default();
    let base = base_url(&headers);
    let lang = page_lang(query.as_deref()).unwrap_or_else(|| Lang::of_locale(&story.locale));
    let say = |p| escape(lang.phrase(p));
    let slug_q = escape(&story.slug);
    let other = match lang {
        Lang::En => Lang::Es,
        Lang::Es => Lang::En,
    };
    let mut body = String::new();
    let _ = write!(
        body,
        "<header><p class=\"story-kicker\">{}<a class=\"story-language\" href=\"?lang={}\" \
         hreflang=\"{}\" lang=\"{}\">{}</a></p><h1>{}</h1>",
        say(Phrase::StoryKicker),
        other.code(),
        other.code(),
        other.code(),
        escape(lang.phrase(Phrase::OtherLanguage)),
        escape(&story.title)
    );
    if let Some(summary) = &story.summary {
        let _ = write!(body, "<p class=\"story-summary\">{}</p>", escape(summary));
    }
    let count = span.actions;
    let actions = lang.count(count, Noun::Action);
    let span_text = match (items.first(), items.last()) {
        (Some(first), Some(last)) => {
            let first = date::display_in(&date::of(&first.action), &story.time_zone, lang);
            let last = date::display_in(&date::of(&last.action), &story.time_zone, lang);
            if first == last {
                format!("{actions}, {first}")
            } else {
                lang.fill(
                    Phrase::Span,
                    &[("actions", &actions), ("first", &first), ("last", &last)],
                )
            }
        }
        _ => actions,
    };
    let _ = write!(
        body,
        "<p class=\"story-span\">{}.</p></header>",
        escape(&span_text)
    );
    let (bucket, rows) = escalation::escalation_suited(&state.db, &filter).await?;
    chart_section(&story, lang, bucket, &rows, &mut body);
    let _ = write!(
        body,
        "<section aria-labelledby=\"timeline-heading\"><h2 id=\"timeline-heading\">{}</h2>\
         <ol class=\"story-timeline\">",
        say(Phrase::WhatHappened)
    );
    for item in &items {
        action_item(&story, lang, item, &mut body);
    }
    body.push_str("</ol>");
    if u64::try_from(items.len()).unwrap_or(u64::MAX) < count {
        let _ = write!(
            body,
            "<p class=\"story-small\">{} <a href=\"/embed/timeline?stories={slug_q}&amp;lang={}\">\
             {}</a></p>",
            escape(&lang.fill(Phrase::FirstShown, &[("n", &DEFAULT_EXPORT.to_string())])),
            lang.code(),
            say(Phrase::AllInWidget)
        );
    }
    body.push_str("</section>");
    if !notices.is_empty() {
        let _ = write!(
            body,
            "<section aria-labelledby=\"corrections-heading\"><h2 id=\"corrections-heading\">\
             {}</h2><ul class=\"story-notices\">",
            say(Phrase::CorrectionsHeading)
        );
        for n in &notices {
            let title = match n.action_id {
                Some(id) => format!(
                    "<a href=\"#action-{}\">{}</a>",
                    encode(NodeType::Action, id).0,
                    escape(&n.title)
                ),
                None => format!(
                    "<span class=\"story-retracted\">{}</span>",
                    escape(&n.title)
                ),
            };
            let _ = write!(
                body,
                "<li><strong>{}</strong> {}: {title}. {}</li>",
                say(n.what),
                escape(&date::day_in(n.at, &story.time_zone, lang)),
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
    let _ = write!(
        body,
        "<section aria-labelledby=\"sources-heading\"><h2 id=\"sources-heading\">{}</h2>\
         <ul class=\"story-sources\">",
        say(Phrase::Sources)
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
        format!(
            " · {}: <a href=\"/?story={slug_q}\">{}</a>",
            say(Phrase::QueryLink),
            say(Phrase::Playground)
        )
    } else {
        String::new()
    };
    let _ = write!(
        body,
        "<section class=\"story-embed\" aria-labelledby=\"embed-heading\">\
         <h2 id=\"embed-heading\">{}</h2><pre><code>{}</code></pre>\
         <p class=\"story-small\">{}: <a href=\"/feed.atom?stories={slug_q}&amp;lang={code}\">\
         Atom</a> · {}: <a href=\"/export/timelinejs.json?stories={slug_q}&amp;lang={code}\">\
         TimelineJS</a> · <a href=\"/export/actions.csv?stories={slug_q}\">CSV</a> · \
         <a href=\"/export/actions.ndjson?stories={slug_q}\">NDJSON</a>{playground}\
         </p></section><footer class=\"story-footer\">{} Standoff.</footer>\
         <script type=\"application/ld+json\">{}</script>",
        say(Phrase::EmbedHeading),
        escape(&embed),
        say(Phrase::FeedLink),
        say(Phrase::DataLinks),
        say(Phrase::CreditBy),
        json_ld(
            &story,
            lang,
            &format!("{base}/stories/{}", story.slug),
            &notices
        ),
        code = lang.code(),
    );
    let url = format!("{base}/stories/{}", story.slug);
    Ok(page(
        StatusCode::OK,
        lang,
        &story.title,
        &oembed::discovery(&base, &url, &story.title),
        &body,
    ))
}

/// The story page's stylesheet.
pub async fn style() -> impl IntoResponse {
    super::asset(super::CSS, STYLE)
}

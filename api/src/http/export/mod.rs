//! Exports of the timeline for other newsroom tools: TimelineJS, Atom, SVG.

pub mod atom;
pub mod chart;
pub mod table;
pub mod timelinejs;

use super::params::TimelineParams;
use crate::error::ApiError;
use axum::http::HeaderMap;
use sea_orm::DatabaseConnection;
use standoff_core::CoreError;
use standoff_core::date;
use standoff_core::export::ExportedAction;
use standoff_core::filter::{FilterCache, ResolvedFilter};
use standoff_entities::{Side, Stance, action, source, story};

/// What a newsroom route was asked for: its parameters, the resolved filter, and the story it
/// is about when the filter names exactly one (whose title and time zone it then uses).
pub(crate) struct Scope {
    /// The parameters besides the filter.
    pub params: TimelineParams,
    /// The filter, resolved.
    pub filter: ResolvedFilter,
    /// The one story the filter names, if it names one.
    pub story: Option<story::Model>,
}

impl Scope {
    /// The time zone dates are shown in: the story's, or UTC.
    pub fn time_zone(&self) -> &str {
        self.story.as_ref().map_or("UTC", |s| s.time_zone.as_str())
    }

    /// A title for what is shown: the story's title with `what`, or `what` alone.
    pub fn title(&self, what: &str) -> String {
        match &self.story {
            Some(story) => format!("{}: {what}", story.title),
            None => format!("Standoff: {what}"),
        }
    }

    /// A date as readers of this scope see it.
    pub fn date(&self, action: &action::Model) -> String {
        date::display(&date::of(action), self.time_zone())
    }
}

/// Reads the URL parameters and resolves the filter's slugs.
pub(crate) async fn scope(
    db: &DatabaseConnection,
    known: &FilterCache,
    query: Option<&str>,
) -> Result<Scope, ApiError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or(""))
        .map_err(|e| CoreError::BadInput(format!("the query string does not parse: {e}")))?;
    let mut params = TimelineParams::parse(&pairs)?;
    let story = match params.filter.stories.as_slice() {
        [one] => standoff_core::stories::story_by_slug(db, one).await?,
        _ => None,
    };
    let filter = std::mem::take(&mut params.filter)
        .resolve(db, known)
        .await?;
    Ok(Scope {
        params,
        filter,
        story,
    })
}

/// The service's own address as the client reached it, for absolute links in exports.
pub(crate) fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get("x-forwarded-host")
        .or_else(|| headers.get(axum::http::header::HOST))
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("localhost");
    let scheme = match headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
    {
        Some("https") => "https",
        _ => "http",
    };
    format!("{scheme}://{host}")
}

/// Escapes text for HTML and XML.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The upper-case name a vocabulary value has in the API (`CARRIES_OUT`).
/// A side in readers' words.
pub(crate) fn side_words(side: Side) -> &'static str {
    match side {
        Side::Federal => "Federal",
        Side::State => "State",
        Side::Local => "Local",
        Side::Other => "Other",
    }
}

/// How a response stands to what it answers, in readers' words, to head "… the action".
pub(crate) fn stance_words(stance: Stance) -> &'static str {
    match stance {
        Stance::Supports => "Supports",
        Stance::Complies => "Complies with",
        Stance::CarriesOut => "Carries out",
        Stance::Withdraws => "Withdraws",
        Stance::Dismisses => "Dismisses",
        Stance::Criticizes => "Criticizes",
        Stance::Condemns => "Condemns",
        Stance::Defies => "Defies",
        Stance::Escalates => "Escalates",
    }
}

pub(crate) fn api_name<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// An action described in HTML for exports: actor and side, summary, quote, what it answers
/// and its sources, everything from the data escaped.
pub(crate) fn action_html(item: &ExportedAction) -> String {
    let a = &item.action;
    let mut html = format!(
        "<p><strong>{}</strong> ({})</p>",
        escape(&item.actor.name),
        side_words(item.actor.side)
    );
    if let Some(summary) = &a.summary {
        html.push_str(&format!("<p>{}</p>", escape(summary)));
    }
    if let Some(quote) = &a.quote {
        html.push_str(&format!("<blockquote>“{}”</blockquote>", escape(quote)));
    }
    for (link, answered) in &item.responds_to {
        html.push_str(&format!(
            "<p>{} “{}”</p>",
            stance_words(link.stance),
            escape(&answered.title)
        ));
    }
    // Each source once, with every excerpt cited from it.
    let mut sources: Vec<(&source::Model, Vec<&str>)> = Vec::new();
    for (citation, source) in &item.citations {
        let excerpt = citation.excerpt.as_deref();
        match sources.iter_mut().find(|(s, _)| s.id == source.id) {
            Some((_, excerpts)) => excerpts.extend(excerpt),
            None => sources.push((source, excerpt.into_iter().collect())),
        }
    }
    for (source, excerpts) in sources {
        let name = source.publisher.as_deref().unwrap_or(&source.title);
        let cite = match &source.url {
            Some(url) => format!("<a href=\"{}\">{}</a>", escape(url), escape(name)),
            None => escape(name),
        };
        let quoted: Vec<String> = excerpts
            .iter()
            .map(|e| format!("“{}”", escape(e)))
            .collect();
        if quoted.is_empty() {
            html.push_str(&format!("<p><small>Source: {cite}</small></p>"));
        } else {
            html.push_str(&format!(
                "<p><small>Source: {cite}: {}</small></p>",
                quoted.join(" · ")
            ));
        }
    }
    if let Some(correction) = item.latest_correction() {
        html.push_str(&format!(
            "<p><em>Corrected {}: {}</em></p>",
            correction.at.format("%-d %b %Y"),
            escape(correction.note.as_deref().unwrap_or_default())
        ));
    }
    html
}

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
use standoff_core::words::{Lang, Phrase};
use standoff_entities::{ActionStatus, action, source, story};

/// What a newsroom route was asked for: its parameters, the resolved filter, and the story it
/// is about when the filter names exactly one (whose title and time zone it then uses).
pub(crate) struct Scope {
    /// The parameters besides the filter.
    pub params: TimelineParams,
    /// The filter, resolved.
    pub filter: ResolvedFilter,
    /// The one story the filter names, if it names one.
    pub story: Option<story::Model>,
    /// The language readers are addressed in: `lang=`, else the story's, else English.
    pub lang: Lang,
}

impl Scope {
    /// The time zone dates are shown in: the story's, or UTC.
    pub fn time_zone(&self) -> &str {
        self.story.as_ref().map_or("UTC", |s| s.time_zone.as_str())
    }

    /// A title for what is shown: the story's title (or Standoff) with `what`.
    pub fn title(&self, what: Phrase) -> String {
        let story = self.story.as_ref().map_or("Standoff", |s| s.title.as_str());
        self.lang.fill(
            Phrase::Title,
            &[("story", story), ("what", self.lang.phrase(what))],
        )
    }

    /// A date as readers of this scope see it.
    pub fn date(&self, action: &action::Model) -> String {
        date::display_in(&date::of(action), self.time_zone(), self.lang)
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
    let lang = params
        .lang
        .or_else(|| story.as_ref().map(|s| Lang::of_locale(&s.locale)))
        .unwrap_or_default();
    Ok(Scope {
        params,
        filter,
        story,
        lang,
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
pub(crate) fn api_name<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// An action described in HTML for exports, in `scope`'s language: actor and side, status
/// when it is not a deed done, summary, quote, place, what it answers and its sources,
/// everything from the data escaped.
pub(crate) fn action_html(item: &ExportedAction, scope: &Scope) -> String {
    let (a, lang) = (&item.action, scope.lang);
    let mut html = format!(
        "<p><strong>{}</strong> ({})",
        escape(&item.actor.name),
        lang.side(item.actor.side)
    );
    if a.status != ActionStatus::CarriedOut {
        html.push_str(&format!(" · <em>{}</em>", lang.status(a.status)));
    }
    html.push_str("</p>");
    if let Some(summary) = &a.summary {
        html.push_str(&format!("<p>{}</p>", escape(summary)));
    }
    if let Some(quote) = &a.quote {
        html.push_str(&format!("<blockquote>“{}”</blockquote>", escape(quote)));
    }
    if let Some(place) = &a.place {
        html.push_str(&format!(
            "<p>{}: {}</p>",
            lang.phrase(Phrase::Place),
            escape(place)
        ));
    }
    for (link, answered) in &item.responds_to {
        html.push_str(&format!(
            "<p>{} “{}”</p>",
            lang.stance(link.stance),
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
        let source = lang.phrase(Phrase::Source);
        if quoted.is_empty() {
            html.push_str(&format!("<p><small>{source}: {cite}</small></p>"));
        } else {
            html.push_str(&format!(
                "<p><small>{source}: {cite}: {}</small></p>",
                quoted.join(" · ")
            ));
        }
    }
    if let Some(correction) = item.latest_correction() {
        let corrected = lang.fill(
            Phrase::CorrectedOn,
            &[
                (
                    "date",
                    &date::day_in(correction.at, scope.time_zone(), lang),
                ),
                ("note", correction.note.as_deref().unwrap_or_default()),
            ],
        );
        html.push_str(&format!("<p><em>{}</em></p>", escape(&corrected)));
    }
    html
}

//! The GraphiQL playground at `/`, with an example query about the story preloaded.

use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use axum::http::header;
use axum::response::IntoResponse;

/// The query the playground opens with; the README shows it with its answer.
pub const EXAMPLE_QUERY: &str = r#"# The feud in time order: who did what, and whom it answered.
# Press the run button (or Ctrl-Enter), then explore with the Docs panel.
query Feud {
  timeline(first: 20) {
    totalCount
    nodes {
      displayDate
      title
      actor { name side }
      respondsTo { stance respondsTo { title } }
    }
    pageInfo { hasNextPage endCursor }
  }
  escalation(bucket: MONTH) { bucketStart side actionCount intensitySum }
}
"#;

/// The query the playground opens with for one story (`/?story=SLUG`), as its page links to it.
pub fn story_query(slug: &str) -> String {
    format!(
        r#"# One story in time order, in its own time zone, and how each side escalated.
# Press the run button (or Ctrl-Enter), then explore with the Docs panel.
query Story {{
  story(slug: "{slug}") {{
    title
    timeZone
    actionCount
    firstAt
    lastAt
    actions(first: 20) {{
      nodes {{
        displayDate
        title
        actor {{ name side }}
        respondsTo {{ stance respondsTo {{ title }} }}
      }}
      pageInfo {{ hasNextPage endCursor }}
    }}
    escalation(bucket: MONTH) {{ bucketStart side actionCount intensitySum }}
  }}
}}
"#
    )
}

/// What the playground's URL may say.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlaygroundParams {
    /// A story slug: open with that story's example instead of the whole timeline's.
    story: Option<String>,
}

/// The playground page, its stylesheet and script compiled in; GraphiQL, React and ReactDOM
/// are served from `/vendor/`, so the page asks nothing of any other host.
const PAGE: &str = include_str!("../../../web/playground/index.html");
const STYLE: &str = include_str!("../../../web/playground/playground.css");
const SCRIPT: &str = include_str!("../../../web/playground/playground.js");

/// Own origin only (GraphiQL's stylesheet inlines its fonts and icons as `data:` URLs, which
/// name no host); the playground is a page of its own, never framed.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    font-src 'self' data:; img-src 'self' data:; connect-src 'self'; base-uri 'none'; \
    form-action 'none'; frame-ancestors 'none'";

/// The playground page, opening with the example query (or a story's, `/?story=SLUG`).
pub async fn page(params: Result<Query<PlaygroundParams>, QueryRejection>) -> impl IntoResponse {
    // A slug that is not one opens the general example rather than an error page: the
    // playground is where people come to find out what is there.
    let example = params
        .ok()
        .and_then(|Query(p)| p.story)
        .and_then(|slug| standoff_core::check::slug("story", &slug).ok())
        .map_or_else(|| EXAMPLE_QUERY.to_owned(), |slug| story_query(&slug));
    // A JSON data block inside HTML: "<" escaped so no text can close the element.
    let config = serde_json::json!({ "query": example })
        .to_string()
        .replace('<', "\\u003c");
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, POLICY),
        ],
        PAGE.replace("__CONFIG__", &config),
    )
}

/// The playground's stylesheet.
pub async fn style() -> impl IntoResponse {
    super::asset(super::CSS, STYLE)
}

/// The playground's script.
pub async fn script() -> impl IntoResponse {
    super::asset(super::JAVASCRIPT, SCRIPT)
}

//! The GraphiQL playground at `/`, with an example query about the story preloaded.

use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use axum::response::Html;

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

/// The playground page. GraphiQL itself loads from the unpkg CDN at pinned versions (the browser
/// test serves the same npm packages in their place); the page around it is ours so the
/// example query can be preloaded.
pub async fn page(params: Result<Query<PlaygroundParams>, QueryRejection>) -> Html<String> {
    // A slug that is not one opens the general example rather than an error page: the
    // playground is where people come to find out what is there.
    let example = params
        .ok()
        .and_then(|Query(p)| p.story)
        .and_then(|slug| standoff_core::check::slug("story", &slug).ok())
        .map_or_else(|| EXAMPLE_QUERY.to_owned(), |slug| story_query(&slug));
    let query = serde_json::to_string(&example).unwrap_or_else(|_| "\"\"".into());
    Html(PAGE.replace("__DEFAULT_QUERY__", &query))
}

const PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Standoff: GraphQL playground</title>
  <style>body { margin: 0; } #graphiql { height: 100vh; }</style>
  <link rel="stylesheet" href="https://unpkg.com/graphiql@4.1.2/graphiql.min.css">
  <script crossorigin src="https://unpkg.com/react@18.3.1/umd/react.production.min.js"></script>
  <script crossorigin src="https://unpkg.com/react-dom@18.3.1/umd/react-dom.production.min.js"></script>
  <script crossorigin src="https://unpkg.com/graphiql@4.1.2/graphiql.min.js"></script>
</head>
<body>
  <div id="graphiql">Loading the playground…</div>
  <script>
    const endpoint = new URL('/graphql', window.location.href);
    const socket = new URL('/graphql/ws', window.location.href);
    socket.protocol = socket.protocol === 'https:' ? 'wss:' : 'ws:';
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      React.createElement(GraphiQL, {
        // Subscriptions go over graphql-ws; the Headers tab (an Authorization header for
        // writes) becomes the connection_init payload.
        fetcher: GraphiQL.createFetcher({ url: endpoint.toString(), subscriptionUrl: socket.toString() }),
        defaultQuery: __DEFAULT_QUERY__,
        defaultEditorToolsVisibility: true,
      })
    );
  </script>
</body>
</html>
"#;

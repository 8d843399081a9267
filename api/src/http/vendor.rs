//! Third-party front-end files, compiled into the binary from `web/vendor/` (fetched from npm
//! by `web/vendor.sh` at the lockfile's versions), served from the service's own origin so no
//! page needs another host.

use crate::error::{ApiError, Code};
use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};

/// Each served file: its path under `/vendor/`, its media type and its bytes.
const FILES: &[(&str, &str, &[u8])] = &[
    (
        "react/react.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../web/vendor/react/react.production.min.js"),
    ),
    (
        "react-dom/react-dom.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../web/vendor/react-dom/react-dom.production.min.js"),
    ),
    (
        "graphiql/graphiql.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../web/vendor/graphiql/graphiql.min.js"),
    ),
    (
        "graphiql/graphiql.min.css",
        "text/css; charset=utf-8",
        include_bytes!("../../../web/vendor/graphiql/graphiql.min.css"),
    ),
    (
        "react/LICENSE",
        "text/plain; charset=utf-8",
        include_bytes!("../../../web/vendor/react/LICENSE"),
    ),
    (
        "react-dom/LICENSE",
        "text/plain; charset=utf-8",
        include_bytes!("../../../web/vendor/react-dom/LICENSE"),
    ),
    (
        "graphiql/LICENSE",
        "text/plain; charset=utf-8",
        include_bytes!("../../../web/vendor/graphiql/LICENSE"),
    ),
    (
        "MANIFEST",
        "text/plain; charset=utf-8",
        include_bytes!("../../../web/vendor/MANIFEST"),
    ),
];

/// One vendored file, or 404.
pub async fn file(Path(path): Path<String>) -> Response {
    match FILES.iter().find(|(name, _, _)| *name == path) {
        Some((_, media_type, bytes)) => (
            [
                (header::CONTENT_TYPE, *media_type),
                // The files change only with a new binary; a day keeps them fresh enough.
                (header::CACHE_CONTROL, "public, max-age=86400"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            *bytes,
        )
            .into_response(),
        None => ApiError::new(Code::NotFound, format!("no vendored file {path:?}")).into_response(),
    }
}

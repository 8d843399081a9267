//! `/embed/timeline`: a self-contained, live-updating timeline for newsroom pages (iframes).
//! Its HTML, CSS and JavaScript are compiled into the binary: no CDN, nothing fetched at run time.

use axum::http::header;
use axum::response::IntoResponse;

const PAGE: &str = include_str!("../../../web/embed/timeline.html");
const STYLE: &str = include_str!("../../../web/embed/timeline.css");
const SCRIPT: &str = include_str!("../../../web/embed/timeline.js");

/// Same-origin resources only, and any page may frame it (that is its purpose).
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; \
    frame-ancestors *";

/// The widget page; the timeline filter comes from its URL parameters.
pub async fn page() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, POLICY),
        ],
        PAGE,
    )
}

/// The widget's stylesheet.
pub async fn style() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        STYLE,
    )
}

/// The widget's script.
pub async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        SCRIPT,
    )
}

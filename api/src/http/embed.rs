//! `/embed/timeline`: a self-contained, live-updating timeline for newsroom pages (iframes).
//! Its HTML, CSS and JavaScript are compiled into the binary: no CDN, nothing fetched at run time.

use super::export::base_url;
use super::oembed;
use axum::extract::RawQuery;
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;

const PAGE: &str = include_str!("../../../web/embed/timeline.html");
const STYLE: &str = include_str!("../../../web/embed/timeline.css");
const SCRIPT: &str = include_str!("../../../web/embed/timeline.js");
const SIZER: &str = include_str!("../../../web/embed/embed.js");

/// Same-origin resources only, and any page may frame it (that is its purpose).
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; \
    frame-ancestors *";

/// The widget page; the timeline filter comes from its URL parameters. Its head names its
/// oEmbed endpoint, so a CMS given the widget's address embeds it.
pub async fn page(headers: HeaderMap, RawQuery(query): RawQuery) -> impl IntoResponse {
    let base = base_url(&headers);
    let url = match query.as_deref().filter(|q| !q.is_empty()) {
        Some(q) => format!("{base}/embed/timeline?{q}"),
        None => format!("{base}/embed/timeline"),
    };
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, POLICY),
        ],
        PAGE.replace(
            "<!--oembed-->",
            &oembed::discovery(&base, &url, "Standoff: live timeline"),
        ),
    )
}

/// `embed.js`, for the pages that embed the widget: sizes each widget's iframe to the height
/// the widget reports.
pub async fn sizer() -> impl IntoResponse {
    super::asset(super::JAVASCRIPT, SIZER)
}

/// The widget's stylesheet.
pub async fn style() -> impl IntoResponse {
    super::asset(super::CSS, STYLE)
}

/// The widget's script.
pub async fn script() -> impl IntoResponse {
    super::asset(super::JAVASCRIPT, SCRIPT)
}

//! `/desk`: the editors' page, where journalists record, correct, review and publish through
//! the public GraphQL API with their token. Its HTML, CSS and JavaScript are compiled into the
//! binary; the page carries the vocabulary in words and each category's default intensity from
//! the core, so the script holds none of them.

use axum::http::header;
use axum::response::IntoResponse;
use sea_orm::Iterable;
use standoff_core::words::Lang;
use standoff_entities::Category;
use std::sync::OnceLock;

const PAGE: &str = include_str!("../../../web/desk/desk.html");
const STYLE: &str = include_str!("../../../web/desk/desk.css");
const SCRIPT: &str = include_str!("../../../web/desk/desk.js");

/// Same-origin resources only (the API and its WebSocket included), and never framed: a page
/// that writes with a token must not be clickjacked.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; \
    frame-ancestors 'none'";

/// The page with its data block, made once: it changes only with the binary.
fn page_html() -> &'static str {
    static HTML: OnceLock<String> = OnceLock::new();
    HTML.get_or_init(|| {
        let intensities: serde_json::Map<String, serde_json::Value> = Category::iter()
            .filter_map(|c| {
                let name = serde_json::to_value(c).ok()?.as_str()?.to_owned();
                Some((name, serde_json::json!(c.default_intensity())))
            })
            .collect();
        let data = serde_json::json!({ "words": Lang::En.as_json(), "intensities": intensities });
        // "</" would end the script element early; JSON allows "<\/" for it.
        PAGE.replace("<!--data-->", &data.to_string().replace("</", "<\\/"))
    })
}

/// The desk.
pub async fn page() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, POLICY),
            (header::CACHE_CONTROL, "no-store"),
        ],
        page_html(),
    )
}

/// The desk's stylesheet.
pub async fn style() -> impl IntoResponse {
    super::asset(super::CSS, STYLE)
}

/// The desk's script.
pub async fn script() -> impl IntoResponse {
    super::asset(super::JAVASCRIPT, SCRIPT)
}

//! `/embed/timeline`: a self-contained, live-updating timeline for newsroom pages (iframes).
//! Its HTML, CSS and JavaScript are compiled into the binary: no CDN, nothing fetched at run time.

use super::export::base_url;
use super::oembed;
use axum::extract::RawQuery;
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;
use standoff_core::words::{Lang, Phrase};
use std::sync::OnceLock;

const PAGE: &str = include_str!("../../../web/embed/timeline.html");
const STYLE: &str = include_str!("../../../web/embed/timeline.css");
const SCRIPT: &str = include_str!("../../../web/embed/timeline.js");
const SIZER: &str = include_str!("../../../web/embed/embed.js");

/// Same-origin resources only, and any page may frame it (that is its purpose).
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; \
    frame-ancestors *";

/// Every language's words as one JSON object, safe inside a `<script>` data block: made once,
/// since it changes only with the binary.
fn words_json() -> &'static str {
    static WORDS: OnceLock<String> = OnceLock::new();
    WORDS.get_or_init(|| {
        let all: serde_json::Map<String, serde_json::Value> = Lang::ALL
            .iter()
            .map(|lang| (lang.code().to_owned(), lang.as_json()))
            .collect();
        // "</" would end the script element early; JSON allows "<\/" for it.
        serde_json::Value::Object(all)
            .to_string()
            .replace("</", "<\\/")
    })
}

/// The widget's theme: `light` (the default, as most story pages are), `dark`, or `auto`,
/// which follows the reader's setting.
fn theme(pairs: &[(String, String)]) -> &'static str {
    match pairs
        .iter()
        .find(|(k, _)| k == "theme")
        .map(|(_, v)| v.as_str())
    {
        Some("dark") => "dark",
        Some("auto") => "auto",
        _ => "light",
    }
}

/// The widget page; the timeline filter and its settings come from its URL parameters, which
/// its script reads (and explains to readers when they are wrong). The page carries the
/// theme, the language asked for and every language's words. Its head names its oEmbed
/// endpoint, so a CMS given the widget's address embeds it.
pub async fn page(headers: HeaderMap, RawQuery(query): RawQuery) -> impl IntoResponse {
    let base = base_url(&headers);
    let url = match query.as_deref().filter(|q| !q.is_empty()) {
        Some(q) => format!("{base}/embed/timeline?{q}"),
        None => format!("{base}/embed/timeline"),
    };
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query.as_deref().unwrap_or("")).unwrap_or_default();
    let lang = pairs
        .iter()
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Lang::from_tag(v))
        .unwrap_or_default();
    let html = PAGE
        .replace("{lang}", lang.code())
        .replace("{theme}", theme(&pairs))
        .replace("{title}", lang.phrase(Phrase::DefaultTitle))
        .replace("{loading}", lang.phrase(Phrase::Loading))
        .replace("{list}", lang.phrase(Phrase::ListOldestFirst))
        .replace("{credit}", lang.phrase(Phrase::CreditBy))
        .replace(
            "<!--oembed-->",
            &oembed::discovery(&base, &url, "Standoff: live timeline"),
        )
        .replace("<!--words-->", words_json());
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, POLICY),
        ],
        html,
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

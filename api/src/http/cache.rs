//! Answers shared across readers. A read's answer depends only on the database, which changes
//! only through writes that append to the change log, so an answer is valid until the log's
//! head moves: answers are kept with the head they were computed at and served while this
//! instance knows of no newer change (the head comes from the change feed, which every write on
//! this instance, every PostgreSQL notification and the log reader's polling move). The same
//! head makes the ETag, so a client or any HTTP cache in front revalidates for nothing.
//!
//! Written here rather than taken from an HTTP-cache crate: the validity rule is the change
//! log's head, which only this service knows.

pub use crate::metrics::CacheCounts;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use standoff_core::feed::ChangeFeed;
use std::sync::Arc;

/// The largest body kept; bigger answers (an archive's export) are revalidated, not kept.
const LARGEST_KEPT: usize = 4 * 1024 * 1024;

/// How answers are shared and how long HTTP caches may keep them.
#[derive(Debug, Clone, Copy)]
pub struct CacheSettings {
    /// Bytes of answers kept per instance; 0 keeps none.
    pub bytes: u64,
    /// Seconds a shared cache may serve an answer without asking again.
    pub max_age: u64,
    /// Seconds it may go on serving it while it asks again in the background.
    pub stale_while_revalidate: u64,
}

/// One kept answer: the head it was computed at, and what was sent.
#[derive(Debug)]
pub struct Kept {
    /// The change log's head when the answer's computation began.
    pub head: i64,
    /// Its status.
    pub status: StatusCode,
    /// Its headers (content type, disposition, policy).
    pub headers: HeaderMap,
    /// Its body.
    pub body: Bytes,
}

/// The answers of this instance, and what makes them valid.
#[derive(Clone)]
pub struct Answers {
    kept: Option<moka::sync::Cache<[u8; 32], Arc<Kept>>>,
    feed: ChangeFeed,
    settings: CacheSettings,
    /// What it did, for `/metrics`.
    pub counts: CacheCounts,
}

impl Answers {
    /// A cache holding at most `settings.bytes` of answers, valid while `feed` stays put,
    /// counting what it does in `counts`.
    pub fn new(feed: ChangeFeed, settings: CacheSettings, counts: CacheCounts) -> Self {
        let kept = (settings.bytes > 0).then(|| {
            moka::sync::Cache::builder()
                .max_capacity(settings.bytes)
                .weigher(|_: &[u8; 32], kept: &Arc<Kept>| {
                    let headers: usize = kept
                        .headers
                        .iter()
                        .map(|(k, v)| k.as_str().len() + v.len())
                        .sum();
                    u32::try_from(kept.body.len() + headers + 128).unwrap_or(u32::MAX)
                })
                .build()
        });
        Self {
            kept,
            feed,
            settings,
            counts,
        }
    }

    /// The newest change this instance knows of: what answers are valid for now.
    pub fn head(&self) -> i64 {
        self.feed.latest()
    }

    /// The answer kept for `key`, if it was computed at `head`.
    pub fn get(&self, key: &[u8; 32], head: i64) -> Option<Arc<Kept>> {
        let found = self
            .kept
            .as_ref()
            .and_then(|kept| kept.get(key))
            .filter(|kept| kept.head == head);
        match &found {
            Some(_) => self.counts.hits.inc(),
            None => self.counts.misses.inc(),
        };
        found
    }

    /// Keeps an answer computed from `head` on, if it is small enough to keep.
    pub fn put(&self, key: [u8; 32], kept: Kept) {
        if let Some(cache) = &self.kept
            && kept.body.len() <= LARGEST_KEPT
        {
            cache.insert(key, Arc::new(kept));
        }
    }

    /// Bytes of answers kept now.
    pub fn bytes(&self) -> u64 {
        self.kept.as_ref().map_or(0, |kept| {
            kept.run_pending_tasks();
            kept.weighted_size()
        })
    }

    /// The headers of an answer anyone may get: shared caches may keep it for `max_age`, never
    /// give it to a request that carries a token, and tell apart its media types.
    pub fn public_headers(&self, headers: &mut HeaderMap, etag: &str) {
        let control = format!(
            "public, max-age={}, stale-while-revalidate={}",
            self.settings.max_age, self.settings.stale_while_revalidate
        );
        if let Ok(value) = HeaderValue::from_str(&control) {
            headers.insert(header::CACHE_CONTROL, value);
        }
        if let Ok(value) = HeaderValue::from_str(etag) {
            headers.insert(header::ETAG, value);
        }
        headers.append(
            header::VARY,
            HeaderValue::from_static("Accept, Authorization"),
        );
    }
}

/// The headers of an answer for one editor: kept by nobody.
pub fn private_headers(headers: &mut HeaderMap) {
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
}

/// A key for the parts of a request its answer depends on.
pub fn key(parts: &[&[u8]]) -> [u8; 32] {
    let mut hash = Sha256::new();
    for part in parts {
        // Each part's length first, so no two lists of parts hash alike.
        hash.update((part.len() as u64).to_le_bytes());
        hash.update(part);
    }
    hash.finalize().into()
}

/// The ETag of the answer for `key` at `head`.
pub fn etag(key: &[u8; 32], head: i64) -> String {
    let short: String = key[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{head}-{short}\"")
}

/// Whether the request's `If-None-Match` names `etag` (or `*`).
pub fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|v| v.trim().trim_start_matches("W/"))
        .any(|v| v == etag || v == "*")
}

/// A 304 for `etag`, with the headers the full answer would carry.
pub fn unchanged(answers: &Answers, etag: &str) -> Response {
    answers.counts.not_modified.inc();
    let mut response = StatusCode::NOT_MODIFIED.into_response();
    answers.public_headers(response.headers_mut(), etag);
    response
}

/// The parts of a GET route's request its answer depends on: the path and query, and the host
/// the absolute links in it are made from.
fn route_key(request: &Request) -> [u8; 32] {
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .map_or(&b""[..], HeaderValue::as_bytes)
    };
    key(&[
        b"route",
        request
            .uri()
            .path_and_query()
            .map_or("", |p| p.as_str())
            .as_bytes(),
        header("host"),
        header("x-forwarded-host"),
        header("x-forwarded-proto"),
    ])
}

/// Middleware for the public GET routes (exports, feed, chart, pages): an ETag from the head,
/// 304 for a matching `If-None-Match`, the kept answer while the head stays put, and the cache
/// headers; `private, no-store` for a request that carries a token. A body streamed in pieces
/// (the CSV and NDJSON exports) is revalidated but never kept.
pub async fn revalidated(State(answers): State<Answers>, request: Request, next: Next) -> Response {
    if request.method() != Method::GET {
        return next.run(request).await;
    }
    if request.headers().contains_key(header::AUTHORIZATION) {
        let mut response = next.run(request).await;
        private_headers(response.headers_mut());
        return response;
    }
    let head = answers.head();
    let key = route_key(&request);
    let tag = etag(&key, head);
    if not_modified(request.headers(), &tag) {
        return unchanged(&answers, &tag);
    }
    if let Some(kept) = answers.get(&key, head) {
        let mut response = (kept.status, Body::from(kept.body.clone())).into_response();
        *response.headers_mut() = kept.headers.clone();
        return response;
    }
    let response = next.run(request).await;
    if response.status() != StatusCode::OK {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    answers.public_headers(&mut parts.headers, &tag);
    // A body made whole (a page, a chart) has an exact size; a streamed export has none and is
    // passed on as it streams.
    match body.size_hint().exact() {
        Some(size) if usize::try_from(size).is_ok_and(|s| s <= LARGEST_KEPT) => {
            match axum::body::to_bytes(body, LARGEST_KEPT).await {
                Ok(bytes) => {
                    answers.put(
                        key,
                        Kept {
                            head,
                            status: parts.status,
                            headers: parts.headers.clone(),
                            body: bytes.clone(),
                        },
                    );
                    Response::from_parts(parts, Body::from(bytes))
                }
                Err(_) => {
                    crate::error::ApiError::internal("a sized answer did not read").into_response()
                }
            }
        }
        _ => Response::from_parts(parts, body),
    }
}

/// A query text with what GraphQL ignores taken out (comments, commas, runs of white space),
/// so that two spellings of one document share an answer. Strings are kept as written.
pub fn normalized(query: &str) -> String {
    let mut out = String::with_capacity(query.len());
    let mut chars = query.chars().peekable();
    let mut gap = false;
    while let Some(c) = chars.next() {
        match c {
            '#' => {
                for next in chars.by_ref() {
                    if next == '\n' || next == '\r' {
                        break;
                    }
                }
                gap = true;
            }
            ',' | ' ' | '\t' | '\n' | '\r' | '\u{feff}' => gap = true,
            '"' => {
                if gap && !out.is_empty() {
                    out.push(' ');
                }
                gap = false;
                out.push('"');
                let block = chars.peek() == Some(&'"') && {
                    let mut ahead = chars.clone();
                    ahead.next();
                    ahead.peek() == Some(&'"')
                };
                if block {
                    out.push_str("\"\"");
                    chars.next();
                    chars.next();
                    let mut quotes = 0;
                    for next in chars.by_ref() {
                        out.push(next);
                        quotes = if next == '"' { quotes + 1 } else { 0 };
                        if quotes == 3 {
                            break;
                        }
                    }
                } else {
                    let mut escaped = false;
                    for next in chars.by_ref() {
                        out.push(next);
                        if escaped {
                            escaped = false;
                        } else if next == '\\' {
                            escaped = true;
                        } else if next == '"' || next == '\n' {
                            break;
                        }
                    }
                }
            }
            _ => {
                if gap && !out.is_empty() {
                    out.push(' ');
                }
                gap = false;
                out.push(c);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_document_normalise_alike_and_strings_stay() {
        let a = "query A { timeline(first: 5) { nodes { id, title } } } # the page";
        let b = "query A {\n  timeline(first: 5) {\n    nodes { id title }\n  }\n}\n";
        assert_eq!(normalized(a), normalized(b));
        let s = r#"{ timeline(filter: { text: "a,  b # c" }) { totalCount } }"#;
        assert!(normalized(s).contains(r#""a,  b # c""#));
        let block = "{ x(a: \"\"\"one,\n  two\"\"\") }";
        assert!(normalized(block).contains("\"\"\"one,\n  two\"\"\""));
        assert_ne!(normalized("{ a }"), normalized("{ b }"));
    }

    #[test]
    fn etags_are_matched_in_lists_and_weak_forms() {
        let tag = etag(&key(&[b"x"]), 7);
        let mut headers = HeaderMap::new();
        headers.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_str(&format!("\"other\", W/{tag}")).expect("header"),
        );
        assert!(not_modified(&headers, &tag));
        assert!(!not_modified(&HeaderMap::new(), &tag));
        assert_ne!(etag(&key(&[b"x"]), 8), tag, "a new head is a new tag");
        assert_ne!(key(&[b"ab", b"c"]), key(&[b"a", b"bc"]));
    }

    proptest::proptest! {
        #[test]
        fn normalising_any_text_never_panics(text in ".{0,200}") {
            let _ = normalized(&text);
        }
    }
}

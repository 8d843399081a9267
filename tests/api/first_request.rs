//! The bare-socket path for a connection's first request (`--bare-sse`, `api/src/serve/`) held
//! against hyper alone: for hostile and unusual byte streams, an instance with the bare path
//! answers exactly what an instance without it answers (apart from the date, the request id
//! and whether the connection stays open), or refuses with 400 and closes.

use crate::helpers::{TestApp, spawn_app, spawn_app_configured};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How a test client sends its bytes.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Send {
    /// All of them, then waits.
    Whole,
    /// All of them, then closes its sending side.
    HalfClosed,
}

/// Sends `raw` on a fresh connection and reads until the server closes it or stays silent for
/// a moment (hyper keeps a connection open after its answers).
async fn exchange(app: &TestApp, raw: &[u8], how: Send) -> Vec<u8> {
    let mut socket = TcpStream::connect(app.addr).await.expect("connect");
    // A server may answer and close before reading everything; what it sent still counts.
    let _ = socket.write_all(raw).await;
    if how == Send::HalfClosed {
        let _ = socket.shutdown().await;
    }
    let mut received = Vec::new();
    let mut chunk = [0u8; 8192];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(8);
    loop {
        let idle = tokio::time::Instant::now() + Duration::from_millis(400);
        match tokio::time::timeout_at(idle.min(deadline), socket.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
            Ok(Ok(n)) => received.extend_from_slice(&chunk[..n]),
        }
    }
    received
}

/// One answer as a client compares it: the status line, the headers but those that differ
/// between any two answers (date, request id) or only say whether the connection stays open,
/// and the body with any chunked framing taken off. What cannot be read as HTTP is kept raw.
#[derive(PartialEq)]
enum Answer {
    Http {
        status: String,
        headers: Vec<String>,
        body: Vec<u8>,
    },
    Raw(Vec<u8>),
}

impl std::fmt::Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Http {
                status,
                headers,
                body,
            } => write!(
                f,
                "{status} {headers:?} {:?}",
                String::from_utf8_lossy(body)
            ),
            Self::Raw(raw) => write!(f, "raw {:?}", String::from_utf8_lossy(raw)),
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn answers(mut raw: &[u8]) -> Vec<Answer> {
    let mut found = Vec::new();
    while !raw.is_empty() {
        let Some(end) = find(raw, b"\r\n\r\n") else {
            found.push(Answer::Raw(raw.to_vec()));
            break;
        };
        let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
        raw = &raw[end + 4..];
        let mut lines = head.split("\r\n");
        let status = lines.next().unwrap_or_default().to_owned();
        let mut headers: Vec<String> = lines
            .filter(|l| {
                !["date:", "x-request-id:", "connection:", "keep-alive:"]
                    .iter()
                    .any(|skip| l.starts_with(skip))
            })
            .map(str::to_owned)
            .collect();
        headers.sort();
        let mut body = Vec::new();
        if status.starts_with("http/1.1 1") {
            // An interim answer (100 Continue) has no body: the final one follows.
        } else if head.contains("transfer-encoding: chunked") {
            loop {
                let Some(line) = find(raw, b"\r\n") else {
                    body.extend_from_slice(raw);
                    raw = &[];
                    break;
                };
                let size = std::str::from_utf8(&raw[..line])
                    .ok()
                    .and_then(|s| usize::from_str_radix(s.trim(), 16).ok());
                let Some(size) = size.filter(|s| raw.len() >= line + 2 + s + 2) else {
                    body.extend_from_slice(raw);
                    raw = &[];
                    break;
                };
                raw = &raw[line + 2..];
                body.extend_from_slice(&raw[..size]);
                raw = &raw[size + 2..];
                if size == 0 {
                    break;
                }
            }
        } else if let Some(length) = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length: "))
            .and_then(|l| l.trim().parse::<usize>().ok())
        {
            let length = length.min(raw.len());
            body.extend_from_slice(&raw[..length]);
            raw = &raw[length..];
        } else {
            body.extend_from_slice(raw);
            raw = &[];
        }
        found.push(Answer::Http {
            status,
            headers,
            body,
        });
    }
    found
}

/// Whether one answer is the other cut short: the same head, and a body that stops early.
fn cut_short(short: &[Answer], long: &[Answer]) -> bool {
    !short.is_empty()
        && short.len() <= long.len()
        && short
            .iter()
            .zip(long)
            .enumerate()
            .all(|(i, pair)| match pair {
                (
                    Answer::Http {
                        status,
                        headers,
                        body,
                    },
                    Answer::Http {
                        status: s,
                        headers: h,
                        body: b,
                    },
                ) => {
                    status == s
                        && headers == h
                        && (body == b || (i + 1 == short.len() && b.starts_with(body)))
                }
                (a, b) => a == b,
            })
}

/// Whether the bare path's answers differ from hyper's only as allowed: a plain refusal (one
/// 400, then the connection closed); a stream answered alike whose `connection: close` left
/// requests pipelined behind it unanswered (README, "Limits": the bare path); or, for a client
/// that closed its sending side, answers cut short where one server noticed the close sooner
/// (hyper alone, asked twice, differs from itself there; an empty answer must be matched by one
/// of hyper's own tries).
fn allowed(ours: &[Answer], theirs: &[Answer], how: Send) -> bool {
    if how == Send::HalfClosed && (cut_short(ours, theirs) || cut_short(theirs, ours)) {
        return true;
    }
    let refusal =
        matches!(ours, [Answer::Http { status, .. }] if status.starts_with("http/1.1 400"));
    let stream_then_closed = matches!(ours, [Answer::Http { headers, .. }]
        if headers.iter().any(|h| h == "content-type: text/event-stream"))
        && theirs.len() > 1
        && theirs.first() == ours.first();
    refusal || stream_then_closed
}

/// Sends `raw` to both instances alike, checks the bare path answered as hyper did, and
/// returns how many answers hyper gave.
async fn same_answer(bare: &TestApp, hyper: &TestApp, raw: &[u8], how: Send) -> usize {
    let (ours, mut theirs) = tokio::join!(exchange(bare, raw, how), exchange(hyper, raw, how));
    let ours = answers(&ours);
    let mut tries = 1;
    loop {
        let hypers = answers(&theirs);
        if ours == hypers || allowed(&ours, &hypers, how) {
            return hypers.len();
        }
        // After a half-close hyper alone may answer, or not, or stop early, depending on when
        // it notices: asked again it may give what the bare path gave.
        assert!(
            how == Send::HalfClosed && tries < 3,
            "the bare path answered {:?} differently from hyper alone:\n  bare:  {ours:?}\n  hyper: {hypers:?}",
            String::from_utf8_lossy(raw)
        );
        tries += 1;
        theirs = exchange(hyper, raw, how).await;
    }
}

async fn both() -> (TestApp, TestApp) {
    tokio::join!(spawn_app_configured(|s| s.bare_sse = true), spawn_app())
}

const QUERY: &str = "%7B%20story(slug%3A%20%22chicago-2025%22)%20%7B%20title%20%7D%20%7D";
const BODY: &str = r#"{"query":"{ story(slug: \"chicago-2025\") { title } }"}"#;

/// The corpus: each head an attacker or an odd client might send.
fn corpus() -> Vec<(&'static str, Vec<u8>, Send)> {
    let get = |extra: &str| {
        format!(
            "GET /graphql/stream?query={QUERY} HTTP/1.1\r\nHost: a\r\nAccept: text/event-stream\r\n{extra}\r\n"
        )
    };
    let post = |headers: &str, body: &str| {
        format!(
            "POST /graphql/stream HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n{headers}\r\n{body}"
        )
    };
    let length = BODY.len();
    let chunked = format!("{length:x}\r\n{BODY}\r\n0\r\n\r\n");
    let long_line = format!(
        "GET /graphql/stream?query={QUERY}&pad={} HTTP/1.1\r\nHost: a\r\n\r\n",
        "a".repeat(100 * 1024)
    );
    let bytes = |s: String| s.into_bytes();
    vec![
        ("a plain stream", bytes(get("")), Send::Whole),
        (
            "a plain POST stream",
            bytes(post(&format!("Content-Length: {length}\r\n"), BODY)),
            Send::Whole,
        ),
        (
            "Content-Length beside Transfer-Encoding",
            bytes(post(
                &format!("Content-Length: {length}\r\nTransfer-Encoding: chunked\r\n"),
                &chunked,
            )),
            Send::Whole,
        ),
        (
            "Transfer-Encoding beside Content-Length",
            bytes(post(
                "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n",
                &chunked,
            )),
            Send::Whole,
        ),
        (
            "two equal Content-Lengths",
            bytes(post(
                &format!("Content-Length: {length}\r\nContent-Length: {length}\r\n"),
                BODY,
            )),
            Send::Whole,
        ),
        (
            "two different Content-Lengths",
            bytes(post(
                &format!("Content-Length: {length}\r\nContent-Length: 5\r\n"),
                BODY,
            )),
            Send::Whole,
        ),
        (
            "a Content-Length list",
            bytes(post(
                &format!("Content-Length: {length}, {length}\r\n"),
                BODY,
            )),
            Send::Whole,
        ),
        (
            "a signed Content-Length",
            bytes(post(&format!("Content-Length: +{length}\r\n"), BODY)),
            Send::Whole,
        ),
        (
            "a Content-Length with leading zeros",
            bytes(post(&format!("Content-Length: 00{length}\r\n"), BODY)),
            Send::Whole,
        ),
        (
            "an obs-fold",
            bytes(get("X-Folded: one\r\n two\r\n")),
            Send::Whole,
        ),
        (
            "bare line feeds",
            bytes(get("").replace("\r\n", "\n")),
            Send::Whole,
        ),
        (
            "a NUL in a value",
            bytes(get("X-Nul: a\0b\r\n")),
            Send::Whole,
        ),
        (
            "a NUL in the target",
            b"GET /graphql/stream?query=\0 HTTP/1.1\r\nHost: a\r\n\r\n".to_vec(),
            Send::Whole,
        ),
        (
            "a space before the colon",
            bytes(get("X-Space : a\r\n")),
            Send::Whole,
        ),
        (
            "a header without a colon",
            bytes(get("X-No-Colon\r\n")),
            Send::Whole,
        ),
        ("a 100 KB request line", bytes(long_line), Send::Whole),
        (
            "a request pipelined after a stream",
            bytes(format!(
                "{}GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n",
                get("")
            )),
            Send::Whole,
        ),
        (
            "a stream pipelined after a stream",
            bytes(format!(
                "{}{}",
                post(&format!("Content-Length: {length}\r\n"), BODY),
                get("")
            )),
            Send::Whole,
        ),
        (
            "a stream from a half-closed socket",
            bytes(get("")),
            Send::HalfClosed,
        ),
        (
            "a body cut short by a half-close",
            bytes(post(&format!("Content-Length: {}\r\n", length + 10), BODY)),
            Send::HalfClosed,
        ),
        (
            "an absolute-form target",
            format!("GET http://a/graphql/stream?query={QUERY} HTTP/1.1\r\nHost: a\r\n\r\n")
                .into_bytes(),
            Send::Whole,
        ),
        (
            "Expect: 100-continue",
            bytes(post(
                &format!("Content-Length: {length}\r\nExpect: 100-continue\r\n"),
                BODY,
            )),
            Send::Whole,
        ),
        (
            "HTTP/1.0",
            format!("GET /graphql/stream?query={QUERY} HTTP/1.0\r\n\r\n").into_bytes(),
            Send::Whole,
        ),
        (
            "HTTP/2.0 in an HTTP/1 line",
            format!("GET /graphql/stream?query={QUERY} HTTP/2.0\r\n\r\n").into_bytes(),
            Send::Whole,
        ),
        (
            "a lower-case method",
            format!("get /graphql/stream?query={QUERY} HTTP/1.1\r\nHost: a\r\n\r\n").into_bytes(),
            Send::Whole,
        ),
        (
            "no Host",
            format!("GET /graphql/stream?query={QUERY} HTTP/1.1\r\n\r\n").into_bytes(),
            Send::Whole,
        ),
        ("two Hosts", bytes(get("Host: b\r\n")), Send::Whole),
        (
            "a fragment in the target",
            format!("GET /graphql/stream?query={QUERY}#x HTTP/1.1\r\nHost: a\r\n\r\n").into_bytes(),
            Send::Whole,
        ),
        (
            "two spaces in the request line",
            format!("GET  /graphql/stream?query={QUERY} HTTP/1.1\r\nHost: a\r\n\r\n").into_bytes(),
            Send::Whole,
        ),
        (
            "a hundred headers",
            bytes(get(&(0..100)
                .map(|i| format!("X-{i}: {i}\r\n"))
                .collect::<String>())),
            Send::Whole,
        ),
        (
            "a non-UTF-8 value",
            [
                get("").as_bytes().strip_suffix(b"\r\n").unwrap_or_default(),
                b"X-Bytes: \xff\xfe\r\n\r\n",
            ]
            .concat(),
            Send::Whole,
        ),
        (
            "an Upgrade",
            bytes(get("Connection: Upgrade\r\nUpgrade: websocket\r\n")),
            Send::Whole,
        ),
        (
            "a body on a GET",
            bytes(format!(
                "GET /graphql/stream?query={QUERY} HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{{}}"
            )),
            Send::Whole,
        ),
        (
            "a body larger than the limit",
            bytes(post(
                &format!("Content-Length: {}\r\n", 2 * 1024 * 1024),
                BODY,
            )),
            Send::Whole,
        ),
    ]
}

#[tokio::test]
async fn every_head_of_the_corpus_is_answered_by_the_bare_path_as_by_hyper_alone() {
    let (bare, hyper) = both().await;
    for (name, raw, how) in corpus() {
        eprintln!("{name}");
        same_answer(&bare, &hyper, &raw, how).await;
    }
}

/// A request head assembled from pieces an attacker would combine.
fn heads() -> impl Strategy<Value = (Vec<u8>, bool)> {
    let method = prop::sample::select(vec!["GET", "POST", "GET", "POST", "get", "PUT", "GET\t"]);
    let target = prop::sample::select(vec![
        format!("/graphql/stream?query={QUERY}"),
        format!("/graphql/stream?query={QUERY}"),
        "/graphql/stream".to_owned(),
        format!("http://a/graphql/stream?query={QUERY}"),
        "/graphql/streams".to_owned(),
        "/healthz".to_owned(),
        "*".to_owned(),
        format!("/graphql/stream?query={QUERY}%ZZ"),
    ]);
    let version = prop::sample::select(vec![
        "HTTP/1.1",
        "HTTP/1.0",
        "HTTP/1.1 ",
        "HTTP/9.9",
        "http/1.1",
    ]);
    let good = prop::sample::select(vec![
        "Host: a".to_owned(),
        "Accept: text/event-stream".to_owned(),
        "Content-Type: application/json".to_owned(),
        format!("Content-Length: {}", BODY.len()),
        "Connection: close".to_owned(),
    ]);
    let hostile = prop::sample::select(vec![
        "Content-Length: 0".to_owned(),
        "Content-Length: 99999999999999999999".to_owned(),
        "Content-Length: -1".to_owned(),
        "Content-Length:".to_owned(),
        "Transfer-Encoding: chunked".to_owned(),
        "Transfer-Encoding: gzip, chunked".to_owned(),
        "Expect: 100-continue".to_owned(),
        "Connection: keep-alive, Upgrade".to_owned(),
        " folded".to_owned(),
        "X-Nul: a\0".to_owned(),
        "Bad Name: a".to_owned(),
        "X-Long: ".to_owned() + &"b".repeat(20_000),
    ]);
    // Mostly plain headers, so that many heads reach the bare path's own answer.
    let header = prop_oneof![4 => good, 1 => hostile];
    let ending = prop::sample::select(vec!["\r\n", "\n", "\r\n", "\r\n"]);
    let body = prop::sample::select(vec![
        String::new(),
        BODY.to_owned(),
        format!("{:x}\r\n{BODY}\r\n0\r\n\r\n", BODY.len()),
        "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n".to_owned(),
    ]);
    (
        method,
        target,
        version,
        prop::collection::vec(header, 0..6),
        ending,
        body,
        any::<bool>(),
    )
        .prop_map(|(method, target, version, headers, end, body, half)| {
            let mut raw = format!("{method} {target} {version}{end}");
            for h in headers {
                raw.push_str(&h);
                raw.push_str(end);
            }
            raw.push_str(end);
            raw.push_str(&body);
            (raw.into_bytes(), half)
        })
}

#[tokio::test]
async fn generated_heads_are_answered_by_the_bare_path_as_by_hyper_alone() {
    let (bare, hyper) = both().await;
    let mut runner = TestRunner::new(Config {
        cases: 128,
        ..Config::default()
    });
    let strategy = heads();
    let (mut answered, mut streams) = (0, 0);
    for _ in 0..runner.config().cases {
        let (raw, half) = strategy.new_tree(&mut runner).expect("a case").current();
        let how = if half { Send::HalfClosed } else { Send::Whole };
        answered += usize::from(same_answer(&bare, &hyper, &raw, how).await > 0);
        streams += usize::from(
            raw.starts_with(b"GET /graphql/stream") || raw.starts_with(b"POST /graphql/stream"),
        );
    }
    // The generator must reach both paths: answered requests, and ones the bare path judges.
    assert!(
        answered > 8 && streams > 8,
        "{answered} answered, {streams} stream requests"
    );
}

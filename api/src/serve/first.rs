//! A connection's first request, read before hyper sees the connection: a Server-Sent Events
//! stream is answered on the bare socket (see `stream`), anything else goes to hyper together
//! with the bytes already read, so hyper judges it exactly as if it had read them itself.

use axum::body::{Body, Bytes};
use axum::http::{HeaderName, HeaderValue, Method, Request, Version, header};
use bytes::BytesMut;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::time::Instant;

/// The longest head read here; a longer one goes to hyper, which has its own limit.
const HEAD_LIMIT: usize = 16 * 1024;
/// The largest body read here: a stream request's is a small JSON document, and a larger one
/// goes to hyper, which reads it after the rate limit and the per-client cap have let it in.
const BODY_LIMIT: usize = 16 * 1024;
/// Header lines read here; a request with more goes to hyper.
const HEADER_LINES: usize = 64;
/// What is read at a time.
const READ_SIZE: usize = 2048;

/// What became of a connection's first request.
pub(super) enum First {
    /// Not a plain stream request: hyper serves the connection, starting with these bytes.
    Hyper(Bytes),
    /// A stream request, complete with its body: answered on the bare socket.
    Stream(Box<Request<Body>>),
    /// The client left, or sent no whole head in time.
    Gone,
}

/// What a whole head says.
enum Judgement {
    /// hyper's business.
    NotOurs,
    /// A whole stream request.
    Ours(Box<Request<Body>>),
}

/// Reads until the request can be judged. The head must arrive by `deadline`. A stream request
/// is answered here only when its body arrived with its head: hyper may answer before reading a
/// body (a refusal, a GET that ignores one), so a request still waiting for its body goes to
/// hyper, as does anything unusual. Each byte is looked at a bounded number of times however
/// the client splits its head: the head is parsed once, when its blank line has arrived. At
/// most about `HEAD_LIMIT` bytes are held.
pub(super) async fn read(
    socket: &mut TcpStream,
    path: &str,
    max_body: usize,
    deadline: Instant,
) -> First {
    let mut buf = BytesMut::with_capacity(READ_SIZE);
    // How far the blank line that ends the head has been looked for.
    let mut searched = 0usize;
    loop {
        if buf.capacity() - buf.len() < READ_SIZE / 2 {
            buf.reserve(READ_SIZE);
        }
        match tokio::time::timeout_at(deadline, socket.read_buf(&mut buf)).await {
            // A client that stopped sending mid-request (a half-close) gets what hyper alone
            // would answer to what it sent.
            Ok(Ok(0)) if !buf.is_empty() => return First::Hyper(buf.freeze()),
            Ok(Ok(0)) | Ok(Err(_)) => return First::Gone,
            Ok(Ok(_)) => {}
            Err(_elapsed) => return First::Gone,
        }
        match names_path(&buf, path.as_bytes()) {
            Some(true) => {}
            Some(false) => return First::Hyper(buf.freeze()),
            None => continue,
        }
        let from = searched.saturating_sub(2);
        searched = buf.len();
        if !ends_head(&buf[from..]) {
            if buf.len() >= HEAD_LIMIT {
                return First::Hyper(buf.freeze());
            }
            continue;
        }
        return match judge(&buf, max_body) {
            Judgement::NotOurs => First::Hyper(buf.freeze()),
            Judgement::Ours(request) => First::Stream(request),
        };
    }
}

/// Whether `bytes` hold the blank line that ends a head: CRLF CRLF, or bare line feeds, which
/// httparse (and so hyper) accepts too.
fn ends_head(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .any(|(at, _)| match bytes.get(at + 1) {
            Some(b'\n') => true,
            Some(b'\r') => bytes.get(at + 2) == Some(&b'\n'),
            _ => false,
        })
}

/// Whether `buf` begins with `expected`: `None` while it is still a prefix of it.
fn starts(buf: &[u8], expected: &[u8]) -> Option<bool> {
    let n = buf.len().min(expected.len());
    if buf[..n] != expected[..n] {
        Some(false)
    } else if buf.len() >= expected.len() {
        Some(true)
    } else {
        None
    }
}

/// Whether the request line asks for `path` with GET or POST (`None`: too short to tell), so
/// that every other request goes to hyper after the first read.
fn names_path(buf: &[u8], path: &[u8]) -> Option<bool> {
    let target = match (starts(buf, b"GET "), starts(buf, b"POST ")) {
        (Some(true), _) => &buf[4..],
        (_, Some(true)) => &buf[5..],
        (Some(false), Some(false)) => return Some(false),
        _ => return None,
    };
    match starts(target, path) {
        Some(true) => {}
        other => return other,
    }
    match target.get(path.len()) {
        None => None,
        Some(b' ' | b'?') => Some(true),
        Some(_) => Some(false),
    }
}

/// Judges a request whose head has arrived whole. Only the plainest requests are ours
/// (HTTP/1.1, GET or POST, a body of known length within the limit, nothing after it);
/// anything unusual, malformed or pipelined is left to hyper, so no request is answered
/// differently than it would be there.
fn judge(buf: &[u8], max_body: usize) -> Judgement {
    let mut lines = [httparse::EMPTY_HEADER; HEADER_LINES];
    let mut parsed = httparse::Request::new(&mut lines);
    let Ok(httparse::Status::Complete(head_len)) = parsed.parse(buf) else {
        return Judgement::NotOurs;
    };
    let method = match parsed.method {
        Some("GET") => Method::GET,
        Some("POST") => Method::POST,
        _ => return Judgement::NotOurs,
    };
    let (Some(target), Some(1)) = (parsed.path, parsed.version) else {
        return Judgement::NotOurs;
    };
    let mut request = Request::builder()
        .method(method)
        .uri(target)
        .version(Version::HTTP_11);
    let mut length: Option<usize> = None;
    for line in parsed.headers.iter() {
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(line.name.as_bytes()),
            HeaderValue::from_bytes(line.value),
        ) else {
            return Judgement::NotOurs;
        };
        if name == header::TRANSFER_ENCODING || name == header::UPGRADE || name == header::EXPECT {
            return Judgement::NotOurs;
        }
        if name == header::CONTENT_LENGTH {
            let digits = value.as_bytes();
            let parsed_length =
                (length.is_none() && !digits.is_empty() && digits.iter().all(u8::is_ascii_digit))
                    .then(|| std::str::from_utf8(digits).ok()?.parse::<usize>().ok())
                    .flatten();
            match parsed_length {
                Some(n) => length = Some(n),
                None => return Judgement::NotOurs,
            }
        }
        request = request.header(name, value);
    }
    let length = length.unwrap_or(0);
    if length > max_body.min(BODY_LIMIT) {
        return Judgement::NotOurs;
    }
    // Only a request that arrived whole and alone: nothing missing, nothing pipelined.
    if buf.len() != head_len + length {
        return Judgement::NotOurs;
    }
    let body = if length == 0 {
        Body::empty()
    } else {
        Body::from(Bytes::copy_from_slice(&buf[head_len..]))
    };
    match request.body(body) {
        Ok(request) => Judgement::Ours(Box::new(request)),
        Err(_) => Judgement::NotOurs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATH: &[u8] = b"/graphql/stream";

    #[test]
    fn other_paths_go_to_hyper_as_soon_as_the_request_line_differs() {
        let says = |text: &str| names_path(text.as_bytes(), PATH);
        assert_eq!(says("GET /graphql "), Some(false));
        assert_eq!(says("GET /graphql/streams HTTP/1.1\r\n"), Some(false));
        assert_eq!(says("OPTIONS /graphql/stream HTTP/1.1\r\n"), Some(false));
        assert_eq!(says("G"), None);
        assert_eq!(says("POST /graphql/str"), None);
        assert_eq!(says("GET /graphql/stream"), None);
        assert_eq!(says("GET /graphql/stream?query=x"), Some(true));
        assert_eq!(says("POST /graphql/stream HTTP/1.1"), Some(true));
    }

    #[test]
    fn a_head_ends_at_its_blank_line_with_or_without_carriage_returns() {
        assert!(ends_head(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
        assert!(ends_head(b"GET / HTTP/1.1\nHost: a\n\n"));
        assert!(ends_head(b"GET / HTTP/1.1\nHost: a\n\r\n"));
        assert!(!ends_head(b"GET / HTTP/1.1\r\nHost: a\r\n"));
        assert!(!ends_head(b"GET / HTTP/1.1\r\nHost: a\r\n\r"));
    }

    #[test]
    fn only_plain_complete_requests_are_ours() {
        let verdict = |text: &str| match judge(text.as_bytes(), 100) {
            Judgement::NotOurs => "hyper".to_owned(),
            Judgement::Ours(_) => "ours".to_owned(),
        };
        assert_eq!(
            verdict("GET /graphql/stream?query=x HTTP/1.1\r\nHost: a\r\n\r\n"),
            "ours"
        );
        assert_eq!(
            verdict("GET /graphql/stream HTTP/1.0\r\nHost: a\r\n\r\n"),
            "hyper"
        );
        let post = "POST /graphql/stream HTTP/1.1\r\nContent-Length: 4\r\n\r\n";
        assert_eq!(verdict(post), "hyper", "the body is still to come");
        assert_eq!(verdict(&format!("{post}{{}}")), "hyper");
        assert_eq!(verdict(&format!("{post}{{  }}")), "ours");
        assert_eq!(verdict(&format!("{post}{{  }}GET")), "hyper", "pipelined");
        let chunked = "POST /graphql/stream HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert_eq!(verdict(chunked), "hyper");
        let twice =
            "POST /graphql/stream HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n";
        assert_eq!(verdict(twice), "hyper");
        let signed = "POST /graphql/stream HTTP/1.1\r\nContent-Length: +0\r\n\r\n";
        assert_eq!(verdict(signed), "hyper");
        let large = "POST /graphql/stream HTTP/1.1\r\nContent-Length: 101\r\n\r\n";
        assert_eq!(verdict(large), "hyper");
        assert_eq!(
            verdict("GET /graphql/stream HTTP/1.1\r\nBad Name: a\r\n\r\n"),
            "hyper"
        );
        let upgrade = "GET /graphql/stream HTTP/1.1\r\nUpgrade: websocket\r\n\r\n";
        assert_eq!(verdict(upgrade), "hyper");
    }
}

//! A Server-Sent Events stream answered on the bare socket. hyper gives every HTTP/1
//! connection an 8 KiB read buffer and an 8 KiB write buffer that cannot be made smaller, which
//! is twice what an idle stream may cost in all; a stream that is its connection's first
//! request needs neither (its request is already read and nothing follows it), so its response
//! is written here: the router's response head, then each body chunk as it comes, then close.

use axum::Router;
use axum::body::{Body, HttpBody};
use axum::http::{Request, Response, StatusCode, header};
use http_body_util::BodyExt;
use std::io::Write;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// Runs `request` through the router (every layer, as hyper would) and writes the answer.
/// A client that stops reading for `send_timeout` is cut off, as over a WebSocket.
pub(super) async fn answer(
    mut socket: TcpStream,
    mut router: Router,
    request: Request<Body>,
    send_timeout: Duration,
) {
    let response = match tower::Service::call(&mut router, request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    drop(router);
    let (parts, mut body) = response.into_parts();
    // A body of known size (a refusal, an error) is sent with its length, as hyper sends it;
    // only a stream is chunked.
    let framing = match (has_body(parts.status), body.size_hint().exact()) {
        (false, _) => Framing::None,
        (true, Some(length)) => Framing::Length(length),
        (true, None) => Framing::Chunked,
    };
    let written = send(
        &mut socket,
        &head(&Response::from_parts(parts, ()), framing),
        send_timeout,
    )
    .await;
    if let (true, Framing::Length(length)) = (written, framing) {
        let limit = usize::try_from(length).unwrap_or(usize::MAX);
        if let Ok(whole) = axum::body::to_bytes(body, limit).await {
            send(&mut socket, &whole, send_timeout).await;
        }
        let _ = socket.shutdown().await;
        return;
    }
    if !written || framing != Framing::Chunked {
        let _ = socket.shutdown().await;
        return;
    }
    let mut sent_after = 0;
    loop {
        let frame = tokio::select! {
            frame = body.frame() => frame,
            () = hung_up(&socket, &mut sent_after) => break,
        };
        let data = match frame {
            Some(Ok(frame)) => match frame.into_data() {
                Ok(data) if !data.is_empty() => data,
                _ => continue,
            },
            // Cut short without the last chunk, so the client sees the stream did not end.
            Some(Err(err)) => {
                tracing::debug!(%err, "a stream's body failed");
                break;
            }
            None => {
                send(&mut socket, b"0\r\n\r\n", send_timeout).await;
                break;
            }
        };
        let mut chunk = Vec::with_capacity(data.len() + 12);
        let _ = write!(chunk, "{:x}\r\n", data.len());
        chunk.extend_from_slice(&data);
        chunk.extend_from_slice(b"\r\n");
        if !send(&mut socket, &chunk, send_timeout).await {
            break;
        }
    }
    let _ = socket.shutdown().await;
}

/// Writes `bytes` whole within `timeout`; false when the client did not take them.
async fn send(socket: &mut TcpStream, bytes: &[u8], timeout: Duration) -> bool {
    matches!(
        tokio::time::timeout(timeout, socket.write_all(bytes)).await,
        Ok(Ok(()))
    )
}

/// Whether a response with this status carries a body (RFC 9112 section 6.3).
fn has_body(status: StatusCode) -> bool {
    !(status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED)
}

/// How a response's body is framed on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Framing {
    /// It has none (1xx, 204, 304).
    None,
    /// It is this many bytes, sent whole.
    Length(u64),
    /// It is sent in chunks as it comes.
    Chunked,
}

/// The response head: the router's status and headers, a date as hyper would add, the
/// framing, and `connection: close`, since nothing follows a stream on its connection.
fn head(response: &Response<()>, framing: Framing) -> Vec<u8> {
    let mut head = Vec::with_capacity(512);
    let status = response.status();
    let _ = write!(
        head,
        "HTTP/1.1 {} {}\r\n",
        status.as_str(),
        status.canonical_reason().unwrap_or("")
    );
    for (name, value) in response.headers() {
        // Framing and the connection's fate are decided here, not by the handler.
        if name == header::CONNECTION
            || name == header::TRANSFER_ENCODING
            || name == header::CONTENT_LENGTH
            || name == header::DATE
            || name.as_str() == "keep-alive"
        {
            continue;
        }
        head.extend_from_slice(name.as_str().as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    let _ = write!(
        head,
        "date: {}\r\n",
        httpdate::fmt_http_date(std::time::SystemTime::now())
    );
    match framing {
        Framing::None => {}
        Framing::Length(length) => {
            let _ = write!(head, "content-length: {length}\r\n");
        }
        Framing::Chunked => head.extend_from_slice(b"transfer-encoding: chunked\r\n"),
    }
    head.extend_from_slice(b"connection: close\r\n\r\n");
    head
}

/// How much a client may send after its stream request before it is cut off: a stray line
/// break is harmless (RFC 9112 section 2.2 asks servers to ignore one), a second request is not
/// answered here since the response says the connection closes.
const AFTER_REQUEST_LIMIT: usize = 4096;

/// Completes when the client closes its side (or its socket fails), or has sent more than
/// `AFTER_REQUEST_LIMIT` bytes since its request, which are read and dropped. hyper too ends a
/// connection whose client closed its side, so that a reader who left frees its slot at once.
async fn hung_up(socket: &TcpStream, sent: &mut usize) {
    let mut discard = [0u8; 256];
    loop {
        if socket.readable().await.is_err() {
            return;
        }
        match socket.try_read(&mut discard) {
            Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => continue,
            Ok(n) if n > 0 && *sent + n <= AFTER_REQUEST_LIMIT => *sent += n,
            _ => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_head_keeps_the_routers_headers_and_frames_the_body_itself() {
        let response = Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, "text/event-stream")
            .header(header::CONTENT_LENGTH, "12")
            .header(header::CONNECTION, "keep-alive")
            .body(())
            .expect("a valid response");
        let text = String::from_utf8(head(&response, Framing::Chunked)).expect("ASCII");
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
        assert!(
            text.contains("content-type: text/event-stream\r\n"),
            "{text}"
        );
        assert!(!text.contains("content-length"), "{text}");
        assert!(!text.contains("keep-alive"), "{text}");
        assert!(text.contains("\r\ndate: "), "{text}");
        assert!(
            text.ends_with("transfer-encoding: chunked\r\nconnection: close\r\n\r\n"),
            "{text}"
        );
        let refused = Response::builder()
            .status(StatusCode::NOT_MODIFIED)
            .body(())
            .expect("a valid response");
        assert!(!has_body(refused.status()));
        let text = String::from_utf8(head(&refused, Framing::None)).expect("ASCII");
        assert!(text.starts_with("HTTP/1.1 304 Not Modified\r\n"), "{text}");
        assert!(!text.contains("transfer-encoding"), "{text}");
    }
}

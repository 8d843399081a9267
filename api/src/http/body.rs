//! Request bodies over the limit. A client still writing a body the server has refused sees
//! its connection reset (a broken pipe) instead of the answer, unless the server reads what
//! it sends first; so a body declared too large is read and thrown away, up to a bound and
//! within the slow-client time, and then answered 413 with `Connection: close`.

use crate::error::ApiError;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use std::time::Duration;

/// How much of a refused body is read, as a multiple of the body limit; past that the
/// connection is closed without reading further.
const DRAIN_FACTOR: usize = 8;

/// The body limit and how long a client has to send a body.
#[derive(Clone, Copy, Debug)]
pub struct BodyLimit {
    /// Largest body accepted, in bytes.
    pub max: usize,
    /// How long draining a refused body may take.
    pub timeout: Duration,
}

/// Answers a request whose `Content-Length` is over the limit with 413 once its body is read
/// (up to a bound); anything else goes on.
pub async fn refuse_oversized(
    State(limit): State<BodyLimit>,
    request: Request,
    next: Next,
) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let max = u64::try_from(limit.max).unwrap_or(u64::MAX);
    if declared.is_none_or(|length| length <= max) {
        return next.run(request).await;
    }
    let bound = limit.max.saturating_mul(DRAIN_FACTOR);
    let mut body = request.into_body();
    let _ = tokio::time::timeout(limit.timeout, async {
        let mut read = 0usize;
        while read <= bound {
            match body.frame().await {
                Some(Ok(frame)) => read += frame.data_ref().map_or(0, |d| d.len()),
                Some(Err(_)) | None => break,
            }
        }
    })
    .await;
    ApiError::limit(format!("the body is larger than {} bytes", limit.max))
        .with_status(StatusCode::PAYLOAD_TOO_LARGE)
        .with_header(header::CONNECTION, HeaderValue::from_static("close"))
        .into_response()
}

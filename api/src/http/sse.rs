//! `/graphql/stream`: GraphQL over Server-Sent Events, the graphql-sse protocol's "distinct
//! connections" mode, for newsroom CMSs and corporate proxies that drop WebSocket upgrades. Each
//! request (GET, as `EventSource` sends, or POST, as the graphql-sse client sends) runs one
//! operation through the same executor as HTTP and WebSocket and streams its results as `next`
//! events, then `complete`. A timeline event's SSE `id:` is its cursor, and a reconnect that
//! sends `Last-Event-ID` resumes exactly like `after:`: nothing missed, nothing twice. Comments
//! keep the connection alive through proxies; each client address holds at most as many
//! streams as it may hold sockets.

use super::AppState;
use super::graphql::request;
use crate::error::ApiError;
use crate::schema::auth::Auth;
use crate::schema::loader::loaders;
use crate::schema::subscription::{ResumeFrom, StreamCursor};
use crate::schema::viewer::Viewer;
use async_graphql::Data;
use async_graphql::parser::types::OperationType;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often an idle stream sends a comment, so proxies and browsers keep it open.
const HEARTBEAT: Duration = Duration::from_secs(15);

/// One SSE event: its type, its data (JSON on one line), and its id when it has one.
fn event(kind: &str, data: &str, id: Option<&str>) -> Bytes {
    let mut text = String::with_capacity(data.len() + 48);
    if let Some(id) = id {
        // An id holds no line break (a cursor never does); one that did is left out.
        if !id.contains(['\n', '\r']) {
            text.push_str("id: ");
            text.push_str(id);
            text.push('\n');
        }
    }
    text.push_str("event: ");
    text.push_str(kind);
    text.push_str("\ndata: ");
    text.push_str(data);
    text.push_str("\n\n");
    Bytes::from(text)
}

/// A stream that says only `errors` and completes: how a request that cannot run is refused
/// inside the protocol, so a client that retries on network errors does not retry it.
fn refused(errors: &async_graphql::Response) -> Response {
    let body = serde_json::to_string(errors).unwrap_or_else(|_| "{}".to_owned());
    let chunks = futures_util::stream::iter([
        Ok::<_, Infallible>(event("next", &body, None)),
        Ok(event("complete", "", None)),
    ]);
    streaming(Body::from_stream(chunks))
}

fn streaming(body: Body) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/event-stream"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            // nginx would otherwise hold events back to fill its buffers.
            (
                header::HeaderName::from_static("x-accel-buffering"),
                HeaderValue::from_static("no"),
            ),
        ],
        body,
    )
        .into_response()
}

/// Runs one operation and streams its results as Server-Sent Events.
pub async fn stream(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Body,
) -> Response {
    let client = state.proxies.client(&headers, peer);
    let Some(slot) = state.sockets.take(client, state.ws.max_per_client) else {
        return ApiError::limit("too many live connections from this address")
            .with_status(StatusCode::TOO_MANY_REQUESTS)
            .into_response();
    };
    let params = match request::read(
        &method,
        &headers,
        query.as_deref(),
        body,
        state.slow_client_timeout,
    )
    .await
    {
        Ok(params) => params,
        Err(refusal) => return refusal.into_response(),
    };
    let resolved = match state
        .persisted
        .resolve(params.query.clone(), &params.extensions)
    {
        Ok(Some(resolved)) => resolved,
        Ok(None) => return ApiError::bad_input("the request has no query").into_response(),
        Err(error) => return refused(&state.executor.refused(error)),
    };
    let mut graphql = params.into_request(resolved.text.clone());
    let prepared = match state.executor.prepare(&mut graphql) {
        Ok(prepared) => prepared,
        Err(error) => return refused(&state.executor.refused(error)),
    };
    if method == Method::GET && prepared.ty == OperationType::Mutation {
        return ApiError::bad_input("mutations are sent with POST")
            .with_status(StatusCode::METHOD_NOT_ALLOWED)
            .into_response();
    }
    let auth = Auth::of(
        headers
            .get(header::AUTHORIZATION)
            .map(|v| v.to_str().unwrap_or("")),
    );
    let share = state.share();
    let viewer = match Viewer::of(&auth, &share).await {
        Ok(viewer) => viewer,
        Err(error) => return refused(&state.executor.refused(error.into_server_error())),
    };
    // `Last-Event-ID` is the cursor of the last event the client took: it resumes from there.
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| ResumeFrom(v.to_owned()));
    let cursor = StreamCursor(Arc::new(Mutex::new(None)));
    // Events are read long after the stream began, so its loader does not cache: a corrected
    // action shows its new values.
    let stream_loaders = loaders(share.clone(), viewer.visibility());
    stream_loaders.enable_all_cache(false);
    let mut data = Data::default();
    data.insert(stream_loaders);
    data.insert(share);
    data.insert(auth);
    data.insert(viewer);
    data.insert(cursor.clone());
    if let Some(resume) = resume {
        data.insert(resume);
    }
    let results = state.executor.live(graphql, Arc::new(data));
    let mut shutdown = state.shutdown.clone();
    let events = async_stream::stream! {
        // Held for as long as the stream lives: the client's count of live connections.
        let _slot = slot;
        let mut results = results;
        let mut beat = tokio::time::interval(HEARTBEAT);
        beat.reset();
        // Waited on across the loop: every stream waits on the one shutdown signal, and
        // registering with it anew for each event would cost them all its lock.
        let stopping = shutdown.changed();
        let mut stopping = std::pin::pin!(stopping);
        loop {
            tokio::select! {
                next = results.next() => match next {
                    Some(result) => {
                        let id = cursor.0.lock().unwrap_or_else(|p| p.into_inner()).take();
                        yield Ok::<_, Infallible>(event("next", &result.json(), id.as_deref()));
                    }
                    None => {
                        yield Ok(event("complete", "", None));
                        break;
                    }
                },
                _ = beat.tick() => yield Ok(Bytes::from_static(b":\n\n")),
                // Shutting down: the client reconnects elsewhere with its last id.
                _ = &mut stopping => break,
            }
        }
    };
    streaming(Body::from_stream(events))
}

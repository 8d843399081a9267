//! `/graphql` over GET and POST, following the GraphQL-over-HTTP specification: the response
//! type is negotiated (`application/graphql-response+json` or `application/json`), malformed
//! requests get 400, other body types 415, mutations over GET 405, and under
//! `application/graphql-response+json` a request that could not run gets 400 without `data`.

pub(super) mod request;

use super::AppState;
use super::cache;
use crate::error::ApiError;
use crate::schema::auth::Auth;
use crate::schema::loader::loaders;
use crate::schema::viewer::Viewer;
use async_graphql::parser::types::OperationType;
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use request::MediaType;

/// Runs one GraphQL request with its own DataLoader and the caller's credentials.
pub async fn execute(
    State(state): State<AppState>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Body,
) -> Response {
    let Some(media) = request::negotiate(&headers) else {
        return (StatusCode::NOT_ACCEPTABLE, MediaType::unacceptable()).into_response();
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
        Err(refusal) => return refusal.into_response_as(media.header()),
    };
    let resolved = match state
        .persisted
        .resolve(params.query.clone(), &params.extensions)
    {
        Ok(Some(resolved)) => resolved,
        Ok(None) => {
            return ApiError::bad_input("the request has no query")
                .into_response_as(media.header());
        }
        Err(error) => return respond(media, state.executor.refused(error)),
    };
    // What the answer depends on besides the database: taken before the request is consumed.
    let variables = params
        .variables
        .as_ref()
        .map(|v| serde_json::to_string(v).unwrap_or_default())
        .unwrap_or_default();
    let mut request = params.into_request(resolved.text.clone());
    let prepared = match state.executor.prepare(&mut request) {
        Ok(prepared) => prepared,
        Err(error) => return respond(media, state.executor.refused(error)),
    };
    state.persisted.remember(&resolved);
    if method == Method::GET && prepared.ty == OperationType::Mutation {
        return ApiError::bad_input("mutations are sent with POST")
            .with_status(StatusCode::METHOD_NOT_ALLOWED)
            .with_header(header::ALLOW, HeaderValue::from_static("POST"))
            .into_response_as(media.header());
    }
    // A value that is not text cannot be a token; it is presented as such and refused by
    // any write.
    let auth = Auth::of(
        headers
            .get(header::AUTHORIZATION)
            .map(|v| v.to_str().unwrap_or("")),
    );
    let share = state.share();
    let viewer = match Viewer::of(&auth, &share).await {
        Ok(viewer) => viewer,
        Err(error) => {
            return respond(media, state.executor.refused(error.into_server_error()));
        }
    };
    if prepared.ty != OperationType::Query {
        let request = request
            .data(loaders(share.clone(), viewer.visibility()))
            .data(share)
            .data(auth)
            .data(viewer);
        let mut response = respond(media, state.executor.run(request, &prepared).await);
        cache::private_headers(response.headers_mut());
        return response;
    }
    // A query's answer is shared with everyone who asks the same of the same view: readers, or
    // one editor (whose answers say who they are), until the change log moves.
    let answers = &state.answers;
    let head = answers.head();
    let reader = viewer.0.is_none();
    let who = viewer.0.as_ref().map_or("", |e| e.name.as_str());
    let key = cache::key(&[
        b"graphql",
        if reader { b"reader" } else { b"editor" },
        who.as_bytes(),
        prepared.name.as_deref().unwrap_or("").as_bytes(),
        cache::normalized(&resolved.text).as_bytes(),
        variables.as_bytes(),
    ]);
    let tag = cache::etag(&key, head);
    if reader && cache::not_modified(&headers, &tag) {
        state.executor.count_kept(&prepared);
        return cache::unchanged(answers, &tag);
    }
    let mut response = match answers.get(&key, head) {
        Some(kept) => {
            state.executor.count_kept(&prepared);
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, media.header())],
                kept.body.clone(),
            )
                .into_response()
        }
        None => {
            let request = request
                .data(loaders(share.clone(), viewer.visibility()))
                .data(share)
                .data(auth)
                .data(viewer);
            let answer = state.executor.run(request, &prepared).await;
            let succeeded = answer.errors.is_empty();
            let response = respond(media, answer);
            if !succeeded {
                return response;
            }
            let (parts, body) = response.into_parts();
            match axum::body::to_bytes(body, usize::MAX).await {
                Ok(bytes) => {
                    answers.put(
                        key,
                        cache::Kept {
                            head,
                            status: parts.status,
                            headers: axum::http::HeaderMap::new(),
                            body: bytes.clone(),
                        },
                    );
                    Response::from_parts(parts, Body::from(bytes))
                }
                Err(_) => return ApiError::internal("an answer did not read").into_response(),
            }
        }
    };
    if reader {
        answers.public_headers(response.headers_mut(), &tag);
    } else {
        cache::private_headers(response.headers_mut());
    }
    response
}

/// Writes a GraphQL response. Errors without a path stopped the request before execution
/// (parse, validation, variable coercion, limits): under graphql-response+json that is a 400
/// with no `data` entry.
fn respond(media: MediaType, response: async_graphql::Response) -> Response {
    let not_run = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    let (status, body) = if media == MediaType::GraphQlResponse && not_run {
        let body = serde_json::json!({ "errors": response.errors });
        (StatusCode::BAD_REQUEST, body.to_string())
    } else {
        // Straight to text: a page of 100 actions need not become a JSON tree first.
        let body = serde_json::to_string(&response).unwrap_or_else(|_| "{}".to_owned());
        (StatusCode::OK, body)
    };
    (status, [(header::CONTENT_TYPE, media.header())], body).into_response()
}

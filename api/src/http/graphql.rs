//! `/graphql` over GET and POST, following the GraphQL-over-HTTP specification: the response
//! type is negotiated (`application/graphql-response+json` or `application/json`), malformed
//! requests get 400, other body types 415, mutations over GET 405, and under
//! `application/graphql-response+json` a request that could not run gets 400 without `data`.

use super::AppState;
use crate::schema::auth::{Auth, bearer};
use crate::schema::limits::QueryLimits;
use crate::schema::loader::loaders;
use crate::schema::observe;
use crate::service::tokens;
use async_graphql::parser::types::OperationType;
use async_graphql::{Request, Variables};
use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sea_orm::DatabaseConnection;
use serde_json::{Map, Value, json};
use std::time::Duration;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

/// The media type of the response, chosen from the request's Accept header.
#[derive(Clone, Copy, PartialEq, Eq)]
enum MediaType {
    GraphQlResponse,
    Json,
}

impl MediaType {
    fn header(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Self::GraphQlResponse => "application/graphql-response+json; charset=utf-8",
            Self::Json => "application/json; charset=utf-8",
        })
    }
}

/// The first acceptable type in the Accept header's order; `application/json` when there is
/// no Accept header; `None` when nothing listed is acceptable (406).
fn negotiate(headers: &HeaderMap) -> Option<MediaType> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Some(MediaType::Json);
    };
    accept.split(',').find_map(|item| {
        let media = item
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match media.as_str() {
            GRAPHQL_RESPONSE_JSON => Some(MediaType::GraphQlResponse),
            JSON | "application/*" | "*/*" => Some(MediaType::Json),
            _ => None,
        }
    })
}

fn request_error(media: MediaType, status: StatusCode, message: &str) -> Response {
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE | StatusCode::REQUEST_TIMEOUT => "LIMIT_EXCEEDED",
        _ => "BAD_USER_INPUT",
    };
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    (
        status,
        [(header::CONTENT_TYPE, media.header())],
        body.to_string(),
    )
        .into_response()
}

/// The GraphQL parameters of a GET (query string) or POST (JSON body).
struct Params {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<Map<String, Value>>,
    extensions: Option<Map<String, Value>>,
}

fn from_object(mut object: Map<String, Value>) -> Result<Params, &'static str> {
    let query = match object.remove("query") {
        Some(Value::String(q)) => Some(q),
        Some(_) => return Err("query must be a string"),
        None => None,
    };
    let operation_name = match object.remove("operationName") {
        None | Some(Value::Null) => None,
        Some(Value::String(name)) => Some(name),
        Some(_) => return Err("operationName must be a string"),
    };
    let mut map = |key: &str, what: &'static str| match object.remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => Ok(Some(map)),
        Some(_) => Err(what),
    };
    let variables = map("variables", "variables must be an object")?;
    let extensions = map("extensions", "extensions must be an object")?;
    // Without a query text, only a persisted query's hash can say what to run.
    let persisted = extensions
        .as_ref()
        .is_some_and(|e| e.contains_key("persistedQuery"));
    if query.is_none() && !persisted {
        return Err("the request has no query");
    }
    Ok(Params {
        query,
        operation_name,
        variables,
        extensions,
    })
}

fn from_query_string(query: Option<&str>) -> Result<Params, &'static str> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or(""))
        .map_err(|_| "the query string does not parse")?;
    let mut object = Map::new();
    for (key, value) in pairs {
        let value = match key.as_str() {
            // These two are JSON texts inside the query string.
            "variables" | "extensions" => {
                serde_json::from_str(&value).map_err(|_| "variables and extensions must be JSON")?
            }
            _ => Value::String(value),
        };
        object.insert(key, value);
    }
    from_object(object)
}

/// Reads the whole body, giving a slow client `timeout` to send it: 408 after that, 413 past
/// the body limit, 400 if the client broke off.
async fn read_body(body: Body, timeout: Duration) -> Result<Bytes, (StatusCode, &'static str)> {
    match tokio::time::timeout(timeout, axum::body::to_bytes(body, usize::MAX)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(err)) => {
            let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&err);
            while let Some(cause) = source {
                if cause.is::<http_body_util::LengthLimitError>() {
                    return Err((StatusCode::PAYLOAD_TOO_LARGE, "the body is too large"));
                }
                source = cause.source();
            }
            Err((StatusCode::BAD_REQUEST, "the body could not be read"))
        }
        Err(_) => Err((
            StatusCode::REQUEST_TIMEOUT,
            "the body did not arrive in time",
        )),
    }
}

/// Whether the operation the request selects is a mutation (GET may only read).
fn selects_mutation(params: &Params, query: &str) -> bool {
    let Ok(document) = async_graphql::parser::parse_query(query) else {
        return false;
    };
    document
        .operations
        .iter()
        .find(|(name, _)| match (&params.operation_name, name) {
            (Some(wanted), Some(name)) => wanted.as_str() == name.as_str(),
            (None, _) => true,
            (Some(_), None) => false,
        })
        .is_some_and(|(_, op)| op.node.ty == OperationType::Mutation)
}

/// Runs one GraphQL request with its own DataLoader and the caller's credentials.
pub async fn execute(
    State(state): State<AppState>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Body,
) -> Response {
    let Some(media) = negotiate(&headers) else {
        return (
            StatusCode::NOT_ACCEPTABLE,
            format!("answers are {GRAPHQL_RESPONSE_JSON} or {JSON}"),
        )
            .into_response();
    };
    let params = if method == Method::GET {
        from_query_string(query.as_deref())
    } else {
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let essence = content_type.split(';').next().unwrap_or("").trim();
        if !essence.eq_ignore_ascii_case(JSON) {
            return request_error(
                media,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "send the request as application/json",
            );
        }
        let body = match read_body(body, state.slow_client_timeout).await {
            Ok(body) => body,
            Err(refusal) => return request_error(media, refusal.0, refusal.1),
        };
        match serde_json::from_slice::<Value>(&body) {
            Ok(Value::Object(object)) => from_object(object),
            Ok(_) => Err("the body must be a JSON object (batches are not accepted)"),
            Err(_) => Err("the body is not JSON"),
        }
    };
    let params = match params {
        Ok(params) => params,
        Err(message) => return request_error(media, StatusCode::BAD_REQUEST, message),
    };
    let extensions = params.extensions.clone().unwrap_or_default();
    let query = match state.persisted.resolve(params.query.clone(), &extensions) {
        Ok(Some(query)) => query,
        Ok(None) => {
            return request_error(media, StatusCode::BAD_REQUEST, "the request has no query");
        }
        Err(error) => return respond(media, async_graphql::Response::from_errors(vec![error])),
    };
    if method == Method::GET && selects_mutation(&params, &query) {
        let mut response = request_error(
            media,
            StatusCode::METHOD_NOT_ALLOWED,
            "mutations are sent with POST",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }

    let auth = match headers.get(header::AUTHORIZATION) {
        None => Auth::Anonymous,
        Some(value) => authenticate(&state.db, value.to_str().ok()).await,
    };
    let mut request = Request::new(query)
        .data(loaders(state.db.clone()))
        .data(auth);
    let operation = params.operation_name.clone();
    if let Some(name) = params.operation_name {
        request = request.operation_name(name);
    }
    if let Some(variables) = params.variables {
        request = request.variables(Variables::from_json(Value::Object(variables)));
    }
    for (key, value) in extensions {
        // The persisted query has done its work above.
        if key == "persistedQuery" {
            continue;
        }
        if let Ok(value) = async_graphql::Value::from_json(value) {
            request.extensions.insert(key, value);
        }
    }
    // What the schema's extension does over WebSocket, done here around the execution so that
    // no field of the answer goes through async-graphql's extension chain.
    let started = std::time::Instant::now();
    let mut named = None;
    let response = match checked(&mut request, &state.limits, &mut named) {
        Err(error) => async_graphql::Response::from_errors(vec![error]),
        Ok(()) => {
            match tokio::time::timeout(state.request_timeout, state.http_schema.execute(request))
                .await
            {
                Ok(response) => response,
                Err(_) => {
                    let message = format!(
                        "the request ran longer than {} s and was stopped",
                        state.request_timeout.as_secs()
                    );
                    async_graphql::Response::from_errors(vec![crate::schema::limits::exceeded(
                        message,
                    )])
                }
            }
        }
    };
    let mut response = response;
    observe::tag_codes(&mut response);
    let operation = operation.or(named);
    observe::record(&state.metrics, operation.as_deref(), started, &response);
    respond(media, response)
}

/// Counts the query's tokens before parsing it, parses it once (execution reuses the parsed
/// document) and checks the document's aliases, directives and the like; `named` gets the name
/// of the document's only operation, for the metrics.
fn checked(
    request: &mut Request,
    limits: &QueryLimits,
    named: &mut Option<String>,
) -> async_graphql::ServerResult<()> {
    use async_graphql::parser::types::DocumentOperations;
    observe::check_text(&request.query, limits)?;
    let document = request.parsed_query()?;
    if let DocumentOperations::Multiple(operations) = &document.operations
        && operations.len() == 1
    {
        *named = operations.keys().next().map(|name| name.to_string());
    }
    crate::schema::limits::check_document(document, limits)
}

/// Writes a GraphQL response. Errors without a path stopped the request before execution
/// (parse, validation, variable coercion, limits): under graphql-response+json that is a 400
/// with no `data` entry.
fn respond(media: MediaType, response: async_graphql::Response) -> Response {
    let not_run = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    let (status, body) = if media == MediaType::GraphQlResponse && not_run {
        let mut body = serde_json::to_value(&response).unwrap_or_else(|_| json!({}));
        if let Some(object) = body.as_object_mut() {
            object.remove("data");
        }
        (StatusCode::BAD_REQUEST, body.to_string())
    } else {
        // Straight to text: a page of 100 actions need not become a JSON tree first.
        let body = serde_json::to_string(&response).unwrap_or_else(|_| "{}".to_owned());
        (StatusCode::OK, body)
    };
    (status, [(header::CONTENT_TYPE, media.header())], body).into_response()
}

/// Checks an Authorization value (`Bearer <token>`); anything else is `Invalid`.
pub async fn authenticate(db: &DatabaseConnection, value: Option<&str>) -> Auth {
    let Some(token) = value.and_then(bearer) else {
        return Auth::Invalid;
    };
    match tokens::authenticate(db, token).await {
        Ok(Some(editor)) => Auth::Editor(editor),
        Ok(None) => Auth::Invalid,
        Err(err) => {
            // A read still works without the database answering for the token; a write
            // will be refused as unauthenticated, which is safe.
            tracing::error!(error = %err, "token lookup failed");
            Auth::Invalid
        }
    }
}

//! Reading a GraphQL-over-HTTP request: the response type the client accepts, the parameters
//! of a GET (query string) or POST (JSON body), each refused with the status the specification
//! gives it.
//!
//! async-graphql-axum's `GraphQLRequest` is not used here: it accepts `application/graphql`,
//! multipart bodies and batches where the specification wants 415 or 400, and async-graphql's
//! `parse_query_string` reads `operation_name` rather than the specification's `operationName`.

use crate::error::ApiError;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use serde_json::{Map, Value};
use std::time::Duration;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

/// The media type of the response, chosen from the request's Accept header.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    /// `application/graphql-response+json`: requests that could not run get 400.
    GraphQlResponse,
    /// `application/json`: every answer is 200.
    Json,
}

impl MediaType {
    /// The `Content-Type` of answers in this type.
    pub fn header(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Self::GraphQlResponse => "application/graphql-response+json; charset=utf-8",
            Self::Json => "application/json; charset=utf-8",
        })
    }

    /// What a client that accepts nothing we send is told (406).
    pub fn unacceptable() -> String {
        format!("answers are {GRAPHQL_RESPONSE_JSON} or {JSON}")
    }
}

/// The acceptable type the Accept header prefers (RFC 9110: the highest `q`, ties in the
/// header's order, `q=0` meaning "not this"); `application/json` when there is no Accept
/// header; `None` when nothing listed is acceptable (406).
pub fn negotiate(headers: &HeaderMap) -> Option<MediaType> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Some(MediaType::Json);
    };
    let mut best: Option<(MediaType, f32)> = None;
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let offered = match media.as_str() {
            GRAPHQL_RESPONSE_JSON => MediaType::GraphQlResponse,
            JSON | "application/*" | "*/*" => MediaType::Json,
            _ => continue,
        };
        if q > 0.0 && best.is_none_or(|(_, best_q)| q > best_q) {
            best = Some((offered, q));
        }
    }
    best.map(|(media, _)| media)
}

/// The GraphQL parameters of a request, checked for type.
pub struct Params {
    /// The query text (absent when a persisted query's hash stands for it).
    pub query: Option<String>,
    /// The operation to run.
    pub operation_name: Option<String>,
    /// The variables.
    pub variables: Option<Map<String, Value>>,
    /// Extensions, such as `persistedQuery`.
    pub extensions: Map<String, Value>,
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
    let extensions = map("extensions", "extensions must be an object")?.unwrap_or_default();
    // Without a query text, only a persisted query's hash can say what to run.
    if query.is_none() && !extensions.contains_key("persistedQuery") {
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
async fn read_body(body: Body, timeout: Duration) -> Result<Bytes, ApiError> {
    match tokio::time::timeout(timeout, axum::body::to_bytes(body, usize::MAX)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(err)) => {
            let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&err);
            while let Some(cause) = source {
                if cause.is::<http_body_util::LengthLimitError>() {
                    return Err(ApiError::limit("the body is too large")
                        .with_status(StatusCode::PAYLOAD_TOO_LARGE));
                }
                source = cause.source();
            }
            Err(ApiError::bad_input("the body could not be read"))
        }
        Err(_) => Err(ApiError::limit("the body did not arrive in time")
            .with_status(StatusCode::REQUEST_TIMEOUT)),
    }
}

/// The parameters of a GET (from the query string) or a POST (a JSON object body; other
/// content types get 415, batches 400).
pub async fn read(
    method: &Method,
    headers: &HeaderMap,
    query: Option<&str>,
    body: Body,
    body_timeout: Duration,
) -> Result<Params, ApiError> {
    let parsed = if method == Method::GET {
        from_query_string(query)
    } else {
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let essence = content_type.split(';').next().unwrap_or("").trim();
        if !essence.eq_ignore_ascii_case(JSON) {
            return Err(ApiError::bad_input("send the request as application/json")
                .with_status(StatusCode::UNSUPPORTED_MEDIA_TYPE));
        }
        let body = read_body(body, body_timeout).await?;
        match serde_json::from_slice::<Value>(&body) {
            Ok(Value::Object(object)) => from_object(object),
            Ok(_) => Err("the body must be a JSON object (batches are not accepted)"),
            Err(_) => Err("the body is not JSON"),
        }
    };
    parsed.map_err(ApiError::bad_input)
}

impl Params {
    /// The request to run, given its query text (the request's own or a persisted one).
    pub fn into_request(self, query: String) -> async_graphql::Request {
        let mut request = async_graphql::Request::new(query);
        if let Some(name) = self.operation_name {
            request = request.operation_name(name);
        }
        if let Some(variables) = self.variables {
            request = request.variables(async_graphql::Variables::from_json(Value::Object(
                variables,
            )));
        }
        for (key, value) in self.extensions {
            // The persisted query has done its work by now.
            if key == "persistedQuery" {
                continue;
            }
            if let Ok(value) = async_graphql::Value::from_json(value) {
                request.extensions.insert(key, value);
            }
        }
        request
    }
}

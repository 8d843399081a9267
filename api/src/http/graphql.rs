//! `/graphql` over GET and POST.

use super::AppState;
use crate::schema::auth::{Auth, bearer};
use crate::schema::loader::loaders;
use crate::service::tokens;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::extract::State;
use axum::http::{HeaderMap, header};
use sea_orm::DatabaseConnection;

/// Runs one GraphQL request with its own DataLoader and the caller's credentials.
pub async fn execute(
    State(state): State<AppState>,
    headers: HeaderMap,
    request: GraphQLRequest,
) -> GraphQLResponse {
    let auth = match headers.get(header::AUTHORIZATION) {
        None => Auth::Anonymous,
        Some(value) => authenticate(&state.db, value.to_str().ok()).await,
    };
    let request = request
        .into_inner()
        .data(loaders(state.db.clone()))
        .data(auth);
    match tokio::time::timeout(state.request_timeout, state.schema.execute(request)).await {
        Ok(response) => response.into(),
        Err(_) => {
            let message = format!(
                "the request ran longer than {} s and was stopped",
                state.request_timeout.as_secs()
            );
            async_graphql::Response::from_errors(vec![crate::schema::limits::exceeded(message)])
                .into()
        }
    }
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

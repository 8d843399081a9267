//! `/graphql` over GET and POST.

use super::AppState;
use crate::schema::loader::loaders;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::extract::State;

/// Runs one GraphQL request with its own DataLoader.
pub async fn execute(State(state): State<AppState>, request: GraphQLRequest) -> GraphQLResponse {
    let request = request.into_inner().data(loaders(state.db.clone()));
    state.schema.execute(request).await.into()
}

//! The GraphQL schema: thin objects over the service layer.

pub mod connection;
pub mod enums;
pub mod error;
pub mod id;
pub mod input;
pub mod loader;
pub mod object;
pub mod prefetch;
pub mod query;

use async_graphql::{EmptyMutation, EmptySubscription, Schema, SchemaBuilder};
use sea_orm::DatabaseConnection;

/// Standoff's executable schema.
pub type StandoffSchema = Schema<query::Query, EmptyMutation, EmptySubscription>;

fn builder() -> SchemaBuilder<query::Query, EmptyMutation, EmptySubscription> {
    Schema::build(query::Query::default(), EmptyMutation, EmptySubscription)
        .extension(error::ErrorCodes)
}

/// Builds the schema over a database.
pub fn build(db: DatabaseConnection) -> StandoffSchema {
    builder().data(db).finish()
}

/// The schema's SDL, as committed in `schema.graphql` and served at `/schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}

//! The GraphQL schema: thin objects over the service layer.

pub mod auth;
pub mod connection;
pub mod enums;
pub mod error;
pub mod id;
pub mod input;
pub mod limits;
pub mod loader;
pub mod mutation;
pub mod object;
pub mod observe;
pub mod prefetch;
pub mod query;
pub mod subscription;

use crate::metrics::Metrics;
use crate::service::feed::ChangeFeed;
use async_graphql::{Schema, SchemaBuilder};
use limits::QueryLimits;
use sea_orm::DatabaseConnection;
use subscription::Subscription;

/// Standoff's executable schema.
pub type StandoffSchema = Schema<query::Query, mutation::Mutation, Subscription>;

fn builder(
    metrics: Option<Metrics>,
    limits: QueryLimits,
) -> SchemaBuilder<query::Query, mutation::Mutation, Subscription> {
    Schema::build(
        query::Query::default(),
        mutation::Mutation::default(),
        Subscription,
    )
    .limit_depth(limits.max_depth)
    .limit_complexity(limits.max_complexity)
    .extension(observe::Observe { metrics, limits })
}

/// Builds the schema over a database, the feed that writes announce themselves on, and the
/// metrics it records into, enforcing `limits`.
pub fn build(
    db: DatabaseConnection,
    feed: ChangeFeed,
    metrics: Metrics,
    limits: QueryLimits,
) -> StandoffSchema {
    builder(Some(metrics.clone()), limits)
        .data(db)
        .data(feed)
        .data(metrics)
        .finish()
}

/// The schema's SDL, as committed in `schema.graphql` and served at `/schema.graphql`.
pub fn sdl() -> String {
    builder(None, QueryLimits::default()).finish().sdl()
}

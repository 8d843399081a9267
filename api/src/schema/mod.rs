//! The GraphQL schema: thin objects over the service layer.

pub mod auth;
pub mod connection;
pub mod directives;
pub mod enums;
pub mod executor;
pub mod hub;
pub mod id;
pub mod input;
pub mod limits;
pub mod loader;
pub mod mutation;
pub mod object;
pub mod persisted;
pub mod prefetch;
pub mod query;
pub mod subscription;
pub mod variables;
pub mod viewer;
pub mod when;

use crate::metrics::Metrics;
use async_graphql::{Schema, SchemaBuilder};
use limits::QueryLimits;
use sea_orm::DatabaseConnection;
use standoff_core::feed::ChangeFeed;
use standoff_core::filter::FilterCache;
use standoff_core::follow::Follower;
use subscription::Subscription;

/// Standoff's executable schema.
pub type StandoffSchema = Schema<query::Query, mutation::Mutation, Subscription>;

/// How the schema behaves beyond its types.
#[derive(Clone, Default)]
pub struct SchemaOptions {
    /// What a request may ask for.
    pub limits: QueryLimits,
    /// Production: no "did you mean" suggestions in errors.
    pub production: bool,
    /// When set, only operations whose exact text has one of these hashes run.
    pub allow_list: Option<std::sync::Arc<std::collections::HashSet<String>>>,
}

/// The schema without extensions: limits and observation happen in [`executor`], which runs
/// every operation. Depth and complexity are measured there too (see [`limits`]); only
/// async-graphql's recursion limit stays, set to the one `limits` enforces first.
fn builder(
    options: &SchemaOptions,
) -> SchemaBuilder<query::Query, mutation::Mutation, Subscription> {
    let builder = Schema::build(
        query::Query::default(),
        mutation::Mutation::default(),
        Subscription,
    )
    .limit_recursive_depth(limits::MAX_NESTING);
    if options.production {
        builder.disable_suggestions()
    } else {
        builder
    }
}

/// Builds the schema over a database, the feed that writes announce themselves on, the
/// change log's follower and the metrics, as `options` say.
pub fn build(
    db: DatabaseConnection,
    feed: ChangeFeed,
    metrics: Metrics,
    filter_cache: FilterCache,
    follower: Follower,
    options: &SchemaOptions,
) -> StandoffSchema {
    builder(options)
        .data(db)
        .data(filter_cache)
        .data(follower)
        .data(feed)
        .data(metrics)
        .finish()
}

/// The schema's SDL, as committed in `schema.graphql` and served at `/schema.graphql`.
pub fn sdl() -> String {
    builder(&SchemaOptions::default()).finish().sdl()
}

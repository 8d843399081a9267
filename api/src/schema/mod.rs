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
pub mod persisted;
pub mod prefetch;
pub mod query;
pub mod subscription;

use crate::metrics::Metrics;
use crate::service::feed::ChangeFeed;
use crate::service::filter::FilterCache;
use crate::service::tail::LogTail;
use async_graphql::{Schema, SchemaBuilder};
use limits::QueryLimits;
use sea_orm::DatabaseConnection;
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

fn builder(
    metrics: Option<Metrics>,
    options: &SchemaOptions,
    observe: bool,
) -> SchemaBuilder<query::Query, mutation::Mutation, Subscription> {
    let mut builder = Schema::build(
        query::Query::default(),
        mutation::Mutation::default(),
        Subscription,
    )
    .limit_depth(options.limits.max_depth)
    .limit_complexity(options.limits.max_complexity);
    if let Some(hashes) = &options.allow_list {
        builder = builder.extension(persisted::AllowList {
            hashes: hashes.clone(),
        });
    }
    if observe {
        builder = builder.extension(observe::Observe {
            metrics,
            limits: options.limits,
        });
    }
    if options.production {
        builder = builder.disable_suggestions();
    }
    builder
}

/// The executable schema twice over the same data: for WebSockets with the observing extension,
/// and for HTTP without it, since the HTTP handler observes each request itself (any extension
/// sends every field through async-graphql's extension chain).
pub struct Schemas {
    /// For `/graphql/ws`.
    pub sockets: StandoffSchema,
    /// For `/graphql`.
    pub http: StandoffSchema,
}

/// Builds the schemas over a database, the feed that writes announce themselves on, and the
/// metrics they record into, as `options` say.
pub fn build(
    db: DatabaseConnection,
    feed: ChangeFeed,
    metrics: Metrics,
    filter_cache: FilterCache,
    tail: LogTail,
    options: &SchemaOptions,
) -> Schemas {
    let finish = |observe: bool| {
        builder(Some(metrics.clone()), options, observe)
            .data(db.clone())
            .data(filter_cache.clone())
            .data(tail.clone())
            .data(feed.clone())
            .data(metrics.clone())
            .finish()
    };
    Schemas {
        sockets: finish(true),
        http: finish(false),
    }
}

/// The schema's SDL, as committed in `schema.graphql` and served at `/schema.graphql`.
pub fn sdl() -> String {
    builder(None, &SchemaOptions::default(), true)
        .finish()
        .sdl()
}

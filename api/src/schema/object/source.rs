//! `Source`: a published document.

use super::database;
use crate::error::CoreResultExt;
use crate::schema::id::{NodeType, encode};
use crate::schema::when::When;
use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{Context, ID, Object, Result};
use standoff_core::sources;
use standoff_entities::source;

/// A page of sources.
pub type SourceConnection = Connection<String, Source, SourceTotal, EmptyFields>;

/// The extra fields of a source list: how many match its search.
pub struct SourceTotal(pub Option<String>, pub standoff_core::filter::Visibility);

#[Object]
impl SourceTotal {
    /// How many sources the list holds, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        sources::count_sources(database(ctx), self.0.as_deref(), self.1)
            .await
            .gql()
    }
}

/// A published document that actions cite.
pub struct Source(pub source::Model);

#[Object]
impl Source {
    /// The opaque global id.
    pub async fn id(&self) -> ID {
        encode(NodeType::Source, self.0.id)
    }

    /// Where it is published, when it has an address.
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }

    /// Who published it.
    async fn publisher(&self) -> Option<&str> {
        self.0.publisher.as_deref()
    }

    /// The document's title.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// When it was published.
    async fn published_at(&self) -> Option<When> {
        self.0.published_at.map(When::from)
    }
}

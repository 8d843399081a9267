//! `Source`: a published document.

use crate::schema::id::{NodeType, encode};
use crate::schema::when::When;
use async_graphql::{ID, Object};
use standoff_entities::source;

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

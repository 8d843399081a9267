//! `Change`: one entry of the append-only change log.

use super::{Action, database, loaders};
use crate::error::CoreResultExt;
use crate::schema::enums::ChangeKind;
use crate::schema::id::{NodeType, encode};
use crate::schema::loader::ActionId;
use crate::schema::viewer::visibility;
use crate::schema::when::When;
use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{Context, ID, Json, Object, Result};
use standoff_core::changes;
use standoff_entities::change;

/// A page of the change log.
pub type ChangeConnection = Connection<String, Change, ChangeTotal, EmptyFields>;

/// One write, in commit order: what changed, when, by whom and why.
pub struct Change(pub change::Model);

#[Object]
impl Change {
    /// Position in the log; strictly increasing in commit order.
    async fn seq(&self) -> i64 {
        self.0.seq
    }

    /// What kind of write it was.
    async fn kind(&self) -> ChangeKind {
        self.0.kind.into()
    }

    /// The global id of the row written (an actor, action, response or source).
    async fn entity_id(&self) -> Option<ID> {
        let kind = match self.0.entity.as_str() {
            "actor" => NodeType::Actor,
            "action" => NodeType::Action,
            "response" => NodeType::Response,
            "source" => NodeType::Source,
            _ => return None,
        };
        Some(encode(kind, self.0.entity_id))
    }

    /// The action the change concerns, when there is one.
    async fn action(&self, ctx: &Context<'_>) -> Result<Option<Action>> {
        let Some(id) = self.0.action_id else {
            return Ok(None);
        };
        Ok(loaders(ctx).load_one(ActionId(id)).await?.map(Action::from))
    }

    /// When it was written.
    async fn at(&self) -> When {
        self.0.at.into()
    }

    /// The name of the token that wrote it (`seed` for the story loader).
    async fn author(&self) -> &str {
        &self.0.author
    }

    /// The editor's note: why a correction was made, or the reason for a retraction.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    /// What a correction changed (each field `from` its old value `to` the new) or what a
    /// response linked to.
    async fn details(&self) -> Option<Json<serde_json::Value>> {
        self.0.data.clone().map(Json)
    }
}

/// The extra fields of a change connection.
pub struct ChangeTotal;

#[Object]
impl ChangeTotal {
    /// How many changes the log holds.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        changes::count_changes(database(ctx), visibility(ctx))
            .await
            .gql()
    }
}

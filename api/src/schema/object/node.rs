//! The `Node` interface: anything with a global id.

use super::{Action, Actor, Response, Source, Story};
use async_graphql::{ID, Interface};

/// Anything with an opaque global id that `node(id:)` resolves.
#[derive(Interface)]
#[expect(
    clippy::large_enum_variant,
    reason = "one short-lived value per node(id:) call"
)]
#[graphql(field(name = "id", ty = "ID", desc = "The opaque global id."))]
pub enum Node {
    /// An actor.
    Actor(Actor),
    /// An action.
    Action(Action),
    /// A response link.
    Response(Response),
    /// A source.
    Source(Source),
    /// A story.
    Story(Story),
}

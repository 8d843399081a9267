//! GraphQL object types. Each wraps an entity model and resolves its relations through the
//! request's DataLoader, never with SQL of its own.

mod action;
mod actor;
mod change;
pub(crate) mod columns;
mod escalation;
mod node;
mod revision;
mod source;
mod story;
mod token;

pub use action::{Action, ActionConnection, Citation, Response, TimelineTotal, action_connection};
pub use actor::{Actor, ActorConnection, ActorTotal};
pub use change::{Change, ChangeConnection, ChangeTotal};
pub use escalation::EscalationPoint;
pub use node::Node;
pub use revision::{FieldChange, Retraction, Revision};
pub use source::{Source, SourceConnection, SourceTotal};
pub use story::{Story, StoryConnection, StoryPeriod, StoryTotal};
pub use token::{Me, Token};

use super::loader::Loaders;
use async_graphql::Context;
use standoff_core::db::FairShare;

/// The request's loader.
pub(crate) fn loaders<'a>(ctx: &Context<'a>) -> &'a Loaders {
    ctx.data_unchecked::<Loaders>()
}

/// The request's share of the database (see [`FairShare`]).
pub(crate) fn database<'a>(ctx: &Context<'a>) -> &'a FairShare {
    ctx.data_unchecked::<FairShare>()
}

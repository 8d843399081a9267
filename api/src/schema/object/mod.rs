//! GraphQL object types. Each wraps an entity model and resolves its relations through the
//! request's DataLoader, never with SQL of its own.

mod action;
mod actor;
mod change;
mod escalation;
mod node;
mod source;

pub use action::{Action, ActionConnection, Citation, Response, TimelineTotal, action_connection};
pub use actor::{Actor, ActorConnection, ActorTotal};
pub use change::{Change, ChangeConnection, ChangeTotal};
pub use escalation::EscalationPoint;
pub use node::Node;
pub use source::Source;

use super::loader::Loaders;
use async_graphql::Context;
use sea_orm::DatabaseConnection;

/// The request's loader.
pub(crate) fn loaders<'a>(ctx: &Context<'a>) -> &'a Loaders {
    ctx.data_unchecked::<Loaders>()
}

/// The database the schema was built with.
pub(crate) fn database<'a>(ctx: &Context<'a>) -> &'a DatabaseConnection {
    ctx.data_unchecked::<DatabaseConnection>()
}

//! The `Query` root, merged from one object per domain.

mod changes;
mod desk;
mod escalation;
mod node;
mod people;
mod stories;
mod thread;
mod timeline;
mod tokens;

use async_graphql::MergedObject;

/// Everything Standoff answers without a token.
#[derive(MergedObject, Default)]
pub struct Query(
    node::NodeQuery,
    timeline::TimelineQuery,
    people::ActorQuery,
    stories::StoryQuery,
    thread::ThreadQuery,
    escalation::EscalationQuery,
    changes::ChangeQuery,
    tokens::TokenQuery,
    desk::DeskQuery,
);

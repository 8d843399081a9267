//! `node(id:)`: any object by its global id.

use crate::schema::id::{NodeType, decode_any};
use crate::schema::loader::{ActionId, ActorId, ResponseId, SourceId, StoryId};
use crate::schema::object::{Action, Actor, Node, Response, Source, Story, loaders};
use async_graphql::{Context, ID, Object, Result};

/// Resolves global ids.
#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any actor, action, response, source or story by its global id; null when it does not
    /// exist.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        let (kind, n) = decode_any(&id)?;
        let loader = loaders(ctx);
        Ok(match kind {
            NodeType::Actor => loader
                .load_one(ActorId(n))
                .await?
                .map(|m| Node::Actor(Actor(m))),
            NodeType::Action => loader
                .load_one(ActionId(n))
                .await?
                .map(|m| Node::Action(Action::from(m))),
            NodeType::Response => match loader.load_one(ResponseId(n)).await? {
                // A link is seen only when both of its actions are.
                Some(link) => {
                    let ends = loader
                        .load_many([ActionId(link.action_id), ActionId(link.responds_to_id)])
                        .await?;
                    (ends.len() == 2).then(|| Node::Response(Response::new(link)))
                }
                None => None,
            },
            NodeType::Source => loader
                .load_one(SourceId(n))
                .await?
                .map(|m| Node::Source(Source(m))),
            NodeType::Story => loader
                .load_one(StoryId(n))
                .await?
                .map(|m| Node::Story(Story(m))),
        })
    }
}

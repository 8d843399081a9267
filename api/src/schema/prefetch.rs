//! Prefetching a list's relations. DataLoader batches by a timer, and async-graphql polls list
//! items 32 at a time, so a slow pass can split one relation into several batches. Lists of
//! actions therefore load each relation the query selects up front, in one statement, and feed
//! it into the request's loader cache; the field resolvers then find it there.

use super::loader::{ActorId, AnswersFrom, AnswersTo, CitationsOf, TargetsOf};
use super::object::{database, loaders};
use super::viewer::visibility;
use crate::error::CoreResultExt;
use async_graphql::{Context, Lookahead};
use standoff_core::lookup;
use standoff_entities::{action, actor};
use std::collections::HashMap;
use std::hash::Hash;

/// Gives every id an entry, empty when the lookup found nothing, so the cache answers for it.
fn complete<K, V: Default>(
    ids: &[i64],
    mut found: HashMap<i64, V>,
    key: impl Fn(i64) -> K,
) -> Vec<(K, V)>
where
    K: Eq + Hash,
{
    ids.iter()
        .map(|id| (key(*id), found.remove(id).unwrap_or_default()))
        .collect()
}

/// Loads the relations that `selections` (each selecting fields of `Action`) ask for;
/// `actors`, when the caller fetched them with the actions, saves a statement.
pub async fn prefetch_actions(
    ctx: &Context<'_>,
    selections: &[Lookahead<'_>],
    actions: &[action::Model],
    actors: Option<HashMap<i64, actor::Model>>,
) -> async_graphql::Result<()> {
    if actions.is_empty() {
        return Ok(());
    }
    let wants = |path: &[&str]| {
        selections.iter().any(|s| {
            let mut look = s.field(path[0]);
            for name in &path[1..] {
                look = look.field(name);
            }
            look.exists()
        })
    };
    let db = database(ctx);
    let loader = loaders(ctx);
    let ids: Vec<i64> = actions.iter().map(|a| a.id).collect();

    if wants(&["actor"]) {
        let mut actor_ids: Vec<i64> = actions.iter().map(|a| a.actor_id).collect();
        actor_ids.sort_unstable();
        actor_ids.dedup();
        let actors = match actors {
            Some(actors) => actors,
            None => lookup::actors(db, &actor_ids).await.gql()?,
        };
        if wants(&["actor", "memberOf"]) {
            let mut parents: Vec<i64> = actors
                .values()
                .filter_map(|a| a.member_of_id)
                .filter(|p| !actors.contains_key(p))
                .collect();
            parents.sort_unstable();
            parents.dedup();
            if !parents.is_empty() {
                let found = lookup::actors(db, &parents).await.gql()?;
                loader
                    .feed_many(found.into_iter().map(|(id, a)| (ActorId(id), a)))
                    .await;
            }
        }
        loader
            .feed_many(actors.into_iter().map(|(id, a)| (ActorId(id), a)))
            .await;
    }
    if wants(&["targets"]) {
        let found = lookup::targets(db, &ids).await.gql()?;
        loader.feed_many(complete(&ids, found, TargetsOf)).await;
    }
    if wants(&["citations"]) {
        let found = lookup::citations(db, &ids).await.gql()?;
        loader.feed_many(complete(&ids, found, CitationsOf)).await;
    }
    if wants(&["responses"]) {
        let found = lookup::responses_to(db, &ids, visibility(ctx))
            .await
            .gql()?;
        loader.feed_many(complete(&ids, found, AnswersTo)).await;
    }
    if wants(&["respondsTo"]) {
        let found = lookup::responses_from(db, &ids, visibility(ctx))
            .await
            .gql()?;
        loader.feed_many(complete(&ids, found, AnswersFrom)).await;
    }
    Ok(())
}

/// The selections of `Action` inside a connection: `nodes` and `edges.node`.
pub fn connection_nodes<'a>(look: &Lookahead<'a>) -> [Lookahead<'a>; 2] {
    [look.field("nodes"), look.field("edges").field("node")]
}

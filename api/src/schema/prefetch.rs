//! Prefetching a list's relations. DataLoader batches by a timer, and async-graphql polls list
//! items 32 at a time, so a slow pass can split one relation into several batches. Lists of
//! actions therefore load each relation the query selects up front, in one statement, and feed
//! it into the request's loader cache; the field resolvers then find it there.

use super::loader::{ActorId, AnswersFrom, AnswersTo, CitationsOf, LinksFrom, LinksTo, TargetsOf};
use super::object::{database, loaders};
use super::viewer::visibility;
use crate::error::CoreResultExt;
use async_graphql::{Context, Lookahead};
use standoff_core::{CoreResult, lookup};
use standoff_entities::{action, actor};
use std::collections::HashMap;
use std::future::Future;
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

/// Runs `lookup` only when `wanted`.
async fn when<T>(
    wanted: bool,
    lookup: impl Future<Output = CoreResult<T>>,
) -> async_graphql::Result<Option<T>> {
    if wanted {
        Ok(Some(lookup.await.gql()?))
    } else {
        Ok(None)
    }
}

/// Loads the relations that `selections` (each selecting fields of `Action`) ask for;
/// `actors`, when the caller fetched them with the actions, saves a statement. The lookups
/// are independent, so they run side by side (as many at once as the request's share of the
/// pool allows): a page waits for the slowest, not for their sum.
pub async fn prefetch_actions(
    ctx: &Context<'_>,
    selections: &[Lookahead<'_>],
    actions: &[&action::Model],
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
    let seen = visibility(ctx);
    let loader = loaders(ctx);
    let ids: Vec<i64> = actions.iter().map(|a| a.id).collect();
    // The actions at the far end of response links are read only when the query shows them.
    let answers = wants(&["responses", "action"]);
    let answered = wants(&["respondsTo", "respondsTo"]);

    let (actors, targets, citations, to, links_to, from, links_from) = futures_util::try_join!(
        async {
            if !wants(&["actor"]) {
                return Ok(None);
            }
            let actors = match actors {
                Some(actors) => actors,
                None => {
                    let mut actor_ids: Vec<i64> = actions.iter().map(|a| a.actor_id).collect();
                    actor_ids.sort_unstable();
                    actor_ids.dedup();
                    lookup::actors(db, &actor_ids).await.gql()?
                }
            };
            let mut parents: Vec<i64> = actors
                .values()
                .filter_map(|a| a.member_of_id)
                .filter(|p| !actors.contains_key(p))
                .collect();
            parents.sort_unstable();
            parents.dedup();
            let parents = when(
                wants(&["actor", "memberOf"]) && !parents.is_empty(),
                lookup::actors(db, &parents),
            )
            .await?;
            Ok::<_, async_graphql::Error>(Some((actors, parents.unwrap_or_default())))
        },
        when(wants(&["targets"]), lookup::targets(db, &ids)),
        when(wants(&["citations"]), lookup::citations(db, &ids)),
        when(answers, lookup::responses_to(db, &ids, seen)),
        when(
            !answers && wants(&["responses"]),
            lookup::response_links_to(db, &ids, seen)
        ),
        when(answered, lookup::responses_from(db, &ids, seen)),
        when(
            !answered && wants(&["respondsTo"]),
            lookup::response_links_from(db, &ids, seen)
        ),
    )?;

    if let Some((actors, parents)) = actors {
        loader
            .feed_many(
                actors
                    .into_iter()
                    .chain(parents)
                    .map(|(id, a)| (ActorId(id), a)),
            )
            .await;
    }
    if let Some(found) = targets {
        loader.feed_many(complete(&ids, found, TargetsOf)).await;
    }
    if let Some(found) = citations {
        loader.feed_many(complete(&ids, found, CitationsOf)).await;
    }
    if let Some(found) = to {
        loader.feed_many(complete(&ids, found, AnswersTo)).await;
    }
    if let Some(found) = links_to {
        loader.feed_many(complete(&ids, found, LinksTo)).await;
    }
    if let Some(found) = from {
        loader.feed_many(complete(&ids, found, AnswersFrom)).await;
    }
    if let Some(found) = links_from {
        loader.feed_many(complete(&ids, found, LinksFrom)).await;
    }
    Ok(())
}

/// The selections of `Action` inside a connection: `nodes` and `edges.node`.
pub fn connection_nodes<'a>(look: &Lookahead<'a>) -> [Lookahead<'a>; 2] {
    [look.field("nodes"), look.field("edges").field("node")]
}

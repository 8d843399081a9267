//! Prefetching a list's relations. DataLoader batches by a timer, and async-graphql polls list
//! items 32 at a time, so a slow pass can split one relation into several batches. Lists of
//! actions therefore load each relation the query selects up front, in one statement.
//!
//! The actor, targets and citations are read with only the columns the list's selections show,
//! so they travel with the actions they were read for ([`Near`]) instead of going into the
//! request's loader cache, where another part of the query could find a row missing a field
//! it shows. The response links are read whole and fed into that cache. An action reached
//! another way (through a response link, `node`, an actor's `actions`) loads its actor, targets
//! and citations whole through the loaders: a batch each, like any other relation.

use super::loader::{ActorId, AnswersFrom, AnswersTo, LinksFrom, LinksTo};
use super::object::columns::{actor_columns, at, source_columns};
use super::object::{Action, database, loaders};
use super::viewer::visibility;
use crate::error::CoreResultExt;
use async_graphql::{Context, Lookahead};
use standoff_core::{CoreResult, lookup};
use standoff_entities::{action, actor, citation, source};
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;

/// What a list read with one action, with only the columns the list's selections show; `None`
/// where the list did not read it (the field then loads it on demand).
#[derive(Default)]
pub struct Near {
    /// Who acted.
    pub actor: Option<Arc<actor::Model>>,
    /// The actors it is aimed at.
    pub targets: Option<Vec<actor::Model>>,
    /// Its citations with their sources.
    pub citations: Option<Vec<(citation::Model, source::Model)>>,
}

/// What a list's prefetch read for all of its actions, handed out to each as it is wrapped.
#[derive(Default)]
pub struct Prefetched {
    actors: Option<HashMap<i64, Arc<actor::Model>>>,
    targets: Option<HashMap<i64, Vec<actor::Model>>>,
    citations: Option<HashMap<i64, Vec<(citation::Model, source::Model)>>>,
}

impl Prefetched {
    /// The action with what was read for it. An action listed twice gets its relations once;
    /// the second loads them on demand.
    pub fn attach(&mut self, model: action::Model) -> Action {
        let near = Near {
            actor: self
                .actors
                .as_ref()
                .and_then(|actors| actors.get(&model.actor_id).cloned()),
            targets: self.targets.as_mut().and_then(|t| t.remove(&model.id)),
            citations: self.citations.as_mut().and_then(|c| c.remove(&model.id)),
        };
        Action::with(model, near)
    }
}

/// Gives every id an entry, empty when the lookup found nothing.
fn complete<V: Default>(ids: &[i64], mut found: HashMap<i64, V>) -> HashMap<i64, V> {
    for id in ids {
        found.entry(*id).or_default();
    }
    found
}

/// As [`complete`], keyed for the loader cache, so the cache answers for every id.
fn complete_as<K, V: Default>(
    ids: &[i64],
    found: HashMap<i64, V>,
    key: impl Fn(i64) -> K,
) -> Vec<(K, V)>
where
    K: Eq + Hash,
{
    complete(ids, found)
        .into_iter()
        .map(|(id, v)| (key(id), v))
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
/// `actors`, when the caller fetched them with the actions (with the columns
/// [`actor_columns`] gives for `actor`), saves a statement. The lookups are independent, so
/// they run side by side (as many at once as the request's share of the pool allows): a page
/// waits for the slowest, not for their sum.
pub async fn prefetch_actions(
    ctx: &Context<'_>,
    selections: &[Lookahead<'_>],
    actions: &[&action::Model],
    actors: Option<HashMap<i64, actor::Model>>,
) -> async_graphql::Result<Prefetched> {
    if actions.is_empty() {
        return Ok(Prefetched::default());
    }
    let wants = |path: &[&str]| selections.iter().any(|s| at(s, path).exists());
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
                    let columns = actor_columns(selections, &["actor"]);
                    lookup::actors_with(db, &actor_ids, columns).await.gql()?
                }
            };
            // The parents are read whole into the loader cache, where `memberOf` finds them.
            let mut parents: Vec<i64> = actors.values().filter_map(|a| a.member_of_id).collect();
            parents.sort_unstable();
            parents.dedup();
            let parents = when(
                wants(&["actor", "memberOf"]) && !parents.is_empty(),
                lookup::actors(db, &parents),
            )
            .await?;
            Ok::<_, async_graphql::Error>(Some((actors, parents.unwrap_or_default())))
        },
        when(
            wants(&["targets"]),
            lookup::targets_with(db, &ids, actor_columns(selections, &["targets"]))
        ),
        when(
            wants(&["citations"]),
            lookup::citations_with(
                db,
                &ids,
                source_columns(selections, &["citations", "source"])
            )
        ),
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

    let mut prefetched = Prefetched::default();
    if let Some((actors, parents)) = actors {
        loader
            .feed_many(parents.into_iter().map(|(id, a)| (ActorId(id), a)))
            .await;
        prefetched.actors = Some(
            actors
                .into_iter()
                .map(|(id, a)| (id, Arc::new(a)))
                .collect(),
        );
    }
    prefetched.targets = targets.map(|found| complete(&ids, found));
    prefetched.citations = citations.map(|found| complete(&ids, found));
    if let Some(found) = to {
        loader.feed_many(complete_as(&ids, found, AnswersTo)).await;
    }
    if let Some(found) = links_to {
        loader.feed_many(complete_as(&ids, found, LinksTo)).await;
    }
    if let Some(found) = from {
        loader
            .feed_many(complete_as(&ids, found, AnswersFrom))
            .await;
    }
    if let Some(found) = links_from {
        loader.feed_many(complete_as(&ids, found, LinksFrom)).await;
    }
    Ok(prefetched)
}

/// The selections of `Action` inside a connection: `nodes` and `edges.node`.
pub fn connection_nodes<'a>(look: &Lookahead<'a>) -> [Lookahead<'a>; 2] {
    [look.field("nodes"), look.field("edges").field("node")]
}

//! DataLoaders: every relation a list can reach is fetched in one batch per request, so the
//! statements a page costs do not grow with its size.

use crate::error::CoreResultExt;
use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use standoff_core::cursor::TimelineCursor;
use standoff_core::db::FairShare;
use standoff_core::filter::{ResolvedFilter, Visibility};
use standoff_core::lookup;
use standoff_core::page::{Page, PageRequest};
use standoff_core::{changes, stories, timeline};
use standoff_entities::{action, actor, change, citation, response, source, story};
use std::collections::HashMap;
use std::sync::Arc;

/// The per-request loader; one per request so no cache outlives the request that filled it.
pub type Loaders = DataLoader<Store, HashMapCache>;

/// Makes the loader for one request, reading through its share of the database what
/// `visibility` sees.
pub fn loaders(db: FairShare, visibility: Visibility) -> Loaders {
    DataLoader::with_cache(
        Store { db, visibility },
        tokio::spawn,
        HashMapCache::default(),
    )
}

/// What the loaders read from, and as whom.
pub struct Store {
    db: FairShare,
    visibility: Visibility,
}

/// Key: an actor by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ActorId(pub i64);
/// Key: an action by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ActionId(pub i64);
/// Key: a source by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SourceId(pub i64);
/// Key: a response by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ResponseId(pub i64);
/// Key: the targets of an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TargetsOf(pub i64);
/// Key: the citations of an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CitationsOf(pub i64);
/// Key: the responses that answer an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AnswersTo(pub i64);
/// Key: the responses an action makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AnswersFrom(pub i64);
/// Key: the responses that answer an action, without the answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LinksTo(pub i64);
/// Key: the responses an action makes, without what they answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LinksFrom(pub i64);
/// Key: the members of an actor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MembersOf(pub i64);
/// Key: a story by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StoryId(pub i64);
/// Key: the corrections of an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HistoryOf(pub i64);
/// Key: the latest retraction of an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RetractionOf(pub i64);
/// Key: the stories an action belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StoriesOf(pub i64);
/// Key: a story's span (first and last action, how many).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SpanOf(pub i64);

/// What an actor's `actions` field asks: the same filter and page for every actor of a list.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ActorActionsQuery {
    /// The filter, without the actor.
    pub filter: ResolvedFilter,
    /// The page.
    pub request: PageRequest<TimelineCursor>,
}

/// Key: one page of an actor's own actions.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ActorActions {
    /// The actor.
    pub actor_id: i64,
    /// The page asked for.
    pub query: Arc<ActorActionsQuery>,
}

type LoadResult<K, V> = async_graphql::Result<HashMap<K, V>>;

/// Pages of many actors' actions: one windowed statement per distinct query, so a list of
/// actors with their latest actions costs one statement, not one per actor.
impl Loader<ActorActions> for Store {
    type Value = Page<action::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[ActorActions]) -> LoadResult<ActorActions, Page<action::Model>> {
        let mut groups: HashMap<&ActorActionsQuery, Vec<i64>> = HashMap::new();
        for key in keys {
            groups.entry(&key.query).or_default().push(key.actor_id);
        }
        let mut pages = HashMap::new();
        for (query, ids) in groups {
            let found = timeline::pages_of_actors(&self.db, &query.filter, &ids, &query.request)
                .await
                .gql()?;
            pages.insert(query, found);
        }
        Ok(keys
            .iter()
            .filter_map(|key| {
                let page = pages.get_mut(&*key.query)?.remove(&key.actor_id)?;
                Some((key.clone(), page))
            })
            .collect())
    }
}

/// Re-keys a lookup's map by the loader key type.
fn keyed<K: Eq + std::hash::Hash, V>(
    map: HashMap<i64, V>,
    key: impl Fn(i64) -> K,
) -> HashMap<K, V> {
    map.into_iter().map(|(id, v)| (key(id), v)).collect()
}

/// Implements `Loader` for a key type by calling one batch lookup with the keys' ids (and,
/// for relations that may reach unpublished actions, the request's visibility).
macro_rules! batch_loader {
    ($key:ident => $value:ty, $lookup:path) => {
        impl Loader<$key> for Store {
            type Value = $value;
            type Error = async_graphql::Error;

            async fn load(&self, keys: &[$key]) -> LoadResult<$key, $value> {
                let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
                Ok(keyed($lookup(&self.db, &ids).await.gql()?, $key))
            }
        }
    };
    ($key:ident => $value:ty, $lookup:path, seen) => {
        impl Loader<$key> for Store {
            type Value = $value;
            type Error = async_graphql::Error;

            async fn load(&self, keys: &[$key]) -> LoadResult<$key, $value> {
                let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
                Ok(keyed(
                    $lookup(&self.db, &ids, self.visibility).await.gql()?,
                    $key,
                ))
            }
        }
    };
}

batch_loader!(ActorId => actor::Model, lookup::actors);
batch_loader!(ActionId => action::Model, lookup::actions, seen);
batch_loader!(SourceId => source::Model, lookup::sources, seen);
batch_loader!(ResponseId => response::Model, lookup::responses);
batch_loader!(TargetsOf => Vec<actor::Model>, lookup::targets);
batch_loader!(CitationsOf => Vec<(citation::Model, source::Model)>, lookup::citations);
batch_loader!(AnswersTo => Vec<lookup::Link>, lookup::responses_to, seen);
batch_loader!(AnswersFrom => Vec<lookup::Link>, lookup::responses_from, seen);
batch_loader!(LinksTo => Vec<response::Model>, lookup::response_links_to, seen);
batch_loader!(LinksFrom => Vec<response::Model>, lookup::response_links_from, seen);
batch_loader!(MembersOf => Vec<actor::Model>, lookup::members);
batch_loader!(StoryId => story::Model, lookup::stories);
batch_loader!(StoriesOf => Vec<story::Model>, lookup::stories_of);
batch_loader!(SpanOf => stories::StorySpan, stories::spans, seen);
batch_loader!(HistoryOf => Vec<change::Model>, changes::corrections, seen);
batch_loader!(RetractionOf => change::Model, changes::retractions);

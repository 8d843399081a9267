//! What resolving filters has learnt, shared by an instance's requests.

use crate::CoreResult;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use standoff_migration::{POSTGRES_DOCUMENT, SQLITE_TABLE};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// What resolving filters has learnt, shared by an instance's requests.
///
/// Actor ids by slug: slugs never change and actors are never deleted, so a slug once found
/// stays right on every instance; unknown slugs are always asked of the database, so actors
/// recorded elsewhere are found too. And which searches match many actions: for those a page
/// is found fastest by walking the timeline and checking each action, for rare ones by
/// fetching the matches and sorting them, and neither planner can tell the two apart alone. Word frequencies drift
/// slowly, so each judgement is kept for ten minutes; the cache holds a bounded number.
#[derive(Debug, Clone, Default)]
pub struct FilterCache {
    slugs: Arc<RwLock<HashMap<(Named, String), i64>>>,
    searches: Arc<RwLock<HashMap<String, (bool, Instant)>>>,
}

/// Matches above which a search counts as common.
const COMMON_SEARCH: u64 = 2000;
/// How long a search's judgement is trusted.
const SEARCH_JUDGEMENT_TTL: Duration = Duration::from_secs(600);
/// Most searches whose judgement is kept.
const MAX_JUDGED_SEARCHES: usize = 10_000;

/// What a filter names by slug. Slugs of either kind never change and rows are never deleted,
/// so an id once found stays right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Named {
    Actor,
    Story,
}

impl FilterCache {
    pub(super) fn get(&self, kind: Named, slug: &str) -> Option<i64> {
        self.slugs
            .read()
            .ok()
            .and_then(|map| map.get(&(kind, slug.to_owned())).copied())
    }

    pub(super) fn remember(&self, kind: Named, found: &HashMap<String, i64>) {
        if let Ok(mut map) = self.slugs.write() {
            for (slug, id) in found {
                map.insert((kind, slug.clone()), *id);
            }
        }
    }

    /// Whether an SQLite full-text query matches more than a few thousand actions, asking the
    /// index (one quick statement) only when the last answer is missing or stale.
    pub(super) async fn is_common<C: ConnectionTrait>(
        &self,
        db: &C,
        query: &str,
    ) -> CoreResult<bool> {
        if let Some((common, at)) = self
            .searches
            .read()
            .ok()
            .and_then(|m| m.get(query).copied())
            && at.elapsed() < SEARCH_JUDGEMENT_TTL
        {
            return Ok(common);
        }
        let backend = db.get_database_backend();
        let sql = match backend {
            // All matches, counted from the GIN index alone (a bitmap scan; a few thousand
            // entries for a common word, a handful for a rare one).
            DbBackend::Postgres => format!(
                "SELECT COUNT(*) AS n FROM \"action\" \
                 WHERE {POSTGRES_DOCUMENT} @@ to_tsquery('simple'::regconfig, $1)"
            ),
            _ => format!(
                "SELECT COUNT(*) AS n FROM (SELECT rowid FROM {SQLITE_TABLE} \
                 WHERE {SQLITE_TABLE} MATCH ? LIMIT {})",
                COMMON_SEARCH + 1
            ),
        };
        let row = db
            .query_one_raw(Statement::from_sql_and_values(backend, sql, [query.into()]))
            .await?;
        let matches: i64 = match row {
            Some(row) => row.try_get("", "n")?,
            None => 0,
        };
        let common = u64::try_from(matches).unwrap_or(0) > COMMON_SEARCH;
        if let Ok(mut map) = self.searches.write() {
            if map.len() >= MAX_JUDGED_SEARCHES {
                map.clear();
            }
            map.insert(query.to_owned(), (common, Instant::now()));
        }
        Ok(common)
    }
}

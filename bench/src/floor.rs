//! The floor: the rows of a dashboard page fetched by hand-written SQL through the same driver
//! and pool settings, serialised to the same JSON as the GraphQL answer, over HTTP. What the
//! service adds on top of this (GraphQL parsing, validation, loaders) is its overhead.

use axum::extract::{Query, State};
use axum::routing::get;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, Value};
use serde_json::{Value as Json, json};
use standoff_api::schema::id::{NodeType, encode};
use standoff_core::cursor::TimelineCursor;
use standoff_core::filter;
use standoff_entities::{DatePrecision, Side, Stance};
use std::collections::HashMap;
use std::net::SocketAddr;

/// The page the floor serves: the same parameters the benchmark's GraphQL query takes.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct FloorParams {
    /// Page size.
    pub first: u64,
    /// The cursor to start after.
    pub after: Option<String>,
    /// An acting actor's slug.
    pub actor: Option<String>,
    /// The acting actor's side, as GraphQL spells it.
    pub side: Option<String>,
    /// A story's slug.
    pub story: Option<String>,
    /// Words to search for.
    pub text: Option<String>,
    /// Whether the search matches many actions, so the SQL should walk the timeline rather
    /// than sort every match (what a hand-writer who knew the data would write).
    #[serde(default)]
    pub common_text: bool,
}

/// Starts the floor server and returns its address.
pub async fn start(db: DatabaseConnection) -> anyhow::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let app = axum::Router::new()
        .route("/floor", get(page))
        .route("/floor/record", axum::routing::post(record_handler))
        .with_state(db);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(addr)
}

async fn page(
    State(db): State<DatabaseConnection>,
    Query(params): Query<FloorParams>,
) -> Result<String, (axum::http::StatusCode, String)> {
    fetch(&db, &params)
        .await
        .map(|body| body.to_string())
        .map_err(|e| (axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
}

/// Numbers `?` placeholders `$1, $2, …` for PostgreSQL.
fn placeholders(backend: DbBackend, sql: &str) -> String {
    if backend != DbBackend::Postgres {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(c);
        }
    }
    out
}

fn in_list(n: usize) -> String {
    vec!["?"; n].join(", ")
}

async fn rows(
    db: &DatabaseConnection,
    sql: &str,
    values: Vec<Value>,
) -> Result<Vec<sea_orm::QueryResult>, sea_orm::DbErr> {
    let backend = db.get_database_backend();
    db.query_all_raw(Statement::from_sql_and_values(
        backend,
        placeholders(backend, sql),
        values,
    ))
    .await
}

/// The dashboard page as JSON, in four statements.
pub async fn fetch(db: &DatabaseConnection, p: &FloorParams) -> anyhow::Result<Json> {
    let postgres = db.get_database_backend() == DbBackend::Postgres;
    let mut sql = String::from(
        "SELECT action.id, action.title, action.occurred_at, action.precision, action.order_key, \
         actor.slug, actor.name, actor.side \
         FROM action JOIN actor ON actor.id = action.actor_id WHERE action.retracted = false",
    );
    let mut values: Vec<Value> = Vec::new();
    if let Some(slug) = &p.actor {
        sql.push_str(" AND actor.slug = ?");
        values.push(slug.clone().into());
    }
    if let Some(side) = &p.side {
        sql.push_str(" AND actor.side = ?");
        values.push(side.clone().into());
    }
    if let Some(story) = &p.story {
        sql.push_str(
            " AND EXISTS (SELECT 1 FROM story_action JOIN story ON story.id = story_action.story_id              WHERE story_action.action_id = action.id AND story.slug = ?)",
        );
        values.push(story.clone().into());
    }
    // The search text becomes the same index query the service sends; the SQL around it is
    // the floor's own.
    if let Some(text) = &p.text {
        if postgres {
            if let Some(query) = filter::postgres_query(text) {
                sql.push_str(&format!(
                    " AND {} @@ to_tsquery('simple'::regconfig, ?)",
                    standoff_migration::POSTGRES_DOCUMENT
                ));
                values.push(query.into());
            }
        } else if let Some(query) = filter::sqlite_match(text) {
            sql.push_str(if p.common_text {
                " AND +action.id IN (SELECT rowid FROM action_search WHERE action_search MATCH ?)"
            } else {
                " AND action.id IN (SELECT rowid FROM action_search WHERE action_search MATCH ?)"
            });
            values.push(query.into());
        }
    }
    if let Some(after) = &p.after {
        let c = TimelineCursor::decode(after).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        sql.push_str(
            " AND action.order_key >= ? \
             AND (action.order_key > ? OR (action.order_key = ? AND action.id > ?))",
        );
        values.extend([
            c.order_key.into(),
            c.order_key.into(),
            c.order_key.into(),
            c.id.into(),
        ]);
    }
    sql.push_str(" ORDER BY action.order_key, action.id LIMIT ?");
    values.push(i64::try_from(p.first + 1)?.into());
    let page = rows(db, &sql, values).await?;
    let has_next = page.len() as u64 > p.first;
    let mut actions = Vec::new();
    for row in page.iter().take(usize::try_from(p.first)?) {
        let id: i64 = row.try_get("", "id")?;
        let at: chrono::DateTime<chrono::Utc> = row.try_get("", "occurred_at")?;
        let precision: DatePrecision = row.try_get("", "precision")?;
        let side: Side = row.try_get("", "side")?;
        actions.push((
            id,
            (at, row.try_get::<i64>("", "order_key")?),
            row.try_get::<String>("", "title")?,
            precision,
            row.try_get::<String>("", "slug")?,
            row.try_get::<String>("", "name")?,
            side,
        ));
    }
    let ids: Vec<Value> = actions.iter().map(|a| a.0.into()).collect();
    let mut targets: HashMap<i64, Vec<Json>> = HashMap::new();
    let mut citations: HashMap<i64, Vec<Json>> = HashMap::new();
    let mut responses: HashMap<i64, Vec<Json>> = HashMap::new();
    if !ids.is_empty() {
        let list = in_list(ids.len());
        for row in rows(
            db,
            &format!(
                "SELECT t.action_id, actor.slug, actor.name FROM action_target t \
                 JOIN actor ON actor.id = t.actor_id WHERE t.action_id IN ({list}) ORDER BY actor.name"
            ),
            ids.clone(),
        )
        .await?
        {
            targets.entry(row.try_get("", "action_id")?).or_default().push(json!({
                "slug": row.try_get::<String>("", "slug")?,
                "name": row.try_get::<String>("", "name")?,
            }));
        }
        for row in rows(
            db,
            &format!(
                "SELECT c.action_id, c.excerpt, s.title, s.url FROM citation c \
                 JOIN source s ON s.id = c.source_id WHERE c.action_id IN ({list}) ORDER BY c.id"
            ),
            ids.clone(),
        )
        .await?
        {
            citations
                .entry(row.try_get("", "action_id")?)
                .or_default()
                .push(json!({
                    "excerpt": row.try_get::<Option<String>>("", "excerpt")?,
                    "source": {
                        "title": row.try_get::<String>("", "title")?,
                        "url": row.try_get::<Option<String>>("", "url")?,
                    },
                }));
        }
        for row in rows(
            db,
            &format!(
                "SELECT r.responds_to_id, r.stance FROM response r \
                 JOIN action ON action.id = r.action_id \
                 WHERE r.responds_to_id IN ({list}) AND action.retracted = false \
                 ORDER BY action.occurred_at, action.id"
            ),
            ids,
        )
        .await?
        {
            let stance: Stance = row.try_get("", "stance")?;
            responses
                .entry(row.try_get("", "responds_to_id")?)
                .or_default()
                .push(json!({ "stance": stance }));
        }
    }
    let end_cursor = actions.last().map(|(id, (_, key), ..)| {
        TimelineCursor {
            order_key: *key,
            id: *id,
        }
        .encode()
    });
    let nodes: Vec<Json> = actions
        .into_iter()
        .map(|(id, (at, _), title, precision, slug, name, side)| {
            json!({
                "id": encode(NodeType::Action, id).0,
                "title": title,
                "displayDate": precision.display(at),
                "actor": { "slug": slug, "name": name, "side": side },
                "targets": targets.remove(&id).unwrap_or_default(),
                "citations": citations.remove(&id).unwrap_or_default(),
                "responses": responses.remove(&id).unwrap_or_default(),
            })
        })
        .collect();
    Ok(json!({ "data": { "timeline": {
        "pageInfo": { "hasNextPage": has_next, "endCursor": end_cursor },
        "nodes": nodes,
    }}}))
}

/// The write the floor performs: an action with one citation, as `recordAction` takes it.
#[derive(Debug, serde::Deserialize)]
pub struct FloorRecord {
    /// The acting actor's slug.
    pub actor: String,
    /// The slug of the story it belongs to.
    pub story: String,
    /// The title.
    pub title: String,
    /// When it happened.
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    /// The cited source's row id.
    pub source_id: i64,
    /// The citation's excerpt.
    pub excerpt: String,
}

/// Records an action by hand-written SQL with what `recordAction` must do for the same
/// outcome: check the token, take the write lock (SQLite) or the log's append lock
/// (PostgreSQL), insert the action, its story membership, its citation and its change-log entry, notify, commit.
pub async fn record(
    db: &DatabaseConnection,
    token: &str,
    input: &FloorRecord,
) -> anyhow::Result<Json> {
    use sea_orm::TransactionTrait;
    use sha2::Digest;
    let backend = db.get_database_backend();
    let digest: String = sha2::Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let editor = rows(
        db,
        "SELECT name FROM api_token WHERE hash = ? AND revoked_at IS NULL",
        vec![digest.into()],
    )
    .await?;
    let author: String = editor
        .first()
        .ok_or_else(|| anyhow::anyhow!("unauthenticated"))?
        .try_get("", "name")?;
    let txn = db.begin().await?;
    let run = |sql: &str, values: Vec<Value>| {
        Statement::from_sql_and_values(backend, placeholders(backend, sql), values)
    };
    if backend == DbBackend::Postgres {
        txn.execute_raw(run(
            "SELECT pg_advisory_xact_lock(?)",
            vec![standoff_core::change_log::APPEND_LOCK.into()],
        ))
        .await?;
    } else {
        txn.execute_raw(run("UPDATE change SET seq = seq WHERE 1 = 0", vec![]))
            .await?;
    }
    let now = chrono::Utc::now();
    let day = standoff_core::date::KnownDate::unit(input.occurred_at, DatePrecision::Day);
    let action = txn
        .query_one_raw(run(
            "INSERT INTO action (actor_id, kind, category, status, occurred_at, precision, \
             occurred_until, date_edtf, order_key, title, \
             intensity, revision, retracted, created_at, updated_at) \
             SELECT id, 'STATEMENT', 'ACCUSE', 'CARRIED_OUT', ?, 'DAY', ?, ?, ?, ?, -2.0, 1, false, ?, ? \
             FROM actor WHERE slug = ? RETURNING id",
            vec![
                day.at.into(),
                day.until.into(),
                day.edtf.clone().into(),
                standoff_core::order::own_key(day.at).into(),
                input.title.clone().into(),
                now.into(),
                now.into(),
                input.actor.clone().into(),
            ],
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no such actor"))?;
    let id: i64 = action.try_get("", "id")?;
    txn.execute_raw(run(
        "INSERT INTO story_action (story_id, action_id) SELECT id, ? FROM story WHERE slug = ?",
        vec![id.into(), input.story.clone().into()],
    ))
    .await?;
    txn.execute_raw(run(
        "INSERT INTO citation (action_id, source_id, excerpt) VALUES (?, ?, ?)",
        vec![
            id.into(),
            input.source_id.into(),
            input.excerpt.clone().into(),
        ],
    ))
    .await?;
    let change = txn
        .query_one_raw(run(
            "INSERT INTO change (kind, entity, entity_id, action_id, at, author) \
             VALUES ('RECORDED', 'action', ?, ?, ?, ?) RETURNING seq",
            vec![id.into(), id.into(), now.into(), author.into()],
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no change row"))?;
    let seq: i64 = change.try_get("", "seq")?;
    if backend == DbBackend::Postgres {
        txn.execute_raw(run(
            "SELECT pg_notify(?, ?)",
            vec![
                standoff_core::feed::NOTIFY_CHANNEL.into(),
                seq.to_string().into(),
            ],
        ))
        .await?;
    }
    txn.commit().await?;
    Ok(json!({ "data": { "recordAction": { "id": encode(NodeType::Action, id).0 } } }))
}

async fn record_handler(
    State(db): State<DatabaseConnection>,
    headers: axum::http::HeaderMap,
    axum::Json(input): axum::Json<FloorRecord>,
) -> Result<String, (axum::http::StatusCode, String)> {
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    record(&db, token, &input)
        .await
        .map(|body| body.to_string())
        .map_err(|e| (axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
}

//! Every filter, alone and combined, against counts taken from the story's data file.

use crate::helpers::spawn_app;
use serde_json::json;

#[tokio::test]
async fn each_filter_alone_matches_the_counted_actions() {
    let app = spawn_app().await;
    let cases = [
        (json!({}), 10),
        (json!({ "actors": ["donald-trump"] }), 3),
        (json!({ "actors": ["donald-trump"], "involving": true }), 6),
        (json!({ "actors": ["brandon-johnson", "jb-pritzker"] }), 3),
        (
            json!({ "actors": ["city-of-chicago"], "involving": true }),
            5,
        ),
        (json!({ "actors": ["national-guard"] }), 0),
        (json!({ "sides": ["FEDERAL"] }), 6),
        (json!({ "sides": ["LOCAL"] }), 3),
        (json!({ "sides": ["STATE"] }), 1),
        (json!({ "sides": ["STATE", "LOCAL"] }), 4),
        (json!({ "sides": ["OTHER"] }), 0),
        (json!({ "kinds": ["DEPLOYMENT"] }), 2),
        (json!({ "kinds": ["ORDER"] }), 1),
        (json!({ "kinds": ["STATEMENT"] }), 7),
        (json!({ "categories": ["ACCUSE"] }), 4),
        (json!({ "categories": ["MOBILIZE"] }), 2),
        (json!({ "categories": ["REJECT", "THREATEN"] }), 3),
        (json!({ "categories": ["AID"] }), 0),
        (json!({ "statuses": ["THREATENED"] }), 1),
        (json!({ "statuses": ["REPORTED"] }), 1),
        (json!({ "statuses": ["CARRIED_OUT"] }), 8),
        (json!({ "from": "2025-08-11T00:00:00Z" }), 5),
        (json!({ "to": "2025-08-11T00:00:00Z" }), 6),
        (
            json!({ "from": "2025-08-11T00:00:00Z", "to": "2025-08-11T00:00:00Z" }),
            1,
        ),
        (json!({ "from": "2025-08-30T00:00:00Z" }), 4),
        (json!({ "to": "2025-07-31T23:59:59Z" }), 0),
        (json!({ "text": "publicity" }), 1),
        (json!({ "text": "KILLING FIELD" }), 1),
        (json!({ "text": "occupation" }), 1),
        (json!({ "text": "%" }), 0),
        (json!({ "text": "' OR 1=1 --" }), 0),
        (json!({ "includeRetracted": true }), 10),
    ];
    for (filter, expected) in cases {
        let titles = app.titles(filter.clone()).await;
        assert_eq!(titles.len(), expected, "filter {filter}: {titles:?}");
    }
}

#[tokio::test]
async fn combined_filters_narrow_each_other() {
    let app = spawn_app().await;
    let cases = [
        (json!({ "sides": ["FEDERAL"], "categories": ["ACCUSE"] }), 3),
        (
            json!({ "kinds": ["STATEMENT"], "from": "2025-08-30T00:00:00Z" }),
            3,
        ),
        (
            json!({ "actors": ["donald-trump"], "involving": true, "statuses": ["CARRIED_OUT"] }),
            5,
        ),
        (
            json!({ "sides": ["FEDERAL"], "kinds": ["DEPLOYMENT"], "text": "chicago" }),
            2,
        ),
        (
            json!({ "actors": ["abigail-jackson"], "categories": ["ACCUSE"], "to": "2025-08-30T00:00:00Z" }),
            2,
        ),
        (json!({ "sides": ["LOCAL"], "kinds": ["DEPLOYMENT"] }), 0),
    ];
    for (filter, expected) in cases {
        let titles = app.titles(filter.clone()).await;
        assert_eq!(titles.len(), expected, "filter {filter}: {titles:?}");
    }
    let jackson = app
        .titles(json!({ "actors": ["abigail-jackson"], "text": "partisan" }))
        .await;
    assert_eq!(
        jackson,
        vec!["Jackson accuses Chicago officials of making crime a partisan issue"]
    );
}

#[tokio::test]
async fn escalation_takes_the_same_filter() {
    let app = spawn_app().await;
    let data = app
        .query(
            r#"{ escalation(filter: { actors: ["donald-trump"] }, bucket: MONTH) { side actionCount intensitySum } }"#,
            json!({}),
        )
        .await;
    let points = data["escalation"].as_array().expect("points");
    assert_eq!(points.len(), 1);
    assert_eq!(points[0]["side"], "FEDERAL");
    assert_eq!(points[0]["actionCount"], 3);
    // Deployment -5.3, threat -5.1, accusation -2.0.
    assert!((points[0]["intensitySum"].as_f64().expect("sum") - -12.4).abs() < 1e-9);
}

/// Live subscriptions judge filters in memory; that judgement must agree with the SQL one for
/// every kind of condition, over an archive with every side, kind, status and target.
#[tokio::test]
async fn the_in_memory_filter_agrees_with_the_sql_filter() {
    use sea_orm::{EntityTrait, QueryFilter};
    use standoff_api::service::filter::{ActionFilter, FilterCache};
    use standoff_entities::{
        ActionKind, ActionStatus, Category, Side, action, action_target, actor,
    };
    use std::collections::{BTreeSet, HashMap};

    let app = crate::helpers::spawn_empty_app().await;
    let plan = standoff_seeds::Synthetic {
        actions: 400,
        seed: 7,
    };
    standoff_seeds::generate(&app.db, plan, &mut |_| {})
        .await
        .expect("generated");
    let actors = actor::Entity::find().all(&app.db).await.expect("actors");
    let sides: HashMap<i64, Side> = actors.iter().map(|a| (a.id, a.side)).collect();
    let mut targets: HashMap<i64, Vec<i64>> = HashMap::new();
    for link in action_target::Entity::find()
        .all(&app.db)
        .await
        .expect("targets")
    {
        targets
            .entry(link.action_id)
            .or_default()
            .push(link.actor_id);
    }
    let actions = action::Entity::find().all(&app.db).await.expect("actions");
    let at = |n: usize| actions[n].occurred_at;
    let slug = |n: usize| actors[n].slug.clone();
    let filters = [
        ActionFilter::default(),
        ActionFilter {
            actors: vec![slug(3), slug(50)],
            ..ActionFilter::default()
        },
        ActionFilter {
            actors: vec![slug(3), slug(50)],
            involving: true,
            ..ActionFilter::default()
        },
        ActionFilter {
            sides: vec![Side::Local, Side::Other],
            kinds: vec![ActionKind::Statement],
            ..ActionFilter::default()
        },
        ActionFilter {
            categories: vec![Category::Threaten, Category::Agree],
            statuses: vec![ActionStatus::CarriedOut],
            ..ActionFilter::default()
        },
        ActionFilter {
            from: Some(at(100)),
            to: Some(at(250)),
            sides: vec![Side::Federal],
            ..ActionFilter::default()
        },
    ];
    for filter in filters {
        let described = format!("{filter:?}");
        let resolved = filter
            .resolve(&app.db, &FilterCache::default())
            .await
            .expect("resolves");
        let by_sql: BTreeSet<i64> = action::Entity::find()
            .filter(resolved.condition())
            .all(&app.db)
            .await
            .expect("query")
            .into_iter()
            .map(|a| a.id)
            .collect();
        let in_memory: BTreeSet<i64> = actions
            .iter()
            .filter(|a| {
                resolved.matches(
                    a,
                    sides[&a.actor_id],
                    targets.get(&a.id).map_or(&[][..], Vec::as_slice),
                )
            })
            .map(|a| a.id)
            .collect();
        assert!(!by_sql.is_empty(), "{described} finds something");
        assert_eq!(by_sql, in_memory, "{described}");
    }
}

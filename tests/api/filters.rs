//! Every filter, alone and combined, against counts taken from the story's data file.

use crate::helpers::spawn_app;
use serde_json::json;

#[tokio::test]
async fn each_filter_alone_matches_the_counted_actions() {
    let app = spawn_app().await;
    let cases = [
        (json!({}), 11),
        (json!({ "actors": ["donald-trump"] }), 4),
        (json!({ "actors": ["donald-trump"], "involving": true }), 6),
        (json!({ "actors": ["brandon-johnson", "jb-pritzker"] }), 3),
        (
            json!({ "actors": ["city-of-chicago"], "involving": true }),
            3,
        ),
        (json!({ "actors": ["national-guard"] }), 0),
        (json!({ "sides": ["FEDERAL"] }), 7),
        (json!({ "sides": ["LOCAL"] }), 3),
        (json!({ "sides": ["STATE"] }), 1),
        (json!({ "sides": ["STATE", "LOCAL"] }), 4),
        (json!({ "sides": ["OTHER"] }), 0),
        (json!({ "kinds": ["DEPLOYMENT"] }), 2),
        (json!({ "kinds": ["ORDER"] }), 1),
        (json!({ "kinds": ["STATEMENT"] }), 8),
        (json!({ "categories": ["ACCUSE"] }), 4),
        (json!({ "categories": ["MOBILIZE"] }), 2),
        (json!({ "categories": ["REJECT", "THREATEN"] }), 4),
        (json!({ "categories": ["AID"] }), 0),
        (json!({ "statuses": ["THREATENED"] }), 2),
        (json!({ "statuses": ["REPORTED"] }), 1),
        (json!({ "statuses": ["CARRIED_OUT"] }), 8),
        // Every action of the story happened by the end of August 2025 ("../2025-08"), and a
        // range keeps what may have happened within it: any day of August keeps them all.
        (json!({ "from": "2025-08-11T00:00:00Z" }), 11),
        (json!({ "to": "2025-08-11T00:00:00Z" }), 11),
        (json!({ "from": "2025-08-31", "to": "2025-08-31" }), 11),
        (json!({ "from": "2025-09" }), 0),
        (json!({ "to": "2025-08" }), 11),
        (json!({ "to": "2025-07-31T23:59:59Z" }), 0),
        (json!({ "to": "2025-07" }), 0),
        (json!({ "text": "publicity" }), 1),
        (json!({ "text": "KILLING FIELD" }), 1),
        (json!({ "text": "occupation" }), 1),
        (json!({ "text": "%" }), 0),
        (json!({ "text": "' OR 1=1 --" }), 0),
        (json!({ "includeRetracted": true }), 11),
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
            8,
        ),
        (
            json!({ "actors": ["donald-trump"], "involving": true, "statuses": ["CARRIED_OUT"] }),
            4,
        ),
        (
            json!({ "sides": ["FEDERAL"], "kinds": ["DEPLOYMENT"], "text": "chicago" }),
            1,
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
        vec!["Jackson criticizes Chicago officials for making crime a partisan issue"]
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
    assert_eq!(points[0]["actionCount"], 4);
    // Deployment -5.3, two threats -5.1 each, accusation -2.0.
    assert!((points[0]["intensitySum"].as_f64().expect("sum") - -17.5).abs() < 1e-9);
}

/// Live subscriptions judge filters in memory, queries in SQL, both from the same clauses.
/// Random filters over a random archive (every side, kind, status and category, targets,
/// retractions) must get the same answer both ways, on whichever backend the suite runs.
#[tokio::test]
async fn random_filters_get_the_same_answer_in_sql_and_in_memory() {
    use proptest::prelude::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, TestRunner};
    use sea_orm::{EntityTrait, QueryFilter};
    use standoff_core::filter::{ActionFilter, Facts, FilterCache};
    use standoff_entities::{
        ActionKind, ActionStatus, Category, Role, Side, action, action_target, actor,
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
    let feed = standoff_core::feed::ChangeFeed::new();
    let editor = standoff_core::tokens::Editor {
        name: "property-test".into(),
        role: Role::Editor,
    };
    let writer = standoff_core::write::Writer {
        db: &app.db,
        feed: &feed,
        editor,
    };
    for id in (5..400).step_by(37) {
        standoff_core::write::actions::retract_action(&writer, id, "a test retraction")
            .await
            .expect("retracted");
    }
    // Some dates known only to the month or the year, so a date range must weigh a span.
    for (n, id) in (3..400)
        .step_by(5)
        .filter(|id| (id - 5) % 37 != 0)
        .enumerate()
    {
        let precision = if n % 2 == 0 {
            standoff_entities::DatePrecision::Month
        } else {
            standoff_entities::DatePrecision::Year
        };
        let patch = standoff_core::write::actions::ActionPatch {
            precision: Some(precision),
            ..Default::default()
        };
        standoff_core::write::actions::correct_action(&writer, id, patch, "widened")
            .await
            .expect("a wider date is always consistent with the links");
    }
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
    let stories = standoff_entities::story::Entity::find()
        .all(&app.db)
        .await
        .expect("stories");
    let mut memberships: HashMap<i64, Vec<i64>> = HashMap::new();
    for link in standoff_entities::story_action::Entity::find()
        .all(&app.db)
        .await
        .expect("memberships")
    {
        memberships
            .entry(link.action_id)
            .or_default()
            .push(link.story_id);
    }

    fn some_of<T: Clone + std::fmt::Debug + 'static>(items: Vec<T>) -> BoxedStrategy<Vec<T>> {
        let n = items.len();
        proptest::sample::subsequence(items, 0..=n.min(3)).boxed()
    }
    use sea_orm::Iterable;
    let strategy = (
        some_of((0..actors.len()).collect()),
        any::<bool>(),
        some_of((0..stories.len()).collect()),
        some_of(Side::iter().collect()),
        some_of(ActionKind::iter().collect()),
        some_of(Category::iter().collect()),
        some_of(ActionStatus::iter().collect()),
        proptest::option::of(0..actions.len()),
        proptest::option::of(0..actions.len()),
        any::<bool>(),
        proptest::option::weighted(0.1, "[a-z ]{1,8}"),
    );
    let mut runner = TestRunner::new(Config::with_cases(200));
    let mut judged = 0;
    for _ in 0..200 {
        let (
            who,
            involving,
            in_stories,
            sides_wanted,
            kinds,
            categories,
            statuses,
            from,
            to,
            retracted,
            text,
        ) = strategy.new_tree(&mut runner).expect("a case").current();
        // A day and a half into an action's date: inside a month or a year it was widened to.
        let from = from.map(|n| actions[n].occurred_at + chrono::Duration::hours(36));
        let to = to.map(|n| actions[n].occurred_at);
        let (from, to) = match (from, to) {
            (Some(a), Some(b)) if a > b => (Some(b), Some(a)),
            other => other,
        };
        let filter = ActionFilter {
            actors: who.iter().map(|n| actors[*n].slug.clone()).collect(),
            involving,
            stories: in_stories
                .iter()
                .map(|n| stories[*n].slug.clone())
                .collect(),
            sides: sides_wanted,
            kinds,
            categories,
            statuses,
            from,
            to,
            text: text.clone(),
            include_retracted: retracted,
        };
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
        let mut in_memory = BTreeSet::new();
        let mut unjudged = false;
        for a in &actions {
            let facts = Facts {
                action: a,
                side: sides[&a.actor_id],
                targets: targets.get(&a.id).map_or(&[][..], Vec::as_slice),
                stories: memberships.get(&a.id).map_or(&[][..], Vec::as_slice),
            };
            match resolved.matches(facts) {
                Some(true) => {
                    in_memory.insert(a.id);
                }
                Some(false) => {}
                None => unjudged = true,
            }
        }
        if text.as_deref().is_some_and(|t| !t.trim().is_empty()) {
            assert!(unjudged, "a text search is left to the index: {described}");
            continue;
        }
        judged += 1;
        assert_eq!(by_sql, in_memory, "{described}");
    }
    assert!(judged > 150, "most cases are judged both ways");
}

//! Causal order and dates as known, through GraphQL: every form of date `recordAction` takes,
//! and a timeline on which nothing is listed above what it answers or escalates.

use crate::helpers::{TestApp, load_story, spawn_app, spawn_empty_app};
use crate::paging::walk;
use serde_json::{Value, json};
use std::collections::HashMap;

const RECORD: &str = r#"mutation($input: RecordActionInput!) {
  recordAction(input: $input) { id occurredAt occurredUntil precision edtf dateText displayDate }
}"#;

/// A statement by Trump citing the article, dated `date`.
async fn statement(app: &TestApp, date: &str, title: &str) -> Value {
    json!({
        "actor": "donald-trump",
        "kind": "STATEMENT",
        "occurredAt": date,
        "title": title,
        "citations": [{ "sourceId": app.source_id().await }],
    })
}

/// The titles of the whole timeline, oldest first, with what each answers.
async fn ordered(app: &TestApp, filter: Value) -> Vec<(String, Vec<String>)> {
    let data = app
        .query(
            "query($f: TimelineFilter) { timeline(first: 100, filter: $f) { nodes { title respondsTo { respondsTo { title } } } } }",
            json!({ "f": filter }),
        )
        .await;
    data["timeline"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| {
            let answered = n["respondsTo"]
                .as_array()
                .expect("links")
                .iter()
                .map(|r| r["respondsTo"]["title"].as_str().expect("title").to_owned())
                .collect();
            (n["title"].as_str().expect("title").to_owned(), answered)
        })
        .collect()
}

/// Asserts that every action in `list` (oldest first) comes after everything it answers.
fn answers_come_after(list: &[(String, Vec<String>)]) {
    let place: HashMap<&str, usize> = list
        .iter()
        .enumerate()
        .map(|(i, (t, _))| (t.as_str(), i))
        .collect();
    for (i, (title, answered)) in list.iter().enumerate() {
        for earlier in answered {
            if let Some(at) = place.get(earlier.as_str()) {
                assert!(
                    *at < i,
                    "{title:?} is listed above {earlier:?}, which it answers"
                );
            }
        }
    }
}

#[tokio::test]
async fn record_action_takes_every_date_form_and_an_interval_round_trips() {
    let app = spawn_app().await;
    let editor = app.editor("desk").await;
    let cases = [
        (
            "2025",
            "YEAR",
            "2025-01-01T00:00:00+00:00",
            "2025-12-31T23:59:59+00:00",
            "2025",
            "2025",
        ),
        (
            "2025-08",
            "MONTH",
            "2025-08-01T00:00:00+00:00",
            "2025-08-31T23:59:59+00:00",
            "2025-08",
            "August 2025",
        ),
        (
            "2025-10-04",
            "DAY",
            "2025-10-04T00:00:00+00:00",
            "2025-10-04T23:59:59+00:00",
            "2025-10-04",
            "4 Oct 2025",
        ),
        (
            "2025-08-11/2025-08-30",
            "DAY",
            "2025-08-11T00:00:00+00:00",
            "2025-08-30T23:59:59+00:00",
            "2025-08-11/2025-08-30",
            "11\u{2013}30 Aug 2025",
        ),
        (
            "../2025-08",
            "MONTH",
            "2025-08-01T00:00:00+00:00",
            "2025-08-31T23:59:59+00:00",
            "../2025-08",
            "by August 2025",
        ),
    ];
    for (date, precision, at, until, edtf, shown) in cases {
        let mut input = statement(&app, date, &format!("Dated {date}")).await;
        input["dateText"] = json!("as the source puts it");
        let got = &app.write(&editor, RECORD, json!({ "input": input })).await["recordAction"];
        assert_eq!(got["precision"], precision, "{date}");
        assert_eq!(got["occurredAt"], at, "{date}");
        assert_eq!(got["occurredUntil"], until, "{date}");
        assert_eq!(got["edtf"], edtf, "{date}");
        assert_eq!(got["displayDate"], shown, "{date}");
        assert_eq!(got["dateText"], "as the source puts it");
        // Read back by id, and the EDTF given back is accepted again as it is.
        let again = app
            .query(
                "query($id: ID!) { action(id: $id) { edtf occurredUntil } }",
                json!({ "id": got["id"] }),
            )
            .await;
        assert_eq!(again["action"]["edtf"], edtf);
        let twice = statement(&app, edtf, &format!("Again {date}")).await;
        let got2 = &app.write(&editor, RECORD, json!({ "input": twice })).await["recordAction"];
        assert_eq!(got2["occurredUntil"], until, "{edtf} round-trips");
    }
    // An instant keeps its minute when MINUTE is asked for, and is a day otherwise.
    let mut input = statement(&app, "2025-10-04T15:30:00-05:00", "At an instant").await;
    input["precision"] = json!("MINUTE");
    let got = &app.write(&editor, RECORD, json!({ "input": input })).await["recordAction"];
    assert_eq!(got["occurredAt"], "2025-10-04T20:30:00+00:00");
    assert_eq!(got["occurredUntil"], got["occurredAt"]);
    let input = statement(&app, "2025-10-04T15:30:00-05:00", "A day from an instant").await;
    let got = &app.write(&editor, RECORD, json!({ "input": input })).await["recordAction"];
    assert_eq!(
        (got["precision"].as_str(), got["edtf"].as_str()),
        (Some("DAY"), Some("2025-10-04"))
    );
}

#[tokio::test]
async fn bad_dates_are_refused_naming_the_forms_and_write_nothing() {
    let app = spawn_app().await;
    let editor = app.editor("desk").await;
    for bad in [
        "2025-13",
        "2025-02-30",
        "yesterday",
        "",
        "0000-01-01",
        "10000",
        "2025?",
        "2025-08/..",
        "2025-08-30/2025-08-01",
        "2025-08-30T14:05:00",
        "Y12345",
        "2025-08-11/2025-08-30/2025-09",
    ] {
        let input = statement(&app, bad, "Badly dated").await;
        let before = app.row_counts().await;
        let body = app
            .post_with(Some(&editor), RECORD, json!({ "input": input }))
            .await;
        assert_eq!(app.row_counts().await, before, "{bad:?} wrote");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{bad:?}: {body}"
        );
        let message = body["errors"][0]["message"].as_str().expect("message");
        assert!(
            message.contains("2025-08-11/2025-08-30"),
            "{bad:?}: {message}"
        );
    }
    // The filters and URL parameters take the same forms and refuse the same way.
    let code = app
        .error_code(
            "{ timeline(filter: { from: \"2025-13\" }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    let response = app.get("/export/timelinejs.json?from=2025-13").await;
    assert_eq!(response.status(), 400);
    let response = app.get("/export/timelinejs.json?to=2025-08").await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn the_chicago_timeline_never_lists_an_answer_above_what_it_answers() {
    let app = spawn_app().await;
    let list = ordered(&app, json!({})).await;
    assert_eq!(list.len(), 11);
    answers_come_after(&list);
    // Every action is dated "by the end of August 2025", so order comes from the links: the
    // threat to extend the deployment escalates it, the order defies the threat, the governor
    // condemns the National Guard threat.
    let place = |t: &str| {
        list.iter()
            .position(|(title, _)| title.contains(t))
            .expect(t)
    };
    assert!(place("2,000 troops") < place("threatens to extend"));
    assert!(place("threatens to extend") < place("signs an order"));
    assert!(place("deploy the National Guard") < place("abuse of power"));
    assert!(place("signs an order") < place("publicity stunt"));
}

#[tokio::test]
async fn escalates_links_one_side_and_a_loop_is_refused() {
    let app = spawn_app().await;
    let editor = app.editor("desk").await;
    let link = "mutation($a: ID!, $b: ID!, $s: Stance!) { recordResponse(input: { actionId: $a, respondsToId: $b, stance: $s }) { stance } }";
    let threat = app.action_id("threatens to extend").await;
    let deployment = app.action_id("2,000 troops").await;
    let guard = app.action_id("deploy the National Guard").await;
    // Pritzker's condemnation is the other side: it cannot escalate the threat.
    let code = app
        .refused(
            Some(&editor),
            link,
            json!({ "a": app.action_id("abuse of power").await, "b": guard, "s": "ESCALATES" }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    // A loop is refused: the deployment cannot answer the threat that builds on it.
    let code = app
        .refused(
            Some(&editor),
            link,
            json!({ "a": deployment, "b": threat, "s": "SUPPORTS" }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    // The killing-field remark, recorded before the National Guard threat, now builds on it:
    // it moves below it, and everything stays after what it answers.
    app.write(
        &editor,
        link,
        json!({ "a": app.action_id("killing field").await, "b": guard, "s": "ESCALATES" }),
    )
    .await;
    let list = ordered(&app, json!({})).await;
    answers_come_after(&list);
    let place = |t: &str| {
        list.iter()
            .position(|(title, _)| title.contains(t))
            .expect(t)
    };
    assert!(place("deploy the National Guard") < place("killing field"));
}

#[tokio::test]
async fn a_correction_may_not_date_an_answer_before_what_it_answers() {
    let app = spawn_app().await;
    let editor = app.editor("desk").await;
    let correct = "mutation($id: ID!, $d: DateTime) { correctAction(id: $id, input: { occurredAt: $d }, note: \"redated\") { edtf } }";
    let order = app.action_id("signs an order").await;
    let stunt = app.action_id("publicity stunt").await;
    // The dismissal answers the order (by the end of August): it cannot move to July.
    let code = app
        .refused(
            Some(&editor),
            correct,
            json!({ "id": stunt, "d": "2025-07" }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    // Nor can the order move after the dismissal that answers it.
    let code = app
        .refused(
            Some(&editor),
            correct,
            json!({ "id": order, "d": "2025-09-01" }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    // Dating the dismissal to August itself is allowed and keeps it after the order.
    let got = app
        .write(&editor, correct, json!({ "id": stunt, "d": "2025-08" }))
        .await;
    assert_eq!(got["correctAction"]["edtf"], "2025-08");
    answers_come_after(&ordered(&app, json!({})).await);
}

#[tokio::test]
async fn an_answer_linked_after_it_was_recorded_still_sorts_after_what_it_answers() {
    let app = spawn_app().await;
    let editor = app.editor("desk").await;
    let first = statement(&app, "2025-10", "Recorded first, answers the later one").await;
    let a =
        app.write(&editor, RECORD, json!({ "input": first })).await["recordAction"]["id"].clone();
    let second = statement(&app, "2025-10", "Recorded second, answered").await;
    let b =
        app.write(&editor, RECORD, json!({ "input": second })).await["recordAction"]["id"].clone();
    let filter = json!({ "from": "2025-10" });
    let before: Vec<String> = ordered(&app, filter.clone())
        .await
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    assert_eq!(
        before[0], "Recorded first, answers the later one",
        "ties keep the order of recording"
    );
    app.write(
        &editor,
        "mutation($a: ID!, $b: ID!) { recordResponse(input: { actionId: $a, respondsToId: $b, stance: CRITICIZES }) { stance } }",
        json!({ "a": a, "b": b }),
    )
    .await;
    let after = ordered(&app, filter).await;
    assert_eq!(after[0].0, "Recorded second, answered");
    answers_come_after(&after);
}

/// A small deterministic generator, so a failure names the seed that found it.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }
}

/// A story of `n` actions with random periods (days, months, intervals, open starts) and
/// chains of answers, each answer dated no earlier than what it answers allows.
fn random_story(n: usize, seed: u64) -> String {
    let mut rng = Lcg(seed);
    let mut s = String::from(
        "[[actors]]\nslug = \"gen-a\"\nname = \"A\"\nkind = \"AGENCY\"\nside = \"FEDERAL\"\n\n\
         [[actors]]\nslug = \"gen-b\"\nname = \"B\"\nkind = \"GOVERNMENT\"\nside = \"LOCAL\"\n\n\
         [[sources]]\nkey = \"gen-source\"\ntitle = \"Generated source\"\n",
    );
    // Each action's earliest and latest day, as days after 1 January 2025.
    let mut spans: Vec<(u64, u64)> = Vec::new();
    let day = |d: u64| {
        chrono::NaiveDate::from_ymd_opt(2025, 1, 1).expect("day") + chrono::Duration::days(d as i64)
    };
    for i in 0..n {
        let start = rng.next(300);
        let (text, span) = match rng.next(4) {
            0 => (day(start).format("%Y-%m-%d").to_string(), (start, start)),
            1 => {
                let end = start + rng.next(20);
                (
                    format!(
                        "{}/{}",
                        day(start).format("%Y-%m-%d"),
                        day(end).format("%Y-%m-%d")
                    ),
                    (start, end),
                )
            }
            2 => {
                let d = day(start);
                let first = chrono::NaiveDate::from_ymd_opt(2025, chrono::Datelike::month(&d), 1)
                    .expect("first");
                let first_day = (first - day(0)).num_days() as u64;
                let next = first
                    .checked_add_months(chrono::Months::new(1))
                    .expect("next");
                let last_day = (next - day(0)).num_days() as u64 - 1;
                (d.format("%Y-%m").to_string(), (first_day, last_day))
            }
            _ => {
                let d = day(start);
                let first = chrono::NaiveDate::from_ymd_opt(2025, chrono::Datelike::month(&d), 1)
                    .expect("first");
                let next = first
                    .checked_add_months(chrono::Months::new(1))
                    .expect("next");
                let first_day = (first - day(0)).num_days() as u64;
                let last_day = (next - day(0)).num_days() as u64 - 1;
                (format!("../{}", d.format("%Y-%m")), (first_day, last_day))
            }
        };
        let actor = if rng.next(2) == 0 { "gen-a" } else { "gen-b" };
        s.push_str(&format!(
            "\n[[actions]]\nkey = \"r{i}\"\nactor = \"{actor}\"\nkind = \"STATEMENT\"\noccurred_at = \"{text}\"\n\
             title = \"Random {i}\"\ncitations = [{{ source = \"gen-source\" }}]\n"
        ));
        // Answer up to two earlier actions whose start this one's end does not precede.
        let mut links = Vec::new();
        for _ in 0..rng.next(3) {
            if i == 0 {
                break;
            }
            let j = (i as u64 - 1 - rng.next((i as u64).min(40))) as usize;
            if spans[j].0 <= span.1 && !links.contains(&j) {
                links.push(j);
            }
        }
        if !links.is_empty() {
            let list: Vec<String> = links
                .iter()
                .map(|j| format!("{{ action = \"r{j}\", stance = \"CRITICIZES\" }}"))
                .collect();
            s.push_str(&format!("responds_to = [{}]\n", list.join(", ")));
        }
        spans.push(span);
    }
    s
}

#[tokio::test]
async fn two_thousand_random_periods_and_chains_page_exactly_in_causal_order() {
    let app = spawn_empty_app().await;
    let report = load_story(&app, &random_story(2000, 20_251_201)).await;
    assert_eq!(report.actions_created, 2000);
    let forward = walk(&app, "ASC", true, 37, json!({})).await;
    assert_eq!(forward.len(), 2000);
    let mut unique = forward.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 2000, "every action once");
    assert_eq!(
        walk(&app, "ASC", false, 53, json!({})).await,
        forward,
        "backward paging agrees"
    );
    let mut reversed = walk(&app, "DESC", true, 41, json!({})).await;
    reversed.reverse();
    assert_eq!(reversed, forward, "DESC is ASC reversed");
    // Every link, read from the database, points up the list.
    let place: HashMap<&str, usize> = forward
        .iter()
        .enumerate()
        .map(|(i, t)| (t.as_str(), i))
        .collect();
    use sea_orm::EntityTrait;
    let actions = standoff_entities::action::Entity::find()
        .all(&app.db)
        .await
        .expect("actions");
    let title: HashMap<i64, &str> = actions.iter().map(|a| (a.id, a.title.as_str())).collect();
    let links = standoff_entities::response::Entity::find()
        .all(&app.db)
        .await
        .expect("links");
    assert!(links.len() > 1000, "chains were generated: {}", links.len());
    let mut placed_early = 0;
    for link in &links {
        let (answer, answered) = (title[&link.action_id], title[&link.responds_to_id]);
        assert!(place[answer] > place[answered], "{answer} above {answered}");
        let a = actions
            .iter()
            .find(|x| x.id == link.action_id)
            .expect("answer");
        let b = actions
            .iter()
            .find(|x| x.id == link.responds_to_id)
            .expect("answered");
        if a.occurred_at < b.occurred_at {
            placed_early += 1;
        }
    }
    assert!(
        placed_early > 50,
        "answers whose period starts earlier were tested: {placed_early}"
    );
}

//! The newsroom exports: TimelineJS JSON, the Atom feed, the SVG chart, and CORS.

use crate::helpers::{TestApp, spawn_app, spawn_app_with_cors};
use serde_json::{Value, json};

async fn timelinejs(app: &TestApp, query: &str) -> Value {
    let response = app.get(&format!("/export/timelinejs.json{query}")).await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("json")
}

#[tokio::test]
async fn timelinejs_export_has_one_event_per_action_at_its_precision() {
    let app = spawn_app().await;
    let doc = timelinejs(&app, "").await;
    let events = doc["events"].as_array().expect("events");
    assert_eq!(events.len(), 11);
    assert!(
        doc["title"]["text"]["headline"].is_string(),
        "a title slide"
    );
    let timeline = app
        .query("{ timeline(first: 100) { nodes { id title } } }", json!({}))
        .await;
    let ids: Vec<&Value> = timeline["timeline"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| &n["id"])
        .collect();
    let unique: Vec<&Value> = events.iter().map(|e| &e["unique_id"]).collect();
    assert_eq!(unique, ids, "unique_id is the action id, in timeline order");

    let dc = events
        .iter()
        .find(|e| {
            e["text"]["headline"]
                .as_str()
                .is_some_and(|h| h.contains("Washington"))
        })
        .expect("the DC deployment");
    // The article gives no day: "by August 2025" is the month it appeared in, no finer.
    assert_eq!(
        dc["start_date"],
        json!({ "year": 2025, "month": 8, "display_date": "by August 2025" })
    );
    assert!(dc.get("end_date").is_none());
    assert_eq!(dc["group"], "Federal");
    let threat = events
        .iter()
        .find(|e| {
            e["text"]["headline"]
                .as_str()
                .is_some_and(|h| h.contains("threatens"))
        })
        .expect("the threat");
    assert!(
        threat["start_date"].get("day").is_none(),
        "month precision has no day"
    );
    assert_eq!(threat["start_date"]["display_date"], "by August 2025");

    let orders = timelinejs(&app, "?kinds=ORDER&sides=LOCAL").await;
    assert_eq!(orders["events"].as_array().expect("events").len(), 1);
    let bad = app.get("/export/timelinejs.json?sides=MARTIAN").await;
    assert_eq!(bad.status(), 400);
    let body: Value = bad.json().await.expect("json");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let unknown = app.get("/export/timelinejs.json?actors=nobody").await;
    assert_eq!(unknown.status(), 404);
    assert_eq!(
        app.get("/export/timelinejs.json?limit=5000").await.status(),
        400
    );
}

#[tokio::test]
async fn only_an_image_source_is_slide_media_and_each_source_is_credited_once() {
    let app = spawn_app().await;
    let editor = app.editor("desk").await;
    let add = |title: &'static str, url: &'static str| {
        let (app, editor) = (&app, &editor);
        async move {
            let data = app
                .write(
                    editor,
                    r#"mutation($t: String!, $u: String!) { addSource(input: { title: $t, url: $u, publisher: "Office of the Governor" }) { id } }"#,
                    json!({ "t": title, "u": url }),
                )
                .await;
            data["addSource"]["id"].as_str().expect("id").to_owned()
        }
    };
    let page = add("Governor's statement", "https://example.org/s").await;
    let photo = add(
        "Governor at the podium",
        "https://example.org/podium.JPG?w=800",
    )
    .await;
    for (title, citations) in [
        (
            "Pritzker answers",
            json!([{ "sourceId": page, "excerpt": "first words" }, { "sourceId": page, "excerpt": "later words" }]),
        ),
        ("Pritzker pictured", json!([{ "sourceId": photo }])),
    ] {
        app.write(
            &editor,
            r#"mutation($t: String!, $c: [CitationInput!]!) { recordAction(input: { actor: "jb-pritzker", kind: STATEMENT, occurredAt: "2025-10-01", title: $t, citations: $c }) { id } }"#,
            json!({ "t": title, "c": citations }),
        )
        .await;
    }
    let doc = timelinejs(&app, "?text=Pritzker%20answers").await;
    let slide = &doc["events"][0];
    assert!(
        slide.get("media").is_none(),
        "a web page is no picture: {slide}"
    );
    let text = slide["text"]["text"].as_str().expect("text");
    assert_eq!(text.matches("Source: ").count(), 1, "{text}");
    assert!(text.contains("“first words” · “later words”"), "{text}");
    assert!(text.contains("(State)"), "the side in words: {text}");
    assert_eq!(slide["group"], "State");
    let doc = timelinejs(&app, "?text=Pritzker%20pictured").await;
    let media = &doc["events"][0]["media"];
    assert_eq!(media["url"], "https://example.org/podium.JPG?w=800");
    assert_eq!(media["credit"], "Office of the Governor");
    // A story's export opens with its own title and summary.
    let story = timelinejs(&app, "?stories=chicago-2025").await;
    assert_eq!(
        story["title"]["text"]["headline"],
        "Chicago vs. the White House, 2025"
    );
    assert!(
        story["title"]["text"]["text"]
            .as_str()
            .expect("text")
            .contains("clash over troop deployments"),
        "{}",
        story["title"]
    );
}

fn feed(text: &str) -> atom_syndication::Feed {
    text.parse::<atom_syndication::Feed>().expect("valid Atom")
}

#[tokio::test]
async fn the_feed_is_atom_with_stable_ids_and_moves_updated_on_a_correction() {
    let app = spawn_app().await;
    let response = app.get("/feed.atom").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("application/atom+xml")
    );
    let before = feed(&response.text().await.expect("text"));
    assert_eq!(before.entries().len(), 11);
    let again = feed(&app.get_text("/feed.atom").await);
    let ids = |f: &atom_syndication::Feed| {
        let mut ids: Vec<String> = f.entries().iter().map(|e| e.id().to_owned()).collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&before), ids(&again), "entry ids are stable");

    let editor = app.editor("desk").await;
    let id = app.action_id("Washington DC").await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    app.write(
        &editor,
        "mutation($id: ID!) { correctAction(id: $id, note: \"n\", input: { magnitude: 2200 }) { revision } }",
        json!({ "id": id }),
    )
    .await;
    let after = feed(&app.get_text("/feed.atom").await);
    assert_eq!(
        ids(&before),
        ids(&after),
        "a correction keeps the entry's id"
    );
    let newest = &after.entries()[0];
    assert!(
        newest.title().as_str().contains("Washington DC")
            && newest.title().as_str().contains("corrected")
    );
    let old = before
        .entries()
        .iter()
        .find(|e| e.id() == newest.id())
        .expect("same entry before");
    assert!(
        newest.updated() > old.updated(),
        "updated moves on a correction"
    );
    assert!(after.updated() >= newest.updated());

    app.write(
        &editor,
        "mutation($id: ID!) { retractAction(id: $id, reason: \"r\") { retracted } }",
        json!({ "id": app.action_id("killing field").await }),
    )
    .await;
    let text = app.get_text("/feed.atom").await;
    let retracted = feed(&text);
    assert_eq!(
        retracted.entries().len(),
        10,
        "the retracted entry is replaced by its tombstone"
    );
    // RFC 6721: a deleted-entry naming the entry's id, when, and the reason.
    let tombstones = &retracted.extensions()["at"]["deleted-entry"];
    assert_eq!(tombstones.len(), 1);
    let gone = before
        .entries()
        .iter()
        .find(|e| e.title().as_str().contains("killing field"))
        .expect("the remark's entry");
    assert_eq!(tombstones[0].attrs()["ref"], gone.id());
    assert!(
        tombstones[0].attrs()["when"]
            .parse::<chrono::DateTime<chrono::FixedOffset>>()
            .is_ok()
    );
    let comment = tombstones[0].children()["comment"][0]
        .value()
        .expect("comment");
    assert!(comment.contains("Retracted: r"), "{comment}");
    assert!(text.contains("xmlns:at=\"http://purl.org/atompub/tombstones/1.0\""));
}

#[tokio::test]
async fn the_chart_is_well_formed_svg_with_one_series_per_side() {
    let app = spawn_app().await;
    let response = app.get("/charts/escalation.svg?bucket=week").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("image/svg+xml")
    );
    let text = response.text().await.expect("text");
    let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    let series: Vec<&str> = root
        .descendants()
        .filter(|n| n.attribute("class") == Some("series"))
        .filter_map(|n| n.attribute("data-side"))
        .collect();
    assert_eq!(series, vec!["FEDERAL", "STATE", "LOCAL"]);
    let texts: Vec<&str> = root.descendants().filter_map(|n| n.text()).collect();
    assert!(texts.contains(&"Escalation by side, per week"), "a title");
    assert!(
        texts.iter().any(|t| t.contains("Sum of intensity")),
        "a y-axis label"
    );
    assert!(texts.contains(&"Time (week)"), "an x-axis label");
    assert_eq!(
        root.descendants()
            .filter(|n| n.attribute("class") == Some("legend-item"))
            .count(),
        3
    );

    let local = app
        .get("/charts/escalation.svg?sides=LOCAL&bucket=month")
        .await
        .text()
        .await
        .expect("text");
    let doc = roxmltree::Document::parse(&local).expect("well-formed XML");
    assert_eq!(
        doc.descendants()
            .filter(|n| n.attribute("class") == Some("series"))
            .count(),
        1
    );
    assert_eq!(
        app.get("/charts/escalation.svg?bucket=hourly")
            .await
            .status(),
        400
    );
}

#[tokio::test]
async fn cors_allows_listed_origins_only_and_never_credentials() {
    let app = spawn_app_with_cors(&["https://news.example"]).await;
    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/graphql"))
        .header("origin", "https://news.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .expect("sent");
    assert!(preflight.status().is_success());
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "https://news.example"
    );
    assert!(
        preflight
            .headers()
            .get("access-control-allow-credentials")
            .is_none()
    );
    let stranger = app
        .client
        .post(app.url("/graphql"))
        .header("origin", "https://elsewhere.example")
        .json(&json!({ "query": "{ timeline { totalCount } }" }))
        .send()
        .await
        .expect("sent");
    assert!(
        stranger
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

#[tokio::test]
async fn public_reads_answer_any_origin_by_default_without_credentials() {
    let app = spawn_app().await;
    let origin = "https://news.example";
    for path in [
        "/graphql?query=%7B%20timeline%20%7B%20totalCount%20%7D%20%7D",
        "/export/timelinejs.json?stories=chicago-2025",
        "/feed.atom",
        "/charts/escalation.svg",
    ] {
        let response = app
            .client
            .get(app.url(path))
            .header("origin", origin)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(
            response.headers()["access-control-allow-origin"],
            "*",
            "{path}"
        );
        assert!(
            response
                .headers()
                .get("access-control-allow-credentials")
                .is_none(),
            "{path}"
        );
    }
    // A page of another origin may send a write, but without a token it is refused.
    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/graphql"))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type, authorization",
        )
        .send()
        .await
        .expect("sent");
    assert!(preflight.status().is_success());
    let write = app
        .client
        .post(app.url("/graphql"))
        .header("origin", origin)
        .json(&json!({ "query": r#"mutation { retractAction(id: "QWN0aW9uOjE", reason: "x") { id } }"# }))
        .send()
        .await
        .expect("sent");
    let body: serde_json::Value = write.json().await.expect("JSON");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{body}"
    );
}

/// Rows as Python's `csv` module reads them, each a map of column to text.
fn python_csv(text: &str) -> Vec<serde_json::Map<String, Value>> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut python = Command::new("python3")
        .args([
            "-c",
            "import csv, json, sys; print(json.dumps(list(csv.DictReader(sys.stdin))))",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    python
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("written");
    let out = python.wait_with_output().expect("python3 ends");
    assert!(out.status.success(), "python's csv module read it");
    serde_json::from_slice::<Vec<serde_json::Map<String, Value>>>(&out.stdout).expect("rows")
}

#[tokio::test]
async fn the_csv_of_a_filtered_timeline_reads_in_python_and_matches_graphql_row_for_row() {
    let app = spawn_app().await;
    let filter = json!({ "stories": ["chicago-2025"], "sides": ["FEDERAL", "LOCAL"] });
    let graphql = app
        .query(
            r#"query($filter: TimelineFilter) { timeline(filter: $filter, first: 100) {
                nodes { id title edtf precision quote actor { slug side } targets { slug }
                        citations { source { title } } } } }"#,
            json!({ "filter": filter }),
        )
        .await;
    let nodes = graphql["timeline"]["nodes"].as_array().expect("nodes");
    assert!(nodes.len() > 5);
    let response = app
        .get("/export/actions.csv?stories=chicago-2025&sides=FEDERAL,LOCAL")
        .await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/csv")
    );
    let rows = python_csv(&response.text().await.expect("text"));
    assert_eq!(rows.len(), nodes.len());
    for (row, node) in rows.iter().zip(nodes) {
        assert_eq!(row["id"], node["id"]);
        assert_eq!(row["title"], node["title"], "commas and quotes survive");
        assert_eq!(row["date_edtf"], node["edtf"]);
        assert_eq!(row["precision"], node["precision"]);
        assert_eq!(row["time_precision"], "3", "known only to a month");
        assert_eq!(row["actor"], node["actor"]["slug"]);
        assert_eq!(row["actor_side"], node["actor"]["side"]);
        assert_eq!(row["stories"], "chicago-2025");
        assert_eq!(row["quote"], node["quote"].as_str().unwrap_or(""));
        let targets: Vec<&str> = node["targets"]
            .as_array()
            .expect("targets")
            .iter()
            .filter_map(|t| t["slug"].as_str())
            .collect();
        assert_eq!(row["targets"], targets.join("; "));
        let sources: Vec<&str> = node["citations"]
            .as_array()
            .expect("citations")
            .iter()
            .filter_map(|c| c["source"]["title"].as_str())
            .collect();
        assert_eq!(row["source_titles"], sources.join("; "));
        assert_eq!(row["retracted"], "false");
    }
    // NDJSON holds the same rows, with lists as lists.
    let ndjson = app
        .get_text("/export/actions.ndjson?stories=chicago-2025&sides=FEDERAL,LOCAL")
        .await;
    let lines: Vec<Value> = ndjson
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), nodes.len());
    for (line, node) in lines.iter().zip(nodes) {
        assert_eq!(line["id"], node["id"]);
        assert_eq!(line["stories"], json!(["chicago-2025"]));
    }
    // Bad parameters are refused before anything is sent.
    let bad = app.get("/export/actions.csv?updatedSince=yesterday").await;
    assert_eq!(bad.status(), 400);
    let body: Value = bad.json().await.expect("JSON error");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
}

#[tokio::test]
async fn an_export_streams_past_one_batch_in_order_and_syncs_by_update_time() {
    let app = spawn_app().await;
    standoff_seeds::generate(
        &app.db,
        standoff_seeds::Synthetic {
            actions: 1_300,
            seed: 5,
        },
        &mut |_| {},
    )
    .await
    .expect("generated");
    let total = app.query("{ timeline { totalCount } }", json!({})).await["timeline"]["totalCount"]
        .as_u64()
        .expect("count");
    let rows = python_csv(&app.get_text("/export/actions.csv").await);
    assert_eq!(rows.len() as u64, total, "every action, across batches");
    let ids: std::collections::HashSet<&Value> = rows.iter().map(|r| &r["id"]).collect();
    assert_eq!(ids.len(), rows.len(), "none twice");
    // The same order as the timeline, across the seam between the first two batches.
    let mut timeline: Vec<Value> = Vec::new();
    let mut after = Value::Null;
    while timeline.len() < 600 {
        let page = app
            .query(
                r#"query($after: String) { timeline(first: 100, after: $after) {
                    nodes { id } pageInfo { endCursor } } }"#,
                json!({ "after": after }),
            )
            .await;
        timeline.extend(
            page["timeline"]["nodes"]
                .as_array()
                .expect("nodes")
                .iter()
                .map(|n| n["id"].clone()),
        );
        after = page["timeline"]["pageInfo"]["endCursor"].clone();
    }
    let exported: Vec<Value> = rows.iter().take(600).map(|r| r["id"].clone()).collect();
    assert_eq!(exported, timeline);
    let limited = python_csv(&app.get_text("/export/actions.csv?limit=700").await);
    assert_eq!(limited.len(), 700);
    assert_eq!(limited[699]["id"], rows[699]["id"]);

    // A notebook that synced before a correction and a retraction gets those two rows only,
    // the retracted one marked.
    let editor = app.editor("desk").await;
    let since = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let (a, b) = (rows[10]["id"].clone(), rows[20]["id"].clone());
    app.write(
        &editor,
        r#"mutation($id: ID!) { correctAction(id: $id, note: "typo", input: { title: "Corrected title" }) { id } }"#,
        json!({ "id": a }),
    )
    .await;
    app.write(
        &editor,
        r#"mutation($id: ID!) { retractAction(id: $id, reason: "duplicate") { id } }"#,
        json!({ "id": b }),
    )
    .await;
    let changed = python_csv(
        &app.get_text(&format!(
            "/export/actions.csv?updatedSince={}",
            urlencode(&since)
        ))
        .await,
    );
    let mut seen: Vec<(Value, String, String)> = changed
        .iter()
        .map(|r| {
            (
                r["id"].clone(),
                r["retracted"].as_str().unwrap_or("").to_owned(),
                r["revision"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    seen.sort_by_key(|(id, _, _)| id.to_string());
    let mut expected = vec![
        (a, "false".to_owned(), "2".to_owned()),
        (
            b,
            "true".to_owned(),
            rows[20]["revision"].as_str().unwrap_or("").to_owned(),
        ),
    ];
    expected.sort_by_key(|(id, _, _)| id.to_string());
    assert_eq!(seen, expected);
}

fn urlencode(text: &str) -> String {
    text.replace('+', "%2B").replace(':', "%3A")
}

#[tokio::test]
async fn oembed_answers_for_story_pages_and_widgets_here_and_404_for_anything_else() {
    let app = spawn_app().await;
    let base = app.url("");
    let base = base.trim_end_matches('/');
    let ask = |url: String, extra: &'static [(&'static str, &'static str)]| {
        let app = &app;
        async move {
            app.client
                .get(app.url("/oembed"))
                .query(&[("url", url.as_str())])
                .query(extra)
                .send()
                .await
                .expect("sent")
        }
    };
    let story = ask(
        format!("{base}/stories/chicago-2025"),
        &[("maxwidth", "500")],
    )
    .await;
    assert_eq!(story.status(), 200);
    assert!(
        story.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("application/json")
    );
    let answer: Value = story.json().await.expect("JSON");
    assert_eq!(answer["version"], "1.0");
    assert_eq!(answer["type"], "rich");
    assert_eq!(answer["provider_name"], "Standoff");
    assert_eq!(answer["width"], 500, "maxwidth is honoured");
    assert_eq!(answer["title"], "Chicago vs. the White House, 2025");
    let html = answer["html"].as_str().expect("html");
    assert!(
        html.contains(&format!(
            "<iframe src=\"{base}/embed/timeline?stories=chicago-2025\""
        )),
        "{html}"
    );
    assert!(html.contains(&format!("<script src=\"{base}/embed.js\" async>")));

    let widget = ask(
        format!("{base}/embed/timeline?stories=chicago-2025&sides=LOCAL"),
        &[],
    )
    .await;
    let answer: Value = widget.json().await.expect("JSON");
    assert!(
        answer["html"]
            .as_str()
            .expect("html")
            .contains("stories=chicago-2025&amp;sides=LOCAL"),
        "{answer}"
    );

    for other in [
        "https://elsewhere.example/stories/chicago-2025".to_owned(),
        format!("{base}/stories/no-such-story"),
        format!("{base}/feed.atom"),
        "not a url".to_owned(),
    ] {
        let response = ask(other.clone(), &[]).await;
        assert_eq!(response.status(), 404, "{other}");
        let body: Value = response.json().await.expect("JSON error");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "NOT_FOUND",
            "{other}"
        );
    }
    assert_eq!(
        ask(format!("{base}/stories/chicago-2025"), &[("format", "xml")])
            .await
            .status(),
        501
    );
    assert_eq!(app.get("/oembed").await.status(), 400, "url is required");

    // Both pages say where to ask.
    for page in [
        "/stories/chicago-2025",
        "/embed/timeline?stories=chicago-2025",
    ] {
        let html = app.get_text(page).await;
        assert!(
            html.contains("<link rel=\"alternate\" type=\"application/json+oembed\" href=\""),
            "{page}"
        );
    }
    let sizer = app.get("/embed.js").await;
    assert_eq!(sizer.status(), 200);
    assert!(sizer.text().await.expect("script").contains("xPYMx"));
}

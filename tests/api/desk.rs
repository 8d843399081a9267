//! What the desk needs of the API and the service: its page under a strict policy, a date read
//! as the editor types, sources to pick from, and errors that name their field.

use crate::helpers::spawn_app;
use serde_json::json;

#[tokio::test]
async fn the_desk_is_served_with_its_words_under_a_strict_policy() {
    let app = spawn_app().await;
    let response = app.get("/desk").await;
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    let policy = headers["content-security-policy"].to_str().expect("policy");
    assert!(policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"));
    assert_eq!(headers["cache-control"], "no-store");
    let page = response.text().await.expect("text");
    let data = page
        .split("<script type=\"application/json\" id=\"desk-data\">")
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .expect("a data block");
    let data: serde_json::Value = serde_json::from_str(data).expect("JSON");
    assert_eq!(data["intensities"]["THREATEN"], -5.1);
    assert_eq!(
        data["words"]["statuses"]["REPORTED"],
        "Reported, unconfirmed"
    );
    assert_eq!(data["words"]["actorKinds"]["AGENCY"], "Agency");
    assert!(!page.contains("<script>"), "no inline script");
    for asset in ["/desk/desk.js", "/desk/desk.css"] {
        assert_eq!(app.get(asset).await.status(), 200, "{asset}");
    }
}

#[tokio::test]
async fn check_date_reads_a_date_as_every_date_input_does() {
    let app = spawn_app().await;
    let query = "query($t: String!) { checkDate(text: $t) { edtf precision occurredAt occurredUntil displayDate } }";
    let month = app.query(query, json!({ "t": "2025-08" })).await;
    assert_eq!(
        month["checkDate"],
        json!({ "edtf": "2025-08", "precision": "MONTH", "occurredAt": "2025-08-01T00:00:00+00:00",
                "occurredUntil": "2025-08-31T23:59:59+00:00", "displayDate": "August 2025" })
    );
    let open = app.query(query, json!({ "t": "../2025-08" })).await;
    assert_eq!(open["checkDate"]["displayDate"], "by August 2025");
    let instant = app
        .query(query, json!({ "t": "2025-10-04T15:30:00-05:00" }))
        .await;
    assert_eq!(instant["checkDate"]["precision"], "MINUTE");
    assert_eq!(
        app.error_code(query, json!({ "t": "next Tuesday" })).await,
        "BAD_USER_INPUT"
    );
}

#[tokio::test]
async fn sources_are_listed_newest_first_and_searched_by_title_or_publisher() {
    let app = spawn_app().await;
    let editor = app.editor("desk").await;
    let add = "mutation($i: AddSourceInput!) { addSource(input: $i) { id } }";
    for (title, publisher) in [
        ("Memo on patrols", Some("City of Chicago")),
        ("Guard orders", Some("Illinois National Guard")),
        ("100% of agencies", None),
    ] {
        app.write(
            &editor,
            add,
            json!({ "i": { "title": title, "publisher": publisher } }),
        )
        .await;
    }
    let list = "query($s: String, $a: String) { sources(search: $s, first: 2, after: $a) {
        totalCount pageInfo { hasNextPage endCursor } nodes { title } } }";
    // Editors see every source (readers only those published actions cite).
    let first = app.write(&editor, list, json!({})).await;
    assert_eq!(
        first["sources"]["totalCount"], 4,
        "the seeded article and three more"
    );
    assert_eq!(
        first["sources"]["nodes"],
        json!([{ "title": "100% of agencies" }, { "title": "Guard orders" }])
    );
    let after = first["sources"]["pageInfo"]["endCursor"].clone();
    let second = app.write(&editor, list, json!({ "a": after })).await;
    assert_eq!(second["sources"]["nodes"][0]["title"], "Memo on patrols");
    let by_publisher = app.write(&editor, list, json!({ "s": "chicago" })).await;
    let titles = by_publisher["sources"]["nodes"].to_string();
    assert!(titles.contains("Memo on patrols"), "{titles}");
    assert!(!titles.contains("Guard orders"));
    // A wildcard is a character like any other.
    let percent = app.write(&editor, list, json!({ "s": "100%" })).await;
    assert_eq!(percent["sources"]["totalCount"], 1);
    assert_eq!(
        app.error_code(list, json!({ "s": "x".repeat(201) })).await,
        "LIMIT_EXCEEDED"
    );
}

#[tokio::test]
async fn a_bad_field_is_named_so_the_desk_shows_the_error_beside_it() {
    let app = spawn_app().await;
    let editor = app.editor("desk").await;
    let record = "mutation($input: RecordActionInput!) { recordAction(input: $input) { id } }";
    let input = json!({ "input": {
        "actor": "white-house", "kind": "STATEMENT", "occurredAt": "2025-09-01",
        "title": "   ", "citations": [{ "sourceId": app.source_id().await }] } });
    let body = app.post_with(Some(&editor), record, input).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "title");
    let add = "mutation { addSource(input: { title: \"A\", url: \"ftp://example.org\" }) { id } }";
    let body = app.post_with(Some(&editor), add, json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "url");
}

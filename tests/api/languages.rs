//! Reader-facing text in words, in English and Spanish: the feed, TimelineJS and the chart take
//! `lang=en|es` (else the story's language) and never show an API enum name to a reader.

use crate::helpers::{TestApp, spawn_app};
use serde_json::{Value, json};

/// Every upper-case enum name a reader must never see in running text.
const ENUM_NAMES: [&str; 12] = [
    "FEDERAL",
    "STATE",
    "LOCAL",
    "CARRIED_OUT",
    "THREATENED",
    "REPORTED",
    "DEFIES",
    "CRITICIZES",
    "ESCALATES",
    "STATEMENT",
    "DEPLOYMENT",
    "MOBILIZE",
];

fn assert_no_enum_names(what: &str, text: &str) {
    for name in ENUM_NAMES {
        assert!(!text.contains(name), "{what} shows {name}: {text}");
    }
}

async fn json_of(app: &TestApp, path: &str) -> Value {
    let response = app.get(path).await;
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.expect("json")
}

#[tokio::test]
async fn timelinejs_speaks_spanish_when_asked_and_never_shows_enum_names() {
    let app = spawn_app().await;
    for (lang, federal, defies, by) in [
        ("en", "Federal", "Defies", "by August 2025"),
        ("es", "Federal", "Desafía", "agosto de 2025 o antes"),
    ] {
        let doc = json_of(
            &app,
            &format!("/export/timelinejs.json?stories=chicago-2025&lang={lang}"),
        )
        .await;
        let events = doc["events"].as_array().expect("events");
        let texts: Vec<String> = events
            .iter()
            .map(|e| e["text"]["text"].to_string())
            .collect();
        assert_no_enum_names(lang, &texts.join(" "));
        assert!(
            events.iter().any(|e| e["group"] == federal),
            "{lang}: sides in words"
        );
        assert!(
            texts.iter().any(|t| t.contains(defies)),
            "{lang}: stances in words"
        );
        assert_eq!(
            events[0]["start_date"]["display_date"], by,
            "{lang}: dates in words"
        );
    }
    let es = json_of(&app, "/export/timelinejs.json?stories=chicago-2025&lang=es").await;
    let texts = es["events"].to_string();
    assert!(texts.contains("Amenaza"), "a threat says so in Spanish");
    assert!(
        texts.contains("Informada, sin confirmar"),
        "a report says it is unconfirmed"
    );
    assert!(texts.contains("Fuente:"), "sources are credited in Spanish");
    assert!(
        es["title"]["text"]["text"]
            .to_string()
            .contains("11 acciones")
    );

    let refused = app.get("/export/timelinejs.json?lang=fr").await;
    assert_eq!(refused.status(), 400);
    let body: Value = refused.json().await.expect("json");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
}

#[tokio::test]
async fn a_story_in_spanish_speaks_spanish_unless_asked_otherwise() {
    let app = spawn_app().await;
    let editor = app.admin("desk").await;
    app.write(
        &editor,
        r#"mutation { createStory(input: { slug: "cicero-2025", title: "Cicero y el estado",
            timeZone: "America/Chicago", locale: "es-US" }) { slug } }"#,
        json!({}),
    )
    .await;
    let source = app.source_id().await;
    app.write(
        &editor,
        r#"mutation($input: RecordActionInput!) { recordAction(input: $input) { id } }"#,
        json!({ "input": {
            "actor": "jb-pritzker", "kind": "STATEMENT", "category": "ACCUSE",
            "occurredAt": "2025-09-10T16:45:00Z", "precision": "MINUTE",
            "stories": ["cicero-2025"], "title": "Una declaración",
            "citations": [{ "sourceId": source }] } }),
    )
    .await;
    let doc = json_of(&app, "/export/timelinejs.json?stories=cicero-2025").await;
    let shown = doc["events"][0]["start_date"]["display_date"]
        .as_str()
        .expect("date");
    assert_eq!(
        shown, "10 sep 2025, 11:45 CDT",
        "Spanish months, the story's zone"
    );
    assert_eq!(doc["events"][0]["group"], "Estatal");
    let english = json_of(&app, "/export/timelinejs.json?stories=cicero-2025&lang=en").await;
    assert_eq!(english["events"][0]["group"], "State");

    let feed = app.get_text("/feed.atom?stories=cicero-2025").await;
    let parsed = atom_syndication::Feed::read_from(feed.as_bytes()).expect("atom");
    assert_eq!(parsed.lang(), Some("es"));
    assert!(
        parsed
            .title()
            .as_str()
            .contains("acciones nuevas y corregidas")
    );
    let entry = parsed.entries().first().expect("an entry");
    let labels: Vec<(&str, Option<&str>)> = entry
        .categories()
        .iter()
        .map(|c| (c.term(), c.label()))
        .collect();
    assert!(labels.contains(&("STATE", Some("Estatal"))), "{labels:?}");
    assert!(
        labels.contains(&("STATEMENT", Some("Declaración"))),
        "{labels:?}"
    );
    assert!(labels.contains(&("ACCUSE", Some("Acusar"))), "{labels:?}");
    let content = entry.content().and_then(|c| c.value()).expect("content");
    assert_no_enum_names("feed entry", content);
    assert!(content.contains("Estatal"), "{content}");
}

#[tokio::test]
async fn the_chart_speaks_the_language_asked_for() {
    let app = spawn_app().await;
    let svg = app
        .get_text("/charts/escalation.svg?stories=chicago-2025&lang=es")
        .await;
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    let texts: Vec<&str> = doc.descendants().filter_map(|n| n.text()).collect();
    let all = texts.join(" ");
    assert!(
        texts.contains(&"Chicago vs. the White House, 2025: escalada por bando, por mes"),
        "{all}"
    );
    assert!(all.contains("Suma de intensidad"), "{all}");
    assert!(all.contains("Tiempo (mes)"), "{all}");
    assert!(all.contains("Estatal"), "{all}");
    assert!(
        all.contains("Fuente: Standoff, Chicago vs. the White House, 2025,"),
        "{all}"
    );
    assert!(all.contains("Tabla de datos"), "{all}");
    assert!(all.contains("ago 2025"), "Spanish month labels: {all}");
    assert_no_enum_names("chart text", &all);
    assert_eq!(doc.root_element().attribute("lang"), Some("es"));
}

#[tokio::test]
async fn a_story_page_speaks_spanish_on_request_and_ignores_tracking_parameters() {
    let app = spawn_app().await;
    let english = app.get_text("/stories/chicago-2025").await;
    assert!(english.starts_with("<!DOCTYPE html><html lang=\"en\">"));
    assert!(english.contains("What happened, in time order"));
    assert!(english.contains("href=\"?lang=es\" hreflang=\"es\" lang=\"es\">En español</a>"));
    let page = app
        .get("/stories/chicago-2025?lang=es&utm_source=newsletter")
        .await;
    assert_eq!(page.status(), 200, "a reader's page never refuses a link");
    let page = page.text().await.expect("text");
    assert!(page.starts_with("<!DOCTYPE html><html lang=\"es\">"));
    for words in [
        "Una cronología con fuentes",
        "Qué pasó, en orden cronológico",
        "Cómo escaló cada bando",
        "11 acciones, agosto de 2025 o antes.",
        "Estatal",
        "Desafía",
        "Fuentes",
        "Inserte esta cronología",
        "Cronología con fuentes de Standoff.",
        "In English",
    ] {
        assert!(page.contains(words), "{words}");
    }
    assert!(page.contains("/charts/escalation.svg?stories=chicago-2025&amp;lang=es"));
    let body = page
        .split("<body>")
        .nth(1)
        .and_then(|b| b.split("<script").next())
        .expect("body");
    // The words between the tags: class names may carry codes, text may not.
    let text: String = body
        .split('<')
        .filter_map(|part| part.split_once('>').map(|(_, text)| text))
        .collect::<Vec<_>>()
        .join(" ");
    assert_no_enum_names("the Spanish story page", &text);
    assert!(text.contains("Amenaza"), "a threat says so");
}

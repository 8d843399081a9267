//! `/feed.atom`: recorded and corrected actions as an Atom 1.0 feed, and retracted ones as
//! RFC 6721 tombstones, so a feed reader removes the entry and can say why.

use super::{Scope, action_html, api_name, base_url, escape, scope};
use crate::error::ApiError;
use crate::http::AppState;
use crate::schema::id::{NodeType, encode};
use atom_syndication::extension::{Extension, ExtensionMap};
use atom_syndication::{Category, Content, Entry, Feed, FixedDateTime, Link, Person, Text};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;
use standoff_core::export::{self, ExportedAction};
use standoff_core::words::Phrase;
use std::collections::BTreeMap;

/// An entry id that stays the same for an action forever, whatever host serves it.
fn entry_id(action_id: i64) -> String {
    format!("tag:standoff.invalid,2025:action:{action_id}")
}

fn fixed(at: chrono::DateTime<chrono::Utc>) -> FixedDateTime {
    at.fixed_offset()
}

fn entry(item: &ExportedAction, base: &str, scope: &Scope) -> Entry {
    let a = &item.action;
    let gid = encode(NodeType::Action, a.id).0;
    let lang = scope.lang;
    let mut title = a.title.clone();
    // Corrected as readers know it: edits before publication are not corrections to them.
    if !item.corrections.is_empty() {
        title = format!("{title} {}", lang.phrase(Phrase::CorrectedSuffix));
    }
    let html = format!(
        "<p>{}</p>{}",
        escape(&scope.date(a)),
        action_html(item, scope)
    );
    let mut content = Content::default();
    content.set_content_type("html".to_owned());
    content.set_value(html);
    let mut link = Link::default();
    link.set_href(format!("{base}/embed/timeline#action-{gid}"));
    link.set_rel("alternate");
    // Terms stay the API's codes, which feed filters match on; labels are for readers.
    let mut categories = vec![
        (api_name(&item.actor.side), lang.side(item.actor.side)),
        (api_name(&a.kind), lang.kind(a.kind)),
        (api_name(&a.status), lang.status(a.status)),
    ];
    if let Some(category) = a.category {
        categories.push((api_name(&category), lang.category(category)));
    }
    let categories = categories
        .into_iter()
        .map(|(term, label)| {
            let mut c = Category::default();
            c.set_term(term);
            c.set_label(Some(label.to_owned()));
            c
        })
        .collect::<Vec<_>>();
    let mut entry = Entry::default();
    entry.set_id(entry_id(a.id));
    entry.set_title(Text::plain(title));
    entry.set_updated(fixed(a.updated_at));
    entry.set_published(Some(fixed(a.created_at)));
    entry.set_content(Some(content));
    entry.set_links(vec![link]);
    entry.set_categories(categories);
    entry
}

/// The namespace of RFC 6721's deleted-entry element.
const TOMBSTONES: &str = "http://purl.org/atompub/tombstones/1.0";

/// An RFC 6721 tombstone for a retracted action: the entry's id, when, and the reason.
fn tombstone(item: &ExportedAction, base: &str, scope: &Scope) -> Extension {
    let a = &item.action;
    let when = item.retraction.as_ref().map_or(a.updated_at, |r| r.at);
    let reason = item
        .retraction
        .as_ref()
        .and_then(|r| r.note.clone())
        .unwrap_or_default();
    let gid = encode(NodeType::Action, a.id).0;
    let link = Extension {
        name: "link".into(),
        attrs: BTreeMap::from([
            ("rel".to_owned(), "alternate".to_owned()),
            (
                "href".to_owned(),
                format!("{base}/embed/timeline#action-{gid}"),
            ),
        ]),
        ..Extension::default()
    };
    let comment = Extension {
        name: "at:comment".into(),
        value: Some(scope.lang.fill(
            Phrase::Tombstone,
            &[("reason", &reason), ("title", &a.title)],
        )),
        ..Extension::default()
    };
    Extension {
        name: "at:deleted-entry".into(),
        attrs: BTreeMap::from([
            ("ref".to_owned(), entry_id(a.id)),
            ("when".to_owned(), fixed(when).to_rfc3339()),
        ]),
        children: BTreeMap::from([
            ("comment".to_owned(), vec![comment]),
            ("link".to_owned(), vec![link]),
        ]),
        ..Extension::default()
    }
}

/// The 50 most recently changed actions matching the filter parameters, newest first.
pub async fn feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<impl IntoResponse, ApiError> {
    let scope = scope(&state.db, &state.filter_cache, query.as_deref()).await?;
    let items = export::recently_changed(&state.db, &scope.filter, scope.params.limit).await?;
    let base = base_url(&headers);
    let updated = items
        .iter()
        .map(|i| i.action.updated_at)
        .max()
        .unwrap_or_else(chrono::Utc::now);
    let mut author = Person::default();
    author.set_name("Standoff");
    let mut self_link = Link::default();
    self_link.set_href(format!(
        "{base}/feed.atom{}",
        query.map(|q| format!("?{q}")).unwrap_or_default()
    ));
    self_link.set_rel("self");
    let mut feed = Feed::default();
    feed.set_id("tag:standoff.invalid,2025:feed");
    feed.set_title(Text::plain(scope.title(Phrase::FeedTitle)));
    feed.set_lang(Some(scope.lang.code().to_owned()));
    feed.set_updated(fixed(updated));
    feed.set_authors(vec![author]);
    feed.set_links(vec![self_link]);
    let (retracted, standing): (Vec<_>, Vec<_>) = items.iter().partition(|i| i.action.retracted);
    feed.set_entries(
        standing
            .into_iter()
            .map(|i| entry(i, &base, &scope))
            .collect::<Vec<_>>(),
    );
    if !retracted.is_empty() {
        let mut extensions = ExtensionMap::new();
        extensions.insert(
            "at".to_owned(),
            BTreeMap::from([(
                "deleted-entry".to_owned(),
                retracted
                    .iter()
                    .map(|i| tombstone(i, &base, &scope))
                    .collect(),
            )]),
        );
        feed.set_extensions(extensions);
        feed.set_namespaces(BTreeMap::from([("at".to_owned(), TOMBSTONES.to_owned())]));
    }
    Ok((
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        feed.to_string(),
    ))
}

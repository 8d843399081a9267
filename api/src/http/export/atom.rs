//! `/feed.atom`: recorded, corrected and retracted actions as an Atom 1.0 feed.

use super::{Scope, action_html, api_name, base_url, escape, scope};
use crate::error::ApiError;
use crate::http::AppState;
use crate::schema::id::{NodeType, encode};
use atom_syndication::{Category, Content, Entry, Feed, FixedDateTime, Link, Person, Text};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;
use standoff_core::export::{self, ExportedAction};

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
    let mut title = a.title.clone();
    if a.retracted {
        title = format!("[Retracted] {title}");
    } else if a.revision > 1 {
        title = format!("{title} (corrected)");
    }
    let html = format!("<p>{}</p>{}", escape(&scope.date(a)), action_html(item));
    let mut content = Content::default();
    content.set_content_type("html".to_owned());
    content.set_value(html);
    let mut link = Link::default();
    link.set_href(format!("{base}/embed/timeline#action-{gid}"));
    link.set_rel("alternate");
    let categories = [api_name(&item.actor.side), api_name(&a.kind)]
        .into_iter()
        .map(|term| {
            let mut c = Category::default();
            c.set_term(term);
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
    feed.set_title(Text::plain(scope.title("new and corrected actions")));
    feed.set_updated(fixed(updated));
    feed.set_authors(vec![author]);
    feed.set_links(vec![self_link]);
    feed.set_entries(
        items
            .iter()
            .map(|i| entry(i, &base, &scope))
            .collect::<Vec<_>>(),
    );
    Ok((
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        feed.to_string(),
    ))
}

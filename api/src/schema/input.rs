//! GraphQL input types.

use super::enums::{ActionKind, ActionStatus, Category, Side};
use crate::error::CoreResultExt;
use crate::schema::when::When;
use async_graphql::InputObject;
use standoff_core::filter::FilterCache;
use standoff_core::filter::{ActionFilter, ResolvedFilter};

/// Which actions to show; every field narrows, and an absent field lets everything through.
#[derive(InputObject, Default, Debug)]
pub struct TimelineFilter {
    /// Actor slugs: an action matches when one of them acted (or is a target, with `involving`).
    pub actors: Option<Vec<String>>,
    /// Story slugs: an action matches when it belongs to one of them; none means every story.
    pub stories: Option<Vec<String>>,
    /// With `actors`, also match actions aimed at one of them.
    #[graphql(default_with = "Some(false)")]
    pub involving: Option<bool>,
    /// Sides of the acting actor.
    pub sides: Option<Vec<Side>>,
    /// Kinds of action.
    pub kinds: Option<Vec<ActionKind>>,
    /// PLOVER categories.
    pub categories: Option<Vec<Category>>,
    /// Statuses.
    pub statuses: Option<Vec<ActionStatus>>,
    /// Actions that may have happened on or after this date ("2025-08": from 1 August).
    pub from: Option<When>,
    /// Actions that may have happened on or before this date ("2025-08": to 31 August).
    pub to: Option<When>,
    /// Case-insensitive text to find in the title, summary or quote.
    pub text: Option<String>,
    /// Include retracted actions, which are hidden by default.
    #[graphql(default_with = "Some(false)")]
    pub include_retracted: Option<bool>,
}

fn mapped<A, B: From<A>>(list: Option<Vec<A>>) -> Vec<B> {
    list.unwrap_or_default().into_iter().map(B::from).collect()
}

impl TimelineFilter {
    /// Checks an optional filter argument and looks its slugs up, in the view of the
    /// operation's viewer: every read through a filter shows editors drafts and readers none.
    pub async fn resolve(
        filter: Option<Self>,
        ctx: &async_graphql::Context<'_>,
    ) -> async_graphql::Result<ResolvedFilter> {
        let db = super::object::database(ctx);
        let known = ctx.data_unchecked::<FilterCache>();
        filter
            .unwrap_or_default()
            .into_service()
            .resolve(db, known)
            .await
            .gql()
            .map(|filter| filter.seen_by(super::viewer::visibility(ctx)))
    }

    /// The service layer's form of the filter.
    pub fn into_service(self) -> ActionFilter {
        ActionFilter {
            actors: self.actors.unwrap_or_default(),
            involving: self.involving.unwrap_or(false),
            stories: self.stories.unwrap_or_default(),
            sides: mapped(self.sides),
            kinds: mapped(self.kinds),
            categories: mapped(self.categories),
            statuses: mapped(self.statuses),
            from: self.from.as_ref().map(When::earliest),
            to: self.to.as_ref().map(When::latest),
            text: self.text,
            include_retracted: self.include_retracted.unwrap_or(false),
        }
    }
}

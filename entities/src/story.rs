//! `story`: one feud as a newsroom covers it.

use sea_orm::entity::prelude::*;

/// One story, with its own timeline, widget, feed and chart.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "story")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub slug: String,
    pub title: String,
    pub summary: Option<String>,
    /// An IANA time zone name, such as `America/Chicago`: how its dates are shown.
    pub time_zone: String,
    /// A BCP 47 language tag, such as `en-US`: its default language.
    pub locale: String,
    /// Whether an action needs a second editor's approval before it is published.
    pub review_required: bool,
    /// Its periods as a JSON list of `{"label", "edtf"}`, written and read by the core.
    pub periods: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

//! `action`: one dated thing an actor did.

use crate::enums::{ActionKind, ActionStatus, Category, DatePrecision, Publication};
use sea_orm::entity::prelude::*;

/// One action on the timeline.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "action")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// A stable key given by an importer (the seed file), so loading twice finds the same row.
    #[sea_orm(unique)]
    pub key: Option<String>,
    pub actor_id: i64,
    pub kind: ActionKind,
    pub category: Option<Category>,
    pub status: ActionStatus,
    /// The earliest instant the date allows.
    pub occurred_at: DateTimeUtc,
    pub precision: DatePrecision,
    /// The latest instant the date allows, inclusive (unset only on rows from before intervals,
    /// until the core fills it in).
    pub occurred_until: Option<DateTimeUtc>,
    /// The date in EDTF as recorded (unset like `occurred_until`).
    pub date_edtf: Option<String>,
    /// How the source words the date.
    pub date_text: Option<String>,
    /// The timeline's order: after everything this action answers; see `standoff_core::order`.
    pub order_key: i64,
    pub reported_at: Option<DateTimeUtc>,
    pub title: String,
    pub summary: Option<String>,
    pub quote: Option<String>,
    pub place: Option<String>,
    pub magnitude: Option<i64>,
    pub intensity: f64,
    pub intensity_reason: Option<String>,
    pub revision: i32,
    pub retracted: bool,
    /// Whether readers see it: only a published action is public.
    pub publication: Publication,
    /// When a scheduled action is published, or when a published one was.
    pub publish_at: Option<DateTimeUtc>,
    /// The token name that recorded it (unset on rows from before drafts).
    pub recorded_by: Option<String>,
    /// The token name that approved it for publication, while it is approved.
    pub approved_by: Option<String>,
    /// The token name that published or scheduled it.
    pub published_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "actor_id", to = "id")]
    pub actor: BelongsTo<super::actor::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}

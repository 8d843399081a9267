//! `citation`: where an action's evidence is.

use sea_orm::entity::prelude::*;

/// One action citing one source, with the passage that supports it.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "citation")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub action_id: i64,
    pub source_id: i64,
    pub excerpt: Option<String>,
    #[sea_orm(belongs_to, from = "action_id", to = "id")]
    pub action: BelongsTo<super::action::Entity>,
    #[sea_orm(belongs_to, from = "source_id", to = "id")]
    pub source: BelongsTo<super::source::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}

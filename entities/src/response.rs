//! `response`: an edge from a later action to the earlier action it answers.

use crate::enums::Stance;
use sea_orm::entity::prelude::*;

/// `action_id` answers `responds_to_id`; one row per pair.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "response")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub action_id: i64,
    pub responds_to_id: i64,
    pub stance: Stance,
    pub created_at: DateTimeUtc,
    #[sea_orm(belongs_to, relation_enum = "Answer", from = "action_id", to = "id")]
    pub action: BelongsTo<super::action::Entity>,
    #[sea_orm(
        belongs_to,
        relation_enum = "Answered",
        from = "responds_to_id",
        to = "id"
    )]
    pub responds_to: BelongsTo<super::action::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}

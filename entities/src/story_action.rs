//! `story_action`: which actions belong to which stories (an action may be in several).

use sea_orm::entity::prelude::*;

/// One (story, action) membership.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "story_action")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub story_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub action_id: i64,
    #[sea_orm(belongs_to, from = "story_id", to = "id")]
    pub story: BelongsTo<super::story::Entity>,
    #[sea_orm(belongs_to, from = "action_id", to = "id")]
    pub action: BelongsTo<super::action::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}

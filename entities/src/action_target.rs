//! `action_target`: the actors an action is aimed at.

use sea_orm::entity::prelude::*;

/// One (action, target actor) pair.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "action_target")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub action_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub actor_id: i64,
    #[sea_orm(belongs_to, from = "action_id", to = "id")]
    pub action: BelongsTo<super::action::Entity>,
    #[sea_orm(belongs_to, from = "actor_id", to = "id")]
    pub actor: BelongsTo<super::actor::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}

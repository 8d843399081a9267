//! sea-orm entities for Standoff's tables, one module per table, in sea-orm 2's dense format.
//!
//! Entities stay plain: no GraphQL here. The API maps these models into its own objects.

// The columns are documented by the migration and domain.md; the model macros add items of
// their own that cannot carry docs.
#![expect(
    missing_docs,
    reason = "sea-orm's model macros generate undocumented items"
)]

pub mod action;
pub mod action_target;
pub mod actor;
pub mod api_token;
pub mod change;
pub mod citation;
pub mod enums;
pub mod response;
pub mod source;
pub mod story;
pub mod story_action;

pub use enums::{
    ActionKind, ActionStatus, ActorKind, Category, ChangeKind, DatePrecision, Publication, Role,
    Side, Stance,
};

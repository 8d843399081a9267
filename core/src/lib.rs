//! Standoff's core: every query and write, the input checks, the change log and the follower
//! behind live subscriptions. It knows sea-orm and the domain, never GraphQL or HTTP; the API,
//! the story loader and the benchmarks all go through it, so each domain rule lives here once.

pub mod change_log;
pub mod changes;
pub mod check;
pub mod cursor;
pub mod date;
pub mod db;
mod error;
pub mod escalation;
pub mod events;
pub mod export;
pub mod feed;
pub mod filter;
pub mod follow;
pub mod joined;
pub mod lookup;
pub mod maintenance;
pub mod order;
pub mod page;
pub mod people;
pub mod pruned;
pub mod public_id;
pub mod schedule;
pub mod sources;
pub mod stories;
pub mod thread;
pub mod timeline;
pub mod tokens;
pub mod visibility;
pub mod words;
pub mod write;

pub use error::{CoreError, CoreResult};

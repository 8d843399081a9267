//! The service layer: every query and transaction Standoff runs. It knows sea-orm and the
//! domain, never GraphQL or HTTP.

pub mod changes;
pub mod cursor;
mod error;
pub mod escalation;
pub mod events;
pub mod export;
pub mod feed;
pub mod filter;
pub mod lookup;
pub mod page;
pub mod people;
pub mod tail;
pub mod thread;
pub mod timeline;
pub mod tokens;
pub mod write;

pub use error::{ServiceError, ServiceResult};

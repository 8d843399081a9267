//! Standoff's API: the GraphQL schema and the HTTP app, thin over `standoff-core`, which owns
//! every query, write and check.

pub mod config;
pub mod error;
pub mod http;
pub mod metrics;
pub mod schema;
mod serve;
pub mod startup;

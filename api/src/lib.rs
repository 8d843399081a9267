//! Standoff's API: the service layer that owns every query, the GraphQL schema over it, and the
//! HTTP app that serves both.

pub mod config;
pub mod db;
pub mod http;
pub mod metrics;
pub mod schema;
pub mod service;
pub mod startup;

//! Integration tests: each spawns the real app on 127.0.0.1:0 against a fresh SQLite file and
//! speaks HTTP to it. One binary, one module per feature, so the stack links once.

mod attacks;
mod backups;
mod caching;
mod chart;
mod cli;
mod close_codes;
mod contract;
mod corrections;
mod desk;
mod errors;
mod escalation;
mod exports;
mod filters;
mod first_request;
mod half_open;
mod helpers;
mod http;
mod languages;
mod limits;
mod memory;
mod migrations;
mod ops;
mod order;
mod paging;
mod periods;
#[expect(dead_code, reason = "shared with tests/postgres, which uses the rest")]
mod process;
mod production;
mod pruning;
mod publication;
mod schema;
mod seeds;
mod slow_clients;
mod sse;
mod statements;
mod stories;
mod story;
mod subscriptions;
mod writes;
mod ws;

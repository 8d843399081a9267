//! Scale-out on PostgreSQL: several `standoff serve` processes on one database. These tests
//! stop and start the PostgreSQL server, so they run one at a time (`--test-threads=1`) and
//! need root, as CI has. `STANDOFF_TEST_POSTGRES` must name the server; without it they fail.

#[path = "../api/helpers.rs"]
#[allow(dead_code, reason = "shared with tests/api")]
mod helpers;
#[path = "../api/process.rs"]
#[allow(dead_code, reason = "shared with tests/api")]
mod process;
#[path = "../api/ws.rs"]
#[allow(dead_code, reason = "shared with tests/api")]
mod ws;

mod instances;
mod outage;
mod scale_out;
mod scheduling;

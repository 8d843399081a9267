//! Typed configuration, from flags and environment variables.

use std::net::SocketAddr;

pub use standoff_core::db::DatabaseSettings;

use crate::schema::limits;

/// Each setting's default, stated once: the flags and `ServerSettings::default` both use them
/// (the query limits' defaults live beside the limits, in `schema::limits`).
pub mod defaults {
    use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};

    /// Where the server listens.
    pub const BIND: SocketAddr = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 8000));
    /// Largest request body, in bytes.
    pub const MAX_BODY_BYTES: usize = 1024 * 1024;
    /// Seconds a WebSocket client has to send `connection_init`.
    pub const WS_INIT_TIMEOUT_SECS: u64 = 10;
    /// Seconds between WebSocket pings.
    pub const WS_PING_SECS: u64 = 15;
    /// Seconds a GraphQL request may run.
    pub const REQUEST_TIMEOUT_SECS: u64 = 10;
    /// Requests per second one client may make, sustained.
    pub const RATE_LIMIT_PER_SECOND: u32 = 50;
    /// Requests one client may make in a burst.
    pub const RATE_LIMIT_BURST: u32 = 500;
    /// Seconds a client has to send headers, then the body.
    pub const SLOW_CLIENT_TIMEOUT_SECS: u64 = 10;
    /// WebSockets one client address may hold.
    pub const MAX_SOCKETS_PER_CLIENT: usize = 50;
    /// Operations one WebSocket may run at once.
    pub const MAX_SUBSCRIPTIONS_PER_CONNECTION: usize = 20;
    /// Answers a live subscriber may fall behind the others asking the same question.
    pub const SUBSCRIPTION_BACKLOG: usize = 1024;
    /// Proxies that append to `X-Forwarded-For`, when it is trusted.
    pub const TRUSTED_PROXIES: usize = 1;
    /// Statements one request may run at once.
    pub const STATEMENTS_PER_REQUEST: usize = 3;
    /// Seconds shutdown waits for requests in flight.
    pub const SHUTDOWN_GRACE_SECS: u64 = 30;
    /// Bytes of answers an instance keeps for readers.
    pub const RESPONSE_CACHE_BYTES: u64 = 64 * 1024 * 1024;
    /// Seconds a shared cache (a CDN, nginx) may serve an answer without asking again.
    pub const CACHE_MAX_AGE_SECS: u64 = 2;
    /// Seconds it may go on serving it while it asks again.
    pub const CACHE_STALE_WHILE_REVALIDATE_SECS: u64 = 30;
}

/// How the HTTP server runs.
#[derive(clap::Args, Debug, Clone)]
pub struct ServerSettings {
    /// Address and port to listen on.
    #[arg(long, env = "STANDOFF_BIND", default_value_t = defaults::BIND)]
    pub bind: SocketAddr,
    /// Largest request body accepted, in bytes; larger ones get 413.
    #[arg(long, env = "STANDOFF_MAX_BODY_BYTES", default_value_t = defaults::MAX_BODY_BYTES)]
    pub max_body_bytes: usize,
    /// Leave an empty database empty instead of loading the bundled Chicago story.
    #[arg(long, env = "STANDOFF_NO_SEED")]
    pub no_seed: bool,
    /// Seconds a WebSocket client has to send `connection_init` before it is closed (4408).
    #[arg(long, env = "STANDOFF_WS_INIT_TIMEOUT_SECS", default_value_t = defaults::WS_INIT_TIMEOUT_SECS)]
    pub ws_init_timeout_secs: u64,
    /// Seconds between the server's WebSocket pings; a peer silent for three is dropped.
    #[arg(long, env = "STANDOFF_WS_PING_SECS", default_value_t = defaults::WS_PING_SECS)]
    pub ws_ping_secs: u64,
    /// Deepest nesting of selections a query may have.
    #[arg(long, env = "STANDOFF_MAX_DEPTH", default_value_t = limits::DEFAULT_MAX_DEPTH)]
    pub max_depth: usize,
    /// Highest query complexity: one per field, times the page size inside a connection.
    #[arg(long, env = "STANDOFF_MAX_COMPLEXITY", default_value_t = limits::DEFAULT_MAX_COMPLEXITY)]
    pub max_complexity: usize,
    /// Most aliases in one query.
    #[arg(long, env = "STANDOFF_MAX_ALIASES", default_value_t = limits::DEFAULT_MAX_ALIASES)]
    pub max_aliases: usize,
    /// Most directives in one query.
    #[arg(long, env = "STANDOFF_MAX_DIRECTIVES", default_value_t = limits::DEFAULT_MAX_DIRECTIVES)]
    pub max_directives: usize,
    /// Most lexical tokens in one query text.
    #[arg(long, env = "STANDOFF_MAX_TOKENS", default_value_t = limits::DEFAULT_MAX_TOKENS)]
    pub max_tokens: usize,
    /// Seconds a GraphQL request may run before it is stopped with LIMIT_EXCEEDED.
    #[arg(long, env = "STANDOFF_REQUEST_TIMEOUT_SECS", default_value_t = defaults::REQUEST_TIMEOUT_SECS)]
    pub request_timeout_secs: u64,
    /// Requests one client address may make per second, sustained (0: no limit).
    #[arg(long, env = "STANDOFF_RATE_LIMIT_PER_SECOND", default_value_t = defaults::RATE_LIMIT_PER_SECOND)]
    pub rate_limit_per_second: u32,
    /// Requests one client address may make in a burst above the sustained rate.
    #[arg(long, env = "STANDOFF_RATE_LIMIT_BURST", default_value_t = defaults::RATE_LIMIT_BURST)]
    pub rate_limit_burst: u32,
    /// Seconds a client has to send a request's headers, and then its body, before the
    /// connection is closed (headers) or answered 408 (body).
    #[arg(long, env = "STANDOFF_SLOW_CLIENT_TIMEOUT_SECS", default_value_t = defaults::SLOW_CLIENT_TIMEOUT_SECS)]
    pub slow_client_timeout_secs: u64,
    /// Most WebSocket connections one client address may hold open.
    #[arg(long, env = "STANDOFF_MAX_SOCKETS_PER_CLIENT", default_value_t = defaults::MAX_SOCKETS_PER_CLIENT)]
    pub max_sockets_per_client: usize,
    /// Take the client's address from `X-Forwarded-For` (only behind a load balancer that sets
    /// it; otherwise clients could pick their own address): the entry `--trusted-proxies`
    /// from the right.
    #[arg(long, env = "STANDOFF_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,
    /// How many proxies in front of the service append to `X-Forwarded-For` (a CDN and a load
    /// balancer: 2); used with `--trust-forwarded-for`.
    #[arg(long, env = "STANDOFF_TRUSTED_PROXIES", default_value_t = defaults::TRUSTED_PROXIES)]
    pub trusted_proxies: usize,
    /// Statements one request (or WebSocket connection) may run at once, so that one query's
    /// many fields cannot take the whole database pool from everyone else.
    #[arg(long, env = "STANDOFF_STATEMENTS_PER_REQUEST", default_value_t = defaults::STATEMENTS_PER_REQUEST)]
    pub statements_per_request: usize,
    /// Seconds that shutdown waits for requests in flight before the process ends anyway.
    #[arg(long, env = "STANDOFF_SHUTDOWN_GRACE_SECS", default_value_t = defaults::SHUTDOWN_GRACE_SECS)]
    pub shutdown_grace_secs: u64,
    /// Answer a connection's first request to `/graphql/stream` on the bare socket instead of
    /// through hyper: less memory and CPU per Server-Sent Events reader (see BENCHMARKS.md),
    /// at the cost of a second HTTP parser at the edge. Off unless asked for.
    #[arg(long, env = "STANDOFF_BARE_SSE")]
    pub bare_sse: bool,
    /// Most subscriptions one WebSocket connection may hold at once.
    #[arg(
        long,
        env = "STANDOFF_MAX_SUBSCRIPTIONS_PER_CONNECTION",
        default_value_t = defaults::MAX_SUBSCRIPTIONS_PER_CONNECTION
    )]
    pub max_subscriptions_per_connection: usize,
    /// How many answers a subscriber may fall behind the others asking the same question
    /// before it leaves them and replays what it missed from the change log on its own (1 to
    /// 65,536).
    #[arg(
        long,
        env = "STANDOFF_SUBSCRIPTION_BACKLOG",
        default_value_t = defaults::SUBSCRIPTION_BACKLOG
    )]
    pub subscription_backlog: usize,
    /// Production mode: no field suggestions in errors, and no playground unless `--playground`
    /// asks for it.
    #[arg(long, env = "STANDOFF_PRODUCTION")]
    pub production: bool,
    /// Serve the GraphiQL playground at `/` (default: yes, except in production mode).
    #[arg(long, env = "STANDOFF_PLAYGROUND")]
    pub playground: Option<bool>,
    /// A JSON file of registered operations (an array or object of query texts); when given,
    /// only those exact operations run (allow-list mode).
    #[arg(long, env = "STANDOFF_ALLOWED_OPERATIONS")]
    pub allowed_operations: Option<std::path::PathBuf>,
    /// Origins (comma-separated, e.g. `https://news.example`) whose pages may call the API,
    /// exports, feed and chart from the browser. Empty (the default) or `*`: any origin, as
    /// public read APIs allow. Credentials (cookies) are never allowed; writes still need a token.
    #[arg(long, env = "STANDOFF_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// Bytes of answers kept to share among readers until the change log moves; 0 keeps none.
    #[arg(long, env = "STANDOFF_RESPONSE_CACHE_BYTES", default_value_t = defaults::RESPONSE_CACHE_BYTES)]
    pub response_cache_bytes: u64,
    /// `max-age` of public answers: how long a CDN or nginx may serve one without asking.
    #[arg(long, env = "STANDOFF_CACHE_MAX_AGE_SECS", default_value_t = defaults::CACHE_MAX_AGE_SECS)]
    pub cache_max_age_secs: u64,
    /// `stale-while-revalidate` of public answers.
    #[arg(
        long,
        env = "STANDOFF_CACHE_STALE_WHILE_REVALIDATE_SECS",
        default_value_t = defaults::CACHE_STALE_WHILE_REVALIDATE_SECS
    )]
    pub cache_stale_while_revalidate_secs: u64,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            bind: defaults::BIND,
            max_body_bytes: defaults::MAX_BODY_BYTES,
            no_seed: false,
            ws_init_timeout_secs: defaults::WS_INIT_TIMEOUT_SECS,
            ws_ping_secs: defaults::WS_PING_SECS,
            cors_origins: Vec::new(),
            max_depth: limits::DEFAULT_MAX_DEPTH,
            max_complexity: limits::DEFAULT_MAX_COMPLEXITY,
            max_aliases: limits::DEFAULT_MAX_ALIASES,
            max_directives: limits::DEFAULT_MAX_DIRECTIVES,
            max_tokens: limits::DEFAULT_MAX_TOKENS,
            request_timeout_secs: defaults::REQUEST_TIMEOUT_SECS,
            max_subscriptions_per_connection: defaults::MAX_SUBSCRIPTIONS_PER_CONNECTION,
            subscription_backlog: defaults::SUBSCRIPTION_BACKLOG,
            max_sockets_per_client: defaults::MAX_SOCKETS_PER_CLIENT,
            rate_limit_per_second: defaults::RATE_LIMIT_PER_SECOND,
            rate_limit_burst: defaults::RATE_LIMIT_BURST,
            slow_client_timeout_secs: defaults::SLOW_CLIENT_TIMEOUT_SECS,
            trust_forwarded_for: false,
            trusted_proxies: defaults::TRUSTED_PROXIES,
            statements_per_request: defaults::STATEMENTS_PER_REQUEST,
            shutdown_grace_secs: defaults::SHUTDOWN_GRACE_SECS,
            bare_sse: false,
            production: false,
            playground: None,
            allowed_operations: None,
            response_cache_bytes: defaults::RESPONSE_CACHE_BYTES,
            cache_max_age_secs: defaults::CACHE_MAX_AGE_SECS,
            cache_stale_while_revalidate_secs: defaults::CACHE_STALE_WHILE_REVALIDATE_SECS,
        }
    }
}

impl ServerSettings {
    /// Which `X-Forwarded-For` entry is the client's, as these settings say.
    pub fn proxies(&self) -> crate::http::TrustedProxies {
        crate::http::TrustedProxies(if self.trust_forwarded_for {
            self.trusted_proxies.max(1)
        } else {
            0
        })
    }

    /// Whether `/` serves the playground.
    pub fn serves_playground(&self) -> bool {
        self.playground.unwrap_or(!self.production)
    }

    /// How answers are shared, as these settings say.
    pub fn cache(&self) -> crate::http::CacheSettings {
        crate::http::CacheSettings {
            bytes: self.response_cache_bytes,
            max_age: self.cache_max_age_secs,
            stale_while_revalidate: self.cache_stale_while_revalidate_secs,
        }
    }

    /// The query limits these settings ask for.
    pub fn query_limits(&self) -> limits::QueryLimits {
        limits::QueryLimits {
            max_depth: self.max_depth,
            max_complexity: self.max_complexity,
            max_aliases: self.max_aliases,
            max_directives: self.max_directives,
            max_tokens: self.max_tokens,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Flags {
        #[command(flatten)]
        server: ServerSettings,
    }

    #[test]
    fn the_flags_defaults_are_the_settings_defaults() {
        let parsed = Flags::try_parse_from(["standoff"]).expect("no flags parse");
        assert_eq!(
            format!("{:?}", parsed.server),
            format!("{:?}", ServerSettings::default())
        );
    }
}

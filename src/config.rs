//! Configuration: command-line flags, each with an environment variable of the same meaning.

use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Where the database is and how to reach it.
#[derive(Args, Debug, Clone)]
pub struct DatabaseConfig {
    /// PostgreSQL URL. When unset: the local server at 127.0.0.1:5432 if one answers there
    /// (database `officer_registry`), else a private cluster started under `--data-dir`.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,

    /// Folder for local data: the private PostgreSQL cluster (when used) lives in `<dir>/pg`.
    #[arg(long, env = "DATA_DIR", default_value = ".data")]
    pub data_dir: PathBuf,

    /// Where a local PostgreSQL server is looked for when `DATABASE_URL` is unset (before a
    /// private cluster is started).
    #[arg(long, env = "LOCAL_POSTGRES_ADDR", default_value = "127.0.0.1:5432")]
    pub local_postgres_addr: String,

    /// Maximum connections in the pool.
    #[arg(long, env = "DB_POOL_SIZE", default_value_t = 16)]
    pub db_pool_size: usize,

    /// `statement_timeout` set on every pooled connection, in milliseconds.
    #[arg(long, env = "DB_STATEMENT_TIMEOUT_MS", default_value_t = 15_000)]
    pub db_statement_timeout_ms: u64,

    /// How long a request waits for a free connection, or for a new one, in milliseconds.
    #[arg(long, env = "DB_ACQUIRE_TIMEOUT_MS", default_value_t = 5_000)]
    pub db_acquire_timeout_ms: u64,

    /// PostgreSQL URL of a streaming read replica of `DATABASE_URL`. When set, list queries,
    /// the review queue, the dashboards, reference data and public verification read from it
    /// (see the README, "Running more than one instance").
    #[arg(long, env = "REPLICA_DATABASE_URL")]
    pub replica_database_url: Option<String>,

    /// Reads go back to the primary while the replica is further behind than this, in
    /// milliseconds.
    #[arg(long, env = "REPLICA_MAX_LAG_MS", default_value_t = 5_000)]
    pub replica_max_lag_ms: u64,

    /// How often the replica's position is compared with the primary's, in milliseconds.
    #[arg(long, env = "REPLICA_PROBE_MS", default_value_t = 500)]
    pub replica_probe_ms: u64,

    /// Connections in the replica's pool.
    #[arg(long, env = "REPLICA_POOL_SIZE", default_value_t = 16)]
    pub replica_pool_size: usize,
}

/// Everything the server needs at run time.
#[derive(Args, Debug, Clone)]
pub struct Config {
    /// Database settings.
    #[command(flatten)]
    pub db: DatabaseConfig,

    /// Address to listen on.
    #[arg(long, env = "BIND_ADDR", default_value = "127.0.0.1:8080")]
    pub bind_addr: SocketAddr,

    /// Production mode: requires JWT_SECRET, refuses --demo, turns introspection, field
    /// suggestions and the playground off unless asked for.
    #[arg(long, env = "PRODUCTION", default_value_t = false)]
    pub production: bool,

    /// Secret for signing access tokens (HS256), at least 32 bytes. Outside production mode,
    /// when unset, a random development secret is made once per data folder and kept in
    /// `<data dir>/jwt-secret` (mode 0600), with a loud warning.
    #[arg(long, env = "JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,

    /// Lifetime of an access token, in seconds.
    #[arg(long, env = "ACCESS_TOKEN_TTL_SECS", default_value_t = 900)]
    pub access_token_ttl_secs: i64,

    /// Lifetime of a refresh token, in seconds (each use rotates it).
    #[arg(long, env = "REFRESH_TOKEN_TTL_SECS", default_value_t = 30 * 24 * 3600)]
    pub refresh_token_ttl_secs: i64,

    /// Largest accepted body of a non-multipart GraphQL request, in bytes.
    #[arg(long, env = "MAX_BODY_BYTES", default_value_t = 256 * 1024)]
    pub max_body_bytes: usize,

    /// Largest accepted multipart (upload) request, in bytes.
    #[arg(long, env = "MAX_UPLOAD_REQUEST_BYTES", default_value_t = 25 * 1024 * 1024)]
    pub max_upload_request_bytes: usize,

    /// Deepest accepted query nesting (15 admits the standard introspection query of
    /// graphql-js, which GraphiQL, codegen and other tools send).
    #[arg(long, env = "MAX_QUERY_DEPTH", default_value_t = 15)]
    pub max_query_depth: usize,

    /// Most points one query may cost: a field costs 1; a connection 1 + `first` (default
    /// 20) times what one item asks for; a list without a page size (history, documents,
    /// deficiencies, branches) 1 + 10 times what one item asks for.
    #[arg(long, env = "MAX_QUERY_COMPLEXITY", default_value_t = 5_000)]
    pub max_query_complexity: usize,

    /// Points of queries each caller may spend per minute (a signed-in user; an anonymous
    /// client address), refilled continuously; 0 turns the budget off. Kept per instance.
    #[arg(long, env = "COST_POINTS_PER_MINUTE", default_value_t = 50_000)]
    pub cost_points_per_minute: u32,

    /// Most aliases accepted in one request.
    #[arg(long, env = "MAX_QUERY_ALIASES", default_value_t = 30)]
    pub max_query_aliases: usize,

    /// Schema introspection: defaults to on outside production mode, off in it.
    #[arg(long, env = "INTROSPECTION")]
    pub introspection: Option<bool>,

    /// The browser playground at `/playground`: defaults to on outside production mode, off
    /// in it.
    #[arg(long, env = "PLAYGROUND")]
    pub playground: Option<bool>,

    /// Failed logins per user code within the window before the code is locked.
    #[arg(long, env = "LOGIN_MAX_FAILURES_PER_USER", default_value_t = 5)]
    pub login_max_failures_per_user: i32,

    /// Failed logins per client address within the window before the address is locked.
    #[arg(long, env = "LOGIN_MAX_FAILURES_PER_ADDR", default_value_t = 30)]
    pub login_max_failures_per_addr: i32,

    /// Window for counting failed logins, and the lock-out that follows, in seconds.
    #[arg(long, env = "LOGIN_WINDOW_SECS", default_value_t = 900)]
    pub login_window_secs: i64,

    /// Take the client address from `X-Forwarded-For` (only behind a proxy that appends
    /// to it): the right-most entry that is not one of `TRUSTED_PROXIES`.
    #[arg(long, env = "TRUST_FORWARDED_FOR", default_value_t = false)]
    pub trust_forwarded_for: bool,

    /// Bearer token that `/metrics` requires (at least 16 bytes). Without it, `/metrics` is
    /// open outside production mode and not served in production mode.
    #[arg(long, env = "METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,

    /// Our own proxies besides the one that connects to us (addresses or CIDR blocks,
    /// comma-separated): skipped, from the right, in `X-Forwarded-For`.
    #[arg(long, env = "TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: TrustedProxies,

    /// Folder for uploaded documents (when no S3 bucket is configured). Default:
    /// `<data-dir>/documents`.
    #[arg(long, env = "DOCUMENTS_DIR")]
    pub documents_dir: Option<PathBuf>,

    /// S3-compatible bucket for documents (instead of the folder).
    #[arg(long, env = "S3_BUCKET")]
    pub s3_bucket: Option<String>,

    /// Endpoint of the S3-compatible service (e.g. MinIO); AWS when unset.
    #[arg(long, env = "S3_ENDPOINT")]
    pub s3_endpoint: Option<String>,

    /// Region of the bucket.
    #[arg(long, env = "S3_REGION", default_value = "us-east-1")]
    pub s3_region: String,

    /// Access key id for the bucket.
    #[arg(long, env = "S3_ACCESS_KEY_ID", hide_env_values = true)]
    pub s3_access_key_id: Option<String>,

    /// Secret access key for the bucket.
    #[arg(long, env = "S3_SECRET_ACCESS_KEY", hide_env_values = true)]
    pub s3_secret_access_key: Option<String>,

    /// Largest accepted document, in bytes.
    #[arg(long, env = "MAX_DOCUMENT_BYTES", default_value_t = 10 * 1024 * 1024)]
    pub max_document_bytes: usize,

    /// Most documents attached to one qualification request at a time.
    #[arg(long, env = "MAX_DOCUMENTS_PER_REQUEST", default_value_t = 20)]
    pub max_documents_per_request: i64,

    /// Cartable events buffered per instance; a subscriber further behind is stopped (and
    /// may resume from the event log).
    #[arg(long, env = "CARTABLE_BUFFER", default_value_t = 4096)]
    pub cartable_buffer: usize,

    /// The server's address as browsers and the bank reach it (for the payment callback).
    /// Default: `http://<bind address>`.
    #[arg(long, env = "PUBLIC_BASE_URL")]
    pub public_base_url: Option<String>,

    /// Zarinpal merchant id (36 characters). Without it, outside production mode, the
    /// built-in gateway simulator is used.
    #[arg(long, env = "ZARINPAL_MERCHANT_ID", hide_env_values = true)]
    pub zarinpal_merchant_id: Option<String>,

    /// Base URL of the Zarinpal gateway.
    #[arg(
        long,
        env = "ZARINPAL_BASE_URL",
        default_value = "https://payment.zarinpal.com"
    )]
    pub zarinpal_base_url: String,

    /// Serve the gateway simulator at /_simulator/zarinpal and pay through it: defaults to on
    /// outside production mode when no merchant id is set; refused in production mode.
    #[arg(long, env = "PAYMENT_SIMULATOR")]
    pub payment_simulator: Option<bool>,

    /// Timeout of each call to the gateway, in milliseconds.
    #[arg(long, env = "PAYMENT_GATEWAY_TIMEOUT_MS", default_value_t = 10_000)]
    pub payment_gateway_timeout_ms: u64,

    /// Where the officer's browser is sent after paying (`?paymentId=..&status=..` is added).
    /// Default: this server's `/payments/result` page.
    #[arg(long, env = "PAYMENT_RESULT_URL")]
    pub payment_result_url: Option<String>,

    /// How long a payment attempt stays valid at the gateway, in seconds.
    #[arg(long, env = "PAYMENT_ATTEMPT_TTL_SECS", default_value_t = 900)]
    pub payment_attempt_ttl_secs: i64,

    /// Age after which a pending payment is reconciled with the gateway, in seconds.
    #[arg(long, env = "PAYMENT_RECONCILE_AFTER_SECS", default_value_t = 1800)]
    pub payment_reconcile_after_secs: i64,

    /// How often the reconciliation job runs, in seconds.
    #[arg(long, env = "PAYMENT_RECONCILE_EVERY_SECS", default_value_t = 60)]
    pub payment_reconcile_every_secs: u64,

    /// How long failed and expired attempts of requests still awaiting payment are verified
    /// again by the reconciliation job (the bank may have taken the money after all), in
    /// seconds after their start.
    #[arg(long, env = "PAYMENT_RECHECK_WITHIN_SECS", default_value_t = 24 * 3600)]
    pub payment_recheck_within_secs: i64,

    /// Days an officer has to answer a cooperation request before it expires.
    #[arg(long, env = "COOPERATION_EXPIRY_DAYS", default_value_t = 14)]
    pub cooperation_expiry_days: i64,

    /// How often the expiry of unanswered cooperation requests runs, in seconds.
    #[arg(long, env = "COOPERATION_EXPIRY_EVERY_SECS", default_value_t = 60)]
    pub cooperation_expiry_every_secs: u64,

    /// How many active contracts one officer may hold at once (the one-unit rule).
    #[arg(long, env = "MAX_ACTIVE_CONTRACTS_PER_OFFICER", default_value_t = 1)]
    pub max_active_contracts_per_officer: i64,

    /// Graceful drain (SIGTERM or Ctrl-C): how long requests in flight and open WebSockets
    /// may take to finish before the server stops anyway. A second signal stops at once.
    #[arg(long, env = "DRAIN_TIMEOUT_SECS", default_value_t = 30)]
    pub drain_timeout_secs: u64,

    /// Graceful drain: how long, after the signal, new connections are still taken while
    /// `/readyz` already answers 503 (time for a load balancer's probe to notice); 0 stops
    /// taking them at once.
    #[arg(long, env = "DRAIN_GRACE_MS", default_value_t = 0)]
    pub drain_grace_ms: u64,

    /// Days a file may wait on the reviewer's side (submitted or resubmitted) before it is
    /// overdue (`QualificationRequest.overdue`, `reviewQueue(overdueOnly:)`, dashboards).
    #[arg(long, env = "OVERDUE_AFTER_DAYS", default_value_t = 7)]
    pub overdue_after_days: i64,

    /// Seconds between two recomputations of the dashboards' statistics when nothing was
    /// announced (overdue files and "payments today" change with the clock alone).
    #[arg(long, env = "STATISTICS_REFRESH_SECS", default_value_t = 60)]
    pub statistics_refresh_secs: u64,

    /// Operations (subscriptions, queries, mutations) open at once on one WebSocket; one
    /// more is refused with `RATE_LIMITED`.
    #[arg(long, env = "WS_MAX_OPERATIONS", default_value_t = 32)]
    pub ws_max_operations: usize,

    /// Officer registrations (`registerOfficer`) per client address per hour.
    #[arg(long, env = "REGISTER_MAX_PER_HOUR", default_value_t = 20)]
    pub register_max_per_hour: i32,

    /// Public verifications (`verifyOfficer`) per client address per minute.
    #[arg(long, env = "VERIFY_MAX_PER_MINUTE", default_value_t = 30)]
    pub verify_max_per_minute: i32,

    /// Kavenegar API key (real SMS). Without it, outside production mode, messages go to the
    /// built-in simulator of the Kavenegar protocol; in production, they wait in the outbox.
    #[arg(long, env = "KAVENEGAR_API_KEY", hide_env_values = true)]
    pub kavenegar_api_key: Option<String>,

    /// The Kavenegar line messages are sent from (empty: the account's default line).
    #[arg(long, env = "KAVENEGAR_SENDER", default_value = "")]
    pub kavenegar_sender: String,

    /// Base URL of the Kavenegar REST API.
    #[arg(
        long,
        env = "KAVENEGAR_BASE_URL",
        default_value = "https://api.kavenegar.com"
    )]
    pub kavenegar_base_url: String,

    /// Timeout of each call to the SMS provider, in milliseconds.
    #[arg(long, env = "SMS_TIMEOUT_MS", default_value_t = 5_000)]
    pub sms_timeout_ms: u64,

    /// Attempts before an SMS is given up (FAILED).
    #[arg(long, env = "SMS_MAX_ATTEMPTS", default_value_t = 8)]
    pub sms_max_attempts: i32,

    /// How often each instance's SMS sender looks for due messages, in milliseconds.
    #[arg(long, env = "SMS_POLL_MS", default_value_t = 1_000)]
    pub sms_poll_ms: u64,

    /// How long a message taken by a sender is that sender's alone, in seconds (after a
    /// crash, another sender takes it then, asking the provider first whether it arrived).
    #[arg(long, env = "SMS_LEASE_SECS", default_value_t = 30)]
    pub sms_lease_secs: i64,

    /// How long a signed-in caller read from the database is kept for the next requests of
    /// its session, in seconds (0: read it for every request). Any change to the account,
    /// its sessions or its officer drops it at once on every instance.
    #[arg(long, env = "CALLER_CACHE_SECS", default_value_t = 30)]
    pub caller_cache_secs: u64,

    /// How long a request's data loaders gather keys before querying them together, in
    /// microseconds.
    #[arg(long, env = "LOADER_BATCH_DELAY_US", default_value_t = 1000)]
    pub loader_batch_delay_us: u64,

    /// Log format: `pretty` for people, `json` for log collectors.
    #[arg(long, env = "LOG_FORMAT", default_value = "pretty")]
    pub log_format: String,
}

/// Our own proxies, from `TRUSTED_PROXIES` (addresses or CIDR blocks, comma-separated; a
/// bare address is a block of one).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<ipnet::IpNet>);

impl std::str::FromStr for TrustedProxies {
    type Err = String;

    fn from_str(list: &str) -> Result<Self, String> {
        let mut nets = Vec::new();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let net = match item.parse::<ipnet::IpNet>() {
                Ok(net) => net,
                Err(_) => ipnet::IpNet::from(
                    item.parse::<std::net::IpAddr>()
                        .map_err(|_| format!("{item:?} is neither an address nor a CIDR block"))?,
                ),
            };
            nets.push(net);
        }
        Ok(Self(nets))
    }
}

impl TrustedProxies {
    /// Whether `ip` is one of our proxies.
    pub fn contains(&self, ip: &std::net::IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(ip))
    }
}

impl Config {
    /// The configuration with every default, as `serve` with no flag and no environment.
    pub fn defaults() -> Self {
        #[derive(clap::Parser)]
        struct Wrapper {
            #[command(flatten)]
            config: Config,
        }
        let w: Wrapper = clap::Parser::parse_from(["officer-registry"]);
        w.config
    }

    /// Whether the playground is served.
    pub fn playground_enabled(&self) -> bool {
        self.playground.unwrap_or(!self.production)
    }

    /// Whether the gateway simulator is served and used.
    pub fn simulator_enabled(&self) -> bool {
        !self.production
            && self
                .payment_simulator
                .unwrap_or(self.zarinpal_merchant_id.is_none())
    }

    /// The public base URL, without a trailing slash.
    pub fn public_base(&self) -> String {
        match &self.public_base_url {
            Some(u) => u.trim_end_matches('/').to_string(),
            None => {
                let mut addr = self.bind_addr;
                if addr.ip().is_unspecified() {
                    addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
                }
                format!("http://{addr}")
            }
        }
    }

    /// The batching window of the data loaders.
    pub fn loader_delay(&self) -> std::time::Duration {
        std::time::Duration::from_micros(self.loader_batch_delay_us)
    }

    /// Whether the Kavenegar simulator is served and used (outside production, without an
    /// API key).
    pub fn sms_simulator_enabled(&self) -> bool {
        !self.production && self.kavenegar_api_key.is_none()
    }

    /// Whether introspection is on.
    pub fn introspection_enabled(&self) -> bool {
        self.introspection.unwrap_or(!self.production)
    }

    /// The configured signing secret, checking the rules of production mode; `None` outside
    /// production mode when JWT_SECRET is unset (then a development secret of the data
    /// folder is used: [`crate::auth::development_secret`]).
    pub fn signing_secret(&self) -> anyhow::Result<Option<String>> {
        match &self.jwt_secret {
            Some(s) if s.len() >= 32 => Ok(Some(s.clone())),
            Some(_) => anyhow::bail!("JWT_SECRET must be at least 32 bytes long"),
            None if self.production => {
                anyhow::bail!("JWT_SECRET must be set in production mode")
            }
            None => Ok(None),
        }
    }

    /// Whether `/metrics` is served: with a token, or outside production mode.
    pub fn metrics_served(&self) -> bool {
        self.metrics_token.is_some() || !self.production
    }

    /// Refuses settings that production mode forbids.
    pub fn check_production(&self) -> anyhow::Result<()> {
        if self.metrics_token.as_ref().is_some_and(|t| t.len() < 16) {
            anyhow::bail!("METRICS_TOKEN must be at least 16 bytes long");
        }
        if self.production && self.payment_simulator == Some(true) {
            anyhow::bail!("the payment simulator is refused in production mode");
        }
        Ok(())
    }
}

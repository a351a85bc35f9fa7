//! Fan-out benchmark of the `cartableEvents` subscription (see `benches/README.md`).
//!
//! For each audience size N (1,000 and 10,000 by default) it:
//!
//! 0. measures the machine's floor first (unless `BENCH_FLOOR=0`): the same N clients, the
//!    same events at the same rate, written by a stand-in with no server behind it (see
//!    [`floor`]); the summary ends with the ratio of the server's delays to the floor's;
//! 1. runs the real server as a separate process: the release binary `officer-registry`
//!    that cargo builds for this bench (`CARGO_BIN_EXE_officer-registry`, same profile, so
//!    `cargo bench` builds it first; nothing is built from here), with
//!    `serve --bind-addr 127.0.0.1:<free port> --cartable-buffer 65536` on a fresh database
//!    `officer_registry_fanout` (dropped `WITH (FORCE)` before each run and at the end); the
//!    child is killed when its handle is dropped, on every path;
//! 2. creates admin accounts in SQL (one argon2 hash for all), logs each in once over HTTP
//!    and connects N WebSocket clients (`graphql-transport-ws`), the admin tokens handed out
//!    round-robin (a token is per-connection data, so sharing one is legitimate); each client
//!    subscribes `cartableEvents` and records the receipt instant of every event in a task
//!    of its own. Admins receive every event: the worst fan-out case. With
//!    `BENCH_ADMIN_PERCENT` below 100, the other subscribers are "bystander" officers who
//!    receive nothing (the server still wakes them for every event to filter it);
//! 3. reads the server's VmRSS before connecting, with a tenth connected, and with all N
//!    subscribed (the server's `cartable_subscribers` gauge says so) and idle for a second;
//! 4. produces events at a steady rate, open loop, on a thread of its own: officers
//!    (`BENCH_PRODUCERS`, each with its draft) call `updateQualificationRequest(input:
//!    { phone })`, one `EDIT` event per call written in the mutation's transaction; mutation k
//!    sets the phone `021` + (k+1) on 8 digits;
//! 5. matches deliveries to mutations by event id: after the run the producers' `EDIT` events
//!    are read from the event log with the phone each one recorded, which names its mutation
//!    whatever the commit order (concurrent mutations may commit out of send order, so "the
//!    k-th event is the k-th mutation" would not hold). The commit instant of each event is
//!    the instant the benchmark's own `LISTEN` connection (a thread of its own) received its
//!    notification — PostgreSQL notifies at commit, the server's hub gets the same
//!    notification at the same time. Delay = receipt − that instant. Also printed: the delay
//!    from the mutation's answer, and from the instant just before it was sent (an upper
//!    bound).
//!
//! It measures and prints; it never asserts on timings. The server and the clients share the
//! machine's cores: on a small machine the client side is a sizeable part of the load.
//!
//! `cargo bench --bench cartable_fanout`; the environment variables are listed in the README.

use anyhow::{Context as _, Result, bail};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use futures_util::{SinkExt, StreamExt};
use officer_registry::config::Config;
use officer_registry::store::{self, embedded};
use rand::Rng;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The benchmark's own database, dropped and recreated for every run.
const BENCH_DB: &str = "officer_registry_fanout";
/// Signing secret of the server child.
const JWT_SECRET: &str = "fanout-secret-fanout-secret-fanout-secret-0123456789";
/// Password of every account the benchmark makes.
const PASSWORD: &str = "Fanout-bench-1405";
/// The server binary, built by cargo for this bench in the same (release) profile.
const SERVER_BIN: &str = env!("CARGO_BIN_EXE_officer-registry");
/// What each subscriber asks for.
const SUBSCRIPTION: &str = "subscription { cartableEvents { id kind occurredAt } }";
/// Set when the benchmark re-executed itself under `sh -c 'ulimit -n …'`.
const REEXEC_MARK: &str = "OFFICER_REGISTRY_FANOUT_ULIMIT_RAISED";
/// Descriptors needed beyond one per subscriber (pool, listener, log, HTTP clients …).
const FD_MARGIN: u64 = 1_000;

const LOGIN: &str =
    "mutation($u: String!, $p: String!) { login(userCode: $u, password: $p) { accessToken } }";
const REGISTER: &str =
    "mutation($i: RegisterOfficerInput!) { registerOfficer(input: $i) { userCode } }";
const START: &str = "mutation { startQualificationRequest(kind: NEW) { id } }";
const EDIT: &str = "mutation($id: ID!, $p: String) { updateQualificationRequest(id: $id, input: { phone: $p }) { id } }";

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

/// Settings from the environment.
#[derive(Debug, Clone)]
struct Settings {
    subscribers: Vec<usize>,
    rate: f64,
    seconds: f64,
    admin_percent: u32,
    accounts: usize,
    producers: usize,
    connect_concurrency: usize,
    floor: bool,
    floor_writers: usize,
    ping_secs: u64,
    drain_stall_secs: u64,
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> Result<T> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse()
            .map_err(|_| anyhow::anyhow!("{name}={v} is not a valid number")),
        _ => Ok(default),
    }
}

impl Settings {
    fn from_env() -> Result<Self> {
        let list = std::env::var("BENCH_SUBSCRIBERS").unwrap_or_else(|_| "1000,10000".into());
        let subscribers = list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.replace('_', "")
                    .parse::<usize>()
                    .map_err(|_| anyhow::anyhow!("BENCH_SUBSCRIBERS: {s} is not a number"))
            })
            .collect::<Result<Vec<_>>>()?;
        let s = Self {
            subscribers,
            rate: env_or("BENCH_RATE", 20.0)?,
            seconds: env_or("BENCH_SECONDS", 10.0)?,
            admin_percent: env_or("BENCH_ADMIN_PERCENT", 100)?,
            accounts: env_or("BENCH_ACCOUNTS", 20)?,
            producers: env_or("BENCH_PRODUCERS", 4)?,
            connect_concurrency: env_or("BENCH_CONNECT_CONCURRENCY", 200)?,
            floor: env_or("BENCH_FLOOR", 1u8)? != 0,
            floor_writers: env_or(
                "BENCH_FLOOR_WRITERS",
                std::thread::available_parallelism().map_or(2, usize::from),
            )?,
            ping_secs: env_or("BENCH_PING_SECS", 20)?,
            drain_stall_secs: env_or("BENCH_DRAIN_STALL_SECS", 15)?,
        };
        if s.subscribers.is_empty() || s.subscribers.iter().any(|&n| n == 0 || n > 50_000) {
            bail!("BENCH_SUBSCRIBERS must list counts between 1 and 50000");
        }
        if !(s.rate > 0.0 && s.rate <= 1_000.0 && s.seconds > 0.0 && s.seconds <= 600.0) {
            bail!("BENCH_RATE must be in (0, 1000] and BENCH_SECONDS in (0, 600]");
        }
        if s.rate * s.seconds > 100_000.0 {
            bail!("BENCH_RATE × BENCH_SECONDS must stay under 100000 events");
        }
        if s.admin_percent == 0 || s.admin_percent > 100 {
            bail!("BENCH_ADMIN_PERCENT must be between 1 and 100");
        }
        if s.accounts == 0 || s.accounts > 1_000 {
            bail!("BENCH_ACCOUNTS must be between 1 and 1000");
        }
        if s.producers == 0 || s.producers > 100 {
            bail!("BENCH_PRODUCERS must be between 1 and 100");
        }
        if s.connect_concurrency == 0 || s.ping_secs == 0 || s.drain_stall_secs == 0 {
            bail!("BENCH_CONNECT_CONCURRENCY, BENCH_PING_SECS, BENCH_DRAIN_STALL_SECS must be > 0");
        }
        if s.floor_writers == 0 || s.floor_writers > 64 {
            bail!("BENCH_FLOOR_WRITERS must be between 1 and 64");
        }
        Ok(s)
    }

    fn events(&self) -> usize {
        (self.rate * self.seconds).round().max(1.0) as usize
    }
}

// ---------------------------------------------------------------------------------------------
// Open-file limit
// ---------------------------------------------------------------------------------------------

/// The soft and hard `Max open files` of this process.
fn open_file_limits() -> Option<(u64, u64)> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    let mut fields = line["Max open files".len()..].split_whitespace();
    let parse = |f: Option<&str>| match f {
        Some("unlimited") => Some(u64::MAX),
        Some(v) => v.parse().ok(),
        None => None,
    };
    Some((parse(fields.next())?, parse(fields.next())?))
}

/// Raises the open-file limit when it is too low for the largest run, by running this very
/// benchmark again under `sh -c 'ulimit -n …'` (the server child inherits the limit).
/// Returns `Some(exit code)` when it did (the caller exits with it).
fn raise_open_file_limit(settings: &Settings) -> Result<Option<i32>> {
    let need = settings.subscribers.iter().copied().max().unwrap_or(0) as u64 + FD_MARGIN;
    let Some((soft, _hard)) = open_file_limits() else {
        return Ok(None); // not Linux, or no /proc: the runs will tell
    };
    if soft >= need || std::env::var_os(REEXEC_MARK).is_some() {
        return Ok(None);
    }
    println!("open-file limit {soft} < {need}: running again under `ulimit -n 65535`");
    let exe = std::env::current_exe().context("locating the benchmark executable")?;
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -n 65535 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@""#)
        .arg(exe)
        .args(std::env::args_os().skip(1))
        .env(REEXEC_MARK, "1")
        .status()
        .context("running the benchmark again under sh")?;
    Ok(Some(status.code().unwrap_or(1)))
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

fn main() -> Result<()> {
    if std::env::var_os(floor::STANDIN).is_some() {
        return floor::standin();
    }
    let settings = Settings::from_env()?;
    if let Some(code) = raise_open_file_limit(&settings)? {
        std::process::exit(code);
    }
    let (soft, _) = open_file_limits().unwrap_or((u64::MAX, u64::MAX));
    let mut runs = Vec::new();
    for &n in &settings.subscribers {
        if n as u64 + FD_MARGIN > soft {
            println!(
                "SKIPPING N = {n}: the open-file limit is {soft}, and this run needs about {} \
                 descriptors in this process and as many in the server (or the floor's \
                 stand-in). Run `ulimit -n 65535` in this shell first (as root, or raise the \
                 hard limit), then run again.",
                n as u64 + FD_MARGIN
            );
        } else {
            runs.push(n);
        }
    }

    if runs.is_empty() {
        bail!("every run was skipped: raise the open-file limit (ulimit -n 65535) and run again");
    }

    let config = Config::defaults();
    // Finding the server may start a private cluster: blocking, so before the runtime.
    let (url, source) = embedded::resolve_database_url(&config.db)?;
    let (admin_url, _) = store::split_database_url(&url)?;
    let mut bench_url = url::Url::parse(&admin_url).context("parsing the database URL")?;
    bench_url.set_path(&format!("/{BENCH_DB}"));
    let bench_url = bench_url.to_string();
    println!(
        "PostgreSQL: {} ({source:?}); benchmark database {BENCH_DB}; server binary {SERVER_BIN}",
        store::describe_url(&admin_url)
    );
    println!(
        "{} events per run at {}/s for {} s; admins {}% of the subscribers; open-file limit {soft}",
        settings.events(),
        settings.rate,
        settings.seconds,
        settings.admin_percent
    );
    // One argon2 hash for every account (hashing is deliberately slow).
    let password_hash = officer_registry::auth::hash_password(PASSWORD)?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("building the tokio runtime")?;
    let started = Instant::now();
    let outcome = runtime.block_on(async {
        tokio::select! {
            r = run_all(&settings, &runs, &admin_url, &bench_url, &password_hash) => r,
            _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
        }
    });
    // The server child of a run is killed when its handle is dropped (kill_on_drop), on every
    // path; dropping the database also ends any connection it may have left.
    match runtime.block_on(db::admin_exec(
        &admin_url,
        &format!("DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)"),
    )) {
        Ok(()) => println!("Dropped {BENCH_DB}."),
        Err(e) => eprintln!("could not drop {BENCH_DB}: {e:#}"),
    }
    println!("Total time {:.1} s", started.elapsed().as_secs_f64());
    outcome
}

async fn run_all(
    settings: &Settings,
    runs: &[usize],
    admin_url: &str,
    bench_url: &str,
    password_hash: &str,
) -> Result<()> {
    let mut results = Vec::new();
    let mut floors = Vec::new();
    for &n in runs {
        if settings.floor {
            println!();
            println!("=== N = {n} subscribers: the floor (no server) ===");
            let floor = floor::run(settings, n).await?;
            floor.print();
            floors.push(floor);
        }
        println!();
        println!("=== N = {n} subscribers ===");
        let result = run_one(settings, n, admin_url, bench_url, password_hash).await?;
        result.print();
        results.push(result);
    }
    if results.is_empty() {
        return Ok(());
    }
    println!();
    println!(
        "Summary: {} events offered at {}/s by {} producers; {}% of the subscribers admins. \
         Delays in ms from the commit (notification at the bench's own LISTEN connection) to \
         receipt; [from the mutation's send, an upper bound].",
        settings.events(),
        settings.rate,
        settings.producers,
        settings.admin_percent
    );
    println!(
        "| subscribers | connect s | server RSS idle → subscribed | KiB / subscriber (marginal) | delay p50 | delay p99 | delay max | commit → last subscriber p50 / max | mutation latency p50 / max, failed | deliveries/s | server + bench CPU | missing / dup / ended early |"
    );
    println!("|---:|---:|---|---:|---:|---:|---:|---|---|---:|---|---|");
    for r in &results {
        println!(
            "| {} | {:.1} | {:.0} → {:.0} MiB | {:.1} ({:.1}) | {:.1} [{:.1}] | {:.1} [{:.1}] | {:.1} [{:.1}] | {:.1} / {:.1} | {:.0} / {:.0}, {} | {:.0} | {:.0}% + {:.0}% | {} / {} / {} |",
            r.n,
            r.connect_secs,
            r.rss_before_kib as f64 / 1024.0,
            r.rss_subscribed_kib as f64 / 1024.0,
            r.kib_per_subscriber(),
            r.marginal_kib_per_subscriber(),
            r.delay_commit.p50,
            r.delay_send.p50,
            r.delay_commit.p99,
            r.delay_send.p99,
            r.delay_commit.max,
            r.delay_send.max,
            r.last_subscriber.p50,
            r.last_subscriber.max,
            r.mutation_latency.p50,
            r.mutation_latency.max,
            r.mutations_failed,
            r.deliveries_per_sec,
            100.0 * r.server_cpu_secs / r.wall_secs.max(1e-9),
            100.0 * r.bench_cpu_secs / r.wall_secs.max(1e-9),
            r.missing,
            r.duplicates,
            r.closed_early
        );
    }
    if floors.is_empty() {
        return Ok(());
    }
    println!();
    println!(
        "The floor, measured just before each run with the same clients: {} writer threads \
         write each event's frame to every socket (no server). Delays in ms from the instant \
         the writers are told to receipt.",
        floors[0].writers
    );
    println!(
        "| subscribers | delay p50 | delay p99 | delay max | told → last subscriber p50 / max | writer's pass p50 / max | writers + clients CPU | missing / dup / ended early, failed writes |"
    );
    println!("|---:|---:|---:|---:|---|---|---|---|");
    for f in &floors {
        println!(
            "| {} | {:.1} | {:.1} | {:.1} | {:.1} / {:.1} | {:.1} / {:.1} | {:.0}% + {:.0}% | {} / {} / {}, {} |",
            f.n,
            f.delay.p50,
            f.delay.p99,
            f.delay.max,
            f.last_subscriber.p50,
            f.last_subscriber.max,
            f.pass.p50,
            f.pass.max,
            100.0 * f.writers_cpu_secs / f.wall_secs.max(1e-9),
            100.0 * f.bench_cpu_secs / f.wall_secs.max(1e-9),
            f.missing,
            f.duplicates,
            f.closed_early,
            f.write_failures
        );
    }
    for (r, f) in results.iter().zip(&floors) {
        println!(
            "ratio at {}: ours/floor p50={:.2} p99={:.2}",
            r.n,
            r.delay_commit.p50 / f.delay.p50.max(1e-9),
            r.delay_commit.p99 / f.delay.p99.max(1e-9)
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The server child
// ---------------------------------------------------------------------------------------------

/// The server process; killed when dropped.
struct Server {
    child: tokio::process::Child,
    pid: u32,
    addr: String,
    log: std::path::PathBuf,
}

impl Server {
    async fn start(bench_url: &str) -> Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .context("finding a free port")?
            .port();
        let addr = format!("127.0.0.1:{port}");
        let log = std::env::temp_dir().join(format!("officer-registry-fanout-{port}.log"));
        let log_file = std::fs::File::create(&log)
            .with_context(|| format!("creating the server log {}", log.display()))?;
        let child = tokio::process::Command::new(SERVER_BIN)
            .args(["serve", "--bind-addr", &addr, "--cartable-buffer", "65536"])
            .env("DATABASE_URL", bench_url)
            .env("JWT_SECRET", JWT_SECRET)
            .env("ACCESS_TOKEN_TTL_SECS", "3600")
            .env("REGISTER_MAX_PER_HOUR", "100000")
            .env("LOGIN_MAX_FAILURES_PER_ADDR", "100000")
            .env("RUST_LOG", "warn")
            .env("LOG_FORMAT", "pretty")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(log_file)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {SERVER_BIN}"))?;
        let pid = child
            .id()
            .ok_or_else(|| anyhow::anyhow!("the server exited at once"))?;
        let mut server = Self {
            child,
            pid,
            addr,
            log,
        };
        server.wait_ready().await?;
        Ok(server)
    }

    async fn wait_ready(&mut self) -> Result<()> {
        let client = reqwest::Client::new();
        let url = format!("http://{}/readyz", self.addr);
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "the server exited with {status} before it was ready; its log:\n{}",
                    self.log_tail()
                );
            }
            if let Ok(resp) = client
                .get(&url)
                .timeout(Duration::from_secs(2))
                .send()
                .await
                && resp.status().is_success()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "the server was not ready within 120 s; its log:\n{}",
                    self.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// Resident memory, KiB.
    fn rss_kib(&self) -> Result<u64> {
        proc_rss_kib(&format!("/proc/{}/status", self.pid))
    }

    /// CPU time used so far, seconds.
    fn cpu_secs(&self) -> f64 {
        proc_cpu_secs(&format!("/proc/{}/stat", self.pid))
    }

    async fn stop(mut self) {
        let _ = self.child.kill().await;
        // Keep the log only when it reports errors.
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let errors = text
            .lines()
            .filter(|l| l.contains("ERROR") || l.contains("panicked"))
            .count();
        if errors == 0 {
            let _ = std::fs::remove_file(&self.log);
        } else {
            println!("server log ({errors} error lines): {}", self.log.display());
        }
    }
}

fn proc_rss_kib(status_path: &str) -> Result<u64> {
    let status =
        std::fs::read_to_string(status_path).with_context(|| format!("reading {status_path}"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no VmRSS in {status_path}"))
}

/// utime + stime of a process, seconds (0 when unreadable).
fn proc_cpu_secs(stat_path: &str) -> f64 {
    let Ok(stat) = std::fs::read_to_string(stat_path) else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces): state is field 3.
    let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (ticks(11) + ticks(12)) as f64 / clock_ticks()
}

fn clock_ticks() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse::<f64>().ok())
            .filter(|t| *t > 0.0)
            .unwrap_or(100.0)
    })
}

// ---------------------------------------------------------------------------------------------
// HTTP helpers
// ---------------------------------------------------------------------------------------------

struct Http {
    client: reqwest::Client,
    endpoint: String,
}

impl Http {
    fn new(addr: &str) -> Result<Self> {
        Ok(Self {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()?,
            endpoint: format!("http://{addr}/graphql"),
        })
    }

    /// Runs an operation; `Err` on transport failures and GraphQL errors.
    async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Result<Value> {
        let mut req = self
            .client
            .post(&self.endpoint)
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.context("sending a GraphQL request")?;
        let status = resp.status();
        let body: Value = resp.json().await.context("reading a GraphQL answer")?;
        if !status.is_success() || body["errors"].as_array().is_some_and(|e| !e.is_empty()) {
            bail!("HTTP {status}: {body}");
        }
        Ok(body)
    }

    async fn login(&self, user_code: &str) -> Result<String> {
        let r = self
            .gql(None, LOGIN, json!({ "u": user_code, "p": PASSWORD }))
            .await
            .with_context(|| format!("logging in as {user_code}"))?;
        r["data"]["login"]["accessToken"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| anyhow::anyhow!("login answered no token: {r}"))
    }

    /// Registers an officer through the API and logs in; returns its token.
    async fn register_officer(&self) -> Result<String> {
        let code = national_code(rand::rng().random_range(100_000_000..999_999_999));
        let r = self
            .gql(
                None,
                REGISTER,
                json!({ "i": {
                    "nationalCode": code, "birthDate": "1990-03-21", "firstName": "علی",
                    "lastName": "رضایی", "mobile": "09121234567", "password": PASSWORD,
                }}),
            )
            .await
            .context("registerOfficer")?;
        let user_code = r["data"]["registerOfficer"]["userCode"]
            .as_str()
            .ok_or_else(|| anyhow::anyhow!("registerOfficer answered no user code: {r}"))?;
        self.login(user_code).await
    }
}

/// A valid national code from 9 digits.
fn national_code(first9: u64) -> String {
    let base = format!("{first9:09}");
    let sum: u32 = base
        .chars()
        .filter_map(|c| c.to_digit(10))
        .zip((2..=10).rev())
        .map(|(d, w)| d * w)
        .sum();
    let r = sum % 11;
    let check = if r < 2 { r } else { 11 - r };
    format!("{base}{check}")
}

/// The `cartable_subscribers` gauge of the server.
async fn subscribers_gauge(http: &reqwest::Client, addr: &str) -> Result<f64> {
    let text = http
        .get(format!("http://{addr}/metrics"))
        .send()
        .await?
        .text()
        .await?;
    Ok(text
        .lines()
        .find_map(|l| l.strip_prefix("cartable_subscribers "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0))
}

// ---------------------------------------------------------------------------------------------
// Subscribers
// ---------------------------------------------------------------------------------------------

/// Opens a WebSocket, authenticates, subscribes.
async fn connect(addr: &str, token: &str) -> Result<Ws> {
    let mut request = format!("ws://{addr}/graphql/ws").into_client_request()?;
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().context("header")?,
    );
    // A small read buffer (default 128 KiB, zero-filled on first read): the client only
    // reads short messages, and 10,000 clients share the machine with the server.
    let config = WebSocketConfig::default().read_buffer_size(16 * 1024);
    let (mut ws, _) =
        tokio_tungstenite::connect_async_with_config(request, Some(config), true).await?;
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } });
    ws.send(Message::Text(init.to_string().into())).await?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next())
            .await
            .context("no connection_ack within 60 s")?
            .ok_or_else(|| anyhow::anyhow!("closed before connection_ack"))??;
        match msg {
            Message::Text(t) => {
                let v: Value = serde_json::from_str(&t)?;
                match v["type"].as_str() {
                    Some("connection_ack") => break,
                    Some("ping") => {
                        ws.send(Message::Text(r#"{"type":"pong"}"#.into())).await?;
                    }
                    _ => bail!("unexpected before connection_ack: {v}"),
                }
            }
            Message::Close(frame) => bail!("closed before connection_ack: {frame:?}"),
            _ => {}
        }
    }
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": { "query": SUBSCRIPTION } });
    ws.send(Message::Text(subscribe.to_string().into())).await?;
    Ok(ws)
}

/// Shared by the read loops.
#[derive(Default)]
struct Counters {
    /// Events received by all subscribers.
    delivered: AtomicU64,
    /// Subscribers whose stream or connection ended (errors, `complete`, close).
    ended: AtomicU64,
}

/// What one subscriber saw.
#[derive(Default)]
struct ClientLog {
    /// (event id, receipt instant) of each event.
    events: Vec<(i64, Instant)>,
    /// `next` messages carrying errors (e.g. RATE_LIMITED when falling behind), `error`
    /// messages, and `complete`.
    errors: u32,
    completed: bool,
    /// How the connection ended before we stopped it: close code and reason, or a failure.
    ended: Option<String>,
    sample: Option<String>,
}

/// The event id of a `next` message, read without a full parse (the message is
/// `{"type":"next","id":"1","payload":{"data":{"cartableEvents":{"id":"123",…}}}}`).
fn event_id(text: &str) -> Option<i64> {
    const KEY: &str = r#""cartableEvents":{"id":""#;
    let start = text.find(KEY)? + KEY.len();
    let rest = &text[start..];
    rest[..rest.find('"')?].parse().ok()
}

/// The read loop of one subscriber: records the receipt instant of each event, pings the
/// server every `ping_every` (the server closes a connection that sends nothing for 60 s),
/// stops when told.
async fn read_loop(
    mut ws: Ws,
    mut stop: watch::Receiver<bool>,
    counters: Arc<Counters>,
    ping_every: Duration,
    expected: usize,
) -> ClientLog {
    let mut log = ClientLog {
        events: Vec::with_capacity(expected),
        ..ClientLog::default()
    };
    // Spread the pings of the clients over the period.
    let first = Duration::from_millis(rand::rng().random_range(0..ping_every.as_millis() as u64));
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + first, ping_every);
    // One wait on the stop signal for the whole loop: a new one per message would register
    // with (and leave) the watch channel that all 10,000 clients share, at every event.
    let stopped = stop.changed();
    tokio::pin!(stopped);
    loop {
        tokio::select! {
            msg = ws.next() => match msg {
                Some(Ok(Message::Text(t))) => {
                    let now = Instant::now();
                    if let Some(id) = event_id(&t) {
                        log.events.push((id, now));
                        counters.delivered.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                    let v: Value = serde_json::from_str(&t).unwrap_or(Value::Null);
                    match v["type"].as_str() {
                        Some("pong") | Some("ping") => {}
                        Some("complete") => {
                            if !log.completed && log.errors == 0 {
                                counters.ended.fetch_add(1, Ordering::Relaxed);
                            }
                            log.completed = true;
                        }
                        _ => {
                            if !log.completed && log.errors == 0 {
                                counters.ended.fetch_add(1, Ordering::Relaxed);
                            }
                            log.errors += 1;
                            if log.sample.is_none() {
                                log.sample = Some(t.chars().take(300).collect());
                            }
                        }
                    }
                }
                Some(Ok(Message::Close(frame))) => {
                    log.ended = Some(match frame {
                        Some(f) => format!("closed {} {}", u16::from(f.code), f.reason),
                        None => "closed".to_string(),
                    });
                    break;
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    log.ended = Some(format!("failed: {e}"));
                    break;
                }
                None => {
                    log.ended = Some("gone".to_string());
                    break;
                }
            },
            _ = ping.tick() => {
                if let Err(e) = ws.send(Message::Text(r#"{"type":"ping"}"#.into())).await {
                    log.ended = Some(format!("ping failed: {e}"));
                    break;
                }
            }
            _ = &mut stopped => return log,
        }
    }
    if !log.completed && log.errors == 0 {
        counters.ended.fetch_add(1, Ordering::Relaxed);
    }
    log
}

/// A subscriber: its role and its read loop.
struct Subscriber {
    admin: bool,
    task: tokio::task::JoinHandle<ClientLog>,
}

/// Who connects, and where their read loops report.
struct Audience<'a> {
    addr: &'a str,
    /// Subscribers `0..admins` are admins, the others bystander officers.
    admins: usize,
    admin_tokens: &'a [String],
    bystander_token: Option<&'a str>,
    settings: &'a Settings,
    stop: watch::Receiver<bool>,
    counters: Arc<Counters>,
}

impl Audience<'_> {
    /// Connects subscribers `range`, `BENCH_CONNECT_CONCURRENCY` at a time.
    async fn connect(
        &self,
        range: std::ops::Range<usize>,
        total: usize,
    ) -> (Vec<Subscriber>, Vec<String>) {
        let (addr, admins, settings) = (self.addr, self.admins, self.settings);
        let n = range.len();
        let offset = range.start;
        let expected = settings.events();
        let ping_every = Duration::from_secs(settings.ping_secs);
        let started = Instant::now();
        let mut subscribers = Vec::with_capacity(n);
        let mut failures = Vec::new();
        let mut attempts = futures_util::stream::iter(range)
            .map(|i| {
                let admin = i < admins;
                let token = if admin {
                    self.admin_tokens[i % self.admin_tokens.len()].clone()
                } else {
                    self.bystander_token.unwrap_or_default().to_string()
                };
                async move {
                    let mut last = None;
                    for attempt in 0..3 {
                        if attempt > 0 {
                            tokio::time::sleep(Duration::from_millis(200 * attempt)).await;
                        }
                        match connect(addr, &token).await {
                            Ok(ws) => return (admin, Ok(ws)),
                            Err(e) => last = Some(e),
                        }
                    }
                    (
                        admin,
                        Err(last.unwrap_or_else(|| anyhow::anyhow!("not attempted"))),
                    )
                }
            })
            .buffer_unordered(settings.connect_concurrency);
        while let Some((admin, outcome)) = attempts.next().await {
            match outcome {
                Ok(ws) => subscribers.push(Subscriber {
                    admin,
                    task: tokio::spawn(read_loop(
                        ws,
                        self.stop.clone(),
                        self.counters.clone(),
                        ping_every,
                        if admin { expected } else { 0 },
                    )),
                }),
                Err(e) => failures.push(format!("{e:#}")),
            }
            let done = subscribers.len() + failures.len();
            if done % 1000 == 0 || done == n {
                println!(
                    "  connected {:>6} / {total} ({} failed) in {:.1} s",
                    offset + subscribers.len(),
                    failures.len(),
                    started.elapsed().as_secs_f64()
                );
            }
        }
        (subscribers, failures)
    }
}

/// One mutation of the producers.
struct Mutation {
    /// Just before sending.
    sent: Instant,
    /// When the answer (after the commit) was read.
    answered: Instant,
    error: Option<String>,
}

/// Sends `m` edits at `rate` per second, mutation k by producer k mod P on its own draft,
/// open loop: each at its scheduled instant, whatever the previous ones are doing (a slow
/// server does not slow the offered rate down). Mutation k sets the phone `021` + k+1 on 8
/// digits, which the event records. Runs on a thread and runtime of its own, so that the
/// subscribers' read loops do not delay the schedule. Returns the mutations in send order
/// and the achieved send rate.
fn produce(
    addr: String,
    producers: Vec<(String, String)>,
    m: usize,
    rate: f64,
) -> tokio::sync::oneshot::Receiver<Result<(Vec<Mutation>, f64)>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let outcome = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("building the producer's runtime")
            .and_then(|rt| {
                rt.block_on(async move {
                    let http = Arc::new(Http::new(&addr)?);
                    let producers: Vec<_> = producers.into_iter().map(Arc::new).collect();
                    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
                    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
                    let mut tasks = Vec::with_capacity(m);
                    let mut first = None;
                    let mut last = None;
                    for k in 0..m {
                        tick.tick().await;
                        let http = http.clone();
                        let producer = producers[k % producers.len()].clone();
                        let vars = json!({ "id": producer.1, "p": format!("021{:08}", k + 1) });
                        let t0 = Instant::now();
                        first.get_or_insert(t0);
                        last = Some(t0);
                        tasks.push(tokio::spawn(async move {
                            let sent = Instant::now();
                            let outcome = http.gql(Some(&producer.0), EDIT, vars).await;
                            Mutation {
                                sent,
                                answered: Instant::now(),
                                error: outcome.err().map(|e| format!("{e:#}")),
                            }
                        }));
                    }
                    let send_rate = match (first, last) {
                        (Some(f), Some(l)) if l > f => (m - 1) as f64 / (l - f).as_secs_f64(),
                        _ => rate,
                    };
                    let mut mutations = Vec::with_capacity(m);
                    for t in tasks {
                        mutations.push(t.await.context("a mutation task failed")?);
                    }
                    Ok((mutations, send_rate))
                })
            });
        let _ = tx.send(outcome);
    });
    rx
}

/// The benchmark's own `LISTEN` connection, on a thread and runtime of its own: the instant
/// each notification reaches it is the benchmark's view of the event's commit (PostgreSQL
/// sends notifications at commit; the server's hub gets the same one at the same time).
struct CommitListener {
    stop: watch::Sender<bool>,
    result: tokio::sync::oneshot::Receiver<Result<HashMap<i64, Instant>>>,
}

impl CommitListener {
    /// Starts listening; returns once `LISTEN` is in effect.
    async fn start(url: &str) -> Result<Self> {
        let (stop, stop_rx) = watch::channel(false);
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        let (tx, result) = tokio::sync::oneshot::channel();
        let url = url.to_string();
        std::thread::spawn(move || {
            let outcome = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("building the listener's runtime")
                .and_then(|rt| rt.block_on(db::listen(&url, ready_tx, stop_rx)));
            let _ = tx.send(outcome);
        });
        match ready_rx.await {
            Ok(()) => Ok(Self { stop, result }),
            Err(_) => match result.await {
                Ok(Err(e)) => Err(e.context("listening for notifications")),
                _ => bail!("the listener thread ended at once"),
            },
        }
    }

    /// Stops listening; returns when each event id was announced.
    async fn finish(self) -> Result<HashMap<i64, Instant>> {
        let _ = self.stop.send(true);
        self.result
            .await
            .context("the listener thread ended without an answer")?
    }
}

/// Waits until the server's `cartable_subscribers` gauge reaches `count` (subscribing is not
/// acknowledged in graphql-transport-ws), then one idle second; returns the gauge.
/// Subscribers whose stream ended (a refused subscription) are not waited for.
async fn wait_subscribed(
    http: &reqwest::Client,
    addr: &str,
    count: usize,
    counters: &Counters,
) -> f64 {
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut gauge = 0.0;
    while Instant::now() < deadline {
        gauge = subscribers_gauge(http, addr).await.unwrap_or(0.0);
        let ended = counters.ended.load(Ordering::Relaxed) as f64;
        if gauge + ended >= count as f64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    gauge
}

// ---------------------------------------------------------------------------------------------
// One run
// ---------------------------------------------------------------------------------------------

/// p50 / p99 / max of a sample, milliseconds.
#[derive(Default, Clone, Copy)]
struct Pct {
    p50: f64,
    p99: f64,
    max: f64,
    min: f64,
}

fn percentiles(mut v: Vec<f64>) -> Pct {
    if v.is_empty() {
        return Pct::default();
    }
    v.sort_unstable_by(f64::total_cmp);
    let n = v.len();
    let at = |p: usize| v[((n * p).div_ceil(100)).saturating_sub(1).min(n - 1)];
    Pct {
        p50: at(50),
        p99: at(99),
        max: v[n - 1],
        min: v[0],
    }
}

/// `a − b` in milliseconds, negative when `a` is earlier.
fn signed_ms(a: Instant, b: Instant) -> f64 {
    if a >= b {
        (a - b).as_secs_f64() * 1000.0
    } else {
        -((b - a).as_secs_f64() * 1000.0)
    }
}

/// The figures of one run.
struct RunResult {
    n: usize,
    admins: usize,
    connected: usize,
    connect_failures: usize,
    connect_secs: f64,
    rss_before_kib: u64,
    rss_subscribed_kib: u64,
    rss_first_kib: u64,
    first_connected: usize,
    rss_after_kib: u64,
    bench_rss_kib: u64,
    mutations_ok: usize,
    mutations_failed: usize,
    mutation_rate: f64,
    mutation_latency: Pct,
    before_commit: Pct,
    after_commit: Pct,
    events_in_log: usize,
    expected: u64,
    delivered: u64,
    missing: u64,
    duplicates: u64,
    unexpected: u64,
    closed_early: usize,
    stream_errors: u64,
    end_samples: Vec<String>,
    delay_commit: Pct,
    delay_resp: Pct,
    delay_send: Pct,
    last_subscriber: Pct,
    delay_by_tenth: Vec<f64>,
    deliveries_per_sec: f64,
    delivery_span_secs: f64,
    drain_secs: f64,
    server_cpu_secs: f64,
    bench_cpu_secs: f64,
    wall_secs: f64,
}

impl RunResult {
    /// (RSS with all subscribed − RSS before connecting) / subscribers.
    fn kib_per_subscriber(&self) -> f64 {
        (self.rss_subscribed_kib as f64 - self.rss_before_kib as f64) / self.connected.max(1) as f64
    }

    /// The same, over the last nine tenths only.
    fn marginal_kib_per_subscriber(&self) -> f64 {
        (self.rss_subscribed_kib as f64 - self.rss_first_kib as f64)
            / (self.connected.saturating_sub(self.first_connected)).max(1) as f64
    }

    fn print(&self) {
        let mib = |k: u64| k as f64 / 1024.0;
        println!(
            "subscribers: {} connected ({} admins, {} bystander officers), {} failed, in {:.1} s",
            self.connected,
            self.admins,
            self.n - self.admins,
            self.connect_failures,
            self.connect_secs
        );
        println!(
            "server RSS: {:.1} MiB before connecting, {:.1} MiB with all subscribed and idle → \
             {:.1} KiB per subscriber ({:.1} KiB each over the last {}, from {:.1} MiB with the \
             first {}); {:.1} MiB after the events (bench process: {:.1} MiB)",
            mib(self.rss_before_kib),
            mib(self.rss_subscribed_kib),
            self.kib_per_subscriber(),
            self.marginal_kib_per_subscriber(),
            self.connected.saturating_sub(self.first_connected),
            mib(self.rss_first_kib),
            self.first_connected,
            mib(self.rss_after_kib),
            mib(self.bench_rss_kib)
        );
        println!(
            "mutations: {} ok, {} failed, sent at {:.1}/s (open loop); latency p50 {:.1} ms, p99 {:.1} ms, \
             max {:.1} ms; {} EDIT events in the log",
            self.mutations_ok,
            self.mutations_failed,
            self.mutation_rate,
            self.mutation_latency.p50,
            self.mutation_latency.p99,
            self.mutation_latency.max,
            self.events_in_log
        );
        println!(
            "  of which send → commit p50 {:.1} ms, max {:.1} ms; commit → answer p50 {:.1} ms, \
             max {:.1} ms",
            self.before_commit.p50,
            self.before_commit.max,
            self.after_commit.p50,
            self.after_commit.max
        );
        println!(
            "deliveries: {} of {} expected; missing {}, duplicate {}, unexpected {}; \
             subscribers ended early {}, stream errors {}; drain after the last mutation {:.1} s",
            self.delivered,
            self.expected,
            self.missing,
            self.duplicates,
            self.unexpected,
            self.closed_early,
            self.stream_errors,
            self.drain_secs
        );
        for s in &self.end_samples {
            println!("  e.g. {s}");
        }
        println!(
            "DELAY commit (notification at the bench's LISTEN) → receipt: p50 {:.1} ms, \
             p99 {:.1} ms, max {:.1} ms (min {:.1} ms)",
            self.delay_commit.p50,
            self.delay_commit.p99,
            self.delay_commit.max,
            self.delay_commit.min
        );
        println!(
            "  mutation answered → receipt: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (min {:.1} ms)",
            self.delay_resp.p50, self.delay_resp.p99, self.delay_resp.max, self.delay_resp.min
        );
        println!(
            "  mutation sent → receipt (upper bound): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            self.delay_send.p50, self.delay_send.p99, self.delay_send.max
        );
        println!(
            "  commit → the last subscriber got the event: p50 {:.1} ms, p99 {:.1} ms, \
             max {:.1} ms",
            self.last_subscriber.p50, self.last_subscriber.p99, self.last_subscriber.max
        );
        println!(
            "  p50 commit → receipt by tenth of the run (ms): {}",
            self.delay_by_tenth
                .iter()
                .map(|d| format!("{d:.0}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        println!(
            "throughput: {:.0} deliveries/s ({} deliveries from the first send to the last \
             receipt, {:.2} s)",
            self.deliveries_per_sec, self.delivered, self.delivery_span_secs
        );
        println!(
            "CPU from the first mutation to the end of the drain ({:.1} s): server {:.1} s \
             ({:.0}% of one core), bench clients {:.1} s ({:.0}%)",
            self.wall_secs,
            self.server_cpu_secs,
            100.0 * self.server_cpu_secs / self.wall_secs.max(1e-9),
            self.bench_cpu_secs,
            100.0 * self.bench_cpu_secs / self.wall_secs.max(1e-9)
        );
    }
}

async fn run_one(
    settings: &Settings,
    n: usize,
    admin_url: &str,
    bench_url: &str,
    password_hash: &str,
) -> Result<RunResult> {
    db::admin_exec(
        admin_url,
        &format!("DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)"),
    )
    .await?;
    // The server creates and migrates the database itself.
    let server = Server::start(bench_url).await?;
    println!("server pid {} on {}", server.pid, server.addr);
    let outcome = drive(settings, n, &server, bench_url, password_hash).await;
    if outcome.is_err() {
        eprintln!("server log (last lines):\n{}", server.log_tail());
    }
    server.stop().await;
    outcome
}

async fn drive(
    settings: &Settings,
    n: usize,
    server: &Server,
    bench_url: &str,
    password_hash: &str,
) -> Result<RunResult> {
    let http = Http::new(&server.addr)?;
    let mut db = AsyncPgConnection::establish(bench_url)
        .await
        .context("connecting to the benchmark database")?;

    // The audience: admins (every event) and, if asked, bystander officers (none).
    let admins = (n * settings.admin_percent as usize)
        .div_ceil(100)
        .clamp(1, n);
    let accounts = settings.accounts.min(admins);
    db::create_admins(&mut db, password_hash, accounts)
        .await
        .context("creating the admin accounts")?;
    let t = Instant::now();
    let mut admin_tokens = Vec::with_capacity(accounts);
    for i in 1..=accounts {
        admin_tokens.push(http.login(&format!("fanout.admin.{i}")).await?);
    }
    println!(
        "{accounts} admin accounts logged in ({:.1} s); tokens shared round-robin by {admins} \
         admin subscribers",
        t.elapsed().as_secs_f64()
    );
    let bystander = if admins < n {
        Some(http.register_officer().await?)
    } else {
        None
    };

    // The producers: officers, each with a draft; one edit each to warm the path up.
    let mut producers = Vec::with_capacity(settings.producers);
    for _ in 0..settings.producers {
        let token = http.register_officer().await?;
        let r = http.gql(Some(&token), START, json!({})).await?;
        let request_id = r["data"]["startQualificationRequest"]["id"]
            .as_str()
            .ok_or_else(|| anyhow::anyhow!("startQualificationRequest answered no id: {r}"))?
            .to_string();
        http.gql(
            Some(&token),
            EDIT,
            json!({ "id": request_id, "p": "02100000000" }),
        )
        .await
        .context("the warm-up edit")?;
        producers.push((token, request_id));
    }
    let request_ids: Vec<String> = producers.iter().map(|p| p.1.clone()).collect();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_before_kib = server.rss_kib()?;

    // Connect everyone: a tenth first, then the rest, reading the server's RSS after each
    // step (the first step also absorbs memory the allocator kept from earlier work, e.g. the
    // argon2 buffers of the logins, so the second step gives the marginal cost).
    let (stop_tx, stop_rx) = watch::channel(false);
    let counters = Arc::new(Counters::default());
    let delivered = &counters.delivered;
    let audience = Audience {
        addr: &server.addr,
        admins,
        admin_tokens: &admin_tokens,
        bystander_token: bystander.as_deref(),
        settings,
        stop: stop_rx,
        counters: counters.clone(),
    };
    let first = (n / 10).max(1);
    let t = Instant::now();
    let (mut subscribers, mut failures) = audience.connect(0..first, n).await;
    let mut connect_secs = t.elapsed().as_secs_f64();
    let gauge = wait_subscribed(&http.client, &server.addr, subscribers.len(), &counters).await;
    let rss_first_kib = server.rss_kib()?;
    let first_connected = subscribers.len();
    println!("  server counts {gauge} subscribers; RSS {rss_first_kib} KiB");
    let t = Instant::now();
    let (more, more_failures) = audience.connect(first..n, n).await;
    connect_secs += t.elapsed().as_secs_f64();
    subscribers.extend(more);
    failures.extend(more_failures);
    drop(audience);
    for f in failures.iter().take(3) {
        println!("  connect failure, e.g.: {f}");
    }
    let gauge = wait_subscribed(&http.client, &server.addr, subscribers.len(), &counters).await;
    let rss_subscribed_kib = server.rss_kib()?;
    let refused = counters.ended.load(Ordering::Relaxed);
    println!(
        "  server counts {gauge} subscribers (of {} connected; {refused} subscriptions ended \
         before any event, e.g. refused); RSS {rss_subscribed_kib} KiB",
        subscribers.len()
    );

    // The events.
    let before = db::max_event_id(&mut db).await?;
    let listener = CommitListener::start(bench_url).await?;
    let m = settings.events();
    let cpu0 = (server.cpu_secs(), proc_cpu_secs("/proc/self/stat"));
    let start = Instant::now();
    let (mutations, send_rate) = produce(server.addr.clone(), producers, m, settings.rate)
        .await
        .context("the producer thread ended without an answer")??;
    let last_mutation = Instant::now();
    let ok: Vec<bool> = mutations.iter().map(|x| x.error.is_none()).collect();
    let mutations_failed = ok.iter().filter(|o| !**o).count();
    if let Some(e) = mutations.iter().find_map(|x| x.error.as_ref()) {
        println!("  mutation failure, e.g.: {e}");
    }
    let sent: Vec<Instant> = mutations.iter().map(|x| x.sent).collect();
    let answered: Vec<Instant> = mutations.iter().map(|x| x.answered).collect();

    // Drain: until every admin has every event, or no progress for a while.
    let expected = (subscribers.iter().filter(|s| s.admin).count() * (m - mutations_failed)) as u64;
    let stall = Duration::from_secs(settings.drain_stall_secs);
    let cap = Instant::now() + Duration::from_secs(300);
    let mut seen = delivered.load(Ordering::Relaxed);
    let mut progress_at = Instant::now();
    // Subscribers whose stream ended will not receive the rest: do not wait for them.
    let admins_connected = subscribers.iter().filter(|s| s.admin).count() as u64;
    let ok_count = (m - mutations_failed) as u64;
    let waiting_for =
        || admins_connected.saturating_sub(counters.ended.load(Ordering::Relaxed)) * ok_count;
    while delivered.load(Ordering::Relaxed) < waiting_for() && Instant::now() < cap {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let now_seen = delivered.load(Ordering::Relaxed);
        if now_seen > seen {
            seen = now_seen;
            progress_at = Instant::now();
        } else if progress_at.elapsed() > stall {
            println!(
                "  no delivery for {} s: stopping the drain",
                settings.drain_stall_secs
            );
            break;
        }
    }
    // A moment for late duplicates or unexpected deliveries to show.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let drain_secs = last_mutation.elapsed().as_secs_f64();
    let wall_secs = start.elapsed().as_secs_f64();
    let cpu1 = (server.cpu_secs(), proc_cpu_secs("/proc/self/stat"));
    let rss_after_kib = server.rss_kib()?;
    let bench_rss_kib = proc_rss_kib("/proc/self/status").unwrap_or(0);
    let notified = listener.finish().await?;

    // Stop the readers and collect what they saw.
    let _ = stop_tx.send(true);
    let mut logs = Vec::with_capacity(subscribers.len());
    for s in subscribers {
        let admin = s.admin;
        match s.task.await {
            Ok(log) => logs.push((admin, log)),
            Err(e) => logs.push((
                admin,
                ClientLog {
                    ended: Some(format!("read task failed: {e}")),
                    ..ClientLog::default()
                },
            )),
        }
    }

    // The producer's EDIT events: each carries the phone its mutation set (`021` and the
    // mutation's number on 8 digits), which names the mutation whatever the commit order.
    let rows = db::edit_events(&mut db, before, &request_ids)
        .await
        .context("reading the events")?;
    let mut index: HashMap<i64, usize> = HashMap::with_capacity(rows.len());
    let mut matched = vec![false; m];
    for (id, phone) in &rows {
        let digits: String = phone
            .as_deref()
            .unwrap_or_default()
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        let k = digits
            .get(digits.len().saturating_sub(8)..)
            .and_then(|d| d.parse::<usize>().ok())
            .and_then(|d| d.checked_sub(1))
            .filter(|&k| k < m);
        match k {
            Some(k) if !matched[k] => {
                matched[k] = true;
                index.insert(*id, k);
            }
            _ => println!("  WARNING: event {id} (phone {phone:?}) matches no mutation"),
        }
    }
    if index.len() != m - mutations_failed {
        println!(
            "  WARNING: {} EDIT events in the log for {} successful mutations",
            index.len(),
            m - mutations_failed
        );
    }
    let events = m;
    // The commit instant of each mutation's event, as seen by the benchmark's listener.
    let mut committed: Vec<Option<Instant>> = vec![None; events];
    for (id, &k) in &index {
        committed[k] = notified.get(id).copied();
    }
    let unannounced = index.len() - committed.iter().filter(|c| c.is_some()).count();
    if unannounced > 0 {
        println!(
            "  WARNING: the benchmark's listener saw no notification for {unannounced} events"
        );
    }

    let mut delay_commit = Vec::new();
    let mut delay_resp = Vec::new();
    let mut delay_send = Vec::new();
    let mut last_receipt: Vec<Option<Instant>> = vec![None; events];
    let mut by_tenth: Vec<Vec<f64>> = vec![Vec::new(); 10];
    let (mut missing, mut duplicates, mut unexpected, mut stream_errors) = (0u64, 0u64, 0u64, 0u64);
    let mut closed_early = 0;
    let mut end_samples = Vec::new();
    let mut final_receipt: Option<Instant> = None;
    let mut total = 0u64;
    for (admin, log) in &logs {
        stream_errors += u64::from(log.errors);
        if log.ended.is_some() || log.completed || log.errors > 0 {
            closed_early += 1;
            if end_samples.len() < 3 {
                let what = log
                    .ended
                    .clone()
                    .or_else(|| log.sample.clone())
                    .unwrap_or_else(|| "complete".to_string());
                if !end_samples.contains(&what) {
                    end_samples.push(what);
                }
            }
        }
        let mut counts = vec![0u32; events];
        for &(id, at) in &log.events {
            total += 1;
            final_receipt = Some(final_receipt.map_or(at, |f| f.max(at)));
            let Some(&k) = index.get(&id).filter(|_| *admin) else {
                unexpected += 1;
                continue;
            };
            counts[k] += 1;
            if counts[k] > 1 {
                duplicates += 1;
                continue;
            }
            delay_resp.push(signed_ms(at, answered[k]));
            delay_send.push(signed_ms(at, sent[k]));
            if let Some(c) = committed[k] {
                let d = signed_ms(at, c);
                delay_commit.push(d);
                by_tenth[(k * 10 / events.max(1)).min(9)].push(d);
            }
            last_receipt[k] = Some(last_receipt[k].map_or(at, |l| l.max(at)));
        }
        if *admin {
            missing += counts
                .iter()
                .zip(&matched)
                .filter(|(c, m)| **m && **c == 0)
                .count() as u64;
        }
    }
    let last_subscriber = percentiles(
        last_receipt
            .iter()
            .enumerate()
            .filter_map(|(k, l)| Some(signed_ms((*l)?, committed[k]?)))
            .collect(),
    );
    // Where a mutation's time goes: before its commit, and from the commit to its answer.
    let (mut before_commit, mut after_commit) = (Vec::new(), Vec::new());
    for (k, x) in mutations.iter().enumerate() {
        if let (None, Some(c)) = (&x.error, committed[k]) {
            before_commit.push(signed_ms(c, x.sent));
            after_commit.push(signed_ms(x.answered, c));
        }
    }
    let first_send = sent.iter().copied().min();
    let span = match (first_send, final_receipt) {
        (Some(s), Some(f)) if f > s => (f - s).as_secs_f64(),
        _ => 0.0,
    };
    let latencies = mutations
        .iter()
        .filter(|x| x.error.is_none())
        .map(|x| signed_ms(x.answered, x.sent))
        .collect();
    Ok(RunResult {
        n,
        admins,
        connected: logs.len(),
        connect_failures: failures.len(),
        connect_secs,
        rss_before_kib,
        rss_subscribed_kib,
        rss_first_kib,
        first_connected,
        rss_after_kib,
        bench_rss_kib,
        mutations_ok: m - mutations_failed,
        mutations_failed,
        mutation_rate: send_rate,
        mutation_latency: percentiles(latencies),
        before_commit: percentiles(before_commit),
        after_commit: percentiles(after_commit),
        events_in_log: index.len(),
        expected,
        delivered: total,
        missing,
        duplicates,
        unexpected,
        closed_early,
        stream_errors,
        end_samples,
        delay_commit: percentiles(delay_commit),
        delay_resp: percentiles(delay_resp),
        delay_send: percentiles(delay_send),
        last_subscriber,
        delay_by_tenth: by_tenth
            .into_iter()
            .filter(|v| !v.is_empty())
            .map(|v| percentiles(v).p50)
            .collect(),
        deliveries_per_sec: if span > 0.0 { total as f64 / span } else { 0.0 },
        delivery_span_secs: span,
        drain_secs,
        server_cpu_secs: cpu1.0 - cpu0.0,
        bench_cpu_secs: cpu1.1 - cpu0.1,
        wall_secs,
    })
}

// ---------------------------------------------------------------------------------------------
// The floor: the same fan-out, to the same clients, with no server
// ---------------------------------------------------------------------------------------------

/// The machine's own floor for the fan-out, measured just before each server run with the
/// same clients (the ratio of the server's delays to it is the figure to compare across
/// machines). A stand-in, a process of its own as the server is, accepts the same WebSocket handshake
/// (`connection_init` → `connection_ack`, then `subscribe`) and keeps only the sockets; at each
/// event, `BENCH_FLOOR_WRITERS` threads (default: one per core, as many as the server's
/// workers) write one pre-built `next` frame of the server's shape to every socket, one
/// blocking `write(2)` each, and nothing else: no database, no hub, no render, no task per
/// socket, Nagle left on as in the server. The delay runs from the instant the benchmark tells
/// the stand-in (a line on its stdin) to the receipt. What it takes is the kernel's work for that many small TCP messages on
/// this machine (on loopback the sender's `write` also runs the receiving side's TCP), with
/// the clients sharing the cores; what the server's figures add to it is the server's.
mod floor {
    use super::{
        Audience, ClientLog, Counters, Pct, Settings, percentiles, proc_cpu_secs, signed_ms,
    };
    use anyhow::{Context as _, Result, bail};
    use futures_util::{SinkExt, StreamExt};
    use std::io::Write;
    use std::sync::Arc;
    use std::sync::atomic::Ordering;
    use std::time::{Duration, Instant};
    use tokio::net::TcpStream;
    use tokio::sync::watch;
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
    use tokio_tungstenite::tungstenite::http::HeaderValue;

    /// The figures of a floor run.
    pub struct FloorResult {
        pub n: usize,
        pub connected: usize,
        pub writers: usize,
        pub events: usize,
        pub delivered: u64,
        pub expected: u64,
        pub missing: u64,
        pub duplicates: u64,
        pub closed_early: usize,
        pub write_failures: usize,
        pub delay: Pct,
        pub last_subscriber: Pct,
        /// Wall time of one writer's pass over its sockets, ms.
        pub pass: Pct,
        pub writers_cpu_secs: f64,
        pub bench_cpu_secs: f64,
        pub wall_secs: f64,
    }

    impl FloorResult {
        pub fn print(&self) {
            println!(
                "FLOOR ({} writer threads, {} sockets, {} events): deliveries {} of {}; missing \
                 {}, duplicate {}, subscribers ended early {}, failed writes {}",
                self.writers,
                self.connected,
                self.events,
                self.delivered,
                self.expected,
                self.missing,
                self.duplicates,
                self.closed_early,
                self.write_failures
            );
            println!(
                "  writers told → receipt: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; the last \
                 subscriber p50 {:.1} ms, max {:.1} ms; one writer's pass p50 {:.1} ms, max \
                 {:.1} ms",
                self.delay.p50,
                self.delay.p99,
                self.delay.max,
                self.last_subscriber.p50,
                self.last_subscriber.max,
                self.pass.p50,
                self.pass.max
            );
            println!(
                "  CPU over {:.1} s: the stand-in's writers {:.1} s ({:.0}% of one core), the \
                 bench process (the clients) {:.1} s ({:.0}%)",
                self.wall_secs,
                self.writers_cpu_secs,
                100.0 * self.writers_cpu_secs / self.wall_secs.max(1e-9),
                self.bench_cpu_secs,
                100.0 * self.bench_cpu_secs / self.wall_secs.max(1e-9)
            );
        }
    }

    /// The `next` frame of event `id`, unmasked as a server sends it, of the server's shape.
    fn frame(id: usize) -> Vec<u8> {
        let payload = format!(
            r#"{{"type":"next","id":"1","payload":{{"data":{{"cartableEvents":{{"id":"{id}","kind":"EDIT","occurredAt":"2026-12-07T23:30:00.123456Z"}}}}}}}}"#
        );
        let mut frame = vec![0x81];
        match payload.len() {
            l @ 0..=125 => frame.push(l as u8),
            l => {
                frame.push(126);
                frame.extend_from_slice(&(l as u16).to_be_bytes());
            }
        }
        frame.extend_from_slice(payload.as_bytes());
        frame
    }

    /// The handshake's answer names the subprotocol the clients ask for.
    #[allow(clippy::result_large_err)] // the signature of tungstenite's `Callback`
    fn protocol(_: &Request, mut response: Response) -> Result<Response, ErrorResponse> {
        response.headers_mut().insert(
            "sec-websocket-protocol",
            HeaderValue::from_static("graphql-transport-ws"),
        );
        Ok(response)
    }

    /// The stand-in's side of one subscriber: the handshake, then the bare socket.
    async fn handshake(tcp: TcpStream) -> Result<std::net::TcpStream> {
        let mut ws = tokio_tungstenite::accept_hdr_async(tcp, protocol).await?;
        for (wanted, answer) in [("connection_init", true), ("subscribe", false)] {
            loop {
                match ws.next().await {
                    Some(Ok(Message::Text(t))) if t.contains(wanted) => break,
                    Some(Ok(_)) => {}
                    other => bail!("no {wanted}: {other:?}"),
                }
            }
            if answer {
                ws.send(Message::Text(r#"{"type":"connection_ack"}"#.into()))
                    .await?;
            }
        }
        // Nothing is left in tungstenite's buffer: the client sends nothing after `subscribe`
        // but its pings, which the floor never reads.
        let socket = ws.into_inner().into_std()?;
        socket.set_nonblocking(false)?;
        Ok(socket)
    }

    /// What a writer did: the wall time of each pass (ms), its CPU time, its failed writes,
    /// and its sockets (kept open until the clients are stopped).
    type Written = (Vec<f64>, f64, usize, Vec<std::net::TcpStream>);

    /// One writer: writes each frame it is given to each of its sockets.
    fn writer(
        mut sockets: Vec<std::net::TcpStream>,
        frames: std::sync::mpsc::Receiver<Arc<Vec<u8>>>,
    ) -> Written {
        let cpu = proc_cpu_secs("/proc/thread-self/stat");
        let (mut passes, mut failed) = (Vec::new(), 0);
        while let Ok(frame) = frames.recv() {
            let t = Instant::now();
            // Frames that came during the last pass go out together, one write per socket
            // (as the server does for a subscriber behind).
            let mut bytes = std::borrow::Cow::Borrowed(frame.as_slice());
            while let Ok(more) = frames.try_recv() {
                bytes.to_mut().extend_from_slice(&more);
            }
            for s in &mut sockets {
                failed += usize::from(s.write_all(&bytes).is_err());
            }
            passes.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let cpu = proc_cpu_secs("/proc/thread-self/stat") - cpu;
        (passes, cpu, failed, sockets)
    }

    /// Set in the environment of the stand-in's process.
    pub const STANDIN: &str = "OFFICER_REGISTRY_FANOUT_STANDIN";

    /// The stand-in, a process of its own (this benchmark run again with [`STANDIN`] set), so
    /// that its ends of the connections take neither this process's descriptors nor its
    /// runtime. It speaks lines on stdin and stdout: it says `port P`; told `sockets N`, it
    /// waits for N subscribed sockets and says `ready M`; told `e K`, its writers send event
    /// K; told `end`, it says `done <writers' CPU s> <failed writes> <pass ms>…`; it keeps the
    /// sockets open until stdin closes.
    pub fn standin() -> Result<()> {
        let writers: usize = std::env::var("FANOUT_STANDIN_WRITERS")?.parse()?;
        let runtime = tokio::runtime::Runtime::new()?;
        let (addr, mut subscribed) = runtime.block_on(async {
            // A backlog as deep as the server's: the clients connect 200 at a time.
            let socket = tokio::net::TcpSocket::new_v4()?;
            socket.bind("127.0.0.1:0".parse()?)?;
            let listener = socket.listen(4096)?;
            let addr = listener.local_addr()?;
            let (tx, subscribed) = tokio::sync::mpsc::unbounded_channel();
            tokio::spawn(async move {
                loop {
                    match listener.accept().await {
                        Ok((tcp, _)) => {
                            let tx = tx.clone();
                            tokio::spawn(async move {
                                let _ = tx.send(handshake(tcp).await);
                            });
                        }
                        // Out of descriptors, say: the client retries, the listener stays.
                        Err(e) => {
                            let _ = tx.send(Err(anyhow::Error::new(e).context("accepting")));
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                    }
                }
            });
            anyhow::Ok((addr, subscribed))
        })?;
        let mut out = std::io::stdout().lock();
        writeln!(out, "port {}", addr.port())?;
        out.flush()?;
        let mut lines = std::io::stdin().lines();
        let mut next = || -> Result<String> {
            lines
                .next()
                .ok_or_else(|| anyhow::anyhow!("the benchmark closed the stand-in's input"))?
                .map_err(Into::into)
        };
        let wanted: usize = next()?
            .strip_prefix("sockets ")
            .ok_or_else(|| anyhow::anyhow!("expected `sockets N`"))?
            .parse()?;
        let sockets = runtime.block_on(async {
            let mut sockets = Vec::with_capacity(wanted);
            let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
            while sockets.len() < wanted {
                match tokio::time::timeout_at(deadline, subscribed.recv()).await {
                    Ok(Some(Ok(socket))) => sockets.push(socket),
                    Ok(Some(Err(e))) => eprintln!("  floor: a handshake failed: {e:#}"),
                    _ => break,
                }
            }
            sockets
        });
        writeln!(out, "ready {}", sockets.len())?;
        out.flush()?;

        let writers = writers.clamp(1, sockets.len().max(1));
        let share = sockets.len().div_ceil(writers);
        let mut sockets = sockets.into_iter();
        let mut inboxes = Vec::with_capacity(writers);
        let mut threads = Vec::with_capacity(writers);
        for i in 0..writers {
            let mine: Vec<_> = sockets.by_ref().take(share).collect();
            let (tx, rx) = std::sync::mpsc::channel();
            threads.push(
                std::thread::Builder::new()
                    .name(format!("floor-writer-{i}"))
                    .spawn(move || writer(mine, rx))
                    .context("starting a floor writer")?,
            );
            inboxes.push(tx);
        }
        loop {
            let line = next()?;
            if line == "end" {
                break;
            }
            let k: usize = line
                .strip_prefix("e ")
                .ok_or_else(|| anyhow::anyhow!("expected `e K` or `end`"))?
                .parse()?;
            let frame = Arc::new(frame(k));
            for inbox in &inboxes {
                let _ = inbox.send(frame.clone());
            }
        }
        drop(inboxes);
        let (mut passes, mut cpu, mut failed, mut open) = (Vec::new(), 0.0, 0, Vec::new());
        for t in threads {
            let (p, c, f, s) = t
                .join()
                .map_err(|_| anyhow::anyhow!("a floor writer panicked"))?;
            passes.extend(p);
            cpu += c;
            failed += f;
            open.extend(s);
        }
        let passes: Vec<String> = passes.iter().map(|p| format!("{p:.3}")).collect();
        writeln!(out, "done {cpu:.2} {failed} {}", passes.join(" "))?;
        out.flush()?;
        // The sockets stay open until the benchmark has stopped its clients.
        while next().is_ok() {}
        drop(open);
        Ok(())
    }

    /// The stand-in's process, killed when dropped; its lines.
    struct Standin {
        child: std::process::Child,
        input: std::process::ChildStdin,
        output: std::io::Lines<std::io::BufReader<std::process::ChildStdout>>,
    }

    impl Standin {
        fn start(writers: usize) -> Result<Self> {
            let mut child = std::process::Command::new(std::env::current_exe()?)
                .env(STANDIN, "1")
                .env("FANOUT_STANDIN_WRITERS", writers.to_string())
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .context("starting the floor's stand-in")?;
            let input = child.stdin.take().context("the stand-in's stdin")?;
            let output = child.stdout.take().context("the stand-in's stdout")?;
            Ok(Self {
                child,
                input,
                output: std::io::BufRead::lines(std::io::BufReader::new(output)),
            })
        }

        fn say(&mut self, line: &str) -> Result<()> {
            writeln!(self.input, "{line}")?;
            self.input.flush()?;
            Ok(())
        }

        /// The stand-in's next line, without its `prefix`.
        fn hear(&mut self, prefix: &str) -> Result<String> {
            let line = tokio::task::block_in_place(|| self.output.next())
                .ok_or_else(|| anyhow::anyhow!("the stand-in ended"))??;
            line.strip_prefix(prefix)
                .map(str::to_string)
                .ok_or_else(|| anyhow::anyhow!("the stand-in said `{line}`, not `{prefix}…`"))
        }
    }

    impl Drop for Standin {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    /// Connects `n` clients to the stand-in and has it send them the run's events.
    pub async fn run(settings: &Settings, n: usize) -> Result<FloorResult> {
        let mut standin = Standin::start(settings.floor_writers)?;
        let addr = format!("127.0.0.1:{}", standin.hear("port ")?);
        let (stop_tx, stop_rx) = watch::channel(false);
        let counters = Arc::new(Counters::default());
        let token = ["not checked by the stand-in".to_string()];
        let audience = Audience {
            addr: &addr,
            admins: n,
            admin_tokens: &token,
            bystander_token: None,
            settings,
            stop: stop_rx,
            counters: counters.clone(),
        };
        let (subscribers, failures) = audience.connect(0..n, n).await;
        drop(audience);
        if let Some(f) = failures.first() {
            println!("  floor: {} connections failed, e.g. {f}", failures.len());
        }
        standin.say(&format!("sockets {}", subscribers.len()))?;
        let connected: usize = standin.hear("ready ")?.parse()?;
        if connected < subscribers.len() {
            bail!(
                "the floor's stand-in has {connected} subscriptions of {}",
                subscribers.len()
            );
        }
        tokio::time::sleep(Duration::from_secs(1)).await;

        let (m, rate) = (settings.events(), settings.rate);
        let writers = settings.floor_writers.clamp(1, connected.max(1));
        let cpu0 = proc_cpu_secs("/proc/self/stat");
        let start = Instant::now();
        // The events, open loop at the run's rate, from a thread (as the producers).
        let (told, mut standin) = tokio::task::spawn_blocking(move || {
            let mut told = Vec::with_capacity(m);
            let t0 = Instant::now();
            for k in 0..m {
                let at = t0 + Duration::from_secs_f64(k as f64 / rate);
                if let Some(wait) = at.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
                told.push(Instant::now());
                standin.say(&format!("e {}", k + 1))?;
            }
            standin.say("end")?;
            anyhow::Ok((told, standin))
        })
        .await??;
        let done = standin.hear("done ")?;
        let mut fields = done.split_whitespace();
        let writers_cpu_secs: f64 = fields.next().unwrap_or("0").parse()?;
        let write_failures: usize = fields.next().unwrap_or("0").parse()?;
        let passes = fields.map(str::parse).collect::<Result<Vec<f64>, _>>()?;
        // Drain: until every client has every event, or no progress for a while.
        let expected = (connected * m) as u64;
        let mut seen = 0;
        let mut progress_at = Instant::now();
        while counters.delivered.load(Ordering::Relaxed) < expected {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let now_seen = counters.delivered.load(Ordering::Relaxed);
            if now_seen > seen {
                (seen, progress_at) = (now_seen, Instant::now());
            } else if progress_at.elapsed() > Duration::from_secs(settings.drain_stall_secs) {
                println!("  floor: no delivery for {} s", settings.drain_stall_secs);
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let wall_secs = start.elapsed().as_secs_f64();
        let bench_cpu_secs = proc_cpu_secs("/proc/self/stat") - cpu0;

        let _ = stop_tx.send(true);
        let mut delays = Vec::with_capacity(expected as usize);
        let mut last: Vec<Option<Instant>> = vec![None; m];
        let (mut delivered, mut missing, mut duplicates, mut closed_early) = (0, 0, 0, 0);
        for s in subscribers {
            let log = s.task.await.unwrap_or_else(|e| ClientLog {
                ended: Some(format!("read task failed: {e}")),
                ..ClientLog::default()
            });
            closed_early += usize::from(log.ended.is_some() || log.completed || log.errors > 0);
            let mut counts = vec![0u32; m];
            for &(id, at) in &log.events {
                delivered += 1;
                let Some(k) = usize::try_from(id).ok().and_then(|id| id.checked_sub(1)) else {
                    continue;
                };
                let Some(count) = counts.get_mut(k) else {
                    continue;
                };
                *count += 1;
                if *count > 1 {
                    duplicates += 1;
                    continue;
                }
                delays.push(signed_ms(at, told[k]));
                last[k] = Some(last[k].map_or(at, |l| l.max(at)));
            }
            missing += counts.iter().filter(|c| **c == 0).count() as u64;
        }
        drop(standin);
        let last_subscriber = percentiles(
            last.iter()
                .zip(&told)
                .filter_map(|(l, t)| Some(signed_ms((*l)?, *t)))
                .collect(),
        );
        Ok(FloorResult {
            n,
            connected,
            writers,
            events: m,
            delivered,
            expected,
            missing,
            duplicates,
            closed_early,
            write_failures,
            delay: percentiles(delays),
            last_subscriber,
            pass: percentiles(passes),
            writers_cpu_secs,
            bench_cpu_secs,
            wall_secs,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// SQL (in a module of its own: `RunQueryDsl`'s blanket methods would shadow `Vec::first`,
// `AtomicU64::load` … wherever it is in scope)
// ---------------------------------------------------------------------------------------------

mod db {
    use anyhow::{Context as _, Result};
    use diesel::sql_types::{BigInt, Text};
    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
    use futures_util::StreamExt;
    use officer_registry::store;
    use std::collections::HashMap;
    use std::time::Instant;

    #[derive(diesel::QueryableByName)]
    struct IdRow {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }

    /// Runs one statement on the server's `postgres` database.
    pub async fn admin_exec(admin_url: &str, sql: &str) -> Result<()> {
        let mut conn = AsyncPgConnection::establish(admin_url)
            .await
            .with_context(|| format!("connecting to {}", store::describe_url(admin_url)))?;
        diesel::sql_query(sql)
            .execute(&mut conn)
            .await
            .with_context(|| format!("running {sql}"))?;
        Ok(())
    }

    /// Admin accounts `fanout.admin.1` … `fanout.admin.<count>`, all with `password_hash`.
    pub async fn create_admins(
        conn: &mut AsyncPgConnection,
        password_hash: &str,
        count: usize,
    ) -> Result<()> {
        diesel::sql_query(
            "INSERT INTO users (id, user_code, password_hash, role, display_name) \
             SELECT gen_random_uuid(), 'fanout.admin.' || g, $1, 'DIRECTORATE_ADMIN', 'مدیر ' || g \
             FROM generate_series(1, $2) g",
        )
        .bind::<Text, _>(password_hash)
        .bind::<BigInt, _>(i64::try_from(count)?)
        .execute(conn)
        .await?;
        Ok(())
    }

    /// The last id of the event log (0 when empty).
    pub async fn max_event_id(conn: &mut AsyncPgConnection) -> Result<i64> {
        let row: IdRow = diesel::sql_query("SELECT coalesce(max(id), 0) AS id FROM events")
            .get_result(conn)
            .await?;
        Ok(row.id)
    }

    #[derive(diesel::QueryableByName)]
    struct EditRow {
        #[diesel(sql_type = BigInt)]
        id: i64,
        #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
        phone: Option<String>,
    }

    /// The `EDIT` events of `request_ids` after `after`, in id (commit) order, with the
    /// phone each one set.
    pub async fn edit_events(
        conn: &mut AsyncPgConnection,
        after: i64,
        request_ids: &[String],
    ) -> Result<Vec<(i64, Option<String>)>> {
        let rows: Vec<EditRow> = diesel::sql_query(
            "SELECT id, data->>'phone' AS phone FROM events \
             WHERE id > $1 AND entity_id = ANY($2) AND action = 'EDIT' ORDER BY id",
        )
        .bind::<BigInt, _>(after)
        .bind::<diesel::sql_types::Array<Text>, _>(request_ids)
        .load(conn)
        .await?;
        Ok(rows.into_iter().map(|r| (r.id, r.phone)).collect())
    }

    /// Listens on the cartable channel until `stop`; returns when each event id was
    /// announced. `ready` fires once `LISTEN` is in effect.
    pub async fn listen(
        url: &str,
        ready: tokio::sync::oneshot::Sender<()>,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) -> Result<HashMap<i64, Instant>> {
        let mut conn = AsyncPgConnection::establish(url)
            .await
            .context("connecting the listener")?;
        diesel::sql_query(format!("LISTEN {}", officer_registry::cartable::CHANNEL))
            .execute(&mut conn)
            .await?;
        let _ = ready.send(());
        let mut seen = HashMap::new();
        let mut stream = std::pin::pin!(conn.notifications_stream());
        loop {
            tokio::select! {
                n = stream.next() => match n {
                    Some(Ok(n)) => {
                        let at = Instant::now();
                        let id = serde_json::from_str::<serde_json::Value>(&n.payload)
                            .ok()
                            .and_then(|v| v["id"].as_i64());
                        if let Some(id) = id {
                            seen.insert(id, at);
                        }
                    }
                    Some(Err(e)) => return Err(e.into()),
                    None => break,
                },
                _ = stop.changed() => break,
            }
        }
        Ok(seen)
    }
}

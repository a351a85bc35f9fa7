//! Load benchmark of the reviewer's cartable (see `benches/README.md`).
//!
//! Seeds a database of its own (`officer_registry_bench`) with officers, qualification
//! requests, their history, documents and deficiencies, using set-based SQL; starts the app
//! in-process on a loopback port; logs in as a reviewer of Tehran University of Medical
//! Sciences; then drives `reviewQueue` and `qualificationRequest { history }` over HTTP at 16
//! and 64 concurrent clients and prints requests/s and latency percentiles. It measures and
//! prints; it never asserts on timings.
//!
//! `cargo bench --bench review_load`; the environment variables are listed in the README.

use anyhow::{Context as _, Result, bail};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use diesel::sql_types::Timestamptz;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use officer_registry::app::App;
use officer_registry::config::Config;
use officer_registry::domain::Role;
use officer_registry::graphql::pagination;
use officer_registry::store::{self, embedded};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[path = "shared/seed.rs"]
mod seed;
use seed::{TextRow, count};

/// The benchmark's own database, dropped and recreated at every run (`BENCH_DB_NAME`
/// names another one).
const BENCH_DB: &str = "officer_registry_bench";
/// Password of every seeded account.
const PASSWORD: &str = "Bench-password-1405";
/// Signing secret of the in-process app.
const JWT_SECRET: &str = "bench-secret-bench-secret-bench-secret-0123456789";
/// Tehran University of Medical Sciences: the reviewer's university.
const TEHRAN_UNIVERSITY: i32 = 281;
/// Concurrent clients of each run.
const CONCURRENCY: [usize; 2] = [16, 64];
/// Request ids of the reviewer's university loaded for the `qualificationRequest` scenario.
const SAMPLE_IDS: i64 = 5_000;
/// The statuses of the reviewer's default cartable.
const QUEUE_STATUSES: &str = "('SUBMITTED', 'UNDER_REVIEW', 'DEFICIENT')";

const LOGIN: &str =
    "mutation($u: String!, $p: String!) { login(userCode: $u, password: $p) { accessToken } }";
const REVIEW_QUEUE: &str = "query($after: String) { reviewQueue(first: 20, after: $after) { totalCount edges { cursor node { id status submittedAt officer { nationalCode firstName lastName } university { name } } } pageInfo { hasNextPage endCursor } } }";
const REQUEST_WITH_HISTORY: &str = "query($id: ID!) { qualificationRequest(id: $id) { id status officer { nationalCode } documents { fileName } deficiencies { description } history { action fromStatus toStatus actorRole occurredAt occurredAtJalali } } }";

/// Settings from the environment.
#[derive(Debug, Clone)]
struct Settings {
    officers: i64,
    requests: i64,
    seconds: f64,
    warmup_seconds: f64,
    max_requests: u64,
    keep_db: bool,
    /// The database seeded (and dropped unless kept).
    db_name: String,
    /// Seed, keep the database, and stop: no server, no load (`benches/peer/run` uses it).
    seed_only: bool,
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
        let s = Self {
            officers: env_or("BENCH_OFFICERS", 100_000)?,
            requests: env_or("BENCH_REQUESTS", 300_000)?,
            seconds: env_or("BENCH_SECONDS", 10.0)?,
            warmup_seconds: env_or("BENCH_WARMUP_SECONDS", 1.0)?,
            max_requests: env_or("BENCH_MAX_REQUESTS", 2_000_000)?,
            keep_db: std::env::var("BENCH_KEEP_DB").is_ok_and(|v| v == "1"),
            db_name: std::env::var("BENCH_DB_NAME")
                .ok()
                .filter(|v| !v.trim().is_empty())
                .map_or_else(|| BENCH_DB.to_string(), |v| v.trim().to_string()),
            seed_only: std::env::var("BENCH_SEED_ONLY").is_ok_and(|v| v == "1"),
        };
        let valid_name = s.db_name.len() <= 63
            && s.db_name
                .starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && s.db_name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid_name || s.db_name == "postgres" {
            bail!(
                "BENCH_DB_NAME must be a lower-case identifier ([a-z_][a-z0-9_]*, at most 63), not postgres"
            );
        }
        if s.seed_only && !s.keep_db {
            bail!("BENCH_SEED_ONLY=1 needs BENCH_KEEP_DB=1: the seeded database is what it makes");
        }
        if s.officers < 1 || s.officers > 800_000_000 {
            bail!("BENCH_OFFICERS must be between 1 and 800000000");
        }
        if s.requests < 1 {
            bail!("BENCH_REQUESTS must be at least 1");
        }
        if !(s.seconds > 0.0 && s.warmup_seconds >= 0.0) || s.max_requests == 0 {
            bail!("BENCH_SECONDS must be > 0, BENCH_WARMUP_SECONDS >= 0, BENCH_MAX_REQUESTS > 0");
        }
        Ok(s)
    }
}

fn main() -> Result<()> {
    let settings = Settings::from_env()?;
    let mut config = Config::defaults();
    // Finding the server may start a private cluster: blocking, so before the runtime.
    let (url, source) = embedded::resolve_database_url(&config.db)?;
    let (admin_url, _) = store::split_database_url(&url)?;
    let mut bench_url = url::Url::parse(&admin_url).context("parsing the database URL")?;
    let db = settings.db_name.as_str();
    bench_url.set_path(&format!("/{db}"));
    let bench_url = bench_url.to_string();
    println!(
        "PostgreSQL: {} ({source:?}); benchmark database {db}",
        store::describe_url(&admin_url)
    );

    config.jwt_secret = Some(JWT_SECRET.to_string());
    config.access_token_ttl_secs = 24 * 3600;
    // One reviewer's token drives the whole load: the per-caller budget of query points
    // (COST_POINTS_PER_MINUTE, 50,000) would refuse all but the first second of it.
    config.cost_points_per_minute = 0;
    config.documents_dir = Some(std::env::temp_dir().join("officer-registry-bench-documents"));

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("building the tokio runtime")?;
    let started = Instant::now();
    let outcome = runtime.block_on(run(&settings, config, &admin_url, &bench_url));
    if !settings.keep_db {
        match runtime.block_on(admin_exec(
            &admin_url,
            &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
        )) {
            Ok(()) => println!("Dropped {db} (BENCH_KEEP_DB=1 keeps it)."),
            Err(e) => eprintln!("could not drop {db}: {e:#}"),
        }
    } else {
        println!("Kept the database: {bench_url}");
    }
    println!("Total time {:.1} s", started.elapsed().as_secs_f64());
    outcome
}

async fn admin_exec(admin_url: &str, sql: &str) -> Result<()> {
    let mut conn = AsyncPgConnection::establish(admin_url)
        .await
        .with_context(|| format!("connecting to {}", store::describe_url(admin_url)))?;
    diesel::sql_query(sql)
        .execute(&mut conn)
        .await
        .with_context(|| format!("running {sql}"))?;
    Ok(())
}

async fn run(settings: &Settings, config: Config, admin_url: &str, bench_url: &str) -> Result<()> {
    // 1. A fresh, migrated database.
    let t = Instant::now();
    let db = settings.db_name.as_str();
    admin_exec(
        admin_url,
        &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
    )
    .await?;
    admin_exec(admin_url, &format!("CREATE DATABASE {db}")).await?;
    let applied = store::run_migrations(bench_url).await?;
    println!(
        "Created {db} and ran {applied} migrations in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    // 2. Seed.
    let mut conn = AsyncPgConnection::establish(bench_url)
        .await
        .context("connecting to the benchmark database")?;
    let version: TextRow = diesel::sql_query("SELECT version() AS t")
        .get_result(&mut conn)
        .await?;
    println!("{}", version.t);
    let hash = officer_registry::auth::hash_password(PASSWORD)?;
    seed::seed(&mut conn, settings.officers, settings.requests, &hash).await?;
    if settings.seed_only {
        println!("BENCH_SEED_ONLY=1: seeded {db}; no server, no load");
        return Ok(());
    }

    // 3. The app in-process, a reviewer of Tehran University, a token.
    let app = App::new(config, bench_url)?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("binding a loopback port")?;
    let addr = listener.local_addr()?;
    let _jobs = officer_registry::jobs::start(&app);
    let router = officer_registry::http::router(app.clone());
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            let _ = stop_rx.await;
        })
        .await
    });
    let reviewer = "bench.reviewer";
    officer_registry::demo::create_account(
        &app.pool,
        reviewer,
        PASSWORD,
        Role::UniversityReviewer,
        "کارشناس دانشگاه علوم پزشکی تهران (بار)",
        Some(TEHRAN_UNIVERSITY),
        None,
    )
    .await?;
    let endpoint = format!("http://{addr}/graphql");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(60))
        .build()?;
    let login: Value = client
        .post(&endpoint)
        .json(&json!({ "query": LOGIN, "variables": { "u": reviewer, "p": PASSWORD } }))
        .send()
        .await?
        .json()
        .await?;
    let token = login["data"]["login"]["accessToken"]
        .as_str()
        .with_context(|| format!("login failed: {login}"))?
        .to_string();
    println!("App on http://{addr}; logged in as {reviewer} (university {TEHRAN_UNIVERSITY})");

    // 4. Request bodies of both scenarios.
    let queue_bodies = queue_bodies(&mut conn).await?;
    let request_bodies = request_bodies(&mut conn).await?;
    drop(conn);
    let target = Target {
        client: client.clone(),
        endpoint: endpoint.clone(),
        auth: format!("Bearer {token}"),
    };
    check_bodies(&target, "reviewQueue", &queue_bodies, "reviewQueue").await?;
    check_bodies(
        &target,
        "qualificationRequest",
        &request_bodies[..request_bodies.len().min(5)],
        "qualificationRequest",
    )
    .await?;
    println!(
        "Scenario A: reviewQueue(first: 20), the first page alternating with {} later pages",
        queue_bodies.len() - 1
    );
    println!(
        "Scenario B: qualificationRequest with history, {} ids of university {TEHRAN_UNIVERSITY} drawn at random",
        request_bodies.len()
    );

    println!(
        "Machine: {} CPUs available; load average now {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_average()
    );
    let pool_status = app.pool.status();
    println!(
        "App DB pool: max_size {} (DB_POOL_SIZE), {} open now; tokio worker threads {}; \
         per run: {:.1} s warm-up, {:.1} s of load, at most {} requests",
        pool_status.max_size,
        pool_status.size,
        tokio::runtime::Handle::current().metrics().num_workers(),
        settings.warmup_seconds,
        settings.seconds,
        settings.max_requests
    );

    // 5. The runs.
    let scenarios: [(&str, Scenario); 2] = [
        ("reviewQueue", Scenario::Queue(Arc::new(queue_bodies))),
        (
            "qualificationRequest",
            Scenario::Request(Arc::new(request_bodies)),
        ),
    ];
    let mut results = Vec::new();
    for (name, scenario) in &scenarios {
        for clients in CONCURRENCY {
            if settings.warmup_seconds > 0.0 {
                let _ = load(
                    &target,
                    scenario,
                    clients,
                    Duration::from_secs_f64(settings.warmup_seconds),
                    settings.max_requests,
                )
                .await;
            }
            let queries_before = AtomicU64::load(&app.queries, Ordering::Relaxed);
            let run = load(
                &target,
                scenario,
                clients,
                Duration::from_secs_f64(settings.seconds),
                settings.max_requests,
            )
            .await;
            let queries = AtomicU64::load(&app.queries, Ordering::Relaxed) - queries_before;
            let status = app.pool.status();
            let result = RunResult::new(name, clients, run, queries, status.max_size, status.size);
            result.print_line();
            println!("    load average after the run: {}", load_average());
            results.push(result);
        }
    }

    println!();
    println!(
        "| scenario | clients | requests | errors | requests/s | p50 ms | p99 ms | max ms | statements/request | pool (max/open) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in &results {
        println!(
            "| {} | {} | {} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {}/{} |",
            r.scenario,
            r.clients,
            r.requests,
            r.errors,
            r.rate,
            r.p50_ms,
            r.p99_ms,
            r.max_ms,
            r.statements_per_request,
            r.pool_max,
            r.pool_open
        );
    }
    for r in results.iter().filter(|r| !r.samples.is_empty()) {
        println!(
            "errors of {} at {} clients (first {}):",
            r.scenario,
            r.clients,
            r.samples.len()
        );
        for s in &r.samples {
            println!("  {s}");
        }
    }

    let _ = stop_tx.send(());
    drop(target);
    drop(client);
    app.pool.close();
    let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
    Ok(())
}

/// The 1, 5 and 15 minute load averages (Linux), to judge how busy the machine was.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "n/a".to_string())
}

#[derive(diesel::QueryableByName)]
struct IdRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: uuid::Uuid,
}

#[derive(diesel::QueryableByName)]
struct CursorRow {
    #[diesel(sql_type = Timestamptz)]
    submitted_at: DateTime<Utc>,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: uuid::Uuid,
}

// ---------------------------------------------------------------------------------------------
// Load
// ---------------------------------------------------------------------------------------------

/// Request bodies of `reviewQueue`: the first page, then pages after a few positions of the
/// queue (the keyset cursors the server would hand out there).
async fn queue_bodies(conn: &mut AsyncPgConnection) -> Result<Vec<Bytes>> {
    let queue = count(
        conn,
        &format!(
            "SELECT count(*) AS n FROM qualification_requests \
             WHERE university_id = {TEHRAN_UNIVERSITY} AND status IN {QUEUE_STATUSES}"
        ),
    )
    .await?;
    let mut bodies = vec![Bytes::from(
        json!({ "query": REVIEW_QUEUE, "variables": { "after": null } }).to_string(),
    )];
    for offset in [19_i64, 39, 59, 199, 999, 2999] {
        if offset >= queue {
            break;
        }
        let row: CursorRow = diesel::sql_query(format!(
            "SELECT submitted_at, id FROM qualification_requests \
             WHERE university_id = {TEHRAN_UNIVERSITY} AND status IN {QUEUE_STATUSES} \
             ORDER BY submitted_at, id OFFSET {offset} LIMIT 1"
        ))
        .get_result(conn)
        .await?;
        let cursor = pagination::encode(row.submitted_at, row.id);
        bodies.push(Bytes::from(
            json!({ "query": REVIEW_QUEUE, "variables": { "after": cursor } }).to_string(),
        ));
    }
    if bodies.len() < 2 {
        println!("note: the queue has {queue} rows: only its first page is requested");
    }
    Ok(bodies)
}

/// Request bodies of `qualificationRequest`, one per sampled id of the reviewer's university.
async fn request_bodies(conn: &mut AsyncPgConnection) -> Result<Vec<Bytes>> {
    let ids: Vec<IdRow> = diesel::sql_query(format!(
        "SELECT id FROM qualification_requests WHERE university_id = {TEHRAN_UNIVERSITY} \
         ORDER BY random() LIMIT {SAMPLE_IDS}"
    ))
    .load(conn)
    .await?;
    if ids.is_empty() {
        bail!("no request is routed to university {TEHRAN_UNIVERSITY}: seed more requests");
    }
    Ok(ids
        .into_iter()
        .map(|r| {
            Bytes::from(
                json!({ "query": REQUEST_WITH_HISTORY, "variables": { "id": r.id } }).to_string(),
            )
        })
        .collect())
}

/// Where and as whom to send.
struct Target {
    client: reqwest::Client,
    endpoint: String,
    auth: String,
}

/// The body of a GraphQL answer, as far as the benchmark checks it.
#[derive(serde::Deserialize)]
struct Answer {
    data: Option<serde::de::IgnoredAny>,
    errors: Option<Vec<Value>>,
}

/// Sends one request; `Err` describes a failure (transport, HTTP status, GraphQL errors).
async fn send(target: &Target, body: &Bytes) -> Result<Bytes, String> {
    let resp = target
        .client
        .post(&target.endpoint)
        .header(reqwest::header::AUTHORIZATION, &target.auth)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.clone())
        .send()
        .await
        .map_err(|e| format!("transport: {e}"))?;
    let status = resp.status();
    let bytes = resp.bytes().await.map_err(|e| format!("body: {e}"))?;
    if status != reqwest::StatusCode::OK {
        return Err(format!(
            "HTTP {status}: {}",
            String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
        ));
    }
    let answer: Answer =
        serde_json::from_slice(&bytes).map_err(|e| format!("not a GraphQL answer: {e}"))?;
    match (answer.data, answer.errors) {
        (_, Some(errors)) if !errors.is_empty() => Err(format!(
            "errors: {}",
            Value::Array(errors)
                .to_string()
                .chars()
                .take(300)
                .collect::<String>()
        )),
        (None, _) => Err("no data".to_string()),
        _ => Ok(bytes),
    }
}

/// Sends each body once and checks the answer is a non-empty result.
async fn check_bodies(target: &Target, label: &str, bodies: &[Bytes], field: &str) -> Result<()> {
    for body in bodies {
        let bytes = send(target, body)
            .await
            .map_err(|e| anyhow::anyhow!("{label}: {e}"))?;
        let v: Value = serde_json::from_slice(&bytes)?;
        let data = &v["data"][field];
        let empty = match field {
            "reviewQueue" => data["edges"].as_array().is_none_or(|e| e.is_empty()),
            _ => data["history"].as_array().is_none_or(|h| h.is_empty()),
        };
        if empty {
            bail!(
                "{label} answered an empty result (seed more: BENCH_OFFICERS, BENCH_REQUESTS): {v}"
            );
        }
    }
    Ok(())
}

/// What the clients of a run send.
#[derive(Clone)]
enum Scenario {
    /// `reviewQueue`: even requests the first page, odd ones a later page.
    Queue(Arc<Vec<Bytes>>),
    /// `qualificationRequest`: a random sampled id each time.
    Request(Arc<Vec<Bytes>>),
}

/// What one client task saw.
#[derive(Default)]
struct ClientRun {
    latencies_us: Vec<u32>,
    errors: u64,
    samples: Vec<String>,
}

/// What a run saw.
struct LoadRun {
    latencies_us: Vec<u32>,
    errors: u64,
    samples: Vec<String>,
    elapsed: Duration,
}

/// `clients` tasks, each looping request → response until `duration` is over or
/// `max_requests` were started.
async fn load(
    target: &Target,
    scenario: &Scenario,
    clients: usize,
    duration: Duration,
    max_requests: u64,
) -> LoadRun {
    let started_count = Arc::new(AtomicU64::new(0));
    let target = Arc::new(Target {
        client: target.client.clone(),
        endpoint: target.endpoint.clone(),
        auth: target.auth.clone(),
    });
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::with_capacity(clients);
    for i in 0..clients {
        let target = target.clone();
        let scenario = scenario.clone();
        let started_count = started_count.clone();
        tasks.push(tokio::spawn(async move {
            let mut run = ClientRun {
                latencies_us: Vec::with_capacity(16_384),
                ..ClientRun::default()
            };
            let mut rng = StdRng::seed_from_u64(1405 + i as u64);
            let mut k = i;
            while Instant::now() < deadline
                && started_count.fetch_add(1, Ordering::Relaxed) < max_requests
            {
                let body = match &scenario {
                    Scenario::Queue(bodies) => {
                        k += 1;
                        if k % 2 == 0 || bodies.len() == 1 {
                            &bodies[0]
                        } else {
                            &bodies[1 + (k / 2) % (bodies.len() - 1)]
                        }
                    }
                    Scenario::Request(bodies) => &bodies[rng.random_range(0..bodies.len())],
                };
                let t = Instant::now();
                let outcome = send(&target, body).await;
                let us = u32::try_from(t.elapsed().as_micros()).unwrap_or(u32::MAX);
                run.latencies_us.push(us);
                if let Err(e) = outcome {
                    run.errors += 1;
                    if run.samples.len() < 3 {
                        run.samples.push(e);
                    }
                }
            }
            run
        }));
    }
    let mut all = LoadRun {
        latencies_us: Vec::new(),
        errors: 0,
        samples: Vec::new(),
        elapsed: Duration::ZERO,
    };
    for task in tasks {
        match task.await {
            Ok(run) => {
                all.latencies_us.extend(run.latencies_us);
                all.errors += run.errors;
                for s in run.samples {
                    if all.samples.len() < 5 && !all.samples.contains(&s) {
                        all.samples.push(s);
                    }
                }
            }
            Err(e) => {
                all.errors += 1;
                all.samples.push(format!("client task failed: {e}"));
            }
        }
    }
    all.elapsed = start.elapsed();
    all
}

/// The figures of one run.
struct RunResult {
    scenario: String,
    clients: usize,
    requests: usize,
    errors: u64,
    rate: f64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    statements_per_request: f64,
    pool_max: usize,
    pool_open: usize,
    samples: Vec<String>,
}

impl RunResult {
    fn new(
        scenario: &str,
        clients: usize,
        mut run: LoadRun,
        queries: u64,
        pool_max: usize,
        pool_open: usize,
    ) -> Self {
        run.latencies_us.sort_unstable();
        let n = run.latencies_us.len();
        let pct = |p: usize| -> f64 {
            if n == 0 {
                return 0.0;
            }
            let i = ((n * p).div_ceil(100)).saturating_sub(1).min(n - 1);
            f64::from(run.latencies_us[i]) / 1000.0
        };
        Self {
            scenario: scenario.to_string(),
            clients,
            requests: n,
            errors: run.errors,
            rate: n as f64 / run.elapsed.as_secs_f64(),
            p50_ms: pct(50),
            p99_ms: pct(99),
            max_ms: run
                .latencies_us
                .last()
                .map_or(0.0, |&m| f64::from(m) / 1000.0),
            statements_per_request: if n == 0 {
                0.0
            } else {
                queries as f64 / n as f64
            },
            pool_max,
            pool_open,
            samples: run.samples,
        }
    }

    fn print_line(&self) {
        println!(
            "{:<22} {:>3} clients: {:>7} requests, {:>4} errors, {:>8.0} req/s, p50 {:>7.2} ms, \
             p99 {:>7.2} ms, max {:>8.2} ms; {:.2} statements/request; pool max {} open {}",
            self.scenario,
            self.clients,
            self.requests,
            self.errors,
            self.rate,
            self.p50_ms,
            self.p99_ms,
            self.max_ms,
            self.statements_per_request,
            self.pool_max,
            self.pool_open
        );
    }
}

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
use diesel::sql_types::{BigInt, Text, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
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

/// The benchmark's own database, dropped and recreated at every run (`BENCH_DB_NAME`
/// names another one).
const BENCH_DB: &str = "officer_registry_bench";
/// Password of every seeded account.
const PASSWORD: &str = "Bench-password-1405";
/// Signing secret of the in-process app.
const JWT_SECRET: &str = "bench-secret-bench-secret-bench-secret-0123456789";
/// Tehran University of Medical Sciences: the reviewer's university.
const TEHRAN_UNIVERSITY: i32 = 281;
/// Tehran city (covered by Tehran University).
const TEHRAN_CITY: i32 = 2801;
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
    seed(&mut conn, settings, &hash).await?;
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

// ---------------------------------------------------------------------------------------------
// Seeding
// ---------------------------------------------------------------------------------------------

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(diesel::QueryableByName)]
struct TextRow {
    #[diesel(sql_type = Text)]
    t: String,
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

async fn count(conn: &mut AsyncPgConnection, sql: &str) -> Result<i64> {
    let row: Count = diesel::sql_query(sql)
        .get_result(conn)
        .await
        .with_context(|| format!("running {sql}"))?;
    Ok(row.n)
}

/// Runs one seeding statement and prints its rows and time.
async fn step(conn: &mut AsyncPgConnection, label: &str, sql: &str) -> Result<()> {
    let t = Instant::now();
    let rows = diesel::sql_query(sql)
        .execute(conn)
        .await
        .with_context(|| format!("seeding: {label}"))?;
    println!(
        "  {label:<46} {rows:>10} rows {:>7.2} s",
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

#[derive(diesel::QueryableByName)]
struct IndexDef {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    def: String,
}

/// Bulk load: drops the table's secondary indexes (those backing no constraint), runs the
/// seeding statement, and builds the indexes again from their definitions (one sorted build
/// per index instead of a random insertion per row; unique indexes check the data again).
async fn bulk_step(
    conn: &mut AsyncPgConnection,
    table: &str,
    label: &str,
    sql: &str,
) -> Result<()> {
    let indexes: Vec<IndexDef> = diesel::sql_query(
        "SELECT i.relname::text AS name, pg_get_indexdef(i.oid) AS def
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
         WHERE x.indrelid = $1::regclass
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
         ORDER BY i.relname",
    )
    .bind::<Text, _>(table)
    .load(conn)
    .await
    .with_context(|| format!("listing the indexes of {table}"))?;
    for index in &indexes {
        diesel::sql_query(format!(
            "DROP INDEX \"{}\"",
            index.name.replace('"', "\"\"")
        ))
        .execute(conn)
        .await
        .with_context(|| format!("dropping {}", index.name))?;
    }
    step(conn, label, sql).await?;
    let t = Instant::now();
    for index in &indexes {
        diesel::sql_query(index.def.as_str())
            .execute(conn)
            .await
            .with_context(|| format!("building {}", index.def))?;
    }
    println!(
        "  {:<46} {:>10}      {:>7.2} s",
        format!("  rebuilt {} indexes of {table}", indexes.len()),
        "",
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Persian first names (male, then female) and last names, for the seeded officers.
const MALE_NAMES: &str = "'علی','محمد','حسین','رضا','مهدی','امیر','حمید','سعید','مجتبی','مصطفی','جواد','احمد','کاظم','مرتضی','یوسف','بهروز','کامران','پویا','آرش','سینا'";
const FEMALE_NAMES: &str = "'فاطمه','زهرا','مریم','سارا','نرگس','لیلا','الهام','نازنین','مینا','شیرین','پریسا','سمیرا','رویا','هانیه','نیلوفر','آزاده','ملیکا','ژیلا','مهسا','طاهره'";
const LAST_NAMES: &str = "'رضایی','محمدی','حسینی','احمدی','کریمی','موسوی','جعفری','صادقی','رحیمی','کاظمی','هاشمی','قاسمی','نوری','اکبری','عباسی','شریفی','مرادی','یزدانی','طاهری','افشار','تهرانی','شیرازی','اصفهانی','تبریزی','کرمانی','نجفی','زارعی','فرهادی','باقری','سلطانی'";

/// The event chain of each final status (and variant: CANCELLED 0 is withdrawn as a draft,
/// CANCELLED 1 after submission). Actor: O officer, R the university's reviewer, S system.
/// Step 3 is always the SUBMIT of routed requests, so `submitted_at = created_at + 2 gaps`.
const FLOWS: &str = "
    ('DRAFT', 0, 1, 'CREATE', NULL, 'DRAFT', 'O'),
    ('DRAFT', 0, 2, 'ATTACH_DOCUMENT', 'DRAFT', 'DRAFT', 'O'),
    ('DRAFT', 0, 3, 'EDIT', 'DRAFT', 'DRAFT', 'O'),
    ('SUBMITTED', 0, 1, 'CREATE', NULL, 'DRAFT', 'O'),
    ('SUBMITTED', 0, 2, 'ATTACH_DOCUMENT', 'DRAFT', 'DRAFT', 'O'),
    ('SUBMITTED', 0, 3, 'SUBMIT', 'DRAFT', 'SUBMITTED', 'O'),
    ('UNDER_REVIEW', 0, 1, 'CREATE', NULL, 'DRAFT', 'O'),
    ('UNDER_REVIEW', 0, 2, 'ATTACH_DOCUMENT', 'DRAFT', 'DRAFT', 'O'),
    ('UNDER_REVIEW', 0, 3, 'SUBMIT', 'DRAFT', 'SUBMITTED', 'O'),
    ('UNDER_REVIEW', 0, 4, 'CLAIM', 'SUBMITTED', 'UNDER_REVIEW', 'R'),
    ('DEFICIENT', 0, 1, 'CREATE', NULL, 'DRAFT', 'O'),
    ('DEFICIENT', 0, 2, 'ATTACH_DOCUMENT', 'DRAFT', 'DRAFT', 'O'),
    ('DEFICIENT', 0, 3, 'SUBMIT', 'DRAFT', 'SUBMITTED', 'O'),
    ('DEFICIENT', 0, 4, 'CLAIM', 'SUBMITTED', 'UNDER_REVIEW', 'R'),
    ('DEFICIENT', 0, 5, 'REPORT_DEFICIENCIES', 'UNDER_REVIEW', 'DEFICIENT', 'R'),
    ('AWAITING_PAYMENT', 0, 1, 'CREATE', NULL, 'DRAFT', 'O'),
    ('AWAITING_PAYMENT', 0, 2, 'ATTACH_DOCUMENT', 'DRAFT', 'DRAFT', 'O'),
    ('AWAITING_PAYMENT', 0, 3, 'SUBMIT', 'DRAFT', 'SUBMITTED', 'O'),
    ('AWAITING_PAYMENT', 0, 4, 'CLAIM', 'SUBMITTED', 'UNDER_REVIEW', 'R'),
    ('AWAITING_PAYMENT', 0, 5, 'APPROVE', 'UNDER_REVIEW', 'AWAITING_PAYMENT', 'R'),
    ('COMPLETED', 0, 1, 'CREATE', NULL, 'DRAFT', 'O'),
    ('COMPLETED', 0, 2, 'ATTACH_DOCUMENT', 'DRAFT', 'DRAFT', 'O'),
    ('COMPLETED', 0, 3, 'SUBMIT', 'DRAFT', 'SUBMITTED', 'O'),
    ('COMPLETED', 0, 4, 'CLAIM', 'SUBMITTED', 'UNDER_REVIEW', 'R'),
    ('COMPLETED', 0, 5, 'APPROVE', 'UNDER_REVIEW', 'AWAITING_PAYMENT', 'R'),
    ('COMPLETED', 0, 6, 'COMPLETE', 'AWAITING_PAYMENT', 'COMPLETED', 'S'),
    ('REJECTED', 0, 1, 'CREATE', NULL, 'DRAFT', 'O'),
    ('REJECTED', 0, 2, 'ATTACH_DOCUMENT', 'DRAFT', 'DRAFT', 'O'),
    ('REJECTED', 0, 3, 'SUBMIT', 'DRAFT', 'SUBMITTED', 'O'),
    ('REJECTED', 0, 4, 'CLAIM', 'SUBMITTED', 'UNDER_REVIEW', 'R'),
    ('REJECTED', 0, 5, 'REJECT', 'UNDER_REVIEW', 'REJECTED', 'R'),
    ('CANCELLED', 0, 1, 'CREATE', NULL, 'DRAFT', 'O'),
    ('CANCELLED', 0, 2, 'ATTACH_DOCUMENT', 'DRAFT', 'DRAFT', 'O'),
    ('CANCELLED', 0, 3, 'CANCEL', 'DRAFT', 'CANCELLED', 'O'),
    ('CANCELLED', 1, 1, 'CREATE', NULL, 'DRAFT', 'O'),
    ('CANCELLED', 1, 2, 'ATTACH_DOCUMENT', 'DRAFT', 'DRAFT', 'O'),
    ('CANCELLED', 1, 3, 'SUBMIT', 'DRAFT', 'SUBMITTED', 'O'),
    ('CANCELLED', 1, 4, 'CANCEL', 'SUBMITTED', 'CANCELLED', 'O')";

async fn seed(conn: &mut AsyncPgConnection, s: &Settings, hash: &str) -> Result<()> {
    let (officers, requests) = (s.officers, s.requests);
    println!("Seeding {officers} officers and {requests} requests (set-based SQL):");
    let started = Instant::now();
    conn.batch_execute(
        "SET synchronous_commit = off; SET work_mem = '256MB'; \
         SET maintenance_work_mem = '512MB'; SELECT setseed(0.1405);",
    )
    .await
    .context("session settings")?;

    // Reference: the university of every city (R2: the city's own coverage, else the
    // province's default) and one reviewer account per university.
    step(
        conn,
        "routing table (city -> university)",
        "CREATE TEMP TABLE bench_city AS
         SELECT c.id AS city_id, c.province_id,
                COALESCE(cc.university_id, pc.university_id) AS university_id
         FROM cities c
         LEFT JOIN university_coverage cc ON cc.city_id = c.id
         LEFT JOIN university_coverage pc ON pc.province_id = c.province_id AND pc.city_id IS NULL",
    )
    .await?;
    let unrouted = count(
        conn,
        "SELECT count(*) AS n FROM bench_city WHERE university_id IS NULL",
    )
    .await?;
    if unrouted > 0 {
        println!("  note: {unrouted} cities have no university; no officer lives there");
        diesel::sql_query("DELETE FROM bench_city WHERE university_id IS NULL")
            .execute(conn)
            .await?;
    }
    step(
        conn,
        "reviewer ids (one per university)",
        "CREATE TEMP TABLE bench_reviewer AS
         SELECT id AS university_id, gen_random_uuid() AS user_id FROM universities",
    )
    .await?;
    let t = Instant::now();
    let rows = diesel::sql_query(
        "INSERT INTO users (id, user_code, password_hash, role, display_name, university_id, created_at)
         SELECT r.user_id, 'bench.reviewer.' || r.university_id, $1, 'UNIVERSITY_REVIEWER',
                'کارشناس ' || u.name_fa, r.university_id, now() - interval '2000 days'
         FROM bench_reviewer r JOIN universities u ON u.id = r.university_id",
    )
    .bind::<Text, _>(hash)
    .execute(conn)
    .await
    .context("seeding reviewers")?;
    println!(
        "  {:<46} {rows:>10} rows {:>7.2} s",
        "users: reviewers",
        t.elapsed().as_secs_f64()
    );

    // Officers: a quarter in Tehran city, the rest spread evenly over all cities; unique,
    // valid national codes (9 digits from a bijection of n, then the check digit).
    step(
        conn,
        "staging: officers",
        &format!(
            "CREATE TEMP TABLE bench_officer AS
             WITH arrays AS (
                 SELECT (SELECT array_agg(city_id ORDER BY city_id) FROM bench_city) AS cities,
                        (SELECT array_agg(id ORDER BY id) FROM fields_of_study WHERE eligible) AS fields
             ),
             base AS (
                 SELECT n, random() AS r_city, random() AS r_gender, random() AS r_first,
                        random() AS r_last, random() AS r_father, random() AS r_field,
                        random() AS r_degree, random() AS r_birth
                 FROM generate_series(1, {officers}) AS n
             ),
             chosen AS (
                 SELECT b.*,
                        CASE WHEN b.r_city < 0.25 THEN {TEHRAN_CITY}
                             ELSE a.cities[1 + floor((b.r_city - 0.25) / 0.75 * cardinality(a.cities))::int]
                        END AS city_id,
                        a.fields[1 + floor(b.r_field * cardinality(a.fields))::int] AS field_of_study_id,
                        lpad(((b.n::bigint * 7919 + 100000007) % 1000000000)::text, 9, '0') AS first9
                 FROM base b CROSS JOIN arrays a
             )
             SELECT c.n, gen_random_uuid() AS officer_id, gen_random_uuid() AS user_id,
                    c.first9 || (CASE WHEN chk.r < 2 THEN chk.r ELSE 11 - chk.r END)::text AS national_code,
                    CASE WHEN c.r_gender < 0.6 THEN 'MALE' ELSE 'FEMALE' END AS gender,
                    CASE WHEN c.r_gender < 0.6
                         THEN (ARRAY[{MALE_NAMES}])[1 + floor(c.r_first * 20)::int]
                         ELSE (ARRAY[{FEMALE_NAMES}])[1 + floor(c.r_first * 20)::int]
                    END AS first_name,
                    (ARRAY[{LAST_NAMES}])[1 + floor(c.r_last * 30)::int] AS last_name,
                    (ARRAY[{MALE_NAMES}])[1 + floor(c.r_father * 20)::int] AS father_name,
                    date '1965-03-21' + floor(c.r_birth * 12000)::int AS birth_date,
                    '09' || (120000000 + c.n)::text AS mobile,
                    bc.province_id, c.city_id, bc.university_id, c.field_of_study_id,
                    CASE WHEN c.r_degree < 0.15 THEN 'ASSOCIATE' WHEN c.r_degree < 0.70 THEN 'BACHELOR'
                         WHEN c.r_degree < 0.95 THEN 'MASTER' ELSE 'DOCTORATE' END AS degree_level
             FROM chosen c
             JOIN bench_city bc ON bc.city_id = c.city_id
             CROSS JOIN LATERAL (
                 SELECT sum(substr(c.first9, i, 1)::int * (11 - i)) % 11 AS r
                 FROM generate_series(1, 9) AS i
             ) chk"
        ),
    )
    .await?;

    // Requests: each drawn to a random officer (so some have none, some many); only the
    // officer's latest may be open (35 % are); older ones are closed history. Routed
    // requests go to the officer's university; the reviewer of that university acts on them.
    step(
        conn,
        "staging: requests",
        &format!(
            "CREATE TEMP TABLE bench_request AS
             WITH base AS (
                 SELECT n, 1 + floor(random() * {officers})::int AS officer_n
                 FROM generate_series(1, {requests}) AS n
             ),
             ranked AS (
                 SELECT n, officer_n,
                        row_number() OVER (PARTITION BY officer_n ORDER BY n) AS rk,
                        count(*) OVER (PARTITION BY officer_n) AS cnt,
                        random() AS r_open, random() AS r_status, random() AS r_variant,
                        random() AS r_time, random() AS r_gap, random() AS r_reason
                 FROM base
             ),
             statused AS (
                 SELECT r.*,
                        CASE WHEN r.rk = r.cnt AND r.r_open < 0.35 THEN
                                  CASE WHEN r.r_status < 0.10 THEN 'DRAFT'
                                       WHEN r.r_status < 0.50 THEN 'SUBMITTED'
                                       WHEN r.r_status < 0.78 THEN 'UNDER_REVIEW'
                                       WHEN r.r_status < 0.92 THEN 'DEFICIENT'
                                       ELSE 'AWAITING_PAYMENT' END
                             ELSE CASE WHEN r.r_status < 0.40 THEN 'REJECTED'
                                       WHEN r.r_status < 0.65 THEN 'CANCELLED'
                                       ELSE 'COMPLETED' END
                        END AS status
                 FROM ranked r
             ),
             variant AS (
                 SELECT s.*,
                        CASE WHEN s.status = 'CANCELLED' AND s.r_variant < 0.5 THEN 1 ELSE 0 END AS variant
                 FROM statused s
             )
             SELECT v.n, gen_random_uuid() AS id, v.officer_n, o.officer_id, o.user_id,
                    v.status, v.variant,
                    CASE WHEN coalesce(bool_or(v.status = 'COMPLETED') OVER (
                             PARTITION BY v.officer_n ORDER BY v.n
                             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), false)
                         THEN 'AMENDMENT' ELSE 'NEW' END AS kind,
                    CASE WHEN v.status <> 'DRAFT' AND NOT (v.status = 'CANCELLED' AND v.variant = 0)
                         THEN o.university_id END AS university_id,
                    CASE WHEN v.status IN ('UNDER_REVIEW', 'DEFICIENT', 'AWAITING_PAYMENT', 'COMPLETED', 'REJECTED')
                         THEN rv.user_id END AS reviewer_id,
                    now() - ((v.cnt - v.rk) * LEAST(120, 1500 / v.cnt) + 5 + floor(v.r_time * 100)::int) * interval '1 day'
                          - v.r_time * interval '20 hours' AS created_at,
                    (30 + floor(v.r_gap * 4000)::int) * interval '1 minute' AS gap,
                    v.r_reason
             FROM variant v
             JOIN bench_officer o ON o.n = v.officer_n
             JOIN bench_reviewer rv ON rv.university_id = o.university_id"
        ),
    )
    .await?;
    step(
        conn,
        "staging: event flows",
        &format!(
            "CREATE TEMP TABLE bench_flow AS
             SELECT * FROM (VALUES {FLOWS}) AS f(status, variant, step, action, from_status, to_status, actor)"
        ),
    )
    .await?;
    step(
        conn,
        "staging: request timestamps",
        "CREATE TEMP TABLE bench_request_time AS
         SELECT r.n, r.created_at + (f.steps - 1) * r.gap AS updated_at,
                CASE WHEN r.university_id IS NOT NULL THEN r.created_at + 2 * r.gap END AS submitted_at
         FROM bench_request r
         JOIN (SELECT status, variant, max(step) AS steps FROM bench_flow GROUP BY 1, 2) f
              ON f.status = r.status AND f.variant = r.variant",
    )
    .await?;

    // The rows themselves.
    let t = Instant::now();
    let rows = diesel::sql_query(
        "INSERT INTO users (id, user_code, password_hash, role, display_name, created_at)
         SELECT o.user_id, (1000000 + o.n)::text, $1, 'OFFICER', o.first_name || ' ' || o.last_name,
                now() - interval '1800 days' + (o.n % 90) * interval '1 day'
         FROM bench_officer o ORDER BY o.n",
    )
    .bind::<Text, _>(hash)
    .execute(conn)
    .await
    .context("seeding officer accounts")?;
    println!(
        "  {:<46} {rows:>10} rows {:>7.2} s",
        "users: officers",
        t.elapsed().as_secs_f64()
    );
    step(
        conn,
        "officers",
        "INSERT INTO officers (id, user_id, national_code, birth_date, first_name, last_name,
                               father_name, gender, birth_certificate_number, mobile, email,
                               postal_address, province_id, city_id, field_of_study_id, degree_level,
                               qualification_status, qualified_at, created_at, updated_at)
         SELECT o.officer_id, o.user_id, o.national_code, o.birth_date, o.first_name, o.last_name,
                o.father_name, o.gender, (1 + o.n % 900000)::text, o.mobile,
                CASE WHEN o.n % 3 = 0 THEN 'officer' || o.n || '@example.ir' END,
                'خیابان ' || (1 + o.n % 120) || '، پلاک ' || (1 + o.n % 97),
                o.province_id, o.city_id, o.field_of_study_id, o.degree_level,
                CASE WHEN q.qualified_at IS NULL THEN 'NOT_QUALIFIED' ELSE 'QUALIFIED' END,
                q.qualified_at,
                now() - interval '1800 days' + (o.n % 90) * interval '1 day',
                coalesce(q.qualified_at, now() - interval '1800 days' + (o.n % 90) * interval '1 day')
         FROM bench_officer o
         LEFT JOIN (SELECT r.officer_n, max(t.updated_at) AS qualified_at
                    FROM bench_request r JOIN bench_request_time t ON t.n = r.n
                    WHERE r.status = 'COMPLETED' GROUP BY r.officer_n) q ON q.officer_n = o.n
         ORDER BY o.n",
    )
    .await?;
    bulk_step(
        conn,
        "qualification_requests",
        "qualification_requests",
        "INSERT INTO qualification_requests (id, officer_id, kind, status, first_name, last_name,
                 father_name, gender, birth_certificate_number, mobile, postal_address,
                 province_id, city_id, field_of_study_id, degree_level, university_id,
                 assigned_reviewer_id, fee_rials, rejection_reason, submitted_at, created_at, updated_at)
         SELECT r.id, r.officer_id, r.kind, r.status, o.first_name, o.last_name, o.father_name,
                o.gender, (1 + o.n % 900000)::text, o.mobile,
                'خیابان ' || (1 + o.n % 120) || '، پلاک ' || (1 + o.n % 97),
                o.province_id, o.city_id, o.field_of_study_id, o.degree_level, r.university_id,
                r.reviewer_id,
                CASE WHEN r.status IN ('AWAITING_PAYMENT', 'COMPLETED')
                     THEN coalesce(f.amount_rials, 5000000) END,
                CASE WHEN r.status = 'REJECTED'
                     THEN (ARRAY['WRONG_PROVINCE', 'INELIGIBLE_EDUCATION', 'INCOMPLETE_DOCUMENTS', 'OTHER'])[1 + floor(r.r_reason * 4)::int] END,
                t.submitted_at, r.created_at, t.updated_at
         FROM bench_request r
         JOIN bench_request_time t ON t.n = r.n
         JOIN bench_officer o ON o.n = r.officer_n
         LEFT JOIN review_fees f ON f.kind = r.kind
         ORDER BY r.created_at",
    )
    .await?;
    // The event log's own triggers (if any: commit-order ids, notifications, append-only
    // guard) are per-row work meant for live traffic; the seed disables them, draws the ids
    // itself in time order, and enables them again. Cartable columns (who an event concerns)
    // are filled when the schema has them, as the app fills them.
    let cartable_columns = count(
        conn,
        "SELECT count(*) AS n FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = 'events' \
           AND column_name IN ('officer_id', 'university_id')",
    )
    .await?
        == 2;
    let (extra_columns, extra_values) = if cartable_columns {
        (
            ", officer_id, university_id",
            ", r.officer_id, CASE WHEN f.step >= 3 THEN r.university_id END",
        )
    } else {
        ("", "")
    };
    diesel::sql_query("ALTER TABLE events DISABLE TRIGGER USER")
        .execute(conn)
        .await
        .context("disabling the event log's triggers")?;
    bulk_step(
        conn,
        "events",
        "events (3-6 per request)",
        &format!(
            "INSERT INTO events (id, occurred_at, actor_user_id, actor_role, entity_type, entity_id,
                                 action, from_status, to_status, note, data{extra_columns})
             SELECT (SELECT coalesce(max(id), 0) FROM events)
                        + row_number() OVER (ORDER BY r.created_at + (f.step - 1) * r.gap, r.n, f.step),
                    r.created_at + (f.step - 1) * r.gap,
                    CASE f.actor WHEN 'O' THEN r.user_id WHEN 'R' THEN r.reviewer_id END,
                    CASE f.actor WHEN 'O' THEN 'OFFICER' WHEN 'R' THEN 'UNIVERSITY_REVIEWER' END,
                    'qualification_request', r.id::text, f.action, f.from_status, f.to_status,
                    CASE f.action WHEN 'REJECT' THEN 'مدارک ارسالی کافی نیست'
                                  WHEN 'REPORT_DEFICIENCIES' THEN 'لطفاً نقص‌های پرونده را برطرف کنید' END,
                    CASE f.action
                         WHEN 'CREATE' THEN jsonb_build_object('kind', r.kind, 'officerId', r.officer_id)
                         WHEN 'SUBMIT' THEN jsonb_build_object('universityId', r.university_id)
                         WHEN 'CLAIM' THEN jsonb_build_object('reviewerId', r.reviewer_id)
                         ELSE '{{}}'::jsonb END
                    {extra_values}
             FROM bench_request r
             JOIN bench_flow f ON f.status = r.status AND f.variant = r.variant
             ORDER BY 1"
        ),
    )
    .await?;
    conn.batch_execute(
        "ALTER TABLE events ENABLE TRIGGER USER;
         SELECT setval(pg_get_serial_sequence('events', 'id'), (SELECT max(id) FROM events))",
    )
    .await
    .context("enabling the event log's triggers")?;
    bulk_step(
        conn,
        "documents",
        "documents (open requests and every 10th)",
        "INSERT INTO documents (id, request_id, officer_id, kind, file_name, content_type,
                                size_bytes, sha256, storage_key, uploaded_by, current_for_officer,
                                created_at)
         SELECT gen_random_uuid(), r.id, r.officer_id, k.kind, k.file_name, k.content_type,
                40000 + floor(random() * 900000)::bigint,
                encode(sha256(convert_to(r.id::text || k.kind, 'UTF8')), 'hex'),
                'bench/' || r.id || '/' || k.file_name, r.user_id, false, r.created_at + r.gap
         FROM bench_request r
         CROSS JOIN (VALUES ('DEGREE_CERTIFICATE', 'degree.pdf', 'application/pdf'),
                            ('NATIONAL_CARD', 'national-card.pdf', 'application/pdf'),
                            ('PHOTO', 'photo.jpg', 'image/jpeg')) AS k(kind, file_name, content_type)
         WHERE r.status NOT IN ('REJECTED', 'COMPLETED', 'CANCELLED') OR r.n % 10 = 0
         ORDER BY r.created_at",
    )
    .await?;
    step(
        conn,
        "deficiencies (DEFICIENT requests)",
        "INSERT INTO deficiencies (id, request_id, round, field, document_kind, description,
                                   resolved, reported_by, created_at)
         SELECT gen_random_uuid(), r.id, 1, d.field, d.document_kind, d.description, false,
                r.reviewer_id, r.created_at + 4 * r.gap
         FROM bench_request r
         CROSS JOIN (VALUES (1, NULL, 'DEGREE_CERTIFICATE', 'تصویر مدرک تحصیلی خوانا نیست'),
                            (2, 'postalAddress', NULL, 'نشانی پستی کامل نیست')) AS d(i, field, document_kind, description)
         WHERE r.status = 'DEFICIENT' AND (d.i = 1 OR r.n % 2 = 0)",
    )
    .await?;
    diesel::sql_query(format!(
        "SELECT setval('officer_user_code_seq', {}) ",
        1_000_001 + officers
    ))
    .execute(conn)
    .await?;
    let t = Instant::now();
    conn.batch_execute(
        "DROP TABLE bench_city, bench_reviewer, bench_officer, bench_request, bench_flow, \
         bench_request_time",
    )
    .await
    .context("dropping the staging tables")?;
    // On its own: VACUUM cannot run in the implicit transaction of a multi-statement batch.
    conn.batch_execute(
        "VACUUM (ANALYZE) users, officers, qualification_requests, events, documents, deficiencies",
    )
    .await
    .context("VACUUM ANALYZE")?;
    println!(
        "  {:<46} {:>10}      {:>7.2} s",
        "VACUUM (ANALYZE)",
        "",
        t.elapsed().as_secs_f64()
    );
    println!("Seeding took {:.1} s", started.elapsed().as_secs_f64());

    for (label, sql) in [
        ("users", "SELECT count(*) AS n FROM users"),
        ("officers", "SELECT count(*) AS n FROM officers"),
        (
            "qualification_requests",
            "SELECT count(*) AS n FROM qualification_requests",
        ),
        (
            "  open (not REJECTED/COMPLETED/CANCELLED)",
            "SELECT count(*) AS n FROM qualification_requests WHERE status NOT IN ('REJECTED', 'COMPLETED', 'CANCELLED')",
        ),
        (
            "  routed to a university",
            "SELECT count(*) AS n FROM qualification_requests WHERE university_id IS NOT NULL",
        ),
        (
            "  universities with requests",
            "SELECT count(DISTINCT university_id) AS n FROM qualification_requests",
        ),
        ("events", "SELECT count(*) AS n FROM events"),
        ("documents", "SELECT count(*) AS n FROM documents"),
        ("deficiencies", "SELECT count(*) AS n FROM deficiencies"),
        (
            "Tehran University (281) requests",
            "SELECT count(*) AS n FROM qualification_requests WHERE university_id = 281",
        ),
        (
            "Tehran University (281) default queue",
            "SELECT count(*) AS n FROM qualification_requests WHERE university_id = 281 AND status IN ('SUBMITTED', 'UNDER_REVIEW', 'DEFICIENT')",
        ),
    ] {
        println!("  {label:<46} {:>10}", count(conn, sql).await?);
    }
    let size: TextRow =
        diesel::sql_query("SELECT pg_size_pretty(pg_database_size(current_database())) AS t")
            .get_result(conn)
            .await?;
    println!("  {:<46} {:>10}", "database size", size.t);
    Ok(())
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

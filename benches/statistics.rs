//! Benchmark of the live dashboards (`registryStatistics`, issue 17; see `benches/README.md`).
//!
//! On the national-size data of `review_load` (100,000 officers, 300,000 requests, seeded
//! into `BENCH_DB_NAME`, default `officer_registry_stats`, by running
//! `cargo bench --bench review_load` in seed-only mode when the database is missing or
//! `BENCH_RESEED=1`), with the real server as its own process, it:
//!
//! 1. times the `registryStatistics` query, as an admin (the whole registry) and as a
//!    reviewer of Tehran University (one university), `BENCH_REPEATS` times each, one after
//!    the other: the cost of one computation (plus one HTTP round trip);
//! 2. drives claims of SUBMITTED files by the reviewers of their universities, open loop at
//!    `BENCH_RATE` per second for `BENCH_SECONDS`, first with no dashboard subscribed (the
//!    server's CPU for the writes alone), then with `BENCH_SUBSCRIBERS` WebSocket clients
//!    subscribed to `registryStatistics` (`BENCH_ADMIN_PERCENT` of them admins, the others
//!    reviewers of the 54 universities in turn), and prints the server's CPU in both phases;
//! 3. measures, for each claim and each subscriber whose figures it changes (the admins, and
//!    the reviewers of the claim's university), the delay from the claim's commit (the
//!    benchmark's own `LISTEN` receives its notification) to the first push whose
//!    `lastEventId` includes it: p50, p99, max, and how many were never pushed.
//!
//! It measures and prints; it asserts nothing about timings.

use anyhow::{Context as _, Result, bail};
use diesel::sql_types::{BigInt, Integer, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use futures_util::{SinkExt, StreamExt};
use officer_registry::config::Config;
use officer_registry::store::{self, embedded};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

const SERVER_BIN: &str = env!("CARGO_BIN_EXE_officer-registry");
/// The password of the seeded reviewers (`review_load`'s seeding).
const PASSWORD: &str = "Bench-password-1405";
const JWT_SECRET: &str = "stats-secret-stats-secret-stats-secret-0123456789";
const TEHRAN_UNIVERSITY: i32 = 281;
const LOGIN: &str =
    "mutation($u: String!, $p: String!) { login(userCode: $u, password: $p) { accessToken } }";
const STATS: &str = "query { registryStatistics { asOf lastEventId officers qualifiedOfficers requestsByStatus { status count } overdueRequests activeContracts paymentsToday universities { university { id } waiting overdue medianReviewHours } } }";
const SUBSCRIPTION: &str = "subscription { registryStatistics { asOf lastEventId overdueRequests requestsByStatus { status count } universities { university { id } waiting overdue } } }";
const CLAIM: &str = "mutation($id: ID!) { claimQualificationRequest(id: $id) { status } }";

struct Settings {
    db_name: String,
    reseed: bool,
    subscribers: usize,
    admin_percent: usize,
    rate: f64,
    seconds: f64,
    repeats: usize,
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> Result<T> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse()
            .map_err(|_| anyhow::anyhow!("{name}={v} is not valid")),
        _ => Ok(default),
    }
}

impl Settings {
    fn from_env() -> Result<Self> {
        let s = Self {
            db_name: env_or("BENCH_DB_NAME", "officer_registry_stats".to_string())?,
            reseed: std::env::var("BENCH_RESEED").is_ok_and(|v| v == "1"),
            subscribers: env_or("BENCH_SUBSCRIBERS", 1_000)?,
            admin_percent: env_or("BENCH_ADMIN_PERCENT", 20)?,
            rate: env_or("BENCH_RATE", 20.0)?,
            seconds: env_or("BENCH_SECONDS", 20.0)?,
            repeats: env_or("BENCH_REPEATS", 30)?,
        };
        let valid = s.db_name.len() <= 63
            && s.db_name
                .starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && s.db_name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid || s.db_name == "postgres" {
            bail!("BENCH_DB_NAME must be a lower-case identifier, not postgres");
        }
        if s.rate <= 0.0 || s.seconds <= 0.0 || s.repeats == 0 || s.admin_percent > 100 {
            bail!(
                "BENCH_RATE and BENCH_SECONDS > 0, BENCH_REPEATS >= 1, BENCH_ADMIN_PERCENT <= 100"
            );
        }
        Ok(s)
    }

    fn claims(&self) -> usize {
        (self.rate * self.seconds).ceil() as usize
    }
}

fn main() -> Result<()> {
    let settings = Settings::from_env()?;
    let config = Config::defaults();
    let (url, source) = embedded::resolve_database_url(&config.db)?;
    let (admin_url, _) = store::split_database_url(&url)?;
    let mut bench_url = url::Url::parse(&admin_url).context("parsing the database URL")?;
    bench_url.set_path(&format!("/{}", settings.db_name));
    let bench_url = bench_url.to_string();
    println!(
        "PostgreSQL: {} ({source:?}); benchmark database {}; server binary {SERVER_BIN}",
        store::describe_url(&admin_url),
        settings.db_name
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("building the tokio runtime")?;
    runtime.block_on(async {
        tokio::select! {
            r = run(&settings, &admin_url, &bench_url) => r,
            _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
        }
    })
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(diesel::QueryableByName)]
struct Waiting {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Integer)]
    university_id: i32,
}

async fn count(conn: &mut AsyncPgConnection, sql: &str) -> Result<i64> {
    let c: Count = diesel::sql_query(sql).get_result(conn).await?;
    Ok(c.n)
}

/// Seeds the database with `review_load`'s seeding unless it holds that data already.
async fn ensure_seeded(settings: &Settings, admin_url: &str, bench_url: &str) -> Result<()> {
    let seeded = match AsyncPgConnection::establish(bench_url).await {
        Ok(mut conn) => {
            count(
                &mut conn,
                "SELECT count(*) AS n FROM users WHERE user_code LIKE 'bench.reviewer.%'",
            )
            .await
            .unwrap_or(0)
                > 0
        }
        Err(_) => false,
    };
    if seeded && !settings.reseed {
        println!(
            "Reusing the seeded {} (BENCH_RESEED=1 seeds it again)",
            settings.db_name
        );
        return Ok(());
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    println!(
        "Seeding {} with review_load's seeding (BENCH_SEED_ONLY=1 cargo bench --bench review_load)…",
        settings.db_name
    );
    let t = Instant::now();
    let status = tokio::process::Command::new(cargo)
        .args(["bench", "--quiet", "--bench", "review_load"])
        .env("BENCH_SEED_ONLY", "1")
        .env("BENCH_KEEP_DB", "1")
        .env("BENCH_DB_NAME", &settings.db_name)
        .env("DATABASE_URL", admin_url)
        .stdout(std::process::Stdio::null())
        .status()
        .await
        .context("running the review_load seeding")?;
    if !status.success() {
        bail!("the review_load seeding failed ({status})");
    }
    println!("Seeded in {:.0} s", t.elapsed().as_secs_f64());
    Ok(())
}

/// The dashboards' columns for the seeded files (the seeding writes rows directly, so the
/// trigger that keeps them did not run): waiting since the submission, reviewed when the
/// file last left the reviewer's side, as the trigger would have kept them.
async fn prepare(conn: &mut AsyncPgConnection) -> Result<()> {
    let t = Instant::now();
    let n = diesel::sql_query(
        "UPDATE qualification_requests SET waiting_since = submitted_at \
         WHERE waiting_since IS NULL AND submitted_at IS NOT NULL",
    )
    .execute(conn)
    .await?;
    let m = diesel::sql_query(
        "UPDATE qualification_requests \
         SET reviewed_at = updated_at, review_seconds = EXTRACT(EPOCH FROM updated_at - submitted_at) \
         WHERE reviewed_at IS NULL AND submitted_at IS NOT NULL \
           AND status IN ('DEFICIENT', 'AWAITING_PAYMENT', 'COMPLETED', 'REJECTED')",
    )
    .execute(conn)
    .await?;
    diesel::sql_query(
        "INSERT INTO users (id, user_code, password_hash, role, display_name, created_at) \
         SELECT gen_random_uuid(), 'stats.admin', password_hash, 'DIRECTORATE_ADMIN', 'مدیر', now() \
         FROM users WHERE user_code = 'bench.reviewer.281' \
         ON CONFLICT (user_code) DO NOTHING",
    )
    .execute(conn)
    .await?;
    diesel::sql_query("ANALYZE qualification_requests")
        .execute(conn)
        .await?;
    println!(
        "Dashboard columns: {n} files waiting since submission, {m} reviewed ({:.1} s)",
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

struct Server {
    child: tokio::process::Child,
    pid: u32,
    addr: String,
}

impl Server {
    async fn start(bench_url: &str) -> Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .context("finding a free port")?
            .port();
        let addr = format!("127.0.0.1:{port}");
        let child = tokio::process::Command::new(SERVER_BIN)
            .args(["serve", "--bind-addr", &addr])
            .env("DATABASE_URL", bench_url)
            .env("JWT_SECRET", JWT_SECRET)
            .env("ACCESS_TOKEN_TTL_SECS", "3600")
            .env("LOGIN_MAX_FAILURES_PER_ADDR", "100000")
            .env("WS_MAX_OPERATIONS", "4")
            .env("RUST_LOG", "warn")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {SERVER_BIN}"))?;
        let pid = child
            .id()
            .ok_or_else(|| anyhow::anyhow!("the server exited at once"))?;
        let mut server = Self { child, pid, addr };
        let client = reqwest::Client::new();
        let ready = format!("http://{}/readyz", server.addr);
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Some(status) = server.child.try_wait()? {
                bail!("the server exited with {status} before it was ready");
            }
            if let Ok(r) = client.get(&ready).send().await
                && r.status().is_success()
            {
                break;
            }
            if Instant::now() > deadline {
                bail!("the server was not ready within 120 s");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        server.pid = server.child.id().unwrap_or(server.pid);
        Ok(server)
    }

    /// CPU time used so far, seconds.
    fn cpu_secs(&self) -> f64 {
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)) else {
            return 0.0;
        };
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
        (ticks(11) + ticks(12)) as f64 / 100.0
    }
}

async fn gql(
    client: &reqwest::Client,
    addr: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Result<Value> {
    let mut req = client
        .post(format!("http://{addr}/graphql"))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let v: Value = req.send().await?.json().await?;
    if !v["errors"].is_null() {
        bail!("GraphQL errors: {v}");
    }
    Ok(v)
}

async fn login(client: &reqwest::Client, addr: &str, code: &str) -> Result<String> {
    let v = gql(
        client,
        addr,
        None,
        LOGIN,
        json!({ "u": code, "p": PASSWORD }),
    )
    .await?;
    v["data"]["login"]["accessToken"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow::anyhow!("no token for {code}: {v}"))
}

struct Pct {
    p50: f64,
    p99: f64,
    max: f64,
    min: f64,
}

fn percentiles(mut v: Vec<f64>) -> Option<Pct> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    Some(Pct {
        p50: at(0.5),
        p99: at(0.99),
        max: v[v.len() - 1],
        min: v[0],
    })
}

/// What one subscriber received: (receipt instant, lastEventId) of every push.
type Pushes = Arc<Mutex<Vec<(Instant, i64)>>>;

/// When each event's notification reached the benchmark, and its university.
type Commits = Arc<Mutex<HashMap<i64, (Instant, Option<i32>)>>>;

async fn subscriber(addr: String, token: String, pushes: Pushes) -> Result<()> {
    let mut request = format!("ws://{addr}/graphql/ws").into_client_request()?;
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().context("header")?,
    );
    let config = WebSocketConfig::default().read_buffer_size(16 * 1024);
    let (mut ws, _) =
        tokio_tungstenite::connect_async_with_config(request, Some(config), true).await?;
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } });
    ws.send(Message::Text(init.to_string().into())).await?;
    let sub = json!({ "id": "1", "type": "subscribe", "payload": { "query": SUBSCRIPTION } });
    let mut subscribed = false;
    while let Some(msg) = ws.next().await {
        let Message::Text(text) = msg? else { continue };
        let now = Instant::now();
        let v: Value = serde_json::from_str(&text)?;
        match v["type"].as_str() {
            Some("connection_ack") if !subscribed => {
                ws.send(Message::Text(sub.to_string().into())).await?;
                subscribed = true;
            }
            Some("ping") => ws.send(Message::Text(r#"{"type":"pong"}"#.into())).await?,
            Some("next") => {
                let id = v["payload"]["data"]["registryStatistics"]["lastEventId"]
                    .as_str()
                    .and_then(|s| s.parse::<i64>().ok())
                    .ok_or_else(|| anyhow::anyhow!("unexpected push: {v}"))?;
                pushes
                    .lock()
                    .map_err(|_| anyhow::anyhow!("poisoned"))?
                    .push((now, id));
            }
            _ => bail!("unexpected message: {v}"),
        }
    }
    Ok(())
}

/// The benchmark's own LISTEN: when each event's notification arrived (≈ its commit), and
/// its university.
async fn listen(
    url: String,
    commits: Commits,
    ready: tokio::sync::oneshot::Sender<()>,
) -> Result<()> {
    let mut conn = AsyncPgConnection::establish(&url).await?;
    diesel::sql_query("LISTEN cartable_events")
        .execute(&mut conn)
        .await?;
    let _ = ready.send(());
    let mut stream = std::pin::pin!(conn.notifications_stream());
    while let Some(n) = stream.next().await {
        let n = n?;
        let at = Instant::now();
        let v: Value = serde_json::from_str(&n.payload)?;
        if let Some(id) = v["id"].as_i64() {
            let university = v["university"].as_i64().and_then(|u| i32::try_from(u).ok());
            commits
                .lock()
                .map_err(|_| anyhow::anyhow!("poisoned"))?
                .insert(id, (at, university));
        }
    }
    Ok(())
}

/// Claims `files` at `rate` per second, open loop; returns how many failed.
async fn drive_claims(
    client: &reqwest::Client,
    addr: &str,
    files: &[(String, i32)],
    tokens: &HashMap<i32, String>,
    rate: f64,
) -> Result<usize> {
    let start = tokio::time::Instant::now();
    let mut tasks = Vec::new();
    for (k, (id, university)) in files.iter().enumerate() {
        tokio::time::sleep_until(start + Duration::from_secs_f64(k as f64 / rate)).await;
        let token = tokens
            .get(university)
            .ok_or_else(|| anyhow::anyhow!("no reviewer of {university}"))?
            .clone();
        let (client, addr, id) = (client.clone(), addr.to_string(), id.clone());
        tasks.push(tokio::spawn(async move {
            gql(&client, &addr, Some(&token), CLAIM, json!({ "id": id }))
                .await
                .is_ok()
        }));
    }
    let mut failed = 0;
    for t in tasks {
        if !t.await.unwrap_or(false) {
            failed += 1;
        }
    }
    Ok(failed)
}

async fn run(settings: &Settings, admin_url: &str, bench_url: &str) -> Result<()> {
    ensure_seeded(settings, admin_url, bench_url).await?;
    let mut conn = AsyncPgConnection::establish(bench_url).await?;
    // The server migrates at start; the columns it adds are filled in after.
    let server = Server::start(bench_url).await?;
    prepare(&mut conn).await?;
    let client = reqwest::Client::new();
    let addr = server.addr.clone();
    println!(
        "Server pid {} on {addr}; {} officers, {} requests, {} SUBMITTED",
        server.pid,
        count(&mut conn, "SELECT count(*) AS n FROM officers").await?,
        count(
            &mut conn,
            "SELECT count(*) AS n FROM qualification_requests"
        )
        .await?,
        count(
            &mut conn,
            "SELECT count(*) AS n FROM qualification_requests WHERE status = 'SUBMITTED'"
        )
        .await?,
    );

    // Tokens: the admin and a reviewer of each university.
    let admin = login(&client, &addr, "stats.admin").await?;
    let universities: Vec<i32> = {
        #[derive(diesel::QueryableByName)]
        struct U {
            #[diesel(sql_type = Integer)]
            id: i32,
        }
        let rows: Vec<U> = diesel::sql_query("SELECT id FROM universities ORDER BY id")
            .load(&mut conn)
            .await?;
        rows.into_iter().map(|u| u.id).collect()
    };
    let mut reviewers = HashMap::new();
    for u in &universities {
        reviewers.insert(
            *u,
            login(&client, &addr, &format!("bench.reviewer.{u}")).await?,
        );
    }

    // 1. One computation, as a query.
    println!(
        "\n== registryStatistics, {} queries each, one at a time",
        settings.repeats
    );
    println!("| scope | min ms | p50 ms | p99 ms | max ms |");
    println!("|---|---:|---:|---:|---:|");
    let tehran = reviewers
        .get(&TEHRAN_UNIVERSITY)
        .ok_or_else(|| anyhow::anyhow!("no Tehran reviewer"))?
        .clone();
    for (label, token) in [
        ("registry (admin)", &admin),
        ("one university (Tehran)", &tehran),
    ] {
        gql(&client, &addr, Some(token), STATS, json!({})).await?;
        let mut times = Vec::new();
        for _ in 0..settings.repeats {
            let t = Instant::now();
            gql(&client, &addr, Some(token), STATS, json!({})).await?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        if let Some(p) = percentiles(times) {
            println!(
                "| {label} | {:.1} | {:.1} | {:.1} | {:.1} |",
                p.min, p.p50, p.p99, p.max
            );
        }
    }

    // The files to claim: SUBMITTED ones, across the universities, in turn.
    let n = settings.claims();
    let rows: Vec<Waiting> = diesel::sql_query(
        "SELECT id::text AS id, university_id FROM ( \
           SELECT id, university_id, row_number() OVER (PARTITION BY university_id ORDER BY submitted_at) AS k \
           FROM qualification_requests WHERE status = 'SUBMITTED' AND university_id IS NOT NULL) s \
         ORDER BY k, university_id LIMIT $1",
    )
    .bind::<BigInt, _>(i64::try_from(2 * n)?)
    .load(&mut conn)
    .await?;
    if rows.len() < 2 * n {
        bail!(
            "only {} SUBMITTED files to claim; {} needed",
            rows.len(),
            2 * n
        );
    }
    let files: Vec<(String, i32)> = rows.into_iter().map(|w| (w.id, w.university_id)).collect();
    let (alone, watched) = files.split_at(n);

    // 2a. The writes alone.
    let cpu0 = server.cpu_secs();
    let t0 = Instant::now();
    let failed_alone = drive_claims(&client, &addr, alone, &reviewers, settings.rate).await?;
    let cpu_alone = (server.cpu_secs() - cpu0) / t0.elapsed().as_secs_f64() * 100.0;

    // 2b. With the dashboards subscribed.
    let pushes: Vec<(Option<i32>, Pushes)> = (0..settings.subscribers)
        .map(|i| {
            let scope = if i * 100 < settings.subscribers * settings.admin_percent {
                None
            } else {
                Some(universities[i % universities.len()])
            };
            (scope, Arc::new(Mutex::new(Vec::new())))
        })
        .collect();
    let mut clients = Vec::new();
    for (scope, log) in &pushes {
        let token = match scope {
            None => admin.clone(),
            Some(u) => reviewers
                .get(u)
                .ok_or_else(|| anyhow::anyhow!("no reviewer of {u}"))?
                .clone(),
        };
        clients.push(tokio::spawn(subscriber(addr.clone(), token, log.clone())));
    }
    let t = Instant::now();
    loop {
        let mut first = 0;
        for (_, log) in &pushes {
            if !log
                .lock()
                .map_err(|_| anyhow::anyhow!("poisoned"))?
                .is_empty()
            {
                first += 1;
            }
        }
        if first == pushes.len() {
            break;
        }
        if t.elapsed() > Duration::from_secs(120) {
            bail!(
                "only {first} of {} subscribers got their first figures within 120 s",
                pushes.len()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!(
        "\n{} subscribers got their first figures in {:.1} s",
        pushes.len(),
        t.elapsed().as_secs_f64()
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle0 = server.cpu_secs();
    let ti = Instant::now();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let cpu_idle = (server.cpu_secs() - idle0) / ti.elapsed().as_secs_f64() * 100.0;

    let commits = Arc::new(Mutex::new(HashMap::new()));
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
    let listener = tokio::spawn(listen(bench_url.to_string(), commits.clone(), ready_tx));
    ready_rx.await.context("the benchmark's LISTEN failed")?;
    let cpu1 = server.cpu_secs();
    let t1 = Instant::now();
    let failed_watched = drive_claims(&client, &addr, watched, &reviewers, settings.rate).await?;
    let cpu_watched = (server.cpu_secs() - cpu1) / t1.elapsed().as_secs_f64() * 100.0;
    // Let the last pushes arrive (at most a second apart, plus the computation).
    tokio::time::sleep(Duration::from_secs(5)).await;
    listener.abort();
    for c in &clients {
        c.abort();
    }

    // 3. Delays.
    let commits = commits
        .lock()
        .map_err(|_| anyhow::anyhow!("poisoned"))?
        .clone();
    let mut delays = Vec::new();
    let mut missing = 0usize;
    let mut total_pushes = 0usize;
    for (scope, log) in &pushes {
        let log = log.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
        total_pushes += log.len();
        for (id, (at, university)) in &commits {
            if scope.is_some() && *scope != *university {
                continue;
            }
            match log.iter().find(|(_, last)| last >= id) {
                Some((recv, _)) => {
                    delays.push(recv.saturating_duration_since(*at).as_secs_f64() * 1000.0)
                }
                None => missing += 1,
            }
        }
    }
    println!("\n== {} claims at {}/s", n, settings.rate);
    println!(
        "| phase | server CPU (% of one core) | claims failed |\n|---|---:|---:|\n| writes alone | {cpu_alone:.1} | {failed_alone} |\n| with {} dashboard subscribers | {cpu_watched:.1} | {failed_watched} |\n| {} subscribers, idle | {cpu_idle:.1} | |",
        pushes.len(),
        pushes.len()
    );
    println!(
        "\n{} events committed; {} pushes received in all ({:.1} per subscriber)",
        commits.len(),
        total_pushes,
        total_pushes as f64 / pushes.len() as f64
    );
    match percentiles(delays) {
        Some(p) => println!(
            "commit → pushed figure: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms; {missing} (event, subscriber) pairs never pushed",
            p.p50, p.p99, p.max
        ),
        None => println!("no delay measured; {missing} never pushed"),
    }
    drop(server);
    Ok(())
}

//! Benchmark of the directorate's messages (issue 13, M1; see `benches/README.md`).
//!
//! On the national-size data of `review_load` (100,000 officers, seeded by the same code,
//! `benches/shared/seed.rs`), with the real server as a separate process (the release binary
//! cargo builds for this bench), it measures and prints:
//!
//! 1. **Broadcasts**: `sendMessage(allOfficers: true)` as an admin over GraphQL, a few times:
//!    the mutation's latency, and from the database's side the transaction's span (its start,
//!    `now()` recorded as the event's `occurred_at`, to its commit, the instant the bench's own
//!    `LISTEN cartable_events` connection receives the event's notification), the rows
//!    written and the growth of `message_recipients`; then the same for a province; then
//!    `EXPLAIN ANALYZE` of the recipients' insert in a rolled-back transaction (where the
//!    time goes: the rows, the indexes, the foreign-key checks).
//! 2. **The inbox**: officers given 1,000 messages each (targeted `sendMessage` through
//!    GraphQL, the rest set-based in SQL, about half of them read), then 16 clients for 10 s
//!    after a 1 s warm-up on `messages(first: 20) { totalCount edges { node { … } } }`, and
//!    again on `me { unreadMessageCount }`: requests/s, p50, p99, max, errors.
//! 3. **Live delivery**: 1,000 officers connected on `cartableEvents` (graphql-transport-ws,
//!    the token in `connection_init`), a few broadcasts, and the delay from each broadcast's
//!    commit (the bench's `LISTEN`) to its arrival at each subscriber: p50, p99, max,
//!    missing, duplicates.
//!
//! It measures and prints; it never asserts on timings. `cargo bench --bench messages`; the
//! environment variables are listed in the README.

use anyhow::{Context as _, Result, bail};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use futures_util::{SinkExt, StreamExt};
use officer_registry::auth::TokenKeys;
use officer_registry::config::Config;
use officer_registry::store::{self, embedded};
use rand::Rng;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

#[path = "shared/seed.rs"]
mod seed;

/// The benchmark's own database (`BENCH_DB_NAME` names another one).
const BENCH_DB: &str = "officer_registry_bench_messages";
/// Password of every seeded account.
const PASSWORD: &str = "Bench-password-1405";
/// Signing secret of the server child (the bench signs the officers' tokens with it).
const JWT_SECRET: &str = "messages-bench-secret-messages-bench-secret-0123456789";
/// Lifetime of the access tokens, server and bench alike.
const TOKEN_TTL_SECS: i64 = 4 * 3600;
/// The server binary, built by cargo for this bench in the same (release) profile.
const SERVER_BIN: &str = env!("CARGO_BIN_EXE_officer-registry");
/// The admin who sends.
const ADMIN: &str = "bench.messages.admin";

const LOGIN: &str =
    "mutation($u: String!, $p: String!) { login(userCode: $u, password: $p) { accessToken } }";
const SEND: &str =
    "mutation($i: SendMessageInput!) { sendMessage(input: $i) { id sentAt recipientsCount } }";
const INBOX: &str =
    "{ messages(first: 20) { totalCount edges { node { id subject sentAt readAt } } } }";
const UNREAD: &str = "{ me { unreadMessageCount } }";
const MARK_READ: &str = "mutation($id: ID!) { markMessageRead(id: $id) { id readAt } }";
const SUBSCRIPTION: &str = "subscription { cartableEvents { id kind occurredAt } }";

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Settings {
    officers: i64,
    requests: i64,
    db_name: String,
    keep_db: bool,
    reuse_db: bool,
    broadcasts: usize,
    province: i32,
    province_broadcasts: usize,
    inbox_officers: usize,
    inbox_messages: i64,
    inbox_graphql: i64,
    clients: usize,
    seconds: f64,
    warmup_seconds: f64,
    subscribers: usize,
    live_broadcasts: usize,
    live_gap_secs: f64,
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> Result<T> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse()
            .map_err(|_| anyhow::anyhow!("{name}={v} is not a valid value")),
        _ => Ok(default),
    }
}

impl Settings {
    fn from_env() -> Result<Self> {
        let s = Self {
            officers: env_or("BENCH_OFFICERS", 100_000)?,
            requests: env_or("BENCH_REQUESTS", 300_000)?,
            db_name: env_or("BENCH_DB_NAME", BENCH_DB.to_string())?,
            keep_db: std::env::var("BENCH_KEEP_DB").is_ok_and(|v| v == "1"),
            reuse_db: std::env::var("BENCH_REUSE_DB").is_ok_and(|v| v == "1"),
            broadcasts: env_or("BENCH_BROADCASTS", 5)?,
            province: env_or("BENCH_PROVINCE", 28)?,
            province_broadcasts: env_or("BENCH_PROVINCE_BROADCASTS", 3)?,
            inbox_officers: env_or("BENCH_INBOX_OFFICERS", 100)?,
            inbox_messages: env_or("BENCH_INBOX_MESSAGES", 1_000)?,
            inbox_graphql: env_or("BENCH_INBOX_GRAPHQL", 200)?,
            clients: env_or("BENCH_CLIENTS", 16)?,
            seconds: env_or("BENCH_SECONDS", 10.0)?,
            warmup_seconds: env_or("BENCH_WARMUP_SECONDS", 1.0)?,
            subscribers: env_or("BENCH_SUBSCRIBERS", 1_000)?,
            live_broadcasts: env_or("BENCH_LIVE_BROADCASTS", 5)?,
            live_gap_secs: env_or("BENCH_LIVE_GAP_SECONDS", 2.0)?,
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
        if s.officers < 10 || s.requests < 1 {
            bail!("BENCH_OFFICERS must be at least 10 and BENCH_REQUESTS at least 1");
        }
        if s.inbox_officers == 0 || s.inbox_officers > 150 {
            bail!("BENCH_INBOX_OFFICERS must be between 1 and 150 (one event per message)");
        }
        if (s.inbox_officers + s.subscribers) as i64 > s.officers {
            bail!("BENCH_INBOX_OFFICERS + BENCH_SUBSCRIBERS must not exceed BENCH_OFFICERS");
        }
        if s.clients == 0 || !(s.seconds > 0.0 && s.warmup_seconds >= 0.0) {
            bail!("BENCH_CLIENTS must be > 0, BENCH_SECONDS > 0, BENCH_WARMUP_SECONDS >= 0");
        }
        if s.broadcasts == 0 || s.live_broadcasts == 0 || s.subscribers == 0 {
            bail!("BENCH_BROADCASTS, BENCH_LIVE_BROADCASTS and BENCH_SUBSCRIBERS must be > 0");
        }
        Ok(s)
    }
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

fn main() -> Result<()> {
    let settings = Settings::from_env()?;
    let need = settings.subscribers as u64 + 500;
    if let Some(soft) = open_file_limit()
        && soft < need
    {
        bail!(
            "the open-file limit is {soft}; {} subscribers need about {need}: run `ulimit -n 65535` first",
            settings.subscribers
        );
    }
    let config = Config::defaults();
    // Finding the server may start a private cluster: blocking, so before the runtime.
    let (url, source) = embedded::resolve_database_url(&config.db)?;
    let (admin_url, _) = store::split_database_url(&url)?;
    let db = settings.db_name.clone();
    let mut bench_url = url::Url::parse(&admin_url).context("parsing the database URL")?;
    bench_url.set_path(&format!("/{db}"));
    let bench_url = bench_url.to_string();
    println!(
        "PostgreSQL: {} ({source:?}); benchmark database {db}; server binary {SERVER_BIN}",
        store::describe_url(&admin_url)
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("building the tokio runtime")?;
    let started = Instant::now();
    let outcome = runtime.block_on(async {
        tokio::select! {
            r = run(&settings, &admin_url, &bench_url) => r,
            _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
        }
    });
    if settings.keep_db || settings.reuse_db {
        println!("Kept the database {db} (BENCH_REUSE_DB=1 reuses it without seeding)");
    } else {
        match runtime.block_on(db::admin_exec(
            &admin_url,
            &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
        )) {
            Ok(()) => println!("Dropped {db} (BENCH_KEEP_DB=1 keeps it)."),
            Err(e) => eprintln!("could not drop {db}: {e:#}"),
        }
    }
    println!("Total time {:.1} s", started.elapsed().as_secs_f64());
    outcome
}

fn open_file_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    match line["Max open files".len()..].split_whitespace().next()? {
        "unlimited" => Some(u64::MAX),
        v => v.parse().ok(),
    }
}

/// The 1, 5 and 15 minute load averages, to judge how busy the machine was.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "n/a".to_string())
}

async fn run(settings: &Settings, admin_url: &str, bench_url: &str) -> Result<()> {
    let hash = officer_registry::auth::hash_password(PASSWORD)?;
    prepare_database(settings, admin_url, bench_url, &hash).await?;
    let mut conn = AsyncPgConnection::establish(bench_url)
        .await
        .context("connecting to the benchmark database")?;
    let admin_id = db::create_admin(&mut conn, ADMIN, &hash).await?;

    let server = Server::start(bench_url).await?;
    println!(
        "server pid {} on {}; machine: {} CPUs, load average {}",
        server.pid,
        server.addr,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_average()
    );
    let outcome = drive(settings, &server, &mut conn, bench_url, admin_id).await;
    if outcome.is_err() {
        eprintln!("server log (last lines):\n{}", server.log_tail());
    }
    server.stop().await;
    outcome
}

/// A fresh, migrated and seeded database, or (`BENCH_REUSE_DB=1`) the one a previous run
/// kept, when it holds the wanted officers, with its messages emptied.
async fn prepare_database(
    settings: &Settings,
    admin_url: &str,
    bench_url: &str,
    hash: &str,
) -> Result<()> {
    let db = settings.db_name.as_str();
    if settings.reuse_db
        && let Ok(mut conn) = AsyncPgConnection::establish(bench_url).await
    {
        let officers = db::count(&mut conn, "SELECT count(*) AS n FROM officers")
            .await
            .unwrap_or(-1);
        if officers == settings.officers {
            let applied = store::run_migrations(bench_url).await?;
            db::empty_messages(&mut conn).await?;
            println!(
                "Reusing {db} ({officers} officers; {applied} new migrations); messages emptied"
            );
            return Ok(());
        }
        println!(
            "{db} has {officers} officers, not {}: seeding",
            settings.officers
        );
    }
    let t = Instant::now();
    db::admin_exec(
        admin_url,
        &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
    )
    .await?;
    db::admin_exec(admin_url, &format!("CREATE DATABASE {db}")).await?;
    let applied = store::run_migrations(bench_url).await?;
    println!(
        "Created {db} and ran {applied} migrations in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let mut conn = AsyncPgConnection::establish(bench_url).await?;
    seed::seed(&mut conn, settings.officers, settings.requests, hash).await
}

async fn drive(
    settings: &Settings,
    server: &Server,
    conn: &mut AsyncPgConnection,
    bench_url: &str,
    admin_id: uuid::Uuid,
) -> Result<()> {
    let http = Http::new(&server.addr)?;
    let admin = http.login(ADMIN).await?;
    let listener = CommitListener::start(bench_url).await?;
    let keys = TokenKeys::new(JWT_SECRET.as_bytes(), TOKEN_TTL_SECS);

    // 1. Broadcasts.
    println!();
    println!("=== 1. Broadcasts: sendMessage as an admin over GraphQL ===");
    let mut sends = Vec::new();
    for k in 0..settings.broadcasts {
        let s = broadcast(
            &http,
            &admin,
            conn,
            &listener,
            json!({ "allOfficers": true }),
            &format!("اطلاعیه سراسری {}", k + 1),
        )
        .await?;
        s.print("all officers");
        sends.push(("all officers".to_string(), s));
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    for k in 0..settings.province_broadcasts {
        let s = broadcast(
            &http,
            &admin,
            conn,
            &listener,
            json!({ "provinceIds": [settings.province.to_string()] }),
            &format!("اطلاعیه استانی {}", k + 1),
        )
        .await?;
        let label = format!("province {}", settings.province);
        s.print(&label);
        sends.push((label, s));
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let broadcast_table = summarize_sends(&sends);
    println!("{broadcast_table}");
    println!(
        "Where the time of one broadcast's recipient insert goes (EXPLAIN ANALYZE, rolled back):"
    );
    for line in db::explain_broadcast(conn, admin_id).await? {
        println!("  {line}");
    }

    // 2. The inbox.
    println!();
    println!(
        "=== 2. The inbox of officers with {} messages ===",
        settings.inbox_messages
    );
    let inbox_table = inbox(settings, &http, &admin, conn, &keys, server).await?;

    // 3. Live delivery.
    println!();
    println!(
        "=== 3. Live delivery of broadcasts to {} subscribed officers ===",
        settings.subscribers
    );
    let live_table = live(settings, &http, &admin, conn, &keys, server, &listener).await?;
    drop(listener);

    println!();
    println!("Summary (machine load average now {}):", load_average());
    println!("{broadcast_table}");
    println!("{inbox_table}");
    println!("{live_table}");
    let size = db::text(
        conn,
        "SELECT pg_size_pretty(pg_total_relation_size('message_recipients')) || ' (' || \
         (SELECT count(*) FROM message_recipients) || ' rows)' AS t",
    )
    .await?;
    println!("message_recipients at the end: {size}");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 1. Broadcasts
// ---------------------------------------------------------------------------------------------

/// What one `sendMessage` cost.
struct Send {
    /// The message.
    id: String,
    /// Send → answer, ms.
    latency_ms: f64,
    /// Transaction start (`now()`, the event's `occurred_at`) → commit (notification at the
    /// bench's listener), ms: the database's side.
    transaction_ms: f64,
    /// The message's `sentAt` (taken by the server before its transaction) → commit, ms.
    sent_at_to_commit_ms: f64,
    /// Commit → the answer read by the bench, ms.
    commit_to_answer_ms: f64,
    rows: i64,
    /// Growth of `message_recipients` (table and indexes), bytes.
    table_growth: i64,
    /// WAL written by the whole cluster during the mutation (other databases included).
    wal_bytes: i64,
}

impl Send {
    fn print(&self, label: &str) {
        println!(
            "  {label}: {} rows; mutation {:.0} ms; transaction (start → commit) {:.0} ms; \
             sentAt → commit {:.0} ms; commit → answer {:.1} ms; +{:.1} MiB in \
             message_recipients; {:.1} MiB WAL (cluster)",
            self.rows,
            self.latency_ms,
            self.transaction_ms,
            self.sent_at_to_commit_ms,
            self.commit_to_answer_ms,
            self.table_growth as f64 / 1_048_576.0,
            self.wal_bytes as f64 / 1_048_576.0,
        );
    }
}

async fn broadcast(
    http: &Http,
    admin: &str,
    conn: &mut AsyncPgConnection,
    listener: &CommitListener,
    audience: Value,
    subject: &str,
) -> Result<Send> {
    let (size0, wal0) = db::sizes(conn).await?;
    let mut input = json!({ "subject": subject, "body": "متن آزمایشی اطلاعیه\nخط دوم" });
    if let (Some(i), Some(a)) = (input.as_object_mut(), audience.as_object()) {
        i.extend(a.clone());
    }
    let sent = Instant::now();
    let answer = http.gql(Some(admin), SEND, json!({ "i": input })).await?;
    let answered = Instant::now();
    let (size1, wal1) = db::sizes(conn).await?;
    let m = &answer["data"]["sendMessage"];
    let id = m["id"].as_str().context("sendMessage answered no id")?;
    let sent_at: DateTime<Utc> = m["sentAt"]
        .as_str()
        .context("no sentAt")?
        .parse()
        .context("sentAt")?;
    let rows = m["recipientsCount"].as_i64().unwrap_or(0);
    let stored = db::recipients_of(conn, id).await?;
    if stored != rows {
        println!("  WARNING: recipientsCount {rows} but {stored} recipient rows stored");
    }
    let commit = listener.wait_for(id, Duration::from_secs(10)).await?;
    Ok(Send {
        id: id.to_string(),
        latency_ms: ms(answered - sent),
        transaction_ms: (commit.received_utc - commit.at)
            .num_microseconds()
            .unwrap_or(0) as f64
            / 1000.0,
        sent_at_to_commit_ms: (commit.received_utc - sent_at)
            .num_microseconds()
            .unwrap_or(0) as f64
            / 1000.0,
        commit_to_answer_ms: signed_ms(answered, commit.received),
        rows: stored,
        table_growth: size1 - size0,
        wal_bytes: wal1 - wal0,
    })
}

fn summarize_sends(sends: &[(String, Send)]) -> String {
    let mut out = String::from(
        "| broadcast | runs | rows each | mutation ms min / median / max | transaction ms min / median / max | sentAt → commit ms median | commit → answer ms median | table growth MiB each | WAL MiB each (cluster) |\n|---|---:|---:|---|---|---:|---:|---:|---:|\n",
    );
    let mut labels: Vec<&String> = sends.iter().map(|(l, _)| l).collect();
    labels.dedup();
    for label in labels {
        let runs: Vec<&Send> = sends
            .iter()
            .filter(|(l, _)| l == label)
            .map(|(_, s)| s)
            .collect();
        let stat = |f: &dyn Fn(&Send) -> f64| {
            let mut v: Vec<f64> = runs.iter().map(|s| f(s)).collect();
            v.sort_unstable_by(f64::total_cmp);
            (v[0], v[v.len() / 2], v[v.len() - 1])
        };
        let lat = stat(&|s| s.latency_ms);
        let txn = stat(&|s| s.transaction_ms);
        let sac = stat(&|s| s.sent_at_to_commit_ms);
        let cta = stat(&|s| s.commit_to_answer_ms);
        let growth = stat(&|s| s.table_growth as f64 / 1_048_576.0);
        let wal = stat(&|s| s.wal_bytes as f64 / 1_048_576.0);
        let rows = stat(&|s| s.rows as f64);
        out.push_str(&format!(
            "| {label} | {} | {:.0} | {:.0} / {:.0} / {:.0} | {:.0} / {:.0} / {:.0} | {:.0} | {:.1} | {:.1} | {:.1} |\n",
            runs.len(),
            rows.1,
            lat.0,
            lat.1,
            lat.2,
            txn.0,
            txn.1,
            txn.2,
            sac.1,
            cta.1,
            growth.1,
            wal.1,
        ));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// 2. The inbox
// ---------------------------------------------------------------------------------------------

async fn inbox(
    settings: &Settings,
    http: &Http,
    admin: &str,
    conn: &mut AsyncPgConnection,
    keys: &TokenKeys,
    server: &Server,
) -> Result<String> {
    let officers = db::pick_officers(conn, 0, settings.inbox_officers).await?;
    let ids: Vec<uuid::Uuid> = officers.iter().map(|o| o.id).collect();
    let have = db::inbox_min(conn, &ids).await?;
    let missing = (settings.inbox_messages - have).max(0);
    let through_graphql = settings.inbox_graphql.min(missing);
    println!(
        "{} officers with {have} messages each (the broadcasts); {missing} more targeted \
         messages to all of them: {through_graphql} through sendMessage, {} set-based in SQL",
        ids.len(),
        missing - through_graphql
    );
    let id_strings: Vec<String> = ids.iter().map(uuid::Uuid::to_string).collect();
    let mut latencies = Vec::new();
    let t = Instant::now();
    for k in 0..through_graphql {
        let input = json!({ "subject": format!("پیام هدفمند {}", k + 1),
                            "body": "متن آزمایشی پیام", "officerIds": id_strings });
        let t0 = Instant::now();
        http.gql(Some(admin), SEND, json!({ "i": input })).await?;
        latencies.push(ms(t0.elapsed()));
    }
    if through_graphql > 0 {
        let p = percentiles(latencies);
        println!(
            "  sendMessage to {} officers: {through_graphql} in {:.1} s, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            ids.len(),
            t.elapsed().as_secs_f64(),
            p.p50,
            p.p99,
            p.max
        );
    }
    let t = Instant::now();
    let rows = db::targeted_messages(conn, &ids, missing - through_graphql).await?;
    println!(
        "  SQL: {} messages, {rows} recipient rows in {:.1} s (no events)",
        missing - through_graphql,
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let read = db::read_half(conn, &ids).await?;
    println!(
        "  SQL: {read} copies marked read (about half) in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    // Tokens: one real login (its user code is the seeded one), the others signed here for
    // sessions inserted in SQL (2,000 logins would be 2,000 argon2 hashes).
    let mut tokens = vec![http.login(&officers[0].user_code).await?];
    tokens.extend(db::tokens(conn, keys, &officers[1..]).await?);
    // A few reads through the API.
    let first: Value = http.gql(Some(&tokens[0]), INBOX, json!({})).await?;
    let edges = first["data"]["messages"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut marked = 0;
    for e in edges.iter().filter(|e| e["node"]["readAt"].is_null()) {
        let id = e["node"]["id"].as_str().unwrap_or_default();
        http.gql(Some(&tokens[0]), MARK_READ, json!({ "id": id }))
            .await?;
        marked += 1;
    }
    println!("  markMessageRead through GraphQL: {marked} messages of the first officer");
    let t = Instant::now();
    db::vacuum_messages(conn).await?;
    println!(
        "  VACUUM (ANALYZE) messages, message_recipients: {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let (min, max, unread_min, unread_max) = db::inbox_sizes(conn, &ids).await?;
    println!(
        "  each inbox: {min} to {max} messages, {unread_min} to {unread_max} unread; \
         message_recipients: {}",
        db::text(
            conn,
            "SELECT pg_size_pretty(pg_total_relation_size('message_recipients')) || ', ' || \
             (SELECT count(*) FROM message_recipients) || ' rows' AS t"
        )
        .await?
    );

    // Check the answers once, against the database.
    for (i, token) in tokens.iter().enumerate().take(3) {
        let v = http.gql(Some(token), INBOX, json!({})).await?;
        let total = v["data"]["messages"]["totalCount"].as_i64().unwrap_or(-1);
        let n = v["data"]["messages"]["edges"]
            .as_array()
            .map_or(0, Vec::len);
        let u = http.gql(Some(token), UNREAD, json!({})).await?;
        let unread = u["data"]["me"]["unreadMessageCount"].as_i64().unwrap_or(-1);
        let (expect_total, expect_unread) = db::officer_counts(conn, ids[i]).await?;
        if total != expect_total || unread != expect_unread || n != 20 {
            bail!(
                "officer {}: totalCount {total} (database {expect_total}), {n} edges, \
                 unreadMessageCount {unread} (database {expect_unread})",
                ids[i]
            );
        }
    }
    println!("  answers checked against the database (totalCount, 20 edges, unreadMessageCount)");
    println!("  the statements, for the first officer (EXPLAIN ANALYZE, warm):");
    for line in db::explain_inbox(conn, ids[0]).await? {
        println!("    {line}");
    }

    let mut results = Vec::new();
    for (label, query) in [
        ("messages(first: 20)", INBOX),
        ("me { unreadMessageCount }", UNREAD),
    ] {
        let body = Bytes::from(json!({ "query": query }).to_string());
        let bodies: Arc<Vec<(String, Bytes)>> = Arc::new(
            tokens
                .iter()
                .map(|t| (format!("Bearer {t}"), body.clone()))
                .collect(),
        );
        if settings.warmup_seconds > 0.0 {
            let _ = load(
                &http.client,
                &http.endpoint,
                &bodies,
                settings.clients,
                Duration::from_secs_f64(settings.warmup_seconds),
            )
            .await;
        }
        let q0 = server.queries(&http.client).await;
        let cpu0 = server.cpu_secs();
        let run = load(
            &http.client,
            &http.endpoint,
            &bodies,
            settings.clients,
            Duration::from_secs_f64(settings.seconds),
        )
        .await;
        let cpu = server.cpu_secs() - cpu0;
        let queries = server.queries(&http.client).await - q0;
        let r = LoadResult::new(label, settings.clients, run, queries, cpu);
        r.print_line();
        println!("    load average after the run: {}", load_average());
        results.push(r);
    }
    let mut out = String::from(
        "| query | clients | requests | errors | requests/s | p50 ms | p99 ms | max ms | statements/request | server CPU |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in &results {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {:.0}% |\n",
            r.label,
            r.clients,
            r.requests,
            r.errors,
            r.rate,
            r.p50_ms,
            r.p99_ms,
            r.max_ms,
            r.statements,
            r.cpu_percent
        ));
    }
    for r in results.iter().filter(|r| !r.samples.is_empty()) {
        out.push_str(&format!("errors of {}: {:?}\n", r.label, r.samples));
    }
    Ok(out)
}

/// What a load run saw.
struct LoadRun {
    latencies_us: Vec<u32>,
    errors: u64,
    samples: Vec<String>,
    elapsed: Duration,
}

/// `clients` tasks, each looping request → response until `duration` is over; each request
/// is a random one of `bodies` (an officer's token and the query).
async fn load(
    client: &reqwest::Client,
    endpoint: &str,
    bodies: &Arc<Vec<(String, Bytes)>>,
    clients: usize,
    duration: Duration,
) -> LoadRun {
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::with_capacity(clients);
    for _ in 0..clients {
        let (client, endpoint, bodies) = (client.clone(), endpoint.to_string(), bodies.clone());
        tasks.push(tokio::spawn(async move {
            let mut run = LoadRun {
                latencies_us: Vec::with_capacity(16_384),
                errors: 0,
                samples: Vec::new(),
                elapsed: Duration::ZERO,
            };
            while Instant::now() < deadline {
                let (auth, body) = &bodies[rand::rng().random_range(0..bodies.len())];
                let t = Instant::now();
                let outcome = post(&client, &endpoint, auth, body).await;
                run.latencies_us
                    .push(u32::try_from(t.elapsed().as_micros()).unwrap_or(u32::MAX));
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

/// One request; `Err` describes a failure (transport, HTTP status, GraphQL errors, no data).
async fn post(
    client: &reqwest::Client,
    endpoint: &str,
    auth: &str,
    body: &Bytes,
) -> Result<(), String> {
    let resp = client
        .post(endpoint)
        .header(reqwest::header::AUTHORIZATION, auth)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.clone())
        .send()
        .await
        .map_err(|e| format!("transport: {e}"))?;
    let status = resp.status();
    let bytes = resp.bytes().await.map_err(|e| format!("body: {e}"))?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|e| format!("not JSON: {e}"))?;
    if status != reqwest::StatusCode::OK
        || v["errors"].as_array().is_some_and(|e| !e.is_empty())
        || v["data"].is_null()
    {
        return Err(format!(
            "HTTP {status}: {}",
            String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
        ));
    }
    Ok(())
}

struct LoadResult {
    label: String,
    clients: usize,
    requests: usize,
    errors: u64,
    rate: f64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    statements: f64,
    cpu_percent: f64,
    samples: Vec<String>,
}

impl LoadResult {
    fn new(label: &str, clients: usize, run: LoadRun, queries: f64, cpu_secs: f64) -> Self {
        let n = run.latencies_us.len();
        let p = percentiles(
            run.latencies_us
                .iter()
                .map(|&u| f64::from(u) / 1000.0)
                .collect(),
        );
        let secs = run.elapsed.as_secs_f64();
        Self {
            label: label.to_string(),
            clients,
            requests: n,
            errors: run.errors,
            rate: n as f64 / secs,
            p50_ms: p.p50,
            p99_ms: p.p99,
            max_ms: p.max,
            statements: if n == 0 { 0.0 } else { queries / n as f64 },
            cpu_percent: 100.0 * cpu_secs / secs,
            samples: run.samples,
        }
    }

    fn print_line(&self) {
        println!(
            "  {:<26} {} clients: {:>7} requests, {} errors, {:>6.0} req/s, p50 {:.2} ms, \
             p99 {:.2} ms, max {:.2} ms; {:.2} statements/request; server CPU {:.0}%",
            self.label,
            self.clients,
            self.requests,
            self.errors,
            self.rate,
            self.p50_ms,
            self.p99_ms,
            self.max_ms,
            self.statements,
            self.cpu_percent
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Live delivery
// ---------------------------------------------------------------------------------------------

async fn live(
    settings: &Settings,
    http: &Http,
    admin: &str,
    conn: &mut AsyncPgConnection,
    keys: &TokenKeys,
    server: &Server,
    listener: &CommitListener,
) -> Result<String> {
    let n = settings.subscribers;
    let officers = db::pick_officers(conn, settings.inbox_officers, n).await?;
    let tokens = db::tokens(conn, keys, &officers).await?;
    let rss0 = server.rss_kib();
    let (stop_tx, stop_rx) = watch::channel(false);
    let delivered = Arc::new(AtomicU64::new(0));
    let t = Instant::now();
    let addr = server.addr.clone();
    let mut attempts = futures_util::stream::iter(tokens)
        .map(|token| {
            let addr = addr.clone();
            async move {
                let mut last = None;
                for attempt in 0..3u64 {
                    if attempt > 0 {
                        tokio::time::sleep(Duration::from_millis(200 * attempt)).await;
                    }
                    match connect(&addr, &token).await {
                        Ok(ws) => return Ok(ws),
                        Err(e) => last = Some(e),
                    }
                }
                Err(last.unwrap_or_else(|| anyhow::anyhow!("not attempted")))
            }
        })
        .buffer_unordered(200);
    let mut readers = Vec::with_capacity(n);
    let mut failures = Vec::new();
    while let Some(outcome) = attempts.next().await {
        match outcome {
            Ok(ws) => readers.push(tokio::spawn(read_loop(
                ws,
                stop_rx.clone(),
                delivered.clone(),
            ))),
            Err(e) => failures.push(format!("{e:#}")),
        }
    }
    drop(attempts);
    let connect_secs = t.elapsed().as_secs_f64();
    for f in failures.iter().take(3) {
        println!("  connect failure, e.g.: {f}");
    }
    // graphql-transport-ws does not acknowledge a subscription: wait for the server's gauge.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut gauge = 0.0;
    while Instant::now() < deadline {
        gauge = server.gauge(&http.client, "cartable_subscribers").await;
        if gauge >= readers.len() as f64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss1 = server.rss_kib();
    println!(
        "  {} connected in {connect_secs:.1} s ({} failed); the server counts {gauge} subscribers; \
         server RSS {:.0} → {:.0} MiB",
        readers.len(),
        failures.len(),
        rss0 as f64 / 1024.0,
        rss1 as f64 / 1024.0
    );

    // The broadcasts, one after the other.
    let mut message_ids = Vec::new();
    let mut sends = Vec::new();
    for k in 0..settings.live_broadcasts {
        let s = broadcast(
            http,
            admin,
            conn,
            listener,
            json!({ "allOfficers": true }),
            &format!("اطلاعیه زنده {}", k + 1),
        )
        .await?;
        s.print("all officers (subscribers connected)");
        message_ids.push(s.id.clone());
        sends.push((format!("all officers, {n} subscribed"), s));
        tokio::time::sleep(Duration::from_secs_f64(settings.live_gap_secs)).await;
    }
    // Drain: until everyone has every broadcast, or 15 s without progress.
    let expected = (readers.len() * message_ids.len()) as u64;
    let mut seen = delivered.load(Ordering::Relaxed);
    let mut progress = Instant::now();
    while delivered.load(Ordering::Relaxed) < expected
        && progress.elapsed() < Duration::from_secs(15)
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let now = delivered.load(Ordering::Relaxed);
        if now > seen {
            seen = now;
            progress = Instant::now();
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let _ = stop_tx.send(true);
    let mut logs = Vec::with_capacity(readers.len());
    for r in readers {
        logs.push(r.await.unwrap_or_else(|e| ClientLog {
            ended: Some(format!("read task failed: {e}")),
            ..ClientLog::default()
        }));
    }

    // Match: event id of each broadcast (from the bench's listener) → its commit instant.
    let mut commits: HashMap<i64, (usize, Instant)> = HashMap::new();
    for (k, id) in message_ids.iter().enumerate() {
        let c = listener.wait_for(id, Duration::from_secs(5)).await?;
        commits.insert(c.event_id, (k, c.received));
    }
    let mut delays = Vec::new();
    let mut per_broadcast: Vec<Vec<f64>> = vec![Vec::new(); message_ids.len()];
    let (mut missing, mut duplicates, mut unexpected, mut ended) = (0u64, 0u64, 0u64, 0u64);
    let mut end_samples: Vec<String> = Vec::new();
    for log in &logs {
        if let Some(e) = &log.ended {
            ended += 1;
            if end_samples.len() < 3 && !end_samples.contains(e) {
                end_samples.push(e.clone());
            }
        }
        let mut got = vec![0u32; message_ids.len()];
        for &(event, at) in &log.events {
            let Some(&(k, commit)) = commits.get(&event) else {
                unexpected += 1;
                continue;
            };
            got[k] += 1;
            if got[k] > 1 {
                duplicates += 1;
                continue;
            }
            let d = signed_ms(at, commit);
            delays.push(d);
            per_broadcast[k].push(d);
        }
        missing += got.iter().filter(|&&g| g == 0).count() as u64;
    }
    for s in &end_samples {
        println!("  a subscription ended early: {s}");
    }
    let all = percentiles(delays);
    for (k, d) in per_broadcast.iter().enumerate() {
        let p = percentiles(d.clone());
        println!(
            "  broadcast {}: {} deliveries, commit → arrival p50 {:.1} ms, p99 {:.1} ms, last {:.1} ms",
            k + 1,
            d.len(),
            p.p50,
            p.p99,
            p.max
        );
    }
    let mut out = summarize_sends(&sends);
    out.push_str(&format!(
        "\n| subscribers | broadcasts | deliveries | commit → arrival p50 ms | p99 ms | max ms | missing | duplicates | unexpected | ended early |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n| {} | {} | {} | {:.1} | {:.1} | {:.1} | {missing} | {duplicates} | {unexpected} | {ended} |\n",
        logs.len(),
        message_ids.len(),
        seen,
        all.p50,
        all.p99,
        all.max,
    ));
    Ok(out)
}

/// Opens a WebSocket, authenticates in `connection_init`, subscribes to `cartableEvents`.
async fn connect(addr: &str, token: &str) -> Result<Ws> {
    let mut request = format!("ws://{addr}/graphql/ws").into_client_request()?;
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().context("header")?,
    );
    let (mut ws, _) = tokio::time::timeout(
        Duration::from_secs(30),
        tokio_tungstenite::connect_async(request),
    )
    .await
    .context("WebSocket connect timed out")??;
    let init = json!({ "type": "connection_init",
                       "payload": { "Authorization": format!("Bearer {token}") } });
    ws.send(WsMessage::Text(init.to_string().into())).await?;
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(30), ws.next())
            .await
            .context("no connection_ack within 30 s")?
            .ok_or_else(|| anyhow::anyhow!("closed before connection_ack"))??;
        if let WsMessage::Text(t) = msg {
            let v: Value = serde_json::from_str(&t)?;
            match v["type"].as_str() {
                Some("connection_ack") => break,
                Some("ping") => {
                    ws.send(WsMessage::Text(r#"{"type":"pong"}"#.into()))
                        .await?
                }
                _ => bail!("unexpected before connection_ack: {v}"),
            }
        }
    }
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": { "query": SUBSCRIPTION } });
    ws.send(WsMessage::Text(subscribe.to_string().into()))
        .await?;
    Ok(ws)
}

#[derive(Default)]
struct ClientLog {
    /// (event id, receipt instant) of each event.
    events: Vec<(i64, Instant)>,
    /// How the subscription ended before the bench stopped it.
    ended: Option<String>,
}

/// The event id of a `next` message, read without a full parse.
fn event_id(text: &str) -> Option<i64> {
    const KEY: &str = r#""cartableEvents":{"id":""#;
    let start = text.find(KEY)? + KEY.len();
    let rest = &text[start..];
    rest[..rest.find('"')?].parse().ok()
}

/// Records the receipt instant of each event; pings every 20 s (the server closes a socket
/// whose client sent nothing for 60 s); stops when told.
async fn read_loop(
    mut ws: Ws,
    mut stop: watch::Receiver<bool>,
    delivered: Arc<AtomicU64>,
) -> ClientLog {
    let mut log = ClientLog::default();
    let first = Duration::from_millis(rand::rng().random_range(0..20_000));
    let mut ping =
        tokio::time::interval_at(tokio::time::Instant::now() + first, Duration::from_secs(20));
    loop {
        tokio::select! {
            msg = ws.next() => match msg {
                Some(Ok(WsMessage::Text(t))) => {
                    let now = Instant::now();
                    if let Some(id) = event_id(&t) {
                        log.events.push((id, now));
                        delivered.fetch_add(1, Ordering::Relaxed);
                    } else if !t.contains(r#""type":"pong""#) && !t.contains(r#""type":"ping""#) {
                        log.ended = Some(t.chars().take(300).collect());
                        break;
                    }
                }
                Some(Ok(WsMessage::Close(frame))) => {
                    log.ended = Some(format!("closed {frame:?}"));
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
                if let Err(e) = ws.send(WsMessage::Text(r#"{"type":"ping"}"#.into())).await {
                    log.ended = Some(format!("ping failed: {e}"));
                    break;
                }
            }
            _ = stop.changed() => return log,
        }
    }
    log
}

// ---------------------------------------------------------------------------------------------
// The bench's LISTEN connection: the commit instant of each event
// ---------------------------------------------------------------------------------------------

/// When the bench's listener heard of an event.
#[derive(Clone, Copy)]
struct Commit {
    event_id: i64,
    /// The event's `occurred_at`: `now()` of its transaction, i.e. the transaction's start.
    at: DateTime<Utc>,
    received: Instant,
    received_utc: DateTime<Utc>,
}

/// The benchmark's own `LISTEN cartable_events` connection on a thread and runtime of its
/// own: PostgreSQL notifies at commit, so the instant a notification arrives is the bench's
/// view of the commit (the server's hub hears the same notification at the same time).
struct CommitListener {
    seen: Arc<Mutex<HashMap<String, Commit>>>,
    stop: watch::Sender<bool>,
}

impl CommitListener {
    async fn start(url: &str) -> Result<Self> {
        let seen = Arc::new(Mutex::new(HashMap::new()));
        let (stop, stop_rx) = watch::channel(false);
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        let (url, map) = (url.to_string(), seen.clone());
        std::thread::spawn(move || {
            let outcome = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("building the listener's runtime")
                .and_then(|rt| rt.block_on(db::listen(&url, map, ready_tx, stop_rx)));
            if let Err(e) = outcome {
                eprintln!("the bench's listener failed: {e:#}");
            }
        });
        ready_rx
            .await
            .context("the listener thread ended before LISTEN")?;
        Ok(Self { seen, stop })
    }

    /// The commit of the event of entity `entity` (a message id), waiting for it.
    async fn wait_for(&self, entity: &str, timeout: Duration) -> Result<Commit> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(c) = self
                .seen
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(entity)
            {
                return Ok(*c);
            }
            if Instant::now() > deadline {
                bail!("the bench's listener heard no event for {entity}");
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

impl Drop for CommitListener {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

// ---------------------------------------------------------------------------------------------
// The server child and HTTP
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
        let log = std::env::temp_dir().join(format!("officer-registry-messages-{port}.log"));
        let log_file = std::fs::File::create(&log)
            .with_context(|| format!("creating the server log {}", log.display()))?;
        let documents = std::env::temp_dir().join("officer-registry-messages-bench-documents");
        let child = tokio::process::Command::new(SERVER_BIN)
            .args(["serve", "--bind-addr", &addr])
            .env("DATABASE_URL", bench_url)
            .env("JWT_SECRET", JWT_SECRET)
            .env("ACCESS_TOKEN_TTL_SECS", TOKEN_TTL_SECS.to_string())
            .env("DOCUMENTS_DIR", documents)
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
        let client = reqwest::Client::new();
        let url = format!("http://{}/readyz", server.addr);
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Some(status) = server.child.try_wait()? {
                bail!(
                    "the server exited with {status}; its log:\n{}",
                    server.log_tail()
                );
            }
            if let Ok(r) = client
                .get(&url)
                .timeout(Duration::from_secs(2))
                .send()
                .await
                && r.status().is_success()
            {
                return Ok(server);
            }
            if Instant::now() > deadline {
                bail!(
                    "the server was not ready within 120 s:\n{}",
                    server.log_tail()
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

    fn rss_kib(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.pid))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("VmRSS:"))
                    .and_then(|v| v.split_whitespace().next())
                    .and_then(|v| v.parse().ok())
            })
            .unwrap_or(0)
    }

    /// utime + stime of the server, seconds (assuming 100 ticks per second, Linux's usual).
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

    /// A gauge or counter of the server's `/metrics` (0 when absent).
    async fn gauge(&self, client: &reqwest::Client, name: &str) -> f64 {
        let Ok(resp) = client
            .get(format!("http://{}/metrics", self.addr))
            .send()
            .await
        else {
            return 0.0;
        };
        let text = resp.text().await.unwrap_or_default();
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0.0)
    }

    /// Statements run through the server's pool so far (`db_queries_total`).
    async fn queries(&self, client: &reqwest::Client) -> f64 {
        self.gauge(client, "db_queries_total").await
    }

    async fn stop(mut self) {
        let _ = self.child.kill().await;
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

struct Http {
    client: reqwest::Client,
    endpoint: String,
}

impl Http {
    fn new(addr: &str) -> Result<Self> {
        Ok(Self {
            client: reqwest::Client::builder()
                .pool_max_idle_per_host(256)
                .tcp_nodelay(true)
                .timeout(Duration::from_secs(120))
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
}

// ---------------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------------

#[derive(Default, Clone, Copy)]
struct Pct {
    p50: f64,
    p99: f64,
    max: f64,
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
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// `a − b` in milliseconds, negative when `a` is earlier.
fn signed_ms(a: Instant, b: Instant) -> f64 {
    if a >= b { ms(a - b) } else { -ms(b - a) }
}

// ---------------------------------------------------------------------------------------------
// SQL (a module of its own: `RunQueryDsl`'s blanket methods would shadow `Vec::first`,
// `AtomicU64::load` … wherever it is in scope)
// ---------------------------------------------------------------------------------------------

mod db {
    use super::Commit;
    use anyhow::{Context as _, Result};
    use chrono::{DateTime, Utc};
    use diesel::sql_types::{Array, BigInt, Text};
    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
    use futures_util::StreamExt;
    use officer_registry::auth::TokenKeys;
    use officer_registry::domain::Role;
    use officer_registry::store;
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};
    use std::time::Instant;
    use uuid::Uuid;

    type SqlUuid = diesel::sql_types::Uuid;

    pub use super::seed::count;

    #[derive(diesel::QueryableByName)]
    struct TextRow {
        #[diesel(sql_type = Text)]
        t: String,
    }

    #[derive(diesel::QueryableByName)]
    struct IdRow {
        #[diesel(sql_type = SqlUuid)]
        id: Uuid,
    }

    #[derive(diesel::QueryableByName)]
    struct Sizes {
        #[diesel(sql_type = BigInt)]
        size: i64,
        #[diesel(sql_type = BigInt)]
        wal: i64,
    }

    #[derive(diesel::QueryableByName)]
    struct PlanLine {
        #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
        line: String,
    }

    /// An officer of the seed: its id, its account and the account's user code.
    #[derive(diesel::QueryableByName)]
    pub struct Officer {
        #[diesel(sql_type = SqlUuid)]
        pub id: Uuid,
        #[diesel(sql_type = SqlUuid)]
        pub user_id: Uuid,
        #[diesel(sql_type = Text)]
        pub user_code: String,
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

    pub async fn text(conn: &mut AsyncPgConnection, sql: &str) -> Result<String> {
        let row: TextRow = diesel::sql_query(sql)
            .get_result(conn)
            .await
            .with_context(|| format!("running {sql}"))?;
        Ok(row.t)
    }

    /// Empties the message tables of a reused database (the log's events stay).
    pub async fn empty_messages(conn: &mut AsyncPgConnection) -> Result<()> {
        conn.batch_execute(
            "TRUNCATE message_attachments, message_recipients, messages; \
             DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE role = 'OFFICER')",
        )
        .await
        .context("emptying the messages")
    }

    /// The admin account (created unless it exists); its id.
    pub async fn create_admin(
        conn: &mut AsyncPgConnection,
        user_code: &str,
        hash: &str,
    ) -> Result<Uuid> {
        let row: IdRow = diesel::sql_query(
            "INSERT INTO users (id, user_code, password_hash, role, display_name) \
             VALUES (gen_random_uuid(), $1, $2, 'DIRECTORATE_ADMIN', 'مدیر اداره کل (بار)') \
             ON CONFLICT (user_code) DO UPDATE SET password_hash = EXCLUDED.password_hash \
             RETURNING id",
        )
        .bind::<Text, _>(user_code)
        .bind::<Text, _>(hash)
        .get_result(conn)
        .await
        .context("creating the admin")?;
        Ok(row.id)
    }

    /// The size of `message_recipients` (table and indexes) and the cluster's WAL position,
    /// bytes.
    pub async fn sizes(conn: &mut AsyncPgConnection) -> Result<(i64, i64)> {
        let s: Sizes = diesel::sql_query(
            "SELECT pg_total_relation_size('message_recipients') AS size, \
             pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint AS wal",
        )
        .get_result(conn)
        .await?;
        Ok((s.size, s.wal))
    }

    /// The recipient rows of a message.
    pub async fn recipients_of(conn: &mut AsyncPgConnection, message_id: &str) -> Result<i64> {
        let id: Uuid = message_id.parse().context("message id")?;
        let row: super::seed::Count =
            diesel::sql_query("SELECT count(*) AS n FROM message_recipients WHERE message_id = $1")
                .bind::<SqlUuid, _>(id)
                .get_result(conn)
                .await?;
        Ok(row.n)
    }

    /// `EXPLAIN ANALYZE` of a broadcast's recipient insert (the app's statement), in a
    /// transaction rolled back: the lines with the times.
    pub async fn explain_broadcast(
        conn: &mut AsyncPgConnection,
        admin_id: Uuid,
    ) -> Result<Vec<String>> {
        let id = Uuid::new_v4();
        conn.batch_execute("BEGIN").await?;
        let outcome = async {
            diesel::sql_query(
                "INSERT INTO messages (id, subject, body, priority, audience, sent_by, sent_at, \
                 recipients_count) VALUES ($1, 'explain', 'explain', 'NORMAL', \
                 '{\"allOfficers\": true}', $2, now(), 0)",
            )
            .bind::<SqlUuid, _>(id)
            .bind::<SqlUuid, _>(admin_id)
            .execute(conn)
            .await?;
            let lines: Vec<PlanLine> = diesel::sql_query(format!(
                "EXPLAIN (ANALYZE, BUFFERS, WAL) INSERT INTO message_recipients \
                 (message_id, officer_id, sent_at) SELECT '{id}', o.id, now() FROM officers o"
            ))
            .load(conn)
            .await?;
            anyhow::Ok(lines)
        }
        .await;
        conn.batch_execute("ROLLBACK").await?;
        Ok(outcome?
            .into_iter()
            .map(|l| l.line.trim().to_string())
            .filter(|l| {
                l.starts_with("Insert")
                    || l.starts_with("Buffers")
                    || l.starts_with("WAL")
                    || l.starts_with("Trigger")
                    || l.starts_with("Execution")
                    || l.starts_with("->")
            })
            .collect())
    }

    /// `EXPLAIN ANALYZE` of the inbox's statements for one officer: the plan nodes and times.
    pub async fn explain_inbox(conn: &mut AsyncPgConnection, officer: Uuid) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for (label, sql) in [
            (
                "page",
                format!(
                    "SELECT m.id, m.subject, m.sent_at, mr.read_at FROM message_recipients mr \
                     JOIN messages m ON m.id = mr.message_id WHERE mr.officer_id = '{officer}' \
                     ORDER BY mr.sent_at DESC, mr.message_id DESC LIMIT 21"
                ),
            ),
            (
                "totalCount",
                format!("SELECT count(*) FROM message_recipients WHERE officer_id = '{officer}'"),
            ),
            (
                "unreadMessageCount",
                format!(
                    "SELECT count(*) FROM message_recipients WHERE officer_id = '{officer}' \
                     AND read_at IS NULL"
                ),
            ),
        ] {
            // Twice: the second is the warm one.
            let _: Vec<PlanLine> = diesel::sql_query(format!("EXPLAIN ANALYZE {sql}"))
                .load(conn)
                .await?;
            let lines: Vec<PlanLine> =
                diesel::sql_query(format!("EXPLAIN (ANALYZE, BUFFERS) {sql}"))
                    .load(conn)
                    .await?;
            let keep: Vec<String> = lines
                .into_iter()
                .map(|l| l.line.trim().to_string())
                .filter(|l| {
                    l.contains("Scan")
                        || l.starts_with("Heap Fetches")
                        || l.starts_with("Buffers")
                        || l.starts_with("Execution")
                })
                .collect();
            out.push(format!("{label}: {}", keep.join(" | ")));
        }
        Ok(out)
    }

    /// `n` officers in a fixed pseudo-random order, after skipping `skip`.
    pub async fn pick_officers(
        conn: &mut AsyncPgConnection,
        skip: usize,
        n: usize,
    ) -> Result<Vec<Officer>> {
        Ok(diesel::sql_query(
            "SELECT o.id, o.user_id, u.user_code FROM officers o JOIN users u ON u.id = o.user_id \
             ORDER BY md5(o.id::text) OFFSET $1 LIMIT $2",
        )
        .bind::<BigInt, _>(i64::try_from(skip)?)
        .bind::<BigInt, _>(i64::try_from(n)?)
        .load(conn)
        .await?)
    }

    /// The fewest messages any of `officers` has.
    pub async fn inbox_min(conn: &mut AsyncPgConnection, officers: &[Uuid]) -> Result<i64> {
        let row: super::seed::Count = diesel::sql_query(
            "SELECT coalesce(min(c), 0) AS n FROM (SELECT o, (SELECT count(*) FROM \
             message_recipients WHERE officer_id = o) AS c FROM unnest($1::uuid[]) o) x",
        )
        .bind::<Array<SqlUuid>, _>(officers)
        .get_result(conn)
        .await?;
        Ok(row.n)
    }

    #[derive(diesel::QueryableByName)]
    struct InboxSizes {
        #[diesel(sql_type = BigInt)]
        min: i64,
        #[diesel(sql_type = BigInt)]
        max: i64,
        #[diesel(sql_type = BigInt)]
        unread_min: i64,
        #[diesel(sql_type = BigInt)]
        unread_max: i64,
    }

    /// The smallest and largest inbox of `officers`, and of their unread parts.
    pub async fn inbox_sizes(
        conn: &mut AsyncPgConnection,
        officers: &[Uuid],
    ) -> Result<(i64, i64, i64, i64)> {
        let r: InboxSizes = diesel::sql_query(
            "SELECT min(c) AS min, max(c) AS max, min(u) AS unread_min, max(u) AS unread_max \
             FROM (SELECT count(*) AS c, count(*) FILTER (WHERE read_at IS NULL) AS u \
                   FROM message_recipients WHERE officer_id = ANY($1) GROUP BY officer_id) x",
        )
        .bind::<Array<SqlUuid>, _>(officers)
        .get_result(conn)
        .await?;
        Ok((r.min, r.max, r.unread_min, r.unread_max))
    }

    /// An officer's messages and unread messages.
    pub async fn officer_counts(conn: &mut AsyncPgConnection, officer: Uuid) -> Result<(i64, i64)> {
        let r: InboxSizes = diesel::sql_query(
            "SELECT count(*) AS min, count(*) AS max, count(*) FILTER (WHERE read_at IS NULL) \
             AS unread_min, 0::bigint AS unread_max FROM message_recipients WHERE officer_id = $1",
        )
        .bind::<SqlUuid, _>(officer)
        .get_result(conn)
        .await?;
        Ok((r.min, r.unread_min))
    }

    /// `n` messages to all of `officers`, set-based: the messages (sent over the last weeks,
    /// by the admin) and one recipient row per officer. Returns the recipient rows.
    pub async fn targeted_messages(
        conn: &mut AsyncPgConnection,
        officers: &[Uuid],
        n: i64,
    ) -> Result<usize> {
        if n == 0 {
            return Ok(0);
        }
        let audience = serde_json::json!({ "officerIds": officers }).to_string();
        diesel::sql_query(
            "WITH m AS (
                 INSERT INTO messages (id, subject, body, priority, must_acknowledge, audience,
                                       sent_by, sent_at, recipients_count)
                 SELECT gen_random_uuid(), 'پیام هدفمند (SQL) ' || g, 'متن آزمایشی پیام',
                        CASE WHEN g % 10 = 0 THEN 'URGENT' ELSE 'NORMAL' END, g % 7 = 0,
                        $1::jsonb, (SELECT id FROM users WHERE role = 'DIRECTORATE_ADMIN' LIMIT 1),
                        now() - g * interval '37 minutes', cardinality($2::uuid[])
                 FROM generate_series(1, $3) g
                 RETURNING id, sent_at
             )
             INSERT INTO message_recipients (message_id, officer_id, sent_at)
             SELECT m.id, o, m.sent_at FROM m CROSS JOIN unnest($2::uuid[]) o",
        )
        .bind::<Text, _>(audience)
        .bind::<Array<SqlUuid>, _>(officers)
        .bind::<BigInt, _>(n)
        .execute(conn)
        .await
        .context("inserting the targeted messages")
    }

    /// Marks about half of the copies of `officers` read (an hour after sending).
    pub async fn read_half(conn: &mut AsyncPgConnection, officers: &[Uuid]) -> Result<usize> {
        Ok(diesel::sql_query(
            "UPDATE message_recipients SET read_at = sent_at + interval '1 hour' \
             WHERE officer_id = ANY($1) AND read_at IS NULL \
               AND get_byte(uuid_send(message_id), 15) % 2 = 0",
        )
        .bind::<Array<SqlUuid>, _>(officers)
        .execute(conn)
        .await?)
    }

    pub async fn vacuum_messages(conn: &mut AsyncPgConnection) -> Result<()> {
        conn.batch_execute("VACUUM (ANALYZE) messages, message_recipients")
            .await
            .context("VACUUM")
    }

    /// Access tokens for `officers`: a session per officer inserted here (one statement),
    /// the token signed with the server's secret and the claims of `src/auth.rs`.
    pub async fn tokens(
        conn: &mut AsyncPgConnection,
        keys: &TokenKeys,
        officers: &[Officer],
    ) -> Result<Vec<String>> {
        let users: Vec<Uuid> = officers.iter().map(|o| o.user_id).collect();
        let families: Vec<Uuid> = officers.iter().map(|_| Uuid::new_v4()).collect();
        diesel::sql_query(
            "INSERT INTO sessions (id, family_id, user_id, token_hash, expires_at, client_addr) \
             SELECT gen_random_uuid(), f, u, sha256(convert_to(gen_random_uuid()::text, 'UTF8')), \
                    now() + interval '1 day', '127.0.0.1' \
             FROM unnest($1::uuid[], $2::uuid[]) AS x(u, f)",
        )
        .bind::<Array<SqlUuid>, _>(&users)
        .bind::<Array<SqlUuid>, _>(&families)
        .execute(conn)
        .await
        .context("inserting the sessions")?;
        let now = Utc::now();
        users
            .iter()
            .zip(&families)
            .map(|(u, f)| Ok(keys.issue(*u, Role::Officer, *f, now)?.0))
            .collect()
    }

    /// Listens on the cartable channel until `stop`, recording for each event's entity (a
    /// message id) when the notification arrived.
    pub async fn listen(
        url: &str,
        seen: Arc<Mutex<HashMap<String, Commit>>>,
        ready: tokio::sync::oneshot::Sender<()>,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) -> Result<()> {
        let mut conn = AsyncPgConnection::establish(url)
            .await
            .context("connecting the listener")?;
        diesel::sql_query(format!("LISTEN {}", officer_registry::cartable::CHANNEL))
            .execute(&mut conn)
            .await?;
        let _ = ready.send(());
        let mut stream = std::pin::pin!(conn.notifications_stream());
        loop {
            tokio::select! {
                n = stream.next() => match n {
                    Some(Ok(n)) => {
                        let (received, received_utc) = (Instant::now(), Utc::now());
                        let v: serde_json::Value =
                            serde_json::from_str(&n.payload).unwrap_or_default();
                        let at = v["at"].as_str().and_then(|a| a.parse::<DateTime<Utc>>().ok());
                        if let (Some(id), Some(entity), Some(at)) =
                            (v["id"].as_i64(), v["entity"].as_str(), at)
                        {
                            seen.lock().unwrap_or_else(|p| p.into_inner()).insert(
                                entity.to_string(),
                                Commit { event_id: id, at, received, received_utc },
                            );
                        }
                    }
                    Some(Err(e)) => return Err(e.into()),
                    None => break,
                },
                _ = stop.changed() => break,
            }
        }
        Ok(())
    }
}

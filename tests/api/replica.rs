//! The read replica (issue 18): a private primary and a streaming standby made with
//! `pg_basebackup`. List and reference reads go to the standby, a caller's own writes are
//! read from the primary, and when the standby lags or is stopped the reads fall back to
//! the primary and `/readyz` and `/metrics` say so.

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use officer_registry::domain::Role;
use officer_registry::store::embedded::PrivateCluster;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Duration;

use crate::harness::*;

/// A private primary and its standby, stopped and removed when dropped.
struct Pair {
    primary: PrivateCluster,
    standby: Option<PrivateCluster>,
    standby_port: u16,
    root: PathBuf,
}

impl Pair {
    async fn new() -> Self {
        let root =
            std::env::temp_dir().join(format!("or-replica-{}", uuid::Uuid::new_v4().simple()));
        let (primary_dir, standby_dir) = (root.join("primary"), root.join("standby"));
        let pair = tokio::task::spawn_blocking(move || {
            let primary = PrivateCluster::start(&primary_dir).expect("a private primary");
            primary
                .base_backup(&standby_dir)
                .expect("a base backup of the primary");
            let standby = PrivateCluster::start_at(&standby_dir, None).expect("the standby");
            (primary, standby)
        })
        .await
        .expect("clusters");
        let standby_port = pair.1.port();
        Self {
            primary: pair.0,
            standby: Some(pair.1),
            standby_port,
            root,
        }
    }

    fn standby_url(&self) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/officer_registry",
            self.standby_port
        )
    }

    fn stop_standby(&mut self) {
        if let Some(s) = self.standby.take() {
            s.stop().expect("stop the standby");
        }
    }

    fn start_standby(&mut self) {
        let dir = self.root.join("standby");
        self.standby =
            Some(PrivateCluster::start_at(&dir, Some(self.standby_port)).expect("restart standby"));
    }

    /// Runs `sql` on the standby.
    async fn on_standby(&self, sql: &str) {
        let mut conn = AsyncPgConnection::establish(&self.standby_url())
            .await
            .expect("connect to the standby");
        diesel::sql_query(sql)
            .execute(&mut conn)
            .await
            .expect("standby statement");
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        if let Some(s) = self.standby.take() {
            let _ = s.stop();
        }
        let _ = self.primary.stop();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

async fn readyz(app: &TestApp) -> (u16, String) {
    let r = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("readyz");
    (r.status().as_u16(), r.text().await.expect("body"))
}

/// Waits until `/readyz` contains `needle` (bounded); the last answer.
async fn ready_saying(app: &TestApp, needle: &str) -> String {
    let mut last = String::new();
    for _ in 0..300 {
        let (status, body) = readyz(app).await;
        assert_eq!(status, 200, "the primary serves: always ready ({body})");
        if body.contains(needle) {
            return body;
        }
        last = body;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("/readyz never said {needle:?}; last: {last}");
}

/// A metric's value summed over its label sets (0 when absent).
async fn metric(app: &TestApp, name: &str, label: Option<&str>) -> f64 {
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    text.lines()
        .filter(|l| {
            (l.starts_with(&format!("{name} ")) || l.starts_with(&format!("{name}{{")))
                && label.is_none_or(|x| l.contains(x))
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

const FIELDS: &str = "{ fieldsOfStudy { id code eligible } }";

/// The eligibility of field `id` as `token` (or anonymous) reads it.
async fn eligible(app: &TestApp, token: Option<&str>, id: &str) -> bool {
    let resp = app.gql_with(token, FIELDS, json!({})).await;
    let fields = resp["data"]["fieldsOfStudy"]
        .as_array()
        .unwrap_or_else(|| panic!("fieldsOfStudy: {resp}"));
    fields
        .iter()
        .find(|f| f["id"] == id)
        .and_then(|f| f["eligible"].as_bool())
        .expect("the field")
}

async fn set_eligible(app: &TestApp, admin: &str, id: &str, value: bool) {
    let resp = app
        .gql_as(
            admin,
            "mutation($id: ID!, $e: Boolean!) { setFieldOfStudyEligibility(id: $id, eligible: $e) { eligible } }",
            json!({"id": id, "e": value}),
        )
        .await;
    assert_eq!(
        resp["data"]["setFieldOfStudyEligibility"]["eligible"],
        Value::Bool(value),
        "{resp}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_go_to_the_replica_own_writes_and_failures_to_the_primary() {
    let mut pair = Pair::new().await;
    let primary_url = pair.primary.url("officer_registry");
    // The primary's database (the standby follows it: migrations included).
    let cfg = officer_registry::config::DatabaseConfig {
        database_url: Some(primary_url.clone()),
        data_dir: pair.root.clone(),
        local_postgres_addr: "127.0.0.1:1".into(),
        db_pool_size: 4,
        db_statement_timeout_ms: 30_000,
        db_acquire_timeout_ms: 10_000,
        replica_database_url: None,
        replica_max_lag_ms: 5_000,
        replica_probe_ms: 500,
        replica_pool_size: 4,
    };
    officer_registry::app::prepare_database(&cfg)
        .await
        .expect("migrate the primary");
    let replica_url = pair.standby_url();
    let with_replica = |max_lag_ms: u64| {
        let replica_url = replica_url.clone();
        move |c: &mut officer_registry::config::Config| {
            c.db.replica_database_url = Some(replica_url);
            c.db.replica_max_lag_ms = max_lag_ms;
            c.db.replica_probe_ms = 100;
        }
    };
    // `patient` tolerates ten minutes of lag; `strict` one second.
    let patient = TestApp::spawn_on(TestDb::new().await, &primary_url, with_replica(600_000)).await;
    let strict = TestApp::spawn_on(TestDb::new().await, &primary_url, with_replica(1_000)).await;
    ready_saying(&patient, "replica: serving reads").await;
    ready_saying(&strict, "replica: serving reads").await;

    let admin = patient.login_as(Role::DirectorateAdmin).await;
    let resp = patient.gql(FIELDS, json!({})).await;
    let id = resp["data"]["fieldsOfStudy"][0]["id"]
        .as_str()
        .expect("a field of study")
        .to_string();
    let before = eligible(&patient, None, &id).await;
    // Wait for the admin's login and account to be replayed, so that only the write below
    // counts as its own.
    tokio::time::sleep(Duration::from_millis(300)).await;

    // The standby stops replaying: what is written now is on the primary only.
    pair.on_standby("SELECT pg_wal_replay_pause()").await;
    let replica_reads = metric(&patient, "replica_reads_total", None).await;
    let own_writes = metric(&patient, "replica_primary_reads_total", Some("own_write")).await;
    set_eligible(&patient, &admin, &id, !before).await;

    // Anyone else reads the list from the replica: not there yet.
    assert_eq!(
        eligible(&patient, None, &id).await,
        before,
        "read from the replica"
    );
    assert!(metric(&patient, "replica_reads_total", None).await > replica_reads);
    // The writer reads its own write (from the primary); so does a single-object read.
    assert_eq!(eligible(&patient, Some(&admin), &id).await, !before);
    assert!(metric(&patient, "replica_primary_reads_total", Some("own_write")).await > own_writes);
    // The strict instance sees the replica fall behind and reads from the primary.
    ready_saying(&strict, "replica: lagging").await;
    let lagging = metric(&strict, "replica_fallbacks_total", Some("lagging")).await;
    assert_eq!(
        eligible(&strict, None, &id).await,
        !before,
        "fell back to the primary"
    );
    assert!(metric(&strict, "replica_fallbacks_total", Some("lagging")).await > lagging);
    // The instance's own view of the lag: the `replica_lag_seconds` gauge is one per process,
    // and the other instance (or another test's) may have set it last.
    let lag = strict
        .app
        .replica
        .as_ref()
        .expect("a replica")
        .status()
        .lag
        .expect("a lag");
    assert!(lag.num_milliseconds() >= 1_000, "{lag:?}");

    // Replay resumes: the replica catches up and serves the new value to everyone.
    pair.on_standby("SELECT pg_wal_replay_resume()").await;
    ready_saying(&strict, "replica: serving reads").await;
    let mut caught_up = false;
    for _ in 0..100 {
        if eligible(&patient, None, &id).await != before {
            caught_up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(caught_up, "the replica replayed the write");

    // The standby stops: every read still succeeds, from the primary, and readiness says so.
    let fallbacks = metric(&patient, "replica_fallbacks_total", None).await;
    pair.stop_standby();
    for _ in 0..20 {
        assert_eq!(eligible(&patient, None, &id).await, !before);
        let resp = patient.gql("{ provinces { id name } }", json!({})).await;
        assert!(resp["errors"].is_null(), "{resp}");
    }
    ready_saying(&patient, "replica: down").await;
    assert!(metric(&patient, "replica_fallbacks_total", None).await > fallbacks);
    assert_eq!(metric(&patient, "replica_up", None).await, 0.0);

    // It comes back on the same port: the reads return to it.
    let pair = tokio::task::spawn_blocking(move || {
        pair.start_standby();
        pair
    })
    .await
    .expect("restart");
    ready_saying(&patient, "replica: serving reads").await;
    let replica_reads = metric(&patient, "replica_reads_total", None).await;
    assert_eq!(eligible(&patient, None, &id).await, !before);
    assert!(metric(&patient, "replica_reads_total", None).await > replica_reads);
    drop((patient, strict, pair));
}

#[tokio::test]
async fn without_a_replica_nothing_is_noted_and_readiness_is_unchanged() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::DirectorateAdmin).await;
    let resp = app.gql(FIELDS, json!({})).await;
    let id = resp["data"]["fieldsOfStudy"][0]["id"]
        .as_str()
        .expect("a field")
        .to_string();
    set_eligible(&app, &admin, &id, false).await;
    assert!(!eligible(&app, None, &id).await);
    assert_eq!(
        app.count("SELECT count(*)::bigint AS n FROM recent_writes")
            .await,
        0
    );
    assert_eq!(readyz(&app).await, (200, "ready".to_string()));
}

//! Operating the service: health, readiness, metrics, start-up failures, a database that
//! goes away, the command line, the checked-in schema.

use crate::harness::*;
use officer_registry::domain::Role;
use serde_json::json;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

const BIN: &str = env!("CARGO_BIN_EXE_officer-registry");

#[tokio::test]
async fn health_readiness_metrics_and_request_ids() {
    let app = TestApp::spawn().await;
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert!(health.headers().get("x-request-id").is_some());
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);

    app.gql("{ provinces { id } }", json!({})).await;
    app.gql("{ noSuchField }", json!({})).await;
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for needle in [
        r#"graphql_requests_total{operation="query:provinces",outcome="ok"}"#,
        r#"graphql_requests_total{operation="invalid",outcome="error"}"#,
        "graphql_request_duration_seconds_bucket",
        r#"http_requests_total{path="/graphql",status="200"}"#,
        "db_pool_size",
        "db_pool_available",
        "db_queries_total",
    ] {
        assert!(
            metrics.contains(needle),
            "{needle} missing from:\n{metrics}"
        );
    }
}

#[test]
fn the_checked_in_schema_matches_the_code() {
    let checked_in =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
            .expect("schema.graphql");
    let generated = officer_registry::graphql::sdl();
    assert!(
        checked_in == generated,
        "schema.graphql is stale: run `cargo run -- export-schema > schema.graphql`"
    );
    let out = Command::new(BIN).arg("export-schema").output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), generated);
}

#[test]
fn a_database_down_at_start_up_stops_the_server_with_a_clear_message() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // Nothing listens on `port` once the listener above is dropped.
    let out = Command::new(BIN)
        .args(["serve", "--bind-addr", "127.0.0.1:0"])
        .env(
            "DATABASE_URL",
            format!("postgres://postgres@127.0.0.1:{port}/officer_registry"),
        )
        .env("JWT_SECRET", JWT_SECRET)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("cannot connect to PostgreSQL at 127.0.0.1:{port}")),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn production_mode_needs_a_real_secret_and_refuses_demo_data() {
    let out = Command::new(BIN)
        .args(["serve", "--production"])
        .env_remove("JWT_SECRET")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("JWT_SECRET must be set"));

    let out = Command::new(BIN)
        .args(["serve", "--production", "--demo"])
        .env("JWT_SECRET", JWT_SECRET)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--demo is refused"));
}

#[tokio::test]
async fn create_admin_command_makes_an_admin_who_can_sign_in() {
    let app = TestApp::spawn().await;
    let out = tokio::process::Command::new(BIN)
        .args(["create-admin", "--user-code", "chief"])
        .env("DATABASE_URL", app.db.url())
        .env("OFFICER_REGISTRY_ADMIN_PASSWORD", "Chief-password-1")
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let login = app.login("chief", "Chief-password-1").await;
    assert_eq!(
        login["data"]["login"]["viewer"]["role"],
        "DIRECTORATE_ADMIN"
    );

    // A weak password is refused, and so is a taken user code.
    let out = tokio::process::Command::new(BIN)
        .args(["create-admin", "--user-code", "chief2"])
        .env("DATABASE_URL", app.db.url())
        .env("OFFICER_REGISTRY_ADMIN_PASSWORD", "weak")
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    let out = tokio::process::Command::new(BIN)
        .args(["create-admin", "--user-code", "chief"])
        .env("DATABASE_URL", app.db.url())
        .env("OFFICER_REGISTRY_ADMIN_PASSWORD", "Chief-password-2")
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("CONFLICT"));
}

/// A TCP proxy in front of PostgreSQL that can cut the database off and bring it back.
struct Proxy {
    port: u16,
    down: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let down = Arc::new(AtomicBool::new(false));
        let links: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let (d, l) = (down.clone(), links.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if d.load(Ordering::SeqCst) {
                    drop(client); // the database is "away": connections are cut at once
                    continue;
                }
                let upstream = upstream.clone();
                l.lock().await.push(tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                }));
            }
        });
        Self { port, down, links }
    }

    async fn cut(&self) {
        self.down.store(true, Ordering::SeqCst);
        for link in self.links.lock().await.drain(..) {
            link.abort();
        }
    }

    fn restore(&self) {
        self.down.store(false, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn a_database_that_goes_away_and_comes_back() {
    let db = TestDb::new().await;
    let direct = url::Url::parse(&db.url()).unwrap();
    let upstream = format!(
        "{}:{}",
        direct.host_str().unwrap(),
        direct.port().unwrap_or(5432)
    );
    let proxy = Proxy::start(upstream).await;
    let mut via_proxy = direct.clone();
    via_proxy.set_port(Some(proxy.port)).unwrap();
    let app = TestApp::spawn_on(db, via_proxy.as_str(), |c| {
        c.db.db_acquire_timeout_ms = 1_000
    })
    .await;
    let token = app.login_as(Role::Officer).await;
    let me = "{ me { userCode } }";
    assert!(app.gql_as(&token, me, json!({})).await["errors"].is_null());

    proxy.cut().await;
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    // (The caller itself is kept from the request before: ask for data too.)
    let resp = app
        .gql_as(
            &token,
            "{ me { userCode } fieldsOfStudy { id } }",
            json!({}),
        )
        .await;
    // Not a fault of the server: a code a client can retry on, with nothing of the cause.
    assert_unavailable(&resp);
    let text = resp.to_string();
    assert!(
        resp["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("try again"),
        "{resp}"
    );
    for leak in ["postgres", "connection", "diesel", "src/", "panicked"] {
        assert!(!text.to_lowercase().contains(leak), "{leak} leaked: {text}");
    }
    // The liveness probe stays up: the process is fine, its database is not.
    assert_eq!(
        app.client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    proxy.restore();
    let mut ready_again = false;
    for _ in 0..50 {
        if app
            .client
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status()
            == 200
        {
            ready_again = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(ready_again, "/readyz recovers");
    let resp = app.gql_as(&token, me, json!({})).await;
    assert!(resp["errors"].is_null(), "{resp}");
}

#[test]
fn a_private_cluster_starts_when_no_server_is_configured() {
    use officer_registry::store::embedded::PrivateCluster;
    let dir = std::env::temp_dir().join(format!("or-private-{}", uuid::Uuid::new_v4().simple()));
    let cluster = PrivateCluster::start(&dir).expect("private cluster");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let url = cluster.url("officer_registry");
        officer_registry::store::create_database_if_missing(&url)
            .await
            .unwrap();
        let applied = officer_registry::store::run_migrations(&url).await.unwrap();
        assert!(applied >= 3);
        // Started again on the same folder: the running cluster is reused.
        let again = PrivateCluster::start(&dir).unwrap();
        assert_eq!(again.port(), cluster.port());
    });
    cluster.stop().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every pooled connection carries `DB_STATEMENT_TIMEOUT_MS`: a statement running longer is
/// cancelled by PostgreSQL, and the connection goes on serving.
#[tokio::test]
async fn every_pooled_connection_has_the_statement_timeout() {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Setting {
        #[diesel(sql_type = diesel::sql_types::Text)]
        statement_timeout: String,
    }
    let app = TestApp::spawn_with(|c| c.db.db_statement_timeout_ms = 200).await;
    // Several connections at once: each was set up when opened.
    let mut conns = Vec::new();
    for _ in 0..3 {
        conns.push(app.app.pool.get().await.expect("conn"));
    }
    for conn in &mut conns {
        let s: Setting = diesel::sql_query("SHOW statement_timeout")
            .get_result(&mut **conn)
            .await
            .expect("show");
        assert_eq!(s.statement_timeout, "200ms");
    }
    let conn = &mut conns[0];
    let slow = diesel::sql_query("SELECT pg_sleep(2)")
        .execute(&mut **conn)
        .await
        .expect_err("cancelled");
    assert!(slow.to_string().contains("statement timeout"), "{slow}");
    diesel::sql_query("SELECT 1")
        .execute(&mut **conn)
        .await
        .expect("the connection goes on");
}

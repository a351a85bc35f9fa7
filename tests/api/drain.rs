//! Graceful drain (issue 18): on SIGTERM `/readyz` answers 503 at once, new connections stop
//! after `DRAIN_GRACE_MS`, requests in flight finish, WebSockets are told to reconnect
//! (1012), and the process exits cleanly; a second signal stops it at once.

use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::harness::*;

const QUERY: &str = r#"{"query":"{ provinces { id } }"}"#;

/// Sends `SIGTERM` to the process.
fn terminate(server: &ServerProcess) {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

/// Waits for the process to exit, up to `within`; its exit status.
async fn exited(server: &mut ServerProcess, within: Duration) -> Option<std::process::ExitStatus> {
    let deadline = tokio::time::Instant::now() + within;
    while tokio::time::Instant::now() < deadline {
        if let Some(status) = server.child.try_wait().expect("wait") {
            return Some(status);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

/// A POST of `QUERY` whose body is sent a byte at a time over `spread`: a request in flight
/// for that long. Returns the HTTP status line and the body of the answer.
async fn slow_request(addr: SocketAddr, spread: Duration) -> std::io::Result<(String, String)> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    let head = format!(
        "POST /graphql HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        QUERY.len()
    );
    stream.write_all(head.as_bytes()).await?;
    let pause = spread / QUERY.len() as u32;
    for b in QUERY.as_bytes() {
        stream.write_all(&[*b]).await?;
        tokio::time::sleep(pause).await;
    }
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await?;
    let text = String::from_utf8_lossy(&answer).to_string();
    let status = text.lines().next().unwrap_or_default().to_string();
    let body = text
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_string();
    Ok((status, body))
}

/// Registers an officer through the process and signs in: the access token.
async fn officer_token(client: &reqwest::Client, server: &ServerProcess) -> String {
    let code = national_code(300_000_000 + u64::from(uuid::Uuid::new_v4().as_u128() as u16));
    let r: Value = client
        .post(server.url("/graphql"))
        .json(&json!({
            "query": "mutation($i: RegisterOfficerInput!) { registerOfficer(input: $i) { userCode } }",
            "variables": { "i": {
                "nationalCode": code, "birthDate": "1990-03-21", "firstName": "علی",
                "lastName": "رضایی", "mobile": "09121234567", "password": PASSWORD,
            }}
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let user = r["data"]["registerOfficer"]["userCode"]
        .as_str()
        .unwrap_or_else(|| panic!("{r}"));
    let r: Value = client
        .post(server.url("/graphql"))
        .json(&json!({
            "query": "mutation($u: String!, $p: String!) { login(userCode: $u, password: $p) { accessToken } }",
            "variables": { "u": user, "p": PASSWORD }
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["data"]["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn sigterm_drains_readiness_then_connections_then_requests_and_sockets() {
    let db = TestDb::new().await;
    let mut server = ServerProcess::start(
        &db.url(),
        &[("DRAIN_GRACE_MS", "2000"), ("DRAIN_TIMEOUT_SECS", "30")],
    )
    .await;
    let client = reqwest::Client::new();
    let token = officer_token(&client, &server).await;
    let mut ws = ws_at(server.addr, Some(&token)).await.expect("socket");
    ws.subscribe("1", "subscription { cartableEvents { id } }", json!({}))
        .await;
    let ready = client.get(server.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);

    // A request in flight for 5 s, then the signal.
    let addr = server.addr;
    let in_flight = tokio::spawn(slow_request(addr, Duration::from_secs(5)));
    tokio::time::sleep(Duration::from_millis(500)).await;
    terminate(&server);

    // At once: not ready (new connections are still taken for the grace period), and the
    // socket is told to reconnect elsewhere.
    let mut not_ready = false;
    for _ in 0..20 {
        let r = reqwest::Client::new()
            .get(server.url("/readyz"))
            .send()
            .await;
        if let Ok(r) = r
            && r.status() == 503
        {
            assert_eq!(r.text().await.unwrap(), "draining");
            not_ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(not_ready, "/readyz did not answer 503 while draining");
    match ws.next_message(Duration::from_secs(10)).await {
        Err(WsEnd::Closed(code, reason)) => {
            assert_eq!(code, 1012, "{reason}");
            assert!(reason.contains("reconnect"), "{reason}");
        }
        other => panic!("expected a close frame, got {other:?}"),
    }

    // After the grace period no new connection is taken.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let refused = reqwest::Client::new()
        .get(server.url("/healthz"))
        .timeout(Duration::from_secs(2))
        .send()
        .await;
    assert!(
        refused.is_err(),
        "a new connection was served after the grace period"
    );

    // The request in flight finished normally, then the process exited cleanly.
    let (status, body) = in_flight.await.unwrap().expect("the request in flight");
    assert!(status.contains("200"), "{status}");
    assert!(body.contains("\"provinces\""), "{body}");
    let exit = exited(&mut server, Duration::from_secs(20))
        .await
        .expect("the server exited after the drain");
    assert!(exit.success(), "{exit:?}");
}

#[tokio::test]
async fn a_second_signal_stops_at_once() {
    let db = TestDb::new().await;
    let mut server = ServerProcess::start(&db.url(), &[("DRAIN_TIMEOUT_SECS", "120")]).await;
    // A request that would hold the drain for 30 s.
    let addr = server.addr;
    let in_flight = tokio::spawn(slow_request(addr, Duration::from_secs(30)));
    tokio::time::sleep(Duration::from_millis(500)).await;
    terminate(&server);
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the drain waits for the request in flight"
    );
    terminate(&server);
    let exit = exited(&mut server, Duration::from_secs(10))
        .await
        .expect("the second signal stops the server at once");
    assert!(!exit.success(), "{exit:?}");
    in_flight.abort();
}

/// `serve` with no `DATABASE_URL` and no local server: it creates (or reuses) a private
/// cluster under `data_dir`. Its standard error goes to `log`.
async fn serve_private(
    data_dir: &std::path::Path,
    log: &std::path::Path,
) -> (std::process::Child, SocketAddr) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_officer-registry"))
        .args(["serve", "--bind-addr", &addr.to_string()])
        .env_remove("DATABASE_URL")
        // Nothing listens there: no "local server", so the private cluster is used.
        .env("LOCAL_POSTGRES_ADDR", "127.0.0.1:1")
        .env("DATA_DIR", data_dir)
        .env("JWT_SECRET", JWT_SECRET)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .expect("serve");
    let client = reqwest::Client::new();
    for _ in 0..1200 {
        if let Ok(r) = client.get(format!("http://{addr}/healthz")).send().await
            && r.status() == 200
        {
            return (child, addr);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!(
        "serve on a private cluster did not come up; its log:\n{}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

async fn stop_and_wait(child: &mut std::process::Child) -> std::process::ExitStatus {
    std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    for _ in 0..600 {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    panic!("serve did not exit within 60 s of SIGTERM");
}

#[tokio::test]
async fn the_private_cluster_serve_started_stops_with_it_unless_another_process_uses_it() {
    use diesel_async::AsyncConnection;
    use officer_registry::store::embedded::PrivateCluster;
    let data_dir = std::env::temp_dir().join(format!("or-drain-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&data_dir).unwrap();
    let pg = data_dir.join("pg");
    let log = data_dir.join("serve.log");

    // Alone: stopped, and said so.
    let (mut child, _) = serve_private(&data_dir, &log).await;
    assert!(pg.join("postmaster.pid").exists(), "the cluster runs");
    let status = stop_and_wait(&mut child).await;
    let said = std::fs::read_to_string(&log).unwrap();
    assert!(status.success(), "{status:?}: {said}");
    assert!(
        said.contains("Stopped the private PostgreSQL cluster"),
        "{said}"
    );
    assert!(
        !pg.join("postmaster.pid").exists(),
        "the cluster still runs"
    );

    // Started again with the server; another process holds a connection: left running.
    let (mut child, _) = serve_private(&data_dir, &log).await;
    let cluster = tokio::task::spawn_blocking({
        let pg = pg.clone();
        move || PrivateCluster::start(&pg)
    })
    .await
    .unwrap()
    .expect("the running cluster");
    let other = diesel_async::AsyncPgConnection::establish(&cluster.url("postgres"))
        .await
        .expect("a connection of another process");
    let status = stop_and_wait(&mut child).await;
    let said = std::fs::read_to_string(&log).unwrap();
    assert!(status.success(), "{status:?}: {said}");
    assert!(
        said.contains("Left the private PostgreSQL cluster"),
        "{said}"
    );
    assert!(
        pg.join("postmaster.pid").exists(),
        "the cluster was stopped under a user"
    );
    drop(other);
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .unwrap()
        .expect("stop the cluster");
    let _ = std::fs::remove_dir_all(&data_dir);
}

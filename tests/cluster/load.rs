//! The cluster run (issue 18), started by `tests/cluster/run`: the machine's PostgreSQL as
//! primary, a streaming replica made with `pg_basebackup`, two server instances behind
//! nginx, a third process as "the bank" (the gateway simulator), and for `CLUSTER_SECS`
//! (default 60) a load of queries, mutations (registrations, uploads, submissions, claims,
//! approvals, payments) and `CLUSTER_SUBSCRIBERS` (default 200) cartable subscribers, while
//! each instance in turn gets SIGTERM and is restarted and the replica is stopped and
//! started. Prints
//! `cluster: requests=N failed=F events_lost=L duplicates=D replica_fallbacks=R`
//! and exits non-zero unless F, L and D are 0.

use diesel_async::{AsyncConnection, AsyncPgConnection};
use futures_util::{SinkExt, StreamExt};
use officer_registry::store::embedded::{self, PrivateCluster};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const JWT_SECRET: &str = "cluster-run-secret-cluster-run-secret-0123456789";
const MERCHANT: &str = "00000000-0000-0000-0000-000000000000";
const PASSWORD: &str = "Cluster-run-1405";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn log(msg: &str) {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    let t = START.get_or_init(Instant::now).elapsed().as_secs_f64();
    eprintln!("[{t:6.1}s] {msg}");
}

/// A server process: an instance or the bank.
struct Server {
    name: String,
    port: u16,
    args: Vec<String>,
    env: Vec<(String, String)>,
    log: PathBuf,
    child: Option<Child>,
}

impl Server {
    fn spawn(&mut self, bin: &Path) {
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("log file");
        let err = out.try_clone().expect("log file");
        let mut cmd = Command::new(bin);
        cmd.arg("serve")
            .args(&self.args)
            .args(["--bind-addr", &format!("127.0.0.1:{}", self.port)])
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err));
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        self.child = Some(cmd.spawn().expect("start the server"));
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    async fn wait_healthy(&self, http: &reqwest::Client) {
        for _ in 0..600 {
            if let Ok(r) = http.get(self.url("/readyz")).send().await
                && r.status() == 200
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "{} did not become ready; see {}",
            self.name,
            self.log.display()
        );
    }

    /// SIGTERM, then waits for the exit (the drain); its exit status.
    async fn terminate(&mut self) -> Option<std::process::ExitStatus> {
        let child = self.child.as_mut()?;
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        for _ in 0..900 {
            if let Ok(Some(status)) = child.try_wait() {
                self.child = None;
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = child.kill();
        let status = child.wait().ok();
        self.child = None;
        status
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// nginx in front of the two instances.
struct Nginx(Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_nginx(work: &Path, port: u16, upstreams: &[u16]) -> Nginx {
    let tmp = work.join("nginx-tmp");
    std::fs::create_dir_all(&tmp).expect("nginx temp");
    // Workers run as an unprivileged user when nginx is started as root.
    let _ = Command::new("chmod")
        .arg("-R")
        .arg("0777")
        .arg(&tmp)
        .status();
    let servers: String = upstreams
        .iter()
        .map(|p| format!("    server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;\n"))
        .collect();
    let conf = format!(
        r#"worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  client_max_body_size 30m;
  upstream api {{
{servers}  }}
  map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://api;
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_read_timeout 3600s;
      proxy_connect_timeout 2s;
      # A refused connection (an instance draining or restarting) goes to the other
      # instance, POST included: a request that never reached a server is safe to resend.
      proxy_next_upstream error timeout non_idempotent;
      proxy_next_upstream_tries 2;
    }}
  }}
}}
"#,
        work = work.display(),
        tmp = tmp.display(),
    );
    let path = work.join("nginx.conf");
    std::fs::write(&path, conf).expect("nginx.conf");
    let bin = ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .unwrap_or("nginx");
    let child = Command::new(bin)
        .arg("-e")
        .arg(work.join("nginx-error.log"))
        .arg("-p")
        .arg(work)
        .arg("-c")
        .arg(&path)
        .args(["-g", "daemon off;"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start nginx (tests/cluster/run installs it)");
    Nginx(child)
}

/// Counts of the whole run.
#[derive(Default)]
struct Tally {
    requests: AtomicU64,
    failed: AtomicU64,
    samples: Mutex<Vec<String>>,
    completed: AtomicU64,
}

impl Tally {
    fn fail(&self, what: String) {
        self.failed.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut s) = self.samples.lock()
            && s.len() < 20
        {
            log(&format!("FAILED: {what}"));
            s.push(what);
        }
    }
}

/// A GraphQL client through nginx that counts every request.
#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    base: String,
    tally: Arc<Tally>,
}

impl Client {
    async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Option<Value> {
        self.tally.requests.fetch_add(1, Ordering::Relaxed);
        let mut req = self
            .http
            .post(format!("{}/graphql", self.base))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let short: String = query.chars().take(60).collect();
        match req.send().await {
            Ok(r) => {
                let status = r.status();
                match r.json::<Value>().await {
                    Ok(v) if status.is_success() && v["errors"].is_null() => {
                        Some(v["data"].clone())
                    }
                    Ok(v) => {
                        self.tally
                            .fail(format!("{short}: HTTP {status}: {}", v["errors"]));
                        None
                    }
                    Err(e) => {
                        self.tally.fail(format!("{short}: HTTP {status}: {e}"));
                        None
                    }
                }
            }
            Err(e) => {
                self.tally.fail(format!("{short}: {e}"));
                None
            }
        }
    }

    async fn upload(&self, token: &str, request_id: &str, kind: &str) -> bool {
        self.tally.requests.fetch_add(1, Ordering::Relaxed);
        let operations = json!({
            "query": "mutation($r: ID!, $k: DocumentKind!, $f: Upload!) { attachDocument(requestId: $r, kind: $k, file: $f) { id } }",
            "variables": { "r": request_id, "k": kind, "f": null },
        });
        let part = match reqwest::multipart::Part::bytes(PDF.to_vec())
            .file_name("scan.pdf")
            .mime_str("application/pdf")
        {
            Ok(p) => p,
            Err(e) => {
                self.tally.fail(format!("upload part: {e}"));
                return false;
            }
        };
        let form = reqwest::multipart::Form::new()
            .text("operations", operations.to_string())
            .text("map", r#"{"0": ["variables.f"]}"#)
            .part("0", part);
        let sent = self
            .http
            .post(format!("{}/graphql", self.base))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await;
        match sent {
            Ok(r) => {
                let status = r.status();
                match r.json::<Value>().await {
                    Ok(v) if status.is_success() && v["errors"].is_null() => true,
                    Ok(v) => {
                        self.tally
                            .fail(format!("upload: HTTP {status}: {}", v["errors"]));
                        false
                    }
                    Err(e) => {
                        self.tally.fail(format!("upload: {e}"));
                        false
                    }
                }
            }
            Err(e) => {
                self.tally.fail(format!("upload: {e}"));
                false
            }
        }
    }

    /// A GET that must answer `expect` (a status class: 2 or 3); its `location` or body.
    async fn get(&self, url: &str, post: bool, expect: u16) -> Option<String> {
        self.tally.requests.fetch_add(1, Ordering::Relaxed);
        let req = if post {
            self.http.post(url)
        } else {
            self.http.get(url)
        };
        match req.send().await {
            Ok(r) if r.status().as_u16() / 100 == expect => {
                if expect == 3 {
                    r.headers()
                        .get("location")
                        .and_then(|l| l.to_str().ok())
                        .map(str::to_string)
                } else {
                    r.text().await.ok()
                }
            }
            Ok(r) => {
                self.tally.fail(format!("{url}: HTTP {}", r.status()));
                None
            }
            Err(e) => {
                self.tally.fail(format!("{url}: {e}"));
                None
            }
        }
    }

    async fn login(&self, user_code: &str, password: &str) -> Option<String> {
        let d = self
            .gql(
                None,
                "mutation($u: String!, $p: String!) { login(userCode: $u, password: $p) { accessToken } }",
                json!({ "u": user_code, "p": password }),
            )
            .await?;
        d["login"]["accessToken"].as_str().map(str::to_string)
    }
}

/// A valid national code from nine digits (the check digit of the Iranian algorithm).
fn national_code(first9: u64) -> String {
    let digits: Vec<u32> = format!("{first9:09}")
        .chars()
        .filter_map(|c| c.to_digit(10))
        .collect();
    let sum: u32 = digits
        .iter()
        .enumerate()
        .map(|(i, d)| d * (10 - i as u32))
        .sum();
    let r = sum % 11;
    let check = if r < 2 { r } else { 11 - r };
    format!("{first9:09}{check}")
}

/// One officer from registration to a completed payment, as its browser and the bank would.
async fn officer_journey(c: &Client, reviewer_queue: &Arc<Mutex<Vec<String>>>, n: u64) -> bool {
    let code = national_code(300_000_000 + n * 7_919 % 600_000_000);
    let Some(d) = c
        .gql(
            None,
            "mutation($i: RegisterOfficerInput!) { registerOfficer(input: $i) { userCode } }",
            json!({ "i": {
                "nationalCode": code, "birthDate": "1990-03-21", "firstName": "علی",
                "lastName": "رضایی", "mobile": "09121234567", "password": PASSWORD,
            }}),
        )
        .await
    else {
        return false;
    };
    let Some(user_code) = d["registerOfficer"]["userCode"].as_str() else {
        return false;
    };
    let Some(token) = c.login(user_code, PASSWORD).await else {
        return false;
    };
    let t = Some(token.as_str());
    let Some(d) = c
        .gql(
            t,
            "mutation { startQualificationRequest(kind: NEW) { id } }",
            json!({}),
        )
        .await
    else {
        return false;
    };
    let Some(id) = d["startQualificationRequest"]["id"]
        .as_str()
        .map(str::to_string)
    else {
        return false;
    };
    let filled = c
        .gql(
            t,
            "mutation($id: ID!, $i: QualificationDraftInput!) { updateQualificationRequest(id: $id, input: $i) { id } }",
            json!({ "id": id, "i": {
                "fieldOfStudyId": "1", "degreeLevel": "BACHELOR", "provinceId": "28", "cityId": "2801",
            }}),
        )
        .await;
    if filled.is_none() {
        return false;
    }
    for kind in [
        "DEGREE_CERTIFICATE",
        "NATIONAL_CARD",
        "BIRTH_CERTIFICATE",
        "PHOTO",
    ] {
        if !c.upload(&token, &id, kind).await {
            return false;
        }
    }
    if c.gql(
        t,
        "mutation($id: ID!) { submitQualificationRequest(id: $id) { status } }",
        json!({ "id": id }),
    )
    .await
    .is_none()
    {
        return false;
    }
    if let Ok(mut q) = reviewer_queue.lock() {
        q.push(id.clone());
    }
    // The reviewer approves it; the officer watches its list (a read the replica may serve,
    // though never before the officer's own writes are on it).
    let mut approved = false;
    for _ in 0..150 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let Some(d) = c
            .gql(
                t,
                "{ myQualificationRequests(first: 5) { edges { node { id status } } } }",
                json!({}),
            )
            .await
        else {
            return false;
        };
        let status = d["myQualificationRequests"]["edges"][0]["node"]["status"].clone();
        if status == "AWAITING_PAYMENT" {
            approved = true;
            break;
        }
    }
    if !approved {
        c.tally
            .fail(format!("request {id} was not approved within 30 s"));
        return false;
    }
    let Some(d) = c
        .gql(
            t,
            "mutation($id: ID!) { startPayment(requestId: $id) { redirectUrl } }",
            json!({ "id": id }),
        )
        .await
    else {
        return false;
    };
    let Some(redirect) = d["startPayment"]["redirectUrl"]
        .as_str()
        .map(str::to_string)
    else {
        return false;
    };
    if c.get(&redirect, false, 2).await.is_none() {
        return false;
    }
    let Some(to_callback) = c.get(&format!("{redirect}/pay"), true, 3).await else {
        return false;
    };
    let Some(landing) = c.get(&to_callback, false, 3).await else {
        return false;
    };
    if !landing.contains("status=PAID") {
        c.tally.fail(format!("payment of {id} landed on {landing}"));
        return false;
    }
    let Some(d) = c
        .gql(
            t,
            "query($id: ID!) { qualificationRequest(id: $id) { status payment { status } } }",
            json!({ "id": id }),
        )
        .await
    else {
        return false;
    };
    if d["qualificationRequest"]["payment"]["status"] != "PAID" {
        c.tally.fail(format!("request {id} after payment: {d}"));
        return false;
    }
    c.tally.completed.fetch_add(1, Ordering::Relaxed);
    true
}

/// The reviewer: claims and approves what the officers submitted, and reads its queue.
async fn reviewer(c: Client, token: String, queue: Arc<Mutex<Vec<String>>>, stop: Arc<AtomicBool>) {
    let t = Some(token.as_str());
    while !stop.load(Ordering::Relaxed) {
        let next = queue.lock().ok().and_then(|mut q| q.pop());
        let Some(id) = next else {
            c.gql(
                t,
                "{ reviewQueue(status: [SUBMITTED], first: 10) { totalCount edges { node { id status } } } }",
                json!({}),
            )
            .await;
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        if c.gql(
            t,
            "mutation($id: ID!) { claimQualificationRequest(id: $id) { status } }",
            json!({ "id": id }),
        )
        .await
        .is_some()
        {
            c.gql(
                t,
                "mutation($id: ID!) { approveQualificationRequest(id: $id, note: \"تأیید\") { status } }",
                json!({ "id": id }),
            )
            .await;
        }
    }
}

/// Readers: reference data, public verification, the dashboards, lists.
async fn reader(c: Client, admin: String, reviewer: String, stop: Arc<AtomicBool>, n: u64) {
    let mut i = n;
    while !stop.load(Ordering::Relaxed) {
        i += 1;
        match i % 5 {
            0 => c.gql(None, "{ provinces { id name } }", json!({})).await,
            1 => {
                c.gql(None, "{ fieldsOfStudy { id code eligible } }", json!({}))
                    .await
            }
            2 => {
                c.gql(
                    None,
                    "query($c: String!) { verifyOfficer(nationalCode: $c) { maskedName } }",
                    json!({ "c": national_code(300_000_000 + i * 7_919 % 600_000_000) }),
                )
                .await
            }
            3 => {
                c.gql(
                    Some(&admin),
                    "{ registryStatistics { officers qualifiedOfficers requestsByStatus { status count } } }",
                    json!({}),
                )
                .await
            }
            _ => {
                c.gql(
                    Some(&reviewer),
                    "{ reviewQueue(first: 10) { totalCount edges { node { id status } } } }",
                    json!({}),
                )
                .await
            }
        };
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// What one subscriber received.
#[derive(Default)]
struct Received {
    ids: Vec<i64>,
    reconnects: u64,
}

/// A cartable subscriber that resumes with `afterEventId` whenever its socket ends.
async fn subscriber(
    ws_url: String,
    token: String,
    start_after: i64,
    received: Arc<Mutex<Received>>,
    done: Arc<AtomicBool>,
) {
    let mut last = start_after;
    while !done.load(Ordering::Relaxed) {
        let Ok(mut request) = ws_url.as_str().into_client_request() else {
            return;
        };
        if let Ok(v) = "graphql-transport-ws".parse() {
            request.headers_mut().insert("sec-websocket-protocol", v);
        }
        let Ok(Ok((mut socket, _))) = tokio::time::timeout(
            Duration::from_secs(5),
            tokio_tungstenite::connect_async(request),
        )
        .await
        else {
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        };
        let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } });
        let sub = json!({ "type": "subscribe", "id": "1", "payload": {
            "query": "subscription($a: ID) { cartableEvents(afterEventId: $a) { id kind } }",
            "variables": { "a": last.to_string() },
        }});
        if socket
            .send(Message::Text(init.to_string().into()))
            .await
            .is_err()
            || socket
                .send(Message::Text(sub.to_string().into()))
                .await
                .is_err()
        {
            continue;
        }
        loop {
            let next = tokio::time::timeout(Duration::from_millis(500), socket.next()).await;
            if done.load(Ordering::Relaxed) {
                let _ = socket.close(None).await;
                return;
            }
            let msg = match next {
                Err(_) => continue,
                Ok(Some(Ok(m))) => m,
                Ok(_) => break,
            };
            let Message::Text(text) = msg else {
                if matches!(msg, Message::Close(_)) {
                    break;
                }
                continue;
            };
            let Ok(v) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            match v["type"].as_str() {
                Some("next") => {
                    if let Some(id) = v["payload"]["data"]["cartableEvents"]["id"]
                        .as_str()
                        .and_then(|s| s.parse::<i64>().ok())
                    {
                        last = last.max(id);
                        if let Ok(mut r) = received.lock() {
                            r.ids.push(id);
                        }
                    }
                }
                Some("ping") => {
                    let _ = socket
                        .send(Message::Text(json!({"type": "pong"}).to_string().into()))
                        .await;
                }
                Some("error") | Some("complete") => break,
                _ => {}
            }
        }
        if let Ok(mut r) = received.lock() {
            r.reconnects += 1;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn scalar(url: &str, sql: &str) -> i64 {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = AsyncPgConnection::establish(url)
        .await
        .expect("connect to the primary");
    let n: N = diesel::sql_query(sql)
        .get_result(&mut conn)
        .await
        .expect("a scalar");
    n.n
}

async fn exec(url: &str, sql: &str) {
    use diesel_async::RunQueryDsl;
    let mut conn = AsyncPgConnection::establish(url)
        .await
        .expect("connect to the primary");
    diesel::sql_query(sql)
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn event_ids(url: &str, after: i64) -> Vec<i64> {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let mut conn = AsyncPgConnection::establish(url)
        .await
        .expect("connect to the primary");
    let rows: Vec<Id> = diesel::sql_query(format!(
        "SELECT id FROM events WHERE id > {after} ORDER BY id"
    ))
    .load(&mut conn)
    .await
    .expect("events");
    rows.into_iter().map(|r| r.id).collect()
}

/// `replica_fallbacks_total` of one instance (0 when it does not answer).
async fn fallbacks(http: &reqwest::Client, server: &Server) -> f64 {
    let Ok(r) = http.get(server.url("/metrics")).send().await else {
        return 0.0;
    };
    let text = r.text().await.unwrap_or_default();
    text.lines()
        .filter(|l| l.starts_with("replica_fallbacks_total"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// The standby, stopped when dropped.
struct Standby {
    cluster: Option<PrivateCluster>,
    dir: PathBuf,
    port: u16,
}

impl Drop for Standby {
    fn drop(&mut self) {
        if let Some(c) = self.cluster.take() {
            let _ = c.stop();
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let secs: u64 = env_or("CLUSTER_SECS", 60);
    let subscribers: usize = env_or("CLUSTER_SUBSCRIBERS", 200);
    let primary_port: u16 = env_or("CLUSTER_PRIMARY_PORT", 5432);
    let bin = PathBuf::from(
        std::env::var("CLUSTER_SERVER_BIN")
            .unwrap_or_else(|_| "target/debug/officer-registry".into()),
    );
    let work = std::env::temp_dir().join(format!("or-cluster-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&work).expect("work folder");
    log(&format!("work folder {}", work.display()));
    let admin_url = format!("postgres://postgres@127.0.0.1:{primary_port}/postgres");
    let suffix = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
    let (db, bank_db) = (
        format!("or_cluster_{suffix}"),
        format!("or_cluster_bank_{suffix}"),
    );
    let db_url = format!("postgres://postgres@127.0.0.1:{primary_port}/{db}");

    // The replica: a base backup of the machine's PostgreSQL, streaming from it.
    let standby_dir = work.join("replica");
    let standby_port = free_port();
    {
        let dir = standby_dir.clone();
        tokio::task::spawn_blocking(move || embedded::base_backup_from(primary_port, &dir))
            .await
            .expect("join")
            .expect("pg_basebackup of the primary (tests/cluster/run allows replication)");
    }
    let mut standby = Standby {
        cluster: Some(
            PrivateCluster::start_at(&standby_dir, Some(standby_port)).expect("start the replica"),
        ),
        dir: standby_dir,
        port: standby_port,
    };
    log(&format!("replica streaming on 127.0.0.1:{standby_port}"));
    exec(&admin_url, &format!("CREATE DATABASE {db}")).await;
    exec(&admin_url, &format!("CREATE DATABASE {bank_db}")).await;

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client");
    let nginx_port = free_port();
    let public = format!("http://127.0.0.1:{nginx_port}");
    let docs = work.join("documents");
    let common = |extra: &[(&str, String)]| -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = [
            ("JWT_SECRET", JWT_SECRET.to_string()),
            ("RUST_LOG", "warn".to_string()),
            ("DATA_DIR", work.join("data").display().to_string()),
            ("DOCUMENTS_DIR", docs.display().to_string()),
            ("REGISTER_MAX_PER_HOUR", "1000000".to_string()),
            ("VERIFY_MAX_PER_MINUTE", "1000000".to_string()),
            ("LOGIN_MAX_FAILURES_PER_ADDR", "1000000".to_string()),
            ("COST_POINTS_PER_MINUTE", "100000000".to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
        env
    };
    let mut bank = Server {
        name: "bank".into(),
        port: free_port(),
        args: vec![],
        env: common(&[
            (
                "DATABASE_URL",
                format!("postgres://postgres@127.0.0.1:{primary_port}/{bank_db}"),
            ),
            ("PAYMENT_SIMULATOR", "true".into()),
        ]),
        log: work.join("bank.log"),
        child: None,
    };
    bank.spawn(&bin);
    bank.wait_healthy(&http).await;
    let instance_env = common(&[
        ("DATABASE_URL", db_url.clone()),
        (
            "REPLICA_DATABASE_URL",
            format!("postgres://postgres@127.0.0.1:{standby_port}/{db}"),
        ),
        ("PUBLIC_BASE_URL", public.clone()),
        ("ZARINPAL_MERCHANT_ID", MERCHANT.into()),
        ("ZARINPAL_BASE_URL", bank.url("/_simulator/zarinpal")),
        ("DRAIN_TIMEOUT_SECS", "30".into()),
    ]);
    let mut instances: Vec<Server> = ["a", "b"]
        .iter()
        .map(|n| Server {
            name: format!("instance {n}"),
            port: free_port(),
            args: vec![],
            env: instance_env.clone(),
            log: work.join(format!("instance-{n}.log")),
            child: None,
        })
        .collect();
    // The first start seeds the demo accounts.
    instances[0].args = vec!["--demo".into()];
    instances[0].spawn(&bin);
    instances[0].wait_healthy(&http).await;
    instances[0].args.clear();
    instances[1].spawn(&bin);
    instances[1].wait_healthy(&http).await;
    let ports: Vec<u16> = instances.iter().map(|s| s.port).collect();
    let _nginx = start_nginx(&work, nginx_port, &ports);
    for _ in 0..100 {
        if http.get(format!("{public}/healthz")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    log(&format!(
        "instances on {:?}, nginx on {nginx_port}, bank on {}",
        ports, bank.port
    ));

    let tally = Arc::new(Tally::default());
    let client = Client {
        http: http.clone(),
        base: public.clone(),
        tally: tally.clone(),
    };
    let admin = client
        .login("admin", "Admin-demo-1405")
        .await
        .expect("the demo admin signs in");
    let reviewer_token = client
        .login("reviewer.tehran", "Reviewer-demo-1405")
        .await
        .expect("the demo reviewer signs in");
    let start_after = scalar(
        &db_url,
        "SELECT coalesce(max(id), 0)::bigint AS n FROM events",
    )
    .await;

    // Subscribers first, all from the same point of the log.
    let done = Arc::new(AtomicBool::new(false));
    let ws_url = format!("ws://127.0.0.1:{nginx_port}/graphql/ws");
    let mut subs = Vec::new();
    for _ in 0..subscribers {
        let received = Arc::new(Mutex::new(Received::default()));
        subs.push(received.clone());
        tokio::spawn(subscriber(
            ws_url.clone(),
            admin.clone(),
            start_after,
            received,
            done.clone(),
        ));
    }
    log(&format!(
        "{subscribers} subscribers from event {start_after}; load for {secs} s"
    ));

    let stop = Arc::new(AtomicBool::new(false));
    let queue = Arc::new(Mutex::new(Vec::new()));
    // The reviewer works until the last journey in flight has been approved.
    let reviewer_stop = Arc::new(AtomicBool::new(false));
    let reviewing = tokio::spawn(reviewer(
        client.clone(),
        reviewer_token.clone(),
        queue.clone(),
        reviewer_stop.clone(),
    ));
    let mut load = Vec::new();
    for n in 0..3 {
        load.push(tokio::spawn(reader(
            client.clone(),
            admin.clone(),
            reviewer_token.clone(),
            stop.clone(),
            n,
        )));
    }
    let journeys = Arc::new(AtomicU64::new(u64::from(std::process::id()) * 1_000));
    for _ in 0..6 {
        let (c, q, s, j) = (
            client.clone(),
            queue.clone(),
            stop.clone(),
            journeys.clone(),
        );
        load.push(tokio::spawn(async move {
            while !s.load(Ordering::Relaxed) {
                let n = j.fetch_add(1, Ordering::Relaxed);
                officer_journey(&c, &q, n).await;
            }
        }));
    }

    // The faults, spread over the run.
    let began = Instant::now();
    let at = |fraction: f64| began + Duration::from_secs_f64(secs as f64 * fraction);
    let mut replica_fallbacks = 0.0;
    for (i, when) in [(0usize, 0.15), (1usize, 0.40)] {
        tokio::time::sleep_until(at(when).into()).await;
        replica_fallbacks += fallbacks(&http, &instances[i]).await;
        log(&format!("SIGTERM {}", instances[i].name));
        let status = instances[i].terminate().await;
        log(&format!(
            "{} exited: {status:?}; restarting",
            instances[i].name
        ));
        instances[i].spawn(&bin);
        instances[i].wait_healthy(&http).await;
        log(&format!("{} is back", instances[i].name));
    }
    tokio::time::sleep_until(at(0.65).into()).await;
    log("stopping the replica");
    if let Some(c) = standby.cluster.take() {
        let _ = tokio::task::spawn_blocking(move || c.stop()).await;
    }
    tokio::time::sleep_until(at(0.78).into()).await;
    log("starting the replica");
    {
        let (dir, port) = (standby.dir.clone(), standby.port);
        standby.cluster =
            tokio::task::spawn_blocking(move || PrivateCluster::start_at(&dir, Some(port)))
                .await
                .expect("join")
                .ok();
    }
    tokio::time::sleep_until(at(1.0).into()).await;
    stop.store(true, Ordering::Relaxed);
    log("load stopped; letting the journeys in flight finish");
    for h in load {
        let _ = tokio::time::timeout(Duration::from_secs(60), h).await;
    }
    reviewer_stop.store(true, Ordering::Relaxed);
    let _ = reviewing.await;
    for s in &instances {
        replica_fallbacks += fallbacks(&http, s).await;
    }

    // Every subscriber must reach the end of the log.
    let expected = event_ids(&db_url, start_after).await;
    let last = expected.last().copied().unwrap_or(start_after);
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let behind = subs
            .iter()
            .filter(|r| {
                r.lock()
                    .map(|r| r.ids.iter().max().copied().unwrap_or(start_after) < last)
                    .unwrap_or(true)
            })
            .count();
        if behind == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    done.store(true, Ordering::Relaxed);
    let expected: HashSet<i64> = expected.into_iter().collect();
    let (mut lost, mut duplicates, mut reconnects, mut out_of_order) = (0u64, 0u64, 0u64, 0u64);
    for r in &subs {
        let Ok(r) = r.lock() else { continue };
        let mut seen = HashSet::new();
        let mut prev = start_after;
        for id in &r.ids {
            if !seen.insert(*id) {
                duplicates += 1;
            }
            if *id < prev {
                out_of_order += 1;
            }
            prev = *id;
        }
        lost += expected.iter().filter(|id| !seen.contains(id)).count() as u64;
        reconnects += r.reconnects;
    }
    let requests = tally.requests.load(Ordering::Relaxed);
    let failed = tally.failed.load(Ordering::Relaxed);
    log(&format!(
        "{} payments completed; {} events in the run; {reconnects} subscriber reconnects; {out_of_order} events out of order",
        tally.completed.load(Ordering::Relaxed),
        expected.len()
    ));
    println!(
        "cluster: requests={requests} failed={failed} events_lost={lost} duplicates={duplicates} replica_fallbacks={}",
        replica_fallbacks as u64
    );
    drop(instances);
    drop(bank);
    drop(standby);
    exec(
        &admin_url,
        &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
    )
    .await;
    exec(
        &admin_url,
        &format!("DROP DATABASE IF EXISTS {bank_db} WITH (FORCE)"),
    )
    .await;
    if std::env::var("CLUSTER_KEEP").is_err() {
        let _ = std::fs::remove_dir_all(&work);
    }
    if failed == 0 && lost == 0 && duplicates == 0 && !expected.is_empty() && requests > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

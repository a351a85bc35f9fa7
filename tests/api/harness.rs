//! Test harness: a fresh database per test, cloned from a migrated template; the app served
//! in-process on a random loopback port; helpers to act as each role.

use officer_registry::app::App;
use officer_registry::config::{Config, DatabaseConfig};
use officer_registry::domain::Role;
use officer_registry::store::{self, embedded};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::OnceCell;

/// The password every account made by [`TestApp::create_user`] gets.
pub const PASSWORD: &str = "Test-password-1405";
/// The signing secret of test apps.
pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123456789";

/// URL of the PostgreSQL server the tests use, resolved as the server does (DATABASE_URL,
/// the local server, or a private cluster), with the database part left out.
fn server_url() -> &'static str {
    static URL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    URL.get_or_init(|| {
        let cfg = DatabaseConfig {
            database_url: std::env::var("TEST_DATABASE_URL").ok(),
            data_dir: std::env::temp_dir().join("officer-registry-test"),
            local_postgres_addr: embedded::LOCAL_SERVER.to_string(),
            db_pool_size: 4,
            db_statement_timeout_ms: 30_000,
            db_acquire_timeout_ms: 10_000,
            replica_database_url: None,
            replica_max_lag_ms: 5_000,
            replica_probe_ms: 500,
            replica_pool_size: 4,
        };
        let (url, _) =
            embedded::resolve_database_url(&cfg).expect("a PostgreSQL server for the tests");
        let (admin, _) = store::split_database_url(&url).expect("a database URL");
        admin.trim_end_matches("/postgres").to_string()
    })
}

/// URL of a database on the test server.
pub fn db_url(name: &str) -> String {
    format!("{}/{name}", server_url())
}

async fn admin_exec(sql: &str) -> anyhow::Result<()> {
    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
    let mut conn = AsyncPgConnection::establish(&db_url("postgres")).await?;
    diesel::sql_query(sql).execute(&mut conn).await?;
    Ok(())
}

/// Name of the template: a digest of the migrations, so a change of them makes a new one.
fn template_name() -> String {
    let mut hasher = Sha256::new();
    let mut paths: Vec<_> = walk(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/migrations"
    )));
    paths.sort();
    for p in paths {
        hasher.update(p.to_string_lossy().as_bytes());
        hasher.update(std::fs::read(&p).unwrap_or_default());
    }
    let digest = hasher.finalize();
    format!("or_tpl_{}", hex(&digest[..6]))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// Creates the migrated template once per run (under an advisory lock, so parallel test
/// processes build it once).
async fn template() -> &'static str {
    static TEMPLATE: OnceCell<String> = OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            // Each test has its own runtime: build the template on a thread of its own.
            std::thread::spawn(|| {
                tokio::runtime::Builder::new_multi_thread()
                    .enable_all()
                    .build()
                    .expect("runtime")
                    .block_on(build_template())
            })
            .join()
            .expect("template thread")
        })
        .await
}

async fn build_template() -> String {
    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
    let name = template_name();
    let mut conn = AsyncPgConnection::establish(&db_url("postgres"))
        .await
        .expect("connect to the test PostgreSQL");
    diesel::sql_query("SELECT pg_advisory_lock(727001)")
        .execute(&mut conn)
        .await
        .expect("lock");
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let exists: N = diesel::sql_query("SELECT count(*) AS n FROM pg_database WHERE datname = $1")
        .bind::<diesel::sql_types::Text, _>(&name)
        .get_result(&mut conn)
        .await
        .expect("query");
    if exists.n == 0 {
        let building = format!("{name}_building");
        diesel::sql_query(format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
            .execute(&mut conn)
            .await
            .expect("drop");
        diesel::sql_query(format!("CREATE DATABASE {building}"))
            .execute(&mut conn)
            .await
            .expect("create template");
        store::run_migrations(&db_url(&building))
            .await
            .expect("migrations");
        diesel::sql_query(format!("ALTER DATABASE {building} RENAME TO {name}"))
            .execute(&mut conn)
            .await
            .expect("rename template");
    }
    diesel::sql_query("SELECT pg_advisory_unlock(727001)")
        .execute(&mut conn)
        .await
        .expect("unlock");
    name
}

/// A database of one test, dropped at the end of the test.
pub struct TestDb {
    pub name: String,
}

impl TestDb {
    pub async fn new() -> Self {
        let template = template().await;
        let name = format!("or_test_{}", uuid::Uuid::new_v4().simple());
        let mut last = None;
        for _ in 0..20 {
            match admin_exec(&format!("CREATE DATABASE {name} TEMPLATE {template}")).await {
                Ok(()) => return Self { name },
                // "source database is being accessed by other users": retry shortly.
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("cannot create a test database: {last:?}");
    }

    pub fn url(&self) -> String {
        db_url(&self.name)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let _ = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map(|rt| rt.block_on(admin_exec(&sql)))
        })
        .join();
    }
}

/// The configuration of test apps: the defaults, a test secret and a small pool.
pub fn test_config() -> Config {
    let mut config = Config::defaults();
    config.jwt_secret = Some(JWT_SECRET.to_string());
    // Every test client comes from 127.0.0.1: the per-address registration limit is
    // tested on its own.
    config.register_max_per_hour = 1_000_000;
    // The same for the budget of query points per minute (tested in limits.rs).
    config.cost_points_per_minute = 100_000_000;
    config.db.db_pool_size = 8;
    config.db.db_acquire_timeout_ms = 3_000;
    config.bind_addr = "127.0.0.1:0".parse().expect("addr");
    config.documents_dir =
        Some(std::env::temp_dir().join(format!("or-test-docs-{}", uuid::Uuid::new_v4().simple())));
    config
}

/// An app served in-process on its own database.
pub struct TestApp {
    pub addr: SocketAddr,
    pub app: Arc<App>,
    pub client: reqwest::Client,
    pub db: Arc<TestDb>,
    /// The instance's background jobs (stopped when the app is dropped).
    _jobs: officer_registry::jobs::Jobs,
    counter: std::sync::atomic::AtomicU32,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Spawns with a changed configuration.
    pub async fn spawn_with(change: impl FnOnce(&mut Config)) -> Self {
        let db = TestDb::new().await;
        let url = db.url();
        Self::spawn_on(db, &url, change).await
    }

    /// Spawns on `db`, reaching it through `url` (which may go through a proxy).
    pub async fn spawn_on(db: TestDb, url: &str, change: impl FnOnce(&mut Config)) -> Self {
        Self::spawn_shared(Arc::new(db), url, change).await
    }

    /// A second server instance on the same database (as behind a load balancer).
    pub async fn second_instance(&self) -> Self {
        let url = self.db.url();
        let docs = self.app.config.documents_dir.clone();
        Self::spawn_shared(self.db.clone(), &url, |c| c.documents_dir = docs).await
    }

    async fn spawn_shared(db: Arc<TestDb>, url: &str, change: impl FnOnce(&mut Config)) -> Self {
        let mut config = test_config();
        change(&mut config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        config.bind_addr = addr;
        let app = App::new(config, url).expect("app");
        let jobs = officer_registry::jobs::start(&app);
        let router = officer_registry::http::router(app.clone());
        tokio::spawn(async move {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .expect("serve");
        });
        Self {
            addr,
            app,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            db,
            _jobs: jobs,
            counter: Default::default(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Runs a GraphQL operation, optionally with a bearer token; returns the whole response.
    pub async fn gql_with(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut req = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("request");
        assert_eq!(resp.status(), 200, "GraphQL requests answer 200");
        resp.json().await.expect("json")
    }

    /// Runs an operation anonymously.
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        self.gql_with(None, query, variables).await
    }

    /// Runs an operation as the holder of `token`.
    pub async fn gql_as(&self, token: &str, query: &str, variables: Value) -> Value {
        self.gql_with(Some(token), query, variables).await
    }

    /// Creates an account of `role` directly in the store; returns its user code.
    pub async fn create_user(&self, role: Role) -> String {
        let n = self
            .counter
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let code = format!("{}-{n}", role.as_str().to_lowercase().replace('_', "."));
        let (university, distributor) = match role {
            Role::UniversityReviewer => (Some(TEHRAN_UNIVERSITY), None),
            Role::Distributor => (None, Some(self.create_distributor_row().await)),
            _ => (None, None),
        };
        officer_registry::demo::create_account(
            &self.app.pool,
            &code,
            PASSWORD,
            role,
            &format!("{} {n}", role.name_fa()),
            university,
            distributor,
        )
        .await
        .expect("create account");
        code
    }

    async fn create_distributor_row(&self) -> uuid::Uuid {
        use diesel_async::RunQueryDsl;
        let id = uuid::Uuid::new_v4();
        let mut conn = self.app.pool.get().await.expect("conn");
        diesel::sql_query(
            "INSERT INTO distributors (id, name, kind, national_id, manager_mobile) \
             VALUES ($1, 'شرکت آزمون', 'COMPANY', lpad(floor(random() * 1e11)::bigint::text, 11, '0'), '09120000000')",
        )
        .bind::<diesel::sql_types::Uuid, _>(id)
        .execute(&mut conn)
        .await
        .expect("distributor");
        id
    }

    /// Logs in; returns the whole `login` payload.
    pub async fn login(&self, user_code: &str, password: &str) -> Value {
        self.gql(
            "mutation($u: String!, $p: String!) { login(userCode: $u, password: $p) { accessToken refreshToken expiresAt viewer { userCode role } } }",
            json!({ "u": user_code, "p": password }),
        )
        .await
    }

    /// Creates an account of `role` and logs in; returns the access token.
    pub async fn login_as(&self, role: Role) -> String {
        let code = self.create_user(role).await;
        let resp = self.login(&code, PASSWORD).await;
        resp["data"]["login"]["accessToken"]
            .as_str()
            .unwrap_or_else(|| panic!("login failed: {resp}"))
            .to_string()
    }
}

/// Tehran University of Medical Sciences (seeded reference data).
pub const TEHRAN_UNIVERSITY: i32 = 281;
/// Iran University of Medical Sciences (covers Shahriar, among others).
pub const IRAN_UNIVERSITY: i32 = 283;
/// Tabriz University of Medical Sciences (East Azerbaijan's default).
pub const TABRIZ_UNIVERSITY: i32 = 101;
/// Tehran province and some of its cities.
pub const TEHRAN_PROVINCE: &str = "28";
pub const TEHRAN_CITY: &str = "2801";
/// East Azerbaijan and Tabriz.
pub const EAST_AZERBAIJAN: &str = "10";
pub const TABRIZ_CITY: &str = "1001";

/// A minimal PDF.
pub const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
/// A minimal PNG header.
pub const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 0,
    1, 0, 0, 0, 1, 8, 2, 0, 0, 0, 0x90, 0x77, 0x53, 0xDE,
];
/// A minimal JPEG header.
pub const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
    0x00, 0x01, 0x00, 0x00, 0xFF, 0xD9,
];
/// The start of an ELF executable.
pub const ELF: &[u8] = &[
    0x7F, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0x3E, 0,
];

/// Computes a valid national code from 9 digits.
pub fn national_code(first9: u64) -> String {
    let base = format!("{first9:09}");
    let digits: Vec<u32> = base.chars().filter_map(|c| c.to_digit(10)).collect();
    let s: u32 = digits
        .iter()
        .enumerate()
        .map(|(i, d)| d * (10 - i as u32))
        .sum();
    let r = s % 11;
    let check = if r < 2 { r } else { 11 - r };
    format!("{base}{check}")
}

/// An officer registered through the API.
pub struct TestOfficer {
    pub user_code: String,
    pub officer_id: String,
    pub token: String,
    pub national_code: String,
}

const REGISTER: &str = "mutation($i: RegisterOfficerInput!) { registerOfficer(input: $i) { userCode officer { id nationalCode } } }";

impl TestApp {
    /// Registers an officer through `registerOfficer` and logs in.
    pub async fn register_officer(&self) -> TestOfficer {
        let n = self
            .counter
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let code = national_code(100_000_000 + u64::from(n) * 7919 + rand_suffix());
        let resp = self
            .gql(
                REGISTER,
                json!({ "i": {
                    "nationalCode": code, "birthDate": "1990-03-21", "firstName": "علی",
                    "lastName": "رضایی", "mobile": "09121234567", "password": PASSWORD,
                }}),
            )
            .await;
        let user_code = resp["data"]["registerOfficer"]["userCode"]
            .as_str()
            .unwrap_or_else(|| panic!("register failed: {resp}"))
            .to_string();
        let officer_id = resp["data"]["registerOfficer"]["officer"]["id"]
            .as_str()
            .expect("id")
            .to_string();
        let login = self.login(&user_code, PASSWORD).await;
        let token = login["data"]["login"]["accessToken"]
            .as_str()
            .expect("token")
            .to_string();
        TestOfficer {
            user_code,
            officer_id,
            token,
            national_code: code,
        }
    }

    /// Creates a reviewer of `university` and logs in; returns the access token.
    pub async fn reviewer_of(&self, university: i32) -> String {
        let n = self
            .counter
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let code = format!("reviewer-{university}-{n}");
        officer_registry::demo::create_account(
            &self.app.pool,
            &code,
            PASSWORD,
            Role::UniversityReviewer,
            "کارشناس",
            Some(university),
            None,
        )
        .await
        .expect("reviewer");
        let login = self.login(&code, PASSWORD).await;
        login["data"]["login"]["accessToken"]
            .as_str()
            .expect("token")
            .to_string()
    }

    /// Uploads a file with the GraphQL multipart request spec.
    pub async fn upload(
        &self,
        token: &str,
        request_id: &str,
        kind: &str,
        file_name: &str,
        bytes: &[u8],
    ) -> Value {
        let operations = json!({
            "query": "mutation($r: ID!, $k: DocumentKind!, $f: Upload!) { attachDocument(requestId: $r, kind: $k, file: $f) { id kind fileName contentType sizeBytes sha256 downloadUrl } }",
            "variables": { "r": request_id, "k": kind, "f": null },
        });
        let form = reqwest::multipart::Form::new()
            .text("operations", operations.to_string())
            .text("map", r#"{"0": ["variables.f"]}"#)
            .part(
                "0",
                reqwest::multipart::Part::bytes(bytes.to_vec())
                    .file_name(file_name.to_string())
                    .mime_str("application/pdf")
                    .expect("mime"),
            );
        let resp = self
            .client
            .post(self.url("/graphql"))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("upload");
        resp.json().await.expect("json")
    }

    /// Runs SQL on the test database.
    pub async fn sql(&self, sql: &str) -> Result<usize, diesel::result::Error> {
        use diesel_async::RunQueryDsl;
        let mut conn = self.app.pool.get().await.expect("conn");
        diesel::sql_query(sql).execute(&mut conn).await
    }

    /// The ids of the events of the log matching `filter` (an SQL condition), in order.
    pub async fn event_ids(&self, filter: &str) -> Vec<i64> {
        use diesel_async::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            id: i64,
        }
        let mut conn = self.app.pool.get().await.expect("conn");
        let rows: Vec<Row> =
            diesel::sql_query(format!("SELECT id FROM events WHERE {filter} ORDER BY id"))
                .load(&mut conn)
                .await
                .expect("event ids");
        rows.into_iter().map(|r| r.id).collect()
    }
}

fn rand_suffix() -> u64 {
    u64::from(uuid::Uuid::new_v4().as_u128() as u32 % 1000)
}

/// The `extensions.code` of the first error of a response.
pub fn error_code(resp: &Value) -> &str {
    resp["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error with a code, got {resp}"))
}

/// Asserts the response is a refusal with `code`, a Persian message, and no data.
pub fn assert_refused(resp: &Value, code: &str) {
    assert_eq!(error_code(resp), code, "{resp}");
    let fa = resp["errors"][0]["extensions"]["messageFa"]
        .as_str()
        .unwrap_or_default();
    assert!(
        fa.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)),
        "a Persian message is expected: {resp}"
    );
}

/// Asserts a refusal because a dependency (the database, the document store) is
/// unavailable: `INTERNAL` (the closed set of codes), marked `retryable` with a
/// `retryAfterSeconds`, and a Persian message.
pub fn assert_unavailable(resp: &Value) {
    assert_refused(resp, "INTERNAL");
    let ext = &resp["errors"][0]["extensions"];
    assert_eq!(ext["retryable"], true, "{resp}");
    assert!(ext["retryAfterSeconds"].as_u64().is_some(), "{resp}");
}

/// A GraphQL-over-WebSocket client (`graphql-transport-ws`), for tests.
pub struct WsClient {
    socket: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
}

/// What the server said when the connection ended.
#[derive(Debug)]
pub enum WsEnd {
    /// A close frame with its code.
    Closed(u16, String),
    /// Nothing within the time allowed.
    Timeout,
}

impl TestApp {
    /// Opens a WebSocket and sends `connection_init` with `token`; returns the client once
    /// acknowledged, or how the server ended the connection.
    pub async fn ws(&self, token: Option<&str>) -> Result<WsClient, WsEnd> {
        ws_at(self.addr, token).await
    }
}

/// Opens a WebSocket to the server at `addr` and sends `connection_init` with `token`;
/// returns the client once acknowledged, or how the server ended the connection.
pub async fn ws_at(addr: SocketAddr, token: Option<&str>) -> Result<WsClient, WsEnd> {
    {
        use futures_util::SinkExt;
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut request = format!("ws://{addr}/graphql/ws")
            .into_client_request()
            .expect("request");
        request.headers_mut().insert(
            "sec-websocket-protocol",
            "graphql-transport-ws".parse().expect("header"),
        );
        let (socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("websocket");
        let mut client = WsClient { socket };
        let payload = match token {
            Some(t) => json!({ "Authorization": format!("Bearer {t}") }),
            None => json!({}),
        };
        client
            .socket
            .send(tokio_tungstenite::tungstenite::Message::Text(
                json!({ "type": "connection_init", "payload": payload })
                    .to_string()
                    .into(),
            ))
            .await
            .expect("send");
        match client.next_message(std::time::Duration::from_secs(5)).await {
            Ok(msg) if msg["type"] == "connection_ack" => Ok(client),
            Ok(other) => panic!("unexpected {other}"),
            Err(end) => Err(end),
        }
    }
}

impl WsClient {
    /// Sends one protocol message as it is.
    pub async fn send_json(&mut self, message: Value) {
        use futures_util::SinkExt;
        self.socket
            .send(tokio_tungstenite::tungstenite::Message::Text(
                message.to_string().into(),
            ))
            .await
            .expect("send");
    }

    /// Starts a subscription under `id`.
    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        use futures_util::SinkExt;
        self.socket
            .send(tokio_tungstenite::tungstenite::Message::Text(
                json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } })
                    .to_string()
                    .into(),
            ))
            .await
            .expect("send");
    }

    /// The next protocol message (pings are answered and skipped).
    pub async fn next_message(&mut self, within: std::time::Duration) -> Result<Value, WsEnd> {
        use futures_util::{SinkExt, StreamExt};
        use tokio_tungstenite::tungstenite::Message;
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let msg = match tokio::time::timeout_at(deadline, self.socket.next()).await {
                Err(_) => return Err(WsEnd::Timeout),
                Ok(None) => return Err(WsEnd::Closed(1006, "gone".into())),
                Ok(Some(Err(e))) => return Err(WsEnd::Closed(1006, e.to_string())),
                Ok(Some(Ok(m))) => m,
            };
            match msg {
                Message::Text(t) => {
                    let v: Value = serde_json::from_str(&t).expect("json");
                    if v["type"] == "ping" {
                        let _ = self
                            .socket
                            .send(Message::Text(json!({ "type": "pong" }).to_string().into()))
                            .await;
                        continue;
                    }
                    return Ok(v);
                }
                Message::Close(frame) => {
                    let (code, reason) = frame
                        .map(|f| (u16::from(f.code), f.reason.to_string()))
                        .unwrap_or((1005, String::new()));
                    return Err(WsEnd::Closed(code, reason));
                }
                _ => continue,
            }
        }
    }

    /// The payload of the next `next` message (panics on anything else).
    pub async fn next_event(&mut self) -> Value {
        let msg = self
            .next_message(std::time::Duration::from_secs(10))
            .await
            .unwrap_or_else(|e| panic!("no event: {e:?}"));
        assert_eq!(msg["type"], "next", "{msg}");
        msg["payload"].clone()
    }

    /// Whether nothing arrives within `within`.
    pub async fn silent_for(&mut self, within: std::time::Duration) -> bool {
        matches!(self.next_message(within).await, Err(WsEnd::Timeout))
    }
}

/// A valid company national ID (شناسه ملی) from 10 digits.
pub fn company_national_id(first10: u64) -> String {
    const COEFFICIENTS: [u32; 10] = [29, 27, 23, 19, 17, 29, 27, 23, 19, 17];
    let base = format!("{:010}", first10 % 10_000_000_000);
    let digits: Vec<u32> = base.chars().filter_map(|c| c.to_digit(10)).collect();
    let d = digits[9] + 2;
    let sum: u32 = digits
        .iter()
        .zip(COEFFICIENTS.iter())
        .map(|(di, ci)| (di + d) * ci)
        .sum();
    let r = match sum % 11 {
        10 => 0,
        r => r,
    };
    format!("{base}{r}")
}

/// A distributor created by an admin, signed in.
pub struct TestDistributor {
    pub token: String,
    pub central_branch: String,
    pub name: String,
}

impl TestApp {
    /// An admin creates a distributor with its central branch in `city` of `province`; the
    /// distributor signs in.
    pub async fn distributor_in(&self, province: &str, city: &str) -> TestDistributor {
        let admin = self.login_as(Role::DirectorateAdmin).await;
        let n = self
            .counter
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let user_code = format!("dist-{n}-{}", rand_suffix());
        let name = format!("شرکت تجهیزات پزشکی {n}");
        let resp = self
            .gql_as(
                &admin,
                "mutation($i: CreateDistributorInput!) { createDistributor(input: $i) { id branches { id isCentral } } }",
                json!({ "i": {
                    "name": name, "kind": "COMPANY",
                    "nationalId": company_national_id(1_010_000_000 + u64::from(n) * 37 + rand_suffix()),
                    "managerMobile": "09123456789", "provinceId": province, "cityId": city,
                    "address": "خیابان آزادی، پلاک ۱۰", "userCode": user_code, "password": PASSWORD,
                }}),
            )
            .await;
        let d = &resp["data"]["createDistributor"];
        assert!(d["id"].is_string(), "{resp}");
        let central_branch = d["branches"][0]["id"].as_str().unwrap().to_string();
        let login = self.login(&user_code, PASSWORD).await;
        let token = login["data"]["login"]["accessToken"]
            .as_str()
            .unwrap_or_else(|| panic!("{login}"))
            .to_string();
        TestDistributor {
            token,
            central_branch,
            name,
        }
    }

    /// A distributor with its central branch in Tehran.
    pub async fn distributor(&self) -> TestDistributor {
        self.distributor_in(TEHRAN_PROVINCE, TEHRAN_CITY).await
    }
}

/// The server binary run as a process of its own (for crash and restart tests).
pub struct ServerProcess {
    pub child: std::process::Child,
    pub addr: SocketAddr,
}

impl ServerProcess {
    /// Starts `officer-registry serve` on `database_url` with the test secret and `env`, and
    /// waits until `/healthz` answers.
    pub async fn start(database_url: &str, env: &[(&str, &str)]) -> Self {
        Self::start_with(database_url, env, &[]).await
    }

    /// As [`ServerProcess::start`], with the variables named in `unset` removed (e.g. to
    /// run without `JWT_SECRET`).
    pub async fn start_with(database_url: &str, env: &[(&str, &str)], unset: &[&str]) -> Self {
        Self::start_logged(database_url, env, unset, std::process::Stdio::null()).await
    }

    /// As [`ServerProcess::start_with`], with the process's standard error (panics, logs)
    /// sent to `stderr` (e.g. a file).
    pub async fn start_logged(
        database_url: &str,
        env: &[(&str, &str)],
        unset: &[&str],
        stderr: std::process::Stdio,
    ) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("addr")
            .port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
        let docs =
            std::env::temp_dir().join(format!("or-proc-docs-{}", uuid::Uuid::new_v4().simple()));
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_officer-registry"));
        cmd.args(["serve", "--bind-addr", &addr.to_string()])
            .env("DATABASE_URL", database_url)
            .env("JWT_SECRET", JWT_SECRET)
            .env("REGISTER_MAX_PER_HOUR", "1000000")
            .env("DOCUMENTS_DIR", docs)
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(stderr);
        for (k, v) in env {
            cmd.env(k, v);
        }
        for k in unset {
            cmd.env_remove(k);
        }
        // Owned at once, so that it is killed and reaped (Drop) whatever happens.
        let process = Self {
            child: cmd.spawn().expect("start the server binary"),
            addr,
        };
        let client = reqwest::Client::new();
        for _ in 0..200 {
            if let Ok(r) = client.get(format!("http://{addr}/healthz")).send().await
                && r.status() == 200
            {
                return process;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        drop(process);
        panic!("the server process did not come up on {addr}");
    }

    /// Kills the process with SIGKILL (no shutdown of any kind) and reaps it.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl TestApp {
    /// What the SMS simulator received: `(localid, receptor, message)`, oldest first.
    pub async fn sms_received(&self) -> Vec<(Option<i64>, String, String)> {
        let v: Value = self
            .client
            .get(self.url("/_simulator/kavenegar/messages"))
            .send()
            .await
            .expect("messages")
            .json()
            .await
            .expect("json");
        v["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .map(|m| {
                (
                    m["localid"].as_i64(),
                    m["receptor"].as_str().unwrap_or_default().to_string(),
                    m["message"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }

    /// Sets the SMS simulator's mode (`ok`, `fail`, `timeout`).
    pub async fn sms_mode(&self, body: Value) {
        let r = self
            .client
            .post(self.url("/_simulator/kavenegar/control"))
            .json(&body)
            .send()
            .await
            .expect("control");
        assert_eq!(r.status(), 200);
    }

    /// Waits until `sql` (a `SELECT count(*)::bigint AS n ...`) gives `want`, up to 20 s.
    pub async fn wait_count(&self, sql: &str, want: i64) -> i64 {
        let mut last = -1;
        for _ in 0..200 {
            last = self.count(sql).await;
            if last == want {
                return last;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        last
    }

    /// The number of a `SELECT count(*)::bigint AS n ...` query.
    pub async fn count(&self, sql: &str) -> i64 {
        use diesel_async::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = self.app.pool.get().await.expect("conn");
        let n: N = diesel::sql_query(sql)
            .get_result(&mut conn)
            .await
            .expect("count");
        n.n
    }
}

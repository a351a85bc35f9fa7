//! Faults survived: the server killed with SIGKILL under a write load and restarted;
//! PostgreSQL restarted under load; the document store unwritable. Each test drives the
//! server as its clients would, through HTTP, and then checks the database's own records.

use crate::harness::*;
use officer_registry::domain::Role;
use officer_registry::store::embedded::PrivateCluster;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const REGISTER: &str = "mutation($i: RegisterOfficerInput!) { registerOfficer(input: $i) { userCode officer { id } } }";
const LOGIN: &str =
    "mutation($u: String!, $p: String!) { login(userCode: $u, password: $p) { accessToken } }";
const START: &str = "mutation { startQualificationRequest(kind: NEW) { id status } }";
const UPDATE: &str = "mutation($id: ID!, $i: QualificationDraftInput!) { updateQualificationRequest(id: $id, input: $i) { id status } }";
const UPLOAD: &str = "mutation($r: ID!, $k: DocumentKind!, $f: Upload!) { attachDocument(requestId: $r, kind: $k, file: $f) { id sha256 } }";
const SUBMIT: &str = "mutation($id: ID!) { submitQualificationRequest(id: $id) { status } }";
const STATUS: &str = "query($id: ID!) { qualificationRequest(id: $id) { status } }";
const QUEUE: &str = "{ reviewQueue(status: [SUBMITTED, UNDER_REVIEW], first: 50) { edges { node { id status assignedReviewer { userCode } } } } }";
const CLAIM: &str = "mutation($id: ID!) { claimQualificationRequest(id: $id) { status } }";
const APPROVE: &str = "mutation($id: ID!) { approveQualificationRequest(id: $id) { status } }";
const START_PAYMENT: &str =
    "mutation($id: ID!) { startPayment(requestId: $id) { redirectUrl payment { id status } } }";
const REQUIRED: [&str; 4] = [
    "DEGREE_CERTIFICATE",
    "NATIONAL_CARD",
    "BIRTH_CERTIFICATE",
    "PHOTO",
];

/// Why a call got no GraphQL answer.
#[derive(Debug)]
enum CallError {
    /// No HTTP answer at all (connection refused, reset, cut mid-answer).
    Transport(String),
    /// An HTTP answer that is not a GraphQL response (no JSON body).
    NotGraphql(u16, String),
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Transport(e) => write!(f, "no answer: {e}"),
            Self::NotGraphql(status, body) => write!(f, "HTTP {status} without JSON: {body:?}"),
        }
    }
}

/// What a client of a server process sees: the server's current address (it changes when
/// the process is restarted) and a record of every call's outcome.
#[derive(Clone)]
struct Remote {
    client: reqwest::Client,
    addr: Arc<Mutex<SocketAddr>>,
    /// When the server was killed (calls that started before and got no answer were cut).
    killed_at: Arc<Mutex<Option<Instant>>>,
    /// Calls sent before the kill that got no answer, by operation.
    cut: Arc<Mutex<Vec<String>>>,
    /// Calls refused while no server listened.
    refused: Arc<AtomicUsize>,
    /// The phase of the test in which calls are made (tests number them as they like).
    phase: Arc<AtomicUsize>,
    /// Every GraphQL answer: the phase, its HTTP status, its `extensions.code` (`ok` without
    /// an error) and whether the error's `messageFa` is Persian.
    outcomes: Arc<Mutex<Vec<Outcome>>>,
}

/// One GraphQL answer, as [`Remote`] records it.
#[derive(Debug, Clone)]
struct Outcome {
    phase: usize,
    status: u16,
    code: String,
    persian: bool,
}

/// The first field of an operation's text, e.g. `submitQualificationRequest`.
fn operation(query: &str) -> &str {
    let body = query.split_once('{').map_or(query, |(_, b)| b).trim_start();
    let end = body
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(body.len());
    &body[..end]
}

fn persian(text: &str) -> bool {
    text.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c))
}

impl Remote {
    fn new(addr: SocketAddr) -> Self {
        Self {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(20))
                .build()
                .expect("client"),
            addr: Arc::new(Mutex::new(addr)),
            killed_at: Arc::new(Mutex::new(None)),
            cut: Arc::default(),
            refused: Arc::default(),
            phase: Arc::default(),
            outcomes: Arc::default(),
        }
    }

    fn addr(&self) -> SocketAddr {
        *self.addr.lock().expect("addr")
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr())
    }

    fn moved_to(&self, addr: SocketAddr) {
        *self.addr.lock().expect("addr") = addr;
    }

    fn transport_error(&self, what: &str, sent: Instant, e: &reqwest::Error) -> CallError {
        let killed = *self.killed_at.lock().expect("killed");
        match killed {
            Some(at) if sent < at => self.cut.lock().expect("cut").push(what.to_string()),
            _ => {
                self.refused.fetch_add(1, Ordering::SeqCst);
            }
        };
        CallError::Transport(e.to_string())
    }

    /// Takes the list of calls cut by the last kill.
    fn take_cut(&self) -> Vec<String> {
        std::mem::take(&mut *self.cut.lock().expect("cut"))
    }

    async fn answer(&self, what: &str, req: reqwest::RequestBuilder) -> Result<Value, CallError> {
        let sent = Instant::now();
        // The phase the call was made in (its answer may come in the next one).
        let phase = self.phase.load(Ordering::SeqCst);
        let resp = req
            .send()
            .await
            .map_err(|e| self.transport_error(what, sent, &e))?;
        let status = resp.status().as_u16();
        let body = resp
            .bytes()
            .await
            .map_err(|e| self.transport_error(what, sent, &e))?;
        let value: Value = serde_json::from_slice(&body).map_err(|_| {
            CallError::NotGraphql(status, String::from_utf8_lossy(&body).into_owned())
        })?;
        let ext = &value["errors"][0]["extensions"];
        // A dependency unavailable: INTERNAL (the closed set of codes) marked retryable;
        // called UNAVAILABLE here. A bare INTERNAL stays INTERNAL.
        let code = match ext["code"].as_str() {
            Some("INTERNAL") if ext["retryable"] == true => "UNAVAILABLE",
            Some(c) => c,
            None if value["errors"].is_null() => "ok",
            None => "no code",
        }
        .to_string();
        let outcome = Outcome {
            phase,
            status,
            code,
            persian: persian(
                value["errors"][0]["extensions"]["messageFa"]
                    .as_str()
                    .unwrap_or_default(),
            ),
        };
        self.outcomes.lock().expect("outcomes").push(outcome);
        Ok(value)
    }

    /// One GraphQL operation as the holder of `token` (anonymously without one).
    async fn gql(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> Result<Value, CallError> {
        let mut req = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        self.answer(operation(query), req).await
    }

    /// An upload of `bytes` as a document of `kind` (the GraphQL multipart request spec).
    async fn upload(
        &self,
        token: &str,
        request: &str,
        kind: &str,
        bytes: &[u8],
    ) -> Result<Value, CallError> {
        let operations =
            json!({ "query": UPLOAD, "variables": { "r": request, "k": kind, "f": null } });
        let form = reqwest::multipart::Form::new()
            .text("operations", operations.to_string())
            .text("map", r#"{"0": ["variables.f"]}"#)
            .part(
                "0",
                reqwest::multipart::Part::bytes(bytes.to_vec())
                    .file_name("scan.pdf")
                    .mime_str("application/pdf")
                    .expect("mime"),
            );
        let req = self
            .client
            .post(self.url("/graphql"))
            .bearer_auth(token)
            .multipart(form);
        self.answer("attachDocument", req).await
    }

    /// A plain GET or POST (the gateway's pages, the bank's redirect to our callback): the
    /// HTTP status and the `location` header.
    async fn visit(
        &self,
        what: &str,
        post: bool,
        url: &str,
    ) -> Result<(u16, Option<String>), CallError> {
        let sent = Instant::now();
        let req = if post {
            self.client.post(url)
        } else {
            self.client.get(url)
        };
        let resp = req
            .send()
            .await
            .map_err(|e| self.transport_error(what, sent, &e))?;
        let location = resp
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .map(str::to_string);
        let status = resp.status().as_u16();
        // Read the whole answer: a server killed meanwhile cuts it.
        resp.bytes()
            .await
            .map_err(|e| self.transport_error(what, sent, &e))?;
        Ok((status, location))
    }

    async fn readyz(&self) -> Option<u16> {
        self.client
            .get(self.url("/readyz"))
            .send()
            .await
            .ok()
            .map(|r| r.status().as_u16())
    }

    /// Signs in; the access token.
    async fn login(&self, user_code: &str) -> String {
        let r = self
            .gql(None, LOGIN, json!({ "u": user_code, "p": PASSWORD }))
            .await
            .expect("login");
        r["data"]["login"]["accessToken"]
            .as_str()
            .unwrap_or_else(|| panic!("login failed: {r}"))
            .to_string()
    }

    /// Registers an officer and signs in: (user code, access token).
    async fn officer(&self) -> (String, String) {
        let code = national_code(
            u64::from(uuid::Uuid::new_v4().as_u128() as u32) % 900_000_000 + 10_000_000,
        );
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
            .expect("register");
        let user = r["data"]["registerOfficer"]["userCode"]
            .as_str()
            .unwrap_or_else(|| panic!("register failed: {r}"))
            .to_string();
        let token = self.login(&user).await;
        (user, token)
    }

    /// A complete draft of the holder of `token` (Tehran, the four required documents).
    async fn complete_draft(&self, token: &str) -> String {
        let r = self
            .gql(Some(token), START, json!({}))
            .await
            .expect("start");
        let id = r["data"]["startQualificationRequest"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{r}"))
            .to_string();
        let r = self
            .gql(
                Some(token),
                UPDATE,
                json!({ "id": id, "i": {
                    "fieldOfStudyId": "1", "degreeLevel": "BACHELOR",
                    "provinceId": TEHRAN_PROVINCE, "cityId": TEHRAN_CITY,
                }}),
            )
            .await
            .expect("update");
        assert!(r["errors"].is_null(), "{r}");
        for kind in REQUIRED {
            let r = self.upload(token, &id, kind, PDF).await.expect("upload");
            assert!(r["errors"].is_null(), "{r}");
        }
        id
    }
}

/// A pool on `url`, for what only the store can do (reviewer accounts).
fn pool(url: &str) -> officer_registry::store::DbPool {
    officer_registry::store::build_pool(url, &test_config().db, Arc::default()).expect("pool")
}

/// Creates a reviewer of Tehran University in the store; its user code.
async fn reviewer(pool: &officer_registry::store::DbPool) -> String {
    let code = format!("reviewer-{}", uuid::Uuid::new_v4().simple());
    officer_registry::demo::create_account(
        pool,
        &code,
        PASSWORD,
        Role::UniversityReviewer,
        "کارشناس",
        Some(TEHRAN_UNIVERSITY),
        None,
    )
    .await
    .expect("reviewer");
    code
}

/// `SELECT count(*)::bigint AS n ...` on the database at `url`.
async fn count(url: &str, sql: &str) -> i64 {
    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = AsyncPgConnection::establish(url).await.expect("connect");
    let n: N = diesel::sql_query(sql)
        .get_result(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    n.n
}

/// Status changes recorded so far (events with a status after them).
const TRANSITIONS: &str = "SELECT count(*)::bigint AS n FROM events \
     WHERE entity_type IN ('qualification_request', 'payment') AND to_status IS NOT NULL";

/// An officer's client: drives its request from DRAFT to COMPLETED, re-reading the status
/// after every step (a step cut by the crash may or may not have landed), paying through
/// the gateway simulator. Gives up at `deadline`.
async fn officer_client(
    remote: Remote,
    token: String,
    id: String,
    deadline: Instant,
) -> Result<(), String> {
    let mut last = String::new();
    while Instant::now() < deadline {
        let status = match remote.gql(Some(&token), STATUS, json!({ "id": id })).await {
            Ok(r) => match r["data"]["qualificationRequest"]["status"].as_str() {
                Some(s) => s.to_string(),
                None => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        last.clone_from(&status);
        match status.as_str() {
            "DRAFT" => {
                let _ = remote.gql(Some(&token), SUBMIT, json!({ "id": id })).await;
            }
            "SUBMITTED" | "UNDER_REVIEW" => tokio::time::sleep(Duration::from_millis(100)).await,
            "AWAITING_PAYMENT" => pay_once(&remote, &token, &id).await,
            "COMPLETED" => return Ok(()),
            other => return Err(format!("request {id} went to {other}")),
        }
    }
    Err(format!("request {id} stayed {last}"))
}

/// One try at paying: `startPayment`, "pay" on the gateway's page, the bank's redirect to
/// our callback. Any step may fail (the server killed, the gateway's memory of an attempt
/// lost with it); the caller looks at the request again.
async fn pay_once(remote: &Remote, token: &str, id: &str) {
    let Ok(r) = remote
        .gql(Some(token), START_PAYMENT, json!({ "id": id }))
        .await
    else {
        return;
    };
    let Some(redirect) = r["data"]["startPayment"]["redirectUrl"].as_str() else {
        // e.g. PAYMENT_FAILED: an attempt of before the crash not verified yet.
        tokio::time::sleep(Duration::from_millis(300)).await;
        return;
    };
    match remote.visit("gateway page", false, redirect).await {
        Ok((200, _)) => {}
        // The gateway (the simulator, in the killed process's memory) forgot the attempt:
        // it expires (PAYMENT_ATTEMPT_TTL_SECS) and a new one is started.
        _ => {
            tokio::time::sleep(Duration::from_millis(500)).await;
            return;
        }
    }
    let Ok((_, Some(callback))) = remote
        .visit("gateway pay", true, &format!("{redirect}/pay"))
        .await
    else {
        return;
    };
    let _ = remote.visit("payment callback", false, &callback).await;
}

/// A reviewer's client: claims what is submitted and approves what it claimed, until
/// `done` or `deadline`.
async fn reviewer_client(
    remote: Remote,
    token: String,
    me: String,
    done: Arc<AtomicBool>,
    deadline: Instant,
) {
    while !done.load(Ordering::SeqCst) && Instant::now() < deadline {
        let Ok(q) = remote.gql(Some(&token), QUEUE, json!({})).await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let mut acted = false;
        for edge in q["data"]["reviewQueue"]["edges"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let node = &edge["node"];
            let id = node["id"].as_str().unwrap_or_default();
            match node["status"].as_str() {
                Some("SUBMITTED") => {
                    let _ = remote.gql(Some(&token), CLAIM, json!({ "id": id })).await;
                    acted = true;
                }
                Some("UNDER_REVIEW") if node["assignedReviewer"]["userCode"] == me.as_str() => {
                    let _ = remote.gql(Some(&token), APPROVE, json!({ "id": id })).await;
                    acted = true;
                }
                _ => {}
            }
        }
        if !acted {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Asserts `sql` counts nothing, showing `what` otherwise.
async fn none(url: &str, what: &str, sql: &str) {
    let n = count(url, sql).await;
    assert_eq!(n, 0, "{what}: {n} found");
}

/// The invariants of the qualification and payment records, whatever was cut.
async fn assert_consistent(url: &str) {
    // Every row's status is the status after its latest event: no status change without its
    // event and no event without its change (they commit together or not at all).
    for (table, entity) in [
        ("qualification_requests", "qualification_request"),
        ("payments", "payment"),
    ] {
        none(
            url,
            &format!("{table} whose status is not the one of its latest event"),
            &format!(
                "SELECT count(*)::bigint AS n FROM {table} t WHERE t.status IS DISTINCT FROM \
                 (SELECT e.to_status FROM events e WHERE e.entity_type = '{entity}' \
                  AND e.entity_id = t.id::text AND e.to_status IS NOT NULL ORDER BY e.id DESC LIMIT 1)"
            ),
        )
        .await;
    }
    // In id order, each event of an object starts from the status the previous one left:
    // ids follow the order the changes were applied (commit order), and no change's event
    // is missing between two others.
    none(
        url,
        "events whose from-status is not the to-status of the object's previous event",
        "SELECT count(*)::bigint AS n FROM (\
           SELECT from_status, \
                  lag(to_status) OVER (PARTITION BY entity_type, entity_id ORDER BY id) AS prev, \
                  row_number() OVER (PARTITION BY entity_type, entity_id ORDER BY id) AS k \
           FROM events WHERE entity_type IN ('qualification_request', 'payment') \
             AND to_status IS NOT NULL) t \
         WHERE k > 1 AND from_status IS DISTINCT FROM prev",
    )
    .await;
    none(
        url,
        "events left with a provisional id (their commit-time numbering undone)",
        "SELECT count(*)::bigint AS n FROM events WHERE id <= 0",
    )
    .await;
    // A paid fee completes its request in the same transaction, and a completed request
    // has exactly one paid attempt and a qualified officer.
    none(
        url,
        "PAID payments whose request is not COMPLETED",
        "SELECT count(*)::bigint AS n FROM payments p JOIN qualification_requests r ON r.id = p.request_id \
         WHERE p.status = 'PAID' AND r.status <> 'COMPLETED'",
    )
    .await;
    none(
        url,
        "COMPLETED requests without exactly one PAID payment",
        "SELECT count(*)::bigint AS n FROM qualification_requests r WHERE r.status = 'COMPLETED' \
         AND (SELECT count(*) FROM payments p WHERE p.request_id = r.id AND p.status = 'PAID') <> 1",
    )
    .await;
    none(
        url,
        "completed NEW requests whose officer is not QUALIFIED",
        "SELECT count(*)::bigint AS n FROM qualification_requests r JOIN officers o ON o.id = r.officer_id \
         WHERE r.status = 'COMPLETED' AND r.kind = 'NEW' AND o.qualification_status <> 'QUALIFIED'",
    )
    .await;
    none(
        url,
        "requests past DRAFT without their submission, past SUBMITTED without a reviewer, \
         approved without a fee",
        "SELECT count(*)::bigint AS n FROM qualification_requests WHERE \
         (status <> 'DRAFT' AND (submitted_at IS NULL OR university_id IS NULL)) \
         OR (status IN ('UNDER_REVIEW', 'AWAITING_PAYMENT', 'COMPLETED') AND assigned_reviewer_id IS NULL) \
         OR (status IN ('AWAITING_PAYMENT', 'COMPLETED') AND fee_rials IS NULL)",
    )
    .await;
    // The text messages were written with their changes: one per approval, one per
    // completion, and none for a change that did not land.
    for (action, purpose) in [("APPROVE", "REQUEST_APPROVED"), ("COMPLETE", "QUALIFIED")] {
        none(
            url,
            &format!("{action} events without their {purpose} message"),
            &format!(
                "SELECT count(*)::bigint AS n FROM events e WHERE e.entity_type = 'qualification_request' \
                 AND e.action = '{action}' AND NOT EXISTS (SELECT 1 FROM sms_outbox s \
                 WHERE s.entity_id = e.entity_id AND s.purpose = '{purpose}')"
            ),
        )
        .await;
        let events = count(
            url,
            &format!(
                "SELECT count(*)::bigint AS n FROM events WHERE entity_type = 'qualification_request' \
                 AND action = '{action}'"
            ),
        )
        .await;
        let messages = count(
            url,
            &format!("SELECT count(*)::bigint AS n FROM sms_outbox WHERE purpose = '{purpose}'"),
        )
        .await;
        assert_eq!(events, messages, "{action} events and {purpose} messages");
    }
}

/// Waits until every outbox message is SENT, up to `within`; how many are not.
async fn wait_outbox_sent(url: &str, within: Duration) -> i64 {
    let deadline = Instant::now() + within;
    loop {
        let left = count(
            url,
            "SELECT count(*)::bigint AS n FROM sms_outbox WHERE status <> 'SENT'",
        )
        .await;
        if left == 0 || Instant::now() >= deadline {
            return left;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_under_write_load_loses_and_half_applies_nothing() {
    const OFFICERS: usize = 16;
    const REVIEWERS: usize = 3;
    // Status changes of one officer's request under the load: submit, claim, approve, the
    // payment's start and its payment, completion.
    const PER_OFFICER: i64 = 6;
    let db = TestDb::new().await;
    let url = db.url();
    let env = [
        ("SMS_POLL_MS", "100"),
        ("SMS_LEASE_SECS", "2"),
        // An attempt the gateway forgot with the killed process is replaced soon.
        ("PAYMENT_ATTEMPT_TTL_SECS", "3"),
        ("DB_POOL_SIZE", "8"),
    ];
    let mut server = ServerProcess::start(&url, &env).await;
    let remote = Remote::new(server.addr);

    // Given officers with complete drafts and reviewers of their university,
    let officers = futures_util::future::join_all((0..OFFICERS).map(|_| {
        let remote = remote.clone();
        async move {
            let (_, token) = remote.officer().await;
            let id = remote.complete_draft(&token).await;
            (token, id)
        }
    }))
    .await;
    let pool = pool(&url);
    let mut reviewers = Vec::new();
    for _ in 0..REVIEWERS {
        let code = reviewer(&pool).await;
        let token = remote.login(&code).await;
        reviewers.push((code, token));
    }
    drop(pool);
    let before_load = count(&url, TRANSITIONS).await;

    // when they all submit, review and pay at once,
    let deadline = Instant::now() + Duration::from_secs(45);
    let done = Arc::new(AtomicBool::new(false));
    let mut reviewer_tasks = Vec::new();
    for (code, token) in reviewers {
        reviewer_tasks.push(tokio::spawn(reviewer_client(
            remote.clone(),
            token,
            code,
            done.clone(),
            deadline,
        )));
    }
    let officer_tasks: Vec<_> = officers
        .into_iter()
        .map(|(token, id)| tokio::spawn(officer_client(remote.clone(), token, id, deadline)))
        .collect();

    // and the server is killed twice in the middle of it (SIGKILL: no shutdown of any
    // kind), once among the reviews and once among the payments, each time started again on
    // the same database while the clients carry on,
    let total = PER_OFFICER * OFFICERS as i64;
    let mut figures = Vec::new();
    let mut last = before_load;
    for (i, share) in [0.3, 0.7].into_iter().enumerate() {
        let kill_at = before_load + (total as f64 * share) as i64;
        let waited = Instant::now();
        while count(&url, TRANSITIONS).await < kill_at && waited.elapsed() < Duration::from_secs(15)
        {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        *remote.killed_at.lock().expect("killed") = Some(Instant::now());
        server.kill();
        let at_kill = count(&url, TRANSITIONS).await;
        let unsent = count(
            &url,
            "SELECT count(*)::bigint AS n FROM sms_outbox WHERE status <> 'SENT'",
        )
        .await;
        // (the records are consistent at once, before anything could repair them)
        assert_consistent(&url).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        server = ServerProcess::start(&url, &env).await;
        remote.moved_to(server.addr);
        let mut cut = remote.take_cut();
        cut.sort();
        figures.push(format!(
            "kill {}: {} transitions committed before it, {} calls cut in flight {cut:?}, \
             {} SMS unsent at the kill",
            i + 1,
            at_kill - last,
            cut.len(),
            unsent
        ));
        last = at_kill;
    }
    for task in officer_tasks {
        task.await
            .expect("officer client")
            .expect("the officer's request completes");
    }
    done.store(true, Ordering::SeqCst);
    for task in reviewer_tasks {
        task.await.expect("reviewer client");
    }

    // then nothing is half-applied, no event is missing or out of order,
    assert_consistent(&url).await;
    let completed = count(
        &url,
        "SELECT count(*)::bigint AS n FROM qualification_requests WHERE status = 'COMPLETED'",
    )
    .await;
    assert_eq!(completed, OFFICERS as i64, "every request completes");
    // and every text message is delivered by the restarted instance, each exactly once.
    let unsent = wait_outbox_sent(&url, Duration::from_secs(20)).await;
    assert_eq!(unsent, 0, "outbox messages left unsent");
    none(
        &url,
        "outbox messages the provider never received",
        "SELECT count(*)::bigint AS n FROM sms_outbox s WHERE NOT EXISTS \
         (SELECT 1 FROM kavenegar_simulator_messages m WHERE m.localid = s.id)",
    )
    .await;
    let sent = count(&url, "SELECT count(*)::bigint AS n FROM sms_outbox").await;
    let received = count(
        &url,
        "SELECT count(*)::bigint AS n FROM kavenegar_simulator_messages",
    )
    .await;
    assert_eq!(received, sent, "each message reached the provider once");
    // No answer the clients got was INTERNAL (races answer INVALID_STATE, an attempt of
    // before a crash PAYMENT_FAILED until it is verified).
    let mut codes = std::collections::BTreeMap::<String, usize>::new();
    for o in remote.outcomes.lock().expect("outcomes").iter() {
        *codes.entry(o.code.clone()).or_default() += 1;
    }
    assert!(
        !codes.contains_key("INTERNAL") && !codes.contains_key("no code"),
        "{codes:?}"
    );
    let end = count(&url, TRANSITIONS).await;
    let payments = count(&url, "SELECT count(*)::bigint AS n FROM payments").await;
    let given_up = count(
        &url,
        "SELECT count(*)::bigint AS n FROM payments WHERE status IN ('FAILED', 'EXPIRED')",
    )
    .await;
    println!(
        "SIGKILL under load ({OFFICERS} officers, {REVIEWERS} reviewers): {}; {} transitions \
         after the last restart ({} in all); {payments} payment attempts ({given_up} forgotten \
         by the killed gateway simulator and replaced); {sent} SMS, each received once; {} \
         calls refused while no server listened; answers {codes:?}",
        figures.join("; "),
        end - last,
        end - before_load,
        remote.refused.load(Ordering::SeqCst),
    );
    server.kill();
}

/// A private PostgreSQL cluster of one test (never the shared server), stopped and removed
/// in every path.
struct Cluster {
    inner: Arc<PrivateCluster>,
    dir: std::path::PathBuf,
}

impl Cluster {
    async fn start() -> Self {
        let dir =
            std::env::temp_dir().join(format!("or-faults-pg-{}", uuid::Uuid::new_v4().simple()));
        let at = dir.clone();
        let inner = tokio::task::spawn_blocking(move || PrivateCluster::start(&at))
            .await
            .expect("initdb thread")
            .expect("a private PostgreSQL cluster");
        Self {
            inner: Arc::new(inner),
            dir,
        }
    }

    /// Stops it (fast shutdown: sessions are ended at once), off the test's threads.
    async fn stop(&self) {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || inner.stop())
            .await
            .expect("pg_ctl thread")
            .expect("pg_ctl stop");
    }

    /// Starts it again on the same port.
    async fn start_again(&self) {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || inner.start_again())
            .await
            .expect("pg_ctl thread")
            .expect("pg_ctl start");
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // Already stopped when a test failed during the outage: that error is expected.
        let _ = self.inner.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const ME: &str = "{ me { userCode } }";

/// A client looping on `op` until `stop`, pausing a little between calls.
fn keep_calling<F, Fut>(stop: Arc<AtomicBool>, op: F) -> tokio::task::JoinHandle<usize>
where
    F: Fn() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<Value, CallError>> + Send,
{
    tokio::spawn(async move {
        let mut failures = 0;
        while !stop.load(Ordering::SeqCst) {
            if let Err(e) = op().await {
                eprintln!("call failed: {e}");
                failures += 1;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        failures
    })
}

/// Polls `/readyz` until it answers `want`, up to `within`.
async fn readyz_becomes(remote: &Remote, want: u16, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if remote.readyz().await == Some(want) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgresql_restarted_under_load_the_server_recovers_by_itself() {
    const BEFORE: usize = 0;
    const OUTAGE: usize = 1;
    const AFTER: usize = 2;
    let cluster = Cluster::start().await;
    let url = cluster.inner.url("officer_registry");
    // The server creates the database and migrates it itself.
    let mut server = ServerProcess::start(
        &url,
        &[("DB_ACQUIRE_TIMEOUT_MS", "2000"), ("SMS_POLL_MS", "100")],
    )
    .await;
    let remote = Remote::new(server.addr);
    let (_, writer) = remote.officer().await;
    let (_, watcher) = remote.officer().await;
    let r = remote
        .gql(Some(&writer), START, json!({}))
        .await
        .expect("start");
    let draft = r["data"]["startQualificationRequest"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{r}"))
        .to_string();

    // Given a read and write load,
    let stop = Arc::new(AtomicBool::new(false));
    let mut clients = Vec::new();
    {
        let (remote, token) = (remote.clone(), writer.clone());
        clients.push(keep_calling(stop.clone(), move || {
            let (remote, token) = (remote.clone(), token.clone());
            async move { remote.gql(Some(&token), ME, json!({})).await }
        }));
    }
    {
        let (remote, token, draft) = (remote.clone(), writer.clone(), draft.clone());
        let n = Arc::new(AtomicUsize::new(0));
        clients.push(keep_calling(stop.clone(), move || {
            let (remote, token, draft) = (remote.clone(), token.clone(), draft.clone());
            let level = if n.fetch_add(1, Ordering::SeqCst).is_multiple_of(2) {
                "BACHELOR"
            } else {
                "MASTER"
            };
            async move {
                remote
                    .gql(
                        Some(&token),
                        UPDATE,
                        json!({ "id": draft, "i": { "degreeLevel": level } }),
                    )
                    .await
            }
        }));
    }
    {
        let remote = remote.clone();
        clients.push(keep_calling(stop.clone(), move || {
            let remote = remote.clone();
            async move { remote.gql(None, "{ provinces { id } }", json!({})).await }
        }));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(remote.readyz().await, Some(200));

    // when PostgreSQL stops (a fast shutdown ends every session) and starts again 2 s later,
    remote.phase.store(OUTAGE, Ordering::SeqCst);
    cluster.stop().await;
    let stopped = Instant::now();
    // then meanwhile /readyz says the instance is not ready,
    assert!(
        readyz_becomes(&remote, 503, Duration::from_secs(10)).await,
        "/readyz answers 503 while the database is down"
    );
    // an upload (whose account is checked before its body is read) is refused with 503,
    let upload = remote
        .upload(&writer, &draft, "OTHER", PDF)
        .await
        .expect("an answer to the upload");
    assert_unavailable(&upload);
    let refused_with_503 = remote
        .outcomes
        .lock()
        .expect("outcomes")
        .iter()
        .any(|o| o.status == 503 && o.code == "UNAVAILABLE" && o.persian);
    assert!(refused_with_503, "the upload is answered with HTTP 503");
    let remaining = Duration::from_secs(2).saturating_sub(stopped.elapsed());
    tokio::time::sleep(remaining).await;
    cluster.start_again().await;
    // and once it is back the server recovers by itself, without a restart.
    assert!(
        readyz_becomes(&remote, 200, Duration::from_secs(30)).await,
        "/readyz answers 200 again"
    );
    let outage = stopped.elapsed();
    remote.phase.store(AFTER, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stop.store(true, Ordering::SeqCst);
    let mut failures = 0;
    for c in clients {
        failures += c.await.expect("client");
    }
    assert_eq!(
        failures, 0,
        "every call got a GraphQL answer (no cut, no bare 5xx)"
    );

    let outcomes = remote.outcomes.lock().expect("outcomes").clone();
    let of = |phase: usize, code: &str| {
        outcomes
            .iter()
            .filter(|o| o.phase == phase && o.code == code)
            .count()
    };
    // Every answer is a result or UNAVAILABLE with a Persian message — never INTERNAL,
    // never an empty or HTML body — with HTTP 200 (503 for the refused upload).
    let odd: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| match o.code.as_str() {
            "ok" => o.status != 200,
            "UNAVAILABLE" => !o.persian || !(o.status == 200 || o.status == 503),
            _ => true,
        })
        .collect();
    assert!(odd.is_empty(), "unexpected answers: {odd:?}");
    assert!(
        of(OUTAGE, "UNAVAILABLE") > 0,
        "the outage was seen by the clients"
    );
    assert!(of(AFTER, "ok") > 0, "calls succeed after the recovery");
    assert_eq!(
        of(AFTER, "UNAVAILABLE"),
        0,
        "no call fails after /readyz said ready"
    );

    // Queries and mutations work again on the same process,
    let r = remote.gql(Some(&writer), ME, json!({})).await.expect("me");
    assert!(r["errors"].is_null(), "{r}");
    // the cartable's listening connection is back: a subscription opened now receives the
    // event of a mutation made now,
    let mut ws = ws_at(server.addr, Some(&watcher)).await.expect("socket");
    ws.subscribe(
        "1",
        "subscription { cartableEvents { kind qualificationRequest { id } } }",
        json!({}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let r = remote
        .gql(Some(&watcher), START, json!({}))
        .await
        .expect("start");
    let started = r["data"]["startQualificationRequest"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{r}"))
        .to_string();
    let event = ws.next_event().await;
    let e = &event["data"]["cartableEvents"];
    assert_eq!(e["kind"], "QUALIFICATION_REQUEST_CREATE", "{event}");
    assert_eq!(e["qualificationRequest"]["id"], started.as_str(), "{event}");
    // and the SMS sender takes new outbox rows again.
    {
        use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
        let mut conn = AsyncPgConnection::establish(&url).await.expect("connect");
        diesel::sql_query(
            "INSERT INTO sms_outbox (receptor, message, purpose) VALUES ('09121112233', 'پیام آزمون', 'QUALIFIED')",
        )
        .execute(&mut conn)
        .await
        .expect("outbox row");
    }
    assert_eq!(
        wait_outbox_sent(&url, Duration::from_secs(20)).await,
        0,
        "the outbox is delivered again after the outage"
    );
    // All of it by the same process, never restarted.
    assert!(
        server.child.try_wait().expect("wait").is_none(),
        "the server process is alive"
    );
    println!(
        "PostgreSQL restarted under load: outage {:.1} s until /readyz said ready again; \
         answers before {} ok; during {} ok, {} UNAVAILABLE; after {} ok; the process kept \
         its PID {}",
        outage.as_secs_f64(),
        of(BEFORE, "ok"),
        of(OUTAGE, "ok"),
        of(OUTAGE, "UNAVAILABLE"),
        of(AFTER, "ok"),
        server.child.id(),
    );
    server.kill();
    drop(cluster);
}

#[tokio::test]
async fn an_unwritable_document_store_refuses_the_upload_and_keeps_nothing() {
    let app = TestApp::spawn().await;
    let o = app.register_officer().await;
    let r = app.gql_as(&o.token, START, json!({})).await;
    let id = r["data"]["startQualificationRequest"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{r}"))
        .to_string();
    let first = app
        .upload(&o.token, &id, "DEGREE_CERTIFICATE", "degree.pdf", PDF)
        .await;
    assert!(first["errors"].is_null(), "{first}");
    let docs = app
        .app
        .config
        .documents_dir
        .clone()
        .expect("the test app keeps documents in a folder");
    let files_before = files_under(&docs);
    assert_eq!(files_before.len(), 1, "{files_before:?}");
    let events = format!("SELECT count(*)::bigint AS n FROM events WHERE entity_id = '{id}'");
    let events_before = app.count(&events).await;
    let rows = format!("SELECT count(*)::bigint AS n FROM documents WHERE request_id = '{id}'");

    // Given the store's folder replaced by a regular file (which stops root as well as
    // anyone: no permission bit is involved),
    let aside = docs.with_extension("aside");
    std::fs::rename(&docs, &aside).expect("move the folder aside");
    std::fs::write(&docs, b"not a folder").expect("a file in its place");

    // when the officer uploads a document,
    let r = app.upload(&o.token, &id, "PHOTO", "photo.png", PNG).await;

    // then the upload is refused with a retryable code and a Persian message,
    assert_unavailable(&r);
    assert!(
        r["data"].is_null() || r["data"]["attachDocument"].is_null(),
        "{r}"
    );
    for leak in ["os error", "/tmp", "storing document", "not a directory"] {
        assert!(
            !r.to_string().to_lowercase().contains(leak),
            "{leak} leaked: {r}"
        );
    }
    // and nothing is half-written: no row, no event, no file, the request as it was.
    assert_eq!(app.count(&rows).await, 1);
    assert_eq!(app.count(&events).await, events_before);
    assert_eq!(std::fs::read(&docs).expect("the file"), b"not a folder");
    assert_eq!(
        files_under(&aside),
        files_before
            .iter()
            .map(|p| swap_root(p, &docs, &aside))
            .collect::<Vec<_>>()
    );
    // A download meanwhile says so, with 503 rather than a server error,
    let link = app.url(
        first["data"]["attachDocument"]["downloadUrl"]
            .as_str()
            .expect("downloadUrl"),
    );
    let download = app.client.get(&link).send().await.expect("download");
    assert_eq!(download.status(), 503);
    assert!(download.headers().contains_key("retry-after"));
    let track = app
        .gql_as(
            &o.token,
            "query($id: ID!) { qualificationRequest(id: $id) { status documents { kind } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        track["data"]["qualificationRequest"]["status"], "DRAFT",
        "{track}"
    );
    assert_eq!(
        track["data"]["qualificationRequest"]["documents"],
        json!([{ "kind": "DEGREE_CERTIFICATE" }])
    );

    // Once the store is back, the same upload works and is stored whole.
    std::fs::remove_file(&docs).expect("remove the file");
    std::fs::rename(&aside, &docs).expect("put the folder back");
    let r = app.upload(&o.token, &id, "PHOTO", "photo.png", PNG).await;
    let doc = &r["data"]["attachDocument"];
    assert!(doc["id"].is_string(), "{r}");
    assert_eq!(app.count(&rows).await, 2);
    let files = files_under(&docs);
    assert_eq!(files.len(), 2, "{files:?}");
    let stored = files
        .iter()
        .find(|p| {
            p.to_string_lossy()
                .contains(doc["id"].as_str().expect("id"))
        })
        .expect("the new document's file");
    assert_eq!(std::fs::read(stored).expect("read"), PNG);
    // and the earlier document downloads again.
    let download = app.client.get(&link).send().await.expect("download");
    assert_eq!(download.status(), 200);
    assert_eq!(download.bytes().await.expect("bytes").as_ref(), PDF);
    println!(
        "document store unwritable: the upload refused with UNAVAILABLE, 0 rows, events or \
         files left, a download answered 503; once back, the next upload stored whole and the \
         download served"
    );
    let _ = std::fs::remove_dir_all(&docs);
}

/// Every regular file under `dir`, sorted (staging files of a write included).
fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn swap_root(
    p: &std::path::Path,
    from: &std::path::Path,
    to: &std::path::Path,
) -> std::path::PathBuf {
    to.join(p.strip_prefix(from).expect("under the folder"))
}

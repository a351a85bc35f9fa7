//! A simulator of the Kavenegar REST SMS provider, served by this server under
//! `/_simulator/kavenegar` outside production mode, so the SMS outbox runs on a laptop and in
//! tests. It speaks the provider's protocol (see [`super::kavenegar`]):
//!
//! - `GET`/`POST /v1/{key}/sms/send.json`: fields from the form body or the query string
//!   (the body wins), as the provider takes them; any key is accepted. A `localid` received
//!   before stores nothing and answers the earlier entry, as the provider does.
//! - `GET`/`POST /v1/{key}/sms/statuslocalmessageid.json?localid=N[,M..]`: one entry per id,
//!   status 10 (delivered) for a stored one, `messageid` 0 and status 100 for an unknown one.
//! - `GET /messages`: `{"messages":[{"messageid","receptor","sender","message","localid",
//!   "receivedAt"}]}`, oldest first.
//! - `POST /control` `{"mode":"ok"|"fail"|"timeout","delayMs":30000}` (both optional):
//!   `fail` refuses every send the way the provider refuses when it cannot send — HTTP 418
//!   with `return.status` 418 (not enough credit; the provider's HTTP status mirrors
//!   `return.status`) — and stores nothing; `timeout` stores the message, then answers after
//!   `delayMs`, past the caller's timeout: the "unknown outcome" case. The answer is the
//!   current mode and delay.
//!
//! Its state (the messages received and the mode) lives in PostgreSQL, in the tables of the
//! migration `kavenegar_simulator`: several server instances share one simulated provider,
//! and a restarted server still knows what it received. Limits: one receptor per message
//! (no comma lists), numeric `localid`s only, and no 12-hour window on status look-ups.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, SecondsFormat, Utc};
use diesel::OptionalExtension as _;
use diesel::sql_types::{Array, BigInt, Int4, Nullable, Text, Timestamptz};
use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;

/// Where the simulator is mounted.
pub const MOUNT: &str = "/_simulator/kavenegar";

/// The line messages come from when a send names none.
const DEFAULT_SENDER: &str = "10004346";
/// The longest delay `/control` takes, in milliseconds.
const MAX_DELAY_MS: i64 = 600_000;
/// The most ids one status look-up takes, as the provider.
const MAX_IDS: usize = 500;

/// How the simulated provider answers sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Accepts.
    Ok,
    /// Refuses, storing nothing.
    Fail,
    /// Accepts and stores, then answers too late.
    Timeout,
}

impl Mode {
    fn parse(text: &str) -> Option<Self> {
        match text {
            "ok" => Some(Self::Ok),
            "fail" => Some(Self::Fail),
            "timeout" => Some(Self::Timeout),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Fail => "fail",
            Self::Timeout => "timeout",
        }
    }
}

#[derive(Clone)]
struct Sim {
    pool: Pool<AsyncPgConnection>,
}

/// The simulator's routes, to nest under [`MOUNT`], keeping their state in the database of
/// `pool` (which must have run the migrations).
pub fn routes(pool: Pool<AsyncPgConnection>) -> Router {
    Router::new()
        .route("/v1/{key}/sms/send.json", get(send).post(send))
        .route(
            "/v1/{key}/sms/statuslocalmessageid.json",
            get(status_local).post(status_local),
        )
        .route("/messages", get(messages))
        .route("/control", post(control))
        .with_state(Sim { pool })
}

#[derive(diesel::QueryableByName, Debug, Clone)]
struct MessageRow {
    #[diesel(sql_type = BigInt)]
    messageid: i64,
    #[diesel(sql_type = Text)]
    receptor: String,
    #[diesel(sql_type = Text)]
    sender: String,
    #[diesel(sql_type = Text)]
    message: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    localid: Option<i64>,
    #[diesel(sql_type = Timestamptz)]
    received_at: DateTime<Utc>,
}

#[derive(diesel::QueryableByName, Debug)]
struct SettingsRow {
    #[diesel(sql_type = Text)]
    mode: String,
    #[diesel(sql_type = Int4)]
    delay_ms: i32,
}

const COLUMNS: &str = "messageid, receptor, sender, message, localid, received_at";

/// An answer in the provider's envelope; its HTTP status mirrors `return.status`.
fn answer(status: u16, message: &str, entries: Value) -> Response {
    let http = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = json!({ "return": { "status": status, "message": message }, "entries": entries });
    (http, Json(body)).into_response()
}

fn internal(error: &str) -> Response {
    tracing::error!(%error, "the Kavenegar simulator failed");
    answer(500, "خطای داخلی شبیه‌ساز", Value::Null)
}

/// The request's fields, from the query string and then the form body (which wins); names
/// are case-insensitive.
fn fields(query: Option<&str>, body: &[u8]) -> HashMap<String, String> {
    let mut map = HashMap::new();
    let query = query.unwrap_or_default().as_bytes();
    for source in [query, body] {
        for (name, value) in url::form_urlencoded::parse(source) {
            map.insert(name.to_lowercase(), value.trim().to_string());
        }
    }
    map.retain(|_, value| !value.is_empty());
    map
}

/// A receptor the simulator takes: digits, optionally after `+`, 10 to 14 of them.
fn is_mobile(receptor: &str) -> bool {
    let digits = receptor.strip_prefix('+').unwrap_or(receptor);
    (10..=14).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
}

async fn settings(conn: &mut AsyncPgConnection) -> Result<(Mode, u64), String> {
    let row: Option<SettingsRow> =
        diesel::sql_query("SELECT mode, delay_ms FROM kavenegar_simulator_settings WHERE id = 1")
            .get_result(conn)
            .await
            .optional()
            .map_err(|e| e.to_string())?;
    Ok(row.map_or((Mode::Ok, 0), |r| {
        (
            Mode::parse(&r.mode).unwrap_or(Mode::Ok),
            u64::try_from(r.delay_ms).unwrap_or_default(),
        )
    }))
}

struct NewMessage {
    receptor: String,
    sender: String,
    message: String,
    localid: Option<i64>,
}

enum Received {
    /// Stored now or before (a repeated `localid`); answer after the delay.
    Stored { row: MessageRow, delay: Duration },
    /// The `fail` mode: nothing stored.
    Refused,
}

/// What the provider does with a send it received.
async fn receive(pool: &Pool<AsyncPgConnection>, m: NewMessage) -> Result<Received, String> {
    let mut conn = pool.get().await.map_err(|e| e.to_string())?;
    let (mode, delay_ms) = settings(&mut conn).await?;
    if mode == Mode::Fail {
        return Ok(Received::Refused);
    }
    let inserted: Option<MessageRow> = diesel::sql_query(format!(
        "INSERT INTO kavenegar_simulator_messages (receptor, sender, message, localid) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (localid) DO NOTHING RETURNING {COLUMNS}"
    ))
    .bind::<Text, _>(&m.receptor)
    .bind::<Text, _>(&m.sender)
    .bind::<Text, _>(&m.message)
    .bind::<Nullable<BigInt>, _>(m.localid)
    .get_result(&mut conn)
    .await
    .optional()
    .map_err(|e| e.to_string())?;
    let row = match inserted {
        Some(row) => row,
        // A repeated localid: the earlier message (a new statement sees a racing insert).
        None => diesel::sql_query(format!(
            "SELECT {COLUMNS} FROM kavenegar_simulator_messages WHERE localid = $1"
        ))
        .bind::<Nullable<BigInt>, _>(m.localid)
        .get_result(&mut conn)
        .await
        .map_err(|e| e.to_string())?,
    };
    let delay = match mode {
        Mode::Timeout => Duration::from_millis(delay_ms),
        _ => Duration::ZERO,
    };
    Ok(Received::Stored { row, delay })
}

async fn send(
    State(sim): State<Sim>,
    Path(_key): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let f = fields(query.as_deref(), &body);
    let (Some(receptor), Some(message)) = (f.get("receptor"), f.get("message")) else {
        return answer(
            400,
            "پارامترهای receptor و message الزامی هستند",
            Value::Null,
        );
    };
    if !is_mobile(receptor) {
        return answer(411, "گیرنده نامعتبر است", Value::Null);
    }
    let localid = match f.get("localid").map(|id| id.parse::<i64>()) {
        None => None,
        Some(Ok(id)) => Some(id),
        Some(Err(_)) => return answer(400, "شناسه محلی باید عدد باشد", Value::Null),
    };
    let new = NewMessage {
        receptor: receptor.clone(),
        sender: f
            .get("sender")
            .map_or(DEFAULT_SENDER, String::as_str)
            .to_string(),
        message: message.clone(),
        localid,
    };
    // The provider keeps what it received even when the caller hangs up: the work runs in a
    // task of its own, which a dropped request does not cancel.
    let pool = sim.pool.clone();
    match tokio::spawn(async move { receive(&pool, new).await }).await {
        Err(e) => internal(&e.to_string()),
        Ok(Err(e)) => internal(&e),
        Ok(Ok(Received::Refused)) => answer(418, "اعتبار حساب شما کافی نیست", Value::Null),
        Ok(Ok(Received::Stored { row, delay })) => {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            let entry = json!({
                "messageid": row.messageid, "message": row.message, "status": 1,
                "statustext": "در صف ارسال", "sender": row.sender, "receptor": row.receptor,
                "date": row.received_at.timestamp(), "cost": 120,
            });
            answer(200, "تایید شد", json!([entry]))
        }
    }
}

async fn status_local(
    State(sim): State<Sim>,
    Path(_key): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let f = fields(query.as_deref(), &body);
    let Some(raw) = f.get("localid") else {
        return answer(400, "پارامتر localid الزامی است", Value::Null);
    };
    let asked: Vec<&str> = raw
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .collect();
    if asked.len() > MAX_IDS {
        return answer(414, "تعداد شناسه‌ها بیش از حد مجاز است", Value::Null);
    }
    let numeric: Vec<i64> = asked.iter().filter_map(|id| id.parse().ok()).collect();
    let rows: Vec<MessageRow> = match sim.pool.get().await {
        Err(e) => return internal(&e.to_string()),
        Ok(mut conn) => match diesel::sql_query(format!(
            "SELECT {COLUMNS} FROM kavenegar_simulator_messages WHERE localid = ANY($1)"
        ))
        .bind::<Array<BigInt>, _>(&numeric)
        .load(&mut conn)
        .await
        {
            Ok(rows) => rows,
            Err(e) => return internal(&e.to_string()),
        },
    };
    let entries: Vec<Value> = asked
        .iter()
        .map(|id| {
            let found = id
                .parse::<i64>()
                .ok()
                .and_then(|n| rows.iter().find(|r| r.localid == Some(n)));
            match found {
                Some(row) => json!({ "messageid": row.messageid, "localid": id, "status": 10,
                                     "statustext": "رسیده به گیرنده" }),
                None => json!({ "messageid": 0, "localid": id, "status": 100,
                                "statustext": "شناسه نامعتبر" }),
            }
        })
        .collect();
    answer(200, "تایید شد", Value::Array(entries))
}

async fn messages(State(sim): State<Sim>) -> Response {
    let rows: Vec<MessageRow> = match sim.pool.get().await {
        Err(e) => return internal(&e.to_string()),
        Ok(mut conn) => match diesel::sql_query(format!(
            "SELECT {COLUMNS} FROM kavenegar_simulator_messages ORDER BY received_at, messageid"
        ))
        .load(&mut conn)
        .await
        {
            Ok(rows) => rows,
            Err(e) => return internal(&e.to_string()),
        },
    };
    let list: Vec<Value> = rows
        .into_iter()
        .map(|r| {
            json!({
                "messageid": r.messageid, "receptor": r.receptor, "sender": r.sender,
                "message": r.message, "localid": r.localid,
                "receivedAt": r.received_at.to_rfc3339_opts(SecondsFormat::Millis, true),
            })
        })
        .collect();
    Json(json!({ "messages": list })).into_response()
}

/// A change of the simulator's behaviour; a field left out keeps its value.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Control {
    mode: Option<String>,
    delay_ms: Option<i64>,
}

fn bad_control(message: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": message }))).into_response()
}

async fn control(State(sim): State<Sim>, Json(c): Json<Control>) -> Response {
    let mode = match c.mode.as_deref().map(Mode::parse) {
        None => None,
        Some(Some(mode)) => Some(mode),
        Some(None) => return bad_control("mode must be \"ok\", \"fail\" or \"timeout\""),
    };
    let delay_ms = match c.delay_ms {
        None => None,
        Some(ms) if (0..=MAX_DELAY_MS).contains(&ms) => i32::try_from(ms).ok(),
        Some(_) => return bad_control("delayMs must be between 0 and 600000"),
    };
    let mut conn = match sim.pool.get().await {
        Ok(conn) => conn,
        Err(e) => return internal(&e.to_string()),
    };
    let row: Result<SettingsRow, _> = diesel::sql_query(
        "INSERT INTO kavenegar_simulator_settings AS s (id, mode, delay_ms) \
         VALUES (1, COALESCE($1, 'ok'), COALESCE($2, 30000)) \
         ON CONFLICT (id) DO UPDATE SET mode = COALESCE($1, s.mode), \
                                        delay_ms = COALESCE($2, s.delay_ms) \
         RETURNING mode, delay_ms",
    )
    .bind::<Nullable<Text>, _>(mode.map(Mode::as_str))
    .bind::<Nullable<Int4>, _>(delay_ms)
    .get_result(&mut conn)
    .await;
    match row {
        Ok(row) => Json(json!({ "mode": row.mode, "delayMs": row.delay_ms })).into_response(),
        Err(e) => internal(&e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::integrations::kavenegar::Kavenegar;
    use crate::integrations::sms::{SmsError, SmsProvider};
    use diesel_async::AsyncConnection as _;
    use diesel_async::pooled_connection::AsyncDieselConnectionManager;

    #[test]
    fn modes_parse_and_print() {
        for mode in [Mode::Ok, Mode::Fail, Mode::Timeout] {
            assert_eq!(Mode::parse(mode.as_str()), Some(mode));
        }
        assert_eq!(Mode::parse("slow"), None);
    }

    #[test]
    fn fields_come_from_query_and_body_and_the_body_wins() {
        let f = fields(
            Some("receptor=09120000000&Message=from+query&localid=5"),
            "message=%D8%B3%D9%84%D8%A7%D9%85&sender=".as_bytes(),
        );
        assert_eq!(f.get("receptor").map(String::as_str), Some("09120000000"));
        assert_eq!(f.get("message").map(String::as_str), Some("سلام"));
        assert_eq!(f.get("localid").map(String::as_str), Some("5"));
        assert_eq!(f.get("sender"), None);
    }

    #[test]
    fn receptors() {
        assert!(is_mobile("09123456789"));
        assert!(is_mobile("+989123456789"));
        assert!(!is_mobile("0912345"));
        assert!(!is_mobile("09123456789,09123456780"));
    }

    /// A throwaway database with the migrations run, dropped at the end (even on a panic).
    struct TestDb {
        name: String,
        admin_url: String,
    }

    impl TestDb {
        async fn create() -> (Self, String) {
            let server = std::env::var("TEST_DATABASE_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
            let (admin_url, _) = crate::store::split_database_url(&server).expect("a URL");
            let name = format!("kavenegar_sim_{}", uuid::Uuid::new_v4().simple());
            let mut url = url::Url::parse(&admin_url).expect("a URL");
            url.set_path(&format!("/{name}"));
            let url = url.to_string();
            let db = Self { name, admin_url };
            crate::store::create_database_if_missing(&url)
                .await
                .expect("a database");
            crate::store::run_migrations(&url)
                .await
                .expect("migrations");
            (db, url)
        }
    }

    impl Drop for TestDb {
        fn drop(&mut self) {
            let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
            let admin_url = self.admin_url.clone();
            let _ = std::thread::spawn(move || {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map(|rt| {
                        rt.block_on(async {
                            let mut conn = AsyncPgConnection::establish(&admin_url).await?;
                            diesel::sql_query(sql).execute(&mut conn).await?;
                            anyhow::Ok(())
                        })
                    })
            })
            .join();
        }
    }

    /// The simulator served on a free port, as the server mounts it.
    struct Served {
        base: String,
        task: tokio::task::JoinHandle<()>,
    }

    impl Served {
        async fn start(db_url: &str) -> Self {
            let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new(db_url);
            let pool = Pool::builder(manager).max_size(4).build().expect("a pool");
            let app = Router::new().nest_service(MOUNT, routes(pool));
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("a port");
            let addr = listener.local_addr().expect("an address");
            let task = tokio::spawn(async move {
                let _ = axum::serve(listener, app).await;
            });
            Self {
                base: format!("http://{addr}{MOUNT}"),
                task,
            }
        }

        fn adapter(&self, timeout: Duration) -> Kavenegar {
            Kavenegar::new(&self.base, "test-key", "10008000", timeout).expect("a client")
        }

        async fn control(&self, body: Value) -> (u16, Value) {
            let resp = reqwest::Client::new()
                .post(format!("{}/control", self.base))
                .json(&body)
                .send()
                .await
                .expect("an answer");
            let status = resp.status().as_u16();
            (status, resp.json().await.unwrap_or(Value::Null))
        }

        async fn messages(&self) -> Value {
            reqwest::get(format!("{}/messages", self.base))
                .await
                .expect("an answer")
                .json()
                .await
                .expect("JSON")
        }
    }

    impl Drop for Served {
        fn drop(&mut self) {
            self.task.abort();
        }
    }

    const TO: &str = "09123456789";

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sends_lists_and_looks_up_local_ids() {
        let (_db, url) = TestDb::create().await;
        let sim = Served::start(&url).await;
        let kavenegar = sim.adapter(Duration::from_secs(10));

        let first = kavenegar
            .send(TO, "کد تایید: ۱۲۳۴", 41)
            .await
            .expect("accepted");
        let second = kavenegar
            .send("09350000000", "دومی", 42)
            .await
            .expect("accepted");
        assert_ne!(first, second);

        let listed = sim.messages().await;
        let top: Vec<&String> = listed.as_object().expect("an object").keys().collect();
        assert_eq!(top, ["messages"]);
        let list = listed["messages"].as_array().expect("a list");
        assert_eq!(list.len(), 2);
        for m in list {
            let mut keys: Vec<&String> = m.as_object().expect("an object").keys().collect();
            keys.sort();
            assert_eq!(
                keys,
                [
                    "localid",
                    "message",
                    "messageid",
                    "receivedAt",
                    "receptor",
                    "sender"
                ]
            );
            let at = m["receivedAt"].as_str().expect("a time");
            assert!(DateTime::parse_from_rfc3339(at).is_ok(), "{at}");
        }
        // Oldest first.
        assert_eq!(list[0]["messageid"].to_string(), first.message_id);
        assert_eq!(list[0]["receptor"], TO);
        assert_eq!(list[0]["sender"], "10008000");
        assert_eq!(list[0]["message"], "کد تایید: ۱۲۳۴");
        assert_eq!(list[0]["localid"], 41);
        assert_eq!(list[1]["messageid"].to_string(), second.message_id);

        assert_eq!(
            kavenegar
                .accepted_with_local_id(41)
                .await
                .expect("an answer"),
            Some(first)
        );
        assert_eq!(
            kavenegar
                .accepted_with_local_id(999)
                .await
                .expect("an answer"),
            None
        );

        // The provider's own shape for an unknown id, by GET and by POST.
        let http = reqwest::Client::new();
        let status_url = format!("{}/v1/k/sms/statuslocalmessageid.json", sim.base);
        let by_get: Value = http
            .get(format!("{status_url}?localid=999"))
            .send()
            .await
            .expect("an answer")
            .json()
            .await
            .expect("JSON");
        let by_post: Value = http
            .post(&status_url)
            .form(&[("localid", "999")])
            .send()
            .await
            .expect("an answer")
            .json()
            .await
            .expect("JSON");
        for answer in [by_get, by_post] {
            assert_eq!(answer["return"]["status"], 200);
            assert_eq!(
                answer["entries"],
                json!([{ "messageid": 0, "localid": "999", "status": 100,
                         "statustext": "شناسه نامعتبر" }])
            );
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_repeated_local_id_is_stored_once_and_query_fields_work() {
        let (_db, url) = TestDb::create().await;
        let sim = Served::start(&url).await;
        let kavenegar = sim.adapter(Duration::from_secs(10));

        let first = kavenegar.send(TO, "نخستین", 7).await.expect("accepted");
        let again = kavenegar.send(TO, "دوباره", 7).await.expect("accepted");
        assert_eq!(first, again, "the earlier entry is answered");
        let list = sim.messages().await["messages"].clone();
        assert_eq!(list.as_array().map(Vec::len), Some(1));
        assert_eq!(list[0]["message"], "نخستین");

        // Fields in the query string of a POST, as the provider takes them.
        let resp = reqwest::Client::new()
            .post(format!("{}/v1/k/sms/send.json", sim.base))
            .query(&[("receptor", TO), ("message", "از کوئری"), ("localid", "8")])
            .send()
            .await
            .expect("an answer");
        assert_eq!(resp.status().as_u16(), 200);
        let body: Value = resp.json().await.expect("JSON");
        assert_eq!(body["return"]["status"], 200);
        assert_eq!(body["entries"][0]["receptor"], TO);
        assert_eq!(body["entries"][0]["sender"], DEFAULT_SENDER);
        let list = sim.messages().await["messages"].clone();
        assert_eq!(list.as_array().map(Vec::len), Some(2));
        assert_eq!(list[1]["localid"], 8);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn fail_mode_refuses_and_stores_nothing() {
        let (_db, url) = TestDb::create().await;
        let sim = Served::start(&url).await;
        let kavenegar = sim.adapter(Duration::from_secs(10));

        assert_eq!(sim.control(json!({ "mode": "slow" })).await.0, 400);
        let (status, body) = sim.control(json!({ "mode": "fail" })).await;
        assert_eq!(status, 200);
        assert_eq!(body["mode"], "fail");

        match kavenegar.send(TO, "نمی‌رسد", 3).await {
            Err(SmsError::Refused { status, message }) => {
                assert_eq!(status, 418);
                assert!(!message.is_empty());
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(sim.messages().await, json!({ "messages": [] }));
        // Look-ups still answer while sends fail.
        assert_eq!(
            kavenegar
                .accepted_with_local_id(3)
                .await
                .expect("an answer"),
            None
        );

        assert_eq!(sim.control(json!({ "mode": "ok" })).await.1["mode"], "ok");
        kavenegar.send(TO, "می‌رسد", 3).await.expect("accepted");
        assert!(
            kavenegar
                .accepted_with_local_id(3)
                .await
                .expect("an answer")
                .is_some()
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn timeout_mode_stores_answers_too_late_and_outlives_a_restart() {
        let (_db, url) = TestDb::create().await;
        let sim = Served::start(&url).await;
        let (status, body) = sim
            .control(json!({ "mode": "timeout", "delayMs": 60_000 }))
            .await;
        assert_eq!(status, 200);
        assert_eq!(body, json!({ "mode": "timeout", "delayMs": 60_000 }));

        let impatient = sim.adapter(Duration::from_millis(500));
        match impatient.send(TO, "شاید رسید", 11).await {
            Err(SmsError::Unknown(_)) => {}
            other => panic!("expected an unknown outcome, got {other:?}"),
        }

        // A new server (a restart) on the same database still knows the localid and the mode.
        drop(sim);
        let sim = Served::start(&url).await;
        let kavenegar = sim.adapter(Duration::from_secs(10));
        let mut found = None;
        for _ in 0..50 {
            found = kavenegar
                .accepted_with_local_id(11)
                .await
                .expect("an answer");
            if found.is_some() {
                break;
            }
            // The simulator stores in a task of its own; on a loaded machine it may lag.
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let found = found.expect("the message was accepted although the answer was lost");
        let list = sim.messages().await["messages"].clone();
        assert_eq!(list.as_array().map(Vec::len), Some(1));
        assert_eq!(list[0]["messageid"].to_string(), found.message_id);
        assert_eq!(sim.control(json!({})).await.1["mode"], "timeout");
    }
}

//! `cartableEvents` over WebSocket: authentication, who receives what, resuming, several
//! instances, slow subscribers (token expiry: `sockets.rs`).

use crate::harness::*;
use officer_registry::domain::Role;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Duration;

const SUB: &str = "subscription($after: ID) { cartableEvents(afterEventId: $after) { id kind fromStatus toStatus qualificationRequest { id status officer { nationalCode } } } }";
const START: &str = "mutation { startQualificationRequest(kind: NEW) { id } }";

async fn start(app: &TestApp, o: &TestOfficer) -> String {
    let r = app.gql_as(&o.token, START, json!({})).await;
    r["data"]["startQualificationRequest"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{r}"))
        .to_string()
}

fn event(payload: &Value) -> &Value {
    &payload["data"]["cartableEvents"]
}

#[tokio::test]
async fn connection_init_needs_a_valid_token() {
    let app = TestApp::spawn_with(|c| c.access_token_ttl_secs = 1).await;
    match app.ws(None).await {
        Err(WsEnd::Closed(code, _)) => assert_eq!(code, 4403),
        other => panic!("{:?}", other.err()),
    }
    match app.ws(Some("not-a-token")).await {
        Err(WsEnd::Closed(code, _)) => assert_eq!(code, 4403),
        other => panic!("{:?}", other.err()),
    }
    let token = app.login_as(Role::Officer).await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    match app.ws(Some(&token)).await {
        Err(WsEnd::Closed(code, reason)) => {
            assert_eq!(code, 4403);
            assert!(reason.contains("expired"), "{reason}");
        }
        other => panic!("{:?}", other.err()),
    }
}

#[tokio::test]
async fn each_viewer_receives_exactly_its_events() {
    let app = TestApp::spawn().await;
    let a = app.register_officer().await;
    let b = app.register_officer().await;
    let tehran = app.reviewer_of(TEHRAN_UNIVERSITY).await;
    let tabriz = app.reviewer_of(TABRIZ_UNIVERSITY).await;
    let admin = app.login_as(Role::DirectorateAdmin).await;
    let distributor = app.login_as(Role::Distributor).await;
    let mut subs = Vec::new();
    for token in [&a.token, &b.token, &tehran, &tabriz, &admin, &distributor] {
        let mut ws = app.ws(Some(token)).await.unwrap();
        ws.subscribe("1", SUB, json!({})).await;
        subs.push(ws);
    }
    // Let the subscriptions start.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let ra = crate::qualification::submitted_request(&app, &a, TEHRAN_CITY).await;
    let rb = crate::qualification::submitted_request(&app, &b, TABRIZ_CITY).await;

    // Officer A: its own request's events only (create, edit, 4 documents, submit).
    let mut kinds = Vec::new();
    for _ in 0..7 {
        let e = subs[0].next_event().await;
        assert_eq!(event(&e)["qualificationRequest"]["id"], ra.as_str(), "{e}");
        kinds.push(event(&e)["kind"].as_str().unwrap().to_string());
    }
    assert_eq!(kinds.first().unwrap(), "QUALIFICATION_REQUEST_CREATE");
    assert_eq!(kinds.last().unwrap(), "QUALIFICATION_REQUEST_SUBMIT");
    // Officer B likewise.
    for _ in 0..7 {
        let e = subs[1].next_event().await;
        assert_eq!(event(&e)["qualificationRequest"]["id"], rb.as_str(), "{e}");
    }
    // Each reviewer: the submission that reached its university, nothing of the drafts.
    let e = subs[2].next_event().await;
    assert_eq!(event(&e)["kind"], "QUALIFICATION_REQUEST_SUBMIT");
    assert_eq!(event(&e)["qualificationRequest"]["id"], ra.as_str());
    let e = subs[3].next_event().await;
    assert_eq!(event(&e)["qualificationRequest"]["id"], rb.as_str());
    // The admin: everything (both officers' 7 events and their registrations are before the
    // subscription), so 14 events, in id order.
    let mut ids = Vec::new();
    for _ in 0..14 {
        let e = subs[4].next_event().await;
        ids.push(event(&e)["id"].as_str().unwrap().parse::<i64>().unwrap());
    }
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");

    // And nobody receives anything else.
    for ws in subs.iter_mut() {
        assert!(ws.silent_for(Duration::from_millis(400)).await);
    }
    // A claim reaches the officer and the Tehran reviewers, not Tabriz.
    app.gql_as(
        &tehran,
        "mutation($id: ID!) { claimQualificationRequest(id: $id) { id } }",
        json!({ "id": ra }),
    )
    .await;
    assert_eq!(
        event(&subs[0].next_event().await)["kind"],
        "QUALIFICATION_REQUEST_CLAIM"
    );
    assert_eq!(
        event(&subs[2].next_event().await)["toStatus"],
        "UNDER_REVIEW"
    );
    assert!(subs[1].silent_for(Duration::from_millis(300)).await);
    assert!(subs[3].silent_for(Duration::from_millis(300)).await);
    assert!(subs[5].silent_for(Duration::from_millis(300)).await);
}

#[tokio::test]
async fn resuming_replays_then_continues_live_without_gap_or_duplicate() {
    let app = TestApp::spawn().await;
    let o = app.register_officer().await;
    let first = start(&app, &o).await;
    // The events so far: the registration and the draft's creation.
    let mut ws = app.ws(Some(&o.token)).await.unwrap();
    ws.subscribe("1", SUB, json!({ "after": "0" })).await;
    let e1 = ws.next_event().await;
    assert_eq!(event(&e1)["kind"], "OFFICER_REGISTER");
    let e2 = ws.next_event().await;
    assert_eq!(event(&e2)["qualificationRequest"]["id"], first.as_str());
    let resume_from = event(&e1)["id"].as_str().unwrap().to_string();
    drop(ws);

    // Writes race the new subscription's start.
    let writer = {
        let token = o.token.clone();
        let url = app.url("/graphql");
        let client = app.client.clone();
        let id = first.clone();
        tokio::spawn(async move {
            for i in 0..30 {
                let q = json!({ "query": "mutation($id: ID!, $p: String) { updateQualificationRequest(id: $id, input: { phone: $p }) { id } }",
                                "variables": { "id": id, "p": format!("0218877{i:04}") } });
                let _ = client.post(&url).bearer_auth(&token).json(&q).send().await;
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(20)).await;
    let mut ws = app.ws(Some(&o.token)).await.unwrap();
    ws.subscribe("1", SUB, json!({ "after": resume_from }))
        .await;
    writer.await.unwrap();
    // Expect the creation and the 30 edits: each once, in order.
    let mut got = Vec::new();
    for _ in 0..31 {
        let e = ws.next_event().await;
        got.push(event(&e)["id"].as_str().unwrap().parse::<i64>().unwrap());
    }
    assert!(
        ws.silent_for(Duration::from_millis(500)).await,
        "no duplicates after"
    );
    assert!(
        got.windows(2).all(|w| w[0] < w[1]),
        "in order, no duplicate: {got:?}"
    );
    let resume_from: i64 = resume_from.parse().unwrap();
    let from_log = app
        .event_ids(&format!(
            "officer_id = '{}' AND id > {resume_from}",
            o.officer_id
        ))
        .await;
    assert_eq!(
        got, from_log,
        "exactly the log's events after the resume point"
    );
}

#[tokio::test]
async fn a_subscriber_on_one_instance_sees_mutations_made_through_another() {
    let one = TestApp::spawn().await;
    let two = one.second_instance().await;
    let o = one.register_officer().await;
    let mut ws = one.ws(Some(&o.token)).await.unwrap();
    ws.subscribe("1", SUB, json!({})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let r = two.gql_as(&o.token, START, json!({})).await;
    let id = r["data"]["startQualificationRequest"]["id"]
        .as_str()
        .unwrap();
    let e = ws.next_event().await;
    assert_eq!(event(&e)["qualificationRequest"]["id"], id);
    assert_eq!(event(&e)["qualificationRequest"]["status"], "DRAFT");
}

#[tokio::test]
async fn a_subscriber_that_falls_behind_is_told_and_can_resume() {
    let app = TestApp::spawn_with(|c| c.cartable_buffer = 2).await;
    let admin = app.login_as(Role::DirectorateAdmin).await;
    let mut ws = app.ws(Some(&admin)).await.unwrap();
    ws.subscribe(
        "1",
        "subscription($after: ID) { cartableEvents(afterEventId: $after) { id } }",
        json!({}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    // 2,000 events committed at once: far more than the buffer.
    app.sql(
        "INSERT INTO events (entity_type, entity_id, action) SELECT 'officer', g::text, 'BURST' FROM generate_series(1, 2000) g",
    )
    .await
    .unwrap();
    let mut got = BTreeSet::new();
    let last = loop {
        let msg = ws
            .next_message(Duration::from_secs(10))
            .await
            .expect("message");
        match msg["type"].as_str() {
            Some("next") if msg["payload"]["errors"].is_null() => {
                got.insert(
                    msg["payload"]["data"]["cartableEvents"]["id"]
                        .as_str()
                        .unwrap()
                        .parse::<i64>()
                        .unwrap(),
                );
            }
            Some("next") | Some("error") => {
                let err = if msg["type"] == "error" {
                    &msg["payload"][0]
                } else {
                    &msg["payload"]["errors"][0]
                };
                assert_eq!(err["extensions"]["code"], "RATE_LIMITED", "{msg}");
                break err["extensions"]["lastEventId"]
                    .as_str()
                    .unwrap()
                    .to_string();
            }
            _ => panic!("{msg}"),
        }
    };
    let burst: BTreeSet<i64> = app
        .event_ids("action = 'BURST'")
        .await
        .into_iter()
        .collect();
    assert_eq!(burst.len(), 2000);
    // Resume once the instance has announced the whole burst (a resume while it is still
    // announcing may fall behind again with so small a buffer).
    let last_of_burst = *burst.last().unwrap();
    for _ in 0..100 {
        if app.app.hub.last_seen() >= last_of_burst {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(got.len() < 2000, "the subscriber was cut before the end");
    // Resume from the last event delivered: the rest arrives, nothing is missing.
    let mut ws = app.ws(Some(&admin)).await.unwrap();
    ws.subscribe(
        "2",
        "subscription($after: ID) { cartableEvents(afterEventId: $after) { id } }",
        json!({ "after": last }),
    )
    .await;
    while !burst.is_subset(&got) {
        let e = ws.next_event().await;
        let id = e["data"]["cartableEvents"]["id"]
            .as_str()
            .unwrap()
            .parse::<i64>()
            .unwrap();
        assert!(got.insert(id), "duplicate {id}");
    }
    let extra = ws.next_message(Duration::from_millis(300)).await;
    assert!(
        matches!(extra, Err(WsEnd::Timeout)),
        "and nothing twice: {extra:?}"
    );
    // The service is still fine for others.
    assert_eq!(
        app.client
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

/// Installs the npm packages of `tests/js` once per test run.
fn ensure_js_packages() {
    static ONCE: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    ONCE.get_or_init(|| {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/js");
        if std::path::Path::new(dir)
            .join("node_modules/graphql-ws")
            .exists()
        {
            return;
        }
        let status = std::process::Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--prefix", dir])
            .status()
            .expect("npm is needed for the JavaScript client tests (install Node.js and npm)");
        assert!(status.success(), "npm ci in tests/js failed");
    });
}

#[tokio::test]
async fn the_graphql_ws_library_speaks_to_the_server() {
    ensure_js_packages();
    let app = TestApp::spawn().await;
    let o = app.register_officer().await;
    let id = start(&app, &o).await;
    let out = tokio::process::Command::new("node")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/js/graphql-ws-client.mjs"
        ))
        .env("HTTP_URL", app.url(""))
        .env("TOKEN", &o.token)
        .env("REQUEST_ID", &id)
        .output()
        .await
        .expect("node is needed for the JavaScript client tests");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.starts_with("OK OFFICER_REGISTER QUALIFICATION_REQUEST_CREATE"),
        "{stdout}"
    );
    assert!(
        stdout.trim_end().ends_with("QUALIFICATION_REQUEST_EDIT"),
        "{stdout}"
    );
}

#[tokio::test]
async fn an_open_transaction_does_not_hold_up_other_event_writers_and_ids_follow_commits() {
    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
    let app = TestApp::spawn().await;
    let o = app.register_officer().await;
    // A transaction writes an event and stays open.
    let mut held = AsyncPgConnection::establish(&app.db.url()).await.unwrap();
    diesel::sql_query("BEGIN").execute(&mut held).await.unwrap();
    diesel::sql_query(
        "INSERT INTO events (entity_type, entity_id, action) VALUES ('officer', 'held', 'HOLD')",
    )
    .execute(&mut held)
    .await
    .unwrap();
    // Meanwhile another event-writing transaction goes through at once.
    let started = tokio::time::timeout(Duration::from_secs(5), start(&app, &o))
        .await
        .expect("not held up by the open transaction");
    // The open one commits last, so its event comes last in the log.
    diesel::sql_query("COMMIT")
        .execute(&mut held)
        .await
        .unwrap();
    use diesel::QueryableByName;
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
        #[diesel(sql_type = diesel::sql_types::Text)]
        entity_id: String,
    }
    let mut conn = app.app.pool.get().await.unwrap();
    let rows: Vec<Row> = diesel::sql_query("SELECT id, entity_id FROM events ORDER BY id")
        .load(&mut conn)
        .await
        .unwrap();
    assert!(
        rows.iter().all(|r| r.id > 0),
        "every committed event has its final id"
    );
    assert_eq!(rows.last().unwrap().entity_id, "held");
    assert!(rows.iter().any(|r| r.entity_id == started));
}

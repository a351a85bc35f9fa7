//! `cartableEvents` live events rendered once per (selection, role and scope) and shared by
//! the sockets that ask the same (`src/http/ws_feed.rs`): who shares, who must not, and the
//! protocol around it (operation ids, `complete`, the legacy `graphql-ws` protocol).

use crate::harness::*;
use officer_registry::domain::Role;
use serde_json::{Value, json};
use std::time::Duration;

const SHARED: &str = "subscription($after: ID) { cartableEvents(afterEventId: $after) { id kind qualificationRequest { id status } } }";
const OTHER: &str = "subscription { cartableEvents { id occurredAt } }";
const WITH_LINKS: &str = "subscription { cartableEvents { id kind qualificationRequest { id documents { kind downloadUrl } } } }";
const START: &str = "mutation { startQualificationRequest(kind: NEW) { id } }";

/// The next message, which must be a `next` of operation `id`.
async fn next_of(ws: &mut WsClient, id: &str) -> Value {
    let msg = ws
        .next_message(Duration::from_secs(10))
        .await
        .unwrap_or_else(|e| panic!("no event: {e:?}"));
    assert_eq!(msg["type"], "next", "{msg}");
    assert_eq!(msg["id"], id, "{msg}");
    msg["payload"].clone()
}

/// Lets the subscriptions start (the protocol does not acknowledge them); nothing has been
/// rendered yet.
async fn settle(app: &TestApp) {
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.app.hub.renders(), 0, "nothing rendered yet");
}

async fn last_event_id(app: &TestApp) -> i64 {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let mut conn = app.app.pool.get().await.unwrap();
    let row: Row = diesel::sql_query("SELECT coalesce(max(id), 0)::bigint AS id FROM events")
        .get_result(&mut conn)
        .await
        .unwrap();
    row.id
}

#[tokio::test]
async fn subscribers_with_one_selection_and_view_share_one_render() {
    let app = TestApp::spawn().await;
    let officer = app.register_officer().await;
    let (admin1, admin2, admin3) = (
        app.login_as(Role::DirectorateAdmin).await,
        app.login_as(Role::DirectorateAdmin).await,
        app.login_as(Role::DirectorateAdmin).await,
    );
    let tehran = app.reviewer_of(TEHRAN_UNIVERSITY).await;
    let now = last_event_id(&app).await;

    // Two admins (two users, two sessions) ask the same selection, one resuming from the
    // last event (another value of `afterEventId`); a third asks another selection.
    let mut a = app.ws(Some(&admin1)).await.unwrap();
    a.subscribe("a", SHARED, json!({})).await;
    let mut b = app.ws(Some(&admin2)).await.unwrap();
    b.subscribe("b", SHARED, json!({ "after": now.to_string() }))
        .await;
    let mut c = app.ws(Some(&admin3)).await.unwrap();
    c.subscribe("c", OTHER, json!({})).await;
    // The reviewer sees nothing of a draft: it renders nothing.
    let mut r = app.ws(Some(&tehran)).await.unwrap();
    r.subscribe("r", SHARED, json!({})).await;
    settle(&app).await;

    // One event: a draft.
    let resp = app.gql_as(&officer.token, START, json!({})).await;
    let draft = resp["data"]["startQualificationRequest"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{resp}"))
        .to_string();
    let pa = next_of(&mut a, "a").await;
    let pb = next_of(&mut b, "b").await;
    let pc = next_of(&mut c, "c").await;
    let event = &pa["data"]["cartableEvents"];
    assert_eq!(event["kind"], "QUALIFICATION_REQUEST_CREATE", "{pa}");
    assert_eq!(event["qualificationRequest"]["id"], draft.as_str(), "{pa}");
    assert_eq!(event["qualificationRequest"]["status"], "DRAFT", "{pa}");
    assert_eq!(pa, pb, "the same render");
    assert_eq!(pc["data"]["cartableEvents"]["id"], event["id"], "{pc}");
    assert!(
        pc["data"]["cartableEvents"]["occurredAt"].is_string(),
        "{pc}"
    );
    assert!(r.silent_for(Duration::from_millis(300)).await);
    // Two renders: one per selection, none per subscriber, none for the reviewer.
    assert_eq!(app.app.hub.renders(), 2);

    // Ten more events: still two renders each.
    for i in 0..10 {
        let q = "mutation($id: ID!, $p: String) { updateQualificationRequest(id: $id, input: { phone: $p }) { id } }";
        let p = format!("0218800{i:04}");
        let resp = app
            .gql_as(&officer.token, q, json!({ "id": draft, "p": p }))
            .await;
        assert!(resp["errors"].is_null(), "{resp}");
    }
    for _ in 0..10 {
        let pa = next_of(&mut a, "a").await;
        assert_eq!(pa, next_of(&mut b, "b").await);
        assert_eq!(
            pa["data"]["cartableEvents"]["kind"],
            "QUALIFICATION_REQUEST_EDIT"
        );
        next_of(&mut c, "c").await;
    }
    assert_eq!(app.app.hub.renders(), 22);
    for ws in [&mut a, &mut b, &mut c, &mut r] {
        assert!(ws.silent_for(Duration::from_millis(300)).await);
    }
}

#[tokio::test]
async fn a_render_that_names_the_viewer_is_not_shared() {
    let app = TestApp::spawn().await;
    let officer = app.register_officer().await;
    let admin1 = app.login_as(Role::DirectorateAdmin).await;
    let admin2 = app.login_as(Role::DirectorateAdmin).await;
    let mut a = app.ws(Some(&admin1)).await.unwrap();
    a.subscribe("1", WITH_LINKS, json!({})).await;
    let mut b = app.ws(Some(&admin2)).await.unwrap();
    b.subscribe("1", WITH_LINKS, json!({})).await;
    settle(&app).await;

    // Create, edit, four documents, submit: the submission names four documents, each with
    // a download link signed for the viewer's session.
    crate::qualification::submitted_request(&app, &officer, TEHRAN_CITY).await;
    let (mut la, mut lb) = (Value::Null, Value::Null);
    for _ in 0..7 {
        la = next_of(&mut a, "1").await;
        lb = next_of(&mut b, "1").await;
        assert_eq!(
            la["data"]["cartableEvents"]["id"],
            lb["data"]["cartableEvents"]["id"]
        );
    }
    assert_eq!(
        la["data"]["cartableEvents"]["kind"],
        "QUALIFICATION_REQUEST_SUBMIT"
    );
    let links = |p: &Value| -> Vec<String> {
        p["data"]["cartableEvents"]["qualificationRequest"]["documents"]
            .as_array()
            .unwrap_or_else(|| panic!("{p}"))
            .iter()
            .map(|d| d["downloadUrl"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let (links_a, links_b) = (links(&la), links(&lb));
    assert_eq!(links_a.len(), 4, "{la}");
    assert_eq!(links_b.len(), 4, "{lb}");
    for (x, y) in links_a.iter().zip(&links_b) {
        assert_ne!(x, y, "each viewer's own link");
        for url in [x, y] {
            let got = app.client.get(app.url(url)).send().await.unwrap();
            assert_eq!(got.status(), 200, "{url}");
        }
    }
    // The events without documents were shared (one render each); those with documents
    // were rendered for each viewer.
    let renders = app.app.hub.renders();
    assert!(
        renders > 7 && renders < 14,
        "{renders} renders for 7 events"
    );
}

#[tokio::test]
async fn a_completed_operation_stops_and_its_slot_is_freed() {
    let app = TestApp::spawn_with(|c| c.ws_max_operations = 1).await;
    let officer = app.register_officer().await;
    let mut ws = app.ws(Some(&officer.token)).await.unwrap();
    ws.subscribe("1", SHARED, json!({})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    ws.send_json(json!({ "type": "complete", "id": "1" })).await;
    let done = ws.next_message(Duration::from_secs(5)).await.unwrap();
    assert_eq!(done, json!({ "type": "complete", "id": "1" }));
    let resp = app.gql_as(&officer.token, START, json!({})).await;
    let draft = resp["data"]["startQualificationRequest"]["id"].clone();
    assert!(draft.is_string(), "{resp}");
    assert!(ws.silent_for(Duration::from_millis(400)).await);

    // The slot is free again: a new operation with the same id runs.
    ws.subscribe("1", SHARED, json!({})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let edit = "mutation($id: ID!) { updateQualificationRequest(id: $id, input: { phone: \"02188001234\" }) { id } }";
    let resp = app
        .gql_as(&officer.token, edit, json!({ "id": draft }))
        .await;
    assert!(resp["errors"].is_null(), "{resp}");
    let p = next_of(&mut ws, "1").await;
    assert_eq!(
        p["data"]["cartableEvents"]["kind"],
        "QUALIFICATION_REQUEST_EDIT"
    );
    // A second at once is refused, with the socket's limit.
    ws.subscribe("2", OTHER, json!({})).await;
    let refused = next_of(&mut ws, "2").await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "RATE_LIMITED",
        "{refused}"
    );
    let end = ws.next_message(Duration::from_secs(5)).await.unwrap();
    assert_eq!(end, json!({ "type": "complete", "id": "2" }));

    // A bad resume point is the resolver's error, then `complete`.
    let mut bad = app.ws(Some(&officer.token)).await.unwrap();
    bad.subscribe("x", SHARED, json!({ "after": "not-an-id" }))
        .await;
    let e = next_of(&mut bad, "x").await;
    assert_eq!(
        e["errors"][0]["extensions"]["code"], "VALIDATION_FAILED",
        "{e}"
    );
    let end = bad.next_message(Duration::from_secs(5)).await.unwrap();
    assert_eq!(end, json!({ "type": "complete", "id": "x" }));
}

#[tokio::test]
async fn the_legacy_graphql_ws_protocol_gets_data_messages() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    let app = TestApp::spawn().await;
    let officer = app.register_officer().await;
    let mut request = format!("ws://{}/graphql/ws", app.addr)
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("sec-websocket-protocol", "graphql-ws".parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {}", officer.token) } });
    let start = json!({ "type": "start", "id": "7", "payload": { "query": OTHER } });
    for message in [init, start] {
        socket
            .send(Message::Text(message.to_string().into()))
            .await
            .unwrap();
    }
    let mut messages = Vec::new();
    let mut created = false;
    while messages.len() < 2 {
        let msg = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a message")
            .expect("open")
            .expect("ok");
        if let Message::Text(t) = msg {
            let v: Value = serde_json::from_str(&t).unwrap();
            if v["type"] != "ka" {
                messages.push(v);
            }
        }
        if messages.len() == 1 && !created {
            created = true;
            tokio::time::sleep(Duration::from_millis(300)).await;
            app.gql_as(&officer.token, START, json!({})).await;
        }
    }
    assert_eq!(messages[0]["type"], "connection_ack");
    let data = &messages[1];
    assert_eq!(data["type"], "data", "{data}");
    assert_eq!(data["id"], "7", "{data}");
    assert!(
        data["payload"]["data"]["cartableEvents"]["id"].is_string(),
        "{data}"
    );
}

#[tokio::test]
async fn other_documents_run_per_subscriber_with_the_same_results() {
    let app = TestApp::spawn().await;
    let officer = app.register_officer().await;
    let admin = app.login_as(Role::DirectorateAdmin).await;
    // A directive on the field: async-graphql runs it for this subscriber alone.
    let own = "subscription { cartableEvents @include(if: true) { id kind qualificationRequest { id status } } }";
    let mut a = app.ws(Some(&admin)).await.unwrap();
    a.subscribe("own", own, json!({})).await;
    let mut b = app.ws(Some(&admin)).await.unwrap();
    b.subscribe("shared", SHARED, json!({})).await;
    settle(&app).await;
    app.gql_as(&officer.token, START, json!({})).await;
    let pa = next_of(&mut a, "own").await;
    let pb = next_of(&mut b, "shared").await;
    assert_eq!(pa, pb, "the same answer either way");
    assert_eq!(
        pa["data"]["cartableEvents"]["kind"],
        "QUALIFICATION_REQUEST_CREATE"
    );
    assert_eq!(app.app.hub.renders(), 1, "only the shared one is a render");
}

/// The live events are written by the instance's fan-out, which takes a subscriber over
/// once it has caught up (`src/http/ws_fanout.rs`): subscribers that join while events keep
/// coming get every event once, in order, across the replay, the catch-up and the
/// take-over.
#[tokio::test]
async fn subscribers_joining_while_events_flow_get_each_event_once_in_order() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::DirectorateAdmin).await;
    let from = last_event_id(&app).await;
    let produce = async {
        for _ in 0..30 {
            app.sql(
                "INSERT INTO events (entity_type, entity_id, action) SELECT 'officer', g::text, 'FLOW' FROM generate_series(1, 20) g",
            )
            .await
            .unwrap();
            tokio::time::sleep(Duration::from_millis(15)).await;
        }
    };
    let join = async {
        let mut sockets = Vec::new();
        for _ in 0..12 {
            let mut ws = app.ws(Some(&admin)).await.unwrap();
            ws.subscribe(
                "1",
                "subscription($after: ID) { cartableEvents(afterEventId: $after) { id } }",
                json!({ "after": from.to_string() }),
            )
            .await;
            sockets.push(ws);
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
        sockets
    };
    let ((), sockets) = tokio::join!(produce, join);
    let expected = app.event_ids(&format!("id > {from}")).await;
    assert!(expected.len() >= 600, "{}", expected.len());
    let last = *expected.last().unwrap();
    for (k, mut ws) in sockets.into_iter().enumerate() {
        let mut got = Vec::new();
        while got.last() != Some(&last) {
            let payload = next_of(&mut ws, "1").await;
            assert!(payload["errors"].is_null(), "subscriber {k}: {payload}");
            let id = payload["data"]["cartableEvents"]["id"]
                .as_str()
                .unwrap()
                .parse::<i64>()
                .unwrap();
            got.push(id);
        }
        assert_eq!(got, expected, "subscriber {k}");
        let extra = ws.next_message(Duration::from_millis(200)).await;
        assert!(
            matches!(extra, Err(WsEnd::Timeout)),
            "subscriber {k}, nothing after the last: {extra:?}"
        );
    }
}

//! A WebSocket is worth no more than its token at every moment: expiry closes it (4403)
//! unless renewed in-band, logout and a disabled account close it at once (on any
//! instance), and it holds a bounded number of operations. `setAccountActive` takes an
//! account's rights away everywhere at once.

use serde_json::{Value, json};
use std::time::Duration;

use crate::harness::{PASSWORD, TEHRAN_UNIVERSITY, TestApp, WsClient, WsEnd, assert_refused};
use officer_registry::domain::Role;

const CARTABLE: &str = "subscription { cartableEvents { id kind } }";
const ME: &str = "query { me { userCode role } }";
const REFRESH: &str =
    "mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken expiresAt } }";
const SET_ACTIVE: &str = "mutation($u: String!, $a: Boolean!) { setAccountActive(userCode: $u, active: $a) { userCode role active } }";

/// Signs in `code`: (access token, refresh token, expiry).
async fn sign_in(app: &TestApp, code: &str) -> (String, String, chrono::DateTime<chrono::Utc>) {
    let login = app.login(code, PASSWORD).await;
    let l = &login["data"]["login"];
    assert!(l.is_object(), "{login}");
    (
        l["accessToken"].as_str().unwrap().to_string(),
        l["refreshToken"].as_str().unwrap().to_string(),
        l["expiresAt"].as_str().unwrap().parse().unwrap(),
    )
}

/// Runs `query` as operation `id` on the socket: its one result.
async fn run(ws: &mut WsClient, id: &str, query: &str) -> Value {
    ws.subscribe(id, query, json!({})).await;
    let msg = ws.next_message(Duration::from_secs(10)).await.unwrap();
    assert_eq!(msg["id"], id, "{msg}");
    if msg["type"] == "next" {
        let done = ws.next_message(Duration::from_secs(10)).await.unwrap();
        assert_eq!(done, json!({ "type": "complete", "id": id }));
        msg["payload"].clone()
    } else {
        assert_eq!(msg["type"], "error", "{msg}");
        json!({ "errors": msg["payload"] })
    }
}

/// The close frame the socket ends with (other messages are skipped).
async fn closed(ws: &mut WsClient, within: Duration) -> (u16, String) {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match ws.next_message(left).await {
            Ok(_) => continue,
            Err(WsEnd::Closed(code, reason)) => return (code, reason),
            Err(WsEnd::Timeout) => panic!("the socket is still open"),
        }
    }
}

async fn sleep_until(at: chrono::DateTime<chrono::Utc>) {
    let left = (at - chrono::Utc::now()).to_std().unwrap_or_default();
    tokio::time::sleep(left).await;
}

#[tokio::test]
async fn an_expired_token_closes_the_socket_with_4403() {
    let app = TestApp::spawn_with(|c| c.access_token_ttl_secs = 3).await;
    let code = app.create_user(Role::Officer).await;
    let (token, _, expires) = sign_in(&app, &code).await;
    let mut ws = app.ws(Some(&token)).await.unwrap();
    let me = run(&mut ws, "1", ME).await;
    assert_eq!(me["data"]["me"]["userCode"], code.as_str(), "{me}");
    ws.subscribe("2", CARTABLE, json!({})).await;
    let (code, reason) = closed(&mut ws, Duration::from_secs(15)).await;
    assert_eq!(code, 4403, "{reason}");
    assert!(reason.contains("expired"), "{reason}");
    assert!(
        chrono::Utc::now() >= expires,
        "closed before the token expired"
    );
}

#[tokio::test]
async fn a_token_renewed_in_band_keeps_the_socket_open() {
    let app = TestApp::spawn_with(|c| c.access_token_ttl_secs = 4).await;
    let code = app.create_user(Role::UniversityReviewer).await;
    let (token, refresh, first_expiry) = sign_in(&app, &code).await;
    let mut ws = app.ws(Some(&token)).await.unwrap();
    ws.subscribe("live", CARTABLE, json!({})).await;

    // A token of another user is refused; the socket keeps its own.
    let other = app.login_as(Role::Officer).await;
    ws.send_json(
        json!({ "type": "ping", "payload": { "Authorization": format!("Bearer {other}") } }),
    )
    .await;
    let pong = ws.next_message(Duration::from_secs(5)).await.unwrap();
    assert_eq!(pong["type"], "pong", "{pong}");
    assert_eq!(pong["payload"]["renewed"], false, "{pong}");

    // Two seconds on, a refreshed token renews the socket in-band.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let r = app.gql(REFRESH, json!({ "t": refresh })).await;
    let renewed = r["data"]["refreshSession"]["accessToken"].as_str().unwrap();
    ws.send_json(
        json!({ "type": "ping", "payload": { "Authorization": format!("Bearer {renewed}") } }),
    )
    .await;
    let pong = ws.next_message(Duration::from_secs(5)).await.unwrap();
    assert_eq!(pong["type"], "pong", "{pong}");
    assert_eq!(pong["payload"]["renewed"], true, "{pong}");
    let second_expiry: chrono::DateTime<chrono::Utc> = pong["payload"]["expiresAt"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(second_expiry > first_expiry, "{pong}");

    // Past the first token's expiry the socket still works.
    sleep_until(first_expiry + chrono::Duration::milliseconds(300)).await;
    let me = run(&mut ws, "me", ME).await;
    assert_eq!(me["data"]["me"]["userCode"], code.as_str(), "{me}");

    // And it closes when the renewed token expires.
    let (code, reason) = closed(&mut ws, Duration::from_secs(15)).await;
    assert_eq!(code, 4403, "{reason}");
    assert!(chrono::Utc::now() >= second_expiry);
}

#[tokio::test]
async fn logout_closes_the_open_sockets_of_the_session_at_once() {
    let app = TestApp::spawn().await;
    let code = app.create_user(Role::Officer).await;
    let (token, refresh, _) = sign_in(&app, &code).await;
    // Another session of the same user stays open.
    let (other_token, _, _) = sign_in(&app, &code).await;
    let mut ws = app.ws(Some(&token)).await.unwrap();
    ws.subscribe("1", CARTABLE, json!({})).await;
    let mut other = app.ws(Some(&other_token)).await.unwrap();
    other.subscribe("1", CARTABLE, json!({})).await;
    let out = app
        .gql(
            "mutation($t: String!) { logout(refreshToken: $t) }",
            json!({ "t": refresh }),
        )
        .await;
    assert_eq!(out["data"]["logout"], true, "{out}");
    let (code, reason) = closed(&mut ws, Duration::from_secs(10)).await;
    assert_eq!(code, 4403, "{reason}");
    // Over HTTP, the access token of the ended session is refused at once too.
    assert_refused(&app.gql_as(&token, ME, json!({})).await, "UNAUTHENTICATED");
    // The other session is untouched.
    let me = run(&mut other, "2", ME).await;
    assert!(me["errors"].is_null(), "{me}");
    assert!(other.silent_for(Duration::from_millis(300)).await);
}

#[tokio::test]
async fn a_disabled_account_loses_its_rights_everywhere_at_once() {
    let app = TestApp::spawn().await;
    let second = app.second_instance().await;
    let admin = app.login_as(Role::DirectorateAdmin).await;
    let code = app.create_user(Role::UniversityReviewer).await;
    let (token, refresh, _) = sign_in(&app, &code).await;
    let mut here = app.ws(Some(&token)).await.unwrap();
    here.subscribe("1", CARTABLE, json!({})).await;
    let mut there = second.ws(Some(&token)).await.unwrap();
    there.subscribe("1", CARTABLE, json!({})).await;

    // Only an admin may; an unknown code is NOT_FOUND; an admin cannot disable itself.
    for role in [Role::Officer, Role::Distributor, Role::UniversityReviewer] {
        let t = app.login_as(role).await;
        let r = app
            .gql_as(&t, SET_ACTIVE, json!({ "u": code, "a": false }))
            .await;
        assert_refused(&r, "FORBIDDEN");
    }
    assert_refused(
        &app.gql(SET_ACTIVE, json!({ "u": code, "a": false })).await,
        "UNAUTHENTICATED",
    );
    assert_refused(
        &app.gql_as(
            &admin,
            SET_ACTIVE,
            json!({ "u": "no-such-user", "a": false }),
        )
        .await,
        "NOT_FOUND",
    );
    let own = app.gql_as(&admin, "{ me { userCode } }", json!({})).await;
    let own = own["data"]["me"]["userCode"].as_str().unwrap().to_string();
    assert_refused(
        &app.gql_as(&admin, SET_ACTIVE, json!({ "u": own, "a": false }))
            .await,
        "INVALID_STATE",
    );
    // Nothing so far touched the reviewer.
    assert!(app.gql_as(&token, ME, json!({})).await["errors"].is_null());

    let r = app
        .gql_as(&admin, SET_ACTIVE, json!({ "u": code, "a": false }))
        .await;
    assert_eq!(
        r["data"]["setAccountActive"],
        json!({ "userCode": code, "role": "UNIVERSITY_REVIEWER", "active": false }),
        "{r}"
    );
    // Sockets on both instances close; HTTP, refresh and login are refused.
    let (c1, why) = closed(&mut here, Duration::from_secs(10)).await;
    assert_eq!(c1, 4403, "{why}");
    let (c2, why) = closed(&mut there, Duration::from_secs(10)).await;
    assert_eq!(c2, 4403, "{why}");
    assert_refused(&app.gql_as(&token, ME, json!({})).await, "UNAUTHENTICATED");
    assert_refused(
        &second.gql_as(&token, ME, json!({})).await,
        "UNAUTHENTICATED",
    );
    assert_refused(
        &app.gql(REFRESH, json!({ "t": refresh })).await,
        "UNAUTHENTICATED",
    );
    assert_refused(&app.login(&code, PASSWORD).await, "UNAUTHENTICATED");
    assert!(matches!(
        app.ws(Some(&token)).await,
        Err(WsEnd::Closed(4403, _))
    ));

    // In the event log, with who did it.
    let logged = app
        .count(&format!(
            "SELECT count(*) AS n FROM events e JOIN users u ON u.id::text = e.entity_id \
             WHERE e.action = 'SET_ACCOUNT_ACTIVE' AND u.user_code = '{code}' \
             AND e.actor_role = 'DIRECTORATE_ADMIN' AND e.data->>'active' = 'false'"
        ))
        .await;
    assert_eq!(logged, 1);

    // Enabled again: a new login works (the old sessions stay revoked).
    let r = app
        .gql_as(&admin, SET_ACTIVE, json!({ "u": code, "a": true }))
        .await;
    assert_eq!(r["data"]["setAccountActive"]["active"], true, "{r}");
    assert_refused(
        &app.gql(REFRESH, json!({ "t": refresh })).await,
        "UNAUTHENTICATED",
    );
    let (fresh, _, _) = sign_in(&app, &code).await;
    assert!(app.gql_as(&fresh, ME, json!({})).await["errors"].is_null());
}

#[tokio::test]
async fn a_socket_holds_a_bounded_number_of_operations() {
    let app = TestApp::spawn_with(|c| c.ws_max_operations = 2).await;
    let token = app.login_as(Role::DirectorateAdmin).await;
    let mut ws = app.ws(Some(&token)).await.unwrap();
    ws.subscribe("a", CARTABLE, json!({})).await;
    ws.subscribe("b", CARTABLE, json!({})).await;
    ws.subscribe("c", CARTABLE, json!({})).await;
    let refused = ws.next_message(Duration::from_secs(5)).await.unwrap();
    assert_eq!(refused["id"], "c", "{refused}");
    let code = refused["payload"][0]["extensions"]["code"]
        .as_str()
        .or_else(|| refused["payload"]["errors"][0]["extensions"]["code"].as_str());
    assert_eq!(code, Some("RATE_LIMITED"), "{refused}");
    let done = ws.next_message(Duration::from_secs(5)).await.unwrap();
    assert_eq!(done, json!({ "type": "complete", "id": "c" }));
    // Completing one frees its place.
    ws.send_json(json!({ "id": "a", "type": "complete" })).await;
    let done = ws.next_message(Duration::from_secs(5)).await.unwrap();
    assert_eq!(done, json!({ "type": "complete", "id": "a" }));
    let me = run(&mut ws, "d", ME).await;
    assert!(me["errors"].is_null(), "{me}");
}

#[tokio::test]
async fn the_channels_of_gone_subscribers_are_freed() {
    let app = TestApp::spawn().await;
    let officer = app.register_officer().await;
    let reviewer = app.reviewer_of(TEHRAN_UNIVERSITY).await;
    let distributor = app.login_as(Role::Distributor).await;
    assert_eq!(app.app.hub.open_channels(), 0);
    let mut sockets = Vec::new();
    for token in [&officer.token, &reviewer, &distributor] {
        let mut ws = app.ws(Some(token)).await.unwrap();
        ws.subscribe("1", CARTABLE, json!({})).await;
        sockets.push(ws);
    }
    let mut open = 0;
    for _ in 0..100 {
        open = app.app.hub.open_channels();
        if open >= 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // An officer's channel and province, a university's, a distributor's.
    assert_eq!(open, 4);
    drop(sockets);
    for _ in 0..100 {
        open = app.app.hub.open_channels();
        if open == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(open, 0, "channels of closed sockets are still held");
}

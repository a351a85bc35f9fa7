//! Callers kept between requests (issue 16): a session's second request reads no account,
//! and whatever changes the account, its sessions or its officer is seen at once — on the
//! instance that made the change and, through `account_changes`, on every other.

use officer_registry::domain::Role;
use serde_json::json;
use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::harness::*;

const ME: &str = "{ me { userCode active officer { phone } } }";
const SET_ACTIVE: &str =
    "mutation($u: String!, $a: Boolean!) { setAccountActive(userCode: $u, active: $a) { active } }";

/// Statements of one request.
async fn cost(app: &TestApp, token: &str, query: &str) -> (u64, serde_json::Value) {
    let before = app.app.queries.load(Ordering::SeqCst);
    let resp = app.gql_as(token, query, json!({})).await;
    (app.app.queries.load(Ordering::SeqCst) - before, resp)
}

/// Asks `query` on `app` until `done` holds of the answer (the other instance hears of the
/// change through the database; bounded).
async fn until(
    app: &TestApp,
    token: &str,
    query: &str,
    done: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let mut last = json!(null);
    for _ in 0..100 {
        last = app.gql_as(token, query, json!({})).await;
        if done(&last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never changed: {last}");
}

#[tokio::test]
async fn a_kept_caller_costs_nothing_and_changes_reach_every_instance() {
    let here = TestApp::spawn().await;
    let there = here.second_instance().await;
    let admin = here.login_as(Role::DirectorateAdmin).await;
    let o = here.register_officer().await;

    // The first request of the session reads the account; the next ones do not.
    let (first, resp) = cost(&there, &o.token, ME).await;
    assert!(resp["errors"].is_null(), "{resp}");
    let (second, _) = cost(&there, &o.token, ME).await;
    assert_eq!(first, 1, "the account, with its officer, in one statement");
    assert_eq!(second, 0, "the caller was kept");

    // The officer changes its profile on one instance: both show it.
    let r = here
        .gql_as(
            &o.token,
            "mutation { updateGeneralInfo(input: { phone: \"02188776655\" }) { phone } }",
            json!({}),
        )
        .await;
    assert!(r["errors"].is_null(), "{r}");
    let mine = here.gql_as(&o.token, ME, json!({})).await;
    assert_eq!(
        mine["data"]["me"]["officer"]["phone"], "02188776655",
        "at once where written"
    );
    until(&there, &o.token, ME, |r| {
        r["data"]["me"]["officer"]["phone"] == "02188776655"
    })
    .await;

    // The admin disables the account on one instance: refused on both.
    let code = o.user_code.clone();
    let r = here
        .gql_as(&admin, SET_ACTIVE, json!({ "u": code, "a": false }))
        .await;
    assert_eq!(r["data"]["setAccountActive"]["active"], false, "{r}");
    assert_refused(
        &here.gql_as(&o.token, ME, json!({})).await,
        "UNAUTHENTICATED",
    );
    let r = until(&there, &o.token, ME, |r| r["errors"].is_array()).await;
    assert_refused(&r, "UNAUTHENTICATED");
}

#[tokio::test]
async fn logout_ends_a_kept_session_on_every_instance() {
    let here = TestApp::spawn().await;
    let there = here.second_instance().await;
    let code = here.create_user(Role::UniversityReviewer).await;
    let login = here.login(&code, PASSWORD).await;
    let token = login["data"]["login"]["accessToken"]
        .as_str()
        .expect("token")
        .to_string();
    let refresh = login["data"]["login"]["refreshToken"]
        .as_str()
        .expect("refresh")
        .to_string();
    for app in [&here, &there] {
        assert!(app.gql_as(&token, ME, json!({})).await["errors"].is_null());
        assert_eq!(cost(app, &token, ME).await.0, 0, "kept");
    }
    let r = here
        .gql(
            "mutation($t: String!) { logout(refreshToken: $t) }",
            json!({ "t": refresh }),
        )
        .await;
    assert!(r["errors"].is_null(), "{r}");
    assert_refused(&here.gql_as(&token, ME, json!({})).await, "UNAUTHENTICATED");
    let r = until(&there, &token, ME, |r| r["errors"].is_array()).await;
    assert_refused(&r, "UNAUTHENTICATED");
}

#[tokio::test]
async fn with_no_keeping_every_request_reads_the_account() {
    let app = TestApp::spawn_with(|c| c.caller_cache_secs = 0).await;
    let token = app.login_as(Role::DirectorateAdmin).await;
    for _ in 0..3 {
        assert_eq!(cost(&app, &token, ME).await.0, 1);
    }
}

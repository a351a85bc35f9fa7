//! Review-fee payments against the gateway simulator, through HTTP as a browser and the bank
//! would drive them (R9).

use crate::harness::*;
use officer_registry::domain::Role;
use serde_json::{Value, json};
use std::time::Duration;

const START_PAYMENT: &str = "mutation($id: ID!) { startPayment(requestId: $id) { redirectUrl payment { id status amountRials referenceId paidAt } } }";
const TRACK: &str = "query($id: ID!) { qualificationRequest(id: $id) { status feeRials payment { id status amountRials referenceId paidAt paidAtJalali cardPan } } }";
const PAYMENT: &str = "query($id: ID!) { payment(id: $id) { id status amountRials referenceId paidAt paidAtJalali failureReason } }";

/// An officer with a request approved and awaiting payment.
async fn awaiting_payment(app: &TestApp) -> (TestOfficer, String) {
    let o = app.register_officer().await;
    let reviewer = app.reviewer_of(TEHRAN_UNIVERSITY).await;
    let id = crate::qualification::submitted_request(app, &o, TEHRAN_CITY).await;
    app.gql_as(
        &reviewer,
        "mutation($id: ID!) { claimQualificationRequest(id: $id) { id } }",
        json!({ "id": id }),
    )
    .await;
    let r = app
        .gql_as(
            &reviewer,
            "mutation($id: ID!) { approveQualificationRequest(id: $id) { status } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        r["data"]["approveQualificationRequest"]["status"], "AWAITING_PAYMENT",
        "{r}"
    );
    (o, id)
}

async fn start_payment(app: &TestApp, o: &TestOfficer, id: &str) -> Value {
    app.gql_as(&o.token, START_PAYMENT, json!({ "id": id }))
        .await
}

fn location(resp: &reqwest::Response) -> String {
    resp.headers()["location"].to_str().unwrap().to_string()
}

/// Presses "pay" (or "cancel") on the simulator's page; returns the callback URL the
/// browser is sent to, without following it.
async fn press(app: &TestApp, redirect_url: &str, button: &str) -> String {
    let page = app.client.get(redirect_url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains(&format!("id=\"{button}\"")), "{html}");
    let resp = app
        .client
        .post(format!("{redirect_url}/{button}"))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_redirection(), "{}", resp.status());
    location(&resp)
}

/// Follows the bank's redirect to our callback; returns where we send the browser.
async fn callback(app: &TestApp, url: &str) -> String {
    let resp = app.client.get(url).send().await.unwrap();
    assert!(resp.status().is_redirection(), "{}", resp.status());
    location(&resp)
}

async fn control(app: &TestApp, body: Value) {
    let r = app
        .client
        .post(app.url("/_simulator/zarinpal/control"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

/// Pays the fee of a request awaiting payment, as the officer's browser and the bank would:
/// `startPayment`, "pay" at the simulator, the bank's redirect to our callback. Returns where
/// the browser lands (`status=PAID` expected).
pub async fn pay(app: &TestApp, o: &TestOfficer, request_id: &str) -> String {
    let resp = start_payment(app, o, request_id).await;
    let redirect = resp["data"]["startPayment"]["redirectUrl"]
        .as_str()
        .unwrap_or_else(|| panic!("{resp}"))
        .to_string();
    let to_callback = press(app, &redirect, "pay").await;
    let landing = callback(app, &to_callback).await;
    assert!(landing.contains("status=PAID"), "{landing}");
    landing
}

async fn count(app: &TestApp, sql: &str) -> usize {
    app.sql(sql).await.unwrap()
}

#[tokio::test]
async fn the_happy_path_from_approval_to_a_qualified_officer() {
    let app = TestApp::spawn().await;
    let (o, id) = awaiting_payment(&app).await;
    let resp = start_payment(&app, &o, &id).await;
    let session = &resp["data"]["startPayment"];
    assert_eq!(session["payment"]["status"], "PENDING", "{resp}");
    assert_eq!(session["payment"]["amountRials"], 5_000_000);
    let redirect = session["redirectUrl"].as_str().unwrap();
    assert!(
        redirect.starts_with(&app.url("/_simulator/zarinpal/pg/StartPay/A")),
        "{redirect}"
    );

    // The officer's cartable will show the payment and the completion live: from the
    // last event so far (the attempt's start, whose notification may still be on its way
    // to this instance's listener, is not part of what follows).
    let last = app.count("SELECT max(id)::bigint AS n FROM events").await;
    let mut ws = app.ws(Some(&o.token)).await.unwrap();
    ws.subscribe(
        "1",
        "subscription($after: ID) { cartableEvents(afterEventId: $after) { kind payment { status } } }",
        json!({ "after": last.to_string() }),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    let back = press(&app, redirect, "pay").await;
    assert!(
        back.starts_with(&app.url("/payments/zarinpal/callback?Authority=")),
        "{back}"
    );
    assert!(back.ends_with("&Status=OK"));
    let result = callback(&app, &back).await;
    assert!(result.contains("status=PAID"), "{result}");
    let page = app
        .client
        .get(&result)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("پرداخت موفق"));
    let mut kinds = Vec::new();
    for _ in 0..3 {
        let e = ws.next_event().await;
        kinds.push(
            e["data"]["cartableEvents"]["kind"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    assert_eq!(
        kinds,
        [
            "PAYMENT_PAID",
            "OFFICER_QUALIFIED",
            "QUALIFICATION_REQUEST_COMPLETE"
        ]
    );

    let track = app.gql_as(&o.token, TRACK, json!({ "id": id })).await;
    let r = &track["data"]["qualificationRequest"];
    assert_eq!(r["status"], "COMPLETED", "{track}");
    assert_eq!(r["payment"]["status"], "PAID");
    assert_eq!(r["payment"]["amountRials"], 5_000_000);
    assert!(r["payment"]["referenceId"].as_str().unwrap().len() >= 6);
    assert!(
        r["payment"]["paidAtJalali"]
            .as_str()
            .unwrap()
            .starts_with("14")
    );
    assert_eq!(r["payment"]["cardPan"], "502229******5995");
    let me = app
        .gql_as(
            &o.token,
            "{ me { officer { qualificationStatus } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        me["data"]["me"]["officer"]["qualificationStatus"],
        "QUALIFIED"
    );
    // The receipt, by id; no second payment of a completed request.
    let pid = r["payment"]["id"].clone();
    let receipt = app.gql_as(&o.token, PAYMENT, json!({ "id": pid })).await;
    assert_eq!(receipt["data"]["payment"]["status"], "PAID");
    assert_refused(&start_payment(&app, &o, &id).await, "INVALID_STATE");
}

#[tokio::test]
async fn one_active_attempt_per_request() {
    let app = TestApp::spawn().await;
    let (o, id) = awaiting_payment(&app).await;
    let first = start_payment(&app, &o, &id).await;
    let again = start_payment(&app, &o, &id).await;
    assert_eq!(
        first["data"]["startPayment"]["payment"]["id"],
        again["data"]["startPayment"]["payment"]["id"]
    );
    assert_eq!(
        first["data"]["startPayment"]["redirectUrl"],
        again["data"]["startPayment"]["redirectUrl"]
    );
    // Several at once: still one attempt.
    let all = futures_util::future::join_all((0..5).map(|_| start_payment(&app, &o, &id))).await;
    for r in &all {
        assert_eq!(
            r["data"]["startPayment"]["payment"]["id"],
            first["data"]["startPayment"]["payment"]["id"],
            "{r}"
        );
    }
    assert_eq!(count(&app, "SELECT 1 FROM payments").await, 1);
}

#[tokio::test]
async fn an_expired_attempt_is_replaced() {
    let app = TestApp::spawn_with(|c| c.payment_attempt_ttl_secs = 1).await;
    let (o, id) = awaiting_payment(&app).await;
    let first = start_payment(&app, &o, &id).await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let second = start_payment(&app, &o, &id).await;
    assert_ne!(
        first["data"]["startPayment"]["payment"]["id"],
        second["data"]["startPayment"]["payment"]["id"]
    );
    let old = app
        .gql_as(
            &o.token,
            PAYMENT,
            json!({ "id": first["data"]["startPayment"]["payment"]["id"] }),
        )
        .await;
    assert_eq!(old["data"]["payment"]["status"], "EXPIRED");
}

#[tokio::test]
async fn the_same_callback_twenty_times_at_once_pays_once() {
    let app = TestApp::spawn().await;
    let (o, id) = awaiting_payment(&app).await;
    let resp = start_payment(&app, &o, &id).await;
    let back = press(
        &app,
        resp["data"]["startPayment"]["redirectUrl"]
            .as_str()
            .unwrap(),
        "pay",
    )
    .await;
    let results = futures_util::future::join_all((0..20).map(|_| callback(&app, &back))).await;
    for r in &results {
        assert!(r.contains("status=PAID"), "{r}");
    }
    assert_eq!(
        count(&app, "SELECT 1 FROM payments WHERE status = 'PAID'").await,
        1
    );
    assert_eq!(
        count(&app, "SELECT 1 FROM events WHERE action = 'COMPLETE'").await,
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT 1 FROM events WHERE entity_type = 'payment' AND action = 'PAID'"
        )
        .await,
        1
    );
    assert_eq!(
        count(&app, "SELECT 1 FROM events WHERE action = 'QUALIFIED'").await,
        1
    );

    // Replayed much later (the attempt a day old): still a no-op.
    app.sql("UPDATE payments SET created_at = created_at - interval '1 day', paid_at = paid_at - interval '1 day'").await.unwrap();
    assert!(callback(&app, &back).await.contains("status=PAID"));
    assert_eq!(
        count(&app, "SELECT 1 FROM events WHERE action = 'COMPLETE'").await,
        1
    );
}

#[tokio::test]
async fn status_ok_but_unpaid_at_the_bank_is_not_trusted() {
    let app = TestApp::spawn().await;
    let (o, id) = awaiting_payment(&app).await;
    let resp = start_payment(&app, &o, &id).await;
    let redirect = resp["data"]["startPayment"]["redirectUrl"]
        .as_str()
        .unwrap();
    let authority = redirect.rsplit('/').next().unwrap();
    // The browser claims success without paying.
    let forged = app.url(&format!(
        "/payments/zarinpal/callback?Authority={authority}&Status=OK"
    ));
    assert!(callback(&app, &forged).await.contains("status=FAILED"));
    let track = app.gql_as(&o.token, TRACK, json!({ "id": id })).await;
    assert_eq!(
        track["data"]["qualificationRequest"]["status"],
        "AWAITING_PAYMENT"
    );
    assert_eq!(
        track["data"]["qualificationRequest"]["payment"]["status"],
        "FAILED"
    );
    // The officer tries again: a new attempt, which succeeds.
    let again = start_payment(&app, &o, &id).await;
    assert_ne!(
        again["data"]["startPayment"]["payment"]["id"],
        resp["data"]["startPayment"]["payment"]["id"]
    );
    let back = press(
        &app,
        again["data"]["startPayment"]["redirectUrl"]
            .as_str()
            .unwrap(),
        "pay",
    )
    .await;
    assert!(callback(&app, &back).await.contains("status=PAID"));
}

#[tokio::test]
async fn verify_says_unpaid_even_after_the_pay_button() {
    let app = TestApp::spawn().await;
    let (o, id) = awaiting_payment(&app).await;
    let resp = start_payment(&app, &o, &id).await;
    let back = press(
        &app,
        resp["data"]["startPayment"]["redirectUrl"]
            .as_str()
            .unwrap(),
        "pay",
    )
    .await;
    control(&app, json!({ "verify": "unpaid" })).await;
    assert!(callback(&app, &back).await.contains("status=FAILED"));
    let track = app.gql_as(&o.token, TRACK, json!({ "id": id })).await;
    assert_eq!(
        track["data"]["qualificationRequest"]["status"],
        "AWAITING_PAYMENT"
    );
}

#[tokio::test]
async fn an_amount_mismatch_is_not_paid() {
    let app = TestApp::spawn().await;
    let (o, id) = awaiting_payment(&app).await;
    let resp = start_payment(&app, &o, &id).await;
    let back = press(
        &app,
        resp["data"]["startPayment"]["redirectUrl"]
            .as_str()
            .unwrap(),
        "pay",
    )
    .await;
    // Our records say another amount than the bank was asked for.
    app.sql("UPDATE payments SET amount_rials = 10000")
        .await
        .unwrap();
    assert!(callback(&app, &back).await.contains("status=FAILED"));
    let p = app
        .gql_as(
            &o.token,
            PAYMENT,
            json!({ "id": resp["data"]["startPayment"]["payment"]["id"] }),
        )
        .await;
    assert_eq!(p["data"]["payment"]["status"], "FAILED");
    assert!(
        p["data"]["payment"]["failureReason"]
            .as_str()
            .unwrap()
            .contains("-50"),
        "{p}"
    );
    assert_eq!(
        count(&app, "SELECT 1 FROM events WHERE action = 'COMPLETE'").await,
        0
    );
}

#[tokio::test]
async fn a_forged_authority_changes_nothing() {
    let app = TestApp::spawn().await;
    let (o, id) = awaiting_payment(&app).await;
    start_payment(&app, &o, &id).await;
    let forged = app.url(
        "/payments/zarinpal/callback?Authority=A000000000000000000000000000000000001&Status=OK",
    );
    assert!(callback(&app, &forged).await.contains("status=FAILED"));
    let missing = app.url("/payments/zarinpal/callback?Status=OK");
    assert!(callback(&app, &missing).await.contains("status=FAILED"));
    assert_eq!(
        count(&app, "SELECT 1 FROM payments WHERE status = 'PENDING'").await,
        1
    );
}

/// Found by the fuzz test: an authority with a NUL reached PostgreSQL ("invalid byte
/// sequence") and the callback answered as for an internal error (PENDING).
#[tokio::test]
async fn an_authority_with_control_characters_is_refused_before_the_database() {
    let app = TestApp::spawn().await;
    for authority in ["%00", "A0000%00", "A%0A1", "A%7F", "%E2%80%AE"] {
        let url = app.url(&format!(
            "/payments/zarinpal/callback?Authority={authority}&Status=OK"
        ));
        let to = callback(&app, &url).await;
        assert!(
            to.contains("status=FAILED") && to.contains("reason=missing-authority"),
            "{authority}: {to}"
        );
    }
}

#[tokio::test]
async fn a_gateway_down_or_slow_at_request_time_fails_cleanly_and_retry_works() {
    let app = TestApp::spawn_with(|c| c.payment_gateway_timeout_ms = 1_000).await;
    let (o, id) = awaiting_payment(&app).await;
    control(&app, json!({ "request": "down" })).await;
    let r = start_payment(&app, &o, &id).await;
    assert_refused(&r, "PAYMENT_FAILED");
    control(&app, json!({ "request": "slow", "slowMs": 2500 })).await;
    let r = start_payment(&app, &o, &id).await;
    assert_refused(&r, "PAYMENT_FAILED");
    assert_eq!(
        count(&app, "SELECT 1 FROM payments").await,
        0,
        "nothing recorded"
    );
    control(&app, json!({ "request": "ok" })).await;
    let r = start_payment(&app, &o, &id).await;
    assert_eq!(
        r["data"]["startPayment"]["payment"]["status"], "PENDING",
        "{r}"
    );
}

#[tokio::test]
async fn a_gateway_down_or_slow_at_verify_time_leaves_the_attempt_pending_until_retried() {
    let app = TestApp::spawn_with(|c| c.payment_gateway_timeout_ms = 1_000).await;
    let (o, id) = awaiting_payment(&app).await;
    let resp = start_payment(&app, &o, &id).await;
    let back = press(
        &app,
        resp["data"]["startPayment"]["redirectUrl"]
            .as_str()
            .unwrap(),
        "pay",
    )
    .await;
    for mode in [
        json!({ "verify": "down" }),
        json!({ "verify": "slow", "slowMs": 2500 }),
    ] {
        control(&app, mode).await;
        assert!(callback(&app, &back).await.contains("status=PENDING"));
        let track = app.gql_as(&o.token, TRACK, json!({ "id": id })).await;
        assert_eq!(
            track["data"]["qualificationRequest"]["payment"]["status"],
            "PENDING"
        );
        assert_eq!(
            track["data"]["qualificationRequest"]["status"],
            "AWAITING_PAYMENT"
        );
    }
    control(&app, json!({ "verify": "ok" })).await;
    assert!(callback(&app, &back).await.contains("status=PAID"));
}

#[tokio::test]
async fn an_officer_who_never_returns_is_reconciled() {
    let app = TestApp::spawn_with(|c| {
        c.payment_reconcile_after_secs = 1;
        c.payment_reconcile_every_secs = 1;
    })
    .await;
    // One paid at the bank but never back; one never paid.
    let (a, ra) = awaiting_payment(&app).await;
    let (b, rb) = awaiting_payment(&app).await;
    let pa = start_payment(&app, &a, &ra).await;
    press(
        &app,
        pa["data"]["startPayment"]["redirectUrl"].as_str().unwrap(),
        "pay",
    )
    .await;
    let pb = start_payment(&app, &b, &rb).await;
    let mut settled = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let ta = app.gql_as(&a.token, TRACK, json!({ "id": ra })).await;
        let tb = app
            .gql_as(
                &b.token,
                PAYMENT,
                json!({ "id": pb["data"]["startPayment"]["payment"]["id"] }),
            )
            .await;
        if ta["data"]["qualificationRequest"]["status"] == "COMPLETED"
            && tb["data"]["payment"]["status"] == "EXPIRED"
        {
            settled = true;
            break;
        }
    }
    assert!(settled, "reconciliation paid one and expired the other");
    let tb = app.gql_as(&b.token, TRACK, json!({ "id": rb })).await;
    assert_eq!(
        tb["data"]["qualificationRequest"]["status"],
        "AWAITING_PAYMENT"
    );
}

#[tokio::test]
async fn cancelling_at_the_gateway_fails_the_attempt_and_allows_another() {
    let app = TestApp::spawn().await;
    let (o, id) = awaiting_payment(&app).await;
    let resp = start_payment(&app, &o, &id).await;
    let back = press(
        &app,
        resp["data"]["startPayment"]["redirectUrl"]
            .as_str()
            .unwrap(),
        "cancel",
    )
    .await;
    assert!(back.ends_with("&Status=NOK"));
    assert!(callback(&app, &back).await.contains("status=FAILED"));
    let again = start_payment(&app, &o, &id).await;
    assert_eq!(
        again["data"]["startPayment"]["payment"]["status"],
        "PENDING"
    );
}

#[tokio::test]
async fn who_may_pay_and_see_payments() {
    let app = TestApp::spawn().await;
    let (o, id) = awaiting_payment(&app).await;
    let other = app.register_officer().await;
    assert_refused(&start_payment(&app, &other, &id).await, "NOT_FOUND");
    let reviewer = app.reviewer_of(TEHRAN_UNIVERSITY).await;
    assert_refused(
        &app.gql_as(&reviewer, START_PAYMENT, json!({ "id": id }))
            .await,
        "FORBIDDEN",
    );
    // A request that is not awaiting payment.
    let draft = app
        .gql_as(
            &other.token,
            "mutation { startQualificationRequest(kind: NEW) { id } }",
            json!({}),
        )
        .await;
    let draft_id = draft["data"]["startQualificationRequest"]["id"]
        .as_str()
        .unwrap();
    assert_refused(
        &start_payment(&app, &other, draft_id).await,
        "INVALID_STATE",
    );
    // Receipts: the officer, the university's reviewers and admins; nobody else.
    let resp = start_payment(&app, &o, &id).await;
    let pid = resp["data"]["startPayment"]["payment"]["id"].clone();
    assert!(app.gql_as(&o.token, PAYMENT, json!({ "id": pid })).await["errors"].is_null());
    assert!(app.gql_as(&reviewer, PAYMENT, json!({ "id": pid })).await["errors"].is_null());
    let admin = app.login_as(Role::DirectorateAdmin).await;
    assert!(app.gql_as(&admin, PAYMENT, json!({ "id": pid })).await["errors"].is_null());
    assert_refused(
        &app.gql_as(&other.token, PAYMENT, json!({ "id": pid }))
            .await,
        "NOT_FOUND",
    );
    let tabriz = app.reviewer_of(TABRIZ_UNIVERSITY).await;
    assert_refused(
        &app.gql_as(&tabriz, PAYMENT, json!({ "id": pid })).await,
        "NOT_FOUND",
    );
}

#[tokio::test]
async fn the_simulator_is_off_in_production_mode() {
    let app = TestApp::spawn_with(|c| c.production = true).await;
    let r = app
        .client
        .post(app.url("/_simulator/zarinpal/control"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

/// The authority of a `startPayment` answer.
fn authority_of(resp: &Value) -> String {
    resp["data"]["startPayment"]["redirectUrl"]
        .as_str()
        .unwrap_or_else(|| panic!("{resp}"))
        .rsplit('/')
        .next()
        .unwrap()
        .to_string()
}

async fn request_status(app: &TestApp, o: &TestOfficer, id: &str) -> Value {
    let track = app.gql_as(&o.token, TRACK, json!({ "id": id })).await;
    track["data"]["qualificationRequest"].clone()
}

#[tokio::test]
async fn a_nok_or_missing_status_after_paying_is_verified_and_paid() {
    let app = TestApp::spawn().await;
    for status in ["&Status=NOK", ""] {
        let (o, id) = awaiting_payment(&app).await;
        let resp = start_payment(&app, &o, &id).await;
        let back = press(
            &app,
            resp["data"]["startPayment"]["redirectUrl"]
                .as_str()
                .unwrap(),
            "pay",
        )
        .await;
        assert!(back.ends_with("&Status=OK"));
        // The bank took the money; a forged link says it did not (or says nothing).
        let forged = app.url(&format!(
            "/payments/zarinpal/callback?Authority={}{status}",
            authority_of(&resp)
        ));
        let landing = callback(&app, &forged).await;
        assert!(landing.contains("status=PAID"), "{status}: {landing}");
        let r = request_status(&app, &o, &id).await;
        assert_eq!(r["status"], "COMPLETED", "{status}: {r}");
        assert_eq!(r["payment"]["status"], "PAID");
    }
}

#[tokio::test]
async fn a_forged_nok_before_paying_does_not_lose_the_payment() {
    let app = TestApp::spawn().await;
    let (o, id) = awaiting_payment(&app).await;
    let resp = start_payment(&app, &o, &id).await;
    let forged = app.url(&format!(
        "/payments/zarinpal/callback?Authority={}&Status=NOK",
        authority_of(&resp)
    ));
    // Not paid yet: the gateway says so, and the attempt fails.
    assert!(callback(&app, &forged).await.contains("status=FAILED"));
    assert_eq!(
        request_status(&app, &o, &id).await["payment"]["status"],
        "FAILED"
    );
    // The officer, still on the bank's page, pays: the bank's callback is verified again.
    let back = press(
        &app,
        resp["data"]["startPayment"]["redirectUrl"]
            .as_str()
            .unwrap(),
        "pay",
    )
    .await;
    assert!(callback(&app, &back).await.contains("status=PAID"));
    let r = request_status(&app, &o, &id).await;
    assert_eq!(r["status"], "COMPLETED", "{r}");
    assert_eq!(r["payment"]["status"], "PAID");
    assert_eq!(
        count(&app, "SELECT 1 FROM events WHERE action = 'COMPLETE'").await,
        1
    );
}

#[tokio::test]
async fn reconciliation_verifies_failed_attempts_of_requests_awaiting_payment() {
    let app = TestApp::spawn_with(|c| {
        c.payment_reconcile_after_secs = 1;
        c.payment_reconcile_every_secs = 1;
    })
    .await;
    let (o, id) = awaiting_payment(&app).await;
    let resp = start_payment(&app, &o, &id).await;
    let forged = app.url(&format!(
        "/payments/zarinpal/callback?Authority={}&Status=NOK",
        authority_of(&resp)
    ));
    assert!(callback(&app, &forged).await.contains("status=FAILED"));
    // Paid at the bank; the browser never comes back.
    press(
        &app,
        resp["data"]["startPayment"]["redirectUrl"]
            .as_str()
            .unwrap(),
        "pay",
    )
    .await;
    let mut completed = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if request_status(&app, &o, &id).await["status"] == "COMPLETED" {
            completed = true;
            break;
        }
    }
    assert!(completed, "reconciliation found the failed attempt paid");
    assert_eq!(
        request_status(&app, &o, &id).await["payment"]["status"],
        "PAID"
    );
}

#[tokio::test]
async fn start_payment_verifies_a_stale_attempt_before_replacing_it() {
    let app = TestApp::spawn_with(|c| c.payment_attempt_ttl_secs = 1).await;
    let (o, id) = awaiting_payment(&app).await;
    let first = start_payment(&app, &o, &id).await;
    // Paid at the bank, the browser never back; the attempt's validity passes.
    press(
        &app,
        first["data"]["startPayment"]["redirectUrl"]
            .as_str()
            .unwrap(),
        "pay",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_refused(&start_payment(&app, &o, &id).await, "INVALID_STATE");
    let r = request_status(&app, &o, &id).await;
    assert_eq!(r["status"], "COMPLETED", "{r}");
    assert_eq!(r["payment"]["status"], "PAID");
    assert_eq!(count(&app, "SELECT 1 FROM payments").await, 1);
}

#[tokio::test]
async fn a_verified_payment_is_recorded_even_when_the_attempt_was_settled_meanwhile() {
    let app = TestApp::spawn().await;
    let (o, id) = awaiting_payment(&app).await;
    let resp = start_payment(&app, &o, &id).await;
    let back = press(
        &app,
        resp["data"]["startPayment"]["redirectUrl"]
            .as_str()
            .unwrap(),
        "pay",
    )
    .await;
    // The bank answers verify slowly; meanwhile the attempt is expired (as by a concurrent
    // start or reconciliation).
    control(&app, json!({ "verify": "slow", "slowMs": 1500 })).await;
    let in_flight = {
        let client = app.client.clone();
        let back = back.clone();
        tokio::spawn(async move { client.get(&back).send().await.unwrap() })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.sql("UPDATE payments SET status = 'EXPIRED', failure_reason = 'the attempt expired'")
        .await
        .unwrap();
    let landing = location(&in_flight.await.unwrap());
    assert!(landing.contains("status=PAID"), "{landing}");
    let r = request_status(&app, &o, &id).await;
    assert_eq!(r["status"], "COMPLETED", "{r}");
    assert_eq!(r["payment"]["status"], "PAID");
}

#[tokio::test]
async fn a_second_payment_verified_late_is_recorded_not_dropped() {
    let app = TestApp::spawn().await;
    let (o, id) = awaiting_payment(&app).await;
    // Attempt A fails on a forged link; attempt B is paid and completes the request.
    let a = start_payment(&app, &o, &id).await;
    let forged = app.url(&format!(
        "/payments/zarinpal/callback?Authority={}&Status=NOK",
        authority_of(&a)
    ));
    assert!(callback(&app, &forged).await.contains("status=FAILED"));
    pay(&app, &o, &id).await;
    // Then A is paid too (a second tab): the bank has the money, so it is recorded.
    let back = press(
        &app,
        a["data"]["startPayment"]["redirectUrl"].as_str().unwrap(),
        "pay",
    )
    .await;
    let landing = callback(&app, &back).await;
    assert!(landing.contains("status=PAID"), "{landing}");
    assert_eq!(
        count(&app, "SELECT 1 FROM payments WHERE status = 'PAID'").await,
        2
    );
    assert_eq!(
        count(&app, "SELECT 1 FROM events WHERE action = 'COMPLETE'").await,
        1
    );
    assert_eq!(request_status(&app, &o, &id).await["status"], "COMPLETED");
}

#[tokio::test]
async fn start_payment_holds_no_lock_or_connection_while_the_gateway_answers() {
    let app = TestApp::spawn_with(|c| {
        c.db.db_pool_size = 1;
        c.db.db_acquire_timeout_ms = 20_000;
    })
    .await;
    let (o, id) = awaiting_payment(&app).await;
    control(&app, json!({ "request": "slow", "slowMs": 3000 })).await;
    let started = {
        let client = app.client.clone();
        let url = app.url("/graphql");
        let token = o.token.clone();
        let id = id.clone();
        tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&json!({ "query": START_PAYMENT, "variables": { "id": id } }))
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        })
    };
    // Once the gateway has the request (and thinks), the request row is free and the one
    // connection of the pool serves other requests.
    loop {
        let state: Value = app
            .client
            .post(app.url("/_simulator/zarinpal/control"))
            .json(&json!({}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if state["requests"] == 1 {
            break;
        }
        assert!(!started.is_finished());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut conn = {
        use diesel_async::AsyncConnection;
        diesel_async::AsyncPgConnection::establish(&app.db.url())
            .await
            .unwrap()
    };
    let mut served_meanwhile = 0;
    while !started.is_finished() {
        use diesel_async::RunQueryDsl;
        let lock =
            format!("SELECT id FROM qualification_requests WHERE id = '{id}' FOR UPDATE NOWAIT");
        let free = diesel::sql_query(lock).execute(&mut conn).await;
        let me = app.gql_as(&o.token, "{ me { userCode } }", json!({})).await;
        if !started.is_finished() {
            assert!(free.is_ok(), "the request row is locked: {free:?}");
            assert!(me["errors"].is_null(), "{me}");
            served_meanwhile += 1;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(served_meanwhile > 0);
    let r = started.await.unwrap();
    assert_eq!(
        r["data"]["startPayment"]["payment"]["status"], "PENDING",
        "{r}"
    );
}

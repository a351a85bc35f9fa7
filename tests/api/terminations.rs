//! Terminations (C1, C2) and the SMS outbox with the Kavenegar protocol: through GraphQL,
//! the simulator's HTTP endpoints, two instances and a killed server process.

use crate::cooperation::{ACCEPT, APPROVE, propose, qualified_officer};
use crate::harness::*;
use officer_registry::domain::Role;
use serde_json::{Value, json};
use std::time::Duration;

const REQUEST: &str = "mutation($c: ID!, $r: String!) { requestTermination(contractId: $c, reason: $r) { id status reason legalNoticeFa createdAt finalizedAt contract { id active } } }";
const FINALIZE: &str = "mutation($id: ID!) { finalizeTermination(id: $id) { id status finalizedAt finalizedAtJalali contract { id active endedAt endedBy endReason } history { action toStatus actorRole } } }";
const CANCEL: &str = "mutation($id: ID!) { cancelTerminationRequest(id: $id) { status } }";
const LIST: &str = "{ terminationRequests { totalCount edges { node { id status reason contract { branch { id } } } } } }";
const OUTBOX: &str = "query($s: [SmsStatus!]) { smsOutbox(status: $s) { totalCount edges { node { id to text status attempts createdAt sentAt lastError purpose aboutEntity aboutId } } } }";

/// A distributor, an officer, and an active contract between them (through the whole
/// cooperation workflow). Returns (distributor, officer, contract id).
pub async fn contract(app: &TestApp) -> (TestDistributor, TestOfficer, String) {
    let d = app.distributor().await;
    let o = qualified_officer(app).await;
    let reviewer = app.reviewer_of(TEHRAN_UNIVERSITY).await;
    let p = propose(app, &d, &d.central_branch, &o.national_code).await;
    let id = p["data"]["proposeTechnicalOfficer"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{p}"))
        .to_string();
    app.gql_as(&o.token, ACCEPT, json!({ "id": id })).await;
    let a = app.gql_as(&reviewer, APPROVE, json!({ "id": id })).await;
    assert!(a["errors"].is_null(), "{a}");
    let c = app
        .gql_as(
            &o.token,
            "{ contracts(active: true) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let contract = c["data"]["contracts"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{c}"))
        .to_string();
    (d, o, contract)
}

async fn draft(app: &TestApp, o: &TestOfficer, contract: &str) -> String {
    let r = app
        .gql_as(
            &o.token,
            REQUEST,
            json!({ "c": contract, "r": "عدم پرداخت حقوق" }),
        )
        .await;
    r["data"]["requestTermination"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{r}"))
        .to_string()
}

/// The outbox rows about an object.
async fn sms_about(app: &TestApp, id: &str) -> i64 {
    app.count(&format!(
        "SELECT count(*)::bigint AS n FROM sms_outbox WHERE entity_id = '{id}'"
    ))
    .await
}

#[tokio::test]
async fn finalising_ends_the_contract_at_once_and_texts_the_management() {
    let app = TestApp::spawn_with(|c| c.sms_poll_ms = 200).await;
    let (d, o, contract) = contract(&app).await;
    let mut d_ws = app.ws(Some(&d.token)).await.unwrap();
    d_ws.subscribe(
        "1",
        "subscription { cartableEvents { kind terminationRequest { status } contract { active } } }",
        json!({}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let r = app
        .gql_as(
            &o.token,
            REQUEST,
            json!({ "c": contract, "r": "  عدم پرداخت حقوق  " }),
        )
        .await;
    let t = &r["data"]["requestTermination"];
    assert_eq!(t["status"], "DRAFT", "{r}");
    assert_eq!(t["reason"], "عدم پرداخت حقوق");
    assert!(
        t["legalNoticeFa"]
            .as_str()
            .unwrap()
            .contains("مسئولیت قانونی")
    );
    assert!(t["finalizedAt"].is_null());
    assert_eq!(t["contract"]["active"], true, "a draft changes nothing");
    let id = t["id"].as_str().unwrap().to_string();
    // The distributor does not see the officer's draft.
    let seen = app.gql_as(&d.token, LIST, json!({})).await;
    assert_eq!(
        seen["data"]["terminationRequests"]["totalCount"], 0,
        "{seen}"
    );
    assert_eq!(sms_about(&app, &id).await, 0);

    let f = app.gql_as(&o.token, FINALIZE, json!({ "id": id })).await;
    let t = &f["data"]["finalizeTermination"];
    assert_eq!(t["status"], "FINALIZED", "{f}");
    assert!(t["finalizedAt"].is_string() && t["finalizedAtJalali"].is_string());
    assert_eq!(t["contract"]["active"], false);
    assert_eq!(t["contract"]["endedBy"], "TERMINATION");
    assert_eq!(t["contract"]["endReason"], "عدم پرداخت حقوق");
    let actions: Vec<&str> = t["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["REQUEST", "FINALIZE"]);
    // The branch has no technical officer any more; the distributor sees the termination.
    let b = app
        .gql_as(
            &d.token,
            "{ branches { technicalOfficer { nationalCode } } }",
            json!({}),
        )
        .await;
    assert!(
        b["data"]["branches"][0]["technicalOfficer"].is_null(),
        "{b}"
    );
    let seen = app.gql_as(&d.token, LIST, json!({})).await;
    assert_eq!(seen["data"]["terminationRequests"]["totalCount"], 1);
    let mine = app.gql_as(&o.token, LIST, json!({})).await;
    assert_eq!(mine["data"]["terminationRequests"]["totalCount"], 1);
    let mut kinds = Vec::new();
    while kinds.len() < 2 {
        let e = d_ws.next_event().await;
        kinds.push(
            e["data"]["cartableEvents"]["kind"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    assert_eq!(
        kinds,
        ["CONTRACT_TERMINATE", "TERMINATION_REQUEST_FINALIZE"]
    );

    // The SMS to the management (the manager mobile given at createDistributor) was written
    // with the change, and the sender delivered it through the Kavenegar protocol.
    assert_eq!(sms_about(&app, &id).await, 1);
    let sent = app
        .wait_count(
            &format!("SELECT count(*)::bigint AS n FROM sms_outbox WHERE entity_id = '{id}' AND status = 'SENT'"),
            1,
        )
        .await;
    assert_eq!(sent, 1);
    let received = app.sms_received().await;
    let ours: Vec<_> = received
        .iter()
        .filter(|(_, _, text)| text.contains("قطع کرد"))
        .collect();
    assert_eq!(ours.len(), 1, "{received:?}");
    assert_eq!(ours[0].1, "09123456789");
    assert!(ours[0].2.contains("علی رضایی") && ours[0].2.contains(&d.name));
    // Admins see it in the outbox.
    let admin = app.login_as(Role::DirectorateAdmin).await;
    let outbox = app.gql_as(&admin, OUTBOX, json!({ "s": ["SENT"] })).await;
    let row = outbox["data"]["smsOutbox"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["aboutId"] == id.as_str())
        .unwrap_or_else(|| panic!("{outbox}"))
        .clone();
    assert_eq!(row["node"]["purpose"], "TERMINATION_FINALIZED");
    assert_eq!(row["node"]["attempts"], 1);
    assert!(row["node"]["sentAt"].is_string());
    assert_refused(&app.gql_as(&o.token, OUTBOX, json!({})).await, "FORBIDDEN");
}

#[tokio::test]
async fn terminations_that_cannot_be_made() {
    let app = TestApp::spawn().await;
    let (d, o, contract) = contract(&app).await;
    let stranger = qualified_officer(&app).await;
    // Someone else's contract does not exist for this officer.
    assert_refused(
        &app.gql_as(
            &stranger.token,
            REQUEST,
            json!({ "c": contract, "r": "دلیل" }),
        )
        .await,
        "NOT_FOUND",
    );
    // A reason is required.
    assert_refused(
        &app.gql_as(&o.token, REQUEST, json!({ "c": contract, "r": "   " }))
            .await,
        "VALIDATION_FAILED",
    );
    // Other roles may never terminate.
    for token in [d.token.clone(), app.reviewer_of(TEHRAN_UNIVERSITY).await] {
        assert_refused(
            &app.gql_as(&token, REQUEST, json!({ "c": contract, "r": "دلیل" }))
                .await,
            "FORBIDDEN",
        );
    }
    // One open draft per contract; a cancelled draft cannot be finalised.
    let first = draft(&app, &o, &contract).await;
    assert_refused(
        &app.gql_as(&o.token, REQUEST, json!({ "c": contract, "r": "دوباره" }))
            .await,
        "CONFLICT",
    );
    // Another officer neither finalises nor cancels it.
    assert_refused(
        &app.gql_as(&stranger.token, FINALIZE, json!({ "id": first }))
            .await,
        "NOT_FOUND",
    );
    let c = app.gql_as(&o.token, CANCEL, json!({ "id": first })).await;
    assert_eq!(
        c["data"]["cancelTerminationRequest"]["status"], "CANCELLED",
        "{c}"
    );
    assert_refused(
        &app.gql_as(&o.token, FINALIZE, json!({ "id": first })).await,
        "INVALID_STATE",
    );
    // A contract the distributor released: a draft written before cannot take effect, and
    // no new one can be written.
    let second = draft(&app, &o, &contract).await;
    let rel = app
        .gql_as(
            &d.token,
            "mutation($b: ID!) { releaseTechnicalOfficer(branchId: $b) { active } }",
            json!({ "b": d.central_branch }),
        )
        .await;
    assert_eq!(
        rel["data"]["releaseTechnicalOfficer"]["active"], false,
        "{rel}"
    );
    assert_refused(
        &app.gql_as(&o.token, FINALIZE, json!({ "id": second }))
            .await,
        "INVALID_STATE",
    );
    assert_refused(
        &app.gql_as(&o.token, REQUEST, json!({ "c": contract, "r": "دلیل" }))
            .await,
        "INVALID_STATE",
    );
    assert_eq!(sms_about(&app, &second).await, 0, "nothing was sent");
}

#[tokio::test]
async fn finalising_twice_at_once_has_one_effect_and_one_sms() {
    let app = TestApp::spawn().await;
    let (_d, o, contract) = contract(&app).await;
    let id = draft(&app, &o, &contract).await;
    let answers = futures_util::future::join_all(
        (0..4).map(|_| app.gql_as(&o.token, FINALIZE, json!({ "id": id }))),
    )
    .await;
    let finalized = answers
        .iter()
        .filter(|r| r["data"]["finalizeTermination"]["status"] == "FINALIZED")
        .count();
    assert_eq!(finalized, 1, "{answers:?}");
    for r in answers.iter().filter(|r| !r["errors"].is_null()) {
        assert_refused(r, "INVALID_STATE");
    }
    assert_eq!(sms_about(&app, &id).await, 1);
    let ended = app
        .count(&format!(
            "SELECT count(*)::bigint AS n FROM events WHERE entity_id = '{contract}' AND action = 'TERMINATE'"
        ))
        .await;
    assert_eq!(ended, 1, "the contract ended once");
    // Finalising again later: still INVALID_STATE, still one SMS.
    assert_refused(
        &app.gql_as(&o.token, FINALIZE, json!({ "id": id })).await,
        "INVALID_STATE",
    );
    assert_eq!(sms_about(&app, &id).await, 1);
}

#[tokio::test]
async fn more_sms_where_people_expect_them() {
    let app = TestApp::spawn().await;
    let o = app.register_officer().await;
    let reviewer = app.reviewer_of(TEHRAN_UNIVERSITY).await;
    let req = crate::qualification::submitted_request(&app, &o, TEHRAN_CITY).await;
    app.gql_as(
        &reviewer,
        "mutation($id: ID!) { claimQualificationRequest(id: $id) { id } }",
        json!({ "id": req }),
    )
    .await;
    app.gql_as(
        &reviewer,
        "mutation($id: ID!) { reportDeficiencies(id: $id, items: [{ field: \"cityId\", description: \"شهر\" }]) { id } }",
        json!({ "id": req }),
    )
    .await;
    app.gql_as(
        &o.token,
        "mutation($id: ID!) { resubmitQualificationRequest(id: $id) { id } }",
        json!({ "id": req }),
    )
    .await;
    app.gql_as(
        &reviewer,
        "mutation($id: ID!) { approveQualificationRequest(id: $id) { id } }",
        json!({ "id": req }),
    )
    .await;
    crate::payments::pay(&app, &o, &req).await;
    let d = app.distributor().await;
    let p = propose(&app, &d, &d.central_branch, &o.national_code).await;
    let coop = p["data"]["proposeTechnicalOfficer"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.gql_as(
        &o.token,
        "mutation($id: ID!) { declineCooperationRequest(id: $id) { id } }",
        json!({ "id": coop }),
    )
    .await;
    let p = propose(&app, &d, &d.central_branch, &o.national_code).await;
    let coop2 = p["data"]["proposeTechnicalOfficer"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.gql_as(&o.token, ACCEPT, json!({ "id": coop2 })).await;

    let admin = app.login_as(Role::DirectorateAdmin).await;
    let outbox = app.gql_as(&admin, OUTBOX, json!({})).await;
    let rows: Vec<(String, String, String)> = outbox["data"]["smsOutbox"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["purpose"].as_str().unwrap().to_string(),
                e["node"]["to"].as_str().unwrap().to_string(),
                e["node"]["text"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let to_of = |purpose: &str| -> Vec<&(String, String, String)> {
        rows.iter().filter(|r| r.0 == purpose).collect()
    };
    for (purpose, to, n, words) in [
        ("DEFICIENCIES_REPORTED", "09121234567", 1, "نقص"),
        ("REQUEST_APPROVED", "09121234567", 1, "۵٬۰۰۰٬۰۰۰ ریال"),
        ("QUALIFIED", "09121234567", 1, "احراز شد"),
        ("COOPERATION_PROPOSED", "09121234567", 2, "معرفی کرده است"),
        ("COOPERATION_DECLINED", "09123456789", 1, "نپذیرفت"),
        ("COOPERATION_ACCEPTED", "09123456789", 1, "پذیرفت"),
    ] {
        let got = to_of(purpose);
        assert_eq!(got.len(), n, "{purpose}: {rows:?}");
        assert!(
            got.iter().all(|r| r.1 == to && r.2.contains(words)),
            "{purpose}: {got:?}"
        );
    }
}

#[tokio::test]
async fn the_provider_down_is_retried_then_sends_once() {
    let app = TestApp::spawn_with(|c| c.sms_poll_ms = 200).await;
    app.sms_mode(json!({ "mode": "fail" })).await;
    let (_d, o, contract) = contract(&app).await;
    let id = draft(&app, &o, &contract).await;
    let f = app.gql_as(&o.token, FINALIZE, json!({ "id": id })).await;
    assert!(f["errors"].is_null(), "{f}");
    // Retried with backoff: the attempts grow and the last error is kept.
    let sql = format!(
        "SELECT count(*)::bigint AS n FROM sms_outbox WHERE entity_id = '{id}' AND status = 'PENDING' AND attempts >= 2 AND last_error IS NOT NULL"
    );
    assert_eq!(app.wait_count(&sql, 1).await, 1, "retried");
    assert!(
        app.sms_received()
            .await
            .iter()
            .all(|(_, _, t)| !t.contains("قطع کرد")),
        "nothing delivered while the provider fails"
    );
    // Back up: delivered once (the next attempt comes within the backoff, seconds here).
    app.sms_mode(json!({ "mode": "ok" })).await;
    let sent = format!(
        "SELECT count(*)::bigint AS n FROM sms_outbox WHERE entity_id = '{id}' AND status = 'SENT' AND last_error IS NULL"
    );
    assert_eq!(app.wait_count(&sent, 1).await, 1);
    let got: Vec<_> = app
        .sms_received()
        .await
        .into_iter()
        .filter(|(_, _, t)| t.contains("قطع کرد"))
        .collect();
    assert_eq!(got.len(), 1, "{got:?}");
}

#[tokio::test]
async fn a_message_fails_for_good_after_the_last_attempt() {
    let app = TestApp::spawn_with(|c| {
        c.sms_poll_ms = 100;
        c.sms_max_attempts = 2;
    })
    .await;
    app.sms_mode(json!({ "mode": "fail" })).await;
    app.sql(
        "INSERT INTO sms_outbox (receptor, message, purpose) VALUES ('09120000001', 'آزمون', 'QUALIFIED')",
    )
    .await
    .unwrap();
    let failed = app
        .wait_count(
            "SELECT count(*)::bigint AS n FROM sms_outbox WHERE status = 'FAILED' AND attempts = 2 AND last_error LIKE '%418%'",
            1,
        )
        .await;
    assert_eq!(failed, 1);
    let admin = app.login_as(Role::DirectorateAdmin).await;
    let outbox = app.gql_as(&admin, OUTBOX, json!({ "s": ["FAILED"] })).await;
    let node = &outbox["data"]["smsOutbox"]["edges"][0]["node"];
    assert_eq!(node["status"], "FAILED", "{outbox}");
    assert!(node["lastError"].as_str().unwrap().contains("418"));
}

#[tokio::test]
async fn two_senders_on_one_outbox_send_each_message_once() {
    let app = TestApp::spawn_with(|c| c.sms_poll_ms = 50).await;
    let other = app.second_instance().await;
    app.sql(
        "INSERT INTO sms_outbox (receptor, message, purpose) \
         SELECT '0912' || lpad(g::text, 7, '0'), 'پیام ' || g, 'QUALIFIED' FROM generate_series(1, 60) g",
    )
    .await
    .unwrap();
    let sent = app
        .wait_count(
            "SELECT count(*)::bigint AS n FROM sms_outbox WHERE status = 'SENT'",
            60,
        )
        .await;
    assert_eq!(sent, 60);
    let received = app.sms_received().await;
    let mut ids: Vec<i64> = received.iter().filter_map(|r| r.0).collect();
    assert_eq!(ids.len(), 60, "each row reached the provider once");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 60, "no localid twice");
    // Both instances sent some (each instance runs its own sender).
    let attempts = app
        .count("SELECT count(*)::bigint AS n FROM sms_outbox WHERE attempts <> 1")
        .await;
    assert_eq!(attempts, 0, "no row was taken twice");
    drop(other);
}

#[tokio::test]
async fn a_server_killed_between_sending_and_marking_does_not_send_twice() {
    let db = TestDb::new().await;
    let env = [
        ("SMS_POLL_MS", "100"),
        ("SMS_LEASE_SECS", "2"),
        ("SMS_TIMEOUT_MS", "20000"),
    ];
    let first = ServerProcess::start(&db.url(), &env).await;
    let client = reqwest::Client::new();
    // The provider accepts and stores, then answers late: the sender waits for its answer.
    let r = client
        .post(first.url("/_simulator/kavenegar/control"))
        .json(&json!({ "mode": "timeout", "delayMs": 60000 }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    {
        use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
        let mut conn = AsyncPgConnection::establish(&db.url()).await.unwrap();
        diesel::sql_query(
            "INSERT INTO sms_outbox (receptor, message, purpose) VALUES ('09121112233', 'پیام آزمون', 'QUALIFIED')",
        )
        .execute(&mut conn)
        .await
        .unwrap();
    }
    // Wait until the provider has it: the row is taken, the answer has not come.
    let messages = |base: String| {
        let client = client.clone();
        async move {
            let v: Value = client
                .get(format!("{base}/_simulator/kavenegar/messages"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            v["messages"].as_array().unwrap().clone()
        }
    };
    let mut got = Vec::new();
    for _ in 0..100 {
        got = messages(first.url("")).await;
        if !got.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(got.len(), 1, "the provider received it");
    let local_id = got[0]["localid"].as_i64().unwrap();
    // Killed before it could mark the row.
    first.kill();
    // Restarted, with the provider answering normally again.
    let second = ServerProcess::start(&db.url(), &env).await;
    client
        .post(second.url("/_simulator/kavenegar/control"))
        .json(&json!({ "mode": "ok" }))
        .send()
        .await
        .unwrap();
    let status = || async {
        use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            status: String,
            #[diesel(sql_type = diesel::sql_types::Integer)]
            attempts: i32,
        }
        let mut conn = AsyncPgConnection::establish(&db.url()).await.unwrap();
        let r: Row = diesel::sql_query(format!(
            "SELECT status, attempts FROM sms_outbox WHERE id = {local_id}"
        ))
        .get_result(&mut conn)
        .await
        .unwrap();
        (r.status, r.attempts)
    };
    let mut last = (String::new(), 0);
    for _ in 0..100 {
        last = status().await;
        if last.0 == "SENT" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(last.0, "SENT", "{last:?}");
    assert_eq!(last.1, 2, "taken again after the crash");
    let got = messages(second.url("")).await;
    assert_eq!(
        got.len(),
        1,
        "resolved through its localid, not sent twice: {got:?}"
    );
    second.kill();
}

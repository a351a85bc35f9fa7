//! The live dashboards (issue 17): `registryStatistics` as a query and a subscription, and
//! `QualificationRequest.waitingSince` / `overdue`, `reviewQueue(overdueOnly:)`.

use serde_json::{Value, json};
use std::time::Duration;

use crate::harness::*;
use crate::payments::pay;
use crate::qualification::submitted_request;
use officer_registry::domain::Role;

const STATS: &str = "query { registryStatistics { asOf officers qualifiedOfficers requestsByStatus { status count } overdueRequests activeContracts paymentsToday universities { university { id } waiting overdue medianReviewHours } } }";
const SUB: &str = "subscription { registryStatistics { asOf officers requestsByStatus { status count } overdueRequests universities { university { id } waiting overdue } } }";
const CLAIM: &str = "mutation($id: ID!) { claimQualificationRequest(id: $id) { status } }";
const DEFICIENT: &str = "mutation($id: ID!) { reportDeficiencies(id: $id, items: [{ field: \"phone\", description: \"شماره تلفن را کامل کنید\" }]) { status } }";
const RESUBMIT: &str =
    "mutation($id: ID!) { resubmitQualificationRequest(id: $id) { status waitingSince overdue } }";
const APPROVE: &str = "mutation($id: ID!) { approveQualificationRequest(id: $id) { status } }";
const REJECT: &str =
    "mutation($id: ID!) { rejectQualificationRequest(id: $id, reason: WRONG_PROVINCE) { status } }";
const TRACK: &str =
    "query($id: ID!) { qualificationRequest(id: $id) { status submittedAt waitingSince overdue } }";
const OVERDUE_QUEUE: &str = "query($s: [QualificationRequestStatus!]) { reviewQueue(status: $s, overdueOnly: true) { totalCount edges { node { id overdue waitingSince } } } }";

fn figures(resp: &Value) -> &Value {
    let f = &resp["data"]["registryStatistics"];
    assert!(f.is_object(), "{resp}");
    f
}

fn by_status(f: &Value, status: &str) -> i64 {
    f["requestsByStatus"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["status"] == status)
        .unwrap_or_else(|| panic!("{status} missing: {f}"))["count"]
        .as_i64()
        .unwrap()
}

fn university(f: &Value, id: i32) -> &Value {
    let key = id.to_string();
    f["universities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["university"]["id"] == key.as_str())
        .unwrap_or_else(|| panic!("university {id} missing: {f}"))
}

async fn ok(app: &TestApp, token: &str, q: &str, id: &str) -> Value {
    let r = app.gql_as(token, q, json!({ "id": id })).await;
    assert!(r["errors"].is_null(), "{r}");
    r
}

#[tokio::test]
async fn officers_and_distributors_are_refused_and_anonymous_callers_must_sign_in() {
    let app = TestApp::spawn().await;
    let o = app.register_officer().await;
    let d = app.distributor().await;
    for token in [&o.token, &d.token] {
        assert_refused(&app.gql_as(token, STATS, json!({})).await, "FORBIDDEN");
        let mut ws = app.ws(Some(token)).await.unwrap();
        ws.subscribe("1", SUB, json!({})).await;
        let msg = ws.next_message(Duration::from_secs(10)).await.unwrap();
        // Refused when the stream is set up: one result with the error, then the end.
        assert_eq!(msg["type"], "next", "{msg}");
        assert!(msg["payload"]["data"].is_null(), "{msg}");
        assert_eq!(
            msg["payload"]["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{msg}"
        );
    }
    assert_refused(&app.gql(STATS, json!({})).await, "UNAUTHENTICATED");
}

#[tokio::test]
async fn the_figures_follow_a_scripted_sequence_of_transitions() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::DirectorateAdmin).await;
    let tehran = app.reviewer_of(TEHRAN_UNIVERSITY).await;
    let tabriz = app.reviewer_of(TABRIZ_UNIVERSITY).await;

    let before = app.gql_as(&admin, STATS, json!({})).await;
    let before = figures(&before).clone();
    assert_eq!(
        before["universities"].as_array().unwrap().len() as i64,
        app.count("SELECT count(*) AS n FROM universities").await,
        "an admin sees every university"
    );

    // Three officers in Tehran, one in Tabriz.
    let a = app.register_officer().await;
    let b = app.register_officer().await;
    let c = app.register_officer().await;
    let t = app.register_officer().await;
    let ra = submitted_request(&app, &a, TEHRAN_CITY).await;
    let rb = submitted_request(&app, &b, TEHRAN_CITY).await;
    let rc = submitted_request(&app, &c, TEHRAN_CITY).await;
    let rt = submitted_request(&app, &t, TABRIZ_CITY).await;
    // a: claimed, deficiencies, resubmitted, approved and paid (qualified);
    // b: claimed (under review); c: rejected; t: waiting in Tabriz.
    ok(&app, &tehran, CLAIM, &ra).await;
    ok(&app, &tehran, DEFICIENT, &ra).await;
    ok(&app, &a.token, RESUBMIT, &ra).await;
    ok(&app, &tehran, APPROVE, &ra).await;
    pay(&app, &a, &ra).await;
    ok(&app, &tehran, CLAIM, &rb).await;
    ok(&app, &tehran, REJECT, &rc).await;

    let after = app.gql_as(&admin, STATS, json!({})).await;
    let after = figures(&after);
    let delta = |f: &str| after[f].as_i64().unwrap() - before[f].as_i64().unwrap();
    let status_delta = |s: &str| by_status(after, s) - by_status(&before, s);
    assert_eq!(delta("officers"), 4);
    assert_eq!(delta("qualifiedOfficers"), 1);
    assert_eq!(delta("paymentsToday"), 1);
    assert_eq!(delta("overdueRequests"), 0);
    assert_eq!(status_delta("COMPLETED"), 1);
    assert_eq!(status_delta("UNDER_REVIEW"), 1);
    assert_eq!(status_delta("REJECTED"), 1);
    assert_eq!(status_delta("SUBMITTED"), 1);
    assert_eq!(status_delta("DRAFT"), 0);
    assert_eq!(university(after, TEHRAN_UNIVERSITY)["waiting"], 1, "b");
    assert_eq!(university(after, TABRIZ_UNIVERSITY)["waiting"], 1, "t");
    // Decisions in the last 30 days: a's deficiency report and approval, c's rejection.
    assert!(university(after, TEHRAN_UNIVERSITY)["medianReviewHours"].is_f64());
    assert!(university(after, TABRIZ_UNIVERSITY)["medianReviewHours"].is_null());
    // The registry's figures agree with the data.
    for (status, sql) in [
        (
            "SUBMITTED",
            "SELECT count(*) AS n FROM qualification_requests WHERE status = 'SUBMITTED'",
        ),
        (
            "COMPLETED",
            "SELECT count(*) AS n FROM qualification_requests WHERE status = 'COMPLETED'",
        ),
    ] {
        assert_eq!(by_status(after, status), app.count(sql).await, "{status}");
    }
    assert_eq!(
        after["officers"].as_i64().unwrap(),
        app.count("SELECT count(*) AS n FROM officers").await
    );
    // The counters kept by the writing transactions are the counts, key by key.
    let drift = "SELECT count(*) AS n FROM ( \
        (SELECT coalesce(university_id, 0) AS u, status, count(*) AS n FROM qualification_requests GROUP BY 1, 2 \
         EXCEPT SELECT university_id, status, n FROM request_counts WHERE n <> 0) \
        UNION ALL \
        (SELECT university_id, status, n FROM request_counts WHERE n <> 0 \
         EXCEPT SELECT coalesce(university_id, 0), status, count(*) FROM qualification_requests GROUP BY 1, 2)) d";
    assert_eq!(
        app.count(drift).await,
        0,
        "request_counts drifted from the requests"
    );

    // A reviewer sees its own university only.
    let mine = app.gql_as(&tehran, STATS, json!({})).await;
    let mine = figures(&mine);
    assert_eq!(mine["universities"].as_array().unwrap().len(), 1, "{mine}");
    assert_eq!(university(mine, TEHRAN_UNIVERSITY)["waiting"], 1);
    assert_eq!(mine["officers"], 3, "the officers with a file at Tehran");
    assert_eq!(mine["qualifiedOfficers"], 1);
    assert_eq!(by_status(mine, "SUBMITTED"), 0);
    assert_eq!(by_status(mine, "UNDER_REVIEW"), 1);
    assert_eq!(by_status(mine, "COMPLETED"), 1);
    assert_eq!(by_status(mine, "REJECTED"), 1);
    assert_eq!(mine["paymentsToday"], 1);
    let theirs = app.gql_as(&tabriz, STATS, json!({})).await;
    let theirs = figures(&theirs);
    assert_eq!(university(theirs, TABRIZ_UNIVERSITY)["waiting"], 1);
    assert_eq!(theirs["officers"], 1);
    assert_eq!(by_status(theirs, "SUBMITTED"), 1);
    assert_eq!(by_status(theirs, "COMPLETED"), 0);
    assert_eq!(theirs["paymentsToday"], 0);
    let _ = rt;
}

#[tokio::test]
async fn a_file_waiting_past_the_deadline_is_overdue_everywhere() {
    let app = TestApp::spawn_with(|c| c.overdue_after_days = 7).await;
    let tehran = app.reviewer_of(TEHRAN_UNIVERSITY).await;
    let a = app.register_officer().await;
    let b = app.register_officer().await;
    let ra = submitted_request(&app, &a, TEHRAN_CITY).await;
    let rb = submitted_request(&app, &b, TEHRAN_CITY).await;

    let track = ok(&app, &a.token, TRACK, &ra).await;
    let r = &track["data"]["qualificationRequest"];
    assert_eq!(r["waitingSince"], r["submittedAt"], "{r}");
    assert_eq!(r["overdue"], false);

    // a's file has waited eight days, b's six.
    app.sql(&format!(
        "UPDATE qualification_requests SET waiting_since = now() - interval '8 days' WHERE id = '{ra}'"
    ))
    .await
    .unwrap();
    app.sql(&format!(
        "UPDATE qualification_requests SET waiting_since = now() - interval '6 days' WHERE id = '{rb}'"
    ))
    .await
    .unwrap();
    let track = ok(&app, &tehran, TRACK, &ra).await;
    assert_eq!(track["data"]["qualificationRequest"]["overdue"], true);
    let track = ok(&app, &tehran, TRACK, &rb).await;
    assert_eq!(track["data"]["qualificationRequest"]["overdue"], false);

    let queue = app.gql_as(&tehran, OVERDUE_QUEUE, json!({})).await;
    let q = &queue["data"]["reviewQueue"];
    assert_eq!(q["totalCount"], 1, "{queue}");
    assert_eq!(q["edges"][0]["node"]["id"], ra.as_str());
    assert_eq!(q["edges"][0]["node"]["overdue"], true);
    // A status filter that leaves the reviewer's side finds none overdue.
    let queue = app
        .gql_as(&tehran, OVERDUE_QUEUE, json!({ "s": ["DEFICIENT"] }))
        .await;
    assert_eq!(queue["data"]["reviewQueue"]["totalCount"], 0, "{queue}");

    let stats = app.gql_as(&tehran, STATS, json!({})).await;
    let f = figures(&stats);
    assert_eq!(f["overdueRequests"], 1);
    assert_eq!(university(f, TEHRAN_UNIVERSITY)["overdue"], 1);
    assert_eq!(university(f, TEHRAN_UNIVERSITY)["waiting"], 2);

    // Claimed, the file still waits on the reviewer's side; sent back to the officer, it
    // is not overdue; resubmitted, its clock starts again.
    ok(&app, &tehran, CLAIM, &ra).await;
    let track = ok(&app, &tehran, TRACK, &ra).await;
    assert_eq!(track["data"]["qualificationRequest"]["overdue"], true);
    ok(&app, &tehran, DEFICIENT, &ra).await;
    let track = ok(&app, &tehran, TRACK, &ra).await;
    assert_eq!(track["data"]["qualificationRequest"]["overdue"], false);
    let r = ok(&app, &a.token, RESUBMIT, &ra).await;
    let r = &r["data"]["resubmitQualificationRequest"];
    assert_eq!(r["overdue"], false);
    let since: chrono::DateTime<chrono::Utc> = r["waitingSince"].as_str().unwrap().parse().unwrap();
    assert!(
        chrono::Utc::now() - since < chrono::Duration::days(1),
        "{r}"
    );
    let queue = app.gql_as(&tehran, OVERDUE_QUEUE, json!({})).await;
    assert_eq!(queue["data"]["reviewQueue"]["totalCount"], 0, "{queue}");
}

/// The next `registryStatistics` pushed on `ws` under operation `id`.
async fn next_figures(ws: &mut WsClient, id: &str) -> Value {
    let msg = ws.next_message(Duration::from_secs(15)).await.unwrap();
    assert_eq!(msg["type"], "next", "{msg}");
    assert_eq!(msg["id"], id, "{msg}");
    msg["payload"]["data"]["registryStatistics"].clone()
}

#[tokio::test]
async fn subscribers_get_the_figures_at_once_then_each_change_made_on_any_instance() {
    let one = TestApp::spawn().await;
    let two = one.second_instance().await;
    let admin = one.login_as(Role::DirectorateAdmin).await;
    let tehran = one.reviewer_of(TEHRAN_UNIVERSITY).await;
    let tabriz = one.reviewer_of(TABRIZ_UNIVERSITY).await;

    let mut admins = one.ws(Some(&admin)).await.unwrap();
    admins.subscribe("a1", SUB, json!({})).await;
    let mut admins2 = one.ws(Some(&admin)).await.unwrap();
    admins2.subscribe("a2", SUB, json!({})).await;
    let mut reviewer = one.ws(Some(&tehran)).await.unwrap();
    reviewer.subscribe("t", SUB, json!({})).await;
    let mut other = one.ws(Some(&tabriz)).await.unwrap();
    other.subscribe("z", SUB, json!({})).await;

    // The figures at once; two subscribers of one scope share one computation.
    let base = next_figures(&mut admins, "a1").await;
    let base2 = next_figures(&mut admins2, "a2").await;
    assert_eq!(base, base2, "computed once for the scope (the same asOf)");
    let mine = next_figures(&mut reviewer, "t").await;
    assert_eq!(mine["universities"].as_array().unwrap().len(), 1);
    let theirs = next_figures(&mut other, "z").await;

    // A submission to Tehran through the other instance.
    let o = two.register_officer().await;
    submitted_request(&two, &o, TEHRAN_CITY).await;

    // The admins and Tehran's reviewer are told; the figures grow until they show it.
    let mut seen = base.clone();
    for _ in 0..10 {
        if by_status(&seen, "SUBMITTED") == by_status(&base, "SUBMITTED") + 1 {
            break;
        }
        seen = next_figures(&mut admins, "a1").await;
    }
    assert_eq!(
        by_status(&seen, "SUBMITTED"),
        by_status(&base, "SUBMITTED") + 1
    );
    assert_eq!(
        seen["officers"].as_i64().unwrap(),
        base["officers"].as_i64().unwrap() + 1
    );
    let mut seen = mine.clone();
    for _ in 0..10 {
        if university(&seen, TEHRAN_UNIVERSITY)["waiting"] == 1 {
            break;
        }
        seen = next_figures(&mut reviewer, "t").await;
    }
    assert_eq!(university(&seen, TEHRAN_UNIVERSITY)["waiting"], 1);
    // Tabriz's figures did not change: its reviewer is told nothing.
    assert!(
        other.silent_for(Duration::from_secs(3)).await,
        "Tabriz was told of Tehran"
    );
    let _ = theirs;
}

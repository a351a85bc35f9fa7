//! Branches, cooperation requests and contracts (C3, C4, R8) and public verification,
//! through GraphQL, as each role, the wrong role and the wrong owner.

use crate::harness::*;
use officer_registry::domain::Role;
use serde_json::{Value, json};
use std::time::Duration;

pub const PROPOSE: &str = "mutation($b: ID!, $c: String!) { proposeTechnicalOfficer(branchId: $b, officerNationalCode: $c) { id status branch { id name } distributor { name } officer { id nationalCode firstName lastName mobile phone email documents { kind } qualificationStatus } expiresAt } }";
pub const ACCEPT: &str =
    "mutation($id: ID!) { acceptCooperationRequest(id: $id) { status university { id name } } }";
const DECLINE: &str = "mutation($id: ID!, $r: String) { declineCooperationRequest(id: $id, reason: $r) { status declineReason } }";
const WITHDRAW: &str = "mutation($id: ID!) { withdrawCooperationRequest(id: $id) { status } }";
pub const APPROVE: &str =
    "mutation($id: ID!) { approveCooperationRequest(id: $id, note: \"تأیید شد\") { status } }";
const REJECT: &str = "mutation($id: ID!, $n: String!) { rejectCooperationRequest(id: $id, note: $n) { status rejectionNote } }";
const LIST: &str = "query($s: [CooperationRequestStatus!]) { cooperationRequests(status: $s) { totalCount edges { node { id status createdAt distributor { name kind nationalId } branch { id name address province { nameFa } city { nameFa } } officer { nationalCode phone } university { id } history { action fromStatus toStatus actorRole } } } } }";
const BRANCHES: &str =
    "{ branches { id name isCentral technicalOfficer { nationalCode firstName mobile phone } } }";
const CONTRACTS: &str = "query($a: Boolean) { contracts(active: $a) { totalCount edges { node { id active startedAt endedAt endReason endedBy officer { nationalCode } branch { id } } } } }";
const RELEASE: &str = "mutation($b: ID!, $r: String) { releaseTechnicalOfficer(branchId: $b, reason: $r) { id active endedAt endReason endedBy } }";
const CREATE_BRANCH: &str = "mutation($i: BranchInput!) { createBranch(input: $i) { id name isCentral province { id } city { id } } }";
const VERIFY: &str = "query($c: String!) { verifyOfficer(nationalCode: $c) { qualificationStatus maskedName activeBranches } }";

/// An officer qualified through the whole workflow: a NEW request submitted in Tehran,
/// claimed and approved by a Tehran reviewer, its fee paid at the bank's simulator.
pub async fn qualified_officer(app: &TestApp) -> TestOfficer {
    let o = app.register_officer().await;
    let reviewer = app.reviewer_of(TEHRAN_UNIVERSITY).await;
    let id = crate::qualification::submitted_request(app, &o, TEHRAN_CITY).await;
    for q in [
        "mutation($id: ID!) { claimQualificationRequest(id: $id) { id } }",
        "mutation($id: ID!) { approveQualificationRequest(id: $id) { id } }",
    ] {
        let r = app.gql_as(&reviewer, q, json!({ "id": id })).await;
        assert!(r["errors"].is_null(), "{r}");
    }
    crate::payments::pay(app, &o, &id).await;
    o
}

fn persian_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => char::from_u32(0x06F0 + d).unwrap_or(c),
            None => c,
        })
        .collect()
}

pub async fn propose(app: &TestApp, d: &TestDistributor, branch: &str, code: &str) -> Value {
    app.gql_as(&d.token, PROPOSE, json!({ "b": branch, "c": code }))
        .await
}

fn request_id(resp: &Value) -> String {
    resp["data"]["proposeTechnicalOfficer"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{resp}"))
        .to_string()
}

#[tokio::test]
async fn a_distributor_proposes_the_officer_accepts_the_university_approves() {
    let app = TestApp::spawn().await;
    let d = app.distributor().await;
    let o = qualified_officer(&app).await;
    let reviewer = app.reviewer_of(TEHRAN_UNIVERSITY).await;
    let mut d_ws = app.ws(Some(&d.token)).await.unwrap();
    d_ws.subscribe(
        "1",
        "subscription { cartableEvents { kind cooperationRequest { id status } contract { active } } }",
        json!({}),
    )
    .await;
    let mut u_ws = app.ws(Some(&reviewer)).await.unwrap();
    u_ws.subscribe(
        "1",
        "subscription { cartableEvents { kind cooperationRequest { id status } } }",
        json!({}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    // A second branch (not central: the distributor has its central one).
    let b = app
        .gql_as(
            &d.token,
            CREATE_BRANCH,
            json!({ "i": { "name": "شعبه ونک", "provinceId": TEHRAN_PROVINCE, "cityId": TEHRAN_CITY, "address": "تهران، ونک" } }),
        )
        .await;
    let branch = &b["data"]["createBranch"];
    assert_eq!(branch["isCentral"], false, "{b}");
    let branch_id = branch["id"].as_str().unwrap().to_string();

    // Proposed by national code in Persian digits.
    let resp = propose(&app, &d, &branch_id, &persian_digits(&o.national_code)).await;
    let p = &resp["data"]["proposeTechnicalOfficer"];
    assert_eq!(p["status"], "PENDING_OFFICER", "{resp}");
    assert_eq!(p["officer"]["nationalCode"], o.national_code.as_str());
    // The distributor sees what a branch needs, not the officer's contact details or files.
    assert_eq!(p["officer"]["qualificationStatus"], "QUALIFIED");
    assert!(p["officer"]["phone"].is_null() && p["officer"]["email"].is_null());
    assert_eq!(p["officer"]["documents"], json!([]));
    let mobile = p["officer"]["mobile"].as_str().unwrap();
    assert!(mobile.contains('*') && mobile.len() == 11, "{mobile}");
    let id = request_id(&resp);
    for kind in ["BRANCH_CREATE", "COOPERATION_REQUEST_PROPOSE"] {
        let e = d_ws.next_event().await;
        assert_eq!(e["data"]["cartableEvents"]["kind"], kind);
    }

    // The officer sees it among its new requests, with the distributor and the branch.
    let list = app
        .gql_as(&o.token, LIST, json!({ "s": ["PENDING_OFFICER"] }))
        .await;
    let node = &list["data"]["cooperationRequests"]["edges"][0]["node"];
    assert_eq!(node["id"], id.as_str(), "{list}");
    assert_eq!(node["distributor"]["name"], d.name.as_str());
    assert_eq!(node["distributor"]["kind"], "COMPANY");
    assert!(node["distributor"]["nationalId"].as_str().unwrap().len() == 11);
    assert_eq!(node["branch"]["address"], "تهران، ونک");
    assert_eq!(node["branch"]["province"]["nameFa"], "تهران");
    assert_eq!(node["branch"]["city"]["nameFa"], "تهران");
    // The university does not see it before the officer accepts.
    let queue = app.gql_as(&reviewer, LIST, json!({})).await;
    assert_eq!(
        queue["data"]["cooperationRequests"]["totalCount"], 0,
        "{queue}"
    );

    // The officer accepts: it goes to the university covering the branch's city.
    let acc = app.gql_as(&o.token, ACCEPT, json!({ "id": id })).await;
    let a = &acc["data"]["acceptCooperationRequest"];
    assert_eq!(a["status"], "PENDING_UNIVERSITY", "{acc}");
    assert_eq!(a["university"]["id"], TEHRAN_UNIVERSITY.to_string());
    let e = u_ws.next_event().await;
    assert_eq!(
        e["data"]["cartableEvents"]["kind"],
        "COOPERATION_REQUEST_ACCEPT"
    );
    let queue = app.gql_as(&reviewer, LIST, json!({})).await;
    assert_eq!(
        queue["data"]["cooperationRequests"]["totalCount"], 1,
        "{queue}"
    );
    // The reviewer sees the officer whole.
    let officer = &queue["data"]["cooperationRequests"]["edges"][0]["node"]["officer"];
    assert_eq!(officer["nationalCode"], o.national_code.as_str());

    // Approved: the contract starts and the branch has its technical officer.
    let ap = app.gql_as(&reviewer, APPROVE, json!({ "id": id })).await;
    assert_eq!(
        ap["data"]["approveCooperationRequest"]["status"], "APPROVED",
        "{ap}"
    );
    let branches = app.gql_as(&d.token, BRANCHES, json!({})).await;
    let ours = branches["data"]["branches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == branch_id.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        ours["technicalOfficer"]["nationalCode"],
        o.national_code.as_str()
    );
    assert!(ours["technicalOfficer"]["phone"].is_null());
    let contracts = app.gql_as(&o.token, CONTRACTS, json!({ "a": true })).await;
    assert_eq!(
        contracts["data"]["contracts"]["totalCount"], 1,
        "{contracts}"
    );
    let contracts_d = app.gql_as(&d.token, CONTRACTS, json!({ "a": true })).await;
    assert_eq!(contracts_d["data"]["contracts"]["totalCount"], 1);

    // The history, as the officer sees it.
    let list = app.gql_as(&o.token, LIST, json!({})).await;
    let history: Vec<(String, String)> =
        list["data"]["cooperationRequests"]["edges"][0]["node"]["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                (
                    h["action"].as_str().unwrap().to_string(),
                    h["toStatus"].as_str().unwrap().to_string(),
                )
            })
            .collect();
    assert_eq!(
        history,
        [
            ("PROPOSE".into(), "PENDING_OFFICER".into()),
            ("ACCEPT".into(), "PENDING_UNIVERSITY".into()),
            ("APPROVE".into(), "APPROVED".into()),
        ]
    );
    // The distributor's stream showed each step and the contract.
    let mut kinds = Vec::new();
    while kinds.len() < 3 {
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
        [
            "COOPERATION_REQUEST_ACCEPT",
            "COOPERATION_REQUEST_APPROVE",
            "CONTRACT_START"
        ]
    );

    // Released: the contract ends with its reason; the branch has no officer any more.
    let rel = app
        .gql_as(
            &d.token,
            RELEASE,
            json!({ "b": branch_id, "r": "پایان همکاری" }),
        )
        .await;
    let c = &rel["data"]["releaseTechnicalOfficer"];
    assert_eq!(c["active"], false, "{rel}");
    assert_eq!(c["endReason"], "پایان همکاری");
    assert_eq!(c["endedBy"], "RELEASE");
    assert!(c["endedAt"].is_string());
    assert_refused(
        &app.gql_as(&d.token, RELEASE, json!({ "b": branch_id }))
            .await,
        "INVALID_STATE",
    );
}

#[tokio::test]
async fn proposals_that_cannot_be_made() {
    let app = TestApp::spawn().await;
    let d = app.distributor().await;
    let other = app.distributor().await;
    let qualified = qualified_officer(&app).await;
    let unqualified = app.register_officer().await;

    // An unknown code, an invalid one and an unqualified officer's get the same answer.
    let unknown = propose(&app, &d, &d.central_branch, &national_code(999_888_777)).await;
    let invalid = propose(&app, &d, &d.central_branch, "12345").await;
    let not_yet = propose(&app, &d, &d.central_branch, &unqualified.national_code).await;
    for r in [&unknown, &invalid, &not_yet] {
        assert_refused(r, "NOT_QUALIFIED");
        assert_eq!(r["errors"][0]["message"], unknown["errors"][0]["message"]);
        assert_eq!(
            r["errors"][0]["extensions"]["messageFa"],
            unknown["errors"][0]["extensions"]["messageFa"]
        );
    }
    // Another distributor's branch does not exist for this one.
    assert_refused(
        &propose(&app, &d, &other.central_branch, &qualified.national_code).await,
        "NOT_FOUND",
    );
    // A branch with an open proposal.
    let first = propose(&app, &d, &d.central_branch, &qualified.national_code).await;
    request_id(&first);
    let second = qualified_officer(&app).await;
    assert_refused(
        &propose(&app, &d, &d.central_branch, &second.national_code).await,
        "CONFLICT",
    );
    // A second central branch.
    let dup = app
        .gql_as(
            &d.token,
            CREATE_BRANCH,
            json!({ "i": { "name": "مرکزی دوم", "provinceId": TEHRAN_PROVINCE, "cityId": TEHRAN_CITY, "address": "تهران", "isCentral": true } }),
        )
        .await;
    assert_refused(&dup, "CONFLICT");
    // Bad branch input is refused naming the field.
    let bad = app
        .gql_as(
            &d.token,
            CREATE_BRANCH,
            json!({ "i": { "name": " ", "provinceId": TEHRAN_PROVINCE, "cityId": TABRIZ_CITY, "address": "x" } }),
        )
        .await;
    assert_refused(&bad, "VALIDATION_FAILED");
    // The wrong roles.
    for token in [&qualified.token, &app.reviewer_of(TEHRAN_UNIVERSITY).await] {
        assert_refused(
            &app.gql_as(
                token,
                PROPOSE,
                json!({ "b": d.central_branch, "c": qualified.national_code }),
            )
            .await,
            "FORBIDDEN",
        );
    }
    let admin = app.login_as(Role::DirectorateAdmin).await;
    assert_refused(
        &app.gql_as(
            &admin,
            PROPOSE,
            json!({ "b": d.central_branch, "c": qualified.national_code }),
        )
        .await,
        "FORBIDDEN",
    );
    assert_refused(
        &app.gql_as(&qualified.token, BRANCHES, json!({})).await,
        "FORBIDDEN",
    );
}

#[tokio::test]
async fn an_officer_already_working_for_a_unit_cannot_be_proposed_or_accept() {
    let app = TestApp::spawn().await;
    let d1 = app.distributor().await;
    let d2 = app.distributor().await;
    let o = qualified_officer(&app).await;
    let reviewer = app.reviewer_of(TEHRAN_UNIVERSITY).await;
    // Two proposals while free; the first is approved.
    let r1 = request_id(&propose(&app, &d1, &d1.central_branch, &o.national_code).await);
    let r2 = request_id(&propose(&app, &d2, &d2.central_branch, &o.national_code).await);
    app.gql_as(&o.token, ACCEPT, json!({ "id": r1 })).await;
    let ok = app.gql_as(&reviewer, APPROVE, json!({ "id": r1 })).await;
    assert_eq!(
        ok["data"]["approveCooperationRequest"]["status"], "APPROVED",
        "{ok}"
    );
    // Accepting the second: the officer works for another unit now.
    let refused = app.gql_as(&o.token, ACCEPT, json!({ "id": r2 })).await;
    assert_refused(&refused, "CONFLICT");
    assert!(
        refused["errors"][0]["extensions"]["messageFa"]
            .as_str()
            .unwrap()
            .contains("واحد دیگری"),
        "{refused}"
    );
    // A new proposal by a third distributor is refused at once.
    let d3 = app.distributor().await;
    assert_refused(
        &propose(&app, &d3, &d3.central_branch, &o.national_code).await,
        "CONFLICT",
    );
    // With the limit raised (a setting), the rule follows it.
    let generous = TestApp::spawn_with(|c| c.max_active_contracts_per_officer = 2).await;
    let d1 = generous.distributor().await;
    let d2 = generous.distributor().await;
    let o = qualified_officer(&generous).await;
    let reviewer = generous.reviewer_of(TEHRAN_UNIVERSITY).await;
    for d in [&d1, &d2] {
        let id = request_id(&propose(&generous, d, &d.central_branch, &o.national_code).await);
        generous.gql_as(&o.token, ACCEPT, json!({ "id": id })).await;
        let r = generous
            .gql_as(&reviewer, APPROVE, json!({ "id": id }))
            .await;
        assert_eq!(
            r["data"]["approveCooperationRequest"]["status"], "APPROVED",
            "{r}"
        );
    }
}

#[tokio::test]
async fn steps_out_of_order_and_by_the_wrong_party() {
    let app = TestApp::spawn().await;
    let d = app.distributor().await;
    let o = qualified_officer(&app).await;
    let stranger = qualified_officer(&app).await;
    let reviewer = app.reviewer_of(TEHRAN_UNIVERSITY).await;
    let tabriz = app.reviewer_of(TABRIZ_UNIVERSITY).await;

    // Accepted twice.
    let id = request_id(&propose(&app, &d, &d.central_branch, &o.national_code).await);
    // Another officer does not see it; the university does not either, yet.
    assert_refused(
        &app.gql_as(&stranger.token, ACCEPT, json!({ "id": id }))
            .await,
        "NOT_FOUND",
    );
    assert_refused(
        &app.gql_as(&reviewer, APPROVE, json!({ "id": id })).await,
        "NOT_FOUND",
    );
    let first = app.gql_as(&o.token, ACCEPT, json!({ "id": id })).await;
    assert!(first["errors"].is_null(), "{first}");
    assert_refused(
        &app.gql_as(&o.token, ACCEPT, json!({ "id": id })).await,
        "INVALID_STATE",
    );
    // Declined after acceptance; withdrawn after acceptance.
    assert_refused(
        &app.gql_as(&o.token, DECLINE, json!({ "id": id })).await,
        "INVALID_STATE",
    );
    assert_refused(
        &app.gql_as(&d.token, WITHDRAW, json!({ "id": id })).await,
        "INVALID_STATE",
    );
    // A reviewer of another university does not see it.
    assert_refused(
        &app.gql_as(&tabriz, APPROVE, json!({ "id": id })).await,
        "NOT_FOUND",
    );
    // Rejecting needs a note; then it is closed.
    assert_refused(
        &app.gql_as(&reviewer, REJECT, json!({ "id": id, "n": "  " }))
            .await,
        "VALIDATION_FAILED",
    );
    let rej = app
        .gql_as(
            &reviewer,
            REJECT,
            json!({ "id": id, "n": "مدارک شعبه ناقص است" }),
        )
        .await;
    assert_eq!(
        rej["data"]["rejectCooperationRequest"]["status"], "REJECTED_BY_UNIVERSITY",
        "{rej}"
    );
    // An admin may not approve (the state machine names the reviewer), but sees it.
    let admin = app.login_as(Role::DirectorateAdmin).await;
    assert_refused(
        &app.gql_as(&admin, APPROVE, json!({ "id": id })).await,
        "FORBIDDEN",
    );
    let all = app.gql_as(&admin, LIST, json!({})).await;
    assert_eq!(all["data"]["cooperationRequests"]["totalCount"], 1, "{all}");

    // Accepting after withdrawal.
    let id = request_id(&propose(&app, &d, &d.central_branch, &o.national_code).await);
    let w = app.gql_as(&d.token, WITHDRAW, json!({ "id": id })).await;
    assert_eq!(
        w["data"]["withdrawCooperationRequest"]["status"], "WITHDRAWN",
        "{w}"
    );
    assert_refused(
        &app.gql_as(&o.token, ACCEPT, json!({ "id": id })).await,
        "INVALID_STATE",
    );
    // Declined: closed, and the distributor sees it with the reason.
    let id = request_id(&propose(&app, &d, &d.central_branch, &o.national_code).await);
    let dec = app
        .gql_as(&o.token, DECLINE, json!({ "id": id, "r": "فرصت ندارم" }))
        .await;
    assert_eq!(
        dec["data"]["declineCooperationRequest"]["status"], "DECLINED_BY_OFFICER",
        "{dec}"
    );
    let mine = app
        .gql_as(&d.token, LIST, json!({ "s": ["DECLINED_BY_OFFICER"] }))
        .await;
    assert_eq!(
        mine["data"]["cooperationRequests"]["totalCount"], 1,
        "{mine}"
    );
    // Another distributor neither sees nor withdraws the first one's requests.
    let other = app.distributor().await;
    let theirs = app.gql_as(&other.token, LIST, json!({})).await;
    assert_eq!(theirs["data"]["cooperationRequests"]["totalCount"], 0);
    let id = request_id(&propose(&app, &d, &d.central_branch, &o.national_code).await);
    assert_refused(
        &app.gql_as(&other.token, WITHDRAW, json!({ "id": id }))
            .await,
        "NOT_FOUND",
    );
    assert_refused(
        &app.gql_as(&other.token, RELEASE, json!({ "b": d.central_branch }))
            .await,
        "NOT_FOUND",
    );
}

#[tokio::test]
async fn two_distributors_racing_for_one_officer_end_with_one_contract() {
    let app = TestApp::spawn().await;
    let d1 = app.distributor().await;
    let d2 = app.distributor().await;
    let o = qualified_officer(&app).await;
    let reviewer = app.reviewer_of(TEHRAN_UNIVERSITY).await;
    let r1 = request_id(&propose(&app, &d1, &d1.central_branch, &o.national_code).await);
    let r2 = request_id(&propose(&app, &d2, &d2.central_branch, &o.national_code).await);
    for id in [&r1, &r2] {
        let a = app.gql_as(&o.token, ACCEPT, json!({ "id": id })).await;
        assert_eq!(
            a["data"]["acceptCooperationRequest"]["status"], "PENDING_UNIVERSITY",
            "{a}"
        );
    }
    // The university approves both at once.
    let (a, b) = tokio::join!(
        app.gql_as(&reviewer, APPROVE, json!({ "id": r1 })),
        app.gql_as(&reviewer, APPROVE, json!({ "id": r2 })),
    );
    let approved = [&a, &b]
        .iter()
        .filter(|r| r["data"]["approveCooperationRequest"]["status"] == "APPROVED")
        .count();
    assert_eq!(approved, 1, "{a} {b}");
    let loser = if a["errors"].is_null() { &b } else { &a };
    assert_refused(loser, "CONFLICT");
    let active = app
        .sql(&format!(
            "SELECT 1 FROM contracts WHERE officer_id = '{}' AND status = 'ACTIVE'",
            o.officer_id
        ))
        .await
        .unwrap();
    assert_eq!(active, 1, "exactly one active contract");
}

#[tokio::test]
async fn a_distributor_reads_an_officer_only_through_its_own_request_or_contract() {
    let app = TestApp::spawn().await;
    let d = app.distributor().await;
    let linked = qualified_officer(&app).await;
    let unrelated = qualified_officer(&app).await;
    let q = "query($id: ID!) { officer(id: $id) { nationalCode firstName qualificationStatus fieldOfStudy { code } degreeLevel mobile phone email postalAddress city { name } documents { kind } } }";
    assert_refused(
        &app.gql_as(&d.token, q, json!({ "id": unrelated.officer_id }))
            .await,
        "NOT_FOUND",
    );
    assert_refused(
        &app.gql_as(&d.token, q, json!({ "id": linked.officer_id }))
            .await,
        "NOT_FOUND",
    );
    request_id(&propose(&app, &d, &d.central_branch, &linked.national_code).await);
    let seen = app
        .gql_as(&d.token, q, json!({ "id": linked.officer_id }))
        .await;
    let officer = &seen["data"]["officer"];
    assert_eq!(
        officer["nationalCode"],
        linked.national_code.as_str(),
        "{seen}"
    );
    assert_eq!(officer["qualificationStatus"], "QUALIFIED");
    assert!(officer["fieldOfStudy"]["code"].is_string());
    assert!(officer["degreeLevel"].is_string());
    for private in ["phone", "email", "postalAddress", "city"] {
        assert!(officer[private].is_null(), "{private}: {seen}");
    }
    assert_eq!(officer["documents"], json!([]));
    assert!(officer["mobile"].as_str().unwrap().contains('*'));
    // The officer itself still sees everything.
    let own = app
        .gql_as(&linked.token, q, json!({ "id": linked.officer_id }))
        .await;
    assert!(own["data"]["officer"]["city"]["name"].is_string(), "{own}");
    assert!(
        !own["data"]["officer"]["mobile"]
            .as_str()
            .unwrap()
            .contains('*')
    );
}

#[tokio::test]
async fn an_unanswered_request_expires() {
    let app = TestApp::spawn_with(|c| c.cooperation_expiry_every_secs = 1).await;
    let d = app.distributor().await;
    let o = qualified_officer(&app).await;
    let id = request_id(&propose(&app, &d, &d.central_branch, &o.national_code).await);
    // The deadline (COOPERATION_EXPIRY_DAYS after the proposal) has passed.
    app.sql(&format!(
        "UPDATE cooperation_requests SET expires_at = now() - interval '1 minute' WHERE id = '{id}'"
    ))
    .await
    .unwrap();
    // Accepted late: refused, whether or not the expiry job has run yet.
    assert_refused(
        &app.gql_as(&o.token, ACCEPT, json!({ "id": id })).await,
        "INVALID_STATE",
    );
    // The job records it: EXPIRED for every party, in the history, and the branch is free.
    let mut status = Value::Null;
    for _ in 0..50 {
        let h = app
            .gql_as(
                &d.token,
                "query($id: ID!) { cooperationRequest(id: $id) { status history { action toStatus actorRole } } }",
                json!({ "id": id }),
            )
            .await;
        let hist = h["data"]["cooperationRequest"]["history"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        status = h["data"]["cooperationRequest"]["status"].clone();
        if hist.iter().any(|e| e["action"] == "EXPIRE") {
            assert!(
                hist.last().unwrap()["actorRole"].is_null(),
                "the system acted"
            );
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(status, "EXPIRED");
    let officer_view = app
        .gql_as(&o.token, LIST, json!({ "s": ["EXPIRED"] }))
        .await;
    assert_eq!(
        officer_view["data"]["cooperationRequests"]["totalCount"], 1,
        "{officer_view}"
    );
    let again = propose(&app, &d, &d.central_branch, &o.national_code).await;
    assert!(again["errors"].is_null(), "{again}");
}

#[tokio::test]
async fn public_verification_shows_only_what_the_public_may_know() {
    let app = TestApp::spawn_with(|c| c.verify_max_per_minute = 8).await;
    let d = app.distributor().await;
    let o = qualified_officer(&app).await;
    let unqualified = app.register_officer().await;
    let reviewer = app.reviewer_of(TEHRAN_UNIVERSITY).await;
    let id = request_id(&propose(&app, &d, &d.central_branch, &o.national_code).await);
    app.gql_as(&o.token, ACCEPT, json!({ "id": id })).await;
    app.gql_as(&reviewer, APPROVE, json!({ "id": id })).await;

    // Anonymous, with Persian digits.
    let v = app
        .gql(VERIFY, json!({ "c": persian_digits(&o.national_code) }))
        .await;
    let found = &v["data"]["verifyOfficer"];
    assert_eq!(found["qualificationStatus"], "QUALIFIED", "{v}");
    assert_eq!(found["maskedName"], "ع** ر****");
    assert_eq!(
        found["activeBranches"],
        json!([format!("{} – شعبه مرکزی", d.name)])
    );
    // Unknown, invalid and unqualified codes look the same.
    for code in [
        national_code(987_654_321),
        "0000000000".to_string(),
        "abc".to_string(),
        unqualified.national_code.clone(),
    ] {
        let r = app.gql(VERIFY, json!({ "c": code })).await;
        assert!(r["errors"].is_null(), "{r}");
        assert!(r["data"]["verifyOfficer"].is_null(), "{code}: {r}");
    }
    // Throttled per address: 8 a minute here, 5 used so far.
    let mut limited = None;
    for _ in 0..10 {
        let r = app.gql(VERIFY, json!({ "c": o.national_code })).await;
        if !r["errors"].is_null() {
            limited = Some(r);
            break;
        }
    }
    let limited = limited.expect("throttled");
    assert_refused(&limited, "RATE_LIMITED");
    assert!(
        limited["errors"][0]["extensions"]["retryAfterSeconds"]
            .as_i64()
            .unwrap()
            >= 1
    );
}

#[tokio::test]
async fn the_throttle_of_verification_holds_under_concurrency() {
    let app = TestApp::spawn_with(|c| c.verify_max_per_minute = 5).await;
    let code = national_code(123_123_123);
    let answers =
        futures_util::future::join_all((0..20).map(|_| app.gql(VERIFY, json!({ "c": code }))))
            .await;
    let passed = answers.iter().filter(|r| r["errors"].is_null()).count();
    assert_eq!(passed, 5, "20 at once, 5 allowed");
}

//! The qualification workflow (S1, R2–R9) through GraphQL, as each role.

use crate::harness::*;
use officer_registry::domain::Role;
use serde_json::{Value, json};

const START: &str = "mutation($k: QualificationRequestKind!) { startQualificationRequest(kind: $k) { id status kind } }";
const UPDATE: &str = "mutation($id: ID!, $i: QualificationDraftInput!) { updateQualificationRequest(id: $id, input: $i) { id status proposed { firstName city { name } province { name } fieldOfStudy { code } degreeLevel } } }";
const SUBMIT: &str = "mutation($id: ID!) { submitQualificationRequest(id: $id) { status university { name } submittedAt } }";
const CLAIM: &str = "mutation($id: ID!) { claimQualificationRequest(id: $id) { status assignedReviewer { userCode } } }";
const DEFICIENT: &str = "mutation($id: ID!, $items: [DeficiencyInput!]!) { reportDeficiencies(id: $id, items: $items) { status deficiencies { field documentKind description resolved } } }";
const RESUBMIT: &str = "mutation($id: ID!) { resubmitQualificationRequest(id: $id, note: \"اصلاح شد\") { status assignedReviewer { userCode } deficiencies { resolved } } }";
const APPROVE: &str = "mutation($id: ID!) { approveQualificationRequest(id: $id, note: \"تأیید\") { status feeRials } }";
const REJECT: &str = "mutation($id: ID!, $r: RejectionReason!, $n: String) { rejectQualificationRequest(id: $id, reason: $r, note: $n) { status rejectionReason } }";
const CANCEL: &str = "mutation($id: ID!) { cancelQualificationRequest(id: $id) { status } }";
const TRACK: &str = "query($id: ID!) { qualificationRequest(id: $id) { id kind status feeRials university { nameFa } deficiencies { field documentKind description resolved } documents { kind fileName } history { action fromStatus toStatus actorRole note occurredAt occurredAtJalali } changesSinceDeficiencies } }";
const QUEUE: &str = "query($s: [QualificationRequestStatus!], $first: Int, $after: String) { reviewQueue(status: $s, first: $first, after: $after) { totalCount edges { cursor node { id status submittedAt officer { nationalCode } } } pageInfo { hasNextPage endCursor } } }";

/// Starts a NEW request and fills it completely for `city` (Tehran province unless it is
/// Tabriz), with the four required documents. Returns its id.
pub async fn complete_draft(app: &TestApp, o: &TestOfficer, city: &str) -> String {
    let resp = app.gql_as(&o.token, START, json!({ "k": "NEW" })).await;
    let id = resp["data"]["startQualificationRequest"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{resp}"))
        .to_string();
    let province = if city == TABRIZ_CITY {
        EAST_AZERBAIJAN
    } else {
        TEHRAN_PROVINCE
    };
    let resp = app
        .gql_as(
            &o.token,
            UPDATE,
            json!({ "id": id, "i": {
                "fieldOfStudyId": "1", "degreeLevel": "BACHELOR",
                "provinceId": province, "cityId": city,
            }}),
        )
        .await;
    assert!(resp["errors"].is_null(), "{resp}");
    for kind in [
        "DEGREE_CERTIFICATE",
        "NATIONAL_CARD",
        "BIRTH_CERTIFICATE",
        "PHOTO",
    ] {
        let r = app.upload(&o.token, &id, kind, "scan.pdf", PDF).await;
        assert!(r["errors"].is_null(), "{r}");
    }
    id
}

/// A complete request, submitted.
pub async fn submitted_request(app: &TestApp, o: &TestOfficer, city: &str) -> String {
    let id = complete_draft(app, o, city).await;
    let resp = app.gql_as(&o.token, SUBMIT, json!({ "id": id })).await;
    assert_eq!(
        resp["data"]["submitQualificationRequest"]["status"], "SUBMITTED",
        "{resp}"
    );
    id
}

async fn run(app: &TestApp, token: &str, q: &str, vars: Value) -> Value {
    app.gql_as(token, q, vars).await
}

#[tokio::test]
async fn from_draft_to_awaiting_payment_with_a_deficiency_round_trip_and_completion() {
    let app = TestApp::spawn().await;
    let o = app.register_officer().await;
    let iran = app.reviewer_of(IRAN_UNIVERSITY).await;
    let tehran = app.reviewer_of(TEHRAN_UNIVERSITY).await;

    // Shahriar is covered by Iran University (city coverage beats the province default).
    let shahriar = "2803";
    let id = complete_draft(&app, &o, shahriar).await;
    let resp = run(&app, &o.token, SUBMIT, json!({ "id": id })).await;
    assert_eq!(
        resp["data"]["submitQualificationRequest"]["university"]["name"],
        "Iran University of Medical Sciences",
        "{resp}"
    );

    // It is in Iran University's cartable, not in Tehran University's.
    let q = run(&app, &iran, QUEUE, json!({})).await;
    assert_eq!(q["data"]["reviewQueue"]["totalCount"], 1, "{q}");
    let q = run(&app, &tehran, QUEUE, json!({})).await;
    assert_eq!(q["data"]["reviewQueue"]["totalCount"], 0);

    let resp = run(&app, &iran, CLAIM, json!({ "id": id })).await;
    assert_eq!(
        resp["data"]["claimQualificationRequest"]["status"],
        "UNDER_REVIEW"
    );
    let reviewer_code =
        resp["data"]["claimQualificationRequest"]["assignedReviewer"]["userCode"].clone();

    let resp = run(
        &app,
        &iran,
        DEFICIENT,
        json!({ "id": id, "items": [
            { "field": "degreeLevel", "description": "مقطع با مدرک همخوانی ندارد" },
            { "documentKind": "PHOTO", "description": "عکس ناخواناست" },
        ]}),
    )
    .await;
    assert_eq!(
        resp["data"]["reportDeficiencies"]["status"], "DEFICIENT",
        "{resp}"
    );

    // The officer sees them, fixes the request and sends it back.
    let track = run(&app, &o.token, TRACK, json!({ "id": id })).await;
    assert_eq!(
        track["data"]["qualificationRequest"]["deficiencies"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let resp = run(
        &app,
        &o.token,
        UPDATE,
        json!({ "id": id, "i": { "degreeLevel": "MASTER" } }),
    )
    .await;
    assert!(resp["errors"].is_null(), "{resp}");
    let photo = app
        .upload(&o.token, &id, "PHOTO", "new-photo.png", PNG)
        .await;
    assert!(photo["errors"].is_null(), "{photo}");
    let resp = run(&app, &o.token, RESUBMIT, json!({ "id": id })).await;
    let back = &resp["data"]["resubmitQualificationRequest"];
    assert_eq!(back["status"], "UNDER_REVIEW", "{resp}");
    assert_eq!(
        back["assignedReviewer"]["userCode"], reviewer_code,
        "the same reviewer (R5)"
    );
    assert!(
        back["deficiencies"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["resolved"] == true)
    );

    // The reviewer sees what changed since the deficiencies were reported.
    let track = run(&app, &iran, TRACK, json!({ "id": id })).await;
    assert_eq!(
        track["data"]["qualificationRequest"]["changesSinceDeficiencies"],
        json!(["degreeLevel", "documents"])
    );

    let resp = run(&app, &iran, APPROVE, json!({ "id": id })).await;
    assert_eq!(
        resp["data"]["approveQualificationRequest"]["status"],
        "AWAITING_PAYMENT"
    );
    assert_eq!(
        resp["data"]["approveQualificationRequest"]["feeRials"],
        5_000_000
    );

    // Until the fee is paid, the officer is not qualified and its data untouched.
    let me =
        "{ me { officer { qualificationStatus degreeLevel city { name } documents { kind } } } }";
    let before = run(&app, &o.token, me, json!({})).await;
    assert_eq!(
        before["data"]["me"]["officer"]["qualificationStatus"],
        "NOT_QUALIFIED"
    );
    assert!(before["data"]["me"]["officer"]["degreeLevel"].is_null());

    // The officer pays the fee at the bank (the simulator): the request completes.
    crate::payments::pay(&app, &o, &id).await;
    let after = run(&app, &o.token, me, json!({})).await;
    let officer = &after["data"]["me"]["officer"];
    assert_eq!(officer["qualificationStatus"], "QUALIFIED");
    assert_eq!(officer["degreeLevel"], "MASTER");
    assert_eq!(officer["city"]["name"], "Shahriar");
    assert_eq!(officer["documents"].as_array().unwrap().len(), 5);

    // The history, as the officer tracks it.
    let track = run(&app, &o.token, TRACK, json!({ "id": id })).await;
    let history: Vec<(String, String, Value)> = track["data"]["qualificationRequest"]["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["fromStatus"] != e["toStatus"])
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["toStatus"].as_str().unwrap().to_string(),
                e["actorRole"].clone(),
            )
        })
        .collect();
    assert_eq!(
        history,
        vec![
            ("CREATE".into(), "DRAFT".into(), json!("OFFICER")),
            ("SUBMIT".into(), "SUBMITTED".into(), json!("OFFICER")),
            (
                "CLAIM".into(),
                "UNDER_REVIEW".into(),
                json!("UNIVERSITY_REVIEWER")
            ),
            (
                "REPORT_DEFICIENCIES".into(),
                "DEFICIENT".into(),
                json!("UNIVERSITY_REVIEWER")
            ),
            ("RESUBMIT".into(), "UNDER_REVIEW".into(), json!("OFFICER")),
            (
                "APPROVE".into(),
                "AWAITING_PAYMENT".into(),
                json!("UNIVERSITY_REVIEWER")
            ),
            ("COMPLETE".into(), "COMPLETED".into(), Value::Null),
        ]
    );
    let first = &track["data"]["qualificationRequest"]["history"][0];
    let jalali = first["occurredAtJalali"].as_str().unwrap();
    assert!(jalali.len() == 16 && jalali.starts_with("14"), "{jalali}");
}

#[tokio::test]
async fn a_wrong_province_is_rejected_and_the_officer_starts_again() {
    let app = TestApp::spawn().await;
    let o = app.register_officer().await;
    let tabriz = app.reviewer_of(TABRIZ_UNIVERSITY).await;
    let id = submitted_request(&app, &o, TABRIZ_CITY).await;
    // Reason is required by the schema; OTHER needs a note.
    let resp = app
        .gql_as(
            &tabriz,
            "mutation($id: ID!) { rejectQualificationRequest(id: $id) { status } }",
            json!({ "id": id }),
        )
        .await;
    assert_refused(&resp, "VALIDATION_FAILED");
    let resp = run(&app, &tabriz, REJECT, json!({ "id": id, "r": "OTHER" })).await;
    assert_refused(&resp, "VALIDATION_FAILED");
    let resp = run(
        &app,
        &tabriz,
        REJECT,
        json!({ "id": id, "r": "WRONG_PROVINCE", "n": "ساکن تهران است" }),
    )
    .await;
    assert_eq!(
        resp["data"]["rejectQualificationRequest"]["rejectionReason"], "WRONG_PROVINCE",
        "{resp}"
    );
    // R7: a new request, as many times as needed; it reaches the right university.
    for _ in 0..2 {
        let id = submitted_request(&app, &o, TEHRAN_CITY).await;
        let tehran = app.reviewer_of(TEHRAN_UNIVERSITY).await;
        let resp = run(
            &app,
            &tehran,
            REJECT,
            json!({ "id": id, "r": "INCOMPLETE_DOCUMENTS" }),
        )
        .await;
        assert_eq!(
            resp["data"]["rejectQualificationRequest"]["status"], "REJECTED",
            "{resp}"
        );
    }
    let resp = run(
        &app,
        &o.token,
        "{ myQualificationRequests { totalCount edges { node { status } } } }",
        json!({}),
    )
    .await;
    assert_eq!(resp["data"]["myQualificationRequests"]["totalCount"], 3);
}

#[tokio::test]
async fn forbidden_transitions_are_refused() {
    let app = TestApp::spawn().await;
    let o = app.register_officer().await;
    let other = app.register_officer().await;
    let tehran_a = app.reviewer_of(TEHRAN_UNIVERSITY).await;
    let tehran_b = app.reviewer_of(TEHRAN_UNIVERSITY).await;
    let tabriz = app.reviewer_of(TABRIZ_UNIVERSITY).await;
    let id = complete_draft(&app, &o, TEHRAN_CITY).await;
    let v = json!({ "id": id });

    // A draft is invisible to reviewers; officers may not approve.
    assert_refused(&run(&app, &tehran_a, APPROVE, v.clone()).await, "NOT_FOUND");
    assert_refused(&run(&app, &o.token, APPROVE, v.clone()).await, "FORBIDDEN");
    // Resubmitting what is not DEFICIENT.
    assert_refused(
        &run(&app, &o.token, RESUBMIT, v.clone()).await,
        "INVALID_STATE",
    );
    // Another officer acting on it.
    for q in [SUBMIT, CANCEL, RESUBMIT, TRACK] {
        assert_refused(&run(&app, &other.token, q, v.clone()).await, "NOT_FOUND");
    }
    run(&app, &o.token, SUBMIT, v.clone()).await;
    assert_refused(
        &run(&app, &o.token, SUBMIT, v.clone()).await,
        "INVALID_STATE",
    );
    // Editing after submission.
    let resp = run(
        &app,
        &o.token,
        UPDATE,
        json!({ "id": id, "i": { "firstName": "رضا" } }),
    )
    .await;
    assert_refused(&resp, "INVALID_STATE");
    assert_refused(
        &app.upload(&o.token, &id, "OTHER", "x.pdf", PDF).await,
        "INVALID_STATE",
    );
    // Approve or report before claiming.
    assert_refused(
        &run(&app, &tehran_a, APPROVE, v.clone()).await,
        "INVALID_STATE",
    );
    // Another university's reviewer.
    assert_refused(&run(&app, &tabriz, CLAIM, v.clone()).await, "NOT_FOUND");
    assert_refused(&run(&app, &tabriz, TRACK, v.clone()).await, "NOT_FOUND");

    run(&app, &tehran_a, CLAIM, v.clone()).await;
    // Assigned to another reviewer: B may not act.
    assert_refused(
        &run(&app, &tehran_b, CLAIM, v.clone()).await,
        "INVALID_STATE",
    );
    assert_refused(
        &run(&app, &tehran_b, APPROVE, v.clone()).await,
        "INVALID_STATE",
    );
    let items = json!({ "id": id, "items": [{ "field": "cityId", "description": "x" }] });
    assert_refused(
        &run(&app, &tehran_b, DEFICIENT, items).await,
        "INVALID_STATE",
    );
    assert_refused(
        &run(
            &app,
            &tehran_b,
            REJECT,
            json!({ "id": id, "r": "INCOMPLETE_DOCUMENTS" }),
        )
        .await,
        "INVALID_STATE",
    );
    // Cancel once under review.
    assert_refused(
        &run(&app, &o.token, CANCEL, v.clone()).await,
        "INVALID_STATE",
    );
    // Deficiencies with no items, or with an item naming nothing, or an unknown field.
    assert_refused(
        &run(&app, &tehran_a, DEFICIENT, json!({ "id": id, "items": [] })).await,
        "VALIDATION_FAILED",
    );
    let resp = run(
        &app,
        &tehran_a,
        DEFICIENT,
        json!({ "id": id, "items": [{ "description": "x" }] }),
    )
    .await;
    assert_refused(&resp, "VALIDATION_FAILED");
    let resp = run(
        &app,
        &tehran_a,
        DEFICIENT,
        json!({ "id": id, "items": [{ "field": "nationalCode", "description": "x" }] }),
    )
    .await;
    assert_refused(&resp, "VALIDATION_FAILED");
    let resp = run(
        &app,
        &tehran_a,
        DEFICIENT,
        json!({ "id": id, "items": [{ "field": "cityId", "description": "  " }] }),
    )
    .await;
    assert_refused(&resp, "VALIDATION_FAILED");
    // Still UNDER_REVIEW after all that.
    let track = run(&app, &o.token, TRACK, v.clone()).await;
    assert_eq!(
        track["data"]["qualificationRequest"]["status"],
        "UNDER_REVIEW"
    );
    // Approve, then nothing more from the reviewer.
    run(&app, &tehran_a, APPROVE, v.clone()).await;
    assert_refused(
        &run(&app, &tehran_a, APPROVE, v.clone()).await,
        "INVALID_STATE",
    );
    assert_refused(
        &run(
            &app,
            &tehran_a,
            REJECT,
            json!({ "id": id, "r": "INCOMPLETE_DOCUMENTS" }),
        )
        .await,
        "INVALID_STATE",
    );
    // Distributors and admins have no part in the workflow.
    let distributor = app.login_as(Role::Distributor).await;
    assert_refused(
        &run(&app, &distributor, START, json!({ "k": "NEW" })).await,
        "FORBIDDEN",
    );
    let admin = app.login_as(Role::DirectorateAdmin).await;
    assert_refused(&run(&app, &admin, CLAIM, v.clone()).await, "FORBIDDEN");
    assert!(run(&app, &admin, TRACK, v.clone()).await["errors"].is_null());
}

#[tokio::test]
async fn a_submission_missing_each_piece_is_refused_naming_it() {
    let app = TestApp::spawn().await;
    let o = app.register_officer().await;
    let resp = run(&app, &o.token, START, json!({ "k": "NEW" })).await;
    let id = resp["data"]["startQualificationRequest"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let resp = run(&app, &o.token, SUBMIT, json!({ "id": id })).await;
    assert_refused(&resp, "VALIDATION_FAILED");
    assert_eq!(
        resp["errors"][0]["extensions"]["missing"],
        json!([
            "degreeLevel",
            "fieldOfStudyId",
            "provinceId",
            "cityId",
            "document:BIRTH_CERTIFICATE",
            "document:DEGREE_CERTIFICATE",
            "document:NATIONAL_CARD",
            "document:PHOTO"
        ])
    );
    assert!(
        resp["errors"][0]["extensions"]["messageFa"]
            .as_str()
            .unwrap()
            .contains("مدرک «عکس»")
    );

    // Fill in one piece at a time: each submission names exactly what is still missing.
    let steps: Vec<(Value, &str)> = vec![
        (json!({ "degreeLevel": "BACHELOR" }), "degreeLevel"),
        (json!({ "fieldOfStudyId": "1" }), "fieldOfStudyId"),
        (json!({ "provinceId": TEHRAN_PROVINCE }), "provinceId"),
        (json!({ "cityId": TEHRAN_CITY }), "cityId"),
    ];
    for (input, piece) in steps {
        run(&app, &o.token, UPDATE, json!({ "id": id, "i": input })).await;
        let resp = run(&app, &o.token, SUBMIT, json!({ "id": id })).await;
        let missing = resp["errors"][0]["extensions"]["missing"]
            .as_array()
            .unwrap()
            .clone();
        assert!(
            !missing.contains(&json!(piece)),
            "{piece} still reported: {missing:?}"
        );
    }
    for kind in ["BIRTH_CERTIFICATE", "DEGREE_CERTIFICATE", "NATIONAL_CARD"] {
        app.upload(&o.token, &id, kind, "d.pdf", PDF).await;
        let resp = run(&app, &o.token, SUBMIT, json!({ "id": id })).await;
        assert_refused(&resp, "VALIDATION_FAILED");
        assert!(
            !resp["errors"][0]["extensions"]["missing"]
                .as_array()
                .unwrap()
                .contains(&json!(format!("document:{kind}")))
        );
    }
    app.upload(&o.token, &id, "PHOTO", "p.jpg", JPEG).await;
    let resp = run(&app, &o.token, SUBMIT, json!({ "id": id })).await;
    assert_eq!(
        resp["data"]["submitQualificationRequest"]["status"], "SUBMITTED",
        "{resp}"
    );
}

#[tokio::test]
async fn ineligible_fields_are_refused_and_the_list_is_data() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::DirectorateAdmin).await;
    let o = app.register_officer().await;
    let id = complete_draft(&app, &o, TEHRAN_CITY).await;
    let set = "mutation($id: ID!, $e: Boolean!) { setFieldOfStudyEligibility(id: $id, eligible: $e) { code eligible } }";
    let resp = run(&app, &admin, set, json!({ "id": "1", "e": false })).await;
    assert_eq!(
        resp["data"]["setFieldOfStudyEligibility"]["eligible"], false,
        "{resp}"
    );
    let resp = run(&app, &o.token, SUBMIT, json!({ "id": id })).await;
    assert_refused(&resp, "VALIDATION_FAILED");
    assert_eq!(resp["errors"][0]["extensions"]["field"], "fieldOfStudyId");
    // Only admins change the list.
    assert_refused(
        &run(&app, &o.token, set, json!({ "id": "1", "e": true })).await,
        "FORBIDDEN",
    );
    run(&app, &admin, set, json!({ "id": "1", "e": true })).await;
    let resp = run(&app, &o.token, SUBMIT, json!({ "id": id })).await;
    assert_eq!(
        resp["data"]["submitQualificationRequest"]["status"], "SUBMITTED",
        "{resp}"
    );
    // A field that is not eligible in the seed data.
    let o2 = app.register_officer().await;
    let id2 = complete_draft(&app, &o2, TEHRAN_CITY).await;
    let fields = run(
        &app,
        &o2.token,
        "{ fieldsOfStudy { id eligible } }",
        json!({}),
    )
    .await;
    let ineligible = fields["data"]["fieldsOfStudy"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["eligible"] == false)
        .unwrap()["id"]
        .clone();
    run(
        &app,
        &o2.token,
        UPDATE,
        json!({ "id": id2, "i": { "fieldOfStudyId": ineligible } }),
    )
    .await;
    assert_refused(
        &run(&app, &o2.token, SUBMIT, json!({ "id": id2 })).await,
        "VALIDATION_FAILED",
    );
}

#[tokio::test]
async fn one_open_request_per_officer_and_kinds_follow_qualification() {
    let app = TestApp::spawn().await;
    let o = app.register_officer().await;
    let resp = run(&app, &o.token, START, json!({ "k": "AMENDMENT" })).await;
    assert_refused(&resp, "NOT_QUALIFIED");
    // Eight starts at once: exactly one draft.
    let results = futures_util::future::join_all(
        (0..8).map(|_| run(&app, &o.token, START, json!({ "k": "NEW" }))),
    )
    .await;
    assert_eq!(
        results.iter().filter(|r| r["errors"].is_null()).count(),
        1,
        "{results:?}"
    );
    for r in results.iter().filter(|r| !r["errors"].is_null()) {
        assert_refused(r, "CONFLICT");
    }
    let track = run(
        &app,
        &o.token,
        "{ myQualificationRequests { totalCount edges { node { history { action toStatus } } } } }",
        json!({}),
    )
    .await;
    assert_eq!(track["data"]["myQualificationRequests"]["totalCount"], 1);
    assert_eq!(
        track["data"]["myQualificationRequests"]["edges"][0]["node"]["history"],
        json!([{ "action": "CREATE", "toStatus": "DRAFT" }])
    );
}

#[tokio::test]
async fn two_reviewers_claiming_at_once_one_wins() {
    let app = TestApp::spawn().await;
    let o = app.register_officer().await;
    let id = submitted_request(&app, &o, TEHRAN_CITY).await;
    let mut reviewers = Vec::new();
    for _ in 0..4 {
        reviewers.push(app.reviewer_of(TEHRAN_UNIVERSITY).await);
    }
    let results = futures_util::future::join_all(
        reviewers
            .iter()
            .map(|r| run(&app, r, CLAIM, json!({ "id": id }))),
    )
    .await;
    assert_eq!(
        results.iter().filter(|r| r["errors"].is_null()).count(),
        1,
        "{results:?}"
    );
    for r in results.iter().filter(|r| !r["errors"].is_null()) {
        assert_refused(r, "INVALID_STATE");
    }
}

#[tokio::test]
async fn a_fee_change_applies_to_later_approvals_only() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::DirectorateAdmin).await;
    let reviewer = app.reviewer_of(TEHRAN_UNIVERSITY).await;
    let a = app.register_officer().await;
    let b = app.register_officer().await;
    let ra = submitted_request(&app, &a, TEHRAN_CITY).await;
    let rb = submitted_request(&app, &b, TEHRAN_CITY).await;
    for id in [&ra, &rb] {
        run(&app, &reviewer, CLAIM, json!({ "id": id })).await;
    }
    run(&app, &reviewer, APPROVE, json!({ "id": ra })).await;
    let fee = "mutation($a: Int!) { setReviewFee(kind: NEW, amountRials: $a) }";
    assert_eq!(
        run(&app, &admin, fee, json!({ "a": 6_500_000 })).await["data"]["setReviewFee"],
        6_500_000
    );
    assert_refused(
        &run(&app, &admin, fee, json!({ "a": 0 })).await,
        "VALIDATION_FAILED",
    );
    assert_refused(
        &run(&app, &reviewer, fee, json!({ "a": 1 })).await,
        "FORBIDDEN",
    );
    run(&app, &reviewer, APPROVE, json!({ "id": rb })).await;
    let fee_of = |t: Value| t["data"]["qualificationRequest"]["feeRials"].clone();
    assert_eq!(
        fee_of(run(&app, &a.token, TRACK, json!({ "id": ra })).await),
        5_000_000
    );
    assert_eq!(
        fee_of(run(&app, &b.token, TRACK, json!({ "id": rb })).await),
        6_500_000
    );
}

#[tokio::test]
async fn an_amendment_changes_the_officer_only_once_completed() {
    let app = TestApp::spawn().await;
    let o = app.register_officer().await;
    let reviewer = app.reviewer_of(TEHRAN_UNIVERSITY).await;
    let id = submitted_request(&app, &o, TEHRAN_CITY).await;
    run(&app, &reviewer, CLAIM, json!({ "id": id })).await;
    run(&app, &reviewer, APPROVE, json!({ "id": id })).await;
    crate::payments::pay(&app, &o, &id).await;

    assert_refused(
        &run(&app, &o.token, START, json!({ "k": "NEW" })).await,
        "INVALID_STATE",
    );
    let resp = run(&app, &o.token, START, json!({ "k": "AMENDMENT" })).await;
    let am = resp["data"]["startQualificationRequest"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let resp = run(
        &app,
        &o.token,
        UPDATE,
        json!({ "id": am, "i": { "lastName": "رضايي‌نژاد", "phone": "02166778899" } }),
    )
    .await;
    assert_eq!(
        resp["data"]["updateQualificationRequest"]["proposed"]["firstName"], "علی",
        "prefilled: {resp}"
    );
    app.upload(&o.token, &am, "DEGREE_CERTIFICATE", "new-degree.pdf", PDF)
        .await;
    // No required documents for an amendment.
    let resp = run(&app, &o.token, SUBMIT, json!({ "id": am })).await;
    assert_eq!(
        resp["data"]["submitQualificationRequest"]["status"], "SUBMITTED",
        "{resp}"
    );
    run(&app, &reviewer, CLAIM, json!({ "id": am })).await;
    let resp = run(&app, &reviewer, APPROVE, json!({ "id": am })).await;
    assert_eq!(
        resp["data"]["approveQualificationRequest"]["feeRials"],
        2_500_000
    );

    let me =
        "{ me { officer { nationalCode birthDate lastName phone documents { kind fileName } } } }";
    let before = run(&app, &o.token, me, json!({})).await;
    assert_eq!(before["data"]["me"]["officer"]["lastName"], "رضایی");
    crate::payments::pay(&app, &o, &am).await;
    let after = run(&app, &o.token, me, json!({})).await;
    let officer = &after["data"]["me"]["officer"];
    assert_eq!(officer["lastName"], "رضایی‌نژاد");
    assert_eq!(officer["phone"], "02166778899");
    assert_eq!(officer["nationalCode"], o.national_code.as_str(), "E1");
    assert_eq!(officer["birthDate"], "1990-03-21", "E1");
    let degrees: Vec<&Value> = officer["documents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "DEGREE_CERTIFICATE")
        .collect();
    assert_eq!(
        degrees.len(),
        1,
        "the amendment's document replaces the old one"
    );
    assert_eq!(degrees[0]["fileName"], "new-degree.pdf");
}

#[tokio::test]
async fn the_review_queue_is_paginated_oldest_first_and_filterable() {
    let app = TestApp::spawn().await;
    let reviewer = app.reviewer_of(TEHRAN_UNIVERSITY).await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        let o = app.register_officer().await;
        ids.push(submitted_request(&app, &o, TEHRAN_CITY).await);
    }
    let page1 = run(&app, &reviewer, QUEUE, json!({ "first": 2 })).await;
    let conn = &page1["data"]["reviewQueue"];
    assert_eq!(conn["totalCount"], 5, "{page1}");
    assert_eq!(conn["pageInfo"]["hasNextPage"], true);
    let got: Vec<String> = conn["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(got, ids[..2]);
    let page2 = run(
        &app,
        &reviewer,
        QUEUE,
        json!({ "first": 10, "after": conn["pageInfo"]["endCursor"] }),
    )
    .await;
    let got: Vec<String> = page2["data"]["reviewQueue"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(got, ids[2..]);
    assert_eq!(
        page2["data"]["reviewQueue"]["pageInfo"]["hasNextPage"],
        false
    );

    run(&app, &reviewer, CLAIM, json!({ "id": ids[3] })).await;
    let under = run(&app, &reviewer, QUEUE, json!({ "s": ["UNDER_REVIEW"] })).await;
    assert_eq!(under["data"]["reviewQueue"]["totalCount"], 1);
    assert_eq!(
        under["data"]["reviewQueue"]["edges"][0]["node"]["id"],
        ids[3].as_str()
    );

    assert_refused(
        &run(&app, &reviewer, QUEUE, json!({ "first": 0 })).await,
        "VALIDATION_FAILED",
    );
    assert_refused(
        &run(&app, &reviewer, QUEUE, json!({ "first": 101 })).await,
        "VALIDATION_FAILED",
    );
    assert_refused(
        &run(&app, &reviewer, QUEUE, json!({ "after": "garbage" })).await,
        "VALIDATION_FAILED",
    );
    let officer = app.register_officer().await;
    assert_refused(
        &run(&app, &officer.token, QUEUE, json!({})).await,
        "FORBIDDEN",
    );
}

#[tokio::test]
async fn statements_per_page_do_not_grow_with_the_page() {
    let app = TestApp::spawn().await;
    let reviewer = app.reviewer_of(TEHRAN_UNIVERSITY).await;
    for _ in 0..12 {
        let o = app.register_officer().await;
        submitted_request(&app, &o, TEHRAN_CITY).await;
    }
    let rich = "query($first: Int) { reviewQueue(first: $first) { totalCount edges { node { id officer { nationalCode city { name } fieldOfStudy { name } } university { name province { name } } documents { fileName } deficiencies { description } history { action occurredAtJalali } assignedReviewer { userCode } } } } }";
    let count = |app: &TestApp| app.app.queries.load(std::sync::atomic::Ordering::SeqCst);
    // Warm up (the first request of a test also loads the caller).
    run(&app, &reviewer, rich, json!({ "first": 1 })).await;
    let before = count(&app);
    let small = run(&app, &reviewer, rich, json!({ "first": 2 })).await;
    let mid = count(&app);
    let large = run(&app, &reviewer, rich, json!({ "first": 12 })).await;
    let end = count(&app);
    assert!(
        small["errors"].is_null() && large["errors"].is_null(),
        "{small} {large}"
    );
    assert_eq!(
        large["data"]["reviewQueue"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        12
    );
    assert_eq!(
        mid - before,
        end - mid,
        "statements for 2 and for 12 requests"
    );
}

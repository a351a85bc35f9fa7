//! Admin operations and role guards.

use crate::harness::*;
use officer_registry::domain::Role;
use serde_json::{Value, json};

const CREATE_STAFF: &str = "mutation($i: CreateStaffAccountInput!) { createStaffAccount(input: $i) { userCode role displayName university { name province { name } } } }";
const CREATE_DISTRIBUTOR: &str = "mutation($i: CreateDistributorInput!) { createDistributor(input: $i) { id name kind nationalId branches { name isCentral address province { nameFa } city { name nameFa } distributor { name } } } }";

fn reviewer_input(code: &str) -> Value {
    json!({
        "role": "UNIVERSITY_REVIEWER",
        "userCode": code,
        "password": "Reviewer-pass-1",
        "displayName": "  كارشناس  يكم ",
        "universityId": TEHRAN_UNIVERSITY.to_string(),
    })
}

fn distributor_input() -> Value {
    json!({
        "name": "شركت تجهيزات آزمون",
        "kind": "COMPANY",
        "nationalId": "۱۰۱۰۱۲۳۴۵۶۵",
        "managerMobile": "+98 912 345 6789",
        "provinceId": "28",
        "cityId": "2801",
        "address": "تهران، خیابان آزادی",
        "userCode": "dist-test",
        "password": "Distributor-pass-1",
    })
}

#[tokio::test]
async fn admin_creates_a_reviewer_who_can_sign_in() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::DirectorateAdmin).await;
    let resp = app
        .gql_as(
            &admin,
            CREATE_STAFF,
            json!({ "i": reviewer_input("rev-1") }),
        )
        .await;
    insta::assert_json_snapshot!(resp);
    let login = app.login("rev-1", "Reviewer-pass-1").await;
    assert_eq!(
        login["data"]["login"]["viewer"]["role"],
        "UNIVERSITY_REVIEWER"
    );

    // The same user code again: CONFLICT, nothing else written.
    let again = app
        .gql_as(
            &admin,
            CREATE_STAFF,
            json!({ "i": reviewer_input("rev-1") }),
        )
        .await;
    assert_refused(&again, "CONFLICT");
}

#[tokio::test]
async fn staff_account_input_is_checked() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::DirectorateAdmin).await;
    let cases: Vec<(Value, &str)> = vec![
        (json!({ "universityId": null }), "universityId"),
        (json!({ "universityId": "99999" }), "universityId"),
        (json!({ "universityId": "abc" }), "universityId"),
        (json!({ "role": "OFFICER" }), "role"),
        (json!({ "role": "DISTRIBUTOR" }), "role"),
        (json!({ "role": "DIRECTORATE_ADMIN" }), "universityId"),
        (json!({ "password": "short1" }), "password"),
        (json!({ "password": "onlyletters" }), "password"),
        (json!({ "userCode": "a b" }), "userCode"),
        (json!({ "displayName": "   " }), "displayName"),
    ];
    for (change, field) in cases {
        let mut input = reviewer_input("rev-x");
        for (k, v) in change.as_object().unwrap() {
            input[k] = v.clone();
        }
        let resp = app
            .gql_as(&admin, CREATE_STAFF, json!({ "i": input }))
            .await;
        assert_refused(&resp, "VALIDATION_FAILED");
        assert_eq!(resp["errors"][0]["extensions"]["field"], field, "{resp}");
    }
    // None of them created the account.
    assert_refused(
        &app.login("rev-x", "Reviewer-pass-1").await,
        "UNAUTHENTICATED",
    );
}

#[tokio::test]
async fn admin_creates_a_distributor_with_its_central_branch() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::DirectorateAdmin).await;
    let resp = app
        .gql_as(
            &admin,
            CREATE_DISTRIBUTOR,
            json!({ "i": distributor_input() }),
        )
        .await;
    insta::assert_json_snapshot!(resp, { ".data.createDistributor.id" => "[id]" });

    let login = app.login("dist-test", "Distributor-pass-1").await;
    let token = login["data"]["login"]["accessToken"].as_str().unwrap();
    let me = app
        .gql_as(
            token,
            "{ me { role distributor { nationalId branches { isCentral } } } }",
            json!({}),
        )
        .await;
    assert_eq!(me["data"]["me"]["distributor"]["nationalId"], "10101234565");
    assert_eq!(
        me["data"]["me"]["distributor"]["branches"][0]["isCentral"],
        true
    );

    // The same national ID again: CONFLICT.
    let mut again = distributor_input();
    again["userCode"] = json!("dist-test-2");
    let resp = app
        .gql_as(&admin, CREATE_DISTRIBUTOR, json!({ "i": again }))
        .await;
    assert_refused(&resp, "CONFLICT");
    // And the refused request left no account behind.
    assert_refused(
        &app.login("dist-test-2", "Distributor-pass-1").await,
        "UNAUTHENTICATED",
    );
}

#[tokio::test]
async fn distributor_input_is_checked() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::DirectorateAdmin).await;
    let cases: Vec<(Value, &str)> = vec![
        (json!({ "nationalId": "10101234566" }), "nationalId"),
        (json!({ "nationalId": "11111111111" }), "nationalId"),
        (json!({ "nationalId": "1010123456" }), "nationalId"),
        (json!({ "managerMobile": "0212345678" }), "managerMobile"),
        (json!({ "cityId": "101" }), "cityId"),
        (json!({ "cityId": "999999" }), "cityId"),
        (json!({ "provinceId": "x" }), "provinceId"),
        (json!({ "name": " " }), "name"),
        (json!({ "address": "" }), "address"),
        (json!({ "password": "1234567" }), "password"),
    ];
    for (change, field) in cases {
        let mut input = distributor_input();
        for (k, v) in change.as_object().unwrap() {
            input[k] = v.clone();
        }
        let resp = app
            .gql_as(&admin, CREATE_DISTRIBUTOR, json!({ "i": input }))
            .await;
        assert_refused(&resp, "VALIDATION_FAILED");
        assert_eq!(resp["errors"][0]["extensions"]["field"], field, "{resp}");
    }
    assert_refused(
        &app.login("dist-test", "Distributor-pass-1").await,
        "UNAUTHENTICATED",
    );
}

#[tokio::test]
async fn only_admins_may_run_admin_operations() {
    let app = TestApp::spawn().await;
    for role in [Role::Officer, Role::Distributor, Role::UniversityReviewer] {
        let token = app.login_as(role).await;
        let resp = app
            .gql_as(
                &token,
                CREATE_STAFF,
                json!({ "i": reviewer_input("rev-2") }),
            )
            .await;
        assert_refused(&resp, "FORBIDDEN");
        let resp = app
            .gql_as(
                &token,
                CREATE_DISTRIBUTOR,
                json!({ "i": distributor_input() }),
            )
            .await;
        assert_refused(&resp, "FORBIDDEN");
    }
    let resp = app
        .gql(CREATE_STAFF, json!({ "i": reviewer_input("rev-2") }))
        .await;
    assert_refused(&resp, "UNAUTHENTICATED");
    assert_refused(
        &app.login("rev-2", "Reviewer-pass-1").await,
        "UNAUTHENTICATED",
    );
}

#[tokio::test]
async fn admin_actions_are_in_the_event_log() {
    use diesel_async::RunQueryDsl;
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::DirectorateAdmin).await;
    app.gql_as(
        &admin,
        CREATE_STAFF,
        json!({ "i": reviewer_input("rev-3") }),
    )
    .await;
    #[derive(diesel::QueryableByName, Debug)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        action: String,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        actor_role: Option<String>,
    }
    let mut conn = app.app.pool.get().await.unwrap();
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT action, actor_role FROM events WHERE action = 'CREATE_STAFF_ACCOUNT'",
    )
    .load(&mut conn)
    .await
    .unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].action, "CREATE_STAFF_ACCOUNT");
    assert_eq!(rows[0].actor_role.as_deref(), Some("DIRECTORATE_ADMIN"));
    // The log is append-only.
    let update = diesel::sql_query("UPDATE events SET note = 'x'")
        .execute(&mut conn)
        .await;
    assert!(update.is_err());
}

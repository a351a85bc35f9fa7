//! Request limits and malformed requests.

use crate::harness::*;
use serde_json::{Value, json};

async fn post_raw(
    app: &TestApp,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> (u16, Value) {
    let resp = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused() {
    let app = TestApp::spawn().await;
    let padding = " ".repeat(300 * 1024);
    let body = format!(r#"{{"query": "{{ provinces {{ id }} }}{padding}"}}"#);
    let (status, resp) = post_raw(&app, "application/json", body).await;
    assert_eq!(status, 413);
    assert_refused(&resp, "VALIDATION_FAILED");
}

#[tokio::test]
async fn a_batch_array_is_refused() {
    let app = TestApp::spawn().await;
    let body = r#"[{"query": "{ provinces { id } }"}, {"query": "{ fieldsOfStudy { id } }"}]"#;
    let (status, resp) = post_raw(&app, "application/json", body).await;
    assert_eq!(status, 400);
    assert_refused(&resp, "VALIDATION_FAILED");
    assert!(
        resp["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("batch")
    );
}

#[tokio::test]
async fn invalid_json_is_refused() {
    let app = TestApp::spawn().await;
    for body in [r#"{"query": "{ provinces { id } }""#, "not json", "", "{}"] {
        let (status, resp) = post_raw(&app, "application/json", body).await;
        assert!(status == 400 || status == 200, "{body}: {status}");
        assert_refused(&resp, "VALIDATION_FAILED");
        assert!(resp["data"].is_null());
    }
}

#[tokio::test]
async fn syntax_and_schema_errors_carry_a_code() {
    let app = TestApp::spawn().await;
    for q in [
        "{ provinces { id ",
        "{ noSuchField }",
        "{ provinces { id(x: 1) } }",
    ] {
        let resp = app.gql(q, json!({})).await;
        assert_refused(&resp, "VALIDATION_FAILED");
    }
}

fn nested(depth: usize) -> String {
    // provinces -> universities -> province -> universities -> ...
    let mut q = String::from("id");
    for i in (0..depth).rev() {
        q = if i % 2 == 0 {
            format!("universities {{ {q} }}")
        } else {
            format!("province {{ {q} }}")
        };
    }
    format!("{{ provinces {{ {q} }} }}")
}

#[tokio::test]
async fn a_query_too_deep_is_refused() {
    let app = TestApp::spawn().await;
    let ok = app.gql(&nested(6), json!({})).await;
    assert!(ok["errors"].is_null(), "{ok}");
    let resp = app.gql(&nested(20), json!({})).await;
    assert_refused(&resp, "VALIDATION_FAILED");
    assert!(resp["data"].is_null());
    assert!(
        resp["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nested too deep"),
        "{resp}"
    );
}

#[tokio::test]
async fn a_query_too_complex_is_refused() {
    let app = TestApp::spawn().await;
    let fields = "id name nameFa ".repeat(150);
    let resp = app
        .gql(&format!("{{ provinces {{ {fields} }} }}"), json!({}))
        .await;
    assert_refused(&resp, "VALIDATION_FAILED");
    assert!(
        resp["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("complex"),
        "{resp}"
    );
}

#[tokio::test]
async fn too_many_aliases_are_refused() {
    let app = TestApp::spawn().await;
    let ok: String = (0..5)
        .map(|i| format!("a{i}: fieldsOfStudy {{ id }} "))
        .collect();
    assert!(app.gql(&format!("{{ {ok} }}"), json!({})).await["errors"].is_null());
    let many: String = (0..31)
        .map(|i| format!("a{i}: fieldsOfStudy {{ id }} "))
        .collect();
    let resp = app.gql(&format!("{{ {many} }}"), json!({})).await;
    assert_refused(&resp, "VALIDATION_FAILED");
    assert!(
        resp["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("aliases"),
        "{resp}"
    );
    // Aliases hidden in fragments count too.
    let frag: String = (0..31).map(|i| format!("n{i}: name ")).collect();
    let resp = app
        .gql(
            &format!("{{ provinces {{ ...F }} }} fragment F on Province {{ {frag} }}"),
            json!({}),
        )
        .await;
    assert_refused(&resp, "VALIDATION_FAILED");
}

#[tokio::test]
async fn the_standard_introspection_query_of_tools_is_accepted() {
    // graphql-js's getIntrospectionQuery(), as GraphiQL and code generators send it.
    let app = TestApp::spawn().await;
    let query = include_str!("fixtures/introspection.graphql");
    let resp = app.gql(query, json!({})).await;
    assert!(resp["errors"].is_null(), "{resp}");
    assert_eq!(resp["data"]["__schema"]["queryType"]["name"], "Query");
}

#[tokio::test]
async fn introspection_and_suggestions_are_off_in_production_mode() {
    let dev = TestApp::spawn().await;
    let resp = dev
        .gql("{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(resp["data"]["__schema"]["queryType"]["name"], "Query");
    let resp = dev.gql("{ provinc { id } }", json!({})).await;
    assert!(
        resp["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Did you mean")
    );

    let prod = TestApp::spawn_with(|c| c.production = true).await;
    let resp = prod
        .gql("{ __schema { queryType { name } } }", json!({}))
        .await;
    assert!(
        resp["data"]["__schema"].is_null() || !resp["errors"].is_null(),
        "{resp}"
    );
    let resp = prod.gql("{ provinc { id } }", json!({})).await;
    assert_refused(&resp, "VALIDATION_FAILED");
    assert!(
        !resp["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Did you mean")
    );

    // Introspection can be switched back on explicitly.
    let prod_open = TestApp::spawn_with(|c| {
        c.production = true;
        c.introspection = Some(true);
    })
    .await;
    let resp = prod_open
        .gql("{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(resp["data"]["__schema"]["queryType"]["name"], "Query");
}

const LOGIN: &str =
    "mutation($u: String!, $p: String!) { login(userCode: $u, password: $p) { accessToken } }";

fn assert_field(resp: &Value, field: &str) {
    assert_refused(resp, "VALIDATION_FAILED");
    assert_eq!(resp["errors"][0]["extensions"]["field"], field, "{resp}");
    assert!(resp["data"].is_null(), "{resp}");
}

#[tokio::test]
async fn odd_strings_are_refused_at_the_edge_not_by_the_database() {
    let app = TestApp::spawn().await;
    // A NUL in the user code (PostgreSQL refuses it as an invalid byte).
    let resp = app.gql(LOGIN, json!({ "u": "admin\u{0}", "p": "x" })).await;
    assert_field(&resp, "userCode");
    // 250 KB of user code (too large for the throttle's index row).
    let resp = app
        .gql(LOGIN, json!({ "u": "a".repeat(250_000), "p": "x" }))
        .await;
    assert_field(&resp, "userCode");
    // In the query text, as a literal.
    let resp = app
        .gql(
            r#"mutation { login(userCode: "a\u0000", password: "x") { accessToken } }"#,
            json!({}),
        )
        .await;
    assert_field(&resp, "userCode");
    // A field of an input object, and an item of a list.
    let resp = app
        .gql(
            "mutation($i: RegisterOfficerInput!) { registerOfficer(input: $i) { userCode } }",
            json!({ "i": {
                "nationalCode": "0084123451", "firstName": "علی\u{1b}", "lastName": "رضایی",
                "mobile": "09121234567", "birthDate": "1990-01-01", "password": PASSWORD,
            }}),
        )
        .await;
    assert_field(&resp, "input.firstName");
    let admin = app
        .login_as(officer_registry::domain::Role::DirectorateAdmin)
        .await;
    let resp = app
        .gql_as(
            &admin,
            "mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }",
            json!({ "i": { "subject": "s", "body": "b", "officerIds": ["a", "b\u{7}"] } }),
        )
        .await;
    assert_field(&resp, "input.officerIds.1");
    // Free text has room for a long note; not without limit.
    let resp = app
        .gql_as(
            &admin,
            "mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }",
            json!({ "i": { "subject": "s", "body": "ب".repeat(20_001), "allOfficers": true } }),
        )
        .await;
    assert_field(&resp, "input.body");
    // Still a normal answer for a normal wrong password.
    let resp = app.gql(LOGIN, json!({ "u": "nobody", "p": "x" })).await;
    assert_refused(&resp, "UNAUTHENTICATED");
}

#[tokio::test]
async fn a_large_multipart_request_gets_no_further_than_a_json_one() {
    let app = TestApp::spawn().await;
    // Uploads need a signed-in caller; its strings are checked like any others.
    let officer = app.register_officer().await;
    let operations = json!({
        "query": LOGIN,
        "variables": { "u": "a".repeat(1024 * 1024), "p": "x" },
    });
    let form = reqwest::multipart::Form::new()
        .text("operations", operations.to_string())
        .text("map", "{}");
    let resp: Value = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&officer.token)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_field(&resp, "userCode");
}

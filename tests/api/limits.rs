//! Request limits and malformed requests.

use crate::harness::*;
use officer_registry::domain::Role;
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
    // 5,100 fields of one point each, over the default limit of 5,000 points.
    let fields = "id name nameFa ".repeat(1_700);
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
    assert_eq!(resp["errors"][0]["extensions"]["cost"], 5_101, "{resp}");
    assert_eq!(resp["errors"][0]["extensions"]["maxCost"], 5_000, "{resp}");
}

/// A reviewer's queue with each file's history, documents and deficiencies: a page of `first`
/// files costs `first` times what one file asks for.
const COSTLY_QUEUE: &str = "query($first: Int) { reviewQueue(first: $first) { totalCount edges { cursor node { id status history { action fromStatus toStatus note occurredAt } documents { id fileName contentType sizeBytes } deficiencies { description resolved } } } } }";

#[tokio::test]
async fn the_cost_scales_with_the_page_size() {
    let app = TestApp::spawn().await;
    let reviewer = app.login_as(Role::UniversityReviewer).await;
    // One file: 1 + id, status (2) + history (1 + 10 x 5) + documents (1 + 10 x 4) +
    // deficiencies (1 + 10 x 2) = 116; its edge 118; the page's items 119 with totalCount.
    for (first, cost) in [(100, 11_901), (50, 5_951)] {
        let resp = app
            .gql_as(&reviewer, COSTLY_QUEUE, json!({ "first": first }))
            .await;
        assert_refused(&resp, "VALIDATION_FAILED");
        assert_eq!(resp["errors"][0]["extensions"]["cost"], cost, "{resp}");
        let fa = resp["errors"][0]["extensions"]["messageFa"]
            .as_str()
            .unwrap();
        assert!(fa.contains("first"), "{fa}");
        // The same literal in the query text costs the same.
        let literal = COSTLY_QUEUE
            .replace("query($first: Int) ", "")
            .replace("$first", &first.to_string());
        let resp = app.gql_as(&reviewer, &literal, json!({})).await;
        assert_eq!(resp["errors"][0]["extensions"]["cost"], cost, "{resp}");
    }
    // Small pages, and the default page of 20, pass.
    for first in [json!(5), json!(40), Value::Null] {
        let resp = app
            .gql_as(&reviewer, COSTLY_QUEUE, json!({ "first": first }))
            .await;
        assert!(resp["errors"].is_null(), "{first}: {resp}");
        assert!(resp["data"]["reviewQueue"]["totalCount"].is_number());
    }
}

#[tokio::test]
async fn the_front_end_operations_fit_the_cost_limit_at_the_largest_page() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::DirectorateAdmin).await;
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/playground/operations");
    let mut checked = 0;
    for role in std::fs::read_dir(dir).unwrap() {
        let role = role.unwrap().path();
        if !role.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&role).unwrap() {
            let file = file.unwrap().path();
            let text = std::fs::read_to_string(&file).unwrap();
            // One operation per request: a document's cost is that of all its operations.
            let mut operations: Vec<String> = Vec::new();
            for line in text.lines() {
                if ["query", "mutation", "subscription"]
                    .iter()
                    .any(|k| line.starts_with(k))
                {
                    operations.push(String::new());
                }
                if let Some(op) = operations.last_mut() {
                    op.push_str(line);
                    op.push('\n');
                }
            }
            for op in operations {
                let resp = app.gql_as(&admin, &op, json!({ "first": 100 })).await;
                for e in resp["errors"].as_array().into_iter().flatten() {
                    assert!(
                        e["extensions"]["cost"].is_null()
                            && e["extensions"]["code"] != "RATE_LIMITED",
                        "{}: {op}\n{resp}",
                        file.display()
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "{checked} operations");
}

#[tokio::test]
async fn each_caller_has_a_budget_of_points_per_minute() {
    let app = TestApp::spawn_with(|c| c.cost_points_per_minute = 300).await;
    let alice = app.login_as(Role::DirectorateAdmin).await;
    let bob = app.login_as(Role::DirectorateAdmin).await;
    // 1 + 10 x (edges 1 + node (1 + id + subject)) + totalCount = 51 points.
    let q = "{ messages(first: 10) { totalCount edges { node { id subject } } } }";
    for _ in 0..5 {
        let resp = app.gql_as(&alice, q, json!({})).await;
        assert!(resp["errors"].is_null(), "{resp}");
    }
    let resp = app.gql_as(&alice, q, json!({})).await;
    assert_refused(&resp, "RATE_LIMITED");
    let wait = resp["errors"][0]["extensions"]["retryAfterSeconds"]
        .as_i64()
        .unwrap();
    assert!((1..=60).contains(&wait), "{resp}");
    assert!(
        resp["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("per minute"),
        "{resp}"
    );
    assert!(resp["data"].is_null(), "{resp}");
    // Another user is not affected, nor are anonymous callers (by address).
    let resp = app.gql_as(&bob, q, json!({})).await;
    assert!(resp["errors"].is_null(), "{resp}");
    let resp = app.gql("{ provinces { id } }", json!({})).await;
    assert!(resp["errors"].is_null(), "{resp}");
    // A query costing more than a whole minute's budget can never pass: said so at once.
    let big = "{ messages(first: 100) { totalCount edges { node { id subject } } } }";
    let resp = app.gql_as(&bob, big, json!({})).await;
    assert_refused(&resp, "VALIDATION_FAILED");
    assert!(
        resp["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("budget"),
        "{resp}"
    );
}

#[tokio::test]
async fn anonymous_callers_share_the_budget_of_their_address() {
    let app = TestApp::spawn_with(|c| c.cost_points_per_minute = 100).await;
    // `provinces { id name nameFa cities { id } }`: 1 + 3 + (1 + 1) = 6 points.
    let q = "{ provinces { id name nameFa cities { id } } }";
    let mut refused = None;
    for i in 0..30 {
        let resp = app.gql(q, json!({})).await;
        if !resp["errors"].is_null() {
            refused = Some((i, resp));
            break;
        }
    }
    let (i, resp) = refused.expect("the address's budget runs out");
    assert_eq!(i, 16, "100 points buy 16 queries of 6: {resp}");
    assert_refused(&resp, "RATE_LIMITED");
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

/// A query text parsed once is kept (`src/graphql/parsed.rs`): sent again, with other
/// variables, it answers for those variables, and every check around the parser still runs
/// (aliases, the strings of the variables, the cost).
#[tokio::test]
async fn a_kept_parse_changes_no_answer_and_skips_no_check() {
    let app = TestApp::spawn().await;
    let q = "query($c: String!) { verifyOfficer(nationalCode: $c) { maskedName } }";
    for code in ["0084123451", "1234567890", "0084123451"] {
        let r = app.gql(q, json!({ "c": code })).await;
        assert!(r["errors"].is_null(), "{r}");
    }
    // The same text with a NUL in a variable: refused each time (checked per request).
    for _ in 0..2 {
        let r = app.gql(q, json!({ "c": "00841\u{0}23451" })).await;
        assert_refused(&r, "VALIDATION_FAILED");
    }
    let many: String = (0..31)
        .map(|i| format!("a{i}: fieldsOfStudy {{ id }} "))
        .collect();
    for _ in 0..2 {
        let resp = app.gql(&format!("{{ {many} }}"), json!({})).await;
        assert_refused(&resp, "VALIDATION_FAILED");
    }
    // The cost of a kept text still follows the page size of each request.
    let reviewer = app.reviewer_of(TEHRAN_UNIVERSITY).await;
    for (first, refused) in [(5, false), (100, true), (5, false)] {
        let r = app
            .gql_as(&reviewer, COSTLY_QUEUE, json!({ "first": first }))
            .await;
        if refused {
            assert_refused(&r, "VALIDATION_FAILED");
        } else {
            assert!(r["errors"].is_null(), "{r}");
        }
    }
}

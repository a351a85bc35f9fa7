//! What an attacker tries against the edge: forged tokens, a published development secret,
//! requests built to crash the process.

use crate::harness::*;
use officer_registry::auth::Claims;
use officer_registry::domain::Role;
use serde_json::{Value, json};

/// The signing secret that was published in the source before each data folder had its own.
const OLD_PUBLISHED_SECRET: &str = "development-only-secret-do-not-use-in-production!";

/// The claims of a token, read without checking its signature.
fn claims_of(token: &str) -> Claims {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn sign(claims: &Claims, secret: &str) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

const SET_FEE: &str = "mutation { setReviewFee(kind: NEW, amountRials: 1000) }";

#[tokio::test]
async fn a_token_re_signed_with_another_role_does_not_change_the_callers_role() {
    let app = TestApp::spawn().await;
    let officer = app.register_officer().await;
    let mut claims = claims_of(&officer.token);
    assert_eq!(claims.role, "OFFICER");
    claims.role = "DIRECTORATE_ADMIN".to_string();
    // Signed with the server's own secret (as by someone who holds it): the role of the
    // caller is the database's, not the token's.
    let forged = sign(&claims, JWT_SECRET);
    let me = app.gql_as(&forged, "{ me { role } }", json!({})).await;
    assert_eq!(me["data"]["me"]["role"], "OFFICER", "{me}");
    assert_refused(&app.gql_as(&forged, SET_FEE, json!({})).await, "FORBIDDEN");
}

async fn post(client: &reqwest::Client, url: &str, token: Option<&str>, query: &str) -> Value {
    let mut req = client
        .post(url)
        .json(&json!({ "query": query, "variables": {} }));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn without_jwt_secret_each_data_folder_has_its_own_secret() {
    let app = TestApp::spawn().await;
    let admin = app.create_user(Role::DirectorateAdmin).await;
    let data_dir =
        std::env::temp_dir().join(format!("or-secret-{}", uuid::Uuid::new_v4().simple()));
    let data = data_dir.to_str().unwrap();
    let server =
        ServerProcess::start_with(&app.db.url(), &[("DATA_DIR", data)], &["JWT_SECRET"]).await;
    let client = reqwest::Client::new();
    let graphql = server.url("/graphql");
    let login = post(
        &client,
        &graphql,
        None,
        &format!(
            r#"mutation {{ login(userCode: "{admin}", password: "{PASSWORD}") {{ accessToken }} }}"#
        ),
    )
    .await;
    let token = login["data"]["login"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("{login}"))
        .to_string();
    assert!(post(&client, &graphql, Some(&token), "{ me { role } }").await["errors"].is_null());

    // The secret once published in the source signs nothing.
    let forged = sign(&claims_of(&token), OLD_PUBLISHED_SECRET);
    assert_refused(
        &post(&client, &graphql, Some(&forged), SET_FEE).await,
        "UNAUTHENTICATED",
    );

    // The secret is the data folder's, readable by its owner only.
    use std::os::unix::fs::PermissionsExt as _;
    let file = data_dir.join("jwt-secret");
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    let secret = std::fs::read_to_string(&file).unwrap();
    assert!(secret.trim().len() >= 32);
    assert_ne!(secret.trim(), OLD_PUBLISHED_SECRET);

    // A restart on the same folder keeps it: the token still works.
    server.kill();
    let again =
        ServerProcess::start_with(&app.db.url(), &[("DATA_DIR", data)], &["JWT_SECRET"]).await;
    let me = post(
        &client,
        &again.url("/graphql"),
        Some(&token),
        "{ me { role } }",
    )
    .await;
    assert_eq!(me["data"]["me"]["role"], "DIRECTORATE_ADMIN", "{me}");
    again.kill();

    // Another data folder has another secret: the token means nothing there.
    let other = std::env::temp_dir().join(format!("or-secret-{}", uuid::Uuid::new_v4().simple()));
    let third = ServerProcess::start_with(
        &app.db.url(),
        &[("DATA_DIR", other.to_str().unwrap())],
        &["JWT_SECRET"],
    )
    .await;
    assert_refused(
        &post(
            &client,
            &third.url("/graphql"),
            Some(&token),
            "{ me { role } }",
        )
        .await,
        "UNAUTHENTICATED",
    );
    third.kill();
    let _ = std::fs::remove_dir_all(&data_dir);
    let _ = std::fs::remove_dir_all(&other);
}

/// Nesting depths tried, from 1 to 100,000.
const DEPTHS: &[usize] = &[
    1, 2, 5, 10, 32, 63, 64, 65, 100, 128, 129, 200, 500, 1_000, 1_500, 1_600, 2_000, 5_000,
    10_000, 50_000, 100_000,
];

/// Queries nested `n` deep in their text: a list literal in a directive argument, an
/// input-object literal, nested selection sets.
fn nested_queries(n: usize) -> Vec<String> {
    vec![
        format!(
            "{{provinces@skip(if:{}false{}){{id}}}}",
            "[".repeat(n),
            "]".repeat(n)
        ),
        format!(
            "mutation{{registerOfficer(input:{}{}){{userCode}}}}",
            "{a:".repeat(n),
            "1}".repeat(n)
        ),
        format!("{}id{}", "{provinces".repeat(n), "}".repeat(n)),
    ]
}

/// Requests whose variables nest `n` deep (lists, objects); the query itself is flat.
fn nested_variables(n: usize) -> Vec<(String, String)> {
    let query = "query($v: Boolean){provinces@skip(if:$v){id}}".to_string();
    let list = format!("{}false{}", "[".repeat(n), "]".repeat(n));
    let object = format!("{}false{}", r#"{"a":"#.repeat(n), "}".repeat(n));
    vec![(query.clone(), list), (query, object)]
}

/// The raw JSON body of a request with `variables` given as JSON text.
fn body(query: &str, variables: &str) -> String {
    format!(
        r#"{{"query":{},"variables":{{"v":{variables}}}}}"#,
        serde_json::to_string(query).unwrap()
    )
}

fn is_refusal_or_answer(status: u16, text: &str) -> bool {
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        return false;
    };
    (200..500).contains(&status) && (v["errors"].is_array() || v["data"].is_object())
}

#[tokio::test]
async fn deeply_nested_requests_do_not_bring_the_process_down() {
    let app = TestApp::spawn().await;
    let server = ServerProcess::start(&app.db.url(), &[]).await;
    let pid = server.child.id();
    // A connection per request: one the server closed after a 413 is never reused.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let graphql = server.url("/graphql");
    let mut sent = 0;
    for &n in DEPTHS {
        let mut bodies: Vec<String> = nested_queries(n)
            .iter()
            .map(|q| serde_json::to_string(&json!({ "query": q })).unwrap())
            .collect();
        bodies.extend(nested_variables(n).iter().map(|(q, v)| body(q, v)));
        for b in bodies {
            let sent_body = client
                .post(&graphql)
                .header("content-type", "application/json")
                .body(b.clone())
                .send()
                .await;
            let resp = match sent_body {
                Ok(resp) => resp,
                // Over the body limit, the server may answer 413 and close before it read
                // the whole body; then it must still be there.
                Err(_) if b.len() > 256 * 1024 => {
                    let health = client.get(server.url("/healthz")).send().await;
                    assert!(
                        matches!(&health, Ok(r) if r.status() == 200),
                        "nesting {n}: the server is gone"
                    );
                    sent += 1;
                    continue;
                }
                Err(e) => panic!("nesting {n}: the server is gone: {e}"),
            };
            let status = resp.status().as_u16();
            let text = resp.text().await.unwrap();
            assert!(
                is_refusal_or_answer(status, &text),
                "nesting {n}: {status} {}",
                &text[..text.len().min(300)]
            );
            if n > 64 && b.len() <= 256 * 1024 {
                let v: Value = serde_json::from_str(&text).unwrap();
                assert_refused(&v, "VALIDATION_FAILED");
            }
            sent += 1;
        }
    }
    assert_eq!(sent, DEPTHS.len() * 5);

    // The same over a WebSocket (a signed-in officer: the socket needs a token).
    let officer = app.register_officer().await;
    let mut ws = ws_at(server.addr, Some(&officer.token)).await.unwrap();
    for (i, &n) in DEPTHS.iter().enumerate() {
        for (j, q) in nested_queries(n).into_iter().enumerate() {
            let id = format!("{i}-{j}");
            ws.send_json(json!({ "id": id, "type": "subscribe", "payload": { "query": q } }))
                .await;
            // Every message of this operation, up to its end (`error` or `complete`).
            let oversized = q.len() > 250 * 1024;
            let (mut code, mut closed) = (None, false);
            loop {
                let msg = match ws.next_message(std::time::Duration::from_secs(10)).await {
                    Ok(msg) => msg,
                    // A message over the socket's size limit (256 KiB) closes the socket;
                    // the server stays.
                    Err(WsEnd::Closed(..)) if oversized => {
                        ws = ws_at(server.addr, Some(&officer.token)).await.unwrap();
                        closed = true;
                        break;
                    }
                    Err(e) => panic!("nesting {n} over the socket: {e:?}"),
                };
                if msg["id"] != id.as_str() {
                    continue;
                }
                let errors = match msg["type"].as_str() {
                    Some("error") => &msg["payload"],
                    _ => &msg["payload"]["errors"],
                };
                if let Some(c) = errors[0]["extensions"]["code"].as_str() {
                    code = Some(c.to_string());
                }
                if msg["type"] == "error" || msg["type"] == "complete" {
                    break;
                }
            }
            if n > 64 && !closed {
                assert_eq!(code.as_deref(), Some("VALIDATION_FAILED"), "nesting {n}");
            }
        }
    }

    // The same process is alive and healthy, and still answers.
    assert!(server_alive(&server), "the process {pid} died");
    let health = client.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ok = client
        .post(&graphql)
        .json(&json!({ "query": "{ provinces { id } }" }))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert!(ok["data"]["provinces"].is_array(), "{ok}");
    assert_eq!(server.child.id(), pid);
}

fn server_alive(server: &ServerProcess) -> bool {
    // /proc/<pid> exists and is not a zombie: the child has not exited.
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", server.child.id()));
    matches!(stat, Ok(s) if !s.contains(") Z "))
}

#[tokio::test]
async fn a_spoofed_forwarded_for_entry_does_not_escape_the_address_limit() {
    let app = TestApp::spawn_with(|c| {
        c.trust_forwarded_for = true;
        c.login_max_failures_per_addr = 3;
        c.login_max_failures_per_user = 1_000;
    })
    .await;
    let mut codes = Vec::new();
    for i in 0..5 {
        // The client makes up a new left-most entry each time; our proxy appended the
        // address it really saw.
        let resp: Value = app
            .client
            .post(app.url("/graphql"))
            .header("x-forwarded-for", format!("198.51.100.{i}, 203.0.113.7"))
            .json(&json!({
                "query": "mutation($u: String!) { login(userCode: $u, password: \"wrong-password\") { accessToken } }",
                "variables": { "u": format!("nobody-{i}") },
            }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        codes.push(error_code(&resp).to_string());
    }
    assert_eq!(
        codes,
        [
            "UNAUTHENTICATED",
            "UNAUTHENTICATED",
            "UNAUTHENTICATED",
            "RATE_LIMITED",
            "RATE_LIMITED"
        ]
    );
    // Another client behind the same proxy is not locked out.
    let resp: Value = app
        .client
        .post(app.url("/graphql"))
        .header("x-forwarded-for", "203.0.113.8")
        .json(&json!({
            "query": "mutation { login(userCode: \"nobody-x\", password: \"wrong-password\") { accessToken } }",
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_refused(&resp, "UNAUTHENTICATED");
}

#[tokio::test]
async fn metrics_are_not_public_in_production() {
    // Production without a token: not served.
    let app = TestApp::spawn_with(|c| c.production = true).await;
    let r = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 404);

    // With a token: only for its holder.
    let token = "metrics-token-0123456789abcdef";
    let app = TestApp::spawn_with(|c| {
        c.production = true;
        c.metrics_token = Some(token.to_string());
    })
    .await;
    let r = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("metrics-token-0123456789abcdeX")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // An access token of a user is not the metrics token.
    let admin = app.login_as(Role::DirectorateAdmin).await;
    let r = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("db_pool_size"));
}

/// Sends the head of a multipart request announcing `total` bytes, and the first 64 KiB of
/// its body, then waits for the answer without sending the rest.
async fn multipart_head(addr: std::net::SocketAddr, token: Option<&str>, total: usize) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let auth = token
        .map(|t| format!("authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nhost: {addr}\r\ncontent-type: multipart/form-data; boundary=XYZ\r\n{auth}content-length: {total}\r\nconnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let start = "--XYZ\r\ncontent-disposition: form-data; name=\"0\"; filename=\"big.pdf\"\r\n\r\n%PDF-1.4\n";
    let mut first = start.as_bytes().to_vec();
    first.resize(64 * 1024, b'x');
    stream.write_all(&first).await.unwrap();
    // The answer must come without the rest of the body: 30 s only guards against a hang.
    let mut answer = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        stream.read_to_end(&mut answer),
    )
    .await;
    assert!(read.is_ok(), "no answer before the whole body was sent");
    String::from_utf8_lossy(&answer).to_string()
}

#[tokio::test]
async fn an_upload_is_refused_before_its_body_when_the_caller_is_not_signed_in() {
    let app = TestApp::spawn().await;
    let total = 20 * 1024 * 1024;
    for token in [None, Some("not-a-token")] {
        let answer = multipart_head(app.addr, token, total).await;
        assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
        assert!(answer.contains("UNAUTHENTICATED"), "{answer}");
    }
    let officer = app.register_officer().await;
    // Signed in: the upload goes through as before.
    let id = app
        .gql_as(
            &officer.token,
            "mutation { startQualificationRequest(kind: NEW) { id } }",
            json!({}),
        )
        .await["data"]["startQualificationRequest"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let up = app.upload(&officer.token, &id, "PHOTO", "p.png", PNG).await;
    assert!(up["errors"].is_null(), "{up}");
}

#[tokio::test]
async fn a_request_holds_a_bounded_number_of_documents() {
    let app = TestApp::spawn().await;
    let officer = app.register_officer().await;
    let id = app
        .gql_as(
            &officer.token,
            "mutation { startQualificationRequest(kind: NEW) { id } }",
            json!({}),
        )
        .await["data"]["startQualificationRequest"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // The default MAX_DOCUMENTS_PER_REQUEST.
    let max = 20;
    let mut last = String::new();
    for _ in 0..max {
        let up = app.upload(&officer.token, &id, "PHOTO", "p.png", PNG).await;
        assert!(up["errors"].is_null(), "{up}");
        last = up["data"]["attachDocument"]["id"]
            .as_str()
            .unwrap()
            .to_string();
    }
    let refused = app.upload(&officer.token, &id, "PHOTO", "p.png", PNG).await;
    assert_refused(&refused, "VALIDATION_FAILED");
    assert_eq!(refused["errors"][0]["extensions"]["field"], "file");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*)::bigint AS n FROM documents WHERE request_id = '{id}'"
        ))
        .await,
        max
    );
    // Removing one makes room again.
    let removed = app
        .gql_as(
            &officer.token,
            "mutation($d: ID!) { removeDocument(id: $d) { id } }",
            json!({ "d": last }),
        )
        .await;
    assert!(removed["errors"].is_null(), "{removed}");
    let up = app.upload(&officer.token, &id, "PHOTO", "p.png", PNG).await;
    assert!(up["errors"].is_null(), "{up}");
}

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

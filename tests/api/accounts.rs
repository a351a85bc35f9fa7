//! Sign-in, sessions, tokens and roles.

use crate::harness::*;
use officer_registry::auth::TokenKeys;
use officer_registry::domain::Role;
use serde_json::json;

const ME: &str = "{ me { userCode role displayName university { nameFa } distributor { name } } }";

#[tokio::test]
async fn login_then_me_for_each_role() {
    let app = TestApp::spawn().await;
    for role in [
        Role::Officer,
        Role::Distributor,
        Role::UniversityReviewer,
        Role::DirectorateAdmin,
    ] {
        let code = app.create_user(role).await;
        let login = app.login(&code, PASSWORD).await;
        assert!(login["errors"].is_null(), "{login}");
        assert_eq!(login["data"]["login"]["viewer"]["role"], role.as_str());
        let token = login["data"]["login"]["accessToken"].as_str().unwrap();
        let me = app.gql_as(token, ME, json!({})).await;
        assert_eq!(me["data"]["me"]["userCode"], code.as_str());
        assert_eq!(me["data"]["me"]["role"], role.as_str());
        match role {
            Role::UniversityReviewer => assert_eq!(
                me["data"]["me"]["university"]["nameFa"],
                "دانشگاه علوم پزشکی تهران"
            ),
            Role::Distributor => assert_eq!(me["data"]["me"]["distributor"]["name"], "شرکت آزمون"),
            _ => {
                assert!(me["data"]["me"]["university"].is_null());
                assert!(me["data"]["me"]["distributor"].is_null());
            }
        }
    }
}

#[tokio::test]
async fn login_payload_as_a_client_sees_it() {
    let app = TestApp::spawn().await;
    let code = app.create_user(Role::DirectorateAdmin).await;
    let login = app.login(&code, PASSWORD).await;
    insta::assert_json_snapshot!(login, {
        ".data.login.accessToken" => "[jwt]",
        ".data.login.refreshToken" => "[token]",
        ".data.login.expiresAt" => "[datetime]",
    });
    // The access token lives as configured.
    let expires: chrono::DateTime<chrono::Utc> = login["data"]["login"]["expiresAt"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let ttl = (expires - chrono::Utc::now()).num_seconds();
    assert!((800..=900).contains(&ttl), "access token lifetime {ttl}s");
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_answer() {
    let app = TestApp::spawn().await;
    let code = app.create_user(Role::Officer).await;
    let wrong = app.login(&code, "Wrong-password-1").await;
    let unknown = app.login("no-such-user", PASSWORD).await;
    assert_refused(&wrong, "UNAUTHENTICATED");
    assert_refused(&unknown, "UNAUTHENTICATED");
    assert_eq!(
        wrong["errors"][0]["message"],
        unknown["errors"][0]["message"]
    );
    assert_eq!(
        wrong["errors"][0]["extensions"]["messageFa"],
        "کد کاربری یا رمز عبور نادرست است"
    );
    assert!(wrong["data"].is_null());
}

#[tokio::test]
async fn me_without_a_token_is_unauthenticated() {
    let app = TestApp::spawn().await;
    let resp = app.gql(ME, json!({})).await;
    assert_refused(&resp, "UNAUTHENTICATED");
}

#[tokio::test]
async fn expired_tampered_and_wrong_algorithm_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let code = app.create_user(Role::Officer).await;
    let login = app.login(&code, PASSWORD).await;
    let token = login["data"]["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_string();
    let user_id: uuid::Uuid = {
        let claims = app.app.tokens.verify(&token).unwrap();
        claims.sub
    };

    // Expired: signed with the right key, but an hour old.
    let keys = TokenKeys::new(JWT_SECRET.as_bytes(), 60);
    let (expired, _) = keys
        .issue(
            user_id,
            Role::Officer,
            uuid::Uuid::new_v4(),
            chrono::Utc::now() - chrono::Duration::hours(1),
        )
        .unwrap();
    let resp = app.gql_as(&expired, ME, json!({})).await;
    assert_refused(&resp, "UNAUTHENTICATED");
    assert!(
        resp["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("expired")
    );

    // Tampered: the payload claims another role; the signature no longer matches.
    let parts: Vec<&str> = token.split('.').collect();
    let payload = String::from_utf8(
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, parts[1])
            .unwrap(),
    )
    .unwrap()
    .replace("OFFICER", "DIRECTORATE_ADMIN");
    let forged_payload =
        base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload);
    let tampered = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
    let resp = app.gql_as(&tampered, ME, json!({})).await;
    assert_refused(&resp, "UNAUTHENTICATED");
    assert!(
        resp["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("invalid")
    );

    // Wrong algorithm: HS512 with the same secret, and an unsigned "none" token.
    let claims = app.app.tokens.verify(&token).unwrap();
    let hs512 = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS512),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .unwrap();
    let resp = app.gql_as(&hs512, ME, json!({})).await;
    assert_refused(&resp, "UNAUTHENTICATED");
    let none_header = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        r#"{"alg":"none","typ":"JWT"}"#,
    );
    let unsigned = format!("{none_header}.{}.", parts[1]);
    let resp = app.gql_as(&unsigned, ME, json!({})).await;
    assert_refused(&resp, "UNAUTHENTICATED");

    // A token signed with another secret.
    let other = TokenKeys::new(b"another-secret-another-secret-another-secret", 600);
    let (foreign, _) = other
        .issue(
            user_id,
            Role::Officer,
            uuid::Uuid::new_v4(),
            chrono::Utc::now(),
        )
        .unwrap();
    let resp = app.gql_as(&foreign, ME, json!({})).await;
    assert_refused(&resp, "UNAUTHENTICATED");

    // The genuine token still works.
    let resp = app.gql_as(&token, ME, json!({})).await;
    assert_eq!(resp["data"]["me"]["userCode"], code.as_str());
}

const REFRESH: &str = "mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken viewer { userCode } } }";

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    let app = TestApp::spawn().await;
    let code = app.create_user(Role::Officer).await;
    let login = app.login(&code, PASSWORD).await;
    let first = login["data"]["login"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_string();

    let r1 = app.gql(REFRESH, json!({ "t": first })).await;
    assert!(r1["errors"].is_null(), "{r1}");
    let second = r1["data"]["refreshSession"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(first, second, "the refresh token rotates");
    assert_eq!(
        r1["data"]["refreshSession"]["viewer"]["userCode"],
        code.as_str()
    );
    let access = r1["data"]["refreshSession"]["accessToken"]
        .as_str()
        .unwrap();
    assert_eq!(
        app.gql_as(access, ME, json!({})).await["data"]["me"]["userCode"],
        code.as_str()
    );

    // The spent token presented again: refused, and the whole family is revoked.
    let reuse = app.gql(REFRESH, json!({ "t": first })).await;
    assert_refused(&reuse, "UNAUTHENTICATED");
    let after = app.gql(REFRESH, json!({ "t": second })).await;
    assert_refused(&after, "UNAUTHENTICATED");

    // Another session of the same user is not affected.
    let other = app.login(&code, PASSWORD).await;
    let other_token = other["data"]["login"]["refreshToken"].as_str().unwrap();
    let r = app.gql(REFRESH, json!({ "t": other_token })).await;
    assert!(r["errors"].is_null(), "{r}");
}

#[tokio::test]
async fn concurrent_use_of_one_refresh_token_succeeds_once() {
    let app = TestApp::spawn().await;
    let code = app.create_user(Role::Officer).await;
    let login = app.login(&code, PASSWORD).await;
    let token = login["data"]["login"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_string();
    let results = futures_util::future::join_all(
        (0..8).map(|_| app.gql(REFRESH, json!({ "t": token.clone() }))),
    )
    .await;
    let ok = results.iter().filter(|r| r["errors"].is_null()).count();
    assert_eq!(ok, 1, "{results:?}");
}

#[tokio::test]
async fn unknown_refresh_token_and_logout() {
    let app = TestApp::spawn().await;
    let resp = app.gql(REFRESH, json!({ "t": "not-a-token" })).await;
    assert_refused(&resp, "UNAUTHENTICATED");

    let code = app.create_user(Role::UniversityReviewer).await;
    let login = app.login(&code, PASSWORD).await;
    let token = login["data"]["login"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_string();
    let logout = "mutation($t: String!) { logout(refreshToken: $t) }";
    assert_eq!(
        app.gql(logout, json!({ "t": token })).await["data"]["logout"],
        true
    );
    assert_eq!(
        app.gql(logout, json!({ "t": token })).await["data"]["logout"],
        false
    );
    let resp = app.gql(REFRESH, json!({ "t": token })).await;
    assert_refused(&resp, "UNAUTHENTICATED");
}

#[tokio::test]
async fn failed_logins_lock_the_user_code() {
    let app = TestApp::spawn().await;
    let code = app.create_user(Role::Officer).await;
    for _ in 0..5 {
        let r = app.login(&code, "Wrong-password-1").await;
        assert_refused(&r, "UNAUTHENTICATED");
    }
    // Locked now, even with the right password.
    let r = app.login(&code, PASSWORD).await;
    assert_refused(&r, "RATE_LIMITED");
    let retry = r["errors"][0]["extensions"]["retryAfterSeconds"]
        .as_i64()
        .unwrap();
    assert!(retry > 0 && retry <= 900, "{r}");
    // Other users are not locked.
    let other = app.create_user(Role::Officer).await;
    assert!(app.login(&other, PASSWORD).await["errors"].is_null());
}

#[tokio::test]
async fn failed_logins_lock_the_client_address() {
    let app = TestApp::spawn_with(|c| c.login_max_failures_per_addr = 4).await;
    let code = app.create_user(Role::Officer).await;
    for i in 0..4 {
        let r = app.login(&format!("guess-{i}"), "Wrong-password-1").await;
        assert_refused(&r, "UNAUTHENTICATED");
    }
    let r = app.login(&code, PASSWORD).await;
    assert_refused(&r, "RATE_LIMITED");
}

#[tokio::test]
async fn a_success_clears_the_failures_of_the_user_code() {
    let app = TestApp::spawn().await;
    let code = app.create_user(Role::Officer).await;
    for _ in 0..4 {
        app.login(&code, "Wrong-password-1").await;
    }
    assert!(app.login(&code, PASSWORD).await["errors"].is_null());
    for _ in 0..4 {
        app.login(&code, "Wrong-password-1").await;
    }
    assert!(app.login(&code, PASSWORD).await["errors"].is_null());
}

#[tokio::test]
async fn parallel_wrong_passwords_never_get_more_than_the_limit_checked() {
    let app = TestApp::spawn().await;
    let code = app.create_user(Role::Officer).await;
    let attempts = (0..40).map(|_| app.login(&code, "Wrong-password-1"));
    let answers = futures_util::future::join_all(attempts).await;
    let checked = answers
        .iter()
        .filter(|r| error_code(r) == "UNAUTHENTICATED")
        .count();
    let limited = answers
        .iter()
        .filter(|r| error_code(r) == "RATE_LIMITED")
        .count();
    assert_eq!(checked, 5, "the limit is 5 checked attempts");
    assert_eq!(limited, 35);
    // And the right password is refused too, until the window ends.
    assert_refused(&app.login(&code, PASSWORD).await, "RATE_LIMITED");
}

#[tokio::test]
async fn successful_logins_do_not_count_against_the_client_address() {
    let app = TestApp::spawn_with(|c| c.login_max_failures_per_addr = 3).await;
    for _ in 0..6 {
        let code = app.create_user(Role::UniversityReviewer).await;
        assert!(app.login(&code, PASSWORD).await["errors"].is_null());
    }
}

#[tokio::test]
async fn registrations_are_throttled_per_client_address() {
    let app = TestApp::spawn_with(|c| c.register_max_per_hour = 2).await;
    app.register_officer().await;
    app.register_officer().await;
    let r = app
        .gql(
            "mutation($i: RegisterOfficerInput!) { registerOfficer(input: $i) { userCode } }",
            json!({ "i": {
                "nationalCode": national_code(987_654_321),
                "birthDate": "1990-03-21",
                "firstName": "علی",
                "lastName": "رضایی",
                "mobile": "09121234567",
                "password": PASSWORD,
            } }),
        )
        .await;
    assert_refused(&r, "RATE_LIMITED");
    assert!(
        r["errors"][0]["extensions"]["retryAfterSeconds"]
            .as_i64()
            .unwrap()
            > 0
    );
}

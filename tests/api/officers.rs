//! Officers: registration (S0.1, R1), the profile and who may read it, E1–E3, documents (R6).

use crate::harness::*;
use officer_registry::domain::Role;
use serde_json::{Value, json};

const REGISTER: &str = "mutation($i: RegisterOfficerInput!) { registerOfficer(input: $i) { userCode officer { id nationalCode birthDate birthDateJalali firstName lastName mobile email qualificationStatus } } }";
const OFFICER: &str =
    "query($id: ID!) { officer(id: $id) { id nationalCode firstName phone postalAddress } }";
const GENERAL: &str = "mutation($i: GeneralInfoInput!) { updateGeneralInfo(input: $i) { phone mobile email postalAddress fatherName gender birthCertificateNumber } }";
const START: &str =
    "mutation($k: QualificationRequestKind!) { startQualificationRequest(kind: $k) { id status } }";

fn registration(code: &str) -> Value {
    json!({
        "nationalCode": code, "birthDate": "1990-03-21", "firstName": "  علي ",
        "lastName": "كريمي", "mobile": "+98 912 000 1122", "password": "Officer-pass-1",
        "email": " Ali@Example.COM ",
    })
}

#[tokio::test]
async fn an_officer_registers_and_signs_in_with_the_user_code() {
    let app = TestApp::spawn().await;
    let resp = app
        .gql(REGISTER, json!({ "i": registration("0076229645") }))
        .await;
    insta::assert_json_snapshot!(resp, {
        ".data.registerOfficer.userCode" => "[user code]",
        ".data.registerOfficer.officer.id" => "[id]",
    });
    let code = resp["data"]["registerOfficer"]["userCode"]
        .as_str()
        .unwrap();
    let login = app.login(code, "Officer-pass-1").await;
    let token = login["data"]["login"]["accessToken"].as_str().unwrap();
    let me = app
        .gql_as(
            token,
            "{ me { role displayName officer { nationalCode firstName } } }",
            json!({}),
        )
        .await;
    assert_eq!(me["data"]["me"]["role"], "OFFICER");
    assert_eq!(me["data"]["me"]["displayName"], "علی کریمی");
    assert_eq!(me["data"]["me"]["officer"]["nationalCode"], "0076229645");
}

#[tokio::test]
async fn registration_input_is_checked() {
    let app = TestApp::spawn().await;
    let cases: Vec<(Value, &str)> = vec![
        (json!({ "nationalCode": "0076229646" }), "nationalCode"), // wrong check digit
        (json!({ "nationalCode": "1111111111" }), "nationalCode"), // ten identical digits
        (json!({ "nationalCode": "00762296a5" }), "nationalCode"), // a letter
        (json!({ "nationalCode": "" }), "nationalCode"),
        (json!({ "birthDate": "2090-01-01" }), "birthDate"), // in the future
        (json!({ "birthDate": "2015-01-01" }), "birthDate"), // a child
        (json!({ "mobile": "0912" }), "mobile"),
        (json!({ "mobile": "02188776655" }), "mobile"),
        (json!({ "firstName": "  " }), "firstName"),
        (json!({ "lastName": "" }), "lastName"),
        (json!({ "password": "password" }), "password"),
        (json!({ "email": "not-an-email" }), "email"),
    ];
    for (change, field) in cases {
        let mut input = registration("0076229645");
        for (k, v) in change.as_object().unwrap() {
            input[k] = v.clone();
        }
        let resp = app.gql(REGISTER, json!({ "i": input })).await;
        assert_refused(&resp, "VALIDATION_FAILED");
        assert_eq!(resp["errors"][0]["extensions"]["field"], field, "{resp}");
    }
    // A date that is not a date at all is refused by the schema.
    let mut input = registration("0076229645");
    input["birthDate"] = json!("1990-13-45");
    assert_refused(
        &app.gql(REGISTER, json!({ "i": input })).await,
        "VALIDATION_FAILED",
    );
    // Nothing was registered by the refused attempts.
    let ok = app
        .gql(REGISTER, json!({ "i": registration("0076229645") }))
        .await;
    assert!(ok["errors"].is_null(), "{ok}");
}

#[tokio::test]
async fn persian_digits_are_folded_and_arabic_letters_stored_persian() {
    let app = TestApp::spawn().await;
    let mut input = registration("۰۰۷۶۲۲۹۶۴۵");
    input["mobile"] = json!("۰۹۱۲ ۰۰۰ ۱۱۲۲");
    input["birthDate"] = json!("۱۹۹۰-۰۳-۲۱");
    let resp = app.gql(REGISTER, json!({ "i": input })).await;
    let officer = &resp["data"]["registerOfficer"]["officer"];
    assert_eq!(officer["nationalCode"], "0076229645", "{resp}");
    assert_eq!(officer["mobile"], "09120001122");
    assert_eq!(officer["firstName"], "علی");
    assert_eq!(officer["lastName"], "کریمی");
    assert_eq!(officer["birthDateJalali"], "1369/01/01");
    // 8 digits are left-padded.
    let resp = app
        .gql(
            REGISTER,
            json!({ "i": registration(&national_code(1_234_567)[1..]) }),
        )
        .await;
    assert!(resp["errors"].is_null(), "{resp}");
}

#[tokio::test]
async fn one_registration_per_national_code_even_at_once() {
    let app = TestApp::spawn().await;
    let first = app
        .gql(REGISTER, json!({ "i": registration("0076229645") }))
        .await;
    assert!(first["errors"].is_null());
    let again = app
        .gql(REGISTER, json!({ "i": registration("۰۰۷۶۲۲۹۶۴۵") }))
        .await;
    assert_refused(&again, "CONFLICT");

    let code = national_code(123_456_789);
    let results = futures_util::future::join_all(
        (0..8).map(|_| app.gql(REGISTER, json!({ "i": registration(&code) }))),
    )
    .await;
    let ok = results.iter().filter(|r| r["errors"].is_null()).count();
    assert_eq!(ok, 1, "{results:?}");
    for r in results.iter().filter(|r| !r["errors"].is_null()) {
        assert_refused(r, "CONFLICT");
    }
    // Exactly one officer and one account exist for the code.
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = app.app.pool.get().await.unwrap();
    let n: N = diesel::sql_query(format!(
        "SELECT count(*) AS n FROM users WHERE role = 'OFFICER' AND id IN (SELECT user_id FROM officers WHERE national_code = '{code}')"
    ))
    .get_result(&mut conn)
    .await
    .unwrap();
    assert_eq!(n.n, 1);
    let orphans: N = diesel::sql_query(
        "SELECT count(*) AS n FROM users u WHERE role = 'OFFICER' AND NOT EXISTS (SELECT 1 FROM officers o WHERE o.user_id = u.id)",
    )
    .get_result(&mut conn)
    .await
    .unwrap();
    assert_eq!(
        orphans.n, 0,
        "a refused registration leaves no account behind"
    );
}

#[tokio::test]
async fn who_may_read_an_officer() {
    let app = TestApp::spawn().await;
    let a = app.register_officer().await;
    let b = app.register_officer().await;
    let vars = json!({ "id": a.officer_id });
    assert!(app.login(&a.user_code, PASSWORD).await["errors"].is_null());

    let own = app.gql_as(&a.token, OFFICER, vars.clone()).await;
    assert_eq!(
        own["data"]["officer"]["nationalCode"],
        a.national_code.as_str()
    );
    assert_refused(
        &app.gql_as(&b.token, OFFICER, vars.clone()).await,
        "NOT_FOUND",
    );
    let unknown = json!({ "id": uuid::Uuid::new_v4().to_string() });
    assert_refused(&app.gql_as(&b.token, OFFICER, unknown).await, "NOT_FOUND");
    let admin = app.login_as(Role::DirectorateAdmin).await;
    assert!(app.gql_as(&admin, OFFICER, vars.clone()).await["errors"].is_null());
    let distributor = app.login_as(Role::Distributor).await;
    assert_refused(
        &app.gql_as(&distributor, OFFICER, vars.clone()).await,
        "NOT_FOUND",
    );
    assert_refused(&app.gql(OFFICER, vars.clone()).await, "UNAUTHENTICATED");

    // Reviewers: only those of a university that has one of the officer's requests.
    let tehran = app.reviewer_of(TEHRAN_UNIVERSITY).await;
    let tabriz = app.reviewer_of(TABRIZ_UNIVERSITY).await;
    assert_refused(
        &app.gql_as(&tehran, OFFICER, vars.clone()).await,
        "NOT_FOUND",
    );
    crate::qualification::submitted_request(&app, &a, TEHRAN_CITY).await;
    assert!(app.gql_as(&tehran, OFFICER, vars.clone()).await["errors"].is_null());
    assert_refused(
        &app.gql_as(&tabriz, OFFICER, vars.clone()).await,
        "NOT_FOUND",
    );
}

#[tokio::test]
async fn general_info_changes_without_review() {
    let app = TestApp::spawn().await;
    let o = app.register_officer().await;
    let resp = app
        .gql_as(
            &o.token,
            GENERAL,
            json!({ "i": {
                "phone": "۰۲۱-۸۸۷۷ ۶۶۵۵", "mobile": "9351112233", "email": "A@B.IR",
                "postalAddress": " تهران، خيابان آزادی ", "fatherName": "حسين",
                "gender": "MALE", "birthCertificateNumber": "۱۲۳۴",
            }}),
        )
        .await;
    insta::assert_json_snapshot!(resp);
    // null clears a field; an omitted field stays.
    let resp = app
        .gql_as(&o.token, GENERAL, json!({ "i": { "phone": null } }))
        .await;
    assert!(resp["data"]["updateGeneralInfo"]["phone"].is_null());
    assert_eq!(resp["data"]["updateGeneralInfo"]["mobile"], "09351112233");
    // The mobile cannot be cleared; bad values are refused.
    let resp = app
        .gql_as(&o.token, GENERAL, json!({ "i": { "mobile": null } }))
        .await;
    assert_refused(&resp, "VALIDATION_FAILED");
    let resp = app
        .gql_as(&o.token, GENERAL, json!({ "i": { "email": "x@" } }))
        .await;
    assert_refused(&resp, "VALIDATION_FAILED");
    assert_eq!(resp["errors"][0]["extensions"]["field"], "email");
    // The change is in the event log with its actor.
    let n = app
        .sql("SELECT 1 FROM events WHERE action = 'UPDATE_GENERAL_INFO' AND actor_role = 'OFFICER'")
        .await
        .unwrap();
    assert_eq!(n, 2);
}

#[tokio::test]
async fn e3_items_and_e1_items_are_not_general_info() {
    let app = TestApp::spawn().await;
    let o = app.register_officer().await;
    for field in [
        json!({ "firstName": "x" }),
        json!({ "lastName": "x" }),
        json!({ "provinceId": "28" }),
        json!({ "fieldOfStudyId": "1" }),
        json!({ "nationalCode": "0076229645" }),
        json!({ "birthDate": "1991-01-01" }),
    ] {
        let resp = app.gql_as(&o.token, GENERAL, json!({ "i": field })).await;
        assert_refused(&resp, "VALIDATION_FAILED");
    }
    // Nor can a draft carry the national code or the birth date.
    let draft = app.gql_as(&o.token, START, json!({ "k": "NEW" })).await;
    let id = draft["data"]["startQualificationRequest"]["id"]
        .as_str()
        .unwrap();
    let resp = app
        .gql_as(
            &o.token,
            "mutation($id: ID!) { updateQualificationRequest(id: $id, input: { nationalCode: \"0076229645\" }) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_refused(&resp, "VALIDATION_FAILED");
}

#[tokio::test]
async fn the_database_guards_national_code_and_birth_date() {
    let app = TestApp::spawn().await;
    let o = app.register_officer().await;
    let e = app
        .sql(&format!(
            "UPDATE officers SET national_code = '0076229645' WHERE id = '{}'",
            o.officer_id
        ))
        .await;
    assert!(e.is_err());
    let e = app
        .sql(&format!(
            "UPDATE officers SET birth_date = '1991-01-01' WHERE id = '{}'",
            o.officer_id
        ))
        .await;
    assert!(e.is_err());
    // Other columns still change.
    let ok = app
        .sql(&format!(
            "UPDATE officers SET phone = '02100000000' WHERE id = '{}'",
            o.officer_id
        ))
        .await;
    assert_eq!(ok.unwrap(), 1);
}

#[tokio::test]
async fn general_info_is_refused_while_a_request_is_open() {
    let app = TestApp::spawn().await;
    let o = app.register_officer().await;
    let draft = app.gql_as(&o.token, START, json!({ "k": "NEW" })).await;
    let id = draft["data"]["startQualificationRequest"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let resp = app
        .gql_as(
            &o.token,
            GENERAL,
            json!({ "i": { "phone": "02188776655" } }),
        )
        .await;
    assert_refused(&resp, "INVALID_STATE");
    assert!(
        resp["errors"][0]["extensions"]["messageFa"]
            .as_str()
            .unwrap()
            .contains("در گردش")
    );
    let cancel = "mutation($id: ID!) { cancelQualificationRequest(id: $id) { status } }";
    app.gql_as(&o.token, cancel, json!({ "id": id })).await;
    let resp = app
        .gql_as(
            &o.token,
            GENERAL,
            json!({ "i": { "phone": "02188776655" } }),
        )
        .await;
    assert_eq!(
        resp["data"]["updateGeneralInfo"]["phone"], "02188776655",
        "{resp}"
    );
}

#[tokio::test]
async fn only_officers_edit_general_info() {
    let app = TestApp::spawn().await;
    for role in [
        Role::Distributor,
        Role::UniversityReviewer,
        Role::DirectorateAdmin,
    ] {
        let token = app.login_as(role).await;
        let resp = app
            .gql_as(&token, GENERAL, json!({ "i": { "phone": "02188776655" } }))
            .await;
        assert_refused(&resp, "FORBIDDEN");
    }
}

async fn draft(app: &TestApp, o: &TestOfficer) -> String {
    let resp = app.gql_as(&o.token, START, json!({ "k": "NEW" })).await;
    resp["data"]["startQualificationRequest"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{resp}"))
        .to_string()
}

fn stored_files(app: &TestApp) -> usize {
    fn count(p: &std::path::Path) -> usize {
        std::fs::read_dir(p)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| {
                if e.path().is_dir() {
                    count(&e.path())
                } else {
                    1
                }
            })
            .sum()
    }
    count(app.app.config.documents_dir.as_ref().unwrap())
}

#[tokio::test]
async fn documents_are_sniffed_hashed_and_served_only_to_those_who_may_see_them() {
    let app = TestApp::spawn().await;
    let o = app.register_officer().await;
    let id = draft(&app, &o).await;
    let resp = app
        .upload(
            &o.token,
            &id,
            "DEGREE_CERTIFICATE",
            "مدرک \"تحصیلی\".pdf",
            PDF,
        )
        .await;
    let doc = &resp["data"]["attachDocument"];
    assert_eq!(doc["contentType"], "application/pdf", "{resp}");
    assert_eq!(doc["fileName"], "مدرک \"تحصیلی\".pdf");
    assert_eq!(doc["sizeBytes"], PDF.len());
    assert_eq!(doc["sha256"], sha256(PDF));
    let png = app.upload(&o.token, &id, "PHOTO", "photo.bin", PNG).await;
    assert_eq!(
        png["data"]["attachDocument"]["contentType"], "image/png",
        "{png}"
    );
    let jpeg = app
        .upload(&o.token, &id, "NATIONAL_CARD", "card", JPEG)
        .await;
    assert_eq!(
        jpeg["data"]["attachDocument"]["contentType"], "image/jpeg",
        "{jpeg}"
    );

    // The owner downloads it through the link.
    let url = doc["downloadUrl"].as_str().unwrap();
    let got = app.client.get(app.url(url)).send().await.unwrap();
    assert_eq!(got.status(), 200);
    let headers = got.headers().clone();
    assert_eq!(headers["content-type"], "application/pdf");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment;") && disposition.contains("filename*=UTF-8''"),
        "{disposition}"
    );
    assert_eq!(got.bytes().await.unwrap().as_ref(), PDF);

    // With an access token instead of the link.
    let doc_id = doc["id"].as_str().unwrap();
    let path = format!("/documents/{doc_id}");
    let got = app
        .client
        .get(app.url(&path))
        .bearer_auth(&o.token)
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);

    // Another officer: not found, whether by link-less token, by removal or by attaching.
    let other = app.register_officer().await;
    let got = app
        .client
        .get(app.url(&path))
        .bearer_auth(&other.token)
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 404);
    let resp = app
        .gql_as(
            &other.token,
            "mutation($id: ID!) { removeDocument(id: $id) { id } }",
            json!({ "id": doc_id }),
        )
        .await;
    assert_refused(&resp, "NOT_FOUND");
    let resp = app.upload(&other.token, &id, "PHOTO", "x.png", PNG).await;
    assert_refused(&resp, "NOT_FOUND");
    // A reviewer before submission: not found; no link and no token: unauthorised.
    let reviewer = app.reviewer_of(TEHRAN_UNIVERSITY).await;
    let got = app
        .client
        .get(app.url(&path))
        .bearer_auth(&reviewer)
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 404);
    assert_eq!(
        app.client
            .get(app.url(&path))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    // A link is bound to its document.
    let token = url.split("token=").nth(1).unwrap();
    let other_doc = png["data"]["attachDocument"]["id"].as_str().unwrap();
    let got = app
        .client
        .get(app.url(&format!("/documents/{other_doc}?token={token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 401);
}

#[tokio::test]
async fn bad_uploads_are_refused_and_nothing_is_written() {
    let app = TestApp::spawn_with(|c| c.max_document_bytes = 4096).await;
    let o = app.register_officer().await;
    let id = draft(&app, &o).await;
    // An executable that claims to be a PDF.
    let resp = app
        .upload(&o.token, &id, "DEGREE_CERTIFICATE", "degree.pdf", ELF)
        .await;
    assert_refused(&resp, "VALIDATION_FAILED");
    assert_eq!(resp["errors"][0]["extensions"]["field"], "file");
    // Empty.
    let resp = app.upload(&o.token, &id, "PHOTO", "empty.png", b"").await;
    assert_refused(&resp, "VALIDATION_FAILED");
    // Over the limit.
    let mut big = PDF.to_vec();
    big.resize(5000, b' ');
    let resp = app
        .upload(&o.token, &id, "DEGREE_CERTIFICATE", "big.pdf", &big)
        .await;
    assert_refused(&resp, "VALIDATION_FAILED");
    assert_eq!(stored_files(&app), 0, "no file, whole or partial, is kept");
    let n = app.sql("SELECT 1 FROM documents").await.unwrap();
    assert_eq!(n, 0);

    // A path-traversal name is kept for display only; the file lands under our own key.
    let resp = app
        .upload(&o.token, &id, "OTHER", "../../../etc/passwd.pdf", PDF)
        .await;
    assert_eq!(
        resp["data"]["attachDocument"]["fileName"], "passwd.pdf",
        "{resp}"
    );
    assert_eq!(stored_files(&app), 1);
    let doc_id = resp["data"]["attachDocument"]["id"].as_str().unwrap();
    let key_uses_id = app
        .sql(&format!(
            "SELECT 1 FROM documents WHERE id = '{doc_id}' AND storage_key LIKE '%{doc_id}' AND storage_key NOT LIKE '%passwd%'"
        ))
        .await
        .unwrap();
    assert_eq!(key_uses_id, 1);
    assert!(!std::path::Path::new("/etc/passwd.pdf").exists());
}

#[tokio::test]
async fn a_removed_document_is_gone() {
    let app = TestApp::spawn().await;
    let o = app.register_officer().await;
    let id = draft(&app, &o).await;
    let resp = app.upload(&o.token, &id, "PHOTO", "p.png", PNG).await;
    let doc_id = resp["data"]["attachDocument"]["id"].as_str().unwrap();
    let resp = app
        .gql_as(
            &o.token,
            "mutation($id: ID!) { removeDocument(id: $id) { documents { id } } }",
            json!({ "id": doc_id }),
        )
        .await;
    assert_eq!(resp["data"]["removeDocument"]["documents"], json!([]));
    assert_eq!(stored_files(&app), 0);
    let got = app
        .client
        .get(app.url(&format!("/documents/{doc_id}")))
        .bearer_auth(&o.token)
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 404);
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn every_entry_point_reads_the_bearer_scheme_in_any_case() {
    let app = TestApp::spawn().await;
    let o = app.register_officer().await;
    let id = draft(&app, &o).await;
    let resp = app.upload(&o.token, &id, "PHOTO", "p.png", PNG).await;
    let doc_id = resp["data"]["attachDocument"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let auth = format!("{scheme} {}", o.token);
        // GraphQL over HTTP.
        let me: Value = app
            .client
            .post(app.url("/graphql"))
            .header("authorization", &auth)
            .json(&json!({ "query": "{ me { userCode } }" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            me["data"]["me"]["userCode"],
            o.user_code.as_str(),
            "{scheme}: {me}"
        );
        // Document downloads with the access token instead of the link's token.
        let got = app
            .client
            .get(app.url(&format!("/documents/{doc_id}")))
            .header("authorization", &auth)
            .send()
            .await
            .unwrap();
        assert_eq!(got.status(), 200, "{scheme}");
    }
    // WebSocket connection_init (the payload key in either case).
    assert!(app.ws(Some(&o.token)).await.is_ok());
    // Another scheme is refused everywhere.
    let got = app
        .client
        .get(app.url(&format!("/documents/{doc_id}")))
        .header("authorization", format!("Token {}", o.token))
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 401);
}

#[tokio::test]
async fn a_disabled_account_loses_its_rights_at_once() {
    let app = TestApp::spawn().await;
    let o = app.register_officer().await;
    let before = app.gql_as(&o.token, "{ me { userCode } }", json!({})).await;
    assert!(before["errors"].is_null(), "{before}");
    app.sql(&format!(
        "UPDATE users SET active = false WHERE user_code = '{}'",
        o.user_code
    ))
    .await
    .unwrap();
    // The token is still valid, but the account is read from the database: a change made
    // there directly (not through the API, which drops kept callers before it answers) is
    // heard on `account_changes`, within milliseconds.
    let mut refused = None;
    for _ in 0..100 {
        let r = app.gql_as(&o.token, "{ me { userCode } }", json!({})).await;
        if r["errors"].is_array() {
            refused = Some(r);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_refused(
        &refused.expect("refused once the change is heard"),
        "UNAUTHENTICATED",
    );
    assert_refused(
        &app.gql_as(
            &o.token,
            "mutation { startQualificationRequest(kind: NEW) { id } }",
            json!({}),
        )
        .await,
        "UNAUTHENTICATED",
    );
    assert!(matches!(
        app.ws(Some(&o.token)).await,
        Err(WsEnd::Closed(4403, _))
    ));
}

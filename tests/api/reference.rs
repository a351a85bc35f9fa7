//! Public reference data.

use crate::harness::*;
use serde_json::json;

#[tokio::test]
async fn provinces_cities_and_universities() {
    let app = TestApp::spawn().await;
    let resp = app
        .gql(
            "{ provinces { id name nameFa cities { name nameFa isCapital } universities { name nameFa province { name } } } }",
            json!({}),
        )
        .await;
    assert!(resp["errors"].is_null(), "{resp}");
    let provinces = resp["data"]["provinces"].as_array().unwrap();
    assert_eq!(provinces.len(), 31);
    for p in provinces {
        let cities = p["cities"].as_array().unwrap();
        assert!(cities.len() >= 3, "{p}");
        assert_eq!(cities[0]["isCapital"], true, "capital first: {p}");
        assert_eq!(cities.iter().filter(|c| c["isCapital"] == true).count(), 1);
        let universities = p["universities"].as_array().unwrap();
        assert!(!universities.is_empty(), "{p}");
        for u in universities {
            assert_eq!(u["province"]["name"], p["name"]);
        }
        // Persian text uses Persian ی and ک, never the Arabic letters.
        let text = p.to_string();
        assert!(!text.contains('ي') && !text.contains('ك'), "{p}");
    }
    let tehran = provinces.iter().find(|p| p["name"] == "Tehran").unwrap();
    insta::assert_json_snapshot!(tehran["universities"]);
}

#[tokio::test]
async fn fields_of_study_carry_eligibility() {
    let app = TestApp::spawn().await;
    let resp = app
        .gql(
            "{ fieldsOfStudy { id code name nameFa eligible } }",
            json!({}),
        )
        .await;
    let fields = resp["data"]["fieldsOfStudy"].as_array().unwrap();
    assert!(fields.len() >= 10);
    let biomedical = fields
        .iter()
        .find(|f| f["code"] == "BIOMEDICAL_ENGINEERING")
        .unwrap();
    assert_eq!(biomedical["eligible"], true);
    assert_eq!(biomedical["nameFa"], "مهندسی پزشکی");
    assert!(fields.iter().any(|f| f["eligible"] == false));
}

#[tokio::test]
async fn one_query_for_all_provinces_costs_a_few_statements() {
    // The nested lists go through DataLoaders: provinces, then one batch of cities and one of
    // universities, one of the universities' provinces and one of their cities (each pool
    // checkout adds its health-check statement).
    let app = TestApp::spawn().await;
    let before = statements(&app).await;
    let resp = app
        .gql(
            "{ provinces { cities { name } universities { province { cities { name } } } } }",
            json!({}),
        )
        .await;
    assert!(resp["errors"].is_null());
    let after = statements(&app).await;
    // At most five loader rounds (provinces, cities, universities, their provinces, their
    // cities), each one pool checkout (a health-check statement) and one query: not one per
    // province (31) or per university (54).
    assert!(
        after - before <= 10,
        "{} statements for 31 provinces",
        after - before
    );
}

/// Number of statements the app has run so far.
async fn statements(app: &TestApp) -> u64 {
    app.app.queries.load(std::sync::atomic::Ordering::SeqCst)
}

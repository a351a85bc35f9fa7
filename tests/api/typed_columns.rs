//! Every status, kind, role and reason column is a Rust enum in the store models: the CHECK
//! lists of the migrations and the enums' values must be the same sets.

use crate::harness::*;
use officer_registry::domain::officer::{DegreeLevel, DocumentKind, Gender, QualificationStatus};
use officer_registry::domain::payment::PaymentStatus;
use officer_registry::domain::qualification::{RejectionReason, RequestKind, Status};
use officer_registry::domain::{DistributorKind, Role};
use std::collections::BTreeSet;

#[derive(diesel::QueryableByName)]
struct Def {
    #[diesel(sql_type = diesel::sql_types::Text)]
    def: String,
}

/// The literals of the CHECK constraints of `table` that name `column`.
async fn check_values(app: &TestApp, table: &str, column: &str) -> BTreeSet<String> {
    use diesel_async::RunQueryDsl;
    let mut conn = app.app.pool.get().await.unwrap();
    let defs: Vec<Def> = diesel::sql_query(
        "SELECT pg_get_constraintdef(c.oid) AS def FROM pg_constraint c \
         JOIN pg_class t ON t.oid = c.conrelid WHERE t.relname = $1 AND c.contype = 'c'",
    )
    .bind::<diesel::sql_types::Text, _>(table)
    .load(&mut conn)
    .await
    .unwrap();
    let mut values = BTreeSet::new();
    for d in defs.iter().filter(|d| {
        // Only constraints listing this column's values ("col = ANY (ARRAY[...])").
        d.def.contains(&format!("({column} = ANY"))
            || d.def.contains(&format!("(({column})::text = ANY"))
    }) {
        let mut rest = d.def.as_str();
        while let Some(start) = rest.find('\'') {
            let after = &rest[start + 1..];
            let end = after.find('\'').unwrap();
            values.insert(after[..end].to_string());
            rest = &after[end + 1..];
        }
    }
    assert!(
        !values.is_empty(),
        "no CHECK list found for {table}.{column}"
    );
    values
}

fn names(values: impl IntoIterator<Item = &'static str>) -> BTreeSet<String> {
    values.into_iter().map(str::to_string).collect()
}

#[tokio::test]
async fn enums_and_check_constraints_list_the_same_values() {
    let app = TestApp::spawn().await;
    let cases: Vec<(&str, &str, BTreeSet<String>)> = vec![
        (
            "users",
            "role",
            names(Role::VARIANTS.iter().map(|v| v.as_str())),
        ),
        (
            "events",
            "actor_role",
            names(Role::VARIANTS.iter().map(|v| v.as_str())),
        ),
        (
            "distributors",
            "kind",
            names(DistributorKind::VARIANTS.iter().map(|v| v.as_str())),
        ),
        (
            "officers",
            "gender",
            names(Gender::VARIANTS.iter().map(|v| v.as_str())),
        ),
        (
            "officers",
            "qualification_status",
            names(QualificationStatus::VARIANTS.iter().map(|v| v.as_str())),
        ),
        (
            "qualification_requests",
            "status",
            names(Status::VARIANTS.iter().map(|v| v.as_str())),
        ),
        (
            "qualification_requests",
            "kind",
            names(RequestKind::VARIANTS.iter().map(|v| v.as_str())),
        ),
        (
            "qualification_requests",
            "gender",
            names(Gender::VARIANTS.iter().map(|v| v.as_str())),
        ),
        (
            "qualification_requests",
            "rejection_reason",
            names(RejectionReason::VARIANTS.iter().map(|v| v.as_str())),
        ),
        (
            "documents",
            "kind",
            names(DocumentKind::VARIANTS.iter().map(|v| v.as_str())),
        ),
        (
            "deficiencies",
            "document_kind",
            names(DocumentKind::VARIANTS.iter().map(|v| v.as_str())),
        ),
        (
            "degree_levels",
            "code",
            names(DegreeLevel::VARIANTS.iter().map(|v| v.as_str())),
        ),
        (
            "review_fees",
            "kind",
            names(RequestKind::VARIANTS.iter().map(|v| v.as_str())),
        ),
        (
            "required_document_kinds",
            "request_kind",
            names(RequestKind::VARIANTS.iter().map(|v| v.as_str())),
        ),
        (
            "required_document_kinds",
            "document_kind",
            names(DocumentKind::VARIANTS.iter().map(|v| v.as_str())),
        ),
        (
            "payments",
            "status",
            names(PaymentStatus::VARIANTS.iter().map(|v| v.as_str())),
        ),
    ];
    for (table, column, expected) in cases {
        assert_eq!(
            check_values(&app, table, column).await,
            expected,
            "{table}.{column}"
        );
    }
}

#[tokio::test]
async fn an_unknown_value_in_the_database_is_an_error_not_a_default() {
    let app = TestApp::spawn().await;
    let o = app.register_officer().await;
    // Drop the CHECK to plant a value no enum knows (as a bad manual fix would).
    app.sql("ALTER TABLE officers DROP CONSTRAINT officers_qualification_status_check")
        .await
        .unwrap();
    app.sql("UPDATE officers SET qualification_status = 'HALF_QUALIFIED'")
        .await
        .unwrap();
    let resp = app
        .gql_as(
            &o.token,
            "{ me { officer { qualificationStatus } } }",
            serde_json::json!({}),
        )
        .await;
    assert_eq!(error_code(&resp), "INTERNAL", "{resp}");
    assert!(
        !resp.to_string().contains("HALF_QUALIFIED"),
        "no database text leaks: {resp}"
    );
}

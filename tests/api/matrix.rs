//! The authorization matrix (issue 15), generated from `schema.graphql`: every query,
//! mutation and subscription, as anonymous and as each of the four roles, against the one
//! table below of what must happen. An operation of the schema without a row fails the test,
//! and so does a row without an operation.
//!
//! Each operation is called with placeholder arguments of the right types (its required
//! arguments only), so that the role gate is what decides: `U` the caller must sign in
//! (`UNAUTHENTICATED`, "sign in first"), `F` the role may never run it (`FORBIDDEN`), `A` the
//! gate lets it through (whatever the operation then answers for placeholder arguments:
//! data, `NOT_FOUND`, `VALIDATION_FAILED`, ...). Which objects an allowed role may see is
//! the `foreign_objects_are_not_found` test below and the tests of each workflow.

use async_graphql::parser::types::{BaseType, Type, TypeKind, TypeSystemDefinition};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;

use crate::harness::*;
use officer_registry::domain::Role;

/// Columns: anonymous, officer, distributor, university reviewer, directorate admin.
const EXPECTED: &[(&str, &str)] = &[
    // Queries
    ("me", "U A A A A"),
    ("provinces", "A A A A A"),
    ("fieldsOfStudy", "A A A A A"),
    ("officer", "U A A A A"),
    ("qualificationRequest", "U A A A A"),
    ("myQualificationRequests", "U A F F F"),
    ("reviewQueue", "U F F A F"),
    ("payment", "U A A A A"),
    ("cooperationRequests", "U A A A A"),
    ("cooperationRequest", "U A A A A"),
    ("contract", "U A A A A"),
    ("contracts", "U A A A A"),
    ("terminationRequests", "U A A F A"),
    ("terminationRequest", "U A A F A"),
    ("smsOutbox", "U F F F A"),
    ("messages", "U A F F A"),
    ("message", "U A F F A"),
    ("messageRecipients", "U F F F A"),
    ("branches", "U F A F A"),
    ("verifyOfficer", "A A A A A"),
    ("registryStatistics", "U F F A A"),
    // Mutations (DESIGN §3.2: the role the state machine names; admins included, others
    // FORBIDDEN)
    ("registerOfficer", "A A A A A"),
    ("login", "A A A A A"),
    ("refreshSession", "A A A A A"),
    ("logout", "A A A A A"),
    ("updateGeneralInfo", "U A F F F"),
    ("startQualificationRequest", "U A F F F"),
    ("updateQualificationRequest", "U A F F F"),
    ("attachDocument", "U A F F F"),
    ("removeDocument", "U A F F F"),
    ("submitQualificationRequest", "U A F F F"),
    ("resubmitQualificationRequest", "U A F F F"),
    ("cancelQualificationRequest", "U A F F F"),
    ("claimQualificationRequest", "U F F A F"),
    ("reportDeficiencies", "U F F A F"),
    ("approveQualificationRequest", "U F F A F"),
    ("rejectQualificationRequest", "U F F A F"),
    ("startPayment", "U A F F F"),
    ("createBranch", "U F A F F"),
    ("proposeTechnicalOfficer", "U F A F F"),
    ("withdrawCooperationRequest", "U F A F F"),
    ("acceptCooperationRequest", "U A F F F"),
    ("declineCooperationRequest", "U A F F F"),
    ("approveCooperationRequest", "U F F A F"),
    ("rejectCooperationRequest", "U F F A F"),
    ("releaseTechnicalOfficer", "U F A F F"),
    ("requestTermination", "U A F F F"),
    ("finalizeTermination", "U A F F F"),
    ("cancelTerminationRequest", "U A F F F"),
    ("sendMessage", "U F F F A"),
    ("markMessageRead", "U A F F F"),
    ("acknowledgeMessage", "U A F F F"),
    ("createStaffAccount", "U F F F A"),
    ("createDistributor", "U F F F A"),
    ("setAccountActive", "U F F F A"),
    ("setFieldOfStudyEligibility", "U F F F A"),
    ("setReviewFee", "U F F F A"),
    // Subscriptions (anonymous: the socket is refused at connection_init, 4403)
    ("cartableEvents", "U A A A A"),
    ("registryStatistics/subscription", "U F F A A"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// The caller must sign in.
    U,
    /// The role may never run it.
    F,
    /// Through the gate.
    A,
}

fn outcome_of(errors: &Value) -> Outcome {
    let first = &errors[0];
    let code = first["extensions"]["code"].as_str().unwrap_or_default();
    let message = first["message"].as_str().unwrap_or_default();
    match code {
        "FORBIDDEN" => Outcome::F,
        "UNAUTHENTICATED" if message.starts_with("sign in first") => Outcome::U,
        _ => Outcome::A,
    }
}

fn parse_row(row: &str) -> Vec<Outcome> {
    row.split_whitespace()
        .map(|c| match c {
            "U" => Outcome::U,
            "F" => Outcome::F,
            "A" => Outcome::A,
            other => panic!("unknown outcome {other}"),
        })
        .collect()
}

/// The schema's types, to build placeholder arguments and selections.
struct Schema {
    /// Input objects: their required fields.
    inputs: HashMap<String, Vec<(String, Type)>>,
    /// Enums: their first value.
    enums: HashMap<String, String>,
    /// Object and interface types (need a selection).
    objects: Vec<String>,
    /// Root fields: (root, name, required arguments, return type name).
    roots: Vec<RootField>,
}

/// A root field: (root type, name, required arguments, return type name).
type RootField = (String, String, Vec<(String, Type)>, String);

fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(n) => n.as_str(),
        BaseType::List(inner) => named(inner),
    }
}

fn has_upload(schema: &Schema, ty: &Type) -> bool {
    let n = named(ty);
    n == "Upload"
        || schema
            .inputs
            .get(n)
            .is_some_and(|fields| fields.iter().any(|(_, t)| has_upload(schema, t)))
}

impl Schema {
    fn load() -> Self {
        let sdl = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
            .expect("schema.graphql");
        let doc = async_graphql::parser::parse_schema(sdl).expect("the schema parses");
        let mut s = Schema {
            inputs: HashMap::new(),
            enums: HashMap::new(),
            objects: Vec::new(),
            roots: Vec::new(),
        };
        for def in &doc.definitions {
            let TypeSystemDefinition::Type(t) = def else {
                continue;
            };
            let name = t.node.name.node.to_string();
            match &t.node.kind {
                TypeKind::InputObject(io) => {
                    let required = io
                        .fields
                        .iter()
                        .filter(|f| !f.node.ty.node.nullable && f.node.default_value.is_none())
                        .map(|f| (f.node.name.node.to_string(), f.node.ty.node.clone()))
                        .collect();
                    s.inputs.insert(name, required);
                }
                TypeKind::Enum(e) => {
                    let first = e.values[0].node.value.node.to_string();
                    s.enums.insert(name, first);
                }
                TypeKind::Object(o) => {
                    if matches!(name.as_str(), "Query" | "Mutation" | "Subscription") {
                        for f in &o.fields {
                            let args = f
                                .node
                                .arguments
                                .iter()
                                .filter(|a| {
                                    !a.node.ty.node.nullable && a.node.default_value.is_none()
                                })
                                .map(|a| (a.node.name.node.to_string(), a.node.ty.node.clone()))
                                .collect();
                            s.roots.push((
                                name.clone(),
                                f.node.name.node.to_string(),
                                args,
                                named(&f.node.ty.node).to_string(),
                            ));
                        }
                    } else {
                        s.objects.push(name);
                    }
                }
                TypeKind::Interface(_) | TypeKind::Union(_) => s.objects.push(name),
                TypeKind::Scalar => {}
            }
        }
        s
    }

    /// A placeholder literal of type `ty`.
    fn literal(&self, ty: &Type) -> String {
        match &ty.base {
            BaseType::List(inner) => format!("[{}]", self.literal(inner)),
            BaseType::Named(n) => match n.as_str() {
                "ID" => "\"1\"".into(),
                "String" => "\"x\"".into(),
                "Int" => "1".into(),
                "Float" => "1.5".into(),
                "Boolean" => "false".into(),
                "Date" => "\"1990-03-21\"".into(),
                "DateTime" => "\"2026-01-01T00:00:00Z\"".into(),
                other => {
                    if let Some(v) = self.enums.get(other) {
                        v.clone()
                    } else if let Some(fields) = self.inputs.get(other) {
                        let inner: Vec<String> = fields
                            .iter()
                            .map(|(f, t)| format!("{f}: {}", self.literal(t)))
                            .collect();
                        format!("{{ {} }}", inner.join(", "))
                    } else {
                        panic!("no placeholder for type {other}")
                    }
                }
            },
        }
    }

    /// The operation calling root field `name` of `root` with placeholder arguments.
    fn document(&self, root: &str, name: &str, args: &[(String, Type)], ret: &str) -> String {
        let args = if args.is_empty() {
            String::new()
        } else {
            let list: Vec<String> = args
                .iter()
                .map(|(a, t)| format!("{a}: {}", self.literal(t)))
                .collect();
            format!("({})", list.join(", "))
        };
        let selection = if self.objects.iter().any(|o| o == ret) {
            " { __typename }"
        } else {
            ""
        };
        let keyword = match root {
            "Query" => "query",
            "Mutation" => "mutation",
            _ => "subscription",
        };
        format!("{keyword} {{ {name}{args}{selection} }}")
    }
}

/// Calls an operation over HTTP as `token`.
async fn over_http(app: &TestApp, token: Option<&str>, document: &str) -> Outcome {
    let resp = app.gql_with(token, document, json!({})).await;
    if resp["errors"].is_null() {
        Outcome::A
    } else {
        outcome_of(&resp["errors"])
    }
}

/// Calls an operation with an upload (the multipart request spec) as `token`.
async fn with_upload(app: &TestApp, token: Option<&str>, document: &str, var: &str) -> Outcome {
    let operations = json!({ "query": document, "variables": { var: null } });
    let map = json!({ "0": [format!("variables.{var}")] });
    let form = reqwest::multipart::Form::new()
        .text("operations", operations.to_string())
        .text("map", map.to_string())
        .part(
            "0",
            reqwest::multipart::Part::bytes(PDF.to_vec())
                .file_name("scan.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        );
    let mut req = app.client.post(app.url("/graphql")).multipart(form);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    // An upload is authenticated before its body is read: 401 with UNAUTHENTICATED.
    let refused_before_body = resp.status() == 401;
    let resp: Value = resp.json().await.unwrap();
    if refused_before_body && resp["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED" {
        return Outcome::U;
    }
    if resp["errors"].is_null() {
        Outcome::A
    } else {
        outcome_of(&resp["errors"])
    }
}

/// Opens a subscription as `token`: refused at `connection_init` (anonymous), refused by the
/// gate, or running.
async fn over_socket(app: &TestApp, token: Option<&str>, document: &str) -> Outcome {
    let Ok(mut ws) = app.ws(token).await else {
        return Outcome::U;
    };
    ws.subscribe("1", document, json!({})).await;
    match ws.next_message(Duration::from_millis(1_500)).await {
        Ok(msg) if msg["type"] == "error" => outcome_of(&msg["payload"]),
        Ok(msg) if !msg["payload"]["errors"].is_null() => outcome_of(&msg["payload"]["errors"]),
        Ok(_) | Err(WsEnd::Timeout) => Outcome::A,
        Err(WsEnd::Closed(code, reason)) => panic!("closed {code} {reason}"),
    }
}

#[tokio::test]
async fn every_operation_as_anonymous_and_as_each_role() {
    let app = TestApp::spawn().await;
    let schema = Schema::load();
    let officer = app.register_officer().await.token;
    let distributor = app.distributor().await.token;
    let reviewer = app.reviewer_of(TEHRAN_UNIVERSITY).await;
    let admin = app.login_as(Role::DirectorateAdmin).await;
    let callers: [(&str, Option<&str>); 5] = [
        ("anonymous", None),
        ("officer", Some(&officer)),
        ("distributor", Some(&distributor)),
        ("reviewer", Some(&reviewer)),
        ("admin", Some(&admin)),
    ];

    // One row per operation of the schema, and one operation per row.
    let key = |root: &str, name: &str| {
        if root == "Subscription" && name == "registryStatistics" {
            format!("{name}/subscription")
        } else {
            name.to_string()
        }
    };
    let keys: Vec<String> = schema.roots.iter().map(|(r, n, _, _)| key(r, n)).collect();
    for k in &keys {
        assert!(
            EXPECTED.iter().any(|(op, _)| op == k),
            "{k} has no row in the authorization matrix"
        );
    }
    for (op, _) in EXPECTED {
        assert!(
            keys.iter().any(|k| k == op),
            "{op} is not an operation of the schema"
        );
    }

    let mut wrong = Vec::new();
    let mut cells = 0;
    for (root, name, args, ret) in &schema.roots {
        let k = key(root, name);
        let expected = parse_row(
            EXPECTED
                .iter()
                .find(|(op, _)| *op == k)
                .map(|(_, row)| *row)
                .unwrap_or_default(),
        );
        let upload = args
            .iter()
            .find(|(_, t)| has_upload(&schema, t))
            .map(|(a, _)| a.clone());
        let document = match &upload {
            // The upload travels as a variable of the multipart request.
            Some(var) => {
                let others: Vec<(String, Type)> =
                    args.iter().filter(|(a, _)| a != var).cloned().collect();
                let doc = schema.document(root, name, &others, ret);
                let inner = format!("{name}(");
                let with_var = if others.is_empty() {
                    doc.replacen(name.as_str(), &format!("{name}({var}: ${var})"), 1)
                } else {
                    doc.replacen(&inner, &format!("{name}({var}: ${var}, "), 1)
                };
                with_var.replacen("mutation {", &format!("mutation(${var}: Upload!) {{"), 1)
            }
            None => schema.document(root, name, args, ret),
        };
        for (i, (who, token)) in callers.iter().enumerate() {
            let got = match (root.as_str(), &upload) {
                ("Subscription", _) => over_socket(&app, *token, &document).await,
                (_, Some(var)) => with_upload(&app, *token, &document, var).await,
                _ => over_http(&app, *token, &document).await,
            };
            cells += 1;
            if got != expected[i] {
                wrong.push(format!(
                    "{k} as {who}: {got:?}, expected {:?} ({document})",
                    expected[i]
                ));
            }
        }
    }
    println!(
        "authorization matrix: {} operations × {} callers = {cells} cells checked",
        schema.roots.len(),
        callers.len()
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// An allowed role asking about an object it does not own or serve gets `NOT_FOUND`,
/// exactly as for an object that does not exist; its owner, the routed university and
/// admins see it.
#[tokio::test]
async fn foreign_objects_are_not_found() {
    let app = TestApp::spawn().await;
    let owner = app.register_officer().await;
    let request = crate::qualification::submitted_request(&app, &owner, TEHRAN_CITY).await;
    let stranger = app.register_officer().await.token;
    let distributor = app.distributor().await.token;
    let tabriz = app.reviewer_of(TABRIZ_UNIVERSITY).await;
    let tehran = app.reviewer_of(TEHRAN_UNIVERSITY).await;
    let admin = app.login_as(Role::DirectorateAdmin).await;
    let queries = [
        (
            "qualificationRequest",
            format!("{{ qualificationRequest(id: \"{request}\") {{ id }} }}"),
        ),
        (
            "officer",
            format!("{{ officer(id: \"{}\") {{ id }} }}", owner.officer_id),
        ),
    ];
    let missing = "00000000-0000-4000-8000-000000000000";
    for (field, query) in &queries {
        for (who, token) in [
            ("another officer", &stranger),
            ("an unrelated distributor", &distributor),
            ("a reviewer of another university", &tabriz),
        ] {
            let r = app.gql_as(token, query, json!({})).await;
            assert_eq!(error_code(&r), "NOT_FOUND", "{field} as {who}: {r}");
            assert!(r["data"][field].is_null(), "{r}");
        }
        for (who, token) in [
            ("the owner", &owner.token),
            ("the routed university", &tehran),
            ("an admin", &admin),
        ] {
            let r = app.gql_as(token, query, json!({})).await;
            assert!(r["errors"].is_null(), "{field} as {who}: {r}");
            assert!(r["data"][field]["id"].is_string(), "{r}");
        }
        // Exactly as an object that does not exist.
        let absent = query
            .replace(&request, missing)
            .replace(&owner.officer_id, missing);
        let r = app.gql_as(&stranger, &absent, json!({})).await;
        assert_eq!(error_code(&r), "NOT_FOUND", "{r}");
    }
}

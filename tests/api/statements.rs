//! Every list field of the schema costs the same number of SQL statements at two page
//! sizes: each root list is queried with a selection of every field reachable from its items
//! (nested lists included), once with 2 items and once with 12. A field that queries the
//! database once per item shows up as a difference. A root list the test does not know
//! fails it, so a new list field comes with its row here.

use crate::harness::*;
use async_graphql::parser::types::{BaseType, Type, TypeKind, TypeSystemDefinition};
use officer_registry::domain::Role;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::Ordering;

struct Field {
    name: String,
    ty: Type,
    required_args: bool,
    args: Vec<String>,
}

/// Object and interface fields by type name, and the scalar/enum type names.
struct Sdl {
    objects: HashMap<String, Vec<Field>>,
}

fn sdl() -> Sdl {
    let doc = async_graphql::parser::parse_schema(officer_registry::graphql::sdl())
        .expect("the SDL parses");
    let mut objects = HashMap::new();
    for def in doc.definitions {
        if let TypeSystemDefinition::Type(t) = def
            && let TypeKind::Object(o) = &t.node.kind
        {
            let fields = o
                .fields
                .iter()
                .map(|f| Field {
                    name: f.node.name.node.to_string(),
                    ty: f.node.ty.node.clone(),
                    required_args: f
                        .node
                        .arguments
                        .iter()
                        .any(|a| !a.node.ty.node.nullable && a.node.default_value.is_none()),
                    args: f
                        .node
                        .arguments
                        .iter()
                        .map(|a| a.node.name.node.to_string())
                        .collect(),
                })
                .collect();
            objects.insert(t.node.name.node.to_string(), fields);
        }
    }
    Sdl { objects }
}

fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(n) => n.as_str(),
        BaseType::List(inner) => named(inner),
    }
}

fn is_list(ty: &Type) -> bool {
    matches!(ty.base, BaseType::List(_))
}

impl Sdl {
    /// A selection of every field of `ty` reachable without arguments, `depth` object
    /// levels deep, not re-entering a type already on the path.
    fn selection(&self, ty: &str, depth: usize, path: &mut Vec<String>) -> String {
        let Some(fields) = self.objects.get(ty) else {
            return String::new(); // scalar or enum
        };
        path.push(ty.to_string());
        let mut parts = Vec::new();
        for f in fields {
            if f.required_args || f.name.starts_with("__") {
                continue;
            }
            let inner = named(&f.ty);
            if self.objects.contains_key(inner) {
                if depth == 0 || path.iter().any(|p| p == inner) {
                    continue;
                }
                let sub = self.selection(inner, depth - 1, path);
                if !sub.is_empty() {
                    parts.push(format!("{} {{ {sub} }}", f.name));
                }
            } else {
                parts.push(f.name.clone());
            }
        }
        path.pop();
        parts.join(" ")
    }

    /// The root lists of the schema: (field, paginated with `first`).
    fn root_lists(&self) -> Vec<(String, bool, String)> {
        self.objects["Query"]
            .iter()
            .filter(|f| is_list(&f.ty) || named(&f.ty).ends_with("Connection"))
            .map(|f| {
                (
                    f.name.clone(),
                    f.args.iter().any(|a| a == "first"),
                    named(&f.ty).to_string(),
                )
            })
            .collect()
    }
}

/// How many more statements timing alone may cost (see the test).
const SPLITS: u64 = 3;

async fn statements(app: &TestApp, token: &str, query: &str, first: i64) -> u64 {
    let before = app.app.queries.load(Ordering::SeqCst);
    let resp = app.gql_as(token, query, json!({ "first": first })).await;
    let after = app.app.queries.load(Ordering::SeqCst);
    assert!(resp["errors"].is_null(), "{query}: {resp}");
    let data = resp["data"].as_object().unwrap().values().next().unwrap();
    let edges = data["edges"].as_array().map(Vec::len);
    assert_eq!(edges, Some(first as usize), "{query}: {resp}");
    after - before
}

/// Pays a request's fee as the officer would, through the simulator.
async fn qualify(app: &TestApp, o: &TestOfficer, reviewer: &str) {
    let id = crate::qualification::submitted_request(app, o, TEHRAN_CITY).await;
    app.gql_as(
        reviewer,
        "mutation($id: ID!) { claimQualificationRequest(id: $id) { id } }",
        json!({ "id": id }),
    )
    .await;
    app.gql_as(
        reviewer,
        "mutation($id: ID!) { approveQualificationRequest(id: $id) { id } }",
        json!({ "id": id }),
    )
    .await;
    crate::payments::pay(app, o, &id).await;
}

#[tokio::test]
async fn every_list_field_costs_the_same_at_two_page_sizes() {
    let app = TestApp::spawn_with(|c| {
        c.max_query_complexity = 100_000;
        c.max_query_depth = 30;
        c.payment_reconcile_every_secs = 3600;
        // A window wide enough that the keys of one depth of the query, arriving through
        // different paths a few milliseconds apart, always share a batch: the count is then
        // the same from run to run, and any per-item query shows.
        c.loader_batch_delay_us = 30_000;
        c.max_active_contracts_per_officer = 12;
    })
    .await;
    let sdl = sdl();
    let reviewer = app.reviewer_of(TEHRAN_UNIVERSITY).await;
    let admin = app.login_as(Role::DirectorateAdmin).await;

    // An officer with 12 requests (11 cancelled, then one that completes with its payment),
    // and 12 files waiting in the reviewer's queue, one with a deficiency round.
    let busy = app.register_officer().await;
    for _ in 0..11 {
        let r = app
            .gql_as(
                &busy.token,
                "mutation { startQualificationRequest(kind: NEW) { id } }",
                json!({}),
            )
            .await;
        let id = r["data"]["startQualificationRequest"]["id"]
            .as_str()
            .unwrap();
        app.gql_as(
            &busy.token,
            "mutation($id: ID!) { cancelQualificationRequest(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    }
    qualify(&app, &busy, &reviewer).await;
    let mut queued = Vec::new();
    for i in 0..12 {
        let o = app.register_officer().await;
        queued.push(o.officer_id.clone());
        let id = crate::qualification::submitted_request(&app, &o, TEHRAN_CITY).await;
        if i == 0 {
            app.gql_as(
                &reviewer,
                "mutation($id: ID!) { claimQualificationRequest(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
            app.gql_as(
                &reviewer,
                "mutation($id: ID!, $items: [DeficiencyInput!]!) { reportDeficiencies(id: $id, items: $items) { id } }",
                json!({ "id": id, "items": [{ "field": "cityId", "description": "شهر را اصلاح کنید" }] }),
            )
            .await;
        }
    }

    // 12 branches of a distributor proposing the busy (qualified) officer; 12 contracts of
    // it at 12 branches of another distributor.
    let proposer = app.distributor().await;
    let employer = app.distributor().await;
    for i in 0..12 {
        for (d, contract) in [(&proposer, false), (&employer, true)] {
            let b = app
                .gql_as(
                    &d.token,
                    "mutation($i: BranchInput!) { createBranch(input: $i) { id } }",
                    json!({ "i": { "name": format!("شعبه {i}"), "provinceId": TEHRAN_PROVINCE, "cityId": TEHRAN_CITY, "address": "تهران" } }),
                )
                .await;
            let branch = b["data"]["createBranch"]["id"]
                .as_str()
                .unwrap()
                .to_string();
            let p = crate::cooperation::propose(&app, d, &branch, &busy.national_code).await;
            let id = p["data"]["proposeTechnicalOfficer"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("{p}"))
                .to_string();
            if contract {
                app.gql_as(&busy.token, crate::cooperation::ACCEPT, json!({ "id": id }))
                    .await;
                let r = app
                    .gql_as(&reviewer, crate::cooperation::APPROVE, json!({ "id": id }))
                    .await;
                assert!(r["errors"].is_null(), "{r}");
            }
        }
    }

    // A termination draft for each of the 12 contracts.
    let contracts = app
        .gql_as(
            &busy.token,
            "{ contracts(active: true, first: 50) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    for c in contracts["data"]["contracts"]["edges"].as_array().unwrap() {
        let r = app
            .gql_as(
                &busy.token,
                "mutation($c: ID!) { requestTermination(contractId: $c, reason: \"پایان\") { id } }",
                json!({ "c": c["node"]["id"] }),
            )
            .await;
        assert!(r["errors"].is_null(), "{r}");
    }

    // 12 messages to the busy officer, and one to the 12 officers of the queue (alike).
    let mut broadcast = String::new();
    for i in 0..13 {
        let input = if i == 0 {
            json!({ "subject": "صف", "body": "متن", "officerIds": queued })
        } else {
            json!({ "subject": format!("پیام {i}"), "body": "متن", "officerIds": [busy.officer_id] })
        };
        let r = app
            .gql_as(
                &admin,
                "mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }",
                json!({ "i": input }),
            )
            .await;
        let id = r["data"]["sendMessage"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{r}"));
        if i == 0 {
            broadcast = id.to_string();
        }
    }
    let recipients_args = format!("messageId: \"{broadcast}\"");

    // Who lists what, and the arguments that select the data above.
    let callers: HashMap<&str, (&str, &str)> = HashMap::from([
        ("myQualificationRequests", (busy.token.as_str(), "")),
        (
            "cooperationRequests",
            (proposer.token.as_str(), "status: [PENDING_OFFICER]"),
        ),
        ("contracts", (employer.token.as_str(), "active: true")),
        ("terminationRequests", (busy.token.as_str(), "")),
        // Proposals, acceptances, approvals and the qualification wrote more than 12.
        ("smsOutbox", (admin.as_str(), "")),
        ("messages", (busy.token.as_str(), "")),
        (
            "messageRecipients",
            (admin.as_str(), recipients_args.as_str()),
        ),
        (
            "reviewQueue",
            (
                reviewer.as_str(),
                "status: [SUBMITTED, UNDER_REVIEW, DEFICIENT]",
            ),
        ),
    ]);
    let mut checked = 0;
    for (field, paginated, ty) in sdl.root_lists() {
        if !paginated {
            // Fixed reference lists (provinces, fields of study) are checked by their own
            // statement-count test in reference.rs.
            continue;
        }
        let (token, args) = callers
            .get(field.as_str())
            .unwrap_or_else(|| panic!("no data for the root list {field}: add its row here"));
        let node = sdl.objects[&ty]
            .iter()
            .find(|f| f.name == "edges")
            .map(|f| named(&f.ty).to_string())
            .and_then(|edge| {
                sdl.objects[&edge]
                    .iter()
                    .find(|f| f.name == "node")
                    .map(|f| named(&f.ty).to_string())
            })
            .expect("a connection has edges { node }");
        let selection = sdl.selection(&node, 4, &mut Vec::new());
        let sep = if args.is_empty() { "" } else { ", " };
        let query = format!(
            "query($first: Int) {{ {field}({args}{sep}first: $first) {{ totalCount pageInfo {{ hasNextPage endCursor }} edges {{ cursor node {{ {selection} }} }} }} }}"
        );
        // Warm up (the first request of a caller also reads its account).
        statements(&app, token, &query, 1).await;
        // The loaders gather each key type into one statement per batch, but which keys
        // share a batch depends on timing where two paths lead to one key type (a city
        // under the proposed data and under the officer): a run may cost a statement or two
        // more than another. A field that queried once per item would cost 10 more for 12
        // items than for 2. So: the fewest statements of three runs at each size, which must
        // be the same, give or take those timing splits.
        let mut small = u64::MAX;
        let mut large = u64::MAX;
        for _ in 0..3 {
            small = small.min(statements(&app, token, &query, 2).await);
            large = large.min(statements(&app, token, &query, 12).await);
        }
        assert!(
            large <= small + SPLITS,
            "{field}: {small} statements for 2 items, {large} for 12"
        );
        eprintln!("{field}: {small} statements for 2 items, {large} for 12");
        checked += 1;
    }
    assert!(checked >= 2, "the paginated root lists were walked");
}

/// The selection really reaches the nested lists (so the test above means something).
#[test]
fn the_walk_reaches_nested_lists() {
    let sdl = sdl();
    let sel = sdl.selection("QualificationRequest", 4, &mut Vec::new());
    for nested in [
        "documents",
        "deficiencies",
        "history",
        "officer",
        "payment",
        "cities",
    ] {
        assert!(sel.contains(nested), "{nested} in {sel}");
    }
    let _: Value = json!(sel);
}

/// The officer's cartable (the query of `benches/peer`): one page with its universities,
/// the caller read once per session; no count unless `totalCount` is asked for, no
/// statement per university.
#[tokio::test]
async fn the_officers_cartable_costs_one_statement_once_its_caller_is_kept() {
    let app = TestApp::spawn().await;
    let o = app.register_officer().await;
    let reviewer = app.reviewer_of(TEHRAN_UNIVERSITY).await;
    let id = crate::qualification::submitted_request(&app, &o, TEHRAN_CITY).await;
    app.gql_as(
        &reviewer,
        "mutation($id: ID!) { claimQualificationRequest(id: $id) { id } }",
        json!({ "id": id }),
    )
    .await;
    let cartable = "{ me { officer { firstName lastName } } myQualificationRequests(first: 10) { edges { node { id kind status submittedAt feeRials university { id name } } } } }";
    let count = |query: &'static str| {
        let app = &app;
        let token = o.token.clone();
        async move {
            let before = app.app.queries.load(Ordering::SeqCst);
            let resp = app.gql_as(&token, query, json!({})).await;
            assert!(resp["errors"].is_null(), "{resp}");
            (app.app.queries.load(Ordering::SeqCst) - before, resp)
        }
    };
    let (n, resp) = count(cartable).await;
    let node = &resp["data"]["myQualificationRequests"]["edges"][0]["node"];
    assert_eq!(node["status"], "UNDER_REVIEW", "{resp}");
    assert_eq!(
        node["university"]["id"],
        TEHRAN_UNIVERSITY.to_string(),
        "{resp}"
    );
    assert_eq!(resp["data"]["me"]["officer"]["firstName"], "علی", "{resp}");
    assert_eq!(n, 2, "the caller and the page with its universities");
    // The session's caller is kept: the next request is the page alone.
    let (n, _) = count(cartable).await;
    assert_eq!(n, 1, "the page with its universities");
    // Asking for the total adds exactly its count.
    let (n, resp) = count("{ myQualificationRequests(first: 10) { totalCount edges { node { id university { id } } } } }").await;
    assert_eq!(
        resp["data"]["myQualificationRequests"]["totalCount"], 1,
        "{resp}"
    );
    assert_eq!(n, 2, "the page and the count");
}

/// A page of requests reads the proposed data (13 of a row's 25 columns) only when its query
/// asks for it (the statement is checked in `store::qualification`'s unit tests), and shows
/// it whenever it is asked for: directly, through `nodes`, in a named or an inline fragment,
/// with the page's one statement; the reviewer's queue alike.
#[tokio::test]
async fn a_page_reads_the_proposed_data_only_when_asked_and_shows_it_whenever_asked() {
    let app = TestApp::spawn().await;
    let o = app.register_officer().await;
    let reviewer = app.reviewer_of(TEHRAN_UNIVERSITY).await;
    let id = crate::qualification::submitted_request(&app, &o, TEHRAN_CITY).await;

    // As stored (the officer's own view of the request).
    let stored = app
        .gql_as(
            &o.token,
            "query($id: ID!) { qualificationRequest(id: $id) { proposed { firstName mobile city { id } } } }",
            json!({ "id": id }),
        )
        .await;
    let stored = &stored["data"]["qualificationRequest"]["proposed"];
    assert!(
        stored["firstName"].is_string() && stored["mobile"].is_string(),
        "{stored}"
    );

    // Through GraphQL: asked for in any form, the proposed data is shown as stored, and the
    // page is still one statement (no row read again).
    let count = |token: String, query: String| {
        let app = &app;
        async move {
            let before = app.app.queries.load(Ordering::SeqCst);
            let resp = app.gql_as(&token, &query, json!({})).await;
            assert!(resp["errors"].is_null(), "{query}: {resp}");
            (app.app.queries.load(Ordering::SeqCst) - before, resp)
        }
    };
    let first_name = stored["firstName"].clone();
    let city = stored["city"]["id"].clone();
    // A first request keeps the caller.
    count(o.token.clone(), "{ me { role } }".into()).await;
    let shapes = [
        "{ myQualificationRequests(first: 10) { edges { node { id proposed { firstName city { id } } } } } }",
        "{ myQualificationRequests(first: 10) { nodes { id proposed { firstName city { id } } } } }",
        "{ myQualificationRequests(first: 10) { ...Page } } fragment Page on QualificationRequestConnection { edges { node { ...Node } } } fragment Node on QualificationRequest { id proposed { firstName city { id } } }",
        "{ myQualificationRequests(first: 10) { edges { node { ... on QualificationRequest { id p: proposed { firstName city { id } } } } } } }",
    ];
    for query in shapes {
        let (n, resp) = count(o.token.clone(), query.into()).await;
        let page = &resp["data"]["myQualificationRequests"];
        let node = if page["nodes"].is_array() {
            &page["nodes"][0]
        } else {
            &page["edges"][0]["node"]
        };
        let proposed = if node["p"].is_object() {
            &node["p"]
        } else {
            &node["proposed"]
        };
        assert_eq!(proposed["firstName"], first_name, "{query}: {resp}");
        assert_eq!(proposed["city"]["id"], city, "{query}: {resp}");
        // The page, and the city's loader (reference data, one batch).
        assert!(n <= 2, "{query}: {n} statements");
    }
    // Without it, one statement.
    let (n, resp) = count(
        o.token.clone(),
        "{ myQualificationRequests(first: 10) { edges { node { id status university { id } } } } }"
            .into(),
    )
    .await;
    assert_eq!(
        resp["data"]["myQualificationRequests"]["edges"][0]["node"]["status"], "SUBMITTED",
        "{resp}"
    );
    assert_eq!(n, 1, "{resp}");

    // The reviewer's queue, with and without it.
    count(reviewer.clone(), "{ me { role } }".into()).await;
    let (_, resp) = count(
        reviewer.clone(),
        "{ reviewQueue(first: 10) { edges { node { id proposed { firstName mobile } } } } }".into(),
    )
    .await;
    let node = &resp["data"]["reviewQueue"]["edges"][0]["node"];
    assert_eq!(node["id"], id, "{resp}");
    assert_eq!(node["proposed"]["firstName"], first_name, "{resp}");
    assert_eq!(node["proposed"]["mobile"], stored["mobile"], "{resp}");
    let (n, resp) = count(
        reviewer.clone(),
        "{ reviewQueue(first: 10) { edges { node { id status submittedAt } } } }".into(),
    )
    .await;
    assert_eq!(
        resp["data"]["reviewQueue"]["edges"][0]["node"]["id"], id,
        "{resp}"
    );
    assert_eq!(n, 1, "{resp}");
}

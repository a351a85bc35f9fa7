//! The directorate's messages (M1): sending to an audience, the inbox, reading, live
//! delivery, attachments; as each role, the wrong role and the wrong owner.

use crate::harness::*;
use officer_registry::domain::Role;
use serde_json::{Value, json};
use std::time::Duration;

const SEND: &str = "mutation($i: SendMessageInput!) { sendMessage(input: $i) { id subject body priority mustAcknowledge recipientsCount readCount sentAt } }";
const INBOX: &str = "query($u: Boolean) { messages(unreadOnly: $u) { totalCount edges { node { id subject body readAt acknowledgedAt priority mustAcknowledge recipientsCount readCount attachments { fileName downloadUrl } } } } }";
const READ: &str = "mutation($id: ID!) { markMessageRead(id: $id) { id readAt } }";
const ACK: &str = "mutation($id: ID!) { acknowledgeMessage(id: $id) { id readAt acknowledgedAt } }";
const UNREAD: &str = "{ me { unreadMessageCount } }";

async fn send(app: &TestApp, admin: &str, input: Value) -> Value {
    app.gql_as(admin, SEND, json!({ "i": input })).await
}

fn message_id(r: &Value) -> String {
    r["data"]["sendMessage"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{r}"))
        .to_string()
}

async fn unread(app: &TestApp, token: &str) -> i64 {
    let r = app.gql_as(token, UNREAD, json!({})).await;
    r["data"]["me"]["unreadMessageCount"]
        .as_i64()
        .unwrap_or_else(|| panic!("{r}"))
}

/// Sends a message with file attachments (GraphQL multipart request).
async fn send_with_files(
    app: &TestApp,
    admin: &str,
    input: Value,
    files: &[(&str, &[u8])],
) -> Value {
    let mut input = input;
    input["attachments"] = json!(vec![Value::Null; files.len()]);
    let operations = json!({ "query": SEND, "variables": { "i": input } });
    let map: serde_json::Map<String, Value> = (0..files.len())
        .map(|i| {
            (
                i.to_string(),
                json!([format!("variables.i.attachments.{i}")]),
            )
        })
        .collect();
    let mut form = reqwest::multipart::Form::new()
        .text("operations", operations.to_string())
        .text("map", Value::Object(map).to_string());
    for (i, (name, bytes)) in files.iter().enumerate() {
        form = form.part(
            i.to_string(),
            reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string()),
        );
    }
    app.client
        .post(app.url("/graphql"))
        .bearer_auth(admin)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_broadcast_reaches_every_officer_once_and_is_read_once() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::DirectorateAdmin).await;
    let a = app.register_officer().await;
    let b = app.register_officer().await;
    assert_eq!(unread(&app, &a.token).await, 0);
    let r = send(
        &app,
        &admin,
        json!({ "subject": " اطلاعيه ", "body": "متن اطلاعیه\nسطر دوم", "allOfficers": true, "priority": "URGENT" }),
    )
    .await;
    let m = &r["data"]["sendMessage"];
    assert_eq!(m["recipientsCount"], 2, "{r}");
    assert_eq!(m["readCount"], 0);
    assert_eq!(m["subject"], "اطلاعیه", "letters folded, trimmed");
    assert_eq!(m["body"], "متن اطلاعیه\nسطر دوم", "lines kept");
    let id = message_id(&r);
    // An officer registered later does not get the old broadcast.
    let late = app.register_officer().await;
    assert_eq!(unread(&app, &late.token).await, 0);
    let inbox = app.gql_as(&late.token, INBOX, json!({})).await;
    assert_eq!(inbox["data"]["messages"]["totalCount"], 0);

    for o in [&a, &b] {
        assert_eq!(unread(&app, &o.token).await, 1);
        let inbox = app.gql_as(&o.token, INBOX, json!({ "u": true })).await;
        let node = &inbox["data"]["messages"]["edges"][0]["node"];
        assert_eq!(node["id"], id.as_str(), "{inbox}");
        assert_eq!(node["priority"], "URGENT");
        assert!(node["readAt"].is_null());
        // Counts are for admins only.
        assert!(node["recipientsCount"].is_null() && node["readCount"].is_null());
    }
    // Read once: a second call changes nothing and is no error.
    let first = app.gql_as(&a.token, READ, json!({ "id": id })).await;
    let at = first["data"]["markMessageRead"]["readAt"].clone();
    assert!(at.is_string(), "{first}");
    tokio::time::sleep(Duration::from_millis(20)).await;
    let again = app.gql_as(&a.token, READ, json!({ "id": id })).await;
    assert_eq!(again["data"]["markMessageRead"]["readAt"], at, "{again}");
    assert_eq!(unread(&app, &a.token).await, 0);
    let unread_only = app.gql_as(&a.token, INBOX, json!({ "u": true })).await;
    assert_eq!(unread_only["data"]["messages"]["totalCount"], 0);
    let all = app.gql_as(&a.token, INBOX, json!({})).await;
    assert_eq!(all["data"]["messages"]["totalCount"], 1);
    // Another officer cannot mark a message it did not receive.
    assert_refused(
        &app.gql_as(&late.token, READ, json!({ "id": id })).await,
        "NOT_FOUND",
    );
    // The admin sees what it sent, with the counts, and who read it.
    let sent = app.gql_as(&admin, INBOX, json!({})).await;
    let node = &sent["data"]["messages"]["edges"][0]["node"];
    assert_eq!(node["recipientsCount"], 2, "{sent}");
    assert_eq!(node["readCount"], 1);
    let readers = app
        .gql_as(
            &admin,
            "query($m: ID!) { messageRecipients(messageId: $m, state: READ) { totalCount edges { node { readAt officer { nationalCode } } } } }",
            json!({ "m": id }),
        )
        .await;
    assert_eq!(
        readers["data"]["messageRecipients"]["totalCount"], 1,
        "{readers}"
    );
    assert_eq!(
        readers["data"]["messageRecipients"]["edges"][0]["node"]["officer"]["nationalCode"],
        a.national_code.as_str()
    );
}

#[tokio::test]
async fn audiences_by_province_and_by_officer() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::DirectorateAdmin).await;
    // A qualified officer lives in Tehran; a merely registered one has no province yet.
    let tehran = crate::cooperation::qualified_officer(&app).await;
    let nowhere = app.register_officer().await;
    let r = send(
        &app,
        &admin,
        json!({ "subject": "استان تهران", "body": "متن", "provinceIds": [TEHRAN_PROVINCE] }),
    )
    .await;
    assert_eq!(r["data"]["sendMessage"]["recipientsCount"], 1, "{r}");
    assert_eq!(unread(&app, &tehran.token).await, 1);
    assert_eq!(unread(&app, &nowhere.token).await, 0);
    let r = send(
        &app,
        &admin,
        json!({ "subject": "شخصی", "body": "متن", "officerIds": [nowhere.officer_id] }),
    )
    .await;
    assert_eq!(r["data"]["sendMessage"]["recipientsCount"], 1, "{r}");
    assert_eq!(unread(&app, &nowhere.token).await, 1);
    assert_eq!(unread(&app, &tehran.token).await, 1);
}

#[tokio::test]
async fn bad_messages_are_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::DirectorateAdmin).await;
    let o = app.register_officer().await;
    let cases = [
        (
            json!({ "subject": " ", "body": "x", "allOfficers": true }),
            "subject",
        ),
        (
            json!({ "subject": "x", "body": "  ", "allOfficers": true }),
            "body",
        ),
        (json!({ "subject": "x", "body": "y" }), "allOfficers"),
        (
            json!({ "subject": "x", "body": "y", "allOfficers": false, "officerIds": [], "provinceIds": [] }),
            "allOfficers",
        ),
        (
            json!({ "subject": "x", "body": "y", "allOfficers": true, "provinceIds": [TEHRAN_PROVINCE] }),
            "allOfficers",
        ),
        (
            json!({ "subject": "x", "body": "y", "officerIds": [o.officer_id, uuid::Uuid::new_v4().to_string()] }),
            "officerIds",
        ),
        (
            json!({ "subject": "x", "body": "y", "officerIds": ["not-an-id"] }),
            "officerIds",
        ),
        (
            json!({ "subject": "x", "body": "y", "provinceIds": ["99"] }),
            "provinceIds",
        ),
    ];
    for (input, field) in cases {
        let r = send(&app, &admin, input.clone()).await;
        assert_refused(&r, "VALIDATION_FAILED");
        assert_eq!(r["errors"][0]["extensions"]["field"], field, "{input}: {r}");
    }
    let count = app
        .count("SELECT count(*)::bigint AS n FROM messages")
        .await;
    assert_eq!(count, 0, "nothing was written");
    // Only admins send.
    let input = json!({ "subject": "x", "body": "y", "allOfficers": true });
    for role in [Role::UniversityReviewer, Role::Distributor, Role::Officer] {
        let token = app.login_as(role).await;
        assert_refused(&send(&app, &token, input.clone()).await, "FORBIDDEN");
    }
    assert_refused(
        &app.gql(SEND, json!({ "i": input })).await,
        "UNAUTHENTICATED",
    );
    // Reviewers and distributors have no inbox.
    let reviewer = app.login_as(Role::UniversityReviewer).await;
    assert_refused(&app.gql_as(&reviewer, INBOX, json!({})).await, "FORBIDDEN");
    assert_eq!(unread(&app, &reviewer).await, 0);
}

#[tokio::test]
async fn attachments_are_pdfs_and_reach_only_recipients_and_admins() {
    let app = TestApp::spawn_with(|c| c.max_document_bytes = 4096).await;
    let admin = app.login_as(Role::DirectorateAdmin).await;
    let to = app.register_officer().await;
    let other = app.register_officer().await;
    let input = json!({ "subject": "بخشنامه", "body": "پیوست را ببینید", "officerIds": [to.officer_id], "mustAcknowledge": true });
    // Not a PDF, or too large: refused, nothing kept.
    let png = send_with_files(&app, &admin, input.clone(), &[("a.pdf", PNG)]).await;
    assert_refused(&png, "VALIDATION_FAILED");
    assert_eq!(
        png["errors"][0]["extensions"]["field"], "attachments.0",
        "{png}"
    );
    let big = [PDF, &vec![b' '; 5000]].concat();
    let large = send_with_files(&app, &admin, input.clone(), &[("big.pdf", &big)]).await;
    assert_refused(&large, "VALIDATION_FAILED");
    assert_eq!(
        app.count("SELECT count(*)::bigint AS n FROM messages")
            .await,
        0
    );
    let ok = send_with_files(&app, &admin, input, &[("بخشنامه.pdf", PDF)]).await;
    let id = message_id(&ok);
    assert_eq!(ok["data"]["sendMessage"]["mustAcknowledge"], true);
    // The recipient downloads it; another officer gets 404; the admin may.
    let inbox = app.gql_as(&to.token, INBOX, json!({})).await;
    let att = &inbox["data"]["messages"]["edges"][0]["node"]["attachments"][0];
    assert_eq!(att["fileName"], "بخشنامه.pdf", "{inbox}");
    let url = att["downloadUrl"].as_str().unwrap();
    let got = app.client.get(app.url(url)).send().await.unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.headers()["content-type"], "application/pdf");
    assert_eq!(got.bytes().await.unwrap().as_ref(), PDF);
    let attachment_id = url
        .trim_start_matches("/messages/attachments/")
        .split('?')
        .next()
        .unwrap();
    let foreign = app
        .client
        .get(app.url(&format!("/messages/attachments/{attachment_id}")))
        .bearer_auth(&other.token)
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 404);
    let by_admin = app
        .client
        .get(app.url(&format!("/messages/attachments/{attachment_id}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(by_admin.status(), 200);
    // Acknowledged once; the admin counts it.
    let ack = app.gql_as(&to.token, ACK, json!({ "id": id })).await;
    let a = &ack["data"]["acknowledgeMessage"];
    assert!(
        a["acknowledgedAt"].is_string() && a["readAt"].is_string(),
        "{ack}"
    );
    let m = app
        .gql_as(
            &admin,
            "query($id: ID!) { message(id: $id) { acknowledgedCount readCount } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(m["data"]["message"]["acknowledgedCount"], 1, "{m}");
    assert_refused(
        &app.gql_as(
            &other.token,
            "query($id: ID!) { message(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await,
        "NOT_FOUND",
    );
}

#[tokio::test]
async fn a_message_arrives_live_on_each_recipients_cartable() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::DirectorateAdmin).await;
    let tehran = crate::cooperation::qualified_officer(&app).await;
    let nowhere = app.register_officer().await;
    let sub = "subscription($after: ID) { cartableEvents(afterEventId: $after) { id kind message { id subject readAt } } }";
    let mut ws_t = app.ws(Some(&tehran.token)).await.unwrap();
    ws_t.subscribe("1", sub, json!({})).await;
    let mut ws_n = app.ws(Some(&nowhere.token)).await.unwrap();
    ws_n.subscribe("1", sub, json!({})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let r = send(
        &app,
        &admin,
        json!({ "subject": "فقط تهران", "body": "متن", "provinceIds": [TEHRAN_PROVINCE] }),
    )
    .await;
    let id = message_id(&r);
    let e = ws_t.next_event().await;
    assert_eq!(e["data"]["cartableEvents"]["kind"], "MESSAGE_SEND", "{e}");
    assert_eq!(e["data"]["cartableEvents"]["message"]["id"], id.as_str());
    assert!(e["data"]["cartableEvents"]["message"]["readAt"].is_null());
    assert!(
        ws_n.silent_for(Duration::from_millis(500)).await,
        "not in the audience"
    );
    // A broadcast: both get it, once each.
    let r = send(
        &app,
        &admin,
        json!({ "subject": "همه", "body": "متن", "allOfficers": true }),
    )
    .await;
    let all = message_id(&r);
    for ws in [&mut ws_t, &mut ws_n] {
        let e = ws.next_event().await;
        assert_eq!(
            e["data"]["cartableEvents"]["message"]["id"],
            all.as_str(),
            "{e}"
        );
        assert!(ws.silent_for(Duration::from_millis(300)).await, "once");
    }
    // Resuming replays the messages the officer received, and only those.
    let mut again = app.ws(Some(&nowhere.token)).await.unwrap();
    again.subscribe("2", sub, json!({ "after": "0" })).await;
    let mut ids = Vec::new();
    while let Ok(msg) = again.next_message(Duration::from_millis(800)).await {
        if let Some(m) = msg["payload"]["data"]["cartableEvents"]["message"]["id"].as_str() {
            ids.push(m.to_string());
        }
    }
    assert_eq!(
        ids,
        [all],
        "the replay holds the broadcast, not the Tehran message"
    );
}

/// The recipients' references are checked per statement (migration
/// `…000131_broadcast_recipient_checks`) as the foreign keys did per row: a recipient row
/// names an existing message and officer, its keys do not change, and neither a message
/// nor an officer with recipient rows can be deleted or get another id.
#[tokio::test]
async fn recipient_rows_name_an_existing_message_and_officer() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::DirectorateAdmin).await;
    let a = app.register_officer().await;
    let b = app.register_officer().await;
    let r = send(
        &app,
        &admin,
        json!({ "subject": "آزمون", "body": "متن", "allOfficers": true }),
    )
    .await;
    assert_eq!(r["data"]["sendMessage"]["recipientsCount"], 2, "{r}");
    let id = message_id(&r);
    let unknown = uuid::Uuid::new_v4();
    let refused = |e: Result<usize, diesel::result::Error>, what: &str| {
        let e = e.expect_err(what).to_string();
        assert!(
            e.contains("message recipient") || e.contains("recipient row"),
            "{what}: {e}"
        );
    };
    refused(
        app.sql(&format!(
            "INSERT INTO message_recipients (message_id, officer_id, sent_at) \
             VALUES ('{id}', '{unknown}', now())"
        ))
        .await,
        "an unknown officer",
    );
    refused(
        app.sql(&format!(
            "INSERT INTO message_recipients (message_id, officer_id, sent_at) \
             SELECT '{unknown}', id, now() FROM officers"
        ))
        .await,
        "an unknown message",
    );
    refused(
        app.sql(&format!(
            "UPDATE message_recipients SET officer_id = '{}' WHERE message_id = '{id}' \
             AND officer_id = '{}'",
            unknown, a.officer_id
        ))
        .await,
        "another officer",
    );
    refused(
        app.sql(&format!("DELETE FROM messages WHERE id = '{id}'"))
            .await,
        "deleting the message",
    );
    refused(
        app.sql(&format!(
            "DELETE FROM officers WHERE id = '{}'",
            b.officer_id
        ))
        .await,
        "deleting an officer",
    );
    refused(
        app.sql(&format!(
            "UPDATE officers SET id = '{unknown}' WHERE id = '{}'",
            b.officer_id
        ))
        .await,
        "changing an officer's id",
    );
    // Valid rows still go in, and reading still works.
    let r = send(
        &app,
        &admin,
        json!({ "subject": "شخصی", "body": "متن", "officerIds": [a.officer_id] }),
    )
    .await;
    assert_eq!(r["data"]["sendMessage"]["recipientsCount"], 1, "{r}");
    let read = app.gql_as(&a.token, READ, json!({ "id": id })).await;
    assert!(
        read["data"]["markMessageRead"]["readAt"].is_string(),
        "{read}"
    );
    assert_eq!(unread(&app, &a.token).await, 1);
}

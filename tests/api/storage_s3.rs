//! Documents in an S3-compatible bucket (the scale-out option), against a local S3 server
//! (moto's, from PyPI: installed on first use).

use crate::harness::*;
use serde_json::json;
use std::time::Duration;

/// A local S3-compatible server on a free loopback port, stopped when dropped.
struct S3Server {
    child: tokio::process::Child,
    url: String,
}

impl S3Server {
    async fn start() -> Self {
        let has_moto = std::process::Command::new("python3")
            .args(["-c", "import moto.server"])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if !has_moto {
            let status = std::process::Command::new("python3")
                .args(["-m", "pip", "install", "--quiet", "moto[server]"])
                .status()
                .expect("python3 with pip is needed for the S3 storage test");
            assert!(status.success(), "pip install 'moto[server]' failed");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = tokio::process::Command::new("python3")
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("moto server");
        let url = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if reqwest::get(&url).await.is_ok() {
                return Self { child, url };
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the local S3 server did not start");
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

#[tokio::test]
async fn documents_live_in_an_s3_bucket_when_configured() {
    let s3 = S3Server::start().await;
    let client = reqwest::Client::new();
    // Create the bucket (the local server does not check credentials).
    let created = client
        .put(format!("{}/documents", s3.url))
        .send()
        .await
        .unwrap();
    assert!(created.status().is_success(), "{}", created.status());

    let endpoint = s3.url.clone();
    let app = TestApp::spawn_with(move |c| {
        c.s3_bucket = Some("documents".into());
        c.s3_endpoint = Some(endpoint);
        c.s3_access_key_id = Some("test".into());
        c.s3_secret_access_key = Some("test-secret".into());
    })
    .await;
    let o = app.register_officer().await;
    let r = app
        .gql_as(
            &o.token,
            "mutation { startQualificationRequest(kind: NEW) { id } }",
            json!({}),
        )
        .await;
    let id = r["data"]["startQualificationRequest"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let up = app
        .upload(&o.token, &id, "DEGREE_CERTIFICATE", "مدرک.pdf", PDF)
        .await;
    let doc = &up["data"]["attachDocument"];
    assert_eq!(doc["contentType"], "application/pdf", "{up}");

    // The object is in the bucket, under our key, not in a folder.
    let doc_id = doc["id"].as_str().unwrap();
    let key = format!("documents/{}/{doc_id}", &doc_id[..2]);
    let bucket = officer_registry::integrations::storage::DocumentStore::s3(
        "documents",
        Some(&s3.url),
        "us-east-1",
        "test",
        "test-secret",
    )
    .unwrap();
    assert_eq!(bucket.get(&key).await.unwrap().as_ref(), PDF);
    let folder = app.app.config.documents_dir.clone().unwrap();
    assert!(!folder.exists() || std::fs::read_dir(&folder).unwrap().next().is_none());
    // Served back through the download link.
    let url = doc["downloadUrl"].as_str().unwrap();
    let got = app.client.get(app.url(url)).send().await.unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.bytes().await.unwrap().as_ref(), PDF);
    // Removed with the document.
    app.gql_as(
        &o.token,
        "mutation($id: ID!) { removeDocument(id: $id) { id } }",
        json!({ "id": doc_id }),
    )
    .await;
    assert!(bucket.get(&key).await.is_err(), "deleted from the bucket");
}

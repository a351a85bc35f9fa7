//! The browser playground: the example operations validate against `schema.graphql`, the
//! committed bundle is what its sources build to, the page and its assets are served (and
//! switched off in production mode), and the whole thing works in headless Chromium.
//!
//! These tests run Node scripts under `playground/tests/` (`npm ci` first when
//! `playground/node_modules` is missing or older than the lock file).

use crate::harness::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// Debian's Chromium, unless `CHROMIUM_PATH` says otherwise.
fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM_PATH")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn playground_dir() -> PathBuf {
    repo().join("playground")
}

/// Installs the playground's npm packages once per test run when they are missing or older
/// than `package-lock.json`. Panics with what to install when Node or npm is missing.
fn ensure_node_modules() {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    let result = DONE.get_or_init(|| {
        let dir = playground_dir();
        let modified = |p: PathBuf| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        let installed = modified(dir.join("node_modules/.package-lock.json"));
        let locked = modified(dir.join("package-lock.json"));
        let fresh = matches!((installed, locked), (Some(i), Some(l)) if i >= l);
        if fresh {
            return Ok(());
        }
        let output = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--prefix"])
            .arg(&dir)
            .current_dir(repo())
            .output()
            .map_err(|e| {
                format!(
                    "cannot run npm ({e}): the playground's tests need Node.js 20+ and npm \
                     (apt-get install -y nodejs npm)"
                )
            })?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "npm ci --prefix playground failed:\n{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

fn node() -> Command {
    let mut cmd = Command::new("node");
    cmd.current_dir(repo());
    cmd
}

/// Runs a Node script of `playground/tests/` to the end; panics with its output when it fails.
fn run_node_script(script: &str) -> Output {
    ensure_node_modules();
    let output = node()
        .arg(playground_dir().join("tests").join(script))
        .output()
        .unwrap_or_else(|e| panic!("cannot run node ({e}): install Node.js 20+ and npm"));
    report(script, &output);
    output
}

fn report(script: &str, output: &Output) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}{stderr}");
    assert!(
        output.status.success(),
        "playground/tests/{script} failed ({}):\n{stdout}{stderr}",
        output.status
    );
}

#[test]
fn operations_validate_against_the_schema() {
    let output = run_node_script("validate-operations.mjs");
    assert!(String::from_utf8_lossy(&output.stdout).contains("validate against"));
}

#[test]
fn the_committed_bundle_is_built_from_the_sources() {
    run_node_script("check-dist.mjs");
}

/// The asset URLs the page references (`src="..."` and `href="..."` under /playground/).
fn asset_urls(html: &str) -> Vec<String> {
    let mut urls = Vec::new();
    for attr in ["src=\"", "href=\""] {
        for (start, _) in html.match_indices(attr) {
            let rest = &html[start + attr.len()..];
            if let Some(end) = rest.find('"') {
                let url = &rest[..end];
                if url.starts_with("/playground/assets/") {
                    urls.push(url.to_string());
                }
            }
        }
    }
    urls
}

async fn status_of(app: &TestApp, path: &str) -> u16 {
    app.client
        .get(app.url(path))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn the_playground_is_served_and_can_be_switched_off() {
    let app = TestApp::spawn().await;
    let page = app.client.get(app.url("/playground")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let header = |resp: &reqwest::Response, name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    assert!(header(&page, "content-type").starts_with("text/html"));
    assert_eq!(header(&page, "cache-control"), "no-cache");
    assert!(header(&page, "content-security-policy").contains("default-src 'self'"));
    let html = page.text().await.unwrap();
    assert!(html.contains("<div id=\"root\">"), "{html}");

    let urls = asset_urls(&html);
    let mut kinds = Vec::new();
    for url in &urls {
        let resp = app.client.get(app.url(url)).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{url}");
        let content_type = header(&resp, "content-type");
        assert!(header(&resp, "cache-control").contains("max-age=31536000"));
        assert!(
            header(&resp, "content-encoding").is_empty(),
            "not asked for gzip"
        );
        let body = resp.bytes().await.unwrap();
        assert!(body.len() > 1000, "{url} is {} bytes", body.len());
        if url.contains(".js") {
            assert_eq!(content_type, "text/javascript; charset=utf-8", "{url}");
            kinds.push("js");
        } else if url.contains(".css") {
            assert_eq!(content_type, "text/css; charset=utf-8", "{url}");
            kinds.push("css");
        }
        // Browsers that accept gzip get the compressed copy.
        let gz = app
            .client
            .get(app.url(url))
            .header("accept-encoding", "gzip, deflate, br")
            .send()
            .await
            .unwrap();
        assert_eq!(header(&gz, "content-encoding"), "gzip");
        assert_eq!(header(&gz, "content-type"), content_type);
        let gz_body = gz.bytes().await.unwrap();
        assert_eq!(gz_body.get(..2), Some(&[0x1f, 0x8b][..]), "{url}");
        assert!(gz_body.len() < body.len());
    }
    kinds.sort_unstable();
    assert_eq!(kinds, ["css", "js"], "the page references {urls:?}");

    for missing in [
        "/playground/assets/nope.js",
        "/playground/assets/index.html",
        "/playground/assets/..%2F..%2FCargo.toml",
    ] {
        assert_eq!(status_of(&app, missing).await, 404, "{missing}");
    }

    // Off in production mode, unless asked for; off when switched off.
    let production = TestApp::spawn_with(|c| c.production = true).await;
    assert_eq!(status_of(&production, "/playground").await, 404);
    assert_eq!(
        status_of(&production, "/playground/assets/playground.js").await,
        404
    );
    let switched_off = TestApp::spawn_with(|c| c.playground = Some(false)).await;
    assert_eq!(status_of(&switched_off, "/playground").await, 404);
    let production_on = TestApp::spawn_with(|c| {
        c.production = true;
        c.playground = Some(true);
    })
    .await;
    assert_eq!(status_of(&production_on, "/playground").await, 200);
}

#[tokio::test]
async fn the_playground_works_in_a_real_browser() {
    let chromium = chromium();
    assert!(
        chromium.exists(),
        "no {}: install Chromium: apt-get install -y chromium",
        chromium.display()
    );
    ensure_node_modules();
    let app = TestApp::spawn().await;
    officer_registry::demo::seed(&app.app).await.unwrap();
    let artifacts = repo().join("target/test-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    // Async, so that this test's runtime keeps serving the app while the browser talks to it.
    let output = tokio::process::Command::new("node")
        .arg(playground_dir().join("tests/e2e.mjs"))
        .current_dir(repo())
        .env("PLAYGROUND_URL", format!("http://{}", app.addr))
        .env("ARTIFACT_DIR", &artifacts)
        .env("CHROMIUM_PATH", &chromium)
        .kill_on_drop(true)
        .output()
        .await
        .unwrap_or_else(|e| panic!("cannot run node ({e}): install Node.js 20+ and npm"));
    report("e2e.mjs", &output);
    assert!(
        artifacts.join("playground-e2e.png").exists(),
        "the screenshot is missing"
    );
}

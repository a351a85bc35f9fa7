//! Fuzzing the running server: at least 10,000 GraphQL documents generated from
//! `schema.graphql` (hypothesis-graphql, a fixed seed; every tenth one again over the
//! WebSocket) and a suite of malformed requests, as anonymous and as each role, against the binary run as a process of its own
//! (`tests/fuzz/fuzz.py` does the generating and sending; this test starts the server, signs
//! the callers in, runs the script and judges its summary).
//!
//! The Python environment is made on first use in `target/fuzz-venv` from
//! `tests/fuzz/requirements.txt` (pinned); without Python 3 or without access to the package
//! index the test fails and says why. `FUZZ_PYTHON` names another interpreter; `FUZZ_SEED`
//! and `FUZZ_DOCUMENTS` change the seed and the count (CI uses the defaults).

use crate::harness::*;
use officer_registry::domain::Role;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The seed of the documents: the same seed gives the same documents.
const SEED: u64 = 20_261_207;
/// Documents generated and sent (each once, by one caller in turn).
const DOCUMENTS: usize = 10_000;
/// The upload limit of the fuzzed server (small, so that "over the limit" is cheap to send).
const MAX_UPLOAD_BYTES: usize = 2 * 1024 * 1024;
const ROLES: [&str; 5] = [
    "ANONYMOUS",
    "OFFICER",
    "DISTRIBUTOR",
    "UNIVERSITY_REVIEWER",
    "DIRECTORATE_ADMIN",
];

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest().join("target"))
}

fn runs(cmd: &mut Command) -> Result<(), String> {
    match cmd.output() {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(format!(
            "{:?} exited with {}:\n{}{}",
            cmd,
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )),
        Err(e) => Err(format!("{cmd:?}: {e}")),
    }
}

/// The virtual environment's interpreter, made (and the requirements installed) when missing
/// or when the requirements changed.
fn fuzz_python() -> PathBuf {
    let venv = target_dir().join("fuzz-venv");
    let python = venv.join("bin").join("python");
    let requirements = manifest().join("tests/fuzz/requirements.txt");
    let wanted = std::fs::read_to_string(&requirements).expect("tests/fuzz/requirements.txt");
    let stamp = venv.join("requirements.installed");
    if python.exists() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(&wanted) {
        return python;
    }
    let candidates: Vec<String> = match std::env::var("FUZZ_PYTHON") {
        Ok(p) => vec![p],
        Err(_) => vec![
            "python3.11".into(),
            "python3".into(),
            "/usr/bin/python3".into(),
        ],
    };
    let base = candidates
        .iter()
        .find(|p| runs(Command::new(p).arg("--version")).is_ok())
        .unwrap_or_else(|| {
            panic!(
                "the fuzz test needs Python 3 (tried {candidates:?}; set FUZZ_PYTHON to another \
                 interpreter)"
            )
        });
    let _ = std::fs::remove_dir_all(&venv);
    runs(Command::new(base).args(["-m", "venv"]).arg(&venv)).unwrap_or_else(|e| {
        panic!(
            "cannot make the fuzzer's virtual environment in {} (on Debian: apt-get install \
             python3-venv): {e}",
            venv.display()
        )
    });
    runs(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
            ])
            .arg(&requirements),
    )
    .unwrap_or_else(|e| {
        panic!(
            "cannot install the fuzzer's requirements (the package index must be reachable): {e}"
        )
    });
    std::fs::write(&stamp, wanted).expect("stamp");
    python
}

/// The callers, known ids and limits the script needs.
async fn context(app: &TestApp) -> Value {
    let officer = app.register_officer().await;
    let started = app
        .gql_as(
            &officer.token,
            "mutation { startQualificationRequest(kind: NEW) { id } }",
            json!({}),
        )
        .await;
    let request_id = started["data"]["startQualificationRequest"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{started}"))
        .to_string();
    let distributor = app.distributor().await;
    let reviewer = app.reviewer_of(TEHRAN_UNIVERSITY).await;
    let admin = app.login_as(Role::DirectorateAdmin).await;
    let fields = app.gql("{ fieldsOfStudy { id } }", json!({})).await;
    let mut known_ids: Vec<String> = fields["data"]["fieldsOfStudy"]
        .as_array()
        .expect("fields of study")
        .iter()
        .take(3)
        .filter_map(|f| f["id"].as_str().map(str::to_string))
        .collect();
    known_ids.extend([
        officer.officer_id.clone(),
        request_id.clone(),
        distributor.central_branch.clone(),
        TEHRAN_PROVINCE.to_string(),
        TEHRAN_CITY.to_string(),
        TEHRAN_UNIVERSITY.to_string(),
        "1".to_string(),
        "0".to_string(),
    ]);
    json!({
        "tokens": {
            "OFFICER": officer.token,
            "DISTRIBUTOR": distributor.token,
            "UNIVERSITY_REVIEWER": reviewer,
            "DIRECTORATE_ADMIN": admin,
        },
        "known_ids": known_ids,
        "request_id": request_id,
        "max_upload_bytes": MAX_UPLOAD_BYTES,
    })
}

fn histogram(v: &Value) -> String {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, n)| format!("{k}: {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn fuzzed_documents_and_malformed_requests_never_break_the_server() {
    let python = tokio::task::spawn_blocking(fuzz_python)
        .await
        .expect("venv thread");
    let app = TestApp::spawn().await;
    let ctx = context(&app).await;

    let log_path = std::env::temp_dir().join(format!(
        "or-fuzz-server-{}.log",
        uuid::Uuid::new_v4().simple()
    ));
    let log = std::fs::File::create(&log_path).expect("server log");
    let upload_limit = MAX_UPLOAD_BYTES.to_string();
    let process = ServerProcess::start_logged(
        &app.db.url(),
        &[
            // Every caller comes from 127.0.0.1 and sends thousands of documents: the
            // budget per minute is tested in limits.rs.
            ("COST_POINTS_PER_MINUTE", "1000000000"),
            ("MAX_UPLOAD_REQUEST_BYTES", &upload_limit),
            ("RUST_LOG", "error"),
        ],
        &[],
        log.into(),
    )
    .await;
    let pid = process.child.id();

    let dir = std::env::temp_dir().join(format!("or-fuzz-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("dir");
    let context_path = dir.join("context.json");
    let summary_path = dir.join("summary.json");
    std::fs::write(&context_path, ctx.to_string()).expect("context");
    let seed = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(SEED);
    let documents = std::env::var("FUZZ_DOCUMENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DOCUMENTS);
    let mut cmd = Command::new(&python);
    cmd.arg(manifest().join("tests/fuzz/fuzz.py"))
        .arg("--url")
        .arg(process.url(""))
        .arg("--schema")
        .arg(manifest().join("schema.graphql"))
        .arg("--context")
        .arg(&context_path)
        .arg("--summary")
        .arg(&summary_path)
        .arg("--seed")
        .arg(seed.to_string())
        .arg("--documents")
        .arg(documents.to_string());
    let started = std::time::Instant::now();
    let status = tokio::task::spawn_blocking(move || cmd.status())
        .await
        .expect("fuzzer thread")
        .expect("run the fuzzer");
    assert!(status.success(), "the fuzzer failed: {status}");
    let elapsed = started.elapsed();
    let summary: Value = serde_json::from_str(
        &std::fs::read_to_string(&summary_path).expect("the fuzzer's summary"),
    )
    .expect("summary JSON");

    println!(
        "fuzz: seed {seed}; {} documents generated, {} sent ({}), {} of them again over \
         WebSocket; {} malformed requests ({}); statuses {{{}}}; error codes {{{}}}; {:.0} s",
        summary["documents_generated"],
        summary["documents_sent"],
        histogram(&summary["documents_per_role"]),
        summary["websocket_documents_sent"],
        summary["malformed_sent"],
        histogram(&summary["malformed_status"]),
        histogram(&summary["status_histogram"]),
        histogram(&summary["error_code_histogram"]),
        elapsed.as_secs_f64()
    );

    // The process is the one started, still running, and healthy.
    let mut process = process;
    assert!(
        matches!(process.child.try_wait(), Ok(None)),
        "the server process ended during the fuzzing; its log:\n{}",
        std::fs::read_to_string(&log_path).unwrap_or_default()
    );
    assert_eq!(process.child.id(), pid);
    let client = reqwest::Client::new();
    let ready = client.get(process.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200, "/readyz after the fuzzing");
    let resp: Value = client
        .post(process.url("/graphql"))
        .json(&json!({ "query": "{ provinces { id } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        resp["data"]["provinces"].as_array().map(Vec::len),
        Some(31),
        "{resp}"
    );

    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    let _ = std::fs::remove_file(&log_path);
    let _ = std::fs::remove_dir_all(&dir);
    // An INTERNAL error is logged with its cause even where the answer hides it (e.g. the
    // payment callback, which answers with a redirect).
    for needle in ["panicked", "stack overflow", "internal error", "INTERNAL"] {
        assert!(
            !log.contains(needle),
            "the server's log says {needle:?}:\n{log}"
        );
    }
    assert_eq!(
        summary["failure_count"],
        0,
        "the fuzzer found failures:\n{}",
        serde_json::to_string_pretty(&summary["failures"]).unwrap()
    );
    assert_eq!(summary["no_response"], 0);
    let generated = summary["documents_generated"].as_u64().unwrap() as usize;
    assert!(generated >= documents, "{generated} documents generated");
    assert_eq!(summary["documents_sent"], generated as u64);
    for role in ROLES {
        let sent = summary["documents_per_role"][role].as_u64().unwrap_or(0) as usize;
        assert!(
            sent >= generated / ROLES.len(),
            "{role}: {sent} documents sent"
        );
    }
    assert!(summary["websocket_documents_sent"].as_u64().unwrap() as usize >= generated / 10);
    assert!(summary["malformed_sent"].as_u64().unwrap() >= 200);
}

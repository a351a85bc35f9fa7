//! The legacy migration (`officer-registry import-legacy`, issue 14): the sample export of
//! `tests/fixtures/legacy` and a generated one of 10,000 officers, imported into a test
//! database; the accounts log in through GraphQL with their old passwords.

use std::path::{Path, PathBuf};

use officer_registry::legacy::generate::{self, GenerateSpec};
use officer_registry::legacy::{LegacyFile, RefusalCode};
use officer_registry::legacy_import::{self, FileCounts, ImportOptions, ImportReport, Silent};
use serde_json::json;

use crate::harness::{TestApp, TestDb, error_code};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/legacy");

/// The fixture's accounts that must import: (user code, password).
const FIXTURE_ACCOUNTS: [(&str, &str); 10] = [
    ("ali.rezaei", "Ali@1365pass"),
    ("zahra.karimi", "Zahra#Khorram70"),
    ("reza.mousavi", "Reza-Tehran-2023"),
    ("maryam.hosseini", "Maryam!Isfahan7"),
    ("hossein.jafari", "h0ssein-sha1-prf"),
    ("narges.sadeghi", "Narges2024*"),
    ("kazem.nouri", "رمز۱۴۰۲Kazem"),
    ("aria.co", "AriaTeb#1400"),
    ("shiraz.guild", "ShirazSenf99"),
    ("tebgostar", "TebGostar!2"),
];

fn counts(created: u64, updated: u64, unchanged: u64, conflicts: u64, refused: u64) -> FileCounts {
    FileCounts {
        created,
        updated,
        unchanged,
        conflicts,
        refused,
    }
}

fn refusals(report: &ImportReport) -> Vec<(LegacyFile, u64, RefusalCode)> {
    report
        .refusals
        .iter()
        .map(|r| (r.file, r.line, r.reason_code))
        .collect()
}

async fn import(app: &TestApp, dir: &Path, dry_run: bool) -> ImportReport {
    let options = ImportOptions {
        dry_run,
        ..ImportOptions::new()
    };
    legacy_import::run(&app.db.url(), dir, &options, &Silent)
        .await
        .expect("import")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "or-legacy-{name}-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A copy of the fixture with `edit` applied to the text of each file.
fn edited_fixture(edit: impl Fn(LegacyFile, String) -> String) -> PathBuf {
    let dir = temp_dir("edited");
    for file in LegacyFile::ALL {
        let text = std::fs::read_to_string(Path::new(FIXTURE).join(file.file_name())).unwrap();
        std::fs::write(dir.join(file.file_name()), edit(file, text)).unwrap();
    }
    dir
}

async fn stored_hash(app: &TestApp, user_code: &str) -> String {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct H {
        #[diesel(sql_type = diesel::sql_types::Text)]
        h: String,
    }
    let mut conn = app.app.pool.get().await.unwrap();
    let h: H = diesel::sql_query("SELECT password_hash AS h FROM users WHERE user_code = $1")
        .bind::<diesel::sql_types::Text, _>(user_code)
        .get_result(&mut conn)
        .await
        .unwrap();
    h.h
}

/// Logs in with an imported legacy hash: right, the hash is argon2id from then on, and the
/// same password still works.
async fn logs_in_and_upgrades(app: &TestApp, user_code: &str, password: &str) -> String {
    assert!(
        stored_hash(app, user_code).await.starts_with("legacy:"),
        "{user_code}"
    );
    let r = app.login(user_code, password).await;
    let token = r["data"]["login"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("{user_code}: {r}"))
        .to_owned();
    assert!(
        stored_hash(app, user_code).await.starts_with("$argon2id$"),
        "{user_code}"
    );
    let again = app.login(user_code, password).await;
    assert!(again["data"]["login"]["accessToken"].is_string(), "{again}");
    token
}

#[tokio::test]
async fn legacy_sample_export_imports_logs_in_and_is_idempotent() {
    let app = TestApp::spawn().await;
    let dir = Path::new(FIXTURE);

    // A dry run checks everything and writes nothing.
    let dry = import(&app, dir, true).await;
    assert!(dry.dry_run);
    assert_eq!(
        app.count("SELECT count(*)::bigint AS n FROM officers")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT count(*)::bigint AS n FROM legacy_distributors")
            .await,
        0
    );

    let report = import(&app, dir, false).await;
    use LegacyFile::{Assignments as A, Distributors as D, Officers as O};
    let want = vec![
        (O, 8, RefusalCode::InvalidNationalCode),
        (O, 9, RefusalCode::UnknownProvince),
        (O, 10, RefusalCode::InvalidDate),
        (O, 11, RefusalCode::DuplicateUserCode),
        (O, 14, RefusalCode::UnknownPasswordFormat),
        (D, 6, RefusalCode::InvalidNationalId),
        (A, 5, RefusalCode::DuplicateAssignment),
        (A, 6, RefusalCode::UnknownDistributor),
    ];
    assert_eq!(refusals(&report), want);
    assert_eq!(report.of(O), counts(7, 0, 0, 0, 5));
    assert_eq!(report.of(D), counts(3, 0, 0, 0, 1));
    assert_eq!(report.of(A), counts(3, 0, 0, 0, 2));
    assert_eq!(report.exit_code(), 3);
    // the dry run reported the same
    assert_eq!(refusals(&dry), want);
    assert_eq!(dry.counts, report.counts);
    assert!(
        report.refusals[0]
            .describe()
            .starts_with("officers.csv:8: INVALID_NATIONAL_CODE")
    );

    // Qualified officers are QUALIFIED with their old date and an IMPORTED event; the
    // others are NOT_QUALIFIED.
    assert_eq!(
        app.count(
            "SELECT count(*)::bigint AS n FROM officers o JOIN users u ON u.id = o.user_id \
             WHERE u.user_code = 'ali.rezaei' AND o.qualification_status = 'QUALIFIED' \
             AND o.qualified_at = '2022-07-31T19:30:00Z'"
        )
        .await,
        1
    );
    assert_eq!(
        app.count(
            "SELECT count(*)::bigint AS n FROM officers o JOIN users u ON u.id = o.user_id \
             WHERE u.user_code = 'zahra.karimi' AND o.qualification_status = 'NOT_QUALIFIED'"
        )
        .await,
        1
    );
    // every assignment is an active contract on the distributor's central branch
    assert_eq!(
        app.count(
            "SELECT count(*)::bigint AS n FROM contracts c JOIN branches b ON b.id = c.branch_id \
             WHERE c.status = 'ACTIVE' AND b.is_central AND b.name = 'شعبه مرکزی'"
        )
        .await,
        3
    );

    // Every account logs in with its old password (all three formats) and is upgraded; a
    // wrong password is refused and counted for throttling.
    let wrong = app.login("ali.rezaei", "Ali@1365pasS").await;
    assert_eq!(error_code(&wrong), "UNAUTHENTICATED");
    assert_eq!(
        app.count("SELECT failures::bigint AS n FROM login_throttle WHERE key = 'user:ali.rezaei'")
            .await,
        1
    );
    assert!(stored_hash(&app, "ali.rezaei").await.starts_with("legacy:"));
    let mut tokens = Vec::new();
    for (code, password) in FIXTURE_ACCOUNTS {
        tokens.push(logs_in_and_upgrades(&app, code, password).await);
    }
    let ali = &tokens[0];
    let me = app
        .gql_as(
            ali,
            "{ me { userCode role officer { nationalCode qualificationStatus qualifiedAtJalali } } }",
            json!({}),
        )
        .await;
    assert_eq!(me["data"]["me"]["role"], "OFFICER", "{me}");
    let officer = &me["data"]["me"]["officer"];
    assert_eq!(officer["nationalCode"], "0076229645");
    assert_eq!(officer["qualificationStatus"], "QUALIFIED");
    assert_eq!(officer["qualifiedAtJalali"], "1401/05/10 00:00");

    // The IMPORTED event is in the officer's history (replayed by cartableEvents).
    let mut ws = app.ws(Some(ali)).await.expect("socket");
    ws.subscribe(
        "1",
        "subscription($after: ID) { cartableEvents(afterEventId: $after) { id kind fromStatus toStatus } }",
        json!({ "after": "0" }),
    )
    .await;
    let first = ws.next_event().await;
    assert_eq!(
        first["data"]["cartableEvents"]["kind"], "OFFICER_IMPORTED",
        "{first}"
    );
    assert_eq!(first["data"]["cartableEvents"]["toStatus"], "QUALIFIED");
    assert_eq!(
        app.count(
            "SELECT count(*)::bigint AS n FROM events WHERE action = 'IMPORTED' \
             AND data->>'qualifiedAtJalali' = '1401/05/10 00:00'"
        )
        .await,
        1
    );

    // The public verification shows the contract on the central branch.
    let v = app
        .gql(
            "query($c: String!) { verifyOfficer(nationalCode: $c) { qualificationStatus activeBranches } }",
            json!({ "c": "0076229645" }),
        )
        .await;
    let branches = v["data"]["verifyOfficer"]["activeBranches"].to_string();
    assert!(branches.contains("شعبه مرکزی"), "{v}");

    // A NOT_QUALIFIED officer can start a NEW request.
    let zahra = &tokens[1];
    let r = app
        .gql_as(
            zahra,
            "mutation { startQualificationRequest(kind: NEW) { id status } }",
            json!({}),
        )
        .await;
    assert_eq!(
        r["data"]["startQualificationRequest"]["status"], "DRAFT",
        "{r}"
    );

    // A second run of the same files changes nothing and says so (the upgraded hashes are
    // kept: the export's are the imported ones).
    let events_before = app.count("SELECT count(*)::bigint AS n FROM events").await;
    let again = import(&app, dir, false).await;
    assert_eq!(again.of(O), counts(0, 0, 7, 0, 5));
    assert_eq!(again.of(D), counts(0, 0, 3, 0, 1));
    assert_eq!(again.of(A), counts(0, 0, 3, 0, 2));
    assert!(again.changed_nothing());
    assert_eq!(refusals(&again), want);
    assert_eq!(
        app.count("SELECT count(*)::bigint AS n FROM events").await,
        events_before
    );
    assert!(
        stored_hash(&app, "ali.rezaei")
            .await
            .starts_with("$argon2id$")
    );
}

#[tokio::test]
async fn legacy_later_export_updates_untouched_fields_and_reports_conflicts() {
    let app = TestApp::spawn().await;
    let first = import(&app, Path::new(FIXTURE), false).await;
    assert_eq!(first.of(LegacyFile::Officers).created, 7);

    // In the registry since the import: ali changed his e-mail; zahra's contract ended;
    // reza got a contract on another branch.
    app.sql("UPDATE officers SET email = 'ali.own@example.com' WHERE national_code = '0076229645'")
        .await
        .unwrap();
    app.sql(
        "UPDATE contracts SET status = 'ENDED', ended_at = now(), ended_by = 'RELEASE' \
         WHERE officer_id = (SELECT id FROM officers WHERE national_code = '0012345679')",
    )
    .await
    .unwrap();
    app.sql(
        "INSERT INTO branches (id, distributor_id, name, is_central, province_id, city_id, address) \
         SELECT gen_random_uuid(), b.distributor_id, 'شعبه دوم', false, b.province_id, b.city_id, 'نشانی' \
         FROM branches b JOIN legacy_distributors ld ON ld.distributor_id = b.distributor_id \
         WHERE ld.legacy_id = '100'",
    )
    .await
    .unwrap();
    app.sql(
        "INSERT INTO contracts (id, officer_id, branch_id, distributor_id, status, started_at) \
         SELECT gen_random_uuid(), o.id, b.id, b.distributor_id, 'ACTIVE', now() \
         FROM officers o, branches b WHERE o.national_code = '1234567891' AND b.name = 'شعبه دوم'",
    )
    .await
    .unwrap();

    // The later export: ali's mobile and e-mail changed, zahra qualified, reza assigned to
    // 102 instead of narges (line 4), so narges's second row (line 5) now names the branch
    // of 100 that ali holds.
    let dir = edited_fixture(|file, text| match file {
        LegacyFile::Officers => text
            .replace("۰۹۱۲۱۲۳۴۵۶۷", "09121112222")
            .replace("Ali.Rezaei@Example.COM", "ali.export@example.com")
            .split("\r\n")
            .map(|line| {
                if line.starts_with("zahra.karimi,") {
                    format!("{},1,1402/05/05", line.trim_end_matches(",0,"))
                } else {
                    line.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("\r\n"),
        LegacyFile::Assignments => text.replace("۲۴۶۸۱۳۵۷۹۲,102", "1234567891,102"),
        LegacyFile::Distributors => text,
    });
    let report = import(&app, &dir, false).await;
    let officers = report.of(LegacyFile::Officers);
    assert_eq!(officers, counts(0, 1, 5, 1, 5), "{report:#?}");
    let conflict = report
        .conflicts
        .iter()
        .find(|c| c.file == LegacyFile::Officers)
        .unwrap();
    assert_eq!((conflict.line, conflict.key.as_str()), (2, "ali.rezaei"));
    assert_eq!(conflict.fields, vec!["email".to_owned()]);
    assert_eq!(
        app.count(
            "SELECT count(*)::bigint AS n FROM officers WHERE national_code = '0076229645' \
             AND mobile = '09121112222' AND email = 'ali.own@example.com'"
        )
        .await,
        1
    );
    assert_eq!(
        app.count(
            "SELECT count(*)::bigint AS n FROM officers WHERE national_code = '0012345679' \
             AND qualification_status = 'QUALIFIED'"
        )
        .await,
        1
    );
    assert_eq!(
        app.count(
            "SELECT count(*)::bigint AS n FROM events e JOIN officers o ON o.id::text = e.entity_id \
             WHERE o.national_code = '0012345679' AND e.action = 'IMPORTED' \
             AND e.from_status = 'NOT_QUALIFIED' AND e.to_status = 'QUALIFIED'"
        )
        .await,
        1
    );
    // assignments: zahra's ended contract is not started again (a conflict), reza holds a
    // contract already (the one-unit rule), the branch of 100 has ali
    let a = report.of(LegacyFile::Assignments);
    assert_eq!(a, counts(0, 0, 1, 1, 3), "{report:#?}");
    let got: Vec<_> = refusals(&report)
        .into_iter()
        .filter(|r| r.0 == LegacyFile::Assignments)
        .collect();
    assert_eq!(
        got,
        vec![
            (LegacyFile::Assignments, 4, RefusalCode::OneUnitRule),
            (LegacyFile::Assignments, 5, RefusalCode::BranchTaken),
            (LegacyFile::Assignments, 6, RefusalCode::UnknownDistributor),
        ]
    );
    assert!(
        report
            .conflicts
            .iter()
            .any(|c| c.file == LegacyFile::Assignments
                && c.line == 3
                && c.fields == vec!["contract ended".to_owned()])
    );
    assert_eq!(
        app.count(
            "SELECT count(*)::bigint AS n FROM contracts c JOIN officers o ON o.id = c.officer_id \
             WHERE o.national_code = '0012345679' AND c.status = 'ACTIVE'"
        )
        .await,
        0
    );

    // Run again: the update is remembered, the conflict is still one.
    let again = import(&app, &dir, false).await;
    assert_eq!(again.of(LegacyFile::Officers), counts(0, 0, 6, 1, 5));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn legacy_generated_export_of_ten_thousand_officers() {
    let app = TestApp::spawn().await;
    let dir = temp_dir("generated");
    let spec = GenerateSpec::with_officers(10_000);
    let expected = generate::generate(&dir, &spec).unwrap();
    let report = import(&app, &dir, false).await;
    let want: Vec<_> = expected
        .refusals
        .iter()
        .map(|e| (e.file, e.line, e.code))
        .collect();
    assert_eq!(refusals(&report), want);
    assert!(report.refusals.iter().all(|r| !r.message.is_empty()));
    let refused = |file| want.iter().filter(|r| r.0 == file).count() as u64;
    assert_eq!(
        report.of(LegacyFile::Officers),
        counts(
            expected.good_officers as u64,
            0,
            0,
            0,
            refused(LegacyFile::Officers)
        )
    );
    assert_eq!(
        report.of(LegacyFile::Distributors),
        counts(
            expected.good_distributors as u64,
            0,
            0,
            0,
            refused(LegacyFile::Distributors)
        )
    );
    assert_eq!(
        report.of(LegacyFile::Assignments),
        counts(
            expected.good_assignments as u64,
            0,
            0,
            0,
            refused(LegacyFile::Assignments)
        )
    );
    assert_eq!(
        app.count("SELECT count(*)::bigint AS n FROM officers")
            .await,
        expected.good_officers as i64
    );
    // one IMPORTED event per qualified officer, one contract per assignment
    assert_eq!(
        app.count("SELECT count(*)::bigint AS n FROM events WHERE action = 'IMPORTED'")
            .await,
        app.count(
            "SELECT count(*)::bigint AS n FROM officers WHERE qualification_status = 'QUALIFIED'"
        )
        .await
    );
    assert_eq!(
        app.count("SELECT count(*)::bigint AS n FROM contracts WHERE status = 'ACTIVE'")
            .await,
        expected.good_assignments as i64
    );
    // the sample accounts of each format log in and are upgraded
    for sample in &expected.samples {
        logs_in_and_upgrades(&app, &sample.user_code, &sample.password).await;
    }
    // a second run changes nothing
    let again = import(&app, &dir, false).await;
    assert!(again.changed_nothing(), "{:?}", again.counts);
    assert_eq!(
        again.of(LegacyFile::Officers).unchanged,
        expected.good_officers as u64
    );
    assert_eq!(refusals(&again), want);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Runs the binary's `import-legacy` on a database; its exit code and stdout.
fn run_binary(url: &str, dir: &Path, extra: &[&str]) -> (i32, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_officer-registry"))
        .arg("import-legacy")
        .arg(dir)
        .args(extra)
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run the binary");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[tokio::test]
async fn legacy_command_exit_codes() {
    let db = TestDb::new().await;
    let url = db.url();
    let app = TestApp::spawn_on(db, &url, |_| {}).await;
    let officers = "SELECT count(*)::bigint AS n FROM officers";

    // fatal: a file missing; nothing written
    let missing = temp_dir("missing");
    std::fs::copy(
        Path::new(FIXTURE).join("officers.csv"),
        missing.join("officers.csv"),
    )
    .unwrap();
    let (code, _) = run_binary(&url, &missing, &[]);
    assert_eq!(code, 1);
    assert_eq!(app.count(officers).await, 0);

    // refused rows: 3, and every one printed with file, line and reason
    let (code, out) = run_binary(&url, Path::new(FIXTURE), &["--dry-run"]);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("dry run"), "{out}");
    assert_eq!(app.count(officers).await, 0);
    let (code, out) = run_binary(&url, Path::new(FIXTURE), &[]);
    assert_eq!(code, 3, "{out}");
    assert!(
        out.contains("officers.csv:8: INVALID_NATIONAL_CODE (national_code)"),
        "{out}"
    );
    assert!(
        out.contains("assignments.csv:6: UNKNOWN_DISTRIBUTOR"),
        "{out}"
    );
    assert!(out.contains("created"), "{out}");
    assert_eq!(app.count(officers).await, 7);
    let (code, out) = run_binary(&url, Path::new(FIXTURE), &[]);
    assert_eq!(code, 3);
    assert!(out.contains("nothing changed"), "{out}");

    // a clean export: 0, twice
    let clean = temp_dir("clean");
    let spec = GenerateSpec {
        officers: 40,
        distributors: 4,
        assignments: 4,
        bad_every: 0,
        seed: 3,
    };
    generate::generate(&clean, &spec).unwrap();
    let (code, out) = run_binary(&url, &clean, &[]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = run_binary(&url, &clean, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("nothing changed"), "{out}");
    assert_eq!(app.count(officers).await, 47);
    std::fs::remove_dir_all(&missing).unwrap();
    std::fs::remove_dir_all(&clean).unwrap();
}

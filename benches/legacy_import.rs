//! Benchmark of the legacy migration (`officer-registry import-legacy`, issue 14): a generated
//! export of 100,000 officers and 5,000 distributors (one officer assigned to each central
//! branch) imported into a fresh database, then imported again (a no-op run).
//!
//! ```sh
//! cargo bench --bench legacy_import
//! ```
//!
//! It prints the time and rows/s of each run. It asserts nothing about time; it fails when the
//! import does not give what the generator expects, or when the second run changes anything.

use anyhow::{Context as _, Result, bail};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use officer_registry::config::Config;
use officer_registry::legacy::LegacyFile;
use officer_registry::legacy::generate::{self, GenerateSpec};
use officer_registry::legacy_import::{self, ImportOptions, ImportReport, Silent};
use officer_registry::store::{self, embedded};
use std::time::Instant;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> Result<T> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse()
            .map_err(|_| anyhow::anyhow!("{name}={v} is not a valid number")),
        _ => Ok(default),
    }
}

fn main() -> Result<()> {
    let officers: usize = env_or("BENCH_LEGACY_OFFICERS", 100_000)?;
    let distributors: usize = env_or("BENCH_LEGACY_DISTRIBUTORS", 5_000)?;
    let keep_db = std::env::var("BENCH_KEEP_DB").is_ok_and(|v| v == "1");
    let db = std::env::var("BENCH_DB_NAME")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "officer_registry_legacy_bench".to_owned());
    if !db.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        bail!("BENCH_DB_NAME must be letters, digits and _");
    }
    let config = Config::defaults();
    let (url, source) = embedded::resolve_database_url(&config.db)?;
    let (admin_url, _) = store::split_database_url(&url)?;
    let mut bench_url = url::Url::parse(&admin_url).context("parsing the database URL")?;
    bench_url.set_path(&format!("/{db}"));
    let bench_url = bench_url.to_string();
    println!(
        "PostgreSQL: {} ({source:?}); benchmark database {db}",
        store::describe_url(&admin_url)
    );

    let dir = std::env::temp_dir().join(format!(
        "officer-registry-legacy-bench-{}",
        std::process::id()
    ));
    let spec = GenerateSpec {
        officers,
        distributors,
        assignments: distributors,
        bad_every: 50,
        seed: 1,
    };
    let t = Instant::now();
    let expected = generate::generate(&dir, &spec)?;
    let bytes: u64 = LegacyFile::ALL
        .iter()
        .filter_map(|f| std::fs::metadata(dir.join(f.file_name())).ok())
        .map(|m| m.len())
        .sum();
    println!(
        "Generated {} officers, {} distributors, {} assignments ({} bad rows, {:.1} MB) in {:.1} s",
        spec.officers,
        spec.distributors,
        spec.assignments,
        expected.refusals.len(),
        bytes as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("building the tokio runtime")?;
    let outcome = runtime.block_on(run(&admin_url, &bench_url, &db, &dir, &expected));
    if !keep_db {
        match runtime.block_on(admin_exec(
            &admin_url,
            &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
        )) {
            Ok(()) => println!("Dropped {db} (BENCH_KEEP_DB=1 keeps it)."),
            Err(e) => eprintln!("could not drop {db}: {e:#}"),
        }
    } else {
        println!("Kept the database: {}", store::describe_url(&bench_url));
    }
    let _ = std::fs::remove_dir_all(&dir);
    outcome
}

async fn admin_exec(admin_url: &str, sql: &str) -> Result<()> {
    let mut conn = AsyncPgConnection::establish(admin_url)
        .await
        .with_context(|| format!("connecting to {}", store::describe_url(admin_url)))?;
    diesel::sql_query(sql)
        .execute(&mut conn)
        .await
        .with_context(|| format!("running {sql}"))?;
    Ok(())
}

fn rows(report: &ImportReport) -> u64 {
    report.counts.values().map(|c| c.rows()).sum()
}

fn print_run(name: &str, report: &ImportReport, seconds: f64) {
    let n = rows(report);
    println!(
        "{name}: {n} rows in {seconds:.2} s = {:.0} rows/s",
        n as f64 / seconds
    );
    print!("{}", report.summary());
}

async fn run(
    admin_url: &str,
    bench_url: &str,
    db: &str,
    dir: &std::path::Path,
    expected: &generate::GeneratedExport,
) -> Result<()> {
    let t = Instant::now();
    admin_exec(
        admin_url,
        &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
    )
    .await?;
    admin_exec(admin_url, &format!("CREATE DATABASE {db}")).await?;
    let applied = store::run_migrations(bench_url).await?;
    println!(
        "Created {db} and ran {applied} migrations in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let options = ImportOptions::new();

    let t = Instant::now();
    let first = legacy_import::run(bench_url, dir, &options, &Silent).await?;
    let first_secs = t.elapsed().as_secs_f64();
    print_run("First run (import)", &first, first_secs);
    let check = |file, good: usize| {
        let created = first.of(file).created;
        if created != good as u64 {
            bail!("{file}: {created} rows created, the generator expects {good}");
        }
        Ok(())
    };
    check(LegacyFile::Officers, expected.good_officers)?;
    check(LegacyFile::Distributors, expected.good_distributors)?;
    check(LegacyFile::Assignments, expected.good_assignments)?;
    if first.refusals.len() != expected.refusals.len() {
        bail!(
            "{} rows refused, the generator expects {}",
            first.refusals.len(),
            expected.refusals.len()
        );
    }

    let t = Instant::now();
    let second = legacy_import::run(bench_url, dir, &options, &Silent).await?;
    let second_secs = t.elapsed().as_secs_f64();
    print_run("Second run (no-op)", &second, second_secs);
    if !second.changed_nothing() {
        bail!("the second run changed something: {:?}", second.counts);
    }

    let t = Instant::now();
    let dry = legacy_import::run(
        bench_url,
        dir,
        &ImportOptions {
            dry_run: true,
            ..ImportOptions::new()
        },
        &Silent,
    )
    .await?;
    println!(
        "Dry run over the imported data: {} rows in {:.2} s",
        rows(&dry),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

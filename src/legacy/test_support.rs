//! Test helpers: the reference data of the seed migration, read from its SQL.

use super::ReferenceData;

/// The seed migration with the provinces, cities and fields of study.
const SEED: &str = include_str!("../../migrations/2026-11-25-000002_reference_seed/up.sql");

/// Splits `(1, 'a, b', 'c')` into its values, quotes removed.
fn values(line: &str) -> Vec<String> {
    let inner = line
        .trim()
        .trim_end_matches([',', ';'])
        .trim_start_matches('(')
        .trim_end_matches(')');
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in inner.chars() {
        match c {
            '\'' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut current).trim().to_owned()),
            c => current.push(c),
        }
    }
    out.push(current.trim().to_owned());
    out
}

/// The rows of the `INSERT INTO table` of the seed.
fn rows(table: &str) -> Vec<Vec<String>> {
    let start = format!("INSERT INTO {table} ");
    let mut inside = false;
    let mut out = Vec::new();
    for line in SEED.lines() {
        if line.starts_with(&start) {
            inside = true;
            continue;
        }
        if !inside {
            continue;
        }
        let t = line.trim();
        if t.starts_with('(') {
            out.push(values(t));
            if t.ends_with(';') {
                break;
            }
        } else if t.starts_with("--") || t.is_empty() {
            continue;
        } else {
            break;
        }
    }
    out
}

fn id(s: &str) -> i32 {
    s.parse().unwrap()
}

/// The seed's provinces, cities and fields of study, as the import's caller would read them.
pub fn seed_reference() -> ReferenceData {
    let provinces = rows("provinces");
    let cities = rows("cities");
    let fields = rows("fields_of_study");
    assert_eq!(provinces.len(), 31);
    assert!(cities.len() > 200, "{}", cities.len());
    assert!(fields.len() > 20);
    ReferenceData::new(
        provinces.iter().map(|r| (id(&r[0]), r[2].clone())),
        cities.iter().map(|r| (id(&r[0]), id(&r[1]), r[3].clone())),
        fields.iter().map(|r| (id(&r[0]), r[3].clone())),
    )
}

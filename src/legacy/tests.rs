//! Tests of the whole pure half: the sample export of `tests/fixtures/legacy`, generated
//! exports, and the row rules.

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};

use super::files::{LegacyFile, RefusalCode};
use super::generate::{self, GenerateSpec};
use super::passwords::{self, LegacyFormat};
use super::reader::{LegacyReader, RawRecord};
use super::rows::{self, CrossChecks};
use super::test_support::seed_reference;
use super::{ExportValidator, LegacyOfficer, Refusal};
use crate::domain::DistributorKind;
use crate::domain::officer::{DegreeLevel, Gender};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/legacy")
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Everything the validator said about an export.
#[derive(Default)]
struct Outcome {
    officers: Vec<(LegacyOfficer, super::OfficerPlaces)>,
    distributors: Vec<(super::LegacyDistributor, super::BranchPlace)>,
    assignments: Vec<super::LegacyAssignment>,
    refusals: Vec<Refusal>,
}

fn validate(dir: &Path) -> Outcome {
    let mut v = ExportValidator::new(seed_reference(), today());
    let mut out = Outcome::default();
    for file in LegacyFile::ALL {
        for item in LegacyReader::open(dir, file).unwrap() {
            let record = item.unwrap();
            let result = match file {
                LegacyFile::Officers => record
                    .and_then(|r| v.officer(&r))
                    .map(|o| out.officers.push(o)),
                LegacyFile::Distributors => record
                    .and_then(|r| v.distributor(&r))
                    .map(|d| out.distributors.push(d)),
                LegacyFile::Assignments => record
                    .and_then(|r| v.assignment(&r))
                    .map(|a| out.assignments.push(a)),
            };
            if let Err(refusal) = result {
                out.refusals.push(refusal);
            }
        }
    }
    out
}

fn codes(refusals: &[Refusal]) -> Vec<(LegacyFile, u64, RefusalCode)> {
    refusals
        .iter()
        .map(|r| (r.file, r.line, r.reason_code))
        .collect()
}

// ---- the sample export ----

#[test]
fn legacy_fixture_refusals_are_exactly_the_bad_rows() {
    use LegacyFile::{Assignments as A, Distributors as D, Officers as O};
    let out = validate(&fixture_dir());
    for r in &out.refusals {
        assert!(!r.message.is_empty() && !r.message_fa.is_empty(), "{r:?}");
    }
    assert_eq!(
        codes(&out.refusals),
        [
            (O, 8, RefusalCode::InvalidNationalCode),
            (O, 9, RefusalCode::UnknownProvince),
            (O, 10, RefusalCode::InvalidDate),
            (O, 11, RefusalCode::DuplicateUserCode),
            (O, 14, RefusalCode::UnknownPasswordFormat),
            (D, 6, RefusalCode::InvalidNationalId),
            (A, 5, RefusalCode::DuplicateAssignment),
            (A, 6, RefusalCode::UnknownDistributor),
        ],
        "{:#?}",
        out.refusals
            .iter()
            .map(Refusal::describe)
            .collect::<Vec<_>>()
    );
    let duplicate = &out.refusals[3];
    assert_eq!(
        duplicate.describe(),
        "officers.csv:11: DUPLICATE_USER_CODE (user_code) the user code is already on line 2 of officers.csv"
    );
    assert!(out.refusals[2].message.contains("1402/12/30"));
    assert_eq!(out.officers.len(), 7);
    assert_eq!(out.distributors.len(), 3);
    assert_eq!(out.assignments.len(), 3);
}

#[test]
fn legacy_fixture_rows_are_normalised() {
    let out = validate(&fixture_dir());
    let (ali, ali_places) = &out.officers[0];
    assert_eq!(ali.line, 2);
    assert_eq!(ali.user_code, "ali.rezaei");
    assert_eq!(ali.national_code, "0076229645");
    assert_eq!(ali.first_name, "علی"); // Arabic ي folded
    assert_eq!(ali.last_name, "رضایی");
    assert_eq!(ali.father_name.as_deref(), Some("محمد"));
    assert_eq!(ali.gender, Some(Gender::Male));
    assert_eq!(ali.birth_date, NaiveDate::from_ymd_opt(1986, 7, 3).unwrap()); // 1365/04/12
    assert_eq!(ali.mobile, "09121234567");
    assert_eq!(ali.phone.as_deref(), Some("02188776655"));
    assert_eq!(ali.email.as_deref(), Some("Ali.Rezaei@example.com"));
    assert_eq!(
        ali.postal_address.as_deref(),
        Some("تهران، خیابان ولیعصر, کوچه 12، پلاک 3")
    );
    assert_eq!(ali.degree_level, Some(DegreeLevel::Bachelor));
    assert_eq!(ali.password.format, LegacyFormat::AspNetMembershipSha1);
    assert!(ali.qualified);
    // 1401/05/10 is 2022-08-01; midnight in Tehran, still +04:30 that summer (the last
    // with daylight saving)
    assert_eq!(ali.qualified_at, Some(utc("2022-07-31T19:30:00Z")));
    assert_eq!(
        *ali_places,
        super::OfficerPlaces {
            province_id: Some(28),
            city_id: Some(2801),
            field_of_study_id: Some(1)
        }
    );

    let (zahra, zahra_places) = &out.officers[1];
    assert_eq!(zahra.line, 4);
    assert_eq!(zahra.national_code, "0012345679"); // 8 digits left-padded
    assert_eq!(zahra.first_name, "زهرا");
    assert_eq!(zahra.last_name, "کریمی");
    assert_eq!(zahra.father_name, None);
    assert_eq!(zahra.gender, Some(Gender::Female));
    assert_eq!(
        zahra.birth_date,
        NaiveDate::from_ymd_opt(1991, 3, 25).unwrap()
    ); // 1370/1/5
    assert_eq!(zahra.mobile, "09351234567");
    assert_eq!(zahra.degree_level, Some(DegreeLevel::Master));
    assert!(!zahra.qualified);
    assert_eq!(zahra.qualified_at, None);
    assert_eq!(zahra_places.city_id, Some(1801)); // خرم آباد → خرم‌آباد
    assert_eq!(zahra_places.field_of_study_id, Some(1));

    let (reza, reza_places) = &out.officers[2];
    assert_eq!(reza.national_code, "1234567891");
    assert_eq!(reza.degree_level, Some(DegreeLevel::Doctorate));
    assert_eq!(reza.qualified_at, Some(utc("2023-04-04T07:00:00Z"))); // ۱۴۰۲/۰۱/۱۵ ۱۰:۳۰
    assert_eq!(reza_places.city_id, Some(2808)); // رباط كريم

    let (maryam, maryam_places) = &out.officers[3];
    assert_eq!(maryam.mobile, "09131112233");
    assert_eq!(maryam_places.city_id, Some(1204)); // نجف آباد
    assert_eq!(maryam_places.field_of_study_id, Some(2));

    let (hossein, hossein_places) = &out.officers[4];
    assert_eq!(hossein.gender, None);
    assert_eq!(hossein.degree_level, None);
    assert_eq!(*hossein_places, super::OfficerPlaces::default());

    let (narges, _) = &out.officers[5];
    assert_eq!(narges.line, 12);
    assert_eq!(narges.qualified_at, Some(utc("2025-03-19T20:30:00Z"))); // 1403/12/30

    let (kazem, kazem_places) = &out.officers[6];
    assert_eq!(kazem.first_name, "کاظم");
    assert!(kazem.qualified && kazem.qualified_at.is_none());
    assert_eq!(kazem_places.province_id, Some(13));

    let (aria, aria_place) = &out.distributors[0];
    assert_eq!(aria.legacy_id, "100");
    assert_eq!(aria.kind, DistributorKind::Company);
    assert_eq!(aria.name, "شرکت تجهیزات پزشکی آریا");
    assert_eq!(aria.address, "تهران، خیابان شریعتی, پلاک 100");
    assert_eq!(aria_place.city_id, 2801);
    let (shiraz, shiraz_place) = &out.distributors[1];
    assert_eq!(shiraz.legacy_id, "101"); // Persian digits folded
    assert_eq!(shiraz.kind, DistributorKind::Guild);
    assert_eq!(shiraz.manager_mobile, "09171000002");
    assert_eq!(shiraz_place.province_id, 6);
    assert_eq!(shiraz.line, 4);

    let a = &out.assignments;
    assert_eq!(a[0].officer_national_code, "0076229645");
    assert_eq!(a[0].started_at, utc("2022-08-22T19:30:00Z")); // 1401/06/01, +04:30
    assert_eq!(a[1].officer_national_code, "0012345679");
    assert_eq!(a[1].distributor_legacy_id, "101");
    assert_eq!(a[2].started_at, utc("2023-04-22T05:30:00Z")); // 1402/02/02 09:00
}

#[test]
fn legacy_fixture_passwords_verify_and_store() {
    let out = validate(&fixture_dir());
    let accounts: Vec<(&str, &passwords::LegacyPassword)> = out
        .officers
        .iter()
        .map(|(o, _)| (o.user_code.as_str(), &o.password))
        .chain(
            out.distributors
                .iter()
                .map(|(d, _)| (d.user_code.as_str(), &d.password)),
        )
        .collect();
    let expected = [
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
    assert_eq!(accounts.len(), expected.len());
    for ((user_code, password), (want_code, want_password)) in accounts.iter().zip(expected) {
        assert_eq!(*user_code, want_code);
        assert!(password.verify(want_password), "{user_code}");
        assert!(!password.verify("wrong"), "{user_code}");
        let stored = password.encode_stored();
        assert_eq!(passwords::verify_stored(&stored, want_password), Some(true));
    }
    let formats: Vec<_> = accounts.iter().map(|(_, p)| p.format).collect();
    for f in LegacyFormat::ALL {
        assert!(formats.contains(&f), "{f:?}");
    }
}

// ---- generated exports ----

fn temp_dir(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    std::env::temp_dir().join(format!("legacy-{name}-{}-{nanos}", std::process::id()))
}

#[test]
fn legacy_generated_export_matches_its_expectations() {
    let dir = temp_dir("generated");
    let spec = GenerateSpec::with_officers(2_000);
    let started = std::time::Instant::now();
    let expected = generate::generate(&dir, &spec).unwrap();
    let took = started.elapsed();
    let out = validate(&dir);
    let got = codes(&out.refusals);
    let want: Vec<_> = expected
        .refusals
        .iter()
        .map(|e| (e.file, e.line, e.code))
        .collect();
    let unexpected: Vec<_> = out
        .refusals
        .iter()
        .filter(|r| !want.contains(&(r.file, r.line, r.reason_code)))
        .map(Refusal::describe)
        .take(5)
        .collect();
    assert!(unexpected.is_empty(), "{unexpected:#?}");
    assert_eq!(got, want);
    assert_eq!(out.officers.len(), expected.good_officers);
    assert_eq!(out.distributors.len(), expected.good_distributors);
    assert_eq!(out.assignments.len(), expected.good_assignments);
    assert_eq!(expected.good_officers + 40, 2_000);
    assert!(expected.good_assignments > 90);
    // every kind of bad officer row, and the other files' bad rows
    for code in [
        RefusalCode::InvalidNationalCode,
        RefusalCode::InvalidDate,
        RefusalCode::UnknownProvince,
        RefusalCode::InvalidMobile,
        RefusalCode::UnknownPasswordFormat,
        RefusalCode::DuplicateUserCode,
        RefusalCode::MissingField,
        RefusalCode::InvalidBirthDate,
        RefusalCode::DuplicateNationalId,
        RefusalCode::DuplicateAssignment,
    ] {
        assert!(got.iter().any(|(_, _, c)| *c == code), "{code:?}");
    }
    // the sample accounts log in
    for f in LegacyFormat::ALL {
        assert!(expected.samples.iter().any(|s| s.format == f), "{f:?}");
    }
    for sample in &expected.samples {
        let password = match sample.file {
            LegacyFile::Officers => out
                .officers
                .iter()
                .find(|(o, _)| o.user_code == sample.user_code)
                .map(|(o, _)| &o.password),
            _ => out
                .distributors
                .iter()
                .find(|(d, _)| d.user_code == sample.user_code)
                .map(|(d, _)| &d.password),
        }
        .unwrap();
        assert_eq!(password.format, sample.format);
        assert!(password.verify(&sample.password), "{sample:?}");
    }
    // physical lines account for the multi-line addresses
    let last = out.officers.last().unwrap().0.line;
    assert!(last > 2_000, "{last}");
    // writing is fast enough for 100,000 rows (a generous bound for unoptimised builds)
    assert!(took.as_secs() < 30, "{took:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn legacy_generate_is_deterministic_and_checks_its_spec() {
    let (a, b) = (temp_dir("det-a"), temp_dir("det-b"));
    let spec = GenerateSpec {
        officers: 60,
        distributors: 3,
        assignments: 20,
        bad_every: 0,
        seed: 7,
    };
    let ea = generate::generate(&a, &spec).unwrap();
    let eb = generate::generate(&b, &spec).unwrap();
    assert_eq!(ea, eb);
    assert!(ea.refusals.is_empty());
    assert_eq!(ea.good_officers, 60);
    for file in LegacyFile::ALL {
        let fa = std::fs::read(a.join(file.file_name())).unwrap();
        let fb = std::fs::read(b.join(file.file_name())).unwrap();
        assert_eq!(fa, fb);
        assert!(fa.starts_with("\u{FEFF}".as_bytes()));
        assert!(fa.windows(2).any(|w| w == b"\r\n"));
    }
    assert!(validate(&a).refusals.is_empty());
    let bad = GenerateSpec {
        bad_every: 1,
        ..spec
    };
    assert!(generate::generate(&a, &bad).is_err());
    std::fs::remove_dir_all(&a).unwrap();
    std::fs::remove_dir_all(&b).unwrap();
}

// ---- row rules ----

/// A record of `file` from `(column, value)` pairs (the other columns empty).
fn record(file: LegacyFile, values: &[(&str, &str)]) -> RawRecord {
    let header = file.columns().join(",");
    let row = file
        .columns()
        .iter()
        .map(|c| {
            let v = values.iter().find(|(k, _)| k == c).map_or("", |(_, v)| *v);
            format!("\"{}\"", v.replace('"', "\"\""))
        })
        .collect::<Vec<_>>()
        .join(",");
    let data = format!("{header}\r\n{row}\r\n");
    LegacyReader::from_reader(file, data.as_bytes())
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .unwrap()
}

const SHA1_HASH: &str = "UQgnz/vPWap9UeD8Dhaw3h/fgFA=";
const SHA1_SALT: &str = "fGJ2wn/5WlzqQoDeCA2kXA==";

fn officer_values() -> Vec<(&'static str, &'static str)> {
    vec![
        ("user_code", "u.one"),
        ("national_code", "0076229645"),
        ("first_name", "علی"),
        ("last_name", "رضایی"),
        ("birth_date", "1365/04/12"),
        ("mobile", "09121234567"),
        ("password_format", "ASPNET_MEMBERSHIP_SHA1"),
        ("password_hash", SHA1_HASH),
        ("password_salt", SHA1_SALT),
    ]
}

fn officer_with(changes: &[(&'static str, &'static str)]) -> Result<LegacyOfficer, Refusal> {
    let mut values = officer_values();
    for &(k, v) in changes {
        values.retain(|(c, _)| *c != k);
        values.push((k, v));
    }
    rows::parse_officer(&record(LegacyFile::Officers, &values), today())
}

fn refused(changes: &[(&'static str, &'static str)]) -> (RefusalCode, Option<&'static str>) {
    let r = officer_with(changes).unwrap_err();
    assert_eq!(r.line, 2);
    assert!(!r.message_fa.is_empty());
    (r.reason_code, r.field)
}

#[test]
fn legacy_minimal_officer_row() {
    let o = officer_with(&[]).unwrap();
    assert_eq!(o.national_code, "0076229645");
    assert_eq!(o.gender, None);
    assert_eq!(o.phone, None);
    assert_eq!(o.province_fa, None);
    assert!(!o.qualified);
    assert!(o.password.verify("testPassword"));
}

#[test]
fn legacy_officer_refusal_codes() {
    use RefusalCode as C;
    type Changes = &'static [(&'static str, &'static str)];
    let cases: [(Changes, C, &str); 22] = [
        (&[("user_code", "")], C::MissingField, "user_code"),
        (&[("user_code", "a b")], C::InvalidUserCode, "user_code"),
        (
            &[("national_code", "0076229646")],
            C::InvalidNationalCode,
            "national_code",
        ),
        (
            &[("national_code", "1111111111")],
            C::InvalidNationalCode,
            "national_code",
        ),
        (
            &[("national_code", "12345")],
            C::InvalidNationalCode,
            "national_code",
        ),
        (&[("first_name", " ")], C::MissingField, "first_name"),
        (&[("last_name", "Ali1")], C::InvalidName, "last_name"),
        (&[("father_name", "<b>")], C::InvalidName, "father_name"),
        (&[("gender", "X")], C::InvalidGender, "gender"),
        (
            &[("birth_date", "1403/13/01")],
            C::InvalidDate,
            "birth_date",
        ),
        (
            &[("birth_date", "1400/01/01")],
            C::InvalidBirthDate,
            "birth_date",
        ),
        (&[("mobile", "02188776655")], C::InvalidMobile, "mobile"),
        (&[("phone", "12")], C::InvalidPhone, "phone"),
        (&[("email", "not-an-email")], C::InvalidEmail, "email"),
        (
            &[("province_fa", "a\u{0007}b")],
            C::InvalidText,
            "province_fa",
        ),
        (
            &[("degree_level", "دیپلم")],
            C::InvalidDegreeLevel,
            "degree_level",
        ),
        (
            &[("password_format", "")],
            C::MissingField,
            "password_format",
        ),
        (
            &[("password_format", "BCRYPT")],
            C::UnknownPasswordFormat,
            "password_format",
        ),
        (&[("password_salt", "")], C::MissingField, "password_salt"),
        (
            &[("password_hash", "AAAA")],
            C::InvalidPasswordHash,
            "password_hash",
        ),
        (&[("qualified", "2")], C::InvalidFlag, "qualified"),
        (
            &[("qualified", "1"), ("qualified_at_jalali", "1402/12/30")],
            C::InvalidDate,
            "qualified_at_jalali",
        ),
    ];
    for (changes, code, field) in cases {
        assert_eq!(refused(changes), (code, Some(field)), "{changes:?}");
    }
}

#[test]
fn legacy_officer_value_spellings() {
    let o = officer_with(&[
        ("national_code", "۷۶۲۲۹۶۴۵"),
        ("gender", "f"),
        ("birth_date", "۱۳۶۵-۴-۱۲"),
        ("mobile", "+98 912 123 45 67"),
        ("phone", "۰۲۱-۸۸۷۷۶۶۵۵"),
        ("postal_address", "  تهران،\r\n  خیابان  آزادی "),
        ("province_fa", " تهران "),
        ("degree_level", "کارشناسی\u{200C}ارشد"),
        ("qualified", "۱"),
        ("qualified_at_jalali", "1402/01/15 10:30"),
        ("user_code", "۱۲۳abc"),
    ])
    .unwrap();
    assert_eq!(o.national_code, "0076229645");
    assert_eq!(o.gender, Some(Gender::Female));
    assert_eq!(o.birth_date, NaiveDate::from_ymd_opt(1986, 7, 3).unwrap());
    assert_eq!(o.mobile, "09121234567");
    assert_eq!(o.phone.as_deref(), Some("02188776655"));
    assert_eq!(o.postal_address.as_deref(), Some("تهران، خیابان آزادی"));
    assert_eq!(o.province_fa.as_deref(), Some("تهران"));
    assert_eq!(o.degree_level, Some(DegreeLevel::Master));
    assert!(o.qualified);
    assert_eq!(o.qualified_at, Some(utc("2023-04-04T07:00:00Z")));
    assert_eq!(o.user_code, "123abc");
    // a date for an officer who is not qualified is dropped
    let o = officer_with(&[("qualified", "0"), ("qualified_at_jalali", "1402/01/15")]).unwrap();
    assert_eq!(o.qualified_at, None);
}

#[test]
fn legacy_enumerations() {
    for (raw, want) in [
        ("ASSOCIATE", DegreeLevel::Associate),
        ("bachelor", DegreeLevel::Bachelor),
        ("Master", DegreeLevel::Master),
        ("DOCTORATE", DegreeLevel::Doctorate),
        ("کاردانی", DegreeLevel::Associate),
        ("كارداني", DegreeLevel::Associate),
        ("فوق دیپلم", DegreeLevel::Associate),
        ("کارشناسی", DegreeLevel::Bachelor),
        ("لیسانس", DegreeLevel::Bachelor),
        ("کارشناسی ارشد", DegreeLevel::Master),
        ("کارشناسی‌ارشد", DegreeLevel::Master),
        ("كارشناسيارشد", DegreeLevel::Master),
        ("فوق‌لیسانس", DegreeLevel::Master),
        ("دکتری", DegreeLevel::Doctorate),
        ("دكتري", DegreeLevel::Doctorate),
        ("دکترا", DegreeLevel::Doctorate),
    ] {
        assert_eq!(rows::parse_degree_level(raw).unwrap(), Some(want), "{raw}");
    }
    assert_eq!(rows::parse_degree_level("  ").unwrap(), None);
    assert!(rows::parse_degree_level("ارشد").is_err());
    assert_eq!(rows::parse_gender("M").unwrap(), Some(Gender::Male));
    assert_eq!(
        rows::parse_gender(" female ").unwrap(),
        Some(Gender::Female)
    );
    assert_eq!(rows::parse_gender("").unwrap(), None);
    assert!(rows::parse_gender("مرد").is_err());
    for (raw, want) in [
        ("شرکت", DistributorKind::Company),
        ("شركت", DistributorKind::Company),
        (" صنف ", DistributorKind::Guild),
        ("GUILD", DistributorKind::Guild),
    ] {
        assert_eq!(rows::parse_distributor_kind(raw).unwrap(), want, "{raw}");
    }
    assert!(rows::parse_distributor_kind("تعاونی").is_err());
    assert!(rows::parse_flag("q", "True").unwrap());
    assert!(!rows::parse_flag("q", "").unwrap());
    assert!(rows::parse_flag("q", "yes").is_err());
}

#[test]
fn legacy_distributor_and_assignment_refusals() {
    use RefusalCode as C;
    let good = [
        ("legacy_id", "7"),
        ("name", "شرکت نمونه"),
        ("kind", "شرکت"),
        ("national_id", ""),
        ("manager_mobile", "09121234567"),
        ("province_fa", "تهران"),
        ("city_fa", "تهران"),
        ("address", "تهران"),
        ("user_code", "d.seven"),
        ("password_format", "ASPNET_MEMBERSHIP_SHA1"),
        ("password_hash", SHA1_HASH),
        ("password_salt", SHA1_SALT),
    ];
    let parse = |changes: &[(&'static str, &'static str)]| {
        let mut values = good.to_vec();
        for &(k, v) in changes {
            values.retain(|(c, _)| *c != k);
            values.push((k, v));
        }
        rows::parse_distributor(&record(LegacyFile::Distributors, &values))
    };
    let id: &'static str = Box::leak(valid_company_id("1032028479").into_boxed_str());
    let d = parse(&[("national_id", id)]).unwrap();
    assert_eq!(d.national_id, id);
    for (changes, code) in [
        (
            vec![("national_id", id), ("legacy_id", "")],
            C::MissingField,
        ),
        (
            vec![("national_id", id), ("kind", "تعاونی")],
            C::UnknownDistributorKind,
        ),
        (vec![("national_id", "12345678901")], C::InvalidNationalId),
        (
            vec![("national_id", id), ("manager_mobile", "")],
            C::MissingField,
        ),
        (
            vec![("national_id", id), ("manager_mobile", "123")],
            C::InvalidMobile,
        ),
        (vec![("national_id", id), ("city_fa", "")], C::MissingField),
        (
            vec![("national_id", id), ("user_code", "x")],
            C::InvalidUserCode,
        ),
    ] {
        assert_eq!(
            parse(&changes).unwrap_err().reason_code,
            code,
            "{changes:?}"
        );
    }

    let assignment =
        |values: &[(&str, &str)]| rows::parse_assignment(&record(LegacyFile::Assignments, values));
    let a = assignment(&[
        ("officer_national_code", "۰۰۷۶۲۲۹۶۴۵"),
        ("distributor_legacy_id", " ۷ "),
        ("started_at_jalali", "1400/01/01"),
    ])
    .unwrap();
    assert_eq!(a.distributor_legacy_id, "7");
    assert_eq!(a.started_at, utc("2021-03-20T20:30:00Z"));
    for (values, code) in [
        (
            vec![
                ("officer_national_code", "1"),
                ("distributor_legacy_id", "7"),
                ("started_at_jalali", "1400/01/01"),
            ],
            C::InvalidNationalCode,
        ),
        (
            vec![
                ("officer_national_code", "0076229645"),
                ("started_at_jalali", "1400/01/01"),
            ],
            C::MissingField,
        ),
        (
            vec![
                ("officer_national_code", "0076229645"),
                ("distributor_legacy_id", "7"),
                ("started_at_jalali", "1400/12/31"),
            ],
            C::InvalidDate,
        ),
        (
            vec![
                ("officer_national_code", "0076229645"),
                ("distributor_legacy_id", "7"),
            ],
            C::MissingField,
        ),
    ] {
        assert_eq!(
            assignment(&values).unwrap_err().reason_code,
            code,
            "{values:?}"
        );
    }
}

/// `prefix` (10 digits) with the check digit that `normalize` accepts.
fn valid_company_id(prefix: &str) -> String {
    (0..10)
        .map(|d| format!("{prefix}{d}"))
        .find(|s| crate::domain::normalize::company_national_id("x", s).is_ok())
        .unwrap()
}

#[test]
fn legacy_cross_checks() {
    use RefusalCode as C;
    let mut checks = CrossChecks::new();
    let o1 = officer_with(&[]).unwrap();
    checks.check_officer(&o1).unwrap();
    // same national code, other user code
    let mut o2 = o1.clone();
    o2.user_code = "u.two".into();
    o2.line = 3;
    let r = checks.check_officer(&o2).unwrap_err();
    assert_eq!((r.reason_code, r.line), (C::DuplicateNationalCode, 3));
    assert!(r.message.contains("line 2"));
    // the refused row holds no key: its user code is still free
    let mut o3 = o2.clone();
    o3.national_code = "1234567891".into();
    checks.check_officer(&o3).unwrap();

    let national_id = valid_company_id("1010000000");
    let mut d1 = rows::parse_distributor(&record(
        LegacyFile::Distributors,
        &[
            ("legacy_id", "7"),
            ("name", "شرکت نمونه"),
            ("kind", "صنف"),
            ("national_id", &national_id),
            ("manager_mobile", "09121234567"),
            ("province_fa", "تهران"),
            ("city_fa", "تهران"),
            ("address", "تهران"),
            ("user_code", "u.one"),
            ("password_format", "ASPNET_MEMBERSHIP_SHA1"),
            ("password_hash", SHA1_HASH),
            ("password_salt", SHA1_SALT),
        ],
    ))
    .unwrap_or_else(|r| panic!("{}", r.describe()));
    // a distributor may not take an officer's user code
    let r = checks.check_distributor(&d1).unwrap_err();
    assert_eq!(r.reason_code, C::DuplicateUserCode);
    assert!(r.message.contains("officers.csv"));
    d1.user_code = "d.seven".into();
    checks.check_distributor(&d1).unwrap();
    let mut d2 = d1.clone();
    d2.user_code = "d.eight".into();
    assert_eq!(
        checks.check_distributor(&d2).unwrap_err().reason_code,
        C::DuplicateLegacyId
    );
    d2.legacy_id = "8".into();
    assert_eq!(
        checks.check_distributor(&d2).unwrap_err().reason_code,
        C::DuplicateNationalId
    );

    let assign = |code: &str, id: &str, line| super::LegacyAssignment {
        line,
        officer_national_code: code.into(),
        distributor_legacy_id: id.into(),
        started_at: utc("2021-03-20T20:30:00Z"),
    };
    checks
        .check_assignment(&assign("0076229645", "7", 2))
        .unwrap();
    let r = checks
        .check_assignment(&assign("0076229645", "7", 3))
        .unwrap_err();
    assert_eq!(r.reason_code, C::DuplicateAssignment);
    assert_eq!(
        checks
            .check_assignment(&assign("0012345679", "7", 4))
            .unwrap_err()
            .reason_code,
        C::UnknownOfficer
    );
    assert_eq!(
        checks
            .check_assignment(&assign("1234567891", "9", 5))
            .unwrap_err()
            .reason_code,
        C::UnknownDistributor
    );
}

#[test]
fn legacy_officer_places_need_known_names() {
    let reference = seed_reference();
    let o = officer_with(&[("city_fa", "تهران")]).unwrap();
    let r = reference.resolve_officer(&o).unwrap_err();
    assert_eq!(
        (r.reason_code, r.field),
        (RefusalCode::MissingField, Some("province_fa"))
    );
    let o = officer_with(&[("province_fa", "تهران"), ("city_fa", "شیراز")]).unwrap();
    assert_eq!(
        reference.resolve_officer(&o).unwrap_err().reason_code,
        RefusalCode::UnknownCity
    );
    let o = officer_with(&[("field_of_study_fa", "کیمیاگری")]).unwrap();
    assert_eq!(
        reference.resolve_officer(&o).unwrap_err().reason_code,
        RefusalCode::UnknownFieldOfStudy
    );
    let o = officer_with(&[("province_fa", "خراسان رضوي"), ("city_fa", "مشهد")]).unwrap();
    assert_eq!(reference.resolve_officer(&o).unwrap().city_id, Some(2401));
}

#[test]
fn legacy_refusal_codes_are_stable_and_distinct() {
    let names: Vec<_> = RefusalCode::ALL.iter().map(|c| c.as_str()).collect();
    let mut unique = names.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), names.len());
    assert!(names.iter().all(|n| {
        n.chars()
            .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit())
    }));
    assert_eq!(
        RefusalCode::InvalidNationalCode.as_str(),
        "INVALID_NATIONAL_CODE"
    );
}

//! Typed, normalised rows of the export and the refusals of single rows.
//!
//! Values are normalised as at registration (DESIGN §4, [`crate::domain::normalize`]):
//! Persian and Arabic-Indic digits, Arabic ي ى ك folded, national codes with their check
//! digit (8 or 9 digits left-padded), mobiles as `09xxxxxxxxx`, names as
//! [`person_name`](crate::domain::officer::person_name). A row that breaks a rule is not
//! imported; its [`Refusal`] says file, line, a stable code and why, in English and Persian.
//! [`CrossChecks`] refuses the rows that clash with an earlier row of the export.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::dates;
use super::files::{LegacyFile, Refusal, RefusalCode};
use super::names::fold_key;
use super::passwords::{LegacyPassword, PasswordError};
use super::reader::{FatalError, LegacyReader, RawRecord};
use crate::domain::normalize::{self, FieldError};
use crate::domain::officer::{self as od, DegreeLevel, Gender};
use crate::domain::{self, DistributorKind};

/// Longest place or field-of-study name, in characters.
pub const PLACE_MAX: usize = 100;
/// Longest address, in characters (as `createDistributor` and general info).
pub const ADDRESS_MAX: usize = 500;
/// Longest distributor name, in characters (as `createDistributor`).
pub const DISTRIBUTOR_NAME_MAX: usize = 200;
/// Longest legacy distributor id, in characters.
pub const LEGACY_ID_MAX: usize = 64;

/// A row of `officers.csv`, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyOfficer {
    /// Physical line in the file.
    pub line: u64,
    /// The user code to sign in with.
    pub user_code: String,
    /// 10 ASCII digits.
    pub national_code: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Father's name.
    pub father_name: Option<String>,
    /// Gender, when given.
    pub gender: Option<Gender>,
    /// Birth date (Gregorian; the export gives it in Jalali).
    pub birth_date: NaiveDate,
    /// `09xxxxxxxxx`.
    pub mobile: String,
    /// Landline digits.
    pub phone: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Postal address, on one line.
    pub postal_address: Option<String>,
    /// Province name as exported (cleaned); see [`super::names`] to resolve it.
    pub province_fa: Option<String>,
    /// City name as exported (cleaned).
    pub city_fa: Option<String>,
    /// Field of study as exported (cleaned).
    pub field_of_study_fa: Option<String>,
    /// Level of study, when given.
    pub degree_level: Option<DegreeLevel>,
    /// The legacy password hash.
    pub password: LegacyPassword,
    /// Whether the officer is qualified.
    pub qualified: bool,
    /// When the officer qualified (only for qualified officers; midnight Tehran when the
    /// export gives no time).
    pub qualified_at: Option<DateTime<Utc>>,
}

/// A row of `distributors.csv`, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyDistributor {
    /// Physical line in the file.
    pub line: u64,
    /// The old system's id, referred to by `assignments.csv`.
    pub legacy_id: String,
    /// Registered name.
    pub name: String,
    /// Company or guild.
    pub kind: DistributorKind,
    /// 11 ASCII digits.
    pub national_id: String,
    /// `09xxxxxxxxx`.
    pub manager_mobile: String,
    /// Province of the central branch, as exported (cleaned).
    pub province_fa: String,
    /// City of the central branch, as exported (cleaned).
    pub city_fa: String,
    /// Address of the central branch, on one line.
    pub address: String,
    /// The user code of the distributor's account.
    pub user_code: String,
    /// The legacy password hash.
    pub password: LegacyPassword,
}

/// A row of `assignments.csv`, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyAssignment {
    /// Physical line in the file.
    pub line: u64,
    /// 10 ASCII digits.
    pub officer_national_code: String,
    /// A `legacy_id` of `distributors.csv`.
    pub distributor_legacy_id: String,
    /// When the contract started (midnight Tehran when the export gives no time).
    pub started_at: DateTime<Utc>,
}

/// A [`FieldError`] of a normalisation function as the refusal of the row.
fn from_field(rec: &RawRecord, code: RefusalCode, column: &'static str, e: FieldError) -> Refusal {
    rec.refuse(code, Some(column), e.message, e.message_fa)
}

/// The value of a required column, or a `MISSING_FIELD` refusal.
fn required<'a>(rec: &'a RawRecord, column: &'static str) -> Result<&'a str, Refusal> {
    let value = rec.get(column);
    if normalize::clean_text(value).is_empty() {
        Err(rec.refuse(
            RefusalCode::MissingField,
            Some(column),
            format!("{column} is empty"),
            format!("ستون {column} خالی است"),
        ))
    } else {
        Ok(value)
    }
}

/// The value of an optional column: `None` when empty.
fn optional<'a>(rec: &'a RawRecord, column: &str) -> Option<&'a str> {
    let value = rec.get(column);
    (!normalize::clean_text(value).is_empty()).then_some(value)
}

/// An optional column run through `check`, its errors refused with `code`.
fn optional_with<T>(
    rec: &RawRecord,
    column: &'static str,
    code: RefusalCode,
    check: impl FnOnce(&str) -> Result<T, FieldError>,
) -> Result<Option<T>, Refusal> {
    optional(rec, column)
        .map(|v| check(v).map_err(|e| from_field(rec, code, column, e)))
        .transpose()
}

/// A required column run through `check`, its errors refused with `code`.
fn required_with<T>(
    rec: &RawRecord,
    column: &'static str,
    code: RefusalCode,
    check: impl FnOnce(&str) -> Result<T, FieldError>,
) -> Result<T, Refusal> {
    let value = required(rec, column)?;
    check(value).map_err(|e| from_field(rec, code, column, e))
}

/// Parses a gender: `M`, `F` (or `MALE`, `FEMALE`; any case) or empty.
pub fn parse_gender(raw: &str) -> Result<Option<Gender>, FieldError> {
    match raw.trim().to_ascii_uppercase().as_str() {
        "" => Ok(None),
        "M" | "MALE" => Ok(Some(Gender::Male)),
        "F" | "FEMALE" => Ok(Some(Gender::Female)),
        _ => Err(FieldError::new(
            "gender",
            "gender must be M, F or empty",
            "جنسیت باید M یا F یا خالی باشد",
        )),
    }
}

/// Parses a degree level: the English names (`ASSOCIATE` … `DOCTORATE`, any case) or the
/// Persian کاردانی / کارشناسی / کارشناسی ارشد / دکتری, compared by [`fold_key`] (so Arabic
/// letters, ZWNJ and spaces do not matter); also the colloquial فوق دیپلم, لیسانس,
/// فوق لیسانس and دکترا. Empty is `None`.
pub fn parse_degree_level(raw: &str) -> Result<Option<DegreeLevel>, FieldError> {
    const NAMES: [(&str, DegreeLevel); 12] = [
        ("associate", DegreeLevel::Associate),
        ("کاردانی", DegreeLevel::Associate),
        ("فوقدیپلم", DegreeLevel::Associate),
        ("bachelor", DegreeLevel::Bachelor),
        ("کارشناسی", DegreeLevel::Bachelor),
        ("لیسانس", DegreeLevel::Bachelor),
        ("master", DegreeLevel::Master),
        ("کارشناسیارشد", DegreeLevel::Master),
        ("فوقلیسانس", DegreeLevel::Master),
        ("doctorate", DegreeLevel::Doctorate),
        ("دکتری", DegreeLevel::Doctorate),
        ("دکترا", DegreeLevel::Doctorate),
    ];
    let key = fold_key(raw);
    if key.is_empty() {
        return Ok(None);
    }
    NAMES
        .iter()
        .find(|(name, _)| *name == key)
        .map(|&(_, level)| Some(level))
        .ok_or_else(|| {
            FieldError::new(
                "degree_level",
                "degree level must be ASSOCIATE, BACHELOR, MASTER, DOCTORATE or کاردانی, کارشناسی, کارشناسی ارشد, دکتری",
                "مقطع تحصیلی باید کاردانی، کارشناسی، کارشناسی ارشد یا دکتری باشد",
            )
        })
}

/// Parses a distributor kind: شرکت (company) or صنف (guild), compared by [`fold_key`];
/// also `COMPANY` and `GUILD`.
pub fn parse_distributor_kind(raw: &str) -> Result<DistributorKind, FieldError> {
    match fold_key(raw).as_str() {
        "شرکت" | "company" => Ok(DistributorKind::Company),
        "صنف" | "guild" => Ok(DistributorKind::Guild),
        _ => Err(FieldError::new(
            "kind",
            "kind must be شرکت (company) or صنف (guild)",
            "نوع توزیع‌کننده باید «شرکت» یا «صنف» باشد",
        )),
    }
}

/// Parses a yes/no column: `1`/`0` (also `true`/`false`, any case). Empty is `false`.
pub fn parse_flag(field: &str, raw: &str) -> Result<bool, FieldError> {
    match normalize::fold_digits(raw.trim())
        .to_ascii_lowercase()
        .as_str()
    {
        "1" | "true" => Ok(true),
        "0" | "false" | "" => Ok(false),
        _ => Err(FieldError::new(
            field,
            "must be 1 or 0",
            "مقدار این ستون باید ۱ یا ۰ باشد",
        )),
    }
}

/// The three password columns of a row.
fn password(rec: &RawRecord) -> Result<LegacyPassword, Refusal> {
    let format = required(rec, "password_format")?;
    LegacyPassword::parse(format, rec.get("password_hash"), rec.get("password_salt")).map_err(|e| {
        let (code, column) = match e {
            PasswordError::UnknownFormat => (RefusalCode::UnknownPasswordFormat, "password_format"),
            PasswordError::MissingHash => (RefusalCode::MissingField, "password_hash"),
            PasswordError::MissingSalt => (RefusalCode::MissingField, "password_salt"),
            PasswordError::Malformed(_) => (RefusalCode::InvalidPasswordHash, "password_hash"),
        };
        rec.refuse(code, Some(column), e.message(), e.message_fa())
    })
}

/// A cleaned single-line text of at most `max` characters.
fn text(max: usize) -> impl Fn(&str) -> Result<String, FieldError> {
    move |s| normalize::required_text("text", s, max)
}

/// A legacy distributor id, cleaned like a text (so both files give the same key).
fn legacy_id(s: &str) -> Result<String, FieldError> {
    normalize::required_text("legacy_id", s, LEGACY_ID_MAX)
}

/// Parses a row of `officers.csv`. `today` bounds the birth date (18 to 100 years old, as at
/// registration).
pub fn parse_officer(rec: &RawRecord, today: NaiveDate) -> Result<LegacyOfficer, Refusal> {
    use RefusalCode as C;
    let user_code = required_with(rec, "user_code", C::InvalidUserCode, |s| {
        domain::user_code("user_code", s)
    })?;
    let national_code = required_with(rec, "national_code", C::InvalidNationalCode, |s| {
        normalize::national_code("national_code", s)
    })?;
    let first_name = required_with(rec, "first_name", C::InvalidName, |s| {
        od::person_name("first_name", s)
    })?;
    let last_name = required_with(rec, "last_name", C::InvalidName, |s| {
        od::person_name("last_name", s)
    })?;
    let father_name = optional_with(rec, "father_name", C::InvalidName, |s| {
        od::person_name("father_name", s)
    })?;
    let gender = parse_gender(rec.get("gender"))
        .map_err(|e| from_field(rec, C::InvalidGender, "gender", e))?;
    let birth_date = required_with(rec, "birth_date", C::InvalidDate, |s| {
        dates::parse_date("birth_date", s)
    })?;
    let birth_date = od::birth_date("birth_date", birth_date, today)
        .map_err(|e| from_field(rec, C::InvalidBirthDate, "birth_date", e))?;
    let mobile = required_with(rec, "mobile", C::InvalidMobile, |s| {
        normalize::mobile("mobile", s)
    })?;
    let phone = optional_with(rec, "phone", C::InvalidPhone, |s| {
        normalize::phone("phone", s)
    })?;
    let email = optional_with(rec, "email", C::InvalidEmail, |s| {
        normalize::email("email", s)
    })?;
    let postal_address = optional_with(rec, "postal_address", C::InvalidText, text(ADDRESS_MAX))?;
    let province_fa = optional_with(rec, "province_fa", C::InvalidText, text(PLACE_MAX))?;
    let city_fa = optional_with(rec, "city_fa", C::InvalidText, text(PLACE_MAX))?;
    let field_of_study_fa =
        optional_with(rec, "field_of_study_fa", C::InvalidText, text(PLACE_MAX))?;
    let degree_level = parse_degree_level(rec.get("degree_level"))
        .map_err(|e| from_field(rec, C::InvalidDegreeLevel, "degree_level", e))?;
    let password = password(rec)?;
    let qualified = parse_flag("qualified", rec.get("qualified"))
        .map_err(|e| from_field(rec, C::InvalidFlag, "qualified", e))?;
    let qualified_at = optional_with(rec, "qualified_at_jalali", C::InvalidDate, |s| {
        dates::parse_datetime("qualified_at_jalali", s)
    })?
    .filter(|_| qualified);
    Ok(LegacyOfficer {
        line: rec.line,
        user_code,
        national_code,
        first_name,
        last_name,
        father_name,
        gender,
        birth_date,
        mobile,
        phone,
        email,
        postal_address,
        province_fa,
        city_fa,
        field_of_study_fa,
        degree_level,
        password,
        qualified,
        qualified_at,
    })
}

/// Parses a row of `distributors.csv`.
pub fn parse_distributor(rec: &RawRecord) -> Result<LegacyDistributor, Refusal> {
    use RefusalCode as C;
    let legacy_id = required_with(rec, "legacy_id", C::InvalidLegacyId, legacy_id)?;
    let name = required_with(rec, "name", C::InvalidText, text(DISTRIBUTOR_NAME_MAX))?;
    let kind = required_with(
        rec,
        "kind",
        C::UnknownDistributorKind,
        parse_distributor_kind,
    )?;
    let national_id = required_with(rec, "national_id", C::InvalidNationalId, |s| {
        normalize::company_national_id("national_id", s)
    })?;
    let manager_mobile = required_with(rec, "manager_mobile", C::InvalidMobile, |s| {
        normalize::mobile("manager_mobile", s)
    })?;
    let province_fa = required_with(rec, "province_fa", C::InvalidText, text(PLACE_MAX))?;
    let city_fa = required_with(rec, "city_fa", C::InvalidText, text(PLACE_MAX))?;
    let address = required_with(rec, "address", C::InvalidText, text(ADDRESS_MAX))?;
    let user_code = required_with(rec, "user_code", C::InvalidUserCode, |s| {
        domain::user_code("user_code", s)
    })?;
    let password = password(rec)?;
    Ok(LegacyDistributor {
        line: rec.line,
        legacy_id,
        name,
        kind,
        national_id,
        manager_mobile,
        province_fa,
        city_fa,
        address,
        user_code,
        password,
    })
}

/// Parses a row of `assignments.csv`.
pub fn parse_assignment(rec: &RawRecord) -> Result<LegacyAssignment, Refusal> {
    use RefusalCode as C;
    let officer_national_code =
        required_with(rec, "officer_national_code", C::InvalidNationalCode, |s| {
            normalize::national_code("officer_national_code", s)
        })?;
    let distributor_legacy_id =
        required_with(rec, "distributor_legacy_id", C::InvalidLegacyId, legacy_id)?;
    let started_at = required_with(rec, "started_at_jalali", C::InvalidDate, |s| {
        dates::parse_datetime("started_at_jalali", s)
    })?;
    Ok(LegacyAssignment {
        line: rec.line,
        officer_national_code,
        distributor_legacy_id,
        started_at,
    })
}

/// What a typed reader yields: the row or its refusal; the outer error stops the file.
pub type RowItem<T> = Result<Result<T, Refusal>, FatalError>;

/// Streams the officers of `dir/officers.csv`, parsed with [`parse_officer`].
pub fn read_officers(
    dir: &std::path::Path,
    today: NaiveDate,
) -> Result<impl Iterator<Item = RowItem<LegacyOfficer>>, FatalError> {
    let reader = LegacyReader::open(dir, LegacyFile::Officers)?;
    Ok(reader.map(move |item| item.map(|rec| rec.and_then(|r| parse_officer(&r, today)))))
}

/// Streams the distributors of `dir/distributors.csv`, parsed with [`parse_distributor`].
pub fn read_distributors(
    dir: &std::path::Path,
) -> Result<impl Iterator<Item = RowItem<LegacyDistributor>>, FatalError> {
    let reader = LegacyReader::open(dir, LegacyFile::Distributors)?;
    Ok(reader.map(|item| item.map(|rec| rec.and_then(|r| parse_distributor(&r)))))
}

/// Streams the assignments of `dir/assignments.csv`, parsed with [`parse_assignment`].
pub fn read_assignments(
    dir: &std::path::Path,
) -> Result<impl Iterator<Item = RowItem<LegacyAssignment>>, FatalError> {
    let reader = LegacyReader::open(dir, LegacyFile::Assignments)?;
    Ok(reader.map(|item| item.map(|rec| rec.and_then(|r| parse_assignment(&r)))))
}

/// The checks between rows of one export: user codes unique across both account files,
/// national codes, company national IDs and legacy ids unique in their file, one
/// assignment per officer and per distributor (its central branch has one active officer),
/// and assignments that name an accepted officer and distributor.
///
/// The first row wins; a later row that clashes is refused and names the earlier line.
/// Feed it the rows in file order, officers, then distributors, then assignments, and only
/// rows that passed every other check (a refused row must not hold a key).
#[derive(Debug, Default)]
pub struct CrossChecks {
    /// User code → where it was first accepted.
    user_codes: HashMap<String, (LegacyFile, u64)>,
    /// National code → line in `officers.csv`.
    national_codes: HashMap<String, u64>,
    /// Company national ID → line in `distributors.csv`.
    national_ids: HashMap<String, u64>,
    /// Legacy id → line in `distributors.csv`.
    legacy_ids: HashMap<String, u64>,
    /// Officer national code → line in `assignments.csv`.
    assigned: HashMap<String, u64>,
    /// Distributor legacy id → line in `assignments.csv` of the officer of its central branch.
    branch_holders: HashMap<String, u64>,
}

/// The refusal of a row whose key an earlier row holds.
fn duplicate(
    file: LegacyFile,
    line: u64,
    code: RefusalCode,
    field: &'static str,
    what: (&str, &str),
    first: (LegacyFile, u64),
) -> Refusal {
    let (en, fa) = what;
    let (first_file, first_line) = first;
    Refusal {
        file,
        line,
        reason_code: code,
        field: Some(field),
        message: format!("{en} already on line {first_line} of {first_file}"),
        message_fa: format!("{fa} در سطر {first_line} پرونده {first_file} هم آمده است"),
    }
}

impl CrossChecks {
    /// Empty checks, for one run over an export.
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks an officer against the earlier rows and, when it passes, records its keys.
    pub fn check_officer(&mut self, o: &LegacyOfficer) -> Result<(), Refusal> {
        let file = LegacyFile::Officers;
        if let Some(&first) = self.user_codes.get(&o.user_code) {
            return Err(duplicate(
                file,
                o.line,
                RefusalCode::DuplicateUserCode,
                "user_code",
                ("the user code is", "این کد کاربری"),
                first,
            ));
        }
        if let Some(&first) = self.national_codes.get(&o.national_code) {
            return Err(duplicate(
                file,
                o.line,
                RefusalCode::DuplicateNationalCode,
                "national_code",
                ("the national code is", "این کد ملی"),
                (file, first),
            ));
        }
        self.user_codes.insert(o.user_code.clone(), (file, o.line));
        self.national_codes.insert(o.national_code.clone(), o.line);
        Ok(())
    }

    /// Checks a distributor against the earlier rows and, when it passes, records its keys.
    pub fn check_distributor(&mut self, d: &LegacyDistributor) -> Result<(), Refusal> {
        let file = LegacyFile::Distributors;
        if let Some(&first) = self.legacy_ids.get(&d.legacy_id) {
            return Err(duplicate(
                file,
                d.line,
                RefusalCode::DuplicateLegacyId,
                "legacy_id",
                ("the legacy id is", "این شناسهٔ قدیمی"),
                (file, first),
            ));
        }
        if let Some(&first) = self.national_ids.get(&d.national_id) {
            return Err(duplicate(
                file,
                d.line,
                RefusalCode::DuplicateNationalId,
                "national_id",
                ("the national id is", "این شناسهٔ ملی"),
                (file, first),
            ));
        }
        if let Some(&first) = self.user_codes.get(&d.user_code) {
            return Err(duplicate(
                file,
                d.line,
                RefusalCode::DuplicateUserCode,
                "user_code",
                ("the user code is", "این کد کاربری"),
                first,
            ));
        }
        self.legacy_ids.insert(d.legacy_id.clone(), d.line);
        self.national_ids.insert(d.national_id.clone(), d.line);
        self.user_codes.insert(d.user_code.clone(), (file, d.line));
        Ok(())
    }

    /// Checks an assignment: its officer and distributor were accepted, and the officer has
    /// no earlier assignment. When it passes, the officer counts as assigned.
    pub fn check_assignment(&mut self, a: &LegacyAssignment) -> Result<(), Refusal> {
        let file = LegacyFile::Assignments;
        let refuse = |code, field, message: &str, message_fa: &str| Refusal {
            file,
            line: a.line,
            reason_code: code,
            field: Some(field),
            message: message.to_owned(),
            message_fa: message_fa.to_owned(),
        };
        if !self.national_codes.contains_key(&a.officer_national_code) {
            return Err(refuse(
                RefusalCode::UnknownOfficer,
                "officer_national_code",
                "no imported officer has this national code",
                "مسئول فنی‌ای با این کد ملی وارد نشده است",
            ));
        }
        if !self.legacy_ids.contains_key(&a.distributor_legacy_id) {
            return Err(refuse(
                RefusalCode::UnknownDistributor,
                "distributor_legacy_id",
                "no imported distributor has this legacy id",
                "توزیع‌کننده‌ای با این شناسه وارد نشده است",
            ));
        }
        if let Some(&first) = self.assigned.get(&a.officer_national_code) {
            return Err(duplicate(
                file,
                a.line,
                RefusalCode::DuplicateAssignment,
                "officer_national_code",
                ("the officer has an assignment", "این مسئول فنی"),
                (file, first),
            ));
        }
        if let Some(&first) = self.branch_holders.get(&a.distributor_legacy_id) {
            return Err(duplicate(
                file,
                a.line,
                RefusalCode::BranchTaken,
                "distributor_legacy_id",
                (
                    "the distributor's central branch has an officer",
                    "شعبهٔ مرکزی این توزیع‌کننده مسئول فنی دارد؛ مسئول فنی آن",
                ),
                (file, first),
            ));
        }
        self.assigned
            .insert(a.officer_national_code.clone(), a.line);
        self.branch_holders
            .insert(a.distributor_legacy_id.clone(), a.line);
        Ok(())
    }
}

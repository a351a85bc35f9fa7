//! Realistic legacy exports of any size, for tests and benchmarks of the import.
//!
//! [`generate`] writes `officers.csv`, `distributors.csv` and `assignments.csv` into a
//! folder in the exact export format: a UTF-8 byte-order mark, CRLF line ends, quoted
//! addresses holding commas and line breaks, Jalali dates in Persian and ASCII digits with
//! `/` and `-`, national codes and mobiles in both digit sets (some codes without their
//! leading zero), Arabic ي and ك in names and places, degree levels in English and Persian,
//! and the three ASP.NET hash formats. Bad rows are put at known lines, and the returned
//! [`GeneratedExport`] lists the refusal each must get.
//!
//! Most accounts get an ASP.NET Identity v3 hash with a **very low iteration count**
//! ([`GENERATED_V3_ITERATIONS`]) so that 100,000 rows are written in seconds: a generated
//! export is test data, not a security boundary. Every [`V2_EVERY`]-th account gets an
//! Identity v2 hash (its 1,000 iterations are fixed by the format) and every
//! [`SHA1_EVERY`]-th a Membership SHA-1 hash. Passwords are [`generated_password`] of the
//! user code. The output depends only on the [`GenerateSpec`].

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::Path;

use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};

use super::files::RefusalCode;
use super::files::{ASSIGNMENT_COLUMNS, DISTRIBUTOR_COLUMNS, LegacyFile, OFFICER_COLUMNS};
use super::passwords::{self, LegacyFormat, Prf};
use crate::domain::normalize;

/// PBKDF2 iterations of the generated Identity v3 hashes (HMAC-SHA256). Deliberately tiny.
pub const GENERATED_V3_ITERATIONS: u32 = 4;
/// Every this many accounts, an Identity v2 hash.
pub const V2_EVERY: usize = 200;
/// Every this many accounts (offset by one), a Membership SHA-1 hash.
pub const SHA1_EVERY: usize = 10;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateSpec {
    /// Rows of `officers.csv`, bad ones included.
    pub officers: usize,
    /// Rows of `distributors.csv`, bad ones included (at least 1 when there are
    /// assignments).
    pub distributors: usize,
    /// Rows of `assignments.csv`, bad ones included (at most about the good officers, and
    /// one good row per good distributor: a central branch has one active officer).
    pub assignments: usize,
    /// Every this many rows of each file, a bad one (0: none; otherwise at least 2).
    pub bad_every: usize,
    /// Seed of the salts.
    pub seed: u64,
}

impl GenerateSpec {
    /// An export of `officers` officers with a distributor per 20 officers, an officer
    /// assigned to each distributor's central branch (a branch has one active officer) and a
    /// bad row every 50.
    pub fn with_officers(officers: usize) -> Self {
        let distributors = officers.div_ceil(20).max(1);
        Self {
            officers,
            distributors,
            assignments: distributors.min(officers),
            bad_every: 50,
            seed: 1,
        }
    }
}

/// A refusal the import must give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ExpectedRefusal {
    /// The file.
    pub file: LegacyFile,
    /// The physical line of the row.
    pub line: u64,
    /// The code.
    pub code: RefusalCode,
}

/// A generated account that the import must accept, with its clear-text password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleAccount {
    /// The file of the account's row.
    pub file: LegacyFile,
    /// The physical line of the row.
    pub line: u64,
    /// The user code.
    pub user_code: String,
    /// The clear-text password.
    pub password: String,
    /// The hash format.
    pub format: LegacyFormat,
}

/// What was generated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GeneratedExport {
    /// Officer rows the import must accept.
    pub good_officers: usize,
    /// Distributor rows the import must accept.
    pub good_distributors: usize,
    /// Assignment rows the import must accept.
    pub good_assignments: usize,
    /// Every refusal the import must give, in file order.
    pub refusals: Vec<ExpectedRefusal>,
    /// A few accepted accounts of each hash format.
    pub samples: Vec<SampleAccount>,
}

/// The clear-text password of a generated account.
pub fn generated_password(user_code: &str) -> String {
    format!("{user_code}-Pass1")
}

/// The `i`-th valid national code: prefixes `200000000 + 3i` never have ten equal digits;
/// every 25th officer gets one with a leading zero (`010000000 + 3i`).
fn national_code(i: usize) -> String {
    let prefix = if i % 25 == 7 {
        10_000_000 + 3 * i
    } else {
        200_000_000 + 3 * i
    };
    with_check_digit(&format!("{prefix:09}"), |s| {
        normalize::national_code("n", s).is_ok()
    })
}

/// The `j`-th valid company national ID.
fn company_id(j: usize) -> String {
    with_check_digit(&format!("{:010}", 1_010_000_000 + 7 * j), |s| {
        normalize::company_national_id("n", s).is_ok()
    })
}

/// `prefix` followed by the digit that makes it valid (by the rules of `normalize`).
fn with_check_digit(prefix: &str, valid: impl Fn(&str) -> bool) -> String {
    (0..10)
        .map(|d| format!("{prefix}{d}"))
        .find(|s| valid(s))
        .unwrap_or_else(|| format!("{prefix}0"))
}

/// ASCII digits to Persian digits.
fn persian(s: &str) -> String {
    s.chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => char::from_u32(0x06F0 + d).unwrap_or(c),
            None => c,
        })
        .collect()
}

/// A Jalali date in one of the spellings of the export.
fn jalali(year: usize, month: usize, day: usize, variant: usize) -> String {
    match variant % 4 {
        0 => format!("{year}/{month:02}/{day:02}"),
        1 => persian(&format!("{year}/{month:02}/{day:02}")),
        2 => format!("{year}-{month}-{day}"),
        _ => persian(&format!("{year}/{month}/{day}")),
    }
}

// Real rows of the seed migration, some spelt as the old system did (Arabic letters,
// spaces for ZWNJ).
const PLACES: [(&str, &str); 10] = [
    ("تهران", "تهران"),
    ("تهران", "رباط كريم"),
    ("لرستان", "خرم آباد"),
    ("فارس", "شيراز"),
    ("اصفهان", "نجف‌آباد"),
    ("آذربايجان شرقی", "تبریز"),
    ("خراسان رضوی", "مشهد"),
    ("كرمان", "كرمان"),
    ("البرز", "کرج"),
    ("قزوين", "قزوین"),
];
const FIELDS: [&str; 6] = [
    "مهندسی پزشکی",
    "مهندسي پزشكي",
    "تکنولوژی تجهیزات پزشکی",
    "مهندسی برق",
    "فیزیک پزشکی",
    "مهندسی پزشکی (بیوالکتریک)",
];
const DEGREES: [&str; 7] = [
    "BACHELOR",
    "کارشناسي",
    "كارشناسی‌ارشد",
    "کارشناسی ارشد",
    "دکتری",
    "کاردانی",
    "",
];
const FIRST_NAMES: [&str; 12] = [
    "علي",
    "محمد",
    "زهرا",
    "فاطمه",
    "رضا",
    "مريم",
    "حسين",
    "سارا",
    "كاظم",
    "نرگس",
    "مهدی",
    "امیر‌حسین",
];
const LAST_NAMES: [&str; 10] = [
    "رضایی",
    "احمدي",
    "محمدی",
    "كريمی",
    "حسینی",
    "موسوی",
    "جعفری",
    "كاظمی",
    "صادقی",
    "نوری",
];

/// A CSV file being written, counting physical lines.
struct Out {
    csv: csv::Writer<BufWriter<File>>,
    /// The physical line the next row starts on.
    line: u64,
}

impl Out {
    fn create(dir: &Path, file: LegacyFile, header: &[&str]) -> io::Result<Self> {
        let mut raw = BufWriter::new(File::create(dir.join(file.file_name()))?);
        raw.write_all("\u{FEFF}".as_bytes())?;
        let mut csv = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(raw);
        csv.write_record(header)?;
        Ok(Self { csv, line: 2 })
    }

    /// Writes a row; returns its line.
    fn row(&mut self, fields: &[String]) -> io::Result<u64> {
        self.csv.write_record(fields)?;
        let line = self.line;
        let inner: u64 = fields
            .iter()
            .map(|f| f.bytes().filter(|&b| b == b'\n').count() as u64)
            .sum();
        self.line += 1 + inner;
        Ok(line)
    }

    fn finish(self) -> io::Result<()> {
        let mut raw = self.csv.into_inner().map_err(|e| e.into_error())?;
        raw.flush()
    }
}

/// The password columns (format, hash, salt) of the `n`-th account.
fn password_columns(n: usize, user_code: &str, rng: &mut StdRng) -> (LegacyFormat, [String; 3]) {
    let password = generated_password(user_code);
    let mut salt = [0u8; 16];
    rng.fill_bytes(&mut salt);
    if n.is_multiple_of(V2_EVERY) {
        let hash = passwords::hash_identity_v2(&salt, &password);
        let format = LegacyFormat::AspNetIdentityV2;
        (format, [format.as_str().to_owned(), hash, String::new()])
    } else if n % SHA1_EVERY == 1 {
        use base64::Engine as _;
        let hash = passwords::hash_membership_sha1(&salt, &password);
        let salt_b64 = base64::engine::general_purpose::STANDARD.encode(salt);
        let format = LegacyFormat::AspNetMembershipSha1;
        (format, [format.as_str().to_owned(), hash, salt_b64])
    } else {
        let hash = passwords::hash_identity_v3(
            Prf::HmacSha256,
            GENERATED_V3_ITERATIONS,
            &salt,
            32,
            &password,
        );
        let format = LegacyFormat::AspNetIdentityV3;
        (format, [format.as_str().to_owned(), hash, String::new()])
    }
}

/// Keeps up to two sample accounts of each format.
fn keep_sample(samples: &mut Vec<SampleAccount>, sample: SampleAccount) {
    if samples.iter().filter(|s| s.format == sample.format).count() < 2 {
        samples.push(sample);
    }
}

/// The kinds of bad officer rows, in turn.
const BAD_OFFICERS: [RefusalCode; 8] = [
    RefusalCode::InvalidNationalCode,
    RefusalCode::InvalidDate,
    RefusalCode::UnknownProvince,
    RefusalCode::InvalidMobile,
    RefusalCode::UnknownPasswordFormat,
    RefusalCode::DuplicateUserCode,
    RefusalCode::MissingField,
    RefusalCode::InvalidBirthDate,
];

/// Writes an export described by `spec` into `dir` (created if missing).
pub fn generate(dir: &Path, spec: &GenerateSpec) -> io::Result<GeneratedExport> {
    if spec.bad_every == 1 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "bad_every must be 0 or at least 2",
        ));
    }
    fs::create_dir_all(dir)?;
    let mut rng = StdRng::seed_from_u64(spec.seed);
    let mut result = GeneratedExport::default();
    let is_bad = |i: usize| spec.bad_every > 0 && i % spec.bad_every == spec.bad_every - 1;

    // officers.csv
    let mut out = Out::create(dir, LegacyFile::Officers, &OFFICER_COLUMNS)?;
    let mut good_codes: Vec<String> = Vec::new();
    let mut previous_user_code = String::new();
    let mut bad_turn = 0;
    for i in 0..spec.officers {
        let user_code = format!("off{i:06}");
        let (format, [pw_format, pw_hash, pw_salt]) = password_columns(i, &user_code, &mut rng);
        let code = national_code(i);
        let national = match i % 4 {
            1 => persian(&code),
            _ if i % 25 == 7 => code.trim_start_matches('0').to_owned(),
            _ => code.clone(),
        };
        let (province, city) = PLACES[i % PLACES.len()];
        let mobile = match i % 3 {
            0 => format!("0912{:07}", i % 10_000_000),
            1 => persian(&format!("0935{:07}", i % 10_000_000)),
            _ => format!("+98 901 {:07}", i % 10_000_000),
        };
        let address = if i % 10 == 3 {
            format!("{city}، خیابان {i}، پلاک ۱۲,\r\nواحد ۳")
        } else {
            format!("{city}، خیابان آزادی، کوچه {}", persian(&i.to_string()))
        };
        let qualified = i % 3 == 0;
        let mut row = vec![
            user_code.clone(),
            national,
            FIRST_NAMES[i % FIRST_NAMES.len()].to_owned(),
            LAST_NAMES[(i / 3) % LAST_NAMES.len()].to_owned(),
            if i % 2 == 0 {
                FIRST_NAMES[(i + 5) % FIRST_NAMES.len()].to_owned()
            } else {
                String::new()
            },
            ["M", "F", ""][i % 3].to_owned(),
            jalali(1335 + (i * 7) % 45, 1 + (i * 5) % 12, 1 + (i * 11) % 29, i),
            mobile,
            if i % 4 == 0 {
                format!("021-{:08}", 88_000_000 + i % 1_000_000)
            } else {
                String::new()
            },
            if i % 5 == 0 {
                format!("{user_code}@example.com")
            } else {
                String::new()
            },
            address,
            province.to_owned(),
            city.to_owned(),
            FIELDS[i % FIELDS.len()].to_owned(),
            DEGREES[i % DEGREES.len()].to_owned(),
            pw_format,
            pw_hash,
            pw_salt,
            if qualified { "1" } else { "0" }.to_owned(),
            if qualified {
                jalali(1400 + i % 4, 1 + i % 12, 1 + i % 28, i + 1)
            } else {
                String::new()
            },
        ];
        let bad = is_bad(i).then(|| {
            let code = BAD_OFFICERS[bad_turn % BAD_OFFICERS.len()];
            bad_turn += 1;
            code
        });
        if let Some(bad) = bad {
            let column = |name: &str| OFFICER_COLUMNS.iter().position(|c| *c == name).unwrap_or(0);
            let set = |row: &mut Vec<String>, name: &str, value: String| {
                if let Some(slot) = row.get_mut(column(name)) {
                    *slot = value;
                }
            };
            match bad {
                RefusalCode::InvalidNationalCode => {
                    let last = code
                        .chars()
                        .last()
                        .and_then(|c| c.to_digit(10))
                        .unwrap_or(0);
                    let wrong = format!("{}{}", code.get(..9).unwrap_or_default(), (last + 1) % 10);
                    set(&mut row, "national_code", wrong);
                }
                RefusalCode::InvalidDate => set(&mut row, "birth_date", "۱۳۷۰/۰۷/۳۱".to_owned()),
                RefusalCode::UnknownProvince => {
                    set(&mut row, "province_fa", "ناکجاآباد".to_owned());
                }
                RefusalCode::InvalidMobile => set(&mut row, "mobile", "021-12345678".to_owned()),
                RefusalCode::UnknownPasswordFormat => {
                    set(&mut row, "password_format", "MD5".to_owned());
                }
                RefusalCode::DuplicateUserCode => {
                    set(&mut row, "user_code", previous_user_code.clone());
                }
                RefusalCode::MissingField => set(&mut row, "last_name", " ".to_owned()),
                _ => set(&mut row, "birth_date", "1420/01/01".to_owned()),
            }
        }
        let line = out.row(&row)?;
        match bad {
            Some(code) => result.refusals.push(ExpectedRefusal {
                file: LegacyFile::Officers,
                line,
                code,
            }),
            None => {
                result.good_officers += 1;
                good_codes.push(code);
                keep_sample(
                    &mut result.samples,
                    SampleAccount {
                        file: LegacyFile::Officers,
                        line,
                        user_code: user_code.clone(),
                        password: generated_password(&user_code),
                        format,
                    },
                );
                previous_user_code = user_code;
            }
        }
    }
    out.finish()?;

    // distributors.csv: the last of several is a bad one (a company national ID already
    // taken) when bad rows are asked for.
    let mut out = Out::create(dir, LegacyFile::Distributors, &DISTRIBUTOR_COLUMNS)?;
    let mut good_distributors: Vec<String> = Vec::new();
    for j in 0..spec.distributors {
        let user_code = format!("dist{j:05}");
        let (format, [pw_format, pw_hash, pw_salt]) = password_columns(j + 1, &user_code, &mut rng);
        let (province, city) = PLACES[(j * 3) % PLACES.len()];
        let company = j % 2 == 0;
        let bad = spec.bad_every > 0 && spec.distributors >= 2 && j == spec.distributors - 1;
        let national_id = if bad { company_id(0) } else { company_id(j) };
        let row = [
            format!("D{}", persian(&j.to_string())),
            if company {
                format!("شركت تجهيزات پزشكی شماره {j}")
            } else {
                format!("صنف فروشندگان تجهیزات پزشکی {j}")
            },
            if company { "شركت" } else { "صنف" }.to_owned(),
            if j % 2 == 1 {
                persian(&national_id)
            } else {
                national_id
            },
            format!("0912{:07}", 5_000_000 + j),
            province.to_owned(),
            city.to_owned(),
            format!("{city}، بلوار کشاورز، پلاک {j},\r\nطبقه ۲"),
            user_code.clone(),
            pw_format,
            pw_hash,
            pw_salt,
        ];
        let line = out.row(&row)?;
        if bad {
            result.refusals.push(ExpectedRefusal {
                file: LegacyFile::Distributors,
                line,
                code: RefusalCode::DuplicateNationalId,
            });
        } else {
            result.good_distributors += 1;
            good_distributors.push(format!("D{j}"));
            keep_sample(
                &mut result.samples,
                SampleAccount {
                    file: LegacyFile::Distributors,
                    line,
                    user_code: user_code.clone(),
                    password: generated_password(&user_code),
                    format,
                },
            );
        }
    }
    out.finish()?;

    // assignments.csv: good officers in turn, each to the central branch of the next good
    // distributor (a branch has one active officer); a bad row assigns the previous officer
    // again.
    let mut out = Out::create(dir, LegacyFile::Assignments, &ASSIGNMENT_COLUMNS)?;
    let mut next_officer = 0;
    for k in 0..spec.assignments {
        let bad = is_bad(k) && next_officer > 0;
        let officer_index = if bad { next_officer - 1 } else { next_officer };
        let Some(officer) = good_codes.get(officer_index) else {
            break;
        };
        let Some(distributor) = good_distributors.get(next_officer) else {
            break;
        };
        let row = [
            if k % 2 == 0 {
                officer.clone()
            } else {
                persian(officer)
            },
            distributor.clone(),
            jalali(1398 + k % 6, 1 + k % 12, 1 + k % 29, k),
        ];
        let line = out.row(&row)?;
        if bad {
            result.refusals.push(ExpectedRefusal {
                file: LegacyFile::Assignments,
                line,
                code: RefusalCode::DuplicateAssignment,
            });
        } else {
            result.good_assignments += 1;
            next_officer += 1;
        }
    }
    out.finish()?;
    Ok(result)
}

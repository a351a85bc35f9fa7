//! The legacy migration (S0.2, DESIGN §3.1, §3.2): `officer-registry import-legacy DIR
//! [--dry-run]` writes the old system's export into the registry.
//!
//! The three files are read once each, in order (officers, distributors, assignments),
//! every row checked by [`ExportValidator`]; accepted rows are written in batches of
//! [`BATCH_ROWS`] (a few set-based statements per batch). The whole run is **one
//! transaction**: a fatal error (a file that cannot be read, the database gone) leaves
//! nothing written, and `--dry-run` runs every check, against the database too, then rolls
//! back. Two imports never run at once (an advisory lock).
//!
//! Each imported row keeps the values it was imported with (`legacy_officers`,
//! `legacy_distributors`, `legacy_assignments`). A row seen again is compared field by
//! field: a field the export did not change is left alone (a second run of the same files
//! changes nothing); a changed field is updated when the registry still holds the imported
//! value, and reported as a **conflict** when the officer (or anyone) changed it since.
//! Identity fields (birth date, national code and ID, user code) are never updated, and the
//! import never takes a qualification away.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{NaiveDate, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use crate::domain::cooperation::{ContractAction, ContractStatus};
use crate::domain::officer::{OfficerAction, QualificationStatus};
use crate::domain::{Entity, Role, jalali};
use crate::error::AppError;
use crate::legacy::{
    BranchPlace, ExportValidator, FatalError, LegacyAssignment, LegacyDistributor, LegacyFile,
    LegacyOfficer, LegacyReader, OfficerPlaces, RawRecord, Refusal, RefusalCode,
};
use crate::store::cooperation::Contract;
use crate::store::distributors::{Branch, Distributor};
use crate::store::events::NewEvent;
use crate::store::legacy::{self as db, Values, json_of, values_of};
use crate::store::officers::Officer;

/// Rows written per batch (a few statements each; well under PostgreSQL's bind limit).
pub const BATCH_ROWS: usize = 1_000;

/// The name of a central branch created by the import.
pub const CENTRAL_BRANCH_NAME: &str = "شعبه مرکزی";

/// How to run an import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Check everything, write nothing.
    pub dry_run: bool,
    /// The one-unit rule: active contracts an officer may hold.
    pub max_active_contracts: i64,
    /// The day birth dates are checked against.
    pub today: NaiveDate,
}

impl ImportOptions {
    /// A real run with the default one-unit rule, today.
    pub fn new() -> Self {
        Self {
            dry_run: false,
            max_active_contracts: 1,
            today: Utc::now().date_naive(),
        }
    }
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self::new()
    }
}

/// What became of the rows of one file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FileCounts {
    /// New in the registry.
    pub created: u64,
    /// Imported before (or found in the registry) and changed by this export.
    pub updated: u64,
    /// Imported before and unchanged.
    pub unchanged: u64,
    /// Imported before, with fields changed in the registry since then that this export
    /// changes too (left as the registry has them; the other fields are updated).
    pub conflicts: u64,
    /// Refused (see the refusals).
    pub refused: u64,
}

impl FileCounts {
    /// Every row of the file.
    pub fn rows(&self) -> u64 {
        self.created + self.updated + self.unchanged + self.conflicts + self.refused
    }
}

/// A row whose fields were changed in the registry since the import and again in the export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The file.
    pub file: LegacyFile,
    /// The physical line of the row.
    pub line: u64,
    /// The row's key (a user code, a legacy id, a national code).
    pub key: String,
    /// The fields left as the registry has them.
    pub fields: Vec<String>,
}

impl Conflict {
    /// `officers.csv:12: CONFLICT ali.rezaei: mobile, email kept as changed since the import`.
    pub fn describe(&self) -> String {
        format!(
            "{}:{}: CONFLICT {}: {} kept as changed since the import",
            self.file,
            self.line,
            self.key,
            self.fields.join(", ")
        )
    }
}

/// The outcome of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Whether nothing was written.
    pub dry_run: bool,
    /// Counts per file.
    pub counts: BTreeMap<LegacyFile, FileCounts>,
    /// Every refused row, in file order.
    pub refusals: Vec<Refusal>,
    /// Every conflicting row, in file order.
    pub conflicts: Vec<Conflict>,
}

impl ImportReport {
    /// The counts of one file.
    pub fn of(&self, file: LegacyFile) -> FileCounts {
        self.counts.get(&file).copied().unwrap_or_default()
    }

    /// Whether the run changed nothing in the registry (every row unchanged or refused).
    pub fn changed_nothing(&self) -> bool {
        self.counts
            .values()
            .all(|c| c.created == 0 && c.updated == 0 && c.conflicts == 0)
    }

    /// The exit code of DESIGN §3.2: 0 when every row was imported or unchanged, 3 when some
    /// were refused.
    pub fn exit_code(&self) -> u8 {
        if self.refusals.is_empty() { 0 } else { 3 }
    }

    /// The summary table: a line per file and a total.
    pub fn summary(&self) -> String {
        let mut out = format!(
            "{:<18} {:>9} {:>9} {:>9} {:>9} {:>9}\n",
            "file", "created", "updated", "unchanged", "conflicts", "refused"
        );
        let mut total = FileCounts::default();
        for file in LegacyFile::ALL {
            let c = self.of(file);
            total.created += c.created;
            total.updated += c.updated;
            total.unchanged += c.unchanged;
            total.conflicts += c.conflicts;
            total.refused += c.refused;
            out.push_str(&row_line(file.file_name(), &c));
        }
        out.push_str(&row_line("total", &total));
        out
    }
}

fn row_line(name: &str, c: &FileCounts) -> String {
    format!(
        "{:<18} {:>9} {:>9} {:>9} {:>9} {:>9}\n",
        name, c.created, c.updated, c.unchanged, c.conflicts, c.refused
    )
}

/// Follows a run: the command draws a progress bar or prints lines. Every method has a
/// default that does nothing.
pub trait Progress: Send + Sync {
    /// A file starts; `bytes` is its size.
    fn start(&self, _file: LegacyFile, _bytes: u64) {}
    /// Rows so far of the file, and the bytes read so far.
    fn advance(&self, _file: LegacyFile, _rows: u64, _bytes: u64) {}
    /// A row was refused.
    fn refused(&self, _refusal: &Refusal) {}
    /// A row conflicts.
    fn conflict(&self, _conflict: &Conflict) {}
    /// A file is done.
    fn finish(&self, _file: LegacyFile, _counts: &FileCounts) {}
}

/// No progress shown.
pub struct Silent;

impl Progress for Silent {}

/// Why a run stopped with nothing written.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A file cannot be read or its header is wrong.
    #[error("{0}")]
    Fatal(#[from] FatalError),
    /// The database failed.
    #[error("database: {0}")]
    Database(String),
    /// A dry run's end: its report, after the rollback (not an error for the caller).
    #[error("dry run")]
    DryRun(Box<ImportReport>),
}

impl From<diesel::result::Error> for ImportError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Database(e.to_string())
    }
}

impl From<AppError> for ImportError {
    fn from(e: AppError) -> Self {
        match e.source {
            Some(source) => Self::Database(format!("{}: {source:#}", e.message)),
            None => Self::Database(e.message),
        }
    }
}

/// Imports the export in `dir` into the database at `url`.
pub async fn run(
    url: &str,
    dir: &Path,
    options: &ImportOptions,
    progress: &dyn Progress,
) -> Result<ImportReport, ImportError> {
    let mut conn = AsyncPgConnection::establish(url)
        .await
        .map_err(|e| ImportError::Database(format!("cannot connect: {e}")))?;
    import(&mut conn, dir, options, progress).await
}

/// Imports the export in `dir` over `conn`, in one transaction.
pub async fn import(
    conn: &mut AsyncPgConnection,
    dir: &Path,
    options: &ImportOptions,
    progress: &dyn Progress,
) -> Result<ImportReport, ImportError> {
    // Every file opens and has the right header before anything is written.
    let mut files = Vec::new();
    for file in LegacyFile::ALL {
        files.push(Source::open(dir, file)?);
    }
    let outcome = conn
        .transaction::<_, ImportError, _>(async move |conn| {
            db::lock_import(conn).await?;
            let reference = db::reference_data(conn).await?;
            let mut run = Run {
                validator: ExportValidator::new(reference, options.today),
                options,
                progress,
                report: ImportReport {
                    dry_run: options.dry_run,
                    ..ImportReport::default()
                },
                officers: HashMap::new(),
                distributors: HashMap::new(),
            };
            for source in files {
                run.file(conn, source).await?;
            }
            // Rows refused by the checks against the registry come at the end of their batch.
            run.report.refusals.sort_by_key(|r| (r.file, r.line));
            run.report.conflicts.sort_by_key(|c| (c.file, c.line));
            if options.dry_run {
                Err(ImportError::DryRun(Box::new(run.report)))
            } else {
                Ok(run.report)
            }
        })
        .await;
    match outcome {
        Err(ImportError::DryRun(report)) => Ok(*report),
        other => other,
    }
}

/// A reader that counts the bytes read through it (for the progress bar).
struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// One open file of the export.
struct Source {
    file: LegacyFile,
    reader: LegacyReader<Counting<File>>,
    size: u64,
    read: Arc<AtomicU64>,
}

impl Source {
    fn open(dir: &Path, file: LegacyFile) -> Result<Self, FatalError> {
        let io_error = |source| FatalError::Io { file, source };
        let f = File::open(dir.join(file.file_name())).map_err(io_error)?;
        let size = f.metadata().map_err(io_error)?.len();
        let read = Arc::new(AtomicU64::new(0));
        let reader = LegacyReader::from_reader(
            file,
            Counting {
                inner: f,
                read: read.clone(),
            },
        )?;
        Ok(Self {
            file,
            reader,
            size,
            read,
        })
    }
}

/// The accepted rows of a file waiting to be written.
enum Pending {
    Officers(Vec<(LegacyOfficer, OfficerPlaces)>),
    Distributors(Vec<(LegacyDistributor, BranchPlace)>),
    Assignments(Vec<LegacyAssignment>),
}

impl Pending {
    fn new(file: LegacyFile) -> Self {
        match file {
            LegacyFile::Officers => Self::Officers(Vec::with_capacity(BATCH_ROWS)),
            LegacyFile::Distributors => Self::Distributors(Vec::with_capacity(BATCH_ROWS)),
            LegacyFile::Assignments => Self::Assignments(Vec::with_capacity(BATCH_ROWS)),
        }
    }

    /// Checks a record of the file and keeps it when it passes.
    fn push(&mut self, validator: &mut ExportValidator, rec: &RawRecord) -> Result<(), Refusal> {
        match self {
            Self::Officers(b) => b.push(validator.officer(rec)?),
            Self::Distributors(b) => b.push(validator.distributor(rec)?),
            Self::Assignments(b) => b.push(validator.assignment(rec)?),
        }
        Ok(())
    }

    fn len(&self) -> usize {
        match self {
            Self::Officers(b) => b.len(),
            Self::Distributors(b) => b.len(),
            Self::Assignments(b) => b.len(),
        }
    }

    /// The rows so far, leaving an empty batch of the same file.
    fn take(&mut self) -> Self {
        let file = match self {
            Self::Officers(_) => LegacyFile::Officers,
            Self::Distributors(_) => LegacyFile::Distributors,
            Self::Assignments(_) => LegacyFile::Assignments,
        };
        std::mem::replace(self, Self::new(file))
    }
}

/// What one row came to.
enum Outcome {
    Created,
    Updated,
    Unchanged,
    Conflict(Conflict),
    Refused(Refusal),
}

/// A run in progress.
struct Run<'a> {
    validator: ExportValidator,
    options: &'a ImportOptions,
    progress: &'a dyn Progress,
    report: ImportReport,
    /// National code → officer id, of the officers of this export now in the registry.
    officers: HashMap<String, Uuid>,
    /// Legacy id → (distributor id, central branch id), likewise.
    distributors: HashMap<String, (Uuid, Uuid)>,
}

/// How one field compares: the export's value, the imported one, the registry's one.
#[derive(Debug, Default)]
struct Diff {
    /// Changed by the export and untouched in the registry: to write.
    update: Vec<String>,
    /// Changed by the export to what the registry already has: only remembered.
    same: Vec<String>,
    /// Changed by the export and, differently, in the registry (or never written).
    conflicts: Vec<String>,
}

impl Diff {
    fn of(
        new: &Values,
        imported: &Values,
        current: &Values,
        updatable: impl Fn(&str, Option<&str>) -> bool,
    ) -> Self {
        let mut diff = Self::default();
        for (field, n) in new {
            let s = imported.get(field).cloned().flatten();
            let c = current.get(field).cloned().flatten();
            if *n == s {
                continue;
            }
            if *n == c {
                diff.same.push(field.clone());
            } else if c == s && updatable(field, n.as_deref()) {
                diff.update.push(field.clone());
            } else {
                diff.conflicts.push(field.clone());
            }
        }
        diff
    }

    /// The export's values of the fields to remember (written or already there).
    fn remembered(&self, new: &Values) -> serde_json::Value {
        let keep: Values = new
            .iter()
            .filter(|(k, _)| self.update.contains(k) || self.same.contains(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        json_of(&keep)
    }

    fn outcome(self, file: LegacyFile, line: u64, key: &str) -> Outcome {
        if !self.conflicts.is_empty() {
            Outcome::Conflict(Conflict {
                file,
                line,
                key: key.to_owned(),
                fields: self.conflicts,
            })
        } else if !self.update.is_empty() {
            Outcome::Updated
        } else {
            Outcome::Unchanged
        }
    }
}

fn text(v: impl ToString) -> Option<String> {
    Some(v.to_string())
}

/// The tracked values of an officer row.
fn officer_values(o: &LegacyOfficer, p: &OfficerPlaces) -> Values {
    let mut v = Values::new();
    let mut put = |k: &str, value: Option<String>| {
        v.insert(k.to_owned(), value);
    };
    put("user_code", text(&o.user_code));
    put("first_name", text(&o.first_name));
    put("last_name", text(&o.last_name));
    put("father_name", o.father_name.clone());
    put("gender", o.gender.map(|g| g.as_str().to_owned()));
    put("birth_date", text(o.birth_date));
    put("mobile", text(&o.mobile));
    put("phone", o.phone.clone());
    put("email", o.email.clone());
    put("postal_address", o.postal_address.clone());
    put("province_id", p.province_id.map(|x| x.to_string()));
    put("city_id", p.city_id.map(|x| x.to_string()));
    put(
        "field_of_study_id",
        p.field_of_study_id.map(|x| x.to_string()),
    );
    put(
        "degree_level",
        o.degree_level.map(|d| d.as_str().to_owned()),
    );
    put("password", text(o.password.encode_stored()));
    put("qualified", text(if o.qualified { "1" } else { "0" }));
    put(
        "qualified_at",
        o.qualified_at.map(|t| t.timestamp().to_string()),
    );
    v
}

/// The tracked values of a distributor row.
fn distributor_values(d: &LegacyDistributor, p: &BranchPlace) -> Values {
    let mut v = Values::new();
    let mut put = |k: &str, value: Option<String>| {
        v.insert(k.to_owned(), value);
    };
    put("user_code", text(&d.user_code));
    put("name", text(&d.name));
    put("kind", text(d.kind.as_str()));
    put("national_id", text(&d.national_id));
    put("manager_mobile", text(&d.manager_mobile));
    put("province_id", text(p.province_id));
    put("city_id", text(p.city_id));
    put("address", text(&d.address));
    put("password", text(d.password.encode_stored()));
    v
}

/// The refusal of a row for a reason found in the registry.
fn refuse(
    file: LegacyFile,
    line: u64,
    code: RefusalCode,
    field: &'static str,
    message: &str,
    message_fa: &str,
) -> Refusal {
    Refusal {
        file,
        line,
        reason_code: code,
        field: Some(field),
        message: message.to_owned(),
        message_fa: message_fa.to_owned(),
    }
}

fn user_code_taken(file: LegacyFile, line: u64) -> Refusal {
    refuse(
        file,
        line,
        RefusalCode::UserCodeTaken,
        "user_code",
        "the user code belongs to another account of the registry",
        "این کد کاربری به حساب دیگری در سامانه تعلق دارد",
    )
}

/// The IMPORTED event of an officer qualified in the old system.
fn imported_event(o: &LegacyOfficer, officer_id: Uuid, from: Option<&str>) -> NewEvent {
    let at = o.qualified_at;
    let mut event = NewEvent::new(
        None,
        Entity::Officer,
        officer_id,
        OfficerAction::Imported.as_str(),
    )
    .with_data(serde_json::json!({
        "source": "legacy",
        "userCode": o.user_code,
        "line": o.line,
        "qualifiedAt": at,
        "qualifiedAtJalali": at.map(jalali::datetime),
    }))
    .for_cartables(Some(officer_id), None);
    event.from_status = from.map(str::to_owned);
    event.to_status = Some(QualificationStatus::Qualified.as_str().to_owned());
    event.note = Some(match at {
        Some(t) => format!(
            "صلاحیت در سامانهٔ پیشین در {} تأیید شده بود",
            jalali::datetime(t)
        ),
        None => "صلاحیت در سامانهٔ پیشین تأیید شده بود".to_owned(),
    });
    event
}

impl Run<'_> {
    fn record(&mut self, file: LegacyFile, outcome: Outcome) {
        let counts = self.report.counts.entry(file).or_default();
        match outcome {
            Outcome::Created => counts.created += 1,
            Outcome::Updated => counts.updated += 1,
            Outcome::Unchanged => counts.unchanged += 1,
            Outcome::Conflict(c) => {
                counts.conflicts += 1;
                self.progress.conflict(&c);
                self.report.conflicts.push(c);
            }
            Outcome::Refused(r) => {
                counts.refused += 1;
                self.progress.refused(&r);
                self.report.refusals.push(r);
            }
        }
    }

    /// Reads a file to its end: each record checked, accepted rows written in batches.
    async fn file(
        &mut self,
        conn: &mut AsyncPgConnection,
        source: Source,
    ) -> Result<(), ImportError> {
        let file = source.file;
        self.progress.start(file, source.size);
        self.report.counts.entry(file).or_default();
        let mut pending = Pending::new(file);
        let mut rows = 0u64;
        for item in source.reader {
            rows += 1;
            let checked = item?.and_then(|rec| pending.push(&mut self.validator, &rec));
            if let Err(refusal) = checked {
                self.record(file, Outcome::Refused(refusal));
            }
            if pending.len() >= BATCH_ROWS {
                self.flush(conn, pending.take()).await?;
                self.progress
                    .advance(file, rows, source.read.load(Ordering::Relaxed));
            }
        }
        self.flush(conn, pending).await?;
        self.progress.advance(file, rows, source.size);
        self.progress.finish(file, &self.report.of(file));
        Ok(())
    }

    /// Writes a batch.
    async fn flush(
        &mut self,
        conn: &mut AsyncPgConnection,
        pending: Pending,
    ) -> Result<(), ImportError> {
        match pending {
            Pending::Officers(b) if !b.is_empty() => self.officers_batch(conn, b).await,
            Pending::Distributors(b) if !b.is_empty() => self.distributors_batch(conn, b).await,
            Pending::Assignments(b) if !b.is_empty() => self.assignments_batch(conn, b).await,
            _ => Ok(()),
        }
    }

    /// Writes a batch of accepted officer rows.
    async fn officers_batch(
        &mut self,
        conn: &mut AsyncPgConnection,
        batch: Vec<(LegacyOfficer, OfficerPlaces)>,
    ) -> Result<(), ImportError> {
        let file = LegacyFile::Officers;
        let codes: Vec<String> = batch.iter().map(|(o, _)| o.national_code.clone()).collect();
        let user_codes: Vec<String> = batch.iter().map(|(o, _)| o.user_code.clone()).collect();
        let states: HashMap<String, db::OfficerState> =
            db::officers_by_national_codes(conn, &codes)
                .await?
                .into_iter()
                .map(|s| (s.national_code.clone(), s))
                .collect();
        let taken: HashMap<String, Uuid> = db::users_by_codes(conn, &user_codes)
            .await?
            .into_iter()
            .collect();
        let now = Utc::now();
        let (mut accounts, mut officers, mut records, mut events) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (o, places) in batch {
            let new = officer_values(&o, &places);
            let outcome = match states.get(&o.national_code) {
                Some(state) => match &state.imported {
                    None => Outcome::Refused(refuse(
                        file,
                        o.line,
                        RefusalCode::NationalCodeTaken,
                        "national_code",
                        "an officer registered in the new system has this national code",
                        "مسئول فنی‌ای با این کد ملی در سامانهٔ جدید ثبت‌نام کرده است",
                    )),
                    Some(imported) => {
                        self.officers
                            .insert(o.national_code.clone(), state.officer_id);
                        self.update_officer(conn, &o, state, &new, &values_of(imported))
                            .await?
                    }
                },
                None if taken.contains_key(&o.user_code) => {
                    Outcome::Refused(user_code_taken(file, o.line))
                }
                None => {
                    let (user_id, officer_id) = (Uuid::new_v4(), Uuid::new_v4());
                    accounts.push(db::NewAccount {
                        id: user_id,
                        user_code: o.user_code.clone(),
                        password_hash: o.password.encode_stored(),
                        role: Role::Officer,
                        display_name: format!("{} {}", o.first_name, o.last_name),
                        distributor_id: None,
                    });
                    if o.qualified {
                        events.push(imported_event(&o, officer_id, None));
                    }
                    records.push(db::NewLegacyOfficer {
                        officer_id,
                        national_code: o.national_code.clone(),
                        user_id,
                        imported: json_of(&new),
                    });
                    self.officers.insert(o.national_code.clone(), officer_id);
                    officers.push(Officer {
                        id: officer_id,
                        user_id,
                        national_code: o.national_code,
                        birth_date: o.birth_date,
                        first_name: o.first_name,
                        last_name: o.last_name,
                        father_name: o.father_name,
                        gender: o.gender,
                        birth_certificate_number: None,
                        phone: o.phone,
                        mobile: o.mobile,
                        email: o.email,
                        postal_address: o.postal_address,
                        province_id: places.province_id,
                        city_id: places.city_id,
                        field_of_study_id: places.field_of_study_id,
                        degree_level: o.degree_level,
                        qualification_status: if o.qualified {
                            QualificationStatus::Qualified
                        } else {
                            QualificationStatus::NotQualified
                        },
                        qualified_at: if o.qualified {
                            Some(o.qualified_at.unwrap_or(now))
                        } else {
                            None
                        },
                        created_at: now,
                        updated_at: now,
                    });
                    Outcome::Created
                }
            };
            self.record(file, outcome);
        }
        db::insert_accounts(conn, &accounts).await?;
        db::insert_officers(conn, &officers).await?;
        db::insert_officer_records(conn, &records).await?;
        db::insert_events(conn, &events).await?;
        Ok(())
    }

    /// Compares an officer imported before with its row in this export, and writes what
    /// changed.
    async fn update_officer(
        &mut self,
        conn: &mut AsyncPgConnection,
        o: &LegacyOfficer,
        state: &db::OfficerState,
        new: &Values,
        imported: &Values,
    ) -> Result<Outcome, ImportError> {
        let current = values_of(&state.current);
        let diff = Diff::of(new, imported, &current, |field, value| match field {
            // Identity never changes; a qualification is never taken away.
            "user_code" | "birth_date" => false,
            "qualified" => value == Some("1"),
            _ => true,
        });
        if !diff.update.is_empty() {
            let fields: Vec<String> = diff
                .update
                .iter()
                .filter(|f| *f != "password")
                .cloned()
                .collect();
            if !fields.is_empty() {
                db::update_officer(conn, state.officer_id, &fields, &json_of(new)).await?;
            }
            if diff.update.iter().any(|f| f == "password") {
                db::set_password_hash(conn, state.user_id, &o.password.encode_stored()).await?;
            }
            if diff.update.iter().any(|f| f == "qualified") {
                db::insert_events(
                    conn,
                    &[imported_event(
                        o,
                        state.officer_id,
                        Some(QualificationStatus::NotQualified.as_str()),
                    )],
                )
                .await?;
            }
        }
        if !diff.update.is_empty() || !diff.same.is_empty() {
            db::refresh_officer_record(conn, state.officer_id, &diff.remembered(new)).await?;
        }
        Ok(diff.outcome(LegacyFile::Officers, o.line, &o.user_code))
    }

    /// Writes a batch of accepted distributor rows.
    async fn distributors_batch(
        &mut self,
        conn: &mut AsyncPgConnection,
        batch: Vec<(LegacyDistributor, BranchPlace)>,
    ) -> Result<(), ImportError> {
        let file = LegacyFile::Distributors;
        let legacy_ids: Vec<String> = batch.iter().map(|(d, _)| d.legacy_id.clone()).collect();
        let national_ids: Vec<String> = batch.iter().map(|(d, _)| d.national_id.clone()).collect();
        let user_codes: Vec<String> = batch.iter().map(|(d, _)| d.user_code.clone()).collect();
        let states = db::distributors_for_rows(conn, &legacy_ids, &national_ids).await?;
        let mut by_legacy = HashMap::new();
        let mut by_national_id = HashMap::new();
        for state in &states {
            if let Some(id) = &state.legacy_id {
                by_legacy.insert(id.clone(), state);
            }
            by_national_id.insert(state.national_id.clone(), state);
        }
        let taken: HashMap<String, Uuid> = db::users_by_codes(conn, &user_codes)
            .await?
            .into_iter()
            .collect();
        let now = Utc::now();
        let (mut distributors, mut branches, mut accounts, mut records) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (d, place) in batch {
            let new = distributor_values(&d, &place);
            let central = |distributor_id| Branch {
                id: Uuid::new_v4(),
                distributor_id,
                name: CENTRAL_BRANCH_NAME.to_owned(),
                is_central: true,
                province_id: place.province_id,
                city_id: place.city_id,
                address: d.address.clone(),
                created_at: now,
            };
            let outcome = if let Some(state) = by_legacy.get(&d.legacy_id) {
                let mut current = values_of(&state.current);
                let mut created_branch = false;
                let branch_id = match state.central_branch_id {
                    Some(id) => id,
                    None => {
                        let branch = central(state.distributor_id);
                        let id = branch.id;
                        branches.push(branch);
                        for k in ["province_id", "city_id", "address"] {
                            current.insert(k.to_owned(), new.get(k).cloned().flatten());
                        }
                        created_branch = true;
                        id
                    }
                };
                self.distributors
                    .insert(d.legacy_id.clone(), (state.distributor_id, branch_id));
                let imported =
                    values_of(state.imported.as_ref().unwrap_or(&serde_json::Value::Null));
                let diff = Diff::of(&new, &imported, &current, |field, _| {
                    !matches!(field, "user_code" | "national_id")
                });
                if !diff.update.is_empty() {
                    let fields: Vec<String> = diff
                        .update
                        .iter()
                        .filter(|f| *f != "password")
                        .cloned()
                        .collect();
                    if !fields.is_empty() {
                        db::update_distributor(conn, state.distributor_id, &fields, &json_of(&new))
                            .await?;
                    }
                    if let Some(user_id) = state.user_id
                        && diff.update.iter().any(|f| f == "password")
                    {
                        db::set_password_hash(conn, user_id, &d.password.encode_stored()).await?;
                    }
                }
                if !diff.update.is_empty() || !diff.same.is_empty() {
                    db::refresh_distributor_record(conn, &d.legacy_id, &diff.remembered(&new))
                        .await?;
                }
                match diff.outcome(file, d.line, &d.legacy_id) {
                    Outcome::Unchanged if created_branch => Outcome::Updated,
                    other => other,
                }
            } else if taken.contains_key(&d.user_code) {
                Outcome::Refused(user_code_taken(file, d.line))
            } else if let Some(state) = by_national_id.get(&d.national_id) {
                if state.legacy_id.is_some() {
                    Outcome::Refused(refuse(
                        file,
                        d.line,
                        RefusalCode::DuplicateNationalId,
                        "national_id",
                        "a distributor imported under another legacy id has this national ID",
                        "توزیع‌کننده‌ای با این شناسهٔ ملی با شناسهٔ قدیمی دیگری وارد شده است",
                    ))
                } else {
                    // Registered in the new system: it gets its account and, when it has
                    // none, its central branch; its own data stays as it is.
                    let branch_id = match state.central_branch_id {
                        Some(id) => id,
                        None => {
                            let branch = central(state.distributor_id);
                            let id = branch.id;
                            branches.push(branch);
                            id
                        }
                    };
                    let user_id = Uuid::new_v4();
                    accounts.push(db::NewAccount {
                        id: user_id,
                        user_code: d.user_code.clone(),
                        password_hash: d.password.encode_stored(),
                        role: Role::Distributor,
                        display_name: d.name.clone(),
                        distributor_id: Some(state.distributor_id),
                    });
                    records.push(db::NewLegacyDistributor {
                        legacy_id: d.legacy_id.clone(),
                        distributor_id: state.distributor_id,
                        user_id,
                        imported: json_of(&new),
                    });
                    self.distributors
                        .insert(d.legacy_id.clone(), (state.distributor_id, branch_id));
                    Outcome::Updated
                }
            } else {
                let (distributor_id, user_id) = (Uuid::new_v4(), Uuid::new_v4());
                let branch = central(distributor_id);
                self.distributors
                    .insert(d.legacy_id.clone(), (distributor_id, branch.id));
                branches.push(branch);
                accounts.push(db::NewAccount {
                    id: user_id,
                    user_code: d.user_code.clone(),
                    password_hash: d.password.encode_stored(),
                    role: Role::Distributor,
                    display_name: d.name.clone(),
                    distributor_id: Some(distributor_id),
                });
                records.push(db::NewLegacyDistributor {
                    legacy_id: d.legacy_id.clone(),
                    distributor_id,
                    user_id,
                    imported: json_of(&new),
                });
                distributors.push(Distributor {
                    id: distributor_id,
                    name: d.name,
                    kind: d.kind,
                    national_id: d.national_id,
                    manager_mobile: d.manager_mobile,
                    created_at: now,
                });
                Outcome::Created
            };
            self.record(file, outcome);
        }
        db::insert_distributors(conn, &distributors).await?;
        db::insert_branches(conn, &branches).await?;
        db::insert_accounts(conn, &accounts).await?;
        db::insert_distributor_records(conn, &records).await?;
        Ok(())
    }

    /// Writes a batch of accepted assignment rows.
    async fn assignments_batch(
        &mut self,
        conn: &mut AsyncPgConnection,
        batch: Vec<LegacyAssignment>,
    ) -> Result<(), ImportError> {
        let file = LegacyFile::Assignments;
        let mut rows = Vec::with_capacity(batch.len());
        for a in batch {
            let officer = self.officers.get(&a.officer_national_code).copied();
            let distributor = self.distributors.get(&a.distributor_legacy_id).copied();
            match (officer, distributor) {
                (None, _) => self.record(
                    file,
                    Outcome::Refused(refuse(
                        file,
                        a.line,
                        RefusalCode::UnknownOfficer,
                        "officer_national_code",
                        "the officer's row was not imported",
                        "سطر این مسئول فنی وارد نشده است",
                    )),
                ),
                (_, None) => self.record(
                    file,
                    Outcome::Refused(refuse(
                        file,
                        a.line,
                        RefusalCode::UnknownDistributor,
                        "distributor_legacy_id",
                        "the distributor's row was not imported",
                        "سطر این توزیع‌کننده وارد نشده است",
                    )),
                ),
                (Some(officer_id), Some((distributor_id, branch_id))) => {
                    rows.push((a, officer_id, distributor_id, branch_id));
                }
            }
        }
        let officer_ids: Vec<Uuid> = rows.iter().map(|r| r.1).collect();
        let branch_ids: Vec<Uuid> = rows.iter().map(|r| r.3).collect();
        let before: HashMap<Uuid, db::AssignmentState> = db::assignments_of(conn, &officer_ids)
            .await?
            .into_iter()
            .map(|s| (s.officer_id, s))
            .collect();
        let mut active = db::active_contracts_of_officers(conn, &officer_ids).await?;
        let mut taken: HashSet<Uuid> = db::taken_branches(conn, &branch_ids)
            .await?
            .into_iter()
            .collect();
        let now = Utc::now();
        let (mut contracts, mut events, mut records) = (Vec::new(), Vec::new(), Vec::new());
        for (a, officer_id, distributor_id, branch_id) in rows {
            let outcome = if let Some(was) = before.get(&officer_id) {
                let mut fields = Vec::new();
                if was.distributor_id != distributor_id {
                    fields.push("distributor_legacy_id".to_owned());
                }
                if was.started_at != a.started_at {
                    fields.push("started_at_jalali".to_owned());
                }
                if fields.is_empty() && !was.active {
                    // Ended in the registry since the import: not started again.
                    fields.push("contract ended".to_owned());
                }
                if fields.is_empty() {
                    Outcome::Unchanged
                } else {
                    Outcome::Conflict(Conflict {
                        file,
                        line: a.line,
                        key: a.officer_national_code.clone(),
                        fields,
                    })
                }
            } else if active.get(&officer_id).copied().unwrap_or(0)
                >= self.options.max_active_contracts
            {
                Outcome::Refused(refuse(
                    file,
                    a.line,
                    RefusalCode::OneUnitRule,
                    "officer_national_code",
                    "the officer already works for another unit (one-unit rule)",
                    "این مسئول فنی هم‌اکنون مسئول فنی واحد دیگری است",
                ))
            } else if taken.contains(&branch_id) {
                Outcome::Refused(refuse(
                    file,
                    a.line,
                    RefusalCode::BranchTaken,
                    "distributor_legacy_id",
                    "the distributor's central branch has an active technical officer",
                    "شعبهٔ مرکزی این توزیع‌کننده مسئول فنی فعال دارد",
                ))
            } else {
                let contract = Contract {
                    id: Uuid::new_v4(),
                    officer_id,
                    branch_id,
                    distributor_id,
                    cooperation_request_id: None,
                    university_id: None,
                    status: ContractStatus::Active,
                    started_at: a.started_at,
                    ended_at: None,
                    end_reason: None,
                    ended_by: None,
                    created_at: now,
                };
                let mut event = NewEvent::new(
                    None,
                    Entity::Contract,
                    contract.id,
                    ContractAction::Start.as_str(),
                )
                .with_data(serde_json::json!({
                    "source": "legacy",
                    "line": a.line,
                    "startedAt": a.started_at,
                }));
                event.to_status = Some(ContractStatus::Active.as_str().to_owned());
                event.officer_id = Some(officer_id);
                event.distributor_id = Some(distributor_id);
                events.push(event);
                records.push(db::NewLegacyAssignment {
                    officer_id,
                    distributor_id,
                    contract_id: contract.id,
                    started_at: a.started_at,
                });
                contracts.push(contract);
                *active.entry(officer_id).or_default() += 1;
                taken.insert(branch_id);
                Outcome::Created
            };
            self.record(file, outcome);
        }
        db::insert_contracts(conn, &contracts).await?;
        db::insert_assignment_records(conn, &records).await?;
        db::insert_events(conn, &events).await?;
        Ok(())
    }
}

//! The pure half of `officer-registry import-legacy DIR [--dry-run]` (DESIGN §3.1, §3.2):
//! everything that needs no database.
//!
//! - [`reader`]: streams one CSV file of the export, record by record, with physical lines;
//! - [`rows`]: typed, normalised rows, the row-level [`Refusal`]s and the checks between rows;
//! - [`dates`]: Jalali dates and times (Asia/Tehran) to chrono values;
//! - [`names`]: province, city and field-of-study names matched against reference data;
//! - [`passwords`]: the old ASP.NET hashes, and how `users.password_hash` keeps them until
//!   the first login upgrades them to argon2id;
//! - [`generate`]: realistic exports of any size, for tests and benchmarks.
//!
//! [`ExportValidator`] strings the checks together for the caller that writes the rows:
//!
//! ```no_run
//! # use officer_registry::legacy::{ExportValidator, LegacyFile, LegacyReader, ReferenceData};
//! # fn run(dir: &std::path::Path, reference: ReferenceData) -> Result<(), Box<dyn std::error::Error>> {
//! let mut validator = ExportValidator::new(reference, chrono::Utc::now().date_naive());
//! for item in LegacyReader::open(dir, LegacyFile::Officers)? {
//!     match item?.and_then(|record| validator.officer(&record)) {
//!         Ok((officer, places)) => { /* write it */ }
//!         Err(refusal) => eprintln!("{}", refusal.describe()),
//!     }
//! }
//! // ... then distributors.csv with `validator.distributor`, assignments.csv with
//! // `validator.assignment`.
//! # Ok(()) }
//! ```

pub mod dates;
pub mod files;
pub mod generate;
pub mod names;
pub mod passwords;
pub mod places;
pub mod reader;
pub mod rows;

use chrono::NaiveDate;

pub use files::{LegacyFile, Refusal, RefusalCode};
pub use places::{BranchPlace, OfficerPlaces, ReferenceData};
pub use reader::{FatalError, LegacyReader, RawRecord};
pub use rows::{LegacyAssignment, LegacyDistributor, LegacyOfficer};

/// Every row-level check of an export, in order: parsing and normalisation, reference names,
/// then the checks against earlier rows ([`rows::CrossChecks`]). Feed it the records of
/// `officers.csv`, then `distributors.csv`, then `assignments.csv`, each in file order.
#[derive(Debug)]
pub struct ExportValidator {
    /// Provinces, cities and fields of study.
    reference: ReferenceData,
    /// The day birth dates are checked against.
    today: NaiveDate,
    /// Keys of the rows accepted so far.
    checks: rows::CrossChecks,
}

impl ExportValidator {
    /// A validator for one run; `today` bounds birth dates (18 to 100 years old).
    pub fn new(reference: ReferenceData, today: NaiveDate) -> Self {
        Self {
            reference,
            today,
            checks: rows::CrossChecks::new(),
        }
    }

    /// Checks a record of `officers.csv`.
    pub fn officer(&mut self, rec: &RawRecord) -> Result<(LegacyOfficer, OfficerPlaces), Refusal> {
        let officer = rows::parse_officer(rec, self.today)?;
        let places = self.reference.resolve_officer(&officer)?;
        self.checks.check_officer(&officer)?;
        Ok((officer, places))
    }

    /// Checks a record of `distributors.csv`.
    pub fn distributor(
        &mut self,
        rec: &RawRecord,
    ) -> Result<(LegacyDistributor, BranchPlace), Refusal> {
        let distributor = rows::parse_distributor(rec)?;
        let place = self.reference.resolve_distributor(&distributor)?;
        self.checks.check_distributor(&distributor)?;
        Ok((distributor, place))
    }

    /// Checks a record of `assignments.csv`.
    pub fn assignment(&mut self, rec: &RawRecord) -> Result<LegacyAssignment, Refusal> {
        let assignment = rows::parse_assignment(rec)?;
        self.checks.check_assignment(&assignment)?;
        Ok(assignment)
    }
}

#[cfg(test)]
mod test_support;

#[cfg(test)]
mod tests;

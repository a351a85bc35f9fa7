//! The pure half of `officer-registry import-legacy DIR [--dry-run]` (DESIGN §3.1, §3.2):
//! everything that needs no database.
//!
//! - [`reader`]: streams one CSV file of the export, record by record, with physical lines;
//! - [`rows`]: typed, normalised rows, the row-level [`Refusal`]s and the checks between rows;
//! - [`dates`]: Jalali dates and times (Asia/Tehran) to chrono values;
//! - [`names`]: province, city and field-of-study names matched against reference data;
//! - [`passwords`]: the old ASP.NET hashes, and how `users.password_hash` keeps them until
//!   the first login upgrades them to argon2id.

pub mod dates;
pub mod names;
pub mod passwords;
pub mod reader;
pub mod rows;

pub use names::{BranchPlace, OfficerPlaces, ReferenceData};
pub use reader::{FatalError, LegacyFile, LegacyReader, RawRecord};
pub use rows::{LegacyAssignment, LegacyDistributor, LegacyOfficer, Refusal, RefusalCode};

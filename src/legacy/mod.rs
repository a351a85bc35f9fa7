//! The pure half of `officer-registry import-legacy DIR [--dry-run]` (DESIGN §3.1, §3.2):
//! everything that needs no database.
//!
//! - [`dates`]: Jalali dates and times (Asia/Tehran) to chrono values;
//! - [`passwords`]: the old ASP.NET hashes, and how `users.password_hash` keeps them until
//!   the first login upgrades them to argon2id.

pub mod dates;
pub mod passwords;

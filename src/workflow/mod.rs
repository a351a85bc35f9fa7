//! Workflows: each operation that changes state, as one transaction over the store that
//! applies the domain's rules (transition table, completeness, eligibility, routing) and
//! writes the event rows with the change.

pub mod accounts;
pub mod admin;
pub mod cooperation;
pub mod distributors;
pub mod documents;
pub mod legacy_import;
pub mod messages;
pub mod officers;
pub mod payments;
pub mod qualification;
pub mod sms;
pub mod statistics;
pub mod terminations;
pub mod verification;

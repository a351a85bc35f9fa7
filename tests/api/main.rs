//! API tests: through GraphQL over HTTP, against a real PostgreSQL, as each role.

mod harness;

mod accounts;
mod admin;
mod limits;
mod operations;
mod reference;

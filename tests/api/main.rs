//! API tests: through GraphQL over HTTP, against a real PostgreSQL, as each role.
#![expect(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions fail loudly on purpose"
)]

mod harness;

mod accounts;
mod admin;
mod callers;
mod cooperation;
mod drain;
mod faults;
mod fuzz;
mod legacy;
mod limits;
mod matrix;
mod messages;
mod officers;
mod operations;
mod payments;
mod playground;
mod qualification;
mod reference;
mod replica;
mod security;
mod shared_feed;
mod sockets;
mod statements;
mod statistics;
mod storage_s3;
mod subscriptions;
mod terminations;
mod typed_columns;

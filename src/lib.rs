//! GraphQL API server of the national registry of medical-equipment technical officers
//! (مسئول فنی). See `README.md` for how to run it and `../shared/DESIGN.md` for the product.
//!
//! Layers, top to bottom:
//! - [`http`] and [`graphql`]: adapters (routes, schema, guards, loaders, limits);
//! - [`domain`]: rules, validation and state machines, with no I/O;
//! - [`store`]: diesel models, queries and transactions on PostgreSQL;
//! - [`legacy`]: reading and checking the old system's export (`import-legacy`), no I/O but files.

pub mod app;
pub mod auth;
pub mod callers;
pub mod cartable;
pub mod config;
pub mod demo;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod http;
pub mod integrations;
pub mod jobs;
pub mod legacy;
pub(crate) mod policy;
pub mod replica;
pub mod statistics;
pub mod store;
pub(crate) mod workflow;

pub use workflow::legacy_import;

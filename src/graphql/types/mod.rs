//! The GraphQL object types, one per file. The root fields (queries, mutations,
//! subscriptions) are in the modules of `graphql/`, one per domain.

pub mod cartable_event;
pub mod cooperation;
pub mod distributor;
pub mod document;
pub mod event;
pub mod message;
pub mod officer;
pub mod payment;
pub mod reference;
pub mod request;
pub mod sms;
pub mod statistics;
pub mod termination;
pub mod user_account;
pub mod verification;

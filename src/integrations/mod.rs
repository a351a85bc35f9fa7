//! Integrations with the outside world, each behind an interface of its own.

pub(crate) mod gateway;
pub mod kavenegar;
pub mod kavenegar_sim;
pub mod sms;
pub mod storage;
pub(crate) mod zarinpal;
pub(crate) mod zarinpal_sim;

//! Integrations with the outside world, each behind an interface of its own.

pub(crate) mod gateway;
pub(crate) mod kavenegar;
pub(crate) mod kavenegar_sim;
pub(crate) mod sms;
pub mod storage;
pub(crate) mod zarinpal;
pub(crate) mod zarinpal_sim;

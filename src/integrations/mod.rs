//! Integrations with the outside world, each behind an interface of its own.

pub mod kavenegar;
pub mod kavenegar_sim;
pub mod sms;
pub mod storage;
pub mod zarinpal;
pub mod zarinpal_sim;

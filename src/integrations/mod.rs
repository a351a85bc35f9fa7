//! Integrations with the outside world, each behind an interface of its own.

pub mod storage;

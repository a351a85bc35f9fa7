//! The dashboards' figures (DESIGN §3.1): whose a caller may read, and computing them.

use chrono::{Duration, Utc};
use diesel_async::AsyncPgConnection;

use crate::domain::Caller;
use crate::domain::statistics::{Statistics, StatsScope};
use crate::error::{AppError, AppResult};
use crate::policy::{self, Object, Scope};
use crate::store::statistics;

/// The figures `caller` may read: an admin the registry's, a reviewer its university's;
/// `FORBIDDEN` for everyone else.
pub fn scope_of(caller: &Caller) -> AppResult<StatsScope> {
    match policy::scope(caller, Object::Statistics) {
        Scope::All => Ok(StatsScope::Registry),
        Scope::University(u) => Ok(StatsScope::University(u)),
        Scope::Officer(_) | Scope::Distributor(_) | Scope::Nothing => Err(AppError::forbidden()),
    }
}

/// The figures of `scope` now; a file is overdue after `overdue_after_days`.
pub async fn figures(
    conn: &mut AsyncPgConnection,
    scope: StatsScope,
    overdue_after_days: i64,
) -> AppResult<Statistics> {
    statistics::compute(conn, scope, Utc::now(), Duration::days(overdue_after_days)).await
}

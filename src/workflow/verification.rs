//! Public verification of an officer (DESIGN §3.1, §4): a distributor's customer or an
//! inspector checks a national code. Only the qualification status, the masked name and the
//! distributors of the officer's active contracts; nothing unless the officer is QUALIFIED,
//! so unknown, invalid and unqualified codes look the same. Throttled per client address.

use chrono::Utc;
use diesel_async::AsyncPgConnection;

use crate::domain::cooperation::masked_name;
use crate::domain::normalize;
use crate::domain::officer::QualificationStatus;
use crate::error::{AppError, AppResult};
use crate::store::{cooperation, officers, throttle};

/// What the public learns of a qualified officer.
#[derive(Debug, Clone)]
pub struct Verification {
    /// QUALIFIED.
    pub qualification_status: QualificationStatus,
    /// The first letter of each name, the rest `*`.
    pub masked_name: String,
    /// "Distributor name – branch name" of each active contract.
    pub active_branches: Vec<String>,
}

/// Counts a verification by a client at `addr`: at most `max_per_minute` a minute per
/// address (`RATE_LIMITED` beyond, counted before anything is looked up). A write: on the
/// primary.
pub async fn throttle(
    conn: &mut AsyncPgConnection,
    addr: &str,
    max_per_minute: i32,
) -> AppResult<()> {
    let key = format!("verify:{addr}");
    let (count, resets_in) = throttle::hit(conn, &key, 60, Utc::now()).await?;
    if count > max_per_minute {
        return Err(AppError::rate_limited(resets_in));
    }
    Ok(())
}

/// Verifies a national code (after [`throttle`]); a read the replica may serve.
pub async fn verify(
    conn: &mut AsyncPgConnection,
    national_code: &str,
) -> AppResult<Option<Verification>> {
    let Ok(code) = normalize::national_code("nationalCode", national_code) else {
        return Ok(None);
    };
    let Some(officer) = officers::by_national_code(conn, &code).await? else {
        return Ok(None);
    };
    if !officer.is_qualified() {
        return Ok(None);
    }
    Ok(Some(Verification {
        qualification_status: officer.qualification_status,
        masked_name: masked_name(&officer.first_name, &officer.last_name),
        active_branches: cooperation::active_branch_names(conn, officer.id).await?,
    }))
}

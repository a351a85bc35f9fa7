//! Distributors (companies and guilds) and their branches.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{branches, distributors};
use crate::domain::DistributorKind;
use crate::error::{AppError, AppResult};

/// A distributor.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = distributors)]
pub struct Distributor {
    pub id: Uuid,
    pub name: String,
    pub kind: DistributorKind,
    pub national_id: String,
    pub manager_mobile: String,
    pub created_at: DateTime<Utc>,
}

/// A branch of a distributor.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = branches)]
pub struct Branch {
    pub id: Uuid,
    pub distributor_id: Uuid,
    pub name: String,
    pub is_central: bool,
    pub province_id: i32,
    pub city_id: i32,
    pub address: String,
    pub created_at: DateTime<Utc>,
}

/// Inserts a distributor; a national ID already registered is a `CONFLICT`.
pub async fn insert(conn: &mut AsyncPgConnection, d: &Distributor) -> AppResult<()> {
    diesel::insert_into(distributors::table)
        .values(d)
        .execute(conn)
        .await
        .map_err(|e| {
            if super::is_unique_violation(&e) {
                AppError::conflict(
                    "a distributor with this national ID is registered already",
                    "توزیع‌کننده‌ای با این شناسه ملی قبلاً ثبت شده است",
                )
            } else {
                e.into()
            }
        })?;
    Ok(())
}

/// Inserts a branch.
pub async fn insert_branch(conn: &mut AsyncPgConnection, b: &Branch) -> AppResult<()> {
    diesel::insert_into(branches::table)
        .values(b)
        .execute(conn)
        .await?;
    Ok(())
}

/// Distributors by id.
pub async fn by_ids(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> AppResult<Vec<Distributor>> {
    Ok(distributors::table
        .filter(distributors::id.eq_any(ids))
        .select(Distributor::as_select())
        .load(conn)
        .await?)
}

/// The branches of some distributors, central first, then oldest first.
pub async fn branches_of(
    conn: &mut AsyncPgConnection,
    distributor_ids: &[Uuid],
) -> AppResult<Vec<Branch>> {
    Ok(branches::table
        .filter(branches::distributor_id.eq_any(distributor_ids))
        .order((
            branches::is_central.desc(),
            branches::created_at,
            branches::id,
        ))
        .select(Branch::as_select())
        .load(conn)
        .await?)
}

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

/// One branch.
pub async fn branch(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<Branch>> {
    Ok(branches::table
        .find(id)
        .select(Branch::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Locks a branch for the rest of the transaction.
pub async fn lock_branch(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<Branch>> {
    Ok(branches::table
        .find(id)
        .select(Branch::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?)
}

/// Branches by id.
pub async fn branches_by_ids(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> AppResult<Vec<Branch>> {
    Ok(branches::table
        .filter(branches::id.eq_any(ids))
        .select(Branch::as_select())
        .load(conn)
        .await?)
}

/// Every branch (admins), by distributor, central first.
pub async fn all_branches(conn: &mut AsyncPgConnection) -> AppResult<Vec<Branch>> {
    Ok(branches::table
        .order((
            branches::distributor_id,
            branches::is_central.desc(),
            branches::created_at,
            branches::id,
        ))
        .select(Branch::as_select())
        .load(conn)
        .await?)
}

/// Whether a distributor has a central branch.
pub async fn has_central(conn: &mut AsyncPgConnection, distributor_id: Uuid) -> AppResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        branches::table
            .filter(branches::distributor_id.eq(distributor_id))
            .filter(branches::is_central.eq(true)),
    ))
    .get_result(conn)
    .await?)
}

/// Locks a distributor row (serialises the creation of its branches).
pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<Distributor>> {
    Ok(distributors::table
        .find(id)
        .select(Distributor::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?)
}

/// Inserts a branch with its event; a second central branch is a `CONFLICT`.
pub async fn create_branch(
    conn: &mut AsyncPgConnection,
    b: &Branch,
    actor: &crate::domain::Actor,
) -> AppResult<()> {
    diesel::insert_into(branches::table)
        .values(b)
        .execute(conn)
        .await
        .map_err(|e| {
            if super::is_unique_violation(&e) {
                AppError::conflict(
                    "the distributor has a central branch already",
                    "این توزیع‌کننده شعبه مرکزی دارد؛ هر توزیع‌کننده فقط یک شعبه مرکزی دارد",
                )
            } else {
                e.into()
            }
        })?;
    let mut event = super::events::NewEvent::new(
        actor.logged(),
        crate::domain::Entity::Branch,
        b.id,
        "CREATE",
    )
    .with_data(serde_json::json!({ "name": b.name, "isCentral": b.is_central }));
    event.distributor_id = Some(b.distributor_id);
    super::events::append(conn, event).await?;
    Ok(())
}

//! User accounts.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::users;
use crate::domain::Role;
use crate::error::{AppError, AppResult};

/// A user account as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: Uuid,
    pub user_code: String,
    pub password_hash: String,
    pub role: Role,
    pub display_name: String,
    pub university_id: Option<i32>,
    pub distributor_id: Option<Uuid>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

/// A user to insert.
#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub id: Uuid,
    pub user_code: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub display_name: &'a str,
    pub university_id: Option<i32>,
    pub distributor_id: Option<Uuid>,
}

/// Finds an active or inactive user by user code.
pub async fn find_by_code(conn: &mut AsyncPgConnection, code: &str) -> AppResult<Option<User>> {
    Ok(users::table
        .filter(users::user_code.eq(code))
        .select(User::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Inserts a user; a taken user code is a `CONFLICT`.
pub async fn insert(conn: &mut AsyncPgConnection, new: &NewUser<'_>) -> AppResult<User> {
    diesel::insert_into(users::table)
        .values(new)
        .returning(User::as_returning())
        .get_result(conn)
        .await
        .map_err(|e| {
            if super::is_unique_violation(&e) {
                AppError::conflict("this user code is taken", "این کد کاربری قبلاً ثبت شده است")
            } else {
                e.into()
            }
        })
}

/// Users by id.
pub async fn by_ids(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> AppResult<Vec<User>> {
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .select(User::as_select())
        .load(conn)
        .await?)
}

/// Sets whether an account may sign in; the account as it is now, `None` when the user code
/// is unknown.
pub async fn set_active(
    conn: &mut AsyncPgConnection,
    code: &str,
    active: bool,
) -> AppResult<Option<User>> {
    Ok(
        diesel::update(users::table.filter(users::user_code.eq(code)))
            .set(users::active.eq(active))
            .returning(User::as_returning())
            .get_result(conn)
            .await
            .optional()?,
    )
}

/// Replaces an account's password hash if it is still `old` (a legacy hash upgraded at the
/// first sign-in; a concurrent upgrade or change wins). Whether it was replaced.
pub async fn replace_password_hash(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    old: &str,
    new: &str,
) -> AppResult<bool> {
    let n = diesel::update(
        users::table
            .filter(users::id.eq(id))
            .filter(users::password_hash.eq(old)),
    )
    .set(users::password_hash.eq(new))
    .execute(conn)
    .await?;
    Ok(n == 1)
}

//! Refresh-token sessions: creation, rotation with reuse detection, revocation.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{sessions, users};
use super::users::User;
use crate::error::{AppError, AppResult};

/// A refresh token row to insert.
#[derive(Debug, Insertable)]
#[diesel(table_name = sessions)]
pub struct NewSession {
    pub id: Uuid,
    pub family_id: Uuid,
    pub user_id: Uuid,
    pub token_hash: Vec<u8>,
    pub expires_at: DateTime<Utc>,
    pub client_addr: Option<String>,
}

/// Stores a refresh token.
pub async fn insert(conn: &mut AsyncPgConnection, new: &NewSession) -> AppResult<()> {
    diesel::insert_into(sessions::table)
        .values(new)
        .execute(conn)
        .await?;
    Ok(())
}

/// What presenting a refresh token led to.
#[derive(Debug)]
pub enum Rotation {
    /// The token was valid: it is now spent and the new one is stored in the same family.
    Rotated {
        /// The session's user.
        user: User,
        /// The family, for the new access token.
        family: Uuid,
    },
    /// The token had been spent before: the whole family is now revoked.
    Reused,
    /// Unknown, expired or revoked token, or an inactive user.
    Refused,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = sessions)]
struct SessionRow {
    id: Uuid,
    family_id: Uuid,
    expires_at: DateTime<Utc>,
    spent_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

/// Spends `old_hash` and stores `new` in its family, in one transaction that locks the row,
/// so two concurrent uses of one token cannot both succeed.
pub async fn rotate(
    conn: &mut AsyncPgConnection,
    old_hash: &[u8],
    mut new: NewSession,
    now: DateTime<Utc>,
) -> AppResult<Rotation> {
    let old_hash = old_hash.to_vec();
    conn.transaction::<_, AppError, _>(async move |conn| {
        let row: Option<(SessionRow, User)> = sessions::table
            .inner_join(users::table)
            .filter(sessions::token_hash.eq(&old_hash))
            .select((SessionRow::as_select(), User::as_select()))
            .for_update()
            .first(conn)
            .await
            .optional()?;
        let Some((session, user)) = row else {
            return Ok(Rotation::Refused);
        };
        if session.revoked_at.is_some() || session.expires_at <= now || !user.active {
            return Ok(Rotation::Refused);
        }
        if session.spent_at.is_some() {
            revoke_family_in(conn, session.family_id, now).await?;
            tracing::warn!(family = %session.family_id, user = %user.id,
                "a spent refresh token was presented again: session family revoked");
            return Ok(Rotation::Reused);
        }
        diesel::update(sessions::table.find(session.id))
            .set(sessions::spent_at.eq(now))
            .execute(conn)
            .await?;
        new.family_id = session.family_id;
        new.user_id = user.id;
        insert(conn, &new).await?;
        Ok(Rotation::Rotated {
            user,
            family: session.family_id,
        })
    })
    .await
}

async fn revoke_family_in(
    conn: &mut AsyncPgConnection,
    family: Uuid,
    now: DateTime<Utc>,
) -> AppResult<usize> {
    Ok(diesel::update(
        sessions::table
            .filter(sessions::family_id.eq(family))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(now))
    .execute(conn)
    .await?)
}

/// Revokes the family of a refresh token (logout). Returns whether the token was known and
/// its session still open.
pub async fn revoke_by_token(
    conn: &mut AsyncPgConnection,
    token_hash: &[u8],
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let family: Option<Uuid> = sessions::table
        .filter(sessions::token_hash.eq(token_hash))
        .filter(sessions::revoked_at.is_null())
        .select(sessions::family_id)
        .first(conn)
        .await
        .optional()?;
    match family {
        Some(f) => Ok(revoke_family_in(conn, f, now).await? > 0),
        None => Ok(false),
    }
}

/// Revokes every open session family of a user (an account disabled); returns how many
/// refresh tokens were revoked.
pub async fn revoke_user(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    now: DateTime<Utc>,
) -> AppResult<usize> {
    Ok(diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(now))
    .execute(conn)
    .await?)
}

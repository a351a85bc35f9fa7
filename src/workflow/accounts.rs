//! The caller of a request: who holds the token, as the database says now.

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::domain::{Caller, Role};
use crate::error::{AppError, AppResult};
use crate::store::officers::{self, Officer};
use crate::store::users::User;

/// A signed-in caller with the rows it was read from (kept for the request, so that `me`
/// and `me.officer` need no second read).
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The caller.
    pub caller: Caller,
    /// Its account.
    pub user: User,
    /// Its officer profile, for an officer's account.
    pub officer: Option<Officer>,
}

/// Reads the account of `user_id` (from a verified token of `session`): its role, state and
/// links come from the database, so a disabled account is refused at once.
pub async fn signed_in(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    session: Uuid,
) -> AppResult<SignedIn> {
    let (user, officer) = officers::user_with_officer(conn, user_id)
        .await?
        .filter(|(u, _)| u.active)
        .ok_or_else(|| AppError::unauthenticated("the account no longer exists or is disabled"))?;
    let officer = officer.filter(|_| user.role == Role::Officer);
    let caller = Caller {
        user_id: user.id,
        role: user.role,
        session,
        officer_id: officer.as_ref().map(|o| o.id),
        university_id: user.university_id,
        distributor_id: user.distributor_id,
    };
    Ok(SignedIn {
        caller,
        user,
        officer,
    })
}

//! Who is acting: the authenticated caller of a request, or the system itself.

use uuid::Uuid;

use super::Role;

/// The authenticated caller, as read from the database for this request (role, account state
/// and links are the database's, not the token's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Caller {
    /// The user account.
    pub user_id: Uuid,
    /// Its role.
    pub role: Role,
    /// The session family the access token belongs to.
    pub session: Uuid,
    /// For an officer's account: the officer.
    pub officer_id: Option<Uuid>,
    /// For a reviewer: the university.
    pub university_id: Option<i32>,
    /// For a distributor's account: the distributor.
    pub distributor_id: Option<Uuid>,
    /// For an officer: the province of residence (messages go to the officers of provinces).
    pub province_id: Option<i32>,
}

/// Who a change is written by: a caller, or the system (background jobs, payment
/// verification), which the event log records without an actor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in user.
    User(Caller),
    /// The server itself.
    System,
}

impl Actor {
    /// The user and role recorded in the event log; `None` for the system.
    pub fn logged(&self) -> Option<(Uuid, Role)> {
        match self {
            Self::User(c) => Some((c.user_id, c.role)),
            Self::System => None,
        }
    }
}

impl From<Caller> for Actor {
    fn from(c: Caller) -> Self {
        Self::User(c)
    }
}

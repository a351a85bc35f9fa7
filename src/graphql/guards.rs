//! Role guards: `UNAUTHENTICATED` without a valid token, `FORBIDDEN` for a role that may
//! never perform the operation. Ownership is checked in the store queries.

use async_graphql::{Context, Guard, Result};

use super::context::current_user;
use crate::domain::Role;
use crate::error::AppError;

/// Admits the listed roles only.
pub struct RoleGuard(&'static [Role]);

impl RoleGuard {
    /// A guard admitting `roles`.
    pub fn new(roles: &'static [Role]) -> Self {
        Self(roles)
    }
}

impl Guard for RoleGuard {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        let user = current_user(ctx)?;
        if self.0.contains(&user.role) {
            Ok(())
        } else {
            Err(AppError::forbidden().into())
        }
    }
}

/// Admits any signed-in user.
pub struct SignedIn;

impl Guard for SignedIn {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        current_user(ctx)?;
        Ok(())
    }
}

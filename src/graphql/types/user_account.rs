//! A user account (the contract's `Viewer` type): the signed-in user for `me`, or another
//! account (a request's assigned reviewer, a created staff account).

use async_graphql::{Context, Object, Result};

use super::distributor::Distributor;
use super::officer::Officer;
use super::reference::University;
use crate::domain::Role;
use crate::graphql::context::signed_in;
use crate::graphql::loaders::{DistributorId, Loaders, OfficerOfUser, UniversityId};
use crate::policy::Access;
use crate::store::users;

/// A user account as the front ends show it; the second field says whether it is the
/// signed-in user itself (only then does `officer` show the officer's profile).
#[derive(Clone)]
pub struct UserAccount(pub users::User, pub bool);

#[Object(name = "Viewer")]
impl UserAccount {
    /// The code the user signs in with.
    async fn user_code(&self) -> &str {
        &self.0.user_code
    }
    /// The user's role.
    async fn role(&self) -> Role {
        self.0.role
    }
    /// Name to show.
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    /// Whether the account may sign in (an admin disables it with `setAccountActive`).
    async fn active(&self) -> bool {
        self.0.active
    }
    /// For a reviewer: the university the reviewer works for.
    async fn university(&self, ctx: &Context<'_>) -> Result<Option<University>> {
        let Some(id) = self.0.university_id else {
            return Ok(None);
        };
        let loaders = ctx.data_unchecked::<Loaders>();
        Ok(loaders.load_one(UniversityId(id)).await?.map(University))
    }
    /// For an officer's account: the officer.
    async fn officer(&self, ctx: &Context<'_>) -> Result<Option<Officer>> {
        // Only the officer itself sees its own profile through the viewer.
        if self.0.role != Role::Officer || !self.1 {
            return Ok(None);
        }
        // The signed-in caller's own officer was read with its account.
        if let Ok(me) = signed_in(ctx).await
            && me.user.id == self.0.id
        {
            return Ok(me.officer.clone().map(|row| Officer {
                row,
                visibility: Access::Full,
            }));
        }
        let row = ctx
            .data_unchecked::<Loaders>()
            .load_one(OfficerOfUser(self.0.id))
            .await?;
        Ok(row.map(|row| Officer {
            row,
            visibility: Access::Full,
        }))
    }
    /// The signed-in officer's unread messages; 0 for every other role and account.
    async fn unread_message_count(&self, ctx: &Context<'_>) -> Result<i32> {
        if !self.1 || self.0.role != Role::Officer {
            return Ok(0);
        }
        let Ok(me) = signed_in(ctx).await else {
            return Ok(0);
        };
        let Some(officer) = me.caller.officer_id.filter(|_| me.user.id == self.0.id) else {
            return Ok(0);
        };
        let mut conn = crate::store::conn(&crate::graphql::context::app(ctx).pool).await?;
        let n = crate::store::messages::unread_count(&mut conn, officer).await?;
        Ok(i32::try_from(n).unwrap_or(i32::MAX))
    }
    /// For a distributor's account: the distributor.
    async fn distributor(&self, ctx: &Context<'_>) -> Result<Option<Distributor>> {
        let Some(id) = self.0.distributor_id else {
            return Ok(None);
        };
        let loaders = ctx.data_unchecked::<Loaders>();
        Ok(loaders.load_one(DistributorId(id)).await?.map(Distributor))
    }
}

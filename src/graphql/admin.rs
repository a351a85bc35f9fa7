//! Directorate administration: staff accounts and distributors.

use async_graphql::{Context, ID, InputObject, Object, Result};

use super::context::{app, caller};
use super::reference::parse_ref_id;
use super::types::distributor::Distributor;
use super::types::reference::FieldOfStudy;
use super::types::user_account::UserAccount;
use crate::domain::qualification::RequestKind;
use crate::domain::{Actor, DistributorKind, Role};
use crate::error::{AppError, AppResult};
use crate::store;
use crate::workflow::admin::{self as wf, NewDistributor, NewStaff};

/// A staff account to create: a university reviewer or a directorate admin.
#[derive(InputObject)]
pub struct CreateStaffAccountInput {
    /// `UNIVERSITY_REVIEWER` or `DIRECTORATE_ADMIN` (officers register themselves; distributors
    /// are created with `createDistributor`).
    pub role: Role,
    /// The code the person signs in with.
    pub user_code: String,
    /// Initial password (at least 8 characters, letters and digits).
    pub password: String,
    /// Name to show.
    pub display_name: String,
    /// The reviewer's university; required for reviewers, refused for admins.
    pub university_id: Option<ID>,
}

/// A distributor to register, with its central branch and its account.
#[derive(InputObject)]
pub struct CreateDistributorInput {
    /// Registered name.
    pub name: String,
    /// Company or guild.
    pub kind: DistributorKind,
    /// National ID of the legal entity (11 digits, with check digit).
    pub national_id: String,
    /// Mobile of the management, for notices by SMS.
    pub manager_mobile: String,
    /// Province of the central branch.
    pub province_id: ID,
    /// City of the central branch (in that province).
    pub city_id: ID,
    /// Address of the central branch.
    pub address: String,
    /// User code of the distributor's account.
    pub user_code: String,
    /// Initial password of the account.
    pub password: String,
}

impl TryFrom<CreateStaffAccountInput> for NewStaff {
    type Error = AppError;
    fn try_from(i: CreateStaffAccountInput) -> AppResult<Self> {
        Ok(Self {
            role: i.role,
            user_code: i.user_code,
            password: i.password,
            display_name: i.display_name,
            university_id: i
                .university_id
                .map(|id| parse_ref_id("universityId", &id))
                .transpose()?,
        })
    }
}

impl TryFrom<CreateDistributorInput> for NewDistributor {
    type Error = AppError;
    fn try_from(i: CreateDistributorInput) -> AppResult<Self> {
        Ok(Self {
            name: i.name,
            kind: i.kind,
            national_id: i.national_id,
            manager_mobile: i.manager_mobile,
            province_id: parse_ref_id("provinceId", &i.province_id)?,
            city_id: parse_ref_id("cityId", &i.city_id)?,
            address: i.address,
            user_code: i.user_code,
            password: i.password,
        })
    }
}

/// Admin operations.
#[derive(Default)]
pub struct AdminMutation;

#[Object]
impl AdminMutation {
    /// Creates a reviewer or admin account. Admins only.
    async fn create_staff_account(
        &self,
        ctx: &Context<'_>,
        input: CreateStaffAccountInput,
    ) -> Result<UserAccount> {
        let actor = Actor::User(caller(ctx).await?);
        let input = NewStaff::try_from(input)?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        let user = wf::create_staff_account(&mut conn, actor, input).await?;
        Ok(UserAccount(user, false))
    }

    /// Enables or disables an account (a reviewer who left the university, say). Effective
    /// at once: a disabled account's tokens are refused from the next request, its refresh
    /// tokens are revoked and its open WebSockets closed (4403). Admins only; an admin cannot
    /// disable itself (`INVALID_STATE`); an unknown user code is `NOT_FOUND`.
    async fn set_account_active(
        &self,
        ctx: &Context<'_>,
        user_code: String,
        active: bool,
    ) -> Result<UserAccount> {
        let actor = Actor::User(caller(ctx).await?);
        let mut conn = store::conn(&app(ctx).pool).await?;
        let user = wf::set_account_active(&mut conn, actor, &user_code, active).await?;
        Ok(UserAccount(user, false))
    }

    /// Registers a distributor with its central branch and its account. Admins only.
    async fn create_distributor(
        &self,
        ctx: &Context<'_>,
        input: CreateDistributorInput,
    ) -> Result<Distributor> {
        let actor = Actor::User(caller(ctx).await?);
        let input = NewDistributor::try_from(input)?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        Ok(Distributor(
            wf::create_distributor(&mut conn, actor, input).await?,
        ))
    }
}

/// Admin operations on reference data.
#[derive(Default)]
pub struct AdminReferenceMutation;

#[Object]
impl AdminReferenceMutation {
    /// Marks a field of study eligible or not for technical officers (R4); applies to
    /// submissions from now on. Admins only.
    async fn set_field_of_study_eligibility(
        &self,
        ctx: &Context<'_>,
        id: ID,
        eligible: bool,
    ) -> Result<FieldOfStudy> {
        let actor = Actor::User(caller(ctx).await?);
        let id = parse_ref_id("id", &id)?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        Ok(FieldOfStudy(
            wf::set_field_eligibility(&mut conn, actor, id, eligible).await?,
        ))
    }

    /// Sets the review fee of a kind of request, in Rials (1 to 2,147,483,647, the range of
    /// GraphQL's Int); requests approved from now on are charged it (R9). Admins only.
    async fn set_review_fee(
        &self,
        ctx: &Context<'_>,
        kind: RequestKind,
        amount_rials: i32,
    ) -> Result<i32> {
        let actor = Actor::User(caller(ctx).await?);
        let mut conn = store::conn(&app(ctx).pool).await?;
        wf::set_review_fee(&mut conn, actor, kind, i64::from(amount_rials)).await?;
        Ok(amount_rials)
    }
}

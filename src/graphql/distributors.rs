//! A distributor's branches: the list, creating one, releasing its technical officer.

use async_graphql::{Context, ID, InputObject, Object, Result};

use super::context::{app, caller};
use super::reference::parse_ref_id;
use super::types::cooperation::Contract;
use super::types::distributor::Branch;
use crate::domain::Role;
use crate::error::{AppError, AppResult};
use crate::store::{self, distributors};
use crate::workflow::distributors::{self as wf, NewBranch};

/// A branch to create.
#[derive(InputObject)]
pub struct BranchInput {
    /// Name of the branch.
    pub name: String,
    /// Province.
    pub province_id: ID,
    /// City (in that province).
    pub city_id: ID,
    /// Postal address.
    pub address: String,
    /// Whether it is the central branch (شعبه مرکزی). By default a distributor's first
    /// branch is; a second central branch is `CONFLICT`.
    pub is_central: Option<bool>,
}

impl TryFrom<BranchInput> for NewBranch {
    type Error = AppError;
    fn try_from(i: BranchInput) -> AppResult<Self> {
        Ok(Self {
            name: i.name,
            province_id: parse_ref_id("provinceId", &i.province_id)?,
            city_id: parse_ref_id("cityId", &i.city_id)?,
            address: i.address,
            is_central: i.is_central,
        })
    }
}

/// Branch queries.
#[derive(Default)]
pub struct DistributorsQuery;

#[Object]
impl DistributorsQuery {
    /// A distributor's own branches (admins: every branch), the central branch first, each
    /// with its active technical officer.
    async fn branches(&self, ctx: &Context<'_>) -> Result<Vec<Branch>> {
        let caller = caller(ctx).await?;
        let mut conn = crate::graphql::context::read_conn(ctx).await?;
        let rows = match (caller.role, caller.distributor_id) {
            (Role::DirectorateAdmin, _) => distributors::all_branches(&mut conn).await?,
            (_, Some(d)) => distributors::branches_of(&mut conn, &[d]).await?,
            _ => Vec::new(),
        };
        Ok(rows.into_iter().map(Branch).collect())
    }
}

/// Branch mutations.
#[derive(Default)]
pub struct DistributorsMutation;

#[Object]
impl DistributorsMutation {
    /// Creates a branch of the distributor (the first one is its central branch).
    async fn create_branch(&self, ctx: &Context<'_>, input: BranchInput) -> Result<Branch> {
        let caller = caller(ctx).await?;
        let input = NewBranch::try_from(input)?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        Ok(Branch(wf::create_branch(&mut conn, caller, input).await?))
    }

    /// Ends the active contract of one of the distributor's branches (the reason is kept).
    /// `INVALID_STATE` when the branch has no technical officer.
    async fn release_technical_officer(
        &self,
        ctx: &Context<'_>,
        branch_id: ID,
        reason: Option<String>,
    ) -> Result<Contract> {
        let caller = caller(ctx).await?;
        let id = branch_id.parse().map_err(|_| AppError::not_found())?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        Ok(Contract(wf::release(&mut conn, caller, id, reason).await?))
    }
}

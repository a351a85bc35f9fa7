//! Distributors and their branches.

use async_graphql::{Context, ID, Object, Result};

use super::officer::{Officer, officer_of};
use super::reference::{City, Province, province};
use crate::domain::DistributorKind;
use crate::error::AppError;
use crate::graphql::loaders::{
    ActiveContractOfBranch, BranchesOfDistributor, CityId, DistributorId, Loaders,
};
use crate::store::distributors;

/// A medical-equipment distributor: a company or a guild (شرکت / صنف).
pub struct Distributor(pub distributors::Distributor);

#[Object]
impl Distributor {
    /// Opaque id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Registered name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Company or guild.
    async fn kind(&self) -> DistributorKind {
        self.0.kind
    }
    /// National ID of the legal entity (شناسه ملی, 11 digits).
    async fn national_id(&self) -> &str {
        &self.0.national_id
    }
    /// Its branches, the central branch first.
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn branches(&self, ctx: &Context<'_>) -> Result<Vec<Branch>> {
        let rows = ctx
            .data_unchecked::<Loaders>()
            .load_one(BranchesOfDistributor(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(Branch).collect())
    }
}

/// A branch (شعبه) of a distributor.
pub struct Branch(pub distributors::Branch);

#[Object]
impl Branch {
    /// Opaque id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Name of the branch.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Whether it is the distributor's central branch (شعبه مرکزی).
    async fn is_central(&self) -> bool {
        self.0.is_central
    }
    /// Province of the branch.
    async fn province(&self, ctx: &Context<'_>) -> Result<Province> {
        province(ctx, self.0.province_id).await
    }
    /// City of the branch.
    async fn city(&self, ctx: &Context<'_>) -> Result<City> {
        ctx.data_unchecked::<Loaders>()
            .load_one(CityId(self.0.city_id))
            .await?
            .map(City)
            .ok_or_else(|| AppError::not_found().into())
    }
    /// Postal address.
    async fn address(&self) -> &str {
        &self.0.address
    }
    /// Its active technical officer (to the distributor: what a branch needs of it).
    async fn technical_officer(&self, ctx: &Context<'_>) -> Result<Option<Officer>> {
        let contract = ctx
            .data_unchecked::<Loaders>()
            .load_one(ActiveContractOfBranch(self.0.id))
            .await?;
        match contract {
            Some(c) => Ok(Some(officer_of(ctx, c.officer_id, &c.parties()).await?)),
            None => Ok(None),
        }
    }
    /// The distributor the branch belongs to.
    async fn distributor(&self, ctx: &Context<'_>) -> Result<Distributor> {
        ctx.data_unchecked::<Loaders>()
            .load_one(DistributorId(self.0.distributor_id))
            .await?
            .map(Distributor)
            .ok_or_else(|| AppError::not_found().into())
    }
}

//! A cooperation request (C3, C4) and a contract.

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};

use super::distributor::{Branch, Distributor};
use super::event::RequestEvent;
use super::officer::{Officer, officer_of};
use super::reference::University;
use crate::domain::cooperation::{ContractEnd, ContractStatus, CooperationStatus};
use crate::domain::{Entity, jalali};
use crate::error::AppError;
use crate::graphql::loaders::{BranchId, DistributorId, HistoryOf, Loaders, UniversityId};
use crate::store::cooperation as store;

async fn branch(ctx: &Context<'_>, id: uuid::Uuid) -> Result<Branch> {
    ctx.data_unchecked::<Loaders>()
        .load_one(BranchId(id))
        .await?
        .map(Branch)
        .ok_or_else(|| AppError::not_found().into())
}

async fn distributor(ctx: &Context<'_>, id: uuid::Uuid) -> Result<Distributor> {
    ctx.data_unchecked::<Loaders>()
        .load_one(DistributorId(id))
        .await?
        .map(Distributor)
        .ok_or_else(|| AppError::not_found().into())
}

async fn university(ctx: &Context<'_>, id: Option<i32>) -> Result<Option<University>> {
    let Some(id) = id else { return Ok(None) };
    Ok(ctx
        .data_unchecked::<Loaders>()
        .load_one(UniversityId(id))
        .await?
        .map(University))
}

/// A distributor's proposal of an officer as the technical officer of one of its branches.
pub struct CooperationRequest(pub store::CooperationRequest);

#[Object]
impl CooperationRequest {
    /// Opaque id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Where the request stands (a request left unanswered past its deadline is EXPIRED).
    async fn status(&self) -> CooperationStatus {
        self.0.status_now(Utc::now())
    }
    /// The branch the officer is proposed for (its province, city and address).
    async fn branch(&self, ctx: &Context<'_>) -> Result<Branch> {
        branch(ctx, self.0.branch_id).await
    }
    /// The proposing distributor (name, kind, national ID).
    async fn distributor(&self, ctx: &Context<'_>) -> Result<Distributor> {
        distributor(ctx, self.0.distributor_id).await
    }
    /// The officer proposed (to the distributor: what a branch needs, no contact details).
    async fn officer(&self, ctx: &Context<'_>) -> Result<Officer> {
        officer_of(ctx, self.0.officer_id, &self.0.parties()).await
    }
    /// The university reviewing it (once the officer accepted).
    async fn university(&self, ctx: &Context<'_>) -> Result<Option<University>> {
        university(ctx, self.0.university_id).await
    }
    /// Its history, oldest first.
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<RequestEvent>> {
        let rows = ctx
            .data_unchecked::<Loaders>()
            .load_one(HistoryOf(Entity::CooperationRequest, self.0.id))
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(RequestEvent).collect())
    }
    /// When the distributor proposed.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the distributor proposed, Jalali, Tehran time.
    async fn created_at_jalali(&self) -> String {
        jalali::datetime(self.0.created_at)
    }
    /// Until when the officer may answer.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }
    /// Until when the officer may answer, Jalali, Tehran time.
    async fn expires_at_jalali(&self) -> String {
        jalali::datetime(self.0.expires_at)
    }
    /// The officer's reason for declining.
    async fn decline_reason(&self) -> Option<&str> {
        self.0.decline_reason.as_deref()
    }
    /// The university's note when rejecting.
    async fn rejection_note(&self) -> Option<&str> {
        self.0.rejection_note.as_deref()
    }
}

/// An officer's working relationship with a branch: from the university's approval (or the
/// migration) to its end.
pub struct Contract(pub store::Contract);

#[Object]
impl Contract {
    /// Opaque id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The officer (to the distributor: what a branch needs, no contact details).
    async fn officer(&self, ctx: &Context<'_>) -> Result<Officer> {
        officer_of(ctx, self.0.officer_id, &self.0.parties()).await
    }
    /// The branch.
    async fn branch(&self, ctx: &Context<'_>) -> Result<Branch> {
        branch(ctx, self.0.branch_id).await
    }
    /// The distributor.
    async fn distributor(&self, ctx: &Context<'_>) -> Result<Distributor> {
        distributor(ctx, self.0.distributor_id).await
    }
    /// When it started.
    async fn started_at(&self) -> DateTime<Utc> {
        self.0.started_at
    }
    /// When it started, Jalali, Tehran time.
    async fn started_at_jalali(&self) -> String {
        jalali::datetime(self.0.started_at)
    }
    /// When it ended.
    async fn ended_at(&self) -> Option<DateTime<Utc>> {
        self.0.ended_at
    }
    /// When it ended, Jalali, Tehran time.
    async fn ended_at_jalali(&self) -> Option<String> {
        self.0.ended_at.map(jalali::datetime)
    }
    /// Whether it runs.
    async fn active(&self) -> bool {
        self.0.status == ContractStatus::Active
    }
    /// How it ended: released by the distributor or terminated by the officer.
    async fn ended_by(&self) -> Option<ContractEnd> {
        self.0.ended_by
    }
    /// The reason given at its end.
    async fn end_reason(&self) -> Option<&str> {
        self.0.end_reason.as_deref()
    }
    /// Its history, oldest first.
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<RequestEvent>> {
        let rows = ctx
            .data_unchecked::<Loaders>()
            .load_one(HistoryOf(Entity::Contract, self.0.id))
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(RequestEvent).collect())
    }
}

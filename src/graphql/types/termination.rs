//! A termination request (C1, C2).

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};

use super::cooperation::Contract;
use super::event::RequestEvent;
use crate::domain::termination::{LEGAL_NOTICE_FA, TerminationStatus};
use crate::domain::{Entity, jalali};
use crate::error::AppError;
use crate::graphql::loaders::{ContractId, HistoryOf, Loaders};
use crate::store::terminations as store;

/// An officer's request to end a contract with a distributor that has not released them.
pub struct TerminationRequest(pub store::TerminationRequest);

#[Object]
impl TerminationRequest {
    /// Opaque id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// DRAFT until the officer finalises it (then the contract has ended) or cancels it.
    async fn status(&self) -> TerminationStatus {
        self.0.status
    }
    /// The contract it ends.
    async fn contract(&self, ctx: &Context<'_>) -> Result<Contract> {
        ctx.data_unchecked::<Loaders>()
            .load_one(ContractId(self.0.contract_id))
            .await?
            .map(Contract)
            .ok_or_else(|| AppError::not_found().into())
    }
    /// The officer's reason.
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    /// The notice a front end shows before finalising (Persian): finalising takes effect at
    /// once, and the officer bears the legal responsibility for using it without cause (C1).
    async fn legal_notice_fa(&self) -> &'static str {
        LEGAL_NOTICE_FA
    }
    /// When it was written.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it was written, Jalali, Tehran time.
    async fn created_at_jalali(&self) -> String {
        jalali::datetime(self.0.created_at)
    }
    /// When it took effect.
    async fn finalized_at(&self) -> Option<DateTime<Utc>> {
        self.0.finalized_at
    }
    /// When it took effect, Jalali, Tehran time.
    async fn finalized_at_jalali(&self) -> Option<String> {
        self.0.finalized_at.map(jalali::datetime)
    }
    /// Its history, oldest first.
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<RequestEvent>> {
        let rows = ctx
            .data_unchecked::<Loaders>()
            .load_one(HistoryOf(Entity::TerminationRequest, self.0.id))
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(RequestEvent).collect())
    }
}

//! An event in a cartable (a row of the event log, as announced).

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use uuid::Uuid;

use super::cooperation::{Contract, CooperationRequest};
use super::message::Message;
use super::payment::Payment;
use super::request::QualificationRequest;
use super::termination::TerminationRequest;
use crate::cartable::Notice;
use crate::domain::Entity;
use crate::domain::jalali;
use crate::graphql::context::viewer_scope;
use crate::graphql::loaders::{
    ContractId, CooperationRequestId, CopyOfMessage, Loaders, MessageId, PaymentId, RequestId,
    TerminationRequestId,
};

/// An event in a cartable.
pub struct CartableEvent(pub Arc<Notice>);

#[Object]
impl CartableEvent {
    /// Position in the event log: resume with `cartableEvents(afterEventId: id)`.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// What happened: the entity and the action, e.g. `QUALIFICATION_REQUEST_SUBMIT`.
    async fn kind(&self) -> String {
        self.0.kind()
    }
    /// When.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// When, Jalali, Tehran time.
    async fn occurred_at_jalali(&self) -> String {
        jalali::datetime(self.0.at)
    }
    /// Status before, when the event changed one.
    async fn from_status(&self) -> Option<&str> {
        self.0.from.as_deref()
    }
    /// Status after.
    async fn to_status(&self) -> Option<&str> {
        self.0.to.as_deref()
    }
    /// The request the event is about, as it is now.
    async fn qualification_request(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<QualificationRequest>> {
        if self.0.entity_type != Entity::QualificationRequest.as_str() {
            return Ok(None);
        }
        let Ok(id) = self.0.entity.parse::<Uuid>() else {
            return Ok(None);
        };
        Ok(ctx
            .data_unchecked::<Loaders>()
            .load_one(RequestId(id))
            .await?
            .map(QualificationRequest::from))
    }
    /// The cooperation request the event is about, as it is now.
    async fn cooperation_request(&self, ctx: &Context<'_>) -> Result<Option<CooperationRequest>> {
        if self.0.entity_type != Entity::CooperationRequest.as_str() {
            return Ok(None);
        }
        let Ok(id) = self.0.entity.parse::<Uuid>() else {
            return Ok(None);
        };
        Ok(ctx
            .data_unchecked::<Loaders>()
            .load_one(CooperationRequestId(id))
            .await?
            .map(CooperationRequest))
    }
    /// The contract the event is about, as it is now.
    async fn contract(&self, ctx: &Context<'_>) -> Result<Option<Contract>> {
        if self.0.entity_type != Entity::Contract.as_str() {
            return Ok(None);
        }
        let Ok(id) = self.0.entity.parse::<Uuid>() else {
            return Ok(None);
        };
        Ok(ctx
            .data_unchecked::<Loaders>()
            .load_one(ContractId(id))
            .await?
            .map(Contract))
    }
    /// The termination request the event is about, as it is now.
    async fn termination_request(&self, ctx: &Context<'_>) -> Result<Option<TerminationRequest>> {
        if self.0.entity_type != Entity::TerminationRequest.as_str() {
            return Ok(None);
        }
        let Ok(id) = self.0.entity.parse::<Uuid>() else {
            return Ok(None);
        };
        Ok(ctx
            .data_unchecked::<Loaders>()
            .load_one(TerminationRequestId(id))
            .await?
            .map(TerminationRequest))
    }
    /// The message the event announces (with the viewer's copy).
    async fn message(&self, ctx: &Context<'_>) -> Result<Option<Message>> {
        if self.0.entity_type != Entity::Message.as_str() {
            return Ok(None);
        }
        let Ok(id) = self.0.entity.parse::<Uuid>() else {
            return Ok(None);
        };
        let loaders = ctx.data_unchecked::<Loaders>();
        let Some(row) = loaders.load_one(MessageId(id)).await? else {
            return Ok(None);
        };
        // The copy is the officer's (part of the scope), the admin flag the role's.
        let caller = viewer_scope(ctx).await?;
        let copy = match caller.officer_id {
            Some(o) => loaders.load_one(CopyOfMessage(id, o)).await?,
            None => None,
        };
        Ok(Some(Message {
            row,
            copy,
            admin: caller.role == crate::domain::Role::DirectorateAdmin,
        }))
    }
    /// The payment the event is about, as it is now.
    async fn payment(&self, ctx: &Context<'_>) -> Result<Option<Payment>> {
        if self.0.entity_type != Entity::Payment.as_str() {
            return Ok(None);
        }
        let Ok(id) = self.0.entity.parse::<Uuid>() else {
            return Ok(None);
        };
        Ok(ctx
            .data_unchecked::<Loaders>()
            .load_one(PaymentId(id))
            .await?
            .map(Payment))
    }
}

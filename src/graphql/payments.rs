//! Review-fee payments: `startPayment`, `payment`, receipts.

use async_graphql::{Context, ID, Object, Result};
use uuid::Uuid;

use super::context::{app, caller};
use super::types::payment::{Payment, PaymentSession};
use crate::error::AppError;
use crate::store::{self};
use crate::workflow::payments as wf;

/// Payment queries.
#[derive(Default)]
pub struct PaymentsQuery;

#[Object]
impl PaymentsQuery {
    /// A payment: to its officer, reviewers of the request's university, and admins.
    async fn payment(&self, ctx: &Context<'_>, id: ID) -> Result<Payment> {
        let caller = caller(ctx).await?;
        let id: Uuid = id.parse().map_err(|_| AppError::not_found())?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        Ok(Payment(wf::visible(&mut conn, &caller, id).await?))
    }
}

/// Payment mutations.
#[derive(Default)]
pub struct PaymentsMutation;

#[Object]
impl PaymentsMutation {
    /// Starts paying the fee of a request AWAITING_PAYMENT (its officer only). While an
    /// attempt is pending, the same attempt is returned; an expired one is replaced.
    /// `PAYMENT_FAILED` when the gateway cannot be reached (nothing is charged or recorded).
    async fn start_payment(&self, ctx: &Context<'_>, request_id: ID) -> Result<PaymentSession> {
        let caller = caller(ctx).await?;
        let id: Uuid = request_id.parse().map_err(|_| AppError::not_found())?;
        let (payment, redirect_url) = app(ctx).payments()?.start(caller, id).await?;
        Ok(PaymentSession {
            payment: Payment(payment),
            redirect_url,
        })
    }
}

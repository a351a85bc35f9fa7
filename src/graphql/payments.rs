//! Review-fee payments: `startPayment`, `payment`, receipts.

use async_graphql::{Context, ID, Object, Result};
use uuid::Uuid;

use super::context::{app, who};
use super::guards::{RoleGuard, SignedIn};
use super::types::payment::{Payment, PaymentSession};
use crate::domain::Role;
use crate::error::AppError;
use crate::store::{self, payments};
use crate::workflow::payments as wf;

/// Payment queries.
#[derive(Default)]
pub struct PaymentsQuery;

#[Object]
impl PaymentsQuery {
    /// A payment: to its officer, reviewers of the request's university, and admins.
    #[graphql(guard = "SignedIn")]
    async fn payment(&self, ctx: &Context<'_>, id: ID) -> Result<Payment> {
        let who = who(ctx).await?;
        let id: Uuid = id.parse().map_err(|_| AppError::not_found())?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        match payments::find(&mut conn, id).await? {
            Some(p) if wf::visible(&mut conn, &who, &p).await? => Ok(Payment(p)),
            _ => Err(AppError::not_found().into()),
        }
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
    #[graphql(guard = "RoleGuard::new(&[Role::Officer])")]
    async fn start_payment(&self, ctx: &Context<'_>, request_id: ID) -> Result<PaymentSession> {
        let who = who(ctx).await?;
        let id: Uuid = request_id.parse().map_err(|_| AppError::not_found())?;
        let (payment, redirect_url) = wf::start(app(ctx), who, id).await?;
        Ok(PaymentSession {
            payment: Payment(payment),
            redirect_url,
        })
    }
}

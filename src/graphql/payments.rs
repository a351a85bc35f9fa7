//! Review-fee payments: `startPayment`, `payment`, receipts.

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::context::{app, who};
use super::guards::{RoleGuard, SignedIn};
use crate::domain::{Role, jalali};
use crate::error::AppError;
use crate::store::{self, payments};
use crate::workflow::payments as wf;

/// Status of a payment attempt.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum PaymentStatus {
    /// Sent to the gateway; not settled yet.
    Pending,
    /// Verified with the gateway and paid.
    Paid,
    /// Cancelled, refused or not verified: the officer may try again.
    Failed,
    /// Left unpaid past its validity.
    Expired,
}

/// A payment attempt: with `referenceId` and `paidAt`, the receipt.
pub struct Payment(pub payments::Payment);

#[Object]
impl Payment {
    /// Opaque id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Where the attempt stands.
    async fn status(&self) -> PaymentStatus {
        match self.0.status.as_str() {
            "PAID" => PaymentStatus::Paid,
            "FAILED" => PaymentStatus::Failed,
            "EXPIRED" => PaymentStatus::Expired,
            _ => PaymentStatus::Pending,
        }
    }
    /// Amount in Rials (the fee fixed at approval).
    async fn amount_rials(&self) -> Result<i32> {
        i32::try_from(self.0.amount_rials)
            .map_err(|_| AppError::internal(anyhow::anyhow!("amount over Int")).into())
    }
    /// The bank's reference number (شماره پیگیری), once paid.
    async fn reference_id(&self) -> Option<&str> {
        self.0.reference_id.as_deref()
    }
    /// The masked card number the bank reported.
    async fn card_pan(&self) -> Option<&str> {
        self.0.card_pan.as_deref()
    }
    /// When it was paid.
    async fn paid_at(&self) -> Option<DateTime<Utc>> {
        self.0.paid_at
    }
    /// When it was paid, Jalali, Tehran time.
    async fn paid_at_jalali(&self) -> Option<String> {
        self.0.paid_at.map(jalali::datetime)
    }
    /// When the attempt started.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the attempt started, Jalali, Tehran time.
    async fn created_at_jalali(&self) -> String {
        jalali::datetime(self.0.created_at)
    }
    /// Why it failed or expired.
    async fn failure_reason(&self) -> Option<&str> {
        self.0.failure_reason.as_deref()
    }
}

/// Where to send the officer's browser to pay.
#[derive(SimpleObject)]
pub struct PaymentSession {
    /// The attempt.
    pub payment: Payment,
    /// The gateway's payment page (StartPay).
    pub redirect_url: String,
}

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

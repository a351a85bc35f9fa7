//! A payment attempt (with its receipt) and where to pay.

use async_graphql::{ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use crate::domain::jalali;
use crate::domain::payment::PaymentStatus;
use crate::error::AppError;
use crate::store::payments;

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
        self.0.status
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

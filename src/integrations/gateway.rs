//! The payment gateway as the workflows see it: request an attempt, send the browser to pay,
//! verify server to server. Zarinpal's REST v4 is the adapter (`zarinpal`), and the
//! simulator of the same protocol (`zarinpal_sim`) stands behind it outside production.

/// Why the gateway could not be used.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// Not reachable, timed out, or answered with an HTTP error.
    #[error("the payment gateway could not be reached: {0}")]
    Unreachable(String),
    /// The gateway answered with a refusal code.
    #[error("the payment gateway refused (code {code}): {message}")]
    Refused {
        /// Zarinpal's code.
        code: i64,
        /// Its message.
        message: String,
    },
}

/// What verifying a payment said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// Paid (code 100), or verified before (code 101).
    Paid {
        /// The bank's reference (ref_id).
        reference_id: String,
        /// Masked card number.
        card_pan: Option<String>,
        /// Code 101: verified before.
        already: bool,
    },
    /// Not paid (or refused), with the gateway's code and message.
    NotPaid {
        /// Zarinpal's code.
        code: i64,
        /// Its message.
        message: String,
    },
}

/// A bank gateway.
#[async_trait::async_trait]
pub trait PaymentGateway: Send + Sync {
    /// Asks for a payment of `amount_rials`; returns the authority.
    async fn request(
        &self,
        amount_rials: i64,
        description: &str,
        callback_url: &str,
        mobile: Option<&str>,
    ) -> Result<String, GatewayError>;

    /// Where the officer's browser goes to pay.
    fn start_pay_url(&self, authority: &str) -> String;

    /// Verifies a payment server to server, with the amount from our database.
    async fn verify(
        &self,
        authority: &str,
        amount_rials: i64,
    ) -> Result<Verification, GatewayError>;
}

//! The SMS provider interface the rest of the server uses, whatever the provider.
//!
//! The outbox worker sends each row with its id as the provider's `local_id`. The provider
//! sends a given `local_id` once only, so a row whose outcome is unknown (a timeout after the
//! request may have arrived) is settled by asking [`SmsProvider::accepted_with_local_id`]
//! before sending again, and even a repeated send cannot reach the phone twice.

/// What the provider said about one message it accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsAccepted {
    /// The provider's id of the message.
    pub message_id: String,
}

/// Why a message could not be handed to the provider.
#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    /// Timed out, or the connection broke after the request may have reached the provider:
    /// the outcome is unknown. Ask [`SmsProvider::accepted_with_local_id`] before sending again.
    #[error("the SMS provider's answer was lost; the message may have been accepted: {0}")]
    Unknown(String),
    /// Not reachable before sending (connection refused, DNS, TLS) or an HTTP 5xx: nothing
    /// was sent.
    #[error("the SMS provider could not be reached: {0}")]
    Unreachable(String),
    /// The provider refused the message (its `return.status` and message), e.g. a wrong
    /// receptor or no credit left.
    #[error("the SMS provider refused (status {status}): {message}")]
    Refused {
        /// The provider's status code.
        status: i64,
        /// The provider's message (Kavenegar's are in Persian).
        message: String,
    },
}

/// An SMS provider (the real one or its simulator).
#[async_trait::async_trait]
pub trait SmsProvider: Send + Sync {
    /// Sends `text` to `to` (a mobile `09xxxxxxxxx`), tagged with `local_id` (our outbox row
    /// id). A `local_id` the provider received before is not sent again: the earlier
    /// acceptance is answered instead.
    async fn send(&self, to: &str, text: &str, local_id: i64) -> Result<SmsAccepted, SmsError>;

    /// Whether a message tagged `local_id` was accepted before (`None`: never received).
    async fn accepted_with_local_id(&self, local_id: i64) -> Result<Option<SmsAccepted>, SmsError>;
}

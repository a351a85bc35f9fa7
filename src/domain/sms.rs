//! Text messages (SMS) sent through the outbox.

use super::text_enum::text_enum;

text_enum! {
    /// Where an outbox row stands.
    #[derive(async_graphql::Enum)]
    pub enum SmsStatus {
        /// Waiting to be sent (or to be retried).
        Pending = "PENDING",
        /// Accepted by the provider.
        Sent = "SENT",
        /// Given up after the last attempt; `lastError` says why.
        Failed = "FAILED",
    }
}

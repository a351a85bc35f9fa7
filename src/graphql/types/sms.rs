//! A text message of the outbox, as admins see it.

use async_graphql::{ID, Object};
use chrono::{DateTime, Utc};

use crate::domain::jalali;
use crate::domain::sms::{SmsPurpose, SmsStatus};
use crate::store::outbox;

/// An SMS written by a change of state and sent by the outbox's senders.
pub struct SmsMessage(pub outbox::Sms);

#[Object]
impl SmsMessage {
    /// Opaque id (the `localid` given to the provider).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The mobile it goes to.
    async fn to(&self) -> &str {
        &self.0.receptor
    }
    /// The Persian text.
    async fn text(&self) -> &str {
        &self.0.message
    }
    /// PENDING (waiting or to be retried), SENT or FAILED (given up).
    async fn status(&self) -> SmsStatus {
        self.0.status
    }
    /// Attempts so far.
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    /// When it was written.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it was written, Jalali, Tehran time.
    async fn created_at_jalali(&self) -> String {
        jalali::datetime(self.0.created_at)
    }
    /// When the provider accepted it.
    async fn sent_at(&self) -> Option<DateTime<Utc>> {
        self.0.sent_at
    }
    /// The last failure.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    /// Why it is sent.
    async fn purpose(&self) -> SmsPurpose {
        self.0.purpose
    }
    /// The provider's id of the message.
    async fn provider_message_id(&self) -> Option<&str> {
        self.0.provider_message_id.as_deref()
    }
    /// The kind of object it is about (e.g. `termination_request`).
    async fn about_entity(&self) -> Option<&str> {
        self.0.entity_type.map(|e| e.as_str())
    }
    /// The id of the object it is about.
    async fn about_id(&self) -> Option<ID> {
        self.0.entity_id.clone().map(ID)
    }
    /// When the next attempt is due (for a PENDING one).
    async fn next_attempt_at(&self) -> DateTime<Utc> {
        self.0.next_attempt_at
    }
}

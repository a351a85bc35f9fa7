//! One step of an object's history (a row of the event log).

use async_graphql::{ID, Object};
use chrono::{DateTime, Utc};

use crate::domain::{Role, jalali};

/// One step of a request's history.
pub struct RequestEvent(pub crate::store::events::Event);

#[Object]
impl RequestEvent {
    /// Opaque id (the event log's position: `cartableEvents(afterEventId)` resumes from it).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// What happened: CREATE, EDIT, ATTACH_DOCUMENT, SUBMIT, CLAIM, REPORT_DEFICIENCIES, ...
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// Status before.
    async fn from_status(&self) -> Option<&str> {
        self.0.from_status.as_deref()
    }
    /// Status after (the current status for events that do not change it).
    async fn to_status(&self) -> String {
        self.0
            .to_status
            .clone()
            .unwrap_or_else(|| self.0.from_status.clone().unwrap_or_default())
    }
    /// Role of the actor; none for the system.
    async fn actor_role(&self) -> Option<Role> {
        self.0.actor_role
    }
    /// Note given with the action.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// When.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
    /// When, Jalali, Tehran time: `YYYY/MM/DD HH:MM`.
    async fn occurred_at_jalali(&self) -> String {
        jalali::datetime(self.0.occurred_at)
    }
}

//! The one writer of state transitions, for every workflow: a guarded update
//! (`WHERE id = $id AND status = $from`), the event row, and any outbox rows, in the
//! caller's transaction. Zero rows updated means someone else got there first: a clear
//! `INVALID_STATE`, never a second effect.

use diesel_async::AsyncPgConnection;
use std::future::Future;
use uuid::Uuid;

use super::events::{self, NewEvent};
use super::outbox::{self, NewSms};
use crate::domain::{Actor, Entity, Parties};
use crate::error::{AppError, AppResult};

/// A row with a status that only [`apply`] changes.
pub trait Stateful: Sized + Send + Sync {
    /// Its status enum.
    type Status: Copy + AsRef<str> + Send + Sync;
    /// The other columns a transition may set.
    type Changes: Send;
    /// Its entity type in the event log.
    const ENTITY: Entity;
    /// Its id.
    fn id(&self) -> Uuid;
    /// Its status.
    fn status(&self) -> Self::Status;
    /// Who the events about it concern (the cartables they reach).
    fn parties(&self) -> Parties;
    /// `UPDATE .. SET status = to, <changes> WHERE id = $id AND status = from RETURNING *`;
    /// `None` when no row matched.
    fn guarded_update(
        conn: &mut AsyncPgConnection,
        id: Uuid,
        from: Self::Status,
        to: Self::Status,
        changes: Self::Changes,
    ) -> impl Future<Output = AppResult<Option<Self>>> + Send;
}

/// A transition to write.
pub struct Transition<S> {
    /// The status after it.
    pub to: S,
    /// The action's name in the history (e.g. `SUBMIT`).
    pub action: &'static str,
    /// Who does it.
    pub actor: Actor,
    /// The note given with it.
    pub note: Option<String>,
    /// Structured details for the history.
    pub data: serde_json::Value,
    /// Text messages to send once it commits.
    pub sms: Vec<NewSms>,
}

impl<S> Transition<S> {
    /// A transition to `to` by `actor`, with no note, data or messages.
    pub fn new(to: S, action: &'static str, actor: Actor) -> Self {
        Self {
            to,
            action,
            actor,
            note: None,
            data: serde_json::json!({}),
            sms: Vec::new(),
        }
    }

    /// With a note.
    pub fn note(mut self, note: Option<String>) -> Self {
        self.note = note;
        self
    }

    /// With structured details.
    pub fn data(mut self, data: serde_json::Value) -> Self {
        self.data = data;
        self
    }

    /// With a text message to send once it commits.
    pub fn sms(mut self, sms: NewSms) -> Self {
        self.sms.push(sms);
        self
    }
}

/// Writes a transition of `current` (locked, or read in the caller's transaction): the
/// guarded update with `changes`, the event, the outbox rows. Returns the updated row.
pub async fn apply<T: Stateful>(
    conn: &mut AsyncPgConnection,
    current: &T,
    transition: Transition<T::Status>,
    changes: T::Changes,
) -> AppResult<T> {
    let from = current.status();
    let updated = T::guarded_update(conn, current.id(), from, transition.to, changes)
        .await?
        .ok_or_else(|| {
            AppError::invalid_state(
                "the object changed meanwhile: reload it",
                "وضعیت این مورد در این فاصله تغییر کرده است؛ دوباره بارگذاری کنید",
            )
        })?;
    let parties = updated.parties();
    let mut event = NewEvent::new(
        transition.actor.logged(),
        T::ENTITY,
        current.id(),
        transition.action,
    );
    event.from_status = Some(from.as_ref().to_string());
    event.to_status = Some(transition.to.as_ref().to_string());
    event.note = transition.note;
    event.data = transition.data;
    event.officer_id = parties.officer;
    event.university_id = parties.university;
    event.distributor_id = parties.distributor;
    events::append(conn, event).await?;
    outbox::enqueue(conn, &transition.sms).await?;
    Ok(updated)
}

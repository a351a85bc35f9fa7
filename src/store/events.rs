//! The append-only event log.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::events;
use crate::domain::{Entity, Role};
use crate::error::AppResult;

/// An event as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = events)]
pub struct Event {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor_user_id: Option<Uuid>,
    pub actor_role: Option<Role>,
    pub entity_type: Entity,
    pub entity_id: String,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub note: Option<String>,
    pub data: serde_json::Value,
    pub officer_id: Option<Uuid>,
    pub university_id: Option<i32>,
    pub distributor_id: Option<Uuid>,
    pub audience: Option<serde_json::Value>,
}

/// An event to append.
#[derive(Debug, Insertable)]
#[diesel(table_name = events)]
pub struct NewEvent {
    pub actor_user_id: Option<Uuid>,
    pub actor_role: Option<Role>,
    pub entity_type: Entity,
    pub entity_id: String,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub note: Option<String>,
    pub data: serde_json::Value,
    /// The officer whose cartable shows the event.
    pub officer_id: Option<Uuid>,
    /// The university whose reviewers' cartables show the event.
    pub university_id: Option<i32>,
    /// The distributor whose cartable shows the event.
    pub distributor_id: Option<Uuid>,
    /// For a message: the officers it goes to (fanned out by each instance).
    pub audience: Option<serde_json::Value>,
}

impl NewEvent {
    /// An event about an entity, by an actor.
    pub fn new(
        actor: Option<(Uuid, Role)>,
        entity_type: Entity,
        entity_id: impl ToString,
        action: &str,
    ) -> Self {
        Self {
            actor_user_id: actor.map(|a| a.0),
            actor_role: actor.map(|a| a.1),
            entity_type,
            entity_id: entity_id.to_string(),
            action: action.to_string(),
            from_status: None,
            to_status: None,
            note: None,
            data: serde_json::json!({}),
            officer_id: None,
            university_id: None,
            distributor_id: None,
            audience: None,
        }
    }

    /// Shows the event in the cartables of an officer and of a university's reviewers.
    pub fn for_cartables(mut self, officer: Option<Uuid>, university: Option<i32>) -> Self {
        self.officer_id = officer;
        self.university_id = university;
        self
    }

    /// Adds structured details.
    pub fn with_data(mut self, data: serde_json::Value) -> Self {
        self.data = data;
        self
    }
}

/// Appends an event. Its id is given at commit (in commit order; see the migration
/// `…000009_commit_time_ids`), so it is not known here.
pub async fn append(conn: &mut AsyncPgConnection, event: NewEvent) -> AppResult<()> {
    diesel::insert_into(events::table)
        .values(&event)
        .execute(conn)
        .await?;
    Ok(())
}

/// The history of some objects of one kind, oldest first.
pub async fn history_of(
    conn: &mut AsyncPgConnection,
    entity: Entity,
    ids: &[Uuid],
) -> AppResult<Vec<Event>> {
    let ids: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    Ok(events::table
        .filter(events::entity_type.eq(entity))
        .filter(events::entity_id.eq_any(ids))
        .order(events::id)
        .select(Event::as_select())
        .load(conn)
        .await?)
}

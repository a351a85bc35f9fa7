//! Reading the event log for cartables.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::events::Event;
use super::schema::events;
use crate::domain::Entity;
use crate::error::AppResult;
use crate::policy::Scope;

/// Events after `after`, in id order, at most `limit`.
pub async fn after(conn: &mut AsyncPgConnection, after: i64, limit: i64) -> AppResult<Vec<Event>> {
    Ok(events::table
        .filter(events::id.gt(after))
        .order(events::id)
        .limit(limit)
        .select(Event::as_select())
        .load(conn)
        .await?)
}

/// The highest event id (0 when the log is empty).
pub async fn max_id(conn: &mut AsyncPgConnection) -> AppResult<i64> {
    let max: Option<i64> = events::table
        .select(diesel::dsl::max(events::id))
        .first(conn)
        .await?;
    Ok(max.unwrap_or(0))
}

/// The events in `scope` after `after`, in id order, at most `limit`.
pub async fn replay(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    after: i64,
    limit: i64,
) -> AppResult<Vec<Event>> {
    let q = events::table
        .filter(events::id.gt(after))
        .order(events::id)
        .limit(limit)
        .select(Event::as_select())
        .into_boxed();
    let q = match scope {
        Scope::All => q,
        // An officer's own events, and the messages it received (one event per message;
        // an explicit list of officers is split over several events, of which the
        // officer's is the one naming it).
        Scope::Officer(o) => q.filter(
            events::officer_id.eq(o).or(diesel::dsl::sql::<diesel::sql_types::Bool>(
                "(events.entity_type = ",
            )
            .bind::<diesel::sql_types::Text, _>(Entity::Message)
            .sql(" AND EXISTS (SELECT 1 FROM message_recipients r WHERE r.message_id::text = events.entity_id AND r.officer_id = ")
            .bind::<diesel::sql_types::Uuid, _>(o)
            .sql(") AND (events.audience -> 'officerIds' IS NULL OR events.audience -> 'officerIds' @> jsonb_build_array(")
            .bind::<diesel::sql_types::Uuid, _>(o)
            .sql("::text)))")),
        ),
        Scope::University(u) => q.filter(events::university_id.eq(u)),
        Scope::Distributor(d) => q.filter(events::distributor_id.eq(d)),
        Scope::Nothing => return Ok(Vec::new()),
    };
    Ok(q.load(conn).await?)
}

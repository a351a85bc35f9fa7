//! Reading the event log for cartables.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::qualification::{Event, Who};
use super::schema::events;
use crate::domain::Role;
use crate::error::AppResult;

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

/// The events concerning `who` after `after`, in id order, at most `limit`.
pub async fn replay(
    conn: &mut AsyncPgConnection,
    who: &Who,
    after: i64,
    limit: i64,
) -> AppResult<Vec<Event>> {
    let q = events::table
        .filter(events::id.gt(after))
        .order(events::id)
        .limit(limit)
        .select(Event::as_select())
        .into_boxed();
    let q = match who.role {
        Role::DirectorateAdmin => q,
        Role::Officer => match who.officer_id {
            Some(o) => q.filter(events::officer_id.eq(o)),
            None => return Ok(Vec::new()),
        },
        Role::UniversityReviewer => match who.university_id {
            Some(u) => q.filter(events::university_id.eq(u)),
            None => return Ok(Vec::new()),
        },
        Role::Distributor => return Ok(Vec::new()),
    };
    Ok(q.load(conn).await?)
}

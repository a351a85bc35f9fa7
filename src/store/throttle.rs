//! Attempt counters (logins, registrations, public verifications), shared by every server instance through the database.
//!
//! Kept in PostgreSQL rather than in an in-process limiter (such as `governor`) because the
//! design runs several stateless instances: a limit must hold whichever instance answers.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema::login_throttle as lt;
use crate::error::AppResult;

/// Forgets the attempts of `key` (after a successful login).
pub async fn clear(conn: &mut AsyncPgConnection, key: &str) -> AppResult<()> {
    diesel::delete(lt::table.find(key)).execute(conn).await?;
    Ok(())
}

/// Takes back one use of `key` counted by [`hit`] (a successful login does not count
/// against its client address).
pub async fn take_back(conn: &mut AsyncPgConnection, key: &str) -> AppResult<()> {
    diesel::update(lt::table.find(key).filter(lt::failures.gt(0)))
        .set(lt::failures.eq(lt::failures - 1))
        .execute(conn)
        .await?;
    Ok(())
}

/// Counts one use of `key` in a window of `window_secs` (restarting the count when the
/// window has passed), in one statement so that concurrent uses are all counted. Returns the
/// count in the current window and the seconds until the window ends.
pub async fn hit(
    conn: &mut AsyncPgConnection,
    key: &str,
    window_secs: i64,
    now: DateTime<Utc>,
) -> AppResult<(i32, i64)> {
    let window_start = now - Duration::seconds(window_secs);
    let (count, started): (i32, DateTime<Utc>) = diesel::insert_into(lt::table)
        .values((
            lt::key.eq(key),
            lt::failures.eq(1),
            lt::window_started_at.eq(now),
        ))
        .on_conflict(lt::key)
        .do_update()
        .set((
            lt::failures.eq(diesel::dsl::sql::<diesel::sql_types::Int4>(
                "CASE WHEN login_throttle.window_started_at < ",
            )
            .bind::<diesel::sql_types::Timestamptz, _>(window_start)
            .sql(" THEN 1 ELSE login_throttle.failures + 1 END")),
            lt::window_started_at.eq(diesel::dsl::sql::<diesel::sql_types::Timestamptz>(
                "CASE WHEN login_throttle.window_started_at < ",
            )
            .bind::<diesel::sql_types::Timestamptz, _>(window_start)
            .sql(" THEN excluded.window_started_at ELSE login_throttle.window_started_at END")),
        ))
        .returning((lt::failures, lt::window_started_at))
        .get_result(conn)
        .await?;
    let resets_in = (started + Duration::seconds(window_secs) - now)
        .num_seconds()
        .max(1);
    Ok((count, resets_in))
}

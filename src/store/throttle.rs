//! Failed-login counters, shared by every server instance through the database.
//!
//! Kept in PostgreSQL rather than in an in-process limiter (such as `governor`) because the
//! design runs several stateless instances: a limit must hold whichever instance answers.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema::login_throttle as lt;
use crate::error::AppResult;

/// Seconds until the first of `keys` is unlocked, if any is locked now.
pub async fn locked_for(
    conn: &mut AsyncPgConnection,
    keys: &[String],
    now: DateTime<Utc>,
) -> AppResult<Option<i64>> {
    let until: Option<Option<DateTime<Utc>>> = lt::table
        .filter(lt::key.eq_any(keys))
        .filter(lt::locked_until.gt(now))
        .select(diesel::dsl::max(lt::locked_until))
        .first(conn)
        .await
        .optional()?;
    Ok(until.flatten().map(|t| (t - now).num_seconds().max(1)))
}

/// Counts one failure for `key`. The count restarts when the window has passed; reaching
/// `limit` locks the key for one window. Returns seconds until unlock when now locked.
pub async fn record_failure(
    conn: &mut AsyncPgConnection,
    key: &str,
    limit: i32,
    window_secs: i64,
    now: DateTime<Utc>,
) -> AppResult<Option<i64>> {
    let window_start = now - Duration::seconds(window_secs);
    // One statement, so concurrent failures are all counted.
    let failures: i32 = diesel::insert_into(lt::table)
        .values((
            lt::key.eq(key),
            lt::failures.eq(1),
            lt::window_started_at.eq(now),
        ))
        .on_conflict(lt::key)
        .do_update()
        .set((
            lt::failures.eq(diesel::dsl::sql::<diesel::sql_types::Int4>(&format!(
                "CASE WHEN login_throttle.window_started_at < '{}' THEN 1 ELSE login_throttle.failures + 1 END",
                window_start.to_rfc3339()
            ))),
            lt::window_started_at.eq(diesel::dsl::sql::<diesel::sql_types::Timestamptz>(&format!(
                "CASE WHEN login_throttle.window_started_at < '{}' THEN excluded.window_started_at ELSE login_throttle.window_started_at END",
                window_start.to_rfc3339()
            ))),
            lt::locked_until.eq(excluded(lt::locked_until)),
        ))
        .returning(lt::failures)
        .get_result(conn)
        .await?;
    if failures >= limit {
        let until = now + Duration::seconds(window_secs);
        diesel::update(lt::table.find(key))
            .set(lt::locked_until.eq(until))
            .execute(conn)
            .await?;
        return Ok(Some(window_secs));
    }
    Ok(None)
}

/// Forgets the failures of `key` (after a successful login).
pub async fn clear(conn: &mut AsyncPgConnection, key: &str) -> AppResult<()> {
    diesel::delete(lt::table.find(key)).execute(conn).await?;
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

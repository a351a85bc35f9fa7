//! The statements of the read replica: where the primary's WAL is, how far the replica has
//! replayed it, and who wrote last.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::recent_writes;
use crate::error::AppResult;

/// The primary's WAL insert position (bytes from the start of the WAL) and its clock.
#[derive(QueryableByName, Debug)]
pub struct PrimaryPosition {
    /// `pg_current_wal_lsn()` in bytes.
    #[diesel(sql_type = BigInt)]
    pub lsn: i64,
    /// `clock_timestamp()` when it was read.
    #[diesel(sql_type = Timestamptz)]
    pub at: DateTime<Utc>,
}

/// Where the primary's WAL ends now.
pub async fn primary_position(conn: &mut AsyncPgConnection) -> QueryResult<PrimaryPosition> {
    diesel::sql_query(
        "SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint AS lsn, clock_timestamp() AS at",
    )
    .get_result(conn)
    .await
}

/// How far a standby has replayed the primary's WAL.
#[derive(QueryableByName, Debug)]
pub struct ReplayPosition {
    /// Whether the server is a standby at all.
    #[diesel(sql_type = Bool)]
    pub in_recovery: bool,
    /// `pg_last_wal_replay_lsn()` in bytes (none on a primary).
    #[diesel(sql_type = Nullable<BigInt>)]
    pub lsn: Option<i64>,
    /// Commit time of the last transaction replayed.
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub last_commit: Option<DateTime<Utc>>,
    /// Whether replay is paused (`pg_wal_replay_pause()`).
    #[diesel(sql_type = Text)]
    pub pause_state: String,
}

/// Where the standby's replay stands.
pub async fn replay_position(conn: &mut AsyncPgConnection) -> QueryResult<ReplayPosition> {
    diesel::sql_query(
        "SELECT pg_is_in_recovery() AS in_recovery, \
                (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint AS lsn, \
                pg_last_xact_replay_timestamp() AS last_commit, \
                CASE WHEN pg_is_in_recovery() THEN pg_get_wal_replay_pause_state() \
                     ELSE 'not paused' END AS pause_state",
    )
    .get_result(conn)
    .await
}

/// Notes that `user` has just written (on the primary): its list reads stay on the primary
/// until the replica has replayed past now.
pub async fn note_write(conn: &mut AsyncPgConnection, user: Uuid) -> AppResult<()> {
    diesel::insert_into(recent_writes::table)
        .values((
            recent_writes::user_id.eq(user),
            recent_writes::written_at.eq(diesel::dsl::now),
        ))
        .on_conflict(recent_writes::user_id)
        .do_update()
        .set(recent_writes::written_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    Ok(())
}

/// As [`note_write`], for the account of `officer` (a write made for it by the bank's
/// callback).
pub async fn note_write_for_officer(conn: &mut AsyncPgConnection, officer: Uuid) -> AppResult<()> {
    diesel::sql_query(
        "INSERT INTO recent_writes (user_id, written_at) \
         SELECT user_id, now() FROM officers WHERE id = $1 \
         ON CONFLICT (user_id) DO UPDATE SET written_at = excluded.written_at",
    )
    .bind::<diesel::sql_types::Uuid, _>(officer)
    .execute(conn)
    .await?;
    Ok(())
}

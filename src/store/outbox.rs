//! The SMS outbox: rows written in the transaction of the change they announce, taken by the
//! senders of every instance with `FOR UPDATE SKIP LOCKED`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema::sms_outbox;
use crate::domain::Entity;
use crate::domain::sms::{SmsPurpose, SmsStatus};
use crate::error::AppResult;

/// A text message to send once the transaction commits.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = sms_outbox)]
pub struct NewSms {
    /// The mobile, `09xxxxxxxxx`.
    pub receptor: String,
    /// The Persian text.
    pub message: String,
    /// Why it is sent.
    pub purpose: SmsPurpose,
    /// What it is about.
    pub entity_type: Option<Entity>,
    /// Its id.
    pub entity_id: Option<String>,
}

impl NewSms {
    /// A message to `receptor` about an object.
    pub fn new(
        receptor: &str,
        message: String,
        purpose: SmsPurpose,
        entity: Entity,
        id: impl ToString,
    ) -> Self {
        Self {
            receptor: receptor.to_string(),
            message,
            purpose,
            entity_type: Some(entity),
            entity_id: Some(id.to_string()),
        }
    }
}

/// A row of the outbox.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = sms_outbox)]
pub struct Sms {
    pub id: i64,
    pub receptor: String,
    pub message: String,
    pub purpose: SmsPurpose,
    pub entity_type: Option<Entity>,
    pub entity_id: Option<String>,
    pub status: SmsStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub provider_message_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// Writes outbox rows in the caller's transaction.
pub async fn enqueue(conn: &mut AsyncPgConnection, rows: &[NewSms]) -> AppResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    diesel::insert_into(sms_outbox::table)
        .values(rows)
        .execute(conn)
        .await?;
    Ok(())
}

/// Takes up to `limit` due rows for this sender, in one statement: each gets its attempt
/// counted and its next attempt moved `lease_secs` ahead, so no other sender takes it
/// while this one works on it (rows another sender is taking are skipped). A row taken
/// with `attempts > 1` was tried before and may have reached the provider.
pub async fn take_due(
    conn: &mut AsyncPgConnection,
    lease_secs: i64,
    limit: i64,
) -> AppResult<Vec<Sms>> {
    Ok(diesel::sql_query(
        "UPDATE sms_outbox SET attempts = attempts + 1, \
             next_attempt_at = now() + make_interval(secs => $1) \
         WHERE id IN (SELECT id FROM sms_outbox WHERE status = $2 AND next_attempt_at <= now() \
                      ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED) \
         RETURNING *",
    )
    .bind::<diesel::sql_types::Double, _>(lease_secs as f64)
    .bind::<diesel::sql_types::Text, _>(SmsStatus::Pending)
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .load(conn)
    .await?)
}

/// Marks a taken row SENT (guarded by its attempt, so a sender whose lease ran out cannot
/// mark a row another one took since). Returns whether it was marked.
pub async fn mark_sent(
    conn: &mut AsyncPgConnection,
    id: i64,
    attempt: i32,
    provider_message_id: &str,
) -> AppResult<bool> {
    let n = diesel::update(
        sms_outbox::table
            .filter(sms_outbox::id.eq(id))
            .filter(sms_outbox::status.eq(SmsStatus::Pending))
            .filter(sms_outbox::attempts.eq(attempt)),
    )
    .set((
        sms_outbox::status.eq(SmsStatus::Sent),
        sms_outbox::provider_message_id.eq(provider_message_id),
        sms_outbox::sent_at.eq(diesel::dsl::now),
        sms_outbox::last_error.eq(None::<String>),
    ))
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// Records a failed attempt of a taken row: retried at `retry_at`, or FAILED for good when
/// `retry_at` is `None`.
pub async fn mark_failed_attempt(
    conn: &mut AsyncPgConnection,
    id: i64,
    attempt: i32,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> AppResult<bool> {
    let target = sms_outbox::table
        .filter(sms_outbox::id.eq(id))
        .filter(sms_outbox::status.eq(SmsStatus::Pending))
        .filter(sms_outbox::attempts.eq(attempt));
    let n = match retry_at {
        Some(at) => {
            diesel::update(target)
                .set((
                    sms_outbox::next_attempt_at.eq(at),
                    sms_outbox::last_error.eq(error),
                ))
                .execute(conn)
                .await?
        }
        None => {
            diesel::update(target)
                .set((
                    sms_outbox::status.eq(SmsStatus::Failed),
                    sms_outbox::last_error.eq(error),
                ))
                .execute(conn)
                .await?
        }
    };
    Ok(n == 1)
}

/// A page of the outbox, newest first, after a keyset cursor, and the total.
pub async fn list(
    conn: &mut AsyncPgConnection,
    statuses: &[SmsStatus],
    after: Option<(DateTime<Utc>, i64)>,
    limit: i64,
) -> AppResult<(Vec<Sms>, i64)> {
    let filtered = || {
        let mut q = sms_outbox::table.into_boxed();
        if !statuses.is_empty() {
            q = q.filter(sms_outbox::status.eq_any(statuses.to_vec()));
        }
        q
    };
    let mut q = filtered()
        .select(Sms::as_select())
        .order((sms_outbox::created_at.desc(), sms_outbox::id.desc()))
        .limit(limit);
    if let Some((t, id)) = after {
        q = q.filter(
            sms_outbox::created_at
                .lt(t)
                .or(sms_outbox::created_at.eq(t).and(sms_outbox::id.lt(id))),
        );
    }
    let rows = q.load(conn).await?;
    let total = filtered().count().get_result(conn).await?;
    Ok((rows, total))
}

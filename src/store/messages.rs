//! Messages, their recipients (the audience resolved at sending) and attachments.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::collections::HashMap;
use uuid::Uuid;

use super::events::{self, NewEvent};
use super::schema::{
    message_attachments as att, message_recipients as mr, messages as m, officers,
};
use crate::domain::message::{Audience, MessagePriority};
use crate::domain::{Actor, Entity};
use crate::error::AppResult;

/// A message as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = m)]
pub struct Message {
    pub id: Uuid,
    pub subject: String,
    pub body: String,
    pub priority: MessagePriority,
    pub must_acknowledge: bool,
    pub audience: serde_json::Value,
    pub sent_by: Uuid,
    pub sent_at: DateTime<Utc>,
    pub recipients_count: i32,
}

/// A message as an officer's inbox lists it: every column but the audience, which officers
/// never see and which, for a message to a list of officers, holds their ids (3.7 kB for 100
/// officers, hundreds of kB for thousands; reading it made an inbox page 3.7 times costlier
/// to PostgreSQL with 100 ids: `benches/README.md`, "messages").
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = m)]
struct Listed {
    id: Uuid,
    subject: String,
    body: String,
    priority: MessagePriority,
    must_acknowledge: bool,
    sent_by: Uuid,
    sent_at: DateTime<Utc>,
    recipients_count: i32,
}

impl From<Listed> for Message {
    fn from(l: Listed) -> Self {
        Self {
            id: l.id,
            subject: l.subject,
            body: l.body,
            priority: l.priority,
            must_acknowledge: l.must_acknowledge,
            audience: serde_json::Value::Null,
            sent_by: l.sent_by,
            sent_at: l.sent_at,
            recipients_count: l.recipients_count,
        }
    }
}

/// One officer's copy of a message: when it was read and acknowledged.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mr)]
pub struct Recipient {
    pub message_id: Uuid,
    pub officer_id: Uuid,
    pub read_at: Option<DateTime<Utc>>,
    pub acknowledged_at: Option<DateTime<Utc>>,
}

/// An attachment as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = att)]
pub struct Attachment {
    pub id: Uuid,
    pub message_id: Uuid,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub storage_key: String,
    pub created_at: DateTime<Utc>,
}

/// The province and officer ids among `ids` that exist (to name the unknown ones).
pub async fn existing_officers(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> AppResult<Vec<Uuid>> {
    Ok(officers::table
        .filter(officers::id.eq_any(ids))
        .select(officers::id)
        .load(conn)
        .await?)
}

/// How many recipient ids one event names (a notification carries at most 8,000 bytes).
const IDS_PER_EVENT: usize = 150;

/// Sends a message in the caller's transaction: the message, one recipient row per officer
/// of the audience (one set-based statement), its attachments, and its event(s): one for
/// all officers or provinces, one per 150 officers of an explicit list. Returns the message
/// with its number of recipients.
pub async fn send(
    conn: &mut AsyncPgConnection,
    mut message: Message,
    audience: &Audience,
    attachments: &[Attachment],
    actor: &Actor,
) -> AppResult<Message> {
    diesel::insert_into(m::table)
        .values(&message)
        .execute(conn)
        .await?;
    let insert = "INSERT INTO message_recipients (message_id, officer_id, sent_at) \
                  SELECT $1, o.id, $2 FROM officers o";
    let count = match audience {
        Audience::All => {
            diesel::sql_query(insert)
                .bind::<diesel::sql_types::Uuid, _>(message.id)
                .bind::<diesel::sql_types::Timestamptz, _>(message.sent_at)
                .execute(conn)
                .await?
        }
        Audience::Provinces(p) => {
            diesel::sql_query(format!("{insert} WHERE o.province_id = ANY($3)"))
                .bind::<diesel::sql_types::Uuid, _>(message.id)
                .bind::<diesel::sql_types::Timestamptz, _>(message.sent_at)
                .bind::<diesel::sql_types::Array<diesel::sql_types::Integer>, _>(p)
                .execute(conn)
                .await?
        }
        Audience::Officers(o) => {
            diesel::sql_query(format!("{insert} WHERE o.id = ANY($3)"))
                .bind::<diesel::sql_types::Uuid, _>(message.id)
                .bind::<diesel::sql_types::Timestamptz, _>(message.sent_at)
                .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(o)
                .execute(conn)
                .await?
        }
    };
    message.recipients_count = i32::try_from(count).unwrap_or(i32::MAX);
    diesel::update(m::table.find(message.id))
        .set(m::recipients_count.eq(message.recipients_count))
        .execute(conn)
        .await?;
    if !attachments.is_empty() {
        diesel::insert_into(att::table)
            .values(attachments)
            .execute(conn)
            .await?;
    }
    let audiences: Vec<serde_json::Value> = match audience {
        Audience::Officers(o) => o
            .chunks(IDS_PER_EVENT)
            .map(|c| Audience::Officers(c.to_vec()).to_json())
            .collect(),
        other => vec![other.to_json()],
    };
    for a in audiences {
        let mut event = NewEvent::new(actor.logged(), Entity::Message, message.id, "SEND")
            .with_data(serde_json::json!({
                "subject": message.subject,
                "recipients": message.recipients_count,
            }));
        event.audience = Some(a);
        events::append(conn, event).await?;
    }
    Ok(message)
}

/// An officer's inbox, newest first, after a keyset cursor (and only the unread ones when
/// asked), with its total. The messages come without their audience (`Value::Null`): it is
/// for admins only.
pub async fn inbox(
    conn: &mut AsyncPgConnection,
    officer_id: Uuid,
    unread_only: bool,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> AppResult<(Vec<(Message, Recipient)>, i64)> {
    let filtered = || {
        let q = mr::table.filter(mr::officer_id.eq(officer_id)).into_boxed();
        if unread_only {
            q.filter(mr::read_at.is_null())
        } else {
            q
        }
    };
    let mut q = filtered()
        .inner_join(m::table)
        .select((Listed::as_select(), Recipient::as_select()))
        .order((mr::sent_at.desc(), mr::message_id.desc()))
        .limit(limit);
    if let Some((t, id)) = after {
        q = q.filter(
            mr::sent_at
                .lt(t)
                .or(mr::sent_at.eq(t).and(mr::message_id.lt(id))),
        );
    }
    let rows: Vec<(Listed, Recipient)> = q.load(conn).await?;
    let total = filtered().count().get_result(conn).await?;
    Ok((
        rows.into_iter()
            .map(|(l, r)| (Message::from(l), r))
            .collect(),
        total,
    ))
}

/// The unread messages of an officer.
pub async fn unread_count(conn: &mut AsyncPgConnection, officer_id: Uuid) -> AppResult<i64> {
    Ok(mr::table
        .filter(mr::officer_id.eq(officer_id))
        .filter(mr::read_at.is_null())
        .count()
        .get_result(conn)
        .await?)
}

/// The messages sent, newest first, after a keyset cursor, with their total (admins).
pub async fn sent(
    conn: &mut AsyncPgConnection,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> AppResult<(Vec<Message>, i64)> {
    let mut q = m::table
        .select(Message::as_select())
        .order((m::sent_at.desc(), m::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some((t, id)) = after {
        q = q.filter(m::sent_at.lt(t).or(m::sent_at.eq(t).and(m::id.lt(id))));
    }
    let rows = q.load(conn).await?;
    let total = m::table.count().get_result(conn).await?;
    Ok((rows, total))
}

/// One message.
pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<Message>> {
    Ok(m::table
        .find(id)
        .select(Message::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Messages by id.
pub async fn by_ids(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> AppResult<Vec<Message>> {
    Ok(m::table
        .filter(m::id.eq_any(ids))
        .select(Message::as_select())
        .load(conn)
        .await?)
}

/// An officer's copy of a message, if the officer is a recipient.
pub async fn recipient(
    conn: &mut AsyncPgConnection,
    message_id: Uuid,
    officer_id: Uuid,
) -> AppResult<Option<Recipient>> {
    Ok(mr::table
        .find((message_id, officer_id))
        .select(Recipient::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The copies of some messages for one officer.
pub async fn recipients_of(
    conn: &mut AsyncPgConnection,
    officer_id: Uuid,
    message_ids: &[Uuid],
) -> AppResult<Vec<Recipient>> {
    Ok(mr::table
        .filter(mr::officer_id.eq(officer_id))
        .filter(mr::message_id.eq_any(message_ids))
        .select(Recipient::as_select())
        .load(conn)
        .await?)
}

/// Sets `read_at` once (and `acknowledged_at` once, when `acknowledge`); a second call
/// changes nothing. `None` when the officer is not a recipient.
pub async fn mark(
    conn: &mut AsyncPgConnection,
    message_id: Uuid,
    officer_id: Uuid,
    acknowledge: bool,
) -> AppResult<Option<Recipient>> {
    let sql = if acknowledge {
        "UPDATE message_recipients SET read_at = coalesce(read_at, now()), \
         acknowledged_at = coalesce(acknowledged_at, now()) \
         WHERE message_id = $1 AND officer_id = $2 RETURNING *"
    } else {
        "UPDATE message_recipients SET read_at = coalesce(read_at, now()) \
         WHERE message_id = $1 AND officer_id = $2 RETURNING *"
    };
    #[derive(QueryableByName)]
    #[diesel(table_name = mr)]
    struct Row {
        message_id: Uuid,
        officer_id: Uuid,
        read_at: Option<DateTime<Utc>>,
        acknowledged_at: Option<DateTime<Utc>>,
    }
    let row: Option<Row> = diesel::sql_query(sql)
        .bind::<diesel::sql_types::Uuid, _>(message_id)
        .bind::<diesel::sql_types::Uuid, _>(officer_id)
        .get_result(conn)
        .await
        .optional()?;
    Ok(row.map(|r| Recipient {
        message_id: r.message_id,
        officer_id: r.officer_id,
        read_at: r.read_at,
        acknowledged_at: r.acknowledged_at,
    }))
}

/// (read, acknowledged) counts of some messages.
pub async fn counts(
    conn: &mut AsyncPgConnection,
    message_ids: &[Uuid],
) -> AppResult<HashMap<Uuid, (i64, i64)>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        message_id: Uuid,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        read: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        acknowledged: i64,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT message_id, count(read_at) AS read, count(acknowledged_at) AS acknowledged \
         FROM message_recipients WHERE message_id = ANY($1) GROUP BY message_id",
    )
    .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(message_ids)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.message_id, (r.read, r.acknowledged)))
        .collect())
}

/// Which recipients of a message a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecipientFilter {
    /// All of them.
    All,
    /// Those who read it.
    Read,
    /// Those who have not read it.
    Unread,
    /// Those who acknowledged it.
    Acknowledged,
}

/// A page of the recipients of a message (by officer id), with their total.
pub async fn recipients(
    conn: &mut AsyncPgConnection,
    message_id: Uuid,
    filter: RecipientFilter,
    after: Option<Uuid>,
    limit: i64,
) -> AppResult<(Vec<Recipient>, i64)> {
    let filtered = || {
        let q = mr::table.filter(mr::message_id.eq(message_id)).into_boxed();
        match filter {
            RecipientFilter::All => q,
            RecipientFilter::Read => q.filter(mr::read_at.is_not_null()),
            RecipientFilter::Unread => q.filter(mr::read_at.is_null()),
            RecipientFilter::Acknowledged => q.filter(mr::acknowledged_at.is_not_null()),
        }
    };
    let mut q = filtered()
        .select(Recipient::as_select())
        .order(mr::officer_id)
        .limit(limit);
    if let Some(after) = after {
        q = q.filter(mr::officer_id.gt(after));
    }
    let rows = q.load(conn).await?;
    let total = filtered().count().get_result(conn).await?;
    Ok((rows, total))
}

/// The attachments of some messages, in the order they were added.
pub async fn attachments_of(
    conn: &mut AsyncPgConnection,
    message_ids: &[Uuid],
) -> AppResult<Vec<Attachment>> {
    Ok(att::table
        .filter(att::message_id.eq_any(message_ids))
        .order((att::created_at, att::id))
        .select(Attachment::as_select())
        .load(conn)
        .await?)
}

/// One attachment.
pub async fn attachment(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<Attachment>> {
    Ok(att::table
        .find(id)
        .select(Attachment::as_select())
        .first(conn)
        .await
        .optional()?)
}

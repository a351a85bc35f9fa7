//! The directorate's messages (M1): sending to an audience resolved at once, the officer's
//! inbox, reading and acknowledging, attachments for recipients and admins only.

use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use std::io::Read;
use uuid::Uuid;

use crate::domain::message::{self as dm, Audience, MessagePriority};
use crate::domain::{Actor, Caller, Parties, Role};
use crate::error::{AppError, AppResult};
use crate::integrations::storage::{self, DocumentStore};
use crate::policy::{self, Object};
use crate::store::messages::{self as store, Attachment, Message, Recipient};
use crate::store::{self as db, DbPool, reference};
use crate::workflow::documents::read_limited;

/// Most attachments of one message.
pub const MAX_ATTACHMENTS: usize = 5;

/// A message to send.
pub struct NewMessage {
    /// Subject.
    pub subject: String,
    /// Body.
    pub body: String,
    /// Who it goes to.
    pub audience: Audience,
    /// How urgent.
    pub priority: MessagePriority,
    /// Whether recipients must acknowledge it.
    pub must_acknowledge: bool,
    /// PDF attachments: (file name, content).
    pub attachments: Vec<(String, Box<dyn Read + Send>)>,
}

/// Where attachments go and how large they may be.
pub struct Messages<'a> {
    /// The database pool.
    pub pool: &'a DbPool,
    /// The document store.
    pub store: &'a DocumentStore,
    /// Largest accepted attachment, in bytes.
    pub max_bytes: usize,
}

impl Messages<'_> {
    /// Sends a message (admins): validates everything, stores the attachments, then one
    /// transaction writes the message, its recipients (the audience resolved now), its
    /// attachments and its event. Unknown officers or provinces are refused, naming them.
    pub async fn send(&self, caller: Caller, input: NewMessage) -> AppResult<Message> {
        let (subject, body) = dm::subject_and_body(&input.subject, &input.body)?;
        if input.attachments.len() > MAX_ATTACHMENTS {
            return Err(AppError::validation(
                "attachments",
                format!("at most {MAX_ATTACHMENTS} attachments"),
                "حداکثر پنج پیوست مجاز است",
            ));
        }
        let mut conn = db::conn(self.pool).await?;
        check_audience(&mut conn, &input.audience).await?;
        drop(conn);
        let id = Uuid::new_v4();
        let mut files = Vec::new();
        for (i, (name, file)) in input.attachments.into_iter().enumerate() {
            let content = read_limited(file, self.max_bytes)
                .await
                .map_err(|e| rename_field(e, i))?;
            if storage::sniff(&content) != Some("application/pdf") {
                return Err(AppError::validation(
                    format!("attachments.{i}"),
                    "attachments are PDF files only (judged by their content)",
                    "پیوست پیام فقط می‌تواند فایل PDF باشد",
                ));
            }
            let attachment_id = Uuid::new_v4();
            files.push((
                Attachment {
                    id: attachment_id,
                    message_id: id,
                    file_name: storage::display_file_name(&name),
                    content_type: "application/pdf".to_string(),
                    size_bytes: content.len() as i64,
                    sha256: storage::sha256_hex(&content),
                    storage_key: format!("messages/{id}/{attachment_id}"),
                    created_at: Utc::now(),
                },
                content,
            ));
        }
        for (a, content) in &files {
            if let Err(e) = self
                .store
                .put(&a.storage_key, bytes::Bytes::from(content.clone()))
                .await
            {
                self.delete(&files).await;
                return Err(AppError::storage_unavailable(e));
            }
        }
        let message = Message {
            id,
            subject,
            body,
            priority: input.priority,
            must_acknowledge: input.must_acknowledge,
            audience: input.audience.to_json(),
            sent_by: caller.user_id,
            sent_at: Utc::now(),
            recipients_count: 0,
        };
        let attachments: Vec<Attachment> = files.iter().map(|(a, _)| a.clone()).collect();
        let audience = input.audience;
        let mut conn = db::conn(self.pool).await?;
        let sent = conn
            .transaction::<_, AppError, _>(async move |conn| {
                store::send(conn, message, &audience, &attachments, &Actor::User(caller)).await
            })
            .await;
        if sent.is_err() {
            self.delete(&files).await;
        }
        sent
    }

    async fn delete(&self, files: &[(Attachment, Vec<u8>)]) {
        for (a, _) in files {
            let _ = self.store.delete(&a.storage_key).await;
        }
    }
}

fn rename_field(mut e: AppError, i: usize) -> AppError {
    if e.field.is_some() {
        e.field = Some(format!("attachments.{i}"));
    }
    e
}

/// Refuses an audience naming officers or provinces that do not exist.
async fn check_audience(conn: &mut AsyncPgConnection, audience: &Audience) -> AppResult<()> {
    let unknown: Vec<String> = match audience {
        Audience::All => Vec::new(),
        Audience::Provinces(p) => {
            let known = reference::provinces_by_ids(conn, p).await?;
            p.iter()
                .filter(|id| !known.iter().any(|k| k.id == **id))
                .map(|id| id.to_string())
                .collect()
        }
        Audience::Officers(o) => {
            let known = store::existing_officers(conn, o).await?;
            o.iter()
                .filter(|id| !known.contains(id))
                .map(|id| id.to_string())
                .collect()
        }
    };
    if unknown.is_empty() {
        return Ok(());
    }
    let field = match audience {
        Audience::Provinces(_) => "provinceIds",
        _ => "officerIds",
    };
    let mut e = AppError::validation(
        field,
        format!("unknown ids: {}", unknown.join(", ")),
        "برخی از گیرندگان انتخاب‌شده وجود ندارند",
    );
    e.details = Some(Box::new(serde_json::json!({ "unknown": unknown })));
    Err(e)
}

/// A message as `caller` sees it, with the caller's copy (an officer's) — `NOT_FOUND` for
/// an officer who is not a recipient.
pub async fn visible(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
) -> AppResult<(Message, Option<Recipient>)> {
    let message = store::find(conn, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let recipient = match caller.officer_id {
        Some(o) if caller.role == Role::Officer => store::recipient(conn, id, o).await?,
        _ => None,
    };
    let parties = Parties {
        officer: recipient.as_ref().map(|r| r.officer_id),
        ..Parties::default()
    };
    if policy::sees(caller, Object::Message, &parties) {
        Ok((message, recipient))
    } else {
        Err(AppError::not_found())
    }
}

/// The officer reads (or acknowledges) a message of its own: the time is set once; a second
/// call changes nothing and is no error.
pub async fn mark(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
    acknowledge: bool,
) -> AppResult<(Message, Recipient)> {
    let officer = caller.officer_id.ok_or_else(AppError::not_found)?;
    let recipient = store::mark(conn, id, officer, acknowledge)
        .await?
        .ok_or_else(AppError::not_found)?;
    let message = store::find(conn, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok((message, recipient))
}

/// Whether `caller` may download the attachment (a recipient of its message, or an admin);
/// returns it.
pub async fn attachment_for(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    attachment_id: Uuid,
) -> AppResult<Option<Attachment>> {
    let Some(a) = store::attachment(conn, attachment_id).await? else {
        return Ok(None);
    };
    Ok(visible(conn, caller, a.message_id).await.ok().map(|_| a))
}

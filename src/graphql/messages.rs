//! The directorate's messages (M1): sending, the inbox, reading, who read.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Object, Result, Upload};
use uuid::Uuid;

use super::context::{app, caller};
use super::pagination::{Page, Total, connection, encode};
use super::reference::parse_ref_id;
use super::types::message::{Message, MessageRecipient};
use crate::domain::Role;
use crate::domain::message::{Audience, MessagePriority};
use crate::error::{AppError, AppResult};
use crate::store::{self, messages as db};
use crate::workflow::messages::{self as wf, NewMessage};

/// A page of messages.
pub type MessageConnection = Connection<String, Message, Total>;
/// A page of the recipients of a message.
pub type MessageRecipientConnection = Connection<String, MessageRecipient, Total>;

/// A message to send: a subject, a body, and one audience — officers by id, the officers of
/// provinces, or all officers.
#[derive(InputObject)]
pub struct SendMessageInput {
    /// Subject (at most 200 characters).
    pub subject: String,
    /// Body (several lines; at most 10,000 characters).
    pub body: String,
    /// These officers.
    pub officer_ids: Option<Vec<ID>>,
    /// The officers residing in these provinces.
    pub province_ids: Option<Vec<ID>>,
    /// Every officer account, qualified or not.
    pub all_officers: Option<bool>,
    /// NORMAL (default) or URGENT.
    pub priority: Option<MessagePriority>,
    /// Whether recipients must acknowledge it (default false).
    pub must_acknowledge: Option<bool>,
    /// PDF attachments (GraphQL multipart request), at most 5.
    pub attachments: Option<Vec<Upload>>,
}

/// Which recipients `messageRecipients` lists.
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
pub enum RecipientState {
    /// Everyone.
    All,
    /// Those who read it.
    Read,
    /// Those who have not read it yet.
    Unread,
    /// Those who acknowledged it.
    Acknowledged,
}

fn id(id: &ID) -> AppResult<Uuid> {
    id.parse().map_err(|_| AppError::not_found())
}

fn audience(input: &SendMessageInput) -> AppResult<Audience> {
    let provinces = input
        .province_ids
        .as_ref()
        .map(|p| p.iter().map(|id| parse_ref_id("provinceIds", id)).collect())
        .transpose()?;
    let officers = input
        .officer_ids
        .as_ref()
        .map(|o| {
            o.iter()
                .map(|id| {
                    id.parse().map_err(|_| {
                        AppError::validation(
                            "officerIds",
                            format!("unknown ids: {}", id.as_str()),
                            "برخی از گیرندگان انتخاب‌شده وجود ندارند",
                        )
                    })
                })
                .collect::<AppResult<Vec<Uuid>>>()
        })
        .transpose()?;
    Ok(Audience::from_input(
        input.all_officers,
        provinces,
        officers,
    )?)
}

/// Message queries.
#[derive(Default)]
pub struct MessagesQuery;

#[Object]
impl MessagesQuery {
    /// An officer's inbox, newest first (`unreadOnly` for the unread ones); for an admin, the
    /// messages sent, newest first, with their counts.
    #[graphql(complexity = "crate::graphql::cost::page(first, child_complexity)")]
    async fn messages(
        &self,
        ctx: &Context<'_>,
        unread_only: Option<bool>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<MessageConnection> {
        let page = Page::from_args(first, after)?;
        let caller = caller(ctx).await?;
        let mut conn = crate::graphql::context::read_conn(ctx).await?;
        match (caller.role, caller.officer_id) {
            (Role::DirectorateAdmin, _) => {
                let (rows, total) = db::sent(&mut conn, page.after, page.first + 1).await?;
                Ok(connection(
                    rows,
                    total,
                    &page,
                    |m| encode(m.sent_at, m.id),
                    |row| Message {
                        row,
                        copy: None,
                        admin: true,
                    },
                ))
            }
            (_, Some(officer)) => {
                let (rows, total) = db::inbox(
                    &mut conn,
                    officer,
                    unread_only.unwrap_or(false),
                    page.after,
                    page.first + 1,
                )
                .await?;
                Ok(connection(
                    rows,
                    total,
                    &page,
                    |(m, _)| encode(m.sent_at, m.id),
                    |(row, copy)| Message {
                        row,
                        copy: Some(copy),
                        admin: false,
                    },
                ))
            }
            _ => Err(AppError::forbidden().into()),
        }
    }

    /// One message: to its recipients and admins; `NOT_FOUND` for another officer.
    async fn message(&self, ctx: &Context<'_>, id: ID) -> Result<Message> {
        let caller = caller(ctx).await?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        let (row, copy) = wf::visible(&mut conn, &caller, self::id(&id)?).await?;
        Ok(Message {
            row,
            copy,
            admin: caller.role == Role::DirectorateAdmin,
        })
    }

    /// Who a message went to, and who read or acknowledged it (admins).
    #[graphql(complexity = "crate::graphql::cost::page(first, child_complexity)")]
    async fn message_recipients(
        &self,
        ctx: &Context<'_>,
        message_id: ID,
        state: Option<RecipientState>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<MessageRecipientConnection> {
        let page = Page::from_args(first, None)?;
        let after = after
            .map(|c| {
                c.parse::<Uuid>().map_err(|_| {
                    AppError::validation("after", "invalid cursor", "نشانگر صفحه نامعتبر است")
                })
            })
            .transpose()?;
        let filter = match state.unwrap_or(RecipientState::All) {
            RecipientState::All => db::RecipientFilter::All,
            RecipientState::Read => db::RecipientFilter::Read,
            RecipientState::Unread => db::RecipientFilter::Unread,
            RecipientState::Acknowledged => db::RecipientFilter::Acknowledged,
        };
        let mut conn = crate::graphql::context::read_conn(ctx).await?;
        let message = db::find(&mut conn, self::id(&message_id)?)
            .await?
            .ok_or_else(AppError::not_found)?;
        let (rows, total) =
            db::recipients(&mut conn, message.id, filter, after, page.first + 1).await?;
        let mut c = connection(
            rows,
            total,
            &page,
            |r| r.officer_id.to_string(),
            MessageRecipient,
        );
        c.has_previous_page = after.is_some();
        Ok(c)
    }
}

/// Message mutations.
#[derive(Default)]
pub struct MessagesMutation;

#[Object]
impl MessagesMutation {
    /// Sends a message to officers (admins): one audience exactly (`VALIDATION_FAILED` for
    /// none, for two, for unknown officers or provinces), resolved now — officers
    /// registered later do not get it. Attachments are PDF files (sniffed), at most 5.
    async fn send_message(&self, ctx: &Context<'_>, input: SendMessageInput) -> Result<Message> {
        let caller = caller(ctx).await?;
        let audience = audience(&input)?;
        let mut attachments = Vec::new();
        for upload in input.attachments.into_iter().flatten() {
            let value = upload.value(ctx).map_err(AppError::internal)?;
            let name = value.filename.clone();
            attachments.push((
                name,
                Box::new(value.into_read()) as Box<dyn std::io::Read + Send>,
            ));
        }
        let message = app(ctx)
            .messages()
            .send(
                caller,
                NewMessage {
                    subject: input.subject,
                    body: input.body,
                    audience,
                    priority: input.priority.unwrap_or(MessagePriority::Normal),
                    must_acknowledge: input.must_acknowledge.unwrap_or(false),
                    attachments,
                },
            )
            .await?;
        Ok(Message {
            row: message,
            copy: None,
            admin: true,
        })
    }

    /// Marks one of the officer's messages read (once; a second call changes nothing).
    /// `NOT_FOUND` for a message the officer did not receive.
    async fn mark_message_read(&self, ctx: &Context<'_>, id: ID) -> Result<Message> {
        let caller = caller(ctx).await?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        let (row, copy) = wf::mark(&mut conn, &caller, self::id(&id)?, false).await?;
        Ok(Message {
            row,
            copy: Some(copy),
            admin: false,
        })
    }

    /// Acknowledges one of the officer's messages (and reads it), once.
    async fn acknowledge_message(&self, ctx: &Context<'_>, id: ID) -> Result<Message> {
        let caller = caller(ctx).await?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        let (row, copy) = wf::mark(&mut conn, &caller, self::id(&id)?, true).await?;
        Ok(Message {
            row,
            copy: Some(copy),
            admin: false,
        })
    }
}

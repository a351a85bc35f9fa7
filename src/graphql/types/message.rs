//! A message of the directorate, as its recipient or an admin sees it.

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};

use super::officer::Officer;
use crate::domain::jalali;
use crate::domain::message::MessagePriority;
use crate::error::AppError;
use crate::graphql::context::{app, caller};
use crate::graphql::loaders::{AttachmentsOfMessage, Loaders, MessageCounts, OfficerId};
use crate::policy::Access;
use crate::store::messages as store;

/// A letter or notice of the directorate to officers (M1).
pub struct Message {
    /// The message.
    pub row: store::Message,
    /// The viewer's own copy (an officer's): when it was read and acknowledged.
    pub copy: Option<store::Recipient>,
    /// Whether the viewer is an admin (then the counts show).
    pub admin: bool,
}

#[Object]
impl Message {
    /// Opaque id.
    async fn id(&self) -> ID {
        ID(self.row.id.to_string())
    }
    /// Subject.
    async fn subject(&self) -> &str {
        &self.row.subject
    }
    /// Body (several lines).
    async fn body(&self) -> &str {
        &self.row.body
    }
    /// When it was sent.
    async fn sent_at(&self) -> DateTime<Utc> {
        self.row.sent_at
    }
    /// When it was sent, Jalali, Tehran time.
    async fn sent_at_jalali(&self) -> String {
        jalali::datetime(self.row.sent_at)
    }
    /// When the viewer (a recipient) read it; `null` while unread.
    async fn read_at(&self) -> Option<DateTime<Utc>> {
        self.copy.as_ref().and_then(|c| c.read_at)
    }
    /// When the viewer (a recipient) acknowledged it.
    async fn acknowledged_at(&self) -> Option<DateTime<Utc>> {
        self.copy.as_ref().and_then(|c| c.acknowledged_at)
    }
    /// NORMAL or URGENT.
    async fn priority(&self) -> MessagePriority {
        self.row.priority
    }
    /// Whether recipients must acknowledge it (`acknowledgeMessage`).
    async fn must_acknowledge(&self) -> bool {
        self.row.must_acknowledge
    }
    /// PDF attachments.
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn attachments(&self, ctx: &Context<'_>) -> Result<Vec<MessageAttachment>> {
        let rows = ctx
            .data_unchecked::<Loaders>()
            .load_one(AttachmentsOfMessage(self.row.id))
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(MessageAttachment).collect())
    }
    /// How many officers it went to (admins; `null` for officers).
    async fn recipients_count(&self) -> Option<i32> {
        self.admin.then_some(self.row.recipients_count)
    }
    /// How many of them read it (admins; `null` for officers).
    async fn read_count(&self, ctx: &Context<'_>) -> Result<Option<i32>> {
        if !self.admin {
            return Ok(None);
        }
        let counts = ctx
            .data_unchecked::<Loaders>()
            .load_one(MessageCounts(self.row.id))
            .await?
            .unwrap_or_default();
        Ok(Some(i32::try_from(counts.0).unwrap_or(i32::MAX)))
    }
    /// How many of them acknowledged it (admins; `null` for officers).
    async fn acknowledged_count(&self, ctx: &Context<'_>) -> Result<Option<i32>> {
        if !self.admin {
            return Ok(None);
        }
        let counts = ctx
            .data_unchecked::<Loaders>()
            .load_one(MessageCounts(self.row.id))
            .await?
            .unwrap_or_default();
        Ok(Some(i32::try_from(counts.1).unwrap_or(i32::MAX)))
    }
    /// Who it was meant for, as the admin asked: `{"allOfficers": true}`,
    /// `{"provinceIds": [..]}` or `{"officerIds": [..]}` (admins; `null` for officers).
    async fn audience(&self) -> Option<async_graphql::Json<serde_json::Value>> {
        self.admin
            .then(|| async_graphql::Json(self.row.audience.clone()))
    }
}

/// A PDF attached to a message.
pub struct MessageAttachment(pub store::Attachment);

#[Object]
impl MessageAttachment {
    /// Opaque id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The name it was uploaded with (for display only).
    async fn file_name(&self) -> &str {
        &self.0.file_name
    }
    /// `application/pdf`.
    async fn content_type(&self) -> &str {
        &self.0.content_type
    }
    /// Size in bytes.
    async fn size_bytes(&self) -> i32 {
        i32::try_from(self.0.size_bytes).unwrap_or(i32::MAX)
    }
    /// SHA-256 of the content, hex.
    async fn sha256(&self) -> &str {
        &self.0.sha256
    }
    /// A link (relative to the server) serving the file to the viewer for five minutes.
    async fn download_url(&self, ctx: &Context<'_>) -> Result<String> {
        let user = caller(ctx).await?;
        let token = app(ctx)
            .tokens
            .issue_download(user.user_id, user.session, self.0.id)
            .map_err(AppError::internal)?;
        Ok(format!("/messages/attachments/{}?token={token}", self.0.id))
    }
}

/// One officer's copy of a message, as admins see it (who read or acknowledged it).
pub struct MessageRecipient(pub store::Recipient);

#[Object]
impl MessageRecipient {
    /// The officer.
    async fn officer(&self, ctx: &Context<'_>) -> Result<Officer> {
        let row = ctx
            .data_unchecked::<Loaders>()
            .load_one(OfficerId(self.0.officer_id))
            .await?
            .ok_or_else(AppError::not_found)?;
        Ok(Officer {
            row,
            visibility: Access::Full,
        })
    }
    /// When the officer read it.
    async fn read_at(&self) -> Option<DateTime<Utc>> {
        self.0.read_at
    }
    /// When the officer acknowledged it.
    async fn acknowledged_at(&self) -> Option<DateTime<Utc>> {
        self.0.acknowledged_at
    }
}

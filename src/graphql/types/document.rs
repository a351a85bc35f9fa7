//! An uploaded document.

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};

use crate::domain::officer::DocumentKind;
use crate::error::AppError;
use crate::graphql::context::app;
use crate::store::qualification as q;

/// An uploaded document.
pub struct Document(pub q::Document);

#[Object]
impl Document {
    /// Opaque id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Kind.
    async fn kind(&self) -> DocumentKind {
        self.0.kind
    }
    /// The name the file was uploaded with (R6; for display only).
    async fn file_name(&self) -> &str {
        &self.0.file_name
    }
    /// Type sniffed from the content.
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
        let user = crate::graphql::context::caller(ctx).await?;
        let token = app(ctx)
            .tokens
            .issue_download(user.user_id, user.session, self.0.id)
            .map_err(AppError::internal)?;
        Ok(format!("/documents/{}?token={token}", self.0.id))
    }
    /// When it was uploaded.
    async fn uploaded_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

//! Documents of a request: an upload is read (up to the limit), sniffed, hashed and stored
//! under a key of ours, then recorded under the request's lock; a removed document's file is
//! deleted after its row.

use bytes::Bytes;
use chrono::Utc;
use std::io::Read;
use uuid::Uuid;

use crate::domain::Caller;
use crate::domain::officer::DocumentKind;
use crate::error::{AppError, AppResult};
use crate::integrations::storage::{self, DocumentStore};
use crate::store::qualification::{Document, Request};
use crate::store::{self, DbPool};
use crate::workflow::qualification as wf;

/// Where documents go and how large they may be.
pub struct Documents<'a> {
    /// The database pool.
    pub pool: &'a DbPool,
    /// The document store (a folder or an S3 bucket).
    pub store: &'a DocumentStore,
    /// Largest accepted document, in bytes.
    pub max_bytes: usize,
    /// Most documents of one request.
    pub max_count: i64,
}

impl Documents<'_> {
    /// Attaches an uploaded file to a DRAFT or DEFICIENT request of the caller's. The type is
    /// taken from the content (PDF, JPEG or PNG only); the file name is kept for display only
    /// (R6). Nothing is kept when it is refused.
    pub async fn attach(
        &self,
        caller: Caller,
        request_id: Uuid,
        kind: DocumentKind,
        file_name: &str,
        file: impl Read + Send + 'static,
    ) -> AppResult<Document> {
        let mut conn = store::conn(self.pool).await?;
        let req = wf::editable(&mut conn, caller, request_id).await?;
        // Checked before the file is read and stored, and again under the request's lock.
        wf::room_for_document(&mut conn, req.id, self.max_count).await?;
        drop(conn);
        let content = read_limited(file, self.max_bytes).await?;
        let content_type = storage::sniff(&content).ok_or_else(|| {
            AppError::validation(
                "file",
                "only PDF, JPEG and PNG files are accepted (judged by their content)",
                "فقط فایل‌های PDF، JPEG و PNG پذیرفته می‌شوند",
            )
        })?;
        let doc = new_document(&req, &caller, kind, file_name, content_type, &content);
        // A store that cannot be written (full, read-only, gone, a bucket down) is not a bug
        // of ours: the caller is told to retry, and nothing was recorded.
        if let Err(e) = self.store.put(&doc.storage_key, Bytes::from(content)).await {
            // Whatever a failed write may have left under the key.
            let _ = self.store.delete(&doc.storage_key).await;
            return Err(AppError::storage_unavailable(e));
        }
        let mut conn = store::conn(self.pool).await?;
        if let Err(e) = wf::attach(&mut conn, caller, doc.clone(), self.max_count).await {
            // The request changed meanwhile: do not keep an orphan file.
            let _ = self.store.delete(&doc.storage_key).await;
            return Err(e);
        }
        Ok(doc)
    }

    /// Removes a document of a DRAFT or DEFICIENT request of the caller's, then its file.
    pub async fn remove(&self, caller: Caller, document_id: Uuid) -> AppResult<Request> {
        let mut conn = store::conn(self.pool).await?;
        let (req, key) = wf::remove_document(&mut conn, caller, document_id).await?;
        if let Err(e) = self.store.delete(&key).await {
            tracing::warn!(error = %e, key, "could not delete a removed document's file");
        }
        Ok(req)
    }
}

/// Reads a file off the async threads, refusing an empty one and one over `limit` bytes.
pub(crate) async fn read_limited(
    file: impl Read + Send + 'static,
    limit: usize,
) -> AppResult<Vec<u8>> {
    let content = tokio::task::spawn_blocking(move || {
        let mut buf = Vec::new();
        file.take(limit as u64 + 1)
            .read_to_end(&mut buf)
            .map(|_| buf)
    })
    .await
    .map_err(AppError::internal)?
    .map_err(AppError::internal)?;
    if content.is_empty() {
        return Err(AppError::validation(
            "file",
            "the file is empty",
            "فایل خالی است",
        ));
    }
    if content.len() > limit {
        return Err(AppError::validation(
            "file",
            format!("the file is larger than {limit} bytes"),
            format!(
                "حجم فایل بیش از حد مجاز ({} مگابایت) است",
                limit / (1024 * 1024)
            ),
        ));
    }
    Ok(content)
}

fn new_document(
    req: &Request,
    caller: &Caller,
    kind: DocumentKind,
    file_name: &str,
    content_type: &str,
    content: &[u8],
) -> Document {
    let id = Uuid::new_v4();
    Document {
        id,
        request_id: req.id,
        officer_id: req.officer_id,
        kind,
        file_name: storage::display_file_name(file_name),
        content_type: content_type.to_string(),
        size_bytes: content.len() as i64,
        sha256: storage::sha256_hex(content),
        storage_key: storage::document_key(id),
        uploaded_by: caller.user_id,
        current_for_officer: false,
        created_at: Utc::now(),
    }
}

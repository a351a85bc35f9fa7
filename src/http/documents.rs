//! `GET /documents/{id}`: the bytes of a document, to those who may see its request.
//!
//! Authorised by the short-lived `token` of `Document.downloadUrl` (bound to the user it was
//! made for) or by an access token in `Authorization`. Either way the user's right to see the
//! request is checked again now; anything else answers 404, as for a missing document.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use uuid::Uuid;

use super::AppState;
use crate::auth::Authentication;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::integrations::storage;
use crate::policy::{self, Object};
use crate::store::{self, qualification as q};
use crate::workflow::{accounts, messages};

/// Query string of a download.
#[derive(Deserialize)]
pub struct DownloadQuery {
    token: Option<String>,
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found").into_response()
}

/// What a download is: a document of a request, or an attachment of a message.
#[derive(Clone, Copy)]
enum Kind {
    Document,
    Attachment,
}

/// Serves a document.
pub async fn download(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<DownloadQuery>,
    headers: HeaderMap,
) -> Response {
    handle(state, id, query, headers, Kind::Document).await
}

/// Serves an attachment of a message, to its recipients and admins.
pub async fn attachment(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<DownloadQuery>,
    headers: HeaderMap,
) -> Response {
    handle(state, id, query, headers, Kind::Attachment).await
}

async fn handle(
    state: AppState,
    id: String,
    query: DownloadQuery,
    headers: HeaderMap,
    kind: Kind,
) -> Response {
    let Ok(id) = id.parse::<Uuid>() else {
        return not_found();
    };
    let (user_id, session) = match (&query.token, headers.get(header::AUTHORIZATION)) {
        (Some(token), _) => match state.app.tokens.verify_download(token) {
            Ok(claims) if claims.doc == id => (claims.sub, claims.sid),
            _ => return (StatusCode::UNAUTHORIZED, "invalid or expired link").into_response(),
        },
        (None, Some(value)) => match state
            .app
            .tokens
            .authenticate(Some(value.to_str().unwrap_or_default()))
        {
            Authentication::Token(claims) => (claims.sub, claims.sid),
            _ => return (StatusCode::UNAUTHORIZED, "invalid token").into_response(),
        },
        (None, None) => return (StatusCode::UNAUTHORIZED, "sign in first").into_response(),
    };
    match serve(&state, id, user_id, session, kind).await {
        Ok(Some(resp)) => resp,
        Ok(None) => not_found(),
        // The database or the document store cannot be used now: the link works again
        // once they are back (for as long as it is valid).
        Err(e) if e.code == ErrorCode::Unavailable => {
            tracing::warn!(error = %e.describe(), "download unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, "5")],
                "temporarily unavailable: try again shortly",
            )
                .into_response()
        }
        Err(e) => {
            tracing::error!(error = %e.describe(), "download failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal server error").into_response()
        }
    }
}

/// The stored file a caller may download: (storage key, content type, file name).
async fn find(
    conn: &mut store::DbConn,
    id: Uuid,
    user_id: Uuid,
    session: Uuid,
    kind: Kind,
) -> AppResult<Option<(String, String, String)>> {
    // The account and session as they are now: a disabled account or an ended session
    // gets nothing.
    let caller = match accounts::signed_in(conn, user_id, session).await {
        Ok(s) => s.caller,
        Err(e) if e.code == ErrorCode::Unauthenticated => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(match kind {
        Kind::Document => q::document_with_parties(conn, id)
            .await?
            .filter(|(_, parties)| policy::sees(&caller, Object::Document, parties))
            .map(|(d, _)| (d.storage_key, d.content_type, d.file_name)),
        Kind::Attachment => messages::attachment_for(conn, &caller, id)
            .await?
            .map(|a| (a.storage_key, a.content_type, a.file_name)),
    })
}

async fn serve(
    state: &AppState,
    id: Uuid,
    user_id: Uuid,
    session: Uuid,
    kind: Kind,
) -> AppResult<Option<Response>> {
    let mut conn = store::conn(&state.app.pool).await?;
    let found = find(&mut conn, id, user_id, session, kind).await?;
    drop(conn);
    let Some((storage_key, content_type, file_name)) = found else {
        return Ok(None);
    };
    let bytes = match state.app.documents.get(&storage_key).await {
        Ok(bytes) => bytes,
        // Recorded but not stored: lost, not a passing trouble.
        Err(e)
            if matches!(
                e.downcast_ref::<object_store::Error>(),
                Some(object_store::Error::NotFound { .. })
            ) =>
        {
            return Err(AppError::internal(e));
        }
        Err(e) => return Err(AppError::storage_unavailable(e)),
    };
    let headers = [
        (header::CONTENT_TYPE, content_type),
        (
            header::CONTENT_DISPOSITION,
            storage::content_disposition(&file_name),
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        (header::CACHE_CONTROL, "private, no-store".to_string()),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox".to_string(),
        ),
    ];
    Ok(Some((headers, bytes).into_response()))
}

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
use crate::error::ErrorCode;
use crate::integrations::storage;
use crate::policy::{self, Object};
use crate::store::{self, qualification as q};
use crate::workflow::accounts;

/// Query string of a download.
#[derive(Deserialize)]
pub struct DownloadQuery {
    token: Option<String>,
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found").into_response()
}

/// Serves a document.
pub async fn download(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<DownloadQuery>,
    headers: HeaderMap,
) -> Response {
    let Ok(id) = id.parse::<Uuid>() else {
        return not_found();
    };
    let user_id = match (&query.token, headers.get(header::AUTHORIZATION)) {
        (Some(token), _) => match state.app.tokens.verify_download(token) {
            Ok(claims) if claims.doc == id => claims.sub,
            _ => return (StatusCode::UNAUTHORIZED, "invalid or expired link").into_response(),
        },
        (None, Some(value)) => match state
            .app
            .tokens
            .authenticate(Some(value.to_str().unwrap_or_default()))
        {
            Authentication::Token(claims) => claims.sub,
            _ => return (StatusCode::UNAUTHORIZED, "invalid token").into_response(),
        },
        (None, None) => return (StatusCode::UNAUTHORIZED, "sign in first").into_response(),
    };
    match serve(&state, id, user_id).await {
        Ok(Some(resp)) => resp,
        Ok(None) => not_found(),
        Err(e) => {
            tracing::error!(error = %e, "document download failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal server error").into_response()
        }
    }
}

async fn serve(state: &AppState, id: Uuid, user_id: Uuid) -> anyhow::Result<Option<Response>> {
    let mut conn = store::conn(&state.app.pool)
        .await
        .map_err(|e| anyhow::anyhow!(e.describe()))?;
    let found = async {
        // The account as it is now: a disabled one gets nothing.
        let caller = match accounts::signed_in(&mut conn, user_id, Uuid::nil()).await {
            Ok(s) => s.caller,
            Err(e) if e.code == ErrorCode::Unauthenticated => return Ok(None),
            Err(e) => return Err(e),
        };
        let Some((doc, parties)) = q::document_with_parties(&mut conn, id).await? else {
            return Ok(None);
        };
        Ok::<_, crate::error::AppError>(
            policy::sees(&caller, Object::Document, &parties).then_some(doc),
        )
    }
    .await
    .map_err(|e| anyhow::anyhow!(e.describe()))?;
    drop(conn);
    let Some(doc) = found else {
        return Ok(None);
    };
    let bytes = state.app.documents.get(&doc.storage_key).await?;
    let headers = [
        (header::CONTENT_TYPE, doc.content_type.clone()),
        (
            header::CONTENT_DISPOSITION,
            storage::content_disposition(&doc.file_name),
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

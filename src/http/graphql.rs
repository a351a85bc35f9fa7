//! `POST /graphql`: JSON requests and multipart uploads, with body limits, no batching, the
//! caller's identity from the `Authorization` header, and a fresh set of loaders.

use async_graphql::ParseRequestError;
use async_graphql::http::MultipartOptions;
use async_graphql_axum::GraphQLResponse;
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::TryStreamExt;
use http_body_util::BodyExt as _;
use std::net::SocketAddr;
use std::sync::Arc;

use super::AppState;
use crate::auth::Authentication;
use crate::error::{AppError, AppResult, ErrorCode, INVALID_REQUEST_FA};
use crate::graphql::context::{ClientAddr, RequestAuth};
use crate::graphql::db::RequestDb;
use crate::graphql::loaders::new_loaders;
use crate::store;
use crate::workflow::accounts;

/// A refusal before execution, in the GraphQL response shape.
/// Most files in one multipart request (a message has at most 5 attachments; a document
/// is one file; more are refused by the operations themselves).
const MAX_FILES_PER_REQUEST: usize = 10;

/// A refusal before execution with the code and messages of `e`.
fn refuse_with(status: StatusCode, e: &AppError) -> Response {
    let mut extensions = serde_json::json!({
        "code": e.code.as_str(),
        "messageFa": e.message_fa,
    });
    if e.code == ErrorCode::Unavailable {
        extensions["retryable"] = true.into();
    }
    if let Some(secs) = e.retry_after_secs {
        extensions["retryAfterSeconds"] = secs.into();
    }
    let body = serde_json::json!({
        "errors": [{ "message": e.message, "extensions": extensions }]
    });
    (status, axum::Json(body)).into_response()
}

fn too_large(limit: usize) -> Response {
    refuse(
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!("the request body is larger than {limit} bytes"),
        "حجم درخواست بیش از حد مجاز است",
    )
}

/// Whether an I/O error of the body stream is the body limit.
fn over_limit(e: &std::io::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = e
        .get_ref()
        .map(|inner| inner as &(dyn std::error::Error + 'static));
    while let Some(c) = cause {
        if c.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cause = c.source();
    }
    false
}

/// An upload needs a valid token of an account that is active with its session open.
async fn upload_allowed(state: &AppState, authentication: &Authentication) -> AppResult<()> {
    let Authentication::Token(claims) = authentication else {
        return Err(AppError::unauthenticated(
            "uploads (multipart requests) need a valid access token",
        ));
    };
    let mut conn = store::conn(&state.app.pool).await?;
    accounts::signed_in(&mut conn, claims.sub, claims.sid)
        .await
        .map(|_| ())
}

fn refuse(status: StatusCode, message: &str, message_fa: &str) -> Response {
    let body = serde_json::json!({
        "errors": [{
            "message": message,
            "extensions": {
                "code": ErrorCode::ValidationFailed.as_str(),
                "messageFa": message_fa,
            }
        }]
    });
    (status, axum::Json(body)).into_response()
}

/// Handles one GraphQL request.
pub async fn graphql_handler(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let cfg = &state.app.config;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let multipart = content_type
        .as_deref()
        .is_some_and(|c| c.starts_with("multipart/"));
    let authentication = state.app.tokens.authenticate(
        headers
            .get(header::AUTHORIZATION)
            .map(|v| v.to_str().unwrap_or_default()),
    );
    let opts = MultipartOptions::default()
        .max_file_size(cfg.max_upload_request_bytes)
        .max_num_files(MAX_FILES_PER_REQUEST);
    let received = if multipart {
        // Only signed-in callers upload: the token, the account and the session are checked
        // before a byte of the body is read, and the files then stream to temporary files
        // (never the whole request in memory).
        if let Err(e) = upload_allowed(&state, &authentication).await {
            let status = if e.code == ErrorCode::Unavailable {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                StatusCode::UNAUTHORIZED
            };
            return refuse_with(status, &e);
        }
        let limit = cfg.max_upload_request_bytes;
        let stream = Body::new(http_body_util::Limited::new(body, limit)).into_data_stream();
        let reader = TryStreamExt::map_err(stream, std::io::Error::other).into_async_read();
        match async_graphql::http::receive_body(content_type.as_deref(), reader, opts).await {
            Err(ParseRequestError::Io(e)) if over_limit(&e) => Err(too_large(limit)),
            other => Ok(other),
        }
    } else {
        let limit = cfg.max_body_bytes;
        match http_body_util::Limited::new(body, limit).collect().await {
            Ok(collected) => {
                let bytes = collected.to_bytes();
                if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
                    return refuse(
                        StatusCode::BAD_REQUEST,
                        "batched requests (a JSON array) are not supported: send one operation per request",
                        "ارسال چند عملیات در یک درخواست پشتیبانی نمی‌شود",
                    );
                }
                Ok(async_graphql::http::receive_body(
                    content_type.as_deref(),
                    futures_util::io::Cursor::new(bytes),
                    opts,
                )
                .await)
            }
            Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(too_large(limit)),
            Err(_) => {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    "the request body could not be read",
                    INVALID_REQUEST_FA,
                );
            }
        }
    };
    let request = match received {
        Ok(Ok(r)) => r,
        Err(refusal) => return refusal,
        Ok(Err(e)) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                &format!("the request is not a valid GraphQL request: {e}"),
                INVALID_REQUEST_FA,
            );
        }
    };
    let client = super::client_addr::client_addr(
        cfg.trust_forwarded_for,
        &cfg.trusted_proxies,
        &headers,
        peer,
    );
    let delay = cfg.loader_delay();
    let attach = |request: async_graphql::Request, db: Arc<RequestDb>| {
        request
            .data(RequestAuth::new(authentication.clone()))
            .data(ClientAddr(client.clone()))
            .data(new_loaders(db.clone(), delay))
            .data(db)
    };
    let resp = crate::graphql::db::execute(&state.schema, &state.app, request, attach).await;
    GraphQLResponse::from(resp).into_response()
}

//! `POST /graphql`: JSON requests and multipart uploads, with body limits, no batching, the
//! caller's identity from the `Authorization` header, and a fresh set of loaders.

use async_graphql::http::MultipartOptions;
use async_graphql_axum::GraphQLResponse;
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt as _;
use std::net::SocketAddr;

use super::AppState;
use crate::error::{ErrorCode, INVALID_REQUEST_FA};
use crate::graphql::context::{ClientAddr, RequestAuth};
use crate::graphql::loaders::new_loaders;

/// A refusal before execution, in the GraphQL response shape.
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
    let limit = if multipart {
        cfg.max_upload_request_bytes
    } else {
        cfg.max_body_bytes
    };
    let bytes = match http_body_util::Limited::new(body, limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            return refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("the request body is larger than {limit} bytes"),
                "حجم درخواست بیش از حد مجاز است",
            );
        }
        Err(_) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "the request body could not be read",
                INVALID_REQUEST_FA,
            );
        }
    };
    if !multipart && bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return refuse(
            StatusCode::BAD_REQUEST,
            "batched requests (a JSON array) are not supported: send one operation per request",
            "ارسال چند عملیات در یک درخواست پشتیبانی نمی‌شود",
        );
    }
    let opts = MultipartOptions::default()
        .max_file_size(cfg.max_upload_request_bytes)
        .max_num_files(10);
    let request = match async_graphql::http::receive_body(
        content_type.as_deref(),
        futures_util::io::Cursor::new(bytes),
        opts,
    )
    .await
    {
        Ok(r) => r,
        Err(e) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                &format!("the request is not a valid GraphQL request: {e}"),
                INVALID_REQUEST_FA,
            );
        }
    };
    let request = request
        .data(RequestAuth::new(
            state.app.tokens.authenticate(
                headers
                    .get(header::AUTHORIZATION)
                    .map(|v| v.to_str().unwrap_or_default()),
            ),
        ))
        .data(ClientAddr(super::client_addr::client_addr(
            cfg.trust_forwarded_for,
            &cfg.trusted_proxies,
            &headers,
            peer,
        )))
        .data(new_loaders(
            state.app.pool.clone(),
            state.app.config.loader_delay(),
        ));
    GraphQLResponse::from(state.schema.execute(request).await).into_response()
}

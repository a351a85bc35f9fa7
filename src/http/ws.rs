//! `GET /graphql/ws`: subscriptions over WebSocket (`graphql-transport-ws`, and the legacy
//! `graphql-ws` subprotocol). The access token travels in the `connection_init` payload as
//! `{"Authorization": "Bearer <token>"}`; a missing, invalid or expired token closes the
//! connection with 4403 (Forbidden), as the protocol recommends.

use async_graphql::Data;
use async_graphql::http::{ALL_WEBSOCKET_PROTOCOLS, WebSocketProtocols, WsMessage};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use chrono::DateTime;
use futures_util::{SinkExt, StreamExt, future};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::AppState;
use crate::auth::Authentication;
use crate::auth::TokenError;
use crate::error::ErrorCode;
use crate::graphql::cartable::TokenExpiry;
use crate::graphql::context::{ClientAddr, RequestAuth};
use crate::graphql::loaders::new_loaders;
use crate::store;
use crate::workflow::accounts;

/// Upgrades to a WebSocket speaking the GraphQL subscription protocols.
pub async fn graphql_ws(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    // The first subprotocol offered that we speak; graphql-transport-ws when none is named.
    let protocol = headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',')
                .find_map(|p| p.trim().parse::<WebSocketProtocols>().ok())
        })
        .unwrap_or(WebSocketProtocols::GraphQLWS);
    // Client messages are small (subscribe, ping): small buffers keep a subscriber cheap.
    upgrade
        .read_buffer_size(4 * 1024)
        .max_message_size(256 * 1024)
        .max_frame_size(256 * 1024)
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| serve(state, socket, protocol, peer))
}

/// The `Authorization` value of a `connection_init` payload (either case of the key).
fn authorization(payload: &serde_json::Value) -> Option<&str> {
    payload
        .get("Authorization")
        .or_else(|| payload.get("authorization"))?
        .as_str()
}

async fn serve(state: AppState, socket: WebSocket, protocol: WebSocketProtocols, peer: SocketAddr) {
    let (mut sink, stream) = socket.split();
    let refused = Arc::new(AtomicBool::new(false));
    let app = state.app.clone();
    let on_init = {
        let refused = refused.clone();
        move |payload: serde_json::Value| async move {
            let refuse = |why: &str| {
                refused.store(true, Ordering::SeqCst);
                Err(async_graphql::Error::new(format!("Forbidden: {why}")))
            };
            let claims = match app.tokens.authenticate(authorization(&payload)) {
                Authentication::Token(claims) => claims,
                Authentication::Refused(TokenError::Expired) => {
                    return refuse("the access token has expired");
                }
                Authentication::Refused(TokenError::Invalid) | Authentication::Anonymous => {
                    return refuse("a valid access token is required");
                }
            };
            let signed_in = match store::conn(&app.pool).await {
                Ok(mut conn) => accounts::signed_in(&mut conn, claims.sub, claims.sid).await,
                Err(e) => Err(e),
            };
            let signed_in = match signed_in {
                Ok(s) => s,
                Err(e) if e.code == ErrorCode::Unauthenticated => {
                    return refuse("the account no longer exists or is disabled");
                }
                Err(e) => return Err(e.into()),
            };
            let mut data = Data::default();
            data.insert(RequestAuth::signed_in(signed_in));
            data.insert(TokenExpiry(
                DateTime::from_timestamp(claims.exp, 0).unwrap_or_default(),
            ));
            data.insert(ClientAddr(peer.ip().to_string()));
            data.insert(new_loaders(app.pool.clone(), app.config.loader_delay()));
            Ok(data)
        }
    };
    let input = stream
        .take_while(|res| future::ready(res.is_ok()))
        .filter_map(|msg| {
            future::ready(match msg {
                Ok(Message::Text(t)) => Some(t.as_bytes().to_vec()),
                Ok(Message::Binary(b)) => Some(b.to_vec()),
                _ => None,
            })
        });
    let messages = async_graphql::http::WebSocket::new(state.schema.clone(), input, protocol)
        // No keepalive timeout: async-graphql resets it only on client messages, and clients
        // such as graphql-ws send none by default while they receive events.
        .on_connection_init(on_init)
        .map(|msg| match msg {
            WsMessage::Text(text) => Message::Text(text.into()),
            WsMessage::Close(code, reason) => {
                // A refused connection_init closes with 4403 Forbidden (graphql-transport-ws).
                let code = if refused.load(Ordering::SeqCst) && code == 1002 {
                    4403
                } else {
                    code
                };
                Message::Close(Some(CloseFrame {
                    code,
                    reason: reason.into(),
                }))
            }
        });
    futures_util::pin_mut!(messages);
    while let Some(item) = messages.next().await {
        if sink.send(item).await.is_err() {
            break;
        }
    }
}

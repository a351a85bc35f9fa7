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
use crate::auth::TokenError;
use crate::domain::Role;
use crate::graphql::cartable::TokenExpiry;
use crate::graphql::context::{Auth, ClientAddr, CurrentUser, WhoCache};
use crate::graphql::loaders::new_loaders;

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

fn bearer(payload: &serde_json::Value) -> Option<&str> {
    let value = payload
        .get("Authorization")
        .or_else(|| payload.get("authorization"))?
        .as_str()?;
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
}

async fn serve(state: AppState, socket: WebSocket, protocol: WebSocketProtocols, peer: SocketAddr) {
    let (mut sink, stream) = socket.split();
    let refused = Arc::new(AtomicBool::new(false));
    let app = state.app.clone();
    let on_init = {
        let refused = refused.clone();
        move |payload: serde_json::Value| async move {
            let claims = bearer(&payload)
                .ok_or(TokenError::Invalid)
                .and_then(|t| app.tokens.verify(t));
            let (claims, role) = match claims {
                Ok(c) => match Role::parse(&c.role) {
                    Some(role) => (c, role),
                    None => {
                        refused.store(true, Ordering::SeqCst);
                        return Err(async_graphql::Error::new("Forbidden: invalid access token"));
                    }
                },
                Err(e) => {
                    refused.store(true, Ordering::SeqCst);
                    let why = match e {
                        TokenError::Expired => "Forbidden: the access token has expired",
                        TokenError::Invalid => "Forbidden: a valid access token is required",
                    };
                    return Err(async_graphql::Error::new(why));
                }
            };
            let mut data = Data::default();
            data.insert(Auth::User(CurrentUser {
                id: claims.sub,
                role,
                family: claims.sid,
            }));
            data.insert(TokenExpiry(
                DateTime::from_timestamp(claims.exp, 0).unwrap_or_default(),
            ));
            data.insert(ClientAddr(peer.ip().to_string()));
            data.insert(new_loaders(app.pool.clone()));
            data.insert(WhoCache::default());
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

//! `GET /graphql/ws`: subscriptions over WebSocket (`graphql-transport-ws`, and the legacy
//! `graphql-ws` subprotocol). The access token travels in the `connection_init` payload as
//! `{"Authorization": "Bearer <token>"}`; a missing, invalid or expired token closes the
//! connection with 4403 (Forbidden), as the protocol recommends.
//!
//! A socket is worth no more than its token, at every moment:
//! - every operation on it is authorised afresh (token expiry, session, account: read from
//!   the database as for an HTTP request), with loaders of its own;
//! - when the token expires the socket is closed with 4403, unless the client renewed it
//!   in-band first: a `ping` message whose payload is `{"Authorization": "Bearer <new>"}`
//!   (a token of the same user, from `refreshSession`) is answered by a `pong` with
//!   `{"renewed": true, "expiresAt": …}` (or `{"renewed": false, "reason": …}`, the old token
//!   staying in force until it expires). Reconnecting with the new token and resuming
//!   `cartableEvents` from `afterEventId` works as well;
//! - when the caller's session ends (logout, reuse of a refresh token) or its account is
//!   disabled or changed, on any instance, the socket is closed with 4403 at once;
//! - at most `WS_MAX_OPERATIONS` operations are open on it at once.

use async_graphql::http::{ALL_WEBSOCKET_PROTOCOLS, ClientMessage, WebSocketProtocols, WsMessage};
use async_graphql::{Data, Executor, Request, Response, ServerError};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, header};
use axum::response::Response as HttpResponse;
use chrono::{DateTime, Utc};
use futures_util::stream::BoxStream;
use futures_util::{FutureExt, SinkExt, StreamExt, future};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use tokio::sync::{broadcast, mpsc, watch};
use uuid::Uuid;

use super::AppState;
use super::ws_feed::{Feeds, Shape, Socket};
use crate::app::App;
use crate::auth::{Authentication, Claims, TokenError};
use crate::error::{AppError, ErrorCode};
use crate::graphql::AppSchema;
use crate::graphql::context::{ClientAddr, RequestAuth};
use crate::graphql::db::RequestDb;
use crate::graphql::loaders::new_loaders;
use crate::store;
use crate::workflow::accounts;

/// Close code of a refused or withdrawn authorisation (graphql-transport-ws "Forbidden").
const FORBIDDEN: u16 = 4403;

/// Upgrades to a WebSocket speaking the GraphQL subscription protocols.
pub async fn graphql_ws(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> HttpResponse {
    // The first subprotocol offered that we speak; graphql-transport-ws when none is named.
    let protocol = headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',')
                .find_map(|p| p.trim().parse::<WebSocketProtocols>().ok())
        })
        .unwrap_or(WebSocketProtocols::GraphQLWS);
    let cfg = &state.app.config;
    let client = super::client_addr::client_addr(
        cfg.trust_forwarded_for,
        &cfg.trusted_proxies,
        &headers,
        peer,
    );
    // Client messages are small (subscribe, ping): small buffers keep a subscriber cheap.
    upgrade
        .read_buffer_size(4 * 1024)
        .max_message_size(256 * 1024)
        .max_frame_size(256 * 1024)
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| async move {
            let _open = OpenSocket::new(state.app.open_sockets.clone());
            serve(state, socket, protocol, client).await;
        })
}

/// Counts a socket as open while it lives (the drain waits for the count to reach zero).
struct OpenSocket(Arc<AtomicUsize>);

impl OpenSocket {
    fn new(count: Arc<AtomicUsize>) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Self(count)
    }
}

impl Drop for OpenSocket {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Close code telling a client that this instance is going away and it should reconnect
/// (through the load balancer, to another instance): 1012 "Service Restart".
const RESTARTING: u16 = 1012;

/// The `Authorization` value of a `connection_init` or `ping` payload (either case of the
/// key).
fn authorization(payload: &serde_json::Value) -> Option<&str> {
    payload
        .get("Authorization")
        .or_else(|| payload.get("authorization"))?
        .as_str()
}

/// The credentials of one socket: set by `connection_init`, replaced by a renewal.
struct SocketAuth {
    claims: watch::Sender<Option<Claims>>,
    /// Operations open now.
    open: AtomicUsize,
    max_open: usize,
}

/// The schema, with each operation of the socket given the socket's credentials as they
/// are at that moment (and loaders of its own: nothing is cached across operations).
#[derive(Clone)]
struct SocketExecutor {
    schema: AppSchema,
    app: Arc<App>,
    auth: Arc<SocketAuth>,
    peer: String,
}

/// Frees an operation's slot on its socket when the operation ends.
struct SocketSlot(Arc<SocketAuth>);

impl Drop for SocketSlot {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::SeqCst);
    }
}

impl SocketExecutor {
    /// `request` with the socket's credentials as they are now.
    fn prepare(&self, request: Request) -> Request {
        let authentication = self.authentication();
        let db = RequestDb::new(&self.app);
        self.attach(request, db, authentication)
    }

    fn attach(
        &self,
        request: Request,
        db: Arc<RequestDb>,
        authentication: Authentication,
    ) -> Request {
        request
            .data(RequestAuth::new(authentication))
            .data(ClientAddr(self.peer.clone()))
            .data(new_loaders(db.clone(), self.app.config.loader_delay()))
            .data(db)
    }

    fn authentication(&self) -> Authentication {
        match &*self.auth.claims.borrow() {
            Some(c) if c.exp > Utc::now().timestamp() => Authentication::Token(c.clone()),
            Some(_) => Authentication::Refused(TokenError::Expired),
            None => Authentication::Anonymous,
        }
    }
}

impl Executor for SocketExecutor {
    async fn execute(&self, request: Request) -> Response {
        let authentication = self.authentication();
        crate::graphql::db::execute(&self.schema, &self.app, request, |r, db| {
            self.attach(r, db, authentication.clone())
        })
        .await
    }

    fn execute_stream(
        &self,
        request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let slot = match self.open_slot() {
            Ok(slot) => slot,
            Err(refused) => {
                return futures_util::stream::once(future::ready(*refused)).boxed();
            }
        };
        self.schema
            .execute_stream_with_session_data(
                self.prepare(request),
                session_data.unwrap_or_default(),
            )
            .map(move |response| {
                let _open = &slot;
                response
            })
            .boxed()
    }
}

impl SocketExecutor {
    /// A slot for one more operation on the socket, or the response refusing it.
    fn open_slot(&self) -> Result<SocketSlot, Box<Response>> {
        let open = self.auth.open.fetch_add(1, Ordering::SeqCst) + 1;
        let slot = SocketSlot(self.auth.clone());
        if open > self.auth.max_open {
            let mut e = AppError::new(
                ErrorCode::RateLimited,
                format!(
                    "at most {} operations may be open on one connection: complete one first",
                    self.auth.max_open
                ),
                format!(
                    "حداکثر {} عملیات هم‌زمان روی یک اتصال مجاز است؛ ابتدا یکی را پایان دهید",
                    self.auth.max_open
                ),
            );
            e.retry_after_secs = Some(1);
            let error: ServerError = async_graphql::Error::from(e)
                .into_server_error(async_graphql::Pos { line: 1, column: 1 });
            drop(slot);
            return Err(Box::new(Response::from_errors(vec![error])));
        }
        Ok(slot)
    }
}

impl Socket for SocketExecutor {
    fn schema(&self) -> &AppSchema {
        &self.schema
    }

    fn app(&self) -> &App {
        &self.app
    }

    fn prepare(&self, request: Request) -> Request {
        SocketExecutor::prepare(self, request)
    }

    fn open_slot(&self) -> Result<Box<dyn Send + Sync>, Box<Response>> {
        SocketExecutor::open_slot(self).map(|slot| Box::new(slot) as Box<dyn Send + Sync>)
    }
}

/// Whether the caller of `claims` is still signed in, as the database says now.
async fn still_signed_in(app: &App, claims: &Claims) -> Result<(), AppError> {
    let mut conn = store::conn(&app.pool).await?;
    accounts::signed_in(&mut conn, claims.sub, claims.sid)
        .await
        .map(|_| ())
}

/// `connection_init`: the token must be valid and its account and session open.
async fn init(
    app: Arc<App>,
    auth: Arc<SocketAuth>,
    payload: serde_json::Value,
) -> Result<(), String> {
    let claims = match app.tokens.authenticate(authorization(&payload)) {
        Authentication::Token(claims) => claims,
        Authentication::Refused(TokenError::Expired) => {
            return Err("Forbidden: the access token has expired".into());
        }
        Authentication::Refused(TokenError::Invalid) | Authentication::Anonymous => {
            return Err("Forbidden: a valid access token is required".into());
        }
    };
    match still_signed_in(&app, &claims).await {
        Ok(()) => {
            auth.claims.send_replace(Some(claims));
            Ok(())
        }
        Err(e) if e.code == ErrorCode::Unauthenticated => {
            Err("Forbidden: the account is disabled or the session has ended".into())
        }
        Err(e) => Err(format!("the account could not be read: {}", e.message)),
    }
}

/// A `ping`: with an `Authorization` payload, an in-band renewal of the socket's token.
async fn ping(
    app: Arc<App>,
    auth: Arc<SocketAuth>,
    payload: Option<serde_json::Value>,
) -> Option<serde_json::Value> {
    let header = payload.as_ref().and_then(authorization)?;
    let refused = |reason: &str| Some(serde_json::json!({ "renewed": false, "reason": reason }));
    let Some(current) = auth.claims.borrow().clone() else {
        return refused("the connection is not initialised");
    };
    let claims = match app.tokens.authenticate(Some(header)) {
        Authentication::Token(c) if c.sub == current.sub => c,
        Authentication::Token(_) => {
            return refused("the token is another user's: open a new connection");
        }
        Authentication::Refused(TokenError::Expired) => {
            return refused("the new access token has expired");
        }
        _ => return refused("the new access token is invalid"),
    };
    if let Err(e) = still_signed_in(&app, &claims).await {
        return refused(&e.message);
    }
    let expires_at = DateTime::from_timestamp(claims.exp, 0).unwrap_or_default();
    auth.claims.send_replace(Some(claims));
    Some(serde_json::json!({ "renewed": true, "expiresAt": expires_at }))
}

fn close(code: u16, reason: &str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }))
}

/// What wakes a socket other than its shared feeds: each source is a stream of its own in one
/// `select_all`, so that an event delivered to the socket polls only the feed that has it,
/// not async-graphql's protocol machinery, the expiry timer, the drain signal and the
/// account changes as well (a `select!` over them polls every branch on every wake-up and
/// re-registers the shared ones, the drain token's and the account channel's wait lists,
/// under their locks: at 10,000 subscribers that was most of a delivery's cost beside the
/// write itself).
enum Wake {
    /// A message of async-graphql's protocol to send.
    Out(Message),
    /// The protocol stream ended (the client closed, or the protocol closed it).
    Ended,
    /// The access token expired.
    Expired,
    /// The server is draining.
    Draining,
    /// The caller's session ended or its account changed.
    Revoked,
}

async fn serve(state: AppState, socket: WebSocket, protocol: WebSocketProtocols, peer: String) {
    let (mut sink, stream) = socket.split();
    let app = state.app.clone();
    let auth = Arc::new(SocketAuth {
        claims: watch::Sender::new(None),
        open: AtomicUsize::new(0),
        max_open: app.config.ws_max_operations.max(1),
    });
    // Subscribed before the connection is initialised, so no change is missed.
    let changes = app.hub.account_changes();
    let refused = Arc::new(AtomicBool::new(false));
    let on_init = {
        let (app, auth, refused) = (app.clone(), auth.clone(), refused.clone());
        move |payload: serde_json::Value| async move {
            match init(app, auth, payload).await {
                Ok(()) => Ok(Data::default()),
                Err(why) => {
                    refused.store(true, Ordering::SeqCst);
                    Err(async_graphql::Error::new(why))
                }
            }
        }
    };
    let on_ping = {
        let (app, auth) = (app.clone(), auth.clone());
        move |_: Option<&Data>, payload: Option<serde_json::Value>| {
            let (app, auth) = (app.clone(), auth.clone());
            async move { Ok(ping(app, auth, payload).await) }
        }
    };
    // `cartableEvents` alone is delivered here from shared renders (see `ws_feed`): its
    // `subscribe` goes to the loop below instead of async-graphql, in order with the rest.
    let (feed_tx, mut feed_rx) = mpsc::unbounded_channel::<FeedOp>();
    let input = {
        let auth = auth.clone();
        stream
            .take_while(|res| future::ready(res.is_ok()))
            .filter_map(move |msg| {
                let bytes = match &msg {
                    Ok(Message::Text(t)) => t.as_bytes(),
                    Ok(Message::Binary(b)) => b.as_ref(),
                    _ => return future::ready(None),
                };
                let message = ClientMessage::from_bytes(bytes);
                future::ready(match message {
                    // Before connection_init is accepted async-graphql refuses it.
                    Ok(ClientMessage::Start { id, payload }) if auth.claims.borrow().is_some() => {
                        match Shape::of(&payload) {
                            Some(shape) => {
                                let _ = feed_tx.send(FeedOp::Start(id, shape));
                                None
                            }
                            None => Some(Ok(ClientMessage::Start { id, payload })),
                        }
                    }
                    Ok(ClientMessage::Stop { id }) => {
                        let _ = feed_tx.send(FeedOp::Stop(id.clone()));
                        Some(Ok(ClientMessage::Stop { id }))
                    }
                    other => Some(other),
                })
            })
    };
    let executor = SocketExecutor {
        schema: state.schema.clone(),
        app: app.clone(),
        auth: auth.clone(),
        peer,
    };
    let mut feeds = Feeds::new(Arc::new(executor.clone()), protocol);
    let messages = async_graphql::http::WebSocket::from_message_stream(executor, input, protocol)
        // No keepalive timeout: async-graphql resets it only on client messages, and clients
        // such as graphql-ws send none by default while they receive events.
        .on_connection_init(on_init)
        .on_ping(on_ping)
        .map(move |msg| {
            Wake::Out(match msg {
                WsMessage::Text(text) => Message::Text(text.into()),
                WsMessage::Close(code, reason) => {
                    // A refused connection_init closes with 4403 Forbidden (graphql-transport-ws).
                    let code = if refused.load(Ordering::SeqCst) && code == 1002 {
                        FORBIDDEN
                    } else {
                        code
                    };
                    close(code, &reason)
                }
            })
        })
        .chain(futures_util::stream::once(future::ready(Wake::Ended)));
    let draining =
        futures_util::stream::once(app.draining.clone().cancelled_owned()).map(|()| Wake::Draining);
    let mut wakes = futures_util::stream::select_all([
        messages.boxed(),
        expiry(auth.clone()).boxed(),
        draining.boxed(),
        revocations(app.clone(), auth.clone(), changes).boxed(),
    ]);
    let mut feed_open = true;
    loop {
        tokio::select! {
            wake = wakes.next() => match wake {
                Some(Wake::Out(item)) => {
                    if sink.send(item).await.is_err() {
                        break;
                    }
                }
                Some(Wake::Expired) => {
                    let _ = sink
                        .send(close(FORBIDDEN, "the access token has expired: renew it with a ping or reconnect"))
                        .await;
                    break;
                }
                Some(Wake::Draining) => {
                    let _ = sink
                        .send(close(RESTARTING, "the server is restarting: reconnect and resume with afterEventId"))
                        .await;
                    let _ = sink.close().await;
                    break;
                }
                Some(Wake::Revoked) => {
                    let _ = sink
                        .send(close(FORBIDDEN, "the session has ended or the account was disabled"))
                        .await;
                    break;
                }
                Some(Wake::Ended) | None => break,
            },
            op = feed_rx.recv(), if feed_open => {
                let frame = match op {
                    Some(FeedOp::Start(id, shape)) => {
                        feeds.start(id, shape);
                        None
                    }
                    Some(FeedOp::Stop(id)) => feeds.stop(&id),
                    None => {
                        feed_open = false;
                        None
                    }
                };
                if let Some(frame) = frame
                    && sink.send(Message::Text(frame.into())).await.is_err()
                {
                    break;
                }
            }
            frame = feeds.next() => {
                // The frames ready now go out in one write (a subscriber behind catches up
                // with fewer system calls).
                let mut batch = vec![frame];
                while batch.len() < 64
                    && let Some(frame) = feeds.next().now_or_never()
                {
                    batch.push(frame);
                }
                let mut sent = true;
                for frame in batch {
                    sent = sent && sink.feed(Message::Text(frame.into())).await.is_ok();
                }
                if !sent || sink.flush().await.is_err() {
                    break;
                }
            }
        }
    }
}

/// [`Wake::Expired`] when the socket's token expires; a renewal (a new token in a `ping`)
/// moves the deadline.
fn expiry(auth: Arc<SocketAuth>) -> impl futures_util::Stream<Item = Wake> + Send {
    let mut claims = auth.claims.subscribe();
    drop(auth);
    async_stream::stream! {
        loop {
            let expires = claims.borrow_and_update().as_ref().map(|c| c.exp);
            let until = expires.map(|exp| {
                let left = (exp - Utc::now().timestamp()).max(0);
                tokio::time::Instant::now() + std::time::Duration::from_secs(left.unsigned_abs())
            });
            tokio::select! {
                () = sleep_until(until) => {
                    yield Wake::Expired;
                    return;
                }
                changed = claims.changed() => {
                    if changed.is_err() {
                        return;
                    }
                }
            }
        }
    }
}

/// [`Wake::Revoked`] once an account change concerns the socket's caller and the caller is
/// no longer signed in.
fn revocations(
    app: Arc<App>,
    auth: Arc<SocketAuth>,
    mut changes: broadcast::Receiver<Uuid>,
) -> impl futures_util::Stream<Item = Wake> + Send {
    async_stream::stream! {
        loop {
            let recheck = match changes.recv().await {
                Ok(changed) => {
                    let user = auth.claims.borrow().as_ref().map(|c| c.sub);
                    changed.is_nil() || Some(changed) == user
                }
                Err(broadcast::error::RecvError::Lagged(_)) => true,
                Err(broadcast::error::RecvError::Closed) => return,
            };
            if recheck && !still_current(&app, &auth).await {
                yield Wake::Revoked;
                return;
            }
        }
    }
}

/// A `subscribe` or `complete` for the operations delivered by [`Feeds`].
enum FeedOp {
    Start(String, Shape),
    Stop(String),
}

/// Sleeps until `until`, or forever without a deadline (before `connection_init`).
async fn sleep_until(until: Option<tokio::time::Instant>) {
    match until {
        Some(until) => tokio::time::sleep_until(until).await,
        None => future::pending().await,
    }
}

/// After an account change: whether the socket's caller is still signed in. A database
/// that cannot be reached keeps the socket open (every operation is checked anyway).
async fn still_current(app: &App, auth: &SocketAuth) -> bool {
    let Some(claims) = auth.claims.borrow().clone() else {
        return true;
    };
    match still_signed_in(app, &claims).await {
        Ok(()) => true,
        Err(e) if e.code == ErrorCode::Unauthenticated => false,
        Err(e) => {
            tracing::warn!(error = %e.message, user = %claims.sub, "re-checking a socket's caller failed");
            true
        }
    }
}

//! `cartableEvents` over WebSocket, each live event rendered once for every subscriber that
//! shares its selection and its view.
//!
//! async-graphql runs a subscription's selection set for every subscriber and every event,
//! and serialises each result for each socket: with 10,000 admins subscribed, one event was
//! 10,000 executions and 10,000 serialisations (the `cartable_fanout` benchmark). Here the
//! socket layer takes a `subscribe` whose operation is `cartableEvents` alone:
//!
//! 1. async-graphql still runs it first, with [`FeedMode::HandOff`]: validation,
//!    authorisation and the replay after `afterEventId` are the resolver's, as for any
//!    subscription, and their results are sent as they come. The resolver then hands over
//!    its live part (the receiver it subscribed before the replay, the last event sent, the
//!    viewer) and ends;
//! 2. for each live event that concerns the viewer, the subscriber asks the event for its
//!    render under (selection, viewer's role and scope): the first to ask starts it
//!    (async-graphql again, with [`FeedMode::One`]), and everyone awaits the same
//!    serialised payload, which each socket frames with its own operation id;
//! 3. a render that read who the viewer is (a download link is signed for one session, see
//!    [`crate::graphql::context::Personal`]) or that failed is its viewer's alone: the others
//!    make their own, keyed by their whole identity.
//!
//! Any other operation goes to async-graphql unchanged.

use async_graphql::parser::types::{DocumentOperations, OperationType, Selection as Item};
use async_graphql::{Request, Response, Value, Variables};
use futures_util::future::{AbortHandle, Abortable, BoxFuture};
use futures_util::stream::{BoxStream, SelectAll};
use futures_util::{FutureExt, StreamExt};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast::error::RecvError;

use crate::app::App;
use crate::cartable::{Notice, RenderKey, Rendered, Selection};
use crate::domain::Caller;
use crate::graphql::AppSchema;
use crate::graphql::cartable::FeedMode;
use crate::graphql::context::Personal;
use async_graphql::http::WebSocketProtocols;

/// What the feeds need of their socket, given by the socket layer (`ws.rs`): the schema,
/// the application, the socket's credentials as they are now, and its operation slots.
pub(super) trait Socket: Send + Sync + 'static {
    /// The schema.
    fn schema(&self) -> &AppSchema;
    /// The application.
    fn app(&self) -> &App;
    /// `request` with the socket's credentials as they are now.
    fn prepare(&self, request: Request) -> Request;
    /// A slot for one more operation on the socket (freed when dropped), or the response
    /// refusing it.
    fn open_slot(&self) -> Result<Box<dyn Send + Sync>, Box<Response>>;
}

type SocketExecutor = Arc<dyn Socket>;

/// The root field delivered from shared renders.
const FIELD: &str = "cartableEvents";

/// A subscription the socket layer delivers: its request and the name of its selection.
pub(super) struct Shape {
    query: String,
    operation_name: Option<String>,
    variables: Variables,
    /// Document, operation and variables (but `afterEventId`'s), which decide the render.
    selection: Selection,
}

impl Shape {
    /// The shape of `request` when its operation is a subscription of `cartableEvents` alone
    /// (with no directive on it); `None` for anything else, left to async-graphql. A
    /// document that does not parse is left to async-graphql too, which reports it.
    pub(super) fn of(request: &Request) -> Option<Self> {
        if request.query.is_empty() || !request.extensions.is_empty() {
            return None;
        }
        // The parser recurses once per level: a document nested too deep is left to
        // async-graphql, whose nesting guard refuses it before anything parses it.
        if crate::graphql::nesting::check(&request.query, &request.variables).is_some() {
            return None;
        }
        let doc = async_graphql::parser::parse_query(&request.query).ok()?;
        let op = match (&doc.operations, &request.operation_name) {
            (DocumentOperations::Single(op), None) => op,
            (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name.as_str())?,
            (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next()?,
            _ => return None,
        };
        if op.node.ty != OperationType::Subscription || !op.node.directives.is_empty() {
            return None;
        }
        let [item] = op.node.selection_set.node.items.as_slice() else {
            return None;
        };
        let Item::Field(field) = &item.node else {
            return None;
        };
        if field.node.name.node != FIELD || !field.node.directives.is_empty() {
            return None;
        }
        // Where each subscriber resumes does not change how an event renders: the variable
        // of `afterEventId` is left out of the name when nothing else uses it.
        let mut named = request.variables.clone();
        if let Some((_, value)) = field
            .node
            .arguments
            .iter()
            .find(|(name, _)| name.node == "afterEventId")
            // A variable prints as `$name` (the parser's value type is not re-exported).
            && let Some(var) = value.node.to_string().strip_prefix('$')
            && uses(&request.query, var) == 2
        {
            named.remove(&async_graphql::Name::new(var));
        }
        let variables = serde_json::to_string(&named).ok()?;
        let selection = format!(
            "{}\u{0}{variables}\u{0}{}",
            request.operation_name.as_deref().unwrap_or_default(),
            request.query
        );
        Some(Self {
            query: request.query.clone(),
            operation_name: request.operation_name.clone(),
            variables: request.variables.clone(),
            selection: Selection::new(&selection),
        })
    }

    fn request(&self) -> Request {
        let mut request = Request::new(self.query.clone()).variables(self.variables.clone());
        if let Some(name) = &self.operation_name {
            request = request.operation_name(name.clone());
        }
        request
    }
}

/// How many times `$var` appears in `query` (its definition and its uses; more when the
/// text happens to hold it elsewhere, which only makes sharing less likely).
fn uses(query: &str, var: &str) -> usize {
    let needle = format!("${var}");
    query
        .match_indices(&needle)
        .filter(|(at, _)| {
            query[at + needle.len()..]
                .chars()
                .next()
                .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'))
        })
        .count()
}

/// The frames of one operation, as the protocol writes them.
#[derive(Clone)]
struct Frames {
    /// `{"type":"next","id":…,"payload":` (or `data` for the legacy protocol).
    next: Arc<str>,
    complete: Arc<str>,
}

impl Frames {
    fn new(protocol: WebSocketProtocols, id: &str) -> Self {
        let id = serde_json::Value::String(id.to_string()).to_string();
        let next = match protocol {
            WebSocketProtocols::SubscriptionsTransportWS => "data",
            WebSocketProtocols::GraphQLWS => "next",
        };
        Self {
            next: format!(r#"{{"type":"{next}","id":{id},"payload":"#).into(),
            complete: format!(r#"{{"type":"complete","id":{id}}}"#).into(),
        }
    }

    fn next(&self, payload: &str) -> String {
        let mut frame = String::with_capacity(self.next.len() + payload.len() + 1);
        frame.push_str(&self.next);
        frame.push_str(payload);
        frame.push('}');
        frame
    }

    fn complete(&self) -> String {
        self.complete.to_string()
    }
}

fn payload(response: &Response) -> String {
    serde_json::to_string(response).unwrap_or_else(|e| {
        let error = async_graphql::ServerError::new(format!("serialising: {e}"), None);
        serde_json::to_string(&Response::from_errors(vec![error])).unwrap_or_default()
    })
}

/// The operations of one socket delivered here.
pub(super) struct Feeds {
    executor: SocketExecutor,
    protocol: WebSocketProtocols,
    open: HashMap<String, (AbortHandle, Arc<AtomicBool>)>,
    frames: SelectAll<BoxStream<'static, String>>,
}

impl Feeds {
    pub(super) fn new(executor: SocketExecutor, protocol: WebSocketProtocols) -> Self {
        Self {
            executor,
            protocol,
            open: HashMap::new(),
            frames: SelectAll::new(),
        }
    }

    /// Starts operation `id` (replacing one of the same id, as async-graphql does).
    pub(super) fn start(&mut self, id: String, shape: Shape) {
        self.open
            .retain(|_, (_, done)| !done.load(Ordering::SeqCst));
        if let Some((old, _)) = self.open.remove(&id) {
            old.abort();
        }
        let frames = Frames::new(self.protocol, &id);
        let done = Arc::new(AtomicBool::new(false));
        let operation = match self.executor.open_slot() {
            Ok(slot) => run(self.executor.clone(), shape, frames, slot, done.clone()),
            Err(refused) => {
                let (next, complete) = (frames.next(&payload(&refused)), frames.complete());
                done.store(true, Ordering::SeqCst);
                futures_util::stream::iter([next, complete]).boxed()
            }
        };
        let (handle, registration) = AbortHandle::new_pair();
        self.frames
            .push(Abortable::new(operation, registration).boxed());
        self.open.insert(id, (handle, done));
    }

    /// Stops operation `id`: the `complete` frame to send when it was running here.
    pub(super) fn stop(&mut self, id: &str) -> Option<String> {
        let (handle, done) = self.open.remove(id)?;
        handle.abort();
        (!done.load(Ordering::SeqCst)).then(|| Frames::new(self.protocol, id).complete())
    }

    /// The next frame of any operation; pending (not ended) when none is running.
    pub(super) async fn next(&mut self) -> String {
        loop {
            if self.frames.is_empty() {
                return std::future::pending().await;
            }
            if let Some(frame) = self.frames.next().await {
                return frame;
            }
        }
    }
}

/// One operation: the replay and the hand-over through async-graphql, then the live events
/// from shared renders.
fn run(
    executor: SocketExecutor,
    shape: Shape,
    frames: Frames,
    slot: Box<dyn Send + Sync>,
    done: Arc<AtomicBool>,
) -> BoxStream<'static, String> {
    let shape = Arc::new(shape);
    async_stream::stream! {
        let _slot = slot;
        let hand_off = Arc::new(Mutex::new(None));
        let request = executor
            .prepare(shape.request())
            .data(FeedMode::HandOff(hand_off.clone()));
        let mut first = executor.schema().execute_stream(request);
        while let Some(response) = first.next().await {
            yield frames.next(&payload(&response));
        }
        drop(first);
        let live = hand_off.lock().unwrap_or_else(|p| p.into_inner()).take();
        let Some(mut live) = live else {
            done.store(true, Ordering::SeqCst);
            yield frames.complete();
            return;
        };
        let delivered = metrics::counter!("cartable_deliveries_total");
        loop {
            match live.rx.recv().await {
                Ok(notice) => {
                    if notice.id <= live.last || !notice.concerns(&live.caller) {
                        continue;
                    }
                    live.last = notice.id;
                    let rendered = render(&executor, &shape, &live.caller, &notice).await;
                    delivered.increment(1);
                    yield frames.next(&rendered);
                }
                Err(RecvError::Lagged(_)) => {
                    let behind = one(&executor, &shape, FeedMode::Behind(live.last)).await;
                    done.store(true, Ordering::SeqCst);
                    yield frames.next(&payload(&behind));
                    yield frames.complete();
                    return;
                }
                Err(RecvError::Closed) => {
                    done.store(true, Ordering::SeqCst);
                    yield frames.complete();
                    return;
                }
            }
        }
    }
    .boxed()
}

/// Runs the subscription once in `mode` with the socket's credentials: its first response.
async fn one(executor: &SocketExecutor, shape: &Shape, mode: FeedMode) -> Response {
    one_with(executor, shape.request().data(mode)).await
}

async fn one_with(executor: &SocketExecutor, request: Request) -> Response {
    let request = executor.prepare(request);
    match executor.schema().execute_stream(request).next().await {
        Some(response) => response,
        None => Response::new(Value::Null),
    }
}

/// The payload of `notice` for `viewer`: the render shared by its role and scope, or, when
/// that one is personal to another viewer, its own.
async fn render(
    executor: &SocketExecutor,
    shape: &Arc<Shape>,
    viewer: &Caller,
    notice: &Arc<Notice>,
) -> Arc<str> {
    let scoped = RenderKey::scoped(shape.selection.clone(), viewer);
    let shared = notice
        .renders
        .get_or_start(scoped, || start(executor, shape, viewer, notice))
        .await;
    if !shared.personal || shared.by == *viewer {
        return shared.payload.clone();
    }
    let own = RenderKey::personal(shape.selection.clone(), viewer);
    notice
        .renders
        .get_or_start(own, || start(executor, shape, viewer, notice))
        .await
        .payload
        .clone()
}

/// A render, as a future any of its waiters drives: the first subscriber to ask polls it
/// at once (a render that reads nothing from the database completes in that poll, before
/// the other subscribers are woken), and when it waits for the database, whichever waiter
/// is woken first drives it on, so no one socket (a slow one, or one that goes away) holds
/// up the others. Not a task of its own: a spawned task would run only after every
/// subscriber woken by the event had been polled, and wake them all a second time.
fn start(
    executor: &SocketExecutor,
    shape: &Arc<Shape>,
    viewer: &Caller,
    notice: &Arc<Notice>,
) -> BoxFuture<'static, Arc<Rendered>> {
    let (executor, shape, by, notice) = (executor.clone(), shape.clone(), *viewer, notice.clone());
    async move {
        executor.app().hub.count_render();
        let personal = Arc::new(Personal::default());
        let request = shape
            .request()
            .data(FeedMode::One(notice))
            .data(personal.clone());
        let response = one_with(&executor, request).await;
        Arc::new(Rendered {
            payload: payload(&response).into(),
            personal: personal.is_set() || response.is_err(),
            by,
        })
    }
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_cartable_events_alone_is_shared() {
        let shared = |q: &str| Shape::of(&Request::new(q)).is_some();
        assert!(shared("subscription { cartableEvents { id kind } }"));
        assert!(shared(
            "subscription S($a: ID) { cartableEvents(afterEventId: $a) { id } }"
        ));
        assert!(shared(
            "subscription { e: cartableEvents { ...F } } fragment F on CartableEvent { id }"
        ));
        assert!(!shared(
            "subscription { dashboard { requestsByStatus { status } } }"
        ));
        assert!(!shared(
            "subscription { cartableEvents @skip(if: false) { id } }"
        ));
        assert!(!shared(
            "subscription { ... on Subscription { cartableEvents { id } } }"
        ));
        assert!(!shared("query { cartableEvents { id } }"));
        assert!(!shared("subscription { cartableEvents { id } "));
        assert!(!shared(""));
        // Nested too deep to parse safely: not even looked at.
        let deep = format!(
            "subscription {{ cartableEvents {{ id }} }} query Q {{ {}a{} }}",
            "a { ".repeat(5000),
            " }".repeat(5000)
        );
        assert!(!shared(&deep));
    }

    #[test]
    fn where_a_subscriber_resumes_does_not_split_the_renders() {
        let q = "subscription S($a: ID) { cartableEvents(afterEventId: $a) { id kind } }";
        let at = |v: serde_json::Value| {
            Shape::of(&Request::new(q).variables(Variables::from_json(v))).map(|s| s.selection)
        };
        let one = at(serde_json::json!({ "a": "10" }));
        assert!(one.is_some());
        assert_eq!(one, at(serde_json::json!({ "a": "99" })));
        // A variable used elsewhere in the selection still names it.
        let q2 = "subscription S($a: ID) { cartableEvents(afterEventId: $a) { id } } # $a";
        let other = |v: serde_json::Value| {
            Shape::of(&Request::new(q2).variables(Variables::from_json(v))).map(|s| s.selection)
        };
        assert_ne!(
            other(serde_json::json!({ "a": "1" })),
            other(serde_json::json!({ "a": "2" }))
        );
    }

    #[test]
    fn frames_follow_each_protocol() {
        let f = Frames::new(WebSocketProtocols::GraphQLWS, "a\"b");
        assert_eq!(
            f.next(r#"{"data":1}"#),
            r#"{"type":"next","id":"a\"b","payload":{"data":1}}"#
        );
        assert_eq!(f.complete(), r#"{"type":"complete","id":"a\"b"}"#);
        let legacy = Frames::new(WebSocketProtocols::SubscriptionsTransportWS, "7");
        assert_eq!(
            legacy.next("{}"),
            r#"{"type":"data","id":"7","payload":{}}"#
        );
    }
}

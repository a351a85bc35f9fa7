//! Cartable fan-out: one `LISTEN` connection per server instance receives the notification
//! of every committed event and broadcasts it to this instance's subscribers.
//!
//! Notifications carry what routing needs, so a subscriber decides in memory whether an
//! event concerns its viewer. The broadcast buffer is bounded: a subscriber that falls more
//! than the configured buffer (`CARTABLE_BUFFER`) behind is told so and can resume from the event log. When the
//! listening connection drops, the hub reconnects and replays from the log what it missed.

use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use futures_util::StreamExt;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::domain::message::Audience;
use crate::domain::{Caller, Parties};
use crate::policy::{self, Object};

/// The notification channel written by the `events_notify` trigger.
pub const CHANNEL: &str = "cartable_events";

/// The notification channel written when an account's sessions, role or active flag
/// change (triggers on `sessions` and `users`); the payload is the user id.
pub const ACCOUNTS_CHANNEL: &str = "account_changes";

/// An event as announced by the database.
#[derive(Debug, Clone, Deserialize)]
pub struct Notice {
    /// Event id (commit order).
    pub id: i64,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Entity type, e.g. `qualification_request`.
    #[serde(rename = "type")]
    pub entity_type: String,
    /// Entity id.
    pub entity: String,
    /// Action, e.g. `SUBMIT`.
    pub action: String,
    /// Status before.
    pub from: Option<String>,
    /// Status after.
    pub to: Option<String>,
    /// Officer concerned.
    pub officer: Option<Uuid>,
    /// University concerned.
    pub university: Option<i32>,
    /// Distributor concerned.
    pub distributor: Option<Uuid>,
    /// For a message: its audience, as stored with the event.
    #[serde(default)]
    pub audience: Option<serde_json::Value>,
    /// The audience, read once.
    #[serde(skip)]
    pub recipients: Option<Audience>,
    /// This event rendered for the subscribers that share a selection and a view of it
    /// (see `crate::http::ws_feed`): each render is made once and kept as long as the
    /// notice.
    #[serde(skip)]
    pub renders: Renders,
}

/// What a render of an event is shared by: the subscription's selection (document,
/// operation and variables) and the viewer. For a render anyone with the same role and
/// scope may share, the viewer's user and session are nil; a personal render (one that
/// read who the viewer is, or failed) is keyed by the whole caller.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RenderKey {
    /// The selection, as `crate::http::ws_feed` names it.
    pub selection: Selection,
    /// The viewer, or its role and scope only.
    pub viewer: Caller,
}

/// The name of a subscription's selection, with its hash computed once (every subscriber
/// looks its render up for every event).
#[derive(Debug, Clone)]
pub struct Selection {
    text: Arc<str>,
    hash: u64,
}

impl Selection {
    /// The selection named `text`.
    pub fn new(text: &str) -> Self {
        use std::hash::{Hash, Hasher};
        // The same on every thread (equality still compares the texts).
        let mut hasher = std::hash::DefaultHasher::new();
        text.hash(&mut hasher);
        let hash = hasher.finish();
        Self {
            text: text.into(),
            hash,
        }
    }
}

impl PartialEq for Selection {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash && (Arc::ptr_eq(&self.text, &other.text) || self.text == other.text)
    }
}

impl Eq for Selection {}

impl std::hash::Hash for Selection {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

impl RenderKey {
    /// The key shared by every viewer with the role and scope of `caller`.
    pub fn scoped(selection: Selection, caller: &Caller) -> Self {
        Self {
            selection,
            viewer: Caller {
                user_id: Uuid::nil(),
                session: Uuid::nil(),
                ..*caller
            },
        }
    }

    /// The key of `caller`'s own render.
    pub fn personal(selection: Selection, caller: &Caller) -> Self {
        Self {
            selection,
            viewer: *caller,
        }
    }
}

/// A render of an event: the `payload` of a `next` message, serialised.
#[derive(Debug)]
pub struct Rendered {
    /// The GraphQL response, as JSON.
    pub payload: Arc<str>,
    /// Whether it is good for its viewer only: it read who the viewer is (a download link
    /// is signed for a session) or it failed (an expired token is one subscriber's error).
    pub personal: bool,
    /// The viewer it was made for.
    pub by: Caller,
}

/// A render, made once by a task of its own and awaited by every subscriber that shares
/// it.
pub type RenderFuture =
    futures_util::future::Shared<futures_util::future::BoxFuture<'static, Arc<Rendered>>>;

/// The renders of one event.
#[derive(Default)]
pub struct Renders(Mutex<HashMap<RenderKey, RenderFuture>>);

impl Renders {
    /// The render of `key`, started by `start` when nobody asked for it before.
    pub fn get_or_start(
        &self,
        key: RenderKey,
        start: impl FnOnce() -> futures_util::future::BoxFuture<'static, Arc<Rendered>>,
    ) -> RenderFuture {
        use futures_util::FutureExt;
        let mut renders = self.0.lock().unwrap_or_else(|p| p.into_inner());
        renders
            .entry(key)
            .or_insert_with(|| start().shared())
            .clone()
    }
}

impl Clone for Renders {
    /// A copy of a notice starts with no renders.
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl std::fmt::Debug for Renders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.0.lock().map(|r| r.len()).unwrap_or_default();
        write!(f, "Renders({n})")
    }
}

impl Notice {
    /// Reads the audience of a message event.
    pub fn prepared(mut self) -> Self {
        self.recipients = self.audience.as_ref().and_then(Audience::from_json);
        self
    }

    /// The parties of the event (who it concerns).
    pub fn parties(&self) -> Parties {
        Parties {
            officer: self.officer,
            university: self.university,
            distributor: self.distributor,
        }
    }

    /// The parties of the event for `caller`: a message concerns the officers of its
    /// audience.
    fn parties_for(&self, caller: &Caller) -> Parties {
        match &self.recipients {
            Some(audience) => Parties {
                officer: caller
                    .officer_id
                    .filter(|o| audience.includes(*o, caller.province_id)),
                ..Parties::default()
            },
            None => self.parties(),
        }
    }

    /// Whether the event concerns `caller` (the policy's rule for cartable notices).
    pub fn concerns(&self, caller: &Caller) -> bool {
        policy::sees(caller, Object::CartableNotice, &self.parties_for(caller))
    }

    /// The kind shown to clients: entity and action, e.g. `QUALIFICATION_REQUEST_SUBMIT`.
    pub fn kind(&self) -> String {
        format!("{}_{}", self.entity_type.to_uppercase(), self.action)
    }
}

impl From<crate::store::events::Event> for Notice {
    fn from(e: crate::store::events::Event) -> Self {
        Self {
            id: e.id,
            at: e.occurred_at,
            entity_type: e.entity_type.as_str().to_string(),
            entity: e.entity_id,
            action: e.action,
            from: e.from_status,
            to: e.to_status,
            officer: e.officer_id,
            university: e.university_id,
            distributor: e.distributor_id,
            audience: e.audience,
            recipients: None,
            renders: Renders::default(),
        }
        .prepared()
    }
}

/// Where notices go: every subscriber of an officer, of a university, and the admins
/// (who see everything) have a channel of their own, so an event wakes only the
/// subscribers it concerns.
struct Routes {
    buffer: usize,
    all: broadcast::Sender<Arc<Notice>>,
    /// For viewers nothing is routed to (yet): a channel that stays open and silent.
    nobody: broadcast::Sender<Arc<Notice>>,
    officers: Mutex<HashMap<Uuid, broadcast::Sender<Arc<Notice>>>>,
    /// The province of residence of each officer subscribed here (messages to provinces).
    officer_provinces: Mutex<HashMap<Uuid, Option<i32>>>,
    universities: Mutex<HashMap<i32, broadcast::Sender<Arc<Notice>>>>,
    distributors: Mutex<HashMap<Uuid, broadcast::Sender<Arc<Notice>>>>,
}

fn route<K: std::hash::Hash + Eq + Copy>(
    map: &Mutex<HashMap<K, broadcast::Sender<Arc<Notice>>>>,
    key: Option<K>,
    notice: &Arc<Notice>,
) {
    let Some(key) = key else { return };
    let mut map = map.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(tx) = map.get(&key)
        && tx.send(notice.clone()).is_err()
    {
        // Nobody listens any more: forget the channel.
        map.remove(&key);
    }
}

fn channel<K: std::hash::Hash + Eq + Copy>(
    map: &Mutex<HashMap<K, broadcast::Sender<Arc<Notice>>>>,
    key: K,
    buffer: usize,
) -> broadcast::Receiver<Arc<Notice>> {
    let mut map = map.lock().unwrap_or_else(|p| p.into_inner());
    map.entry(key)
        .or_insert_with(|| broadcast::channel(buffer).0)
        .subscribe()
}

/// Forgets the channel of `key` when nobody listens to it any more (its buffer is freed
/// with it).
fn release<K: std::hash::Hash + Eq + Copy>(
    map: &Mutex<HashMap<K, broadcast::Sender<Arc<Notice>>>>,
    key: K,
) -> bool {
    let mut map = map.lock().unwrap_or_else(|p| p.into_inner());
    if map.get(&key).is_some_and(|tx| tx.receiver_count() == 0) {
        map.remove(&key);
        return true;
    }
    false
}

/// Which channel a subscriber listens to, so that it can be released.
#[derive(Clone, Copy)]
enum Key {
    Shared,
    Officer(Uuid),
    University(i32),
    Distributor(Uuid),
}

/// A subscriber's receiver. When the last subscriber of an officer, a university or a
/// distributor goes, the channel and its buffer go too.
pub struct Receiver {
    rx: Option<broadcast::Receiver<Arc<Notice>>>,
    key: Key,
    routes: Arc<Routes>,
}

impl Receiver {
    /// The next notice, as [`broadcast::Receiver::recv`].
    pub async fn recv(&mut self) -> Result<Arc<Notice>, broadcast::error::RecvError> {
        match &mut self.rx {
            Some(rx) => rx.recv().await,
            None => Err(broadcast::error::RecvError::Closed),
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        drop(self.rx.take());
        let r = &self.routes;
        match self.key {
            Key::Shared => {}
            Key::Officer(o) => {
                let mut provinces = r
                    .officer_provinces
                    .lock()
                    .unwrap_or_else(|p| p.into_inner());
                if release(&r.officers, o) {
                    provinces.remove(&o);
                }
            }
            Key::University(u) => {
                release(&r.universities, u);
            }
            Key::Distributor(d) => {
                release(&r.distributors, d);
            }
        }
    }
}

impl Routes {
    /// One message event to every officer subscribed here that its audience includes
    /// (instead of one notification per recipient).
    fn fan_out(&self, audience: &Audience, notice: &Arc<Notice>) {
        let mut provinces = self
            .officer_provinces
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let mut officers = self.officers.lock().unwrap_or_else(|p| p.into_inner());
        officers.retain(|officer, tx| {
            let province = provinces.get(officer).copied().flatten();
            if audience.includes(*officer, province) {
                // Nobody listens any more: forget the channel.
                tx.send(notice.clone()).is_ok()
            } else {
                tx.receiver_count() > 0
            }
        });
        provinces.retain(|officer, _| officers.contains_key(officer));
    }

    fn publish(&self, notice: Notice) {
        let notice = Arc::new(notice);
        // No receivers is fine: nobody is subscribed on this instance.
        let _ = self.all.send(notice.clone());
        if let Some(audience) = &notice.recipients {
            self.fan_out(audience, &notice);
            return;
        }
        route(&self.officers, notice.officer, &notice);
        route(&self.universities, notice.university, &notice);
        route(&self.distributors, notice.distributor, &notice);
    }
}

/// The instance's fan-out.
pub struct Hub {
    routes: Arc<Routes>,
    last_seen: Arc<AtomicI64>,
    accounts: broadcast::Sender<Uuid>,
    renders: AtomicI64,
}

impl Hub {
    /// A hub with no listener yet: [`Hub::listen`] (run by the background jobs) feeds it.
    pub fn new(buffer: usize) -> Self {
        let buffer = buffer.max(1);
        let routes = Arc::new(Routes {
            buffer,
            all: broadcast::channel(buffer).0,
            nobody: broadcast::channel(1).0,
            officers: Mutex::new(HashMap::new()),
            officer_provinces: Mutex::new(HashMap::new()),
            universities: Mutex::new(HashMap::new()),
            distributors: Mutex::new(HashMap::new()),
        });
        let last_seen = Arc::new(AtomicI64::new(-1));
        let accounts = broadcast::channel(1024).0;
        Self {
            routes,
            last_seen,
            accounts,
            renders: AtomicI64::new(0),
        }
    }

    /// Listens on a dedicated connection (not from the pool) and fans the notifications out,
    /// reconnecting (and replaying what it missed) until the future is dropped.
    pub fn listen(&self, database_url: String) -> impl std::future::Future<Output = ()> + use<> {
        listen(
            database_url,
            self.routes.clone(),
            self.last_seen.clone(),
            self.accounts.clone(),
        )
    }

    /// A receiver of the events committed from now on that may concern `caller`: the
    /// channel of the scope the policy gives it (an admin's receives every event; one
    /// without a scope receives none).
    pub fn subscribe(&self, caller: &Caller) -> Receiver {
        let r = &self.routes;
        let (rx, key) = match policy::scope(caller, Object::CartableNotice) {
            policy::Scope::All => (r.all.subscribe(), Key::Shared),
            policy::Scope::Officer(o) => {
                let mut provinces = r
                    .officer_provinces
                    .lock()
                    .unwrap_or_else(|p| p.into_inner());
                provinces.insert(o, caller.province_id);
                (channel(&r.officers, o, r.buffer), Key::Officer(o))
            }
            policy::Scope::University(u) => {
                (channel(&r.universities, u, r.buffer), Key::University(u))
            }
            policy::Scope::Distributor(d) => {
                (channel(&r.distributors, d, r.buffer), Key::Distributor(d))
            }
            policy::Scope::Nothing => (r.nobody.subscribe(), Key::Shared),
        };
        Receiver {
            rx: Some(rx),
            key,
            routes: self.routes.clone(),
        }
    }

    /// Every notice from now on, whoever it concerns (for the dashboards' fan-out, which
    /// needs to know that something changed, not to show it).
    pub fn all_notices(&self) -> broadcast::Receiver<Arc<Notice>> {
        self.routes.all.subscribe()
    }

    /// How many officer, university and distributor channels are open on this instance.
    pub fn open_channels(&self) -> usize {
        let r = &self.routes;
        r.officers.lock().unwrap_or_else(|p| p.into_inner()).len()
            + r.universities
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .len()
            + r.distributors
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .len()
            + r.officer_provinces
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .len()
    }

    /// The accounts whose sessions, role or active flag changed, as announced by the
    /// database (any instance); [`Uuid::nil`] means "any account": the listener was
    /// reconnected and may have missed some. Open sockets re-check their caller on it.
    pub fn account_changes(&self) -> broadcast::Receiver<Uuid> {
        self.accounts.subscribe()
    }

    /// Counts a render of an event for WebSocket subscribers (see `crate::http::ws_feed`).
    pub fn count_render(&self) {
        self.renders.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("cartable_renders_total").increment(1);
    }

    /// How many renders of events were made on this instance: one per event and distinct
    /// (selection, role and scope) when subscribers share them, one per subscriber when not.
    pub fn renders(&self) -> i64 {
        self.renders.load(Ordering::Relaxed)
    }

    /// The id of the last event announced (-1 before the first).
    pub fn last_seen(&self) -> i64 {
        self.last_seen.load(Ordering::Relaxed)
    }
}

async fn listen(
    url: String,
    routes: Arc<Routes>,
    last_seen: Arc<AtomicI64>,
    accounts: broadcast::Sender<Uuid>,
) {
    let mut backoff = Duration::from_millis(200);
    loop {
        match listen_once(&url, &routes, &last_seen, &accounts).await {
            Ok(()) => tracing::warn!("cartable listener: connection closed; reconnecting"),
            Err(e) => tracing::warn!(error = %e, "cartable listener failed; reconnecting"),
        }
        metrics::counter!("cartable_listener_reconnects_total").increment(1);
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

async fn listen_once(
    url: &str,
    routes: &Routes,
    last_seen: &AtomicI64,
    accounts: &broadcast::Sender<Uuid>,
) -> anyhow::Result<()> {
    use diesel_async::RunQueryDsl;
    let mut conn = AsyncPgConnection::establish(url).await?;
    if last_seen.load(Ordering::Relaxed) < 0 {
        // First start: announce what is committed from now on (read before LISTEN, so that
        // events committed in between are replayed below rather than lost).
        let max = crate::store::cartable::max_id(&mut conn)
            .await
            .map_err(|e| anyhow::anyhow!(e.describe()))?;
        last_seen.store(max, Ordering::Relaxed);
    }
    diesel::sql_query(format!("LISTEN {CHANNEL}"))
        .execute(&mut conn)
        .await?;
    diesel::sql_query(format!("LISTEN {ACCOUNTS_CHANNEL}"))
        .execute(&mut conn)
        .await?;
    // Account changes announced while we were not listening are lost: every open socket
    // re-checks its caller.
    let _ = accounts.send(Uuid::nil());
    // Events committed while we were not listening: replay them from the log.
    loop {
        let after = last_seen.load(Ordering::Relaxed);
        let rows = crate::store::cartable::after(&mut conn, after, 1000)
            .await
            .map_err(|e| anyhow::anyhow!(e.describe()))?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            publish(routes, last_seen, Notice::from(row));
        }
    }
    let mut stream = std::pin::pin!(conn.notifications_stream());
    while let Some(n) = stream.next().await {
        let n = n?;
        if n.channel == ACCOUNTS_CHANNEL {
            match n.payload.parse::<Uuid>() {
                // No receivers is fine: no socket is open on this instance.
                Ok(user) => drop(accounts.send(user)),
                Err(e) => {
                    tracing::warn!(error = %e, payload = %n.payload, "unreadable account notice")
                }
            }
            continue;
        }
        match serde_json::from_str::<Notice>(&n.payload) {
            Ok(notice) => publish(routes, last_seen, notice.prepared()),
            Err(e) => {
                tracing::warn!(error = %e, payload = %n.payload, "unreadable cartable notice")
            }
        }
    }
    Ok(())
}

fn publish(routes: &Routes, last_seen: &AtomicI64, notice: Notice) {
    if notice.id <= last_seen.load(Ordering::Relaxed) {
        return; // replayed and then notified: already sent
    }
    last_seen.store(notice.id, Ordering::Relaxed);
    metrics::counter!("cartable_events_total").increment(1);
    routes.publish(notice);
}

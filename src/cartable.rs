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
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::store::qualification::Who;

/// The notification channel written by the `events_notify` trigger.
pub const CHANNEL: &str = "cartable_events";

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
}

impl Notice {
    /// Whether the event concerns `who`: an officer its own, a reviewer its university's, a
    /// distributor its own, an admin everything.
    pub fn concerns(&self, who: &Who) -> bool {
        use crate::domain::Role;
        match who.role {
            Role::DirectorateAdmin => true,
            Role::Officer => self.officer.is_some() && self.officer == who.officer_id,
            Role::UniversityReviewer => {
                self.university.is_some() && self.university == who.university_id
            }
            Role::Distributor => false,
        }
    }

    /// The kind shown to clients: entity and action, e.g. `QUALIFICATION_REQUEST_SUBMIT`.
    pub fn kind(&self) -> String {
        format!("{}_{}", self.entity_type.to_uppercase(), self.action)
    }
}

impl From<crate::store::qualification::Event> for Notice {
    fn from(e: crate::store::qualification::Event) -> Self {
        Self {
            id: e.id,
            at: e.occurred_at,
            entity_type: e.entity_type,
            entity: e.entity_id,
            action: e.action,
            from: e.from_status,
            to: e.to_status,
            officer: e.officer_id,
            university: e.university_id,
            distributor: e.distributor_id,
        }
    }
}

/// The instance's fan-out.
pub struct Hub {
    tx: broadcast::Sender<Arc<Notice>>,
    last_seen: Arc<AtomicI64>,
}

impl Hub {
    /// Starts listening on a dedicated connection (not from the pool).
    pub fn start(database_url: String, buffer: usize) -> Self {
        let (tx, _) = broadcast::channel(buffer.max(1));
        let last_seen = Arc::new(AtomicI64::new(-1));
        tokio::spawn(listen(database_url, tx.clone(), last_seen.clone()));
        Self { tx, last_seen }
    }

    /// A receiver of every event committed from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Notice>> {
        self.tx.subscribe()
    }

    /// Number of receivers (subscribers) on this instance.
    pub fn subscribers(&self) -> usize {
        self.tx.receiver_count()
    }

    /// The id of the last event announced (-1 before the first).
    pub fn last_seen(&self) -> i64 {
        self.last_seen.load(Ordering::Relaxed)
    }
}

async fn listen(url: String, tx: broadcast::Sender<Arc<Notice>>, last_seen: Arc<AtomicI64>) {
    let mut backoff = Duration::from_millis(200);
    loop {
        match listen_once(&url, &tx, &last_seen).await {
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
    tx: &broadcast::Sender<Arc<Notice>>,
    last_seen: &AtomicI64,
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
            publish(tx, last_seen, Notice::from(row));
        }
    }
    let mut stream = std::pin::pin!(conn.notifications_stream());
    while let Some(n) = stream.next().await {
        let n = n?;
        match serde_json::from_str::<Notice>(&n.payload) {
            Ok(notice) => publish(tx, last_seen, notice),
            Err(e) => {
                tracing::warn!(error = %e, payload = %n.payload, "unreadable cartable notice")
            }
        }
    }
    Ok(())
}

fn publish(tx: &broadcast::Sender<Arc<Notice>>, last_seen: &AtomicI64, notice: Notice) {
    if notice.id <= last_seen.load(Ordering::Relaxed) {
        return; // replayed and then notified: already sent
    }
    last_seen.store(notice.id, Ordering::Relaxed);
    metrics::counter!("cartable_events_total").increment(1);
    // No receivers is fine: nobody is subscribed on this instance.
    let _ = tx.send(Arc::new(notice));
}

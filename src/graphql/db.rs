//! The database of one GraphQL request: the primary, or the read replica for the reads that
//! may go there (decided once per request by [`super::routing`]).

use chrono::{DateTime, Utc};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use crate::app::App;
use crate::error::AppResult;
use crate::replica::{Fallback, Replica};
use crate::store::{self, DbConn, DbPool};

/// Where the request's reads go.
pub struct RequestDb {
    primary: DbPool,
    replica: Option<Arc<Replica>>,
    /// Decided before the first resolver runs: whether reads go to the replica.
    to_replica: OnceLock<bool>,
    /// Whether a connection of the replica was handed out.
    used_replica: AtomicBool,
}

impl RequestDb {
    /// A request of `app`, its route not decided yet (the primary until it is).
    pub fn new(app: &App) -> Arc<Self> {
        Arc::new(Self {
            primary: app.pool.clone(),
            replica: app.replica.clone(),
            to_replica: OnceLock::new(),
            used_replica: AtomicBool::new(false),
        })
    }

    /// A request whose reads all go to the primary (a read run again after the replica
    /// failed it).
    pub fn primary_only(app: &App) -> Arc<Self> {
        let db = Self::new(app);
        let _ = db.to_replica.set(false);
        db
    }

    /// Decides once where the reads go: to the replica when the operation only reads what
    /// the replica may serve (`eligible`), a replica is configured and admits a caller who
    /// last wrote at `last_write`. Counts the reads the replica could not take.
    pub fn decide(&self, eligible: bool, last_write: Option<DateTime<Utc>>) {
        let to_replica = match (&self.replica, eligible) {
            (Some(replica), true) => match replica.admits(last_write) {
                Ok(()) => true,
                Err(why) => {
                    why.count();
                    false
                }
            },
            _ => false,
        };
        let _ = self.to_replica.set(to_replica);
    }

    /// Whether a replica is configured.
    pub fn has_replica(&self) -> bool {
        self.replica.is_some()
    }

    /// Whether some of the request's reads went to the replica.
    pub fn used_replica(&self) -> bool {
        self.used_replica.load(Ordering::Relaxed)
    }

    /// Marks the replica down after one of its statements failed.
    pub fn replica_failed(&self, why: &str) {
        if let Some(r) = &self.replica {
            r.mark_down(why);
        }
    }

    /// A connection to the primary: for writes and the reads that must see the latest
    /// state.
    pub async fn primary(&self) -> AppResult<DbConn> {
        store::conn(&self.primary).await
    }

    /// A connection for a read: the replica when the request was routed there and it hands
    /// out a connection, else the primary.
    pub async fn read(&self) -> AppResult<DbConn> {
        if let (Some(replica), Some(true)) = (&self.replica, self.to_replica.get()) {
            match replica.pool.get().await {
                Ok(conn) => {
                    self.used_replica.store(true, Ordering::Relaxed);
                    metrics::counter!("replica_reads_total").increment(1);
                    return Ok(conn);
                }
                Err(e) => {
                    replica.mark_down(&format!("no connection: {e}"));
                    Fallback::Down.count();
                }
            }
        }
        self.primary().await
    }
}

/// Runs `request` with its reads routed (see [`super::routing`]); `attach` gives it its
/// per-request data (caller, address, loaders) around the given database. A read-only
/// request that failed with a database error after reading from the replica is run once
/// more, entirely on the primary, and the replica is marked down until the next probe.
pub async fn execute(
    schema: &super::AppSchema,
    app: &App,
    request: async_graphql::Request,
    attach: impl Fn(async_graphql::Request, Arc<RequestDb>) -> async_graphql::Request,
) -> async_graphql::Response {
    let db = RequestDb::new(app);
    if !db.has_replica() {
        return schema.execute(attach(request, db)).await;
    }
    // What the request is again, without its data (uploads are never re-run: only
    // mutations carry them, and mutations never read from the replica).
    let again = request.uploads.is_empty().then(|| {
        let mut r =
            async_graphql::Request::new(request.query.clone()).variables(request.variables.clone());
        r.operation_name = request.operation_name.clone();
        r.extensions = request.extensions.clone();
        r
    });
    let resp = schema.execute(attach(request, db.clone())).await;
    let failed = resp.errors.iter().any(|e| {
        e.extensions.as_ref().and_then(|x| x.get("code")).is_some_and(|c| {
            matches!(c, async_graphql::Value::String(c) if c == "INTERNAL" || c.ends_with("UNAVAILABLE"))
        })
    });
    match again {
        Some(again) if failed && db.used_replica() => {
            db.replica_failed("a read failed on the replica");
            Fallback::Error.count();
            tracing::warn!("a read failed on the replica: running it again on the primary");
            schema
                .execute(attach(again, RequestDb::primary_only(app)))
                .await
        }
        _ => resp,
    }
}

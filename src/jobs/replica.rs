//! The replica probe: compares the replica's replay position with the primary's WAL every
//! `REPLICA_PROBE_MS`, for the read routing, `/readyz` and the `replica_*` metrics.

use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

use crate::app::App;
use crate::replica::Replica;
use crate::store;

/// Probes `app`'s replica until stopped.
pub async fn probe_loop(app: Arc<App>, replica: Arc<Replica>, stop: CancellationToken) {
    let every = Duration::from_millis(app.config.db.replica_probe_ms.max(50));
    let within = every.max(Duration::from_millis(500)) * 2;
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        // The primary first: the replica's position is then compared with a position the
        // primary had already reached.
        let primary = async {
            let mut conn = store::conn(&app.pool).await.map_err(|e| e.describe())?;
            store::replica::primary_position(&mut conn)
                .await
                .map_err(|e| e.to_string())
        };
        let primary = match tokio::time::timeout(within, primary).await {
            Ok(Ok(p)) => p,
            // Without the primary there is nothing to compare with; the next tick tries again.
            Ok(Err(_)) | Err(_) => continue,
        };
        let replay = async {
            let mut conn = replica
                .pool
                .get()
                .await
                .map_err(|e| format!("no connection: {e}"))?;
            store::replica::replay_position(&mut conn)
                .await
                .map_err(|e| format!("probe failed: {e}"))
        };
        let replay = tokio::time::timeout(within, replay)
            .await
            .unwrap_or_else(|_| Err(format!("no answer within {within:?}")));
        replica.record(&primary, replay);
    }
}

//! The dashboards' computations: each scope subscribed to on this instance, once per change
//! (at most once a second) and on the clock.

use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;

use crate::app::App;
use crate::store;
use crate::workflow::statistics;

/// Feeds the instance's [`crate::statistics::StatsHub`] until stopped.
pub async fn statistics_loop(app: Arc<App>, stop: CancellationToken) {
    let refresh = Duration::from_secs(app.config.statistics_refresh_secs.max(1));
    let mut notices = app.hub.all_notices();
    let mut next: Option<tokio::time::Instant> = None;
    loop {
        let wait = async {
            match next {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = stop.cancelled() => return,
            notice = notices.recv() => match notice {
                Ok(n) => app.stats.touch(n.university),
                Err(RecvError::Lagged(_)) => app.stats.touch_all(),
                Err(RecvError::Closed) => return,
            },
            () = app.stats.woken() => {}
            () = wait => {}
        }
        let (due, next_due) = app.stats.due(tokio::time::Instant::now(), refresh);
        next = next_due;
        for scope in due {
            let figures = match store::conn(&app.pool).await {
                Ok(mut conn) => {
                    statistics::figures(&mut conn, scope, app.config.overdue_after_days).await
                }
                Err(e) => Err(e),
            };
            match figures {
                Ok(f) => app.stats.publish(scope, f),
                Err(e) => {
                    tracing::warn!(error = %e.describe(), ?scope, "statistics failed");
                    app.stats.failed(scope);
                    next = Some(tokio::time::Instant::now() + crate::statistics::MIN_INTERVAL);
                }
            }
        }
    }
}

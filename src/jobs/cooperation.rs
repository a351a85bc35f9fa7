//! Expiry of cooperation requests the officer left unanswered.

use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

use crate::app::App;
use crate::workflow::cooperation;

/// Expires the due requests every configured interval (in batches, until none is due) until
/// stopped. Several instances may run it: each batch skips the rows another one holds.
pub async fn expiry_loop(app: Arc<App>, stop: CancellationToken) {
    let every = Duration::from_secs(app.config.cooperation_expiry_every_secs.max(1));
    loop {
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            () = stop.cancelled() => return,
        }
        loop {
            match cooperation::expire_due(&app.pool, 100).await {
                Ok(0) => break,
                Ok(n) => tracing::info!(expired = n, "cooperation requests expired"),
                Err(e) => {
                    tracing::warn!(error = %e.describe(), "cooperation expiry failed");
                    break;
                }
            }
            if stop.is_cancelled() {
                return;
            }
        }
    }
}

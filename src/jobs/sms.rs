//! The SMS sender of an instance: a new outbox row is taken within a poll interval.

use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

use crate::app::App;

/// Rows one pass takes.
const BATCH: i64 = 10;

/// Sends due rows every poll interval until stopped. It stops between rows: a row is
/// either sent and marked, or left (with its lease) for another sender.
pub async fn sender_loop(app: Arc<App>, stop: CancellationToken) {
    if app.sms.is_none() {
        return;
    }
    let every = Duration::from_millis(app.config.sms_poll_ms.max(50));
    loop {
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            () = stop.cancelled() => return,
        }
        let Some(sender) = app.sms_sender() else {
            return;
        };
        loop {
            match sender.send_due(BATCH).await {
                Ok(pass) if pass.taken < BATCH as usize => break,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e.describe(), "SMS sender pass failed");
                    break;
                }
            }
            if stop.is_cancelled() {
                return;
            }
        }
    }
}

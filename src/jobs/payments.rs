//! Reconciliation of payment attempts whose owner never came back.

use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

use crate::app::App;

/// Runs a reconciliation pass every configured interval (the first one interval after
/// start) until stopped.
pub async fn reconcile_loop(app: Arc<App>, stop: CancellationToken) {
    let every = Duration::from_secs(app.config.payment_reconcile_every_secs.max(1));
    loop {
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            () = stop.cancelled() => return,
        }
        let Ok(payments) = app.payments() else {
            continue; // no gateway configured: nothing to reconcile
        };
        if let Err(e) = payments.reconcile_once().await {
            tracing::warn!(error = %e.describe(), "payment reconciliation failed");
        }
    }
}

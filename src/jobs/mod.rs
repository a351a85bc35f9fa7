//! Background work of a server instance, started by `serve` (and by the test harness)
//! explicitly, never by `App::new`: the cartable hub's listener and payment reconciliation
//! (later the SMS sender and the expiry of cooperation requests). Every instance runs its
//! own; the jobs are safe to run on several instances at once.

mod cooperation;
mod payments;
mod replica;
mod sms;
mod statistics;

use std::sync::Arc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::app::App;

/// The running jobs of an instance.
pub struct Jobs {
    stop: CancellationToken,
    handles: Vec<JoinHandle<()>>,
}

/// Starts the background jobs of `app`.
pub fn start(app: &Arc<App>) -> Jobs {
    let stop = CancellationToken::new();
    let mut handles = Vec::new();
    let listen = app.hub.listen(app.database_url.clone());
    let token = stop.clone();
    handles.push(tokio::spawn(async move {
        tokio::select! {
            () = listen => {}
            () = token.cancelled() => {}
        }
    }));
    handles.push(tokio::spawn(payments::reconcile_loop(
        app.clone(),
        stop.clone(),
    )));
    handles.push(tokio::spawn(cooperation::expiry_loop(
        app.clone(),
        stop.clone(),
    )));
    handles.push(tokio::spawn(sms::sender_loop(app.clone(), stop.clone())));
    handles.push(tokio::spawn(statistics::statistics_loop(
        app.clone(),
        stop.clone(),
    )));
    // Callers kept between requests are dropped as their accounts change (any instance).
    let mut changes = app.hub.account_changes();
    let (kept, token) = (app.clone(), stop.clone());
    handles.push(tokio::spawn(async move {
        loop {
            tokio::select! {
                () = token.cancelled() => return,
                change = changes.recv() => match change {
                    Ok(user) => kept.callers.drop_user(user),
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => kept.callers.clear(),
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                },
            }
        }
    }));
    if let Some(replica) = &app.replica {
        handles.push(tokio::spawn(replica::probe_loop(
            app.clone(),
            replica.clone(),
            stop.clone(),
        )));
    }
    Jobs { stop, handles }
}

impl Jobs {
    /// Asks every job to stop at its next safe point and waits for them.
    pub async fn stop(mut self) {
        self.stop.cancel();
        for h in std::mem::take(&mut self.handles) {
            let _ = h.await;
        }
    }
}

impl Drop for Jobs {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

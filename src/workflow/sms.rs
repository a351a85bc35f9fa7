//! Sending the outbox: each instance's sender takes due rows (so that no two senders hold
//! one row), sends each through the provider with the row's id as `localid`, and marks it.
//! A row tried before may have reached the provider (a timeout, a crash between sending and
//! marking): the provider is asked about its `localid` first, so it is never sent twice.
//! Failures are retried with exponential backoff and jitter up to a limit, then FAILED.

use chrono::{Duration, Utc};
use rand::Rng as _;

use crate::error::AppResult;
use crate::integrations::sms::{SmsAccepted, SmsError, SmsProvider};
use crate::store::outbox::{self, Sms};
use crate::store::{self, DbPool};

/// What the sender needs.
pub struct Sender<'a> {
    /// The database pool.
    pub pool: &'a DbPool,
    /// The provider (Kavenegar, or its simulator).
    pub provider: &'a dyn SmsProvider,
    /// Attempts before a row is FAILED for good.
    pub max_attempts: i32,
    /// How long a taken row is this sender's alone, in seconds (longer than a provider
    /// call may take).
    pub lease_secs: i64,
}

/// How a send ended, for a pass's count.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Pass {
    /// Taken.
    pub taken: usize,
    /// Accepted by the provider now (or found accepted before).
    pub sent: usize,
    /// To be retried.
    pub retried: usize,
    /// Given up.
    pub failed: usize,
}

/// The refusals that no retry can mend (a wrong receptor, sender or text, a refused key).
fn permanent(e: &SmsError) -> bool {
    matches!(
        e,
        SmsError::Refused {
            status: 400 | 401 | 403 | 404 | 405 | 406 | 407 | 411 | 412 | 413 | 414 | 417,
            ..
        }
    )
}

/// Seconds before the next attempt: 2, 4, 8, ... doubling up to 10 minutes, ±20 %.
pub fn backoff_secs(attempts: i32) -> f64 {
    let base = 2f64 * 2f64.powi((attempts - 1).clamp(0, 20));
    let capped = base.min(600.0);
    capped * rand::rng().random_range(0.8..1.2)
}

impl Sender<'_> {
    async fn deliver(&self, row: &Sms) -> Result<SmsAccepted, SmsError> {
        if row.attempts > 1
            && let Some(earlier) = self.provider.accepted_with_local_id(row.id).await?
        {
            tracing::info!(sms = row.id, "found accepted before: not sent again");
            return Ok(earlier);
        }
        self.provider
            .send(&row.receptor, &row.message, row.id)
            .await
    }

    /// Sends one batch of due rows; returns what happened.
    pub async fn send_due(&self, limit: i64) -> AppResult<Pass> {
        let mut conn = store::conn(self.pool).await?;
        let rows = outbox::take_due(&mut conn, self.lease_secs, limit).await?;
        drop(conn);
        let mut pass = Pass {
            taken: rows.len(),
            ..Pass::default()
        };
        for row in rows {
            let outcome = self.deliver(&row).await;
            let mut conn = store::conn(self.pool).await?;
            match outcome {
                Ok(accepted) => {
                    outbox::mark_sent(&mut conn, row.id, row.attempts, &accepted.message_id)
                        .await?;
                    metrics::counter!("sms_sent_total").increment(1);
                    pass.sent += 1;
                }
                Err(e) => {
                    let error = e.to_string();
                    let give_up = permanent(&e) || row.attempts >= self.max_attempts;
                    let retry_at = (!give_up).then(|| {
                        Utc::now()
                            + Duration::milliseconds((backoff_secs(row.attempts) * 1000.0) as i64)
                    });
                    tracing::warn!(
                        sms = row.id,
                        attempts = row.attempts,
                        error,
                        give_up,
                        "SMS not sent"
                    );
                    outbox::mark_failed_attempt(&mut conn, row.id, row.attempts, &error, retry_at)
                        .await?;
                    if give_up {
                        metrics::counter!("sms_failed_total").increment(1);
                        pass.failed += 1;
                    } else {
                        pass.retried += 1;
                    }
                }
            }
        }
        Ok(pass)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_from_seconds_to_minutes() {
        let first = backoff_secs(1);
        assert!((1.6..=2.4).contains(&first), "{first}");
        let fifth = backoff_secs(5);
        assert!((25.6..=38.4).contains(&fifth), "{fifth}");
        let late = backoff_secs(30);
        assert!((480.0..=720.0).contains(&late), "{late}");
    }

    #[test]
    fn wrong_receptors_are_not_retried() {
        assert!(permanent(&SmsError::Refused {
            status: 411,
            message: String::new()
        }));
        assert!(!permanent(&SmsError::Refused {
            status: 418,
            message: String::new()
        }));
        assert!(!permanent(&SmsError::Unknown(String::new())));
        assert!(!permanent(&SmsError::Unreachable(String::new())));
    }
}

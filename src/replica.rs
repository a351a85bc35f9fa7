//! The read replica: its pool, how far it is behind the primary, and whether a read may go
//! to it.
//!
//! A probe (`jobs::replica`) reads the primary's WAL position and clock, then the replica's
//! replay position, every `REPLICA_PROBE_MS`. From the recent (position, time) samples of the
//! primary it knows an instant before which everything committed on the primary has been
//! replayed (`caught_up_to`); the lag is how far that instant is behind the primary's clock.
//! A read goes to the replica when the replica answered the last probe, its lag is within
//! `REPLICA_MAX_LAG_MS`, and the caller did not write after `caught_up_to` (so a caller
//! always sees its own writes).

use chrono::{DateTime, Utc};
use std::collections::VecDeque;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use crate::store::DbPool;
use crate::store::replica::{PrimaryPosition, ReplayPosition};

/// Primary samples kept to place the replica's replay position in time.
const SAMPLES: usize = 256;

/// A streaming replica of the primary and what the last probe saw of it.
pub struct Replica {
    /// Its connection pool.
    pub pool: DbPool,
    max_lag: chrono::Duration,
    stale_after: Duration,
    state: RwLock<State>,
}

#[derive(Default)]
struct State {
    up: bool,
    why_down: Option<String>,
    caught_up_to: Option<DateTime<Utc>>,
    lag: Option<chrono::Duration>,
    checked: Option<Instant>,
    /// The primary's (WAL position, clock) at recent probes, oldest first.
    samples: VecDeque<(i64, DateTime<Utc>)>,
}

/// Why a read that could have gone to the replica went to the primary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fallback {
    /// The replica did not answer (or has not been probed recently).
    Down,
    /// The replica is further behind than `REPLICA_MAX_LAG_MS`.
    Lagging,
    /// The caller wrote after the replica's replay position: read-your-writes.
    OwnWrite,
    /// A statement failed on the replica: the read was run again on the primary.
    Error,
}

impl Fallback {
    /// The metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            Fallback::Down => "down",
            Fallback::Lagging => "lagging",
            Fallback::OwnWrite => "own_write",
            Fallback::Error => "error",
        }
    }

    /// Counts a read sent to the primary for this reason. `replica_fallbacks_total` counts
    /// the replica's failures (down, lagging, error); read-your-writes reads are counted
    /// apart, in `replica_primary_reads_total`.
    pub fn count(self) {
        match self {
            Fallback::OwnWrite => {
                metrics::counter!("replica_primary_reads_total", "reason" => self.as_str())
                    .increment(1);
            }
            _ => {
                metrics::counter!("replica_fallbacks_total", "reason" => self.as_str())
                    .increment(1);
            }
        }
    }
}

/// What the last probe saw, for `/readyz` and the metrics.
#[derive(Debug, Clone)]
pub struct Status {
    /// Whether the replica answered the last probe as a standby.
    pub up: bool,
    /// Why it is not used, when it is not.
    pub why_down: Option<String>,
    /// How far behind the primary it is.
    pub lag: Option<chrono::Duration>,
    /// Whether reads go to it now (up, recently probed, lag within the limit).
    pub serving: bool,
}

impl Replica {
    /// A replica reached through `pool`, used while its lag is within `max_lag`; a probe
    /// older than `stale_after` counts as no answer.
    pub fn new(pool: DbPool, max_lag: Duration, stale_after: Duration) -> Self {
        Self {
            pool,
            max_lag: chrono::Duration::from_std(max_lag).unwrap_or(chrono::Duration::MAX),
            stale_after,
            state: RwLock::new(State::default()),
        }
    }

    /// Whether a read by a caller who last wrote at `last_write` may go to the replica now.
    pub fn admits(&self, last_write: Option<DateTime<Utc>>) -> Result<(), Fallback> {
        let Ok(s) = self.state.read() else {
            return Err(Fallback::Down);
        };
        if !s.up || s.checked.is_none_or(|c| c.elapsed() > self.stale_after) {
            return Err(Fallback::Down);
        }
        let (Some(caught_up_to), Some(lag)) = (s.caught_up_to, s.lag) else {
            return Err(Fallback::Lagging);
        };
        if lag > self.max_lag {
            return Err(Fallback::Lagging);
        }
        match last_write {
            Some(w) if w >= caught_up_to => Err(Fallback::OwnWrite),
            _ => Ok(()),
        }
    }

    /// Records a probe: the primary's position and the replica's answer.
    pub fn record(&self, primary: &PrimaryPosition, replay: Result<ReplayPosition, String>) {
        let Ok(mut s) = self.state.write() else {
            return;
        };
        s.samples.push_back((primary.lsn, primary.at));
        while s.samples.len() > SAMPLES {
            s.samples.pop_front();
        }
        s.checked = Some(Instant::now());
        match replay {
            Ok(r) if r.in_recovery => {
                let replayed = r.lsn.unwrap_or(0);
                // The newest primary sample the replica has replayed past: everything
                // committed before that instant is on the replica.
                let by_samples = s
                    .samples
                    .iter()
                    .rev()
                    .find(|(lsn, _)| *lsn <= replayed)
                    .map(|(_, at)| *at);
                let caught_up_to = by_samples.or(r.last_commit);
                s.up = true;
                s.why_down = None;
                s.caught_up_to = caught_up_to;
                s.lag = caught_up_to.map(|c| (primary.at - c).max(chrono::Duration::zero()));
            }
            Ok(_) => self.down(&mut s, "the replica is not a standby (not in recovery)"),
            Err(e) => self.down(&mut s, &e),
        }
        let lag = s.lag.map_or(f64::NAN, |l| l.as_seconds_f64());
        metrics::gauge!("replica_up").set(if s.up { 1.0 } else { 0.0 });
        metrics::gauge!("replica_lag_seconds").set(lag);
    }

    /// Marks the replica down until the next probe finds it answering (a statement failed
    /// on it).
    pub fn mark_down(&self, why: &str) {
        if let Ok(mut s) = self.state.write() {
            self.down(&mut s, why);
            metrics::gauge!("replica_up").set(0.0);
        }
    }

    fn down(&self, s: &mut State, why: &str) {
        if s.up || s.why_down.is_none() {
            tracing::warn!(
                reason = why,
                "read replica unavailable: reads go to the primary"
            );
        }
        s.up = false;
        s.why_down = Some(why.to_string());
        s.lag = None;
        s.caught_up_to = None;
    }

    /// What the last probe saw.
    pub fn status(&self) -> Status {
        let serving = self.admits(None).is_ok();
        match self.state.read() {
            Ok(s) => Status {
                up: s.up,
                why_down: s.why_down.clone(),
                lag: s.lag,
                serving,
            },
            Err(_) => Status {
                up: false,
                why_down: Some("state unavailable".into()),
                lag: None,
                serving: false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replica() -> Replica {
        let manager = diesel_async::pooled_connection::AsyncDieselConnectionManager::<
            diesel_async::AsyncPgConnection,
        >::new("postgres://nowhere.invalid/x");
        let pool = DbPool::builder(manager)
            .build()
            .expect("a pool is built without connecting");
        Replica::new(pool, Duration::from_secs(5), Duration::from_secs(60))
    }

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).expect("a valid instant")
    }

    fn standby(lsn: i64) -> Result<ReplayPosition, String> {
        Ok(ReplayPosition {
            in_recovery: true,
            lsn: Some(lsn),
            last_commit: None,
            pause_state: "not paused".into(),
        })
    }

    #[test]
    fn unprobed_replica_serves_nothing() {
        assert_eq!(replica().admits(None), Err(Fallback::Down));
    }

    #[test]
    fn a_replica_replayed_to_the_primary_serves_everyone_who_wrote_before() {
        let r = replica();
        r.record(
            &PrimaryPosition {
                lsn: 100,
                at: at(10),
            },
            standby(100),
        );
        assert_eq!(r.admits(None), Ok(()));
        assert_eq!(r.admits(Some(at(9))), Ok(()));
        // A write at the probe's instant or later may not be on the replica yet.
        assert_eq!(r.admits(Some(at(10))), Err(Fallback::OwnWrite));
        assert_eq!(r.admits(Some(at(11))), Err(Fallback::OwnWrite));
    }

    #[test]
    fn a_replica_behind_is_placed_at_the_newest_sample_it_replayed() {
        let r = replica();
        r.record(
            &PrimaryPosition {
                lsn: 100,
                at: at(0),
            },
            standby(100),
        );
        r.record(
            &PrimaryPosition {
                lsn: 200,
                at: at(1),
            },
            standby(150),
        );
        let s = r.status();
        assert_eq!(s.lag, Some(chrono::Duration::seconds(1)));
        assert_eq!(
            r.admits(Some(at(0) - chrono::Duration::milliseconds(1))),
            Ok(())
        );
        assert_eq!(r.admits(Some(at(0))), Err(Fallback::OwnWrite));
        // Still at 150 six seconds later: lagging beyond the 5 s limit.
        r.record(
            &PrimaryPosition {
                lsn: 300,
                at: at(6),
            },
            standby(150),
        );
        assert_eq!(r.admits(None), Err(Fallback::Lagging));
        // Caught up again.
        r.record(
            &PrimaryPosition {
                lsn: 300,
                at: at(7),
            },
            standby(300),
        );
        assert_eq!(r.admits(None), Ok(()));
    }

    #[test]
    fn a_replica_that_fails_the_probe_or_a_statement_is_down_until_the_next_probe() {
        let r = replica();
        r.record(
            &PrimaryPosition { lsn: 1, at: at(0) },
            Err("refused".into()),
        );
        assert_eq!(r.admits(None), Err(Fallback::Down));
        assert_eq!(r.status().why_down.as_deref(), Some("refused"));
        r.record(&PrimaryPosition { lsn: 1, at: at(1) }, standby(1));
        assert_eq!(r.admits(None), Ok(()));
        r.mark_down("a statement failed");
        assert_eq!(r.admits(None), Err(Fallback::Down));
        let primary = Ok(ReplayPosition {
            in_recovery: false,
            lsn: None,
            last_commit: None,
            pause_state: "not paused".into(),
        });
        r.record(&PrimaryPosition { lsn: 1, at: at(2) }, primary);
        assert_eq!(r.admits(None), Err(Fallback::Down));
    }
}

//! The dashboards' fan-out: each instance computes the figures of a scope (the registry, one
//! university) once, and every subscriber of that scope on the instance shares the result.
//!
//! The instance's cartable listener hears every committed event, from any instance; an event
//! marks the registry and its university as changed. A job ([`crate::jobs`]) recomputes a
//! changed scope that has subscribers at most once per second, and every
//! `STATISTICS_REFRESH_SECS` anyway (overdue files and "payments today" change with the
//! clock alone); subscribers are told only when a figure differs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, watch};
use tokio::time::Instant;

use crate::domain::statistics::{Statistics, StatsScope};

/// The shortest time between two computations of one scope (and so between two pushes to
/// one subscriber).
pub const MIN_INTERVAL: Duration = Duration::from_secs(1);

/// The latest figures of a scope, as subscribers receive them.
pub type Figures = watch::Receiver<Option<Arc<Statistics>>>;

struct Slot {
    tx: watch::Sender<Option<Arc<Statistics>>>,
    /// Something happened since the last computation.
    dirty: bool,
    /// When the last computation started.
    last: Option<Instant>,
}

/// The scopes subscribed to on this instance, and their latest figures.
#[derive(Default)]
pub struct StatsHub {
    slots: Mutex<HashMap<StatsScope, Slot>>,
    wake: Notify,
}

impl StatsHub {
    fn slots(&self) -> std::sync::MutexGuard<'_, HashMap<StatsScope, Slot>> {
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The figures of `scope`, now and as they change. The first value comes from the next
    /// computation when the scope had no subscriber on this instance.
    pub fn subscribe(&self, scope: StatsScope) -> Figures {
        let mut slots = self.slots();
        let slot = slots.entry(scope).or_insert_with(|| Slot {
            tx: watch::Sender::new(None),
            dirty: true,
            last: None,
        });
        let rx = slot.tx.subscribe();
        drop(slots);
        self.wake.notify_one();
        rx
    }

    /// An event concerning `university` (or none) was committed: the registry's figures
    /// and that university's may have changed.
    pub fn touch(&self, university: Option<i32>) {
        let mut slots = self.slots();
        let mut touched = false;
        for scope in [
            Some(StatsScope::Registry),
            university.map(StatsScope::University),
        ]
        .into_iter()
        .flatten()
        {
            if let Some(slot) = slots.get_mut(&scope) {
                slot.dirty = true;
                touched = true;
            }
        }
        drop(slots);
        if touched {
            self.wake.notify_one();
        }
    }

    /// Events may have been missed: every scope may have changed.
    pub fn touch_all(&self) {
        for slot in self.slots().values_mut() {
            slot.dirty = true;
        }
        self.wake.notify_one();
    }

    /// Waits until [`Self::subscribe`] or [`Self::touch`] asks for a computation.
    pub async fn woken(&self) {
        self.wake.notified().await;
    }

    /// The scopes to compute now (marked as being computed), and when the next one will be
    /// due. Scopes nobody subscribes to any more are forgotten.
    pub fn due(&self, now: Instant, refresh: Duration) -> (Vec<StatsScope>, Option<Instant>) {
        let mut slots = self.slots();
        slots.retain(|_, slot| slot.tx.receiver_count() > 0);
        let mut due = Vec::new();
        let mut next: Option<Instant> = None;
        for (scope, slot) in slots.iter_mut() {
            let at = match slot.last {
                None => now,
                Some(last) if slot.dirty => last + MIN_INTERVAL,
                Some(last) => last + refresh.max(MIN_INTERVAL),
            };
            if at <= now {
                slot.dirty = false;
                slot.last = Some(now);
                due.push(*scope);
            } else {
                next = Some(next.map_or(at, |n| n.min(at)));
            }
        }
        (due, next)
    }

    /// Hands the figures of `scope` to its subscribers, if any figure changed.
    pub fn publish(&self, scope: StatsScope, figures: Statistics) {
        let slots = self.slots();
        if let Some(slot) = slots.get(&scope) {
            slot.tx.send_if_modified(|current| {
                if current.as_ref().is_some_and(|c| c.same_figures(&figures)) {
                    return false;
                }
                *current = Some(Arc::new(figures));
                true
            });
        }
    }

    /// A computation of `scope` failed: try again at the next chance.
    pub fn failed(&self, scope: StatsScope) {
        if let Some(slot) = self.slots().get_mut(&scope) {
            slot.dirty = true;
        }
    }

    /// How many scopes have subscribers on this instance.
    pub fn scopes(&self) -> usize {
        self.slots().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(officers: i64) -> Statistics {
        Statistics {
            as_of: chrono::Utc::now(),
            last_event_id: officers,
            officers,
            qualified_officers: 0,
            requests_by_status: Vec::new(),
            overdue_requests: 0,
            active_contracts: 0,
            payments_today: 0,
            universities: Vec::new(),
        }
    }

    #[tokio::test]
    async fn a_scope_is_computed_at_most_once_a_second_and_pushed_only_when_changed() {
        let hub = StatsHub::default();
        let refresh = Duration::from_secs(60);
        let mut a = hub.subscribe(StatsScope::Registry);
        let mut b = hub.subscribe(StatsScope::Registry);
        let t0 = Instant::now();
        let (due, _) = hub.due(t0, refresh);
        assert_eq!(
            due,
            vec![StatsScope::Registry],
            "one computation for two subscribers"
        );
        hub.publish(StatsScope::Registry, figures(1));
        assert!(a.has_changed().unwrap() && b.has_changed().unwrap());
        a.borrow_and_update();
        b.borrow_and_update();
        // Changes within the second wait for it.
        hub.touch(Some(5));
        let (due, next) = hub.due(t0 + Duration::from_millis(300), refresh);
        assert!(due.is_empty());
        assert_eq!(next, Some(t0 + MIN_INTERVAL));
        let (due, _) = hub.due(t0 + MIN_INTERVAL, refresh);
        assert_eq!(due, vec![StatsScope::Registry]);
        // The same figures again: nobody is told.
        hub.publish(StatsScope::Registry, figures(1));
        assert!(!a.has_changed().unwrap());
        hub.publish(StatsScope::Registry, figures(2));
        assert!(a.has_changed().unwrap());
        // An untouched scope is refreshed by the clock; a university's touch leaves others.
        let (due, next) = hub.due(t0 + Duration::from_secs(2), refresh);
        assert!(due.is_empty());
        assert_eq!(next, Some(t0 + MIN_INTERVAL + refresh));
        // Gone subscribers: the scope is forgotten.
        drop((a, b));
        let (due, next) = hub.due(t0 + Duration::from_secs(120), refresh);
        assert!(due.is_empty() && next.is_none());
        assert_eq!(hub.scopes(), 0);
    }

    #[test]
    fn a_university_event_touches_the_registry_and_that_university_only() {
        let hub = StatsHub::default();
        let refresh = Duration::from_secs(60);
        let _r = hub.subscribe(StatsScope::Registry);
        let _u1 = hub.subscribe(StatsScope::University(1));
        let _u2 = hub.subscribe(StatsScope::University(2));
        let t0 = Instant::now();
        assert_eq!(hub.due(t0, refresh).0.len(), 3);
        hub.touch(Some(2));
        let mut due = hub.due(t0 + MIN_INTERVAL, refresh).0;
        due.sort_by_key(|s| s.university());
        assert_eq!(due, vec![StatsScope::Registry, StatsScope::University(2)]);
    }
}

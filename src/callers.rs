//! Signed-in callers kept between requests: a request whose token names a session read
//! recently costs no statement to know its caller.
//!
//! An entry is dropped when anything it holds may have changed: every instance hears
//! `account_changes` (sessions ended, rights, the account's or the officer's row, a noted
//! write; triggers, so no code path can forget it) and drops that user; a mutation or a
//! payment callback on this instance drops every entry before its answer is sent (so the
//! same instance never serves its own write stale); the listener reconnecting drops every
//! entry (it may have missed announcements); and no entry lives longer than
//! `CALLER_CACHE_SECS`. A read that started before a drop is not kept (a generation count),
//! so it cannot bring back what the drop removed.
//!
//! Written by hand rather than with a cache crate: the drops are by user id across all of a
//! user's sessions, and the generation rule must hold across a read from the database.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use uuid::Uuid;

use crate::workflow::accounts::SignedIn;

/// Most entries kept; beyond, the cache starts over.
const MAX_ENTRIES: usize = 100_000;

/// The callers of this instance, by (user, session family).
pub struct CallerCache {
    ttl: Duration,
    entries: Mutex<HashMap<(Uuid, Uuid), (Instant, SignedIn)>>,
    generation: AtomicU64,
}

impl CallerCache {
    /// A cache keeping callers for `ttl` (zero: none).
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
            generation: AtomicU64::new(0),
        }
    }

    /// The generation to give [`CallerCache::put`] for a read starting now.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// The caller of `user`'s session `family`, when kept and fresh.
    pub fn get(&self, user: Uuid, family: Uuid) -> Option<SignedIn> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries.lock().ok()?;
        let (at, signed_in) = entries.get(&(user, family))?;
        (at.elapsed() < self.ttl).then(|| signed_in.clone())
    }

    /// Keeps a caller read from the database by a read that started at `generation`,
    /// unless something was dropped since.
    pub fn put(&self, family: Uuid, signed_in: &SignedIn, generation: u64) {
        if self.ttl.is_zero() {
            return;
        }
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        // Checked under the lock that drops take too.
        if self.generation.load(Ordering::SeqCst) != generation {
            return;
        }
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(
            (signed_in.caller.user_id, family),
            (Instant::now(), signed_in.clone()),
        );
    }

    /// Drops every session of `user`; [`Uuid::nil`] drops everyone.
    pub fn drop_user(&self, user: Uuid) {
        if user.is_nil() {
            return self.clear();
        }
        if let Ok(mut entries) = self.entries.lock() {
            self.generation.fetch_add(1, Ordering::SeqCst);
            entries.retain(|(u, _), _| *u != user);
        }
    }

    /// Drops every entry.
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            self.generation.fetch_add(1, Ordering::SeqCst);
            entries.clear();
        }
    }

    /// Entries kept now.
    pub fn len(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or(0)
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Caller, Role};
    use crate::store::users::User;

    fn signed_in(user: Uuid, family: Uuid) -> SignedIn {
        SignedIn {
            caller: Caller {
                user_id: user,
                role: Role::DirectorateAdmin,
                session: family,
                officer_id: None,
                university_id: None,
                distributor_id: None,
                province_id: None,
            },
            user: User {
                id: user,
                user_code: "admin".into(),
                password_hash: String::new(),
                role: Role::DirectorateAdmin,
                display_name: "مدیر".into(),
                university_id: None,
                distributor_id: None,
                active: true,
                created_at: chrono::Utc::now(),
            },
            officer: None,
            last_write: None,
        }
    }

    #[test]
    fn kept_until_its_user_changes() {
        let cache = CallerCache::new(Duration::from_secs(60));
        let (a, b, fa, fb) = (
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
        );
        cache.put(fa, &signed_in(a, fa), cache.generation());
        cache.put(fb, &signed_in(b, fb), cache.generation());
        assert!(cache.get(a, fa).is_some());
        assert!(cache.get(a, fb).is_none(), "another session of nobody");
        cache.drop_user(a);
        assert!(cache.get(a, fa).is_none());
        assert!(cache.get(b, fb).is_some(), "other users stay");
        cache.drop_user(Uuid::nil());
        assert!(cache.is_empty(), "nil: everyone");
    }

    #[test]
    fn a_read_that_started_before_a_drop_is_not_kept() {
        let cache = CallerCache::new(Duration::from_secs(60));
        let (a, fa) = (Uuid::new_v4(), Uuid::new_v4());
        let started = cache.generation();
        // The account changes while the read is on its way.
        cache.drop_user(a);
        cache.put(fa, &signed_in(a, fa), started);
        assert!(cache.get(a, fa).is_none());
        cache.put(fa, &signed_in(a, fa), cache.generation());
        assert!(cache.get(a, fa).is_some());
    }

    #[test]
    fn nothing_is_kept_with_no_lifetime_or_past_it() {
        let off = CallerCache::new(Duration::ZERO);
        let (a, fa) = (Uuid::new_v4(), Uuid::new_v4());
        off.put(fa, &signed_in(a, fa), off.generation());
        assert!(off.get(a, fa).is_none());
        let short = CallerCache::new(Duration::from_millis(1));
        short.put(fa, &signed_in(a, fa), short.generation());
        std::thread::sleep(Duration::from_millis(5));
        assert!(short.get(a, fa).is_none());
    }
}

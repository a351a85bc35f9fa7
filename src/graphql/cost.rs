//! What a query costs, in points (GitHub-style), and each caller's budget of points per
//! minute.
//!
//! Every field costs one point. A connection (`first`, default 20) costs one point plus
//! `first` times what one page item asks for; a list that grows with use (a request's
//! history, documents and deficiencies, a distributor's branches) costs one point plus
//! [`LIST_ITEMS`] times what one item asks for. async-graphql adds these up while it
//! validates the document; the request extension refuses a document over
//! `MAX_QUERY_COMPLEXITY` and charges the rest to the caller's budget
//! (`COST_POINTS_PER_MINUTE`: per user when signed in, per client address otherwise).

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use uuid::Uuid;

use super::pagination::{DEFAULT_PAGE, MAX_PAGE};
use crate::error::{AppError, ErrorCode};

/// Items counted for a list that has no page size.
pub const LIST_ITEMS: usize = 10;

/// No single field costs more than this, so that sums over a document cannot overflow.
const CEILING: usize = 1 << 40;

/// The cost of a connection of `first` items (default page size when absent; values outside
/// 1..=100, which the resolver refuses anyway, count as the nearest bound), each costing
/// `child` points.
pub fn page(first: Option<i32>, child: usize) -> usize {
    let items = first.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE) as usize;
    items.saturating_mul(child).saturating_add(1).min(CEILING)
}

/// The cost of a list without a page size whose items cost `child` points each.
pub fn list(child: usize) -> usize {
    LIST_ITEMS
        .saturating_mul(child)
        .saturating_add(1)
        .min(CEILING)
}

/// Whom a budget belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Payer {
    /// A signed-in user (a valid access token).
    User(Uuid),
    /// Anyone else, by client address.
    Address(String),
}

/// Points per minute for each caller.
pub struct CostBudget {
    limiter: DefaultKeyedRateLimiter<Payer>,
    clock: DefaultClock,
    per_minute: u32,
    charges: AtomicU64,
}

/// How often (in charges) callers that have a full budget again are forgotten.
const FORGET_EVERY: u64 = 4096;

impl CostBudget {
    /// A budget of `per_minute` points; `None` when 0 (no budget).
    pub fn new(per_minute: u32) -> Option<Self> {
        let per_minute_nz = NonZeroU32::new(per_minute)?;
        Some(Self {
            limiter: DefaultKeyedRateLimiter::keyed(Quota::per_minute(per_minute_nz)),
            clock: DefaultClock::default(),
            per_minute,
            charges: AtomicU64::new(0),
        })
    }

    /// Takes `points` from the payer's budget, or refuses with `RATE_LIMITED` (how long to
    /// wait in `retryAfterSeconds`) or, for a query costing more than a whole minute's
    /// budget, `VALIDATION_FAILED`.
    pub fn charge(&self, payer: &Payer, points: usize) -> Result<(), AppError> {
        if self.charges.fetch_add(1, Ordering::Relaxed) % FORGET_EVERY == FORGET_EVERY - 1 {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        let Some(n) = u32::try_from(points).ok().and_then(NonZeroU32::new) else {
            return match points {
                0 => Ok(()),
                _ => Err(self.over_budget(points)),
            };
        };
        match self.limiter.check_key_n(payer, n) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(not_until)) => {
                let wait = not_until.wait_time_from(self.clock.now());
                let secs = i64::try_from(wait.as_secs()).unwrap_or(i64::MAX);
                let secs = secs.saturating_add(i64::from(wait.subsec_nanos() > 0));
                let mut e = AppError::rate_limited(secs);
                e.message = format!(
                    "the points of your queries this minute are spent ({} per minute); this query costs {points}: retry in {} seconds",
                    self.per_minute,
                    secs.max(1)
                );
                e.message_fa = format!(
                    "سهمیهٔ امتیاز پرس‌وجوهای شما در این دقیقه تمام شده است؛ {} ثانیه دیگر دوباره تلاش کنید",
                    persian_digits(secs.max(1))
                );
                Err(e)
            }
            Err(_) => Err(self.over_budget(points)),
        }
    }

    fn over_budget(&self, points: usize) -> AppError {
        AppError::new(
            ErrorCode::ValidationFailed,
            format!(
                "the query costs {points} points, more than the budget of a whole minute ({})",
                self.per_minute
            ),
            "هزینهٔ این پرس‌وجو از کل سهمیهٔ یک دقیقه بیشتر است؛ تعداد درخواستی در هر صفحه (first) یا فیلدها را کم کنید",
        )
    }
}

/// `n` in Persian digits.
pub fn persian_digits(n: impl std::fmt::Display) -> String {
    n.to_string()
        .chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => char::from_u32(0x06F0 + d).unwrap_or(c),
            None => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_costs_its_size_times_its_items() {
        assert_eq!(page(None, 5), 101);
        assert_eq!(page(Some(100), 5), 501);
        assert_eq!(page(Some(1), 5), 6);
        // Out of range: the nearest bound (the resolver refuses it anyway).
        assert_eq!(page(Some(-7), 5), 6);
        assert_eq!(page(Some(i32::MAX), 5), 501);
        assert_eq!(page(Some(100), usize::MAX), CEILING);
        assert_eq!(list(3), 31);
    }

    #[test]
    fn the_budget_refuses_once_spent_and_per_payer() {
        let budget = CostBudget::new(100).expect("a budget");
        let alice = Payer::User(Uuid::new_v4());
        let bob = Payer::User(Uuid::new_v4());
        assert!(budget.charge(&alice, 60).is_ok());
        assert!(budget.charge(&alice, 40).is_ok());
        let refused = budget.charge(&alice, 10).expect_err("spent");
        assert_eq!(refused.code, ErrorCode::RateLimited);
        assert!(
            refused
                .retry_after_secs
                .is_some_and(|s| (1..=60).contains(&s))
        );
        assert!(budget.charge(&bob, 100).is_ok());
        let too_big = budget
            .charge(&Payer::Address("10.0.0.1".into()), 101)
            .expect_err("over a minute's budget");
        assert_eq!(too_big.code, ErrorCode::ValidationFailed);
        assert!(CostBudget::new(0).is_none());
        assert_eq!(persian_digits(60), "۶۰");
    }
}

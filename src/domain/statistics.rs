//! The figures of the live dashboards (DESIGN §3.1): what they hold, whose they are, and
//! when a file is overdue (§4). No I/O.

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Asia::Tehran;

use super::qualification::Status;

/// Whose figures: the whole registry (admins) or one university (its reviewers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatsScope {
    /// Every file, officer, contract and payment.
    Registry,
    /// The files routed to this university, their officers, its contracts and payments.
    University(i32),
}

impl StatsScope {
    /// The university the figures are restricted to, if any.
    pub fn university(self) -> Option<i32> {
        match self {
            Self::Registry => None,
            Self::University(u) => Some(u),
        }
    }
}

/// The statuses in which a file waits on the reviewer's side (its clock runs).
pub const ON_REVIEWER_SIDE: [Status; 2] = [Status::Submitted, Status::UnderReview];

/// Whether a file in `status` that came to the reviewer's side at `waiting_since` has waited
/// longer than `deadline` at `now`.
pub fn overdue(
    status: Status,
    waiting_since: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    deadline: Duration,
) -> bool {
    ON_REVIEWER_SIDE.contains(&status) && waiting_since.is_some_and(|w| w < now - deadline)
}

/// The start of the Asia/Tehran day that `now` falls in.
pub fn tehran_day_start(now: DateTime<Utc>) -> DateTime<Utc> {
    let day = now.with_timezone(&Tehran).date_naive();
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    Tehran
        .from_local_datetime(&midnight)
        .earliest()
        .map_or(now, |t| t.with_timezone(&Utc))
}

/// One university's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct UniversityFigures {
    /// The university.
    pub university_id: i32,
    /// Files on the reviewer's side (SUBMITTED, UNDER_REVIEW).
    pub waiting: i64,
    /// Of those, the ones waiting longer than the deadline.
    pub overdue: i64,
    /// Median hours from arrival on the reviewer's side to the reviewer's decision
    /// (deficiencies, approval, rejection), over decisions of the last 30 days.
    pub median_review_hours: Option<f64>,
}

/// The dashboard's figures at one moment.
#[derive(Debug, Clone)]
pub struct Statistics {
    /// When they were computed.
    pub as_of: DateTime<Utc>,
    /// The last event of the log they include (every event up to it, none after).
    pub last_event_id: i64,
    /// Officers (a university: those with a file routed to it).
    pub officers: i64,
    /// Of those, the qualified ones.
    pub qualified_officers: i64,
    /// Requests per status (every status, zeros included).
    pub requests_by_status: Vec<(Status, i64)>,
    /// Files waiting longer than the deadline.
    pub overdue_requests: i64,
    /// Active contracts.
    pub active_contracts: i64,
    /// Payments verified since midnight, Asia/Tehran.
    pub payments_today: i64,
    /// Per university (a reviewer: its own only), ordered by id.
    pub universities: Vec<UniversityFigures>,
}

impl Statistics {
    /// Whether every figure is the same as in `other` (the time of computing and the last
    /// event aside): a subscriber is told only of a change.
    pub fn same_figures(&self, other: &Self) -> bool {
        self.officers == other.officers
            && self.qualified_officers == other.qualified_officers
            && self.requests_by_status == other.requests_by_status
            && self.overdue_requests == other.overdue_requests
            && self.active_contracts == other.active_contracts
            && self.payments_today == other.payments_today
            && self.universities == other.universities
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_files_on_the_reviewers_side_are_overdue() {
        let now = Utc::now();
        let week = Duration::days(7);
        let old = Some(now - Duration::days(8));
        let fresh = Some(now - Duration::days(6));
        for status in Status::VARIANTS {
            let expected = ON_REVIEWER_SIDE.contains(status);
            assert_eq!(overdue(*status, old, now, week), expected, "{status:?}");
            assert!(!overdue(*status, fresh, now, week), "{status:?}");
            assert!(!overdue(*status, None, now, week), "{status:?}");
        }
    }

    #[test]
    fn the_tehran_day_starts_at_2030_utc() {
        let t = "2026-12-07T20:29:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            tehran_day_start(t),
            "2026-12-06T20:30:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        let t = "2026-12-07T20:31:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            tehran_day_start(t),
            "2026-12-07T20:30:00Z".parse::<DateTime<Utc>>().unwrap()
        );
    }
}

//! The dashboards' figures (DESIGN §3.1).

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use std::sync::Arc;

use super::reference::University;
use crate::domain::qualification::Status;
use crate::domain::statistics::{Statistics, UniversityFigures};
use crate::error::AppError;
use crate::graphql::loaders::{Loaders, UniversityId};

fn int(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// The registry's figures (an admin) or one university's (its reviewers).
pub struct RegistryStatistics(pub Arc<Statistics>);

#[Object]
impl RegistryStatistics {
    /// When the figures were computed.
    async fn as_of(&self) -> DateTime<Utc> {
        self.0.as_of
    }
    /// The last event of the log the figures include (every event up to it, none after):
    /// compare with `CartableEvent.id`.
    async fn last_event_id(&self) -> ID {
        ID(self.0.last_event_id.to_string())
    }
    /// Officers (for a university: those with a file routed to it).
    async fn officers(&self) -> i32 {
        int(self.0.officers)
    }
    /// Of those, the qualified ones.
    async fn qualified_officers(&self) -> i32 {
        int(self.0.qualified_officers)
    }
    /// Qualification and amendment requests per status, every status listed.
    async fn requests_by_status(&self) -> Vec<StatusCount> {
        self.0
            .requests_by_status
            .iter()
            .map(|(status, n)| StatusCount {
                status: *status,
                count: int(*n),
            })
            .collect()
    }
    /// Files waiting on the reviewer's side longer than the directorate's deadline.
    async fn overdue_requests(&self) -> i32 {
        int(self.0.overdue_requests)
    }
    /// Active contracts of officers with branches.
    async fn active_contracts(&self) -> i32 {
        int(self.0.active_contracts)
    }
    /// Review-fee payments verified today (since midnight, Asia/Tehran).
    async fn payments_today(&self) -> i32 {
        int(self.0.payments_today)
    }
    /// Per university (a reviewer: its own only), by id.
    async fn universities(&self) -> Vec<UniversityStatistics> {
        self.0
            .universities
            .iter()
            .cloned()
            .map(UniversityStatistics)
            .collect()
    }
}

/// How many requests are in one status.
#[derive(SimpleObject)]
pub struct StatusCount {
    /// The status.
    status: Status,
    /// How many requests are in it.
    count: i32,
}

/// One university's figures.
pub struct UniversityStatistics(UniversityFigures);

#[Object]
impl UniversityStatistics {
    /// The university.
    async fn university(&self, ctx: &Context<'_>) -> Result<University> {
        ctx.data_unchecked::<Loaders>()
            .load_one(UniversityId(self.0.university_id))
            .await?
            .map(University)
            .ok_or_else(|| AppError::not_found().into())
    }
    /// Files on the reviewer's side (SUBMITTED, UNDER_REVIEW).
    async fn waiting(&self) -> i32 {
        int(self.0.waiting)
    }
    /// Of those, the ones waiting longer than the deadline.
    async fn overdue(&self) -> i32 {
        int(self.0.overdue)
    }
    /// Median hours from a file's arrival on the reviewer's side to the reviewer's decision
    /// (deficiencies, approval or rejection), over the decisions of the last 30 days; null
    /// without any.
    async fn median_review_hours(&self) -> Option<f64> {
        self.0.median_review_hours
    }
}

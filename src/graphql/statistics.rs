//! `registryStatistics`: the dashboards' figures, as a query and live.

use async_graphql::{Context, Object, Result, Subscription};
use futures_util::Stream;
use std::sync::Arc;

use super::context::{app, caller};
use super::guards::require;
use super::types::statistics::RegistryStatistics;
use crate::workflow::statistics as wf;

/// The dashboards' query.
#[derive(Default)]
pub struct StatisticsQuery;

#[Object]
impl StatisticsQuery {
    /// The figures of the registry (an admin) or of the reviewer's own university: officers,
    /// requests by status, overdue files, active contracts, payments verified today and, per
    /// university, the waiting and overdue files and the median review time. `FORBIDDEN` for
    /// officers and distributors.
    async fn registry_statistics(&self, ctx: &Context<'_>) -> Result<RegistryStatistics> {
        let caller = caller(ctx).await?;
        let scope = wf::scope_of(&caller)?;
        let app = app(ctx);
        let mut conn = crate::graphql::context::read_conn(ctx).await?;
        let figures = wf::figures(&mut conn, scope, app.config.overdue_after_days).await?;
        Ok(RegistryStatistics(Arc::new(figures)))
    }
}

/// The dashboards' subscription.
#[derive(Default)]
pub struct StatisticsSubscription;

#[Subscription]
impl StatisticsSubscription {
    /// The same figures as the query, pushed at once and then whenever one changes (on any
    /// instance), at most once a second. Computed once per instance for all the subscribers
    /// of a scope.
    async fn registry_statistics(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = RegistryStatistics> + use<>> {
        let caller = require(ctx, "registryStatistics").await?;
        let scope = wf::scope_of(&caller)?;
        let mut figures = app(ctx).stats.subscribe(scope);
        Ok(async_stream::stream! {
            loop {
                let current = figures.borrow_and_update().clone();
                if let Some(f) = current {
                    yield RegistryStatistics(f);
                }
                if figures.changed().await.is_err() {
                    return;
                }
            }
        })
    }
}

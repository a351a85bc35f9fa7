//! `cartableEvents`: the viewer's events, replayed from the log after an id, then live.

use async_graphql::{Context, ID, Result, Subscription};
use futures_util::Stream;
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;

use super::context::app;
use super::guards::require;
use super::types::cartable_event::CartableEvent;
use crate::cartable::Notice;
use crate::error::{AppError, ErrorCode};
use crate::store::{self, cartable};

/// How many log rows a replay reads at a time.
const REPLAY_PAGE: i64 = 500;

fn fell_behind(last: i64) -> async_graphql::Error {
    let mut e = AppError::new(
        ErrorCode::RateLimited,
        "this subscriber fell too far behind and was stopped: subscribe again with afterEventId set to lastEventId",
        "دریافت رویدادها از سرعت تولید آن‌ها عقب ماند؛ با آخرین شناسه دریافت‌شده دوباره مشترک شوید",
    );
    e.retry_after_secs = Some(0);
    e.details = Some(Box::new(
        serde_json::json!({ "lastEventId": last.to_string() }),
    ));
    e.into()
}

/// Subscriptions.
#[derive(Default)]
pub struct CartableSubscription;

#[Subscription]
impl CartableSubscription {
    /// The events that concern the viewer: an officer its own requests; a reviewer its
    /// university's files; an admin everything. With `afterEventId`, the events after it are
    /// replayed from the log first, then the stream continues live, with no gap and no
    /// duplicate. The socket is closed (4403) when its access token expires unless renewed
    /// in-band, or when the session ends; a subscriber that falls
    /// too far behind gets a `RATE_LIMITED` error with `lastEventId` and may resume from it.
    async fn cartable_events(
        &self,
        ctx: &Context<'_>,
        after_event_id: Option<ID>,
    ) -> Result<impl Stream<Item = Result<CartableEvent>> + use<>> {
        let caller = require(ctx, "cartableEvents").await?;
        let app = app(ctx).clone();
        let after = match &after_event_id {
            Some(id) => Some(id.parse::<i64>().map_err(|_| {
                AppError::validation(
                    "afterEventId",
                    "unknown event id",
                    "شناسه رویداد نامعتبر است",
                )
            })?),
            None => None,
        };
        // Subscribe before replaying, so nothing committed meanwhile is lost.
        let scope = crate::policy::scope(&caller, crate::policy::Object::CartableNotice);
        let mut rx = app.hub.subscribe(&caller);
        metrics::gauge!("cartable_subscribers").increment(1.0);
        let guard = SubscriberGauge;
        Ok(async_stream::stream! {
            let _guard = guard;
            let mut last = after.unwrap_or(i64::MIN);
            if let Some(after) = after {
                last = after;
                loop {
                    let page = match store::conn(&app.pool).await {
                        Ok(mut conn) => cartable::replay(&mut conn, scope, last, REPLAY_PAGE).await,
                        Err(e) => Err(e),
                    };
                    match page {
                        Ok(rows) if rows.is_empty() => break,
                        Ok(rows) => {
                            for row in rows {
                                last = row.id;
                                yield Ok(CartableEvent(Arc::new(Notice::from(row))));
                            }
                        }
                        Err(e) => {
                            yield Err(e.into());
                            return;
                        }
                    }
                }
            }
            loop {
                match rx.recv().await {
                    Ok(notice) => {
                        if notice.id > last && notice.concerns(&caller) {
                            last = notice.id;
                            metrics::counter!("cartable_deliveries_total").increment(1);
                            yield Ok(CartableEvent(notice));
                        }
                    }
                    Err(RecvError::Lagged(_)) => {
                        yield Err(fell_behind(last));
                        return;
                    }
                    Err(RecvError::Closed) => return,
                }
            }
        })
    }
}

struct SubscriberGauge;

impl Drop for SubscriberGauge {
    fn drop(&mut self) {
        metrics::gauge!("cartable_subscribers").decrement(1.0);
    }
}

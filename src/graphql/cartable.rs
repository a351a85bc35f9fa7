//! `cartableEvents`: the viewer's events, replayed from the log after an id, then live.

use async_graphql::{Context, ID, Object, Result, Subscription};
use chrono::{DateTime, Utc};
use futures_util::Stream;
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use super::context::{app, who};
use super::qualification::QualificationRequest;
use crate::cartable::Notice;
use crate::domain::jalali;
use crate::error::{AppError, ErrorCode};
use crate::store::{self, cartable, qualification as q};

/// An event in a cartable.
pub struct CartableEvent(pub Arc<Notice>);

#[Object]
impl CartableEvent {
    /// Position in the event log: resume with `cartableEvents(afterEventId: id)`.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// What happened: the entity and the action, e.g. `QUALIFICATION_REQUEST_SUBMIT`.
    async fn kind(&self) -> String {
        self.0.kind()
    }
    /// When.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// When, Jalali, Tehran time.
    async fn occurred_at_jalali(&self) -> String {
        jalali::datetime(self.0.at)
    }
    /// Status before, when the event changed one.
    async fn from_status(&self) -> Option<&str> {
        self.0.from.as_deref()
    }
    /// Status after.
    async fn to_status(&self) -> Option<&str> {
        self.0.to.as_deref()
    }
    /// The request the event is about, as it is now.
    async fn qualification_request(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<QualificationRequest>> {
        if self.0.entity_type != q::ENTITY.as_str() {
            return Ok(None);
        }
        let Ok(id) = self.0.entity.parse::<Uuid>() else {
            return Ok(None);
        };
        let mut conn = store::conn(&app(ctx).pool).await?;
        Ok(q::find(&mut conn, id).await?.map(QualificationRequest))
    }
    /// The payment the event is about, as it is now.
    async fn payment(&self, ctx: &Context<'_>) -> Result<Option<super::payments::Payment>> {
        if self.0.entity_type != crate::store::payments::ENTITY.as_str() {
            return Ok(None);
        }
        let Ok(id) = self.0.entity.parse::<Uuid>() else {
            return Ok(None);
        };
        let mut conn = store::conn(&app(ctx).pool).await?;
        Ok(crate::store::payments::find(&mut conn, id)
            .await?
            .map(super::payments::Payment))
    }
}

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

#[Subscription(name = "Subscription")]
impl CartableSubscription {
    /// The events that concern the viewer: an officer its own requests; a reviewer its
    /// university's files; an admin everything. With `afterEventId`, the events after it are
    /// replayed from the log first, then the stream continues live, with no gap and no
    /// duplicate. The stream ends when the access token expires; a subscriber that falls
    /// too far behind gets a `RATE_LIMITED` error with `lastEventId` and may resume from it.
    async fn cartable_events(
        &self,
        ctx: &Context<'_>,
        after_event_id: Option<ID>,
    ) -> Result<impl Stream<Item = Result<CartableEvent>> + use<>> {
        let who = who(ctx).await?;
        let app = app(ctx).clone();
        let expires = ctx
            .data_opt::<TokenExpiry>()
            .map(|t| t.0)
            .unwrap_or_else(|| Utc::now() + chrono::Duration::days(3650));
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
        let mut rx = app.hub.subscribe(&who);
        metrics::gauge!("cartable_subscribers").increment(1.0);
        let guard = SubscriberGauge;
        Ok(async_stream::stream! {
            let _guard = guard;
            let mut last = after.unwrap_or(i64::MIN);
            if let Some(after) = after {
                last = after;
                loop {
                    let page = match store::conn(&app.pool).await {
                        Ok(mut conn) => cartable::replay(&mut conn, &who, last, REPLAY_PAGE).await,
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
            let until = tokio::time::Instant::now()
                + (expires - Utc::now()).to_std().unwrap_or_default();
            loop {
                tokio::select! {
                    _ = tokio::time::sleep_until(until) => {
                        // The access token expired: end the stream; the client resubscribes
                        // with a fresh token and afterEventId.
                        return;
                    }
                    msg = rx.recv() => match msg {
                        Ok(notice) => {
                            if notice.id > last && notice.concerns(&who) {
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
            }
        })
    }
}

/// When the connection's access token expires.
#[derive(Clone, Copy)]
pub struct TokenExpiry(pub DateTime<Utc>);

struct SubscriberGauge;

impl Drop for SubscriberGauge {
    fn drop(&mut self) {
        metrics::gauge!("cartable_subscribers").decrement(1.0);
    }
}

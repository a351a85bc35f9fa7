//! `cartableEvents`: the viewer's events, replayed from the log after an id, then live.

use async_graphql::{Context, ID, Result, Subscription};
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, future, stream};
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast::error::RecvError;

use super::context::app;
use super::guards::require;
use super::types::cartable_event::CartableEvent;
use crate::cartable::{Notice, Receiver};
use crate::domain::Caller;
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

/// How the WebSocket layer runs `cartableEvents` when it delivers the live events itself
/// from renders shared by subscribers (see `crate::http::ws_feed`). Without it (over any
/// other transport, or for a document it does not share), the subscription replays and
/// then delivers every live event itself.
pub enum FeedMode {
    /// Authorise and replay as usual, then hand the live part over in this slot and end.
    HandOff(Arc<Mutex<Option<LiveFeed>>>),
    /// Authorise, then resolve this one event (a render) and end.
    One(Arc<Notice>),
    /// Authorise, then give the error of a subscriber that fell behind after this event.
    Behind(i64),
}

/// The live part of a subscription, handed to the WebSocket layer after the replay: the
/// receiver subscribed before the replay began (so nothing is lost between the two), the
/// last event delivered, and the viewer. Counts as a subscriber while it lives.
pub struct LiveFeed {
    /// The viewer's channel.
    pub rx: Receiver,
    /// The id of the last event delivered (events at or before it are skipped).
    pub last: i64,
    /// The viewer, as authorised when it subscribed.
    pub caller: Caller,
    _gauge: SubscriberGauge,
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
    ) -> Result<BoxStream<'static, Result<CartableEvent>>> {
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
        let hand_off = match ctx.data_opt::<FeedMode>() {
            None => None,
            Some(FeedMode::HandOff(slot)) => Some(slot.clone()),
            Some(FeedMode::One(notice)) => {
                let event = CartableEvent(notice.clone());
                return Ok(stream::once(future::ready(Ok(event))).boxed());
            }
            Some(FeedMode::Behind(last)) => {
                return Ok(stream::once(future::ready(Err(fell_behind(*last)))).boxed());
            }
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
            if let Some(slot) = hand_off {
                let live = LiveFeed { rx, last, caller, _gauge: _guard };
                slot.lock().unwrap_or_else(|p| p.into_inner()).replace(live);
                return;
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
        }
        .boxed())
    }
}

struct SubscriberGauge;

impl Drop for SubscriberGauge {
    fn drop(&mut self) {
        metrics::gauge!("cartable_subscribers").decrement(1.0);
    }
}

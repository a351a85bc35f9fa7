//! Paying the review fee (R9): start an attempt, settle the bank's callback, reconcile
//! attempts whose owner never came back. Nothing is marked paid before the gateway verified
//! it with the amount from our database; marking is one compare-and-set, in the same
//! transaction as the completion of the request.

use chrono::{Duration, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use crate::app::App;
use crate::domain::payment::{PaymentAction, PaymentStatus};
use crate::domain::qualification::Status;
use crate::domain::{Actor, Caller, Parties};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::integrations::zarinpal::{GatewayError, Verification, Zarinpal};
use crate::policy::{self, Object};
use crate::store::payments::{self, Payment};
use crate::store::qualification as q;
use crate::store::{self, officers};

/// Gateway name stored with payments.
pub const GATEWAY: &str = "zarinpal";

fn payment_failed(e: &GatewayError) -> AppError {
    tracing::warn!(error = %e, "payment gateway failure");
    AppError::new(
        ErrorCode::PaymentFailed,
        format!("the payment could not be started: {e}; nothing was charged, try again"),
        "اتصال به درگاه پرداخت برقرار نشد؛ مبلغی کسر نشده است، دوباره تلاش کنید",
    )
}

fn gateway(app: &App) -> AppResult<Zarinpal> {
    app.gateway.clone().ok_or_else(|| {
        AppError::new(
            ErrorCode::PaymentFailed,
            "no payment gateway is configured on this server",
            "درگاه پرداخت پیکربندی نشده است",
        )
    })
}

/// The URL of the bank's callback on this server.
pub fn callback_url(app: &App) -> String {
    format!("{}/payments/zarinpal/callback", app.config.public_base())
}

/// Starts (or returns the active) attempt to pay a request's fee, by its officer. One active
/// attempt per request; an expired one is replaced; a paid request is never paid again.
pub async fn start(app: &App, caller: Caller, request_id: Uuid) -> AppResult<(Payment, String)> {
    let gateway = gateway(app)?;
    let callback = callback_url(app);
    let ttl = app.config.payment_attempt_ttl_secs;
    let mut conn = store::conn(&app.pool).await?;
    conn.transaction::<_, AppError, _>(async move |conn| {
        // The request row stays locked until the attempt is stored: concurrent starts queue.
        let req = crate::workflow::qualification::lock_visible(conn, &caller, request_id).await?;
        if req.status != Status::AwaitingPayment {
            return Err(AppError::invalid_state(
                format!(
                    "the request is {}, not awaiting payment",
                    req.status.as_str()
                ),
                format!(
                    "درخواست در وضعیت «{}» است و پرداختی برای آن لازم نیست",
                    req.status.name_fa()
                ),
            ));
        }
        let fee = req
            .fee_rials
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("approved request without fee")))?;
        let now = Utc::now();
        for p in payments::of_request(conn, req.id).await? {
            match p.status {
                PaymentStatus::Paid => {
                    return Err(AppError::invalid_state(
                        "the fee of this request is paid already",
                        "هزینه این درخواست قبلاً پرداخت شده است",
                    ));
                }
                PaymentStatus::Pending if p.expires_at > now => {
                    let url = gateway.start_pay_url(p.authority.as_deref().unwrap_or_default());
                    return Ok((p, url));
                }
                PaymentStatus::Pending => {
                    if let Some(expired) = payments::settle_unpaid(
                        conn,
                        p.id,
                        PaymentStatus::Expired,
                        "the attempt expired",
                    )
                    .await?
                    {
                        payments::event(
                            conn,
                            &expired,
                            None,
                            PaymentAction::Expire,
                            Some(PaymentStatus::Pending),
                            serde_json::json!({}),
                        )
                        .await?;
                    }
                }
                _ => {}
            }
        }
        let mobile = officers::find(conn, req.officer_id)
            .await?
            .map(|o| o.mobile);
        let description = format!("هزینه بررسی درخواست احراز صلاحیت {}", req.id);
        let authority = gateway
            .request(fee, &description, &callback, mobile.as_deref())
            .await
            .map_err(|e| payment_failed(&e))?;
        let payment = Payment {
            id: Uuid::new_v4(),
            request_id: req.id,
            officer_id: req.officer_id,
            amount_rials: fee,
            status: PaymentStatus::Pending,
            gateway: GATEWAY.into(),
            authority: Some(authority.clone()),
            reference_id: None,
            card_pan: None,
            failure_reason: None,
            created_at: now,
            updated_at: now,
            expires_at: now + Duration::seconds(ttl),
            paid_at: None,
        };
        payments::insert(conn, &payment).await?;
        payments::event(
            conn,
            &payment,
            Actor::User(caller).logged(),
            PaymentAction::Start,
            None,
            serde_json::json!({ "amountRials": fee, "requestId": req.id }),
        )
        .await?;
        Ok((payment, gateway.start_pay_url(&authority)))
    })
    .await
}

/// How a callback or a reconciliation ended.
#[derive(Debug)]
pub enum Settlement {
    /// Paid (now, or before: a repeated callback is a no-op).
    Paid(Payment),
    /// Not paid: the attempt failed or expired; the officer may try again.
    Failed(Payment),
    /// The gateway could not confirm yet; the attempt stays pending for reconciliation.
    Pending(Payment),
    /// No such attempt (a forged or foreign authority).
    Unknown,
}

/// Marks a verified payment PAID and completes its request, in one transaction. A payment
/// that is not pending any more (a concurrent callback won) is left as it is.
async fn settle_paid(
    conn: &mut AsyncPgConnection,
    payment: &Payment,
    reference_id: String,
    card_pan: Option<String>,
) -> AppResult<Payment> {
    let id = payment.id;
    conn.transaction::<_, AppError, _>(async move |conn| {
        match payments::mark_paid(conn, id, &reference_id, card_pan.as_deref()).await? {
            Some(paid) => {
                payments::event(
                    conn,
                    &paid,
                    None,
                    PaymentAction::Paid,
                    Some(PaymentStatus::Pending),
                    serde_json::json!({ "referenceId": reference_id }),
                )
                .await?;
                crate::workflow::qualification::complete_in(
                    conn,
                    paid.request_id,
                    serde_json::json!({ "paymentId": paid.id, "referenceId": reference_id }),
                )
                .await?;
                Ok(paid)
            }
            None => payments::find(conn, id)
                .await?
                .ok_or_else(AppError::not_found),
        }
    })
    .await
}

async fn settle_unpaid(
    conn: &mut AsyncPgConnection,
    payment: &Payment,
    to: PaymentStatus,
    reason: &str,
) -> AppResult<Payment> {
    let (id, reason) = (payment.id, reason.to_string());
    conn.transaction::<_, AppError, _>(async move |conn| {
        match payments::settle_unpaid(conn, id, to, &reason).await? {
            Some(p) => {
                let action = if to == PaymentStatus::Expired {
                    PaymentAction::Expire
                } else {
                    PaymentAction::Fail
                };
                payments::event(
                    conn,
                    &p,
                    None,
                    action,
                    Some(PaymentStatus::Pending),
                    serde_json::json!({ "reason": reason }),
                )
                .await?;
                Ok(p)
            }
            None => payments::find(conn, id)
                .await?
                .ok_or_else(AppError::not_found),
        }
    })
    .await
}

/// Verifies a pending attempt with the gateway and settles it: PAID (and the request
/// completed), `unpaid_status` when the gateway says it is not paid, or left pending when
/// the gateway cannot be reached.
async fn verify_and_settle(
    app: &App,
    conn: &mut AsyncPgConnection,
    payment: Payment,
    unpaid_status: PaymentStatus,
) -> AppResult<Settlement> {
    let gateway = gateway(app)?;
    let authority = payment.authority.clone().unwrap_or_default();
    match gateway.verify(&authority, payment.amount_rials).await {
        Ok(Verification::Paid {
            reference_id,
            card_pan,
            already,
        }) => {
            if already {
                tracing::info!(payment = %payment.id, "gateway: verified before (101)");
            }
            let p = settle_paid(conn, &payment, reference_id, card_pan).await?;
            Ok(if p.status == PaymentStatus::Paid {
                Settlement::Paid(p)
            } else {
                Settlement::Failed(p)
            })
        }
        Ok(Verification::NotPaid { code, message }) => {
            let reason = format!("gateway code {code}: {message}");
            let p = settle_unpaid(conn, &payment, unpaid_status, &reason).await?;
            Ok(if p.status == PaymentStatus::Paid {
                Settlement::Paid(p)
            } else {
                Settlement::Failed(p)
            })
        }
        Err(e) => {
            tracing::warn!(error = %e, payment = %payment.id, "verification deferred: gateway unreachable");
            Ok(Settlement::Pending(payment))
        }
    }
}

/// Handles the bank's callback. The callback's own status is never trusted: an `OK` is
/// verified server to server with our amount; a repeated callback changes nothing.
pub async fn callback(app: &App, authority: &str, status: &str) -> AppResult<Settlement> {
    let mut conn = store::conn(&app.pool).await?;
    let Some(payment) = payments::by_authority(&mut conn, authority).await? else {
        tracing::warn!(authority, "payment callback with an unknown authority");
        return Ok(Settlement::Unknown);
    };
    match payment.status {
        PaymentStatus::Paid => return Ok(Settlement::Paid(payment)),
        PaymentStatus::Failed | PaymentStatus::Expired => return Ok(Settlement::Failed(payment)),
        PaymentStatus::Pending => {}
    }
    if status != "OK" {
        let p = settle_unpaid(
            &mut conn,
            &payment,
            PaymentStatus::Failed,
            "cancelled or failed at the gateway",
        )
        .await?;
        return Ok(if p.status == PaymentStatus::Paid {
            Settlement::Paid(p)
        } else {
            Settlement::Failed(p)
        });
    }
    verify_and_settle(app, &mut conn, payment, PaymentStatus::Failed).await
}

/// What one reconciliation pass did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Reconciled {
    /// Found paid and completed.
    pub paid: usize,
    /// Found unpaid: expired.
    pub expired: usize,
    /// Gateway unreachable: left for the next pass.
    pub deferred: usize,
}

/// Verifies attempts left pending past the configured age (the officer never came back):
/// paid ones complete their request, unpaid ones expire.
pub async fn reconcile_once(app: &App) -> AppResult<Reconciled> {
    let mut conn = store::conn(&app.pool).await?;
    let before = Utc::now() - Duration::seconds(app.config.payment_reconcile_after_secs);
    let mut done = Reconciled::default();
    for payment in payments::stale_pending(&mut conn, before, 100).await? {
        match verify_and_settle(app, &mut conn, payment, PaymentStatus::Expired).await? {
            Settlement::Paid(_) => done.paid += 1,
            Settlement::Failed(_) => done.expired += 1,
            Settlement::Pending(_) | Settlement::Unknown => done.deferred += 1,
        }
    }
    if done != Reconciled::default() {
        tracing::info!(?done, "payment reconciliation");
    }
    Ok(done)
}

/// Runs [`reconcile_once`] every configured interval while the app lives (the first pass one
/// interval after start).
pub async fn reconcile_loop(app: std::sync::Weak<App>) {
    loop {
        let every = match app.upgrade() {
            Some(app) => app.config.payment_reconcile_every_secs,
            None => return,
        };
        tokio::time::sleep(std::time::Duration::from_secs(every.max(1))).await;
        let Some(app) = app.upgrade() else { return };
        if let Err(e) = reconcile_once(&app).await {
            tracing::warn!(error = %e.describe(), "payment reconciliation failed");
        }
    }
}

/// A payment as `caller` may see it (its officer, reviewers of the request's university,
/// admins); `NOT_FOUND` otherwise, also when there is no such payment.
pub async fn visible(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    payment_id: Uuid,
) -> AppResult<Payment> {
    let Some(p) = payments::find(conn, payment_id).await? else {
        return Err(AppError::not_found());
    };
    let university = q::find(conn, p.request_id)
        .await?
        .and_then(|r| r.university_id);
    let parties = Parties {
        officer: Some(p.officer_id),
        university,
        distributor: None,
    };
    if policy::sees(caller, Object::Payment, &parties) {
        Ok(p)
    } else {
        Err(AppError::not_found())
    }
}

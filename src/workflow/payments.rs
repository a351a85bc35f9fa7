//! Paying the review fee (R9): start an attempt, settle the bank's callback, reconcile
//! attempts whose owner never came back. Nothing is marked paid before the gateway verified
//! it with the amount from our database; marking is one guarded transition, in the same
//! transaction as the completion of the request.

use chrono::{Duration, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use crate::domain::payment::{self as dp, PaymentAction, PaymentStatus};
use crate::domain::qualification::Status;
use crate::domain::{Actor, Caller, Parties};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::integrations::gateway::{GatewayError, PaymentGateway, Verification};
use crate::policy::{self, Object};
use crate::store::payments::{self, Payment};
use crate::store::qualification as q;
use crate::store::transition::{self, Transition};
use crate::store::{self, DbPool, officers};

/// Gateway name stored with payments.
pub const GATEWAY: &str = "zarinpal";

/// What the payment workflow needs: the database, the gateway and its settings.
pub struct Payments<'a> {
    /// The database pool.
    pub pool: &'a DbPool,
    /// The bank gateway (Zarinpal, or its simulator).
    pub gateway: &'a dyn PaymentGateway,
    /// The URL of the bank's callback on this server.
    pub callback_url: String,
    /// How long an attempt stays valid at the gateway, in seconds.
    pub attempt_ttl_secs: i64,
    /// Age after which a pending attempt is reconciled, in seconds.
    pub reconcile_after_secs: i64,
    /// How long after their start failed and expired attempts are verified again, in
    /// seconds.
    pub recheck_within_secs: i64,
}

fn payment_failed(e: &GatewayError) -> AppError {
    tracing::warn!(error = %e, "payment gateway failure");
    AppError::new(
        ErrorCode::PaymentFailed,
        format!("the payment could not be started: {e}; nothing was charged, try again"),
        "اتصال به درگاه پرداخت برقرار نشد؛ مبلغی کسر نشده است، دوباره تلاش کنید",
    )
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

impl Settlement {
    fn of(p: Payment) -> Self {
        match p.status {
            PaymentStatus::Paid => Self::Paid(p),
            PaymentStatus::Pending => Self::Pending(p),
            PaymentStatus::Failed | PaymentStatus::Expired => Self::Failed(p),
        }
    }
}

/// Settles a locked attempt with `action` (by the system, after asking the gateway), unless
/// it is not pending any more (someone else settled it first): then it is left as it is.
/// A paid attempt completes its request in the same transaction.
async fn settle_in(
    conn: &mut AsyncPgConnection,
    payment_id: Uuid,
    action: PaymentAction,
    changes: payments::Settlement,
    data: serde_json::Value,
) -> AppResult<Payment> {
    let current = payments::lock(conn, payment_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let Some(to) = dp::transition(current.status, action) else {
        return Ok(current);
    };
    let t = Transition::new(to, action.as_str(), Actor::System).data(data.clone());
    let settled = transition::apply(conn, &current, t, changes).await?;
    if settled.status == PaymentStatus::Paid {
        let req = q::lock(conn, settled.request_id)
            .await?
            .ok_or_else(AppError::not_found)?;
        if req.status == Status::AwaitingPayment {
            crate::workflow::qualification::complete_in(
                conn,
                settled.request_id,
                serde_json::json!({ "paymentId": settled.id, "referenceId": settled.reference_id }),
            )
            .await?;
        } else {
            // Paid twice (an earlier attempt verified late, after another completed the
            // request): the money was taken, so the payment is recorded; it is refunded by
            // hand.
            tracing::error!(
                payment = %settled.id,
                request = %settled.request_id,
                request_status = req.status.as_str(),
                "a payment was verified for a request no longer awaiting payment: refund it"
            );
        }
    }
    Ok(settled)
}

async fn settle(
    conn: &mut AsyncPgConnection,
    payment_id: Uuid,
    action: PaymentAction,
    changes: payments::Settlement,
    data: serde_json::Value,
) -> AppResult<Payment> {
    conn.transaction::<_, AppError, _>(async move |conn| {
        settle_in(conn, payment_id, action, changes, data).await
    })
    .await
}

fn unpaid(reason: &str) -> payments::Settlement {
    payments::Settlement {
        failure_reason: Some(reason.to_string()),
        ..Default::default()
    }
}

/// What `start` found on the request, under its lock.
enum Found {
    /// An attempt still valid at the gateway: returned as it is.
    Active(Payment),
    /// No valid attempt: a new one is needed, after the stale ones were verified.
    None {
        fee: i64,
        officer_id: Uuid,
        mobile: Option<String>,
        stale: Vec<Payment>,
    },
}

fn paid_already() -> AppError {
    AppError::invalid_state(
        "the fee of this request is paid already",
        "هزینه این درخواست قبلاً پرداخت شده است",
    )
}

fn not_awaiting_payment(status: Status) -> AppError {
    AppError::invalid_state(
        format!("the request is {}, not awaiting payment", status.as_str()),
        format!(
            "درخواست در وضعیت «{}» است و پرداختی برای آن لازم نیست",
            status.name_fa()
        ),
    )
}

impl Payments<'_> {
    /// Starts (or returns the active) attempt to pay a request's fee, by its officer. One
    /// active attempt per request; a paid request is never paid again. An attempt past its
    /// validity is verified with the gateway before it is replaced (the officer may have paid
    /// without coming back). No row lock and no pool connection is held while the gateway
    /// answers: the request is read under its lock, the gateway is asked, and the new
    /// attempt is stored under the lock again (an attempt stored meanwhile by a concurrent
    /// start wins; ours is left unused at the gateway).
    pub async fn start(&self, caller: Caller, request_id: Uuid) -> AppResult<(Payment, String)> {
        let (fee, officer_id, mobile, stale) = match self.find_attempt(&caller, request_id).await? {
            Found::Active(p) => {
                let url = self.start_pay_url(&p);
                return Ok((p, url));
            }
            Found::None {
                fee,
                officer_id,
                mobile,
                stale,
            } => (fee, officer_id, mobile, stale),
        };
        for p in stale {
            match self.verify_and_settle(p, PaymentAction::Expire).await? {
                Settlement::Paid(_) => return Err(paid_already()),
                Settlement::Pending(_) => {
                    return Err(payment_failed(&GatewayError::Unreachable(
                        "an earlier attempt could not be verified".into(),
                    )));
                }
                Settlement::Failed(_) | Settlement::Unknown => {}
            }
        }
        let description = format!("هزینه بررسی درخواست احراز صلاحیت {request_id}");
        let authority = self
            .gateway
            .request(fee, &description, &self.callback_url, mobile.as_deref())
            .await
            .map_err(|e| payment_failed(&e))?;
        let ttl = self.attempt_ttl_secs;
        let mut conn = store::conn(self.pool).await?;
        conn.transaction::<_, AppError, _>(async move |conn| {
            let req =
                crate::workflow::qualification::lock_visible(conn, &caller, request_id).await?;
            if req.status != Status::AwaitingPayment {
                return Err(not_awaiting_payment(req.status));
            }
            let now = Utc::now();
            for p in payments::of_request(conn, req.id).await? {
                match p.status {
                    PaymentStatus::Paid => return Err(paid_already()),
                    // A concurrent start stored its attempt first: that one is the attempt.
                    PaymentStatus::Pending if p.expires_at > now => {
                        let url = self.start_pay_url(&p);
                        return Ok((p, url));
                    }
                    // Stored and gone stale meanwhile: verified on the next try.
                    PaymentStatus::Pending => {
                        return Err(payment_failed(&GatewayError::Unreachable(
                            "another attempt was started meanwhile".into(),
                        )));
                    }
                    PaymentStatus::Failed | PaymentStatus::Expired => {}
                }
            }
            let payment = Payment {
                id: Uuid::new_v4(),
                request_id: req.id,
                officer_id,
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
            payments::insert(conn, &payment, &Actor::User(caller)).await?;
            let url = self.gateway.start_pay_url(&authority);
            Ok((payment, url))
        })
        .await
    }

    fn start_pay_url(&self, p: &Payment) -> String {
        self.gateway
            .start_pay_url(p.authority.as_deref().unwrap_or_default())
    }

    /// The request's attempts as `start` needs them, read under the request's lock (released
    /// when this returns).
    async fn find_attempt(&self, caller: &Caller, request_id: Uuid) -> AppResult<Found> {
        let mut conn = store::conn(self.pool).await?;
        conn.transaction::<_, AppError, _>(async move |conn| {
            let req =
                crate::workflow::qualification::lock_visible(conn, caller, request_id).await?;
            if req.status != Status::AwaitingPayment {
                return Err(not_awaiting_payment(req.status));
            }
            let fee = req.fee_rials.ok_or_else(|| {
                AppError::internal(anyhow::anyhow!("approved request without fee"))
            })?;
            let now = Utc::now();
            let mut stale = Vec::new();
            for p in payments::of_request(conn, req.id).await? {
                match p.status {
                    PaymentStatus::Paid => return Err(paid_already()),
                    PaymentStatus::Pending if p.expires_at > now => return Ok(Found::Active(p)),
                    PaymentStatus::Pending => stale.push(p),
                    PaymentStatus::Failed | PaymentStatus::Expired => {}
                }
            }
            let mobile = officers::find(conn, req.officer_id)
                .await?
                .map(|o| o.mobile);
            Ok(Found::None {
                fee,
                officer_id: req.officer_id,
                mobile,
                stale,
            })
        })
        .await
    }

    /// Verifies an attempt with the gateway (holding no connection while it answers) and
    /// settles it: PAID (and the request completed) whatever its state was, `unpaid_action`
    /// on a pending attempt the gateway says is not paid, or left as it is when the gateway
    /// cannot be reached.
    async fn verify_and_settle(
        &self,
        payment: Payment,
        unpaid_action: PaymentAction,
    ) -> AppResult<Settlement> {
        let authority = payment.authority.clone().unwrap_or_default();
        let verified = self.gateway.verify(&authority, payment.amount_rials).await;
        match verified {
            Ok(Verification::Paid {
                reference_id,
                card_pan,
                already,
            }) => {
                if already {
                    tracing::info!(payment = %payment.id, "gateway: verified before (101)");
                }
                let data = serde_json::json!({ "referenceId": reference_id });
                let changes = payments::Settlement {
                    reference_id: Some(reference_id),
                    card_pan,
                    paid_at: Some(Utc::now()),
                    failure_reason: None,
                };
                let mut conn = store::conn(self.pool).await?;
                let p = settle(&mut conn, payment.id, PaymentAction::Paid, changes, data).await?;
                Ok(Settlement::of(p))
            }
            Ok(Verification::NotPaid { code, message }) => {
                if payment.status != PaymentStatus::Pending {
                    return Ok(Settlement::of(payment));
                }
                let reason = format!("gateway code {code}: {message}");
                let data = serde_json::json!({ "reason": reason });
                let mut conn = store::conn(self.pool).await?;
                let p = settle(&mut conn, payment.id, unpaid_action, unpaid(&reason), data).await?;
                Ok(Settlement::of(p))
            }
            Err(e) => {
                tracing::warn!(error = %e, payment = %payment.id, "verification deferred: gateway unreachable");
                Ok(match payment.status {
                    PaymentStatus::Pending => Settlement::Pending(payment),
                    _ => Settlement::of(payment),
                })
            }
        }
    }

    /// Handles the bank's callback. Its status is never trusted, neither an `OK` nor a `NOK`
    /// (a link anyone can forge): every callback of an attempt not yet paid is verified
    /// server to server with our amount, also one failed or expired before; a repeated
    /// callback of a paid attempt changes nothing.
    pub async fn callback(&self, authority: &str, status: &str) -> AppResult<Settlement> {
        let found = {
            let mut conn = store::conn(self.pool).await?;
            payments::by_authority(&mut conn, authority).await?
        };
        let Some(payment) = found else {
            tracing::warn!(authority, "payment callback with an unknown authority");
            return Ok(Settlement::Unknown);
        };
        if payment.status == PaymentStatus::Paid {
            return Ok(Settlement::of(payment));
        }
        tracing::info!(payment = %payment.id, status, "payment callback: verifying with the gateway");
        self.verify_and_settle(payment, PaymentAction::Fail).await
    }

    /// Verifies attempts left pending past the configured age (the officer never came
    /// back): paid ones complete their request, unpaid ones expire. Failed and expired
    /// attempts of requests still awaiting payment are verified again (within the configured
    /// window): one the bank took after all is recorded as paid.
    pub async fn reconcile_once(&self) -> AppResult<Reconciled> {
        let (pending, unpaid) = {
            let mut conn = store::conn(self.pool).await?;
            let before = Utc::now() - Duration::seconds(self.reconcile_after_secs);
            let since = Utc::now() - Duration::seconds(self.recheck_within_secs);
            (
                payments::stale_pending(&mut conn, before, 100).await?,
                payments::unpaid_to_recheck(&mut conn, since, 100).await?,
            )
        };
        let mut done = Reconciled::default();
        for payment in pending.into_iter().chain(unpaid) {
            let was_pending = payment.status == PaymentStatus::Pending;
            match self
                .verify_and_settle(payment, PaymentAction::Expire)
                .await?
            {
                Settlement::Paid(_) => done.paid += 1,
                Settlement::Failed(_) if was_pending => done.expired += 1,
                Settlement::Failed(_) => {}
                Settlement::Pending(_) | Settlement::Unknown => done.deferred += 1,
            }
        }
        if done != Reconciled::default() {
            tracing::info!(?done, "payment reconciliation");
        }
        Ok(done)
    }
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

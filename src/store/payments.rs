//! Payments of review fees.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::events::{self, NewEvent};
use super::schema::payments;
use crate::domain::payment::{PaymentAction, PaymentStatus};
use crate::domain::{Entity, Role};
use crate::error::AppResult;

/// Entity type of payments in the event log.
pub const ENTITY: Entity = Entity::Payment;

/// A payment as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = payments)]
pub struct Payment {
    pub id: Uuid,
    pub request_id: Uuid,
    pub officer_id: Uuid,
    pub amount_rials: i64,
    pub status: PaymentStatus,
    pub gateway: String,
    pub authority: Option<String>,
    pub reference_id: Option<String>,
    pub card_pan: Option<String>,
    pub failure_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
}

/// Writes a payment event for the officer's cartable.
pub async fn event(
    conn: &mut AsyncPgConnection,
    p: &Payment,
    actor: Option<(Uuid, Role)>,
    action: PaymentAction,
    from: Option<PaymentStatus>,
    data: serde_json::Value,
) -> AppResult<()> {
    let mut e = NewEvent::new(actor, ENTITY, p.id, action.as_str())
        .with_data(data)
        .for_cartables(Some(p.officer_id), None);
    e.from_status = from.map(|s| s.as_str().to_string());
    e.to_status = Some(p.status.as_str().to_string());
    events::append(conn, e).await?;
    Ok(())
}

/// Inserts an attempt.
pub async fn insert(conn: &mut AsyncPgConnection, p: &Payment) -> AppResult<()> {
    diesel::insert_into(payments::table)
        .values(p)
        .execute(conn)
        .await?;
    Ok(())
}

/// One payment.
pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<Payment>> {
    Ok(payments::table
        .find(id)
        .select(Payment::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The payment of a gateway authority.
pub async fn by_authority(
    conn: &mut AsyncPgConnection,
    authority: &str,
) -> AppResult<Option<Payment>> {
    Ok(payments::table
        .filter(payments::authority.eq(authority))
        .select(Payment::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The attempts of a request, newest first.
pub async fn of_request(conn: &mut AsyncPgConnection, request_id: Uuid) -> AppResult<Vec<Payment>> {
    Ok(payments::table
        .filter(payments::request_id.eq(request_id))
        .order((payments::created_at.desc(), payments::id))
        .select(Payment::as_select())
        .load(conn)
        .await?)
}

/// The attempts of some requests, newest first.
pub async fn of_requests(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> AppResult<Vec<Payment>> {
    Ok(payments::table
        .filter(payments::request_id.eq_any(ids))
        .order((payments::created_at.desc(), payments::id))
        .select(Payment::as_select())
        .load(conn)
        .await?)
}

/// Moves a PENDING payment to `to` (FAILED or EXPIRED) with a reason; `None` when it was no
/// longer pending (someone else settled it first).
pub async fn settle_unpaid(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    to: PaymentStatus,
    reason: &str,
) -> AppResult<Option<Payment>> {
    Ok(diesel::update(
        payments::table
            .filter(payments::id.eq(id))
            .filter(payments::status.eq(PaymentStatus::Pending)),
    )
    .set((
        payments::status.eq(to),
        payments::failure_reason.eq(reason),
        payments::updated_at.eq(diesel::dsl::now),
    ))
    .returning(Payment::as_returning())
    .get_result(conn)
    .await
    .optional()?)
}

/// The single compare-and-set that marks a payment PAID: `None` when it was not PENDING any
/// more (a concurrent callback won).
pub async fn mark_paid(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    reference_id: &str,
    card_pan: Option<&str>,
) -> AppResult<Option<Payment>> {
    Ok(diesel::update(
        payments::table
            .filter(payments::id.eq(id))
            .filter(payments::status.eq(PaymentStatus::Pending)),
    )
    .set((
        payments::status.eq(PaymentStatus::Paid),
        payments::reference_id.eq(reference_id),
        payments::card_pan.eq(card_pan),
        payments::paid_at.eq(diesel::dsl::now),
        payments::updated_at.eq(diesel::dsl::now),
    ))
    .returning(Payment::as_returning())
    .get_result(conn)
    .await
    .optional()?)
}

/// Pending attempts created before `before`, oldest first.
pub async fn stale_pending(
    conn: &mut AsyncPgConnection,
    before: DateTime<Utc>,
    limit: i64,
) -> AppResult<Vec<Payment>> {
    Ok(payments::table
        .filter(payments::status.eq(PaymentStatus::Pending))
        .filter(payments::created_at.lt(before))
        .order(payments::created_at)
        .limit(limit)
        .select(Payment::as_select())
        .load(conn)
        .await?)
}

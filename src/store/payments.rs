//! Payments of review fees.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::events::{self, NewEvent};
use super::schema::payments;
use super::transition::Stateful;
use crate::domain::payment::{PaymentAction, PaymentStatus};
use crate::domain::{Actor, Entity, Parties};
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

/// Inserts an attempt, with its first event (`START`, by the officer).
pub async fn insert(conn: &mut AsyncPgConnection, p: &Payment, actor: &Actor) -> AppResult<()> {
    diesel::insert_into(payments::table)
        .values(p)
        .execute(conn)
        .await?;
    let mut e = NewEvent::new(actor.logged(), ENTITY, p.id, PaymentAction::Start.as_str())
        .with_data(serde_json::json!({ "amountRials": p.amount_rials, "requestId": p.request_id }))
        .for_cartables(Some(p.officer_id), None);
    e.to_status = Some(p.status.as_str().to_string());
    events::append(conn, e).await?;
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

/// Payments by id.
pub async fn by_ids(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> AppResult<Vec<Payment>> {
    Ok(payments::table
        .filter(payments::id.eq_any(ids))
        .select(Payment::as_select())
        .load(conn)
        .await?)
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

/// Locks a payment for the rest of the transaction.
pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<Payment>> {
    Ok(payments::table
        .find(id)
        .select(Payment::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?)
}

/// What settling an attempt records besides its status.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = payments)]
pub struct Settlement {
    /// The bank's reference, once paid.
    pub reference_id: Option<String>,
    /// The masked card, once paid.
    pub card_pan: Option<String>,
    /// When it was paid.
    pub paid_at: Option<DateTime<Utc>>,
    /// Why it failed or expired.
    pub failure_reason: Option<String>,
}

impl Stateful for Payment {
    type Status = PaymentStatus;
    type Changes = Settlement;
    const ENTITY: Entity = ENTITY;

    fn id(&self) -> Uuid {
        self.id
    }
    fn status(&self) -> PaymentStatus {
        self.status
    }
    /// Payment events reach the officer's cartable.
    fn parties(&self) -> Parties {
        Parties {
            officer: Some(self.officer_id),
            ..Parties::default()
        }
    }
    async fn guarded_update(
        conn: &mut AsyncPgConnection,
        id: Uuid,
        from: PaymentStatus,
        to: PaymentStatus,
        changes: Settlement,
    ) -> AppResult<Option<Self>> {
        Ok(diesel::update(
            payments::table
                .filter(payments::id.eq(id))
                .filter(payments::status.eq(from)),
        )
        .set((
            payments::status.eq(to),
            &changes,
            payments::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Payment::as_returning())
        .get_result(conn)
        .await
        .optional()?)
    }
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

/// Failed or expired attempts created after `since` whose request still awaits payment,
/// newest first: the bank may have taken the money after all (a forged callback, an officer
/// still at the bank when the attempt expired), so reconciliation asks the gateway again.
pub async fn unpaid_to_recheck(
    conn: &mut AsyncPgConnection,
    since: DateTime<Utc>,
    limit: i64,
) -> AppResult<Vec<Payment>> {
    use super::schema::qualification_requests as qr;
    use crate::domain::qualification::Status;
    Ok(payments::table
        .inner_join(qr::table)
        .filter(payments::status.eq_any([PaymentStatus::Failed, PaymentStatus::Expired]))
        .filter(payments::created_at.gt(since))
        .filter(qr::status.eq(Status::AwaitingPayment))
        .order(payments::created_at.desc())
        .limit(limit)
        .select(Payment::as_select())
        .load(conn)
        .await?)
}

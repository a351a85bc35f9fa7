//! Termination requests (C1, C2).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::events::{self, NewEvent};
use super::schema::termination_requests as tr;
use super::transition::Stateful;
use crate::domain::termination::{TerminationAction, TerminationStatus};
use crate::domain::{Actor, Entity, Parties};
use crate::error::{AppError, AppResult};
use crate::policy::Scope;

/// A termination request as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = tr)]
pub struct TerminationRequest {
    pub id: Uuid,
    pub contract_id: Uuid,
    pub officer_id: Uuid,
    pub distributor_id: Uuid,
    pub branch_id: Uuid,
    pub status: TerminationStatus,
    pub reason: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finalized_at: Option<DateTime<Utc>>,
}

impl TerminationRequest {
    /// Its parties: the officer; the distributor once it is finalised (a distributor sees
    /// the finalised terminations of its branches, not the officer's drafts).
    pub fn parties(&self) -> Parties {
        Parties {
            officer: Some(self.officer_id),
            university: None,
            distributor: (self.status == TerminationStatus::Finalized)
                .then_some(self.distributor_id),
        }
    }
}

/// What a transition of a termination records besides its status.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = tr)]
pub struct TerminationChanges {
    pub finalized_at: Option<DateTime<Utc>>,
}

impl Stateful for TerminationRequest {
    type Status = TerminationStatus;
    type Changes = TerminationChanges;
    const ENTITY: Entity = Entity::TerminationRequest;

    fn id(&self) -> Uuid {
        self.id
    }
    fn status(&self) -> TerminationStatus {
        self.status
    }
    fn parties(&self) -> Parties {
        TerminationRequest::parties(self)
    }
    async fn guarded_update(
        conn: &mut AsyncPgConnection,
        id: Uuid,
        from: TerminationStatus,
        to: TerminationStatus,
        changes: TerminationChanges,
    ) -> AppResult<Option<Self>> {
        Ok(
            diesel::update(tr::table.filter(tr::id.eq(id)).filter(tr::status.eq(from)))
                .set((
                    tr::status.eq(to),
                    &changes,
                    tr::updated_at.eq(diesel::dsl::now),
                ))
                .returning(TerminationRequest::as_returning())
                .get_result(conn)
                .await
                .optional()?,
        )
    }
}

/// Inserts a DRAFT with its first event; a second draft for one contract is `CONFLICT`.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    t: &TerminationRequest,
    actor: &Actor,
) -> AppResult<()> {
    diesel::insert_into(tr::table)
        .values(t)
        .execute(conn)
        .await
        .map_err(|e| {
            if super::is_unique_violation(&e) {
                AppError::conflict(
                    "a termination request of this contract is open already: finalise or cancel it",
                    "برای این قرارداد یک درخواست قطع همکاری باز دارید؛ آن را نهایی یا لغو کنید",
                )
            } else {
                e.into()
            }
        })?;
    let mut event = NewEvent::new(
        actor.logged(),
        Entity::TerminationRequest,
        t.id,
        TerminationAction::Request.as_str(),
    )
    .with_data(serde_json::json!({ "contractId": t.contract_id }));
    event.to_status = Some(t.status.as_str().to_string());
    event.officer_id = Some(t.officer_id);
    events::append(conn, event).await?;
    Ok(())
}

/// One request.
pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<TerminationRequest>> {
    Ok(tr::table
        .find(id)
        .select(TerminationRequest::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Locks a request for the rest of the transaction.
pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<TerminationRequest>> {
    Ok(tr::table
        .find(id)
        .select(TerminationRequest::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?)
}

/// Requests by id.
pub async fn by_ids(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> AppResult<Vec<TerminationRequest>> {
    Ok(tr::table
        .filter(tr::id.eq_any(ids))
        .select(TerminationRequest::as_select())
        .load(conn)
        .await?)
}

/// A page of requests, newest first, after a keyset cursor, and the total. A distributor's
/// scope holds the finalised requests of its branches only.
pub async fn list(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> AppResult<(Vec<TerminationRequest>, i64)> {
    let scoped = || {
        let q = tr::table.into_boxed();
        match scope {
            Scope::All => q,
            Scope::Officer(o) => q.filter(tr::officer_id.eq(o)),
            Scope::Distributor(d) => q
                .filter(tr::distributor_id.eq(d))
                .filter(tr::status.eq(TerminationStatus::Finalized)),
            Scope::University(_) | Scope::Nothing => {
                q.filter(diesel::dsl::sql::<diesel::sql_types::Bool>("false"))
            }
        }
    };
    let mut q = scoped()
        .select(TerminationRequest::as_select())
        .order((tr::created_at.desc(), tr::id.desc()))
        .limit(limit);
    if let Some((t, id)) = after {
        q = q.filter(
            tr::created_at
                .lt(t)
                .or(tr::created_at.eq(t).and(tr::id.lt(id))),
        );
    }
    let rows = q.load(conn).await?;
    let total = scoped().count().get_result(conn).await?;
    Ok((rows, total))
}

//! Cooperation requests and contracts.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::events::{self, NewEvent};
use super::schema::{branches, contracts, cooperation_requests as cr, distributors};
use super::transition::Stateful;
use crate::domain::cooperation::{
    ContractAction, ContractEnd, ContractStatus, CooperationAction, CooperationStatus,
};
use crate::domain::{Actor, Entity, Parties};
use crate::error::{AppError, AppResult};
use crate::policy::Scope;

/// A cooperation request as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = cr)]
pub struct CooperationRequest {
    pub id: Uuid,
    pub branch_id: Uuid,
    pub distributor_id: Uuid,
    pub officer_id: Uuid,
    pub status: CooperationStatus,
    pub university_id: Option<i32>,
    pub decline_reason: Option<String>,
    pub rejection_note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl CooperationRequest {
    /// Its parties: the officer, the distributor, and the university once routed.
    pub fn parties(&self) -> Parties {
        Parties {
            officer: Some(self.officer_id),
            university: self.university_id,
            distributor: Some(self.distributor_id),
        }
    }

    /// The status as its parties see it: a request left unanswered past its deadline is
    /// EXPIRED even before the expiry job has recorded it.
    pub fn status_now(&self, now: DateTime<Utc>) -> CooperationStatus {
        if self.status == CooperationStatus::PendingOfficer && self.expires_at <= now {
            CooperationStatus::Expired
        } else {
            self.status
        }
    }
}

/// Columns a transition of a request may set besides its status.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = cr)]
pub struct CooperationChanges {
    pub university_id: Option<i32>,
    pub decline_reason: Option<String>,
    pub rejection_note: Option<String>,
}

impl Stateful for CooperationRequest {
    type Status = CooperationStatus;
    type Changes = CooperationChanges;
    const ENTITY: Entity = Entity::CooperationRequest;

    fn id(&self) -> Uuid {
        self.id
    }
    fn status(&self) -> CooperationStatus {
        self.status
    }
    fn parties(&self) -> Parties {
        CooperationRequest::parties(self)
    }
    async fn guarded_update(
        conn: &mut AsyncPgConnection,
        id: Uuid,
        from: CooperationStatus,
        to: CooperationStatus,
        changes: CooperationChanges,
    ) -> AppResult<Option<Self>> {
        Ok(
            diesel::update(cr::table.filter(cr::id.eq(id)).filter(cr::status.eq(from)))
                .set((
                    cr::status.eq(to),
                    &changes,
                    cr::updated_at.eq(diesel::dsl::now),
                ))
                .returning(CooperationRequest::as_returning())
                .get_result(conn)
                .await
                .optional()?,
        )
    }
}

/// Inserts a proposal with its first event. A branch with an open proposal already is a
/// `CONFLICT` (a unique index, also under a race).
pub async fn insert(
    conn: &mut AsyncPgConnection,
    request: &CooperationRequest,
    actor: &Actor,
) -> AppResult<()> {
    diesel::insert_into(cr::table)
        .values(request)
        .execute(conn)
        .await
        .map_err(|e| {
            if super::is_unique_violation(&e) {
                branch_taken()
            } else {
                e.into()
            }
        })?;
    let p = request.parties();
    let mut event = NewEvent::new(
        actor.logged(),
        Entity::CooperationRequest,
        request.id,
        CooperationAction::Propose.as_str(),
    )
    .with_data(serde_json::json!({ "branchId": request.branch_id }));
    event.to_status = Some(request.status.as_str().to_string());
    event.officer_id = p.officer;
    event.distributor_id = p.distributor;
    events::append(conn, event).await?;
    Ok(())
}

/// The refusal of a proposal for a branch that is not free.
pub fn branch_taken() -> AppError {
    AppError::conflict(
        "the branch has a technical officer or an open proposal already",
        "این شعبه مسئول فنی فعال یا درخواست همکاری باز دارد",
    )
}

/// One request.
pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<CooperationRequest>> {
    Ok(cr::table
        .find(id)
        .select(CooperationRequest::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Locks a request for the rest of the transaction.
pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<CooperationRequest>> {
    Ok(cr::table
        .find(id)
        .select(CooperationRequest::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?)
}

/// Requests by id.
pub async fn by_ids(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> AppResult<Vec<CooperationRequest>> {
    Ok(cr::table
        .filter(cr::id.eq_any(ids))
        .select(CooperationRequest::as_select())
        .load(conn)
        .await?)
}

/// Whether a branch has an open proposal.
pub async fn branch_has_open(conn: &mut AsyncPgConnection, branch_id: Uuid) -> AppResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        cr::table
            .filter(cr::branch_id.eq(branch_id))
            .filter(cr::status.eq_any([
                CooperationStatus::PendingOfficer,
                CooperationStatus::PendingUniversity,
            ])),
    ))
    .get_result(conn)
    .await?)
}

/// Which requests a list shows, and in which order.
pub struct ListFilter<'a> {
    /// Whose requests.
    pub scope: Scope,
    /// Only these statuses (none: all).
    pub statuses: &'a [CooperationStatus],
    /// Oldest first (a reviewer's cartable) instead of newest first.
    pub oldest_first: bool,
}

/// A page of requests after a keyset cursor, and the total.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &ListFilter<'_>,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> AppResult<(Vec<CooperationRequest>, i64)> {
    let scoped = || {
        let mut q = cr::table.into_boxed();
        q = match filter.scope {
            Scope::All => q,
            Scope::Officer(o) => q.filter(cr::officer_id.eq(o)),
            Scope::Distributor(d) => q.filter(cr::distributor_id.eq(d)),
            Scope::University(u) => q.filter(cr::university_id.eq(u)),
            Scope::Nothing => q.filter(diesel::dsl::sql::<diesel::sql_types::Bool>("false")),
        };
        if !filter.statuses.is_empty() {
            q = q.filter(cr::status.eq_any(filter.statuses.to_vec()));
        }
        q
    };
    let mut q = scoped()
        .select(CooperationRequest::as_select())
        .limit(limit);
    q = match (filter.oldest_first, after) {
        (true, None) => q.order((cr::created_at.asc(), cr::id.asc())),
        (false, None) => q.order((cr::created_at.desc(), cr::id.desc())),
        (true, Some((t, id))) => q
            .filter(
                cr::created_at
                    .gt(t)
                    .or(cr::created_at.eq(t).and(cr::id.gt(id))),
            )
            .order((cr::created_at.asc(), cr::id.asc())),
        (false, Some((t, id))) => q
            .filter(
                cr::created_at
                    .lt(t)
                    .or(cr::created_at.eq(t).and(cr::id.lt(id))),
            )
            .order((cr::created_at.desc(), cr::id.desc())),
    };
    let rows = q.load(conn).await?;
    let total = scoped().count().get_result(conn).await?;
    Ok((rows, total))
}

/// Requests left unanswered past their deadline, locked (skipping those another instance
/// holds), at most `limit`.
pub async fn lock_due(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> AppResult<Vec<CooperationRequest>> {
    Ok(cr::table
        .filter(cr::status.eq(CooperationStatus::PendingOfficer))
        .filter(cr::expires_at.le(now))
        .order(cr::expires_at)
        .limit(limit)
        .select(CooperationRequest::as_select())
        .for_update()
        .skip_locked()
        .load(conn)
        .await?)
}

/// Whether a distributor and an officer are linked by a cooperation request or a contract
/// (then the distributor may read what a branch needs of the officer).
pub async fn linked(
    conn: &mut AsyncPgConnection,
    distributor_id: Uuid,
    officer_id: Uuid,
) -> AppResult<bool> {
    let by_request = diesel::select(diesel::dsl::exists(
        cr::table
            .filter(cr::distributor_id.eq(distributor_id))
            .filter(cr::officer_id.eq(officer_id)),
    ));
    let by_contract = diesel::select(diesel::dsl::exists(
        contracts::table
            .filter(contracts::distributor_id.eq(distributor_id))
            .filter(contracts::officer_id.eq(officer_id)),
    ));
    Ok(by_request.get_result::<bool>(conn).await? || by_contract.get_result::<bool>(conn).await?)
}

/// A contract as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = contracts)]
pub struct Contract {
    pub id: Uuid,
    pub officer_id: Uuid,
    pub branch_id: Uuid,
    pub distributor_id: Uuid,
    pub cooperation_request_id: Option<Uuid>,
    pub university_id: Option<i32>,
    pub status: ContractStatus,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub end_reason: Option<String>,
    pub ended_by: Option<ContractEnd>,
    pub created_at: DateTime<Utc>,
}

impl Contract {
    /// Its parties: the officer, the distributor, the university that approved it.
    pub fn parties(&self) -> Parties {
        Parties {
            officer: Some(self.officer_id),
            university: self.university_id,
            distributor: Some(self.distributor_id),
        }
    }
}

/// What ending a contract records.
#[derive(Debug, AsChangeset)]
#[diesel(table_name = contracts)]
pub struct ContractEnding {
    pub ended_at: DateTime<Utc>,
    pub end_reason: Option<String>,
    pub ended_by: ContractEnd,
}

impl Stateful for Contract {
    type Status = ContractStatus;
    type Changes = ContractEnding;
    const ENTITY: Entity = Entity::Contract;

    fn id(&self) -> Uuid {
        self.id
    }
    fn status(&self) -> ContractStatus {
        self.status
    }
    fn parties(&self) -> Parties {
        Contract::parties(self)
    }
    async fn guarded_update(
        conn: &mut AsyncPgConnection,
        id: Uuid,
        from: ContractStatus,
        to: ContractStatus,
        changes: ContractEnding,
    ) -> AppResult<Option<Self>> {
        Ok(diesel::update(
            contracts::table
                .filter(contracts::id.eq(id))
                .filter(contracts::status.eq(from)),
        )
        .set((contracts::status.eq(to), &changes))
        .returning(Contract::as_returning())
        .get_result(conn)
        .await
        .optional()?)
    }
}

/// Starts a contract, with its event. A branch with an active contract already is a
/// `CONFLICT` (a unique index).
pub async fn start_contract(
    conn: &mut AsyncPgConnection,
    contract: &Contract,
    actor: &Actor,
    data: serde_json::Value,
) -> AppResult<()> {
    diesel::insert_into(contracts::table)
        .values(contract)
        .execute(conn)
        .await
        .map_err(|e| {
            if super::is_unique_violation(&e) {
                branch_taken()
            } else {
                e.into()
            }
        })?;
    let p = contract.parties();
    let mut event = NewEvent::new(
        actor.logged(),
        Entity::Contract,
        contract.id,
        ContractAction::Start.as_str(),
    )
    .with_data(data);
    event.to_status = Some(contract.status.as_str().to_string());
    event.officer_id = p.officer;
    event.university_id = p.university;
    event.distributor_id = p.distributor;
    events::append(conn, event).await?;
    Ok(())
}

/// The active contracts of an officer.
pub async fn active_count(conn: &mut AsyncPgConnection, officer_id: Uuid) -> AppResult<i64> {
    Ok(contracts::table
        .filter(contracts::officer_id.eq(officer_id))
        .filter(contracts::status.eq(ContractStatus::Active))
        .count()
        .get_result(conn)
        .await?)
}

/// One contract.
pub async fn find_contract(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<Contract>> {
    Ok(contracts::table
        .find(id)
        .select(Contract::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Locks a contract for the rest of the transaction.
pub async fn lock_contract(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<Contract>> {
    Ok(contracts::table
        .find(id)
        .select(Contract::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?)
}

/// Contracts by id.
pub async fn contracts_by_ids(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> AppResult<Vec<Contract>> {
    Ok(contracts::table
        .filter(contracts::id.eq_any(ids))
        .select(Contract::as_select())
        .load(conn)
        .await?)
}

/// The active contracts of some branches.
pub async fn active_of_branches(
    conn: &mut AsyncPgConnection,
    branch_ids: &[Uuid],
) -> AppResult<Vec<Contract>> {
    Ok(contracts::table
        .filter(contracts::branch_id.eq_any(branch_ids))
        .filter(contracts::status.eq(ContractStatus::Active))
        .select(Contract::as_select())
        .load(conn)
        .await?)
}

/// Locks the active contract of a branch, if any.
pub async fn lock_active_of_branch(
    conn: &mut AsyncPgConnection,
    branch_id: Uuid,
) -> AppResult<Option<Contract>> {
    Ok(contracts::table
        .filter(contracts::branch_id.eq(branch_id))
        .filter(contracts::status.eq(ContractStatus::Active))
        .select(Contract::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?)
}

/// A page of contracts, newest first, after a keyset cursor, and the total.
pub async fn list_contracts(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    active: Option<bool>,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> AppResult<(Vec<Contract>, i64)> {
    let scoped = || {
        let mut q = contracts::table.into_boxed();
        q = match scope {
            Scope::All => q,
            Scope::Officer(o) => q.filter(contracts::officer_id.eq(o)),
            Scope::Distributor(d) => q.filter(contracts::distributor_id.eq(d)),
            Scope::University(u) => q.filter(contracts::university_id.eq(u)),
            Scope::Nothing => q.filter(diesel::dsl::sql::<diesel::sql_types::Bool>("false")),
        };
        match active {
            Some(true) => q.filter(contracts::status.eq(ContractStatus::Active)),
            Some(false) => q.filter(contracts::status.eq(ContractStatus::Ended)),
            None => q,
        }
    };
    let mut q = scoped()
        .select(Contract::as_select())
        .order((contracts::started_at.desc(), contracts::id.desc()))
        .limit(limit);
    if let Some((t, id)) = after {
        q = q.filter(
            contracts::started_at
                .lt(t)
                .or(contracts::started_at.eq(t).and(contracts::id.lt(id))),
        );
    }
    let rows = q.load(conn).await?;
    let total = scoped().count().get_result(conn).await?;
    Ok((rows, total))
}

/// "Distributor name – branch name" of the active contracts of an officer (public
/// verification).
pub async fn active_branch_names(
    conn: &mut AsyncPgConnection,
    officer_id: Uuid,
) -> AppResult<Vec<String>> {
    let rows: Vec<(String, String)> = contracts::table
        .inner_join(branches::table.inner_join(distributors::table))
        .filter(contracts::officer_id.eq(officer_id))
        .filter(contracts::status.eq(ContractStatus::Active))
        .order(contracts::started_at)
        .select((distributors::name, branches::name))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(d, b)| format!("{d} – {b}"))
        .collect())
}

//! Cooperation requests and contracts (C3, C4): the lists and the workflow's mutations.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, Object, Result};
use uuid::Uuid;

use super::context::{app, caller};
use super::pagination::{Page, Total, connection, encode};
use super::types::cooperation::{Contract, CooperationRequest};
use crate::domain::Role;
use crate::domain::cooperation::CooperationStatus;
use crate::error::AppError;
use crate::policy::{self, Object as Kind};
use crate::store::{self, cooperation as db};
use crate::workflow::cooperation as wf;

/// A page of cooperation requests.
pub type CooperationRequestConnection = Connection<String, CooperationRequest, Total>;
/// A page of contracts.
pub type ContractConnection = Connection<String, Contract, Total>;

fn id(id: &ID) -> Result<Uuid, AppError> {
    id.parse().map_err(|_| AppError::not_found())
}

/// Queries of cooperation requests and contracts.
#[derive(Default)]
pub struct CooperationQuery;

#[Object]
impl CooperationQuery {
    /// Cooperation requests, by role: an officer its own (new ones and the archive), a
    /// distributor those it proposed, newest first; a reviewer those routed to its
    /// university, by default the ones waiting (PENDING_UNIVERSITY), oldest first; admins
    /// all, newest first. Filterable by status.
    #[graphql(complexity = "crate::graphql::cost::page(first, child_complexity)")]
    async fn cooperation_requests(
        &self,
        ctx: &Context<'_>,
        status: Option<Vec<CooperationStatus>>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<CooperationRequestConnection> {
        let page = Page::from_args(first, after)?;
        let caller = caller(ctx).await?;
        let reviewer = caller.role == Role::UniversityReviewer;
        let mut statuses = status.unwrap_or_default();
        if reviewer && statuses.is_empty() {
            statuses.push(CooperationStatus::PendingUniversity);
        }
        let filter = db::ListFilter {
            scope: policy::scope(&caller, Kind::CooperationRequest),
            statuses: &statuses,
            oldest_first: reviewer,
        };
        let mut conn = crate::graphql::context::read_conn(ctx).await?;
        let (rows, total) = db::list(&mut conn, &filter, page.after, page.first + 1).await?;
        Ok(connection(
            rows,
            total,
            &page,
            |r| encode(r.created_at, r.id),
            CooperationRequest,
        ))
    }

    /// One cooperation request: to its officer, its distributor, the reviewers of the
    /// university it was routed to, and admins; `NOT_FOUND` for anyone else.
    async fn cooperation_request(&self, ctx: &Context<'_>, id: ID) -> Result<CooperationRequest> {
        let caller = caller(ctx).await?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        Ok(CooperationRequest(
            wf::visible(&mut conn, &caller, self::id(&id)?).await?,
        ))
    }

    /// One contract: to its officer, its distributor, the reviewers of the university that
    /// approved it, and admins; `NOT_FOUND` for anyone else.
    async fn contract(&self, ctx: &Context<'_>, id: ID) -> Result<Contract> {
        let caller = caller(ctx).await?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        Ok(Contract(
            wf::visible_contract(&mut conn, &caller, self::id(&id)?).await?,
        ))
    }

    /// Contracts, by role: an officer its own, a distributor those of its branches, a
    /// reviewer those its university approved, admins all; newest first; `active` filters.
    #[graphql(complexity = "crate::graphql::cost::page(first, child_complexity)")]
    async fn contracts(
        &self,
        ctx: &Context<'_>,
        active: Option<bool>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ContractConnection> {
        let page = Page::from_args(first, after)?;
        let caller = caller(ctx).await?;
        let scope = policy::scope(&caller, Kind::Contract);
        let mut conn = crate::graphql::context::read_conn(ctx).await?;
        let (rows, total) =
            db::list_contracts(&mut conn, scope, active, page.after, page.first + 1).await?;
        Ok(connection(
            rows,
            total,
            &page,
            |r| encode(r.started_at, r.id),
            Contract,
        ))
    }
}

/// The workflow's mutations.
#[derive(Default)]
pub struct CooperationMutation;

#[Object]
impl CooperationMutation {
    /// Proposes a qualified officer (by national code; Persian digits accepted) as the
    /// technical officer of one of the distributor's branches (C3, R8). `NOT_FOUND` for a
    /// branch not the distributor's; `NOT_QUALIFIED` for a code of no qualified officer
    /// (unknown and unqualified codes get the same answer); `CONFLICT` when the branch has
    /// a technical officer or an open proposal, or the officer already works for another
    /// unit.
    async fn propose_technical_officer(
        &self,
        ctx: &Context<'_>,
        branch_id: ID,
        officer_national_code: String,
    ) -> Result<CooperationRequest> {
        let caller = caller(ctx).await?;
        let app = app(ctx);
        let mut conn = store::conn(&app.pool).await?;
        let req = wf::propose(
            &mut conn,
            caller,
            app.cooperation(),
            id(&branch_id)?,
            &officer_national_code,
        )
        .await?;
        Ok(CooperationRequest(req))
    }

    /// Withdraws a proposal the officer has not answered yet.
    async fn withdraw_cooperation_request(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<CooperationRequest> {
        let caller = caller(ctx).await?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        Ok(CooperationRequest(
            wf::withdraw(&mut conn, caller, self::id(&id)?).await?,
        ))
    }

    /// The officer accepts: the request goes to the university covering the branch's city,
    /// else its province. `CONFLICT` when the officer already works for another unit.
    async fn accept_cooperation_request(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<CooperationRequest> {
        let caller = caller(ctx).await?;
        let app = app(ctx);
        let mut conn = store::conn(&app.pool).await?;
        Ok(CooperationRequest(
            wf::accept(&mut conn, caller, app.cooperation(), self::id(&id)?).await?,
        ))
    }

    /// The officer declines: the request is closed (DECLINED_BY_OFFICER) and the
    /// distributor sees it.
    async fn decline_cooperation_request(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: Option<String>,
    ) -> Result<CooperationRequest> {
        let caller = caller(ctx).await?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        Ok(CooperationRequest(
            wf::decline(&mut conn, caller, self::id(&id)?, reason).await?,
        ))
    }

    /// A reviewer of the routed university approves: the contract starts and the branch has
    /// its technical officer. `CONFLICT` when another request for the officer won meanwhile.
    async fn approve_cooperation_request(
        &self,
        ctx: &Context<'_>,
        id: ID,
        note: Option<String>,
    ) -> Result<CooperationRequest> {
        let caller = caller(ctx).await?;
        let app = app(ctx);
        let mut conn = store::conn(&app.pool).await?;
        Ok(CooperationRequest(
            wf::approve(&mut conn, caller, app.cooperation(), self::id(&id)?, note).await?,
        ))
    }

    /// A reviewer of the routed university rejects, saying why in the note (required).
    async fn reject_cooperation_request(
        &self,
        ctx: &Context<'_>,
        id: ID,
        note: String,
    ) -> Result<CooperationRequest> {
        let caller = caller(ctx).await?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        Ok(CooperationRequest(
            wf::reject(&mut conn, caller, self::id(&id)?, &note).await?,
        ))
    }
}

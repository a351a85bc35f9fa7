//! Terminations (C1, C2): the officer ends a contract with a distributor that has not
//! released them. Finalising is the moment it takes effect, with no university or
//! directorate approval: in one transaction the contract ends, the branch loses its
//! technical officer, the request is FINALIZED, and an SMS to the distributor's management
//! is written to the outbox. Finalising twice has one effect and one SMS.

use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use crate::domain::cooperation::{ContractAction, ContractEnd, ContractStatus};
use crate::domain::sms::{SmsPurpose, texts};
use crate::domain::termination::{TerminationAction, TerminationStatus, transition};
use crate::domain::{Actor, Caller, Entity, jalali, normalize};
use crate::error::{AppError, AppResult};
use crate::policy::{self, Object};
use crate::store::cooperation::{self as contracts, ContractEnding};
use crate::store::outbox::NewSms;
use crate::store::terminations::{self as store, TerminationChanges, TerminationRequest};
use crate::store::transition::{self, Transition};
use crate::store::{distributors, officers};

fn contract_ended() -> AppError {
    AppError::invalid_state(
        "the contract has ended already",
        "این قرارداد پیش‌تر پایان یافته است",
    )
}

/// Locks a termination request of the caller's; `NOT_FOUND` otherwise.
async fn lock_own(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
) -> AppResult<TerminationRequest> {
    match store::lock(conn, id).await? {
        Some(t) if policy::sees(caller, Object::TerminationRequest, &t.parties()) => Ok(t),
        _ => Err(AppError::not_found()),
    }
}

/// The officer writes a DRAFT ending one of its own active contracts (`NOT_FOUND` for
/// anyone else's, `INVALID_STATE` for an ended one).
pub async fn request(
    conn: &mut AsyncPgConnection,
    caller: Caller,
    contract_id: Uuid,
    reason: &str,
) -> AppResult<TerminationRequest> {
    let reason = normalize::required_text("reason", reason, 1000)?;
    conn.transaction::<_, AppError, _>(async move |conn| {
        let contract = contracts::lock_contract(conn, contract_id)
            .await?
            .filter(|c| caller.officer_id == Some(c.officer_id))
            .ok_or_else(AppError::not_found)?;
        if contract.status != ContractStatus::Active {
            return Err(contract_ended());
        }
        let now = Utc::now();
        let t = TerminationRequest {
            id: Uuid::new_v4(),
            contract_id: contract.id,
            officer_id: contract.officer_id,
            distributor_id: contract.distributor_id,
            branch_id: contract.branch_id,
            status: TerminationStatus::Draft,
            reason,
            created_at: now,
            updated_at: now,
            finalized_at: None,
        };
        store::insert(conn, &t, &Actor::User(caller)).await?;
        Ok(t)
    })
    .await
}

/// The officer cancels a DRAFT.
pub async fn cancel(
    conn: &mut AsyncPgConnection,
    caller: Caller,
    id: Uuid,
) -> AppResult<TerminationRequest> {
    conn.transaction::<_, AppError, _>(async move |conn| {
        let t = lock_own(conn, &caller, id).await?;
        let to = transition(t.status, TerminationAction::Cancel)
            .map_err(|r| AppError::invalid_state(r.message, r.message_fa))?;
        let tr = Transition::new(to, TerminationAction::Cancel.as_str(), Actor::User(caller));
        transition::apply(conn, &t, tr, TerminationChanges::default()).await
    })
    .await
}

/// The officer finalises a DRAFT: it takes effect now (see the module).
pub async fn finalize(
    conn: &mut AsyncPgConnection,
    caller: Caller,
    id: Uuid,
) -> AppResult<TerminationRequest> {
    conn.transaction::<_, AppError, _>(async move |conn| {
        // The request's lock makes a second finalisation wait, then see FINALIZED.
        let t = lock_own(conn, &caller, id).await?;
        let to = transition(t.status, TerminationAction::Finalize)
            .map_err(|r| AppError::invalid_state(r.message, r.message_fa))?;
        let contract = contracts::lock_contract(conn, t.contract_id)
            .await?
            .ok_or_else(AppError::not_found)?;
        if contract.status != ContractStatus::Active {
            // Released by the distributor meanwhile.
            return Err(contract_ended());
        }
        let actor = Actor::User(caller);
        let now = Utc::now();
        let end = Transition::new(
            ContractStatus::Ended,
            ContractAction::Terminate.as_str(),
            actor,
        )
        .note(Some(t.reason.clone()))
        .data(serde_json::json!({ "terminationRequestId": t.id }));
        let ending = ContractEnding {
            ended_at: now,
            end_reason: Some(t.reason.clone()),
            ended_by: ContractEnd::Termination,
        };
        transition::apply(conn, &contract, end, ending).await?;
        let officer = officers::find(conn, t.officer_id)
            .await?
            .ok_or_else(AppError::not_found)?;
        let branch = distributors::branch(conn, t.branch_id)
            .await?
            .ok_or_else(AppError::not_found)?;
        let distributor = distributors::by_ids(conn, &[t.distributor_id])
            .await?
            .pop()
            .ok_or_else(AppError::not_found)?;
        let text = texts::termination_finalized(
            &format!("{} {}", officer.first_name, officer.last_name),
            &officer.national_code,
            &branch.name,
            &distributor.name,
            &jalali::date(jalali::tehran_date(now)),
        );
        let sms = NewSms::new(
            &distributor.manager_mobile,
            text,
            SmsPurpose::TerminationFinalized,
            Entity::TerminationRequest,
            t.id,
        );
        let tr = Transition::new(to, TerminationAction::Finalize.as_str(), actor)
            .note(Some(t.reason.clone()))
            .data(serde_json::json!({ "contractId": contract.id }))
            .sms(sms);
        let changes = TerminationChanges {
            finalized_at: Some(now),
        };
        transition::apply(conn, &t, tr, changes).await
    })
    .await
}

/// A termination request as `caller` may see it; `NOT_FOUND` otherwise.
pub async fn visible(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
) -> AppResult<TerminationRequest> {
    match store::find(conn, id).await? {
        Some(t) if policy::sees(caller, Object::TerminationRequest, &t.parties()) => Ok(t),
        _ => Err(AppError::not_found()),
    }
}

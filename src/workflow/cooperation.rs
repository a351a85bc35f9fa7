//! Cooperation requests (C3, C4, R8): a distributor proposes a qualified officer for one of
//! its branches, the officer accepts or declines, the university covering the branch
//! approves (the contract starts) or rejects. The one-unit rule (how many active contracts
//! an officer may hold) is checked at proposal, at acceptance and, under the officer's row
//! lock, at approval, so two distributors racing for one officer cannot both win.

use chrono::{Duration, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use crate::domain::cooperation::{
    ContractStatus, CooperationAction, CooperationRefusal, CooperationStatus, transition,
};
use crate::domain::sms::{SmsPurpose, texts};
use crate::domain::{Actor, Caller, Entity, normalize};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::policy::{self, Object};
use crate::store::cooperation::{
    self as store, Contract, CooperationChanges, CooperationRequest, branch_taken,
};
use crate::store::outbox::{self, NewSms};
use crate::store::transition::{self, Transition};
use crate::store::{self as db, DbPool, distributors, officers, reference};

/// The settings of the cooperation rules.
#[derive(Debug, Clone, Copy)]
pub struct CooperationSettings {
    /// Days the officer has to answer a proposal.
    pub expiry_days: i64,
    /// How many active contracts one officer may hold (the one-unit rule).
    pub max_active_contracts: i64,
}

fn refusal(r: CooperationRefusal) -> AppError {
    match r {
        CooperationRefusal::Forbidden => AppError::forbidden(),
        CooperationRefusal::InvalidState {
            message,
            message_fa,
        } => AppError::invalid_state(message, message_fa),
    }
}

/// The answer for a national code that cannot be proposed: the same whether it is unknown,
/// invalid or of an officer not qualified (R8), so nobody learns who is registered.
fn not_qualified() -> AppError {
    AppError::new(
        ErrorCode::NotQualified,
        "no qualified technical officer has this national code",
        "مسئول فنی احراز صلاحیت‌شده‌ای با این کد ملی وجود ندارد",
    )
}

fn works_elsewhere() -> AppError {
    AppError::conflict(
        "the officer already works for another unit (the one-unit rule)",
        "این مسئول فنی هم‌اکنون مسئول فنی واحد دیگری است و نمی‌تواند همزمان در واحد دیگری فعالیت کند",
    )
}

/// Refuses when the officer holds the maximum of active contracts. Call with the officer's
/// row locked, so concurrent steps for one officer queue.
async fn check_one_unit(
    conn: &mut AsyncPgConnection,
    officer_id: Uuid,
    settings: &CooperationSettings,
) -> AppResult<()> {
    if store::active_count(conn, officer_id).await? >= settings.max_active_contracts {
        return Err(works_elsewhere());
    }
    Ok(())
}

/// Locks a request the caller may see; `NOT_FOUND` otherwise.
async fn lock_visible(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
) -> AppResult<CooperationRequest> {
    match store::lock(conn, id).await? {
        Some(r) if policy::sees(caller, Object::CooperationRequest, &r.parties()) => Ok(r),
        _ => Err(AppError::not_found()),
    }
}

/// The state-machine step `action` by `caller` on `req` (as its parties see it now: a
/// request past its deadline is EXPIRED).
fn check(
    req: &CooperationRequest,
    action: CooperationAction,
    caller: &Caller,
) -> AppResult<CooperationStatus> {
    let party = policy::cooperation_party(caller);
    transition(req.status_now(Utc::now()), action, party).map_err(refusal)
}

/// The SMS to the proposing distributor's management about the officer's answer.
async fn to_distributor(
    conn: &mut AsyncPgConnection,
    req: &CooperationRequest,
    purpose: SmsPurpose,
) -> AppResult<NewSms> {
    let officer = officers::find(conn, req.officer_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let branch = distributors::branch(conn, req.branch_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let distributor = distributors::by_ids(conn, &[req.distributor_id])
        .await?
        .pop()
        .ok_or_else(AppError::not_found)?;
    let name = format!("{} {}", officer.first_name, officer.last_name);
    let text = match purpose {
        SmsPurpose::CooperationDeclined => texts::cooperation_declined(&name, &branch.name),
        _ => texts::cooperation_accepted(&name, &branch.name),
    };
    Ok(NewSms::new(
        &distributor.manager_mobile,
        text,
        purpose,
        Entity::CooperationRequest,
        req.id,
    ))
}

/// The distributor proposes the officer of `national_code` (Persian digits accepted) as the
/// technical officer of one of its branches.
pub async fn propose(
    conn: &mut AsyncPgConnection,
    caller: Caller,
    settings: CooperationSettings,
    branch_id: Uuid,
    national_code: &str,
) -> AppResult<CooperationRequest> {
    let distributor = caller.distributor_id.ok_or_else(AppError::forbidden)?;
    let code = normalize::national_code("officerNationalCode", national_code).ok();
    conn.transaction::<_, AppError, _>(async move |conn| {
        let branch = distributors::lock_branch(conn, branch_id)
            .await?
            .filter(|b| b.distributor_id == distributor)
            .ok_or_else(AppError::not_found)?;
        let officer = match code {
            Some(code) => officers::by_national_code(conn, &code).await?,
            None => None,
        };
        let officer = officer
            .filter(|o| o.is_qualified())
            .ok_or_else(not_qualified)?;
        // The officer's row lock serialises the one-unit checks of every step.
        officers::lock(conn, officer.id).await?;
        if store::lock_active_of_branch(conn, branch.id)
            .await?
            .is_some()
            || store::branch_has_open(conn, branch.id).await?
        {
            return Err(branch_taken());
        }
        check_one_unit(conn, officer.id, &settings).await?;
        let now = Utc::now();
        let request = CooperationRequest {
            id: Uuid::new_v4(),
            branch_id: branch.id,
            distributor_id: distributor,
            officer_id: officer.id,
            status: CooperationStatus::PendingOfficer,
            university_id: None,
            decline_reason: None,
            rejection_note: None,
            created_at: now,
            updated_at: now,
            expires_at: now + Duration::days(settings.expiry_days),
        };
        store::insert(conn, &request, &Actor::User(caller)).await?;
        let proposer = distributors::by_ids(conn, &[distributor])
            .await?
            .pop()
            .ok_or_else(AppError::not_found)?;
        outbox::enqueue(
            conn,
            &[NewSms::new(
                &officer.mobile,
                texts::cooperation_proposed(&proposer.name, &branch.name),
                SmsPurpose::CooperationProposed,
                Entity::CooperationRequest,
                request.id,
            )],
        )
        .await?;
        Ok(request)
    })
    .await
}

/// The distributor withdraws a proposal the officer has not answered.
pub async fn withdraw(
    conn: &mut AsyncPgConnection,
    caller: Caller,
    id: Uuid,
) -> AppResult<CooperationRequest> {
    conn.transaction::<_, AppError, _>(async move |conn| {
        let req = lock_visible(conn, &caller, id).await?;
        let to = check(&req, CooperationAction::Withdraw, &caller)?;
        let t = Transition::new(
            to,
            CooperationAction::Withdraw.as_str(),
            Actor::User(caller),
        );
        transition::apply(conn, &req, t, CooperationChanges::default()).await
    })
    .await
}

/// The officer accepts: the request goes to the university covering the branch's city,
/// else its province (as a qualification request is routed).
pub async fn accept(
    conn: &mut AsyncPgConnection,
    caller: Caller,
    settings: CooperationSettings,
    id: Uuid,
) -> AppResult<CooperationRequest> {
    conn.transaction::<_, AppError, _>(async move |conn| {
        let req = lock_visible(conn, &caller, id).await?;
        let to = check(&req, CooperationAction::Accept, &caller)?;
        officers::lock(conn, req.officer_id).await?;
        check_one_unit(conn, req.officer_id, &settings).await?;
        let branch = distributors::branch(conn, req.branch_id)
            .await?
            .ok_or_else(AppError::not_found)?;
        let university = reference::route(conn, branch.province_id, branch.city_id)
            .await?
            .ok_or_else(|| {
                AppError::invalid_state(
                    "no university covers the branch's city",
                    "هیچ دانشگاهی شهر این شعبه را پوشش نمی‌دهد",
                )
            })?;
        let sms = to_distributor(conn, &req, SmsPurpose::CooperationAccepted).await?;
        let t = Transition::new(to, CooperationAction::Accept.as_str(), Actor::User(caller))
            .data(serde_json::json!({ "universityId": university }))
            .sms(sms);
        let changes = CooperationChanges {
            university_id: Some(university),
            ..Default::default()
        };
        transition::apply(conn, &req, t, changes).await
    })
    .await
}

/// The officer declines (the request closes; the distributor sees it).
pub async fn decline(
    conn: &mut AsyncPgConnection,
    caller: Caller,
    id: Uuid,
    reason: Option<String>,
) -> AppResult<CooperationRequest> {
    let reason = normalize::optional_text("reason", reason.as_deref(), 1000)?;
    conn.transaction::<_, AppError, _>(async move |conn| {
        let req = lock_visible(conn, &caller, id).await?;
        let to = check(&req, CooperationAction::Decline, &caller)?;
        let sms = to_distributor(conn, &req, SmsPurpose::CooperationDeclined).await?;
        let t = Transition::new(to, CooperationAction::Decline.as_str(), Actor::User(caller))
            .note(reason.clone())
            .sms(sms);
        let changes = CooperationChanges {
            decline_reason: reason,
            ..Default::default()
        };
        transition::apply(conn, &req, t, changes).await
    })
    .await
}

/// A reviewer of the routed university approves: the contract starts and the branch has
/// its technical officer. Under the officer's lock the one-unit rule is checked again: when
/// another request won meanwhile, `CONFLICT`.
pub async fn approve(
    conn: &mut AsyncPgConnection,
    caller: Caller,
    settings: CooperationSettings,
    id: Uuid,
    note: Option<String>,
) -> AppResult<CooperationRequest> {
    let note = normalize::optional_text("note", note.as_deref(), 2000)?;
    conn.transaction::<_, AppError, _>(async move |conn| {
        let req = lock_visible(conn, &caller, id).await?;
        let to = check(&req, CooperationAction::Approve, &caller)?;
        officers::lock(conn, req.officer_id).await?;
        check_one_unit(conn, req.officer_id, &settings).await?;
        distributors::lock_branch(conn, req.branch_id).await?;
        if store::lock_active_of_branch(conn, req.branch_id)
            .await?
            .is_some()
        {
            return Err(branch_taken());
        }
        let actor = Actor::User(caller);
        let t = Transition::new(to, CooperationAction::Approve.as_str(), actor).note(note);
        let approved = transition::apply(conn, &req, t, CooperationChanges::default()).await?;
        let now = Utc::now();
        let contract = Contract {
            id: Uuid::new_v4(),
            officer_id: approved.officer_id,
            branch_id: approved.branch_id,
            distributor_id: approved.distributor_id,
            cooperation_request_id: Some(approved.id),
            university_id: approved.university_id,
            status: ContractStatus::Active,
            started_at: now,
            ended_at: None,
            end_reason: None,
            ended_by: None,
            created_at: now,
        };
        let data = serde_json::json!({ "cooperationRequestId": approved.id });
        store::start_contract(conn, &contract, &actor, data).await?;
        Ok(approved)
    })
    .await
}

/// A reviewer of the routed university rejects, with a note.
pub async fn reject(
    conn: &mut AsyncPgConnection,
    caller: Caller,
    id: Uuid,
    note: &str,
) -> AppResult<CooperationRequest> {
    let note = normalize::required_text("note", note, 2000).map_err(|_| {
        AppError::validation(
            "note",
            "say why the request is rejected",
            "علت رد درخواست همکاری را در توضیحات بنویسید",
        )
    })?;
    conn.transaction::<_, AppError, _>(async move |conn| {
        let req = lock_visible(conn, &caller, id).await?;
        let to = check(&req, CooperationAction::Reject, &caller)?;
        let t = Transition::new(to, CooperationAction::Reject.as_str(), Actor::User(caller))
            .note(Some(note.clone()));
        let changes = CooperationChanges {
            rejection_note: Some(note),
            ..Default::default()
        };
        transition::apply(conn, &req, t, changes).await
    })
    .await
}

/// Moves the requests left unanswered past their deadline to EXPIRED (the system acts), at
/// most `limit` in one transaction; rows another instance is handling are skipped.
/// Returns how many expired.
pub async fn expire_due(pool: &DbPool, limit: i64) -> AppResult<usize> {
    let mut conn = db::conn(pool).await?;
    conn.transaction::<_, AppError, _>(async move |conn| {
        let due = store::lock_due(conn, Utc::now(), limit).await?;
        for req in &due {
            let t = Transition::new(
                CooperationStatus::Expired,
                CooperationAction::Expire.as_str(),
                Actor::System,
            );
            transition::apply(conn, req, t, CooperationChanges::default()).await?;
        }
        Ok(due.len())
    })
    .await
}

/// A contract as `caller` may see it; `NOT_FOUND` otherwise.
pub async fn visible_contract(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
) -> AppResult<Contract> {
    match store::find_contract(conn, id).await? {
        Some(c) if policy::sees(caller, Object::Contract, &c.parties()) => Ok(c),
        _ => Err(AppError::not_found()),
    }
}

/// A request as `caller` may see it; `NOT_FOUND` otherwise.
pub async fn visible(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
) -> AppResult<CooperationRequest> {
    match store::find(conn, id).await? {
        Some(r) if policy::sees(caller, Object::CooperationRequest, &r.parties()) => Ok(r),
        _ => Err(AppError::not_found()),
    }
}

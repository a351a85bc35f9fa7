//! A distributor's branches: creating them, releasing a branch's technical officer.

use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use crate::domain::cooperation::{ContractAction, ContractEnd, ContractStatus};
use crate::domain::{Actor, Caller, normalize};
use crate::error::{AppError, AppResult};
use crate::store::cooperation::{self as store, Contract, ContractEnding};
use crate::store::distributors::{self, Branch};
use crate::store::reference;
use crate::store::transition::{self, Transition};

/// A branch to create.
#[derive(Debug)]
pub struct NewBranch {
    /// Its name.
    pub name: String,
    /// Its province.
    pub province_id: i32,
    /// Its city (in that province).
    pub city_id: i32,
    /// Its address.
    pub address: String,
    /// Whether it is the central branch; by default the distributor's first branch is.
    pub is_central: Option<bool>,
}

/// Creates a branch of the caller's distributor. The first branch is the central one; there
/// is at most one central branch (`CONFLICT` for a second).
pub async fn create_branch(
    conn: &mut AsyncPgConnection,
    caller: Caller,
    input: NewBranch,
) -> AppResult<Branch> {
    let distributor = caller.distributor_id.ok_or_else(AppError::forbidden)?;
    let name = normalize::required_text("name", &input.name, 200)?;
    let address = normalize::required_text("address", &input.address, 500)?;
    match reference::city(conn, input.city_id).await? {
        Some(c) if c.province_id == input.province_id => {}
        Some(_) => {
            return Err(AppError::validation(
                "cityId",
                "the city is not in the given province",
                "شهر انتخاب‌شده در استان انتخاب‌شده نیست",
            ));
        }
        None => {
            return Err(AppError::validation(
                "cityId",
                "unknown city",
                "شهر نامعتبر است",
            ));
        }
    }
    conn.transaction::<_, AppError, _>(async move |conn| {
        distributors::lock(conn, distributor)
            .await?
            .ok_or_else(AppError::not_found)?;
        let is_central = match input.is_central {
            Some(c) => c,
            None => !distributors::has_central(conn, distributor).await?,
        };
        let branch = Branch {
            id: Uuid::new_v4(),
            distributor_id: distributor,
            name,
            is_central,
            province_id: input.province_id,
            city_id: input.city_id,
            address,
            created_at: Utc::now(),
        };
        distributors::create_branch(conn, &branch, &Actor::User(caller)).await?;
        Ok(branch)
    })
    .await
}

/// The distributor releases the technical officer of one of its branches: the active
/// contract ends (the reason kept). `INVALID_STATE` when the branch has none.
pub async fn release(
    conn: &mut AsyncPgConnection,
    caller: Caller,
    branch_id: Uuid,
    reason: Option<String>,
) -> AppResult<Contract> {
    let distributor = caller.distributor_id.ok_or_else(AppError::forbidden)?;
    let reason = normalize::optional_text("reason", reason.as_deref(), 1000)?;
    conn.transaction::<_, AppError, _>(async move |conn| {
        distributors::lock_branch(conn, branch_id)
            .await?
            .filter(|b| b.distributor_id == distributor)
            .ok_or_else(AppError::not_found)?;
        let contract = store::lock_active_of_branch(conn, branch_id)
            .await?
            .ok_or_else(|| {
                AppError::invalid_state(
                    "the branch has no technical officer to release",
                    "این شعبه مسئول فنی فعالی ندارد",
                )
            })?;
        let t = Transition::new(
            ContractStatus::Ended,
            ContractAction::Release.as_str(),
            Actor::User(caller),
        )
        .note(reason.clone());
        let ending = ContractEnding {
            ended_at: Utc::now(),
            end_reason: reason,
            ended_by: ContractEnd::Release,
        };
        transition::apply(conn, &contract, t, ending).await
    })
    .await
}

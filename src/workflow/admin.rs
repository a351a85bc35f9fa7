//! The directorate's administration: staff accounts, distributors, reference data, fees.
//! Each change is one transaction with its event.

use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use crate::domain::qualification::RequestKind;
use crate::domain::{self, Actor, DistributorKind, Entity, Role, normalize};
use crate::error::{AppError, AppResult};
use crate::store::events::{self, NewEvent};
use crate::store::{distributors, qualification, reference, users};

/// A staff account to create: a university reviewer or a directorate admin.
#[derive(Debug)]
pub struct NewStaff {
    /// `UNIVERSITY_REVIEWER` or `DIRECTORATE_ADMIN`.
    pub role: Role,
    /// The code the person signs in with.
    pub user_code: String,
    /// The initial password.
    pub password: String,
    /// Name to show.
    pub display_name: String,
    /// The reviewer's university.
    pub university_id: Option<i32>,
}

/// A distributor to register, with its central branch and its account.
#[derive(Debug)]
pub struct NewDistributor {
    /// Registered name.
    pub name: String,
    /// Company or guild.
    pub kind: DistributorKind,
    /// National ID of the legal entity.
    pub national_id: String,
    /// Mobile of the management.
    pub manager_mobile: String,
    /// Province of the central branch.
    pub province_id: i32,
    /// City of the central branch.
    pub city_id: i32,
    /// Address of the central branch.
    pub address: String,
    /// User code of the account.
    pub user_code: String,
    /// Initial password of the account.
    pub password: String,
}

fn unknown_university() -> AppError {
    AppError::validation("universityId", "unknown university", "دانشگاه نامعتبر است")
}

/// Creates a reviewer or admin account.
pub async fn create_staff_account(
    conn: &mut AsyncPgConnection,
    actor: Actor,
    input: NewStaff,
) -> AppResult<users::User> {
    let user_code = domain::user_code("userCode", &input.user_code)?;
    let display_name = normalize::required_text("displayName", &input.display_name, 200)?;
    normalize::password_policy("password", &input.password)?;
    let university_id = match (input.role, input.university_id) {
        (Role::UniversityReviewer, Some(id)) => {
            if !reference::university_exists(conn, id).await? {
                return Err(unknown_university());
            }
            Some(id)
        }
        (Role::UniversityReviewer, None) => {
            return Err(AppError::validation(
                "universityId",
                "a reviewer needs a university",
                "دانشگاه کارشناس را مشخص کنید",
            ));
        }
        (Role::DirectorateAdmin, None) => None,
        (Role::DirectorateAdmin, Some(_)) => {
            return Err(AppError::validation(
                "universityId",
                "an admin belongs to no university",
                "کاربر اداره کل به دانشگاهی تعلق ندارد",
            ));
        }
        (Role::Officer | Role::Distributor, _) => {
            return Err(AppError::validation(
                "role",
                "staff accounts are reviewers or admins; officers register themselves and distributors are created with createDistributor",
                "حساب کارکنان فقط برای کارشناس دانشگاه یا اداره کل است",
            ));
        }
    };
    let password_hash = super::accounts::hash_password(input.password).await?;
    let role = input.role;
    conn.transaction::<_, AppError, _>(async move |conn| {
        let user = users::insert(
            conn,
            &users::NewUser {
                id: Uuid::new_v4(),
                user_code: &user_code,
                password_hash: &password_hash,
                role,
                display_name: &display_name,
                university_id,
                distributor_id: None,
            },
        )
        .await?;
        events::append(
            conn,
            NewEvent::new(
                actor.logged(),
                Entity::User,
                user.id,
                "CREATE_STAFF_ACCOUNT",
            )
            .with_data(serde_json::json!({ "role": role.as_str(), "userCode": user.user_code })),
        )
        .await?;
        Ok(user)
    })
    .await
}

/// Registers a distributor with its central branch (from its province, city and address)
/// and its account.
pub async fn create_distributor(
    conn: &mut AsyncPgConnection,
    actor: Actor,
    input: NewDistributor,
) -> AppResult<distributors::Distributor> {
    let name = normalize::required_text("name", &input.name, 200)?;
    let national_id = normalize::company_national_id("nationalId", &input.national_id)?;
    let manager_mobile = normalize::mobile("managerMobile", &input.manager_mobile)?;
    let address = normalize::required_text("address", &input.address, 500)?;
    let user_code = domain::user_code("userCode", &input.user_code)?;
    normalize::password_policy("password", &input.password)?;
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
    let password_hash = super::accounts::hash_password(input.password).await?;
    let now = Utc::now();
    let distributor = distributors::Distributor {
        id: Uuid::new_v4(),
        name,
        kind: input.kind,
        national_id,
        manager_mobile,
        created_at: now,
    };
    let central = distributors::Branch {
        id: Uuid::new_v4(),
        distributor_id: distributor.id,
        name: "شعبه مرکزی".to_string(),
        is_central: true,
        province_id: input.province_id,
        city_id: input.city_id,
        address,
        created_at: now,
    };
    let d = distributor.clone();
    conn.transaction::<_, AppError, _>(async move |conn| {
        distributors::insert(conn, &d).await?;
        distributors::insert_branch(conn, &central).await?;
        users::insert(
            conn,
            &users::NewUser {
                id: Uuid::new_v4(),
                user_code: &user_code,
                password_hash: &password_hash,
                role: Role::Distributor,
                display_name: &d.name,
                university_id: None,
                distributor_id: Some(d.id),
            },
        )
        .await?;
        events::append(
            conn,
            NewEvent::new(
                actor.logged(),
                Entity::Distributor,
                d.id,
                "CREATE_DISTRIBUTOR",
            )
            .with_data(serde_json::json!({ "nationalId": d.national_id, "userCode": user_code })),
        )
        .await?;
        Ok(())
    })
    .await?;
    Ok(distributor)
}

/// Marks a field of study eligible or not (R4); applies to submissions from now on.
pub async fn set_field_eligibility(
    conn: &mut AsyncPgConnection,
    actor: Actor,
    id: i32,
    eligible: bool,
) -> AppResult<reference::FieldOfStudy> {
    conn.transaction::<_, AppError, _>(async move |conn| {
        let field = reference::set_field_eligibility(conn, id, eligible)
            .await?
            .ok_or_else(AppError::not_found)?;
        events::append(
            conn,
            NewEvent::new(actor.logged(), Entity::FieldOfStudy, id, "SET_ELIGIBILITY")
                .with_data(serde_json::json!({ "eligible": eligible })),
        )
        .await?;
        Ok(field)
    })
    .await
}

/// Sets the review fee of a kind of request, in Rials (positive); requests approved from
/// now on are charged it (R9).
pub async fn set_review_fee(
    conn: &mut AsyncPgConnection,
    actor: Actor,
    kind: RequestKind,
    amount_rials: i64,
) -> AppResult<()> {
    if amount_rials <= 0 {
        return Err(AppError::validation(
            "amountRials",
            "the fee must be a positive number of Rials",
            "مبلغ هزینه بررسی باید مثبت باشد",
        ));
    }
    conn.transaction::<_, AppError, _>(async move |conn| {
        qualification::set_fee(conn, kind, amount_rials).await?;
        events::append(
            conn,
            NewEvent::new(
                actor.logged(),
                Entity::ReviewFee,
                kind.as_str(),
                "SET_REVIEW_FEE",
            )
            .with_data(serde_json::json!({ "amountRials": amount_rials })),
        )
        .await?;
        Ok(())
    })
    .await
}

/// Enables or disables an account, at once: a disabled account's access tokens are refused
/// from the next request on (the account is read from the database on every request), its
/// refresh tokens are revoked, and its open sockets are closed (the revocation is announced
/// on `account_changes`). An admin cannot disable its own account.
pub async fn set_account_active(
    conn: &mut AsyncPgConnection,
    actor: Actor,
    user_code: &str,
    active: bool,
) -> AppResult<users::User> {
    let code = normalize::fold_digits(user_code.trim());
    if let Actor::User(c) = &actor
        && !active
    {
        let own = users::find_by_code(conn, &code).await?;
        if own.is_some_and(|u| u.id == c.user_id) {
            return Err(AppError::invalid_state(
                "an admin cannot disable its own account",
                "مدیر نمی‌تواند حساب خود را غیرفعال کند",
            ));
        }
    }
    conn.transaction::<_, AppError, _>(async move |conn| {
        let user = users::set_active(conn, &code, active)
            .await?
            .ok_or_else(AppError::not_found)?;
        let revoked = if active {
            0
        } else {
            crate::store::sessions::revoke_user(conn, user.id, Utc::now()).await?
        };
        events::append(
            conn,
            NewEvent::new(actor.logged(), Entity::User, user.id, "SET_ACCOUNT_ACTIVE").with_data(
                serde_json::json!({
                    "userCode": user.user_code,
                    "active": active,
                    "sessionsRevoked": revoked,
                }),
            ),
        )
        .await?;
        Ok(user)
    })
    .await
}

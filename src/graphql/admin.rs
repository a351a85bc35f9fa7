//! Directorate administration: staff accounts and distributors.

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::Utc;
use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::context::{app, caller};
use super::reference::parse_ref_id;
use super::types::distributor::Distributor;
use super::types::reference::FieldOfStudy;
use super::types::user_account::UserAccount;
use crate::auth;
use crate::domain::qualification::RequestKind;
use crate::domain::{self, Actor, DistributorKind, Entity, Role, normalize};
use crate::error::{AppError, AppResult};
use crate::store::{self, distributors, events, reference, users};

/// A staff account to create: a university reviewer or a directorate admin.
#[derive(InputObject)]
pub struct CreateStaffAccountInput {
    /// `UNIVERSITY_REVIEWER` or `DIRECTORATE_ADMIN` (officers register themselves; distributors
    /// are created with `createDistributor`).
    pub role: Role,
    /// The code the person signs in with.
    pub user_code: String,
    /// Initial password (at least 8 characters, letters and digits).
    pub password: String,
    /// Name to show.
    pub display_name: String,
    /// The reviewer's university; required for reviewers, refused for admins.
    pub university_id: Option<ID>,
}

/// A distributor to register, with its central branch and its account.
#[derive(InputObject)]
pub struct CreateDistributorInput {
    /// Registered name.
    pub name: String,
    /// Company or guild.
    pub kind: DistributorKind,
    /// National ID of the legal entity (11 digits, with check digit).
    pub national_id: String,
    /// Mobile of the management, for notices by SMS.
    pub manager_mobile: String,
    /// Province of the central branch.
    pub province_id: ID,
    /// City of the central branch (in that province).
    pub city_id: ID,
    /// Address of the central branch.
    pub address: String,
    /// User code of the distributor's account.
    pub user_code: String,
    /// Initial password of the account.
    pub password: String,
}

async fn hash(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)
}

/// Admin operations.
#[derive(Default)]
pub struct AdminMutation;

#[Object]
impl AdminMutation {
    /// Creates a reviewer or admin account. Admins only.
    async fn create_staff_account(
        &self,
        ctx: &Context<'_>,
        input: CreateStaffAccountInput,
    ) -> Result<UserAccount> {
        let actor = Actor::User(caller(ctx).await?);
        let app = app(ctx);
        let user_code = domain::user_code("userCode", &input.user_code)?;
        let display_name = normalize::required_text("displayName", &input.display_name, 200)?;
        normalize::password_policy("password", &input.password)?;
        let mut conn = store::conn(&app.pool).await?;
        let university_id = match (input.role, &input.university_id) {
            (Role::UniversityReviewer, Some(id)) => {
                let id = parse_ref_id("universityId", id)?;
                if !reference::university_exists(&mut conn, id).await? {
                    return Err(unknown_university().into());
                }
                Some(id)
            }
            (Role::UniversityReviewer, None) => {
                return Err(AppError::validation(
                    "universityId",
                    "a reviewer needs a university",
                    "دانشگاه کارشناس را مشخص کنید",
                )
                .into());
            }
            (Role::DirectorateAdmin, None) => None,
            (Role::DirectorateAdmin, Some(_)) => {
                return Err(AppError::validation(
                    "universityId",
                    "an admin belongs to no university",
                    "کاربر اداره کل به دانشگاهی تعلق ندارد",
                )
                .into());
            }
            (Role::Officer | Role::Distributor, _) => {
                return Err(AppError::validation(
                    "role",
                    "staff accounts are reviewers or admins; officers register themselves and distributors are created with createDistributor",
                    "حساب کارکنان فقط برای کارشناس دانشگاه یا اداره کل است",
                )
                .into());
            }
        };
        let password_hash = hash(input.password).await?;
        let role = input.role;
        let user = conn
            .transaction::<_, AppError, _>(async move |conn| {
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
                    events::NewEvent::new(
                        actor.logged(),
                        Entity::User,
                        user.id,
                        "CREATE_STAFF_ACCOUNT",
                    )
                    .with_data(
                        serde_json::json!({ "role": role.as_str(), "userCode": user.user_code }),
                    ),
                )
                .await?;
                Ok(user)
            })
            .await?;
        Ok(UserAccount(user, false))
    }

    /// Registers a distributor with its central branch and its account. Admins only.
    async fn create_distributor(
        &self,
        ctx: &Context<'_>,
        input: CreateDistributorInput,
    ) -> Result<Distributor> {
        let actor = Actor::User(caller(ctx).await?);
        let app = app(ctx);
        let name = normalize::required_text("name", &input.name, 200)?;
        let national_id = normalize::company_national_id("nationalId", &input.national_id)?;
        let manager_mobile = normalize::mobile("managerMobile", &input.manager_mobile)?;
        let address = normalize::required_text("address", &input.address, 500)?;
        let user_code = domain::user_code("userCode", &input.user_code)?;
        normalize::password_policy("password", &input.password)?;
        let province_id = parse_ref_id("provinceId", &input.province_id)?;
        let city_id = parse_ref_id("cityId", &input.city_id)?;
        let mut conn = store::conn(&app.pool).await?;
        match reference::city(&mut conn, city_id).await? {
            Some(c) if c.province_id == province_id => {}
            Some(_) => {
                return Err(AppError::validation(
                    "cityId",
                    "the city is not in the given province",
                    "شهر انتخاب‌شده در استان انتخاب‌شده نیست",
                )
                .into());
            }
            None => {
                return Err(
                    AppError::validation("cityId", "unknown city", "شهر نامعتبر است").into(),
                );
            }
        }
        let password_hash = hash(input.password).await?;
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
            province_id,
            city_id,
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
                events::NewEvent::new(
                    actor.logged(),
                    Entity::Distributor,
                    d.id,
                    "CREATE_DISTRIBUTOR",
                )
                .with_data(
                    serde_json::json!({ "nationalId": d.national_id, "userCode": user_code }),
                ),
            )
            .await?;
            Ok(())
        })
        .await?;
        Ok(Distributor(distributor))
    }
}

#[Object]
impl AdminReferenceMutation {
    /// Marks a field of study eligible or not for technical officers (R4); applies to
    /// submissions from now on. Admins only.
    async fn set_field_of_study_eligibility(
        &self,
        ctx: &Context<'_>,
        id: ID,
        eligible: bool,
    ) -> Result<FieldOfStudy> {
        let actor = Actor::User(caller(ctx).await?);
        let id = parse_ref_id("id", &id)?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        let field = conn
            .transaction::<_, AppError, _>(async move |conn| {
                let field = reference::set_field_eligibility(conn, id, eligible)
                    .await?
                    .ok_or_else(AppError::not_found)?;
                events::append(
                    conn,
                    events::NewEvent::new(
                        actor.logged(),
                        Entity::FieldOfStudy,
                        id,
                        "SET_ELIGIBILITY",
                    )
                    .with_data(serde_json::json!({ "eligible": eligible })),
                )
                .await?;
                Ok(field)
            })
            .await?;
        Ok(FieldOfStudy(field))
    }

    /// Sets the review fee of a kind of request, in Rials (1 to 2,147,483,647, the range of
    /// GraphQL's Int); requests approved from now on are charged it (R9). Admins only.
    async fn set_review_fee(
        &self,
        ctx: &Context<'_>,
        kind: RequestKind,
        amount_rials: i32,
    ) -> Result<i32> {
        let actor = Actor::User(caller(ctx).await?);
        if amount_rials <= 0 {
            return Err(AppError::validation(
                "amountRials",
                "the fee must be a positive number of Rials",
                "مبلغ هزینه بررسی باید مثبت باشد",
            )
            .into());
        }
        let mut conn = store::conn(&app(ctx).pool).await?;
        conn.transaction::<_, AppError, _>(async move |conn| {
            store::qualification::set_fee(conn, kind, i64::from(amount_rials)).await?;
            events::append(
                conn,
                events::NewEvent::new(
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
        .await?;
        Ok(amount_rials)
    }
}

/// Admin operations on reference data.
#[derive(Default)]
pub struct AdminReferenceMutation;

fn unknown_university() -> AppError {
    AppError::validation("universityId", "unknown university", "دانشگاه نامعتبر است")
}

//! Officer registration (S0.1, R1) and general info (S1.4, E2).

use chrono::{NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::domain::officer::{self as od, GeneralInfoPatch, QualificationStatus};
use crate::domain::{Actor, Caller, Parties, Role, normalize};
use crate::error::{AppError, AppResult};
use crate::policy::{self, Access, Object};
use crate::store::officers::{self, Officer};
use crate::store::users::User;
use crate::store::{self, DbPool, throttle};

/// What an officer registers with.
#[derive(Debug)]
pub struct Registration {
    pub national_code: String,
    pub birth_date: NaiveDate,
    pub first_name: String,
    pub last_name: String,
    pub mobile: String,
    pub password: String,
    pub email: Option<String>,
}

/// Registers an officer: validates everything first, then one transaction. Returns the
/// account (whose user code the officer signs in with) and the officer.
///
/// Registrations are throttled per client address (`max_per_hour`), counted before any
/// work; no pool connection is held while the password is hashed.
pub async fn register(
    pool: &DbPool,
    input: Registration,
    client_addr: String,
    max_per_hour: i32,
) -> AppResult<(User, Officer)> {
    {
        let mut conn = store::conn(pool).await?;
        let key = format!("register:{client_addr}");
        let (count, resets_in) = throttle::hit(&mut conn, &key, 3600, Utc::now()).await?;
        if count > max_per_hour {
            return Err(AppError::rate_limited(resets_in));
        }
    }
    let national_code = normalize::national_code("nationalCode", &input.national_code)?;
    let today = Utc::now().date_naive();
    let birth_date = od::birth_date("birthDate", input.birth_date, today)?;
    let first_name = od::person_name("firstName", &input.first_name)?;
    let last_name = od::person_name("lastName", &input.last_name)?;
    let mobile = normalize::mobile("mobile", &input.mobile)?;
    let email = match input
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        Some(e) => Some(normalize::email("email", e)?),
        None => None,
    };
    normalize::password_policy("password", &input.password)?;
    let password = input.password;
    let password_hash = super::accounts::hash_password(password).await?;
    let now = Utc::now();
    let officer = Officer {
        id: Uuid::new_v4(),
        user_id: Uuid::nil(),
        national_code,
        birth_date,
        first_name,
        last_name,
        father_name: None,
        gender: None,
        birth_certificate_number: None,
        phone: None,
        mobile,
        email,
        postal_address: None,
        province_id: None,
        city_id: None,
        field_of_study_id: None,
        degree_level: None,
        qualification_status: QualificationStatus::NotQualified,
        qualified_at: None,
        created_at: now,
        updated_at: now,
    };
    let mut conn = store::conn(pool).await?;
    officers::register(&mut conn, officer, password_hash, client_addr).await
}

/// An officer as `caller` may see it, and how much; `NOT_FOUND` when not at all (also when
/// there is no such officer). The parties come from the database facts the policy needs:
/// for a reviewer, whether one of the officer's requests was routed to its university.
pub async fn visible(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    officer_id: Uuid,
) -> AppResult<(Officer, Access)> {
    let officer = officers::find(conn, officer_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let mut parties = Parties {
        officer: Some(officer.id),
        ..Parties::default()
    };
    if let (Role::UniversityReviewer, Some(u)) = (caller.role, caller.university_id)
        && officers::routed_to_university(conn, officer.id, u).await?
    {
        parties.university = Some(u);
    }
    if let (Role::Distributor, Some(d)) = (caller.role, caller.distributor_id)
        && crate::store::cooperation::linked(conn, d, officer.id).await?
    {
        parties.distributor = Some(d);
    }
    match policy::access_to(caller, Object::Officer, &parties) {
        Access::Hidden => Err(AppError::not_found()),
        access => Ok((officer, access)),
    }
}

/// Changes E2 items, refused while a request is open (S1.4).
pub async fn update_general_info(
    conn: &mut AsyncPgConnection,
    officer_id: Uuid,
    caller: &Caller,
    patch: GeneralInfoPatch,
) -> AppResult<Officer> {
    let patch = patch.validate()?;
    officers::update_general_info(conn, officer_id, &Actor::User(*caller), patch).await
}

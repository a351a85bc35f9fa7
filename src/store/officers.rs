//! Officers.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::events::{self, NewEvent};
use super::schema::{officers, qualification_requests, users};
use super::users::{NewUser, User};
use crate::domain::officer::{
    DegreeLevel, Gender, GeneralInfoPatch, OfficerAction, QualificationStatus,
};
use crate::domain::qualification::Status;
use crate::domain::{Actor, Entity, Role};
use crate::error::{AppError, AppResult};

/// An officer as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = officers)]
pub struct Officer {
    pub id: Uuid,
    pub user_id: Uuid,
    pub national_code: String,
    pub birth_date: NaiveDate,
    pub first_name: String,
    pub last_name: String,
    pub father_name: Option<String>,
    pub gender: Option<Gender>,
    pub birth_certificate_number: Option<String>,
    pub phone: Option<String>,
    pub mobile: String,
    pub email: Option<String>,
    pub postal_address: Option<String>,
    pub province_id: Option<i32>,
    pub city_id: Option<i32>,
    pub field_of_study_id: Option<i32>,
    pub degree_level: Option<DegreeLevel>,
    pub qualification_status: QualificationStatus,
    pub qualified_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Officer {
    /// Whether the officer is qualified.
    pub fn is_qualified(&self) -> bool {
        self.qualification_status == QualificationStatus::Qualified
    }
}

/// Registers an officer with its account, in one transaction. The user code comes from a
/// sequence. A national code registered already (also by a concurrent registration) is a
/// `CONFLICT` (R1).
pub async fn register(
    conn: &mut AsyncPgConnection,
    mut officer: Officer,
    password_hash: String,
    client_addr: String,
) -> AppResult<(User, Officer)> {
    conn.transaction::<_, AppError, _>(async move |conn| {
        let seq: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
            "nextval('officer_user_code_seq')",
        ))
        .get_result(conn)
        .await?;
        let user_code = seq.to_string();
        let display_name = format!("{} {}", officer.first_name, officer.last_name);
        let user = super::users::insert(
            conn,
            &NewUser {
                id: Uuid::new_v4(),
                user_code: &user_code,
                password_hash: &password_hash,
                role: Role::Officer,
                display_name: &display_name,
                university_id: None,
                distributor_id: None,
            },
        )
        .await?;
        officer.user_id = user.id;
        diesel::insert_into(officers::table)
            .values(&officer)
            .execute(conn)
            .await
            .map_err(|e| {
                if super::is_unique_violation(&e) {
                    AppError::conflict(
                        "an officer with this national code is registered already",
                        "با این کد ملی قبلاً ثبت‌نام انجام شده است",
                    )
                } else {
                    e.into()
                }
            })?;
        events::append(
            conn,
            NewEvent::new(
                Some((user.id, Role::Officer)),
                Entity::Officer,
                officer.id,
                OfficerAction::Register.as_str(),
            )
            .with_data(serde_json::json!({ "userCode": user.user_code, "clientAddr": client_addr }))
            .for_cartables(Some(officer.id), None),
        )
        .await?;
        Ok((user, officer))
    })
    .await
}

/// The officers of some user accounts.
pub async fn by_users(conn: &mut AsyncPgConnection, user_ids: &[Uuid]) -> AppResult<Vec<Officer>> {
    Ok(officers::table
        .filter(officers::user_id.eq_any(user_ids))
        .select(Officer::as_select())
        .load(conn)
        .await?)
}

/// Officers by id.
pub async fn by_ids(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> AppResult<Vec<Officer>> {
    Ok(officers::table
        .filter(officers::id.eq_any(ids))
        .select(Officer::as_select())
        .load(conn)
        .await?)
}

/// One officer by id.
pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<Officer>> {
    Ok(officers::table
        .find(id)
        .select(Officer::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The officer of a national code.
pub async fn by_national_code(
    conn: &mut AsyncPgConnection,
    national_code: &str,
) -> AppResult<Option<Officer>> {
    Ok(officers::table
        .filter(officers::national_code.eq(national_code))
        .select(Officer::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Whether a university has (or had) one of the officer's requests: its reviewers may then
/// read the officer.
pub async fn routed_to_university(
    conn: &mut AsyncPgConnection,
    officer_id: Uuid,
    university_id: i32,
) -> AppResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        qualification_requests::table
            .filter(qualification_requests::officer_id.eq(officer_id))
            .filter(qualification_requests::university_id.eq(university_id)),
    ))
    .get_result(conn)
    .await?)
}

/// Applies general-info changes, unless a request is open (S1.4); writes the event with
/// the fields changed. Locks the officer row, so a request started concurrently waits.
pub async fn update_general_info(
    conn: &mut AsyncPgConnection,
    officer_id: Uuid,
    actor: &Actor,
    patch: GeneralInfoPatch,
) -> AppResult<Officer> {
    conn.transaction::<_, AppError, _>(async move |conn| {
        let _locked: Uuid = officers::table
            .find(officer_id)
            .select(officers::id)
            .for_update()
            .first(conn)
            .await?;
        let open: Option<Status> = qualification_requests::table
            .filter(qualification_requests::officer_id.eq(officer_id))
            .filter(qualification_requests::status.ne_all([Status::Rejected, Status::Completed, Status::Cancelled]))
            .select(qualification_requests::status)
            .first(conn)
            .await
            .optional()?;
        if let Some(status) = open {
            return Err(AppError::invalid_state(
                format!(
                    "a qualification request is in progress ({}): general info cannot change until it ends; put the changes in the request instead",
                    status.as_str()
                ),
                "درخواست احراز صلاحیت شما در گردش است؛ تا پایان آن، تغییر اطلاعات عمومی ذخیره نمی‌شود",
            ));
        }
        let set = (
            patch.phone.change().map(|v| officers::phone.eq(v.cloned())),
            patch.mobile.value().map(|v| officers::mobile.eq(v.clone())),
            patch.email.change().map(|v| officers::email.eq(v.cloned())),
            patch
                .postal_address
                .change()
                .map(|v| officers::postal_address.eq(v.cloned())),
            patch
                .father_name
                .change()
                .map(|v| officers::father_name.eq(v.cloned())),
            patch.gender.change().map(|v| officers::gender.eq(v.copied())),
            patch
                .birth_certificate_number
                .change()
                .map(|v| officers::birth_certificate_number.eq(v.cloned())),
            officers::updated_at.eq(diesel::dsl::now),
        );
        let officer = diesel::update(officers::table.find(officer_id))
            .set(set)
            .returning(Officer::as_returning())
            .get_result(conn)
            .await?;
        events::append(
            conn,
            NewEvent::new(actor.logged(), Entity::Officer, officer_id, OfficerAction::UpdateGeneralInfo.as_str())
                .with_data(serde_json::to_value(&patch).unwrap_or_default())
                .for_cartables(Some(officer_id), None),
        )
        .await?;
        Ok(officer)
    })
    .await
}

/// Locks an officer row for the rest of the transaction.
pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Officer> {
    Ok(officers::table
        .find(id)
        .select(Officer::as_select())
        .for_update()
        .first(conn)
        .await?)
}

/// The data a completed request writes to its officer's profile.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = officers, treat_none_as_null = true)]
pub struct Profile {
    pub first_name: String,
    pub last_name: String,
    pub father_name: Option<String>,
    pub gender: Option<Gender>,
    pub birth_certificate_number: Option<String>,
    pub phone: Option<String>,
    pub mobile: String,
    pub email: Option<String>,
    pub postal_address: Option<String>,
    pub province_id: Option<i32>,
    pub city_id: Option<i32>,
    pub field_of_study_id: Option<i32>,
    pub degree_level: Option<DegreeLevel>,
}

/// Writes a profile to an officer (locked by the caller's transaction).
pub async fn set_profile(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    profile: &Profile,
) -> AppResult<Officer> {
    Ok(diesel::update(officers::table.find(id))
        .set((profile, officers::updated_at.eq(diesel::dsl::now)))
        .returning(Officer::as_returning())
        .get_result(conn)
        .await?)
}

/// Marks an officer QUALIFIED, now.
pub async fn qualify(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Officer> {
    Ok(diesel::update(officers::table.find(id))
        .set((
            officers::qualification_status.eq(QualificationStatus::Qualified),
            officers::qualified_at.eq(diesel::dsl::now),
        ))
        .returning(Officer::as_returning())
        .get_result(conn)
        .await?)
}

/// A signed-in account: the user, its officer profile, and when it last wrote.
pub type SignedInRow = (User, Option<Officer>, Option<chrono::DateTime<chrono::Utc>>);

/// The active user of an open session family, with its officer profile: what an access
/// token is worth right now, in one statement. `None` when the account is gone or disabled,
/// or the session was ended (logout, reuse of a refresh token, account disabled).
pub async fn signed_in_user(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    family: Uuid,
) -> AppResult<Option<SignedInRow>> {
    use super::schema::{recent_writes, sessions};
    let open = sessions::table
        .filter(sessions::family_id.eq(family))
        .filter(sessions::user_id.eq(id))
        .filter(sessions::revoked_at.is_null());
    Ok(users::table
        .left_join(officers::table)
        .left_join(recent_writes::table)
        .filter(users::id.eq(id))
        .filter(users::active)
        .filter(diesel::dsl::exists(open))
        .select((
            User::as_select(),
            Option::<Officer>::as_select(),
            recent_writes::written_at.nullable(),
        ))
        .first(conn)
        .await
        .optional()?)
}

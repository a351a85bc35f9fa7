//! Officers: registration, the profile, general info (E2).

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};

use super::context::{ClientAddr, app, current_user, who};
use super::guards::RoleGuard;
use super::scalars::Date;
use super::types::officer::{Officer, Visibility};
use crate::domain::Role;
use crate::domain::officer::Gender;
use crate::error::AppError;
use crate::store::qualification::Who;
use crate::store::{self, officers};
use crate::workflow::officers as wf;

/// Whether `who` may read the officer, and how much. `None`: `NOT_FOUND`.
pub async fn visibility(
    ctx: &Context<'_>,
    who: &Who,
    officer: &officers::Officer,
) -> Result<Option<Visibility>> {
    Ok(match who.role {
        Role::DirectorateAdmin => Some(Visibility::Full),
        Role::Officer => (who.officer_id == Some(officer.id)).then_some(Visibility::Full),
        Role::UniversityReviewer => {
            let Some(university) = who.university_id else {
                return Ok(None);
            };
            let mut conn = store::conn(&app(ctx).pool).await?;
            officers::routed_to_university(&mut conn, officer.id, university)
                .await?
                .then_some(Visibility::Full)
        }
        // Distributors see officers only through a cooperation request or contract that
        // involves them; those arrive with the cooperation workflow.
        Role::Distributor => None,
    })
}

/// What `registerOfficer` returns.
#[derive(SimpleObject)]
pub struct RegisterOfficerPayload {
    /// The user code to sign in with (with the password chosen).
    pub user_code: String,
    /// The new officer.
    pub officer: Officer,
}

/// Registration data (S0.1).
#[derive(InputObject)]
pub struct RegisterOfficerInput {
    /// National code, 10 digits (8–9 are left-padded); Persian digits accepted.
    pub national_code: String,
    /// Birth date (an adult; not in the future).
    pub birth_date: Date,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Mobile: `09..`, `9..`, `+989..`, `00989..`, `989..`.
    pub mobile: String,
    /// Password: at least 8 characters, with a letter and a digit.
    pub password: String,
    /// E-mail (optional).
    pub email: Option<String>,
}

/// General info: the E2 items that change without review. An omitted field stays as it
/// is; `null` clears it (not the mobile).
#[derive(InputObject)]
pub struct GeneralInfoInput {
    /// Landline.
    pub phone: MaybeUndefined<String>,
    /// Mobile.
    pub mobile: MaybeUndefined<String>,
    /// E-mail.
    pub email: MaybeUndefined<String>,
    /// Postal address.
    pub postal_address: MaybeUndefined<String>,
    /// Father's name.
    pub father_name: MaybeUndefined<String>,
    /// Gender.
    pub gender: MaybeUndefined<Gender>,
    /// Birth-certificate number.
    pub birth_certificate_number: MaybeUndefined<String>,
}

/// Officer queries.
#[derive(Default)]
pub struct OfficersQuery;

#[Object]
impl OfficersQuery {
    /// An officer, to those who may see it: the officer, reviewers of a university that has one
    /// of the officer's requests, admins. `NOT_FOUND` for anyone else.
    #[graphql(guard = "super::guards::SignedIn")]
    async fn officer(&self, ctx: &Context<'_>, id: ID) -> Result<Officer> {
        let who = who(ctx).await?;
        let id = id
            .parse::<uuid::Uuid>()
            .map_err(|_| AppError::not_found())?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        let row = officers::find(&mut conn, id)
            .await?
            .ok_or_else(AppError::not_found)?;
        drop(conn);
        match visibility(ctx, &who, &row).await? {
            Some(visibility) => Ok(Officer { row, visibility }),
            None => Err(AppError::not_found().into()),
        }
    }
}

/// Officer mutations.
#[derive(Default)]
pub struct OfficersMutation;

#[Object]
impl OfficersMutation {
    /// Registers an officer (public). One registration per national code (R1): a second one
    /// is `CONFLICT`. Returns the user code to sign in with.
    async fn register_officer(
        &self,
        ctx: &Context<'_>,
        input: RegisterOfficerInput,
    ) -> Result<RegisterOfficerPayload> {
        let addr = ctx
            .data_opt::<ClientAddr>()
            .map(|a| a.0.clone())
            .unwrap_or_default();
        let mut conn = store::conn(&app(ctx).pool).await?;
        let (user, row) = wf::register(
            &mut conn,
            wf::Registration {
                national_code: input.national_code,
                birth_date: input.birth_date.0,
                first_name: input.first_name,
                last_name: input.last_name,
                mobile: input.mobile,
                password: input.password,
                email: input.email,
            },
            addr,
        )
        .await?;
        Ok(RegisterOfficerPayload {
            user_code: user.user_code,
            officer: Officer {
                row,
                visibility: Visibility::Full,
            },
        })
    }

    /// Changes general info (E2 items only: names, education, place and documents change
    /// through an amendment). Refused with `INVALID_STATE` while a qualification request is
    /// in progress (S1.4).
    #[graphql(guard = "RoleGuard::new(&[Role::Officer])")]
    async fn update_general_info(
        &self,
        ctx: &Context<'_>,
        input: GeneralInfoInput,
    ) -> Result<Officer> {
        let user = current_user(ctx)?;
        let who = who(ctx).await?;
        let officer_id = who.officer_id.ok_or_else(AppError::not_found)?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        let row = wf::update_general_info(
            &mut conn,
            officer_id,
            (user.id, user.role),
            wf::GeneralInfo {
                phone: input.phone,
                mobile: input.mobile,
                email: input.email,
                postal_address: input.postal_address,
                father_name: input.father_name,
                gender: input.gender,
                birth_certificate_number: input.birth_certificate_number,
            },
        )
        .await?;
        Ok(Officer {
            row,
            visibility: Visibility::Full,
        })
    }
}

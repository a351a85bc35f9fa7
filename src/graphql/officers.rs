//! Officers: registration, the profile, general info (E2).

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};

use super::context::{ClientAddr, app, caller, client_addr};
use super::reference::patch;
use super::scalars::Date;
use super::types::officer::Officer;
use super::types::verification::OfficerVerification;
use crate::domain::officer::{Gender, GeneralInfoPatch};
use crate::error::AppError;
use crate::policy::Access;
use crate::store::{self};
use crate::workflow::officers as wf;
use crate::workflow::verification;

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

impl From<GeneralInfoInput> for GeneralInfoPatch {
    fn from(i: GeneralInfoInput) -> Self {
        Self {
            phone: patch(i.phone),
            mobile: patch(i.mobile),
            email: patch(i.email),
            postal_address: patch(i.postal_address),
            father_name: patch(i.father_name),
            gender: patch(i.gender),
            birth_certificate_number: patch(i.birth_certificate_number),
        }
    }
}

/// Officer queries.
#[derive(Default)]
pub struct OfficersQuery;

#[Object]
impl OfficersQuery {
    /// Public verification of a national code (Persian digits accepted): the qualification
    /// status, the name masked and the distributors of the officer's active contracts, for a
    /// QUALIFIED officer; `null` for any other code (unknown, invalid or not qualified look
    /// the same). Throttled per client address (`RATE_LIMITED`).
    async fn verify_officer(
        &self,
        ctx: &Context<'_>,
        national_code: String,
    ) -> Result<Option<OfficerVerification>> {
        let app = app(ctx);
        let addr = client_addr(ctx);
        {
            let mut conn = store::conn(&app.pool).await?;
            verification::throttle(&mut conn, &addr, app.config.verify_max_per_minute).await?;
        }
        let mut conn = crate::graphql::context::read_conn(ctx).await?;
        let found = verification::verify(&mut conn, &national_code).await?;
        Ok(found.map(Into::into))
    }

    /// An officer, to those who may see it: the officer, reviewers of a university that has one
    /// of the officer's requests, admins, and a distributor through one of its cooperation
    /// requests or contracts (only what a branch needs). `NOT_FOUND` for anyone else.
    async fn officer(&self, ctx: &Context<'_>, id: ID) -> Result<Officer> {
        let caller = caller(ctx).await?;
        let id = id
            .parse::<uuid::Uuid>()
            .map_err(|_| AppError::not_found())?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        let (row, visibility) = wf::visible(&mut conn, &caller, id).await?;
        Ok(Officer { row, visibility })
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
        let app = app(ctx);
        let (user, row) = wf::register(
            &app.pool,
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
            app.config.register_max_per_hour,
        )
        .await?;
        Ok(RegisterOfficerPayload {
            user_code: user.user_code,
            officer: Officer {
                row,
                visibility: Access::Full,
            },
        })
    }

    /// Changes general info (E2 items only: names, education, place and documents change
    /// through an amendment). Refused with `INVALID_STATE` while a qualification request is
    /// in progress (S1.4).
    async fn update_general_info(
        &self,
        ctx: &Context<'_>,
        input: GeneralInfoInput,
    ) -> Result<Officer> {
        let caller = caller(ctx).await?;
        let officer_id = caller.officer_id.ok_or_else(AppError::not_found)?;
        let mut conn = store::conn(&app(ctx).pool).await?;
        let row = wf::update_general_info(&mut conn, officer_id, &caller, input.into()).await?;
        Ok(Officer {
            row,
            visibility: Access::Full,
        })
    }
}

//! Officers: registration, the profile, general info (E2).

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use super::context::{ClientAddr, app, current_user, who};
use super::guards::RoleGuard;
use super::loaders::{CityId, FieldOfStudyId, Loaders};
use super::qualification::Document;
use super::reference::{City, FieldOfStudy, Province, province};
use super::scalars::Date;
use crate::domain::officer::{DegreeLevel, Gender, QualificationStatus};
use crate::domain::{Role, jalali};
use crate::error::AppError;
use crate::store::qualification::Who;
use crate::store::{self, officers};
use crate::workflow::officers as wf;

/// How much of an officer the viewer may see.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Everything: the officer, reviewers of a university with one of its requests, admins.
    Full,
    /// Without private fields (birth certificate number, phone, address, father's name): a
    /// distributor through a cooperation request or contract.
    Limited,
}

/// A technical officer (مسئول فنی).
pub struct Officer {
    /// The stored officer.
    pub row: officers::Officer,
    /// What the viewer may see.
    pub visibility: Visibility,
}

impl Officer {
    fn private<T: Clone>(&self, v: &Option<T>) -> Option<T> {
        match self.visibility {
            Visibility::Full => v.clone(),
            Visibility::Limited => None,
        }
    }
}

#[Object]
impl Officer {
    /// Opaque id.
    async fn id(&self) -> ID {
        ID(self.row.id.to_string())
    }
    /// National code (کد ملی), 10 digits; never changes (E1).
    async fn national_code(&self) -> &str {
        &self.row.national_code
    }
    /// Birth date; never changes (E1).
    async fn birth_date(&self) -> Date {
        Date(self.row.birth_date)
    }
    /// Birth date in the Jalali calendar, `YYYY/MM/DD`.
    async fn birth_date_jalali(&self) -> String {
        jalali::date(self.row.birth_date)
    }
    /// First name.
    async fn first_name(&self) -> &str {
        &self.row.first_name
    }
    /// Last name.
    async fn last_name(&self) -> &str {
        &self.row.last_name
    }
    /// Father's name (private).
    async fn father_name(&self) -> Option<String> {
        self.private(&self.row.father_name)
    }
    /// Gender.
    async fn gender(&self) -> Option<Gender> {
        self.row.gender
    }
    /// Birth-certificate number (private).
    async fn birth_certificate_number(&self) -> Option<String> {
        self.private(&self.row.birth_certificate_number)
    }
    /// Landline (private).
    async fn phone(&self) -> Option<String> {
        self.private(&self.row.phone)
    }
    /// Mobile, `09xxxxxxxxx`.
    async fn mobile(&self) -> &str {
        &self.row.mobile
    }
    /// E-mail.
    async fn email(&self) -> Option<&str> {
        self.row.email.as_deref()
    }
    /// Postal address (private).
    async fn postal_address(&self) -> Option<String> {
        self.private(&self.row.postal_address)
    }
    /// Province of residence (set by the first qualification).
    async fn province(&self, ctx: &Context<'_>) -> Result<Option<Province>> {
        match self.row.province_id {
            Some(id) => Ok(Some(province(ctx, id).await?)),
            None => Ok(None),
        }
    }
    /// City of residence.
    async fn city(&self, ctx: &Context<'_>) -> Result<Option<City>> {
        let Some(id) = self.row.city_id else {
            return Ok(None);
        };
        Ok(ctx
            .data_unchecked::<Loaders>()
            .load_one(CityId(id))
            .await?
            .map(City))
    }
    /// Field of study.
    async fn field_of_study(&self, ctx: &Context<'_>) -> Result<Option<FieldOfStudy>> {
        let Some(id) = self.row.field_of_study_id else {
            return Ok(None);
        };
        Ok(ctx
            .data_unchecked::<Loaders>()
            .load_one(FieldOfStudyId(id))
            .await?
            .map(FieldOfStudy))
    }
    /// Level of study.
    async fn degree_level(&self) -> Option<DegreeLevel> {
        self.row.degree_level
    }
    /// Whether the officer is qualified (R9: once the fee of the NEW request is paid).
    async fn qualification_status(&self) -> QualificationStatus {
        self.row.qualification_status
    }
    /// When the officer was qualified.
    async fn qualified_at(&self) -> Option<DateTime<Utc>> {
        self.row.qualified_at
    }
    /// When the officer was qualified, Jalali, Tehran time.
    async fn qualified_at_jalali(&self) -> Option<String> {
        self.row.qualified_at.map(jalali::datetime)
    }
    /// When the officer registered.
    async fn registered_at(&self) -> DateTime<Utc> {
        self.row.created_at
    }
    /// When the officer registered, Jalali, Tehran time.
    async fn registered_at_jalali(&self) -> String {
        jalali::datetime(self.row.created_at)
    }
    /// The documents of the officer's file (those of completed requests; a later amendment
    /// replaces documents of the same kind).
    async fn documents(&self, ctx: &Context<'_>) -> Result<Vec<Document>> {
        if self.visibility == Visibility::Limited {
            return Ok(Vec::new());
        }
        let mut conn = store::conn(&app(ctx).pool).await?;
        let rows = store::qualification::current_documents(&mut conn, self.row.id).await?;
        Ok(rows.into_iter().map(Document).collect())
    }
}

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

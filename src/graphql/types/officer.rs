//! A technical officer (مسئول فنی), as much of it as the viewer may see.

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};

use super::document::Document;
use super::reference::{City, FieldOfStudy, Province, province};
use crate::domain::jalali;
use crate::domain::officer::{DegreeLevel, Gender, QualificationStatus};
use crate::error::AppError;
use crate::graphql::context::viewer_scope;
use crate::graphql::loaders::{
    CityId, CurrentDocumentsOfOfficer, FieldOfStudyId, Loaders, OfficerId,
};
use crate::graphql::scalars::Date;
use crate::policy::{self, Access, Object as Kind};
use crate::store::officers;

/// A technical officer (مسئول فنی).
pub struct Officer {
    /// The stored officer.
    pub row: officers::Officer,
    /// What the viewer may see (`Full` or `Limited`).
    pub visibility: Access,
}

/// `0912*****67`: the operator prefix and the last two digits.
fn mask_mobile(mobile: &str) -> String {
    let chars: Vec<char> = mobile.chars().collect();
    if chars.len() < 6 {
        return "*".repeat(chars.len());
    }
    let (head, rest) = chars.split_at(4);
    let (middle, tail) = rest.split_at(rest.len() - 2);
    format!(
        "{}{}{}",
        head.iter().collect::<String>(),
        "*".repeat(middle.len()),
        tail.iter().collect::<String>()
    )
}

impl Officer {
    fn private<T: Clone>(&self, v: &Option<T>) -> Option<T> {
        match self.visibility {
            Access::Full => v.clone(),
            Access::Limited | Access::Hidden => None,
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
    /// Mobile, `09xxxxxxxxx` (masked for a distributor).
    async fn mobile(&self) -> String {
        match self.visibility {
            Access::Full => self.row.mobile.clone(),
            // A contact detail: a distributor sees it masked.
            Access::Limited | Access::Hidden => mask_mobile(&self.row.mobile),
        }
    }
    /// E-mail (private).
    async fn email(&self) -> Option<String> {
        self.private(&self.row.email)
    }
    /// Postal address (private).
    async fn postal_address(&self) -> Option<String> {
        self.private(&self.row.postal_address)
    }
    /// Province of residence, set by the first qualification (private).
    async fn province(&self, ctx: &Context<'_>) -> Result<Option<Province>> {
        match self.private(&self.row.province_id) {
            Some(id) => Ok(Some(province(ctx, id).await?)),
            None => Ok(None),
        }
    }
    /// City of residence (private).
    async fn city(&self, ctx: &Context<'_>) -> Result<Option<City>> {
        let Some(id) = self.private(&self.row.city_id) else {
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
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn documents(&self, ctx: &Context<'_>) -> Result<Vec<Document>> {
        if self.visibility != Access::Full {
            return Ok(Vec::new());
        }
        let rows = ctx
            .data_unchecked::<Loaders>()
            .load_one(CurrentDocumentsOfOfficer(self.row.id))
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(Document).collect())
    }
}

/// The officer of an object with these parties, as much as the caller sees of it (a
/// distributor: what a branch needs).
pub async fn officer_of(
    ctx: &Context<'_>,
    officer_id: uuid::Uuid,
    parties: &crate::domain::Parties,
) -> Result<Officer> {
    // What the caller sees of an officer depends on its role and scope only.
    let caller = viewer_scope(ctx).await?;
    let visibility = policy::access_to(&caller, Kind::Officer, parties);
    let row = ctx
        .data_unchecked::<Loaders>()
        .load_one(OfficerId(officer_id))
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(Officer { row, visibility })
}

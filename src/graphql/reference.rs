//! Reference data: provinces, cities, universities, fields of study (public).

use async_graphql::{Context, ID, Object, Result};

use super::context::app;
use super::loaders::{CitiesOfProvince, Loaders, ProvinceId, UniversitiesOfProvince};
use crate::store::{self, reference};

/// A province of Iran.
pub struct Province(pub reference::Province);

#[Object]
impl Province {
    /// Opaque id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// English name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Persian name.
    async fn name_fa(&self) -> &str {
        &self.0.name_fa
    }
    /// Its cities, the capital first.
    async fn cities(&self, ctx: &Context<'_>) -> Result<Vec<City>> {
        let rows = ctx
            .data_unchecked::<Loaders>()
            .load_one(CitiesOfProvince(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(City).collect())
    }
    /// The universities of medical sciences seated in the province.
    async fn universities(&self, ctx: &Context<'_>) -> Result<Vec<University>> {
        let rows = ctx
            .data_unchecked::<Loaders>()
            .load_one(UniversitiesOfProvince(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(University).collect())
    }
}

/// A city.
pub struct City(pub reference::City);

#[Object]
impl City {
    /// Opaque id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// English name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Persian name.
    async fn name_fa(&self) -> &str {
        &self.0.name_fa
    }
    /// Whether it is its province's capital.
    async fn is_capital(&self) -> bool {
        self.0.is_capital
    }
}

/// A university of medical sciences (دانشگاه علوم پزشکی), reviewing the files of the
/// places it covers.
pub struct University(pub reference::University);

#[Object]
impl University {
    /// Opaque id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// English name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Persian name.
    async fn name_fa(&self) -> &str {
        &self.0.name_fa
    }
    /// The province it is seated in.
    async fn province(&self, ctx: &Context<'_>) -> Result<Province> {
        province(ctx, self.0.province_id).await
    }
}

/// Loads a province that must exist (a foreign key guarantees it).
pub async fn province(ctx: &Context<'_>, id: i32) -> Result<Province> {
    ctx.data_unchecked::<Loaders>()
        .load_one(ProvinceId(id))
        .await?
        .map(Province)
        .ok_or_else(|| crate::error::AppError::not_found().into())
}

/// A field of study, and whether the directorate accepts it (R4).
pub struct FieldOfStudy(pub reference::FieldOfStudy);

#[Object]
impl FieldOfStudy {
    /// Opaque id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Stable key, e.g. `BIOMEDICAL_ENGINEERING`.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// English name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Persian name.
    async fn name_fa(&self) -> &str {
        &self.0.name_fa
    }
    /// Whether officers with this field may be qualified.
    async fn eligible(&self) -> bool {
        self.0.eligible
    }
}

/// Public reference queries.
#[derive(Default)]
pub struct ReferenceQuery;

#[Object]
impl ReferenceQuery {
    /// The 31 provinces, by English name. Public.
    async fn provinces(&self, ctx: &Context<'_>) -> Result<Vec<Province>> {
        let mut conn = store::conn(&app(ctx).pool).await?;
        let rows = reference::all_provinces(&mut conn).await?;
        Ok(rows.into_iter().map(Province).collect())
    }

    /// Fields of study with their eligibility, by English name. Public.
    async fn fields_of_study(&self, ctx: &Context<'_>) -> Result<Vec<FieldOfStudy>> {
        let mut conn = store::conn(&app(ctx).pool).await?;
        let rows = reference::all_fields_of_study(&mut conn).await?;
        Ok(rows.into_iter().map(FieldOfStudy).collect())
    }
}

/// Parses an integer reference id given by a client.
pub fn parse_ref_id(field: &str, id: &ID) -> crate::error::AppResult<i32> {
    crate::domain::normalize::fold_digits(id.as_str())
        .trim()
        .parse()
        .map_err(|_| crate::error::AppError::validation(field, "unknown id", "شناسه نامعتبر است"))
}

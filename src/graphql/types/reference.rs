//! Reference data: provinces, cities, universities, fields of study.

use async_graphql::{Context, ID, Object, Result};

use crate::graphql::loaders::{CitiesOfProvince, Loaders, ProvinceId, UniversitiesOfProvince};
use crate::store::reference;

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

//! Reference data: provinces, cities, universities, fields of study (public).

use async_graphql::{Context, ID, Object, Result};

use super::context::app;
use super::types::reference::{FieldOfStudy, Province};
use crate::store::{self, reference};

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

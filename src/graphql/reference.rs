//! Reference data: provinces, cities, universities, fields of study (public).

use async_graphql::{Context, ID, Object, Result};

use super::types::reference::{FieldOfStudy, Province};
use crate::domain::Patch;
use crate::store::reference;

/// Public reference queries.
#[derive(Default)]
pub struct ReferenceQuery;

#[Object]
impl ReferenceQuery {
    /// The 31 provinces, by English name. Public.
    async fn provinces(&self, ctx: &Context<'_>) -> Result<Vec<Province>> {
        let mut conn = crate::graphql::context::read_conn(ctx).await?;
        let rows = reference::all_provinces(&mut conn).await?;
        Ok(rows.into_iter().map(Province).collect())
    }

    /// Fields of study with their eligibility, by English name. Public.
    async fn fields_of_study(&self, ctx: &Context<'_>) -> Result<Vec<FieldOfStudy>> {
        let mut conn = crate::graphql::context::read_conn(ctx).await?;
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

/// A change of one field, from an input field: omitted keeps it, `null` clears it.
pub fn patch<T: async_graphql::InputType>(v: async_graphql::MaybeUndefined<T>) -> Patch<T> {
    match v {
        async_graphql::MaybeUndefined::Undefined => Patch::Keep,
        async_graphql::MaybeUndefined::Null => Patch::Clear,
        async_graphql::MaybeUndefined::Value(x) => Patch::Set(x),
    }
}

/// A change of a reference id (provinces, cities, fields of study).
pub fn ref_patch(
    field: &str,
    v: async_graphql::MaybeUndefined<ID>,
) -> crate::error::AppResult<Patch<i32>> {
    Ok(match patch(v) {
        Patch::Keep => Patch::Keep,
        Patch::Clear => Patch::Clear,
        Patch::Set(id) => Patch::Set(parse_ref_id(field, &id)?),
    })
}

//! Reference data: provinces, cities, universities, fields of study.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema::{cities, fields_of_study, provinces, universities, university_coverage};
use crate::error::AppResult;

/// A province.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = provinces)]
pub struct Province {
    pub id: i32,
    pub name: String,
    pub name_fa: String,
}

/// A city.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cities)]
pub struct City {
    pub id: i32,
    pub province_id: i32,
    pub name: String,
    pub name_fa: String,
    pub is_capital: bool,
}

/// A university of medical sciences.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = universities)]
pub struct University {
    pub id: i32,
    pub province_id: i32,
    pub name: String,
    pub name_fa: String,
}

/// A field of study, with its eligibility (R4).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = fields_of_study)]
pub struct FieldOfStudy {
    pub id: i32,
    pub code: String,
    pub name: String,
    pub name_fa: String,
    pub eligible: bool,
}

/// All provinces, by English name.
pub async fn all_provinces(conn: &mut AsyncPgConnection) -> AppResult<Vec<Province>> {
    Ok(provinces::table
        .order(provinces::name)
        .select(Province::as_select())
        .load(conn)
        .await?)
}

/// Provinces by id.
pub async fn provinces_by_ids(
    conn: &mut AsyncPgConnection,
    ids: &[i32],
) -> AppResult<Vec<Province>> {
    Ok(provinces::table
        .filter(provinces::id.eq_any(ids))
        .select(Province::as_select())
        .load(conn)
        .await?)
}

/// Cities by id.
pub async fn cities_by_ids(conn: &mut AsyncPgConnection, ids: &[i32]) -> AppResult<Vec<City>> {
    Ok(cities::table
        .filter(cities::id.eq_any(ids))
        .select(City::as_select())
        .load(conn)
        .await?)
}

/// The cities of some provinces, capital first, then by English name.
pub async fn cities_of_provinces(
    conn: &mut AsyncPgConnection,
    province_ids: &[i32],
) -> AppResult<Vec<City>> {
    Ok(cities::table
        .filter(cities::province_id.eq_any(province_ids))
        .order((cities::is_capital.desc(), cities::name))
        .select(City::as_select())
        .load(conn)
        .await?)
}

/// Universities by id.
pub async fn universities_by_ids(
    conn: &mut AsyncPgConnection,
    ids: &[i32],
) -> AppResult<Vec<University>> {
    Ok(universities::table
        .filter(universities::id.eq_any(ids))
        .select(University::as_select())
        .load(conn)
        .await?)
}

/// The universities seated in some provinces, by id.
pub async fn universities_of_provinces(
    conn: &mut AsyncPgConnection,
    province_ids: &[i32],
) -> AppResult<Vec<University>> {
    Ok(universities::table
        .filter(universities::province_id.eq_any(province_ids))
        .order(universities::id)
        .select(University::as_select())
        .load(conn)
        .await?)
}

/// All fields of study, by English name.
pub async fn all_fields_of_study(conn: &mut AsyncPgConnection) -> AppResult<Vec<FieldOfStudy>> {
    Ok(fields_of_study::table
        .order(fields_of_study::name)
        .select(FieldOfStudy::as_select())
        .load(conn)
        .await?)
}

/// One city, if it exists.
pub async fn city(conn: &mut AsyncPgConnection, id: i32) -> AppResult<Option<City>> {
    Ok(cities::table
        .find(id)
        .select(City::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Whether a university exists.
pub async fn university_exists(conn: &mut AsyncPgConnection, id: i32) -> AppResult<bool> {
    Ok(
        diesel::select(diesel::dsl::exists(universities::table.find(id)))
            .get_result(conn)
            .await?,
    )
}

/// Fields of study by id.
pub async fn fields_by_ids(
    conn: &mut AsyncPgConnection,
    ids: &[i32],
) -> AppResult<Vec<FieldOfStudy>> {
    Ok(fields_of_study::table
        .filter(fields_of_study::id.eq_any(ids))
        .select(FieldOfStudy::as_select())
        .load(conn)
        .await?)
}

/// Sets the eligibility of a field of study (R4); returns it, or `None` when unknown.
pub async fn set_field_eligibility(
    conn: &mut AsyncPgConnection,
    id: i32,
    eligible: bool,
) -> AppResult<Option<FieldOfStudy>> {
    Ok(diesel::update(fields_of_study::table.find(id))
        .set(fields_of_study::eligible.eq(eligible))
        .returning(FieldOfStudy::as_returning())
        .get_result(conn)
        .await
        .optional()?)
}

/// The university reviewing files of a city: the city's own coverage, else its province's
/// default (R2).
pub async fn route(
    conn: &mut AsyncPgConnection,
    province_id: i32,
    city_id: i32,
) -> AppResult<Option<i32>> {
    let by_city: Option<i32> = university_coverage::table
        .filter(university_coverage::city_id.eq(city_id))
        .select(university_coverage::university_id)
        .first(conn)
        .await
        .optional()?;
    if by_city.is_some() {
        return Ok(by_city);
    }
    Ok(university_coverage::table
        .filter(university_coverage::province_id.eq(province_id))
        .filter(university_coverage::city_id.is_null())
        .select(university_coverage::university_id)
        .first(conn)
        .await
        .optional()?)
}

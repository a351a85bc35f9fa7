//! The legacy migration's queries (`officer-registry import-legacy`): what the registry holds
//! for a batch of rows, set-based inserts, and the updates of rows imported before.
//!
//! Each imported row keeps the values it was imported with (`legacy_*.imported`, by field
//! name, as text); the registry's current values are read in the same shape
//! ([`Values`]), so that the workflow compares the three field by field.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{legacy_assignments, legacy_distributors, legacy_officers};
use crate::error::AppResult;
use crate::legacy::ReferenceData;

/// Field name → value as text (`None` for empty), as imported or as the registry has it.
pub type Values = BTreeMap<String, Option<String>>;

/// A JSON object of text values as [`Values`] (other JSON kinds are left out).
pub fn values_of(json: &serde_json::Value) -> Values {
    json.as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_str().map(str::to_owned)))
                .collect()
        })
        .unwrap_or_default()
}

/// [`Values`] as a JSON object (null for `None`).
pub fn json_of(values: &Values) -> serde_json::Value {
    serde_json::Value::Object(
        values
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.clone().map_or(serde_json::Value::Null, Into::into),
                )
            })
            .collect(),
    )
}

/// Takes the lock of the legacy import for the rest of the transaction: two imports never run
/// at once.
pub async fn lock_import(conn: &mut AsyncPgConnection) -> AppResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(727016)")
        .execute(conn)
        .await?;
    Ok(())
}

/// Provinces, cities and fields of study, for the name matching.
pub async fn reference_data(conn: &mut AsyncPgConnection) -> AppResult<ReferenceData> {
    use super::schema::{cities, fields_of_study, provinces};
    let p: Vec<(i32, String)> = provinces::table
        .select((provinces::id, provinces::name_fa))
        .load(conn)
        .await?;
    let c: Vec<(i32, i32, String)> = cities::table
        .select((cities::id, cities::province_id, cities::name_fa))
        .load(conn)
        .await?;
    let f: Vec<(i32, String)> = fields_of_study::table
        .select((fields_of_study::id, fields_of_study::name_fa))
        .load(conn)
        .await?;
    Ok(ReferenceData::new(p, c, f))
}

/// The accounts that hold some user codes: `(user_code, user id)`.
pub async fn users_by_codes(
    conn: &mut AsyncPgConnection,
    codes: &[String],
) -> AppResult<Vec<(String, Uuid)>> {
    use super::schema::users;
    Ok(users::table
        .filter(users::user_code.eq_any(codes))
        .select((users::user_code, users::id))
        .load(conn)
        .await?)
}

/// An officer of the registry that has the national code of a row.
#[derive(Debug, QueryableByName)]
pub struct OfficerState {
    #[diesel(sql_type = Text)]
    pub national_code: String,
    #[diesel(sql_type = SqlUuid)]
    pub officer_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub user_id: Uuid,
    /// The imported values; `None` when the officer registered in the new system.
    #[diesel(sql_type = Nullable<Jsonb>)]
    pub imported: Option<serde_json::Value>,
    /// The registry's values, in the shape of `imported`.
    #[diesel(sql_type = Jsonb)]
    pub current: serde_json::Value,
}

/// The officers with some national codes, imported or not.
pub async fn officers_by_national_codes(
    conn: &mut AsyncPgConnection,
    codes: &[String],
) -> AppResult<Vec<OfficerState>> {
    Ok(diesel::sql_query(
        "SELECT o.national_code, o.id AS officer_id, o.user_id, lo.imported, \
           jsonb_build_object( \
             'user_code', u.user_code, 'first_name', o.first_name, 'last_name', o.last_name, \
             'father_name', o.father_name, 'gender', o.gender, 'birth_date', o.birth_date::text, \
             'mobile', o.mobile, 'phone', o.phone, 'email', o.email, \
             'postal_address', o.postal_address, 'province_id', o.province_id::text, \
             'city_id', o.city_id::text, 'field_of_study_id', o.field_of_study_id::text, \
             'degree_level', o.degree_level, 'password', u.password_hash, \
             'qualified', CASE WHEN o.qualification_status = 'QUALIFIED' THEN '1' ELSE '0' END, \
             'qualified_at', extract(epoch FROM o.qualified_at)::bigint::text \
           ) AS current \
         FROM officers o \
         JOIN users u ON u.id = o.user_id \
         LEFT JOIN legacy_officers lo ON lo.officer_id = o.id \
         WHERE o.national_code = ANY($1)",
    )
    .bind::<Array<Text>, _>(codes)
    .load(conn)
    .await?)
}

/// What an imported officer row becomes.
#[derive(Debug, Insertable)]
#[diesel(table_name = legacy_officers)]
pub struct NewLegacyOfficer {
    pub officer_id: Uuid,
    pub national_code: String,
    pub user_id: Uuid,
    pub imported: serde_json::Value,
}

/// What an imported distributor row becomes.
#[derive(Debug, Insertable)]
#[diesel(table_name = legacy_distributors)]
pub struct NewLegacyDistributor {
    pub legacy_id: String,
    pub distributor_id: Uuid,
    pub user_id: Uuid,
    pub imported: serde_json::Value,
}

/// What an imported assignment row becomes.
#[derive(Debug, Insertable)]
#[diesel(table_name = legacy_assignments)]
pub struct NewLegacyAssignment {
    pub officer_id: Uuid,
    pub distributor_id: Uuid,
    pub contract_id: Uuid,
    pub started_at: DateTime<Utc>,
}

/// Inserts rows in one statement (none when `rows` is empty).
macro_rules! insert_all {
    ($conn:expr, $table:expr, $rows:expr) => {{
        let rows = $rows;
        if !rows.is_empty() {
            diesel::insert_into($table)
                .values(rows)
                .execute($conn)
                .await?;
        }
    }};
}

/// Inserts the legacy records of imported officers.
pub async fn insert_officer_records(
    conn: &mut AsyncPgConnection,
    rows: &[NewLegacyOfficer],
) -> AppResult<()> {
    insert_all!(conn, legacy_officers::table, rows);
    Ok(())
}

/// Inserts the legacy records of imported distributors.
pub async fn insert_distributor_records(
    conn: &mut AsyncPgConnection,
    rows: &[NewLegacyDistributor],
) -> AppResult<()> {
    insert_all!(conn, legacy_distributors::table, rows);
    Ok(())
}

/// Inserts the legacy records of imported assignments.
pub async fn insert_assignment_records(
    conn: &mut AsyncPgConnection,
    rows: &[NewLegacyAssignment],
) -> AppResult<()> {
    insert_all!(conn, legacy_assignments::table, rows);
    Ok(())
}

/// Sets some fields of an imported officer to the values of a later export. `fields` names
/// them, `values` holds them as text ([`Values`]); `qualified` makes the officer QUALIFIED.
pub async fn update_officer(
    conn: &mut AsyncPgConnection,
    officer_id: Uuid,
    fields: &[String],
    values: &serde_json::Value,
) -> AppResult<()> {
    diesel::sql_query(
        "UPDATE officers SET \
           first_name = CASE WHEN 'first_name' = ANY($2) THEN $3->>'first_name' ELSE first_name END, \
           last_name = CASE WHEN 'last_name' = ANY($2) THEN $3->>'last_name' ELSE last_name END, \
           father_name = CASE WHEN 'father_name' = ANY($2) THEN $3->>'father_name' ELSE father_name END, \
           gender = CASE WHEN 'gender' = ANY($2) THEN $3->>'gender' ELSE gender END, \
           mobile = CASE WHEN 'mobile' = ANY($2) THEN $3->>'mobile' ELSE mobile END, \
           phone = CASE WHEN 'phone' = ANY($2) THEN $3->>'phone' ELSE phone END, \
           email = CASE WHEN 'email' = ANY($2) THEN $3->>'email' ELSE email END, \
           postal_address = CASE WHEN 'postal_address' = ANY($2) THEN $3->>'postal_address' ELSE postal_address END, \
           province_id = CASE WHEN 'province_id' = ANY($2) THEN ($3->>'province_id')::int ELSE province_id END, \
           city_id = CASE WHEN 'city_id' = ANY($2) THEN ($3->>'city_id')::int ELSE city_id END, \
           field_of_study_id = CASE WHEN 'field_of_study_id' = ANY($2) THEN ($3->>'field_of_study_id')::int ELSE field_of_study_id END, \
           degree_level = CASE WHEN 'degree_level' = ANY($2) THEN $3->>'degree_level' ELSE degree_level END, \
           qualification_status = CASE WHEN 'qualified' = ANY($2) THEN 'QUALIFIED' ELSE qualification_status END, \
           qualified_at = CASE WHEN 'qualified_at' = ANY($2) \
             THEN to_timestamp(($3->>'qualified_at')::bigint) ELSE qualified_at END, \
           updated_at = now() \
         WHERE id = $1",
    )
    .bind::<SqlUuid, _>(officer_id)
    .bind::<Array<Text>, _>(fields)
    .bind::<Jsonb, _>(values)
    .execute(conn)
    .await?;
    Ok(())
}

/// Sets an account's password hash.
pub async fn set_password_hash(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    stored: &str,
) -> AppResult<()> {
    use super::schema::users;
    diesel::update(users::table.find(user_id))
        .set(users::password_hash.eq(stored))
        .execute(conn)
        .await?;
    Ok(())
}

/// Records the values a later export brought for some fields of an imported officer.
pub async fn refresh_officer_record(
    conn: &mut AsyncPgConnection,
    officer_id: Uuid,
    values: &serde_json::Value,
) -> AppResult<()> {
    diesel::sql_query(
        "UPDATE legacy_officers SET imported = imported || $2, updated_at = now() \
         WHERE officer_id = $1",
    )
    .bind::<SqlUuid, _>(officer_id)
    .bind::<Jsonb, _>(values)
    .execute(conn)
    .await?;
    Ok(())
}

/// A distributor of the registry that a distributor row names (by legacy id or, for one not
/// imported yet, by national ID), with its central branch.
#[derive(Debug, QueryableByName)]
pub struct DistributorState {
    /// The row's legacy id, when it was imported before.
    #[diesel(sql_type = Nullable<Text>)]
    pub legacy_id: Option<String>,
    #[diesel(sql_type = Text)]
    pub national_id: String,
    #[diesel(sql_type = SqlUuid)]
    pub distributor_id: Uuid,
    /// The imported account.
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub user_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub central_branch_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Jsonb>)]
    pub imported: Option<serde_json::Value>,
    #[diesel(sql_type = Jsonb)]
    pub current: serde_json::Value,
}

/// The distributors imported with some legacy ids, and those with some national IDs.
pub async fn distributors_for_rows(
    conn: &mut AsyncPgConnection,
    legacy_ids: &[String],
    national_ids: &[String],
) -> AppResult<Vec<DistributorState>> {
    Ok(diesel::sql_query(
        "SELECT ld.legacy_id, d.national_id, d.id AS distributor_id, ld.user_id, \
           b.id AS central_branch_id, ld.imported, \
           jsonb_build_object( \
             'user_code', u.user_code, 'name', d.name, 'kind', d.kind, \
             'national_id', d.national_id, 'manager_mobile', d.manager_mobile, \
             'province_id', b.province_id::text, 'city_id', b.city_id::text, \
             'address', b.address, 'password', u.password_hash \
           ) AS current \
         FROM distributors d \
         LEFT JOIN legacy_distributors ld ON ld.distributor_id = d.id \
         LEFT JOIN users u ON u.id = ld.user_id \
         LEFT JOIN branches b ON b.distributor_id = d.id AND b.is_central \
         WHERE ld.legacy_id = ANY($1) OR d.national_id = ANY($2)",
    )
    .bind::<Array<Text>, _>(legacy_ids)
    .bind::<Array<Text>, _>(national_ids)
    .load(conn)
    .await?)
}

/// Sets some fields of an imported distributor and of its central branch.
pub async fn update_distributor(
    conn: &mut AsyncPgConnection,
    distributor_id: Uuid,
    fields: &[String],
    values: &serde_json::Value,
) -> AppResult<()> {
    diesel::sql_query(
        "UPDATE distributors SET \
           name = CASE WHEN 'name' = ANY($2) THEN $3->>'name' ELSE name END, \
           kind = CASE WHEN 'kind' = ANY($2) THEN $3->>'kind' ELSE kind END, \
           manager_mobile = CASE WHEN 'manager_mobile' = ANY($2) THEN $3->>'manager_mobile' ELSE manager_mobile END \
         WHERE id = $1",
    )
    .bind::<SqlUuid, _>(distributor_id)
    .bind::<Array<Text>, _>(fields)
    .bind::<Jsonb, _>(values)
    .execute(conn)
    .await?;
    diesel::sql_query(
        "UPDATE branches SET \
           address = CASE WHEN 'address' = ANY($2) THEN $3->>'address' ELSE address END, \
           province_id = CASE WHEN 'province_id' = ANY($2) THEN ($3->>'province_id')::int ELSE province_id END, \
           city_id = CASE WHEN 'city_id' = ANY($2) THEN ($3->>'city_id')::int ELSE city_id END \
         WHERE distributor_id = $1 AND is_central",
    )
    .bind::<SqlUuid, _>(distributor_id)
    .bind::<Array<Text>, _>(fields)
    .bind::<Jsonb, _>(values)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records the values a later export brought for some fields of an imported distributor.
pub async fn refresh_distributor_record(
    conn: &mut AsyncPgConnection,
    legacy_id: &str,
    values: &serde_json::Value,
) -> AppResult<()> {
    diesel::sql_query(
        "UPDATE legacy_distributors SET imported = imported || $2, updated_at = now() \
         WHERE legacy_id = $1",
    )
    .bind::<Text, _>(legacy_id)
    .bind::<Jsonb, _>(values)
    .execute(conn)
    .await?;
    Ok(())
}

/// An assignment imported before, with the state of its contract.
#[derive(Debug, QueryableByName)]
pub struct AssignmentState {
    #[diesel(sql_type = SqlUuid)]
    pub officer_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub distributor_id: Uuid,
    #[diesel(sql_type = Timestamptz)]
    pub started_at: DateTime<Utc>,
    /// Whether its contract is still active.
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub active: bool,
}

/// The imported assignments of some officers.
pub async fn assignments_of(
    conn: &mut AsyncPgConnection,
    officer_ids: &[Uuid],
) -> AppResult<Vec<AssignmentState>> {
    Ok(diesel::sql_query(
        "SELECT la.officer_id, la.distributor_id, la.started_at, c.status = 'ACTIVE' AS active \
         FROM legacy_assignments la JOIN contracts c ON c.id = la.contract_id \
         WHERE la.officer_id = ANY($1)",
    )
    .bind::<Array<SqlUuid>, _>(officer_ids)
    .load(conn)
    .await?)
}

#[derive(QueryableByName)]
struct IdCount {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The active contracts of some officers: officer id → how many.
pub async fn active_contracts_of_officers(
    conn: &mut AsyncPgConnection,
    officer_ids: &[Uuid],
) -> AppResult<BTreeMap<Uuid, i64>> {
    let rows: Vec<IdCount> = diesel::sql_query(
        "SELECT officer_id AS id, count(*) AS n FROM contracts \
         WHERE status = 'ACTIVE' AND officer_id = ANY($1) GROUP BY officer_id",
    )
    .bind::<Array<SqlUuid>, _>(officer_ids)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.n)).collect())
}

/// The branches among some that have an active contract.
pub async fn taken_branches(
    conn: &mut AsyncPgConnection,
    branch_ids: &[Uuid],
) -> AppResult<Vec<Uuid>> {
    use super::schema::contracts;
    Ok(contracts::table
        .filter(contracts::branch_id.eq_any(branch_ids))
        .filter(contracts::status.eq("ACTIVE"))
        .select(contracts::branch_id)
        .load(conn)
        .await?)
}

/// An account to insert (owned, for set-based inserts).
#[derive(Debug, Insertable)]
#[diesel(table_name = super::schema::users)]
pub struct NewAccount {
    pub id: Uuid,
    pub user_code: String,
    pub password_hash: String,
    pub role: crate::domain::Role,
    pub display_name: String,
    pub distributor_id: Option<Uuid>,
}

/// Inserts accounts.
pub async fn insert_accounts(conn: &mut AsyncPgConnection, rows: &[NewAccount]) -> AppResult<()> {
    insert_all!(conn, super::schema::users::table, rows);
    Ok(())
}

/// Inserts officers.
pub async fn insert_officers(
    conn: &mut AsyncPgConnection,
    rows: &[super::officers::Officer],
) -> AppResult<()> {
    insert_all!(conn, super::schema::officers::table, rows);
    Ok(())
}

/// Inserts distributors.
pub async fn insert_distributors(
    conn: &mut AsyncPgConnection,
    rows: &[super::distributors::Distributor],
) -> AppResult<()> {
    insert_all!(conn, super::schema::distributors::table, rows);
    Ok(())
}

/// Inserts branches.
pub async fn insert_branches(
    conn: &mut AsyncPgConnection,
    rows: &[super::distributors::Branch],
) -> AppResult<()> {
    insert_all!(conn, super::schema::branches::table, rows);
    Ok(())
}

/// Inserts contracts.
pub async fn insert_contracts(
    conn: &mut AsyncPgConnection,
    rows: &[super::cooperation::Contract],
) -> AppResult<()> {
    insert_all!(conn, super::schema::contracts::table, rows);
    Ok(())
}

/// Appends events.
pub async fn insert_events(
    conn: &mut AsyncPgConnection,
    rows: &[super::events::NewEvent],
) -> AppResult<()> {
    insert_all!(conn, super::schema::events::table, rows);
    Ok(())
}

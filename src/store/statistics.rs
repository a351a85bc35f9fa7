//! The dashboards' figures: cheap aggregates over indexed columns, read in one
//! repeatable-read snapshot so that they agree with each other.
//!
//! Requests per university and status come from `request_counts`, kept by statement-level
//! triggers in the writing transactions: counting them took 110–270 ms per computation at
//! national size (see `benches/README.md`, "statistics"). The rest are counts over partial
//! indexes that read only what they count (overdue files, qualified officers, today's
//! payments, the last 30 days' decisions).

use chrono::{DateTime, Duration, Utc};
use diesel::sql_types::{Array, BigInt, Double, Integer, Nullable, Text, Timestamptz};
use diesel::{QueryableByName, sql_query};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::collections::BTreeMap;

use crate::domain::cooperation::ContractStatus;
use crate::domain::officer::QualificationStatus;
use crate::domain::payment::PaymentStatus;
use crate::domain::qualification::Status;
use crate::domain::statistics::{
    ON_REVIEWER_SIDE, Statistics, StatsScope, UniversityFigures, tehran_day_start,
};
use crate::error::{AppError, AppResult};

#[derive(QueryableByName)]
struct Officers {
    #[diesel(sql_type = BigInt)]
    total: i64,
    #[diesel(sql_type = BigInt)]
    qualified: i64,
}

#[derive(QueryableByName)]
struct ByStatus {
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct UniversityCount {
    #[diesel(sql_type = Integer)]
    university_id: i32,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Median {
    #[diesel(sql_type = Integer)]
    university_id: i32,
    #[diesel(sql_type = Nullable<Double>)]
    hours: Option<f64>,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = Integer)]
    id: i32,
}

fn texts<T: AsRef<str>>(values: &[T]) -> Vec<String> {
    values.iter().map(|v| v.as_ref().to_string()).collect()
}

/// The figures of `scope` at `now`; a file is overdue after waiting `deadline`.
pub async fn compute(
    conn: &mut AsyncPgConnection,
    scope: StatsScope,
    now: DateTime<Utc>,
    deadline: Duration,
) -> AppResult<Statistics> {
    let university = scope.university();
    let cutoff = now - deadline;
    let since = now - Duration::days(30);
    let today = tehran_day_start(now);
    let waiting_statuses = texts(&ON_REVIEWER_SIDE);
    // Written as literals (from the enums) where a partial index's predicate must match.
    let waiting_list = ON_REVIEWER_SIDE
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let qualified = format!("'{}'", QualificationStatus::Qualified.as_str());
    let officers_sql = match university {
        None => format!(
            "SELECT (SELECT count(*) FROM officers) AS total, \
                    (SELECT count(*) FROM officers WHERE qualification_status = {qualified}) AS qualified"
        ),
        Some(_) => format!(
            "SELECT count(*) AS total, count(*) FILTER (WHERE o.qualification_status = {qualified}) AS qualified \
             FROM officers o \
             WHERE o.id IN (SELECT officer_id FROM qualification_requests WHERE university_id = $1)"
        ),
    };
    let overdue_sql = format!(
        "SELECT university_id, count(*) AS n FROM qualification_requests \
         WHERE status IN ({waiting_list}) AND waiting_since < $2 AND university_id IS NOT NULL \
           AND ($1::int IS NULL OR university_id = $1) \
         GROUP BY university_id"
    );
    conn.build_transaction()
        .read_only()
        .repeatable_read()
        .run::<_, AppError, _>(async move |conn| {
            let officers: Officers = sql_query(officers_sql)
                .bind::<Nullable<Integer>, _>(university)
                .get_result(conn)
                .await?;
            // Kept by the writing transactions (table request_counts).
            let by_status: Vec<ByStatus> = sql_query(
                "SELECT status, sum(n)::bigint AS n FROM request_counts \
                 WHERE $1::int IS NULL OR university_id = $1 GROUP BY status",
            )
            .bind::<Nullable<Integer>, _>(university)
            .load(conn)
            .await?;
            let waiting: Vec<UniversityCount> = sql_query(
                "SELECT university_id, sum(n)::bigint AS n FROM request_counts \
                 WHERE status = ANY($2) AND university_id <> 0 \
                   AND ($1::int IS NULL OR university_id = $1) \
                 GROUP BY university_id",
            )
            .bind::<Nullable<Integer>, _>(university)
            .bind::<Array<Text>, _>(&waiting_statuses)
            .load(conn)
            .await?;
            let overdue: Vec<UniversityCount> = sql_query(overdue_sql)
                .bind::<Nullable<Integer>, _>(university)
                .bind::<Timestamptz, _>(cutoff)
                .load(conn)
                .await?;
            let medians: Vec<Median> = sql_query(
                "SELECT university_id, \
                        percentile_cont(0.5) WITHIN GROUP (ORDER BY review_seconds) / 3600.0 AS hours \
                 FROM qualification_requests \
                 WHERE reviewed_at >= $2 AND review_seconds IS NOT NULL AND university_id IS NOT NULL \
                   AND ($1::int IS NULL OR university_id = $1) \
                 GROUP BY university_id",
            )
            .bind::<Nullable<Integer>, _>(university)
            .bind::<Timestamptz, _>(since)
            .load(conn)
            .await?;
            let contracts: Count = sql_query(
                "SELECT count(*) AS n FROM contracts \
                 WHERE status = $2 AND ($1::int IS NULL OR university_id = $1)",
            )
            .bind::<Nullable<Integer>, _>(university)
            .bind::<Text, _>(ContractStatus::Active.as_ref())
            .get_result(conn)
            .await?;
            let payments: Count = sql_query(
                "SELECT count(*) AS n FROM payments p \
                 WHERE p.status = $2 AND p.paid_at >= $3 \
                   AND ($1::int IS NULL OR EXISTS (SELECT 1 FROM qualification_requests r \
                        WHERE r.id = p.request_id AND r.university_id = $1))",
            )
            .bind::<Nullable<Integer>, _>(university)
            .bind::<Text, _>(PaymentStatus::Paid.as_ref())
            .bind::<Timestamptz, _>(today)
            .get_result(conn)
            .await?;
            // Event ids follow commit order: every event up to this one is in the snapshot.
            let last_event: Count = sql_query("SELECT coalesce(max(id), 0) AS n FROM events")
                .get_result(conn)
                .await?;
            let ids: Vec<Id> = sql_query(
                "SELECT id FROM universities WHERE $1::int IS NULL OR id = $1 ORDER BY id",
            )
            .bind::<Nullable<Integer>, _>(university)
            .load(conn)
            .await?;

            let mut counts: BTreeMap<Status, i64> = BTreeMap::new();
            for row in by_status {
                let status = Status::parse(&row.status).ok_or_else(|| {
                    AppError::internal(anyhow::anyhow!("unknown request status {:?}", row.status))
                })?;
                counts.insert(status, row.n);
            }
            let requests_by_status = Status::VARIANTS
                .iter()
                .map(|s| (*s, counts.get(s).copied().unwrap_or(0)))
                .collect();
            let waiting: BTreeMap<i32, i64> =
                waiting.iter().map(|w| (w.university_id, w.n)).collect();
            let overdue: BTreeMap<i32, i64> =
                overdue.iter().map(|w| (w.university_id, w.n)).collect();
            let medians: BTreeMap<i32, Option<f64>> =
                medians.into_iter().map(|m| (m.university_id, m.hours)).collect();
            let universities: Vec<UniversityFigures> = ids
                .into_iter()
                .map(|Id { id }| UniversityFigures {
                    university_id: id,
                    waiting: waiting.get(&id).copied().unwrap_or(0),
                    overdue: overdue.get(&id).copied().unwrap_or(0),
                    median_review_hours: medians.get(&id).copied().flatten(),
                })
                .collect();
            Ok(Statistics {
                as_of: now,
                last_event_id: last_event.n,
                officers: officers.total,
                qualified_officers: officers.qualified,
                requests_by_status,
                overdue_requests: universities.iter().map(|u| u.overdue).sum(),
                active_contracts: contracts.n,
                payments_today: payments.n,
                universities,
            })
        })
        .await
}

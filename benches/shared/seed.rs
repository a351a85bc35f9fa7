//! The national-size data of the benchmarks, seeded with set-based SQL (see
//! `benches/README.md`, `review_load`): reviewers, officers and their accounts, qualification
//! requests with their history, documents and deficiencies. Included by `review_load` and
//! `messages` with `#[path = "shared/seed.rs"] mod seed;`.

use anyhow::{Context as _, Result};
use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use std::time::Instant;

/// Tehran city (covered by Tehran University); a quarter of the officers live there.
pub const TEHRAN_CITY: i32 = 2801;

#[derive(diesel::QueryableByName)]
pub struct Count {
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

#[derive(diesel::QueryableByName)]
pub struct TextRow {
    #[diesel(sql_type = Text)]
    pub t: String,
}

pub async fn count(conn: &mut AsyncPgConnection, sql: &str) -> Result<i64> {
    let row: Count = diesel::sql_query(sql)
        .get_result(conn)
        .await
        .with_context(|| format!("running {sql}"))?;
    Ok(row.n)
}

/// Runs one seeding statement and prints its rows and time.
async fn step(conn: &mut AsyncPgConnection, label: &str, sql: &str) -> Result<()> {
    let t = Instant::now();
    let rows = diesel::sql_query(sql)
        .execute(conn)
        .await
        .with_context(|| format!("seeding: {label}"))?;
    println!(
        "  {label:<46} {rows:>10} rows {:>7.2} s",
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

#[derive(diesel::QueryableByName)]
struct IndexDef {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    def: String,
}

/// Bulk load: drops the table's secondary indexes (those backing no constraint), runs the
/// seeding statement, and builds the indexes again from their definitions (one sorted build
/// per index instead of a random insertion per row; unique indexes check the data again).
async fn bulk_step(
    conn: &mut AsyncPgConnection,
    table: &str,
    label: &str,
    sql: &str,
) -> Result<()> {
    let indexes: Vec<IndexDef> = diesel::sql_query(
        "SELECT i.relname::text AS name, pg_get_indexdef(i.oid) AS def
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
         WHERE x.indrelid = $1::regclass
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
         ORDER BY i.relname",
    )
    .bind::<Text, _>(table)
    .load(conn)
    .await
    .with_context(|| format!("listing the indexes of {table}"))?;
    for index in &indexes {
        diesel::sql_query(format!(
            "DROP INDEX \"{}\"",
            index.name.replace('"', "\"\"")
        ))
        .execute(conn)
        .await
        .with_context(|| format!("dropping {}", index.name))?;
    }
    step(conn, label, sql).await?;
    let t = Instant::now();
    for index in &indexes {
        diesel::sql_query(index.def.as_str())
            .execute(conn)
            .await
            .with_context(|| format!("building {}", index.def))?;
    }
    println!(
        "  {:<46} {:>10}      {:>7.2} s",
        format!("  rebuilt {} indexes of {table}", indexes.len()),
        "",
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Persian first names (male, then female) and last names, for the seeded officers.
const MALE_NAMES: &str = "'علی','محمد','حسین','رضا','مهدی','امیر','حمید','سعید','مجتبی','مصطفی','جواد','احمد','کاظم','مرتضی','یوسف','بهروز','کامران','پویا','آرش','سینا'";
const FEMALE_NAMES: &str = "'فاطمه','زهرا','مریم','سارا','نرگس','لیلا','الهام','نازنین','مینا','شیرین','پریسا','سمیرا','رویا','هانیه','نیلوفر','آزاده','ملیکا','ژیلا','مهسا','طاهره'";
const LAST_NAMES: &str = "'رضایی','محمدی','حسینی','احمدی','کریمی','موسوی','جعفری','صادقی','رحیمی','کاظمی','هاشمی','قاسمی','نوری','اکبری','عباسی','شریفی','مرادی','یزدانی','طاهری','افشار','تهرانی','شیرازی','اصفهانی','تبریزی','کرمانی','نجفی','زارعی','فرهادی','باقری','سلطانی'";

/// The event chain of each final status (and variant: CANCELLED 0 is withdrawn as a draft,
/// CANCELLED 1 after submission). Actor: O officer, R the university's reviewer, S system.
/// Step 3 is always the SUBMIT of routed requests, so `submitted_at = created_at + 2 gaps`.
const FLOWS: &str = "
    ('DRAFT', 0, 1, 'CREATE', NULL, 'DRAFT', 'O'),
    ('DRAFT', 0, 2, 'ATTACH_DOCUMENT', 'DRAFT', 'DRAFT', 'O'),
    ('DRAFT', 0, 3, 'EDIT', 'DRAFT', 'DRAFT', 'O'),
    ('SUBMITTED', 0, 1, 'CREATE', NULL, 'DRAFT', 'O'),
    ('SUBMITTED', 0, 2, 'ATTACH_DOCUMENT', 'DRAFT', 'DRAFT', 'O'),
    ('SUBMITTED', 0, 3, 'SUBMIT', 'DRAFT', 'SUBMITTED', 'O'),
    ('UNDER_REVIEW', 0, 1, 'CREATE', NULL, 'DRAFT', 'O'),
    ('UNDER_REVIEW', 0, 2, 'ATTACH_DOCUMENT', 'DRAFT', 'DRAFT', 'O'),
    ('UNDER_REVIEW', 0, 3, 'SUBMIT', 'DRAFT', 'SUBMITTED', 'O'),
    ('UNDER_REVIEW', 0, 4, 'CLAIM', 'SUBMITTED', 'UNDER_REVIEW', 'R'),
    ('DEFICIENT', 0, 1, 'CREATE', NULL, 'DRAFT', 'O'),
    ('DEFICIENT', 0, 2, 'ATTACH_DOCUMENT', 'DRAFT', 'DRAFT', 'O'),
    ('DEFICIENT', 0, 3, 'SUBMIT', 'DRAFT', 'SUBMITTED', 'O'),
    ('DEFICIENT', 0, 4, 'CLAIM', 'SUBMITTED', 'UNDER_REVIEW', 'R'),
    ('DEFICIENT', 0, 5, 'REPORT_DEFICIENCIES', 'UNDER_REVIEW', 'DEFICIENT', 'R'),
    ('AWAITING_PAYMENT', 0, 1, 'CREATE', NULL, 'DRAFT', 'O'),
    ('AWAITING_PAYMENT', 0, 2, 'ATTACH_DOCUMENT', 'DRAFT', 'DRAFT', 'O'),
    ('AWAITING_PAYMENT', 0, 3, 'SUBMIT', 'DRAFT', 'SUBMITTED', 'O'),
    ('AWAITING_PAYMENT', 0, 4, 'CLAIM', 'SUBMITTED', 'UNDER_REVIEW', 'R'),
    ('AWAITING_PAYMENT', 0, 5, 'APPROVE', 'UNDER_REVIEW', 'AWAITING_PAYMENT', 'R'),
    ('COMPLETED', 0, 1, 'CREATE', NULL, 'DRAFT', 'O'),
    ('COMPLETED', 0, 2, 'ATTACH_DOCUMENT', 'DRAFT', 'DRAFT', 'O'),
    ('COMPLETED', 0, 3, 'SUBMIT', 'DRAFT', 'SUBMITTED', 'O'),
    ('COMPLETED', 0, 4, 'CLAIM', 'SUBMITTED', 'UNDER_REVIEW', 'R'),
    ('COMPLETED', 0, 5, 'APPROVE', 'UNDER_REVIEW', 'AWAITING_PAYMENT', 'R'),
    ('COMPLETED', 0, 6, 'COMPLETE', 'AWAITING_PAYMENT', 'COMPLETED', 'S'),
    ('REJECTED', 0, 1, 'CREATE', NULL, 'DRAFT', 'O'),
    ('REJECTED', 0, 2, 'ATTACH_DOCUMENT', 'DRAFT', 'DRAFT', 'O'),
    ('REJECTED', 0, 3, 'SUBMIT', 'DRAFT', 'SUBMITTED', 'O'),
    ('REJECTED', 0, 4, 'CLAIM', 'SUBMITTED', 'UNDER_REVIEW', 'R'),
    ('REJECTED', 0, 5, 'REJECT', 'UNDER_REVIEW', 'REJECTED', 'R'),
    ('CANCELLED', 0, 1, 'CREATE', NULL, 'DRAFT', 'O'),
    ('CANCELLED', 0, 2, 'ATTACH_DOCUMENT', 'DRAFT', 'DRAFT', 'O'),
    ('CANCELLED', 0, 3, 'CANCEL', 'DRAFT', 'CANCELLED', 'O'),
    ('CANCELLED', 1, 1, 'CREATE', NULL, 'DRAFT', 'O'),
    ('CANCELLED', 1, 2, 'ATTACH_DOCUMENT', 'DRAFT', 'DRAFT', 'O'),
    ('CANCELLED', 1, 3, 'SUBMIT', 'DRAFT', 'SUBMITTED', 'O'),
    ('CANCELLED', 1, 4, 'CANCEL', 'SUBMITTED', 'CANCELLED', 'O')";

pub async fn seed(
    conn: &mut AsyncPgConnection,
    officers: i64,
    requests: i64,
    hash: &str,
) -> Result<()> {
    println!("Seeding {officers} officers and {requests} requests (set-based SQL):");
    let started = Instant::now();
    conn.batch_execute(
        "SET synchronous_commit = off; SET work_mem = '256MB'; \
         SET maintenance_work_mem = '512MB'; SELECT setseed(0.1405);",
    )
    .await
    .context("session settings")?;

    // Reference: the university of every city (R2: the city's own coverage, else the
    // province's default) and one reviewer account per university.
    step(
        conn,
        "routing table (city -> university)",
        "CREATE TEMP TABLE bench_city AS
         SELECT c.id AS city_id, c.province_id,
                COALESCE(cc.university_id, pc.university_id) AS university_id
         FROM cities c
         LEFT JOIN university_coverage cc ON cc.city_id = c.id
         LEFT JOIN university_coverage pc ON pc.province_id = c.province_id AND pc.city_id IS NULL",
    )
    .await?;
    let unrouted = count(
        conn,
        "SELECT count(*) AS n FROM bench_city WHERE university_id IS NULL",
    )
    .await?;
    if unrouted > 0 {
        println!("  note: {unrouted} cities have no university; no officer lives there");
        diesel::sql_query("DELETE FROM bench_city WHERE university_id IS NULL")
            .execute(conn)
            .await?;
    }
    step(
        conn,
        "reviewer ids (one per university)",
        "CREATE TEMP TABLE bench_reviewer AS
         SELECT id AS university_id, gen_random_uuid() AS user_id FROM universities",
    )
    .await?;
    let t = Instant::now();
    let rows = diesel::sql_query(
        "INSERT INTO users (id, user_code, password_hash, role, display_name, university_id, created_at)
         SELECT r.user_id, 'bench.reviewer.' || r.university_id, $1, 'UNIVERSITY_REVIEWER',
                'کارشناس ' || u.name_fa, r.university_id, now() - interval '2000 days'
         FROM bench_reviewer r JOIN universities u ON u.id = r.university_id",
    )
    .bind::<Text, _>(hash)
    .execute(conn)
    .await
    .context("seeding reviewers")?;
    println!(
        "  {:<46} {rows:>10} rows {:>7.2} s",
        "users: reviewers",
        t.elapsed().as_secs_f64()
    );

    // Officers: a quarter in Tehran city, the rest spread evenly over all cities; unique,
    // valid national codes (9 digits from a bijection of n, then the check digit).
    step(
        conn,
        "staging: officers",
        &format!(
            "CREATE TEMP TABLE bench_officer AS
             WITH arrays AS (
                 SELECT (SELECT array_agg(city_id ORDER BY city_id) FROM bench_city) AS cities,
                        (SELECT array_agg(id ORDER BY id) FROM fields_of_study WHERE eligible) AS fields
             ),
             base AS (
                 SELECT n, random() AS r_city, random() AS r_gender, random() AS r_first,
                        random() AS r_last, random() AS r_father, random() AS r_field,
                        random() AS r_degree, random() AS r_birth
                 FROM generate_series(1, {officers}) AS n
             ),
             chosen AS (
                 SELECT b.*,
                        CASE WHEN b.r_city < 0.25 THEN {TEHRAN_CITY}
                             ELSE a.cities[1 + floor((b.r_city - 0.25) / 0.75 * cardinality(a.cities))::int]
                        END AS city_id,
                        a.fields[1 + floor(b.r_field * cardinality(a.fields))::int] AS field_of_study_id,
                        lpad(((b.n::bigint * 7919 + 100000007) % 1000000000)::text, 9, '0') AS first9
                 FROM base b CROSS JOIN arrays a
             )
             SELECT c.n, gen_random_uuid() AS officer_id, gen_random_uuid() AS user_id,
                    c.first9 || (CASE WHEN chk.r < 2 THEN chk.r ELSE 11 - chk.r END)::text AS national_code,
                    CASE WHEN c.r_gender < 0.6 THEN 'MALE' ELSE 'FEMALE' END AS gender,
                    CASE WHEN c.r_gender < 0.6
                         THEN (ARRAY[{MALE_NAMES}])[1 + floor(c.r_first * 20)::int]
                         ELSE (ARRAY[{FEMALE_NAMES}])[1 + floor(c.r_first * 20)::int]
                    END AS first_name,
                    (ARRAY[{LAST_NAMES}])[1 + floor(c.r_last * 30)::int] AS last_name,
                    (ARRAY[{MALE_NAMES}])[1 + floor(c.r_father * 20)::int] AS father_name,
                    date '1965-03-21' + floor(c.r_birth * 12000)::int AS birth_date,
                    '09' || (120000000 + c.n)::text AS mobile,
                    bc.province_id, c.city_id, bc.university_id, c.field_of_study_id,
                    CASE WHEN c.r_degree < 0.15 THEN 'ASSOCIATE' WHEN c.r_degree < 0.70 THEN 'BACHELOR'
                         WHEN c.r_degree < 0.95 THEN 'MASTER' ELSE 'DOCTORATE' END AS degree_level
             FROM chosen c
             JOIN bench_city bc ON bc.city_id = c.city_id
             CROSS JOIN LATERAL (
                 SELECT sum(substr(c.first9, i, 1)::int * (11 - i)) % 11 AS r
                 FROM generate_series(1, 9) AS i
             ) chk"
        ),
    )
    .await?;

    // Requests: each drawn to a random officer (so some have none, some many); only the
    // officer's latest may be open (35 % are); older ones are closed history. Routed
    // requests go to the officer's university; the reviewer of that university acts on them.
    step(
        conn,
        "staging: requests",
        &format!(
            "CREATE TEMP TABLE bench_request AS
             WITH base AS (
                 SELECT n, 1 + floor(random() * {officers})::int AS officer_n
                 FROM generate_series(1, {requests}) AS n
             ),
             ranked AS (
                 SELECT n, officer_n,
                        row_number() OVER (PARTITION BY officer_n ORDER BY n) AS rk,
                        count(*) OVER (PARTITION BY officer_n) AS cnt,
                        random() AS r_open, random() AS r_status, random() AS r_variant,
                        random() AS r_time, random() AS r_gap, random() AS r_reason
                 FROM base
             ),
             statused AS (
                 SELECT r.*,
                        CASE WHEN r.rk = r.cnt AND r.r_open < 0.35 THEN
                                  CASE WHEN r.r_status < 0.10 THEN 'DRAFT'
                                       WHEN r.r_status < 0.50 THEN 'SUBMITTED'
                                       WHEN r.r_status < 0.78 THEN 'UNDER_REVIEW'
                                       WHEN r.r_status < 0.92 THEN 'DEFICIENT'
                                       ELSE 'AWAITING_PAYMENT' END
                             ELSE CASE WHEN r.r_status < 0.40 THEN 'REJECTED'
                                       WHEN r.r_status < 0.65 THEN 'CANCELLED'
                                       ELSE 'COMPLETED' END
                        END AS status
                 FROM ranked r
             ),
             variant AS (
                 SELECT s.*,
                        CASE WHEN s.status = 'CANCELLED' AND s.r_variant < 0.5 THEN 1 ELSE 0 END AS variant
                 FROM statused s
             )
             SELECT v.n, gen_random_uuid() AS id, v.officer_n, o.officer_id, o.user_id,
                    v.status, v.variant,
                    CASE WHEN coalesce(bool_or(v.status = 'COMPLETED') OVER (
                             PARTITION BY v.officer_n ORDER BY v.n
                             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), false)
                         THEN 'AMENDMENT' ELSE 'NEW' END AS kind,
                    CASE WHEN v.status <> 'DRAFT' AND NOT (v.status = 'CANCELLED' AND v.variant = 0)
                         THEN o.university_id END AS university_id,
                    CASE WHEN v.status IN ('UNDER_REVIEW', 'DEFICIENT', 'AWAITING_PAYMENT', 'COMPLETED', 'REJECTED')
                         THEN rv.user_id END AS reviewer_id,
                    now() - ((v.cnt - v.rk) * LEAST(120, 1500 / v.cnt) + 5 + floor(v.r_time * 100)::int) * interval '1 day'
                          - v.r_time * interval '20 hours' AS created_at,
                    (30 + floor(v.r_gap * 4000)::int) * interval '1 minute' AS gap,
                    v.r_reason
             FROM variant v
             JOIN bench_officer o ON o.n = v.officer_n
             JOIN bench_reviewer rv ON rv.university_id = o.university_id"
        ),
    )
    .await?;
    step(
        conn,
        "staging: event flows",
        &format!(
            "CREATE TEMP TABLE bench_flow AS
             SELECT * FROM (VALUES {FLOWS}) AS f(status, variant, step, action, from_status, to_status, actor)"
        ),
    )
    .await?;
    step(
        conn,
        "staging: request timestamps",
        "CREATE TEMP TABLE bench_request_time AS
         SELECT r.n, r.created_at + (f.steps - 1) * r.gap AS updated_at,
                CASE WHEN r.university_id IS NOT NULL THEN r.created_at + 2 * r.gap END AS submitted_at
         FROM bench_request r
         JOIN (SELECT status, variant, max(step) AS steps FROM bench_flow GROUP BY 1, 2) f
              ON f.status = r.status AND f.variant = r.variant",
    )
    .await?;

    // The rows themselves.
    let t = Instant::now();
    let rows = diesel::sql_query(
        "INSERT INTO users (id, user_code, password_hash, role, display_name, created_at)
         SELECT o.user_id, (1000000 + o.n)::text, $1, 'OFFICER', o.first_name || ' ' || o.last_name,
                now() - interval '1800 days' + (o.n % 90) * interval '1 day'
         FROM bench_officer o ORDER BY o.n",
    )
    .bind::<Text, _>(hash)
    .execute(conn)
    .await
    .context("seeding officer accounts")?;
    println!(
        "  {:<46} {rows:>10} rows {:>7.2} s",
        "users: officers",
        t.elapsed().as_secs_f64()
    );
    step(
        conn,
        "officers",
        "INSERT INTO officers (id, user_id, national_code, birth_date, first_name, last_name,
                               father_name, gender, birth_certificate_number, mobile, email,
                               postal_address, province_id, city_id, field_of_study_id, degree_level,
                               qualification_status, qualified_at, created_at, updated_at)
         SELECT o.officer_id, o.user_id, o.national_code, o.birth_date, o.first_name, o.last_name,
                o.father_name, o.gender, (1 + o.n % 900000)::text, o.mobile,
                CASE WHEN o.n % 3 = 0 THEN 'officer' || o.n || '@example.ir' END,
                'خیابان ' || (1 + o.n % 120) || '، پلاک ' || (1 + o.n % 97),
                o.province_id, o.city_id, o.field_of_study_id, o.degree_level,
                CASE WHEN q.qualified_at IS NULL THEN 'NOT_QUALIFIED' ELSE 'QUALIFIED' END,
                q.qualified_at,
                now() - interval '1800 days' + (o.n % 90) * interval '1 day',
                coalesce(q.qualified_at, now() - interval '1800 days' + (o.n % 90) * interval '1 day')
         FROM bench_officer o
         LEFT JOIN (SELECT r.officer_n, max(t.updated_at) AS qualified_at
                    FROM bench_request r JOIN bench_request_time t ON t.n = r.n
                    WHERE r.status = 'COMPLETED' GROUP BY r.officer_n) q ON q.officer_n = o.n
         ORDER BY o.n",
    )
    .await?;
    bulk_step(
        conn,
        "qualification_requests",
        "qualification_requests",
        "INSERT INTO qualification_requests (id, officer_id, kind, status, first_name, last_name,
                 father_name, gender, birth_certificate_number, mobile, postal_address,
                 province_id, city_id, field_of_study_id, degree_level, university_id,
                 assigned_reviewer_id, fee_rials, rejection_reason, submitted_at, created_at, updated_at)
         SELECT r.id, r.officer_id, r.kind, r.status, o.first_name, o.last_name, o.father_name,
                o.gender, (1 + o.n % 900000)::text, o.mobile,
                'خیابان ' || (1 + o.n % 120) || '، پلاک ' || (1 + o.n % 97),
                o.province_id, o.city_id, o.field_of_study_id, o.degree_level, r.university_id,
                r.reviewer_id,
                CASE WHEN r.status IN ('AWAITING_PAYMENT', 'COMPLETED')
                     THEN coalesce(f.amount_rials, 5000000) END,
                CASE WHEN r.status = 'REJECTED'
                     THEN (ARRAY['WRONG_PROVINCE', 'INELIGIBLE_EDUCATION', 'INCOMPLETE_DOCUMENTS', 'OTHER'])[1 + floor(r.r_reason * 4)::int] END,
                t.submitted_at, r.created_at, t.updated_at
         FROM bench_request r
         JOIN bench_request_time t ON t.n = r.n
         JOIN bench_officer o ON o.n = r.officer_n
         LEFT JOIN review_fees f ON f.kind = r.kind
         ORDER BY r.created_at",
    )
    .await?;
    // The event log's own triggers (if any: commit-order ids, notifications, append-only
    // guard) are per-row work meant for live traffic; the seed disables them, draws the ids
    // itself in time order, and enables them again. Cartable columns (who an event concerns)
    // are filled when the schema has them, as the app fills them.
    let cartable_columns = count(
        conn,
        "SELECT count(*) AS n FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = 'events' \
           AND column_name IN ('officer_id', 'university_id')",
    )
    .await?
        == 2;
    let (extra_columns, extra_values) = if cartable_columns {
        (
            ", officer_id, university_id",
            ", r.officer_id, CASE WHEN f.step >= 3 THEN r.university_id END",
        )
    } else {
        ("", "")
    };
    diesel::sql_query("ALTER TABLE events DISABLE TRIGGER USER")
        .execute(conn)
        .await
        .context("disabling the event log's triggers")?;
    bulk_step(
        conn,
        "events",
        "events (3-6 per request)",
        &format!(
            "INSERT INTO events (id, occurred_at, actor_user_id, actor_role, entity_type, entity_id,
                                 action, from_status, to_status, note, data{extra_columns})
             SELECT (SELECT coalesce(max(id), 0) FROM events)
                        + row_number() OVER (ORDER BY r.created_at + (f.step - 1) * r.gap, r.n, f.step),
                    r.created_at + (f.step - 1) * r.gap,
                    CASE f.actor WHEN 'O' THEN r.user_id WHEN 'R' THEN r.reviewer_id END,
                    CASE f.actor WHEN 'O' THEN 'OFFICER' WHEN 'R' THEN 'UNIVERSITY_REVIEWER' END,
                    'qualification_request', r.id::text, f.action, f.from_status, f.to_status,
                    CASE f.action WHEN 'REJECT' THEN 'مدارک ارسالی کافی نیست'
                                  WHEN 'REPORT_DEFICIENCIES' THEN 'لطفاً نقص‌های پرونده را برطرف کنید' END,
                    CASE f.action
                         WHEN 'CREATE' THEN jsonb_build_object('kind', r.kind, 'officerId', r.officer_id)
                         WHEN 'SUBMIT' THEN jsonb_build_object('universityId', r.university_id)
                         WHEN 'CLAIM' THEN jsonb_build_object('reviewerId', r.reviewer_id)
                         ELSE '{{}}'::jsonb END
                    {extra_values}
             FROM bench_request r
             JOIN bench_flow f ON f.status = r.status AND f.variant = r.variant
             ORDER BY 1"
        ),
    )
    .await?;
    conn.batch_execute(
        "ALTER TABLE events ENABLE TRIGGER USER;
         SELECT setval(pg_get_serial_sequence('events', 'id'), (SELECT max(id) FROM events))",
    )
    .await
    .context("enabling the event log's triggers")?;
    bulk_step(
        conn,
        "documents",
        "documents (open requests and every 10th)",
        "INSERT INTO documents (id, request_id, officer_id, kind, file_name, content_type,
                                size_bytes, sha256, storage_key, uploaded_by, current_for_officer,
                                created_at)
         SELECT gen_random_uuid(), r.id, r.officer_id, k.kind, k.file_name, k.content_type,
                40000 + floor(random() * 900000)::bigint,
                encode(sha256(convert_to(r.id::text || k.kind, 'UTF8')), 'hex'),
                'bench/' || r.id || '/' || k.file_name, r.user_id, false, r.created_at + r.gap
         FROM bench_request r
         CROSS JOIN (VALUES ('DEGREE_CERTIFICATE', 'degree.pdf', 'application/pdf'),
                            ('NATIONAL_CARD', 'national-card.pdf', 'application/pdf'),
                            ('PHOTO', 'photo.jpg', 'image/jpeg')) AS k(kind, file_name, content_type)
         WHERE r.status NOT IN ('REJECTED', 'COMPLETED', 'CANCELLED') OR r.n % 10 = 0
         ORDER BY r.created_at",
    )
    .await?;
    step(
        conn,
        "deficiencies (DEFICIENT requests)",
        "INSERT INTO deficiencies (id, request_id, round, field, document_kind, description,
                                   resolved, reported_by, created_at)
         SELECT gen_random_uuid(), r.id, 1, d.field, d.document_kind, d.description, false,
                r.reviewer_id, r.created_at + 4 * r.gap
         FROM bench_request r
         CROSS JOIN (VALUES (1, NULL, 'DEGREE_CERTIFICATE', 'تصویر مدرک تحصیلی خوانا نیست'),
                            (2, 'postalAddress', NULL, 'نشانی پستی کامل نیست')) AS d(i, field, document_kind, description)
         WHERE r.status = 'DEFICIENT' AND (d.i = 1 OR r.n % 2 = 0)",
    )
    .await?;
    diesel::sql_query(format!(
        "SELECT setval('officer_user_code_seq', {}) ",
        1_000_001 + officers
    ))
    .execute(conn)
    .await?;
    let t = Instant::now();
    conn.batch_execute(
        "DROP TABLE bench_city, bench_reviewer, bench_officer, bench_request, bench_flow, \
         bench_request_time",
    )
    .await
    .context("dropping the staging tables")?;
    // On its own: VACUUM cannot run in the implicit transaction of a multi-statement batch.
    conn.batch_execute(
        "VACUUM (ANALYZE) users, officers, qualification_requests, events, documents, deficiencies",
    )
    .await
    .context("VACUUM ANALYZE")?;
    println!(
        "  {:<46} {:>10}      {:>7.2} s",
        "VACUUM (ANALYZE)",
        "",
        t.elapsed().as_secs_f64()
    );
    println!("Seeding took {:.1} s", started.elapsed().as_secs_f64());

    for (label, sql) in [
        ("users", "SELECT count(*) AS n FROM users"),
        ("officers", "SELECT count(*) AS n FROM officers"),
        (
            "qualification_requests",
            "SELECT count(*) AS n FROM qualification_requests",
        ),
        (
            "  open (not REJECTED/COMPLETED/CANCELLED)",
            "SELECT count(*) AS n FROM qualification_requests WHERE status NOT IN ('REJECTED', 'COMPLETED', 'CANCELLED')",
        ),
        (
            "  routed to a university",
            "SELECT count(*) AS n FROM qualification_requests WHERE university_id IS NOT NULL",
        ),
        (
            "  universities with requests",
            "SELECT count(DISTINCT university_id) AS n FROM qualification_requests",
        ),
        ("events", "SELECT count(*) AS n FROM events"),
        ("documents", "SELECT count(*) AS n FROM documents"),
        ("deficiencies", "SELECT count(*) AS n FROM deficiencies"),
        (
            "Tehran University (281) requests",
            "SELECT count(*) AS n FROM qualification_requests WHERE university_id = 281",
        ),
        (
            "Tehran University (281) default queue",
            "SELECT count(*) AS n FROM qualification_requests WHERE university_id = 281 AND status IN ('SUBMITTED', 'UNDER_REVIEW', 'DEFICIENT')",
        ),
    ] {
        println!("  {label:<46} {:>10}", count(conn, sql).await?);
    }
    let size: TextRow =
        diesel::sql_query("SELECT pg_size_pretty(pg_database_size(current_database())) AS t")
            .get_result(conn)
            .await?;
    println!("  {:<46} {:>10}", "database size", size.t);
    Ok(())
}

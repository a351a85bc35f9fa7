//! Demo data for `serve --demo` and account creation for `create-admin`.
//!
//! The demo passwords are public (they are in the README): `--demo` is refused in production
//! mode.

use chrono::Utc;
use diesel_async::AsyncConnection;
use uuid::Uuid;

use crate::app::App;
use crate::auth;
use crate::domain::officer::{DegreeLevel, Gender, QualificationStatus};
use crate::domain::{self, DistributorKind, Entity, Role, normalize};
use crate::error::AppError;
use crate::store::{self, DbPool, distributors, events, users};

/// The demo accounts: (user code, password, role, display name).
pub const DEMO_ACCOUNTS: &[(&str, &str, Role, &str)] = &[
    (
        "admin",
        "Admin-demo-1405",
        Role::DirectorateAdmin,
        "مدیر اداره کل (نمونه)",
    ),
    (
        "reviewer.tehran",
        "Reviewer-demo-1405",
        Role::UniversityReviewer,
        "کارشناس دانشگاه علوم پزشکی تهران (نمونه)",
    ),
    (
        "reviewer.tabriz",
        "Reviewer-demo-1405",
        Role::UniversityReviewer,
        "کارشناس دانشگاه علوم پزشکی تبریز (نمونه)",
    ),
    (
        "distributor",
        "Distributor-demo-1405",
        Role::Distributor,
        "شرکت تجهیزات پزشکی نمونه",
    ),
    ("officer", "Officer-demo-1405", Role::Officer, "علی رضایی"),
    (
        "officer.qualified",
        "Officer-demo-1405",
        Role::Officer,
        "مریم احمدی",
    ),
];

/// University of the Tehran demo reviewer (Tehran University of Medical Sciences).
const TEHRAN_UNIVERSITY: i32 = 281;
/// University of the Tabriz demo reviewer (Tabriz University of Medical Sciences).
const TABRIZ_UNIVERSITY: i32 = 101;
/// Tehran city, in Tehran province.
const TEHRAN_PROVINCE: i32 = 28;
const TEHRAN_CITY: i32 = 2801;

/// Creates an account directly in the store (for `create-admin` and the demo).
pub async fn create_account(
    pool: &DbPool,
    user_code: &str,
    password: &str,
    role: Role,
    display_name: &str,
    university_id: Option<i32>,
    distributor_id: Option<Uuid>,
) -> anyhow::Result<users::User> {
    let user_code =
        domain::user_code("userCode", user_code).map_err(|e| anyhow::anyhow!(e.describe()))?;
    normalize::password_policy("password", password).map_err(|e| anyhow::anyhow!(e.describe()))?;
    let hash = auth::hash_password(password)?;
    let mut conn = pool.get().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let user = users::insert(
        &mut conn,
        &users::NewUser {
            id: Uuid::new_v4(),
            user_code: &user_code,
            password_hash: &hash,
            role,
            display_name,
            university_id,
            distributor_id,
        },
    )
    .await
    .map_err(|e: AppError| anyhow::anyhow!(e.describe()))?;
    events::append(
        &mut conn,
        events::NewEvent::new(None, Entity::User, user.id, "CREATE_ACCOUNT")
            .with_data(serde_json::json!({ "role": role.as_str(), "userCode": user.user_code })),
    )
    .await
    .map_err(|e| anyhow::anyhow!(e.describe()))?;
    Ok(user)
}

/// Seeds the demo accounts and data; accounts that exist already are left as they are.
pub async fn seed(app: &App) -> anyhow::Result<()> {
    if app.config.production {
        anyhow::bail!("--demo is refused in production mode");
    }
    let pool = &app.pool;
    let mut conn = store::conn(pool)
        .await
        .map_err(|e| anyhow::anyhow!(e.describe()))?;
    for (code, password, role, name) in DEMO_ACCOUNTS {
        if users::find_by_code(&mut conn, code)
            .await
            .map_err(|e| anyhow::anyhow!(e.describe()))?
            .is_some()
        {
            continue;
        }
        match role {
            Role::UniversityReviewer => {
                let university = if code.ends_with("tabriz") {
                    TABRIZ_UNIVERSITY
                } else {
                    TEHRAN_UNIVERSITY
                };
                create_account(pool, code, password, *role, name, Some(university), None).await?;
            }
            Role::Distributor => {
                let d = demo_distributor(&mut conn, name).await?;
                create_account(pool, code, password, *role, name, None, Some(d)).await?;
            }
            Role::Officer => {
                let user = create_account(pool, code, password, *role, name, None, None).await?;
                demo_officer(&mut conn, user.id, code.ends_with("qualified")).await?;
            }
            _ => {
                create_account(pool, code, password, *role, name, None, None).await?;
            }
        }
        tracing::info!(user_code = %code, role = role.as_str(), "created demo account");
    }
    Ok(())
}

async fn demo_distributor(conn: &mut store::DbConn, name: &str) -> anyhow::Result<Uuid> {
    let now = Utc::now();
    let d = distributors::Distributor {
        id: Uuid::new_v4(),
        name: name.to_string(),
        kind: DistributorKind::Company,
        national_id: "10101234565".to_string(),
        manager_mobile: "09121234567".to_string(),
        created_at: now,
    };
    let central = distributors::Branch {
        id: Uuid::new_v4(),
        distributor_id: d.id,
        name: "شعبه مرکزی".to_string(),
        is_central: true,
        province_id: TEHRAN_PROVINCE,
        city_id: TEHRAN_CITY,
        address: "تهران، خیابان ولیعصر، پلاک ۱".to_string(),
        created_at: now,
    };
    let id = d.id;
    conn.transaction::<_, AppError, _>(async move |conn| {
        distributors::insert(conn, &d).await?;
        distributors::insert_branch(conn, &central).await?;
        Ok(())
    })
    .await
    .map_err(|e| anyhow::anyhow!(e.describe()))?;
    Ok(id)
}

/// The officer profile of a demo officer account: `officer` (not qualified, national code
/// 0076229645) or `officer.qualified` (qualified, living in Tehran, national code 0084123451).
async fn demo_officer(
    conn: &mut store::DbConn,
    user_id: Uuid,
    qualified: bool,
) -> anyhow::Result<()> {
    use diesel_async::RunQueryDsl;
    let sql = if qualified {
        "INSERT INTO officers (id, user_id, national_code, birth_date, first_name, last_name, mobile, \
         gender, province_id, city_id, field_of_study_id, degree_level, qualification_status, qualified_at) \
         VALUES ($1, $2, '0084123451', '1988-06-10', 'مریم', 'احمدی', '09121112233', $3, 28, 2801, 1, \
         $4, $5, now())"
    } else {
        "INSERT INTO officers (id, user_id, national_code, birth_date, first_name, last_name, mobile) \
         VALUES ($1, $2, '0076229645', '1990-03-21', 'علی', 'رضایی', '09120001122')"
    };
    let query = diesel::sql_query(sql)
        .bind::<diesel::sql_types::Uuid, _>(Uuid::new_v4())
        .bind::<diesel::sql_types::Uuid, _>(user_id);
    if qualified {
        query
            .bind::<diesel::sql_types::Text, _>(Gender::Female)
            .bind::<diesel::sql_types::Text, _>(DegreeLevel::Master)
            .bind::<diesel::sql_types::Text, _>(QualificationStatus::Qualified)
            .execute(conn)
            .await?;
    } else {
        query.execute(conn).await?;
    }
    Ok(())
}

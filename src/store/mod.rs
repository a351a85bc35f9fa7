//! Store layer: the connection pool, migrations, and one module of queries per domain.
//!
//! Queries import `diesel_async::RunQueryDsl` inside this layer only (it clashes with
//! async-graphql's `execute` when imported next to schema code).

pub(crate) mod cartable;
pub(crate) mod cooperation;
pub(crate) mod distributors;
pub mod embedded;
pub(crate) mod events;
pub(crate) mod legacy;
pub(crate) mod messages;
pub(crate) mod officers;
pub(crate) mod outbox;
pub(crate) mod payments;
pub(crate) mod qualification;
pub(crate) mod reference;
pub(crate) mod replica;
pub(crate) mod schema;
pub(crate) mod sessions;
pub(crate) mod statistics;
pub(crate) mod terminations;
pub(crate) mod throttle;
pub(crate) mod transition;
pub(crate) mod users;

use anyhow::Context as _;
use diesel::connection::InstrumentationEvent;
use diesel::sql_types::Text;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use futures_util::FutureExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::config::DatabaseConfig;

/// The migrations of `migrations/`, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// The pool of database connections.
pub type DbPool = Pool<AsyncPgConnection>;
/// A connection taken from the pool.
pub type DbConn = Object<AsyncPgConnection>;

/// Builds the pool. Every new connection gets a `statement_timeout`, so a runaway query cannot
/// hold a connection forever; waiting for a connection is bounded too.
///
/// Every statement run through the pool is counted in `queries` (and in the
/// `db_queries_total` metric), so tests and benchmarks can check how many statements an
/// operation costs.
pub fn build_pool(
    url: &str,
    cfg: &DatabaseConfig,
    queries: Arc<AtomicU64>,
) -> anyhow::Result<DbPool> {
    let statement_timeout = cfg.db_statement_timeout_ms;
    let mut manager_config = ManagerConfig::<AsyncPgConnection>::default();
    // No `SELECT 1` at every checkout (half the statements of a small request): a connection
    // that broke is found out by its next statement and dropped by the pool, and `/readyz`
    // probes the database on its own.
    manager_config.recycling_method = RecyclingMethod::Fast;
    manager_config.custom_setup = Box::new(move |url| {
        let url = url.to_string();
        let queries = queries.clone();
        async move {
            let mut conn = AsyncPgConnection::establish(&url).await?;
            diesel::sql_query(format!("SET statement_timeout = {statement_timeout}"))
                .execute(&mut conn)
                .await
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
            conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
                if matches!(event, InstrumentationEvent::StartQuery { .. }) {
                    queries.fetch_add(1, Ordering::Relaxed);
                    metrics::counter!("db_queries_total").increment(1);
                }
            });
            Ok(conn)
        }
        .boxed()
    });
    let manager = AsyncDieselConnectionManager::new_with_config(url, manager_config);
    let timeout = Some(Duration::from_millis(cfg.db_acquire_timeout_ms));
    Pool::builder(manager)
        .max_size(cfg.db_pool_size)
        .wait_timeout(timeout)
        .create_timeout(timeout)
        .recycle_timeout(timeout)
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .context("building the database pool")
}

/// Splits a PostgreSQL URL into (URL of the `postgres` maintenance database, database name).
pub fn split_database_url(url: &str) -> anyhow::Result<(String, String)> {
    let mut parsed = url::Url::parse(url).context("DATABASE_URL is not a valid URL")?;
    let name = parsed.path().trim_start_matches('/').to_string();
    if name.is_empty() {
        anyhow::bail!("DATABASE_URL names no database (expected postgres://user@host:port/name)");
    }
    parsed.set_path("/postgres");
    Ok((parsed.to_string(), name))
}

/// Describes where a URL points, without its password, for messages.
pub fn describe_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => format!(
            "{}:{}{}",
            u.host_str().unwrap_or("?"),
            u.port().unwrap_or(5432),
            u.path()
        ),
        Err(_) => "an unparsable DATABASE_URL".to_string(),
    }
}

#[derive(diesel::QueryableByName)]
struct Exists {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    exists: bool,
}

/// Creates the database of `url` when it does not exist yet.
pub async fn create_database_if_missing(url: &str) -> anyhow::Result<()> {
    let (admin_url, name) = split_database_url(url)?;
    let mut conn = tokio::time::timeout(
        Duration::from_secs(10),
        AsyncPgConnection::establish(&admin_url),
    )
    .await
    .map_err(|_| {
        anyhow::anyhow!(
            "timed out connecting to PostgreSQL at {}",
            describe_url(url)
        )
    })?
    .with_context(|| format!("cannot connect to PostgreSQL at {}", describe_url(url)))?;
    let row: Exists =
        diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists")
            .bind::<Text, _>(&name)
            .get_result(&mut conn)
            .await?;
    if !row.exists {
        let quoted = name.replace('"', "\"\"");
        match diesel::sql_query(format!("CREATE DATABASE \"{quoted}\""))
            .execute(&mut conn)
            .await
        {
            Ok(_) => tracing::info!(database = %name, "created the database"),
            // Another process created it between our check and our CREATE.
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => {}
            Err(e) if e.to_string().contains("already exists") => {}
            Err(e) => return Err(e).context("creating the database"),
        }
    }
    Ok(())
}

/// Runs the embedded migrations that have not run yet. Needs tokio's multi-thread runtime.
pub async fn run_migrations(url: &str) -> anyhow::Result<usize> {
    let conn = AsyncPgConnection::establish(url)
        .await
        .with_context(|| format!("cannot connect to PostgreSQL at {}", describe_url(url)))?;
    let mut harness = diesel_async::AsyncMigrationHarness::new(conn);
    let applied = harness
        .run_pending_migrations(MIGRATIONS)
        .map_err(|e| anyhow::anyhow!("running migrations: {e}"))?;
    for m in &applied {
        tracing::info!(migration = %m, "applied migration");
    }
    Ok(applied.len())
}

/// Checks that the database answers, within the given time.
pub async fn ping(pool: &DbPool, within: Duration) -> anyhow::Result<()> {
    tokio::time::timeout(within, async {
        let mut conn = pool.get().await.map_err(|e| anyhow::anyhow!("{e}"))?;
        diesel::sql_query("SELECT 1").execute(&mut conn).await?;
        anyhow::Ok(())
    })
    .await
    .map_err(|_| anyhow::anyhow!("database did not answer within {within:?}"))?
}

/// How many client connections other than this one the server at `url` has (to any
/// database).
pub async fn other_connections(url: &str) -> anyhow::Result<i64> {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = AsyncPgConnection::establish(url).await?;
    let n: N = diesel::sql_query(
        "SELECT count(*) AS n FROM pg_stat_activity \
         WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()",
    )
    .get_result(&mut conn)
    .await?;
    Ok(n.n)
}

/// Takes a connection from the pool, mapping failures to the application's error.
pub async fn conn(pool: &DbPool) -> crate::error::AppResult<DbConn> {
    Ok(pool.get().await?)
}

/// Whether a database error is a unique-constraint violation.
pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

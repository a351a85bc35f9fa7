//! The application: configuration, database pool and keys, shared as `Arc<App>`.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use crate::auth::TokenKeys;
use crate::config::{Config, DatabaseConfig};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::integrations::gateway::PaymentGateway;
use crate::integrations::kavenegar::Kavenegar;
use crate::integrations::sms::SmsProvider;
use crate::integrations::storage::DocumentStore;
use crate::integrations::zarinpal::Zarinpal;
use crate::store::{self, DbPool, embedded};
use crate::workflow::accounts::Sessions;
use crate::workflow::cooperation::CooperationSettings;
use crate::workflow::documents::Documents;
use crate::workflow::messages::Messages;
use crate::workflow::payments::Payments;
use crate::workflow::sms::Sender;

/// Everything a request handler needs, shared by all requests.
pub struct App {
    /// The configuration in force.
    pub config: Config,
    /// The database pool (the primary).
    pub pool: DbPool,
    /// The read replica, when `REPLICA_DATABASE_URL` is set.
    pub replica: Option<Arc<crate::replica::Replica>>,
    /// Access-token keys.
    pub tokens: TokenKeys,
    /// Signed-in callers kept between requests.
    pub callers: crate::callers::CallerCache,
    /// Statements run through the pool so far.
    pub queries: Arc<AtomicU64>,
    /// Where uploaded documents are kept.
    pub documents: DocumentStore,
    /// The cartable fan-out of this instance.
    pub hub: crate::cartable::Hub,
    /// The dashboards' fan-out of this instance.
    pub stats: crate::statistics::StatsHub,
    /// Cancelled when the instance starts draining (SIGTERM): `/readyz` answers 503 and open
    /// WebSockets are closed with 1012 (reconnect elsewhere).
    pub draining: tokio_util::sync::CancellationToken,
    /// WebSockets open now (the drain waits for them to close).
    pub open_sockets: Arc<std::sync::atomic::AtomicUsize>,
    /// The payment gateway (the simulator outside production when no merchant id is set).
    pub gateway: Option<Arc<dyn PaymentGateway>>,
    /// The SMS provider (the simulator outside production when no API key is set).
    pub sms: Option<Arc<dyn SmsProvider>>,
    /// The database URL (for the listening connections of the background jobs).
    pub database_url: String,
}

impl App {
    /// Builds the application on a prepared database (see [`prepare_database`]). Starts no
    /// background work: `serve` and the test harness start it with [`crate::jobs::start`].
    pub fn new(config: Config, database_url: &str) -> anyhow::Result<Arc<Self>> {
        let secret = match config.signing_secret()? {
            Some(secret) => secret,
            None => {
                let (secret, path) = crate::auth::development_secret(&config.db.data_dir)?;
                tracing::warn!(
                    "JWT_SECRET is not set: signing tokens with the DEVELOPMENT secret of this \
                     data folder ({}). Never run like this in production (set JWT_SECRET and \
                     PRODUCTION=true).",
                    path.display()
                );
                secret
            }
        };
        let queries = Arc::new(AtomicU64::new(0));
        let pool = store::build_pool(database_url, &config.db, queries.clone())?;
        let replica = match &config.db.replica_database_url {
            Some(url) => {
                let mut cfg = config.db.clone();
                cfg.db_pool_size = cfg.replica_pool_size;
                // A replica that does not answer must not hold a read for long: the read
                // goes to the primary instead.
                cfg.db_acquire_timeout_ms = cfg.db_acquire_timeout_ms.min(1_000);
                let probe = std::time::Duration::from_millis(cfg.replica_probe_ms.max(50));
                tracing::info!(replica = %store::describe_url(url), "reads may go to the replica");
                Some(Arc::new(crate::replica::Replica::new(
                    store::build_pool(url, &cfg, queries.clone())?,
                    std::time::Duration::from_millis(cfg.replica_max_lag_ms),
                    probe * 4 + std::time::Duration::from_secs(1),
                )))
            }
            None => None,
        };
        let tokens = TokenKeys::new(secret.as_bytes(), config.access_token_ttl_secs);
        let documents = match &config.s3_bucket {
            Some(bucket) => DocumentStore::s3(
                bucket,
                config.s3_endpoint.as_deref(),
                &config.s3_region,
                config.s3_access_key_id.as_deref().unwrap_or_default(),
                config.s3_secret_access_key.as_deref().unwrap_or_default(),
            )?,
            None => DocumentStore::local(
                &config
                    .documents_dir
                    .clone()
                    .unwrap_or_else(|| config.db.data_dir.join("documents")),
            )?,
        };
        config.check_production()?;
        let hub = crate::cartable::Hub::new(config.cartable_buffer);
        let timeout = std::time::Duration::from_millis(config.payment_gateway_timeout_ms);
        let gateway = if config.simulator_enabled() {
            tracing::warn!("payments go to the built-in gateway SIMULATOR (development only)");
            Some(Arc::new(Zarinpal::new(
                &format!(
                    "{}{}",
                    config.public_base(),
                    crate::integrations::zarinpal_sim::MOUNT
                ),
                SIMULATOR_MERCHANT_ID,
                timeout,
            )?) as Arc<dyn PaymentGateway>)
        } else {
            match &config.zarinpal_merchant_id {
                Some(merchant) => Some(Arc::new(Zarinpal::new(
                    &config.zarinpal_base_url,
                    merchant,
                    timeout,
                )?) as Arc<dyn PaymentGateway>),
                None => None,
            }
        };
        let sms_timeout = std::time::Duration::from_millis(config.sms_timeout_ms);
        let sms: Option<Arc<dyn SmsProvider>> = if config.sms_simulator_enabled() {
            tracing::warn!("SMS go to the built-in Kavenegar SIMULATOR (development only)");
            Some(Arc::new(Kavenegar::new(
                &format!(
                    "{}{}",
                    config.public_base(),
                    crate::integrations::kavenegar_sim::MOUNT
                ),
                "simulator",
                &config.kavenegar_sender,
                sms_timeout,
            )?))
        } else {
            match &config.kavenegar_api_key {
                Some(key) => Some(Arc::new(Kavenegar::new(
                    &config.kavenegar_base_url,
                    key,
                    &config.kavenegar_sender,
                    sms_timeout,
                )?)),
                None => {
                    tracing::warn!(
                        "KAVENEGAR_API_KEY is not set: SMS wait in the outbox, nothing sends them"
                    );
                    None
                }
            }
        };
        let callers = crate::callers::CallerCache::new(std::time::Duration::from_secs(
            config.caller_cache_secs,
        ));
        Ok(Arc::new(Self {
            config,
            pool,
            replica,
            callers,
            tokens,
            queries,
            documents,
            hub,
            stats: crate::statistics::StatsHub::default(),
            draining: tokio_util::sync::CancellationToken::new(),
            open_sockets: Arc::default(),
            gateway,
            sms,
            database_url: database_url.to_string(),
        }))
    }

    /// Signing in and sessions, with this server's keys and limits.
    pub fn sessions(&self) -> Sessions<'_> {
        Sessions {
            pool: &self.pool,
            tokens: &self.tokens,
            refresh_ttl_secs: self.config.refresh_token_ttl_secs,
            max_failures_per_user: self.config.login_max_failures_per_user,
            max_failures_per_addr: self.config.login_max_failures_per_addr,
            window_secs: self.config.login_window_secs,
        }
    }

    /// The SMS sender of this instance, when a provider is configured.
    pub(crate) fn sms_sender(&self) -> Option<Sender<'_>> {
        Some(Sender {
            pool: &self.pool,
            provider: self.sms.as_deref()?,
            max_attempts: self.config.sms_max_attempts,
            lease_secs: self.config.sms_lease_secs,
        })
    }

    /// The settings of the cooperation rules.
    pub(crate) fn cooperation(&self) -> CooperationSettings {
        CooperationSettings {
            expiry_days: self.config.cooperation_expiry_days,
            max_active_contracts: self.config.max_active_contracts_per_officer,
        }
    }

    /// The messages workflow with this server's store and limits.
    pub(crate) fn messages(&self) -> Messages<'_> {
        Messages {
            pool: &self.pool,
            store: &self.documents,
            max_bytes: self.config.max_document_bytes,
        }
    }

    /// The documents workflow with this server's store and limits.
    pub fn documents(&self) -> Documents<'_> {
        Documents {
            pool: &self.pool,
            store: &self.documents,
            max_bytes: self.config.max_document_bytes,
            max_count: self.config.max_documents_per_request,
        }
    }

    /// The payment workflow with this server's gateway and settings; `PAYMENT_FAILED` when no
    /// gateway is configured.
    pub fn payments(&self) -> AppResult<Payments<'_>> {
        let gateway = self.gateway.as_deref().ok_or_else(|| {
            AppError::new(
                ErrorCode::PaymentFailed,
                "no payment gateway is configured on this server",
                "درگاه پرداخت پیکربندی نشده است",
            )
        })?;
        Ok(Payments {
            pool: &self.pool,
            gateway,
            callback_url: format!("{}/payments/zarinpal/callback", self.config.public_base()),
            attempt_ttl_secs: self.config.payment_attempt_ttl_secs,
            reconcile_after_secs: self.config.payment_reconcile_after_secs,
            recheck_within_secs: self.config.payment_recheck_within_secs,
        })
    }
}

/// The merchant id the simulator is called with.
pub const SIMULATOR_MERCHANT_ID: &str = "00000000-0000-0000-0000-000000000000";

/// Finds the database (see [`embedded`]), creates it when missing and runs the migrations.
/// Returns its URL.
pub async fn prepare_database(cfg: &DatabaseConfig) -> anyhow::Result<String> {
    Ok(prepare_database_from(cfg).await?.0)
}

/// As [`prepare_database`], and where the database is: a private cluster started for this
/// process is stopped with [`release_database`] when the process is done.
pub async fn prepare_database_from(
    cfg: &DatabaseConfig,
) -> anyhow::Result<(String, embedded::DatabaseSource)> {
    let (url, source) = {
        let cfg = cfg.clone();
        tokio::task::spawn_blocking(move || embedded::resolve_database_url(&cfg)).await??
    };
    match &source {
        embedded::DatabaseSource::Configured => {}
        embedded::DatabaseSource::LocalServer => tracing::info!(
            "DATABASE_URL is not set: using the local PostgreSQL at {}",
            embedded::LOCAL_SERVER
        ),
        embedded::DatabaseSource::PrivateCluster(dir) => tracing::warn!(
            "DATABASE_URL is not set and no PostgreSQL answers at {}: using the private cluster in {}",
            embedded::LOCAL_SERVER,
            dir.display()
        ),
    }
    store::create_database_if_missing(&url).await?;
    store::run_migrations(&url).await?;
    Ok((url, source))
}

/// When the process is done with the database: a private cluster (the embedded default) is
/// stopped, and the fact announced, unless another process still has a connection to it.
pub async fn release_database(url: &str, source: &embedded::DatabaseSource) {
    let embedded::DatabaseSource::PrivateCluster(dir) = source else {
        return;
    };
    match store::other_connections(url).await {
        Ok(0) => {
            let dir = dir.clone();
            let stopped = tokio::task::spawn_blocking(move || {
                embedded::PrivateCluster::start(&dir).and_then(|c| c.stop())
            })
            .await;
            match stopped {
                Ok(Ok(())) => eprintln!(
                    "Stopped the private PostgreSQL cluster in {} (it starts again with the server).",
                    source_dir(source)
                ),
                Ok(Err(e)) => eprintln!(
                    "Could not stop the private PostgreSQL cluster in {}: {e:#}",
                    source_dir(source)
                ),
                Err(e) => eprintln!("Could not stop the private PostgreSQL cluster: {e}"),
            }
        }
        Ok(n) => eprintln!(
            "Left the private PostgreSQL cluster in {} running: {n} other connection(s) use it.",
            source_dir(source)
        ),
        Err(e) => eprintln!(
            "Left the private PostgreSQL cluster in {} running: could not ask it who uses it ({e:#}).",
            source_dir(source)
        ),
    }
}

fn source_dir(source: &embedded::DatabaseSource) -> String {
    match source {
        embedded::DatabaseSource::PrivateCluster(dir) => dir.display().to_string(),
        _ => String::new(),
    }
}

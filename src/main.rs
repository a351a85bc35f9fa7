//! `officer-registry`: the server binary. `officer-registry --help` lists the commands.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use std::io::{IsTerminal as _, Read as _};
use std::net::SocketAddr;
use std::process::ExitCode;

use officer_registry::config::{Config, DatabaseConfig};
use officer_registry::domain::Role;
use officer_registry::legacy::LegacyFile;
use officer_registry::{app, demo, graphql, http, jobs, legacy_import, store};
use std::path::PathBuf;

/// mimalloc instead of the system allocator: a request allocates and frees many small
/// values (parsing, execution, JSON); glibc's malloc took 12 % of the server's CPU in the
/// peer benchmark's profile.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// GraphQL API server of the national registry of medical-equipment technical officers.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
#[expect(clippy::large_enum_variant, reason = "parsed once at start-up")]
enum Command {
    /// Create the database if missing, run the migrations and serve the API.
    Serve {
        /// Also seed the demo accounts and data (refused in production mode).
        #[arg(long)]
        demo: bool,
        #[command(flatten)]
        config: Config,
    },
    /// Create the database if missing and run the pending migrations.
    Migrate {
        #[command(flatten)]
        db: DatabaseConfig,
    },
    /// Create a directorate admin account. The password comes from
    /// OFFICER_REGISTRY_ADMIN_PASSWORD, or else from standard input.
    CreateAdmin {
        /// User code of the new admin.
        #[arg(long)]
        user_code: String,
        /// Name to show.
        #[arg(long, default_value = "مدیر اداره کل")]
        display_name: String,
        #[command(flatten)]
        db: DatabaseConfig,
    },
    /// Print the GraphQL schema (SDL), as checked in at schema.graphql.
    ExportSchema,
    /// Import the old system's export (DESIGN §3.1): `officers.csv`, `distributors.csv`
    /// and `assignments.csv` of DIR, in one transaction. Every refused row is printed with
    /// its file, line and reason, then a summary. Exit code 0: every row imported or
    /// unchanged; 3: some rows refused (the others imported); 1: a fatal error, nothing
    /// written.
    ImportLegacy {
        /// The folder of the export.
        dir: PathBuf,
        /// Run every check, against the database too, and write nothing.
        #[arg(long)]
        dry_run: bool,
        /// How many active contracts one officer may hold at once (the one-unit rule).
        #[arg(long, env = "MAX_ACTIVE_CONTRACTS_PER_OFFICER", default_value_t = 1)]
        max_active_contracts_per_officer: i64,
        #[command(flatten)]
        db: DatabaseConfig,
    },
}

fn init_tracing(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,tower_http=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let json_logs =
        matches!(&cli.command, Command::Serve { config, .. } if config.log_format == "json");
    if !matches!(cli.command, Command::ExportSchema) {
        init_tracing(json_logs);
    }
    match run(cli.command).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::ExportSchema => {
            print!("{}", graphql::sdl());
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate { db } => {
            let url = app::prepare_database(&db).await?;
            println!("database at {} is migrated", store::describe_url(&url));
            Ok(ExitCode::SUCCESS)
        }
        Command::ImportLegacy {
            dir,
            dry_run,
            max_active_contracts_per_officer,
            db,
        } => {
            let url = app::prepare_database(&db).await?;
            let options = legacy_import::ImportOptions {
                dry_run,
                max_active_contracts: max_active_contracts_per_officer,
                ..legacy_import::ImportOptions::new()
            };
            let progress = CliProgress::new();
            let report = legacy_import::run(&url, &dir, &options, &progress)
                .await
                .context("nothing was written")?;
            print!("{}", report.summary());
            if report.dry_run {
                println!("dry run: every check was made, nothing was written");
            } else if report.changed_nothing() {
                println!("nothing changed: every row is as it was imported before");
            }
            let n = report.refusals.len();
            match (report.exit_code(), report.dry_run) {
                (0, false) => println!("every row was imported or unchanged"),
                (0, true) => println!("every row would be imported or unchanged"),
                (_, false) => {
                    println!("{n} rows were refused (listed above); the others were imported")
                }
                (_, true) => println!(
                    "{n} rows would be refused (listed above); the others would be imported"
                ),
            }
            Ok(ExitCode::from(report.exit_code()))
        }
        Command::CreateAdmin {
            user_code,
            display_name,
            db,
        } => {
            let password = match std::env::var("OFFICER_REGISTRY_ADMIN_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    if std::io::stdin().is_terminal() {
                        eprintln!("password for {user_code} (then Enter, Ctrl-D):");
                    }
                    let mut s = String::new();
                    std::io::stdin().read_to_string(&mut s)?;
                    s.trim_end_matches(['\n', '\r']).to_string()
                }
            };
            let url = app::prepare_database(&db).await?;
            let pool = store::build_pool(&url, &db, Default::default())?;
            let user = demo::create_account(
                &pool,
                &user_code,
                &password,
                Role::DirectorateAdmin,
                &display_name,
                None,
                None,
            )
            .await?;
            println!("created admin account {}", user.user_code);
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve { demo, config } => serve(config, demo).await.map(|()| ExitCode::SUCCESS),
    }
}

/// The import's progress: a bar per file on a terminal, plain lines otherwise (on stderr);
/// refused and conflicting rows on stdout.
struct CliProgress {
    terminal: bool,
    bar: std::sync::Mutex<Option<indicatif::ProgressBar>>,
}

impl CliProgress {
    fn new() -> Self {
        Self {
            terminal: std::io::stderr().is_terminal(),
            bar: std::sync::Mutex::new(None),
        }
    }

    /// Prints a line on stdout without breaking the bar.
    fn say(&self, line: String) {
        match self.bar.lock().ok().and_then(|b| b.clone()) {
            Some(bar) => bar.suspend(|| println!("{line}")),
            None => println!("{line}"),
        }
    }
}

impl legacy_import::Progress for CliProgress {
    fn start(&self, file: LegacyFile, bytes: u64) {
        if self.terminal {
            let bar = indicatif::ProgressBar::new(bytes);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{prefix:>16} [{bar:40}] {percent:>3}% {msg} ({elapsed})",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_prefix(file.file_name());
            if let Ok(mut slot) = self.bar.lock() {
                *slot = Some(bar);
            }
        } else {
            eprintln!("{file}: importing ({bytes} bytes)");
        }
    }

    fn advance(&self, file: LegacyFile, rows: u64, bytes: u64) {
        match self.bar.lock().ok().and_then(|b| b.clone()) {
            Some(bar) => {
                bar.set_position(bytes);
                bar.set_message(format!("{rows} rows"));
            }
            None => eprintln!("{file}: {rows} rows read"),
        }
    }

    fn refused(&self, refusal: &officer_registry::legacy::Refusal) {
        self.say(format!("refused  {}", refusal.describe()));
    }

    fn conflict(&self, conflict: &legacy_import::Conflict) {
        self.say(format!("conflict {}", conflict.describe()));
    }

    fn finish(&self, file: LegacyFile, counts: &legacy_import::FileCounts) {
        let bar = self.bar.lock().ok().and_then(|mut b| b.take());
        match bar {
            Some(bar) => bar.finish_with_message(format!("{} rows", counts.rows())),
            None => eprintln!("{file}: done, {} rows", counts.rows()),
        }
    }
}

async fn serve(config: Config, with_demo: bool) -> anyhow::Result<()> {
    if with_demo && config.production {
        anyhow::bail!("--demo is refused in production mode");
    }
    if config.signing_secret()?.is_none() {
        eprintln!(
            "\n*** WARNING: JWT_SECRET is not set. Tokens are signed with a DEVELOPMENT secret \
             made for this data folder ({}/{}). This is refused in production mode \
             (PRODUCTION=true). ***\n",
            config.db.data_dir.display(),
            officer_registry::auth::DEVELOPMENT_SECRET_FILE
        );
    }
    config.check_production()?;
    let (url, source) = app::prepare_database_from(&config.db).await?;
    let served = serve_on(config, with_demo, &url).await;
    if let Err(Stop::AtOnce) = served {
        // A second signal: no more waiting, for anything.
        std::process::exit(130);
    }
    app::release_database(&url, &source).await;
    served.map_err(|e| match e {
        Stop::Failed(e) => e,
        Stop::AtOnce => anyhow::anyhow!("stopped at once"),
    })
}

/// How serving ended, when not by a complete drain.
enum Stop {
    /// A second signal during the drain.
    AtOnce,
    /// An error.
    Failed(anyhow::Error),
}

impl<E: Into<anyhow::Error>> From<E> for Stop {
    fn from(e: E) -> Self {
        Self::Failed(e.into())
    }
}

/// Serves until a signal, then drains: `/readyz` answers 503 at once; new connections are
/// taken for `DRAIN_GRACE_MS` more (0: none); requests in flight finish and WebSockets are
/// closed with 1012 (reconnect), up to `DRAIN_TIMEOUT_SECS`; the background jobs stop at a
/// safe point. A second signal stops at once.
async fn serve_on(config: Config, with_demo: bool, url: &str) -> Result<(), Stop> {
    let bind = config.bind_addr;
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    let local = listener.local_addr()?;
    let mut config = config;
    // The address actually bound (a port of 0 is chosen by the system).
    config.bind_addr = local;
    let app = app::App::new(config, url)?;
    if with_demo {
        demo::seed(&app).await?;
    }
    tracing::info!(
        "serving on http://{local}  (POST /graphql, /healthz, /readyz, /metrics); database {}",
        store::describe_url(url)
    );
    if with_demo {
        for (code, password, role, _) in demo::DEMO_ACCOUNTS {
            tracing::info!("demo account: {code} / {password} ({})", role.as_str());
        }
    }
    let mut signals = Signals::new()?;
    let jobs = jobs::start(&app);
    let grace = std::time::Duration::from_millis(app.config.drain_grace_ms);
    let timeout = std::time::Duration::from_secs(app.config.drain_timeout_secs);
    let stop_taking = {
        let draining = app.draining.clone();
        async move {
            draining.cancelled().await;
            tokio::time::sleep(grace).await;
        }
    };
    let server = axum::serve(
        listener,
        http::router(app.clone()).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(stop_taking);
    let mut server = tokio::spawn(async move { server.await });
    tokio::select! {
        done = &mut server => {
            // The listener failed on its own.
            done??;
            jobs.stop().await;
            return Ok(());
        }
        () = signals.next() => {}
    }
    tracing::info!(
        "draining: /readyz answers 503, WebSockets are closed (1012), requests in flight \
         finish (up to {} s); a second signal stops at once",
        timeout.as_secs()
    );
    metrics::gauge!("draining").set(1.0);
    app.draining.cancel();
    let deadline = tokio::time::Instant::now() + timeout;
    let drained = async {
        let served = (&mut server).await;
        // Upgraded connections (WebSockets) are not the listener's: wait for them too.
        while app.open_sockets.load(std::sync::atomic::Ordering::SeqCst) > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        served
    };
    tokio::select! {
        served = drained => { served??; }
        () = tokio::time::sleep_until(deadline) => {
            tracing::warn!("the drain took longer than {} s: stopping", timeout.as_secs());
            server.abort();
        }
        () = signals.next() => {
            tracing::warn!("second signal: stopping at once");
            return Err(Stop::AtOnce);
        }
    }
    tokio::select! {
        () = jobs.stop() => {}
        () = signals.next() => {
            tracing::warn!("second signal: stopping at once");
            return Err(Stop::AtOnce);
        }
    }
    tracing::info!("drained");
    Ok(())
}

/// SIGTERM and SIGINT (Ctrl-C), listened to from before the server takes its first request.
struct Signals {
    term: tokio::signal::unix::Signal,
    interrupt: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> anyhow::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            term: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
        })
    }

    /// The next signal.
    async fn next(&mut self) {
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.interrupt.recv() => {}
        }
    }
}

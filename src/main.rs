//! `officer-registry`: the server binary. `officer-registry --help` lists the commands.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use std::io::{IsTerminal as _, Read as _};
use std::net::SocketAddr;
use std::process::ExitCode;

use officer_registry::config::{Config, DatabaseConfig};
use officer_registry::domain::Role;
use officer_registry::{app, demo, graphql, http, jobs, store};

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
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::ExportSchema => {
            print!("{}", graphql::sdl());
            Ok(())
        }
        Command::Migrate { db } => {
            let url = app::prepare_database(&db).await?;
            println!("database at {} is migrated", store::describe_url(&url));
            Ok(())
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
            Ok(())
        }
        Command::Serve { demo, config } => serve(config, demo).await,
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
    let url = app::prepare_database(&config.db).await?;
    let bind = config.bind_addr;
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    let local = listener.local_addr()?;
    let mut config = config;
    // The address actually bound (a port of 0 is chosen by the system).
    config.bind_addr = local;
    let app = app::App::new(config, &url)?;
    if with_demo {
        demo::seed(&app).await?;
    }
    tracing::info!(
        "serving on http://{local}  (POST /graphql, /healthz, /readyz, /metrics); database {}",
        store::describe_url(&url)
    );
    if with_demo {
        for (code, password, role, _) in demo::DEMO_ACCOUNTS {
            tracing::info!("demo account: {code} / {password} ({})", role.as_str());
        }
    }
    let jobs = jobs::start(&app);
    axum::serve(
        listener,
        http::router(app).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    jobs.stop().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}

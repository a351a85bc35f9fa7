//! Finding a database: the configured one, the local server, or a private cluster.
//!
//! When no `DATABASE_URL` is given and nothing answers at 127.0.0.1:5432, a private PostgreSQL
//! cluster is created and started under `<data-dir>/pg` with the machine's own PostgreSQL
//! binaries (`initdb`, `pg_ctl`). The test harness uses the same path, so the tests run on any
//! machine with the PostgreSQL server package installed. Written by hand because no
//! maintained crate drives the system's binaries (the embedded-postgres crates download their
//! own builds, which this environment forbids).

use anyhow::{Context as _, bail};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::config::DatabaseConfig;

/// The database name used when the URL is not configured.
pub const DEFAULT_DATABASE: &str = "officer_registry";
/// The address of a local PostgreSQL server tried before starting a private cluster.
pub const LOCAL_SERVER: &str = "127.0.0.1:5432";
/// The command that installs the PostgreSQL server binaries on Debian and Ubuntu.
pub const INSTALL_HINT: &str = "apt-get install -y postgresql";

/// Where the database URL came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseSource {
    /// `DATABASE_URL` / `--database-url`.
    Configured,
    /// The PostgreSQL server answering at 127.0.0.1:5432.
    LocalServer,
    /// A private cluster in this folder, started by us.
    PrivateCluster(PathBuf),
}

/// Resolves the database URL as described in the module documentation.
pub fn resolve_database_url(cfg: &DatabaseConfig) -> anyhow::Result<(String, DatabaseSource)> {
    if let Some(url) = &cfg.database_url {
        return Ok((url.clone(), DatabaseSource::Configured));
    }
    let local = cfg.local_postgres_addr.as_str();
    if answers(local) {
        return Ok((
            format!("postgres://postgres@{local}/{DEFAULT_DATABASE}"),
            DatabaseSource::LocalServer,
        ));
    }
    let dir = absolute(&cfg.data_dir.join("pg"))?;
    let cluster = PrivateCluster::start(&dir)?;
    Ok((
        cluster.url(DEFAULT_DATABASE),
        DatabaseSource::PrivateCluster(dir),
    ))
}

fn absolute(p: &Path) -> anyhow::Result<PathBuf> {
    if p.is_absolute() {
        Ok(p.to_path_buf())
    } else {
        Ok(std::env::current_dir()?.join(p))
    }
}

fn answers(addr: &str) -> bool {
    addr.parse::<SocketAddr>()
        .ok()
        .and_then(|a| TcpStream::connect_timeout(&a, Duration::from_millis(500)).ok())
        .is_some()
}

/// A PostgreSQL cluster in a folder of ours, listening on a loopback port.
#[derive(Debug)]
pub struct PrivateCluster {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
}

impl PrivateCluster {
    /// Creates the cluster if the folder holds none, and starts it unless it runs already.
    pub fn start(dir: &Path) -> anyhow::Result<Self> {
        Self::start_at(dir, None)
    }

    /// As [`PrivateCluster::start`], listening on `port` when given (a free port otherwise).
    pub fn start_at(dir: &Path, port: Option<u16>) -> anyhow::Result<Self> {
        let bin = find_server_binaries()?;
        let as_root = is_root();
        if !dir.join("PG_VERSION").exists() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            if as_root {
                run(Command::new("chown")
                    .args(["-R", "postgres:postgres"])
                    .arg(dir))?;
            }
            eprintln!(
                "No PostgreSQL answers at {LOCAL_SERVER}: creating a private cluster in {}",
                dir.display()
            );
            let mut initdb = server_command(&bin.join("initdb"), as_root);
            initdb.arg("-D").arg(dir).args([
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C",
            ]);
            run(&mut initdb).context("initdb failed")?;
        }
        if let Some(port) = running_port(dir)
            && answers(&format!("127.0.0.1:{port}"))
        {
            return Ok(Self {
                dir: dir.to_path_buf(),
                bin,
                port,
            });
        }
        let port = match port {
            Some(p) => p,
            None => free_port()?,
        };
        eprintln!(
            "Starting the private PostgreSQL cluster in {} on 127.0.0.1:{port}",
            dir.display()
        );
        let cluster = Self {
            dir: dir.to_path_buf(),
            bin,
            port,
        };
        cluster.pg_ctl_start(as_root)?;
        Ok(cluster)
    }

    /// Starts the cluster again after [`PrivateCluster::stop`], on the same port (so the
    /// URLs handed out before stay valid).
    pub fn start_again(&self) -> anyhow::Result<()> {
        self.pg_ctl_start(is_root())
    }

    fn pg_ctl_start(&self, as_root: bool) -> anyhow::Result<()> {
        let dir = &self.dir;
        let mut pg_ctl = server_command(&self.bin.join("pg_ctl"), as_root);
        pg_ctl
            .arg("-D")
            .arg(dir)
            .arg("-l")
            .arg(dir.join("server.log"))
            .args(["-w", "-t", "60", "-o"])
            .arg(format!(
                "-c listen_addresses=127.0.0.1 -p {} -k {}",
                self.port,
                dir.display()
            ))
            .arg("start");
        run(&mut pg_ctl).with_context(|| {
            format!(
                "pg_ctl start failed; see {}",
                dir.join("server.log").display()
            )
        })
    }

    /// The URL of a database in this cluster.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// The port the cluster listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Makes `dir` a streaming standby of this cluster (see [`base_backup_from`]).
    pub fn base_backup(&self, dir: &Path) -> anyhow::Result<()> {
        base_backup_from(self.port, dir)
    }

    /// Stops the cluster (fast shutdown).
    pub fn stop(&self) -> anyhow::Result<()> {
        let mut pg_ctl = server_command(&self.bin.join("pg_ctl"), is_root());
        pg_ctl
            .arg("-D")
            .arg(&self.dir)
            .args(["-m", "fast", "-w", "stop"]);
        run(&mut pg_ctl)
    }
}

/// Finds `initdb` and `pg_ctl`: `pg_config --bindir`, else the newest
/// `/usr/lib/postgresql/<major>/bin`.
pub fn find_server_binaries() -> anyhow::Result<PathBuf> {
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && dir.join("initdb").exists() {
            return Ok(dir);
        }
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let major = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((major, bin))
        })
        .collect();
    found.sort();
    match found.pop() {
        Some((_, bin)) => Ok(bin),
        None => bail!(
            "no PostgreSQL answers at {LOCAL_SERVER}, DATABASE_URL is not set, and the PostgreSQL \
             server binaries (initdb, pg_ctl) are not installed. Install them with:\n    {INSTALL_HINT}"
        ),
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// `initdb` and `postgres` refuse to run as root: run them as the `postgres` user then.
fn server_command(program: &Path, as_root: bool) -> Command {
    if as_root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn run(cmd: &mut Command) -> anyhow::Result<()> {
    let out = cmd
        .output()
        .with_context(|| format!("running {:?}", cmd.get_program()))?;
    if !out.status.success() {
        bail!(
            "{:?} exited with {}: {}{}",
            cmd.get_program(),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

/// The port of a running cluster, from line 4 of `postmaster.pid`.
fn running_port(dir: &Path) -> Option<u16> {
    let pid_file = std::fs::read_to_string(dir.join("postmaster.pid")).ok()?;
    pid_file.lines().nth(3)?.trim().parse().ok()
}

fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// Makes `dir` a streaming standby of the server on `127.0.0.1:port` (`pg_basebackup -R`,
/// as the `postgres` user when we are root); start it with [`PrivateCluster::start_at`].
/// For the read-replica tests and the cluster run. The server must accept replication
/// connections from 127.0.0.1 for `postgres`.
pub fn base_backup_from(port: u16, dir: &Path) -> anyhow::Result<()> {
    let bin = find_server_binaries()?;
    let as_root = is_root();
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    if as_root {
        run(Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(dir))?;
    }
    run(Command::new("chmod").arg("0700").arg(dir))?;
    let mut backup = server_command(&bin.join("pg_basebackup"), as_root);
    backup
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", "postgres"])
        .arg("-D")
        .arg(dir)
        .args(["-R", "-X", "stream", "-c", "fast"]);
    run(&mut backup).context("pg_basebackup failed")?;
    // Debian keeps a server's configuration outside its data folder: give the standby its
    // own, minimal one.
    let mut written = Vec::new();
    for (file, text) in [
        ("postgresql.conf", "hot_standby = on\n"),
        (
            "pg_hba.conf",
            "local all all trust\nhost all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust\n",
        ),
    ] {
        let path = dir.join(file);
        if !path.exists() {
            std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
            written.push(path);
        }
    }
    if as_root && !written.is_empty() {
        run(Command::new("chown")
            .arg("postgres:postgres")
            .args(&written))?;
    }
    Ok(())
}

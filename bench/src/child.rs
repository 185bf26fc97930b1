//! Servers in child processes of a benchmark binary: the binary starts itself
//! again with `--serve <role>`; the child prints one JSON line on stdout when
//! it listens, and stops when its stdin closes. `run_api` is the real API.

use std::marker::PhantomData;
use std::net::SocketAddr;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// How long a child may take to listen (the API migrates a fresh database).
const START_TIMEOUT: Duration = Duration::from_secs(180);
const STOP_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Debug, Serialize, Deserialize)]
pub struct ApiReady {
    pub addr: SocketAddr,
    pub owner_url: String,
    pub app_url: String,
    pub database: String,
}

/// A server child, seen from the load generator.
pub struct Server<T> {
    child: Child,
    stdin: Option<ChildStdin>,
    pub pid: u32,
    pub ready: T,
    _kind: PhantomData<T>,
}

impl<T: DeserializeOwned> Server<T> {
    /// Starts this binary again with `args` (say `--serve api --db-pool 32`).
    pub async fn start(args: &[String], env: Vec<(&str, String)>) -> anyhow::Result<Self> {
        let exe = std::env::current_exe().context("locating the benchmark binary")?;
        let name = args.join(" ");
        let mut child = Command::new(exe)
            .args(args)
            .envs(env)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting the server ({name})"))?;
        let pid = child.id().context("the child has no pid")?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().context("the child has no stdout")?;
        let line = tokio::time::timeout(START_TIMEOUT, async move {
            BufReader::new(stdout).lines().next_line().await
        })
        .await
        .with_context(|| format!("the server ({name}) did not start in time"))??;
        let Some(line) = line else {
            bail!("the server ({name}) exited before listening");
        };
        let ready = serde_json::from_str(&line)
            .with_context(|| format!("the server ({name}) said {line:?}"))?;
        Ok(Self {
            child,
            stdin,
            pid,
            ready,
            _kind: PhantomData,
        })
    }
}

impl<T> Server<T> {
    /// Closes the child's stdin, which stops it; kills it if it lingers.
    pub async fn stop(mut self) {
        drop(self.stdin.take());
        if tokio::time::timeout(STOP_TIMEOUT, self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}

/// Fails unless the services `bench/run.sh` starts are configured
/// (`CAUCUS_TEST_DATABASE_URL`, …, and `extra`).
pub fn require_services(extra: &[&str]) -> anyhow::Result<()> {
    for var in [
        "CAUCUS_TEST_DATABASE_URL",
        "CAUCUS_TEST_APP_DATABASE_URL",
        "CAUCUS_TEST_REDIS_URL",
    ]
    .iter()
    .chain(extra)
    {
        anyhow::ensure!(
            std::env::var_os(var).is_some(),
            "{var} is not set: run the benchmark through bench/run.sh, which starts PostgreSQL and Redis"
        );
    }
    Ok(())
}

impl Server<ApiReady> {
    /// Starts the benchmark binary again as the API (`--serve api`) on a
    /// fresh, migrated database, with these pool sizes.
    pub async fn api(db_pool: u32, redis_pool: usize) -> anyhow::Result<Self> {
        let args = vec![
            "--serve".to_owned(),
            "api".to_owned(),
            "--db-pool".to_owned(),
            db_pool.to_string(),
            "--redis-pool".to_owned(),
            redis_pool.to_string(),
        ];
        Self::start(&args, Vec::new()).await
    }
}

/// The load generator's runtime, on `threads` worker threads (the servers
/// it measures run in child processes, see [`server_runtime`]).
pub fn generator_runtime(threads: usize) -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .context("starting the load generator's runtime")
}

pub fn server_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    // As the `caucus` binary does: the default multi-threaded runtime.
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the server runtime")
}

pub fn announce(ready: &impl Serialize) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", serde_json::to_string(ready)?)?;
    out.flush()?;
    Ok(())
}

pub async fn until_stdin_closes() {
    let mut stdin = tokio::io::stdin();
    let mut buf = [0u8; 64];
    // Bounded: the parent never writes; EOF (or an error) ends the wait.
    while let Ok(n) = stdin.read(&mut buf).await {
        if n == 0 {
            break;
        }
    }
}

/// `--serve api`: the real application through the testkit (fresh database,
/// migrations, Redis prefix), with the given pool sizes and the production
/// log pipeline (JSON lines at the default filter) writing to a sink.
pub fn run_api(db_pool: u32, redis_pool: usize) -> anyhow::Result<()> {
    server_runtime()?.block_on(async move {
        let mut log_filter = String::new();
        let app = caucus_api::testkit::spawn_with(|settings| {
            settings.database.max_connections = db_pool;
            settings.database.min_connections = 2.min(db_pool);
            settings.redis.pool_size = redis_pool;
            log_filter = settings.telemetry.log_filter.clone();
        })
        .await;
        tracing_subscriber::registry()
            .with(tracing_subscriber::EnvFilter::try_new(&log_filter)?)
            .with(caucus_api::telemetry::json_log_layer(std::io::sink))
            .try_init()?;
        announce(&ApiReady {
            addr: app.addr,
            owner_url: app.db.owner_url.clone(),
            app_url: app.db.app_url.clone(),
            database: app.db.name.clone(),
        })?;
        until_stdin_closes().await;
        drop(app);
        // Let the server drain its connections before the runtime stops.
        tokio::time::sleep(Duration::from_millis(200)).await;
        Ok(())
    })
}

/// Drops a database the testkit created, through `CAUCUS_TEST_DATABASE_URL`.
pub async fn drop_database(name: &str) -> anyhow::Result<()> {
    use sqlx::Connection as _;
    anyhow::ensure!(
        name.starts_with("test_") && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
        "unexpected database name"
    );
    let owner = std::env::var("CAUCUS_TEST_DATABASE_URL")?;
    let mut conn = sqlx::PgConnection::connect(&owner).await?;
    sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(())
}

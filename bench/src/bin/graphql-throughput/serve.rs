//! The two servers, each in a child process of the benchmark: the real API and
//! the bare baseline. A child prints one JSON line on stdout when it listens,
//! and stops when its stdin closes.

use std::marker::PhantomData;
use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sqlx::Row as _;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::types::chrono::{DateTime, Utc};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use uuid::Uuid;

use crate::{Cli, Role};

pub const BASELINE_URL_ENV: &str = "BENCH_BASELINE_DATABASE_URL";
pub const BASELINE_ORG_ENV: &str = "BENCH_BASELINE_ORG_ID";

/// How long a child may take to listen (the API migrates a fresh database).
const START_TIMEOUT: Duration = Duration::from_secs(180);
const STOP_TIMEOUT: Duration = Duration::from_secs(15);

/// The statement sea-orm sends for `organization::Entity::find_by_id(id).one(..)`,
/// which is what the `organization` resolver runs inside its tenant transaction.
pub const ORG_SQL: &str = r#"SELECT "organizations"."id", "organizations"."slug", "organizations"."name", "organizations"."tier", "organizations"."settings_json", "organizations"."billing_account_id", "organizations"."created_at", "organizations"."updated_at" FROM "organizations" WHERE "organizations"."id" = $1 LIMIT $2"#;

#[derive(Debug, Serialize, Deserialize)]
pub struct ApiReady {
    pub addr: SocketAddr,
    pub owner_url: String,
    pub app_url: String,
    pub database: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct BaselineReady {
    pub addr: SocketAddr,
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
    pub async fn start(role: Role, cli: &Cli, env: Vec<(&str, String)>) -> anyhow::Result<Self> {
        let exe = std::env::current_exe().context("locating the benchmark binary")?;
        let role_arg = match role {
            Role::Api => "api",
            Role::Baseline => "baseline",
        };
        let mut child = Command::new(exe)
            .arg("--serve")
            .arg(role_arg)
            .arg("--db-pool")
            .arg(cli.db_pool.to_string())
            .arg("--redis-pool")
            .arg(cli.redis_pool.to_string())
            .envs(env)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting the {role_arg} server"))?;
        let pid = child.id().context("the child has no pid")?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().context("the child has no stdout")?;
        let line = tokio::time::timeout(START_TIMEOUT, async move {
            BufReader::new(stdout).lines().next_line().await
        })
        .await
        .with_context(|| format!("the {role_arg} server did not start in time"))??;
        let Some(line) = line else {
            bail!("the {role_arg} server exited before listening");
        };
        let ready = serde_json::from_str(&line)
            .with_context(|| format!("the {role_arg} server said {line:?}"))?;
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

fn server_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    // As the `caucus` binary does: the default multi-threaded runtime.
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the server runtime")
}

fn announce(ready: &impl Serialize) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", serde_json::to_string(ready)?)?;
    out.flush()?;
    Ok(())
}

async fn until_stdin_closes() {
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
/// migrations, Redis prefix), with the production pool sizes and the production
/// log pipeline (JSON lines at the default filter) writing to a sink.
pub fn run_api(cli: &Cli) -> anyhow::Result<()> {
    let db_pool = cli.db_pool;
    let redis_pool = cli.redis_pool;
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

struct Baseline {
    pool: PgPool,
    org_id: Uuid,
}

/// The response both paths give, field for field.
#[derive(Serialize)]
struct Data<'a> {
    data: OrgData<'a>,
}

#[derive(Serialize)]
struct OrgData<'a> {
    organization: Org<'a>,
}

#[derive(Serialize)]
struct Org<'a> {
    id: Uuid,
    name: &'a str,
    slug: &'a str,
}

/// The bare handler: no session, no GraphQL, no transaction; the same
/// statement on a pool of the API role whose connections have the tenant set
/// once, when they open. Reads the body and decodes every column, as the
/// resolver does.
async fn organization(State(state): State<Arc<Baseline>>, _body: Bytes) -> Response {
    let row = sqlx::query(ORG_SQL)
        .bind(state.org_id)
        .bind(1_i64)
        .fetch_optional(&state.pool)
        .await;
    let decoded = row.and_then(|row| {
        let Some(row) = row else { return Ok(None) };
        let id: Uuid = row.try_get(0)?;
        let slug: String = row.try_get(1)?;
        let name: String = row.try_get(2)?;
        let _tier: String = row.try_get(3)?;
        let _settings: serde_json::Value = row.try_get(4)?;
        let _billing: Option<String> = row.try_get(5)?;
        let _created: DateTime<Utc> = row.try_get(6)?;
        let _updated: DateTime<Utc> = row.try_get(7)?;
        Ok(Some((id, slug, name)))
    });
    match decoded {
        Ok(Some((id, slug, name))) => {
            let body = Data {
                data: OrgData {
                    organization: Org {
                        id,
                        name: &name,
                        slug: &slug,
                    },
                },
            };
            match serde_json::to_string(&body) {
                Ok(json) => (
                    StatusCode::OK,
                    [(header::CONTENT_TYPE, "application/json")],
                    json,
                )
                    .into_response(),
                Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
            }
        }
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// `--serve baseline`: a bare axum server with one route.
pub fn run_baseline(cli: &Cli) -> anyhow::Result<()> {
    let url = std::env::var(BASELINE_URL_ENV).context(BASELINE_URL_ENV)?;
    let org_id: Uuid = std::env::var(BASELINE_ORG_ENV)
        .context(BASELINE_ORG_ENV)?
        .parse()?;
    let db_pool = cli.db_pool;
    server_runtime()?.block_on(async move {
        let pool = PgPoolOptions::new()
            .max_connections(db_pool)
            .min_connections(2.min(db_pool))
            .acquire_timeout(Duration::from_secs(5))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    sqlx::query("SELECT set_config('app.org_id', $1, false)")
                        .bind(org_id.to_string())
                        .execute(conn)
                        .await?;
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .context("connecting the baseline pool as the API role")?;
        let state = Arc::new(Baseline { pool, org_id });
        let router = Router::new()
            .route("/graphql", axum::routing::post(organization))
            .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        announce(&BaselineReady {
            addr: listener.local_addr()?,
        })?;
        axum::serve(listener, router)
            .with_graceful_shutdown(until_stdin_closes())
            .await?;
        Ok(())
    })
}

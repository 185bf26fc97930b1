//! `graphql-throughput`: drives `query Org { organization { id name slug } }`
//! through the whole API (HTTP, session lookup in Redis, GraphQL, tenant
//! transaction in PostgreSQL) with many keep-alive connections, next to a bare
//! axum handler that runs the same query on a plain pool, in the same run.
//!
//! Three processes: this one generates load; it starts itself twice more, once
//! as the API (`--serve api`, the real application through the testkit, on a
//! fresh database) and once as the baseline (`--serve baseline`). The API's
//! peak memory is read from its own `/proc/PID/status`, so the load generator
//! does not count. Run it through `bench/run.sh`, which starts PostgreSQL and
//! Redis; see `bench/README.md`.

// A benchmark binary, not the product: a broken set-up should stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod load;
mod report;
mod serve;

use bench::{observe, procfs};

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use caucus_api::authz::RoleKey;
use caucus_api::seed::{SeedAccount, seed_org};
use clap::{Parser, ValueEnum};
use uuid::Uuid;

use crate::load::{Plan, Target};
use crate::report::{ApiMemory, Measured, Path, Row};
use crate::serve::BaselineReady;
use bench::child::{ApiReady, Server, drop_database};

pub const ORG_SLUG: &str = "bench";
pub const ORG_NAME: &str = "Bench Mediation Services";
pub const ADMIN_EMAIL: &str = "admin@bench.caucus.test";
pub const PASSWORD: &str = "bench-password-not-secret";
/// The operation both paths answer, sent as the same bytes to both.
pub const QUERY_BODY: &str =
    r#"{"query":"query Org { organization { id name slug } }","operationName":"Org"}"#;

/// Longest accepted measurement, warm-up and connection count: every loop of
/// the benchmark is bounded.
const MAX_SECS: f64 = 3600.0;
const MAX_CONNECTIONS: usize = 1024;

#[derive(Parser, Debug, Clone)]
#[command(
    name = "graphql-throughput",
    about = "Full-stack GraphQL throughput and latency against a bare axum + SQL baseline"
)]
pub struct Cli {
    /// Concurrent connections, one run per value for each path.
    #[arg(
        long,
        env = "BENCH_CONNECTIONS",
        value_delimiter = ',',
        default_value = "16,64"
    )]
    connections: Vec<usize>,
    /// Seconds of load before measuring, per run.
    #[arg(long, env = "BENCH_WARMUP_SECS", default_value_t = 2.0)]
    warmup_secs: f64,
    /// Seconds measured, per run.
    #[arg(long, env = "BENCH_DURATION_SECS", default_value_t = 10.0)]
    duration_secs: f64,
    /// PostgreSQL pool size of both servers (the API's default is 32).
    #[arg(long, env = "BENCH_DB_POOL", default_value_t = 32)]
    db_pool: u32,
    /// Redis pool size of the API (its default is 4).
    #[arg(long, env = "BENCH_REDIS_POOL", default_value_t = 4)]
    redis_pool: usize,
    /// Threads of the load generator.
    #[arg(long, env = "BENCH_CLIENT_THREADS", default_value_t = 1)]
    client_threads: usize,
    /// Sessions signed in before the runs, shared round-robin by the
    /// connections; 0 means one per connection of the largest run.
    #[arg(long, env = "BENCH_SESSIONS", default_value_t = 0)]
    sessions: usize,
    /// Upper bound on the requests one connection sends in one run.
    #[arg(long, default_value_t = 10_000_000)]
    max_requests_per_connection: u64,
    /// Internal: run as one of the servers.
    #[arg(long, hide = true, value_enum)]
    serve: Option<Role>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Role {
    Api,
    Baseline,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.serve {
        Some(Role::Api) => bench::child::run_api(cli.db_pool, cli.redis_pool),
        Some(Role::Baseline) => serve::run_baseline(&cli),
        None => {
            check(&cli)?;
            bench::child::generator_runtime(cli.client_threads)?.block_on(drive(cli))
        }
    }
}

fn check(cli: &Cli) -> anyhow::Result<()> {
    ensure!(
        !cli.connections.is_empty()
            && cli
                .connections
                .iter()
                .all(|&c| (1..=MAX_CONNECTIONS).contains(&c)),
        "--connections: each value must be 1..={MAX_CONNECTIONS}"
    );
    ensure!(
        cli.duration_secs > 0.0 && cli.duration_secs <= MAX_SECS,
        "--duration-secs must be in (0, {MAX_SECS}]"
    );
    ensure!(
        cli.warmup_secs >= 0.0 && cli.warmup_secs <= MAX_SECS,
        "--warmup-secs must be in [0, {MAX_SECS}]"
    );
    ensure!(
        (1..=64).contains(&cli.client_threads),
        "--client-threads must be 1..=64"
    );
    ensure!(
        (1..=1000).contains(&cli.db_pool),
        "--db-pool must be 1..=1000"
    );
    ensure!(
        cli.sessions <= MAX_CONNECTIONS,
        "--sessions must be at most {MAX_CONNECTIONS}"
    );
    for var in [
        "CAUCUS_TEST_DATABASE_URL",
        "CAUCUS_TEST_APP_DATABASE_URL",
        "CAUCUS_TEST_REDIS_URL",
    ] {
        ensure!(
            std::env::var_os(var).is_some(),
            "{var} is not set: run the benchmark through bench/run.sh, which starts PostgreSQL and Redis"
        );
    }
    Ok(())
}

async fn drive(cli: Cli) -> anyhow::Result<()> {
    eprintln!("starting the API (fresh database, migrations) ...");
    let api = Server::<ApiReady>::start(&server_args("api", &cli), Vec::new()).await?;
    let result = drive_with_api(&cli, &api).await;
    let database = api.ready.database.clone();
    api.stop().await;
    if let Err(error) = drop_database(&database).await {
        eprintln!("warning: could not drop the benchmark database {database}: {error:#}");
    }
    let measured = result?;
    let settings = report::Settings {
        warmup_secs: cli.warmup_secs,
        duration_secs: cli.duration_secs,
        db_pool: cli.db_pool,
        redis_pool: cli.redis_pool,
        client_threads: cli.client_threads,
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    print!("{}", report::render(&settings, &measured));
    Ok(())
}

async fn drive_with_api(cli: &Cli, api: &Server<ApiReady>) -> anyhow::Result<Measured> {
    let org_id = seed_org(
        &api.ready.owner_url,
        ORG_SLUG,
        ORG_NAME,
        &[SeedAccount {
            email: ADMIN_EMAIL,
            name: "Bench Admin",
            role: RoleKey::OrgAdmin,
        }],
        PASSWORD,
    )
    .await
    .context("seeding the benchmark organization")?;

    eprintln!("starting the baseline server ...");
    let baseline = Server::<BaselineReady>::start(
        &server_args("baseline", cli),
        vec![
            (serve::BASELINE_URL_ENV, api.ready.app_url.clone()),
            (serve::BASELINE_ORG_ENV, org_id.to_string()),
        ],
    )
    .await?;
    let result = measure(cli, api, &baseline, org_id).await;
    let baseline_peak_kib = procfs::peak_rss_kib(baseline.pid);
    baseline.stop().await;
    let (rows, mut api_memory) = result?;
    api_memory.peak_kib = procfs::peak_rss_kib(api.pid);
    Ok(Measured {
        rows,
        api_memory,
        baseline_peak_kib,
    })
}

async fn measure(
    cli: &Cli,
    api: &Server<ApiReady>,
    baseline: &Server<BaselineReady>,
    org_id: Uuid,
) -> anyhow::Result<(Vec<Row>, ApiMemory)> {
    let largest = cli.connections.iter().copied().max().unwrap_or(1);
    let sessions = if cli.sessions == 0 {
        largest
    } else {
        cli.sessions
    };
    let started_kib = procfs::rss_kib(api.pid);
    eprintln!("API started: {}", procfs::memory_line(api.pid));
    eprintln!("signing in {sessions} session(s) ...");
    let mut cookies = Vec::with_capacity(sessions);
    for _ in 0..sessions {
        cookies.push(load::sign_in(api.ready.addr, ADMIN_EMAIL, PASSWORD).await?);
    }
    eprintln!("API after sign-ins: {}", procfs::memory_line(api.pid));
    let api_memory = ApiMemory {
        started_kib,
        sessions,
        after_sign_in_kib: procfs::rss_kib(api.pid),
        peak_kib: None,
    };

    let graphql = Arc::new(Target {
        addr: api.ready.addr,
        path: "/graphql",
        cookies,
    });
    let bare = Arc::new(Target {
        addr: baseline.ready.addr,
        path: "/graphql",
        cookies: Vec::new(),
    });
    for (name, target) in [("API", &graphql), ("baseline", &bare)] {
        let body = load::probe(target).await?;
        let expected = format!(r#"{{"data":{{"organization":{{"id":"{org_id}","#);
        if !body.starts_with(&expected) {
            bail!("the {name} answered {body} instead of the organization {org_id}");
        }
    }

    let redis_url = std::env::var("CAUCUS_TEST_REDIS_URL")?;
    let observer = observe::Observer::connect(&api.ready.owner_url, &redis_url).await?;
    let rows = runs(cli, api, baseline, &graphql, &bare, &observer).await;
    observer.close().await;
    Ok((rows?, api_memory))
}

async fn runs(
    cli: &Cli,
    api: &Server<ApiReady>,
    baseline: &Server<BaselineReady>,
    graphql: &Arc<Target>,
    bare: &Arc<Target>,
    observer: &observe::Observer,
) -> anyhow::Result<Vec<Row>> {
    let mut rows = Vec::new();
    for &connections in &cli.connections {
        for (path, target, pid) in [
            (Path::Baseline, bare, baseline.pid),
            (Path::Graphql, graphql, api.pid),
        ] {
            let plan = Plan {
                connections,
                warmup: Duration::from_secs_f64(cli.warmup_secs),
                measure: Duration::from_secs_f64(cli.duration_secs),
                max_requests: cli.max_requests_per_connection,
                server_pid: pid,
            };
            eprintln!(
                "{} with {connections} connections: {:.0} s warm-up, {:.0} s measured ...",
                path.label(),
                cli.warmup_secs,
                cli.duration_secs
            );
            let outcome = load::run(target, &plan, observer).await?;
            let row = Row {
                path,
                connections,
                outcome,
            };
            eprintln!("  {}", row.summary());
            if path == Path::Graphql {
                eprintln!("  API: {}", procfs::memory_line(api.pid));
            }
            rows.push(row);
        }
    }
    Ok(rows)
}

/// The arguments that start this binary as one of the servers.
fn server_args(role: &str, cli: &Cli) -> Vec<String> {
    vec![
        "--serve".into(),
        role.into(),
        "--db-pool".into(),
        cli.db_pool.to_string(),
        "--redis-pool".into(),
        cli.redis_pool.to_string(),
    ]
}

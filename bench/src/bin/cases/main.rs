//! `cases`: a mediator's case list and a case detail under concurrent load,
//! on a seeded organization of 100 000 cases across 200 mediators among nine
//! other tenants of the same size, with row-level security on and off in
//! alternating slices of the same run, and the plans of the hot statements.
//!
//! The API runs in a child process (`--serve api`, the real application on a
//! fresh database); this process seeds it as the owner (`seed`), signs a
//! mediator in, drives the two GraphQL queries closed loop (`bench::load`),
//! switches the policies of the case tables off and on between slices
//! (`rls`), and explains the statements the API sent (`plans`). Run it
//! through `bench/run.sh cases`; see `bench/README.md`. Targets are printed
//! PASS or MISS, never asserted.

// A benchmark binary, not the product: a broken set-up should stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod phases;
mod plans;
mod report;
mod rls;
mod seed;

use anyhow::{bail, ensure};
use bench::child::{ApiReady, Server, drop_database};
use clap::Parser;

pub const PASSWORD: &str = "bench-password-not-secret";
const MAX_SECS: f64 = 3600.0;

#[derive(Parser, Debug, Clone)]
#[command(
    name = "cases",
    about = "A mediator's case list and a case detail on 10 × 100 000 cases, with row-level security on and off"
)]
pub struct Cli {
    /// Organizations seeded (the first is measured; the others are its neighbours).
    #[arg(long, env = "BENCH_ORGS", default_value_t = 10)]
    orgs: u32,
    /// Cases per organization.
    #[arg(long, env = "BENCH_CASES", default_value_t = 100_000)]
    cases: u32,
    /// Mediators per organization; cases are spread over them evenly.
    #[arg(long, env = "BENCH_MEDIATORS", default_value_t = 200)]
    mediators: u32,
    /// Concurrent connections (closed loop).
    #[arg(long, env = "BENCH_CONNECTIONS", default_value_t = 64)]
    connections: usize,
    /// Seconds of unmeasured load per query before the slices.
    #[arg(long, env = "BENCH_WARMUP_SECS", default_value_t = 2.0)]
    warmup_secs: f64,
    /// Seconds measured per query and variant, split into slices.
    #[arg(long, env = "BENCH_DURATION_SECS", default_value_t = 10.0)]
    duration_secs: f64,
    /// Slices per query and variant (RLS on and off alternate).
    #[arg(long, env = "BENCH_ROUNDS", default_value_t = 4)]
    rounds: u32,
    /// Seconds of load while the API's statements are sampled.
    #[arg(long, env = "BENCH_CAPTURE_SECS", default_value_t = 3.0)]
    capture_secs: f64,
    /// PostgreSQL pool size of the API (its default is 32).
    #[arg(long, env = "BENCH_DB_POOL", default_value_t = 32)]
    db_pool: u32,
    /// Redis pool size of the API (its default is 4).
    #[arg(long, env = "BENCH_REDIS_POOL", default_value_t = 4)]
    redis_pool: usize,
    /// Internal: run as the API.
    #[arg(long, hide = true)]
    serve: Option<String>,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.serve.as_deref() {
        Some("api") => bench::child::run_api(cli.db_pool, cli.redis_pool),
        Some(other) => bail!("unknown server {other:?}"),
        None => {
            check(&cli)?;
            bench::child::generator_runtime(1)?.block_on(drive(cli))
        }
    }
}

fn check(cli: &Cli) -> anyhow::Result<()> {
    ensure!((1..=100).contains(&cli.orgs), "--orgs must be 1..=100");
    ensure!(
        (100..=10_000_000).contains(&cli.cases),
        "--cases must be 100..=10000000"
    );
    ensure!(
        (1..=10_000).contains(&cli.mediators) && cli.mediators * 20 <= cli.cases,
        "--mediators must be 1..=10000 and at most a twentieth of --cases"
    );
    ensure!(
        (1..=1024).contains(&cli.connections),
        "--connections must be 1..=1024"
    );
    for (flag, secs, min) in [
        ("--duration-secs", cli.duration_secs, f64::MIN_POSITIVE),
        ("--warmup-secs", cli.warmup_secs, 0.0),
        ("--capture-secs", cli.capture_secs, f64::MIN_POSITIVE),
    ] {
        ensure!(
            secs >= min && secs <= MAX_SECS,
            "{flag} must be in ({min}, {MAX_SECS}]"
        );
    }
    ensure!((1..=100).contains(&cli.rounds), "--rounds must be 1..=100");
    ensure!(
        (1..=1000).contains(&cli.db_pool),
        "--db-pool must be 1..=1000"
    );
    bench::child::require_services(&["CAUCUS_TEST_SMTP_URL"])
}

async fn drive(cli: Cli) -> anyhow::Result<()> {
    eprintln!("starting the API (fresh database, migrations) ...");
    let api = Server::<ApiReady>::api(cli.db_pool, cli.redis_pool).await?;
    let result = phases::measure(&cli, &api).await;
    let database = api.ready.database.clone();
    api.stop().await;
    if let Err(error) = drop_database(&database).await {
        eprintln!("warning: could not drop the benchmark database {database}: {error:#}");
    }
    print!("{}", report::render(&cli, &result?));
    Ok(())
}

//! `scheduling`: slot search and booking for one mediator (issue 5).
//!
//! The API runs in a child process (`--serve api`, the real application on a
//! fresh database); this process seeds it as the owner (`seed`): a mediator
//! with a year of sessions and calendar busy times, a case with four parties
//! who gave availability windows in their own zones, and cases of a second
//! mediator for the bookings. It then measures (`phases`):
//!
//! 1. `caseSchedule(caseId, limit: 20)` closed loop at several connection
//!    counts, next to the API's own loader and the pure `slots::find_slots`
//!    on the same inputs, in this process;
//! 2. concurrent workers, one per case and staff session, each picking a
//!    time from its case's schedule and booking it, all on one mediator;
//!    successes and `SLOT_TAKEN` refusals per second, then an SQL check that
//!    no two booked sessions of the mediator overlap.
//!
//! Run it through `bench/run.sh scheduling`; see `bench/README.md`. Targets
//! are printed PASS or MISS, never asserted.

// A benchmark binary, not the product: a broken set-up should stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod booking;
mod phases;
mod report;
mod seed;

use anyhow::{bail, ensure};
use bench::child::{ApiReady, Server, drop_database};
use clap::Parser;

pub const PASSWORD: &str = "bench-password-not-secret";
const MAX_SECS: f64 = 600.0;

#[derive(Parser, Debug, Clone)]
#[command(
    name = "scheduling",
    about = "Slot search (caseSchedule) on a mediator's year of bookings, and bookings per second under contention for one mediator"
)]
pub struct Cli {
    /// Sessions of the measured mediator (other cases), past and coming.
    #[arg(long, env = "BENCH_SESSIONS", default_value_t = 1500)]
    sessions: u32,
    /// How many of them lie in the past 12 months (the rest in the coming 12).
    #[arg(long, env = "BENCH_PAST_SESSIONS", default_value_t = 500)]
    past_sessions: u32,
    /// Rows in `mediator_busy` for the measured mediator, over the past and
    /// the coming 12 months.
    #[arg(long, env = "BENCH_BUSY", default_value_t = 3000)]
    busy: u32,
    /// Availability windows of each of the case's four parties.
    #[arg(long, env = "BENCH_WINDOWS", default_value_t = 200)]
    windows: u32,
    /// Connection counts of the slot-search runs (closed loop), one run each.
    #[arg(long, env = "BENCH_CONNECTIONS", value_delimiter = ',', default_values_t = vec![1, 4, 16])]
    connections: Vec<usize>,
    /// Seconds of unmeasured load before the slot-search runs.
    #[arg(long, env = "BENCH_WARMUP_SECS", default_value_t = 1.0)]
    warmup_secs: f64,
    /// Seconds measured per slot-search run.
    #[arg(long, env = "BENCH_DURATION_SECS", default_value_t = 3.0)]
    duration_secs: f64,
    /// Iterations of the in-process baselines (loader and pure finder).
    #[arg(long, env = "BENCH_BASELINE_ITERATIONS", default_value_t = 300)]
    baseline_iterations: u32,
    /// Booking workers: one case, one staff session and one connection each.
    #[arg(long, env = "BENCH_BOOKERS", default_value_t = 16)]
    bookers: usize,
    /// Seconds of booking.
    #[arg(long, env = "BENCH_BOOK_SECS", default_value_t = 5.0)]
    book_secs: f64,
    /// A worker books one of the first this many proposed times, at random
    /// (1: always the earliest, the most contention).
    #[arg(long, env = "BENCH_PICK_AMONG", default_value_t = 3)]
    pick_among: usize,
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
    ensure!(
        (1..=9_000).contains(&cli.sessions) && cli.past_sessions <= cli.sessions,
        "--sessions must be 1..=9000 and --past-sessions at most --sessions"
    );
    ensure!(
        cli.sessions - cli.past_sessions <= 4 * 250,
        "at most 1000 sessions fit the coming 12 months (four a working day, the organization's cap)"
    );
    ensure!(cli.busy <= 20_000, "--busy must be 0..=20000");
    ensure!(
        (1..=1_000).contains(&cli.windows),
        "--windows must be 1..=1000"
    );
    ensure!(
        !cli.connections.is_empty() && cli.connections.iter().all(|c| (1..=512).contains(c)),
        "--connections must be values in 1..=512"
    );
    for (flag, secs, min) in [
        ("--duration-secs", cli.duration_secs, f64::MIN_POSITIVE),
        ("--warmup-secs", cli.warmup_secs, 0.0),
        ("--book-secs", cli.book_secs, f64::MIN_POSITIVE),
    ] {
        ensure!(
            secs >= min && secs <= MAX_SECS,
            "{flag} must be in ({min}, {MAX_SECS}]"
        );
    }
    ensure!(
        (1..=100_000).contains(&cli.baseline_iterations),
        "--baseline-iterations must be 1..=100000"
    );
    ensure!((1..=64).contains(&cli.bookers), "--bookers must be 1..=64");
    ensure!(
        (1..=20).contains(&cli.pick_among),
        "--pick-among must be 1..=20"
    );
    ensure!(
        (1..=1000).contains(&cli.db_pool),
        "--db-pool must be 1..=1000"
    );
    bench::child::require_services(&[])
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

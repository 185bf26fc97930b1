//! `sign-in`: the cost of passwords and sessions, in one run.
//!
//! 1. The raw argon2id rate: the API's own hashing pool (its parameters, thread
//!    count and priority) verifying in this process, no HTTP, database or Redis.
//! 2. Sign-ins per second through the API (GraphQL `signIn` over HTTP, real
//!    PostgreSQL and Redis), and their ratio to the raw rate; the raw rate is
//!    measured before and after, and the mean is used.
//! 3. What validating a session adds to a simple query: the public `branding`
//!    query with and without a session cookie (the same work otherwise),
//!    closed loop, in alternating slices.
//! 4. Starvation: paced `organization` queries (session, tenant transaction)
//!    alone and while sign-ins keep every hashing thread busy, in alternating
//!    slices.
//!
//! The API runs in a child process (`--serve api`). Run it through
//! `bench/run.sh sign-in`, which starts PostgreSQL and Redis; see
//! `bench/README.md`. Targets are printed PASS or MISS, never asserted.

// A benchmark binary, not the product: a broken set-up should stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod phases;
mod report;

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use bench::child::{ApiReady, Server, drop_database};
use bench::http::Connection;
use bench::observe::Observer;
use bytes::Bytes;
use caucus_api::authz::RoleKey;
use caucus_api::identity::password;
use caucus_api::seed::{SeedAccount, seed_org};
use clap::Parser;
use hyper::header::HeaderValue;

use bench::load::Call;

pub const ORG_SLUG: &str = "bench";
pub const PASSWORD: &str = "bench-password-not-secret";
const MAX_SECS: f64 = 3600.0;

#[derive(Parser, Debug, Clone)]
#[command(
    name = "sign-in",
    about = "Sign-ins against the raw argon2id rate, session validation cost, and starvation"
)]
pub struct Cli {
    /// Seconds of load before measuring the raw rate and the sign-ins.
    #[arg(long, env = "BENCH_WARMUP_SECS", default_value_t = 2.0)]
    warmup_secs: f64,
    /// Seconds measured per figure (split into slices where variants alternate).
    #[arg(long, env = "BENCH_DURATION_SECS", default_value_t = 10.0)]
    duration_secs: f64,
    /// Slices per variant where two variants alternate.
    #[arg(long, env = "BENCH_ROUNDS", default_value_t = 4)]
    rounds: u32,
    /// Concurrent sign-in connections; 0 = four per hashing thread.
    #[arg(long, env = "BENCH_SIGN_IN_CONNECTIONS", default_value_t = 0)]
    sign_in_connections: usize,
    /// Accounts signing in, round-robin (each one's browser is known).
    #[arg(long, env = "BENCH_USERS", default_value_t = 128)]
    users: usize,
    /// Connections of the session-cost comparison (closed loop).
    #[arg(long, env = "BENCH_CONNECTIONS", default_value_t = 32)]
    connections: usize,
    /// Connections of the paced probes in the starvation test.
    #[arg(long, env = "BENCH_PROBE_CONNECTIONS", default_value_t = 4)]
    probe_connections: usize,
    /// Probe requests per second in total, in the starvation test.
    #[arg(long, env = "BENCH_PROBE_RATE", default_value_t = 200.0)]
    probe_rate: f64,
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

/// What the phases need to know.
pub struct Plan {
    pub api: SocketAddr,
    pub api_pid: u32,
    pub warmup: Duration,
    pub measure: Duration,
    pub rounds: u32,
    pub password: String,
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
        cli.duration_secs > 0.0 && cli.duration_secs <= MAX_SECS,
        "--duration-secs must be in (0, {MAX_SECS}]"
    );
    ensure!(
        cli.warmup_secs >= 0.0 && cli.warmup_secs <= MAX_SECS,
        "--warmup-secs must be in [0, {MAX_SECS}]"
    );
    ensure!((1..=100).contains(&cli.rounds), "--rounds must be 1..=100");
    ensure!(
        (1..=10_000).contains(&cli.users),
        "--users must be 1..=10000"
    );
    ensure!(
        cli.sign_in_connections <= 1024,
        "--sign-in-connections: at most 1024"
    );
    ensure!(
        (1..=1024).contains(&cli.connections),
        "--connections must be 1..=1024"
    );
    ensure!(
        (1..=256).contains(&cli.probe_connections),
        "--probe-connections must be 1..=256"
    );
    ensure!(
        cli.probe_rate > 0.0 && cli.probe_rate <= 10_000.0,
        "--probe-rate must be in (0, 10000]"
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
    let result = measure(&cli, &api).await;
    let database = api.ready.database.clone();
    api.stop().await;
    if let Err(error) = drop_database(&database).await {
        eprintln!("warning: could not drop the benchmark database {database}: {error:#}");
    }
    print!("{}", report::render(&cli, &result?));
    Ok(())
}

fn email(i: usize) -> String {
    format!("user{i}@bench.caucus.test")
}

fn sign_in_body(email: &str) -> Bytes {
    Bytes::from(
        serde_json::json!({
            "query": "mutation SignIn($input: SignInInput!) { signIn(input: $input) { viewer { roles } } }",
            "operationName": "SignIn",
            "variables": { "input": { "email": email, "password": PASSWORD } },
        })
        .to_string(),
    )
}

/// Signs every account in once, a few at a time: their cookies for the
/// queries, and their browsers become known (later sign-ins send no notice).
async fn first_sign_ins(addr: SocketAddr, users: usize) -> anyhow::Result<Vec<HeaderValue>> {
    let mut cookies = vec![None; users];
    let lanes = 2 * password::parallelism();
    let mut tasks = tokio::task::JoinSet::new();
    for lane in 0..lanes {
        tasks.spawn(async move {
            let mut conn = Connection::open(addr).await?;
            let mut got = Vec::new();
            for i in (lane..users).step_by(lanes) {
                let answer = conn.graphql(&sign_in_body(&email(i)), None).await?;
                if !phases::signed_in(&answer) {
                    bail!("signing in failed: {} {}", answer.status, answer.text());
                }
                got.push((i, answer.session_cookie().context("no session cookie")?));
            }
            anyhow::Ok(got)
        });
    }
    while let Some(result) = tasks.join_next().await {
        for (i, cookie) in result?? {
            cookies[i] = Some(cookie);
        }
    }
    cookies
        .into_iter()
        .map(|c| c.context("an account did not sign in"))
        .collect()
}

/// Sign-in calls for `connections` workers, each cycling through its share of
/// the accounts.
fn sign_in_calls(connections: usize, users: usize) -> Vec<Vec<Call>> {
    (0..connections)
        .map(|c| {
            (c..users.max(connections))
                .step_by(connections)
                .map(|i| Call {
                    body: sign_in_body(&email(i % users)),
                    cookie: None,
                })
                .collect()
        })
        .collect()
}

pub struct Measured {
    pub parallelism: usize,
    pub sign_in_connections: usize,
    pub raw: [phases::RawRate; 2],
    pub raw_all_cores: f64,
    pub sign_ins: phases::SignIns,
    /// Without and with a session cookie.
    pub session: [phases::Variant; 2],
    pub starvation: phases::Starvation,
}

async fn measure(cli: &Cli, api: &Server<ApiReady>) -> anyhow::Result<Measured> {
    let emails: Vec<String> = (0..cli.users).map(email).collect();
    let names: Vec<String> = (0..cli.users).map(|i| format!("Bench User {i}")).collect();
    let accounts: Vec<SeedAccount<'_>> = emails
        .iter()
        .zip(&names)
        .map(|(email, name)| SeedAccount {
            email,
            name,
            role: RoleKey::Mediator,
        })
        .collect();
    seed_org(
        &api.ready.owner_url,
        ORG_SLUG,
        "Bench Mediation Services",
        &accounts,
        PASSWORD,
    )
    .await
    .context("seeding the benchmark organization")?;
    let parallelism = password::parallelism();
    let sign_in_connections = match cli.sign_in_connections {
        0 => 4 * parallelism,
        n => n,
    };
    eprintln!("signing in {} accounts once ...", cli.users);
    let cookies = first_sign_ins(api.ready.addr, cli.users).await?;

    let redis_url = std::env::var("CAUCUS_TEST_REDIS_URL")?;
    let observer = Observer::connect(&api.ready.owner_url, &redis_url).await?;
    let plan = Plan {
        api: api.ready.addr,
        api_pid: api.pid,
        warmup: Duration::from_secs_f64(cli.warmup_secs),
        measure: Duration::from_secs_f64(cli.duration_secs),
        rounds: cli.rounds,
        password: PASSWORD.to_owned(),
    };
    let hash = password::hash(caucus_api::redact::Sensitive::new(PASSWORD.to_owned())).await?;

    eprintln!("raw hash rate ({parallelism} thread(s)) ...");
    let raw_before = phases::raw_rate(&plan, &hash, &observer).await?;
    eprintln!("  {:.1}/s", raw_before.per_sec);
    eprintln!("sign-ins, {sign_in_connections} connections ...");
    let sign_ins = phases::sign_ins(
        &plan,
        sign_in_calls(sign_in_connections, cli.users),
        &observer,
    )
    .await?;
    eprintln!(
        "  {:.1}/s, {} errors",
        sign_ins.per_sec, sign_ins.tally.errors
    );
    eprintln!("raw hash rate again ...");
    let raw_after = phases::raw_rate(&plan, &hash, &observer).await?;
    eprintln!("  {:.1}/s", raw_after.per_sec);
    eprintln!("raw hash rate on every core, for comparison ...");
    let raw_all_cores = phases::raw_rate_all_cores(&plan, &hash).await?;
    eprintln!("  {raw_all_cores:.1}/s");

    eprintln!(
        "session cost: branding without and with a session, {} connections ...",
        cli.connections
    );
    let branding = Bytes::from(
        serde_json::json!({
            "query": "query Branding($slug: String!) { branding(slug: $slug) { name brandColor } }",
            "operationName": "Branding",
            "variables": { "slug": ORG_SLUG },
        })
        .to_string(),
    );
    let with_cookie = |c: usize| Call {
        body: branding.clone(),
        cookie: Some(cookies[c % cookies.len()].clone()),
    };
    let without: Vec<Vec<Call>> = (0..cli.connections)
        .map(|_| {
            vec![Call {
                body: branding.clone(),
                cookie: None,
            }]
        })
        .collect();
    let with: Vec<Vec<Call>> = (0..cli.connections).map(|c| vec![with_cookie(c)]).collect();
    let session = phases::alternate(
        &plan,
        [(without, phases::branded), (with, phases::branded)],
        &observer,
    )
    .await?;

    eprintln!(
        "starvation: {} probe(s)/s alone and while sign-ins run ...",
        cli.probe_rate
    );
    let organization = Bytes::from_static(
        br#"{"query":"query Org { organization { id name slug } }","operationName":"Org"}"#,
    );
    let probes: Vec<Call> = (0..cli.probe_connections)
        .map(|c| Call {
            body: organization.clone(),
            cookie: Some(cookies[c % cookies.len()].clone()),
        })
        .collect();
    let interval = Duration::from_secs_f64(cli.probe_connections as f64 / cli.probe_rate);
    let starvation = phases::starvation(
        &plan,
        probes,
        interval,
        sign_in_calls(sign_in_connections, cli.users),
        &observer,
    )
    .await?;
    observer.close().await;
    Ok(Measured {
        parallelism,
        sign_in_connections,
        raw: [raw_before, raw_after],
        raw_all_cores,
        sign_ins,
        session,
        starvation,
    })
}

//! What `scheduling` does after the API listens: seed, sign in, check the
//! schedule, run the in-process baselines, the slot-search load at each
//! connection count, then the bookings (`booking`).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use bench::child::{ApiReady, Server};
use bench::http::{Answer, Connection};
use bench::load::{Call, Tally, closed_loop};
use bench::observe::{Observer, sample_window};
use bench::procfs::CpuShares;
use bytes::Bytes;
use caucus_api::cases::access;
use caucus_api::db::{Db, TenantScope};
use caucus_api::scheduling::{booking, slots};
use caucus_api::testkit::{self, TestDatabase};
use chrono::Utc;
use hyper::header::HeaderValue;
use serde_json::{Value, json};

use crate::booking::{Booked, run_bookings};
use crate::seed::{self, Seeded, Shape};
use crate::{Cli, PASSWORD};

/// Slots asked for, as the portals do.
pub const LIMIT: usize = 20;

/// The staff case page's schedule (`admin-ui`), trimmed to what a search
/// returns: the slots on every clock, the parties, the sessions.
pub const SCHEDULE_QUERY: &str = "query CaseSchedule($caseId: ID!, $limit: Int) { caseSchedule(caseId: $caseId, limit: $limit) { caseId durationMinutes timeZone parties { partyId side hasJoined answered } slots { startsAt endsAt localTimes { clockOf timeZone local offset } } sessions { id scheduledFor status } canBook } }";

pub fn body(query: &str, variables: Value) -> Bytes {
    Bytes::from(json!({ "query": query, "variables": variables }).to_string())
}

pub fn schedule_body(case_id: uuid::Uuid) -> Bytes {
    body(
        SCHEDULE_QUERY,
        json!({ "caseId": case_id.to_string(), "limit": LIMIT }),
    )
}

fn scheduled(answer: &Answer) -> bool {
    answer
        .body
        .starts_with(br#"{"data":{"caseSchedule":{"caseId""#)
}

pub async fn sign_in(addr: SocketAddr, email: &str) -> anyhow::Result<HeaderValue> {
    let mut conn = Connection::open(addr).await?;
    let answer = conn
        .graphql(
            &body(
                "mutation SignIn($input: SignInInput!) { signIn(input: $input) { viewer { roles } } }",
                json!({ "input": { "email": email, "password": PASSWORD } }),
            ),
            None,
        )
        .await?;
    ensure!(
        answer.body.starts_with(br#"{"data":{"signIn":{"viewer""#),
        "signing {email} in failed: {} {}",
        answer.status,
        answer.text()
    );
    answer.session_cookie().context("no session cookie")
}

/// One slot-search run.
pub struct Run {
    pub connections: usize,
    pub tally: Tally,
    pub per_sec: f64,
    pub cpu: CpuShares,
}

/// The in-process figures on the same inputs, in milliseconds.
pub struct Baseline {
    /// `booking::search`: a tenant transaction, the API's loader, the finder.
    pub loader: Tally,
    /// `slots::find_slots` alone on the loaded request.
    pub finder: Tally,
    pub finder_per_sec: f64,
    pub bookings: usize,
    pub time_off: usize,
    pub windows: Vec<usize>,
    pub found: usize,
}

pub struct Measured {
    pub seeded: Seeded,
    pub slots: usize,
    pub local_times: usize,
    pub first_slot: String,
    pub baseline: Baseline,
    pub runs: Vec<Run>,
    pub booked: Booked,
}

pub async fn measure(cli: &Cli, api: &Server<ApiReady>) -> anyhow::Result<Measured> {
    let ready = &api.ready;
    eprintln!(
        "seeding a mediator with {} sessions ({} past), {} busy times, four parties with {} windows each ...",
        cli.sessions, cli.past_sessions, cli.busy, cli.windows
    );
    let seeded = seed::seed(
        &ready.owner_url,
        &ready.app_url,
        &ready.database,
        &Shape {
            sessions: cli.sessions,
            past_sessions: cli.past_sessions,
            busy: cli.busy,
            windows: cli.windows,
            bookers: cli.bookers,
        },
    )
    .await?;
    eprintln!("  seeded in {:.1} s", seeded.secs);
    let cookie = sign_in(ready.addr, &seeded.reader_email).await?;
    let call = Call {
        body: schedule_body(seeded.case_id),
        cookie: Some(cookie),
    };
    let first = {
        let mut conn = Connection::open(ready.addr).await?;
        conn.graphql(&call.body, call.cookie.as_ref()).await?
    };
    if !scheduled(&first) {
        bail!("caseSchedule failed: {} {}", first.status, first.text());
    }
    let json: Value = serde_json::from_slice(&first.body)?;
    let found = json["data"]["caseSchedule"]["slots"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let local_times = found
        .first()
        .and_then(|s| s["localTimes"].as_array())
        .map_or(0, Vec::len);
    let first_slot = found
        .first()
        .map(|s| s["startsAt"].as_str().unwrap_or("").to_owned())
        .unwrap_or_default();

    eprintln!(
        "in-process baselines ({} iterations) ...",
        cli.baseline_iterations
    );
    let baseline = baseline(cli, ready, &seeded).await?;

    let redis_url = std::env::var("CAUCUS_TEST_REDIS_URL")?;
    let observer = Observer::connect(&ready.owner_url, &redis_url).await?;
    let mut runs = Vec::new();
    let max = cli.connections.iter().copied().max().unwrap_or(1);
    eprintln!("warming up ({} s) ...", cli.warmup_secs);
    let end = Instant::now() + Duration::from_secs_f64(cli.warmup_secs);
    closed_loop(
        ready.addr,
        vec![vec![call.clone()]; max],
        scheduled,
        end,
        end,
        None,
    )
    .await?;
    for &connections in &cli.connections {
        let measure_from = Instant::now() + Duration::from_millis(300);
        let end = measure_from + Duration::from_secs_f64(cli.duration_secs);
        let load = closed_loop(
            ready.addr,
            vec![vec![call.clone()]; connections],
            scheduled,
            measure_from,
            end,
            None,
        );
        let cpu = sample_window(&observer, api.pid, measure_from, end);
        let (tally, cpu) = tokio::join!(load, cpu);
        let tally = tally?;
        eprintln!(
            "  caseSchedule, {connections:>3} connections: {} ok, {} errors, p99 {:.2} ms",
            tally.ok,
            tally.errors,
            tally.quantile_ms(0.99)
        );
        runs.push(Run {
            connections,
            per_sec: tally.ok as f64 / cli.duration_secs,
            tally,
            cpu,
        });
    }
    eprintln!(
        "booking: {} workers on one mediator for {} s ...",
        cli.bookers, cli.book_secs
    );
    let booked = run_bookings(cli, api, &observer, &seeded).await;
    observer.close().await;
    Ok(Measured {
        slots: found.len(),
        local_times,
        first_slot,
        baseline,
        runs,
        booked: booked?,
        seeded,
    })
}

/// The API's loader and the pure finder in this process, on the measured
/// case, one after the other (no concurrency).
async fn baseline(cli: &Cli, ready: &ApiReady, seeded: &Seeded) -> anyhow::Result<Baseline> {
    let settings = testkit::settings(&TestDatabase {
        name: ready.database.clone(),
        owner_url: ready.owner_url.clone(),
        app_url: ready.app_url.clone(),
    });
    let db = Db::connect(&settings.database).await?;
    let scope = TenantScope {
        org_id: seeded.org_id,
        user_id: None,
    };
    let mut loader = Tally::new()?;
    let mut request = None;
    for _ in 0..cli.baseline_iterations {
        let started = Instant::now();
        let tx = db.tenant(scope).await?;
        let case = access::load(&tx, seeded.case_id, false)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?
            .context("the measured case is missing")?;
        let now = Utc::now();
        let (calendar, found) = booking::search(&tx, &case, now, LIMIT)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        tx.commit().await?;
        record(&mut loader, started.elapsed())?;
        request = Some((calendar.request(&case, now, LIMIT), found.len()));
    }
    let (request, found) = request.context("no baseline iteration ran")?;
    let mut finder = Tally::new()?;
    let started_all = Instant::now();
    for _ in 0..cli.baseline_iterations.saturating_mul(10) {
        let started = Instant::now();
        let slots = slots::find_slots(std::hint::black_box(&request))
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let took = started.elapsed();
        std::hint::black_box(slots);
        record(&mut finder, took)?;
    }
    let finder_per_sec = finder.ok as f64 / started_all.elapsed().as_secs_f64();
    Ok(Baseline {
        loader,
        finder,
        finder_per_sec,
        bookings: request.mediator.bookings.len(),
        time_off: request.mediator.time_off.len() + request.mediator.busy.len(),
        windows: request.parties.iter().map(|p| p.windows.len()).collect(),
        found,
    })
}

/// Counts one success that took `took` (kept to the microsecond, at least 1).
pub fn record(tally: &mut Tally, took: Duration) -> anyhow::Result<()> {
    tally.ok += 1;
    let micros = u64::try_from(took.as_micros())
        .unwrap_or(u64::MAX)
        .clamp(1, 60_000_000);
    tally.latency.record(micros)?;
    Ok(())
}

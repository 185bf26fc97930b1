//! What `cases` does after the API listens: seed, sign the mediator in, check
//! the answers, alternate slices of RLS on and off per query, sample and
//! explain the statements; row-level security is switched back on whatever
//! happens.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use bench::child::{ApiReady, Server};
use bench::http::{Answer, Connection};
use bench::load::{Call, Check, Tally, closed_loop};
use bench::observe::{CpuAverage, Observer, sample_window};
use bench::procfs::CpuShares;
use bytes::Bytes;
use hyper::header::HeaderValue;
use serde_json::{Value, json};
use sqlx::{Connection as _, PgConnection};
use uuid::Uuid;

use crate::plans::{self, Explained, Hot};
use crate::rls::Switch;
use crate::seed::{self, Seeded, Shape};
use crate::{Cli, PASSWORD};

/// Unmeasured start of every slice: the previous slice's requests finish and
/// plans are made again after a switch.
const SETTLE: Duration = Duration::from_millis(500);

/// The admin portal's case list (`admin-ui/graphql/cases.graphql`), with the
/// variables it sends for the first page.
const LIST_QUERY: &str = "query CaseList($first: Int, $after: String, $filter: CaseFilterInput) { cases(first: $first, after: $after, filter: $filter) { nodes { id reference title disputeType status openedAt } pageInfo { hasNextPage endCursor } } }";
/// The case overview (`client-ui/graphql/cases.graphql`): the case, its
/// parties and its timeline.
const DETAIL_QUERY: &str = "query CaseOverview($id: ID!) { case(id: $id) { case { id reference title status disputeType openedAt } parties { id partyType name verified hasAccount } timeline { id kind createdAt } mySide } }";
/// The admin portal's page size.
const PAGE: u64 = 25;

pub const QUERIES: [&str; 2] = ["list", "detail"];

fn listed(answer: &Answer) -> bool {
    answer
        .body
        .starts_with(br#"{"data":{"cases":{"nodes":[{"id""#)
}

fn detailed(answer: &Answer) -> bool {
    answer.body.starts_with(br#"{"data":{"case":{"case":{"id""#)
}

const CHECKS: [Check; 2] = [listed, detailed];

pub struct Figure {
    pub tally: Tally,
    pub per_sec: f64,
    pub cpu: CpuShares,
}

pub struct Measured {
    pub seeded: Seeded,
    /// `[query][variant]`, variant 0 = RLS on, 1 = off.
    pub figures: [[Figure; 2]; 2],
    /// The detail with RLS on and off, with indexes on `case_id` alone.
    pub indexed: [Figure; 2],
    /// The detail with RLS on after the mediator's cases lost their intakes:
    /// nothing to audit, so no audit-chain lock.
    pub unaudited: Figure,
    pub same_answers: bool,
    pub parties: usize,
    pub timeline: usize,
    pub captured: BTreeMap<String, u64>,
    pub hot: Vec<(&'static str, String)>,
    /// Plans with RLS on and off, and the same with the indexes without org_id.
    pub indexed_plans: [Vec<Explained>; 2],
    /// Generic and custom plans of ten runs of each statement, RLS on and
    /// off (with the indexes without org_id).
    pub plan_cache: [PlanCache; 2],
    pub plans: [Vec<Explained>; 2],
    pub restored: bool,
}

fn body(query: &str, variables: Value) -> Bytes {
    Bytes::from(json!({ "query": query, "variables": variables }).to_string())
}

fn list_body() -> Bytes {
    body(
        LIST_QUERY,
        json!({ "first": PAGE, "after": null, "filter": { "statuses": [], "disputeType": null, "search": null, "managedByMe": false } }),
    )
}

fn detail_body(id: Uuid) -> Bytes {
    body(DETAIL_QUERY, json!({ "id": id.to_string() }))
}

async fn sign_in(addr: SocketAddr, email: &str) -> anyhow::Result<HeaderValue> {
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
        "signing the mediator in failed: {} {}",
        answer.status,
        answer.text()
    );
    answer.session_cookie().context("no session cookie")
}

/// One call per worker for the list; each worker cycles through all the
/// mediator's cases for the detail, from its own offset.
fn calls(cookie: &HeaderValue, case_ids: &[Uuid], connections: usize) -> [Vec<Vec<Call>>; 2] {
    let list = (0..connections)
        .map(|_| {
            vec![Call {
                body: list_body(),
                cookie: Some(cookie.clone()),
            }]
        })
        .collect();
    let bodies: Vec<Bytes> = case_ids.iter().map(|id| detail_body(*id)).collect();
    let detail = (0..connections)
        .map(|w| {
            let offset = w * bodies.len() / connections;
            (0..bodies.len())
                .map(|k| Call {
                    body: bodies[(offset + k) % bodies.len()].clone(),
                    cookie: Some(cookie.clone()),
                })
                .collect()
        })
        .collect();
    [list, detail]
}

async fn once(addr: SocketAddr, call: &Call) -> anyhow::Result<Answer> {
    let mut conn = Connection::open(addr).await?;
    conn.graphql(&call.body, call.cookie.as_ref()).await
}

/// Checks the answers and returns the list's bytes and the detail's parties
/// and timeline lengths.
async fn check_answers(
    addr: SocketAddr,
    calls: &[Vec<Vec<Call>>; 2],
) -> anyhow::Result<(Bytes, usize, usize)> {
    let list = once(addr, &calls[0][0][0]).await?;
    let detail = once(addr, &calls[1][0][0]).await?;
    for (answer, check, what) in [(&list, CHECKS[0], "list"), (&detail, CHECKS[1], "detail")] {
        if !check(answer) {
            bail!(
                "the {what} query failed: {} {}",
                answer.status,
                answer.text()
            );
        }
    }
    let list_json: Value = serde_json::from_slice(&list.body)?;
    let nodes = list_json["data"]["cases"]["nodes"]
        .as_array()
        .map_or(0, Vec::len);
    ensure!(
        nodes as u64 == PAGE,
        "the list returned {nodes} cases, not {PAGE}"
    );
    let detail_json: Value = serde_json::from_slice(&detail.body)?;
    let case = &detail_json["data"]["case"];
    let parties = case["parties"].as_array().map_or(0, Vec::len);
    let timeline = case["timeline"].as_array().map_or(0, Vec::len);
    ensure!(
        parties >= 2 && timeline >= 3,
        "the detail shows {parties} parties and {timeline} timeline entries"
    );
    Ok((list.body, parties, timeline))
}

async fn slice(
    api: &Server<ApiReady>,
    observer: &Observer,
    calls: &[Vec<Call>],
    check: Check,
    measure: Duration,
) -> anyhow::Result<(Tally, CpuShares)> {
    let measure_from = Instant::now() + SETTLE;
    let end = measure_from + measure;
    let load = closed_loop(
        api.ready.addr,
        calls.to_vec(),
        check,
        measure_from,
        end,
        None,
    );
    let cpu = sample_window(observer, api.pid, measure_from, end);
    let (tally, cpu) = tokio::join!(load, cpu);
    Ok((tally?, cpu))
}

pub async fn measure(cli: &Cli, api: &Server<ApiReady>) -> anyhow::Result<Measured> {
    let ready = &api.ready;
    eprintln!(
        "seeding {} organizations × {} cases, {} mediators each ...",
        cli.orgs, cli.cases, cli.mediators
    );
    let seeded = seed::seed(
        &ready.owner_url,
        &ready.app_url,
        &ready.database,
        &Shape {
            orgs: cli.orgs,
            cases: cli.cases,
            mediators: cli.mediators,
        },
    )
    .await?;
    eprintln!(
        "  seeded in {:.1} s; the mediator leads {} cases",
        seeded.secs,
        seeded.case_ids.len()
    );
    let cookie = sign_in(ready.addr, &seeded.mediator_email).await?;
    let calls = calls(&cookie, &seeded.case_ids, cli.connections);
    let (list_on, parties, timeline) = check_answers(ready.addr, &calls).await?;

    let redis_url = std::env::var("CAUCUS_TEST_REDIS_URL")?;
    let observer = Observer::connect(&ready.owner_url, &redis_url).await?;
    let mut switch = Switch::connect(&ready.owner_url).await?;
    let run = alternate(cli, api, &observer, &mut switch, &calls, &list_on).await;
    let plans = match &run {
        Ok(_) => Some(explain_all(cli, api, &seeded, &mut switch, &calls).await),
        Err(_) => None,
    };
    let indexed = match (&run, &plans) {
        (Ok(_), Some(Ok((_, _, _, hot)))) => {
            Some(indexed_detail(cli, api, &observer, &mut switch, &calls, &seeded, hot).await)
        }
        _ => None,
    };
    let unaudited = match &indexed {
        Some(Ok(_)) => {
            Some(unaudited_detail(cli, api, &observer, &mut switch, &calls, &seeded).await)
        }
        _ => None,
    };
    let restored = switch.restore().await;
    observer.close().await;
    let (figures, same_answers) = run?;
    let (captured, hot, plans, _) = plans.context("no plans")??;
    let (indexed, indexed_plans, plan_cache) = indexed.context("no indexed run")??;
    let unaudited = unaudited.context("no run without intakes")??;
    Ok(Measured {
        seeded,
        figures,
        indexed,
        unaudited,
        same_answers,
        parties,
        timeline,
        captured,
        hot,
        plans,
        indexed_plans,
        plan_cache,
        restored: restored?,
    })
}

pub type PlanCache = Vec<(&'static str, i64, i64)>;

type Slices = ([[Figure; 2]; 2], bool);

/// Warms both queries up, then runs the rounds of RLS on and off over them.
async fn alternate(
    cli: &Cli,
    api: &Server<ApiReady>,
    observer: &Observer,
    switch: &mut Switch,
    calls: &[Vec<Vec<Call>>; 2],
    list_on: &Bytes,
) -> anyhow::Result<Slices> {
    eprintln!("warming up ({} s per query) ...", cli.warmup_secs);
    for (q, check) in CHECKS.iter().enumerate() {
        let end = Instant::now() + Duration::from_secs_f64(cli.warmup_secs);
        closed_loop(api.ready.addr, calls[q].clone(), *check, end, end, None).await?;
    }
    let (figures, same) = rounds(cli, api, observer, switch, calls, &[0, 1], Some(list_on)).await?;
    let mut it = figures.into_iter();
    match (it.next(), it.next()) {
        (Some(list), Some(detail)) => Ok(([list, detail], same)),
        _ => bail!("the rounds reported no figures"),
    }
}

/// The detail again, with indexes that do not lead with `org_id` (made here,
/// dropped after), so that RLS off keeps index plans and the comparison shows
/// the policy predicate's own cost.
async fn indexed_detail(
    cli: &Cli,
    api: &Server<ApiReady>,
    observer: &Observer,
    switch: &mut Switch,
    calls: &[Vec<Vec<Call>>; 2],
    seeded: &Seeded,
    hot: &[Hot],
) -> anyhow::Result<([Figure; 2], [Vec<Explained>; 2], [PlanCache; 2])> {
    let mut owner = PgConnection::connect(&api.ready.owner_url).await?;
    eprintln!("indexing parties, case_events and case_submissions without org_id ...");
    let made = Instant::now();
    let result = async {
        for (n, (table, columns)) in INDEXED.iter().enumerate() {
            sqlx::raw_sql(&format!(
                "CREATE INDEX bench_without_org_{n} ON {table} ({columns}); ANALYZE {table}"
            ))
            .execute(&mut owner)
            .await?;
        }
        eprintln!("  {:.1} s", made.elapsed().as_secs_f64());
        let end = Instant::now() + Duration::from_secs_f64(cli.warmup_secs);
        closed_loop(api.ready.addr, calls[1].clone(), CHECKS[1], end, end, None).await?;
        let figures = rounds(cli, api, observer, switch, calls, &[1], None).await?;
        let app = &api.ready.app_url;
        let (org, user) = (seeded.org_id, seeded.mediator_id);
        switch.set(true).await?;
        let on = plans::explain(app, org, user, hot).await?;
        let cache_on = plans::plan_cache(app, org, user, hot).await?;
        switch.set(false).await?;
        let off = plans::explain(app, org, user, hot).await;
        let cache_off = plans::plan_cache(app, org, user, hot).await;
        switch.set(true).await?;
        anyhow::Ok((figures, [on, off?], [cache_on, cache_off?]))
    }
    .await;
    for n in 0..INDEXED.len() {
        sqlx::raw_sql(&format!("DROP INDEX IF EXISTS bench_without_org_{n}"))
            .execute(&mut owner)
            .await?;
    }
    owner.close().await?;
    let ((figures, _), plans, cache) = result?;
    let figures = figures
        .into_iter()
        .next()
        .context("the rounds reported no figures")?;
    Ok((figures, plans, cache))
}

/// Last, with RLS on: the detail once the measured mediator's cases have no
/// submitted intake (deleted here), so reading one appends no audit entry
/// and takes no audit-chain lock.
async fn unaudited_detail(
    cli: &Cli,
    api: &Server<ApiReady>,
    observer: &Observer,
    switch: &mut Switch,
    calls: &[Vec<Vec<Call>>; 2],
    seeded: &Seeded,
) -> anyhow::Result<Figure> {
    switch.set(true).await?;
    let mut owner = PgConnection::connect(&api.ready.owner_url).await?;
    let deleted = sqlx::query("DELETE FROM case_submissions WHERE case_id = ANY($1)")
        .bind(&seeded.case_ids)
        .execute(&mut owner)
        .await?
        .rows_affected();
    owner.close().await?;
    eprintln!("the detail without intakes ({deleted} deleted), RLS on ...");
    let end = Instant::now() + Duration::from_secs_f64(cli.warmup_secs);
    closed_loop(api.ready.addr, calls[1].clone(), CHECKS[1], end, end, None).await?;
    let slice_len = Duration::from_secs_f64(cli.duration_secs / f64::from(cli.rounds));
    let mut tally = Tally::new()?;
    let mut cpu = CpuAverage::default();
    for _ in 0..cli.rounds {
        let (t, c) = slice(api, observer, &calls[1], CHECKS[1], slice_len).await?;
        tally.add(&t)?;
        cpu.add(c);
    }
    Ok(Figure {
        per_sec: tally.ok as f64 / (slice_len.as_secs_f64() * f64::from(cli.rounds)),
        tally,
        cpu: cpu.get(),
    })
}

/// The temporary indexes of [`indexed_detail`].
const INDEXED: [(&str, &str); 5] = [
    ("parties", "case_id"),
    ("parties", "email_hash"),
    ("parties", "name_hash"),
    ("case_events", "case_id, created_at, id"),
    ("case_submissions", "case_id"),
];

/// `cli.rounds` rounds of RLS on and off (the order flips every round), each
/// running the queries `which` for a slice; per query, RLS on and off.
async fn rounds(
    cli: &Cli,
    api: &Server<ApiReady>,
    observer: &Observer,
    switch: &mut Switch,
    calls: &[Vec<Vec<Call>>; 2],
    which: &[usize],
    list_on: Option<&Bytes>,
) -> anyhow::Result<(Vec<[Figure; 2]>, bool)> {
    let slice_len = Duration::from_secs_f64(cli.duration_secs / f64::from(cli.rounds));
    let mut tallies = [
        [Tally::new()?, Tally::new()?],
        [Tally::new()?, Tally::new()?],
    ];
    let mut cpus: [[CpuAverage; 2]; 2] = Default::default();
    let mut same_answers = true;
    for round in 0..cli.rounds {
        let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for variant in order {
            switch.set(variant == 0).await?;
            if let (1, Some(list_on)) = (variant, list_on) {
                // The same first page with the policies off.
                let off = once(api.ready.addr, &calls[0][0][0]).await?;
                same_answers &= off.body == *list_on;
            }
            for &q in which {
                let (tally, cpu) = slice(api, observer, &calls[q], CHECKS[q], slice_len).await?;
                eprintln!(
                    "  round {} {:<6} RLS {:<3}: {:>6} ok, {} errors, p99 {:.2} ms",
                    round + 1,
                    QUERIES[q],
                    if variant == 0 { "on" } else { "off" },
                    tally.ok,
                    tally.errors,
                    tally.quantile_ms(0.99)
                );
                tallies[q][variant].add(&tally)?;
                cpus[q][variant].add(cpu);
            }
        }
    }
    let secs = slice_len.as_secs_f64() * f64::from(cli.rounds);
    let figure = |tally: Tally, cpu: &CpuAverage| Figure {
        per_sec: tally.ok as f64 / secs,
        tally,
        cpu: cpu.get(),
    };
    let figures = tallies
        .into_iter()
        .zip(&cpus)
        .enumerate()
        .filter(|(q, _)| which.contains(q))
        .map(|(_, ([on, off], cpu))| [figure(on, &cpu[0]), figure(off, &cpu[1])])
        .collect();
    Ok((figures, same_answers))
}

type Plans = (
    BTreeMap<String, u64>,
    Vec<(&'static str, String)>,
    [Vec<Explained>; 2],
    Vec<Hot>,
);

/// Samples the statements under a light load of both queries, then explains
/// the hot ones with RLS on and off.
async fn explain_all(
    cli: &Cli,
    api: &Server<ApiReady>,
    seeded: &Seeded,
    switch: &mut Switch,
    calls: &[Vec<Vec<Call>>; 2],
) -> anyhow::Result<Plans> {
    switch.set(true).await?;
    eprintln!("sampling the API's statements ({} s) ...", cli.capture_secs);
    let span = Duration::from_secs_f64(cli.capture_secs);
    let end = Instant::now() + span;
    let light = |q: usize| calls[q].iter().take(4).cloned().collect::<Vec<_>>();
    let (captured, list, detail) = tokio::join!(
        plans::capture(&api.ready.app_url, span),
        closed_loop(api.ready.addr, light(0), CHECKS[0], end, end, None),
        closed_loop(api.ready.addr, light(1), CHECKS[1], end, end, None),
    );
    list?;
    detail?;
    let captured = captured?;
    let case = seeded.case_ids[seeded.case_ids.len() / 2];
    let mut owner = PgConnection::connect(&api.ready.owner_url).await?;
    let (template,): (Uuid,) = sqlx::query_as("SELECT template_id FROM cases WHERE id = $1")
        .bind(case)
        .fetch_one(&mut owner)
        .await?;
    owner.close().await?;
    let hot = plans::hot(seeded.org_id, seeded.mediator_id, case, template);
    eprintln!(
        "explaining {} statements with RLS on and off ...",
        hot.len()
    );
    let on = plans::explain(&api.ready.app_url, seeded.org_id, seeded.mediator_id, &hot).await?;
    switch.set(false).await?;
    let off = plans::explain(&api.ready.app_url, seeded.org_id, seeded.mediator_id, &hot).await;
    switch.set(true).await?;
    let names = hot
        .iter()
        .map(|h| (h.name, plans::normalize(&h.sql)))
        .collect();
    Ok((captured, names, [on, off?], hot))
}

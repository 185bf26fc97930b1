//! The booking phase: one worker per case of mediator B, each with its own
//! staff session and connection, repeatedly reads its case's schedule,
//! picks one of the first proposed times and books it. Then SQL as the
//! owner checks what the database holds for the mediator.

use std::time::{Duration, Instant};

use anyhow::Context;
use bench::child::{ApiReady, Server};
use bench::http::Connection;
use bench::load::Tally;
use bench::observe::{Observer, sample_window};
use bench::procfs::CpuShares;
use bytes::Bytes;
use hyper::header::HeaderValue;
use serde_json::{Value, json};
use sqlx::{Connection as _, PgConnection};
use uuid::Uuid;

use crate::Cli;
use crate::phases::{body, record, schedule_body, sign_in};
use crate::seed::{MEDIATOR_ZONE, Seeded};

const BOOK_MUTATION: &str = "mutation BookSession($caseId: ID!, $startsAt: DateTime!) { bookSession(caseId: $caseId, startsAt: $startsAt) { id scheduledFor } }";

/// The organization's cap on sessions per mediator-local day (the default rules).
pub const CAP_PER_DAY: i64 = 4;

/// What one second of the run saw: bookings, `SLOT_TAKEN`, other failures.
pub type Second = [u64; 3];

pub struct Booked {
    pub secs: f64,
    pub per_second: Vec<Second>,
    /// `caseSchedule` as the workers read it.
    pub schedule: Tally,
    /// `bookSession` answers that booked, and those refused with `SLOT_TAKEN`.
    pub book_ok: Tally,
    pub book_taken: Tally,
    pub other: u64,
    pub other_sample: Option<String>,
    /// Schedules that proposed nothing (the mediator's horizon was full).
    pub no_slot: u64,
    /// Successes including answers after the window (for the row count).
    pub ok_all: u64,
    pub cpu: CpuShares,
    pub check: Check,
}

/// The owner's look at mediator B's sessions after the run.
pub struct Check {
    pub booked: i64,
    /// Pairs of booked sessions whose blocked ranges (buffer included) overlap.
    pub blocked_overlaps: i64,
    /// Pairs whose session times themselves overlap.
    pub time_overlaps: i64,
    /// London dates with more sessions than the cap.
    pub days_over_cap: i64,
    /// Sessions not inside 08:00–20:00 London time, or within 24 hours of booking.
    pub outside_hours: i64,
    pub short_notice: i64,
}

struct Worker {
    per_second: Vec<Second>,
    schedule: Tally,
    book_ok: Tally,
    book_taken: Tally,
    other: u64,
    other_sample: Option<String>,
    no_slot: u64,
    ok_all: u64,
}

/// A small xorshift generator: which of the proposed times a worker takes.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

fn book_body(case_id: Uuid, starts_at: &str) -> Bytes {
    body(
        BOOK_MUTATION,
        json!({ "caseId": case_id.to_string(), "startsAt": starts_at }),
    )
}

async fn work(
    addr: std::net::SocketAddr,
    cookie: HeaderValue,
    case_id: Uuid,
    seed: u64,
    pick_among: usize,
    start: Instant,
    end: Instant,
) -> anyhow::Result<Worker> {
    let seconds = (end - start).as_secs_f64().ceil() as usize;
    let mut w = Worker {
        per_second: vec![[0; 3]; seconds.max(1)],
        schedule: Tally::new()?,
        book_ok: Tally::new()?,
        book_taken: Tally::new()?,
        other: 0,
        other_sample: None,
        no_slot: 0,
        ok_all: 0,
    };
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let schedule = schedule_body(case_id);
    let mut conn = Connection::open(addr).await?;
    let fail = |w: &mut Worker, at: Instant, what: String| {
        if at < end {
            w.other += 1;
            let s = ((at - start).as_secs() as usize).min(w.per_second.len() - 1);
            w.per_second[s][2] += 1;
            w.other_sample.get_or_insert(what);
        }
    };
    while Instant::now() < end {
        let sent = Instant::now();
        let answer = match conn.graphql(&schedule, Some(&cookie)).await {
            Ok(a) => a,
            Err(e) => {
                fail(&mut w, Instant::now(), format!("caseSchedule: {e:#}"));
                conn = Connection::open(addr).await?;
                continue;
            }
        };
        let read = Instant::now();
        let json: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
        let Some(slots) = json["data"]["caseSchedule"]["slots"].as_array() else {
            fail(&mut w, read, format!("caseSchedule: {}", answer.text()));
            continue;
        };
        if read < end {
            record(&mut w.schedule, read - sent)?;
        }
        let starts: Vec<&str> = slots
            .iter()
            .filter_map(|s| s["startsAt"].as_str())
            .collect();
        if starts.is_empty() {
            w.no_slot += 1;
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        }
        let pick = starts[rng.below(starts.len().min(pick_among))];
        let sent = Instant::now();
        let answer = match conn.graphql(&book_body(case_id, pick), Some(&cookie)).await {
            Ok(a) => a,
            Err(e) => {
                fail(&mut w, Instant::now(), format!("bookSession: {e:#}"));
                conn = Connection::open(addr).await?;
                continue;
            }
        };
        let done = Instant::now();
        let booked = answer.body.starts_with(br#"{"data":{"bookSession":{"id""#);
        if booked {
            w.ok_all += 1;
        }
        if done >= end {
            break;
        }
        let s = ((done - start).as_secs() as usize).min(w.per_second.len() - 1);
        if booked {
            w.per_second[s][0] += 1;
            record(&mut w.book_ok, done - sent)?;
        } else if answer
            .body
            .windows(br#""SLOT_TAKEN""#.len())
            .any(|x| x == br#""SLOT_TAKEN""#)
        {
            w.per_second[s][1] += 1;
            record(&mut w.book_taken, done - sent)?;
        } else {
            fail(&mut w, done, format!("bookSession: {}", answer.text()));
        }
    }
    Ok(w)
}

pub async fn run_bookings(
    cli: &Cli,
    api: &Server<ApiReady>,
    observer: &Observer,
    seeded: &Seeded,
) -> anyhow::Result<Booked> {
    let addr = api.ready.addr;
    let mut cookies = Vec::new();
    for email in &seeded.booker_emails {
        cookies.push(sign_in(addr, email).await?);
    }
    let start = Instant::now() + Duration::from_millis(200);
    let end = start + Duration::from_secs_f64(cli.book_secs);
    let mut workers = tokio::task::JoinSet::new();
    for (n, (cookie, case_id)) in cookies.into_iter().zip(&seeded.booking_cases).enumerate() {
        let (case_id, pick) = (*case_id, cli.pick_among);
        workers.spawn(async move {
            tokio::time::sleep_until(start.into()).await;
            work(addr, cookie, case_id, n as u64 + 1, pick, start, end).await
        });
    }
    let cpu = sample_window(observer, api.pid, start, end).await;
    let seconds = (end - start).as_secs_f64().ceil() as usize;
    let mut out = Booked {
        secs: cli.book_secs,
        per_second: vec![[0; 3]; seconds.max(1)],
        schedule: Tally::new()?,
        book_ok: Tally::new()?,
        book_taken: Tally::new()?,
        other: 0,
        other_sample: None,
        no_slot: 0,
        ok_all: 0,
        cpu,
        check: Check {
            booked: 0,
            blocked_overlaps: 0,
            time_overlaps: 0,
            days_over_cap: 0,
            outside_hours: 0,
            short_notice: 0,
        },
    };
    while let Some(result) = workers.join_next().await {
        let w = result.context("a booking worker panicked")??;
        for (total, s) in out.per_second.iter_mut().zip(&w.per_second) {
            for (t, v) in total.iter_mut().zip(s) {
                *t += v;
            }
        }
        out.schedule.add(&w.schedule)?;
        out.book_ok.add(&w.book_ok)?;
        out.book_taken.add(&w.book_taken)?;
        out.other += w.other;
        out.no_slot += w.no_slot;
        out.ok_all += w.ok_all;
        if out.other_sample.is_none() {
            out.other_sample = w.other_sample;
        }
    }
    out.check = check(&api.ready.owner_url, seeded.mediator_b).await?;
    Ok(out)
}

const OVERLAP_SQL: &str = r#"
SELECT count(*) FILTER (WHERE a.blocked && b.blocked),
       count(*) FILTER (WHERE tstzrange(a.scheduled_for, a.scheduled_for + a.duration_minutes * interval '1 minute')
                           && tstzrange(b.scheduled_for, b.scheduled_for + b.duration_minutes * interval '1 minute'))
FROM sessions a JOIN sessions b
  ON b.org_id = a.org_id AND b.mediator_id = a.mediator_id AND a.id < b.id
WHERE a.mediator_id = $1 AND a.status = 'booked' AND b.status = 'booked'
"#;

/// What the owner (no row-level security) finds for the mediator.
async fn check(owner_url: &str, mediator: Uuid) -> anyhow::Result<Check> {
    let mut conn = PgConnection::connect(owner_url).await?;
    let (booked,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM sessions WHERE mediator_id = $1 AND status = 'booked'",
    )
    .bind(mediator)
    .fetch_one(&mut conn)
    .await?;
    let (blocked_overlaps, time_overlaps): (i64, i64) = sqlx::query_as(OVERLAP_SQL)
        .bind(mediator)
        .fetch_one(&mut conn)
        .await?;
    let (days_over_cap,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM (SELECT 1 FROM sessions WHERE mediator_id = $1 AND status = 'booked'
         GROUP BY (scheduled_for AT TIME ZONE $2)::date HAVING count(*) > $3) d",
    )
    .bind(mediator)
    .bind(MEDIATOR_ZONE)
    .bind(CAP_PER_DAY)
    .fetch_one(&mut conn)
    .await?;
    let (outside_hours, short_notice): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE (scheduled_for AT TIME ZONE $2)::time < time '08:00'
                                   OR ((scheduled_for + duration_minutes * interval '1 minute') AT TIME ZONE $2)::time > time '20:00'
                                   OR (scheduled_for AT TIME ZONE $2)::date <> ((scheduled_for + duration_minutes * interval '1 minute') AT TIME ZONE $2)::date),
                count(*) FILTER (WHERE scheduled_for < created_at + interval '24 hours')
         FROM sessions WHERE mediator_id = $1 AND status = 'booked'",
    )
    .bind(mediator)
    .bind(MEDIATOR_ZONE)
    .fetch_one(&mut conn)
    .await?;
    conn.close().await?;
    Ok(Check {
        booked,
        blocked_overlaps,
        time_overlaps,
        days_over_cap,
        outside_hours,
        short_notice,
    })
}

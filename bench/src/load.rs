//! Load for the benchmarks: closed-loop workers (each sends its next request as
//! soon as the previous one is answered), optionally gated on and off, and
//! paced probes (one request per interval per connection), with latencies in
//! HDR histograms.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::http::{Answer, Connection};
use anyhow::bail;
use bytes::Bytes;
use hdrhistogram::Histogram;
use hyper::StatusCode;
use hyper::header::HeaderValue;
use tokio::sync::watch;

/// Latencies are recorded in microseconds, up to a minute.
const HIST_MAX_MICROS: u64 = 60_000_000;
/// A worker gives up after this many broken connections in one run.
const MAX_RECONNECTS: u32 = 100;

/// One request a worker sends: the body and the session cookie, if any.
#[derive(Clone)]
pub struct Call {
    pub body: Bytes,
    pub cookie: Option<HeaderValue>,
}

/// Whether an answer is the success the call expects.
pub type Check = fn(&Answer) -> bool;

pub fn new_histogram() -> anyhow::Result<Histogram<u64>> {
    Ok(Histogram::new_with_bounds(1, HIST_MAX_MICROS, 3)?)
}

pub struct Tally {
    pub ok: u64,
    pub errors: u64,
    pub latency: Histogram<u64>,
}

impl Tally {
    pub fn new() -> anyhow::Result<Self> {
        Ok(Self {
            ok: 0,
            errors: 0,
            latency: new_histogram()?,
        })
    }

    pub fn add(&mut self, other: &Tally) -> anyhow::Result<()> {
        self.ok += other.ok;
        self.errors += other.errors;
        self.latency.add(&other.latency)?;
        Ok(())
    }

    fn record(&mut self, ok: bool, took: Duration) -> anyhow::Result<()> {
        if ok {
            self.ok += 1;
            let micros = u64::try_from(took.as_micros())
                .unwrap_or(HIST_MAX_MICROS)
                .clamp(1, HIST_MAX_MICROS);
            self.latency.record(micros)?;
        } else {
            self.errors += 1;
        }
        Ok(())
    }

    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.latency.is_empty() {
            return f64::NAN;
        }
        self.latency.value_at_quantile(q) as f64 / 1000.0
    }
}

/// A connection that reopens when the server breaks it, a bounded number of times.
struct Link {
    addr: SocketAddr,
    conn: Option<Connection>,
    reconnects: u32,
}

impl Link {
    fn new(addr: SocketAddr) -> Self {
        Self {
            addr,
            conn: None,
            reconnects: 0,
        }
    }

    /// Sends `call`; `None` when the connection broke (it reopens next time).
    async fn send(&mut self, call: &Call) -> anyhow::Result<Option<Answer>> {
        let conn = match self.conn.as_mut() {
            Some(conn) => conn,
            None => {
                if self.reconnects > MAX_RECONNECTS {
                    bail!(
                        "{} broke the connection {} times",
                        self.addr,
                        self.reconnects
                    );
                }
                self.reconnects += 1;
                self.conn.insert(Connection::open(self.addr).await?)
            }
        };
        match conn.graphql(&call.body, call.cookie.as_ref()).await {
            Ok(answer) => Ok(Some(answer)),
            Err(_) => {
                self.conn = None;
                Ok(None)
            }
        }
    }
}

fn is_ok(answer: &Option<Answer>, check: Check) -> bool {
    answer
        .as_ref()
        .is_some_and(|a| a.status == StatusCode::OK && check(a))
}

/// Closed-loop workers, one connection each, cycling through their calls from
/// now until `end`. Requests that complete in `[measure_from, end)` count.
/// With a gate, a worker sends only while the gate reads true.
pub async fn closed_loop(
    addr: SocketAddr,
    calls: Vec<Vec<Call>>,
    check: Check,
    measure_from: Instant,
    end: Instant,
    gate: Option<watch::Receiver<bool>>,
) -> anyhow::Result<Tally> {
    let mut workers = tokio::task::JoinSet::new();
    for calls in calls {
        let mut gate = gate.clone();
        workers.spawn(async move {
            let mut tally = Tally::new()?;
            let mut link = Link::new(addr);
            let mut i = 0usize;
            while Instant::now() < end && !calls.is_empty() {
                if let Some(gate) = gate.as_mut() {
                    let open = tokio::time::timeout_at(end.into(), gate.wait_for(|on| *on)).await;
                    if !matches!(open, Ok(Ok(_))) {
                        break;
                    }
                }
                let call = &calls[i % calls.len()];
                i += 1;
                let started = Instant::now();
                let answer = link.send(call).await?;
                let done = Instant::now();
                if done >= measure_from && done < end {
                    tally.record(is_ok(&answer, check), done - started)?;
                }
            }
            anyhow::Ok(tally)
        });
    }
    let mut total = Tally::new()?;
    while let Some(result) = workers.join_next().await {
        total.add(&result??)?;
    }
    Ok(total)
}

/// Paced probes: each connection sends one call every `interval` (later if the
/// previous answer is late) until `end`. `class` names the histogram a request
/// counts in from its send and completion times, or none (a transition).
pub async fn paced(
    addr: SocketAddr,
    calls: Vec<Call>,
    check: Check,
    interval: Duration,
    end: Instant,
    classes: usize,
    class: Arc<dyn Fn(Instant, Instant) -> Option<usize> + Send + Sync>,
) -> anyhow::Result<Vec<Tally>> {
    let mut workers = tokio::task::JoinSet::new();
    let count = calls.len().max(1);
    for (n, call) in calls.into_iter().enumerate() {
        let class = class.clone();
        workers.spawn(async move {
            let mut tallies = (0..classes)
                .map(|_| Tally::new())
                .collect::<anyhow::Result<Vec<_>>>()?;
            let mut link = Link::new(addr);
            // Spread the connections over the interval.
            let offset = interval.mul_f64(n as f64 / count as f64);
            let mut next = Instant::now() + offset;
            while next < end {
                tokio::time::sleep_until(next.into()).await;
                next += interval;
                let started = Instant::now();
                let answer = link.send(&call).await?;
                let done = Instant::now();
                if let Some(tally) = class(started, done).and_then(|k| tallies.get_mut(k)) {
                    tally.record(is_ok(&answer, check), done - started)?;
                }
                if next < done {
                    next = done;
                }
            }
            anyhow::Ok(tallies)
        });
    }
    let mut totals = (0..classes)
        .map(|_| Tally::new())
        .collect::<anyhow::Result<Vec<_>>>()?;
    while let Some(result) = workers.join_next().await {
        for (total, tally) in totals.iter_mut().zip(result??) {
            total.add(&tally)?;
        }
    }
    Ok(totals)
}

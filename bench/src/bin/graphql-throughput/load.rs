//! The load generator: one HTTP/1.1 keep-alive connection per worker (hyper's
//! connection API, no pool), each sending the same request back to back, with
//! latencies recorded in an HDR histogram.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::Bytes;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{CONTENT_TYPE, COOKIE, HOST, HeaderValue, SET_COOKIE};
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::QUERY_BODY;
use crate::observe::Observer;
use crate::procfs::CpuShares;

/// Longest a single request may take before it counts as an error.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// A worker gives up after this many broken connections in one run.
const MAX_RECONNECTS: u32 = 100;
/// Latencies are recorded in microseconds, up to a minute.
const HIST_MAX_MICROS: u64 = 60_000_000;

/// Where to send requests: the same body to the same path on either server.
pub struct Target {
    pub addr: SocketAddr,
    pub path: &'static str,
    /// Session cookies (`caucus_session=…`), shared round-robin; none for the baseline.
    pub cookies: Vec<HeaderValue>,
}

pub struct Plan {
    pub connections: usize,
    pub warmup: Duration,
    pub measure: Duration,
    pub max_requests: u64,
    pub server_pid: u32,
}

/// What one run measured. Only requests that completed inside the measured
/// window count.
pub struct Outcome {
    pub ok: u64,
    pub errors: u64,
    pub window: Duration,
    pub latency: Histogram<u64>,
    pub cpu: CpuShares,
}

impl Outcome {
    pub fn throughput(&self) -> f64 {
        self.ok as f64 / self.window.as_secs_f64()
    }

    pub fn quantile_ms(&self, q: f64) -> f64 {
        self.latency.value_at_quantile(q) as f64 / 1000.0
    }
}

async fn connect(addr: SocketAddr) -> anyhow::Result<SendRequest<Full<Bytes>>> {
    let stream = TcpStream::connect(addr)
        .await
        .with_context(|| format!("connecting to {addr}"))?;
    stream.set_nodelay(true)?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        // Ends when the sender is dropped or the server closes the connection.
        let _ = connection.await;
    });
    Ok(sender)
}

fn request(
    target: &Target,
    cookie: Option<&HeaderValue>,
    body: &str,
) -> anyhow::Result<Request<Full<Bytes>>> {
    let mut builder = Request::post(target.path)
        .header(HOST, target.addr.to_string())
        .header(CONTENT_TYPE, "application/json")
        .header(shared_types::CLIENT_HEADER, "bench");
    if let Some(cookie) = cookie {
        builder = builder.header(COOKIE, cookie.clone());
    }
    Ok(builder.body(Full::new(Bytes::copy_from_slice(body.as_bytes())))?)
}

/// Sends one request and reads the whole response.
async fn exchange(
    sender: &mut SendRequest<Full<Bytes>>,
    request: Request<Full<Bytes>>,
) -> anyhow::Result<(StatusCode, hyper::HeaderMap, Bytes)> {
    sender.ready().await?;
    let response = sender.send_request(request).await?;
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await?.to_bytes();
    Ok((parts.status, parts.headers, bytes))
}

/// Signs in once and returns the `caucus_session=…` cookie pair.
pub async fn sign_in(addr: SocketAddr, email: &str, password: &str) -> anyhow::Result<HeaderValue> {
    let body = serde_json::json!({
        "query": "mutation SignIn($input: SignInInput!) { signIn(input: $input) { viewer { roles } } }",
        "variables": { "input": { "email": email, "password": password } },
    })
    .to_string();
    let target = Target {
        addr,
        path: "/graphql",
        cookies: Vec::new(),
    };
    let mut sender = connect(addr).await?;
    let (status, headers, bytes) = tokio::time::timeout(
        REQUEST_TIMEOUT,
        exchange(&mut sender, request(&target, None, &body)?),
    )
    .await
    .context("signing in timed out")??;
    let text = String::from_utf8_lossy(&bytes);
    if status != StatusCode::OK || !text.contains("ORG_ADMIN") {
        bail!("signing in failed: {status} {text}");
    }
    let cookie = headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|pair| pair.starts_with("caucus_session=") && pair.len() > "caucus_session=".len())
        .context("signing in set no session cookie")?;
    Ok(HeaderValue::from_str(cookie)?)
}

/// One request to `target`, returning the body, to check what it answers.
pub async fn probe(target: &Target) -> anyhow::Result<String> {
    let mut sender = connect(target.addr).await?;
    let (status, _, bytes) = tokio::time::timeout(
        REQUEST_TIMEOUT,
        exchange(
            &mut sender,
            request(target, target.cookies.first(), QUERY_BODY)?,
        ),
    )
    .await
    .context("the probe timed out")??;
    let body = String::from_utf8_lossy(&bytes).into_owned();
    if status != StatusCode::OK {
        bail!("{status}: {body}");
    }
    Ok(body)
}

struct WorkerResult {
    ok: u64,
    errors: u64,
    latency: Histogram<u64>,
}

fn new_histogram() -> anyhow::Result<Histogram<u64>> {
    Ok(Histogram::new_with_bounds(1, HIST_MAX_MICROS, 3)?)
}

/// A successful answer from either path starts with exactly this.
const SUCCESS_PREFIX: &[u8] = br#"{"data":{"organization":{"id":"#;

async fn worker(
    target: Arc<Target>,
    cookie: Option<HeaderValue>,
    measure_from: Instant,
    end: Instant,
    max_requests: u64,
) -> anyhow::Result<WorkerResult> {
    let mut latency = new_histogram()?;
    let (mut ok, mut errors, mut sent, mut reconnects) = (0u64, 0u64, 0u64, 0u32);
    let mut sender: Option<SendRequest<Full<Bytes>>> = None;
    while sent < max_requests && Instant::now() < end {
        let conn = match sender.as_mut() {
            Some(conn) => conn,
            None => {
                if reconnects > MAX_RECONNECTS {
                    bail!("{} broke the connection {reconnects} times", target.addr);
                }
                reconnects += 1;
                sender.insert(connect(target.addr).await?)
            }
        };
        let req = request(&target, cookie.as_ref(), QUERY_BODY)?;
        sent += 1;
        let started = Instant::now();
        let result = tokio::time::timeout(REQUEST_TIMEOUT, exchange(conn, req)).await;
        let done = Instant::now();
        let counted = done >= measure_from && done < end;
        match result {
            Ok(Ok((status, _, body))) => {
                if status == StatusCode::OK && body.starts_with(SUCCESS_PREFIX) {
                    if counted {
                        ok += 1;
                        let micros = u64::try_from((done - started).as_micros())
                            .unwrap_or(HIST_MAX_MICROS)
                            .clamp(1, HIST_MAX_MICROS);
                        latency.record(micros)?;
                    }
                } else if counted {
                    errors += 1;
                }
            }
            Ok(Err(_)) | Err(_) => {
                if counted {
                    errors += 1;
                }
                sender = None;
            }
        }
    }
    Ok(WorkerResult {
        ok,
        errors,
        latency,
    })
}

/// Runs `plan.connections` workers against `target` for warm-up plus
/// measurement, then merges what they recorded.
pub async fn run(
    target: &Arc<Target>,
    plan: &Plan,
    observer: &Observer,
) -> anyhow::Result<Outcome> {
    let start = Instant::now();
    let measure_from = start + plan.warmup;
    let end = measure_from + plan.measure;
    let mut workers = tokio::task::JoinSet::new();
    for i in 0..plan.connections {
        let cookie = if target.cookies.is_empty() {
            None
        } else {
            Some(target.cookies[i % target.cookies.len()].clone())
        };
        workers.spawn(worker(
            target.clone(),
            cookie,
            measure_from,
            end,
            plan.max_requests,
        ));
    }
    let sampler = async {
        tokio::time::sleep_until(measure_from.into()).await;
        let before = observer.sample(plan.server_pid).await;
        tokio::time::sleep_until(end.into()).await;
        let after = observer.sample(plan.server_pid).await;
        before.zip(after)
    };
    let cpu = sampler.await;
    let mut outcome = Outcome {
        ok: 0,
        errors: 0,
        window: plan.measure,
        latency: new_histogram()?,
        cpu: match cpu {
            Some((before, after)) => after.shares_since(&before),
            None => CpuShares::UNKNOWN,
        },
    };
    while let Some(result) = workers.join_next().await {
        let result = result.context("a load worker failed")??;
        outcome.ok += result.ok;
        outcome.errors += result.errors;
        outcome.latency.add(&result.latency)?;
    }
    Ok(outcome)
}

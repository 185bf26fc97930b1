//! The four measurements of `sign-in`, in the order they run.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bench::http::Answer;
use bench::observe::Observer;
use bench::procfs::CpuShares;
use caucus_api::identity::password;
use caucus_api::redact::Sensitive;
use tokio::sync::watch;

use crate::Plan;
use bench::load::{Call, Check, Tally, closed_loop, paced};
use bench::observe::{CpuAverage, sample_window};

/// How long after a slice starts before its requests count: in-flight work of
/// the previous slice (queued hashes) finishes first.
const SETTLE: Duration = Duration::from_millis(500);

pub fn signed_in(answer: &Answer) -> bool {
    answer.body.starts_with(br#"{"data":{"signIn":{"viewer""#)
}

pub fn branded(answer: &Answer) -> bool {
    answer.body.starts_with(br#"{"data":{"branding":{"name""#)
}

pub fn organization(answer: &Answer) -> bool {
    answer.body.starts_with(br#"{"data":{"organization":{"id""#)
}

pub struct RawRate {
    pub per_sec: f64,
    pub cpu: CpuShares,
}

/// Verifications per second of the API's own hashing pool in this process
/// (same code, parameters, thread count and priority as the API's), with no
/// HTTP, database or Redis: twice as many callers as threads keep it busy.
pub async fn raw_rate(plan: &Plan, hash: &str, observer: &Observer) -> anyhow::Result<RawRate> {
    let start = Instant::now();
    let measure_from = start + plan.warmup;
    let end = measure_from + plan.measure;
    let done = Arc::new(AtomicU64::new(0));
    let mut callers = tokio::task::JoinSet::new();
    for _ in 0..2 * password::parallelism() {
        let (hash, done) = (hash.to_owned(), done.clone());
        let password = plan.password.clone();
        callers.spawn(async move {
            while Instant::now() < end {
                let ok =
                    password::verify(Sensitive::new(password.clone()), Some(hash.clone())).await?;
                anyhow::ensure!(ok, "the benchmark password did not verify");
                let now = Instant::now();
                if now >= measure_from && now < end {
                    done.fetch_add(1, Ordering::Relaxed);
                }
            }
            anyhow::Ok(())
        });
    }
    // The server is idle; its pid only fills the srv column.
    let cpu = sample_window(observer, plan.api_pid, measure_from, end).await;
    while let Some(result) = callers.join_next().await {
        result??;
    }
    Ok(RawRate {
        per_sec: done.load(Ordering::Relaxed) as f64 / plan.measure.as_secs_f64(),
        cpu,
    })
}

/// For comparison only: verifications per second on every core at normal
/// priority, on plain threads (what the machine could hash if sign-ins took
/// all of it).
pub async fn raw_rate_all_cores(plan: &Plan, hash: &str) -> anyhow::Result<f64> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (warmup, measure) = (plan.warmup, plan.measure);
    let (hash, pw) = (hash.to_owned(), plan.password.clone());
    let done = tokio::task::spawn_blocking(move || {
        let start = Instant::now();
        let measure_from = start + warmup;
        let end = measure_from + measure;
        std::thread::scope(|scope| {
            let threads: Vec<_> = (0..cores)
                .map(|_| {
                    scope.spawn(|| {
                        let mut done = 0u64;
                        while Instant::now() < end {
                            let ok = password::verify_now(&pw, &hash)?;
                            anyhow::ensure!(ok, "the benchmark password did not verify");
                            let now = Instant::now();
                            if now >= measure_from && now < end {
                                done += 1;
                            }
                        }
                        anyhow::Ok(done)
                    })
                })
                .collect();
            threads
                .into_iter()
                .map(|t| {
                    t.join()
                        .map_err(|_| anyhow::anyhow!("a hashing thread panicked"))?
                })
                .sum::<anyhow::Result<u64>>()
        })
    })
    .await??;
    Ok(done as f64 / plan.measure.as_secs_f64())
}

pub struct SignIns {
    pub tally: Tally,
    pub per_sec: f64,
    pub cpu: CpuShares,
}

/// Sign-ins through the API, closed loop.
pub async fn sign_ins(
    plan: &Plan,
    calls: Vec<Vec<Call>>,
    observer: &Observer,
) -> anyhow::Result<SignIns> {
    let start = Instant::now();
    let measure_from = start + plan.warmup;
    let end = measure_from + plan.measure;
    let load = closed_loop(plan.api, calls, signed_in, measure_from, end, None);
    let cpu = sample_window(observer, plan.api_pid, measure_from, end);
    let (tally, cpu) = tokio::join!(load, cpu);
    let tally = tally?;
    Ok(SignIns {
        per_sec: tally.ok as f64 / plan.measure.as_secs_f64(),
        tally,
        cpu,
    })
}

pub struct Variant {
    pub tally: Tally,
    pub per_sec: f64,
    pub cpu: CpuShares,
}

/// Closed-loop runs of two variants of a request, alternating in `rounds`
/// slices each (`SETTLE` of warm-up per slice), merged per variant.
pub async fn alternate(
    plan: &Plan,
    variants: [(Vec<Vec<Call>>, Check); 2],
    observer: &Observer,
) -> anyhow::Result<[Variant; 2]> {
    let slice = plan.measure.div_f64(f64::from(plan.rounds));
    let mut tallies = [Tally::new()?, Tally::new()?];
    let mut cpus = [CpuAverage::default(), CpuAverage::default()];
    for _ in 0..plan.rounds {
        for (k, (calls, check)) in variants.iter().enumerate() {
            let measure_from = Instant::now() + SETTLE;
            let end = measure_from + slice;
            let load = closed_loop(plan.api, calls.clone(), *check, measure_from, end, None);
            let cpu = sample_window(observer, plan.api_pid, measure_from, end);
            let (tally, cpu) = tokio::join!(load, cpu);
            tallies[k].add(&tally?)?;
            cpus[k].add(cpu);
        }
    }
    let secs = slice.as_secs_f64() * f64::from(plan.rounds);
    let [first, second] = tallies;
    let variant = |tally: Tally, cpu: &CpuAverage| Variant {
        per_sec: tally.ok as f64 / secs,
        tally,
        cpu: cpu.get(),
    };
    Ok([variant(first, &cpus[0]), variant(second, &cpus[1])])
}

pub struct Starvation {
    /// Probes alone, then while sign-ins run.
    pub probes: [Tally; 2],
    pub cpu: [CpuShares; 2],
    pub sign_ins: Tally,
    pub sign_ins_per_sec: f64,
}

/// Paced probes throughout; sign-ins (closed loop) switched on in every other
/// slice. A probe counts for the slice it was sent and answered in, after the
/// slice settled.
pub async fn starvation(
    plan: &Plan,
    probes: Vec<Call>,
    probe_interval: Duration,
    sign_ins: Vec<Vec<Call>>,
    observer: &Observer,
) -> anyhow::Result<Starvation> {
    let slice = plan.measure.div_f64(f64::from(plan.rounds)) + SETTLE;
    let slices = 2 * plan.rounds;
    let start = Instant::now() + Duration::from_millis(200);
    let end = start + slice * slices;
    let class = Arc::new(move |sent: Instant, done: Instant| {
        let at = sent.checked_duration_since(start)?;
        let k = u32::try_from(at.as_nanos() / slice.as_nanos()).ok()?;
        let slice_start = start + slice * k;
        let measured = slice_start + SETTLE..slice_start + slice;
        (k < slices && measured.contains(&sent) && measured.contains(&done))
            .then_some((k % 2) as usize)
    });
    let (gate_tx, gate_rx) = watch::channel(false);
    let probe_load = paced(
        plan.api,
        probes,
        organization,
        probe_interval,
        end,
        2,
        class,
    );
    let sign_in_load = closed_loop(plan.api, sign_ins, signed_in, start, end, Some(gate_rx));
    let control = async {
        let mut cpus = [CpuAverage::default(), CpuAverage::default()];
        for k in 0..slices {
            let slice_start = start + slice * k;
            tokio::time::sleep_until(slice_start.into()).await;
            let _ = gate_tx.send(k % 2 == 1);
            let cpu = sample_window(
                observer,
                plan.api_pid,
                slice_start + SETTLE,
                slice_start + slice,
            )
            .await;
            cpus[(k % 2) as usize].add(cpu);
        }
        let _ = gate_tx.send(false);
        [cpus[0].get(), cpus[1].get()]
    };
    let (probes, sign_ins, cpu) = tokio::join!(probe_load, sign_in_load, control);
    let sign_ins = sign_ins?;
    // Sign-ins run in half the slices.
    let loaded_secs = slice.as_secs_f64() * f64::from(plan.rounds);
    Ok(Starvation {
        probes: {
            let mut it = probes?.into_iter();
            match (it.next(), it.next()) {
                (Some(a), Some(b)) => [a, b],
                _ => anyhow::bail!("the probes reported no figures"),
            }
        },
        cpu,
        sign_ins_per_sec: sign_ins.ok as f64 / loaded_secs,
        sign_ins,
    })
}

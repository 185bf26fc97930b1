//! The printed result: a table of runs, the ratios, the API's peak memory, and
//! the targets from the issue marked PASS or MISS (printed, not asserted).

use std::fmt::Write as _;

use crate::load::Outcome;

/// The full path must reach this share of the baseline's throughput.
const TARGET_RATIO: f64 = 0.60;
/// p99 of the full path at the target concurrency, in milliseconds.
const TARGET_P99_MS: f64 = 25.0;
/// Peak resident memory of the API, in MB (10^6 bytes).
const TARGET_RSS_MB: f64 = 150.0;
/// The concurrency the targets are stated at.
const TARGET_CONNECTIONS: usize = 64;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Path {
    Baseline,
    Graphql,
}

impl Path {
    pub fn label(self) -> &'static str {
        match self {
            Path::Baseline => "baseline",
            Path::Graphql => "graphql",
        }
    }
}

pub struct Row {
    pub path: Path,
    pub connections: usize,
    pub outcome: Outcome,
}

impl Row {
    pub fn summary(&self) -> String {
        let o = &self.outcome;
        format!(
            "{} req/s, p50 {:.2} ms, p99 {:.2} ms, {} errors",
            o.throughput().round(),
            o.quantile_ms(0.50),
            o.quantile_ms(0.99),
            o.errors
        )
    }
}

/// The API process's resident memory at the stages of a benchmark, in KiB.
pub struct ApiMemory {
    /// Listening, before any request.
    pub started_kib: Option<u64>,
    /// Sessions signed in before the runs.
    pub sessions: usize,
    pub after_sign_in_kib: Option<u64>,
    /// `VmHWM` at the end: the peak over the process's life.
    pub peak_kib: Option<u64>,
}

pub struct Measured {
    pub rows: Vec<Row>,
    pub api_memory: ApiMemory,
    pub baseline_peak_kib: Option<u64>,
}

pub struct Settings {
    pub warmup_secs: f64,
    pub duration_secs: f64,
    pub db_pool: u32,
    pub redis_pool: usize,
    pub client_threads: usize,
    pub cores: usize,
}

fn mb(kib: u64) -> f64 {
    kib as f64 * 1024.0 / 1e6
}

fn verdict(pass: bool) -> &'static str {
    if pass { "PASS" } else { "MISS" }
}

fn find(rows: &[Row], path: Path, connections: usize) -> Option<&Row> {
    rows.iter()
        .find(|r| r.path == path && r.connections == connections)
}

pub fn render(settings: &Settings, measured: &Measured) -> String {
    let rows = &measured.rows;
    let memory = &measured.api_memory;
    let api_peak_kib = memory.peak_kib;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\ngraphql-throughput: query Org {{ organization {{ id name slug }} }}\n\
         {:.0} s warm-up + {:.0} s measured per run; DB pool {} (both servers), Redis pool {}; \
         load generator {} thread(s); {} core(s) shared by everything\n",
        settings.warmup_secs,
        settings.duration_secs,
        settings.db_pool,
        settings.redis_pool,
        settings.client_threads,
        settings.cores,
    );
    let _ = writeln!(
        out,
        "{:<9} {:>5} {:>9} {:>6} {:>9} {:>8} {:>8} {:>8}  {:>5} {:>5} {:>5} {:>5} {:>5}",
        "path",
        "conns",
        "requests",
        "errors",
        "req/s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "srv",
        "pg",
        "redis",
        "gen",
        "other"
    );
    for row in rows {
        let o = &row.outcome;
        let _ = writeln!(
            out,
            "{:<9} {:>5} {:>9} {:>6} {:>9.0} {:>8.2} {:>8.2} {:>8.2}  {:>4.0}% {:>4.0}% {:>4.0}% {:>4.0}% {:>4.0}%",
            row.path.label(),
            row.connections,
            o.ok,
            o.errors,
            o.throughput(),
            o.quantile_ms(0.50),
            o.quantile_ms(0.99),
            o.latency.max() as f64 / 1000.0,
            o.cpu.server,
            o.cpu.postgres,
            o.cpu.redis,
            o.cpu.generator,
            o.cpu.other,
        );
    }
    let _ = writeln!(
        out,
        "CPU in percent of one core during the measured window: srv = the server of that \
         path, pg = PostgreSQL backends of the benchmark database, redis = the Redis server, \
         gen = this load generator, other = the rest of the machine.\n"
    );

    let _ = writeln!(
        out,
        "CPU per request, microseconds (the same shares over req/s):"
    );
    let _ = writeln!(
        out,
        "{:<9} {:>5} {:>6} {:>6} {:>6} {:>6} {:>6}",
        "path", "conns", "srv", "pg", "redis", "gen", "total"
    );
    for row in rows {
        let o = &row.outcome;
        let per = |pct: f64| pct / 100.0 * 1e6 / o.throughput();
        let c = &o.cpu;
        let redis = if c.redis.is_nan() { 0.0 } else { c.redis };
        let _ = writeln!(
            out,
            "{:<9} {:>5} {:>6.0} {:>6.0} {:>6.0} {:>6.0} {:>6.0}",
            row.path.label(),
            row.connections,
            per(c.server),
            per(c.postgres),
            per(c.redis),
            per(c.generator),
            per(c.server + c.postgres + redis + c.generator),
        );
    }
    let _ = writeln!(out);

    let mut connections: Vec<usize> = rows.iter().map(|r| r.connections).collect();
    connections.dedup();
    for &c in &connections {
        if let (Some(full), Some(base)) =
            (find(rows, Path::Graphql, c), find(rows, Path::Baseline, c))
        {
            let _ = writeln!(
                out,
                "ratio graphql/baseline at {c:>3} connections: {:.2}",
                full.outcome.throughput() / base.outcome.throughput()
            );
        }
    }
    let opt_mb = |kib: Option<u64>| kib.map_or(f64::NAN, mb);
    let _ = writeln!(
        out,
        "API resident memory: {:.1} MB listening, {:.1} MB after {} sign-in(s), \
         peak {:.1} MB (VmHWM of the API process)",
        opt_mb(memory.started_kib),
        opt_mb(memory.after_sign_in_kib),
        memory.sessions,
        opt_mb(api_peak_kib),
    );
    if let Some(kib) = measured.baseline_peak_kib {
        let _ = writeln!(out, "baseline server peak RSS: {:.1} MB", mb(kib));
    }

    // The targets are stated at 64 connections; with other runs, use the largest.
    let at = if connections.contains(&TARGET_CONNECTIONS) {
        TARGET_CONNECTIONS
    } else {
        connections.iter().copied().max().unwrap_or(0)
    };
    let _ = writeln!(out, "\ntargets (at {at} connections):");
    if let (Some(full), Some(base)) = (
        find(rows, Path::Graphql, at),
        find(rows, Path::Baseline, at),
    ) {
        let ratio = full.outcome.throughput() / base.outcome.throughput();
        let p99 = full.outcome.quantile_ms(0.99);
        let _ = writeln!(
            out,
            "  throughput >= {:.0}% of baseline   {:>8.0}%   {}",
            TARGET_RATIO * 100.0,
            ratio * 100.0,
            verdict(ratio >= TARGET_RATIO)
        );
        let _ = writeln!(
            out,
            "  p99 <= {TARGET_P99_MS:.0} ms                  {:>7.2} ms  {}",
            p99,
            verdict(p99 <= TARGET_P99_MS)
        );
        if full.outcome.errors > 0 || base.outcome.errors > 0 {
            let _ = writeln!(out, "  (some requests failed: see the errors column)");
        }
    }
    if let Some(kib) = api_peak_kib {
        let _ = writeln!(
            out,
            "  API peak RSS < {TARGET_RSS_MB:.0} MB           {:>7.1} MB  {}",
            mb(kib),
            verdict(mb(kib) < TARGET_RSS_MB)
        );
    }
    if at != TARGET_CONNECTIONS {
        let _ = writeln!(
            out,
            "  (no run at {TARGET_CONNECTIONS} connections: add it to --connections)"
        );
    }
    out
}

//! The printed result of `cases`, with the targets marked PASS or
//! MISS (printed, not asserted).

use std::fmt::Write as _;

use bench::procfs::CpuShares;

use crate::Cli;
use crate::phases::{Figure, Measured, QUERIES};
use crate::plans::Explained;

/// p99 of each query at the measured connection count.
const TARGET_P99_MS: f64 = 20.0;
/// Row-level security may cost at most this share of throughput.
const TARGET_RLS_COST: f64 = 0.05;

fn verdict(pass: bool) -> &'static str {
    if pass { "PASS" } else { "MISS" }
}

fn cpu_cells(c: &CpuShares) -> String {
    format!(
        "{:>4.0}% {:>4.0}% {:>4.0}% {:>4.0}% {:>4.0}%",
        c.server, c.postgres, c.redis, c.generator, c.other
    )
}

const HEADER: &str = "                          count  errors      /s   p50 ms   p99 ms   max ms    srv    pg redis   gen other";

fn line(out: &mut String, label: &str, f: &Figure) {
    let t = &f.tally;
    let max = if t.latency.is_empty() {
        f64::NAN
    } else {
        t.latency.max() as f64 / 1000.0
    };
    let _ = writeln!(
        out,
        "{label:<25} {:>6} {:>7} {:>7.1} {:>8.2} {:>8.2} {max:>8.2}  {}",
        t.ok,
        t.errors,
        f.per_sec,
        t.quantile_ms(0.50),
        t.quantile_ms(0.99),
        cpu_cells(&f.cpu)
    );
}

fn cpu_per_request(f: &Figure) -> f64 {
    let c = &f.cpu;
    (c.server + c.postgres + c.redis + c.generator) / 100.0 * 1e6 / f.per_sec
}

fn plans(out: &mut String, title: &str, plans: &[Explained], rls_on: bool) -> bool {
    let _ = writeln!(
        out,
        "\nplans, {title} (EXPLAIN ANALYZE as caucus_app in the tenant):"
    );
    let mut pass = true;
    for e in plans {
        let _ = writeln!(
            out,
            "  {:<28} {:>7.3} ms  buffers hit {:>4} read {:>4}",
            e.name, e.ms, e.shared_hit, e.shared_read
        );
        for s in &e.scans {
            let v = s.verdict(rls_on);
            if v == Some(false) {
                pass = false;
            }
            let mark = match v {
                Some(true) => "ok  ",
                Some(false) if rls_on => "MISS",
                Some(false) => "seq ",
                None => "    ",
            };
            let _ = writeln!(out, "      {mark} {}", s.describe());
        }
    }
    pass
}

pub fn render(cli: &Cli, m: &Measured) -> String {
    let mut out = String::new();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let s = &m.seeded;
    let _ = writeln!(
        out,
        "\ncases: {} organizations × {} cases, {} mediators each, seeded in {:.1} s ({}); \
         the measured mediator leads {} cases; a detail shows {} parties and {} timeline entries",
        cli.orgs,
        cli.cases,
        cli.mediators,
        s.secs,
        s.rows
            .iter()
            .map(|(t, n)| format!("{t} {n}"))
            .collect::<Vec<_>>()
            .join(", "),
        s.case_ids.len(),
        m.parties,
        m.timeline,
    );
    let _ = writeln!(
        out,
        "{} connections, closed loop; {:.0} s measured per query and variant in {} alternating slices; {cores} core(s) shared by everything",
        cli.connections, cli.duration_secs, cli.rounds
    );
    let _ = writeln!(out, "\n{HEADER}");
    for (q, name) in QUERIES.iter().enumerate() {
        for (v, variant) in ["RLS on", "RLS off"].iter().enumerate() {
            line(&mut out, &format!("{name}, {variant}"), &m.figures[q][v]);
        }
    }
    let _ = writeln!(
        out,
        "  with indexes by case_id and the parties' hashes alone (made for these slices, dropped after):"
    );
    line(&mut out, "detail, RLS on, +idx", &m.indexed[0]);
    line(&mut out, "detail, RLS off, +idx", &m.indexed[1]);
    let _ = writeln!(
        out,
        "  the detail once the mediator's cases have no intake to read (no audit entry, no audit-chain lock):"
    );
    line(&mut out, "detail, RLS on, no audit", &m.unaudited);
    let _ = writeln!(out, "\nCPU per request (srv+pg+redis+gen), µs:");
    for (q, name) in QUERIES.iter().enumerate() {
        let _ = writeln!(
            out,
            "  {name:<7} {:>6.0} with RLS, {:>6.0} without",
            cpu_per_request(&m.figures[q][0]),
            cpu_per_request(&m.figures[q][1])
        );
    }
    let _ = writeln!(
        out,
        "  {:<7} {:>6.0} with RLS, {:>6.0} without (indexes without org_id)",
        "detail",
        cpu_per_request(&m.indexed[0]),
        cpu_per_request(&m.indexed[1])
    );
    let _ = writeln!(
        out,
        "CPU in percent of one core during the measured windows: srv = the API process, pg = \
         PostgreSQL backends of the benchmark database, redis = the Redis server, gen = this \
         process, other = the rest of the machine."
    );
    let _ = writeln!(
        out,
        "The first list page with RLS off is {} the one with RLS on.",
        if m.same_answers {
            "byte for byte"
        } else {
            "NOT"
        }
    );

    let _ = writeln!(
        out,
        "\nstatements the API role ran (sampled from pg_stat_activity):"
    );
    for (statement, samples) in &m.captured {
        let name = m
            .hot
            .iter()
            .find(|(_, sql)| sql == statement)
            .map_or("", |(name, _)| name);
        let shown: String = statement.chars().take(110).collect();
        let _ = writeln!(out, "  {samples:>6}  {name:<28} {shown}");
    }
    let missing: Vec<&str> = m
        .hot
        .iter()
        .filter(|(_, sql)| !m.captured.contains_key(sql))
        .map(|(name, _)| *name)
        .collect();
    if !missing.is_empty() {
        let _ = writeln!(out, "  explained but not sampled: {}", missing.join(", "));
    }
    let plans_pass = plans(&mut out, "RLS on", &m.plans[0], true);
    plans(&mut out, "RLS off", &m.plans[1], false);
    plans(&mut out, "RLS on, +idx", &m.indexed_plans[0], true);
    plans(&mut out, "RLS off, +idx", &m.indexed_plans[1], false);

    let _ = writeln!(
        out,
        "\nplan cache, ten runs of each statement prepared once (indexes without org_id): generic/custom plans"
    );
    for ((name, g_on, c_on), (_, g_off, c_off)) in m.plan_cache[0].iter().zip(&m.plan_cache[1]) {
        let _ = writeln!(
            out,
            "  {name:<28} RLS on {g_on:>2}/{c_on:<2}  RLS off {g_off:>2}/{c_off:<2}"
        );
    }
    let _ = writeln!(out, "\ntargets (at {} connections):", cli.connections);
    for (q, name) in QUERIES.iter().enumerate() {
        let p99 = m.figures[q][0].tally.quantile_ms(0.99);
        let _ = writeln!(
            out,
            "  {name:<10} p99 <= {TARGET_P99_MS:.0} ms                 {p99:>8.2} ms   {}",
            verdict(p99 <= TARGET_P99_MS)
        );
    }
    let comparisons = [
        ("list", &m.figures[0]),
        ("detail", &m.figures[1]),
        ("detail+idx", &m.indexed),
    ];
    for (name, [on, off]) in comparisons {
        let cost = off.per_sec / on.per_sec - 1.0;
        let _ = writeln!(
            out,
            "  {name:<10} RLS costs <= {:.0}% of throughput {:>7.1}/s on, {:>7.1}/s off = {:>+6.1}%   {}   (p99 {:.2} vs {:.2} ms)",
            TARGET_RLS_COST * 100.0,
            on.per_sec,
            off.per_sec,
            cost * 100.0,
            verdict(cost <= TARGET_RLS_COST),
            on.tally.quantile_ms(0.99),
            off.tally.quantile_ms(0.99),
        );
    }
    let _ = writeln!(
        out,
        "  no hot statement filters rows by the policy after scanning             {}",
        verdict(plans_pass)
    );
    let errors: u64 = m.figures.iter().flatten().map(|f| f.tally.errors).sum();
    if errors > 0 {
        let _ = writeln!(out, "  ({errors} request(s) failed: see the errors column)");
    }
    let _ = writeln!(
        out,
        "row-level security restored on {}: {}",
        crate::rls::TABLES.join(", "),
        if m.restored { "yes" } else { "NO" }
    );
    out
}

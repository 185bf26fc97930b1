//! The printed result of `sign-in`, with the targets marked PASS or
//! MISS (printed, not asserted).

use std::fmt::Write as _;

use bench::procfs::CpuShares;

use crate::{Cli, Measured};
use bench::load::Tally;

/// Sign-ins per second must reach this share of the raw hash rate.
const TARGET_SIGN_IN_RATIO: f64 = 0.90;
/// Validating a session may add at most this share to a simple query's p99.
const TARGET_SESSION_P99_RISE: f64 = 0.10;
/// Other requests' p99 may rise at most this much while sign-ins saturate the CPU.
const TARGET_STARVATION_P99_RISE: f64 = 0.20;

fn verdict(pass: bool) -> &'static str {
    if pass { "PASS" } else { "MISS" }
}

fn cpu_cells(c: &CpuShares) -> String {
    format!(
        "{:>4.0}% {:>4.0}% {:>4.0}% {:>4.0}% {:>4.0}%",
        c.server, c.postgres, c.redis, c.generator, c.other
    )
}

const HEADER: &str = "                                   count  errors      /s   p50 ms   p99 ms    srv    pg redis   gen other";

fn line(
    out: &mut String,
    label: &str,
    count: u64,
    tally: Option<&Tally>,
    rate: f64,
    cpu: &CpuShares,
) {
    let (errors, p50, p99) = match tally {
        Some(t) => (
            t.errors.to_string(),
            t.quantile_ms(0.50),
            t.quantile_ms(0.99),
        ),
        None => ("-".to_owned(), f64::NAN, f64::NAN),
    };
    let _ = writeln!(
        out,
        "{label:<32} {count:>8} {errors:>7} {rate:>7.1} {p50:>8.2} {p99:>8.2}  {}",
        cpu_cells(cpu)
    );
}

pub fn render(cli: &Cli, m: &Measured) -> String {
    let mut out = String::new();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let _ = writeln!(
        out,
        "\nsign-in: argon2id m={} KiB, t={}, p={}; {} hashing thread(s) at nice +{}; {} core(s) \
         shared by everything; {:.0} s measured per figure ({} alternating slices), {} accounts",
        caucus_api::identity::password::MEMORY_KIB,
        caucus_api::identity::password::ITERATIONS,
        caucus_api::identity::password::LANES,
        m.parallelism,
        caucus_api::identity::password::HASHING_NICE,
        cores,
        cli.duration_secs,
        cli.rounds,
        cli.users,
    );
    let _ = writeln!(out, "\n{HEADER}");
    let secs = cli.duration_secs;
    for (label, raw) in [
        ("raw hash rate, before", &m.raw[0]),
        ("raw hash rate, after", &m.raw[1]),
    ] {
        line(
            &mut out,
            label,
            (raw.per_sec * secs).round() as u64,
            None,
            raw.per_sec,
            &raw.cpu,
        );
    }
    let cores_label = format!("raw, all {cores} cores, plain threads");
    line(
        &mut out,
        &cores_label,
        (m.raw_all_cores * secs).round() as u64,
        None,
        m.raw_all_cores,
        &CpuShares::UNKNOWN,
    );
    let s = &m.sign_ins;
    line(
        &mut out,
        &format!("signIn over HTTP, {} conns", m.sign_in_connections),
        s.tally.ok,
        Some(&s.tally),
        s.per_sec,
        &s.cpu,
    );
    let _ = writeln!(out);
    for (label, v) in [
        (
            format!("branding, no cookie, {} conns", cli.connections),
            &m.session[0],
        ),
        (
            format!("branding, session, {} conns", cli.connections),
            &m.session[1],
        ),
    ] {
        line(
            &mut out,
            &label,
            v.tally.ok,
            Some(&v.tally),
            v.per_sec,
            &v.cpu,
        );
    }
    let _ = writeln!(out);
    let st = &m.starvation;
    line(
        &mut out,
        &format!("organization, {}/s, alone", cli.probe_rate),
        st.probes[0].ok,
        Some(&st.probes[0]),
        f64::NAN,
        &st.cpu[0],
    );
    line(
        &mut out,
        &format!("organization, {}/s, + sign-ins", cli.probe_rate),
        st.probes[1].ok,
        Some(&st.probes[1]),
        f64::NAN,
        &st.cpu[1],
    );
    line(
        &mut out,
        "  the sign-ins meanwhile",
        st.sign_ins.ok,
        Some(&st.sign_ins),
        st.sign_ins_per_sec,
        &CpuShares::UNKNOWN,
    );
    let per_request = |v: &crate::phases::Variant| {
        let c = &v.cpu;
        (c.server + c.postgres + c.redis + c.generator) / 100.0 * 1e6 / v.per_sec
    };
    let _ = writeln!(
        out,
        "\nCPU per branding request (srv+pg+redis+gen): {:.0} µs without a session, {:.0} µs with one",
        per_request(&m.session[0]),
        per_request(&m.session[1]),
    );
    let _ = writeln!(
        out,
        "CPU in percent of one core during the measured windows: srv = the API process, pg = \
         PostgreSQL backends of the benchmark database, redis = the Redis server, gen = this \
         process (the raw rate's hashing runs here), other = the rest of the machine."
    );

    let raw = (m.raw[0].per_sec + m.raw[1].per_sec) / 2.0;
    let ratio = s.per_sec / raw;
    let session_rise =
        m.session[1].tally.quantile_ms(0.99) / m.session[0].tally.quantile_ms(0.99) - 1.0;
    let starvation_rise = st.probes[1].quantile_ms(0.99) / st.probes[0].quantile_ms(0.99) - 1.0;
    let _ = writeln!(out, "\ntargets:");
    let _ = writeln!(
        out,
        "  sign-ins >= {:.0}% of the raw hash rate      {:>6.1}/s of {:.1}/s = {:>5.1}%  {}",
        TARGET_SIGN_IN_RATIO * 100.0,
        s.per_sec,
        raw,
        ratio * 100.0,
        verdict(ratio >= TARGET_SIGN_IN_RATIO)
    );
    let _ = writeln!(
        out,
        "  session adds <= {:.0}% to a query's p99      {:.2} ms vs {:.2} ms = {:>+5.1}%  {}",
        TARGET_SESSION_P99_RISE * 100.0,
        m.session[1].tally.quantile_ms(0.99),
        m.session[0].tally.quantile_ms(0.99),
        session_rise * 100.0,
        verdict(session_rise <= TARGET_SESSION_P99_RISE)
    );
    let _ = writeln!(
        out,
        "  p99 rises <= {:.0}% while sign-ins run       {:.2} ms vs {:.2} ms = {:>+5.1}%  {}",
        TARGET_STARVATION_P99_RISE * 100.0,
        st.probes[1].quantile_ms(0.99),
        st.probes[0].quantile_ms(0.99),
        starvation_rise * 100.0,
        verdict(starvation_rise <= TARGET_STARVATION_P99_RISE)
    );
    let errors = s.tally.errors
        + m.session.iter().map(|v| v.tally.errors).sum::<u64>()
        + st.probes.iter().map(|t| t.errors).sum::<u64>()
        + st.sign_ins.errors;
    if errors > 0 {
        let _ = writeln!(out, "  ({errors} request(s) failed: see the errors column)");
    }
    out
}

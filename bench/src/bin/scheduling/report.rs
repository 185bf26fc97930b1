//! The printed result of `scheduling`, with the targets marked PASS
//! or MISS (printed, not asserted).

use std::fmt::Write as _;

use bench::load::Tally;
use bench::procfs::CpuShares;

use crate::Cli;
use crate::booking::CAP_PER_DAY;
use crate::phases::{LIMIT, Measured};
use crate::seed::{MEDIATOR_ZONE, PARTY_ZONES};

/// Slot search p99 at every connection count.
const TARGET_P99_MS: f64 = 50.0;

fn verdict(pass: bool) -> &'static str {
    if pass { "PASS" } else { "MISS" }
}

fn cpu_cells(c: &CpuShares) -> String {
    format!(
        "{:>4.0}% {:>4.0}% {:>4.0}% {:>4.0}% {:>4.0}%",
        c.server, c.postgres, c.redis, c.generator, c.other
    )
}

fn max_ms(t: &Tally) -> f64 {
    if t.latency.is_empty() {
        f64::NAN
    } else {
        t.latency.max() as f64 / 1000.0
    }
}

fn cpu_per_request(c: &CpuShares, per_sec: f64) -> f64 {
    (c.server + c.postgres + c.redis + c.generator) / 100.0 * 1e6 / per_sec
}

pub fn render(cli: &Cli, m: &Measured) -> String {
    let mut out = String::new();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let s = &m.seeded;
    let b = &m.baseline;
    let _ = writeln!(
        out,
        "\nscheduling: mediator A (Mon–Fri 09:00–17:00 {MEDIATOR_ZONE}) with {} sessions ({} in the past 12 months), \
         {} busy rows, four parties ({}) with {} windows each; seeded in {:.1} s ({})",
        cli.sessions,
        cli.past_sessions,
        cli.busy,
        PARTY_ZONES.join(", "),
        cli.windows,
        s.secs,
        s.rows
            .iter()
            .map(|(t, n)| format!("{t} {n}"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    let _ = writeln!(
        out,
        "a search reads {} (the API's loader returned {} bookings, {} busy/time-off, windows {:?}); \
         caseSchedule(limit {LIMIT}) returned {} slots from {}, {} local times each; {cores} core(s) shared by everything",
        s.loaded
            .iter()
            .map(|(t, n)| format!("{n} {t}"))
            .collect::<Vec<_>>()
            .join(", "),
        b.bookings,
        b.time_off,
        b.windows,
        m.slots,
        m.first_slot,
        m.local_times,
    );

    let _ = writeln!(
        out,
        "\nslot search                 count  errors       /s   p50 ms   p99 ms   max ms    srv    pg redis   gen other  CPU µs/req"
    );
    let _ = writeln!(
        out,
        "find_slots (pure)        {:>8} {:>7} {:>8.0} {:>8.3} {:>8.3} {:>8.3}   (this process, one thread)",
        b.finder.ok,
        b.finder.errors,
        b.finder_per_sec,
        b.finder.quantile_ms(0.50),
        b.finder.quantile_ms(0.99),
        max_ms(&b.finder),
    );
    let _ = writeln!(
        out,
        "loader + find_slots      {:>8} {:>7} {:>8} {:>8.3} {:>8.3} {:>8.3}   (booking::search in a tenant transaction, one at a time; {} slots)",
        b.loader.ok,
        b.loader.errors,
        "",
        b.loader.quantile_ms(0.50),
        b.loader.quantile_ms(0.99),
        max_ms(&b.loader),
        b.found,
    );
    for r in &m.runs {
        let t = &r.tally;
        let _ = writeln!(
            out,
            "caseSchedule, {:>3} conns {:>8} {:>7} {:>8.1} {:>8.2} {:>8.2} {:>8.2}  {} {:>8.0}",
            r.connections,
            t.ok,
            t.errors,
            r.per_sec,
            t.quantile_ms(0.50),
            t.quantile_ms(0.99),
            max_ms(t),
            cpu_cells(&r.cpu),
            cpu_per_request(&r.cpu, r.per_sec),
        );
    }
    let _ = writeln!(
        out,
        "CPU in percent of one core during the measured windows: srv = the API process, pg = \
         PostgreSQL backends of the benchmark database, redis = the Redis server, gen = this \
         process, other = the rest of the machine."
    );

    let k = &m.booked;
    let _ = writeln!(
        out,
        "\nbookings: {} workers (one case, staff session and connection each) on mediator B \
         (every day 08:00–20:00 {MEDIATOR_ZONE}, at most {CAP_PER_DAY} a day), {:.0} s; each reads its \
         case's schedule and books one of the first {} times at random",
        cli.bookers, k.secs, cli.pick_among
    );
    let _ = writeln!(out, "  second   booked  SLOT_TAKEN  other");
    for (n, [ok, taken, other]) in k.per_second.iter().enumerate() {
        let _ = writeln!(out, "  {:>6} {:>8} {:>11} {:>6}", n + 1, ok, taken, other);
    }
    let booked = k.book_ok.ok;
    let taken = k.book_taken.ok;
    let attempts = booked + taken + k.other;
    let _ = writeln!(
        out,
        "  total  {booked:>8} {taken:>11} {:>6}   = {:.1} bookings/s, {:.1} refusals/s; {:.0}% of attempts refused as taken",
        k.other,
        booked as f64 / k.secs,
        taken as f64 / k.secs,
        if attempts > 0 {
            taken as f64 * 100.0 / attempts as f64
        } else {
            f64::NAN
        },
    );
    let _ = writeln!(
        out,
        "                             count   p50 ms   p99 ms   max ms"
    );
    for (name, t) in [
        ("caseSchedule (workers)", &k.schedule),
        ("bookSession, booked", &k.book_ok),
        ("bookSession, SLOT_TAKEN", &k.book_taken),
    ] {
        let _ = writeln!(
            out,
            "  {name:<24} {:>7} {:>8.2} {:>8.2} {:>8.2}",
            t.ok,
            t.quantile_ms(0.50),
            t.quantile_ms(0.99),
            max_ms(t),
        );
    }
    let _ = writeln!(
        out,
        "  CPU: {}  (srv pg redis gen other)",
        cpu_cells(&k.cpu)
    );
    if k.no_slot > 0 {
        let _ = writeln!(
            out,
            "  {} schedule(s) proposed no time: the mediator's 120-day horizon ran full",
            k.no_slot
        );
    }
    if let Some(sample) = &k.other_sample {
        let shown: String = sample.chars().take(300).collect();
        let _ = writeln!(out, "  first other failure: {shown}");
    }
    let c = &k.check;
    let _ = writeln!(
        out,
        "\ncheck (SQL as the owner, mediator B's booked sessions): {} in the table, {} booked answers",
        c.booked, k.ok_all
    );
    let checks = [
        (
            "no two sessions closer than the buffer (blocked ranges overlap)",
            c.blocked_overlaps,
        ),
        ("no two sessions overlap in time", c.time_overlaps),
        (
            "no London day with more sessions than the cap",
            c.days_over_cap,
        ),
        (
            "every session inside 08:00–20:00 London time",
            c.outside_hours,
        ),
        (
            "every session at least 24 hours after booking",
            c.short_notice,
        ),
    ];
    for (what, bad) in checks {
        let _ = writeln!(
            out,
            "  {what:<66} {:>4} violation(s)  {}",
            bad,
            if bad == 0 { "ok" } else { "FAILED (a bug)" }
        );
    }
    let _ = writeln!(
        out,
        "  every booked answer is a row                                      {}",
        if c.booked == k.ok_all as i64 {
            "ok"
        } else {
            "FAILED"
        }
    );

    let _ = writeln!(out, "\ntargets:");
    for r in &m.runs {
        let p99 = r.tally.quantile_ms(0.99);
        let _ = writeln!(
            out,
            "  slot search p99 <= {TARGET_P99_MS:.0} ms at {:>3} connections   {p99:>8.2} ms   {}",
            r.connections,
            verdict(p99 <= TARGET_P99_MS && r.tally.errors == 0)
        );
    }
    out
}

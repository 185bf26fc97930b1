//! Memory and CPU figures read from Linux's `/proc`. Anything unreadable (say,
//! on another OS) reads as absent.

/// Clock ticks per second of `/proc/*/stat` (USER_HZ, 100 on Linux).
const TICKS_PER_SEC: f64 = 100.0;

fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The peak resident set (`VmHWM`) of a process, in KiB.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    status_kib(pid, "VmHWM")
}

/// The current resident set (`VmRSS`) of a process, in KiB.
pub fn rss_kib(pid: u32) -> Option<u64> {
    status_kib(pid, "VmRSS")
}

/// "rss X MB, peak Y MB" for progress lines.
pub fn memory_line(pid: u32) -> String {
    let mb = |kib: Option<u64>| kib.map_or(f64::NAN, |k| k as f64 * 1024.0 / 1e6);
    format!(
        "rss {:.1} MB, peak {:.1} MB",
        mb(rss_kib(pid)),
        mb(peak_rss_kib(pid))
    )
}

/// User plus system ticks of a whole process (all threads).
fn process_ticks(pid: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces: fields after it.
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    // After the name: state is field 3, utime 14 and stime 15 (1-based).
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// Busy ticks of the whole machine, all cores (`/proc/stat`, first line).
fn machine_busy_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let values: Vec<u64> = line
        .split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal ...
    let total: u64 = values.iter().take(8).sum();
    let idle = values.get(3)? + values.get(4).copied().unwrap_or(0);
    Some(total - idle)
}

/// CPU used during a measured window, in percent of one core (NaN: unknown).
#[derive(Debug, Clone, Copy)]
pub struct CpuShares {
    /// The server process of the path under test.
    pub server: f64,
    /// The PostgreSQL backends connected to the benchmark's database.
    pub postgres: f64,
    /// The Redis server.
    pub redis: f64,
    /// This load generator.
    pub generator: f64,
    /// Everything else on the machine (other PostgreSQL processes, other users).
    pub other: f64,
}

impl CpuShares {
    pub const UNKNOWN: CpuShares = CpuShares {
        server: f64::NAN,
        postgres: f64::NAN,
        redis: f64::NAN,
        generator: f64::NAN,
        other: f64::NAN,
    };
}

/// Whose CPU to count: the server, PostgreSQL backends, Redis.
pub struct Watched<'a> {
    pub server: u32,
    pub postgres: &'a [u32],
    pub redis: Option<u32>,
}

pub struct CpuSample {
    at: std::time::Instant,
    server: u64,
    generator: u64,
    machine: u64,
    postgres: Vec<(u32, u64)>,
    redis: Option<u64>,
}

impl CpuSample {
    pub fn take(watched: &Watched<'_>) -> Option<Self> {
        Some(Self {
            at: std::time::Instant::now(),
            server: process_ticks(&watched.server.to_string())?,
            generator: process_ticks("self")?,
            machine: machine_busy_ticks()?,
            postgres: watched
                .postgres
                .iter()
                .filter_map(|&pid| Some((pid, process_ticks(&pid.to_string())?)))
                .collect(),
            redis: watched
                .redis
                .and_then(|pid| process_ticks(&pid.to_string())),
        })
    }

    /// Percent of one core used by each party since `before`. A PostgreSQL
    /// backend that started in between counts from zero.
    pub fn shares_since(&self, before: &CpuSample) -> CpuShares {
        let secs = (self.at - before.at).as_secs_f64().max(1e-3);
        let pct = |ticks: u64| ticks as f64 / TICKS_PER_SEC / secs * 100.0;
        let server = self.server.saturating_sub(before.server);
        let generator = self.generator.saturating_sub(before.generator);
        let machine = self.machine.saturating_sub(before.machine);
        let postgres: u64 = self
            .postgres
            .iter()
            .map(|(pid, ticks)| {
                let earlier = before
                    .postgres
                    .iter()
                    .find(|(p, _)| p == pid)
                    .map_or(0, |(_, t)| *t);
                ticks.saturating_sub(earlier)
            })
            .sum();
        let redis = match (self.redis, before.redis) {
            (Some(after), Some(earlier)) => Some(after.saturating_sub(earlier)),
            _ => None,
        };
        let known = server + generator + postgres + redis.unwrap_or(0);
        CpuShares {
            server: pct(server),
            postgres: pct(postgres),
            redis: redis.map_or(f64::NAN, pct),
            generator: pct(generator),
            other: pct(machine.saturating_sub(known)),
        }
    }
}

//! Finds the processes whose CPU a run accounts for besides the server and the
//! load generator: the PostgreSQL backends connected to the benchmark's
//! database (from `pg_stat_activity`) and the Redis server (from `INFO`).
//! Both are on this machine: the benchmark only talks to loopback services.

use std::time::{Duration, Instant};

use anyhow::Context;
use sqlx::postgres::{PgPool, PgPoolOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::procfs::{CpuSample, CpuShares, Watched};

const TIMEOUT: Duration = Duration::from_secs(2);
/// Largest `INFO server` reply read from Redis.
const MAX_INFO_BYTES: usize = 64 * 1024;

pub struct Observer {
    pool: PgPool,
    redis_pid: Option<u32>,
}

impl Observer {
    /// `database_url`: the benchmark's database, as its owner.
    pub async fn connect(database_url: &str, redis_url: &str) -> anyhow::Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .connect(database_url)
            .await
            .context("connecting the CPU observer")?;
        let redis_pid = tokio::time::timeout(TIMEOUT, redis_pid(redis_url))
            .await
            .ok()
            .flatten();
        Ok(Self { pool, redis_pid })
    }

    async fn postgres_pids(&self) -> Vec<u32> {
        let rows: Result<Vec<(i32,)>, _> = sqlx::query_as(
            "SELECT pid FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .fetch_all(&self.pool)
        .await;
        rows.unwrap_or_default()
            .into_iter()
            .filter_map(|(pid,)| u32::try_from(pid).ok())
            .collect()
    }

    pub async fn sample(&self, server_pid: u32) -> Option<CpuSample> {
        let postgres = self.postgres_pids().await;
        CpuSample::take(&Watched {
            server: server_pid,
            postgres: &postgres,
            redis: self.redis_pid,
        })
    }

    pub async fn close(self) {
        self.pool.close().await;
    }
}

/// Average CPU shares over the windows of one kind.
#[derive(Default)]
pub struct CpuAverage {
    sum: Option<CpuShares>,
    n: u32,
}

impl CpuAverage {
    pub fn add(&mut self, s: CpuShares) {
        let sum = self.sum.get_or_insert(CpuShares {
            server: 0.0,
            postgres: 0.0,
            redis: 0.0,
            generator: 0.0,
            other: 0.0,
        });
        sum.server += s.server;
        sum.postgres += s.postgres;
        sum.redis += s.redis;
        sum.generator += s.generator;
        sum.other += s.other;
        self.n += 1;
    }

    pub fn get(&self) -> CpuShares {
        let Some(sum) = self.sum else {
            return CpuShares::UNKNOWN;
        };
        let n = f64::from(self.n.max(1));
        CpuShares {
            server: sum.server / n,
            postgres: sum.postgres / n,
            redis: sum.redis / n,
            generator: sum.generator / n,
            other: sum.other / n,
        }
    }
}

/// CPU shares of the watched processes between `from` and `to` (sleeps until then).
pub async fn sample_window(observer: &Observer, pid: u32, from: Instant, to: Instant) -> CpuShares {
    tokio::time::sleep_until(from.into()).await;
    let before = observer.sample(pid).await;
    tokio::time::sleep_until(to.into()).await;
    let after = observer.sample(pid).await;
    match (before, after) {
        (Some(b), Some(a)) => a.shares_since(&b),
        _ => CpuShares::UNKNOWN,
    }
}

/// The Redis server's pid from `INFO server`, for a `redis://host:port` URL
/// without credentials; anything else reads as unknown.
async fn redis_pid(url: &str) -> Option<u32> {
    let rest = url.strip_prefix("redis://")?;
    if rest.contains('@') {
        return None;
    }
    let host_port = rest.split('/').next()?;
    let mut stream = tokio::net::TcpStream::connect(host_port).await.ok()?;
    stream.write_all(b"INFO server\r\n").await.ok()?;
    let mut reply = Vec::new();
    let mut buf = [0u8; 4096];
    while reply.len() < MAX_INFO_BYTES {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            break;
        }
        reply.extend_from_slice(&buf[..n]);
        if let Some(pid) = parse_process_id(&reply) {
            return Some(pid);
        }
    }
    None
}

fn parse_process_id(reply: &[u8]) -> Option<u32> {
    let text = std::str::from_utf8(reply).ok()?;
    text.lines()
        .find_map(|line| line.strip_prefix("process_id:"))
        .and_then(|pid| pid.trim().parse().ok())
}

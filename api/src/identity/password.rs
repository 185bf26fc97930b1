//! Argon2id password hashing with OWASP's recommended parameters
//! (19 MiB, 2 iterations, 1 lane). Hashing runs on its own threads, one fewer
//! than the cores (at least one), at a lower scheduling priority than the rest
//! of the process (see [`HASHING_NICE`]). A burst of sign-ins therefore always
//! leaves a core to the async runtime (and to PostgreSQL and Redis when they
//! share the host): nice alone does not do it, since the kernel lets a running
//! hash finish its time slice before a woken request runs.

use std::sync::{Arc, LazyLock, Mutex, mpsc};

use anyhow::Context;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::Semaphore;

use crate::redact::Sensitive;

pub const MEMORY_KIB: u32 = 19 * 1024;
pub const ITERATIONS: u32 = 2;
pub const LANES: u32 = 1;
pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 256;

fn params() -> anyhow::Result<Params> {
    Params::new(MEMORY_KIB, ITERATIONS, LANES, None)
        .map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))
}

/// How many nice levels below the process the hashing threads run (Linux
/// only; capped at 19). The kernel then gives a runnable async worker (or a
/// PostgreSQL backend on the same host) the CPU in preference to a hash, and
/// hashes still get every cycle nobody else wants.
pub const HASHING_NICE: i32 = 10;

type Job = Box<dyn FnOnce() + Send>;

/// The hashing threads, started on first use, and a permit per thread so that
/// a waiting caller holds no thread and a cancelled one never hashes.
struct HashPool {
    jobs: mpsc::Sender<Job>,
    permits: Arc<Semaphore>,
    threads: usize,
}

static POOL: LazyLock<HashPool> = LazyLock::new(HashPool::start);

impl HashPool {
    fn start() -> Self {
        let wanted = threads_for(std::thread::available_parallelism().map_or(1, |n| n.get()));
        let (jobs, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        let mut threads = 0;
        for i in 0..wanted {
            let receiver = receiver.clone();
            let started = std::thread::Builder::new()
                .name(format!("caucus-hash-{i}"))
                .spawn(move || hashing_thread(&receiver));
            match started {
                Ok(_) => threads += 1,
                Err(error) => tracing::warn!(%error, "could not start a password hashing thread"),
            }
        }
        Self {
            jobs,
            permits: Arc::new(Semaphore::new(threads)),
            threads,
        }
    }
}

fn hashing_thread(receiver: &Mutex<mpsc::Receiver<Job>>) {
    lower_priority();
    loop {
        let job = receiver
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .recv();
        let Ok(job) = job else { break };
        // A panicking job drops its reply channel (its caller gets an error);
        // the thread carries on.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
    }
}

/// Lowers the calling thread's priority by [`HASHING_NICE`]. On Linux the nice
/// value belongs to the thread, so the rest of the process is unaffected.
#[cfg(target_os = "linux")]
pub fn lower_priority() {
    use rustix::process::{getpriority_process, setpriority_process};
    let tid = Some(rustix::thread::gettid());
    let lowered = getpriority_process(tid)
        .and_then(|current| setpriority_process(tid, (current + HASHING_NICE).min(19)));
    if let Err(error) = lowered {
        tracing::warn!(%error, "could not lower the priority of password hashing");
    }
}

#[cfg(not(target_os = "linux"))]
pub fn lower_priority() {}

/// Hashing threads for a machine with `cores` cores: all but one.
fn threads_for(cores: usize) -> usize {
    cores.saturating_sub(1).max(1)
}

/// How many passwords the API hashes at once: one fewer than the cores.
pub fn parallelism() -> usize {
    POOL.threads.max(1)
}

/// Argon2's 19 MiB working memory, reused: hashing runs on a few threads, so at
/// most that many buffers ever exist. Allocating afresh for every sign-in
/// leaves the allocator holding hundreds of megabytes after a burst.
static BUFFERS: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

fn with_buffer<T>(blocks: usize, work: impl FnOnce(&mut [Block]) -> T) -> T {
    let mut buffer = BUFFERS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .pop()
        .unwrap_or_default();
    if buffer.len() < blocks {
        buffer.resize(blocks, Block::default());
    }
    let result = work(&mut buffer[..blocks]);
    BUFFERS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .push(buffer);
    result
}

/// A hash of a fixed password with the same parameters, verified when an email
/// address is unknown, so that both answers take the same time.
static DUMMY_HASH: LazyLock<Option<String>> =
    LazyLock::new(|| hash_blocking("caucus-timing-equalizer").ok());

fn hash_blocking(password: &str) -> anyhow::Result<String> {
    let params = params()?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_buffer = [0u8; 64];
    let salt_bytes = salt
        .as_salt()
        .decode_b64(&mut salt_buffer)
        .map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    let mut output = [0u8; 32];
    with_buffer(params.block_count(), |blocks| {
        argon.hash_password_into_with_memory(password.as_bytes(), salt_bytes, &mut output, blocks)
    })
    .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| anyhow::anyhow!("params: {e}"))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&output).map_err(|e| anyhow::anyhow!("output: {e}"))?),
    };
    Ok(phc.to_string())
}

fn verify_blocking(password: &str, hash: &str) -> anyhow::Result<bool> {
    let parsed =
        PasswordHash::new(hash).map_err(|e| anyhow::anyhow!("stored hash unreadable: {e}"))?;
    let algorithm =
        Algorithm::try_from(parsed.algorithm).map_err(|e| anyhow::anyhow!("algorithm: {e}"))?;
    let version = parsed
        .version
        .map(Version::try_from)
        .transpose()
        .map_err(|e| anyhow::anyhow!("version: {e}"))?
        .unwrap_or_default();
    let params = Params::try_from(&parsed).map_err(|e| anyhow::anyhow!("params: {e}"))?;
    let expected = parsed.hash.context("stored hash has no output")?;
    let mut salt_buffer = [0u8; 64];
    let salt_bytes = parsed
        .salt
        .context("stored hash has no salt")?
        .decode_b64(&mut salt_buffer)
        .map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    let argon = Argon2::new(algorithm, version, params.clone());
    let mut output = vec![0u8; expected.len()];
    with_buffer(params.block_count(), |blocks| {
        argon.hash_password_into_with_memory(password.as_bytes(), salt_bytes, &mut output, blocks)
    })
    .map_err(|e| anyhow::anyhow!("verifying a password: {e}"))?;
    // `Output` compares in constant time.
    Ok(Output::new(&output).map_err(|e| anyhow::anyhow!("output: {e}"))? == expected)
}

async fn on_hashing_pool<T: Send + 'static>(
    job: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    let pool = &*POOL;
    if pool.threads == 0 {
        // No thread could be started: the blocking pool still keeps hashing
        // off the async workers.
        return tokio::task::spawn_blocking(job)
            .await
            .context("password hashing task")?;
    }
    let _permit = pool
        .permits
        .acquire()
        .await
        .context("password hashing closed")?;
    let (reply, answer) = tokio::sync::oneshot::channel();
    pool.jobs
        .send(Box::new(move || {
            // The caller may have gone away; nobody to tell.
            let _ = reply.send(job());
        }))
        .map_err(|_| anyhow::anyhow!("password hashing stopped"))?;
    answer.await.context("password hashing task")?
}

/// Hashes a password for storage.
pub async fn hash(password: Sensitive<String>) -> anyhow::Result<String> {
    on_hashing_pool(move || hash_blocking(password.expose())).await
}

/// Verifies `password` against `stored`; with no stored hash, verifies against a
/// dummy so the time taken does not reveal whether the account exists.
pub async fn verify(password: Sensitive<String>, stored: Option<String>) -> anyhow::Result<bool> {
    on_hashing_pool(move || match stored {
        Some(hash) => verify_blocking(password.expose(), &hash),
        None => {
            if let Some(dummy) = DUMMY_HASH.as_deref() {
                let _ = verify_blocking(password.expose(), dummy);
            }
            Ok(false)
        }
    })
    .await
}

/// Hashes on the current thread; for seeding and benchmarks only.
pub fn hash_now(password: &str) -> anyhow::Result<String> {
    hash_blocking(password)
}

/// Verifies on the current thread; for benchmarks only.
pub fn verify_now(password: &str, hash: &str) -> anyhow::Result<bool> {
    verify_blocking(password, hash)
}

#[cfg(test)]
mod tests {
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    use super::*;

    #[test]
    fn hashes_interoperate_with_the_standard_argon2_encoder() -> anyhow::Result<()> {
        let ours = hash_now("a long enough password")?;
        assert!(
            ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{ours}"
        );
        let standard = Argon2::new(Algorithm::Argon2id, Version::V0x13, params()?);
        let parsed = PasswordHash::new(&ours).map_err(|e| anyhow::anyhow!("{e}"))?;
        assert!(
            standard
                .verify_password(b"a long enough password", &parsed)
                .is_ok()
        );
        assert!(
            standard
                .verify_password(b"another password", &parsed)
                .is_err()
        );
        let salt = SaltString::generate(&mut OsRng);
        let theirs = standard
            .hash_password(b"a long enough password", &salt)
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .to_string();
        assert!(verify_now("a long enough password", &theirs)?);
        assert!(!verify_now("a long enough passworD", &theirs)?);
        assert!(verify_now("x", "not a hash").is_err());
        Ok(())
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn hashing_threads_run_below_the_priority_of_the_rest() -> anyhow::Result<()> {
        fn nice() -> anyhow::Result<i32> {
            Ok(rustix::process::getpriority_process(Some(
                rustix::thread::gettid(),
            ))?)
        }
        let ours = nice()?;
        let hashing = on_hashing_pool(nice).await?;
        assert_eq!(hashing, (ours + HASHING_NICE).min(19));
        // This thread kept its own.
        assert_eq!(nice()?, ours);
        Ok(())
    }

    #[test]
    fn one_core_is_left_to_the_rest() {
        assert_eq!(threads_for(1), 1);
        assert_eq!(threads_for(2), 1);
        assert_eq!(threads_for(8), 7);
    }

    #[test]
    fn buffers_are_reused() -> anyhow::Result<()> {
        for _ in 0..8 {
            hash_now("a long enough password")?;
        }
        let pooled = BUFFERS.lock().map(|b| b.len()).unwrap_or(usize::MAX);
        // At most one other test hashes at the same time: the pool holds one
        // buffer per concurrent hash, never one per hash made.
        assert!((1..=2).contains(&pooled), "{pooled} buffers");
        Ok(())
    }
}

//! Argon2id password hashing with OWASP's recommended parameters
//! (19 MiB, 2 iterations, 1 lane). Hashing runs on the blocking pool, at most one
//! per core at a time, so sign-ins cannot starve the async runtime.

use std::sync::{Arc, LazyLock};

use anyhow::Context;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::redact::Sensitive;

pub const MEMORY_KIB: u32 = 19 * 1024;
pub const ITERATIONS: u32 = 2;
pub const LANES: u32 = 1;
pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 256;

fn hasher() -> anyhow::Result<Argon2<'static>> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, LANES, None)
        .map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

static PERMITS: LazyLock<Arc<Semaphore>> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    Arc::new(Semaphore::new(cores))
});

/// A hash of a fixed password with the same parameters, verified when an email
/// address is unknown, so that both answers take the same time.
static DUMMY_HASH: LazyLock<Option<String>> =
    LazyLock::new(|| hash_blocking("caucus-timing-equalizer").ok());

fn hash_blocking(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(hasher()?
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))?
        .to_string())
}

fn verify_blocking(password: &str, hash: &str) -> anyhow::Result<bool> {
    let parsed =
        PasswordHash::new(hash).map_err(|e| anyhow::anyhow!("stored hash unreadable: {e}"))?;
    Ok(hasher()?
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

async fn on_blocking_pool<T: Send + 'static>(
    job: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    let _permit = PERMITS
        .clone()
        .acquire_owned()
        .await
        .context("password hashing closed")?;
    tokio::task::spawn_blocking(job)
        .await
        .context("password hashing task")?
}

/// Hashes a password for storage.
pub async fn hash(password: Sensitive<String>) -> anyhow::Result<String> {
    on_blocking_pool(move || hash_blocking(password.expose())).await
}

/// Verifies `password` against `stored`; with no stored hash, verifies against a
/// dummy so the time taken does not reveal whether the account exists.
pub async fn verify(password: Sensitive<String>, stored: Option<String>) -> anyhow::Result<bool> {
    on_blocking_pool(move || match stored {
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

//! Argon2id password hashing with OWASP's recommended parameters
//! (19 MiB, 2 iterations, 1 lane). Hashing runs on the blocking pool, at most one
//! per core at a time, so sign-ins cannot starve the async runtime.

use std::sync::{Arc, LazyLock, Mutex};

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

static PERMITS: LazyLock<Arc<Semaphore>> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    Arc::new(Semaphore::new(cores))
});

/// Argon2's 19 MiB working memory, reused: hashing runs at most once per core at
/// a time, so at most that many buffers ever exist. Allocating afresh for every
/// sign-in leaves the allocator holding hundreds of megabytes after a burst.
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

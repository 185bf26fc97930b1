//! Throttling of failed sign-ins, per account and per client address, in Redis.
//! Counters are fixed windows keyed by a hash of the email address (no personal
//! data in Redis keys) and by the address. Unknown addresses count like known
//! ones, so throttling reveals nothing about which accounts exist.

use anyhow::Context;
use fred::prelude::*;
use sha2::{Digest, Sha256};

use crate::config::ThrottleSettings;
use crate::kv::Kv;

#[derive(Clone)]
pub struct SignInThrottle {
    kv: Kv,
    settings: ThrottleSettings,
}

impl SignInThrottle {
    pub fn new(kv: Kv, settings: ThrottleSettings) -> Self {
        Self { kv, settings }
    }

    fn keys(&self, email: &str, address: Option<&str>) -> (String, String) {
        let account = hex::encode(Sha256::digest(email.trim().to_lowercase().as_bytes()));
        (
            self.kv.key(&format!("throttle:sign-in:account:{account}")),
            self.kv.key(&format!(
                "throttle:sign-in:address:{}",
                address.unwrap_or("unknown")
            )),
        )
    }

    /// Whether either counter has reached its limit.
    pub async fn is_limited(&self, email: &str, address: Option<&str>) -> anyhow::Result<bool> {
        let (account, address) = self.keys(email, address);
        let counts: Vec<Option<u32>> = self
            .kv
            .pool()
            .mget(vec![account, address])
            .await
            .context("reading sign-in throttle counters")?;
        let account_count = counts.first().copied().flatten().unwrap_or(0);
        let address_count = counts.get(1).copied().flatten().unwrap_or(0);
        Ok(account_count >= self.settings.sign_in_failures_per_account
            || address_count >= self.settings.sign_in_failures_per_address)
    }

    /// Counts a failed attempt against the account and the address.
    pub async fn record_failure(&self, email: &str, address: Option<&str>) -> anyhow::Result<()> {
        let (account, address) = self.keys(email, address);
        let window = i64::try_from(self.settings.window_secs).unwrap_or(i64::MAX);
        let pipeline = self.kv.pool().next().pipeline();
        for key in [&account, &address] {
            let _: () = pipeline.incr(key).await?;
            // The window starts at the first failure.
            let _: () = pipeline
                .expire(key, window, Some(fred::types::ExpireOptions::NX))
                .await?;
        }
        let _: Vec<i64> = pipeline.all().await.context("counting a failed sign-in")?;
        Ok(())
    }

    /// A successful sign-in clears the account's counter (not the address's).
    pub async fn record_success(&self, email: &str) -> anyhow::Result<()> {
        let (account, _) = self.keys(email, None);
        let _: i64 = self
            .kv
            .pool()
            .del(account)
            .await
            .context("clearing a sign-in throttle counter")?;
        Ok(())
    }
}

//! Redis, through `fred`: a connection pool for commands, one subscriber
//! connection whose messages fan out to GraphQL subscriptions on this replica,
//! and one RESP3 connection that keeps the session cache correct (see
//! `identity::session_cache`). Every key and channel starts with
//! `redis.key_prefix`.

use std::time::Duration;

use anyhow::Context;
use fred::clients::SubscriberClient;
use fred::interfaces::PubsubInterface as _;
use fred::prelude::*;
use fred::types::config::{Config as RedisConfig, ReconnectPolicy};
use secrecy::ExposeSecret;
use tokio::sync::broadcast;

use crate::config::RedisSettings;
use crate::identity::session_cache::SessionCache;

/// Reconnects forever with backoff (0.1 s to 5 s), and gives every command a
/// deadline so a lost server turns into errors (and `/readyz` into 503) instead
/// of requests that hang.
fn builder(config: RedisConfig) -> Builder {
    let mut builder = Builder::from_config(config);
    builder
        .set_policy(ReconnectPolicy::new_exponential(0, 100, 5_000, 2))
        .with_connection_config(|c| {
            c.connection_timeout = Duration::from_secs(3);
            c.internal_command_timeout = Duration::from_secs(3);
            c.max_command_attempts = 2;
        })
        .with_performance_config(|p| {
            p.default_command_timeout = Duration::from_secs(3);
        });
    builder
}

#[derive(Clone)]
pub struct Kv {
    pool: Pool,
    prefix: String,
    messages: broadcast::Sender<ChannelMessage>,
    subscriber: SubscriberClient,
    session_cache: SessionCache,
}

/// A message published on one of our event channels (`{prefix}events:` removed).
#[derive(Debug, Clone)]
pub struct ChannelMessage {
    pub channel: String,
    pub payload: String,
}

impl Kv {
    pub async fn connect(settings: &RedisSettings) -> anyhow::Result<Self> {
        let config = RedisConfig::from_url(settings.url.expose_secret())
            .context("redis.url is not a Redis URL")?;
        let pool = builder(config.clone())
            .build_pool(settings.pool_size)
            .context("creating the Redis pool")?;
        pool.init().await.context("connecting to Redis")?;
        let mut tracking = config.clone();
        tracking.version = fred::types::RespVersion::RESP3;
        let tracking = builder(tracking)
            .build()
            .context("creating the Redis tracking connection")?;
        let session_cache = SessionCache::connect(tracking, &settings.key_prefix).await?;
        let subscriber = builder(config)
            .build_subscriber_client()
            .context("creating the Redis subscriber")?;
        subscriber
            .init()
            .await
            .context("connecting the Redis subscriber")?;
        // Re-subscribe after a reconnect.
        let _resubscribe = subscriber.manage_subscriptions();
        let prefix = settings.key_prefix.clone();
        subscriber
            .psubscribe(format!("{prefix}events:*"))
            .await
            .context("subscribing to event channels")?;
        let (messages, _) = broadcast::channel(1024);
        let sender = messages.clone();
        let mut rx = subscriber.message_rx();
        let strip = format!("{prefix}events:");
        tokio::spawn(async move {
            while let Ok(message) = rx.recv().await {
                let channel = message.channel.to_string();
                let Some(channel) = channel.strip_prefix(&strip) else {
                    continue;
                };
                let Ok(payload) = message.value.convert::<String>() else {
                    tracing::warn!("ignoring a non-text event message");
                    continue;
                };
                // No receivers is normal: nobody subscribed on this replica.
                let _ = sender.send(ChannelMessage {
                    channel: channel.to_owned(),
                    payload,
                });
            }
        });
        Ok(Self {
            pool,
            prefix,
            messages,
            subscriber,
            session_cache,
        })
    }

    /// The full key for `key`.
    pub fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// This replica's cache of sessions.
    pub fn session_cache(&self) -> &SessionCache {
        &self.session_cache
    }

    /// Keeps `value` for `ttl_secs` under a fresh random token, which is
    /// returned; Redis holds only the token's SHA-256. For state between two
    /// steps of a ceremony (passkeys, single sign-on), taken back once.
    pub async fn put_once<T: serde::Serialize>(
        &self,
        namespace: &str,
        value: &T,
        ttl_secs: i64,
    ) -> anyhow::Result<String> {
        let token = crate::token::new();
        let json = serde_json::to_string(value).context("encoding one-time state")?;
        let _: () = self
            .pool
            .set(
                self.once_key(namespace, &token),
                json,
                Some(fred::types::Expiration::EX(ttl_secs)),
                None,
                false,
            )
            .await
            .context("storing one-time state")?;
        Ok(token)
    }

    /// Takes the value [`Kv::put_once`] kept under `token`: it is gone after
    /// this, so a replay finds nothing. `None` when expired, taken or unknown.
    pub async fn take_once<T: serde::de::DeserializeOwned>(
        &self,
        namespace: &str,
        token: &str,
    ) -> anyhow::Result<Option<T>> {
        if !crate::token::is_plausible(token) {
            return Ok(None);
        }
        let json: Option<String> = self
            .pool
            .getdel(self.once_key(namespace, token))
            .await
            .context("taking one-time state")?;
        json.map(|json| serde_json::from_str(&json).context("decoding one-time state"))
            .transpose()
    }

    fn once_key(&self, namespace: &str, token: &str) -> String {
        use sha2::Digest as _;
        self.key(&format!(
            "{namespace}:{}",
            hex::encode(sha2::Sha256::digest(token.as_bytes()))
        ))
    }

    /// Publishes `payload` on `events:{channel}`.
    pub async fn publish(&self, channel: &str, payload: String) -> anyhow::Result<()> {
        let _receivers: i64 = self
            .pool
            .next()
            .publish(self.key(&format!("events:{channel}")), payload)
            .await
            .context("publishing an event")?;
        Ok(())
    }

    /// Every event message received by this replica, to be filtered by channel.
    pub fn messages(&self) -> broadcast::Receiver<ChannelMessage> {
        self.messages.subscribe()
    }

    /// Readiness: Redis answers.
    pub async fn ping(&self) -> anyhow::Result<()> {
        let _: String = self.pool.ping(None).await.context("pinging Redis")?;
        anyhow::ensure!(
            self.subscriber.is_connected(),
            "the Redis subscriber is not connected"
        );
        Ok(())
    }
}

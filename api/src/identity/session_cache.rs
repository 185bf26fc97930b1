//! An in-process cache of sessions, kept correct by Redis client-side caching.
//!
//! One RESP3 connection per replica asks Redis to track every session key
//! (`CLIENT TRACKING on BCAST PREFIX {prefix}session: NOLOOP`): whenever any
//! client changes or deletes one (a sign-out, a revocation, another replica
//! extending it, expiry), Redis pushes its name on this connection and the
//! entry is dropped. Revocations made on this replica also drop the entry
//! before they return, so here they take effect on the very next request; on
//! other replicas, as soon as Redis's message arrives.
//!
//! The cache only answers while it can trust that no message was missed: the
//! tracking connection answered a ping in the last [`HEARTBEAT_GRACE`], and
//! tracking was (re)started and the cache emptied after its last reconnect.
//! Otherwise every lookup goes to Redis, as without a cache.
//!
//! An entry is good for at most [`TOUCH_EVERY`] (or a quarter of the idle
//! timeout), after which the next request reads the session again and extends
//! its idle timeout in Redis: a session used only through the cache expires at
//! most that much earlier than its idle timeout says, never later. Lookups
//! that miss go through the tracking connection, so extending a session from
//! here (`NOLOOP`) does not invalidate what was just cached.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anyhow::Context;
use fred::prelude::*;
use tokio::sync::broadcast::error::RecvError;

use crate::identity::session::SessionRecord;

/// Longest an entry is used before the session is read (and extended) again.
pub const TOUCH_EVERY: Duration = Duration::from_secs(30);
/// How often the tracking connection is pinged.
const HEARTBEAT_EVERY: Duration = Duration::from_secs(1);
/// The cache answers only this long after the last answered ping.
pub const HEARTBEAT_GRACE: Duration = Duration::from_secs(3);
/// Most entries kept; past that stale ones go, and if that is not enough the
/// cache starts over.
const MAX_ENTRIES: usize = 50_000;

#[derive(Clone)]
pub struct SessionCache {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    prefix: String,
    state: Mutex<State>,
    /// One (re)start of tracking at a time.
    restarting: tokio::sync::Mutex<()>,
}

struct State {
    entries: HashMap<String, Entry>,
    /// Bumped by every invalidation: a lookup that started before one does not
    /// fill the cache with what it read.
    generation: u64,
    /// Tracking is on for the current connection and the cache was emptied
    /// after it started.
    tracking: bool,
    /// The cache answers until then (the last answered ping plus the grace).
    trusted_until: Option<Instant>,
}

struct Entry {
    record: SessionRecord,
    fresh_until: Instant,
}

/// A lookup that missed: read through [`SessionCache::client`], then offer
/// the record with [`SessionCache::fill`].
pub struct Miss {
    generation: u64,
    pub started: Instant,
}

impl SessionCache {
    /// Connects the tracking connection (RESP3) and starts tracking every key
    /// under `{prefix}session:`.
    pub async fn connect(client: Client, key_prefix: &str) -> anyhow::Result<Self> {
        client
            .init()
            .await
            .context("connecting the session cache")?;
        let cache = Self {
            inner: Arc::new(Inner {
                client,
                prefix: format!("{key_prefix}session:"),
                restarting: tokio::sync::Mutex::new(()),
                state: Mutex::new(State {
                    entries: HashMap::new(),
                    generation: 0,
                    tracking: false,
                    trusted_until: None,
                }),
            }),
        };
        cache.spawn_listeners();
        if let Err(error) = cache.start_tracking().await {
            // Sessions still work, from Redis on every request.
            tracing::warn!(error = %format!("{error:#}"), "session cache off: Redis tracking did not start");
        }
        Ok(cache)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The connection lookups that miss should read through.
    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    /// (Re)starts tracking; the cache answers nothing until it has, and
    /// starts empty.
    async fn start_tracking(&self) -> anyhow::Result<()> {
        let _one_at_a_time = self.inner.restarting.lock().await;
        self.distrust();
        let _ = self.inner.client.stop_tracking().await;
        self.inner
            .client
            .start_tracking(self.inner.prefix.clone(), true, false, false, true)
            .await
            .context("starting Redis client tracking of sessions")?;
        let mut state = self.state();
        state.entries.clear();
        state.generation += 1;
        state.tracking = true;
        state.trusted_until = Some(Instant::now() + HEARTBEAT_GRACE);
        Ok(())
    }

    fn distrust(&self) {
        let mut state = self.state();
        state.entries.clear();
        state.generation += 1;
        state.tracking = false;
    }

    /// Invalidations, reconnects and the heartbeat. The tasks hold the cache
    /// weakly: when the application drops it, they close the connection and end.
    fn spawn_listeners(&self) {
        let mut invalidations = self.inner.client.invalidation_rx();
        let weak = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            loop {
                let received = invalidations.recv().await;
                let Some(inner) = weak.upgrade() else { break };
                let cache = SessionCache { inner };
                match received {
                    Ok(invalidation) => {
                        let mut state = cache.state();
                        if invalidation.keys.is_empty() {
                            // A flush of the whole database.
                            state.entries.clear();
                        }
                        for key in &invalidation.keys {
                            if let Some(key) = key.as_str() {
                                state.entries.remove(key);
                            }
                        }
                        state.generation += 1;
                    }
                    // Messages were dropped: nothing cached can be trusted.
                    Err(RecvError::Lagged(_)) => cache.distrust(),
                    Err(RecvError::Closed) => {
                        cache.distrust();
                        break;
                    }
                }
            }
        });
        let mut reconnects = self.inner.client.reconnect_rx();
        let weak = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            loop {
                let received = reconnects.recv().await;
                let Some(inner) = weak.upgrade() else { break };
                let cache = SessionCache { inner };
                match received {
                    Ok(_) | Err(RecvError::Lagged(_)) => {
                        // Tracking does not survive a new connection. (The
                        // first connection's event may come too: harmless.)
                        cache.distrust();
                        if let Err(error) = cache.start_tracking().await {
                            tracing::warn!(
                                error = %format!("{error:#}"),
                                "session cache off until Redis tracking restarts"
                            );
                        }
                    }
                    Err(RecvError::Closed) => break,
                }
            }
        });
        let weak = Arc::downgrade(&self.inner);
        let client = self.inner.client.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(HEARTBEAT_EVERY);
            loop {
                tick.tick().await;
                if weak.strong_count() == 0 {
                    break;
                }
                let sent = Instant::now();
                let answered: Result<(), _> = client.ping(None).await;
                let Some(inner) = weak.upgrade() else { break };
                if answered.is_ok() {
                    SessionCache { inner }.state().trusted_until = Some(sent + HEARTBEAT_GRACE);
                }
            }
            // The application is gone.
            let _ = client.quit().await;
        });
    }

    fn trusted(state: &State, now: Instant) -> bool {
        state.tracking && state.trusted_until.is_some_and(|until| now < until)
    }

    /// The cached record for `key`, if the cache can be trusted and the entry
    /// is fresh; otherwise a [`Miss`] to read through (`None`: read through
    /// the pool, the cache is not trusted right now).
    pub fn get(&self, key: &str) -> Result<SessionRecord, Option<Miss>> {
        let now = Instant::now();
        let state = self.state();
        if !Self::trusted(&state, now) {
            return Err(None);
        }
        match state.entries.get(key) {
            Some(entry) if now < entry.fresh_until => Ok(entry.record.clone()),
            _ => Err(Some(Miss {
                generation: state.generation,
                started: now,
            })),
        }
    }

    /// Keeps `record`, read (and extended) after `miss`, until `fresh_until`,
    /// unless an invalidation came in meanwhile.
    pub fn fill(&self, miss: Miss, key: String, record: SessionRecord, fresh_until: Instant) {
        let mut state = self.state();
        if state.generation != miss.generation || !Self::trusted(&state, Instant::now()) {
            return;
        }
        if state.entries.len() >= MAX_ENTRIES {
            let now = Instant::now();
            state.entries.retain(|_, entry| now < entry.fresh_until);
            if state.entries.len() >= MAX_ENTRIES {
                state.entries.clear();
            }
        }
        state.entries.insert(
            key,
            Entry {
                record,
                fresh_until,
            },
        );
    }

    /// Drops `key` now (this replica revoked it; Redis tells the others).
    pub fn forget(&self, key: &str) {
        let mut state = self.state();
        state.entries.remove(key);
        state.generation += 1;
    }

    /// Whether `key` is cached (fresh or not).
    pub fn contains(&self, key: &str) -> bool {
        self.state().entries.contains_key(key)
    }

    pub fn len(&self) -> usize {
        self.state().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// How long an entry read at `started` may be used: [`TOUCH_EVERY`], a
/// quarter of the idle timeout, and never past the absolute deadline.
pub fn fresh_until(started: Instant, idle_secs: u64, absolute_left: Duration) -> Instant {
    let touch = TOUCH_EVERY
        .min(Duration::from_secs(idle_secs) / 4)
        .min(absolute_left);
    started + touch
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_fresh_for_a_bounded_time() {
        let now = Instant::now();
        let day = Duration::from_secs(86_400);
        assert_eq!(fresh_until(now, 3600, day), now + TOUCH_EVERY);
        assert_eq!(fresh_until(now, 8, day), now + Duration::from_secs(2));
        assert_eq!(
            fresh_until(now, 3600, Duration::from_secs(5)),
            now + Duration::from_secs(5)
        );
        assert_eq!(fresh_until(now, 3600, Duration::ZERO), now);
    }
}

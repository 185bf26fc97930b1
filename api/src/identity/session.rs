//! Sessions held in Redis. The browser keeps an opaque random token in an
//! HttpOnly, Secure, SameSite=Strict cookie; Redis keeps only its SHA-256, so a
//! dump of Redis cannot be replayed as cookies.

use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use fred::prelude::*;
use fred::types::Expiration;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::audit::ClientInfo;
use crate::authz::{Actor, RoleKey};
use crate::config::SessionSettings;
use crate::kv::Kv;
use crate::redact::Sensitive;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SessionRecord {
    pub user_id: Uuid,
    pub org_id: Uuid,
    pub roles: Vec<RoleKey>,
    pub created_at: DateTime<Utc>,
    /// Where the session was opened, for the "my sessions" list.
    #[serde(default)]
    pub ip: Option<String>,
    #[serde(default)]
    pub user_agent: Option<String>,
    /// See [`Actor::mfa_pending`].
    #[serde(default)]
    pub mfa_pending: bool,
    /// The organization's lifetimes when the session opened (absent: the
    /// installation's).
    #[serde(default)]
    pub idle_secs: Option<u64>,
    #[serde(default)]
    pub absolute_secs: Option<u64>,
}

impl SessionRecord {
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.user_id,
            org_id: self.org_id,
            roles: self.roles.clone(),
            scopes: None,
            mfa_pending: self.mfa_pending,
        }
    }
}

/// What the organization decides about a new session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    pub mfa_pending: bool,
    pub idle_secs: u64,
    pub absolute_secs: u64,
}

/// A session about to be opened.
pub struct NewSession {
    pub user_id: Uuid,
    pub org_id: Uuid,
    pub roles: Vec<RoleKey>,
    pub policy: SessionPolicy,
}

#[derive(Clone)]
pub struct Sessions {
    kv: Kv,
    settings: SessionSettings,
}

/// The secret a browser holds.
pub type SessionToken = Sensitive<String>;

impl Sessions {
    pub fn new(kv: Kv, settings: SessionSettings) -> Self {
        Self { kv, settings }
    }

    pub fn kv(&self) -> &Kv {
        &self.kv
    }

    pub fn cookie_name(&self) -> &str {
        &self.settings.cookie_name
    }

    fn key(&self, token: &str) -> String {
        self.key_of_id(&session_id(token))
    }

    fn key_of_id(&self, id: &str) -> String {
        self.kv.key(&format!("session:{id}"))
    }

    /// The set of a user's session ids, for listing and signing out everywhere.
    fn index_key(&self, user_id: Uuid) -> String {
        self.kv.key(&format!("user-sessions:{user_id}"))
    }

    /// The installation's lifetimes: the longest any organization may choose.
    pub fn max_lifetimes(&self) -> (u64, u64) {
        (
            self.settings.idle_timeout_secs,
            self.settings.absolute_timeout_secs,
        )
    }

    /// Opens a session. Organizations may only shorten the installation's
    /// lifetimes, never lengthen them.
    pub async fn create(
        &self,
        new: NewSession,
        client: &ClientInfo,
    ) -> anyhow::Result<(SessionToken, SessionRecord)> {
        let token = crate::token::new();
        let (max_idle, max_absolute) = self.max_lifetimes();
        let record = SessionRecord {
            user_id: new.user_id,
            org_id: new.org_id,
            roles: new.roles,
            created_at: Utc::now(),
            ip: client.ip.clone(),
            user_agent: client.user_agent.clone(),
            mfa_pending: new.policy.mfa_pending,
            idle_secs: Some(new.policy.idle_secs.min(max_idle)),
            absolute_secs: Some(new.policy.absolute_secs.min(max_absolute)),
        };
        let json = serde_json::to_string(&record).context("encoding a session")?;
        let index = self.index_key(record.user_id);
        let absolute = i64::try_from(max_absolute).unwrap_or(i64::MAX);
        let pipeline = self.kv.pool().next().pipeline();
        let _: () = pipeline
            .set(
                self.key(&token),
                json,
                Some(Expiration::EX(self.idle_secs(&record))),
                None,
                false,
            )
            .await?;
        let _: () = pipeline.sadd(&index, session_id(&token)).await?;
        let _: () = pipeline.expire(&index, absolute, None).await?;
        let _: Vec<fred::types::Value> = pipeline.all().await.context("storing a session")?;
        Ok((Sensitive::new(token), record))
    }

    fn idle_secs(&self, record: &SessionRecord) -> i64 {
        let secs = record
            .idle_secs
            .unwrap_or(self.settings.idle_timeout_secs)
            .min(self.settings.idle_timeout_secs);
        i64::try_from(secs).unwrap_or(i64::MAX)
    }

    /// The live session for `token`, extending its idle timeout. Sessions past
    /// their absolute lifetime are deleted and read as absent. Answers from
    /// this replica's cache when it can (see `session_cache`).
    pub async fn load(&self, token: &str) -> anyhow::Result<Option<SessionRecord>> {
        if !crate::token::is_plausible(token) {
            return Ok(None);
        }
        let key = self.key(token);
        let cache = self.kv.session_cache();
        let miss = match cache.get(&key) {
            Ok(record) => return Ok(Some(record)),
            Err(miss) => miss,
        };
        // A miss reads through the tracking connection, so that extending the
        // session does not invalidate what it caches; with the cache off,
        // through the pool.
        let client = match &miss {
            Some(_) => cache.client(),
            None => self.kv.pool().next(),
        };
        // One round trip: read and extend by the installation's idle timeout;
        // an organization with a shorter one costs a second call below.
        let default_idle = i64::try_from(self.settings.idle_timeout_secs).unwrap_or(i64::MAX);
        let pipeline = client.pipeline();
        let _: () = pipeline.get(&key).await?;
        let _: () = pipeline.expire(&key, default_idle, None).await?;
        let (json, _touched): (Option<String>, i64) =
            pipeline.all().await.context("loading a session")?;
        let Some(json) = json else { return Ok(None) };
        let record: SessionRecord =
            serde_json::from_str(&json).context("decoding a stored session")?;
        let age = (Utc::now() - record.created_at)
            .to_std()
            .unwrap_or_default();
        let absolute = Duration::from_secs(
            record
                .absolute_secs
                .unwrap_or(self.settings.absolute_timeout_secs)
                .min(self.settings.absolute_timeout_secs),
        );
        if age >= absolute {
            let _: i64 = self
                .kv
                .pool()
                .del(&key)
                .await
                .context("expiring a session")?;
            cache.forget(&key);
            return Ok(None);
        }
        let idle = self.idle_secs(&record);
        if idle < default_idle {
            let _: bool = client
                .expire(&key, idle, None)
                .await
                .context("extending a session")?;
        }
        if let Some(miss) = miss {
            let fresh_until = crate::identity::session_cache::fresh_until(
                miss.started,
                u64::try_from(idle).unwrap_or(u64::MAX),
                absolute - age,
            );
            cache.fill(miss, key, record.clone(), fresh_until);
        }
        Ok(Some(record))
    }

    /// Ends the session of `token` (the caller's own).
    pub async fn revoke(&self, token: &str, user_id: Option<Uuid>) -> anyhow::Result<()> {
        match user_id {
            Some(user_id) => {
                self.revoke_id(user_id, &session_id(token)).await?;
            }
            None => {
                let key = self.key(token);
                let _: i64 = self
                    .kv
                    .pool()
                    .del(&key)
                    .await
                    .context("revoking a session")?;
                self.kv.session_cache().forget(&key);
            }
        }
        Ok(())
    }

    /// Ends one of `user_id`'s sessions by id; false when it is not theirs.
    pub async fn revoke_id(&self, user_id: Uuid, id: &str) -> anyhow::Result<bool> {
        let index = self.index_key(user_id);
        let removed: i64 = self
            .kv
            .pool()
            .srem(&index, id)
            .await
            .context("revoking a session")?;
        if removed == 0 {
            return Ok(false);
        }
        let key = self.key_of_id(id);
        let _: i64 = self
            .kv
            .pool()
            .del(&key)
            .await
            .context("revoking a session")?;
        self.kv.session_cache().forget(&key);
        Ok(true)
    }

    /// The user's live sessions (id and record), oldest first. Expired ids are
    /// pruned from the index on the way.
    pub async fn list(&self, user_id: Uuid) -> anyhow::Result<Vec<(String, SessionRecord)>> {
        let index = self.index_key(user_id);
        let ids: Vec<String> = self
            .kv
            .pool()
            .smembers(&index)
            .await
            .context("listing sessions")?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<String> = ids.iter().map(|id| self.key_of_id(id)).collect();
        let values: Vec<Option<String>> = self
            .kv
            .pool()
            .mget(keys)
            .await
            .context("listing sessions")?;
        let mut live = Vec::new();
        let mut stale = Vec::new();
        for (id, value) in ids.into_iter().zip(values) {
            match value.and_then(|json| serde_json::from_str::<SessionRecord>(&json).ok()) {
                Some(record) if record.user_id == user_id => live.push((id, record)),
                _ => stale.push(id),
            }
        }
        if !stale.is_empty() {
            let _: i64 = self
                .kv
                .pool()
                .srem(&index, stale)
                .await
                .context("pruning sessions")?;
        }
        live.sort_by_key(|(_, record)| record.created_at);
        Ok(live)
    }

    /// Ends every session of `user_id` in `org_id`, for example after their
    /// roles there changed; returns how many were live.
    pub async fn revoke_in_org(&self, user_id: Uuid, org_id: Uuid) -> anyhow::Result<usize> {
        let mut ended = 0;
        for (id, record) in self.list(user_id).await? {
            if record.org_id == org_id && self.revoke_id(user_id, &id).await? {
                ended += 1;
            }
        }
        Ok(ended)
    }

    /// Ends every session of `user_id`; returns how many were live.
    pub async fn revoke_all(&self, user_id: Uuid) -> anyhow::Result<usize> {
        let live = self.list(user_id).await?;
        let mut keys: Vec<String> = live.iter().map(|(id, _)| self.key_of_id(id)).collect();
        keys.push(self.index_key(user_id));
        let _: i64 = self
            .kv
            .pool()
            .del(keys.clone())
            .await
            .context("signing out everywhere")?;
        for key in &keys {
            self.kv.session_cache().forget(key);
        }
        Ok(live.len())
    }

    /// The `Set-Cookie` value that stores `token`.
    pub fn cookie(&self, token: &str) -> String {
        cookie::Cookie::build((self.settings.cookie_name.clone(), token.to_owned()))
            .http_only(true)
            .secure(true)
            .same_site(cookie::SameSite::Strict)
            .path("/")
            .max_age(cookie::time::Duration::seconds(
                i64::try_from(self.settings.absolute_timeout_secs).unwrap_or(i64::MAX),
            ))
            .build()
            .to_string()
    }

    /// The `Set-Cookie` value that clears the session cookie.
    pub fn clearing_cookie(&self) -> String {
        cookie::Cookie::build((self.settings.cookie_name.clone(), ""))
            .http_only(true)
            .secure(true)
            .same_site(cookie::SameSite::Strict)
            .path("/")
            .max_age(cookie::time::Duration::ZERO)
            .build()
            .to_string()
    }
}

/// A session's id: the SHA-256 of its token, also the suffix of its Redis key.
/// Knowing it does not let anyone act as the session.
pub fn session_id(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The session token in a `Cookie` header, if any.
pub fn token_from_cookies(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

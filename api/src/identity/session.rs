//! Sessions held in Redis. The browser keeps an opaque random token in an
//! HttpOnly, Secure, SameSite=Strict cookie; Redis keeps only its SHA-256, so a
//! dump of Redis cannot be replayed as cookies.

use std::time::Duration;

use anyhow::Context;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use fred::prelude::*;
use fred::types::Expiration;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

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
}

impl SessionRecord {
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.user_id,
            org_id: self.org_id,
            roles: self.roles.clone(),
        }
    }
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

    pub fn cookie_name(&self) -> &str {
        &self.settings.cookie_name
    }

    fn key(&self, token: &str) -> String {
        let digest = Sha256::digest(token.as_bytes());
        self.kv.key(&format!("session:{}", hex::encode(digest)))
    }

    pub async fn create(
        &self,
        user_id: Uuid,
        org_id: Uuid,
        roles: Vec<RoleKey>,
    ) -> anyhow::Result<(SessionToken, SessionRecord)> {
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        let token = URL_SAFE_NO_PAD.encode(bytes);
        let record = SessionRecord {
            user_id,
            org_id,
            roles,
            created_at: Utc::now(),
        };
        let json = serde_json::to_string(&record).context("encoding a session")?;
        let _: () = self
            .kv
            .pool()
            .set(
                self.key(&token),
                json,
                Some(Expiration::EX(self.idle_secs())),
                None,
                false,
            )
            .await
            .context("storing a session")?;
        Ok((Sensitive::new(token), record))
    }

    fn idle_secs(&self) -> i64 {
        i64::try_from(self.settings.idle_timeout_secs).unwrap_or(i64::MAX)
    }

    /// The live session for `token`, extending its idle timeout. Sessions past
    /// their absolute lifetime are deleted and read as absent.
    pub async fn load(&self, token: &str) -> anyhow::Result<Option<SessionRecord>> {
        if token.is_empty() || token.len() > 128 {
            return Ok(None);
        }
        let key = self.key(token);
        let pipeline = self.kv.pool().next().pipeline();
        let _: () = pipeline.get(&key).await?;
        let _: () = pipeline.expire(&key, self.idle_secs(), None).await?;
        let (json, _touched): (Option<String>, i64) =
            pipeline.all().await.context("loading a session")?;
        let Some(json) = json else { return Ok(None) };
        let record: SessionRecord =
            serde_json::from_str(&json).context("decoding a stored session")?;
        let age = Utc::now() - record.created_at;
        let absolute = Duration::from_secs(self.settings.absolute_timeout_secs);
        if age.to_std().unwrap_or_default() >= absolute {
            let _: i64 = self
                .kv
                .pool()
                .del(&key)
                .await
                .context("expiring a session")?;
            return Ok(None);
        }
        Ok(Some(record))
    }

    pub async fn revoke(&self, token: &str) -> anyhow::Result<()> {
        let _: i64 = self
            .kv
            .pool()
            .del(self.key(token))
            .await
            .context("revoking a session")?;
        Ok(())
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

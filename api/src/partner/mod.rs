//! Partner API credentials: service accounts whose client id and secret are
//! exchanged (OAuth2 client credentials, `POST /oauth/token`) for short-lived,
//! scoped bearer tokens accepted by `/graphql`. Secrets are shown once and kept
//! as SHA-256 (they are 256 random bits, so a fast hash is enough); tokens live
//! in Redis and die with their service account.

pub mod graphql;
pub mod http;

use anyhow::Context;
use fred::prelude::*;
use fred::types::Expiration;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::authz::{Actor, Scope};
use crate::kv::Kv;
use crate::redact::Sensitive;

pub fn new_client_id() -> String {
    format!("caucus_{}", crate::token::random(12))
}

pub fn new_secret() -> Sensitive<String> {
    Sensitive::new(crate::token::random(32))
}

pub fn hash_secret(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// What a bearer token stands for.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PartnerToken {
    pub service_account_id: Uuid,
    pub org_id: Uuid,
    pub scopes: Vec<Scope>,
}

impl PartnerToken {
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.service_account_id,
            org_id: self.org_id,
            roles: Vec::new(),
            scopes: Some(self.scopes.clone()),
            mfa_pending: false,
        }
    }
}

#[derive(Clone)]
pub struct PartnerTokens {
    kv: Kv,
    ttl_secs: i64,
}

impl PartnerTokens {
    pub fn new(kv: Kv, ttl_secs: u64) -> Self {
        Self {
            kv,
            ttl_secs: i64::try_from(ttl_secs).unwrap_or(i64::MAX),
        }
    }

    pub fn ttl_secs(&self) -> i64 {
        self.ttl_secs
    }

    fn key(&self, token: &str) -> String {
        self.kv.key(&format!(
            "partner-token:{}",
            hex::encode(Sha256::digest(token.as_bytes()))
        ))
    }

    fn index(&self, service_account_id: Uuid) -> String {
        self.kv
            .key(&format!("partner-tokens-of:{service_account_id}"))
    }

    pub async fn issue(&self, token: &PartnerToken) -> anyhow::Result<Sensitive<String>> {
        let secret = crate::token::random(32);
        let key = self.key(&secret);
        let index = self.index(token.service_account_id);
        let json = serde_json::to_string(token).context("encoding a partner token")?;
        let pipeline = self.kv.pool().next().pipeline();
        let _: () = pipeline
            .set(&key, json, Some(Expiration::EX(self.ttl_secs)), None, false)
            .await?;
        let _: () = pipeline.sadd(&index, &key).await?;
        let _: () = pipeline.expire(&index, self.ttl_secs, None).await?;
        let _: Vec<fred::types::Value> = pipeline.all().await.context("storing a partner token")?;
        Ok(Sensitive::new(secret))
    }

    pub async fn load(&self, token: &str) -> anyhow::Result<Option<PartnerToken>> {
        if !crate::token::is_plausible(token) {
            return Ok(None);
        }
        let json: Option<String> = self
            .kv
            .pool()
            .get(self.key(token))
            .await
            .context("loading a partner token")?;
        json.map(|j| serde_json::from_str(&j).context("decoding a partner token"))
            .transpose()
    }

    /// Kills every live token of a service account.
    pub async fn revoke_all(&self, service_account_id: Uuid) -> anyhow::Result<()> {
        let index = self.index(service_account_id);
        let keys: Vec<String> = self
            .kv
            .pool()
            .smembers(&index)
            .await
            .context("listing partner tokens")?;
        let mut doomed = keys;
        doomed.push(index);
        let _: i64 = self
            .kv
            .pool()
            .del(doomed)
            .await
            .context("revoking partner tokens")?;
        Ok(())
    }
}

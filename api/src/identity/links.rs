//! Single-use, short-lived email links for password reset and password-free
//! sign-in. The token lives only in the email; Redis keeps its SHA-256 with the
//! user it stands for, for the link's lifetime, and `GETDEL` consumes it
//! atomically, so a link works once. Requests always answer the same way,
//! whether or not the address has an account.

use anyhow::Context;
use fred::prelude::*;
use fred::types::Expiration;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::kv::Kv;
use crate::redact::Sensitive;

/// What a link does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkPurpose {
    PasswordReset,
    SignIn,
}

impl LinkPurpose {
    /// How long the link works.
    pub fn lifetime_secs(self) -> i64 {
        match self {
            LinkPurpose::PasswordReset => 30 * 60,
            LinkPurpose::SignIn => 15 * 60,
        }
    }

    /// The portal path the link opens (the token follows in the fragment).
    pub fn path(self) -> &'static str {
        match self {
            LinkPurpose::PasswordReset => "/reset-password",
            LinkPurpose::SignIn => "/sign-in-link",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stored {
    purpose: LinkPurpose,
    user_id: Uuid,
    org_id: Uuid,
}

/// A consumed link: who it was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Redeemed {
    pub user_id: Uuid,
    pub org_id: Uuid,
}

#[derive(Clone)]
pub struct Links {
    kv: Kv,
}

impl Links {
    pub fn new(kv: Kv) -> Self {
        Self { kv }
    }

    fn key(&self, token: &str) -> String {
        self.kv.key(&format!(
            "link:{}",
            hex::encode(Sha256::digest(token.as_bytes()))
        ))
    }

    /// Makes a link token for `user_id`; any earlier link of the same purpose
    /// for that user stops working.
    pub async fn issue(
        &self,
        purpose: LinkPurpose,
        user_id: Uuid,
        org_id: Uuid,
    ) -> anyhow::Result<Sensitive<String>> {
        let token = crate::token::new();
        let stored = serde_json::to_string(&Stored {
            purpose,
            user_id,
            org_id,
        })
        .context("encoding a link")?;
        let latest = self
            .kv
            .key(&format!("link-latest:{}:{user_id}", purpose_key(purpose)));
        let previous: Option<String> = self
            .kv
            .pool()
            .getset(&latest, self.key(&token))
            .await
            .context("replacing an earlier link")?;
        let pipeline = self.kv.pool().next().pipeline();
        if let Some(previous) = previous {
            let _: () = pipeline.del(previous).await?;
        }
        let _: () = pipeline
            .set(
                self.key(&token),
                stored,
                Some(Expiration::EX(purpose.lifetime_secs())),
                None,
                false,
            )
            .await?;
        let _: () = pipeline
            .expire(&latest, purpose.lifetime_secs(), None)
            .await?;
        let _: Vec<fred::types::Value> = pipeline.all().await.context("storing a link")?;
        Ok(Sensitive::new(token))
    }

    /// Consumes `token` if it is a live link of `purpose`. A link of another
    /// purpose is consumed too (and refused): a token is never tried twice.
    pub async fn redeem(
        &self,
        purpose: LinkPurpose,
        token: &str,
    ) -> anyhow::Result<Option<Redeemed>> {
        if !crate::token::is_plausible(token) {
            return Ok(None);
        }
        let value: Option<String> = self
            .kv
            .pool()
            .getdel(self.key(token))
            .await
            .context("redeeming a link")?;
        let Some(value) = value else { return Ok(None) };
        decode(&value, purpose)
    }

    /// Reads `token` without spending it.
    pub async fn peek(
        &self,
        purpose: LinkPurpose,
        token: &str,
    ) -> anyhow::Result<Option<Redeemed>> {
        if !crate::token::is_plausible(token) {
            return Ok(None);
        }
        let value: Option<String> = self
            .kv
            .pool()
            .get(self.key(token))
            .await
            .context("reading a link")?;
        let Some(value) = value else { return Ok(None) };
        decode(&value, purpose)
    }

    /// At most one link email per account and purpose a minute (no mail bombs).
    pub async fn may_send(&self, purpose: LinkPurpose, email: &str) -> anyhow::Result<bool> {
        let account = hex::encode(Sha256::digest(email.trim().to_lowercase().as_bytes()));
        let key = self
            .kv
            .key(&format!("link-sent:{}:{account}", purpose_key(purpose)));
        let set: Option<String> = self
            .kv
            .pool()
            .set(
                &key,
                "1",
                Some(Expiration::EX(60)),
                Some(fred::types::SetOptions::NX),
                false,
            )
            .await
            .context("limiting link emails")?;
        Ok(set.is_some())
    }
}

/// The user a stored link stands for, if it is of `purpose`.
fn decode(value: &str, purpose: LinkPurpose) -> anyhow::Result<Option<Redeemed>> {
    let stored: Stored = serde_json::from_str(value).context("decoding a link")?;
    Ok((stored.purpose == purpose).then_some(Redeemed {
        user_id: stored.user_id,
        org_id: stored.org_id,
    }))
}

fn purpose_key(purpose: LinkPurpose) -> &'static str {
    match purpose {
        LinkPurpose::PasswordReset => "reset",
        LinkPurpose::SignIn => "sign-in",
    }
}

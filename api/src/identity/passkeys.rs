//! Passkeys (WebAuthn, through `webauthn-rs`): a signed-in person registers
//! one, and later signs in with it alone, starting from their email address.
//! A passkey verifies the person (user verification is required), so it
//! counts as two factors: the organization's MFA policy is met by it.
//!
//! The state between the two halves of each ceremony lives in Redis for a few
//! minutes under a random token the browser holds ([`Kv::put_once`]); it is
//! taken once, so a replayed response finds nothing.

use std::sync::Arc;

use anyhow::Context;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use webauthn_rs::prelude::{
    Passkey, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Webauthn, WebauthnBuilder,
};

use crate::config::WebauthnSettings;
use crate::db::{Db, TenantTx};
use crate::error::{AppError, AppResult};
use crate::kv::Kv;
use crate::redact::Sensitive;

/// How long a ceremony may take, from options to the browser's answer.
const CEREMONY_SECS: i64 = 300;
/// More than anyone needs (a phone, a laptop, a security key or two).
pub const MAX_PER_USER: usize = 10;
/// Largest browser answer accepted, in bytes.
pub const MAX_CREDENTIAL_JSON: usize = 16 * 1024;
pub const MAX_NAME_LENGTH: usize = 100;

const REGISTRATION: &str = "passkey-registration";
const SIGN_IN: &str = "passkey-sign-in";

#[derive(Serialize, Deserialize)]
struct PendingRegistration {
    user_id: Uuid,
    state: PasskeyRegistration,
}

#[derive(Serialize, Deserialize)]
struct PendingSignIn {
    user_id: Uuid,
    state: PasskeyAuthentication,
}

/// What the browser needs to start a ceremony: the token that finishes it and
/// the options for `navigator.credentials`, as JSON.
pub struct Ceremony {
    pub challenge_id: Sensitive<String>,
    pub options_json: String,
}

/// A registered passkey, as its owner sees it.
pub struct PasskeyInfo {
    pub id: Uuid,
    pub name: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Clone)]
pub struct Passkeys {
    webauthn: Arc<Webauthn>,
    kv: Kv,
}

impl Passkeys {
    pub fn new(settings: &WebauthnSettings, kv: Kv) -> anyhow::Result<Self> {
        let first = settings
            .origins
            .first()
            .context("invalid configuration: webauthn.origins: at least one origin is needed")?;
        let mut builder = WebauthnBuilder::new(&settings.rp_id, first)
            .context(
                "invalid configuration: webauthn.rp_id must be the origins' host or a parent of it",
            )?
            .rp_name(&settings.rp_name)
            .allow_any_port(settings.allow_any_port);
        for origin in &settings.origins[1..] {
            builder = builder.append_allowed_origin(origin);
        }
        let webauthn = builder.build().context("invalid configuration: webauthn")?;
        Ok(Self {
            webauthn: Arc::new(webauthn),
            kv,
        })
    }

    /// Starts registering a passkey for the transaction's user.
    pub async fn start_registration(
        &self,
        tx: &TenantTx,
        user_id: Uuid,
        email: &str,
        display_name: &str,
    ) -> AppResult<Ceremony> {
        let existing = stored(tx, user_id).await?;
        if existing.len() >= MAX_PER_USER {
            return Err(AppError::Conflict(
                "You have as many passkeys as one account may hold. Remove one first.",
            ));
        }
        let exclude = existing
            .iter()
            .map(|p| p.cred_id().clone())
            .collect::<Vec<_>>();
        let display = if display_name.trim().is_empty() {
            email
        } else {
            display_name
        };
        let (options, state) = self
            .webauthn
            .start_passkey_registration(user_id, email, display, Some(exclude))
            .map_err(|e| {
                AppError::Internal(anyhow::anyhow!("starting passkey registration: {e}"))
            })?;
        let challenge_id = self
            .kv
            .put_once(
                REGISTRATION,
                &PendingRegistration { user_id, state },
                CEREMONY_SECS,
            )
            .await?;
        Ok(Ceremony {
            challenge_id: Sensitive::new(challenge_id),
            options_json: serde_json::to_string(&options).context("encoding passkey options")?,
        })
    }

    /// Finishes a registration with the browser's answer; returns the new
    /// passkey's id. The challenge is spent whatever the outcome.
    pub async fn finish_registration(
        &self,
        tx: &TenantTx,
        user_id: Uuid,
        challenge_id: &str,
        credential_json: &str,
        name: &str,
    ) -> AppResult<Uuid> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_LENGTH {
            return Err(AppError::validation("name", "length"));
        }
        let pending: Option<PendingRegistration> =
            self.kv.take_once(REGISTRATION, challenge_id).await?;
        let Some(pending) = pending.filter(|p| p.user_id == user_id) else {
            return Err(AppError::LinkExpired);
        };
        let credential = parse::<RegisterPublicKeyCredential>(credential_json)?;
        let passkey = self
            .webauthn
            .finish_passkey_registration(&credential, &pending.state)
            .map_err(|error| {
                tracing::info!(user_id = %user_id, reason = %error, "passkey registration refused");
                AppError::validation("credential", "rejected")
            })?;
        let id = Uuid::now_v7();
        let json = serde_json::to_value(&passkey).context("encoding a passkey")?;
        let inserted = tx
            .conn()
            .execute(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "INSERT INTO passkeys (id, user_id, credential_id, passkey, name) VALUES ($1, $2, $3, $4, $5)",
                [
                    id.into(),
                    user_id.into(),
                    passkey.cred_id().as_slice().to_vec().into(),
                    json.into(),
                    name.into(),
                ],
            ))
            .await;
        if let Err(error) = inserted {
            return Err(
                if matches!(
                    error.sql_err(),
                    Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
                ) {
                    AppError::Conflict("That passkey is already registered.")
                } else {
                    error.into()
                },
            );
        }
        Ok(id)
    }

    /// Starts a passkey sign-in for `email`. Addresses without an active
    /// account or without passkeys get the same answer as a wrong passkey.
    pub async fn start_sign_in(&self, db: &Db, email: &str) -> AppResult<Ceremony> {
        let rows = db.unscoped_passkeys_for_email(email).await?;
        let Some(user_id) = rows.first().map(|(user_id, _)| *user_id) else {
            return Err(AppError::InvalidCredentials);
        };
        let passkeys = rows
            .into_iter()
            .map(|(_, json)| serde_json::from_value::<Passkey>(json))
            .collect::<Result<Vec<_>, _>>()
            .context("decoding stored passkeys")?;
        let (options, state) = self
            .webauthn
            .start_passkey_authentication(&passkeys)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("starting passkey sign-in: {e}")))?;
        let challenge_id = self
            .kv
            .put_once(SIGN_IN, &PendingSignIn { user_id, state }, CEREMONY_SECS)
            .await?;
        Ok(Ceremony {
            challenge_id: Sensitive::new(challenge_id),
            options_json: serde_json::to_string(&options).context("encoding passkey options")?,
        })
    }

    /// Checks the browser's answer to a sign-in; returns whose passkey
    /// signed it, and the result to record with [`Passkeys::record_use`].
    pub async fn finish_sign_in(
        &self,
        challenge_id: &str,
        credential_json: &str,
    ) -> AppResult<(Uuid, webauthn_rs::prelude::AuthenticationResult)> {
        let pending: Option<PendingSignIn> = self.kv.take_once(SIGN_IN, challenge_id).await?;
        let Some(pending) = pending else {
            return Err(AppError::LinkExpired);
        };
        let credential = parse::<PublicKeyCredential>(credential_json)?;
        let result = self
            .webauthn
            .finish_passkey_authentication(&credential, &pending.state)
            .map_err(|error| {
                tracing::info!(user_id = %pending.user_id, reason = %error, "passkey sign-in refused");
                AppError::InvalidCredentials
            })?;
        Ok((pending.user_id, result))
    }
}

/// The user's passkeys as webauthn-rs keeps them.
async fn stored(tx: &TenantTx, user_id: Uuid) -> AppResult<Vec<Passkey>> {
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT passkey FROM passkeys WHERE user_id = $1 ORDER BY created_at",
            [user_id.into()],
        ))
        .await?;
    rows.iter()
        .map(|row| {
            let json: serde_json::Value = row.try_get("", "passkey")?;
            Ok(serde_json::from_value(json).context("decoding a stored passkey")?)
        })
        .collect()
}

/// Records a sign-in with a passkey: its signature counter and when it was used.
pub async fn record_use(
    tx: &TenantTx,
    user_id: Uuid,
    result: &webauthn_rs::prelude::AuthenticationResult,
) -> AppResult<()> {
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id, passkey FROM passkeys WHERE user_id = $1 AND credential_id = $2",
            [user_id.into(), result.cred_id().as_slice().to_vec().into()],
        ))
        .await?;
    for row in rows {
        let id: Uuid = row.try_get("", "id")?;
        let json: serde_json::Value = row.try_get("", "passkey")?;
        let mut passkey: Passkey =
            serde_json::from_value(json).context("decoding a stored passkey")?;
        passkey.update_credential(result);
        let json = serde_json::to_value(&passkey).context("encoding a passkey")?;
        tx.conn()
            .execute(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "UPDATE passkeys SET passkey = $2, last_used_at = now() WHERE id = $1",
                [id.into(), json.into()],
            ))
            .await?;
    }
    Ok(())
}

/// Whether the user has any passkey.
pub async fn any(tx: &TenantTx, user_id: Uuid) -> AppResult<bool> {
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT EXISTS (SELECT 1 FROM passkeys WHERE user_id = $1) AS any",
            [user_id.into()],
        ))
        .await?;
    Ok(row
        .map(|r| r.try_get::<bool>("", "any"))
        .transpose()?
        .unwrap_or(false))
}

/// The user's passkeys, oldest first.
pub async fn list(tx: &TenantTx, user_id: Uuid) -> AppResult<Vec<PasskeyInfo>> {
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id, name, created_at, last_used_at FROM passkeys WHERE user_id = $1 ORDER BY created_at",
            [user_id.into()],
        ))
        .await?;
    rows.iter()
        .map(|row| {
            Ok(PasskeyInfo {
                id: row.try_get("", "id")?,
                name: row.try_get("", "name")?,
                created_at: crate::db::utc(row, "created_at")?,
                last_used_at: crate::db::utc_opt(row, "last_used_at")?,
            })
        })
        .collect()
}

/// Removes one of the user's passkeys; false when there is no such passkey of theirs.
pub async fn remove(tx: &TenantTx, user_id: Uuid, id: Uuid) -> AppResult<bool> {
    let removed = tx
        .conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "DELETE FROM passkeys WHERE id = $1 AND user_id = $2",
            [id.into(), user_id.into()],
        ))
        .await?;
    Ok(removed.rows_affected() == 1)
}

fn parse<T: serde::de::DeserializeOwned>(json: &str) -> AppResult<T> {
    if json.len() > MAX_CREDENTIAL_JSON {
        return Err(AppError::validation("credential", "length"));
    }
    serde_json::from_str(json).map_err(|_| AppError::validation("credential", "format"))
}

//! TOTP second factor (RFC 6238, 30-second steps, 6 digits, SHA-1 as every
//! authenticator app supports) with one-time recovery codes. Secrets are sealed
//! with the data key and bound to their user; a code is accepted at most once
//! (the step it matched must be later than the last one used); recovery codes
//! are kept as SHA-256 and spent on use.

use anyhow::Context;
use fred::prelude::*;
use fred::types::Expiration;
use rand::Rng;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Secret, TOTP};
use uuid::Uuid;

use crate::crypto::DataKey;
use crate::db::TenantTx;
use crate::error::{AppError, AppResult};
use crate::kv::Kv;
use crate::redact::Sensitive;

const STEP: u64 = 30;
const RECOVERY_CODES: usize = 10;
const CHALLENGE_SECS: i64 = 300;
const CHALLENGE_ATTEMPTS: u32 = 5;

fn totp(secret: Vec<u8>, account: &str) -> AppResult<TOTP> {
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        STEP,
        secret,
        Some("Caucus".to_owned()),
        account.to_owned(),
    )
    .map_err(|e| AppError::Internal(anyhow::anyhow!("totp parameters: {e}")))
}

fn now_secs() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0)
}

/// The step `code` matches (now, or one step either side), if it is later than
/// `last_step`.
fn matching_step(totp: &TOTP, code: &str, last_step: i64, now: u64) -> Option<i64> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let current = now / STEP;
    [current.saturating_sub(1), current, current + 1]
        .into_iter()
        .filter(|step| i64::try_from(*step).is_ok_and(|s| s > last_step))
        .find(|step| {
            let expected = totp.generate(step * STEP);
            bool::from(subtle::ConstantTimeEq::ct_eq(
                expected.as_bytes(),
                code.as_bytes(),
            ))
        })
        .and_then(|step| i64::try_from(step).ok())
}

/// Whether `user_id` signs in with a second factor.
pub async fn enabled(tx: &TenantTx, user_id: Uuid) -> AppResult<bool> {
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT mfa_enabled FROM users WHERE id = $1",
            [user_id.into()],
        ))
        .await?;
    Ok(row
        .map(|r| r.try_get::<bool>("", "mfa_enabled"))
        .transpose()?
        .unwrap_or(false))
}

/// Whether `user_id` has a second factor of any kind: an authenticator app
/// or a passkey.
pub async fn has_second_factor(tx: &TenantTx, user_id: Uuid) -> AppResult<bool> {
    Ok(enabled(tx, user_id).await? || crate::identity::passkeys::any(tx, user_id).await?)
}

/// What an authenticator app needs: the otpauth URI, as a QR code (SVG), and the
/// secret in base32 for typing in.
pub struct Enrollment {
    pub otpauth_uri: Sensitive<String>,
    pub secret_base32: Sensitive<String>,
    pub qr_svg: Sensitive<String>,
}

/// Starts (or restarts) TOTP enrolment for the actor; nothing changes for
/// sign-in until [`confirm_enrollment`].
pub async fn start_enrollment(
    tx: &TenantTx,
    key: &DataKey,
    user_id: Uuid,
    account: &str,
) -> AppResult<Enrollment> {
    if enabled(tx, user_id).await? {
        return Err(AppError::Conflict("Two-step sign-in is already on."));
    }
    let secret = Secret::generate_secret()
        .to_bytes()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("totp secret: {e}")))?;
    let sealed = key.seal(&secret, user_id.as_bytes())?;
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO mfa_totp (user_id, secret_sealed) VALUES ($1, $2)
             ON CONFLICT (user_id) DO UPDATE SET secret_sealed = EXCLUDED.secret_sealed,
                 confirmed_at = NULL, last_used_step = 0",
            [user_id.into(), sealed.into()],
        ))
        .await?;
    let totp = totp(secret, account)?;
    let uri = totp.get_url();
    let qr = qrcode::QrCode::new(uri.as_bytes())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("qr code: {e}")))?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .build();
    Ok(Enrollment {
        otpauth_uri: Sensitive::new(uri),
        secret_base32: Sensitive::new(totp.get_secret_base32()),
        qr_svg: Sensitive::new(qr),
    })
}

async fn load_secret(
    tx: &TenantTx,
    key: &DataKey,
    user_id: Uuid,
) -> AppResult<Option<(Vec<u8>, i64, bool)>> {
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT secret_sealed, last_used_step, confirmed_at IS NOT NULL AS confirmed
             FROM mfa_totp WHERE user_id = $1 FOR UPDATE",
            [user_id.into()],
        ))
        .await?;
    let Some(row) = row else { return Ok(None) };
    let sealed: Vec<u8> = row.try_get("", "secret_sealed")?;
    let secret = key.open(&sealed, user_id.as_bytes())?;
    Ok(Some((
        secret,
        row.try_get("", "last_used_step")?,
        row.try_get("", "confirmed")?,
    )))
}

fn hash_code(code: &str) -> Vec<u8> {
    let normalized: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    Sha256::digest(normalized.to_ascii_lowercase().as_bytes()).to_vec()
}

fn new_recovery_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::thread_rng();
    let mut code = String::with_capacity(11);
    for i in 0..10 {
        if i == 5 {
            code.push('-');
        }
        code.push(char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]));
    }
    code
}

/// Confirms enrolment with a first code; turns two-step sign-in on and returns
/// fresh recovery codes (shown once).
pub async fn confirm_enrollment(
    tx: &TenantTx,
    key: &DataKey,
    user_id: Uuid,
    account: &str,
    code: &str,
) -> AppResult<Vec<Sensitive<String>>> {
    let (secret, last, confirmed) = load_secret(tx, key, user_id)
        .await?
        .ok_or(AppError::Conflict("Start the set-up first."))?;
    if confirmed {
        return Err(AppError::Conflict("Two-step sign-in is already on."));
    }
    let Some(step) = matching_step(&totp(secret, account)?, code, last, now_secs()) else {
        return Err(AppError::validation("code", "wrong"));
    };
    let conn = tx.conn();
    conn.execute(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "UPDATE mfa_totp SET confirmed_at = now(), last_used_step = $2 WHERE user_id = $1",
        [user_id.into(), step.into()],
    ))
    .await?;
    conn.execute(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "UPDATE users SET mfa_enabled = true WHERE id = $1",
        [user_id.into()],
    ))
    .await?;
    conn.execute(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "DELETE FROM mfa_recovery_codes WHERE user_id = $1",
        [user_id.into()],
    ))
    .await?;
    let mut codes = Vec::with_capacity(RECOVERY_CODES);
    for _ in 0..RECOVERY_CODES {
        let code = new_recovery_code();
        conn.execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO mfa_recovery_codes (id, user_id, code_hash) VALUES ($1, $2, $3)",
            [
                Uuid::now_v7().into(),
                user_id.into(),
                hash_code(&code).into(),
            ],
        ))
        .await?;
        codes.push(Sensitive::new(code));
    }
    Ok(codes)
}

/// Checks a TOTP code (once per step) or spends a recovery code.
pub async fn verify(tx: &TenantTx, key: &DataKey, user_id: Uuid, code: &str) -> AppResult<bool> {
    let Some((secret, last, true)) = load_secret(tx, key, user_id).await? else {
        return Ok(false);
    };
    if let Some(step) = matching_step(&totp(secret, "")?, code, last, now_secs()) {
        tx.conn()
            .execute(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "UPDATE mfa_totp SET last_used_step = $2 WHERE user_id = $1",
                [user_id.into(), step.into()],
            ))
            .await?;
        return Ok(true);
    }
    let spent = tx
        .conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE mfa_recovery_codes SET used_at = now()
             WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
            [user_id.into(), hash_code(code).into()],
        ))
        .await?;
    Ok(spent.rows_affected() == 1)
}

#[derive(Serialize, Deserialize)]
struct Challenge {
    user_id: Uuid,
    org_id: Uuid,
    attempts: u32,
}

fn challenge_key(kv: &Kv, token: &str) -> String {
    kv.key(&format!(
        "mfa-challenge:{}",
        hex::encode(Sha256::digest(token.as_bytes()))
    ))
}

/// A short-lived challenge that stands for "password verified" until a second
/// factor is given.
pub async fn challenge(kv: &Kv, user_id: Uuid, org_id: Uuid) -> AppResult<Sensitive<String>> {
    let token = crate::token::new();
    let json = serde_json::to_string(&Challenge {
        user_id,
        org_id,
        attempts: 0,
    })
    .context("encoding a challenge")?;
    let _: () = kv
        .pool()
        .set(
            challenge_key(kv, &token),
            json,
            Some(Expiration::EX(CHALLENGE_SECS)),
            None,
            false,
        )
        .await
        .context("storing a challenge")?;
    Ok(Sensitive::new(token))
}

/// The user and organization of a live challenge; counts the attempt, and
/// ends the challenge after too many.
pub async fn attempt(kv: &Kv, token: &str) -> AppResult<Option<(Uuid, Uuid)>> {
    if !crate::token::is_plausible(token) {
        return Ok(None);
    }
    let key = challenge_key(kv, token);
    let json: Option<String> = kv.pool().get(&key).await.context("loading a challenge")?;
    let Some(json) = json else { return Ok(None) };
    let mut challenge: Challenge = serde_json::from_str(&json).context("decoding a challenge")?;
    challenge.attempts += 1;
    if challenge.attempts > CHALLENGE_ATTEMPTS {
        let _: i64 = kv.pool().del(&key).await.context("ending a challenge")?;
        return Ok(None);
    }
    let json = serde_json::to_string(&challenge).context("encoding a challenge")?;
    let _: () = kv
        .pool()
        .set(&key, json, None, None, true)
        .await
        .context("counting a challenge attempt")?;
    Ok(Some((challenge.user_id, challenge.org_id)))
}

/// Ends a challenge once it has been passed.
pub async fn finish(kv: &Kv, token: &str) -> AppResult<()> {
    let _: i64 = kv
        .pool()
        .del(challenge_key(kv, token))
        .await
        .context("ending a challenge")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_once_per_step_and_only_near_now() -> AppResult<()> {
        let totp = totp(b"12345678901234567890".to_vec(), "t")?;
        let now = 1_800_000_000;
        let code = totp.generate(now);
        let step = i64::try_from(now / STEP).unwrap_or_default();
        assert_eq!(matching_step(&totp, &code, 0, now), Some(step));
        assert_eq!(matching_step(&totp, &code, step, now), None, "replay");
        assert_eq!(
            matching_step(&totp, &code, 0, now + 10 * STEP),
            None,
            "too late"
        );
        assert_eq!(matching_step(&totp, "12345", 0, now), None);
        assert_eq!(matching_step(&totp, "abcdef", 0, now), None);
        Ok(())
    }

    #[test]
    fn recovery_codes_are_readable_and_hash_loosely() {
        let code = new_recovery_code();
        assert_eq!(code.len(), 11);
        assert_eq!(
            hash_code(&code),
            hash_code(&code.to_uppercase().replace('-', " "))
        );
    }
}

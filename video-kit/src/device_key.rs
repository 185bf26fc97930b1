//! The device key: a non-extractable ECDSA P-256 key pair that stays in this
//! browser profile (IndexedDB `caucus-device` / `keys` / `device`).
//!
//! Formats, for the server's `p256` crate:
//! - public key: base64url without padding of the DER SubjectPublicKeyInfo
//!   (`VerifyingKey::from_public_key_der`);
//! - signature: base64url without padding of the 64-byte `r || s` (IEEE
//!   P1363, not DER) over the UTF-8 challenge, SHA-256
//!   (`Signature::from_slice`, then `Verifier::verify(challenge.as_bytes())`).

use crate::error::{VideoError, js};
use crate::ffi;

/// This device's public key (creating the key pair on first use).
pub async fn device_public_key() -> Result<String, VideoError> {
    js(ffi::device_public_key().await)?
        .as_string()
        .ok_or_else(VideoError::failed)
}

/// Signs `challenge` (its UTF-8 bytes) with the device key.
pub async fn sign_challenge(challenge: &str) -> Result<String, VideoError> {
    js(ffi::sign_challenge(challenge).await)?
        .as_string()
        .ok_or_else(VideoError::failed)
}

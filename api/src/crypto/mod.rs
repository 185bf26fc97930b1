//! Encryption of secrets at rest with the installation's data key
//! (XChaCha20-Poly1305, random 192-bit nonces). Each sealed value is bound to
//! its owner (associated data), so a ciphertext copied onto another row does
//! not open. Tenant content is sealed with per-tenant keys wrapped by this one
//! ([`tenant`]).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use secrecy::ExposeSecret;

pub mod tenant;

use crate::config::SecuritySettings;

/// The development default in `config/default.toml`; refused in production.
pub const DEVELOPMENT_KEY: &str = "Y2F1Y3VzLWRldmVsb3BtZW50LW9ubHktZGF0YS1rZXk=";

#[derive(Clone)]
pub struct DataKey {
    cipher: XChaCha20Poly1305,
}

impl DataKey {
    pub fn from_settings(settings: &SecuritySettings) -> anyhow::Result<Self> {
        let bytes = STANDARD
            .decode(settings.data_key.expose_secret().trim())
            .map_err(|_| anyhow::anyhow!("invalid configuration: security.data_key: not base64"))?;
        anyhow::ensure!(
            bytes.len() == 32,
            "invalid configuration: security.data_key: must be 32 bytes (base64)"
        );
        Ok(Self {
            cipher: XChaCha20Poly1305::new(Key::from_slice(&bytes)),
        })
    }

    /// `nonce ‖ ciphertext` of `plaintext`, bound to `owner`.
    pub fn seal(&self, plaintext: &[u8], owner: &[u8]) -> anyhow::Result<Vec<u8>> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: owner,
                },
            )
            .map_err(|_| anyhow::anyhow!("encryption failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Opens what [`DataKey::seal`] made for the same `owner`.
    pub fn open(&self, sealed: &[u8], owner: &[u8]) -> anyhow::Result<Vec<u8>> {
        anyhow::ensure!(sealed.len() > 24, "sealed value too short");
        let (nonce, ciphertext) = sealed.split_at(24);
        self.cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: owner,
                },
            )
            .map_err(|_| anyhow::anyhow!("decryption failed (wrong key or owner, or tampering)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(b64: &str) -> anyhow::Result<DataKey> {
        DataKey::from_settings(&SecuritySettings {
            data_key: secrecy::SecretString::from(b64.to_owned()),
        })
    }

    #[test]
    fn round_trips_and_binds_the_owner() -> anyhow::Result<()> {
        let k = key(DEVELOPMENT_KEY)?;
        let sealed = k.seal(b"JBSWY3DPEHPK3PXP", b"user-1")?;
        assert!(!sealed.windows(16).any(|w| w == b"JBSWY3DPEHPK3PXP"));
        assert_eq!(k.open(&sealed, b"user-1")?, b"JBSWY3DPEHPK3PXP");
        assert!(k.open(&sealed, b"user-2").is_err());
        let mut tampered = sealed.clone();
        if let Some(last) = tampered.last_mut() {
            *last ^= 1;
        }
        assert!(k.open(&tampered, b"user-1").is_err());
        let other = key("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")?;
        assert!(other.open(&sealed, b"user-1").is_err());
        Ok(())
    }

    #[test]
    fn refuses_malformed_keys() {
        for bad in ["not base64!", "c2hvcnQ="] {
            let settings = SecuritySettings {
                data_key: secrecy::SecretString::from(bad.to_owned()),
            };
            assert!(DataKey::from_settings(&settings).is_err());
        }
    }
}

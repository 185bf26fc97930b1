//! Per-tenant data keys. Each organization's content (case titles, party
//! names, intake narratives, notes, reasons) is sealed with its own random
//! 256-bit key, kept in `org_data_keys` wrapped by the installation's key
//! ([`DataKey`], a KMS-held key in production). Deleting the wrapped key
//! crypto-shreds everything the tenant ever sealed, backups included.
//!
//! The same key derives (HKDF-SHA256) a second key for blind indexes: keyed
//! hashes of normalized words and addresses that let the database match
//! search terms and duplicates without holding the words.

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use sha2::Sha256;
use uuid::Uuid;
use zeroize::Zeroizing;

use super::DataKey;
use crate::db::TenantTx;
use crate::error::{AppError, AppResult};

/// Bytes of a blind-index token: 128 bits keep collisions out of reach.
const TOKEN_BYTES: usize = 16;
/// At most this many distinct words of one text are indexed.
const MAX_TOKENS: usize = 64;

/// An organization's unwrapped data key, for the length of a request.
pub struct TenantKey {
    cipher: XChaCha20Poly1305,
    index: Hmac<Sha256>,
}

impl TenantKey {
    fn from_bytes(bytes: &[u8; 32]) -> anyhow::Result<Self> {
        let hk = hkdf::Hkdf::<Sha256>::new(None, bytes);
        let mut index = Zeroizing::new([0u8; 32]);
        hk.expand(b"caucus blind index v1", index.as_mut())
            .map_err(|_| anyhow::anyhow!("deriving the index key"))?;
        let index = <Hmac<Sha256> as Mac>::new_from_slice(index.as_ref())
            .map_err(|_| anyhow::anyhow!("making the index key"))?;
        Ok(Self {
            cipher: XChaCha20Poly1305::new(Key::from_slice(bytes)),
            index,
        })
    }

    /// The organization's key in `tx`'s tenant, made on first use.
    pub async fn of(tx: &TenantTx, kek: &DataKey) -> AppResult<Self> {
        let org_id = tx.scope().org_id;
        if let Some(key) = load(tx, kek, org_id).await? {
            return Ok(key);
        }
        let mut fresh = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(fresh.as_mut());
        let wrapped = kek.seal(fresh.as_ref(), org_id.as_bytes())?;
        // Two first uses may race: the first insert wins and both use it.
        tx.conn()
            .execute(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "INSERT INTO org_data_keys (org_id, wrapped_key) VALUES ($1, $2)
                 ON CONFLICT (org_id) DO NOTHING",
                [org_id.into(), wrapped.into()],
            ))
            .await?;
        load(tx, kek, org_id)
            .await?
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("tenant key missing after insert")))
    }

    /// `nonce ‖ ciphertext` of `plaintext`, bound to `context` (the row and
    /// column it belongs to), so a ciphertext moved elsewhere does not open.
    pub fn seal(&self, plaintext: &[u8], context: &[u8]) -> AppResult<Vec<u8>> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: context,
                },
            )
            .map_err(|_| anyhow::anyhow!("encryption failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    pub fn seal_str(&self, plaintext: &str, context: &[u8]) -> AppResult<Vec<u8>> {
        self.seal(plaintext.as_bytes(), context)
    }

    pub fn open(&self, sealed: &[u8], context: &[u8]) -> AppResult<Vec<u8>> {
        if sealed.len() <= 24 {
            return Err(anyhow::anyhow!("sealed value too short").into());
        }
        let (nonce, ciphertext) = sealed.split_at(24);
        Ok(self
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context,
                },
            )
            .map_err(|_| anyhow::anyhow!("decryption failed (wrong key or context)"))?)
    }

    pub fn open_str(&self, sealed: &[u8], context: &[u8]) -> AppResult<String> {
        String::from_utf8(self.open(sealed, context)?)
            .map_err(|_| anyhow::anyhow!("sealed text is not UTF-8").into())
    }

    /// The blind-index token of one already-normalized term.
    pub fn token(&self, domain: &str, term: &str) -> Vec<u8> {
        let mut mac = self.index.clone();
        mac.update(domain.as_bytes());
        mac.update(&[0]);
        mac.update(term.as_bytes());
        mac.finalize().into_bytes()[..TOKEN_BYTES].to_vec()
    }

    /// The token of an email address (trimmed, lower-cased).
    pub fn email_token(&self, email: &str) -> Vec<u8> {
        self.token("email", &email.trim().to_lowercase())
    }

    /// The token of a whole name (its words, normalized, in order).
    pub fn name_token(&self, name: &str) -> Vec<u8> {
        let parts: Vec<String> = name
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        self.token("name", &parts.join(" "))
    }

    /// Tokens of every searchable word of `text` (lower-cased, split on
    /// anything but letters and digits, words of two or more characters).
    pub fn word_tokens(&self, text: &str) -> Vec<Vec<u8>> {
        let mut tokens: Vec<Vec<u8>> = Vec::new();
        for word in words(text) {
            let token = self.token("word", &word);
            if !tokens.contains(&token) {
                tokens.push(token);
            }
            if tokens.len() == MAX_TOKENS {
                break;
            }
        }
        tokens
    }
}

/// The normalized words of a text, as the blind index sees them.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| w.chars().count() >= 2)
        .collect()
}

async fn load(tx: &TenantTx, kek: &DataKey, org_id: Uuid) -> AppResult<Option<TenantKey>> {
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT wrapped_key FROM org_data_keys WHERE org_id = $1",
            [org_id.into()],
        ))
        .await?;
    let Some(row) = row else { return Ok(None) };
    let wrapped: Vec<u8> = row.try_get("", "wrapped_key")?;
    let bytes = Zeroizing::new(kek.open(&wrapped, org_id.as_bytes())?);
    let bytes: &[u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| anyhow::anyhow!("tenant key has the wrong length"))?;
    Ok(Some(TenantKey::from_bytes(bytes)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> anyhow::Result<TenantKey> {
        TenantKey::from_bytes(&[byte; 32])
    }

    #[test]
    fn seals_bound_to_context_and_key() -> anyhow::Result<()> {
        let k = key(1)?;
        let sealed = k
            .seal_str("Smith v. Jones", b"case:1:title")
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        assert!(!sealed.windows(5).any(|w| w == b"Smith"));
        assert_eq!(
            k.open_str(&sealed, b"case:1:title").ok().as_deref(),
            Some("Smith v. Jones")
        );
        assert!(k.open(&sealed, b"case:2:title").is_err());
        assert!(key(2)?.open(&sealed, b"case:1:title").is_err());
        assert!(k.open(&sealed[..20], b"case:1:title").is_err());
        Ok(())
    }

    #[test]
    fn tokens_are_keyed_normalized_and_domain_separated() -> anyhow::Result<()> {
        let (a, b) = (key(1)?, key(2)?);
        assert_eq!(a.word_tokens("Jones"), a.word_tokens("  JONES!"));
        assert_ne!(a.word_tokens("Jones"), b.word_tokens("Jones"));
        assert_ne!(a.token("word", "x@y.z"), a.email_token("x@y.z"));
        assert_eq!(
            a.email_token(" Pat@Example.ORG "),
            a.email_token("pat@example.org")
        );
        assert_eq!(a.word_tokens("a b c"), Vec::<Vec<u8>>::new());
        assert_eq!(a.word_tokens("Jones, jones and JONES").len(), 2);
        assert_eq!(a.name_token("Riley  O'Neil"), a.name_token("riley o neil"));
        assert_ne!(a.name_token("Other 3"), a.name_token("Other 4"));
        let long: String = (0..500).map(|i| format!("w{i} ")).collect();
        assert_eq!(a.word_tokens(&long).len(), MAX_TOKENS);
        Ok(())
    }
}

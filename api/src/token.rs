//! Random bearer secrets (session cookies, link and challenge tokens, partner
//! tokens): 256 random bits, URL-safe base64. Only their SHA-256 is ever stored.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;

/// URL-safe base64 of `bytes` random bytes.
pub fn random(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buffer);
    URL_SAFE_NO_PAD.encode(buffer)
}

/// A fresh 256-bit token.
pub fn new() -> String {
    random(32)
}

/// Whether `token` could be one of ours at all; anything else is refused
/// before it reaches Redis or the database.
pub fn is_plausible(token: &str) -> bool {
    !token.is_empty() && token.len() <= 128
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_distinct_and_url_safe() {
        let (a, b) = (new(), new());
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
        assert!(is_plausible(&a));
        assert!(!is_plausible(""));
        assert!(!is_plausible(&"x".repeat(129)));
    }
}

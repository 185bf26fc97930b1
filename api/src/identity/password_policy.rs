//! What a new password must be: 12 to 256 characters, not on the common-password
//! list shipped with the project (Openwall's public-domain list,
//! `api/data/common-passwords.txt`), not a common password with digits or
//! symbols tacked on, not one character repeated, and not the email's name.

use std::collections::HashSet;
use std::sync::LazyLock;

use crate::error::{AppError, AppResult};
use crate::identity::password::{MAX_LENGTH, MIN_LENGTH};

static COMMON: LazyLock<HashSet<String>> = LazyLock::new(|| {
    include_str!("../../data/common-passwords.txt")
        .lines()
        .filter(|line| !line.starts_with("#!comment") && !line.is_empty())
        .map(str::to_lowercase)
        .collect()
});

/// Checks a new password; the error names the rule it breaks.
pub fn check(password: &str, email: &str) -> AppResult<()> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(AppError::validation("password", "too_short"));
    }
    if password.len() > MAX_LENGTH {
        return Err(AppError::validation("password", "too_long"));
    }
    let lower = password.to_lowercase();
    let stem = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    if COMMON.contains(&lower) || (!stem.is_empty() && COMMON.contains(stem)) {
        return Err(AppError::validation("password", "common"));
    }
    let distinct: HashSet<char> = lower.chars().collect();
    if distinct.len() <= 3 {
        return Err(AppError::validation("password", "repetitive"));
    }
    let local = email.split('@').next().unwrap_or_default().to_lowercase();
    if local.len() >= 4 && lower.contains(&local) {
        return Err(AppError::validation("password", "contains_email"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(password: &str) -> Option<&'static str> {
        match check(password, "maria.lopez@example.org") {
            Ok(()) => None,
            Err(AppError::Validation { reason, .. }) => Some(reason),
            Err(_) => Some("other"),
        }
    }

    #[test]
    fn the_list_is_loaded() {
        assert!(COMMON.len() > 3000);
        assert!(COMMON.contains("password"));
    }

    #[test]
    fn accepts_a_reasonable_passphrase() {
        assert_eq!(reason("correct horse battery staple"), None);
        assert_eq!(reason("Ríos y montañas 2026"), None);
    }

    #[test]
    fn refuses_weak_passwords_with_the_rule_named() {
        assert_eq!(reason("short pass"), Some("too_short"));
        assert_eq!(reason(&"x".repeat(257)), Some("too_long"));
        assert_eq!(reason("password123456"), Some("common"));
        assert_eq!(reason("Iloveyou2026!!"), Some("common"));
        assert_eq!(reason("qwertyuiop!!"), Some("common"));
        assert_eq!(reason("aaaaaaaaaaaaaaa"), Some("repetitive"));
        assert_eq!(reason("abababababababab"), Some("repetitive"));
        assert_eq!(reason("maria.lopez-rocks-2026"), Some("contains_email"));
    }
}

//! What an SMS session notice says: the organization, the time in the
//! recipient's own zone and the link. Never the case, its reference or who
//! else takes part.

use shared_types::i18n::Arg;
use shared_types::{Locale, Translator};

use crate::email::templates::SessionNotice;

/// The text of one SMS notice, in `locale`. `when` is from
/// `email::templates::local_time`, in the recipient's zone.
pub fn session_notice(
    locale: Locale,
    notice: SessionNotice,
    organization: &str,
    when: &str,
    link: &str,
) -> String {
    Translator::new(locale).tr_args(
        &format!("sms-session-{}", notice.key()),
        &[
            ("organization", Arg::Str(organization)),
            ("when", Arg::Str(when)),
            ("link", Arg::Str(link)),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_notice_has_its_text_in_both_languages() {
        for locale in [Locale::En, Locale::Es] {
            for notice in [
                SessionNotice::Booked,
                SessionNotice::Reminder,
                SessionNotice::Rescheduled,
                SessionNotice::Cancelled,
            ] {
                let text = session_notice(
                    locale,
                    notice,
                    "Org",
                    "2026-05-05 19:45 +0545 (Asia/Kathmandu)",
                    "https://x/cases/1",
                );
                assert!(!text.starts_with("sms-"), "{text}");
                assert!(
                    text.contains("Org")
                        && text.contains("19:45")
                        && text.contains("https://x/cases/1"),
                    "{text}"
                );
                assert!(text.chars().count() <= 320, "{text}");
            }
        }
    }
}

//! SMS through a provider interface. Messages are short, generic session
//! notices (see `scheduling::notify`): they never carry case content or the
//! names of anyone else taking part. Providers:
//!
//! - [`outbox::Outbox`] (development and tests): the message is kept in
//!   `sms_outbox`, sealed with the organization's key, in the transaction of
//!   its delivery, where org admins read it;
//! - [`twilio::Twilio`]: Twilio's Messages REST API.
//!
//! Phone numbers and bodies are never logged; errors carry the provider's
//! code at most.

pub mod graphql;
pub mod outbox;
pub mod text;
pub mod twilio;

use std::fmt;

use crate::config::{SmsProviderKind, SmsSettings};
use crate::crypto::DataKey;
use crate::db::TenantTx;

/// A mobile number in E.164 form: `+`, a country code not starting with 0,
/// 8 to 15 digits in all.
#[derive(Clone, PartialEq, Eq)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Accepts spaces, dashes, dots and brackets between the digits
    /// (`+1 (415) 555-0100`) and keeps only `+` and the digits.
    pub fn parse(input: &str) -> Result<Self, InvalidPhoneNumber> {
        let trimmed = input.trim();
        let Some(rest) = trimmed.strip_prefix('+') else {
            return Err(InvalidPhoneNumber);
        };
        let mut digits = String::with_capacity(16);
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => return Err(InvalidPhoneNumber),
            }
        }
        if !(8..=15).contains(&digits.len()) || digits.starts_with('0') {
            return Err(InvalidPhoneNumber);
        }
        Ok(Self(format!("+{digits}")))
    }

    /// The number, `+` and digits.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The last (at most four) digits: what the admin portal shows.
    pub fn last_digits(&self) -> String {
        let digits = &self.0[1..];
        digits[digits.len().saturating_sub(4)..].to_owned()
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PhoneNumber([redacted])")
    }
}

/// Not an E.164 mobile number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidPhoneNumber;

/// The provider's id of a message it accepted (Twilio's `SM…` SID, the
/// outbox row's id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderMessageId(pub String);

/// Why a message was not sent, in our own words and the provider's code.
/// Never the provider's reply, the number or the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmsError {
    /// The provider refused this message (a bad or unreachable number, an
    /// opted-out recipient): sending it again will not help.
    Rejected { status: u16, code: Option<u32> },
    /// The provider refused our credentials or account (401/403): a
    /// configuration problem, worth retrying once fixed.
    Unauthorized { status: u16, code: Option<u32> },
    /// The provider could not take it now (429, 5xx, timeouts, no
    /// connection): try again later.
    Unavailable { status: Option<u16> },
    /// The provider's reply was not what its documentation says.
    BadReply,
    /// Keeping it in the outbox failed.
    Storage,
}

impl SmsError {
    /// Whether sending the same message later may succeed.
    pub fn is_retryable(&self) -> bool {
        !matches!(self, SmsError::Rejected { .. })
    }
}

impl fmt::Display for SmsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = |code: &Option<u32>| code.map(|c| format!(", code {c}")).unwrap_or_default();
        match self {
            SmsError::Rejected { status, code: c } => {
                write!(
                    f,
                    "the SMS provider rejected the message (HTTP {status}{})",
                    code(c)
                )
            }
            SmsError::Unauthorized { status, code: c } => {
                write!(
                    f,
                    "the SMS provider refused our credentials (HTTP {status}{})",
                    code(c)
                )
            }
            SmsError::Unavailable { status: Some(s) } => {
                write!(f, "the SMS provider is unavailable (HTTP {s})")
            }
            SmsError::Unavailable { status: None } => {
                f.write_str("the SMS provider could not be reached")
            }
            SmsError::BadReply => f.write_str("the SMS provider's reply was not understood"),
            SmsError::Storage => f.write_str("the SMS could not be kept in the outbox"),
        }
    }
}

impl std::error::Error for SmsError {}

/// One message to send, and what it belongs to (identifiers only).
pub struct SmsMessage<'a> {
    pub to: &'a PhoneNumber,
    pub body: &'a str,
    pub session_id: Option<uuid::Uuid>,
}

/// Something that sends SMS. `tx` is the delivery's transaction (of the
/// organization the message is for): a provider that keeps messages in the
/// database writes in it, so the message exists exactly when the delivery's
/// record does; a remote provider ignores it.
pub trait SmsProvider {
    fn send(
        &self,
        tx: &TenantTx,
        message: &SmsMessage<'_>,
    ) -> impl Future<Output = Result<ProviderMessageId, SmsError>> + Send;
}

/// The provider chosen by `sms.provider`.
#[derive(Clone)]
pub enum Sms {
    Outbox(outbox::Outbox),
    Twilio(twilio::Twilio),
    Off,
}

impl Sms {
    pub fn from_settings(settings: &SmsSettings, data_key: &DataKey) -> anyhow::Result<Self> {
        Ok(match settings.provider {
            SmsProviderKind::Outbox => Sms::Outbox(outbox::Outbox::new(data_key.clone())),
            SmsProviderKind::Twilio => Sms::Twilio(twilio::Twilio::new(
                &settings.twilio,
                std::time::Duration::from_secs(settings.request_timeout_secs),
            )?),
            SmsProviderKind::Off => Sms::Off,
        })
    }

    /// False when SMS is turned off: nothing is sent.
    pub fn enabled(&self) -> bool {
        !matches!(self, Sms::Off)
    }
}

impl SmsProvider for Sms {
    async fn send(
        &self,
        tx: &TenantTx,
        message: &SmsMessage<'_>,
    ) -> Result<ProviderMessageId, SmsError> {
        match self {
            Sms::Outbox(p) => p.send(tx, message).await,
            Sms::Twilio(p) => p.send(tx, message).await,
            // `enabled` is checked first; a message sent here goes nowhere.
            Sms::Off => Err(SmsError::Rejected {
                status: 0,
                code: None,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn e164_numbers_parse_and_others_do_not() {
        let ok = |s: &str| PhoneNumber::parse(s).map(|p| p.expose().to_owned());
        assert_eq!(ok("+1 (415) 555-0100"), Ok("+14155550100".to_owned()));
        assert_eq!(ok(" +34 600.123.456 "), Ok("+34600123456".to_owned()));
        for bad in [
            "",
            "+",
            "4155550100",
            "+0123456789",
            "+1234567",
            "+1234567890123456",
            "+1 415 555 0100 x12",
            "+1415555010０",
            "++14155550100",
        ] {
            assert_eq!(ok(bad), Err(InvalidPhoneNumber), "{bad:?}");
        }
    }

    #[test]
    fn numbers_never_print_and_show_only_their_last_digits() {
        let number = PhoneNumber::parse("+14155550123").unwrap();
        assert_eq!(format!("{number:?}"), "PhoneNumber([redacted])");
        assert_eq!(number.last_digits(), "0123");
    }

    #[test]
    fn only_rejections_are_final() {
        assert!(
            !SmsError::Rejected {
                status: 400,
                code: Some(21211)
            }
            .is_retryable()
        );
        assert!(SmsError::Unavailable { status: Some(503) }.is_retryable());
        assert!(
            SmsError::Unauthorized {
                status: 401,
                code: Some(20003)
            }
            .is_retryable()
        );
        assert_eq!(
            SmsError::Rejected {
                status: 400,
                code: Some(21211)
            }
            .to_string(),
            "the SMS provider rejected the message (HTTP 400, code 21211)"
        );
    }
}

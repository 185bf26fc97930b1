//! The `extensions.code` values of GraphQL errors. The API sets them, the portals
//! switch on them; this enum is the one place they are defined.

use serde::{Deserialize, Serialize};

macro_rules! error_codes {
    ($($variant:ident => $code:literal),+ $(,)?) => {
        /// A machine-readable error code, sent as `extensions.code`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum ErrorCode {
            $($variant),+
        }

        impl ErrorCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),+];

            /// The wire form, for example `"UNAUTHENTICATED"`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code),+
                }
            }

            /// Parses the wire form; unknown codes are `None`.
            pub fn parse(code: &str) -> Option<Self> {
                match code {
                    $($code => Some(ErrorCode::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

error_codes! {
    BadRequest => "BAD_REQUEST",
    MalformedJson => "MALFORMED_JSON",
    InvalidUtf8 => "INVALID_UTF8",
    PayloadTooLarge => "PAYLOAD_TOO_LARGE",
    UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
    MissingClientHeader => "MISSING_CLIENT_HEADER",
    GraphqlParseFailed => "GRAPHQL_PARSE_FAILED",
    GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED",
    UnknownOperation => "UNKNOWN_OPERATION",
    QueryTooDeep => "QUERY_TOO_DEEP",
    QueryTooComplex => "QUERY_TOO_COMPLEX",
    Unauthenticated => "UNAUTHENTICATED",
    InvalidCredentials => "INVALID_CREDENTIALS",
    Forbidden => "FORBIDDEN",
    NotFound => "NOT_FOUND",
    ValidationFailed => "VALIDATION_FAILED",
    Conflict => "CONFLICT",
    StaleVersion => "STALE_VERSION",
    InvalidTransition => "INVALID_TRANSITION",
    ReadOnly => "READ_ONLY",
    ConflictOfInterest => "CONFLICT_OF_INTEREST",
    RateLimited => "RATE_LIMITED",
    LinkExpired => "LINK_EXPIRED",
    LinkUsed => "LINK_USED",
    MfaRequired => "MFA_REQUIRED",
    MfaEnrollmentRequired => "MFA_ENROLLMENT_REQUIRED",
    PasskeyRequired => "PASSKEY_REQUIRED",
    SlotTaken => "SLOT_TAKEN",
    RoomTaken => "ROOM_TAKEN",
    CalendarCredentialsRejected => "CALENDAR_CREDENTIALS_REJECTED",
    LinkBoundElsewhere => "LINK_BOUND_ELSEWHERE",
    DeviceProofRejected => "DEVICE_PROOF_REJECTED",
    NotAdmitted => "NOT_ADMITTED",
    SessionClosed => "SESSION_CLOSED",
    Internal => "INTERNAL",
}

impl ErrorCode {
    /// The translation key of the message a portal shows for this code.
    pub fn message_key(self) -> String {
        format!(
            "error-{}",
            self.as_str().to_ascii_lowercase().replace('_', "-")
        )
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_form_round_trips_and_matches_serde() {
        for &code in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
            let json = serde_json::to_string(&code).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
        assert_eq!(ErrorCode::parse("NOPE"), None);
    }

    #[test]
    fn message_keys_are_kebab_case() {
        assert_eq!(
            ErrorCode::QueryTooDeep.message_key(),
            "error-query-too-deep"
        );
    }
}

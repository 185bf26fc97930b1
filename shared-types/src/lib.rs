//! Types shared by the API and both portals. Everything here compiles for the
//! server and for `wasm32-unknown-unknown`.

pub mod error_code;
pub mod i18n;
pub mod intake;

pub use error_code::ErrorCode;
pub use i18n::{Locale, Translator};

/// Header a cookie-authenticated GraphQL POST must carry. Browsers never add it to
/// cross-site form posts, so a forged form cannot act with the victim's cookie.
pub const CLIENT_HEADER: &str = "x-caucus-client";

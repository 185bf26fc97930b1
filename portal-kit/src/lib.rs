//! What both Caucus portals share: the page shell, accessible components, the
//! translation glue (`tr!`), `Intl` formatting, the session and the GraphQL client.
//!
//! Every user-facing string goes through [`tr!`] with a literal key, so the
//! completeness test can find each key in the sources and check both locales.

pub mod account_fields;
pub mod cases;
pub mod clipboard;
pub mod components;
pub mod consents;
pub mod forms;
pub mod gql;
pub mod i18n;
pub mod intake;
pub mod intl;
pub mod invitation;
pub mod layout;
pub mod live;
pub mod money;
pub mod pages;
pub mod passkey;
pub mod profile;
pub mod recovery;
pub mod security;
pub mod session;
pub mod sessions;
pub mod video;

pub use gql::{Api, ApiError, Portal, RoleKey};
pub use i18n::{I18n, use_i18n};
pub use session::{Organization, Session, SessionState, User, Viewer, use_session};

/// Everything a portal page usually needs.
pub mod prelude {
    pub use crate::clipboard::CopyButton;
    pub use crate::components::*;
    pub use crate::consents::ConsentsPage;
    pub use crate::gql::{Api, ApiError, Portal, RoleKey, on_result, use_api};
    pub use crate::i18n::{I18n, use_i18n};
    pub use crate::intl;
    pub use crate::invitation::AcceptInvitationPage;
    pub use crate::layout::{NavLink, Shell};
    pub use crate::pages::{NotFound, SignIn, SignedIn, SsoLanding, use_org_slug};
    pub use crate::profile::ProfilePage;
    pub use crate::recovery::{ForgotPasswordPage, ResetPasswordPage, SignInLinkPage};
    pub use crate::security::TwoStepSignIn;
    pub use crate::session::{Organization, Session, SessionState, User, Viewer, use_session};
    pub use crate::sessions::YourSessions;
    pub use crate::tr;
}

/// Mounts a portal: the i18n, API and session contexts around `app`.
pub fn provide_portal(portal: Portal) {
    i18n::provide_i18n();
    gql::provide_api(portal);
    session::provide_session();
}

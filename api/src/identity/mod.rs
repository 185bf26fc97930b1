//! Identity: invitations, passwords, passkeys, two-step sign-in, sessions,
//! roles and account lifecycle.

pub mod graphql;
pub mod invitations;
pub mod invitations_graphql;
pub mod lifecycle;
pub mod links;
pub mod mfa;
pub mod mfa_graphql;
pub mod passkeys;
pub mod passkeys_graphql;
pub mod password;
pub mod password_policy;
pub mod recovery;
pub mod service;
pub mod session;
pub mod session_cache;
pub mod sso;
pub mod sso_graphql;
pub mod throttle;

//! Identity: passwords, sessions and sign-in. Issue #3 grows this into
//! invitations, MFA, SSO and partner credentials.

pub mod graphql;
pub mod invitations;
pub mod invitations_graphql;
pub mod lifecycle;
pub mod links;
pub mod mfa;
pub mod mfa_graphql;
pub mod password;
pub mod password_policy;
pub mod recovery;
pub mod service;
pub mod session;
pub mod throttle;

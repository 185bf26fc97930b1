//! Identity: passwords, sessions and sign-in. Issue #3 grows this into
//! invitations, MFA, SSO and partner credentials.

pub mod graphql;
pub mod password;
pub mod service;
pub mod session;
pub mod throttle;

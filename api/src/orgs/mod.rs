//! Organizations (tenants): their settings, branding and live events.

pub mod brand;
pub mod graphql;
pub mod logo;
pub mod service;

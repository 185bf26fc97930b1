//! Compliance: consent records.

pub mod consents;

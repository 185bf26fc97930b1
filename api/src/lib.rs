//! Caucus API: a modular monolith. Domain modules (`identity`, `orgs`, …) own
//! their tables, GraphQL types and services; `graphql` merges them; `app` wires
//! the server. See `docs/` and `../shared/ARCHITECTURE.md`.

#![forbid(unsafe_code)]
// The merged GraphQL objects nest deeply when their resolvers are laid out.
#![recursion_limit = "256"]

pub mod app;
pub mod audit;
pub mod authz;
pub mod cases;
pub mod compliance;
pub mod config;
pub mod crypto;
pub mod db;
pub mod email;
pub mod entities;
pub mod error;
pub mod graphql;
pub mod identity;
pub mod jobs;
pub mod kv;
pub mod orgs;
pub mod partner;
pub mod redact;
pub mod scheduling;
pub mod seed;
pub mod sms;
pub mod state;
pub mod telemetry;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod token;
pub mod video;

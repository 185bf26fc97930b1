//! The API's integration tests: one binary, each test with its own database,
//! Redis prefix and running application, against real PostgreSQL and Redis.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod audit;
mod authz_matrix;
mod bad_input;
mod calendar_sync;
mod call_quality;
mod canary;
mod case_work;
mod cases;
mod caucus;
mod consents;
mod federation;
mod health;
mod invitations;
mod jobs;
mod lifecycle;
mod meeting_rooms;
mod mfa;
mod oauth_calendars;
mod org_creation;
mod org_logo;
mod org_security;
mod otlp;
mod partner;
mod passkeys;
mod recovery;
mod rescheduling;
mod rls;
mod scheduling;
mod schema;
mod session_notices;
mod sessions;
mod sms;
mod sso;
mod subscriptions;
mod support;
mod throttle;
mod video;
mod waiting_list;

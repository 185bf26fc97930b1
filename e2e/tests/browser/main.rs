//! Browser tests: the real platform (API + both portals, fresh database) on free
//! ports, driven through Debian's Chromium and chromedriver. Every page visited
//! is checked with axe-core for WCAG 2.2 AA at desktop and phone size. A failing
//! test leaves a screenshot and the browser console in `e2e/artifacts/<test>/`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod account;
mod branding;
mod cases;
mod caucus;
mod client_work;
mod credentials;
mod harness;
mod identity;
mod intake;
mod invitation_totp;
mod operations;
mod org_security;
mod passkeys;
mod portals;
mod roster;
mod scheduling;
mod scheduling_admin;
mod sso;
mod templates;
mod two_step;
mod video;
mod video_controls;

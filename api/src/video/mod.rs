//! Video sessions on LiveKit (docs/video.md): who may be in a session's
//! room and how they prove it (`participants`), the lobby, admission,
//! tokens, the mediator's controls and chat (`room`), LiveKit itself
//! (`livekit`), its webhooks (`webhook`), live operations (`operations`),
//! the call-quality history kept for review (`quality`) and the GraphQL
//! (`graphql`).

pub mod caucus;
pub mod graphql;
pub mod invite;
pub mod livekit;
pub mod operations;
pub mod participants;
pub mod quality;
pub mod revoke;
pub mod room;
pub mod rules;
pub mod webhook;

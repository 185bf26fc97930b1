//! Video sessions on LiveKit (docs/video.md): who may be in a session's
//! room and how they prove it (`participants`), the lobby, admission,
//! tokens, the mediator's controls and chat (`room`), LiveKit itself
//! (`livekit`), its webhooks (`webhook`) and the GraphQL (`graphql`).

pub mod caucus;
pub mod graphql;
pub mod invite;
pub mod livekit;
pub mod operations;
pub mod participants;
pub mod revoke;
pub mod room;
pub mod rules;
pub mod webhook;

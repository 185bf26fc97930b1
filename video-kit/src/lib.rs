//! The browser side of Caucus video sessions, for the portals (wasm32 only).
//!
//! Safe wrappers over `js/facade.js`, which does the work with WebCrypto,
//! IndexedDB, `getUserMedia`, WebAudio and `livekit-client`. The LiveKit bundle
//! (`dist/livekit-client.js`, built by `build.sh`) must be served at the site
//! root as `/livekit-client.js`; the facade loads it only on a video page (the
//! lobby's connection check, or the call when there was no check).
//!
//! - [`device_public_key`] / [`sign_challenge`]: a non-extractable P-256
//!   device key (formats in the README and in `facade.js`).
//! - [`list_devices`], [`start_preview`], [`play_test_sound`],
//!   [`connection_check`]: the lobby's device and network checks.
//! - [`connect`]: joins a LiveKit room, renders tiles into a grid element and
//!   reports [`CallEvent`]s.

mod call;
mod cancel;
mod device_key;
mod error;
mod ffi;
mod lobby;

pub use call::{Call, CallEvent, CallOptions, CallStats, ParticipantView, TileLabels, connect};
pub use device_key::{device_public_key, sign_challenge};
pub use error::{VideoError, VideoErrorKind};
pub use lobby::{
    DeviceKind, MediaDevice, Preview, connection_check, list_devices, play_test_sound,
    start_preview,
};

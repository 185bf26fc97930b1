//! Getting a pass: from a device-bound join link (client portal) or as a
//! signed-in member of the session (admin portal).

use wasm_bindgen::JsValue;

use super::ops::{
    BeginLinkJoin, FinishLinkJoin, JoinSessionAsMember, begin_link_join, finish_link_join,
    join_session_as_member,
};
use super::video_error_key;
use crate::account_fields::read_fragment_token;
use crate::gql::{Api, ApiError};

/// Where the join page keeps its link, so a reload works without the fragment.
pub const LINK_STORAGE_KEY: &str = "caucus-join-link";

/// Why a link did not give a pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinFailure {
    Api(ApiError),
    Video(video_kit::VideoErrorKind),
}

impl JoinFailure {
    /// The translation key of the message to show.
    pub fn message_key(self) -> String {
        match self {
            JoinFailure::Api(error) => error.message_key(),
            JoinFailure::Video(kind) => video_error_key(kind).to_owned(),
        }
    }
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// The join link's token: from the address (`#<token>`, then taken out of
/// the address bar and kept in this tab's `sessionStorage`), else the one
/// kept from before (a reload).
pub fn take_join_link(path: &str) -> Option<String> {
    let storage = session_storage();
    if let Some(token) = read_fragment_token() {
        if let Some(storage) = &storage {
            // A full or disabled storage only means a reload needs the link again.
            let _ = storage.set_item(LINK_STORAGE_KEY, &token);
        }
        if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
            let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(path));
        }
        return Some(token);
    }
    storage
        .and_then(|s| s.get_item(LINK_STORAGE_KEY).ok().flatten())
        .filter(|t| !t.is_empty())
}

/// Proves this device holds the link's key and returns a pass: the device's
/// public key binds the link the first time; the server's challenge is
/// signed with it.
pub async fn redeem_link(api: Api, link: &str) -> Result<String, JoinFailure> {
    let public_key = video_kit::device_public_key()
        .await
        .map_err(|e| JoinFailure::Video(e.kind()))?;
    let challenge = api
        .run::<BeginLinkJoin>(begin_link_join::Variables {
            link: link.to_owned(),
            public_key,
        })
        .await
        .map_err(JoinFailure::Api)?
        .begin_link_join;
    let signature = video_kit::sign_challenge(&challenge)
        .await
        .map_err(|e| JoinFailure::Video(e.kind()))?;
    api.run::<FinishLinkJoin>(finish_link_join::Variables {
        link: link.to_owned(),
        challenge,
        signature,
    })
    .await
    .map(|data| data.finish_link_join)
    .map_err(JoinFailure::Api)
}

/// A signed-in member's pass for session `session_id`.
pub async fn member_pass(api: Api, session_id: String) -> Result<String, ApiError> {
    api.run::<JoinSessionAsMember>(join_session_as_member::Variables { session_id })
        .await
        .map(|data| data.join_session_as_member)
}

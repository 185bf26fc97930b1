//! What went wrong, for people: a kind to switch on (and translate) and the
//! facade's short English message.

use std::fmt;

use wasm_bindgen::{JsCast, JsValue};

/// The kinds of failure the facade reports (its errors' `name`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoErrorKind {
    /// Camera, microphone or screen permission was refused.
    PermissionDenied,
    /// The chosen camera, microphone or speaker is not there.
    DeviceNotFound,
    /// The device exists but could not be started (often another app has it).
    DeviceInUse,
    /// The video server refused the access token (expired, wrong room).
    NotAllowed,
    /// The video server could not be reached.
    ServerUnreachable,
    /// The video server did not answer in time.
    Timeout,
    /// This browser lacks something needed (WebCrypto, IndexedDB, WebRTC).
    Unsupported,
    /// Anything else.
    Failed,
}

impl VideoErrorKind {
    fn from_name(name: &str) -> Self {
        match name {
            "PermissionDenied" => Self::PermissionDenied,
            "DeviceNotFound" => Self::DeviceNotFound,
            "DeviceInUse" => Self::DeviceInUse,
            "NotAllowed" => Self::NotAllowed,
            "ServerUnreachable" => Self::ServerUnreachable,
            "Timeout" => Self::Timeout,
            "Unsupported" => Self::Unsupported,
            _ => Self::Failed,
        }
    }
}

/// A failure with a human message (its `Display`). Never holds a token or URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoError {
    kind: VideoErrorKind,
    message: String,
}

impl VideoError {
    pub(crate) fn new(kind: VideoErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// Which kind of failure, for choosing a translated message.
    pub fn kind(&self) -> VideoErrorKind {
        self.kind
    }

    /// The facade's English message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// From whatever the facade threw. Only errors of the facade's own kinds
    /// keep their message; anything else becomes a generic one, so browser
    /// messages (which may quote URLs) never reach the page.
    pub(crate) fn from_js(value: JsValue) -> Self {
        if let Some(error) = value.dyn_ref::<js_sys::Error>() {
            let name = String::from(error.name());
            let kind = VideoErrorKind::from_name(&name);
            if kind != VideoErrorKind::Failed || name == "Failed" {
                return Self::new(kind, String::from(error.message()));
            }
        }
        Self::failed()
    }

    pub(crate) fn failed() -> Self {
        Self::new(VideoErrorKind::Failed, "Something went wrong with video.")
    }
}

impl fmt::Display for VideoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for VideoError {}

/// `Err` from the facade as a [`VideoError`].
pub(crate) fn js<T>(result: Result<T, JsValue>) -> Result<T, VideoError> {
    result.map_err(VideoError::from_js)
}

/// Reads a JS value as JSON into `T` (through `JSON.stringify`).
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(value: &JsValue) -> Result<T, VideoError> {
    let text = js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(VideoError::failed)?;
    serde_json::from_str(&text).map_err(|_| VideoError::failed())
}

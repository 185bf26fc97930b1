//! A LiveKit call: tiles rendered by the facade into a grid element, events
//! back to Rust as JSON.

use std::collections::BTreeMap;

use js_sys::{Object, Reflect};
use serde::Deserialize;
use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::Closure;

use crate::cancel::CancelOnDrop;
use crate::error::{VideoError, from_json, js};
use crate::ffi;
use crate::lobby::DeviceKind;

/// How to join.
pub struct CallOptions {
    /// Camera `deviceId` (`None`: the default camera).
    pub camera: Option<String>,
    /// Microphone `deviceId` (`None`: the default microphone).
    pub mic: Option<String>,
    /// Speaker `deviceId` (`None`: the default output).
    pub speaker: Option<String>,
    /// Whether to turn camera and microphone on after joining.
    pub publish: bool,
    /// Where the tiles go: the facade owns this element's children.
    pub grid: web_sys::HtmlElement,
    /// Text the tiles show (translate them).
    pub labels: TileLabels,
}

/// Text the facade puts into tiles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileLabels {
    /// Shown in a tile whose camera is off.
    pub camera_off: String,
    /// Caption of a screen-share tile; `{name}` stands for the participant.
    pub screen: String,
}

impl Default for TileLabels {
    fn default() -> Self {
        Self {
            camera_off: "Camera off".into(),
            screen: "{name} (screen)".into(),
        }
    }
}

impl CallOptions {
    /// Default devices, publishing, tiles into `grid`.
    pub fn new(grid: web_sys::HtmlElement) -> Self {
        Self {
            camera: None,
            mic: None,
            speaker: None,
            publish: true,
            grid,
            labels: TileLabels::default(),
        }
    }
}

/// One person in the call, as the UI shows them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParticipantView {
    pub identity: String,
    /// The LiveKit participant name (the token's `name`), else the identity.
    pub name: String,
    pub is_local: bool,
    pub mic_on: bool,
    pub camera_on: bool,
    pub speaking: bool,
    pub screen_sharing: bool,
}

/// What happens in a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallEvent {
    /// Everyone in the call (us first), after any change.
    Participants(Vec<ParticipantView>),
    /// The call is over; `reason` is LiveKit's `DisconnectReason` name
    /// (`CLIENT_INITIATED`, `PARTICIPANT_REMOVED`, `ROOM_DELETED`, …).
    Disconnected {
        reason: String,
    },
    /// The server muted our `microphone` or `camera`.
    LocalMuted {
        source: String,
    },
    Reconnecting,
    Reconnected,
    /// Our connection quality: `excellent`, `good`, `poor` or `lost`.
    Quality(String),
    /// Whether remote audio can play; when `false`, offer a button that calls
    /// [`Call::start_audio`] (browsers block autoplay without a click).
    AudioPlayback {
        can_play: bool,
    },
    /// Something failed during the call (human message).
    Error(String),
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
enum WireEvent {
    Participants {
        participants: Vec<ParticipantView>,
    },
    Disconnected {
        reason: String,
    },
    LocalMuted {
        source: String,
    },
    Reconnecting,
    Reconnected,
    Quality {
        quality: String,
    },
    AudioPlayback {
        #[serde(rename = "canPlay")]
        can_play: bool,
    },
    Error {
        message: String,
    },
    #[serde(other)]
    Unknown,
}

impl WireEvent {
    fn into_event(self) -> Option<CallEvent> {
        Some(match self {
            WireEvent::Participants { participants } => CallEvent::Participants(participants),
            WireEvent::Disconnected { reason } => CallEvent::Disconnected { reason },
            WireEvent::LocalMuted { source } => CallEvent::LocalMuted { source },
            WireEvent::Reconnecting => CallEvent::Reconnecting,
            WireEvent::Reconnected => CallEvent::Reconnected,
            WireEvent::Quality { quality } => CallEvent::Quality(quality),
            WireEvent::AudioPlayback { can_play } => CallEvent::AudioPlayback { can_play },
            WireEvent::Error { message } => CallEvent::Error(message),
            WireEvent::Unknown => return None,
        })
    }
}

/// Parses one event from the facade; `None` for a kind this crate does not
/// know (a newer facade) or a malformed one.
fn parse_event(json: &str) -> Option<CallEvent> {
    serde_json::from_str::<WireEvent>(json)
        .ok()
        .and_then(WireEvent::into_event)
}

/// Inbound media of a call, summed over every subscribed remote track.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CallStats {
    pub inbound_audio_bytes: u64,
    pub inbound_video_bytes: u64,
    pub frames_decoded: u64,
    pub remote_video_tracks: u32,
    pub remote_audio_tracks: u32,
    /// Subscribed shared screens (also counted in `remote_video_tracks`).
    pub remote_screen_tracks: u32,
    /// Remote identity → whether their microphone is muted (or unpublished).
    pub remote_audio_muted: BTreeMap<String, bool>,
    /// Remote identity → whether their camera is muted (or unpublished).
    pub remote_camera_muted: BTreeMap<String, bool>,
    /// The devices our published microphone and camera capture from.
    pub local_microphone: Option<String>,
    pub local_camera: Option<String>,
    /// Whether we share our screen.
    pub local_screen: bool,
    /// Received and lost packets (audio and video), since the call began.
    pub packets_received: u64,
    pub packets_lost: u64,
    /// The worst inbound jitter and the transport's round trip, now.
    pub jitter_ms: f64,
    pub round_trip_ms: u64,
}

/// A joined call. Dropping it leaves the call (without a final event).
pub struct Call {
    inner: ffi::JsCall,
    // Called by the facade until the call is released; dropped with it.
    _on_event: Closure<dyn Fn(String)>,
}

fn set(object: &Object, key: &str, value: &JsValue) -> Result<(), VideoError> {
    Reflect::set(object, &JsValue::from_str(key), value)
        .map(drop)
        .map_err(|_| VideoError::failed())
}

fn optional(value: Option<&str>) -> JsValue {
    value.map_or(JsValue::NULL, JsValue::from_str)
}

/// Joins the LiveKit room at `url` with `token`, renders its tiles into
/// `options.grid` and calls `on_event` for every [`CallEvent`].
pub async fn connect(
    url: &str,
    token: &str,
    options: CallOptions,
    on_event: impl Fn(CallEvent) + 'static,
) -> Result<Call, VideoError> {
    let on_event: Closure<dyn Fn(String)> = Closure::own_aborting(move |json: String| {
        if let Some(event) = parse_event(&json) {
            on_event(event);
        }
    });
    let js_options = Object::new();
    set(
        &js_options,
        "cameraId",
        &optional(options.camera.as_deref()),
    )?;
    set(&js_options, "micId", &optional(options.mic.as_deref()))?;
    set(
        &js_options,
        "speakerId",
        &optional(options.speaker.as_deref()),
    )?;
    set(&js_options, "publish", &JsValue::from_bool(options.publish))?;
    set(&js_options, "grid", options.grid.as_ref())?;
    set(&js_options, "onEvent", on_event.as_ref())?;
    let labels = Object::new();
    set(
        &labels,
        "cameraOff",
        &options.labels.camera_off.as_str().into(),
    )?;
    set(&labels, "screen", &options.labels.screen.as_str().into())?;
    set(&js_options, "labels", &labels)?;
    // Dropping this future while connecting leaves the room again.
    let cancel = CancelOnDrop::new()?;
    let signal = cancel.signal().ok_or_else(VideoError::failed)?;
    set(&js_options, "signal", &signal)?;
    let inner = js(ffi::connect(url, token, &js_options).await)?;
    cancel.finish();
    Ok(Call {
        inner: inner.unchecked_into(),
        _on_event: on_event,
    })
}

impl Call {
    /// Turns our microphone on or off.
    pub async fn set_microphone(&self, on: bool) -> Result<(), VideoError> {
        js(self.inner.set_microphone(on).await).map(drop)
    }

    /// Turns our camera on or off.
    pub async fn set_camera(&self, on: bool) -> Result<(), VideoError> {
        js(self.inner.set_camera(on).await).map(drop)
    }

    /// Uses another camera, microphone or speaker.
    pub async fn switch_device(&self, kind: DeviceKind, device_id: &str) -> Result<(), VideoError> {
        js(self.inner.switch_device(kind.as_str(), device_id).await).map(drop)
    }

    /// Starts (the browser asks which screen) or stops sharing the screen.
    pub async fn share_screen(&self, on: bool) -> Result<(), VideoError> {
        js(self.inner.share_screen(on).await).map(drop)
    }

    /// Audio only (a weak connection): our camera off and the others'
    /// cameras not received; off again brings their video back.
    pub async fn set_audio_only(&self, on: bool) -> Result<(), VideoError> {
        js(self.inner.set_audio_only(on).await).map(drop)
    }

    /// Starts remote audio after a click, when the browser blocked it
    /// ([`CallEvent::AudioPlayback`]).
    pub async fn start_audio(&self) -> Result<(), VideoError> {
        js(self.inner.start_audio().await).map(drop)
    }

    /// Leaves the call; a [`CallEvent::Disconnected`] follows.
    pub async fn disconnect(&self) -> Result<(), VideoError> {
        js(self.inner.disconnect().await).map(drop)
    }

    /// Inbound media statistics.
    pub async fn stats(&self) -> Result<CallStats, VideoError> {
        let value = js(self.inner.stats().await)?;
        from_json(&value)
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        // Unhooks `on_event` before the closure is freed, then leaves.
        self.inner.release();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_event_kind() {
        let participants = r#"{"type":"participants","participants":[{"identity":"m-1","name":"Ana","isLocal":true,"micOn":true,"cameraOn":false,"speaking":false,"screenSharing":false}]}"#;
        assert_eq!(
            parse_event(participants),
            Some(CallEvent::Participants(vec![ParticipantView {
                identity: "m-1".into(),
                name: "Ana".into(),
                is_local: true,
                mic_on: true,
                camera_on: false,
                speaking: false,
                screen_sharing: false,
            }]))
        );
        assert_eq!(
            parse_event(r#"{"type":"disconnected","reason":"ROOM_DELETED"}"#),
            Some(CallEvent::Disconnected {
                reason: "ROOM_DELETED".into()
            })
        );
        assert_eq!(
            parse_event(r#"{"type":"localMuted","source":"microphone"}"#),
            Some(CallEvent::LocalMuted {
                source: "microphone".into()
            })
        );
        assert_eq!(
            parse_event(r#"{"type":"reconnecting"}"#),
            Some(CallEvent::Reconnecting)
        );
        assert_eq!(
            parse_event(r#"{"type":"reconnected"}"#),
            Some(CallEvent::Reconnected)
        );
        assert_eq!(
            parse_event(r#"{"type":"quality","quality":"good"}"#),
            Some(CallEvent::Quality("good".into()))
        );
        assert_eq!(
            parse_event(r#"{"type":"audioPlayback","canPlay":false}"#),
            Some(CallEvent::AudioPlayback { can_play: false })
        );
        assert_eq!(
            parse_event(r#"{"type":"error","message":"No camera."}"#),
            Some(CallEvent::Error("No camera.".into()))
        );
        assert_eq!(parse_event(r#"{"type":"somethingNew","x":1}"#), None);
        assert_eq!(parse_event("not json"), None);
    }
}

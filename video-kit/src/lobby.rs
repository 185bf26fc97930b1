//! The lobby's checks: which devices there are, a camera preview with a
//! microphone level, a test tone on the chosen speaker, and whether the video
//! server can be reached.

use serde::Deserialize;
use wasm_bindgen::JsCast;

use crate::cancel::CancelOnDrop;
use crate::error::{VideoError, VideoErrorKind, from_json, js};
use crate::ffi;

/// A kind of media device, as the browser names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
pub enum DeviceKind {
    #[serde(rename = "videoinput")]
    Camera,
    #[serde(rename = "audioinput")]
    Microphone,
    #[serde(rename = "audiooutput")]
    Speaker,
}

impl DeviceKind {
    /// The browser's name (`MediaDeviceInfo.kind`).
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceKind::Camera => "videoinput",
            DeviceKind::Microphone => "audioinput",
            DeviceKind::Speaker => "audiooutput",
        }
    }
}

/// One camera, microphone or speaker.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MediaDevice {
    pub kind: DeviceKind,
    /// `deviceId`, to pass back to [`start_preview`], [`crate::connect`] or
    /// [`crate::Call::switch_device`].
    #[serde(rename = "deviceId")]
    pub id: String,
    /// What the browser calls it (may be empty).
    pub label: String,
}

/// The devices there are. Asks for camera and microphone permission first
/// when the browser hides their names.
pub async fn list_devices() -> Result<Vec<MediaDevice>, VideoError> {
    let value = js(ffi::list_devices().await)?;
    from_json(&value)
}

/// A running camera/microphone preview. Dropping it stops it.
pub struct Preview {
    inner: ffi::JsPreview,
}

impl Preview {
    /// The microphone's current RMS level, 0..1 (speech is typically
    /// 0.02..0.3). Call it on every animation frame for a meter.
    pub fn mic_level(&self) -> f64 {
        self.inner.mic_level()
    }

    /// Whether a camera picture could be had.
    pub fn has_video(&self) -> bool {
        self.inner.has_video()
    }

    /// Whether a microphone could be had.
    pub fn has_audio(&self) -> bool {
        self.inner.has_audio()
    }

    /// Stops the camera and microphone (again is harmless).
    pub fn stop(&self) {
        self.inner.stop();
    }
}

impl Drop for Preview {
    fn drop(&mut self) {
        self.inner.stop();
    }
}

/// Shows the camera (`None`: the default one) in `video`, muted, and
/// measures the microphone. Falls back to whichever of the two works.
pub async fn start_preview(
    video: &web_sys::HtmlVideoElement,
    camera: Option<&str>,
    mic: Option<&str>,
) -> Result<Preview, VideoError> {
    // Dropping this future while the devices open closes them again.
    let cancel = CancelOnDrop::new()?;
    let signal = cancel.signal().ok_or_else(VideoError::failed)?;
    let value = js(ffi::start_preview(
        video,
        camera.map(String::from),
        mic.map(String::from),
        &signal,
    )
    .await)?;
    cancel.finish();
    Ok(Preview {
        inner: value.unchecked_into(),
    })
}

/// Plays a short chime on `speaker` (`None`: the default output), where the
/// browser can choose the output.
pub async fn play_test_sound(speaker: Option<&str>) -> Result<(), VideoError> {
    js(ffi::play_test_sound(speaker.map(String::from)).await).map(drop)
}

#[derive(Deserialize)]
struct CheckAnswer {
    ok: bool,
    millis: f64,
    #[serde(default)]
    reason: Option<String>,
}

/// Whether the LiveKit server at `livekit_url` (`wss://…` or `https://…`)
/// answers over HTTP within 5 s, and the LiveKit client loads (so that
/// [`connect`](crate::connect) later need not wait for it); the server's
/// round trip in milliseconds.
pub async fn connection_check(livekit_url: &str) -> Result<u32, VideoError> {
    let value = js(ffi::connection_check(livekit_url).await)?;
    let answer: CheckAnswer = from_json(&value)?;
    if answer.ok {
        // Saturating: a check takes at most 5 000 ms.
        return Ok(answer.millis.clamp(0.0, f64::from(u32::MAX)) as u32);
    }
    Err(match answer.reason.as_deref() {
        Some("timeout") => VideoError::new(
            VideoErrorKind::Timeout,
            "The video server did not answer in time.",
        ),
        Some("status") => VideoError::new(
            VideoErrorKind::ServerUnreachable,
            "The video server answered with an error.",
        ),
        Some("component") => VideoError::new(
            VideoErrorKind::Failed,
            "The video component could not be loaded.",
        ),
        _ => VideoError::new(
            VideoErrorKind::ServerUnreachable,
            "The video server could not be reached.",
        ),
    })
}

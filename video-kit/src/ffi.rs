//! The facade's JS API. Everything that can throw is `catch`; everything
//! asynchronous is an `async` extern.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/facade.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = devicePublicKey)]
    pub async fn device_public_key() -> Result<JsValue, JsValue>;

    #[wasm_bindgen(catch, js_name = signChallenge)]
    pub async fn sign_challenge(challenge: &str) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(catch, js_name = listDevices)]
    pub async fn list_devices() -> Result<JsValue, JsValue>;

    #[wasm_bindgen(catch, js_name = startPreview)]
    pub async fn start_preview(
        video: &web_sys::HtmlVideoElement,
        camera_id: Option<String>,
        mic_id: Option<String>,
        signal: &web_sys::AbortSignal,
    ) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(catch, js_name = playTestSound)]
    pub async fn play_test_sound(speaker_id: Option<String>) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(catch, js_name = connectionCheck)]
    pub async fn connection_check(livekit_url: &str) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(catch)]
    pub async fn connect(url: &str, token: &str, options: &JsValue) -> Result<JsValue, JsValue>;

    /// What `startPreview` resolves to.
    pub type JsPreview;

    #[wasm_bindgen(method, js_name = micLevel)]
    pub fn mic_level(this: &JsPreview) -> f64;

    #[wasm_bindgen(method)]
    pub fn stop(this: &JsPreview);

    #[wasm_bindgen(method, getter = hasVideo)]
    pub fn has_video(this: &JsPreview) -> bool;

    #[wasm_bindgen(method, getter = hasAudio)]
    pub fn has_audio(this: &JsPreview) -> bool;

    /// What `connect` resolves to.
    pub type JsCall;

    #[wasm_bindgen(method, catch, js_name = setMicrophone)]
    pub async fn set_microphone(this: &JsCall, on: bool) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, js_name = setCamera)]
    pub async fn set_camera(this: &JsCall, on: bool) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, js_name = switchDevice)]
    pub async fn switch_device(
        this: &JsCall,
        kind: &str,
        device_id: &str,
    ) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, js_name = shareScreen)]
    pub async fn share_screen(this: &JsCall, on: bool) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, js_name = setAudioOnly)]
    pub async fn set_audio_only(this: &JsCall, on: bool) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, js_name = startAudio)]
    pub async fn start_audio(this: &JsCall) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch)]
    pub async fn disconnect(this: &JsCall) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch)]
    pub async fn stats(this: &JsCall) -> Result<JsValue, JsValue>;

    /// Stops events at once and leaves in the background (for `Drop`).
    #[wasm_bindgen(method)]
    pub fn release(this: &JsCall);
}

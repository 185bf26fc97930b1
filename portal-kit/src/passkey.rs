//! The browser's half of passkey ceremonies. The API speaks WebAuthn JSON
//! (binary fields in base64url); the browser converts it with
//! `PublicKeyCredential.parseCreationOptionsFromJSON` /
//! `parseRequestOptionsFromJSON`, and its answer back with `toJSON()`
//! (WebAuthn Level 3, in every current browser). Doing the conversion in the
//! browser keeps a Rust copy of the WebAuthn types, and the URL and Unicode
//! tables they pull in, out of the portals' download.

use js_sys::{Function, JSON, Object, Reflect};
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::tr;

/// Why the browser gave no passkey.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasskeyError {
    /// This browser cannot do passkeys (or not the WebAuthn JSON methods).
    Unsupported,
    /// The person cancelled, or no passkey of theirs was available.
    Cancelled,
    /// Anything else (bad options, an unexpected answer).
    Failed,
}

impl PasskeyError {
    /// What to tell the person, in the current language.
    pub fn message(self) -> Signal<String> {
        match self {
            PasskeyError::Unsupported => Signal::derive(tr!("passkey-unsupported")),
            PasskeyError::Cancelled => Signal::derive(tr!("passkey-cancelled")),
            PasskeyError::Failed => Signal::derive(tr!("passkey-failed")),
        }
    }
}

/// Which ceremony.
#[derive(Clone, Copy)]
enum Ceremony {
    Create,
    Get,
}

impl Ceremony {
    fn parser(self) -> &'static str {
        match self {
            Ceremony::Create => "parseCreationOptionsFromJSON",
            Ceremony::Get => "parseRequestOptionsFromJSON",
        }
    }
}

fn refusal(error: JsValue) -> PasskeyError {
    match error.dyn_into::<web_sys::DomException>() {
        Ok(exception) if matches!(exception.name().as_str(), "NotAllowedError" | "AbortError") => {
            PasskeyError::Cancelled
        }
        _ => PasskeyError::Failed,
    }
}

/// `object.<name>` as a function (own or inherited), if the browser has it.
fn method(class: &JsValue, name: &str) -> Result<Function, PasskeyError> {
    Reflect::get(class, &name.into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or(PasskeyError::Unsupported)
}

async fn run(ceremony: Ceremony, options_json: &str) -> Result<String, PasskeyError> {
    let window = web_sys::window().ok_or(PasskeyError::Unsupported)?;
    let class = Reflect::get(&window, &"PublicKeyCredential".into())
        .ok()
        .filter(|c| !c.is_undefined())
        .ok_or(PasskeyError::Unsupported)?;
    let parse = method(&class, ceremony.parser())?;
    // `{ publicKey: {...}, mediation? }` as the API sent it.
    let envelope = JSON::parse(options_json).map_err(|_| PasskeyError::Failed)?;
    let public_key =
        Reflect::get(&envelope, &"publicKey".into()).map_err(|_| PasskeyError::Failed)?;
    let parsed = parse
        .call1(&class, &public_key)
        .map_err(|_| PasskeyError::Failed)?;
    let options = Object::new();
    Reflect::set(&options, &"publicKey".into(), &parsed).map_err(|_| PasskeyError::Failed)?;
    if let Ok(mediation) = Reflect::get(&envelope, &"mediation".into())
        && mediation.is_string()
    {
        Reflect::set(&options, &"mediation".into(), &mediation)
            .map_err(|_| PasskeyError::Failed)?;
    }
    let container = window.navigator().credentials();
    let promise = match ceremony {
        Ceremony::Create => container.create_with_options(options.unchecked_ref()),
        Ceremony::Get => container.get_with_options(options.unchecked_ref()),
    }
    .map_err(refusal)?;
    let credential = JsFuture::from(promise).await.map_err(refusal)?;
    if credential.is_null() || credential.is_undefined() {
        return Err(PasskeyError::Cancelled);
    }
    let to_json = method(&credential, "toJSON")?;
    let answer = to_json
        .call0(&credential)
        .map_err(|_| PasskeyError::Failed)?;
    JSON::stringify(&answer)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or(PasskeyError::Failed)
}

/// Creates a passkey with the API's registration options; returns the
/// browser's answer as JSON.
pub async fn create(options_json: &str) -> Result<String, PasskeyError> {
    run(Ceremony::Create, options_json).await
}

/// Asks for a passkey with the API's sign-in options; returns the browser's
/// answer as JSON.
pub async fn get(options_json: &str) -> Result<String, PasskeyError> {
    run(Ceremony::Get, options_json).await
}

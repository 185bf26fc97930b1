//! What the account pages share (accepting an invitation, resetting a
//! password, the profile): the name, new-password, language and time-zone
//! fields with their rules and messages, and one-time tokens read from the
//! URL fragment.
//!
//! Each field has a fixed id (`name`, `new-password`, `account-language`,
//! `timezone`): a page shows each at most once.

use leptos::prelude::*;
use shared_types::Locale;
use wasm_bindgen::JsValue;

use crate::components::{SelectField, TextField};
use crate::gql::Failure;
use crate::tr;

/// The shortest password the API accepts (it checks the other rules).
pub const MIN_PASSWORD_LENGTH: usize = 12;

/// Zones offered besides the person's own and the browser's.
const TIME_ZONES: &[&str] = &[
    "UTC",
    "Pacific/Honolulu",
    "America/Anchorage",
    "America/Los_Angeles",
    "America/Vancouver",
    "America/Phoenix",
    "America/Denver",
    "America/Chicago",
    "America/Mexico_City",
    "America/Guatemala",
    "America/New_York",
    "America/Toronto",
    "America/Bogota",
    "America/Lima",
    "America/Panama",
    "America/Caracas",
    "America/Puerto_Rico",
    "America/Santo_Domingo",
    "America/Santiago",
    "America/Argentina/Buenos_Aires",
    "America/Sao_Paulo",
    "Atlantic/Canary",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Madrid",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Rome",
    "Africa/Lagos",
    "Africa/Cairo",
    "Africa/Johannesburg",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Manila",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
];

/// The time zones to offer: the list above plus `extra` (the person's own,
/// the browser's), sorted, as `(zone, label)`.
pub fn time_zone_options(extra: &[&str]) -> Vec<(String, String)> {
    let mut zones: Vec<&str> = TIME_ZONES.to_vec();
    for zone in extra {
        if !zone.is_empty() && !zones.contains(zone) {
            zones.push(zone);
        }
    }
    zones.sort_unstable();
    zones
        .into_iter()
        .map(|zone| (zone.to_owned(), zone.replace('_', " ")))
        .collect()
}

/// The token from `#<token>`, when it looks like one.
pub fn read_fragment_token() -> Option<String> {
    let hash = window().location().hash().ok()?;
    let token = hash.trim_start_matches('#');
    (!token.is_empty()
        && token.len() <= 256
        && token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
    .then(|| token.to_owned())
}

/// Replaces the address (and its history entry) with `path`, dropping the
/// fragment that held a token.
pub fn forget_fragment(path: &str) {
    if let Ok(history) = window().history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(path));
    }
}

/// The token of the link that opened `path`, taken out of the address bar at
/// once; a link opened later in the same tab (only the fragment changes, so
/// the page stays) replaces it.
pub fn use_fragment_token(path: &'static str) -> ReadSignal<Option<String>> {
    let token = RwSignal::new(read_fragment_token());
    forget_fragment(path);
    let handle = window_event_listener(leptos::ev::hashchange, move |_| {
        if let Some(next) = read_fragment_token() {
            forget_fragment(path);
            token.set(Some(next));
        }
    });
    on_cleanup(move || handle.remove());
    token.read_only()
}

/// Whether the API refused `field` (`extensions.field`).
pub fn failed_on(failure: RwSignal<Option<Failure>>, field: &str) -> bool {
    failure.with(|f| {
        f.as_ref()
            .is_some_and(|f| f.field.as_deref() == Some(field))
    })
}

/// The messages for a password the API refused, by `extensions.reason`.
#[derive(Clone, Copy)]
struct PasswordMessages {
    too_short: Signal<String>,
    too_long: Signal<String>,
    common: Signal<String>,
    repetitive: Signal<String>,
    contains_email: Signal<String>,
    other: Signal<String>,
}

impl PasswordMessages {
    fn new() -> Self {
        Self {
            too_short: Signal::derive(tr!("password-too-short")),
            too_long: Signal::derive(tr!("password-too-long")),
            common: Signal::derive(tr!("password-common")),
            repetitive: Signal::derive(tr!("password-repetitive")),
            contains_email: Signal::derive(tr!("password-contains-email")),
            other: Signal::derive(tr!("error-validation-failed")),
        }
    }

    fn for_reason(self, reason: &str) -> String {
        match reason {
            "too_short" => self.too_short.get(),
            "too_long" => self.too_long.get(),
            "common" => self.common.get(),
            "repetitive" => self.repetitive.get(),
            "contains_email" => self.contains_email.get(),
            _ => self.other.get(),
        }
    }
}

/// `#name`: the person's full name, required.
#[component]
pub fn NameField(
    value: RwSignal<String>,
    /// Left empty when submitted.
    missing: RwSignal<bool>,
    /// The API's answer; its `name` refusal is shown here.
    failure: RwSignal<Option<Failure>>,
) -> impl IntoView {
    let required = tr!("invitation-name-required");
    let invalid = tr!("invitation-name-invalid");
    let error = Signal::derive(move || {
        if missing.get() {
            Some(required())
        } else {
            failed_on(failure, "name").then(&invalid)
        }
    });
    view! {
        <TextField
            id="name"
            label=tr!("invitation-name")
            value=value
            autocomplete="name"
            required=true
            error=error
        />
    }
}

/// `#new-password`: a new password with the rules above it and a live
/// length hint (`#password-hint`) under it.
#[component]
pub fn NewPasswordField(
    #[prop(into)] label: Signal<String>,
    value: RwSignal<String>,
    /// Left empty when submitted.
    missing: RwSignal<bool>,
    /// The API's answer; a refusal of `field` is shown here by its reason.
    failure: RwSignal<Option<Failure>>,
    /// The API's name for this input: `password` or `newPassword`.
    field: &'static str,
) -> impl IntoView {
    let messages = PasswordMessages::new();
    let required = tr!("invitation-password-required");
    let error = Signal::derive(move || {
        if missing.get() {
            return Some(required());
        }
        let reason = failure.with(|f| {
            f.as_ref()
                .and_then(|f| f.reason_for(field))
                .map(str::to_owned)
        })?;
        Some(messages.for_reason(&reason))
    });

    let hint_ok = tr!("invitation-password-hint-ok");
    let hint_start = tr!("invitation-password-hint-start");
    let length = move || value.with(|p| p.chars().count());
    let hint_short = tr!(
        "invitation-password-hint-short",
        count = MIN_PASSWORD_LENGTH.saturating_sub(length())
    );
    let hint = move || match length() {
        0 => hint_start(),
        n if n < MIN_PASSWORD_LENGTH => hint_short(),
        _ => hint_ok(),
    };
    let hint_class = move || {
        if length() >= MIN_PASSWORD_LENGTH {
            "hint hint-ok"
        } else {
            "hint"
        }
    };
    view! {
        <div id="password-rules" class="password-rules">
            <p>{tr!("invitation-password-rules-intro")}</p>
            <ul>
                <li>{tr!("invitation-password-rule-length")}</li>
                <li>{tr!("invitation-password-rule-common")}</li>
                <li>{tr!("invitation-password-rule-email")}</li>
            </ul>
        </div>
        <TextField
            id="new-password"
            label=label
            value=value
            input_type="password"
            autocomplete="new-password"
            required=true
            described_by="password-rules password-hint"
            error=error
        />
        <p id="password-hint" class=hint_class aria-live="polite">
            {hint}
        </p>
    }
}

/// `#account-language`: the language of Caucus and its emails.
#[component]
pub fn LanguageField(value: RwSignal<String>) -> impl IntoView {
    let languages: Vec<(String, String)> = Locale::ALL
        .iter()
        .map(|locale| (locale.tag().to_owned(), locale.native_name().to_owned()))
        .collect();
    view! {
        <SelectField
            id="account-language"
            label=tr!("invitation-language")
            value=value
            options=languages
        />
    }
}

/// `#timezone`: the zone dates and times are shown in, from a list.
#[component]
pub fn TimeZoneField(
    value: RwSignal<String>,
    /// `(zone, label)`, from [`time_zone_options`].
    options: Vec<(String, String)>,
    /// The API's answer; its `timezone` refusal is shown here.
    failure: RwSignal<Option<Failure>>,
) -> impl IntoView {
    let unknown = tr!("invitation-timezone-unknown");
    let error = Signal::derive(move || failed_on(failure, "timezone").then(&unknown));
    view! {
        <SelectField
            id="timezone"
            label=tr!("invitation-timezone")
            value=value
            options=options
            described_by="timezone-hint"
            error=error
        />
        <p id="timezone-hint" class="hint">
            {tr!("invitation-timezone-hint")}
        </p>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_include_the_extra_ones_once_and_are_sorted() {
        let options = time_zone_options(&["Europe/Madrid", "Asia/Kathmandu", "", "Asia/Kathmandu"]);
        let zones: Vec<&str> = options.iter().map(|(zone, _)| zone.as_str()).collect();
        assert_eq!(zones.iter().filter(|z| **z == "Europe/Madrid").count(), 1);
        assert_eq!(zones.iter().filter(|z| **z == "Asia/Kathmandu").count(), 1);
        assert!(!zones.contains(&""));
        let mut sorted = zones.clone();
        sorted.sort_unstable();
        assert_eq!(zones, sorted);
        assert!(options.contains(&("America/New_York".to_owned(), "America/New York".to_owned())));
    }
}

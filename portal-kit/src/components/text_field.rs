use leptos::prelude::*;

use super::field::{FieldError, described_by as described_by_ids};

/// A labelled input. Its error text, when there is one, is linked with
/// `aria-describedby` and marks the input `aria-invalid`.
#[component]
pub fn TextField(
    /// The input's `id` and `name`.
    id: &'static str,
    #[prop(into)] label: Signal<String>,
    value: RwSignal<String>,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional, into)] error: Signal<Option<String>>,
    /// Ids of further text describing the field (rules, hints).
    #[prop(optional)]
    described_by: Option<&'static str>,
    #[prop(optional)] readonly: bool,
    /// The virtual keyboard to offer, for example `numeric`.
    #[prop(optional)]
    inputmode: Option<&'static str>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let described = described_by_ids(described_by, error, error_id.clone());
    view! {
        <div class="field">
            <label for=id>{move || label.get()}</label>
            <input
                id=id
                name=id
                type=input_type
                autocomplete=autocomplete
                inputmode=inputmode
                required=required
                readonly=readonly
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                aria-describedby=described
                prop:value=move || value.get()
                on:input=move |event| value.set(event_target_value(&event))
            />
            <FieldError id=error_id error=error />
        </div>
    }
}

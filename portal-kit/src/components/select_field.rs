use leptos::prelude::*;

use super::field::{FieldError, described_by as described_by_ids};

/// A labelled `<select>`. `options` are `(value, label)` pairs (reactive, so labels
/// follow the language). Its error, when there is one, is linked with
/// `aria-describedby` like [`TextField`](super::TextField)'s.
#[component]
pub fn SelectField(
    /// The select's `id` and `name`.
    id: &'static str,
    #[prop(into)] label: Signal<String>,
    value: RwSignal<String>,
    #[prop(into)] options: Signal<Vec<(String, String)>>,
    #[prop(optional, into)] error: Signal<Option<String>>,
    /// Ids of further text describing the field (hints).
    #[prop(optional)]
    described_by: Option<&'static str>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let described = described_by_ids(described_by, error, error_id.clone());
    view! {
        <div class="field">
            <label for=id>{move || label.get()}</label>
            <select
                id=id
                name=id
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                aria-describedby=described
                on:change=move |event| value.set(event_target_value(&event))
            >
                {move || {
                    options
                        .get()
                        .into_iter()
                        .map(|(option, text)| {
                            let selected = option.clone();
                            view! {
                                <option value=option selected=move || value.get() == selected>
                                    {text}
                                </option>
                            }
                        })
                        .collect_view()
                }}
            </select>
            <FieldError id=error_id error=error />
        </div>
    }
}

use leptos::prelude::*;

use super::field::{FieldError, described_by};

/// One labelled checkbox, with an optional hint under it.
#[component]
pub fn Checkbox(
    /// The input's `id` and `name`.
    id: &'static str,
    #[prop(into)] label: Signal<String>,
    checked: RwSignal<bool>,
    /// Further text under the label.
    #[prop(optional, into)]
    hint: Option<Signal<String>>,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let described = hint.is_some().then(|| hint_id.clone());
    view! {
        <div class="field field-check">
            <input
                id=id
                name=id
                type="checkbox"
                aria-describedby=described
                prop:checked=move || checked.get()
                on:change=move |event| checked.set(event_target_checked(&event))
            />
            <label for=id>{move || label.get()}</label>
            {hint.map(|hint| view! { <p id=hint_id class="field-hint">{move || hint.get()}</p> })}
        </div>
    }
}

/// A group of checkboxes under a legend: `options` are `(value, label)`
/// pairs, `selected` the values ticked.
#[component]
pub fn CheckboxGroup(
    /// The fieldset's `id`; each box's id is `{id}-{value}`.
    id: &'static str,
    #[prop(into)] legend: Signal<String>,
    #[prop(into)] options: Signal<Vec<(String, String)>>,
    selected: RwSignal<Vec<String>>,
    #[prop(optional, into)] error: Signal<Option<String>>,
    /// Ids of further text describing the group (hints).
    #[prop(optional)]
    described_by: Option<&'static str>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let described = self::described_by(described_by, error, error_id.clone());
    view! {
        <fieldset id=id class="field checkbox-group" aria-describedby=described>
            <legend>{move || legend.get()}</legend>
            {move || {
                options
                    .get()
                    .into_iter()
                    .map(|(value, text)| {
                        let box_id = format!("{id}-{}", value.to_lowercase().replace('_', "-"));
                        let is_checked = value.clone();
                        let toggled = value.clone();
                        view! {
                            <div class="field-check">
                                <input
                                    id=box_id.clone()
                                    name=id
                                    type="checkbox"
                                    value=value
                                    prop:checked=move || selected.with(|s| s.contains(&is_checked))
                                    on:change=move |event| {
                                        let on = event_target_checked(&event);
                                        selected.update(|s| {
                                            s.retain(|v| v != &toggled);
                                            if on {
                                                s.push(toggled.clone());
                                            }
                                        });
                                    }
                                />
                                <label for=box_id>{text}</label>
                            </div>
                        }
                    })
                    .collect_view()
            }}
            <FieldError id=error_id error=error />
        </fieldset>
    }
}

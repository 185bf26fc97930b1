use leptos::prelude::*;

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
    let described = {
        let error_id = error_id.clone();
        move || {
            let ids: Vec<String> = described_by
                .map(str::to_owned)
                .into_iter()
                .chain(error.with(Option::is_some).then(|| error_id.clone()))
                .collect();
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
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
            {move || {
                error
                    .get()
                    .map(|message| {
                        view! {
                            <p id=error_id.clone() class="field-error">
                                {message}
                            </p>
                        }
                    })
            }}
        </div>
    }
}

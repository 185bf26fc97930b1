//! What every labelled field shares: its error text and the `aria-describedby`
//! list that links hints and that error to the control.

use leptos::prelude::*;

/// The ids a control is described by: its hints, then its error when shown.
pub(crate) fn described_by(
    hints: Option<&'static str>,
    error: Signal<Option<String>>,
    error_id: String,
) -> impl Fn() -> Option<String> + Send + Sync + Clone + 'static {
    move || {
        let ids: Vec<String> = hints
            .map(str::to_owned)
            .into_iter()
            .chain(error.with(Option::is_some).then(|| error_id.clone()))
            .collect();
        (!ids.is_empty()).then(|| ids.join(" "))
    }
}

/// The field's error message, when there is one.
#[component]
pub(crate) fn FieldError(id: String, error: Signal<Option<String>>) -> impl IntoView {
    move || {
        error.get().map(|message| {
            view! {
                <p id=id.clone() class="field-error">
                    {message}
                </p>
            }
        })
    }
}

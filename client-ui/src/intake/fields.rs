//! One intake question as a labelled control, for each kind of field a
//! template can hold, and an answer as text for the review.

use leptos::prelude::*;
use portal_kit::tr;
use serde_json::{Value, json};
use shared_types::intake::{Field, FieldKind, FieldVisibility};

use portal_kit::money;

use super::Answers;

/// The text of a field's rule that failed, in the reader's language.
pub fn reason_text(reason: &str) -> String {
    match reason {
        "required" => tr!("intake-error-required")(),
        "too_long" => tr!("intake-error-too-long")(),
        "format" => tr!("intake-error-format")(),
        "range" => tr!("intake-error-range")(),
        "choice" => tr!("intake-error-choice")(),
        "name_required" => tr!("intake-error-name-required")(),
        "email" => tr!("intake-error-email")(),
        _ => tr!("intake-error-other")(),
    }
}

/// Who will read the answer, said beside every question.
fn visibility_text(visibility: FieldVisibility) -> String {
    match visibility {
        FieldVisibility::Shared => tr!("intake-visibility-shared")(),
        FieldVisibility::Private => tr!("intake-visibility-private")(),
    }
}

/// What the wizard passes to every question.
#[derive(Clone, Copy)]
pub struct Form {
    pub answers: RwSignal<Answers>,
    pub errors: RwSignal<std::collections::BTreeMap<String, String>>,
    /// Fields whose typed text is not yet a value (an amount that is not one):
    /// their answer is left out, and the step cannot be finished.
    pub unreadable: RwSignal<std::collections::BTreeSet<String>>,
    pub locale: Signal<String>,
}

impl Form {
    fn set(self, key: &str, value: Option<Value>) {
        self.answers.update(|answers| match value {
            Some(value) => {
                answers.insert(key.to_owned(), value);
            }
            None => {
                answers.remove(key);
            }
        });
        self.errors.update(|errors| {
            errors.remove(key);
        });
    }

    fn text(self, key: &str) -> String {
        self.answers.with(|answers| {
            answers
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        })
    }
}

/// One question: its label, help, who reads it, the control and its error.
#[component]
pub fn Question(field: Field, form: Form) -> impl IntoView {
    let key = field.key.clone();
    let id = format!("q-{key}");
    let help_id = format!("{id}-help");
    let error_id = format!("{id}-error");
    let locale = form.locale;
    let label = {
        let label = field.label.clone();
        move || label.get(&locale.get()).to_owned()
    };
    let help = field.help.clone();
    let has_help = help.is_some();
    let error = {
        let key = key.clone();
        Signal::derive(move || form.errors.with(|errors| errors.get(&key).cloned()))
    };
    let described = {
        let (help_id, error_id) = (help_id.clone(), error_id.clone());
        move || {
            let mut ids = vec![format!("{help_id}-who")];
            if has_help {
                ids.push(help_id.clone());
            }
            if error.with(Option::is_some) {
                ids.push(error_id.clone());
            }
            ids.join(" ")
        }
    };
    let invalid = move || error.with(Option::is_some).then_some("true");
    let required = field.required;
    let marker = move || {
        if required {
            tr!("intake-required-marker")()
        } else {
            tr!("intake-optional-marker")()
        }
    };
    let hints = view! {
        {help.map(|help| {
            view! {
                <p id=help_id.clone() class="field-hint intake-help">
                    {move || help.get(&locale.get()).to_owned()}
                </p>
            }
        })}
        <p id=format!("{help_id}-who") class="intake-who" data-visibility=format!("{:?}", field.visibility)>
            {visibility_text(field.visibility)}
        </p>
    };
    let error_view = {
        let error_id = error_id.clone();
        move || {
            error.get().map(|reason| {
                view! {
                    <p id=error_id.clone() class="field-error">
                        {reason_text(&reason)}
                    </p>
                }
            })
        }
    };
    let control = match field.kind.clone() {
        FieldKind::Text {
            multiline,
            max_length,
        } => {
            let key = key.clone();
            let value = {
                let key = key.clone();
                move || form.text(&key)
            };
            let on_input = move |event| {
                let text = event_target_value(&event);
                form.set(
                    &key,
                    (!text.trim().is_empty()).then_some(Value::String(text)),
                );
            };
            let counter = {
                let value = value.clone();
                move || {
                    let used = value().chars().count() as i64;
                    tr!(
                        "intake-characters",
                        used = used,
                        max = i64::from(max_length)
                    )()
                }
            };
            if multiline {
                view! {
                    <textarea
                        id=id.clone()
                        name=id.clone()
                        rows="6"
                        maxlength=max_length
                        required=required
                        aria-invalid=invalid
                        aria-describedby=described
                        prop:value=value
                        on:input=on_input
                    ></textarea>
                    <p class="hint intake-counter">{counter}</p>
                }
                .into_any()
            } else {
                view! {
                    <input
                        id=id.clone()
                        name=id.clone()
                        type="text"
                        maxlength=max_length
                        required=required
                        aria-invalid=invalid
                        aria-describedby=described
                        prop:value=value
                        on:input=on_input
                    />
                }
                .into_any()
            }
        }
        FieldKind::Date => {
            let key = key.clone();
            let value = {
                let key = key.clone();
                move || form.text(&key)
            };
            view! {
                <input
                    id=id.clone()
                    name=id.clone()
                    type="date"
                    required=required
                    aria-invalid=invalid
                    aria-describedby=described
                    prop:value=value
                    on:input=move |event| {
                        let text = event_target_value(&event);
                        form.set(&key, (!text.trim().is_empty()).then_some(Value::String(text)));
                    }
                />
            }
            .into_any()
        }
        FieldKind::Money { currency } => {
            let initial = form.answers.with_untracked(|answers| {
                answers
                    .get(&key)
                    .and_then(|v| v.get("amountMinor"))
                    .and_then(Value::as_i64)
                    .map(|minor| money::format(minor, &locale.get_untracked()))
                    .unwrap_or_default()
            });
            let typed = RwSignal::new(initial);
            let key = key.clone();
            view! {
                <div class="money-input">
                    <input
                        id=id.clone()
                        name=id.clone()
                        type="text"
                        inputmode="decimal"
                        autocomplete="off"
                        required=required
                        aria-invalid=invalid
                        aria-describedby=described
                        prop:value=move || typed.get()
                        on:input=move |event| {
                            let text = event_target_value(&event);
                            typed.set(text.clone());
                            let parsed = money::parse(&text, &locale.get_untracked());
                            let unreadable = parsed.is_none() && !text.trim().is_empty();
                            form.set(&key, parsed.map(|minor| json!({ "amountMinor": minor })));
                            form.unreadable.update(|u| {
                                if unreadable {
                                    u.insert(key.clone());
                                } else {
                                    u.remove(&key);
                                }
                            });
                        }
                    />
                    <span class="money-currency" aria-hidden="true">{currency.clone()}</span>
                </div>
                <p class="hint">{tr!("intake-money-hint", currency = currency)}</p>
            }
            .into_any()
        }
        FieldKind::Choice { options, multiple } => {
            let name = id.clone();
            let choices = options
                .into_iter()
                .enumerate()
                .map(|(i, option)| {
                    let option_id = format!("{name}-{i}");
                    let option_key = option.key.clone();
                    let checked = {
                        let (key, option_key) = (key.clone(), option_key.clone());
                        move || {
                            form.answers.with(|answers| match answers.get(&key) {
                                Some(Value::Array(items)) => {
                                    items.iter().any(|v| v.as_str() == Some(&option_key))
                                }
                                Some(Value::String(chosen)) => chosen == &option_key,
                                _ => false,
                            })
                        }
                    };
                    let key = key.clone();
                    let on_change = move |event| {
                        let on = event_target_checked(&event);
                        if multiple {
                            let mut chosen: Vec<Value> = form.answers.with_untracked(|answers| {
                                answers
                                    .get(&key)
                                    .and_then(Value::as_array)
                                    .cloned()
                                    .unwrap_or_default()
                            });
                            chosen.retain(|v| v.as_str() != Some(&option_key));
                            if on {
                                chosen.push(Value::String(option_key.clone()));
                            }
                            form.set(&key, (!chosen.is_empty()).then_some(Value::Array(chosen)));
                        } else if on {
                            form.set(&key, Some(Value::String(option_key.clone())));
                        }
                    };
                    let label = option.label.clone();
                    view! {
                        <div class="field-check">
                            <input
                                id=option_id.clone()
                                name=name.clone()
                                type=if multiple { "checkbox" } else { "radio" }
                                prop:checked=checked
                                on:change=on_change
                            />
                            <label for=option_id>{move || label.get(&locale.get()).to_owned()}</label>
                        </div>
                    }
                })
                .collect_view();
            return view! {
                <fieldset
                    class="checkbox-group intake-question"
                    id=id.clone()
                    aria-invalid=invalid
                    aria-describedby=described
                >
                    <legend>{label} " " <span class="hint">{marker}</span></legend>
                    {hints}
                    {choices}
                    {error_view}
                </fieldset>
            }
            .into_any();
        }
        FieldKind::OtherParty => {
            let part = {
                let key = key.clone();
                move |which: &'static str| {
                    let key = key.clone();
                    move || {
                        form.answers.with(|answers| {
                            answers
                                .get(&key)
                                .and_then(|v| v.get(which))
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .to_owned()
                        })
                    }
                }
            };
            let update = move |which: &'static str| {
                let key = key.clone();
                move |event| {
                    let text = event_target_value(&event);
                    let mut object = form.answers.with_untracked(|answers| {
                        answers
                            .get(&key)
                            .and_then(Value::as_object)
                            .cloned()
                            .unwrap_or_default()
                    });
                    object.insert(which.to_owned(), Value::String(text));
                    let empty = object
                        .values()
                        .all(|v| v.as_str().is_none_or(|s| s.trim().is_empty()));
                    form.set(&key, (!empty).then_some(Value::Object(object)));
                }
            };
            let (name_id, email_id) = (format!("{id}-name"), format!("{id}-email"));
            return view! {
                <fieldset
                    class="checkbox-group intake-question"
                    id=id.clone()
                    aria-describedby=described
                >
                    <legend>{label} " " <span class="hint">{marker}</span></legend>
                    {hints}
                    <div class="field">
                        <label for=name_id.clone()>{tr!("intake-other-party-name")}</label>
                        <input
                            id=name_id.clone()
                            name=name_id
                            type="text"
                            maxlength="200"
                            autocomplete="off"
                            aria-invalid=invalid
                            prop:value=part("name")
                            on:input=update("name")
                        />
                    </div>
                    <div class="field">
                        <label for=email_id.clone()>{tr!("intake-other-party-email")}</label>
                        <input
                            id=email_id.clone()
                            name=email_id
                            type="email"
                            autocomplete="off"
                            aria-invalid=invalid
                            prop:value=part("email")
                            on:input=update("email")
                        />
                        <p class="hint">{tr!("intake-other-party-email-hint")}</p>
                    </div>
                    {error_view}
                </fieldset>
            }
            .into_any();
        }
        FieldKind::UploadPlaceholder => {
            // Nothing to answer: the label says what to expect.
            return view! {
                <div class="field intake-question" id=id.clone()>
                    <p>{label}</p>
                </div>
            }
            .into_any();
        }
    };
    view! {
        <div class="field intake-question">
            <label for=id.clone()>{label} " " <span class="hint">{marker}</span></label>
            {hints}
            {control}
            {error_view}
        </div>
    }
    .into_any()
}

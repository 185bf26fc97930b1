//! Intake answers as people read them: the claimant's review, each side's
//! intake on the case pages of both portals.

use leptos::prelude::*;
use serde_json::Value;
use shared_types::intake::{Field, FieldKind, TemplateDefinition};

use crate::i18n::use_i18n;

/// A submitted intake's answers, labelled from its template, in template order
/// (only the answers the reader was given).
#[component]
pub fn IntakeAnswers(definition: TemplateDefinition, answers: Value) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.locale().tag();
    let answers = answers.as_object().cloned().unwrap_or_default();
    let rows = definition
        .sections
        .iter()
        .flat_map(|s| s.fields.iter())
        .filter(|f| f.kind != FieldKind::UploadPlaceholder)
        .filter_map(|field| {
            let value = answers.get(&field.key)?;
            Some(view! {
                <div data-field=field.key.clone()>
                    <dt>{field.label.get(locale).to_owned()}</dt>
                    <dd class="intake-answer">{answer_text(field, Some(value), locale)}</dd>
                </div>
            })
        })
        .collect_view();
    view! { <dl class="details">{rows}</dl> }
}

/// An answer as the review and the case overview show it.
pub fn answer_text(field: &Field, value: Option<&Value>, locale: &str) -> String {
    let Some(value) = value else {
        return crate::tr!("intake-not-answered")();
    };
    match &field.kind {
        FieldKind::Text { .. } | FieldKind::Date => {
            let text = value.as_str().unwrap_or_default();
            match field.kind {
                FieldKind::Date => crate::intl::format_calendar_date(text, locale_of(locale))
                    .unwrap_or_else(|| text.to_owned()),
                _ => text.to_owned(),
            }
        }
        FieldKind::Money { currency } => value
            .get("amountMinor")
            .and_then(Value::as_i64)
            .map(|minor| format!("{} {currency}", crate::money::format(minor, locale)))
            .unwrap_or_default(),
        FieldKind::Choice { options, .. } => {
            let label = |key: &str| {
                options
                    .iter()
                    .find(|o| o.key == key)
                    .map_or_else(|| key.to_owned(), |o| o.label.get(locale).to_owned())
            };
            match value {
                Value::Array(items) => items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(label)
                    .collect::<Vec<_>>()
                    .join(", "),
                Value::String(key) => label(key),
                _ => String::new(),
            }
        }
        FieldKind::OtherParty => {
            let part = |which| value.get(which).and_then(Value::as_str).unwrap_or_default();
            match part("email") {
                "" => part("name").to_owned(),
                email => format!("{} ({email})", part("name")),
            }
        }
        FieldKind::UploadPlaceholder => crate::tr!("intake-upload-later")(),
    }
}

fn locale_of(tag: &str) -> shared_types::Locale {
    shared_types::Locale::parse(tag).unwrap_or(shared_types::Locale::En)
}

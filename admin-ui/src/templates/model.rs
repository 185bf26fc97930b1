//! The template being edited: a signal per thing an admin can change, so
//! typing in one question never redraws the others, and the conversion to
//! and from the template the API stores. Keys, which answers are stored
//! under, are kept for existing questions and made from the label for new
//! ones: admins never have to invent them.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU32, Ordering};

use leptos::prelude::*;
use shared_types::intake::{
    Audience, ChoiceOption, Field, FieldError, FieldKind, FieldVisibility, LocalizedText, Section,
    TemplateDefinition,
};

static NEXT_ID: AtomicU32 = AtomicU32::new(1);

/// A fresh id for a row of the editor (DOM ids and list keys).
fn next_id() -> u32 {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

/// Text in English and Spanish (the portals' languages); any other language
/// an organization wrote through the API is kept as it was.
#[derive(Clone, Copy)]
pub struct Text {
    pub en: RwSignal<String>,
    pub es: RwSignal<String>,
    others: StoredValue<BTreeMap<String, String>>,
}

impl Text {
    fn empty() -> Self {
        Self::from(&LocalizedText(BTreeMap::new()))
    }

    fn from(text: &LocalizedText) -> Self {
        let mut others = text.0.clone();
        let en = others.remove("en").unwrap_or_default();
        let es = others.remove("es").unwrap_or_default();
        Self {
            en: RwSignal::new(en),
            es: RwSignal::new(es),
            others: StoredValue::new(others),
        }
    }

    fn from_opt(text: Option<&LocalizedText>) -> Self {
        text.map_or_else(Self::empty, Self::from)
    }

    /// The text as stored: languages left blank are left out (readers fall
    /// back to English).
    fn to_text(self) -> LocalizedText {
        let mut all = self.others.get_value();
        for (lang, value) in [("en", self.en), ("es", self.es)] {
            let value = value.get_untracked().trim().to_owned();
            if !value.is_empty() {
                all.insert(lang.into(), value);
            }
        }
        LocalizedText(all)
    }

    fn to_opt(self) -> Option<LocalizedText> {
        Some(self.to_text()).filter(|t| !t.0.is_empty())
    }

    /// What to call the row in buttons and headings.
    pub fn display(self) -> String {
        let en = self.en.get();
        if en.trim().is_empty() {
            self.es.get()
        } else {
            en
        }
    }
}

/// The kinds of question, as the editor offers them.
pub const KINDS: [&str; 7] = [
    "short_text",
    "long_text",
    "date",
    "money",
    "choice",
    "other_party",
    "upload",
];

#[derive(Clone, Copy)]
pub struct ChoiceModel {
    pub id: u32,
    key: StoredValue<String>,
    pub label: Text,
}

impl ChoiceModel {
    pub fn new() -> Self {
        Self {
            id: next_id(),
            key: StoredValue::new(String::new()),
            label: Text::empty(),
        }
    }
}

#[derive(Clone, Copy)]
pub struct FieldModel {
    pub id: u32,
    key: StoredValue<String>,
    pub label: Text,
    pub help: Text,
    pub kind: RwSignal<String>,
    pub max_length: RwSignal<String>,
    pub currency: RwSignal<String>,
    pub multiple: RwSignal<bool>,
    pub choices: RwSignal<Vec<ChoiceModel>>,
    pub required: RwSignal<bool>,
    pub visibility: RwSignal<String>,
}

impl FieldModel {
    pub fn new() -> Self {
        Self::from(&Field {
            key: String::new(),
            label: LocalizedText(BTreeMap::new()),
            help: None,
            kind: FieldKind::Text {
                multiline: false,
                max_length: 500,
            },
            required: false,
            visibility: FieldVisibility::Shared,
        })
    }

    fn from(field: &Field) -> Self {
        let (kind, max_length, currency, multiple, choices) = match &field.kind {
            FieldKind::Text {
                multiline,
                max_length,
            } => (
                if *multiline {
                    "long_text"
                } else {
                    "short_text"
                },
                *max_length,
                "USD".to_owned(),
                false,
                Vec::new(),
            ),
            FieldKind::Date => ("date", 500, "USD".into(), false, Vec::new()),
            FieldKind::Money { currency } => ("money", 500, currency.clone(), false, Vec::new()),
            FieldKind::Choice { options, multiple } => (
                "choice",
                500,
                "USD".into(),
                *multiple,
                options
                    .iter()
                    .map(|o| ChoiceModel {
                        id: next_id(),
                        key: StoredValue::new(o.key.clone()),
                        label: Text::from(&o.label),
                    })
                    .collect(),
            ),
            FieldKind::OtherParty => ("other_party", 500, "USD".into(), false, Vec::new()),
            FieldKind::UploadPlaceholder => ("upload", 500, "USD".into(), false, Vec::new()),
        };
        Self {
            id: next_id(),
            key: StoredValue::new(field.key.clone()),
            label: Text::from(&field.label),
            help: Text::from_opt(field.help.as_ref()),
            kind: RwSignal::new(kind.to_owned()),
            max_length: RwSignal::new(max_length.to_string()),
            currency: RwSignal::new(currency),
            multiple: RwSignal::new(multiple),
            choices: RwSignal::new(choices),
            required: RwSignal::new(field.required),
            visibility: RwSignal::new(
                match field.visibility {
                    FieldVisibility::Shared => "shared",
                    FieldVisibility::Private => "private",
                }
                .to_owned(),
            ),
        }
    }
}

#[derive(Clone, Copy)]
pub struct SectionModel {
    pub id: u32,
    key: StoredValue<String>,
    pub title: Text,
    pub help: Text,
    pub audience: RwSignal<String>,
    pub fields: RwSignal<Vec<FieldModel>>,
}

impl SectionModel {
    pub fn new() -> Self {
        Self {
            id: next_id(),
            key: StoredValue::new(String::new()),
            title: Text::empty(),
            help: Text::empty(),
            audience: RwSignal::new("claimant".into()),
            fields: RwSignal::new(vec![FieldModel::new()]),
        }
    }

    fn from(section: &Section) -> Self {
        Self {
            id: next_id(),
            key: StoredValue::new(section.key.clone()),
            title: Text::from(&section.title),
            help: Text::from_opt(section.help.as_ref()),
            audience: RwSignal::new(
                match section.audience {
                    Audience::Claimant => "claimant",
                    Audience::Respondent => "respondent",
                    Audience::Both => "both",
                }
                .to_owned(),
            ),
            fields: RwSignal::new(section.fields.iter().map(FieldModel::from).collect()),
        }
    }
}

/// The editor's rows for a stored template.
pub fn load(definition: &TemplateDefinition) -> Vec<SectionModel> {
    definition.sections.iter().map(SectionModel::from).collect()
}

/// A new dispute type starts with what every intake needs: who the other
/// side is and what happened.
pub fn starter(other_side: &str, what_happened: &str, section: &str) -> Vec<SectionModel> {
    let other = FieldModel::new();
    other.kind.set("other_party".into());
    other.label.en.set(other_side.into());
    other.required.set(true);
    let story = FieldModel::new();
    story.kind.set("long_text".into());
    story.max_length.set("5000".into());
    story.label.en.set(what_happened.into());
    story.required.set(true);
    story.visibility.set("private".into());
    let first = SectionModel::new();
    first.title.en.set(section.into());
    first.fields.set(vec![other, story]);
    vec![first]
}

/// A key made from a label: lower-case ASCII letters, digits and `_`,
/// starting with a letter, unique among `taken`.
pub fn key_from(label: &str, fallback: &str, taken: &mut BTreeSet<String>) -> String {
    let mut key = String::new();
    for c in label.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || (c.is_ascii_digit() && !key.is_empty()) {
            key.push(c);
        } else if !key.is_empty() && !key.ends_with('_') {
            key.push('_');
        }
        if key.len() >= 32 {
            break;
        }
    }
    let base = match key.trim_end_matches('_') {
        "" => fallback.to_owned(),
        trimmed => trimmed.to_owned(),
    };
    let mut candidate = base.clone();
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = format!("{base}_{n}");
        n += 1;
    }
    taken.insert(candidate.clone());
    candidate
}

/// Where in the editor a problem the template check found is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The DOM id of the control to fix (the error summary links to it).
    pub anchor: String,
    /// What is wrong with it: the check's reason with the place it applies.
    pub what: &'static str,
    pub reason: &'static str,
}

/// The template the rows describe, and a way back from the check's paths
/// (`sections.1.fields.0.label`) to the controls.
pub fn build(sections: &[SectionModel]) -> (TemplateDefinition, Vec<Problem>) {
    // Existing keys stay as they are; new rows take keys that are free.
    let mut field_keys: BTreeSet<String> = BTreeSet::new();
    let mut section_keys: BTreeSet<String> = BTreeSet::new();
    for section in sections {
        let key = section.key.get_value();
        if !key.is_empty() {
            section_keys.insert(key);
        }
        for field in section.fields.get_untracked() {
            let key = field.key.get_value();
            if !key.is_empty() {
                field_keys.insert(key);
            }
        }
    }
    let mut problems = Vec::new();
    let mut out = Vec::new();
    for (i, section) in sections.iter().enumerate() {
        if section.key.get_value().is_empty() {
            let title = section.title.en.get_untracked();
            let key = key_from(&title, &format!("section_{}", i + 1), &mut section_keys);
            section.key.set_value(key);
        }
        let mut fields = Vec::new();
        for (j, field) in section.fields.get_untracked().into_iter().enumerate() {
            if field.key.get_value().is_empty() {
                let label = field.label.en.get_untracked();
                let key = key_from(
                    &label,
                    &format!("question_{}_{}", i + 1, j + 1),
                    &mut field_keys,
                );
                field.key.set_value(key);
            }
            let kind = match field.kind.get_untracked().as_str() {
                kind @ ("short_text" | "long_text") => {
                    let max_length = field.max_length.get_untracked().trim().parse().unwrap_or(0);
                    FieldKind::Text {
                        multiline: kind == "long_text",
                        max_length,
                    }
                }
                "date" => FieldKind::Date,
                "money" => FieldKind::Money {
                    currency: field.currency.get_untracked().trim().to_ascii_uppercase(),
                },
                "choice" => {
                    let mut taken = BTreeSet::new();
                    let choices = field.choices.get_untracked();
                    for choice in &choices {
                        let key = choice.key.get_value();
                        if !key.is_empty() {
                            taken.insert(key);
                        }
                    }
                    let options = choices
                        .iter()
                        .enumerate()
                        .map(|(n, choice)| {
                            if choice.key.get_value().is_empty() {
                                let label = choice.label.en.get_untracked();
                                let key =
                                    key_from(&label, &format!("choice_{}", n + 1), &mut taken);
                                choice.key.set_value(key);
                            }
                            ChoiceOption {
                                key: choice.key.get_value(),
                                label: choice.label.to_text(),
                            }
                        })
                        .collect();
                    FieldKind::Choice {
                        options,
                        multiple: field.multiple.get_untracked(),
                    }
                }
                "other_party" => FieldKind::OtherParty,
                _ => FieldKind::UploadPlaceholder,
            };
            fields.push(Field {
                key: field.key.get_value(),
                label: field.label.to_text(),
                help: field.help.to_opt(),
                kind,
                required: field.required.get_untracked(),
                visibility: if field.visibility.get_untracked() == "private" {
                    FieldVisibility::Private
                } else {
                    FieldVisibility::Shared
                },
            });
        }
        out.push(Section {
            key: section.key.get_value(),
            title: section.title.to_text(),
            help: section.help.to_opt(),
            audience: match section.audience.get_untracked().as_str() {
                "respondent" => Audience::Respondent,
                "both" => Audience::Both,
                _ => Audience::Claimant,
            },
            fields,
        });
    }
    let definition = TemplateDefinition { sections: out };
    if let Err(errors) = definition.check() {
        for error in errors {
            problems.push(locate(sections, &error));
        }
    }
    (definition, problems)
}

/// The control a check error points at.
fn locate(sections: &[SectionModel], error: &FieldError) -> Problem {
    let parts: Vec<&str> = error.field.split('.').collect();
    let section = |i: &str| i.parse::<usize>().ok().and_then(|i| sections.get(i));
    let (anchor, what) = match parts.as_slice() {
        ["sections", i, "fields", j, attr] => {
            let field = section(i).and_then(|s| {
                j.parse::<usize>()
                    .ok()
                    .and_then(|j| s.fields.get_untracked().get(j).copied())
            });
            match (field, *attr) {
                (Some(f), "label") => (format!("f{}-label-en", f.id), "label"),
                (Some(f), "help") => (format!("f{}-help-en", f.id), "help"),
                (Some(f), "maxLength") => (format!("f{}-max", f.id), "max_length"),
                (Some(f), "currency") => (format!("f{}-currency", f.id), "currency"),
                (Some(f), "options") => (format!("f{}-choices", f.id), "choices"),
                (Some(f), "type") => (format!("f{}-kind", f.id), "kind"),
                (Some(f), "required") => (format!("f{}-required", f.id), "required"),
                (Some(f), _) => (format!("f{}-label-en", f.id), "key"),
                (None, _) => ("template-sections".into(), "sections"),
            }
        }
        ["sections", i, attr] => match (section(i), *attr) {
            (Some(s), "title") => (format!("s{}-title-en", s.id), "title"),
            (Some(s), "help") => (format!("s{}-help-en", s.id), "section_help"),
            (Some(s), "fields") => (format!("s{}-add-field", s.id), "fields"),
            (Some(s), _) => (format!("s{}-title-en", s.id), "section_key"),
            (None, _) => ("template-sections".into(), "sections"),
        },
        _ => ("template-sections".into(), "sections"),
    };
    Problem {
        anchor,
        what,
        reason: error.reason,
    }
}

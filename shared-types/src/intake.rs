//! Intake templates: what a dispute type's intake asks, in sections of typed
//! fields, with required rules, help text and who may read each answer. Pure
//! logic: checking a template an organization writes, and checking answers
//! against it, step by step or whole. The API enforces these rules; the client
//! portal's wizard runs the same ones before it saves a step.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const MAX_SECTIONS: usize = 20;
pub const MAX_FIELDS: usize = 40;
pub const MAX_CHOICES: usize = 50;
/// Free text longer than this is refused (a narrative may set less).
pub const MAX_TEXT: u32 = 20_000;
/// Money amounts are in minor units, below a trillion.
pub const MAX_MONEY_MINOR: i64 = 1_000_000_000_000;

/// One invalid input among several: the field's path and a machine reason
/// (`required`, `too_long`, …) the portals translate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub reason: &'static str,
}

impl FieldError {
    pub fn new(field: String, reason: &'static str) -> Self {
        Self { field, reason }
    }
}

/// Text in the languages an organization writes it in (`en`, `es`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalizedText(pub BTreeMap<String, String>);

impl LocalizedText {
    pub fn en_es(en: &str, es: &str) -> Self {
        Self(BTreeMap::from([
            ("en".to_owned(), en.to_owned()),
            ("es".to_owned(), es.to_owned()),
        ]))
    }

    /// The text in `locale`, else English, else any.
    pub fn get(&self, locale: &str) -> &str {
        self.0
            .get(locale)
            .or_else(|| self.0.get("en"))
            .or_else(|| self.0.values().next())
            .map(String::as_str)
            .unwrap_or("")
    }
}

/// Who fills a section in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    Claimant,
    Respondent,
    Both,
}

impl Audience {
    pub fn includes(self, who: Audience) -> bool {
        self == Audience::Both || self == who
    }
}

/// Who may read an answer once the intake is submitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldVisibility {
    /// Everyone on the case, the other side included.
    Shared,
    /// The answering side, the mediator and the case manager running the case.
    Private,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChoiceOption {
    pub key: String,
    pub label: LocalizedText,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FieldKind {
    Text {
        #[serde(default)]
        multiline: bool,
        max_length: u32,
    },
    Date,
    /// An amount in minor units (cents) of the given ISO 4217 currency.
    Money {
        currency: String,
    },
    Choice {
        options: Vec<ChoiceOption>,
        #[serde(default)]
        multiple: bool,
    },
    /// A person or organization on the other side: name, and an email address
    /// to invite them by when known. Creates a respondent party.
    OtherParty,
    /// Documents come with the document service; the field explains that
    /// they can be shared later and takes no answer now.
    UploadPlaceholder,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    pub key: String,
    pub label: LocalizedText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<LocalizedText>,
    #[serde(flatten)]
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    pub visibility: FieldVisibility,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    pub key: String,
    pub title: LocalizedText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<LocalizedText>,
    pub audience: Audience,
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateDefinition {
    pub sections: Vec<Section>,
}

/// One answered intake: field key → value.
pub type Answers = BTreeMap<String, Value>;

fn key_ok(key: &str) -> bool {
    let mut chars = key.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && key.len() <= 40
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn text_ok(text: &LocalizedText, max: usize) -> bool {
    !text.0.is_empty()
        && text.0.len() <= 10
        && text.0.iter().all(|(lang, t)| {
            (2..=8).contains(&lang.len()) && !t.trim().is_empty() && t.chars().count() <= max
        })
}

impl TemplateDefinition {
    /// Checks a template an organization wrote: keys, sizes, labels, and that
    /// the claimant's part names the other side exactly once.
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut bad =
            |path: String, reason: &'static str| errors.push(FieldError::new(path, reason));
        if self.sections.is_empty() || self.sections.len() > MAX_SECTIONS {
            bad("sections".into(), "count");
        }
        let mut keys: Vec<&str> = Vec::new();
        let mut other_parties = 0;
        for (i, section) in self.sections.iter().enumerate() {
            let at = format!("sections.{i}");
            if !key_ok(&section.key) {
                bad(format!("{at}.key"), "format");
            }
            if !text_ok(&section.title, 200) {
                bad(format!("{at}.title"), "length");
            }
            if section.help.as_ref().is_some_and(|h| !text_ok(h, 1000)) {
                bad(format!("{at}.help"), "length");
            }
            if section.fields.is_empty() || section.fields.len() > MAX_FIELDS {
                bad(format!("{at}.fields"), "count");
            }
            for (j, field) in section.fields.iter().enumerate() {
                let at = format!("{at}.fields.{j}");
                if !key_ok(&field.key) {
                    bad(format!("{at}.key"), "format");
                } else if keys.contains(&field.key.as_str()) {
                    bad(format!("{at}.key"), "duplicate");
                } else {
                    keys.push(&field.key);
                }
                if !text_ok(&field.label, 200) {
                    bad(format!("{at}.label"), "length");
                }
                if field.help.as_ref().is_some_and(|h| !text_ok(h, 1000)) {
                    bad(format!("{at}.help"), "length");
                }
                match &field.kind {
                    FieldKind::Text { max_length, .. } => {
                        if *max_length == 0 || *max_length > MAX_TEXT {
                            bad(format!("{at}.maxLength"), "range");
                        }
                    }
                    FieldKind::Money { currency } => {
                        if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_uppercase())
                        {
                            bad(format!("{at}.currency"), "format");
                        }
                    }
                    FieldKind::Choice { options, .. } => {
                        if options.is_empty() || options.len() > MAX_CHOICES {
                            bad(format!("{at}.options"), "count");
                        }
                        let mut seen: Vec<&str> = Vec::new();
                        for option in options {
                            if !key_ok(&option.key) || seen.contains(&option.key.as_str()) {
                                bad(format!("{at}.options"), "format");
                            }
                            seen.push(&option.key);
                            if !text_ok(&option.label, 200) {
                                bad(format!("{at}.options"), "length");
                            }
                        }
                    }
                    FieldKind::OtherParty => {
                        if section.audience != Audience::Claimant {
                            bad(format!("{at}.type"), "claimant_only");
                        }
                        other_parties += 1;
                    }
                    FieldKind::UploadPlaceholder => {
                        if field.required {
                            bad(format!("{at}.required"), "not_answerable");
                        }
                    }
                    FieldKind::Date => {}
                }
            }
        }
        if other_parties != 1 {
            bad("sections".into(), "other_party");
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    pub fn sections_for(&self, who: Audience) -> impl Iterator<Item = &Section> {
        self.sections
            .iter()
            .filter(move |s| s.audience.includes(who))
    }

    pub fn field(&self, key: &str) -> Option<&Field> {
        self.sections
            .iter()
            .flat_map(|s| s.fields.iter())
            .find(|f| f.key == key)
    }

    /// Checks the answers of one section (a wizard step), or of every section
    /// `who` fills in when `section` is `None`. Answers to fields outside that
    /// part are refused, so nothing unexpected is stored.
    pub fn check_answers(
        &self,
        who: Audience,
        section: Option<&str>,
        answers: &Answers,
    ) -> Result<(), Vec<FieldError>> {
        let sections: Vec<&Section> = self
            .sections_for(who)
            .filter(|s| section.is_none_or(|k| s.key == k))
            .collect();
        if sections.is_empty() {
            return Err(vec![FieldError::new("section".into(), "unknown")]);
        }
        let mut errors = Vec::new();
        for section in &sections {
            for field in &section.fields {
                match answers.get(&field.key) {
                    None | Some(Value::Null) => {
                        if field.required {
                            errors.push(FieldError::new(field.key.clone(), "required"));
                        }
                    }
                    Some(value) => {
                        if let Err(reason) = check_value(&field.kind, value) {
                            errors.push(FieldError::new(field.key.clone(), reason));
                        }
                    }
                }
            }
        }
        if section.is_none() {
            for key in answers.keys() {
                let known = sections
                    .iter()
                    .any(|s| s.fields.iter().any(|f| &f.key == key));
                if !known {
                    errors.push(FieldError::new(key.clone(), "unknown"));
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Drops answers to fields `who` does not fill in (a draft may hold
    /// answers of a section only partly done; those stay).
    pub fn unknown_keys<'a>(&self, who: Audience, answers: &'a Answers) -> Vec<&'a str> {
        answers
            .keys()
            .filter(|k| {
                !self
                    .sections_for(who)
                    .any(|s| s.fields.iter().any(|f| &f.key == *k))
            })
            .map(String::as_str)
            .collect()
    }

    /// The answers another reader may see: shared fields only unless
    /// `private_too`.
    pub fn visible_answers(&self, answers: &Answers, private_too: bool) -> Answers {
        answers
            .iter()
            .filter(|(key, _)| {
                self.field(key)
                    .is_some_and(|f| private_too || f.visibility == FieldVisibility::Shared)
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// The other side as the claimant named them.
    pub fn other_party<'a>(&self, answers: &'a Answers) -> Option<(&'a str, Option<&'a str>)> {
        let field = self
            .sections
            .iter()
            .flat_map(|s| s.fields.iter())
            .find(|f| f.kind == FieldKind::OtherParty)?;
        let value = answers.get(&field.key)?;
        let name = value.get("name")?.as_str()?;
        let email = value
            .get("email")
            .and_then(Value::as_str)
            .filter(|e| !e.is_empty());
        Some((name.trim(), email))
    }
}

/// Checks one answer against its field's kind (a missing answer is the caller's
/// concern: see [`TemplateDefinition::check_answers`]).
pub fn check_value(kind: &FieldKind, value: &Value) -> Result<(), &'static str> {
    match kind {
        FieldKind::Text { max_length, .. } => {
            let text = value.as_str().ok_or("type")?;
            if text.trim().is_empty() {
                return Err("required");
            }
            if text.chars().count() > *max_length as usize {
                return Err("too_long");
            }
            Ok(())
        }
        FieldKind::Date => {
            let text = value.as_str().ok_or("type")?;
            NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| "format")?;
            Ok(())
        }
        FieldKind::Money { .. } => {
            let minor = value
                .get("amountMinor")
                .and_then(Value::as_i64)
                .ok_or("type")?;
            if !(0..MAX_MONEY_MINOR).contains(&minor) {
                return Err("range");
            }
            if value.as_object().is_some_and(|o| o.len() != 1) {
                return Err("type");
            }
            Ok(())
        }
        FieldKind::Choice { options, multiple } => {
            let known = |v: &Value| {
                v.as_str()
                    .is_some_and(|k| options.iter().any(|o| o.key == k))
            };
            match value {
                Value::Array(items) if *multiple => {
                    if items.is_empty() {
                        return Err("required");
                    }
                    if items.len() > options.len() || !items.iter().all(known) {
                        return Err("choice");
                    }
                    Ok(())
                }
                v if !*multiple => {
                    if known(v) {
                        Ok(())
                    } else {
                        Err("choice")
                    }
                }
                _ => Err("type"),
            }
        }
        FieldKind::OtherParty => {
            let object = value.as_object().ok_or("type")?;
            if object.keys().any(|k| k != "name" && k != "email") {
                return Err("type");
            }
            let name = object
                .get("name")
                .and_then(Value::as_str)
                .ok_or("name_required")?;
            if name.trim().is_empty() {
                return Err("name_required");
            }
            if name.chars().count() > 200 {
                return Err("too_long");
            }
            match object.get("email") {
                None | Some(Value::Null) => Ok(()),
                Some(Value::String(e)) if e.is_empty() => Ok(()),
                Some(Value::String(e)) => {
                    if email_address::EmailAddress::is_valid(e.trim()) && e.len() <= 254 {
                        Ok(())
                    } else {
                        Err("email")
                    }
                }
                Some(_) => Err("type"),
            }
        }
        FieldKind::UploadPlaceholder => Err("not_answerable"),
    }
}

//! Intake templates: what a dispute type's intake asks, in sections of typed
//! fields, with required rules, help text and who may read each answer. Pure
//! logic: checking a template an organization writes, and checking answers
//! against it, step by step or whole.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::FieldError;

pub const MAX_SECTIONS: usize = 20;
pub const MAX_FIELDS: usize = 40;
pub const MAX_CHOICES: usize = 50;
/// Free text longer than this is refused (a narrative may set less).
pub const MAX_TEXT: u32 = 20_000;
/// Money amounts are in minor units, below a trillion.
pub const MAX_MONEY_MINOR: i64 = 1_000_000_000_000;

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

fn check_value(kind: &FieldKind, value: &Value) -> Result<(), &'static str> {
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::cases::defaults;

    fn family() -> TemplateDefinition {
        defaults::definition("family")
    }

    fn complete_claimant() -> Answers {
        serde_json::from_value(json!({
            "summary": "We disagree about the children's holidays.",
            "topics": ["parenting"],
            "started_on": "2026-03-01",
            "other_party": { "name": "Riley Respondent", "email": "riley@example.org" },
            "narrative": "My account of what happened.",
            "desired_outcome": "A shared plan.",
            "safety_concern": "no",
            "interpreter": "none",
        }))
        .unwrap_or_default()
    }

    #[test]
    fn every_default_template_is_valid() {
        for dispute_type in defaults::DISPUTE_TYPES {
            let def = defaults::definition(dispute_type);
            assert_eq!(def.check(), Ok(()), "{dispute_type}");
            assert!(def.sections_for(Audience::Respondent).count() > 0);
        }
    }

    #[test]
    fn a_complete_claimant_intake_passes_and_names_the_other_side() {
        let def = family();
        let answers = complete_claimant();
        assert_eq!(
            def.check_answers(Audience::Claimant, None, &answers),
            Ok(())
        );
        assert_eq!(
            def.other_party(&answers),
            Some(("Riley Respondent", Some("riley@example.org")))
        );
    }

    #[test]
    fn missing_wrong_and_oversized_answers_are_named() {
        let def = family();
        let mut answers = complete_claimant();
        answers.remove("summary");
        answers.insert("started_on".into(), json!("01/03/2026"));
        answers.insert("narrative".into(), json!("x".repeat(MAX_TEXT as usize + 1)));
        answers.insert("safety_concern".into(), json!("maybe"));
        answers.insert(
            "other_party".into(),
            json!({ "name": "R", "email": "not-an-email" }),
        );
        answers.insert("injected".into(), json!("<script>"));
        let errors = def
            .check_answers(Audience::Claimant, None, &answers)
            .unwrap_err();
        let got: Vec<(String, &str)> = errors.iter().map(|e| (e.field.clone(), e.reason)).collect();
        for expected in [
            ("summary", "required"),
            ("started_on", "format"),
            ("narrative", "too_long"),
            ("safety_concern", "choice"),
            ("other_party", "email"),
            ("injected", "unknown"),
        ] {
            assert!(
                got.iter().any(|(f, r)| f == expected.0 && *r == expected.1),
                "{expected:?} in {got:?}"
            );
        }
    }

    #[test]
    fn one_step_checks_only_its_own_fields() {
        let def = family();
        let first = &def
            .sections_for(Audience::Claimant)
            .next()
            .map(|s| s.key.clone());
        let first = first.as_deref().unwrap_or_default();
        let only_first: Answers = serde_json::from_value(json!({
            "summary": "A summary.",
            "topics": ["parenting", "property"],
        }))
        .unwrap_or_default();
        assert_eq!(
            def.check_answers(Audience::Claimant, Some(first), &only_first),
            Ok(())
        );
        assert!(
            def.check_answers(Audience::Claimant, None, &only_first)
                .is_err()
        );
        assert!(
            def.check_answers(Audience::Claimant, Some("no_such_step"), &only_first)
                .is_err()
        );
    }

    #[test]
    fn the_other_side_sees_shared_answers_only() {
        let def = family();
        let answers = complete_claimant();
        let shared = def.visible_answers(&answers, false);
        assert!(shared.contains_key("summary"));
        assert!(!shared.contains_key("narrative"));
        assert!(!shared.contains_key("safety_concern"));
        assert_eq!(def.visible_answers(&answers, true).len(), answers.len());
    }

    #[test]
    fn bad_templates_are_refused() {
        let mut def = family();
        def.sections[0].fields[0].key = "Bad Key".into();
        let dup = def.sections[0].fields[1].clone();
        def.sections[0].fields.push(dup);
        def.sections[0].title = LocalizedText(BTreeMap::new());
        let errors = def.check().unwrap_err();
        let reasons: Vec<&str> = errors.iter().map(|e| e.reason).collect();
        assert!(reasons.contains(&"format"));
        assert!(reasons.contains(&"duplicate"));
        assert!(reasons.contains(&"length"));
        let no_other_side = TemplateDefinition {
            sections: family()
                .sections
                .into_iter()
                .map(|mut s| {
                    s.fields.retain(|f| f.kind != FieldKind::OtherParty);
                    s
                })
                .filter(|s| !s.fields.is_empty())
                .collect(),
        };
        assert!(no_other_side.check().is_err());
    }

    #[test]
    fn money_and_multiple_choice() {
        let money = FieldKind::Money {
            currency: "USD".into(),
        };
        assert_eq!(
            check_value(&money, &json!({ "amountMinor": 12_500 })),
            Ok(())
        );
        assert_eq!(
            check_value(&money, &json!({ "amountMinor": -1 })),
            Err("range")
        );
        assert_eq!(check_value(&money, &json!("12.50")), Err("type"));
        assert_eq!(
            check_value(&money, &json!({ "amountMinor": 1, "currency": "EUR" })),
            Err("type")
        );
        let choice = FieldKind::Choice {
            options: vec![
                ChoiceOption {
                    key: "a".into(),
                    label: LocalizedText::en_es("A", "A"),
                },
                ChoiceOption {
                    key: "b".into(),
                    label: LocalizedText::en_es("B", "B"),
                },
            ],
            multiple: true,
        };
        assert_eq!(check_value(&choice, &json!(["a", "b"])), Ok(()));
        assert_eq!(check_value(&choice, &json!(["a", "c"])), Err("choice"));
        assert_eq!(check_value(&choice, &json!([])), Err("required"));
        assert_eq!(check_value(&choice, &json!("a")), Err("type"));
    }
}

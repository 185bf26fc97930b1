//! Intake templates (the types and rules live in `shared_types::intake`, so
//! the client portal checks a wizard step the way the API does).

pub use shared_types::intake::*;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use std::collections::BTreeMap;

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

//! The intake templates an organization starts with, one per common dispute
//! type, in English and Spanish. Organizations change them in the admin
//! portal; each change is a new version.

use super::template::{
    Audience, ChoiceOption, Field, FieldKind, FieldVisibility, LocalizedText, Section,
    TemplateDefinition,
};

pub const DISPUTE_TYPES: &[&str] = &[
    "family",
    "workplace",
    "commercial",
    "landlord_tenant",
    "small_claims",
];

fn t(en: &str, es: &str) -> LocalizedText {
    LocalizedText::en_es(en, es)
}

fn text(key: &str, label: LocalizedText, help: Option<LocalizedText>, max: u32) -> Field {
    Field {
        key: key.into(),
        label,
        help,
        kind: FieldKind::Text {
            multiline: max > 200,
            max_length: max,
        },
        required: false,
        visibility: FieldVisibility::Shared,
    }
}

fn choice(key: &str, label: LocalizedText, options: &[(&str, &str, &str)]) -> Field {
    Field {
        key: key.into(),
        label,
        help: None,
        kind: FieldKind::Choice {
            options: options
                .iter()
                .map(|(k, en, es)| ChoiceOption {
                    key: (*k).into(),
                    label: t(en, es),
                })
                .collect(),
            multiple: false,
        },
        required: true,
        visibility: FieldVisibility::Private,
    }
}

fn required(mut f: Field) -> Field {
    f.required = true;
    f
}

fn private(mut f: Field) -> Field {
    f.visibility = FieldVisibility::Private;
    f
}

/// The display name of a default dispute type.
pub fn name(dispute_type: &str) -> &'static str {
    match dispute_type {
        "family" => "Family",
        "workplace" => "Workplace",
        "commercial" => "Commercial",
        "landlord_tenant" => "Landlord and tenant",
        _ => "Small claims",
    }
}

/// What the "about the dispute" step asks beyond the summary, by type.
fn specifics(dispute_type: &str) -> Vec<Field> {
    let amount = |label: LocalizedText| Field {
        key: "amount_in_dispute".into(),
        label,
        help: Some(t(
            "An estimate is fine. Leave it empty if money is not part of the dispute.",
            "Basta con una estimación. Déjelo vacío si el dinero no forma parte del conflicto.",
        )),
        kind: FieldKind::Money {
            currency: "USD".into(),
        },
        required: false,
        visibility: FieldVisibility::Shared,
    };
    match dispute_type {
        "family" => vec![Field {
            kind: FieldKind::Choice {
                options: ["parenting", "support", "property", "other"]
                    .iter()
                    .zip([
                        ("Parenting and children", "Crianza e hijos"),
                        ("Financial support", "Manutención"),
                        ("Property", "Bienes"),
                        ("Something else", "Otra cosa"),
                    ])
                    .map(|(k, (en, es))| ChoiceOption {
                        key: (*k).into(),
                        label: t(en, es),
                    })
                    .collect(),
                multiple: true,
            },
            visibility: FieldVisibility::Shared,
            ..choice(
                "topics",
                t(
                    "What do you need to agree on?",
                    "¿Sobre qué necesitan ponerse de acuerdo?",
                ),
                &[],
            )
        }],
        "workplace" => vec![text(
            "workplace_role",
            t("Your role at work", "Su puesto en el trabajo"),
            None,
            200,
        )],
        "commercial" => vec![amount(t("Amount in dispute", "Monto en disputa"))],
        "landlord_tenant" => vec![
            text(
                "property_address",
                t("Address of the property", "Dirección de la propiedad"),
                None,
                300,
            ),
            amount(t(
                "Amount in dispute (rent, deposit, repairs)",
                "Monto en disputa (renta, depósito, reparaciones)",
            )),
        ],
        _ => vec![required(amount(t(
            "Amount you are claiming",
            "Monto que reclama",
        )))],
    }
}

fn needs(prefix: &str) -> Section {
    Section {
        key: format!("{prefix}needs"),
        title: t("Practical needs", "Necesidades prácticas"),
        help: Some(t(
            "This helps us prepare sessions that work for you. Only the mediator and the staff running your case see it.",
            "Esto nos ayuda a preparar sesiones adecuadas para usted. Solo el mediador y el personal que lleva su caso lo ven.",
        )),
        audience: if prefix.is_empty() {
            Audience::Claimant
        } else {
            Audience::Respondent
        },
        fields: vec![
            choice(
                &format!("{prefix}safety_concern"),
                t(
                    "Are you worried about your safety when meeting the other side, even online?",
                    "¿Le preocupa su seguridad al reunirse con la otra parte, incluso en línea?",
                ),
                &[
                    ("no", "No", "No"),
                    ("yes", "Yes", "Sí"),
                    (
                        "prefer_to_discuss",
                        "I would rather talk about it",
                        "Prefiero hablarlo",
                    ),
                ],
            ),
            choice(
                &format!("{prefix}interpreter"),
                t("Do you need an interpreter?", "¿Necesita un intérprete?"),
                &[
                    ("none", "No", "No"),
                    ("spanish", "Spanish", "Español"),
                    ("sign_language", "Sign language", "Lengua de señas"),
                    ("other", "Another language", "Otro idioma"),
                ],
            ),
            private(text(
                &format!("{prefix}accessibility"),
                t(
                    "Anything else we should arrange (accessibility, timing, breaks)?",
                    "¿Algo más que debamos organizar (accesibilidad, horarios, descansos)?",
                ),
                None,
                1000,
            )),
        ],
    }
}

/// The default template of `dispute_type` (one of [`DISPUTE_TYPES`]).
pub fn definition(dispute_type: &str) -> TemplateDefinition {
    let mut about = vec![
        required(text(
            "summary",
            t(
                "In a few sentences, what is the disagreement about?",
                "En pocas frases, ¿de qué trata el desacuerdo?",
            ),
            Some(t(
                "The other side will see this summary. Keep private details for the next steps.",
                "La otra parte verá este resumen. Guarde los detalles privados para los pasos siguientes.",
            )),
            2000,
        )),
        Field {
            key: "started_on".into(),
            label: t("When did it start?", "¿Cuándo empezó?"),
            help: None,
            kind: FieldKind::Date,
            required: false,
            visibility: FieldVisibility::Shared,
        },
    ];
    about.extend(specifics(dispute_type));
    TemplateDefinition {
        sections: vec![
            Section {
                key: "about".into(),
                title: t("About the dispute", "Sobre el conflicto"),
                help: None,
                audience: Audience::Claimant,
                fields: about,
            },
            Section {
                key: "other_side".into(),
                title: t("The other side", "La otra parte"),
                help: Some(t(
                    "We will invite them to take part. They will not see what you write in the private steps.",
                    "Les invitaremos a participar. No verán lo que escriba en los pasos privados.",
                )),
                audience: Audience::Claimant,
                fields: vec![Field {
                    key: "other_party".into(),
                    label: t(
                        "Who is the other person or organization?",
                        "¿Quién es la otra persona u organización?",
                    ),
                    help: Some(t(
                        "Their email address lets us invite them. Leave it empty if you do not know it.",
                        "Su correo electrónico nos permite invitarles. Déjelo vacío si no lo conoce.",
                    )),
                    kind: FieldKind::OtherParty,
                    required: true,
                    visibility: FieldVisibility::Shared,
                }],
            },
            Section {
                key: "your_account".into(),
                title: t("Your account of what happened", "Su versión de lo ocurrido"),
                help: Some(t(
                    "Private: only you, your mediator and the staff running your case read this.",
                    "Privado: solo usted, su mediador y el personal que lleva su caso lo leen.",
                )),
                audience: Audience::Claimant,
                fields: vec![
                    private(required(text(
                        "narrative",
                        t("What happened?", "¿Qué ocurrió?"),
                        None,
                        20_000,
                    ))),
                    private(text(
                        "desired_outcome",
                        t(
                            "What would a good outcome look like for you?",
                            "¿Cómo sería para usted un buen resultado?",
                        ),
                        None,
                        5000,
                    )),
                ],
            },
            needs(""),
            Section {
                key: "documents".into(),
                title: t("Documents", "Documentos"),
                help: None,
                audience: Audience::Both,
                fields: vec![Field {
                    key: "documents".into(),
                    label: t(
                        "You can share documents securely once your case is open.",
                        "Podrá compartir documentos de forma segura cuando su caso esté abierto.",
                    ),
                    help: None,
                    kind: FieldKind::UploadPlaceholder,
                    required: false,
                    visibility: FieldVisibility::Private,
                }],
            },
            Section {
                key: "respondent_view".into(),
                title: t("Your view", "Su punto de vista"),
                help: Some(t(
                    "Private: only you, your mediator and the staff running the case read this.",
                    "Privado: solo usted, su mediador y el personal que lleva el caso lo leen.",
                )),
                audience: Audience::Respondent,
                fields: vec![
                    text(
                        "respondent_summary",
                        t(
                            "In a few sentences, how do you see the disagreement?",
                            "En pocas frases, ¿cómo ve usted el desacuerdo?",
                        ),
                        Some(t(
                            "The other side will see this summary.",
                            "La otra parte verá este resumen.",
                        )),
                        2000,
                    ),
                    private(required(text(
                        "respondent_narrative",
                        t("Your account of what happened", "Su versión de lo ocurrido"),
                        None,
                        20_000,
                    ))),
                    private(text(
                        "respondent_desired_outcome",
                        t(
                            "What would a good outcome look like for you?",
                            "¿Cómo sería para usted un buen resultado?",
                        ),
                        None,
                        5000,
                    )),
                ],
            },
            needs("respondent_"),
        ],
    }
}

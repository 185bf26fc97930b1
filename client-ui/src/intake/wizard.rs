//! `/intake/:id`: one section of the template per step, with progress, each
//! step checked (here with the API's own rules, then by the API) and saved as
//! it is finished; "save and finish later" from any step; a review of every
//! answer, with who will read it, before the intake is sent.

use std::collections::BTreeMap;

use graphql_client::GraphQLQuery;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_params_map};
use portal_kit::cases::dispute_type_label;
use portal_kit::gql::{DateTime, Failure};
use portal_kit::layout::{focus_after_render, focus_main_after_render};
use portal_kit::prelude::*;
use shared_types::ErrorCode;
use shared_types::intake::{Audience, FieldKind, FieldVisibility, Section, TemplateDefinition};

use portal_kit::intake::answer_text;

use super::fields::{Form, Question, reason_text};
use super::{Answers, JSON};

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/intake.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct LoadIntakeDraft;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/intake.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct SaveIntakeDraft;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/intake.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct UpgradeIntakeDraft;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/intake.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct SubmitIntake;

type Draft = load_intake_draft::LoadIntakeDraftIntakeDraft;

#[component]
pub fn IntakePage() -> impl IntoView {
    view! {
        <SignedIn let:_viewer>
            <IntakeBody />
        </SignedIn>
    }
}

#[component]
fn IntakeBody() -> impl IntoView {
    let api = use_api();
    let params = use_params_map();
    let reload = RwSignal::new(0u32);
    let loaded = LocalResource::new(move || {
        reload.track();
        let id = params.with(|p| p.get("id").unwrap_or_default());
        async move {
            api.run::<LoadIntakeDraft>(load_intake_draft::Variables { id })
                .await
        }
    });
    view! {
        <Suspense fallback=move || view! { <Loading /> }>
            {move || {
                loaded
                    .get()
                    .map(|result| match result {
                        Err(error) => view! {
                            <PageTitle id="page-title" text=tr!("intake-title") />
                            <ErrorAlert error=error id="intake-error" />
                            <p><a href="/cases">{tr!("client-case-back")}</a></p>
                        }
                            .into_any(),
                        Ok(data) => match serde_json::from_value::<TemplateDefinition>(
                            data.intake_draft.template.definition.clone(),
                        ) {
                            Ok(definition) => view! {
                                <Wizard draft=data.intake_draft definition=definition reload=reload />
                            }
                                .into_any(),
                            Err(_) => view! { <ErrorAlert error=ApiError::Unexpected /> }.into_any(),
                        },
                    })
            }}
        </Suspense>
    }
}

/// What the last save attempt came to, for the status line.
#[derive(Debug, Clone, PartialEq)]
enum Saved {
    Not,
    At(String),
    ForLater,
}

#[component]
fn Wizard(draft: Draft, definition: TemplateDefinition, reload: RwSignal<u32>) -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let navigate = use_navigate();
    let who = if draft.case_id.is_some() {
        Audience::Respondent
    } else {
        Audience::Claimant
    };
    let sections: Vec<Section> = definition.sections_for(who).cloned().collect();
    let steps = sections.len() + 1;
    let answers: Answers = serde_json::from_value(draft.answers.clone()).unwrap_or_default();
    let form = Form {
        answers: RwSignal::new(answers),
        errors: RwSignal::new(BTreeMap::new()),
        unreadable: RwSignal::new(Default::default()),
        locale: Signal::derive(move || i18n.locale().tag().to_owned()),
    };
    let step = RwSignal::new((draft.current_step.max(0) as usize).min(steps - 1));
    let version = RwSignal::new(draft.version);
    let saved = RwSignal::new(Saved::Not);
    let failure = RwSignal::new(None::<ApiError>);
    let definition = StoredValue::new(definition);
    let sections = StoredValue::new(sections);
    let id = StoredValue::new(draft.id.clone());

    // Saves the answers; `finishing` names the section that must be complete.
    let save = Action::new_local(
        move |(finishing, next, later): &(Option<String>, usize, bool)| {
            let (finishing, next, later) = (finishing.clone(), *next, *later);
            let answers = form.answers.get_untracked();
            let input = save_intake_draft::SaveIntakeDraftInput {
                id: id.get_value(),
                version: version.get_untracked(),
                current_step: next as i64,
                answers: serde_json::to_value(&answers).unwrap_or_default(),
                complete_section: finishing,
            };
            async move {
                let result = api
                    .run_detailed::<SaveIntakeDraft>(save_intake_draft::Variables { input })
                    .await;
                (result, next, later)
            }
        },
    );
    Effect::new(move || {
        let Some((result, next, later)) = save.value().get() else {
            return;
        };
        match result {
            Ok(data) => {
                version.set(data.save_intake_draft.version);
                saved.set(if later {
                    Saved::ForLater
                } else {
                    Saved::At(data.save_intake_draft.updated_at)
                });
                if next != step.get_untracked() {
                    step.set(next);
                    focus_main_after_render();
                }
            }
            Err(Failure { fields, error, .. }) => {
                if !fields.is_empty() {
                    form.errors.set(fields.into_iter().collect());
                    focus_first_error();
                }
                failure.set(Some(error));
            }
        }
    });
    let saving = save.pending();

    let go_next = move || {
        let current = step.get_untracked();
        failure.set(None);
        let Some(section) = sections.with_value(|s| s.get(current).cloned()) else {
            return;
        };
        let mut errors: BTreeMap<String, String> = form
            .answers
            .with_untracked(|answers| {
                definition.with_value(|d| d.check_answers(who, Some(&section.key), answers))
            })
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| (e.field, e.reason.to_owned()))
            .collect();
        form.unreadable.with_untracked(|unreadable| {
            for field in section
                .fields
                .iter()
                .filter(|f| unreadable.contains(&f.key))
            {
                errors.insert(field.key.clone(), "format".to_owned());
            }
        });
        if errors.is_empty() {
            form.errors.set(BTreeMap::new());
            save.dispatch((Some(section.key), current + 1, false));
        } else {
            form.errors.set(errors);
            focus_first_error();
        }
    };
    let go_back = move || {
        let current = step.get_untracked();
        if current > 0 {
            form.errors.set(BTreeMap::new());
            step.set(current - 1);
            focus_main_after_render();
        }
    };
    let save_for_later = move || {
        failure.set(None);
        save.dispatch((None, step.get_untracked(), true));
    };

    let submit = Action::new_local(move |_: &()| {
        let variables = submit_intake::Variables {
            id: id.get_value(),
            version: version.get_untracked(),
        };
        async move { api.run_detailed::<SubmitIntake>(variables).await }
    });
    Effect::new(move || match submit.value().get() {
        Some(Ok(data)) => {
            let sent = if who == Audience::Respondent {
                "answered"
            } else {
                "filed"
            };
            navigate(
                &format!("/cases/{}?{sent}=1", data.submit_intake.id),
                NavigateOptions::default(),
            );
        }
        Some(Err(Failure { fields, error, .. })) => {
            if let Some((field, reason)) = fields.into_iter().next() {
                // Send the claimant back to the step with the problem.
                let at = sections.with_value(|s| {
                    s.iter()
                        .position(|section| section.fields.iter().any(|f| f.key == field))
                });
                if let Some(at) = at {
                    step.set(at);
                    form.errors.set(BTreeMap::from([(field, reason)]));
                    focus_first_error();
                }
            }
            failure.set(Some(error));
        }
        None => {}
    });
    let submitting = submit.pending();

    let title = if who == Audience::Respondent {
        tr!("intake-respond-title")()
    } else {
        tr!(
            "intake-title-of",
            kind = dispute_type_label(&draft.template.dispute_type)
        )()
    };
    let template_is_current = draft.template_is_current;
    let step_names = move || {
        let locale = form.locale.get();
        let mut names: Vec<String> =
            sections.with_value(|s| s.iter().map(|s| s.title.get(&locale).to_owned()).collect());
        names.push(tr!("intake-review")());
        names
    };

    view! {
        <PageTitle id="page-title" text=Signal::derive(move || title.clone()) />
        {(!template_is_current).then(|| view! { <Upgrade id=id.get_value() reload=reload /> })}
        <nav aria-label=tr!("intake-progress")>
            <p id="intake-progress-text" class="hint">
                {move || {
                    let names = step_names();
                    let at = step.get();
                    tr!(
                        "intake-step-of",
                        step = (at + 1) as i64,
                        steps = steps as i64,
                        name = names.get(at).cloned().unwrap_or_default()
                    )()
                }}
            </p>
            <progress
                class="intake-progress"
                max=steps
                value=move || step.get() + 1
                aria-labelledby="intake-progress-text"
            ></progress>
            <ol class="case-steps intake-steps">
                {move || {
                    let at = step.get();
                    step_names()
                        .into_iter()
                        .enumerate()
                        .map(|(i, name)| {
                            view! {
                                <li class:done=i < at aria-current=(i == at).then_some("step")>
                                    {name}
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ol>
        </nav>
        {move || {
            failure
                .get()
                .map(|error| {
                    let stale = error.code() == Some(ErrorCode::StaleVersion);
                    view! {
                        <ErrorAlert error=error id="intake-error" />
                        {stale
                            .then(|| {
                                view! {
                                    <Button
                                        id="intake-reload"
                                        kind=ButtonKind::Secondary
                                        on_click=Callback::new(move |_| reload.update(|n| *n += 1))
                                    >
                                        {tr!("intake-reload")}
                                    </Button>
                                }
                            })}
                    }
                })
        }}
        {move || {
            let at = step.get();
            match sections.with_value(|s| s.get(at).cloned()) {
                Some(section) => {
                    let locale = form.locale;
                    let title = section.title.clone();
                    let help = section.help.clone();
                    view! {
                        <form
                            class="form intake-step"
                            id="intake-step"
                            data-section=section.key.clone()
                            novalidate=true
                            on:submit=move |event| {
                                event.prevent_default();
                                go_next();
                            }
                        >
                            <h2 class="section-title">{move || title.get(&locale.get()).to_owned()}</h2>
                            {help.map(|help| view! { <p class="lead">{move || help.get(&locale.get()).to_owned()}</p> })}
                            <ErrorSummary form=form />
                            {section
                                .fields
                                .into_iter()
                                .map(|field| view! { <Question field=field form=form /> })
                                .collect_view()}
                            <div class="button-row intake-actions">
                                {(at > 0)
                                    .then(|| {
                                        view! {
                                            <Button
                                                id="intake-back"
                                                kind=ButtonKind::Secondary
                                                on_click=Callback::new(move |_| go_back())
                                            >
                                                {tr!("intake-back")}
                                            </Button>
                                        }
                                    })}
                                <Button id="intake-next" button_type="submit" busy=saving>
                                    {tr!("intake-next")}
                                </Button>
                                <Button
                                    id="intake-later"
                                    kind=ButtonKind::Secondary
                                    busy=saving
                                    on_click=Callback::new(move |_| save_for_later())
                                >
                                    {tr!("intake-save-later")}
                                </Button>
                            </div>
                        </form>
                    }
                        .into_any()
                }
                None => view! {
                    <Review
                        form=form
                        sections=sections.get_value()
                        on_edit=Callback::new(move |at: usize| {
                            step.set(at);
                            focus_main_after_render();
                        })
                    />
                    <div class="button-row intake-actions">
                        <Button
                            id="intake-back"
                            kind=ButtonKind::Secondary
                            on_click=Callback::new(move |_| go_back())
                        >
                            {tr!("intake-back")}
                        </Button>
                        <Button
                            id="intake-submit"
                            busy=submitting
                            on_click=Callback::new(move |_| {
                                failure.set(None);
                                submit.dispatch(());
                            })
                        >
                            {if who == Audience::Respondent {
                                tr!("intake-submit-respondent")()
                            } else {
                                tr!("intake-submit")()
                            }}
                        </Button>
                    </div>
                }
                    .into_any(),
            }
        }}
        <p id="intake-saved" class="hint" role="status">
            {move || match saved.get() {
                _ if saving.get() => tr!("intake-saving")(),
                Saved::Not => String::new(),
                Saved::At(when) => {
                    tr!("intake-saved-at", when = intl::format_timestamp(&when, i18n.locale(), None))()
                }
                Saved::ForLater => tr!("intake-saved-for-later")(),
            }}
        </p>
    }
}

/// The step's problems, listed at the top with links to each field.
#[component]
fn ErrorSummary(form: Form) -> impl IntoView {
    move || {
        let errors = form.errors.get();
        let count = errors.len() as i64;
        (!errors.is_empty()).then(|| {
            view! {
                <div class="alert alert-error" id="intake-error-summary" role="alert" tabindex="-1">
                    <div class="alert-body">
                        <p>{tr!("intake-fix-these", count = count)}</p>
                        <ul>
                            {errors
                                .into_iter()
                                .map(|(key, reason)| {
                                    view! {
                                        <li>
                                            <a href=format!("#q-{key}")>{reason_text(&reason)}</a>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    </div>
                </div>
            }
        })
    }
}

/// Moves focus to the error summary once it has rendered.
fn focus_first_error() {
    focus_after_render("intake-error-summary");
}

/// Every answer before sending, by step, with who will read it.
#[component]
fn Review(form: Form, sections: Vec<Section>, on_edit: Callback<usize>) -> impl IntoView {
    let locale = form.locale;
    view! {
        <div id="intake-review">
            <h2 class="section-title">{tr!("intake-review")}</h2>
            <p class="lead">{tr!("intake-review-intro")}</p>
            {sections
                .into_iter()
                .enumerate()
                .map(|(i, section)| {
                    let title = section.title.clone();
                    let edit_label = {
                        let title = section.title.clone();
                        move || {
                            let section = title.get(&locale.get()).to_owned();
                            tr!("intake-change", section = section)()
                        }
                    };
                    let heading = format!("review-{}", section.key);
                    let labelled_by = heading.clone();
                    view! {
                        <section class="card" aria-labelledby=labelled_by>
                            <h3 class="card-title" id=heading>{move || title.get(&locale.get()).to_owned()}</h3>
                            <dl class="details intake-answers">
                                {section
                                    .fields
                                    .into_iter()
                                    .filter(|f| f.kind != FieldKind::UploadPlaceholder)
                                    .map(|field| {
                                        let shared = field.visibility == FieldVisibility::Shared;
                                        let key = field.key.clone();
                                        let data_field = key.clone();
                                        view! {
                                            <div data-field=data_field>
                                                <dt>
                                                    {let label = field.label.clone(); move || label.get(&locale.get()).to_owned()}
                                                    " "
                                                    <span class=if shared { "badge" } else { "badge badge-warning" }>
                                                        {if shared {
                                                            tr!("intake-badge-shared")()
                                                        } else {
                                                            tr!("intake-badge-private")()
                                                        }}
                                                    </span>
                                                </dt>
                                                <dd class="intake-answer">
                                                    {move || {
                                                        form.answers.with(|answers| {
                                                            answer_text(&field, answers.get(&key), &locale.get())
                                                        })
                                                    }}
                                                </dd>
                                            </div>
                                        }
                                    })
                                    .collect_view()}
                            </dl>
                            <Button kind=ButtonKind::Secondary on_click=Callback::new(move |_| on_edit.run(i))>
                                {edit_label}
                            </Button>
                        </section>
                    }
                })
                .collect_view()}
        </div>
    }
}

/// A newer version of the questions was published since this intake began.
#[component]
fn Upgrade(id: String, reload: RwSignal<u32>) -> impl IntoView {
    let api = use_api();
    let upgrade = Action::new_local(move |_: &()| {
        let id = id.clone();
        async move {
            api.run::<UpgradeIntakeDraft>(upgrade_intake_draft::Variables { id })
                .await
        }
    });
    Effect::new(move || {
        if let Some(Ok(_)) = upgrade.value().get() {
            reload.update(|n| *n += 1);
        }
    });
    let busy = upgrade.pending();
    view! {
        <div class="alert alert-info" role="status" id="intake-upgrade">
            <div class="alert-body">
                <p>{tr!("intake-upgrade-text")}</p>
                {move || {
                    upgrade
                        .value()
                        .get()
                        .and_then(Result::err)
                        .map(|error| view! { <ErrorAlert error=error /> })
                }}
                <Button
                    id="intake-upgrade-button"
                    busy=busy
                    on_click=Callback::new(move |_| {
                        upgrade.dispatch(());
                    })
                >
                    {tr!("intake-upgrade-button")}
                </Button>
            </div>
        </div>
    }
}

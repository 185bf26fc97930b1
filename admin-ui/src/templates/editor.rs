//! `/templates/:type`: edit a dispute type's intake questions and publish
//! them as a new version. The page checks the template with the API's own
//! rules before sending, lists what to fix with links to each control, and
//! refuses to overwrite a version someone else published meanwhile.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use portal_kit::cases::dispute_type_label;
use portal_kit::layout::focus_after_render;
use portal_kit::prelude::*;
use shared_types::intake::TemplateDefinition;

use super::model::{self, ChoiceModel, FieldModel, KINDS, Problem, SectionModel, Text};
use super::{
    AdminsOnly, IntakeTemplateVersions, PublishIntakeTemplate, intake_template_versions,
    publish_intake_template,
};

type Version = intake_template_versions::IntakeTemplateVersionsIntakeTemplateVersions;

#[component]
pub fn TemplateEditorPage() -> impl IntoView {
    view! {
        <AdminsOnly>
            <EditorLoader />
        </AdminsOnly>
    }
}

#[component]
fn EditorLoader() -> impl IntoView {
    let api = use_api();
    let params = use_params_map();
    let query = use_query_map();
    let dispute_type = move || params.with(|p| p.get("type").unwrap_or_default());
    let reload = RwSignal::new(0u32);
    // Survives the editor being drawn again with the new version.
    let published = RwSignal::new(None::<i64>);
    let loaded = LocalResource::new(move || {
        reload.track();
        let dispute_type = dispute_type();
        async move {
            api.run::<IntakeTemplateVersions>(intake_template_versions::Variables { dispute_type })
                .await
        }
    });
    move || match loaded.get() {
        None => view! { <PageLoading /> }.into_any(),
        Some(Err(error)) => view! {
            <PageTitle id="page-title" text=tr!("templates-title") />
            <ErrorAlert error=error />
        }
        .into_any(),
        Some(Ok(data)) => {
            let new_name = query.with_untracked(|q| q.get("name")).unwrap_or_default();
            view! {
                <Editor
                    dispute_type=dispute_type()
                    versions=data.intake_template_versions
                    new_name=new_name
                    published=published
                    on_published=Callback::new(move |version| {
                        published.set(Some(version));
                        reload.update(|n| *n += 1);
                    })
                />
            }
            .into_any()
        }
    }
}

fn definition_of(version: &Version) -> Option<TemplateDefinition> {
    serde_json::from_value(version.definition.clone()).ok()
}

#[component]
fn Editor(
    dispute_type: String,
    versions: Vec<Version>,
    new_name: String,
    published: RwSignal<Option<i64>>,
    on_published: Callback<i64>,
) -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let current = versions.first().cloned();
    let base_version = current.as_ref().map(|v| v.version);
    let sections = RwSignal::new(match current.as_ref().and_then(definition_of) {
        Some(definition) => model::load(&definition),
        None => model::starter(
            &tr!("templates-starter-other-side")(),
            &tr!("templates-starter-what-happened")(),
            &tr!("templates-starter-section")(),
        ),
    });
    let name = RwSignal::new(current.as_ref().map_or(new_name, |v| v.name.clone()));
    let name_problem = RwSignal::new(None::<String>);
    let problems = RwSignal::new(Vec::<Problem>::new());
    let failure = RwSignal::new(None::<ApiError>);
    let publish = Action::new_local(
        move |input: &publish_intake_template::PublishIntakeTemplateInput| {
            let input = input.clone();
            async move {
                api.run::<PublishIntakeTemplate>(publish_intake_template::Variables { input })
                    .await
            }
        },
    );
    on_result(publish, failure, move |data| {
        on_published.run(data.publish_intake_template.version);
    });
    let type_key = StoredValue::new(dispute_type.clone());
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        failure.set(None);
        published.set(None);
        let title = name.get_untracked().trim().to_owned();
        let name_ok = !title.is_empty() && title.chars().count() <= 120;
        name_problem.set((!name_ok).then(tr!("templates-error-name")));
        let (definition, found) = model::build(&sections.get_untracked());
        let mut found = found;
        if !name_ok {
            found.insert(
                0,
                Problem {
                    anchor: "template-name".into(),
                    what: "name",
                    reason: "length",
                },
            );
        }
        let any = !found.is_empty();
        problems.set(found);
        if any {
            focus_after_render("template-errors");
            return;
        }
        let Ok(definition) = serde_json::to_value(&definition) else {
            return;
        };
        publish.dispatch(publish_intake_template::PublishIntakeTemplateInput {
            dispute_type: type_key.get_value(),
            name: title,
            definition,
            base_version,
        });
    };
    let next = base_version.map_or(1, |v| v + 1);
    let heading = dispute_type_label(&dispute_type);
    let add_section = move |_| {
        let section = SectionModel::new();
        let id = section.id;
        sections.update(|all| all.push(section));
        focus_after_render_owned(format!("s{id}-title-en"));
    };
    view! {
        <p><a href="/templates">{tr!("templates-back")}</a></p>
        <PageTitle id="page-title" text=tr!("templates-edit-title", kind = heading) />
        <p class="lead">{tr!("templates-edit-intro")}</p>
        {move || {
            published
                .get()
                .map(|version| {
                    view! {
                        <Alert kind=AlertKind::Info id="template-published">
                            {tr!("templates-published", version = version)}
                        </Alert>
                    }
                })
        }}
        <form class="form template-editor" id="template-form" novalidate=true on:submit=on_submit>
            <ProblemSummary problems=problems />
            {move || failure.get().map(|error| view! { <ErrorAlert error=error /> })}
            <TextField
                id="template-name"
                label=tr!("templates-name")
                value=name
                required=true
                error=Signal::derive(move || name_problem.get())
            />
            <div id="template-sections" tabindex="-1">
                <For each=move || sections.get() key=|s| s.id let:section>
                    <SectionEditor section=section sections=sections problems=problems />
                </For>
            </div>
            <div class="button-row">
                <Button id="template-add-section" kind=ButtonKind::Secondary on_click=Callback::new(add_section)>
                    {tr!("templates-add-section")}
                </Button>
                <Button id="template-publish" button_type="submit" busy=publish.pending()>
                    {tr!("templates-publish", version = next)}
                </Button>
            </div>
        </form>
        <History versions=versions sections=sections name=name locale=Signal::derive(move || i18n.locale()) />
    }
}

/// Focuses a control made at run time once it is drawn.
fn focus_after_render_owned(id: String) {
    request_animation_frame(move || {
        if let Some(element) = document().get_element_by_id(&id)
            && let Ok(element) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(element)
        {
            let _ = element.focus();
        }
    });
}

/// What is wrong, in words, for one problem the check found.
fn problem_text(problem: &Problem) -> String {
    match (problem.what, problem.reason) {
        ("name", _) => tr!("templates-error-name")(),
        ("label", _) => tr!("templates-error-label")(),
        ("title", _) => tr!("templates-error-title")(),
        ("help" | "section_help", _) => tr!("templates-error-help")(),
        ("max_length", _) => tr!("templates-error-max-length")(),
        ("currency", _) => tr!("templates-error-currency")(),
        ("choices", "count") => tr!("templates-error-choices-count")(),
        ("choices", _) => tr!("templates-error-choices-label")(),
        ("kind", _) => tr!("templates-error-other-party-claimant")(),
        ("required", _) => tr!("templates-error-upload-required")(),
        ("fields", _) => tr!("templates-error-fields-count")(),
        ("sections", "other_party") => tr!("templates-error-other-party")(),
        ("sections", _) => tr!("templates-error-sections-count")(),
        _ => tr!("templates-error-key")(),
    }
}

/// The problem shown at the control `anchor`, if any.
fn problem_at(problems: RwSignal<Vec<Problem>>, anchor: String) -> Signal<Option<String>> {
    Signal::derive(move || {
        problems.with(|all| all.iter().find(|p| p.anchor == anchor).map(problem_text))
    })
}

#[component]
fn ProblemSummary(problems: RwSignal<Vec<Problem>>) -> impl IntoView {
    move || {
        let all = problems.get();
        (!all.is_empty()).then(|| {
            let count = all.len();
            view! {
                <div class="alert alert-error" id="template-errors" role="alert" tabindex="-1">
                    <div class="alert-body">
                        <p>{tr!("templates-fix-these", count = count)}</p>
                        <ul>
                            {all
                                .iter()
                                .map(|p| {
                                    view! {
                                        <li>
                                            <a href=format!("#{}", p.anchor)>{problem_text(p)}</a>
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

/// A labelled input or text area whose id is made at run time.
#[component]
fn Input(
    id: String,
    #[prop(into)] label: Signal<String>,
    value: RwSignal<String>,
    problems: RwSignal<Vec<Problem>>,
    #[prop(optional)] multiline: bool,
    #[prop(optional)] inputmode: Option<&'static str>,
) -> impl IntoView {
    let error = problem_at(problems, id.clone());
    let error_id = format!("{id}-error");
    let described = {
        let error_id = error_id.clone();
        move || error.with(Option::is_some).then(|| error_id.clone())
    };
    let invalid = move || error.with(Option::is_some).then_some("true");
    let control = if multiline {
        view! {
            <textarea
                id=id.clone()
                rows="3"
                aria-invalid=invalid
                aria-describedby=described
                prop:value=move || value.get()
                on:input=move |event| value.set(event_target_value(&event))
            ></textarea>
        }
        .into_any()
    } else {
        view! {
            <input
                id=id.clone()
                type="text"
                inputmode=inputmode
                aria-invalid=invalid
                aria-describedby=described
                prop:value=move || value.get()
                on:input=move |event| value.set(event_target_value(&event))
            />
        }
        .into_any()
    };
    view! {
        <div class="field">
            <label for=id>{move || label.get()}</label>
            {control}
            {move || error.get().map(|message| view! { <p id=error_id.clone() class="field-error">{message}</p> })}
        </div>
    }
}

/// The English and Spanish versions of one text.
#[component]
fn TextPair(
    id: String,
    text: Text,
    en: Signal<String>,
    es: Signal<String>,
    problems: RwSignal<Vec<Problem>>,
    #[prop(optional)] multiline: bool,
) -> impl IntoView {
    view! {
        <div class="field-pair">
            <Input id=format!("{id}-en") label=en value=text.en problems=problems multiline=multiline />
            <Input id=format!("{id}-es") label=es value=text.es problems=problems multiline=multiline />
        </div>
    }
}

/// A labelled drop-down whose id is made at run time.
#[component]
fn Choose(
    id: String,
    #[prop(into)] label: Signal<String>,
    value: RwSignal<String>,
    options: Vec<(&'static str, String)>,
    problems: RwSignal<Vec<Problem>>,
) -> impl IntoView {
    let error = problem_at(problems, id.clone());
    let error_id = format!("{id}-error");
    let described = {
        let error_id = error_id.clone();
        move || error.with(Option::is_some).then(|| error_id.clone())
    };
    view! {
        <div class="field">
            <label for=id.clone()>{move || label.get()}</label>
            <select
                id=id
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                aria-describedby=described
                on:change=move |event| value.set(event_target_value(&event))
            >
                {options
                    .into_iter()
                    .map(|(key, text)| {
                        view! { <option value=key selected=move || value.get() == key>{text}</option> }
                    })
                    .collect_view()}
            </select>
            {move || error.get().map(|message| view! { <p id=error_id.clone() class="field-error">{message}</p> })}
        </div>
    }
}

/// A labelled checkbox whose id is made at run time.
#[component]
fn Tick(
    id: String,
    #[prop(into)] label: Signal<String>,
    checked: RwSignal<bool>,
    problems: RwSignal<Vec<Problem>>,
) -> impl IntoView {
    let error = problem_at(problems, id.clone());
    view! {
        <div class="field checkbox">
            <input
                type="checkbox"
                id=id.clone()
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                prop:checked=move || checked.get()
                on:change=move |event| checked.set(event_target_checked(&event))
            />
            <label for=id>{move || label.get()}</label>
            {move || error.get().map(|message| view! { <p class="field-error">{message}</p> })}
        </div>
    }
}

/// Moves the row with `id` one place up (`-1`) or down (`1`).
fn shift<T: Copy>(rows: &mut [T], id: u32, by: isize, id_of: impl Fn(&T) -> u32) {
    if let Some(at) = rows.iter().position(|r| id_of(r) == id) {
        let to = at as isize + by;
        if to >= 0 && (to as usize) < rows.len() {
            rows.swap(at, to as usize);
        }
    }
}

#[component]
fn SectionEditor(
    section: SectionModel,
    sections: RwSignal<Vec<SectionModel>>,
    problems: RwSignal<Vec<Problem>>,
) -> impl IntoView {
    let id = section.id;
    let number =
        move || sections.with(|all| all.iter().position(|s| s.id == id).map_or(0, |i| i + 1));
    let count = move || sections.with(Vec::len);
    let title = section.title;
    let heading_id = format!("s{id}-heading");
    let name = Signal::derive(move || {
        let title = title.display();
        let n = number();
        tr!("templates-section-heading", number = n, title = title)()
    });
    let audiences = vec![
        ("claimant", tr!("templates-audience-claimant")()),
        ("respondent", tr!("templates-audience-respondent")()),
        ("both", tr!("templates-audience-both")()),
    ];
    let add_field = move |_| {
        let field = FieldModel::new();
        let fid = field.id;
        section.fields.update(|all| all.push(field));
        focus_after_render_owned(format!("f{fid}-label-en"));
    };
    view! {
        <fieldset class="card template-section" id=format!("s{id}") aria-labelledby=heading_id.clone()>
            <h2 class="section-title" id=heading_id.clone()>{move || name.get()}</h2>
            <TextPair
                id=format!("s{id}-title")
                text=section.title
                en=Signal::derive(tr!("templates-section-title-en"))
                es=Signal::derive(tr!("templates-section-title-es"))
                problems=problems
            />
            <TextPair
                id=format!("s{id}-help")
                text=section.help
                en=Signal::derive(tr!("templates-help-en"))
                es=Signal::derive(tr!("templates-help-es"))
                problems=problems
                multiline=true
            />
            <Choose
                id=format!("s{id}-audience")
                label=tr!("templates-audience")
                value=section.audience
                options=audiences
                problems=problems
            />
            <div class="template-fields">
                <For each=move || section.fields.get() key=|f| f.id let:field>
                    <FieldEditor field=field section=section problems=problems />
                </For>
            </div>
            <div class="button-row">
                <Button id=format!("s{id}-add-field") kind=ButtonKind::Secondary on_click=Callback::new(add_field)>
                    {tr!("templates-add-field")}
                </Button>
                {
                    let heading_id = heading_id.clone();
                    move || {
                    (number() > 1)
                        .then(|| {
                            view! {
                                <Button
                                    kind=ButtonKind::Secondary
                                    aria_describedby=heading_id.clone()
                                    on_click=Callback::new(move |_| sections.update(|all| shift(all, id, -1, |s| s.id)))
                                >
                                    {tr!("templates-move-up")}
                                </Button>
                            }
                        })
                }}
                {
                    let heading_id = format!("s{id}-heading");
                    move || {
                        (number() < count())
                            .then(|| {
                                view! {
                                    <Button
                                        kind=ButtonKind::Secondary
                                        aria_describedby=heading_id.clone()
                                        on_click=Callback::new(move |_| sections.update(|all| shift(all, id, 1, |s| s.id)))
                                    >
                                        {tr!("templates-move-down")}
                                    </Button>
                                }
                            })
                    }
                }
                <Button
                    id=format!("s{id}-remove")
                    kind=ButtonKind::Secondary
                    aria_describedby=format!("s{id}-heading")
                    on_click=Callback::new(move |_| sections.update(|all| all.retain(|s| s.id != id)))
                >
                    {tr!("templates-remove-section")}
                </Button>
            </div>
        </fieldset>
    }
}

#[component]
fn FieldEditor(
    field: FieldModel,
    section: SectionModel,
    problems: RwSignal<Vec<Problem>>,
) -> impl IntoView {
    let id = field.id;
    let fields = section.fields;
    let number =
        move || fields.with(|all| all.iter().position(|f| f.id == id).map_or(0, |i| i + 1));
    let count = move || fields.with(Vec::len);
    let label = field.label;
    let heading_id = format!("f{id}-heading");
    let heading = Signal::derive(move || {
        let label = label.display();
        let n = number();
        tr!("templates-field-heading", number = n, label = label)()
    });
    let kinds: Vec<(&'static str, String)> = KINDS.iter().map(|k| (*k, kind_label(k))).collect();
    let visibilities = vec![
        ("shared", tr!("templates-visibility-shared")()),
        ("private", tr!("templates-visibility-private")()),
    ];
    let kind = field.kind;
    let is = move |wanted: &'static [&'static str]| {
        Signal::derive(move || wanted.contains(&kind.get().as_str()))
    };
    let texty = is(&["short_text", "long_text"]);
    let money = is(&["money"]);
    let choice = is(&["choice"]);
    view! {
        <div class="template-field" id=format!("f{id}") role="group" aria-labelledby=heading_id.clone()>
            <h3 class="field-heading" id=heading_id.clone()>{move || heading.get()}</h3>
            <TextPair
                id=format!("f{id}-label")
                text=field.label
                en=Signal::derive(tr!("templates-question-en"))
                es=Signal::derive(tr!("templates-question-es"))
                problems=problems
            />
            <TextPair
                id=format!("f{id}-help")
                text=field.help
                en=Signal::derive(tr!("templates-help-en"))
                es=Signal::derive(tr!("templates-help-es"))
                problems=problems
                multiline=true
            />
            <Choose id=format!("f{id}-kind") label=tr!("templates-kind") value=field.kind options=kinds problems=problems />
            <Show when=move || texty.get()>
                <Input
                    id=format!("f{id}-max")
                    label=tr!("templates-max-length")
                    value=field.max_length
                    problems=problems
                    inputmode="numeric"
                />
            </Show>
            <Show when=move || money.get()>
                <Input id=format!("f{id}-currency") label=tr!("templates-currency") value=field.currency problems=problems />
            </Show>
            <Show when=move || choice.get()>
                <ChoiceEditor field=field problems=problems />
            </Show>
            <Tick id=format!("f{id}-required") label=tr!("templates-required") checked=field.required problems=problems />
            <Choose
                id=format!("f{id}-visibility")
                label=tr!("templates-visibility")
                value=field.visibility
                options=visibilities
                problems=problems
            />
            <div class="button-row">
                {
                    let heading_id = heading_id.clone();
                    move || {
                        (number() > 1)
                            .then(|| {
                                view! {
                                    <Button
                                        kind=ButtonKind::Secondary
                                        aria_describedby=heading_id.clone()
                                        on_click=Callback::new(move |_| fields.update(|all| shift(all, id, -1, |f| f.id)))
                                    >
                                        {tr!("templates-move-up")}
                                    </Button>
                                }
                            })
                    }
                }
                {
                    let heading_id = heading_id.clone();
                    move || {
                        (number() < count())
                            .then(|| {
                                view! {
                                    <Button
                                        kind=ButtonKind::Secondary
                                        aria_describedby=heading_id.clone()
                                        on_click=Callback::new(move |_| fields.update(|all| shift(all, id, 1, |f| f.id)))
                                    >
                                        {tr!("templates-move-down")}
                                    </Button>
                                }
                            })
                    }
                }
                <Button
                    id=format!("f{id}-remove")
                    kind=ButtonKind::Secondary
                    aria_describedby=format!("f{id}-heading")
                    on_click=Callback::new(move |_| fields.update(|all| all.retain(|f| f.id != id)))
                >
                    {tr!("templates-remove-field")}
                </Button>
            </div>
        </div>
    }
}

fn kind_label(kind: &str) -> String {
    match kind {
        "short_text" => tr!("templates-kind-short-text")(),
        "long_text" => tr!("templates-kind-long-text")(),
        "date" => tr!("templates-kind-date")(),
        "money" => tr!("templates-kind-money")(),
        "choice" => tr!("templates-kind-choice")(),
        "other_party" => tr!("templates-kind-other-party")(),
        _ => tr!("templates-kind-upload")(),
    }
}

#[component]
fn ChoiceEditor(field: FieldModel, problems: RwSignal<Vec<Problem>>) -> impl IntoView {
    let id = field.id;
    let choices = field.choices;
    let error = problem_at(problems, format!("f{id}-choices"));
    view! {
        <fieldset class="choice-editor" id=format!("f{id}-choices") tabindex="-1">
            <legend>{tr!("templates-choices")}</legend>
            {move || error.get().map(|message| view! { <p class="field-error">{message}</p> })}
            <For each=move || choices.get() key=|c| c.id let:choice>
                {
                    let cid = choice.id;
                    view! {
                        <div class="choice-row">
                            <TextPair
                                id=format!("c{cid}-label")
                                text=choice.label
                                en=Signal::derive(tr!("templates-choice-en"))
                                es=Signal::derive(tr!("templates-choice-es"))
                                problems=problems
                            />
                            <Button
                                kind=ButtonKind::Secondary
                                on_click=Callback::new(move |_| choices.update(|all| all.retain(|c| c.id != cid)))
                            >
                                {move || {
                                    let label = choice.label.display();
                                    tr!("templates-remove-choice", label = label)()
                                }}
                            </Button>
                        </div>
                    }
                }
            </For>
            <Button
                id=format!("f{id}-add-choice")
                kind=ButtonKind::Secondary
                on_click=Callback::new(move |_| {
                    let choice = ChoiceModel::new();
                    let cid = choice.id;
                    choices.update(|all| all.push(choice));
                    focus_after_render_owned(format!("c{cid}-label-en"));
                })
            >
                {tr!("templates-add-choice")}
            </Button>
            <Tick id=format!("f{id}-multiple") label=tr!("templates-multiple") checked=field.multiple problems=problems />
        </fieldset>
    }
}

/// Earlier versions, newest first, each of which can be the start of the next.
#[component]
fn History(
    versions: Vec<Version>,
    sections: RwSignal<Vec<SectionModel>>,
    name: RwSignal<String>,
    locale: Signal<shared_types::Locale>,
) -> impl IntoView {
    if versions.is_empty() {
        return view! { <p class="hint" id="template-history-none">{tr!("templates-history-none")}</p> }.into_any();
    }
    let columns = vec![
        Signal::derive(tr!("templates-column-version")),
        Signal::derive(tr!("templates-column-name")),
        Signal::derive(tr!("templates-column-published")),
        Signal::derive(tr!("templates-column-actions")),
    ];
    view! {
        <h2 class="section-title">{tr!("templates-history")}</h2>
        <DataTable id="template-history" caption=tr!("templates-history-caption") columns=columns>
            {versions
                .into_iter()
                .map(|v| {
                    let row_id = format!("version-{}", v.version);
                    let definition = definition_of(&v);
                    let title = v.name.clone();
                    let created = v.created_at.clone();
                    view! {
                        <tr data-version=v.version>
                            <th scope="row" id=row_id.clone()>{v.version}</th>
                            <td data-label=tr!("templates-column-name")>{v.name.clone()}</td>
                            <td data-label=tr!("templates-column-published")>
                                {move || intl::format_date(&created, locale.get()).unwrap_or_default()}
                            </td>
                            <td data-label=tr!("templates-column-actions")>
                                {definition
                                    .map(|definition| {
                                        let definition = StoredValue::new(definition);
                                        let title = title.clone();
                                        view! {
                                            <Button
                                                kind=ButtonKind::Secondary
                                                aria_describedby=row_id.clone()
                                                on_click=Callback::new(move |_| {
                                                    sections.set(model::load(&definition.get_value()));
                                                    name.set(title.clone());
                                                    focus_after_render("template-name");
                                                })
                                            >
                                                {tr!("templates-start-from")}
                                            </Button>
                                        }
                                    })}
                            </td>
                        </tr>
                    }
                })
                .collect_view()}
        </DataTable>
    }
    .into_any()
}

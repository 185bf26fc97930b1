//! The case's tasks (assignee, due date, overdue ones marked, done) and its
//! agreement drafts (from the organization's templates, edited with version
//! checks, shared with chosen parties for review).

use graphql_client::GraphQLQuery;
use leptos::prelude::*;
use portal_kit::gql::DateTime;
use portal_kit::prelude::*;
use shared_types::ErrorCode;

use super::Detail;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/case_work.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct CaseWork;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/case_work.graphql",
    variables_derives = "Clone",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct CreateTask;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/case_work.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct CompleteTask;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/case_work.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct DraftAgreement;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/case_work.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct EditAgreement;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/case_work.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct ShareAgreement;

type Kind = case_work::AgreementKind;
type Agreement = case_work::CaseWorkCaseAgreements;

fn kind_label(kind: &Kind) -> String {
    match kind {
        Kind::AGREEMENT_TO_MEDIATE => tr!("agreement-to-mediate")(),
        Kind::MEMORANDUM_OF_UNDERSTANDING => tr!("agreement-mou")(),
        Kind::SETTLEMENT_AGREEMENT => tr!("agreement-settlement")(),
        _ => tr!("agreement-other")(),
    }
}

/// The date input's `YYYY-MM-DD` as the end of that day in the browser's zone.
fn end_of_day(ymd: &str) -> Option<String> {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(&format!("{ymd}T23:59:00")));
    (!date.get_time().is_nan()).then(|| String::from(date.to_iso_string()))
}

#[component]
pub fn Tasks(detail: Detail, viewer: Viewer) -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let case_id = StoredValue::new(detail.case.id.clone());
    let refresh = RwSignal::new(0u32);
    let loaded = LocalResource::new(move || {
        refresh.track();
        let case_id = case_id.get_value();
        async move { api.run::<CaseWork>(case_work::Variables { case_id }).await }
    });
    let mut people = vec![(viewer.user.id.clone(), tr!("admin-task-me")())];
    if let Some(lead) = detail.case.lead_mediator_id.clone()
        && lead != viewer.user.id
    {
        people.push((lead, tr!("admin-task-mediator")()));
    }
    let assignee = RwSignal::new(viewer.user.id.clone());
    let title = RwSignal::new(String::new());
    let due = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let failure = RwSignal::new(None::<ApiError>);
    let create = Action::new_local(move |input: &create_task::NewTaskInput| {
        let input = input.clone();
        async move {
            api.run::<CreateTask>(create_task::Variables { input })
                .await
        }
    });
    on_result(create, failure, move |_| {
        title.set(String::new());
        refresh.update(|n| *n += 1);
    });
    let complete = Action::new_local(move |(id, version): &(String, i64)| {
        let variables = complete_task::Variables {
            id: id.clone(),
            version: *version,
        };
        async move { api.run::<CompleteTask>(variables).await }
    });
    on_result(complete, failure, move |_| {
        refresh.update(|n| *n += 1);
    });
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        failure.set(None);
        let text = title.get_untracked().trim().to_owned();
        if text.is_empty() {
            problem.set(Some(tr!("admin-task-title-missing")()));
            return;
        }
        let Some(due_at) = end_of_day(&due.get_untracked()) else {
            problem.set(Some(tr!("admin-task-due-missing")()));
            return;
        };
        problem.set(None);
        create.dispatch(create_task::NewTaskInput {
            case_id: case_id.get_value(),
            title: text,
            assignee_id: assignee.get_untracked(),
            due_at,
        });
    };
    let people = StoredValue::new(people);
    view! {
        <Card id="case-tasks" title=tr!("admin-tasks-title")>
            {move || failure.get().map(|error| view! { <ErrorAlert error=error id="task-error" /> })}
            <Suspense fallback=move || view! { <Loading /> }>
                {move || {
                    loaded
                        .get()
                        .map(|result| match result {
                            Err(error) => view! { <ErrorAlert error=error /> }.into_any(),
                            Ok(data) if data.case_tasks.is_empty() => {
                                view! { <p class="empty" id="tasks-empty">{tr!("admin-tasks-empty")}</p> }.into_any()
                            }
                            Ok(data) => view! {
                                <ul class="plain-list" id="task-list">
                                    {data
                                        .case_tasks
                                        .into_iter()
                                        .map(|task| {
                                            let due = intl::format_timestamp(&task.due_at, i18n.locale(), None);
                                            let name_id = format!("task-{}", task.id);
                                            let (id, version) = (task.id.clone(), task.version);
                                            let who = people
                                                .with_value(|p| {
                                                    p.iter().find(|(pid, _)| *pid == task.assignee_id).map(|(_, n)| n.clone())
                                                })
                                                .unwrap_or_else(|| tr!("admin-task-someone")());
                                            view! {
                                                <li data-task=task.id.clone()>
                                                    <span class="item-name" id=name_id.clone()>{task.title.clone()}</span>
                                                    " "
                                                    {if task.done_at.is_some() {
                                                        view! { <span class="badge">{tr!("admin-task-done")}</span> }.into_any()
                                                    } else if task.overdue {
                                                        view! { <span class="badge badge-danger">{tr!("admin-task-overdue")}</span> }.into_any()
                                                    } else {
                                                        ().into_any()
                                                    }}
                                                    <span class="item-meta">{tr!("admin-task-due", when = due, who = who)}</span>
                                                    {task
                                                        .done_at
                                                        .is_none()
                                                        .then(|| {
                                                            view! {
                                                                <Button
                                                                    kind=ButtonKind::Secondary
                                                                    aria_describedby=name_id
                                                                    busy=complete.pending()
                                                                    on_click=Callback::new(move |_| {
                                                                        complete.dispatch((id.clone(), version));
                                                                    })
                                                                >
                                                                    {tr!("admin-task-complete")}
                                                                </Button>
                                                            }
                                                        })}
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            }
                                .into_any(),
                        })
                }}
            </Suspense>
            <details class="add-task">
                <summary>{tr!("admin-task-add")}</summary>
                <form class="form" id="task-form" on:submit=on_submit>
                    <TextField id="task-title" label=tr!("admin-task-title") value=title required=true />
                    <TextField id="task-due" label=tr!("admin-task-due-date") value=due input_type="date" required=true />
                    <SelectField
                        id="task-assignee"
                        label=tr!("admin-task-assignee")
                        value=assignee
                        options=Signal::derive(move || people.get_value())
                    />
                    {move || problem.get().map(|text| view! { <p class="field-error">{text}</p> })}
                    <Button id="task-submit" button_type="submit" busy=create.pending()>
                        {tr!("admin-task-submit")}
                    </Button>
                </form>
            </details>
        </Card>
    }
}

#[component]
pub fn Agreements(detail: Detail) -> impl IntoView {
    let api = use_api();
    let case_id = StoredValue::new(detail.case.id.clone());
    let refresh = RwSignal::new(0u32);
    let loaded = LocalResource::new(move || {
        refresh.track();
        let case_id = case_id.get_value();
        async move { api.run::<CaseWork>(case_work::Variables { case_id }).await }
    });
    let failure = RwSignal::new(None::<ApiError>);
    let draft = Action::new_local(move |kind: &Kind| {
        let variables = draft_agreement::Variables {
            case_id: case_id.get_value(),
            kind: match kind {
                Kind::MEMORANDUM_OF_UNDERSTANDING => {
                    draft_agreement::AgreementKind::MEMORANDUM_OF_UNDERSTANDING
                }
                Kind::SETTLEMENT_AGREEMENT => draft_agreement::AgreementKind::SETTLEMENT_AGREEMENT,
                _ => draft_agreement::AgreementKind::AGREEMENT_TO_MEDIATE,
            },
        };
        async move { api.run::<DraftAgreement>(variables).await }
    });
    on_result(draft, failure, move |_| {
        refresh.update(|n| *n += 1);
    });
    let parties = StoredValue::new(
        detail
            .parties
            .iter()
            .map(|p| (p.id.clone(), p.name.clone()))
            .collect::<Vec<_>>(),
    );
    view! {
        <Card id="case-agreements" title=tr!("admin-agreements-title")>
            {move || failure.get().map(|error| view! { <ErrorAlert error=error /> })}
            <Suspense fallback=move || view! { <Loading /> }>
                {move || {
                    loaded
                        .get()
                        .map(|result| match result {
                            Err(error) => view! { <ErrorAlert error=error /> }.into_any(),
                            Ok(data) => data
                                .case_agreements
                                .into_iter()
                                .map(|a| view! { <AgreementEditor agreement=a parties=parties.get_value() on_saved=Callback::new(move |_| refresh.update(|n| *n += 1)) /> })
                                .collect_view()
                                .into_any(),
                        })
                }}
            </Suspense>
            <h3 class="subheading">{tr!("admin-agreement-new")}</h3>
            <div class="button-row">
                {[Kind::AGREEMENT_TO_MEDIATE, Kind::MEMORANDUM_OF_UNDERSTANDING, Kind::SETTLEMENT_AGREEMENT]
                    .into_iter()
                    .map(|kind| {
                        let label = kind_label(&kind);
                        let id = format!("draft-{}", format!("{kind:?}").to_lowercase());
                        view! {
                            <Button
                                id=id
                                kind=ButtonKind::Secondary
                                busy=draft.pending()
                                on_click=Callback::new(move |_| {
                                    failure.set(None);
                                    draft.dispatch(kind.clone());
                                })
                            >
                                {tr!("admin-agreement-draft", kind = label.clone())}
                            </Button>
                        }
                    })
                    .collect_view()}
            </div>
        </Card>
    }
}

#[component]
fn AgreementEditor(
    agreement: Agreement,
    parties: Vec<(String, String)>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let body = RwSignal::new(agreement.body.clone());
    let version = RwSignal::new(agreement.version);
    let shared_with = RwSignal::new(agreement.shared_with_party_ids.clone());
    let failure = RwSignal::new(None::<ApiError>);
    let saved = RwSignal::new(false);
    let id = StoredValue::new(agreement.id.clone());
    let edit = Action::new_local(move |_: &()| {
        let variables = edit_agreement::Variables {
            id: id.get_value(),
            version: version.get_untracked(),
            body: body.get_untracked(),
        };
        async move { api.run::<EditAgreement>(variables).await }
    });
    on_result(edit, failure, move |data| {
        version.set(data.edit_agreement.version);
        saved.set(true);
    });
    let share = Action::new_local(move |_: &()| {
        let variables = share_agreement::Variables {
            id: id.get_value(),
            party_ids: shared_with.get_untracked(),
        };
        async move { api.run::<ShareAgreement>(variables).await }
    });
    on_result(share, failure, move |_| {
        on_saved.run(());
    });
    let body_id = format!("agreement-body-{}", agreement.id);
    let updated = intl::format_timestamp(&agreement.updated_at, i18n.locale(), None);
    view! {
        <section class="agreement" data-agreement=agreement.id.clone()>
            <h3 class="subheading">{kind_label(&agreement.kind)}</h3>
            <p class="hint">
                {move || {
                    let (number, when) = (version.get(), updated.clone());
                    tr!("admin-agreement-version", version = number, when = when)()
                }}
            </p>
            {move || {
                failure
                    .get()
                    .map(|error| {
                        let stale = error.code() == Some(ErrorCode::StaleVersion);
                        view! {
                            <ErrorAlert error=error />
                            {stale.then(|| view! { <Button kind=ButtonKind::Secondary on_click=Callback::new(move |_| on_saved.run(()))>{tr!("admin-case-reload")}</Button> })}
                        }
                    })
            }}
            <div class="field">
                <label for=body_id.clone()>{tr!("admin-agreement-text")}</label>
                <textarea
                    id=body_id
                    rows="12"
                    prop:value=move || body.get()
                    on:input=move |event| {
                        saved.set(false);
                        body.set(event_target_value(&event));
                    }
                ></textarea>
            </div>
            <div class="button-row">
                <Button
                    busy=edit.pending()
                    on_click=Callback::new(move |_| {
                        failure.set(None);
                        edit.dispatch(());
                    })
                >
                    {tr!("admin-agreement-save")}
                </Button>
                <span role="status" class="hint">{move || saved.get().then(tr!("admin-agreement-saved"))}</span>
            </div>
            <fieldset class="checkbox-group">
                <legend>{tr!("admin-agreement-share-with")}</legend>
                {parties
                    .into_iter()
                    .map(|(pid, name)| {
                        let input_id = format!("share-{}-{pid}", agreement.id);
                        let checked = {
                            let pid = pid.clone();
                            move || shared_with.with(|s| s.contains(&pid))
                        };
                        view! {
                            <div class="field-check">
                                <input
                                    id=input_id.clone()
                                    type="checkbox"
                                    prop:checked=checked
                                    on:change=move |event| {
                                        let on = event_target_checked(&event);
                                        shared_with.update(|s| {
                                            s.retain(|p| *p != pid);
                                            if on {
                                                s.push(pid.clone());
                                            }
                                        });
                                    }
                                />
                                <label for=input_id>{name}</label>
                            </div>
                        }
                    })
                    .collect_view()}
            </fieldset>
            <Button
                kind=ButtonKind::Secondary
                busy=share.pending()
                on_click=Callback::new(move |_| {
                    failure.set(None);
                    share.dispatch(());
                })
            >
                {tr!("admin-agreement-share")}
            </Button>
        </section>
    }
}

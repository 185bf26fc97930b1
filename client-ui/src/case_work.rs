//! What a party does on their cases besides the intake: the to-do list on
//! the home page and under "Your cases", answering a proposed mediator, and
//! reading the agreements the case manager shared with them.

use graphql_client::GraphQLQuery;
use leptos::prelude::*;
use portal_kit::cases::dispute_type_label;
use portal_kit::gql::DateTime;
use portal_kit::prelude::*;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/case_work.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct MyToDos;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/case_work.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct MediatorProposal;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/case_work.graphql",
    variables_derives = "Clone",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct RespondToMediator;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/case_work.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct SharedAgreements;

type Kind = my_to_dos::ToDoKind;

/// "Your to-do list": everything waiting for the reader, deadlines first,
/// each a link to where it is done. Says so when nothing is waiting.
#[component]
pub fn ToDoList() -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let loaded =
        LocalResource::new(move || async move { api.run::<MyToDos>(my_to_dos::Variables).await });
    view! {
        <Card id="todo-list" title=tr!("todo-title")>
            <Suspense fallback=move || view! { <Loading /> }>
                {move || {
                    loaded
                        .get()
                        .map(|result| match result {
                            Err(error) => view! { <ErrorAlert error=error /> }.into_any(),
                            Ok(data) if data.my_to_dos.is_empty() => {
                                view! { <p class="empty" id="todo-empty">{tr!("todo-empty")}</p> }.into_any()
                            }
                            Ok(data) => view! {
                                <ul class="plain-list todo-items">
                                    {data
                                        .my_to_dos
                                        .into_iter()
                                        .map(|todo| {
                                            let kind_of = dispute_type_label(&todo.dispute_type);
                                            let reference = todo.case_reference.clone().unwrap_or_default();
                                            let (text, href) = match todo.kind {
                                                Kind::FINISH_INTAKE => (
                                                    tr!("todo-finish-intake", kind = kind_of)(),
                                                    format!("/intake/{}", todo.draft_id.clone().unwrap_or_default()),
                                                ),
                                                Kind::TELL_YOUR_SIDE => (
                                                    tr!("todo-tell-your-side", reference = reference)(),
                                                    format!("/cases/{}", todo.case_id.clone().unwrap_or_default()),
                                                ),
                                                _ => (
                                                    tr!("todo-answer-mediator", reference = reference)(),
                                                    format!("/cases/{}#mediator-proposal", todo.case_id.clone().unwrap_or_default()),
                                                ),
                                            };
                                            let due = todo.due_at.as_ref().map(|due| {
                                                let when = intl::format_timestamp(due, i18n.locale(), None);
                                                tr!("todo-due", date = when)()
                                            });
                                            view! {
                                                <li class="todo-item" data-kind=format!("{:?}", todo.kind)>
                                                    <a href=href>{text}</a>
                                                    {due.map(|due| view! { <span class="item-meta">{due}</span> })}
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
        </Card>
    }
}

/// The mediator proposed for the case, when the party is asked about them:
/// confirm, or object with a reason only the staff read.
#[component]
pub fn MediatorProposalCard(case_id: String) -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let id = StoredValue::new(case_id);
    let loaded = LocalResource::new(move || {
        let case_id = id.get_value();
        async move {
            api.run::<MediatorProposal>(mediator_proposal::Variables { case_id })
                .await
        }
    });
    let objecting = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let missing = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiError>);
    let thanks = RwSignal::new(false);
    let respond = Action::new_local(move |variables: &respond_to_mediator::Variables| {
        let variables = variables.clone();
        async move { api.run::<RespondToMediator>(variables).await }
    });
    // Once answered the proposal may close (an objection ends it), so the
    // thanks is shown from here rather than from the proposal.
    on_result(respond, failure, move |_| thanks.set(true));
    move || {
        if thanks.get() {
            return Some(
                view! {
                    <Card id="mediator-proposal" title=tr!("proposal-title")>
                        <p id="proposal-answered" role="status">{tr!("proposal-thanks")}</p>
                    </Card>
                }
                .into_any(),
            );
        }
        let proposal = loaded
            .get()
            .and_then(Result::ok)
            .and_then(|d| d.mediator_proposal);
        proposal.map(|p| {
            let assignment = StoredValue::new(p.assignment_id.clone());
            let deadline = p
                .response_deadline
                .as_ref()
                .map(|d| intl::format_timestamp(d, i18n.locale(), None));
            let name = p.mediator_name.clone();
            let send = move |response: respond_to_mediator::MediatorResponse, reason: Option<String>| {
                failure.set(None);
                respond.dispatch(respond_to_mediator::Variables {
                    assignment_id: assignment.get_value(),
                    response,
                    reason,
                });
            };
            view! {
                <Card id="mediator-proposal" title=tr!("proposal-title")>
                    {if p.answered {
                        view! { <p id="proposal-answered">{tr!("proposal-answered")}</p> }.into_any()
                    } else {
                        view! {
                            <p class="lead" id="proposal-name">{tr!("proposal-intro", name = name.clone())}</p>
                            {deadline.map(|d| view! { <p class="hint" id="proposal-deadline">{tr!("proposal-deadline", date = d)}</p> })}
                            <p class="hint">{tr!("proposal-explain")}</p>
                            {move || failure.get().map(|error| view! { <ErrorAlert error=error /> })}
                            <div class="button-row">
                                <Button
                                    id="proposal-confirm"
                                    busy=respond.pending()
                                    on_click=Callback::new(move |_| send(respond_to_mediator::MediatorResponse::CONFIRM, None))
                                >
                                    {tr!("proposal-confirm")}
                                </Button>
                                <Button
                                    id="proposal-object"
                                    kind=ButtonKind::Secondary
                                    on_click=Callback::new(move |_| {
                                        objecting.set(true);
                                        portal_kit::layout::focus_after_render("proposal-reason");
                                    })
                                >
                                    {tr!("proposal-object")}
                                </Button>
                            </div>
                            <Show when=move || objecting.get()>
                                <form
                                    class="form"
                                    id="proposal-object-form"
                                    on:submit=move |event| {
                                        event.prevent_default();
                                        let text = reason.get_untracked().trim().to_owned();
                                        missing.set(text.is_empty());
                                        if !text.is_empty() {
                                            send(respond_to_mediator::MediatorResponse::OBJECT, Some(text));
                                        }
                                    }
                                >
                                    <div class="field">
                                        <label for="proposal-reason">{tr!("proposal-reason")}</label>
                                        <p class="hint" id="proposal-reason-hint">{tr!("proposal-reason-hint")}</p>
                                        <textarea
                                            id="proposal-reason"
                                            rows="4"
                                            aria-invalid=move || missing.get().then_some("true")
                                            aria-describedby=move || {
                                                if missing.get() {
                                                    "proposal-reason-hint proposal-reason-error"
                                                } else {
                                                    "proposal-reason-hint"
                                                }
                                            }
                                            prop:value=move || reason.get()
                                            on:input=move |event| reason.set(event_target_value(&event))
                                        ></textarea>
                                        {move || {
                                            missing
                                                .get()
                                                .then(|| view! { <p class="field-error" id="proposal-reason-error">{tr!("proposal-reason-missing")}</p> })
                                        }}
                                    </div>
                                    <Button id="proposal-object-send" button_type="submit" busy=respond.pending()>
                                        {tr!("proposal-object-send")}
                                    </Button>
                                </form>
                            </Show>
                        }
                            .into_any()
                    }}
                </Card>
            }
            .into_any()
        })
    }
}

type Agreement = shared_agreements::SharedAgreementsCaseAgreements;

fn agreement_label(kind: &shared_agreements::AgreementKind) -> String {
    match kind {
        shared_agreements::AgreementKind::AGREEMENT_TO_MEDIATE => tr!("agreement-to-mediate")(),
        shared_agreements::AgreementKind::MEMORANDUM_OF_UNDERSTANDING => tr!("agreement-mou")(),
        shared_agreements::AgreementKind::SETTLEMENT_AGREEMENT => tr!("agreement-settlement")(),
        _ => tr!("agreement-other")(),
    }
}

/// The agreement drafts shared with the party, to read before signing
/// (signing comes with documents).
#[component]
pub fn SharedAgreementsCard(case_id: String) -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let id = StoredValue::new(case_id);
    let loaded = LocalResource::new(move || {
        let case_id = id.get_value();
        async move {
            api.run::<SharedAgreements>(shared_agreements::Variables { case_id })
                .await
        }
    });
    move || {
        let agreements: Vec<Agreement> = loaded
            .get()
            .and_then(Result::ok)
            .map(|d| d.case_agreements)
            .unwrap_or_default();
        (!agreements.is_empty()).then(|| {
            view! {
                <Card id="shared-agreements" title=tr!("shared-agreements-title")>
                    <p class="hint">{tr!("shared-agreements-intro")}</p>
                    {agreements
                        .into_iter()
                        .map(|a| {
                            let updated = intl::format_date(&a.updated_at, i18n.locale()).unwrap_or_default();
                            let version = a.version;
                            view! {
                                <details class="agreement" data-kind=format!("{:?}", a.kind)>
                                    <summary>
                                        {agreement_label(&a.kind)}
                                        " · "
                                        {tr!("shared-agreement-version", version = version, date = updated)}
                                    </summary>
                                    <div class="agreement-body">{a.body.clone()}</div>
                                </details>
                            }
                        })
                        .collect_view()}
                </Card>
            }
        })
    }
}

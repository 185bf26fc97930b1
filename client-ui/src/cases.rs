//! `/cases`: the party's cases; `/cases/:id`: one case, with where it stands,
//! who takes part and what has happened, as much as this party may see.

use graphql_client::GraphQLQuery;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use leptos_router::hooks::use_query_map;
use portal_kit::cases::{CaseStatus, STEPS, dispute_type_label, event_label, status_label};
use portal_kit::gql::DateTime;
use portal_kit::intake::IntakeAnswers;
use portal_kit::prelude::*;
use shared_types::intake::TemplateDefinition;

use crate::case_work::{MediatorProposalCard, SharedAgreementsCard, ToDoList};
use crate::intake::RespondentIntakeCard;
use crate::schedule::SessionTimesCard;

#[allow(clippy::upper_case_acronyms)]
type JSON = serde_json::Value;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/cases.graphql",
    extern_enums("CaseStatus"),
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct MyCases;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/cases.graphql",
    extern_enums("CaseStatus"),
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct CaseOverview;

type Overview = case_overview::CaseOverviewCase;
type PartyType = case_overview::PartyType;
type Side = case_overview::Side;
type Intake = case_overview::CaseOverviewCaseIntakes;

#[component]
pub fn MyCasesPage() -> impl IntoView {
    view! {
        <SignedIn let:_viewer>
            <MyCasesBody />
        </SignedIn>
    }
}

#[component]
fn MyCasesBody() -> impl IntoView {
    let api = use_api();
    let session = use_session();
    let i18n = use_i18n();
    let loaded = LocalResource::new(move || async move {
        let result = api.run::<MyCases>(my_cases::Variables).await;
        if let Err(error) = result {
            session.notice(error);
        }
        result
    });
    view! {
        <PageTitle id="page-title" text=tr!("client-cases-title") />
        <p>
            <a id="start-case" class="button button-primary" href="/cases/new">
                {tr!("client-cases-start")}
            </a>
        </p>
        <ToDoList />
        <Suspense fallback=move || view! { <Loading /> }>
            {move || {
                loaded
                    .get()
                    .map(|result| match result {
                        Err(error) => view! { <ErrorAlert error=error id="cases-error" /> }.into_any(),
                        Ok(data) if data.cases.nodes.is_empty() => {
                            view! { <p id="cases-empty" class="empty">{tr!("client-cases-empty")}</p> }.into_any()
                        }
                        Ok(data) => {
                            view! {
                                <ul id="my-cases" class="plain-list">
                                    {data
                                        .cases
                                        .nodes
                                        .into_iter()
                                        .map(|case| {
                                            let href = format!("/cases/{}", case.id);
                                            let opened = intl::format_date(&case.opened_at, i18n.locale())
                                                .unwrap_or_default();
                                            view! {
                                                <li class="card">
                                                    <h2 class="card-title">
                                                        <a href=href>{case.title.clone()}</a>
                                                    </h2>
                                                    <p>
                                                        <code>{case.reference.clone()}</code>
                                                        " · "
                                                        {status_label(case.status)}
                                                    </p>
                                                    <p class="hint">{tr!("client-case-opened", date = opened)}</p>
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            }
                                .into_any()
                        }
                    })
            }}
        </Suspense>
    }
}

#[component]
pub fn CaseOverviewPage() -> impl IntoView {
    view! {
        <SignedIn let:_viewer>
            <CaseOverviewBody />
        </SignedIn>
    }
}

#[component]
fn CaseOverviewBody() -> impl IntoView {
    let api = use_api();
    let session = use_session();
    let params = use_params_map();
    let loaded = LocalResource::new(move || {
        let id = params.with(|p| p.get("id").unwrap_or_default());
        async move {
            let result = api
                .run::<CaseOverview>(case_overview::Variables { id })
                .await;
            if let Err(error) = result {
                session.notice(error);
            }
            result
        }
    });
    view! {
        <Suspense fallback=move || view! { <Loading /> }>
            {move || {
                loaded
                    .get()
                    .map(|result| match result {
                        Err(error) => view! {
                            <PageTitle id="page-title" text=tr!("client-case-title") />
                            <ErrorAlert error=error id="case-error" />
                        }
                            .into_any(),
                        Ok(data) => view! { <CaseView case=data.case /> }.into_any(),
                    })
            }}
        </Suspense>
    }
}

fn party_label(kind: &PartyType) -> String {
    match kind {
        PartyType::CLAIMANT => tr!("party-type-claimant")(),
        PartyType::RESPONDENT => tr!("party-type-respondent")(),
        PartyType::REPRESENTATIVE => tr!("party-type-representative")(),
        _ => tr!("party-type-other")(),
    }
}

#[component]
fn CaseView(case: Overview) -> impl IntoView {
    let i18n = use_i18n();
    let status = case.case.status;
    let current = status.step();
    let title = case.case.title.clone();
    let query = use_query_map();
    let filed = query.with_untracked(|q| q.get("filed").is_some());
    let answered = query.with_untracked(|q| q.get("answered").is_some());
    let definition: Option<TemplateDefinition> =
        serde_json::from_value(case.template.definition.clone()).ok();
    let can_respond = case.can.submit_respondent_intake;
    let case_id = case.case.id.clone();
    let intakes = case.intakes.clone();
    let my_side = case.my_side.as_ref().map(|s| format!("{s:?}"));
    view! {
        <PageTitle id="page-title" text=Signal::derive(move || title.clone()) />
        {filed
            .then(|| {
                view! {
                    <Alert id="case-filed">
                        <p>{tr!("client-case-filed")}</p>
                    </Alert>
                }
            })}
        {answered
            .then(|| {
                view! {
                    <Alert id="case-answered">
                        <p>{tr!("client-case-answered")}</p>
                    </Alert>
                }
            })}
        {can_respond.then(|| view! { <RespondentIntakeCard case_id=case_id.clone() /> })}
        <MediatorProposalCard case_id=case_id.clone() />
        {(current < STEPS.len())
            .then(|| view! { <SessionTimesCard case_id=case_id.clone() my_side=my_side.clone() /> })}
        <p class="lead">
            <code id="case-reference">{case.case.reference.clone()}</code>
            " · "
            {dispute_type_label(&case.case.dispute_type)}
        </p>
        <Card id="case-stage" title=tr!("client-case-stage")>
            <p id="case-status">{status_label(status)}</p>
            <ol class="case-steps" aria-label=tr!("client-case-steps")>
                {STEPS
                    .iter()
                    .enumerate()
                    .map(|(i, step)| {
                        let here = i == current;
                        view! {
                            <li class:done=i < current aria-current=here.then_some("step")>
                                {status_label(*step)}
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
            {(current >= STEPS.len())
                .then(|| view! { <p class="hint">{tr!("client-case-ended")}</p> })}
        </Card>
        <Card id="case-parties" title=tr!("client-case-parties")>
            <ul class="plain-list">
                {case
                    .parties
                    .into_iter()
                    .map(|p| {
                        let check = if p.verified {
                            tr!("party-verified")()
                        } else {
                            tr!("party-not-verified")()
                        };
                        let joined = if p.has_account {
                            tr!("party-joined")()
                        } else {
                            tr!("party-not-joined")()
                        };
                        view! {
                            <li>
                                <strong>{p.name.clone()}</strong>
                                " — "
                                {party_label(&p.party_type)}
                                <br />
                                <span class="hint">{format!("{joined} · {check}")}</span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </Card>
        {definition.map(|definition| view! { <Intakes definition=definition intakes=intakes /> })}
        <SharedAgreementsCard case_id=case_id />
        <Card id="case-timeline" title=tr!("client-case-timeline")>
            <ol class="timeline">
                {case
                    .timeline
                    .into_iter()
                    .map(|e| {
                        let when = intl::format_timestamp(&e.created_at, i18n.locale(), None);
                        view! {
                            <li data-kind=e.kind.clone()>
                                <time datetime=e.created_at.clone()>{when}</time>
                                " — "
                                {event_label(&e.kind)}
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        </Card>
        <p>
            <a href="/cases">{tr!("client-case-back")}</a>
        </p>
    }
}

/// The submitted intakes, as much of each as this party may read: their own
/// side's whole, the other side's shared answers only.
#[component]
fn Intakes(definition: TemplateDefinition, intakes: Vec<Intake>) -> impl IntoView {
    (!intakes.is_empty()).then(|| {
        view! {
            <Card id="case-intakes" title=tr!("client-case-intakes")>
                {intakes
                    .into_iter()
                    .map(|intake| {
                        let side = match intake.side {
                            Side::CLAIMANT => tr!("side-claimant")(),
                            Side::RESPONDENT => tr!("side-respondent")(),
                            _ => tr!("party-type-other")(),
                        };
                        view! {
                            <section class="intake-summary" data-side=format!("{:?}", intake.side)>
                                <h3 class="subheading">{tr!("client-case-intake-of", side = side)}</h3>
                                {(!intake.complete)
                                    .then(|| view! { <p class="hint">{tr!("client-case-intake-shared-only")}</p> })}
                                <IntakeAnswers definition=definition.clone() answers=intake.answers />
                            </section>
                        }
                    })
                    .collect_view()}
            </Card>
        }
    })
}

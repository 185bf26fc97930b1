//! `/cases/:id`: one case as the staff running it see it: where it stands and
//! what may happen next (accept, decline, outcomes, close, archive), its
//! parties and their verification, each side's intake, the mediator and the
//! conflict check, tasks, agreements and the timeline.

mod assignment;
mod lifecycle;
mod parties;
mod schedule;
mod work;

use graphql_client::GraphQLQuery;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use portal_kit::cases::{
    CaseStatus, SlaBadge, SlaState, dispute_type_label, event_label, status_label,
};
use portal_kit::gql::DateTime;
use portal_kit::intake::IntakeAnswers;
use portal_kit::prelude::*;
use shared_types::intake::TemplateDefinition;

use crate::StaffPage;

#[allow(clippy::upper_case_acronyms)]
type JSON = serde_json::Value;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/case_detail.graphql",
    extern_enums("CaseStatus", "SlaState"),
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct CaseDetail;

pub type Detail = case_detail::CaseDetailCase;
pub type Party = case_detail::CaseDetailCaseParties;
pub type PartyType = case_detail::PartyType;

#[component]
pub fn CasePage() -> impl IntoView {
    view! {
        <StaffPage let:viewer>
            <CaseBody viewer=viewer />
        </StaffPage>
    }
}

#[component]
fn CaseBody(viewer: Viewer) -> impl IntoView {
    let api = use_api();
    let params = use_params_map();
    let reload = RwSignal::new(0u32);
    let loaded = LocalResource::new(move || {
        reload.track();
        let id = params.with(|p| p.get("id").unwrap_or_default());
        async move { api.run::<CaseDetail>(case_detail::Variables { id }).await }
    });
    let viewer = StoredValue::new(viewer);
    // What the last action did, kept across the reload that follows it.
    let notice = RwSignal::new(None::<String>);
    view! {
        <div role="status" id="case-notice">
            {move || {
                notice
                    .get()
                    .map(|text| {
                        view! {
                            <div class="alert alert-info">
                                <div class="alert-body"><p>{text}</p></div>
                            </div>
                        }
                    })
            }}
        </div>
        <Suspense fallback=move || view! { <Loading /> }>
            {move || {
                loaded
                    .get()
                    .map(|result| match result {
                        Err(error) => view! {
                            <PageTitle id="page-title" text=tr!("admin-case-title") />
                            <ErrorAlert error=error id="case-error" />
                            <p><a href="/cases">{tr!("admin-case-back")}</a></p>
                        }
                            .into_any(),
                        Ok(data) => view! {
                            <CaseView detail=data.case viewer=viewer.get_value() reload=reload notice=notice />
                        }
                            .into_any(),
                    })
            }}
        </Suspense>
    }
}

#[component]
fn CaseView(
    detail: Detail,
    viewer: Viewer,
    reload: RwSignal<u32>,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let case = detail.case.clone();
    let title = case.title.clone();
    let definition: Option<TemplateDefinition> =
        serde_json::from_value(detail.template.definition.clone()).ok();
    let opened = intl::format_date(&case.opened_at, i18n.locale()).unwrap_or_default();
    let sla = case
        .sla
        .clone()
        .filter(|_| case.status == CaseStatus::Intake);
    let duplicates: Vec<String> = case
        .possible_duplicates
        .iter()
        .map(|d| d.reference.clone())
        .collect();
    let parties = detail.parties.clone();
    let manage = detail.can.manage;
    let unverified = parties.iter().filter(|p| !p.verified).count();
    let party_name = {
        let parties = parties.clone();
        move |id: &str| {
            parties
                .iter()
                .find(|p| p.id == id)
                .map(|p| p.name.clone())
                .unwrap_or_default()
        }
    };
    let lifecycle = view! { <lifecycle::Lifecycle detail=detail.clone() viewer=viewer.clone() reload=reload /> };
    let party_list =
        view! { <parties::Parties detail=detail.clone() reload=reload notice=notice /> };
    let work = manage.then(|| {
        view! {
            <assignment::Assignment detail=detail.clone() reload=reload />
            <schedule::Sessions case_id=detail.case.id.clone() />
            <work::Tasks detail=detail.clone() viewer=viewer.clone() />
            <work::Agreements detail=detail.clone() />
        }
    });
    let intakes = detail.intakes.clone();
    let timeline = detail.timeline.clone();
    view! {
        <PageTitle id="page-title" text=Signal::derive(move || title.clone()) />
        <p class="lead">
            <code id="case-reference">{case.reference.clone()}</code>
            " · "
            {dispute_type_label(&case.dispute_type)}
            " · "
            {tr!("admin-case-opened", date = opened)}
        </p>
        <Card id="case-stage" title=tr!("admin-case-stage")>
            <p>
                <span id="case-status" class="badge">{status_label(case.status)}</span>
                " "
                {sla.map(|sla| view! { <SlaBadge state=sla.state due_at=sla.due_at /> })}
            </p>
            {(!duplicates.is_empty())
                .then(|| {
                    view! {
                        <Alert id="case-duplicates">
                            <p>{tr!("admin-case-duplicates", references = duplicates.join(", "))}</p>
                        </Alert>
                    }
                })}
            {(unverified > 0)
                .then(|| {
                    view! {
                        <p id="case-unverified" class="badge badge-warning">
                            {tr!("admin-case-unverified", count = unverified as i64)}
                        </p>
                    }
                })}
            {lifecycle}
        </Card>
        {party_list}
        {definition
            .map(|definition| {
                let party_name = party_name.clone();
                view! {
                    <Card id="case-intakes" title=tr!("admin-case-intakes")>
                        {if intakes.is_empty() {
                            view! { <p class="empty">{tr!("admin-case-no-intakes")}</p> }.into_any()
                        } else {
                            intakes
                                .into_iter()
                                .map(|intake| {
                                    let name = party_name(&intake.party_id);
                                    view! {
                                        <section class="intake-summary" data-side=format!("{:?}", intake.side)>
                                            <h3 class="subheading">{tr!("admin-case-intake-of", name = name)}</h3>
                                            <IntakeAnswers definition=definition.clone() answers=intake.answers />
                                        </section>
                                    }
                                })
                                .collect_view()
                                .into_any()
                        }}
                    </Card>
                }
            })}
        {work}
        <Card id="case-timeline" title=tr!("admin-case-timeline")>
            <ol class="timeline">
                {timeline
                    .into_iter()
                    .map(|e| {
                        let when = intl::format_timestamp(&e.created_at, i18n.locale(), None);
                        view! {
                            <li data-kind=e.kind.clone()>
                                <time datetime=e.created_at.clone()>{when}</time>
                                " — "
                                {event_label(&e.kind)}
                                {e.note.map(|note| view! { <span class="hint">" “" {note} "”"</span> })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        </Card>
        <p>
            <a href="/cases">{tr!("admin-case-back")}</a>
        </p>
    }
}

/// The party's kind in words.
pub fn party_label(kind: &PartyType) -> String {
    match kind {
        PartyType::CLAIMANT => tr!("party-type-claimant")(),
        PartyType::RESPONDENT => tr!("party-type-respondent")(),
        PartyType::REPRESENTATIVE => tr!("party-type-representative")(),
        _ => tr!("party-type-other")(),
    }
}

//! Guided intake: `/cases/new` starts one (or resumes an unfinished one) and
//! `/intake/:id` walks through its steps, saving each, to a review and submit.

mod fields;
mod wizard;

pub use wizard::IntakePage;

use graphql_client::GraphQLQuery;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;
use portal_kit::cases::dispute_type_label;
use portal_kit::gql::DateTime;
use portal_kit::prelude::*;

/// One intake's answers: field key → value.
pub type Answers = shared_types::intake::Answers;
#[allow(clippy::upper_case_acronyms)]
type JSON = serde_json::Value;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/intake.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct IntakeChoices;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/intake.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct StartIntake;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/intake.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct StartRespondentIntake;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/intake.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct DiscardIntakeDraft;

#[component]
pub fn NewCasePage() -> impl IntoView {
    view! {
        <SignedIn let:_viewer>
            <NewCaseBody />
        </SignedIn>
    }
}

#[component]
fn NewCaseBody() -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let navigate = use_navigate();
    let reload = RwSignal::new(0u32);
    let loaded = LocalResource::new(move || {
        reload.track();
        async move { api.run::<IntakeChoices>(intake_choices::Variables).await }
    });
    let failure = RwSignal::new(None::<ApiError>);
    let start = Action::new_local(move |dispute_type: &String| {
        let dispute_type = dispute_type.clone();
        async move {
            api.run::<StartIntake>(start_intake::Variables { dispute_type })
                .await
        }
    });
    Effect::new(move || match start.value().get() {
        Some(Ok(data)) => navigate(
            &format!("/intake/{}", data.start_intake.id),
            NavigateOptions::default(),
        ),
        Some(Err(error)) => failure.set(Some(error)),
        None => {}
    });
    let discard = Action::new_local(move |id: &String| {
        let id = id.clone();
        async move {
            let result = api
                .run::<DiscardIntakeDraft>(discard_intake_draft::Variables { id })
                .await;
            match result {
                Ok(_) => reload.update(|n| *n += 1),
                Err(error) => failure.set(Some(error)),
            }
        }
    });
    let busy = start.pending();
    view! {
        <PageTitle id="page-title" text=tr!("intake-new-title") />
        <p class="lead">{tr!("intake-new-intro")}</p>
        {move || failure.get().map(|error| view! { <ErrorAlert error=error id="intake-error" /> })}
        <Suspense fallback=move || view! { <Loading /> }>
            {move || {
                loaded
                    .get()
                    .map(|result| match result {
                        Err(error) => view! { <ErrorAlert error=error /> }.into_any(),
                        Ok(data) => {
                            let drafts = data
                                .my_intake_drafts
                                .into_iter()
                                .filter(|d| d.case_id.is_none())
                                .collect::<Vec<_>>();
                            view! {
                                {(!drafts.is_empty())
                                    .then(|| {
                                        view! {
                                            <Card id="intake-drafts" title=tr!("intake-drafts-title")>
                                                <ul class="plain-list">
                                                    {drafts
                                                        .into_iter()
                                                        .map(|draft| {
                                                            let saved = intl::format_timestamp(
                                                                &draft.updated_at,
                                                                i18n.locale(),
                                                                None,
                                                            );
                                                            let href = format!("/intake/{}", draft.id);
                                                            let id = draft.id.clone();
                                                            let name_id = format!("draft-{}", draft.id);
                                                            view! {
                                                                <li>
                                                                    <span class="item-name" id=name_id.clone()>
                                                                        {dispute_type_label(&draft.template.dispute_type)}
                                                                    </span>
                                                                    <span class="item-meta">
                                                                        {tr!("intake-draft-saved", when = saved)}
                                                                    </span>
                                                                    <div class="button-row">
                                                                        <a class="button button-primary" href=href aria-describedby=name_id.clone()>
                                                                            {tr!("intake-draft-continue")}
                                                                        </a>
                                                                        <Button
                                                                            kind=ButtonKind::Secondary
                                                                            aria_describedby=name_id
                                                                            on_click=Callback::new(move |_| {
                                                                                if confirm(&tr!("intake-draft-discard-confirm")()) {
                                                                                    discard.dispatch(id.clone());
                                                                                }
                                                                            })
                                                                        >
                                                                            {tr!("intake-draft-discard")}
                                                                        </Button>
                                                                    </div>
                                                                </li>
                                                            }
                                                        })
                                                        .collect_view()}
                                                </ul>
                                            </Card>
                                        }
                                    })}
                                <Card id="intake-types" title=tr!("intake-types-title")>
                                    <ul class="plain-list dispute-types">
                                        {data
                                            .intake_templates
                                            .into_iter()
                                            .map(|template| {
                                                let dispute_type = template.dispute_type.clone();
                                                let button_id = format!("start-{}", template.dispute_type);
                                                view! {
                                                    <li>
                                                        <span class="item-name">{dispute_type_label(&template.dispute_type)}</span>
                                                        <span class="item-meta">{template.name.clone()}</span>
                                                        <Button
                                                            id=button_id
                                                            busy=busy
                                                            on_click=Callback::new(move |_| {
                                                                failure.set(None);
                                                                start.dispatch(dispute_type.clone());
                                                            })
                                                        >
                                                            {tr!("intake-start")}
                                                        </Button>
                                                    </li>
                                                }
                                            })
                                            .collect_view()}
                                    </ul>
                                </Card>
                            }
                                .into_any()
                        }
                    })
            }}
        </Suspense>
    }
}

/// Asks the browser to confirm (a native dialog, reachable by keyboard).
fn confirm(message: &str) -> bool {
    window().confirm_with_message(message).unwrap_or(false)
}

/// The respondent's invitation to tell their side, on their case's page.
#[component]
pub fn RespondentIntakeCard(case_id: String) -> impl IntoView {
    let api = use_api();
    let navigate = use_navigate();
    let failure = RwSignal::new(None::<ApiError>);
    let start = Action::new_local(move |case_id: &String| {
        let case_id = case_id.clone();
        async move {
            api.run::<StartRespondentIntake>(start_respondent_intake::Variables { case_id })
                .await
        }
    });
    Effect::new(move || match start.value().get() {
        Some(Ok(data)) => navigate(
            &format!("/intake/{}", data.start_respondent_intake.id),
            NavigateOptions::default(),
        ),
        Some(Err(error)) => failure.set(Some(error)),
        None => {}
    });
    let busy = start.pending();
    view! {
        <Card id="respondent-intake" title=tr!("intake-respond-title")>
            <p>{tr!("intake-respond-intro")}</p>
            {move || failure.get().map(|error| view! { <ErrorAlert error=error /> })}
            <Button
                id="start-respondent-intake"
                busy=busy
                on_click=Callback::new(move |_| {
                    start.dispatch(case_id.clone());
                })
            >
                {tr!("intake-respond-start")}
            </Button>
        </Card>
    }
}

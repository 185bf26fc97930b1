//! What may happen to the case next: the states the API allows the reader
//! now (`can.nextStatuses`), each a button; declining and withdrawing ask why.
//! Taking the case on as its case manager.

use graphql_client::GraphQLQuery;
use leptos::prelude::*;
use portal_kit::cases::{CaseStatus, status_label};
use portal_kit::prelude::*;
use shared_types::ErrorCode;

use super::Detail;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/case_detail.graphql",
    extern_enums("CaseStatus"),
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct AdvanceCase;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/case_detail.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct AssignCaseManager;

/// The words on the button that moves a case to `to`.
fn action_label(to: CaseStatus) -> String {
    match to {
        CaseStatus::Triage => tr!("case-action-accept")(),
        CaseStatus::Declined => tr!("case-action-decline")(),
        CaseStatus::Withdrawn => tr!("case-action-withdraw")(),
        CaseStatus::Settled => tr!("case-action-settled")(),
        CaseStatus::PartiallySettled => tr!("case-action-partially-settled")(),
        CaseStatus::Impasse => tr!("case-action-impasse")(),
        CaseStatus::Closed => tr!("case-action-close")(),
        CaseStatus::Archived => tr!("case-action-archive")(),
        other => tr!("case-action-move", stage = status_label(other))(),
    }
}

/// Moves that need a reason (shown on the timeline).
fn needs_reason(to: CaseStatus) -> bool {
    matches!(to, CaseStatus::Declined | CaseStatus::Withdrawn)
}

#[component]
pub fn Lifecycle(detail: Detail, viewer: Viewer, reload: RwSignal<u32>) -> impl IntoView {
    let api = use_api();
    let case_id = StoredValue::new(detail.case.id.clone());
    let version = detail.case.version;
    let choosing = RwSignal::new(None::<CaseStatus>);
    let reason = RwSignal::new(String::new());
    let reason_missing = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiError>);
    let advance = Action::new_local(move |(to, why): &(CaseStatus, Option<String>)| {
        let input = advance_case::AdvanceCaseInput {
            case_id: case_id.get_value(),
            version,
            to: *to,
            reason: why.clone(),
        };
        async move {
            api.run::<AdvanceCase>(advance_case::Variables { input })
                .await
        }
    });
    on_result(advance, failure, move |_| {
        choosing.set(None);
        reload.update(|n| *n += 1);
    });
    let take = Action::new_local(move |user_id: &String| {
        let variables = assign_case_manager::Variables {
            case_id: case_id.get_value(),
            version,
            case_manager_id: user_id.clone(),
        };
        async move { api.run::<AssignCaseManager>(variables).await }
    });
    on_result(take, failure, move |_| {
        reload.update(|n| *n += 1);
    });
    let busy = Signal::derive(move || advance.pending().get() || take.pending().get());
    let next = detail.can.next_statuses.clone();
    let me = viewer.user.id.clone();
    let mine = detail.case.case_manager_id.as_deref() == Some(me.as_str());
    let may_take = detail.can.manage && !mine;
    let go = move |to: CaseStatus| {
        failure.set(None);
        if needs_reason(to) {
            reason_missing.set(false);
            choosing.set(Some(to));
        } else {
            advance.dispatch((to, None));
        }
    };
    let confirm_with_reason = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let Some(to) = choosing.get_untracked() else {
            return;
        };
        let why = reason.get_untracked().trim().to_owned();
        if why.is_empty() {
            reason_missing.set(true);
            return;
        }
        advance.dispatch((to, Some(why)));
    };
    view! {
        {move || {
            failure
                .get()
                .map(|error| {
                    let stale = error.code() == Some(ErrorCode::StaleVersion);
                    view! {
                        <ErrorAlert error=error id="case-action-error" />
                        {stale
                            .then(|| {
                                view! {
                                    <Button
                                        kind=ButtonKind::Secondary
                                        on_click=Callback::new(move |_| reload.update(|n| *n += 1))
                                    >
                                        {tr!("admin-case-reload")}
                                    </Button>
                                }
                            })}
                    }
                })
        }}
        {(!next.is_empty() || may_take)
            .then(|| {
                view! {
                    <h3 class="subheading">{tr!("admin-case-next")}</h3>
                    <div class="button-row" id="case-actions">
                        {may_take
                            .then(|| {
                                let me = me.clone();
                                view! {
                                    <Button
                                        id="case-take"
                                        kind=ButtonKind::Secondary
                                        busy=busy
                                        on_click=Callback::new(move |_| {
                                            failure.set(None);
                                            take.dispatch(me.clone());
                                        })
                                    >
                                        {tr!("admin-case-take")}
                                    </Button>
                                }
                            })}
                        {next
                            .iter()
                            .map(|to| {
                                let to = *to;
                                let kind = if matches!(to, CaseStatus::Declined | CaseStatus::Withdrawn | CaseStatus::Archived) {
                                    ButtonKind::Secondary
                                } else {
                                    ButtonKind::Primary
                                };
                                view! {
                                    <Button
                                        id=format!("case-to-{}", format!("{to:?}").to_lowercase())
                                        kind=kind
                                        busy=busy
                                        on_click=Callback::new(move |_| go(to))
                                    >
                                        {action_label(to)}
                                    </Button>
                                }
                            })
                            .collect_view()}
                    </div>
                }
            })}
        {move || {
            choosing
                .get()
                .map(|to| {
                    view! {
                        <form class="form" id="case-reason-form" on:submit=confirm_with_reason>
                            <TextField
                                id="case-reason"
                                label=tr!("admin-case-reason")
                                value=reason
                                required=true
                                described_by="case-reason-hint"
                                error=Signal::derive(move || {
                                    reason_missing.get().then(tr!("admin-case-reason-missing"))
                                })
                            />
                            <p id="case-reason-hint" class="hint">{tr!("admin-case-reason-hint")}</p>
                            <div class="button-row">
                                <Button id="case-reason-confirm" button_type="submit" busy=busy>
                                    {action_label(to)}
                                </Button>
                                <Button
                                    kind=ButtonKind::Secondary
                                    on_click=Callback::new(move |_| choosing.set(None))
                                >
                                    {tr!("admin-cancel")}
                                </Button>
                            </div>
                        </form>
                    }
                })
        }}
    }
}

//! Choosing the mediator: the roster ranked by fit and load, the conflict
//! check of each (declared conflicts, earlier cases with the same parties),
//! clearing conflicts with a recorded reason or not at all, proposing with or
//! without asking the parties first, and the history of proposals.

use graphql_client::GraphQLQuery;
use leptos::prelude::*;
use portal_kit::cases::{dispute_type_label, fee_band_label};
use portal_kit::gql::DateTime;
use portal_kit::prelude::*;

use super::Detail;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/case_assignment.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct MediatorChoices;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/case_assignment.graphql",
    variables_derives = "Clone",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct ProposeMediator;

type Suggestion = mediator_choices::MediatorChoicesMediatorSuggestions;
type Found = mediator_choices::MediatorChoicesMediatorSuggestionsConflicts;
type Reason = mediator_choices::ConflictReason;
type Status = mediator_choices::AssignmentStatus;

fn status_text(status: &Status) -> String {
    match status {
        Status::PROPOSED => tr!("assignment-proposed")(),
        Status::CONFIRMED => tr!("assignment-confirmed")(),
        Status::OBJECTED => tr!("assignment-objected")(),
        Status::WITHDRAWN => tr!("assignment-withdrawn")(),
        Status::REPLACED => tr!("assignment-replaced")(),
        _ => tr!("assignment-other")(),
    }
}

fn conflict_text(found: &Found, party: &str) -> String {
    match found.reason {
        Reason::PRIOR_CASE => {
            let reference = found.other_case_reference.clone().unwrap_or_default();
            tr!("conflict-prior-case", party = party, reference = reference)()
        }
        _ => tr!("conflict-declared", party = party)(),
    }
}

#[component]
pub fn Assignment(detail: Detail, reload: RwSignal<u32>) -> impl IntoView {
    let api = use_api();
    let case_id = detail.case.id.clone();
    let refresh = RwSignal::new(0u32);
    let loaded = LocalResource::new(move || {
        refresh.track();
        let case_id = case_id.clone();
        async move {
            api.run::<MediatorChoices>(mediator_choices::Variables { case_id })
                .await
        }
    });
    let parties = StoredValue::new(
        detail
            .parties
            .iter()
            .map(|p| (p.id.clone(), p.name.clone()))
            .collect::<Vec<_>>(),
    );
    let lead = detail.case.lead_mediator_id.clone();
    let detail = StoredValue::new(detail);
    view! {
        <Card id="case-mediator" title=tr!("admin-mediator-title")>
            <Suspense fallback=move || view! { <Loading /> }>
                {move || {
                    let lead = lead.clone();
                    loaded
                        .get()
                        .map(|result| match result {
                            Err(error) => view! { <ErrorAlert error=error /> }.into_any(),
                            Ok(data) => {
                                let name_of = {
                                    let suggestions = data.mediator_suggestions.clone();
                                    move |id: &str| {
                                        suggestions
                                            .iter()
                                            .find(|s| s.mediator.user_id == id)
                                            .map(|s| s.mediator.name.clone())
                                            .unwrap_or_default()
                                    }
                                };
                                let current = lead.as_deref().map(&name_of);
                                let history = data.case_assignments.clone();
                                view! {
                                    {current
                                        .map(|name| {
                                            view! {
                                                <p id="case-lead-mediator">
                                                    {tr!("admin-mediator-current", name = name)}
                                                </p>
                                            }
                                        })}
                                    <Suggestions
                                        suggestions=data.mediator_suggestions
                                        detail=detail.get_value()
                                        parties=parties.get_value()
                                        on_done=Callback::new(move |_| {
                                            refresh.update(|n| *n += 1);
                                            reload.update(|n| *n += 1);
                                        })
                                    />
                                    {(!history.is_empty())
                                        .then(|| {
                                            view! {
                                                <h3 class="subheading">{tr!("admin-mediator-history")}</h3>
                                                <ul class="plain-list" id="assignment-history">
                                                    {history
                                                        .into_iter()
                                                        .map(|a| view! { <HistoryItem name=name_of(&a.mediator_id) status=a.status cleared=a.conflicts_cleared note=a.clearance_note created_at=a.created_at /> })
                                                        .collect_view()}
                                                </ul>
                                            }
                                        })}
                                }
                                    .into_any()
                            }
                        })
                }}
            </Suspense>
        </Card>
    }
}

#[component]
fn HistoryItem(
    name: String,
    status: Status,
    cleared: i64,
    note: Option<String>,
    created_at: DateTime,
) -> impl IntoView {
    let i18n = use_i18n();
    let when = intl::format_timestamp(&created_at, i18n.locale(), None);
    view! {
        <li>
            <strong>{name}</strong>
            " — "
            {status_text(&status)}
            " · "
            <time datetime=created_at.clone()>{when}</time>
            {(cleared > 0)
                .then(|| {
                    view! {
                        <br />
                        <span class="hint">
                            {tr!("admin-mediator-cleared", count = cleared)}
                            {note.map(|note| format!(" “{note}”"))}
                        </span>
                    }
                })}
        </li>
    }
}

#[component]
fn Suggestions(
    suggestions: Vec<Suggestion>,
    detail: Detail,
    parties: Vec<(String, String)>,
    on_done: Callback<()>,
) -> impl IntoView {
    let choosing = RwSignal::new(None::<Suggestion>);
    let parties = StoredValue::new(parties);
    let detail = StoredValue::new(detail);
    if suggestions.is_empty() {
        return view! { <p class="empty">{tr!("admin-mediator-none")}</p> }.into_any();
    }
    view! {
        <h3 class="subheading">{tr!("admin-mediator-suggestions")}</h3>
        <ol class="plain-list" id="mediator-suggestions">
            {suggestions
                .into_iter()
                .map(|s| {
                    let chosen = s.clone();
                    let name_id = format!("mediator-{}", s.mediator.user_id);
                    let conflicts = s.conflicts.len();
                    let specialties = s
                        .mediator
                        .specialties
                        .iter()
                        .map(|d| dispute_type_label(d))
                        .collect::<Vec<_>>()
                        .join(", ");
                    view! {
                        <li data-mediator=s.mediator.user_id.clone()>
                            <strong id=name_id.clone()>{s.mediator.name.clone()}</strong>
                            " "
                            <span class="badge">{tr!("admin-mediator-fit", score = s.score)}</span>
                            {(conflicts > 0)
                                .then(|| {
                                    view! {
                                        " "
                                        <span class="badge badge-danger">
                                            {tr!("admin-mediator-conflicts", count = conflicts as i64)}
                                        </span>
                                    }
                                })}
                            <br />
                            <span class="hint">
                                {tr!(
                                    "admin-mediator-profile", specialties = specialties, languages = s.mediator.languages.join(", "), fee = fee_band_label(&s.mediator.fee_band), active = s.mediator.active_cases, max = s.mediator.max_active_cases
                                )}
                            </span>
                            <div class="button-row">
                                <Button
                                    id=format!("choose-{}", s.mediator.user_id)
                                    kind=ButtonKind::Secondary
                                    aria_describedby=name_id
                                    on_click=Callback::new(move |_| choosing.set(Some(chosen.clone())))
                                >
                                    {tr!("admin-mediator-choose")}
                                </Button>
                            </div>
                        </li>
                    }
                })
                .collect_view()}
        </ol>
        {move || {
            choosing
                .get()
                .map(|s| {
                    view! {
                        <Propose
                            suggestion=s
                            detail=detail.get_value()
                            parties=parties.get_value()
                            on_cancel=Callback::new(move |_| choosing.set(None))
                            on_done=Callback::new(move |_| {
                                choosing.set(None);
                                on_done.run(());
                            })
                        />
                    }
                })
        }}
    }
    .into_any()
}

/// The conflict check of one mediator and the proposal: every conflict must
/// be cleared, with a reason, or the mediator cannot be proposed.
#[component]
fn Propose(
    suggestion: Suggestion,
    detail: Detail,
    parties: Vec<(String, String)>,
    on_cancel: Callback<()>,
    on_done: Callback<()>,
) -> impl IntoView {
    let api = use_api();
    let conflicts = suggestion.conflicts.clone();
    let cleared = RwSignal::new(Vec::<String>::new());
    let note = RwSignal::new(String::new());
    let ask_parties = RwSignal::new(false);
    let days = RwSignal::new("7".to_owned());
    let problem = RwSignal::new(None::<String>);
    let failure = RwSignal::new(None::<ApiError>);
    let all_keys: Vec<String> = conflicts.iter().map(|c| c.key.clone()).collect();
    let mediator_id = suggestion.mediator.user_id.clone();
    let (case_id, version) = (detail.case.id.clone(), detail.case.version);
    let propose = Action::new_local(move |input: &propose_mediator::ProposeMediatorInput| {
        let input = input.clone();
        async move {
            api.run::<ProposeMediator>(propose_mediator::Variables { input })
                .await
        }
    });
    on_result(propose, failure, move |_| {
        on_done.run(());
    });
    let submit = {
        let all_keys = all_keys.clone();
        move |event: leptos::ev::SubmitEvent| {
            event.prevent_default();
            failure.set(None);
            let chosen = cleared.get_untracked();
            if !all_keys.iter().all(|k| chosen.contains(k)) {
                problem.set(Some(tr!("admin-conflict-clear-all")()));
                return;
            }
            let why = note.get_untracked().trim().to_owned();
            if !all_keys.is_empty() && why.is_empty() {
                problem.set(Some(tr!("admin-conflict-note-missing")()));
                return;
            }
            let response_days = if ask_parties.get_untracked() {
                match portal_kit::forms::whole_number_in(&days.get_untracked(), 1..=30) {
                    Ok(Some(n)) => Some(n),
                    _ => {
                        problem.set(Some(tr!("admin-mediator-days-range")()));
                        return;
                    }
                }
            } else {
                None
            };
            problem.set(None);
            propose.dispatch(propose_mediator::ProposeMediatorInput {
                case_id: case_id.clone(),
                version,
                mediator_id: mediator_id.clone(),
                clear_conflicts: chosen,
                clearance_note: Some(why).filter(|w| !w.is_empty()),
                response_days,
            });
        }
    };
    let has_conflicts = !conflicts.is_empty();
    let party_name = move |id: &str| {
        parties
            .iter()
            .find(|(pid, _)| pid == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    };
    view! {
        <form class="form" id="propose-form" on:submit=submit>
            <h3 class="subheading">{tr!("admin-mediator-propose-title", name = suggestion.mediator.name.clone())}</h3>
            {if has_conflicts {
                view! {
                    <div class="alert alert-error" role="alert" id="conflict-check">
                        <div class="alert-body">
                            <p>{tr!("admin-conflict-found")}</p>
                            <fieldset class="checkbox-group">
                                <legend>{tr!("admin-conflict-legend")}</legend>
                                {conflicts
                                    .iter()
                                    .enumerate()
                                    .map(|(i, found)| {
                                        let id = format!("clear-conflict-{i}");
                                        let key = found.key.clone();
                                        let text = conflict_text(found, &party_name(&found.party_id));
                                        view! {
                                            <div class="field-check">
                                                <input
                                                    id=id.clone()
                                                    type="checkbox"
                                                    on:change=move |event| {
                                                        let on = event_target_checked(&event);
                                                        cleared.update(|c| {
                                                            c.retain(|k| *k != key);
                                                            if on {
                                                                c.push(key.clone());
                                                            }
                                                        });
                                                    }
                                                />
                                                <label for=id>{text}</label>
                                            </div>
                                        }
                                    })
                                    .collect_view()}
                            </fieldset>
                        </div>
                    </div>
                    <div class="field">
                        <label for="clearance-note">{tr!("admin-conflict-note")}</label>
                        <textarea
                            id="clearance-note"
                            rows="3"
                            maxlength="2000"
                            prop:value=move || note.get()
                            on:input=move |event| note.set(event_target_value(&event))
                        ></textarea>
                    </div>
                }
                    .into_any()
            } else {
                view! { <p id="conflict-check" class="hint">{tr!("admin-conflict-none")}</p> }.into_any()
            }}
            <Checkbox id="ask-parties" label=tr!("admin-mediator-ask-parties") checked=ask_parties />
            <Show when=move || ask_parties.get()>
                <TextField id="response-days" label=tr!("admin-mediator-days") value=days inputmode="numeric" />
            </Show>
            {move || problem.get().map(|text| view! { <p class="field-error" id="propose-problem">{text}</p> })}
            {move || failure.get().map(|error| view! { <ErrorAlert error=error id="propose-error" /> })}
            <div class="button-row">
                <Button id="propose-submit" button_type="submit" busy=propose.pending()>
                    {tr!("admin-mediator-propose")}
                </Button>
                <Button kind=ButtonKind::Secondary on_click=Callback::new(move |_| on_cancel.run(()))>
                    {tr!("admin-cancel")}
                </Button>
            </div>
        </form>
    }
}

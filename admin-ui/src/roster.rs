//! `/roster`: the organization's mediators (case managers and org admins):
//! what each specialises in, their languages, fee band, capacity and current
//! load, whether they accept cases, and the conflicts they have declared.

use graphql_client::GraphQLQuery;
use leptos::prelude::*;
use portal_kit::cases::{FEE_BANDS, dispute_type_label, fee_band_label};
use portal_kit::prelude::*;
use shared_types::Locale;

use crate::StaffPage;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/roster.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct Roster;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/roster.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct MediatorConflicts;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/roster.graphql",
    variables_derives = "Clone",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct SaveMediatorProfile;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/roster.graphql",
    variables_derives = "Clone",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct DeclareConflict;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/roster.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct RemoveConflict;

type Mediator = roster::RosterMediatorRoster;

const DISPUTE_TYPES: [&str; 5] = [
    "family",
    "workplace",
    "commercial",
    "landlord_tenant",
    "small_claims",
];

#[component]
pub fn RosterPage() -> impl IntoView {
    view! {
        <StaffPage let:viewer>
            {if viewer.has(RoleKey::OrgAdmin) || viewer.has(RoleKey::CaseManager) {
                view! { <RosterBody /> }.into_any()
            } else {
                view! {
                    <PageTitle id="page-title" text=tr!("roster-title") />
                    <ErrorAlert error=ApiError::Code(shared_types::ErrorCode::Forbidden) />
                }
                    .into_any()
            }}
        </StaffPage>
    }
}

#[component]
fn RosterBody() -> impl IntoView {
    let api = use_api();
    let reload = RwSignal::new(0u32);
    let loaded = LocalResource::new(move || {
        reload.track();
        async move { api.run::<Roster>(roster::Variables).await }
    });
    let editing = RwSignal::new(None::<Mediator>);
    let columns = vec![
        Signal::derive(tr!("roster-column-name")),
        Signal::derive(tr!("roster-column-specialties")),
        Signal::derive(tr!("roster-column-languages")),
        Signal::derive(tr!("roster-column-fee")),
        Signal::derive(tr!("roster-column-load")),
        Signal::derive(tr!("roster-column-actions")),
    ];
    view! {
        <PageTitle id="page-title" text=tr!("roster-title") />
        <p class="lead">{tr!("roster-intro")}</p>
        <Suspense fallback=move || view! { <Loading /> }>
            {move || {
                loaded
                    .get()
                    .map(|result| match result {
                        Err(error) => view! { <ErrorAlert error=error /> }.into_any(),
                        Ok(data) if data.mediator_roster.is_empty() => {
                            view! { <p class="empty">{tr!("roster-empty")}</p> }.into_any()
                        }
                        Ok(data) => view! {
                            <DataTable id="roster-table" caption=tr!("roster-caption") columns=columns.clone()>
                                {data
                                    .mediator_roster
                                    .into_iter()
                                    .map(|m| {
                                        let chosen = m.clone();
                                        let name_id = format!("roster-{}", m.user_id);
                                        let specialties = m
                                            .specialties
                                            .iter()
                                            .map(|d| dispute_type_label(d))
                                            .collect::<Vec<_>>()
                                            .join(", ");
                                        let languages = m
                                            .languages
                                            .iter()
                                            .map(|l| Locale::parse(l).map_or_else(|| l.clone(), |l| l.native_name().to_owned()))
                                            .collect::<Vec<_>>()
                                            .join(", ");
                                        let load = tr!("roster-load", active = m.active_cases, max = m.max_active_cases)();
                                        view! {
                                            <tr data-mediator=m.user_id.clone()>
                                                <th scope="row" id=name_id.clone()>
                                                    {m.name.clone()}
                                                    {(!m.accepting_cases)
                                                        .then(|| view! { " " <span class="badge badge-warning">{tr!("roster-not-accepting")}</span> })}
                                                </th>
                                                <td data-label=tr!("roster-column-specialties")>{specialties}</td>
                                                <td data-label=tr!("roster-column-languages")>{languages}</td>
                                                <td data-label=tr!("roster-column-fee")>{fee_band_label(&m.fee_band)}</td>
                                                <td data-label=tr!("roster-column-load")>{load}</td>
                                                <td data-label=tr!("roster-column-actions")>
                                                    <Button
                                                        id=format!("edit-{}", m.user_id)
                                                        kind=ButtonKind::Secondary
                                                        aria_describedby=name_id
                                                        on_click=Callback::new(move |_| editing.set(Some(chosen.clone())))
                                                    >
                                                        {tr!("roster-edit")}
                                                    </Button>
                                                </td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </DataTable>
                        }
                            .into_any(),
                    })
            }}
        </Suspense>
        {move || {
            editing
                .get()
                .map(|m| {
                    view! {
                        <ProfileForm
                            mediator=m.clone()
                            on_saved=Callback::new(move |_| {
                                editing.set(None);
                                reload.update(|n| *n += 1);
                            })
                            on_cancel=Callback::new(move |_| editing.set(None))
                        />
                        <Conflicts mediator_id=m.user_id name=m.name />
                    }
                })
        }}
    }
}

#[component]
fn ProfileForm(
    mediator: Mediator,
    on_saved: Callback<()>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let api = use_api();
    let specialties = RwSignal::new(mediator.specialties.clone());
    let languages = RwSignal::new(mediator.languages.clone());
    let fee = RwSignal::new(mediator.fee_band.clone());
    let capacity = RwSignal::new(mediator.max_active_cases.to_string());
    let accepting = RwSignal::new(mediator.accepting_cases);
    let problem = RwSignal::new(None::<String>);
    let failure = RwSignal::new(None::<ApiError>);
    let save = Action::new_local(move |input: &save_mediator_profile::MediatorProfileInput| {
        let input = input.clone();
        async move {
            api.run::<SaveMediatorProfile>(save_mediator_profile::Variables { input })
                .await
        }
    });
    on_result(save, failure, move |_| {
        on_saved.run(());
    });
    let mediator_id = mediator.user_id.clone();
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        failure.set(None);
        let Ok(Some(max)) = portal_kit::forms::whole_number_in(&capacity.get_untracked(), 0..=500)
        else {
            problem.set(Some(tr!("roster-capacity-range")()));
            return;
        };
        problem.set(None);
        save.dispatch(save_mediator_profile::MediatorProfileInput {
            mediator_id: mediator_id.clone(),
            specialties: specialties.get_untracked(),
            languages: languages.get_untracked(),
            fee_band: fee.get_untracked().trim().to_owned(),
            max_active_cases: max,
            accepting_cases: accepting.get_untracked(),
        });
    };
    let type_options = Signal::derive(|| {
        DISPUTE_TYPES
            .iter()
            .map(|d| ((*d).to_owned(), dispute_type_label(d)))
            .collect::<Vec<_>>()
    });
    let fee_options = Signal::derive(|| {
        FEE_BANDS
            .iter()
            .map(|b| ((*b).to_owned(), fee_band_label(b)))
            .collect::<Vec<_>>()
    });
    let language_options = Signal::derive(|| {
        Locale::ALL
            .iter()
            .map(|l| (l.tag().to_owned(), l.native_name().to_owned()))
            .collect::<Vec<_>>()
    });
    view! {
        <form class="form" id="profile-form" on:submit=on_submit>
            <h2 class="section-title">{tr!("roster-edit-title", name = mediator.name.clone())}</h2>
            {move || failure.get().map(|error| view! { <ErrorAlert error=error /> })}
            <CheckboxGroup id="profile-specialties" legend=tr!("roster-specialties") options=type_options selected=specialties />
            <CheckboxGroup id="profile-languages" legend=tr!("roster-languages") options=language_options selected=languages />
            <SelectField id="profile-fee" label=tr!("roster-fee") value=fee options=fee_options />
            <TextField
                id="profile-capacity"
                label=tr!("roster-capacity")
                value=capacity
                inputmode="numeric"
                error=Signal::derive(move || problem.get())
            />
            <Checkbox id="profile-accepting" label=tr!("roster-accepting") checked=accepting />
            <div class="button-row">
                <Button id="profile-save" button_type="submit" busy=save.pending()>
                    {tr!("roster-save")}
                </Button>
                <Button kind=ButtonKind::Secondary on_click=Callback::new(move |_| on_cancel.run(()))>
                    {tr!("admin-cancel")}
                </Button>
            </div>
        </form>
    }
}

#[component]
fn Conflicts(mediator_id: String, name: String) -> impl IntoView {
    let api = use_api();
    let reload = RwSignal::new(0u32);
    let id = StoredValue::new(mediator_id);
    let loaded = LocalResource::new(move || {
        reload.track();
        let mediator_id = id.get_value();
        async move {
            api.run::<MediatorConflicts>(mediator_conflicts::Variables { mediator_id })
                .await
        }
    });
    let kind = RwSignal::new("PERSON".to_owned());
    let who = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let missing = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiError>);
    let declare = Action::new_local(move |variables: &declare_conflict::Variables| {
        let variables = variables.clone();
        async move { api.run::<DeclareConflict>(variables).await }
    });
    on_result(declare, failure, move |_| {
        who.set(String::new());
        email.set(String::new());
        reload.update(|n| *n += 1);
    });
    let remove = Action::new_local(move |conflict: &String| {
        let id = conflict.clone();
        async move {
            api.run::<RemoveConflict>(remove_conflict::Variables { id })
                .await
        }
    });
    on_result(remove, failure, move |_| {
        reload.update(|n| *n += 1);
    });
    let kinds = Signal::derive(|| {
        vec![
            ("PERSON".to_owned(), tr!("roster-conflict-person")()),
            (
                "ORGANIZATION".to_owned(),
                tr!("roster-conflict-organization")(),
            ),
        ]
    });
    view! {
        <Card id="roster-conflicts" title=tr!("roster-conflicts-title", name = name)>
            <p class="hint">{tr!("roster-conflicts-intro")}</p>
            {move || failure.get().map(|error| view! { <ErrorAlert error=error /> })}
            <Suspense fallback=move || view! { <Loading /> }>
                {move || {
                    loaded
                        .get()
                        .map(|result| match result {
                            Err(error) => view! { <ErrorAlert error=error /> }.into_any(),
                            Ok(data) if data.mediator_conflicts.is_empty() => {
                                view! { <p class="empty" id="conflicts-empty">{tr!("roster-conflicts-empty")}</p> }.into_any()
                            }
                            Ok(data) => view! {
                                <ul class="plain-list" id="conflict-list">
                                    {data
                                        .mediator_conflicts
                                        .into_iter()
                                        .map(|c| {
                                            let name_id = format!("conflict-{}", c.id);
                                            let id = c.id.clone();
                                            view! {
                                                <li>
                                                    <span class="item-name" id=name_id.clone()>{c.name.clone()}</span>
                                                    <Button
                                                        kind=ButtonKind::Secondary
                                                        aria_describedby=name_id
                                                        busy=remove.pending()
                                                        on_click=Callback::new(move |_| {
                                                            remove.dispatch(id.clone());
                                                        })
                                                    >
                                                        {tr!("roster-conflict-remove")}
                                                    </Button>
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
            <form
                class="form"
                id="conflict-form"
                on:submit=move |event| {
                    event.prevent_default();
                    failure.set(None);
                    let name = who.get_untracked().trim().to_owned();
                    if name.is_empty() {
                        missing.set(true);
                        return;
                    }
                    missing.set(false);
                    declare.dispatch(declare_conflict::Variables {
                        mediator_id: id.get_value(),
                        kind: if kind.get_untracked() == "ORGANIZATION" {
                            declare_conflict::ConflictKind::ORGANIZATION
                        } else {
                            declare_conflict::ConflictKind::PERSON
                        },
                        name,
                        email: Some(email.get_untracked().trim().to_owned()).filter(|e| !e.is_empty()),
                    });
                }
            >
                <SelectField id="conflict-kind" label=tr!("roster-conflict-kind") value=kind options=kinds />
                <TextField
                    id="conflict-name"
                    label=tr!("roster-conflict-name")
                    value=who
                    required=true
                    error=Signal::derive(move || missing.get().then(tr!("admin-party-name-missing")))
                />
                <TextField id="conflict-email" label=tr!("roster-conflict-email") value=email input_type="email" />
                <Button id="conflict-submit" button_type="submit" busy=declare.pending()>
                    {tr!("roster-conflict-declare")}
                </Button>
            </form>
        </Card>
    }
}

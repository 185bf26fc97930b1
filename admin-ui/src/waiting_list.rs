//! `/waiting-list`: cases waiting for an earlier session time, and the
//! earlier times held for them (org admins and case managers; a mediator
//! sees their own sessions). Staff may withdraw a request.

use graphql_client::GraphQLQuery;
use leptos::prelude::*;
use leptos::task::spawn_local;
use portal_kit::gql::DateTime;
use portal_kit::prelude::*;

use crate::StaffPage;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/waiting_list.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct WaitingList;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/waiting_list.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct WithdrawWaitingRequest;

type Request = waiting_list::WaitingListWaitingList;

#[component]
pub fn WaitingListPage() -> impl IntoView {
    view! {
        <StaffPage let:viewer>
            {if viewer.has(RoleKey::OrgAdmin) || viewer.has(RoleKey::CaseManager)
                || viewer.has(RoleKey::Mediator)
            {
                view! { <WaitingListBody viewer=viewer /> }.into_any()
            } else {
                view! {
                    <PageTitle id="page-title" text=tr!("waiting-list-title") />
                    <ErrorAlert error=ApiError::Code(shared_types::ErrorCode::Forbidden) id="waiting-list-error" />
                }
                    .into_any()
            }}
        </StaffPage>
    }
}

#[component]
fn WaitingListBody(viewer: Viewer) -> impl IntoView {
    let api = use_api();
    let session = use_session();
    let rows = RwSignal::new(Vec::<Request>::new());
    let loaded = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let withdrawn = RwSignal::new(false);
    let time_zone = StoredValue::new(viewer.user.timezone.clone());

    let load = move || {
        error.set(None);
        spawn_local(async move {
            match api.run::<WaitingList>(waiting_list::Variables {}).await {
                Ok(data) => {
                    rows.set(data.waiting_list);
                    loaded.set(true);
                }
                Err(failure) => {
                    session.notice(failure);
                    error.set(Some(failure));
                }
            }
        });
    };
    load();
    let withdraw = Callback::new(move |id: String| {
        withdrawn.set(false);
        error.set(None);
        spawn_local(async move {
            let variables = withdraw_waiting_request::Variables { waitlist_id: id };
            match api.run::<WithdrawWaitingRequest>(variables).await {
                Ok(_) => {
                    withdrawn.set(true);
                    load();
                }
                Err(failure) => {
                    session.notice(failure);
                    error.set(Some(failure));
                }
            }
        });
    });

    let columns = vec![
        Signal::derive(tr!("waiting-list-column-case")),
        Signal::derive(tr!("waiting-list-column-mediator")),
        Signal::derive(tr!("waiting-list-column-session")),
        Signal::derive(tr!("waiting-list-column-since")),
        Signal::derive(tr!("waiting-list-column-status")),
        Signal::derive(tr!("waiting-list-column-action")),
    ];

    view! {
        <PageTitle id="page-title" text=tr!("waiting-list-title") />
        <p class="lead">{tr!("waiting-list-intro")}</p>
        {move || error.get().map(|error| view! { <ErrorAlert error=error id="waiting-list-error" /> })}
        {move || {
            withdrawn
                .get()
                .then(|| {
                    view! {
                        <Alert kind=AlertKind::Info id="waiting-list-withdrawn">
                            <p>{tr!("waiting-list-withdrawn")}</p>
                        </Alert>
                    }
                })
        }}
        <Show when=move || loaded.get() fallback=move || view! { <Loading /> }>
            <DataTable id="waiting-list-table" caption=tr!("waiting-list-caption") columns=columns.clone()>
                <For each=move || rows.get() key=|r| (r.id.clone(), r.status.clone()) let:request>
                    <RequestRow request=request time_zone=time_zone.get_value() withdraw=withdraw />
                </For>
            </DataTable>
            <Show when=move || rows.with(Vec::is_empty)>
                <p class="empty" id="waiting-list-empty">
                    {tr!("waiting-list-empty")}
                </p>
            </Show>
        </Show>
    }
}

#[component]
fn RequestRow(request: Request, time_zone: String, withdraw: Callback<String>) -> impl IntoView {
    let i18n = use_i18n();
    let zone = StoredValue::new(time_zone);
    let when =
        move |at: &DateTime| intl::format_timestamp(at, i18n.locale(), Some(&zone.get_value()));
    let starts = request.session_starts_at.clone();
    let since = request.requested_at.clone();
    let session_time = {
        let starts = starts.clone();
        move || when(&starts)
    };
    let since_time = {
        let since = since.clone();
        move || when(&since)
    };
    let minutes = request.duration_minutes;
    let length = tr!("waiting-list-minutes", minutes = minutes);
    let status = match (
        request.status.as_str(),
        &request.offered_start,
        &request.offer_expires_at,
    ) {
        ("offered", Some(start), Some(until)) => {
            let (start_at, until_at) = (start.clone(), until.clone());
            let (start, until) = (start.clone(), until.clone());
            let offered = tr!("waiting-list-offered");
            let held = tr!("waiting-list-held-until");
            view! {
                <span class="status status-offered">{offered}</span>
                <br />
                <time datetime=start_at>{move || when(&start)}</time>
                " · "
                <span>{held}" "<time datetime=until_at>{move || when(&until)}</time></span>
            }
            .into_any()
        }
        _ => view! { <span class="status status-waiting">{tr!("waiting-list-waiting")}</span> }
            .into_any(),
    };
    let reference = request.case_reference.clone();
    let label = {
        let reference = reference.clone();
        tr!("waiting-list-withdraw-label", reference = reference)
    };
    let id = request.id.clone();
    let button_id = format!("withdraw-{}", request.id);
    view! {
        <tr id=format!("waiting-{}", request.id)>
            <th scope="row">
                <a href=format!("/cases/{}#session-{}", request.case_id, request.session_id)>{reference}</a>
            </th>
            <td data-label=tr!("waiting-list-column-mediator")>{request.mediator_name.clone()}</td>
            <td data-label=tr!("waiting-list-column-session")>
                <time datetime=starts>{session_time}</time>
                " ("{length}")"
            </td>
            <td data-label=tr!("waiting-list-column-since")>
                <time datetime=since>{since_time}</time>
            </td>
            <td data-label=tr!("waiting-list-column-status")>{status}</td>
            <td data-label=tr!("waiting-list-column-action")>
                <button
                    type="button"
                    class="button button-secondary"
                    id=button_id
                    aria-label=label
                    on:click=move |_| withdraw.run(id.clone())
                >
                    {tr!("waiting-list-withdraw")}
                </button>
            </td>
        </tr>
    }
}

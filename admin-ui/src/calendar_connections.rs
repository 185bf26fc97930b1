//! A mediator's connected calendars on `/calendar`: the list (where, when
//! last synced, why the last sync failed, busy times read), disconnecting,
//! and "Connect Google Calendar" / "Connect Microsoft 365" when the
//! operator configured them. `/calendar/connect` is where the provider
//! sends the browser back: it hands the code and state to the API once.

use graphql_client::GraphQLQuery;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use portal_kit::gql::DateTime;
use portal_kit::prelude::*;

use crate::StaffPage;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/calendar_connections.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct CalendarConnections;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/calendar_connections.graphql",
    response_derives = "Debug, Clone"
)]
pub struct StartCalendarConnection;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/calendar_connections.graphql",
    response_derives = "Debug, Clone"
)]
pub struct FinishCalendarConnection;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/calendar_connections.graphql",
    response_derives = "Debug, Clone"
)]
pub struct DisconnectCalendar;

type Provider = calendar_connections::CalendarProvider;

fn provider_name(provider: &Provider) -> String {
    match provider {
        Provider::GOOGLE => tr!("calendar-sync-google")(),
        Provider::MICROSOFT => tr!("calendar-sync-microsoft")(),
        _ => tr!("calendar-sync-caldav")(),
    }
}

fn provider_key(provider: &Provider) -> &'static str {
    match provider {
        Provider::GOOGLE => "google",
        Provider::MICROSOFT => "microsoft",
        _ => "caldav",
    }
}

/// The mediator's connected calendars, with the connect buttons.
#[component]
pub fn ConnectedCalendars() -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let loaded = LocalResource::new(move || async move {
        api.run::<CalendarConnections>(calendar_connections::Variables)
            .await
    });
    let error = RwSignal::new(None::<ApiError>);
    let connect = Action::new_local(move |provider: &Provider| {
        let provider = match provider {
            Provider::GOOGLE => start_calendar_connection::CalendarProvider::GOOGLE,
            _ => start_calendar_connection::CalendarProvider::MICROSOFT,
        };
        async move {
            match api
                .run::<StartCalendarConnection>(start_calendar_connection::Variables { provider })
                .await
            {
                Ok(data) => {
                    let _ = window().location().assign(&data.start_calendar_connection);
                }
                Err(failure) => error.set(Some(failure)),
            }
        }
    });
    let remove = Action::new_local(move |id: &String| {
        let id = id.clone();
        async move {
            match api
                .run::<DisconnectCalendar>(disconnect_calendar::Variables { id })
                .await
            {
                Ok(_) => loaded.refetch(),
                Err(failure) => error.set(Some(failure)),
            }
        }
    });
    let disconnect_label = tr!("calendar-sync-disconnect");
    let list = move || match loaded.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(error)) => {
            view! { <ErrorAlert error=error id="calendar-sync-load-error" /> }.into_any()
        }
        Some(Ok(data)) => {
            let locale = i18n.locale_untracked();
            let rows = if data.calendar_connections.is_empty() {
                view! { <p id="calendar-sync-none">{tr!("calendar-sync-none")}</p> }.into_any()
            } else {
                view! {
                    <ul id="calendar-sync-list" class="plain-list">
                        {data
                            .calendar_connections
                            .into_iter()
                            .map(|c| {
                                let label_id = format!("calendar-sync-{}", c.id);
                                let id = c.id.clone();
                                let name = provider_name(&c.provider);
                                let synced = c.last_synced_at.as_ref().map_or_else(
                                    || tr!("calendar-sync-never")(),
                                    |t: &DateTime| {
                                        let when = intl::format_timestamp(t, locale, None);
                                        tr!("calendar-sync-synced", when = when)()
                                    },
                                );
                                let busy = tr!("calendar-sync-busy", count = c.busy_count)();
                                let failed = c.last_error.is_some();
                                view! {
                                    <li data-provider=provider_key(&c.provider)>
                                        <span id=label_id.clone() class="item-name">{name}</span>
                                        <span class="item-meta">{c.url.clone()} " · " {synced} " · " {busy}</span>
                                        {failed.then(|| view! {
                                            <span class="badge" role="status">{tr!("calendar-sync-failed")}</span>
                                        })}
                                        <Button
                                            kind=ButtonKind::Secondary
                                            aria_describedby=label_id
                                            busy=remove.pending()
                                            on_click=Callback::new(move |_| {
                                                remove.dispatch_local(id.clone());
                                            })
                                        >
                                            {disconnect_label}
                                        </Button>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                .into_any()
            };
            let buttons = data
                .calendar_providers
                .into_iter()
                .filter(|p| matches!(p, Provider::GOOGLE | Provider::MICROSOFT))
                .map(|p| {
                    let google = matches!(p, Provider::GOOGLE);
                    let google_label = tr!("calendar-sync-connect-google");
                    let microsoft_label = tr!("calendar-sync-connect-microsoft");
                    let label = Signal::derive(move || {
                        if google {
                            google_label()
                        } else {
                            microsoft_label()
                        }
                    });
                    let id = if google {
                        "calendar-sync-connect-google"
                    } else {
                        "calendar-sync-connect-microsoft"
                    };
                    view! {
                        <Button
                            id=id
                            kind=ButtonKind::Secondary
                            busy=connect.pending()
                            on_click=Callback::new(move |_| {
                                connect.dispatch_local(p.clone());
                            })
                        >
                            {label}
                        </Button>
                    }
                })
                .collect_view();
            view! {
                {rows}
                <div class="button-row">{buttons}</div>
            }
            .into_any()
        }
    };
    view! {
        <h2 class="section-title" id="calendar-sync-title">{tr!("calendar-sync-title")}</h2>
        <p>{tr!("calendar-sync-intro")}</p>
        {move || error.get().map(|error| view! { <ErrorAlert error=error id="calendar-sync-error" /> })}
        {list}
    }
}

/// `/calendar/connect`: back from Google or Microsoft.
#[component]
pub fn CalendarConnectPage() -> impl IntoView {
    view! {
        <StaffPage let:_viewer>
            <CalendarConnectBody />
        </StaffPage>
    }
}

#[component]
fn CalendarConnectBody() -> impl IntoView {
    let api = use_api();
    let query = use_query_map();
    let (code, state, denied) = query.with_untracked(|q| {
        (
            q.get("code").unwrap_or_default(),
            q.get("state").unwrap_or_default(),
            q.get("error").is_some(),
        )
    });
    let outcome = LocalResource::new(move || {
        let (code, state) = (code.clone(), state.clone());
        async move {
            if denied || code.is_empty() || state.is_empty() {
                return None;
            }
            Some(
                api.run::<FinishCalendarConnection>(finish_calendar_connection::Variables {
                    code,
                    state,
                })
                .await,
            )
        }
    });
    view! {
        <PageTitle id="page-title" text=tr!("calendar-sync-title") />
        {move || match outcome.get() {
            None => view! { <Loading /> }.into_any(),
            Some(None) => view! {
                <Alert kind=AlertKind::Info id="calendar-sync-denied">
                    <p>{tr!("calendar-sync-denied")}</p>
                </Alert>
            }
            .into_any(),
            Some(Some(Err(error))) => view! { <ErrorAlert error=error id="calendar-sync-connect-error" /> }.into_any(),
            Some(Some(Ok(_))) => view! {
                <Alert kind=AlertKind::Info id="calendar-sync-connected">
                    <p>{tr!("calendar-sync-connected")}</p>
                </Alert>
            }
            .into_any(),
        }}
        <p><a href="/calendar" id="calendar-sync-back">{tr!("calendar-sync-back")}</a></p>
    }
}

//! A mediator's connected calendars on `/calendar`: the list (where, when
//! last synced, why the last sync failed, busy times read), disconnecting,
//! "Connect Google Calendar" / "Connect Microsoft 365" when the operator
//! configured them, and connecting any CalDAV calendar by its address. `/calendar/connect` is where the provider
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

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/calendar_connections.graphql",
    response_derives = "Debug, Clone"
)]
pub struct ConnectCalDav;

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
        <ConnectCalDavForm on_connected=Callback::new(move |()| loaded.refetch()) />
    }
}

/// Connecting a CalDAV calendar (Nextcloud, Fastmail, iCloud, Radicale…) by
/// the address of the calendar itself, with its username and password
/// (often an app password). The API checks them with the server first.
#[component]
fn ConnectCalDavForm(on_connected: Callback<()>) -> impl IntoView {
    let api = use_api();
    let url = RwSignal::new(String::new());
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let problems = RwSignal::new(Vec::<(&'static str, String)>::new());
    let failure = RwSignal::new(None::<ApiError>);
    let done = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let problem = move |field: &'static str| {
        Signal::derive(move || {
            problems.with(|p| p.iter().find(|(f, _)| *f == field).map(|(_, m)| m.clone()))
        })
    };
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        failure.set(None);
        done.set(false);
        let address = url.get_untracked().trim().to_owned();
        let user = username.get_untracked().trim().to_owned();
        let secret = password.get_untracked();
        let mut found = Vec::new();
        if !(address.starts_with("https://") || address.starts_with("http://")) {
            found.push(("url", tr!("caldav-url-invalid")()));
        }
        if user.is_empty() {
            found.push(("username", tr!("caldav-username-missing")()));
        }
        if secret.is_empty() {
            found.push(("password", tr!("caldav-password-missing")()));
        }
        let ok = found.is_empty();
        problems.set(found);
        if !ok {
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = api
                .run_detailed::<ConnectCalDav>(connect_cal_dav::Variables {
                    url: address,
                    username: user,
                    password: secret,
                })
                .await;
            busy.set(false);
            match result {
                Ok(_) => {
                    password.set(String::new());
                    done.set(true);
                    on_connected.run(());
                }
                Err(refused) if refused.field.as_deref() == Some("url") => {
                    let message = match refused.reason.as_deref() {
                        Some("format" | "scheme" | "https_required" | "credentials_in_url") => {
                            tr!("caldav-url-invalid")()
                        }
                        Some("host_not_allowed") => tr!("caldav-url-not-allowed")(),
                        Some("too_many") => tr!("caldav-too-many")(),
                        _ => tr!("caldav-url-unreachable")(),
                    };
                    problems.set(vec![("url", message)]);
                }
                Err(refused) => failure.set(Some(refused.error)),
            }
        });
    };
    view! {
        <details class="caldav-connect" id="caldav-connect">
            <summary>{tr!("caldav-connect-title")}</summary>
            <p class="hint">{tr!("caldav-connect-intro")}</p>
            {move || failure.get().map(|error| view! { <ErrorAlert error=error id="caldav-error" /> })}
            {move || done.get().then(|| view! { <Alert id="caldav-connected">{tr!("caldav-connected")}</Alert> })}
            <form class="form" id="caldav-form" on:submit=on_submit novalidate=true>
                <TextField id="caldav-url" label=tr!("caldav-url") value=url input_type="url" required=true error=problem("url") />
                <TextField id="caldav-username" label=tr!("caldav-username") value=username autocomplete="username" required=true error=problem("username") />
                <TextField id="caldav-password" label=tr!("caldav-password") value=password input_type="password" autocomplete="current-password" required=true error=problem("password") />
                <Button id="caldav-submit" button_type="submit" busy=busy>{tr!("caldav-connect")}</Button>
            </form>
        </details>
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

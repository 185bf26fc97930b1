//! `/sessions`: the browsers signed in to the user's account, in both portals.

use graphql_client::GraphQLQuery;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;

use crate::components::{
    Alert, AlertKind, Button, ButtonKind, Card, DataTable, ErrorAlert, Loading, PageTitle,
};
use crate::gql::{ApiError, DateTime, use_api};
use crate::i18n::use_i18n;
use crate::intl;
use crate::layout::focus_main_after_render;
use crate::pages::SignedIn;
use crate::session::{Viewer, use_session};
use crate::tr;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/my_sessions.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct MySessions;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/revoke_session.graphql",
    response_derives = "Debug"
)]
pub struct RevokeSession;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/sign_out_everywhere.graphql",
    response_derives = "Debug, Clone"
)]
pub struct SignOutEverywhere;

type SessionRow = my_sessions::MySessionsMySessions;

/// The browser and system named by a `User-Agent`, for example ("Chrome", "Linux").
pub fn describe_user_agent(agent: &str) -> (Option<&'static str>, Option<&'static str>) {
    let browser = if agent.contains("Edg/") {
        Some("Edge")
    } else if agent.contains("OPR/") {
        Some("Opera")
    } else if agent.contains("Firefox/") || agent.contains("FxiOS/") {
        Some("Firefox")
    } else if agent.contains("Chrome/") || agent.contains("CriOS/") {
        Some("Chrome")
    } else if agent.contains("Safari/") {
        Some("Safari")
    } else {
        None
    };
    let system = if agent.contains("Android") {
        Some("Android")
    } else if agent.contains("iPhone") || agent.contains("iPad") {
        Some("iOS")
    } else if agent.contains("Windows") {
        Some("Windows")
    } else if agent.contains("Mac OS X") || agent.contains("Macintosh") {
        Some("macOS")
    } else if agent.contains("CrOS") {
        Some("ChromeOS")
    } else if agent.contains("Linux") {
        Some("Linux")
    } else {
        None
    };
    (browser, system)
}

#[component]
pub fn YourSessions() -> impl IntoView {
    view! {
        <SignedIn let:viewer>
            <SessionsBody viewer=viewer />
        </SignedIn>
    }
}

#[component]
fn SessionsBody(viewer: Viewer) -> impl IntoView {
    let api = use_api();
    let session = use_session();
    let navigate = use_navigate();
    let rows = RwSignal::new(None::<Vec<SessionRow>>);
    let error = RwSignal::new(None::<ApiError>);
    let notice = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let confirming = RwSignal::new(false);
    let time_zone = StoredValue::new(viewer.user.timezone.clone());

    let load = move || {
        spawn_local(async move {
            match api.run::<MySessions>(my_sessions::Variables).await {
                Ok(data) => rows.set(Some(data.my_sessions)),
                Err(failure) => {
                    session.notice(failure);
                    error.set(Some(failure));
                }
            }
        });
    };
    load();

    let revoke = Callback::new(move |id: String| {
        busy.set(true);
        error.set(None);
        notice.set(false);
        spawn_local(async move {
            match api
                .run::<RevokeSession>(revoke_session::Variables { id: id.clone() })
                .await
            {
                Ok(_) => {
                    rows.update(|rows| {
                        if let Some(rows) = rows {
                            rows.retain(|row| row.id != id);
                        }
                    });
                    notice.set(true);
                }
                Err(failure) => {
                    session.notice(failure);
                    error.set(Some(failure));
                }
            }
            busy.set(false);
        });
    });

    let everywhere = Action::new_local(move |_: &()| async move {
        api.run::<SignOutEverywhere>(sign_out_everywhere::Variables)
            .await
    });
    Effect::new(move || {
        if let Some(result) = everywhere.value().get() {
            match result {
                Ok(_) => {
                    session.signed_out();
                    navigate("/", NavigateOptions::default());
                    focus_main_after_render();
                }
                Err(failure) => error.set(Some(failure)),
            }
        }
    });

    let columns = vec![
        Signal::derive(tr!("column-browser")),
        Signal::derive(tr!("column-ip")),
        Signal::derive(tr!("column-signed-in")),
        Signal::derive(tr!("column-actions")),
    ];

    let table = move || {
        rows.get().map(|list| {
            view! {
                <DataTable id="sessions-table" caption=tr!("sessions-caption") columns=columns.clone()>
                    {list
                        .into_iter()
                        .enumerate()
                        .map(|(index, row)| {
                            view! {
                                <SessionRowView
                                    row=row
                                    index=index
                                    time_zone=time_zone.get_value()
                                    busy=busy
                                    revoke=revoke
                                />
                            }
                        })
                        .collect_view()}
                </DataTable>
            }
        })
    };

    view! {
        <PageTitle id="page-title" text=tr!("sessions-title") />
        <p class="lead">{tr!("sessions-intro")}</p>
        {move || error.get().map(|error| view! { <ErrorAlert error=error id="sessions-error" /> })}
        {move || {
            notice
                .get()
                .then(|| {
                    view! {
                        <Alert kind=AlertKind::Info id="sessions-notice">
                            <p>{tr!("sessions-signed-out-one")}</p>
                        </Alert>
                    }
                })
        }}
        <Show when=move || rows.with(Option::is_some) fallback=|| view! { <Loading /> }>
            {table.clone()}
        </Show>
        <Card id="sign-out-everywhere-card" title=tr!("sessions-everywhere-heading")>
            <p id="sign-out-everywhere-body">{tr!("sessions-everywhere-body")}</p>
            <Show
                when=move || confirming.get()
                fallback=move || {
                    view! {
                        <Button
                            id="sign-out-everywhere"
                            kind=ButtonKind::Secondary
                            on_click=Callback::new(move |_| confirming.set(true))
                        >
                            {tr!("sessions-everywhere")}
                        </Button>
                    }
                }
            >
                <div class="confirm" role="group" aria-labelledby="confirm-everywhere-text">
                    <p id="confirm-everywhere-text" class="confirm-text">
                        {tr!("sessions-everywhere-confirm-text")}
                    </p>
                    <div class="button-row">
                        <Button
                            id="confirm-sign-out-everywhere"
                            busy=everywhere.pending()
                            on_click=Callback::new(move |_| {
                                everywhere.dispatch_local(());
                            })
                        >
                            {tr!("sessions-everywhere-confirm")}
                        </Button>
                        <Button
                            id="cancel-sign-out-everywhere"
                            kind=ButtonKind::Secondary
                            on_click=Callback::new(move |_| confirming.set(false))
                        >
                            {tr!("sessions-cancel")}
                        </Button>
                    </div>
                </div>
            </Show>
        </Card>
    }
}

#[component]
fn SessionRowView(
    row: SessionRow,
    index: usize,
    time_zone: String,
    busy: RwSignal<bool>,
    revoke: Callback<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let (browser, system) = row
        .user_agent
        .as_deref()
        .map(describe_user_agent)
        .unwrap_or((None, None));
    let unknown_browser = tr!("sessions-unknown-browser");
    let on = tr!(
        "sessions-browser-on",
        browser = browser.unwrap_or_default(),
        system = system.unwrap_or_default()
    );
    let name = move || match (browser, system) {
        (Some(browser), None) => browser.to_owned(),
        (Some(_), Some(_)) => on(),
        (None, _) => unknown_browser(),
    };
    let created: DateTime = row.created_at.clone();
    let signed_in = {
        let created = created.clone();
        move || intl::format_timestamp(&created, i18n.locale(), Some(&time_zone))
    };
    let unknown = tr!("sessions-unknown");
    let ip = row.ip.clone();
    let ip_text = move || ip.clone().unwrap_or_else(&unknown);
    let name_id = format!("session-{index}-name");
    let describedby = name_id.clone();
    let id = row.id.clone();
    view! {
        <tr class:current-session=row.current>
            <th scope="row" id=name_id title=row.user_agent.clone()>
                {name}
                {row
                    .current
                    .then(|| {
                        view! {
                            " "
                            <span class="badge" id="current-session">
                                {tr!("sessions-this-browser")}
                            </span>
                        }
                    })}
            </th>
            <td data-label=tr!("column-ip")>{ip_text}</td>
            <td data-label=tr!("column-signed-in")>
                <time datetime=created>{signed_in}</time>
            </td>
            <td data-label=tr!("column-actions")>
                {(!row.current)
                    .then(|| {
                        let id = id.clone();
                        view! {
                            <Button
                                id=format!("revoke-session-{index}")
                                kind=ButtonKind::Secondary
                                busy=busy
                                aria_describedby=describedby.clone()
                                on_click=Callback::new(move |_| revoke.run(id.clone()))
                            >
                                {tr!("sessions-sign-out-one")}
                            </Button>
                        }
                    })}
            </td>
        </tr>
    }
}

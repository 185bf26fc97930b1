//! `/operations`: what is happening now, for org admins and case managers —
//! alerts with what to do, the sessions in progress with their rooms and who
//! is in each (connected or not, call quality), lobby waits, breakout usage,
//! mediator load and the video server's health. Read through one function,
//! [`Dashboard`]'s `reload`: whenever `operationsEvents` says something
//! happened in a session, and every 15 s for what time alone changes.

use std::collections::BTreeMap;
use std::time::Duration;

use graphql_client::GraphQLQuery;
use leptos::prelude::*;
use portal_kit::gql::DateTime;
use portal_kit::live::{ReadGate, every, follow};
use portal_kit::prelude::*;
use portal_kit::video::VideoRole;

use crate::StaffPage;
use crate::charts::{Meter, Meters, StackedBars};

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/live_operations.graphql",
    extern_enums("VideoRole"),
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct LiveOperations;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/live_operations.graphql",
    variables_derives = "Clone",
    response_derives = "Debug, Clone"
)]
pub struct OperationsEvents;

type Live = live_operations::LiveOperationsLiveOperations;
type Session = live_operations::LiveOperationsLiveOperationsSessions;
type Room = live_operations::LiveOperationsLiveOperationsSessionsRooms;
type Person = live_operations::LiveOperationsLiveOperationsSessionsRoomsPeople;
type Quality = live_operations::LiveOperationsLiveOperationsSessionsRoomsPeopleQuality;
type Load = live_operations::LiveOperationsLiveOperationsMediatorLoad;
type Server = live_operations::LiveOperationsLiveOperationsVideoServer;
use live_operations::{OperationsAlertKind, QualityAlert};

/// How often the dashboard reloads.
const REFRESH: Duration = Duration::from_secs(15);

/// Below the API's alert thresholds (round trip 400 ms, jitter 30 ms, loss
/// 3 %), these mark a connection as fair rather than good.
const FAIR_ROUND_TRIP_MS: i64 = 200;
const FAIR_JITTER_MS: f64 = 15.0;
const FAIR_LOSS_PERCENT: f64 = 1.0;
/// A video call below this many kilobits a second looks poor.
const LOW_BITRATE_KBPS: i64 = 150;

/// Chart colours (each also named in a legend, with its figure in words).
const MAIN_COLOUR: &str = "#1d4f91";
const CAUCUS_COLOUR: &str = "#1d6b3a";
const ROOMS_COLOUR: &str = "#6b4c9a";

#[component]
pub fn OperationsPage() -> impl IntoView {
    view! {
        <StaffPage let:viewer>
            {if viewer.has(RoleKey::OrgAdmin) || viewer.has(RoleKey::CaseManager) {
                view! { <Dashboard /> }.into_any()
            } else {
                view! {
                    <PageTitle id="page-title" text=tr!("ops-title") />
                    <ErrorAlert error=ApiError::Code(shared_types::ErrorCode::Forbidden) id="ops-forbidden" />
                }
                    .into_any()
            }}
        </StaffPage>
    }
}

#[component]
fn Dashboard() -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let latest = RwSignal::new(None::<Live>);
    let failure = RwSignal::new(None::<ApiError>);
    let gate = ReadGate::new();
    // The one place the dashboard's data comes from: one read at a time, a
    // request during a read makes it go once more.
    let reload = move || {
        gate.read(
            move || api.run::<LiveOperations>(live_operations::Variables),
            move |result| match result {
                Ok(data) => {
                    latest.try_set(Some(data.live_operations));
                    failure.try_set(None);
                }
                Err(error) => {
                    failure.try_set(Some(error));
                }
            },
        );
    };
    reload();
    // Told live when anything happens in a session; read on a clock too, for
    // what time alone changes (a late start, the minutes someone has waited).
    follow::<OperationsEvents>(operations_events::Variables, move |_| reload());
    every(REFRESH, reload);

    // Each part re-renders only when its own figures change.
    let sessions = Memo::new(move |_| latest.with(|l| l.as_ref().map(|l| l.sessions.clone())));
    let load = Memo::new(move |_| latest.with(|l| l.as_ref().map(|l| l.mediator_load.clone())));
    let server = Memo::new(move |_| latest.with(|l| l.as_ref().map(|l| l.video_server.clone())));
    let notices =
        Memo::new(move |_| latest.with(|l| l.as_ref().map(notices_of).unwrap_or_default()));
    let updated = move || {
        latest.with(|l| {
            l.as_ref().map(|l| {
                let time = clock(&l.generated_at, i18n.locale(), "medium");
                tr!("ops-updated", time = time)()
            })
        })
    };
    view! {
        <PageTitle id="page-title" text=tr!("ops-title") />
        <p class="lead">{tr!("ops-intro")}</p>
        <p id="ops-updated" class="hint">{updated}</p>
        {move || failure.get().map(|e| view! { <ErrorAlert error=e id="ops-error" /> })}
        <AlertList notices=notices />
        {move || match sessions.get() {
            None if failure.with(Option::is_none) => view! { <Loading /> }.into_any(),
            None => ().into_any(),
            Some(sessions) => view! {
                <SessionsCard sessions=sessions.clone() />
                <LobbyCard sessions=sessions.clone() />
                <BreakoutCard sessions=sessions />
            }
                .into_any(),
        }}
        {move || load.get().map(|load| view! { <LoadCard load=load /> })}
        {move || server.get().map(|server| view! { <ServerCard server=server /> })}
    }
}

/// The wall-clock time of an instant in the browser's zone (`medium`:
/// hh:mm:ss, `short`: hh:mm).
pub(crate) fn clock(rfc3339: &str, locale: shared_types::Locale, style: &str) -> String {
    intl::parse_date(rfc3339)
        .and_then(|date| {
            intl::format_date_time(
                &date,
                locale,
                intl::DateOptions {
                    date_style: None,
                    time_style: Some(style),
                    time_zone: None,
                },
            )
        })
        .unwrap_or_else(|| rfc3339.to_owned())
}

/// An alert as shown: what is wrong and what to do, in words.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Notice {
    urgent: bool,
    what: String,
    todo: String,
}

/// The alerts in words, urgent ones first.
fn notices_of(live: &Live) -> Vec<Notice> {
    let sessions: BTreeMap<&str, &Session> = live
        .sessions
        .iter()
        .map(|s| (s.session_id.as_str(), s))
        .collect();
    let name_of = |session: &Session, id: &str| {
        let in_rooms = session
            .rooms
            .iter()
            .flat_map(|r| r.people.iter())
            .find(|p| p.participant_id == id)
            .map(|p| p.name.clone());
        in_rooms
            .or_else(|| {
                session
                    .waiting
                    .iter()
                    .find(|w| w.participant_id == id)
                    .map(|w| w.name.clone())
            })
            .unwrap_or_else(|| tr!("ops-someone")())
    };
    let mut notices: Vec<Notice> = live
        .alerts
        .iter()
        .map(|alert| {
            let session = alert
                .session_id
                .as_deref()
                .and_then(|id| sessions.get(id).copied());
            let case = session
                .map(|s| s.case_reference.clone())
                .unwrap_or_default();
            let mediator = session.map(|s| s.mediator_name.clone()).unwrap_or_default();
            let person = match (session, alert.participant_id.as_deref()) {
                (Some(s), Some(id)) => name_of(s, id),
                _ => tr!("ops-someone")(),
            };
            match &alert.kind {
                OperationsAlertKind::LATE_START => Notice {
                    urgent: true,
                    what: tr!("ops-alert-late", case = case)(),
                    todo: tr!("ops-alert-late-todo", mediator = mediator)(),
                },
                OperationsAlertKind::LONG_LOBBY_WAIT => {
                    let minutes = session
                        .and_then(|s| {
                            s.waiting.iter().find(|w| {
                                Some(w.participant_id.as_str()) == alert.participant_id.as_deref()
                            })
                        })
                        .map_or(0, |w| w.minutes);
                    Notice {
                        urgent: false,
                        what: tr!(
                            "ops-alert-wait",
                            name = person,
                            case = case,
                            minutes = minutes
                        )(),
                        todo: tr!("ops-alert-wait-todo", mediator = mediator)(),
                    }
                }
                OperationsAlertKind::POOR_QUALITY => Notice {
                    urgent: false,
                    what: tr!("ops-alert-quality", name = person, case = case)(),
                    todo: tr!("ops-alert-quality-todo")(),
                },
                OperationsAlertKind::VIDEO_SERVER_DOWN => Notice {
                    urgent: true,
                    what: tr!("ops-alert-server")(),
                    todo: tr!("ops-alert-server-todo")(),
                },
                OperationsAlertKind::Other(_) => Notice {
                    urgent: false,
                    what: tr!("ops-alert-other")(),
                    todo: tr!("ops-alert-other-todo")(),
                },
            }
        })
        .collect();
    notices.sort_by_key(|n| !n.urgent);
    notices
}

/// The alerts, in a polite live region that is there from the start, so
/// that screen readers announce each new alert (and only new ones: an
/// unchanged alert keeps its element).
#[component]
fn AlertList(notices: Memo<Vec<Notice>>) -> impl IntoView {
    view! {
        <section id="ops-alerts-card" class="card" aria-labelledby="ops-alerts-title">
            <h2 id="ops-alerts-title" class="card-title">{tr!("ops-alerts-title")}</h2>
            <div id="ops-alerts" aria-live="polite" aria-relevant="additions text">
                <ul class="plain-list ops-alerts">
                    <For each=move || notices.get() key=|n| n.clone() let:notice>
                        <li class=if notice.urgent { "ops-alert ops-alert-urgent" } else { "ops-alert" }>
                            <p class="ops-alert-what">
                                <span class=if notice.urgent { "badge badge-danger" } else { "badge badge-warning" }>
                                    {if notice.urgent { tr!("ops-urgent")() } else { tr!("ops-attention")() }}
                                </span>
                                " "
                                {notice.what.clone()}
                            </p>
                            <p class="ops-alert-todo">
                                <strong>{tr!("ops-what-to-do")}</strong>
                                " "
                                {notice.todo.clone()}
                            </p>
                        </li>
                    </For>
                </ul>
                <Show when=move || notices.with(Vec::is_empty)>
                    <p class="empty" id="ops-no-alerts">{tr!("ops-no-alerts")}</p>
                </Show>
            </div>
        </section>
    }
}

#[component]
fn SessionsCard(sessions: Vec<Session>) -> impl IntoView {
    let body = if sessions.is_empty() {
        view! { <p class="empty" id="ops-empty">{tr!("ops-empty")}</p> }.into_any()
    } else {
        sessions
            .into_iter()
            .map(|session| view! { <SessionView session=session /> })
            .collect_view()
            .into_any()
    };
    view! {
        <Card id="ops-sessions" title=tr!("ops-sessions-title")>
            {body}
        </Card>
    }
}

#[component]
fn SessionView(session: Session) -> impl IntoView {
    let i18n = use_i18n();
    let id = session.session_id.clone();
    let heading = format!("ops-session-{id}-title");
    let scheduled = clock(&session.scheduled_for, i18n.locale_untracked(), "short");
    let duration = session.duration_minutes;
    let mut badges = Vec::new();
    if session.started {
        badges.push(("badge", tr!("ops-badge-started")()));
    } else {
        badges.push(("badge badge-warning", tr!("ops-badge-not-started")()));
    }
    if session.late {
        badges.push(("badge badge-danger", tr!("ops-badge-late")()));
    }
    if session.locked {
        badges.push(("badge", tr!("ops-badge-locked")()));
    }
    let case = session.case_reference.clone();
    let rooms = session
        .rooms
        .iter()
        .enumerate()
        .map(|(i, room)| view! { <RoomView room=room.clone() session_id=id.clone() index=i /> })
        .collect_view();
    let waiting = session.waiting.len();
    view! {
        <article class="ops-session" id=format!("ops-session-{id}") aria-labelledby=heading.clone()>
            <h3 id=heading.clone()>{tr!("ops-session-heading", case = case)}</h3>
            <p class="ops-badges">
                {badges
                    .into_iter()
                    .map(|(class, text)| view! { <span class=class>{text}</span> " " })
                    .collect_view()}
            </p>
            <dl class="ops-facts">
                <div>
                    <dt>{tr!("ops-mediator")}</dt>
                    <dd>{session.mediator_name.clone()}</dd>
                </div>
                <div>
                    <dt>{tr!("ops-scheduled")}</dt>
                    <dd>{tr!("ops-scheduled-at", time = scheduled, minutes = duration)}</dd>
                </div>
                <div>
                    <dt>{tr!("ops-waiting-count-label")}</dt>
                    <dd>{tr!("ops-waiting-count", count = waiting)}</dd>
                </div>
            </dl>
            <p>
                <a id=format!("ops-quality-link-{id}") href=format!("/sessions/{id}/quality")>
                    {tr!("quality-link-live")}
                </a>
            </p>
            {rooms}
        </article>
    }
}

#[component]
fn RoomView(room: Room, session_id: String, index: usize) -> impl IntoView {
    let i18n = use_i18n();
    let table_id = format!("ops-room-{session_id}-{index}");
    let caption_id = format!("{table_id}-caption");
    let name = match &room.name {
        Some(name) => name.clone(),
        None if room.caucus_id.is_none() => tr!("ops-main-room")(),
        None => tr!("ops-caucus-room")(),
    };
    let timer = match &room.ends_at {
        Some(end) => {
            let time = clock(end, i18n.locale_untracked(), "short");
            tr!("ops-timer-ends", time = time)()
        }
        None if room.caucus_id.is_some() => tr!("ops-no-timer")(),
        None => String::new(),
    };
    let room_name = name.clone();
    let caption = tr!("ops-room-caption", room = room_name)();
    let rows = room
        .people
        .iter()
        .map(|person| view! { <PersonRow person=person.clone() /> })
        .collect_view();
    let empty = room.people.is_empty();
    view! {
        <div class="ops-room">
            <h4>{name}</h4>
            {(!timer.is_empty()).then(|| view! { <p class="hint">{timer}</p> })}
            {if empty {
                view! { <p class="empty">{tr!("ops-room-empty")}</p> }.into_any()
            } else {
                view! {
                    <div class="table-scroll" role="region" aria-labelledby=caption_id.clone() tabindex="0">
                        <table id=table_id class="data-table">
                            <caption id=caption_id.clone()>{caption}</caption>
                            <thead>
                                <tr>
                                    <th scope="col">{tr!("ops-column-name")}</th>
                                    <th scope="col">{tr!("ops-column-role")}</th>
                                    <th scope="col">{tr!("ops-column-connection")}</th>
                                    <th scope="col">{tr!("ops-column-quality")}</th>
                                </tr>
                            </thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                }
                    .into_any()
            }}
        </div>
    }
}

#[component]
fn PersonRow(person: Person) -> impl IntoView {
    let connection = if person.connected {
        view! { <span class="ops-level ops-good">{tr!("ops-connected")}</span> }.into_any()
    } else {
        view! { <span class="ops-level ops-muted">{tr!("ops-not-connected")}</span> }.into_any()
    };
    view! {
        <tr id=format!("ops-person-{}", person.participant_id)>
            <th scope="row">{person.name.clone()}</th>
            <td>{person.role.label()}</td>
            <td>{connection}</td>
            <td>
                {match person.quality.clone() {
                    Some(q) => view! { <QualityCell quality=q /> }.into_any(),
                    None => view! { <span class="ops-muted">{tr!("ops-quality-none")}</span> }.into_any(),
                }}
            </td>
        </tr>
    }
}

/// Good, fair or poor: the class that colours it and the word that says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Good,
    Fair,
    Poor,
}

impl Level {
    fn class(self) -> &'static str {
        match self {
            Level::Good => "ops-level ops-good",
            Level::Fair => "ops-level ops-fair",
            Level::Poor => "ops-level ops-poor",
        }
    }
}

fn metric_level(poor: bool, fair: bool) -> Level {
    if poor {
        Level::Poor
    } else if fair {
        Level::Fair
    } else {
        Level::Good
    }
}

#[component]
fn QualityCell(quality: Quality) -> impl IntoView {
    let has = |a: QualityAlert| quality.alerts.contains(&a);
    let round_trip = metric_level(
        has(QualityAlert::HIGH_ROUND_TRIP),
        quality.round_trip_ms > FAIR_ROUND_TRIP_MS,
    );
    let jitter = metric_level(
        has(QualityAlert::HIGH_JITTER),
        quality.jitter_ms > FAIR_JITTER_MS,
    );
    let loss = metric_level(
        has(QualityAlert::PACKET_LOSS),
        quality.packet_loss_percent > FAIR_LOSS_PERCENT,
    );
    let bitrate = metric_level(false, quality.bitrate_kbps < LOW_BITRATE_KBPS);
    // A low bitrate alone is no alarm: someone with their camera off sends little.
    let overall = round_trip.max(jitter).max(loss);
    let overall_text = match overall {
        Level::Good => tr!("ops-quality-good")(),
        Level::Fair => tr!("ops-quality-fair")(),
        Level::Poor => tr!("ops-quality-poor")(),
    };
    let suffix = |level: Level| match level {
        Level::Good => String::new(),
        Level::Fair => format!(" ({})", tr!("ops-metric-fair")()),
        Level::Poor => format!(" ({})", tr!("ops-metric-poor")()),
    };
    let low = |level: Level| match level {
        Level::Good => String::new(),
        _ => format!(" ({})", tr!("ops-metric-low")()),
    };
    let (rtt, jit, los, kbps) = (
        quality.round_trip_ms,
        format!("{:.0}", quality.jitter_ms),
        format!("{:.1}", quality.packet_loss_percent),
        quality.bitrate_kbps,
    );
    let metrics = vec![
        (
            round_trip,
            tr!("ops-metric-round-trip", ms = rtt)() + &suffix(round_trip),
        ),
        (
            jitter,
            tr!("ops-metric-jitter", ms = jit)() + &suffix(jitter),
        ),
        (
            loss,
            tr!("ops-metric-loss", percent = los)() + &suffix(loss),
        ),
        (
            bitrate,
            tr!("ops-metric-bitrate", kbps = kbps)() + &low(bitrate),
        ),
    ];
    view! {
        <span class=overall.class()>{overall_text}</span>
        <ul class="ops-metrics plain-list">
            {metrics
                .into_iter()
                .map(|(level, text)| view! { <li class=level.class()>{text}</li> })
                .collect_view()}
        </ul>
    }
}

#[component]
fn LobbyCard(sessions: Vec<Session>) -> impl IntoView {
    let rows: Vec<_> = sessions
        .iter()
        .flat_map(|s| {
            s.waiting
                .iter()
                .map(move |w| (s.case_reference.clone(), w.clone()))
        })
        .collect();
    let body = if rows.is_empty() {
        view! { <p class="empty" id="ops-lobby-empty">{tr!("ops-lobby-empty")}</p> }.into_any()
    } else {
        let columns = vec![
            Signal::derive(tr!("ops-column-name")),
            Signal::derive(tr!("ops-column-case")),
            Signal::derive(tr!("ops-column-waiting")),
        ];
        view! {
            <DataTable id="ops-lobby-table" caption=tr!("ops-lobby-caption") columns=columns>
                {rows
                    .into_iter()
                    .map(|(case, wait)| {
                        let minutes = wait.minutes;
                        view! {
                            <tr id=format!("ops-waiting-{}", wait.participant_id)>
                                <th scope="row">{wait.name.clone()}</th>
                                <td>{case}</td>
                                <td>
                                    {tr!("ops-minutes", minutes = minutes)}
                                    {wait
                                        .too_long
                                        .then(|| view! { " " <span class="badge badge-warning">{tr!("ops-long-wait")}</span> })}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </DataTable>
        }
            .into_any()
    };
    view! {
        <Card id="ops-lobby" title=tr!("ops-lobby-title")>
            {body}
        </Card>
    }
}

#[component]
fn BreakoutCard(sessions: Vec<Session>) -> impl IntoView {
    let rooms = sessions.iter().flat_map(|s| s.rooms.iter());
    let open: i64 = rooms.clone().filter(|r| r.caucus_id.is_some()).count() as i64;
    let in_caucus: i64 = rooms
        .clone()
        .filter(|r| r.caucus_id.is_some())
        .map(|r| r.people.len() as i64)
        .sum();
    let in_main: i64 = rooms
        .filter(|r| r.caucus_id.is_none())
        .map(|r| r.people.len() as i64)
        .sum();
    let summary = tr!(
        "ops-breakout-summary",
        rooms = open,
        caucus = in_caucus,
        main = in_main
    )();
    let legend = vec![
        (tr!("ops-breakout-rooms", count = open)(), ROOMS_COLOUR),
        (
            tr!("ops-breakout-in-caucus", count = in_caucus)(),
            CAUCUS_COLOUR,
        ),
        (tr!("ops-breakout-in-main", count = in_main)(), MAIN_COLOUR),
    ];
    let bars = vec![
        vec![(open as f64, ROOMS_COLOUR)],
        vec![(in_caucus as f64, CAUCUS_COLOUR)],
        vec![(in_main as f64, MAIN_COLOUR)],
    ];
    view! {
        <Card id="ops-breakout" title=tr!("ops-breakout-title")>
            <StackedBars bars=bars summary=summary legend=legend width=300.0 height=120.0 class="small-chart" />
        </Card>
    }
}

#[component]
fn LoadCard(load: Vec<Load>) -> impl IntoView {
    let body = if load.is_empty() {
        view! { <p class="empty" id="ops-load-empty">{tr!("ops-load-empty")}</p> }.into_any()
    } else {
        let max = load
            .iter()
            .map(|l| l.sessions_this_week)
            .max()
            .unwrap_or(1)
            .max(1) as f64;
        let rows: Vec<(String, Vec<Meter>)> = load
            .iter()
            .map(|l| {
                let (today, week) = (l.sessions_today, l.sessions_this_week);
                let meters = vec![
                    Meter {
                        percent: today as f64 / max * 100.0,
                        colour: MAIN_COLOUR,
                        text: tr!("ops-load-today", count = today)(),
                    },
                    Meter {
                        percent: week as f64 / max * 100.0,
                        colour: CAUCUS_COLOUR,
                        text: tr!("ops-load-week", count = week)(),
                    },
                ];
                (l.name.clone(), meters)
            })
            .collect();
        let columns = vec![
            Signal::derive(tr!("ops-column-mediator")),
            Signal::derive(tr!("ops-column-today")),
            Signal::derive(tr!("ops-column-week")),
        ];
        let legend = vec![
            (tr!("ops-load-legend-today")(), MAIN_COLOUR),
            (tr!("ops-load-legend-week")(), CAUCUS_COLOUR),
        ];
        view! {
            <crate::charts::Legend items=legend />
            <Meters rows=rows id="ops-load-chart" />
            <DataTable id="ops-load-table" caption=tr!("ops-load-caption") columns=columns>
                {load
                    .into_iter()
                    .map(|l| {
                        view! {
                            <tr>
                                <th scope="row">{l.name}</th>
                                <td>{l.sessions_today}</td>
                                <td>{l.sessions_this_week}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </DataTable>
        }
        .into_any()
    };
    view! {
        <Card id="ops-load" title=tr!("ops-load-title")>
            {body}
        </Card>
    }
}

#[component]
fn ServerCard(server: Server) -> impl IntoView {
    let (class, status) = if server.reachable {
        ("badge", tr!("ops-server-up")())
    } else {
        ("badge badge-danger", tr!("ops-server-down")())
    };
    let rooms = server.rooms;
    let answered = server
        .answered_in_ms
        .map(|ms| tr!("ops-server-answered", ms = ms)());
    view! {
        <Card id="ops-video-server" title=tr!("ops-server-title")>
            <p id="ops-server-status">
                <span class=class>{status}</span>
            </p>
            {server
                .reachable
                .then(|| view! { <p>{tr!("ops-server-rooms", count = rooms)}</p> })}
            {answered.map(|text| view! { <p class="hint">{text}</p> })}
        </Card>
    }
}

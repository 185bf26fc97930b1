//! `/calendar`: a mediator's week, day by day on the mediator's clock:
//! sessions (with the case they belong to and the room they are in) and
//! time away. Mediators see their own; case managers and org admins pick
//! any mediator, or a meeting room to see its week on their own clock.

use graphql_client::GraphQLQuery;
use leptos::prelude::*;
use portal_kit::gql::DateTime;
use portal_kit::prelude::*;

use crate::StaffPage;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/calendar.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct MediatorWeek;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/calendar.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct CalendarRoster;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/calendar.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct RoomWeek;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/calendar.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct CalendarRooms;

/// One session in a week, from either calendar.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    case_id: String,
    case_reference: String,
    scheduled_for: String,
    ends_at: String,
    status: String,
    mediator: String,
    room: Option<String>,
}

/// A week to draw: its clock, sessions and time away.
#[derive(Debug, Clone, PartialEq)]
struct WeekData {
    zone: String,
    /// On the reader's own clock (a room's week) rather than the mediator's.
    own_clock: bool,
    sessions: Vec<Entry>,
    away: Vec<String>,
}

impl WeekData {
    fn of_mediator(calendar: mediator_week::MediatorWeekMediatorCalendar) -> Self {
        Self {
            zone: calendar.time_zone,
            own_clock: false,
            sessions: calendar
                .sessions
                .into_iter()
                .map(|s| Entry {
                    case_id: s.case_id,
                    case_reference: s.case_reference,
                    scheduled_for: s.scheduled_for,
                    ends_at: s.ends_at,
                    status: s.status,
                    mediator: s.mediator_name,
                    room: s.meeting_room_name,
                })
                .collect(),
            away: calendar.away.into_iter().map(|a| a.starts_at).collect(),
        }
    }

    fn of_room(calendar: room_week::RoomWeekMeetingRoomCalendar, zone: String) -> Self {
        Self {
            zone,
            own_clock: true,
            sessions: calendar
                .sessions
                .into_iter()
                .map(|s| Entry {
                    case_id: s.case_id,
                    case_reference: s.case_reference,
                    scheduled_for: s.scheduled_for,
                    ends_at: s.ends_at,
                    status: s.status,
                    mediator: s.mediator_name,
                    room: s.meeting_room_name,
                })
                .collect(),
            away: Vec::new(),
        }
    }
}

const DAY_MS: f64 = 86_400_000.0;

/// Midnight (UTC) of the first day shown: the Monday of the week `offset`
/// weeks from this one, or the day `offset` days from today.
fn period_start(by_day: bool, offset: i32) -> f64 {
    if by_day {
        let now = js_sys::Date::new_0();
        let midnight = js_sys::Date::utc(
            f64::from(now.get_utc_full_year()),
            f64::from(now.get_utc_month()),
        ) + f64::from(now.get_utc_date() - 1) * DAY_MS;
        midnight + f64::from(offset) * DAY_MS
    } else {
        week_start(offset)
    }
}

/// Midnight (UTC) of the Monday of the week `offset` weeks from this one.
fn week_start(offset: i32) -> f64 {
    let now = js_sys::Date::new_0();
    let day = f64::from((now.get_utc_day() + 6) % 7);
    let midnight = js_sys::Date::utc(
        f64::from(now.get_utc_full_year()),
        f64::from(now.get_utc_month()),
    ) + f64::from(now.get_utc_date() - 1) * DAY_MS;
    midnight - day * DAY_MS + f64::from(offset) * 7.0 * DAY_MS
}

#[component]
pub fn CalendarPage() -> impl IntoView {
    view! {
        <StaffPage let:viewer>
            <CalendarBody
                runs_cases=viewer.has(RoleKey::CaseManager) || viewer.has(RoleKey::OrgAdmin)
                is_mediator=viewer.has(RoleKey::Mediator)
                own_zone=viewer.user.timezone.clone()
            />
        </StaffPage>
    }
}

#[component]
fn CalendarBody(runs_cases: bool, is_mediator: bool, own_zone: String) -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let offset = RwSignal::new(0i32);
    let chosen = RwSignal::new(String::new());
    // `mediator` or `room`: whose week is shown (for those who run cases).
    let view_by = RwSignal::new("mediator".to_owned());
    // `week` or `day`.
    let span = RwSignal::new("week".to_owned());
    let by_day = move || span.get() == "day";
    // A new period starts from today's (or this week's).
    Effect::new(move |_| {
        span.track();
        offset.set(0);
    });
    let room = RwSignal::new(String::new());
    let own_zone = StoredValue::new(own_zone);
    let rooms = LocalResource::new(move || async move {
        if runs_cases {
            api.run::<CalendarRooms>(calendar_rooms::Variables)
                .await
                .map(|d| d.meeting_rooms)
                .unwrap_or_default()
        } else {
            Vec::new()
        }
    });
    let roster = LocalResource::new(move || async move {
        if runs_cases {
            api.run::<CalendarRoster>(calendar_roster::Variables)
                .await
                .map(|d| d.mediator_roster)
                .unwrap_or_default()
        } else {
            Vec::new()
        }
    });
    let week = LocalResource::new(move || {
        let day = by_day();
        let start = period_start(day, offset.get());
        // A day is read with its neighbours, so a session late or early in
        // the reader's zone is found; only the day itself is shown.
        let (from, days) = if day {
            (intl::iso_of_millis(start - DAY_MS), 3)
        } else {
            (intl::iso_of_millis(start), 7)
        };
        let mediator = chosen.get();
        let by_room = view_by.get() == "room";
        let room_id = room.get();
        async move {
            if by_room {
                if room_id.is_empty() {
                    return None;
                }
                return Some(
                    api.run::<RoomWeek>(room_week::Variables {
                        room_id,
                        from,
                        days,
                    })
                    .await
                    .map(|d| WeekData::of_room(d.meeting_room_calendar, own_zone.get_value())),
                );
            }
            if mediator.is_empty() && !is_mediator {
                return None;
            }
            let mediator_id = (!mediator.is_empty()).then_some(mediator);
            Some(
                api.run::<MediatorWeek>(mediator_week::Variables {
                    mediator_id,
                    from,
                    days,
                })
                .await
                .map(|d| WeekData::of_mediator(d.mediator_calendar)),
            )
        }
    });
    let view_options = Signal::derive(move || {
        vec![
            ("mediator".to_owned(), tr!("calendar-by-mediator")()),
            ("room".to_owned(), tr!("calendar-by-room")()),
        ]
    });
    let room_options = Signal::derive(move || {
        let mut all = vec![(String::new(), tr!("calendar-choose-room")())];
        if let Some(list) = rooms.get() {
            all.extend(list.into_iter().map(|r| (r.id, r.name)));
        }
        all
    });
    let options = Signal::derive(move || {
        let mut all: Vec<(String, String)> = Vec::new();
        if is_mediator {
            all.push((String::new(), tr!("calendar-mine")()));
        } else {
            all.push((String::new(), tr!("calendar-choose")()));
        }
        if let Some(list) = roster.get() {
            all.extend(list.into_iter().map(|m| (m.user_id, m.name)));
        }
        all
    });
    let span_options = Signal::derive(move || {
        vec![
            ("week".to_owned(), tr!("calendar-span-week")()),
            ("day".to_owned(), tr!("calendar-span-day")()),
        ]
    });
    let range = move || {
        let start = period_start(by_day(), offset.get());
        let first =
            intl::format_date(&intl::iso_of_millis(start), i18n.locale()).unwrap_or_default();
        if by_day() {
            return first;
        }
        let last = intl::format_date(&intl::iso_of_millis(start + 6.0 * DAY_MS), i18n.locale())
            .unwrap_or_default();
        tr!("calendar-week-of", first = first, last = last)()
    };
    view! {
        <PageTitle id="page-title" text=tr!("calendar-title") />
        <p class="lead">{tr!("calendar-intro")}</p>
        <p id="calendar-waiting-list">
            <a href="/waiting-list">{tr!("calendar-waiting-list-link")}</a>
        </p>
        {runs_cases.then(|| view! {
            <div class="narrow">
                <SelectField id="calendar-view" label=tr!("calendar-view") value=view_by options=view_options />
                {move || if view_by.get() == "room" {
                    view! { <SelectField id="calendar-room" label=tr!("calendar-room") value=room options=room_options /> }.into_any()
                } else {
                    view! { <SelectField id="calendar-mediator" label=tr!("calendar-mediator") value=chosen options=options /> }.into_any()
                }}
            </div>
        })}
        <div class="narrow">
            <SelectField id="calendar-span" label=tr!("calendar-span") value=span options=span_options />
        </div>
        <div class="button-row calendar-nav">
            <Button id="calendar-previous" kind=ButtonKind::Secondary on_click=Callback::new(move |_| offset.update(|o| *o -= 1))>
                {move || if by_day() { tr!("calendar-previous-day")() } else { tr!("calendar-previous")() }}
            </Button>
            <p class="calendar-range" id="calendar-range" aria-live="polite">{range}</p>
            <Button id="calendar-next" kind=ButtonKind::Secondary on_click=Callback::new(move |_| offset.update(|o| *o += 1))>
                {move || if by_day() { tr!("calendar-next-day")() } else { tr!("calendar-next")() }}
            </Button>
        </div>
        {move || match week.get() {
            None => view! { <Loading /> }.into_any(),
            Some(None) if view_by.get_untracked() == "room" => {
                view! { <p class="hint" id="calendar-pick">{tr!("calendar-pick-room")}</p> }.into_any()
            }
            Some(None) => view! { <p class="hint" id="calendar-pick">{tr!("calendar-pick")}</p> }.into_any(),
            Some(Some(Err(error))) => view! { <ErrorAlert error=error /> }.into_any(),
            Some(Some(Ok(data))) => {
                let day = span.get_untracked() == "day";
                view! {
                    <Week
                        calendar=data
                        start=period_start(day, offset.get_untracked())
                        days=if day { 1 } else { 7 }
                    />
                }
                .into_any()
            }
        }}
        {is_mediator.then(|| view! { <crate::calendar_connections::ConnectedCalendars /> })}
    }
}

#[component]
fn Week(calendar: WeekData, start: f64, days: i32) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.locale_untracked();
    let zone = calendar.zone.clone();
    let day_of = |rfc: &str| intl::format_day_in_zone(rfc, &zone, locale).unwrap_or_default();
    let days: Vec<String> = (0..days)
        .map(|d| {
            // Noon UTC names the day in every zone within ±12 hours.
            day_of(&intl::iso_of_millis(
                start + f64::from(d) * DAY_MS + DAY_MS / 2.0,
            ))
        })
        .collect();
    // Nothing on any day shown (a day view reads its neighbours too).
    let empty = !calendar
        .sessions
        .iter()
        .map(|s| &s.scheduled_for)
        .chain(calendar.away.iter())
        .any(|at| days.contains(&day_of(at)));
    let zone_name = zone.clone();
    let own_clock = calendar.own_clock;
    let zone_text = if own_clock {
        tr!("calendar-zone-yours", zone = zone_name)()
    } else {
        tr!("calendar-zone", zone = zone_name)()
    };
    view! {
        <p class="hint" id="calendar-zone">{zone_text}</p>
        {empty.then(|| view! { <p class="empty" id="calendar-empty">{tr!("calendar-empty")}</p> })}
        <ol class="calendar-week" id="calendar-week">
            {days
                .into_iter()
                .map(|day| {
                    let sessions: Vec<_> = calendar
                        .sessions
                        .iter()
                        .filter(|s| day_of(&s.scheduled_for) == day)
                        .cloned()
                        .collect();
                    let away: Vec<_> = calendar
                        .away
                        .iter()
                        .filter(|starts_at| day_of(starts_at) == day)
                        .cloned()
                        .collect();
                    let zone = zone.clone();
                    view! {
                        <li class="calendar-day">
                            <h2 class="calendar-day-name">{day.clone()}</h2>
                            <ul class="plain-list">
                                {sessions
                                    .into_iter()
                                    .map(|s| {
                                        let from = intl::format_clock_in_zone(&s.scheduled_for, &zone, locale).unwrap_or_default();
                                        let to = intl::format_clock_in_zone(&s.ends_at, &zone, locale).unwrap_or_default();
                                        let cancelled = s.status == "cancelled";
                                        view! {
                                            <li class="calendar-session" class:cancelled=cancelled data-status=s.status.clone()>
                                                <span>{format!("{from} – {to}")}</span>
                                                " "
                                                <a href=format!("/cases/{}", s.case_id)>{s.case_reference.clone()}</a>
                                                {if own_clock {
                                                    Some(tr!("calendar-with-mediator", name = s.mediator.clone())())
                                                } else {
                                                    s.room.clone().map(|room| tr!("calendar-in-room", room = room)())
                                                }
                                                .map(|with| view! { " " <span class="calendar-with">{with}</span> })}
                                                {cancelled.then(|| view! { " " <span class="badge">{tr!("sessions-status-cancelled")}</span> })}
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                                {away
                                    .into_iter()
                                    .map(|_| view! { <li class="calendar-away">{tr!("calendar-away")}</li> })
                                    .collect_view()}
                            </ul>
                        </li>
                    }
                })
                .collect_view()}
        </ol>
    }
}

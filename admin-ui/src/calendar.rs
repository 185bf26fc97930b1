//! `/calendar`: a mediator's week, day by day on the mediator's clock:
//! sessions (with the case they belong to) and time away. Mediators see
//! their own; case managers and org admins pick any mediator.

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

const DAY_MS: f64 = 86_400_000.0;

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
            />
        </StaffPage>
    }
}

#[component]
fn CalendarBody(runs_cases: bool, is_mediator: bool) -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let offset = RwSignal::new(0i32);
    let chosen = RwSignal::new(String::new());
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
        let from = intl::iso_of_millis(week_start(offset.get()));
        let mediator = chosen.get();
        async move {
            if mediator.is_empty() && !is_mediator {
                return None;
            }
            let mediator_id = (!mediator.is_empty()).then_some(mediator);
            Some(
                api.run::<MediatorWeek>(mediator_week::Variables { mediator_id, from })
                    .await,
            )
        }
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
    let range = move || {
        let start = week_start(offset.get());
        let first =
            intl::format_date(&intl::iso_of_millis(start), i18n.locale()).unwrap_or_default();
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
                <SelectField id="calendar-mediator" label=tr!("calendar-mediator") value=chosen options=options />
            </div>
        })}
        <div class="button-row calendar-nav">
            <Button id="calendar-previous" kind=ButtonKind::Secondary on_click=Callback::new(move |_| offset.update(|o| *o -= 1))>
                {tr!("calendar-previous")}
            </Button>
            <p class="calendar-range" id="calendar-range" aria-live="polite">{range}</p>
            <Button id="calendar-next" kind=ButtonKind::Secondary on_click=Callback::new(move |_| offset.update(|o| *o += 1))>
                {tr!("calendar-next")}
            </Button>
        </div>
        {move || match week.get() {
            None => view! { <Loading /> }.into_any(),
            Some(None) => view! { <p class="hint" id="calendar-pick">{tr!("calendar-pick")}</p> }.into_any(),
            Some(Some(Err(error))) => view! { <ErrorAlert error=error /> }.into_any(),
            Some(Some(Ok(data))) => view! { <Week calendar=data.mediator_calendar start=week_start(offset.get_untracked()) /> }.into_any(),
        }}
        {is_mediator.then(|| view! { <crate::calendar_connections::ConnectedCalendars /> })}
    }
}

#[component]
fn Week(calendar: mediator_week::MediatorWeekMediatorCalendar, start: f64) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.locale_untracked();
    let zone = calendar.time_zone.clone();
    let day_of = |rfc: &str| intl::format_day_in_zone(rfc, &zone, locale).unwrap_or_default();
    let days: Vec<String> = (0..7)
        .map(|d| {
            // Noon UTC names the day in every zone within ±12 hours.
            day_of(&intl::iso_of_millis(
                start + f64::from(d) * DAY_MS + DAY_MS / 2.0,
            ))
        })
        .collect();
    let empty = calendar.sessions.is_empty() && calendar.away.is_empty();
    let zone_name = zone.clone();
    let zone_text = tr!("calendar-zone", zone = zone_name)();
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
                        .filter(|a| day_of(&a.starts_at) == day)
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

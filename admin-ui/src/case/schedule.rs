//! The case's sessions on the staff case page: the times that fit the
//! mediator and every party who said when they can, on each person's clock,
//! booking one on the parties' behalf, and the sessions booked. A time taken
//! meanwhile is refused and the fresh times are shown.

use graphql_client::GraphQLQuery;
use leptos::prelude::*;
use portal_kit::gql::DateTime;
use portal_kit::prelude::*;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/case_schedule.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct StaffCaseSchedule;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/case_schedule.graphql",
    variables_derives = "Clone",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct BookSession;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/case_schedule.graphql",
    variables_derives = "Clone",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct StaffRescheduleSession;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/case_schedule.graphql",
    variables_derives = "Clone",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct StaffCancelSession;

type Schedule = staff_case_schedule::StaffCaseScheduleCaseSchedule;
type Clock = staff_case_schedule::ClockOf;
type Side = staff_case_schedule::Side;

fn clock_label(clock: &Clock) -> String {
    match clock {
        Clock::YOU => tr!("sessions-clock-you")(),
        Clock::MEDIATOR => tr!("sessions-clock-mediator")(),
        Clock::CLAIMANT => tr!("sessions-clock-claimant")(),
        Clock::RESPONDENT => tr!("sessions-clock-respondent")(),
        _ => String::new(),
    }
}

#[component]
pub fn Sessions(case_id: String) -> impl IntoView {
    let api = use_api();
    let reload = RwSignal::new(0u32);
    let id = StoredValue::new(case_id);
    let loaded = LocalResource::new(move || {
        reload.track();
        let case_id = id.get_value();
        async move {
            api.run::<StaffCaseSchedule>(staff_case_schedule::Variables { case_id })
                .await
        }
    });
    let failure = RwSignal::new(None::<ApiError>);
    let booked = RwSignal::new(None::<String>);
    // What a move or cancellation did, kept across the reload.
    let changed = RwSignal::new(None::<String>);
    let book = Action::new_local(move |variables: &book_session::Variables| {
        let variables = variables.clone();
        async move { api.run::<BookSession>(variables).await }
    });
    on_result(book, failure, move |data| {
        booked.set(Some(data.book_session.scheduled_for));
        reload.update(|n| *n += 1);
    });
    // A refused booking shows the times that fit now.
    Effect::new(move |_| {
        if failure.get().and_then(|e| e.code()) == Some(shared_types::ErrorCode::SlotTaken) {
            reload.update(|n| *n += 1);
        }
    });
    view! {
        <Card id="case-sessions" title=tr!("case-sessions-title")>
            {move || failure.get().map(|error| view! { <ErrorAlert error=error /> })}
            {move || booked.get().map(|_| view! { <Alert id="session-booked-notice">{tr!("sessions-booked")}</Alert> })}
            {move || changed.get().map(|text| view! { <Alert id="session-changed-notice">{text}</Alert> })}
            {move || match loaded.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(ApiError::Code(shared_types::ErrorCode::Conflict))) => {
                    view! { <p class="hint" id="sessions-not-yet">{tr!("sessions-not-yet")}</p> }.into_any()
                }
                Some(Err(error)) => view! { <ErrorAlert error=error /> }.into_any(),
                Some(Ok(data)) => view! {
                    <ScheduleView
                        case_id=id.get_value()
                        schedule=data.case_schedule
                        on_book=Callback::new(move |variables| {
                            failure.set(None);
                            booked.set(None);
                            book.dispatch(variables);
                        })
                        busy=book.pending()
                        on_changed=Callback::new(move |text: String| {
                            failure.set(None);
                            booked.set(None);
                            changed.set(Some(text));
                            reload.update(|n| *n += 1);
                        })
                    />
                }
                .into_any(),
            }}
        </Card>
    }
}

#[component]
fn ScheduleView(
    case_id: String,
    schedule: Schedule,
    on_book: Callback<book_session::Variables>,
    busy: Memo<bool>,
    on_changed: Callback<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.locale_untracked();
    let zone = schedule.time_zone.clone();
    let parties = schedule
        .parties
        .iter()
        .map(|p| {
            let side = match p.side {
                Side::CLAIMANT => tr!("side-claimant")(),
                Side::RESPONDENT => tr!("side-respondent")(),
                _ => tr!("party-type-other")(),
            };
            let state = if !p.has_joined {
                tr!("sessions-party-not-joined")()
            } else if p.answered {
                tr!("sessions-party-answered")()
            } else {
                tr!("sessions-party-waiting")()
            };
            view! { <li data-side=format!("{:?}", p.side)>{format!("{side}: {state}")}</li> }
        })
        .collect_view();
    let slot_options: Vec<(String, String)> = schedule
        .slots
        .iter()
        .take(12)
        .map(|s| {
            (
                s.starts_at.clone(),
                intl::format_timestamp(&s.starts_at, locale, Some(&zone)),
            )
        })
        .collect();
    let sessions = schedule
        .sessions
        .iter()
        .map(|s| {
            let when = intl::format_timestamp(&s.scheduled_for, locale, Some(&zone));
            let status = match s.status.as_str() {
                "booked" => tr!("sessions-status-booked")(),
                "cancelled" => tr!("sessions-status-cancelled")(),
                _ => tr!("sessions-status-completed")(),
            };
            let booked = s.status == "booked";
            // Call quality is kept for any session that was not cancelled.
            let reviewable = s.status != "cancelled";
            let id = s.id.clone();
            let options = slot_options.clone();
            view! {
                <li class="session-row">
                    {format!("{when} · {} min · {status}", s.duration_minutes)}
                    {booked
                        .then(|| {
                            view! {
                                " "
                                <a id=format!("join-video-{id}") href=format!("/sessions/{id}/video")>
                                    {tr!("video-join-video")}
                                </a>
                                <portal_kit::video::SessionAttendees session_id=id.clone() />
                            }
                        })}
                    {reviewable
                        .then(|| {
                            view! {
                                " "
                                <a id=format!("call-quality-{id}") href=format!("/sessions/{id}/quality")>
                                    {tr!("quality-link")}
                                </a>
                            }
                        })}
                    {booked.then(|| view! { <ChangeSession session_id=id options=options on_done=on_changed /> })}
                </li>
            }
        })
        .collect_view();
    let any_session = !schedule.sessions.is_empty();
    let columns = vec![
        Signal::derive(tr!("sessions-column-time")),
        Signal::derive(tr!("sessions-column-clocks")),
        Signal::derive(tr!("sessions-column-action")),
    ];
    let case = StoredValue::new(case_id);
    let minutes = schedule.duration_minutes;
    let rows = schedule
        .slots
        .into_iter()
        .enumerate()
        .map(|(i, slot)| {
            let when = intl::format_timestamp(&slot.starts_at, locale, Some(&zone));
            let row_id = format!("slot-row-{i}");
            let clocks = slot
                .local_times
                .iter()
                .filter(|l| l.clock_of != Clock::YOU)
                .map(|l| {
                    let time = intl::format_clock_in_zone(&slot.starts_at, &l.time_zone, locale)
                        .unwrap_or_else(|| l.local.clone());
                    format!("{}: {time}", clock_label(&l.clock_of))
                })
                .collect::<Vec<_>>()
                .join(" · ");
            let start = slot.starts_at.clone();
            view! {
                <tr>
                    <th scope="row" id=row_id.clone()>{when}</th>
                    <td data-label=tr!("sessions-column-clocks")>{clocks}</td>
                    <td data-label=tr!("sessions-column-action")>
                        {schedule.can_book.then(|| {
                            let start = start.clone();
                            view! {
                                <Button
                                    id=format!("book-{i}")
                                    kind=ButtonKind::Secondary
                                    aria_describedby=row_id.clone()
                                    busy=busy
                                    on_click=Callback::new(move |_| {
                                        on_book.run(book_session::Variables {
                                            case_id: case.get_value(),
                                            starts_at: start.clone(),
                                        })
                                    })
                                >
                                    {tr!("sessions-book")}
                                </Button>
                            }
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <ul class="plain-list" id="sessions-parties">{parties}</ul>
        {any_session.then(|| view! {
            <h3 class="subheading">{tr!("sessions-booked-title")}</h3>
            <ul class="plain-list" id="sessions-list">{sessions}</ul>
        })}
        <h3 class="subheading">{tr!("sessions-free-title", minutes = minutes)}</h3>
        <DataTable id="slots-table" caption=tr!("sessions-free-caption") columns=columns>
            {rows}
        </DataTable>
    }
}

/// Moving or cancelling a booked session, with the reason the staff keep.
#[component]
fn ChangeSession(
    session_id: String,
    options: Vec<(String, String)>,
    on_done: Callback<String>,
) -> impl IntoView {
    let api = use_api();
    let id = StoredValue::new(session_id);
    let dom = format!("change-{}", id.get_value());
    let reason = RwSignal::new(String::new());
    let missing = RwSignal::new(false);
    let to = RwSignal::new(options.first().map(|o| o.0.clone()).unwrap_or_default());
    let failure = RwSignal::new(None::<ApiError>);
    let move_it = Action::new_local(move |variables: &staff_reschedule_session::Variables| {
        let variables = variables.clone();
        async move { api.run::<StaffRescheduleSession>(variables).await }
    });
    on_result(move_it, failure, move |_| {
        on_done.run(tr!("sessions-moved")())
    });
    let cancel = Action::new_local(move |variables: &staff_cancel_session::Variables| {
        let variables = variables.clone();
        async move { api.run::<StaffCancelSession>(variables).await }
    });
    on_result(cancel, failure, move |_| {
        on_done.run(tr!("sessions-cancelled")())
    });
    let given = move || {
        let text = reason.get_untracked().trim().to_owned();
        missing.set(text.is_empty());
        (!text.is_empty()).then_some(text)
    };
    let reason_id = format!("{dom}-reason");
    let error_id = format!("{dom}-reason-error");
    let has_options = !options.is_empty();
    let options = Signal::derive(move || options.clone());
    view! {
        <details class="session-change" id=dom.clone()>
            <summary>{tr!("sessions-change")}</summary>
            {move || failure.get().map(|error| view! { <ErrorAlert error=error /> })}
            <div class="field">
                <label for=reason_id.clone()>{tr!("sessions-change-reason")}</label>
                <textarea
                    id=reason_id
                    rows="2"
                    aria-invalid=move || missing.get().then_some("true")
                    aria-describedby={
                        let error_id = error_id.clone();
                        move || missing.get().then(|| error_id.clone())
                    }
                    prop:value=move || reason.get()
                    on:input=move |e| reason.set(event_target_value(&e))
                ></textarea>
                {move || missing.get().then(|| view! { <p class="field-error" id=error_id.clone()>{tr!("sessions-change-reason-missing")}</p> })}
            </div>
            {has_options.then(|| view! {
                <SelectField id="staff-change-time" label=tr!("schedule-change-time") value=to options=options />
                <Button
                    id="staff-change-move"
                    busy=move_it.pending()
                    on_click=Callback::new(move |_| {
                        failure.set(None);
                        if let Some(reason) = given() {
                            move_it.dispatch(staff_reschedule_session::Variables {
                                session_id: id.get_value(),
                                starts_at: to.get_untracked(),
                                reason,
                            });
                        }
                    })
                >
                    {tr!("schedule-move")}
                </Button>
            })}
            <Button
                id="staff-change-cancel"
                kind=ButtonKind::Secondary
                busy=cancel.pending()
                on_click=Callback::new(move |_| {
                    failure.set(None);
                    if let Some(reason) = given() {
                        cancel.dispatch(staff_cancel_session::Variables {
                            session_id: id.get_value(),
                            reason,
                        });
                    }
                })
            >
                {tr!("schedule-cancel")}
            </Button>
        </details>
    }
}

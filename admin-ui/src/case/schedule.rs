//! The case's sessions on the staff case page: the times that fit the
//! mediator and every party who said when they can, on each person's clock,
//! booking one on the parties' behalf, and the sessions booked, with the
//! meeting room each is held in (chosen here by org admins and case
//! managers). A time taken meanwhile is refused and the fresh times are
//! shown; so is a room taken meanwhile.

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
/// The organization's rooms a session can be put in: (id, name).
type RoomChoices = Vec<(String, String)>;
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
    let session = use_session();
    let allocates = session
        .viewer()
        .is_some_and(|v| v.has(RoleKey::OrgAdmin) || v.has(RoleKey::CaseManager));
    let rooms = LocalResource::new(move || async move {
        if !allocates {
            return RoomChoices::new();
        }
        api.run::<crate::meeting_rooms::MeetingRooms>(
            crate::meeting_rooms::meeting_rooms::Variables {
                include_retired: Some(false),
            },
        )
        .await
        .map(|d| {
            d.meeting_rooms
                .into_iter()
                .map(|r| (r.id, r.name))
                .collect()
        })
        .unwrap_or_default()
    });
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
                        rooms=Signal::derive(move || allocates.then(|| rooms.get().unwrap_or_default()))
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
    /// The rooms to choose from, for those who may put sessions in rooms.
    rooms: Signal<Option<RoomChoices>>,
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
            let room = s.meeting_room.clone().map(|r| {
                let text = if r.location.is_empty() {
                    r.name.clone()
                } else {
                    format!("{} ({})", r.name, r.location)
                };
                tr!("sessions-room", room = text)()
            });
            let current_room = s.meeting_room.as_ref().map(|r| r.id.clone()).unwrap_or_default();
            view! {
                <li class="session-row">
                    {format!("{when} · {} min · {status}", s.duration_minutes)}
                    {room.map(|text| view! { " · " <span class="session-room" id=format!("session-room-{}", s.id)>{text}</span> })}
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
                    {booked.then(|| {
                        let session_id = id.clone();
                        move || rooms.get().map(|choices| view! {
                            <RoomPicker session_id=session_id.clone() current=current_room.clone() choices=choices on_done=on_changed />
                        })
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

/// Putting a booked session in a meeting room, or taking it out of one.
#[component]
fn RoomPicker(
    session_id: String,
    current: String,
    choices: RoomChoices,
    on_done: Callback<String>,
) -> impl IntoView {
    let api = use_api();
    let select_id = format!("session-room-select-{session_id}");
    let id = StoredValue::new(session_id);
    let chosen = RwSignal::new(current.clone());
    let failure = RwSignal::new(None::<ApiError>);
    let save = Action::new_local(move |room: &String| {
        let room_id = (!room.is_empty()).then(|| room.clone());
        async move {
            api.run::<crate::meeting_rooms::SetSessionMeetingRoom>(
                crate::meeting_rooms::set_session_meeting_room::Variables {
                    session_id: id.get_value(),
                    room_id,
                },
            )
            .await
        }
    });
    on_result(save, failure, move |_| {
        on_done.run(tr!("sessions-room-saved")())
    });
    let mut options = vec![(String::new(), tr!("sessions-room-none")())];
    options.extend(choices);
    let label_for = select_id.clone();
    view! {
        <div class="session-room-picker field">
            {move || failure.get().map(|error| view! { <ErrorAlert error=error /> })}
            <label for=label_for>{tr!("sessions-room-label")}</label>
            <div class="button-row">
                <select
                    id=select_id
                    prop:value=move || chosen.get()
                    on:change=move |e| chosen.set(event_target_value(&e))
                >
                    {options
                        .into_iter()
                        .map(|(value, label)| {
                            let selected = value == current;
                            view! { <option value=value selected=selected>{label}</option> }
                        })
                        .collect_view()}
                </select>
                <Button
                    id=format!("session-room-save-{}", id.get_value())
                    kind=ButtonKind::Secondary
                    busy=save.pending()
                    on_click=Callback::new(move |_| {
                        failure.set(None);
                        save.dispatch(chosen.get_untracked());
                    })
                >
                    {tr!("sessions-room-save")}
                </Button>
            </div>
        </div>
    }
}

//! "Choose your session times" on a party's case page: the times that suit
//! the mediator (and the other side, once they have chosen), in the party's
//! own time zone with the mediator's clock beside it; the party ticks every
//! time they could do. When both sides share a time, it is booked at once.

use std::collections::BTreeSet;

use graphql_client::GraphQLQuery;
use leptos::prelude::*;
use portal_kit::gql::DateTime;
use portal_kit::prelude::*;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/schedule.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct CaseSchedule;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/schedule.graphql",
    variables_derives = "Clone",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct SetMyAvailability;

type Schedule = case_schedule::CaseScheduleCaseSchedule;
type Slot = case_schedule::CaseScheduleCaseScheduleSlots;
type Clock = case_schedule::ClockOf;

/// Milliseconds since the epoch of an RFC 3339 time, for comparing.
fn millis(rfc3339: &str) -> Option<f64> {
    intl::parse_date(rfc3339).map(|d| d.get_time())
}

/// The ticked slots as windows: overlapping and touching ones joined, so
/// the windows never overlap (the API refuses overlapping windows).
pub fn windows_of(slots: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut sorted = slots.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut out: Vec<(f64, f64)> = Vec::new();
    for (start, end) in sorted {
        match out.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => out.push((start, end)),
        }
    }
    out
}

#[component]
pub fn SessionTimesCard(case_id: String, my_side: Option<String>) -> impl IntoView {
    let api = use_api();
    let reload = RwSignal::new(0u32);
    let id = StoredValue::new(case_id);
    let loaded = LocalResource::new(move || {
        reload.track();
        let case_id = id.get_value();
        async move {
            api.run::<CaseSchedule>(case_schedule::Variables { case_id })
                .await
        }
    });
    let side = StoredValue::new(my_side);
    // Kept here: saving or changing reloads the times below.
    let saved = RwSignal::new(false);
    let changed = RwSignal::new(None::<Done>);
    let notice = move || {
        changed.get().map(|what| {
            let text = match what {
                Done::Moved => tr!("schedule-done-moved")(),
                Done::Cancelled => tr!("schedule-done-cancelled")(),
                Done::Waiting => tr!("schedule-done-waiting")(),
                Done::TookEarlier => tr!("schedule-done-earlier")(),
            };
            view! { <Alert id="session-changed">{text}</Alert> }
        })
    };
    let body = move || match loaded.get() {
        None => view! { <Loading /> }.into_any(),
        // No mediator yet, or no working hours: times come later.
        Some(Err(ApiError::Code(shared_types::ErrorCode::Conflict))) => view! {
            <Card id="session-times" title=tr!("schedule-title")>
                <p class="hint" id="schedule-not-yet">{tr!("schedule-not-yet")}</p>
            </Card>
        }
        .into_any(),
        Some(Err(error)) => view! {
            <Card id="session-times" title=tr!("schedule-title")>
                <ErrorAlert error=error />
            </Card>
        }
        .into_any(),
        Some(Ok(data)) => view! {
            <Times
                case_id=id.get_value()
                schedule=data.case_schedule
                rules=data.scheduling_rules
                my_side=side.get_value()
                saved=saved
                changed=changed
                on_saved=Callback::new(move |_| reload.update(|n| *n += 1))
            />
        }
        .into_any(),
    };
    view! {
        <div role="status">{notice}</div>
        {body}
    }
}

#[component]
fn Times(
    case_id: String,
    schedule: Schedule,
    rules: case_schedule::CaseScheduleSchedulingRules,
    my_side: Option<String>,
    saved: RwSignal<bool>,
    changed: RwSignal<Option<Done>>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let zone = schedule.time_zone.clone();
    let now = js_sys::Date::now();
    let booked = schedule
        .sessions
        .iter()
        .find(|s| s.status == "booked" && millis(&s.ends_at).is_some_and(|end| end > now))
        .cloned();
    if let Some(session) = booked {
        return view! {
            <BookedSession
                session=session
                slots=schedule.slots.clone()
                zone=zone.clone()
                rules=rules
                saved=saved
                done=changed
                on_changed=on_saved
            />
        }
        .into_any();
    }
    let windows: Vec<(f64, f64)> = schedule
        .my_windows
        .iter()
        .filter_map(|w| Some((millis(&w.starts_at)?, millis(&w.ends_at)?)))
        .collect();
    let inside = |slot: &Slot| {
        let (Some(s), Some(e)) = (millis(&slot.starts_at), millis(&slot.ends_at)) else {
            return false;
        };
        windows.iter().any(|(ws, we)| *ws <= s && e <= *we)
    };
    let chosen = RwSignal::new(
        schedule
            .slots
            .iter()
            .filter(|s| inside(s))
            .map(|s| s.starts_at.clone())
            .collect::<BTreeSet<String>>(),
    );
    let others_answered = schedule
        .parties
        .iter()
        .filter(|p| {
            my_side
                .as_deref()
                .is_none_or(|mine| format!("{:?}", p.side) != mine)
        })
        .all(|p| p.answered);
    let failure = RwSignal::new(None::<ApiError>);
    let save = Action::new_local(move |variables: &set_my_availability::Variables| {
        let variables = variables.clone();
        async move { api.run::<SetMyAvailability>(variables).await }
    });
    on_result(save, failure, move |_| {
        changed.set(None);
        saved.set(true);
        on_saved.run(());
    });
    let durations: Vec<(String, f64, f64)> = schedule
        .slots
        .iter()
        .filter_map(|s| {
            Some((
                s.starts_at.clone(),
                millis(&s.starts_at)?,
                millis(&s.ends_at)?,
            ))
        })
        .collect();
    let case = StoredValue::new(case_id);
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        failure.set(None);
        let picked = chosen.get_untracked();
        let spans: Vec<(f64, f64)> = durations
            .iter()
            .filter(|(key, _, _)| picked.contains(key))
            .map(|(_, s, e)| (*s, *e))
            .collect();
        let windows = windows_of(&spans)
            .into_iter()
            .map(|(s, e)| set_my_availability::WindowInput {
                starts_at: intl::iso_of_millis(s),
                ends_at: intl::iso_of_millis(e),
            })
            .collect();
        save.dispatch(set_my_availability::Variables {
            case_id: case.get_value(),
            windows,
        });
    };
    // Slots by day on the reader's clock.
    let mut days: Vec<(String, Vec<Slot>)> = Vec::new();
    for slot in schedule.slots.iter().cloned() {
        let day = intl::format_day_in_zone(&slot.starts_at, &zone, i18n.locale_untracked())
            .unwrap_or_default();
        match days.last_mut() {
            Some((d, list)) if *d == day => list.push(slot),
            _ => days.push((day, vec![slot])),
        }
    }
    let minutes = schedule.duration_minutes;
    let zone_for_view = zone.clone();
    view! {
        <Card id="session-times" title=tr!("schedule-title")>
            <p class="lead">{tr!("schedule-intro", minutes = minutes)}</p>
            <p class="hint" id="schedule-zone">{tr!("schedule-zone", zone = zone_for_view)}</p>
            {(!others_answered)
                .then(|| view! { <p class="hint" id="schedule-waiting">{tr!("schedule-other-side-not-yet")}</p> })}
            {move || saved.get().then(|| view! { <Alert id="schedule-saved">{tr!("schedule-saved")}</Alert> })}
            {move || failure.get().map(|error| view! { <ErrorAlert error=error /> })}
            {if days.is_empty() {
                view! { <p class="empty" id="schedule-none">{tr!("schedule-none")}</p> }.into_any()
            } else {
                view! {
                    <form class="form" id="schedule-form" on:submit=on_submit>
                        {days
                            .into_iter()
                            .map(|(day, slots)| {
                                view! {
                                    <fieldset class="slot-day">
                                        <legend>{day}</legend>
                                        {slots
                                            .into_iter()
                                            .map(|slot| {
                                                view! { <SlotChoice choice=slot zone=zone.clone() chosen=chosen /> }
                                            })
                                            .collect_view()}
                                    </fieldset>
                                }
                            })
                            .collect_view()}
                        <Button id="schedule-save" button_type="submit" busy=save.pending()>
                            {tr!("schedule-save")}
                        </Button>
                    </form>
                }
                    .into_any()
            }}
        </Card>
    }
    .into_any()
}

/// One time to tick, on the reader's clock, with the mediator's beside it.
#[component]
fn SlotChoice(choice: Slot, zone: String, chosen: RwSignal<BTreeSet<String>>) -> impl IntoView {
    let slot = choice;
    let i18n = use_i18n();
    let key = slot.starts_at.clone();
    let id = format!("slot-{}", key.replace([':', '+', '.'], "-"));
    let locale = i18n.locale_untracked();
    let mine = intl::format_clock_in_zone(&slot.starts_at, &zone, locale).unwrap_or_default();
    let until = intl::format_clock_in_zone(&slot.ends_at, &zone, locale).unwrap_or_default();
    let mediator = slot
        .local_times
        .iter()
        .find(|l| l.clock_of == Clock::MEDIATOR && l.time_zone != zone)
        .and_then(|l| intl::format_clock_in_zone(&slot.starts_at, &l.time_zone, locale));
    let checked_key = key.clone();
    view! {
        <div class="field checkbox slot-choice">
            <input
                type="checkbox"
                id=id.clone()
                prop:checked=move || chosen.with(|c| c.contains(&checked_key))
                on:change=move |event| {
                    let on = event_target_checked(&event);
                    let key = key.clone();
                    chosen.update(|c| {
                        if on {
                            c.insert(key);
                        } else {
                            c.remove(&key);
                        }
                    });
                }
            />
            <label for=id>
                {tr!("schedule-slot", start = mine, end = until)}
                {mediator.map(|m| view! { <span class="item-meta">{tr!("schedule-slot-mediator", time = m)}</span> })}
            </label>
        </div>
    }
}

type Booked = case_schedule::CaseScheduleCaseScheduleSessions;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/schedule.graphql",
    variables_derives = "Clone",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct RescheduleSession;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/schedule.graphql",
    variables_derives = "Clone",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct CancelSession;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/schedule.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct WaitForEarlierTime;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/schedule.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct AcceptEarlierTime;

/// What a change did, to say after the reload.
#[derive(Clone, Copy, PartialEq)]
enum Done {
    Moved,
    Cancelled,
    Waiting,
    TookEarlier,
}

/// The booked session: when, an earlier time held for the case, and (within
/// the organization's policy) asking for an earlier time, moving or
/// cancelling it with a reason.
#[component]
fn BookedSession(
    session: Booked,
    slots: Vec<Slot>,
    zone: String,
    rules: case_schedule::CaseScheduleSchedulingRules,
    saved: RwSignal<bool>,
    done: RwSignal<Option<Done>>,
    on_changed: Callback<()>,
) -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let locale = i18n.locale_untracked();
    let day = intl::format_day_in_zone(&session.scheduled_for, &zone, locale).unwrap_or_default();
    let clock =
        intl::format_clock_in_zone(&session.scheduled_for, &zone, locale).unwrap_or_default();
    let failure = RwSignal::new(None::<ApiError>);
    let reason = RwSignal::new(String::new());
    let missing = RwSignal::new(false);
    let session_id = StoredValue::new(session.id.clone());
    let finish = move |what: Done| {
        saved.set(false);
        done.set(Some(what));
        on_changed.run(());
    };
    let wait = Action::new_local(move |_: &()| async move {
        api.run::<WaitForEarlierTime>(wait_for_earlier_time::Variables {
            session_id: session_id.get_value(),
        })
        .await
    });
    on_result(wait, failure, move |_| finish(Done::Waiting));
    let take = Action::new_local(move |id: &String| {
        let waitlist_id = id.clone();
        async move {
            api.run::<AcceptEarlierTime>(accept_earlier_time::Variables { waitlist_id })
                .await
        }
    });
    on_result(take, failure, move |_| finish(Done::TookEarlier));
    let move_it = Action::new_local(move |variables: &reschedule_session::Variables| {
        let variables = variables.clone();
        async move { api.run::<RescheduleSession>(variables).await }
    });
    on_result(move_it, failure, move |_| finish(Done::Moved));
    let cancel = Action::new_local(move |variables: &cancel_session::Variables| {
        let variables = variables.clone();
        async move { api.run::<CancelSession>(variables).await }
    });
    on_result(cancel, failure, move |_| finish(Done::Cancelled));
    let reason_given = move || {
        let text = reason.get_untracked().trim().to_owned();
        missing.set(text.is_empty());
        (!text.is_empty()).then_some(text)
    };
    let waitlist = session.waitlist.clone();
    let earlier = waitlist
        .as_ref()
        .filter(|w| w.status == "offered")
        .and_then(|w| {
            let start = w.offered_start.clone()?;
            let until = w.offer_expires_at.clone()?;
            Some((w.id.clone(), start, until))
        });
    let waiting = waitlist.as_ref().is_some_and(|w| w.status == "waiting");
    let options: Vec<(String, String)> = slots
        .iter()
        .take(12)
        .map(|s| {
            let label = format!(
                "{}, {}",
                intl::format_day_in_zone(&s.starts_at, &zone, locale).unwrap_or_default(),
                intl::format_clock_in_zone(&s.starts_at, &zone, locale).unwrap_or_default()
            );
            (s.starts_at.clone(), label)
        })
        .collect();
    // The drop-down shows its first time chosen: so is the value.
    let new_time = RwSignal::new(options.first().map(|o| o.0.clone()).unwrap_or_default());
    let cutoff = rules.party_change_cutoff_hours;
    let zone_for_earlier = zone.clone();
    view! {
        <Card id="session-times" title=tr!("schedule-title")>
            <p class="lead" id="session-booked">{tr!("schedule-booked", day = day, time = clock)}</p>
            {session.meeting_room.clone().map(|room| {
                let place = if room.location.is_empty() {
                    room.name
                } else {
                    format!("{}, {}", room.name, room.location)
                };
                view! { <p id="session-room">{tr!("schedule-room", place = place)}</p> }
            })}
            <p class="hint">{tr!("schedule-booked-hint")}</p>
            {move || failure.get().map(|error| view! { <ErrorAlert error=error /> })}
            {earlier.map(|(id, start, until)| {
                let when = format!(
                    "{}, {}",
                    intl::format_day_in_zone(&start, &zone_for_earlier, locale).unwrap_or_default(),
                    intl::format_clock_in_zone(&start, &zone_for_earlier, locale).unwrap_or_default()
                );
                let until = intl::format_timestamp(&until, locale, Some(&zone_for_earlier));
                view! {
                    <div class="alert alert-info" id="earlier-offer">
                        <div class="alert-body">
                            <p>{tr!("schedule-earlier-offer", time = when, until = until)}</p>
                            <Button
                                id="take-earlier"
                                busy=take.pending()
                                on_click=Callback::new(move |_| {
                                    failure.set(None);
                                    take.dispatch(id.clone());
                                })
                            >
                                {tr!("schedule-take-earlier")}
                            </Button>
                        </div>
                    </div>
                }
            })}
            {waiting.then(|| view! { <p class="hint" id="waiting-earlier">{tr!("schedule-waiting-earlier")}</p> })}
            {if rules.parties_may_reschedule {
                view! {
                    {(waitlist.is_none()).then(|| view! {
                        <Button
                            id="ask-earlier"
                            kind=ButtonKind::Secondary
                            busy=wait.pending()
                            on_click=Callback::new(move |_| {
                                failure.set(None);
                                wait.dispatch(());
                            })
                        >
                            {tr!("schedule-ask-earlier")}
                        </Button>
                        <p class="hint">{tr!("schedule-ask-earlier-hint")}</p>
                    })}
                    <details class="session-change" id="session-change">
                        <summary>{tr!("schedule-change")}</summary>
                        <p class="hint">{tr!("schedule-change-policy", hours = cutoff)}</p>
                        <div class="field">
                            <label for="change-reason">{tr!("schedule-change-reason")}</label>
                            <textarea
                                id="change-reason"
                                rows="3"
                                aria-invalid=move || missing.get().then_some("true")
                                aria-describedby=move || missing.get().then_some("change-reason-error")
                                prop:value=move || reason.get()
                                on:input=move |event| reason.set(event_target_value(&event))
                            ></textarea>
                            {move || missing.get().then(|| view! {
                                <p class="field-error" id="change-reason-error">{tr!("schedule-change-reason-missing")}</p>
                            })}
                        </div>
                        {options.is_empty().then(|| view! {
                            <p class="hint" id="change-no-times">{tr!("schedule-change-no-times")}</p>
                        })}
                        {(!options.is_empty()).then(|| {
                            let options = Signal::derive(move || options.clone());
                            view! {
                                <SelectField id="change-time" label=tr!("schedule-change-time") value=new_time options=options />
                                <Button
                                    id="change-move"
                                    busy=move_it.pending()
                                    on_click=Callback::new(move |_| {
                                        failure.set(None);
                                        let time = new_time.get_untracked();
                                        if let Some(reason) = reason_given() && !time.is_empty() {
                                            move_it.dispatch(reschedule_session::Variables {
                                                session_id: session_id.get_value(),
                                                starts_at: time,
                                                reason,
                                            });
                                        }
                                    })
                                >
                                    {tr!("schedule-move")}
                                </Button>
                            }
                        })}
                        <Button
                            id="change-cancel"
                            kind=ButtonKind::Secondary
                            busy=cancel.pending()
                            on_click=Callback::new(move |_| {
                                failure.set(None);
                                if let Some(reason) = reason_given() {
                                    cancel.dispatch(cancel_session::Variables {
                                        session_id: session_id.get_value(),
                                        reason,
                                    });
                                }
                            })
                        >
                            {tr!("schedule-cancel")}
                        </Button>
                    </details>
                }
                    .into_any()
            } else {
                view! { <p class="hint" id="change-by-manager">{tr!("schedule-change-by-manager")}</p> }.into_any()
            }}
        </Card>
    }
}

//! Caucus rooms in the room page: the mediator's panel (make the rooms, open
//! and close them, move people and sides, hop in or listen, time them, recall
//! everyone) and what everyone sees of where they are (the room's name, its
//! countdown, and a way to ask for the mediator).

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::ops::{
    CallMediator, CreateCaucus, PlaceParticipant, PlaceSide, PrepareSideCaucuses, RecallEveryone,
    SetCaucusOpen, SetCaucusTimer, call_mediator, create_caucus, place_participant, place_side,
    prepare_side_caucuses, recall_everyone, set_caucus_open, set_caucus_timer, video_room,
};
use super::{CaseSide, CaucusStatus};
use crate::components::{Alert, AlertKind};
use crate::gql::{Api, ApiError, use_api};
use crate::i18n::{ToArg, use_i18n};
use crate::intl;
use crate::tr;

type RoomView = video_room::VideoRoomVideoRoom;
type CaucusView = video_room::VideoRoomVideoRoomCaucuses;

/// Where someone is: a caucus (by id) or the main room, listening or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Place {
    pub caucus: Option<String>,
    pub listen_only: bool,
}

impl Place {
    pub(crate) fn of(me: &video_room::VideoRoomVideoRoomMe) -> Self {
        Self {
            caucus: me.caucus_id.clone(),
            listen_only: me.listen_only,
        }
    }
}

/// The name of the room `caucus` (none: the main room) in `room`.
pub(crate) fn room_name(room: &RoomView, caucus: Option<&str>, main: &str) -> String {
    caucus
        .and_then(|id| room.caucuses.iter().find(|c| c.id == id))
        .map_or_else(|| main.to_owned(), |c| c.name.clone())
}

/// Seconds until `ends_at` from `now_ms` (JavaScript time), never below zero.
pub(crate) fn seconds_left(ends_at: &str, now_ms: f64) -> Option<i64> {
    let end = intl::parse_date(ends_at)?.get_time();
    end.is_finite()
        .then(|| (((end - now_ms) / 1000.0).ceil() as i64).max(0))
}

/// `m:ss` (or `h:mm:ss`) for a countdown.
pub(crate) fn clock(seconds: i64) -> String {
    let (h, m, s) = (seconds / 3600, (seconds / 60) % 60, seconds % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// Runs one caucus mutation with the panel's busy flag and error, then reads
/// the room again.
#[derive(Clone, Copy)]
pub(crate) struct Runner {
    api: Api,
    busy: RwSignal<bool>,
    error: RwSignal<Option<ApiError>>,
    refresh: Callback<()>,
}

impl Runner {
    pub(crate) fn new(
        busy: RwSignal<bool>,
        error: RwSignal<Option<ApiError>>,
        refresh: Callback<()>,
    ) -> Self {
        Self {
            api: use_api(),
            busy,
            error,
            refresh,
        }
    }

    fn run<Q: graphql_client::GraphQLQuery + 'static>(self, variables: Q::Variables)
    where
        Q::Variables: 'static,
    {
        self.busy.set(true);
        self.error.set(None);
        spawn_local(async move {
            let result = self.api.run::<Q>(variables).await;
            self.busy.try_set(false);
            if let Err(failure) = result {
                self.error.try_set(Some(failure));
            }
            self.refresh.run(());
        });
    }

    /// Places `who` (a mediator: themselves, to hop) in `caucus` (none: the
    /// main room).
    pub(crate) fn place(
        self,
        pass: String,
        who: String,
        caucus: Option<String>,
        listen_only: bool,
    ) {
        self.run::<PlaceParticipant>(place_participant::Variables {
            pass,
            participant_id: who,
            caucus_id: caucus,
            listen_only,
        });
    }
}

/// The mediator's caucus panel.
#[component]
pub(crate) fn CaucusPanel(
    pass: StoredValue<String>,
    room: RwSignal<Option<RoomView>>,
    busy: RwSignal<bool>,
    error: RwSignal<Option<ApiError>>,
    refresh: Callback<()>,
    now: RwSignal<f64>,
) -> impl IntoView {
    let i18n = use_i18n();
    let runner = Runner::new(busy, error, refresh);
    let new_name = RwSignal::new(String::new());
    let rooms = move || {
        room.with(|r| {
            r.as_ref()
                .map(|r| {
                    r.caucuses
                        .iter()
                        .filter(|c| c.status != CaucusStatus::Closed)
                        .cloned()
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    let my_id = move || room.with(|r| r.as_ref().map(|r| r.me.id.clone()).unwrap_or_default());
    let prepare = move |_| {
        runner.run::<PrepareSideCaucuses>(prepare_side_caucuses::Variables {
            pass: pass.get_value(),
            claimant_name: i18n.tr("caucus-claimant-name"),
            respondent_name: i18n.tr("caucus-respondent-name"),
        });
    };
    let create = move || {
        let name = new_name.get_untracked().trim().to_owned();
        if name.is_empty() {
            return;
        }
        new_name.set(String::new());
        runner.run::<CreateCaucus>(create_caucus::Variables {
            pass: pass.get_value(),
            name,
        });
    };
    let recall = move |_| {
        runner.run::<RecallEveryone>(recall_everyone::Variables {
            pass: pass.get_value(),
        });
    };
    let back = move |_| runner.place(pass.get_value(), my_id(), None, false);
    let in_caucus = move || room.with(|r| r.as_ref().is_some_and(|r| r.me.caucus_id.is_some()));

    view! {
        <section class="card room-caucuses" aria-labelledby="caucus-title">
            <h2 id="caucus-title" class="card-title">{tr!("caucus-title")}</h2>
            <p class="field-hint">{tr!("caucus-hint")}</p>
            {move || {
                rooms()
                    .is_empty()
                    .then(|| {
                        view! {
                            <button
                                id="caucus-prepare"
                                type="button"
                                class="button button-primary"
                                disabled=move || busy.get()
                                on:click=prepare
                            >
                                {tr!("caucus-prepare-sides")}
                            </button>
                        }
                    })
            }}
            <ul id="caucus-rooms" class="caucus-list">
                {move || {
                    rooms()
                        .into_iter()
                        .map(|caucus| {
                            view! {
                                <CaucusRow caucus=caucus pass=pass room=room busy=busy runner=runner now=now />
                            }
                        })
                        .collect_view()
                }}
            </ul>
            <form
                class="caucus-new"
                on:submit=move |event| {
                    event.prevent_default();
                    create();
                }
            >
                <div class="field">
                    <label for="caucus-new-name">{tr!("caucus-new-name")}</label>
                    <input
                        id="caucus-new-name"
                        name="caucus-new-name"
                        type="text"
                        maxlength="80"
                        prop:value=move || new_name.get()
                        on:input=move |event| new_name.set(event_target_value(&event))
                    />
                </div>
                <button
                    id="caucus-create"
                    type="submit"
                    class="button button-secondary"
                    disabled=move || busy.get()
                >
                    {tr!("caucus-create")}
                </button>
            </form>
            <PlacementList pass=pass room=room busy=busy runner=runner />
            <div class="button-row">
                <Show when=in_caucus>
                    <button
                        id="caucus-back"
                        type="button"
                        class="button button-secondary"
                        disabled=move || busy.get()
                        on:click=back
                    >
                        {tr!("caucus-back-to-main")}
                    </button>
                </Show>
                <button
                    id="caucus-recall"
                    type="button"
                    class="button button-secondary"
                    disabled=move || busy.get()
                    on:click=recall
                >
                    {tr!("caucus-recall-everyone")}
                </button>
            </div>
        </section>
    }
}

/// One caucus room: its state, who is in it, and its controls.
#[component]
fn CaucusRow(
    caucus: CaucusView,
    pass: StoredValue<String>,
    room: RwSignal<Option<RoomView>>,
    busy: RwSignal<bool>,
    runner: Runner,
    now: RwSignal<f64>,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = StoredValue::new(caucus.id.clone());
    let open = caucus.status == CaucusStatus::Open;
    let minutes = RwSignal::new(String::from("15"));
    let ends_at = caucus.ends_at.clone();
    let name_id = format!("caucus-{}-name", caucus.id);
    let people = move || {
        room.with(|r| {
            r.as_ref()
                .map(|r| {
                    r.participants
                        .iter()
                        .filter(|p| p.caucus_id.as_deref() == Some(id.get_value().as_str()))
                        .map(|p| {
                            if p.listen_only {
                                i18n.tr_args(
                                    "caucus-listening",
                                    &[("name", p.name.as_str().to_arg())],
                                )
                            } else {
                                p.name.clone()
                            }
                        })
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    let me = move || room.with(|r| r.as_ref().map(|r| r.me.id.clone()).unwrap_or_default());
    let here = move || {
        room.with(|r| {
            r.as_ref()
                .is_some_and(|r| r.me.caucus_id.as_deref() == Some(id.get_value().as_str()))
        })
    };
    let toggle = move |_| {
        runner.run::<SetCaucusOpen>(set_caucus_open::Variables {
            pass: pass.get_value(),
            caucus_id: id.get_value(),
            open: !open,
        });
    };
    let side = move |side: CaseSide| {
        runner.run::<PlaceSide>(place_side::Variables {
            pass: pass.get_value(),
            side,
            caucus_id: Some(id.get_value()),
        });
    };
    let timer = move |extend: bool| {
        let Ok(minutes) = minutes.get_untracked().trim().parse::<i64>() else {
            return;
        };
        runner.run::<SetCaucusTimer>(set_caucus_timer::Variables {
            pass: pass.get_value(),
            caucus_id: id.get_value(),
            minutes,
            extend,
        });
    };
    let has_timer = ends_at.is_some();
    let remaining = move || {
        ends_at
            .as_deref()
            .and_then(|end| seconds_left(end, now.get()))
            .map(|s| i18n.tr_args("caucus-time-left", &[("time", clock(s).as_str().to_arg())]))
    };
    let status = if open {
        Signal::derive(tr!("caucus-status-open"))
    } else {
        Signal::derive(tr!("caucus-status-prepared"))
    };
    let cid = caucus.id.clone();
    view! {
        <li class="caucus" id=format!("caucus-{cid}")>
            <div class="caucus-head">
                <span id=name_id.clone() class="person-name">{caucus.name.clone()}</span>
                " "
                <span class="badge" id=format!("caucus-{cid}-status")>{move || status.get()}</span>
                " "
                <span class="caucus-timer" id=format!("caucus-{cid}-timer") role="timer">{remaining}</span>
            </div>
            <p class="caucus-people" id=format!("caucus-{cid}-people")>
                {move || {
                    let list = people();
                    if list.is_empty() { i18n.tr("caucus-empty") } else { list.join(", ") }
                }}
            </p>
            <div class="button-row">
                <button
                    id=format!("caucus-{cid}-toggle")
                    type="button"
                    class="button button-secondary"
                    aria-describedby=name_id.clone()
                    disabled=move || busy.get()
                    on:click=toggle
                >
                    {move || if open { i18n.tr("caucus-close") } else { i18n.tr("caucus-open") }}
                </button>
                <button
                    id=format!("caucus-{cid}-claimants")
                    type="button"
                    class="button button-secondary"
                    aria-describedby=name_id.clone()
                    disabled=move || busy.get()
                    on:click=move |_| side(CaseSide::Claimant)
                >
                    {tr!("caucus-bring-claimants")}
                </button>
                <button
                    id=format!("caucus-{cid}-respondents")
                    type="button"
                    class="button button-secondary"
                    aria-describedby=name_id.clone()
                    disabled=move || busy.get()
                    on:click=move |_| side(CaseSide::Respondent)
                >
                    {tr!("caucus-bring-respondents")}
                </button>
                <Show when=move || open && !here()>
                    <button
                        id=format!("caucus-{}-join", id.get_value())
                        type="button"
                        class="button button-primary"
                        disabled=move || busy.get()
                        on:click=move |_| runner.place(pass.get_value(), me(), Some(id.get_value()), false)
                    >
                        {tr!("caucus-join")}
                    </button>
                    <button
                        id=format!("caucus-{}-listen", id.get_value())
                        type="button"
                        class="button button-secondary"
                        disabled=move || busy.get()
                        on:click=move |_| runner.place(pass.get_value(), me(), Some(id.get_value()), true)
                    >
                        {tr!("caucus-listen")}
                    </button>
                </Show>
            </div>
            <div class="caucus-timer-form">
                <div class="field field-inline">
                    <label for=format!("caucus-{cid}-minutes")>{tr!("caucus-minutes")}</label>
                    <input
                        id=format!("caucus-{cid}-minutes")
                        type="number"
                        min="1"
                        max="180"
                        inputmode="numeric"
                        prop:value=move || minutes.get()
                        on:input=move |event| minutes.set(event_target_value(&event))
                    />
                </div>
                <button
                    id=format!("caucus-{cid}-timer-start")
                    type="button"
                    class="button button-secondary"
                    disabled=move || busy.get()
                    on:click=move |_| timer(false)
                >
                    {move || {
                        if has_timer {
                            i18n.tr("caucus-timer-restart")
                        } else {
                            i18n.tr("caucus-timer-start")
                        }
                    }}
                </button>
                {has_timer
                    .then(|| {
                        view! {
                            <button
                                id=format!("caucus-{}-timer-extend", id.get_value())
                                type="button"
                                class="button button-secondary"
                                disabled=move || busy.get()
                                on:click=move |_| timer(true)
                            >
                                {tr!("caucus-timer-extend")}
                            </button>
                        }
                    })}
            </div>
        </li>
    }
}

/// Who is where, with a "Move to" choice for each participant.
#[component]
fn PlacementList(
    pass: StoredValue<String>,
    room: RwSignal<Option<RoomView>>,
    busy: RwSignal<bool>,
    runner: Runner,
) -> impl IntoView {
    let i18n = use_i18n();
    let people = move || {
        room.with(|r| {
            r.as_ref()
                .map(|r| {
                    r.participants
                        .iter()
                        .filter(|p| !p.is_me && !p.role.moderates())
                        .filter(|p| p.admission == super::Admission::Admitted)
                        .map(|p| (p.id.clone(), p.name.clone(), p.caucus_id.clone()))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    let choices = move || {
        let mut list = vec![(String::new(), i18n.tr("caucus-main-room"))];
        room.with(|r| {
            if let Some(r) = r {
                list.extend(
                    r.caucuses
                        .iter()
                        .filter(|c| c.status == CaucusStatus::Open)
                        .map(|c| (c.id.clone(), c.name.clone())),
                );
            }
        });
        list
    };
    view! {
        <h3 class="card-subtitle">{tr!("caucus-who-where")}</h3>
        <ul id="caucus-placements" class="people-list">
            {move || {
                people()
                    .into_iter()
                    .map(|(id, name, at)| {
                        let select_id = format!("place-{id}");
                        let current = at.clone().unwrap_or_default();
                        let who = StoredValue::new(id.clone());
                        view! {
                            <li class="person">
                                <label for=select_id.clone() class="person-name">
                                    {i18n.tr_args("caucus-move-person", &[("name", name.as_str().to_arg())])}
                                </label>
                                <select
                                    id=select_id
                                    disabled=move || busy.get()
                                    on:change=move |event| {
                                        let to = event_target_value(&event);
                                        let to = (!to.is_empty()).then_some(to);
                                        runner.place(pass.get_value(), who.get_value(), to, false);
                                    }
                                >
                                    {choices()
                                        .into_iter()
                                        .map(|(value, label)| {
                                            let selected = value == current;
                                            view! { <option value=value selected=selected>{label}</option> }
                                        })
                                        .collect_view()}
                                </select>
                            </li>
                        }
                    })
                    .collect_view()
            }}
        </ul>
    }
}

/// For everyone but the mediator, in a caucus: ask for the mediator.
#[component]
pub(crate) fn CallTheMediator(pass: StoredValue<String>) -> impl IntoView {
    let api = use_api();
    let sent = RwSignal::new(false);
    let failed = RwSignal::new(None::<ApiError>);
    let call = move |_| {
        failed.set(None);
        spawn_local(async move {
            match api
                .run::<CallMediator>(call_mediator::Variables {
                    pass: pass.get_value(),
                })
                .await
            {
                Ok(_) => {
                    sent.try_set(true);
                }
                Err(e) => {
                    failed.try_set(Some(e));
                }
            }
        });
    };
    view! {
        <div class="call-mediator">
            <button id="call-mediator" type="button" class="button button-primary" on:click=call>
                {tr!("caucus-call-mediator")}
            </button>
            <div role="status">
                {move || {
                    sent.get()
                        .then(|| {
                            view! {
                                <Alert kind=AlertKind::Info id="call-mediator-sent">
                                    <p>{tr!("caucus-call-mediator-sent")}</p>
                                </Alert>
                            }
                        })
                }}
            </div>
            {move || failed.get().map(|e| view! { <crate::components::ErrorAlert error=e id="call-mediator-error" /> })}
        </div>
    }
}

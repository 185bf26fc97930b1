//! The lobby: a device check (camera and microphone, a live preview and
//! level, a test sound, the connection), the organization's statements and
//! the confidentiality agreement, then waiting until the mediator lets the
//! person in.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use video_kit::{DeviceKind, MediaDevice, Preview};

use super::live::on_live;
use super::ops::{EnterLobby, VideoRoom, enter_lobby, video_room};
use super::{Admission, Devices, ReadGate, SAFETY_READ, every, video_error_key};
use crate::components::{Alert, AlertKind, Button, ButtonKind, ErrorAlert, Loading};
use crate::gql::{ApiError, use_api};
use crate::i18n::{I18n, ToArg, use_i18n};
use crate::tr;

type RoomView = video_room::VideoRoomVideoRoom;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Loading,
    Check,
    Waiting,
    Declined,
    Removed,
    Ended,
    /// The pass did not work: only the error is shown.
    Failed,
}

fn non_empty(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

/// The lobby for `pass`. Calls `on_admitted` with the chosen devices once the
/// person may enter the room.
#[component]
pub fn Lobby(pass: String, on_admitted: Callback<Devices>) -> impl IntoView {
    let api = use_api();
    let pass = StoredValue::new(pass);
    let room = RwSignal::new(None::<RoomView>);
    let step = RwSignal::new(Step::Loading);
    let error = RwSignal::new(None::<ApiError>);
    let camera = RwSignal::new(String::new());
    let mic = RwSignal::new(String::new());
    let devices = RwSignal::new(Vec::<MediaDevice>::new());
    let listed = RwSignal::new(false);
    let device_error = RwSignal::new(None::<&'static str>);
    let level = RwSignal::new(0.0f64);
    let connection = RwSignal::new(None::<Result<u32, &'static str>>);
    let confirmed = RwSignal::new(Vec::<bool>::new());
    let accepted = RwSignal::new(false);
    let attempted = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let sound_error = RwSignal::new(None::<&'static str>);
    let preview = StoredValue::new_local(None::<Preview>);
    let generation = StoredValue::new(0u32);
    let video_ref = NodeRef::<leptos::html::Video>::new();
    let gate = ReadGate::new();

    let chosen = move || Devices {
        camera: non_empty(camera.get_untracked()),
        mic: non_empty(mic.get_untracked()),
    };
    let admitted = move || {
        preview.try_update_value(|p| *p = None);
        on_admitted.run(chosen());
    };

    // Follows the server's view of this person.
    let apply = move |view: RoomView| {
        let questions = view.lobby_questions.len();
        if confirmed.with_untracked(|c| c.len() != questions) {
            confirmed.set(vec![false; questions]);
        }
        let admission = view.me.admission;
        let ended = view.ended;
        room.set(Some(view));
        let current = step.get_untracked();
        let next = if ended {
            Step::Ended
        } else {
            match admission {
                Admission::Removed => Step::Removed,
                Admission::Declined => Step::Declined,
                Admission::Waiting => Step::Waiting,
                Admission::Admitted if current == Step::Waiting => {
                    admitted();
                    return;
                }
                _ if current == Step::Loading => Step::Check,
                _ => current,
            }
        };
        if next != current {
            step.set(next);
        }
    };
    let load = move || {
        gate.read(
            move || {
                api.run::<VideoRoom>(video_room::Variables {
                    pass: pass.get_value(),
                })
            },
            move |result| match result {
                Ok(data) => {
                    error.set(None);
                    apply(data.video_room);
                }
                Err(failure) => {
                    error.set(Some(failure));
                    if step.get_untracked() == Step::Loading {
                        step.set(Step::Failed);
                    }
                }
            },
        );
    };
    load();
    // Told live when the mediator lets us in; read now and then in case the
    // socket is down.
    on_live(move |_| {
        if step.try_get_untracked() == Some(Step::Waiting) {
            load();
        }
    });
    every(SAFETY_READ, move || {
        if step.try_get_untracked() == Some(Step::Waiting) {
            load();
        }
    });

    // The connection check, once the server's address is known.
    let checked = StoredValue::new(false);
    Effect::new(move || {
        let Some(url) = room.with(|r| r.as_ref().and_then(|r| r.server_url.clone())) else {
            return;
        };
        if checked.get_value() {
            return;
        }
        checked.set_value(true);
        spawn_local(async move {
            let result = video_kit::connection_check(&url)
                .await
                .map_err(|e| video_error_key(e.kind()));
            connection.try_set(Some(result));
        });
    });

    // Which devices there are (asks for permission first).
    spawn_local(async move {
        match video_kit::list_devices().await {
            Ok(list) => {
                let first = |kind: DeviceKind| {
                    list.iter()
                        .find(|d| d.kind == kind)
                        .map(|d| d.id.clone())
                        .unwrap_or_default()
                };
                camera.try_set(first(DeviceKind::Camera));
                mic.try_set(first(DeviceKind::Microphone));
                devices.try_set(list);
            }
            Err(e) => {
                device_error.try_set(Some(video_error_key(e.kind())));
            }
        }
        listed.try_set(true);
    });

    // The preview follows the chosen devices.
    Effect::new(move || {
        let Some(video) = video_ref.get() else {
            return;
        };
        if !listed.get() {
            return;
        }
        let (cam, microphone) = (non_empty(camera.get()), non_empty(mic.get()));
        let this = generation.get_value().wrapping_add(1);
        generation.set_value(this);
        preview.set_value(None);
        spawn_local(async move {
            let result =
                video_kit::start_preview(&video, cam.as_deref(), microphone.as_deref()).await;
            if generation.try_get_value() != Some(this)
                || step.try_get_untracked() != Some(Step::Check)
            {
                return;
            }
            match result {
                Ok(running) => {
                    preview.try_update_value(|p| *p = Some(running));
                }
                Err(e) => {
                    device_error.try_set(Some(video_error_key(e.kind())));
                }
            }
        });
    });
    // The level meter, ten times a second.
    every(Duration::from_millis(100), move || {
        let value = preview
            .try_with_value(|p| p.as_ref().map(Preview::mic_level))
            .flatten();
        if let Some(value) = value {
            level.try_set((value * 4.0).clamp(0.0, 1.0));
        }
    });
    on_cleanup(move || {
        preview.try_update_value(|p| *p = None);
    });

    let enter = move |_| {
        attempted.set(true);
        let all = confirmed.with(|c| c.iter().all(|b| *b)) && accepted.get();
        if !all {
            return;
        }
        if room.with(|r| r.as_ref().map(|r| r.me.admission)) == Some(Admission::Admitted) {
            admitted();
            return;
        }
        busy.set(true);
        error.set(None);
        let answers = confirmed.get();
        spawn_local(async move {
            let result = api
                .run::<EnterLobby>(enter_lobby::Variables {
                    pass: pass.get_value(),
                    confirmed: answers,
                    accept_confidentiality: true,
                })
                .await;
            busy.try_set(false);
            match result {
                Ok(data) => match data.enter_lobby {
                    Admission::Admitted => admitted(),
                    Admission::Declined => step.set(Step::Declined),
                    Admission::Removed => step.set(Step::Removed),
                    _ => step.set(Step::Waiting),
                },
                Err(failure) => {
                    error.set(Some(failure));
                }
            }
        });
    };

    let i18n = use_i18n();
    let options = move |kind: DeviceKind| devices.with(|list| device_options(list, kind, i18n));

    let check = move || {
        let view = room.get();
        let questions = view
            .as_ref()
            .map(|r| r.lobby_questions.clone())
            .unwrap_or_default();
        let version = view
            .as_ref()
            .map(|r| r.confidentiality_version.clone())
            .unwrap_or_default();
        view! {
            <section class="card lobby-check" aria-labelledby="lobby-devices-title">
                <h2 id="lobby-devices-title" class="card-title">
                    {tr!("video-lobby-devices")}
                </h2>
                <div class="lobby-devices">
                    <div class="lobby-preview">
                        <video
                            id="lobby-preview"
                            node_ref=video_ref
                            autoplay=true
                            playsinline=true
                            aria-label=tr!("video-lobby-preview")
                            prop:muted=true
                        ></video>
                    </div>
                    <div class="lobby-controls">
                        <DeviceSelect
                            id="lobby-camera"
                            label=Signal::derive(tr!("video-camera"))
                            value=camera
                            options=Signal::derive(move || options(DeviceKind::Camera))
                        />
                        <DeviceSelect
                            id="lobby-mic"
                            label=Signal::derive(tr!("video-microphone"))
                            value=mic
                            options=Signal::derive(move || options(DeviceKind::Microphone))
                        />
                        <div class="field">
                            <label for="lobby-meter">{tr!("video-lobby-level")}</label>
                            <meter
                                id="lobby-meter"
                                class="level-meter"
                                min="0"
                                max="1"
                                low="0.05"
                                value=move || format!("{:.2}", level.get())
                            ></meter>
                            <p class="field-hint">{tr!("video-lobby-level-hint")}</p>
                        </div>
                        <Button
                            id="lobby-test-sound"
                            kind=ButtonKind::Secondary
                            on_click=Callback::new(move |_| {
                                sound_error.set(None);
                                spawn_local(async move {
                                    if let Err(e) = video_kit::play_test_sound(None).await {
                                        sound_error.try_set(Some(video_error_key(e.kind())));
                                    }
                                });
                            })
                        >
                            {tr!("video-lobby-test-sound")}
                        </Button>
                        <TranslatedError id="lobby-sound-error" key=sound_error />
                        <p id="lobby-connection" class="lobby-connection" role="status">
                            <ConnectionText connection=connection />
                        </p>
                    </div>
                </div>
                <TranslatedError id="lobby-device-error" key=device_error />
            </section>
            <section class="card lobby-statements" aria-labelledby="lobby-statements-title">
                <h2 id="lobby-statements-title" class="card-title">
                    {tr!("video-lobby-before")}
                </h2>
                <fieldset class="field checkbox-group" aria-describedby="lobby-statements-error">
                    <legend>{tr!("video-lobby-confirm")}</legend>
                    {questions
                        .into_iter()
                        .enumerate()
                        .map(|(n, text)| {
                            let id = format!("lobby-statement-{n}");
                            view! {
                                <div class="field-check">
                                    <input
                                        id=id.clone()
                                        type="checkbox"
                                        required=true
                                        prop:checked=move || {
                                            confirmed.with(|c| c.get(n).copied().unwrap_or(false))
                                        }
                                        on:change=move |event| {
                                            let on = event_target_checked(&event);
                                            confirmed
                                                .update(|c| {
                                                    if let Some(slot_value) = c.get_mut(n) {
                                                        *slot_value = on;
                                                    }
                                                });
                                        }
                                    />
                                    <label for=id>{text}</label>
                                </div>
                            }
                        })
                        .collect_view()}
                    <div class="field-check">
                        <input
                            id="lobby-confidentiality"
                            type="checkbox"
                            required=true
                            prop:checked=move || accepted.get()
                            on:change=move |event| accepted.set(event_target_checked(&event))
                        />
                        <label for="lobby-confidentiality">
                            {tr!("video-lobby-confidentiality", version = version)}
                        </label>
                    </div>
                    <p id="lobby-statements-error" class="field-error" aria-live="polite">
                        {move || {
                            let missing = !(confirmed.with(|c| c.iter().all(|b| *b))
                                && accepted.get());
                            (attempted.get() && missing).then(tr!("video-lobby-confirm-missing"))
                        }}
                    </p>
                </fieldset>
                <Button id="lobby-enter" busy=busy on_click=Callback::new(enter)>
                    {tr!("video-lobby-enter")}
                </Button>
            </section>
        }
    };

    view! {
        <div class="video-lobby">
            <h2 id="lobby-title" class="visually-hidden">{tr!("video-lobby-title")}</h2>
            {move || error.get().map(|e| view! { <ErrorAlert error=e id="lobby-error" /> })}
            {move || match step.get() {
                Step::Loading => view! { <Loading /> }.into_any(),
                Step::Check => check().into_any(),
                Step::Waiting => {
                    view! {
                        <section class="card lobby-waiting" aria-labelledby="lobby-waiting-title">
                            <h2 id="lobby-waiting-title" class="card-title">
                                {tr!("video-lobby-waiting-title")}
                            </h2>
                            <div id="lobby-waiting" role="status">
                                <p>
                                    <span class="spinner" aria-hidden="true"></span>
                                    {tr!("video-lobby-waiting")}
                                </p>
                            </div>
                        </section>
                    }
                        .into_any()
                }
                Step::Declined => {
                    view! {
                        <Alert kind=AlertKind::Info id="lobby-declined">
                            <p>{tr!("video-declined")}</p>
                        </Alert>
                    }
                        .into_any()
                }
                Step::Removed => {
                    view! {
                        <Alert kind=AlertKind::Info id="lobby-removed">
                            <p>{tr!("video-removed")}</p>
                        </Alert>
                    }
                        .into_any()
                }
                Step::Ended => {
                    view! {
                        <Alert kind=AlertKind::Info id="lobby-ended">
                            <p>{tr!("video-ended")}</p>
                        </Alert>
                    }
                        .into_any()
                }
                Step::Failed => ().into_any(),
            }}
        </div>
    }
}

/// The `(id, label)` choices of `kind` in `list`; a device the browser gives
/// no label is numbered ("Camera 2").
pub(crate) fn device_options(
    list: &[MediaDevice],
    kind: DeviceKind,
    i18n: I18n,
) -> Vec<(String, String)> {
    list.iter()
        .filter(|d| d.kind == kind)
        .enumerate()
        .map(|(n, d)| {
            let label = if d.label.is_empty() {
                let number = n + 1;
                i18n.tr_args(unnamed_device_key(kind), &[("n", number.to_arg())])
            } else {
                d.label.clone()
            };
            (d.id.clone(), label)
        })
        .collect()
}

/// The name of a device the browser gives no label, numbered ("Camera 2").
fn unnamed_device_key(kind: DeviceKind) -> &'static str {
    match kind {
        DeviceKind::Camera => "video-camera-numbered",
        DeviceKind::Microphone => "video-microphone-numbered",
        DeviceKind::Speaker => "video-speaker-numbered",
    }
}

/// The connection check's answer.
#[component]
fn ConnectionText(connection: RwSignal<Option<Result<u32, &'static str>>>) -> impl IntoView {
    let i18n = use_i18n();
    move || match connection.get() {
        None => i18n.tr("video-lobby-connection-checking"),
        Some(Ok(millis)) => {
            i18n.tr_args("video-lobby-connection-ok", &[("millis", millis.to_arg())])
        }
        Some(Err(key)) => format!(
            "{} {}",
            i18n.tr("video-lobby-connection-failed"),
            i18n.tr(key)
        ),
    }
}

/// A labelled `<select>` of devices (ids are the browser's `deviceId`s).
#[component]
pub(crate) fn DeviceSelect(
    id: &'static str,
    label: Signal<String>,
    value: RwSignal<String>,
    options: Signal<Vec<(String, String)>>,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{move || label.get()}</label>
            <select id=id name=id on:change=move |event| value.set(event_target_value(&event))>
                {move || {
                    options
                        .get()
                        .into_iter()
                        .map(|(option, text)| {
                            let selected = option.clone();
                            view! {
                                <option value=option selected=move || value.get() == selected>
                                    {text}
                                </option>
                            }
                        })
                        .collect_view()
                }}
            </select>
        </div>
    }
}

/// An error alert for a translation key, when there is one.
#[component]
pub(crate) fn TranslatedError(
    id: &'static str,
    key: RwSignal<Option<&'static str>>,
) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        key.get().map(|key| {
            view! {
                <div id=id class="alert alert-error" role="alert">
                    <div class="alert-body">
                        <p>{move || i18n.tr(key)}</p>
                    </div>
                </div>
            }
        })
    }
}

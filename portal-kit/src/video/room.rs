//! The room: the call's tiles (rendered by `video-kit`), our own controls,
//! who is here, the chat, and for mediators the waiting list and controls.

use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared_types::ErrorCode;
use video_kit::{
    Call, CallEvent, CallOptions, CallStats, DeviceKind, MediaDevice, ParticipantView, TileLabels,
};

use super::caucus::{CallTheMediator, CaucusPanel, Place, Runner, clock, room_name, seconds_left};
use super::chat::Chat;
use super::live::{LiveEvent, VideoEventKind, on_live};
use super::lobby::{DeviceSelect, TranslatedError, device_options};
use super::ops::{
    AdmitEveryone, EndSession, LockSession, ModerateParticipant, ReportCallQuality, VideoRoom,
    VideoToken, admit_everyone, end_session, lock_session, moderate_participant,
    report_call_quality, video_room, video_token,
};
use super::{
    Admission, Devices, Left, ModerationControl, ReadGate, SAFETY_READ, VideoRole, every,
    video_error_key,
};
use crate::components::{Alert, AlertKind, ErrorAlert, Loading};
use crate::gql::{Api, ApiError, use_api};
use crate::i18n::{ToArg, use_i18n};
use crate::tr;

type RoomView = video_room::VideoRoomVideoRoom;
type Token = video_token::VideoTokenVideoToken;

/// How long a token handed over with a read stays good for the move it
/// starts (LiveKit's tokens last far longer; this only bounds staleness).
const HANDOFF_MS: f64 = 3_000.0;
type Person = video_room::VideoRoomVideoRoomParticipants;

/// The room a token lets the call into.
fn token_place(token: &Token) -> Place {
    Place {
        caucus: token.caucus_id.clone(),
        listen_only: token.listen_only,
    }
}

/// What is waiting for a second click.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Confirm {
    Remove(String),
    End,
}

async fn read_room(api: Api, pass: String) -> Result<RoomView, ApiError> {
    api.run::<VideoRoom>(video_room::Variables { pass })
        .await
        .map(|data| data.video_room)
}

/// How many times a minute the page enters again by itself after the server
/// dropped its call while still having it here.
const REJOINS_PER_MINUTE: usize = 3;

/// Why the call ended, from LiveKit's reason and the server's view of us.
fn why_left(read: &Result<RoomView, ApiError>, reason: &str) -> Left {
    if reason == "CLIENT_INITIATED" {
        return Left::ByChoice;
    }
    match read {
        Ok(room) if room.ended => Left::Ended,
        Ok(room) => match room.me.admission {
            Admission::Waiting => Left::SentToLobby,
            Admission::Declined => Left::Declined,
            Admission::Admitted if reason == "ROOM_DELETED" => Left::Ended,
            Admission::Admitted => Left::Lost,
            _ => Left::Removed,
        },
        Err(ApiError::Network) => Left::Lost,
        Err(ApiError::Code(ErrorCode::SessionClosed)) => Left::Ended,
        Err(_) if reason == "ROOM_DELETED" => Left::Ended,
        Err(_) => Left::Removed,
    }
}

/// The quality between two readings of a call's statistics `seconds` apart;
/// none when nothing came in, or the counters went back (a new call).
fn quality_sample(
    before: &CallStats,
    after: &CallStats,
    seconds: f64,
) -> Option<report_call_quality::QualitySampleInput> {
    if seconds < 1.0 {
        return None;
    }
    let bytes = (after.inbound_audio_bytes + after.inbound_video_bytes)
        .checked_sub(before.inbound_audio_bytes + before.inbound_video_bytes)?;
    let received = after
        .packets_received
        .checked_sub(before.packets_received)?;
    let lost = after.packets_lost.checked_sub(before.packets_lost)?;
    let packets = received + lost;
    (packets > 0).then(|| report_call_quality::QualitySampleInput {
        bitrate_kbps: (bytes as f64 * 8.0 / seconds / 1000.0).round() as i64,
        round_trip_ms: i64::try_from(after.round_trip_ms).unwrap_or(i64::MAX),
        jitter_ms: after.jitter_ms,
        packet_loss_percent: lost as f64 * 100.0 / packets as f64,
    })
}

/// The room for `pass`, joined with `devices`; `on_left` says why it ended.
#[component]
pub fn Room(pass: String, devices: Devices, on_left: Callback<Left>) -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let pass = StoredValue::new(pass);
    let room = RwSignal::new(None::<RoomView>);
    let live = RwSignal::new(Vec::<ParticipantView>::new());
    let call = StoredValue::new_local(None::<Rc<Call>>);
    let connecting = RwSignal::new(true);
    let reconnecting = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let video_error = RwSignal::new(None::<&'static str>);
    let notice = RwSignal::new(None::<&'static str>);
    let mic_on = RwSignal::new(true);
    let cam_on = RwSignal::new(true);
    // The microphone and camera as the person (or a moderator's mute) set
    // them, carried over to the next room on a move. Not what the call
    // reports: a call still publishing shows both off for a moment, and a
    // move then must not turn them off.
    let wants = StoredValue::new((true, true));
    let sharing = RwSignal::new(false);
    let audio_only = RwSignal::new(false);
    let weak_told = StoredValue::new(false);
    let audio_blocked = RwSignal::new(false);
    let camera = RwSignal::new(devices.camera.clone().unwrap_or_default());
    let mic = RwSignal::new(devices.mic.clone().unwrap_or_default());
    let device_list = RwSignal::new(Vec::<MediaDevice>::new());
    let confirm = RwSignal::new(None::<Confirm>);
    let busy = RwSignal::new(false);
    let grid = NodeRef::<leptos::html::Div>::new();
    let finished = StoredValue::new(false);
    let started = StoredValue::new(false);
    let gate = ReadGate::new();
    // The room the call is connected to, the call's number (events of an
    // older call are ignored), and the move under way.
    let placed = StoredValue::new(None::<Place>);
    let generation = StoredValue::new(0_u64);
    let switching = StoredValue::new(false);
    // The call dropped while a move was entering it: the move enters once
    // more (as after a drop) when its entry ends.
    let again = StoredValue::new(false);
    let moving = RwSignal::new(None::<String>);
    // Why the call dropped, and the call's number: a drop that a move has
    // since overtaken (the page entered another call) is no drop any more.
    let lost = RwSignal::new(None::<(String, u64)>);
    let go_audio_only = RwSignal::new(None::<bool>);
    let grid_element = StoredValue::new_local(None::<web_sys::HtmlElement>);
    let now = RwSignal::new(js_sys::Date::now());
    let caller = RwSignal::new(None::<String>);
    // Every read of the room is numbered as it starts (`.0`), and an answer
    // older than the one shown (`.1`) is dropped: reads run side by side
    // (live events, the call dropping, entering), and a slow one must never
    // bring back a placement the server has moved on from.
    let reads = StoredValue::new((0_u64, 0_u64));
    // Calls that dropped while the server still had us here, entered again
    // (shown on the page for support and the benchmark), and when (the
    // last few).
    let rejoins = RwSignal::new(0_u32);
    let rejoined_at = StoredValue::new(Vec::<f64>::new());
    // A token asked for together with the read that follows our own
    // `PLACED` (when it was got, and the token), for the move that read
    // starts: the move then waits for one round trip, not two.
    let handoff = StoredValue::new(None::<(f64, Token)>);

    let current = move || call.try_get_value().flatten();
    let moderator =
        Memo::new(move |_| room.with(|r| r.as_ref().is_some_and(|r| r.me.role.moderates())));
    let names = Memo::new(move |_| {
        room.with(|r| {
            r.as_ref()
                .map(|r| {
                    r.participants
                        .iter()
                        .map(|p| (p.id.clone(), p.name.clone()))
                        .collect::<BTreeMap<_, _>>()
                })
                .unwrap_or_default()
        })
    });
    let my_caucus = move || {
        room.with(|r| {
            r.as_ref().and_then(|r| {
                let id = r.me.caucus_id.as_deref()?;
                r.caucuses.iter().find(|c| c.id == id).cloned()
            })
        })
    };
    let where_name = move || {
        room.with(|r| {
            r.as_ref()
                .map(|r| room_name(r, r.me.caucus_id.as_deref(), &i18n.tr("caucus-main-room")))
                .unwrap_or_default()
        })
    };

    let numbered_read = move || {
        let number = reads
            .try_update_value(|(started, _)| {
                *started += 1;
                *started
            })
            .unwrap_or(0);
        async move { (number, read_room(api, pass.get_value()).await) }
    };
    // Shows a view read as `number`, unless a later read is shown already.
    let show = move |number: u64, view: &RoomView| {
        let fresh = reads.try_update_value(|(_, shown)| {
            let fresh = number > *shown;
            if fresh {
                *shown = number;
            }
            fresh
        }) == Some(true);
        if fresh && room.with_untracked(|r| r.as_ref() != Some(view)) {
            room.try_set(Some(view.clone()));
        }
    };
    let refresh = move || {
        gate.read(numbered_read, move |(number, result)| {
            if let Ok(view) = result {
                show(number, &view);
            }
        });
    };
    let fetch_token = move || async move {
        api.run::<VideoToken>(video_token::Variables {
            pass: pass.get_value(),
        })
        .await
        .map(|data| data.video_token)
    };
    // We were placed: the room read and, side by side, the token for the
    // room we are now placed in (left for the move, see `enter`).
    let placed_me = move || {
        spawn_local(async move {
            let ((number, read), token) =
                futures::future::join(numbered_read(), fetch_token()).await;
            if let (Ok(view), Ok(token)) = (&read, token) {
                handoff.try_set_value(Some((js_sys::Date::now(), token)));
                show(number, view);
            }
        });
    };
    refresh();
    let ends_soon = move || {
        my_caucus()
            .and_then(|c| c.ends_at)
            .and_then(|end| seconds_left(&end, js_sys::Date::now()))
            .is_some_and(|s| s <= 150)
    };
    on_live(move |event| {
        let mine = |participant: &Option<String>| {
            participant.is_some()
                && room.with_untracked(|r| r.as_ref().map(|r| &r.me.id) == participant.as_ref())
        };
        match event {
            LiveEvent::Session {
                kind: VideoEventKind::Placed,
                participant,
            } if mine(participant) => placed_me(),
            _ => refresh(),
        }
        if let LiveEvent::Session { kind, participant } = event {
            match kind {
                VideoEventKind::CaucusEnding if ends_soon() => {
                    notice.try_set(Some("caucus-ending-soon"));
                }
                VideoEventKind::CaucusTimeUp if ends_soon() => {
                    notice.try_set(Some("caucus-time-up"));
                }
                VideoEventKind::CallMediator if moderator.get_untracked() => {
                    caller.try_set(participant.clone());
                }
                _ => {}
            }
        }
    });
    every(SAFETY_READ, refresh);
    every(Duration::from_secs(1), move || {
        now.try_set(js_sys::Date::now());
    });
    // Every five seconds the call's quality, as numbers, for the operations
    // dashboard and the session's record (never media).
    let last_stats = StoredValue::new(None::<(f64, CallStats)>);
    every(Duration::from_secs(5), move || {
        let Some(active) = current() else {
            return;
        };
        spawn_local(async move {
            let Ok(latest) = active.stats().await else {
                return;
            };
            let at = js_sys::Date::now();
            let Some(Some((then, before))) =
                last_stats.try_update_value(|l| l.replace((at, latest.clone())))
            else {
                return;
            };
            if let Some(sample) = quality_sample(&before, &latest, (at - then) / 1000.0) {
                let _ = api
                    .run::<ReportCallQuality>(report_call_quality::Variables {
                        pass: pass.get_value(),
                        sample,
                    })
                    .await;
            }
        });
    });

    let finish = move |reason: String, read: Result<RoomView, ApiError>| {
        if finished.try_get_value() != Some(false) {
            return;
        }
        finished.set_value(true);
        spawn_local(async move {
            // Dropped here, outside the facade's event callback.
            call.try_update_value(|c| *c = None);
            on_left.run(why_left(&read, &reason));
        });
    };

    let on_event = move |event: CallEvent| match event {
        CallEvent::Participants(list) => {
            if let Some(me) = list.iter().find(|p| p.is_local) {
                mic_on.try_set(me.mic_on);
                cam_on.try_set(me.camera_on);
                sharing.try_set(me.screen_sharing);
            }
            live.try_set(list);
        }
        CallEvent::Disconnected { reason } => {
            if let Some(number) = generation.try_get_value() {
                lost.try_set(Some((reason, number)));
            }
        }
        CallEvent::LocalMuted { source } => {
            if source == "camera" {
                cam_on.try_set(false);
                wants.update_value(|w| w.1 = false);
                notice.try_set(Some("video-muted-camera"));
            } else {
                mic_on.try_set(false);
                wants.update_value(|w| w.0 = false);
                notice.try_set(Some("video-muted-microphone"));
            }
        }
        CallEvent::Reconnecting => {
            reconnecting.try_set(true);
        }
        CallEvent::Reconnected => {
            reconnecting.try_set(false);
        }
        // A weak connection: audio only, said plainly (once per page).
        CallEvent::Quality(quality) => {
            if (quality == "poor" || quality == "lost")
                && audio_only.try_get_untracked() == Some(false)
                && weak_told.try_get_value() == Some(false)
            {
                weak_told.set_value(true);
                go_audio_only.try_set(Some(true));
                notice.try_set(Some("video-audio-only-auto"));
            }
        }
        CallEvent::AudioPlayback { can_play } => {
            audio_blocked.try_set(!can_play);
        }
        CallEvent::Error(_) => {
            video_error.try_set(Some("video-error-in-call"));
        }
    };

    // Connects to the room we are placed in, with the devices chosen;
    // `keep` is the microphone and camera state to carry over from a move,
    // `known` the room as just read (a move), so it is not read twice.
    // Whether the call was connected.
    let enter = move |keep: Option<(bool, bool)>, known: Option<RoomView>| async move {
        let Some(element) = grid_element.try_with_value(Clone::clone).flatten() else {
            return false;
        };
        // A token handed over by the read that started this move, if it
        // is fresh; otherwise one asked for now, beside the read when the
        // room is not known yet. A token for a room we have since been
        // moved out of only costs one more round: the call goes where the
        // token says, and the move goes on from there (`relocate`).
        // A handed token must name the room we are entering: one from an
        // earlier move (its move entered on a token of its own, when a
        // read of the room showed the placement first) would take the
        // call back into the room just left, one connection too many for
        // the door check to remove and one more round for the person.
        let handed = handoff
            .try_update_value(Option::take)
            .flatten()
            .filter(|(at, _)| js_sys::Date::now() - at < HANDOFF_MS)
            .map(|(_, token)| token);
        let (view, token) = match (known, handed) {
            (Some(view), Some(token)) if token_place(&token) == Place::of(&view.me) => {
                (Ok((None, view)), Ok(token))
            }
            (Some(view), _) => (Ok((None, view)), fetch_token().await),
            (None, handed) => {
                let token = async move {
                    match handed {
                        Some(token) => Ok(token),
                        None => fetch_token().await,
                    }
                };
                let ((number, read), token) = futures::future::join(numbered_read(), token).await;
                let token = match (&read, token) {
                    (Ok(view), Ok(token)) if token_place(&token) != Place::of(&view.me) => {
                        fetch_token().await
                    }
                    (_, token) => token,
                };
                (read.map(|view| (Some(number), view)), token)
            }
        };
        let (view, token) = match (view, token) {
            (Ok((number, view)), Ok(token)) => {
                if let Some(number) = number {
                    show(number, &view);
                }
                (view, token)
            }
            (Err(failure), _) | (_, Err(failure)) => {
                error.try_set(Some(failure));
                connecting.try_set(false);
                return false;
            }
        };
        // Where the call goes is the token's room, whatever a read said.
        let place = token_place(&token);
        let publish = view.me.role != VideoRole::Observer && !token.listen_only;
        let chosen = |id: String| (!id.is_empty()).then_some(id);
        let mut options = CallOptions::new(element);
        options.camera = camera.try_get_untracked().and_then(chosen);
        options.mic = mic.try_get_untracked().and_then(chosen);
        options.publish = publish;
        options.labels = TileLabels {
            camera_off: i18n.tr("video-tile-camera-off"),
            screen: i18n.tr_args("video-tile-screen", &[("name", "{name}".to_arg())]),
        };
        if !publish {
            mic_on.try_set(false);
            cam_on.try_set(false);
        }
        let Some(number) = generation.try_get_value() else {
            return false;
        };
        let handler = move |event: CallEvent| {
            if generation.try_get_value() == Some(number) {
                on_event(event);
            }
        };
        // A new attempt: what went wrong with an earlier call is past.
        video_error.try_set(None);
        let joined = video_kit::connect(&token.url, &token.token, options, handler).await;
        connecting.try_set(false);
        match joined {
            Ok(joined) => {
                let joined = Rc::new(joined);
                placed.try_set_value(Some(place));
                if call
                    .try_update_value(|c| *c = Some(Rc::clone(&joined)))
                    .is_none()
                {
                    // The page is gone: the call goes with it.
                    return false;
                }
                if audio_only.get_untracked() {
                    let _ = joined.set_audio_only(true).await;
                }
                if let Some((mic_was, cam_was)) = keep.filter(|_| publish) {
                    if !mic_was {
                        let _ = joined.set_microphone(false).await;
                    }
                    if !cam_was {
                        let _ = joined.set_camera(false).await;
                    }
                }
                true
            }
            Err(e) => {
                video_error.try_set(Some(video_error_key(e.kind())));
                false
            }
        }
    };

    // The room shown places us elsewhere than the call is connected to.
    let misplaced = move || {
        let Some(Some(place)) = room.try_with_untracked(|r| {
            r.as_ref()
                .filter(|r| r.me.admission == Admission::Admitted && !r.ended)
                .map(|r| Place::of(&r.me))
        }) else {
            return false;
        };
        finished.try_get_value() == Some(false)
            && placed.try_with_value(|p| p.as_ref().is_some_and(|p| *p != place)) == Some(true)
    };

    // A move: leave this room and enter the one we are placed in, keeping
    // the devices and without the lobby.
    // If the placement changed again while entering (the token names the
    // room entered), the call follows it at once, a few times at most.
    // `rejoin`: back into the same room after a drop. `dropped`: asked for
    // because the current call dropped; while a move is under way, that
    // call is the one the move is entering, so the move enters once more
    // when it is done (`again`). Other requests during a move are the
    // move's own business: it follows the placement when its entry ends.
    let relocate = move |rejoin: bool, dropped: bool| {
        if finished.try_get_value() != Some(false) {
            return;
        }
        if switching.try_get_value() != Some(false) {
            if dropped {
                again.try_set_value(true);
            }
            return;
        }
        switching.set_value(true);
        again.set_value(false);
        spawn_local(async move {
            let mut rejoin = rejoin;
            for _ in 0..3 {
                generation.update_value(|g| *g += 1);
                let to = where_name();
                let text = if rejoin {
                    i18n.tr("video-reconnecting")
                } else if room
                    .with_untracked(|r| r.as_ref().is_some_and(|r| r.me.caucus_id.is_some()))
                {
                    i18n.tr_args("caucus-moving-to", &[("room", to.as_str().to_arg())])
                } else {
                    i18n.tr("caucus-moving-main")
                };
                moving.try_set(Some(text));
                let keep = wants.get_value();
                // The room as read just now, with the new placement.
                let known = room.get_untracked();
                // The old room is left while the new one is entered, not
                // before: its events no longer count (the generation moved
                // on), and the person waits for one connection, not two.
                // Back into the same room after a drop, the old connection
                // is closed first: two of ours in one room push each other
                // out (LiveKit knows one connection per identity and room).
                if let Some(old) = call.try_update_value(Option::take).flatten() {
                    if rejoin {
                        let _ = old.disconnect().await;
                    } else {
                        spawn_local(async move {
                            let _ = old.disconnect().await;
                        });
                    }
                }
                let entered = enter(Some(keep), known).await;
                // The call dropped while it connected (the drop's handler
                // asked for another round), or the placement moved on.
                if again.try_update_value(std::mem::take) == Some(true) {
                    rejoin = true;
                } else if entered && misplaced() {
                    rejoin = false;
                } else {
                    break;
                }
            }
            switching.try_set_value(false);
            moving.try_set(None);
        });
    };

    // The room says we are placed elsewhere: move.
    Effect::new(move || {
        room.track();
        if misplaced() {
            relocate(false, false);
        }
    });

    // The call dropped: a move (we were taken out of the old room), or the end.
    Effect::new(move || {
        let Some((reason, dropped)) = lost.get() else {
            return;
        };
        lost.set(None);
        spawn_local(async move {
            let (number, read) = numbered_read().await;
            // A move began while this was read (our own `PLACED` often
            // comes before the room service takes us out of the old
            // room): the move looks after where the call goes.
            if generation.try_get_value() != Some(dropped) {
                return;
            }
            if let Ok(view) = &read {
                show(number, view);
                let here = view.me.admission == Admission::Admitted && !view.ended;
                if here
                    && placed.try_with_value(|p| p.as_ref() != Some(&Place::of(&view.me)))
                        == Some(true)
                {
                    // Under way, the move is what dropped: counted, since
                    // the page enters once more (not when another page of
                    // ours took the place).
                    let dropped = reason != "DUPLICATE_IDENTITY";
                    if dropped && switching.try_get_value() == Some(true) {
                        rejoins.try_update(|n| *n += 1);
                        leptos::logging::warn!(
                            "call dropped ({reason}) while a move entered it: entering again"
                        );
                    }
                    relocate(false, dropped);
                    return;
                }
                // Dropped by the server while still admitted here (a stale
                // removal): in again, up to REJOINS_PER_MINUTE times a
                // minute; one more drop within that minute is the end. Not
                // when this page left, nor when another page of ours took
                // the place (they would take turns pushing each other out).
                let at = js_sys::Date::now();
                let recent = rejoined_at
                    .try_with_value(|times| times.iter().filter(|t| at - **t < 60_000.0).count())
                    .unwrap_or(usize::MAX);
                if here
                    && !matches!(reason.as_str(), "CLIENT_INITIATED" | "DUPLICATE_IDENTITY")
                    && recent < REJOINS_PER_MINUTE
                {
                    rejoined_at.try_update_value(|times| {
                        times.retain(|t| at - *t < 60_000.0);
                        times.push(at);
                    });
                    rejoins.try_update(|n| *n += 1);
                    leptos::logging::warn!(
                        "call dropped ({reason}) while admitted here: entering again"
                    );
                    placed.try_set_value(None);
                    relocate(true, true);
                    return;
                }
            }
            finish(reason, read);
        });
    });

    // Joins once the grid is on the page.
    Effect::new(move || {
        let Some(div) = grid.get() else {
            return;
        };
        if started.get_value() {
            return;
        }
        started.set_value(true);
        let element: web_sys::HtmlElement = div.into();
        grid_element.set_value(Some(element));
        // Entering is a move of its own: a drop meanwhile is left to it.
        switching.set_value(true);
        spawn_local(async move {
            let entered = enter(None, None).await;
            switching.try_set_value(false);
            if again.try_update_value(std::mem::take) == Some(true) {
                relocate(true, false);
            } else if entered && misplaced() {
                relocate(false, false);
            }
        });
    });
    on_cleanup(move || {
        call.try_update_value(|c| *c = None);
    });

    // The devices there are, for switching.
    spawn_local(async move {
        if let Ok(list) = video_kit::list_devices().await {
            device_list.try_set(list);
        }
    });
    let switch = move |kind: DeviceKind, id: String| {
        if let Some(active) = current()
            && !id.is_empty()
        {
            spawn_local(async move {
                if let Err(e) = active.switch_device(kind, &id).await {
                    video_error.try_set(Some(video_error_key(e.kind())));
                }
            });
        }
    };
    Effect::new(move |previous: Option<String>| {
        let id = camera.get();
        if previous.is_some_and(|p| p != id) {
            switch(DeviceKind::Camera, id.clone());
        }
        id
    });
    Effect::new(move |previous: Option<String>| {
        let id = mic.get();
        if previous.is_some_and(|p| p != id) {
            switch(DeviceKind::Microphone, id.clone());
        }
        id
    });
    let options = move |kind: DeviceKind| device_list.with(|list| device_options(list, kind, i18n));

    // Our own controls.
    let toggle_mic = move |_| {
        let on = !mic_on.get_untracked();
        if let Some(active) = current() {
            notice.set(None);
            spawn_local(async move {
                match active.set_microphone(on).await {
                    Ok(()) => {
                        mic_on.try_set(on);
                        wants.update_value(|w| w.0 = on);
                    }
                    Err(e) => {
                        video_error.try_set(Some(video_error_key(e.kind())));
                    }
                }
            });
        }
    };
    let toggle_camera = move |_| {
        let on = !cam_on.get_untracked();
        if let Some(active) = current() {
            notice.set(None);
            spawn_local(async move {
                match active.set_camera(on).await {
                    Ok(()) => {
                        cam_on.try_set(on);
                        wants.update_value(|w| w.1 = on);
                    }
                    Err(e) => {
                        video_error.try_set(Some(video_error_key(e.kind())));
                    }
                }
            });
        }
    };
    let toggle_screen = move |_| {
        let on = !sharing.get_untracked();
        if let Some(active) = current() {
            spawn_local(async move {
                match active.share_screen(on).await {
                    Ok(()) => {
                        sharing.try_set(on);
                    }
                    Err(e) => {
                        video_error.try_set(Some(video_error_key(e.kind())));
                    }
                }
            });
        }
    };
    // Audio only, by hand or when the connection is weak.
    Effect::new(move || {
        let Some(on) = go_audio_only.get() else {
            return;
        };
        go_audio_only.set(None);
        if let Some(active) = current() {
            spawn_local(async move {
                match active.set_audio_only(on).await {
                    Ok(()) => {
                        audio_only.try_set(on);
                        if on {
                            cam_on.try_set(false);
                        }
                    }
                    Err(e) => {
                        video_error.try_set(Some(video_error_key(e.kind())));
                    }
                }
            });
        }
    });
    let toggle_audio_only = move |_| {
        notice.set(None);
        go_audio_only.set(Some(!audio_only.get_untracked()));
    };
    let leave = move |_| {
        if let Some(active) = current() {
            spawn_local(async move {
                let _ = active.disconnect().await;
                finish("CLIENT_INITIATED".to_owned(), Err(ApiError::Network));
            });
        } else {
            finish("CLIENT_INITIATED".to_owned(), Err(ApiError::Network));
        }
    };
    let start_audio = move |_| {
        if let Some(active) = current() {
            spawn_local(async move {
                if active.start_audio().await.is_ok() {
                    audio_blocked.try_set(false);
                }
            });
        }
    };

    // The mediator's controls.
    let moderate = Callback::new(move |(id, control): (String, ModerationControl)| {
        busy.set(true);
        error.set(None);
        confirm.set(None);
        spawn_local(async move {
            let result = api
                .run::<ModerateParticipant>(moderate_participant::Variables {
                    pass: pass.get_value(),
                    participant_id: id,
                    control,
                })
                .await;
            busy.try_set(false);
            if let Err(failure) = result {
                error.try_set(Some(failure));
            }
            refresh();
        });
    });
    let admit_all = move |_| {
        busy.set(true);
        spawn_local(async move {
            let result = api
                .run::<AdmitEveryone>(admit_everyone::Variables {
                    pass: pass.get_value(),
                })
                .await;
            busy.try_set(false);
            if let Err(failure) = result {
                error.try_set(Some(failure));
            }
            refresh();
        });
    };
    let locked = move || room.with(|r| r.as_ref().is_some_and(|r| r.locked));
    let toggle_lock = move |_| {
        let lock = !locked();
        busy.set(true);
        spawn_local(async move {
            let result = api
                .run::<LockSession>(lock_session::Variables {
                    pass: pass.get_value(),
                    locked: lock,
                })
                .await;
            busy.try_set(false);
            if let Err(failure) = result {
                error.try_set(Some(failure));
            }
            refresh();
        });
    };
    let end = move |_| {
        busy.set(true);
        confirm.set(None);
        spawn_local(async move {
            let result = api
                .run::<EndSession>(end_session::Variables {
                    pass: pass.get_value(),
                })
                .await;
            busy.try_set(false);
            match result {
                Ok(_) => {
                    let read = read_room(api, pass.get_value()).await;
                    finish("ROOM_DELETED".to_owned(), read);
                }
                Err(failure) => {
                    error.try_set(Some(failure));
                }
            }
        });
    };

    let pressed = |on: bool| if on { "true" } else { "false" };
    let reread = Callback::new(move |()| refresh());
    let runner = Runner::new(busy, error, reread);
    let chat_scope = Signal::derive(move || {
        i18n.tr_args(
            "video-chat-scope",
            &[("room", where_name().as_str().to_arg())],
        )
    });
    let waiting = move || {
        room.with(|r| {
            r.as_ref()
                .map(|r| {
                    r.participants
                        .iter()
                        .filter(|p| p.admission == Admission::Waiting)
                        .cloned()
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    let present = move || {
        room.with(|r| {
            r.as_ref()
                .map(|r| {
                    r.participants
                        .iter()
                        .filter(|p| p.admission == Admission::Admitted || p.is_me)
                        .cloned()
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };

    view! {
        <div class="video-room" data-rejoins=move || rejoins.get().to_string()>
            <h2 class="visually-hidden" id="room-title">{tr!("video-room-title")}</h2>
            <div id="room-status" role="status" class="room-status">
                {move || connecting.get().then(|| view! { <Loading /> })}
                {move || reconnecting.get().then(|| view! { <p>{tr!("video-reconnecting")}</p> })}
                {move || {
                    moving.get().map(|text| view! { <p id="room-moving" class="room-moving">{text}</p> })
                }}
                {move || {
                    notice
                        .get()
                        .map(|key| {
                            view! {
                                <Alert kind=AlertKind::Info id="room-notice">
                                    <p>{move || i18n.tr(key)}</p>
                                </Alert>
                            }
                        })
                }}
            </div>
            {move || error.get().map(|e| view! { <ErrorAlert error=e id="room-error" /> })}
            <TranslatedError id="room-video-error" key=video_error />
            {move || {
                audio_blocked
                    .get()
                    .then(|| {
                        view! {
                            <div class="alert alert-info" role="status">
                                <div class="alert-body">
                                    <p>{tr!("video-audio-blocked")}</p>
                                    <button
                                        id="start-audio"
                                        type="button"
                                        class="button button-primary"
                                        on:click=start_audio
                                    >
                                        {tr!("video-start-audio")}
                                    </button>
                                </div>
                            </div>
                        }
                    })
            }}
            {move || {
                caller
                    .get()
                    .map(|id| {
                        let name = names
                            .with(|n| n.get(&id).cloned())
                            .unwrap_or_else(|| i18n.tr("video-chat-someone"));
                        let at = room
                            .with_untracked(|r| {
                                r.as_ref()
                                    .and_then(|r| r.participants.iter().find(|p| p.id == id))
                                    .and_then(|p| p.caucus_id.clone())
                            });
                        let go = at
                            .map(|caucus| {
                                let caucus = StoredValue::new(caucus);
                                view! {
                                    <button
                                        id="call-alert-go"
                                        type="button"
                                        class="button button-primary"
                                        on:click=move |_| {
                                            caller.set(None);
                                            let me = room
                                                .with_untracked(|r| r.as_ref().map(|r| r.me.id.clone()))
                                                .unwrap_or_default();
                                            runner.place(pass.get_value(), me, Some(caucus.get_value()), false);
                                        }
                                    >
                                        {tr!("caucus-go-to-them")}
                                    </button>
                                }
                            });
                        view! {
                            <div class="alert alert-info" role="alert" id="call-alert">
                                <div class="alert-body">
                                    <p>{i18n.tr_args("caucus-called", &[("name", name.as_str().to_arg())])}</p>
                                    <div class="button-row">
                                        {go}
                                        <button
                                            id="call-alert-dismiss"
                                            type="button"
                                            class="button button-secondary"
                                            on:click=move |_| caller.set(None)
                                        >
                                            {tr!("caucus-dismiss")}
                                        </button>
                                    </div>
                                </div>
                            </div>
                        }
                    })
            }}
            <div class="room-where" id="room-where">
                <p>
                    {tr!("caucus-you-are-in")}
                    " "
                    <strong id="room-where-name">{where_name}</strong>
                    " "
                    <span id="room-countdown" class="caucus-timer" role="timer">
                        {move || {
                            my_caucus()
                                .and_then(|c| c.ends_at)
                                .and_then(|end| seconds_left(&end, now.get()))
                                .map(|left| {
                                    i18n.tr_args("caucus-time-left", &[("time", clock(left).as_str().to_arg())])
                                })
                        }}
                    </span>
                </p>
                <Show when=move || !moderator.get() && my_caucus().is_some()>
                    <CallTheMediator pass=pass />
                </Show>
            </div>
            <div class="video-layout">
                <div class="video-stage">
                    <div
                        id="video-grid"
                        class="video-grid"
                        role="region"
                        aria-label=tr!("video-grid-label")
                        node_ref=grid
                    ></div>
                    <div class="video-toolbar" role="group" aria-label=tr!("video-toolbar")>
                        <button
                            id="toolbar-mic"
                            type="button"
                            class="button button-secondary toggle"
                            aria-pressed=move || pressed(mic_on.get())
                            on:click=toggle_mic
                        >
                            {tr!("video-toolbar-microphone")}
                        </button>
                        <button
                            id="toolbar-camera"
                            type="button"
                            class="button button-secondary toggle"
                            aria-pressed=move || pressed(cam_on.get())
                            on:click=toggle_camera
                        >
                            {tr!("video-toolbar-camera")}
                        </button>
                        <button
                            id="toolbar-screen"
                            type="button"
                            class="button button-secondary toggle"
                            aria-pressed=move || pressed(sharing.get())
                            on:click=toggle_screen
                        >
                            {tr!("video-toolbar-screen")}
                        </button>
                        <button
                            id="toolbar-audio-only"
                            type="button"
                            class="button button-secondary toggle"
                            aria-pressed=move || pressed(audio_only.get())
                            aria-describedby="toolbar-audio-only-hint"
                            on:click=toggle_audio_only
                        >
                            {tr!("video-toolbar-audio-only")}
                        </button>
                        <span id="toolbar-audio-only-hint" class="visually-hidden">
                            {tr!("video-toolbar-audio-only-hint")}
                        </span>
                        <button
                            id="toolbar-leave"
                            type="button"
                            class="button button-danger"
                            on:click=leave
                        >
                            {tr!("video-toolbar-leave")}
                        </button>
                    </div>
                    <div class="video-devices">
                        <DeviceSelect
                            id="room-camera"
                            label=Signal::derive(tr!("video-camera"))
                            value=camera
                            options=Signal::derive(move || options(DeviceKind::Camera))
                        />
                        <DeviceSelect
                            id="room-mic"
                            label=Signal::derive(tr!("video-microphone"))
                            value=mic
                            options=Signal::derive(move || options(DeviceKind::Microphone))
                        />
                    </div>
                </div>
                <div class="video-side">
                    <Show when=move || moderator.get()>
                        <section class="card room-waiting" aria-labelledby="room-waiting-title">
                            <h2 id="room-waiting-title" class="card-title">
                                {tr!("video-waiting-list")}
                            </h2>
                            {move || {
                                let people = waiting();
                                if people.is_empty() {
                                    view! {
                                        <p id="room-waiting-empty">{tr!("video-waiting-none")}</p>
                                    }
                                        .into_any()
                                } else {
                                    let several = people.len() > 1;
                                    view! {
                                        <ul id="room-waiting" class="people-list">
                                            {people
                                                .into_iter()
                                                .map(|person| {
                                                    view! { <WaitingRow person=person busy=busy moderate=moderate /> }
                                                })
                                                .collect_view()}
                                        </ul>
                                        {several
                                            .then(|| {
                                                view! {
                                                    <button
                                                        id="admit-everyone"
                                                        type="button"
                                                        class="button button-secondary"
                                                        disabled=move || busy.get()
                                                        on:click=admit_all
                                                    >
                                                        {tr!("video-admit-everyone")}
                                                    </button>
                                                }
                                            })}
                                    }
                                        .into_any()
                                }
                            }}
                        </section>
                    </Show>
                    <Show when=move || moderator.get()>
                        <CaucusPanel pass=pass room=room busy=busy error=error refresh=reread now=now />
                    </Show>
                    <section class="card room-people" aria-labelledby="room-people-title">
                        <h2 id="room-people-title" class="card-title">
                            {tr!("video-participants")}
                        </h2>
                        <ul id="room-participants" class="people-list">
                            {move || {
                                present()
                                    .into_iter()
                                    .map(|person| {
                                        view! {
                                            <PersonRow
                                                person=person
                                                live=live
                                                moderator=moderator
                                                busy=busy
                                                confirm=confirm
                                                moderate=moderate
                                            />
                                        }
                                    })
                                    .collect_view()
                            }}
                        </ul>
                    </section>
                    <Show when=move || moderator.get()>
                        <section class="card room-controls" aria-labelledby="room-controls-title">
                            <h2 id="room-controls-title" class="card-title">
                                {tr!("video-session-controls")}
                            </h2>
                            <p id="room-lock-state">
                                {move || {
                                    if locked() {
                                        i18n.tr("video-locked")
                                    } else {
                                        i18n.tr("video-unlocked")
                                    }
                                }}
                            </p>
                            <div class="button-row">
                                <button
                                    id="room-lock"
                                    type="button"
                                    class="button button-secondary"
                                    aria-describedby="room-lock-state"
                                    disabled=move || busy.get()
                                    on:click=toggle_lock
                                >
                                    {move || {
                                        if locked() {
                                            i18n.tr("video-unlock")
                                        } else {
                                            i18n.tr("video-lock")
                                        }
                                    }}
                                </button>
                                <Show
                                    when=move || confirm.get() == Some(Confirm::End)
                                    fallback=move || {
                                        view! {
                                            <button
                                                id="room-end"
                                                type="button"
                                                class="button button-danger"
                                                on:click=move |_| confirm.set(Some(Confirm::End))
                                            >
                                                {tr!("video-end")}
                                            </button>
                                        }
                                    }
                                >
                                    <div class="confirm" role="group" aria-labelledby="confirm-end-text">
                                        <p id="confirm-end-text" class="confirm-text">
                                            {tr!("video-end-confirm-text")}
                                        </p>
                                        <div class="button-row">
                                            <button
                                                id="confirm-end"
                                                type="button"
                                                class="button button-danger"
                                                disabled=move || busy.get()
                                                on:click=end
                                            >
                                                {tr!("video-end-confirm")}
                                            </button>
                                            <button
                                                id="cancel-end"
                                                type="button"
                                                class="button button-secondary"
                                                on:click=move |_| confirm.set(None)
                                            >
                                                {tr!("video-cancel")}
                                            </button>
                                        </div>
                                    </div>
                                </Show>
                            </div>
                        </section>
                    </Show>
                    <Chat pass=pass names=names scope=chat_scope moderator=moderator />
                </div>
            </div>
        </div>
    }
}

/// Someone waiting to be let in, with Admit and Decline.
#[component]
fn WaitingRow(
    person: Person,
    busy: RwSignal<bool>,
    moderate: Callback<(String, ModerationControl)>,
) -> impl IntoView {
    let id = StoredValue::new(person.id.clone());
    let name_id = format!("waiting-{}-name", person.id);
    let described = name_id.clone();
    let described_too = name_id.clone();
    view! {
        <li class="person" id=format!("waiting-{}", person.id)>
            <span id=name_id class="person-name">{person.name.clone()}</span>
            " "
            <span class="badge">{move || person.role.label().get()}</span>
            <div class="button-row">
                <button
                    id=format!("admit-{}", person.id)
                    type="button"
                    class="button button-primary"
                    aria-describedby=described
                    disabled=move || busy.get()
                    on:click=move |_| moderate.run((id.get_value(), ModerationControl::Admit))
                >
                    {tr!("video-admit")}
                </button>
                <button
                    id=format!("decline-{}", person.id)
                    type="button"
                    class="button button-secondary"
                    aria-describedby=described_too
                    disabled=move || busy.get()
                    on:click=move |_| moderate.run((id.get_value(), ModerationControl::Decline))
                >
                    {tr!("video-decline")}
                </button>
            </div>
        </li>
    }
}

/// Someone in the session: name, role, whether they are connected and
/// speaking, and for mediators the controls over them.
#[component]
fn PersonRow(
    person: Person,
    live: RwSignal<Vec<ParticipantView>>,
    moderator: Memo<bool>,
    busy: RwSignal<bool>,
    confirm: RwSignal<Option<Confirm>>,
    moderate: Callback<(String, ModerationControl)>,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = StoredValue::new(person.id.clone());
    let pid = person.id.clone();
    let state = move || {
        live.with(|list| {
            list.iter()
                .find(|p| p.identity == id.get_value())
                .map(|p| (p.mic_on, p.camera_on, p.speaking))
        })
    };
    let status = move || match state() {
        None => i18n.tr("video-person-not-connected"),
        Some((mic, _, speaking)) => {
            let mut text = if mic {
                i18n.tr("video-person-mic-on")
            } else {
                i18n.tr("video-person-mic-off")
            };
            if speaking {
                text.push_str(" · ");
                text.push_str(&i18n.tr("video-person-speaking"));
            }
            text
        }
    };
    let name_id = format!("person-{pid}-name");
    let is_me = person.is_me;
    let controls = move || {
        (moderator.get() && !is_me).then(|| {
            let name_id = format!("person-{}-name", id.get_value());
            let run = move |control: ModerationControl| moderate.run((id.get_value(), control));
            let removing =
                move || confirm.get() == Some(Confirm::Remove(id.get_value()));
            view! {
                <div class="button-row person-controls">
                    <button
                        id=format!("mute-mic-{}", id.get_value())
                        type="button"
                        class="button button-secondary"
                        aria-describedby=name_id.clone()
                        disabled=move || busy.get()
                        on:click=move |_| run(ModerationControl::MuteMicrophone)
                    >
                        {tr!("video-mute-microphone")}
                    </button>
                    <button
                        id=format!("mute-camera-{}", id.get_value())
                        type="button"
                        class="button button-secondary"
                        aria-describedby=name_id.clone()
                        disabled=move || busy.get()
                        on:click=move |_| run(ModerationControl::MuteCamera)
                    >
                        {tr!("video-mute-camera")}
                    </button>
                    <button
                        id=format!("send-lobby-{}", id.get_value())
                        type="button"
                        class="button button-secondary"
                        aria-describedby=name_id.clone()
                        disabled=move || busy.get()
                        on:click=move |_| run(ModerationControl::SendToLobby)
                    >
                        {tr!("video-send-to-lobby")}
                    </button>
                    <Show
                        when=removing
                        fallback=move || {
                            view! {
                                <button
                                    id=format!("remove-{}", id.get_value())
                                    type="button"
                                    class="button button-danger"
                                    aria-describedby=format!("person-{}-name", id.get_value())
                                    on:click=move |_| {
                                        confirm.set(Some(Confirm::Remove(id.get_value())))
                                    }
                                >
                                    {tr!("video-remove")}
                                </button>
                            }
                        }
                    >
                        <div
                            class="confirm"
                            role="group"
                            aria-labelledby=format!("confirm-remove-{}-text", id.get_value())
                        >
                            <p id=format!("confirm-remove-{}-text", id.get_value()) class="confirm-text">
                                {tr!("video-remove-confirm-text")}
                            </p>
                            <div class="button-row">
                                <button
                                    id=format!("confirm-remove-{}", id.get_value())
                                    type="button"
                                    class="button button-danger"
                                    disabled=move || busy.get()
                                    on:click=move |_| run(ModerationControl::Remove)
                                >
                                    {tr!("video-remove-confirm")}
                                </button>
                                <button
                                    id=format!("cancel-remove-{}", id.get_value())
                                    type="button"
                                    class="button button-secondary"
                                    on:click=move |_| confirm.set(None)
                                >
                                    {tr!("video-cancel")}
                                </button>
                            </div>
                        </div>
                    </Show>
                </div>
            }
        })
    };
    view! {
        <li class="person" id=format!("person-{pid}") class:speaking=move || state().is_some_and(|s| s.2)>
            <span id=name_id class="person-name">
                {person.name.clone()}
                {is_me.then(|| view! { " " {tr!("video-you")} })}
            </span>
            " "
            <span class="badge">{move || person.role.label().get()}</span>
            <span class="person-status">{status}</span>
            {controls}
        </li>
    }
}

//! Video sessions in both portals: the lobby (device check, statements,
//! waiting to be let in) and the room (tiles by `video-kit`, controls,
//! participants, chat, and the mediator's moderation).
//!
//! Everything runs on a *pass* (a bearer token naming the participant): the
//! client portal gets one from a device-bound join link, the admin portal from
//! `joinSessionAsMember`. [`VideoSession`] takes a pass through the lobby into
//! the room and back.

mod attendees;
mod caucus;
mod chat;
mod join;
mod live;
mod lobby;
mod ops;
mod room;

use std::time::Duration;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub use attendees::SessionAttendees;
pub use join::{JoinFailure, LINK_STORAGE_KEY, member_pass, redeem_link, take_join_link};
pub use live::{LiveEvent, VideoEventKind};
pub use lobby::Lobby;
pub use room::Room;

use crate::components::{Alert, AlertKind, Button, ButtonKind};
use crate::tr;

/// Whether a participant is in the lobby, in the room, or out (the schema's
/// `Admission`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Admission {
    None,
    Waiting,
    Admitted,
    Declined,
    Removed,
    /// A state added to the API after this portal was built.
    #[serde(other)]
    Other,
}

/// A participant's part in a session (the schema's `VideoRole`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VideoRole {
    Mediator,
    CoMediator,
    Party,
    Representative,
    Observer,
    /// A role added to the API after this portal was built.
    #[serde(other)]
    Other,
}

impl VideoRole {
    /// Mediators and co-mediators hold the room's controls.
    pub fn moderates(self) -> bool {
        matches!(self, VideoRole::Mediator | VideoRole::CoMediator)
    }

    /// The role's name in the current language.
    pub fn label(self) -> Signal<String> {
        match self {
            VideoRole::Mediator => Signal::derive(tr!("video-role-mediator")),
            VideoRole::CoMediator => Signal::derive(tr!("video-role-co-mediator")),
            VideoRole::Party => Signal::derive(tr!("video-role-party")),
            VideoRole::Representative => Signal::derive(tr!("video-role-representative")),
            VideoRole::Observer => Signal::derive(tr!("video-role-observer")),
            VideoRole::Other => Signal::derive(tr!("video-role-other")),
        }
    }
}

/// A side of a case (the schema's `CaseSide`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CaseSide {
    Claimant,
    Respondent,
}

/// Where a caucus room is in its life (the schema's `CaucusStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CaucusStatus {
    /// Made; people may be assigned; nobody is in it yet.
    Prepared,
    Open,
    Closed,
    /// A state added to the API after this portal was built.
    #[serde(other)]
    Other,
}

/// What a mediator can do to one participant (the schema's `ModerationControl`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ModerationControl {
    Admit,
    Decline,
    MuteMicrophone,
    MuteCamera,
    Remove,
    SendToLobby,
}

/// The camera and microphone chosen in the lobby (`None`: the browser's default).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Devices {
    pub camera: Option<String>,
    pub mic: Option<String>,
}

/// Why someone is no longer in the room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Left {
    /// They pressed Leave.
    ByChoice,
    /// The mediator sent them back to the waiting room.
    SentToLobby,
    /// The mediator removed them: the link (or pass) is dead.
    Removed,
    /// The mediator declined them.
    Declined,
    /// The session is over for everyone.
    Ended,
    /// The connection went and did not come back.
    Lost,
}

/// How often a page reads again without being told to: the live events say
/// when something changed; this only covers a socket that is down.
pub(crate) const SAFETY_READ: Duration = Duration::from_secs(15);

pub(crate) use crate::live::{ReadGate, every};

/// The translation key for a failure of the camera, microphone or call.
pub(crate) fn video_error_key(kind: video_kit::VideoErrorKind) -> &'static str {
    use video_kit::VideoErrorKind as Kind;
    match kind {
        Kind::PermissionDenied => "video-error-permission-denied",
        Kind::DeviceNotFound => "video-error-device-not-found",
        Kind::DeviceInUse => "video-error-device-in-use",
        Kind::NotAllowed => "video-error-not-allowed",
        Kind::ServerUnreachable => "video-error-server-unreachable",
        Kind::Timeout => "video-error-timeout",
        Kind::Unsupported => "video-error-unsupported",
        Kind::Failed => "video-error-failed",
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Stage {
    Lobby,
    Room(Devices),
    Over(Left),
}

/// A whole video session on `pass`: the lobby, then the room; back to the
/// waiting room when the mediator sends someone there; a kind word when it
/// is over.
#[component]
pub fn VideoSession(pass: String) -> impl IntoView {
    live::provide_live_events(pass.clone());
    let pass = StoredValue::new(pass);
    let stage = RwSignal::new(Stage::Lobby);
    let sent_back = RwSignal::new(false);
    let on_admitted = Callback::new(move |devices: Devices| {
        sent_back.set(false);
        stage.set(Stage::Room(devices));
    });
    let on_left = Callback::new(move |left: Left| {
        if left == Left::SentToLobby {
            sent_back.set(true);
            stage.set(Stage::Lobby);
        } else {
            stage.set(Stage::Over(left));
        }
    });
    move || match stage.get() {
        Stage::Lobby => view! {
            {move || {
                sent_back
                    .get()
                    .then(|| {
                        view! {
                            <Alert kind=AlertKind::Info id="video-sent-back">
                                <p>{tr!("video-sent-back")}</p>
                            </Alert>
                        }
                    })
            }}
            <Lobby pass=pass.get_value() on_admitted=on_admitted />
        }
        .into_any(),
        Stage::Room(devices) => {
            view! { <Room pass=pass.get_value() devices=devices on_left=on_left /> }.into_any()
        }
        Stage::Over(left) => {
            view! { <Outcome left=left rejoin=Callback::new(move |_| stage.set(Stage::Lobby)) /> }
                .into_any()
        }
    }
}

/// What happened, said plainly, with a way back in where there is one.
#[component]
fn Outcome(left: Left, rejoin: Callback<()>) -> impl IntoView {
    let text = match left {
        Left::ByChoice => Signal::derive(tr!("video-left")),
        Left::SentToLobby => Signal::derive(tr!("video-sent-back")),
        Left::Removed => Signal::derive(tr!("video-removed")),
        Left::Declined => Signal::derive(tr!("video-declined")),
        Left::Ended => Signal::derive(tr!("video-ended")),
        Left::Lost => Signal::derive(tr!("video-lost")),
    };
    let can_rejoin = matches!(left, Left::ByChoice | Left::Lost);
    view! {
        <section class="video-outcome" aria-labelledby="video-outcome-title">
            <h2 id="video-outcome-title">{tr!("video-outcome-title")}</h2>
            <div id="video-outcome" role="status">
                <p>{move || text.get()}</p>
            </div>
            {can_rejoin
                .then(|| {
                    view! {
                        <Button
                            id="video-rejoin"
                            kind=ButtonKind::Secondary
                            on_click=Callback::new(move |_| rejoin.run(()))
                        >
                            {tr!("video-rejoin")}
                        </Button>
                    }
                })}
        </section>
    }
}

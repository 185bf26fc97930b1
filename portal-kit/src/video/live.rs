//! The session's live events: one `videoEvents` subscription
//! ([`crate::live::follow`]) per video session, shared by the lobby, the room
//! and the chat through context. Events carry ids only; listeners read what
//! changed with the usual queries. Every (re)connection is announced as
//! [`LiveEvent::Connected`] so listeners read again what they may have missed.

use graphql_client::GraphQLQuery;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What happened in a session (the schema's `VideoEventKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VideoEventKind {
    LobbyChanged,
    Admitted,
    Declined,
    Removed,
    SentToLobby,
    Muted,
    Locked,
    Unlocked,
    Ended,
    Chat,
    Presence,
    Placed,
    CaucusChanged,
    CaucusEnding,
    CaucusTimeUp,
    CallMediator,
    /// A kind added to the API after this portal was built.
    #[serde(other)]
    Other,
}

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/video/events.graphql",
    extern_enums("VideoEventKind"),
    variables_derives = "Clone",
    response_derives = "Debug, Clone"
)]
pub struct VideoEvents;

/// One thing the subscription told us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveEvent {
    /// The socket is (again) open: read again what may have changed.
    Connected,
    /// Something happened, to `participant` where it names one.
    Session {
        kind: VideoEventKind,
        participant: Option<String>,
    },
}

type Listener = Box<dyn Fn(&LiveEvent)>;

/// The listeners of one session's events.
#[derive(Clone, Copy)]
struct LiveHub {
    listeners: StoredValue<Vec<(u64, Listener)>, LocalStorage>,
    next: StoredValue<u64>,
}

impl LiveHub {
    fn emit(self, event: &LiveEvent) {
        self.listeners.with_value(|all| {
            for (_, listener) in all {
                listener(event);
            }
        });
    }
}

/// Opens the subscription for `pass` for as long as the calling component
/// lives, and offers its events to the components below ([`on_live`]).
pub fn provide_live_events(pass: String) {
    let hub = LiveHub {
        listeners: StoredValue::new_local(Vec::new()),
        next: StoredValue::new(0),
    };
    provide_context(hub);
    crate::live::follow::<VideoEvents>(video_events::Variables { pass }, move |data| {
        let event = match data {
            None => LiveEvent::Connected,
            Some(data) => LiveEvent::Session {
                kind: data.video_events.kind,
                participant: data.video_events.participant_id,
            },
        };
        hub.emit(&event);
    });
}

/// Calls `listener` for every live event while the calling component lives.
/// Nothing happens outside a [`provide_live_events`].
pub fn on_live(listener: impl Fn(&LiveEvent) + 'static) {
    let Some(hub) = use_context::<LiveHub>() else {
        return;
    };
    let Some(id) = hub.next.try_update_value(|n| {
        *n += 1;
        *n
    }) else {
        return;
    };
    hub.listeners
        .update_value(|all| all.push((id, Box::new(listener))));
    on_cleanup(move || {
        hub.listeners
            .try_update_value(|all| all.retain(|(n, _)| *n != id));
    });
}

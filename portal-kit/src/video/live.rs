//! The session's live events: one graphql-transport-ws subscription
//! (`videoEvents` on `/graphql/ws`) per video session, shared by the lobby, the
//! room and the chat through context. Events carry ids only; listeners read
//! what changed with the usual queries.
//!
//! The socket comes back by itself after a drop (1 s, doubling to 15 s), and
//! every (re)connection is announced as [`LiveEvent::Connected`] so listeners
//! read again whatever they may have missed meanwhile.

use std::time::Duration;

use futures::StreamExt;
use futures::future::{AbortHandle, Abortable};
use graphql_client::GraphQLQuery;
use graphql_ws_client::graphql::StreamingOperation;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};
use ws_stream_wasm::WsMeta;

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
    let (abort, registration) = AbortHandle::new_pair();
    let task = Abortable::new(follow(pass, hub), registration);
    spawn_local(async move {
        let _ = task.await;
    });
    // Dropping the task closes the socket.
    on_cleanup(move || abort.abort());
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

/// Keeps a subscription open, reconnecting with a growing pause.
async fn follow(pass: String, hub: LiveHub) {
    let mut pause = Duration::from_secs(1);
    loop {
        if let Some(mut events) = subscribe(&pass).await {
            hub.emit(&LiveEvent::Connected);
            pause = Duration::from_secs(1);
            while let Some(Ok(response)) = events.next().await {
                if response.errors.is_some_and(|e| !e.is_empty()) {
                    break;
                }
                if let Some(data) = response.data {
                    let event = data.video_events;
                    hub.emit(&LiveEvent::Session {
                        kind: event.kind,
                        participant: event.participant_id,
                    });
                }
            }
        }
        futures_timer::Delay::new(pause).await;
        pause = (pause * 2).min(Duration::from_secs(15));
    }
}

async fn subscribe(
    pass: &str,
) -> Option<graphql_ws_client::Subscription<StreamingOperation<VideoEvents>>> {
    let url = socket_url()?;
    let socket = WsMeta::connect(url, Some(vec!["graphql-transport-ws"]))
        .await
        .ok()?;
    let connection = graphql_ws_client::ws_stream_wasm::Connection::new(socket).await;
    graphql_ws_client::Client::build(connection)
        .keep_alive_interval(Duration::from_secs(20))
        .subscribe(StreamingOperation::<VideoEvents>::new(
            video_events::Variables {
                pass: pass.to_owned(),
            },
        ))
        .await
        .ok()
}

/// `ws(s)://` this portal's host `/graphql/ws` (the API serves the portal).
fn socket_url() -> Option<String> {
    let location = web_sys::window()?.location();
    let scheme = if location.protocol().ok()? == "https:" {
        "wss"
    } else {
        "ws"
    };
    Some(format!("{scheme}://{}/graphql/ws", location.host().ok()?))
}

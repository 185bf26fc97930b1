//! GraphQL subscriptions (graphql-transport-ws on `/graphql/ws`, through
//! `graphql-ws-client` over `ws_stream_wasm`) that live as long as the
//! component that opens them.
//!
//! The socket comes back by itself after a drop (1 s, doubling to 15 s), and
//! every (re)connection is announced with `None`, so the page can read again
//! whatever it may have missed meanwhile. The session cookie rides along
//! (same origin).

use std::time::Duration;

use futures::StreamExt;
use futures::future::{AbortHandle, Abortable};
use graphql_client::GraphQLQuery;
use graphql_ws_client::graphql::StreamingOperation;
use leptos::prelude::*;
use leptos::task::spawn_local;
use ws_stream_wasm::WsMeta;

/// Subscribes to `Q` with `variables` while the calling component lives:
/// `on_event(Some(data))` for every event, `on_event(None)` whenever the
/// socket (re)opens. Dropping the component closes the socket.
pub fn follow<Q>(variables: Q::Variables, on_event: impl Fn(Option<Q::ResponseData>) + 'static)
where
    Q: GraphQLQuery + Unpin + Send + 'static,
    Q::Variables: Clone + Unpin + Send,
    Q::ResponseData: Unpin + Send,
{
    let (abort, registration) = AbortHandle::new_pair();
    let task = Abortable::new(keep_following::<Q>(variables, on_event), registration);
    spawn_local(async move {
        let _ = task.await;
    });
    on_cleanup(move || abort.abort());
}

async fn keep_following<Q>(variables: Q::Variables, on_event: impl Fn(Option<Q::ResponseData>))
where
    Q: GraphQLQuery + Unpin + Send + 'static,
    Q::Variables: Clone + Unpin + Send,
    Q::ResponseData: Unpin + Send,
{
    let mut pause = Duration::from_secs(1);
    loop {
        if let Some(mut events) = subscribe::<Q>(variables.clone()).await {
            on_event(None);
            pause = Duration::from_secs(1);
            while let Some(Ok(response)) = events.next().await {
                if response.errors.is_some_and(|e| !e.is_empty()) {
                    break;
                }
                if let Some(data) = response.data {
                    on_event(Some(data));
                }
            }
        }
        futures_timer::Delay::new(pause).await;
        pause = (pause * 2).min(Duration::from_secs(15));
    }
}

async fn subscribe<Q>(
    variables: Q::Variables,
) -> Option<graphql_ws_client::Subscription<StreamingOperation<Q>>>
where
    Q: GraphQLQuery + Unpin + Send + 'static,
    Q::Variables: Unpin + Send,
    Q::ResponseData: Unpin + Send,
{
    let socket = WsMeta::connect(socket_url()?, Some(vec!["graphql-transport-ws"]))
        .await
        .ok()?;
    let connection = graphql_ws_client::ws_stream_wasm::Connection::new(socket).await;
    graphql_ws_client::Client::build(connection)
        .keep_alive_interval(Duration::from_secs(20))
        .subscribe(StreamingOperation::<Q>::new(variables))
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

/// Calls `tick` every `period` while the calling component lives.
pub fn every(period: Duration, tick: impl Fn() + 'static) {
    if let Ok(handle) = set_interval_with_handle(tick, period) {
        on_cleanup(move || handle.clear());
    }
}

/// One read at a time, none lost: asking while a read runs makes that read
/// go once more when it is done.
#[derive(Clone, Copy)]
pub struct ReadGate(StoredValue<(bool, bool)>);

impl Default for ReadGate {
    fn default() -> Self {
        Self::new()
    }
}

impl ReadGate {
    pub fn new() -> Self {
        Self(StoredValue::new((false, false)))
    }

    /// Runs `fetch` and hands its result to `apply`, unless a read is under
    /// way (that one then goes once more); nothing is applied once the page
    /// is gone.
    pub fn read<T, Fut>(self, fetch: impl Fn() -> Fut + 'static, apply: impl Fn(T) + 'static)
    where
        T: 'static,
        Fut: Future<Output = T> + 'static,
    {
        if !self.begin() {
            return;
        }
        spawn_local(async move {
            loop {
                let value = fetch().await;
                let Some(again) = self.end() else {
                    return;
                };
                apply(value);
                if !again {
                    break;
                }
            }
        });
    }

    /// Whether to start a read now (false: one runs and will go again).
    fn begin(self) -> bool {
        self.0
            .try_update_value(|(running, again)| {
                if *running {
                    *again = true;
                    false
                } else {
                    *running = true;
                    true
                }
            })
            .unwrap_or(false)
    }

    /// A read is done: `Some(true)` to read again, `None` if the page is gone.
    fn end(self) -> Option<bool> {
        self.0.try_update_value(|(running, again)| {
            let more = *again;
            *again = false;
            *running = more;
            more
        })
    }
}

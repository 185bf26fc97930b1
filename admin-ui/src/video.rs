//! `/sessions/:id/video`: the mediator's video session, signed in: a pass
//! for the session, then the lobby and the room with the mediator's controls.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;
use portal_kit::prelude::*;
use portal_kit::video::{VideoSession, member_pass};

#[component]
pub fn VideoPage() -> impl IntoView {
    view! {
        <SignedIn let:_viewer>
            <VideoBody />
        </SignedIn>
    }
}

#[component]
fn VideoBody() -> impl IntoView {
    let api = use_api();
    let params = use_params_map();
    let pass = RwSignal::new(None::<String>);
    let failure = RwSignal::new(None::<ApiError>);
    let session_id = params.with_untracked(|p| p.get("id").unwrap_or_default());
    spawn_local(async move {
        match member_pass(api, session_id).await {
            Ok(granted) => {
                pass.try_set(Some(granted));
            }
            Err(refused) => {
                failure.try_set(Some(refused));
            }
        }
    });
    view! {
        <PageTitle id="page-title" text=tr!("video-admin-title") />
        {move || failure.get().map(|e| view! { <ErrorAlert error=e id="video-error" /> })}
        {move || match pass.get() {
            Some(granted) => view! { <VideoSession pass=granted /> }.into_any(),
            None if failure.with(Option::is_none) => view! { <Loading /> }.into_any(),
            None => ().into_any(),
        }}
    }
}

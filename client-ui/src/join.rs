//! `/join#<token>`: a party's video session from the join link they were sent.
//! The token leaves the address bar at once and stays in this tab's
//! `sessionStorage` (a reload works); this device's key proves the link was
//! opened here; then the lobby and the room.

use leptos::prelude::*;
use leptos::task::spawn_local;
use portal_kit::prelude::*;
use portal_kit::video::{JoinFailure, VideoSession, redeem_link, take_join_link};

#[component]
pub fn JoinPage() -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let link = take_join_link("/join");
    let has_link = link.is_some();
    let pass = RwSignal::new(None::<String>);
    let failure = RwSignal::new(None::<JoinFailure>);
    if let Some(link) = link {
        spawn_local(async move {
            match redeem_link(api, &link).await {
                Ok(granted) => {
                    pass.try_set(Some(granted));
                }
                Err(refused) => {
                    failure.try_set(Some(refused));
                }
            }
        });
    }
    view! {
        <PageTitle id="page-title" text=tr!("video-join-title") />
        {(!has_link)
            .then(|| {
                view! {
                    <Alert kind=AlertKind::Info id="join-no-link">
                        <p>{tr!("video-join-no-link")}</p>
                    </Alert>
                }
            })}
        {move || {
            failure
                .get()
                .map(|refused| {
                    let key = refused.message_key();
                    view! {
                        <Alert kind=AlertKind::Error id="join-error">
                            <p>{move || i18n.tr(&key)}</p>
                        </Alert>
                    }
                })
        }}
        {move || match pass.get() {
            Some(granted) => view! { <VideoSession pass=granted /> }.into_any(),
            None if has_link && failure.with(Option::is_none) => {
                view! {
                    <p class="loading" role="status" id="join-opening">
                        <span class="spinner" aria-hidden="true"></span>
                        {tr!("video-join-opening")}
                    </p>
                }
                    .into_any()
            }
            None => ().into_any(),
        }}
    }
}

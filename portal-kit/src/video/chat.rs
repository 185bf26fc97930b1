//! The room's chat: read every two seconds, sent with Enter.

use std::collections::BTreeMap;
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::every;
use super::ops::{SendVideoChat, VideoChat, send_video_chat, video_chat};
use crate::components::ErrorAlert;
use crate::gql::{ApiError, use_api};
use crate::i18n::use_i18n;
use crate::intl;
use crate::tr;

type Message = video_chat::VideoChatVideoChat;

/// The chat panel for `pass`; `names` maps participant ids to names.
#[component]
pub fn Chat(pass: StoredValue<String>, names: Memo<BTreeMap<String, String>>) -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let messages = RwSignal::new(Vec::<Message>::new());
    let draft = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let sending = RwSignal::new(false);
    let reading = StoredValue::new(false);

    let load = move || {
        if reading.get_value() {
            return;
        }
        reading.set_value(true);
        spawn_local(async move {
            let result = api
                .run::<VideoChat>(video_chat::Variables {
                    pass: pass.get_value(),
                })
                .await;
            if reading.try_update_value(|r| *r = false).is_none() {
                return;
            }
            if let Ok(data) = result
                && messages.with_untracked(|m| m != &data.video_chat)
            {
                messages.set(data.video_chat);
            }
        });
    };
    load();
    every(Duration::from_secs(2), load);

    let send = move || {
        let body = draft.get_untracked().trim().to_owned();
        if body.is_empty() || sending.get_untracked() {
            return;
        }
        sending.set(true);
        error.set(None);
        spawn_local(async move {
            let result = api
                .run::<SendVideoChat>(send_video_chat::Variables {
                    pass: pass.get_value(),
                    body,
                })
                .await;
            sending.try_set(false);
            match result {
                Ok(_) => {
                    draft.set(String::new());
                    load();
                }
                Err(failure) => error.set(Some(failure)),
            }
        });
    };

    let someone = tr!("video-chat-someone");
    let zone = intl::browser_time_zone().unwrap_or_else(|| "UTC".to_owned());
    view! {
        <section class="card video-chat" aria-labelledby="chat-title">
            <h2 id="chat-title" class="card-title">{tr!("video-chat")}</h2>
            <ol id="chat-log" class="chat-log" aria-live="polite" aria-labelledby="chat-title">
                {move || {
                    let names = names.get();
                    messages
                        .get()
                        .into_iter()
                        .map(|message| {
                            let name = names
                                .get(&message.participant_id)
                                .cloned()
                                .unwrap_or_else(&someone);
                            let at = intl::parse_date(&message.created_at)
                                .and_then(|date| {
                                    intl::format_time_in_zone(&date, &zone, i18n.locale())
                                })
                                .unwrap_or_default();
                            view! {
                                <li class="chat-message">
                                    <span class="chat-name">{name}</span>
                                    " "
                                    <time class="chat-time" datetime=message.created_at.clone()>
                                        {at}
                                    </time>
                                    <p class="chat-body">{message.body}</p>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ol>
            {move || error.get().map(|e| view! { <ErrorAlert error=e id="chat-error" /> })}
            <div class="field">
                <label for="chat-input">{tr!("video-chat-message")}</label>
                <textarea
                    id="chat-input"
                    name="chat-input"
                    rows="2"
                    maxlength="2000"
                    aria-describedby="chat-hint"
                    prop:value=move || draft.get()
                    on:input=move |event| draft.set(event_target_value(&event))
                    on:keydown=move |event| {
                        if event.key() == "Enter" && !event.shift_key() {
                            event.prevent_default();
                            send();
                        }
                    }
                ></textarea>
                <p id="chat-hint" class="field-hint">{tr!("video-chat-hint")}</p>
            </div>
            <button
                id="chat-send"
                type="button"
                class="button button-secondary"
                disabled=move || sending.get()
                on:click=move |_| send()
            >
                {tr!("video-chat-send")}
            </button>
        </section>
    }
}

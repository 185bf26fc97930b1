//! The room's chat: read again when the live events say so, sent with Enter.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::live::{LiveEvent, VideoEventKind, on_live};
use super::ops::{SendVideoChat, VideoChat, send_video_chat, video_chat};
use super::{ReadGate, SAFETY_READ, every};
use crate::components::{Checkbox, ErrorAlert};
use crate::gql::{ApiError, use_api};
use crate::i18n::use_i18n;
use crate::intl;
use crate::tr;

type Message = video_chat::VideoChatVideoChat;

/// The chat panel for `pass`; `names` maps participant ids to names, `scope`
/// says who reads it (the room we are in), and moderators may send to every
/// room.
#[component]
pub fn Chat(
    pass: StoredValue<String>,
    names: Memo<BTreeMap<String, String>>,
    scope: Signal<String>,
    moderator: Memo<bool>,
) -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let messages = RwSignal::new(Vec::<Message>::new());
    let draft = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let sending = RwSignal::new(false);
    let everywhere = RwSignal::new(false);
    let gate = ReadGate::new();

    let load = move || {
        gate.read(
            move || {
                api.run::<VideoChat>(video_chat::Variables {
                    pass: pass.get_value(),
                })
            },
            move |result| {
                if let Ok(data) = result
                    && messages.with_untracked(|m| m != &data.video_chat)
                {
                    messages.set(data.video_chat);
                }
            },
        );
    };
    load();
    // A message here, or a move to another room (whose chat this becomes).
    on_live(move |event| {
        if matches!(
            event,
            LiveEvent::Connected
                | LiveEvent::Session {
                    kind: VideoEventKind::Chat
                        | VideoEventKind::Placed
                        | VideoEventKind::CaucusChanged,
                    ..
                }
        ) {
            load();
        }
    });
    every(SAFETY_READ, load);

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
                    broadcast: everywhere.get_untracked() && moderator.get_untracked(),
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
            <p id="chat-scope" class="field-hint">{move || scope.get()}</p>
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
                                    {message
                                        .broadcast
                                        .then(|| {
                                            view! {
                                                " "
                                                <span class="badge">{tr!("video-chat-broadcast")}</span>
                                            }
                                        })}
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
            <Show when=move || moderator.get()>
                <Checkbox
                    id="chat-everywhere"
                    label=Signal::derive(tr!("video-chat-everywhere"))
                    checked=everywhere
                />
            </Show>
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

//! Who may come to a session, for the staff who book it: a new join link per
//! party, shown once with a copy button.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::ops::{
    IssueJoinLink, SessionAttendees as AttendeesQuery, issue_join_link, session_attendees,
};
use super::{Admission, VideoRole};
use crate::clipboard::CopyButton;
use crate::components::ErrorAlert;
use crate::gql::{ApiError, use_api};
use crate::i18n::use_i18n;
use crate::tr;

type Attendee = session_attendees::SessionAttendeesSessionAttendees;

/// The attendees of session `session_id`, with "New join link" for parties.
#[component]
pub fn SessionAttendees(session_id: String) -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let session_id = StoredValue::new(session_id);
    let people = RwSignal::new(None::<Vec<Attendee>>);
    let error = RwSignal::new(None::<ApiError>);
    let issued = RwSignal::new(None::<(String, String)>);
    let busy = RwSignal::new(false);
    let load = move || {
        spawn_local(async move {
            match api
                .run::<AttendeesQuery>(session_attendees::Variables {
                    session_id: session_id.get_value(),
                })
                .await
            {
                Ok(data) => {
                    people.try_set(Some(data.session_attendees));
                }
                // Those who may not book the case's sessions see no list.
                Err(_) => {
                    people.try_set(None);
                }
            }
        });
    };
    load();
    let issue = move |participant: String, name: String| {
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let result = api
                .run::<IssueJoinLink>(issue_join_link::Variables {
                    participant_id: participant,
                })
                .await;
            busy.try_set(false);
            match result {
                Ok(data) => {
                    issued.set(Some((name, data.issue_join_link.url)));
                    load();
                }
                Err(failure) => error.set(Some(failure)),
            }
        });
    };
    let sid = session_id.get_value();
    view! {
        <div class="attendees" id=format!("attendees-{sid}") hidden=move || people.with(Option::is_none)>
            <h4>{tr!("video-attendees")}</h4>
            {move || error.get().map(|e| view! { <ErrorAlert error=e /> })}
            <ul class="people-list">
                {move || {
                    people
                        .get()
                        .unwrap_or_default()
                        .into_iter()
                        .map(|person| {
                            let participant = person.participant_id.clone();
                            let name = person.name.clone();
                            let state = if person.admission == Admission::Removed {
                                i18n.tr("video-attendee-removed")
                            } else if person.link_bound {
                                i18n.tr("video-attendee-link-opened")
                            } else if person.has_link {
                                i18n.tr("video-attendee-link-sent")
                            } else {
                                String::new()
                            };
                            let can_link = matches!(
                                person.role,
                                VideoRole::Party | VideoRole::Representative | VideoRole::Observer
                            );
                            view! {
                                <li class="person">
                                    <span class="person-name">{person.name.clone()}</span>
                                    " "
                                    <span class="badge">{move || person.role.label().get()}</span>
                                    " "
                                    <span class="person-status">{state}</span>
                                    {can_link
                                        .then(|| {
                                            view! {
                                                <button
                                                    type="button"
                                                    class="button button-secondary"
                                                    id=format!("new-link-{participant}")
                                                    disabled=move || busy.get()
                                                    on:click=move |_| issue(participant.clone(), name.clone())
                                                >
                                                    {tr!("video-new-link")}
                                                </button>
                                            }
                                        })}
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
            {move || {
                issued
                    .get()
                    .map(|(name, url)| {
                        view! {
                            <div class="join-link" role="status">
                                <p>{tr!("video-link-shown-once", name = name)}</p>
                                <input
                                    id="join-link-url"
                                    class="join-link-url"
                                    readonly=true
                                    aria-label=tr!("video-link-label")
                                    prop:value=url.clone()
                                />
                                <CopyButton
                                    id="join-link-copy"
                                    label=Signal::derive(tr!("video-link-copy"))
                                    text=url
                                    describes="join-link-url"
                                />
                            </div>
                        }
                    })
            }}
        </div>
    }
}

//! `/meeting-rooms`: the organization's meeting rooms, for sessions with
//! someone on site. Org admins add, rename and retire them; case managers
//! see the list (they put sessions in rooms from the case page).

use graphql_client::GraphQLQuery;
use leptos::prelude::*;
use leptos::task::spawn_local;
use portal_kit::forms::whole_number_in;
use portal_kit::gql::{DateTime, Failure};
use portal_kit::prelude::*;

use crate::StaffPage;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/meeting_rooms.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct MeetingRooms;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/meeting_rooms.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct AddMeetingRoom;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/meeting_rooms.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct UpdateMeetingRoom;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/meeting_rooms.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct SetMeetingRoomRetired;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/meeting_rooms.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct SetSessionMeetingRoom;

type Room = meeting_rooms::MeetingRoomsMeetingRooms;

#[component]
pub fn MeetingRoomsPage() -> impl IntoView {
    view! {
        <StaffPage let:viewer>
            {if viewer.has(RoleKey::OrgAdmin) || viewer.has(RoleKey::CaseManager) {
                view! { <RoomsBody manages=viewer.has(RoleKey::OrgAdmin) /> }.into_any()
            } else {
                view! {
                    <PageTitle id="page-title" text=tr!("rooms-title") />
                    <ErrorAlert error=ApiError::Code(shared_types::ErrorCode::Forbidden) id="rooms-error" />
                }
                    .into_any()
            }}
        </StaffPage>
    }
}

/// The form's text, checked in the browser the way the API checks it.
#[derive(Clone, Copy)]
struct RoomForm {
    name: RwSignal<String>,
    location: RwSignal<String>,
    capacity: RwSignal<String>,
    /// A problem per field: `name`, `location`, `capacity`.
    problems: RwSignal<Vec<(&'static str, String)>>,
}

impl RoomForm {
    fn new() -> Self {
        Self {
            name: RwSignal::new(String::new()),
            location: RwSignal::new(String::new()),
            capacity: RwSignal::new(String::new()),
            problems: RwSignal::new(Vec::new()),
        }
    }

    fn fill(&self, room: &Room) {
        self.name.set(room.name.clone());
        self.location.set(room.location.clone());
        self.capacity
            .set(room.capacity.map(|c| c.to_string()).unwrap_or_default());
        self.problems.set(Vec::new());
    }

    fn clear(&self) {
        self.name.set(String::new());
        self.location.set(String::new());
        self.capacity.set(String::new());
        self.problems.set(Vec::new());
    }

    fn problem(self, field: &'static str) -> Signal<Option<String>> {
        Signal::derive(move || {
            self.problems
                .with(|p| p.iter().find(|(f, _)| *f == field).map(|(_, m)| m.clone()))
        })
    }

    /// The input to send, or the problems shown on the fields.
    fn input(&self) -> Option<(String, String, Option<i64>)> {
        let name = self.name.get_untracked().trim().to_owned();
        let location = self.location.get_untracked().trim().to_owned();
        let mut found = Vec::new();
        if name.is_empty() {
            found.push(("name", tr!("rooms-name-missing")()));
        } else if name.chars().count() > 80 {
            found.push(("name", tr!("rooms-name-too-long")()));
        }
        if location.chars().count() > 200 {
            found.push(("location", tr!("rooms-location-too-long")()));
        }
        let capacity = match whole_number_in(&self.capacity.get_untracked(), 1..=500) {
            Ok(n) => n,
            Err(_) => {
                found.push(("capacity", tr!("rooms-capacity-range")()));
                None
            }
        };
        let ok = found.is_empty();
        self.problems.set(found);
        ok.then_some((name, location, capacity))
    }

    /// Shows a refusal on its field when the API named one.
    fn refused(&self, failure: &Failure) -> bool {
        let message = match (failure.field.as_deref(), failure.reason.as_deref()) {
            (Some("name"), Some("taken")) => ("name", tr!("rooms-name-taken")()),
            (Some("name"), _) => ("name", tr!("rooms-name-missing")()),
            (Some("location"), _) => ("location", tr!("rooms-location-too-long")()),
            (Some("capacity"), _) => ("capacity", tr!("rooms-capacity-range")()),
            _ => return false,
        };
        self.problems.set(vec![message]);
        true
    }
}

#[component]
fn RoomsBody(manages: bool) -> impl IntoView {
    let api = use_api();
    let session = use_session();
    let rooms = RwSignal::new(Vec::<Room>::new());
    let loaded = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let notice = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let add = RoomForm::new();
    let edit = RoomForm::new();
    let editing = RwSignal::new(None::<Room>);

    let load = move || {
        spawn_local(async move {
            match api
                .run::<MeetingRooms>(meeting_rooms::Variables {
                    include_retired: Some(manages),
                })
                .await
            {
                Ok(data) => {
                    rooms.set(data.meeting_rooms);
                    loaded.set(true);
                }
                Err(failure) => {
                    session.notice(failure);
                    error.set(Some(failure));
                }
            }
        });
    };
    load();

    // Runs a change, then reloads the list and says what happened.
    let finish = move |result: Result<(), Failure>, form: Option<RoomForm>, done: String| {
        busy.set(false);
        match result {
            Ok(()) => {
                notice.set(Some(done));
                load();
            }
            Err(failure) => {
                let on_field = form.is_some_and(|f| f.refused(&failure));
                if !on_field {
                    error.set(Some(failure.error));
                }
            }
        }
    };
    let on_add = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        error.set(None);
        notice.set(None);
        let Some((name, location, capacity)) = add.input() else {
            return;
        };
        busy.set(true);
        spawn_local(async move {
            let result = api
                .run_detailed::<AddMeetingRoom>(add_meeting_room::Variables {
                    input: add_meeting_room::MeetingRoomInput {
                        name,
                        location: Some(location),
                        capacity,
                    },
                })
                .await
                .map(|_| ());
            if result.is_ok() {
                add.clear();
            }
            finish(result, Some(add), tr!("rooms-added")());
        });
    };
    let on_save = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        error.set(None);
        notice.set(None);
        let Some(room) = editing.get_untracked() else {
            return;
        };
        let Some((name, location, capacity)) = edit.input() else {
            return;
        };
        busy.set(true);
        spawn_local(async move {
            let result = api
                .run_detailed::<UpdateMeetingRoom>(update_meeting_room::Variables {
                    room_id: room.id,
                    input: update_meeting_room::MeetingRoomInput {
                        name,
                        location: Some(location),
                        capacity,
                    },
                })
                .await
                .map(|_| ());
            if result.is_ok() {
                editing.set(None);
            }
            finish(result, Some(edit), tr!("rooms-saved")());
        });
    };
    let retire = Callback::new(move |(room_id, retired): (String, bool)| {
        error.set(None);
        notice.set(None);
        busy.set(true);
        spawn_local(async move {
            let result = api
                .run_detailed::<SetMeetingRoomRetired>(set_meeting_room_retired::Variables {
                    room_id,
                    retired,
                })
                .await
                .map(|_| ());
            let done = if retired {
                tr!("rooms-retired-done")()
            } else {
                tr!("rooms-restored-done")()
            };
            finish(result, None, done);
        });
    });
    let start_edit = Callback::new(move |room: Room| {
        edit.fill(&room);
        editing.set(Some(room));
    });

    let mut columns = vec![
        Signal::derive(tr!("rooms-column-name")),
        Signal::derive(tr!("rooms-column-location")),
        Signal::derive(tr!("rooms-column-capacity")),
        Signal::derive(tr!("rooms-column-status")),
    ];
    if manages {
        columns.push(Signal::derive(tr!("rooms-column-action")));
    }
    view! {
        <PageTitle id="page-title" text=tr!("rooms-title") />
        <p class="lead">{tr!("rooms-intro")}</p>
        {move || error.get().map(|error| view! { <ErrorAlert error=error id="rooms-error" /> })}
        {move || notice.get().map(|text| view! { <Alert id="rooms-notice">{text}</Alert> })}
        <Show when=move || loaded.get() fallback=move || view! { <Loading /> }>
            <DataTable id="rooms-table" caption=tr!("rooms-caption") columns=columns.clone()>
                <For each=move || rooms.get() key=|room| (room.id.clone(), room.name.clone(), room.location.clone(), room.capacity, room.retired_at.clone()) let:room>
                    <RoomRow room=room manages=manages busy=busy on_edit=start_edit on_retire=retire />
                </For>
            </DataTable>
            <Show when=move || rooms.with(Vec::is_empty)>
                <p class="empty" id="rooms-empty">{tr!("rooms-empty")}</p>
            </Show>
        </Show>
        {move || editing.get().map(|room| {
            view! {
                <Card id="room-edit" title=tr!("rooms-edit-title", name = room.name.clone())>
                    <form class="form" id="room-edit-form" on:submit=on_save novalidate=true>
                        <RoomFields form=edit prefix="room-edit" />
                        <div class="button-row">
                            <Button id="room-edit-save" button_type="submit" busy=busy>{tr!("rooms-save")}</Button>
                            <Button id="room-edit-cancel" kind=ButtonKind::Secondary on_click=Callback::new(move |_| editing.set(None))>
                                {tr!("rooms-cancel")}
                            </Button>
                        </div>
                    </form>
                </Card>
            }
        })}
        {manages.then(|| {
            view! {
                <Card id="room-add" title=tr!("rooms-add-title")>
                    <form class="form" id="room-add-form" on:submit=on_add novalidate=true>
                        <RoomFields form=add prefix="room-add" />
                        <Button id="room-add-submit" button_type="submit" busy=busy>{tr!("rooms-add")}</Button>
                    </form>
                </Card>
            }
        })}
    }
}

#[component]
fn RoomFields(form: RoomForm, prefix: &'static str) -> impl IntoView {
    let problem = move |field: &'static str| form.problem(field);
    // Ids are fixed per form: the add form and the edit form differ by prefix.
    let (name_id, location_id, capacity_id) = match prefix {
        "room-edit" => ("room-edit-name", "room-edit-location", "room-edit-capacity"),
        _ => ("room-add-name", "room-add-location", "room-add-capacity"),
    };
    view! {
        <TextField id=name_id label=tr!("rooms-name") value=form.name required=true error=problem("name") />
        <TextField id=location_id label=tr!("rooms-location") value=form.location error=problem("location") />
        <TextField id=capacity_id label=tr!("rooms-capacity") value=form.capacity inputmode="numeric" error=problem("capacity") />
    }
}

#[component]
fn RoomRow(
    room: Room,
    manages: bool,
    busy: RwSignal<bool>,
    on_edit: Callback<Room>,
    on_retire: Callback<(String, bool)>,
) -> impl IntoView {
    let name_id = format!("room-{}", room.id);
    let retired = room.retired_at.is_some();
    let status = if retired {
        tr!("rooms-status-retired")()
    } else {
        tr!("rooms-status-active")()
    };
    let capacity = room
        .capacity
        .map_or_else(|| "—".to_owned(), |c| c.to_string());
    let location = if room.location.is_empty() {
        "—".to_owned()
    } else {
        room.location.clone()
    };
    let actions = manages.then(|| {
        let for_edit = room.clone();
        let id = room.id.clone();
        view! {
            <td data-label=tr!("rooms-column-action")>
                <div class="button-row">
                    <Button
                        id=format!("room-edit-{}", room.id)
                        kind=ButtonKind::Secondary
                        aria_describedby=name_id.clone()
                        on_click=Callback::new(move |_| on_edit.run(for_edit.clone()))
                    >
                        {tr!("rooms-edit")}
                    </Button>
                    <Button
                        id=format!("room-retire-{}", room.id)
                        kind=ButtonKind::Secondary
                        aria_describedby=name_id.clone()
                        busy=busy
                        on_click=Callback::new(move |_| on_retire.run((id.clone(), !retired)))
                    >
                        {if retired { tr!("rooms-restore")() } else { tr!("rooms-retire")() }}
                    </Button>
                </div>
            </td>
        }
    });
    view! {
        <tr class:retired=retired>
            <th scope="row" id=name_id.clone()>{room.name.clone()}</th>
            <td data-label=tr!("rooms-column-location")>{location}</td>
            <td data-label=tr!("rooms-column-capacity")>{capacity}</td>
            <td data-label=tr!("rooms-column-status")>{status}</td>
            {actions}
        </tr>
    }
}

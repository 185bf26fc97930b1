//! `/people`: everyone holding a role in the organization.

use graphql_client::GraphQLQuery;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use portal_kit::prelude::*;

use crate::StaffPage;
use crate::invitations::InvitationsSection;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/members.graphql",
    extern_enums("RoleKey"),
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct Members;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/set_member_roles.graphql",
    extern_enums("RoleKey"),
    response_derives = "Debug, Clone"
)]
pub struct SetMemberRoles;

type Member = members::MembersMembersEdgesNode;

const PAGE_SIZE: i64 = 25;

#[component]
pub fn People() -> impl IntoView {
    view! {
        <StaffPage let:viewer>
            <PeopleBody viewer=viewer />
        </StaffPage>
    }
}

#[component]
fn PeopleBody(viewer: Viewer) -> impl IntoView {
    let may_change_roles = viewer.has(RoleKey::OrgAdmin);
    let own_id = viewer.user.id.clone();
    let api = use_api();
    let session = use_session();
    let rows = RwSignal::new(Vec::<Member>::new());
    let next = RwSignal::new(None::<String>);
    let loaded = RwSignal::new(false);
    let loading = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);

    let load = move || {
        let after = next.get_untracked();
        loading.set(true);
        error.set(None);
        spawn_local(async move {
            let variables = members::Variables {
                first: PAGE_SIZE,
                after,
            };
            match api.run::<Members>(variables).await {
                Ok(data) => {
                    let page = data.members;
                    rows.update(|rows| rows.extend(page.edges.into_iter().map(|edge| edge.node)));
                    next.set(
                        page.page_info
                            .end_cursor
                            .filter(|_| page.page_info.has_next_page),
                    );
                    loaded.set(true);
                }
                Err(failure) => {
                    session.notice(failure);
                    error.set(Some(failure));
                }
            }
            loading.set(false);
        });
    };
    load();

    let columns = vec![
        Signal::derive(tr!("column-name")),
        Signal::derive(tr!("column-email")),
        Signal::derive(tr!("column-roles")),
        Signal::derive(tr!("column-timezone")),
    ];

    view! {
        <PageTitle id="page-title" text=tr!("admin-people-title") />
        <InvitationsSection viewer=viewer />
        <h2 id="members-title" class="section-title">
            {tr!("admin-members-title")}
        </h2>
        {move || error.get().map(|error| view! { <ErrorAlert error=error /> })}
        <Show when=move || loaded.get() fallback=move || view! { <Loading /> }>
            <DataTable id="members-table" caption=tr!("admin-people-caption") columns=columns.clone()>
                // Keyed by roles too, so a role change redraws the row.
                <For each=move || rows.get() key=|member| (member.id.clone(), member.roles.clone()) let:member>
                    <MemberRow member=member />
                </For>
            </DataTable>
            <Show when=move || rows.with(Vec::is_empty)>
                <p class="empty">{tr!("admin-people-empty")}</p>
            </Show>
            <Show when=move || next.with(Option::is_some)>
                <Button
                    id="more-people"
                    kind=ButtonKind::Secondary
                    busy=loading
                    on_click=Callback::new(move |_| load())
                >
                    {tr!("admin-people-more")}
                </Button>
            </Show>
            {may_change_roles
                .then(|| view! { <ChangeRoles rows=rows own_id=own_id.clone() /> })}
        </Show>
    }
}

/// Org admins give and take roles: pick a person, tick their roles, save.
/// The person's sessions here end, so the change applies at once.
#[component]
fn ChangeRoles(rows: RwSignal<Vec<Member>>, own_id: String) -> impl IntoView {
    let api = use_api();
    let session = use_session();
    let chosen = RwSignal::new(String::new());
    let roles = RwSignal::new(Vec::<String>::new());
    let none_ticked = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let saved = RwSignal::new(false);
    let choose_label = tr!("admin-roles-choose");
    let people = Signal::derive(move || {
        let mut options = vec![(String::new(), choose_label())];
        options.extend(
            rows.get()
                .into_iter()
                .filter(|member| member.id != own_id)
                .map(|member| (member.id, format!("{} — {}", member.name, member.email))),
        );
        options
    });
    // Choosing a person ticks the roles they hold.
    Effect::new(move || {
        let id = chosen.get();
        let held = rows.with_untracked(|rows| {
            rows.iter()
                .find(|member| member.id == id)
                .map(|member| {
                    member
                        .roles
                        .iter()
                        .map(|role| role.wire().to_owned())
                        .collect()
                })
                .unwrap_or_default()
        });
        roles.set(held);
        saved.set(false);
        error.set(None);
    });
    let save = Action::new_local(move |(user_id, picked): &(String, Vec<RoleKey>)| {
        let (user_id, picked) = (user_id.clone(), picked.clone());
        async move {
            match api
                .run::<SetMemberRoles>(set_member_roles::Variables {
                    user_id: user_id.clone(),
                    roles: picked,
                })
                .await
            {
                Ok(data) => {
                    rows.update(|rows| {
                        if let Some(member) = rows.iter_mut().find(|m| m.id == user_id) {
                            member.roles = data.set_member_roles;
                        }
                    });
                    saved.set(true);
                }
                Err(failure) => {
                    session.notice(failure);
                    error.set(Some(failure));
                }
            }
        }
    });
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        saved.set(false);
        error.set(None);
        let user_id = chosen.get_untracked();
        let picked: Vec<RoleKey> = roles
            .get_untracked()
            .iter()
            .filter_map(|value| RoleKey::from_wire(value))
            .collect();
        none_ticked.set(picked.is_empty());
        if !user_id.is_empty() && !picked.is_empty() {
            save.dispatch_local((user_id, picked));
        }
    };
    let none_message = tr!("admin-roles-none");
    let roles_error = Signal::derive(move || none_ticked.get().then(&none_message));
    let options = Signal::derive(RoleKey::assignable_options);
    let working = tr!("admin-roles-saving");
    let label = tr!("admin-roles-save");
    view! {
        <Card id="change-roles" title=tr!("admin-roles-title")>
            <p>{tr!("admin-roles-intro")}</p>
            {move || error.get().map(|error| view! { <ErrorAlert error=error id="roles-error" /> })}
            {move || {
                saved
                    .get()
                    .then(|| {
                        view! {
                            <Alert kind=AlertKind::Info id="roles-saved">
                                <p>{tr!("admin-roles-saved")}</p>
                            </Alert>
                        }
                    })
            }}
            <form class="form form-plain" on:submit=on_submit novalidate=true>
                <SelectField id="roles-person" label=tr!("admin-roles-person") value=chosen options=people />
                <Show when=move || !chosen.with(String::is_empty)>
                    <CheckboxGroup
                        id="roles-held"
                        legend=tr!("admin-roles-held")
                        options=options
                        selected=roles
                        error=roles_error
                    />
                    <Button id="save-roles" button_type="submit" busy=save.pending()>
                        {move || if save.pending().get() { working() } else { label() }}
                    </Button>
                </Show>
            </form>
        </Card>
    }
}

#[component]
fn MemberRow(member: Member) -> impl IntoView {
    let labels: Vec<_> = member.roles.iter().map(|role| role.label()).collect();
    let roles = move || {
        labels
            .iter()
            .map(|label| label.get())
            .collect::<Vec<_>>()
            .join(", ")
    };
    // `data-label` names each cell when the table is stacked on a phone.
    view! {
        <tr>
            <th scope="row">{member.name}</th>
            <td data-label=tr!("column-email")>{member.email}</td>
            <td data-label=tr!("column-roles")>{roles}</td>
            <td data-label=tr!("column-timezone")>{member.timezone}</td>
        </tr>
    }
}

//! `/people`: everyone holding a role in the organization.

use graphql_client::GraphQLQuery;
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
                <For each=move || rows.get() key=|member| member.id.clone() let:member>
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
        </Show>
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

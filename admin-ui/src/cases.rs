//! `/cases`: the triage queue of new intakes (oldest first, with their
//! target and possible duplicates) and the searchable list of every case.

use graphql_client::GraphQLQuery;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use portal_kit::cases::{CaseStatus, SlaBadge, SlaState, dispute_type_label, status_label};
use portal_kit::gql::DateTime;
use portal_kit::prelude::*;

use crate::StaffPage;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/cases.graphql",
    extern_enums("CaseStatus", "SlaState"),
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct TriageQueue;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/cases.graphql",
    extern_enums("CaseStatus", "SlaState"),
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct CaseList;

type Waiting = triage_queue::TriageQueueTriageQueueNodes;
type Listed = case_list::CaseListCasesNodes;

const PAGE_SIZE: i64 = 25;

#[component]
pub fn Cases() -> impl IntoView {
    view! {
        <StaffPage let:viewer>
            {if viewer.has(RoleKey::OrgAdmin) || viewer.has(RoleKey::CaseManager) {
                view! {
                    <PageTitle id="page-title" text=tr!("admin-cases-title") />
                    <TriageSection />
                    <AllCases />
                }
                    .into_any()
            } else {
                view! {
                    <PageTitle id="page-title" text=tr!("admin-cases-title") />
                    <AllCases />
                }
                    .into_any()
            }}
        </StaffPage>
    }
}

#[component]
fn TriageSection() -> impl IntoView {
    let api = use_api();
    let session = use_session();
    let i18n = use_i18n();
    let loaded = LocalResource::new(move || async move {
        let result = api.run::<TriageQueue>(triage_queue::Variables).await;
        if let Err(error) = result {
            session.notice(error);
        }
        result
    });
    let columns = vec![
        Signal::derive(tr!("column-reference")),
        Signal::derive(tr!("column-case")),
        Signal::derive(tr!("column-dispute-type")),
        Signal::derive(tr!("column-filed")),
        Signal::derive(tr!("column-review-target")),
        Signal::derive(tr!("column-duplicates")),
    ];
    view! {
        <h2 id="triage-title" class="section-title">{tr!("admin-triage-title")}</h2>
        <p class="hint">{tr!("admin-triage-intro")}</p>
        <Suspense fallback=move || view! { <Loading /> }>
            {move || {
                loaded
                    .get()
                    .map(|result| match result {
                        Err(error) => view! { <ErrorAlert error=error id="triage-error" /> }.into_any(),
                        Ok(data) if data.triage_queue.nodes.is_empty() => {
                            view! { <p id="triage-empty" class="empty">{tr!("admin-triage-empty")}</p> }
                                .into_any()
                        }
                        Ok(data) => {
                            let rows = data.triage_queue.nodes;
                            view! {
                                <DataTable id="triage-table" caption=tr!("admin-triage-caption") columns=columns.clone()>
                                    {rows
                                        .into_iter()
                                        .map(|case| view! { <TriageRow case=case locale=i18n.locale() /> })
                                        .collect_view()}
                                </DataTable>
                            }
                                .into_any()
                        }
                    })
            }}
        </Suspense>
    }
}

#[component]
fn TriageRow(case: Waiting, locale: shared_types::Locale) -> impl IntoView {
    let filed = intl::format_date(&case.opened_at, locale).unwrap_or_default();
    let duplicates: Vec<String> = case
        .possible_duplicates
        .iter()
        .map(|d| d.reference.clone())
        .collect();
    let sla = case.sla.map(|s| (s.state, s.due_at));
    view! {
        <tr>
            <th scope="row">
                <a href=format!("/cases/{}", case.id)><code>{case.reference}</code></a>
            </th>
            <td data-label=tr!("column-case")>{case.title}</td>
            <td data-label=tr!("column-dispute-type")>{dispute_type_label(&case.dispute_type)}</td>
            <td data-label=tr!("column-filed")><time datetime=case.opened_at.clone()>{filed}</time></td>
            <td data-label=tr!("column-review-target")>
                {sla.map(|(state, due_at)| view! { <SlaBadge state=state due_at=due_at /> })}
            </td>
            <td data-label=tr!("column-duplicates")>
                {if duplicates.is_empty() {
                    view! { <span>{tr!("admin-triage-no-duplicates")}</span> }.into_any()
                } else {
                    view! { <span class="badge">{duplicates.join(", ")}</span> }.into_any()
                }}
            </td>
        </tr>
    }
}

#[component]
fn AllCases() -> impl IntoView {
    let api = use_api();
    let session = use_session();
    let i18n = use_i18n();
    let rows = RwSignal::new(Vec::<Listed>::new());
    let next = RwSignal::new(None::<String>);
    let loaded = RwSignal::new(false);
    let loading = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let search = RwSignal::new(String::new());

    let load = move |fresh: bool| {
        let after = if fresh { None } else { next.get_untracked() };
        let text = search.get_untracked();
        loading.set(true);
        error.set(None);
        spawn_local(async move {
            let variables = case_list::Variables {
                first: Some(PAGE_SIZE),
                after,
                filter: Some(case_list::CaseFilterInput {
                    statuses: Vec::new(),
                    dispute_type: None,
                    search: (!text.trim().is_empty()).then(|| text.trim().to_owned()),
                    managed_by_me: false,
                }),
            };
            match api.run::<CaseList>(variables).await {
                Ok(data) => {
                    let page = data.cases;
                    rows.update(|rows| {
                        if fresh {
                            rows.clear();
                        }
                        rows.extend(page.nodes);
                    });
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
    load(true);
    let on_search = move |event: SubmitEvent| {
        event.prevent_default();
        load(true);
    };
    let columns = vec![
        Signal::derive(tr!("column-reference")),
        Signal::derive(tr!("column-case")),
        Signal::derive(tr!("column-dispute-type")),
        Signal::derive(tr!("column-case-stage")),
        Signal::derive(tr!("column-opened")),
    ];
    view! {
        <h2 id="cases-title" class="section-title">{tr!("admin-cases-all-title")}</h2>
        <form class="filters" on:submit=on_search role="search">
            <TextField id="case-search" label=tr!("admin-cases-search") value=search described_by="case-search-hint" />
            <p id="case-search-hint" class="hint">{tr!("admin-cases-search-hint")}</p>
            <Button id="case-search-submit" kind=ButtonKind::Secondary busy=loading button_type="submit">
                {tr!("admin-cases-search-submit")}
            </Button>
        </form>
        {move || error.get().map(|error| view! { <ErrorAlert error=error /> })}
        <Show when=move || loaded.get() fallback=move || view! { <Loading /> }>
            <DataTable id="cases-table" caption=tr!("admin-cases-caption") columns=columns.clone()>
                <For each=move || rows.get() key=|case| (case.id.clone(), case.status) let:case>
                    <tr>
                        <th scope="row">
                            <a href=format!("/cases/{}", case.id)><code>{case.reference.clone()}</code></a>
                        </th>
                        <td data-label=tr!("column-case")>{case.title.clone()}</td>
                        <td data-label=tr!("column-dispute-type")>{dispute_type_label(&case.dispute_type)}</td>
                        <td data-label=tr!("column-case-stage")>{status_label(case.status)}</td>
                        <td data-label=tr!("column-opened")>
                            <time datetime=case.opened_at.clone()>
                                {intl::format_date(&case.opened_at, i18n.locale()).unwrap_or_default()}
                            </time>
                        </td>
                    </tr>
                </For>
            </DataTable>
            <Show when=move || rows.with(Vec::is_empty)>
                <p id="cases-empty" class="empty">{tr!("admin-cases-empty")}</p>
            </Show>
            <Show when=move || next.with(Option::is_some)>
                <Button id="more-cases" kind=ButtonKind::Secondary busy=loading on_click=Callback::new(move |_| load(false))>
                    {tr!("admin-cases-more")}
                </Button>
            </Show>
        </Show>
    }
}

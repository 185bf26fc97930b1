//! `/templates` (org admins): the intake templates of the organization's
//! dispute types, and `/templates/:type`, the editor that publishes a new
//! version of one. Cases and intakes already begun keep the version they
//! began under.

mod editor;
mod model;

use graphql_client::GraphQLQuery;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use portal_kit::cases::dispute_type_label;
use portal_kit::prelude::*;

pub use editor::TemplateEditorPage;

use crate::StaffPage;

#[allow(clippy::upper_case_acronyms)]
type JSON = serde_json::Value;
type DateTime = String;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/templates.graphql",
    response_derives = "Debug, Clone"
)]
pub struct IntakeTemplates;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/templates.graphql",
    response_derives = "Debug, Clone"
)]
pub struct IntakeTemplateVersions;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/templates.graphql",
    variables_derives = "Clone",
    response_derives = "Debug, Clone"
)]
pub struct PublishIntakeTemplate;

/// Only org admins write templates; others are told so.
#[component]
fn AdminsOnly(children: ChildrenFn) -> impl IntoView {
    let children = StoredValue::new(children);
    view! {
        <StaffPage let:viewer>
            {if viewer.has(RoleKey::OrgAdmin) {
                children.with_value(|c| c()).into_any()
            } else {
                view! {
                    <PageTitle id="page-title" text=tr!("templates-title") />
                    <ErrorAlert error=ApiError::Code(shared_types::ErrorCode::Forbidden) />
                }
                    .into_any()
            }}
        </StaffPage>
    }
}

#[component]
pub fn TemplatesPage() -> impl IntoView {
    view! {
        <AdminsOnly>
            <TemplateList />
        </AdminsOnly>
    }
}

#[component]
fn TemplateList() -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let loaded = LocalResource::new(move || async move {
        api.run::<IntakeTemplates>(intake_templates::Variables)
            .await
    });
    let columns = vec![
        Signal::derive(tr!("templates-column-type")),
        Signal::derive(tr!("templates-column-name")),
        Signal::derive(tr!("templates-column-version")),
        Signal::derive(tr!("templates-column-published")),
        Signal::derive(tr!("templates-column-actions")),
    ];
    let new_name = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let navigate = use_navigate();
    let on_add = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let name = new_name.get_untracked().trim().to_owned();
        let mut taken = std::collections::BTreeSet::new();
        if let Some(Ok(data)) = loaded.get_untracked() {
            taken.extend(data.intake_templates.iter().map(|t| t.dispute_type.clone()));
        }
        let key = model::key_from(&name, "", &mut taken);
        if name.is_empty() || key.len() < 2 || name.chars().count() > 120 {
            problem.set(Some(tr!("templates-new-name-missing")()));
            return;
        }
        problem.set(None);
        let query = js_sys::encode_uri_component(&name);
        navigate(
            &format!("/templates/{key}?name={query}"),
            Default::default(),
        );
    };
    view! {
        <PageTitle id="page-title" text=tr!("templates-title") />
        <p class="lead">{tr!("templates-intro")}</p>
        <Suspense fallback=move || view! { <Loading /> }>
            {move || {
                loaded
                    .get()
                    .map(|result| match result {
                        Err(error) => view! { <ErrorAlert error=error /> }.into_any(),
                        Ok(data) => view! {
                            <DataTable id="templates-table" caption=tr!("templates-caption") columns=columns.clone()>
                                {data
                                    .intake_templates
                                    .into_iter()
                                    .map(|t| {
                                        let name_id = format!("template-{}", t.dispute_type);
                                        let href = format!("/templates/{}", t.dispute_type);
                                        let published = intl::format_date(&t.created_at, i18n.locale()).unwrap_or_default();
                                        view! {
                                            <tr data-type=t.dispute_type.clone()>
                                                <th scope="row" id=name_id.clone()>{dispute_type_label(&t.dispute_type)}</th>
                                                <td data-label=tr!("templates-column-name")>{t.name.clone()}</td>
                                                <td data-label=tr!("templates-column-version")>{t.version}</td>
                                                <td data-label=tr!("templates-column-published")>{published}</td>
                                                <td data-label=tr!("templates-column-actions")>
                                                    <a class="button button-secondary" href=href aria-describedby=name_id>
                                                        {tr!("templates-edit")}
                                                    </a>
                                                </td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </DataTable>
                        }
                            .into_any(),
                    })
            }}
        </Suspense>
        <form class="form" id="template-new" on:submit=on_add>
            <h2 class="section-title">{tr!("templates-new-title")}</h2>
            <p class="hint" id="template-new-hint">{tr!("templates-new-hint")}</p>
            <TextField
                id="template-new-name"
                label=tr!("templates-new-name")
                value=new_name
                required=true
                described_by="template-new-hint"
                error=Signal::derive(move || problem.get())
            />
            <Button id="template-new-submit" button_type="submit">{tr!("templates-new-submit")}</Button>
        </form>
    }
}

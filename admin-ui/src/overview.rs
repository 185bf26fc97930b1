//! `/`: the organization at a glance.

use graphql_client::GraphQLQuery;
use leptos::prelude::*;
use portal_kit::layout::safe_color;
use portal_kit::prelude::*;

use crate::StaffPage;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/member_count.graphql",
    response_derives = "Debug"
)]
pub struct MemberCount;

/// Pages through `members` counting ids (the connection has no total).
async fn count_members(api: Api) -> Result<usize, ApiError> {
    let mut total = 0;
    let mut after = None;
    // At most 100 pages of 100: far beyond any organization's staff and parties.
    for _ in 0..100 {
        let data = api
            .run::<MemberCount>(member_count::Variables { after })
            .await?;
        total += data.members.nodes.len();
        let page = data.members.page_info;
        match page.end_cursor {
            Some(cursor) if page.has_next_page => after = Some(cursor),
            _ => break,
        }
    }
    Ok(total)
}

#[component]
pub fn Overview() -> impl IntoView {
    view! {
        <StaffPage let:viewer>
            <OverviewBody viewer=viewer />
        </StaffPage>
    }
}

#[component]
fn OverviewBody(viewer: Viewer) -> impl IntoView {
    let i18n = use_i18n();
    let api = use_api();
    let org = viewer.organization;
    let created_at = org.created_at.clone();
    let created =
        move || intl::format_date(&created_at, i18n.locale()).unwrap_or_else(|| created_at.clone());
    let color = safe_color(&org.brand_color);
    let swatch_style = color.as_ref().map(|c| format!("background-color: {c}"));

    let session = use_session();
    let count = LocalResource::new(move || async move {
        let count = count_members(api).await;
        if let Err(error) = count {
            session.notice(error);
        }
        count
    });
    let total = move || count.get().and_then(Result::ok).unwrap_or_default();
    let count_text = tr!("admin-people-count", count = total());
    let people = move || match count.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(error)) => view! { <ErrorAlert error=error /> }.into_any(),
        Some(Ok(_)) => view! { <span id="people-count">{count_text}</span> }.into_any(),
    };

    view! {
        <PageTitle id="page-title" text=tr!("admin-overview-title") />
        <Card id="organization" title=tr!("admin-overview-details")>
            <dl class="details">
                <div>
                    <dt>{tr!("admin-org-name")}</dt>
                    <dd id="org-name">{org.name}</dd>
                </div>
                <div>
                    <dt>{tr!("admin-org-slug")}</dt>
                    <dd id="org-slug">
                        <code>{org.slug}</code>
                    </dd>
                </div>
                <div>
                    <dt>{tr!("admin-org-tier")}</dt>
                    <dd id="org-tier">{org.tier}</dd>
                </div>
                <div>
                    <dt>{tr!("admin-org-brand")}</dt>
                    <dd id="org-brand">
                        <span class="swatch" style=swatch_style aria-hidden="true"></span>
                        <code>{org.brand_color}</code>
                    </dd>
                </div>
                <div>
                    <dt>{tr!("admin-org-created")}</dt>
                    <dd id="org-created">
                        <time datetime=org.created_at>{created}</time>
                    </dd>
                </div>
                <div>
                    <dt>{tr!("admin-org-people")}</dt>
                    <dd>{people}</dd>
                </div>
            </dl>
        </Card>
    }
}

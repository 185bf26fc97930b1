//! The organization's case settings on `/settings` (org admins): the triage
//! target for new intakes, and whether the other side is invited as soon as
//! a case is filed.

use graphql_client::GraphQLQuery;
use leptos::prelude::*;
use portal_kit::prelude::*;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/case_settings.graphql",
    response_derives = "Debug, Clone"
)]
pub struct CaseSettings;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/case_settings.graphql",
    extern_enums("RoleKey"),
    variables_derives = "Clone",
    response_derives = "Debug, Clone"
)]
pub struct UpdateCaseSettings;

#[component]
pub fn CaseSettingsSection() -> impl IntoView {
    let api = use_api();
    let loaded = LocalResource::new(move || async move {
        api.run::<CaseSettings>(case_settings::Variables)
            .await
            .map(|data| data.organization.cases)
    });
    move || {
        match loaded.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(error)) => view! { <ErrorAlert error=error /> }.into_any(),
        Some(Ok(cases)) => view! {
            <CaseSettingsForm hours=cases.triage_sla_hours auto_invite=cases.auto_invite_respondents />
        }
        .into_any(),
    }
    }
}

#[component]
fn CaseSettingsForm(hours: i64, auto_invite: bool) -> impl IntoView {
    let api = use_api();
    let hours = RwSignal::new(hours.to_string());
    let auto_invite = RwSignal::new(auto_invite);
    let problem = RwSignal::new(None::<String>);
    let failure = RwSignal::new(None::<ApiError>);
    let saved = RwSignal::new(false);
    let save = Action::new_local(
        move |input: &update_case_settings::UpdateOrganizationInput| {
            let input = input.clone();
            async move {
                api.run::<UpdateCaseSettings>(update_case_settings::Variables { input })
                    .await
            }
        },
    );
    on_result(save, failure, move |_| saved.set(true));
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        failure.set(None);
        saved.set(false);
        let Ok(Some(sla)) = portal_kit::forms::whole_number_in(&hours.get_untracked(), 1..=1440)
        else {
            problem.set(Some(tr!("case-settings-hours-range")()));
            return;
        };
        problem.set(None);
        save.dispatch(update_case_settings::UpdateOrganizationInput {
            name: None,
            brand_color: None,
            mfa_required_roles: None,
            session_idle_minutes: None,
            session_absolute_hours: None,
            staff_sign_in_links: None,
            triage_sla_hours: Some(sla),
            auto_invite_respondents: Some(auto_invite.get_untracked()),
        });
    };
    view! {
        <form class="form" id="case-settings" on:submit=on_submit>
            <h2 class="section-title">{tr!("case-settings-title")}</h2>
            {move || failure.get().map(|error| view! { <ErrorAlert error=error /> })}
            <TextField
                id="triage-hours"
                label=tr!("case-settings-hours")
                value=hours
                inputmode="numeric"
                described_by="triage-hours-hint"
                error=Signal::derive(move || problem.get())
            />
            <p id="triage-hours-hint" class="hint">{tr!("case-settings-hours-hint")}</p>
            <Checkbox
                id="auto-invite"
                label=tr!("case-settings-auto-invite")
                checked=auto_invite
                hint=Signal::derive(tr!("case-settings-auto-invite-hint"))
            />
            <div class="button-row">
                <Button id="case-settings-save" button_type="submit" busy=save.pending()>
                    {tr!("case-settings-save")}
                </Button>
                <span role="status" id="case-settings-saved" class="hint">
                    {move || saved.get().then(tr!("case-settings-saved"))}
                </span>
            </div>
        </form>
    }
}

//! `/settings`: the organization's sign-in security (org admins): which roles
//! must use two-step sign-in, how long sessions last, and whether staff may
//! sign in with an emailed link; then how it runs new cases, its logo and
//! single sign-on.

mod video_rules;

use graphql_client::GraphQLQuery;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use portal_kit::gql::Failure;
use portal_kit::prelude::*;

use crate::StaffPage;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/security_settings.graphql",
    extern_enums("RoleKey"),
    response_derives = "Debug, Clone"
)]
pub struct SecuritySettings;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/security_settings.graphql",
    extern_enums("RoleKey"),
    variables_derives = "Clone",
    response_derives = "Debug, Clone"
)]
pub struct UpdateSecuritySettings;

type Security = security_settings::SecurityParts;

#[component]
pub fn Settings() -> impl IntoView {
    view! {
        <StaffPage let:viewer>
            <PageTitle id="page-title" text=tr!("settings-title") />
            {if viewer.has(RoleKey::OrgAdmin) {
                view! {
                    <SecurityLoader />
                    <div class="narrow">
                        <crate::case_settings::CaseSettingsSection />
                        <crate::scheduling_rules::SchedulingRulesSection />
                        <video_rules::VideoRulesSection />
                        <crate::logo::LogoSection />
                        <crate::sso::SsoSection />
                    </div>
                }
                    .into_any()
            } else {
                view! {
                    <ErrorAlert error=ApiError::Code(shared_types::ErrorCode::Forbidden) id="settings-error" />
                }
                    .into_any()
            }}
        </StaffPage>
    }
}

#[component]
fn SecurityLoader() -> impl IntoView {
    let api = use_api();
    let session = use_session();
    let loaded = LocalResource::new(move || async move {
        let result = api
            .run::<SecuritySettings>(security_settings::Variables)
            .await;
        if let Err(error) = result {
            session.notice(error);
        }
        result.map(|data| data.organization.security)
    });
    move || match loaded.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(error)) => view! { <ErrorAlert error=error id="settings-error" /> }.into_any(),
        Some(Ok(security)) => view! { <SecurityForm security=security /> }.into_any(),
    }
}

#[component]
fn SecurityForm(security: Security) -> impl IntoView {
    let api = use_api();
    let session = use_session();
    let roles = RwSignal::new(
        security
            .mfa_required_roles
            .iter()
            .map(|role| role.wire().to_owned())
            .collect::<Vec<_>>(),
    );
    let idle = RwSignal::new(
        security
            .session_idle_minutes
            .map(|m| m.to_string())
            .unwrap_or_default(),
    );
    let absolute = RwSignal::new(
        security
            .session_absolute_hours
            .map(|h| h.to_string())
            .unwrap_or_default(),
    );
    let staff_links = RwSignal::new(security.staff_sign_in_links);
    let idle_invalid = RwSignal::new(false);
    let absolute_invalid = RwSignal::new(false);
    let failure = RwSignal::new(None::<Failure>);
    let saved = RwSignal::new(false);

    let save = Action::new_local(
        move |input: &update_security_settings::UpdateOrganizationInput| {
            let input = input.clone();
            async move {
                match api
                    .run_detailed::<UpdateSecuritySettings>(update_security_settings::Variables {
                        input,
                    })
                    .await
                {
                    Ok(_) => saved.set(true),
                    Err(error) => {
                        session.notice(error.error);
                        failure.set(Some(error));
                    }
                }
            }
        },
    );
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        saved.set(false);
        failure.set(None);
        let idle_value = portal_kit::forms::whole_number_in(&idle.get_untracked(), 5..=1440);
        let absolute_value = portal_kit::forms::whole_number_in(&absolute.get_untracked(), 1..=720);
        idle_invalid.set(idle_value.is_err());
        absolute_invalid.set(absolute_value.is_err());
        let (Ok(idle_value), Ok(absolute_value)) = (idle_value, absolute_value) else {
            return;
        };
        let required: Vec<RoleKey> = roles
            .get_untracked()
            .iter()
            .filter_map(|value| RoleKey::from_wire(value))
            .collect();
        save.dispatch_local(update_security_settings::UpdateOrganizationInput {
            name: None,
            brand_color: None,
            mfa_required_roles: Some(required),
            session_idle_minutes: idle_value,
            session_absolute_hours: absolute_value,
            staff_sign_in_links: Some(staff_links.get_untracked()),
            triage_sla_hours: None,
            auto_invite_respondents: None,
        });
    };
    let field_failed = move |name: &'static str| {
        failure.with(|f| f.as_ref().is_some_and(|f| f.field.as_deref() == Some(name)))
    };
    let idle_message = tr!("settings-idle-invalid");
    let idle_error = Signal::derive(move || {
        (idle_invalid.get() || field_failed("sessionIdleMinutes")).then(&idle_message)
    });
    let absolute_message = tr!("settings-absolute-invalid");
    let absolute_error = Signal::derive(move || {
        (absolute_invalid.get() || field_failed("sessionAbsoluteHours")).then(&absolute_message)
    });
    let general_error = move || {
        failure.with(|f| {
            f.as_ref()
                .filter(|f| {
                    !matches!(
                        f.field.as_deref(),
                        Some("sessionIdleMinutes" | "sessionAbsoluteHours")
                    )
                })
                .map(|f| f.error)
        })
    };
    let options = Signal::derive(RoleKey::assignable_options);
    let working = tr!("settings-saving");
    let label = tr!("settings-save");
    view! {
        <div class="narrow">
            <p class="lead">{tr!("settings-security-intro")}</p>
            {move || general_error().map(|error| view! { <ErrorAlert error=error id="settings-save-error" /> })}
            {move || {
                saved
                    .get()
                    .then(|| {
                        view! {
                            <Alert kind=AlertKind::Info id="settings-saved">
                                <p>{tr!("settings-saved")}</p>
                            </Alert>
                        }
                    })
            }}
            <form class="form" on:submit=on_submit novalidate=true>
                <CheckboxGroup
                    id="mfa-roles"
                    legend=tr!("settings-mfa-roles")
                    options=options
                    selected=roles
                    described_by="mfa-roles-hint"
                />
                <p id="mfa-roles-hint" class="field-hint">{tr!("settings-mfa-roles-hint")}</p>
                <TextField
                    id="session-idle"
                    label=tr!("settings-idle")
                    value=idle
                    inputmode="numeric"
                    error=idle_error
                    described_by="session-idle-hint"
                />
                <p id="session-idle-hint" class="field-hint">{tr!("settings-idle-hint")}</p>
                <TextField
                    id="session-absolute"
                    label=tr!("settings-absolute")
                    value=absolute
                    inputmode="numeric"
                    error=absolute_error
                    described_by="session-absolute-hint"
                />
                <p id="session-absolute-hint" class="field-hint">{tr!("settings-absolute-hint")}</p>
                <Checkbox
                    id="staff-links"
                    label=tr!("settings-staff-links")
                    checked=staff_links
                    hint=tr!("settings-staff-links-hint")
                />
                <Button id="save-settings" button_type="submit" busy=save.pending()>
                    {move || if save.pending().get() { working() } else { label() }}
                </Button>
            </form>
        </div>
    }
}

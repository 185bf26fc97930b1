//! `/invitation#<token>`: accepting an invitation, in both portals and signed out.
//!
//! The token travels in the URL fragment, so it never reaches a server log or a
//! `Referer`; it is read from `location.hash`, sent only to the GraphQL API, and
//! dropped from the address bar (`history.replaceState`) once accepted.

use graphql_client::GraphQLQuery;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;
use shared_types::ErrorCode;

use crate::account_fields::{
    LanguageField, NameField, NewPasswordField, TimeZoneField, forget_fragment,
    read_fragment_token, time_zone_options,
};
use crate::components::{
    Alert, AlertKind, Button, ButtonKind, Card, ErrorAlert, PageLoading, PageTitle, TextField,
};
use crate::gql::{ApiError, DateTime, Failure, RoleKey, use_api};
use crate::i18n::use_i18n;
use crate::intl;
use crate::layout::{Brand, focus_main_after_render, set_brand};
use crate::session::{AcceptInvitationInput, LanguageInput, use_session};
use crate::tr;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/invitation.graphql",
    extern_enums("RoleKey"),
    response_derives = "Debug, Clone"
)]
pub struct InvitationPreview;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/accept_invitation_signed_in.graphql",
    response_derives = "Debug, Clone"
)]
pub struct AcceptInvitationSignedIn;

type Preview = invitation_preview::InvitationPreviewInvitation;

#[component]
pub fn AcceptInvitationPage() -> impl IntoView {
    let api = use_api();
    let token = StoredValue::new(read_fragment_token());
    let preview = LocalResource::new(move || {
        let token = token.get_value();
        async move {
            let Some(token) = token else {
                return Err(ApiError::Code(ErrorCode::NotFound));
            };
            api.run::<InvitationPreview>(invitation_preview::Variables { token })
                .await
                .map(|data| data.invitation)
        }
    });
    Effect::new(move || {
        if let Some(Ok(preview)) = preview.get() {
            set_brand(Some(Brand {
                name: preview.organization_name,
                color: preview.brand_color,
                logo: None,
            }));
        }
    });
    move || match preview.get() {
        None => view! { <PageLoading /> }.into_any(),
        Some(Err(error)) => view! { <LinkProblem error=error /> }.into_any(),
        Some(Ok(preview)) => {
            let token = token.get_value().unwrap_or_default();
            view! { <Invitation preview=preview token=token /> }.into_any()
        }
    }
}

/// An unknown, used or expired link, or an API that could not be reached.
#[component]
fn LinkProblem(error: ApiError) -> impl IntoView {
    let (title, body): (Signal<String>, Signal<String>) = match error.code() {
        Some(ErrorCode::LinkUsed) => (
            Signal::derive(tr!("invitation-problem-title-used")),
            Signal::derive(tr!("error-link-used")),
        ),
        Some(ErrorCode::LinkExpired) => (
            Signal::derive(tr!("invitation-problem-title-expired")),
            Signal::derive(tr!("error-link-expired")),
        ),
        Some(ErrorCode::NotFound) => (
            Signal::derive(tr!("invitation-problem-title-invalid")),
            Signal::derive(tr!("invitation-problem-invalid")),
        ),
        _ => {
            return view! {
                <PageTitle id="page-title" text=tr!("invitation-load-failed-title") />
                <ErrorAlert error=error id="invitation-error" />
                <Button
                    id="retry"
                    kind=ButtonKind::Secondary
                    on_click=Callback::new(move |_| {
                        let _ = window().location().reload();
                    })
                >
                    {tr!("retry")}
                </Button>
            }
            .into_any();
        }
    };
    view! {
        <PageTitle id="page-title" text=title />
        <Alert kind=AlertKind::Info id="invitation-problem">
            <p>{move || body.get()}</p>
        </Alert>
        <p>
            <a href="/" id="go-sign-in">
                {tr!("invitation-problem-sign-in")}
            </a>
        </p>
    }
    .into_any()
}

#[component]
fn Invitation(preview: Preview, token: String) -> impl IntoView {
    let i18n = use_i18n();
    let role = preview.role.label();
    let organization = preview.organization_name.clone();
    let expires_at: DateTime = preview.expires_at.clone();
    let expires = {
        let expires_at = expires_at.clone();
        move || intl::format_timestamp(&expires_at, i18n.locale(), None)
    };
    let email = preview.email.clone();
    let org_for_intro = organization.clone();
    let title = tr!("invitation-title", organization = organization);
    let intro = tr!(
        "invitation-intro",
        organization = org_for_intro,
        role = role.get()
    );
    view! {
        <div class="narrow">
            <PageTitle id="page-title" text=title />
            <p class="lead">{intro}</p>
            <dl class="details invitation-details">
                <div>
                    <dt>{tr!("invitation-email")}</dt>
                    <dd id="invited-email">{preview.email.clone()}</dd>
                </div>
                <div>
                    <dt>{tr!("invitation-role")}</dt>
                    <dd id="invited-role">{move || role.get()}</dd>
                </div>
                <div>
                    <dt>{tr!("invitation-expires")}</dt>
                    <dd id="invited-expires">
                        <time datetime=expires_at>{expires}</time>
                    </dd>
                </div>
            </dl>
            <p class="hint" id="invited-email-note">
                {tr!("invitation-email-note")}
            </p>
            {if preview.account_exists {
                view! { <ExistingAccount email=email token=token /> }.into_any()
            } else {
                view! { <NewAccount token=token /> }.into_any()
            }}
        </div>
    }
}

#[component]
fn NewAccount(token: String) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let navigate = use_navigate();
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let language = RwSignal::new(i18n.locale_untracked().tag().to_owned());
    let browser_zone = intl::browser_time_zone().unwrap_or_else(|| "UTC".to_owned());
    let zones = time_zone_options(&[&browser_zone]);
    let timezone = RwSignal::new(browser_zone);
    let name_missing = RwSignal::new(false);
    let password_missing = RwSignal::new(false);
    let failure = RwSignal::new(None::<Failure>);

    let submit = Action::new_local(move |input: &AcceptInvitationInput| {
        let input = input.clone();
        async move { session.accept_invitation(input).await }
    });
    Effect::new(move || {
        match submit.value().get() {
            Some(Ok(())) => {
                forget_fragment("/invitation");
                navigate(
                    "/",
                    NavigateOptions {
                        replace: true,
                        ..NavigateOptions::default()
                    },
                );
                focus_main_after_render();
            }
            Some(Err(error)) => failure.set(Some(error)),
            None => {}
        };
    });

    let token = StoredValue::new(token);
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        let name_value = name.get_untracked().trim().to_owned();
        let password_value = password.get_untracked();
        name_missing.set(name_value.is_empty());
        password_missing.set(password_value.is_empty());
        failure.set(None);
        if name_value.is_empty() || password_value.is_empty() {
            return;
        }
        let language = match language.get_untracked().as_str() {
            "es" => LanguageInput::ES,
            _ => LanguageInput::EN,
        };
        submit.dispatch_local(AcceptInvitationInput {
            token: token.get_value(),
            name: name_value,
            password: password_value,
            language,
            timezone: timezone.get_untracked(),
        });
    };
    let general_error = move || failure.get().map(|f| f.error);
    let working = tr!("invitation-working");
    let submit_label = tr!("invitation-submit");

    view! {
        <Card id="create-account" title=tr!("invitation-create-heading")>
            {move || {
                general_error().map(|error| view! { <ErrorAlert error=error id="accept-error" /> })
            }}
            <form class="form form-plain" on:submit=on_submit novalidate=true>
                <NameField value=name missing=name_missing failure=failure />
                <NewPasswordField
                    label=tr!("invitation-password")
                    value=password
                    missing=password_missing
                    failure=failure
                    field="password"
                />
                <LanguageField value=language />
                <TimeZoneField value=timezone options=zones failure=failure />
                <Button id="accept-invitation" button_type="submit" busy=submit.pending()>
                    {move || if submit.pending().get() { working() } else { submit_label() }}
                </Button>
            </form>
        </Card>
    }
}

/// The invited email has an account: sign in here, then accept.
#[component]
fn ExistingAccount(email: String, token: String) -> impl IntoView {
    let session = use_session();
    let api = use_api();
    let navigate = use_navigate();
    let token = StoredValue::new(token);
    let invited = StoredValue::new(email.clone());

    let accept = Action::new_local(move |_: &()| {
        let token = token.get_value();
        async move {
            api.run::<AcceptInvitationSignedIn>(accept_invitation_signed_in::Variables { token })
                .await
        }
    });
    Effect::new(move || {
        if let Some(Ok(_)) = accept.value().get() {
            forget_fragment("/invitation");
            session.reload();
            navigate(
                "/",
                NavigateOptions {
                    replace: true,
                    ..NavigateOptions::default()
                },
            );
            focus_main_after_render();
        }
    });
    let accept_error = move || accept.value().get().and_then(Result::err);
    let accepting = tr!("invitation-accepting");
    let accept_label = tr!("invitation-accept");

    let signed_in_body = move |viewer_email: String| {
        let matches = viewer_email.eq_ignore_ascii_case(&invited.get_value());
        let wrong = tr!("invitation-wrong-account", email = invited.get_value());
        view! {
            <p id="signed-in-as-account">
                {tr!("invitation-signed-in-as", email = viewer_email)}
            </p>
            {(!matches).then(|| {
                view! {
                    <Alert kind=AlertKind::Info id="wrong-account">
                        <p>{wrong}</p>
                    </Alert>
                }
            })}
            {move || {
                accept_error()
                    .map(|error| {
                        if error.code() == Some(ErrorCode::Forbidden) {
                            view! {
                                <Alert kind=AlertKind::Error id="accept-error">
                                    <p>{tr!("invitation-wrong-account", email = invited.get_value())}</p>
                                </Alert>
                            }
                                .into_any()
                        } else {
                            view! { <ErrorAlert error=error id="accept-error" /> }.into_any()
                        }
                    })
            }}
            <Button
                id="accept-signed-in"
                busy=accept.pending()
                on_click=Callback::new(move |_| {
                    accept.dispatch_local(());
                })
            >
                {move || if accept.pending().get() { accepting() } else { accept_label() }}
            </Button>
        }
    };

    view! {
        <Card id="existing-account" title=tr!("invitation-existing-heading")>
            <p>{tr!("invitation-existing-body", email = email.clone())}</p>
            {move || match session.viewer() {
                Some(viewer) => signed_in_body(viewer.user.email).into_any(),
                None => view! { <InlineSignIn email=invited.get_value() /> }.into_any(),
            }}
        </Card>
    }
}

/// A sign-in form for the invited address, on the invitation page itself.
#[component]
fn InlineSignIn(email: String) -> impl IntoView {
    let session = use_session();
    let email = RwSignal::new(email);
    let password = RwSignal::new(String::new());
    let password_missing = RwSignal::new(false);
    let password_required = tr!("sign-in-password-required");
    let submit = Action::new_local(move |(email, password): &(String, String)| {
        let (email, password) = (email.clone(), password.clone());
        async move { session.sign_in(email, password).await }
    });
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        let password_value = password.get_untracked();
        password_missing.set(password_value.is_empty());
        if !password_value.is_empty() {
            submit.dispatch_local((email.get_untracked(), password_value));
        }
    };
    let failure = move || submit.value().get().and_then(Result::err);
    let working = tr!("sign-in-working");
    let submit_label = tr!("sign-in-submit");
    view! {
        <h3 class="subheading">{tr!("invitation-sign-in-heading")}</h3>
        {move || failure().map(|error| view! { <ErrorAlert error=error id="sign-in-error" /> })}
        <form class="form form-plain" on:submit=on_submit novalidate=true>
            <TextField
                id="email"
                label=tr!("sign-in-email")
                value=email
                input_type="email"
                autocomplete="username"
                readonly=true
            />
            <TextField
                id="password"
                label=tr!("sign-in-password")
                value=password
                input_type="password"
                autocomplete="current-password"
                required=true
                error=Signal::derive(move || password_missing.get().then(&password_required))
            />
            <Button id="sign-in" button_type="submit" busy=submit.pending()>
                {move || if submit.pending().get() { working() } else { submit_label() }}
            </Button>
        </form>
    }
}

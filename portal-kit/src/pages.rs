//! Pages both portals have: sign-in, not found, and the gate that shows sign-in
//! (or a loading or failure state) until someone is signed in.

use graphql_client::GraphQLQuery;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use shared_types::ErrorCode;

use crate::account_fields::forget_fragment;
use crate::components::{
    Alert, AlertKind, Button, ButtonKind, ErrorAlert, Loading, PageLoading, PageTitle, TextField,
};
use crate::gql::{ApiError, Failure, use_api};
use crate::layout::{Brand, focus_after_render, focus_main_after_render, set_brand};
use crate::session::{PasskeySignInError, SessionState, Viewer, use_session};
use crate::tr;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/branding.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct Branding;

/// The organization whose sign-in page this is: `?org=slug`, `demo` by default.
pub fn use_org_slug() -> Signal<String> {
    let org = org_in_query();
    Signal::derive(move || org.get().unwrap_or_else(|| "demo".to_owned()))
}

/// `?org=slug` when present and well-formed.
fn org_in_query() -> Signal<Option<String>> {
    let query = use_query_map();
    Signal::derive(move || {
        query.with(|q| q.get("org")).filter(|slug| {
            !slug.is_empty()
                && slug.len() <= 64
                && slug
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        })
    })
}

/// `path` with this page's `?org=` kept, so the next page of signing in
/// keeps the organization's look.
pub(crate) fn keep_org(path: &'static str) -> impl Fn() -> String + Clone + Send + Sync + 'static {
    let org = org_in_query();
    move || match org.get() {
        Some(slug) => format!("{path}?org={slug}"),
        None => path.to_owned(),
    }
}

/// Renders `children` with the viewer once someone is signed in; until then the
/// loading state, a failure with a retry button, or the sign-in page.
#[component]
pub fn SignedIn<C, V>(children: C) -> impl IntoView
where
    C: Fn(Viewer) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let session = use_session();
    move || match session.state() {
        SessionState::Loading => view! { <PageLoading /> }.into_any(),
        SessionState::SignedOut => view! { <SignIn /> }.into_any(),
        SessionState::Failed(error) => view! {
            <PageTitle id="page-title" text=tr!("session-failed-title") />
            <ErrorAlert error=error />
            <Button
                id="retry"
                kind=ButtonKind::Secondary
                on_click=Callback::new(move |_| session.reload())
            >
                {tr!("retry")}
            </Button>
        }
        .into_any(),
        SessionState::SignedIn(viewer) if viewer.mfa_enrollment_required => {
            view! { <crate::security::RequiredTwoStep /> }.into_any()
        }
        SessionState::SignedIn(viewer) => children(viewer).into_any(),
    }
}

/// The sign-in form, branded with the organization from `?org=`.
#[component]
pub fn SignIn() -> impl IntoView {
    let session = use_session();
    let api = use_api();
    let slug = use_org_slug();
    let branding = LocalResource::new(move || {
        let slug = slug.get();
        async move { api.run::<Branding>(branding::Variables { slug }).await }
    });
    let organization = Memo::new(move |_| {
        branding
            .get()
            .and_then(Result::ok)
            .and_then(|data| data.branding)
            .map(|b| Brand {
                name: b.name,
                color: b.brand_color,
                logo: b.logo_url,
            })
    });
    let sso_options = Memo::new(move |_| {
        branding
            .get()
            .and_then(Result::ok)
            .and_then(|data| data.branding)
            .map(|b| b.sso_connections)
            .unwrap_or_default()
    });
    let portal_key = match api.portal() {
        crate::gql::Portal::Admin => "admin",
        crate::gql::Portal::Client => "client",
    };
    Effect::new(move || set_brand(organization.get()));

    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let email_missing = RwSignal::new(false);
    let password_missing = RwSignal::new(false);
    let email_required = tr!("sign-in-email-required");
    let password_required = tr!("sign-in-password-required");
    // The second step's challenge lives only here: never in storage or the URL.
    let challenge = RwSignal::new(None::<String>);
    let failure = RwSignal::new(None::<ApiError>);
    let expired = RwSignal::new(false);

    let submit = Action::new_local(move |(email, password): &(String, String)| {
        let (email, password) = (email.clone(), password.clone());
        async move {
            match session.sign_in_detailed(email, password).await {
                Ok(()) => focus_main_after_render(),
                Err(Failure {
                    error: ApiError::Code(ErrorCode::MfaRequired),
                    challenge: Some(next),
                    ..
                }) => {
                    challenge.set(Some(next));
                    focus_after_render("mfa-code");
                }
                Err(other) => {
                    if other.error == ApiError::Code(ErrorCode::PasskeyRequired) {
                        focus_after_render("sign-in-passkey");
                    }
                    failure.set(Some(other.error))
                }
            }
        }
    });
    let passkey_problem = RwSignal::new(None::<PasskeySignInError>);
    let with_passkey = Action::new_local(move |email: &String| {
        let email = email.clone();
        async move {
            match session.sign_in_with_passkey(email).await {
                Ok(()) => focus_main_after_render(),
                Err(problem) => passkey_problem.set(Some(problem)),
            }
        }
    });
    let on_passkey = Callback::new(move |_| {
        let email_value = email.get_untracked().trim().to_owned();
        email_missing.set(email_value.is_empty());
        password_missing.set(false);
        failure.set(None);
        passkey_problem.set(None);
        if email_value.is_empty() {
            focus_after_render("email");
        } else {
            with_passkey.dispatch_local(email_value);
        }
    });
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        let email_value = email.get_untracked().trim().to_owned();
        let password_value = password.get_untracked();
        email_missing.set(email_value.is_empty());
        password_missing.set(password_value.is_empty());
        failure.set(None);
        expired.set(false);
        if !email_value.is_empty() && !password_value.is_empty() {
            submit.dispatch_local((email_value, password_value));
        }
    };
    let restart = Callback::new(move |ended: bool| {
        challenge.set(None);
        password.set(String::new());
        expired.set(ended);
        focus_after_render("password");
    });
    let org = move || organization.with(|o| o.as_ref().map(|b| b.name.clone()));
    let intro_named = tr!("sign-in-intro", organization = org().unwrap_or_default());
    let intro_generic = tr!("sign-in-intro-generic");
    let working = tr!("sign-in-working");
    let submit_label = tr!("sign-in-submit");
    let passkey_working = tr!("sign-in-passkey-working");
    let passkey_label = tr!("sign-in-passkey");
    let intro = move || {
        if organization.with(Option::is_some) {
            intro_named()
        } else {
            intro_generic()
        }
    };

    let password_step = move || {
        view! {
            <PageTitle id="page-title" text=tr!("sign-in-title") />
            <p class="lead">{intro}</p>
            <Show when=move || expired.get()>
                <Alert kind=AlertKind::Info id="mfa-expired">
                    <p>{tr!("mfa-expired")}</p>
                </Alert>
            </Show>
            {move || {
                failure.get().map(|error| view! { <ErrorAlert error=error id="sign-in-error" /> })
            }}
            {move || {
                passkey_problem
                    .get()
                    .map(|problem| match problem {
                        PasskeySignInError::Api(error) => {
                            view! { <ErrorAlert error=error id="passkey-error" /> }.into_any()
                        }
                        PasskeySignInError::Browser(problem) => {
                            let message = problem.message();
                            view! {
                                <Alert kind=AlertKind::Error id="passkey-error">
                                    <p>{move || message.get()}</p>
                                </Alert>
                            }
                                .into_any()
                        }
                    })
            }}
            <form class="form" on:submit=on_submit novalidate=true>
                <TextField
                    id="email"
                    label=tr!("sign-in-email")
                    value=email
                    input_type="email"
                    autocomplete="username"
                    required=true
                    error=Signal::derive(move || email_missing.get().then(&email_required))
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
                    {move || {
                        if submit.pending().get() { working() } else { submit_label() }
                    }}
                </Button>
            </form>
            <p class="form-link">
                <A href=keep_org("/forgot-password") attr:id="forgot-password-link">
                    {tr!("sign-in-forgot-password")}
                </A>
            </p>
            <div class="alternative">
                <p id="sign-in-link-hint">{tr!("sign-in-link-hint")}</p>
                <A
                    href=keep_org("/sign-in-link")
                    attr:id="sign-in-link-link"
                    attr:class="button button-secondary"
                >
                    {tr!("sign-in-link")}
                </A>
            </div>
            <Show when=move || !sso_options.with(Vec::is_empty)>
                <div class="alternative" id="sso-options">
                    <p>{tr!("sign-in-sso-hint")}</p>
                    <ul class="plain-list">
                        <For
                            each=move || sso_options.get()
                            key=|option| option.id.clone()
                            let:option
                        >
                            <li>
                                // A full page load to the API, not a route of this app.
                                <a
                                    class="button button-secondary"
                                    rel="external"
                                    href=format!("/auth/sso/{}/start?portal={portal_key}", option.id)
                                >
                                    {tr!("sign-in-sso", provider = option.name.clone())}
                                </a>
                            </li>
                        </For>
                    </ul>
                </div>
            </Show>
            <div class="alternative">
                <p id="passkey-hint">{tr!("sign-in-passkey-hint")}</p>
                <Button
                    id="sign-in-passkey"
                    kind=ButtonKind::Secondary
                    busy=with_passkey.pending()
                    on_click=on_passkey
                >
                    {move || {
                        if with_passkey.pending().get() { passkey_working() } else { passkey_label() }
                    }}
                </Button>
            </div>
        }
    };

    view! {
        <div class="sign-in">
            {move || match challenge.get() {
                Some(current) => {
                    view! { <CodeStep challenge=current restart=restart /> }.into_any()
                }
                None => password_step().into_any(),
            }}
        </div>
    }
}

/// `/sso`: where single sign-on comes back. The fragment holds a one-time
/// token (or an error code); it is removed from the address bar at once, then
/// redeemed on this origin so the session cookie is set here.
#[component]
pub fn SsoLanding() -> impl IntoView {
    let session = use_session();
    let fragment = window().location().hash().unwrap_or_default();
    // Forget the token: it must not stay in the address bar or the history.
    forget_fragment("/sso");
    let fragment = fragment.trim_start_matches('#');
    let redeem = match fragment.strip_prefix("token=") {
        Some(token) => Ok(session.complete_sso(token.to_owned())),
        None => Err(ApiError::Code(
            fragment
                .strip_prefix("error=")
                .and_then(ErrorCode::parse)
                .unwrap_or(ErrorCode::BadRequest),
        )),
    };
    view! {
        <div class="sign-in">
            {redeem_sign_in(
                redeem,
                |error| {
                    view! {
                        <PageTitle id="page-title" text=tr!("sso-failed-title") />
                        <ErrorAlert error=error id="sso-error" />
                        <p>
                            <A href="/">{tr!("sso-back")}</A>
                        </p>
                    }
                },
            )}
        </div>
    }
}

/// Finishes signing in with a one-time token (single sign-on, an emailed
/// link): runs `redeem` (or shows its error at once), asks for the code when a
/// second factor is owed, then goes to the start page. `failed` shows why it
/// did not work.
pub(crate) fn redeem_sign_in<R, F, V>(redeem: Result<R, ApiError>, failed: F) -> impl IntoView
where
    R: Future<Output = Result<(), Failure>> + 'static,
    F: Fn(ApiError) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let failure = RwSignal::new(None::<ApiError>);
    let challenge = RwSignal::new(None::<String>);
    let done = RwSignal::new(false);
    match redeem {
        Ok(redeem) => leptos::task::spawn_local(async move {
            match redeem.await {
                Ok(()) => done.set(true),
                Err(Failure {
                    error: ApiError::Code(ErrorCode::MfaRequired),
                    challenge: Some(next),
                    ..
                }) => challenge.set(Some(next)),
                Err(other) => failure.set(Some(other.error)),
            }
        }),
        Err(error) => failure.set(Some(error)),
    }
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move || {
        if done.get() {
            navigate("/", Default::default());
        }
    });
    // The token is spent: going back means starting again.
    let restart = Callback::new(move |_: bool| {
        challenge.set(None);
        failure.set(Some(ApiError::Code(ErrorCode::LinkExpired)));
    });
    move || match (challenge.get(), failure.get()) {
        (Some(current), _) => view! { <CodeStep challenge=current restart=restart /> }.into_any(),
        (None, Some(error)) => failed(error).into_any(),
        (None, None) => view! {
            <PageTitle id="page-title" text=tr!("sso-working") />
            <Loading />
        }
        .into_any(),
    }
}

/// Focuses the element with `id` once the current update has rendered.
/// The second step of a two-step sign-in: a code from the authenticator app or
/// a recovery code. `restart` goes back to the first step (`true`: because
/// the challenge ended).
#[component]
pub(crate) fn CodeStep(challenge: String, restart: Callback<bool>) -> impl IntoView {
    let session = use_session();
    let challenge = StoredValue::new(challenge);
    let code = RwSignal::new(String::new());
    let code_missing = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiError>);
    let verify = Action::new_local(move |code: &String| {
        let code = code.clone();
        async move {
            match session.verify_mfa(challenge.get_value(), code).await {
                Ok(()) => focus_main_after_render(),
                Err(ApiError::Code(ErrorCode::LinkExpired)) => restart.run(true),
                Err(error) => {
                    failure.set(Some(error));
                    focus_after_render("mfa-code");
                }
            }
        }
    });
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        let value: String = code
            .get_untracked()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        code_missing.set(value.is_empty());
        failure.set(None);
        if !value.is_empty() {
            verify.dispatch_local(value);
        }
    };
    let code_required = tr!("mfa-code-required");
    let wrong_code = tr!("mfa-code-wrong");
    let code_error = Signal::derive(move || code_missing.get().then(&code_required));
    let working = tr!("mfa-verify-working");
    let submit_label = tr!("mfa-verify-submit");
    view! {
        <PageTitle id="page-title" text=tr!("mfa-title") />
        <p class="lead">{tr!("mfa-intro")}</p>
        {move || {
            failure
                .get()
                .map(|error| {
                    if error.code() == Some(ErrorCode::InvalidCredentials) {
                        view! {
                            <Alert kind=AlertKind::Error id="sign-in-error">
                                <p>{wrong_code}</p>
                            </Alert>
                        }
                            .into_any()
                    } else {
                        view! { <ErrorAlert error=error id="sign-in-error" /> }.into_any()
                    }
                })
        }}
        <form class="form" on:submit=on_submit novalidate=true>
            <TextField
                id="mfa-code"
                label=tr!("mfa-code-label")
                value=code
                autocomplete="one-time-code"
                inputmode="numeric"
                required=true
                described_by="mfa-code-hint"
                error=code_error
            />
            <p class="hint" id="mfa-code-hint">
                {tr!("mfa-code-hint")}
            </p>
            <Button id="verify-mfa" button_type="submit" busy=verify.pending()>
                {move || {
                    if verify.pending().get() { working() } else { submit_label() }
                }}
            </Button>
        </form>
        <p>
            <Button
                id="mfa-back"
                kind=ButtonKind::Secondary
                on_click=Callback::new(move |_| restart.run(false))
            >
                {tr!("mfa-back")}
            </Button>
        </p>
    }
}

/// Shown for any address the portal does not know; needs no session.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <PageTitle id="not-found" text=tr!("not-found-title") />
        <p>{tr!("not-found-body")}</p>
        <p>
            <A href="/">{tr!("not-found-home")}</A>
        </p>
    }
}

//! Getting back in without the password, in both portals and signed out:
//! `/forgot-password` asks for a reset link, `/reset-password#<token>` sets a
//! new password, `/sign-in-link` asks for a sign-in link and
//! `/sign-in-link#<token>` signs in with it.
//!
//! Requests always get the same answer, whether or not the address has an
//! account. Tokens travel in the URL fragment (never to a server log or a
//! `Referer`) and leave the address bar as soon as the page reads them.

use graphql_client::GraphQLQuery;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use shared_types::ErrorCode;

use crate::account_fields::{NewPasswordField, use_fragment_token};
use crate::components::{Alert, AlertKind, Button, ButtonKind, ErrorAlert, PageTitle, TextField};
use crate::gql::{ApiError, Failure, use_api};
use crate::layout::focus_main_after_render;
use crate::pages::{keep_org, redeem_sign_in};
use crate::session::use_session;
use crate::tr;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/recovery.graphql",
    response_derives = "Debug"
)]
pub struct RequestPasswordReset;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/recovery.graphql",
    response_derives = "Debug"
)]
pub struct ResetPassword;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/recovery.graphql",
    response_derives = "Debug"
)]
pub struct RequestSignInLink;

/// Which link an email address asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LinkKind {
    PasswordReset,
    SignIn,
}

/// Whether `email` could be an address (the API checks it properly).
fn looks_like_email(email: &str) -> bool {
    email
        .split_once('@')
        .is_some_and(|(name, domain)| !name.is_empty() && domain.contains('.'))
        && !email.contains(char::is_whitespace)
}

/// `/forgot-password`: an email address, then a neutral confirmation.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    view! {
        <div class="sign-in">
            <PageTitle id="page-title" text=tr!("forgot-title") />
            <p class="lead">{tr!("forgot-intro")}</p>
            <LinkRequest kind=LinkKind::PasswordReset />
            <BackToSignIn />
        </div>
    }
}

/// `/sign-in-link`: with a token in the fragment, signs in with it; without,
/// asks for a link by email.
#[component]
pub fn SignInLinkPage() -> impl IntoView {
    let session = use_session();
    let token = use_fragment_token("/sign-in-link");
    move || match token.get() {
        Some(token) => view! {
            <div class="sign-in">
                {redeem_sign_in(Ok(session.sign_in_with_link(token)), |error| {
                    view! { <SignInLinkProblem error=error /> }
                })}
            </div>
        }
        .into_any(),
        None => view! {
            <div class="sign-in">
                <PageTitle id="page-title" text=tr!("link-request-title") />
                <p class="lead">{tr!("link-request-intro")}</p>
                <LinkRequest kind=LinkKind::SignIn />
                <BackToSignIn />
            </div>
        }
        .into_any(),
    }
}

/// An emailed sign-in link that did not work, and a way to get a new one.
#[component]
fn SignInLinkProblem(error: ApiError) -> impl IntoView {
    let message = match error.code() {
        Some(ErrorCode::LinkExpired | ErrorCode::LinkUsed) => {
            Some(Signal::derive(tr!("link-sign-in-expired")))
        }
        Some(ErrorCode::Forbidden) => Some(Signal::derive(tr!("link-sign-in-forbidden"))),
        _ => None,
    };
    view! {
        <PageTitle id="page-title" text=tr!("link-sign-in-failed-title") />
        {match message {
            Some(message) => view! {
                <Alert kind=AlertKind::Info id="link-problem">
                    <p>{move || message.get()}</p>
                </Alert>
            }
            .into_any(),
            None => view! { <ErrorAlert error=error id="link-problem" /> }.into_any(),
        }}
        <h2 class="subheading">{tr!("link-request-again")}</h2>
        <LinkRequest kind=LinkKind::SignIn />
        <BackToSignIn />
    }
}

/// Back to the start: the sign-in page, or the home page when signed in.
#[component]
fn BackToSignIn() -> impl IntoView {
    let session = use_session();
    let back = tr!("back-to-sign-in");
    let home = tr!("not-found-home");
    view! {
        <p class="form-link">
            <A href=keep_org("/") attr:id="back-to-sign-in">
                {move || if session.viewer().is_some() { home() } else { back() }}
            </A>
        </p>
    }
}

/// The email address to send a link to; always the same neutral answer.
#[component]
fn LinkRequest(kind: LinkKind) -> impl IntoView {
    let api = use_api();
    let email = RwSignal::new(String::new());
    let missing = RwSignal::new(false);
    let invalid = RwSignal::new(false);
    let failure = RwSignal::new(None::<Failure>);
    // The address the link went to, once sent.
    let sent = RwSignal::new(None::<String>);

    let send = Action::new_local(move |address: &String| {
        let address = address.clone();
        async move {
            let result = match kind {
                LinkKind::PasswordReset => api
                    .run_detailed::<RequestPasswordReset>(request_password_reset::Variables {
                        email: address.clone(),
                    })
                    .await
                    .map(|_| ()),
                LinkKind::SignIn => api
                    .run_detailed::<RequestSignInLink>(request_sign_in_link::Variables {
                        email: address.clone(),
                    })
                    .await
                    .map(|_| ()),
            };
            match result {
                Ok(()) => {
                    sent.set(Some(address));
                    focus_main_after_render();
                }
                Err(error) => failure.set(Some(error)),
            }
        }
    });
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        let value = email.get_untracked().trim().to_owned();
        missing.set(value.is_empty());
        invalid.set(!value.is_empty() && !looks_like_email(&value));
        failure.set(None);
        if looks_like_email(&value) {
            send.dispatch_local(value);
        }
    };
    let again = Callback::new(move |_| {
        sent.set(None);
        focus_main_after_render();
    });

    let required = tr!("sign-in-email-required");
    let malformed = tr!("email-invalid");
    let email_error = Signal::derive(move || {
        if missing.get() {
            Some(required())
        } else {
            let refused = failure.with(|f| {
                f.as_ref()
                    .is_some_and(|f| f.field.as_deref() == Some("email"))
            });
            (invalid.get() || refused).then(&malformed)
        }
    });
    let general_error = move || {
        failure.with(|f| {
            f.as_ref()
                .filter(|f| f.field.as_deref() != Some("email"))
                .map(|f| f.error)
        })
    };
    let (working, label) = match kind {
        LinkKind::PasswordReset => (
            Signal::derive(tr!("forgot-working")),
            Signal::derive(tr!("forgot-submit")),
        ),
        LinkKind::SignIn => (
            Signal::derive(tr!("link-request-working")),
            Signal::derive(tr!("link-request-submit")),
        ),
    };
    let sent_view = move |address: String| {
        let (message, advice) = match kind {
            LinkKind::PasswordReset => (
                Signal::derive(tr!("forgot-sent", email = address.clone())),
                Signal::derive(tr!("forgot-sent-advice")),
            ),
            LinkKind::SignIn => (
                Signal::derive(tr!("link-request-sent", email = address.clone())),
                Signal::derive(tr!("link-request-sent-advice")),
            ),
        };
        view! {
            <Alert kind=AlertKind::Info id="link-sent">
                <p>{move || message.get()}</p>
                <p>{move || advice.get()}</p>
            </Alert>
            <Button id="link-again" kind=ButtonKind::Secondary on_click=again>
                {tr!("link-send-again")}
            </Button>
        }
    };

    move || {
        match sent.get() {
        Some(address) => sent_view(address).into_any(),
        None => view! {
            {move || general_error().map(|error| view! { <ErrorAlert error=error id="link-error" /> })}
            <form class="form" on:submit=on_submit novalidate=true>
                <TextField
                    id="link-email"
                    label=tr!("sign-in-email")
                    value=email
                    input_type="email"
                    autocomplete="username"
                    required=true
                    error=email_error
                />
                <Button id="send-link" button_type="submit" busy=send.pending()>
                    {move || if send.pending().get() { working.get() } else { label.get() }}
                </Button>
            </form>
        }
        .into_any(),
    }
    }
}

/// `/reset-password#<token>`: a new password for the account the link is for.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let token = use_fragment_token("/reset-password");
    view! {
        <div class="sign-in">
            {move || match token.get() {
                Some(token) => view! { <NewPassword token=token /> }.into_any(),
                None => view! { <ResetLinkProblem /> }.into_any(),
            }}
        </div>
    }
}

/// A reset link that is incomplete, expired or used, and where to get another.
#[component]
fn ResetLinkProblem() -> impl IntoView {
    view! {
        <PageTitle id="page-title" text=tr!("reset-problem-title") />
        <Alert kind=AlertKind::Info id="reset-problem">
            <p>{tr!("reset-problem-body")}</p>
        </Alert>
        <p>
            <A href="/forgot-password" attr:id="reset-ask-again" attr:class="button button-primary">
                {tr!("reset-ask-again")}
            </A>
        </p>
        <BackToSignIn />
    }
}

#[component]
fn NewPassword(token: String) -> impl IntoView {
    let api = use_api();
    let session = use_session();
    let token = StoredValue::new(token);
    let password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let password_missing = RwSignal::new(false);
    let confirm_missing = RwSignal::new(false);
    let mismatch = RwSignal::new(false);
    let failure = RwSignal::new(None::<Failure>);
    let done = RwSignal::new(false);

    let reset = Action::new_local(move |new_password: &String| {
        let new_password = new_password.clone();
        async move {
            let variables = reset_password::Variables {
                token: token.get_value(),
                new_password,
            };
            match api.run_detailed::<ResetPassword>(variables).await {
                Ok(_) => {
                    done.set(true);
                    // Every session of the account ended, maybe this browser's.
                    session.reload();
                    focus_main_after_render();
                }
                Err(error) => {
                    if is_spent(error.error) {
                        focus_main_after_render();
                    }
                    failure.set(Some(error));
                }
            }
        }
    });
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        let password_value = password.get_untracked();
        let confirm_value = confirm.get_untracked();
        password_missing.set(password_value.is_empty());
        confirm_missing.set(confirm_value.is_empty());
        mismatch.set(!confirm_value.is_empty() && confirm_value != password_value);
        failure.set(None);
        if !password_value.is_empty() && confirm_value == password_value {
            reset.dispatch_local(password_value);
        }
    };

    let confirm_required = tr!("reset-confirm-required");
    let confirm_different = tr!("reset-confirm-mismatch");
    let confirm_error = Signal::derive(move || {
        if confirm_missing.get() {
            Some(confirm_required())
        } else {
            mismatch.get().then(&confirm_different)
        }
    });
    // What the page shows; changes only when the stage does, so the form is
    // not drawn again for a field error.
    let stage = Memo::new(move |_| {
        if done.get() {
            Stage::Done
        } else if failure.with(|f| f.as_ref().is_some_and(|f| is_spent(f.error))) {
            Stage::Spent
        } else {
            Stage::Form
        }
    });
    let general_error = move || {
        failure.with(|f| {
            f.as_ref()
                .filter(|f| f.field.as_deref() != Some("newPassword") && !is_spent(f.error))
                .map(|f| f.error)
        })
    };
    let working = tr!("reset-working");
    let label = tr!("reset-submit");

    let form = move || {
        view! {
            <PageTitle id="page-title" text=tr!("reset-title") />
            <p class="lead">{tr!("reset-intro")}</p>
            {move || general_error().map(|error| view! { <ErrorAlert error=error id="reset-error" /> })}
            <form class="form" on:submit=on_submit novalidate=true>
                <NewPasswordField
                    label=tr!("reset-password-label")
                    value=password
                    missing=password_missing
                    failure=failure
                    field="newPassword"
                />
                <TextField
                    id="confirm-password"
                    label=tr!("reset-confirm-label")
                    value=confirm
                    input_type="password"
                    autocomplete="new-password"
                    required=true
                    error=confirm_error
                />
                <Button id="reset-password" button_type="submit" busy=reset.pending()>
                    {move || if reset.pending().get() { working() } else { label() }}
                </Button>
            </form>
        }
    };
    move || match stage.get() {
        Stage::Form => form().into_any(),
        Stage::Spent => view! { <ResetLinkProblem /> }.into_any(),
        Stage::Done => view! { <PasswordChanged /> }.into_any(),
    }
}

/// The new password is saved and every session ended: sign in again.
#[component]
fn PasswordChanged() -> impl IntoView {
    view! {
        <PageTitle id="page-title" text=tr!("reset-done-title") />
        <Alert kind=AlertKind::Info id="reset-done">
            <p>{tr!("reset-done")}</p>
        </Alert>
        <p>
            <A href="/" attr:id="go-sign-in" attr:class="button button-primary">
                {tr!("reset-sign-in")}
            </A>
        </p>
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Form,
    Done,
    Spent,
}

/// The link no longer works: it expired, was used, or a newer one replaced it.
fn is_spent(error: ApiError) -> bool {
    matches!(
        error.code(),
        Some(ErrorCode::LinkExpired | ErrorCode::LinkUsed)
    )
}

//! `/security`: two-step sign-in with an authenticator app, in both portals.
//!
//! Set-up shows the QR code and the secret once, asks for a first code, then
//! shows the recovery codes once.

use graphql_client::GraphQLQuery;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use crate::components::{
    Alert, AlertKind, Button, ButtonKind, Card, ErrorAlert, Loading, PageTitle, TextField,
};
use crate::gql::{ApiError, DateTime, Failure, use_api};
use crate::i18n::use_i18n;
use crate::intl;
use crate::layout::focus_main_after_render;
use crate::pages::SignedIn;
use crate::session::use_session;
use crate::tr;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/mfa_status.graphql",
    response_derives = "Debug, Clone"
)]
pub struct MfaStatus;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/start_totp_enrollment.graphql",
    response_derives = "Debug, Clone"
)]
pub struct StartTotpEnrollment;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/confirm_totp_enrollment.graphql",
    response_derives = "Debug, Clone"
)]
pub struct ConfirmTotpEnrollment;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/passkeys.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct MyPasskeys;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/passkeys.graphql",
    response_derives = "Debug, Clone"
)]
pub struct StartPasskeyRegistration;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/passkeys.graphql",
    response_derives = "Debug, Clone"
)]
pub struct FinishPasskeyRegistration;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/passkeys.graphql",
    response_derives = "Debug, Clone"
)]
pub struct RemovePasskey;

type Enrollment = start_totp_enrollment::StartTotpEnrollmentStartTotpEnrollment;
type PasskeyRow = my_passkeys::MyPasskeysMyPasskeys;

/// Standard base64 (with padding) of `bytes`.
pub fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The secret in groups of four, easier to type by hand.
pub fn group_secret(secret: &str) -> String {
    secret
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<Vec<_>>()
        .chunks(4)
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Where set-up stands.
#[derive(Debug, Clone)]
enum Step {
    /// Showing whether two-step sign-in is on.
    Status,
    /// The app is being set up with this enrolment.
    Scan(Enrollment),
    /// Set-up finished: the recovery codes, shown once.
    Recovery(Vec<String>),
}

#[component]
pub fn TwoStepSignIn() -> impl IntoView {
    view! {
        <SignedIn let:_viewer>
            <TwoStepSettings />
        </SignedIn>
    }
}

/// What a signed-in person sees on every page while their organization
/// requires a second factor they have not set up.
#[component]
pub fn RequiredTwoStep() -> impl IntoView {
    view! {
        <Alert kind=AlertKind::Info id="mfa-required">
            <p>{tr!("error-mfa-enrollment-required")}</p>
        </Alert>
        <TwoStepSettings />
    }
}

#[component]
fn TwoStepSettings() -> impl IntoView {
    let api = use_api();
    let session = use_session();
    let status = LocalResource::new(move || async move {
        api.run::<MfaStatus>(mfa_status::Variables)
            .await
            .map(|data| data.me.is_some_and(|me| me.user.mfa_enabled))
    });
    Effect::new(move || {
        if let Some(Err(error)) = status.get() {
            session.notice(error);
        }
    });
    let step = RwSignal::new(Step::Status);
    let start_error = RwSignal::new(None::<ApiError>);
    let start = Action::new_local(move |_: &()| async move {
        match api
            .run::<StartTotpEnrollment>(start_totp_enrollment::Variables)
            .await
        {
            Ok(data) => {
                step.set(Step::Scan(data.start_totp_enrollment));
                focus_main_after_render();
            }
            Err(error) => {
                session.notice(error);
                start_error.set(Some(error));
            }
        }
    });
    let done = Callback::new(move |()| {
        if session
            .viewer()
            .is_some_and(|viewer| viewer.mfa_enrollment_required)
        {
            // Set-up renewed the session: ask who is here now, which opens the
            // rest of the portal.
            session.reload();
            return;
        }
        step.set(Step::Status);
        status.refetch();
        focus_main_after_render();
    });
    let finished = Callback::new(move |codes: Vec<String>| {
        step.set(Step::Recovery(codes));
        focus_main_after_render();
    });

    let start_label = tr!("security-start");
    let start_working = tr!("security-start-working");
    let status_view = move || {
        match status.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(error)) => view! { <ErrorAlert error=error id="security-error" /> }.into_any(),
        Some(Ok(true)) => view! {
            <Alert kind=AlertKind::Info id="mfa-on">
                <p>{tr!("security-on")}</p>
            </Alert>
        }
        .into_any(),
        Some(Ok(false)) => view! {
            <p id="mfa-off">{tr!("security-off")}</p>
            {move || start_error.get().map(|error| view! { <ErrorAlert error=error id="start-error" /> })}
            <Button
                id="start-totp"
                busy=start.pending()
                on_click=Callback::new(move |_| {
                    start_error.set(None);
                    start.dispatch_local(());
                })
            >
                {move || if start.pending().get() { start_working() } else { start_label() }}
            </Button>
        }
        .into_any(),
    }
    };

    view! {
        <div class="narrow">
            <PageTitle id="page-title" text=tr!("security-title") />
            <p class="lead">{tr!("security-intro")}</p>
            <h2 class="section-title" id="totp-title">{tr!("security-app-title")}</h2>
            {move || match step.get() {
                Step::Status => status_view().into_any(),
                Step::Scan(enrollment) => {
                    view! { <Scan enrollment=enrollment finished=finished /> }.into_any()
                }
                Step::Recovery(codes) => {
                    view! { <RecoveryCodes codes=codes done=done /> }.into_any()
                }
            }}
            <PasskeySettings />
        </div>
    }
}

/// The person's passkeys: the list, adding one on this device, removing one.
#[component]
fn PasskeySettings() -> impl IntoView {
    let api = use_api();
    let session = use_session();
    let i18n = use_i18n();
    let list = LocalResource::new(move || async move {
        let result = api.run::<MyPasskeys>(my_passkeys::Variables).await;
        if let Err(error) = result {
            session.notice(error);
        }
        result.map(|data| data.my_passkeys)
    });
    let name = RwSignal::new(String::new());
    let name_missing = RwSignal::new(false);
    let api_error = RwSignal::new(None::<ApiError>);
    let browser_error = RwSignal::new(None::<crate::passkey::PasskeyError>);
    let added = RwSignal::new(false);
    let add = Action::new_local(move |name: &String| {
        let name = name.clone();
        async move {
            let started = match api
                .run::<StartPasskeyRegistration>(start_passkey_registration::Variables)
                .await
            {
                Ok(data) => data.start_passkey_registration,
                Err(error) => {
                    session.notice(error);
                    api_error.set(Some(error));
                    return;
                }
            };
            let credential = match crate::passkey::create(&started.options).await {
                Ok(credential) => credential,
                Err(problem) => {
                    browser_error.set(Some(problem));
                    return;
                }
            };
            let finished = api
                .run::<FinishPasskeyRegistration>(finish_passkey_registration::Variables {
                    challenge_id: started.challenge_id,
                    credential,
                    name,
                })
                .await;
            match finished {
                Ok(_) => {
                    if session
                        .viewer()
                        .is_some_and(|viewer| viewer.mfa_enrollment_required)
                    {
                        // The session was renewed: the rest of the portal opens.
                        session.reload();
                        return;
                    }
                    added.set(true);
                    list.refetch();
                }
                Err(error) => api_error.set(Some(error)),
            }
        }
    });
    let remove = Action::new_local(move |id: &String| {
        let id = id.clone();
        async move {
            match api
                .run::<RemovePasskey>(remove_passkey::Variables { id })
                .await
            {
                Ok(_) => list.refetch(),
                Err(error) => {
                    session.notice(error);
                    api_error.set(Some(error));
                }
            }
        }
    });
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        let value = name.get_untracked().trim().to_owned();
        name_missing.set(value.is_empty());
        api_error.set(None);
        browser_error.set(None);
        added.set(false);
        if !value.is_empty() {
            add.dispatch_local(value);
        }
    };
    let name_required = tr!("passkey-name-required");
    let name_error = Signal::derive(move || name_missing.get().then(&name_required));
    let working = tr!("passkey-add-working");
    let label = tr!("passkey-add");
    let remove_label = tr!("passkey-remove");
    let added_on =
        move |date: &str| intl::format_date(date, i18n.locale()).unwrap_or_else(|| date.to_owned());
    let rows = move || {
        match list.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(error)) => view! { <ErrorAlert error=error id="passkeys-error" /> }.into_any(),
        Some(Ok(passkeys)) if passkeys.is_empty() => {
            view! { <p id="no-passkeys">{tr!("passkey-none")}</p> }.into_any()
        }
        Some(Ok(passkeys)) => view! {
            <ul id="passkey-list" class="plain-list">
                {passkeys
                    .into_iter()
                    .map(|passkey: PasskeyRow| {
                        let label_id = format!("passkey-{}", passkey.id);
                        let id = passkey.id.clone();
                        let added_text = added_on(&passkey.created_at);
                        view! {
                            <li>
                                <span id=label_id.clone() class="item-name">{passkey.name}</span>
                                " "
                                <span class="item-meta">{tr!("passkey-added-on", date = added_text.clone())}</span>
                                " "
                                <Button
                                    kind=ButtonKind::Secondary
                                    aria_describedby=label_id
                                    busy=remove.pending()
                                    on_click=Callback::new(move |_| {
                                        remove.dispatch_local(id.clone());
                                    })
                                >
                                    {remove_label}
                                </Button>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        }
        .into_any(),
    }
    };
    view! {
        <h2 class="section-title" id="passkeys-title">{tr!("passkey-title")}</h2>
        <p>{tr!("passkey-intro")}</p>
        {rows}
        {move || api_error.get().map(|error| view! { <ErrorAlert error=error id="passkey-error" /> })}
        {move || {
            browser_error
                .get()
                .map(|problem| {
                    let message = problem.message();
                    view! {
                        <Alert kind=AlertKind::Error id="passkey-error">
                            <p>{move || message.get()}</p>
                        </Alert>
                    }
                })
        }}
        <Show when=move || added.get()>
            <Alert kind=AlertKind::Info id="passkey-added">
                <p>{tr!("passkey-added")}</p>
            </Alert>
        </Show>
        <form class="form form-plain" on:submit=on_submit novalidate=true>
            <TextField
                id="passkey-name"
                label=tr!("passkey-name")
                value=name
                autocomplete="off"
                required=true
                described_by="passkey-name-hint"
                error=name_error
            />
            <p class="hint" id="passkey-name-hint">{tr!("passkey-name-hint")}</p>
            <Button id="add-passkey" button_type="submit" busy=add.pending()>
                {move || if add.pending().get() { working() } else { label() }}
            </Button>
        </form>
    }
}

#[component]
fn Scan(enrollment: Enrollment, finished: Callback<Vec<String>>) -> impl IntoView {
    let api = use_api();
    let session = use_session();
    let src = format!(
        "data:image/svg+xml;base64,{}",
        base64_encode(enrollment.qr_svg.as_bytes())
    );
    let secret = group_secret(&enrollment.secret);
    let code = RwSignal::new(String::new());
    let code_missing = RwSignal::new(false);
    let failure = RwSignal::new(None::<Failure>);
    let confirm = Action::new_local(move |code: &String| {
        let code = code.clone();
        async move {
            match api
                .run_detailed::<ConfirmTotpEnrollment>(confirm_totp_enrollment::Variables { code })
                .await
            {
                Ok(data) => finished.run(data.confirm_totp_enrollment.recovery_codes),
                Err(error) => {
                    session.notice(error.error);
                    failure.set(Some(error));
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
            confirm.dispatch_local(value);
        }
    };
    let code_required = tr!("security-code-required");
    let code_wrong = tr!("security-code-wrong");
    let code_error = Signal::derive(move || {
        if code_missing.get() {
            Some(code_required())
        } else {
            failure.with(|f| {
                f.as_ref()
                    .is_some_and(|f| f.field.as_deref() == Some("code"))
                    .then(&code_wrong)
            })
        }
    });
    let general_error = move || {
        failure.with(|f| {
            f.as_ref()
                .filter(|f| f.field.as_deref() != Some("code"))
                .map(|f| f.error)
        })
    };
    let working = tr!("security-confirm-working");
    let submit_label = tr!("security-confirm");
    view! {
        <Card id="totp-setup" title=tr!("security-scan-heading")>
            <p>{tr!("security-scan-intro")}</p>
            <img class="totp-qr" id="totp-qr" src=src alt=tr!("security-qr-alt") width="200" height="200" />
            <p id="totp-secret-label">{tr!("security-secret-label")}</p>
            <p>
                <code id="totp-secret" class="totp-secret" aria-labelledby="totp-secret-label">
                    {secret}
                </code>
            </p>
            {move || general_error().map(|error| view! { <ErrorAlert error=error id="confirm-error" /> })}
            <form class="form form-plain" on:submit=on_submit novalidate=true>
                <TextField
                    id="totp-code"
                    label=tr!("security-code-label")
                    value=code
                    autocomplete="one-time-code"
                    inputmode="numeric"
                    required=true
                    error=code_error
                />
                <Button id="confirm-totp" button_type="submit" busy=confirm.pending()>
                    {move || if confirm.pending().get() { working() } else { submit_label() }}
                </Button>
            </form>
        </Card>
    }
}

#[component]
fn RecoveryCodes(codes: Vec<String>, done: Callback<()>) -> impl IntoView {
    view! {
        <Alert kind=AlertKind::Info id="mfa-turned-on">
            <p>{tr!("security-turned-on")}</p>
        </Alert>
        <Card id="recovery" title=tr!("security-recovery-heading")>
            <p>{tr!("security-recovery-advice")}</p>
            <ul id="recovery-codes" class="recovery-codes">
                {codes
                    .into_iter()
                    .map(|code| view! { <li><code>{code}</code></li> })
                    .collect_view()}
            </ul>
            <Button
                id="recovery-done"
                kind=ButtonKind::Primary
                on_click=Callback::new(move |_| done.run(()))
            >
                {tr!("security-done")}
            </Button>
        </Card>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(base64_encode(b""), "");
        assert_eq!(base64_encode(b"f"), "Zg==");
        assert_eq!(base64_encode(b"fo"), "Zm8=");
        assert_eq!(base64_encode(b"foo"), "Zm9v");
        assert_eq!(base64_encode(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn secrets_are_grouped_by_four() {
        assert_eq!(group_secret("ABCDEFGHIJ"), "ABCD EFGH IJ");
    }
}

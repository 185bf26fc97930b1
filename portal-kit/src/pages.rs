//! Pages both portals have: sign-in, not found, and the gate that shows sign-in
//! (or a loading or failure state) until someone is signed in.

use graphql_client::GraphQLQuery;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::components::{Button, ButtonKind, ErrorAlert, PageLoading, PageTitle, TextField};
use crate::gql::use_api;
use crate::layout::{Brand, focus_main_after_render, set_brand};
use crate::session::{SessionState, Viewer, use_session};
use crate::tr;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/branding.graphql",
    response_derives = "Debug, Clone"
)]
pub struct Branding;

/// The organization whose sign-in page this is: `?org=slug`, `demo` by default.
pub fn use_org_slug() -> Signal<String> {
    let query = use_query_map();
    Signal::derive(move || {
        query
            .with(|q| q.get("org"))
            .filter(|slug| {
                !slug.is_empty()
                    && slug.len() <= 64
                    && slug
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            })
            .unwrap_or_else(|| "demo".to_owned())
    })
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
            })
    });
    Effect::new(move || set_brand(organization.get()));

    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let email_missing = RwSignal::new(false);
    let password_missing = RwSignal::new(false);
    let email_required = tr!("sign-in-email-required");
    let password_required = tr!("sign-in-password-required");

    let submit = Action::new_local(move |(email, password): &(String, String)| {
        let (email, password) = (email.clone(), password.clone());
        async move {
            let result = session.sign_in(email, password).await;
            if result.is_ok() {
                focus_main_after_render();
            }
            result
        }
    });
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        let email_value = email.get_untracked().trim().to_owned();
        let password_value = password.get_untracked();
        email_missing.set(email_value.is_empty());
        password_missing.set(password_value.is_empty());
        if !email_value.is_empty() && !password_value.is_empty() {
            submit.dispatch_local((email_value, password_value));
        }
    };
    let failure = move || submit.value().get().and_then(Result::err);
    let org = move || organization.with(|o| o.as_ref().map(|b| b.name.clone()));
    let intro_named = tr!("sign-in-intro", organization = org().unwrap_or_default());
    let intro_generic = tr!("sign-in-intro-generic");
    let working = tr!("sign-in-working");
    let submit_label = tr!("sign-in-submit");
    let intro = move || {
        if organization.with(Option::is_some) {
            intro_named()
        } else {
            intro_generic()
        }
    };

    view! {
        <div class="sign-in">
            <PageTitle id="page-title" text=tr!("sign-in-title") />
            <p class="lead">{intro}</p>
            {move || failure().map(|error| view! { <ErrorAlert error=error id="sign-in-error" /> })}
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
        </div>
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

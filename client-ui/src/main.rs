//! The Caucus client portal: where parties follow their mediation.

mod case_work;
mod cases;
mod intake;
mod join;
mod schedule;

use std::time::Duration;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use portal_kit::prelude::*;
use shared_types::Locale;

fn main() {
    leptos::mount::mount_to_body(App);
}

#[component]
fn App() -> impl IntoView {
    portal_kit::provide_portal(Portal::Client);
    let nav = vec![
        NavLink {
            href: "/",
            label: Signal::derive(tr!("client-nav-home")),
            exact: true,
            visible: None,
        },
        NavLink {
            href: "/cases",
            label: Signal::derive(tr!("client-nav-cases")),
            exact: false,
            visible: None,
        },
    ];
    view! {
        <Router>
            <Shell portal_name=tr!("client-portal-name") nav=nav>
                <Routes fallback=|| view! { <NotFound /> }>
                    <Route path=path!("/") view=Home />
                    <Route path=path!("/cases") view=cases::MyCasesPage />
                    <Route path=path!("/cases/new") view=intake::NewCasePage />
                    <Route path=path!("/cases/:id") view=cases::CaseOverviewPage />
                    <Route path=path!("/intake/:id") view=intake::IntakePage />
                    <Route path=path!("/sessions") view=YourSessions />
                    <Route path=path!("/security") view=TwoStepSignIn />
                    <Route path=path!("/invitation") view=AcceptInvitationPage />
                    <Route path=path!("/sso") view=SsoLanding />
                    <Route path=path!("/forgot-password") view=ForgotPasswordPage />
                    <Route path=path!("/reset-password") view=ResetPasswordPage />
                    <Route path=path!("/sign-in-link") view=SignInLinkPage />
                    <Route path=path!("/profile") view=ProfilePage />
                    <Route path=path!("/consents") view=ConsentsPage />
                    <Route path=path!("/join") view=join::JoinPage />
                </Routes>
            </Shell>
        </Router>
    }
}

#[component]
fn Home() -> impl IntoView {
    view! {
        <SignedIn let:viewer>
            <Welcome viewer=viewer />
        </SignedIn>
    }
}

#[component]
fn Welcome(viewer: Viewer) -> impl IntoView {
    let i18n = use_i18n();
    let Viewer {
        user, organization, ..
    } = viewer;

    // The clock on the page follows the minute.
    let now = RwSignal::new(js_sys::Date::new_0());
    if let Ok(handle) = set_interval_with_handle(
        move || now.set(js_sys::Date::new_0()),
        Duration::from_secs(15),
    ) {
        on_cleanup(move || handle.clear());
    }
    let timezone = user.timezone.clone();
    let local_time = move || {
        now.with(|date| intl::format_time_in_zone(date, &timezone, i18n.locale()))
            .unwrap_or_default()
    };
    let language = Locale::parse(&user.locale).map_or_else(
        || user.locale.clone(),
        |locale| locale.native_name().to_owned(),
    );

    view! {
        <PageTitle id="page-title" text=tr!("client-home-title", name = user.name) />
        <p class="lead">{tr!("client-home-intro", organization = organization.name)}</p>
        <case_work::ToDoList />
        <Card id="your-details" title=tr!("client-details-title")>
            <dl class="details">
                <div>
                    <dt>{tr!("client-detail-email")}</dt>
                    <dd id="detail-email">{user.email}</dd>
                </div>
                <div>
                    <dt>{tr!("client-detail-timezone")}</dt>
                    <dd id="detail-timezone">{user.timezone}</dd>
                </div>
                <div>
                    <dt>{tr!("client-detail-local-time")}</dt>
                    <dd id="detail-local-time">{local_time}</dd>
                </div>
                <div>
                    <dt>{tr!("client-detail-language")}</dt>
                    <dd id="detail-language">{language}</dd>
                </div>
            </dl>
        </Card>
    }
}

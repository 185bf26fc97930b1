//! The Caucus admin portal: the staff's view of their organization.

mod audit;
mod availability;
mod calendar;
mod calendar_connections;
mod case;
mod case_settings;
mod cases;
mod charts;
mod credentials;
mod invitations;
mod logo;
mod meeting_rooms;
mod operations;
mod outcomes;
mod overview;
mod people;
mod quality;
mod roster;
mod scheduling_rules;
mod settings;
mod sms_outbox;
mod sso;
mod templates;
mod video;
mod waiting_list;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use portal_kit::prelude::*;

fn main() {
    leptos::mount::mount_to_body(App);
}

#[component]
fn App() -> impl IntoView {
    portal_kit::provide_portal(Portal::Admin);
    let session = use_session();
    let may_audit = Signal::derive(move || {
        session.viewer().is_some_and(|viewer| {
            viewer.has(RoleKey::OrgAdmin) || viewer.has(RoleKey::ComplianceOfficer)
        })
    });
    let may_run_roster = Signal::derive(move || {
        session
            .viewer()
            .is_some_and(|viewer| viewer.has(RoleKey::OrgAdmin) || viewer.has(RoleKey::CaseManager))
    });
    let may_manage = Signal::derive(move || {
        session
            .viewer()
            .is_some_and(|viewer| viewer.has(RoleKey::OrgAdmin))
    });
    let is_mediator = Signal::derive(move || {
        session
            .viewer()
            .is_some_and(|viewer| viewer.has(RoleKey::Mediator))
    });
    let sees_calendars = Signal::derive(move || {
        session.viewer().is_some_and(|viewer| {
            viewer.has(RoleKey::Mediator)
                || viewer.has(RoleKey::CaseManager)
                || viewer.has(RoleKey::OrgAdmin)
        })
    });
    let nav = vec![
        NavLink {
            href: "/",
            label: Signal::derive(tr!("admin-nav-overview")),
            exact: true,
            visible: None,
        },
        NavLink {
            href: "/cases",
            label: Signal::derive(tr!("admin-nav-cases")),
            exact: false,
            visible: None,
        },
        NavLink {
            href: "/operations",
            label: Signal::derive(tr!("ops-nav")),
            exact: false,
            visible: Some(may_run_roster),
        },
        NavLink {
            href: "/roster",
            label: Signal::derive(tr!("admin-nav-roster")),
            exact: false,
            visible: Some(may_run_roster),
        },
        NavLink {
            href: "/calendar",
            label: Signal::derive(tr!("admin-nav-calendar")),
            exact: false,
            visible: Some(sees_calendars),
        },
        NavLink {
            href: "/waiting-list",
            label: Signal::derive(tr!("admin-nav-waiting-list")),
            exact: false,
            visible: Some(sees_calendars),
        },
        NavLink {
            href: "/meeting-rooms",
            label: Signal::derive(tr!("admin-nav-rooms")),
            exact: false,
            visible: Some(may_run_roster),
        },
        NavLink {
            href: "/availability",
            label: Signal::derive(tr!("admin-nav-availability")),
            exact: false,
            visible: Some(is_mediator),
        },
        NavLink {
            href: "/templates",
            label: Signal::derive(tr!("admin-nav-templates")),
            exact: false,
            visible: Some(may_manage),
        },
        NavLink {
            href: "/outcomes",
            label: Signal::derive(tr!("admin-nav-outcomes")),
            exact: false,
            visible: Some(may_audit),
        },
        NavLink {
            href: "/people",
            label: Signal::derive(tr!("admin-nav-people")),
            exact: false,
            visible: None,
        },
        NavLink {
            href: "/audit",
            label: Signal::derive(tr!("admin-nav-audit")),
            exact: false,
            visible: Some(may_audit),
        },
        NavLink {
            href: "/credentials",
            label: Signal::derive(tr!("admin-nav-credentials")),
            exact: false,
            visible: Some(may_manage),
        },
        NavLink {
            href: "/sms-outbox",
            label: Signal::derive(tr!("admin-nav-sms-outbox")),
            exact: false,
            visible: Some(may_manage),
        },
        NavLink {
            href: "/settings",
            label: Signal::derive(tr!("admin-nav-settings")),
            exact: false,
            visible: Some(may_manage),
        },
    ];
    view! {
        <Router>
            <Shell portal_name=tr!("admin-portal-name") nav=nav>
                <Routes fallback=|| view! { <NotFound /> }>
                    <Route path=path!("/") view=overview::Overview />
                    <Route path=path!("/cases") view=cases::Cases />
                    <Route path=path!("/cases/:id") view=case::CasePage />
                    <Route path=path!("/outcomes") view=outcomes::OutcomesPage />
                    <Route path=path!("/operations") view=operations::OperationsPage />
                    <Route path=path!("/people") view=people::People />
                    <Route path=path!("/roster") view=roster::RosterPage />
                    <Route path=path!("/availability") view=availability::AvailabilityPage />
                    <Route path=path!("/calendar") view=calendar::CalendarPage />
                    <Route path=path!("/calendar/connect") view=calendar_connections::CalendarConnectPage />
                    <Route path=path!("/waiting-list") view=waiting_list::WaitingListPage />
                    <Route path=path!("/meeting-rooms") view=meeting_rooms::MeetingRoomsPage />
                    <Route path=path!("/templates") view=templates::TemplatesPage />
                    <Route path=path!("/templates/:type") view=templates::TemplateEditorPage />
                    <Route path=path!("/audit") view=audit::Audit />
                    <Route path=path!("/settings") view=settings::Settings />
                    <Route path=path!("/credentials") view=credentials::Credentials />
                    <Route path=path!("/sms-outbox") view=sms_outbox::SmsOutboxPage />
                    <Route path=path!("/sessions") view=YourSessions />
                    <Route path=path!("/security") view=TwoStepSignIn />
                    <Route path=path!("/invitation") view=AcceptInvitationPage />
                    <Route path=path!("/sso") view=SsoLanding />
                    <Route path=path!("/forgot-password") view=ForgotPasswordPage />
                    <Route path=path!("/reset-password") view=ResetPasswordPage />
                    <Route path=path!("/sign-in-link") view=SignInLinkPage />
                    <Route path=path!("/profile") view=ProfilePage />
                    <Route path=path!("/sessions/:id/video") view=video::VideoPage />
                    <Route path=path!("/sessions/:id/quality") view=quality::QualityPage />
                </Routes>
            </Shell>
        </Router>
    }
}

/// Signed-in staff see `children`; anyone else the sign-in page or a note that
/// this portal is for staff.
#[component]
fn StaffPage<C, V>(children: C) -> impl IntoView
where
    C: Fn(Viewer) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    view! {
        <SignedIn let:viewer>
            {if viewer.is_staff() {
                children(viewer).into_any()
            } else {
                view! { <StaffOnly /> }.into_any()
            }}
        </SignedIn>
    }
}

#[component]
fn StaffOnly() -> impl IntoView {
    view! {
        <PageTitle id="page-title" text=tr!("admin-portal-name") />
        <Alert kind=AlertKind::Info id="staff-only">
            <p>{tr!("admin-staff-only")}</p>
        </Alert>
    }
}

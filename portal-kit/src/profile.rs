//! `/profile`: the signed-in person's name, language and time zone, in both
//! portals. Saving renews the session's viewer, so the header and every page
//! show the change at once.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared_types::Locale;

use crate::account_fields::{LanguageField, NameField, TimeZoneField, time_zone_options};
use crate::components::{Alert, AlertKind, Button, Card, ErrorAlert, PageTitle};
use crate::gql::Failure;
use crate::i18n::use_i18n;
use crate::intl;
use crate::layout::focus_main_after_render;
use crate::pages::SignedIn;
use crate::session::{Viewer, use_session};
use crate::tr;

/// What outlives the form: saving changes the viewer, which draws the page
/// again from it.
#[derive(Clone, Copy)]
struct Saving {
    busy: RwSignal<bool>,
    saved: RwSignal<bool>,
    failure: RwSignal<Option<Failure>>,
}

#[component]
pub fn ProfilePage() -> impl IntoView {
    let saving = Saving {
        busy: RwSignal::new(false),
        saved: RwSignal::new(false),
        failure: RwSignal::new(None),
    };
    view! {
        <SignedIn let:viewer>
            <ProfileForm viewer=viewer saving=saving />
        </SignedIn>
    }
}

#[component]
fn ProfileForm(viewer: Viewer, saving: Saving) -> impl IntoView {
    let session = use_session();
    let i18n = use_i18n();
    let Saving {
        busy,
        saved,
        failure,
    } = saving;
    let user = viewer.user;
    let name = RwSignal::new(user.name.clone());
    let language = RwSignal::new(
        Locale::parse(&user.locale)
            .unwrap_or_default()
            .tag()
            .to_owned(),
    );
    let browser_zone = intl::browser_time_zone().unwrap_or_default();
    let zones = time_zone_options(&[&user.timezone, &browser_zone]);
    let timezone = RwSignal::new(user.timezone.clone());
    let name_missing = RwSignal::new(false);

    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        let name_value = name.get_untracked().trim().to_owned();
        name_missing.set(name_value.is_empty());
        saved.set(false);
        failure.set(None);
        if name_value.is_empty() || busy.get_untracked() {
            return;
        }
        let locale = Locale::parse(&language.get_untracked()).unwrap_or_default();
        let zone = timezone.get_untracked();
        busy.set(true);
        leptos::task::spawn_local(async move {
            match session.update_profile(name_value, locale, zone).await {
                Ok(()) => {
                    // Caucus follows the language chosen for it.
                    if i18n.locale_untracked() != locale {
                        i18n.set_locale(locale);
                    }
                    saved.set(true);
                    focus_main_after_render();
                }
                Err(error) => {
                    session.notice(error.error);
                    failure.set(Some(error));
                }
            }
            busy.set(false);
        });
    };
    let general_error = move || {
        failure.with(|f| {
            f.as_ref()
                .filter(|f| !matches!(f.field.as_deref(), Some("name" | "timezone")))
                .map(|f| f.error)
        })
    };
    let working = tr!("profile-saving");
    let label = tr!("profile-save");

    view! {
        <div class="narrow">
            <PageTitle id="page-title" text=tr!("profile-title") />
            <p class="lead">{tr!("profile-intro")}</p>
            {move || general_error().map(|error| view! { <ErrorAlert error=error id="profile-error" /> })}
            {move || {
                saved
                    .get()
                    .then(|| {
                        view! {
                            <Alert kind=AlertKind::Info id="profile-saved">
                                <p>{tr!("profile-saved")}</p>
                            </Alert>
                        }
                    })
            }}
            <Card id="profile-account" title=tr!("profile-account-heading")>
                <dl class="details">
                    <div>
                        <dt>{tr!("client-detail-email")}</dt>
                        <dd id="profile-email">{user.email}</dd>
                    </div>
                </dl>
                <p class="hint" id="profile-email-note">
                    {tr!("profile-email-note")}
                </p>
            </Card>
            <form class="form" on:submit=on_submit novalidate=true>
                <NameField value=name missing=name_missing failure=failure />
                <LanguageField value=language />
                <TimeZoneField value=timezone options=zones failure=failure />
                <Button id="save-profile" button_type="submit" busy=busy>
                    {move || if busy.get() { working() } else { label() }}
                </Button>
            </form>
        </div>
    }
}

//! `/profile`: the signed-in person's name, language, time zone, and mobile
//! number with the choice of SMS session notices, in both portals. Saving renews the session's viewer, so the header and every page
//! show the change at once.

use graphql_client::GraphQLQuery;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared_types::Locale;

use crate::account_fields::{
    LanguageField, NameField, TimeZoneField, failed_on, time_zone_options,
};
use crate::components::{
    Alert, AlertKind, Button, Card, Checkbox, ErrorAlert, PageTitle, TextField,
};
use crate::gql::{Failure, use_api};
use crate::i18n::use_i18n;
use crate::intl;
use crate::layout::focus_main_after_render;
use crate::pages::SignedIn;
use crate::session::{Viewer, use_session};
use crate::tr;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/my_contact.graphql",
    response_derives = "Debug, Clone"
)]
pub struct MyContact;

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
    // The number and SMS choice come from their own query; until it answers
    // they are left as they are.
    let mobile = RwSignal::new(String::new());
    let sms = RwSignal::new(false);
    let contact_loaded = RwSignal::new(false);
    let api = use_api();
    leptos::task::spawn_local(async move {
        if let Ok(data) = api.run::<MyContact>(my_contact::Variables {}).await
            && let Some(me) = data.me
        {
            mobile.set(me.mobile.unwrap_or_default());
            sms.set(me.sms_opt_in);
            contact_loaded.set(true);
        }
    });

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
        let contact = contact_loaded.get_untracked().then(|| {
            (
                mobile.get_untracked().trim().to_owned(),
                sms.get_untracked(),
            )
        });
        busy.set(true);
        leptos::task::spawn_local(async move {
            match session
                .update_profile(name_value, locale, zone, contact)
                .await
            {
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
                .filter(|f| {
                    !matches!(
                        f.field.as_deref(),
                        Some("name" | "timezone" | "mobile" | "smsOptIn")
                    )
                })
                .map(|f| f.error)
        })
    };
    let mobile_invalid = tr!("profile-mobile-invalid");
    let sms_needs_mobile = tr!("profile-sms-needs-mobile");
    let mobile_error = Signal::derive(move || {
        if failed_on(failure, "mobile") {
            Some(mobile_invalid())
        } else if failed_on(failure, "smsOptIn") {
            Some(sms_needs_mobile())
        } else {
            None
        }
    });
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
                <p class="hint" id="mobile-hint">
                    {tr!("profile-mobile-hint")}
                </p>
                <TextField
                    id="mobile"
                    label=tr!("profile-mobile")
                    value=mobile
                    input_type="tel"
                    autocomplete="tel"
                    inputmode="tel"
                    error=mobile_error
                    described_by="mobile-hint"
                />
                <Checkbox
                    id="sms-opt-in"
                    label=tr!("profile-sms-opt-in")
                    checked=sms
                    hint=tr!("profile-sms-opt-in-hint")
                />
                <Button id="save-profile" button_type="submit" busy=busy>
                    {move || if busy.get() { working() } else { label() }}
                </Button>
            </form>
        </div>
    }
}

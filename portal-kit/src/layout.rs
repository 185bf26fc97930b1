//! The page shell every portal page sits in: skip link, branded header with the
//! language switcher and the signed-in person, navigation, `<main>`, footer.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;
use shared_types::Locale;
use wasm_bindgen::JsCast;

use crate::components::{Button, ButtonKind, ErrorAlert};
use crate::gql::{ApiError, Portal, use_api};
use crate::i18n::use_i18n;
use crate::session::use_session;
use crate::tr;

/// An organization's look before anyone signs in (from the public `branding` query).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Brand {
    pub name: String,
    /// `#rrggbb`, readable under white text.
    pub color: String,
    /// Where the organization's logo is served, if it has one.
    pub logo: Option<String>,
}

/// The brand a sign-in page has loaded; the signed-in organization wins over it.
#[derive(Clone, Copy)]
pub struct BrandContext(pub RwSignal<Option<Brand>>);

/// Sets the brand shown in the header while nobody is signed in.
pub fn set_brand(brand: Option<Brand>) {
    if let Some(BrandContext(signal)) = use_context::<BrandContext>() {
        signal.set(brand);
    }
}

/// A logo just set or removed in an organization (its id, its new address),
/// shown over the signed-in viewer's until the viewer is fetched again.
#[derive(Clone, Copy)]
pub struct LogoOverride(pub RwSignal<Option<(String, Option<String>)>>);

/// Shows `logo` (or none) as the organization `org_id`'s at once, without
/// fetching the viewer again (which would rebuild the page).
pub fn set_logo(org_id: String, logo: Option<String>) {
    if let Some(LogoOverride(signal)) = use_context::<LogoOverride>() {
        signal.set(Some((org_id, logo)));
    }
}

/// The colour when it is `#rrggbb`; only such a value reaches a style attribute.
pub fn safe_color(color: &str) -> Option<String> {
    let hex = color.strip_prefix('#')?;
    (hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit())).then(|| color.to_owned())
}

/// The logo address when it is one of ours (`/branding/…` on this origin);
/// nothing else reaches an `<img src>`.
pub fn safe_logo(url: &str) -> Option<String> {
    (url.starts_with("/branding/")
        && url
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '/' || c == '-'))
    .then(|| url.to_owned())
}

/// A link in the main navigation.
#[derive(Clone)]
pub struct NavLink {
    pub href: &'static str,
    pub label: Signal<String>,
    /// Current only on this exact path (for `/`).
    pub exact: bool,
    /// Shown only while this is true (for example to some roles); always when `None`.
    pub visible: Option<Signal<bool>>,
}

/// The page shell. Every page gets the same landmarks: `header`, the labelled
/// `nav` (when the portal has links), `main#main` and `footer`.
#[component]
pub fn Shell(
    /// "Admin portal" or "Client portal".
    #[prop(into)]
    portal_name: Signal<String>,
    #[prop(optional)] nav: Vec<NavLink>,
    children: Children,
) -> impl IntoView {
    let session = use_session();
    let brand_override = RwSignal::new(None::<Brand>);
    provide_context(BrandContext(brand_override));
    let logo_override = RwSignal::new(None::<(String, Option<String>)>);
    provide_context(LogoOverride(logo_override));
    let brand = Memo::new(move |_| {
        session
            .viewer()
            .map(|viewer| {
                let logo = logo_override
                    .get()
                    .filter(|(org, _)| *org == viewer.organization.id)
                    .map_or(viewer.organization.logo_url, |(_, logo)| logo);
                Brand {
                    name: viewer.organization.name,
                    color: viewer.organization.brand_color,
                    logo,
                }
            })
            .or_else(|| brand_override.get())
    });
    let brand_name = move || brand.with(|b| b.as_ref().map(|b| b.name.clone()));
    let brand_logo = move || {
        brand
            .with(|b| {
                b.as_ref()
                    .and_then(|b| b.logo.as_deref().and_then(safe_logo))
            })
            // The organization's name is beside it, so the image is decorative.
            .map(|src| view! { <img id="header-logo" class="brand-logo" src=src alt="" /> })
    };
    let brand_style = move || {
        brand
            .with(|b| b.as_ref().and_then(|b| safe_color(&b.color)))
            .map(|color| format!("--brand: {color}"))
    };
    let app_name = tr!("app-name");
    // A client-side navigation moves focus to the new page, as a page load would
    // reset it; the first render keeps the browser's own focus.
    let location = use_location();
    Effect::new(move |previous: Option<String>| {
        let path = location.pathname.get();
        if previous.is_some_and(|previous| previous != path) {
            focus_main_after_render();
        }
        path
    });

    view! {
        <a class="skip-link" href="#main" on:click=skip_to_main>
            {tr!("skip-to-content")}
        </a>
        <header class="site-header" style=brand_style>
            <div class="header-inner">
                <div class="brand-block">
                    {brand_logo}
                    <p class="brand">
                        <span class="brand-org">{move || brand_name().unwrap_or_else(&app_name)}</span>
                        <span class="brand-portal">{move || portal_name.get()}</span>
                    </p>
                </div>
                <div class="header-tools">
                    <OrganizationSwitcher />
                    <LanguageSwitcher />
                    <SessionBox />
                </div>
            </div>
            {(!nav.is_empty()).then(|| view! { <MainNav links=nav /> })}
        </header>
        <main id="main" tabindex="-1">
            {children()}
        </main>
        <footer class="site-footer">
            <p>{tr!("confidential-footer")}</p>
        </footer>
    }
}

/// Moves focus to `<main>` (the router would otherwise treat `#main` as navigation).
fn skip_to_main(event: leptos::ev::MouseEvent) {
    event.prevent_default();
    focus_main();
}

/// Puts keyboard and screen-reader focus at the start of `<main>`: after the skip
/// link, a client-side navigation, signing in or out.
pub fn focus_main() {
    if let Some(main) = document()
        .get_element_by_id("main")
        .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = main.focus();
        main.scroll_into_view();
    }
}

/// [`focus_main`] once the current update has rendered.
pub fn focus_main_after_render() {
    request_animation_frame(focus_main);
}

/// Focuses the element `id` once the current update has rendered (a field
/// to fill in next, an error summary).
pub fn focus_after_render(id: &'static str) {
    request_animation_frame(move || {
        if let Some(element) = document()
            .get_element_by_id(id)
            .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = element.focus();
        }
    });
}

#[component]
fn MainNav(links: Vec<NavLink>) -> impl IntoView {
    view! {
        <nav class="main-nav" aria-label=tr!("main-navigation")>
            <ul>
                {links
                    .into_iter()
                    .map(|link| {
                        let label = link.label;
                        let visible = link.visible;
                        let shown = move || visible.is_none_or(|visible| visible.get());
                        view! {
                            <Show when=shown>
                                <li>
                                    <A href=link.href exact=link.exact>
                                        {move || label.get()}
                                    </A>
                                </li>
                            </Show>
                        }
                    })
                    .collect_view()}
            </ul>
        </nav>
    }
}

/// `<select id="language">` with a visible label; the choice is remembered.
#[component]
fn LanguageSwitcher() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="language-switcher">
            <label for="language">{tr!("language-label")}</label>
            <select
                id="language"
                on:change=move |event| {
                    if let Some(locale) = Locale::parse(&event_target_value(&event)) {
                        i18n.set_locale(locale);
                    }
                }
            >
                {Locale::ALL
                    .iter()
                    .map(|&locale| {
                        view! {
                            <option
                                value=locale.tag()
                                lang=locale.tag()
                                selected=move || i18n.locale() == locale
                            >
                                {locale.native_name()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}

/// For people with roles in several organizations: which one they act in.
/// Shown only when there is a choice.
#[component]
fn OrganizationSwitcher() -> impl IntoView {
    let session = use_session();
    let navigate = leptos_router::hooks::use_navigate();
    let signed_in_as = Memo::new(move |_| session.viewer().map(|v| (v.user.id, v.organization.id)));
    let organizations = LocalResource::new(move || {
        let who = signed_in_as.get();
        async move {
            match who {
                Some(_) => session.organizations().await.unwrap_or_default(),
                None => Vec::new(),
            }
        }
    });
    let switch = Action::new_local(move |id: &String| {
        let id = id.clone();
        let navigate = navigate.clone();
        async move {
            if session.switch_organization(id).await.is_ok() {
                navigate("/", Default::default());
                focus_main_after_render();
            }
        }
    });
    move || {
        let choices = organizations.get().unwrap_or_default();
        (choices.len() > 1).then(|| {
            view! {
                <div class="language-switcher">
                    <label for="organization">{tr!("organization-label")}</label>
                    <select
                        id="organization"
                        disabled=move || switch.pending().get()
                        on:change=move |event| {
                            switch.dispatch_local(event_target_value(&event));
                        }
                    >
                        {choices
                            .into_iter()
                            .map(|(id, name, current)| {
                                view! { <option value=id selected=current>{name}</option> }
                            })
                            .collect_view()}
                    </select>
                </div>
            }
        })
    }
}

/// "Signed in as …" and the sign-out button, while someone is signed in.
#[component]
fn SessionBox() -> impl IntoView {
    let session = use_session();
    // Agreements are the client portal's: parties accept them before mediation.
    let portal = use_api().portal();
    let sign_out = Action::new_local(move |_: &()| async move {
        let result = session.sign_out().await;
        if result.is_ok() {
            focus_main_after_render();
        }
        result
    });
    let failed = move || sign_out.value().get().and_then(Result::err);
    view! {
        {move || {
            session
                .viewer()
                .map(|viewer| {
                    let name = viewer.user.name;
                    view! {
                        <div class="session-box">
                            <p class="signed-in-as" id="signed-in-as">
                                {tr!("portal-signed-in-as", name = name)}
                            </p>
                            <A href="/profile" attr:id="profile-link" attr:class="header-link">
                                {tr!("profile-link")}
                            </A>
                            <A href="/sessions" attr:id="sessions-link" attr:class="header-link">
                                {tr!("sessions-link")}
                            </A>
                            <A href="/security" attr:id="security-link" attr:class="header-link">
                                {tr!("security-link")}
                            </A>
                            {(portal == Portal::Client)
                                .then(|| {
                                    view! {
                                        <A
                                            href="/consents"
                                            attr:id="consents-link"
                                            attr:class="header-link"
                                        >
                                            {tr!("consents-link")}
                                        </A>
                                    }
                                })}
                            <Button
                                id="sign-out"
                                kind=ButtonKind::OnBrand
                                busy=sign_out.pending()
                                on_click=Callback::new(move |_| {
                                    sign_out.dispatch_local(());
                                })
                            >
                                {tr!("sign-out")}
                            </Button>
                        </div>
                    }
                })
        }}
        {move || failed().map(|error: ApiError| view! { <ErrorAlert error=error /> })}
    }
}

#[cfg(test)]
mod tests {
    use super::safe_logo;

    #[test]
    fn only_our_logo_addresses_reach_an_image() {
        let ours = "/branding/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/logo/9f86d081884c7d65";
        assert_eq!(safe_logo(ours).as_deref(), Some(ours));
        for other in [
            "https://elsewhere.example/logo.png",
            "//elsewhere.example/branding/x",
            "javascript:alert(1)",
            "data:image/svg+xml;base64,PHN2Zz4=",
            "/branding/../graphql",
            "/branding/x?y=1",
            "/other/logo",
            "",
        ] {
            assert_eq!(safe_logo(other), None, "{other}");
        }
    }
}

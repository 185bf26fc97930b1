//! The logo part of `/settings` (org admins): the current logo, uploading a
//! new one (PNG, JPEG or WebP; the API checks the bytes) and removing it. The
//! header follows at once (through [`portal_kit::layout::set_logo`]).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use graphql_client::GraphQLQuery;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use portal_kit::gql::Failure;
use portal_kit::prelude::*;
use wasm_bindgen::JsCast;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/org_logo.graphql",
    response_derives = "Debug, Clone"
)]
pub struct OrgLogo;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/org_logo.graphql",
    variables_derives = "Clone",
    response_derives = "Debug, Clone"
)]
pub struct SetOrgLogo;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/org_logo.graphql",
    response_derives = "Debug, Clone"
)]
pub struct RemoveOrgLogo;

/// The API's limit; checked here first so a too-large file is not sent.
const MAX_LOGO_BYTES: f64 = 128.0 * 1024.0;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Saved,
    Removed,
}

/// The message for an API refusal of an image, by its `reason`.
fn refusal_key(reason: Option<&str>) -> &'static str {
    match reason {
        Some("too_large") => "logo-error-too-large",
        Some("dimensions") => "logo-error-dimensions",
        Some("corrupt") => "logo-error-corrupt",
        Some("empty") => "logo-error-empty",
        _ => "logo-error-type",
    }
}

/// The bytes of the file chosen in `<input type=file id=input_id>`.
async fn chosen_file(input_id: &str) -> Result<Option<Vec<u8>>, &'static str> {
    let Some(file) = document()
        .get_element_by_id(input_id)
        .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
        .and_then(|input| input.files())
        .and_then(|files| files.get(0))
    else {
        return Ok(None);
    };
    if file.size() > MAX_LOGO_BYTES {
        return Err("logo-error-too-large");
    }
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
        .await
        .map_err(|_| "logo-error-corrupt")?;
    Ok(Some(js_sys::Uint8Array::new(&buffer).to_vec()))
}

#[component]
pub fn LogoSection() -> impl IntoView {
    let api = use_api();
    let session = use_session();
    let i18n = use_i18n();
    let loaded = LocalResource::new(move || async move {
        let result = api.run::<OrgLogo>(org_logo::Variables).await;
        if let Err(error) = result {
            session.notice(error);
        }
        result.map(|data| {
            let org = data.organization;
            (org.id, org.name, org.logo_url)
        })
    });
    // (organization id, name, logo address)
    let current = RwSignal::new(None::<(String, String, Option<String>)>);
    Effect::new(move || {
        if let Some(Ok(found)) = loaded.get() {
            current.set(Some(found));
        }
    });
    let problem = RwSignal::new(None::<&'static str>);
    let failure = RwSignal::new(None::<ApiError>);
    let outcome = RwSignal::new(None::<Outcome>);
    let changed = move |id: String, name: String, url: Option<String>, what: Outcome| {
        portal_kit::layout::set_logo(id.clone(), url.clone());
        current.set(Some((id, name, url)));
        outcome.set(Some(what));
    };
    let upload = Action::new_local(move |image: &String| {
        let image = image.clone();
        async move {
            match api
                .run_detailed::<SetOrgLogo>(set_org_logo::Variables { image })
                .await
            {
                Ok(data) => {
                    let org = data.set_organization_logo;
                    changed(org.id, org.name, org.logo_url, Outcome::Saved);
                }
                Err(refused) => {
                    let refused: Failure = refused;
                    session.notice(refused.error);
                    if refused.field.as_deref() == Some("image") {
                        problem.set(Some(refusal_key(refused.reason.as_deref())));
                    } else {
                        failure.set(Some(refused.error));
                    }
                }
            }
        }
    });
    let remove = Action::new_local(move |_: &()| async move {
        match api.run::<RemoveOrgLogo>(remove_org_logo::Variables).await {
            Ok(data) => {
                let org = data.remove_organization_logo;
                changed(org.id, org.name, org.logo_url, Outcome::Removed);
            }
            Err(error) => {
                session.notice(error);
                failure.set(Some(error));
            }
        }
    });
    let reading = RwSignal::new(false);
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        problem.set(None);
        failure.set(None);
        outcome.set(None);
        reading.set(true);
        leptos::task::spawn_local(async move {
            match chosen_file("logo-file").await {
                Ok(Some(bytes)) => {
                    upload.dispatch_local(STANDARD.encode(bytes));
                }
                Ok(None) => problem.set(Some("logo-choose-first")),
                Err(key) => problem.set(Some(key)),
            }
            reading.set(false);
        });
    };
    let busy = Signal::derive(move || reading.get() || upload.pending().get());
    let picture = move || {
        current.get().map(|(_, name, url)| match url {
            Some(url) if portal_kit::layout::safe_logo(&url).is_some() => {
                let alt = tr!("logo-current-alt", organization = name);
                view! { <img id="current-logo" class="logo-preview" src=url alt=alt /> }.into_any()
            }
            _ => view! { <p id="no-logo">{tr!("logo-none")}</p> }.into_any(),
        })
    };
    let has_logo = move || current.with(|c| c.as_ref().is_some_and(|(_, _, url)| url.is_some()));
    let working = tr!("logo-uploading");
    let label = tr!("logo-upload");
    view! {
        <h2 class="section-title" id="logo-title">{tr!("logo-title")}</h2>
        <p id="logo-intro">{tr!("logo-intro")}</p>
        {move || match loaded.get() {
            Some(Err(error)) => Some(view! { <ErrorAlert error=error id="logo-load-error" /> }),
            _ => None,
        }}
        {picture}
        {move || failure.get().map(|error| view! { <ErrorAlert error=error id="logo-error" /> })}
        {move || {
            problem
                .get()
                .map(|key| {
                    view! {
                        <Alert kind=AlertKind::Error id="logo-problem">
                            <p>{move || i18n.tr(key)}</p>
                        </Alert>
                    }
                })
        }}
        {move || {
            outcome
                .get()
                .map(|what| {
                    let key = match what {
                        Outcome::Saved => "logo-saved",
                        Outcome::Removed => "logo-removed",
                    };
                    view! {
                        <Alert kind=AlertKind::Info id="logo-outcome">
                            <p>{move || i18n.tr(key)}</p>
                        </Alert>
                    }
                })
        }}
        <form class="form" on:submit=on_submit novalidate=true aria-labelledby="logo-title">
            <div class="field">
                <label for="logo-file">{tr!("logo-file")}</label>
                <input
                    id="logo-file"
                    name="logo-file"
                    type="file"
                    accept="image/png,image/jpeg,image/webp"
                    aria-describedby="logo-intro"
                />
            </div>
            <div class="button-row">
                <Button id="upload-logo" button_type="submit" busy=busy>
                    {move || if busy.get() { working() } else { label() }}
                </Button>
                <Show when=has_logo>
                    <Button
                        id="remove-logo"
                        kind=ButtonKind::Secondary
                        busy=remove.pending()
                        on_click=Callback::new(move |_| {
                            problem.set(None);
                            outcome.set(None);
                            remove.dispatch_local(());
                        })
                    >
                        {tr!("logo-remove")}
                    </Button>
                </Show>
            </div>
        </form>
    }
}

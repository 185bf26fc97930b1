use leptos::prelude::*;

use crate::tr;

/// The page's one `<h1>`; also sets `document.title` ("Title · Caucus").
#[component]
pub fn PageTitle(
    #[prop(into)] text: Signal<String>,
    #[prop(optional, into)] id: Option<String>,
) -> impl IntoView {
    let app_name = tr!("app-name");
    Effect::new(move || {
        document().set_title(&format!("{} · {}", text.get(), app_name()));
    });
    view! {
        <h1 id=id class="page-title">
            {move || text.get()}
        </h1>
    }
}

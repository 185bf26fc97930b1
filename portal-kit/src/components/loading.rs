use leptos::prelude::*;

use crate::tr;

/// An inline loading state: a spinner with text, announced politely.
#[component]
pub fn Loading() -> impl IntoView {
    view! {
        <p class="loading" role="status">
            <span class="spinner" aria-hidden="true"></span>
            {tr!("loading")}
        </p>
    }
}

/// A whole page that is still loading: its `<h1>` says so.
#[component]
pub fn PageLoading() -> impl IntoView {
    view! {
        <div class="page-loading" role="status">
            <span class="spinner" aria-hidden="true"></span>
            <h1 id="loading-title">{tr!("loading")}</h1>
        </div>
    }
}

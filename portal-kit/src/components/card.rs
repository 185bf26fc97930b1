use leptos::prelude::*;

/// A titled section of a page (`<section>` labelled by its `<h2>`).
#[component]
pub fn Card(
    /// Unique on the page; names the heading.
    id: &'static str,
    #[prop(into)] title: Signal<String>,
    children: Children,
) -> impl IntoView {
    let heading = format!("{id}-title");
    let labelled_by = heading.clone();
    view! {
        <section id=id class="card" aria-labelledby=labelled_by>
            <h2 id=heading class="card-title">
                {move || title.get()}
            </h2>
            {children()}
        </section>
    }
}

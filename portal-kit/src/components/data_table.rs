use leptos::prelude::*;

/// A table with a caption and column headers, inside a keyboard-scrollable region
/// so wide tables scroll sideways on a phone instead of overflowing the page.
/// `children` are the `<tr>` rows.
#[component]
pub fn DataTable(
    id: &'static str,
    #[prop(into)] caption: Signal<String>,
    /// Column headings, in order.
    columns: Vec<Signal<String>>,
    children: Children,
) -> impl IntoView {
    let caption_id = format!("{id}-caption");
    let labelled_by = caption_id.clone();
    view! {
        <div class="table-scroll" role="region" aria-labelledby=labelled_by tabindex="0">
            <table id=id class="data-table">
                <caption id=caption_id>{move || caption.get()}</caption>
                <thead>
                    <tr>
                        {columns
                            .into_iter()
                            .map(|column| view! { <th scope="col">{move || column.get()}</th> })
                            .collect_view()}
                    </tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}

//! Copying text for the person (a secret shown once, a long identifier).

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::components::{Button, ButtonKind};
use crate::tr;

/// Puts `text` on the clipboard; false when the browser refused.
pub async fn copy_text(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let promise = window.navigator().clipboard().write_text(text);
    wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Copied {
    Not,
    Yes,
    Refused,
}

/// A button that copies `text`, with a polite status saying whether it worked
/// (and, if the browser refused, to select and copy the text by hand).
#[component]
pub fn CopyButton(
    id: &'static str,
    #[prop(into)] label: Signal<String>,
    text: String,
    /// The id of the text being copied, which describes the button.
    describes: &'static str,
) -> impl IntoView {
    let state = RwSignal::new(Copied::Not);
    let text = StoredValue::new(text);
    let status_id = format!("{id}-status");
    let copied = tr!("copy-done");
    let refused = tr!("copy-refused");
    view! {
        <span class="copy">
            <Button
                id=id
                kind=ButtonKind::Secondary
                aria_describedby=describes
                on_click=Callback::new(move |_| {
                    state.set(Copied::Not);
                    spawn_local(async move {
                        let ok = copy_text(&text.get_value()).await;
                        state.set(if ok { Copied::Yes } else { Copied::Refused });
                    });
                })
            >
                {move || label.get()}
            </Button>
            <span id=status_id class="copy-status" role="status">
                {move || match state.get() {
                    Copied::Not => String::new(),
                    Copied::Yes => copied(),
                    Copied::Refused => refused(),
                }}
            </span>
        </span>
    }
}

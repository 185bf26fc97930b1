use leptos::ev::MouseEvent;
use leptos::prelude::*;

/// How prominent a button is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ButtonKind {
    /// The one main action of a form or page.
    #[default]
    Primary,
    Secondary,
    /// On the brand-coloured header.
    OnBrand,
}

impl ButtonKind {
    const fn class(self) -> &'static str {
        match self {
            ButtonKind::Primary => "button button-primary",
            ButtonKind::Secondary => "button button-secondary",
            ButtonKind::OnBrand => "button button-on-brand",
        }
    }
}

/// A native `<button>`. `busy` disables it and sets `aria-busy` while work runs.
#[component]
pub fn Button(
    children: Children,
    #[prop(optional, into)] id: Option<String>,
    #[prop(optional)] kind: ButtonKind,
    /// `button` (default) or `submit`.
    #[prop(default = "button")]
    button_type: &'static str,
    #[prop(optional, into)] busy: Signal<bool>,
    #[prop(optional)] on_click: Option<Callback<MouseEvent>>,
    /// Ids of text describing the button (for example its table row's name).
    #[prop(optional, into)]
    aria_describedby: Option<String>,
) -> impl IntoView {
    view! {
        <button
            id=id
            type=button_type
            class=kind.class()
            disabled=move || busy.get()
            aria-busy=move || busy.get().then_some("true")
            aria-describedby=aria_describedby
            on:click=move |event| {
                if let Some(on_click) = on_click {
                    on_click.run(event);
                }
            }
        >
            {children()}
        </button>
    }
}

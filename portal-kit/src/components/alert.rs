use leptos::prelude::*;

use crate::gql::ApiError;
use crate::i18n::use_i18n;

/// What an alert tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AlertKind {
    /// Something failed: `role="alert"`, announced at once.
    Error,
    /// Information: `role="status"`, announced politely.
    #[default]
    Info,
}

/// A message box. The kind is shown by an icon (from the stylesheet) and a
/// border as well as colour.
#[component]
pub fn Alert(
    #[prop(optional)] kind: AlertKind,
    #[prop(optional, into)] id: Option<String>,
    children: Children,
) -> impl IntoView {
    // The icon is drawn by the stylesheet, so the alert's text is only the message.
    let (role, class) = match kind {
        AlertKind::Error => ("alert", "alert alert-error"),
        AlertKind::Info => ("status", "alert alert-info"),
    };
    view! {
        <div id=id class=class role=role>
            <div class="alert-body">{children()}</div>
        </div>
    }
}

/// The translated message of an API error, as an error alert.
#[component]
pub fn ErrorAlert(error: ApiError, #[prop(optional, into)] id: Option<String>) -> impl IntoView {
    let i18n = use_i18n();
    let key = error.message_key();
    view! {
        <Alert kind=AlertKind::Error id=id.unwrap_or_default()>
            <p>{move || i18n.tr(&key)}</p>
        </Alert>
    }
}

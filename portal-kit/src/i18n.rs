//! The current language as a Leptos context, and the `tr!` macro that reads it.
//!
//! The language is chosen once per browser: a choice made with the language
//! switcher is kept in `localStorage`; otherwise `navigator.languages` decides.
//! `<html lang>` follows the current language.

use leptos::prelude::*;
use shared_types::i18n::Arg;
use shared_types::{Locale, Translator};

const STORAGE_KEY: &str = "caucus.locale";

/// Both translators, built once.
struct Translators {
    en: Translator,
    es: Translator,
}

impl Translators {
    fn get(&self, locale: Locale) -> &Translator {
        match locale {
            Locale::En => &self.en,
            Locale::Es => &self.es,
        }
    }
}

/// The current language and its translations. Cheap to copy into closures.
#[derive(Clone, Copy)]
pub struct I18n {
    locale: RwSignal<Locale>,
    translators: StoredValue<Translators>,
}

impl I18n {
    fn new(locale: Locale) -> Self {
        Self {
            locale: RwSignal::new(locale),
            translators: StoredValue::new(Translators {
                en: Translator::new(Locale::En),
                es: Translator::new(Locale::Es),
            }),
        }
    }

    /// The current language (tracked: a reactive closure reruns when it changes).
    pub fn locale(&self) -> Locale {
        self.locale.get()
    }

    /// The current language, without tracking.
    pub fn locale_untracked(&self) -> Locale {
        self.locale.get_untracked()
    }

    /// Switches language and remembers the choice in this browser.
    pub fn set_locale(&self, locale: Locale) {
        self.locale.set(locale);
        if let Some(storage) = local_storage() {
            // A full or disabled storage only means the choice is not remembered.
            let _ = storage.set_item(STORAGE_KEY, locale.tag());
        }
    }

    /// The message `key` in the current language. Prefer [`tr!`](crate::tr) with a
    /// literal key; this is for keys computed from data (error codes).
    pub fn tr(&self, key: &str) -> String {
        let locale = self.locale.get();
        self.translators
            .try_with_value(|t| t.get(locale).tr(key))
            .unwrap_or_else(|| key.to_owned())
    }

    /// The message `key` with named arguments, in the current language.
    pub fn tr_args(&self, key: &str, args: &[(&str, Arg<'_>)]) -> String {
        let locale = self.locale.get();
        self.translators
            .try_with_value(|t| t.get(locale).tr_args(key, args))
            .unwrap_or_else(|| key.to_owned())
    }
}

/// A value usable as a named argument of `tr!`.
pub trait ToArg {
    fn to_arg(&self) -> Arg<'_>;
}

impl ToArg for str {
    fn to_arg(&self) -> Arg<'_> {
        Arg::Str(self)
    }
}

impl ToArg for String {
    fn to_arg(&self) -> Arg<'_> {
        Arg::Str(self)
    }
}

impl ToArg for &str {
    fn to_arg(&self) -> Arg<'_> {
        Arg::Str(self)
    }
}

macro_rules! numeric_args {
    ($($t:ty),+) => {
        $(impl ToArg for $t {
            fn to_arg(&self) -> Arg<'_> {
                Arg::Num(*self as f64)
            }
        })+
    };
}

numeric_args!(i32, i64, u32, u64, usize);

impl ToArg for f64 {
    fn to_arg(&self) -> Arg<'_> {
        Arg::Num(*self)
    }
}

/// A translated message as a reactive closure `Fn() -> String`: use it directly in
/// `view!` (text or attribute) or as a `Signal<String>` prop; call it for a `String`.
///
/// ```ignore
/// view! { <p>{tr!("loading")}</p> }
/// let title = tr!("client-home-title", name = viewer.user.name.clone());
/// ```
///
/// The key must be a string literal (a test collects them from the sources).
#[macro_export]
macro_rules! tr {
    ($key:literal) => {{
        let i18n = $crate::i18n::use_i18n();
        move || i18n.tr($key)
    }};
    ($key:literal, $($name:ident = $value:expr),+ $(,)?) => {{
        let i18n = $crate::i18n::use_i18n();
        move || {
            i18n.tr_args(
                $key,
                &[$((stringify!($name), $crate::i18n::ToArg::to_arg(&$value))),+],
            )
        }
    }};
}

/// Provides the language context, starting from the remembered or browser language.
pub fn provide_i18n() -> I18n {
    let i18n = I18n::new(initial_locale());
    provide_context(i18n);
    Effect::new(move || {
        let tag = i18n.locale().tag();
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("lang", tag);
        }
    });
    i18n
}

/// The language context (a fresh English one outside a portal, so components
/// never panic when used on their own).
pub fn use_i18n() -> I18n {
    use_context::<I18n>().unwrap_or_else(|| I18n::new(Locale::default()))
}

fn local_storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

fn initial_locale() -> Locale {
    let stored = local_storage()
        .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
        .and_then(|tag| Locale::parse(&tag));
    stored.unwrap_or_else(|| {
        let languages: Vec<String> = window()
            .navigator()
            .languages()
            .iter()
            .filter_map(|v| v.as_string())
            .collect();
        Locale::negotiate(languages.iter().map(String::as_str))
    })
}

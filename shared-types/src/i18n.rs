//! The one translation mechanism for both portals and for emails: Project Fluent
//! resources per locale, embedded at compile time.
//!
//! Every user-facing string is looked up here by key. A test checks that both
//! locales define the same keys and that every key the code uses exists.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use serde::{Deserialize, Serialize};
use unic_langid::LanguageIdentifier;

/// A language Caucus is translated into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Locale {
    #[default]
    #[serde(rename = "en")]
    En,
    #[serde(rename = "es")]
    Es,
}

impl Locale {
    pub const ALL: &'static [Locale] = &[Locale::En, Locale::Es];

    /// BCP 47 tag, as used by `Intl` in the browser and in the `lang` attribute.
    pub const fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Es => "es",
        }
    }

    /// The language's own name, for language pickers.
    pub const fn native_name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::Es => "Español",
        }
    }

    /// The Fluent source of this locale.
    pub const fn source(self) -> &'static str {
        match self {
            Locale::En => include_str!("../locales/en.ftl"),
            Locale::Es => include_str!("../locales/es.ftl"),
        }
    }

    /// Parses a tag such as `es`, `es-MX` or `en_US`; unknown languages are `None`.
    pub fn parse(tag: &str) -> Option<Self> {
        let primary = tag
            .trim()
            .split(['-', '_', ';'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Locale::En),
            "es" => Some(Locale::Es),
            _ => None,
        }
    }

    /// Picks the first supported language from a preference list (for example
    /// `navigator.languages` or the parts of an `Accept-Language` header).
    pub fn negotiate<'a>(preferences: impl IntoIterator<Item = &'a str>) -> Self {
        preferences
            .into_iter()
            .find_map(Locale::parse)
            .unwrap_or_default()
    }
}

/// Translations for one locale.
pub struct Translator {
    locale: Locale,
    bundle: FluentBundle<FluentResource>,
}

impl std::fmt::Debug for Translator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Translator")
            .field("locale", &self.locale)
            .finish_non_exhaustive()
    }
}

impl Translator {
    /// Builds the bundle of `locale`. The resources are checked by tests, so a
    /// parse error can only come from an edit that the test suite rejects; the
    /// messages that did parse are still used.
    pub fn new(locale: Locale) -> Self {
        let lang: LanguageIdentifier = match locale {
            Locale::En => unic_langid::langid!("en"),
            Locale::Es => unic_langid::langid!("es"),
        };
        let mut bundle = FluentBundle::new_concurrent(vec![lang]);
        // Unicode isolation marks around placeables confuse plain-text emails and
        // tests; the portals set `dir` on the document instead.
        bundle.set_use_isolating(false);
        let resource = match FluentResource::try_new(locale.source().to_owned()) {
            Ok(resource) => resource,
            Err((partial, _errors)) => partial,
        };
        // Duplicate ids are rejected by tests; keep the first definition here.
        let _ = bundle.add_resource(resource);
        Self { locale, bundle }
    }

    pub fn locale(&self) -> Locale {
        self.locale
    }

    /// The message `key`, or the key itself when it does not exist (tests make
    /// that impossible for keys used in code).
    pub fn tr(&self, key: &str) -> String {
        self.format(key, None)
    }

    /// The message `key` with named arguments.
    pub fn tr_args(&self, key: &str, args: &[(&str, Arg<'_>)]) -> String {
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            let value = match value {
                Arg::Str(s) => FluentValue::from(*s),
                Arg::Num(n) => FluentValue::from(*n),
            };
            fluent_args.set(*name, value);
        }
        self.format(key, Some(&fluent_args))
    }

    fn format(&self, key: &str, args: Option<&FluentArgs<'_>>) -> String {
        let Some(pattern) = self.bundle.get_message(key).and_then(|m| m.value()) else {
            return key.to_owned();
        };
        let mut errors = Vec::new();
        self.bundle
            .format_pattern(pattern, args, &mut errors)
            .into_owned()
    }

    /// Whether `key` exists in this locale.
    pub fn has(&self, key: &str) -> bool {
        self.bundle.has_message(key)
    }
}

/// A named argument of a translated message.
#[derive(Debug, Clone, Copy)]
pub enum Arg<'a> {
    Str(&'a str),
    Num(f64),
}

/// Message ids defined by a Fluent source, in order; used by the completeness tests.
pub fn message_ids(source: &str) -> Result<Vec<String>, String> {
    let resource =
        FluentResource::try_new(source.to_owned()).map_err(|(_, errors)| format!("{errors:?}"))?;
    Ok(resource
        .entries()
        .filter_map(|entry| match entry {
            fluent_syntax::ast::Entry::Message(message) => Some(message.id.name.to_owned()),
            _ => None,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiates_supported_languages() {
        assert_eq!(Locale::negotiate(["fr-FR", "es-MX", "en"]), Locale::Es);
        assert_eq!(Locale::negotiate(["de"]), Locale::En);
        assert_eq!(Locale::parse("EN_us"), Some(Locale::En));
        assert_eq!(Locale::parse(""), None);
    }

    #[test]
    fn formats_arguments() {
        let es = Translator::new(Locale::Es);
        let text = es.tr_args("portal-signed-in-as", &[("name", Arg::Str("Ana"))]);
        assert!(text.contains("Ana"), "{text}");
        assert_ne!(text, "portal-signed-in-as");
    }
}

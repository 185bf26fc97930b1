//! Both languages are complete, and every key the code uses exists.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use shared_types::i18n::message_ids;
use shared_types::{ErrorCode, Locale, Translator};

fn ids(locale: Locale) -> BTreeSet<String> {
    let ids =
        message_ids(locale.source()).unwrap_or_else(|e| panic!("{locale:?} does not parse: {e}"));
    let set: BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(set.len(), ids.len(), "{locale:?} defines a key twice");
    set
}

#[test]
fn every_locale_defines_the_same_keys() {
    let english = ids(Locale::En);
    for &locale in Locale::ALL {
        let other = ids(locale);
        let missing: Vec<_> = english.difference(&other).collect();
        let extra: Vec<_> = other.difference(&english).collect();
        assert!(missing.is_empty(), "{locale:?} lacks {missing:?}");
        assert!(
            extra.is_empty(),
            "{locale:?} has keys English lacks: {extra:?}"
        );
    }
}

#[test]
fn every_error_code_has_a_message() {
    for &locale in Locale::ALL {
        let translator = Translator::new(locale);
        for &code in ErrorCode::ALL {
            assert!(
                translator.has(&code.message_key()),
                "{locale:?} lacks {}",
                code.message_key()
            );
        }
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Keys used as `tr!("key"` in the portals' sources.
fn used_keys() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for dir in ["portal-kit/src", "admin-ui/src", "client-ui/src"] {
        rust_files(&root.join(dir), &mut files);
    }
    let mut keys = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (index, _) in text.match_indices("tr!(\"") {
            let rest = &text[index + 5..];
            let key: String = rest.chars().take_while(|c| *c != '"').collect();
            keys.push((file.clone(), key));
        }
    }
    keys
}

#[test]
fn every_key_used_by_the_portals_exists_in_every_language() {
    let keys = used_keys();
    assert!(
        keys.len() > 20,
        "expected the portals to use many keys, found {}",
        keys.len()
    );
    for &locale in Locale::ALL {
        let translator = Translator::new(locale);
        for (file, key) in &keys {
            assert!(
                translator.has(key),
                "{} uses {key:?}, missing in {locale:?}",
                file.display()
            );
        }
    }
}

/// Words that are the same in both languages.
const SAME_IN_BOTH: &[&str] = &[
    "app-name",
    "admin-org-tier",
    "column-roles",
    // Product names.
    "calendar-sync-google",
    "calendar-sync-microsoft",
];

#[test]
fn spanish_is_actually_translated() {
    let en = Translator::new(Locale::En);
    let es = Translator::new(Locale::Es);
    let same: Vec<String> = ids(Locale::En)
        .into_iter()
        .filter(|k| !SAME_IN_BOTH.contains(&k.as_str()) && en.tr(k) == es.tr(k))
        .collect();
    assert!(same.is_empty(), "untranslated in Spanish: {same:?}");
}

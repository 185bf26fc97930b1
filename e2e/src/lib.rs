//! Browser tests live in `tests/`; see `tests/browser/main.rs`.

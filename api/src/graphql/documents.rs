//! A cache of parsed GraphQL documents, keyed by the query text. The portals
//! send a few dozen distinct operations, so most requests skip the parser.
//! Validation still runs on every request (it depends on the variables).
//! Bounded: at most [`CAPACITY`] documents of at most [`MAX_QUERY_BYTES`]
//! each; when full it starts over, so a client sending endless distinct
//! queries only costs itself the cache.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use async_graphql::parser::types::ExecutableDocument;

pub const CAPACITY: usize = 512;
pub const MAX_QUERY_BYTES: usize = 16 * 1024;

/// The process's cache: parsing does not depend on the schema or the caller.
pub fn shared() -> &'static DocumentCache {
    static SHARED: LazyLock<DocumentCache> = LazyLock::new(DocumentCache::default);
    &SHARED
}

#[derive(Clone, Default)]
pub struct DocumentCache {
    parsed: Arc<Mutex<HashMap<String, ExecutableDocument>>>,
}

impl DocumentCache {
    /// Hands `request` its parsed document from the cache, or parses and keeps
    /// it. A query that does not parse is left alone: GraphQL parses it again
    /// and reports the error as usual.
    pub fn prepare(&self, request: &mut async_graphql::Request) {
        if request.query.len() > MAX_QUERY_BYTES {
            return;
        }
        let cached = self
            .parsed
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(&request.query)
            .cloned();
        let document = match cached {
            Some(document) => document,
            None => {
                let Ok(document) = async_graphql::parser::parse_query(&request.query) else {
                    return;
                };
                let mut parsed = self
                    .parsed
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                if parsed.len() >= CAPACITY {
                    parsed.clear();
                }
                parsed.insert(request.query.clone(), document.clone());
                document
            }
        };
        request.set_parsed_query(document);
    }

    pub fn len(&self) -> usize {
        self.parsed
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_parsed_documents_and_stays_bounded() {
        let cache = DocumentCache::default();
        let mut request = async_graphql::Request::new("query A { __typename }");
        cache.prepare(&mut request);
        assert_eq!(cache.len(), 1);
        assert!(request.parsed_query().is_ok());
        // The same text is served from the cache.
        let mut again = async_graphql::Request::new("query A { __typename }");
        cache.prepare(&mut again);
        assert_eq!(cache.len(), 1);

        // Text that does not parse is not kept.
        let mut broken = async_graphql::Request::new("query A { ");
        cache.prepare(&mut broken);
        assert_eq!(cache.len(), 1);
        assert!(broken.parsed_query().is_err());

        // Oversized text is not kept.
        let long = format!(
            "query B {{ {} }}",
            "__typename ".repeat(MAX_QUERY_BYTES / 10)
        );
        cache.prepare(&mut async_graphql::Request::new(long));
        assert_eq!(cache.len(), 1);

        for i in 0..CAPACITY + 10 {
            cache.prepare(&mut async_graphql::Request::new(format!(
                "query Q{i} {{ __typename }}"
            )));
        }
        assert!(cache.len() <= CAPACITY);
    }
}

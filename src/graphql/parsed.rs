//! Parsed documents kept by query text: clients send the same few operations over and over
//! (a front end's queries differ only in their variables), and parsing took 9 % of the
//! server's CPU in the peer benchmark's profile. The innermost extension: the outer ones
//! (nesting pre-scan, string checks of the variables, alias limit, routing, cost) still see
//! every request; only the parser is skipped for a text parsed before. Validation runs for
//! every request as before.

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{ServerResult, Variables};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Documents kept at most; beyond, the cache starts over (a client sending ever new texts
/// cannot make it grow).
const MAX_DOCUMENTS: usize = 512;
/// Longest query text kept.
const MAX_TEXT: usize = 16 * 1024;

/// The factory: one cache shared by every request of the schema.
#[derive(Default)]
pub struct ParsedDocuments {
    kept: Arc<Mutex<HashMap<String, ExecutableDocument>>>,
}

impl ExtensionFactory for ParsedDocuments {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ParsedDocumentsExtension {
            kept: self.kept.clone(),
        })
    }
}

struct ParsedDocumentsExtension {
    kept: Arc<Mutex<HashMap<String, ExecutableDocument>>>,
}

#[async_trait::async_trait]
impl Extension for ParsedDocumentsExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        if let Some(doc) = self.kept.lock().ok().and_then(|k| k.get(query).cloned()) {
            return Ok(doc);
        }
        let doc = next.run(ctx, query, variables).await?;
        if query.len() <= MAX_TEXT
            && let Ok(mut kept) = self.kept.lock()
        {
            if kept.len() >= MAX_DOCUMENTS {
                kept.clear();
            }
            kept.insert(query.to_string(), doc.clone());
        }
        Ok(doc)
    }
}

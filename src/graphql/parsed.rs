//! Parsed documents kept by query text: clients send the same few operations over and over
//! (a front end's queries differ only in their variables), and parsing took 9 % of the
//! server's CPU in the peer benchmark's profile. It runs innermost, inside `routing` inside
//! `extensions::RequestPolicy` (the schema's one extension): the outer parts (nesting
//! pre-scan, string checks of the variables, alias limit, routing, cost) still see every
//! request; only the parser is skipped for a text parsed before.
//!
//! The validation of a document of one operation is kept too, by its text and its
//! variables: async-graphql's rules are a pure function of the schema, the document, the
//! variables and the operation (one here), so the same text with the same variables passes
//! the same way, and only passes are kept. Its rules look types and fields up by name in
//! the registry (hashing, comparing strings) for every field of every request: with the
//! parsing, the largest share of async-graphql's own CPU in the peer benchmark.

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation,
};
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument};
use async_graphql::{ServerError, ServerResult, ValidationResult, Variables};
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
    validated: Arc<Mutex<HashMap<String, ValidationResult>>>,
}

impl ParsedDocuments {
    /// This request's part, for the extension that holds it (see `extensions`).
    pub(crate) fn for_request(&self) -> ParsedDocumentsExtension {
        ParsedDocumentsExtension {
            kept: self.kept.clone(),
            validated: self.validated.clone(),
            key: Mutex::new(None),
        }
    }
}

impl ExtensionFactory for ParsedDocuments {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(self.for_request())
    }
}

pub(crate) struct ParsedDocumentsExtension {
    kept: Arc<Mutex<HashMap<String, ExecutableDocument>>>,
    validated: Arc<Mutex<HashMap<String, ValidationResult>>>,
    /// This request's key of the validation kept: its text and variables, when the document
    /// has one operation.
    key: Mutex<Option<String>>,
}

impl ParsedDocumentsExtension {
    fn note_key(&self, doc: &ExecutableDocument, query: &str, variables: &Variables) {
        let single = match &doc.operations {
            DocumentOperations::Single(_) => true,
            DocumentOperations::Multiple(ops) => ops.len() == 1,
        };
        if !single || query.len() > MAX_TEXT {
            return;
        }
        let Ok(variables) = serde_json::to_string(variables) else {
            return;
        };
        if variables.len() <= MAX_TEXT
            && let Ok(mut key) = self.key.lock()
        {
            *key = Some(format!("{variables}\u{0}{query}"));
        }
    }
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
            self.note_key(&doc, query, variables);
            return Ok(doc);
        }
        let doc = next.run(ctx, query, variables).await?;
        self.note_key(&doc, query, variables);
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
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let key = self.key.lock().ok().and_then(|mut k| k.take());
        let Some(key) = key else {
            return next.run(ctx).await;
        };
        if let Some(passed) = self
            .validated
            .lock()
            .ok()
            .and_then(|v| v.get(&key).copied())
        {
            return Ok(passed);
        }
        let passed = next.run(ctx).await?;
        if let Ok(mut validated) = self.validated.lock() {
            if validated.len() >= MAX_DOCUMENTS {
                validated.clear();
            }
            validated.insert(key, passed);
        }
        Ok(passed)
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use async_graphql::{Request, Variables};
    use serde_json::json;

    #[tokio::test]
    async fn a_kept_validation_is_for_the_same_text_and_variables_only() {
        let schema = crate::graphql::build_schema(None, &Config::defaults());
        let q = "query($n: String!) { __type(name: $n) { name } }";
        let run = |v: serde_json::Value| {
            let schema = schema.clone();
            async move {
                schema
                    .execute(Request::new(q).variables(Variables::from_json(v)))
                    .await
            }
        };
        for _ in 0..2 {
            let ok = run(json!({ "n": "Query" })).await;
            assert!(ok.errors.is_empty(), "{:?}", ok.errors);
            assert_eq!(
                ok.data.into_json().unwrap_or_default(),
                json!({ "__type": { "name": "Query" } })
            );
            // Other variables are validated afresh: a number is no String.
            let bad = run(json!({ "n": 5 })).await;
            assert_eq!(bad.errors.len(), 1, "{:?}", bad.errors);
            assert!(
                bad.errors[0].message.contains("Invalid value"),
                "{:?}",
                bad.errors
            );
        }
    }
}

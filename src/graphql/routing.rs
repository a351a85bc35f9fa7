//! Read routing: decides, before any resolver runs, whether an operation's reads go to the
//! read replica, and notes the writes of signed-in callers so that they read their own
//! writes. After every mutation it also drops the callers kept by this instance
//! ([`crate::callers`]).
//!
//! The rule: a query whose root fields are all in [`REPLICA_READS`] (lists, the review
//! queue, the dashboards, reference data, public verification) reads from the replica,
//! unless the replica is down, lags more than `REPLICA_MAX_LAG_MS`, or the caller wrote after
//! the replica's replay position. Everything else — mutations, subscriptions, `me`, single
//! objects — reads from the primary.

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextValidation,
};
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, OperationType, Selection,
};
use async_graphql::{Response, ServerError, ServerResult, ValidationResult, Variables};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::context::RequestAuth;
use super::db::RequestDb;
use super::parsed::{ParsedDocuments, ParsedDocumentsExtension};
use crate::app::App;

/// The root query fields the replica may serve.
pub const REPLICA_READS: &[&str] = &[
    "provinces",
    "fieldsOfStudy",
    "verifyOfficer",
    "myQualificationRequests",
    "reviewQueue",
    "cooperationRequests",
    "contracts",
    "branches",
    "terminationRequests",
    "smsOutbox",
    "messages",
    "messageRecipients",
    "registryStatistics",
];

/// The extension's factory; it holds the kept documents (see `parsed`), which run inside it.
#[derive(Default)]
pub struct ReadRouting {
    pub parsed: ParsedDocuments,
}

impl ReadRouting {
    /// This request's part, for the extension that holds it (see `extensions`).
    pub(crate) fn for_request(&self) -> ReadRoutingExtension {
        ReadRoutingExtension {
            operations: Mutex::new(HashMap::new()),
            parsed: self.parsed.for_request(),
        }
    }
}

impl ExtensionFactory for ReadRouting {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(self.for_request())
    }
}

#[derive(Clone, Copy)]
struct Kind {
    mutation: bool,
    replica_eligible: bool,
}

pub(crate) struct ReadRoutingExtension {
    operations: Mutex<HashMap<Option<String>, Kind>>,
    /// The kept documents, inside: one extension rather than two (async-graphql calls every
    /// extension's `resolve` for every field of every object).
    parsed: ParsedDocumentsExtension,
}

fn kind(op: &OperationDefinition) -> Kind {
    let replica_eligible = op.ty == OperationType::Query
        && op.selection_set.node.items.iter().all(|s| match &s.node {
            Selection::Field(f) => {
                let name = f.node.name.node.as_str();
                name.starts_with("__") || REPLICA_READS.contains(&name)
            }
            // Fragments at the root are rare: read them from the primary.
            _ => false,
        });
    Kind {
        mutation: op.ty == OperationType::Mutation,
        replica_eligible,
    }
}

#[async_trait::async_trait]
impl Extension for ReadRoutingExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = self.parsed.parse_query(ctx, query, variables, next).await?;
        let kinds: HashMap<Option<String>, Kind> = match &doc.operations {
            DocumentOperations::Single(op) => [(None, kind(&op.node))].into(),
            DocumentOperations::Multiple(ops) => ops
                .iter()
                .map(|(name, op)| (Some(name.to_string()), kind(&op.node)))
                .collect(),
        };
        if let Ok(mut o) = self.operations.lock() {
            *o = kinds;
        }
        Ok(doc)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        self.parsed.validation(ctx, next).await
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let chosen = self.operations.lock().ok().and_then(|ops| {
            ops.get(&operation_name.map(str::to_string))
                .or_else(|| (ops.len() == 1).then(|| ops.values().next()).flatten())
                .copied()
        });
        let kind = chosen.unwrap_or(Kind {
            mutation: false,
            replica_eligible: false,
        });
        let (db, auth, app) = (
            ctx.data_opt::<Arc<RequestDb>>(),
            ctx.data_opt::<RequestAuth>(),
            ctx.data_opt::<Arc<App>>(),
        );
        let Some(db) = db.filter(|db| db.has_replica()) else {
            let resp = next.run(ctx, operation_name).await;
            if kind.mutation
                && let Some(app) = app
            {
                // Whatever the mutation changed, this instance's next request sees it.
                app.callers.clear();
            }
            return resp;
        };
        if kind.replica_eligible {
            // The caller (read once per request anyway) says when it last wrote.
            let last_write = match (auth, app) {
                (Some(auth), Some(app)) if auth.has_token() => auth
                    .resolve(app)
                    .await
                    .ok()
                    .and_then(|signed_in| signed_in.last_write),
                _ => None,
            };
            db.decide(true, last_write);
        } else {
            db.decide(false, None);
        }
        let resp = next.run(ctx, operation_name).await;
        if kind.mutation
            && let Some(app) = app
        {
            if let Some(signed_in) = auth.and_then(RequestAuth::resolved) {
                note_write(app, signed_in.caller.user_id).await;
            }
            app.callers.clear();
        }
        resp
    }
}

/// Notes that `user` wrote just now; a failure is logged (the caller may then read a list
/// from a replica that has not replayed its write yet, for at most the replica's lag).
pub async fn note_write(app: &App, user: uuid::Uuid) {
    let noted = async {
        let mut conn = crate::store::conn(&app.pool).await?;
        crate::store::replica::note_write(&mut conn, user).await
    }
    .await;
    if let Err(e) = noted {
        tracing::warn!(error = %e.describe(), "could not note a write for read-your-writes routing");
    }
}

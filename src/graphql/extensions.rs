//! Schema extensions: the nesting guard (before anything parses the query), the alias limit
//! (async-graphql has depth and complexity limits but none for aliases), the cost limit per
//! request and the budget of points per caller per minute (see [`super::cost`]), a code on
//! every error, and request metrics by operation. Every operation goes through them, over HTTP and
//! over WebSocket alike.

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextPrepareRequest,
    NextRequest, NextValidation,
};
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet,
};
use async_graphql::{Request, Response, ServerError, ServerResult, ValidationResult, Variables};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::context::{ClientAddr, RequestAuth};
use super::cost::{CostBudget, Payer, persian_digits};
use super::routing::{ReadRouting, ReadRoutingExtension};
use crate::error::{AppError, ErrorCode, INVALID_REQUEST_FA};

/// Refuses documents with more aliases than allowed or costing more points than allowed,
/// charges the cost to the caller's budget per minute, labels every error with a code, and
/// records `graphql_requests_total` / `graphql_request_duration_seconds` by operation.
pub struct RequestPolicy {
    /// Most aliases accepted in one document.
    pub max_aliases: usize,
    /// Most points one document may cost.
    pub max_cost: usize,
    /// Points per caller per minute (`None`: no budget).
    pub budget: Option<Arc<CostBudget>>,
    /// The read routing and, inside it, the kept documents: they run within this extension,
    /// the schema's only one, because async-graphql calls every extension's `resolve` hook
    /// (a boxed future each, and a registry lookup) for every field of every object.
    pub routing: ReadRouting,
}

impl ExtensionFactory for RequestPolicy {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RequestPolicyExtension {
            max_aliases: self.max_aliases,
            max_cost: self.max_cost,
            budget: self.budget.clone(),
            labels: Mutex::new(HashMap::new()),
            chosen: Mutex::new(None),
            routing: self.routing.for_request(),
        })
    }
}

struct RequestPolicyExtension {
    max_aliases: usize,
    max_cost: usize,
    budget: Option<Arc<CostBudget>>,
    /// Metric label of each operation of the document, by operation name.
    labels: Mutex<HashMap<Option<String>, String>>,
    /// Label of the operation that ran.
    chosen: Mutex<Option<String>>,
    /// This request's routing (and kept documents), inside.
    routing: ReadRoutingExtension,
}

fn count_aliases(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|s| match &s.node {
            Selection::Field(f) => {
                usize::from(f.node.alias.is_some()) + count_aliases(&f.node.selection_set.node)
            }
            Selection::InlineFragment(f) => count_aliases(&f.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

fn document_aliases(doc: &ExecutableDocument) -> usize {
    let ops: usize = doc
        .operations
        .iter()
        .map(|(_, op)| count_aliases(&op.node.selection_set.node))
        .sum();
    let frags: usize = doc
        .fragments
        .values()
        .map(|f| count_aliases(&f.node.selection_set.node))
        .sum();
    ops + frags
}

/// `query:me`, `mutation:login`: the kind and the first root field, when the schema knows it
/// (so that clients cannot create unbounded label values).
fn operation_label(ctx: &ExtensionContext<'_>, ty: OperationType, set: &SelectionSet) -> String {
    let registry = &ctx.schema_env.registry;
    let (kind, root) = match ty {
        OperationType::Query => ("query", Some(registry.query_type.as_str())),
        OperationType::Mutation => ("mutation", registry.mutation_type.as_deref()),
        OperationType::Subscription => ("subscription", registry.subscription_type.as_deref()),
    };
    let first = set.items.iter().find_map(|s| match &s.node {
        Selection::Field(f) => Some(f.node.name.node.to_string()),
        _ => None,
    });
    let known = first.filter(|name| {
        name.starts_with("__")
            || root
                .and_then(|r| registry.concrete_type_by_name(r))
                .and_then(|t| t.field_by_name(name))
                .is_some()
    });
    match known {
        Some(name) if name.starts_with("__") => format!("{kind}:introspection"),
        Some(name) => format!("{kind}:{name}"),
        None => format!("{kind}:unknown"),
    }
}

fn invalid(message: String) -> ServerError {
    let mut e = ServerError::new(message, None);
    let mut ext = async_graphql::ErrorExtensionValues::default();
    ext.set("code", ErrorCode::ValidationFailed.as_str());
    ext.set("messageFa", INVALID_REQUEST_FA);
    e.extensions = Some(ext);
    e
}

/// `VALIDATION_FAILED` for a document costing more than `max` points.
fn too_costly(cost: usize, max: usize) -> ServerError {
    let mut e = ServerError::new(
        format!(
            "the query is too complex: it costs {cost} points and at most {max} are allowed \
             (a field costs 1 point; a connection costs `first` (default 20) times its items; \
             a list without a page size costs 10 times its items): ask for smaller pages or \
             fewer fields"
        ),
        None,
    );
    let mut ext = async_graphql::ErrorExtensionValues::default();
    ext.set("code", ErrorCode::ValidationFailed.as_str());
    ext.set(
        "messageFa",
        format!(
            "این پرس‌وجو بیش از حد پیچیده است: هزینهٔ آن {} امتیاز و حداکثر مجاز {} امتیاز است؛ \
             تعداد درخواستی در هر صفحه (first) یا فیلدها را کم کنید",
            persian_digits(cost),
            persian_digits(max)
        ),
    );
    ext.set("cost", cost as u64);
    ext.set("maxCost", max as u64);
    e.extensions = Some(ext);
    e
}

/// Who pays for the request: the user of a valid access token, else the client address.
fn payer(ctx: &ExtensionContext<'_>) -> Payer {
    match ctx.data_opt::<RequestAuth>().and_then(RequestAuth::user_id) {
        Some(user) => Payer::User(user),
        None => Payer::Address(
            ctx.data_opt::<ClientAddr>()
                .map(|a| a.0.clone())
                .unwrap_or_else(|| "unknown".to_string()),
        ),
    }
}

fn server_error(e: AppError) -> ServerError {
    let e = async_graphql::Error::from(e);
    let mut server = ServerError::new(e.message, None);
    server.extensions = e.extensions;
    server
}

#[async_trait::async_trait]
impl Extension for RequestPolicyExtension {
    /// Refuses a document costing more than the limit, then charges its cost to the caller.
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = self.routing.validation(ctx, next).await?;
        if result.complexity > self.max_cost {
            return Err(vec![too_costly(result.complexity, self.max_cost)]);
        }
        if let Some(budget) = &self.budget {
            budget
                .charge(&payer(ctx), result.complexity)
                .map_err(|e| vec![server_error(e)])?;
        }
        Ok(result)
    }

    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let started = Instant::now();
        let mut resp = next.run(ctx).await;
        for err in &mut resp.errors {
            let ext = err.extensions.get_or_insert_with(Default::default);
            if ext.get("code").is_none() {
                // Errors that reach here without a code were raised before any resolver ran:
                // syntax, validation against the schema, variables, depth and complexity.
                ext.set("code", ErrorCode::ValidationFailed.as_str());
                ext.set("messageFa", INVALID_REQUEST_FA);
            }
        }
        let label = self
            .chosen
            .lock()
            .ok()
            .and_then(|c| c.clone())
            .unwrap_or_else(|| "invalid".to_string());
        let outcome = if resp.errors.is_empty() {
            "ok"
        } else {
            "error"
        };
        metrics::counter!("graphql_requests_total", "operation" => label.clone(), "outcome" => outcome)
            .increment(1);
        metrics::histogram!("graphql_request_duration_seconds", "operation" => label)
            .record(started.elapsed().as_secs_f64());
        resp
    }

    /// Refuses a request nested too deep before the parser (which recurses once per level)
    /// sees it.
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        if let Some(why) = super::nesting::check(&request.query, &request.variables) {
            return Err(invalid(why));
        }
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = self
            .routing
            .parse_query(ctx, query, variables, next)
            .await?;
        // Every string of the request, before any resolver runs.
        if let Err(refused) = super::input_text::check_document(&doc, variables) {
            let (e, pos) = *refused;
            return Err(async_graphql::Error::from(e).into_server_error(pos));
        }
        let aliases = document_aliases(&doc);
        if aliases > self.max_aliases {
            return Err(invalid(format!(
                "the query uses {aliases} aliases; at most {} are allowed",
                self.max_aliases
            )));
        }
        let labels: HashMap<Option<String>, String> = match &doc.operations {
            DocumentOperations::Single(op) => [(
                None,
                operation_label(ctx, op.node.ty, &op.node.selection_set.node),
            )]
            .into(),
            DocumentOperations::Multiple(ops) => ops
                .iter()
                .map(|(name, op)| {
                    (
                        Some(name.to_string()),
                        operation_label(ctx, op.node.ty, &op.node.selection_set.node),
                    )
                })
                .collect(),
        };
        if let Ok(mut l) = self.labels.lock() {
            *l = labels;
        }
        Ok(doc)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        if let (Ok(labels), Ok(mut chosen)) = (self.labels.lock(), self.chosen.lock()) {
            *chosen = labels
                .get(&operation_name.map(str::to_string))
                .or_else(|| {
                    (labels.len() == 1)
                        .then(|| labels.values().next())
                        .flatten()
                })
                .cloned();
        }
        self.routing.execute(ctx, operation_name, next).await
    }
}

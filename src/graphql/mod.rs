//! The GraphQL schema: one module per domain, merged into the root types.

pub(crate) mod accounts;
pub(crate) mod admin;
pub(crate) mod cartable;
pub(crate) mod context;
pub(crate) mod cooperation;
pub mod cost;
pub mod db;
pub(crate) mod distributors;
pub(crate) mod extensions;
pub(crate) mod guards;
pub mod input_text;
pub(crate) mod loaders;
pub(crate) mod messages;
pub(crate) mod nesting;
pub(crate) mod officers;
pub mod pagination;
pub(crate) mod parsed;
pub(crate) mod payments;
pub(crate) mod qualification;
pub(crate) mod reference;
pub(crate) mod routing;
pub(crate) mod scalars;
pub(crate) mod statistics;
pub(crate) mod terminations;
pub(crate) mod types;

use async_graphql::{MergedObject, MergedSubscription, Schema};
use std::sync::Arc;

use crate::app::App;
use crate::config::Config;
use guards::Gated;

/// Root query.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    accounts::AccountsQuery,
    reference::ReferenceQuery,
    officers::OfficersQuery,
    qualification::QualificationQuery,
    payments::PaymentsQuery,
    cooperation::CooperationQuery,
    distributors::DistributorsQuery,
    terminations::TerminationsQuery,
    messages::MessagesQuery,
    statistics::StatisticsQuery,
);

/// Root mutation.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    accounts::AccountsMutation,
    officers::OfficersMutation,
    qualification::QualificationMutation,
    payments::PaymentsMutation,
    distributors::DistributorsMutation,
    cooperation::CooperationMutation,
    terminations::TerminationsMutation,
    messages::MessagesMutation,
    admin::AdminMutation,
    admin::AdminReferenceMutation,
);

/// Root subscription.
#[derive(MergedSubscription, Default)]
#[graphql(name = "Subscription")]
pub struct SubscriptionRoot(
    cartable::CartableSubscription,
    statistics::StatisticsSubscription,
);

/// The schema type.
pub type AppSchema = Schema<Gated<QueryRoot>, Gated<MutationRoot>, SubscriptionRoot>;

/// Builds the schema with the request limits of the configuration.
pub fn build_schema(app: Option<Arc<App>>, config: &Config) -> AppSchema {
    let mut builder = Schema::build(
        Gated(QueryRoot::default()),
        Gated(MutationRoot::default()),
        SubscriptionRoot::default(),
    )
    .limit_depth(config.max_query_depth)
    .limit_directives(10)
    // The schema's one extension (the routing and the kept documents run inside it).
    .extension(extensions::RequestPolicy {
        max_aliases: config.max_query_aliases,
        // The cost is checked by the extension (a clear message with the cost and the
        // limit), not by `limit_complexity`.
        max_cost: config.max_query_complexity,
        budget: cost::CostBudget::new(config.cost_points_per_minute).map(Arc::new),
        routing: routing::ReadRouting::default(),
    });
    if !config.introspection_enabled() {
        builder = builder.disable_introspection();
    }
    if config.production {
        builder = builder.disable_suggestions();
    }
    if let Some(app) = app {
        builder = builder.data(app);
    }
    builder.finish()
}

/// The schema in SDL, as checked in at `schema.graphql`.
pub fn sdl() -> String {
    build_schema(None, &Config::defaults()).sdl()
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};

    /// Every root field of the schema has its entry in the policy's list of operations, and
    /// every entry names a field of the schema.
    #[test]
    fn every_root_field_has_a_policy_entry() {
        let doc = async_graphql::parser::parse_schema(super::sdl()).expect("the SDL parses");
        let mut fields = Vec::new();
        for def in &doc.definitions {
            if let TypeSystemDefinition::Type(t) = def
                && matches!(
                    t.node.name.node.as_str(),
                    "Query" | "Mutation" | "Subscription"
                )
                && let TypeKind::Object(o) = &t.node.kind
            {
                fields.extend(o.fields.iter().map(|f| f.node.name.node.to_string()));
            }
        }
        assert!(fields.len() > 20, "{fields:?}");
        for f in &fields {
            assert!(
                crate::policy::callers(f).is_some(),
                "{f} has no entry in policy::OPERATIONS"
            );
        }
        for (name, _) in crate::policy::OPERATIONS {
            assert!(
                fields.iter().any(|f| f == name),
                "policy::OPERATIONS names {name}, which the schema lacks"
            );
        }
    }
}

//! The one gate of every root field: [`Gated`] applies [`policy::OPERATIONS`] before any
//! query or mutation field runs, so no resolver can forget it (subscriptions call
//! [`require`] as they open). `UNAUTHENTICATED` without a valid token or account,
//! `FORBIDDEN` for a role that may never run the field; a field missing from the list is
//! refused. Whether the caller may see a given object is decided by the resolvers with
//! [`policy::access`] (`NOT_FOUND` otherwise).

use async_graphql::parser::types::Field;
use async_graphql::registry::Registry;
use async_graphql::resolver_utils::{ContainerType, resolve_container};
use async_graphql::{
    Context, ContextSelectionSet, ObjectType, OutputType, PathSegment, Positioned, ServerResult,
    Value,
};
use std::borrow::Cow;
use std::sync::Arc;

use super::context::RequestAuth;
use crate::app::App;
use crate::domain::Caller;
use crate::error::{AppError, AppResult};
use crate::policy::{self, Callers};

/// Checks `operation` against the policy for the request's credentials; returns the caller
/// when the operation needs one.
async fn check(
    operation: &str,
    auth: Option<&RequestAuth>,
    app: Option<&App>,
) -> AppResult<Option<Caller>> {
    let Some(callers) = policy::callers(operation) else {
        tracing::error!(operation, "a root field without a policy entry was refused");
        return Err(AppError::forbidden());
    };
    if callers == Callers::Anyone {
        return Ok(None);
    }
    let (Some(auth), Some(app)) = (auth, app) else {
        return Err(AppError::unauthenticated(
            "sign in first: this operation needs an access token",
        ));
    };
    let caller = auth.resolve(app).await?.caller;
    match callers {
        Callers::Roles(roles) if !roles.contains(&caller.role) => Err(AppError::forbidden()),
        _ => Ok(Some(caller)),
    }
}

/// For a subscription field: the policy check of `operation`, and the caller.
pub async fn require(ctx: &Context<'_>, operation: &str) -> AppResult<Caller> {
    let app = ctx.data_opt::<Arc<App>>().map(|a| a.as_ref());
    check(operation, ctx.data_opt::<RequestAuth>(), app)
        .await?
        .ok_or_else(|| AppError::unauthenticated("sign in first"))
}

/// The root query or mutation behind the one gate: each of its fields is checked against
/// [`policy::OPERATIONS`] before it runs. A wrapper of the root rather than an extension's
/// `resolve` hook: async-graphql calls that hook for every field of every object (a boxed
/// future per extension and a registry lookup per field) to act on the root's fields alone.
#[derive(Default)]
pub struct Gated<T>(pub T);

impl<T: ObjectType> OutputType for Gated<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        _field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        resolve_container(ctx, self).await
    }
}

impl<T: ObjectType> ContainerType for Gated<T> {
    async fn resolve_field(&self, ctx: &Context<'_>) -> ServerResult<Option<Value>> {
        let field = &ctx.item.node;
        let name = field.name.node.as_str();
        // `__schema`, `__type` and `__typename` are answered before any root field.
        if !name.starts_with("__") {
            let app = ctx.data_opt::<Arc<App>>().map(|a| a.as_ref());
            if let Err(e) = check(name, ctx.data_opt::<RequestAuth>(), app).await {
                let mut err = async_graphql::Error::from(e).into_server_error(field.name.pos);
                err.path = vec![PathSegment::Field(field.response_key().node.to_string())];
                return Err(err);
            }
        }
        self.0.resolve_field(ctx).await
    }

    async fn find_entity(&self, ctx: &Context<'_>, params: &Value) -> ServerResult<Option<Value>> {
        self.0.find_entity(ctx, params).await
    }
}

impl<T: ObjectType> ObjectType for Gated<T> {}

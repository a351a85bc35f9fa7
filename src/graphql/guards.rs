//! The one gate of every root field: [`Authorize`] applies [`policy::OPERATIONS`] before any
//! query or mutation field runs, so no resolver can forget it (subscriptions call
//! [`require`] as they open). `UNAUTHENTICATED` without a valid token or account,
//! `FORBIDDEN` for a role that may never run the field; a field missing from the list is
//! refused. Whether the caller may see a given object is decided by the resolvers with
//! [`policy::access`] (`NOT_FOUND` otherwise).

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo,
};
use async_graphql::{Context, PathSegment, ServerResult, Value};
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

/// The schema extension that gates every root query and mutation field.
pub struct Authorize;

impl ExtensionFactory for Authorize {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Authorize)
    }
}

#[async_trait::async_trait]
impl Extension for Authorize {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        let root = matches!(info.parent_type, "Query" | "Mutation");
        if root && !info.is_for_introspection && !info.name.starts_with("__") {
            let app = ctx.data_opt::<Arc<App>>().map(|a| a.as_ref());
            if let Err(e) = check(info.name, ctx.data_opt::<RequestAuth>(), app).await {
                let mut err = async_graphql::Error::from(e).into_server_error(info.field.name.pos);
                err.path = vec![PathSegment::Field(
                    info.alias.unwrap_or(info.name).to_string(),
                )];
                return Err(err);
            }
        }
        next.run(ctx, info).await
    }
}

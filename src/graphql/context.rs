//! Per-request context: who is asking (resolved once per request), from where.

use async_graphql::Context;
use std::sync::Arc;
use tokio::sync::OnceCell;

use crate::app::App;
use crate::auth::{Authentication, TokenError};
use crate::domain::Caller;
use crate::error::{AppError, AppResult};
use crate::workflow::accounts::{self, SignedIn};

/// The request's credentials and, once read, its caller. Put into every request (and every
/// WebSocket connection) by the HTTP layer.
pub struct RequestAuth {
    authentication: Authentication,
    signed_in: OnceCell<SignedIn>,
}

impl RequestAuth {
    /// Credentials whose account is read when first needed.
    pub fn new(authentication: Authentication) -> Self {
        Self {
            authentication,
            signed_in: OnceCell::new(),
        }
    }

    /// The user of a valid (signed, unexpired) access token, without reading the database.
    pub fn user_id(&self) -> Option<uuid::Uuid> {
        match &self.authentication {
            Authentication::Token(claims) => Some(claims.sub),
            _ => None,
        }
    }

    /// Whether the request carries a valid access token (its account not read yet).
    pub fn has_token(&self) -> bool {
        matches!(self.authentication, Authentication::Token(_))
    }

    /// The caller, when it has been read already.
    pub fn resolved(&self) -> Option<&SignedIn> {
        self.signed_in.get()
    }

    /// The caller, read from the database once per request (or kept from a recent request
    /// of the same session, see [`crate::callers`]); `UNAUTHENTICATED` saying why
    /// there is none.
    pub async fn resolve(&self, app: &App) -> AppResult<&SignedIn> {
        self.signed_in
            .get_or_try_init(|| async {
                let claims = match &self.authentication {
                    Authentication::Token(claims) => claims,
                    Authentication::Anonymous => {
                        return Err(AppError::unauthenticated(
                            "sign in first: this operation needs an access token",
                        ));
                    }
                    Authentication::Refused(TokenError::Expired) => {
                        return Err(AppError::unauthenticated(
                            "the access token has expired: refresh the session",
                        ));
                    }
                    Authentication::Refused(TokenError::Invalid) => {
                        return Err(AppError::unauthenticated("the access token is invalid"));
                    }
                };
                if let Some(kept) = app.callers.get(claims.sub, claims.sid) {
                    return Ok(kept);
                }
                let generation = app.callers.generation();
                let mut conn = crate::store::conn(&app.pool).await?;
                let signed_in = accounts::signed_in(&mut conn, claims.sub, claims.sid).await?;
                app.callers.put(claims.sid, &signed_in, generation);
                Ok(signed_in)
            })
            .await
    }
}

/// The client's address, for throttling and the audit log.
#[derive(Debug, Clone)]
pub struct ClientAddr(pub String);

/// The application.
pub fn app<'a>(ctx: &Context<'a>) -> &'a Arc<App> {
    ctx.data_unchecked::<Arc<App>>()
}

/// Set when a resolver read who the viewer is (not only its role and scope): the result of
/// the request is then the viewer's own and is not shared with other subscribers (see
/// `crate::http::ws_feed`). Present only in the requests that render a shared event.
#[derive(Debug, Default)]
pub struct Personal(std::sync::atomic::AtomicBool);

impl Personal {
    /// Whether a resolver read who the viewer is.
    pub fn is_set(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

fn mark_personal(ctx: &Context<'_>) {
    if let Some(p) = ctx.data_opt::<Arc<Personal>>() {
        p.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// The signed-in caller with its account rows, or `UNAUTHENTICATED`. The result is the
/// viewer's own (see [`Personal`]).
pub async fn signed_in<'a>(ctx: &Context<'a>) -> AppResult<&'a SignedIn> {
    mark_personal(ctx);
    signed_in_unmarked(ctx).await
}

/// The caller for a decision that depends only on its role and scope (which rows, which
/// columns it sees): unlike [`caller`], a result decided by it alone may be shared by every
/// viewer with the same role and scope.
pub async fn viewer_scope(ctx: &Context<'_>) -> AppResult<Caller> {
    Ok(signed_in_unmarked(ctx).await?.caller)
}

async fn signed_in_unmarked<'a>(ctx: &Context<'a>) -> AppResult<&'a SignedIn> {
    match ctx.data_opt::<RequestAuth>() {
        Some(auth) => auth.resolve(app(ctx)).await,
        None => Err(AppError::unauthenticated(
            "sign in first: this operation needs an access token",
        )),
    }
}

/// The signed-in caller, or `UNAUTHENTICATED`.
/// The result is the viewer's own (see [`Personal`]); for a decision by role and scope
/// alone, [`viewer_scope`].
pub async fn caller(ctx: &Context<'_>) -> AppResult<Caller> {
    Ok(signed_in(ctx).await?.caller)
}

/// The client's address as seen by the server.
pub fn client_addr(ctx: &Context<'_>) -> String {
    ctx.data_opt::<ClientAddr>()
        .map(|a| a.0.clone())
        .unwrap_or_else(|| "unknown".to_string())
}

/// A connection for a read that may be served by the read replica (see
/// [`super::routing`]): the replica when the request was routed there, else the primary.
pub async fn read_conn(ctx: &Context<'_>) -> AppResult<crate::store::DbConn> {
    match ctx.data_opt::<Arc<super::db::RequestDb>>() {
        Some(db) => db.read().await,
        None => crate::store::conn(&app(ctx).pool).await,
    }
}

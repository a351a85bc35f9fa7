//! Per-request context: who is asking, from where, and the request's data loaders.

use async_graphql::Context;
use std::sync::Arc;
use uuid::Uuid;

use crate::app::App;
use crate::auth::TokenError;
use crate::domain::Role;
use crate::error::{AppError, AppResult};

/// The authenticated caller, from a verified access token.
#[derive(Debug, Clone, Copy)]
pub struct CurrentUser {
    /// User id.
    pub id: Uuid,
    /// Role.
    pub role: Role,
    /// Session family of the token.
    pub family: Uuid,
}

/// What the request's `Authorization` header amounted to.
#[derive(Debug, Clone, Copy)]
pub enum Auth {
    /// No token.
    Anonymous,
    /// A valid token.
    User(CurrentUser),
    /// A token that was refused.
    Refused(TokenError),
}

/// The client's address, for throttling and the audit log.
#[derive(Debug, Clone)]
pub struct ClientAddr(pub String);

/// The application.
pub fn app<'a>(ctx: &Context<'a>) -> &'a Arc<App> {
    ctx.data_unchecked::<Arc<App>>()
}

/// The caller, or `UNAUTHENTICATED` saying why not.
pub fn current_user(ctx: &Context<'_>) -> AppResult<CurrentUser> {
    match ctx.data_opt::<Auth>().copied().unwrap_or(Auth::Anonymous) {
        Auth::User(u) => Ok(u),
        Auth::Anonymous => Err(AppError::unauthenticated(
            "sign in first: this operation needs an access token",
        )),
        Auth::Refused(TokenError::Expired) => Err(AppError::unauthenticated(
            "the access token has expired: refresh the session",
        )),
        Auth::Refused(TokenError::Invalid) => {
            Err(AppError::unauthenticated("the access token is invalid"))
        }
    }
}

/// The client's address as seen by the server.
pub fn client_addr(ctx: &Context<'_>) -> String {
    ctx.data_opt::<ClientAddr>()
        .map(|a| a.0.clone())
        .unwrap_or_else(|| "unknown".to_string())
}

/// Per-request cache of [`who`].
#[derive(Default)]
pub struct WhoCache(pub tokio::sync::OnceCell<crate::store::qualification::Who>);

/// The caller as the workflows see it: role, officer and university. Loaded once per request.
pub async fn who(ctx: &Context<'_>) -> AppResult<crate::store::qualification::Who> {
    let user = current_user(ctx)?;
    let load = async {
        let app = app(ctx);
        let mut conn = crate::store::conn(&app.pool).await?;
        let account = crate::store::users::find(&mut conn, user.id)
            .await?
            .filter(|u| u.active)
            .ok_or_else(|| {
                AppError::unauthenticated("the account no longer exists or is disabled")
            })?;
        let officer_id = if user.role == Role::Officer {
            crate::store::officers::by_user(&mut conn, user.id)
                .await?
                .map(|o| o.id)
        } else {
            None
        };
        Ok::<_, AppError>(crate::store::qualification::Who {
            user_id: user.id,
            role: account.role,
            officer_id,
            university_id: account.university_id,
        })
    };
    match ctx.data_opt::<WhoCache>() {
        Some(cache) => cache.0.get_or_try_init(|| load).await.copied(),
        None => load.await,
    }
}

//! Sign-in, sessions and the viewer: `login`, `refreshSession`, `logout`, `me`.

use async_graphql::{Context, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use super::context::{app, client_addr, signed_in};
use super::types::user_account::UserAccount;
use crate::workflow::accounts::Session;

/// A new session: the short-lived access token and the refresh token that renews it.
#[derive(SimpleObject)]
pub struct AuthPayload {
    /// Bearer token for `Authorization: Bearer ..` (HTTP) and `connection_init` (WebSocket).
    pub access_token: String,
    /// Single-use token for `refreshSession`; each use returns a new one.
    pub refresh_token: String,
    /// When the access token expires.
    pub expires_at: DateTime<Utc>,
    /// Who signed in.
    pub viewer: UserAccount,
}

impl From<Session> for AuthPayload {
    fn from(s: Session) -> Self {
        Self {
            access_token: s.access_token,
            refresh_token: s.refresh_token,
            expires_at: s.expires_at,
            viewer: UserAccount(s.user, true),
        }
    }
}

/// Sign-in and sessions.
#[derive(Default)]
pub struct AccountsMutation;

#[Object]
impl AccountsMutation {
    /// Signs in with user code and password. Public. Repeated failures lock the user code and
    /// the client address for a while (`RATE_LIMITED`, with `retryAfterSeconds`).
    async fn login(
        &self,
        ctx: &Context<'_>,
        user_code: String,
        password: String,
    ) -> Result<AuthPayload> {
        let addr = client_addr(ctx);
        let session = app(ctx)
            .sessions()
            .login(&user_code, password, &addr)
            .await?;
        Ok(session.into())
    }

    /// Exchanges a refresh token for new tokens. The old refresh token is spent; presenting a
    /// spent one again revokes the whole session (it was stolen or replayed).
    async fn refresh_session(
        &self,
        ctx: &Context<'_>,
        refresh_token: String,
    ) -> Result<AuthPayload> {
        let addr = client_addr(ctx);
        let session = app(ctx).sessions().refresh(&refresh_token, &addr).await?;
        Ok(session.into())
    }

    /// Ends the session the refresh token belongs to. Returns false when it was unknown or
    /// already ended. Access tokens already issued stay valid until they expire (minutes).
    async fn logout(&self, ctx: &Context<'_>, refresh_token: String) -> Result<bool> {
        Ok(app(ctx).sessions().logout(&refresh_token).await?)
    }
}

/// The viewer query.
#[derive(Default)]
pub struct AccountsQuery;

#[Object]
impl AccountsQuery {
    /// The signed-in user.
    async fn me(&self, ctx: &Context<'_>) -> Result<UserAccount> {
        Ok(UserAccount(signed_in(ctx).await?.user.clone(), true))
    }
}

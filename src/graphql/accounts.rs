//! Sign-in, sessions and the viewer: `login`, `refreshSession`, `logout`, `me`.

use async_graphql::{Context, Object, Result, SimpleObject};
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::context::{app, client_addr, signed_in};
use super::types::user_account::UserAccount;
use crate::app::App;
use crate::auth;
use crate::domain::normalize;
use crate::error::{AppError, AppResult};
use crate::store::{self, DbConn, sessions, throttle, users};

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

fn wrong_credentials() -> AppError {
    AppError::unauthenticated("wrong user code or password")
        .with_fa("کد کاربری یا رمز عبور نادرست است")
}

fn refused_refresh() -> AppError {
    AppError::unauthenticated("the refresh token is invalid, expired or revoked: sign in again")
        .with_fa("نشست شما منقضی یا باطل شده است؛ دوباره وارد شوید")
}

/// Starts a session family for `user` and issues its first tokens.
pub async fn open_session(
    app: &App,
    conn: &mut DbConn,
    user: users::User,
    addr: &str,
) -> AppResult<AuthPayload> {
    let now = Utc::now();
    let family = Uuid::new_v4();
    let refresh_token = auth::new_refresh_token();
    sessions::insert(
        conn,
        &sessions::NewSession {
            id: Uuid::new_v4(),
            family_id: family,
            user_id: user.id,
            token_hash: auth::refresh_token_hash(&refresh_token),
            expires_at: now + Duration::seconds(app.config.refresh_token_ttl_secs),
            client_addr: Some(addr.to_string()),
        },
    )
    .await?;
    let (access_token, expires_at) = app
        .tokens
        .issue(user.id, user.role, family, now)
        .map_err(AppError::internal)?;
    Ok(AuthPayload {
        access_token,
        refresh_token,
        expires_at,
        viewer: UserAccount(user, true),
    })
}

/// Checks a password off the async threads (argon2 is deliberately slow).
async fn check_password(password: String, hash: Option<String>) -> AppResult<bool> {
    tokio::task::spawn_blocking(move || {
        let ok = auth::verify_password(&password, hash.as_deref().unwrap_or(auth::dummy_hash()));
        ok && hash.is_some()
    })
    .await
    .map_err(AppError::internal)
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
        let app = app(ctx);
        let cfg = &app.config;
        let code = normalize::fold_digits(user_code.trim());
        let addr = client_addr(ctx);
        let user_key = format!("user:{code}");
        let addr_key = format!("addr:{addr}");
        let mut conn = store::conn(&app.pool).await?;
        let now = Utc::now();
        if let Some(secs) =
            throttle::locked_for(&mut conn, &[user_key.clone(), addr_key.clone()], now).await?
        {
            return Err(AppError::rate_limited(secs).into());
        }
        let user = users::find_by_code(&mut conn, &code).await?;
        let hash = user.as_ref().map(|u| u.password_hash.clone());
        let ok = check_password(password, hash).await?;
        match user {
            Some(user) if ok && user.active => {
                throttle::clear(&mut conn, &user_key).await?;
                Ok(open_session(app, &mut conn, user, &addr).await?)
            }
            _ => {
                let window = cfg.login_window_secs;
                throttle::record_failure(
                    &mut conn,
                    &user_key,
                    cfg.login_max_failures_per_user,
                    window,
                    now,
                )
                .await?;
                throttle::record_failure(
                    &mut conn,
                    &addr_key,
                    cfg.login_max_failures_per_addr,
                    window,
                    now,
                )
                .await?;
                Err(wrong_credentials().into())
            }
        }
    }

    /// Exchanges a refresh token for new tokens. The old refresh token is spent; presenting a
    /// spent one again revokes the whole session (it was stolen or replayed).
    async fn refresh_session(
        &self,
        ctx: &Context<'_>,
        refresh_token: String,
    ) -> Result<AuthPayload> {
        let app = app(ctx);
        let now = Utc::now();
        let next_token = auth::new_refresh_token();
        let new = sessions::NewSession {
            id: Uuid::new_v4(),
            family_id: Uuid::nil(),
            user_id: Uuid::nil(),
            token_hash: auth::refresh_token_hash(&next_token),
            expires_at: now + Duration::seconds(app.config.refresh_token_ttl_secs),
            client_addr: Some(client_addr(ctx)),
        };
        let mut conn = store::conn(&app.pool).await?;
        match sessions::rotate(
            &mut conn,
            &auth::refresh_token_hash(&refresh_token),
            new,
            now,
        )
        .await?
        {
            sessions::Rotation::Rotated { user, family } => {
                let (access_token, expires_at) = app
                    .tokens
                    .issue(user.id, user.role, family, now)
                    .map_err(AppError::internal)?;
                Ok(AuthPayload {
                    access_token,
                    refresh_token: next_token,
                    expires_at,
                    viewer: UserAccount(user, true),
                })
            }
            sessions::Rotation::Reused => Err(AppError::unauthenticated(
                "this refresh token was used before: the session has been revoked, sign in again",
            )
            .with_fa("این نشست به دلیل استفاده تکراری باطل شد؛ دوباره وارد شوید")
            .into()),
            sessions::Rotation::Refused => Err(refused_refresh().into()),
        }
    }

    /// Ends the session the refresh token belongs to. Returns false when it was unknown or
    /// already ended. Access tokens already issued stay valid until they expire (minutes).
    async fn logout(&self, ctx: &Context<'_>, refresh_token: String) -> Result<bool> {
        let app = app(ctx);
        let mut conn = store::conn(&app.pool).await?;
        Ok(sessions::revoke_by_token(
            &mut conn,
            &auth::refresh_token_hash(&refresh_token),
            Utc::now(),
        )
        .await?)
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

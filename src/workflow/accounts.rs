//! Accounts and sessions: who holds a token, as the database says now; signing in,
//! refreshing and ending sessions.

use chrono::{DateTime, Duration, Utc};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::auth::{self, TokenKeys};
use crate::domain::{Caller, Role, normalize};
use crate::error::{AppError, AppResult};
use crate::store::officers::{self, Officer};
use crate::store::users::{self, User};
use crate::store::{self, DbPool, sessions, throttle};

/// A signed-in caller with the rows it was read from (kept for the request, so that `me`
/// and `me.officer` need no second read).
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The caller.
    pub caller: Caller,
    /// Its account.
    pub user: User,
    /// Its officer profile, for an officer's account.
    pub officer: Option<Officer>,
    /// When it last wrote (kept only with a read replica): its list reads stay on the
    /// primary until the replica has replayed past this instant.
    pub last_write: Option<chrono::DateTime<chrono::Utc>>,
}

/// Reads the account of `user_id` (from a verified token of `session`): its role, state and
/// links come from the database, so a disabled account is refused at once.
pub async fn signed_in(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    session: Uuid,
) -> AppResult<SignedIn> {
    let (user, officer, last_write) = officers::signed_in_user(conn, user_id, session)
        .await?
        .ok_or_else(|| {
            AppError::unauthenticated(
                "the account is disabled or gone, or the session has ended: sign in again",
            )
            .with_fa("حساب غیرفعال است یا نشست پایان یافته است؛ دوباره وارد شوید")
        })?;
    let officer = officer.filter(|_| user.role == Role::Officer);
    let caller = Caller {
        user_id: user.id,
        role: user.role,
        session,
        officer_id: officer.as_ref().map(|o| o.id),
        university_id: user.university_id,
        distributor_id: user.distributor_id,
        province_id: officer.as_ref().and_then(|o| o.province_id),
    };
    Ok(SignedIn {
        caller,
        user,
        officer,
        last_write,
    })
}

/// What signing in needs: the database, the token keys and the limits.
pub struct Sessions<'a> {
    /// The database pool.
    pub pool: &'a DbPool,
    /// Access-token keys.
    pub tokens: &'a TokenKeys,
    /// Lifetime of a refresh token, in seconds.
    pub refresh_ttl_secs: i64,
    /// Failed logins per user code within the window before it is locked.
    pub max_failures_per_user: i32,
    /// Failed logins per client address within the window before it is locked.
    pub max_failures_per_addr: i32,
    /// The counting window and lock-out, in seconds.
    pub window_secs: i64,
}

/// A new session: the tokens and who they are for.
pub struct Session {
    /// Bearer token.
    pub access_token: String,
    /// Single-use refresh token.
    pub refresh_token: String,
    /// When the access token expires.
    pub expires_at: DateTime<Utc>,
    /// The account.
    pub user: User,
}

fn wrong_credentials() -> AppError {
    AppError::unauthenticated("wrong user code or password")
        .with_fa("کد کاربری یا رمز عبور نادرست است")
}

fn refused_refresh() -> AppError {
    AppError::unauthenticated("the refresh token is invalid, expired or revoked: sign in again")
        .with_fa("نشست شما منقضی یا باطل شده است؛ دوباره وارد شوید")
}

/// Argon2 work refused or failed: `RATE_LIMITED` when every core was busy hashing for too
/// long (a flood of logins), `INTERNAL` otherwise.
fn argon2_refused(e: auth::Argon2Busy) -> AppError {
    match e {
        auth::Argon2Busy::Busy => {
            let mut e = AppError::new(
                crate::error::ErrorCode::RateLimited,
                "the server is busy checking passwords: retry in a moment",
                "سامانه در این لحظه پرکار است؛ لحظاتی دیگر دوباره تلاش کنید",
            );
            e.retry_after_secs = Some(1);
            e
        }
        auth::Argon2Busy::Failed(e) => AppError::internal(e),
    }
}

/// Hashes a password with argon2id, off the async threads and one per core at most.
pub async fn hash_password(password: String) -> AppResult<String> {
    auth::argon2_work(move || auth::hash_password(&password))
        .await
        .map_err(argon2_refused)?
        .map_err(AppError::internal)
}

/// Checks a password off the async threads, one per core at most (argon2 is deliberately
/// slow); an unknown user's is checked against a dummy hash, so both take the same time.
///
/// A hash imported from the old system (`legacy:…`, see [`crate::legacy::passwords`]) is
/// checked in constant time by its own format; when the password is right it is hashed
/// again with argon2id in the same work, and the new hash comes back to be stored.
async fn check_password(
    password: String,
    hash: Option<String>,
) -> AppResult<(bool, Option<String>)> {
    auth::argon2_work(move || {
        let stored = hash.as_deref().unwrap_or(auth::dummy_hash());
        match crate::legacy::passwords::verify_stored(stored, &password) {
            Some(true) => match auth::hash_password(&password) {
                Ok(upgraded) => (hash.is_some(), Some(upgraded)),
                Err(e) => {
                    tracing::error!("upgrading a legacy password hash: {e:#}");
                    (hash.is_some(), None)
                }
            },
            Some(false) => {
                // As long as an argon2 check, so that timing tells nothing of the format.
                let _ = auth::verify_password(&password, auth::dummy_hash());
                (false, None)
            }
            None => {
                let ok = auth::verify_password(&password, stored);
                (ok && hash.is_some(), None)
            }
        }
    })
    .await
    .map_err(argon2_refused)
}

impl Sessions<'_> {
    /// Starts a session family for `user` and issues its first tokens.
    async fn open(
        &self,
        conn: &mut AsyncPgConnection,
        user: User,
        addr: &str,
    ) -> AppResult<Session> {
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
                expires_at: now + Duration::seconds(self.refresh_ttl_secs),
                client_addr: Some(addr.to_string()),
            },
        )
        .await?;
        let (access_token, expires_at) = self
            .tokens
            .issue(user.id, user.role, family, now)
            .map_err(AppError::internal)?;
        Ok(Session {
            access_token,
            refresh_token,
            expires_at,
            user,
        })
    }

    /// Signs in with user code and password. Repeated failures lock the user code and the
    /// client address for a while (`RATE_LIMITED`).
    pub async fn login(&self, user_code: &str, password: String, addr: &str) -> AppResult<Session> {
        let code = normalize::fold_digits(user_code.trim());
        let user_key = format!("user:{code}");
        let addr_key = format!("addr:{addr}");
        let now = Utc::now();
        let mut conn = store::conn(self.pool).await?;
        // The attempt is counted before any password is checked, one statement per key, so
        // that N parallel attempts never get more than the limit checked. A success takes
        // its count back.
        let window = self.window_secs;
        let (by_user, user_resets) = throttle::hit(&mut conn, &user_key, window, now).await?;
        let (by_addr, addr_resets) = throttle::hit(&mut conn, &addr_key, window, now).await?;
        let over_user = by_user > self.max_failures_per_user;
        let over_addr = by_addr > self.max_failures_per_addr;
        if over_user || over_addr {
            let secs = match (over_user, over_addr) {
                (true, true) => user_resets.max(addr_resets),
                (true, false) => user_resets,
                _ => addr_resets,
            };
            return Err(AppError::rate_limited(secs));
        }
        let user = users::find_by_code(&mut conn, &code).await?;
        // No pool connection is held while the password is checked (it may queue for a core).
        drop(conn);
        let hash = user.as_ref().map(|u| u.password_hash.clone());
        let (ok, upgraded) = check_password(password, hash).await?;
        let mut conn = store::conn(self.pool).await?;
        match user {
            Some(user) if ok && user.active => {
                if let Some(upgraded) = upgraded {
                    // The first sign-in with a legacy hash: argon2id from now on (only if
                    // the hash is still the one just checked).
                    users::replace_password_hash(
                        &mut conn,
                        user.id,
                        &user.password_hash,
                        &upgraded,
                    )
                    .await?;
                }
                throttle::clear(&mut conn, &user_key).await?;
                throttle::take_back(&mut conn, &addr_key).await?;
                self.open(&mut conn, user, addr).await
            }
            _ => Err(wrong_credentials()),
        }
    }

    /// Exchanges a refresh token for new tokens. The old one is spent; presenting a spent
    /// one again revokes the whole session (it was stolen or replayed).
    pub async fn refresh(&self, refresh_token: &str, addr: &str) -> AppResult<Session> {
        let now = Utc::now();
        let next_token = auth::new_refresh_token();
        let new = sessions::NewSession {
            id: Uuid::new_v4(),
            family_id: Uuid::nil(),
            user_id: Uuid::nil(),
            token_hash: auth::refresh_token_hash(&next_token),
            expires_at: now + Duration::seconds(self.refresh_ttl_secs),
            client_addr: Some(addr.to_string()),
        };
        let mut conn = store::conn(self.pool).await?;
        match sessions::rotate(
            &mut conn,
            &auth::refresh_token_hash(refresh_token),
            new,
            now,
        )
        .await?
        {
            sessions::Rotation::Rotated { user, family } => {
                let (access_token, expires_at) = self
                    .tokens
                    .issue(user.id, user.role, family, now)
                    .map_err(AppError::internal)?;
                Ok(Session {
                    access_token,
                    refresh_token: next_token,
                    expires_at,
                    user,
                })
            }
            sessions::Rotation::Reused => Err(AppError::unauthenticated(
                "this refresh token was used before: the session has been revoked, sign in again",
            )
            .with_fa("این نشست به دلیل استفاده تکراری باطل شد؛ دوباره وارد شوید")),
            sessions::Rotation::Refused => Err(refused_refresh()),
        }
    }

    /// Ends the session a refresh token belongs to; false when it was unknown or ended.
    pub async fn logout(&self, refresh_token: &str) -> AppResult<bool> {
        let mut conn = store::conn(self.pool).await?;
        sessions::revoke_by_token(
            &mut conn,
            &auth::refresh_token_hash(refresh_token),
            Utc::now(),
        )
        .await
    }
}

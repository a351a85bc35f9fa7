//! Credentials: argon2id password hashes, HS256 access tokens, opaque refresh tokens.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::domain::Role;

const ISSUER: &str = "officer-registry";

/// Hashes a password with argon2id (default parameters, random salt) into a PHC string.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
}

/// Checks a password against a stored PHC string.
pub fn verify_password(password: &str, phc: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), phc)
        .is_ok()
}

/// Argon2 runs at once, process-wide: one per core. A flood of logins then queues for the
/// cores instead of taking all of them and ~19 MiB of memory per attempt.
fn argon2_permits() -> &'static tokio::sync::Semaphore {
    static PERMITS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    PERMITS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        tokio::sync::Semaphore::new(cores)
    })
}

/// Why argon2 work was not done.
#[derive(Debug)]
pub enum Argon2Busy {
    /// Every core was busy hashing for longer than the wait allowed.
    Busy,
    /// The blocking task failed.
    Failed(tokio::task::JoinError),
}

/// Runs argon2 work (`f`) on a blocking thread once a core is free; waits at most
/// `ARGON2_QUEUE_WAIT` for one.
pub async fn argon2_work<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Argon2Busy> {
    const ARGON2_QUEUE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);
    let permit = tokio::time::timeout(ARGON2_QUEUE_WAIT, argon2_permits().acquire())
        .await
        .map_err(|_| Argon2Busy::Busy)?
        .map_err(|_| Argon2Busy::Busy)?;
    let out = tokio::task::spawn_blocking(f)
        .await
        .map_err(Argon2Busy::Failed);
    drop(permit);
    out
}

/// Hash checked when the user code is unknown, so that both answers take the same time.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not-a-real-password-0").unwrap_or_default())
}

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: Uuid,
    /// The user's role.
    pub role: String,
    /// The session family the token was issued for.
    pub sid: Uuid,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expires at (seconds since the epoch).
    pub exp: i64,
    /// Issuer.
    pub iss: String,
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    /// The token has expired.
    Expired,
    /// Anything else: bad shape, bad signature, wrong algorithm, wrong issuer.
    Invalid,
}

/// What the credentials of a request amount to, before the account is looked up.
#[derive(Debug, Clone)]
pub enum Authentication {
    /// No credentials.
    Anonymous,
    /// A valid access token.
    Token(Claims),
    /// Credentials that were refused.
    Refused(TokenError),
}

/// The token of an `Authorization: Bearer <token>` value; the scheme is case-insensitive
/// (RFC 7235) and surrounding spaces are ignored. `None` for any other scheme.
pub fn bearer(value: &str) -> Option<&str> {
    let value = value.trim();
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Signs and checks access tokens.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    /// Lifetime of an access token, in seconds.
    pub access_ttl_secs: i64,
    /// Tokens whose signature and issuer were checked, by their text: every request of a
    /// session presents the same token, and decoding it and computing its HMAC again was
    /// most of a cached caller's cost. Only the expiry changes with time: it is checked at
    /// every use. Emptied when full. (A map by hand: what it holds is one verification,
    /// keyed by a string only a valid token can match.)
    verified: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<Box<str>, Claims>>>,
}

/// How many checked tokens [`TokenKeys`] keeps.
const VERIFIED_TOKENS: usize = 50_000;

impl TokenKeys {
    /// Keys from a shared secret.
    pub fn new(secret: &[u8], access_ttl_secs: i64) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.leeway = 0;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            access_ttl_secs,
            verified: Default::default(),
        }
    }

    /// Issues an access token; returns it with its expiry.
    pub fn issue(
        &self,
        user_id: Uuid,
        role: Role,
        family: Uuid,
        now: DateTime<Utc>,
    ) -> anyhow::Result<(String, DateTime<Utc>)> {
        let exp = now + chrono::Duration::seconds(self.access_ttl_secs);
        let claims = Claims {
            sub: user_id,
            role: role.as_str().to_string(),
            sid: family,
            iat: now.timestamp(),
            exp: exp.timestamp(),
            iss: ISSUER.to_string(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok((token, exp))
    }

    /// Authenticates an `Authorization` value (HTTP header, WebSocket `connection_init`
    /// payload): the one place where a bearer token is read.
    pub fn authenticate(&self, authorization: Option<&str>) -> Authentication {
        match authorization {
            None => Authentication::Anonymous,
            Some(value) => match bearer(value) {
                None => Authentication::Refused(TokenError::Invalid),
                Some(token) => match self.verify(token) {
                    Ok(claims) => Authentication::Token(claims),
                    Err(e) => Authentication::Refused(e),
                },
            },
        }
    }

    /// Checks a token: signature, algorithm (HS256 only), issuer and expiry.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let verified = || self.verified.lock().unwrap_or_else(|p| p.into_inner());
        let known = verified().get(token).cloned();
        if let Some(claims) = known {
            // As jsonwebtoken decides with no leeway: expired once `exp` has passed.
            return if claims.exp < Utc::now().timestamp() {
                Err(TokenError::Expired)
            } else {
                Ok(claims)
            };
        }
        match jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation) {
            Ok(data) => {
                let mut verified = verified();
                if verified.len() >= VERIFIED_TOKENS {
                    verified.clear();
                }
                verified.insert(token.into(), data.claims.clone());
                Ok(data.claims)
            }
            Err(e) if matches!(e.kind(), jsonwebtoken::errors::ErrorKind::ExpiredSignature) => {
                Err(TokenError::Expired)
            }
            Err(_) => Err(TokenError::Invalid),
        }
    }
}

/// Name of the file, in the data folder, that holds the development signing secret.
pub const DEVELOPMENT_SECRET_FILE: &str = "jwt-secret";

/// The signing secret of a data folder when JWT_SECRET is unset (outside production mode):
/// 48 random bytes made on first use and kept in `<data_dir>/jwt-secret`, readable by its
/// owner only (0600). Each data folder has its own, so no published constant ever signs a
/// valid token, and tokens survive a restart on the same folder. Made atomically (written
/// to a temporary file, then linked into place), so two processes starting together agree.
/// Returns the secret and the file's path.
pub fn development_secret(
    data_dir: &std::path::Path,
) -> anyhow::Result<(String, std::path::PathBuf)> {
    use anyhow::Context as _;
    use std::io::Write as _;
    use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create the data folder {}", data_dir.display()))?;
    let path = data_dir.join(DEVELOPMENT_SECRET_FILE);
    if !path.exists() {
        let mut bytes = [0u8; 48];
        rand::rng().fill_bytes(&mut bytes);
        let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let tmp = data_dir.join(format!(
            ".{DEVELOPMENT_SECRET_FILE}.{}",
            Uuid::new_v4().simple()
        ));
        let written = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .and_then(|mut f| {
                f.write_all(secret.as_bytes())?;
                f.sync_all()
            });
        let linked = written.and_then(|()| std::fs::hard_link(&tmp, &path));
        let _ = std::fs::remove_file(&tmp);
        match linked {
            Ok(()) => return Ok((secret, path)),
            // Another process made it first: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("cannot write the secret file {}", path.display()));
            }
        }
    }
    let meta = std::fs::metadata(&path)
        .with_context(|| format!("cannot read the secret file {}", path.display()))?;
    if meta.permissions().mode() & 0o077 != 0 {
        tracing::warn!(path = %path.display(), "the development secret file was readable by others: made 0600");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("cannot restrict {}", path.display()))?;
    }
    let secret = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read the secret file {}", path.display()))?
        .trim()
        .to_string();
    if secret.len() < 32 {
        anyhow::bail!(
            "{} holds no usable secret (at least 32 bytes): delete it to have a new one made",
            path.display()
        );
    }
    Ok((secret, path))
}

/// A new refresh token: 32 random bytes, URL-safe base64.
pub fn new_refresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored digest of a refresh token.
pub fn refresh_token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Claims of a short-lived download link for one document.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DownloadClaims {
    /// The user the link was made for.
    pub sub: Uuid,
    /// The session family the link was made in: the link dies with it.
    pub sid: Uuid,
    /// The document.
    pub doc: Uuid,
    /// Expires at (seconds since the epoch).
    pub exp: i64,
    /// Issuer.
    pub iss: String,
}

/// Lifetime of a download link, in seconds.
pub const DOWNLOAD_TTL_SECS: i64 = 300;

impl TokenKeys {
    /// A download token for `doc`, valid for [`DOWNLOAD_TTL_SECS`], bound to `user` and its
    /// session family `sid`.
    pub fn issue_download(&self, user: Uuid, sid: Uuid, doc: Uuid) -> anyhow::Result<String> {
        let claims = DownloadClaims {
            sub: user,
            sid,
            doc,
            exp: Utc::now().timestamp() + DOWNLOAD_TTL_SECS,
            iss: ISSUER.to_string(),
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// Checks a download token.
    pub fn verify_download(&self, token: &str) -> Result<DownloadClaims, TokenError> {
        match jsonwebtoken::decode::<DownloadClaims>(token, &self.decoding, &self.validation) {
            Ok(data) => Ok(data.claims),
            Err(e) if matches!(e.kind(), jsonwebtoken::errors::ErrorKind::ExpiredSignature) => {
                Err(TokenError::Expired)
            }
            Err(_) => Err(TokenError::Invalid),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer abc"), Some("abc"));
        assert_eq!(bearer("BEARER   abc  "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer"), None);
        assert_eq!(bearer("Bearer   "), None);
        assert_eq!(bearer("abc"), None);
    }

    /// A token of officer 1, session 2, issued at `at`.
    fn officer_token(keys: &TokenKeys, at: chrono::DateTime<Utc>) -> String {
        keys.issue(Uuid::from_u128(1), Role::Officer, Uuid::from_u128(2), at)
            .unwrap()
            .0
    }

    #[test]
    fn a_checked_token_is_kept_but_its_expiry_still_counts() {
        let keys = TokenKeys::new(b"0123456789abcdef0123456789abcdef", 60);
        let token = officer_token(&keys, Utc::now());
        let first = keys.verify(&token).unwrap();
        // A clone of the keys shares what was checked.
        let again = keys.clone().verify(&token).unwrap();
        assert_eq!((first.sub, first.exp), (again.sub, again.exp));
        assert_eq!(keys.verified.lock().unwrap().len(), 1);
        // Any other text is checked afresh: one character changed in the signature.
        let mut forged = token.clone();
        let last = forged.pop().unwrap();
        forged.push(if last == 'A' { 'B' } else { 'A' });
        assert!(matches!(keys.verify(&forged), Err(TokenError::Invalid)));
        // Nor is a token of other keys accepted because this text was kept elsewhere.
        let other = TokenKeys::new(b"another secret, another signature", 60);
        assert!(matches!(other.verify(&token), Err(TokenError::Invalid)));
        // A kept token whose expiry has passed is refused as expired.
        keys.verified
            .lock()
            .unwrap()
            .get_mut(token.as_str())
            .unwrap()
            .exp = Utc::now().timestamp() - 1;
        assert!(matches!(keys.verify(&token), Err(TokenError::Expired)));
        // An expired token was never kept.
        let old = officer_token(&keys, Utc::now() - chrono::Duration::seconds(120));
        assert!(matches!(keys.verify(&old), Err(TokenError::Expired)));
        assert!(!keys.verified.lock().unwrap().contains_key(old.as_str()));
    }

    #[test]
    fn authenticate_reads_the_header_once() {
        let keys = TokenKeys::new(b"0123456789abcdef0123456789abcdef", 60);
        let token = officer_token(&keys, Utc::now());
        assert!(matches!(keys.authenticate(None), Authentication::Anonymous));
        assert!(matches!(
            keys.authenticate(Some(&format!("bearer {token}"))),
            Authentication::Token(c) if c.sub == Uuid::from_u128(1)
        ));
        assert!(matches!(
            keys.authenticate(Some("Bearer nope")),
            Authentication::Refused(TokenError::Invalid)
        ));
        assert!(matches!(
            keys.authenticate(Some(&format!("Token {token}"))),
            Authentication::Refused(TokenError::Invalid)
        ));
    }
}

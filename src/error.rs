//! The one error type of the application and its mapping to GraphQL errors.
//!
//! Every refusal carries a code from a closed set (`extensions.code`), an English message and
//! a Persian one (`extensions.messageFa`). Unexpected failures are logged with their cause and
//! shown to the caller as a bare `INTERNAL`, never with a database message or a stack.

use async_graphql::ErrorExtensions;

/// The closed set of error codes a client can receive (DESIGN §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// No valid access token was presented.
    Unauthenticated,
    /// The caller's role may never perform this operation.
    Forbidden,
    /// The object does not exist or the caller may not see it.
    NotFound,
    /// An input value is invalid; `extensions.field` names it.
    ValidationFailed,
    /// The object is not in a state that allows the operation.
    InvalidState,
    /// The operation collides with existing data (duplicate, concurrent change).
    Conflict,
    /// The officer is not qualified for the operation (R8).
    NotQualified,
    /// Too many attempts; `extensions.retryAfterSeconds` says when to retry.
    RateLimited,
    /// The payment gateway refused or could not be reached.
    PaymentFailed,
    /// A service the server depends on (the database, the document store) cannot be
    /// reached or written at the moment; the request may be retried. The set of codes is
    /// closed (DESIGN §3), so it goes out as `INTERNAL` with `extensions.retryable: true` and
    /// `extensions.retryAfterSeconds`.
    Unavailable,
    /// Something unexpected failed on the server.
    Internal,
}

impl ErrorCode {
    /// The wire name of the code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::ValidationFailed => "VALIDATION_FAILED",
            Self::InvalidState => "INVALID_STATE",
            Self::Conflict => "CONFLICT",
            Self::NotQualified => "NOT_QUALIFIED",
            Self::RateLimited => "RATE_LIMITED",
            Self::PaymentFailed => "PAYMENT_FAILED",
            Self::Unavailable => "INTERNAL",
            Self::Internal => "INTERNAL",
        }
    }
}

/// An error of the application, ready to be shown to a client.
#[derive(Debug)]
pub struct AppError {
    /// The code of the refusal.
    pub code: ErrorCode,
    /// English message.
    pub message: String,
    /// Persian message.
    pub message_fa: String,
    /// The input field at fault, for `VALIDATION_FAILED`.
    pub field: Option<String>,
    /// Seconds until a retry may succeed, for `RATE_LIMITED`.
    pub retry_after_secs: Option<i64>,
    /// More structured details, merged into `extensions` (e.g. `missing`).
    pub details: Option<Box<serde_json::Value>>,
    /// The hidden cause of an `INTERNAL` or `UNAVAILABLE` error (logged, never shown).
    pub source: Option<anyhow::Error>,
}

/// Result alias used across the application.
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// A refusal with a code and messages.
    pub fn new(code: ErrorCode, message: impl Into<String>, message_fa: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            message_fa: message_fa.into(),
            field: None,
            retry_after_secs: None,
            details: None,
            source: None,
        }
    }

    /// `UNAUTHENTICATED` with a reason.
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(
            ErrorCode::Unauthenticated,
            message,
            "ابتدا وارد سامانه شوید؛ نشست شما معتبر نیست",
        )
    }

    /// `FORBIDDEN`: the role may never do this.
    pub fn forbidden() -> Self {
        Self::new(
            ErrorCode::Forbidden,
            "your role may not perform this operation",
            "نقش شما اجازه انجام این عملیات را ندارد",
        )
    }

    /// `NOT_FOUND`, the same for a missing object and one the caller may not see.
    pub fn not_found() -> Self {
        Self::new(ErrorCode::NotFound, "not found", "مورد درخواستی یافت نشد")
    }

    /// `VALIDATION_FAILED` for one input field.
    pub fn validation(
        field: impl Into<String>,
        message: impl Into<String>,
        message_fa: impl Into<String>,
    ) -> Self {
        let mut e = Self::new(ErrorCode::ValidationFailed, message, message_fa);
        e.field = Some(field.into());
        e
    }

    /// `INVALID_STATE` with the reason.
    pub fn invalid_state(message: impl Into<String>, message_fa: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidState, message, message_fa)
    }

    /// `CONFLICT` with the reason.
    pub fn conflict(message: impl Into<String>, message_fa: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, message, message_fa)
    }

    /// `RATE_LIMITED`, retry after the given number of seconds.
    pub fn rate_limited(retry_after_secs: i64) -> Self {
        let secs = retry_after_secs.max(1);
        let minutes = (secs + 59) / 60;
        let mut e = Self::new(
            ErrorCode::RateLimited,
            format!("too many attempts; retry in {secs} seconds"),
            format!("تعداد تلاش‌ها بیش از حد مجاز است؛ {minutes} دقیقه دیگر دوباره تلاش کنید"),
        );
        e.retry_after_secs = Some(secs);
        e
    }

    /// Unavailable (`INTERNAL`, retryable): the database cannot be reached (lost connection,
    /// server restarting, no connection to be had in time), keeping the cause for the log.
    pub fn database_unavailable(source: impl Into<anyhow::Error>) -> Self {
        let mut e = Self::new(
            ErrorCode::Unavailable,
            "the database cannot be reached at the moment; try again shortly",
            "پایگاه داده در حال حاضر در دسترس نیست؛ کمی بعد دوباره تلاش کنید",
        );
        e.retry_after_secs = Some(2);
        e.source = Some(source.into());
        e
    }

    /// Unavailable (`INTERNAL`, retryable): the document store cannot be written or read at
    /// the moment, keeping the cause for the log.
    pub fn storage_unavailable(source: impl Into<anyhow::Error>) -> Self {
        let mut e = Self::new(
            ErrorCode::Unavailable,
            "the document store cannot be used at the moment; nothing was kept, try again later",
            "ذخیره‌سازی مدارک در حال حاضر ممکن نیست؛ چیزی ثبت نشد، کمی بعد دوباره تلاش کنید",
        );
        e.retry_after_secs = Some(30);
        e.source = Some(source.into());
        e
    }

    /// `INTERNAL`, keeping the cause for the log.
    pub fn internal(source: impl Into<anyhow::Error>) -> Self {
        let mut e = Self::new(
            ErrorCode::Internal,
            "internal server error",
            "خطای داخلی سامانه؛ لطفاً دوباره تلاش کنید",
        );
        e.source = Some(source.into());
        e
    }
}

impl AppError {
    /// `CODE: message`, for logs and command-line output. (No `Display`: async-graphql has a
    /// blanket conversion for `Display` types that would bypass the mapping below.)
    pub fn describe(&self) -> String {
        match &self.source {
            Some(s) => format!("{}: {} ({s:#})", self.code.as_str(), self.message),
            None => format!("{}: {}", self.code.as_str(), self.message),
        }
    }
}

impl From<crate::domain::normalize::FieldError> for AppError {
    fn from(e: crate::domain::normalize::FieldError) -> Self {
        Self::validation(e.field, e.message, e.message_fa)
    }
}

impl From<crate::domain::normalize::FieldError> for async_graphql::Error {
    fn from(e: crate::domain::normalize::FieldError) -> Self {
        AppError::from(e).into()
    }
}

/// The messages PostgreSQL gives a session it ends because the server stops or restarts
/// (SQLSTATE 57P01 `admin_shutdown`, 57P02 `crash_shutdown`, 57P03 `cannot_connect_now`).
/// diesel reports these as `DatabaseErrorKind::Unknown` and does not expose the SQLSTATE, so
/// the (English, server-side) message is all there is to recognise them by.
const SHUTDOWN_MESSAGES: [&str; 4] = [
    "terminating connection due to administrator command",
    "terminating connection because of crash of another server process",
    "the database system is shutting down",
    "the database system is starting up",
];

/// Whether a database error means the connection to PostgreSQL is lost (closed, could not
/// be used, ended by a server shutdown), as opposed to an error of the statement itself.
pub fn is_connection_lost(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _,
        ) => true,
        Error::DatabaseError(DatabaseErrorKind::Unknown, info) => {
            SHUTDOWN_MESSAGES.iter().any(|m| info.message().contains(m))
        }
        // A transaction whose connection broke could not be rolled back.
        Error::BrokenTransactionManager => true,
        _ => false,
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => Self::not_found(),
            other if is_connection_lost(&other) => Self::database_unavailable(other),
            other => Self::internal(other),
        }
    }
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for AppError {
    /// No connection could be had: the database cannot be reached, or every connection is
    /// busy past the wait limit. Either way a retry may succeed.
    fn from(e: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        Self::database_unavailable(anyhow::anyhow!("database pool: {e}"))
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(e: AppError) -> Self {
        if let Some(source) = &e.source {
            if e.code == ErrorCode::Unavailable {
                tracing::warn!(error = %format!("{source:#}"), "a dependency is unavailable");
            } else {
                tracing::error!(error = ?source, "internal error");
            }
        }
        async_graphql::Error::new(e.message.clone()).extend_with(|_, ext| {
            ext.set("code", e.code.as_str());
            ext.set("messageFa", e.message_fa.clone());
            if let Some(field) = &e.field {
                ext.set("field", field.clone());
            }
            if let Some(secs) = e.retry_after_secs {
                ext.set("retryAfterSeconds", secs);
            }
            if e.code == ErrorCode::Unavailable {
                ext.set("retryable", true);
            }
            if let Some(serde_json::Value::Object(details)) = e.details.as_deref() {
                for (k, v) in details {
                    if let Ok(v) = async_graphql::Value::from_json(v.clone()) {
                        ext.set(k, v);
                    }
                }
            }
        })
    }
}

/// The Persian message given to requests refused before execution (syntax, validation, limits).
pub const INVALID_REQUEST_FA: &str = "درخواست نامعتبر است";

impl AppError {
    /// Replaces the Persian message.
    pub fn with_fa(mut self, message_fa: impl Into<String>) -> Self {
        self.message_fa = message_fa.into();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::result::{DatabaseErrorKind, Error};

    fn db_error(kind: DatabaseErrorKind, message: &str) -> Error {
        Error::DatabaseError(kind, Box::new(message.to_string()))
    }

    #[test]
    fn a_lost_database_is_unavailable_not_internal() {
        for e in [
            db_error(DatabaseErrorKind::UnableToSendCommand, "connection closed"),
            db_error(DatabaseErrorKind::ClosedConnection, "closed"),
            db_error(
                DatabaseErrorKind::Unknown,
                "terminating connection due to administrator command",
            ),
            db_error(
                DatabaseErrorKind::Unknown,
                "the database system is shutting down",
            ),
            Error::BrokenTransactionManager,
        ] {
            let app = AppError::from(e);
            assert_eq!(app.code, ErrorCode::Unavailable, "{}", app.describe());
            assert!(app.message_fa.contains("پایگاه داده"));
        }
    }

    #[test]
    fn other_database_errors_stay_what_they_were() {
        assert_eq!(AppError::from(Error::NotFound).code, ErrorCode::NotFound);
        for e in [
            db_error(DatabaseErrorKind::Unknown, "invalid input syntax"),
            db_error(DatabaseErrorKind::UniqueViolation, "duplicate key"),
            Error::RollbackTransaction,
        ] {
            assert_eq!(AppError::from(e).code, ErrorCode::Internal);
        }
    }

    #[test]
    fn unavailable_keeps_its_cause_hidden() {
        let e = AppError::storage_unavailable(anyhow::anyhow!("/srv/docs: Not a directory"));
        // The closed set of codes (DESIGN §3): INTERNAL, marked retryable.
        assert_eq!(e.code.as_str(), "INTERNAL");
        assert!(e.retry_after_secs.is_some());
        assert!(!e.message.contains("/srv"));
        assert!(!e.message_fa.contains("/srv"));
        assert!(e.describe().contains("Not a directory"));
    }
}

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
    /// The hidden cause of an `INTERNAL` error (logged, never shown).
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

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => Self::not_found(),
            other => Self::internal(other),
        }
    }
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for AppError {
    fn from(e: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        Self::internal(anyhow::anyhow!("database pool: {e}"))
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(e: AppError) -> Self {
        if let Some(source) = &e.source {
            tracing::error!(error = ?source, "internal error");
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

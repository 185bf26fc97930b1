//! The API's error type and its mapping to GraphQL errors with `extensions.code`.
//! Internal errors are logged with an event id and a description that carries no
//! content (no SQL values, no input), and the caller sees only the event id.

use async_graphql::ErrorExtensions;
use shared_types::ErrorCode;
use uuid::Uuid;

use crate::redact::Sensitive;

pub type AppResult<T> = Result<T, AppError>;

/// Deliberately not `Display`: that keeps async-graphql's blanket conversion
/// away, so every error reaches the client through the mapping below, with a code.
#[derive(Debug)]
pub enum AppError {
    Unauthenticated,
    InvalidCredentials,
    Forbidden,
    NotFound,
    Validation {
        field: &'static str,
        reason: &'static str,
    },
    Conflict(&'static str),
    RateLimited,
    /// A single-use link that expired or was revoked.
    LinkExpired,
    /// A single-use link that was already used.
    LinkUsed,
    /// The password was right; a second factor is needed. Carries the
    /// challenge to pass to `verifyMfa`.
    MfaRequired(Sensitive<String>),
    /// The organization requires a second factor for one of the caller's
    /// roles and none is set up yet: only enrolment is open to them.
    MfaEnrollmentRequired,
    /// The organization requires a second factor of this account, whose only
    /// one is a passkey: it must sign in with the passkey.
    PasskeyRequired,
    Internal(anyhow::Error),
}

impl From<anyhow::Error> for AppError {
    fn from(error: anyhow::Error) -> Self {
        AppError::Internal(error)
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(error: sea_orm::DbErr) -> Self {
        AppError::Internal(anyhow::Error::new(error))
    }
}

impl AppError {
    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::Unauthenticated => ErrorCode::Unauthenticated,
            AppError::InvalidCredentials => ErrorCode::InvalidCredentials,
            AppError::Forbidden => ErrorCode::Forbidden,
            AppError::NotFound => ErrorCode::NotFound,
            AppError::Validation { .. } => ErrorCode::ValidationFailed,
            AppError::Conflict(_) => ErrorCode::Conflict,
            AppError::RateLimited => ErrorCode::RateLimited,
            AppError::LinkExpired => ErrorCode::LinkExpired,
            AppError::LinkUsed => ErrorCode::LinkUsed,
            AppError::MfaRequired(_) => ErrorCode::MfaRequired,
            AppError::MfaEnrollmentRequired => ErrorCode::MfaEnrollmentRequired,
            AppError::PasskeyRequired => ErrorCode::PasskeyRequired,
            AppError::Internal(_) => ErrorCode::Internal,
        }
    }

    pub fn validation(field: &'static str, reason: &'static str) -> Self {
        AppError::Validation { field, reason }
    }

    /// The English message; the portals show a translation chosen by code.
    pub fn message(&self) -> String {
        match self {
            AppError::Unauthenticated => "Sign in to continue.".into(),
            AppError::InvalidCredentials => "The email address or password is not right.".into(),
            AppError::Forbidden => "You are not allowed to do that.".into(),
            AppError::NotFound => "Not found.".into(),
            AppError::Validation { field, reason } => {
                format!("Invalid value for {field}: {reason}")
            }
            AppError::Conflict(what) => (*what).into(),
            AppError::RateLimited => {
                "Too many attempts. Please wait a few minutes and try again.".into()
            }
            AppError::LinkExpired => "This link has expired or was withdrawn.".into(),
            AppError::LinkUsed => "This link has already been used.".into(),
            AppError::MfaRequired(_) => "Enter the code from your authenticator app.".into(),
            AppError::PasskeyRequired => "Sign in with your passkey.".into(),
            AppError::MfaEnrollmentRequired => {
                "Your organization requires two-step sign-in. Set it up to continue.".into()
            }
            AppError::Internal(_) => "Something went wrong on our side.".into(),
        }
    }
}

/// Logs an internal error under a fresh event id and returns the id.
pub fn report_internal(error: &anyhow::Error) -> Uuid {
    let event_id = Uuid::now_v7();
    let (db_code, db_constraint) = database_detail(error);
    tracing::error!(
        event_id = %event_id,
        error.context = %error,
        error.db_code = db_code.as_deref().unwrap_or(""),
        error.db_constraint = db_constraint.as_deref().unwrap_or(""),
        "internal error"
    );
    event_id
}

/// The SQLSTATE and constraint of a database error, never its message or detail
/// (PostgreSQL puts row values there).
fn database_detail(error: &anyhow::Error) -> (Option<String>, Option<String>) {
    for cause in error.chain() {
        if let Some(sea_orm::DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e)))
        | Some(sea_orm::DbErr::Query(sea_orm::RuntimeErr::SqlxError(e))) =
            cause.downcast_ref::<sea_orm::DbErr>()
            && let Some(db) = e.as_database_error()
        {
            return (
                db.code().map(|c| c.into_owned()),
                db.constraint().map(str::to_owned),
            );
        }
    }
    (None, None)
}

impl From<AppError> for async_graphql::Error {
    fn from(error: AppError) -> Self {
        let code = error.code();
        match &error {
            AppError::Internal(inner) => {
                let event_id = report_internal(inner);
                async_graphql::Error::new(format!(
                    "Something went wrong on our side. Reference: {event_id}"
                ))
                .extend_with(|_, ext| {
                    ext.set("code", code.as_str());
                    ext.set("eventId", event_id.to_string());
                })
            }
            AppError::MfaRequired(challenge) => async_graphql::Error::new(error.message())
                .extend_with(|_, ext| {
                    ext.set("code", code.as_str());
                    ext.set("challenge", challenge.expose().as_str());
                }),
            AppError::Validation { field, reason } => async_graphql::Error::new(error.message())
                .extend_with(|_, ext| {
                    ext.set("code", code.as_str());
                    ext.set("field", *field);
                    ext.set("reason", *reason);
                }),
            _ => async_graphql::Error::new(error.message())
                .extend_with(|_, ext| ext.set("code", code.as_str())),
        }
    }
}

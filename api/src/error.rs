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
    /// Several named inputs are invalid at once (an intake step, a template):
    /// `field` is a path or an answer's key, chosen by the caller's input.
    Fields(Vec<FieldError>),
    Conflict(&'static str),
    /// An edit was made against an old version of the record: someone else
    /// changed it first. Nothing was written.
    StaleVersion,
    /// The case cannot move from its state to the one asked for.
    InvalidTransition,
    /// The record is archived (or otherwise closed to edits).
    ReadOnly,
    /// The mediator may not be neutral: these conflicts must be cleared.
    ConflictOfInterest(Vec<crate::cases::roster::FoundConflict>),
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
    /// The session time was taken (or stopped fitting) since it was offered:
    /// carries the start times that fit now.
    SlotTaken(Vec<chrono::DateTime<chrono::Utc>>),
    /// The room is in another booked session at that time.
    RoomTaken,
    /// A calendar server refused the username and password given for it.
    CalendarCredentialsRejected,
    /// A join link already bound to another browser.
    LinkBoundElsewhere,
    /// The browser could not prove it holds the key its join link is bound to.
    DeviceProofRejected,
    /// Not (or no longer) admitted to the session's room.
    NotAdmitted,
    /// The session has ended, or is locked to new admissions.
    SessionClosed,
    Internal(anyhow::Error),
}

pub use shared_types::intake::FieldError;

impl From<Vec<FieldError>> for AppError {
    fn from(errors: Vec<FieldError>) -> Self {
        AppError::Fields(errors)
    }
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
            AppError::Validation { .. } | AppError::Fields(_) => ErrorCode::ValidationFailed,
            AppError::Conflict(_) => ErrorCode::Conflict,
            AppError::StaleVersion => ErrorCode::StaleVersion,
            AppError::InvalidTransition => ErrorCode::InvalidTransition,
            AppError::ReadOnly => ErrorCode::ReadOnly,
            AppError::ConflictOfInterest(_) => ErrorCode::ConflictOfInterest,
            AppError::RateLimited => ErrorCode::RateLimited,
            AppError::LinkExpired => ErrorCode::LinkExpired,
            AppError::LinkUsed => ErrorCode::LinkUsed,
            AppError::MfaRequired(_) => ErrorCode::MfaRequired,
            AppError::MfaEnrollmentRequired => ErrorCode::MfaEnrollmentRequired,
            AppError::PasskeyRequired => ErrorCode::PasskeyRequired,
            AppError::SlotTaken(_) => ErrorCode::SlotTaken,
            AppError::RoomTaken => ErrorCode::RoomTaken,
            AppError::CalendarCredentialsRejected => ErrorCode::CalendarCredentialsRejected,
            AppError::LinkBoundElsewhere => ErrorCode::LinkBoundElsewhere,
            AppError::DeviceProofRejected => ErrorCode::DeviceProofRejected,
            AppError::NotAdmitted => ErrorCode::NotAdmitted,
            AppError::SessionClosed => ErrorCode::SessionClosed,
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
            AppError::Fields(errors) => format!(
                "Invalid values for {}",
                errors
                    .iter()
                    .map(|e| e.field.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            AppError::Conflict(what) => (*what).into(),
            AppError::InvalidTransition => {
                "The case cannot move to that stage from where it is now.".into()
            }
            AppError::ReadOnly => "This case is archived and can no longer be changed.".into(),
            AppError::ConflictOfInterest(found) => format!(
                "This mediator may have {} conflict(s) of interest on this case.",
                found.len()
            ),
            AppError::StaleVersion => {
                "Someone else changed this since you opened it. Reload to see their changes.".into()
            }
            AppError::RateLimited => {
                "Too many attempts. Please wait a few minutes and try again.".into()
            }
            AppError::LinkExpired => "This link has expired or was withdrawn.".into(),
            AppError::LinkUsed => "This link has already been used.".into(),
            AppError::MfaRequired(_) => "Enter the code from your authenticator app.".into(),
            AppError::PasskeyRequired => "Sign in with your passkey.".into(),
            AppError::SlotTaken(_) => "That time was just taken. Please choose another one.".into(),
            AppError::RoomTaken => "That room is booked for another session at that time.".into(),
            AppError::CalendarCredentialsRejected => {
                "The calendar server did not accept that username and password.".into()
            }
            AppError::LinkBoundElsewhere => "This link was already opened on another device. \
                 Ask your case manager for a new link."
                .into(),
            AppError::DeviceProofRejected => {
                "This device could not be confirmed. Ask your case manager for a new link.".into()
            }
            AppError::NotAdmitted => "The mediator has not let you in yet.".into(),
            AppError::SessionClosed => {
                "This session has ended or is closed to new arrivals.".into()
            }
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
            AppError::SlotTaken(fresh) => {
                async_graphql::Error::new(error.message()).extend_with(|_, ext| {
                    ext.set("code", code.as_str());
                    ext.set(
                        "slots",
                        fresh.iter().map(|t| t.to_rfc3339()).collect::<Vec<_>>(),
                    );
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
            AppError::ConflictOfInterest(found) => {
                let list = async_graphql::Value::from_json(serde_json::json!(
                    found
                        .iter()
                        .map(|c| serde_json::json!({
                            "key": c.key,
                            "reason": c.reason,
                            "partyId": c.party_id,
                            "otherCaseReference": c.other_case_reference,
                        }))
                        .collect::<Vec<_>>()
                ))
                .unwrap_or(async_graphql::Value::Null);
                async_graphql::Error::new(error.message()).extend_with(move |_, ext| {
                    ext.set("code", code.as_str());
                    ext.set("conflicts", list.clone());
                })
            }
            AppError::Fields(errors) => {
                let list: Vec<async_graphql::Value> = errors
                    .iter()
                    .map(|e| {
                        let mut item = async_graphql::indexmap::IndexMap::new();
                        item.insert(async_graphql::Name::new("field"), e.field.clone().into());
                        item.insert(async_graphql::Name::new("reason"), e.reason.into());
                        async_graphql::Value::Object(item)
                    })
                    .collect();
                let first = errors.first().cloned();
                async_graphql::Error::new(error.message()).extend_with(move |_, ext| {
                    ext.set("code", code.as_str());
                    if let Some(first) = &first {
                        ext.set("field", first.field.clone());
                        ext.set("reason", first.reason);
                    }
                    ext.set("fields", async_graphql::Value::List(list.clone()));
                })
            }
            _ => async_graphql::Error::new(error.message())
                .extend_with(|_, ext| ext.set("code", code.as_str())),
        }
    }
}

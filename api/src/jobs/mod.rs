//! The job queue: PostgreSQL rows, enqueued in the transaction of the change
//! that causes them, claimed with `FOR UPDATE SKIP LOCKED` under a lease, retried
//! with exponential backoff, and moved to a dead-letter state after their last
//! attempt. Payloads carry identifiers only.

pub mod faults;
pub mod graphql;
pub mod worker;

use std::time::Duration;

use rand::Rng;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::Value;
use uuid::Uuid;

use crate::db::{Db, TenantScope, TenantTx};
use crate::error::AppResult;

/// Kinds of job. The wire form is stored in `jobs.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// Tell a user that their account was signed in to from a new browser.
    SignInNotice,
    /// Send (or resend) an invitation's link.
    Invitation,
    /// Send a password-reset or sign-in link.
    EmailLink,
    /// A proposed mediator's answer deadline passed: confirm it unless a
    /// party objected.
    AssignmentDeadline,
    /// Remind a task's assignee that it is due soon.
    TaskReminder,
    /// Tell a session's participants that it was booked, moved or cancelled
    /// (see [`crate::scheduling::notify`]).
    SessionNotice,
    /// Remind a session's participants that it is coming up.
    SessionReminder,
    /// [`JobKind::SessionNotice`] by SMS, to those who opted in.
    SmsSessionNotice,
    /// [`JobKind::SessionReminder`] by SMS, to those who opted in.
    SmsSessionReminder,
    /// An earlier time held for a waiting case ran out: offer it on.
    WaitlistOfferLapsed,
    /// Read a connected calendar's busy times and write the mediator's
    /// sessions to it (see [`crate::scheduling::caldav`]).
    CalendarSync,
    /// End a session's video (cancelled, or its time is over) and close its
    /// LiveKit room (see [`crate::video::revoke`]).
    VideoClose,
    /// Remove revoked participants from the LiveKit rooms they are in.
    VideoEvict,
    /// Email a party their personal link to a session's video.
    JoinLink,
    /// A caucus timer's warning, end, and recall (see [`crate::video::caucus`]).
    CaucusTimer,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::SignInNotice => "email.sign_in_notice",
            JobKind::Invitation => "email.invitation",
            JobKind::EmailLink => "email.link",
            JobKind::AssignmentDeadline => "case.assignment_deadline",
            JobKind::TaskReminder => "email.task_reminder",
            JobKind::SessionNotice => "email.session_notice",
            JobKind::SessionReminder => "email.session_reminder",
            JobKind::SmsSessionNotice => "sms.session_notice",
            JobKind::SmsSessionReminder => "sms.session_reminder",
            JobKind::WaitlistOfferLapsed => "session.waitlist_offer_lapsed",
            JobKind::CalendarSync => "calendar.sync",
            JobKind::VideoClose => "video.close",
            JobKind::VideoEvict => "video.evict",
            JobKind::JoinLink => "email.join_link",
            JobKind::CaucusTimer => "video.caucus_timer",
        }
    }

    pub fn parse(kind: &str) -> Option<Self> {
        match kind {
            "email.sign_in_notice" => Some(JobKind::SignInNotice),
            "email.invitation" => Some(JobKind::Invitation),
            "email.link" => Some(JobKind::EmailLink),
            "case.assignment_deadline" => Some(JobKind::AssignmentDeadline),
            "email.task_reminder" => Some(JobKind::TaskReminder),
            "email.session_notice" => Some(JobKind::SessionNotice),
            "email.session_reminder" => Some(JobKind::SessionReminder),
            "sms.session_notice" => Some(JobKind::SmsSessionNotice),
            "sms.session_reminder" => Some(JobKind::SmsSessionReminder),
            "session.waitlist_offer_lapsed" => Some(JobKind::WaitlistOfferLapsed),
            "calendar.sync" => Some(JobKind::CalendarSync),
            "video.close" => Some(JobKind::VideoClose),
            "video.evict" => Some(JobKind::VideoEvict),
            "email.join_link" => Some(JobKind::JoinLink),
            "video.caucus_timer" => Some(JobKind::CaucusTimer),
            _ => None,
        }
    }
}

pub const DEFAULT_MAX_ATTEMPTS: i32 = 8;

/// Enqueues a job in `tx`: it exists only if `tx` commits.
pub async fn enqueue(
    tx: &TenantTx,
    kind: &str,
    payload: Value,
    max_attempts: i32,
) -> AppResult<Uuid> {
    let id = Uuid::now_v7();
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO jobs (id, org_id, kind, payload, max_attempts) VALUES ($1, $2, $3, $4, $5)",
            [
                id.into(),
                tx.scope().org_id.into(),
                kind.into(),
                payload.into(),
                max_attempts.into(),
            ],
        ))
        .await?;
    Ok(id)
}

/// Enqueues a job in `tx` to run from `run_at` on.
pub async fn enqueue_at(
    tx: &TenantTx,
    kind: &str,
    payload: Value,
    max_attempts: i32,
    run_at: chrono::DateTime<chrono::Utc>,
) -> AppResult<Uuid> {
    let id = Uuid::now_v7();
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO jobs (id, org_id, kind, payload, max_attempts, run_at) VALUES ($1, $2, $3, $4, $5, $6)",
            [
                id.into(),
                tx.scope().org_id.into(),
                kind.into(),
                payload.into(),
                max_attempts.into(),
                run_at.into(),
            ],
        ))
        .await?;
    Ok(id)
}

/// A job a worker holds the lease of.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: Uuid,
    pub org_id: Uuid,
    pub kind: String,
    pub payload: Value,
    pub attempts: i32,
    pub max_attempts: i32,
    /// The claim's number: the fence its outcome is recorded under.
    pub claim: i64,
}

/// Claims up to `limit` ready jobs across organizations for `lease`.
pub async fn claim(db: &Db, limit: u32, lease: Duration) -> AppResult<Vec<ClaimedJob>> {
    let rows = db
        .unscoped_claim_jobs(
            i32::try_from(limit).unwrap_or(100),
            i32::try_from(lease.as_secs()).unwrap_or(3600),
        )
        .await?;
    rows.iter()
        .map(|row| {
            Ok(ClaimedJob {
                id: row.try_get("", "id")?,
                org_id: row.try_get("", "org_id")?,
                kind: row.try_get("", "kind")?,
                payload: row.try_get("", "payload")?,
                attempts: row.try_get("", "attempts")?,
                max_attempts: row.try_get("", "max_attempts")?,
                claim: row.try_get("", "claims")?,
            })
        })
        .collect::<Result<_, sea_orm::DbErr>>()
        .map_err(Into::into)
}

async fn job_tx(db: &Db, job: &ClaimedJob) -> AppResult<TenantTx> {
    Ok(db
        .tenant(TenantScope {
            org_id: job.org_id,
            user_id: None,
        })
        .await?)
}

/// What recording a job's outcome did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// The outcome was recorded.
    Done,
    /// The lease was lost (it ran out and another worker claimed the job
    /// again, or an org admin retried it): nothing was changed, because the
    /// job is no longer this claim's to record.
    LeaseLost,
}

/// The claim's fence: a job's outcome is recorded only while it is still
/// running under this very claim. Every claim adds one to `claims` (which,
/// unlike `attempts`, a retry never resets), so a worker whose lease ran out
/// and whose job was claimed again cannot overwrite the newer claim's outcome.
const STILL_OURS: &str = "id = $1 AND status = 'running' AND claims = $2";

async fn record(
    db: &Db,
    job: &ClaimedJob,
    set: &str,
    values: Vec<sea_orm::Value>,
) -> AppResult<Recorded> {
    let tx = job_tx(db, job).await?;
    let mut all: Vec<sea_orm::Value> = vec![job.id.into(), job.claim.into()];
    all.extend(values);
    let result = tx
        .conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("UPDATE jobs SET {set}, locked_until = NULL WHERE {STILL_OURS}"),
            all,
        ))
        .await?;
    tx.commit().await?;
    if result.rows_affected() == 0 {
        tracing::warn!(job_id = %job.id, org_id = %job.org_id, kind = %job.kind, attempt = job.attempts,
            "a job's outcome was not recorded: its lease was lost");
        return Ok(Recorded::LeaseLost);
    }
    Ok(Recorded::Done)
}

/// Marks a claimed job done.
pub async fn complete(db: &Db, job: &ClaimedJob) -> AppResult<Recorded> {
    record(db, job, "status = 'done', last_error = NULL", Vec::new()).await
}

/// Records a failed attempt: retried after a backoff, or dead after the last
/// attempt. `reason` is a short description without content.
pub async fn fail(db: &Db, job: &ClaimedJob, reason: &str) -> AppResult<Recorded> {
    let dead = job.attempts >= job.max_attempts;
    let delay = backoff(u32::try_from(job.attempts).unwrap_or(0));
    let recorded = record(
        db,
        job,
        "status = CASE WHEN $3 THEN 'dead' ELSE 'queued' END,
         run_at = now() + make_interval(secs => $4),
         last_error = left($5, 200)",
        vec![dead.into(), delay.as_secs_f64().into(), reason.into()],
    )
    .await?;
    if dead && recorded == Recorded::Done {
        tracing::warn!(job_id = %job.id, org_id = %job.org_id, kind = %job.kind, "job is dead after its last attempt");
    }
    Ok(recorded)
}

/// A handler's error that no retry can fix (a provider refused the message
/// itself): the job is dead at once, where an org admin sees it
/// (`deadJobs`) and may retry it after fixing the cause.
#[derive(Debug)]
pub struct Permanent(pub String);

impl std::fmt::Display for Permanent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Permanent {}

/// Whether `error` is [`Permanent`].
pub fn is_permanent(error: &anyhow::Error) -> bool {
    error.downcast_ref::<Permanent>().is_some()
}

/// Records a failed attempt that no retry can fix: the job is dead.
pub async fn give_up(db: &Db, job: &ClaimedJob, reason: &str) -> AppResult<Recorded> {
    let recorded = record(
        db,
        job,
        "status = 'dead', last_error = left($3, 200)",
        vec![reason.into()],
    )
    .await?;
    if recorded == Recorded::Done {
        tracing::warn!(job_id = %job.id, org_id = %job.org_id, kind = %job.kind, "job is dead: its failure cannot be fixed by a retry");
    }
    Ok(recorded)
}

/// Exponential backoff with jitter: about 2^attempt seconds, at most an hour.
pub fn backoff(attempt: u32) -> Duration {
    let base = 2f64
        .powi(i32::try_from(attempt.min(12)).unwrap_or(12))
        .min(3600.0);
    let jitter = rand::thread_rng().gen_range(0.0..=0.25);
    Duration::from_secs_f64(base * (1.0 + jitter))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert!(backoff(1) >= Duration::from_secs(2) && backoff(1) <= Duration::from_millis(2500));
        assert!(backoff(5) >= Duration::from_secs(32));
        assert!(backoff(30) <= Duration::from_secs(4500));
        assert!(backoff(30) >= Duration::from_secs(3600));
    }

    #[test]
    fn kinds_round_trip() {
        assert_eq!(
            JobKind::parse(JobKind::SignInNotice.as_str()),
            Some(JobKind::SignInNotice)
        );
        for kind in [
            JobKind::SessionNotice,
            JobKind::SessionReminder,
            JobKind::SmsSessionNotice,
            JobKind::SmsSessionReminder,
            JobKind::WaitlistOfferLapsed,
            JobKind::CalendarSync,
        ] {
            assert_eq!(JobKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(JobKind::parse("nope"), None);
    }
}

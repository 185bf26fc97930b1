//! Session notices: when a session is booked, every participant (the parties
//! of the case who have accounts, their representatives, and the mediator)
//! gets a confirmation with a calendar invitation, then reminders at the
//! organization's offsets before the start; a moved session sends a new
//! invitation (same UID, higher SEQUENCE) and a cancelled one a CANCEL. The
//! messages say "Mediation session", the organization, the time in the
//! recipient's own zone and a link, nothing else (see [`super::ics`]).
//!
//! # Delivery: exactly once per recipient and notice, as far as SMTP allows
//!
//! Each notice is one job, enqueued in the transaction of the change that
//! causes it (the booking's, the reschedule's): a booking that rolls back
//! sends nothing. The job reads the recipients when it runs and delivers to
//! them one by one, each in its own transaction that
//!
//! 1. locks the session row `FOR SHARE` and checks that the notice still
//!    describes it (same status, start and SEQUENCE): a reminder for a moved
//!    or cancelled session is dropped here, and the change waits until a
//!    message already on its way is out, so no stale message follows it;
//! 2. inserts the `session_notices` row of (session, recipient, kind,
//!    reminder offset, SEQUENCE, start), or finds it there and skips: the
//!    recipient already has this notice;
//! 3. hands the message to SMTP, then commits.
//!
//! The row is inserted before sending, so a second worker running the same
//! job (a lease that ran out under a slow worker) blocks on the unique key
//! until the first commits, then skips; if the first failed instead, its
//! row is gone and the second sends. A worker that crashes before SMTP
//! accepted the message leaves no row, and the retry sends it: nothing is
//! lost. A recipient whose delivery failed does not hold up the others; the
//! job fails after trying everyone, and its retry sends only what is missing.
//!
//! **The one window left**: SMTP accepted the message and the process died
//! (or lost its database connection) before the commit. The row is rolled
//! back and the retry sends the notice again. No design without a
//! transactional mail server closes it; this one keeps it to the moment
//! between SMTP's reply and the commit, and both copies carry the same
//! `Message-ID` (derived from the notice's key) so mail systems that
//! de-duplicate by it show one.
//!
//! # SMS
//!
//! Each notice also goes by SMS to the recipients who opted in and gave a
//! valid mobile number (`profiles.contact_info`): a job of its own
//! (`sms.session_notice`, `sms.session_reminder`) queued beside the email's,
//! delivered through the same per-recipient transaction with its own
//! `session_notices` row (`channel = 'sms'`), through [`crate::sms`]'s
//! provider. The outbox provider keeps the message in that transaction, so
//! there no window is left at all. A provider's final refusal (a bad number)
//! does not block the others and makes the job dead at once
//! ([`jobs::Permanent`]); an outage is retried like an SMTP failure.
//!
//! Reminders are jobs due at the start minus each offset (offsets already
//! past at booking are skipped); a change drops the queued ones and, for a
//! new time, schedules fresh ones. Reminders are not sent once the session
//! has started. Offsets changed in the organization's settings apply to
//! sessions booked or moved afterwards.

use anyhow::Context as _;
use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement};
use serde::{Deserialize, Serialize};
use shared_types::i18n::Arg;
use shared_types::{Locale, Translator};
use uuid::Uuid;

use super::booking::Session;
use super::ics::{self, Method, Parties, SessionEvent};
use super::settings;
use crate::db::{self, TenantScope, TenantTx};
use crate::email::templates::{self, SessionDetails, SessionNotice};
use crate::email::{CalendarPart, Mailer};
use crate::error::{AppError, AppResult};
use crate::jobs::faults::{self, SimulatedCrash};
use crate::jobs::{self, ClaimedJob, JobKind};
use crate::orgs::service::{self as orgs, OrgSettings};
use crate::redact::Sensitive;
use crate::sms::{self, PhoneNumber, Sms, SmsError, SmsMessage, SmsProvider as _};
use crate::state::AppState;

/// What changed about a booked session. The caller has already raised its
/// `sequence` (and, for a reschedule, moved it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Rescheduled,
    Cancelled,
}

/// The kinds of notice; the wire form is `session_notices.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Confirmation,
    Reminder,
    Rescheduled,
    Cancelled,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Confirmation => "confirmation",
            Kind::Reminder => "reminder",
            Kind::Rescheduled => "rescheduled",
            Kind::Cancelled => "cancelled",
        }
    }

    fn template(self) -> SessionNotice {
        match self {
            Kind::Confirmation => SessionNotice::Booked,
            Kind::Reminder => SessionNotice::Reminder,
            Kind::Rescheduled => SessionNotice::Rescheduled,
            Kind::Cancelled => SessionNotice::Cancelled,
        }
    }
}

/// How a notice travels. Each channel is its own job and its own
/// `session_notices` row, under the same exactly-once scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Channel {
    Email,
    /// To those who opted in and gave a mobile number (see [`crate::sms`]).
    Sms,
}

impl Channel {
    const ALL: [Channel; 2] = [Channel::Email, Channel::Sms];

    fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }

    fn of_job(kind: &str) -> Option<Self> {
        match JobKind::parse(kind)? {
            JobKind::SessionNotice | JobKind::SessionReminder => Some(Channel::Email),
            JobKind::SmsSessionNotice | JobKind::SmsSessionReminder => Some(Channel::Sms),
            _ => None,
        }
    }
}

/// A notice job's payload: which session, as it was when the notice was
/// decided. Identifiers and times only.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Notice {
    session_id: Uuid,
    kind: Kind,
    sequence: i32,
    scheduled_for: DateTime<Utc>,
    #[serde(default)]
    reminder_minutes: u32,
}

/// The session as it is when a notice goes out.
struct Current {
    case_id: Uuid,
    mediator_id: Uuid,
    scheduled_for: DateTime<Utc>,
    duration_minutes: i32,
    status: String,
    sequence: i32,
}

impl Notice {
    fn for_session(session: &Session, kind: Kind, reminder_minutes: u32) -> Self {
        Self {
            session_id: session.id,
            kind,
            sequence: session.sequence,
            scheduled_for: session.scheduled_for,
            reminder_minutes,
        }
    }

    /// Whether the notice still tells the truth about the session.
    fn is_current(&self, session: &Current, now: DateTime<Utc>) -> bool {
        if session.sequence != self.sequence || session.scheduled_for != self.scheduled_for {
            return false;
        }
        match self.kind {
            Kind::Cancelled => session.status == "cancelled",
            Kind::Reminder => session.status == "booked" && now < session.scheduled_for,
            Kind::Confirmation | Kind::Rescheduled => session.status == "booked",
        }
    }

    fn job_kind(&self, channel: Channel) -> JobKind {
        match (channel, self.kind == Kind::Reminder) {
            (Channel::Email, true) => JobKind::SessionReminder,
            (Channel::Email, false) => JobKind::SessionNotice,
            (Channel::Sms, true) => JobKind::SmsSessionReminder,
            (Channel::Sms, false) => JobKind::SmsSessionNotice,
        }
    }

    fn payload(&self) -> AppResult<serde_json::Value> {
        serde_json::to_value(self)
            .map_err(|_| AppError::Internal(anyhow::anyhow!("a notice does not serialize")))
    }
}

/// Queues the notice on every channel.
async fn enqueue(tx: &TenantTx, notice: &Notice) -> AppResult<()> {
    for channel in Channel::ALL {
        jobs::enqueue(
            tx,
            notice.job_kind(channel).as_str(),
            notice.payload()?,
            jobs::DEFAULT_MAX_ATTEMPTS,
        )
        .await?;
    }
    Ok(())
}

/// Queues a reminder for each of the organization's offsets still ahead.
async fn schedule_reminders(tx: &TenantTx, session: &Session, now: DateTime<Utc>) -> AppResult<()> {
    let mut offsets = settings::load(tx).await?.reminder_minutes();
    offsets.sort_unstable();
    offsets.dedup();
    for minutes in offsets {
        let run_at = session.scheduled_for - TimeDelta::minutes(i64::from(minutes));
        if run_at <= now {
            continue;
        }
        let notice = Notice::for_session(session, Kind::Reminder, minutes);
        for channel in Channel::ALL {
            jobs::enqueue_at(
                tx,
                notice.job_kind(channel).as_str(),
                notice.payload()?,
                jobs::DEFAULT_MAX_ATTEMPTS,
                run_at,
            )
            .await?;
        }
    }
    Ok(())
}

/// Reminders not yet sent for the session's old time are closed: the check
/// at send time would drop them anyway, this keeps the queue clean.
async fn drop_reminders(tx: &TenantTx, session_id: Uuid) -> AppResult<()> {
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE jobs SET status = 'done', locked_until = NULL, last_error = 'superseded by a change to the session'
             WHERE org_id = $1 AND kind IN ($2, $3) AND status = 'queued' AND payload->>'sessionId' = $4",
            [
                tx.scope().org_id.into(),
                JobKind::SessionReminder.as_str().into(),
                JobKind::SmsSessionReminder.as_str().into(),
                session_id.to_string().into(),
            ],
        ))
        .await?;
    Ok(())
}

/// A session was booked: queues its confirmation and its reminders, in the
/// booking's transaction.
#[tracing::instrument(skip_all, fields(session_id = %session.id))]
pub async fn session_booked(tx: &TenantTx, session: &Session) -> AppResult<()> {
    enqueue(tx, &Notice::for_session(session, Kind::Confirmation, 0)).await?;
    schedule_reminders(tx, session, Utc::now()).await
}

/// A booked session moved or was cancelled (its `sequence` already raised):
/// drops the reminders for the old time, queues the new invitation or the
/// cancellation, and for a new time, its reminders. In the change's
/// transaction.
#[tracing::instrument(skip_all, fields(session_id = %session.id, change = ?change))]
pub async fn session_changed(tx: &TenantTx, session: &Session, change: Change) -> AppResult<()> {
    let (kind, status) = match change {
        Change::Rescheduled => (Kind::Rescheduled, "booked"),
        Change::Cancelled => (Kind::Cancelled, "cancelled"),
    };
    if session.status != status {
        // Such a notice would be dropped when it runs: a caller's mistake.
        return Err(AppError::Internal(anyhow::anyhow!(
            "session_changed({change:?}) for a session that is {}",
            session.status
        )));
    }
    drop_reminders(tx, session.id).await?;
    enqueue(tx, &Notice::for_session(session, kind, 0)).await?;
    if change == Change::Rescheduled {
        schedule_reminders(tx, session, Utc::now()).await?;
    }
    Ok(())
}

// --- Delivery (the worker) ---------------------------------------------------

/// Someone a notice goes to.
struct Recipient {
    user_id: Uuid,
    email: Sensitive<String>,
    active: bool,
    locale: Locale,
    zone: Tz,
    /// Staff read the admin portal; parties the client portal.
    staff: bool,
    /// Set when they opted in to SMS and their number is valid.
    mobile: Option<PhoneNumber>,
}

/// What every message of one job shares.
struct Shared {
    org_name: String,
    brand_color: String,
    organizer_email: String,
    uid_host: String,
    admin_portal: String,
    client_portal: String,
}

async fn load_session(tx: &TenantTx, id: Uuid, lock: bool) -> anyhow::Result<Option<Current>> {
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "SELECT case_id, mediator_id, scheduled_for, duration_minutes, status, sequence
                 FROM sessions WHERE id = $1{}",
                if lock { " FOR SHARE" } else { "" }
            ),
            [id.into()],
        ))
        .await
        .context("loading the session")?;
    let Some(row) = row else {
        return Ok(None);
    };
    let read = |row: &QueryResult| -> Result<Current, sea_orm::DbErr> {
        Ok(Current {
            case_id: row.try_get("", "case_id")?,
            mediator_id: row.try_get("", "mediator_id")?,
            scheduled_for: db::utc(row, "scheduled_for")?,
            duration_minutes: row.try_get("", "duration_minutes")?,
            status: row.try_get("", "status")?,
            sequence: row.try_get("", "sequence")?,
        })
    };
    Ok(Some(read(&row).context("reading the session")?))
}

/// The parties of the case with accounts (claimants, respondents and their
/// representatives) and the session's mediator, in a stable order.
async fn recipients(tx: &TenantTx, session: &Current) -> anyhow::Result<Vec<Recipient>> {
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT u.id, u.email, u.status, pr.locale, pr.timezone, bool_or(r.staff) AS staff,
                    pr.contact_info->>'mobile' AS mobile,
                    coalesce(pr.contact_info->>'smsOptIn' = 'true', false) AS sms_opt_in
             FROM (SELECT p.user_id AS id, false AS staff FROM parties p
                   WHERE p.case_id = $1 AND p.user_id IS NOT NULL
                     AND p.party_type IN ('claimant', 'respondent', 'representative')
                   UNION ALL SELECT $2::uuid, true) r
             JOIN users u ON u.id = r.id
             LEFT JOIN profiles pr ON pr.user_id = u.id
             GROUP BY u.id, u.email, u.status, pr.locale, pr.timezone, pr.contact_info
             ORDER BY u.id",
            [session.case_id.into(), session.mediator_id.into()],
        ))
        .await
        .context("loading the recipients")?;
    rows.iter()
        .map(|row| {
            let locale: Option<String> = row.try_get("", "locale")?;
            let zone: Option<String> = row.try_get("", "timezone")?;
            let status: String = row.try_get("", "status")?;
            let mobile: Option<String> = row.try_get("", "mobile")?;
            let opted_in: bool = row.try_get("", "sms_opt_in")?;
            Ok(Recipient {
                mobile: mobile
                    .filter(|_| opted_in)
                    .and_then(|m| PhoneNumber::parse(&m).ok()),
                user_id: row.try_get("", "id")?,
                email: Sensitive::new(row.try_get("", "email")?),
                active: status == "active",
                locale: locale
                    .as_deref()
                    .and_then(Locale::parse)
                    .unwrap_or_default(),
                zone: zone.and_then(|z| z.parse().ok()).unwrap_or(chrono_tz::UTC),
                staff: row.try_get("", "staff")?,
            })
        })
        .collect::<Result<_, sea_orm::DbErr>>()
        .context("reading the recipients")
}

/// Runs a notice job: delivers it to each recipient who does not have it yet.
#[tracing::instrument(skip_all, fields(org_id = %job.org_id))]
pub async fn deliver(
    state: &AppState,
    mailer: &Mailer,
    sms: &Sms,
    job: &ClaimedJob,
) -> anyhow::Result<()> {
    let channel = Channel::of_job(&job.kind).context("not a session notice job")?;
    if channel == Channel::Sms && !sms.enabled() {
        return Ok(());
    }
    let notice: Notice =
        serde_json::from_value(job.payload.clone()).context("a session notice's payload")?;
    let scope = TenantScope {
        org_id: job.org_id,
        user_id: None,
    };
    let tx = state
        .db
        .tenant(scope)
        .await
        .context("opening the job's transaction")?;
    let session = load_session(&tx, notice.session_id, false).await?;
    let Some(session) = session.filter(|s| notice.is_current(s, Utc::now())) else {
        tracing::info!(session_id = %notice.session_id, kind = notice.kind.as_str(), "the session changed: notice dropped");
        return Ok(());
    };
    let to = recipients(&tx, &session).await?;
    let org = orgs::current(&tx)
        .await
        .map_err(|e| anyhow::anyhow!("loading the organization: {}", e.message()))?;
    tx.commit().await.context("closing the job's transaction")?;
    let settings = &state.settings;
    let shared = Shared {
        brand_color: OrgSettings::from_json(&org.settings_json)
            .brand_color()
            .to_owned(),
        org_name: org.name,
        organizer_email: mailer.from_address(),
        uid_host: settings
            .server
            .public_url
            .host_str()
            .unwrap_or("caucus.invalid")
            .to_owned(),
        admin_portal: settings
            .email
            .admin_portal_url
            .as_str()
            .trim_end_matches('/')
            .to_owned(),
        client_portal: settings
            .email
            .client_portal_url
            .as_str()
            .trim_end_matches('/')
            .to_owned(),
    };
    let mut failed = 0usize;
    let mut rejected = 0usize;
    let senders = Senders { mailer, sms };
    let reached = |r: &&Recipient| r.active && (channel == Channel::Email || r.mobile.is_some());
    for recipient in to.iter().filter(reached) {
        match deliver_one(state, &senders, channel, scope, &notice, &shared, recipient).await {
            Ok(true) => {
                if faults::crash_now(job.org_id) {
                    return Err(SimulatedCrash.into());
                }
            }
            Ok(false) => {}
            Err(error) => match error.downcast_ref::<SmsError>() {
                Some(sms_error) if !sms_error.is_retryable() => {
                    rejected += 1;
                    tracing::warn!(session_id = %notice.session_id, user_id = %recipient.user_id, error = %sms_error, "the SMS provider rejected a session notice");
                }
                Some(sms_error) => {
                    failed += 1;
                    tracing::warn!(session_id = %notice.session_id, user_id = %recipient.user_id, error = %sms_error, "a session notice was not sent by SMS");
                }
                None => {
                    failed += 1;
                    // The outermost context only: our own words.
                    tracing::warn!(session_id = %notice.session_id, user_id = %recipient.user_id, error = %error, "a session notice was not delivered");
                }
            },
        }
    }
    if failed > 0 {
        anyhow::bail!("{failed} session notice(s) not delivered");
    }
    if rejected > 0 {
        // Retrying will not help: dead at once, for an admin to look at.
        return Err(jobs::Permanent(format!(
            "{rejected} session notice(s) rejected by the SMS provider"
        ))
        .into());
    }
    Ok(())
}

/// Who carries a message on each channel.
struct Senders<'a> {
    mailer: &'a Mailer,
    sms: &'a Sms,
}

/// Delivers `notice` to one recipient unless they have it (see the module's
/// documentation). True when a message was sent.
async fn deliver_one(
    state: &AppState,
    senders: &Senders<'_>,
    channel: Channel,
    scope: TenantScope,
    notice: &Notice,
    shared: &Shared,
    to: &Recipient,
) -> anyhow::Result<bool> {
    let tx = state
        .db
        .tenant(scope)
        .await
        .context("opening the delivery's transaction")?;
    let now = Utc::now();
    let Some(session) = load_session(&tx, notice.session_id, true).await? else {
        return Ok(false);
    };
    if !notice.is_current(&session, now) {
        return Ok(false);
    }
    let claimed = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO session_notices (id, org_id, session_id, user_id, kind, reminder_minutes, sequence, scheduled_for, channel)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT ON CONSTRAINT session_notices_once DO NOTHING
             RETURNING id",
            [
                Uuid::now_v7().into(),
                scope.org_id.into(),
                notice.session_id.into(),
                to.user_id.into(),
                notice.kind.as_str().into(),
                i32::try_from(notice.reminder_minutes).unwrap_or(i32::MAX).into(),
                notice.sequence.into(),
                notice.scheduled_for.into(),
                channel.as_str().into(),
            ],
        ))
        .await
        .context("recording the notice")?;
    if claimed.is_none() {
        // Already delivered (by an earlier attempt or another worker).
        tx.commit()
            .await
            .context("closing the delivery's transaction")?;
        return Ok(false);
    }
    if channel == Channel::Sms {
        let Some(number) = &to.mobile else {
            return Ok(false);
        };
        let body = render_sms(notice, &session, shared, to);
        let message = SmsMessage {
            to: number,
            body: &body,
            session_id: Some(notice.session_id),
        };
        // An error rolls the row back (the transaction is dropped): the
        // retry sends it, unless the provider refused it for good.
        senders
            .sms
            .send(&tx, &message)
            .await
            .context("sending a session notice by SMS")?;
        tx.commit()
            .await
            .context("recording a sent session notice")?;
        return Ok(true);
    }
    let mailer = senders.mailer;
    let (message, calendar) = render(notice, &session, shared, to, now);
    let message_id = format!(
        "<session-notice.{}.{}.{}.{}.{}.{}@{}>",
        notice.session_id,
        to.user_id,
        notice.kind.as_str(),
        notice.reminder_minutes,
        notice.sequence,
        notice.scheduled_for.timestamp(),
        shared.uid_host
    );
    mailer
        .send_with_calendar(&to.email, message, calendar, message_id)
        .await
        .context("sending a session notice")?;
    tx.commit()
        .await
        .context("recording a sent session notice")?;
    Ok(true)
}

/// The recipient's SMS, in their language and zone: the organization, the
/// time and the link, nothing else.
fn render_sms(notice: &Notice, session: &Current, shared: &Shared, to: &Recipient) -> String {
    let portal = if to.staff {
        &shared.admin_portal
    } else {
        &shared.client_portal
    };
    let link = session_link(portal, session.case_id, notice.session_id);
    let when = templates::local_time(session.scheduled_for, to.zone);
    sms::text::session_notice(
        to.locale,
        notice.kind.template(),
        &shared.org_name,
        &when,
        &link,
    )
}

/// The recipient's message and invitation, in their language and zone.
fn render(
    notice: &Notice,
    session: &Current,
    shared: &Shared,
    to: &Recipient,
    now: DateTime<Utc>,
) -> (crate::email::Rendered, CalendarPart) {
    let portal = if to.staff {
        &shared.admin_portal
    } else {
        &shared.client_portal
    };
    let link = session_link(portal, session.case_id, notice.session_id);
    let when = templates::local_time(session.scheduled_for, to.zone);
    let message = templates::session_notice(
        to.locale,
        notice.kind.template(),
        &SessionDetails {
            organization: &shared.org_name,
            brand_color: &shared.brand_color,
            when: &when,
            minutes: session.duration_minutes,
            link: &link,
        },
    );
    let tr = Translator::new(to.locale);
    let summary = tr.tr("session-ics-summary");
    let description = tr.tr_args(
        "session-ics-description",
        &[
            ("organization", Arg::Str(&shared.org_name)),
            ("link", Arg::Str(&link)),
        ],
    );
    let cancelled = notice.kind == Kind::Cancelled;
    let method = if cancelled {
        Method::Cancel
    } else {
        Method::Request
    };
    let ics = ics::invitation(
        method,
        &SessionEvent {
            uid: ics::session_uid(notice.session_id, &shared.uid_host),
            sequence: session.sequence,
            starts_at: session.scheduled_for,
            duration_minutes: session.duration_minutes,
            cancelled,
            summary: &summary,
            description: &description,
            url: &link,
        },
        &Parties {
            organizer_name: &shared.org_name,
            organizer_email: &shared.organizer_email,
            attendee_email: Some(to.email.expose()),
        },
        now,
    );
    (
        message,
        CalendarPart {
            method: method.as_str(),
            filename: if cancelled {
                "cancel.ics"
            } else {
                "invite.ics"
            },
            ics,
        },
    )
}

/// A session's page in a portal: the case's page, at the session.
pub fn session_link(portal: &str, case_id: Uuid, session_id: Uuid) -> String {
    format!(
        "{}/cases/{case_id}#session-{session_id}",
        portal.trim_end_matches('/')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn current(status: &str, sequence: i32, at: DateTime<Utc>) -> Current {
        Current {
            case_id: Uuid::nil(),
            mediator_id: Uuid::nil(),
            scheduled_for: at,
            duration_minutes: 60,
            status: status.to_owned(),
            sequence,
        }
    }

    #[test]
    fn a_notice_is_dropped_once_the_session_changed() {
        let now = Utc::now();
        let at = now + TimeDelta::days(2);
        let notice = |kind, sequence| Notice {
            session_id: Uuid::nil(),
            kind,
            sequence,
            scheduled_for: at,
            reminder_minutes: if kind == Kind::Reminder { 60 } else { 0 },
        };
        assert!(notice(Kind::Reminder, 0).is_current(&current("booked", 0, at), now));
        // Moved (a new time and SEQUENCE), or cancelled: no reminder.
        assert!(!notice(Kind::Reminder, 0).is_current(&current("booked", 1, at), now));
        assert!(
            !notice(Kind::Reminder, 0)
                .is_current(&current("booked", 0, at + TimeDelta::hours(1)), now)
        );
        assert!(!notice(Kind::Reminder, 0).is_current(&current("cancelled", 0, at), now));
        // Too late to remind.
        assert!(
            !notice(Kind::Reminder, 0)
                .is_current(&current("booked", 0, at), at + TimeDelta::minutes(1))
        );
        assert!(notice(Kind::Cancelled, 1).is_current(&current("cancelled", 1, at), now));
        assert!(!notice(Kind::Cancelled, 1).is_current(&current("booked", 1, at), now));
        assert!(!notice(Kind::Confirmation, 0).is_current(&current("booked", 1, at), now));
    }

    #[test]
    fn payloads_round_trip_and_carry_identifiers_only() {
        let notice = Notice {
            session_id: Uuid::now_v7(),
            kind: Kind::Reminder,
            sequence: 3,
            scheduled_for: "2026-05-05T14:00:00.123456Z".parse().unwrap_or_default(),
            reminder_minutes: 1440,
        };
        let value = notice.payload().unwrap_or_default();
        assert_eq!(value["kind"], "reminder");
        assert_eq!(value["sessionId"], notice.session_id.to_string());
        let back: Option<Notice> = serde_json::from_value(value).ok();
        assert_eq!(back.map(|b| b.scheduled_for), Some(notice.scheduled_for));
    }
}

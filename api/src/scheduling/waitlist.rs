//! Waiting for an earlier time. A case with a booked session can ask to
//! meet sooner; when the mediator's time frees up (a session moved or
//! cancelled, or an offer lapsing), the oldest request whose case fits an
//! earlier time is offered the earliest such time for [`OFFER_HOURS`] (less
//! when the time is near), then the next request. Accepting moves the
//! session through the same checks as any booking.

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement};
use uuid::Uuid;

use super::booking::{self, Session};
use crate::cases::access;
use crate::db::{self, TenantTx};
use crate::error::{AppError, AppResult};
use crate::jobs::{self, JobKind};

/// How long an earlier time is held for the case it is offered to.
pub const OFFER_HOURS: i64 = 4;

#[derive(Debug, Clone)]
pub struct Entry {
    pub id: Uuid,
    pub case_id: Uuid,
    pub session_id: Uuid,
    pub mediator_id: Uuid,
    pub status: String,
    pub offered_start: Option<DateTime<Utc>>,
    pub offer_expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str =
    "id, case_id, session_id, mediator_id, status, offered_start, offer_expires_at, created_at";

fn from_row(row: &QueryResult) -> AppResult<Entry> {
    Ok(Entry {
        id: row.try_get("", "id")?,
        case_id: row.try_get("", "case_id")?,
        session_id: row.try_get("", "session_id")?,
        mediator_id: row.try_get("", "mediator_id")?,
        status: row.try_get("", "status")?,
        offered_start: db::utc_opt(row, "offered_start")?,
        offer_expires_at: db::utc_opt(row, "offer_expires_at")?,
        created_at: db::utc(row, "created_at")?,
    })
}

/// The open request of a session, if any.
pub async fn open_for(tx: &TenantTx, session_id: Uuid) -> AppResult<Option<Entry>> {
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "SELECT {COLUMNS} FROM session_waitlist WHERE session_id = $1 AND status IN ('waiting', 'offered')"
            ),
            [session_id.into()],
        ))
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn load(tx: &TenantTx, id: Uuid) -> AppResult<Option<Entry>> {
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("SELECT {COLUMNS} FROM session_waitlist WHERE id = $1 FOR UPDATE"),
            [id.into()],
        ))
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Asks for an earlier time for a booked, future session (once).
pub async fn join(
    tx: &TenantTx,
    session: &Session,
    requested_by: Uuid,
    now: DateTime<Utc>,
) -> AppResult<Entry> {
    if session.status != "booked" || session.scheduled_for <= now {
        return Err(AppError::Conflict(
            "Only a session still to come can wait for an earlier time.",
        ));
    }
    if open_for(tx, session.id).await?.is_some() {
        return Err(AppError::Conflict(
            "This session is already waiting for an earlier time.",
        ));
    }
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "INSERT INTO session_waitlist (id, org_id, case_id, session_id, mediator_id, requested_by)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
            ),
            [
                Uuid::now_v7().into(),
                tx.scope().org_id.into(),
                session.case_id.into(),
                session.id.into(),
                session.mediator_id.into(),
                requested_by.into(),
            ],
        ))
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("waitlist insert returned nothing")))?;
    let entry = from_row(&row)?;
    // Time may already be free.
    offer_next(tx, session.mediator_id, now).await?;
    Ok(entry)
}

async fn set_status(tx: &TenantTx, id: Uuid, status: &str) -> AppResult<()> {
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE session_waitlist SET status = $2 WHERE id = $1",
            [id.into(), status.into()],
        ))
        .await?;
    Ok(())
}

/// Lapses offers past their time, then offers freed time to the oldest
/// waiting request that can use it, unless an offer is still open for the
/// mediator (one case at a time). Returns the offer made, if any.
pub async fn offer_next(
    tx: &TenantTx,
    mediator_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<Option<Entry>> {
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE session_waitlist SET status = 'expired'
             WHERE mediator_id = $1 AND status = 'offered' AND offer_expires_at <= $2",
            [mediator_id.into(), now.into()],
        ))
        .await?;
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "SELECT {COLUMNS} FROM session_waitlist WHERE mediator_id = $1 AND status IN ('waiting', 'offered')
                 ORDER BY created_at, id LIMIT 50"
            ),
            [mediator_id.into()],
        ))
        .await?;
    let entries: Vec<Entry> = rows.iter().map(from_row).collect::<AppResult<_>>()?;
    if entries.iter().any(|e| e.status == "offered") {
        return Ok(None);
    }
    for entry in entries {
        let Some(session) = booking::load_session(tx, entry.session_id, false).await? else {
            continue;
        };
        if session.status != "booked" || session.scheduled_for <= now {
            set_status(tx, entry.id, "withdrawn").await?;
            continue;
        }
        let Some(case) = access::load(tx, entry.case_id, false).await? else {
            continue;
        };
        let Ok(mut calendar) = booking::calendar(tx, &case, now).await else {
            continue;
        };
        let request = calendar.move_request(&case, &session, now, 1);
        let Ok(found) = super::slots::find_slots(&request) else {
            continue;
        };
        let Some(earlier) = found.first().filter(|s| s.start < session.scheduled_for) else {
            continue;
        };
        let hold =
            (now + TimeDelta::hours(OFFER_HOURS)).min(earlier.start - TimeDelta::minutes(30));
        if hold <= now {
            continue;
        }
        let row = tx
            .conn()
            .query_one(Statement::from_sql_and_values(
                DbBackend::Postgres,
                format!(
                    "UPDATE session_waitlist SET status = 'offered', offered_start = $2, offer_expires_at = $3
                     WHERE id = $1 RETURNING {COLUMNS}"
                ),
                [entry.id.into(), earlier.start.into(), hold.into()],
            ))
            .await?
            .ok_or(AppError::NotFound)?;
        // When the hold runs out, the time goes to the next waiting case.
        jobs::enqueue_at(
            tx,
            JobKind::WaitlistOfferLapsed.as_str(),
            serde_json::json!({ "mediatorId": mediator_id }),
            jobs::DEFAULT_MAX_ATTEMPTS,
            hold,
        )
        .await?;
        return Ok(Some(from_row(&row)?));
    }
    Ok(None)
}

/// Takes the earlier time offered: the session moves there if it still fits.
pub async fn accept(tx: &TenantTx, entry: &Entry, now: DateTime<Utc>) -> AppResult<Session> {
    let (Some(start), Some(expires)) = (entry.offered_start, entry.offer_expires_at) else {
        return Err(AppError::Conflict(
            "No earlier time is offered to this session.",
        ));
    };
    if entry.status != "offered" || expires <= now {
        return Err(AppError::Conflict(
            "The earlier time is no longer held for you.",
        ));
    }
    let case = access::load(tx, entry.case_id, true)
        .await?
        .ok_or(AppError::NotFound)?;
    let session = booking::load_session(tx, entry.session_id, true)
        .await?
        .ok_or(AppError::NotFound)?;
    let moved = booking::reschedule(tx, &case, &session, start, now).await?;
    set_status(tx, entry.id, "accepted").await?;
    Ok(moved)
}

/// Withdraws an open request (staff, for the case). An offer it held goes
/// to the next waiting case at once.
pub async fn withdraw(tx: &TenantTx, entry: &Entry, now: DateTime<Utc>) -> AppResult<()> {
    if !matches!(entry.status.as_str(), "waiting" | "offered") {
        return Err(AppError::Conflict(
            "This request is no longer waiting for an earlier time.",
        ));
    }
    set_status(tx, entry.id, "withdrawn").await?;
    if entry.status == "offered" {
        offer_next(tx, entry.mediator_id, now).await?;
    }
    Ok(())
}

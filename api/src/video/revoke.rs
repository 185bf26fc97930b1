//! Taking video access away in the background: when a session is cancelled
//! or its time (plus the links' grace) has passed, and when a compliance
//! rule takes a person out (an account suspended, deleted or removed from
//! the organization). The database changes in the caller's transaction; a
//! job then makes LiveKit follow (rooms closed, people removed), so a slow
//! or failing video server never blocks the change and is retried.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::json;
use uuid::Uuid;

use super::participants;
use crate::db::TenantTx;
use crate::error::{AppError, AppResult};
use crate::jobs::{self, ClaimedJob, JobKind};
use crate::state::AppState;

/// Closes the session's video at `at`: now for a cancellation, at the
/// planned end for a booking or a move (the job then waits out the links'
/// grace, and does nothing if the session moved later since).
pub async fn close_session_at(tx: &TenantTx, session_id: Uuid, at: DateTime<Utc>) -> AppResult<()> {
    jobs::enqueue_at(
        tx,
        JobKind::VideoClose.as_str(),
        json!({ "sessionId": session_id }),
        jobs::DEFAULT_MAX_ATTEMPTS,
        at,
    )
    .await?;
    Ok(())
}

/// When a booked session's video closes by itself.
pub fn closes_at(
    scheduled_for: DateTime<Utc>,
    duration_minutes: i32,
    grace_minutes: i64,
) -> DateTime<Utc> {
    scheduled_for + Duration::minutes(i64::from(duration_minutes) + grace_minutes)
}

/// Revokes every room admission and link of `user_id` in the transaction's
/// organization and enqueues their removal from the rooms they are in.
pub async fn revoke_person(tx: &TenantTx, user_id: Uuid) -> AppResult<()> {
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE room_participants SET revoked_at = now(), admission = 'removed',
                    join_token_hash = NULL, link_expires_at = NULL
             WHERE user_id = $1 AND revoked_at IS NULL RETURNING id",
            [user_id.into()],
        ))
        .await?;
    let ids: Vec<Uuid> = rows
        .iter()
        .map(|r| r.try_get("", "id"))
        .collect::<Result<_, _>>()?;
    if ids.is_empty() {
        return Ok(());
    }
    jobs::enqueue(
        tx,
        JobKind::VideoEvict.as_str(),
        json!({ "participantIds": ids }),
        jobs::DEFAULT_MAX_ATTEMPTS,
    )
    .await?;
    Ok(())
}

fn failed(what: &'static str) -> impl FnOnce(AppError) -> anyhow::Error {
    move |e| anyhow::anyhow!("{what}: {}", e.message())
}

/// `video.close`: ends the session's video if it is cancelled or its time
/// has passed, and closes its LiveKit room.
pub async fn run_close(state: &AppState, tx: TenantTx, job: &ClaimedJob) -> anyhow::Result<()> {
    let session_id: Uuid = job
        .payload
        .get("sessionId")
        .and_then(|v| v.as_str())
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or_else(|| anyhow::anyhow!("a video.close job without a session id"))?;
    let Some(session) = participants::load_session(&tx, session_id, true)
        .await
        .map_err(failed("loading the session"))?
    else {
        return Ok(());
    };
    let now = Utc::now();
    let closes = closes_at(
        session.scheduled_for,
        session.duration_minutes,
        state.settings.video.link_grace_minutes,
    );
    if session.status == "booked" && now < closes {
        if session.ends_at() <= now {
            // Over, but links still work for the grace period: come back then.
            close_session_at(&tx, session.id, closes)
                .await
                .map_err(failed("enqueueing the close"))?;
            tx.commit().await?;
        }
        // Otherwise it moved later since this job was enqueued, and the move
        // enqueued another.
        return Ok(());
    }
    super::room::end_in(&tx, session.id)
        .await
        .map_err(failed("ending the session's video"))?;
    tx.commit().await?;
    if let Some(lk) = state.livekit.as_ref() {
        lk.close_room(&session.room).await?;
    }
    Ok(())
}

/// `video.evict`: removes revoked participants from the rooms they are in.
pub async fn run_evict(state: &AppState, tx: TenantTx, job: &ClaimedJob) -> anyhow::Result<()> {
    let ids: Vec<Uuid> = job
        .payload
        .get("participantIds")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .ok_or_else(|| anyhow::anyhow!("a video.evict job without participant ids"))?;
    let mut targets = Vec::new();
    for id in ids {
        if let Some(p) = participants::load(&tx, id, false)
            .await
            .map_err(failed("loading a participant"))?
            && let Some(s) = participants::load_session(&tx, p.session_id, false)
                .await
                .map_err(failed("loading a session"))?
        {
            targets.push((s.room, id));
        }
    }
    tx.commit().await?;
    if let Some(lk) = state.livekit.as_ref() {
        for (room, id) in targets {
            lk.remove(&room, &id.to_string()).await?;
        }
    }
    Ok(())
}

//! LiveKit's webhooks: `POST /livekit/webhook`, a JSON event with an
//! `Authorization` JWT signed with the API secret whose `sha256` claim is the
//! body's hash (checked by `livekit-api`). Anything else is refused with 401
//! and logged by identifiers only.
//!
//! `participant_joined` is the room's door check: someone who appears in a
//! room without a current admission to that very room is removed at once
//! and the intrusion audited. Joins and departures are recorded.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use chrono::Utc;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use uuid::Uuid;

use super::participants::{self, Admission, Participant, SessionVideo};
use super::room::{self, VideoEvent, VideoEventKind};
use crate::audit::{self, AuditAction, ClientInfo, NewEntry};
use crate::db::{TenantScope, TenantTx};
use crate::error::AppResult;
use crate::state::AppState;

/// Webhook bodies are small; anything bigger is not LiveKit's.
const MAX_BODY: usize = 64 * 1024;

pub async fn receive(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let Some(lk) = state.livekit.as_ref() else {
        return StatusCode::NOT_FOUND;
    };
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let authorization = authorization
        .strip_prefix("Bearer ")
        .unwrap_or(authorization);
    if body.len() > MAX_BODY {
        tracing::warn!(bytes = body.len(), "oversized LiveKit webhook refused");
        return StatusCode::PAYLOAD_TOO_LARGE;
    }
    let Ok(text) = std::str::from_utf8(&body) else {
        tracing::warn!("LiveKit webhook with a body that is not UTF-8 refused");
        return StatusCode::UNAUTHORIZED;
    };
    let event = match lk.verify_webhook(text, authorization) {
        Ok(event) => event,
        Err(e) => {
            // No tenant is known for a forged call: there is no organization's
            // audit chain to write to, so it is logged (identifiers only).
            tracing::warn!(reason = %webhook_error_kind(&e), "LiveKit webhook refused");
            return StatusCode::UNAUTHORIZED;
        }
    };
    let (Some(room), Some(participant)) = (event.room.as_ref(), event.participant.as_ref()) else {
        return StatusCode::OK;
    };
    let Ok(participant_id) = Uuid::parse_str(&participant.identity) else {
        return StatusCode::OK;
    };
    let result = match event.event.as_str() {
        "participant_joined" => joined(&state, &room.name, participant_id, &participant.sid).await,
        "participant_left" => left(&state, &room.name, participant_id).await,
        _ => Ok(()),
    };
    match result {
        Ok(()) => StatusCode::OK,
        Err(e) => {
            tracing::error!(participant_id = %participant_id, error = %e.message(), "handling a LiveKit webhook");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

fn webhook_error_kind(e: &livekit_api::webhooks::WebhookError) -> &'static str {
    use livekit_api::webhooks::WebhookError as E;
    match e {
        E::InvalidSignature => "body hash mismatch",
        E::InvalidData(_) => "malformed body",
        _ => "bad signature",
    }
}

/// Someone connected to `room` as `participant_id`: fine only when admitted
/// to exactly that room's open session.
async fn joined(state: &AppState, room: &str, participant_id: Uuid, sid: &str) -> AppResult<()> {
    let Some(org_id) = state
        .db
        .unscoped_room_participant_org(participant_id)
        .await?
    else {
        // Not one of ours at all.
        return evict(state, room, participant_id, sid).await;
    };
    let tx = state
        .db
        .tenant(TenantScope {
            org_id,
            user_id: None,
        })
        .await?;
    let placed = placement(&tx, participant_id).await?;
    // Admitted, to an open session, and in the very room placed in.
    let allowed = matches!(&placed, Some((p, s, placed_room))
        if p.admission == Admission::Admitted && p.revoked_at.is_none() && s.open()
            && placed_room == room);
    if allowed {
        tx.conn()
            .execute(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "UPDATE room_participants SET joined_at = COALESCE(joined_at, $2), left_at = NULL WHERE id = $1",
                [participant_id.into(), Utc::now().into()],
            ))
            .await?;
        tx.commit().await?;
        if let Some((_, s, _)) = placed {
            room::publish(
                state,
                &VideoEvent {
                    session_id: s.id,
                    kind: VideoEventKind::Presence,
                    participant_id: Some(participant_id),
                    breakout_room_id: None,
                    broadcast: false,
                },
            )
            .await;
        }
        return Ok(());
    }
    audit::record(
        &tx,
        &ClientInfo::default(),
        NewEntry::new(None, AuditAction::VideoIntruderRemoved)
            .target("room_participant", participant_id),
    )
    .await?;
    tracing::warn!(
        participant_id = %participant_id,
        room = %room,
        sid = %sid,
        placed_in = placed.as_ref().map_or("", |(_, _, r)| r.as_str()),
        "removed from a room without an admission to it"
    );
    // Still holding the participant's row lock (see `placement`): no move
    // can place them in this room, and let them join it again, between the
    // check and the removal (the room service removes by identity).
    evict(state, room, participant_id, sid).await?;
    tx.commit().await?;
    Ok(())
}

/// The participant (locked), their session and the LiveKit room they are
/// placed in; `None` when either is gone.
async fn placement(
    tx: &TenantTx,
    participant_id: Uuid,
) -> AppResult<Option<(Participant, SessionVideo, String)>> {
    let Some(p) = participants::load(tx, participant_id, true).await? else {
        return Ok(None);
    };
    let Some(s) = participants::load_session(tx, p.session_id, false).await? else {
        return Ok(None);
    };
    let room = super::caucus::whereabouts(tx, &p)
        .await?
        .room(&s)
        .to_owned();
    Ok(Some((p, s, room)))
}

/// Removes the connection that joined (LiveKit's `sid`), not whoever holds
/// the identity in the room by the time this runs: webhooks can arrive late,
/// and someone moved out of a room and back in again has a new connection
/// there that their new placement allows.
async fn evict(state: &AppState, room: &str, participant_id: Uuid, sid: &str) -> AppResult<()> {
    if let Some(lk) = state.livekit.as_ref() {
        lk.remove_connection(room, &participant_id.to_string(), sid)
            .await?;
    }
    Ok(())
}

/// Records a departure, unless it is from a room the participant is no
/// longer placed in: a move joins the new room before the old one is left,
/// so that departure comes after the arrival and says nothing about them.
async fn left(state: &AppState, room: &str, participant_id: Uuid) -> AppResult<()> {
    let Some(org_id) = state
        .db
        .unscoped_room_participant_org(participant_id)
        .await?
    else {
        return Ok(());
    };
    let tx = state
        .db
        .tenant(TenantScope {
            org_id,
            user_id: None,
        })
        .await?;
    if placement(&tx, participant_id)
        .await?
        .is_some_and(|(_, _, placed_room)| placed_room != room)
    {
        return Ok(());
    }
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE room_participants SET left_at = now() WHERE id = $1 RETURNING session_id",
            [participant_id.into()],
        ))
        .await?;
    tx.commit().await?;
    if let Some(row) = row {
        let session_id: Uuid = row.try_get("", "session_id")?;
        room::publish(
            state,
            &VideoEvent {
                session_id,
                kind: VideoEventKind::Presence,
                participant_id: Some(participant_id),
                breakout_room_id: None,
                broadcast: false,
            },
        )
        .await;
    }
    Ok(())
}

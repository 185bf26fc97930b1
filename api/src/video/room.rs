//! Inside a session: the lobby, admission, LiveKit tokens, the mediator's
//! controls and the main room's chat. Every step is decided by the
//! participant's role through `authz::video`, written with an audit entry
//! where it matters, and announced on the session's event channel after the
//! transaction commits.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::livekit::{Grants, LiveKit, TrackKind};
use super::participants::{self, Admission, Participant, SessionVideo};
use crate::audit::{self, AuditAction, ClientInfo, NewEntry};
use crate::authz::video::{VideoAction, allowed, authorize_video};
use crate::crypto::tenant::TenantKey;
use crate::db::TenantTx;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// What happened in a session, for its subscribers. Ids only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, async_graphql::Enum)]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all = "snake_case")]
pub enum VideoEventKind {
    /// Someone entered or left the lobby.
    LobbyChanged,
    Admitted,
    Declined,
    Removed,
    SentToLobby,
    Muted,
    Locked,
    Unlocked,
    Ended,
    /// A chat message was posted (read it with `videoChat`).
    Chat,
    /// Someone's connection to the room came or went.
    Presence,
    /// Someone was placed in another room: that browser asks for a token
    /// for its new room.
    Placed,
    /// Caucus rooms were made, opened, closed, or their timers changed.
    CaucusChanged,
    /// A caucus timer runs out soon.
    CaucusEnding,
    /// A caucus timer ran out: its people go back after a short grace.
    CaucusTimeUp,
    /// Someone asks for the mediator.
    CallMediator,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VideoEvent {
    pub session_id: Uuid,
    pub kind: VideoEventKind,
    pub participant_id: Option<Uuid>,
    /// For chat: the caucus it was said in (none: the main room).
    #[serde(default)]
    pub breakout_room_id: Option<Uuid>,
    #[serde(default)]
    pub broadcast: bool,
}

pub fn channel(session_id: Uuid) -> String {
    format!("video:{session_id}")
}

pub async fn publish(state: &AppState, event: &VideoEvent) {
    let Ok(payload) = serde_json::to_string(event) else {
        return;
    };
    if let Err(e) = state.kv.publish(&channel(event.session_id), payload).await {
        tracing::warn!(session_id = %event.session_id, error = %e, "publishing a video event");
    }
}

fn livekit(state: &AppState) -> AppResult<&LiveKit> {
    state.livekit.as_ref().ok_or(AppError::Conflict(
        "Video is not set up on this installation.",
    ))
}

pub async fn session_of(tx: &TenantTx, p: &Participant, lock: bool) -> AppResult<SessionVideo> {
    participants::load_session(tx, p.session_id, lock)
        .await?
        .ok_or(AppError::NotFound)
}

fn actor_of(p: &Participant) -> Option<Uuid> {
    p.user_id
}

/// Enters the lobby after confirming every lobby question and, when asked,
/// the confidentiality agreement. Mediators are admitted straight away.
pub async fn enter_lobby(
    state: &AppState,
    tx: TenantTx,
    me: Participant,
    confirmed: Vec<bool>,
    accept_confidentiality: bool,
) -> AppResult<Admission> {
    authorize_video(me.role, VideoAction::Join)?;
    let session = session_of(&tx, &me, true).await?;
    if !session.open() {
        return Err(AppError::SessionClosed);
    }
    let org = crate::orgs::service::current(&tx).await?;
    let settings = crate::orgs::service::OrgSettings::from_json(&org.settings_json);
    let questions = settings.video.lobby_questions();
    if confirmed.len() != questions.len() || confirmed.iter().any(|c| !c) {
        return Err(AppError::Validation {
            field: "confirmed",
            reason: "every statement must be confirmed before entering",
        });
    }
    if !accept_confidentiality {
        return Err(AppError::Validation {
            field: "acceptConfidentiality",
            reason: "the confidentiality agreement must be accepted",
        });
    }
    let answers = serde_json::json!({
        "questions": questions,
        "confidentialityVersion": settings.confidentiality_version(),
        "at": Utc::now(),
    });
    let next = match me.admission {
        Admission::Admitted => Admission::Admitted,
        _ if me.role.moderates() => Admission::Admitted,
        Admission::Removed => return Err(AppError::LinkExpired),
        _ if session.locked_at.is_some() => return Err(AppError::SessionClosed),
        _ => Admission::Waiting,
    };
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE room_participants SET admission = $2, lobby_answers = $3,
                    lobby_entered_at = COALESCE(CASE WHEN $2 = 'waiting' THEN now() END, lobby_entered_at),
                    admitted_at = CASE WHEN $2 = 'admitted' THEN COALESCE(admitted_at, now()) ELSE admitted_at END
             WHERE id = $1",
            [me.id.into(), next.key().into(), answers.into()],
        ))
        .await?;
    tx.commit().await?;
    publish(
        state,
        &VideoEvent {
            session_id: session.id,
            kind: VideoEventKind::LobbyChanged,
            participant_id: Some(me.id),
            breakout_room_id: None,
            broadcast: false,
        },
    )
    .await;
    Ok(next)
}

/// A LiveKit access token for the session's room, only for the admitted.
/// A LiveKit token for the room a participant is placed in, and which.
#[derive(Debug)]
pub struct Access {
    pub url: String,
    pub token: String,
    pub caucus_id: Option<Uuid>,
    pub listen_only: bool,
}

pub async fn access_token(state: &AppState, tx: TenantTx, me: Participant) -> AppResult<Access> {
    authorize_video(me.role, VideoAction::Join)?;
    let session = session_of(&tx, &me, false).await?;
    if !session.open() {
        return Err(AppError::SessionClosed);
    }
    if me.admission != Admission::Admitted {
        return Err(AppError::NotAdmitted);
    }
    let key = TenantKey::of(&tx, &state.data_key).await?;
    let name = participants::display_name(&tx, &key, &me).await?;
    // Only ever the room the participant is placed in.
    let place = super::caucus::whereabouts(&tx, &me).await?;
    tx.commit().await?;
    let room = place.room(&session).to_owned();
    let lk = livekit(state)?;
    lk.open_room(&room).await?;
    let token = lk.access_token(
        &room,
        &me.id.to_string(),
        &name,
        Grants {
            publish: allowed(me.role, VideoAction::Publish) && !place.listen_only,
        },
    )?;
    Ok(Access {
        url: lk.url().to_owned(),
        token,
        caucus_id: place.caucus_id(),
        listen_only: place.listen_only,
    })
}

/// A moderator's control over one participant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Admit,
    Decline,
    Mute(TrackKind),
    Remove,
    SendToLobby,
}

impl Control {
    fn audit(self) -> AuditAction {
        match self {
            Control::Admit => AuditAction::VideoAdmitted,
            Control::Decline => AuditAction::VideoDeclined,
            Control::Mute(_) => AuditAction::VideoMuted,
            Control::Remove => AuditAction::VideoRemoved,
            Control::SendToLobby => AuditAction::VideoSentToLobby,
        }
    }

    fn event(self) -> VideoEventKind {
        match self {
            Control::Admit => VideoEventKind::Admitted,
            Control::Decline => VideoEventKind::Declined,
            Control::Mute(_) => VideoEventKind::Muted,
            Control::Remove => VideoEventKind::Removed,
            Control::SendToLobby => VideoEventKind::SentToLobby,
        }
    }
}

/// Refuses a non-moderator, with an audit entry that survives the refusal.
pub(super) async fn require_moderator(
    client: &ClientInfo,
    tx: TenantTx,
    me: &Participant,
) -> AppResult<TenantTx> {
    if authorize_video(me.role, VideoAction::Moderate).is_ok() {
        return Ok(tx);
    }
    audit::record(
        &tx,
        client,
        NewEntry::new(actor_of(me), AuditAction::VideoModerationRefused)
            .target("room_participant", me.id),
    )
    .await?;
    tx.commit().await?;
    tracing::warn!(participant_id = %me.id, "moderation refused");
    Err(AppError::Forbidden)
}

/// Applies `control` to `target_id`, a participant of the moderator's own
/// session (anyone else's reads as missing).
pub async fn control(
    state: &AppState,
    client: &ClientInfo,
    tx: TenantTx,
    me: Participant,
    target_id: Uuid,
    control: Control,
) -> AppResult<Admission> {
    let tx = require_moderator(client, tx, &me).await?;
    let session = session_of(&tx, &me, true).await?;
    let target = participants::load(&tx, target_id, true)
        .await?
        .filter(|t| t.session_id == me.session_id)
        .ok_or(AppError::NotFound)?;
    if target.role.moderates() && control != Control::Admit {
        return Err(AppError::Validation {
            field: "participantId",
            reason: "mediators cannot be moderated",
        });
    }
    let next = match control {
        Control::Admit => {
            if !session.open() {
                return Err(AppError::SessionClosed);
            }
            if target.admission != Admission::Waiting && target.admission != Admission::Admitted {
                return Err(AppError::Validation {
                    field: "participantId",
                    reason: "only someone waiting in the lobby can be admitted",
                });
            }
            Admission::Admitted
        }
        Control::Decline => Admission::Declined,
        Control::Mute(_) => target.admission,
        Control::Remove => Admission::Removed,
        Control::SendToLobby => Admission::Waiting,
    };
    let sql = match control {
        Control::Admit => {
            "UPDATE room_participants SET admission = 'admitted', admitted_at = now(), admitted_by = $2 WHERE id = $1"
        }
        Control::Decline => {
            "UPDATE room_participants SET admission = 'declined', admitted_at = NULL, admitted_by = $2 WHERE id = $1"
        }
        Control::Remove => {
            "UPDATE room_participants SET admission = 'removed', admitted_at = NULL, admitted_by = $2,
                    revoked_at = now(), join_token_hash = NULL, link_expires_at = NULL WHERE id = $1"
        }
        Control::SendToLobby => {
            "UPDATE room_participants SET admission = 'waiting', admitted_at = NULL, admitted_by = $2,
                    lobby_entered_at = now() WHERE id = $1"
        }
        Control::Mute(_) => "SELECT $1::uuid, $2::uuid",
    };
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            [target.id.into(), me.user_id.into()],
        ))
        .await?;
    audit::record(
        &tx,
        client,
        NewEntry::new(actor_of(&me), control.audit()).target("room_participant", target.id),
    )
    .await?;
    tx.commit().await?;
    // The room follows the database: out of the room at once, whatever the
    // browser does. A LiveKit failure after the commit leaves the webhook
    // check to remove them when they next appear.
    if let Some(lk) = state.livekit.as_ref() {
        let identity = target.id.to_string();
        let result = match control {
            Control::Remove | Control::SendToLobby | Control::Decline => {
                lk.remove(&session.room, &identity).await
            }
            Control::Mute(kind) => lk.mute(&session.room, &identity, kind).await.map(|_| ()),
            Control::Admit => Ok(()),
        };
        if let Err(e) = result {
            tracing::warn!(participant_id = %target.id, error = %e, "LiveKit did not follow a control");
        }
    }
    publish(
        state,
        &VideoEvent {
            session_id: session.id,
            kind: control.event(),
            participant_id: Some(target.id),
            breakout_room_id: None,
            broadcast: false,
        },
    )
    .await;
    Ok(next)
}

/// Admits everyone waiting. Returns how many.
pub async fn admit_everyone(
    state: &AppState,
    client: &ClientInfo,
    tx: TenantTx,
    me: Participant,
) -> AppResult<usize> {
    let tx = require_moderator(client, tx, &me).await?;
    let session = session_of(&tx, &me, true).await?;
    if !session.open() {
        return Err(AppError::SessionClosed);
    }
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE room_participants SET admission = 'admitted', admitted_at = now(), admitted_by = $2
             WHERE session_id = $1 AND admission = 'waiting' RETURNING id",
            [session.id.into(), me.user_id.into()],
        ))
        .await?;
    let ids: Vec<Uuid> = rows
        .iter()
        .map(|r| r.try_get("", "id"))
        .collect::<Result<_, _>>()?;
    for id in &ids {
        audit::record(
            &tx,
            client,
            NewEntry::new(actor_of(&me), AuditAction::VideoAdmitted).target("room_participant", id),
        )
        .await?;
    }
    tx.commit().await?;
    for id in &ids {
        publish(
            state,
            &VideoEvent {
                session_id: session.id,
                kind: VideoEventKind::Admitted,
                participant_id: Some(*id),
                breakout_room_id: None,
                broadcast: false,
            },
        )
        .await;
    }
    Ok(ids.len())
}

/// Locks (no new admissions) or unlocks the session.
pub async fn lock(
    state: &AppState,
    client: &ClientInfo,
    tx: TenantTx,
    me: Participant,
    locked: bool,
) -> AppResult<()> {
    let tx = require_moderator(client, tx, &me).await?;
    let session = session_of(&tx, &me, true).await?;
    if !session.open() {
        return Err(AppError::SessionClosed);
    }
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE sessions SET video_locked_at = CASE WHEN $2 THEN COALESCE(video_locked_at, now()) END WHERE id = $1",
            [session.id.into(), locked.into()],
        ))
        .await?;
    audit::record(
        &tx,
        client,
        NewEntry::new(actor_of(&me), AuditAction::VideoLocked).target("session", session.id),
    )
    .await?;
    tx.commit().await?;
    publish(
        state,
        &VideoEvent {
            session_id: session.id,
            kind: if locked {
                VideoEventKind::Locked
            } else {
                VideoEventKind::Unlocked
            },
            participant_id: None,
            breakout_room_id: None,
            broadcast: false,
        },
    )
    .await;
    Ok(())
}

/// Ends the session for everyone: admissions and links dead, room closed.
pub async fn end(
    state: &AppState,
    client: &ClientInfo,
    tx: TenantTx,
    me: Participant,
) -> AppResult<()> {
    let tx = require_moderator(client, tx, &me).await?;
    let session = session_of(&tx, &me, true).await?;
    if session.ended_at.is_some() {
        return Ok(());
    }
    end_in(&tx, session.id).await?;
    audit::record(
        &tx,
        client,
        NewEntry::new(actor_of(&me), AuditAction::VideoEnded).target("session", session.id),
    )
    .await?;
    tx.commit().await?;
    close_room(state, &session).await;
    Ok(())
}

/// Marks the session's video ended and every admission and link dead.
pub async fn end_in(tx: &TenantTx, session_id: Uuid) -> AppResult<()> {
    let conn = tx.conn();
    conn.execute(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "UPDATE sessions SET video_ended_at = COALESCE(video_ended_at, now()) WHERE id = $1",
        [session_id.into()],
    ))
    .await?;
    conn.execute(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "UPDATE room_participants SET admission = CASE WHEN admission = 'admitted' THEN 'none' ELSE admission END,
                join_token_hash = NULL, link_expires_at = NULL
         WHERE session_id = $1",
        [session_id.into()],
    ))
    .await?;
    Ok(())
}

/// Closes the LiveKit room and tells the subscribers.
pub async fn close_room(state: &AppState, session: &SessionVideo) {
    if let Some(lk) = state.livekit.as_ref()
        && let Err(e) = lk.close_room(&session.room).await
    {
        tracing::warn!(session_id = %session.id, error = %e, "closing a LiveKit room");
    }
    publish(
        state,
        &VideoEvent {
            session_id: session.id,
            kind: VideoEventKind::Ended,
            participant_id: None,
            breakout_room_id: None,
            broadcast: false,
        },
    )
    .await;
}

/// A chat message of the main room, unsealed.
#[derive(Debug, Clone)]
pub struct ChatMessage {
    pub id: Uuid,
    pub participant_id: Uuid,
    pub body: String,
    pub created_at: DateTime<Utc>,
    /// From the mediator to every room.
    pub broadcast: bool,
}

pub const MAX_CHAT_CHARS: usize = 2000;

fn chat_context(id: Uuid) -> Vec<u8> {
    format!("session_chat:{id}:body").into_bytes()
}

fn require_in_room(me: &Participant) -> AppResult<()> {
    authorize_video(me.role, VideoAction::Chat)?;
    if me.admission != Admission::Admitted {
        return Err(AppError::NotAdmitted);
    }
    Ok(())
}

pub async fn post_chat(
    state: &AppState,
    tx: TenantTx,
    me: Participant,
    body: &str,
    broadcast: bool,
) -> AppResult<ChatMessage> {
    require_in_room(&me)?;
    if broadcast {
        authorize_video(me.role, VideoAction::Moderate)?;
    }
    let body = body.trim();
    if body.is_empty() || body.chars().count() > MAX_CHAT_CHARS {
        return Err(AppError::Validation {
            field: "body",
            reason: "a message is 1 to 2000 characters",
        });
    }
    let session = session_of(&tx, &me, false).await?;
    if !session.open() {
        return Err(AppError::SessionClosed);
    }
    let key = TenantKey::of(&tx, &state.data_key).await?;
    let id = Uuid::now_v7();
    // Said in the room the sender is in (a broadcast: in every room).
    let room_id = if broadcast {
        None
    } else {
        super::caucus::whereabouts(&tx, &me).await?.caucus_id()
    };
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO session_chat_messages (id, org_id, session_id, participant_id, body_sealed, breakout_room_id, broadcast)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING created_at",
            [
                id.into(),
                tx.scope().org_id.into(),
                session.id.into(),
                me.id.into(),
                key.seal_str(body, &chat_context(id))?.into(),
                room_id.into(),
                broadcast.into(),
            ],
        ))
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("insert returned nothing")))?;
    let created_at = crate::db::utc(&row, "created_at")?;
    tx.commit().await?;
    publish(
        state,
        &VideoEvent {
            session_id: session.id,
            kind: VideoEventKind::Chat,
            participant_id: Some(me.id),
            breakout_room_id: room_id,
            broadcast,
        },
    )
    .await;
    Ok(ChatMessage {
        id,
        participant_id: me.id,
        body: body.to_owned(),
        created_at,
        broadcast,
    })
}

/// The chat of the room the caller is in (and the mediator's broadcasts),
/// oldest first. What was said in another room never comes back.
pub async fn chat(state: &AppState, tx: TenantTx, me: Participant) -> AppResult<Vec<ChatMessage>> {
    require_in_room(&me)?;
    let key = TenantKey::of(&tx, &state.data_key).await?;
    let mine = super::caucus::whereabouts(&tx, &me).await?.caucus_id();
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id, participant_id, body_sealed, created_at, broadcast FROM session_chat_messages
             WHERE session_id = $1 AND (broadcast OR breakout_room_id IS NOT DISTINCT FROM $2)
             ORDER BY created_at, id LIMIT 500",
            [me.session_id.into(), mine.into()],
        ))
        .await?;
    let messages = rows
        .iter()
        .map(|row| {
            let id: Uuid = row.try_get("", "id")?;
            let sealed: Vec<u8> = row.try_get("", "body_sealed")?;
            Ok(ChatMessage {
                id,
                participant_id: row.try_get("", "participant_id")?,
                body: key.open_str(&sealed, &chat_context(id))?,
                created_at: crate::db::utc(row, "created_at")?,
                broadcast: row.try_get("", "broadcast")?,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    tx.commit().await?;
    Ok(messages)
}

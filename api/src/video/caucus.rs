//! Caucus rooms: private breakout rooms of a session, each its own LiveKit
//! room (isolated by the SFU itself). The mediator prepares them (before or
//! during the session), places participants, opens them, moves people and
//! whole sides, hops in (or listens without publishing), recalls everyone,
//! and runs timers. Where someone is placed is the only room the API gives
//! them a token for; a move records the new placement, tells the browser
//! over the subscription (it asks for a token for the new room and keeps its
//! devices), and removes them from the old room through the room service —
//! the open-source LiveKit server has no MoveParticipant. The webhook check
//! removes anyone who turns up anywhere else.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement};
use serde_json::json;
use uuid::Uuid;

use super::participants::{self, Admission, Participant, SessionVideo};
use super::room::{self, VideoEvent, VideoEventKind};
use crate::audit::{self, AuditAction, ClientInfo, NewEntry};
use crate::authz::cases::Side;
use crate::authz::video::{VideoAction, authorize_video};
use crate::db::{self, TenantTx};
use crate::error::{AppError, AppResult};
use crate::jobs::{self, ClaimedJob, JobKind};
use crate::state::AppState;

/// At most this many caucus rooms per session.
pub const MAX_ROOMS: usize = 12;
/// Warning before a caucus timer runs out, and the grace after it.
pub const WARNING_SECS: i64 = 120;
pub const GRACE_SECS: i64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
#[graphql(name = "CaucusStatus", rename_items = "SCREAMING_SNAKE_CASE")]
pub enum CaucusStatus {
    /// Made, people may be assigned, nobody is in it yet.
    Prepared,
    Open,
    Closed,
}

impl CaucusStatus {
    fn key(self) -> &'static str {
        match self {
            CaucusStatus::Prepared => "prepared",
            CaucusStatus::Open => "open",
            CaucusStatus::Closed => "closed",
        }
    }

    fn parse(key: &str) -> Option<Self> {
        [Self::Prepared, Self::Open, Self::Closed]
            .into_iter()
            .find(|s| s.key() == key)
    }
}

#[derive(Debug, Clone)]
pub struct Caucus {
    pub id: Uuid,
    pub session_id: Uuid,
    pub name: String,
    pub status: CaucusStatus,
    pub room: String,
    pub ends_at: Option<DateTime<Utc>>,
}

impl Caucus {
    fn from_row(row: &QueryResult) -> AppResult<Self> {
        let status: String = row.try_get("", "status")?;
        Ok(Self {
            id: row.try_get("", "id")?,
            session_id: row.try_get("", "session_id")?,
            name: row.try_get("", "name")?,
            status: CaucusStatus::parse(&status)
                .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown caucus status")))?,
            room: row.try_get("", "video_room_id")?,
            ends_at: db::utc_opt(row, "ends_at")?,
        })
    }
}

const CAUCUS_COLUMNS: &str = "id, session_id, name, status, video_room_id, ends_at";

pub async fn list(tx: &TenantTx, session_id: Uuid) -> AppResult<Vec<Caucus>> {
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("SELECT {CAUCUS_COLUMNS} FROM breakout_rooms WHERE session_id = $1 ORDER BY created_at, id"),
            [session_id.into()],
        ))
        .await?;
    rows.iter().map(Caucus::from_row).collect()
}

async fn load(tx: &TenantTx, id: Uuid, session_id: Uuid, lock: bool) -> AppResult<Caucus> {
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "SELECT {CAUCUS_COLUMNS} FROM breakout_rooms WHERE id = $1 AND session_id = $2{}",
                if lock { " FOR UPDATE" } else { "" }
            ),
            [id.into(), session_id.into()],
        ))
        .await?
        .ok_or(AppError::NotFound)?;
    Caucus::from_row(&row)
}

/// Where a participant is now: a caucus (if it is open), or the main room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Whereabouts {
    pub caucus: Option<Caucus>,
    pub listen_only: bool,
}

impl Whereabouts {
    pub fn room<'a>(&'a self, session: &'a SessionVideo) -> &'a str {
        self.caucus.as_ref().map_or(&session.room, |c| &c.room)
    }

    pub fn caucus_id(&self) -> Option<Uuid> {
        self.caucus.as_ref().map(|c| c.id)
    }
}

impl PartialEq for Caucus {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Eq for Caucus {}

/// The caucus a participant is assigned to (open or not), and listen-only.
async fn assignment(tx: &TenantTx, participant_id: Uuid) -> AppResult<(Option<Uuid>, bool)> {
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT breakout_room_id, listen_only FROM room_placements
             WHERE participant_id = $1 AND ended_at IS NULL",
            [participant_id.into()],
        ))
        .await?;
    Ok(match row {
        Some(row) => (
            row.try_get("", "breakout_room_id")?,
            row.try_get("", "listen_only")?,
        ),
        None => (None, false),
    })
}

pub async fn whereabouts(tx: &TenantTx, p: &Participant) -> AppResult<Whereabouts> {
    let (caucus_id, listen_only) = assignment(tx, p.id).await?;
    let caucus = match caucus_id {
        Some(id) => Some(load(tx, id, p.session_id, false).await?)
            .filter(|c| c.status == CaucusStatus::Open),
        None => None,
    };
    Ok(Whereabouts {
        listen_only: listen_only && caucus.is_some(),
        caucus,
    })
}

/// The moderator's transaction and open session; anyone else is refused
/// (and the attempt audited, see [`room::require_moderator`]).
async fn as_moderator(
    client: &ClientInfo,
    tx: TenantTx,
    me: &Participant,
) -> AppResult<(TenantTx, SessionVideo)> {
    let tx = room::require_moderator(client, tx, me).await?;
    let session = open_session(&tx, me).await?;
    Ok((tx, session))
}

async fn open_session(tx: &TenantTx, me: &Participant) -> AppResult<SessionVideo> {
    let session = room::session_of(tx, me, true).await?;
    if !session.open() {
        return Err(AppError::SessionClosed);
    }
    Ok(session)
}

fn check_name(name: &str) -> AppResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(AppError::Validation {
            field: "name",
            reason: "a room's name is 1 to 80 characters",
        });
    }
    Ok(name.to_owned())
}

async fn insert(
    tx: &TenantTx,
    session: &SessionVideo,
    me: &Participant,
    name: &str,
) -> AppResult<Caucus> {
    let existing = list(tx, session.id).await?;
    if existing.len() >= MAX_ROOMS {
        return Err(AppError::Conflict(
            "A session can have at most 12 caucus rooms.",
        ));
    }
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "INSERT INTO breakout_rooms (id, org_id, session_id, name, created_by, video_room_id)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING {CAUCUS_COLUMNS}"
            ),
            [
                Uuid::now_v7().into(),
                tx.scope().org_id.into(),
                session.id.into(),
                name.into(),
                me.user_id.into(),
                format!("caucus-{}", crate::token::random(16)).into(),
            ],
        ))
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("insert returned nothing")))?;
    Caucus::from_row(&row)
}

async fn announce(state: &AppState, session_id: Uuid, kind: VideoEventKind, who: Option<Uuid>) {
    room::publish(
        state,
        &VideoEvent {
            session_id,
            kind,
            participant_id: who,
            breakout_room_id: None,
            broadcast: false,
        },
    )
    .await;
}

/// Audits a change to the session's rooms, commits it, and tells the
/// browsers (`CAUCUS_CHANGED`).
async fn commit_change(
    state: &AppState,
    client: &ClientInfo,
    tx: TenantTx,
    me: &Participant,
    session_id: Uuid,
    (target_type, target_id): (&'static str, Uuid),
) -> AppResult<()> {
    audit::record(
        &tx,
        client,
        NewEntry::new(me.user_id, AuditAction::CaucusChanged).target(target_type, target_id),
    )
    .await?;
    tx.commit().await?;
    announce(state, session_id, VideoEventKind::CaucusChanged, None).await;
    Ok(())
}

/// Makes a caucus room (prepared: nobody is in it until it opens).
pub async fn create(
    state: &AppState,
    client: &ClientInfo,
    tx: TenantTx,
    me: Participant,
    name: &str,
) -> AppResult<Caucus> {
    let name = check_name(name)?;
    let (tx, session) = as_moderator(client, tx, &me).await?;
    let caucus = insert(&tx, &session, &me, &name).await?;
    commit_change(
        state,
        client,
        tx,
        &me,
        session.id,
        ("breakout_room", caucus.id),
    )
    .await?;
    Ok(caucus)
}

/// The usual pair, one per side, each with that side's people assigned.
/// Rooms of those names that exist already are kept.
pub async fn prepare_sides(
    state: &AppState,
    client: &ClientInfo,
    tx: TenantTx,
    me: Participant,
    names: (&str, &str),
) -> AppResult<Vec<Caucus>> {
    let (tx, session) = as_moderator(client, tx, &me).await?;
    let existing = list(&tx, session.id).await?;
    let mut made = Vec::new();
    for (side, name) in [(Side::Claimant, names.0), (Side::Respondent, names.1)] {
        let caucus = match existing.iter().find(|c| c.name == name) {
            Some(c) => c.clone(),
            None => insert(&tx, &session, &me, name).await?,
        };
        for p in side_members(&tx, &session, side).await? {
            if assignment(&tx, p).await?.0.is_none() {
                record_placement(&tx, &session, p, Some(caucus.id), false, me.user_id).await?;
            }
        }
        made.push(caucus);
    }
    commit_change(state, client, tx, &me, session.id, ("session", session.id)).await?;
    Ok(made)
}

/// The participants (parties and counsel) of one side of the case.
async fn side_members(tx: &TenantTx, session: &SessionVideo, side: Side) -> AppResult<Vec<Uuid>> {
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT rp.id FROM room_participants rp JOIN parties p ON p.id = rp.party_id
             WHERE rp.session_id = $1 AND p.side = $2 ORDER BY rp.id",
            [session.id.into(), side.key().into()],
        ))
        .await?;
    rows.iter()
        .map(|r| r.try_get("", "id").map_err(Into::into))
        .collect()
}

async fn record_placement(
    tx: &TenantTx,
    session: &SessionVideo,
    participant_id: Uuid,
    caucus_id: Option<Uuid>,
    listen_only: bool,
    by: Option<Uuid>,
) -> AppResult<()> {
    let conn = tx.conn();
    conn.execute(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "UPDATE room_placements SET ended_at = now() WHERE participant_id = $1 AND ended_at IS NULL",
        [participant_id.into()],
    ))
    .await?;
    conn.execute(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO room_placements (id, org_id, session_id, participant_id, breakout_room_id, listen_only, placed_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        [
            Uuid::now_v7().into(),
            tx.scope().org_id.into(),
            session.id.into(),
            participant_id.into(),
            caucus_id.into(),
            listen_only.into(),
            by.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Who is moving from which room, worked out before the change commits.
struct Move {
    participant_id: Uuid,
    from_room: String,
    to_room: String,
}

async fn plan_move(
    tx: &TenantTx,
    session: &SessionVideo,
    participant_id: Uuid,
    to: Option<&Caucus>,
) -> AppResult<Move> {
    // Locked until the move commits: its removal from the old room checks
    // the placement under the same lock (see `carry_out`).
    let p = participants::load(tx, participant_id, true)
        .await?
        .ok_or(AppError::NotFound)?;
    let from = whereabouts(tx, &p).await?;
    Ok(Move {
        participant_id,
        from_room: from.room(session).to_owned(),
        to_room: to
            .filter(|c| c.status == CaucusStatus::Open)
            .map_or_else(|| session.room.clone(), |c| c.room.clone()),
    })
}

/// After the commit: every browser told (`PLACED`: it leaves the old room
/// and enters the new one by itself), then everyone out of the old room
/// through the room service, for a browser that does not go. Telling first
/// keeps the room service off the path of the person who moves: nothing
/// they wait for happens after a removal. A recall of ten is told at once
/// and removed in one transaction, side by side.
///
/// The room service removes by identity, not by connection, so a removal
/// that lands after a later move has put someone back in `from_room` would
/// throw them out of the room they are placed in. The removals therefore
/// run under the participants' row locks (every move takes them, see
/// [`plan_move`]) and only for those still placed elsewhere.
async fn carry_out(
    state: &AppState,
    scope: db::TenantScope,
    session: &SessionVideo,
    moves: &[Move],
) {
    futures::future::join_all(moves.iter().map(|m| {
        announce(
            state,
            session.id,
            VideoEventKind::Placed,
            Some(m.participant_id),
        )
    }))
    .await;
    let leaving: Vec<&Move> = moves.iter().filter(|m| m.from_room != m.to_room).collect();
    if let Some(lk) = state.livekit.as_ref()
        && !leaving.is_empty()
        && let Err(e) = leave_old_rooms(state, lk, scope, session, &leaving).await
    {
        let ids: Vec<String> = leaving
            .iter()
            .map(|m| m.participant_id.to_string())
            .collect();
        tracing::warn!(participant_ids = %ids.join(","), error = ?e, "LiveKit did not follow a move");
    }
}

/// Takes each mover out of their `from_room`, unless they have been placed
/// back there since (see [`carry_out`]).
async fn leave_old_rooms(
    state: &AppState,
    lk: &super::livekit::LiveKit,
    scope: db::TenantScope,
    session: &SessionVideo,
    moves: &[&Move],
) -> AppResult<()> {
    let tx = state.db.tenant(scope).await?;
    let now = rooms_now(&tx, session, moves.iter().map(|m| m.participant_id)).await?;
    let removals = moves.iter().filter_map(|m| {
        match now.get(&m.participant_id) {
            // Gone from the session: nothing is theirs to leave.
            None => None,
            Some(room) if *room == m.from_room => {
                tracing::info!(participant_id = %m.participant_id, "placed back before the move's removal ran: left in the room");
                None
            }
            Some(room) => Some(async move {
                tracing::info!(participant_id = %m.participant_id, room = %m.from_room, placed_in = %room, "taken out of the old room after a move");
                lk.remove(&m.from_room, &m.participant_id.to_string())
                    .await
                    .map_err(|e| (m.participant_id, e))
            }),
        }
    });
    for (participant_id, e) in futures::future::join_all(removals)
        .await
        .into_iter()
        .filter_map(Result::err)
    {
        tracing::warn!(participant_id = %participant_id, error = ?e, "LiveKit did not follow a move");
    }
    tx.commit().await?;
    Ok(())
}

/// The LiveKit room each of `ids` is placed in now (what
/// [`Whereabouts::room`] says, for many at once), their rows locked in id
/// order until the transaction ends.
async fn rooms_now(
    tx: &TenantTx,
    session: &SessionVideo,
    ids: impl Iterator<Item = Uuid>,
) -> AppResult<std::collections::HashMap<Uuid, String>> {
    let ids: Vec<Uuid> = ids.collect();
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT rp.id, COALESCE(br.video_room_id, $3) AS room
             FROM room_participants rp
             LEFT JOIN room_placements pl ON pl.participant_id = rp.id AND pl.ended_at IS NULL
             LEFT JOIN breakout_rooms br ON br.id = pl.breakout_room_id
               AND br.session_id = $2 AND br.status = 'open'
             WHERE rp.id = ANY($1) AND rp.session_id = $2
             ORDER BY rp.id
             FOR UPDATE OF rp",
            [ids.into(), session.id.into(), session.room.clone().into()],
        ))
        .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("", "id")?, row.try_get("", "room")?)))
        .collect()
}

/// Where a move sends people: a caucus of this session, or the main room.
async fn target(
    tx: &TenantTx,
    session: &SessionVideo,
    caucus_id: Option<Uuid>,
    lock: bool,
) -> AppResult<Option<Caucus>> {
    match caucus_id {
        Some(id) => {
            let c = load(tx, id, session.id, lock).await?;
            if c.status == CaucusStatus::Closed {
                return Err(AppError::Conflict("That caucus room is closed."));
            }
            Ok(Some(c))
        }
        None => Ok(None),
    }
}

/// Places one participant (`listen_only` only for the mediator hopping in).
pub async fn place(
    state: &AppState,
    client: &ClientInfo,
    tx: TenantTx,
    me: Participant,
    participant_id: Uuid,
    caucus_id: Option<Uuid>,
    listen_only: bool,
) -> AppResult<()> {
    let (tx, session) = as_moderator(client, tx, &me).await?;
    let who = participants::load(&tx, participant_id, true)
        .await?
        .filter(|p| p.session_id == session.id)
        .ok_or(AppError::NotFound)?;
    if listen_only && !who.role.moderates() {
        return Err(AppError::Validation {
            field: "listenOnly",
            reason: "only a mediator listens in without being seen",
        });
    }
    if matches!(who.admission, Admission::Removed | Admission::Declined) {
        return Err(AppError::Validation {
            field: "participantId",
            reason: "that participant is not in the session",
        });
    }
    let to = target(&tx, &session, caucus_id, false).await?;
    let planned = plan_move(&tx, &session, who.id, to.as_ref()).await?;
    record_placement(&tx, &session, who.id, caucus_id, listen_only, me.user_id).await?;
    audit::record(
        &tx,
        client,
        NewEntry::new(me.user_id, AuditAction::CaucusMoved).target("room_participant", who.id),
    )
    .await?;
    let scope = tx.scope();
    tx.commit().await?;
    carry_out(state, scope, &session, &[planned]).await;
    Ok(())
}

/// Places every participant of one side.
pub async fn place_side(
    state: &AppState,
    client: &ClientInfo,
    tx: TenantTx,
    me: Participant,
    side: Side,
    caucus_id: Option<Uuid>,
) -> AppResult<usize> {
    let (tx, session) = as_moderator(client, tx, &me).await?;
    let to = target(&tx, &session, caucus_id, false).await?;
    let mut moves = Vec::new();
    for id in side_members(&tx, &session, side).await? {
        moves.push(plan_move(&tx, &session, id, to.as_ref()).await?);
        record_placement(&tx, &session, id, caucus_id, false, me.user_id).await?;
    }
    audit::record(
        &tx,
        client,
        NewEntry::new(me.user_id, AuditAction::CaucusMoved).target("session", session.id),
    )
    .await?;
    let scope = tx.scope();
    tx.commit().await?;
    carry_out(state, scope, &session, &moves).await;
    Ok(moves.len())
}

/// Everyone back to the main room.
pub async fn recall_all(
    state: &AppState,
    client: &ClientInfo,
    tx: TenantTx,
    me: Participant,
) -> AppResult<usize> {
    let (tx, session) = as_moderator(client, tx, &me).await?;
    let moves = recall_in(&tx, &session, None, me.user_id).await?;
    audit::record(
        &tx,
        client,
        NewEntry::new(me.user_id, AuditAction::CaucusRecalled).target("session", session.id),
    )
    .await?;
    let scope = tx.scope();
    tx.commit().await?;
    carry_out(state, scope, &session, &moves).await;
    Ok(moves.len())
}

/// Back to the main room: everyone placed in `only` (or in any caucus).
async fn recall_in(
    tx: &TenantTx,
    session: &SessionVideo,
    only: Option<Uuid>,
    by: Option<Uuid>,
) -> AppResult<Vec<Move>> {
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT participant_id FROM room_placements
             WHERE session_id = $1 AND ended_at IS NULL AND breakout_room_id IS NOT NULL
               AND ($2::uuid IS NULL OR breakout_room_id = $2)
             ORDER BY participant_id",
            [session.id.into(), only.into()],
        ))
        .await?;
    let mut moves = Vec::new();
    for row in rows {
        let id: Uuid = row.try_get("", "participant_id")?;
        moves.push(plan_move(tx, session, id, None).await?);
        record_placement(tx, session, id, None, false, by).await?;
    }
    Ok(moves)
}

/// Opens a prepared caucus (those assigned to it move in) or closes one
/// (those in it come back to the main room).
pub async fn set_status(
    state: &AppState,
    client: &ClientInfo,
    tx: TenantTx,
    me: Participant,
    caucus_id: Uuid,
    open: bool,
) -> AppResult<Caucus> {
    let (tx, session) = as_moderator(client, tx, &me).await?;
    let caucus = load(&tx, caucus_id, session.id, true).await?;
    let moves = if open {
        if caucus.status == CaucusStatus::Closed {
            return Err(AppError::Conflict("That caucus room is closed."));
        }
        let rows = tx
            .conn()
            .query_all(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT participant_id FROM room_placements WHERE breakout_room_id = $1 AND ended_at IS NULL
                 ORDER BY participant_id",
                [caucus.id.into()],
            ))
            .await?;
        let mut moves = Vec::new();
        let opened = Caucus {
            status: CaucusStatus::Open,
            ..caucus.clone()
        };
        for row in rows {
            let id: Uuid = row.try_get("", "participant_id")?;
            moves.push(plan_move(&tx, &session, id, Some(&opened)).await?);
        }
        moves
    } else {
        recall_in(&tx, &session, Some(caucus.id), me.user_id).await?
    };
    let status = if open {
        CaucusStatus::Open
    } else {
        CaucusStatus::Closed
    };
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "UPDATE breakout_rooms SET status = $2, ends_at = CASE WHEN $2 = 'closed' THEN NULL ELSE ends_at END
                 WHERE id = $1 RETURNING {CAUCUS_COLUMNS}"
            ),
            [caucus.id.into(), status.key().into()],
        ))
        .await?
        .ok_or(AppError::NotFound)?;
    let updated = Caucus::from_row(&row)?;
    audit::record(
        &tx,
        client,
        NewEntry::new(me.user_id, AuditAction::CaucusChanged).target("breakout_room", caucus.id),
    )
    .await?;
    let scope = tx.scope();
    tx.commit().await?;
    if !open && let Some(lk) = state.livekit.as_ref() {
        // Moves carried out first would also empty it; closing it is surer.
        if let Err(e) = lk.close_room(&updated.room).await {
            tracing::warn!(breakout_room_id = %updated.id, error = %e, "closing a caucus room");
        }
    }
    carry_out(state, scope, &session, &moves).await;
    announce(state, session.id, VideoEventKind::CaucusChanged, None).await;
    Ok(updated)
}

/// Starts (or extends, from its current end) a caucus's timer.
pub async fn set_timer(
    state: &AppState,
    client: &ClientInfo,
    tx: TenantTx,
    me: Participant,
    caucus_id: Uuid,
    minutes: i64,
    extend: bool,
) -> AppResult<Caucus> {
    let (tx, session) = as_moderator(client, tx, &me).await?;
    if !(1..=180).contains(&minutes) {
        return Err(AppError::Validation {
            field: "minutes",
            reason: "a caucus timer is 1 to 180 minutes",
        });
    }
    let caucus = load(&tx, caucus_id, session.id, true).await?;
    if caucus.status != CaucusStatus::Open {
        return Err(AppError::Conflict(
            "Open the caucus room before starting its timer.",
        ));
    }
    let now = Utc::now();
    let from = if extend {
        caucus.ends_at.filter(|at| *at > now).unwrap_or(now)
    } else {
        now
    };
    let ends_at = from + Duration::minutes(minutes);
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "UPDATE breakout_rooms SET ends_at = $2 WHERE id = $1 RETURNING {CAUCUS_COLUMNS}"
            ),
            [caucus.id.into(), ends_at.into()],
        ))
        .await?
        .ok_or(AppError::NotFound)?;
    let updated = Caucus::from_row(&row)?;
    for (stage, at) in [
        ("warning", ends_at - Duration::seconds(WARNING_SECS)),
        ("end", ends_at),
        ("recall", ends_at + Duration::seconds(GRACE_SECS)),
    ] {
        jobs::enqueue_at(
            &tx,
            JobKind::CaucusTimer.as_str(),
            json!({ "caucusId": caucus.id, "sessionId": session.id, "endsAt": ends_at, "stage": stage }),
            jobs::DEFAULT_MAX_ATTEMPTS,
            at.max(now),
        )
        .await?;
    }
    commit_change(
        state,
        client,
        tx,
        &me,
        session.id,
        ("breakout_room", caucus.id),
    )
    .await?;
    Ok(updated)
}

/// `video.caucus_timer`: the warning, the end, and the recall after the
/// grace. A timer changed since (extended, closed) makes the job a no-op.
pub async fn run_timer(state: &AppState, tx: TenantTx, job: &ClaimedJob) -> anyhow::Result<()> {
    let get = |key: &str| {
        job.payload
            .get(key)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    let caucus_id = get("caucusId").and_then(|s| Uuid::parse_str(&s).ok());
    let session_id = get("sessionId").and_then(|s| Uuid::parse_str(&s).ok());
    let ends_at: Option<DateTime<Utc>> = get("endsAt").and_then(|s| s.parse().ok());
    let (Some(caucus_id), Some(session_id), Some(ends_at), Some(stage)) =
        (caucus_id, session_id, ends_at, get("stage"))
    else {
        anyhow::bail!("a caucus timer job without its fields");
    };
    let failed = |what: &'static str| move |e: AppError| anyhow::anyhow!("{what}: {}", e.message());
    let Ok(caucus) = load(&tx, caucus_id, session_id, true).await else {
        return Ok(());
    };
    let current = caucus.status == CaucusStatus::Open
        && caucus
            .ends_at
            .is_some_and(|at| (at - ends_at).num_milliseconds().abs() < 1000);
    if !current {
        return Ok(());
    }
    match stage.as_str() {
        "warning" => {
            tx.commit().await?;
            announce(state, session_id, VideoEventKind::CaucusEnding, None).await;
        }
        "end" => {
            tx.commit().await?;
            announce(state, session_id, VideoEventKind::CaucusTimeUp, None).await;
        }
        _ => {
            let Some(session) = participants::load_session(&tx, session_id, false)
                .await
                .map_err(failed("loading the session"))?
            else {
                return Ok(());
            };
            let moves = recall_in(&tx, &session, Some(caucus.id), None)
                .await
                .map_err(failed("recalling a caucus"))?;
            tx.conn()
                .execute(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "UPDATE breakout_rooms SET ends_at = NULL WHERE id = $1",
                    [caucus.id.into()],
                ))
                .await?;
            let scope = tx.scope();
            tx.commit().await?;
            carry_out(state, scope, &session, &moves).await;
            announce(state, session_id, VideoEventKind::CaucusChanged, None).await;
        }
    }
    Ok(())
}

/// "Call the mediator", from wherever the caller is.
pub async fn call_mediator(state: &AppState, tx: TenantTx, me: Participant) -> AppResult<()> {
    authorize_video(me.role, VideoAction::Chat)?;
    if me.admission != Admission::Admitted {
        return Err(AppError::NotAdmitted);
    }
    let session = open_session(&tx, &me).await?;
    tx.commit().await?;
    announce(state, session.id, VideoEventKind::CallMediator, Some(me.id)).await;
    Ok(())
}

/// Whether someone placed in `mine` sees what was said in `said_in` (None:
/// the main room). Everyone, the mediator included, reads the room they are
/// in; broadcasts reach every room.
pub fn hears(mine: Option<Uuid>, said_in: Option<Uuid>, broadcast: bool) -> bool {
    broadcast || mine == said_in
}

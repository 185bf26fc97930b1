//! The organization's meeting rooms (a courthouse's mediation rooms, a
//! firm's offices): kept by org admins, and given to booked sessions by
//! those who run cases, for sessions with someone on site. A room is never
//! in two booked sessions at once: allocations take the room's lock and an
//! exclusion constraint (`sessions_no_meeting_room_double_booking`) refuses
//! the second whatever the order. A room's calendar shows its sessions by
//! case reference, never case content.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement, TransactionTrait};
use uuid::Uuid;

use super::booking::{self, Session};
use super::calendar_view::{self, CalendarSession, SessionsOf};
use crate::audit::{self, AuditAction, NewEntry};
use crate::authz::cases::Visibility;
use crate::authz::{self, Action};
use crate::cases::access;
use crate::cases::timeline::{self, NewEvent};
use crate::db::{self, TenantTx};
use crate::error::{AppError, AppResult};
use crate::graphql::context::RequestContext;

/// An organization keeps at most this many rooms (retired ones included).
pub const MAX_ROOMS: i64 = 200;
const NAME_MAX: usize = 80;
const LOCATION_MAX: usize = 200;
const CAPACITY_MAX: i32 = 500;

#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "MeetingRoom")]
pub struct MeetingRoom {
    pub id: ID,
    pub name: String,
    /// Where it is (building, floor), for those who come on site.
    pub location: String,
    /// How many people it seats, when known.
    pub capacity: Option<i32>,
    /// Set once retired: it keeps its past sessions and takes no new ones.
    pub retired_at: Option<DateTime<Utc>>,
}

#[derive(InputObject)]
pub struct MeetingRoomInput {
    pub name: String,
    /// Where it is (building, floor); empty or left out when not needed.
    pub location: Option<String>,
    pub capacity: Option<i32>,
}

/// A room and its sessions from `from` on.
#[derive(SimpleObject)]
pub struct MeetingRoomCalendar {
    pub room: MeetingRoom,
    pub sessions: Vec<CalendarSession>,
}

/// The input, trimmed and checked: typed errors, never a database error.
struct Checked {
    name: String,
    location: String,
    capacity: Option<i32>,
}

fn check(input: &MeetingRoomInput) -> AppResult<Checked> {
    let name = input.name.trim();
    if name.is_empty() {
        return Err(AppError::validation("name", "required"));
    }
    if name.chars().count() > NAME_MAX {
        return Err(AppError::validation("name", "too_long"));
    }
    if name.chars().any(char::is_control) {
        return Err(AppError::validation("name", "format"));
    }
    let location = input.location.as_deref().unwrap_or_default().trim();
    if location.chars().count() > LOCATION_MAX {
        return Err(AppError::validation("location", "too_long"));
    }
    if location.chars().any(char::is_control) {
        return Err(AppError::validation("location", "format"));
    }
    if let Some(capacity) = input.capacity
        && !(1..=CAPACITY_MAX).contains(&capacity)
    {
        return Err(AppError::validation("capacity", "out_of_range"));
    }
    Ok(Checked {
        name: name.to_owned(),
        location: location.to_owned(),
        capacity: input.capacity,
    })
}

const COLUMNS: &str = "id, name, location, capacity, retired_at";

fn room_from(row: &QueryResult) -> Result<MeetingRoom, sea_orm::DbErr> {
    Ok(MeetingRoom {
        id: ID(row.try_get::<Uuid>("", "id")?.to_string()),
        name: row.try_get("", "name")?,
        location: row.try_get("", "location")?,
        capacity: row.try_get("", "capacity")?,
        retired_at: db::utc_opt(row, "retired_at")?,
    })
}

/// One room's allocations at a time (see the module's comment).
pub async fn lock(tx: &TenantTx, room_id: Uuid) -> AppResult<()> {
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock(hashtextextended('meeting-room:' || $1::text || ':' || $2::text, 0))",
            [tx.scope().org_id.into(), room_id.into()],
        ))
        .await?;
    Ok(())
}

/// The organization's rooms by name, retired ones only when asked.
pub async fn list(tx: &TenantTx, include_retired: bool) -> AppResult<Vec<MeetingRoom>> {
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "SELECT {COLUMNS} FROM meeting_rooms WHERE $1 OR retired_at IS NULL
                 ORDER BY lower(name), id LIMIT {MAX_ROOMS}"
            ),
            [include_retired.into()],
        ))
        .await?;
    Ok(rows.iter().map(room_from).collect::<Result<_, _>>()?)
}

/// The room `id` of the reader's organization (row-level security makes
/// another's `None`).
pub async fn load(tx: &TenantTx, id: Uuid) -> AppResult<Option<MeetingRoom>> {
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("SELECT {COLUMNS} FROM meeting_rooms WHERE id = $1"),
            [id.into()],
        ))
        .await?;
    Ok(row.as_ref().map(room_from).transpose()?)
}

/// Writes a new or changed room; a name already in use is a typed error.
async fn save(tx: &TenantTx, id: Option<Uuid>, room: Checked) -> AppResult<MeetingRoom> {
    let savepoint = tx.conn().begin().await?;
    let statement = match id {
        None => Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "INSERT INTO meeting_rooms (id, org_id, name, location, capacity)
                 SELECT $1, $2, $3, $4, $5
                 WHERE (SELECT count(*) FROM meeting_rooms) < {MAX_ROOMS}
                 RETURNING {COLUMNS}"
            ),
            [
                Uuid::new_v4().into(),
                tx.scope().org_id.into(),
                room.name.into(),
                room.location.into(),
                room.capacity.into(),
            ],
        ),
        Some(id) => Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "UPDATE meeting_rooms SET name = $2, location = $3, capacity = $4
                 WHERE id = $1 RETURNING {COLUMNS}"
            ),
            [
                id.into(),
                room.name.into(),
                room.location.into(),
                room.capacity.into(),
            ],
        ),
    };
    match savepoint.query_one(statement).await {
        Ok(Some(row)) => {
            savepoint.commit().await?;
            Ok(room_from(&row)?)
        }
        Ok(None) if id.is_none() => Err(AppError::Conflict(
            "The organization already has as many rooms as it may keep.",
        )),
        Ok(None) => Err(AppError::NotFound),
        Err(error) if db::violates(&error, "meeting_rooms_name_key") => {
            savepoint.rollback().await?;
            Err(AppError::validation("name", "taken"))
        }
        Err(error) => Err(error.into()),
    }
}

/// Retires a room (or brings it back). A room with sessions still to come
/// is not retired: they are moved to another room first.
async fn set_retired(
    tx: &TenantTx,
    id: Uuid,
    retired: bool,
    now: DateTime<Utc>,
) -> AppResult<MeetingRoom> {
    lock(tx, id).await?;
    if retired {
        let upcoming = tx
            .conn()
            .query_one(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT count(*) AS n FROM sessions
                 WHERE meeting_room_id = $1 AND status = 'booked'
                   AND scheduled_for + make_interval(mins => duration_minutes) > $2",
                [id.into(), now.into()],
            ))
            .await?
            .map(|r| r.try_get::<i64>("", "n"))
            .transpose()?
            .unwrap_or(0);
        if upcoming > 0 {
            return Err(AppError::Conflict(
                "This room still has sessions to come. Give them another room first.",
            ));
        }
    }
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "UPDATE meeting_rooms
                 SET retired_at = CASE WHEN $2 THEN coalesce(retired_at, $3) END
                 WHERE id = $1 RETURNING {COLUMNS}"
            ),
            [id.into(), retired.into(), now.into()],
        ))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(room_from(&row)?)
}

/// Puts a booked session in `room` (or takes it out with `None`). Refused
/// when the session is not booked or over, the room retired, or the room in
/// another booked session at that time (`ROOM_TAKEN`, nothing written).
pub async fn allocate(
    tx: &TenantTx,
    session: &Session,
    room: Option<&MeetingRoom>,
    now: DateTime<Utc>,
) -> AppResult<Session> {
    check_open(session, now)?;
    let room_id = match room {
        Some(room) => {
            if room.retired_at.is_some() {
                return Err(AppError::Conflict(
                    "This room is retired and takes no new sessions.",
                ));
            }
            let id = access::parse_id(room.id.as_str())?;
            lock(tx, id).await?;
            Some(id)
        }
        None => None,
    };
    let savepoint = tx.conn().begin().await?;
    let updated = savepoint
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "UPDATE sessions SET meeting_room_id = $2, version = version + 1
                 WHERE id = $1 AND status = 'booked' RETURNING {}",
                booking::SESSION_COLUMNS
            ),
            [session.id.into(), room_id.into()],
        ))
        .await;
    match updated {
        Ok(Some(row)) => {
            savepoint.commit().await?;
            booking::session_from(&row)
        }
        Ok(None) => Err(AppError::NotFound),
        Err(error) if db::violates(&error, "sessions_no_meeting_room_double_booking") => {
            savepoint.rollback().await?;
            Err(AppError::RoomTaken)
        }
        Err(error) => Err(error.into()),
    }
}

/// Whether the session's room may change: booked and not over.
fn check_open(session: &Session, now: DateTime<Utc>) -> AppResult<()> {
    if session.status != "booked" {
        return Err(AppError::Conflict(
            "Only a booked session can be given a room.",
        ));
    }
    let ends = session.scheduled_for + TimeDelta::minutes(i64::from(session.duration_minutes));
    if ends <= now {
        return Err(AppError::Conflict("This session is over."));
    }
    Ok(())
}

/// Records a session's room change on the case timeline (everyone on the
/// case sees where it is held) and, when `actor` made it, in the audit log.
pub async fn record_change(
    tx: &TenantTx,
    client: &audit::ClientInfo,
    actor_id: Option<Uuid>,
    session: &Session,
) -> AppResult<()> {
    timeline::record_without_note(
        tx,
        NewEvent {
            case_id: session.case_id,
            actor_id,
            kind: "session.room_changed",
            visibility: Visibility::Everyone,
            detail: serde_json::json!({ "sessionId": session.id, "roomId": session.meeting_room_id }),
            note: None,
        },
    )
    .await?;
    if actor_id.is_some() {
        audit::record(
            tx,
            client,
            NewEntry::new(actor_id, AuditAction::SessionRoomChanged).target("session", session.id),
        )
        .await?;
    }
    Ok(())
}

#[derive(Default)]
pub struct MeetingRoomsQuery;

#[Object]
impl MeetingRoomsQuery {
    /// The organization's meeting rooms by name (org admins and case
    /// managers), retired ones too with `includeRetired`.
    async fn meeting_rooms(
        &self,
        ctx: &Context<'_>,
        include_retired: Option<bool>,
    ) -> async_graphql::Result<Vec<MeetingRoom>> {
        let include_retired = include_retired.unwrap_or(false);
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::AllocateRooms)?;
        let tx = rc.tenant_tx(actor).await?;
        let out = list(&tx, include_retired).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(out)
    }

    /// A room's sessions from `from` for `days` days (at most 31), by case
    /// reference and mediator (org admins and case managers).
    async fn meeting_room_calendar(
        &self,
        ctx: &Context<'_>,
        room_id: ID,
        from: DateTime<Utc>,
        #[graphql(validator(minimum = 1, maximum = 31))] days: Option<i32>,
    ) -> async_graphql::Result<MeetingRoomCalendar> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::AllocateRooms)?;
        let id = access::parse_id(room_id.as_str())?;
        let until = from + TimeDelta::days(i64::from(days.unwrap_or(7)));
        let tx = rc.tenant_tx(actor).await?;
        let room = load(&tx, id).await?.ok_or(AppError::NotFound)?;
        let sessions = calendar_view::sessions(&tx, SessionsOf::Room(id), from, until).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(MeetingRoomCalendar { room, sessions })
    }
}

#[derive(Default)]
pub struct MeetingRoomsMutation;

#[Object]
impl MeetingRoomsMutation {
    /// Adds a meeting room (org admins). A name already in use is
    /// `VALIDATION_FAILED` on `name` with reason `taken`.
    async fn add_meeting_room(
        &self,
        ctx: &Context<'_>,
        input: MeetingRoomInput,
    ) -> async_graphql::Result<MeetingRoom> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::ManageRooms)?;
        let checked = check(&input)?;
        let tx = rc.tenant_tx(actor).await?;
        let room = save(&tx, None, checked).await?;
        audit_room(rc, &tx, actor.user_id, &room).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(room)
    }

    /// Renames or relocates a meeting room (org admins).
    async fn update_meeting_room(
        &self,
        ctx: &Context<'_>,
        room_id: ID,
        input: MeetingRoomInput,
    ) -> async_graphql::Result<MeetingRoom> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::ManageRooms)?;
        let id = access::parse_id(room_id.as_str())?;
        let checked = check(&input)?;
        let tx = rc.tenant_tx(actor).await?;
        let room = save(&tx, Some(id), checked).await?;
        audit_room(rc, &tx, actor.user_id, &room).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(room)
    }

    /// Retires a meeting room, or brings it back (org admins). A room with
    /// sessions still to come is `CONFLICT`.
    async fn set_meeting_room_retired(
        &self,
        ctx: &Context<'_>,
        room_id: ID,
        retired: bool,
    ) -> async_graphql::Result<MeetingRoom> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::ManageRooms)?;
        let id = access::parse_id(room_id.as_str())?;
        let tx = rc.tenant_tx(actor).await?;
        let room = set_retired(&tx, id, retired, Utc::now()).await?;
        audit_room(rc, &tx, actor.user_id, &room).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(room)
    }

    /// Puts a booked session in a meeting room, or takes it out when
    /// `roomId` is null (org admins and case managers). A room in another
    /// session at that time is `ROOM_TAKEN`; another organization's room or
    /// session is `NOT_FOUND`.
    async fn set_session_meeting_room(
        &self,
        ctx: &Context<'_>,
        session_id: ID,
        room_id: Option<ID>,
    ) -> async_graphql::Result<super::graphql::SessionOut> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::AllocateRooms)?;
        let session_id = access::parse_id(session_id.as_str())?;
        let room_id = room_id
            .as_ref()
            .map(|id| access::parse_id(id.as_str()))
            .transpose()?;
        let tx = rc.tenant_tx(actor).await?;
        let session = booking::load_session(&tx, session_id, true)
            .await?
            .ok_or(AppError::NotFound)?;
        let room = match room_id {
            Some(id) => Some(load(&tx, id).await?.ok_or(AppError::NotFound)?),
            None => None,
        };
        let now = Utc::now();
        check_open(&session, now)?;
        if session.meeting_room_id == room_id {
            let out = super::graphql::session_out(&tx, session).await?;
            tx.commit().await.map_err(AppError::from)?;
            return Ok(out);
        }
        let changed = allocate(&tx, &session, room.as_ref(), now).await?;
        record_change(&tx, &rc.client, Some(actor.user_id), &changed).await?;
        let out = super::graphql::session_out(&tx, changed).await?;
        tx.commit().await.map_err(AppError::from)?;
        tracing::info!(session_id = %session_id, meeting_room_id = ?room_id, "session meeting room set");
        Ok(out)
    }
}

async fn audit_room(
    rc: &RequestContext,
    tx: &TenantTx,
    actor_id: Uuid,
    room: &MeetingRoom,
) -> AppResult<()> {
    audit::record(
        tx,
        &rc.client,
        NewEntry::new(Some(actor_id), AuditAction::RoomChanged)
            .target("meeting_room", room.id.as_str()),
    )
    .await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used)]

    use super::*;

    fn input(name: &str, location: &str, capacity: Option<i32>) -> MeetingRoomInput {
        MeetingRoomInput {
            name: name.into(),
            location: Some(location.into()),
            capacity,
        }
    }

    fn refusal(result: AppResult<Checked>) -> Option<(&'static str, &'static str)> {
        match result {
            Err(AppError::Validation { field, reason }) => Some((field, reason)),
            _ => None,
        }
    }

    #[test]
    fn room_input_is_trimmed_and_checked() {
        let ok = check(&input("  Room 3B ", " Third floor ", Some(8))).expect("valid");
        assert_eq!(
            (ok.name.as_str(), ok.location.as_str(), ok.capacity),
            ("Room 3B", "Third floor", Some(8))
        );
        assert_eq!(
            refusal(check(&input("   ", "", None))),
            Some(("name", "required"))
        );
        assert_eq!(
            refusal(check(&input(&"x".repeat(81), "", None))),
            Some(("name", "too_long"))
        );
        assert!(check(&input(&"é".repeat(80), "", None)).is_ok());
        assert_eq!(
            refusal(check(&input("A\u{0}B", "", None))),
            Some(("name", "format"))
        );
        assert_eq!(
            refusal(check(&input("A", &"y".repeat(201), None))),
            Some(("location", "too_long"))
        );
        assert_eq!(
            refusal(check(&input("A", "", Some(0)))),
            Some(("capacity", "out_of_range"))
        );
        assert_eq!(
            refusal(check(&input("A", "", Some(501)))),
            Some(("capacity", "out_of_range"))
        );
    }
}

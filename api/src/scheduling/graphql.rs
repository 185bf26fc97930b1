//! GraphQL for scheduling: a mediator's working week, exceptions and time
//! off; the organization's booking rules; a case's schedule (proposed slots
//! with local times, who has answered, sessions booked) for the staff and
//! the parties; the parties' availability; and booking.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;

use super::availability;
use super::booking::{self, CaseCalendar, Session};
use super::settings;
use super::slots::{self, Interval};
use super::{notify, rooms, waitlist};
use crate::audit::{self, AuditAction, NewEntry};
use crate::authz::cases::{CaseAction, Side, Visibility};
use crate::authz::{self, Actor, RoleKey};
use crate::cases::access::{self, CaseRow};
use crate::cases::graphql::open_tx;
use crate::cases::timeline::{self, NewEvent};
use crate::error::{AppError, AppResult};
use crate::graphql::context::RequestContext;

/// Whose clock a local time is read on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ClockOf {
    /// The reader's own.
    You,
    Mediator,
    Claimant,
    Respondent,
}

#[derive(SimpleObject)]
pub struct LocalTime {
    pub clock_of: ClockOf,
    pub time_zone: String,
    /// Wall-clock date and time there, `YYYY-MM-DDTHH:MM`.
    pub local: String,
    /// Offset from UTC then, `+05:45`.
    pub offset: String,
}

#[derive(SimpleObject)]
pub struct SlotOut {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// The slot on the clocks of those taking part, the reader's first.
    pub local_times: Vec<LocalTime>,
}

#[derive(SimpleObject)]
pub struct PartySchedule {
    pub party_id: ID,
    pub side: Side,
    pub has_joined: bool,
    /// Whether they have said when they can attend.
    pub answered: bool,
}

#[derive(SimpleObject)]
pub struct SessionOut {
    pub id: ID,
    pub case_id: ID,
    pub scheduled_for: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub duration_minutes: i32,
    pub status: String,
    /// Raised on every move or cancellation (the calendar invitation's SEQUENCE).
    pub sequence: i32,
    /// The request for an earlier time, while open.
    pub waitlist: Option<WaitlistOut>,
    /// The meeting room it is held in, for sessions with someone on site.
    pub meeting_room: Option<super::rooms::MeetingRoom>,
}

#[derive(SimpleObject)]
pub struct WaitlistOut {
    pub id: ID,
    /// `waiting`, or `offered` with the time held until `offerExpiresAt`.
    pub status: String,
    pub offered_start: Option<DateTime<Utc>>,
    pub offer_expires_at: Option<DateTime<Utc>>,
}

impl From<waitlist::Entry> for WaitlistOut {
    fn from(e: waitlist::Entry) -> Self {
        Self {
            id: ID(e.id.to_string()),
            status: e.status,
            offered_start: e.offered_start,
            offer_expires_at: e.offer_expires_at,
        }
    }
}

impl From<Session> for SessionOut {
    fn from(s: Session) -> Self {
        Self {
            id: ID(s.id.to_string()),
            case_id: ID(s.case_id.to_string()),
            scheduled_for: s.scheduled_for,
            ends_at: s.scheduled_for + TimeDelta::minutes(i64::from(s.duration_minutes)),
            duration_minutes: s.duration_minutes,
            status: s.status,
            sequence: s.sequence,
            waitlist: None,
            meeting_room: None,
        }
    }
}

/// The case's sessions with their open waitlist requests and rooms.
async fn sessions_out(tx: &crate::db::TenantTx, case_id: uuid::Uuid) -> AppResult<Vec<SessionOut>> {
    let sessions = booking::for_case(tx, case_id).await?;
    let rooms = if sessions.iter().any(|s| s.meeting_room_id.is_some()) {
        rooms::list(tx, true).await?
    } else {
        Vec::new()
    };
    let mut out = Vec::new();
    for session in sessions {
        let entry = waitlist::open_for(tx, session.id).await?;
        let room = room_of(&rooms, &session);
        let mut s: SessionOut = session.into();
        s.waitlist = entry.map(Into::into);
        s.meeting_room = room;
        out.push(s);
    }
    Ok(out)
}

fn room_of(rooms: &[rooms::MeetingRoom], session: &Session) -> Option<rooms::MeetingRoom> {
    let id = session.meeting_room_id?.to_string();
    rooms.iter().find(|r| r.id.as_str() == id).cloned()
}

/// One session as the API shows it, with its room.
pub(crate) async fn session_out(
    tx: &crate::db::TenantTx,
    session: Session,
) -> AppResult<SessionOut> {
    let room = match session.meeting_room_id {
        Some(id) => rooms::load(tx, id).await?,
        None => None,
    };
    let mut out: SessionOut = session.into();
    out.meeting_room = room;
    Ok(out)
}

#[derive(SimpleObject)]
pub struct WindowOut {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

#[derive(InputObject)]
pub struct WindowInput {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// A case's schedule as the reader may see it.
#[derive(SimpleObject)]
pub struct CaseSchedule {
    pub case_id: ID,
    pub duration_minutes: u32,
    /// The zone the reader's times are shown in.
    pub time_zone: String,
    pub parties: Vec<PartySchedule>,
    /// Times that fit the mediator and every party who said when they can.
    pub slots: Vec<SlotOut>,
    pub sessions: Vec<SessionOut>,
    /// The reader's own windows (parties).
    pub my_windows: Vec<WindowOut>,
    /// Whether the reader may book directly.
    pub can_book: bool,
}

fn label(clock_of: ClockOf, tz: Tz, at: DateTime<Utc>) -> LocalTime {
    let l = slots::local_label(at, tz);
    LocalTime {
        clock_of,
        time_zone: tz.name().to_owned(),
        local: l.local.format("%Y-%m-%dT%H:%M").to_string(),
        offset: l.offset,
    }
}

/// The reader's zone, from their profile (UTC when unreadable).
async fn reader_zone(tx: &crate::db::TenantTx, actor: &Actor) -> AppResult<Tz> {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT timezone FROM profiles WHERE user_id = $1",
            [actor.user_id.into()],
        ))
        .await?;
    let zone: Option<String> = row.map(|r| r.try_get("", "timezone")).transpose()?;
    Ok(zone.and_then(|z| z.parse().ok()).unwrap_or(chrono_tz::UTC))
}

/// The party row the actor answers for on the case: their own, or the one
/// they represent.
async fn my_party(
    tx: &crate::db::TenantTx,
    actor: &Actor,
    case_id: uuid::Uuid,
) -> AppResult<uuid::Uuid> {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT COALESCE(represents_party_id, id) AS party_id FROM parties
             WHERE case_id = $1 AND user_id = $2 ORDER BY created_at LIMIT 1",
            [case_id.into(), actor.user_id.into()],
        ))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(row.try_get("", "party_id")?)
}

/// Builds the schedule the reader sees. Staff see every party's clock;
/// parties see their own and the mediator's, never the other side's zone.
async fn schedule_out(
    tx: &crate::db::TenantTx,
    actor: &Actor,
    case: &CaseRow,
    calendar: &CaseCalendar,
    found: Vec<slots::Slot>,
    staff: bool,
    my_party_id: Option<uuid::Uuid>,
) -> AppResult<CaseSchedule> {
    let zone = reader_zone(tx, actor).await?;
    let mine = my_party_id.and_then(|id| calendar.parties.iter().find(|p| p.party_id == id));
    let slots = found
        .into_iter()
        .map(|s| {
            let mut local_times = vec![label(ClockOf::You, zone, s.start)];
            local_times.push(label(ClockOf::Mediator, calendar.mediator_zone, s.start));
            if staff {
                for p in &calendar.parties {
                    if let Some(tz) = p.time_zone {
                        let who = if p.side == Side::Respondent {
                            ClockOf::Respondent
                        } else {
                            ClockOf::Claimant
                        };
                        local_times.push(label(who, tz, s.start));
                    }
                }
            }
            SlotOut {
                starts_at: s.start,
                ends_at: s.end,
                local_times,
            }
        })
        .collect();
    Ok(CaseSchedule {
        case_id: ID(case.id.to_string()),
        duration_minutes: calendar.settings.session_minutes(&case.dispute_type),
        time_zone: zone.name().to_owned(),
        parties: calendar
            .parties
            .iter()
            .map(|p| PartySchedule {
                party_id: ID(p.party_id.to_string()),
                side: p.side,
                has_joined: p.user_id.is_some(),
                answered: !p.windows.is_empty(),
            })
            .collect(),
        slots,
        sessions: sessions_out(tx, case.id).await?,
        my_windows: mine
            .map(|p| {
                p.windows
                    .iter()
                    .map(|w| WindowOut {
                        starts_at: w.start,
                        ends_at: w.end,
                    })
                    .collect()
            })
            .unwrap_or_default(),
        can_book: staff,
    })
}

/// Records a booking on the timeline and in the audit log.
async fn record_booking(
    rc: &RequestContext,
    tx: &crate::db::TenantTx,
    actor: &Actor,
    session: &Session,
) -> AppResult<()> {
    timeline::record_without_note(
        tx,
        NewEvent {
            case_id: session.case_id,
            actor_id: Some(actor.user_id),
            kind: "session.booked",
            visibility: Visibility::Everyone,
            detail: serde_json::json!({ "sessionId": session.id, "scheduledFor": session.scheduled_for }),
            note: None,
        },
    )
    .await?;
    super::notify::session_booked(tx, session).await?;
    super::caldav::sessions_changed(tx, session.mediator_id).await?;
    audit::record(
        tx,
        &rc.client,
        NewEntry::new(Some(actor.user_id), AuditAction::SessionBooked)
            .target("session", session.id),
    )
    .await
}

/// A move or cancellation's reason: required, at most 1 000 characters.
fn reason_of(reason: &str) -> AppResult<&str> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::validation("reason", "required"));
    }
    if reason.chars().count() > 1000 {
        return Err(AppError::validation("reason", "too_long"));
    }
    Ok(reason)
}

/// Opens the session's case for a change by the actor: staff running the
/// case any time; parties when the organization lets them, until its
/// cut-off before the session.
async fn open_for_change(
    tx: &crate::db::TenantTx,
    actor: &Actor,
    session_id: &ID,
    now: DateTime<Utc>,
) -> AppResult<(CaseRow, Session, bool)> {
    let id = access::parse_id(session_id.as_str())?;
    let session = booking::load_session(tx, id, false)
        .await?
        .ok_or(AppError::NotFound)?;
    let (case, rel) = access::open(tx, actor, session.case_id, CaseAction::View, true).await?;
    access::check_editable(&case, None)?;
    let session = booking::load_session(tx, id, true)
        .await?
        .ok_or(AppError::NotFound)?;
    let staff = crate::authz::cases::authorize_case(actor, &rel, CaseAction::BookSessions).is_ok();
    if !staff {
        crate::authz::cases::authorize_case(actor, &rel, CaseAction::GiveAvailability)?;
        let rules = settings::load(tx).await?;
        if !rules.parties_may_reschedule() {
            return Err(AppError::Forbidden);
        }
        let cutoff = TimeDelta::hours(i64::from(rules.party_change_cutoff_hours()));
        if session.scheduled_for - now < cutoff {
            return Err(AppError::Conflict(
                "It is too close to the session to change it here. Please contact the case manager.",
            ));
        }
    }
    Ok((case, session, staff))
}

/// Records a move or cancellation: the timeline for everyone (the reason
/// for the staff only), the audit log, and the calendar notices.
async fn record_change(
    rc: &RequestContext,
    tx: &crate::db::TenantTx,
    key: &crate::crypto::tenant::TenantKey,
    actor: &Actor,
    session: &Session,
    change: notify::Change,
    reason: &str,
) -> AppResult<()> {
    let kind = match change {
        notify::Change::Rescheduled => "session.rescheduled",
        notify::Change::Cancelled => "session.cancelled",
    };
    let detail =
        serde_json::json!({ "sessionId": session.id, "scheduledFor": session.scheduled_for });
    timeline::record_without_note(
        tx,
        NewEvent {
            case_id: session.case_id,
            actor_id: Some(actor.user_id),
            kind,
            visibility: Visibility::Everyone,
            detail: detail.clone(),
            note: None,
        },
    )
    .await?;
    timeline::record(
        tx,
        key,
        NewEvent {
            case_id: session.case_id,
            actor_id: Some(actor.user_id),
            kind: "session.change_reason",
            visibility: Visibility::Staff,
            detail,
            note: Some(reason),
        },
    )
    .await?;
    audit::record(
        tx,
        &rc.client,
        NewEntry::new(Some(actor.user_id), AuditAction::SessionChanged)
            .target("session", session.id),
    )
    .await?;
    super::caldav::sessions_changed(tx, session.mediator_id).await?;
    notify::session_changed(tx, session, change).await
}

fn is_staff(actor: &Actor) -> bool {
    actor.has(RoleKey::CaseManager) || actor.has(RoleKey::OrgAdmin) || actor.has(RoleKey::Mediator)
}

#[derive(Default)]
pub struct SchedulingQuery;

#[Object]
impl SchedulingQuery {
    /// The case's schedule: proposed times, who has said when they can,
    /// sessions booked. Staff running the case and its parties.
    async fn case_schedule(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        #[graphql(validator(minimum = 1, maximum = 100))] limit: Option<i32>,
    ) -> async_graphql::Result<CaseSchedule> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let (tx, _key) = open_tx(rc, actor).await?;
        let case_id = access::parse_id(case_id.as_str())?;
        let (case, rel) = access::open(&tx, actor, case_id, CaseAction::View, false).await?;
        let staff =
            crate::authz::cases::authorize_case(actor, &rel, CaseAction::BookSessions).is_ok();
        let party = if staff {
            None
        } else {
            crate::authz::cases::authorize_case(actor, &rel, CaseAction::GiveAvailability)?;
            Some(my_party(&tx, actor, case_id).await?)
        };
        let now = Utc::now();
        let (calendar, found) =
            booking::search(&tx, &case, now, limit.unwrap_or(20) as usize).await?;
        let out = schedule_out(
            &tx,
            actor,
            &case,
            &calendar,
            found,
            staff && is_staff(actor),
            party,
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(out)
    }
}

#[derive(Default)]
pub struct SchedulingMutation;

#[Object]
impl SchedulingMutation {
    /// Says when your side can attend (replacing what you said before). When
    /// everyone who must attend has answered and a time suits them all, the
    /// earliest such time is booked at once.
    async fn set_my_availability(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        #[graphql(validator(max_items = 200))] windows: Vec<WindowInput>,
    ) -> async_graphql::Result<CaseSchedule> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let (tx, _key) = open_tx(rc, actor).await?;
        let case_id = access::parse_id(case_id.as_str())?;
        let (case, _) =
            access::open(&tx, actor, case_id, CaseAction::GiveAvailability, true).await?;
        access::check_editable(&case, None)?;
        let party = my_party(&tx, actor, case_id).await?;
        let now = Utc::now();
        let windows: Vec<Interval> = windows
            .iter()
            .map(|w| Interval::new(w.starts_at, w.ends_at))
            .collect();
        availability::set_party_windows(&tx, case_id, party, &windows, now).await?;
        let (calendar, found) = booking::search(&tx, &case, now, 20).await?;
        let already = booking::for_case(&tx, case_id)
            .await?
            .iter()
            .any(|s| s.status == "booked" && s.scheduled_for > now);
        if calendar.everyone_answered()
            && !already
            && let Some(first) = found.first()
        {
            let session = booking::book(&tx, &case, first.start, Some(actor.user_id), now).await?;
            record_booking(rc, &tx, actor, &session).await?;
        }
        let (calendar, found) = booking::search(&tx, &case, now, 20).await?;
        let out = schedule_out(&tx, actor, &case, &calendar, found, false, Some(party)).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(out)
    }

    /// Moves a booked session (staff any time; parties within the
    /// organization's policy). A reason is required. The freed time goes to
    /// the first case waiting for an earlier one.
    async fn reschedule_session(
        &self,
        ctx: &Context<'_>,
        session_id: ID,
        starts_at: DateTime<Utc>,
        #[graphql(validator(max_length = 2000))] reason: String,
    ) -> async_graphql::Result<SessionOut> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let reason = reason_of(&reason)?.to_owned();
        let now = Utc::now();
        if starts_at <= now {
            return Err(AppError::validation("startsAt", "past").into());
        }
        let (tx, key) = open_tx(rc, actor).await?;
        let (case, session, _) = open_for_change(&tx, actor, &session_id, now).await?;
        let moved = booking::reschedule(&tx, &case, &session, starts_at, now).await?;
        record_change(
            rc,
            &tx,
            &key,
            actor,
            &moved,
            notify::Change::Rescheduled,
            &reason,
        )
        .await?;
        waitlist::offer_next(&tx, moved.mediator_id, now).await?;
        let out = session_out(&tx, moved).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(out)
    }

    /// Cancels a booked session (staff any time; parties within the
    /// organization's policy), with a reason. Its time goes to the first case
    /// waiting for an earlier one.
    async fn cancel_session(
        &self,
        ctx: &Context<'_>,
        session_id: ID,
        #[graphql(validator(max_length = 2000))] reason: String,
    ) -> async_graphql::Result<SessionOut> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let reason = reason_of(&reason)?.to_owned();
        let now = Utc::now();
        let (tx, key) = open_tx(rc, actor).await?;
        let (_, session, _) = open_for_change(&tx, actor, &session_id, now).await?;
        let cancelled = booking::cancel(&tx, &session).await?;
        record_change(
            rc,
            &tx,
            &key,
            actor,
            &cancelled,
            notify::Change::Cancelled,
            &reason,
        )
        .await?;
        waitlist::offer_next(&tx, cancelled.mediator_id, now).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(cancelled.into())
    }

    /// Asks for an earlier time for a booked session: when one frees up it
    /// is held for this case for a few hours (oldest request first).
    async fn wait_for_earlier_time(
        &self,
        ctx: &Context<'_>,
        session_id: ID,
    ) -> async_graphql::Result<WaitlistOut> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let now = Utc::now();
        let (tx, _key) = open_tx(rc, actor).await?;
        let (_, session, _) = open_for_change(&tx, actor, &session_id, now).await?;
        let entry = waitlist::join(&tx, &session, actor.user_id, now).await?;
        let entry = waitlist::open_for(&tx, session.id).await?.unwrap_or(entry);
        tx.commit().await.map_err(AppError::from)?;
        Ok(entry.into())
    }

    /// Takes the earlier time held for the case: the session moves there.
    async fn accept_earlier_time(
        &self,
        ctx: &Context<'_>,
        waitlist_id: ID,
    ) -> async_graphql::Result<SessionOut> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let now = Utc::now();
        let (tx, key) = open_tx(rc, actor).await?;
        let entry = waitlist::load(&tx, access::parse_id(waitlist_id.as_str())?)
            .await?
            .ok_or(AppError::NotFound)?;
        let (_, rel) = access::open(&tx, actor, entry.case_id, CaseAction::View, false).await?;
        if crate::authz::cases::authorize_case(actor, &rel, CaseAction::BookSessions).is_err() {
            crate::authz::cases::authorize_case(actor, &rel, CaseAction::GiveAvailability)?;
        }
        let moved = waitlist::accept(&tx, &entry, now).await?;
        record_change(
            rc,
            &tx,
            &key,
            actor,
            &moved,
            notify::Change::Rescheduled,
            "Moved to an earlier time from the waiting list.",
        )
        .await?;
        let out = session_out(&tx, moved).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(out)
    }

    /// Books the case's session at `startsAt` (staff running the case). A
    /// time that was taken meanwhile is refused with `SLOT_TAKEN` and the
    /// times that fit now in `extensions.slots`.
    async fn book_session(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        starts_at: DateTime<Utc>,
    ) -> async_graphql::Result<SessionOut> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let (tx, _key) = open_tx(rc, actor).await?;
        let case_id = access::parse_id(case_id.as_str())?;
        let (case, _) = access::open(&tx, actor, case_id, CaseAction::BookSessions, true).await?;
        access::check_editable(&case, None)?;
        let now = Utc::now();
        if starts_at <= now {
            return Err(AppError::validation("startsAt", "past").into());
        }
        let session = booking::book(&tx, &case, starts_at, Some(actor.user_id), now).await?;
        record_booking(rc, &tx, actor, &session).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(session.into())
    }
}

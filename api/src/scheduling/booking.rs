//! Slot search and booking for one case: the lead mediator's week, time off
//! and sessions, the windows of the parties who gave them, and the
//! organization's rules go into [`slots::find_slots`]; a booking re-checks
//! its time under the mediator's lock and is inserted under an exclusion
//! constraint, so two bookings racing for the same time cannot both win.

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement, TransactionTrait};
use uuid::Uuid;

use super::availability;
use super::settings::{self, SchedulingSettings};
use super::slots::{self, Interval, MediatorCalendar, PartyAvailability, SearchRequest, Slot};
use crate::authz::cases::Side;
use crate::cases::access::CaseRow;
use crate::db::{self, TenantTx};
use crate::error::{AppError, AppResult};

/// How far ahead searches look.
pub const HORIZON_DAYS: i64 = 120;
/// Fresh proposals offered when a time was taken.
pub const FRESH_PROPOSALS: usize = 5;

/// A party who must attend a session of the case.
#[derive(Debug, Clone)]
pub struct RequiredParty {
    pub party_id: Uuid,
    /// None until they joined.
    pub user_id: Option<Uuid>,
    pub side: Side,
    pub time_zone: Option<Tz>,
    pub windows: Vec<Interval>,
}

/// Everything a search on the case needs.
pub struct CaseCalendar {
    pub mediator_id: Uuid,
    pub mediator_zone: Tz,
    pub settings: SchedulingSettings,
    pub parties: Vec<RequiredParty>,
    calendar: MediatorCalendar,
}

impl CaseCalendar {
    /// A search from `now`, constrained by every party who gave windows.
    pub fn request(&self, case: &CaseRow, now: DateTime<Utc>, limit: usize) -> SearchRequest {
        SearchRequest {
            now,
            duration_minutes: self.settings.session_minutes(&case.dispute_type),
            horizon_end: now + TimeDelta::days(HORIZON_DAYS),
            not_before: None,
            limit,
            rules: self.settings.rules(),
            mediator: self.calendar.clone(),
            parties: self
                .parties
                .iter()
                .filter(|p| !p.windows.is_empty())
                .map(|p| PartyAvailability {
                    tz: p.time_zone.unwrap_or(self.mediator_zone),
                    windows: p.windows.clone(),
                })
                .collect(),
        }
    }

    /// A search for moving `session`: its own time left out (it must not
    /// stand in its own way) and its length kept.
    pub fn move_request(
        &mut self,
        case: &CaseRow,
        session: &Session,
        now: DateTime<Utc>,
        limit: usize,
    ) -> SearchRequest {
        self.calendar
            .bookings
            .retain(|b| b.start != session.scheduled_for);
        let mut request = self.request(case, now, limit);
        request.duration_minutes = u32::try_from(session.duration_minutes).unwrap_or(0);
        request
    }

    /// Whether every party who must attend has joined and said when they can.
    pub fn everyone_answered(&self) -> bool {
        !self.parties.is_empty()
            && self
                .parties
                .iter()
                .all(|p| p.user_id.is_some() && !p.windows.is_empty())
    }
}

/// A booked mediator's sessions as intervals, for the search.
async fn bookings(
    tx: &TenantTx,
    mediator_id: Uuid,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> AppResult<Vec<Interval>> {
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "SELECT scheduled_for, duration_minutes FROM sessions
                 WHERE mediator_id = $1 AND status = 'booked' AND scheduled_for >= $2 AND scheduled_for < $3
                 ORDER BY scheduled_for LIMIT {}",
                slots::MAX_BOOKINGS
            ),
            [mediator_id.into(), from.into(), until.into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            let start = db::utc(r, "scheduled_for")?;
            let minutes: i32 = r.try_get("", "duration_minutes")?;
            Ok(Interval::new(
                start,
                start + TimeDelta::minutes(i64::from(minutes)),
            ))
        })
        .collect()
}

/// The parties who must attend (the claimant and respondent parties), each
/// with their windows from `now` on: the windows of the whole case in one
/// statement (a search makes as few round trips as it can).
async fn required_parties(
    tx: &TenantTx,
    case_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<Vec<RequiredParty>> {
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT p.id, p.user_id, p.side, pr.timezone FROM parties p
             LEFT JOIN profiles pr ON pr.user_id = p.user_id
             WHERE p.case_id = $1 AND p.party_type IN ('claimant', 'respondent')
             ORDER BY p.created_at, p.id",
            [case_id.into()],
        ))
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let side: String = row.try_get("", "side")?;
        let zone: Option<String> = row.try_get("", "timezone")?;
        out.push(RequiredParty {
            party_id: row.try_get("", "id")?,
            user_id: row.try_get("", "user_id")?,
            side: Side::parse(&side).unwrap_or(Side::Neutral),
            time_zone: zone.and_then(|z| z.parse().ok()),
            windows: Vec::new(),
        });
    }
    if out.is_empty() {
        return Ok(out);
    }
    // A party keeps at most a few hundred windows (set_party_windows); the
    // limit only bounds what one statement may bring back.
    let windows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "SELECT party_id, lower(during) AS starts_at, upper(during) AS ends_at FROM party_availability
                 WHERE case_id = $1 AND upper(during) > $2 ORDER BY party_id, lower(during) LIMIT {}",
                slots::MAX_WINDOWS_PER_PARTY
            ),
            [case_id.into(), now.into()],
        ))
        .await?;
    for row in &windows {
        let party_id: Uuid = row.try_get("", "party_id")?;
        if let Some(party) = out.iter_mut().find(|p| p.party_id == party_id) {
            party.windows.push(Interval::new(
                db::utc(row, "starts_at")?,
                db::utc(row, "ends_at")?,
            ));
        }
    }
    Ok(out)
}

/// Loads the case's calendar. A case without a mediator, or whose mediator
/// has no working week yet, cannot be scheduled: said with a clear conflict.
pub async fn calendar(
    tx: &TenantTx,
    case: &CaseRow,
    now: DateTime<Utc>,
) -> AppResult<CaseCalendar> {
    let mediator_id = case
        .lead_mediator_id
        .ok_or(AppError::Conflict("The case has no mediator yet."))?;
    let week = availability::week(tx, mediator_id)
        .await?
        .ok_or(AppError::Conflict(
            "The mediator has not set working hours yet.",
        ))?;
    let since = now - TimeDelta::days(2);
    // Nothing past the search's horizon can stand in a slot's way.
    let until = now + TimeDelta::days(HORIZON_DAYS + 1);
    let (time_off, busy) = availability::blocking(tx, mediator_id, since, until).await?;
    let calendar = MediatorCalendar {
        tz: week.time_zone,
        weekly: week.hours,
        exceptions: availability::exceptions(tx, mediator_id, since.date_naive()).await?,
        time_off,
        bookings: bookings(tx, mediator_id, since, until).await?,
        busy,
    };
    Ok(CaseCalendar {
        mediator_id,
        mediator_zone: week.time_zone,
        settings: settings::load(tx).await?,
        parties: required_parties(tx, case.id, now).await?,
        calendar,
    })
}

/// Proposed slots for the case, earliest first.
pub async fn search(
    tx: &TenantTx,
    case: &CaseRow,
    now: DateTime<Utc>,
    limit: usize,
) -> AppResult<(CaseCalendar, Vec<Slot>)> {
    let calendar = calendar(tx, case, now).await?;
    let found =
        slots::find_slots(&calendar.request(case, now, limit)).map_err(availability::invalid)?;
    Ok((calendar, found))
}

/// A booked session.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: Uuid,
    pub case_id: Uuid,
    pub mediator_id: Uuid,
    pub scheduled_for: DateTime<Utc>,
    pub duration_minutes: i32,
    pub status: String,
    pub video_room_id: String,
    pub sequence: i32,
    pub version: i32,
    /// The meeting room it is held in, for sessions with someone on site.
    pub meeting_room_id: Option<Uuid>,
}

pub(crate) const SESSION_COLUMNS: &str = "id, case_id, mediator_id, scheduled_for, duration_minutes, status, video_room_id, sequence, version, meeting_room_id";

pub(crate) fn session_from(row: &QueryResult) -> AppResult<Session> {
    Ok(Session {
        id: row.try_get("", "id")?,
        case_id: row.try_get("", "case_id")?,
        mediator_id: row.try_get("", "mediator_id")?,
        scheduled_for: db::utc(row, "scheduled_for")?,
        duration_minutes: row.try_get("", "duration_minutes")?,
        status: row.try_get("", "status")?,
        video_room_id: row.try_get("", "video_room_id")?,
        sequence: row.try_get("", "sequence")?,
        version: row.try_get("", "version")?,
        meeting_room_id: row.try_get("", "meeting_room_id")?,
    })
}

/// The case's sessions, in time order.
pub async fn for_case(tx: &TenantTx, case_id: Uuid) -> AppResult<Vec<Session>> {
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE case_id = $1 ORDER BY scheduled_for, id LIMIT 200"),
            [case_id.into()],
        ))
        .await?;
    rows.iter().map(session_from).collect()
}

/// One mediator's bookings at a time: the per-day cap and the re-check see
/// each other's sessions (the exclusion constraint guards overlaps anyway).
async fn lock_mediator(tx: &TenantTx, mediator_id: Uuid) -> AppResult<()> {
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock(hashtextextended('schedule:' || $1::text || ':' || $2::text, 0))",
            [tx.scope().org_id.into(), mediator_id.into()],
        ))
        .await?;
    Ok(())
}

/// Whether a database error is the double-booking exclusion constraint.
fn is_double_booking(error: &sea_orm::DbErr) -> bool {
    db::violates(error, "sessions_no_double_booking")
}

/// Whether the search's first slot from `start` on starts exactly there.
fn fits_at(request: &mut SearchRequest, start: DateTime<Utc>) -> AppResult<bool> {
    request.not_before = Some(start);
    Ok(slots::find_slots(request)
        .map_err(availability::invalid)?
        .first()
        .is_some_and(|s| s.start == start))
}

/// The first start times that fit now, offered when a time was taken.
fn fresh_starts(mut request: SearchRequest) -> Vec<DateTime<Utc>> {
    request.not_before = None;
    request.limit = FRESH_PROPOSALS;
    slots::find_slots(&request)
        .map(|found| found.into_iter().map(|s| s.start).collect())
        .unwrap_or_default()
}

/// A session's `blocked` range: the session widened by half the buffer on
/// each side, so two sessions' ranges overlap exactly when they are closer
/// than the buffer.
fn blocked_range(
    start: DateTime<Utc>,
    minutes: i32,
    buffer_minutes: u32,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let half_buffer = TimeDelta::seconds(i64::from(buffer_minutes) * 30);
    let end = start + TimeDelta::minutes(i64::from(minutes));
    (start - half_buffer, end + half_buffer)
}

/// Books the case's session at `start` if that time still fits everyone;
/// otherwise [`AppError::SlotTaken`] with the times that fit now. The case
/// row must be locked by the caller (bookings of one case go one by one).
pub async fn book(
    tx: &TenantTx,
    case: &CaseRow,
    start: DateTime<Utc>,
    booked_by: Option<Uuid>,
    now: DateTime<Utc>,
) -> AppResult<Session> {
    let mediator_id = case
        .lead_mediator_id
        .ok_or(AppError::Conflict("The case has no mediator yet."))?;
    lock_mediator(tx, mediator_id).await?;
    let calendar = calendar(tx, case, now).await?;
    let mut request = calendar.request(case, now, 1);
    if !fits_at(&mut request, start)? {
        return Err(AppError::SlotTaken(fresh_starts(request)));
    }
    let duration = request.duration_minutes as i32;
    let (blocked_from, blocked_to) = blocked_range(start, duration, request.rules.buffer_minutes);
    let id = Uuid::now_v7();
    let room = format!("room_{}", Uuid::new_v4().simple());
    // A savepoint: when the constraint refuses the row, the transaction
    // stays usable to work out the fresh proposals.
    let savepoint = tx.conn().begin().await?;
    let inserted = savepoint
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "INSERT INTO sessions (id, org_id, case_id, mediator_id, scheduled_for, duration_minutes, blocked,
                                       video_room_id, access_policy_json, booked_by)
                 VALUES ($1, $2, $3, $4, $5, $6, tstzrange($7, $8), $9, $10, $11)
                 RETURNING {SESSION_COLUMNS}"
            ),
            [
                id.into(),
                tx.scope().org_id.into(),
                case.id.into(),
                mediator_id.into(),
                start.into(),
                duration.into(),
                blocked_from.into(),
                blocked_to.into(),
                room.into(),
                serde_json::json!({ "lobby": true, "singleUseLinks": true }).into(),
                booked_by.into(),
            ],
        ))
        .await;
    match inserted {
        Ok(Some(row)) => {
            savepoint.commit().await?;
            let session = session_from(&row)?;
            close_video_at_end(tx, &session).await?;
            // Its parties are sent their join links.
            crate::video::invite::on_booked(tx, session.id).await?;
            Ok(session)
        }
        Ok(None) => Err(AppError::Internal(anyhow::anyhow!(
            "session insert returned nothing"
        ))),
        Err(error) if is_double_booking(&error) => {
            savepoint.rollback().await?;
            Err(AppError::SlotTaken(fresh_starts(request)))
        }
        Err(error) => Err(error.into()),
    }
}

/// The session `id`, locked for an update when `lock`.
pub async fn load_session(tx: &TenantTx, id: Uuid, lock: bool) -> AppResult<Option<Session>> {
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "SELECT {SESSION_COLUMNS} FROM sessions WHERE id = $1{}",
                if lock { " FOR UPDATE" } else { "" }
            ),
            [id.into()],
        ))
        .await?;
    row.as_ref().map(session_from).transpose()
}

/// Moves a booked session to `start`, keeping its length, if that time fits
/// (the session's own old time aside); raises its calendar `sequence`.
pub async fn reschedule(
    tx: &TenantTx,
    case: &CaseRow,
    session: &Session,
    start: DateTime<Utc>,
    now: DateTime<Utc>,
) -> AppResult<Session> {
    if session.status != "booked" {
        return Err(AppError::Conflict("Only a booked session can be moved."));
    }
    lock_mediator(tx, session.mediator_id).await?;
    let mut calendar = calendar(tx, case, now).await?;
    let mut request = calendar.move_request(case, session, now, 1);
    if !fits_at(&mut request, start)? {
        return Err(AppError::SlotTaken(fresh_starts(request)));
    }
    let (blocked_from, blocked_to) = blocked_range(
        start,
        session.duration_minutes,
        request.rules.buffer_minutes,
    );
    if let Some(room_id) = session.meeting_room_id {
        super::rooms::lock(tx, room_id).await?;
    }
    let savepoint = tx.conn().begin().await?;
    // The session keeps its room when the room is free at the new time, and
    // is taken out of it otherwise (the staff then choose another).
    let updated = savepoint
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "UPDATE sessions s SET scheduled_for = $2, blocked = tstzrange($3, $4),
                        sequence = sequence + 1, version = version + 1,
                        meeting_room_id = CASE WHEN NOT EXISTS (
                            SELECT 1 FROM sessions o
                            WHERE o.meeting_room_id = s.meeting_room_id AND o.id <> s.id AND o.status = 'booked'
                              AND o.blocked && tstzrange($3, $4)) THEN s.meeting_room_id END
                 WHERE id = $1 AND status = 'booked' RETURNING {SESSION_COLUMNS}"
            ),
            [
                session.id.into(),
                start.into(),
                blocked_from.into(),
                blocked_to.into(),
            ],
        ))
        .await;
    match updated {
        Ok(Some(row)) => {
            savepoint.commit().await?;
            let moved = session_from(&row)?;
            if session.meeting_room_id.is_some() && moved.meeting_room_id.is_none() {
                // Its room is taken at the new time: the staff see it on the
                // timeline and choose another.
                super::rooms::record_change(tx, &Default::default(), None, &moved).await?;
            }
            close_video_at_end(tx, &moved).await?;
            Ok(moved)
        }
        Ok(None) => Err(AppError::NotFound),
        Err(error) if is_double_booking(&error) => {
            savepoint.rollback().await?;
            Err(AppError::SlotTaken(fresh_starts(request)))
        }
        Err(error) => Err(error.into()),
    }
}

/// Cancels a booked session; raises its calendar `sequence`.
pub async fn cancel(tx: &TenantTx, session: &Session) -> AppResult<Session> {
    if session.status != "booked" {
        return Err(AppError::Conflict(
            "Only a booked session can be cancelled.",
        ));
    }
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "UPDATE sessions SET status = 'cancelled', sequence = sequence + 1, version = version + 1
                 WHERE id = $1 AND status = 'booked' RETURNING {SESSION_COLUMNS}"
            ),
            [session.id.into()],
        ))
        .await?
        .ok_or(AppError::NotFound)?;
    let cancelled = session_from(&row)?;
    crate::video::revoke::close_session_at(tx, cancelled.id, chrono::Utc::now()).await?;
    Ok(cancelled)
}

/// The session's video closes by itself after its time (docs/video.md).
async fn close_video_at_end(tx: &TenantTx, session: &Session) -> AppResult<()> {
    let ends =
        session.scheduled_for + chrono::Duration::minutes(i64::from(session.duration_minutes));
    crate::video::revoke::close_session_at(tx, session.id, ends).await
}

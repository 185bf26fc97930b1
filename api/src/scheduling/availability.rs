//! Stored availability: a mediator's working week (in their own zone), the
//! dates they work other hours, and their time off; a party's windows for a
//! case. Everything is checked with the slot-finding rules before it is
//! kept, so a search never meets a week it cannot read.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement};
use uuid::Uuid;

use super::slots::{
    self, DateException, Interval, MAX_EXCEPTIONS, MAX_TIME_OFF, SlotError, TimeRange, WeeklyHours,
};
use crate::db::{self, TenantTx};
use crate::error::{AppError, AppResult};

/// A mediator's working week as kept.
#[derive(Debug, Clone)]
pub struct Week {
    pub time_zone: Tz,
    pub hours: WeeklyHours,
    pub version: i32,
}

/// Parses an IANA zone name (`Europe/Madrid`).
pub fn parse_zone(name: &str) -> AppResult<Tz> {
    name.trim()
        .parse::<Tz>()
        .map_err(|_| AppError::validation("timeZone", "unknown_zone"))
}

/// What a slot-finding check said about input, as a typed validation error.
pub fn invalid(error: SlotError) -> AppError {
    let field = match error {
        SlotError::InvertedRange { .. }
        | SlotError::OverlappingRanges { .. }
        | SlotError::TooManyRanges { .. } => "hours",
        SlotError::DuplicateException { .. } | SlotError::TooManyExceptions { .. } => "date",
        SlotError::OverlappingWindows { .. }
        | SlotError::WindowInPast { .. }
        | SlotError::WindowTooFar { .. } => "windows",
        SlotError::DurationOutOfRange { .. } => "durationMinutes",
        _ => "input",
    };
    let reason = match error {
        SlotError::InvertedRange { .. } | SlotError::InvertedInterval { .. } => "inverted",
        SlotError::OverlappingRanges { .. } | SlotError::OverlappingWindows { .. } => "overlap",
        SlotError::WindowInPast { .. } => "past",
        SlotError::WindowTooFar { .. } | SlotError::HorizonTooFar => "too_far",
        SlotError::TooManyRanges { .. }
        | SlotError::TooManyExceptions { .. }
        | SlotError::TooManyIntervals { .. }
        | SlotError::TooManyParties { .. } => "too_many",
        SlotError::DuplicateException { .. } => "duplicate",
        _ => "range",
    };
    AppError::validation(field, reason)
}

/// The mediator's week, if they set one.
pub async fn week(tx: &TenantTx, user_id: Uuid) -> AppResult<Option<Week>> {
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT time_zone, weekly_hours, version FROM mediator_availability WHERE user_id = $1",
            [user_id.into()],
        ))
        .await?;
    let Some(row) = row else { return Ok(None) };
    let zone: String = row.try_get("", "time_zone")?;
    let hours: serde_json::Value = row.try_get("", "weekly_hours")?;
    Ok(Some(Week {
        time_zone: zone
            .parse()
            .map_err(|_| AppError::Internal(anyhow::anyhow!("stored zone does not parse")))?,
        hours: serde_json::from_value(hours)
            .map_err(|_| AppError::Internal(anyhow::anyhow!("stored week does not parse")))?,
        version: row.try_get("", "version")?,
    }))
}

/// Sets the mediator's week. `version` is the one the editor started from
/// (`None` for the first time); a different stored one is refused as stale.
pub async fn set_week(
    tx: &TenantTx,
    user_id: Uuid,
    zone: &str,
    hours: &WeeklyHours,
    version: Option<i32>,
) -> AppResult<Week> {
    let tz = parse_zone(zone)?;
    hours.validate().map_err(invalid)?;
    let json = serde_json::to_value(hours)
        .map_err(|_| AppError::Internal(anyhow::anyhow!("week does not serialize")))?;
    let row = match version {
        None => {
            tx.conn()
                .query_one(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "INSERT INTO mediator_availability (org_id, user_id, time_zone, weekly_hours)
                     VALUES ($1, $2, $3, $4) ON CONFLICT (org_id, user_id) DO NOTHING RETURNING version",
                    [
                        tx.scope().org_id.into(),
                        user_id.into(),
                        tz.name().into(),
                        json.into(),
                    ],
                ))
                .await?
        }
        Some(v) => {
            tx.conn()
                .query_one(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "UPDATE mediator_availability SET time_zone = $2, weekly_hours = $3, version = version + 1
                     WHERE user_id = $1 AND version = $4 RETURNING version",
                    [user_id.into(), tz.name().into(), json.into(), v.into()],
                ))
                .await?
        }
    };
    let row = row.ok_or(AppError::StaleVersion)?;
    Ok(Week {
        time_zone: tz,
        hours: hours.clone(),
        version: row.try_get("", "version")?,
    })
}

fn exception_from(row: &QueryResult) -> AppResult<DateException> {
    let ranges: serde_json::Value = row.try_get("", "ranges")?;
    Ok(DateException {
        date: row.try_get("", "on_date")?,
        ranges: serde_json::from_value(ranges)
            .map_err(|_| AppError::Internal(anyhow::anyhow!("stored exception does not parse")))?,
    })
}

/// The mediator's exceptions from `from` on, by date.
pub async fn exceptions(
    tx: &TenantTx,
    user_id: Uuid,
    from: NaiveDate,
) -> AppResult<Vec<DateException>> {
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "SELECT on_date, ranges FROM availability_exceptions WHERE user_id = $1 AND on_date >= $2
                 ORDER BY on_date LIMIT {MAX_EXCEPTIONS}"
            ),
            [user_id.into(), from.into()],
        ))
        .await?;
    rows.iter().map(exception_from).collect()
}

/// Sets (or, with `None`, removes) the hours of one date.
pub async fn set_exception(
    tx: &TenantTx,
    user_id: Uuid,
    date: NaiveDate,
    ranges: Option<Vec<TimeRange>>,
) -> AppResult<()> {
    match ranges {
        None => {
            tx.conn()
                .execute(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "DELETE FROM availability_exceptions WHERE user_id = $1 AND on_date = $2",
                    [user_id.into(), date.into()],
                ))
                .await?;
        }
        Some(ranges) => {
            let exception = DateException::hours(date, ranges);
            exception.validate().map_err(invalid)?;
            let json = serde_json::to_value(&exception.ranges)
                .map_err(|_| AppError::Internal(anyhow::anyhow!("ranges do not serialize")))?;
            tx.conn()
                .execute(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "INSERT INTO availability_exceptions (id, org_id, user_id, on_date, ranges)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (org_id, user_id, on_date) DO UPDATE SET ranges = EXCLUDED.ranges, updated_at = now()",
                    [
                        Uuid::now_v7().into(),
                        tx.scope().org_id.into(),
                        user_id.into(),
                        date.into(),
                        json.into(),
                    ],
                ))
                .await?;
        }
    }
    Ok(())
}

/// A stretch of time away.
#[derive(Debug, Clone)]
pub struct TimeOff {
    pub id: Uuid,
    pub during: Interval,
}

/// The mediator's own time away after `from` (listed and removable; at
/// most [`MAX_TIME_OFF`]).
pub async fn time_away(
    tx: &TenantTx,
    user_id: Uuid,
    from: DateTime<Utc>,
) -> AppResult<Vec<TimeOff>> {
    blocked(
        tx,
        user_id,
        from,
        DateTime::<Utc>::MAX_UTC,
        "time_off",
        MAX_TIME_OFF,
    )
    .await
}

/// What blocks the mediator's time in `[from, until)`: time away, and busy
/// times read from connected calendars. One more than the slot finder
/// accepts is read of each, so too many is refused rather than silently
/// cut. One statement for both (a search makes as few round trips as it
/// can), each side found through `mediator_busy_search_idx`.
pub async fn blocking(
    tx: &TenantTx,
    user_id: Uuid,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> AppResult<(Vec<Interval>, Vec<Interval>)> {
    let part = |source: &str, limit: usize| {
        format!(
            "(SELECT source, lower(during) AS starts_at, upper(during) AS ends_at FROM mediator_busy
              WHERE user_id = $1 AND source = '{source}' AND upper(during) > $2 AND lower(during) < $3
              ORDER BY lower(during) LIMIT {limit})"
        )
    };
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "{} UNION ALL {}",
                part("time_off", MAX_TIME_OFF + 1),
                part("calendar", slots::MAX_BUSY + 1)
            ),
            [user_id.into(), from.into(), until.into()],
        ))
        .await?;
    let (mut away, mut busy) = (Vec::new(), Vec::new());
    for row in &rows {
        let during = Interval::new(db::utc(row, "starts_at")?, db::utc(row, "ends_at")?);
        let source: String = row.try_get("", "source")?;
        if source == "time_off" {
            away.push(during);
        } else {
            busy.push(during);
        }
    }
    Ok((away, busy))
}

async fn blocked(
    tx: &TenantTx,
    user_id: Uuid,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    source: &str,
    limit: usize,
) -> AppResult<Vec<TimeOff>> {
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "SELECT id, lower(during) AS starts_at, upper(during) AS ends_at FROM mediator_busy
                 WHERE user_id = $1 AND upper(during) > $2 AND lower(during) < $3 AND source = $4
                 ORDER BY lower(during) LIMIT {limit}"
            ),
            [user_id.into(), from.into(), until.into(), source.into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok(TimeOff {
                id: r.try_get("", "id")?,
                during: Interval::new(db::utc(r, "starts_at")?, db::utc(r, "ends_at")?),
            })
        })
        .collect()
}

pub async fn add_time_off(tx: &TenantTx, user_id: Uuid, during: Interval) -> AppResult<Uuid> {
    if during.start >= during.end {
        return Err(AppError::validation("endsAt", "inverted"));
    }
    if during.end - during.start > chrono::TimeDelta::days(366) {
        return Err(AppError::validation("endsAt", "too_far"));
    }
    let id = Uuid::now_v7();
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO mediator_busy (id, org_id, user_id, during) VALUES ($1, $2, $3, tstzrange($4, $5))",
            [
                id.into(),
                tx.scope().org_id.into(),
                user_id.into(),
                during.start.into(),
                during.end.into(),
            ],
        ))
        .await?;
    Ok(id)
}

/// Removes the mediator's time off `id` (someone else's is not found, and
/// so is a busy time read from a connected calendar: the next sync would
/// bring it back).
pub async fn remove_time_off(tx: &TenantTx, user_id: Uuid, id: Uuid) -> AppResult<()> {
    let done = tx
        .conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "DELETE FROM mediator_busy WHERE id = $1 AND user_id = $2 AND source = 'time_off'",
            [id.into(), user_id.into()],
        ))
        .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// Most windows one party keeps for a case.
pub const MAX_PARTY_WINDOWS: usize = 200;

/// Replaces the party's windows on the case with `windows`, checked first
/// (no overlaps, none in the past, none a year away); nothing changes when
/// any is refused.
pub async fn set_party_windows(
    tx: &TenantTx,
    case_id: Uuid,
    party_id: Uuid,
    windows: &[Interval],
    now: DateTime<Utc>,
) -> AppResult<()> {
    if windows.len() > MAX_PARTY_WINDOWS {
        return Err(AppError::validation("windows", "too_many"));
    }
    slots::validate_windows(windows, now).map_err(invalid)?;
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "DELETE FROM party_availability WHERE party_id = $1",
            [party_id.into()],
        ))
        .await?;
    for window in windows {
        tx.conn()
            .execute(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "INSERT INTO party_availability (id, org_id, case_id, party_id, during)
                 VALUES ($1, $2, $3, $4, tstzrange($5, $6))",
                [
                    Uuid::now_v7().into(),
                    tx.scope().org_id.into(),
                    case_id.into(),
                    party_id.into(),
                    window.start.into(),
                    window.end.into(),
                ],
            ))
            .await?;
    }
    Ok(())
}

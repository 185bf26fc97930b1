//! GraphQL for a mediator's own time: the working week (theirs, or any
//! mediator's for those who keep the roster), dates with other hours, and
//! time away.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};

use super::availability::{self, Week};
use super::slots::{self, Interval, TimeRange, WeeklyHours};
use crate::authz::{self, Action, Actor};
use crate::cases::access;
use crate::error::{AppError, AppResult};
use crate::graphql::context::RequestContext;

#[derive(SimpleObject, Clone)]
pub struct TimeRangeOut {
    /// Local wall-clock time, `HH:MM`.
    pub start: String,
    /// `HH:MM`; `00:00` is midnight at the end of the day.
    pub end: String,
}

#[derive(InputObject)]
pub struct TimeRangeInput {
    pub start: String,
    pub end: String,
}

fn parse_time(value: &str, field: &'static str) -> AppResult<NaiveTime> {
    NaiveTime::parse_from_str(value.trim(), "%H:%M")
        .map_err(|_| AppError::validation(field, "format"))
}

fn ranges_in(input: &[TimeRangeInput]) -> AppResult<Vec<TimeRange>> {
    if input.len() > slots::MAX_RANGES_PER_DAY {
        return Err(AppError::validation("hours", "too_many"));
    }
    input
        .iter()
        .map(|r| {
            Ok(TimeRange::new(
                parse_time(&r.start, "hours")?,
                parse_time(&r.end, "hours")?,
            ))
        })
        .collect()
}

fn ranges_out(ranges: &[TimeRange]) -> Vec<TimeRangeOut> {
    ranges
        .iter()
        .map(|r| TimeRangeOut {
            start: r.start.format("%H:%M").to_string(),
            end: r.end.format("%H:%M").to_string(),
        })
        .collect()
}

/// A mediator's working week in their own zone.
#[derive(SimpleObject)]
pub struct WorkingWeek {
    pub mediator_id: ID,
    pub time_zone: String,
    /// Seven lists, Monday first.
    pub days: Vec<Vec<TimeRangeOut>>,
    /// Pass it back to `setWorkingWeek`; null before the first one is set.
    pub version: Option<i32>,
}

fn week_out(mediator_id: uuid::Uuid, week: Option<Week>) -> WorkingWeek {
    match week {
        Some(w) => WorkingWeek {
            mediator_id: ID(mediator_id.to_string()),
            time_zone: w.time_zone.name().to_owned(),
            days: w.hours.days.iter().map(|d| ranges_out(d)).collect(),
            version: Some(w.version),
        },
        None => WorkingWeek {
            mediator_id: ID(mediator_id.to_string()),
            time_zone: "UTC".into(),
            days: vec![Vec::new(); 7],
            version: None,
        },
    }
}

#[derive(InputObject)]
pub struct WorkingWeekInput {
    /// Whose week: yourself when left out (case managers may set anyone's).
    pub mediator_id: Option<ID>,
    #[graphql(validator(max_length = 64))]
    pub time_zone: String,
    /// Seven lists, Monday first.
    #[graphql(validator(min_items = 7, max_items = 7))]
    pub days: Vec<Vec<TimeRangeInput>>,
    /// The version the edit started from (null the first time).
    pub version: Option<i32>,
}

#[derive(SimpleObject)]
pub struct TimeOffOut {
    pub id: ID,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

#[derive(SimpleObject)]
pub struct ExceptionOut {
    pub date: NaiveDate,
    /// Empty: closed that day.
    pub hours: Vec<TimeRangeOut>,
}

/// The mediator whose calendar the actor means: themselves, or (for those
/// who keep the roster) anyone.
fn whose(actor: &Actor, mediator_id: Option<&ID>) -> AppResult<uuid::Uuid> {
    match mediator_id {
        Some(id) => {
            let id = access::parse_id(id.as_str())?;
            if id != actor.user_id {
                authz::authorize(actor, Action::ManageRoster)?;
            } else {
                authz::authorize(actor, Action::KeepOwnCalendar)?;
            }
            Ok(id)
        }
        None => {
            authz::authorize(actor, Action::KeepOwnCalendar)?;
            Ok(actor.user_id)
        }
    }
}

#[derive(Default)]
pub struct CalendarQuery;

#[Object]
impl CalendarQuery {
    /// A mediator's working week: yours, or (case managers) anyone's.
    async fn working_week(
        &self,
        ctx: &Context<'_>,
        mediator_id: Option<ID>,
    ) -> async_graphql::Result<WorkingWeek> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let who = whose(actor, mediator_id.as_ref())?;
        let tx = rc.tenant_tx(actor).await?;
        let week = availability::week(&tx, who).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(week_out(who, week))
    }

    /// Your time off still to come (mediators).
    async fn my_time_off(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<TimeOffOut>> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::KeepOwnCalendar)?;
        let tx = rc.tenant_tx(actor).await?;
        let out = availability::time_away(&tx, actor.user_id, Utc::now()).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(out
            .into_iter()
            .map(|t| TimeOffOut {
                id: ID(t.id.to_string()),
                starts_at: t.during.start,
                ends_at: t.during.end,
            })
            .collect())
    }

    /// Your dates with other hours than usual, from today (mediators).
    async fn my_availability_exceptions(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<ExceptionOut>> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::KeepOwnCalendar)?;
        let tx = rc.tenant_tx(actor).await?;
        let from = (Utc::now() - TimeDelta::days(1)).date_naive();
        let out = availability::exceptions(&tx, actor.user_id, from).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(out
            .into_iter()
            .map(|e| ExceptionOut {
                date: e.date,
                hours: ranges_out(&e.ranges),
            })
            .collect())
    }
}

#[derive(Default)]
pub struct CalendarMutation;

#[Object]
impl CalendarMutation {
    /// Sets a mediator's working week in their zone.
    async fn set_working_week(
        &self,
        ctx: &Context<'_>,
        input: WorkingWeekInput,
    ) -> async_graphql::Result<WorkingWeek> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let who = whose(actor, input.mediator_id.as_ref())?;
        let mut hours = WeeklyHours::new();
        for (day, ranges) in hours.days.iter_mut().zip(&input.days) {
            *day = ranges_in(ranges)?;
        }
        let tx = rc.tenant_tx(actor).await?;
        let week =
            availability::set_week(&tx, who, &input.time_zone, &hours, input.version).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(week_out(who, Some(week)))
    }

    /// Sets your hours on one date (an empty list: closed that day), or with
    /// `remove`, goes back to the usual week for it.
    async fn set_availability_exception(
        &self,
        ctx: &Context<'_>,
        date: NaiveDate,
        #[graphql(validator(max_items = 12))] hours: Vec<TimeRangeInput>,
        #[graphql(default = false)] remove: bool,
    ) -> async_graphql::Result<bool> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::KeepOwnCalendar)?;
        let ranges = if remove {
            None
        } else {
            Some(ranges_in(&hours)?)
        };
        let tx = rc.tenant_tx(actor).await?;
        availability::set_exception(&tx, actor.user_id, date, ranges).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(true)
    }

    async fn add_time_off(
        &self,
        ctx: &Context<'_>,
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
    ) -> async_graphql::Result<TimeOffOut> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::KeepOwnCalendar)?;
        let tx = rc.tenant_tx(actor).await?;
        let id = availability::add_time_off(&tx, actor.user_id, Interval::new(starts_at, ends_at))
            .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(TimeOffOut {
            id: ID(id.to_string()),
            starts_at,
            ends_at,
        })
    }

    async fn remove_time_off(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<bool> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::KeepOwnCalendar)?;
        let tx = rc.tenant_tx(actor).await?;
        availability::remove_time_off(&tx, actor.user_id, access::parse_id(id.as_str())?).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(true)
    }
}

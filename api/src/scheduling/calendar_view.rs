//! A mediator's sessions day by day, for the staff calendar view: the
//! mediator themselves, and case managers and org admins for anyone.
//! Sessions show the case reference and times, never case content.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use super::availability;
use crate::authz::{self, Action};
use crate::cases::access;
use crate::db;
use crate::error::AppError;
use crate::graphql::context::RequestContext;

#[derive(SimpleObject)]
pub struct CalendarSession {
    pub id: ID,
    pub case_id: ID,
    pub case_reference: String,
    pub scheduled_for: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub status: String,
}

#[derive(SimpleObject)]
pub struct CalendarAway {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

#[derive(SimpleObject)]
pub struct MediatorCalendar {
    pub mediator_id: ID,
    /// The mediator's zone (their working week's), for showing the days.
    pub time_zone: String,
    pub sessions: Vec<CalendarSession>,
    pub away: Vec<CalendarAway>,
}

#[derive(Default)]
pub struct CalendarViewQuery;

#[Object]
impl CalendarViewQuery {
    /// A mediator's sessions and time away from `from` for `days` days
    /// (at most 31): yours, or (case managers, org admins) anyone's.
    async fn mediator_calendar(
        &self,
        ctx: &Context<'_>,
        mediator_id: Option<ID>,
        from: DateTime<Utc>,
        #[graphql(validator(minimum = 1, maximum = 31))] days: Option<i32>,
    ) -> async_graphql::Result<MediatorCalendar> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let who = match mediator_id.as_ref() {
            Some(id) if id.as_str() != actor.user_id.to_string() => {
                authz::authorize(actor, Action::ListAllCases)?;
                access::parse_id(id.as_str())?
            }
            _ => {
                authz::authorize(actor, Action::KeepOwnCalendar)?;
                actor.user_id
            }
        };
        let until = from + TimeDelta::days(i64::from(days.unwrap_or(7)));
        let tx = rc.tenant_tx(actor).await?;
        let rows = tx
            .conn()
            .query_all(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT s.id, s.case_id, c.reference, s.scheduled_for, s.duration_minutes, s.status
                 FROM sessions s JOIN cases c ON c.id = s.case_id
                 WHERE s.mediator_id = $1 AND s.scheduled_for < $3
                   AND s.scheduled_for + make_interval(mins => s.duration_minutes) > $2
                 ORDER BY s.scheduled_for, s.id LIMIT 500",
                [who.into(), from.into(), until.into()],
            ))
            .await
            .map_err(AppError::from)?;
        let mut sessions = Vec::with_capacity(rows.len());
        for r in &rows {
            let start = db::utc(r, "scheduled_for").map_err(AppError::from)?;
            let minutes: i32 = r.try_get("", "duration_minutes").map_err(AppError::from)?;
            let id: uuid::Uuid = r.try_get("", "id").map_err(AppError::from)?;
            let case_id: uuid::Uuid = r.try_get("", "case_id").map_err(AppError::from)?;
            sessions.push(CalendarSession {
                id: ID(id.to_string()),
                case_id: ID(case_id.to_string()),
                case_reference: r.try_get("", "reference").map_err(AppError::from)?,
                scheduled_for: start,
                ends_at: start + TimeDelta::minutes(i64::from(minutes)),
                status: r.try_get("", "status").map_err(AppError::from)?,
            });
        }
        let away = availability::time_away(&tx, who, from)
            .await?
            .into_iter()
            .filter(|t| t.during.start < until)
            .map(|t| CalendarAway {
                starts_at: t.during.start,
                ends_at: t.during.end,
            })
            .collect();
        let zone = availability::week(&tx, who)
            .await?
            .map_or_else(|| "UTC".to_owned(), |w| w.time_zone.name().to_owned());
        tx.commit().await.map_err(AppError::from)?;
        Ok(MediatorCalendar {
            mediator_id: ID(who.to_string()),
            time_zone: zone,
            sessions,
            away,
        })
    }
}

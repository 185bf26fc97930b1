//! A mediator's sessions day by day, for the staff calendar view: the
//! mediator themselves, and case managers and org admins for anyone; and
//! the sessions of a meeting room (`rooms`). Sessions show the case
//! reference, times, mediator and room, never case content.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use uuid::Uuid;

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
    pub mediator_id: ID,
    pub mediator_name: String,
    /// The meeting room it is held in, if any.
    pub meeting_room_id: Option<ID>,
    pub meeting_room_name: Option<String>,
}

/// Whose sessions a calendar shows.
#[derive(Debug, Clone, Copy)]
pub enum SessionsOf {
    Mediator(Uuid),
    Room(Uuid),
}

/// The sessions of a mediator or room that overlap `from`..`until`, in time
/// order (at most 500).
pub async fn sessions(
    tx: &db::TenantTx,
    of: SessionsOf,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<CalendarSession>, AppError> {
    let (filter, id) = match of {
        SessionsOf::Mediator(id) => ("s.mediator_id = $1", id),
        SessionsOf::Room(id) => ("s.meeting_room_id = $1", id),
    };
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "SELECT s.id, s.case_id, c.reference, s.scheduled_for, s.duration_minutes, s.status,
                        s.mediator_id, coalesce(p.name, '') AS mediator_name,
                        s.meeting_room_id, r.name AS room_name
                 FROM sessions s JOIN cases c ON c.id = s.case_id
                 LEFT JOIN profiles p ON p.user_id = s.mediator_id
                 LEFT JOIN meeting_rooms r ON r.id = s.meeting_room_id
                 WHERE {filter} AND s.scheduled_for < $3
                   AND s.scheduled_for + make_interval(mins => s.duration_minutes) > $2
                 ORDER BY s.scheduled_for, s.id LIMIT 500"
            ),
            [id.into(), from.into(), until.into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            let start = db::utc(r, "scheduled_for")?;
            let minutes: i32 = r.try_get("", "duration_minutes")?;
            let id = |column: &str| -> Result<ID, sea_orm::DbErr> {
                Ok(ID(r.try_get::<Uuid>("", column)?.to_string()))
            };
            Ok(CalendarSession {
                id: id("id")?,
                case_id: id("case_id")?,
                case_reference: r.try_get("", "reference")?,
                scheduled_for: start,
                ends_at: start + TimeDelta::minutes(i64::from(minutes)),
                status: r.try_get("", "status")?,
                mediator_id: id("mediator_id")?,
                mediator_name: r.try_get("", "mediator_name")?,
                meeting_room_id: r
                    .try_get::<Option<Uuid>>("", "meeting_room_id")?
                    .map(|u| ID(u.to_string())),
                meeting_room_name: r.try_get("", "room_name")?,
            })
        })
        .collect::<Result<_, sea_orm::DbErr>>()
        .map_err(AppError::from)
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
        let sessions = sessions(&tx, SessionsOf::Mediator(who), from, until).await?;
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

//! The waiting list for staff: every open request for an earlier time of
//! the organization (org admins, case managers), or of a mediator's own
//! sessions, with the offer held for it; and withdrawing a request. Who sees
//! what is decided in `authz::waitlist`; row-level security keeps it to the
//! organization.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use uuid::Uuid;

use super::waitlist;
use crate::audit::{self, AuditAction, NewEntry};
use crate::authz;
use crate::authz::waitlist::{WaitingListScope, waiting_list_scope};
use crate::cases::access;
use crate::db::{self, TenantTx};
use crate::error::{AppError, AppResult};
use crate::graphql::context::RequestContext;

/// At most this many requests are listed.
const LIMIT: i64 = 200;

/// One open request for an earlier time. The case shows by its reference
/// only: no title, no names of the parties.
#[derive(SimpleObject)]
pub struct WaitingRequest {
    pub id: ID,
    pub case_id: ID,
    pub case_reference: String,
    pub session_id: ID,
    pub mediator_id: ID,
    pub mediator_name: String,
    /// When the session is booked now.
    pub session_starts_at: DateTime<Utc>,
    pub duration_minutes: i32,
    /// When the case asked for an earlier time (the queue's order).
    pub requested_at: DateTime<Utc>,
    /// `waiting`, or `offered`: an earlier time is held for the case.
    pub status: String,
    pub offered_start: Option<DateTime<Utc>>,
    /// When the held time goes to the next case.
    pub offer_expires_at: Option<DateTime<Utc>>,
}

async fn list(tx: &TenantTx, scope: WaitingListScope) -> AppResult<Vec<WaitingRequest>> {
    let mediator = match scope {
        WaitingListScope::All => None,
        WaitingListScope::MediatorOf(id) => Some(id),
    };
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT w.id, w.case_id, c.reference, w.session_id, w.mediator_id,
                    coalesce(p.name, '') AS mediator_name, s.scheduled_for, s.duration_minutes,
                    w.status, w.offered_start, w.offer_expires_at, w.created_at
             FROM session_waitlist w
             JOIN cases c ON c.id = w.case_id
             JOIN sessions s ON s.id = w.session_id
             LEFT JOIN profiles p ON p.user_id = w.mediator_id
             WHERE w.status IN ('waiting', 'offered') AND ($1::uuid IS NULL OR w.mediator_id = $1)
             ORDER BY w.created_at, w.id
             LIMIT $2",
            [mediator.into(), LIMIT.into()],
        ))
        .await?;
    rows.iter()
        .map(|row| {
            let id = |column: &str| -> Result<ID, sea_orm::DbErr> {
                Ok(ID(row.try_get::<Uuid>("", column)?.to_string()))
            };
            Ok(WaitingRequest {
                id: id("id")?,
                case_id: id("case_id")?,
                case_reference: row.try_get("", "reference")?,
                session_id: id("session_id")?,
                mediator_id: id("mediator_id")?,
                mediator_name: row.try_get("", "mediator_name")?,
                session_starts_at: db::utc(row, "scheduled_for")?,
                duration_minutes: row.try_get("", "duration_minutes")?,
                requested_at: db::utc(row, "created_at")?,
                status: row.try_get("", "status")?,
                offered_start: db::utc_opt(row, "offered_start")?,
                offer_expires_at: db::utc_opt(row, "offer_expires_at")?,
            })
        })
        .collect::<Result<_, sea_orm::DbErr>>()
        .map_err(Into::into)
}

#[derive(Default)]
pub struct WaitingListQuery;

#[Object]
impl WaitingListQuery {
    /// Open requests for an earlier time, oldest first (at most 200): every
    /// case's for org admins and case managers, a mediator's own sessions'
    /// for a mediator. Others are `FORBIDDEN`.
    async fn waiting_list(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<WaitingRequest>> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let scope = waiting_list_scope(actor)?;
        let tx = rc.tenant_tx(actor).await?;
        let out = list(&tx, scope).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(out)
    }
}

#[derive(Default)]
pub struct WaitingListMutation;

#[Object]
impl WaitingListMutation {
    /// Withdraws an open request for an earlier time (whoever may see it on
    /// the waiting list). An earlier time held for it goes to the next case.
    /// A request out of the reader's view is `NOT_FOUND`; one no longer open
    /// is `CONFLICT`.
    async fn withdraw_waiting_request(
        &self,
        ctx: &Context<'_>,
        waitlist_id: ID,
    ) -> async_graphql::Result<bool> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let scope = waiting_list_scope(actor)?;
        let tx = rc.tenant_tx(actor).await?;
        let entry = waitlist::load(&tx, access::parse_id(waitlist_id.as_str())?)
            .await?
            .filter(|e| scope.covers(e.mediator_id))
            .ok_or(AppError::NotFound)?;
        waitlist::withdraw(&tx, &entry, Utc::now()).await?;
        audit::record(
            &tx,
            &rc.client,
            NewEntry::new(Some(actor.user_id), AuditAction::WaitingRequestWithdrawn)
                .target("session", entry.session_id),
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        tracing::info!(waitlist_id = %entry.id, session_id = %entry.session_id, "waiting request withdrawn by staff");
        Ok(true)
    }
}

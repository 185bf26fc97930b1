//! The dead-letter queue, for org admins: jobs that failed their last attempt,
//! and a way to run one again.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use uuid::Uuid;

use crate::authz::{self, Action};
use crate::error::AppError;
use crate::graphql::context::RequestContext;

/// A job that will not run again unless retried. Identifiers only.
#[derive(SimpleObject)]
pub struct DeadJob {
    pub id: ID,
    pub kind: String,
    pub attempts: i32,
    /// Why the last attempt failed, in the system's words (no content).
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub failed_at: DateTime<Utc>,
}

#[derive(Default)]
pub struct JobsQuery;

#[Object]
impl JobsQuery {
    /// Dead jobs of the organization, most recent first (at most 100).
    async fn dead_jobs(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<DeadJob>> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::ManageJobs)?;
        let tx = rc.tenant_tx(actor).await?;
        let rows = tx
            .conn()
            .query_all(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT id, kind, attempts, last_error, created_at, updated_at FROM jobs
                 WHERE org_id = $1 AND status = 'dead' ORDER BY updated_at DESC LIMIT 100",
                [actor.org_id.into()],
            ))
            .await
            .map_err(AppError::from)?;
        tx.commit().await.map_err(AppError::from)?;
        rows.iter()
            .map(|row| {
                Ok(DeadJob {
                    id: ID(row.try_get::<Uuid>("", "id")?.to_string()),
                    kind: row.try_get("", "kind")?,
                    attempts: row.try_get("", "attempts")?,
                    last_error: row.try_get("", "last_error")?,
                    created_at: crate::db::utc(row, "created_at")?,
                    failed_at: crate::db::utc(row, "updated_at")?,
                })
            })
            .collect::<Result<Vec<_>, sea_orm::DbErr>>()
            .map_err(|e| AppError::from(e).into())
    }
}

#[derive(Default)]
pub struct JobsMutation;

#[Object]
impl JobsMutation {
    /// Queues a dead job again, with a fresh set of attempts.
    async fn retry_job(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<bool> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::ManageJobs)?;
        let id = Uuid::parse_str(id.as_str()).map_err(|_| AppError::NotFound)?;
        let tx = rc.tenant_tx(actor).await?;
        let updated = tx
            .conn()
            .execute(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "UPDATE jobs SET status = 'queued', attempts = 0, run_at = now(), last_error = NULL
                 WHERE id = $1 AND status = 'dead'",
                [id.into()],
            ))
            .await
            .map_err(AppError::from)?;
        tx.commit().await.map_err(AppError::from)?;
        if updated.rows_affected() == 0 {
            return Err(AppError::NotFound.into());
        }
        Ok(true)
    }
}

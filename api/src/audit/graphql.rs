//! Browsing the audit log (org admins and compliance officers).

use async_graphql::connection::{Connection, Edge, EmptyFields, query};
use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};
use uuid::Uuid;

use crate::audit::AuditAction;
use crate::authz::{self, Action};
use crate::error::AppError;
use crate::graphql::context::RequestContext;

/// One audit entry. Identifiers only: no names, emails or content.
#[derive(SimpleObject)]
pub struct AuditEntry {
    pub id: ID,
    pub seq: i64,
    pub action: String,
    pub actor_id: Option<ID>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The organization's audit log, newest first, optionally filtered by
    /// action and actor. Cursors are sequence numbers.
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(maximum = 200))] first: Option<i32>,
        after: Option<String>,
        action: Option<AuditAction>,
        actor_id: Option<ID>,
    ) -> async_graphql::Result<Connection<String, AuditEntry, EmptyFields, EmptyFields>> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::ViewAuditLog)?;
        let actor_filter = actor_id
            .map(|id| Uuid::parse_str(id.as_str()))
            .transpose()
            .map_err(|_| AppError::validation("actorId", "format"))?;
        query(after, None, first, None, |after: Option<String>, _: Option<String>, first, _| async move {
            let limit = first.unwrap_or(50).min(200);
            let before_seq = after
                .map(|a| a.parse::<i64>())
                .transpose()
                .map_err(|_| AppError::validation("after", "cursor"))?;
            let tx = rc.tenant_tx(actor).await?;
            let rows = tx
                .conn()
                .query_all(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "SELECT id, seq, action, actor_id, target_type, target_id, ip, user_agent, created_at
                     FROM audit_log
                     WHERE org_id = $1
                       AND ($2::bigint IS NULL OR seq < $2)
                       AND ($3::text IS NULL OR action = $3)
                       AND ($4::uuid IS NULL OR actor_id = $4)
                     ORDER BY seq DESC LIMIT $5",
                    [
                        actor.org_id.into(),
                        Value::BigInt(before_seq),
                        Value::String(action.map(|a| Box::new(a.as_str().to_owned()))),
                        Value::Uuid(actor_filter.map(Box::new)),
                        i64::try_from(limit + 1).unwrap_or(201).into(),
                    ],
                ))
                .await
                .map_err(AppError::from)?;
            tx.commit().await.map_err(AppError::from)?;
            let has_next = rows.len() > limit;
            let mut connection = Connection::new(before_seq.is_some(), has_next);
            for row in rows.iter().take(limit) {
                let entry = entry_from(row).map_err(AppError::from)?;
                connection.edges.push(Edge::new(entry.seq.to_string(), entry));
            }
            Ok::<_, async_graphql::Error>(connection)
        })
        .await
    }
}

fn entry_from(row: &sea_orm::QueryResult) -> Result<AuditEntry, sea_orm::DbErr> {
    Ok(AuditEntry {
        id: ID(row.try_get::<Uuid>("", "id")?.to_string()),
        seq: row.try_get("", "seq")?,
        action: row.try_get("", "action")?,
        actor_id: row
            .try_get::<Option<Uuid>>("", "actor_id")?
            .map(|a| ID(a.to_string())),
        target_type: row.try_get("", "target_type")?,
        target_id: row.try_get("", "target_id")?,
        ip: row.try_get("", "ip")?,
        user_agent: row.try_get("", "user_agent")?,
        created_at: crate::db::utc(row, "created_at")?,
    })
}

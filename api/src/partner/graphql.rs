//! GraphQL for partner credentials (org admins).

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use uuid::Uuid;

use crate::audit::{self, AuditAction, NewEntry};
use crate::authz::{self, Action, Scope};
use crate::error::AppError;
use crate::graphql::context::RequestContext;
use crate::partner::{hash_secret, new_client_id, new_secret};

/// A new credential. The secret is shown this once and never again.
#[derive(SimpleObject)]
pub struct NewServiceAccount {
    pub id: ID,
    pub client_id: String,
    pub client_secret: String,
    pub scopes: Vec<Scope>,
}

#[derive(SimpleObject)]
pub struct ServiceAccount {
    pub id: ID,
    pub name: String,
    pub client_id: String,
    pub scopes: Vec<Scope>,
    pub revoked: bool,
    pub created_at: DateTime<Utc>,
    /// When it last obtained a token (null: never).
    pub last_used_at: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct PartnerQuery;

#[Object]
impl PartnerQuery {
    /// The organization's partner credentials (without secrets).
    async fn service_accounts(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<ServiceAccount>> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::ManagePartnerCredentials)?;
        let tx = rc.tenant_tx(actor).await?;
        let rows = tx
            .conn()
            .query_all(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT id, name, client_id, scopes, revoked_at IS NOT NULL AS revoked, created_at,
                        last_used_at
                 FROM service_accounts WHERE org_id = $1 ORDER BY created_at DESC",
                [actor.org_id.into()],
            ))
            .await
            .map_err(AppError::from)?;
        tx.commit().await.map_err(AppError::from)?;
        rows.iter()
            .map(|row| {
                let scopes: Vec<String> = row.try_get("", "scopes")?;
                Ok(ServiceAccount {
                    id: ID(row.try_get::<Uuid>("", "id")?.to_string()),
                    name: row.try_get("", "name")?,
                    client_id: row.try_get("", "client_id")?,
                    scopes: scopes.iter().filter_map(|s| Scope::parse(s)).collect(),
                    revoked: row.try_get("", "revoked")?,
                    created_at: crate::db::utc(row, "created_at")?,
                    last_used_at: crate::db::utc_opt(row, "last_used_at")?,
                })
            })
            .collect::<Result<Vec<_>, sea_orm::DbErr>>()
            .map_err(|e| AppError::from(e).into())
    }
}

#[derive(Default)]
pub struct PartnerMutation;

#[Object]
impl PartnerMutation {
    /// Creates a partner credential with the given scopes.
    async fn create_service_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(min_length = 1, max_length = 100))] name: String,
        scopes: Vec<Scope>,
    ) -> async_graphql::Result<NewServiceAccount> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::ManagePartnerCredentials)?;
        if scopes.is_empty() {
            return Err(AppError::validation("scopes", "empty").into());
        }
        let id = Uuid::now_v7();
        let client_id = new_client_id();
        let secret = new_secret();
        let keys: Vec<String> = scopes.iter().map(|s| s.key().to_owned()).collect();
        let tx = rc.tenant_tx(actor).await?;
        tx.conn()
            .execute(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "INSERT INTO service_accounts (id, org_id, name, client_id, secret_hash, scopes, created_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                [
                    id.into(),
                    actor.org_id.into(),
                    name.trim().to_owned().into(),
                    client_id.clone().into(),
                    hash_secret(secret.expose()).into(),
                    keys.into(),
                    actor.user_id.into(),
                ],
            ))
            .await
            .map_err(AppError::from)?;
        audit::record(
            &tx,
            &rc.client,
            NewEntry::new(Some(actor.user_id), AuditAction::CredentialCreated)
                .target("service_account", id),
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(NewServiceAccount {
            id: ID(id.to_string()),
            client_id,
            client_secret: secret.into_inner(),
            scopes,
        })
    }

    /// Revokes a partner credential and every token it was given.
    async fn revoke_service_account(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<bool> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::ManagePartnerCredentials)?;
        let id = Uuid::parse_str(id.as_str()).map_err(|_| AppError::NotFound)?;
        let tx = rc.tenant_tx(actor).await?;
        let updated = tx
            .conn()
            .execute(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "UPDATE service_accounts SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
                [id.into()],
            ))
            .await
            .map_err(AppError::from)?;
        if updated.rows_affected() == 0 {
            return Err(AppError::NotFound.into());
        }
        audit::record(
            &tx,
            &rc.client,
            NewEntry::new(Some(actor.user_id), AuditAction::CredentialRevoked)
                .target("service_account", id),
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        rc.state
            .partner_tokens
            .revoke_all(id)
            .await
            .map_err(AppError::from)?;
        Ok(true)
    }
}

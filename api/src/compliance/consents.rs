//! Consent tracking: which version of the terms, the privacy notice and the
//! organization's confidentiality agreement a person accepted, when, and in
//! what context. People see their own; compliance officers and org admins see
//! everyone's in their organization.

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};
use uuid::Uuid;

use crate::audit::{self, AuditAction, NewEntry};
use crate::authz::{self, Action};
use crate::error::AppError;
use crate::graphql::context::RequestContext;
use crate::orgs::service::{self as orgs, OrgSettings};

#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum ConsentDocument {
    Terms,
    Privacy,
    Confidentiality,
}

impl ConsentDocument {
    fn key(self) -> &'static str {
        match self {
            ConsentDocument::Terms => "terms",
            ConsentDocument::Privacy => "privacy",
            ConsentDocument::Confidentiality => "confidentiality",
        }
    }

    fn parse(key: &str) -> Option<Self> {
        [Self::Terms, Self::Privacy, Self::Confidentiality]
            .into_iter()
            .find(|d| d.key() == key)
    }
}

#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum ConsentContext {
    SignUp,
    Settings,
    SessionLobby,
    Intake,
}

impl ConsentContext {
    fn key(self) -> &'static str {
        match self {
            ConsentContext::SignUp => "sign_up",
            ConsentContext::Settings => "settings",
            ConsentContext::SessionLobby => "session_lobby",
            ConsentContext::Intake => "intake",
        }
    }
}

/// A document and the version a person must accept now.
#[derive(SimpleObject)]
pub struct RequiredConsent {
    pub document: ConsentDocument,
    pub version: String,
    /// Whether the signed-in person accepted this version.
    pub accepted: bool,
}

#[derive(SimpleObject)]
pub struct ConsentRecord {
    pub id: ID,
    pub user_id: ID,
    pub document: ConsentDocument,
    pub version: String,
    pub context: String,
    pub accepted_at: DateTime<Utc>,
}

async fn current_versions(
    rc: &RequestContext,
    tx: &crate::db::TenantTx,
) -> Result<Vec<(ConsentDocument, String)>, AppError> {
    let org = orgs::current(tx).await?;
    let settings = OrgSettings::from_json(&org.settings_json);
    let consent = &rc.state.settings.consent;
    Ok(vec![
        (ConsentDocument::Terms, consent.terms_version.clone()),
        (ConsentDocument::Privacy, consent.privacy_version.clone()),
        (
            ConsentDocument::Confidentiality,
            settings.confidentiality_version().to_owned(),
        ),
    ])
}

fn record_from(row: &sea_orm::QueryResult) -> Result<ConsentRecord, AppError> {
    let document: String = row.try_get("", "document")?;
    Ok(ConsentRecord {
        id: ID(row.try_get::<Uuid>("", "id")?.to_string()),
        user_id: ID(row.try_get::<Uuid>("", "user_id")?.to_string()),
        document: ConsentDocument::parse(&document).ok_or(AppError::Internal(anyhow::anyhow!(
            "unknown consent document"
        )))?,
        version: row.try_get("", "version")?,
        context: row.try_get("", "context")?,
        accepted_at: crate::db::utc(row, "accepted_at")?,
    })
}

#[derive(Default)]
pub struct ConsentQuery;

#[Object]
impl ConsentQuery {
    /// The documents the signed-in person must have accepted, and whether they have.
    async fn required_consents(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<RequiredConsent>> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let tx = rc.tenant_tx(actor).await?;
        let versions = current_versions(rc, &tx).await?;
        let rows = tx
            .conn()
            .query_all(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT document, version FROM consents WHERE org_id = $1 AND user_id = $2",
                [actor.org_id.into(), actor.user_id.into()],
            ))
            .await
            .map_err(AppError::from)?;
        tx.commit().await.map_err(AppError::from)?;
        let accepted: Vec<(String, String)> = rows
            .iter()
            .filter_map(|r| {
                Some((
                    r.try_get("", "document").ok()?,
                    r.try_get("", "version").ok()?,
                ))
            })
            .collect();
        Ok(versions
            .into_iter()
            .map(|(document, version)| RequiredConsent {
                accepted: accepted
                    .iter()
                    .any(|(d, v)| d == document.key() && *v == version),
                document,
                version,
            })
            .collect())
    }

    /// The signed-in person's own consent records, newest first.
    async fn my_consents(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ConsentRecord>> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        list(rc, actor, Some(actor.user_id), None).await
    }

    /// Consent records of the organization (compliance officers and org admins).
    async fn consents(
        &self,
        ctx: &Context<'_>,
        user_id: Option<ID>,
        document: Option<ConsentDocument>,
    ) -> async_graphql::Result<Vec<ConsentRecord>> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::ViewConsents)?;
        let user = user_id
            .map(|u| Uuid::parse_str(u.as_str()))
            .transpose()
            .map_err(|_| AppError::validation("userId", "format"))?;
        list(rc, actor, user, document).await
    }
}

async fn list(
    rc: &RequestContext,
    actor: &authz::Actor,
    user: Option<Uuid>,
    document: Option<ConsentDocument>,
) -> async_graphql::Result<Vec<ConsentRecord>> {
    let tx = rc.tenant_tx(actor).await?;
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id, user_id, document, version, context, accepted_at FROM consents
             WHERE org_id = $1 AND ($2::uuid IS NULL OR user_id = $2)
               AND ($3::text IS NULL OR document = $3)
             ORDER BY accepted_at DESC LIMIT 500",
            [
                actor.org_id.into(),
                Value::Uuid(user.map(Box::new)),
                Value::String(document.map(|d| Box::new(d.key().to_owned()))),
            ],
        ))
        .await
        .map_err(AppError::from)?;
    tx.commit().await.map_err(AppError::from)?;
    Ok(rows.iter().map(record_from).collect::<Result<_, _>>()?)
}

#[derive(Default)]
pub struct ConsentMutation;

#[Object]
impl ConsentMutation {
    /// Records that the signed-in person accepts `version` of `document`, which
    /// must be the current version.
    async fn record_consent(
        &self,
        ctx: &Context<'_>,
        document: ConsentDocument,
        #[graphql(validator(max_length = 64))] version: String,
        context: ConsentContext,
    ) -> async_graphql::Result<ConsentRecord> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let tx = rc.tenant_tx(actor).await?;
        let current = current_versions(rc, &tx)
            .await?
            .into_iter()
            .find(|(d, _)| *d == document)
            .map(|(_, v)| v)
            .ok_or(AppError::NotFound)?;
        if current != version {
            return Err(
                AppError::Conflict("That is not the current version of this document.").into(),
            );
        }
        let id = Uuid::now_v7();
        // Append-only: accepting a version twice keeps the first record.
        tx.conn()
            .execute(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "INSERT INTO consents (id, org_id, user_id, document, version, context, ip, user_agent)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (org_id, user_id, document, version) DO NOTHING",
                [
                    id.into(),
                    actor.org_id.into(),
                    actor.user_id.into(),
                    document.key().into(),
                    version.clone().into(),
                    context.key().into(),
                    rc.client.ip.clone().into(),
                    rc.client.user_agent.clone().into(),
                ],
            ))
            .await
            .map_err(AppError::from)?;
        let row = tx
            .conn()
            .query_one(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT id, user_id, document, version, context, accepted_at FROM consents
                 WHERE org_id = $1 AND user_id = $2 AND document = $3 AND version = $4",
                [
                    actor.org_id.into(),
                    actor.user_id.into(),
                    document.key().into(),
                    version.into(),
                ],
            ))
            .await
            .map_err(AppError::from)?
            .ok_or(AppError::Internal(anyhow::anyhow!(
                "consent record missing"
            )))?;
        let record = record_from(&row)?;
        audit::record(
            &tx,
            &rc.client,
            NewEntry::new(Some(actor.user_id), AuditAction::ConsentRecorded)
                .target("consent", record.id.as_str()),
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(record)
    }
}

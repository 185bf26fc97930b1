//! GraphQL for invitations.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use shared_types::Locale;
use uuid::Uuid;

use crate::authz::{self, Action, RoleKey};
use crate::error::AppError;
use crate::graphql::context::RequestContext;
use crate::identity::graphql::{SignInPayload, signed_in};
use crate::identity::invitations::{self, NewAccount};
use crate::orgs::service::OrgSettings;
use crate::redact::Sensitive;

/// What the person holding an invitation link sees before accepting.
#[derive(SimpleObject)]
pub struct InvitationPreview {
    pub email: String,
    pub role: RoleKey,
    pub organization_name: String,
    pub brand_color: String,
    pub expires_at: DateTime<Utc>,
    /// An account with this email exists: sign in, then accept.
    pub account_exists: bool,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum InvitationStatus {
    Pending,
    Accepted,
    Revoked,
    Expired,
}

/// An invitation, as staff see it.
#[derive(SimpleObject)]
pub struct InvitationInfo {
    pub id: ID,
    pub email: String,
    pub role: RoleKey,
    pub status: InvitationStatus,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq, Default)]
pub enum LanguageInput {
    #[default]
    En,
    Es,
}

impl From<LanguageInput> for Locale {
    fn from(value: LanguageInput) -> Self {
        match value {
            LanguageInput::En => Locale::En,
            LanguageInput::Es => Locale::Es,
        }
    }
}

#[derive(InputObject)]
pub struct InviteMemberInput {
    #[graphql(validator(max_length = 320))]
    pub email: String,
    pub role: RoleKey,
    /// The language of the invitation email.
    #[graphql(default)]
    pub language: LanguageInput,
}

#[derive(InputObject)]
pub struct AcceptInvitationInput {
    #[graphql(validator(max_length = 128))]
    pub token: String,
    #[graphql(validator(max_length = 200))]
    pub name: String,
    #[graphql(validator(max_length = 256))]
    pub password: String,
    #[graphql(default)]
    pub language: LanguageInput,
    /// IANA time zone, for example "America/Bogota".
    #[graphql(validator(max_length = 64))]
    pub timezone: String,
}

#[derive(Default)]
pub struct InvitationQuery;

#[Object]
impl InvitationQuery {
    /// The invitation behind a link's token (public: the token is the secret).
    async fn invitation(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(max_length = 128))] token: String,
    ) -> async_graphql::Result<InvitationPreview> {
        let rc = RequestContext::of(ctx);
        let preview = invitations::preview(&rc.state.db, &token).await?;
        let settings = OrgSettings::from_json(&preview.organization.settings_json);
        Ok(InvitationPreview {
            email: preview.invitation.email.into_inner(),
            role: preview.invitation.role,
            organization_name: preview.organization.name,
            brand_color: settings.brand_color().to_owned(),
            expires_at: preview.invitation.expires_at,
            account_exists: preview.account_exists,
        })
    }

    /// The organization's invitations that the caller may manage, newest first.
    async fn invitations(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<InvitationInfo>> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::Invite(RoleKey::Party))?;
        let tx = rc.tenant_tx(actor).await?;
        let rows = tx
            .conn()
            .query_all(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT i.id, i.email, r.key AS role, i.expires_at, i.created_at,
                        i.accepted_at IS NOT NULL AS accepted, i.revoked_at IS NOT NULL AS revoked
                 FROM invitations i JOIN roles r ON r.id = i.role_id
                 WHERE i.org_id = $1 ORDER BY i.created_at DESC LIMIT 200",
                [actor.org_id.into()],
            ))
            .await
            .map_err(AppError::from)?;
        tx.commit().await.map_err(AppError::from)?;
        let mut list = Vec::new();
        for row in &rows {
            let role: String = row.try_get("", "role").map_err(AppError::from)?;
            let Some(role) = RoleKey::parse(&role) else {
                continue;
            };
            if authz::authorize(actor, Action::Invite(role)).is_err() {
                continue;
            }
            let expires_at = crate::db::utc(row, "expires_at").map_err(AppError::from)?;
            let status = if row
                .try_get::<bool>("", "accepted")
                .map_err(AppError::from)?
            {
                InvitationStatus::Accepted
            } else if row.try_get::<bool>("", "revoked").map_err(AppError::from)? {
                InvitationStatus::Revoked
            } else if expires_at <= Utc::now() {
                InvitationStatus::Expired
            } else {
                InvitationStatus::Pending
            };
            list.push(InvitationInfo {
                id: ID(row
                    .try_get::<Uuid>("", "id")
                    .map_err(AppError::from)?
                    .to_string()),
                email: row.try_get("", "email").map_err(AppError::from)?,
                role,
                status,
                expires_at,
                created_at: crate::db::utc(row, "created_at").map_err(AppError::from)?,
            });
        }
        Ok(list)
    }
}

#[derive(Default)]
pub struct InvitationMutation;

#[Object]
impl InvitationMutation {
    /// Invites a person by email to hold `role`; the email goes out shortly.
    async fn invite_member(
        &self,
        ctx: &Context<'_>,
        input: InviteMemberInput,
    ) -> async_graphql::Result<ID> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let tx = rc.tenant_tx(actor).await?;
        let id = invitations::invite(
            &tx,
            &rc.client,
            actor,
            &input.email,
            input.role,
            input.language.into(),
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(ID(id.to_string()))
    }

    /// Withdraws an invitation that was not accepted yet; its link stops working.
    async fn revoke_invitation(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<bool> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let id = Uuid::parse_str(id.as_str()).map_err(|_| AppError::NotFound)?;
        let tx = rc.tenant_tx(actor).await?;
        invitations::revoke(&tx, &rc.client, actor, id).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(true)
    }

    /// Creates the invited account and signs in (sets the session cookie).
    async fn accept_invitation(
        &self,
        ctx: &Context<'_>,
        input: AcceptInvitationInput,
    ) -> async_graphql::Result<SignInPayload> {
        let rc = RequestContext::of(ctx);
        let (token, record) = invitations::accept_new(
            &rc.state.db,
            &rc.state.sessions,
            &rc.client,
            &input.token,
            NewAccount {
                name: input.name,
                password: Sensitive::new(input.password),
                locale: input.language.into(),
                timezone: input.timezone,
            },
        )
        .await?;
        Ok(signed_in(ctx, rc, &token, &record).await?)
    }

    /// Accepts an invitation addressed to the signed-in user's own email.
    async fn accept_invitation_signed_in(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(max_length = 128))] token: String,
    ) -> async_graphql::Result<bool> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        invitations::accept_existing(&rc.state.db, &rc.client, actor, &token).await?;
        Ok(true)
    }
}

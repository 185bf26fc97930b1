//! GraphQL for organizations.

use async_graphql::{ComplexObject, Context, ID, InputObject, Object, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures::{Stream, StreamExt};
use uuid::Uuid;

use crate::audit::{self, AuditAction, NewEntry};
use crate::authz::{self, Action};
use crate::db::TenantScope;
use crate::entities::organization;
use crate::error::AppError;
use crate::graphql::context::RequestContext;
use crate::orgs::logo::{self, Logo};
use crate::orgs::service::{self, OrgEvent, OrgEventKind, OrgSettings, OrgUpdate};

/// A mediation provider: a court ADR program, a mediation firm, an ombuds office.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct Organization {
    pub id: ID,
    pub slug: String,
    pub name: String,
    pub tier: String,
    /// `#rrggbb`, readable under white text.
    pub brand_color: String,
    pub created_at: DateTime<Utc>,
    pub security: SecuritySettings,
    pub cases: CaseSettings,
}

/// How the organization runs new cases.
#[derive(SimpleObject, Clone)]
pub struct CaseSettings {
    /// Hours within which a new intake should be accepted or declined.
    pub triage_sla_hours: u32,
    /// Whether the other side is invited as soon as a claimant files.
    pub auto_invite_respondents: bool,
}

/// How the organization protects sign-in.
#[derive(SimpleObject, Clone)]
pub struct SecuritySettings {
    /// Roles whose holders must use a second factor (an authenticator app or a passkey).
    pub mfa_required_roles: Vec<authz::RoleKey>,
    /// Minutes without activity after which a session ends (null: the installation's).
    pub session_idle_minutes: Option<u32>,
    /// Hours after which a session ends however active (null: the installation's).
    pub session_absolute_hours: Option<u32>,
    /// Whether staff may sign in with an emailed link; parties always may.
    pub staff_sign_in_links: bool,
}

#[ComplexObject]
impl Organization {
    /// Where the organization's logo is served, relative to the portal or API
    /// (null: no logo). The address changes whenever the logo does.
    async fn logo_url(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        let rc = RequestContext::of(ctx);
        let Ok(org_id) = Uuid::parse_str(self.id.as_str()) else {
            return Ok(None);
        };
        // Whoever may see this organization may see its logo, which is public.
        let tx = rc
            .state
            .db
            .tenant(TenantScope {
                org_id,
                user_id: None,
            })
            .await
            .map_err(AppError::from)?;
        let url = logo::current_url(&tx).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(url)
    }
}

impl From<organization::Model> for Organization {
    fn from(model: organization::Model) -> Self {
        let settings = OrgSettings::from_json(&model.settings_json);
        Organization {
            id: ID(model.id.to_string()),
            slug: model.slug,
            name: model.name,
            tier: model.tier,
            brand_color: settings.brand_color().to_owned(),
            created_at: model.created_at.with_timezone(&Utc),
            security: SecuritySettings {
                mfa_required_roles: settings.mfa_required_roles.clone(),
                session_idle_minutes: settings.session_idle_minutes,
                session_absolute_hours: settings.session_absolute_hours,
                staff_sign_in_links: settings.staff_sign_in_links,
            },
            cases: CaseSettings {
                triage_sla_hours: settings.triage_sla_hours(),
                auto_invite_respondents: settings.auto_invite_respondents,
            },
        }
    }
}

/// What anyone may see of an organization: enough to brand its sign-in page.
#[derive(SimpleObject)]
pub struct Branding {
    pub slug: String,
    pub name: String,
    pub brand_color: String,
    /// Where the organization's logo is served (null: no logo).
    pub logo_url: Option<String>,
    /// The single sign-on connections people may sign in with.
    pub sso_connections: Vec<SsoOption>,
}

/// A single sign-on button: start at `/auth/sso/{id}/start?portal=admin|client`.
#[derive(SimpleObject)]
pub struct SsoOption {
    pub id: ID,
    pub name: String,
}

#[derive(InputObject)]
pub struct UpdateOrganizationInput {
    pub name: Option<String>,
    pub brand_color: Option<String>,
    /// Replaces the list of roles that must use a second factor.
    pub mfa_required_roles: Option<Vec<authz::RoleKey>>,
    /// 5 minutes to 24 hours, and at most the installation's.
    pub session_idle_minutes: Option<u32>,
    /// 1 hour to 30 days, and at most the installation's.
    pub session_absolute_hours: Option<u32>,
    pub staff_sign_in_links: Option<bool>,
    /// 1 hour to 60 days.
    pub triage_sla_hours: Option<u32>,
    pub auto_invite_respondents: Option<bool>,
}

#[derive(SimpleObject)]
pub struct OrganizationEvent {
    pub organization_id: ID,
    pub kind: OrgEventKind,
}

#[derive(Default)]
pub struct OrgQuery;

#[Object]
impl OrgQuery {
    /// The signed-in user's current organization.
    async fn organization(&self, ctx: &Context<'_>) -> async_graphql::Result<Organization> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::ViewOrganization)?;
        let tx = rc.tenant_tx(actor).await?;
        let org = service::current(&tx).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(org.into())
    }

    /// Public branding of an organization, for its sign-in page.
    async fn branding(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(max_length = 64))] slug: String,
    ) -> async_graphql::Result<Option<Branding>> {
        let rc = RequestContext::of(ctx);
        let Some(org_id) = rc
            .state
            .db
            .unscoped_org_id_by_slug(&slug)
            .await
            .map_err(AppError::from)?
        else {
            return Ok(None);
        };
        let tx = rc
            .state
            .db
            .tenant(TenantScope {
                org_id,
                user_id: None,
            })
            .await
            .map_err(AppError::from)?;
        let org = service::current(&tx).await?;
        let sso_connections = crate::identity::sso::enabled_for_sign_in(&tx)
            .await?
            .into_iter()
            .map(|(id, name)| SsoOption {
                id: ID(id.to_string()),
                name,
            })
            .collect();
        let logo_url = logo::current_url(&tx).await?;
        tx.commit().await.map_err(AppError::from)?;
        let settings = OrgSettings::from_json(&org.settings_json);
        Ok(Some(Branding {
            slug: org.slug,
            name: org.name,
            brand_color: settings.brand_color().to_owned(),
            logo_url,
            sso_connections,
        }))
    }
}

#[derive(InputObject)]
pub struct CreateOrganizationInput {
    /// Lower-case letters, digits and hyphens; the organization's sign-in address.
    #[graphql(validator(max_length = 63))]
    pub slug: String,
    #[graphql(validator(max_length = 200))]
    pub name: String,
    #[graphql(
        default_with = "String::from(\"standard\")",
        validator(max_length = 32)
    )]
    pub tier: String,
    /// The first org admin, invited by email.
    #[graphql(validator(max_length = 320))]
    pub admin_email: String,
    #[graphql(default)]
    pub admin_language: crate::identity::invitations_graphql::LanguageInput,
}

#[derive(Default)]
pub struct OrgMutation;

#[Object]
impl OrgMutation {
    /// Creates an organization and invites its first admin (platform operators).
    async fn create_organization(
        &self,
        ctx: &Context<'_>,
        input: CreateOrganizationInput,
    ) -> async_graphql::Result<ID> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::CreateOrganization)?;
        let id = service::create(
            &rc.state.db,
            &rc.client,
            Some(actor),
            service::NewOrganization {
                slug: input.slug,
                name: input.name,
                tier: input.tier,
                admin_email: input.admin_email,
                admin_locale: input.admin_language.into(),
            },
        )
        .await?;
        Ok(ID(id.to_string()))
    }

    /// Changes the organization's name, brand colour or sign-in security (org
    /// admins). Security changes apply to sessions opened afterwards.
    async fn update_organization(
        &self,
        ctx: &Context<'_>,
        input: UpdateOrganizationInput,
    ) -> async_graphql::Result<Organization> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::ManageOrganization)?;
        let tx = rc.tenant_tx(actor).await?;
        let org = service::update(
            &tx,
            OrgUpdate {
                name: input.name,
                brand_color: input.brand_color,
                mfa_required_roles: input.mfa_required_roles,
                session_idle_minutes: input.session_idle_minutes,
                session_absolute_hours: input.session_absolute_hours,
                staff_sign_in_links: input.staff_sign_in_links,
                triage_sla_hours: input.triage_sla_hours,
                auto_invite_respondents: input.auto_invite_respondents,
            },
        )
        .await?;
        audit::record(
            &tx,
            &rc.client,
            NewEntry::new(Some(actor.user_id), AuditAction::OrganizationUpdated)
                .target("organization", org.id),
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        publish_settings_changed(rc, org.id).await?;
        Ok(org.into())
    }

    /// Sets the organization's logo (org admins): a PNG, JPEG or WebP image,
    /// base64-encoded, at most 128 KiB and 1024 pixels on each side. Refusals
    /// are `VALIDATION_FAILED` with `field: "image"` and a `reason`: too_large,
    /// encoding, empty, type, dimensions or corrupt.
    async fn set_organization_logo(
        &self,
        ctx: &Context<'_>,
        image: String,
    ) -> async_graphql::Result<Organization> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::ManageOrganization)?;
        let checked = Logo::parse_blocking(image).await?;
        let tx = rc.tenant_tx(actor).await?;
        logo::store(&tx, &checked).await?;
        let org = service::current(&tx).await?;
        audit::record(
            &tx,
            &rc.client,
            NewEntry::new(Some(actor.user_id), AuditAction::OrganizationUpdated)
                .target("organization_logo", org.id),
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        tracing::info!(org_id = %org.id, bytes = checked.bytes.len(), "organization logo set");
        publish_settings_changed(rc, org.id).await?;
        Ok(org.into())
    }

    /// Removes the organization's logo (org admins); the portals show the name alone.
    async fn remove_organization_logo(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Organization> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::ManageOrganization)?;
        let tx = rc.tenant_tx(actor).await?;
        let removed = logo::remove(&tx).await?;
        let org = service::current(&tx).await?;
        if removed {
            audit::record(
                &tx,
                &rc.client,
                NewEntry::new(Some(actor.user_id), AuditAction::OrganizationUpdated)
                    .target("organization_logo", org.id),
            )
            .await?;
        }
        tx.commit().await.map_err(AppError::from)?;
        if removed {
            publish_settings_changed(rc, org.id).await?;
        }
        Ok(org.into())
    }
}

/// Tells the organization's subscribers that its settings changed.
async fn publish_settings_changed(rc: &RequestContext, org_id: Uuid) -> Result<(), AppError> {
    let event = OrgEvent {
        organization_id: org_id,
        kind: OrgEventKind::SettingsChanged,
    };
    let payload = serde_json::to_string(&event).map_err(|e| AppError::Internal(e.into()))?;
    rc.state
        .kv
        .publish(&service::channel(org_id), payload)
        .await
        .map_err(AppError::from)?;
    Ok(())
}

#[derive(Default)]
pub struct OrgSubscription;

#[Subscription]
impl OrgSubscription {
    /// Live changes to the current organization (staff who may watch it).
    async fn organization_events(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = OrganizationEvent>> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::WatchOrganization)?;
        let org_id = actor.org_id;
        let channel = service::channel(org_id);
        let messages = tokio_stream_of(rc.state.kv.messages());
        Ok(messages.filter_map(move |message| {
            let event = (message.channel == channel)
                .then(|| serde_json::from_str::<OrgEvent>(&message.payload).ok())
                .flatten()
                .filter(|e| e.organization_id == org_id)
                .map(|e| OrganizationEvent {
                    organization_id: ID(e.organization_id.to_string()),
                    kind: e.kind,
                });
            async move { event }
        }))
    }
}

/// A stream over a broadcast receiver; a lagging subscriber skips what it missed.
fn tokio_stream_of(
    rx: tokio::sync::broadcast::Receiver<crate::kv::ChannelMessage>,
) -> impl Stream<Item = crate::kv::ChannelMessage> {
    tokio_stream::wrappers::BroadcastStream::new(rx).filter_map(|m| async move { m.ok() })
}

/// Federation: an `Organization` by id, only the caller's own.
pub async fn find_organization(
    rc: &RequestContext,
    id: &ID,
) -> Result<Option<Organization>, AppError> {
    let actor = authz::require(rc.actor.as_ref())?;
    authz::authorize(actor, Action::ViewOrganization)?;
    let Ok(uuid) = Uuid::parse_str(id.as_str()) else {
        return Ok(None);
    };
    let tx = rc.tenant_tx(actor).await?;
    let org = if uuid == actor.org_id {
        Some(service::current(&tx).await?)
    } else {
        None
    };
    tx.commit().await?;
    Ok(org.map(Into::into))
}

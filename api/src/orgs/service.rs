//! Organization settings.

use sea_orm::{ActiveModelTrait, ActiveValue, EntityTrait};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::TenantTx;
use crate::entities::organization;
use crate::error::{AppError, AppResult};
use crate::orgs::brand::{BrandColor, DEFAULT_BRAND_COLOR};

/// The typed view of `organizations.settings_json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OrgSettings {
    pub brand_color: Option<String>,
    /// Version of the organization's confidentiality agreement.
    pub confidentiality_version: Option<String>,
}

impl OrgSettings {
    pub fn from_json(value: &serde_json::Value) -> Self {
        serde_json::from_value(value.clone()).unwrap_or_default()
    }

    pub fn brand_color(&self) -> &str {
        self.brand_color.as_deref().unwrap_or(DEFAULT_BRAND_COLOR)
    }

    pub fn confidentiality_version(&self) -> &str {
        self.confidentiality_version.as_deref().unwrap_or("1")
    }
}

/// The transaction's organization.
pub async fn current(tx: &TenantTx) -> AppResult<organization::Model> {
    organization::Entity::find_by_id(tx.scope().org_id)
        .one(tx.conn())
        .await?
        .ok_or(AppError::NotFound)
}

/// What an org admin may change.
pub struct OrgUpdate {
    pub name: Option<String>,
    pub brand_color: Option<String>,
}

pub const MAX_NAME_LENGTH: usize = 200;

/// Validates and applies `update`; nothing is written if any field is invalid.
#[tracing::instrument(skip_all, fields(org_id = %tx.scope().org_id))]
pub async fn update(tx: &TenantTx, update: OrgUpdate) -> AppResult<organization::Model> {
    let name = update
        .name
        .map(|n| {
            let n = n.trim().to_owned();
            if n.is_empty() || n.chars().count() > MAX_NAME_LENGTH {
                Err(AppError::validation("name", "length"))
            } else {
                Ok(n)
            }
        })
        .transpose()?;
    let brand_color = update
        .brand_color
        .map(|c| BrandColor::parse(&c))
        .transpose()?;
    let existing = current(tx).await?;
    let mut settings = OrgSettings::from_json(&existing.settings_json);
    if let Some(color) = brand_color {
        settings.brand_color = Some(color.as_str().to_owned());
    }
    let mut active: organization::ActiveModel = existing.into();
    if let Some(name) = name {
        active.name = ActiveValue::Set(name);
    }
    active.settings_json = ActiveValue::Set(
        serde_json::to_value(&settings).map_err(|e| AppError::Internal(e.into()))?,
    );
    Ok(active.update(tx.conn()).await?)
}

/// The event sent to subscribers when an organization changes. Identifiers only.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct OrgEvent {
    pub organization_id: Uuid,
    pub kind: OrgEventKind,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, async_graphql::Enum)]
#[serde(rename_all = "snake_case")]
pub enum OrgEventKind {
    SettingsChanged,
}

pub fn channel(org_id: Uuid) -> String {
    format!("org:{org_id}")
}

/// A new organization and its first admin, who is invited by email.
pub struct NewOrganization {
    pub slug: String,
    pub name: String,
    pub tier: String,
    pub admin_email: String,
    pub admin_locale: shared_types::Locale,
}

const TIERS: &[&str] = &["standard", "professional", "enterprise"];

/// Creates an organization and invites its first org admin. `operator` is the
/// platform operator acting (None from the admin CLI). Both organizations'
/// audit logs record it.
pub async fn create(
    db: &crate::db::Db,
    client: &crate::audit::ClientInfo,
    operator: Option<&crate::authz::Actor>,
    new: NewOrganization,
) -> AppResult<Uuid> {
    use crate::audit::{self, AuditAction, NewEntry};
    let slug = new.slug.trim().to_lowercase();
    let valid_slug = (2..=63).contains(&slug.len())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-');
    if !valid_slug {
        return Err(AppError::validation("slug", "format"));
    }
    let name = new.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_NAME_LENGTH {
        return Err(AppError::validation("name", "length"));
    }
    if !TIERS.contains(&new.tier.as_str()) {
        return Err(AppError::validation("tier", "unknown"));
    }
    let admin_email = crate::identity::invitations::normalize_email(&new.admin_email)?;
    if let Some(operator) = operator {
        crate::authz::authorize(operator, crate::authz::Action::CreateOrganization)?;
    }
    let id = Uuid::now_v7();
    if let Err(error) = db
        .unscoped_create_organization(id, &slug, &name, &new.tier)
        .await
    {
        let taken = matches!(
            error.sql_err(),
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
        );
        return Err(if taken {
            AppError::Conflict("That sign-in address is taken.")
        } else {
            error.into()
        });
    }
    let tx = db
        .tenant(crate::db::TenantScope {
            org_id: id,
            user_id: None,
        })
        .await?;
    let invitation = crate::identity::invitations::invite_unchecked(
        &tx,
        &admin_email,
        crate::authz::RoleKey::OrgAdmin,
        new.admin_locale,
        operator.map(|o| o.user_id),
    )
    .await?;
    audit::record(
        &tx,
        client,
        NewEntry::new(
            operator.map(|o| o.user_id),
            AuditAction::OrganizationCreated,
        )
        .target("organization", id),
    )
    .await?;
    audit::record(
        &tx,
        client,
        NewEntry::new(operator.map(|o| o.user_id), AuditAction::InvitationCreated)
            .target("invitation", invitation),
    )
    .await?;
    tx.commit().await?;
    if let Some(operator) = operator {
        let own = db
            .tenant(crate::db::TenantScope {
                org_id: operator.org_id,
                user_id: Some(operator.user_id),
            })
            .await?;
        audit::record(
            &own,
            client,
            NewEntry::new(Some(operator.user_id), AuditAction::OrganizationCreated)
                .target("organization", id),
        )
        .await?;
        own.commit().await?;
    }
    Ok(id)
}

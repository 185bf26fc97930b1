//! Organization settings.

use sea_orm::{ActiveModelTrait, ActiveValue, EntityTrait};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::authz::RoleKey;
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
    /// Roles whose holders must use a second factor (TOTP or a passkey).
    pub mfa_required_roles: Vec<RoleKey>,
    /// Idle timeout of sessions, at most the installation's.
    pub session_idle_minutes: Option<u32>,
    /// Absolute lifetime of sessions, at most the installation's.
    pub session_absolute_hours: Option<u32>,
    /// Whether staff may sign in with an emailed link (parties always may).
    pub staff_sign_in_links: bool,
    /// Hours within which a new intake should be accepted or declined.
    pub triage_sla_hours: Option<u32>,
    /// Whether the other side is invited as soon as a claimant files (when
    /// the claimant gave their address); otherwise a case manager invites.
    pub auto_invite_respondents: bool,
    /// How sessions are booked: buffers, notice, daily cap, durations.
    pub scheduling: crate::scheduling::settings::SchedulingSettings,
    /// The lobby of video sessions: the questions asked before entering.
    pub video: crate::video::rules::VideoRules,
}

/// What organizations created on the installation start with: every staff
/// role signs in with two steps.
pub fn recommended_mfa_roles() -> Vec<RoleKey> {
    RoleKey::ALL
        .iter()
        .copied()
        .filter(|r| r.is_staff())
        .collect()
}

impl OrgSettings {
    pub fn from_json(value: &serde_json::Value) -> Self {
        serde_json::from_value(value.clone()).unwrap_or_default()
    }

    pub fn brand_color(&self) -> &str {
        self.brand_color.as_deref().unwrap_or(DEFAULT_BRAND_COLOR)
    }

    /// The triage target, 48 hours unless the organization set one.
    pub fn triage_sla_hours(&self) -> u32 {
        self.triage_sla_hours.unwrap_or(48).clamp(1, 24 * 60)
    }

    pub fn confidentiality_version(&self) -> &str {
        self.confidentiality_version.as_deref().unwrap_or("1")
    }

    /// Whether someone holding `roles` must have a second factor.
    pub fn requires_mfa(&self, roles: &[RoleKey]) -> bool {
        roles.iter().any(|r| self.mfa_required_roles.contains(r))
    }

    /// Session lifetimes in seconds (idle, absolute), within the installation's
    /// maxima.
    pub fn session_lifetimes(&self, max_idle: u64, max_absolute: u64) -> (u64, u64) {
        let idle = self
            .session_idle_minutes
            .map_or(max_idle, |m| u64::from(m) * 60)
            .min(max_idle);
        let absolute = self
            .session_absolute_hours
            .map_or(max_absolute, |h| u64::from(h) * 3600)
            .min(max_absolute);
        (idle, absolute)
    }
}

/// The transaction's organization.
pub async fn current(tx: &TenantTx) -> AppResult<organization::Model> {
    organization::Entity::find_by_id(tx.scope().org_id)
        .one(tx.conn())
        .await?
        .ok_or(AppError::NotFound)
}

/// What an org admin may change. Absent fields stay as they are.
#[derive(Default)]
pub struct OrgUpdate {
    pub name: Option<String>,
    pub brand_color: Option<String>,
    pub mfa_required_roles: Option<Vec<RoleKey>>,
    pub session_idle_minutes: Option<u32>,
    pub session_absolute_hours: Option<u32>,
    pub staff_sign_in_links: Option<bool>,
    pub triage_sla_hours: Option<u32>,
    pub auto_invite_respondents: Option<bool>,
}

/// Bounds of the triage target: an hour to sixty days.
pub const TRIAGE_SLA_HOURS: std::ops::RangeInclusive<u32> = 1..=60 * 24;

/// Bounds of the organization's session lifetimes; the installation's
/// configuration may cap them lower still.
pub const SESSION_IDLE_MINUTES: std::ops::RangeInclusive<u32> = 5..=24 * 60;
pub const SESSION_ABSOLUTE_HOURS: std::ops::RangeInclusive<u32> = 1..=30 * 24;

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
    if update
        .session_idle_minutes
        .is_some_and(|m| !SESSION_IDLE_MINUTES.contains(&m))
    {
        return Err(AppError::validation("sessionIdleMinutes", "range"));
    }
    if update
        .session_absolute_hours
        .is_some_and(|h| !SESSION_ABSOLUTE_HOURS.contains(&h))
    {
        return Err(AppError::validation("sessionAbsoluteHours", "range"));
    }
    if update
        .mfa_required_roles
        .as_ref()
        .is_some_and(|roles| roles.len() > RoleKey::ALL.len())
    {
        return Err(AppError::validation("mfaRequiredRoles", "length"));
    }
    if update
        .triage_sla_hours
        .is_some_and(|h| !TRIAGE_SLA_HOURS.contains(&h))
    {
        return Err(AppError::validation("triageSlaHours", "range"));
    }
    let existing = current(tx).await?;
    let mut settings = OrgSettings::from_json(&existing.settings_json);
    if let Some(color) = brand_color {
        settings.brand_color = Some(color.as_str().to_owned());
    }
    if let Some(mut roles) = update.mfa_required_roles {
        roles.sort_by_key(|r| r.key());
        roles.dedup();
        settings.mfa_required_roles = roles;
    }
    if let Some(minutes) = update.session_idle_minutes {
        settings.session_idle_minutes = Some(minutes);
    }
    if let Some(hours) = update.session_absolute_hours {
        settings.session_absolute_hours = Some(hours);
    }
    if let Some(allowed) = update.staff_sign_in_links {
        settings.staff_sign_in_links = allowed;
    }
    if let Some(hours) = update.triage_sla_hours {
        settings.triage_sla_hours = Some(hours);
    }
    if let Some(auto) = update.auto_invite_respondents {
        settings.auto_invite_respondents = auto;
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
    update(
        &tx,
        OrgUpdate {
            mfa_required_roles: Some(recommended_mfa_roles()),
            ..OrgUpdate::default()
        },
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

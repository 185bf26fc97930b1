//! The one authorization module. Every resolver asks it before calling a service.
//! Later features add their actions here, and the matrix test in
//! `tests/api/authz.rs` pins every role × action down.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// A role a user holds in one organization. The keys match the `roles` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, async_graphql::Enum)]
#[serde(rename_all = "snake_case")]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum RoleKey {
    PlatformOperator,
    OrgAdmin,
    CaseManager,
    Mediator,
    Party,
    PartyRepresentative,
    Observer,
    BillingAdmin,
    ComplianceOfficer,
}

impl RoleKey {
    pub const ALL: &'static [RoleKey] = &[
        RoleKey::PlatformOperator,
        RoleKey::OrgAdmin,
        RoleKey::CaseManager,
        RoleKey::Mediator,
        RoleKey::Party,
        RoleKey::PartyRepresentative,
        RoleKey::Observer,
        RoleKey::BillingAdmin,
        RoleKey::ComplianceOfficer,
    ];

    pub fn key(self) -> &'static str {
        match self {
            RoleKey::PlatformOperator => "platform_operator",
            RoleKey::OrgAdmin => "org_admin",
            RoleKey::CaseManager => "case_manager",
            RoleKey::Mediator => "mediator",
            RoleKey::Party => "party",
            RoleKey::PartyRepresentative => "party_representative",
            RoleKey::Observer => "observer",
            RoleKey::BillingAdmin => "billing_admin",
            RoleKey::ComplianceOfficer => "compliance_officer",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        RoleKey::ALL.iter().copied().find(|r| r.key() == key)
    }

    /// Staff work in the admin portal; parties, counsel and observers in the client portal.
    pub fn is_staff(self) -> bool {
        matches!(
            self,
            RoleKey::PlatformOperator
                | RoleKey::OrgAdmin
                | RoleKey::CaseManager
                | RoleKey::Mediator
                | RoleKey::BillingAdmin
                | RoleKey::ComplianceOfficer
        )
    }
}

/// Who is acting: a signed-in user in one organization, or a partner system
/// (a service account, whose id stands in `user_id`) limited to its scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Uuid,
    pub org_id: Uuid,
    pub roles: Vec<RoleKey>,
    /// Set for partner systems: they may do only what these scopes allow.
    pub scopes: Option<Vec<Scope>>,
}

/// What a partner system's bearer token allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, async_graphql::Enum)]
pub enum Scope {
    #[serde(rename = "org:read")]
    OrgRead,
    #[serde(rename = "members:read")]
    MembersRead,
    #[serde(rename = "audit:read")]
    AuditRead,
}

impl Scope {
    pub const ALL: &'static [Scope] = &[Scope::OrgRead, Scope::MembersRead, Scope::AuditRead];

    pub fn key(self) -> &'static str {
        match self {
            Scope::OrgRead => "org:read",
            Scope::MembersRead => "members:read",
            Scope::AuditRead => "audit:read",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        Scope::ALL.iter().copied().find(|s| s.key() == key)
    }
}

impl Actor {
    pub fn has(&self, role: RoleKey) -> bool {
        self.roles.contains(&role)
    }

    pub fn is_staff(&self) -> bool {
        self.roles.iter().any(|r| r.is_staff())
    }
}

/// Something an actor may try to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// See the organization's name, branding and own membership.
    ViewOrganization,
    /// Change the organization's settings.
    ManageOrganization,
    /// See the organization's staff and members.
    ListMembers,
    /// Receive live organization events.
    WatchOrganization,
    /// Browse the audit log.
    ViewAuditLog,
    /// See and retry the organization's dead jobs.
    ManageJobs,
    /// Invite someone to hold this role (and list or revoke such invitations).
    Invite(RoleKey),
    /// Suspend, reactivate, delete or remove members.
    ManageMembers,
    /// Create a new organization (tenant) on the installation.
    CreateOrganization,
    /// See everyone's consent records.
    ViewConsents,
    /// Create, list and revoke partner API credentials.
    ManagePartnerCredentials,
}

impl Action {
    pub const ALL: &'static [Action] = &[
        Action::ViewOrganization,
        Action::ManageOrganization,
        Action::ListMembers,
        Action::WatchOrganization,
        Action::ViewAuditLog,
        Action::ManageJobs,
        Action::Invite(RoleKey::Mediator),
        Action::Invite(RoleKey::Party),
        Action::ManageMembers,
        Action::CreateOrganization,
        Action::ViewConsents,
        Action::ManagePartnerCredentials,
    ];
}

/// Decides whether `actor` may perform `action` in its organization.
pub fn authorize(actor: &Actor, action: Action) -> AppResult<()> {
    if allowed(actor, action) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

fn allowed(actor: &Actor, action: Action) -> bool {
    if let Some(scopes) = &actor.scopes {
        let needed = match action {
            Action::ViewOrganization => Scope::OrgRead,
            Action::ListMembers => Scope::MembersRead,
            Action::ViewAuditLog => Scope::AuditRead,
            _ => return false,
        };
        return scopes.contains(&needed);
    }
    match action {
        Action::ViewOrganization => !actor.roles.is_empty(),
        Action::ManageOrganization => actor.has(RoleKey::OrgAdmin),
        Action::ListMembers | Action::WatchOrganization => {
            actor.has(RoleKey::OrgAdmin)
                || actor.has(RoleKey::CaseManager)
                || actor.has(RoleKey::ComplianceOfficer)
        }
        Action::ManageJobs | Action::ManageMembers => actor.has(RoleKey::OrgAdmin),
        Action::CreateOrganization => actor.has(RoleKey::PlatformOperator),
        // Only the installation's operators make operators; org admins invite
        // anyone else; case managers bring parties, counsel and observers.
        Action::Invite(RoleKey::PlatformOperator) => false,
        Action::Invite(RoleKey::Party | RoleKey::PartyRepresentative | RoleKey::Observer) => {
            actor.has(RoleKey::OrgAdmin) || actor.has(RoleKey::CaseManager)
        }
        Action::Invite(_) => actor.has(RoleKey::OrgAdmin),
        Action::ManagePartnerCredentials => actor.has(RoleKey::OrgAdmin),
        Action::ViewAuditLog | Action::ViewConsents => {
            actor.has(RoleKey::OrgAdmin) || actor.has(RoleKey::ComplianceOfficer)
        }
    }
}

/// Requires a signed-in actor.
pub fn require(actor: Option<&Actor>) -> AppResult<&Actor> {
    actor.ok_or(AppError::Unauthenticated)
}

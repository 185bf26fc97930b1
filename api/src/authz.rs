//! The one authorization module. Every resolver asks it before calling a service.
//! Later features add their actions here, and the matrix test in
//! `tests/api/authz.rs` pins every role × action down.

pub mod cases;
pub mod video;
pub mod waitlist;

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
    /// The organization requires a second factor for one of this user's roles
    /// and none is set up: until it is, only enrolment and signing out are open.
    pub mfa_pending: bool,
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
    /// Give a member this role or take it away.
    AssignRole(RoleKey),
    /// See every case of the organization: the triage queue and case lists.
    ListAllCases,
    /// File a new case through the intake wizard.
    FileIntake,
    /// Write and publish intake templates.
    ManageTemplates,
    /// Keep the mediator roster: profiles and declared conflicts of anyone.
    ManageRoster,
    /// See outcome statistics (counts only).
    ViewCaseStatistics,
    /// Write agreement templates.
    ManageAgreementTemplates,
    /// Keep one's own working week, exceptions and time off (mediators).
    KeepOwnCalendar,
    /// Set the organization's booking rules (buffers, notice, durations).
    ManageSchedulingRules,
    /// The live operations dashboard: sessions in progress, lobby waits,
    /// call quality, mediator load.
    WatchOperations,
    /// Read the development SMS outbox (org admins).
    ReadSmsOutbox,
    /// See the organization's waiting list for earlier times and withdraw
    /// requests: staff for every case, a mediator for their own sessions only
    /// (the query narrows it, see `scheduling::waitlist_staff`).
    ViewWaitingList,
    /// Add, rename and retire the organization's meeting rooms.
    ManageRooms,
    /// Put a session in a room or take it out, and see a room's calendar.
    AllocateRooms,
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
        Action::AssignRole(RoleKey::PlatformOperator),
        Action::AssignRole(RoleKey::OrgAdmin),
        Action::AssignRole(RoleKey::Mediator),
        Action::AssignRole(RoleKey::Party),
        Action::ListAllCases,
        Action::FileIntake,
        Action::ManageTemplates,
        Action::ManageRoster,
        Action::ViewCaseStatistics,
        Action::ManageAgreementTemplates,
        Action::KeepOwnCalendar,
        Action::ManageSchedulingRules,
        Action::WatchOperations,
        Action::ReadSmsOutbox,
        Action::ViewWaitingList,
        Action::ManageRooms,
        Action::AllocateRooms,
    ];
}

/// Decides whether `actor` may perform `action` in its organization.
pub fn authorize(actor: &Actor, action: Action) -> AppResult<()> {
    if actor.mfa_pending {
        return Err(AppError::MfaEnrollmentRequired);
    }
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
        // Roles change only by an org admin's hand, never to or from operator.
        Action::AssignRole(RoleKey::PlatformOperator) => false,
        Action::AssignRole(_) => actor.has(RoleKey::OrgAdmin),
        Action::ManagePartnerCredentials => actor.has(RoleKey::OrgAdmin),
        Action::ViewAuditLog | Action::ViewConsents => {
            actor.has(RoleKey::OrgAdmin) || actor.has(RoleKey::ComplianceOfficer)
        }
        Action::ListAllCases => actor.has(RoleKey::OrgAdmin) || actor.has(RoleKey::CaseManager),
        // Parties file their own disputes; counsel files for a client.
        Action::FileIntake => actor.has(RoleKey::Party) || actor.has(RoleKey::PartyRepresentative),
        Action::ManageTemplates | Action::ManageAgreementTemplates => actor.has(RoleKey::OrgAdmin),
        Action::ManageRoster => actor.has(RoleKey::OrgAdmin) || actor.has(RoleKey::CaseManager),
        Action::ViewCaseStatistics => {
            actor.has(RoleKey::OrgAdmin) || actor.has(RoleKey::ComplianceOfficer)
        }
        Action::KeepOwnCalendar => actor.has(RoleKey::Mediator),
        Action::ManageSchedulingRules => actor.has(RoleKey::OrgAdmin),
        Action::WatchOperations => actor.has(RoleKey::OrgAdmin) || actor.has(RoleKey::CaseManager),
        Action::ReadSmsOutbox => actor.has(RoleKey::OrgAdmin),
        Action::ManageRooms => actor.has(RoleKey::OrgAdmin),
        Action::AllocateRooms => actor.has(RoleKey::OrgAdmin) || actor.has(RoleKey::CaseManager),
        Action::ViewWaitingList => {
            actor.has(RoleKey::OrgAdmin)
                || actor.has(RoleKey::CaseManager)
                || actor.has(RoleKey::Mediator)
        }
    }
}

/// Requires a signed-in actor who owes the organization nothing (see
/// [`Actor::mfa_pending`]).
pub fn require(actor: Option<&Actor>) -> AppResult<&Actor> {
    let actor = require_session(actor)?;
    if actor.mfa_pending {
        return Err(AppError::MfaEnrollmentRequired);
    }
    Ok(actor)
}

/// Requires a signed-in actor, even one who must still set up a second factor:
/// for the few things such a session may do (see who it is, set up a second
/// factor, see and end its sessions, sign out).
pub fn require_session(actor: Option<&Actor>) -> AppResult<&Actor> {
    actor.ok_or(AppError::Unauthenticated)
}

#[cfg(test)]
mod tests {
    use super::*;
    use RoleKey as R;

    /// Every action this module knows, by role. A new action or role fails
    /// here until its row is written.
    const EXPECTED: &[(Action, &[RoleKey])] = &[
        (
            Action::ViewOrganization,
            &[
                R::PlatformOperator,
                R::OrgAdmin,
                R::CaseManager,
                R::Mediator,
                R::Party,
                R::PartyRepresentative,
                R::Observer,
                R::BillingAdmin,
                R::ComplianceOfficer,
            ],
        ),
        (Action::ManageOrganization, &[R::OrgAdmin]),
        (
            Action::ListMembers,
            &[R::OrgAdmin, R::CaseManager, R::ComplianceOfficer],
        ),
        (
            Action::WatchOrganization,
            &[R::OrgAdmin, R::CaseManager, R::ComplianceOfficer],
        ),
        (Action::ViewAuditLog, &[R::OrgAdmin, R::ComplianceOfficer]),
        (Action::ManageJobs, &[R::OrgAdmin]),
        (Action::Invite(R::Mediator), &[R::OrgAdmin]),
        (Action::Invite(R::Party), &[R::OrgAdmin, R::CaseManager]),
        (Action::ManageMembers, &[R::OrgAdmin]),
        (Action::CreateOrganization, &[R::PlatformOperator]),
        (Action::ViewConsents, &[R::OrgAdmin, R::ComplianceOfficer]),
        (Action::ManagePartnerCredentials, &[R::OrgAdmin]),
        (Action::AssignRole(R::PlatformOperator), &[]),
        (Action::AssignRole(R::OrgAdmin), &[R::OrgAdmin]),
        (Action::AssignRole(R::Mediator), &[R::OrgAdmin]),
        (Action::AssignRole(R::Party), &[R::OrgAdmin]),
        (Action::ListAllCases, &[R::OrgAdmin, R::CaseManager]),
        (Action::FileIntake, &[R::Party, R::PartyRepresentative]),
        (Action::ManageTemplates, &[R::OrgAdmin]),
        (Action::ManageRoster, &[R::OrgAdmin, R::CaseManager]),
        (
            Action::ViewCaseStatistics,
            &[R::OrgAdmin, R::ComplianceOfficer],
        ),
        (Action::ManageAgreementTemplates, &[R::OrgAdmin]),
        (Action::KeepOwnCalendar, &[R::Mediator]),
        (Action::ManageSchedulingRules, &[R::OrgAdmin]),
        (Action::WatchOperations, &[R::OrgAdmin, R::CaseManager]),
        (Action::ReadSmsOutbox, &[R::OrgAdmin]),
        (
            Action::ViewWaitingList,
            &[R::OrgAdmin, R::CaseManager, R::Mediator],
        ),
        (Action::ManageRooms, &[R::OrgAdmin]),
        (Action::AllocateRooms, &[R::OrgAdmin, R::CaseManager]),
    ];

    fn actor(roles: Vec<RoleKey>) -> Actor {
        Actor {
            user_id: Uuid::nil(),
            org_id: Uuid::nil(),
            roles,
            scopes: None,
            mfa_pending: false,
        }
    }

    #[test]
    fn every_role_against_every_action() {
        assert_eq!(EXPECTED.len(), Action::ALL.len(), "an action needs a row");
        for (action, allowed_roles) in EXPECTED {
            assert!(Action::ALL.contains(action), "{action:?} missing from ALL");
            for &role in RoleKey::ALL {
                let expected = allowed_roles.contains(&role);
                let result = authorize(&actor(vec![role]), *action);
                assert_eq!(result.is_ok(), expected, "{role:?} × {action:?}");
                if !expected {
                    assert!(matches!(result, Err(AppError::Forbidden)));
                }
            }
            assert!(
                authorize(&actor(Vec::new()), *action).is_err(),
                "no role × {action:?}"
            );
        }
    }

    #[test]
    fn a_session_owing_a_second_factor_may_do_nothing_else() {
        let mut pending = actor(RoleKey::ALL.to_vec());
        pending.mfa_pending = true;
        for &action in Action::ALL {
            assert!(matches!(
                authorize(&pending, action),
                Err(AppError::MfaEnrollmentRequired)
            ));
        }
        assert!(matches!(
            require(Some(&pending)),
            Err(AppError::MfaEnrollmentRequired)
        ));
        assert!(require_session(Some(&pending)).is_ok());
        assert!(matches!(require(None), Err(AppError::Unauthenticated)));
    }

    #[test]
    fn partner_scopes_open_only_their_reads() {
        let partner = Actor {
            scopes: Some(vec![Scope::MembersRead]),
            ..actor(Vec::new())
        };
        for &action in Action::ALL {
            assert_eq!(
                authorize(&partner, action).is_ok(),
                action == Action::ListMembers,
                "{action:?}"
            );
        }
    }
}

//! The audit log: every security-relevant action, written in the same
//! transaction as the change, hash-chained per organization.

pub mod chain;
pub mod graphql;

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use uuid::Uuid;

use crate::db::TenantTx;
use crate::error::AppResult;

/// What happened. The wire form is stable: it is part of every entry's hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum AuditAction {
    SignIn,
    SignInFailed,
    SignOut,
    SessionRevoked,
    SignedOutEverywhere,
    OrganizationUpdated,
    InvitationCreated,
    InvitationRevoked,
    InvitationAccepted,
    PasswordReset,
    MemberSuspended,
    MemberReactivated,
    MemberDeleted,
    MemberRemoved,
    OrganizationCreated,
    ConsentRecorded,
    CredentialCreated,
    CredentialRevoked,
    MfaEnabled,
    RoleChanged,
    OrganizationSwitched,
    PasskeyAdded,
    PasskeyRemoved,
    SsoConnectionChanged,
    CaseFiled,
    CaseStatusChanged,
    CaseManagerAssigned,
    CaseEdited,
    PartyAdded,
    PartyVerified,
    IntakeViewed,
    TemplatePublished,
    MediatorProposed,
    AgreementShared,
    SessionBooked,
    SessionChanged,
    SchedulingRulesChanged,
    VideoLinkIssued,
    VideoJoinRefused,
    VideoAdmitted,
    VideoDeclined,
    VideoMuted,
    VideoRemoved,
    VideoSentToLobby,
    VideoLocked,
    VideoEnded,
    VideoIntruderRemoved,
    VideoModerationRefused,
    CaucusChanged,
    CaucusMoved,
    CaucusRecalled,
    RoomChanged,
    SessionRoomChanged,
    WaitingRequestWithdrawn,
}

impl AuditAction {
    pub const ALL: &'static [AuditAction] = &[
        AuditAction::SignIn,
        AuditAction::SignInFailed,
        AuditAction::SignOut,
        AuditAction::SessionRevoked,
        AuditAction::SignedOutEverywhere,
        AuditAction::OrganizationUpdated,
        AuditAction::InvitationCreated,
        AuditAction::InvitationRevoked,
        AuditAction::InvitationAccepted,
        AuditAction::PasswordReset,
        AuditAction::MemberSuspended,
        AuditAction::MemberReactivated,
        AuditAction::MemberDeleted,
        AuditAction::MemberRemoved,
        AuditAction::OrganizationCreated,
        AuditAction::ConsentRecorded,
        AuditAction::CredentialCreated,
        AuditAction::CredentialRevoked,
        AuditAction::MfaEnabled,
        AuditAction::RoleChanged,
        AuditAction::OrganizationSwitched,
        AuditAction::PasskeyAdded,
        AuditAction::PasskeyRemoved,
        AuditAction::SsoConnectionChanged,
        AuditAction::CaseFiled,
        AuditAction::CaseStatusChanged,
        AuditAction::CaseManagerAssigned,
        AuditAction::CaseEdited,
        AuditAction::PartyAdded,
        AuditAction::PartyVerified,
        AuditAction::IntakeViewed,
        AuditAction::TemplatePublished,
        AuditAction::MediatorProposed,
        AuditAction::AgreementShared,
        AuditAction::SessionBooked,
        AuditAction::SessionChanged,
        AuditAction::SchedulingRulesChanged,
        AuditAction::VideoLinkIssued,
        AuditAction::VideoJoinRefused,
        AuditAction::VideoAdmitted,
        AuditAction::VideoDeclined,
        AuditAction::VideoMuted,
        AuditAction::VideoRemoved,
        AuditAction::VideoSentToLobby,
        AuditAction::VideoLocked,
        AuditAction::VideoEnded,
        AuditAction::VideoIntruderRemoved,
        AuditAction::VideoModerationRefused,
        AuditAction::CaucusChanged,
        AuditAction::CaucusMoved,
        AuditAction::CaucusRecalled,
        AuditAction::RoomChanged,
        AuditAction::SessionRoomChanged,
        AuditAction::WaitingRequestWithdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::SignIn => "identity.sign_in",
            AuditAction::SignInFailed => "identity.sign_in_failed",
            AuditAction::SignOut => "identity.sign_out",
            AuditAction::SessionRevoked => "identity.session_revoked",
            AuditAction::SignedOutEverywhere => "identity.signed_out_everywhere",
            AuditAction::OrganizationUpdated => "org.updated",
            AuditAction::InvitationCreated => "identity.invitation_created",
            AuditAction::InvitationRevoked => "identity.invitation_revoked",
            AuditAction::InvitationAccepted => "identity.invitation_accepted",
            AuditAction::PasswordReset => "identity.password_reset",
            AuditAction::MemberSuspended => "identity.member_suspended",
            AuditAction::MemberReactivated => "identity.member_reactivated",
            AuditAction::MemberDeleted => "identity.member_deleted",
            AuditAction::MemberRemoved => "identity.member_removed",
            AuditAction::OrganizationCreated => "org.created",
            AuditAction::ConsentRecorded => "compliance.consent_recorded",
            AuditAction::CredentialCreated => "partner.credential_created",
            AuditAction::CredentialRevoked => "partner.credential_revoked",
            AuditAction::MfaEnabled => "identity.mfa_enabled",
            AuditAction::RoleChanged => "identity.role_changed",
            AuditAction::OrganizationSwitched => "identity.organization_switched",
            AuditAction::PasskeyAdded => "identity.passkey_added",
            AuditAction::PasskeyRemoved => "identity.passkey_removed",
            AuditAction::SsoConnectionChanged => "org.sso_connection_changed",
            AuditAction::CaseFiled => "case.filed",
            AuditAction::CaseStatusChanged => "case.status_changed",
            AuditAction::CaseManagerAssigned => "case.manager_assigned",
            AuditAction::CaseEdited => "case.edited",
            AuditAction::PartyAdded => "case.party_added",
            AuditAction::PartyVerified => "case.party_verified",
            AuditAction::IntakeViewed => "case.intake_viewed",
            AuditAction::TemplatePublished => "case.template_published",
            AuditAction::MediatorProposed => "case.mediator_proposed",
            AuditAction::AgreementShared => "case.agreement_shared",
            AuditAction::SessionBooked => "case.session_booked",
            AuditAction::SessionChanged => "case.session_changed",
            AuditAction::SchedulingRulesChanged => "org.scheduling_rules_changed",
            AuditAction::VideoLinkIssued => "video.link_issued",
            AuditAction::VideoJoinRefused => "video.join_refused",
            AuditAction::VideoAdmitted => "video.admitted",
            AuditAction::VideoDeclined => "video.declined",
            AuditAction::VideoMuted => "video.muted",
            AuditAction::VideoRemoved => "video.removed",
            AuditAction::VideoSentToLobby => "video.sent_to_lobby",
            AuditAction::VideoLocked => "video.locked",
            AuditAction::VideoEnded => "video.ended",
            AuditAction::VideoIntruderRemoved => "video.intruder_removed",
            AuditAction::VideoModerationRefused => "video.moderation_refused",
            AuditAction::CaucusChanged => "video.caucus_changed",
            AuditAction::CaucusMoved => "video.caucus_moved",
            AuditAction::CaucusRecalled => "video.caucus_recalled",
            AuditAction::RoomChanged => "org.room_changed",
            AuditAction::SessionRoomChanged => "case.session_room_changed",
            AuditAction::WaitingRequestWithdrawn => "case.waiting_request_withdrawn",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        AuditAction::ALL
            .iter()
            .copied()
            .find(|a| a.as_str() == value)
    }
}

/// Where a request came from, as recorded in audit entries.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// One entry to append.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub actor_id: Option<Uuid>,
    pub action: AuditAction,
    pub target_type: Option<&'static str>,
    pub target_id: Option<String>,
}

impl NewEntry {
    pub fn new(actor_id: Option<Uuid>, action: AuditAction) -> Self {
        Self {
            actor_id,
            action,
            target_type: None,
            target_id: None,
        }
    }

    pub fn target(mut self, target_type: &'static str, target_id: impl ToString) -> Self {
        self.target_type = Some(target_type);
        self.target_id = Some(target_id.to_string());
        self
    }
}

/// Appends `entry` to the transaction's organization's chain. Commits with the
/// transaction or not at all.
pub async fn record(tx: &TenantTx, client: &ClientInfo, entry: NewEntry) -> AppResult<()> {
    let org_id = tx.scope().org_id;
    let conn = tx.conn();
    // Serialize appends per organization for the rest of the transaction.
    conn.execute(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT pg_advisory_xact_lock(hashtextextended('audit:' || $1::text, 0))",
        [org_id.to_string().into()],
    ))
    .await?;
    let last = conn
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT seq, hash FROM audit_log WHERE org_id = $1 ORDER BY seq DESC LIMIT 1",
            [org_id.into()],
        ))
        .await?;
    let (prev_seq, prev_hash) = match last {
        Some(row) => (
            row.try_get::<i64>("", "seq")?,
            row.try_get::<Vec<u8>>("", "hash")?,
        ),
        None => (0, chain::GENESIS.to_vec()),
    };
    let user_agent = client
        .user_agent
        .as_ref()
        .map(|ua| ua.chars().take(512).collect::<String>());
    let link = chain::Link {
        id: Uuid::now_v7(),
        org_id,
        seq: prev_seq + 1,
        actor_id: entry.actor_id,
        action: entry.action.as_str().to_owned(),
        target_type: entry.target_type.map(str::to_owned),
        target_id: entry.target_id,
        ip: client.ip.clone(),
        user_agent,
        created_at: now_micros(),
    };
    let hash = link.hash(&prev_hash);
    conn.execute(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO audit_log (id, org_id, seq, actor_id, action, target_type, target_id, ip, user_agent, created_at, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        [
            link.id.into(),
            org_id.into(),
            link.seq.into(),
            link.actor_id.into(),
            link.action.clone().into(),
            link.target_type.clone().into(),
            link.target_id.clone().into(),
            link.ip.clone().into(),
            link.user_agent.clone().into(),
            link.created_at.into(),
            prev_hash.into(),
            hash.to_vec().into(),
        ],
    ))
    .await?;
    Ok(())
}

/// PostgreSQL keeps microseconds; hash what will be stored.
fn now_micros() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

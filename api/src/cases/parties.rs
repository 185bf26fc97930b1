//! The people on a case: listing them (names and addresses unsealed for those
//! who may see the case), inviting them by email, representatives, and
//! identity verification.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::json;
use shared_types::Locale;
use uuid::Uuid;

use super::access;
use super::intake::{self, NewParty, party_email_context, party_name_context};
use super::timeline::{self, NewEvent};
use crate::audit::{self, AuditAction, ClientInfo, NewEntry};
use crate::authz::cases::{CaseAction, Side, Visibility};
use crate::authz::{self, Action, Actor, RoleKey};
use crate::crypto::tenant::TenantKey;
use crate::db::{self, TenantTx};
use crate::error::{AppError, AppResult};
use crate::identity::invitations;

/// How a party's identity was checked. `Provider` is set by an identity
/// verification provider; the others are recorded by staff by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum VerificationMethod {
    /// Photo identity shown on a video call.
    PhotoIdVideo,
    /// Photo identity shown in person.
    PhotoIdInPerson,
    /// Known to the staff member recording it.
    KnownToStaff,
    /// Identified by the referring court.
    CourtReferral,
    /// An identity-verification provider confirmed it.
    Provider,
}

impl VerificationMethod {
    pub const ALL: &'static [VerificationMethod] = &[
        VerificationMethod::PhotoIdVideo,
        VerificationMethod::PhotoIdInPerson,
        VerificationMethod::KnownToStaff,
        VerificationMethod::CourtReferral,
        VerificationMethod::Provider,
    ];

    pub fn key(self) -> &'static str {
        match self {
            VerificationMethod::PhotoIdVideo => "photo_id_video",
            VerificationMethod::PhotoIdInPerson => "photo_id_in_person",
            VerificationMethod::KnownToStaff => "known_to_staff",
            VerificationMethod::CourtReferral => "court_referral",
            VerificationMethod::Provider => "provider",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|m| m.key() == key)
    }
}

/// Verifies a party's identity. The built-in provider is staff recording how
/// they checked; an external provider implements the same trait and calls
/// [`record_verification`] with [`VerificationMethod::Provider`].
pub trait IdentityVerifier: Send + Sync {
    fn method(&self) -> VerificationMethod;
}

/// The built-in manual flow: staff saw identity and say how.
pub struct ManualVerification(pub VerificationMethod);

impl IdentityVerifier for ManualVerification {
    fn method(&self) -> VerificationMethod {
        self.0
    }
}

/// A party, unsealed.
pub struct PartyRow {
    pub id: Uuid,
    pub user_id: Option<Uuid>,
    pub party_type: String,
    pub side: Side,
    pub represents_party_id: Option<Uuid>,
    pub name: String,
    pub email: Option<String>,
    pub verified_at: Option<DateTime<Utc>>,
    pub verification_method: Option<VerificationMethod>,
    pub invited_at: Option<DateTime<Utc>>,
}

pub async fn list(tx: &TenantTx, key: &TenantKey, case_id: Uuid) -> AppResult<Vec<PartyRow>> {
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id, user_id, party_type, side, represents_party_id, name_sealed, email_sealed,
                    verified_at, verification_method, invited_at
             FROM parties WHERE case_id = $1 ORDER BY created_at, id",
            [case_id.into()],
        ))
        .await?;
    rows.iter()
        .map(|row| {
            let id: Uuid = row.try_get("", "id")?;
            let side: String = row.try_get("", "side")?;
            let name: Vec<u8> = row.try_get("", "name_sealed")?;
            let email: Option<Vec<u8>> = row.try_get("", "email_sealed")?;
            let method: Option<String> = row.try_get("", "verification_method")?;
            Ok(PartyRow {
                id,
                user_id: row.try_get("", "user_id")?,
                party_type: row.try_get("", "party_type")?,
                side: Side::parse(&side)
                    .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown side")))?,
                represents_party_id: row.try_get("", "represents_party_id")?,
                name: key.open_str(&name, &party_name_context(id))?,
                email: email
                    .map(|e| key.open_str(&e, &party_email_context(id)))
                    .transpose()?,
                verified_at: db::utc_opt(row, "verified_at")?,
                verification_method: method.as_deref().and_then(VerificationMethod::parse),
                invited_at: db::utc_opt(row, "invited_at")?,
            })
        })
        .collect()
}

/// Records that a party's identity was verified, and how.
pub async fn record_verification(
    tx: &TenantTx,
    key: &TenantKey,
    client: &ClientInfo,
    actor: &Actor,
    case_id: Uuid,
    party_id: Uuid,
    verifier: &dyn IdentityVerifier,
) -> AppResult<()> {
    let (case, _) = access::open(tx, actor, case_id, CaseAction::ManageParties, true).await?;
    access::check_editable(&case, None)?;
    let method = verifier.method();
    let updated = tx
        .conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE parties SET verified_at = now(), verification_method = $3, verified_by = $4
             WHERE id = $1 AND case_id = $2",
            [
                party_id.into(),
                case_id.into(),
                method.key().into(),
                actor.user_id.into(),
            ],
        ))
        .await?;
    if updated.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    timeline::record(
        tx,
        key,
        NewEvent {
            case_id,
            actor_id: Some(actor.user_id),
            kind: "party.verified",
            visibility: Visibility::Staff,
            detail: json!({ "partyId": party_id, "method": method.key() }),
            note: None,
        },
    )
    .await?;
    audit::record(
        tx,
        client,
        NewEntry::new(Some(actor.user_id), AuditAction::PartyVerified).target("party", party_id),
    )
    .await
}

/// What kind of person is being added to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum NewPartyKind {
    Respondent,
    /// An interested third party, on neither side.
    Other,
    /// Counsel for an existing party, on that party's side.
    Representative,
}

pub struct PartyInput<'a> {
    pub case_id: Uuid,
    pub kind: NewPartyKind,
    pub name: &'a str,
    pub email: Option<&'a str>,
    /// The party a representative acts for.
    pub represents: Option<Uuid>,
}

/// Adds a party (or counsel) to a case.
pub async fn add(
    tx: &TenantTx,
    key: &TenantKey,
    client: &ClientInfo,
    actor: &Actor,
    input: PartyInput<'_>,
) -> AppResult<Uuid> {
    let (case, _) = access::open(tx, actor, input.case_id, CaseAction::ManageParties, true).await?;
    access::check_editable(&case, None)?;
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::validation("name", "length"));
    }
    let email = input
        .email
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(invitations::normalize_email)
        .transpose()?;
    let parties = list(tx, key, input.case_id).await?;
    let (party_type, side, represents) = match input.kind {
        NewPartyKind::Respondent => ("respondent", Side::Respondent, None),
        NewPartyKind::Other => ("other", Side::Neutral, None),
        NewPartyKind::Representative => {
            let for_id = input
                .represents
                .ok_or(AppError::validation("represents", "required"))?;
            let client_party = parties
                .iter()
                .find(|p| p.id == for_id && p.party_type != "representative")
                .ok_or(AppError::validation("represents", "unknown"))?;
            ("representative", client_party.side, Some(for_id))
        }
    };
    if input.kind != NewPartyKind::Representative && input.represents.is_some() {
        return Err(AppError::validation("represents", "not_allowed"));
    }
    let id = intake::insert_party(
        tx,
        key,
        NewParty {
            case_id: input.case_id,
            user_id: None,
            party_type,
            side,
            represents,
            name,
            email: email.as_deref(),
        },
    )
    .await?;
    timeline::record(
        tx,
        key,
        NewEvent {
            case_id: input.case_id,
            actor_id: Some(actor.user_id),
            kind: "party.added",
            visibility: Visibility::Everyone,
            detail: json!({ "partyId": id, "partyType": party_type, "side": side.key() }),
            note: None,
        },
    )
    .await?;
    audit::record(
        tx,
        client,
        NewEntry::new(Some(actor.user_id), AuditAction::PartyAdded).target("party", id),
    )
    .await?;
    Ok(id)
}

/// Invites a party without an account by email: accepting the invitation
/// gives them the party role (or counsel's) and links them to this case.
pub async fn invite(
    tx: &TenantTx,
    key: &TenantKey,
    client: &ClientInfo,
    actor: &Actor,
    case_id: Uuid,
    party_id: Uuid,
    locale: Locale,
) -> AppResult<Uuid> {
    let (case, _) = access::open(tx, actor, case_id, CaseAction::ManageParties, true).await?;
    access::check_editable(&case, None)?;
    let party = list(tx, key, case_id)
        .await?
        .into_iter()
        .find(|p| p.id == party_id)
        .ok_or(AppError::NotFound)?;
    if party.user_id.is_some() {
        return Err(AppError::Conflict(
            "This person already takes part in the case.",
        ));
    }
    let email = party
        .email
        .as_deref()
        .ok_or(AppError::validation("email", "required"))?;
    let role = if party.party_type == "representative" {
        RoleKey::PartyRepresentative
    } else {
        RoleKey::Party
    };
    authz::authorize(actor, Action::Invite(role))?;
    let invitation = invitations::invite(tx, client, actor, email, role, locale).await?;
    mark_invited(tx, case_id, party_id, invitation, Some(actor.user_id)).await?;
    Ok(invitation)
}

/// Invites the other side of a just-filed case, when the claimant gave their
/// address (the organization's `autoInviteRespondents`). The system does it:
/// no person chose to, so no one is recorded as the actor.
pub async fn invite_on_filing(tx: &TenantTx, key: &TenantKey, case_id: Uuid) -> AppResult<()> {
    let respondents = list(tx, key, case_id)
        .await?
        .into_iter()
        .filter(|p| p.party_type == "respondent" && p.user_id.is_none());
    for party in respondents {
        let Some(email) = party.email.as_deref() else {
            continue;
        };
        let invitation =
            invitations::invite_unchecked(tx, email, RoleKey::Party, Locale::En, None).await?;
        mark_invited(tx, case_id, party.id, invitation, None).await?;
    }
    Ok(())
}

/// Ties an invitation to the party it invites, and puts it on the timeline.
async fn mark_invited(
    tx: &TenantTx,
    case_id: Uuid,
    party_id: Uuid,
    invitation_id: Uuid,
    actor_id: Option<Uuid>,
) -> AppResult<()> {
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE invitations SET party_id = $2 WHERE id = $1",
            [invitation_id.into(), party_id.into()],
        ))
        .await?;
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE parties SET invited_at = now() WHERE id = $1",
            [party_id.into()],
        ))
        .await?;
    timeline::record_without_note(
        tx,
        NewEvent {
            case_id,
            actor_id,
            kind: "party.invited",
            visibility: Visibility::Everyone,
            detail: json!({ "partyId": party_id, "invitationId": invitation_id }),
            note: None,
        },
    )
    .await?;
    Ok(())
}

/// Called when an invitation is accepted: links its party (if any) to the
/// account, unless another account took the place first.
pub async fn link_invited(tx: &TenantTx, invitation_id: Uuid, user_id: Uuid) -> AppResult<()> {
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE parties p SET user_id = $2 FROM invitations i
             WHERE i.id = $1 AND p.id = i.party_id AND p.user_id IS NULL
               AND NOT EXISTS (SELECT 1 FROM parties o WHERE o.case_id = p.case_id AND o.user_id = $2)
             RETURNING p.id, p.case_id",
            [invitation_id.into(), user_id.into()],
        ))
        .await?;
    if let Some(row) = row {
        let party_id: Uuid = row.try_get("", "id")?;
        let case_id: Uuid = row.try_get("", "case_id")?;
        timeline::record_without_note(
            tx,
            NewEvent {
                case_id,
                actor_id: Some(user_id),
                kind: "party.joined",
                visibility: Visibility::Everyone,
                detail: json!({ "partyId": party_id }),
                note: None,
            },
        )
        .await?;
    }
    Ok(())
}

/// The languages of the case's parties with accounts (their profiles).
pub async fn languages(tx: &TenantTx, case_id: Uuid) -> AppResult<Vec<String>> {
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT DISTINCT pr.locale FROM parties p JOIN profiles pr ON pr.user_id = p.user_id
             WHERE p.case_id = $1 ORDER BY 1",
            [case_id.into()],
        ))
        .await?;
    rows.iter()
        .map(|r| Ok(r.try_get::<String>("", "locale")?))
        .collect()
}

/// A member's display name.
pub async fn profile_name(tx: &TenantTx, user_id: Uuid) -> AppResult<String> {
    Ok(tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT name FROM profiles WHERE user_id = $1",
            [user_id.into()],
        ))
        .await?
        .map(|r| r.try_get::<String>("", "name"))
        .transpose()?
        .unwrap_or_default())
}

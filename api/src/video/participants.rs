//! Room participants and how they prove who they are: join links bound to a
//! browser's key, signed-in members, and the short-lived pass both turn into.
//!
//! A join link's token is shown once (to staff, and in the invitation email)
//! and only its SHA-256 is stored. The first browser to redeem it registers
//! the public half of a non-extractable P-256 key; from then on the link is
//! good only with a signature of a fresh server challenge by that key, so a
//! forwarded or copied link is useless anywhere else. A proven device (or a
//! signed-in member) gets a pass: a random bearer token kept in Redis for a
//! few hours, naming the participant. Every use of a pass reads the
//! participant's row again, so removal and revocation take effect at once.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use fred::prelude::*;
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::DecodePublicKey as _;
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::audit::{self, AuditAction, ClientInfo, NewEntry};
use crate::authz::Actor;
use crate::authz::video::VideoRole;
use crate::db::{self, TenantScope, TenantTx};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Where a participant stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum Admission {
    /// Not in the lobby yet.
    None,
    Waiting,
    Admitted,
    Declined,
    /// Removed by the mediator: the link is dead, a new admission is needed.
    Removed,
}

impl Admission {
    pub fn key(self) -> &'static str {
        match self {
            Admission::None => "none",
            Admission::Waiting => "waiting",
            Admission::Admitted => "admitted",
            Admission::Declined => "declined",
            Admission::Removed => "removed",
        }
    }

    fn parse(key: &str) -> Option<Self> {
        [
            Self::None,
            Self::Waiting,
            Self::Admitted,
            Self::Declined,
            Self::Removed,
        ]
        .into_iter()
        .find(|a| a.key() == key)
    }
}

/// A room participant as stored.
#[derive(Debug, Clone)]
pub struct Participant {
    pub id: Uuid,
    pub session_id: Uuid,
    pub party_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub role: VideoRole,
    pub admission: Admission,
    pub device_key: Option<Vec<u8>>,
    pub link_expires_at: Option<DateTime<Utc>>,
    pub lobby_entered_at: Option<DateTime<Utc>>,
    pub admitted_at: Option<DateTime<Utc>>,
    pub joined_at: Option<DateTime<Utc>>,
    pub left_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

const PARTICIPANT_COLUMNS: &str = "id, session_id, party_id, user_id, role, admission, device_key, \
     link_expires_at, lobby_entered_at, admitted_at, joined_at, left_at, revoked_at";

impl Participant {
    fn from_row(row: &QueryResult) -> AppResult<Self> {
        let role: String = row.try_get("", "role")?;
        let admission: String = row.try_get("", "admission")?;
        Ok(Self {
            id: row.try_get("", "id")?,
            session_id: row.try_get("", "session_id")?,
            party_id: row.try_get("", "party_id")?,
            user_id: row.try_get("", "user_id")?,
            role: VideoRole::parse(&role)
                .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown video role")))?,
            admission: Admission::parse(&admission)
                .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown admission")))?,
            device_key: row.try_get("", "device_key")?,
            link_expires_at: db::utc_opt(row, "link_expires_at")?,
            lobby_entered_at: db::utc_opt(row, "lobby_entered_at")?,
            admitted_at: db::utc_opt(row, "admitted_at")?,
            joined_at: db::utc_opt(row, "joined_at")?,
            left_at: db::utc_opt(row, "left_at")?,
            revoked_at: db::utc_opt(row, "revoked_at")?,
        })
    }
}

/// The video side of a booked session.
#[derive(Debug, Clone)]
pub struct SessionVideo {
    pub id: Uuid,
    pub case_id: Uuid,
    pub mediator_id: Uuid,
    pub status: String,
    pub scheduled_for: DateTime<Utc>,
    pub duration_minutes: i32,
    pub room: String,
    pub locked_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
}

impl SessionVideo {
    pub fn ends_at(&self) -> DateTime<Utc> {
        self.scheduled_for + Duration::minutes(i64::from(self.duration_minutes))
    }

    /// Whether anyone may still come in.
    pub fn open(&self) -> bool {
        self.status == "booked" && self.ended_at.is_none()
    }
}

pub async fn load_session(tx: &TenantTx, id: Uuid, lock: bool) -> AppResult<Option<SessionVideo>> {
    let sql = format!(
        "SELECT id, case_id, mediator_id, status, scheduled_for, duration_minutes, video_room_id,
                video_locked_at, video_ended_at
         FROM sessions WHERE id = $1{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            &sql,
            [id.into()],
        ))
        .await?;
    row.map(|row| {
        Ok(SessionVideo {
            id: row.try_get("", "id")?,
            case_id: row.try_get("", "case_id")?,
            mediator_id: row.try_get("", "mediator_id")?,
            status: row.try_get("", "status")?,
            scheduled_for: db::utc(&row, "scheduled_for")?,
            duration_minutes: row.try_get("", "duration_minutes")?,
            room: row.try_get("", "video_room_id")?,
            locked_at: db::utc_opt(&row, "video_locked_at")?,
            ended_at: db::utc_opt(&row, "video_ended_at")?,
        })
    })
    .transpose()
}

pub async fn load(tx: &TenantTx, id: Uuid, lock: bool) -> AppResult<Option<Participant>> {
    let sql = format!(
        "SELECT {PARTICIPANT_COLUMNS} FROM room_participants WHERE id = $1{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            &sql,
            [id.into()],
        ))
        .await?;
    row.as_ref().map(Participant::from_row).transpose()
}

pub async fn list(tx: &TenantTx, session_id: Uuid) -> AppResult<Vec<Participant>> {
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "SELECT {PARTICIPANT_COLUMNS} FROM room_participants WHERE session_id = $1
                 ORDER BY CASE role WHEN 'mediator' THEN 0 WHEN 'co_mediator' THEN 1 ELSE 2 END, created_at, id"
            ),
            [session_id.into()],
        ))
        .await?;
    rows.iter().map(Participant::from_row).collect()
}

/// Makes sure the session's mediator and every party of its case (counsel
/// included) has a participant row. Idempotent.
pub async fn ensure(tx: &TenantTx, session: &SessionVideo) -> AppResult<()> {
    let conn = tx.conn();
    conn.execute(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO room_participants (id, org_id, session_id, user_id, role)
         VALUES ($1, $2, $3, $4, 'mediator')
         ON CONFLICT (session_id, user_id) WHERE party_id IS NULL DO NOTHING",
        [
            Uuid::now_v7().into(),
            tx.scope().org_id.into(),
            session.id.into(),
            session.mediator_id.into(),
        ],
    ))
    .await?;
    conn.execute(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO room_participants (id, org_id, session_id, party_id, user_id, role)
         SELECT gen_random_uuid(), p.org_id, $1, p.id, p.user_id,
                CASE WHEN p.party_type = 'representative' THEN 'representative' ELSE 'party' END
         FROM parties p WHERE p.case_id = $2
         ON CONFLICT (session_id, party_id) WHERE party_id IS NOT NULL DO NOTHING",
        [session.id.into(), session.case_id.into()],
    ))
    .await?;
    // A party who made an account after the row was written is known by it now.
    conn.execute(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "UPDATE room_participants rp SET user_id = p.user_id FROM parties p
         WHERE rp.session_id = $1 AND rp.party_id = p.id AND rp.user_id IS NULL AND p.user_id IS NOT NULL",
        [session.id.into()],
    ))
    .await?;
    Ok(())
}

/// The name shown on a participant's tile.
pub async fn display_name(
    tx: &TenantTx,
    key: &crate::crypto::tenant::TenantKey,
    p: &Participant,
) -> AppResult<String> {
    if let Some(party_id) = p.party_id {
        let row = tx
            .conn()
            .query_one(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT name_sealed FROM parties WHERE id = $1",
                [party_id.into()],
            ))
            .await?
            .ok_or(AppError::NotFound)?;
        let sealed: Vec<u8> = row.try_get("", "name_sealed")?;
        return key.open_str(&sealed, &crate::cases::intake::party_name_context(party_id));
    }
    match p.user_id {
        Some(user_id) => crate::cases::parties::profile_name(tx, user_id).await,
        None => Ok(String::new()),
    }
}

fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Only parties (and their counsel) join by link; staff join signed in.
pub fn require_link_holder(participant: &Participant) -> AppResult<()> {
    if participant.party_id.is_none() {
        return Err(AppError::Validation {
            field: "participantId",
            reason: "mediators join from their session page, not by link",
        });
    }
    Ok(())
}

/// The client portal's address of a join link (the token in the fragment,
/// which browsers never send to a server).
pub fn join_url(state: &AppState, token: &str) -> String {
    let base = state.settings.email.client_portal_url.as_str();
    format!("{}/join#{token}", base.trim_end_matches('/'))
}

/// A fresh join link for `participant`: any earlier link and the device it
/// was bound to stop working. Returns the token, to be shown or sent once.
pub async fn issue_link(
    tx: &TenantTx,
    participant: &Participant,
    session: &SessionVideo,
    grace_minutes: i64,
) -> AppResult<String> {
    require_link_holder(participant)?;
    let token = crate::token::new();
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE room_participants SET join_token_hash = $2, link_expires_at = $3,
                    link_redeemed_at = NULL, device_key = NULL, revoked_at = NULL,
                    admission = CASE WHEN admission = 'removed' THEN 'none' ELSE admission END
             WHERE id = $1",
            [
                participant.id.into(),
                hash(&token).into(),
                (session.ends_at() + Duration::minutes(grace_minutes)).into(),
            ],
        ))
        .await?;
    Ok(token)
}

/// What a pass stands for, kept in Redis under the pass's SHA-256.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PassClaims {
    org_id: Uuid,
    participant_id: Uuid,
}

#[derive(Debug, Serialize, Deserialize)]
struct ChallengeState {
    participant_id: Uuid,
}

fn pass_key(state: &AppState, pass: &str) -> String {
    state
        .kv
        .key(&format!("video:pass:{}", hex::encode(hash(pass))))
}

async fn new_pass(state: &AppState, org_id: Uuid, participant_id: Uuid) -> AppResult<String> {
    let pass = crate::token::new();
    let json = serde_json::to_string(&PassClaims {
        org_id,
        participant_id,
    })
    .map_err(|e| AppError::Internal(e.into()))?;
    let ttl = i64::try_from(state.settings.video.pass_ttl_secs).unwrap_or(4 * 3600);
    let _: () = state
        .kv
        .pool()
        .set(
            pass_key(state, &pass),
            json,
            Some(fred::types::Expiration::EX(ttl)),
            None,
            false,
        )
        .await
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("storing a video pass")))?;
    Ok(pass)
}

/// Whatever comes in a pass's place, refused the same way.
fn unknown_pass() -> AppError {
    AppError::Unauthenticated
}

/// The participant a pass names, in a transaction of its organization. A
/// revoked or removed participant's pass is dead.
pub async fn from_pass(state: &AppState, pass: &str) -> AppResult<(TenantTx, Participant)> {
    if !crate::token::is_plausible(pass) {
        return Err(unknown_pass());
    }
    let json: Option<String> = state
        .kv
        .pool()
        .get(pass_key(state, pass))
        .await
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("reading a video pass")))?;
    let claims: PassClaims = json
        .and_then(|j| serde_json::from_str(&j).ok())
        .ok_or_else(unknown_pass)?;
    let mut tx = state
        .db
        .tenant(TenantScope {
            org_id: claims.org_id,
            user_id: None,
        })
        .await?;
    let participant = load(&tx, claims.participant_id, false)
        .await?
        .ok_or_else(unknown_pass)?;
    if participant.revoked_at.is_some() || participant.admission == Admission::Removed {
        return Err(AppError::LinkExpired);
    }
    if participant.user_id.is_some() {
        tx = rescope(state, tx, claims.org_id, participant.user_id).await?;
    }
    Ok((tx, participant))
}

async fn rescope(
    state: &AppState,
    tx: TenantTx,
    org_id: Uuid,
    user_id: Option<Uuid>,
) -> AppResult<TenantTx> {
    tx.commit().await?;
    Ok(state.db.tenant(TenantScope { org_id, user_id }).await?)
}

/// The participant a join link stands for, if the link is current.
async fn by_link(state: &AppState, token: &str) -> AppResult<(TenantTx, Participant)> {
    if !crate::token::is_plausible(token) {
        return Err(AppError::LinkExpired);
    }
    let digest = hash(token);
    let org_id = state.db.unscoped_join_link_org(digest.clone()).await?;
    let org_id = org_id.ok_or(AppError::LinkExpired)?;
    let tx = state
        .db
        .tenant(TenantScope {
            org_id,
            user_id: None,
        })
        .await?;
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "SELECT {PARTICIPANT_COLUMNS} FROM room_participants WHERE join_token_hash = $1 FOR UPDATE"
            ),
            [digest.into()],
        ))
        .await?
        .ok_or(AppError::LinkExpired)?;
    let participant = Participant::from_row(&row)?;
    let session = load_session(&tx, participant.session_id, false)
        .await?
        .ok_or(AppError::LinkExpired)?;
    // A link lasts until the session's end plus the grace, wherever the
    // session has moved since the link was issued.
    let grace = Duration::minutes(state.settings.video.link_grace_minutes);
    let expired = participant.link_expires_at.is_none() || session.ends_at() + grace <= Utc::now();
    if expired || participant.revoked_at.is_some() || participant.admission == Admission::Removed {
        return Err(AppError::LinkExpired);
    }
    if !session.open() {
        return Err(AppError::SessionClosed);
    }
    Ok((tx, participant))
}

/// Writes a refusal to the audit log in its own transaction (the caller's
/// is rolled back with the error).
async fn audit_refusal(
    state: &AppState,
    client: &ClientInfo,
    org_id: Uuid,
    participant_id: Uuid,
    action: AuditAction,
) -> AppResult<()> {
    let tx = state
        .db
        .tenant(TenantScope {
            org_id,
            user_id: None,
        })
        .await?;
    audit::record(
        &tx,
        client,
        NewEntry::new(None, action).target("room_participant", participant_id),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn decode_key(public_key: &str) -> AppResult<(Vec<u8>, VerifyingKey)> {
    let invalid = AppError::Validation {
        field: "publicKey",
        reason: "must be a P-256 public key (SPKI DER, URL-safe base64)",
    };
    if public_key.len() > 400 {
        return Err(invalid);
    }
    let der = URL_SAFE_NO_PAD
        .decode(public_key)
        .map_err(|_| AppError::Validation {
            field: "publicKey",
            reason: "must be a P-256 public key (SPKI DER, URL-safe base64)",
        })?;
    let key = VerifyingKey::from_public_key_der(&der).map_err(|_| invalid)?;
    Ok((der, key))
}

/// First step of joining by link: binds the link to this browser's key the
/// first time, refuses any other key after that, and hands out a challenge
/// for the key to sign.
pub async fn begin_link_join(
    state: &AppState,
    client: &ClientInfo,
    token: &str,
    public_key: &str,
) -> AppResult<String> {
    let (der, _) = decode_key(public_key)?;
    let (tx, participant) = by_link(state, token).await?;
    match &participant.device_key {
        None => {
            tx.conn()
                .execute(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "UPDATE room_participants SET device_key = $2, link_redeemed_at = now() WHERE id = $1",
                    [participant.id.into(), der.into()],
                ))
                .await?;
        }
        Some(bound) if *bound == der => {}
        Some(_) => {
            let org_id = tx.scope().org_id;
            drop(tx);
            audit_refusal(
                state,
                client,
                org_id,
                participant.id,
                AuditAction::VideoJoinRefused,
            )
            .await?;
            tracing::warn!(participant_id = %participant.id, "join link opened on a second device");
            return Err(AppError::LinkBoundElsewhere);
        }
    }
    tx.commit().await?;
    let challenge = state
        .kv
        .put_once(
            "video:challenge",
            &ChallengeState {
                participant_id: participant.id,
            },
            120,
        )
        .await?;
    Ok(challenge)
}

/// Second step: the challenge signed by the bound key gives a pass.
pub async fn finish_link_join(
    state: &AppState,
    client: &ClientInfo,
    token: &str,
    challenge: &str,
    signature: &str,
) -> AppResult<String> {
    let (tx, participant) = by_link(state, token).await?;
    let org_id = tx.scope().org_id;
    let taken: Option<ChallengeState> = state.kv.take_once("video:challenge", challenge).await?;
    let proven = taken.is_some_and(|c| c.participant_id == participant.id)
        && participant
            .device_key
            .as_deref()
            .is_some_and(|der| verify(der, challenge, signature));
    drop(tx);
    if !proven {
        audit_refusal(
            state,
            client,
            org_id,
            participant.id,
            AuditAction::VideoJoinRefused,
        )
        .await?;
        tracing::warn!(participant_id = %participant.id, "device proof refused");
        return Err(AppError::DeviceProofRejected);
    }
    new_pass(state, org_id, participant.id).await
}

/// Whether `signature` (URL-safe base64 of WebCrypto's raw r‖s) signs the
/// UTF-8 bytes of `challenge` with the SPKI key `der`.
fn verify(der: &[u8], challenge: &str, signature: &str) -> bool {
    let Ok(key) = VerifyingKey::from_public_key_der(der) else {
        return false;
    };
    let Ok(bytes) = URL_SAFE_NO_PAD.decode(signature) else {
        return false;
    };
    let Ok(signature) = Signature::from_slice(&bytes) else {
        return false;
    };
    key.verify(challenge.as_bytes(), &signature).is_ok()
}

/// A signed-in member's pass for a session they take part in.
pub async fn member_pass(state: &AppState, actor: &Actor, session_id: Uuid) -> AppResult<String> {
    let tx = state
        .db
        .tenant(TenantScope {
            org_id: actor.org_id,
            user_id: Some(actor.user_id),
        })
        .await?;
    let session = load_session(&tx, session_id, false)
        .await?
        .ok_or(AppError::NotFound)?;
    ensure(&tx, &session).await?;
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "SELECT {PARTICIPANT_COLUMNS} FROM room_participants
                 WHERE session_id = $1 AND user_id = $2 ORDER BY party_id NULLS FIRST LIMIT 1"
            ),
            [session_id.into(), actor.user_id.into()],
        ))
        .await?
        .ok_or(AppError::NotFound)?;
    let participant = Participant::from_row(&row)?;
    // Staff hold staff roles, parties party roles: a row alone is not enough.
    let entitled = if participant.role.moderates() {
        actor.has(crate::authz::RoleKey::Mediator)
    } else {
        actor.has(crate::authz::RoleKey::Party)
            || actor.has(crate::authz::RoleKey::PartyRepresentative)
    };
    if !entitled || actor.mfa_pending {
        return Err(AppError::NotFound);
    }
    if participant.revoked_at.is_some() || participant.admission == Admission::Removed {
        return Err(AppError::LinkExpired);
    }
    if !session.open() {
        return Err(AppError::SessionClosed);
    }
    tx.commit().await?;
    new_pass(state, actor.org_id, participant.id).await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used)]

    use p256::ecdsa::SigningKey;
    use p256::ecdsa::signature::Signer as _;
    use p256::pkcs8::EncodePublicKey as _;

    use super::*;

    fn key() -> (SigningKey, String) {
        let signing = SigningKey::from_slice(&[7u8; 32]).expect("a valid scalar");
        let der = signing
            .verifying_key()
            .to_public_key_der()
            .expect("SPKI DER");
        (signing, URL_SAFE_NO_PAD.encode(der.as_bytes()))
    }

    #[test]
    fn a_signature_by_the_bound_key_verifies_and_nothing_else_does() {
        let (signing, public) = key();
        let (der, _) = decode_key(&public).expect("decodes");
        let sig: Signature = signing.sign(b"challenge-1");
        let sig = URL_SAFE_NO_PAD.encode(sig.to_bytes());
        assert!(verify(&der, "challenge-1", &sig));
        assert!(!verify(&der, "challenge-2", &sig), "another challenge");
        let other = SigningKey::from_slice(&[9u8; 32]).expect("a valid scalar");
        let forged: Signature = other.sign(b"challenge-1");
        assert!(!verify(
            &der,
            "challenge-1",
            &URL_SAFE_NO_PAD.encode(forged.to_bytes())
        ));
        assert!(!verify(&der, "challenge-1", "not base64!"));
        assert!(!verify(
            &der,
            "challenge-1",
            &URL_SAFE_NO_PAD.encode([0u8; 10])
        ));
    }

    #[test]
    fn malformed_keys_are_refused() {
        assert!(decode_key("").is_err());
        assert!(decode_key("%%%").is_err());
        assert!(decode_key(&URL_SAFE_NO_PAD.encode([1u8; 91])).is_err());
        assert!(decode_key(&"A".repeat(401)).is_err());
    }
}

//! Invitations: an organization invites a person by email to hold a role. The
//! link is single-use, expires, can be revoked and is bound to the invited
//! address. Only the SHA-256 of its token is stored; the token is made when the
//! email is sent and lives only in that email.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use sha2::{Digest, Sha256};
use shared_types::Locale;
use uuid::Uuid;

use crate::audit::{self, AuditAction, ClientInfo, NewEntry};
use crate::authz::{self, Action, Actor, RoleKey};
use crate::db::{Db, TenantScope, TenantTx};
use crate::error::{AppError, AppResult};
use crate::identity::session::{SessionRecord, SessionToken, Sessions};
use crate::identity::{password, password_policy, service};
use crate::jobs::{self, JobKind};
use crate::redact::Sensitive;

/// How long an invitation link works.
pub const VALIDITY_DAYS: i64 = 7;

/// Parses and normalizes an email address (the domain lower-cased).
pub fn normalize_email(input: &str) -> AppResult<String> {
    let trimmed = input.trim();
    let parsed = email_address::EmailAddress::parse_with_options(
        trimmed,
        email_address::Options::default().without_display_text(),
    )
    .map_err(|_| AppError::validation("email", "format"))?;
    if trimmed.len() > service::MAX_EMAIL_LENGTH || !parsed.domain().contains('.') {
        return Err(AppError::validation("email", "format"));
    }
    Ok(format!(
        "{}@{}",
        parsed.local_part(),
        parsed.domain().to_lowercase()
    ))
}

fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Creates an invitation and queues its email, in the caller's transaction.
pub async fn invite(
    tx: &TenantTx,
    client: &ClientInfo,
    actor: &Actor,
    email: &str,
    role: RoleKey,
    locale: Locale,
) -> AppResult<Uuid> {
    authz::authorize(actor, Action::Invite(role))?;
    let id = invite_unchecked(tx, email, role, locale, Some(actor.user_id)).await?;
    audit::record(
        tx,
        client,
        NewEntry::new(Some(actor.user_id), AuditAction::InvitationCreated).target("invitation", id),
    )
    .await?;
    Ok(id)
}

/// Creates an invitation and queues its email, without authorization or audit:
/// for callers that did both (creating an organization with its first admin).
pub async fn invite_unchecked(
    tx: &TenantTx,
    email: &str,
    role: RoleKey,
    locale: Locale,
    invited_by: Option<Uuid>,
) -> AppResult<Uuid> {
    let email = normalize_email(email)?;
    let id = Uuid::now_v7();
    let expires_at = Utc::now() + Duration::days(VALIDITY_DAYS);
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO invitations (id, org_id, email, role_id, locale, invited_by, expires_at)
             SELECT $1, $2, $3, r.id, $4, $5, $6 FROM roles r WHERE r.key = $7",
            [
                id.into(),
                tx.scope().org_id.into(),
                email.into(),
                locale.tag().into(),
                invited_by.into(),
                expires_at.into(),
                role.key().into(),
            ],
        ))
        .await?;
    jobs::enqueue(
        tx,
        JobKind::Invitation.as_str(),
        serde_json::json!({ "invitationId": id }),
        jobs::DEFAULT_MAX_ATTEMPTS,
    )
    .await?;
    Ok(id)
}

/// Withdraws an unaccepted invitation.
pub async fn revoke(tx: &TenantTx, client: &ClientInfo, actor: &Actor, id: Uuid) -> AppResult<()> {
    let invitation = load_by_id(tx, id).await?.ok_or(AppError::NotFound)?;
    authz::authorize(actor, Action::Invite(invitation.role))?;
    let updated = tx
        .conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE invitations SET revoked_at = now()
             WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL",
            [id.into()],
        ))
        .await?;
    if updated.rows_affected() == 0 {
        return Err(AppError::Conflict(
            "The invitation was already accepted or withdrawn.",
        ));
    }
    audit::record(
        tx,
        client,
        NewEntry::new(Some(actor.user_id), AuditAction::InvitationRevoked).target("invitation", id),
    )
    .await
}

/// One invitation as stored.
#[derive(Clone)]
pub struct Invitation {
    pub id: Uuid,
    pub org_id: Uuid,
    pub email: Sensitive<String>,
    pub role: RoleKey,
    pub locale: Locale,
    pub expires_at: DateTime<Utc>,
    pub accepted: bool,
    pub revoked: bool,
}

const COLUMNS: &str = "i.id, i.org_id, i.email, r.key AS role, i.locale, i.expires_at,
     i.accepted_at IS NOT NULL AS accepted, i.revoked_at IS NOT NULL AS revoked";

fn from_row(row: &sea_orm::QueryResult) -> AppResult<Invitation> {
    let role: String = row.try_get("", "role")?;
    let locale: String = row.try_get("", "locale")?;
    Ok(Invitation {
        id: row.try_get("", "id")?,
        org_id: row.try_get("", "org_id")?,
        email: Sensitive::new(row.try_get("", "email")?),
        role: RoleKey::parse(&role)
            .ok_or(AppError::Internal(anyhow::anyhow!("unknown role key")))?,
        locale: Locale::parse(&locale).unwrap_or_default(),
        expires_at: crate::db::utc(row, "expires_at")?,
        accepted: row.try_get("", "accepted")?,
        revoked: row.try_get("", "revoked")?,
    })
}

async fn load_by_id(tx: &TenantTx, id: Uuid) -> AppResult<Option<Invitation>> {
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("SELECT {COLUMNS} FROM invitations i JOIN roles r ON r.id = i.role_id WHERE i.id = $1"),
            [id.into()],
        ))
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Gives a live invitation a fresh token (the worker does this when sending)
/// and returns it with the token. None when the invitation is no longer live.
pub async fn issue_token(
    tx: &TenantTx,
    id: Uuid,
) -> AppResult<Option<(Invitation, Sensitive<String>)>> {
    let Some(invitation) = load_by_id(tx, id).await? else {
        return Ok(None);
    };
    if invitation.accepted || invitation.revoked || invitation.expires_at <= Utc::now() {
        return Ok(None);
    }
    let token = crate::token::new();
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE invitations SET token_hash = $2 WHERE id = $1",
            [id.into(), hash_token(&token).into()],
        ))
        .await?;
    Ok(Some((invitation, Sensitive::new(token))))
}

/// Opens the transaction of a token's organization and locks its invitation.
/// Unknown tokens are NOT_FOUND; used, expired and revoked ones say so.
async fn open(db: &Db, token: &str, user_id: Option<Uuid>) -> AppResult<(TenantTx, Invitation)> {
    if !crate::token::is_plausible(token) {
        return Err(AppError::NotFound);
    }
    let hash = hash_token(token);
    let org_id = db
        .unscoped_invitation_org(&hash)
        .await?
        .ok_or(AppError::NotFound)?;
    let tx = db.tenant(TenantScope { org_id, user_id }).await?;
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "SELECT {COLUMNS} FROM invitations i JOIN roles r ON r.id = i.role_id
                 WHERE i.token_hash = $1 FOR UPDATE OF i"
            ),
            [hash.into()],
        ))
        .await?
        .ok_or(AppError::NotFound)?;
    let invitation = from_row(&row)?;
    if invitation.accepted {
        return Err(AppError::LinkUsed);
    }
    if invitation.revoked || invitation.expires_at <= Utc::now() {
        return Err(AppError::LinkExpired);
    }
    Ok((tx, invitation))
}

/// What the acceptance page shows.
pub struct Preview {
    pub invitation: Invitation,
    pub organization: crate::entities::organization::Model,
    pub account_exists: bool,
}

pub async fn preview(db: &Db, token: &str) -> AppResult<Preview> {
    let (tx, invitation) = open(db, token, None).await?;
    let organization = crate::orgs::service::current(&tx).await?;
    tx.commit().await?;
    let account_exists = db
        .unscoped_sign_in_lookup(invitation.email.expose())
        .await?
        .is_some();
    Ok(Preview {
        invitation,
        organization,
        account_exists,
    })
}

/// A new account's details.
pub struct NewAccount {
    pub name: String,
    pub password: Sensitive<String>,
    pub locale: Locale,
    pub timezone: String,
}

/// Accepts an invitation by creating the account it is bound to, and signs in.
pub async fn accept_new(
    db: &Db,
    sessions: &Sessions,
    client: &ClientInfo,
    token: &str,
    account: NewAccount,
) -> AppResult<(SessionToken, SessionRecord)> {
    let name = account.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::validation("name", "length"));
    }
    if account.timezone.parse::<chrono_tz::Tz>().is_err() {
        return Err(AppError::validation("timezone", "unknown"));
    }
    let (tx, invitation) = open(db, token, None).await?;
    password_policy::check(account.password.expose(), invitation.email.expose())?;
    if db
        .unscoped_sign_in_lookup(invitation.email.expose())
        .await?
        .is_some()
    {
        return Err(AppError::Conflict(
            "An account with this email already exists: sign in, then accept the invitation.",
        ));
    }
    let hash = password::hash(account.password).await?;
    let user_id = Uuid::now_v7();
    let conn = tx.conn();
    conn.execute(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO users (id, email, hashed_password) VALUES ($1, $2, $3)",
        [
            user_id.into(),
            invitation.email.expose().clone().into(),
            hash.into(),
        ],
    ))
    .await?;
    conn.execute(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO profiles (user_id, name, locale, timezone) VALUES ($1, $2, $3, $4)",
        [
            user_id.into(),
            name.into(),
            account.locale.tag().into(),
            account.timezone.into(),
        ],
    ))
    .await?;
    grant_and_close(&tx, client, &invitation, user_id).await?;
    let roles = vec![invitation.role];
    crate::identity::service::open_session(tx, sessions, client, user_id, roles).await
}

/// Accepts an invitation for the signed-in user, whose email must be the
/// invited one. The role is added in the invitation's organization.
pub async fn accept_existing(
    db: &Db,
    client: &ClientInfo,
    actor: &Actor,
    token: &str,
) -> AppResult<Uuid> {
    let (tx, invitation) = open(db, token, Some(actor.user_id)).await?;
    let record = db
        .unscoped_sign_in_lookup(invitation.email.expose())
        .await?
        .ok_or(AppError::Forbidden)?;
    if record.user_id != actor.user_id {
        return Err(AppError::Forbidden);
    }
    grant_and_close(&tx, client, &invitation, actor.user_id).await?;
    tx.commit().await?;
    Ok(invitation.org_id)
}

async fn grant_and_close(
    tx: &TenantTx,
    client: &ClientInfo,
    invitation: &Invitation,
    user_id: Uuid,
) -> AppResult<()> {
    let conn = tx.conn();
    conn.execute(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO user_roles (org_id, user_id, role_id)
         SELECT $1, $2, r.id FROM roles r WHERE r.key = $3 ON CONFLICT DO NOTHING",
        [
            invitation.org_id.into(),
            user_id.into(),
            invitation.role.key().into(),
        ],
    ))
    .await?;
    conn.execute(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "UPDATE invitations SET accepted_at = now(), accepted_by = $2 WHERE id = $1",
        [invitation.id.into(), user_id.into()],
    ))
    .await?;
    crate::cases::parties::link_invited(tx, invitation.id, user_id).await?;
    audit::record(
        tx,
        client,
        NewEntry::new(Some(user_id), AuditAction::InvitationAccepted)
            .target("invitation", invitation.id),
    )
    .await
}

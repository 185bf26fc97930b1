//! Sign-in and the people of an organization.

use sea_orm::{ColumnTrait, EntityTrait, JoinType, QueryFilter, QuerySelect, RelationTrait};
use uuid::Uuid;

use crate::audit::{self, AuditAction, ClientInfo, NewEntry};
use crate::authz::RoleKey;
use crate::db::{Db, TenantScope, TenantTx};
use crate::entities::{role, user_role};
use crate::error::{AppError, AppResult};
use crate::identity::password;
use crate::identity::session::{NewSession, SessionPolicy, SessionRecord, SessionToken, Sessions};
use crate::identity::throttle::SignInThrottle;
use crate::jobs::{self, JobKind};
use crate::orgs::service::OrgSettings;
use crate::redact::Sensitive;

pub const MAX_EMAIL_LENGTH: usize = 320;

/// Checks an email and password; on success opens a session in the user's
/// oldest organization. Unknown addresses and wrong passwords give the same
/// answer after the same work.
#[tracing::instrument(skip_all)]
pub async fn sign_in(
    db: &Db,
    sessions: &Sessions,
    throttle: &SignInThrottle,
    client: &ClientInfo,
    email: Sensitive<String>,
    password_input: Sensitive<String>,
) -> AppResult<(SessionToken, SessionRecord)> {
    let email = email.expose().trim();
    if email.is_empty() || email.len() > MAX_EMAIL_LENGTH {
        return Err(AppError::validation("email", "length"));
    }
    if password_input.expose().len() > password::MAX_LENGTH {
        return Err(AppError::validation("password", "length"));
    }
    let address = client.ip.as_deref();
    if throttle.is_limited(email, address).await? {
        tracing::info!("sign-in throttled");
        return Err(AppError::RateLimited);
    }
    let record = db.unscoped_sign_in_lookup(email).await?;
    let (user_id, stored, active) = match record {
        Some(r) => (Some(r.user_id), r.hashed_password, r.status == "active"),
        None => (None, None, false),
    };
    let verified = password::verify(password_input, stored).await?;
    let memberships = match user_id {
        Some(user_id) => db.unscoped_memberships(user_id).await?,
        None => Vec::new(),
    };
    let (Some(user_id), Some(&org_id)) = (user_id, memberships.first()) else {
        throttle.record_failure(email, address).await?;
        tracing::info!("sign-in refused");
        return Err(AppError::InvalidCredentials);
    };
    let tx = db
        .tenant(TenantScope {
            org_id,
            user_id: Some(user_id),
        })
        .await?;
    if !(verified && active) {
        // A known account: the attempt goes on its organization's audit log.
        audit::record(
            &tx,
            client,
            NewEntry::new(None, AuditAction::SignInFailed).target("user", user_id),
        )
        .await?;
        tx.commit().await?;
        throttle.record_failure(email, address).await?;
        tracing::info!(user_id = %user_id, "sign-in refused");
        return Err(AppError::InvalidCredentials);
    }
    throttle.record_success(email).await?;
    let tx = second_step(tx, sessions, user_id).await?;
    complete_sign_in(tx, sessions, client, user_id, "password").await
}

/// After a first factor that is not a passkey (a password, an emailed link):
/// the second step the account owes, if any. Accounts with an authenticator
/// app always take it (`MFA_REQUIRED` with a challenge); accounts whose only
/// second factor is a passkey must use it when their organization requires a
/// second factor of their roles (`PASSKEY_REQUIRED`). Otherwise hands `tx` back.
pub async fn second_step(tx: TenantTx, sessions: &Sessions, user_id: Uuid) -> AppResult<TenantTx> {
    let org_id = tx.scope().org_id;
    if crate::identity::mfa::enabled(&tx, user_id).await? {
        tx.commit().await?;
        let challenge = crate::identity::mfa::challenge(sessions.kv(), user_id, org_id).await?;
        tracing::info!(user_id = %user_id, "sign-in needs a second factor");
        return Err(AppError::MfaRequired(challenge));
    }
    let roles = roles_of(&tx, user_id).await?;
    let org = crate::orgs::service::current(&tx).await?;
    if OrgSettings::from_json(&org.settings_json).requires_mfa(&roles)
        && crate::identity::passkeys::any(&tx, user_id).await?
    {
        tx.commit().await?;
        tracing::info!(user_id = %user_id, "sign-in needs the account's passkey");
        return Err(AppError::PasskeyRequired);
    }
    Ok(tx)
}

/// The end of every successful sign-in: roles, a notice for a new browser, the
/// audit entry and the session.
pub async fn complete_sign_in(
    tx: TenantTx,
    sessions: &Sessions,
    client: &ClientInfo,
    user_id: Uuid,
    via: &'static str,
) -> AppResult<(SessionToken, SessionRecord)> {
    let org_id = tx.scope().org_id;
    let roles = roles_of(&tx, user_id).await?;
    let known_browser = sessions
        .list(user_id)
        .await?
        .iter()
        .any(|(_, s)| s.user_agent.is_some() && s.user_agent == client.user_agent);
    if !known_browser {
        jobs::enqueue(
            &tx,
            JobKind::SignInNotice.as_str(),
            serde_json::json!({ "userId": user_id }),
            jobs::DEFAULT_MAX_ATTEMPTS,
        )
        .await?;
    }
    audit::record(
        &tx,
        client,
        NewEntry::new(Some(user_id), AuditAction::SignIn).target("factor", via),
    )
    .await?;
    let (token, record) = open_session(tx, sessions, client, user_id, roles).await?;
    tracing::info!(user_id = %user_id, org_id = %org_id, mfa_pending = record.mfa_pending, "signed in");
    Ok((token, record))
}

/// What the organization decides for a new session of `user_id` holding
/// `roles`: its lifetimes, and whether a second factor must be set up first.
pub async fn session_policy(
    tx: &TenantTx,
    sessions: &Sessions,
    user_id: Uuid,
    roles: &[RoleKey],
) -> AppResult<SessionPolicy> {
    let org = crate::orgs::service::current(tx).await?;
    let settings = OrgSettings::from_json(&org.settings_json);
    let (max_idle, max_absolute) = sessions.max_lifetimes();
    let (idle_secs, absolute_secs) = settings.session_lifetimes(max_idle, max_absolute);
    let mfa_pending = settings.requires_mfa(roles)
        && !crate::identity::mfa::has_second_factor(tx, user_id).await?;
    Ok(SessionPolicy {
        mfa_pending,
        idle_secs,
        absolute_secs,
    })
}

/// Commits `tx` (which recorded how the user got here) and opens a session
/// under the organization's policy: the one way every session begins.
pub async fn open_session(
    tx: TenantTx,
    sessions: &Sessions,
    client: &ClientInfo,
    user_id: Uuid,
    roles: Vec<RoleKey>,
) -> AppResult<(SessionToken, SessionRecord)> {
    let policy = session_policy(&tx, sessions, user_id, &roles).await?;
    let org_id = tx.scope().org_id;
    tx.commit().await?;
    Ok(sessions
        .create(
            NewSession {
                user_id,
                org_id,
                roles,
                policy,
            },
            client,
        )
        .await?)
}

/// The roles `user_id` holds in the transaction's organization.
pub async fn roles_of(tx: &TenantTx, user_id: Uuid) -> AppResult<Vec<RoleKey>> {
    let keys: Vec<String> = user_role::Entity::find()
        .select_only()
        .column(role::Column::Key)
        .join(JoinType::InnerJoin, user_role::Relation::Role.def())
        .filter(user_role::Column::UserId.eq(user_id))
        .filter(user_role::Column::OrgId.eq(tx.scope().org_id))
        .into_tuple()
        .all(tx.conn())
        .await?;
    let mut roles: Vec<RoleKey> = keys.iter().filter_map(|k| RoleKey::parse(k)).collect();
    roles.sort_by_key(|r| r.key());
    Ok(roles)
}

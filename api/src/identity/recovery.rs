//! Password reset and password-free sign-in by email link. Requests answer the
//! same whether or not the address has an account; links are single-use and
//! short-lived (see `links`). Staff cannot sign in by link: they use their
//! password (and, with issue #3's MFA, a second factor).

use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, Statement};
use uuid::Uuid;

use crate::audit::{self, AuditAction, ClientInfo, NewEntry};
use crate::db::{Db, TenantScope, TenantTx};
use crate::entities::user;
use crate::error::{AppError, AppResult};
use crate::identity::invitations::normalize_email;
use crate::identity::links::{LinkPurpose, Links};
use crate::identity::session::{SessionRecord, SessionToken, Sessions};
use crate::identity::{password, password_policy, service};
use crate::jobs::{self, JobKind};
use crate::redact::Sensitive;

/// Queues a link email for `email` when it belongs to an active account that
/// may use this kind of link. Always `Ok(())` otherwise, to reveal nothing.
pub async fn request_link(
    db: &Db,
    links: &Links,
    purpose: LinkPurpose,
    email: &str,
) -> AppResult<()> {
    let email = normalize_email(email)?;
    if !links.may_send(purpose, &email).await? {
        return Ok(());
    }
    let Some(record) = db.unscoped_sign_in_lookup(&email).await? else {
        return Ok(());
    };
    if record.status != "active" {
        return Ok(());
    }
    let Some(&org_id) = db.unscoped_memberships(record.user_id).await?.first() else {
        return Ok(());
    };
    let tx = db
        .tenant(TenantScope {
            org_id,
            user_id: Some(record.user_id),
        })
        .await?;
    if purpose == LinkPurpose::SignIn {
        let roles = service::roles_of(&tx, record.user_id).await?;
        if !link_sign_in_allowed(&tx, &roles).await? {
            return Ok(());
        }
    }
    jobs::enqueue(
        &tx,
        JobKind::EmailLink.as_str(),
        serde_json::json!({ "userId": record.user_id, "purpose": purpose }),
        jobs::DEFAULT_MAX_ATTEMPTS,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Parties may always sign in with an emailed link; staff only where the
/// organization allows it.
async fn link_sign_in_allowed(tx: &TenantTx, roles: &[crate::authz::RoleKey]) -> AppResult<bool> {
    if roles.is_empty() {
        return Ok(false);
    }
    if !roles.iter().any(|r| r.is_staff()) {
        return Ok(true);
    }
    let org = crate::orgs::service::current(tx).await?;
    Ok(crate::orgs::service::OrgSettings::from_json(&org.settings_json).staff_sign_in_links)
}

/// Sets a new password from a reset link, then ends every session of the
/// account. The password is checked before the link is spent, so a refused
/// password leaves the link usable.
pub async fn reset_password(
    db: &Db,
    links: &Links,
    sessions: &Sessions,
    client: &ClientInfo,
    token: &str,
    new_password: Sensitive<String>,
) -> AppResult<()> {
    let Some(peeked) = links.peek(LinkPurpose::PasswordReset, token).await? else {
        return Err(AppError::LinkExpired);
    };
    let email = {
        let tx = db
            .tenant(TenantScope {
                org_id: peeked.org_id,
                user_id: Some(peeked.user_id),
            })
            .await?;
        let account = user::Entity::find_by_id(peeked.user_id)
            .one(tx.conn())
            .await?
            .ok_or(AppError::LinkExpired)?;
        tx.commit().await?;
        account.email
    };
    // The refusal names this operation's input, `newPassword`.
    password_policy::check(new_password.expose(), &email).map_err(|error| match error {
        AppError::Validation { reason, .. } => AppError::validation("newPassword", reason),
        other => other,
    })?;
    let Some(redeemed) = links.redeem(LinkPurpose::PasswordReset, token).await? else {
        return Err(AppError::LinkExpired);
    };
    let hash = password::hash(new_password).await?;
    let tx = db
        .tenant(TenantScope {
            org_id: redeemed.org_id,
            user_id: Some(redeemed.user_id),
        })
        .await?;
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE users SET hashed_password = $2 WHERE id = $1 AND status = 'active'",
            [redeemed.user_id.into(), hash.into()],
        ))
        .await?;
    audit::record(
        &tx,
        client,
        NewEntry::new(Some(redeemed.user_id), AuditAction::PasswordReset)
            .target("user", redeemed.user_id),
    )
    .await?;
    tx.commit().await?;
    sessions.revoke_all(redeemed.user_id).await?;
    Ok(())
}

/// Signs a party in from a sign-in link.
pub async fn sign_in_with_link(
    db: &Db,
    links: &Links,
    sessions: &Sessions,
    client: &ClientInfo,
    token: &str,
) -> AppResult<(SessionToken, SessionRecord)> {
    let Some(redeemed) = links.redeem(LinkPurpose::SignIn, token).await? else {
        return Err(AppError::LinkExpired);
    };
    let user_id: Uuid = redeemed.user_id;
    let tx = db
        .tenant(TenantScope {
            org_id: redeemed.org_id,
            user_id: Some(user_id),
        })
        .await?;
    let account = user::Entity::find_by_id(user_id)
        .one(tx.conn())
        .await?
        .ok_or(AppError::LinkExpired)?;
    let roles = service::roles_of(&tx, user_id).await?;
    if account.status != "active" || !link_sign_in_allowed(&tx, &roles).await? {
        return Err(AppError::Forbidden);
    }
    // The link is one factor: an account with a second one still owes it.
    let tx = service::second_step(tx, sessions, user_id).await?;
    audit::record(
        &tx,
        client,
        NewEntry::new(Some(user_id), AuditAction::SignIn).target("link", "email"),
    )
    .await?;
    service::open_session(tx, sessions, client, user_id, roles).await
}

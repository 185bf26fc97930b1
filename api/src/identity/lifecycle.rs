//! Account lifecycle and profiles. A person may belong to several
//! organizations, so an org admin changes an account's status only when it
//! belongs to their organization alone; otherwise they remove its roles here.
//! Deleting pseudonymizes: the email, name and contact details are replaced,
//! the password removed, every session ended; audit entries stay (they hold
//! identifiers only).

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use uuid::Uuid;

use crate::audit::{self, AuditAction, ClientInfo, NewEntry};
use crate::authz::{self, Action, Actor, RoleKey};
use crate::db::{Db, TenantTx};
use crate::error::{AppError, AppResult};
use crate::identity::session::Sessions;

/// What an org admin can do to a member's account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum AccountChange {
    Suspend,
    Reactivate,
    Delete,
}

async fn member_of_org(tx: &TenantTx, user_id: Uuid) -> AppResult<bool> {
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT EXISTS (SELECT 1 FROM user_roles WHERE org_id = $1 AND user_id = $2) AS member",
            [tx.scope().org_id.into(), user_id.into()],
        ))
        .await?;
    Ok(row
        .map(|r| r.try_get::<bool>("", "member"))
        .transpose()?
        .unwrap_or(false))
}

/// Applies `change` to a member's account.
pub async fn change_account(
    db: &Db,
    tx: &TenantTx,
    sessions: &Sessions,
    client: &ClientInfo,
    actor: &Actor,
    user_id: Uuid,
    change: AccountChange,
) -> AppResult<()> {
    authz::authorize(actor, Action::ManageMembers)?;
    if !member_of_org(tx, user_id).await? {
        return Err(AppError::NotFound);
    }
    if user_id == actor.user_id {
        return Err(AppError::Conflict(
            "You cannot change your own account's status.",
        ));
    }
    let elsewhere = db
        .unscoped_memberships(user_id)
        .await?
        .into_iter()
        .any(|org| org != actor.org_id);
    if elsewhere {
        return Err(AppError::Conflict(
            "This person also works with other organizations: remove their roles here instead.",
        ));
    }
    let conn = tx.conn();
    let (sql, action) = match change {
        AccountChange::Suspend => (
            "UPDATE users SET status = 'suspended' WHERE id = $1 AND status = 'active'",
            AuditAction::MemberSuspended,
        ),
        AccountChange::Reactivate => (
            "UPDATE users SET status = 'active' WHERE id = $1 AND status = 'suspended'",
            AuditAction::MemberReactivated,
        ),
        AccountChange::Delete => (
            "UPDATE users SET status = 'deleted', hashed_password = NULL,
                    email = 'deleted-' || id::text || '@deleted.invalid', mfa_enabled = false
             WHERE id = $1 AND status <> 'deleted'",
            AuditAction::MemberDeleted,
        ),
    };
    let updated = conn
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            [user_id.into()],
        ))
        .await?;
    if updated.rows_affected() == 0 {
        return Err(AppError::Conflict(
            "The account is not in a state that allows this.",
        ));
    }
    if change == AccountChange::Delete {
        conn.execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE profiles SET name = 'Deleted user', contact_info = '{}'::jsonb, timezone = 'UTC'
             WHERE user_id = $1",
            [user_id.into()],
        ))
        .await?;
    }
    audit::record(
        tx,
        client,
        NewEntry::new(Some(actor.user_id), action).target("user", user_id),
    )
    .await?;
    if change != AccountChange::Reactivate {
        // Out of every video session too, rooms included (a job).
        crate::video::revoke::revoke_person(tx, user_id).await?;
        sessions.revoke_all(user_id).await?;
    }
    Ok(())
}

/// Removes every role a person holds in the actor's organization.
pub async fn remove_member(
    tx: &TenantTx,
    sessions: &Sessions,
    client: &ClientInfo,
    actor: &Actor,
    user_id: Uuid,
) -> AppResult<()> {
    authz::authorize(actor, Action::ManageMembers)?;
    if user_id == actor.user_id {
        return Err(AppError::Conflict("You cannot remove yourself."));
    }
    let removed = tx
        .conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "DELETE FROM user_roles WHERE org_id = $1 AND user_id = $2",
            [tx.scope().org_id.into(), user_id.into()],
        ))
        .await?;
    if removed.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    audit::record(
        tx,
        client,
        NewEntry::new(Some(actor.user_id), AuditAction::MemberRemoved).target("user", user_id),
    )
    .await?;
    // Sessions carry roles: end them so no session keeps this organization's.
    crate::video::revoke::revoke_person(tx, user_id).await?;
    sessions.revoke_all(user_id).await?;
    Ok(())
}

/// Sets the roles a member holds in the actor's organization. The member's
/// sessions there end (a privilege change: they sign in again and get a new
/// session id under the new roles). Returns the roles now held.
pub async fn set_roles(
    tx: &TenantTx,
    sessions: &Sessions,
    client: &ClientInfo,
    actor: &Actor,
    user_id: Uuid,
    roles: &[RoleKey],
) -> AppResult<Vec<RoleKey>> {
    authz::authorize(actor, Action::ManageMembers)?;
    if roles.is_empty() {
        return Err(AppError::validation("roles", "empty"));
    }
    if !member_of_org(tx, user_id).await? {
        return Err(AppError::NotFound);
    }
    if user_id == actor.user_id {
        return Err(AppError::Conflict("You cannot change your own roles."));
    }
    let held = crate::identity::service::roles_of(tx, user_id).await?;
    let added: Vec<RoleKey> = roles
        .iter()
        .copied()
        .filter(|r| !held.contains(r))
        .collect();
    let removed: Vec<RoleKey> = held
        .iter()
        .copied()
        .filter(|r| !roles.contains(r))
        .collect();
    for &role in added.iter().chain(&removed) {
        authz::authorize(actor, Action::AssignRole(role))?;
    }
    let conn = tx.conn();
    for role in &removed {
        conn.execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "DELETE FROM user_roles ur USING roles r
             WHERE ur.role_id = r.id AND ur.org_id = $1 AND ur.user_id = $2 AND r.key = $3",
            [tx.scope().org_id.into(), user_id.into(), role.key().into()],
        ))
        .await?;
    }
    for role in &added {
        conn.execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO user_roles (org_id, user_id, role_id)
             SELECT $1, $2, r.id FROM roles r WHERE r.key = $3 ON CONFLICT DO NOTHING",
            [tx.scope().org_id.into(), user_id.into(), role.key().into()],
        ))
        .await?;
    }
    for _ in added.iter().chain(&removed) {
        audit::record(
            tx,
            client,
            NewEntry::new(Some(actor.user_id), AuditAction::RoleChanged).target("user", user_id),
        )
        .await?;
    }
    if !(added.is_empty() && removed.is_empty()) {
        sessions.revoke_in_org(user_id, tx.scope().org_id).await?;
    }
    crate::identity::service::roles_of(tx, user_id).await
}

/// The signed-in person's own profile.
pub struct ProfileUpdate {
    pub name: Option<String>,
    pub locale: Option<shared_types::Locale>,
    pub timezone: Option<String>,
    /// A mobile number in E.164 form; empty removes it (and the SMS opt-in).
    pub mobile: Option<String>,
    /// Whether session notices also come by SMS (needs a mobile number).
    pub sms_opt_in: Option<bool>,
}

/// What `profiles.contact_info` holds: `{"mobile": "+…", "smsOptIn": bool}`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ContactInfo {
    pub mobile: Option<crate::sms::PhoneNumber>,
    pub sms_opt_in: bool,
}

impl ContactInfo {
    pub fn from_json(value: &serde_json::Value) -> Self {
        let mobile = value
            .get("mobile")
            .and_then(|m| m.as_str())
            .and_then(|m| crate::sms::PhoneNumber::parse(m).ok());
        let sms_opt_in = mobile.is_some()
            && value
                .get("smsOptIn")
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false);
        Self { mobile, sms_opt_in }
    }

    fn to_json(&self) -> serde_json::Value {
        match &self.mobile {
            Some(m) => serde_json::json!({ "mobile": m.expose(), "smsOptIn": self.sms_opt_in }),
            None => serde_json::json!({}),
        }
    }

    /// Applies an update: a new number (empty removes it) and the opt-in.
    fn apply(&self, mobile: Option<&str>, sms_opt_in: Option<bool>) -> AppResult<Self> {
        let mobile = match mobile.map(str::trim) {
            None => self.mobile.clone(),
            Some("") => None,
            Some(m) => Some(
                crate::sms::PhoneNumber::parse(m)
                    .map_err(|_| AppError::validation("mobile", "format"))?,
            ),
        };
        let sms_opt_in = match sms_opt_in {
            Some(true) if mobile.is_none() => {
                return Err(AppError::validation("smsOptIn", "mobile_required"));
            }
            Some(wanted) => wanted,
            None => self.sms_opt_in && mobile.is_some(),
        };
        Ok(Self { mobile, sms_opt_in })
    }
}

pub async fn update_profile(tx: &TenantTx, actor: &Actor, update: ProfileUpdate) -> AppResult<()> {
    let name = update
        .name
        .map(|n| {
            let n = n.trim().to_owned();
            if n.is_empty() || n.chars().count() > 200 {
                Err(AppError::validation("name", "length"))
            } else {
                Ok(n)
            }
        })
        .transpose()?;
    if let Some(zone) = &update.timezone
        && zone.parse::<chrono_tz::Tz>().is_err()
    {
        return Err(AppError::validation("timezone", "unknown"));
    }
    let contact = if update.mobile.is_some() || update.sms_opt_in.is_some() {
        let row = tx
            .conn()
            .query_one(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT contact_info FROM profiles WHERE user_id = $1 FOR UPDATE",
                [actor.user_id.into()],
            ))
            .await?;
        let current = match row {
            Some(row) => {
                ContactInfo::from_json(&row.try_get::<serde_json::Value>("", "contact_info")?)
            }
            None => ContactInfo::default(),
        };
        Some(
            current
                .apply(update.mobile.as_deref(), update.sms_opt_in)?
                .to_json(),
        )
    } else {
        None
    };
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE profiles SET name = coalesce($2, name), locale = coalesce($3, locale),
                    timezone = coalesce($4, timezone), contact_info = coalesce($5, contact_info)
             WHERE user_id = $1",
            [
                actor.user_id.into(),
                name.into(),
                update.locale.map(|l| l.tag().to_owned()).into(),
                update.timezone.into(),
                contact.into(),
            ],
        ))
        .await?;
    Ok(())
}

//! GraphQL for identity: the viewer, people, sign-in and sign-out.

use async_graphql::connection::{Connection, Edge, EmptyFields, query};
use async_graphql::{ComplexObject, Context, ID, InputObject, Object, SimpleObject};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::audit::{self, AuditAction, NewEntry};
use crate::authz::{self, Action, RoleKey};
use crate::entities::{profile, user, user_role};
use crate::error::{AppError, AppResult};
use crate::graphql::context::RequestContext;
use crate::identity::links::LinkPurpose;
use crate::identity::{lifecycle, recovery, service, session};
use crate::orgs::graphql::Organization;
use crate::redact::Sensitive;

/// A person, as seen from the current organization.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct User {
    pub id: ID,
    pub email: String,
    pub name: String,
    pub locale: String,
    pub timezone: String,
    pub status: String,
    pub mfa_enabled: bool,
    #[graphql(skip)]
    pub uuid: Uuid,
}

#[ComplexObject]
impl User {
    /// The roles this person holds in the current organization.
    async fn roles(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<RoleKey>> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require_session(rc.actor.as_ref())?;
        let tx = rc.tenant_tx(actor).await?;
        let roles = service::roles_of(&tx, self.uuid).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(roles)
    }
}

impl User {
    pub fn from_models(user: user::Model, profile: Option<profile::Model>) -> Self {
        let (name, locale, timezone) = match profile {
            Some(p) => (p.name, p.locale, p.timezone),
            None => (String::new(), "en".to_owned(), "UTC".to_owned()),
        };
        User {
            id: ID(user.id.to_string()),
            uuid: user.id,
            email: user.email,
            name,
            locale,
            timezone,
            status: user.status,
            mfa_enabled: user.mfa_enabled,
        }
    }
}

/// Who is signed in, and where.
#[derive(SimpleObject)]
pub struct Viewer {
    pub user: User,
    pub organization: Organization,
    pub roles: Vec<RoleKey>,
    /// The organization requires a second factor for one of these roles and
    /// none is set up: the portal sends the user to set-up before anything else.
    pub mfa_enrollment_required: bool,
    /// The viewer's own mobile number (E.164), for SMS session notices.
    pub mobile: Option<String>,
    /// Whether session notices also come to the mobile number by SMS.
    pub sms_opt_in: bool,
}

#[derive(InputObject)]
pub struct SignInInput {
    #[graphql(validator(max_length = 320))]
    pub email: String,
    #[graphql(validator(max_length = 256))]
    pub password: String,
}

#[derive(SimpleObject)]
pub struct SignInPayload {
    pub viewer: Viewer,
}

#[derive(Default)]
pub struct IdentityQuery;

#[Object]
impl IdentityQuery {
    /// The signed-in user, or null when nobody is signed in.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Viewer>> {
        let rc = RequestContext::of(ctx);
        let Some(actor) = rc.actor.as_ref() else {
            return Ok(None);
        };
        Ok(Some(viewer(rc, actor).await?))
    }

    /// The signed-in user's live sessions, oldest first.
    async fn my_sessions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<SessionInfo>> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require_session(rc.actor.as_ref())?;
        let current = rc
            .session_token
            .as_ref()
            .map(|t| session::session_id(t.expose()));
        let sessions = rc
            .state
            .sessions
            .list(actor.user_id)
            .await
            .map_err(AppError::from)?;
        Ok(sessions
            .into_iter()
            .map(|(id, record)| SessionInfo {
                current: current.as_deref() == Some(id.as_str()),
                id: ID(id),
                created_at: record.created_at,
                ip: record.ip,
                user_agent: record.user_agent,
            })
            .collect())
    }

    /// Every organization the signed-in user holds a role in, to pick the
    /// active one.
    async fn my_organizations(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Membership>> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require_session(rc.actor.as_ref())?;
        if actor.scopes.is_some() {
            return Err(AppError::Forbidden.into());
        }
        let org_ids = rc
            .state
            .db
            .unscoped_memberships(actor.user_id)
            .await
            .map_err(AppError::from)?;
        let mut memberships = Vec::with_capacity(org_ids.len());
        for org_id in org_ids {
            let tx = rc
                .state
                .db
                .tenant(crate::db::TenantScope {
                    org_id,
                    user_id: Some(actor.user_id),
                })
                .await
                .map_err(AppError::from)?;
            let org = crate::orgs::service::current(&tx).await?;
            let roles = service::roles_of(&tx, actor.user_id).await?;
            tx.commit().await.map_err(AppError::from)?;
            memberships.push(Membership {
                current: org_id == actor.org_id,
                organization_id: ID(org_id.to_string()),
                name: org.name,
                slug: org.slug,
                roles,
            });
        }
        Ok(memberships)
    }

    /// People holding a role in the current organization, oldest first.
    async fn members(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(maximum = 100))] first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, User, EmptyFields, EmptyFields>> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::ListMembers)?;
        query(
            after,
            None,
            first,
            None,
            |after: Option<String>, _before: Option<String>, first, _last| async move {
                let limit = first.unwrap_or(25).min(100);
                let after = after
                    .map(|a| Uuid::parse_str(&a))
                    .transpose()
                    .map_err(|_| AppError::validation("after", "cursor"))?;
                let tx = rc.tenant_tx(actor).await?;
                let mut ids_query = user_role::Entity::find()
                    .select_only()
                    .column(user_role::Column::UserId)
                    .distinct()
                    .filter(user_role::Column::OrgId.eq(actor.org_id))
                    .order_by_asc(user_role::Column::UserId)
                    .limit(u64::try_from(limit + 1).unwrap_or(101));
                if let Some(after) = after {
                    ids_query = ids_query.filter(user_role::Column::UserId.gt(after));
                }
                let ids: Vec<Uuid> = ids_query
                    .into_tuple()
                    .all(tx.conn())
                    .await
                    .map_err(AppError::from)?;
                let has_next = ids.len() > limit;
                let ids: Vec<Uuid> = ids.into_iter().take(limit).collect();
                let users = user::Entity::find()
                    .filter(user::Column::Id.is_in(ids.clone()))
                    .find_also_related(profile::Entity)
                    .order_by_asc(user::Column::Id)
                    .all(tx.conn())
                    .await
                    .map_err(AppError::from)?;
                tx.commit().await.map_err(AppError::from)?;
                let mut connection = Connection::new(after.is_some(), has_next);
                connection.edges.extend(
                    users
                        .into_iter()
                        .map(|(u, p)| Edge::new(u.id.to_string(), User::from_models(u, p))),
                );
                Ok::<_, async_graphql::Error>(connection)
            },
        )
        .await
    }
}

/// Sets the new session's cookie and answers with the viewer: the end of every
/// way of signing in.
pub async fn signed_in(
    ctx: &Context<'_>,
    rc: &RequestContext,
    token: &session::SessionToken,
    record: &session::SessionRecord,
) -> AppResult<SignInPayload> {
    ctx.append_http_header(
        http::header::SET_COOKIE,
        rc.state.sessions.cookie(token.expose()),
    );
    Ok(SignInPayload {
        viewer: viewer(rc, &record.actor()).await?,
    })
}

pub async fn viewer(rc: &RequestContext, actor: &authz::Actor) -> AppResult<Viewer> {
    let tx = rc.tenant_tx(actor).await?;
    let found = user::Entity::find_by_id(actor.user_id)
        .find_also_related(profile::Entity)
        .one(tx.conn())
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let organization = crate::orgs::service::current(&tx).await?;
    tx.commit().await?;
    let contact = found
        .1
        .as_ref()
        .map(|p| lifecycle::ContactInfo::from_json(&p.contact_info))
        .unwrap_or_default();
    Ok(Viewer {
        user: User::from_models(found.0, found.1),
        organization: organization.into(),
        roles: actor.roles.clone(),
        mfa_enrollment_required: actor.mfa_pending,
        mobile: contact.mobile.map(|m| m.expose().to_owned()),
        sms_opt_in: contact.sms_opt_in,
    })
}

/// Replaces the caller's session with a new one (a new id) after a privilege
/// change, under the organization's policy as it stands now, and sets its cookie.
pub async fn renew_session(
    ctx: &Context<'_>,
    rc: &RequestContext,
    user_id: Uuid,
    org_id: Uuid,
) -> AppResult<session::SessionRecord> {
    let tx = rc
        .state
        .db
        .tenant(crate::db::TenantScope {
            org_id,
            user_id: Some(user_id),
        })
        .await?;
    let roles = service::roles_of(&tx, user_id).await?;
    if roles.is_empty() {
        return Err(AppError::Forbidden);
    }
    let (token, record) =
        service::open_session(tx, &rc.state.sessions, &rc.client, user_id, roles).await?;
    if let Some(old) = rc.session_token.as_ref() {
        rc.state
            .sessions
            .revoke(old.expose(), Some(user_id))
            .await?;
    }
    ctx.append_http_header(
        http::header::SET_COOKIE,
        rc.state.sessions.cookie(token.expose()),
    );
    Ok(record)
}

/// An organization the signed-in user holds roles in.
#[derive(SimpleObject)]
pub struct Membership {
    pub organization_id: ID,
    pub name: String,
    pub slug: String,
    pub roles: Vec<RoleKey>,
    /// The organization this session acts in.
    pub current: bool,
}

/// One of the signed-in user's sessions.
#[derive(SimpleObject)]
pub struct SessionInfo {
    /// Opaque; pass to `revokeSession`.
    pub id: ID,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// This browser's session.
    pub current: bool,
}

#[derive(Default)]
pub struct IdentityMutation;

#[Object]
impl IdentityMutation {
    /// Signs in with email and password and sets the session cookie.
    async fn sign_in(
        &self,
        ctx: &Context<'_>,
        input: SignInInput,
    ) -> async_graphql::Result<SignInPayload> {
        let rc = RequestContext::of(ctx);
        let (token, record) = service::sign_in(
            &rc.state.db,
            &rc.state.sessions,
            &rc.state.sign_in_throttle,
            &rc.client,
            Sensitive::new(input.email),
            Sensitive::new(input.password),
        )
        .await?;
        Ok(signed_in(ctx, rc, &token, &record).await?)
    }

    /// Ends one of the signed-in user's own sessions (for example a lost phone).
    async fn revoke_session(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<bool> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require_session(rc.actor.as_ref())?;
        let valid_id = id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit());
        if !valid_id
            || !rc
                .state
                .sessions
                .revoke_id(actor.user_id, id.as_str())
                .await
                .map_err(AppError::from)?
        {
            return Err(AppError::NotFound.into());
        }
        let tx = rc.tenant_tx(actor).await?;
        audit::record(
            &tx,
            &rc.client,
            NewEntry::new(Some(actor.user_id), AuditAction::SessionRevoked)
                .target("user", actor.user_id),
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(true)
    }

    /// Ends every session of the signed-in user, this one included; returns how
    /// many there were.
    async fn sign_out_everywhere(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require_session(rc.actor.as_ref())?;
        let ended = rc
            .state
            .sessions
            .revoke_all(actor.user_id)
            .await
            .map_err(AppError::from)?;
        let tx = rc.tenant_tx(actor).await?;
        audit::record(
            &tx,
            &rc.client,
            NewEntry::new(Some(actor.user_id), AuditAction::SignedOutEverywhere)
                .target("user", actor.user_id),
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        ctx.append_http_header(
            http::header::SET_COOKIE,
            rc.state.sessions.clearing_cookie(),
        );
        Ok(i32::try_from(ended).unwrap_or(i32::MAX))
    }

    /// Emails a password-reset link if the address has an account. Always
    /// answers true: the answer reveals nothing.
    async fn request_password_reset(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(max_length = 320))] email: String,
    ) -> async_graphql::Result<bool> {
        let rc = RequestContext::of(ctx);
        recovery::request_link(
            &rc.state.db,
            &rc.state.links,
            LinkPurpose::PasswordReset,
            &email,
        )
        .await?;
        Ok(true)
    }

    /// Sets a new password from a reset link; every session of the account ends.
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(max_length = 128))] token: String,
        #[graphql(validator(max_length = 256))] new_password: String,
    ) -> async_graphql::Result<bool> {
        let rc = RequestContext::of(ctx);
        recovery::reset_password(
            &rc.state.db,
            &rc.state.links,
            &rc.state.sessions,
            &rc.client,
            &token,
            Sensitive::new(new_password),
        )
        .await?;
        Ok(true)
    }

    /// Emails a password-free sign-in link to a party, counsel or observer.
    /// Always answers true.
    async fn request_sign_in_link(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(max_length = 320))] email: String,
    ) -> async_graphql::Result<bool> {
        let rc = RequestContext::of(ctx);
        recovery::request_link(&rc.state.db, &rc.state.links, LinkPurpose::SignIn, &email).await?;
        Ok(true)
    }

    /// Signs in with an emailed link and sets the session cookie.
    async fn sign_in_with_link(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(max_length = 128))] token: String,
    ) -> async_graphql::Result<SignInPayload> {
        let rc = RequestContext::of(ctx);
        let (token, record) = recovery::sign_in_with_link(
            &rc.state.db,
            &rc.state.links,
            &rc.state.sessions,
            &rc.client,
            &token,
        )
        .await?;
        Ok(signed_in(ctx, rc, &token, &record).await?)
    }

    /// Changes the signed-in person's name, language, time zone, mobile
    /// number (E.164, e.g. `+14155550100`; empty removes it) or SMS opt-in
    /// (which needs a number). A malformed number is `VALIDATION_FAILED` on
    /// `mobile` (reason `format`).
    async fn update_profile(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(max_length = 200))] name: Option<String>,
        language: Option<crate::identity::invitations_graphql::LanguageInput>,
        #[graphql(validator(max_length = 64))] timezone: Option<String>,
        #[graphql(secret, validator(max_length = 32))] mobile: Option<String>,
        sms_opt_in: Option<bool>,
    ) -> async_graphql::Result<Viewer> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let tx = rc.tenant_tx(actor).await?;
        lifecycle::update_profile(
            &tx,
            actor,
            lifecycle::ProfileUpdate {
                name,
                locale: language.map(Into::into),
                timezone,
                mobile,
                sms_opt_in,
            },
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(viewer(rc, actor).await?)
    }

    /// Suspends, reactivates or deletes (pseudonymizes) a member's account
    /// (org admins; accounts that belong to this organization only).
    async fn change_member_account(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        change: lifecycle::AccountChange,
    ) -> async_graphql::Result<bool> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let user_id = Uuid::parse_str(user_id.as_str()).map_err(|_| AppError::NotFound)?;
        let tx = rc.tenant_tx(actor).await?;
        lifecycle::change_account(
            &rc.state.db,
            &tx,
            &rc.state.sessions,
            &rc.client,
            actor,
            user_id,
            change,
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(true)
    }

    /// Removes every role a person holds in this organization (org admins).
    async fn remove_member(&self, ctx: &Context<'_>, user_id: ID) -> async_graphql::Result<bool> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let user_id = Uuid::parse_str(user_id.as_str()).map_err(|_| AppError::NotFound)?;
        let tx = rc.tenant_tx(actor).await?;
        lifecycle::remove_member(&tx, &rc.state.sessions, &rc.client, actor, user_id).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(true)
    }

    /// Sets the roles a member holds here (org admins; not their own). The
    /// member's sessions in this organization end.
    async fn set_member_roles(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        #[graphql(validator(max_items = 9))] roles: Vec<RoleKey>,
    ) -> async_graphql::Result<Vec<RoleKey>> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let user_id = Uuid::parse_str(user_id.as_str()).map_err(|_| AppError::NotFound)?;
        let tx = rc.tenant_tx(actor).await?;
        let held =
            lifecycle::set_roles(&tx, &rc.state.sessions, &rc.client, actor, user_id, &roles)
                .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(held)
    }

    /// Makes another organization the user holds roles in the active one. The
    /// session is replaced (a new id) under that organization's policy.
    async fn switch_organization(
        &self,
        ctx: &Context<'_>,
        organization_id: ID,
    ) -> async_graphql::Result<Viewer> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require_session(rc.actor.as_ref())?;
        if actor.scopes.is_some() {
            return Err(AppError::Forbidden.into());
        }
        let org_id = Uuid::parse_str(organization_id.as_str()).map_err(|_| AppError::NotFound)?;
        let memberships = rc
            .state
            .db
            .unscoped_memberships(actor.user_id)
            .await
            .map_err(AppError::from)?;
        if !memberships.contains(&org_id) {
            return Err(AppError::NotFound.into());
        }
        let tx = rc
            .state
            .db
            .tenant(crate::db::TenantScope {
                org_id,
                user_id: Some(actor.user_id),
            })
            .await
            .map_err(AppError::from)?;
        audit::record(
            &tx,
            &rc.client,
            NewEntry::new(Some(actor.user_id), AuditAction::OrganizationSwitched)
                .target("organization", org_id),
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        let record = renew_session(ctx, rc, actor.user_id, org_id).await?;
        Ok(viewer(rc, &record.actor()).await?)
    }

    /// Ends the current session and clears the cookie.
    async fn sign_out(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        let rc = RequestContext::of(ctx);
        if let Some(token) = rc.session_token.as_ref() {
            rc.state
                .sessions
                .revoke(token.expose(), rc.actor.as_ref().map(|a| a.user_id))
                .await
                .map_err(AppError::from)?;
        }
        if let Some(actor) = rc.actor.as_ref() {
            let tx = rc.tenant_tx(actor).await?;
            audit::record(
                &tx,
                &rc.client,
                NewEntry::new(Some(actor.user_id), AuditAction::SignOut)
                    .target("user", actor.user_id),
            )
            .await?;
            tx.commit().await.map_err(AppError::from)?;
        }
        ctx.append_http_header(
            http::header::SET_COOKIE,
            rc.state.sessions.clearing_cookie(),
        );
        Ok(rc.actor.is_some())
    }
}

/// Federation: a `User` by id, visible only within the caller's organization.
pub async fn find_user(rc: &RequestContext, id: &ID) -> AppResult<Option<User>> {
    let actor = authz::require(rc.actor.as_ref())?;
    authz::authorize(actor, Action::ViewOrganization)?;
    let Ok(uuid) = Uuid::parse_str(id.as_str()) else {
        return Ok(None);
    };
    if uuid != actor.user_id {
        authz::authorize(actor, Action::ListMembers)?;
    }
    let tx = rc.tenant_tx(actor).await?;
    let found = user::Entity::find_by_id(uuid)
        .find_also_related(profile::Entity)
        .one(tx.conn())
        .await?;
    tx.commit().await?;
    Ok(found.map(|(u, p)| User::from_models(u, p)))
}

pub use session::token_from_cookies;

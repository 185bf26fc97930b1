//! GraphQL for passkeys: set-up by a signed-in person (also while their
//! organization is waiting for them to set up a second factor), the list of
//! their passkeys, and sign-in with a passkey alone.

use async_graphql::{Context, ID, Object, SimpleObject};
use uuid::Uuid;

use crate::audit::{self, AuditAction, NewEntry};
use crate::authz;
use crate::db::TenantScope;
use crate::entities::{profile, user};
use crate::error::AppError;
use crate::graphql::context::RequestContext;
use crate::identity::graphql::{SignInPayload, renew_session, signed_in};
use crate::identity::passkeys;
use crate::identity::service;
use sea_orm::EntityTrait;

/// The first half of a passkey ceremony.
#[derive(SimpleObject)]
pub struct PasskeyChallenge {
    /// Pass back with the browser's answer; valid for five minutes, once.
    pub challenge_id: String,
    /// The options for `navigator.credentials.create()` or `.get()`, as
    /// WebAuthn JSON (binary fields in base64url).
    pub options: String,
}

impl From<passkeys::Ceremony> for PasskeyChallenge {
    fn from(ceremony: passkeys::Ceremony) -> Self {
        PasskeyChallenge {
            challenge_id: ceremony.challenge_id.into_inner(),
            options: ceremony.options_json,
        }
    }
}

/// One of the signed-in person's passkeys.
#[derive(SimpleObject)]
pub struct PasskeyInfo {
    pub id: ID,
    /// The name its owner gave it, such as "Work laptop".
    pub name: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Default)]
pub struct PasskeyQuery;

#[Object]
impl PasskeyQuery {
    /// The signed-in person's passkeys, oldest first.
    async fn my_passkeys(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<PasskeyInfo>> {
        let rc = RequestContext::of(ctx);
        let actor = person(rc)?;
        let tx = rc.tenant_tx(actor).await?;
        let list = passkeys::list(&tx, actor.user_id).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(list
            .into_iter()
            .map(|p| PasskeyInfo {
                id: ID(p.id.to_string()),
                name: p.name,
                created_at: p.created_at,
                last_used_at: p.last_used_at,
            })
            .collect())
    }
}

/// A signed-in person (not a partner system), possibly still owing their
/// organization a second factor: a passkey is one.
fn person(rc: &RequestContext) -> Result<&authz::Actor, AppError> {
    let actor = authz::require_session(rc.actor.as_ref())?;
    if actor.scopes.is_some() {
        return Err(AppError::Forbidden);
    }
    Ok(actor)
}

#[derive(Default)]
pub struct PasskeyMutation;

#[Object]
impl PasskeyMutation {
    /// Starts setting up a passkey on this device.
    async fn start_passkey_registration(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<PasskeyChallenge> {
        let rc = RequestContext::of(ctx);
        let actor = person(rc)?;
        let tx = rc.tenant_tx(actor).await?;
        let (account, profile) = user::Entity::find_by_id(actor.user_id)
            .find_also_related(profile::Entity)
            .one(tx.conn())
            .await
            .map_err(AppError::from)?
            .ok_or(AppError::Unauthenticated)?;
        let name = profile.map(|p| p.name).unwrap_or_default();
        let ceremony = rc
            .state
            .passkeys
            .start_registration(&tx, actor.user_id, &account.email, &name)
            .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(ceremony.into())
    }

    /// Finishes setting up a passkey with the browser's answer
    /// (`PublicKeyCredential` as WebAuthn JSON). The session is renewed: a
    /// person whose organization waited for a second factor may now go on.
    async fn finish_passkey_registration(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(max_length = 128))] challenge_id: String,
        #[graphql(validator(max_length = 16384))] credential: String,
        #[graphql(validator(max_length = 100))] name: String,
    ) -> async_graphql::Result<PasskeyInfo> {
        let rc = RequestContext::of(ctx);
        let actor = person(rc)?;
        let tx = rc.tenant_tx(actor).await?;
        let id = rc
            .state
            .passkeys
            .finish_registration(&tx, actor.user_id, &challenge_id, &credential, &name)
            .await?;
        audit::record(
            &tx,
            &rc.client,
            NewEntry::new(Some(actor.user_id), AuditAction::PasskeyAdded).target("passkey", id),
        )
        .await?;
        let info = passkeys::list(&tx, actor.user_id)
            .await?
            .into_iter()
            .find(|p| p.id == id)
            .ok_or(AppError::NotFound)?;
        tx.commit().await.map_err(AppError::from)?;
        renew_session(ctx, rc, actor.user_id, actor.org_id).await?;
        Ok(PasskeyInfo {
            id: ID(info.id.to_string()),
            name: info.name,
            created_at: info.created_at,
            last_used_at: info.last_used_at,
        })
    }

    /// Removes one of the signed-in person's passkeys.
    async fn remove_passkey(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<bool> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        if actor.scopes.is_some() {
            return Err(AppError::Forbidden.into());
        }
        let id = Uuid::parse_str(id.as_str()).map_err(|_| AppError::NotFound)?;
        let tx = rc.tenant_tx(actor).await?;
        if !passkeys::remove(&tx, actor.user_id, id).await? {
            return Err(AppError::NotFound.into());
        }
        audit::record(
            &tx,
            &rc.client,
            NewEntry::new(Some(actor.user_id), AuditAction::PasskeyRemoved).target("passkey", id),
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(true)
    }

    /// Starts signing in with a passkey. Unknown addresses, and accounts
    /// without a passkey, get `INVALID_CREDENTIALS`.
    async fn start_passkey_sign_in(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(max_length = 320))] email: String,
    ) -> async_graphql::Result<PasskeyChallenge> {
        let rc = RequestContext::of(ctx);
        let email = email.trim().to_owned();
        let throttle = &rc.state.sign_in_throttle;
        let address = rc.client.ip.as_deref();
        if throttle.is_limited(&email, address).await? {
            return Err(AppError::RateLimited.into());
        }
        match rc.state.passkeys.start_sign_in(&rc.state.db, &email).await {
            Ok(ceremony) => Ok(ceremony.into()),
            Err(error) => {
                if matches!(error, AppError::InvalidCredentials) {
                    throttle.record_failure(&email, address).await?;
                }
                Err(error.into())
            }
        }
    }

    /// Finishes a passkey sign-in with the browser's answer and sets the
    /// session cookie. No second step follows: the passkey verified the person.
    async fn finish_passkey_sign_in(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(max_length = 128))] challenge_id: String,
        #[graphql(validator(max_length = 16384))] credential: String,
    ) -> async_graphql::Result<SignInPayload> {
        let rc = RequestContext::of(ctx);
        let (user_id, result) = rc
            .state
            .passkeys
            .finish_sign_in(&challenge_id, &credential)
            .await?;
        let memberships = rc
            .state
            .db
            .unscoped_memberships(user_id)
            .await
            .map_err(AppError::from)?;
        let Some(&org_id) = memberships.first() else {
            return Err(AppError::InvalidCredentials.into());
        };
        let tx = rc
            .state
            .db
            .tenant(TenantScope {
                org_id,
                user_id: Some(user_id),
            })
            .await
            .map_err(AppError::from)?;
        passkeys::record_use(&tx, user_id, &result).await?;
        let (token, record) =
            service::complete_sign_in(tx, &rc.state.sessions, &rc.client, user_id, "passkey")
                .await?;
        Ok(signed_in(ctx, rc, &token, &record).await?)
    }
}

//! GraphQL for two-step sign-in (TOTP).

use async_graphql::{Context, Object, SimpleObject};

use crate::audit::{self, AuditAction, NewEntry};
use crate::authz;
use crate::db::TenantScope;
use crate::entities::user;
use crate::error::AppError;
use crate::graphql::context::RequestContext;
use crate::identity::graphql::{SignInPayload, signed_in};
use crate::identity::{mfa, service};
use sea_orm::EntityTrait;

/// What an authenticator app needs. Shown once, during set-up.
#[derive(SimpleObject)]
pub struct TotpEnrollment {
    pub otpauth_uri: String,
    /// The secret in base32, for typing into the app by hand.
    pub secret: String,
    /// A QR code of `otpauthUri`, as SVG.
    pub qr_svg: String,
}

#[derive(SimpleObject)]
pub struct TotpConfirmation {
    /// One-time recovery codes: shown this once, kept only as hashes.
    pub recovery_codes: Vec<String>,
}

#[derive(Default)]
pub struct MfaMutation;

async fn account_email(rc: &RequestContext, actor: &authz::Actor) -> Result<String, AppError> {
    let tx = rc.tenant_tx(actor).await?;
    let account = user::Entity::find_by_id(actor.user_id)
        .one(tx.conn())
        .await?
        .ok_or(AppError::Unauthenticated)?;
    tx.commit().await?;
    Ok(account.email)
}

#[Object]
impl MfaMutation {
    /// Starts setting up an authenticator app for two-step sign-in.
    async fn start_totp_enrollment(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<TotpEnrollment> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require_session(rc.actor.as_ref())?;
        if actor.scopes.is_some() {
            return Err(AppError::Forbidden.into());
        }
        let email = account_email(rc, actor).await?;
        let tx = rc.tenant_tx(actor).await?;
        let enrollment =
            mfa::start_enrollment(&tx, &rc.state.data_key, actor.user_id, &email).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(TotpEnrollment {
            otpauth_uri: enrollment.otpauth_uri.into_inner(),
            secret: enrollment.secret_base32.into_inner(),
            qr_svg: enrollment.qr_svg.into_inner(),
        })
    }

    /// Finishes set-up with a first code from the app; two-step sign-in is on
    /// from now. Returns recovery codes.
    async fn confirm_totp_enrollment(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(max_length = 16))] code: String,
    ) -> async_graphql::Result<TotpConfirmation> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require_session(rc.actor.as_ref())?;
        if actor.scopes.is_some() {
            return Err(AppError::Forbidden.into());
        }
        let email = account_email(rc, actor).await?;
        let tx = rc.tenant_tx(actor).await?;
        let codes =
            mfa::confirm_enrollment(&tx, &rc.state.data_key, actor.user_id, &email, &code).await?;
        audit::record(
            &tx,
            &rc.client,
            NewEntry::new(Some(actor.user_id), AuditAction::MfaEnabled)
                .target("user", actor.user_id),
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        // A privilege change: the session gets a new id, and one that owed
        // the organization a second factor is now complete.
        crate::identity::graphql::renew_session(ctx, rc, actor.user_id, actor.org_id).await?;
        Ok(TotpConfirmation {
            recovery_codes: codes.into_iter().map(|c| c.into_inner()).collect(),
        })
    }

    /// Completes a sign-in that answered `MFA_REQUIRED`, with a code from the
    /// app or a recovery code; sets the session cookie.
    async fn verify_mfa(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(max_length = 128))] challenge: String,
        #[graphql(validator(max_length = 32))] code: String,
    ) -> async_graphql::Result<SignInPayload> {
        let rc = RequestContext::of(ctx);
        let kv = &rc.state.kv;
        let Some((user_id, org_id)) = mfa::attempt(kv, &challenge).await? else {
            return Err(AppError::LinkExpired.into());
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
        if !mfa::verify(&tx, &rc.state.data_key, user_id, &code).await? {
            tx.commit().await.map_err(AppError::from)?;
            return Err(AppError::InvalidCredentials.into());
        }
        mfa::finish(kv, &challenge).await?;
        let (token, record) =
            service::complete_sign_in(tx, &rc.state.sessions, &rc.client, user_id, "totp").await?;
        Ok(signed_in(ctx, rc, &token, &record).await?)
    }
}

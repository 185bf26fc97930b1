//! GraphQL and HTTP for single sign-on: org admins manage their
//! organization's connections; the sign-in page lists the enabled ones; the
//! browser goes through `/auth/sso/{id}/start` to the provider and back to
//! `/auth/sso/callback`, and the portal redeems the handoff.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use crate::audit::{self, AuditAction, ClientInfo, NewEntry};
use crate::authz::{self, Action, RoleKey};
use crate::error::AppError;
use crate::graphql::context::RequestContext;
use crate::identity::graphql::{SignInPayload, signed_in};
use crate::identity::service;
use crate::identity::sso::{self, NewConnection, Portal};
use crate::redact::Sensitive;
use crate::state::AppState;

/// An OpenID Connect provider people of the organization sign in with.
#[derive(SimpleObject)]
pub struct SsoConnection {
    pub id: ID,
    pub name: String,
    pub issuer: String,
    pub client_id: String,
    /// Whether a client secret is stored (it is never shown again).
    pub has_client_secret: bool,
    pub email_domains: Vec<String>,
    /// The role given to people the connection brings in for the first time.
    pub default_role: RoleKey,
    pub enabled: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The redirect URI to register at the provider.
    pub redirect_uri: String,
}

#[derive(InputObject)]
pub struct CreateSsoConnectionInput {
    #[graphql(validator(max_length = 100))]
    pub name: String,
    /// The provider's issuer URL (`https://…`; `http://` only on this machine).
    #[graphql(validator(max_length = 500))]
    pub issuer: String,
    #[graphql(validator(max_length = 500))]
    pub client_id: String,
    /// Leave out for a public client (PKCE alone).
    #[graphql(validator(max_length = 500))]
    pub client_secret: Option<String>,
    /// People may sign in only with a verified address in one of these domains.
    #[graphql(validator(max_items = 20))]
    pub email_domains: Vec<String>,
    pub default_role: RoleKey,
}

fn to_graphql(connection: sso::Connection, redirect_uri: &str) -> SsoConnection {
    SsoConnection {
        id: ID(connection.id.to_string()),
        has_client_secret: connection.has_client_secret(),
        name: connection.name,
        issuer: connection.issuer,
        client_id: connection.client_id,
        email_domains: connection.email_domains,
        default_role: connection.default_role,
        enabled: connection.enabled,
        created_at: connection.created_at,
        redirect_uri: redirect_uri.to_owned(),
    }
}

#[derive(Default)]
pub struct SsoQuery;

#[Object]
impl SsoQuery {
    /// The redirect URI to register at a provider (org admins).
    async fn sso_redirect_uri(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::ManageOrganization)?;
        Ok(rc.state.sso.callback_url().to_owned())
    }

    /// The organization's single sign-on connections (org admins).
    async fn sso_connections(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<SsoConnection>> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::ManageOrganization)?;
        let tx = rc.tenant_tx(actor).await?;
        let list = sso::list(&tx).await?;
        tx.commit().await.map_err(AppError::from)?;
        let callback = rc.state.sso.callback_url();
        Ok(list.into_iter().map(|c| to_graphql(c, callback)).collect())
    }
}

#[derive(Default)]
pub struct SsoMutation;

async fn record(
    rc: &RequestContext,
    tx: &crate::db::TenantTx,
    actor: &authz::Actor,
    id: Uuid,
) -> Result<(), AppError> {
    audit::record(
        tx,
        &rc.client,
        NewEntry::new(Some(actor.user_id), AuditAction::SsoConnectionChanged)
            .target("sso_connection", id),
    )
    .await
}

#[Object]
impl SsoMutation {
    /// Adds a single sign-on connection (org admins).
    async fn create_sso_connection(
        &self,
        ctx: &Context<'_>,
        input: CreateSsoConnectionInput,
    ) -> async_graphql::Result<SsoConnection> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::ManageOrganization)?;
        let tx = rc.tenant_tx(actor).await?;
        let id = sso::create(
            &tx,
            &rc.state.data_key,
            NewConnection {
                name: input.name,
                issuer: input.issuer,
                client_id: input.client_id,
                client_secret: input.client_secret.map(Sensitive::new),
                email_domains: input.email_domains,
                default_role: input.default_role,
            },
        )
        .await?;
        record(rc, &tx, actor, id).await?;
        let created = sso::find(&tx, id).await?.ok_or(AppError::NotFound)?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(to_graphql(created, rc.state.sso.callback_url()))
    }

    /// Turns a connection on or off (org admins).
    async fn set_sso_connection_enabled(
        &self,
        ctx: &Context<'_>,
        id: ID,
        enabled: bool,
    ) -> async_graphql::Result<bool> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::ManageOrganization)?;
        let id = Uuid::parse_str(id.as_str()).map_err(|_| AppError::NotFound)?;
        let tx = rc.tenant_tx(actor).await?;
        if !sso::set_enabled(&tx, id, enabled).await? {
            return Err(AppError::NotFound.into());
        }
        record(rc, &tx, actor, id).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(enabled)
    }

    /// Deletes a connection (org admins). People it brought in keep their accounts.
    async fn delete_sso_connection(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<bool> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::ManageOrganization)?;
        let id = Uuid::parse_str(id.as_str()).map_err(|_| AppError::NotFound)?;
        let tx = rc.tenant_tx(actor).await?;
        if !sso::delete(&tx, id).await? {
            return Err(AppError::NotFound.into());
        }
        record(rc, &tx, actor, id).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(true)
    }

    /// Finishes a single sign-on in the portal with the one-time token the
    /// callback put in the URL fragment; sets the session cookie.
    async fn complete_sso_sign_in(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(max_length = 128))] token: String,
    ) -> async_graphql::Result<SignInPayload> {
        let rc = RequestContext::of(ctx);
        let (user_id, org_id) = rc.state.sso.redeem(&token).await?;
        let tx = rc
            .state
            .db
            .tenant(crate::db::TenantScope {
                org_id,
                user_id: Some(user_id),
            })
            .await
            .map_err(AppError::from)?;
        let tx = service::second_step(tx, &rc.state.sessions, user_id).await?;
        let (token, record) =
            service::complete_sign_in(tx, &rc.state.sessions, &rc.client, user_id, "sso").await?;
        Ok(signed_in(ctx, rc, &token, &record).await?)
    }
}

#[derive(Deserialize)]
pub struct StartParams {
    #[serde(default)]
    portal: Option<Portal>,
}

fn portal_url(state: &AppState, portal: Portal) -> url::Url {
    match portal {
        Portal::Admin => state.settings.email.admin_portal_url.clone(),
        Portal::Client => state.settings.email.client_portal_url.clone(),
    }
}

/// `{portal}/sso#token=…` or `{portal}/sso#error=CODE`.
fn back_to_portal(state: &AppState, portal: Portal, fragment: &str) -> Response {
    let mut url = portal_url(state, portal);
    url.set_path("/sso");
    url.set_query(None);
    url.set_fragment(Some(fragment));
    Redirect::to(url.as_str()).into_response()
}

/// `GET /auth/sso/{id}/start?portal=admin|client`: off to the provider.
pub async fn start(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(params): Query<StartParams>,
) -> Response {
    let portal = params.portal.unwrap_or(Portal::Client);
    let Ok(id) = Uuid::parse_str(&id) else {
        return back_to_portal(&state, portal, "error=NOT_FOUND");
    };
    match state
        .sso
        .start(&state.db, &state.data_key, id, portal)
        .await
    {
        Ok(url) => Redirect::to(url.as_str()).into_response(),
        Err(error) => {
            if let AppError::Internal(inner) = &error {
                crate::error::report_internal(inner);
            }
            back_to_portal(&state, portal, &format!("error={}", error.code()))
        }
    }
}

#[derive(Deserialize)]
pub struct CallbackParams {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    state: Option<String>,
}

/// `GET /auth/sso/callback?code=…&state=…`: back from the provider.
pub async fn callback(
    State(state): State<AppState>,
    peer: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    headers: http::HeaderMap,
    Query(params): Query<CallbackParams>,
) -> Response {
    let client: ClientInfo = crate::graphql::http::client_info(peer.map(|p| p.0.0), &headers);
    let (Some(code), Some(oauth_state)) = (params.code, params.state) else {
        // The provider refused (`error=access_denied`, …) or the request is forged.
        return back_to_portal(&state, Portal::Client, "error=INVALID_CREDENTIALS");
    };
    if code.len() > 2048 || oauth_state.len() > 128 {
        return back_to_portal(&state, Portal::Client, "error=BAD_REQUEST");
    }
    let (portal, outcome) = state
        .sso
        .callback(&state.db, &state.data_key, &client, &code, &oauth_state)
        .await;
    let portal = portal.unwrap_or(Portal::Client);
    match outcome {
        Ok(handoff) => back_to_portal(&state, portal, &format!("token={}", handoff.expose())),
        Err(failure) => back_to_portal(&state, portal, &format!("error={}", failure.code())),
    }
}

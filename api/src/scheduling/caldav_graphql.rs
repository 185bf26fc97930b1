//! GraphQL for calendar sync: a mediator connects their own CalDAV
//! calendar (checked at once) or their Google or Microsoft 365 calendar
//! (OAuth2), lists and disconnects their connections. See
//! [`super::caldav`] and [`super::oauth_calendar`].

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use secrecy::SecretString;

use super::caldav::{self, Connection, Dav};
use super::oauth_calendar::{self, CalendarProvider, ProviderConfig};
use crate::audit::{self, AuditAction, NewEntry};
use crate::authz::{self, Action};
use crate::cases::access;
use crate::crypto::tenant::TenantKey;
use crate::error::{AppError, AppResult};
use crate::graphql::context::RequestContext;

/// A calendar of yours that Caucus reads busy times from and writes your
/// sessions to. The password is never shown again.
#[derive(SimpleObject)]
pub struct CalendarConnection {
    pub id: ID,
    /// Where the calendar is: a CalDAV server, Google or Microsoft 365.
    pub provider: CalendarProvider,
    /// The calendar collection's address (for Google and Microsoft, the
    /// calendar's address in their API).
    pub url: String,
    /// The CalDAV username; for Google and Microsoft the calendar's name
    /// there (`primary`, `me/calendar`).
    pub username: String,
    /// When the calendar was last read and written; null before the first sync.
    pub last_synced_at: Option<DateTime<Utc>>,
    /// Why the last sync failed (cleared by the next one that works).
    pub last_error: Option<String>,
    /// Busy stretches read from this calendar, now blocking session times.
    pub busy_count: i32,
    pub created_at: DateTime<Utc>,
}

fn out(connection: Connection, busy: i64) -> CalendarConnection {
    CalendarConnection {
        id: ID(connection.id.to_string()),
        provider: connection.provider,
        url: connection.url,
        username: connection.username,
        last_synced_at: connection.last_synced_at,
        last_error: connection.last_error,
        busy_count: i32::try_from(busy).unwrap_or(i32::MAX),
        created_at: connection.created_at,
    }
}

fn checked_username(username: &str) -> AppResult<&str> {
    let username = username.trim();
    if username.is_empty() || username.chars().count() > 256 || username.contains(':') {
        return Err(AppError::validation("username", "format"));
    }
    Ok(username)
}

fn checked_password(password: String) -> AppResult<SecretString> {
    if password.is_empty() || password.len() > 1024 {
        return Err(AppError::validation("password", "length"));
    }
    Ok(SecretString::from(password))
}

#[derive(Default)]
pub struct CalendarSyncQuery;

#[Object]
impl CalendarSyncQuery {
    /// Your connected calendars in this organization (mediators).
    async fn calendar_connections(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<CalendarConnection>> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::KeepOwnCalendar)?;
        let tx = rc.tenant_tx(actor).await?;
        let list = caldav::list(&tx, actor.user_id).await?;
        let counts = caldav::busy_counts(&tx, actor.user_id).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(list
            .into_iter()
            .map(|c| {
                let busy = counts.get(&c.id).copied().unwrap_or(0);
                out(c, busy)
            })
            .collect())
    }

    /// The calendar services besides CalDAV that mediators may connect here
    /// (those the operator configured), for "Connect Google Calendar" and
    /// "Connect Microsoft 365".
    async fn calendar_providers(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<CalendarProvider>> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::KeepOwnCalendar)?;
        Ok(oauth_calendar::offered(&rc.state.settings.calendar))
    }
}

fn oauth_config(rc: &RequestContext, provider: CalendarProvider) -> AppResult<ProviderConfig> {
    ProviderConfig::of(&rc.state.settings.calendar, provider)
        .ok_or(AppError::validation("provider", "not_configured"))
}

#[derive(Default)]
pub struct CalendarSyncMutation;

#[Object]
impl CalendarSyncMutation {
    /// Connects your CalDAV calendar (the address of the calendar
    /// collection itself): its busy times then block session times, and
    /// your sessions appear in it as "Mediation session". The username and
    /// password are checked with the server first; a refusal is
    /// `CALENDAR_CREDENTIALS_REJECTED`, an address that is not allowed, not
    /// reachable or not a calendar `VALIDATION_FAILED` on `url`. The same
    /// address again replaces its username and password.
    #[graphql(name = "connectCalDav")]
    async fn connect_cal_dav(
        &self,
        ctx: &Context<'_>,
        url: String,
        username: String,
        #[graphql(secret)] password: String,
    ) -> async_graphql::Result<CalendarConnection> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::KeepOwnCalendar)?;
        let settings = &rc.state.settings.calendar;
        let username = checked_username(&username)?;
        let password = checked_password(password)?;
        let target = caldav::check_url(settings, &url).await?;
        // Checked before any transaction is open: the server may be slow.
        let dav =
            Dav::new(settings, &target, username, password.clone()).map_err(AppError::Internal)?;
        dav.check().await.map_err(AppError::from)?;
        let tx = rc.tenant_tx(actor).await?;
        let key = TenantKey::of(&tx, &rc.state.data_key).await?;
        let connection =
            caldav::save(&tx, &key, actor.user_id, &target, username, &password).await?;
        audit::record(
            &tx,
            &rc.client,
            NewEntry::new(Some(actor.user_id), AuditAction::CredentialCreated)
                .target("calendar_connection", connection.id),
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(out(connection, 0))
    }

    /// Starts connecting your Google or Microsoft 365 calendar: returns the
    /// provider's authorization address to send the browser to (OAuth2 with
    /// PKCE; the `state` in it is yours, single-use, for ten minutes). The
    /// provider sends the browser back to the admin portal's
    /// `/calendar/connect`, which calls `finishCalendarConnection`. A
    /// provider that is not configured (or `CALDAV`) is `VALIDATION_FAILED`
    /// on `provider` (`not_configured`).
    async fn start_calendar_connection(
        &self,
        ctx: &Context<'_>,
        provider: CalendarProvider,
    ) -> async_graphql::Result<String> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::KeepOwnCalendar)?;
        let config = oauth_config(rc, provider)?;
        let redirect = oauth_calendar::redirect_url(&rc.state.settings.email.admin_portal_url)?;
        let url = oauth_calendar::start(&rc.state.kv, &config, &redirect, actor).await?;
        Ok(url.to_string())
    }

    /// Finishes connecting a Google or Microsoft 365 calendar with the
    /// `code` and `state` the provider sent back: the code is exchanged
    /// (with the PKCE verifier) for tokens, sealed with the organization's
    /// key, and a first sync is queued. A state that is unknown, used,
    /// expired or someone else's is `LINK_EXPIRED` and nothing is kept; a
    /// code the provider refuses is `VALIDATION_FAILED` on `code`
    /// (`refused`, or `no_refresh_token`).
    async fn finish_calendar_connection(
        &self,
        ctx: &Context<'_>,
        #[graphql(secret)] code: String,
        #[graphql(secret)] state: String,
    ) -> async_graphql::Result<CalendarConnection> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::KeepOwnCalendar)?;
        let (provider, verifier) = oauth_calendar::take_state(&rc.state.kv, actor, &state).await?;
        let config = oauth_config(rc, provider)?;
        let redirect = oauth_calendar::redirect_url(&rc.state.settings.email.admin_portal_url)?;
        // Exchanged before any transaction is open: the provider may be slow.
        let tokens = oauth_calendar::exchange(&config, &redirect, &code, verifier).await?;
        let tx = rc.tenant_tx(actor).await?;
        let key = TenantKey::of(&tx, &rc.state.data_key).await?;
        let connection =
            super::oauth_sync::save(&tx, &key, actor.user_id, &config, &tokens).await?;
        audit::record(
            &tx,
            &rc.client,
            NewEntry::new(Some(actor.user_id), AuditAction::CredentialCreated)
                .target("calendar_connection", connection.id),
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        tracing::info!(connection_id = %connection.id, provider = provider.as_str(), "calendar connected");
        Ok(out(connection, 0))
    }

    /// Disconnects one of your calendars: its busy times stop blocking
    /// session times and nothing more is written to it (events already
    /// there stay). Someone else's connection is `NOT_FOUND`.
    async fn disconnect_calendar(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<bool> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::KeepOwnCalendar)?;
        let id = access::parse_id(id.as_str())?;
        let tx = rc.tenant_tx(actor).await?;
        caldav::remove(&tx, actor.user_id, id).await?;
        audit::record(
            &tx,
            &rc.client,
            NewEntry::new(Some(actor.user_id), AuditAction::CredentialRevoked)
                .target("calendar_connection", id),
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(true)
    }
}

//! Google Calendar and Microsoft 365 connections: the same two-way
//! free/busy as [`super::caldav`], through OAuth2 and the providers' REST
//! APIs instead of WebDAV.
//!
//! - **Connecting** is the authorization code flow with PKCE (S256). The
//!   mediator starts it ([`start`]): a one-time `state` bound to them and
//!   their organization is kept in Redis for ten minutes with the PKCE
//!   verifier. The provider sends the browser back to the admin portal
//!   (`{email.admin_portal_url}/calendar/connect`), which hands the `code`
//!   and `state` to the API ([`finish`]): the state is taken once (a
//!   replayed, expired or someone else's state is `LINK_EXPIRED`), the code
//!   exchanged with the verifier and the client's credentials, and the
//!   tokens sealed with the organization's key on the connection's row.
//! - **Importing**: Google `GET /calendars/primary/events` and Microsoft
//!   Graph `GET /me/calendarView` over the next [`super::caldav::HORIZON_DAYS`]
//!   days, recurrences expanded by the provider. Caucus's own events (Google
//!   ids `caucus<session>`, Graph ids Caucus wrote), cancelled ones and
//!   those shown as free are skipped. The free/busy endpoints (`/freeBusy`,
//!   `getSchedule`) are not used: like CalDAV's free-busy-query, they
//!   cannot tell Caucus's own events apart.
//! - **Exporting**: a session is inserted (Google, with the stable id
//!   `caucus<session id hex>`; Graph, which returns the id kept in
//!   `calendar_exports.remote_id`), patched when its SEQUENCE rose and
//!   deleted when cancelled; the generic title, the link and nothing of
//!   the case, marked private.
//! - An access token that has expired (or will within a minute), or that
//!   the provider refuses before its expiry, is refreshed with the refresh
//!   token; the new tokens are kept at once, before the rest of the sync.
//!
//! Requests follow no redirects, have the calendar timeout and read at most
//! [`super::caldav::MAX_BODY`]. Errors carry our own words, never the
//! provider's reply.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use oauth2::basic::BasicClient;
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet,
    EndpointSet, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken, Scope,
    TokenResponse as _, TokenUrl,
};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use super::caldav::DavError;
use super::slots::Interval;
use crate::authz::Actor;
use crate::config::{CalendarSettings, OAuthCalendarSettings};
use crate::error::{AppError, AppResult};
use crate::kv::Kv;

/// How long a mediator may take at their provider.
const STATE_SECS: i64 = 600;
const STATE: &str = "calendar-oauth-state";
/// Pages of events read per sync, at most.
const MAX_PAGES: usize = 20;

/// Where a calendar connection lives.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CalendarProvider {
    /// A CalDAV server, connected with a username and password.
    #[graphql(name = "CALDAV")]
    CalDav,
    /// Google Calendar (the account's primary calendar), through OAuth2.
    Google,
    /// Microsoft 365 / Outlook (the account's default calendar), through OAuth2.
    Microsoft,
}

impl CalendarProvider {
    pub fn as_str(self) -> &'static str {
        match self {
            CalendarProvider::CalDav => "caldav",
            CalendarProvider::Google => "google",
            CalendarProvider::Microsoft => "microsoft",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "caldav" => Some(CalendarProvider::CalDav),
            "google" => Some(CalendarProvider::Google),
            "microsoft" => Some(CalendarProvider::Microsoft),
            _ => None,
        }
    }

    fn settings(self, calendar: &CalendarSettings) -> Option<&OAuthCalendarSettings> {
        match self {
            CalendarProvider::CalDav => None,
            CalendarProvider::Google => Some(&calendar.google),
            CalendarProvider::Microsoft => Some(&calendar.microsoft),
        }
    }

    fn scopes(self) -> &'static [&'static str] {
        match self {
            CalendarProvider::CalDav => &[],
            CalendarProvider::Google => &["https://www.googleapis.com/auth/calendar.events"],
            CalendarProvider::Microsoft => &["offline_access", "Calendars.ReadWrite"],
        }
    }

    fn default_endpoints(self) -> [&'static str; 3] {
        match self {
            CalendarProvider::CalDav | CalendarProvider::Google => [
                "https://accounts.google.com/o/oauth2/v2/auth",
                "https://oauth2.googleapis.com/token",
                "https://www.googleapis.com/calendar/v3",
            ],
            CalendarProvider::Microsoft => [
                "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
                "https://login.microsoftonline.com/common/oauth2/v2.0/token",
                "https://graph.microsoft.com/v1.0",
            ],
        }
    }
}

/// The OAuth2 providers that are configured, in a fixed order.
pub fn offered(calendar: &CalendarSettings) -> Vec<CalendarProvider> {
    [CalendarProvider::Google, CalendarProvider::Microsoft]
        .into_iter()
        .filter(|p| p.settings(calendar).is_some_and(|s| s.is_configured()))
        .collect()
}

/// A configured provider's registration and endpoints. Holds the client
/// secret: no `Debug`.
pub struct ProviderConfig {
    pub provider: CalendarProvider,
    client_id: String,
    client_secret: SecretString,
    authorization: url::Url,
    token: url::Url,
    api: url::Url,
    timeout: Duration,
}

type Client = BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

impl ProviderConfig {
    /// The provider's configuration; `None` when it is not configured.
    pub fn of(calendar: &CalendarSettings, provider: CalendarProvider) -> Option<Self> {
        let settings = provider.settings(calendar)?;
        if !settings.is_configured() {
            return None;
        }
        let [authorization, token, api] = provider.default_endpoints();
        let pick = |set: &Option<url::Url>, default: &str| {
            set.clone().or_else(|| url::Url::parse(default).ok())
        };
        Some(Self {
            provider,
            client_id: settings.client_id.trim().to_owned(),
            client_secret: settings.client_secret.clone(),
            authorization: pick(&settings.authorization_url, authorization)?,
            token: pick(&settings.token_url, token)?,
            api: pick(&settings.api_url, api)?,
            timeout: Duration::from_secs(calendar.request_timeout_secs),
        })
    }

    /// The calendar's address as kept on the connection (one connection
    /// per provider and mediator).
    pub fn calendar_url(&self) -> String {
        match self.provider {
            CalendarProvider::Microsoft => self.join(&["me", "calendar"]),
            _ => self.join(&["calendars", "primary"]),
        }
    }

    /// The calendar's name at the provider, shown as the connection's
    /// username.
    pub fn calendar_name(&self) -> &'static str {
        match self.provider {
            CalendarProvider::Microsoft => "me/calendar",
            _ => "primary",
        }
    }

    fn join(&self, segments: &[&str]) -> String {
        let mut url = self.api.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url.to_string()
    }

    fn client(&self, redirect: &url::Url) -> Client {
        BasicClient::new(ClientId::new(self.client_id.clone()))
            .set_client_secret(ClientSecret::new(
                self.client_secret.expose_secret().to_owned(),
            ))
            .set_auth_uri(AuthUrl::from_url(self.authorization.clone()))
            .set_token_uri(TokenUrl::from_url(self.token.clone()))
            .set_redirect_uri(RedirectUrl::from_url(redirect.clone()))
            // Both providers take the client's credentials in the body.
            .set_auth_type(AuthType::RequestBody)
    }

    fn http(&self) -> Result<reqwest::Client, DavError> {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(self.timeout)
            .connect_timeout(self.timeout.min(Duration::from_secs(5)))
            .user_agent("Caucus calendar sync")
            .build()
            .map_err(|_| DavError::Unreachable)
    }
}

/// Where the provider sends the browser back: a page of the admin portal.
pub fn redirect_url(admin_portal: &url::Url) -> AppResult<url::Url> {
    let base = admin_portal.as_str().trim_end_matches('/');
    url::Url::parse(&format!("{base}/calendar/connect"))
        .map_err(|_| AppError::Internal(anyhow::anyhow!("invalid email.admin_portal_url")))
}

#[derive(Serialize, Deserialize)]
struct Pending {
    user_id: Uuid,
    org_id: Uuid,
    provider: CalendarProvider,
    pkce_verifier: String,
}

/// Where to send the mediator to allow access to their calendar.
pub async fn start(
    kv: &Kv,
    config: &ProviderConfig,
    redirect: &url::Url,
    actor: &Actor,
) -> AppResult<url::Url> {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let pending = Pending {
        user_id: actor.user_id,
        org_id: actor.org_id,
        provider: config.provider,
        pkce_verifier: verifier.secret().clone(),
    };
    let state = kv.put_once(STATE, &pending, STATE_SECS).await?;
    let client = config.client(redirect);
    let mut request = client
        .authorize_url(move || CsrfToken::new(state))
        .set_pkce_challenge(challenge)
        .add_scopes(
            config
                .provider
                .scopes()
                .iter()
                .map(|s| Scope::new((*s).to_owned())),
        );
    if config.provider == CalendarProvider::Google {
        // A refresh token is given only with offline access, and again
        // only when consent is asked for.
        request = request
            .add_extra_param("access_type", "offline")
            .add_extra_param("prompt", "consent");
    }
    let (url, _) = request.url();
    tracing::info!(org_id = %actor.org_id, user_id = %actor.user_id, provider = config.provider.as_str(), "calendar connection started");
    Ok(url)
}

/// Tokens from a provider. No `Debug`.
pub struct Tokens {
    pub access: SecretString,
    pub refresh: SecretString,
    pub expires_at: DateTime<Utc>,
}

/// The provider of a pending connection, checked to be the actor's own
/// (taken once: a replayed, expired, unknown or someone else's state is
/// `LINK_EXPIRED`, and nothing is stored).
pub async fn take_state(
    kv: &Kv,
    actor: &Actor,
    state: &str,
) -> AppResult<(CalendarProvider, String)> {
    let pending: Option<Pending> = kv.take_once(STATE, state).await?;
    let Some(pending) = pending.filter(|p| p.user_id == actor.user_id && p.org_id == actor.org_id)
    else {
        return Err(AppError::LinkExpired);
    };
    Ok((pending.provider, pending.pkce_verifier))
}

/// Exchanges the code with the verifier (outside any transaction). A code
/// the provider refuses is `VALIDATION_FAILED` on `code` (`refused`); an
/// answer without a refresh token `no_refresh_token`.
pub async fn exchange(
    config: &ProviderConfig,
    redirect: &url::Url,
    code: &str,
    verifier: String,
) -> AppResult<Tokens> {
    if code.is_empty() || code.len() > 4096 {
        return Err(AppError::validation("code", "length"));
    }
    let http = config.http().map_err(|e| AppError::Internal(e.into()))?;
    let client = config.client(redirect);
    let reply = client
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .set_pkce_verifier(PkceCodeVerifier::new(verifier))
        .request_async(&http)
        .await
        .map_err(|error| {
            tracing::info!(provider = config.provider.as_str(), reason = %token_error(&error), "calendar code refused");
            AppError::validation("code", "refused")
        })?;
    let refresh = reply
        .refresh_token()
        .ok_or(AppError::validation("code", "no_refresh_token"))?;
    Ok(Tokens {
        access: SecretString::from(reply.access_token().secret().clone()),
        refresh: SecretString::from(refresh.secret().clone()),
        expires_at: expiry(reply.expires_in()),
    })
}

fn expiry(expires_in: Option<Duration>) -> DateTime<Utc> {
    let secs = expires_in.map_or(3600, |d| d.as_secs()).min(86_400);
    Utc::now() + TimeDelta::seconds(i64::try_from(secs).unwrap_or(3600))
}

/// Our words for a failed token request (never the provider's body).
fn token_error<RE: std::error::Error + 'static, T: oauth2::ErrorResponse>(
    error: &oauth2::RequestTokenError<RE, T>,
) -> &'static str {
    match error {
        oauth2::RequestTokenError::ServerResponse(_) => "refused",
        oauth2::RequestTokenError::Request(_) => "unreachable",
        oauth2::RequestTokenError::Parse(..) => "malformed",
        oauth2::RequestTokenError::Other(_) => "other",
    }
}

/// A new access token (and the refresh token, which Microsoft rotates).
pub async fn refresh(
    config: &ProviderConfig,
    redirect: &url::Url,
    refresh_token: &SecretString,
) -> Result<Tokens, DavError> {
    let http = config.http()?;
    let token = RefreshToken::new(refresh_token.expose_secret().to_owned());
    let reply = config
        .client(redirect)
        .exchange_refresh_token(&token)
        .request_async(&http)
        .await
        .map_err(|error| match error {
            oauth2::RequestTokenError::ServerResponse(_) => DavError::Rejected,
            oauth2::RequestTokenError::Parse(..) => DavError::Malformed,
            _ => DavError::Unreachable,
        })?;
    Ok(Tokens {
        access: SecretString::from(reply.access_token().secret().clone()),
        refresh: reply.refresh_token().map_or_else(
            || refresh_token.clone(),
            |r| SecretString::from(r.secret().clone()),
        ),
        expires_at: expiry(reply.expires_in()),
    })
}

// --- The REST APIs ----------------------------------------------------------

/// An event of the mediator's calendar, as far as free/busy needs it.
pub struct RemoteEvent {
    pub id: String,
    pub busy: Option<Interval>,
}

/// A session to write, in the provider's terms.
pub struct EventBody<'a> {
    pub session_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub summary: &'a str,
    pub description: &'a str,
}

/// The stable Google event id of a session (base32hex letters and digits).
pub fn google_event_id(session_id: Uuid) -> String {
    format!("caucus{}", session_id.simple())
}

/// A client for one connected calendar. Holds the access token: no `Debug`.
pub struct Api {
    http: reqwest::Client,
    config: ProviderConfig,
    access: SecretString,
}

impl Api {
    pub fn new(config: ProviderConfig, access: SecretString) -> Result<Self, DavError> {
        Ok(Self {
            http: config.http()?,
            config,
            access,
        })
    }

    pub fn provider(&self) -> CalendarProvider {
        self.config.provider
    }

    pub fn config(&self) -> &ProviderConfig {
        &self.config
    }

    pub fn set_access(&mut self, access: SecretString) {
        self.access = access;
    }

    fn url(&self, segments: &[&str]) -> url::Url {
        let mut url = self.config.api.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    async fn send(
        &self,
        method: Method,
        url: url::Url,
        body: Option<Value>,
    ) -> Result<(StatusCode, Vec<u8>), DavError> {
        let mut request = self
            .http
            .request(method, url)
            .bearer_auth(self.access.expose_secret())
            .header("Accept", "application/json");
        if self.config.provider == CalendarProvider::Microsoft {
            request = request.header("Prefer", "outlook.timezone=\"UTC\"");
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        super::caldav::read_reply(request).await
    }

    async fn get_json(&self, url: url::Url) -> Result<Value, DavError> {
        let (status, body) = self.send(Method::GET, url, None).await?;
        match status.as_u16() {
            200 => serde_json::from_slice(&body).map_err(|_| DavError::Malformed),
            404 | 410 => Err(DavError::NotFound),
            code => Err(DavError::Status(code)),
        }
    }

    /// The calendar's events in `[from, to)`, recurrences expanded.
    pub async fn events_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        zone: Tz,
    ) -> Result<Vec<RemoteEvent>, DavError> {
        let stamp = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let mut out = Vec::new();
        match self.config.provider {
            CalendarProvider::Google => {
                let mut page: Option<String> = None;
                for _ in 0..MAX_PAGES {
                    let mut url = self.url(&["calendars", "primary", "events"]);
                    {
                        let mut query = url.query_pairs_mut();
                        query
                            .append_pair("timeMin", &stamp(from))
                            .append_pair("timeMax", &stamp(to))
                            .append_pair("singleEvents", "true")
                            .append_pair("maxResults", "250");
                        if let Some(page) = &page {
                            query.append_pair("pageToken", page);
                        }
                    }
                    let reply = self.get_json(url).await?;
                    let zone = reply["timeZone"]
                        .as_str()
                        .and_then(|z| z.parse::<Tz>().ok())
                        .unwrap_or(zone);
                    let items = reply["items"].as_array().ok_or(DavError::Malformed)?;
                    out.extend(items.iter().filter_map(|e| google_event(e, zone)));
                    match reply["nextPageToken"].as_str() {
                        Some(next) if !next.is_empty() => page = Some(next.to_owned()),
                        _ => return Ok(out),
                    }
                }
                Err(DavError::TooLarge)
            }
            CalendarProvider::Microsoft => {
                let mut url = self.url(&["me", "calendarView"]);
                url.query_pairs_mut()
                    .append_pair("startDateTime", &stamp(from))
                    .append_pair("endDateTime", &stamp(to))
                    .append_pair("$select", "id,start,end,showAs,isCancelled,isAllDay")
                    .append_pair("$top", "250");
                for _ in 0..MAX_PAGES {
                    let reply = self.get_json(url).await?;
                    let items = reply["value"].as_array().ok_or(DavError::Malformed)?;
                    out.extend(items.iter().filter_map(microsoft_event));
                    match reply["@odata.nextLink"].as_str() {
                        None => return Ok(out),
                        Some(next) => {
                            // Only pages of the same API are followed.
                            let next = url::Url::parse(next).map_err(|_| DavError::Malformed)?;
                            if next.origin() != self.config.api.origin()
                                || !next.path().starts_with(self.config.api.path())
                            {
                                return Err(DavError::Malformed);
                            }
                            url = next;
                        }
                    }
                }
                Err(DavError::TooLarge)
            }
            CalendarProvider::CalDav => Ok(out),
        }
    }

    /// Writes a session: creates it, or updates the event `remote_id`
    /// (Graph) / the stable id (Google) when `update` is set. Returns the
    /// event's id at the provider.
    pub async fn put(
        &self,
        event: &EventBody<'_>,
        update: bool,
        remote_id: Option<&str>,
    ) -> Result<String, DavError> {
        match self.config.provider {
            CalendarProvider::Google => {
                let id = google_event_id(event.session_id);
                let body = json!({
                    "id": id,
                    "status": "confirmed",
                    "summary": event.summary,
                    "description": event.description,
                    "start": { "dateTime": event.starts_at.to_rfc3339() },
                    "end": { "dateTime": event.ends_at.to_rfc3339() },
                    "visibility": "private",
                    "transparency": "opaque",
                });
                let collection = self.url(&["calendars", "primary", "events"]);
                let one = self.url(&["calendars", "primary", "events", &id]);
                let (first, second) = if update {
                    ((Method::PATCH, one.clone()), (Method::POST, collection))
                } else {
                    ((Method::POST, collection), (Method::PATCH, one))
                };
                let (status, _) = self.send(first.0, first.1, Some(body.clone())).await?;
                // Already there (insert) or gone (patch): the other way.
                let status = if matches!(status.as_u16(), 404 | 409 | 410) {
                    self.send(second.0, second.1, Some(body)).await?.0
                } else {
                    status
                };
                if status.is_success() {
                    Ok(id)
                } else {
                    Err(DavError::Status(status.as_u16()))
                }
            }
            CalendarProvider::Microsoft => {
                let when = |t: DateTime<Utc>| json!({ "dateTime": t.format("%Y-%m-%dT%H:%M:%S").to_string(), "timeZone": "UTC" });
                let body = json!({
                    "subject": event.summary,
                    "body": { "contentType": "text", "content": event.description },
                    "start": when(event.starts_at),
                    "end": when(event.ends_at),
                    "sensitivity": "private",
                    "showAs": "busy",
                    "isReminderOn": false,
                    "transactionId": format!("caucus-{}", event.session_id),
                });
                if let (true, Some(remote_id)) = (update, remote_id) {
                    let (status, _) = self
                        .send(
                            Method::PATCH,
                            self.url(&["me", "events", remote_id]),
                            Some(body.clone()),
                        )
                        .await?;
                    if status.is_success() {
                        return Ok(remote_id.to_owned());
                    }
                    if !matches!(status.as_u16(), 404 | 410) {
                        return Err(DavError::Status(status.as_u16()));
                    }
                }
                let (status, reply) = self
                    .send(Method::POST, self.url(&["me", "events"]), Some(body))
                    .await?;
                if !status.is_success() {
                    return Err(DavError::Status(status.as_u16()));
                }
                let reply: Value =
                    serde_json::from_slice(&reply).map_err(|_| DavError::Malformed)?;
                reply["id"]
                    .as_str()
                    .filter(|id| !id.is_empty() && id.len() <= 1024)
                    .map(str::to_owned)
                    .ok_or(DavError::Malformed)
            }
            CalendarProvider::CalDav => Err(DavError::Malformed),
        }
    }

    /// Deletes a written session; one already gone is fine.
    pub async fn delete(&self, session_id: Uuid, remote_id: Option<&str>) -> Result<(), DavError> {
        let url = match (self.config.provider, remote_id) {
            (CalendarProvider::Google, _) => self.url(&[
                "calendars",
                "primary",
                "events",
                &google_event_id(session_id),
            ]),
            (CalendarProvider::Microsoft, Some(id)) => self.url(&["me", "events", id]),
            _ => return Ok(()),
        };
        let (status, _) = self.send(Method::DELETE, url, None).await?;
        if status.is_success() || matches!(status.as_u16(), 404 | 410) {
            Ok(())
        } else {
            Err(DavError::Status(status.as_u16()))
        }
    }
}

fn local_to_utc(local: NaiveDateTime, zone: Tz) -> Option<DateTime<Utc>> {
    use chrono::TimeZone as _;
    zone.from_local_datetime(&local)
        .earliest()
        .or_else(|| {
            zone.from_local_datetime(&(local + TimeDelta::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
}

/// A Google event time: `dateTime` (RFC 3339) or an all-day `date` on the
/// calendar's clock.
fn google_time(value: &Value, zone: Tz) -> Option<DateTime<Utc>> {
    if let Some(t) = value["dateTime"].as_str() {
        return DateTime::parse_from_rfc3339(t)
            .ok()
            .map(|t| t.with_timezone(&Utc));
    }
    let date = NaiveDate::parse_from_str(value["date"].as_str()?, "%Y-%m-%d").ok()?;
    local_to_utc(date.and_hms_opt(0, 0, 0)?, zone)
}

fn google_event(event: &Value, zone: Tz) -> Option<RemoteEvent> {
    let id = event["id"].as_str()?.to_owned();
    let skip = id.starts_with("caucus")
        || event["status"].as_str() == Some("cancelled")
        || event["transparency"].as_str() == Some("transparent");
    let busy = if skip {
        None
    } else {
        let start = google_time(&event["start"], zone)?;
        let end = google_time(&event["end"], zone)?;
        (end > start).then(|| Interval::new(start, end))
    };
    Some(RemoteEvent { id, busy })
}

/// A Graph `dateTimeTimeZone`: we ask for UTC (`Prefer: outlook.timezone`),
/// and read IANA names too.
fn microsoft_time(value: &Value) -> Option<DateTime<Utc>> {
    let raw = value["dateTime"].as_str()?;
    let local = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    let zone = value["timeZone"]
        .as_str()
        .and_then(|z| z.parse::<Tz>().ok())
        .unwrap_or(Tz::UTC);
    local_to_utc(local, zone)
}

fn microsoft_event(event: &Value) -> Option<RemoteEvent> {
    let id = event["id"].as_str()?.to_owned();
    let skip = event["isCancelled"].as_bool() == Some(true)
        || matches!(event["showAs"].as_str(), Some("free" | "workingElsewhere"));
    let busy = if skip {
        None
    } else {
        let start = microsoft_time(&event["start"])?;
        let end = microsoft_time(&event["end"])?;
        (end > start).then(|| Interval::new(start, end))
    };
    Some(RemoteEvent { id, busy })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn provider_events_are_read_and_ours_free_and_cancelled_skipped() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let google = json!({ "id": "abc", "status": "confirmed",
            "start": { "dateTime": "2027-06-15T10:00:00+01:00" }, "end": { "dateTime": "2027-06-15T12:00:00+01:00" } });
        let e = google_event(&google, Tz::UTC).unwrap();
        assert_eq!(
            e.busy,
            Some(Interval::new(
                at("2027-06-15T09:00:00Z"),
                at("2027-06-15T11:00:00Z")
            ))
        );
        let all_day = json!({ "id": "d", "start": { "date": "2027-06-20" }, "end": { "date": "2027-06-21" } });
        assert_eq!(
            google_event(&all_day, Tz::America__Chicago).unwrap().busy,
            Some(Interval::new(
                at("2027-06-20T05:00:00Z"),
                at("2027-06-21T05:00:00Z")
            ))
        );
        for skipped in [
            json!({ "id": google_event_id(Uuid::nil()), "start": google["start"], "end": google["end"] }),
            json!({ "id": "f", "transparency": "transparent", "start": google["start"], "end": google["end"] }),
            json!({ "id": "c", "status": "cancelled" }),
        ] {
            assert!(google_event(&skipped, Tz::UTC).unwrap().busy.is_none());
        }
        let graph = json!({ "id": "AAMk=", "showAs": "busy", "isCancelled": false,
            "start": { "dateTime": "2027-06-15T09:00:00.0000000", "timeZone": "UTC" },
            "end": { "dateTime": "2027-06-15T11:30:00.0000000", "timeZone": "UTC" } });
        assert_eq!(
            microsoft_event(&graph).unwrap().busy,
            Some(Interval::new(
                at("2027-06-15T09:00:00Z"),
                at("2027-06-15T11:30:00Z")
            ))
        );
        let free =
            json!({ "id": "x", "showAs": "free", "start": graph["start"], "end": graph["end"] });
        assert!(microsoft_event(&free).unwrap().busy.is_none());
    }

    #[test]
    fn google_ids_are_base32hex() {
        let id = google_event_id(Uuid::now_v7());
        assert!(id.len() >= 5 && id.len() <= 1024);
        assert!(id.chars().all(|c| matches!(c, '0'..='9' | 'a'..='v')));
    }

    #[test]
    fn providers_are_offered_only_when_configured() {
        let mut calendar = CalendarSettings::default();
        assert!(offered(&calendar).is_empty());
        calendar.microsoft.client_id = "app".into();
        assert_eq!(offered(&calendar), vec![CalendarProvider::Microsoft]);
        let config = ProviderConfig::of(&calendar, CalendarProvider::Microsoft).unwrap();
        assert_eq!(
            config.calendar_url(),
            "https://graph.microsoft.com/v1.0/me/calendar"
        );
        assert!(ProviderConfig::of(&calendar, CalendarProvider::Google).is_none());
    }
}

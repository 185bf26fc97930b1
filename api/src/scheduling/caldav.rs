//! Two-way free/busy with a mediator's own CalDAV calendar (RFC 4791).
//!
//! A mediator connects a calendar collection with a username and password
//! (checked at once with a PROPFIND; the password is sealed with the
//! organization's key). A `calendar.sync` job then, for each connection:
//!
//! - **imports** busy times: a `calendar-query` REPORT over the next
//!   [`HORIZON_DAYS`] days, recurrences expanded by the server, replaces the
//!   mediator's `mediator_busy` rows of that connection (source
//!   `calendar`). Caucus's own events (UID `session-…`), cancelled and
//!   transparent (free) events are ignored;
//! - **exports** the mediator's booked sessions: each is PUT as
//!   `session-<id>.ics` (the stable UID of [`super::ics::session_uid`], a
//!   generic title, `CLASS:PRIVATE`, no case content) when it is new there,
//!   its SEQUENCE rose, or it went missing; a cancelled (or reassigned)
//!   session is DELETEd. `calendar_exports` remembers what was written.
//!
//! The job runs on connect, after each booking change of the mediator
//! ([`sessions_changed`]) and every `calendar.sync_interval_secs`.
//!
//! Requests: no redirects, a timeout on each, bodies read up to
//! [`MAX_BODY`]. Which servers may be reached is `calendar.hosts`: public
//! `https://` servers only (the resolved addresses are checked and pinned,
//! so a name cannot point the API at an internal address), or loopback
//! only (development, tests). Errors carry our own words: never the
//! server's reply, the address or the credentials.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use icalendar::{CalendarDateTime, Component, DatePerhapsTime};
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement};
use secrecy::{ExposeSecret, SecretString};
use shared_types::i18n::Arg;
use shared_types::{Locale, Translator};
use uuid::Uuid;

use super::ics::{self, SessionEvent};
use super::oauth_calendar::{Api, CalendarProvider, ProviderConfig};
use super::slots::Interval;
use crate::config::{CalendarHosts, CalendarSettings};
use crate::crypto::tenant::TenantKey;
use crate::db::{self, TenantScope, TenantTx};
use crate::error::{AppError, AppResult};
use crate::jobs::{ClaimedJob, JobKind};
use crate::state::AppState;

/// Busy times are read this far ahead.
pub const HORIZON_DAYS: i64 = 120;
/// The most calendars one mediator connects in one organization.
pub const MAX_CONNECTIONS: i64 = 5;
/// The largest reply read from a calendar server.
pub const MAX_BODY: usize = 4 * 1024 * 1024;
/// The most busy stretches kept per connection (after merging).
pub const MAX_BUSY: usize = 1000;
/// The most sessions written per sync.
const MAX_EXPORTS: u64 = 500;
const SYNC_ATTEMPTS: i32 = 3;
const CALDAV_NS: &str = "urn:ietf:params:xml:ns:caldav";
const DAV_NS: &str = "DAV:";

/// A connected calendar as the mediator sees it.
#[derive(Debug, Clone)]
pub struct Connection {
    pub id: Uuid,
    pub provider: CalendarProvider,
    pub url: String,
    pub username: String,
    pub last_synced_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
}

fn connection_from(row: &QueryResult) -> AppResult<Connection> {
    let provider: String = row.try_get("", "provider")?;
    Ok(Connection {
        id: row.try_get("", "id")?,
        provider: CalendarProvider::parse(&provider).unwrap_or(CalendarProvider::CalDav),
        url: row.try_get("", "url")?,
        username: row.try_get("", "username")?,
        last_synced_at: db::utc_opt(row, "last_synced_at")?,
        last_error: row.try_get("", "last_error")?,
        created_at: db::utc(row, "created_at")?,
    })
}

pub(super) const CONNECTION_COLUMNS: &str = "id, provider, url, username, last_synced_at, last_error, created_at, user_id, \
     password_sealed, refresh_token_sealed, access_token_sealed, access_expires_at";

fn password_context(id: Uuid) -> Vec<u8> {
    let mut context = b"calendar_connections.password:".to_vec();
    context.extend_from_slice(id.as_bytes());
    context
}

/// What a sealed OAuth token is bound to: its column and the connection.
pub(super) fn token_context(column: &str, id: Uuid) -> Vec<u8> {
    let mut context = format!("calendar_connections.{column}:").into_bytes();
    context.extend_from_slice(id.as_bytes());
    context
}

pub(super) fn connection_from_row(row: &QueryResult) -> AppResult<Connection> {
    connection_from(row)
}

// --- Where a calendar may be ----------------------------------------------

/// A calendar collection's address, checked against `calendar.hosts`, with
/// the addresses its host resolved to (pinned for the requests).
pub struct Target {
    url: url::Url,
    addrs: Vec<SocketAddr>,
}

impl Target {
    pub fn as_str(&self) -> &str {
        self.url.as_str()
    }
}

fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 198 && (b == 18 || b == 19))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8)
        }
    }
}

/// Parses and checks a calendar's address: `http(s)://`, no credentials in
/// it, a host allowed by `calendar.hosts`. Refusals are `VALIDATION_FAILED`
/// on `url`; nothing is sent anywhere but a name lookup (public mode).
pub async fn check_url(settings: &CalendarSettings, raw: &str) -> AppResult<Target> {
    let refused = |reason| AppError::validation("url", reason);
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > 2048 {
        return Err(refused("length"));
    }
    let mut url = url::Url::parse(raw).map_err(|_| refused("format"))?;
    match (url.scheme(), settings.hosts) {
        ("https", _) | ("http", CalendarHosts::Loopback) => {}
        ("http", CalendarHosts::Public) => return Err(refused("https_required")),
        _ => return Err(refused("scheme")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refused("credentials_in_url"));
    }
    url.set_fragment(None);
    url.set_query(None);
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    let host = url.host_str().ok_or(refused("format"))?.to_owned();
    let port = url.port_or_known_default().ok_or(refused("format"))?;
    let loopback_name = host.eq_ignore_ascii_case("localhost");
    let literal: Option<IpAddr> = host.trim_matches(['[', ']']).parse().ok();
    if settings.hosts == CalendarHosts::Loopback {
        // Decided from the address itself: nothing off this machine is asked.
        let ok = loopback_name || literal.is_some_and(|ip| ip.is_loopback());
        if !ok {
            return Err(refused("host_not_allowed"));
        }
    }
    let addrs: Vec<SocketAddr> = match literal {
        Some(ip) => vec![SocketAddr::new(ip, port)],
        None => tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|_| refused("unreachable"))?
            .collect(),
    };
    let allowed = |ip: IpAddr| match settings.hosts {
        CalendarHosts::Loopback => ip.is_loopback(),
        CalendarHosts::Public => is_public(ip),
    };
    if addrs.is_empty() || !addrs.iter().all(|a| allowed(a.ip())) {
        return Err(refused("host_not_allowed"));
    }
    Ok(Target { url, addrs })
}

// --- WebDAV over HTTP -------------------------------------------------------

/// What went wrong talking to a calendar server, in our own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DavError {
    Unreachable,
    TimedOut,
    Rejected,
    NotFound,
    Status(u16),
    TooLarge,
    Malformed,
    NotACalendar,
}

impl std::fmt::Display for DavError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DavError::Unreachable => f.write_str("the calendar server could not be reached"),
            DavError::TimedOut => f.write_str("the calendar server did not answer in time"),
            DavError::Rejected => f.write_str("the calendar server refused the credentials"),
            DavError::NotFound => f.write_str("the calendar was not found"),
            DavError::Status(code) => write!(f, "the calendar server answered {code}"),
            DavError::TooLarge => f.write_str("the calendar server's reply was too large"),
            DavError::Malformed => f.write_str("the calendar server's reply did not parse"),
            DavError::NotACalendar => f.write_str("the address is not a calendar"),
        }
    }
}

impl std::error::Error for DavError {}

impl From<DavError> for AppError {
    fn from(error: DavError) -> Self {
        match error {
            DavError::Rejected => AppError::CalendarCredentialsRejected,
            DavError::NotACalendar | DavError::NotFound => {
                AppError::validation("url", "not_a_calendar")
            }
            _ => AppError::validation("url", "unreachable"),
        }
    }
}

/// A client for one calendar collection. Holds the password: no `Debug`.
pub struct Dav {
    http: reqwest::Client,
    base: url::Url,
    username: String,
    password: SecretString,
}

impl Dav {
    pub fn new(
        settings: &CalendarSettings,
        target: &Target,
        username: &str,
        password: SecretString,
    ) -> anyhow::Result<Self> {
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(settings.request_timeout_secs))
            .connect_timeout(Duration::from_secs(settings.request_timeout_secs.min(5)))
            .user_agent("Caucus calendar sync");
        if let Some(url::Host::Domain(name)) = target.url.host() {
            builder = builder.resolve_to_addrs(name, &target.addrs);
        }
        Ok(Self {
            http: builder
                .build()
                .map_err(|_| anyhow::anyhow!("building the calendar client"))?,
            base: target.url.clone(),
            username: username.to_owned(),
            password,
        })
    }

    fn resource(&self, name: &str) -> Result<url::Url, DavError> {
        self.base.join(name).map_err(|_| DavError::Malformed)
    }

    async fn send(
        &self,
        method: Method,
        url: url::Url,
        depth: Option<&'static str>,
        body: Option<(&'static str, String)>,
    ) -> Result<(StatusCode, String), DavError> {
        let mut request = self
            .http
            .request(method, url)
            .basic_auth(&self.username, Some(self.password.expose_secret()));
        if let Some(depth) = depth {
            request = request.header("Depth", depth);
        }
        if let Some((content_type, body)) = body {
            request = request.header("Content-Type", content_type).body(body);
        }
        let (status, bytes) = read_reply(request).await?;
        Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
    }

    fn dav_method(name: &[u8]) -> Result<Method, DavError> {
        Method::from_bytes(name).map_err(|_| DavError::Malformed)
    }

    /// Checks the credentials and that the address is a calendar collection.
    pub async fn check(&self) -> Result<(), DavError> {
        let body = r#"<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/></d:prop></d:propfind>"#;
        let (status, reply) = self
            .send(
                Self::dav_method(b"PROPFIND")?,
                self.base.clone(),
                Some("0"),
                Some(("application/xml; charset=utf-8", body.to_owned())),
            )
            .await?;
        match status.as_u16() {
            207 => {}
            404 | 410 => return Err(DavError::NotFound),
            code => return Err(DavError::Status(code)),
        }
        let doc = roxmltree::Document::parse(&reply).map_err(|_| DavError::Malformed)?;
        let calendar = doc.descendants().any(|n| {
            n.has_tag_name((CALDAV_NS, "calendar"))
                && n.parent()
                    .is_some_and(|p| p.has_tag_name((DAV_NS, "resourcetype")))
        });
        if calendar {
            Ok(())
        } else {
            Err(DavError::NotACalendar)
        }
    }

    /// The calendar's objects with events in `[from, to)`, recurrences
    /// expanded by the server: `(href, iCalendar text)`.
    pub async fn events_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(String, String)>, DavError> {
        let (s, e) = (from.format("%Y%m%dT%H%M%SZ"), to.format("%Y%m%dT%H%M%SZ"));
        let body = format!(
            r#"<?xml version="1.0" encoding="utf-8"?>
<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
  <d:prop><d:getetag/><c:calendar-data><c:expand start="{s}" end="{e}"/></c:calendar-data></d:prop>
  <c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="{s}" end="{e}"/></c:comp-filter></c:comp-filter></c:filter>
</c:calendar-query>"#
        );
        let (status, reply) = self
            .send(
                Self::dav_method(b"REPORT")?,
                self.base.clone(),
                Some("1"),
                Some(("application/xml; charset=utf-8", body)),
            )
            .await?;
        match status.as_u16() {
            207 => parse_multistatus(&reply),
            404 | 410 => Err(DavError::NotFound),
            code => Err(DavError::Status(code)),
        }
    }

    /// Writes (creates or replaces) `name` with `ics`.
    pub async fn put(&self, name: &str, ics: String) -> Result<(), DavError> {
        let (status, _) = self
            .send(
                Method::PUT,
                self.resource(name)?,
                None,
                Some(("text/calendar; charset=utf-8", ics)),
            )
            .await?;
        if status.is_success() {
            Ok(())
        } else {
            Err(DavError::Status(status.as_u16()))
        }
    }

    /// Deletes `name`; one already gone is fine.
    pub async fn delete(&self, name: &str) -> Result<(), DavError> {
        let (status, _) = self
            .send(Method::DELETE, self.resource(name)?, None, None)
            .await?;
        if status.is_success() || status == StatusCode::NOT_FOUND || status == StatusCode::GONE {
            Ok(())
        } else {
            Err(DavError::Status(status.as_u16()))
        }
    }
}

/// Sends `request` to a calendar server and reads its reply, at most
/// [`MAX_BODY`]: refused credentials, timeouts and failures in our words.
pub(super) async fn read_reply(
    request: reqwest::RequestBuilder,
) -> Result<(StatusCode, Vec<u8>), DavError> {
    let mut response = request.send().await.map_err(|e| {
        if e.is_timeout() {
            DavError::TimedOut
        } else {
            DavError::Unreachable
        }
    })?;
    let status = response.status();
    if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
        return Err(DavError::Rejected);
    }
    let mut bytes = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if bytes.len() + chunk.len() > MAX_BODY {
                    return Err(DavError::TooLarge);
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) if e.is_timeout() => return Err(DavError::TimedOut),
            Err(_) => return Err(DavError::Unreachable),
        }
    }
    Ok((status, bytes))
}

/// How many calendars the user has connected (at most [`MAX_CONNECTIONS`]).
pub(super) async fn connection_count(tx: &TenantTx, user_id: Uuid) -> AppResult<i64> {
    Ok(tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT count(*) AS n FROM calendar_connections WHERE user_id = $1",
            [user_id.into()],
        ))
        .await?
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0))
}

/// `(href, calendar-data)` of each successful response of a multistatus.
fn parse_multistatus(xml: &str) -> Result<Vec<(String, String)>, DavError> {
    let doc = roxmltree::Document::parse(xml).map_err(|_| DavError::Malformed)?;
    let mut out = Vec::new();
    for response in doc
        .descendants()
        .filter(|n| n.has_tag_name((DAV_NS, "response")))
    {
        let href = response
            .children()
            .find(|n| n.has_tag_name((DAV_NS, "href")))
            .and_then(|n| n.text())
            .unwrap_or_default()
            .trim()
            .to_owned();
        for propstat in response
            .children()
            .filter(|n| n.has_tag_name((DAV_NS, "propstat")))
        {
            let ok = propstat
                .children()
                .find(|n| n.has_tag_name((DAV_NS, "status")))
                .and_then(|n| n.text())
                .is_some_and(|s| s.contains(" 200"));
            if !ok {
                continue;
            }
            if let Some(data) = propstat
                .descendants()
                .find(|n| n.has_tag_name((CALDAV_NS, "calendar-data")))
            {
                let text: String = data
                    .children()
                    .filter_map(|c| c.text())
                    .collect::<Vec<_>>()
                    .concat();
                out.push((href.clone(), text));
            }
        }
    }
    Ok(out)
}

// --- Reading busy times -----------------------------------------------------

/// An ISO 8601 / RFC 5545 duration such as `PT1H30M`, `P1D`, `P2W`.
fn parse_duration(value: &str) -> Option<TimeDelta> {
    let value = value.trim();
    let (negative, rest) = match value.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, value.strip_prefix('+').unwrap_or(value)),
    };
    let rest = rest.strip_prefix('P')?;
    let mut total = TimeDelta::zero();
    let mut number = String::new();
    let mut in_time = false;
    for c in rest.chars() {
        match c {
            '0'..='9' => number.push(c),
            'T' => in_time = true,
            'W' | 'D' | 'H' | 'M' | 'S' => {
                let n: i64 = number.parse().ok()?;
                number.clear();
                total += match (c, in_time) {
                    ('W', false) => TimeDelta::try_weeks(n)?,
                    ('D', false) => TimeDelta::try_days(n)?,
                    ('H', true) => TimeDelta::try_hours(n)?,
                    ('M', true) => TimeDelta::try_minutes(n)?,
                    ('S', true) => TimeDelta::try_seconds(n)?,
                    _ => return None,
                };
            }
            _ => return None,
        }
    }
    if !number.is_empty() {
        return None;
    }
    Some(if negative { -total } else { total })
}

fn local_to_utc(local: NaiveDateTime, zone: Tz) -> Option<DateTime<Utc>> {
    zone.from_local_datetime(&local)
        .earliest()
        .or_else(|| {
            zone.from_local_datetime(&(local + TimeDelta::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
}

fn date_start(date: NaiveDate, zone: Tz) -> Option<DateTime<Utc>> {
    local_to_utc(date.and_hms_opt(0, 0, 0)?, zone)
}

/// A date or time of an event in UTC: floating times, dates and unknown
/// zones are read on the mediator's clock.
fn to_utc(value: &DatePerhapsTime, zone: Tz) -> Option<DateTime<Utc>> {
    match value {
        DatePerhapsTime::Date(date) => date_start(*date, zone),
        DatePerhapsTime::DateTime(CalendarDateTime::Utc(t)) => Some(*t),
        DatePerhapsTime::DateTime(CalendarDateTime::Floating(local)) => local_to_utc(*local, zone),
        DatePerhapsTime::DateTime(CalendarDateTime::WithTimezone { date_time, tzid }) => {
            let tz = tzid.trim_matches('"').parse::<Tz>().unwrap_or(zone);
            local_to_utc(*date_time, tz)
        }
    }
}

/// The busy stretches of one calendar object: every event that is not
/// Caucus's own (`UID:session-…`), not cancelled and not marked free.
pub fn busy_of(ics: &str, zone: Tz) -> Vec<Interval> {
    let Ok(calendar) = ics.parse::<icalendar::Calendar>() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for event in calendar.events() {
        if event
            .get_uid()
            .is_some_and(|uid| uid.starts_with("session-"))
        {
            continue;
        }
        let flag = |key: &str, value: &str| {
            event
                .property_value(key)
                .is_some_and(|v| v.trim().eq_ignore_ascii_case(value))
        };
        if flag("STATUS", "CANCELLED") || flag("TRANSP", "TRANSPARENT") {
            continue;
        }
        let Some(start_value) = event.get_start() else {
            continue;
        };
        let Some(start) = to_utc(&start_value, zone) else {
            continue;
        };
        let end = match event.get_end() {
            Some(end) => to_utc(&end, zone),
            None => match event.property_value("DURATION").and_then(parse_duration) {
                Some(d) => Some(start + d),
                None => match start_value {
                    DatePerhapsTime::Date(date) => {
                        date.succ_opt().and_then(|next| date_start(next, zone))
                    }
                    DatePerhapsTime::DateTime(_) => None,
                },
            },
        };
        if let Some(end) = end
            && end > start
        {
            out.push(Interval::new(start, end));
        }
    }
    out
}

/// Sorted, merged, clipped to `[from, to)`, at most [`MAX_BUSY`].
pub fn merge(mut busy: Vec<Interval>, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Interval> {
    busy.retain(|b| b.end > from && b.start < to);
    busy.sort_by_key(|b| (b.start, b.end));
    let mut out: Vec<Interval> = Vec::new();
    for b in busy {
        let b = Interval::new(b.start.max(from), b.end.min(to));
        match out.last_mut() {
            Some(last) if b.start <= last.end => last.end = last.end.max(b.end),
            _ => out.push(b),
        }
    }
    out.truncate(MAX_BUSY);
    out
}

/// The session an href of ours names (`…/session-<id>.ics`).
fn session_of_href(href: &str) -> Option<Uuid> {
    let name = href.trim_end_matches('/').rsplit('/').next()?;
    let decoded = percent_encoding::percent_decode_str(name)
        .decode_utf8()
        .ok()?;
    Uuid::parse_str(decoded.strip_prefix("session-")?.strip_suffix(".ics")?).ok()
}

fn resource_name(session_id: Uuid) -> String {
    format!("session-{session_id}.ics")
}

// --- Connections --------------------------------------------------------------

/// The user's connections, oldest first.
pub async fn list(tx: &TenantTx, user_id: Uuid) -> AppResult<Vec<Connection>> {
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "SELECT {CONNECTION_COLUMNS} FROM calendar_connections WHERE user_id = $1 ORDER BY created_at, id"
            ),
            [user_id.into()],
        ))
        .await?;
    rows.iter().map(connection_from).collect()
}

/// Keeps a checked connection (the same address again replaces its
/// username and password) and queues its first sync, in `tx`.
pub async fn save(
    tx: &TenantTx,
    key: &TenantKey,
    user_id: Uuid,
    target: &Target,
    username: &str,
    password: &SecretString,
) -> AppResult<Connection> {
    let existing = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id FROM calendar_connections WHERE user_id = $1 AND url = $2 AND provider = 'caldav' FOR UPDATE",
            [user_id.into(), target.as_str().into()],
        ))
        .await?;
    let id = match existing {
        Some(row) => {
            let id: Uuid = row.try_get("", "id")?;
            let sealed = key.seal_str(password.expose_secret(), &password_context(id))?;
            tx.conn()
                .execute(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "UPDATE calendar_connections SET username = $2, password_sealed = $3, last_error = NULL WHERE id = $1",
                    [id.into(), username.into(), sealed.into()],
                ))
                .await?;
            id
        }
        None => {
            let count = connection_count(tx, user_id).await?;
            if count >= MAX_CONNECTIONS {
                return Err(AppError::validation("url", "too_many"));
            }
            let id = Uuid::now_v7();
            let sealed = key.seal_str(password.expose_secret(), &password_context(id))?;
            tx.conn()
                .execute(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "INSERT INTO calendar_connections (id, org_id, user_id, url, username, password_sealed)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                    [
                        id.into(),
                        tx.scope().org_id.into(),
                        user_id.into(),
                        target.as_str().into(),
                        username.into(),
                        sealed.into(),
                    ],
                ))
                .await?;
            id
        }
    };
    enqueue_soon(tx, id).await?;
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("SELECT {CONNECTION_COLUMNS} FROM calendar_connections WHERE id = $1"),
            [id.into()],
        ))
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("saved connection missing")))?;
    connection_from(&row)
}

/// Removes the user's connection `id` with its busy times (someone else's
/// is not found) and closes its queued syncs. Events already written to
/// the calendar stay there.
pub async fn remove(tx: &TenantTx, user_id: Uuid, id: Uuid) -> AppResult<()> {
    let done = tx
        .conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "DELETE FROM calendar_connections WHERE id = $1 AND user_id = $2",
            [id.into(), user_id.into()],
        ))
        .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE jobs SET status = 'done', locked_until = NULL, last_error = 'calendar disconnected'
             WHERE org_id = $1 AND kind = $2 AND status = 'queued' AND payload->>'connectionId' = $3",
            [
                tx.scope().org_id.into(),
                JobKind::CalendarSync.as_str().into(),
                id.to_string().into(),
            ],
        ))
        .await?;
    Ok(())
}

// --- Queueing syncs -----------------------------------------------------------

/// Queues a sync of `connection_id` at `run_at` unless one is already
/// queued to run by then (other than `except`, the job running now).
async fn enqueue_by(
    tx: &TenantTx,
    connection_id: Uuid,
    run_at: DateTime<Utc>,
    except: Option<Uuid>,
) -> AppResult<()> {
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO jobs (id, org_id, kind, payload, max_attempts, run_at)
             SELECT $1, $2, $3, $4, $5, $6
             WHERE NOT EXISTS (SELECT 1 FROM jobs WHERE org_id = $2 AND kind = $3 AND status = 'queued'
                               AND payload->>'connectionId' = $7 AND run_at <= $6 AND id <> $8)",
            [
                Uuid::now_v7().into(),
                tx.scope().org_id.into(),
                JobKind::CalendarSync.as_str().into(),
                serde_json::json!({ "connectionId": connection_id }).into(),
                SYNC_ATTEMPTS.into(),
                run_at.into(),
                connection_id.to_string().into(),
                except.unwrap_or_else(Uuid::nil).into(),
            ],
        ))
        .await?;
    Ok(())
}

pub(super) async fn enqueue_soon(tx: &TenantTx, connection_id: Uuid) -> AppResult<()> {
    enqueue_by(tx, connection_id, Utc::now(), None).await
}

/// A session of `mediator_id` was booked, moved or cancelled: queues a sync
/// of each of their connected calendars, in the change's transaction.
/// Call it from every code path that changes a session.
pub async fn sessions_changed(tx: &TenantTx, mediator_id: Uuid) -> AppResult<()> {
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id FROM calendar_connections WHERE user_id = $1",
            [mediator_id.into()],
        ))
        .await?;
    for row in rows {
        enqueue_soon(tx, row.try_get("", "id")?).await?;
    }
    Ok(())
}

// --- The sync job -------------------------------------------------------------

pub(super) struct Export {
    pub session_id: Uuid,
    pub case_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub duration_minutes: i32,
    pub sequence: i32,
    pub written: Option<i32>,
    /// The provider's id of the written event (Microsoft Graph).
    pub remote_id: Option<String>,
}

/// Whom a sync speaks to.
pub(super) enum Remote {
    Dav(Dav),
    /// An OAuth calendar, with the refresh token and when the access token
    /// expires.
    OAuth {
        api: Box<Api>,
        refresh: SecretString,
        expires_at: DateTime<Utc>,
    },
}

/// What one sync read before talking to the server.
pub(super) struct Plan {
    pub org_id: Uuid,
    pub user_id: Uuid,
    pub remote: Remote,
    pub zone: Tz,
    pub exports: Vec<Export>,
    /// Sessions to remove, with the provider's id of their event.
    pub removals: Vec<(Uuid, Option<String>)>,
    pub org_name: String,
    pub locale: Locale,
}

pub(super) fn internal(what: &'static str) -> impl FnOnce(AppError) -> anyhow::Error {
    move |e| anyhow::anyhow!("{what}: {}", e.message())
}

async fn plan(
    state: &AppState,
    tx: &TenantTx,
    connection_id: Uuid,
) -> anyhow::Result<Option<Plan>> {
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("SELECT {CONNECTION_COLUMNS} FROM calendar_connections WHERE id = $1"),
            [connection_id.into()],
        ))
        .await
        .context("loading the connection")?;
    let Some(row) = row else { return Ok(None) };
    let connection = connection_from(&row).map_err(internal("reading the connection"))?;
    let user_id: Uuid = row
        .try_get("", "user_id")
        .context("reading the connection")?;
    let key = TenantKey::of(tx, &state.data_key)
        .await
        .map_err(internal("loading the tenant key"))?;
    let settings = &state.settings.calendar;
    let remote = match connection.provider {
        CalendarProvider::CalDav => {
            let sealed: Vec<u8> = row
                .try_get("", "password_sealed")
                .context("reading the connection")?;
            let password = SecretString::from(
                key.open_str(&sealed, &password_context(connection_id))
                    .map_err(internal("opening the password"))?,
            );
            let target = check_url(settings, &connection.url)
                .await
                .map_err(|_| anyhow::anyhow!("the calendar's address is no longer allowed"))?;
            Remote::Dav(Dav::new(settings, &target, &connection.username, password)?)
        }
        provider => {
            let config = ProviderConfig::of(settings, provider)
                .context("the calendar provider is no longer configured")?;
            let open = |column: &str| -> anyhow::Result<SecretString> {
                let sealed: Vec<u8> = row
                    .try_get("", &format!("{column}_sealed"))
                    .context("reading the connection")?;
                Ok(SecretString::from(
                    key.open_str(&sealed, &token_context(column, connection_id))
                        .map_err(internal("opening a token"))?,
                ))
            };
            let refresh = open("refresh_token")?;
            let access = open("access_token")?;
            let expires_at = db::utc_opt(&row, "access_expires_at")
                .context("reading the connection")?
                .unwrap_or_else(Utc::now);
            Remote::OAuth {
                api: Box::new(Api::new(config, access)?),
                refresh,
                expires_at,
            }
        }
    };
    let zone = super::availability::week(tx, user_id)
        .await
        .map_err(internal("loading the working week"))?
        .map_or(Tz::UTC, |w| w.time_zone);
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "SELECT s.id, s.case_id, s.scheduled_for, s.duration_minutes, s.sequence, e.sequence AS written, e.remote_id
                 FROM sessions s
                 LEFT JOIN calendar_exports e ON e.session_id = s.id AND e.connection_id = $2
                 WHERE s.mediator_id = $1 AND s.status = 'booked' AND s.scheduled_for >= $3
                 ORDER BY s.scheduled_for, s.id LIMIT {MAX_EXPORTS}"
            ),
            [
                user_id.into(),
                connection_id.into(),
                (Utc::now() - TimeDelta::days(1)).into(),
            ],
        ))
        .await
        .context("loading the sessions")?;
    let mut exports = Vec::with_capacity(rows.len());
    for row in &rows {
        let read = || -> Result<Export, sea_orm::DbErr> {
            Ok(Export {
                session_id: row.try_get("", "id")?,
                case_id: row.try_get("", "case_id")?,
                starts_at: db::utc(row, "scheduled_for")?,
                duration_minutes: row.try_get("", "duration_minutes")?,
                sequence: row.try_get("", "sequence")?,
                written: row.try_get("", "written")?,
                remote_id: row.try_get("", "remote_id")?,
            })
        };
        exports.push(read().context("reading a session")?);
    }
    let removals = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT e.session_id, e.remote_id FROM calendar_exports e JOIN sessions s ON s.id = e.session_id
             WHERE e.connection_id = $1 AND (s.status <> 'booked' OR s.mediator_id <> $2)",
            [connection_id.into(), user_id.into()],
        ))
        .await
        .context("loading the sessions to remove")?
        .iter()
        .map(|r| Ok((r.try_get::<Uuid>("", "session_id")?, r.try_get("", "remote_id")?)))
        .collect::<Result<Vec<_>, sea_orm::DbErr>>()
        .context("reading the sessions to remove")?;
    let org = crate::orgs::service::current(tx)
        .await
        .map_err(internal("loading the organization"))?;
    let locale = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT locale FROM profiles WHERE user_id = $1",
            [user_id.into()],
        ))
        .await
        .context("loading the profile")?
        .and_then(|r| r.try_get::<String>("", "locale").ok())
        .and_then(|l| Locale::parse(&l))
        .unwrap_or_default();
    Ok(Some(Plan {
        org_id: tx.scope().org_id,
        user_id,
        remote,
        zone,
        exports,
        removals,
        org_name: org.name,
        locale,
    }))
}

/// What one sync did at the server, to record.
pub(super) struct Outcome {
    pub busy: Vec<Interval>,
    /// Sessions written, at which SEQUENCE, with the provider's event id.
    pub written: Vec<(Uuid, i32, Option<String>)>,
    pub removed: Vec<Uuid>,
}

/// The generic title and the description (organization and link) of a
/// session's event, in the mediator's language.
pub(super) struct SessionTexts {
    tr: Translator,
    summary: String,
}

impl SessionTexts {
    pub fn new(locale: Locale) -> Self {
        let tr = Translator::new(locale);
        let summary = tr.tr("session-ics-summary");
        Self { tr, summary }
    }

    pub fn summary(&self) -> &str {
        &self.summary
    }

    /// `(link, description)` of one session.
    pub fn describe(&self, state: &AppState, org_name: &str, export: &Export) -> (String, String) {
        let link = super::notify::session_link(
            state.settings.email.admin_portal_url.as_str(),
            export.case_id,
            export.session_id,
        );
        let description = self.tr.tr_args(
            "session-ics-description",
            &[
                ("organization", Arg::Str(org_name)),
                ("link", Arg::Str(&link)),
            ],
        );
        (link, description)
    }
}

async fn talk(state: &AppState, connection_id: Uuid, plan: &mut Plan) -> anyhow::Result<Outcome> {
    let dav = match &mut plan.remote {
        Remote::Dav(dav) => dav,
        Remote::OAuth { .. } => {
            return super::oauth_sync::talk(state, connection_id, plan).await;
        }
    };
    let dav: &Dav = dav;
    let now = Utc::now();
    let until = now + TimeDelta::days(HORIZON_DAYS);
    let objects = dav.events_between(now, until).await?;
    let mut seen = HashSet::new();
    let mut busy = Vec::new();
    for (href, ics) in &objects {
        if let Some(session) = session_of_href(href) {
            seen.insert(session);
        }
        busy.extend(busy_of(ics, plan.zone));
    }
    let busy = merge(busy, now, until);

    let settings = &state.settings;
    let host = settings
        .server
        .public_url
        .host_str()
        .unwrap_or("caucus.invalid");
    let texts = SessionTexts::new(plan.locale);
    let mut written = Vec::new();
    for export in &plan.exports {
        let missing = export.starts_at >= now && !seen.contains(&export.session_id);
        if export.written == Some(export.sequence) && !missing {
            continue;
        }
        let (link, description) = texts.describe(state, &plan.org_name, export);
        let event = SessionEvent {
            uid: ics::session_uid(export.session_id, host),
            sequence: export.sequence,
            starts_at: export.starts_at,
            duration_minutes: export.duration_minutes,
            cancelled: false,
            summary: texts.summary(),
            description: &description,
            url: &link,
        };
        dav.put(
            &resource_name(export.session_id),
            ics::stored_object(&event, now),
        )
        .await
        .context("writing a session to the calendar")?;
        written.push((export.session_id, export.sequence, None));
    }
    let mut removed = Vec::new();
    for (session, _) in &plan.removals {
        dav.delete(&resource_name(*session))
            .await
            .context("removing a session from the calendar")?;
        removed.push(*session);
    }
    Ok(Outcome {
        busy,
        written,
        removed,
    })
}

async fn record(
    tx: &TenantTx,
    connection_id: Uuid,
    plan: &Plan,
    outcome: &Outcome,
) -> AppResult<bool> {
    let still = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id FROM calendar_connections WHERE id = $1 FOR UPDATE",
            [connection_id.into()],
        ))
        .await?;
    if still.is_none() {
        return Ok(false);
    }
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "DELETE FROM mediator_busy WHERE connection_id = $1",
            [connection_id.into()],
        ))
        .await?;
    for busy in &outcome.busy {
        tx.conn()
            .execute(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "INSERT INTO mediator_busy (id, org_id, user_id, during, source, connection_id)
                 VALUES ($1, $2, $3, tstzrange($4, $5), 'calendar', $6)",
                [
                    Uuid::now_v7().into(),
                    tx.scope().org_id.into(),
                    plan.user_id.into(),
                    busy.start.into(),
                    busy.end.into(),
                    connection_id.into(),
                ],
            ))
            .await?;
    }
    for (session, sequence, remote_id) in &outcome.written {
        tx.conn()
            .execute(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "INSERT INTO calendar_exports (org_id, connection_id, session_id, sequence, remote_id) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (connection_id, session_id) DO UPDATE SET sequence = EXCLUDED.sequence, remote_id = EXCLUDED.remote_id",
                [
                    tx.scope().org_id.into(),
                    connection_id.into(),
                    (*session).into(),
                    (*sequence).into(),
                    remote_id.clone().into(),
                ],
            ))
            .await?;
    }
    for session in &outcome.removed {
        tx.conn()
            .execute(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "DELETE FROM calendar_exports WHERE connection_id = $1 AND session_id = $2",
                [connection_id.into(), (*session).into()],
            ))
            .await?;
    }
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE calendar_connections SET last_synced_at = now(), last_error = NULL WHERE id = $1",
            [connection_id.into()],
        ))
        .await?;
    Ok(true)
}

async fn tenant_tx(state: &AppState, job: &ClaimedJob) -> anyhow::Result<TenantTx> {
    state
        .db
        .tenant(TenantScope {
            org_id: job.org_id,
            user_id: None,
        })
        .await
        .context("opening the job's transaction")
}

/// Runs a `calendar.sync` job: queues the next periodic run, reads what to
/// write, talks to the server outside any transaction, then records the
/// busy times and what was written. A failure is kept on the connection
/// (in our words) and the job retried.
pub async fn run_sync(state: &AppState, job: &ClaimedJob) -> anyhow::Result<()> {
    let connection_id = job
        .payload
        .get("connectionId")
        .and_then(|v| v.as_str())
        .and_then(|v| Uuid::parse_str(v).ok())
        .context("payload without connectionId")?;
    let tx = tenant_tx(state, job).await?;
    let Some(mut plan) = plan(state, &tx, connection_id).await? else {
        // Disconnected meanwhile: nothing to do, and no next run.
        return Ok(());
    };
    let next = Utc::now()
        + TimeDelta::seconds(
            i64::try_from(state.settings.calendar.sync_interval_secs).unwrap_or(900),
        );
    enqueue_by(&tx, connection_id, next, Some(job.id))
        .await
        .map_err(internal("queueing the next sync"))?;
    tx.commit().await.context("closing the job's transaction")?;

    let outcome = match talk(state, connection_id, &mut plan).await {
        Ok(outcome) => outcome,
        Err(error) => {
            let reason = error.to_string();
            if let Ok(tx) = tenant_tx(state, job).await {
                let _ = tx
                    .conn()
                    .execute(Statement::from_sql_and_values(
                        DbBackend::Postgres,
                        "UPDATE calendar_connections SET last_error = left($2, 200) WHERE id = $1",
                        [connection_id.into(), reason.clone().into()],
                    ))
                    .await;
                let _ = tx.commit().await;
            }
            return Err(error);
        }
    };
    let tx = tenant_tx(state, job).await?;
    record(&tx, connection_id, &plan, &outcome)
        .await
        .map_err(internal("recording the sync"))?;
    tx.commit().await.context("closing the job's transaction")?;
    tracing::info!(
        connection_id = %connection_id,
        busy = outcome.busy.len(),
        written = outcome.written.len(),
        removed = outcome.removed.len(),
        "calendar synced"
    );
    Ok(())
}

/// How many busy stretches each connection of the user holds (for tests
/// and the connections list).
pub async fn busy_counts(tx: &TenantTx, user_id: Uuid) -> AppResult<HashMap<Uuid, i64>> {
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT connection_id, count(*) AS n FROM mediator_busy
             WHERE user_id = $1 AND connection_id IS NOT NULL GROUP BY connection_id",
            [user_id.into()],
        ))
        .await?;
    let mut out = HashMap::new();
    for row in rows {
        out.insert(row.try_get("", "connection_id")?, row.try_get("", "n")?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("PT1H30M"), Some(TimeDelta::minutes(90)));
        assert_eq!(parse_duration("P1D"), Some(TimeDelta::days(1)));
        assert_eq!(parse_duration("P2W"), Some(TimeDelta::weeks(2)));
        assert_eq!(parse_duration("P1DT2H"), Some(TimeDelta::hours(26)));
        assert_eq!(parse_duration("PT"), Some(TimeDelta::zero()));
        assert_eq!(parse_duration("1H"), None);
        assert_eq!(parse_duration("PT5"), None);
    }

    #[test]
    fn busy_times_skip_our_own_free_and_cancelled_events() {
        let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n\
BEGIN:VEVENT\r\nUID:a\r\nDTSTART;TZID=Europe/London:20270615T100000\r\nDTEND;TZID=Europe/London:20270615T120000\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:session-1@caucus\r\nDTSTART:20270616T100000Z\r\nDTEND:20270616T120000Z\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:b\r\nTRANSP:TRANSPARENT\r\nDTSTART:20270617T100000Z\r\nDTEND:20270617T120000Z\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:c\r\nSTATUS:CANCELLED\r\nDTSTART:20270618T100000Z\r\nDTEND:20270618T120000Z\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:d\r\nDTSTART:20270619T100000Z\r\nDURATION:PT45M\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:e\r\nDTSTART;VALUE=DATE:20270620\r\nEND:VEVENT\r\n\
END:VCALENDAR\r\n";
        let busy = busy_of(ics, Tz::America__Chicago);
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            busy,
            vec![
                Interval::new(at("2027-06-15T09:00:00Z"), at("2027-06-15T11:00:00Z")),
                Interval::new(at("2027-06-19T10:00:00Z"), at("2027-06-19T10:45:00Z")),
                Interval::new(at("2027-06-20T05:00:00Z"), at("2027-06-21T05:00:00Z")),
            ]
        );
        let from = at("2027-06-15T10:00:00Z");
        let merged = merge(
            vec![
                Interval::new(at("2027-06-15T09:00:00Z"), at("2027-06-15T11:00:00Z")),
                Interval::new(at("2027-06-15T10:30:00Z"), at("2027-06-15T12:00:00Z")),
            ],
            from,
            at("2027-07-01T00:00:00Z"),
        );
        assert_eq!(
            merged,
            vec![Interval::new(from, at("2027-06-15T12:00:00Z"))]
        );
    }

    #[test]
    fn multistatus_replies_parse_and_our_hrefs_are_recognised() {
        let xml = r#"<?xml version="1.0"?><multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
<response><href>/m/work/x.ics</href><propstat><prop><getetag>"1"</getetag><C:calendar-data>BEGIN:VCALENDAR&#13;
END:VCALENDAR</C:calendar-data></prop><status>HTTP/1.1 200 OK</status></propstat></response>
<response><href>/m/work/y.ics</href><propstat><prop><C:calendar-data/></prop><status>HTTP/1.1 404 Not Found</status></propstat></response>
</multistatus>"#;
        let parsed = parse_multistatus(xml).unwrap();
        assert_eq!(parsed.len(), 1);
        assert_eq!(parsed[0].0, "/m/work/x.ics");
        assert!(parsed[0].1.starts_with("BEGIN:VCALENDAR\r\n"));
        let id = Uuid::now_v7();
        assert_eq!(
            session_of_href(&format!("/m/work/{}", resource_name(id))),
            Some(id)
        );
        assert_eq!(session_of_href("/m/work/x.ics"), None);
    }

    #[test]
    fn only_public_addresses_pass_in_public_mode() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "169.254.1.1",
            "::1",
            "fd00::1",
            "100.64.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "2606:4700::1111"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[tokio::test]
    async fn addresses_are_checked_before_anything_is_sent() {
        let loopback = CalendarSettings {
            hosts: CalendarHosts::Loopback,
            ..CalendarSettings::default()
        };
        let public = CalendarSettings::default();
        for bad in [
            "ftp://127.0.0.1/cal/",
            "javascript:alert(1)",
            "http://10.0.0.1/cal/",
            "https://calendar.example.com/cal/",
            "http://u:p@127.0.0.1/cal/",
        ] {
            assert!(check_url(&loopback, bad).await.is_err(), "{bad}");
        }
        let ok = check_url(&loopback, "http://127.0.0.1:5232/m/work")
            .await
            .unwrap();
        assert_eq!(ok.as_str(), "http://127.0.0.1:5232/m/work/");
        for bad in [
            "http://127.0.0.1:5232/m/",
            "https://127.0.0.1/m/",
            "https://[::1]/m/",
            "https://10.0.0.1/",
        ] {
            assert!(check_url(&public, bad).await.is_err(), "{bad}");
        }
    }
}

//! Google Calendar and Microsoft 365 connections against recorded replies
//! of the providers (`api/tests/fixtures/oauth_calendars/`), served by a
//! loopback server that plays the authorization server and the calendar
//! API and checks what it is sent: the authorization address carries
//! PKCE, state and scopes; the code is exchanged with the verifier and the
//! client's credentials; a replayed, unknown or someone else's state is
//! refused; busy times block slots; a booked session is written with the
//! generic title and nothing of the case and removed when cancelled; an
//! expired access token is refreshed; provider failures leave a short
//! error and nothing half-written; parties, other mediators and other
//! organizations neither connect nor see a connection.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use caucus_api::authz::RoleKey;
use caucus_api::jobs::worker::Worker;
use caucus_api::testkit::{self, TestApp};
use chrono::{DateTime, Datelike, NaiveTime, TimeDelta, TimeZone, Utc, Weekday};
use chrono_tz::Europe::London;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use serde_json::{Value, json};
use sha2::Digest as _;

use crate::cases::case_org;
use crate::scheduling::{BOOK, SCHEDULE, schedulable, starts};
use crate::support::{Client, PASSWORD, assert_ok, error_code, org_with};

const PROVIDERS: &str = "query { calendarProviders }";
const START: &str = "mutation S($p: CalendarProvider!) { startCalendarConnection(provider: $p) }";
const FINISH: &str = "mutation F($c: String!, $s: String!) { finishCalendarConnection(code: $c, state: $s) { id provider url username lastSyncedAt lastError busyCount } }";
const CONNECTIONS: &str =
    "query { calendarConnections { id provider url username lastSyncedAt lastError busyCount } }";
const DISCONNECT: &str = "mutation D($id: ID!) { disconnectCalendar(id: $id) }";
const CANCEL: &str = "mutation C($s: ID!, $why: String!) { cancelSession(sessionId: $s, reason: $why) { id status } }";
const WEEK: &str = "mutation W($i: WorkingWeekInput!) { setWorkingWeek(input: $i) { version } }";

/// The authorization code the recorded provider accepts.
const CODE: &str = "4/0AeanS0bRecordedAuthorizationCode";
const CLIENT_ID: &str = "caucus-test-client.apps.example";
const CLIENT_SECRET: &str = "recorded-client-secret-Xk2";

fn fixture(path: &str) -> String {
    let file = format!(
        "{}/tests/fixtures/oauth_calendars/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{{{name}}}}}"), value);
    }
    out
}

/// One request the provider was sent.
#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    path: String,
    query: String,
    authorization: Option<String>,
    prefer: Option<String>,
    body: String,
}

impl Seen {
    fn form(&self) -> BTreeMap<String, String> {
        url::form_urlencoded::parse(self.body.as_bytes())
            .into_owned()
            .collect()
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

#[derive(Default)]
struct Inner {
    seen: Vec<Seen>,
    /// The access token the API accepts now.
    valid_token: String,
    /// The calendar API answers this status to every call (a failure).
    fail_api: Option<u16>,
    /// Writes of events fail with this status.
    fail_writes: Option<u16>,
    /// The token endpoint refuses refresh tokens.
    refuse_refresh: bool,
    /// The calendar API refuses every access token (access withdrawn).
    reject_all: bool,
    /// Events written by Caucus, by id.
    events: BTreeMap<String, Value>,
    next_id: u32,
    /// Times filled into the recorded event lists.
    times: Vec<(String, String)>,
}

/// The loopback provider: one of Google or Microsoft.
#[derive(Clone)]
struct Provider {
    microsoft: bool,
    base: String,
    inner: Arc<Mutex<Inner>>,
}

impl Provider {
    async fn start(microsoft: bool, times: Vec<(&str, String)>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let provider = Self {
            microsoft,
            base,
            inner: Arc::new(Mutex::new(Inner {
                times: times.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
                ..Inner::default()
            })),
        };
        let app = axum::Router::new()
            .fallback(answer)
            .with_state(provider.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        provider
    }

    fn dir(&self) -> &'static str {
        if self.microsoft {
            "microsoft"
        } else {
            "google"
        }
    }

    fn configure(&self, settings: &mut caucus_api::config::Settings) {
        let p = if self.microsoft {
            &mut settings.calendar.microsoft
        } else {
            &mut settings.calendar.google
        };
        p.client_id = CLIENT_ID.into();
        p.client_secret = secrecy::SecretString::from(CLIENT_SECRET.to_owned());
        p.authorization_url = Some(format!("{}/authorize", self.base).parse().unwrap());
        p.token_url = Some(format!("{}/token", self.base).parse().unwrap());
        p.api_url = Some(format!("{}/api/v1", self.base).parse().unwrap());
    }

    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        f(&mut self.inner.lock().unwrap())
    }

    fn seen(&self, method: &str, path_part: &str) -> Vec<Seen> {
        self.with(|i| {
            i.seen
                .iter()
                .filter(|s| s.method.as_str() == method && s.path.contains(path_part))
                .cloned()
                .collect()
        })
    }

    fn forget(&self) {
        self.with(|i| i.seen.clear());
    }

    fn events(&self) -> BTreeMap<String, Value> {
        self.with(|i| i.events.clone())
    }
}

fn reply(status: u16, body: String) -> Response {
    (
        StatusCode::from_u16(status).unwrap(),
        [("content-type", "application/json; charset=utf-8")],
        body,
    )
        .into_response()
}

async fn answer(
    State(provider): State<Provider>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let seen = Seen {
        method: method.clone(),
        path: uri.path().to_owned(),
        query: uri.query().unwrap_or_default().to_owned(),
        authorization: header("authorization"),
        prefer: header("prefer"),
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    let dir = provider.dir();
    let mut inner = provider.inner.lock().unwrap();
    inner.seen.push(seen.clone());
    let path = seen.path.as_str();

    if path == "/token" && method == Method::POST {
        let form = seen.form();
        let token_file = match form.get("grant_type").map(String::as_str) {
            Some("authorization_code") if form.get("code").map(String::as_str) == Some(CODE) => {
                "token.json"
            }
            Some("refresh_token") if !inner.refuse_refresh => "token-refreshed.json",
            _ => return reply(400, fixture(&format!("{dir}/token-invalid-grant.json"))),
        };
        let text = fixture(&format!("{dir}/{token_file}"));
        let token: Value = serde_json::from_str(&text).unwrap();
        inner.valid_token = token["access_token"].as_str().unwrap().to_owned();
        return reply(200, text);
    }

    let Some(api) = path.strip_prefix("/api/v1/") else {
        return reply(404, "{}".into());
    };
    if inner.reject_all
        || seen.authorization.as_deref() != Some(&format!("Bearer {}", inner.valid_token))
    {
        return reply(401, fixture(&format!("{dir}/error-401.json")));
    }
    if let Some(status) = inner.fail_api {
        return reply(status, fixture(&format!("{dir}/error-500.json")));
    }
    let times: Vec<(String, String)> = inner.times.clone();
    let times: Vec<(&str, &str)> = times
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let own = |inner: &Inner| -> String {
        inner
            .events
            .values()
            .map(|e| format!(",{e}"))
            .collect::<String>()
    };
    let write_failure = inner.fail_writes.filter(|_| method != Method::GET);
    if let Some(status) = write_failure {
        return reply(status, fixture(&format!("{dir}/error-500.json")));
    }
    let parts: Vec<&str> = api.split('/').collect();
    if provider.microsoft {
        match (method.clone(), parts.as_slice()) {
            (Method::GET, ["me", "calendarView"]) => {
                let own = own(&inner);
                let mut values = times.clone();
                values.push(("OWN_EVENTS", own.as_str()));
                reply(200, fill(&fixture("microsoft/calendar-view.json"), &values))
            }
            (Method::POST, ["me", "events"]) => {
                inner.next_id += 1;
                let id = format!(
                    "AAMkAGI2TG93AAA-caucus{}-e-T7KzowPTAAAYbvZ{}AAA=",
                    inner.next_id, inner.next_id
                );
                let event = graph_event(&id, &seen.json());
                inner.events.insert(id, event.clone());
                reply(201, event.to_string())
            }
            (Method::PATCH, ["me", "events", id]) => {
                let id = percent_encoding::percent_decode_str(id)
                    .decode_utf8()
                    .unwrap()
                    .into_owned();
                if !inner.events.contains_key(&id) {
                    return reply(404, "{\"error\":{\"code\":\"ErrorItemNotFound\",\"message\":\"The specified object was not found in the store.\"}}".into());
                }
                let event = graph_event(&id, &seen.json());
                inner.events.insert(id, event.clone());
                reply(200, event.to_string())
            }
            (Method::DELETE, ["me", "events", id]) => {
                let id = percent_encoding::percent_decode_str(id)
                    .decode_utf8()
                    .unwrap()
                    .into_owned();
                match inner.events.remove(&id) {
                    Some(_) => (StatusCode::NO_CONTENT, "").into_response(),
                    None => reply(404, "{\"error\":{\"code\":\"ErrorItemNotFound\",\"message\":\"The specified object was not found in the store.\"}}".into()),
                }
            }
            _ => reply(400, "{}".into()),
        }
    } else {
        match (method.clone(), parts.as_slice()) {
            (Method::GET, ["calendars", "primary", "events"]) => {
                if seen.query.contains("pageToken=") {
                    let own = own(&inner);
                    let mut values = times.clone();
                    values.push(("OWN_EVENTS", own.as_str()));
                    reply(200, fill(&fixture("google/events-page2.json"), &values))
                } else {
                    reply(200, fill(&fixture("google/events-page1.json"), &times))
                }
            }
            (Method::POST, ["calendars", "primary", "events"]) => {
                let body = seen.json();
                let id = body["id"].as_str().unwrap().to_owned();
                if inner.events.contains_key(&id) {
                    return reply(409, fixture("google/error-409.json"));
                }
                let event = google_event(&id, &body);
                inner.events.insert(id, event.clone());
                reply(200, event.to_string())
            }
            (Method::PATCH, ["calendars", "primary", "events", id]) => {
                let id = (*id).to_owned();
                if !inner.events.contains_key(&id) {
                    return reply(
                        404,
                        "{\"error\":{\"code\":404,\"message\":\"Not Found\"}}".into(),
                    );
                }
                let event = google_event(&id, &seen.json());
                inner.events.insert(id, event.clone());
                reply(200, event.to_string())
            }
            (Method::DELETE, ["calendars", "primary", "events", id]) => {
                match inner.events.remove(*id) {
                    Some(_) => (StatusCode::NO_CONTENT, "").into_response(),
                    None => reply(
                        410,
                        "{\"error\":{\"code\":410,\"message\":\"Resource has been deleted\"}}"
                            .into(),
                    ),
                }
            }
            _ => reply(400, "{}".into()),
        }
    }
}

fn google_event(id: &str, body: &Value) -> Value {
    let text = fill(
        &fixture("google/event.json"),
        &[
            ("ID", id),
            ("SUMMARY", body["summary"].as_str().unwrap_or_default()),
            (
                "START",
                body["start"]["dateTime"].as_str().unwrap_or_default(),
            ),
            ("END", body["end"]["dateTime"].as_str().unwrap_or_default()),
        ],
    );
    let mut event: Value = serde_json::from_str(&text).unwrap();
    event["description"] = body["description"].clone();
    event["sent"] = body.clone();
    event
}

fn graph_event(id: &str, body: &Value) -> Value {
    let text = fill(
        &fixture("microsoft/event.json"),
        &[
            ("ID", id),
            (
                "TRANSACTION_ID",
                body["transactionId"].as_str().unwrap_or_default(),
            ),
            ("SUBJECT", body["subject"].as_str().unwrap_or_default()),
            (
                "START",
                body["start"]["dateTime"].as_str().unwrap_or_default(),
            ),
            ("END", body["end"]["dateTime"].as_str().unwrap_or_default()),
        ],
    );
    let mut event: Value = serde_json::from_str(&text).unwrap();
    event["body"] = body["body"].clone();
    event["sent"] = body.clone();
    event
}

/// Next Tuesday (at least two days away) 10:00–12:00 on London's clock,
/// and Wednesday's the same (marked free).
fn mornings() -> [(DateTime<Utc>, DateTime<Utc>); 2] {
    let mut date = (Utc::now() + TimeDelta::days(2))
        .with_timezone(&London)
        .date_naive();
    while date.weekday() != Weekday::Tue {
        date = date.succ_opt().unwrap();
    }
    let at = |d: chrono::NaiveDate, h| {
        London
            .from_local_datetime(&d.and_time(NaiveTime::from_hms_opt(h, 0, 0).unwrap()))
            .unwrap()
            .with_timezone(&Utc)
    };
    let wednesday = date.succ_opt().unwrap();
    [
        (at(date, 10), at(date, 12)),
        (at(wednesday, 10), at(wednesday, 12)),
    ]
}

/// The recorded lists' times: RFC 3339 with London's offset for Google,
/// UTC without an offset for Graph (as `Prefer: outlook.timezone` gives).
fn times(microsoft: bool) -> Vec<(&'static str, String)> {
    let [(busy_from, busy_to), (free_from, free_to)] = mornings();
    let show = |t: DateTime<Utc>| {
        if microsoft {
            t.format("%Y-%m-%dT%H:%M:%S.0000000").to_string()
        } else {
            t.with_timezone(&London).to_rfc3339()
        }
    };
    vec![
        ("BUSY_START", show(busy_from)),
        ("BUSY_END", show(busy_to)),
        ("FREE_START", show(free_from)),
        ("FREE_END", show(free_to)),
    ]
}

fn overlapping(schedule: &Value, from: DateTime<Utc>, to: DateTime<Utc>) -> usize {
    schedule["slots"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| {
            let start: DateTime<Utc> = s["startsAt"].as_str().unwrap().parse().unwrap();
            let end: DateTime<Utc> = s["endsAt"].as_str().unwrap().parse().unwrap();
            start < to && end > from
        })
        .count()
}

async fn run_jobs(app: &TestApp) {
    let worker = Worker::new(app.state.clone()).unwrap();
    for _ in 0..20 {
        if worker.run_once().await.unwrap() == 0 {
            return;
        }
    }
    panic!("jobs kept coming");
}

/// Makes every queued calendar sync due now, and runs them.
async fn sync_now(app: &TestApp, owner: &DatabaseConnection) {
    owner
        .execute(Statement::from_string(
            DbBackend::Postgres,
            "UPDATE jobs SET run_at = now() WHERE kind = 'calendar.sync' AND status = 'queued'",
        ))
        .await
        .unwrap();
    run_jobs(app).await;
}

async fn spawn(providers: &[&Provider]) -> TestApp {
    testkit::spawn_with(|s| {
        s.worker.in_process = false;
        for p in providers {
            p.configure(s);
        }
    })
    .await
}

fn query_of(url: &str) -> BTreeMap<String, String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

/// Connects the client's calendar at `provider` through the whole flow;
/// the connection.
async fn connect(client: &mut Client, name: &str) -> Value {
    let started = client.gql(START, json!({ "p": name })).await;
    assert_ok(&started);
    let url = started["data"]["startCalendarConnection"].as_str().unwrap();
    let state = query_of(url)["state"].clone();
    let finished = client.gql(FINISH, json!({ "c": CODE, "s": state })).await;
    assert_ok(&finished);
    finished["data"]["finishCalendarConnection"].clone()
}

async fn owner_of(app: &TestApp) -> DatabaseConnection {
    Database::connect(app.db.owner_url.clone()).await.unwrap()
}

async fn count(owner: &DatabaseConnection, sql: &str) -> i64 {
    owner
        .query_one(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap()
}

const CASE_CONTENT: [&str; 5] = [
    "Sam Otherparty",
    "children",
    "Private.",
    "family",
    "parenting",
];

#[tokio::test]
async fn google_calendar_connects_blocks_slots_and_receives_sessions() {
    let google = Provider::start(false, times(false)).await;
    let app = spawn(&[&google]).await;
    let owner = owner_of(&app).await;
    let mut org = case_org(&app, "gcal").await;
    let day = json!([{ "start": "09:00", "end": "17:00" }]);
    assert_ok(
        &org.mediator
            .gql(
                WEEK,
                json!({ "i": { "timeZone": "Europe/London", "days": [day, day, day, day, day, [], []] } }),
            )
            .await,
    );
    let case_id = schedulable(&app, &mut org, "Sam Otherparty").await;
    let [(busy_from, busy_to), (free_from, free_to)] = mornings();
    let before = org
        .manager
        .gql(SCHEDULE, json!({ "c": case_id, "n": 100 }))
        .await;
    assert_ok(&before);
    assert!(overlapping(&before["data"]["caseSchedule"], busy_from, busy_to) > 0);

    // Only the configured provider is offered.
    let offered = org.mediator.gql(PROVIDERS, json!({})).await;
    assert_eq!(offered["data"]["calendarProviders"], json!(["GOOGLE"]));

    // The authorization address: our client, the portal's return page,
    // the one scope, PKCE (S256), a state, offline access.
    let started = org.mediator.gql(START, json!({ "p": "GOOGLE" })).await;
    assert_ok(&started);
    let url = started["data"]["startCalendarConnection"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{}/authorize?", google.base)),
        "{url}"
    );
    let q = query_of(url);
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], CLIENT_ID);
    assert_eq!(
        q["redirect_uri"],
        format!(
            "{}/calendar/connect",
            app.state
                .settings
                .email
                .admin_portal_url
                .as_str()
                .trim_end_matches('/')
        )
    );
    assert_eq!(
        q["scope"],
        "https://www.googleapis.com/auth/calendar.events"
    );
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["code_challenge"].len(), 43);
    assert_eq!(q["access_type"], "offline");
    assert_eq!(q["prompt"], "consent");
    assert!(!url.contains(CLIENT_SECRET));
    let state = q["state"].clone();
    assert!(state.len() >= 20);

    // An unknown state is refused before the provider is asked.
    let unknown = org
        .mediator
        .gql(
            FINISH,
            json!({ "c": CODE, "s": "not-a-state-we-gave-out-at-all-000" }),
        )
        .await;
    assert_eq!(error_code(&unknown), "LINK_EXPIRED", "{unknown}");
    assert!(google.seen("POST", "/token").is_empty());

    // The code is exchanged with the verifier and our credentials.
    let finished = org
        .mediator
        .gql(FINISH, json!({ "c": CODE, "s": state }))
        .await;
    assert_ok(&finished);
    let connection = finished["data"]["finishCalendarConnection"].clone();
    assert_eq!(connection["provider"], "GOOGLE");
    assert_eq!(connection["username"], "primary");
    assert_eq!(connection["lastSyncedAt"], Value::Null);
    let exchanged = google.seen("POST", "/token");
    assert_eq!(exchanged.len(), 1);
    let form = exchanged[0].form();
    assert_eq!(form["grant_type"], "authorization_code");
    assert_eq!(form["code"], CODE);
    assert_eq!(form["client_id"], CLIENT_ID);
    assert_eq!(form["client_secret"], CLIENT_SECRET);
    assert_eq!(form["redirect_uri"], q["redirect_uri"]);
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(form["code_verifier"].as_bytes()));
    assert_eq!(
        challenge, q["code_challenge"],
        "the verifier matches the challenge"
    );

    // The same state again is refused, and nothing more is asked or kept.
    let replayed = org
        .mediator
        .gql(FINISH, json!({ "c": CODE, "s": state }))
        .await;
    assert_eq!(error_code(&replayed), "LINK_EXPIRED");
    assert_eq!(google.seen("POST", "/token").len(), 1);
    assert_eq!(
        count(&owner, "SELECT count(*) AS n FROM calendar_connections").await,
        1
    );

    // The sync reads both pages with the access token: the dentist is
    // busy, the free and the cancelled events are not.
    run_jobs(&app).await;
    let listed = org.mediator.gql(CONNECTIONS, json!({})).await;
    assert_ok(&listed);
    let listed = listed["data"]["calendarConnections"][0].clone();
    assert_eq!(listed["busyCount"], 1, "{listed}");
    assert_eq!(listed["lastError"], Value::Null);
    assert!(listed["lastSyncedAt"].is_string());
    let reads = google.seen("GET", "/calendars/primary/events");
    assert_eq!(reads.len(), 2, "two pages");
    assert!(reads[1].query.contains("pageToken="));
    assert!(reads[0].query.contains("singleEvents=true"));
    assert_eq!(
        reads[0].authorization.as_deref(),
        Some("Bearer ya29.a0AfB_byDRecordedFirstAccessTokenQx7kL0")
    );
    let after = org
        .manager
        .gql(SCHEDULE, json!({ "c": case_id, "n": 100 }))
        .await;
    assert_ok(&after);
    assert_eq!(
        overlapping(&after["data"]["caseSchedule"], busy_from, busy_to),
        0
    );
    let before_free = overlapping(&before["data"]["caseSchedule"], free_from, free_to);
    assert_eq!(
        overlapping(&after["data"]["caseSchedule"], free_from, free_to),
        before_free,
        "a free event blocks nothing"
    );

    // Tokens are sealed at rest.
    let row = owner
        .query_one(Statement::from_string(
            DbBackend::Postgres,
            "SELECT refresh_token_sealed, access_token_sealed, password_sealed IS NULL AS no_password FROM calendar_connections",
        ))
        .await
        .unwrap()
        .unwrap();
    for (column, secret) in [
        (
            "refresh_token_sealed",
            "1//0gRecordedRefreshTokenCgYIARAAGBASNwF",
        ),
        (
            "access_token_sealed",
            "ya29.a0AfB_byDRecordedFirstAccessTokenQx7kL0",
        ),
    ] {
        let sealed: Vec<u8> = row.try_get("", column).unwrap();
        assert!(
            !sealed
                .windows(12)
                .any(|w| secret.as_bytes().windows(12).any(|s| s == w))
        );
    }
    assert!(row.try_get::<bool>("", "no_password").unwrap());

    // A booked session is written with its stable id, the generic private
    // title, the link, and nothing of the case.
    let at = starts(&after["data"]["caseSchedule"])[0];
    let booked = org
        .manager
        .gql(BOOK, json!({ "c": case_id, "at": at }))
        .await;
    assert_ok(&booked);
    let session_id = booked["data"]["bookSession"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    run_jobs(&app).await;
    let event_id = format!("caucus{}", session_id.replace('-', ""));
    let events = google.events();
    let event = events
        .get(&event_id)
        .expect("the session is on the calendar");
    let sent = &event["sent"];
    assert_eq!(sent["summary"], "Mediation session");
    assert_eq!(sent["visibility"], "private");
    assert_eq!(
        sent["start"]["dateTime"]
            .as_str()
            .unwrap()
            .parse::<DateTime<Utc>>()
            .unwrap(),
        at
    );
    assert!(
        sent["description"]
            .as_str()
            .unwrap()
            .contains(&format!("/cases/{case_id}#session-{session_id}"))
    );
    for content in CASE_CONTENT {
        assert!(!sent.to_string().contains(content), "{content} in {sent}");
    }
    // Our own event comes back in the list but is not busy time.
    let relisted = org.mediator.gql(CONNECTIONS, json!({})).await;
    assert_eq!(relisted["data"]["calendarConnections"][0]["busyCount"], 1);

    // An expired access token is refreshed with the refresh token first.
    owner
        .execute(Statement::from_string(
            DbBackend::Postgres,
            "UPDATE calendar_connections SET access_expires_at = now() - interval '1 hour'",
        ))
        .await
        .unwrap();
    google.forget();
    sync_now(&app, &owner).await;
    let refreshed = google.seen("POST", "/token");
    assert_eq!(refreshed.len(), 1);
    let form = refreshed[0].form();
    assert_eq!(form["grant_type"], "refresh_token");
    assert_eq!(
        form["refresh_token"],
        "1//0gRecordedRefreshTokenCgYIARAAGBASNwF"
    );
    assert_eq!(form["client_secret"], CLIENT_SECRET);
    let reads = google.seen("GET", "/calendars/primary/events");
    assert!(!reads.is_empty());
    assert!(reads.iter().all(|r| r.authorization.as_deref()
        == Some("Bearer ya29.a0AfB_byDRecordedRefreshedAccessTokenZp3")));
    assert_eq!(
        count(
            &owner,
            "SELECT count(*) AS n FROM calendar_connections WHERE access_expires_at > now() + interval '30 minutes' AND last_error IS NULL"
        )
        .await,
        1
    );
    // Our own event, listed back this time, is not busy time; nothing
    // changed, so nothing is written again.
    let relisted = org.mediator.gql(CONNECTIONS, json!({})).await;
    assert_eq!(relisted["data"]["calendarConnections"][0]["busyCount"], 1);
    assert!(
        google
            .seen("GET", "/calendars/primary/events")
            .iter()
            .any(|r| r.query.contains("pageToken="))
    );
    assert!(google.seen("POST", "/calendars/primary/events").is_empty());
    assert!(google.seen("PATCH", "/events/").is_empty());

    // Cancelled: deleted there.
    let cancelled = org
        .manager
        .gql(CANCEL, json!({ "s": session_id, "why": "Cannot come" }))
        .await;
    assert_ok(&cancelled);
    run_jobs(&app).await;
    assert_eq!(
        google.seen("DELETE", &format!("/events/{event_id}")).len(),
        1
    );
    assert!(google.events().is_empty());
    assert_eq!(
        count(&owner, "SELECT count(*) AS n FROM calendar_exports").await,
        0
    );

    // Disconnected: the morning is offered again.
    let id = listed["id"].as_str().unwrap();
    assert_ok(&org.mediator.gql(DISCONNECT, json!({ "id": id })).await);
    let freed = org
        .manager
        .gql(SCHEDULE, json!({ "c": case_id, "n": 100 }))
        .await;
    assert!(overlapping(&freed["data"]["caseSchedule"], busy_from, busy_to) > 0);
}

#[tokio::test]
async fn microsoft_calendar_connects_blocks_slots_and_receives_sessions() {
    let microsoft = Provider::start(true, times(true)).await;
    let app = spawn(&[&microsoft]).await;
    let owner = owner_of(&app).await;
    let mut org = case_org(&app, "mscal").await;
    let day = json!([{ "start": "09:00", "end": "17:00" }]);
    assert_ok(
        &org.mediator
            .gql(
                WEEK,
                json!({ "i": { "timeZone": "Europe/London", "days": [day, day, day, day, day, [], []] } }),
            )
            .await,
    );
    let case_id = schedulable(&app, &mut org, "Sam Otherparty").await;
    let [(busy_from, busy_to), _] = mornings();

    let offered = org.mediator.gql(PROVIDERS, json!({})).await;
    assert_eq!(offered["data"]["calendarProviders"], json!(["MICROSOFT"]));
    let started = org.mediator.gql(START, json!({ "p": "MICROSOFT" })).await;
    let url = started["data"]["startCalendarConnection"].as_str().unwrap();
    let q = query_of(url);
    assert_eq!(q["scope"], "offline_access Calendars.ReadWrite");
    assert_eq!(q["code_challenge_method"], "S256");
    assert!(!q.contains_key("access_type"));
    let finished = org
        .mediator
        .gql(FINISH, json!({ "c": CODE, "s": q["state"] }))
        .await;
    assert_ok(&finished);
    assert_eq!(
        finished["data"]["finishCalendarConnection"]["provider"],
        "MICROSOFT"
    );
    let form = microsoft.seen("POST", "/token")[0].form();
    assert_eq!(form["client_id"], CLIENT_ID);
    assert_eq!(form["client_secret"], CLIENT_SECRET);
    assert!(!form["code_verifier"].is_empty());

    run_jobs(&app).await;
    let listed = org.mediator.gql(CONNECTIONS, json!({})).await;
    let listed = listed["data"]["calendarConnections"][0].clone();
    assert_eq!(listed["busyCount"], 1, "{listed}");
    assert_eq!(listed["lastError"], Value::Null);
    let view = microsoft.seen("GET", "/me/calendarView");
    assert_eq!(view.len(), 1);
    assert_eq!(view[0].prefer.as_deref(), Some("outlook.timezone=\"UTC\""));
    assert!(view[0].query.contains("startDateTime="));
    let after = org
        .manager
        .gql(SCHEDULE, json!({ "c": case_id, "n": 100 }))
        .await;
    assert_eq!(
        overlapping(&after["data"]["caseSchedule"], busy_from, busy_to),
        0
    );

    // Booked: created through Graph, whose id is kept.
    let at = starts(&after["data"]["caseSchedule"])[0];
    let booked = org
        .manager
        .gql(BOOK, json!({ "c": case_id, "at": at }))
        .await;
    assert_ok(&booked);
    let session_id = booked["data"]["bookSession"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    run_jobs(&app).await;
    let events = microsoft.events();
    assert_eq!(events.len(), 1);
    let (remote_id, event) = events.iter().next().unwrap();
    let sent = &event["sent"];
    assert_eq!(sent["subject"], "Mediation session");
    assert_eq!(sent["sensitivity"], "private");
    assert_eq!(sent["start"]["timeZone"], "UTC");
    assert_eq!(
        sent["start"]["dateTime"],
        at.format("%Y-%m-%dT%H:%M:%S").to_string()
    );
    assert_eq!(sent["transactionId"], format!("caucus-{session_id}"));
    for content in CASE_CONTENT {
        assert!(!sent.to_string().contains(content), "{content} in {sent}");
    }
    let kept = owner
        .query_one(Statement::from_string(
            DbBackend::Postgres,
            "SELECT remote_id FROM calendar_exports",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&kept.try_get::<String>("", "remote_id").unwrap(), remote_id);
    // Our event, listed back, is not busy time, and not written again.
    microsoft.forget();
    sync_now(&app, &owner).await;
    let relisted = org.mediator.gql(CONNECTIONS, json!({})).await;
    assert_eq!(relisted["data"]["calendarConnections"][0]["busyCount"], 1);
    assert!(microsoft.seen("POST", "/me/events").is_empty());

    // Expired: refreshed, and the rotated refresh token is kept.
    owner
        .execute(Statement::from_string(
            DbBackend::Postgres,
            "UPDATE calendar_connections SET access_expires_at = now() - interval '1 minute'",
        ))
        .await
        .unwrap();
    microsoft.forget();
    sync_now(&app, &owner).await;
    assert_eq!(
        microsoft.seen("POST", "/token")[0].form()["refresh_token"],
        "M.C507_BAY.0.U.-CkRecordedFirstRefreshToken1Fw$$"
    );
    owner
        .execute(Statement::from_string(
            DbBackend::Postgres,
            "UPDATE calendar_connections SET access_expires_at = now() - interval '1 minute'",
        ))
        .await
        .unwrap();
    microsoft.forget();
    sync_now(&app, &owner).await;
    assert_eq!(
        microsoft.seen("POST", "/token")[0].form()["refresh_token"],
        "M.C507_BAY.0.U.-CkRecordedRotatedRefreshToken8Qw$$"
    );

    // Cancelled: deleted by its Graph id.
    let cancelled = org
        .manager
        .gql(CANCEL, json!({ "s": session_id, "why": "Cannot come" }))
        .await;
    assert_ok(&cancelled);
    run_jobs(&app).await;
    assert!(microsoft.events().is_empty());
    assert_eq!(microsoft.seen("DELETE", "/me/events/").len(), 1);
    assert_eq!(
        count(&owner, "SELECT count(*) AS n FROM calendar_exports").await,
        0
    );
}

#[tokio::test]
async fn provider_failures_leave_a_short_error_and_nothing_half_written() {
    let google = Provider::start(false, times(false)).await;
    let app = spawn(&[&google]).await;
    let owner = owner_of(&app).await;
    let mut org = case_org(&app, "gcal-fail").await;
    let day = json!([{ "start": "09:00", "end": "17:00" }]);
    assert_ok(
        &org.mediator
            .gql(
                WEEK,
                json!({ "i": { "timeZone": "Europe/London", "days": [day, day, day, day, day, [], []] } }),
            )
            .await,
    );
    let case_id = schedulable(&app, &mut org, "Sam Otherparty").await;

    // A code the provider refuses keeps nothing.
    let started = org.mediator.gql(START, json!({ "p": "GOOGLE" })).await;
    let state =
        query_of(started["data"]["startCalendarConnection"].as_str().unwrap())["state"].clone();
    let refused = org
        .mediator
        .gql(FINISH, json!({ "c": "4/0-wrong-code", "s": state }))
        .await;
    assert_eq!(error_code(&refused), "VALIDATION_FAILED", "{refused}");
    assert_eq!(refused["errors"][0]["extensions"]["field"], "code");
    assert!(!refused.to_string().contains("invalid_grant"));
    assert_eq!(
        count(&owner, "SELECT count(*) AS n FROM calendar_connections").await,
        0
    );

    // The API fails (500): a short reason of ours, no busy times.
    google.with(|i| i.fail_api = Some(500));
    connect(&mut org.mediator, "GOOGLE").await;
    run_jobs(&app).await;
    let listed = org.mediator.gql(CONNECTIONS, json!({})).await;
    let c = &listed["data"]["calendarConnections"][0];
    assert_eq!(
        c["lastError"],
        "reading the calendar: the calendar server answered 500"
    );
    assert_eq!(c["busyCount"], 0);
    assert_eq!(c["lastSyncedAt"], Value::Null);

    // It works again: recorded, the error cleared.
    google.with(|i| i.fail_api = None);
    sync_now(&app, &owner).await;
    let listed = org.mediator.gql(CONNECTIONS, json!({})).await;
    let c = &listed["data"]["calendarConnections"][0];
    assert_eq!(c["lastError"], Value::Null);
    assert_eq!(c["busyCount"], 1);

    // Writing a booked session fails: neither the export nor new busy
    // times are recorded (the earlier busy time stays).
    let schedule = org
        .manager
        .gql(SCHEDULE, json!({ "c": case_id, "n": 10 }))
        .await;
    let at = starts(&schedule["data"]["caseSchedule"])[0];
    google.with(|i| i.fail_writes = Some(500));
    assert_ok(
        &org.manager
            .gql(BOOK, json!({ "c": case_id, "at": at }))
            .await,
    );
    run_jobs(&app).await;
    let listed = org.mediator.gql(CONNECTIONS, json!({})).await;
    let c = &listed["data"]["calendarConnections"][0];
    assert_eq!(
        c["lastError"],
        "writing a session to the calendar: the calendar server answered 500"
    );
    assert_eq!(c["busyCount"], 1);
    assert_eq!(
        count(&owner, "SELECT count(*) AS n FROM calendar_exports").await,
        0
    );

    // The provider no longer takes the access token before its expiry
    // (401): refreshed at once and read again (the write still fails).
    google.with(|i| i.valid_token = "something-else".into());
    google.forget();
    sync_now(&app, &owner).await;
    assert!(!google.seen("POST", "/token").is_empty());
    assert_eq!(
        google.seen("POST", "/token")[0].form()["grant_type"],
        "refresh_token"
    );
    let listed = org.mediator.gql(CONNECTIONS, json!({})).await;
    assert_eq!(
        listed["data"]["calendarConnections"][0]["lastError"],
        "writing a session to the calendar: the calendar server answered 500"
    );

    // Access is withdrawn (401 whatever the token): refused, in our words,
    // never the provider's.
    google.with(|i| i.reject_all = true);
    sync_now(&app, &owner).await;
    let listed = org.mediator.gql(CONNECTIONS, json!({})).await;
    let error = listed["data"]["calendarConnections"][0]["lastError"].clone();
    assert_eq!(
        error,
        "reading the calendar: the calendar server refused the credentials"
    );
    assert!(!listed.to_string().contains("Invalid Credentials"));
    assert_eq!(
        count(&owner, "SELECT count(*) AS n FROM calendar_exports").await,
        0
    );
    google.with(|i| i.reject_all = false);

    // The refresh token is refused: said so, the tokens kept as they were.
    google.with(|i| i.refuse_refresh = true);
    owner
        .execute(Statement::from_string(
            DbBackend::Postgres,
            "UPDATE calendar_connections SET access_expires_at = now() - interval '1 hour'",
        ))
        .await
        .unwrap();
    sync_now(&app, &owner).await;
    let listed = org.mediator.gql(CONNECTIONS, json!({})).await;
    assert_eq!(
        listed["data"]["calendarConnections"][0]["lastError"],
        "refreshing access to the calendar: the calendar server refused the credentials"
    );
    assert_eq!(
        count(
            &owner,
            "SELECT count(*) AS n FROM calendar_connections WHERE access_expires_at < now()"
        )
        .await,
        1
    );
    assert_eq!(
        count(&owner, "SELECT count(*) AS n FROM calendar_exports").await,
        0
    );

    // Refreshing and writing work again: the session is written at last.
    google.with(|i| {
        i.refuse_refresh = false;
        i.fail_writes = None;
    });
    sync_now(&app, &owner).await;
    let listed = org.mediator.gql(CONNECTIONS, json!({})).await;
    assert_eq!(
        listed["data"]["calendarConnections"][0]["lastError"],
        Value::Null
    );
    assert_eq!(google.events().len(), 1);
    assert_eq!(
        count(&owner, "SELECT count(*) AS n FROM calendar_exports").await,
        1
    );
}

#[tokio::test]
async fn others_neither_connect_nor_see_a_calendar() {
    let google = Provider::start(false, times(false)).await;
    let app = spawn(&[&google]).await;
    let owner = owner_of(&app).await;
    let (_, emails) = org_with(
        &app,
        "gcal-others",
        &[RoleKey::Mediator, RoleKey::Mediator, RoleKey::Party],
    )
    .await;
    let (_, elsewhere) = org_with(&app, "gcal-elsewhere", &[RoleKey::Mediator]).await;
    let mut clients = Vec::new();
    for email in emails.iter().chain(&elsewhere) {
        let mut client = Client::new(&app);
        assert_ok(&client.sign_in(email, PASSWORD).await);
        clients.push(client);
    }
    let [mine, other, party, foreign] = &mut clients[..] else {
        unreachable!()
    };

    // A party keeps no calendar.
    assert_eq!(
        error_code(&party.gql(START, json!({ "p": "GOOGLE" })).await),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(&party.gql(FINISH, json!({ "c": CODE, "s": "x" })).await),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(&party.gql(PROVIDERS, json!({})).await),
        "FORBIDDEN"
    );

    // Providers that are not configured, and CalDAV, are not started.
    for provider in ["MICROSOFT", "CALDAV"] {
        let refused = mine.gql(START, json!({ "p": provider })).await;
        assert_eq!(error_code(&refused), "VALIDATION_FAILED", "{refused}");
        assert_eq!(refused["errors"][0]["extensions"]["field"], "provider");
    }

    // My state is mine: another mediator of my organization, or one of
    // another organization, cannot finish with it, and nothing is asked or
    // kept.
    for thief in [&mut *other, &mut *foreign] {
        let started = mine.gql(START, json!({ "p": "GOOGLE" })).await;
        let state =
            query_of(started["data"]["startCalendarConnection"].as_str().unwrap())["state"].clone();
        let stolen = thief.gql(FINISH, json!({ "c": CODE, "s": state })).await;
        assert_eq!(error_code(&stolen), "LINK_EXPIRED", "{stolen}");
        // The state is spent by the attempt.
        let late = mine.gql(FINISH, json!({ "c": CODE, "s": state })).await;
        assert_eq!(error_code(&late), "LINK_EXPIRED");
    }
    assert!(google.seen("POST", "/token").is_empty());
    assert_eq!(
        count(&owner, "SELECT count(*) AS n FROM calendar_connections").await,
        0
    );

    // Connected: seen by me only.
    let connection = connect(mine, "GOOGLE").await;
    let id = connection["id"].as_str().unwrap();
    assert_eq!(
        other.gql(CONNECTIONS, json!({})).await["data"]["calendarConnections"],
        json!([])
    );
    assert_eq!(
        foreign.gql(CONNECTIONS, json!({})).await["data"]["calendarConnections"],
        json!([])
    );
    assert_eq!(
        error_code(&other.gql(DISCONNECT, json!({ "id": id })).await),
        "NOT_FOUND"
    );
    assert_eq!(
        error_code(&foreign.gql(DISCONNECT, json!({ "id": id })).await),
        "NOT_FOUND"
    );
    let still = mine.gql(CONNECTIONS, json!({})).await;
    assert_eq!(
        still["data"]["calendarConnections"][0]["provider"],
        "GOOGLE"
    );

    // Connecting again replaces the tokens of the one connection.
    connect(mine, "GOOGLE").await;
    assert_eq!(
        count(&owner, "SELECT count(*) AS n FROM calendar_connections").await,
        1
    );
}

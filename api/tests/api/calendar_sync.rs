//! Calendar sync against a real CalDAV server (the Radicale that the test
//! command starts): a mediator's busy time in their own calendar keeps
//! session times away from it; a booked session appears there as a
//! generic private event with its stable UID and goes when cancelled.
//! Wrong credentials, addresses that are not allowed and other people's
//! connections are refused.

use caucus_api::jobs::worker::Worker;
use caucus_api::testkit::{self, TestApp};
use chrono::{DateTime, Datelike, NaiveTime, TimeDelta, TimeZone, Utc, Weekday};
use chrono_tz::Europe::London;
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use serde_json::{Value, json};

use crate::cases::case_org;
use crate::scheduling::{BOOK, SCHEDULE, schedulable, starts};
use crate::support::{Client, PASSWORD, assert_ok, error_code, org_with};

const CONNECT: &str = "mutation C($u: String!, $n: String!, $p: String!) { connectCalDav(url: $u, username: $n, password: $p) { id url username lastSyncedAt lastError busyCount } }";
const CONNECTIONS: &str =
    "query { calendarConnections { id url username lastSyncedAt lastError busyCount } }";
const DISCONNECT: &str = "mutation D($id: ID!) { disconnectCalendar(id: $id) }";
const CANCEL: &str = "mutation C($s: ID!, $why: String!) { cancelSession(sessionId: $s, reason: $why) { id status } }";
const WEEK: &str = "mutation W($i: WorkingWeekInput!) { setWorkingWeek(input: $i) { version } }";

/// The Radicale of the test command, and a client that speaks to it as its
/// one user.
struct Radicale {
    base: String,
    user: String,
    password: String,
    http: reqwest::Client,
}

impl Radicale {
    fn from_env() -> Self {
        let var = |name: &str| {
            std::env::var(name).unwrap_or_else(|_| {
                panic!("{name} is not set: run the tests through ./scripts/test.sh, which starts Radicale")
            })
        };
        Self {
            base: var("CAUCUS_TEST_RADICALE_URL"),
            user: var("CAUCUS_TEST_RADICALE_USER"),
            password: var("CAUCUS_TEST_RADICALE_PASSWORD"),
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .build()
                .unwrap(),
        }
    }

    fn request(&self, method: &[u8], url: &str) -> reqwest::RequestBuilder {
        self.http
            .request(reqwest::Method::from_bytes(method).unwrap(), url)
            .basic_auth(&self.user, Some(&self.password))
    }

    /// A new, empty calendar collection; its address.
    async fn new_calendar(&self) -> String {
        let url = format!(
            "{}/{}/caucus-{}/",
            self.base,
            self.user,
            uuid::Uuid::new_v4().simple()
        );
        let made = self.request(b"MKCALENDAR", &url).send().await.unwrap();
        assert_eq!(made.status().as_u16(), 201, "{:?}", made.text().await);
        url
    }

    async fn put(&self, url: &str, ics: String) {
        let put = self
            .request(b"PUT", url)
            .header("Content-Type", "text/calendar; charset=utf-8")
            .body(ics)
            .send()
            .await
            .unwrap();
        assert!(put.status().is_success(), "{:?}", put.text().await);
    }

    /// The object at `url`, if there is one.
    async fn get(&self, url: &str) -> Option<String> {
        let got = self.request(b"GET", url).send().await.unwrap();
        if got.status().as_u16() == 404 {
            return None;
        }
        assert!(got.status().is_success());
        Some(got.text().await.unwrap())
    }
}

const LONDON_TZ: &str = "BEGIN:VTIMEZONE\r\nTZID:Europe/London\r\n\
BEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0000\r\nTZOFFSETTO:+0100\r\nTZNAME:BST\r\nDTSTART:19810329T010000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n\
BEGIN:STANDARD\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0000\r\nTZNAME:GMT\r\nDTSTART:19961027T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\n\
END:VTIMEZONE\r\n";

/// Next Tuesday (at least two days away) 10:00–12:00 on London's clock.
fn next_tuesday_morning() -> (DateTime<Utc>, DateTime<Utc>, String) {
    let mut date = (Utc::now() + TimeDelta::days(2))
        .with_timezone(&London)
        .date_naive();
    while date.weekday() != Weekday::Tue {
        date = date.succ_opt().unwrap();
    }
    let at = |h| {
        London
            .from_local_datetime(&date.and_time(NaiveTime::from_hms_opt(h, 0, 0).unwrap()))
            .unwrap()
            .with_timezone(&Utc)
    };
    let ics = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//Dentist//EN\r\n{LONDON_TZ}\
BEGIN:VEVENT\r\nUID:dentist-{id}\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Dentist\r\n\
DTSTART;TZID=Europe/London:{d}T100000\r\nDTEND;TZID=Europe/London:{d}T120000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        id = uuid::Uuid::new_v4().simple(),
        d = date.format("%Y%m%d"),
    );
    (at(10), at(12), ics)
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

/// Runs every job that is due, until none is.
async fn run_jobs(app: &TestApp) {
    let worker = Worker::new(app.state.clone()).unwrap();
    for _ in 0..20 {
        if worker.run_once().await.unwrap() == 0 {
            return;
        }
    }
    panic!("jobs kept coming");
}

async fn spawn() -> TestApp {
    testkit::spawn_with(|s| s.worker.in_process = false).await
}

#[tokio::test]
async fn busy_times_are_read_and_sessions_written_both_ways() {
    let radicale = Radicale::from_env();
    let app = spawn().await;
    let mut org = case_org(&app, "caldav").await;
    // A mediator in London, so the busy morning falls in working hours.
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

    let calendar = radicale.new_calendar().await;
    let (busy_from, busy_to, dentist) = next_tuesday_morning();
    radicale
        .put(&format!("{calendar}dentist.ics"), dentist)
        .await;

    // Before the calendar is connected, that morning is offered.
    let before = org
        .manager
        .gql(SCHEDULE, json!({ "c": case_id, "n": 100 }))
        .await;
    assert_ok(&before);
    assert!(
        overlapping(&before["data"]["caseSchedule"], busy_from, busy_to) > 0,
        "{before}"
    );

    let connected = org
        .mediator
        .gql(
            CONNECT,
            json!({ "u": calendar, "n": radicale.user, "p": radicale.password }),
        )
        .await;
    assert_ok(&connected);
    let connection = &connected["data"]["connectCalDav"];
    assert_eq!(connection["url"], calendar);
    assert_eq!(connection["lastSyncedAt"], Value::Null);
    run_jobs(&app).await;

    let listed = org.mediator.gql(CONNECTIONS, json!({})).await;
    assert_ok(&listed);
    let listed = &listed["data"]["calendarConnections"][0];
    assert_eq!(listed["busyCount"], 1, "{listed}");
    assert_eq!(listed["lastError"], Value::Null);
    assert!(listed["lastSyncedAt"].is_string());

    // No slot touches the busy morning now.
    let after = org
        .manager
        .gql(SCHEDULE, json!({ "c": case_id, "n": 100 }))
        .await;
    assert_ok(&after);
    assert_eq!(
        overlapping(&after["data"]["caseSchedule"], busy_from, busy_to),
        0
    );

    // A booked session is written to the calendar: its stable UID, the
    // generic private title, and nothing of the case.
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
    let object_url = format!("{calendar}session-{session_id}.ics");
    let written = radicale
        .get(&object_url)
        .await
        .expect("the session is on the calendar");
    let parsed: icalendar::Calendar = written.parse().unwrap();
    let event = parsed.events().next().unwrap();
    use icalendar::Component;
    let host = app.state.settings.server.public_url.host_str().unwrap();
    assert_eq!(
        event.get_uid(),
        Some(format!("session-{session_id}@{host}").as_str())
    );
    assert_eq!(event.get_summary(), Some("Mediation session"));
    assert_eq!(event.property_value("CLASS"), Some("PRIVATE"));
    assert!(parsed.property_value("METHOD").is_none(), "{written}");
    for content in [
        "Sam Otherparty",
        "children",
        "Private.",
        "family",
        "parenting",
    ] {
        assert!(!written.contains(content), "{content} in {written}");
    }
    // Our own event is not read back as busy time.
    let relisted = org.mediator.gql(CONNECTIONS, json!({})).await;
    assert_eq!(
        relisted["data"]["calendarConnections"][0]["busyCount"], 1,
        "{relisted}"
    );

    // A sync with nothing new writes nothing again (the SEQUENCE is kept).
    let owner = Database::connect(app.db.owner_url.clone()).await.unwrap();
    let exported = owner
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT sequence FROM calendar_exports WHERE session_id = $1::uuid",
            [session_id.clone().into()],
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(exported.try_get::<i32>("", "sequence").unwrap(), 0);

    // Cancelled: removed from the calendar.
    let cancelled = org
        .manager
        .gql(CANCEL, json!({ "s": session_id, "why": "Cannot come" }))
        .await;
    assert_ok(&cancelled);
    run_jobs(&app).await;
    assert_eq!(radicale.get(&object_url).await, None);
    assert!(
        radicale
            .get(&format!("{calendar}dentist.ics"))
            .await
            .is_some()
    );

    // The password is sealed at rest; a periodic sync is queued.
    let row = owner
        .query_one(Statement::from_string(
            DbBackend::Postgres,
            "SELECT password_sealed, (SELECT count(*) FROM jobs WHERE kind = 'calendar.sync' AND status = 'queued' AND run_at > now()) AS later FROM calendar_connections",
        ))
        .await
        .unwrap()
        .unwrap();
    let sealed: Vec<u8> = row.try_get("", "password_sealed").unwrap();
    assert!(
        !sealed
            .windows(radicale.password.len())
            .any(|w| w == radicale.password.as_bytes())
    );
    assert_eq!(row.try_get::<i64>("", "later").unwrap(), 1);

    // Disconnected: the busy morning is offered again.
    let id = listed["id"].as_str().unwrap();
    assert_ok(&org.mediator.gql(DISCONNECT, json!({ "id": id })).await);
    let freed = org
        .manager
        .gql(SCHEDULE, json!({ "c": case_id, "n": 100 }))
        .await;
    assert!(overlapping(&freed["data"]["caseSchedule"], busy_from, busy_to) > 0);
    assert_eq!(
        org.mediator.gql(CONNECTIONS, json!({})).await["data"]["calendarConnections"],
        json!([])
    );
}

#[tokio::test]
async fn bad_connections_are_refused() {
    use caucus_api::authz::RoleKey;
    let radicale = Radicale::from_env();
    let app = spawn().await;
    let (_, emails) = org_with(
        &app,
        "caldav-bad",
        &[RoleKey::Mediator, RoleKey::Mediator, RoleKey::Party],
    )
    .await;
    let mut clients = Vec::new();
    for email in &emails {
        let mut client = Client::new(&app);
        assert_ok(&client.sign_in(email, PASSWORD).await);
        clients.push(client);
    }
    let [mine, other, party] = &mut clients[..] else {
        unreachable!()
    };
    let calendar = radicale.new_calendar().await;
    let connect =
        |url: &str, password: &str| json!({ "u": url, "n": radicale.user, "p": password });

    // A wrong password: checked with the server, refused with its own code.
    let wrong = mine
        .gql(CONNECT, connect(&calendar, "not-the-password"))
        .await;
    assert_eq!(
        error_code(&wrong),
        "CALENDAR_CREDENTIALS_REJECTED",
        "{wrong}"
    );
    assert!(!wrong.to_string().contains("not-the-password"));

    // Not http(s), off this machine, credentials in the address, not a
    // calendar: refused on `url`.
    for (url, reason) in [
        ("ftp://127.0.0.1/calendar/".to_owned(), "scheme"),
        (
            "https://calendar.example.com/dav/".to_owned(),
            "host_not_allowed",
        ),
        ("http://10.0.0.1/dav/".to_owned(), "host_not_allowed"),
        (
            calendar.replace("http://", "http://someone:secret@"),
            "credentials_in_url",
        ),
        (
            format!("{}/{}/", radicale.base, radicale.user),
            "not_a_calendar",
        ),
        ("not a url".to_owned(), "format"),
    ] {
        let refused = mine.gql(CONNECT, connect(&url, &radicale.password)).await;
        assert_eq!(error_code(&refused), "VALIDATION_FAILED", "{url} {refused}");
        assert_eq!(refused["errors"][0]["extensions"]["field"], "url");
        assert_eq!(
            refused["errors"][0]["extensions"]["reason"], reason,
            "{url} {refused}"
        );
    }

    // A party keeps no calendar.
    let forbidden = party
        .gql(CONNECT, connect(&calendar, &radicale.password))
        .await;
    assert_eq!(error_code(&forbidden), "FORBIDDEN");
    assert_eq!(
        error_code(&party.gql(CONNECTIONS, json!({})).await),
        "FORBIDDEN"
    );

    // Another mediator neither sees nor disconnects my calendar.
    let connected = mine
        .gql(CONNECT, connect(&calendar, &radicale.password))
        .await;
    assert_ok(&connected);
    let id = connected["data"]["connectCalDav"]["id"].as_str().unwrap();
    assert_eq!(
        other.gql(CONNECTIONS, json!({})).await["data"]["calendarConnections"],
        json!([])
    );
    let theirs = other.gql(DISCONNECT, json!({ "id": id })).await;
    assert_eq!(error_code(&theirs), "NOT_FOUND");
    assert_eq!(
        error_code(&other.gql(DISCONNECT, json!({ "id": "not-an-id" })).await),
        "NOT_FOUND"
    );
    let still = mine.gql(CONNECTIONS, json!({})).await;
    assert_eq!(
        still["data"]["calendarConnections"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

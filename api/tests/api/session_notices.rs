//! Session notices through real SMTP (Mailpit): the confirmation and the
//! reminders of a booked session reach every participant exactly once, in
//! their own zone and language, with a calendar invitation that parses and
//! says nothing of the case; a worker that dies mid-batch, or two workers on
//! one job, still give each recipient one message; a moved or cancelled
//! session updates calendars and sends no stale reminder; and a mediator's
//! private calendar feed, revocable and scoped to their own sessions.

use std::time::{Duration, Instant};

use caucus_api::authz::RoleKey;
use caucus_api::db::TenantScope;
use caucus_api::jobs::{self, faults, worker::Worker};
use caucus_api::scheduling::{booking, notify};
use caucus_api::seed::{SeedAccount, seed_org};
use caucus_api::testkit::{self, TestApp};
use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use icalendar::{Calendar, Component};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use secrecy::ExposeSecret;
use serde_json::{Value, json};

use crate::cases::{CASE, CaseOrg, case_org};
use crate::scheduling::{BOOK, SCHEDULE, schedulable, set_chicago_week, starts};
use crate::support::{
    Canary, Client, PASSWORD, assert_ok, error_code, mail_body, mailpit_messages,
};

const BOOKED_EN: &str = "Your mediation session is booked";
const BOOKED_ES: &str = "Su sesión de mediación está reservada";
const REMINDER_EN: &str = "Reminder: mediation session on";
const REMINDER_ES: &str = "Recordatorio: sesión de mediación el";
const MOVED_EN: &str = "Your mediation session has a new time";
const MOVED_ES: &str = "Su sesión de mediación tiene una nueva hora";
const CANCELLED_EN: &str = "Your mediation session is cancelled";
const CANCELLED_ES: &str = "Su sesión de mediación está cancelada";

pub async fn owner(app: &TestApp) -> DatabaseConnection {
    Database::connect(app.db.owner_url.clone()).await.unwrap()
}

pub async fn owner_exec(app: &TestApp, sql: &str) {
    owner(app).await.execute_unprepared(sql).await.unwrap();
}

pub async fn count(app: &TestApp, sql: &str) -> i64 {
    owner(app)
        .await
        .query_one(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap()
}

pub fn no_worker(s: &mut caucus_api::config::Settings) {
    s.worker.in_process = false;
}

/// Messages to `to` whose subject starts with `subject`.
async fn with_subject(to: &str, subject: &str) -> Vec<Value> {
    mailpit_messages(to)
        .await
        .into_iter()
        .filter(|m| {
            m["Subject"]
                .as_str()
                .unwrap_or_default()
                .starts_with(subject)
        })
        .collect()
}

async fn wait_for_subject(to: &str, subject: &str, n: usize) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let found = with_subject(to, subject).await;
        if found.len() >= n {
            return found;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{n} \"{subject}\" email(s) to {to} did not arrive"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits until `sql` (a count) reaches `n`.
async fn wait_for_count(app: &TestApp, sql: &str, n: i64) {
    let started = Instant::now();
    loop {
        if count(app, sql).await == n {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{sql} never reached {n}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A delivered message as the recipient reads it: text, HTML, the raw
/// source (for headers) and the calendar attachment.
struct Delivered {
    text: String,
    html: String,
    raw: String,
    ics: String,
}

async fn delivered(message: &Value) -> Delivered {
    let base = std::env::var("CAUCUS_TEST_MAILPIT_URL").unwrap();
    let id = message["ID"].as_str().unwrap();
    let full = mail_body(message).await;
    let raw = reqwest::get(format!("{base}/api/v1/message/{id}/raw"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let attachments = full["Attachments"].as_array().cloned().unwrap_or_default();
    assert_eq!(attachments.len(), 1, "one calendar attachment: {full}");
    let part = attachments[0]["PartID"].as_str().unwrap();
    let ics = reqwest::get(format!("{base}/api/v1/message/{id}/part/{part}"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    Delivered {
        text: full["Text"].as_str().unwrap().to_owned(),
        html: full["HTML"].as_str().unwrap().to_owned(),
        raw,
        ics,
    }
}

/// The single event of a calendar object, with the calendar's METHOD.
fn parse_invitation(ics: &str) -> (String, icalendar::Event) {
    let calendar: Calendar = ics.parse().unwrap();
    let method = calendar.property_value("METHOD").unwrap().to_owned();
    let events: Vec<&icalendar::Event> = calendar.events().collect();
    assert_eq!(events.len(), 1, "{ics}");
    (method, events[0].clone())
}

fn utc_of(value: icalendar::DatePerhapsTime) -> DateTime<Utc> {
    match value {
        icalendar::DatePerhapsTime::DateTime(icalendar::CalendarDateTime::Utc(at)) => at,
        other => panic!("not a UTC time: {other:?}"),
    }
}

/// Who takes part, with their zone and the subjects they read.
pub struct Participant {
    pub email: String,
    pub zone: Tz,
    pub spanish: bool,
    /// Staff links go to the admin portal.
    pub staff: bool,
}

/// A case with a booked session: the claimant reads Kathmandu time (+05:45),
/// the respondent (who joined) Mexico City time in Spanish, the mediator New
/// York time.
pub struct Booked {
    pub org: CaseOrg,
    pub case_id: String,
    pub session_id: String,
    pub starts_at: DateTime<Utc>,
    pub participants: Vec<Participant>,
    /// Things no notice may contain: the case's title and reference, the
    /// other side's name, the dispute type, everyone's names.
    pub secrets: Vec<String>,
}

async fn set_profile(app: &TestApp, email: &str, zone: &str, locale: &str) {
    owner(app)
        .await
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE profiles SET timezone = $2, locale = $3 WHERE user_id = (SELECT id FROM users WHERE email = $1)",
            [email.into(), zone.into(), locale.into()],
        ))
        .await
        .unwrap();
}

pub async fn book(app: &TestApp, slug: &str, canary: &mut Canary) -> Booked {
    let mut org = case_org(app, slug).await;
    set_profile(app, &org.emails[3], "Asia/Kathmandu", "en").await;
    set_profile(app, &org.emails[4], "America/Mexico_City", "es").await;
    set_chicago_week(&mut org.mediator).await;
    let other = canary.marker("othername");
    let case_id = schedulable(app, &mut org, &other).await;
    owner(app)
        .await
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE parties SET user_id = (SELECT id FROM users WHERE email = $2) WHERE case_id = $1::uuid AND party_type = 'respondent'",
            [case_id.clone().into(), org.emails[4].clone().into()],
        ))
        .await
        .unwrap();
    let case = org.manager.gql(CASE, json!({ "id": case_id })).await;
    assert_ok(&case);
    let title = case["data"]["case"]["case"]["title"]
        .as_str()
        .unwrap()
        .to_owned();
    let reference = case["data"]["case"]["case"]["reference"]
        .as_str()
        .unwrap()
        .to_owned();
    let open = org
        .manager
        .gql(SCHEDULE, json!({ "c": case_id, "n": 20 }))
        .await;
    assert_ok(&open);
    // Over a day and an hour away: the day-before reminder is not about to
    // fall due while the test runs (and the week-before one is past).
    let at = starts(&open["data"]["caseSchedule"])
        .into_iter()
        .find(|at| *at > Utc::now() + TimeDelta::minutes(26 * 60))
        .unwrap();
    let booked = org
        .manager
        .gql(BOOK, json!({ "c": case_id, "at": at }))
        .await;
    assert_ok(&booked);
    let session_id = booked["data"]["bookSession"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let participants = vec![
        Participant {
            email: org.emails[3].clone(),
            zone: chrono_tz::Asia::Kathmandu,
            spanish: false,
            staff: false,
        },
        Participant {
            email: org.emails[4].clone(),
            zone: chrono_tz::America::Mexico_City,
            spanish: true,
            staff: false,
        },
        Participant {
            email: org.emails[2].clone(),
            zone: chrono_tz::America::New_York,
            spanish: false,
            staff: true,
        },
    ];
    Booked {
        org,
        case_id,
        session_id,
        starts_at: at,
        participants,
        secrets: vec![
            title,
            reference,
            other,
            "family".into(),
            "Familia".into(),
            format!("party of {slug}"),
            format!("mediator of {slug}"),
        ],
    }
}

impl Booked {
    fn uid(&self) -> String {
        format!("session-{}@127.0.0.1", self.session_id)
    }

    pub fn org_id(&self) -> uuid::Uuid {
        self.org.org_id.parse().unwrap()
    }

    /// Checks a delivered notice: the time in the reader's zone, their
    /// portal's link, the invitation's fields, and nothing of the case.
    fn check(
        &self,
        who: &Participant,
        mail: &Delivered,
        method: &str,
        sequence: u32,
        at: DateTime<Utc>,
    ) {
        let local = at.with_timezone(&who.zone);
        let expected = format!("{} {}", local.format("%Y-%m-%d %H:%M"), local.format("%Z"));
        assert!(mail.text.contains(&expected), "{expected} in {}", mail.text);
        if who.zone == chrono_tz::Asia::Kathmandu {
            assert!(expected.ends_with("+0545"), "{expected}");
        }
        let portal = if who.staff {
            "http://localhost:8081"
        } else {
            "http://localhost:8082"
        };
        let link = format!(
            "{portal}/cases/{}#session-{}",
            self.case_id, self.session_id
        );
        assert!(mail.text.contains(&link), "{link} in {}", mail.text);
        let wanted =
            format!("content-type: text/calendar; method={method}; charset=utf-8").to_lowercase();
        assert!(
            mail.raw.to_lowercase().contains(&wanted),
            "the calendar part's type: {}",
            mail.raw
        );
        let (found_method, event) = parse_invitation(&mail.ics);
        assert_eq!(found_method, method);
        assert_eq!(event.get_uid(), Some(self.uid().as_str()));
        assert_eq!(event.get_sequence(), Some(sequence));
        assert_eq!(utc_of(event.get_start().unwrap()), at);
        assert_eq!(
            utc_of(event.get_end().unwrap()),
            at + TimeDelta::minutes(120)
        );
        assert!(event.get_timestamp().is_some());
        let summary = if who.spanish {
            "Sesión de mediación"
        } else {
            "Mediation session"
        };
        assert_eq!(event.get_summary(), Some(summary));
        assert_eq!(event.get_url(), Some(link.as_str()));
        assert!(event.get_description().unwrap().contains(&link));
        assert_eq!(
            event.properties().get("ORGANIZER").map(|p| p.value()),
            Some("mailto:no-reply@caucus.test")
        );
        let attendees: Vec<String> = event
            .get_attendees()
            .into_iter()
            .map(|a| a.cal_address)
            .collect();
        assert_eq!(attendees, vec![format!("mailto:{}", who.email)]);
        if method == "CANCEL" {
            assert_eq!(event.get_status(), Some(icalendar::EventStatus::Cancelled));
        }
        // Nothing of the case, nor the others taking part.
        for text in [&mail.text, &mail.html, &mail.ics] {
            let lower = text.to_lowercase();
            for secret in &self.secrets {
                if secret == "family" && text == &mail.html {
                    // The HTML has `font-family`; its words are the text's.
                    continue;
                }
                assert!(
                    !lower.contains(&secret.to_lowercase()),
                    "{secret} leaked: {text}"
                );
            }
            for other in self.participants.iter().filter(|p| p.email != who.email) {
                assert!(
                    !text.contains(&other.email),
                    "another participant's address leaked"
                );
            }
        }
    }

    fn subject(&self, who: &Participant, en: &'static str, es: &'static str) -> &'static str {
        if who.spanish { es } else { en }
    }

    /// Each participant has exactly `n` messages of the kind, and stays so.
    async fn assert_exactly(
        &self,
        en: &'static str,
        es: &'static str,
        n: usize,
    ) -> Vec<Vec<Value>> {
        let mut all = Vec::new();
        for who in &self.participants {
            wait_for_subject(&who.email, self.subject(who, en, es), n).await;
        }
        // Anything extra (a duplicate) would have arrived by now.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        for who in &self.participants {
            let found = with_subject(&who.email, self.subject(who, en, es)).await;
            assert_eq!(found.len(), n, "{} got {} \"{en}\"", who.email, found.len());
            all.push(found);
        }
        all
    }

    async fn reminder_minutes_queued(&self, app: &TestApp) -> Vec<i64> {
        let rows = owner(app)
            .await
            .query_all(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT (payload->>'reminderMinutes')::bigint AS m FROM jobs
                 WHERE kind = 'email.session_reminder' AND status = 'queued' AND payload->>'sessionId' = $1
                 ORDER BY 1",
                [self.session_id.clone().into()],
            ))
            .await
            .unwrap();
        rows.iter()
            .map(|r| r.try_get::<i64>("", "m").unwrap())
            .collect()
    }
}

/// The default offsets (a week, a day, an hour) still ahead of `at`.
fn offsets_ahead(at: DateTime<Utc>) -> Vec<i64> {
    let now = Utc::now();
    [60, 24 * 60, 7 * 24 * 60]
        .into_iter()
        .filter(|m| at - TimeDelta::minutes(*m) > now)
        .collect()
}

#[tokio::test]
async fn every_participant_gets_one_confirmation_and_reminders_in_their_own_zone() {
    crate::support::captured();
    let app = testkit::spawn().await;
    let mut canary = Canary::new();
    let booked = book(&app, "noticesok", &mut canary).await;

    // The parties with accounts and the mediator; not the staff who booked.
    let confirmations = booked.assert_exactly(BOOKED_EN, BOOKED_ES, 1).await;
    let mut read = Vec::new();
    for (who, messages) in booked.participants.iter().zip(&confirmations) {
        let mail = delivered(&messages[0]).await;
        booked.check(who, &mail, "REQUEST", 0, booked.starts_at);
        read.push(mail);
    }
    assert!(
        with_subject(&booked.org.emails[1], BOOKED_EN)
            .await
            .is_empty(),
        "the case manager who booked is not a participant"
    );
    assert!(
        read[1].text.contains("Dura 120 minutos"),
        "{}",
        read[1].text
    );

    // Reminders: the offsets not already past at booking (a week is, for a
    // session days away), each due at the start minus the offset.
    let ahead = offsets_ahead(booked.starts_at);
    assert!(
        !ahead.contains(&(7 * 24 * 60)) && ahead.contains(&60),
        "{ahead:?}"
    );
    assert_eq!(booked.reminder_minutes_queued(&app).await, ahead);
    let hour_before = count(
        &app,
        &format!(
            "SELECT count(*) FROM jobs WHERE kind = 'email.session_reminder' AND payload->>'reminderMinutes' = '60'
             AND run_at = '{}'::timestamptz",
            (booked.starts_at - TimeDelta::minutes(60)).to_rfc3339()
        ),
    )
    .await;
    assert_eq!(hour_before, 1);

    // The hour-before reminder falls due: the same instant for everyone, the
    // local time of each in their message (Kathmandu's is +05:45).
    owner_exec(
        &app,
        &format!(
            "UPDATE jobs SET run_at = now() WHERE kind = 'email.session_reminder' AND payload->>'reminderMinutes' = '60' AND payload->>'sessionId' = '{}'",
            booked.session_id
        ),
    )
    .await;
    let reminders = booked.assert_exactly(REMINDER_EN, REMINDER_ES, 1).await;
    for (who, messages) in booked.participants.iter().zip(&reminders) {
        let mail = delivered(&messages[0]).await;
        booked.check(who, &mail, "REQUEST", 0, booked.starts_at);
        let local = booked.starts_at.with_timezone(&who.zone);
        let subject = messages[0]["Subject"].as_str().unwrap();
        assert!(
            subject.contains(&local.format("%Y-%m-%d %H:%M").to_string()),
            "{subject}"
        );
        read.push(mail);
    }
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT count(*) FROM session_notices WHERE session_id = '{}'",
                booked.session_id
            )
        )
        .await,
        6
    );
    // Nothing of the case in logs or spans either.
    let texts: Vec<&str> = read
        .iter()
        .flat_map(|m| [m.text.as_str(), m.ics.as_str()])
        .collect();
    canary.assert_absent(&texts);
}

#[tokio::test]
async fn a_worker_dying_mid_batch_and_two_workers_on_one_job_still_send_each_message_once() {
    let app = testkit::spawn_with(no_worker).await;
    let mut canary = Canary::new();
    let booked = book(&app, "noticecrash", &mut canary).await;
    let notice_job = format!(
        "SELECT count(*) FROM jobs WHERE kind = 'email.session_notice' AND payload->>'sessionId' = '{}'",
        booked.session_id
    );
    let recorded = format!(
        "SELECT count(*) FROM session_notices WHERE session_id = '{}'",
        booked.session_id
    );

    // The worker dies after its second delivery: nothing is recorded about
    // the job, which stays claimed until its lease runs out.
    faults::crash_after(booked.org_id(), 2);
    let worker = Worker::new(app.state.clone()).unwrap();
    assert!(worker.run_once().await.unwrap() >= 1);
    assert_eq!(
        count(
            &app,
            &format!("{notice_job} AND status = 'running' AND attempts = 1")
        )
        .await,
        1
    );
    assert_eq!(count(&app, &recorded).await, 2);
    let mut sent = 0;
    for who in &booked.participants {
        sent += with_subject(&who.email, booked.subject(who, BOOKED_EN, BOOKED_ES))
            .await
            .len();
    }
    assert_eq!(sent, 2);
    // While the lease holds, no other worker takes the job.
    assert_eq!(worker.run_once().await.unwrap(), 0);

    // The lease runs out; the job runs again and sends only what is missing.
    owner_exec(
        &app,
        "UPDATE jobs SET locked_until = now() - interval '1 second' WHERE kind = 'email.session_notice'",
    )
    .await;
    assert_eq!(worker.run_once().await.unwrap(), 1);
    assert_eq!(
        count(
            &app,
            &format!("{notice_job} AND status = 'done' AND attempts = 2")
        )
        .await,
        1
    );
    assert_eq!(count(&app, &recorded).await, 3);
    booked.assert_exactly(BOOKED_EN, BOOKED_ES, 1).await;

    // Two workers run the same reminder at once (a lease that ran out under
    // a slow worker): the second waits on the first's record and skips.
    owner_exec(
        &app,
        &format!(
            "UPDATE jobs SET run_at = now() WHERE kind = 'email.session_reminder' AND payload->>'reminderMinutes' = '60' AND payload->>'sessionId' = '{}'",
            booked.session_id
        ),
    )
    .await;
    let claimed = jobs::claim(&app.state.db, 10, Duration::from_secs(60))
        .await
        .unwrap();
    let reminder = claimed
        .iter()
        .find(|j| j.kind == "email.session_reminder")
        .unwrap();
    let other = Worker::new(app.state.clone()).unwrap();
    let (a, b) = tokio::join!(worker.handle(reminder), other.handle(reminder));
    a.unwrap();
    b.unwrap();
    booked.assert_exactly(REMINDER_EN, REMINDER_ES, 1).await;
    assert_eq!(count(&app, &recorded).await, 6);
}

#[tokio::test]
async fn a_moved_or_cancelled_session_updates_calendars_and_no_stale_reminder_goes_out() {
    let app = testkit::spawn().await;
    let mut canary = Canary::new();
    let booked = book(&app, "noticemove", &mut canary).await;
    booked.assert_exactly(BOOKED_EN, BOOKED_ES, 1).await;
    let session = format!("payload->>'sessionId' = '{}'", booked.session_id);
    let moved_to = booked.starts_at + TimeDelta::days(1);

    // The session moves (the sequence raised), and a reminder for the old
    // time that a worker already held runs before the change is announced:
    // the check at send time drops it.
    owner_exec(
        &app,
        &format!(
            "UPDATE sessions SET scheduled_for = scheduled_for + interval '1 day',
                    blocked = tstzrange(lower(blocked) + interval '1 day', upper(blocked) + interval '1 day'),
                    sequence = sequence + 1
             WHERE id = '{}'",
            booked.session_id
        ),
    )
    .await;
    owner_exec(
        &app,
        &format!("UPDATE jobs SET run_at = now() WHERE kind = 'email.session_reminder' AND {session} AND payload->>'reminderMinutes' = '60'"),
    )
    .await;
    wait_for_count(
        &app,
        &format!("SELECT count(*) FROM jobs WHERE kind = 'email.session_reminder' AND {session} AND status = 'done'"),
        1,
    )
    .await;

    // The change is announced in its transaction.
    let scope = TenantScope {
        org_id: booked.org_id(),
        user_id: None,
    };
    let change = |change: notify::Change| {
        let db = app.state.db.clone();
        let case_id: uuid::Uuid = booked.case_id.parse().unwrap();
        let session_id: uuid::Uuid = booked.session_id.parse().unwrap();
        async move {
            let tx = db.tenant(scope).await.unwrap();
            let session = booking::for_case(&tx, case_id)
                .await
                .unwrap()
                .into_iter()
                .find(|s| s.id == session_id)
                .unwrap();
            let outcome = notify::session_changed(&tx, &session, change).await;
            tx.commit().await.unwrap();
            outcome
        }
    };
    change(notify::Change::Rescheduled).await.unwrap();
    let moved = booked.assert_exactly(MOVED_EN, MOVED_ES, 1).await;
    for (who, messages) in booked.participants.iter().zip(&moved) {
        booked.check(who, &delivered(&messages[0]).await, "REQUEST", 1, moved_to);
    }
    // The old time's reminders are closed; the new time has its own.
    assert_eq!(
        count(
            &app,
            &format!("SELECT count(*) FROM jobs WHERE kind = 'email.session_reminder' AND {session} AND last_error LIKE 'superseded%'")
        )
        .await as usize,
        offsets_ahead(booked.starts_at).len() - 1
    );
    assert_eq!(
        booked.reminder_minutes_queued(&app).await,
        offsets_ahead(moved_to)
    );
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT count(*) FROM jobs WHERE kind = 'email.session_reminder' AND {session} AND status = 'queued'
                 AND (payload->>'scheduledFor')::timestamptz = '{}'::timestamptz",
                moved_to.to_rfc3339()
            )
        )
        .await as usize,
        offsets_ahead(moved_to).len()
    );

    // Cancelled: a CANCEL for the same event, and no reminder at all, even
    // one that a worker had already claimed.
    owner_exec(
        &app,
        &format!(
            "UPDATE sessions SET status = 'cancelled', sequence = sequence + 1 WHERE id = '{}'",
            booked.session_id
        ),
    )
    .await;
    change(notify::Change::Cancelled).await.unwrap();
    let cancelled = booked.assert_exactly(CANCELLED_EN, CANCELLED_ES, 1).await;
    for (who, messages) in booked.participants.iter().zip(&cancelled) {
        booked.check(who, &delivered(&messages[0]).await, "CANCEL", 2, moved_to);
    }
    assert!(booked.reminder_minutes_queued(&app).await.is_empty());
    owner_exec(
        &app,
        &format!("UPDATE jobs SET status = 'queued', run_at = now() WHERE kind = 'email.session_reminder' AND {session}"),
    )
    .await;
    wait_for_count(
        &app,
        &format!("SELECT count(*) FROM jobs WHERE kind = 'email.session_reminder' AND {session} AND status <> 'done'"),
        0,
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    for who in &booked.participants {
        let reminders =
            with_subject(&who.email, booked.subject(who, REMINDER_EN, REMINDER_ES)).await;
        assert!(
            reminders.is_empty(),
            "a stale reminder reached {}",
            who.email
        );
    }
    // Announcing a change the session does not show is a caller's mistake.
    assert!(change(notify::Change::Rescheduled).await.is_err());
}

const CREATE_FEED: &str = "mutation { createCalendarFeed }";
const REVOKE_FEED: &str = "mutation { revokeCalendarFeed }";
const FEED_INFO: &str = "{ calendarFeed { createdAt } }";

/// Inserts a session of `case_id`'s organization for `mediator_email`, an
/// hour long, `days` from now; returns its id.
async fn insert_session(app: &TestApp, case_id: &str, mediator_email: &str, days: i64) -> String {
    let at = (Utc::now() + TimeDelta::days(days)).to_rfc3339();
    let row = owner(app)
        .await
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO sessions (id, org_id, case_id, mediator_id, scheduled_for, duration_minutes, blocked, video_room_id)
             SELECT gen_random_uuid(), c.org_id, c.id, u.id, $3::timestamptz, 60,
                    tstzrange($3::timestamptz, $3::timestamptz + interval '1 hour'), 'room_' || gen_random_uuid()
             FROM cases c, users u WHERE c.id = $1::uuid AND u.email = $2
             RETURNING id::text AS id",
            [case_id.into(), mediator_email.into(), at.into()],
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get("", "id").unwrap()
}

async fn fetch(url: &str) -> (u16, String, String) {
    let response = reqwest::get(url).await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, response.text().await.unwrap())
}

#[tokio::test]
async fn a_mediators_calendar_feed_is_private_revocable_and_shows_only_their_sessions_there() {
    crate::support::captured();
    let app = testkit::spawn().await;
    let mut canary = Canary::new();
    let mut booked = book(&app, "feeds", &mut canary).await;
    let mediator_email = booked.org.emails[2].clone();
    // Another mediator's session in the same organization, and this
    // mediator's session in another organization.
    let others = insert_session(&app, &booked.case_id, &booked.org.emails[1], 9).await;
    let mut second = case_org(&app, "feedsother").await;
    seed_org(
        app.owner_url().expose_secret(),
        "feedsother",
        "Org feedsother",
        &[SeedAccount {
            email: &mediator_email,
            name: "mediator of feeds",
            role: RoleKey::Mediator,
        }],
        PASSWORD,
    )
    .await
    .unwrap();
    let elsewhere_case = schedulable(&app, &mut second, "Robin Other").await;
    let elsewhere = insert_session(&app, &elsewhere_case, &mediator_email, 10).await;

    // Only mediators keep a calendar feed.
    let mut anonymous = Client::new(&app);
    assert_eq!(
        error_code(&anonymous.gql(CREATE_FEED, json!({})).await),
        "UNAUTHENTICATED"
    );
    assert_eq!(
        error_code(&booked.org.claimant.gql(CREATE_FEED, json!({})).await),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(&booked.org.manager.gql(CREATE_FEED, json!({})).await),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(&booked.org.claimant.gql(FEED_INFO, json!({})).await),
        "FORBIDDEN"
    );
    let none = booked.org.mediator.gql(FEED_INFO, json!({})).await;
    assert_ok(&none);
    assert_eq!(none["data"]["calendarFeed"], Value::Null);

    let created = booked.org.mediator.gql(CREATE_FEED, json!({})).await;
    assert_ok(&created);
    let url = created["data"]["createCalendarFeed"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        url.starts_with(&app.url("/calendar/")) && url.ends_with(".ics"),
        "{url}"
    );
    let info = booked.org.mediator.gql(FEED_INFO, json!({})).await;
    assert!(
        info["data"]["calendarFeed"]["createdAt"].is_string(),
        "{info}"
    );

    // Fetched without cookies, as calendar programs do.
    let (status, content_type, body) = fetch(&url).await;
    assert_eq!(status, 200, "{body}");
    assert!(content_type.starts_with("text/calendar"), "{content_type}");
    let calendar: Calendar = body.parse().unwrap();
    assert_eq!(calendar.property_value("METHOD"), Some("PUBLISH"));
    let uids: Vec<&str> = calendar.events().filter_map(|e| e.get_uid()).collect();
    assert_eq!(uids, vec![booked.uid().as_str()], "{body}");
    let event = calendar.events().next().unwrap();
    assert_eq!(utc_of(event.get_start().unwrap()), booked.starts_at);
    assert_eq!(event.get_summary(), Some("Mediation session"));
    assert!(!body.contains(&others) && !body.contains(&elsewhere));
    for secret in &booked.secrets {
        assert!(
            !body.to_lowercase().contains(&secret.to_lowercase()),
            "{secret} in the feed"
        );
    }
    assert!(!body.contains("ATTENDEE") && !body.contains(&mediator_email));

    // Wrong tokens are simply not found.
    let token = url
        .rsplit('/')
        .next()
        .unwrap()
        .trim_end_matches(".ics")
        .to_owned();
    let mut wrong = token.clone().into_bytes();
    let last = wrong.len() - 1;
    wrong[last] = if wrong[last] == b'A' { b'B' } else { b'A' };
    let wrong = String::from_utf8(wrong).unwrap();
    let other_org = format!("{}{}", second.org_id.replace('-', ""), &token[32..]);
    for bad in [
        app.url(&format!("/calendar/{wrong}.ics")),
        app.url(&format!("/calendar/{other_org}.ics")),
        app.url(&format!("/calendar/{token}")),
        app.url("/calendar/nothing.ics"),
    ] {
        assert_eq!(fetch(&bad).await.0, 404, "{bad}");
    }

    // A new address replaces the old one; revoking ends it.
    let again = booked.org.mediator.gql(CREATE_FEED, json!({})).await;
    let renewed = again["data"]["createCalendarFeed"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(renewed, url);
    assert_eq!(fetch(&url).await.0, 404);
    assert_eq!(fetch(&renewed).await.0, 200);
    let revoked = booked.org.mediator.gql(REVOKE_FEED, json!({})).await;
    assert_eq!(revoked["data"]["revokeCalendarFeed"], true);
    assert_eq!(fetch(&renewed).await.0, 404);
    let twice = booked.org.mediator.gql(REVOKE_FEED, json!({})).await;
    assert_eq!(twice["data"]["revokeCalendarFeed"], false);
    let gone = booked.org.mediator.gql(FEED_INFO, json!({})).await;
    assert_eq!(gone["data"]["calendarFeed"], Value::Null);

    // The token never reaches a log line.
    let logs = crate::support::captured().logs();
    let renewed_token = renewed.rsplit('/').next().unwrap().trim_end_matches(".ics");
    for secret in [&token[32..], &renewed_token[32..]] {
        assert!(!logs.contains(secret), "a feed token was logged");
    }
}

//! SMS session notices: only people who opted in and gave a valid mobile
//! number get them, once per notice, in their own zone and language, with
//! nothing of the case; a worker that dies mid-batch still gives each one
//! message; the Twilio adapter against a loopback server replaying Twilio's
//! documented replies; the outbox is for org admins of its own organization.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use caucus_api::config::{SmsProviderKind, TwilioSettings};
use caucus_api::db::TenantScope;
use caucus_api::jobs::{self, faults, worker::Worker};
use caucus_api::sms::twilio::Twilio;
use caucus_api::sms::{PhoneNumber, SmsError, SmsMessage, outbox};
use caucus_api::testkit::{self, TestApp};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use secrecy::SecretString;
use serde_json::json;

use crate::cases::case_org;
use crate::session_notices::{Booked, book, count, no_worker, owner, owner_exec};
use crate::support::{Canary, assert_ok, error_code};

const OUTBOX: &str = "query { smsOutbox { id toLastDigits body sessionId createdAt } }";
const UPDATE_PROFILE: &str = "mutation($m: String, $o: Boolean) { updateProfile(mobile: $m, smsOptIn: $o) { mobile smsOptIn } }";

/// Claimant (Kathmandu, English) and respondent (Mexico City, Spanish) opt
/// in; the mediator gave a number but did not opt in, unless `mediator_too`.
const CLAIMANT: &str = "+14155550101";
const RESPONDENT: &str = "+5215512345602";
const MEDIATOR: &str = "+12125550103";

async fn set_contact(app: &TestApp, email: &str, mobile: &str, opt_in: bool) {
    owner(app)
        .await
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE profiles SET contact_info = jsonb_build_object('mobile', $2::text, 'smsOptIn', $3::boolean)
             WHERE user_id = (SELECT id FROM users WHERE email = $1)",
            [email.into(), mobile.into(), opt_in.into()],
        ))
        .await
        .unwrap();
}

async fn opt_in(app: &TestApp, booked: &Booked, mediator_too: bool) {
    set_contact(app, &booked.participants[0].email, CLAIMANT, true).await;
    set_contact(app, &booked.participants[1].email, RESPONDENT, true).await;
    set_contact(app, &booked.participants[2].email, MEDIATOR, mediator_too).await;
}

/// Runs the worker until no job is ready.
async fn drain(worker: &Worker) {
    for _ in 0..20 {
        if worker.run_once().await.unwrap() == 0 {
            return;
        }
    }
    panic!("the queue did not drain");
}

/// The outbox as the organization sees it: (full number, body, session).
async fn kept(app: &TestApp, org_id: uuid::Uuid) -> Vec<(String, String, Option<uuid::Uuid>)> {
    let tx = app
        .state
        .db
        .tenant(TenantScope {
            org_id,
            user_id: None,
        })
        .await
        .unwrap();
    let mut out = Vec::new();
    for m in outbox::list(&tx, &app.state.data_key, 200).await.unwrap() {
        let number = outbox::recipient(&tx, &app.state.data_key, m.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(m.to_last_digits, number.last_digits());
        out.push((number.expose().to_owned(), m.body, m.session_id));
    }
    tx.commit().await.unwrap();
    out
}

fn local(at: DateTime<Utc>, zone: chrono_tz::Tz) -> String {
    let local = at.with_timezone(&zone);
    format!("{} {}", local.format("%Y-%m-%d %H:%M"), local.format("%Z"))
}

/// Exactly one message with `marker` for each of `numbers`, none for others.
fn assert_one_each(
    kept: &[(String, String, Option<uuid::Uuid>)],
    marker: &[&str],
    numbers: &[&str],
) {
    for number in [CLAIMANT, RESPONDENT, MEDIATOR] {
        let n = kept
            .iter()
            .filter(|(to, body, _)| to == number && marker.iter().any(|m| body.contains(m)))
            .count();
        let expected = usize::from(numbers.contains(&number));
        assert_eq!(n, expected, "{number}: {marker:?} in {kept:#?}");
    }
}

fn sms_rows(session_id: &str) -> String {
    format!(
        "SELECT count(*) FROM session_notices WHERE channel = 'sms' AND session_id = '{session_id}'"
    )
}

#[tokio::test]
async fn opted_in_participants_get_each_sms_notice_once_in_their_own_time_and_language() {
    let app = testkit::spawn_with(no_worker).await;
    let mut canary = Canary::new();
    let mut booked = book(&app, "smsok", &mut canary).await;
    opt_in(&app, &booked, false).await;
    let worker = Worker::new(app.state.clone()).unwrap();
    drain(&worker).await;

    // The confirmation: the two who opted in, not the mediator (no opt-in).
    let messages = kept(&app, booked.org_id()).await;
    assert_eq!(messages.len(), 2, "{messages:#?}");
    assert_one_each(
        &messages,
        &["is booked", "está reservada"],
        &[CLAIMANT, RESPONDENT],
    );
    let link = format!("/cases/{}#session-{}", booked.case_id, booked.session_id);
    for (number, body, session) in &messages {
        let who = if number == CLAIMANT {
            &booked.participants[0]
        } else {
            &booked.participants[1]
        };
        assert!(body.contains(&local(booked.starts_at, who.zone)), "{body}");
        assert!(
            body.contains(&format!("http://localhost:8082{link}")),
            "{body}"
        );
        assert_eq!(who.spanish, body.contains("sesión de mediación"), "{body}");
        assert_eq!(
            session.map(|s| s.to_string()),
            Some(booked.session_id.clone())
        );
        for secret in &booked.secrets {
            assert!(!body.contains(secret.as_str()), "{secret} in {body}");
        }
    }
    // Kathmandu's odd offset shows.
    assert!(
        messages
            .iter()
            .any(|(n, b, _)| n == CLAIMANT && b.contains("+0545"))
    );

    // The hour-before reminder falls due: one each again, and running the
    // same job once more sends nothing new.
    let due = format!(
        "UPDATE jobs SET run_at = now(), status = 'queued' WHERE kind = 'sms.session_reminder'
         AND payload->>'reminderMinutes' = '60' AND payload->>'sessionId' = '{}'",
        booked.session_id
    );
    owner_exec(&app, &due).await;
    drain(&worker).await;
    owner_exec(&app, &due).await;
    drain(&worker).await;
    let messages = kept(&app, booked.org_id()).await;
    assert_eq!(messages.len(), 4, "{messages:#?}");
    assert_one_each(
        &messages,
        &["reminder", "recordatorio"],
        &[CLAIMANT, RESPONDENT],
    );
    assert_eq!(count(&app, &sms_rows(&booked.session_id)).await, 4);
    // Email went its own way, in its own jobs: the three confirmations (its
    // reminder is not due).
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT count(*) FROM session_notices WHERE channel = 'email' AND session_id = '{}'",
                booked.session_id
            )
        )
        .await,
        3
    );

    // The org admin reads the outbox: the number's last digits only.
    let read = booked.org.admin.gql(OUTBOX, json!({})).await;
    assert_ok(&read);
    let list = read["data"]["smsOutbox"].as_array().unwrap();
    assert_eq!(list.len(), 4);
    assert!(list.iter().any(|m| m["toLastDigits"] == "0101"));
    assert!(
        list.iter()
            .all(|m| m["toLastDigits"].as_str().unwrap().len() == 4)
    );
    assert!(!read.to_string().contains(CLAIMANT) && !read.to_string().contains("4155550101"));
    // Parties, the mediator and the case manager may not.
    for client in [
        &mut booked.org.claimant,
        &mut booked.org.mediator,
        &mut booked.org.manager,
    ] {
        let refused = client.gql(OUTBOX, json!({})).await;
        assert_eq!(error_code(&refused), "FORBIDDEN", "{refused}");
    }
    // Another organization's admin sees none of it.
    let mut other = case_org(&app, "smsother").await;
    let theirs = other.admin.gql(OUTBOX, json!({})).await;
    assert_ok(&theirs);
    assert_eq!(theirs["data"]["smsOutbox"], json!([]));
}

#[tokio::test]
async fn a_worker_dying_mid_batch_still_sends_each_sms_once() {
    let app = testkit::spawn_with(no_worker).await;
    let mut canary = Canary::new();
    let booked = book(&app, "smscrash", &mut canary).await;
    opt_in(&app, &booked, true).await;
    // Only the SMS jobs run here.
    owner_exec(
        &app,
        "UPDATE jobs SET status = 'done' WHERE kind LIKE 'email.%'",
    )
    .await;
    let sms_job = format!(
        "SELECT count(*) FROM jobs WHERE kind = 'sms.session_notice' AND payload->>'sessionId' = '{}'",
        booked.session_id
    );

    faults::crash_after(booked.org_id(), 2);
    let worker = Worker::new(app.state.clone()).unwrap();
    assert_eq!(worker.run_once().await.unwrap(), 1);
    assert_eq!(
        count(
            &app,
            &format!("{sms_job} AND status = 'running' AND attempts = 1")
        )
        .await,
        1
    );
    assert_eq!(kept(&app, booked.org_id()).await.len(), 2);
    assert_eq!(count(&app, &sms_rows(&booked.session_id)).await, 2);
    assert_eq!(worker.run_once().await.unwrap(), 0, "the lease still holds");

    owner_exec(
        &app,
        "UPDATE jobs SET locked_until = now() - interval '1 second' WHERE kind = 'sms.session_notice'",
    )
    .await;
    assert_eq!(worker.run_once().await.unwrap(), 1);
    assert_eq!(
        count(
            &app,
            &format!("{sms_job} AND status = 'done' AND attempts = 2")
        )
        .await,
        1
    );
    let messages = kept(&app, booked.org_id()).await;
    assert_one_each(
        &messages,
        &["is booked", "está reservada"],
        &[CLAIMANT, RESPONDENT, MEDIATOR],
    );
    assert_eq!(messages.len(), 3);

    // Two workers on one SMS reminder at once: one message each.
    owner_exec(
        &app,
        &format!(
            "UPDATE jobs SET run_at = now() WHERE kind = 'sms.session_reminder' AND payload->>'reminderMinutes' = '60' AND payload->>'sessionId' = '{}'",
            booked.session_id
        ),
    )
    .await;
    let claimed = jobs::claim(&app.state.db, 10, Duration::from_secs(60))
        .await
        .unwrap();
    let reminder = claimed
        .iter()
        .find(|j| j.kind == "sms.session_reminder")
        .unwrap();
    let other = Worker::new(app.state.clone()).unwrap();
    let (a, b) = tokio::join!(worker.handle(reminder), other.handle(reminder));
    a.unwrap();
    b.unwrap();
    let messages = kept(&app, booked.org_id()).await;
    assert_one_each(
        &messages,
        &["reminder", "recordatorio"],
        &[CLAIMANT, RESPONDENT, MEDIATOR],
    );
    assert_eq!(messages.len(), 6);
    assert_eq!(count(&app, &sms_rows(&booked.session_id)).await, 6);
}

// --- Twilio -----------------------------------------------------------------

const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "twilio-test-token";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/twilio/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// One request the stand-in received: path, Authorization header, form fields.
type Seen = (String, String, Vec<(String, String)>);

/// What the stand-in answers, and what it was sent.
#[derive(Default)]
struct Stand {
    /// Numbers answered with 400 (error 21211).
    invalid: Vec<String>,
    /// Answer everything with 500.
    down: bool,
    /// Each request: path, Authorization header, form fields.
    seen: Vec<Seen>,
}

type Shared = Arc<Mutex<Stand>>;

async fn messages(
    State(stand): State<Shared>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: String,
) -> impl IntoResponse {
    let form: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let mut stand = stand.lock().unwrap();
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let to = form
        .iter()
        .find(|(k, _)| k == "To")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    stand.seen.push((uri.path().to_owned(), auth, form));
    let (status, file) = if stand.down {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "error_20500_internal.json",
        )
    } else if stand.invalid.contains(&to) {
        (StatusCode::BAD_REQUEST, "error_21211_invalid_to.json")
    } else {
        (StatusCode::CREATED, "message_created.json")
    };
    (
        status,
        [("content-type", "application/json")],
        fixture(file),
    )
}

async fn stand_in() -> (SocketAddr, Shared) {
    let stand = Shared::default();
    let app = axum::Router::new()
        .route(
            "/2010-04-01/Accounts/{account}/Messages.json",
            axum::routing::post(messages),
        )
        .with_state(stand.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, stand)
}

fn twilio_settings(addr: SocketAddr) -> TwilioSettings {
    TwilioSettings {
        base_url: format!("http://{addr}"),
        account_sid: ACCOUNT.into(),
        auth_token: SecretString::from(TOKEN.to_owned()),
        from: "+15557122661".into(),
        messaging_service_sid: String::new(),
    }
}

#[tokio::test]
async fn the_twilio_adapter_posts_the_documented_form_and_types_its_errors() {
    use base64::Engine as _;
    let (addr, stand) = stand_in().await;
    let twilio = Twilio::new(&twilio_settings(addr), Duration::from_secs(5)).unwrap();
    let to = PhoneNumber::parse("+1 555 867 5310").unwrap();
    let message = SmsMessage {
        to: &to,
        body: "Mediation session: 2026-05-05 19:45",
        session_id: None,
    };

    let sent = twilio.post(&message).await.unwrap();
    assert_eq!(sent.0, "SMXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX");
    {
        let stand = stand.lock().unwrap();
        let (path, auth, form) = &stand.seen[0];
        assert_eq!(
            path,
            &format!("/2010-04-01/Accounts/{ACCOUNT}/Messages.json")
        );
        let expected =
            base64::engine::general_purpose::STANDARD.encode(format!("{ACCOUNT}:{TOKEN}"));
        assert_eq!(auth, &format!("Basic {expected}"));
        let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(field("To"), Some("+15558675310"));
        assert_eq!(field("From"), Some("+15557122661"));
        assert_eq!(field("Body"), Some("Mediation session: 2026-05-05 19:45"));
        assert_eq!(field("MessagingServiceSid"), None);
    }

    // A messaging service instead of a number.
    let mut by_service = twilio_settings(addr);
    by_service.from = String::new();
    by_service.messaging_service_sid = "MG0123456789abcdef0123456789abcdef".into();
    Twilio::new(&by_service, Duration::from_secs(5))
        .unwrap()
        .post(&message)
        .await
        .unwrap();
    {
        let stand = stand.lock().unwrap();
        let form = &stand.seen[1].2;
        assert!(
            form.iter()
                .any(|(k, v)| k == "MessagingServiceSid" && v.starts_with("MG"))
        );
        assert!(!form.iter().any(|(k, _)| k == "From"));
    }

    // 400, error 21211: refused for good, with Twilio's code and nothing
    // of its message (which quotes the number).
    stand.lock().unwrap().invalid.push("+15558675310".into());
    let refused = twilio.post(&message).await.unwrap_err();
    assert_eq!(
        refused,
        SmsError::Rejected {
            status: 400,
            code: Some(21211)
        }
    );
    assert!(!refused.is_retryable());
    assert!(!refused.to_string().contains("555867"));

    // 500: worth a retry.
    stand.lock().unwrap().down = true;
    let down = twilio.post(&message).await.unwrap_err();
    assert_eq!(down, SmsError::Unavailable { status: Some(500) });
    assert!(down.is_retryable());

    // Nobody listening: unavailable, not a panic.
    let mut nowhere = twilio_settings("127.0.0.1:9".parse().unwrap());
    nowhere.base_url = "http://127.0.0.1:9".into();
    let unreachable = Twilio::new(&nowhere, Duration::from_secs(2))
        .unwrap()
        .post(&message)
        .await
        .unwrap_err();
    assert_eq!(unreachable, SmsError::Unavailable { status: None });
}

#[tokio::test]
async fn through_twilio_a_rejected_number_kills_the_job_and_an_outage_is_retried() {
    let captured = crate::support::captured();
    let (addr, stand) = stand_in().await;
    let app = testkit::spawn_with(|s| {
        no_worker(s);
        s.sms.provider = SmsProviderKind::Twilio;
        s.sms.twilio = twilio_settings(addr);
    })
    .await;
    let mut canary = Canary::new();
    let booked = book(&app, "smstwilio", &mut canary).await;
    opt_in(&app, &booked, false).await;
    owner_exec(
        &app,
        "UPDATE jobs SET status = 'done' WHERE kind LIKE 'email.%'",
    )
    .await;
    stand.lock().unwrap().invalid.push(RESPONDENT.into());

    // The claimant's goes out; the respondent's number is refused for good:
    // the job is dead at once (an admin sees it), not retried for hours.
    let worker = Worker::new(app.state.clone()).unwrap();
    assert_eq!(worker.run_once().await.unwrap(), 1);
    let job = format!(
        "SELECT count(*) FROM jobs WHERE kind = 'sms.session_notice' AND payload->>'sessionId' = '{}'",
        booked.session_id
    );
    assert_eq!(
        count(&app, &format!("{job} AND status = 'dead' AND attempts = 1 AND last_error LIKE '%rejected by the SMS provider'")).await,
        1
    );
    assert_eq!(count(&app, &sms_rows(&booked.session_id)).await, 1);
    {
        let stand = stand.lock().unwrap();
        let to: Vec<&str> = stand
            .seen
            .iter()
            .filter_map(|(_, _, f)| f.iter().find(|(k, _)| k == "To").map(|(_, v)| v.as_str()))
            .collect();
        assert_eq!(to.len(), 2, "{to:?}");
        assert!(to.contains(&CLAIMANT) && to.contains(&RESPONDENT));
        // Nothing of the case went to Twilio either.
        for (_, _, form) in &stand.seen {
            let body = &form.iter().find(|(k, _)| k == "Body").unwrap().1;
            for secret in &booked.secrets {
                assert!(!body.contains(secret.as_str()), "{secret}");
            }
        }
    }
    // Nothing went to the outbox: Twilio is the provider.
    assert_eq!(count(&app, "SELECT count(*) FROM sms_outbox").await, 0);

    // Twilio is down when the reminder falls due: the job waits for a retry
    // and nothing is recorded as sent.
    stand.lock().unwrap().down = true;
    owner_exec(
        &app,
        &format!(
            "UPDATE jobs SET run_at = now() WHERE kind = 'sms.session_reminder' AND payload->>'reminderMinutes' = '60' AND payload->>'sessionId' = '{}'",
            booked.session_id
        ),
    )
    .await;
    assert_eq!(worker.run_once().await.unwrap(), 1);
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT count(*) FROM jobs WHERE kind = 'sms.session_reminder' AND payload->>'reminderMinutes' = '60'
                 AND payload->>'sessionId' = '{}' AND status = 'queued' AND attempts = 1 AND run_at > now()",
                booked.session_id
            )
        )
        .await,
        1
    );
    assert_eq!(count(&app, &sms_rows(&booked.session_id)).await, 1);
    // The refusal was logged, with Twilio's code and without the number.
    assert!(
        captured.logs().contains("code 21211"),
        "the rejection is logged by its code"
    );
    assert_no_numbers_logged(captured, &[CLAIMANT, RESPONDENT]);
}

/// Neither the numbers nor their digits reached a log line or a span.
fn assert_no_numbers_logged(captured: &crate::support::Captured, numbers: &[&str]) {
    let (logs, spans) = (captured.logs(), captured.spans());
    assert!(!logs.is_empty(), "the log capture saw nothing");
    for number in numbers {
        let digits = number.trim_start_matches('+');
        assert!(!logs.contains(digits), "{number} in the logs");
        assert!(!spans.contains(digits), "{number} in the spans");
    }
}

#[tokio::test]
async fn a_mobile_number_must_be_e164_and_opting_in_needs_one() {
    let captured = crate::support::captured();
    let app = testkit::spawn().await;
    let mut org = case_org(&app, "smsprofile").await;
    let party = &mut org.claimant;

    for bad in [
        "4155550100",
        "+0123456789",
        "+1 415 555 0100 ext 2",
        "+123",
        "+1415555010012345",
    ] {
        let refused = party.gql(UPDATE_PROFILE, json!({ "m": bad })).await;
        assert_eq!(
            error_code(&refused),
            "VALIDATION_FAILED",
            "{bad}: {refused}"
        );
        assert_eq!(
            refused["errors"][0]["extensions"]["field"], "mobile",
            "{refused}"
        );
        assert!(
            !refused.to_string().contains(bad),
            "the number is not echoed"
        );
    }
    let refused = party.gql(UPDATE_PROFILE, json!({ "o": true })).await;
    assert_eq!(error_code(&refused), "VALIDATION_FAILED", "{refused}");
    assert_eq!(
        refused["errors"][0]["extensions"]["field"], "smsOptIn",
        "{refused}"
    );

    let saved = party
        .gql(
            UPDATE_PROFILE,
            json!({ "m": "+1 (415) 555-0100", "o": true }),
        )
        .await;
    assert_ok(&saved);
    assert_eq!(saved["data"]["updateProfile"]["mobile"], "+14155550100");
    assert_eq!(saved["data"]["updateProfile"]["smsOptIn"], true);
    // Removing the number ends the opt-in.
    let removed = party.gql(UPDATE_PROFILE, json!({ "m": "" })).await;
    assert_ok(&removed);
    assert_eq!(removed["data"]["updateProfile"]["mobile"], json!(null));
    assert_eq!(removed["data"]["updateProfile"]["smsOptIn"], false);
    assert_no_numbers_logged(captured, &["+14155550100", "+0123456789"]);
}

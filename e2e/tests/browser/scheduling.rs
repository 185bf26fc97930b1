//! Scheduling across time zones in both portals: the mediator keeps a
//! working week in Chicago; the claimant (in Kathmandu, +05:45) and the
//! respondent (in Madrid) each tick the times they could do on their own
//! clocks; the session is booked at the first time they share, and shown to
//! both and to the case manager, who puts it in a meeting room (shown on the
//! mediator's and the room's week and to the claimant), sees a request for
//! an earlier time on the waiting list and withdraws it, and cancels the
//! session; the org admin reads the text messages the claimant was sent in
//! the SMS outbox.

use anyhow::{Context, ensure};
use caucus_api::seed::DEMO_PASSWORD;
use icalendar::Component;
use serde_json::{Value, json};
use thirtyfour::By;

use crate::cases::file_from_the_page;
use crate::harness::{Browser, emailed_token, with_browser};

const PARTY: &str = "party@demo.caucus.test";
const MANAGER: &str = "manager@demo.caucus.test";
const MEDIATOR: &str = "mediator@demo.caucus.test";
const RESPONDENT: &str = "remy.respondent@example.org";
const ADMIN: &str = "admin@demo.caucus.test";
const CLAIMANT_MOBILE: &str = "+14155550188";

/// The label text of the `n`th time offered on the page.
async fn offered(b: &Browser, n: usize) -> anyhow::Result<(thirtyfour::WebElement, String)> {
    b.text_of("schedule-form").await?;
    let boxes = b
        .driver
        .find_all(By::Css("#schedule-form input[type='checkbox']"))
        .await?;
    let checkbox = boxes.get(n).cloned().context("fewer times offered")?;
    let id = checkbox
        .attr("id")
        .await?
        .context("a checkbox without id")?;
    let label = b
        .driver
        .find(By::Css(format!("label[for='{id}']")))
        .await?
        .text()
        .await?;
    Ok((checkbox, label))
}

/// Waits up to 20 s for an email to `address` whose subject starts with
/// `subject` and whose calendar invitation is for `starts`; returns the
/// invitation's METHOD and event. Mailpit's API, as the API tests read it.
async fn invitation(
    address: &str,
    subject: &str,
    starts: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<(String, icalendar::Event)> {
    let base = std::env::var("CAUCUS_TEST_MAILPIT_URL").context("Mailpit's address")?;
    let http = reqwest::Client::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let found: Value = http
            .get(format!("{base}/api/v1/search"))
            .query(&[
                ("query", format!("to:{address}")),
                ("limit", "20".to_owned()),
            ])
            .send()
            .await?
            .json()
            .await?;
        for message in found["messages"].as_array().into_iter().flatten() {
            if !message["Subject"]
                .as_str()
                .unwrap_or_default()
                .starts_with(subject)
            {
                continue;
            }
            let id = message["ID"].as_str().context("a message id")?;
            let full: Value = http
                .get(format!("{base}/api/v1/message/{id}"))
                .send()
                .await?
                .json()
                .await?;
            let Some(part) = full["Attachments"]
                .as_array()
                .and_then(|a| {
                    a.iter().find(|p| {
                        p["ContentType"]
                            .as_str()
                            .unwrap_or_default()
                            .starts_with("text/calendar")
                    })
                })
                .and_then(|p| p["PartID"].as_str())
            else {
                continue;
            };
            let ics = http
                .get(format!("{base}/api/v1/message/{id}/part/{part}"))
                .send()
                .await?
                .text()
                .await?;
            let calendar: icalendar::Calendar = ics
                .parse()
                .map_err(|e| anyhow::anyhow!("not a calendar ({e}): {ics}"))?;
            let method = calendar
                .property_value("METHOD")
                .unwrap_or_default()
                .to_owned();
            let events: Vec<&icalendar::Event> = calendar.events().collect();
            ensure!(events.len() == 1, "one event: {ics}");
            let event = events[0].clone();
            let at = match event.get_start() {
                Some(icalendar::DatePerhapsTime::DateTime(icalendar::CalendarDateTime::Utc(
                    at,
                ))) => at,
                other => anyhow::bail!("not a UTC start: {other:?} in {ics}"),
            };
            if at == starts {
                return Ok((method, event));
            }
        }
        ensure!(
            std::time::Instant::now() < deadline,
            "no {subject:?} email to {address} with an invitation for {starts} within 20 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
}

async fn set_zone(b: &Browser, zone: &str) -> anyhow::Result<Value> {
    b.gql(
        "client",
        "mutation Z($z: String!) { updateProfile(timezone: $z) { user { timezone } } }",
        json!({ "z": zone }),
    )
    .await
}

#[tokio::test]
async fn parties_in_two_time_zones_agree_on_a_session_time() {
    with_browser("scheduling", async |b| {
        // The mediator keeps a working week on Chicago's clock.
        b.driver.goto(b.admin_url("/availability")).await?;
        b.sign_in(MEDIATOR, DEMO_PASSWORD).await?;
        b.wait_for_text("week-form", "Monday").await?;
        b.replace_text("week-zone", "America/Chicago").await?;
        b.click("week-save").await?;
        b.wait_for_text("week-saved", "Your week is saved").await?;
        b.assert_accessible("working hours").await?;
        let me = b.gql("admin", "{ me { user { id } } }", json!({})).await?;
        let mediator_id = me["me"]["user"]["id"].as_str().context("mediator id")?.to_owned();
        b.driver.delete_all_cookies().await?;

        // The claimant, in Kathmandu, files.
        b.driver.goto(b.client_url("/")).await?;
        b.sign_in(PARTY, DEMO_PASSWORD).await?;
        b.wait_for_text("page-title", "Pat Party").await?;
        set_zone(b, "Asia/Kathmandu").await?;
        b.gql(
            "client",
            "mutation M($m: String!) { updateProfile(mobile: $m, smsOptIn: true) { user { id } } }",
            json!({ "m": CLAIMANT_MOBILE }),
        )
        .await?;
        let filed = file_from_the_page(b, "Remy Respondent", RESPONDENT).await?;
        let case_id = filed["id"].as_str().context("case id")?.to_owned();
        b.driver.delete_all_cookies().await?;

        // The case manager accepts it, assigns the mediator, invites the other side.
        b.driver.goto(b.admin_url("/")).await?;
        b.sign_in(MANAGER, DEMO_PASSWORD).await?;
        b.wait_for_text("signed-in-as", "Casey Manager").await?;
        let advanced = b
            .gql(
                "admin",
                "mutation A($i: AdvanceCaseInput!) { advanceCase(input: $i) { version } }",
                json!({ "i": { "caseId": case_id, "version": 1, "to": "TRIAGE" } }),
            )
            .await?;
        b.gql(
            "admin",
            "mutation P($i: ProposeMediatorInput!) { proposeMediator(input: $i) { status } }",
            json!({ "i": { "caseId": case_id, "version": advanced["advanceCase"]["version"], "mediatorId": mediator_id } }),
        )
        .await?;
        let case = b
            .gql("admin", "query C($id: ID!) { case(id: $id) { parties { id partyType } } }", json!({ "id": case_id }))
            .await?;
        let respondent = case["case"]["parties"]
            .as_array()
            .and_then(|all| all.iter().find(|p| p["partyType"] == "RESPONDENT"))
            .and_then(|p| p["id"].as_str())
            .context("the respondent party")?
            .to_owned();
        b.gql(
            "admin",
            "mutation I($c: ID!, $p: ID!) { inviteParty(caseId: $c, partyId: $p) }",
            json!({ "c": case_id, "p": respondent }),
        )
        .await?;
        b.driver.delete_all_cookies().await?;

        // The other side joins, in Madrid.
        let token = emailed_token(RESPONDENT, "/invitation#").await?;
        b.driver.goto(b.client_url(&format!("/invitation#{token}"))).await?;
        b.wait_for_text("invited-email", RESPONDENT).await?;
        b.type_into("name", "Remy Respondent").await?;
        b.type_into("new-password", "a calm lake under the moon").await?;
        b.click("accept-invitation").await?;
        b.wait_for_text("page-title", "Remy Respondent").await?;
        set_zone(b, "Europe/Madrid").await?;
        b.driver.delete_all_cookies().await?;

        // The claimant ticks the first three times, shown on Kathmandu's clock.
        b.driver.goto(b.client_url(&format!("/cases/{case_id}"))).await?;
        b.sign_in(PARTY, DEMO_PASSWORD).await?;
        b.wait_for_text("schedule-zone", "Asia/Kathmandu").await?;
        b.wait_for_text("schedule-waiting", "The other side has not chosen").await?;
        let (_, first_label) = offered(b, 0).await?;
        ensure!(first_label.contains("the mediator's time"), "{first_label}");
        // The first three, and the last two (so the session can move later).
        let count = b
            .driver
            .find_all(By::Css("#schedule-form input[type='checkbox']"))
            .await?
            .len();
        ensure!(count > 8, "only {count} times offered");
        for n in [0, 1, 2, count - 2, count - 1] {
            offered(b, n).await?.0.click().await?;
        }
        b.assert_accessible("choosing session times").await?;
        b.click("schedule-save").await?;
        b.wait_for_text("schedule-saved", "Your times are saved").await?;
        b.driver.delete_all_cookies().await?;

        // The respondent, on Madrid's clock, is offered only those five and
        // ticks the second and the last: the second is booked at once.
        b.driver.goto(b.client_url(&format!("/cases/{case_id}"))).await?;
        b.sign_in(RESPONDENT, "a calm lake under the moon").await?;
        b.wait_for_text("schedule-zone", "Europe/Madrid").await?;
        let boxes = b
            .driver
            .find_all(By::Css("#schedule-form input[type='checkbox']"))
            .await?;
        ensure!(boxes.len() == 5, "the respondent was offered {} times", boxes.len());
        let (second, label) = offered(b, 1).await?;
        second.click().await?;
        offered(b, 4).await?.0.click().await?;
        b.click("schedule-save").await?;
        let start = label.split(" to ").next().context("a start time")?.trim().to_owned();
        b.wait_for_text("session-booked", "Your session is booked").await?;
        b.wait_for_text("session-booked", &start).await?;

        // The booked time is the one both ticked, on each clock.
        let schedule = b
            .gql(
                "client",
                "query S($c: ID!) { caseSchedule(caseId: $c) { sessions { id scheduledFor status } } }",
                json!({ "c": case_id }),
            )
            .await?;
        let sessions = schedule["caseSchedule"]["sessions"].as_array().context("sessions")?;
        ensure!(sessions.len() == 1 && sessions[0]["status"] == "booked", "{schedule}");

        // Both parties' confirmations arrive in the SMTP catcher with a
        // calendar invitation that calendar programs accept: METHOD:REQUEST,
        // a stable UID, the booked time, a generic title.
        let booked_at: chrono::DateTime<chrono::Utc> =
            sessions[0]["scheduledFor"].as_str().context("a time")?.parse()?;
        let booked_id = sessions[0]["id"].as_str().context("the session id")?.to_owned();
        let mut uids = Vec::new();
        for address in [RESPONDENT, PARTY] {
            let (method, event) = invitation(address, "Your mediation session is booked", booked_at).await?;
            ensure!(method == "REQUEST", "{method}");
            ensure!(event.get_summary() == Some("Mediation session"), "{:?}", event.get_summary());
            ensure!(event.get_sequence() == Some(0), "{:?}", event.get_sequence());
            uids.push(event.get_uid().context("a UID")?.to_owned());
        }
        ensure!(uids[0] == uids[1], "one UID for everyone: {uids:?}");

        // A reminder falls due (its job brought forward, as its time would):
        // it arrives with the same invitation.
        let owner = sea_orm::Database::connect(b.app.db.owner_url.clone()).await?;
        use sea_orm::ConnectionTrait;
        owner
            .execute(sea_orm::Statement::from_sql_and_values(
                sea_orm::DbBackend::Postgres,
                "UPDATE jobs SET run_at = now() WHERE id = (
                   SELECT id FROM jobs WHERE kind = 'email.session_reminder' AND status = 'queued'
                     AND payload->>'sessionId' = $1
                   ORDER BY (payload->>'reminderMinutes')::bigint LIMIT 1)",
                [booked_id.clone().into()],
            ))
            .await?;
        let (method, event) = invitation(RESPONDENT, "Reminder: mediation session", booked_at).await?;
        ensure!(method == "REQUEST", "{method}");
        ensure!(event.get_uid() == Some(uids[0].as_str()), "{:?}", event.get_uid());

        // The respondent moves it within the policy: a reason is needed.
        b.click_first("#session-change summary").await?;
        b.click("change-move").await?;
        b.wait_for_text("change-reason-error", "Tell us why").await?;
        b.assert_accessible("changing a session").await?;
        b.type_into("change-reason", "A family commitment that morning.").await?;
        let options = b
            .driver
            .find_all(By::Css("#change-time option"))
            .await?;
        let chosen = options.last().context("no other times offered")?;
        let new_start = chosen.attr("value").await?.context("an option without a value")?;
        chosen.click().await?;
        b.click("change-move").await?;
        b.wait_for_text("session-changed", "The session has been moved").await?;
        let moved = b
            .gql(
                "client",
                "query S($c: ID!) { caseSchedule(caseId: $c) { sessions { scheduledFor sequence } } }",
                json!({ "c": case_id }),
            )
            .await?;
        let session = &moved["caseSchedule"]["sessions"][0];
        ensure!(session["sequence"] == 1, "{moved}");
        let at: chrono::DateTime<chrono::Utc> = session["scheduledFor"].as_str().context("a time")?.parse()?;
        let wanted: chrono::DateTime<chrono::Utc> = new_start.parse()?;
        ensure!(at == wanted, "moved to {at}, asked for {wanted}");
        b.driver.delete_all_cookies().await?;

        b.driver.goto(b.admin_url(&format!("/cases/{case_id}"))).await?;
        b.sign_in(MANAGER, DEMO_PASSWORD).await?;
        b.wait_for_text("sessions-list", "booked").await?;
        b.wait_for_text("case-timeline", "A session was booked").await?;
        b.wait_for_text("case-timeline", "A session was moved").await?;
        b.assert_accessible("case page with a booked session").await?;

        // The case manager puts the session in one of the demo organization's
        // meeting rooms; it shows on the session, and stays after a reload.
        let rooms = b.gql("admin", "{ meetingRooms { id name } }", json!({})).await?;
        let room = rooms["meetingRooms"]
            .as_array()
            .and_then(|all| all.iter().find(|r| r["name"] == "Mediation Room 1"))
            .and_then(|r| r["id"].as_str())
            .context("the demo organization's first room")?
            .to_owned();
        let listed = b
            .gql(
                "admin",
                "query S($c: ID!) { caseSchedule(caseId: $c) { sessions { id } } }",
                json!({ "c": case_id }),
            )
            .await?;
        let session_id = listed["caseSchedule"]["sessions"][0]["id"]
            .as_str()
            .context("the session's id")?
            .to_owned();
        b.select(&format!("session-room-select-{session_id}"), &room).await?;
        b.click(&format!("session-room-save-{session_id}")).await?;
        b.wait_for_text("session-changed-notice", "room was saved").await?;
        b.wait_for_text(&format!("session-room-{session_id}"), "Mediation Room 1 (Main office, 2nd floor)")
            .await?;
        b.driver.refresh().await?;
        b.wait_for_text(&format!("session-room-{session_id}"), "Mediation Room 1").await?;
        b.wait_for_text("case-timeline", "A session's room was changed").await?;

        // The mediator's week shows the session, with its case and room.
        let reference = filed["reference"].as_str().context("reference")?.to_owned();
        b.driver.goto(b.admin_url("/calendar")).await?;
        b.wait_for_text("calendar-pick", "Choose a mediator").await?;
        b.select("calendar-mediator", &mediator_id).await?;
        b.wait_for_text("calendar-zone", "America/Chicago").await?;
        let mut weeks = 0;
        while !b.text_of("calendar-week").await?.contains(&reference) {
            ensure!(weeks < 3, "the session is not in the next weeks");
            b.click("calendar-next").await?;
            weeks += 1;
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
        b.wait_for_text("calendar-week", "in Mediation Room 1").await?;
        b.assert_accessible("a mediator's week").await?;

        // The room's week (the same week) shows it too, with its mediator,
        // on the case manager's own clock.
        b.select("calendar-view", "room").await?;
        b.wait_for_text("calendar-pick", "Choose a meeting room").await?;
        b.select("calendar-room", &room).await?;
        b.wait_for_text("calendar-zone", "your clock").await?;
        b.wait_for_text("calendar-week", &reference).await?;
        b.wait_for_text("calendar-week", "with Morgan Mediator").await?;
        b.assert_accessible("a meeting room's week").await?;

        // A request for an earlier time shows on the waiting list, by its
        // reference, and the case manager withdraws it there.
        b.gql(
            "admin",
            "mutation W($s: ID!) { waitForEarlierTime(sessionId: $s) { id } }",
            json!({ "s": session_id }),
        )
        .await?;
        b.driver.goto(b.admin_url("/waiting-list")).await?;
        b.wait_for_text("waiting-list-table", &reference).await?;
        b.assert_accessible("the waiting list").await?;
        b.click_first("#waiting-list-table button").await?;
        b.wait_for_text("waiting-list-withdrawn", "The request was withdrawn").await?;
        b.wait_for_text("waiting-list-empty", "No case is waiting").await?;
        b.driver.delete_all_cookies().await?;

        // The claimant is told where the session is held if they come in person.
        b.driver.goto(b.client_url(&format!("/cases/{case_id}"))).await?;
        b.sign_in(PARTY, DEMO_PASSWORD).await?;
        b.wait_for_text("session-room", "Mediation Room 1, Main office, 2nd floor").await?;
        b.driver.delete_all_cookies().await?;

        // The case manager cancels it, with the reason the staff keep.
        b.driver.goto(b.admin_url(&format!("/cases/{case_id}"))).await?;
        b.sign_in(MANAGER, DEMO_PASSWORD).await?;
        b.wait_for_text("sessions-list", "booked").await?;
        b.click_first("#sessions-list summary").await?;
        b.click("staff-change-cancel").await?;
        b.wait_for_text("sessions-list", "Write why").await?;
        b.type_into_first("#sessions-list textarea", "The parties settled before the session.")
            .await?;
        b.click("staff-change-cancel").await?;
        b.wait_for_text("session-changed-notice", "The session was cancelled").await?;
        b.wait_for_text("sessions-list", "cancelled").await?;
        b.driver.delete_all_cookies().await?;

        // The org admin reads the claimant's texts in the SMS outbox: the
        // confirmation, the move and the cancellation, by the number's last
        // digits only.
        b.driver.goto(b.admin_url("/sms-outbox")).await?;
        b.sign_in(ADMIN, DEMO_PASSWORD).await?;
        b.wait_for_text("sms-outbox-table", "0188").await?;
        let mut tries = 0;
        loop {
            let table = b.text_of("sms-outbox-table").await?;
            if table.contains("cancelled") {
                ensure!(!table.contains(CLAIMANT_MOBILE), "the whole number is shown: {table}");
                break;
            }
            ensure!(tries < 30, "the cancellation text never reached the outbox: {table}");
            tries += 1;
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            b.click("sms-outbox-refresh").await?;
        }
        b.assert_accessible("the SMS outbox").await?;
        Ok(())
    })
    .await;
}

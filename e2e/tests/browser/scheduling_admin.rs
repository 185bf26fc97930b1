//! Scheduling settings in the admin portal: an org admin sets the booking
//! rules (out-of-range values refused, saved ones come back) and the video
//! lobby's statements, and a mediator
//! makes a private calendar address that calendar programs can read without
//! signing in, then stops it. An org admin keeps the meeting rooms (a name in
//! use and a seat count out of range refused on their fields), a case
//! manager only sees them; a mediator connects a CalDAV calendar (the real
//! Radicale server) from the calendar page, a wrong password refused.

use anyhow::{Context, ensure};
use caucus_api::seed::DEMO_PASSWORD;
use thirtyfour::By;

use crate::harness::with_browser;
use serde_json::json;

#[tokio::test]
async fn an_admin_sets_booking_rules_and_a_mediator_subscribes_to_their_sessions() {
    with_browser("scheduling_admin", async |b| {
        b.driver.goto(b.admin_url("/settings")).await?;
        b.sign_in("admin@demo.caucus.test", DEMO_PASSWORD).await?;
        b.wait_for_text("scheduling-rules", "Booking sessions")
            .await?;
        b.replace_text("rules-buffer", "500").await?;
        b.replace_text("rules-length-family", "100").await?;
        b.click("rules-save").await?;
        b.wait_for_text("rules-buffer-error", "0 to 240").await?;
        b.wait_for_text("rules-length-family-error", "steps of 15")
            .await?;
        b.replace_text("rules-buffer", "30").await?;
        b.replace_text("rules-length-family", "90").await?;
        b.click("rules-reminders-60").await?;
        b.click("rules-save").await?;
        b.wait_for_text("rules-saved", "Saved").await?;
        b.assert_accessible("settings with booking rules").await?;
        b.driver.refresh().await?;
        b.wait_for_text("scheduling-rules", "Booking sessions")
            .await?;
        let value =
            |id: &'static str| async move { b.driver.find(By::Id(id)).await?.prop("value").await };
        ensure!(value("rules-buffer").await?.as_deref() == Some("30"));
        ensure!(value("rules-length-family").await?.as_deref() == Some("90"));
        let hour = b
            .driver
            .find(By::Id("rules-reminders-60"))
            .await?
            .prop("checked")
            .await?;
        ensure!(
            hour.as_deref() == Some("false"),
            "the hour-before reminder came back as {hour:?}"
        );

        // The statements everyone confirms before a video session's lobby:
        // the standard one is listed; a second is added and comes back.
        b.wait_for_text("lobby-rules", "Before a video session")
            .await?;
        ensure!(
            value("lobby-rule-0")
                .await?
                .unwrap_or_default()
                .contains("private place"),
            "the standard statement is listed"
        );
        b.click("lobby-rules-add").await?;
        b.type_into("lobby-rule-1", "I will not record the session.")
            .await?;
        b.click("lobby-rules-save").await?;
        b.wait_for_text("lobby-rules-saved", "saved").await?;
        b.assert_accessible("settings with lobby statements")
            .await?;
        b.driver.refresh().await?;
        b.wait_for_text("lobby-rules", "Before a video session")
            .await?;
        ensure!(
            value("lobby-rule-1").await?.as_deref() == Some("I will not record the session."),
            "the added statement came back"
        );
        b.driver.delete_all_cookies().await?;

        // The mediator's private calendar address works without a session.
        b.driver.goto(b.admin_url("/availability")).await?;
        b.sign_in("mediator@demo.caucus.test", DEMO_PASSWORD)
            .await?;
        b.click("feed-create").await?;
        b.wait_for_text("calendar-feed", "shown only now").await?;
        let url = b
            .driver
            .find(By::Id("feed-address"))
            .await?
            .prop("value")
            .await?
            .context("the address")?;
        ensure!(url.contains("/calendar/"), "{url}");
        let fetched = reqwest::get(&url).await?;
        ensure!(
            fetched.status() == 200,
            "the feed answered {}",
            fetched.status()
        );
        let body = fetched.text().await?;
        ensure!(body.starts_with("BEGIN:VCALENDAR"), "{body}");
        b.wait_for_text("feed-exists", "You have a calendar address")
            .await?;
        b.assert_accessible("working hours with a calendar address")
            .await?;
        b.click("feed-revoke").await?;
        b.wait_for_text("feed-create", "Make a calendar address")
            .await?;
        let gone = reqwest::get(&url).await?;
        ensure!(
            gone.status() == 404,
            "a stopped feed answered {}",
            gone.status()
        );
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn an_admin_keeps_meeting_rooms_and_a_mediator_connects_a_caldav_calendar() {
    with_browser("meeting_rooms", async |b| {
        b.driver.goto(b.admin_url("/meeting-rooms")).await?;
        b.sign_in("admin@demo.caucus.test", DEMO_PASSWORD).await?;
        b.wait_for_text("rooms-table", "Mediation Room 1").await?;
        b.wait_for_text("rooms-table", "step-free access").await?;

        // Out-of-range seats and a name already in use are refused on their
        // fields; nothing is added until both are right.
        b.type_into("room-add-name", "mediation room 2").await?;
        b.type_into("room-add-capacity", "0").await?;
        b.click("room-add-submit").await?;
        b.wait_for_text("room-add-capacity-error", "from 1 to 500")
            .await?;
        b.replace_text("room-add-capacity", "4").await?;
        b.click("room-add-submit").await?;
        b.wait_for_text("room-add-name-error", "already has this name")
            .await?;
        b.assert_accessible("meeting rooms with refused input")
            .await?;
        b.replace_text("room-add-name", "Quiet Room").await?;
        b.type_into("room-add-location", "Main office, 3rd floor")
            .await?;
        b.click("room-add-submit").await?;
        b.wait_for_text("rooms-notice", "The room was added")
            .await?;
        b.wait_for_text("rooms-table", "Quiet Room").await?;
        let rooms = b
            .gql("admin", "{ meetingRooms { id name capacity } }", json!({}))
            .await?;
        let quiet = rooms["meetingRooms"]
            .as_array()
            .and_then(|all| all.iter().find(|r| r["name"] == "Quiet Room"))
            .context("the added room")?;
        ensure!(quiet["capacity"] == 4, "{rooms}");
        let quiet = quiet["id"].as_str().context("its id")?.to_owned();

        // Renamed, then retired: it stays listed as retired after a reload.
        b.click(&format!("room-edit-{quiet}")).await?;
        b.replace_text("room-edit-name", "Quiet Room A").await?;
        b.click("room-edit-save").await?;
        b.wait_for_text("rooms-notice", "The room was saved")
            .await?;
        b.wait_for_text("rooms-table", "Quiet Room A").await?;
        b.click(&format!("room-retire-{quiet}")).await?;
        b.wait_for_text("rooms-notice", "The room was retired")
            .await?;
        b.driver.refresh().await?;
        b.wait_for_text(&format!("room-retire-{quiet}"), "Bring back")
            .await?;
        b.assert_accessible("meeting rooms").await?;
        b.driver.delete_all_cookies().await?;

        // A case manager sees the rooms in use, and cannot change them.
        b.driver.goto(b.admin_url("/meeting-rooms")).await?;
        b.sign_in("manager@demo.caucus.test", DEMO_PASSWORD).await?;
        b.wait_for_text("rooms-table", "Mediation Room 2").await?;
        ensure!(
            b.driver
                .find_all(By::Id("room-add-submit"))
                .await?
                .is_empty(),
            "a case manager was offered to add rooms"
        );
        ensure!(
            !b.text_of("rooms-table").await?.contains("Quiet Room A"),
            "a retired room is listed for booking"
        );
        b.driver.delete_all_cookies().await?;

        // A mediator connects a calendar on the real CalDAV server from the
        // calendar page: a wrong password is refused, the right one listed.
        let base = std::env::var("CAUCUS_TEST_RADICALE_URL").context("Radicale's address")?;
        let user = std::env::var("CAUCUS_TEST_RADICALE_USER").context("Radicale's user")?;
        let password =
            std::env::var("CAUCUS_TEST_RADICALE_PASSWORD").context("Radicale's password")?;
        let calendar = format!("{base}/{user}/caucus-{}/", uuid::Uuid::new_v4().simple());
        let made = reqwest::Client::new()
            .request(reqwest::Method::from_bytes(b"MKCALENDAR")?, &calendar)
            .basic_auth(&user, Some(&password))
            .send()
            .await?;
        ensure!(
            made.status().as_u16() == 201,
            "MKCALENDAR answered {}",
            made.status()
        );
        b.driver.goto(b.admin_url("/calendar")).await?;
        b.sign_in("mediator@demo.caucus.test", DEMO_PASSWORD)
            .await?;
        b.wait_for_text("calendar-sync-none", "No calendar is connected")
            .await?;
        b.click_first("#caldav-connect summary").await?;
        b.click("caldav-submit").await?;
        b.wait_for_text("caldav-url-error", "full address").await?;
        b.type_into("caldav-url", &calendar).await?;
        b.type_into("caldav-username", &user).await?;
        b.type_into("caldav-password", "not the password").await?;
        b.click("caldav-submit").await?;
        b.wait_for_text("caldav-error", "did not accept").await?;
        b.replace_text("caldav-password", &password).await?;
        b.click("caldav-submit").await?;
        b.wait_for_text("caldav-connected", "The calendar is connected")
            .await?;
        b.wait_for_text("calendar-sync-list", "CalDAV calendar")
            .await?;
        b.assert_accessible("the calendar with a connected calendar")
            .await?;
        Ok(())
    })
    .await;
}

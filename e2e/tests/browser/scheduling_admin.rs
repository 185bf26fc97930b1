//! Scheduling settings in the admin portal: an org admin sets the booking
//! rules (out-of-range values refused, saved ones come back) and the video
//! lobby's statements, and a mediator
//! makes a private calendar address that calendar programs can read without
//! signing in, then stops it.

use anyhow::{Context, ensure};
use caucus_api::seed::DEMO_PASSWORD;
use thirtyfour::By;

use crate::harness::with_browser;

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

//! Caucus rooms with real media in three Chromiums: the mediator and both
//! parties are in the main room; the mediator prepares a room per side and
//! opens them, so each party is alone in their side's caucus (no media from
//! anyone); the respondent's caucus gets a one-minute timer; the mediator hops
//! into it and only then does the respondent receive media, and only the
//! mediator's; the respondent's chat there never reaches the claimant; the
//! claimant asks for the mediator, who is alerted and goes to them; the timer
//! runs out and the respondent is brought back to the main room by itself;
//! the mediator recalls everyone and both parties receive each other again;
//! the respondent turns on audio only (no video received, sound still) and
//! off again (video back).

use std::collections::BTreeSet;
use std::time::Duration;

use anyhow::{Context, ensure};
use caucus_api::seed::DEMO_PASSWORD;
use thirtyfour::prelude::*;

use crate::harness::{Browser, keep_page, with_media_browser};
use crate::video::{
    Booked, booked_session_with_a_link, click, media_flows, pass_the_lobby, stats, wait_text,
};

const TEST: &str = "caucus";
const MEDIATOR: &str = "mediator@demo.caucus.test";

/// Who the page's call receives from: the remote identities.
async fn hears_from(d: &WebDriver) -> anyhow::Result<BTreeSet<String>> {
    let now = stats(d).await?;
    Ok(now["remoteAudioMuted"]
        .as_object()
        .map(|all| all.keys().cloned().collect())
        .unwrap_or_default())
}

/// Waits until the page's call receives from exactly `expected`.
async fn hears_only(d: &WebDriver, who: &str, expected: &[&str]) -> anyhow::Result<()> {
    let expected: BTreeSet<String> = expected.iter().map(|s| (*s).to_owned()).collect();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let now = hears_from(d).await?;
        if now == expected {
            return Ok(());
        }
        ensure!(
            tokio::time::Instant::now() < deadline,
            "{who} receives from {now:?}, not {expected:?}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Waits until the page's remote (video, audio) track counts satisfy `ok`.
async fn video_tracks(
    d: &WebDriver,
    what: &str,
    ok: impl Fn(u64, u64) -> bool,
) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let now = stats(d).await?;
        let (video, audio) = (
            now["remoteVideoTracks"].as_u64().unwrap_or(0),
            now["remoteAudioTracks"].as_u64().unwrap_or(0),
        );
        if ok(video, audio) {
            return Ok(());
        }
        ensure!(
            tokio::time::Instant::now() < deadline,
            "{what}: {video} video and {audio} audio tracks received"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// The id of the caucus row whose name is `name` on the mediator's page.
pub(crate) async fn caucus_id(d: &WebDriver, name: &str) -> anyhow::Result<String> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while tokio::time::Instant::now() < deadline {
        for row in d.find_all(By::Css("#caucus-rooms li.caucus")).await? {
            if row.text().await.unwrap_or_default().contains(name)
                && let Some(id) = row.id().await?
            {
                return Ok(id.trim_start_matches("caucus-").to_owned());
            }
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    anyhow::bail!("no caucus named {name:?}")
}

/// A party opens their link in their own browser and waits in the lobby.
pub(crate) async fn party_waits(d: &WebDriver, join: String) -> anyhow::Result<()> {
    d.goto(join).await?;
    wait_text(d, "lobby-connection", "good", 30).await?;
    pass_the_lobby(d).await?;
    wait_text(d, "lobby-waiting", "mediator has been told", 20).await
}

#[tokio::test]
async fn caucuses_keep_the_sides_apart_time_out_and_recall() {
    with_media_browser(TEST, async |b: &Browser| {
        let Booked {
            session,
            respondent,
            respondent_token,
            claimant,
            claimant_token,
            mediator,
            ..
        } = booked_session_with_a_link(b).await?;
        let respondent_page = b.another_browser().await?;
        let claimant_page = b.another_browser().await?;
        let (r, c) = (&respondent_page.driver, &claimant_page.driver);
        let outcome: anyhow::Result<()> = async {
            party_waits(r, b.client_url(&format!("/join#{respondent_token}"))).await?;
            party_waits(c, b.client_url(&format!("/join#{claimant_token}"))).await?;

            // The mediator enters and lets both in at once.
            let m = &b.driver;
            m.goto(b.admin_url(&format!("/sessions/{session}/video")))
                .await?;
            b.sign_in(MEDIATOR, DEMO_PASSWORD).await?;
            wait_text(m, "lobby-connection", "good", 30).await?;
            pass_the_lobby(m).await?;
            wait_text(m, &format!("waiting-{claimant}"), "Pat Party", 30).await?;
            wait_text(m, &format!("waiting-{respondent}"), "Remy Respondent", 30).await?;
            click(m, "admit-everyone").await?;
            wait_text(r, "room-where-name", "main room", 30).await?;
            wait_text(c, "room-where-name", "main room", 30).await?;
            hears_only(
                r,
                "the respondent in the main room",
                &[&mediator, &claimant],
            )
            .await?;

            // A room per side, opened: each party alone in their own.
            click(m, "caucus-prepare").await?;
            let theirs = caucus_id(m, "Respondent caucus").await?;
            let ours = caucus_id(m, "Claimant caucus").await?;
            click(m, &format!("caucus-{theirs}-toggle")).await?;
            wait_text(r, "room-where-name", "Respondent caucus", 30).await?;
            click(m, &format!("caucus-{ours}-toggle")).await?;
            wait_text(c, "room-where-name", "Claimant caucus", 30).await?;
            hears_only(r, "the respondent alone in their caucus", &[]).await?;
            hears_only(c, "the claimant alone in their caucus", &[]).await?;
            wait_text(m, &format!("caucus-{theirs}-people"), "Remy Respondent", 20).await?;
            keep_page(r, TEST, "1-respondent-in-caucus").await;

            // A one-minute timer on the respondent's caucus.
            let minutes = m.find(By::Id(format!("caucus-{theirs}-minutes"))).await?;
            minutes.clear().await?;
            minutes.send_keys("1").await?;
            click(m, &format!("caucus-{theirs}-timer-start")).await?;
            wait_text(r, "room-countdown", "left", 20).await?;

            // The mediator hops in: the respondent receives them, and only them.
            click(m, &format!("caucus-{theirs}-join")).await?;
            wait_text(m, "room-where-name", "Respondent caucus", 30).await?;
            hears_only(r, "the respondent with the mediator", &[&mediator]).await?;
            media_flows(r, "the respondent, from the mediator in their caucus").await?;
            ensure!(
                hears_from(c).await?.is_empty(),
                "the claimant receives someone while alone"
            );
            keep_page(m, TEST, "2-mediator-in-respondent-caucus").await;
            b.assert_accessible("the mediator's room with caucus controls")
                .await?;

            // What is said there stays there.
            let input = r.find(By::Id("chat-input")).await?;
            input.send_keys("Only for the mediator").await?;
            input.send_keys(Key::Enter).await?;
            wait_text(m, "chat-log", "Only for the mediator", 20).await?;
            tokio::time::sleep(Duration::from_secs(2)).await;
            let elsewhere = c.find(By::Id("chat-log")).await?.text().await?;
            ensure!(
                !elsewhere.contains("Only for the mediator"),
                "the claimant read the respondent's caucus chat: {elsewhere:?}"
            );

            // The claimant asks for the mediator, who goes to them.
            click(c, "call-mediator").await?;
            wait_text(c, "call-mediator-sent", "has been told", 20).await?;
            wait_text(m, "call-alert", "Pat Party is asking for you", 20).await?;
            click(m, "call-alert-go").await?;
            wait_text(m, "room-where-name", "Claimant caucus", 30).await?;
            hears_only(c, "the claimant with the mediator", &[&mediator]).await?;
            hears_only(r, "the respondent after the mediator left", &[]).await?;

            // The respondent's time runs out (one minute, then the grace):
            // they are brought back to the main room without the lobby.
            wait_text(r, "room-where-name", "main room", 150).await?;
            ensure!(
                r.find_all(By::Id("lobby-enter")).await?.is_empty(),
                "the respondent was sent through the lobby again"
            );
            keep_page(r, TEST, "3-respondent-recalled").await;

            // The mediator brings everyone back: all three meet again.
            click(m, "caucus-recall").await?;
            wait_text(c, "room-where-name", "main room", 30).await?;
            wait_text(m, "room-where-name", "main room", 30).await?;
            hears_only(
                r,
                "the respondent back in the main room",
                &[&mediator, &claimant],
            )
            .await?;
            media_flows(c, "the claimant back in the main room").await?;

            // Audio only: the respondent stops receiving video and still
            // hears; off again, the video comes back.
            click(r, "toolbar-audio-only").await?;
            video_tracks(r, "audio only", |video, audio| video == 0 && audio >= 1).await?;
            click(r, "toolbar-audio-only").await?;
            video_tracks(r, "video back", |video, _| video >= 1).await?;
            Ok(())
        }
        .await;
        if outcome.is_err() {
            respondent_page
                .keep_artifacts(TEST, "respondent-failure")
                .await;
            claimant_page.keep_artifacts(TEST, "claimant-failure").await;
        }
        respondent_page.stop().await;
        claimant_page.stop().await;
        outcome.context("the caucus session")
    })
    .await;
}

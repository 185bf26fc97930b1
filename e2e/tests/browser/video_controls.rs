//! The video session's other controls, with real media through the test
//! LiveKit server and its real webhooks: the mediator locks the session (a
//! newcomer is refused), unlocks it (the newcomer waits) and declines them;
//! someone holding a valid LiveKit token but no admission is put out by the
//! webhook door check; the admitted party turns their camera off and on, the
//! mediator turns it off for them, the party switches microphone during the
//! call and shares their screen, and the mediator sees each of these.
//! Last, LiveKit drops the party's call while their admission stands (as a
//! stale removal would): the page enters again by itself, once; a second drop
//! within half a minute ends the call with a way back in.

use std::time::Duration;

use anyhow::{Context, ensure};
use caucus_api::seed::DEMO_PASSWORD;
use caucus_api::video::livekit::Grants;
use serde_json::{Value, json};
use thirtyfour::components::SelectElement;
use thirtyfour::prelude::*;

use crate::harness::{Browser, keep_page, with_media_browser};
use crate::video::{
    Booked, booked_session_with_a_link, click, media_flows, pass_the_lobby, stats, tick_the_lobby,
    wait_text,
};

const TEST: &str = "video-controls";
const MEDIATOR: &str = "mediator@demo.caucus.test";

/// Waits up to 30 s until `d`'s call statistics satisfy `ok`.
async fn until_stats(
    d: &WebDriver,
    what: &str,
    ok: impl Fn(&Value) -> bool,
) -> anyhow::Result<Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let now = stats(d).await?;
        if ok(&now) {
            return Ok(now);
        }
        ensure!(
            tokio::time::Instant::now() < deadline,
            "never saw {what}: {now}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// `aria-pressed` of the toolbar button `#id`.
async fn pressed(d: &WebDriver, id: &str) -> anyhow::Result<String> {
    Ok(d.find(By::Id(id))
        .await?
        .attr("aria-pressed")
        .await?
        .unwrap_or_default())
}

/// Connects a second LiveKit client in the mediator's page to the room the
/// mediator is in, with a LiveKit token for `identity` that the API never
/// issued to an admitted participant, and returns why LiveKit disconnected
/// it (or "still connected" after 20 s).
/// The LiveKit room `d`'s call is connected to.
async fn call_room(d: &WebDriver) -> anyhow::Result<String> {
    let room = d
        .execute(
            "return window.__caucusCall ? window.__caucusCall.room.name : null;",
            Vec::<Value>::new(),
        )
        .await?;
    Ok(room
        .json()
        .as_str()
        .context("the page is in no call")?
        .to_owned())
}

/// The page's count of calls it entered again by itself.
async fn rejoins(d: &WebDriver) -> anyhow::Result<String> {
    Ok(d.find(By::Css(".video-room"))
        .await?
        .attr("data-rejoins")
        .await?
        .unwrap_or_default())
}

async fn intrude(b: &Browser, identity: &str) -> anyhow::Result<String> {
    let room = call_room(&b.driver).await?;
    let livekit = b.app.state.livekit.as_ref().context("video is off")?;
    let token = livekit.access_token(&room, identity, "Intruder", Grants { publish: false })?;
    let outcome = b
        .driver
        .execute_async(
            r#"const [url, token, done] = arguments;
               const lk = window.__caucusCall.lk;
               const room = new lk.Room();
               let failure = null;
               room.on(lk.RoomEvent.Disconnected, (reason) =>
                 done(lk.DisconnectReason[reason] || String(reason)));
               room.connect(url, token).catch((e) => { failure = 'refused: ' + (e && e.message); });
               setTimeout(() => { done(failure || 'still connected'); room.disconnect(); }, 20000);"#,
            vec![json!(livekit.url()), json!(token)],
        )
        .await?;
    Ok(outcome.json().as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn the_mediator_locks_declines_and_turns_off_a_camera_and_the_party_switches_devices_and_shares_a_screen()
 {
    with_media_browser(TEST, async |b| {
        let Booked {
            session,
            respondent,
            respondent_token,
            claimant,
            claimant_token,
            ..
        } = booked_session_with_a_link(b).await?;
        let m = &b.driver;

        // The mediator enters and locks the session.
        m.goto(b.admin_url(&format!("/sessions/{session}/video")))
            .await?;
        b.sign_in(MEDIATOR, DEMO_PASSWORD).await?;
        wait_text(m, "lobby-connection", "good", 30).await?;
        pass_the_lobby(m).await?;
        click(m, "room-lock").await?;
        wait_text(m, "room-lock-state", "nobody new can be let in", 20).await?;
        keep_page(m, TEST, "1-mediator-locked").await;

        let c = b.another_browser().await?;
        let a = b.another_browser().await?;
        let outcome: anyhow::Result<()> = async {
            let (claimant_page, party) = (&c.driver, &a.driver);

            // The claimant arrives while it is locked and is refused.
            claimant_page
                .goto(b.client_url(&format!("/join#{claimant_token}")))
                .await?;
            wait_text(claimant_page, "lobby-connection", "good", 30).await?;
            pass_the_lobby(claimant_page).await?;
            wait_text(claimant_page, "lobby-error", "closed to new arrivals", 20).await?;
            keep_page(claimant_page, TEST, "2-claimant-refused-while-locked").await;

            // Unlocked, the claimant's second try puts them on the waiting list.
            click(m, "room-lock").await?;
            wait_text(m, "room-lock-state", "open to new arrivals", 20).await?;
            tick_the_lobby(claimant_page).await?;
            click(claimant_page, "lobby-enter").await?;
            wait_text(claimant_page, "lobby-waiting", "mediator has been told", 20).await?;

            // The respondent waits too; the mediator declines the claimant.
            party
                .goto(b.client_url(&format!("/join#{respondent_token}")))
                .await?;
            wait_text(party, "lobby-connection", "good", 30).await?;
            pass_the_lobby(party).await?;
            wait_text(party, "lobby-waiting", "mediator has been told", 20).await?;
            wait_text(m, &format!("waiting-{claimant}"), "Pat Party", 30).await?;
            click(m, &format!("decline-{claimant}")).await?;
            wait_text(claimant_page, "lobby-declined", "did not let you in", 30).await?;
            keep_page(claimant_page, TEST, "3-claimant-declined").await;
            Ok(())
        }
        .await;
        if outcome.is_err() {
            c.keep_artifacts(TEST, "claimant-failure").await;
        }
        c.stop().await;
        if let Err(e) = outcome {
            a.keep_artifacts(TEST, "party-failure").await;
            a.stop().await;
            return Err(e);
        }

        let outcome: anyhow::Result<()> = async {
            let party = &a.driver;

            // A LiveKit token the API never gave out (here for the declined
            // claimant) gets in to LiveKit, and LiveKit's webhook has the API
            // remove it at once.
            let reason = intrude(b, &claimant).await?;
            ensure!(
                reason == "PARTICIPANT_REMOVED",
                "a participant without an admission was not removed: {reason}"
            );

            // The respondent is let in; media flows both ways.
            click(m, &format!("admit-{respondent}")).await?;
            media_flows(party, "the party").await?;
            media_flows(m, "the mediator").await?;
            ensure!(
                pressed(party, "toolbar-camera").await? == "true",
                "the camera button does not show the camera on"
            );

            // The party turns their camera off, then on again.
            click(party, "toolbar-camera").await?;
            until_stats(m, "the party's camera off", |s| {
                s["remoteCameraMuted"][&respondent] == json!(true)
            })
            .await?;
            ensure!(pressed(party, "toolbar-camera").await? == "false");
            m.query(By::Css(format!(
                "#video-grid figure[data-identity='{respondent}'][data-camera='off']"
            )))
            .wait(Duration::from_secs(20), Duration::from_millis(200))
            .first()
            .await
            .context("the mediator's tile of the party does not say the camera is off")?;
            keep_page(m, TEST, "4-mediator-party-camera-off").await;
            click(party, "toolbar-camera").await?;
            until_stats(m, "the party's camera on again", |s| {
                s["remoteCameraMuted"][&respondent] == json!(false)
            })
            .await?;
            media_flows(m, "the mediator, after the party's camera came back").await?;

            // The mediator turns the party's camera off for them.
            click(m, &format!("mute-camera-{respondent}")).await?;
            wait_text(party, "room-notice", "turned off your camera", 20).await?;
            until_stats(m, "the party's camera turned off by the mediator", |s| {
                s["remoteCameraMuted"][&respondent] == json!(true)
            })
            .await?;
            keep_page(party, TEST, "5-party-camera-turned-off").await;
            click(party, "toolbar-camera").await?;
            until_stats(m, "the party's camera on after the mediator's mute", |s| {
                s["remoteCameraMuted"][&respondent] == json!(false)
            })
            .await?;

            // The party switches to another microphone during the call; the
            // mediator still hears them.
            let mine = until_stats(party, "the party's microphone", |s| {
                s["localMicrophone"].is_string()
            })
            .await?;
            let current = mine["localMicrophone"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let mut other = None;
            for option in party.find_all(By::Css("#room-mic option")).await? {
                let value = option.value().await?.unwrap_or_default();
                if !value.is_empty()
                    && value != current
                    && value != "default"
                    && value != "communications"
                {
                    other = Some(value);
                    break;
                }
            }
            let other = other.context("the party is offered no other microphone")?;
            let select = party.find(By::Id("room-mic")).await?;
            SelectElement::new(&select)
                .await?
                .select_by_value(&other)
                .await?;
            until_stats(party, "the other microphone in use", |s| {
                s["localMicrophone"] == json!(other)
            })
            .await?;
            let before = stats(m).await?;
            tokio::time::sleep(Duration::from_secs(2)).await;
            let after = stats(m).await?;
            ensure!(
                after["inboundAudioBytes"].as_u64() > before["inboundAudioBytes"].as_u64()
                    && after["remoteAudioMuted"][&respondent] == json!(false),
                "the mediator stopped hearing the party after the switch: {before} then {after}"
            );

            // The party shares their screen; the mediator sees it as a tile of
            // its own, then it goes when the party stops.
            click(party, "toolbar-screen").await?;
            until_stats(party, "our screen shared", |s| {
                s["localScreen"] == json!(true)
            })
            .await?;
            until_stats(m, "the party's screen", |s| {
                s["remoteScreenTracks"].as_u64() == Some(1)
            })
            .await?;
            m.query(By::Css(format!(
                "#video-grid figure[data-identity='{respondent}'][data-source='screen']"
            )))
            .wait(Duration::from_secs(20), Duration::from_millis(200))
            .first()
            .await
            .context("the mediator shows no tile of the party's screen")?;
            ensure!(pressed(party, "toolbar-screen").await? == "true");
            keep_page(m, TEST, "6-mediator-sees-the-screen").await;
            click(party, "toolbar-screen").await?;
            until_stats(m, "the party's screen gone", |s| {
                s["remoteScreenTracks"].as_u64() == Some(0)
            })
            .await?;

            // LiveKit drops the party's call while the API still has them
            // admitted in this room: the page enters again by itself, up to
            // three times a minute; a fourth drop within the minute is not
            // fought: the call ends, and says how to come back.
            let livekit = b.app.state.livekit.as_ref().context("video is off")?;
            ensure!(rejoins(party).await? == "0");
            let room = call_room(party).await?;
            for again in ["1", "2", "3"] {
                livekit.remove(&room, &respondent).await?;
                let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
                while rejoins(party).await? != again {
                    ensure!(
                        tokio::time::Instant::now() < deadline,
                        "the party's page did not enter again after drop {again}"
                    );
                    tokio::time::sleep(Duration::from_millis(300)).await;
                }
                // In the room again, both ways, before the next drop.
                media_flows(party, "the party, back after the drop").await?;
                media_flows(m, "the mediator, with the party back").await?;
                ensure!(call_room(party).await? == room);
            }
            livekit.remove(&room, &respondent).await?;
            wait_text(
                party,
                "video-outcome",
                "connection to the session was lost",
                30,
            )
            .await?;
            party
                .find(By::Id("video-rejoin"))
                .await
                .context("no way back in after the call was lost")?;
            keep_page(party, TEST, "7-party-call-lost").await;
            Ok(())
        }
        .await;
        if outcome.is_err() {
            a.keep_artifacts(TEST, "party-failure").await;
        }
        a.stop().await;
        outcome
    })
    .await;
}

//! A video session with real media (Chromium's fake camera and microphone
//! through the test LiveKit server): the case manager books a session and,
//! on the case page, makes the respondent a join link; the respondent opens
//! it in one browser, checks their devices, confirms the lobby's statements
//! and waits; the
//! mediator, signed in in another, enters, admits them, and both receive each
//! other's video and chat; the mediator sends the party back to the waiting
//! room and lets them in again, then mutes their microphone; the same link in
//! a third browser profile is refused as opened elsewhere; the mediator
//! removes the party, whose page says so, and the link no longer works; the
//! mediator locks the session and ends it.

use std::time::Duration;

use anyhow::{Context, bail, ensure};
use caucus_api::seed::DEMO_PASSWORD;
use serde_json::{Value, json};
use thirtyfour::prelude::*;

use crate::cases::file_from_the_page;
use crate::harness::{Browser, emailed_token, keep_page, with_media_browser};

const TEST: &str = "video";
const PARTY: &str = "party@demo.caucus.test";
const MANAGER: &str = "manager@demo.caucus.test";
const MEDIATOR: &str = "mediator@demo.caucus.test";
const RESPONDENT: &str = "remy.respondent@example.org";

/// Waits up to `secs` for `#id` to be shown with text containing `expected`.
pub(crate) async fn wait_text(
    d: &WebDriver,
    id: &str,
    expected: &str,
    secs: u64,
) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    let mut last = String::new();
    while tokio::time::Instant::now() < deadline {
        if let Ok(element) = d.find(By::Id(id)).await
            && element.is_displayed().await.unwrap_or(false)
        {
            last = element.text().await.unwrap_or_default();
            if last.contains(expected) {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    bail!("#{id} never contained {expected:?}; last text {last:?}")
}

/// Clicks `#id` once it is shown and enabled.
pub(crate) async fn click(d: &WebDriver, id: &str) -> anyhow::Result<()> {
    let element = d
        .query(By::Id(id))
        .wait(Duration::from_secs(30), Duration::from_millis(200))
        .and_displayed()
        .and_enabled()
        .first()
        .await
        .with_context(|| format!("#{id} did not appear"))?;
    element.scroll_into_view().await?;
    element.click().await?;
    Ok(())
}

/// Ticks every lobby statement and the confidentiality agreement, then enters.
pub(crate) async fn pass_the_lobby(d: &WebDriver) -> anyhow::Result<()> {
    d.query(By::Id("lobby-enter"))
        .wait(Duration::from_secs(30), Duration::from_millis(200))
        .and_displayed()
        .first()
        .await
        .context("the lobby did not appear")?;
    let statements = d.find_all(By::Css("input[id^='lobby-statement-']")).await?;
    ensure!(!statements.is_empty(), "the lobby shows no statements");
    for statement in statements {
        statement.click().await?;
    }
    click(d, "lobby-confidentiality").await?;
    click(d, "lobby-enter").await
}

/// Ticks what the lobby asks again when it comes back (a reload clears it),
/// leaving anything already ticked.
pub(crate) async fn tick_the_lobby(d: &WebDriver) -> anyhow::Result<()> {
    d.query(By::Id("lobby-enter"))
        .wait(Duration::from_secs(30), Duration::from_millis(100))
        .and_displayed()
        .first()
        .await
        .context("the lobby did not come back")?;
    for statement in d.find_all(By::Css("input[id^='lobby-statement-']")).await? {
        if !statement.is_selected().await? {
            statement.click().await?;
        }
    }
    for agreement in d.find_all(By::Id("lobby-confidentiality")).await? {
        if !agreement.is_selected().await? {
            agreement.click().await?;
        }
    }
    Ok(())
}

/// `await window.__caucusCall.stats()` on the page, once a call is up.
pub(crate) async fn stats(d: &WebDriver) -> anyhow::Result<Value> {
    let result = d
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               if (!window.__caucusCall) { done(null); return; }
               window.__caucusCall.stats().then(s => done(JSON.stringify(s)), e => done(null));"#,
            Vec::<Value>::new(),
        )
        .await?;
    match result.json().as_str() {
        Some(text) => Ok(serde_json::from_str(text)?),
        None => Ok(Value::Null),
    }
}

pub(crate) fn number(stats: &Value, key: &str) -> u64 {
    stats[key].as_u64().unwrap_or(0)
}

/// Waits until the page receives remote video, then checks that bytes and
/// decoded frames grow over three seconds. The videos are brought into view
/// first, as the person would look at them: LiveKit's adaptive stream pauses
/// video nobody can see (a page scrolled down to its side panel).
pub(crate) async fn media_flows(d: &WebDriver, who: &str) -> anyhow::Result<()> {
    d.execute(
        "document.querySelector('.video-grid')?.scrollIntoView({ block: 'center' });",
        Vec::<Value>::new(),
    )
    .await?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(40);
    let mut first = Value::Null;
    while tokio::time::Instant::now() < deadline {
        first = stats(d).await?;
        if number(&first, "remoteVideoTracks") >= 1 && number(&first, "framesDecoded") > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    ensure!(
        number(&first, "framesDecoded") > 0,
        "{who} never decoded remote video: {first}"
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    let second = stats(d).await?;
    for key in ["inboundVideoBytes", "framesDecoded"] {
        ensure!(
            number(&second, key) > number(&first, key),
            "{who}: {key} did not grow: {first} then {second}"
        );
    }
    Ok(())
}

/// The participant id of `name` in a `sessionAttendees { participantId name }`
/// answer.
pub(crate) fn attendee_named(attendees: &Value, name: &str) -> anyhow::Result<String> {
    attendees["sessionAttendees"]
        .as_array()
        .and_then(|all| all.iter().find(|a| a["name"] == name))
        .and_then(|a| a["participantId"].as_str())
        .map(str::to_owned)
        .with_context(|| format!("{name} among {attendees}"))
}

/// A booked session and who takes part in it.
pub(crate) struct Booked {
    // Read by the video-times bench (which adds people to the case).
    #[allow(dead_code)]
    pub case_id: String,
    pub session: String,
    /// The respondent's participant id and join link token (made on the case page).
    pub respondent: String,
    pub respondent_token: String,
    /// The claimant's participant id and join link token (from their email).
    pub claimant: String,
    pub claimant_token: String,
    pub mediator: String,
}

/// The token of a join link `url`.
pub(crate) fn link_token(url: &str) -> anyhow::Result<String> {
    Ok(url
        .split_once("/join#")
        .with_context(|| format!("{url} is no join link"))?
        .1
        .to_owned())
}

/// Books a session of a fresh case with the demo mediator; the case manager
/// makes the respondent's join link on the case page. Signed out at the end.
pub(crate) async fn booked_session_with_a_link(b: &Browser) -> anyhow::Result<Booked> {
    // The mediator keeps a working week.
    b.driver.goto(b.admin_url("/")).await?;
    b.sign_in(MEDIATOR, DEMO_PASSWORD).await?;
    b.wait_for_text("signed-in-as", "Morgan Mediator").await?;
    let day = json!([{ "start": "09:00", "end": "17:00" }]);
    b.gql(
        "admin",
        "mutation W($i: WorkingWeekInput!) { setWorkingWeek(input: $i) { timeZone } }",
        json!({ "i": { "timeZone": "America/Chicago", "days": [day, day, day, day, day, [], []] } }),
    )
    .await?;
    let me = b.gql("admin", "{ me { user { id } } }", json!({})).await?;
    let mediator_id = me["me"]["user"]["id"]
        .as_str()
        .context("mediator id")?
        .to_owned();
    b.driver.delete_all_cookies().await?;

    // The claimant files.
    b.driver.goto(b.client_url("/")).await?;
    b.sign_in(PARTY, DEMO_PASSWORD).await?;
    b.wait_for_text("page-title", "Pat Party").await?;
    let filed = file_from_the_page(b, "Remy Respondent", RESPONDENT).await?;
    let case_id = filed["id"].as_str().context("case id")?.to_owned();
    b.driver.delete_all_cookies().await?;

    // The case manager takes it to triage with the mediator, books the first
    // time offered, and issues the respondent a join link.
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
    let schedule = b
        .gql(
            "admin",
            "query S($c: ID!) { caseSchedule(caseId: $c, limit: 3) { slots { startsAt } } }",
            json!({ "c": case_id }),
        )
        .await?;
    let first = schedule["caseSchedule"]["slots"][0]["startsAt"]
        .as_str()
        .context("no time offered")?
        .to_owned();
    let booked = b
        .gql(
            "admin",
            "mutation B($c: ID!, $at: DateTime!) { bookSession(caseId: $c, startsAt: $at) { id } }",
            json!({ "c": case_id, "at": first }),
        )
        .await?;
    let session = booked["bookSession"]["id"]
        .as_str()
        .context("session id")?
        .to_owned();
    let attendees = b
        .gql(
            "admin",
            "query A($s: ID!) { sessionAttendees(sessionId: $s) { participantId name role } }",
            json!({ "s": session }),
        )
        .await?;
    let respondent = attendee_named(&attendees, "Remy Respondent")?;
    let claimant = attendee_named(&attendees, "Pat Party")?;
    let mediator = attendees["sessionAttendees"]
        .as_array()
        .and_then(|all| all.iter().find(|a| a["role"] == "MEDIATOR"))
        .and_then(|a| a["participantId"].as_str())
        .map(str::to_owned)
        .with_context(|| format!("the mediator among {attendees}"))?;
    // Booking emails each party their link. The claimant keeps theirs; the
    // respondent's is replaced below (waited for first, so that the email
    // cannot replace the link made on the page).
    let emailed = b.client_url("/join#");
    let claimant_token = emailed_token(PARTY, &emailed).await?;
    emailed_token(RESPONDENT, &emailed).await?;
    // The case page's Sessions card: a "Join video" link, a "Call quality"
    // link and the attendees, where the manager makes the respondent's link (shown once).
    b.driver
        .goto(b.admin_url(&format!("/cases/{case_id}")))
        .await?;
    b.wait_for_text(&format!("join-video-{session}"), "Join video")
        .await?;
    b.wait_for_text(&format!("call-quality-{session}"), "Call quality")
        .await?;
    b.wait_for_text(&format!("attendees-{session}"), "Remy Respondent")
        .await?;
    b.click(&format!("new-link-{respondent}")).await?;
    b.text_of("join-link-copy").await?;
    let url = b
        .driver
        .find(By::Id("join-link-url"))
        .await?
        .prop("value")
        .await?
        .context("the join link")?;
    keep_page(&b.driver, TEST, "0-manager-join-link").await;
    let token = link_token(&url)?;
    b.driver.delete_all_cookies().await?;
    Ok(Booked {
        case_id,
        session,
        respondent,
        respondent_token: token,
        claimant,
        claimant_token,
        mediator,
    })
}

#[tokio::test]
async fn a_party_is_admitted_by_the_mediator_sees_and_hears_them_and_is_removed() {
    with_media_browser(TEST, async |b| {
        let Booked {
            session,
            respondent: party,
            respondent_token: token,
            ..
        } = booked_session_with_a_link(b).await?;
        let join = b.client_url(&format!("/join#{token}"));

        // The respondent, on their own device, opens the link.
        let a = b.another_browser().await?;
        let outcome: anyhow::Result<()> = async {
            a.driver.goto(join.clone()).await?;
            wait_text(&a.driver, "lobby-devices-title", "camera", 30).await?;
            let address = a.driver.current_url().await?.to_string();
            ensure!(
                !address.contains('#'),
                "the token stayed in the address: {address}"
            );
            let kept: Value = a
                .driver
                .execute(
                    "return sessionStorage.getItem('caucus-join-link');",
                    Vec::<Value>::new(),
                )
                .await?
                .json()
                .clone();
            ensure!(kept == json!(token), "sessionStorage kept {kept}");
            wait_text(&a.driver, "lobby-connection", "good", 20).await?;
            a.driver
                .query(By::Css("#lobby-camera option"))
                .wait(Duration::from_secs(20), Duration::from_millis(200))
                .first()
                .await
                .context("no camera offered")?;
            keep_page(&a.driver, TEST, "1-party-device-check").await;
            pass_the_lobby(&a.driver).await?;
            wait_text(&a.driver, "lobby-waiting", "mediator has been told", 20).await?;
            keep_page(&a.driver, TEST, "2-party-waiting").await;

            // The mediator, signed in, enters and sees them waiting.
            b.driver
                .goto(b.admin_url(&format!("/sessions/{session}/video")))
                .await?;
            b.sign_in(MEDIATOR, DEMO_PASSWORD).await?;
            wait_text(&b.driver, "lobby-connection", "good", 30).await?;
            b.assert_accessible("the video lobby").await?;
            pass_the_lobby(&b.driver).await?;
            wait_text(
                &b.driver,
                &format!("waiting-{party}"),
                "Remy Respondent",
                30,
            )
            .await?;
            keep_page(&b.driver, TEST, "3-mediator-waiting-list").await;
            click(&b.driver, &format!("admit-{party}")).await?;

            // Both are in the room and receive each other's video.
            wait_text(&a.driver, "room-people-title", "In the session", 30).await?;
            media_flows(&a.driver, "the party").await?;
            media_flows(&b.driver, "the mediator").await?;
            let tiles = b
                .driver
                .find_all(By::Css("#video-grid figure.video-tile"))
                .await?;
            ensure!(tiles.len() >= 2, "the mediator sees {} tiles", tiles.len());
            keep_page(&a.driver, TEST, "4-party-room").await;
            keep_page(&b.driver, TEST, "5-mediator-room").await;
            b.assert_accessible("the video room with moderator controls")
                .await?;

            // They chat: Enter sends.
            let input = a.driver.find(By::Id("chat-input")).await?;
            input.send_keys("Hello from the respondent").await?;
            input.send_keys(Key::Enter).await?;
            wait_text(&b.driver, "chat-log", "Hello from the respondent", 20).await?;

            // Sent back to the waiting room, then let in again.
            click(&b.driver, &format!("send-lobby-{party}")).await?;
            wait_text(&a.driver, "video-sent-back", "back to the waiting room", 30).await?;
            wait_text(&a.driver, "lobby-waiting", "mediator has been told", 20).await?;
            click(&b.driver, &format!("admit-{party}")).await?;
            wait_text(&a.driver, "room-people-title", "In the session", 30).await?;
            media_flows(&b.driver, "the mediator, after letting the party in again").await?;

            // The mediator mutes the party's microphone.
            click(&b.driver, &format!("mute-mic-{party}")).await?;
            let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
            loop {
                let now = stats(&b.driver).await?;
                if now["remoteAudioMuted"][&party] == json!(true) {
                    break;
                }
                ensure!(
                    tokio::time::Instant::now() < deadline,
                    "the party's microphone never showed muted: {now}"
                );
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            wait_text(&a.driver, "room-notice", "muted your microphone", 20).await?;

            // The same link on a third device is refused.
            let c = b.another_browser().await?;
            let third: anyhow::Result<()> = async {
                c.driver.goto(join.clone()).await?;
                wait_text(
                    &c.driver,
                    "join-error",
                    "already opened on another device",
                    30,
                )
                .await?;
                keep_page(&c.driver, TEST, "6-third-device-refused").await;
                Ok(())
            }
            .await;
            if third.is_err() {
                c.keep_artifacts(TEST, "third-failure").await;
            }
            c.stop().await;
            third?;

            // The mediator removes the party (after confirming).
            click(&b.driver, &format!("remove-{party}")).await?;
            click(&b.driver, &format!("confirm-remove-{party}")).await?;
            wait_text(&a.driver, "video-outcome", "removed you", 30).await?;
            keep_page(&a.driver, TEST, "7-party-removed").await;

            // A reload in the party's tab finds the link dead.
            a.driver.refresh().await?;
            wait_text(&a.driver, "join-error", "expired or was withdrawn", 30).await?;
            keep_page(&a.driver, TEST, "8-party-link-dead").await;

            // The mediator locks the session, then ends it for everyone.
            click(&b.driver, "room-lock").await?;
            wait_text(&b.driver, "room-lock-state", "locked", 20).await?;
            click(&b.driver, "room-end").await?;
            click(&b.driver, "confirm-end").await?;
            wait_text(&b.driver, "video-outcome", "has ended", 30).await?;
            keep_page(&b.driver, TEST, "9-mediator-ended").await;
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

/// An admitted party whose page goes (a reload, a closed tab) or who leaves
/// comes back from the lobby without being let in again, and media flows
/// both ways each time.
#[tokio::test]
async fn an_admitted_party_comes_back_after_a_reload_or_leaving_without_a_new_admission() {
    with_media_browser("video-rejoin", async |b| {
        let Booked {
            session,
            respondent: party,
            respondent_token: token,
            ..
        } = booked_session_with_a_link(b).await?;
        let a = b.another_browser().await?;
        let outcome: anyhow::Result<()> = async {
            let (p, m) = (&a.driver, &b.driver);
            p.goto(b.client_url(&format!("/join#{token}"))).await?;
            wait_text(p, "lobby-connection", "good", 30).await?;
            pass_the_lobby(p).await?;
            m.goto(b.admin_url(&format!("/sessions/{session}/video")))
                .await?;
            b.sign_in(MEDIATOR, DEMO_PASSWORD).await?;
            wait_text(m, "lobby-connection", "good", 30).await?;
            pass_the_lobby(m).await?;
            click(m, &format!("admit-{party}")).await?;
            media_flows(p, "the party").await?;

            // The page opened again: the lobby, Enter, straight in.
            p.refresh().await?;
            tick_the_lobby(p).await?;
            wait_text(p, "lobby-connection", "good", 30).await?;
            click(p, "lobby-enter").await?;
            media_flows(p, "the party, after a reload").await?;
            media_flows(m, "the mediator, after the party's reload").await?;
            keep_page(p, "video-rejoin", "1-party-after-reload").await;

            // Leave, then "Join again".
            click(p, "toolbar-leave").await?;
            wait_text(p, "video-outcome", "You left", 30).await?;
            click(p, "video-rejoin").await?;
            tick_the_lobby(p).await?;
            click(p, "lobby-enter").await?;
            media_flows(p, "the party, after joining again").await?;
            media_flows(m, "the mediator, after the party joined again").await?;
            Ok(())
        }
        .await;
        if outcome.is_err() {
            a.keep_artifacts("video-rejoin", "party-failure").await;
        }
        a.stop().await;
        outcome
    })
    .await;
}

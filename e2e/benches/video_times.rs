//! Join, move and recall times with real browsers through the real LiveKit
//! server, on loopback: what a person waits for after a click (issue 6's join
//! time, issue 7's move and recall-all times). Run with `bench/run.sh
//! video-times`; see bench/video.md. Prints figures, asserts nothing.
//!
//! - **join**: the party presses "Enter" in the lobby after being admitted
//!   (the page opened again, as after a dropped connection or a closed tab)
//!   → the first remote video frame decoded.
//! - **move**: the mediator chooses another room for the respondent in "Who
//!   is where" → the respondent's first remote video frame decoded in the
//!   new room (between the main room, with the mediator, and a caucus, with
//!   the claimant).
//! - **recall**: the mediator presses "Bring everyone back" with each side
//!   in its own caucus → the last of the parties' first frames in the main
//!   room. The session has ten participants: the mediator and two parties
//!   in browsers, and `VIDEO_TIMES_EXTRAS` (default 7) more parties and
//!   counsel simulated through the API and LiveKit's Go SDK (followers.rs).
//!
//! Times are wall-clock `Date.now()` of the two pages (one machine, one
//! clock), polled every 10 ms, so each figure may be up to ~15 ms late.

// The browser tests' harness, shared with them: test code, which may panic.
#![allow(clippy::expect_used, clippy::panic)]

mod followers;

#[allow(dead_code, unused_imports)]
#[path = "../tests/browser/cases.rs"]
mod cases;
#[allow(dead_code, unused_imports)]
#[path = "../tests/browser/caucus.rs"]
mod caucus;
#[allow(dead_code, unused_imports)]
#[path = "../tests/browser/harness.rs"]
mod harness;
#[allow(dead_code, unused_imports)]
#[path = "../tests/browser/video.rs"]
mod video;

use std::time::Duration;

use anyhow::Context;
use caucus_api::seed::DEMO_PASSWORD;
use serde_json::{Value, json};
use thirtyfour::prelude::*;

use crate::caucus::{caucus_id, party_waits};
use crate::followers::{Api, Extra, Followers};
use crate::harness::{Browser, with_media_browser};
use crate::video::{
    Booked, attendee_named, booked_session_with_a_link, click, link_token, media_flows,
    tick_the_lobby, wait_text,
};

const MEDIATOR: &str = "mediator@demo.caucus.test";
const MANAGER: &str = "manager@demo.caucus.test";

/// Resolves with `Date.now()` once the page has a call other than the one it
/// had when this started and that call has decoded a remote video frame;
/// `null` after 30 s.
const FIRST_FRAME: &str = r#"
const done = arguments[arguments.length - 1];
const old = window.__caucusCall;
const start = Date.now();
(async function poll() {
  const call = window.__caucusCall;
  if (call && call !== old) {
    try {
      const s = await call.stats();
      if (s.framesDecoded > 0) { done(Date.now()); return; }
    } catch (e) {}
  }
  if (Date.now() - start > 30000) { done(null); return; }
  setTimeout(poll, 10);
})();
"#;

/// Clicks `#arguments[0]` and resolves with the milliseconds from the click
/// to the first remote video frame decoded in a new call; `null` after 30 s.
/// For a command in the watching page itself: the browser driver runs one
/// command of a page at a time, so a click sent while [`FIRST_FRAME`] waits
/// in the same page would wait for it.
const CLICK_THEN_FIRST_FRAME: &str = r#"
const done = arguments[arguments.length - 1];
const old = window.__caucusCall;
const start = Date.now();
document.getElementById(arguments[0]).click();
(async function poll() {
  const call = window.__caucusCall;
  if (call && call !== old) {
    try {
      const s = await call.stats();
      if (s.framesDecoded > 0) { done(Date.now() - start); return; }
    } catch (e) {}
  }
  if (Date.now() - start > 30000) { done(null); return; }
  setTimeout(poll, 10);
})();
"#;

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

fn runs() -> usize {
    setting("VIDEO_TIMES_RUNS", 10)
}

/// The case manager adds `n` more people to the case (counsel for the
/// claimant and more respondents, alternately) and issues each a join link:
/// (participant id, join link token). Signed out at the end.
async fn more_people(
    b: &Browser,
    case_id: &str,
    session: &str,
    n: usize,
) -> anyhow::Result<Vec<(String, String)>> {
    b.driver.goto(b.admin_url("/")).await?;
    b.sign_in(MANAGER, DEMO_PASSWORD).await?;
    b.wait_for_text("signed-in-as", "Casey Manager").await?;
    let detail = b
        .gql(
            "admin",
            "query C($c: ID!) { case(id: $c) { parties { id side partyType } } }",
            json!({ "c": case_id }),
        )
        .await?;
    let claimant = detail["case"]["parties"]
        .as_array()
        .and_then(|all| all.iter().find(|p| p["side"] == "CLAIMANT"))
        .and_then(|p| p["id"].as_str())
        .context("the claimant's party")?
        .to_owned();
    let mut names = Vec::new();
    for i in 0..n {
        let name = format!("Extra Person {}", i + 1);
        let input = if i % 2 == 0 {
            json!({ "caseId": case_id, "kind": "REPRESENTATIVE", "name": name, "represents": claimant })
        } else {
            json!({ "caseId": case_id, "kind": "RESPONDENT", "name": name })
        };
        b.gql(
            "admin",
            "mutation A($i: AddPartyInput!) { addParty(input: $i) }",
            json!({ "i": input }),
        )
        .await?;
        names.push(name);
    }
    let attendees = b
        .gql(
            "admin",
            "query A($s: ID!) { sessionAttendees(sessionId: $s) { participantId name } }",
            json!({ "s": session }),
        )
        .await?;
    let mut out = Vec::new();
    for name in names {
        let id = attendee_named(&attendees, &name)?;
        let link = b
            .gql(
                "admin",
                "mutation I($p: ID!) { issueJoinLink(participantId: $p) { url } }",
                json!({ "p": id }),
            )
            .await?;
        let url = link["issueJoinLink"]["url"].as_str().context("join link")?;
        out.push((id, link_token(url)?));
    }
    b.driver.delete_all_cookies().await?;
    Ok(out)
}

/// `Date.now()` in the page just before it does `action` (a script body).
async fn stamp(d: &WebDriver, action: &str, args: Vec<Value>) -> anyhow::Result<f64> {
    let script = format!("const t = Date.now(); {action}; return t;");
    d.execute(&script, args)
        .await?
        .json()
        .as_f64()
        .context("no time from the page")
}

/// Runs `command` (in some page) while `watchers` wait for their first frame
/// in a new call; the milliseconds from the command to each first frame.
async fn timed(
    watchers: &[&WebDriver],
    command: impl AsyncFnOnce() -> anyhow::Result<f64>,
) -> anyhow::Result<Vec<f64>> {
    Ok(timed_with_stamp(watchers, command).await?.0)
}

/// [`timed`], and the command's `Date.now()`.
async fn timed_with_stamp(
    watchers: &[&WebDriver],
    command: impl AsyncFnOnce() -> anyhow::Result<f64>,
) -> anyhow::Result<(Vec<f64>, f64)> {
    let watching = futures_join_all(watchers);
    let commanding = async {
        // The watchers note the call they have before the command goes.
        tokio::time::sleep(Duration::from_millis(300)).await;
        command().await
    };
    let (frames, sent) = tokio::join!(watching, commanding);
    let sent = sent?;
    let frames = frames?
        .into_iter()
        .map(|frame| {
            frame
                .map(|at| at - sent)
                .context("no remote frame within 30 s")
        })
        .collect::<anyhow::Result<_>>()?;
    Ok((frames, sent))
}

async fn futures_join_all(watchers: &[&WebDriver]) -> anyhow::Result<Vec<Option<f64>>> {
    let mut handles = Vec::new();
    for d in watchers {
        let d = (*d).clone();
        handles.push(tokio::spawn(async move {
            d.execute_async(FIRST_FRAME, Vec::new())
                .await
                .map(|r| r.json().as_f64())
        }));
    }
    let mut out = Vec::new();
    for handle in handles {
        out.push(handle.await??);
    }
    Ok(out)
}

/// Why the pages' calls dropped, as their console said it ("call dropped
/// (REASON) while …", room.rs), with how often and where: `REASON, admitted
/// here` or `REASON, while a move entered it`.
async fn drop_reasons(pages: &[&WebDriver]) -> std::collections::BTreeMap<String, usize> {
    let mut reasons = std::collections::BTreeMap::new();
    for page in pages {
        let lines = crate::harness::console_text(page).await.unwrap_or_default();
        for line in lines.lines() {
            let Some(rest) = line.split("call dropped (").nth(1) else {
                continue;
            };
            let Some((reason, after)) = rest.split_once(") ") else {
                continue;
            };
            let when = if after.starts_with("while a move") {
                "while a move entered it"
            } else {
                "admitted here"
            };
            *reasons.entry(format!("{reason}, {when}")).or_insert(0) += 1;
        }
    }
    reasons
}

/// Chooses `room` (empty: the main room) for `who` in the mediator's "Who is
/// where".
async fn choose_room(m: &WebDriver, who: &str, room: &str) -> anyhow::Result<f64> {
    stamp(
        m,
        "const s = document.getElementById(arguments[0]); s.value = arguments[1]; \
         s.dispatchEvent(new Event('change', { bubbles: true }))",
        vec![json!(format!("place-{who}")), json!(room)],
    )
    .await
}

/// How many times the page's call dropped while the server still had the
/// person in that room, and the page entered again by itself.
async fn rejoins(d: &WebDriver) -> anyhow::Result<u64> {
    d.execute(
        "const room = document.querySelector('.video-room'); \
         return room ? Number(room.dataset.rejoins) : 0;",
        Vec::new(),
    )
    .await?
    .json()
    .as_u64()
    .context("no rejoin count on the page")
}

fn summary(name: &str, mut millis: Vec<f64>, target: f64) {
    millis.sort_by(f64::total_cmp);
    let rank = |p: f64| {
        let n = millis.len();
        let i = ((p / 100.0) * n as f64).ceil() as usize;
        millis[i.clamp(1, n) - 1]
    };
    let (p50, p95, max) = (rank(50.0), rank(95.0), millis[millis.len() - 1]);
    let verdict = if p95 <= target { "PASS" } else { "MISS" };
    println!(
        "{name:<8} n={:<3} p50 {p50:>6.0} ms   p95 {p95:>6.0} ms   max {max:>6.0} ms   target p95 ≤ {target:.0} ms: {verdict}",
        millis.len()
    );
    // Every sample, so that several runs can be pooled (with ten samples
    // the p95 is the slowest one).
    let all: Vec<String> = millis.iter().map(|m| format!("{m:.0}")).collect();
    println!("         all: {} ms", all.join(" "));
}

async fn measure(b: &Browser) -> anyhow::Result<()> {
    let runs = runs();
    let Booked {
        case_id,
        session,
        respondent,
        respondent_token,
        claimant,
        claimant_token,
        ..
    } = booked_session_with_a_link(b).await?;
    let links = more_people(b, &case_id, &session, setting("VIDEO_TIMES_EXTRAS", 7)).await?;
    let followers = Followers::start()?;
    let api = Api::new(b.app.addr);
    let respondent_page = b.another_browser().await?;
    let claimant_page = b.another_browser().await?;
    let (r, c, m) = (&respondent_page.driver, &claimant_page.driver, &b.driver);
    for d in [r, c, m] {
        d.set_script_timeout(Duration::from_secs(60)).await?;
    }
    let outcome: anyhow::Result<()> = async {
        party_waits(r, b.client_url(&format!("/join#{respondent_token}"))).await?;
        party_waits(c, b.client_url(&format!("/join#{claimant_token}"))).await?;
        let mut extras = Vec::new();
        for (i, (id, link)) in links.into_iter().enumerate() {
            let seed = u8::try_from(i + 1)?;
            extras.push(Extra::arrive(&api, id, format!("extra-{}", i + 1), &link, seed).await?);
        }
        m.goto(b.admin_url(&format!("/sessions/{session}/video")))
            .await?;
        b.sign_in(MEDIATOR, DEMO_PASSWORD).await?;
        wait_text(m, "lobby-connection", "good", 30).await?;
        crate::video::pass_the_lobby(m).await?;
        wait_text(m, &format!("waiting-{claimant}"), "Pat Party", 30).await?;
        wait_text(m, &format!("waiting-{respondent}"), "Remy", 30).await?;
        click(m, "admit-everyone").await?;
        media_flows(r, "the respondent").await?;
        for extra in &extras {
            extra.follow(&api, followers.clone()).await?;
        }
        for extra in &extras {
            followers.settled(&extra.name, Duration::from_secs(30)).await?;
        }

        // Moves of the respondent between the main room (the mediator) and
        // the claimant's caucus (the claimant).
        click(m, "caucus-prepare").await?;
        let ours = caucus_id(m, "Claimant caucus").await?;
        let theirs = caucus_id(m, "Respondent caucus").await?;
        click(m, &format!("caucus-{ours}-toggle")).await?;
        wait_text(c, "room-where-name", "Claimant caucus", 30).await?;
        media_flows(r, "the respondent, with the mediator").await?;
        let mut moves = Vec::new();
        for run in 0..runs * 2 {
            let to = if run % 2 == 0 {
                ours.clone()
            } else {
                String::new()
            };
            let (m2, who) = (m.clone(), respondent.clone());
            moves.extend(timed(&[r], async move || choose_room(&m2, &who, &to).await).await?);
        }

        // Recall everyone: each side in its own caucus, then back.
        click(m, &format!("caucus-{theirs}-toggle")).await?;
        let mut recalls = Vec::new();
        let mut recalls_browsers = Vec::new();
        for _ in 0..runs {
            click(m, &format!("caucus-{theirs}-respondents")).await?;
            click(m, &format!("caucus-{ours}-claimants")).await?;
            wait_text(r, "room-where-name", "Respondent caucus", 30).await?;
            wait_text(c, "room-where-name", "Claimant caucus", 30).await?;
            for extra in &extras {
                followers.settled(&extra.name, Duration::from_secs(30)).await?;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
            let before: Vec<u64> = extras.iter().map(|e| followers.joins(&e.name)).collect();
            let m2 = m.clone();
            let (browsers, sent) = timed_with_stamp(&[r, c], async move || {
                stamp(
                    &m2,
                    "document.getElementById('caucus-recall').click()",
                    vec![],
                )
                .await
            })
            .await?;
            let mut last = browsers.iter().copied().fold(0.0, f64::max);
            recalls_browsers.push(last);
            for (extra, before) in extras.iter().zip(before) {
                let at = followers
                    .frame_after(&extra.name, before, Duration::from_secs(30))
                    .await
                    .with_context(|| format!("{}: no remote frame after the recall", extra.name))?;
                last = last.max(at - sent);
            }
            recalls.push(last);
        }
        let rejoined = rejoins(r).await? + rejoins(c).await?;
        // Read now: the joins below open the page afresh.
        let reasons = drop_reasons(&[r, c]).await;
        if keep() {
            crate::harness::keep_page(r, "video-times", "respondent-moves").await;
            crate::harness::keep_page(c, "video-times", "claimant-moves").await;
        }

        // Join: the page opened afresh (the link kept in the tab), the device
        // proven again, the lobby, Enter. Last, because a join that does not
        // complete is counted and the page opened again.
        click(m, "caucus-recall").await?;
        wait_text(r, "room-where-name", "main room", 30).await?;
        let mut joins = Vec::new();
        let mut stuck = 0;
        for _ in 0..runs {
            r.refresh().await?;
            tick_the_lobby(r).await?;
            // As a person would: once the connection check has answered.
            wait_text(r, "lobby-connection", "good", 30).await?;
            // Click and watch in one script: the page runs one at a time.
            let joined = r
                .execute_async(CLICK_THEN_FIRST_FRAME, vec![json!("lobby-enter")])
                .await
                .map_err(anyhow::Error::from)
                .and_then(|answer| {
                    answer
                        .json()
                        .as_f64()
                        .context("no remote frame within 30 s")
                });
            match joined {
                Ok(millis) => joins.push(millis),
                Err(e) => {
                    stuck += 1;
                    let page = r.find(By::Tag("main")).await?.text().await?;
                    eprintln!("a join did not complete ({e:#}); the page says {page:?}");
                }
            }
        }

        println!();
        println!("video times: real Chromiums, real LiveKit on loopback, {runs} runs");
        if joins.is_empty() {
            println!("join     none of {runs} joins completed within 30 s");
        } else {
            summary("join", joins, 800.0);
        }
        if stuck > 0 {
            println!("         {stuck} of {runs} joins did not complete within 30 s");
        }
        summary("move", moves, 1000.0);
        summary("recall", recalls, 2000.0);
        summary("recall2", recalls_browsers, 2000.0);
        println!(
            "         {rejoined} dropped calls entered again by the page during moves and recalls"
        );
        if !reasons.is_empty() {
            let listed: Vec<String> = reasons.iter().map(|(k, n)| format!("{k} x{n}")).collect();
            println!("         the pages' reasons: {}", listed.join(", "));
        }
        println!(
            "(recall: all {} participants besides the mediator, sides in two caucuses: 2 browsers and {} simulated; recall2: the 2 browsers only)",
            extras.len() + 2,
            extras.len()
        );
        let troubles = followers.troubles();
        let unasked = troubles.iter().filter(|t| t.starts_with("gone")).count();
        println!(
            "         simulated: {unasked} connections ended by the server (the old room's, on a move), {} failures",
            troubles.len() - unasked
        );
        for t in troubles.iter().filter(|t| !t.starts_with("gone")) {
            println!("           {t}");
        }
        Ok(())
    }
    .await;
    if outcome.is_err() {
        respondent_page
            .keep_artifacts("video-times", "respondent")
            .await;
        claimant_page
            .keep_artifacts("video-times", "claimant")
            .await;
    }
    followers.stop().await;
    respondent_page.stop().await;
    claimant_page.stop().await;
    outcome
}

/// `VIDEO_TIMES_KEEP=1`: the API's log (identifiers only) and the pages'
/// consoles after the moves and recalls are kept in
/// `e2e/artifacts/video-times/`, to explain a run afterwards.
fn keep() -> bool {
    std::env::var_os("VIDEO_TIMES_KEEP").is_some_and(|v| v == "1")
}

fn main() -> anyhow::Result<()> {
    if keep() {
        let dir = crate::harness::root().join("e2e/artifacts/video-times");
        std::fs::create_dir_all(&dir)?;
        caucus_api::testkit::log_to_file(&dir.join("api.log"), "caucus_api=info")?;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    // A failure stops the run with its reason (and keeps screenshots).
    runtime.block_on(with_media_browser("video-times", async |b: &Browser| {
        measure(b).await
    }));
    Ok(())
}

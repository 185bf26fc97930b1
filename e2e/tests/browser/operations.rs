//! The live operations dashboard in the admin portal: a session that should
//! have started fifteen minutes ago, with nobody in it and the respondent
//! waiting in the lobby for seven minutes. An org admin sees the session, the
//! waiting party and both alerts (late start, long wait), the page reads
//! again when told live (the respondent enters the lobby again), and it
//! passes the accessibility checks. From the session's card the admin opens
//! its call-quality history (samples put in by SQL): each person's summary
//! in words and their charts. A mediator is told they have no access to the
//! dashboard but sees their own session's call quality, and a party that
//! the portal is for staff and is refused the history. No media: the
//! respondent enters the lobby through the API from the client portal's page,
//! with a device key made by WebCrypto as the join page makes it.

use std::time::Duration;

use anyhow::{Context, ensure};
use caucus_api::seed::DEMO_PASSWORD;
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use serde_json::{Value, json};

use crate::harness::{Browser, keep_page, with_browser};
use crate::video::{Booked, booked_session_with_a_link};

const ADMIN: &str = "admin@demo.caucus.test";
const MEDIATOR: &str = "mediator@demo.caucus.test";
const PARTY: &str = "party@demo.caucus.test";

/// Redeems the join link on a fresh WebCrypto key and enters the lobby,
/// confirming every statement, from the current (client portal) page.
const ENTER_LOBBY: &str = r#"
const [link, done] = arguments;
const gql = async (query, variables) => {
  const r = await fetch('/graphql', { method: 'POST', credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-caucus-client': 'client' },
    body: JSON.stringify({ query, variables }) });
  const body = await r.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
};
const b64 = buf => btoa(String.fromCharCode(...new Uint8Array(buf)))
  .replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
(async () => {
  const key = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  const spki = await crypto.subtle.exportKey('spki', key.publicKey);
  const begun = await gql('mutation B($l: String!, $k: String!) { beginLinkJoin(link: $l, publicKey: $k) }',
    { l: link, k: b64(spki) });
  const challenge = begun.beginLinkJoin;
  const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key.privateKey,
    new TextEncoder().encode(challenge));
  const finished = await gql('mutation F($l: String!, $c: String!, $s: String!) { finishLinkJoin(link: $l, challenge: $c, signature: $s) }',
    { l: link, c: challenge, s: b64(signature) });
  const pass = finished.finishLinkJoin;
  window.__pass = pass;
  const room = await gql('query R($p: String!) { videoRoom(pass: $p) { lobbyQuestions } }', { p: pass });
  await gql('mutation L($p: String!, $c: [Boolean!]!, $a: Boolean!) { enterLobby(pass: $p, confirmed: $c, acceptConfidentiality: $a) }',
    { p: pass, c: room.videoRoom.lobbyQuestions.map(() => true), a: true });
  return 'in the lobby';
})().then(done, e => done('failed: ' + e));
"#;

/// Enters the lobby again with the pass kept by [`ENTER_LOBBY`] (an event
/// for the session's subscribers).
const ENTER_AGAIN: &str = r#"
const done = arguments[arguments.length - 1];
fetch('/graphql', { method: 'POST', credentials: 'same-origin',
  headers: { 'content-type': 'application/json', 'x-caucus-client': 'client' },
  body: JSON.stringify({ query: 'mutation L($p: String!) { enterLobby(pass: $p, confirmed: [true], acceptConfidentiality: true) }',
    variables: { p: window.__pass } }) })
  .then(r => r.json()).then(b => done(JSON.stringify(b)), e => done('failed: ' + e));
"#;

/// Seconds since midnight in "Updated 7:41:05 PM" (the page's clock).
fn seconds_of(updated: &str) -> Option<i64> {
    let time = updated
        .split_whitespace()
        .find(|w| w.matches(':').count() == 2)?;
    let mut parts = time.split(':').map(|p| p.parse::<i64>().ok());
    let (h, m, s) = (parts.next()??, parts.next()??, parts.next()??);
    let pm = updated.contains("PM") && h != 12;
    let am12 = updated.contains("AM") && h == 12;
    let h = if pm {
        h + 12
    } else if am12 {
        0
    } else {
        h
    };
    Some(h * 3600 + m * 60 + s)
}

async fn owner_sql(b: &Browser, sql: String) -> anyhow::Result<()> {
    let owner = Database::connect(b.app.db.owner_url.clone()).await?;
    owner
        .execute(Statement::from_string(DbBackend::Postgres, sql))
        .await?;
    owner.close().await?;
    Ok(())
}

/// `minutes` samples of `participant`, one a minute up to now; `loss` is
/// an SQL expression of the minute `g` (0 the oldest).
fn samples(session: &str, participant: &str, minutes: i32, loss: &str) -> String {
    format!(
        "INSERT INTO call_quality_samples (id, org_id, session_id, participant_id, measured_at,
                bitrate_kbps, round_trip_ms, jitter_ms, packet_loss_percent)
         SELECT gen_random_uuid(), s.org_id, s.id, '{participant}',
                now() - make_interval(mins => {minutes} - g), 800, 80 + g, 4, {loss}
         FROM sessions s, generate_series(0, {minutes} - 1) g WHERE s.id = '{session}'"
    )
}

/// The call-quality page as staff see it: each person's summary in words,
/// three charts with accessible names, the figures in a table.
async fn see_quality(
    b: &Browser,
    respondent: &str,
    mediator: &str,
    claimant: &str,
) -> anyhow::Result<()> {
    let summary = format!("quality-summary-{respondent}");
    b.wait_for_text(&summary, "Measured 14 times").await?;
    b.wait_for_text(&summary, "Delay stayed within 400 ms")
        .await?;
    b.wait_for_text(
        &summary,
        "Lost data was above 3 % in 2 of 14 measurements (14 %)",
    )
    .await?;
    b.wait_for_text(&summary, "Main room").await?;
    b.wait_for_text(&format!("quality-person-{respondent}"), "Problems at times")
        .await?;
    b.wait_for_text(
        &format!("quality-person-{mediator}"),
        "No problems measured",
    )
    .await?;
    b.wait_for_text(
        &format!("quality-person-{claimant}"),
        "No measurements for this person",
    )
    .await?;
    let charts = b
        .driver
        .find_all(thirtyfour::By::Css(format!(
            "#quality-charts-{respondent} svg[role='img']"
        )))
        .await?;
    ensure!(charts.len() == 3, "{} charts", charts.len());
    let named = charts[0].attr("aria-label").await?.unwrap_or_default();
    ensure!(
        named.contains("Delay of Remy Respondent") && named.contains("limit, 400 ms"),
        "the delay chart is named {named:?}"
    );
    let rows = b
        .driver
        .find_all(thirtyfour::By::Css(format!(
            "#quality-table-{respondent} tbody tr"
        )))
        .await?;
    ensure!(rows.len() == 14, "{} rows in the table", rows.len());
    Ok(())
}

#[tokio::test]
async fn staff_see_a_late_session_and_a_long_lobby_wait_and_parties_cannot_look() {
    with_browser("operations", async |b| {
        let Booked {
            session,
            respondent,
            respondent_token: token,
            claimant,
            mediator,
            ..
        } = booked_session_with_a_link(b).await?;
        // The session is due now: it should have started fifteen minutes ago.
        owner_sql(
            b,
            format!(
                "UPDATE sessions SET scheduled_for = now() - interval '15 minutes',
                        blocked = tstzrange(now() - interval '30 minutes', now() + interval '75 minutes')
                 WHERE id = '{session}'"
            ),
        )
        .await?;

        // Call quality kept so far: the respondent over fourteen minutes,
        // two of them losing data; the mediator three good minutes.
        owner_sql(b, samples(&session, &respondent, 14, "CASE WHEN g IN (3, 4) THEN 5 ELSE 0.5 END")).await?;
        owner_sql(b, samples(&session, &mediator, 3, "0")).await?;

        // The respondent opens their link in a tab of their own and waits
        // in the lobby.
        let staff_tab = b.driver.window().await?;
        let party_tab = b.driver.new_tab().await?;
        b.driver.switch_to_window(party_tab.clone()).await?;
        b.driver.goto(b.client_url("/")).await?;
        let entered = b
            .driver
            .execute_async(ENTER_LOBBY, vec![json!(token)])
            .await?;
        ensure!(
            entered.json() == &json!("in the lobby"),
            "the respondent did not reach the lobby: {}",
            entered.json()
        );
        owner_sql(
            b,
            format!(
                "UPDATE room_participants SET lobby_entered_at = now() - interval '7 minutes'
                 WHERE id = '{respondent}'"
            ),
        )
        .await?;
        b.driver.switch_to_window(staff_tab.clone()).await?;
        b.driver.delete_all_cookies().await?;

        // An org admin opens the dashboard.
        b.driver.goto(b.admin_url("/operations")).await?;
        b.sign_in(ADMIN, DEMO_PASSWORD).await?;
        b.wait_for_text("page-title", "Live operations").await?;
        let live = b
            .gql(
                "admin",
                "{ liveOperations { sessions { sessionId caseReference } } }",
                json!({}),
            )
            .await?;
        let reference = live["liveOperations"]["sessions"]
            .as_array()
            .and_then(|all| all.iter().find(|s| s["sessionId"] == session.as_str()))
            .and_then(|s| s["caseReference"].as_str())
            .with_context(|| format!("the session among {live}"))?
            .to_owned();
        let card = format!("ops-session-{session}");
        b.wait_for_text(&card, &reference).await?;
        b.wait_for_text(&card, "Morgan Mediator").await?;
        b.wait_for_text(&card, "Late start").await?;
        b.wait_for_text(&card, "Not started yet").await?;
        b.wait_for_text(&card, "Main room").await?;
        b.wait_for_text(&format!("ops-waiting-{respondent}"), "Remy Respondent")
            .await?;
        b.wait_for_text(&format!("ops-waiting-{respondent}"), "Long wait")
            .await?;
        b.wait_for_text("ops-alerts", "should have started").await?;
        b.wait_for_text("ops-alerts", "Call the mediator, Morgan Mediator")
            .await?;
        b.wait_for_text("ops-alerts", "Remy Respondent").await?;
        b.wait_for_text("ops-alerts", "waiting room").await?;
        b.wait_for_text("ops-video-server", "Working").await?;
        b.wait_for_text("ops-load", "Morgan Mediator").await?;
        b.wait_for_text("ops-breakout", "Caucus rooms open: 0")
            .await?;
        let nav = b.driver.find(thirtyfour::By::Css("a[href='/operations']")).await?;
        ensure!(nav.text().await?.contains("Live operations"), "no nav entry");
        let live_region: Option<String> = b
            .driver
            .find(thirtyfour::By::Id("ops-alerts"))
            .await?
            .attr("aria-live")
            .await?;
        ensure!(live_region.as_deref() == Some("polite"), "alerts are not a polite live region");
        keep_page(&b.driver, "operations", "1-dashboard").await;
        b.assert_accessible("live operations").await?;

        // It is told live: once its socket is up, the respondent entering
        // the lobby again makes it read again well before its 15 s clock.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let first = b.text_of("ops-updated").await?;
        let before = seconds_of(&first).with_context(|| format!("no time in {first:?}"))?;
        b.driver.switch_to_window(party_tab.clone()).await?;
        let again = b.driver.execute_async(ENTER_AGAIN, Vec::new()).await?;
        ensure!(
            again.json().as_str().is_some_and(|r| r.contains("enterLobby")),
            "entering again failed: {}",
            again.json()
        );
        b.driver.switch_to_window(staff_tab.clone()).await?;
        let mut later = first.clone();
        for _ in 0..40 {
            later = b.text_of("ops-updated").await?;
            if later != first {
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        let after = seconds_of(&later).with_context(|| format!("no time in {later:?}"))?;
        let gap = (after - before).rem_euclid(86_400);
        ensure!(
            later != first && gap < 12,
            "not read again on the event: {first:?} then {later:?}"
        );
        b.driver.switch_to_window(party_tab).await?;
        b.driver.close_window().await?;
        b.driver.switch_to_window(staff_tab).await?;

        // The session's call quality, from its card.
        b.click(&format!("ops-quality-link-{session}")).await?;
        b.wait_for_text("page-title", "Call quality").await?;
        see_quality(b, &respondent, &mediator, &claimant).await?;
        keep_page(&b.driver, "operations", "2-call-quality").await;
        b.driver
            .find(thirtyfour::By::Id(format!("quality-charts-{respondent}")))
            .await?
            .scroll_into_view()
            .await?;
        keep_page(&b.driver, "operations", "3-call-quality-charts").await;
        b.assert_accessible("call quality").await?;

        // A mediator has no access; a party is told the portal is for staff.
        b.driver.delete_all_cookies().await?;
        b.driver.goto(b.admin_url("/operations")).await?;
        b.sign_in(MEDIATOR, DEMO_PASSWORD).await?;
        b.wait_for_text("ops-forbidden", "do not have access").await?;
        ensure!(
            b.driver.find(thirtyfour::By::Id("ops-sessions")).await.is_err(),
            "a mediator sees the sessions"
        );
        // Their own session's call quality they may review.
        b.driver.goto(b.admin_url(&format!("/sessions/{session}/quality"))).await?;
        see_quality(b, &respondent, &mediator, &claimant).await?;
        b.driver.delete_all_cookies().await?;
        b.driver.goto(b.admin_url("/operations")).await?;
        b.sign_in(PARTY, DEMO_PASSWORD).await?;
        b.wait_for_text("staff-only", "for staff").await?;
        ensure!(
            b.driver.find(thirtyfour::By::Id("ops-sessions")).await.is_err(),
            "a party sees the sessions"
        );
        let refused: Value = b
            .driver
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                   fetch('/graphql', { method: 'POST', credentials: 'same-origin',
                     headers: { 'content-type': 'application/json', 'x-caucus-client': 'admin' },
                     body: JSON.stringify({ query: '{ liveOperations { generatedAt } }' }) })
                     .then(r => r.text()).then(done, e => done(String(e)));"#,
                Vec::<Value>::new(),
            )
            .await?
            .json()
            .as_str()
            .map(serde_json::from_str)
            .transpose()?
            .unwrap_or(Value::Null);
        ensure!(
            refused["data"].is_null() && refused["errors"].is_array(),
            "a party read the operations: {refused}"
        );
        // Nor the session's call quality: the page is for staff, and the
        // API refuses the party on the case.
        b.driver.goto(b.admin_url(&format!("/sessions/{session}/quality"))).await?;
        b.wait_for_text("staff-only", "for staff").await?;
        ensure!(
            b.driver.find(thirtyfour::By::Id(format!("quality-person-{respondent}"))).await.is_err(),
            "a party sees the call quality"
        );
        let refused = b
            .gql("admin", "query Q($s: ID!) { sessionCallQuality(sessionId: $s) { sessionId } }", json!({ "s": session }))
            .await;
        let refusal = format!("{refused:?}");
        ensure!(
            refused.is_err() && refusal.contains("FORBIDDEN"),
            "a party read the call quality: {refusal}"
        );
        Ok(())
    })
    .await;
}

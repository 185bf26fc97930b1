//! Cases in both portals: a party follows a filed case under "Your cases";
//! the case manager finds it in the triage queue and by search; and the whole
//! journey from filing to a recorded outcome.

use anyhow::{Context, ensure};
use caucus_api::seed::DEMO_PASSWORD;
use serde_json::{Value, json};

use thirtyfour::By;

use crate::harness::{Browser, emailed_token, with_browser};

const PARTY: &str = "party@demo.caucus.test";
const MANAGER: &str = "manager@demo.caucus.test";
const MEDIATOR: &str = "mediator@demo.caucus.test";
const ADMIN: &str = "admin@demo.caucus.test";

/// Files a family case as the signed-in party of the client portal, through
/// the same `/graphql` endpoint and session the portal uses (the wizard itself
/// is tested in `intake.rs`). Returns the case.
pub async fn file_from_the_page(
    b: &Browser,
    other_name: &str,
    other_email: &str,
) -> anyhow::Result<Value> {
    let started = b
        .gql(
            "client",
            r#"mutation { startIntake(disputeType: "family") { id version } }"#,
            json!({}),
        )
        .await?;
    let draft = &started["startIntake"];
    let answers = json!({ "summary": "We disagree about the holidays.", "topics": ["parenting"],
        "other_party": { "name": other_name, "email": other_email }, "narrative": "Private account.",
        "safety_concern": "no", "interpreter": "none" });
    let saved = b
        .gql(
            "client",
            "mutation V($i: SaveIntakeDraftInput!) { saveIntakeDraft(input: $i) { version } }",
            json!({ "i": { "id": draft["id"], "version": draft["version"], "currentStep": 0, "answers": answers } }),
        )
        .await?;
    let sent = b
        .gql(
            "client",
            "mutation U($id: ID!, $v: Int!) { submitIntake(id: $id, version: $v) { id reference title } }",
            json!({ "id": draft["id"], "v": saved["saveIntakeDraft"]["version"] }),
        )
        .await?;
    Ok(sent["submitIntake"].clone())
}

#[tokio::test]
async fn a_party_follows_their_filed_case_under_your_cases() {
    with_browser("cases_client", async |b| {
        b.driver.goto(b.client_url("/")).await?;
        b.sign_in(PARTY, DEMO_PASSWORD).await?;
        b.wait_for_text("page-title", "Pat Party").await?;
        b.driver.goto(b.client_url("/cases")).await?;
        b.wait_for_text("cases-empty", "no cases").await?;
        b.assert_accessible("your cases, none").await?;

        let filed = file_from_the_page(b, "Robin Respondent", "").await?;
        let title = filed["title"].as_str().context("title")?.to_owned();
        b.driver.goto(b.client_url("/cases")).await?;
        b.wait_for_text("my-cases", &title).await?;
        b.wait_for_text("my-cases", "New, waiting for review")
            .await?;
        b.assert_accessible("your cases").await?;

        b.driver.find(By::LinkText(&title)).await?.click().await?;
        b.wait_for_text(
            "case-reference",
            filed["reference"].as_str().context("reference")?,
        )
        .await?;
        b.wait_for_text("case-status", "New, waiting for review")
            .await?;
        b.wait_for_text("case-parties", "Robin Respondent").await?;
        b.wait_for_text("case-parties", "identity not yet checked")
            .await?;
        b.wait_for_text("case-timeline", "The case was filed")
            .await?;
        b.assert_accessible("case overview").await?;

        // Another case's id (or a made-up one) is simply not found.
        b.driver
            .goto(b.client_url("/cases/01900000-0000-7000-8000-000000000000"))
            .await?;
        b.wait_for_text("case-error", "could not find").await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn the_case_manager_finds_a_new_intake_in_triage_and_by_search() {
    with_browser("cases_admin", async |b| {
        b.driver.goto(b.client_url("/")).await?;
        b.sign_in(PARTY, DEMO_PASSWORD).await?;
        b.wait_for_text("page-title", "Pat Party").await?;
        let filed = file_from_the_page(b, "Quinn Zephyrine", "").await?;
        let reference = filed["reference"].as_str().context("reference")?.to_owned();
        b.driver.delete_all_cookies().await?;

        b.driver.goto(b.admin_url("/cases")).await?;
        b.sign_in(MANAGER, DEMO_PASSWORD).await?;
        b.wait_for_text("triage-table", &reference).await?;
        b.wait_for_text("triage-table", "On track").await?;
        b.wait_for_text("cases-table", &reference).await?;
        b.assert_accessible("admin cases").await?;

        b.type_into("case-search", "zephyrine").await?;
        b.click("case-search-submit").await?;
        b.wait_for_text("cases-table", "Quinn Zephyrine").await?;
        b.replace_text("case-search", "nobody-by-this-name").await?;
        b.click("case-search-submit").await?;
        b.wait_for_text("cases-empty", "No cases match").await?;
        b.assert_accessible("admin cases, no match").await?;
        Ok(())
    })
    .await;
}

/// The whole journey: the claimant files; the case manager accepts the case
/// and invites the other side, who joins and gives their side without seeing
/// the claimant's private account; the conflict check finds the mediator's
/// declared conflict, which must be cleared with a reason before the
/// mediator is assigned; the outcome is recorded.
#[tokio::test]
async fn a_case_goes_from_intake_to_a_recorded_outcome() {
    with_browser("case_journey", async |b| {
        const RESPONDENT: &str = "rory.respondent@example.org";
        // The claimant files.
        b.driver.goto(b.client_url("/")).await?;
        b.sign_in(PARTY, DEMO_PASSWORD).await?;
        b.wait_for_text("page-title", "Pat Party").await?;
        let filed = file_from_the_page(b, "Rory Respondent", RESPONDENT).await?;
        let case_id = filed["id"].as_str().context("id")?.to_owned();
        b.driver.delete_all_cookies().await?;

        // The mediator has declared a conflict with someone of that name.
        b.driver.goto(b.admin_url("/")).await?;
        b.sign_in(MEDIATOR, DEMO_PASSWORD).await?;
        b.wait_for_text("signed-in-as", "Morgan Mediator").await?;
        let me = b.gql("admin", "{ me { user { id } } }", json!({})).await?;
        let mediator_id = me["me"]["user"]["id"].as_str().context("my id")?.to_owned();
        b.gql(
            "admin",
            "mutation D($m: ID!) { declareConflict(mediatorId: $m, kind: PERSON, name: \"Rory Respondent\") }",
            json!({ "m": mediator_id }),
        )
        .await?;
        b.driver.delete_all_cookies().await?;

        // Triage: the case manager accepts the case and invites the other side.
        b.driver
            .goto(b.admin_url(&format!("/cases/{case_id}")))
            .await?;
        b.sign_in(MANAGER, DEMO_PASSWORD).await?;
        b.wait_for_text("case-status", "New, waiting for review")
            .await?;
        b.wait_for_text("case-unverified", "not yet checked").await?;
        b.assert_accessible("admin case page at intake").await?;
        b.click("case-to-triage").await?;
        b.wait_for_text("case-status", "Being prepared").await?;
        let invite = b
            .driver
            .find(By::Css("#case-parties button[id^='invite-']"))
            .await?;
        invite.click().await?;
        b.wait_for_text("case-notice", "invitation was sent").await?;

        // The other side joins through the emailed link and gives their side.
        let token = emailed_token(RESPONDENT, "/invitation#").await?;
        b.driver.delete_all_cookies().await?;
        b.driver
            .goto(b.client_url(&format!("/invitation#{token}")))
            .await?;
        b.wait_for_text("invited-email", RESPONDENT).await?;
        b.type_into("name", "Rory Respondent").await?;
        b.type_into("new-password", "a quiet harbour at dusk").await?;
        b.click("accept-invitation").await?;
        b.wait_for_text("page-title", "Rory Respondent").await?;
        b.driver
            .goto(b.client_url(&format!("/cases/{case_id}")))
            .await?;
        b.wait_for_text("case-intakes", "We disagree about the holidays.")
            .await?;
        let overview = b.text_of("case-intakes").await?;
        ensure!(
            !overview.contains("Private account."),
            "the other side read the claimant's private account: {overview}"
        );
        b.click("start-respondent-intake").await?;
        b.wait_for_text("intake-progress-text", "Step 1 of 4").await?;
        b.click("intake-next").await?;
        b.wait_for_text("intake-progress-text", "Step 2 of 4: Your view")
            .await?;
        b.type_into("q-respondent_summary", "We agreed a holiday plan before.")
            .await?;
        b.type_into("q-respondent_narrative", "The plan we had worked well.")
            .await?;
        b.click("intake-next").await?;
        b.wait_for_text("intake-progress-text", "Step 3 of 4").await?;
        b.click("q-respondent_safety_concern-0").await?;
        b.click("q-respondent_interpreter-0").await?;
        b.click("intake-next").await?;
        b.wait_for_text("intake-review", "The plan we had worked well.")
            .await?;
        b.click("intake-submit").await?;
        b.wait_for_text("case-answered", "Your answers have been sent")
            .await?;
        b.driver.delete_all_cookies().await?;

        // Assignment: the conflict is shown and must be cleared, with a reason.
        b.driver
            .goto(b.admin_url(&format!("/cases/{case_id}")))
            .await?;
        b.sign_in(MANAGER, DEMO_PASSWORD).await?;
        b.wait_for_text("case-intakes", "The plan we had worked well.")
            .await?;
        b.wait_for_text("mediator-suggestions", "Morgan Mediator")
            .await?;
        b.wait_for_text("mediator-suggestions", "1 possible conflict")
            .await?;
        b.click(&format!("choose-{mediator_id}")).await?;
        b.wait_for_text("conflict-check", "found something").await?;
        b.wait_for_text("conflict-check", "Rory Respondent").await?;
        b.assert_accessible("conflict check").await?;
        b.click("propose-submit").await?;
        b.wait_for_text("propose-problem", "Every conflict must be cleared")
            .await?;
        b.click("clear-conflict-0").await?;
        b.click("propose-submit").await?;
        b.wait_for_text("propose-problem", "why the conflicts").await?;
        b.type_into("clearance-note", "Same name only; not the same person.")
            .await?;
        b.click("propose-submit").await?;
        b.wait_for_text("case-lead-mediator", "Morgan Mediator").await?;
        b.wait_for_text("assignment-history", "assigned").await?;
        b.wait_for_text("assignment-history", "Same name only").await?;

        // The case moves on to its outcome.
        b.click("case-to-assigned").await?;
        b.wait_for_text("case-status", "Mediator assigned").await?;
        b.click("case-to-scheduling").await?;
        b.wait_for_text("case-status", "Scheduling sessions").await?;
        b.click("case-to-inmediation").await?;
        b.wait_for_text("case-status", "In mediation").await?;
        b.click("case-to-settled").await?;
        b.wait_for_text("case-status", "Settled").await?;
        b.wait_for_text("case-timeline", "Possible conflicts were checked and cleared")
            .await?;
        b.assert_accessible("admin case page, settled").await?;

        // The claimant sees where it ended.
        b.driver.delete_all_cookies().await?;
        b.driver
            .goto(b.client_url(&format!("/cases/{case_id}")))
            .await?;
        b.sign_in(PARTY, DEMO_PASSWORD).await?;
        b.wait_for_text("case-status", "Settled").await?;
        // Of the other side's intake, the claimant reads the shared answers only.
        b.wait_for_text("case-intakes", "We agreed a holiday plan before.")
            .await?;
        let intakes = b.text_of("case-intakes").await?;
        ensure!(
            !intakes.contains("The plan we had worked well."),
            "the claimant read the other side's private account: {intakes}"
        );

        // The organization's dashboard counts it (counts only, no content).
        b.driver.delete_all_cookies().await?;
        b.driver.goto(b.admin_url("/outcomes")).await?;
        b.sign_in(ADMIN, DEMO_PASSWORD).await?;
        b.wait_for_text("outcomes-type-table", "Family").await?;
        let row = b
            .driver
            .find(By::XPath("//table[@id='outcomes-type-table']//tr[th='Family']"))
            .await?
            .text()
            .await?;
        ensure!(row.starts_with("Family 1 0 0 0 100 %"), "family row: {row:?}");
        let page = b.text_of("main").await?;
        ensure!(
            !page.contains("Rory") && !page.contains("holidays"),
            "the dashboard shows case content: {page}"
        );
        b.assert_accessible("outcome dashboard").await?;
        Ok(())
    })
    .await;
}

/// An org admin sets how new cases run: a target out of range is refused,
/// and the saved settings come back on the next visit.
#[tokio::test]
async fn an_admin_sets_the_triage_target_and_automatic_invitations() {
    with_browser("case_settings", async |b| {
        b.driver.goto(b.admin_url("/settings")).await?;
        b.sign_in(ADMIN, DEMO_PASSWORD).await?;
        b.wait_for_text("case-settings", "New cases").await?;
        b.assert_accessible("settings with case settings").await?;
        b.replace_text("triage-hours", "0").await?;
        b.click("case-settings-save").await?;
        b.wait_for_text("triage-hours-error", "from 1 to 1440")
            .await?;
        b.replace_text("triage-hours", "6").await?;
        b.click("auto-invite").await?;
        b.click("case-settings-save").await?;
        b.wait_for_text("case-settings-saved", "Saved").await?;

        b.driver.refresh().await?;
        b.wait_for_text("case-settings", "New cases").await?;
        let hours = b
            .driver
            .find(By::Id("triage-hours"))
            .await?
            .prop("value")
            .await?;
        ensure!(
            hours.as_deref() == Some("6"),
            "hours came back as {hours:?}"
        );
        let invite = b
            .driver
            .find(By::Id("auto-invite"))
            .await?
            .prop("checked")
            .await?;
        ensure!(
            invite.as_deref() == Some("true"),
            "auto-invite came back as {invite:?}"
        );
        Ok(())
    })
    .await;
}

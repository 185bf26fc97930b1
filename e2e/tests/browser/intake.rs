//! The guided intake in the client portal: a claimant starts a commercial
//! case, is stopped by a step's rules, saves and resumes after signing in
//! again (as on another device), reviews who will read each answer, and
//! sends it; the case then shows under "Your cases".

use anyhow::ensure;
use caucus_api::seed::DEMO_PASSWORD;

use crate::harness::with_browser;

const PARTY: &str = "party@demo.caucus.test";

#[tokio::test]
async fn a_claimant_fills_in_the_intake_step_by_step_resumes_it_and_sends_it() {
    with_browser("intake_claimant", async |b| {
        b.driver.goto(b.client_url("/cases")).await?;
        b.sign_in(PARTY, DEMO_PASSWORD).await?;
        b.click("start-case").await?;
        b.wait_for_text("intake-types", "Commercial").await?;
        b.assert_accessible("start a new case").await?;
        b.click("start-commercial").await?;

        // Step 1: nothing filled in yet, so the step's rules stop the claimant.
        b.wait_for_text("intake-progress-text", "Step 1 of 6: About the dispute")
            .await?;
        b.click("intake-next").await?;
        b.wait_for_text("intake-error-summary", "Please fix this")
            .await?;
        b.wait_for_text("q-summary-error", "Please answer this question")
            .await?;
        b.assert_accessible("intake step with an error").await?;
        b.type_into("q-summary", "An unpaid invoice for shelving.")
            .await?;
        b.type_into("q-amount_in_dispute", "12x").await?;
        b.click("intake-next").await?;
        b.wait_for_text("q-amount_in_dispute-error", "does not look right")
            .await?;
        b.replace_text("q-amount_in_dispute", "1,250.50").await?;
        b.click("intake-next").await?;

        // Step 2: the other side, then "save and finish later".
        b.wait_for_text("intake-progress-text", "Step 2 of 6: The other side")
            .await?;
        b.type_into("q-other_party-name", "Shelf Supply Co").await?;
        b.type_into("q-other_party-email", "billing@shelf.example")
            .await?;
        b.click("intake-later").await?;
        b.wait_for_text("intake-saved", "Your answers are saved")
            .await?;

        // Another device: a new sign-in finds the draft and resumes at step 2.
        b.driver.delete_all_cookies().await?;
        b.driver.goto(b.client_url("/cases/new")).await?;
        b.sign_in(PARTY, DEMO_PASSWORD).await?;
        b.wait_for_text("intake-drafts", "Commercial").await?;
        b.driver
            .find(thirtyfour::By::LinkText("Continue"))
            .await?
            .click()
            .await?;
        b.wait_for_text("intake-progress-text", "Step 2 of 6")
            .await?;
        let name = b
            .driver
            .find(thirtyfour::By::Id("q-other_party-name"))
            .await?
            .prop("value")
            .await?;
        ensure!(
            name.as_deref() == Some("Shelf Supply Co"),
            "the saved name came back as {name:?}"
        );
        b.click("intake-next").await?;

        // Step 3: the private account.
        b.wait_for_text("intake-progress-text", "Step 3 of 6")
            .await?;
        b.wait_for_text("intake-step", "Private: only your side")
            .await?;
        b.type_into(
            "q-narrative",
            "They stopped paying after the second delivery.",
        )
        .await?;
        b.click("intake-next").await?;

        // Step 4: practical needs (choices).
        b.wait_for_text("intake-progress-text", "Step 4 of 6")
            .await?;
        b.click("q-safety_concern-0").await?;
        b.click("q-interpreter-0").await?;
        b.click("intake-next").await?;

        // Step 5: documents come later.
        b.wait_for_text("intake-progress-text", "Step 5 of 6")
            .await?;
        b.wait_for_text("intake-step", "once your case is open")
            .await?;
        b.click("intake-next").await?;

        // The review names who reads what.
        b.wait_for_text("intake-progress-text", "Step 6 of 6: Check your answers")
            .await?;
        b.wait_for_text("intake-review", "An unpaid invoice for shelving.")
            .await?;
        b.wait_for_text("intake-review", "1,250.50 USD").await?;
        b.wait_for_text("intake-review", "Shelf Supply Co (billing@shelf.example)")
            .await?;
        let narrative = b
            .driver
            .find(thirtyfour::By::Css("[data-field='narrative'] dt"))
            .await?
            .text()
            .await?;
        ensure!(narrative.contains("Private"), "narrative: {narrative:?}");
        let summary = b
            .driver
            .find(thirtyfour::By::Css("[data-field='summary'] dt"))
            .await?
            .text()
            .await?;
        ensure!(
            summary.contains("Shared with the other side"),
            "summary: {summary:?}"
        );
        b.assert_accessible("intake review").await?;
        b.click("intake-submit").await?;

        b.wait_for_text("case-filed", "Your case has been sent")
            .await?;
        b.wait_for_text("case-parties", "Shelf Supply Co").await?;
        b.wait_for_text("case-intakes", "They stopped paying")
            .await?;
        b.assert_accessible("the filed case").await?;

        // The draft is gone from "continue where you left off".
        b.driver.goto(b.client_url("/cases/new")).await?;
        b.wait_for_text("intake-types", "Commercial").await?;
        let drafts = b
            .driver
            .find_all(thirtyfour::By::Id("intake-drafts"))
            .await?;
        ensure!(drafts.is_empty(), "the sent intake is still a draft");
        Ok(())
    })
    .await;
}

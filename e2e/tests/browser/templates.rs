//! The intake template editor in the admin portal: an org admin adds a kind
//! of dispute, is shown every problem with its template before publishing
//! (with links to the controls), publishes it, and a party can then file
//! under it; an edit begun before someone else published is refused.

use caucus_api::seed::DEMO_PASSWORD;
use serde_json::json;
use thirtyfour::By;

use crate::harness::{Browser, with_browser};

/// The DOM id of the last question of the editor's first step.
async fn last_question(b: &Browser) -> anyhow::Result<String> {
    let questions = b
        .driver
        .find_all(By::Css(
            "#template-sections .template-section:first-child .template-field",
        ))
        .await?;
    let last = questions
        .last()
        .ok_or_else(|| anyhow::anyhow!("no questions in the first step"))?;
    last.attr("id")
        .await?
        .ok_or_else(|| anyhow::anyhow!("a question without an id"))
}

/// The English label input of the last choice of question `question`.
async fn last_choice(b: &Browser, question: &str) -> anyhow::Result<thirtyfour::WebElement> {
    let inputs = b
        .driver
        .find_all(By::Css(format!(
            "#{question}-choices .choice-row input[id$='-label-en']"
        )))
        .await?;
    inputs
        .last()
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("no choices for {question}"))
}

#[tokio::test]
async fn an_admin_writes_a_new_intake_form_and_a_party_files_under_it() {
    with_browser("templates", async |b| {
        b.driver.goto(b.admin_url("/templates")).await?;
        b.sign_in("admin@demo.caucus.test", DEMO_PASSWORD).await?;
        b.wait_for_text("templates-table", "Family").await?;
        b.assert_accessible("templates").await?;

        b.type_into("template-new-name", "Neighbour disputes").await?;
        b.click("template-new-submit").await?;
        b.wait_for_text("page-title", "Intake form").await?;
        b.wait_for_text("template-history-none", "Nothing is published").await?;
        b.wait_for_text("template-sections", "Who is the other side?").await?;

        // A new question left blank, an amount in no currency and a choice
        // question without choices are all named before anything is sent.
        b.click_first("#template-sections .template-section:first-child button[id$='-add-field']")
            .await?;
        let blank = last_question(b).await?;
        b.select(&format!("{blank}-kind"), "money").await?;
        b.replace_text(&format!("{blank}-currency"), "dollars").await?;
        b.click_first("#template-sections .template-section:first-child button[id$='-add-field']")
            .await?;
        let choice = last_question(b).await?;
        b.type_into(&format!("{choice}-label-en"), "Have you tried talking to them?")
            .await?;
        b.select(&format!("{choice}-kind"), "choice").await?;
        b.click("template-publish").await?;
        b.wait_for_text("template-errors", "3 things need fixing").await?;
        b.wait_for_text("template-errors", "Write the question").await?;
        b.wait_for_text("template-errors", "three-letter currency code").await?;
        b.wait_for_text("template-errors", "between 1 and 50 choices").await?;
        b.wait_for_text(&format!("{blank}-currency-error"), "three-letter").await?;
        b.assert_accessible("template editor, with problems").await?;

        b.type_into(&format!("{blank}-label-en"), "How much is in dispute?")
            .await?;
        b.replace_text(&format!("{blank}-currency"), "EUR").await?;
        b.click(&format!("{choice}-add-choice")).await?;
        last_choice(b, &choice).await?.send_keys("Yes").await?;
        b.click(&format!("{choice}-add-choice")).await?;
        last_choice(b, &choice).await?.send_keys("Not yet").await?;
        b.click("template-publish").await?;
        b.wait_for_text("template-published", "Version 1 is published").await?;
        b.wait_for_text("template-history", "Neighbour disputes").await?;

        // What was published is what the API stores.
        let stored = b
            .gql(
                "admin",
                "query V($t: String!) { intakeTemplateVersions(disputeType: $t) { version definition } }",
                json!({ "t": "neighbour_disputes" }),
            )
            .await?;
        let text = stored.to_string();
        anyhow::ensure!(text.contains("How much is in dispute?"), "{text}");
        anyhow::ensure!(text.contains("\"currency\":\"EUR\""), "{text}");
        anyhow::ensure!(text.contains("Not yet"), "{text}");

        // An editor opened before someone else published is refused.
        b.driver.goto(b.admin_url("/templates/family")).await?;
        b.wait_for_text("template-history", "Family").await?;
        let family = b
            .gql("admin", "{ intakeTemplates { disputeType version name definition } }", json!({}))
            .await?;
        let current = family["intakeTemplates"]
            .as_array()
            .and_then(|all| all.iter().find(|t| t["disputeType"] == "family"))
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("no family template"))?;
        b.gql(
            "admin",
            "mutation P($input: PublishIntakeTemplateInput!) { publishIntakeTemplate(input: $input) { version } }",
            json!({ "input": { "disputeType": "family", "name": current["name"], "definition": current["definition"], "baseVersion": current["version"] } }),
        )
        .await?;
        b.click("template-publish").await?;
        b.wait_for_text("template-form", "Someone else changed this").await?;

        // A party starting a case is offered the new kind.
        b.driver.delete_all_cookies().await?;
        b.driver.goto(b.client_url("/cases/new")).await?;
        b.sign_in("party@demo.caucus.test", DEMO_PASSWORD).await?;
        b.wait_for_text("intake-types", "Neighbour disputes").await?;
        b.click("start-neighbour_disputes").await?;
        b.wait_for_text("page-title", "Neighbour disputes").await?;
        Ok(())
    })
    .await;
}

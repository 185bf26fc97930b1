//! A party's to-do list and the parts of a case they act on in the client
//! portal: an intake to finish, a proposed mediator to confirm or object to
//! (an objection needs a reason), and the agreement drafts shared with them.

use anyhow::{Context, ensure};
use caucus_api::seed::DEMO_PASSWORD;
use serde_json::json;
use thirtyfour::By;

use crate::cases::file_from_the_page;
use crate::harness::with_browser;

const PARTY: &str = "party@demo.caucus.test";
const MANAGER: &str = "manager@demo.caucus.test";

#[tokio::test]
async fn a_party_works_through_their_to_do_list() {
    with_browser("client_work", async |b| {
        b.driver.goto(b.client_url("/")).await?;
        b.sign_in(PARTY, DEMO_PASSWORD).await?;
        b.wait_for_text("todo-empty", "Nothing is waiting for you").await?;

        // An intake begun and left waits on the list, and the link resumes it.
        b.gql("client", r#"mutation { startIntake(disputeType: "workplace") { id } }"#, json!({}))
            .await?;
        let filed = file_from_the_page(b, "Robin Respondent", "").await?;
        let case_id = filed["id"].as_str().context("case id")?.to_owned();
        let reference = filed["reference"].as_str().context("reference")?.to_owned();
        b.driver.refresh().await?;
        b.wait_for_text("todo-list", "Finish filing your Workplace case").await?;
        b.driver
            .find(By::LinkText("Finish filing your Workplace case"))
            .await?
            .click()
            .await?;
        b.wait_for_text("intake-progress-text", "Step 1 of").await?;
        b.driver.delete_all_cookies().await?;

        // The case manager accepts the case, proposes a mediator and asks the
        // parties, and shares the agreement to mediate with the claimant.
        b.driver.goto(b.admin_url("/")).await?;
        b.sign_in(MANAGER, DEMO_PASSWORD).await?;
        b.wait_for_text("signed-in-as", "Casey Manager").await?;
        b.gql(
            "admin",
            "mutation A($i: AdvanceCaseInput!) { advanceCase(input: $i) { version } }",
            json!({ "i": { "caseId": case_id, "version": 1, "to": "TRIAGE" } }),
        )
        .await?;
        let roster = b.gql("admin", "{ mediatorRoster { userId name } }", json!({})).await?;
        let mediator = roster["mediatorRoster"]
            .as_array()
            .and_then(|all| all.iter().find(|m| m["name"] == "Morgan Mediator"))
            .and_then(|m| m["userId"].as_str())
            .context("Morgan Mediator on the roster")?
            .to_owned();
        b.gql(
            "admin",
            "mutation P($i: ProposeMediatorInput!) { proposeMediator(input: $i) { status } }",
            json!({ "i": { "caseId": case_id, "version": 2, "mediatorId": mediator, "responseDays": 5 } }),
        )
        .await?;
        let case = b
            .gql("admin", "query C($id: ID!) { case(id: $id) { parties { id partyType } } }", json!({ "id": case_id }))
            .await?;
        let claimant = case["case"]["parties"]
            .as_array()
            .and_then(|all| all.iter().find(|p| p["partyType"] == "CLAIMANT"))
            .and_then(|p| p["id"].as_str())
            .context("the claimant party")?
            .to_owned();
        let drafted = b
            .gql(
                "admin",
                "mutation D($c: ID!) { draftAgreement(caseId: $c, kind: AGREEMENT_TO_MEDIATE) { id } }",
                json!({ "c": case_id }),
            )
            .await?;
        b.gql(
            "admin",
            "mutation S($id: ID!, $p: [ID!]!) { shareAgreement(id: $id, partyIds: $p) { id } }",
            json!({ "id": drafted["draftAgreement"]["id"], "p": [claimant] }),
        )
        .await?;
        b.driver.delete_all_cookies().await?;

        // The party is asked about the mediator, with the deadline.
        b.driver.goto(b.client_url("/cases")).await?;
        b.sign_in(PARTY, DEMO_PASSWORD).await?;
        let ask = format!("Confirm or object to the proposed mediator for case {reference}");
        b.wait_for_text("todo-list", &ask).await?;
        b.wait_for_text("todo-list", "by ").await?;
        b.assert_accessible("your cases with to-dos").await?;
        b.driver.find(By::LinkText(&ask)).await?.click().await?;
        b.wait_for_text("proposal-name", "We propose Morgan Mediator").await?;
        b.wait_for_text("proposal-deadline", "Please answer by").await?;

        // An objection needs a reason.
        b.click("proposal-object").await?;
        b.click("proposal-object-send").await?;
        b.wait_for_text("proposal-reason-error", "Tell us why").await?;
        b.assert_accessible("objecting to a mediator").await?;
        b.type_into("proposal-reason", "They mediated for my employer.").await?;
        b.click("proposal-object-send").await?;
        b.wait_for_text("proposal-answered", "Thank you").await?;

        // The agreement shared with them can be read, merged with the case.
        b.wait_for_text("shared-agreements", "Agreement to mediate").await?;
        b.click_first("#shared-agreements summary").await?;
        b.wait_for_text("shared-agreements", &reference).await?;

        // Answered, the question leaves the list; the unfinished intake stays.
        b.driver.goto(b.client_url("/cases")).await?;
        b.wait_for_text("todo-list", "Finish filing").await?;
        let list = b.text_of("todo-list").await?;
        ensure!(!list.contains("proposed mediator"), "still asked: {list}");
        Ok(())
    })
    .await;
}

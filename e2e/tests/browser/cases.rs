//! Cases in both portals: a party files a case (through the API from the
//! signed-in page, until the intake wizard lands), follows it under "Your
//! cases", and the case manager finds it in the triage queue and by search.

use anyhow::{Context, ensure};
use caucus_api::seed::DEMO_PASSWORD;
use serde_json::{Value, json};

use crate::harness::{Browser, with_browser};

const PARTY: &str = "party@demo.caucus.test";
const MANAGER: &str = "manager@demo.caucus.test";

/// Files a family case as the signed-in party of the client portal, through
/// the same `/graphql` endpoint and session the portal uses. Returns the case.
async fn file_from_the_page(b: &Browser, other_name: &str) -> anyhow::Result<Value> {
    let script = r#"
        const [otherName, done] = arguments;
        const gql = async (query, variables) => {
            const r = await fetch('/graphql', { method: 'POST', credentials: 'same-origin',
                headers: { 'content-type': 'application/json', 'x-caucus-client': 'client' },
                body: JSON.stringify({ query, variables }) });
            return r.json();
        };
        (async () => {
            const started = await gql('mutation { startIntake(disputeType: "family") { id version } }', {});
            const draft = started.data.startIntake;
            const answers = { summary: 'We disagree about the holidays.', topics: ['parenting'],
                other_party: { name: otherName, email: '' }, narrative: 'Private account.',
                safety_concern: 'no', interpreter: 'none' };
            const saved = await gql('mutation V($i: SaveIntakeDraftInput!) { saveIntakeDraft(input: $i) { version } }',
                { i: { id: draft.id, version: draft.version, currentStep: 0, answers } });
            const sent = await gql('mutation U($id: ID!, $v: Int!) { submitIntake(id: $id, version: $v) { id reference title } }',
                { id: draft.id, v: saved.data.saveIntakeDraft.version });
            done(JSON.stringify(sent));
        })().catch(e => done(JSON.stringify({ errors: [String(e)] })));
    "#;
    let result = b
        .driver
        .execute_async(script, vec![json!(other_name)])
        .await?;
    let text = result
        .json()
        .as_str()
        .context("the script answered")?
        .to_owned();
    let body: Value = serde_json::from_str(&text)?;
    ensure!(body.get("errors").is_none(), "filing failed: {body}");
    Ok(body["data"]["submitIntake"].clone())
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

        let filed = file_from_the_page(b, "Robin Respondent").await?;
        let title = filed["title"].as_str().context("title")?.to_owned();
        b.driver.goto(b.client_url("/cases")).await?;
        b.wait_for_text("my-cases", &title).await?;
        b.wait_for_text("my-cases", "New, waiting for review")
            .await?;
        b.assert_accessible("your cases").await?;

        b.driver
            .find(thirtyfour::By::LinkText(&title))
            .await?
            .click()
            .await?;
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
        let filed = file_from_the_page(b, "Quinn Zephyrine").await?;
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

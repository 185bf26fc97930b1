//! The organization's sign-in security in the admin portal: the demo admin
//! requires two-step sign-in of mediators and changes a member's roles; the
//! demo mediator, at the next sign-in, is sent to set-up before anything else.

use anyhow::ensure;
use caucus_api::seed::DEMO_PASSWORD;
use thirtyfour::prelude::*;

use crate::harness::with_browser;
use crate::two_step::code_for;

#[tokio::test]
async fn an_admin_requires_two_steps_of_mediators_who_then_set_it_up_first() {
    with_browser("org_security", async |b| {
        b.driver.goto(b.admin_url("/settings")).await?;
        b.sign_in("admin@demo.caucus.test", DEMO_PASSWORD).await?;
        b.wait_for_text("page-title", "Sign-in security").await?;
        b.text_of("mfa-roles").await?;
        b.assert_accessible("sign-in security settings").await?;
        // A number out of range is refused in the form, with the rule.
        b.type_into("session-idle", "2").await?;
        b.click("save-settings").await?;
        b.wait_for_text("session-idle-error", "from 5 to 1440")
            .await?;
        b.driver.find(By::Id("session-idle")).await?.clear().await?;
        b.type_into("session-idle", "30").await?;
        b.click("mfa-roles-mediator").await?;
        b.click("save-settings").await?;
        b.text_of("settings-saved").await?;

        // Roles: the admin makes the demo case manager a mediator too.
        b.driver.goto(b.admin_url("/people")).await?;
        b.text_of("change-roles").await?;
        let manager = b
            .driver
            .find(By::XPath(
                "//select[@id='roles-person']/option[contains(., 'manager@demo.caucus.test')]",
            ))
            .await?
            .value()
            .await?
            .unwrap_or_default();
        b.select("roles-person", &manager).await?;
        let ticked = b.driver.find(By::Id("roles-held-case-manager")).await?;
        ensure!(ticked.is_selected().await?, "the held role is not ticked");
        b.assert_accessible("change roles").await?;
        b.click("roles-held-mediator").await?;
        b.click("save-roles").await?;
        b.text_of("roles-saved").await?;
        b.wait_for_text("members-table", "Case manager, Mediator")
            .await?;

        // The mediator signs in and meets set-up on every page.
        b.click("sign-out").await?;
        b.text_of("email").await?;
        b.driver.goto(b.admin_url("/people")).await?;
        b.sign_in("mediator@demo.caucus.test", DEMO_PASSWORD)
            .await?;
        b.wait_for_text("mfa-required", "two-step sign-in").await?;
        b.assert_accessible("two-step set-up required").await?;
        b.click("start-totp").await?;
        let secret = b.text_of("totp-secret").await?;
        b.type_into("totp-code", &code_for(&secret, 0)?).await?;
        b.click("confirm-totp").await?;
        b.text_of("recovery-codes").await?;
        b.click("recovery-done").await?;
        // Set-up done, the page the mediator asked for opens.
        b.wait_for_text("page-title", "People").await?;
        ensure!(
            b.driver.find_all(By::Id("mfa-required")).await?.is_empty(),
            "still asked to set up two-step sign-in"
        );
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn a_mediator_of_two_organizations_switches_between_them() {
    use caucus_api::seed::{DEMO_ORG_NAME, SECOND_ORG_NAME};
    with_browser("switch_organization", async |b| {
        b.driver.goto(b.admin_url("/")).await?;
        b.sign_in("mediator@demo.caucus.test", DEMO_PASSWORD)
            .await?;
        b.wait_for_text("org-name", DEMO_ORG_NAME).await?;
        b.text_of("organization").await?;
        b.assert_accessible("organization switcher").await?;
        let lakeside = b
            .driver
            .find(By::XPath(format!(
                "//select[@id='organization']/option[.='{SECOND_ORG_NAME}']"
            )))
            .await?
            .value()
            .await?
            .unwrap_or_default();
        b.select("organization", &lakeside).await?;
        b.wait_for_text("org-name", SECOND_ORG_NAME).await?;
        ensure!(
            b.text_of("organization").await?.contains(DEMO_ORG_NAME),
            "the switcher lost the first organization"
        );
        Ok(())
    })
    .await;
}

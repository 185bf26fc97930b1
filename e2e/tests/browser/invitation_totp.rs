//! One journey, start to end: the demo admin invites a new mediator from the
//! People page; the email arrives in Mailpit; the mediator opens the link in
//! the admin portal, sets a password, turns on two-step sign-in with an
//! authenticator code, signs out, and signs back in with the password and a
//! fresh code. Nothing in this journey is seeded but the admin.

use anyhow::{Context, ensure};
use caucus_api::seed::{DEMO_ORG_NAME, DEMO_PASSWORD};
use thirtyfour::prelude::*;

use crate::harness::{emailed_token, with_browser};
use crate::two_step::code_for;

#[tokio::test]
async fn an_invited_mediator_joins_turns_on_two_step_sign_in_and_signs_in_with_a_code() {
    with_browser("invitation_totp", async |b| {
        let address = format!("newmediator-{}@example.org", uuid::Uuid::new_v4().simple());
        let name = "Marta Mediadora";
        let password = "copper-meadow-violin-83";

        // The admin invites the mediator.
        b.driver.goto(b.admin_url("/people")).await?;
        b.sign_in("admin@demo.caucus.test", DEMO_PASSWORD).await?;
        b.wait_for_text("members-table", "mediator@demo.caucus.test")
            .await?;
        b.type_into("invite-email", &address).await?;
        b.select("invite-role", "MEDIATOR").await?;
        b.select("invite-language", "en").await?;
        b.click("invite-submit").await?;
        b.wait_for_text("invite-result", &address).await?;
        b.click("sign-out").await?;
        b.text_of("email").await?;

        // The email arrives, with a link to the admin portal (staff use it).
        let link = b.admin_url("/invitation#");
        let token = emailed_token(&address, &link)
            .await
            .context("no invitation to the admin portal in Mailpit")?;
        b.driver.goto(format!("{link}{token}")).await?;
        b.wait_for_text("invited-email", &address).await?;
        b.wait_for_text("page-title", DEMO_ORG_NAME).await?;
        b.wait_for_text("invited-role", "Mediator").await?;
        b.type_into("name", name).await?;
        b.type_into("new-password", password).await?;
        b.wait_for_text("password-hint", "Long enough").await?;
        b.click("accept-invitation").await?;
        b.wait_for_text("signed-in-as", name).await?;
        let url = b.driver.current_url().await?;
        ensure!(
            !url.as_str().contains(&token),
            "the token stayed in the address bar: {url}"
        );

        // Two-step sign-in, from the security page.
        b.click("security-link").await?;
        b.wait_for_text("page-title", "Two-step sign-in").await?;
        b.text_of("mfa-off").await?;
        b.click("start-totp").await?;
        let secret = b.text_of("totp-secret").await?;
        b.assert_accessible("invited mediator's two-step set-up")
            .await?;
        b.type_into("totp-code", &code_for(&secret, 0)?).await?;
        b.click("confirm-totp").await?;
        b.text_of("recovery-codes").await?;
        b.click("recovery-done").await?;
        b.text_of("mfa-on").await?;

        // Signed out, the password alone no longer lets them in.
        b.click("sign-out").await?;
        b.text_of("email").await?;
        b.driver.goto(b.admin_url("/")).await?;
        b.sign_in(&address, password).await?;
        b.text_of("mfa-code")
            .await
            .context("no code step after the password")?;
        ensure!(
            b.driver.find_all(By::Id("signed-in-as")).await?.is_empty(),
            "signed in before the code"
        );
        // The set-up's code was spent: the next step's is needed.
        b.type_into("mfa-code", &code_for(&secret, 30)?).await?;
        b.click("verify-mfa").await?;
        b.wait_for_text("signed-in-as", name).await?;
        b.wait_for_text("org-name", DEMO_ORG_NAME).await?;
        Ok(())
    })
    .await;
}
